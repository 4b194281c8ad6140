"""lib.data_export: "My data" — the tracker's and the coaching records — as ZIP and Excel, safe
to open in a spreadsheet, and read back into a fresh account exactly; the instructor's class
report with small groups suppressed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from lib import (
    class_queries,
    classes,
    coaching_store,
    data_export,
    db,
    demo,
    erasure,
    importer,
    prep_store,
    store,
)
from lib.importer import STATUS_KNOWN, STATUS_NEW, STATUS_SKIPPED
from lib import question_bank
from lib.prep_validation import clean_my_question, clean_schedule
from lib.validation import ValidationError
from tests.unit.conftest import TODAY, Builder, add_user

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def rich_records(build: Builder) -> dict[str, int]:
    """Every field used, with text that is hard to carry through a spreadsheet."""
    ada = build.contact("Ada Lovelace", organization="Engines, Ltd", industry="Technology",
                        title="=HYPERLINK(\"http://evil.example\",\"x\")", how_found="alumni",
                        priority="dream", email="ada@engines.example",
                        profile_url="https://www.linkedin.com/in/ada",
                        notes="Line one\nLine \"two\", with comma\r\nand CRLF; semicolon",
                        created_on=dt.date(2026, 2, 1))
    odd = build.contact("'Tis Odd", organization="+cmd|' /C calc'!A0", industry="Other",
                        industry_other="Space mining", how_found="cold", priority="curious",
                        notes="@SUM(1+1)", created_on=dt.date(2026, 2, 2))
    twin = build.contact("Ada Lovelace", organization="Engines, Ltd", industry="Technology",
                         notes="-2+3 a second contact with the same name",
                         created_on=dt.date(2026, 2, 3))
    first = build.outreach(ada, "2026-02-02", "email")
    build.respond(first, "2026-02-04", "accepted")
    build.outreach(ada, "2026-02-10", "linkedin")
    second = build.outreach(ada, "2026-02-10", "phone")  # two messages on one day
    declined = build.outreach(odd, "2026-02-03", "in_person")
    build.respond(declined, "2026-02-05", "declined")
    build.outreach(twin, "2026-02-11", "referral_intro")
    coffee = build.conversation(
        ada, held_on="2026-02-12", format="coffee", duration_min=45,
        questions="What surprised you?\n=1+1 is a question too\n'quoted'",
        insights=[{"category": "trend", "text": "=cmd trend"},
                  {"category": "advice", "text": "Learn SQL"},
                  {"category": "resource", "text": "@handle on social"}],
        referrals=[{"name": "Charles Babbage", "organization": "Difference Inc",
                    "title": "Engineer"}],
        next_steps="-follow up", clarity_before=2, clarity_after=4,
        reflection="Changed\rmy _x000D_ mind", thank_you_on="2026-02-13", share_insights=True,
        share_name=True)
    video = build.conversation(ada, held_on="2026-02-12", format="video", duration_min=None,
                               insights=[{"category": "assignment", "text": "Read the paper"}])
    build.conversation(odd, held_on="2026-02-14", format="phone", duration_min=20)
    return {"ada": ada, "odd": odd, "twin": twin, "second": second, "declined": declined,
            "coffee": coffee, "video": video}


# Friday 2026-03-20, 09:40 local: TODAY of tests/unit/conftest.py.
NOW = dt.datetime(2026, 3, 20, 9, 40)


def schedule(con, user_id: int, contact_id: int, day: str, time: str, **fields) -> int:
    raw = {"contact_id": contact_id, "date": day, "time": time, "duration_min": 30,
           "format": "video", "place": None, "timezone": "Europe/Berlin", **fields}
    return prep_store.schedule_conversation(
        con, user_id, clean_schedule(raw, now_local=NOW, is_new=False)).id


def coaching_records(con, user_id: int, ids: dict[str, int]) -> None:
    """Every coaching record type — through prep_store and coaching_store, as the pages write
    them — referring to the tracker records of `rich_records`."""
    own = prep_store.add_my_question(con, user_id, "trend", "=What changed this year?").id
    prep_store.add_my_question(con, user_id, "closing", "Whom else should I meet?")
    gone = prep_store.add_my_question(con, user_id, "advice", "'Quoted' advice?").id
    prep_store.star_question(con, user_id, f"mine-{own}")
    builtin = [q.id for q in question_bank.builtin_questions()]
    prep_store.star_question(con, user_id, builtin[0])
    prep_store.hide_question(con, user_id, builtin[1])
    prep_store.star_question(con, user_id, builtin[1])  # one row carries both marks

    upcoming = schedule(con, user_id, ids["twin"], "2026-03-25", "14:30",
                        place="Café Central, 2nd floor")
    prep_store.save_prep_sheet(
        con, user_id, upcoming, "-Read her\r\npaper; \"notes\"", "@learn the path", True,
        False, [("Built-in, picked", builtin[0]), ("=My own", f"mine-{own}"),
                ("Own, deleted since", f"mine-{gone}"), ("Typed in", None)])
    prep_store.delete_my_question(con, user_id, f"mine-{gone}")  # the sheet keeps its copy
    held = schedule(con, user_id, ids["ada"], "2026-02-12", "08:00", format="coffee",
                    timezone="America/New_York", duration_min=45)
    prep_store.save_prep_sheet(con, user_id, held, None, "Ask about SQL", True, True,
                               [("Q1", None), ("Q2", None), ("Q3", None)])
    prep_store.mark_held(con, user_id, held, ids["coffee"])
    cancelled = schedule(con, user_id, ids["odd"], "2026-04-01", "09:00", format="phone")
    prep_store.cancel_schedule(con, user_id, cancelled)
    # the same person, the same time, twice (the app does not forbid it)
    schedule(con, user_id, ids["odd"], "2026-04-02", "10:00")
    schedule(con, user_id, ids["odd"], "2026-04-02", "10:00", duration_min=60)

    coaching_store.mark_done(con, user_id, f"thank_you:{ids['video']}")
    coaching_store.snooze(con, user_id, f"follow_up:{ids['second']}", dt.date(2026, 3, 24))
    coaching_store.mark_done(con, user_id, f"move_on:{ids['declined']}")
    coaching_store.mark_done(con, user_id, f"prepare:{upcoming}")
    coaching_store.mark_done(con, user_id, f"keep_in_touch:{ids['odd']}@2026-02-14")
    coaching_store.snooze(con, user_id, "weekly_goal:2026-03-16", dt.date(2026, 3, 23))

    coaching_store.record_touch(con, user_id, ids["ada"], dt.date(2026, 3, 1))
    coaching_store.record_touch(con, user_id, ids["ada"], dt.date(2026, 3, 15))
    coaching_store.record_touch(con, user_id, ids["odd"], dt.date(2026, 3, 15))

    coaching_store.add_career_goal(con, user_id, "Data analyst in health care",
                                   set_at=dt.datetime(2026, 1, 15, 10, 30, 12, 345678))
    coaching_store.add_career_goal(con, user_id, "=Product manager, maybe")
    coaching_store.set_own_goals(con, user_id, coaching_store.OwnGoals(7, 2, 10))


def snapshot(con, user_id: int) -> dict[str, list]:
    """Every field of the user's records, ids replaced by what they point at."""
    def rows(sql):
        with db.reading(con) as cur:
            return sorted(cur.execute(sql, {"u": user_id}).fetchall(), key=repr)

    def identities(sql) -> dict[int, str]:
        with db.reading(con) as cur:
            return dict(cur.execute(sql, {"u": user_id}).fetchall())

    who = "(SELECT name || '|' || coalesce(organization, '') FROM contacts WHERE id = {})"
    talk = ("(SELECT c.name || '|' || v.held_on::VARCHAR || '|' || v.format FROM conversations"
            " v JOIN contacts c ON c.id = v.contact_id WHERE v.id = {})")
    return {
        "contacts": rows(f"""
            SELECT name, organization, title, industry, industry_other, how_found, email,
                   profile_url, priority, notes, created_on,
                   {who.format('x.referred_by_contact_id')},
                   {talk.format('x.referred_in_conversation_id')}
            FROM contacts x WHERE user_id = $u"""),
        "outreach": rows(f"""
            SELECT {who.format('o.contact_id')}, sent_on, channel, attempt, response_on, outcome
            FROM outreach o WHERE user_id = $u"""),
        "conversations": rows(f"""
            SELECT {who.format('v.contact_id')}, held_on, format, duration_min, next_steps,
                   clarity_before, clarity_after, reflection, thank_you_on, share_insights,
                   coalesce(share_name, false)
            FROM conversations v WHERE user_id = $u"""),
        "questions": rows(f"""
            SELECT {talk.format('q.conversation_id')}, position, text
            FROM conversation_questions q JOIN conversations v ON v.id = q.conversation_id
            WHERE v.user_id = $u"""),
        "insights": rows(f"""
            SELECT {talk.format('i.conversation_id')}, position, category, text
            FROM insights i WHERE user_id = $u"""),
        **coaching_snapshot(con, user_id, rows, identities, who, talk),
    }


