"""Faults: a writer killed mid-burst, a database file held by another process, a file that is not
(or no longer) a database, and a migration that fails halfway.

Each fault is made for real — a second process, SIGKILL, damaged bytes on disk — and the
database is then opened the way the app opens it, with `lib.db.connect`."""

from __future__ import annotations

import hashlib
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from lib import db, store
from lib.schema import LATEST_VERSION, MIGRATIONS
from lib.validation import clean_contact, clean_conversation
from tests import fault_writer

REPO_ROOT = Path(__file__).resolve().parents[2]
WRITER = REPO_ROOT / "tests" / "fault_writer.py"


# --- helpers ---------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(con) -> list[str]:
    return sorted(r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall())


def _full_scan(con) -> dict[str, int]:
    """Every row of every table, every column read (DuckDB checks each block's checksum as it
    reads it): the integrity check beside `lib.db.integrity_problems`. Rows per table."""
    counts = {}
    for table in _tables(con):
        counts[table] = len(con.execute(f'SELECT * FROM "{table}"').fetchall())
    return counts


def _snapshot(con) -> dict:
    """Everything a migration could change: schema version rows, tables with their columns,
    indexes, sequences, and every row of every table."""
    return {
        "versions": con.execute("SELECT version, description FROM schema_version"
                                " ORDER BY version").fetchall(),
        "columns": con.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns ORDER BY table_name, ordinal_position").fetchall(),
        "indexes": con.execute("SELECT table_name, index_name, sql FROM duckdb_indexes()"
                               " ORDER BY 1, 2").fetchall(),
        "sequences": con.execute("SELECT sequence_name FROM duckdb_sequences()"
                                 " ORDER BY 1").fetchall(),
        "rows": {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall()))
                 for t in _tables(con)},
    }


def _fill(con) -> int:
    """A few records of every kind, through the store as the app writes them."""
    user = store.ensure_local_profile(con)
    for n in range(5):
        contact = store.add_contact(con, user, clean_contact(
            {"name": f"Person {n}", "organization": f"Org {n}", "notes": f"note {n}"}),
            submission_id=f"fill-contact-{n}").id
        store.log_conversation(con, user, clean_conversation(
            {"held_on": "2026-03-02", "format": "video",
             "insights": [{"category": "advice", "text": f"insight {n}"}],
             "questions": [f"question {n}?"]}, today=fault_writer.TODAY),
            contact_id=contact, submission_id=f"fill-conversation-{n}")
    return user


@pytest.fixture(scope="module")
def filled_database(tmp_path_factory) -> Path:
    """A closed (checkpointed) database file with `_fill`'s records: copy it, don't change it."""
    path = tmp_path_factory.mktemp("filled") / "filled.duckdb"
    con = db.connect(path)
    _fill(con)
    con.close()
    return path


class _LineReader:
    """Reads a process's stdout on a thread, so the test can wait for lines with a deadline."""

    def __init__(self, stream):
        self.lines: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)  # end of stream

    def next_line(self, timeout: float) -> str | None:
        return self.lines.get(timeout=timeout)

    def rest(self, timeout: float = 10.0) -> list[str]:
        """Every line still to come, up to the end of the stream."""
        self._thread.join(timeout)
        out = []
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return out
            if line is None:
                return out
            out.append(line)


# --- SIGKILL in the middle of a burst of writes ----------------------------------------------

# (acknowledgements before the kill, CHECKPOINT every n submissions: 0 = never, 1 = after each)
KILL_TRIALS = [(8, 0), (20, 4), (30, 1), (45, 0), (35, 10)]


@pytest.mark.parametrize("acks_before_kill,checkpoint_every", KILL_TRIALS,
                         ids=[f"kill-after-{a}-checkpoint-{c}" for a, c in KILL_TRIALS])
