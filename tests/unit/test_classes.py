"""lib.classes: validation, instructor management, join codes, enrolments and the access rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib import auth, classes, db, queries
from lib.classes import ClassInput, NotFound
from lib.validation import ValidationError
from tests.unit.conftest import Builder

D = dt.date

JOIN_ERROR = {"join_code": "That join code doesn't match an open class — check it with your "
                           "instructor."}


def make_user(con, name: str, role: str = "student", *, email: str | None = None) -> int:
    """A user row (and, with `email`, its credentials): test setup for people only."""
    with db.transaction(con) as cur:
        user_id = cur.execute(
            "INSERT INTO users (display_name, role) VALUES (?, ?) RETURNING id",
            [name, role]).fetchone()[0]
        if email:
            cur.execute("INSERT INTO credentials (user_id, email, password_hash) VALUES (?, ?, ?)",
                        [user_id, email, "not-a-real-hash"])
    return user_id


def class_input(**overrides) -> ClassInput:
    raw = {"name": "Career Lab", "term": "Spring 2026", "starts_on": "2026-01-12",
           "ends_on": "2026-05-01", "weekly_goal": 4, "conversations_goal": 6, **overrides}
    return classes.clean_class(raw)


@pytest.fixture
def people(con):
    return {
        "a": make_user(con, "Prof Ada", "instructor"),
        "b": make_user(con, "Prof Bo", "instructor"),
        "admin": make_user(con, "Admin Al", "admin"),
        "s1": make_user(con, "Sam", email="sam@example.org"),
        "s2": make_user(con, "Ria"),
    }


@pytest.fixture
def klass(con, people) -> int:
    return classes.create_class(con, people["a"], class_input())


def code_of(con, viewer_id, class_id) -> str:
    frame = classes.classes_for(con, viewer_id, include_archived=True)
    return frame.loc[frame["id"] == class_id, "join_code"].iloc[0]


def enrolment_rows(con, class_id) -> list[tuple]:
    with db.reading(con) as cur:
        return cur.execute("SELECT student_id, removed_at IS NULL FROM enrolments"
                           " WHERE class_id = ? ORDER BY id", [class_id]).fetchall()


# --- clean_class -----------------------------------------------------------------------------

def test_clean_class_trims_and_fills_defaults():
    data = classes.clean_class({"name": "  Career Lab ", "term": " ", "starts_on": "2026-09-01",
                                "ends_on": D(2026, 12, 15)})
    assert data == ClassInput(name="Career Lab", term=None, starts_on=D(2026, 9, 1),
                              ends_on=D(2026, 12, 15), weekly_goal=5, conversations_goal=5)


def test_clean_class_accepts_a_future_term_and_a_one_day_class():
    data = classes.clean_class({"name": "Workshop", "starts_on": "2030-01-05",
                                "ends_on": "2030-01-05", "weekly_goal": 0,
                                "conversations_goal": 500})
    assert (data.starts_on, data.ends_on, data.weekly_goal, data.conversations_goal) == (
        D(2030, 1, 5), D(2030, 1, 5), 0, 500)


def test_clean_class_reports_every_field():
    with pytest.raises(ValidationError) as err:
        classes.clean_class({"name": "", "term": "x" * 61, "starts_on": "2026-05-02",
                             "ends_on": "2026-05-01", "weekly_goal": 101,
                             "conversations_goal": -1})
    errors = err.value.errors
    assert set(errors) == {"name", "term", "ends_on", "weekly_goal", "conversations_goal"}
    assert errors["name"].startswith("Class name is required — enter a name")
    assert errors["term"] == "Term is 61 characters long — shorten it to 60 or fewer."
    assert errors["ends_on"] == ("End date can't be before the start date (2026-05-02) — "
                                 "pick a later day.")
    assert errors["weekly_goal"] == "Weekly outreach goal must be a whole number from 0 to 100."
    assert errors["conversations_goal"] == ("Conversations goal for the term must be a whole "
                                            "number from 0 to 500.")


def test_clean_class_name_length_and_dates():
    with pytest.raises(ValidationError) as err:
        classes.clean_class({"name": "n" * 121, "starts_on": "soon", "ends_on": None,
                             "conversations_goal": "lots"})
    errors = err.value.errors
    assert errors["name"] == "Class name is 121 characters long — shorten it to 120 or fewer."
    assert errors["starts_on"] == ("Start date “soon” is not a date — use YYYY-MM-DD, "
                                   "e.g. 2026-09-01.")
    assert errors["ends_on"] == "End date is required — pick the last day of the class."
    assert "Conversations goal" in errors["conversations_goal"]


# --- creating and managing -------------------------------------------------------------------

def test_create_class_lists_it_with_an_active_join_code(con, people, klass):
    frame = classes.classes_for(con, people["a"])
    assert list(frame.columns) == ["id", "name", "term", "starts_on", "ends_on", "weekly_goal",
                                   "conversations_goal", "joining_open", "archived",
                                   "join_code", "students", "instructor"]
    row = frame.iloc[0]
    assert (int(row["id"]), row["name"], row["term"], int(row["weekly_goal"]),
            int(row["conversations_goal"]), bool(row["joining_open"]), bool(row["archived"]),
            int(row["students"]), row["instructor"]) == (
        klass, "Career Lab", "Spring 2026", 4, 6, True, False, 0, "Prof Ada")
    code = row["join_code"]
    assert len(code) == auth.JOIN_CODE_LENGTH and set(code) <= set(auth.CODE_ALPHABET)


def test_only_instructors_and_admins_create_classes(con, people):
    with pytest.raises(NotFound):
        classes.create_class(con, people["s1"], class_input())
    assert classes.create_class(con, people["admin"], class_input(name="Admin's")) > 0


def test_update_class(con, people, klass):
    classes.update_class(con, people["a"], klass, class_input(name="Career Lab II", term=None,
                                                              conversations_goal=8))
    record = classes.class_record(con, people["a"], klass)
    assert (record["name"], record["term"], record["conversations_goal"]) == (
        "Career Lab II", None, 8)


def test_regenerated_code_replaces_the_old_one(con, people, klass):
    old = code_of(con, people["a"], klass)
    new = classes.regenerate_join_code(con, people["a"], klass)
    assert new != old and code_of(con, people["a"], klass) == new
    with pytest.raises(ValidationError) as err:
        classes.join_class(con, people["s1"], old)
    assert err.value.errors == JOIN_ERROR
    assert classes.join_class(con, people["s1"], new) == "Career Lab"


def test_closed_joining_refuses_the_code_until_reopened(con, people, klass):
    code = code_of(con, people["a"], klass)
    classes.set_joining_open(con, people["a"], klass, False)
    for attempt in (classes.check_join_code, lambda c, x: classes.join_class(c, people["s1"], x)):
        with pytest.raises(ValidationError) as err:
            attempt(con, code)
        assert err.value.errors == JOIN_ERROR
    classes.set_joining_open(con, people["a"], klass, True)
    assert classes.join_class(con, people["s1"], code) == "Career Lab"


def test_archived_class_refuses_its_code_and_leaves_the_lists(con, people, klass):
    code = code_of(con, people["a"], klass)
    classes.join_class(con, people["s1"], code)
    classes.archive_class(con, people["a"], klass)
    with pytest.raises(ValidationError) as err:
        classes.join_class(con, people["s2"], code)
    assert err.value.errors == JOIN_ERROR
    assert classes.classes_for(con, people["a"]).empty
    assert bool(classes.classes_for(con, people["a"], include_archived=True)["archived"].iloc[0])
    assert classes.classes_of_student(con, people["s1"]).empty
    classes.archive_class(con, people["a"], klass, archived=False)
    assert list(classes.classes_for(con, people["a"])["id"]) == [klass]
    assert classes.join_class(con, people["s2"], code) == "Career Lab"


@pytest.mark.parametrize("code", ["", "   ", "NOPE1234", None, 12345678])
def test_unknown_codes_are_refused(con, people, klass, code):
    with pytest.raises(ValidationError) as err:
        classes.join_class(con, people["s1"], code)
    assert err.value.errors == JOIN_ERROR
    with pytest.raises(ValidationError):
        classes.check_join_code(con, code)


def test_codes_are_read_in_any_case_with_spaces_or_dashes(con, people, klass):
    code = code_of(con, people["a"], klass)
    typed = f" {code[:4].lower()}-{code[4:].lower()} "
    assert classes.check_join_code(con, typed) == "Career Lab"
    assert enrolment_rows(con, klass) == []  # checking writes nothing
    assert classes.join_class(con, people["s1"], typed) == "Career Lab"


def test_joining_twice_is_a_no_op_and_rejoining_reactivates(con, people, klass):
    code = code_of(con, people["a"], klass)
    classes.join_class(con, people["s1"], code)
    classes.join_class(con, people["s1"], code)
    assert enrolment_rows(con, klass) == [(people["s1"], True)]

    classes.remove_student(con, people["a"], klass, people["s1"])
    assert enrolment_rows(con, klass) == [(people["s1"], False)]
    assert classes.roster(con, people["a"], klass).empty
    assert classes.classes_of_student(con, people["s1"]).empty
    with pytest.raises(NotFound):  # not on the roster any more
        classes.remove_student(con, people["a"], klass, people["s1"])

    classes.join_class(con, people["s1"], code)
    assert enrolment_rows(con, klass) == [(people["s1"], True)]
    assert list(classes.roster(con, people["a"], klass)["student_id"]) == [people["s1"]]


def test_removal_and_leaving_keep_the_students_records(con, people, klass):
    build = Builder(con, people["s1"])
    contact = build.contact("Kim", created_on=D(2026, 3, 2))
    build.outreach(contact, "2026-03-02")
    build.conversation(contact, held_on="2026-03-05", insights=[{"category": "trend",
                                                                  "text": "AI everywhere"}])
    before = queries.table_counts(con, people["s1"])
    code = code_of(con, people["a"], klass)
    classes.join_class(con, people["s1"], code)
    classes.remove_student(con, people["a"], klass, people["s1"])
    classes.join_class(con, people["s1"], code)
    classes.leave_class(con, people["s1"], klass)
    assert queries.table_counts(con, people["s1"]) == before == {
        "contacts": 1, "outreach": 1, "conversations": 1, "insights": 1}
    assert classes.classes_of_student(con, people["s1"]).empty
    with pytest.raises(NotFound):
        classes.leave_class(con, people["s1"], klass)


def test_only_students_join(con, people, klass):
    with pytest.raises(ValidationError) as err:
        classes.join_class(con, people["b"], code_of(con, people["a"], klass))
    assert err.value.errors == {"join_code": "Only student accounts can join a class."}


def test_roster_and_classes_of_student(con, people, klass):
    code = code_of(con, people["a"], klass)
    classes.join_class(con, people["s2"], code)
    classes.join_class(con, people["s1"], code)
    frame = classes.roster(con, people["a"], klass)
    assert list(frame.columns) == ["student_id", "display_name", "email", "joined_at"]
    assert list(frame["display_name"]) == ["Ria", "Sam"]
    assert pd.isna(frame["email"].iloc[0]) and frame["email"].iloc[1] == "sam@example.org"
    assert frame["joined_at"].notna().all()

    mine = classes.classes_of_student(con, people["s1"])
    assert list(mine.columns) == ["id", "name", "term", "starts_on", "ends_on", "weekly_goal",
                                  "conversations_goal", "instructor"]
    row = mine.iloc[0]
    assert (int(row["id"]), row["name"], row["term"], int(row["weekly_goal"]),
            int(row["conversations_goal"]), row["instructor"]) == (
        klass, "Career Lab", "Spring 2026", 4, 6, "Prof Ada")
    assert int(classes.classes_for(con, people["a"])["students"].iloc[0]) == 2


def test_delete_class_keeps_student_records(con, people, klass):
    build = Builder(con, people["s1"])
    build.contact("Kim", created_on=D(2026, 3, 2))
    code = code_of(con, people["a"], klass)
    classes.join_class(con, people["s1"], code)
    classes.regenerate_join_code(con, people["a"], klass)
    with pytest.raises(NotFound):
        classes.delete_class(con, people["b"], klass)
    classes.delete_class(con, people["a"], klass)
    with db.reading(con) as cur:
        left = cur.execute("SELECT (SELECT count(*) FROM classes), (SELECT count(*) FROM"
                           " join_codes), (SELECT count(*) FROM enrolments)").fetchone()
    assert left == (0, 0, 0)
    assert queries.table_counts(con, people["s1"])["contacts"] == 1
    with pytest.raises(ValidationError):
        classes.check_join_code(con, code)
    with pytest.raises(NotFound):
        classes.class_record(con, people["a"], klass)


# --- access ----------------------------------------------------------------------------------

def _every_instructor_call(con, viewer, class_id, student_id):
    data = class_input(name="Renamed")
    return [
        lambda: classes.class_record(con, viewer, class_id),
        lambda: classes.update_class(con, viewer, class_id, data),
        lambda: classes.regenerate_join_code(con, viewer, class_id),
        lambda: classes.set_joining_open(con, viewer, class_id, False),
        lambda: classes.archive_class(con, viewer, class_id),
        lambda: classes.roster(con, viewer, class_id),
        lambda: classes.remove_student(con, viewer, class_id, student_id),
        lambda: classes.delete_class(con, viewer, class_id),
    ]


@pytest.mark.parametrize("who", ["b", "s1", "nobody", "disabled_instructor"])
def test_others_get_not_found_everywhere(con, people, klass, who):
    classes.join_class(con, people["s1"], code_of(con, people["a"], klass))
    if who == "nobody":
        viewer = 999_999
    elif who == "disabled_instructor":  # their own class, made before they were disabled
        viewer = people["a"]
        with db.transaction(con) as cur:
            cur.execute("UPDATE users SET disabled = true WHERE id = ?", [viewer])
    else:
        viewer = people[who]
    for call in _every_instructor_call(con, viewer, klass, people["s1"]):
        with pytest.raises(NotFound):
            call()
    assert not classes.can_view_class(con, viewer, klass)
    assert classes.classes_for(con, viewer, include_archived=True).empty
    # nothing changed
    record = classes.class_record(con, people["admin"], klass)
    assert (record["name"], record["joining_open"], record["archived"]) == (
        "Career Lab", True, False)
    assert enrolment_rows(con, klass) == [(people["s1"], True)]


@pytest.mark.parametrize("class_id", [4242, "4242", "abc", None])
def test_missing_class_is_not_found(con, people, class_id):
    for call in _every_instructor_call(con, people["admin"], class_id, people["s1"]):
        with pytest.raises(NotFound):
            call()


def test_admin_sees_and_manages_every_class(con, people, klass):
    other = classes.create_class(con, people["b"], class_input(name="Bo's class"))
    assert classes.can_view_class(con, people["admin"], klass)
    assert classes.can_view_class(con, people["a"], klass)
    assert not classes.can_view_class(con, people["a"], other)
    assert sorted(classes.classes_for(con, people["admin"])["name"]) == ["Bo's class",
                                                                       "Career Lab"]
    assert list(classes.classes_for(con, people["b"])["name"]) == ["Bo's class"]
    classes.join_class(con, people["s1"], code_of(con, people["a"], klass))
    assert list(classes.roster(con, people["admin"], klass)["display_name"]) == ["Sam"]
    classes.update_class(con, people["admin"], klass, class_input(name="By admin"))
    assert classes.class_record(con, people["a"], klass)["name"] == "By admin"
