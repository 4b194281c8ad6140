"""The only place that opens the database: connection factory, hardening, migrations, transactions.

One DuckDB instance per process; every unit of work takes its own cursor (a DuckDB connection
object must not be shared between Streamlit's session threads).
"""

from __future__ import annotations

import logging
import os
import re
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
            backup_dir: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database file, harden it and bring its schema up to date.

    SQL may read and write files in one folder only: `backup_dir`, by default the configured
    backup folder (`backup_directory()`)."""
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
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside BEGIN … COMMIT; any exception rolls back and is re-raised.

    DuckDB can answer COMMIT after a failed statement without error while storing nothing, and
    a multi-statement string or `executemany` outside a transaction is not atomic, so every
    write goes through here.
    """
    cur = con.cursor()
    try:
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
    finally:
        cur.close()


@contextmanager
def reading(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh cursor for a read; closed afterwards."""
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


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