def coaching_snapshot(con, user_id, rows, identities, who, talk) -> dict[str, list]:
    """The coaching tables, every reference (also the ids inside next-action keys and the
    "mine-<id>" of a prep sheet's own question) replaced by what it points at."""
    plan = ("(SELECT c.name || '|' || s.starts_at::VARCHAR || '|' || s.duration_min::VARCHAR"
            " FROM scheduled_conversations s JOIN contacts c ON c.id = s.contact_id"
            " WHERE s.id = {})")
    targets = {
        "contact": identities(f"SELECT id, {who.format('x.id')} FROM contacts x"
                              " WHERE user_id = $u"),
        "outreach": identities(f"""SELECT id, {who.format('o.contact_id')} || '|' ||
                                   sent_on::VARCHAR || '|' || channel FROM outreach o
                                   WHERE user_id = $u"""),
        "conversation": identities(f"SELECT id, {talk.format('t.id')} FROM conversations t"
                                   " WHERE user_id = $u"),
        "scheduled": identities(f"SELECT id, {plan.format('p.id')} FROM"
                                " scheduled_conversations p WHERE user_id = $u"),
    }

    def mark_key(key: str) -> str:
        kind, _, ref = key.partition(":")
        target = data_export.MARK_KINDS[kind]
        if target is None:
            return key
        number, at, rest = ref.partition("@")
        return f"{kind}:{targets[target][int(number)]}{at}{rest}"

    marks = rows("SELECT action_key, mark, until, created_at FROM action_marks"
                 " WHERE user_id = $u")
    return {
        "scheduled_conversations": rows(f"""
            SELECT {who.format('p.contact_id')}, starts_at, timezone, duration_min, format,
                   place, research_notes, goals, researched, confirmed,
                   {talk.format('p.conversation_id')}, cancelled_at, created_at
            FROM scheduled_conversations p WHERE user_id = $u"""),
        "prep_questions": rows(f"""
            SELECT {plan.format('q.scheduled_id')}, position, text,
                   -- an own question deleted since: the prep sheet's copy points at nothing
                   CASE WHEN bank_id LIKE 'mine-%' THEN 'mine: ' || (
                       SELECT m.text FROM my_questions m WHERE m.user_id = $u
                       AND m.id = try_cast(substr(q.bank_id, 6) AS BIGINT))
                   ELSE bank_id END
            FROM prep_questions q JOIN scheduled_conversations p ON p.id = q.scheduled_id
            WHERE p.user_id = $u"""),
        "my_questions": rows("""
            SELECT category, text, starred, bank_id, hidden, created_at FROM my_questions
            WHERE user_id = $u"""),
        "action_marks": sorted(((mark_key(k), *rest) for k, *rest in marks), key=repr),
        "touches": rows(f"""SELECT {who.format('t.contact_id')}, touched_on FROM touches t
                            WHERE user_id = $u"""),
        "career_goals": rows("SELECT goal, set_at FROM career_goals WHERE user_id = $u"),
        "goals": rows("""SELECT weekly_goal, coalesce(weekly_goal_set, false),
                                weekly_conversation_goal, term_conversation_goal
                         FROM users WHERE id = $u"""),
    }


