"""lib.backup and `python -m lib.admin backup|restore`: consistent backups (the write-ahead log
included), exact restores, and SQL file access limited to the backup folder."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import duckdb
import pytest

from lib import accounts, admin, backup, classes, db
from tests.unit.conftest import Builder, build_sample


@pytest.fixture
def backups(tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    monkeypatch.setenv(db.BACKUP_ENV, str(folder))
    return folder


@pytest.fixture
def source(tmp_path, backups):
    """A database with accounts, a class and a semester of records; open."""
    con = db.connect(tmp_path / "live.duckdb")
    admin_account = accounts.create_account(con, email="ada@example.org",
                                            password="ada password 12", display_name="Ada")
    student = accounts.create_account(con, email="sam@example.org", password="sam password 12",
                                      display_name="Sam")
    class_id = classes.create_class(con, admin_account.id, classes.clean_class({
        "name": "Career Lab", "starts_on": "2026-01-12", "ends_on": "2026-05-01"}))
    classes.join_class(con, student.id, classes.classes_for(con, admin_account.id)
                       .set_index("id").loc[class_id, "join_code"])
    build_sample(Builder(con, student.id))
    accounts.start_session(con, student.id)
    yield con
    con.close()


def every_row(con) -> dict[str, list]:
    with db.reading(con) as cur:
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            " ORDER BY 1").fetchall()]
        return {t: cur.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}


def wal(path) -> int:
    wal_file = path.with_name(path.name + ".wal")
    return wal_file.stat().st_size if wal_file.exists() else 0


# --- hardening -------------------------------------------------------------------------------

def test_sql_may_use_the_backup_folder_and_nothing_else(tmp_path):
    allowed = tmp_path / "backups"
    allowed.mkdir()
    (tmp_path / "beside.csv").write_text("secret,1\n")
    con = db.connect(tmp_path / "x.duckdb", backup_dir=allowed)
    try:
        for statement in ("SELECT * FROM read_csv('/etc/passwd')",
                          "SELECT * FROM read_text('/etc/passwd')",
                          "SELECT * FROM glob('/etc/*')",
                          f"SELECT * FROM read_csv('{allowed}/../beside.csv')",
                          f"COPY (SELECT 1) TO '{tmp_path / 'leak.csv'}'",
                          f"EXPORT DATABASE '{tmp_path / 'elsewhere'}'",
                          f"ATTACH '{tmp_path / 'other.duckdb'}' AS other"):
            with pytest.raises(duckdb.Error, match="disabled by configuration|Permission"):
                con.execute(statement).fetchall()
        assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "elsewhere").exists()
        con.execute(f"COPY (SELECT 42 AS answer) TO '{allowed / 'ok.csv'}'")
        assert con.execute(f"SELECT answer FROM read_csv('{allowed / 'ok.csv'}')"
                           ).fetchall() == [(42,)]
        for statement in ("SET allowed_directories = ['/']", "RESET allowed_directories",
                          "SET enable_external_access = true"):
            with pytest.raises(duckdb.Error, match="lock"):
                con.execute(statement)
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
    finally:
        con.close()


def test_the_default_backup_folder(monkeypatch):
    monkeypatch.delenv(db.BACKUP_ENV, raising=False)
    assert db.backup_directory() == db.DEFAULT_BACKUP_DIR.resolve()
    monkeypatch.setenv(db.BACKUP_ENV, "  ")
    assert db.backup_directory() == db.DEFAULT_BACKUP_DIR.resolve()


# --- backup ----------------------------------------------------------------------------------

def test_commits_still_in_the_write_ahead_log_are_in_the_backup(tmp_path, backups):
    path = tmp_path / "live.duckdb"
    con = db.connect(path)
    try:
        con.execute("CHECKPOINT")
        user = accounts.create_account(con, email="new@example.org", password="new password 12",
                                       display_name="Just Joined").id
        Builder(con, user).contact("Written Just Now", created_on=dt.date(2026, 3, 20))
        assert wal(path) > 0  # the commits are in the .wal file only
        shutil.copy(path, tmp_path / "file-copy.duckdb")  # what copying the file would keep
        folder = backup.backup_now(con)
    finally:
        con.close()
    assert folder.parent == backups.resolve()
    copy = db.connect(tmp_path / "file-copy.duckdb")
    try:  # the naive copy lost them…
        assert copy.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    finally:
        copy.close()
    backup.restore(folder, tmp_path / "restored.duckdb")
    restored = db.connect(tmp_path / "restored.duckdb")
    try:  # …the backup did not
        assert restored.execute("SELECT name FROM contacts").fetchall() == [("Written Just Now",)]
        assert accounts.account_by_email(restored, "new@example.org").display_name == \
            "Just Joined"
    finally:
        restored.close()


def test_restore_reproduces_every_row_of_every_table(tmp_path, source):
    expected = every_row(source)
    assert len(expected["contacts"]) >= 10 and expected["sessions"] and expected["enrolments"]
    folder = backup.backup_now(source)
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    assert manifest["tables"] == {t: len(r) for t, r in expected.items()}
    counts = backup.restore(folder, tmp_path / "restored.duckdb")
    assert counts == manifest["tables"]
    restored = db.connect(tmp_path / "restored.duckdb")
    try:
        assert every_row(restored) == expected
        assert db.integrity_problems(restored) == {}
        # sequences carry on where they were: a new contact gets a new id
        student = accounts.account_by_email(restored, "sam@example.org").id
        new_id = Builder(restored, student).contact("After Restore")
        assert new_id > max(r[0] for r in expected["contacts"])
    finally:
        restored.close()


def test_backups_get_their_own_timestamped_folders(source, backups):
    when = dt.datetime(2026, 3, 20, 9, 30, 5)
    first = backup.backup_now(source, now=when)
    second = backup.backup_now(source, now=when)
    assert first.name == "career-conversations-20260320-093005Z"
    assert second.name == "career-conversations-20260320-093005Z-2"
    assert [b["path"] for b in backup.list_backups()] in ([first, second], [second, first])


def test_a_backup_outside_the_configured_folder_is_refused(source, tmp_path):
    with pytest.raises(backup.BackupError, match="may only write backups"):
        backup.backup_now(source, tmp_path / "somewhere-else")
    assert not list((tmp_path / "somewhere-else").glob("career-conversations-*"))


# --- restore ---------------------------------------------------------------------------------

def test_restore_refuses_to_overwrite_without_force(tmp_path, source):
    folder = backup.backup_now(source)
    target = tmp_path / "target.duckdb"
    other = db.connect(target)
    Builder(other, accounts.create_account(
        other, email="x@example.org", password="x password 123", display_name="X").id
    ).contact("Only In Target")
    other.close()
    with pytest.raises(backup.RestoreRefused, match="--force"):
        backup.restore(folder, target)
    check = db.connect(target)
    assert check.execute("SELECT name FROM contacts").fetchall() == [("Only In Target",)]
    check.close()
    backup.restore(folder, target, force=True)
    check = db.connect(target)
    try:
        assert every_row(check) == every_row(source)
    finally:
        check.close()
    assert not list(tmp_path.glob(".target.duckdb.restoring*"))


def test_restore_while_the_target_is_in_use_changes_nothing(tmp_path, source):
    folder = backup.backup_now(source)
    target = tmp_path / "live.duckdb"  # the file `source` holds open
    before = every_row(source)
    code = ("import sys; from lib import backup, db\n"
            "try:\n"
            f"    backup.restore({str(folder)!r}, {str(target)!r}, force=True)\n"
            "except db.DatabaseUnavailable as problem:\n"
            "    print(problem); sys.exit(3)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=db.PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr
    assert "in use by another program" in result.stdout
    assert every_row(source) == before


def test_an_incomplete_backup_is_not_restored(tmp_path, source):
    folder = backup.backup_now(source)
    (folder / "contacts.parquet").unlink()
    with pytest.raises(backup.BackupError):
        backup.restore(folder, tmp_path / "restored.duckdb")
    assert not (tmp_path / "restored.duckdb").exists()


def test_a_folder_that_is_no_backup(tmp_path):
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(tmp_path, tmp_path / "x.duckdb")
    with pytest.raises(backup.BackupError, match="not a folder"):
        backup.restore(tmp_path / "missing", tmp_path / "x.duckdb")


def test_a_stale_write_ahead_log_of_the_old_file_is_not_replayed(tmp_path, source):
    folder = backup.backup_now(source)
    target = tmp_path / "target.duckdb"
    backup.restore(folder, target)
    target.with_name(target.name + ".wal").write_bytes(b"left over from the old file")
    backup.restore(folder, target, force=True)
    assert not target.with_name(target.name + ".wal").exists()
    check = db.connect(target)
    try:
        assert every_row(check) == every_row(source)
    finally:
        check.close()


# --- python -m lib.admin backup / restore ----------------------------------------------------

def run_admin(db_path, *argv, backups_dir=None) -> subprocess.CompletedProcess:
    env = {**os.environ, db.DB_ENV: str(db_path)}
    if backups_dir:
        env[db.BACKUP_ENV] = str(backups_dir)
    return subprocess.run([sys.executable, "-m", "lib.admin", *argv], cwd=db.PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_cli_backup_and_restore_while_the_app_is_stopped(tmp_path, source, monkeypatch,
                                                         capsys):
    expected = every_row(source)
    source.close()
    live = tmp_path / "live.duckdb"
    result = run_admin(live, "backup", str(tmp_path / "cli-backups"))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "cli-backups" / result.stdout.strip().rsplit("/", 1)[-1]
    assert result.stdout.startswith("Backup written to ") and folder.is_dir()

    monkeypatch.setenv(db.DB_ENV, str(live))
    assert admin.main(["restore", str(folder)]) == 1
    assert "--force" in capsys.readouterr().err
    monkeypatch.setenv(db.DB_ENV, str(tmp_path / "fresh.duckdb"))
    assert admin.main(["restore", str(folder)]) == 0
    assert "Restored" in capsys.readouterr().out
    check = db.connect(tmp_path / "fresh.duckdb")
    try:
        assert every_row(check) == expected
    finally:
        check.close()


def test_cli_says_so_while_the_app_holds_the_file(tmp_path, source):
    live = tmp_path / "live.duckdb"
    for argv in (["backup"], ["restore", str(tmp_path), "--force"]):
        folder = backup.backup_now(source) if argv[0] == "restore" else None
        if folder:
            argv = ["restore", str(folder), "--force"]
        result = run_admin(live, *argv, backups_dir=tmp_path / "backups")
        assert result.returncode == 1, (argv, result.stdout)
        assert "in use by another program" in result.stderr
        assert "Traceback" not in result.stderr


def test_cli_backup_without_a_database(tmp_path):
    result = run_admin(tmp_path / "missing.duckdb", "backup", backups_dir=tmp_path / "b")
    assert result.returncode == 1 and "no database" in result.stderr
    assert not (tmp_path / "missing.duckdb").exists()


# --- automatic backups from the running app ----------------------------------------------------

def test_the_schedule_is_off_unless_configured(monkeypatch, source):
    monkeypatch.delenv(backup.EVERY_ENV, raising=False)
    assert backup.schedule_hours() == 0
    assert backup.start_schedule(source) is None
    monkeypatch.setenv(backup.EVERY_ENV, "a day")
    assert backup.schedule_hours() == 0  # not a number: off, with a warning in the log
    monkeypatch.setenv(backup.EVERY_ENV, "24")
    monkeypatch.setenv(backup.KEEP_ENV, "3")
    assert (backup.schedule_hours(), backup.keep_count()) == (24.0, 3)


def test_next_due():
    now = dt.datetime(2026, 11, 27, 12)
    assert backup.next_due(None, now, 24) == now
    assert backup.next_due(now - dt.timedelta(hours=30), now, 24) == now
    assert backup.next_due(now - dt.timedelta(hours=2), now, 24) == now + dt.timedelta(hours=22)


def test_a_due_backup_is_made_and_only_the_newest_are_kept(source, backups):
    schedule = backup.BackupSchedule(source, every_hours=24, keep=2)
    start = dt.datetime(2026, 11, 1, 3)
    made = [schedule.run_once(start + dt.timedelta(hours=h)) for h in (0, 1, 24, 30, 48, 72)]
    # due at 0, 24, 48 and 72 hours; not 1 or 30 hours in
    assert [m is not None for m in made] == [True, False, True, False, True, True]
    kept = backup.list_backups(backups)
    assert [b["path"] for b in kept] == [made[5], made[4]]
    assert not made[0].exists() and not made[2].exists()
    rows = backup.row_counts(source)
    assert json.loads((made[5] / backup.MANIFEST).read_text())["tables"] == rows


def test_prune_leaves_other_folders_alone(source, backups):
    first = backup.backup_now(source, now=dt.datetime(2026, 1, 1))
    backup.backup_now(source, now=dt.datetime(2026, 1, 2))
    mine = backups / "my-notes"
    mine.mkdir()
    assert backup.prune(1) == [first]
    assert mine.is_dir() and len(backup.list_backups()) == 1
    assert backup.prune(0) == []


def test_the_schedule_runs_in_its_own_thread_while_the_app_holds_the_file(
        monkeypatch, tmp_path, backups):
    monkeypatch.setenv(backup.EVERY_ENV, "24")
    con = db.connect(tmp_path / "app.duckdb")
    try:
        schedule = backup.start_schedule(con)
        schedule.thread.join(timeout=0.1)
        deadline = dt.datetime.now() + dt.timedelta(seconds=20)
        while not schedule.made and dt.datetime.now() < deadline:
            schedule.thread.join(timeout=0.1)
        assert len(schedule.made) == 1 and schedule.made[0].parent == backups.resolve()
        assert schedule.thread.is_alive()  # asleep until the next one is due
    finally:
        schedule.stop()
        con.close()
    schedule.thread.join(timeout=5)
    assert not schedule.thread.is_alive()
