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
    cur = con.cursor()
    try:
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
    finally:
        cur.close()
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


__all__ = ["BackupError", "MANIFEST", "RestoreRefused", "backup_now", "list_backups",
           "restore", "row_counts"]
