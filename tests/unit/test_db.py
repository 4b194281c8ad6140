"""lib.db: hardening, the transaction helper, opening errors, retries."""

from __future__ import annotations

import subprocess
import sys
import threading

import duckdb
import pytest

from lib import db, store
from lib.schema import LATEST_VERSION
from lib.validation import clean_contact

PROJECT_ROOT = db.PROJECT_ROOT


def _scratch_table(con) -> None:
    with db.transaction(con) as cur:
        cur.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, note VARCHAR)")


def _scratch_rows(con) -> list[tuple]:
    with db.reading(con) as cur:
        return cur.execute("SELECT id, note FROM scratch ORDER BY id").fetchall()


# --- opening and schema ----------------------------------------------------------------------

def test_connect_creates_file_with_latest_schema(tmp_path):
    path = tmp_path / "nested" / "folder" / "x.duckdb"
    con = db.connect(path)
    try:
        assert path.exists()
        assert db.schema_version(con) == LATEST_VERSION
        with db.reading(con) as cur:
            tables = {r[0] for r in cur.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
        assert {"users", "contacts", "outreach", "conversations", "conversation_questions",
                "insights", "submissions", "schema_version"} <= tables
    finally:
        con.close()


def test_connect_without_migrate_leaves_file_empty(tmp_path):
    con = db.connect(tmp_path / "x.duckdb", migrate=False)
    try:
        assert db.schema_version(con) == 0
    finally:
        con.close()


def test_database_path_comes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(db.DB_ENV, str(tmp_path / "mine.duckdb"))
    assert db.database_path() == tmp_path / "mine.duckdb"
    monkeypatch.setenv(db.DB_ENV, "   ")
    assert db.database_path() == db.DEFAULT_DB_PATH
    monkeypatch.delenv(db.DB_ENV)
    assert db.database_path() == db.DEFAULT_DB_PATH


# --- hardening -------------------------------------------------------------------------------

def test_reading_a_system_file_through_sql_fails(con):
    with pytest.raises(duckdb.Error, match="disabled by configuration"):
        con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    with db.reading(con) as cur, pytest.raises(duckdb.Error):
        cur.execute("SELECT * FROM read_text('/etc/passwd')").fetchall()


def test_writing_a_file_through_sql_fails(con, tmp_path):
    target = tmp_path / "leak.csv"
    with pytest.raises(duckdb.Error):
        con.execute(f"COPY (SELECT 1) TO '{target}'")
    assert not target.exists()


@pytest.mark.parametrize("statement", [
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET lock_configuration = false",
    "SET autoinstall_known_extensions = true",
    "SET autoload_known_extensions = true",
])
def test_configuration_is_locked_after_connect(con, statement):
    with pytest.raises(duckdb.Error, match="lock"):
        con.execute(statement)
    # and the file system stays closed afterwards
    assert con.execute("SELECT current_setting('enable_external_access')").fetchone()[0] is False
    with pytest.raises(duckdb.Error):
        con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_extensions_cannot_be_loaded(con):
    with pytest.raises(duckdb.Error):
        con.execute("LOAD httpfs")


# --- transactions ----------------------------------------------------------------------------

def test_transaction_commits_on_success(con):
    _scratch_table(con)
    with db.transaction(con) as cur:
        cur.execute("INSERT INTO scratch VALUES (1, 'a')")
        cur.execute("INSERT INTO scratch VALUES (2, 'b')")
    assert _scratch_rows(con) == [(1, "a"), (2, "b")]


def test_failing_second_insert_rolls_back_first_and_reraises(con):
    _scratch_table(con)
    with pytest.raises(duckdb.ConstraintException):
        with db.transaction(con) as cur:
            cur.execute("INSERT INTO scratch VALUES (1, 'first')")
            cur.execute("INSERT INTO scratch VALUES (1, 'duplicate key')")
    assert _scratch_rows(con) == []
    # the connection is usable afterwards (no transaction left open)
    with db.transaction(con) as cur:
        cur.execute("INSERT INTO scratch VALUES (3, 'after')")
    assert _scratch_rows(con) == [(3, "after")]


def test_python_exception_inside_transaction_rolls_back(con):
    _scratch_table(con)
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction(con) as cur:
            cur.execute("INSERT INTO scratch VALUES (1, 'a')")
            raise RuntimeError("boom")
    assert _scratch_rows(con) == []


def test_duckdb_silent_commit_trap_still_exists_on_this_version(con):
    """Why the helper exists: on DuckDB 1.5.5 a COMMIT after a failed statement returns
    normally and stores nothing. If this ever stops being true, the note can go."""
    _scratch_table(con)
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    cur.execute("INSERT INTO scratch VALUES (1, 'a')")
    with pytest.raises(duckdb.ConstraintException):
        cur.execute("INSERT INTO scratch VALUES (1, 'b')")
    cur.execute("COMMIT")  # no error...
    cur.close()
    assert _scratch_rows(con) == []  # ...and nothing stored


def test_swallowed_failure_inside_transaction_is_not_reported_as_success(con):
    """A caller that catches a failed statement inside the block must not get a silent,
    empty COMMIT: the helper raises instead, so the write is never mistaken for saved."""
    _scratch_table(con)
    with pytest.raises(duckdb.Error):
        with db.transaction(con) as cur:
            cur.execute("INSERT INTO scratch VALUES (1, 'kept?')")
            try:
                cur.execute("INSERT INTO scratch VALUES (1, 'duplicate')")
            except duckdb.ConstraintException:
                pass
    assert _scratch_rows(con) == []
    with db.transaction(con) as cur:  # still usable
        cur.execute("INSERT INTO scratch VALUES (2, 'b')")
    assert _scratch_rows(con) == [(2, "b")]


def test_executemany_inside_transaction_is_all_or_nothing(con):
    _scratch_table(con)
    with pytest.raises(duckdb.ConstraintException):
        with db.transaction(con) as cur:
            cur.executemany("INSERT INTO scratch VALUES (?, ?)", [(1, "a"), (2, "b"), (1, "c")])
    assert _scratch_rows(con) == []


# --- retries ---------------------------------------------------------------------------------

def test_with_retry_retries_write_conflicts_then_succeeds():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.TransactionException("Conflict on update")
        return "done"

    assert db.with_retry(flaky) == "done"
    assert len(calls) == 3


def test_with_retry_gives_up_after_its_attempts():
    calls = []

    def always_conflicts():
        calls.append(1)
        raise duckdb.TransactionException("Conflict on update")

    with pytest.raises(duckdb.TransactionException):
        db.with_retry(always_conflicts, attempts=2)
    assert len(calls) == 2


def test_with_retry_does_not_retry_other_errors():
    calls = []

    def broken():
        calls.append(1)
        raise duckdb.ConstraintException("CHECK constraint failed")

    with pytest.raises(duckdb.ConstraintException):
        db.with_retry(broken)
    assert len(calls) == 1


def test_cursor_per_thread_keeps_every_write(con, user):
    """One instance, a cursor per unit of work: concurrent sessions lose nothing."""
    errors = []

    def session(n):
        try:
            for i in range(20):
                store.add_contact(con, user, clean_contact({"name": f"T{n}-{i}"}))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.reading(con) as cur:
        assert cur.execute("SELECT count(*) FROM contacts").fetchone()[0] == 80


# --- files that cannot be used ---------------------------------------------------------------

def _hold_file_in_subprocess(path):
    """Start a process that opens `path` read-write and keeps it open until killed."""
    code = (
        "import sys, time, duckdb\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise AssertionError(f"helper process did not open the file: {proc.stderr.read()}")
    return proc


def test_file_held_by_another_process_is_reported_as_in_use(tmp_path):
    path = tmp_path / "x.duckdb"
    db.connect(path).close()
    proc = _hold_file_in_subprocess(path)
    try:
        with pytest.raises(db.DatabaseUnavailable) as info:
            db.connect(path)
        message = str(info.value)
        assert "in use" in message
        assert str(proc.pid) in message  # names the process holding it
        assert "x.duckdb" in message
        assert "streamlit run" in info.value.how_to_fix
    finally:
        proc.kill()
        proc.wait()
    db.connect(path).close()  # usable again once the other process is gone


def test_second_process_is_told_the_file_is_in_use(tmp_path):
    """The other direction: this process holds the file; a shell command opening it is told
    so clearly (not a DuckDB traceback)."""
    path = tmp_path / "x.duckdb"
    con = db.connect(path)
    try:
        code = (
            "import sys\n"
            "from lib import db\n"
            "try:\n"
            "    db.connect(sys.argv[1])\n"
            "except db.DatabaseUnavailable as exc:\n"
            "    print('UNAVAILABLE:', exc)\n"
            "else:\n"
            "    print('OPENED')\n"
        )
        result = subprocess.run([sys.executable, "-c", code, str(path)], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.stdout.startswith("UNAVAILABLE:"), result.stdout + result.stderr
        assert "in use" in result.stdout
    finally:
        con.close()


@pytest.mark.parametrize("content", [
    b"name,organization\nAda,Engines\n" * 50,
    b"",
    bytes(range(256)) * 64,
])
def test_non_duckdb_file_is_refused_and_left_unchanged(tmp_path, content):
    path = tmp_path / "x.duckdb"
    path.write_bytes(content)
    with pytest.raises(db.DatabaseUnavailable) as info:
        db.connect(path)
    assert "not a Career Conversations database" in str(info.value)
    assert "has not been changed" in info.value.how_to_fix
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.duckdb"]  # no .wal beside it


def test_unwritable_location_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(db.DatabaseUnavailable) as info:
        db.connect(blocker / "x.duckdb")
    assert "could not be opened" in str(info.value)
    assert blocker.read_text() == "not a folder"


def test_folder_name_containing_lock_is_not_mistaken_for_a_lock(tmp_path):
    folder = tmp_path / "padlock"
    folder.mkdir()
    path = folder / "x.duckdb"
    path.write_bytes(b"plain text, not a database")
    with pytest.raises(db.DatabaseUnavailable) as info:
        db.connect(path)
    assert "in use" not in str(info.value)
    assert "not a Career Conversations database" in str(info.value)


def test_integrity_check_finds_orphans_and_passes_a_clean_database(con, user):
    assert db.integrity_problems(con) == {}
    contact = store.add_contact(con, user, clean_contact({"name": "Ada"})).id
    assert db.integrity_problems(con) == {}
    with db.transaction(con) as cur:  # simulate a bug that forgot the children
        cur.execute("INSERT INTO outreach (user_id, contact_id, sent_on, channel, attempt)"
                    " VALUES (?, ?, DATE '2026-03-02', 'email', 1)", [user, contact])
        cur.execute("DELETE FROM contacts WHERE id = ?", [contact])
    assert db.integrity_problems(con) == {"outreach.contact_id": 1}