def import_export(con, user_id: int, name: str, data: bytes):
    upload = importer.read_upload(name, data)
    assert upload.kind == "export"
    known = importer.ExistingRecords.from_keys(store.existing_keys(con, user_id))
    return data_export.plan_export(upload, known, today=TODAY)


EVERYTHING = {"contacts": 4, "outreach": 5, "conversations": 3, "insights": 4,
              "scheduled_conversations": 5, "prep_questions": 7, "my_questions": 4,
              "action_marks": 6, "touches": 3, "career_goals": 2, "goals": 1}
NOTHING = {"contacts": 0, "outreach": 0, "conversations": 0, "insights": 0}


@pytest.fixture
def exported(con, user, build):
    coaching_records(con, user, rich_records(build))
    return snapshot(con, user)


# --- round trip ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_export_then_import_into_a_fresh_account_reproduces_every_record(
        con, user, other_user, exported, kind):
    assert all(exported[t] for t in importer.EXPORT_TYPES)  # every record type is there
    data = (data_export.student_zip(con, user) if kind == "zip"
            else data_export.student_xlsx(con, user))
    plan = import_export(con, other_user, f"my-data.{kind}", data)
    assert not plan.skipped, [(r.sheet, r.row, r.problems) for r in plan.skipped]
    counts = store.write_batch(con, other_user, plan.batch)
    assert counts == EVERYTHING
    assert snapshot(con, other_user) == exported
    assert db.integrity_problems(con) == {}
    # ... and importing it there again adds nothing
    again = import_export(con, other_user, f"my-data.{kind}", data)
    assert {r.status for r in again.rows} == {STATUS_KNOWN}
    assert store.write_batch(con, other_user, again.batch) == NOTHING
    assert snapshot(con, other_user) == exported


