"""The only place that opens the database: connection factory, hardening, migrations, transactions.

One DuckDB instance per process; every unit of work takes its own cursor (a DuckDB connection
object must not be shared between Streamlit's session threads). The running app holds its file
through a `Database`, which also closes and reopens it now and then to give memory back.
"""

from __future__ import annotations

import ctypes
import logging
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from lib.schema import LATEST_VERSION, MIGRATIONS

log = logging.getLogger(__name__)

DB_ENV = "CAREER_CONVERSATIONS_DB"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "career_conversations.duckdb"

BACKUP_ENV = "CAREER_CONVERSATIONS_BACKUP_DIR"
DEFAULT_BACKUP_DIR = PROJECT_ROOT / "data" / "backups"

# No fetching or auto-loading of extensions. File access through SQL is switched off right after
# opening (`_harden`): DuckDB only accepts `allowed_directories` while it is still on, so the one
# folder SQL may use — the backup folder, for EXPORT/IMPORT DATABASE — is set first. Then the
# configuration is locked so a query cannot switch either back.
HARDENED_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class DatabaseUnavailable(Exception):
    """The database file cannot be used right now; `str(self)` is safe to show a user."""

    def __init__(self, message: str, how_to_fix: str):
        super().__init__(message)
        self.how_to_fix = how_to_fix