def test_sigkill_mid_burst_loses_no_acknowledged_write(tmp_path, filled_database,
                                                       acks_before_kill, checkpoint_every):
    # Something already in the file, checkpointed, so the kill also tests keeping old data.
    path = Path(shutil.copy(filled_database, tmp_path / "burst.duckdb"))
    con = db.connect(path)
    before = _full_scan(con)
    con.close()

    prefix = f"burst{acks_before_kill}"
    process = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), prefix, str(checkpoint_every)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    reader = _LineReader(process.stdout)
    acknowledged: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while len(acknowledged) < acks_before_kill:
            try:
                line = reader.next_line(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                process.kill()
                raise AssertionError(
                    f"the writer stopped after {len(acknowledged)} writes: {process.stderr.read()}")
            acknowledged.append(line.rstrip("\n"))
        os.kill(process.pid, signal.SIGKILL)  # in the middle of the next write
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    # Lines printed before the kill were acknowledged too; a line cut off by the kill was not.
    acknowledged += [line.rstrip("\n") for line in reader.rest() if line.endswith("\n")]
    process.stderr.close()
    assert len(acknowledged) >= acks_before_kill

    con = db.connect(path)  # recovery replays the WAL
    try:
        submissions = dict(con.execute(
            "SELECT id, kind FROM submissions WHERE id LIKE ?", [f"{prefix}-%"]).fetchall())
        missing = [s for s in acknowledged if s not in submissions]
        assert missing == [], f"acknowledged but lost: {missing}"
        # At most the write in flight was committed without being acknowledged.
        assert len(submissions) - len(acknowledged) in (0, 1)

        # No partial transaction: each submission has exactly its rows, with its own content.
        for submission_id, kind in submissions.items():
            _assert_complete(con, submission_id, kind)
        n_conversations = sum(kind == "conversation" for kind in submissions.values())
        n_contacts = len(submissions) - n_conversations
        counts = _full_scan(con)  # every column of every table reads back
        assert counts["contacts"] - before["contacts"] == n_contacts + 2 * n_conversations
        assert counts["conversations"] - before["conversations"] == n_conversations
        assert counts["insights"] - before["insights"] == \
            fault_writer.INSIGHTS_PER_CONVERSATION * n_conversations
        assert counts["conversation_questions"] - before["conversation_questions"] == \
            fault_writer.QUESTIONS_PER_CONVERSATION * n_conversations
        assert counts["submissions"] - before["submissions"] == len(submissions)
        assert db.integrity_problems(con) == {}

        # The file is fully usable again: a write and a checkpoint succeed.
        user = store.ensure_local_profile(con)
        store.add_contact(con, user, clean_contact({"name": "After the crash"}),
                          submission_id="after-crash")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    con = db.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM submissions WHERE id = 'after-crash'"
                           ).fetchone()[0] == 1
    finally:
        con.close()


def _assert_complete(con, submission_id: str, kind: str) -> None:
    record_id = con.execute("SELECT record_id FROM submissions WHERE id = ?",
                            [submission_id]).fetchone()[0]
    if kind == "contact":
        row = con.execute("SELECT name, notes FROM contacts WHERE id = ?", [record_id]).fetchone()
        assert row is not None, f"{submission_id}: its contact is missing"
        assert row == (f"Writer {submission_id}",
                       fault_writer.contact_raw(submission_id)["notes"])
        return
    assert kind == "conversation", kind
    row = con.execute("SELECT c.name, v.reflection FROM conversations v JOIN contacts c"
                      " ON c.id = v.contact_id WHERE v.id = ?", [record_id]).fetchone()
    assert row == (f"Writer {submission_id}", f"reflection of {submission_id}"), submission_id
    insights = [r[0] for r in con.execute(
        "SELECT text FROM insights WHERE conversation_id = ? ORDER BY position",
        [record_id]).fetchall()]
    assert insights == [f"{submission_id} insight {n}"
                        for n in range(fault_writer.INSIGHTS_PER_CONVERSATION)]
    questions = [r[0] for r in con.execute(
        "SELECT text FROM conversation_questions WHERE conversation_id = ? ORDER BY position",
        [record_id]).fetchall()]
    assert questions == [f"{submission_id} question {n}"
                         for n in range(fault_writer.QUESTIONS_PER_CONVERSATION)]
    referrals = con.execute("SELECT name FROM contacts WHERE referred_in_conversation_id = ?",
                            [record_id]).fetchall()
    assert referrals == [(f"Referral of {submission_id}",)]