def test_the_next_actions_stay_ticked_off_in_the_new_account(con, user, other_user, exported):
    plan = import_export(con, other_user, "x.zip", data_export.student_zip(con, user))
    store.write_batch(con, other_user, plan.batch)
    for who in (user, other_user):
        marks = coaching_store.action_marks(con, who)
        assert {d.kind for d in marks.done} == {"thank_you", "move_on", "prepare",
                                                 "keep_in_touch"}
    assert coaching_store.own_goals(con, other_user) == coaching_store.OwnGoals(7, 2, 10)
    assert coaching_store.current_career_goal(con, other_user) == "=Product manager, maybe"
    assert prep_store.upcoming_conversations(con, other_user)["starts_at"].tolist() == \
        prep_store.upcoming_conversations(con, user)["starts_at"].tolist()


def test_the_sample_semester_round_trips_too(con, user, other_user, sample):
    before = snapshot(con, user)
    plan = import_export(con, other_user, "x.zip", data_export.student_zip(con, user))
    store.write_batch(con, other_user, plan.batch)
    assert snapshot(con, other_user) == before


def test_the_demo_semester_with_coaching_records_round_trips(con, user, other_user):
    demo.load_demo(con, user, today=TODAY)
    records = data_export.student_frames(con, user)
    talk = records["conversations"].iloc[0]
    message = records["outreach"].iloc[-1]
    upcoming = schedule(con, user, int(talk["contact_id"]), "2026-03-26", "11:15")
    prep_store.save_prep_sheet(con, user, upcoming, "notes", "goals", True, True,
                               [("One?", None), ("Two?", None), ("Three?", None)])
    prep_store.add_my_question(con, user, "insight", "What do you wish you had known?")
    coaching_store.mark_done(con, user, f"thank_you:{talk['conversation_id']}")
    coaching_store.snooze(con, user, f"next_contact:{message['outreach_id']}",
                          dt.date(2026, 3, 25))
    coaching_store.record_touch(con, user, int(talk["contact_id"]), dt.date(2026, 3, 18))
    coaching_store.add_career_goal(con, user, "UX research")
    coaching_store.set_own_goals(con, user, coaching_store.OwnGoals(None, 1, 6))
    before = snapshot(con, user)
    assert all(before[t] for t in importer.EXPORT_TYPES)

    plan = import_export(con, other_user, "x.zip", data_export.student_zip(con, user))
    assert not plan.skipped, [(r.sheet, r.row, r.problems) for r in plan.skipped]
    store.write_batch(con, other_user, plan.batch)
    assert snapshot(con, other_user) == before
    assert db.integrity_problems(con) == {}


