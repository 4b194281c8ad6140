"""Migrations: an older file upgrades and keeps every row; re-running is a no-op; a failing
migration leaves the schema as it was."""

from __future__ import annotations

import duckdb
import pytest

from lib import db, queries, store
from lib.schema import LATEST_VERSION, MIGRATIONS

from .conftest import Builder


def _tables(con) -> set[str]:
    with db.reading(con) as cur:
        return {r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}


def _columns(con, table: str) -> list[str]:
    with db.reading(con) as cur:
        return [r[0] for r in cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " ORDER BY ordinal_position", [table]).fetchall()]


def _versions(con) -> list[int]:
    with db.reading(con) as cur:
        return [r[0] for r in cur.execute(
            "SELECT version FROM schema_version ORDER BY version").fetchall()]


def _snapshot(con) -> dict[str, list[tuple]]:
    out = {}
    with db.reading(con) as cur:
        for table in ("users", "contacts", "outreach", "conversations", "conversation_questions",
                      "insights", "submissions"):
            out[table] = cur.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    return out


def _fill(con) -> None:
    """A little of everything, through the store."""
    user = store.ensure_local_profile(con)
    build = Builder(con, user)
    ada = build.contact("Ada Lovelace", industry="Technology", submission_id="s-contact")
    first = build.outreach(ada, "2026-03-02", "email")
    build.outreach(ada, "2026-03-09", "linkedin")
    build.respond(first, "2026-03-04", "accepted")
    build.conversation(ada, held_on="2026-03-10", questions="How did you start?\nWhat next?",
                       insights=[{"category": "advice", "text": "Ship small things"}],
                       referrals=[{"name": "Grace Hopper", "organization": "Navy"}],
                       thank_you_on="2026-03-11", submission_id="s-conv")


# The rows a version-1 app wrote (its schema had no share_name, no accounts). Written as SQL
# because today's store writes today's columns; this is the old file, not a fixture for now.
VERSION_1_ROWS = [
    "INSERT INTO users (id, display_name, role, weekly_goal) VALUES (1, 'Me', 'student', 5)",
    "INSERT INTO contacts (id, user_id, name, organization, industry, how_found, priority,"
    " created_on) VALUES (1, 1, 'Ada Lovelace', 'Engines', 'Technology', 'alumni', 'dream',"
    " DATE '2026-03-01')",
    "INSERT INTO contacts (id, user_id, name, organization, industry, how_found, priority,"
    " referred_by_contact_id, referred_in_conversation_id, created_on) VALUES (2, 1,"
    " 'Grace Hopper', 'Navy', 'Technology', 'referral', 'great', 1, 1, DATE '2026-03-10')",
    "INSERT INTO outreach (id, user_id, contact_id, sent_on, channel, attempt, response_on,"
    " outcome) VALUES (1, 1, 1, DATE '2026-03-02', 'email', 1, DATE '2026-03-04', 'accepted')",
    "INSERT INTO outreach (id, user_id, contact_id, sent_on, channel, attempt) VALUES"
    " (2, 1, 1, DATE '2026-03-09', 'linkedin', 2)",
    "INSERT INTO conversations (id, user_id, contact_id, held_on, format, duration_min,"
    " thank_you_on, share_insights) VALUES (1, 1, 1, DATE '2026-03-10', 'video', 30,"
    " DATE '2026-03-11', true)",
    "INSERT INTO conversation_questions (id, conversation_id, position, text) VALUES"
    " (1, 1, 0, 'How did you start?'), (2, 1, 1, 'What next?')",
    "INSERT INTO insights (id, user_id, conversation_id, position, category, text) VALUES"
    " (1, 1, 1, 0, 'advice', 'Ship small things')",
    "INSERT INTO submissions (id, user_id, kind, record_id) VALUES ('s-conv', 1,"
    " 'conversation', 1)",
]