# --- the file held by another process --------------------------------------------------------

HOLDER = """
import sys
sys.path.insert(0, sys.argv[1])
mode, path = sys.argv[2], sys.argv[3]
if mode == "app":
    from lib import db
    con = db.connect(path)  # as a running `streamlit run app.py` holds it
else:
    import duckdb
    con = duckdb.connect(path, read_only=True)  # e.g. someone looking at it in the DuckDB CLI
print("ready", flush=True)
sys.stdin.read()  # until the test closes our stdin
con.close()
print("closed", flush=True)
"""


@pytest.mark.parametrize("mode", ["app", "read-only"])
def test_file_held_by_another_process_is_explained_then_recovers(tmp_path, filled_database,
                                                                 mode):
    path = Path(shutil.copy(filled_database, tmp_path / "held.duckdb"))
    con = db.connect(path)
    expected = _snapshot(con)
    con.close()

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(REPO_ROOT), mode, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()
        for _ in range(2):  # trying again while it is still held gives the same answer
            with pytest.raises(db.DatabaseUnavailable) as info:
                db.connect(path)
            message, how_to_fix = str(info.value), info.value.how_to_fix
            assert "held.duckdb is in use by another program" in message
            assert f"process {holder.pid}" in message
            assert "Only one program can use the file at a time" in how_to_fix
            assert "Stop the other program" in how_to_fix and "try again" in how_to_fix
            for leaked in ("IO Error", "Conflicting lock", "duckdb.org", sys.executable):
                assert leaked not in message + how_to_fix
    finally:
        holder.stdin.close()  # release the file
        assert holder.stdout.readline().strip() == "closed"
        holder.wait(timeout=10)
        holder.stdout.close()
        holder.stderr.close()

    con = db.connect(path)  # recovery: free again, nothing lost
    try:
        assert _snapshot(con) == expected
        assert db.integrity_problems(con) == {}
    finally:
        con.close()


# --- a corrupt or non-DuckDB file at the path ------------------------------------------------

@pytest.fixture(scope="module")
def real_database_bytes(tmp_path_factory) -> bytes:
    """The bytes of a real, checkpointed Career Conversations database (a few MB)."""
    path = tmp_path_factory.mktemp("real") / "real.duckdb"
    con = db.connect(path)
    _fill(con)  # a few records through the store, then volume in one transaction
    with db.transaction(con) as cur:
        cur.execute("INSERT INTO contacts (user_id, name, organization, industry, how_found,"
                    " priority, notes) SELECT 1, 'Contact ' || range, 'Org ' || (range % 17),"
                    " 'Technology', 'alumni', 'great', repeat('note ' || range || ' ', 20)"
                    " FROM range(295)")
        cur.execute("INSERT INTO conversations (user_id, contact_id, held_on, format)"
                    " SELECT 1, id, DATE '2026-03-01', 'video' FROM contacts WHERE id % 3 = 0")
        cur.execute("INSERT INTO insights (user_id, conversation_id, position, category, text)"
                    " SELECT 1, id, 0, 'advice', repeat('insight ' || id || ' ', 10)"
                    " FROM conversations")
    assert db.integrity_problems(con) == {}
    con.execute("CHECKPOINT")
    con.close()
    return path.read_bytes()


NOT_A_DATABASE = "not a Career Conversations database"
DAMAGED = "is damaged or incomplete"