def test_importing_my_export_into_the_same_account_stores_nothing_new(con, user, exported):
    plan = import_export(con, user, "x.zip", data_export.student_zip(con, user))
    assert {r.status for r in plan.rows} == {STATUS_KNOWN}
    assert {r.sheet for r in plan.rows} == set(importer.EXPORT_TYPES) - {"questions", "insights",
                                                                          "prep_questions"}
    assert plan.counts == NOTHING
    store.write_batch(con, user, plan.batch)
    assert snapshot(con, user) == exported


def test_an_export_adds_only_what_is_missing(con, user, other_user, exported):
    data = data_export.student_zip(con, user)
    Builder(con, other_user).contact("Ada Lovelace", organization="engines, ltd")
    plan = import_export(con, other_user, "x.zip", data)
    contacts = [r for r in plan.rows if r.sheet == "contacts"]
    # Ada is there; Odd, Ada's namesake and Charles (a referral) are not
    assert [r.status for r in contacts] == [STATUS_KNOWN, STATUS_NEW, STATUS_NEW, STATUS_NEW]
    assert all(r.status == STATUS_NEW for r in plan.rows if r.sheet != "contacts")


def test_coaching_records_of_a_contact_already_there_are_matched_to_it(
        con, user, other_user, exported):
    """Half of the records are in the other account already (imported from an older export
    without the coaching files): the marks and notes about them find them by their new ids."""
    data = data_export.student_zip(con, user)
    frames = data_export.student_frames(con, user)
    older = data_export.frames_to_zip({t: frames[t] for t in importer.TRACKER_TYPES})
    store.write_batch(con, other_user, import_export(con, other_user, "old.zip", older).batch)
    plan = import_export(con, other_user, "x.zip", data)
    assert {r.status for r in plan.rows if r.sheet in importer.TRACKER_TYPES} == {STATUS_KNOWN}
    assert {r.status for r in plan.rows if r.sheet in importer.COACHING_TYPES} == {STATUS_NEW}
    store.write_batch(con, other_user, plan.batch)
    assert snapshot(con, other_user) == exported


def test_an_older_export_without_the_coaching_files_still_imports(
        con, user, other_user, exported):
    frames = data_export.student_frames(con, user)
    tracker = {t: frames[t] for t in importer.TRACKER_TYPES}
    for data, name in ((data_export.frames_to_zip(tracker), "old.zip"),
                       (data_export.frames_to_xlsx(tracker), "old.xlsx")):
        upload = importer.read_upload(name, data)
        assert upload.kind == "export" and set(upload.tables) == set(importer.TRACKER_TYPES)
    plan = import_export(con, other_user, "old.zip", data_export.frames_to_zip(tracker))
    assert not plan.skipped and plan.counts == {k: EVERYTHING[k] for k in NOTHING}
    store.write_batch(con, other_user, plan.batch)
    after = snapshot(con, other_user)
    assert {t: after[t] for t in importer.TRACKER_TYPES} == \
        {t: exported[t] for t in importer.TRACKER_TYPES}
    assert not any(after[t] for t in importer.COACHING_TYPES if t != "goals")