def test_version_1_file_upgrades_and_keeps_every_row(db_path):
    con = db.connect(db_path, migrate=False)
    assert db.migrate_database(con, MIGRATIONS[:1]) == 1
    with db.transaction(con) as cur:
        for statement in VERSION_1_ROWS:
            cur.execute(statement)
    before = _snapshot(con)
    con.close()

    con = db.connect(db_path)  # every migration
    try:
        assert db.schema_version(con) == LATEST_VERSION
        assert _versions(con) == [m[0] for m in MIGRATIONS]
        after = _snapshot(con)
        assert all(before[t] for t in before)  # every table had rows to keep
        for table, old_rows in before.items():
            # later migrations may add columns; every old row keeps its old values
            width = len(old_rows[0])
            assert [r[:width] for r in after[table]] == old_rows, table
        user = store.ensure_local_profile(con)
        assert queries.table_counts(con, user) == {"contacts": 2, "outreach": 2,
                                                   "conversations": 1, "insights": 1}
    finally:
        con.close()


def test_a_later_migration_upgrades_a_filled_file_step_by_step(db_path):
    """What the next migration will do: a new column and table on a file that has rows."""
    extra = MIGRATIONS + [(
        LATEST_VERSION + 1, "test: reminders",
        ["ALTER TABLE contacts ADD COLUMN next_action VARCHAR",
         "CREATE TABLE reminders (id INTEGER PRIMARY KEY, contact_id BIGINT REFERENCES"
         " contacts(id), due_on DATE)"],
    )]
    con = db.connect(db_path)
    _fill(con)
    before = _snapshot(con)
    assert db.migrate_database(con, extra) == LATEST_VERSION + 1
    try:
        assert "reminders" in _tables(con)
        assert _columns(con, "contacts")[-1] == "next_action"
        after = _snapshot(con)
        assert [r[:-1] for r in after["contacts"]] == before["contacts"]
        assert all(r[-1] is None for r in after["contacts"])
        for table in ("outreach", "conversations", "insights", "conversation_questions"):
            assert after[table] == before[table]
        # the store still writes to the upgraded table
        user = store.ensure_local_profile(con)
        Builder(con, user).contact("New After Upgrade")
        assert queries.table_counts(con, user)["contacts"] == 3
    finally:
        con.close()


def test_running_migrations_twice_is_a_no_op(db_path):
    con = db.connect(db_path)
    _fill(con)
    before = _snapshot(con)
    versions = _versions(con)
    assert db.migrate_database(con) == LATEST_VERSION
    assert db.migrate_database(con) == LATEST_VERSION
    assert _versions(con) == versions  # no version recorded twice
    assert _snapshot(con) == before
    con.close()
    con = db.connect(db_path)  # and on reopening
    try:
        assert _versions(con) == versions
        assert _snapshot(con) == before
    finally:
        con.close()


def test_failing_migration_leaves_schema_and_tables_as_they_were(db_path):
    con = db.connect(db_path)
    _fill(con)
    before = _snapshot(con)
    tables = _tables(con)
    contact_columns = _columns(con, "contacts")
    broken = MIGRATIONS + [(
        LATEST_VERSION + 1, "test: breaks halfway",
        ["CREATE TABLE half_done (id INTEGER)",
         "ALTER TABLE contacts ADD COLUMN half_column VARCHAR",
         "INSERT INTO half_done VALUES (1)",
         "SELECT * FROM table_that_does_not_exist",
         "CREATE TABLE never_reached (id INTEGER)"],
    )]
    try:
        with pytest.raises(duckdb.CatalogException):
            db.migrate_database(con, broken)
        assert db.schema_version(con) == LATEST_VERSION
        assert _tables(con) == tables
        assert _columns(con, "contacts") == contact_columns
        assert _snapshot(con) == before
        # once the migration is fixed it applies cleanly
        fixed = MIGRATIONS + [(LATEST_VERSION + 1, "test: fixed",
                               ["CREATE TABLE half_done (id INTEGER)"])]
        assert db.migrate_database(con, fixed) == LATEST_VERSION + 1
        assert "half_done" in _tables(con)
    finally:
        con.close()


def test_failing_first_migration_on_empty_file_leaves_version_zero(db_path):
    con = db.connect(db_path, migrate=False)
    try:
        bad = [(1, "bad", ["CREATE TABLE a (id INTEGER)", "this is not sql"])]
        with pytest.raises(duckdb.Error):
            db.migrate_database(con, bad)
        assert db.schema_version(con) == 0
        assert _tables(con) == {"schema_version"}
    finally:
        con.close()


def test_migration_numbers_are_increasing_and_latest_is_last():
    numbers = [m[0] for m in MIGRATIONS]
    assert numbers == sorted(set(numbers))
    assert numbers[0] == 1
    assert LATEST_VERSION == numbers[-1]