def database_path() -> Path:
    """The file in use: `$CAREER_CONVERSATIONS_DB`, or data/career_conversations.duckdb."""
    configured = os.environ.get(DB_ENV, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DB_PATH


def backup_directory() -> Path:
    """Where backups go: `$CAREER_CONVERSATIONS_BACKUP_DIR`, or data/backups (made absolute)."""
    configured = os.environ.get(BACKUP_ENV, "").strip()
    folder = Path(configured).expanduser() if configured else DEFAULT_BACKUP_DIR
    return folder.resolve()


def _harden(con: duckdb.DuckDBPyConnection, file_folder: Path) -> None:
    """Allow SQL to touch files in `file_folder` only, then switch file access off and lock the
    configuration. /etc/passwd and every other path stay unreadable."""
    con.execute("SET allowed_directories = ?", [[str(file_folder)]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _explain_open_error(path: Path, exc: Exception) -> DatabaseUnavailable:
    text = str(exc).replace(str(path), "<file>")  # a folder named e.g. "padlock" is no lock
    # DuckDB's wording, not just "lock": a damaged file's "checksum … in block at …" is no lock.
    if re.search(r"could not set lock|conflicting lock", text, re.IGNORECASE):
        holder = re.search(r"PID (\d+)", text)
        who = f" (process {holder.group(1)})" if holder else ""
        return DatabaseUnavailable(
            f"The database file {path.name} is in use by another program{who}.",
            "Only one program can use the file at a time. Stop the other program — for example a "
            "running `streamlit run app.py` — or do the work from inside the app, then try again.",
        )
    if "not a valid duckdb database" in text.lower() or "magic" in text.lower():
        return DatabaseUnavailable(
            f"The file {path} is not a Career Conversations database.",
            f"Point {DB_ENV} at another file, or move this file away. It has not been changed.",
        )
    if re.search(r"corrupt|could not read enough bytes", text, re.IGNORECASE):
        return DatabaseUnavailable(
            f"The database file {path} is damaged or incomplete (for example a copy that did "
            "not finish).",
            f"Restore it from a backup, or point {DB_ENV} at another file. It has not been "
            "changed.",
        )
    return DatabaseUnavailable(
        f"The database file {path.name} could not be opened.",
        "Check that the folder exists and is writable, then try again.",
    )


def connect(path: Path | str | None = None, *, migrate: bool = True,
            backup_dir: Path | str | None = None,
            check: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database file, harden it and bring its schema up to date.

    SQL may read and write files in one folder only: `backup_dir`, by default the configured
    backup folder (`backup_directory()`). `check=False` skips reading every table first: only
    for a file this process has just had open (`Database` reopening it)."""
    path = Path(path) if path is not None else database_path()
    try:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("cannot create the folder for database %s: %s", path, exc)
        raise _explain_open_error(path, exc) from exc
    try:
        con = duckdb.connect(str(path), config=dict(HARDENED_CONFIG))
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException) as exc:
        log.warning("cannot open database %s: %s", path, exc)
        raise _explain_open_error(path, exc) from exc
    try:
        _harden(con, Path(backup_dir).expanduser().resolve() if backup_dir
                else backup_directory())
        if check:
            _read_every_table(con)  # before anything is written to it
        if migrate:
            migrate_database(con)
    except duckdb.IOException as exc:
        con.close()
        log.warning("cannot read database %s: %s", path, exc)
        raise _explain_open_error(path, exc) from exc
    except duckdb.Error as exc:
        con.close()
        log.exception("cannot bring database %s up to date", path)
        raise DatabaseUnavailable(
            f"The database file {path.name} could not be brought up to date for this version "
            "of the app. The step that failed was undone: no record was lost.",
            "Keep the file as it is: go back to the previous version of the app, and report "
            "the problem together with the server log.",
        ) from exc
    except BaseException:
        con.close()  # never keep the file locked after a failed open
        raise
    return con


def _read_every_table(con: duckdb.DuckDBPyConnection) -> None:
    """Read every column of every table once. A truncated copy of a database opens without
    error and fails only when a missing block is read — and a write would then rewrite the
    damaged file on close — so this happens before the app uses the file."""
    with reading(con) as cur:
        tables = cur.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
            " WHERE database_name = current_database()").fetchall()
        for schema, table in tables:
            name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
            cur.execute(f"SELECT count(*), max(hash(COLUMNS(*))) FROM {name}").fetchall()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection | Database) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN … COMMIT; any exception rolls back and is re-raised.

    DuckDB can answer COMMIT after a failed statement without error while storing nothing, and
    a multi-statement string or `executemany` outside a transaction is not atomic, so every
    write goes through here.
    """
    with reading(con) as cur:
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
            # A failed statement the caller caught leaves the transaction aborted, and COMMIT
            # would then store nothing without error; this probe raises in that state instead.
            cur.execute("SELECT 1")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")


@contextmanager
def reading(con: duckdb.DuckDBPyConnection | Database) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh cursor (a unit of work) on a connection or a `Database`; closed afterwards."""
    if isinstance(con, Database):
        with con.cursor() as cur:
            yield cur
        return
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


# Units of work (cursors) between two reopenings of the app's database. DuckDB keeps native
# memory that grows with use — entries its buffer pool's eviction queues keep for the temporary
# buffers of every join, and what it holds for the data read — and gives it back only when the
# database closes (bench/RESULTS.md, "Soak"). 5,000 units is ~15 MB of that, and about four
# minutes of the soak (ten students logging a conversation every few seconds) or an hour or more
# of a class's ordinary use; a reopening takes ~0.2 s, during which new units wait.
REOPEN_AFTER = 5_000
# How long a new unit waits for the units in progress to end before a reopening is put off (so a
# unit that waits for another thread can never deadlock against it).
DRAIN_WAIT_S = 2.0
# How long a reopening keeps trying while another program has taken the file meanwhile.
REOPEN_WAIT_S = 10.0

_LIBC = None
if sys.platform.startswith("linux"):
    try:
        _LIBC = ctypes.CDLL("libc.so.6")
        _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # not glibc (musl): nothing to trim
        _LIBC = None


def _give_memory_back() -> None:
    """Hand the allocator's free pages back to the system (glibc keeps them otherwise)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class Database:
    """The running app's handle on its database file: one per process (lib.ui.database).

    Every unit of work takes its own cursor through `cursor()` (lib.db.reading and
    lib.db.transaction do). After `reopen_after` units the handle closes the file and opens it
    again, once no unit is in progress — new units wait meanwhile (~0.2 s) — which gives back
    the native memory DuckDB keeps until it closes. A thread already inside a unit never waits
    (units may nest), and a new unit that has waited `DRAIN_WAIT_S` puts the reopening off
    instead of waiting longer, so units that wait on each other cannot deadlock.
    """

    def __init__(self, path: Path | str | None = None, *, backup_dir: Path | str | None = None,
                 reopen_after: int = REOPEN_AFTER) -> None:
        self.path = Path(path) if path is not None else database_path()
        self._backup_dir = backup_dir
        self.reopen_after = reopen_after
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path, backup_dir=backup_dir)
        self._lock = threading.Condition()
        self._nesting = threading.local()
        self._active = 0
        self._units = 0
        self._draining = False
        self._closed = False
        self.reopenings = 0

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor for one unit of work; closed afterwards."""
        nested = getattr(self._nesting, "depth", 0)
        with self._lock:
            if not nested and self._draining:
                if not self._lock.wait_for(lambda: not self._draining, timeout=DRAIN_WAIT_S):
                    log.info("database reopening put off: a unit of work is still running")
                    self._draining, self._units = False, 0
                    self._lock.notify_all()
            con = self._open_locked()
            self._active += 1
            self._units += 1
        self._nesting.depth = nested + 1
        try:
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._nesting.depth = nested
            with self._lock:
                self._active -= 1
                if self.reopen_after and self._units >= self.reopen_after and not self._closed:
                    self._draining = True
                if self._draining and self._active == 0 and not self._closed:
                    self._reopen_locked()

    def _open_locked(self) -> duckdb.DuckDBPyConnection:
        if self._closed:
            raise duckdb.ConnectionException("The database has been closed.")
        if self._con is None:  # a reopening failed: try again now, and say why if it fails
            self._con = connect(self.path, migrate=False, backup_dir=self._backup_dir,
                                check=False)
            log.info("database %s open again", self.path.name)
        return self._con

    def _reopen_locked(self) -> None:
        """Close and open again. Never raises: the unit whose end started it has done its work
        (a failure here leaves the handle closed, and the next unit opens it or says why)."""
        started = time.perf_counter()
        units, self._units, self._draining = self._units, 0, False
        con, self._con = self._con, None
        try:
            con.close()
            _give_memory_back()
            deadline = time.monotonic() + REOPEN_WAIT_S
            while True:
                try:
                    self._con = connect(self.path, migrate=False, backup_dir=self._backup_dir,
                                        check=False)
                    break
                except DatabaseUnavailable:
                    if time.monotonic() > deadline:
                        log.warning("database %s could not be opened again; the next unit of "
                                    "work will try", self.path.name)
                        return
                    time.sleep(0.25)
            self.reopenings += 1
            log.info("database closed and opened again after %s units of work, to give memory "
                     "back (%.0f ms)", units, (time.perf_counter() - started) * 1000)
        except Exception:
            log.exception("closing and opening the database again failed; the next unit of "
                          "work will try")
        finally:
            self._lock.notify_all()

    def close(self) -> None:
        """Close the file for good, once the units in progress have ended (at most a few
        seconds). Units started afterwards raise duckdb.ConnectionException."""
        with self._lock:
            self._closed, self._draining = True, False
            self._lock.wait_for(lambda: self._active == 0, timeout=5.0)
            if self._con is not None:
                self._con.close()
                self._con = None
            self._lock.notify_all()


def with_retry(fn, *, attempts: int = 4):
    """Run `fn()` again when two sessions touched the same row at once (DuckDB write conflict)."""
    for attempt in range(attempts):
        try:
            return fn()
        except duckdb.TransactionException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    with reading(con) as cur:
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()[0]
        if not exists:
            return 0
        return cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


# (child table, column, parent table): every reference the storage layer keeps (see lib/schema.py
# for why these are not FOREIGN KEY constraints). Nullable references only count when set.
REFERENCES = [
    ("contacts", "user_id", "users"),
    ("contacts", "referred_by_contact_id", "contacts"),
    ("contacts", "referred_in_conversation_id", "conversations"),
    ("outreach", "user_id", "users"),
    ("outreach", "contact_id", "contacts"),
    ("conversations", "user_id", "users"),
    ("conversations", "contact_id", "contacts"),
    ("conversation_questions", "conversation_id", "conversations"),
    ("insights", "user_id", "users"),
    ("insights", "conversation_id", "conversations"),
    ("credentials", "user_id", "users"),
    ("password_resets", "user_id", "users"),
    ("sessions", "user_id", "users"),
    ("classes", "instructor_id", "users"),
    ("join_codes", "class_id", "classes"),
    ("enrolments", "class_id", "classes"),
    ("enrolments", "student_id", "users"),
    ("scheduled_conversations", "user_id", "users"),
    ("scheduled_conversations", "contact_id", "contacts"),
    ("scheduled_conversations", "conversation_id", "conversations"),
    ("prep_questions", "scheduled_id", "scheduled_conversations"),
    ("my_questions", "user_id", "users"),
    ("touches", "user_id", "users"),
    ("touches", "contact_id", "contacts"),
    ("career_goals", "user_id", "users"),
]


def integrity_problems(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows whose reference points at nothing, per `child.column`; empty when all is well.
    (Damaged storage is caught earlier: `connect` reads every column of every table once.)"""
    problems: dict[str, int] = {}
    with reading(con) as cur:
        existing = {r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        for child, column, parent in REFERENCES:
            if child not in existing or parent not in existing:
                continue
            # Table and column names come from the constant above, never from input.
            orphans = cur.execute(
                f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS"
                f" (SELECT 1 FROM {parent} p WHERE p.id = c.{column})").fetchone()[0]
            if orphans:
                problems[f"{child}.{column}"] = orphans
    return problems


def migrate_database(con: duckdb.DuckDBPyConnection, migrations=None) -> int:
    """Apply every migration not yet recorded, each in its own transaction. Returns the version."""
    migrations = MIGRATIONS if migrations is None else migrations
    with transaction(con) as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
    current = schema_version(con)
    for version, description, statements in migrations:
        if version <= current:
            continue
        with transaction(con) as cur:
            for statement in statements:
                cur.execute(statement)
            cur.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [version, description],
            )
        log.info("database migrated to version %s (%s)", version, description)
        current = version
    return current


__all__ = [
    "BACKUP_ENV",
    "DB_ENV",
    "DEFAULT_BACKUP_DIR",
    "DEFAULT_DB_PATH",
    "Database",
    "DatabaseUnavailable",
    "LATEST_VERSION",
    "backup_directory",
    "connect",
    "database_path",
    "integrity_problems",
    "migrate_database",
    "reading",
    "schema_version",
    "transaction",
    "with_retry",
]
