"""python -m lib.admin: the operator's account commands. Most run in-process through `main`
(same code path, much faster); listing and the locked-file case run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from lib import accounts, admin, db

PASSWORD = "correct horse battery"


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A database with an admin and a student, closed again so the command can open it."""
    path = tmp_path / "cli.duckdb"
    monkeypatch.setenv(db.DB_ENV, str(path))
    con = db.connect(path)
    try:
        accounts.create_account(con, email="ada@example.org", password=PASSWORD,
                                display_name="Ada Admin")
        accounts.create_account(con, email="sam@example.org", password="violet staple 42",
                                display_name="Sam Student")
    finally:
        con.close()
    return path


def stored(path, email: str) -> accounts.Account | None:
    con = db.connect(path)
    try:
        return accounts.account_by_email(con, email)
    finally:
        con.close()


def stored_id(con, email: str) -> int:
    return accounts.account_by_email(con, email).id


def run_main(capsys, *argv) -> tuple[int, str, str]:
    code = admin.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(path, *argv) -> subprocess.CompletedProcess:
    env = {**os.environ, db.DB_ENV: str(path)}
    env.pop(admin.PASSWORD_ENV, None)
    return subprocess.run([sys.executable, "-m", "lib.admin", *argv], cwd=db.PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_list_shows_every_account(database):
    result = run_process(database, "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "email" in lines[0] and "role" in lines[0]
    assert any("ada@example.org" in line and "admin" in line for line in lines)
    assert any("sam@example.org" in line and "student" in line for line in lines)


def test_list_on_an_empty_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(db.DB_ENV, str(tmp_path / "empty.duckdb"))
    code, out, _ = run_main(capsys, "list")
    assert code == 0 and "No accounts yet" in out


def test_make_instructor_admin_and_back(database, capsys):
    code, out, err = run_main(capsys, "make-instructor", "SAM@example.org")
    assert (code, err) == (0, "")
    assert "sam@example.org is now an instructor" in out.lower()
    assert stored(database, "sam@example.org").role == "instructor"
    assert run_main(capsys, "make-admin", "sam@example.org")[0] == 0
    assert stored(database, "sam@example.org").role == "admin"
    assert run_main(capsys, "make-student", "sam@example.org")[0] == 0
    assert stored(database, "sam@example.org").role == "student"


def test_the_last_admin_cannot_be_demoted_from_the_shell_either(database, capsys):
    code, out, err = run_main(capsys, "make-student", "ada@example.org")
    assert code == 1 and out == ""
    assert accounts.LAST_ADMIN in err
    assert stored(database, "ada@example.org").role == "admin"


def test_unknown_email_is_explained(database, capsys):
    code, out, err = run_main(capsys, "disable", "nobody@example.org")
    assert code == 1 and out == ""
    assert "No account has the email nobody@example.org" in err


def test_disable_and_enable(database, capsys):
    con = db.connect(database)
    try:
        token = accounts.start_session(con, stored_id(con, "sam@example.org"))
    finally:
        con.close()
    assert run_main(capsys, "disable", "sam@example.org")[0] == 0
    con = db.connect(database)
    try:
        assert accounts.account_by_email(con, "sam@example.org").disabled
        assert accounts.session_account(con, token) is None
    finally:
        con.close()
    assert run_main(capsys, "enable", "sam@example.org")[0] == 0
    assert not stored(database, "sam@example.org").disabled


def test_reset_code_is_printed_and_works(database, capsys):
    code, out, _ = run_main(capsys, "reset-code", "sam@example.org")
    assert code == 0
    reset_code = out.split(": ", 1)[1].split()[0]
    assert len(reset_code) == 10
    con = db.connect(database)
    try:
        accounts.reset_password(con, "sam@example.org", reset_code, "lilac harbor 77")
        assert accounts.authenticate(con, "sam@example.org", "lilac harbor 77").role == "student"
    finally:
        con.close()


def test_create_admin_with_password_from_the_environment(database, capsys, monkeypatch):
    monkeypatch.setenv(admin.PASSWORD_ENV, "teal lantern 88")
    code, out, err = run_main(capsys, "create-admin", "Tia@Example.org", "--name", "Tia")
    assert (code, err) == (0, "")
    con = db.connect(database)
    try:
        assert accounts.authenticate(con, "tia@example.org", "teal lantern 88").role == "admin"
    finally:
        con.close()
    code, _, err = run_main(capsys, "create-admin", "tia@example.org", "--name", "Tia")
    assert code == 1 and "make-admin" in err


def test_create_admin_refuses_a_weak_password(database, capsys, monkeypatch):
    monkeypatch.setenv(admin.PASSWORD_ENV, "password")
    code, out, err = run_main(capsys, "create-admin", "tia@example.org", "--name", "Tia")
    assert code == 1 and out == "" and "too easy to guess" in err
    assert stored(database, "tia@example.org") is None


def test_create_admin_prompts_for_the_password(database, capsys, monkeypatch):
    monkeypatch.delenv(admin.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(admin.getpass, "getpass", lambda prompt="": "teal lantern 88")
    code, _, err = run_main(capsys, "create-admin", "tia@example.org", "--name", "Tia")
    assert (code, err) == (0, "")
    assert stored(database, "tia@example.org").is_admin


def test_first_admin_on_a_new_database(tmp_path, capsys, monkeypatch):
    path = tmp_path / "new.duckdb"
    monkeypatch.setenv(db.DB_ENV, str(path))
    monkeypatch.setenv(admin.PASSWORD_ENV, "teal lantern 88")
    assert run_main(capsys, "create-admin", "tia@example.org", "--name", "Tia")[0] == 0
    assert stored(path, "tia@example.org").is_admin


def test_a_database_in_use_is_explained_without_a_traceback(tmp_path):
    path = tmp_path / "locked.duckdb"
    holder = duckdb.connect(str(path))  # this test process now holds the file's lock
    try:
        result = run_process(path, "list")
    finally:
        holder.close()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "in use by another program" in result.stderr
    assert "try again" in result.stderr
    assert result.stdout == ""


def test_help_needs_no_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(db.DB_ENV, str(tmp_path / "never-created.duckdb"))
    with pytest.raises(SystemExit) as exited:
        admin.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("list", "make-instructor", "make-admin", "disable", "enable", "reset-code",
                    "create-admin"):
        assert command in out
    assert not (tmp_path / "never-created.duckdb").exists()