def test_bad_coaching_rows_are_reported_with_their_reasons(con, user, other_user, exported):
    frames = data_export.student_frames(con, user)

    def add(name: str, **values) -> None:
        row = {c: None for c in frames[name].columns} | values
        frames[name] = pd.concat([frames[name], pd.DataFrame([row], dtype=object)],
                                 ignore_index=True)

    scheduled = frames["scheduled_conversations"]
    scheduled.loc[0, "format"] = "carrier pigeon"
    add("prep_questions", scheduled_id=99999, position=0, text="Whose sheet?")
    add("my_questions", question_id=99998, category="trend", text="Gone", bank_id="no-such-id")
    add("my_questions", question_id=99999, category="nonsense", text="Which category?")
    add("action_marks", action_key="follow_up:99999", mark="done")
    add("action_marks", action_key="launch_rocket:1", mark="done")
    add("action_marks", action_key="thank_you:1", mark="maybe")
    add("action_marks", action_key="weekly_goal:2026-03-09", mark="snoozed")
    add("action_marks", action_key="weekly_goal:2026-03-16", mark="done")  # twice: once stored
    add("touches", contact_id=frames["contacts"].loc[0, "contact_id"], touched_on="soon")
    add("career_goals", goal=" ", set_at="2026-03-01 10:00:00")
    add("career_goals", goal="Fine goal", set_at="yesterday")
    frames["goals"].loc[0, "term_conversation_goal"] = 900
    plan = import_export(con, other_user, "x.zip", data_export.frames_to_zip(frames))
    skipped = {(r.sheet, " ".join(r.problems)) for r in plan.skipped}
    with pytest.raises(ValidationError) as category:
        clean_my_question({"category": "nonsense", "text": "Which category?"})
    assert skipped == {
        ("scheduled_conversations", "Format must be one of: Video call, Phone, In person, "
                                    "Coffee."),
        ("prep_questions", "Its scheduled conversation is missing from the file."),
        ("my_questions", "Built-in question “no-such-id” is no longer in the question bank."),
        ("my_questions", category.value.errors["category"]),
        ("action_marks", "The outreach it refers to is missing from the file or was skipped."),
        ("action_marks", "“launch_rocket:1” is not a next action of this app."),
        ("action_marks", "Mark must be done or snoozed."),
        ("action_marks", "A snoozed next action needs the date it comes back (until)."),
        # "prepare:" of the skipped scheduled conversation
        ("action_marks", "The scheduled conversation it refers to is missing from the file or "
                         "was skipped."),
        ("touches", "Touched on “soon” is not a date — use YYYY-MM-DD."),
        ("career_goals", "A career goal is 1 to 2,000 characters."),
        ("career_goals", "Set at “yesterday” is not a date and time — write it as "
                         "YYYY-MM-DD HH:MM."),
        ("goals", "Term conversation goal “900” must be a whole number from 0 to 500."),
    }, skipped
    assert len(plan.skipped) == len(skipped)
    bad = next(r for r in plan.skipped if r.sheet == "scheduled_conversations")
    assert bad.row == 2  # its row in the file, as a spreadsheet numbers it (header = 1)
    # everything else is stored, in one go
    counts = store.write_batch(con, other_user, plan.batch)
    expected = EVERYTHING | {"scheduled_conversations": 4, "prep_questions": 3,
                             "action_marks": 5}
    assert counts == {k: n for k, n in expected.items() if k != "goals"}
    assert scheduled.loc[0, "starts_at"] not in set(
        data_export.student_frames(con, other_user)["scheduled_conversations"]["starts_at"])


def test_an_account_with_goals_of_its_own_keeps_them(con, user, other_user, exported):
    coaching_store.set_own_goals(con, other_user, coaching_store.OwnGoals(3, None, None))
    plan = import_export(con, other_user, "x.zip", data_export.student_zip(con, user))
    goals = next(r for r in plan.rows if r.sheet == "goals")
    assert goals.status == STATUS_SKIPPED
    assert goals.problems == ["This account has goals of its own already; they are kept."]
    store.write_batch(con, other_user, plan.batch)
    assert coaching_store.own_goals(con, other_user) == coaching_store.OwnGoals(3, None, None)


def test_the_import_is_all_or_nothing(con, user, other_user, exported):
    """A conversation the file's scheduled conversation was held as is deleted between the
    preview and the import: nothing at all is stored."""
    frames = data_export.student_frames(con, user)
    tracker = {t: frames[t] for t in importer.TRACKER_TYPES}
    store.write_batch(con, other_user,
                      import_export(con, other_user, "old.zip",
                                    data_export.frames_to_zip(tracker)).batch)
    plan = import_export(con, other_user, "x.zip", data_export.student_zip(con, user))
    before = snapshot(con, other_user)
    held = next(s.conversation for s in plan.batch.scheduled if s.conversation is not None)
    store.delete_conversation(con, other_user, held)
    after_delete = snapshot(con, other_user)
    assert after_delete != before
    with pytest.raises(store.NotFound):
        store.write_batch(con, other_user, plan.batch)
    assert snapshot(con, other_user) == after_delete


