"""lib.class_queries on a hand-built class (today = Fri 2026-03-20, range 2026-03-01 … 03-20).

Class "Career Lab" (Prof Ada), term 2026-01-12 … 2026-05-01 (110 days; 68 elapsed by today),
conversations goal 6 → expected by today 6 × 68 // 110 = 3.

student contact industry   created messages (sent → response)     conversations
Avery   T1      Technology 03-02   email 03-02 → accepted 03-03    03-05 thanks 03-06, clarity 2→4,
                                                                  shared with name (2 insights);
                                                                  03-19 shared anonymously (1)
        H1      Healthcare 03-02   linkedin 03-03 → acc. 03-04     03-09 thanks 03-12, clarity 3→3,
                                                                  not shared (1 insight)
        F1      Technology 02-09   email 02-10 → accepted 02-11    02-15 clarity 1→5, shared (1)
Blake   T2      Technology 03-02   email 03-02 → accepted 03-05    03-10 thanks 03-11, clarity 1→3,
                                                                  shared anonymously (1)
        H2      Healthcare 03-03   linkedin 03-03 → acc. 03-06     03-12
Casey   T3      Technology 03-04   email 03-04 → declined 03-06    —
        T3b     Technology 03-11   —                               03-11 (new contact)
        H3      Healthcare 03-04   linkedin 03-04, pending         —
        H3b     Healthcare 03-13   —                               03-13 thanks 03-13 (new contact)
Drew    T4      Technology 03-05   email 03-05; email 03-12 →      03-16 thanks 03-17, clarity 4→3
                                   accepted 03-13
        H4      Healthcare 03-05   linkedin 03-05 → acc. 03-06     03-18 shared with name (1)
Emery   T5      Technology 03-06   email 03-06, pending            —
        T5b     Technology 03-02   phone 03-02 → accepted 03-03    03-04 thanks 03-05, clarity 2→4
        T5c     Technology 02-20   —                               02-20 (new contact)
Finley  X6      Law        02-20   —                               —
Gray    removed from the class (Technology and Healthcare records, a shared insight): never counted
Olive   in Prof Bo's class (a Healthcare conversation, a shared insight): never counted
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib import class_queries as cq
from lib import classes, db
from lib.classes import NotFound
from tests.unit.conftest import Builder

D = dt.date
TODAY = D(2026, 3, 20)
START, END = D(2026, 3, 1), D(2026, 3, 20)
STUDENTS = ["Avery", "Blake", "Casey", "Drew", "Emery", "Finley"]


def make_user(con, name: str, role: str = "student") -> int:
    """A user row: test setup for people only (records go through lib.store)."""
    with db.transaction(con) as cur:
        return cur.execute("INSERT INTO users (display_name, role) VALUES (?, ?) RETURNING id",
                           [name, role]).fetchone()[0]


class Seeder:
    """One student's records through lib.validation and lib.store, remembering every private
    string (contact names, e-mails, organizations, notes, next steps, reflections, unshared
    insights) so the tests can check none of it comes back."""

    def __init__(self, con, user_id: int, secrets: list[str]):
        self.con = con
        self.build = Builder(con, user_id, today=TODAY)
        self.secrets = secrets

    def _contact_raw(self, key: str, industry: str) -> dict:
        raw = {"name": f"Contact {key} Privateperson", "organization": f"Org {key} Secretcorp",
               "industry": industry, "how_found": "alumni", "priority": "great",
               "email": f"{key.lower()}@contact.example", "notes": f"Private note about {key}"}
        self.secrets += [raw["name"], raw["organization"], raw["email"], raw["notes"]]
        return raw

    def contact(self, key: str, industry: str, created_on: str) -> int:
        raw = self._contact_raw(key, industry)
        return self.build.contact(raw.pop("name"), created_on=D.fromisoformat(created_on), **raw)

    def message(self, contact_id: int, sent_on: str, channel: str, response_on: str | None = None,
                outcome: str = "accepted") -> None:
        outreach_id = self.build.outreach(contact_id, sent_on, channel)
        if response_on:
            self.build.respond(outreach_id, response_on, outcome)

    def talk(self, contact_id: int | None, held_on: str, *, key: str, new_industry: str = "",
             thanks: str | None = None, clarity: tuple[int, int] | None = None,
             shared: bool = False, named: bool = False, insights=(), private=()) -> int:
        fields = {"thank_you_on": thanks, "share_insights": shared, "share_name": named,
                  "next_steps": f"Next step secret {key}",
                  "reflection": f"Reflection secret {key}",
                  "insights": [{"category": c, "text": t} for c, t in [*insights, *private]]}
        if clarity:
            fields["clarity_before"], fields["clarity_after"] = clarity
        self.secrets += [fields["next_steps"], fields["reflection"], *(t for _, t in private)]
        if not shared:
            self.secrets += [t for _, t in insights]
        new = self._contact_raw(key, new_industry) if contact_id is None else None
        return self.build.conversation(contact_id, held_on=held_on, new_contact=new, **fields)


def seed(con) -> dict:
    ids = {"a": make_user(con, "Prof Ada", "instructor"), "b": make_user(con, "Prof Bo",
                                                                         "instructor"),
           "admin": make_user(con, "Admin Al", "admin")}
    for name in [*STUDENTS, "Gray", "Olive"]:
        ids[name] = make_user(con, name)
    ids["class"] = classes.create_class(con, ids["a"], classes.clean_class(
        {"name": "Career Lab", "term": "Spring 2026", "starts_on": "2026-01-12",
         "ends_on": "2026-05-01", "weekly_goal": 4, "conversations_goal": 6}))
    ids["class_b"] = classes.create_class(con, ids["b"], classes.clean_class(
        {"name": "Bo's Lab", "starts_on": "2026-01-12", "ends_on": "2026-05-01"}))
    code = classes.classes_for(con, ids["a"])["join_code"].iloc[0]
    for name in [*STUDENTS, "Gray"]:
        classes.join_class(con, ids[name], code)
    classes.join_class(con, ids["Olive"],
                       classes.classes_for(con, ids["b"])["join_code"].iloc[0])

    secrets: list[str] = []
    s = {name: Seeder(con, ids[name], secrets) for name in [*STUDENTS, "Gray", "Olive"]}

    avery = s["Avery"]
    t1 = avery.contact("T1", "Technology", "2026-03-02")
    avery.message(t1, "2026-03-02", "email", "2026-03-03")
    avery.talk(t1, "2026-03-05", key="T1a", thanks="2026-03-06", clarity=(2, 4), shared=True,
               named=True, insights=[("trend", "Skills-based hiring is replacing degree filters"),
                                     ("advice", "Build a portfolio of small projects")])
    avery.talk(t1, "2026-03-19", key="T1b", shared=True,
               insights=[("resource", "The Tech Careers newsletter")])
    h1 = avery.contact("H1", "Healthcare", "2026-03-02")
    avery.message(h1, "2026-03-03", "linkedin", "2026-03-04")
    avery.talk(h1, "2026-03-09", key="H1", thanks="2026-03-12", clarity=(3, 3),
               insights=[("insight", "Unshared: hospital budgets are tight")])
    f1 = avery.contact("F1", "Technology", "2026-02-09")
    avery.message(f1, "2026-02-10", "email", "2026-02-11")
    avery.talk(f1, "2026-02-15", key="F1", clarity=(1, 5), shared=True, named=True,
               insights=[("trend", "February insight outside the range")])

    blake = s["Blake"]
    t2 = blake.contact("T2", "Technology", "2026-03-02")
    blake.message(t2, "2026-03-02", "email", "2026-03-05")
    blake.talk(t2, "2026-03-10", key="T2", thanks="2026-03-11", clarity=(1, 3), shared=True,
               insights=[("advice", "Ask about the team's on-call rotation")])
    h2 = blake.contact("H2", "Healthcare", "2026-03-03")
    blake.message(h2, "2026-03-03", "linkedin", "2026-03-06")
    blake.talk(h2, "2026-03-12", key="H2")

    casey = s["Casey"]
    t3 = casey.contact("T3", "Technology", "2026-03-04")
    casey.message(t3, "2026-03-04", "email", "2026-03-06", "declined")
    casey.talk(None, "2026-03-11", key="T3b", new_industry="Technology")
    h3 = casey.contact("H3", "Healthcare", "2026-03-04")
    casey.message(h3, "2026-03-04", "linkedin")
    casey.talk(None, "2026-03-13", key="H3b", new_industry="Healthcare", thanks="2026-03-13")

    drew = s["Drew"]
    t4 = drew.contact("T4", "Technology", "2026-03-05")
    drew.message(t4, "2026-03-05", "email")
    drew.message(t4, "2026-03-12", "email", "2026-03-13")
    drew.talk(t4, "2026-03-16", key="T4", thanks="2026-03-17", clarity=(4, 3))
    h4 = drew.contact("H4", "Healthcare", "2026-03-05")
    drew.message(h4, "2026-03-05", "linkedin", "2026-03-06")
    drew.talk(h4, "2026-03-18", key="H4", shared=True, named=True,
              insights=[("assignment", "Shadow a nurse for a day")])

    emery = s["Emery"]
    t5 = emery.contact("T5", "Technology", "2026-03-06")
    emery.message(t5, "2026-03-06", "email")
    t5b = emery.contact("T5b", "Technology", "2026-03-02")
    emery.message(t5b, "2026-03-02", "phone", "2026-03-03")
    emery.talk(t5b, "2026-03-04", key="T5b", thanks="2026-03-05", clarity=(2, 4))
    emery.talk(None, "2026-02-20", key="T5c", new_industry="Technology")

    s["Finley"].contact("X6", "Law", "2026-02-20")

    gray = s["Gray"]
    g1 = gray.contact("G1", "Technology", "2026-03-02")
    gray.message(g1, "2026-03-02", "linkedin", "2026-03-03")
    gray.talk(g1, "2026-03-05", key="G1", thanks="2026-03-05", shared=True, named=True,
              private=[("trend", "Gray was removed: never shown")])
    gray.talk(None, "2026-03-19", key="G2", new_industry="Healthcare", clarity=(1, 5))
    classes.remove_student(con, ids["a"], ids["class"], ids["Gray"])

    s["Olive"].talk(None, "2026-03-05", key="O1", new_industry="Healthcare", shared=True,
                    named=True, private=[("trend", "Olive is in another class: never shown")])
    ids["secrets"] = secrets
    return ids


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory):
    """Seeded once per module: the tests that only read share it."""
    connection = db.connect(tmp_path_factory.mktemp("class") / "class.duckdb")
    ids = seed(connection)
    yield connection, ids
    connection.close()


@pytest.fixture
def con(shared_world):
    return shared_world[0]


@pytest.fixture
def world(shared_world) -> dict:
    return shared_world[1]


@pytest.fixture
def own_world(tmp_path):
    """A fresh copy, for a test that changes something."""
    connection = db.connect(tmp_path / "own.duckdb")
    yield connection, seed(connection)
    connection.close()


@pytest.fixture(autouse=True)
def default_threshold(monkeypatch):
    monkeypatch.delenv(cq.MIN_GROUP_ENV, raising=False)


def day(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (NA → None, whole floats → int), for exact comparison."""
    def plain(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        if hasattr(v, "item"):
            v = v.item()
        return v
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


# --- headline figures ------------------------------------------------------------------------

def test_class_kpis(con, world):
    kpis = cq.class_kpis(con, world["a"], world["class"], START, END, TODAY)
    assert kpis == {
        "students": 6,
        "active_7d": 2,   # Avery (03-19), Drew (03-16, 03-18)
        "active_14d": 4,  # + Blake (03-12), Casey (03-13)
        "outreach_sent": 11,
        "contacted": 12,
        "responded": 10,
        "response_rate": 10 / 12,
        "conversations_held": 10,
        "thanked_within_24h": 5,
        "thanked_within_24h_share": 0.5,
        "median_conversations": 2.0,  # 3, 2, 2, 2, 1, 0
        "conversations_goal": 6,
    }
    assert list(kpis) == list(cq.KPI_KEYS)


def test_class_kpis_for_a_class_without_students(own_world):
    con, world = own_world
    kpis = cq.class_kpis(con, world["admin"], world["class_b"], D(2026, 4, 1), D(2026, 4, 30),
                         TODAY)
    assert (kpis["students"], kpis["outreach_sent"], kpis["response_rate"],
            kpis["thanked_within_24h_share"], kpis["median_conversations"]) == (1, 0, None, None,
                                                                               0.0)
    classes.leave_class(con, world["Olive"], world["class_b"])
    kpis = cq.class_kpis(con, world["b"], world["class_b"], START, END, TODAY)
    assert (kpis["students"], kpis["conversations_held"], kpis["median_conversations"]) == (
        0, 0, None)


def test_compare_classes(con, world):
    frame = cq.compare_classes(con, world["admin"], [world["class"], world["class_b"]], START,
                               END, TODAY)
    assert list(frame.columns) == ["class_id", "name", "term", *cq.KPI_KEYS]
    rows = records(frame)
    assert [r["name"] for r in rows] == ["Career Lab", "Bo's Lab"]
    mine = cq.class_kpis(con, world["a"], world["class"], START, END, TODAY)
    assert {k: rows[0][k] for k in cq.KPI_KEYS} == mine
    assert (rows[1]["students"], rows[1]["conversations_held"], rows[1]["term"]) == (1, 1, None)
    with pytest.raises(NotFound):  # one of them is not Prof Ada's
        cq.compare_classes(con, world["a"], [world["class"], world["class_b"]], START, END, TODAY)


# --- charts ----------------------------------------------------------------------------------

def test_class_weekly_activity(con, world):
    frame = cq.class_weekly_activity(con, world["a"], world["class"], START, END)
    assert list(frame.columns) == ["week", "measure", "count"]
    assert set(frame["measure"]) <= set(cq.MEASURES)
    assert [(day(w), m, int(c)) for w, m, c in frame.itertuples(index=False)] == [
        (D(2026, 3, 2), "Conversations held", 2),
        (D(2026, 3, 2), "Outreach sent", 10),
        (D(2026, 3, 2), "Responses received", 7),
        (D(2026, 3, 9), "Conversations held", 5),
        (D(2026, 3, 9), "Outreach sent", 1),
        (D(2026, 3, 9), "Responses received", 1),
        (D(2026, 3, 16), "Conversations held", 3),
    ]


def test_frames_draw_with_the_chart_builders(con, world):
    """The shapes lib.charts expects (suppressed groups included: nullable counts, NaN rates)."""
    from lib import charts

    a, k = world["a"], world["class"]
    built = {
        "weekly_activity_chart": lambda b: b(cq.class_weekly_activity(con, a, k, START, END)),
        "response_rate_chart": lambda b: b(
            cq.class_response_rates(con, a, k, START, END, by="channel"), "first channel"),
        "conversations_distribution_chart": lambda b: b(
            cq.conversations_per_student(con, a, k, START, END), 6),
        "industries_chart": lambda b: b(cq.industries_explored(con, a, k, START, END),
                                        cq.min_group_size()),
        "clarity_change_chart": lambda b: b(cq.clarity_change(con, a, k, START, END)),
    }
    drawn = 0
    for name, draw in built.items():
        builder = getattr(charts, name, None)
        if builder is not None:  # lib.charts is being extended alongside this module
            assert draw(builder).to_dict()
            drawn += 1
    assert drawn >= 1


def test_conversations_per_student_includes_zeros(con, world):
    frame = cq.conversations_per_student(con, world["a"], world["class"], START, END)
    assert list(frame.columns) == ["student_id", "conversations"]
    assert [(int(s), int(n)) for s, n in frame.itertuples(index=False)] == [
        (world["Avery"], 3), (world["Blake"], 2), (world["Casey"], 2), (world["Drew"], 2),
        (world["Emery"], 1), (world["Finley"], 0)]
    whole_term = cq.conversations_per_student(con, world["a"], world["class"], None, None)
    assert dict(zip(whole_term["student_id"], whole_term["conversations"]))[world["Avery"]] == 4


def test_industries_explored_suppresses_small_groups(con, world):
    frame = cq.industries_explored(con, world["a"], world["class"], START, END)
    assert list(frame.columns) == cq.INDUSTRY_COLUMNS
    assert records(frame) == [
        {"industry": "Technology", "students": 5, "conversations": 6,
         "label": "6 conversations, 5 students", "suppressed": False},
        {"industry": "Healthcare", "students": None, "conversations": None,
         "label": "fewer than 5 students", "suppressed": True},  # 4 students
    ]


def test_threshold_is_a_setting(con, world, monkeypatch):
    monkeypatch.setenv(cq.MIN_GROUP_ENV, "4")
    assert cq.min_group_size() == 4
    frame = cq.industries_explored(con, world["a"], world["class"], START, END)
    assert records(frame)[1] == {"industry": "Healthcare", "students": 4, "conversations": 4,
                                 "label": "4 conversations, 4 students", "suppressed": False}
    rates = cq.class_response_rates(con, world["a"], world["class"], START, END, by="channel")
    assert records(rates)[-1] == {"group": "Phone", "students": None, "contacted": None,
                                  "responded": None, "rate": None,
                                  "label": "fewer than 4 students", "suppressed": True}
    monkeypatch.setenv(cq.MIN_GROUP_ENV, "6")
    assert cq.industries_explored(con, world["a"], world["class"], START, END)[
        "suppressed"].all()


@pytest.mark.parametrize("raw", ["", "0", "-3", "five", "2.5"])
def test_bad_threshold_falls_back_to_five(monkeypatch, raw):
    monkeypatch.setenv(cq.MIN_GROUP_ENV, raw)
    assert cq.min_group_size() == 5


def test_response_rates_by_industry(con, world):
    frame = cq.class_response_rates(con, world["a"], world["class"], START, END, by="industry")
    assert list(frame.columns) == cq.RATE_COLUMNS
    assert records(frame) == [
        {"group": "Technology", "students": 5, "contacted": 7, "responded": 6, "rate": 6 / 7,
         "label": "86% (n=7)", "suppressed": False},
        {"group": "Healthcare", "students": None, "contacted": None, "responded": None,
         "rate": None, "label": "fewer than 5 students", "suppressed": True},
    ]


def test_response_rates_by_first_channel(con, world, monkeypatch):
    frame = cq.class_response_rates(con, world["a"], world["class"], START, END, by="channel")
    hidden = {"students": None, "contacted": None, "responded": None, "rate": None,
              "label": "fewer than 5 students", "suppressed": True}
    assert records(frame) == [
        {"group": "Email", "students": 5, "contacted": 5, "responded": 4, "rate": 0.8,
         "label": "80% (n=5)", "suppressed": False},
        {"group": "LinkedIn message", **hidden},  # 4 students
        {"group": "Phone", **hidden},  # 1 student; hidden groups in name order
    ]
    monkeypatch.setenv(cq.MIN_GROUP_ENV, "4")
    shown = cq.class_response_rates(con, world["a"], world["class"], START, END, by="channel")
    assert records(shown)[1] == {"group": "LinkedIn message", "students": 4, "contacted": 4,
                                 "responded": 3, "rate": 0.75, "label": "75% (n=4)",
                                 "suppressed": False}
    with pytest.raises(ValueError):
        cq.class_response_rates(con, world["a"], world["class"], START, END, by="name")


def test_clarity_change(con, world):
    frame = cq.clarity_change(con, world["a"], world["class"], START, END)
    assert [(int(c), int(n)) for c, n in frame.itertuples(index=False)] == [(-1, 1), (0, 1),
                                                                           (2, 3)]


# --- per student -----------------------------------------------------------------------------

def test_progress_table(con, world):
    frame = cq.progress_table(con, world["a"], world["class"], START, END, TODAY)
    assert list(frame.columns) == cq.PROGRESS_COLUMNS
    got = {r["student"]: {k: v for k, v in r.items() if k not in ("student", "student_id")}
           for r in records(frame)}
    assert list(got) == STUDENTS
    cols = ["contacts", "outreach", "responses", "conversations", "thanked_within_24h",
            "insights_shared", "last_activity_on", "term_conversations",
            "expected_conversations", "pace", "behind"]
    expected = {
        "Avery": [2, 2, 2, 3, 1, 3, D(2026, 3, 19), 4, 3, "ahead", False],
        "Blake": [2, 2, 2, 2, 1, 1, D(2026, 3, 12), 2, 3, "on track", False],
        "Casey": [4, 2, 1, 2, 1, 0, D(2026, 3, 13), 2, 3, "on track", False],
        "Drew": [2, 3, 2, 2, 1, 1, D(2026, 3, 18), 2, 3, "on track", False],
        # on track, but nothing since 03-06 while the term runs
        "Emery": [2, 2, 1, 1, 1, 0, D(2026, 3, 6), 2, 3, "on track", True],
        "Finley": [0, 0, 0, 0, 0, 0, D(2026, 2, 20), 0, 3, "behind", True],
    }
    assert got == {name: dict(zip(cols, values)) for name, values in expected.items()}
    assert [int(i) for i in frame["student_id"]] == [world[n] for n in STUDENTS]


def test_progress_after_the_term_ignores_idleness(con, world):
    frame = cq.progress_table(con, world["a"], world["class"], START, END, D(2026, 6, 1))
    rows = {r["student"]: r for r in records(frame)}
    assert rows["Emery"]["expected_conversations"] == 6
    assert (rows["Emery"]["pace"], rows["Emery"]["behind"]) == ("behind", True)  # 2 < 6 - 1
    assert (rows["Avery"]["pace"], rows["Avery"]["behind"]) == ("behind", True)  # 4 < 5
    frame = cq.progress_table(con, world["a"], world["class"], START, END, D(2026, 1, 5))
    assert set(frame["expected_conversations"]) == {0}
    assert not frame["behind"].any()  # before the term, idleness is not "behind"


@pytest.mark.parametrize("today, expected", [
    (D(2026, 1, 11), 0), (D(2026, 1, 12), 0), (D(2026, 3, 20), 3), (D(2026, 4, 30), 5),
    (D(2026, 5, 1), 6), (D(2026, 9, 1), 6)])
def test_expected_conversations(today, expected):
    assert cq.expected_conversations(6, D(2026, 1, 12), D(2026, 5, 1), today) == expected


@pytest.mark.parametrize("conversations, expected, pace", [
    (0, 0, "on track"), (1, 0, "ahead"), (2, 3, "on track"), (3, 3, "on track"),
    (4, 3, "ahead"), (1, 3, "behind"), (0, 1, "on track"), (0, 2, "behind")])
def test_pace(conversations, expected, pace):
    assert cq.pace(conversations, expected) == pace


def test_shared_insights_only_shared_with_chosen_attribution(con, world):
    frame = cq.shared_insights(con, world["a"], world["class"], START, END)
    assert list(frame.columns) == cq.SHARED_INSIGHT_COLUMNS
    assert records(frame) == [
        {"industry": "Technology", "category": "resource", "text": "The Tech Careers newsletter",
         "held_on": D(2026, 3, 19), "shared_by": "A student"},
        {"industry": "Healthcare", "category": "assignment", "text": "Shadow a nurse for a day",
         "held_on": D(2026, 3, 18), "shared_by": "Drew"},
        {"industry": "Technology", "category": "advice",
         "text": "Ask about the team's on-call rotation", "held_on": D(2026, 3, 10),
         "shared_by": "A student"},
        {"industry": "Technology", "category": "trend",
         "text": "Skills-based hiring is replacing degree filters", "held_on": D(2026, 3, 5),
         "shared_by": "Avery"},
        {"industry": "Technology", "category": "advice",
         "text": "Build a portfolio of small projects", "held_on": D(2026, 3, 5),
         "shared_by": "Avery"},
    ]
    everything = cq.shared_insights(con, world["a"], world["class"], None, None)
    assert records(everything)[-1]["text"] == "February insight outside the range"


# --- privacy and access ----------------------------------------------------------------------

def every_result(con, viewer, class_id) -> list:
    return [
        cq.class_kpis(con, viewer, class_id, START, END, TODAY),
        cq.compare_classes(con, viewer, [class_id], START, END, TODAY),
        cq.class_weekly_activity(con, viewer, class_id, START, END),
        cq.conversations_per_student(con, viewer, class_id, START, END),
        cq.industries_explored(con, viewer, class_id, START, END),
        cq.class_response_rates(con, viewer, class_id, START, END, by="industry"),
        cq.class_response_rates(con, viewer, class_id, START, END, by="channel"),
        cq.clarity_change(con, viewer, class_id, START, END),
        cq.progress_table(con, viewer, class_id, START, END, TODAY),
        cq.shared_insights(con, viewer, class_id, None, None),
    ]


def strings_in(result) -> list[str]:
    if isinstance(result, dict):
        return [str(v) for v in result.values()] + list(result)
    cells = [str(v) for col in result.columns for v in result[col].tolist()]
    return cells + [str(c) for c in result.columns]


def test_no_private_text_in_any_result(con, world):
    secrets = world["secrets"]
    assert len(secrets) > 60  # names, organizations, e-mails, notes, next steps, reflections…
    cells = [s for result in every_result(con, world["a"], world["class"])
             for s in strings_in(result)]
    blob = "\n".join(cells)
    for secret in secrets:
        assert secret not in blob
    for fragment in ("Privateperson", "Secretcorp", "@contact.example", "Private note",
                     "secret", "Gray", "Olive"):
        assert fragment.lower() not in blob.lower()


@pytest.mark.parametrize("who", ["b", "Avery", "Olive"])
def test_others_get_not_found_from_every_function(con, world, who):
    calls = [
        lambda v: cq.class_kpis(con, v, world["class"], START, END, TODAY),
        lambda v: cq.compare_classes(con, v, [world["class"]], START, END, TODAY),
        lambda v: cq.class_weekly_activity(con, v, world["class"], START, END),
        lambda v: cq.conversations_per_student(con, v, world["class"], START, END),
        lambda v: cq.industries_explored(con, v, world["class"], START, END),
        lambda v: cq.class_response_rates(con, v, world["class"], START, END),
        lambda v: cq.clarity_change(con, v, world["class"], START, END),
        lambda v: cq.progress_table(con, v, world["class"], START, END, TODAY),
        lambda v: cq.shared_insights(con, v, world["class"], START, END),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call(world[who])


def test_admin_sees_what_the_instructor_sees(con, world):
    mine = every_result(con, world["a"], world["class"])
    admins = every_result(con, world["admin"], world["class"])
    assert mine[0] == admins[0]
    for a, b in zip(mine[1:], admins[1:]):
        pd.testing.assert_frame_equal(a, b)


# --- suppression, as a pure function ---------------------------------------------------------

def test_suppress_small_groups_is_pure():
    frame = pd.DataFrame({"group": ["a", "b", "c"], "students": [4, 5, 9],
                          "contacted": [10, 12, 30], "rate": [0.5, 0.25, 0.1],
                          "label": ["50%", "25%", "10%"]})
    before = frame.copy()
    out = cq.suppress_small_groups(frame, "students", ["contacted", "rate"], threshold=5)
    pd.testing.assert_frame_equal(frame, before)
    assert records(out) == [
        {"group": "a", "students": None, "contacted": None, "rate": None,
         "label": "fewer than 5 students", "suppressed": True},
        {"group": "b", "students": 5, "contacted": 12, "rate": 0.25, "label": "25%",
         "suppressed": False},
        {"group": "c", "students": 9, "contacted": 30, "rate": 0.1, "label": "10%",
         "suppressed": False},
    ]
    assert str(out["students"].dtype) == "Int64"
    empty = cq.suppress_small_groups(frame.iloc[:0], "students", ["contacted"], threshold=5)
    assert empty.empty and "suppressed" in empty.columns


# --- class_version: the access check and cache key of lib.dashboard.class_dashboard ------------

def test_class_version_checks_access_and_follows_settings_and_enrolments(own_world):
    con, ids = own_world
    version = cq.class_version(con, ids["a"], ids["class"])
    assert cq.class_version(con, ids["a"], ids["class"]) == version  # stable
    assert cq.class_version(con, ids["admin"], ids["class"])  # an admin may see it
    for outsider in (ids["b"], ids["Avery"]):  # another instructor, a student
        with pytest.raises(NotFound):
            cq.class_version(con, outsider, ids["class"])
    with pytest.raises(NotFound):
        cq.class_version(con, ids["a"], "not a number")
    # A student joining, a student leaving, a settings change: each changes it.
    newcomer = make_user(con, "Newcomer")
    classes.join_class(con, newcomer, classes.classes_for(con, ids["a"])["join_code"].iloc[0])
    joined = cq.class_version(con, ids["a"], ids["class"])
    assert joined != version
    classes.leave_class(con, newcomer, ids["class"])
    left = cq.class_version(con, ids["a"], ids["class"])
    assert left not in (version, joined)
    record = classes.class_record(con, ids["a"], ids["class"])
    classes.update_class(con, ids["a"], ids["class"], classes.clean_class(
        {**record, "conversations_goal": 9}))
    assert cq.class_version(con, ids["a"], ids["class"]) != left
