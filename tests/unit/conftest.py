"""Unit-test fixtures: a fresh DuckDB file per test, the local profile, and builders that create
records the way the app does — raw form values through `lib.validation.clean_*`, then
`lib.store`. No hand-written INSERTs (the one exception is a second user: the store has no
function that creates one yet)."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import db, store
from lib.validation import clean_contact, clean_conversation, clean_outreach, clean_response

# A Friday. Every test that depends on "today" passes it explicitly.
TODAY = dt.date(2026, 3, 20)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "x.duckdb"


@pytest.fixture
def con(db_path):
    connection = db.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def user(con) -> int:
    return store.ensure_local_profile(con)


def add_user(con, display_name: str = "Second student") -> int:
    """A second student, for isolation tests (the store only creates the local profile)."""
    with db.transaction(con) as cur:
        return cur.execute(
            "INSERT INTO users (display_name, role) VALUES (?, 'student') RETURNING id",
            [display_name],
        ).fetchone()[0]


@pytest.fixture
def other_user(con, user) -> int:
    return add_user(con)


class Builder:
    """Creates one user's records through validation and the store, as the forms do."""

    def __init__(self, con, user_id: int, today: dt.date = TODAY):
        self.con = con
        self.user_id = user_id
        self.today = today

    def contact(self, name: str = "Ada Lovelace", *, organization: str | None = "Engines Ltd",
                industry: str = "Technology", how_found: str = "alumni",
                priority: str = "dream", created_on: dt.date | None = None,
                submission_id: str | None = None, **fields) -> int:
        raw = {"name": name, "organization": organization, "industry": industry,
               "how_found": how_found, "priority": priority, **fields}
        return store.add_contact(self.con, self.user_id, clean_contact(raw),
                                 created_on=created_on, submission_id=submission_id).id

    def outreach(self, contact_id: int, sent_on, channel: str = "email", *,
                 submission_id: str | None = None) -> int:
        cleaned = clean_outreach({"contact_id": contact_id, "sent_on": sent_on,
                                  "channel": channel}, today=self.today)
        return store.log_outreach(self.con, self.user_id, cleaned,
                                  submission_id=submission_id).id

    def respond(self, outreach_id: int, response_on, outcome: str = "accepted") -> None:
        sent_on = store.outreach_sent_on(self.con, self.user_id, outreach_id)
        cleaned = clean_response({"response_on": response_on, "outcome": outcome},
                                 sent_on=sent_on, today=self.today)
        store.record_response(self.con, self.user_id, outreach_id, cleaned)

    def conversation_input(self, held_on, **fields):
        raw = {"held_on": held_on, "format": "video", "duration_min": 30, **fields}
        return clean_conversation(raw, today=self.today)

    def conversation(self, contact_id: int | None = None, *, held_on, new_contact: dict | None = None,
                     submission_id: str | None = None, **fields) -> int:
        return store.log_conversation(
            self.con, self.user_id, self.conversation_input(held_on, **fields),
            contact_id=contact_id,
            new_contact=clean_contact(new_contact) if new_contact is not None else None,
            submission_id=submission_id,
        ).id


@pytest.fixture
def build(con, user) -> Builder:
    return Builder(con, user)


@pytest.fixture
def build_other(con, other_user) -> Builder:
    return Builder(con, other_user)


def rows(con, sql: str, params=()) -> list[tuple]:
    """Read-only look at the stored rows (assertions only; never used to create data)."""
    with db.reading(con) as cur:
        return cur.execute(sql, list(params)).fetchall()


@pytest.fixture
def fetch(con):
    return lambda sql, *params: rows(con, sql, params)


def build_sample(build: Builder) -> dict[str, int]:
    """The hand-computed data set of test_queries/test_metrics (today = Fri 2026-03-20).

    name   industry    messages (channel, sent, response)              conversation      stage
    Ida    Technology  —                                                —                 identified
    Carl   Education   email 03-02 pending                              —                 contacted
    Rita   Education   linkedin 03-02 accepted 03-04                    —                 responded
    Hal    Healthcare  email 03-03 accepted 03-06                       03-10, no thanks  held
    Theo   Healthcare  linkedin 03-03 accepted 03-04                    03-09, thanks 03-11 thanked
    Ria    Technology  email 03-02 accepted 03-03                       03-06, thanks 03-07 referred
                                                                        (refers Zed)
    Dee    Education   email 03-02 declined 03-06                       —                 declined
    Nora   Technology  linkedin 03-02, linkedin 03-11 (7 bdays) pending —                 no_response
    Fay    Healthcare  phone 03-03, phone 03-12 (6 bdays) pending       —                 contacted
    Wes    Law         in_person 03-15 (Sun), email 03-16 (Mon) pending —                 contacted
    Ula    Law         email 03-20 pending                              —                 contacted
    Zed    Technology  — (referred by Ria)                              —                 identified
    """
    ids: dict[str, int] = {}

    def person(name, industry):
        ids[name] = build.contact(name, organization=f"{name} Org", industry=industry)
        return ids[name]

    def message(name, channel, sent, response=None, outcome="accepted"):
        out = build.outreach(ids[name], sent, channel)
        if response:
            build.respond(out, response, outcome)
        return out

    person("Ida", "Technology")
    person("Carl", "Education")
    message("Carl", "email", "2026-03-02")
    person("Rita", "Education")
    message("Rita", "linkedin", "2026-03-02", "2026-03-04")
    person("Hal", "Healthcare")
    message("Hal", "email", "2026-03-03", "2026-03-06")
    ids["Hal talk"] = build.conversation(
        ids["Hal"], held_on="2026-03-10",
        insights=[{"category": "trend", "text": "Telehealth is growing"},
                  {"category": "advice", "text": "Shadow a clinic"}])
    person("Theo", "Healthcare")
    message("Theo", "linkedin", "2026-03-03", "2026-03-04")
    ids["Theo talk"] = build.conversation(
        ids["Theo"], held_on="2026-03-09", thank_you_on="2026-03-11",
        insights=[{"category": "advice", "text": "Get certified early"}])
    person("Ria", "Technology")
    message("Ria", "email", "2026-03-02", "2026-03-03")
    ids["Ria talk"] = build.conversation(
        ids["Ria"], held_on="2026-03-06", thank_you_on="2026-03-07",
        insights=[{"category": "resource", "text": "Read the SRE book"},
                  {"category": "trend", "text": "Platform teams everywhere"},
                  {"category": "advice", "text": "Learn SQL properly"}],
        referrals=[{"name": "Zed", "organization": "Zed Org"}])
    person("Dee", "Education")
    message("Dee", "email", "2026-03-02", "2026-03-06", "declined")
    person("Nora", "Technology")
    message("Nora", "linkedin", "2026-03-02")
    message("Nora", "linkedin", "2026-03-11")
    person("Fay", "Healthcare")
    message("Fay", "phone", "2026-03-03")
    message("Fay", "phone", "2026-03-12")
    person("Wes", "Law")
    message("Wes", "in_person", "2026-03-15")
    message("Wes", "email", "2026-03-16")
    person("Ula", "Law")
    message("Ula", "email", "2026-03-20")
    with db.reading(build.con) as cur:
        ids["Zed"] = cur.execute("SELECT id FROM contacts WHERE name = 'Zed'").fetchone()[0]
    return ids


@pytest.fixture
def sample(build) -> dict[str, int]:
    return build_sample(build)