def test_every_record_the_erasure_deletes_is_exported_or_deliberately_left_out(con):
    """A table with a student's rows that erasure deletes must be in the export — or be one of
    the account tables the export leaves out on purpose (with the reason)."""
    assert set(erasure.ERASED_TABLES) == \
        set(data_export.EXPORTED_TABLES) | set(data_export.NOT_EXPORTED)
    assert not set(data_export.EXPORTED_TABLES) & set(data_export.NOT_EXPORTED)
    with db.reading(con) as cur:
        owned = {t for (t,) in cur.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns"
            " WHERE table_schema = 'main' AND column_name IN ('user_id', 'student_id')"
        ).fetchall()}
    assert owned <= set(erasure.ERASED_TABLES)


def test_an_export_zip_without_its_files_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("contacts.csv", "contact_id,name\n")
    with pytest.raises(importer.ImportFileError, match="not a Career Conversations export"):
        importer.read_upload("x.zip", buffer.getvalue())


def test_an_export_missing_a_column_is_refused(con, user, exported):
    frames = data_export.student_frames(con, user)
    frames["contacts"] = frames["contacts"].drop(columns=["industry"])
    upload = importer.read_upload("x.zip", data_export.frames_to_zip(frames))
    with pytest.raises(importer.ImportFileError, match="lacks the column"):
        data_export.plan_export(upload, importer.ExistingRecords(), today=TODAY)


# --- neutralising formulas -------------------------------------------------------------------

def csv_cells(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"),
                                                   newline="")))
                for name in archive.namelist() if name.endswith(".csv")}


def test_every_csv_cell_of_my_data_is_safe(con, user, exported):
    data = data_export.student_zip(con, user)
    files = csv_cells(data)
    assert sorted(files) == [f"{t}.csv" for t in sorted(importer.EXPORT_TYPES)]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        readme = archive.read("README.txt").decode()
    assert all(f"{t}.csv" in readme for t in importer.EXPORT_TYPES)
    cells = [cell for rows in files.values() for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(DANGEROUS)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
    assert "'+cmd|' /C calc'!A0" in cells and "'@SUM(1+1)" in cells
    assert "'-2+3 a second contact with the same name" in cells
    assert "''Tis Odd" in cells  # an apostrophe of its own gets one more, so import is exact
    # the coaching records too
    assert "'=What changed this year?" in cells and "'=My own" in cells
    assert "'-Read her\r\npaper; \"notes\"" in cells and "'@learn the path" in cells
    assert "'=Product manager, maybe" in cells and "''Quoted' advice?" not in cells


def test_every_excel_cell_of_my_data_is_text_not_a_formula(con, user, exported):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data_export.student_xlsx(con, user)))
    assert book.sheetnames == list(importer.EXPORT_TYPES)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    texts = [v for v in values if isinstance(v, str)]
    assert not [t for t in texts if t.startswith(DANGEROUS)]
    assert "'=cmd trend" in texts and "'-follow up" in texts
    assert "'=Product manager, maybe" in texts and "'@learn the path" in texts
    dates = [v for v in values if isinstance(v, dt.datetime)]
    assert dt.datetime(2026, 2, 12) in dates  # dates stay dates


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tcmd", "\rcmd", "'=1"])
def test_dangerous_starts_are_neutralised_in_both_formats(cell):
    frame = pd.DataFrame({"text": [cell, "fine"], "number": [-1, 2]}, dtype=object)
    with zipfile.ZipFile(io.BytesIO(data_export.frames_to_zip({"t": frame}))) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("t.csv").decode("utf-8-sig"),
                                           newline="")))
    assert rows[1][0] == "'" + cell and rows[2][0] == "fine"
    assert rows[1][1] == "-1"  # numbers are numbers, not text to neutralise

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data_export.frames_to_xlsx({"t": frame})))["t"]
    assert sheet["A2"].value.startswith("'") and sheet["A2"].data_type == "s"
    assert importer.ooxml_unescape(sheet["A2"].value) == "'" + cell  # CR is written _x000D_
    assert sheet["B2"].value == -1


