"""Backups with DuckDB's own EXPORT DATABASE, and restoring one with IMPORT DATABASE.

Copying the database file is not a backup: commits not yet checkpointed live in the `.wal` file
beside it. EXPORT DATABASE runs in the process that holds the file and reads through the same
transaction system, so every committed row is in the backup — from the app ("Back up now" on
the Accounts page) or, while the app is stopped, `python -m lib.admin backup`.

A backup is a folder `career-conversations-<UTC time>` under the backup folder
($CAREER_CONVERSATIONS_BACKUP_DIR, default data/backups): schema.sql, load.sql, one Parquet file
per table, and backup.json (when, schema version, rows per table). SQL may write files in the
backup folder only (see lib.db.connect).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
from pathlib import Path

import duckdb

from lib import db

log = logging.getLogger(__name__)

MANIFEST = "backup.json"
PREFIX = "career-conversations-"


class BackupError(Exception):
    """A backup or restore could not be made; `str(self)` says why and what to do."""


class RestoreRefused(BackupError):
    """The target database exists and `force` was not given."""


def _literal(path: Path) -> str:
    """A path as a SQL string literal (EXPORT/IMPORT DATABASE take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _new_folder(root: Path, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    folder = root / f"{PREFIX}{stamp}Z"
    n = 2
    while folder.exists():
        folder = root / f"{PREFIX}{stamp}Z-{n}"
        n += 1
    return folder


def _table_names(cur) -> list[str]:
    return [r[0] for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' ORDER BY table_name").fetchall()]


def row_counts(con) -> dict[str, int]:
    """Rows per table of a database."""
    with db.reading(con) as cur:
        return {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in _table_names(cur)}


def backup_now(con, backup_root: Path | str | None = None, *,
               now: dt.datetime | None = None) -> Path:
    """Write a backup of the open database into a new timestamped folder under `backup_root`
    (default: the configured backup folder, which is the only one this connection may write);
    returns the folder. Rows counted in the same transaction go to backup.json."""
    root = Path(backup_root).expanduser().resolve() if backup_root else db.backup_directory()
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise BackupError(f"The backup folder {root} can't be created ({problem.strerror}). "
                          f"Check {db.BACKUP_ENV} and the folder's permissions.") from None
    folder = _new_folder(root, now)
    try:
        with db.reading(con) as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                counts = {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                          for t in _table_names(cur)}
                version = cur.execute("SELECT coalesce(max(version), 0) FROM schema_version"
                                      ).fetchone()[0] if "schema_version" in counts else 0
                cur.execute(f"EXPORT DATABASE {_literal(folder)} (FORMAT parquet)")
            finally:
                cur.execute("ROLLBACK")
    except duckdb.PermissionException:
        shutil.rmtree(folder, ignore_errors=True)
        raise BackupError(f"This app may only write backups to {db.backup_directory()}; "
                          f"{root} is another folder. Set {db.BACKUP_ENV} to it and restart the "
                          "app.") from None
    except (duckdb.IOException, OSError) as problem:
        shutil.rmtree(folder, ignore_errors=True)
        log.warning("backup to %s failed: %s", folder, problem)
        raise BackupError(f"The backup could not be written to {root} — is the disk full or "
                          "the folder read-only? Nothing was changed.") from None
    manifest = {"created_at": now.isoformat(timespec="seconds") + "Z",
                "schema_version": version, "duckdb_version": duckdb.__version__,
                "tables": counts}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log.info("backup written to %s (%s rows)", folder, sum(counts.values()))
    return folder


def list_backups(backup_root: Path | str | None = None) -> list[dict]:
    """The backups under the folder, newest first: path, created_at, rows."""
    root = Path(backup_root).expanduser().resolve() if backup_root else db.backup_directory()
    found = []
    if root.is_dir():
        for folder in root.iterdir():
            manifest = folder / MANIFEST
            if folder.is_dir() and folder.name.startswith(PREFIX) and manifest.is_file():
                try:
                    info = json.loads(manifest.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                found.append({"path": folder, "created_at": info.get("created_at", ""),
                              "rows": sum(info.get("tables", {}).values())})
    return sorted(found, key=lambda b: b["created_at"], reverse=True)


def _check_backup(folder: Path) -> dict | None:
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder.")
    if not (folder / "schema.sql").is_file() or not (folder / "load.sql").is_file():
        raise BackupError(f"{folder} is not a backup (it has no schema.sql and load.sql). Give "
                          f"the folder named {PREFIX}… itself.")
    manifest = folder / MANIFEST
    if manifest.is_file():
        try:
            return json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError:
            raise BackupError(f"{manifest} is damaged.") from None
    return None


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        if p.exists():
            p.unlink()


def restore(backup_folder: Path | str, target_path: Path | str, *,
            force: bool = False) -> dict[str, int]:
    """Rebuild the database `target_path` from a backup folder; returns rows per table.

    Refuses (RestoreRefused) if the target exists, unless `force`. The backup is imported into
    a new file next to the target and checked against backup.json first; only then does it
    replace the target (with the target's stale .wal removed). While another program holds the
    target, lib.db.DatabaseUnavailable says so and nothing is changed."""
    folder = Path(backup_folder).expanduser().resolve()
    target = Path(target_path).expanduser().resolve()
    manifest = _check_backup(folder)
    exists = target.exists() or Path(f"{target}.wal").exists()
    if exists and not force:
        raise RestoreRefused(f"{target} already exists. Restoring replaces every record in it: "
                             "run again with --force to do that (make a backup of it first).")
    holder = None
    if target.exists():
        try:  # holding the file also keeps the app from starting on it meanwhile
            holder = db.connect(target, migrate=False)
        except db.DatabaseUnavailable as problem:
            if "in use" in str(problem):
                raise
            log.warning("replacing unreadable database %s: %s", target, problem)
    staging = target.with_name(f".{target.name}.restoring")
    try:
        _remove(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        con = db.connect(staging, migrate=False, backup_dir=folder)
        try:
            try:
                con.execute(f"IMPORT DATABASE {_literal(folder)}")
            except duckdb.Error as problem:
                log.warning("restore from %s failed: %s", folder, problem)
                raise BackupError(f"The backup in {folder} could not be read back ("
                                  f"{type(problem).__name__}). The database was not "
                                  "changed.") from None
            counts = row_counts(con)
            expected = (manifest or {}).get("tables")
            if expected is not None and expected != counts:
                raise BackupError(f"The backup in {folder} is incomplete: its tables hold other "
                                  "row counts than when it was made. The database was not "
                                  "changed.")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if holder is not None:
            holder.close()
            holder = None
        _remove(Path(f"{target}.wal"))  # commits of the old file must not replay into the new
        os.replace(staging, target)
    finally:
        if holder is not None:
            holder.close()
        _remove(staging)
    log.info("restored %s from %s", target, folder)
    return counts


EVERY_ENV = "CAREER_CONVERSATIONS_BACKUP_EVERY"
KEEP_ENV = "CAREER_CONVERSATIONS_BACKUP_KEEP"
DEFAULT_KEEP = 14


def _number(name: str, default: float, *, integer: bool = False) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, raw, default)
        return default
    return value if value >= 0 else default


def schedule_hours() -> float:
    """Hours between automatic backups ($CAREER_CONVERSATIONS_BACKUP_EVERY); 0 = off."""
    return _number(EVERY_ENV, 0.0)


def keep_count() -> int:
    """How many automatic backups to keep ($CAREER_CONVERSATIONS_BACKUP_KEEP, default 14)."""
    return int(_number(KEEP_ENV, DEFAULT_KEEP, integer=True))


def next_due(last: dt.datetime | None, now: dt.datetime, every_hours: float) -> dt.datetime:
    """When the next automatic backup is due: `every_hours` after the newest backup, and now if
    there is none (or the newest is older than that)."""
    if last is None:
        return now
    return max(now, last + dt.timedelta(hours=every_hours))


def _created(info: dict) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(info.get("created_at", "")).rstrip("Z"))
    except ValueError:
        return None


def prune(keep: int, backup_root: Path | str | None = None) -> list[Path]:
    """Delete all but the newest `keep` backups under the folder (only folders this app made:
    named career-conversations-… with a backup.json); returns the deleted folders. keep=0
    deletes nothing."""
    if keep <= 0:
        return []
    gone = []
    for old in list_backups(backup_root)[keep:]:
        shutil.rmtree(old["path"], ignore_errors=True)
        gone.append(old["path"])
        log.info("old backup %s deleted (keeping the newest %s)", old["path"], keep)
    return gone


class BackupSchedule:
    """Automatic backups from inside the running app, which holds the database file (the shell
    tool can't back up while it runs). A daemon thread with its own cursor: wakes when a backup is
    due, writes one with `backup_now`, then keeps the newest `keep`. A failure is logged and tried
    again at the next due time; closing the database ends the thread."""

    def __init__(self, con, every_hours: float, keep: int,
                 backup_root: Path | str | None = None) -> None:
        self.con, self.every, self.keep, self.root = con, every_hours, keep, backup_root
        self._stop = threading.Event()
        self.made: list[Path] = []
        self.thread = threading.Thread(target=self._run, name="career-conversations-backup",
                                       daemon=True)

    def start(self) -> "BackupSchedule":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _newest(self) -> dt.datetime | None:
        backups = list_backups(self.root)
        return _created(backups[0]) if backups else None

    def run_once(self, now: dt.datetime | None = None) -> Path | None:
        """Make a backup if one is due at `now`; returns its folder, or None."""
        now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        if next_due(self._newest(), now, self.every) > now:
            return None
        folder = backup_now(self.con, self.root, now=now)
        self.made.append(folder)
        prune(self.keep, self.root)
        return folder

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except BackupError as problem:
                log.warning("automatic backup failed: %s", problem)
            except duckdb.ConnectionException:  # the database was closed: the app is stopping
                return
            except Exception:  # a backup thread must never die silently
                log.exception("automatic backup failed")
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            due = next_due(self._newest(), now, self.every)
            wait = max(60.0, (due - now).total_seconds())
            self._stop.wait(min(wait, self.every * 3600))


def start_schedule(con) -> BackupSchedule | None:
    """Start automatic backups for the app's database if $CAREER_CONVERSATIONS_BACKUP_EVERY is
    set (hours, e.g. 24); None when it is off."""
    every = schedule_hours()
    if every <= 0:
        return None
    log.info("automatic backups every %s h into %s, keeping %s", every, db.backup_directory(),
             keep_count())
    return BackupSchedule(con, every, keep_count()).start()


__all__ = ["BackupError", "BackupSchedule", "EVERY_ENV", "KEEP_ENV", "MANIFEST",
           "RestoreRefused", "backup_now", "keep_count", "list_backups", "next_due", "prune",
           "restore", "row_counts", "schedule_hours", "start_schedule"]