BAD_FILES = {
    "random-bytes": (lambda real: random.Random(6).randbytes(256 * 1024), NOT_A_DATABASE),
    "text-file": (lambda real: ("name,email\nAda,ada@example.org\n" * 200).encode(),
                  NOT_A_DATABASE),
    "markdown-notes": (lambda real: "# My notes\n\nNot a database — ünïcödé ✓\n".encode(),
                       NOT_A_DATABASE),
    "truncated-in-header": (lambda real: real[:100], DAMAGED),
    "truncated-after-header": (lambda real: real[:12288 + 1000], DAMAGED),
    "truncated-to-a-quarter": (lambda real: real[:len(real) // 4], DAMAGED),
    "truncated-to-half": (lambda real: real[:len(real) // 2], DAMAGED),
    "truncated-to-three-quarters": (lambda real: real[:len(real) * 3 // 4], DAMAGED),
    "header-bytes-flipped": (lambda real: real[:4200] + bytes(b ^ 0xFF for b in real[4200:4300])
                             + real[4300:], DAMAGED),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_is_refused_with_a_clear_message_and_never_changed(tmp_path, kind,
                                                                    real_database_bytes):
    make, expected_message = BAD_FILES[kind]
    content = make(real_database_bytes)
    assert content != real_database_bytes
    path = tmp_path / "career.duckdb"
    path.write_bytes(content)
    digest = _sha256(path)

    for _ in range(2):  # "Try again" gives the same answer and still changes nothing
        with pytest.raises(db.DatabaseUnavailable) as info:
            db.connect(path)
        message, how_to_fix = str(info.value), info.value.how_to_fix
        assert expected_message in message
        assert "in use" not in message  # e.g. "checksum … in block …" is no lock
        assert "It has not been changed" in how_to_fix
        assert db.DB_ENV in how_to_fix  # says how to point the app at another file
        for leaked in ("IO Error", "Traceback", "checksum", "attempted to read"):
            assert leaked not in message + how_to_fix
        assert _sha256(path) == digest
        assert sorted(p.name for p in tmp_path.iterdir()) == ["career.duckdb"]  # no .wal

    # Nothing keeps the file open after the refusal: a good copy put in its place opens, with
    # its records (a leftover connection would have served the damaged one from DuckDB's
    # instance cache, or kept it locked).
    path.write_bytes(real_database_bytes)
    con = db.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM contacts").fetchone()[0] == 300
        assert db.integrity_problems(con) == {}
    finally:
        con.close()


def test_bad_file_is_not_locked_against_other_processes_after_the_refusal(tmp_path,
                                                                          real_database_bytes):
    path = tmp_path / "career.duckdb"
    path.write_bytes(real_database_bytes[:len(real_database_bytes) // 2])
    with pytest.raises(db.DatabaseUnavailable):
        db.connect(path)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, duckdb\n"
         "try:\n    duckdb.connect(sys.argv[1], read_only=True)\n"
         "except duckdb.Error as e:\n    print(e)\n", str(path)],
        capture_output=True, text=True, timeout=60)
    assert "could not set lock" not in probe.stdout.lower(), probe.stdout


# --- a migration that fails halfway ----------------------------------------------------------

FAILING_MIGRATIONS = {
    # The brief's case: the second statement fails.
    "second-statement-fails": [
        "CREATE TABLE half_done (id INTEGER)",
        "INSERT INTO table_that_does_not_exist VALUES (1)",
        "CREATE TABLE never_reached (id INTEGER)",
    ],
    # Columns added and every row changed before a constraint stops it.
    "fails-after-changing-rows": [
        "ALTER TABLE contacts ADD COLUMN nickname VARCHAR",
        "UPDATE contacts SET nickname = upper(name), notes = 'overwritten'",
        "CREATE SEQUENCE seq_half START 1",
        "CREATE INDEX contacts_nickname ON contacts(nickname)",
        "DELETE FROM insights",
        "UPDATE users SET weekly_goal = 1000",  # CHECK (weekly_goal BETWEEN 0 AND 100)
    ],
}
FIXED_MIGRATION = [
    "ALTER TABLE contacts ADD COLUMN nickname VARCHAR",
    "UPDATE contacts SET nickname = upper(name)",
]


@pytest.mark.parametrize("case", list(FAILING_MIGRATIONS))
def test_migration_failing_halfway_leaves_the_database_as_it_was(tmp_path, case):
    path = tmp_path / "migrate.duckdb"
    con = db.connect(path)
    _fill(con)
    before = _snapshot(con)
    broken = MIGRATIONS + [(LATEST_VERSION + 1, f"test: {case}", FAILING_MIGRATIONS[case])]
    try:
        with pytest.raises(duckdb.Error):
            db.migrate_database(con, broken)
        assert db.schema_version(con) == LATEST_VERSION
        assert _snapshot(con) == before  # in this connection…
    finally:
        con.close()
    con = db.connect(path)
    try:
        assert _snapshot(con) == before  # …and on disk
        assert db.integrity_problems(con) == {}
        fixed = MIGRATIONS + [(LATEST_VERSION + 1, "test: fixed", FIXED_MIGRATION)]
        assert db.migrate_database(con, fixed) == LATEST_VERSION + 1
        assert db.schema_version(con) == LATEST_VERSION + 1
        assert con.execute("SELECT count(*) FROM contacts WHERE nickname = upper(name)"
                           ).fetchone()[0] == len(before["rows"]["contacts"])
        after = _snapshot(con)
        assert after["rows"]["insights"] == before["rows"]["insights"]
        assert after["rows"]["users"] == before["rows"]["users"]
    finally:
        con.close()


def test_failing_migration_at_open_is_explained_and_releases_the_file(tmp_path, monkeypatch):
    """The app opens the file with `connect`, which migrates: a failure there is shown as the
    "can't open its database" page (DatabaseUnavailable), not a traceback, the file is left as
    it was and is not kept open."""
    path = tmp_path / "migrate.duckdb"
    con = db.connect(path)
    _fill(con)
    before = _snapshot(con)
    con.close()
    digest = _sha256(path)

    broken = MIGRATIONS + [(LATEST_VERSION + 1, "test: broken",
                            FAILING_MIGRATIONS["fails-after-changing-rows"])]
    monkeypatch.setattr(db, "MIGRATIONS", broken)
    with pytest.raises(db.DatabaseUnavailable) as info:
        db.connect(path)
    assert "could not be brought up to date" in str(info.value)
    assert "no record was lost" in str(info.value)
    assert "previous version" in info.value.how_to_fix
    for leaked in ("Constraint Error", "CHECK", "Traceback"):
        assert leaked not in str(info.value) + info.value.how_to_fix

    # Not kept open: another process can take the file at once.
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, duckdb; duckdb.connect(sys.argv[1]).close();"
         " print('opened')", str(path)], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "opened", probe.stderr

    monkeypatch.setattr(db, "MIGRATIONS", MIGRATIONS)
    con = db.connect(path)
    try:
        assert _snapshot(con) == before
    finally:
        con.close()
    # Nothing was written back either (the rolled-back work never reached the file).
    assert _sha256(path) == digest


def test_sigkill_during_a_migration_leaves_the_previous_version(tmp_path):
    """A process killed while a (slow) migration runs: on reopen the database is at the
    version before, with every row, and the migration then applies cleanly."""
    path = tmp_path / "killed-migration.duckdb"
    con = db.connect(path)
    _fill(con)
    before = _snapshot(con)
    con.close()
    slow = """
import sys
sys.path.insert(0, sys.argv[1])
from lib import db
from lib.schema import LATEST_VERSION, MIGRATIONS
con = db.connect(sys.argv[2])
print("migrating", flush=True)
db.migrate_database(con, MIGRATIONS + [(LATEST_VERSION + 1, "slow", [
    # Big enough that DuckDB writes it to the file before the commit (optimistic writes)…
    "CREATE TABLE filler AS SELECT range AS i, repeat('x', 100) AS s FROM range(1000000)",
    "UPDATE contacts SET notes = 'changed'",
    # …and then seconds of work with little memory, during which the process is killed.
    "CREATE TABLE slow AS SELECT count(*) AS n FROM range(3000000000)",
])])
print("done", flush=True)
"""
    process = subprocess.Popen([sys.executable, "-c", slow, str(REPO_ROOT), str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "migrating", process.stderr.read()
        time.sleep(0.5)  # inside the migration's transaction
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL

    con = db.connect(path)
    try:
        assert db.schema_version(con) == LATEST_VERSION
        assert _snapshot(con) == before
        assert db.integrity_problems(con) == {}
        _full_scan(con)
    finally:
        con.close()