# --- the instructor's class report -----------------------------------------------------------

def make_user(con, name: str, role: str) -> int:
    with db.transaction(con) as cur:  # people only; records go through lib.store
        return cur.execute("INSERT INTO users (display_name, role) VALUES (?, ?) RETURNING id",
                           [name, role]).fetchone()[0]


@pytest.fixture
def course(con, monkeypatch):
    """Three students: two talked to people in Technology, one (alone) in Law."""
    monkeypatch.setenv(class_queries.MIN_GROUP_ENV, "2")
    teacher = make_user(con, "Prof Ada", "instructor")
    class_id = classes.create_class(con, teacher, classes.clean_class({
        "name": "Career Lab", "term": "Spring", "starts_on": "2026-01-12",
        "ends_on": "2026-05-01", "conversations_goal": 4}))
    code = classes.classes_for(con, teacher).set_index("id").loc[class_id, "join_code"]
    students = []
    for name, industry in (("=Sneaky Name", "Technology"), ("Blake", "Technology"),
                           ("Casey", "Law")):
        student = make_user(con, name, "student")
        classes.join_class(con, student, code)
        b = Builder(con, student)
        contact = b.contact(f"Private {name}", industry=industry, notes="secret note")
        out = b.outreach(contact, "2026-03-02")
        b.respond(out, "2026-03-03")
        b.conversation(contact, held_on="2026-03-05")
        students.append(student)
    return teacher, class_id


def test_class_report_has_the_dashboard_tables_with_small_groups_suppressed(con, course):
    teacher, class_id = course
    frames = data_export.class_report_frames(con, teacher, class_id, dt.date(2026, 3, 1),
                                             TODAY, TODAY)
    assert list(frames) == ["period", "progress", "kpis", "industries", "rates_by_industry",
                            "rates_by_channel"]
    assert list(frames["progress"]["student"]) == ["=Sneaky Name", "Blake", "Casey"] or \
        sorted(frames["progress"]["student"]) == sorted(["=Sneaky Name", "Blake", "Casey"])
    industries = frames["industries"].set_index("industry")
    assert industries.loc["Technology", "conversations"] == 2
    assert bool(industries.loc["Law", "suppressed"])
    assert pd.isna(industries.loc["Law", "conversations"])
    assert industries.loc["Law", "label"] == "fewer than 2 students"
    kpis = frames["kpis"].set_index("measure")["value"]
    assert kpis["Students"] == 3 and kpis["Conversations held"] == 3

    for data in (data_export.class_report_zip(frames),):
        files = csv_cells(data)
        law = next(r for r in files["industries.csv"] if r[0] == "Law")
        assert law[1:3] == ["", ""] and "fewer than 2 students" in law
        cells = [c for rows in files.values() for row in rows for c in row]
        assert "'=Sneaky Name" in cells and "=Sneaky Name" not in cells
        assert not [c for c in cells if "Private" in c or "secret" in c]

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data_export.class_report_xlsx(frames)))
    law = next(r for r in book["industries"].iter_rows(values_only=True) if r[0] == "Law")
    assert law[1] is None and law[2] is None
    names = [r[0] for r in book["progress"].iter_rows(min_row=2, values_only=True)]
    assert "'=Sneaky Name" in names


def test_class_report_only_for_who_may_see_the_class(con, course):
    _, class_id = course
    stranger = make_user(con, "Prof Bo", "instructor")
    with pytest.raises(store.NotFound):
        data_export.class_report_frames(con, stranger, class_id, None, None, TODAY)


def test_a_second_student_sees_nothing_of_the_first(con, user, exported):
    other = add_user(con)
    frames = data_export.student_frames(con, other)
    assert all(f.empty for name, f in frames.items() if name != "goals")
    assert frames["goals"].to_dict("records") == [{  # their own (default) goals
        "weekly_goal": 5, "weekly_goal_set": False, "weekly_conversation_goal": None,
        "term_conversation_goal": None}]
