"""Faults as a user meets them in the browser: the app started while another process holds its
database file, and the app started on a file that is not a database.

The page must say what is wrong and how to fix it — never a traceback, a DuckDB message or a
path inside the Python installation — and "Try again" must recover once the cause is gone."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import (
    REPO_ROOT,
    Login,
    create_accounts,
    open_page,
    prepare_database,
    rerun_after,
    save_screenshot,
    sign_in,
)

GATE_HEADING = "Career Conversations can't open its database"
STUDENT = Login("held@e2e.example", "held-password-1", "Hal Held")
# Named without ".duckdb", so that "duckdb" anywhere on the page can only be a leak.
DB_NAME = "career-conversations.db"

# What must never reach the page: a traceback, DuckDB's own wording, Python's insides.
# ("app.py" may appear: the advice names `streamlit run app.py`.)
LEAKS = re.compile(r"Traceback|duckdb|IO Error|Conflicting lock|site-packages|File \"|"
                   r"line \d+, in|Exception|pyenv|/usr/lib/python|\blib/db\.py", re.IGNORECASE)

HOLDER = """
import sys
sys.path.insert(0, sys.argv[1])
from lib import db
con = db.connect(sys.argv[2])  # as another running copy of the app would hold it
print("ready", flush=True)
sys.stdin.read()  # until the test closes our stdin
con.close()
print("closed", flush=True)
"""


def _hold(path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(REPO_ROOT), str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    line = holder.stdout.readline().strip()
    if line != "ready":
        holder.kill()
        raise AssertionError(f"the holder did not open the file: {holder.stderr.read()}")
    return holder


def _release(holder) -> None:
    if holder.poll() is None:
        holder.stdin.close()
        assert holder.stdout.readline().strip() == "closed"
        holder.wait(timeout=15)
    for stream in (holder.stdout, holder.stderr):
        stream.close()


def _page_text(page) -> str:
    return page.locator("body").inner_text()


def _assert_no_leak(page) -> None:
    text = _page_text(page)
    leak = LEAKS.search(text)
    assert leak is None, f"the page shows {leak.group(0)!r}:\n{text}"
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _assert_no_page_menu(page) -> None:
    """No navigation while the database is unavailable: Streamlit's own menu of the files in
    pages/ would offer pages that can only fail (and admin pages by name)."""
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("accounts admin|welcome", re.I))) \
        .to_have_count(0)


def test_database_held_by_another_process_shows_a_clear_page_then_recovers(
        fresh_app, page, tmp_path):
    path = tmp_path / DB_NAME
    prepare_database(path, lambda con: create_accounts(con, ADMIN, STUDENT))
    holder = _hold(path)
    try:
        app = fresh_app(db_path=path)  # the app starts while the file is held
        open_page(page, app.url)
        expect(page.get_by_role("heading", name=GATE_HEADING, exact=True)).to_be_visible()
        error = page.get_by_test_id("stAlertContentError")
        expect(error).to_contain_text(f"The database file {DB_NAME} is in use by another "
                                      f"program (process {holder.pid}).")
        how = page.get_by_test_id("stAlertContentInfo")
        expect(how).to_contain_text("Only one program can use the file at a time.")
        expect(how).to_contain_text("Stop the other program")
        expect(how).to_contain_text("then try again")
        _assert_no_leak(page)
        _assert_no_page_menu(page)
        save_screenshot(page, "fault-database-in-use")
        # Nothing else of the app is reachable meanwhile.
        expect(page.get_by_role("tab", name="Sign in", exact=True)).to_have_count(0)

        # "Try again" while it is still held: the same clear page, no traceback.
        with rerun_after(page):
            page.get_by_role("button", name="Try again", exact=True).click()
        expect(page.get_by_role("heading", name=GATE_HEADING, exact=True)).to_be_visible()
        expect(error).to_contain_text("is in use by another program")
        _assert_no_leak(page)
    finally:
        _release(holder)

    # The file is free: "Try again" opens the app.
    with rerun_after(page):
        page.get_by_role("button", name="Try again", exact=True).click()
    expect(page.get_by_role("heading", name="Career Conversations", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=GATE_HEADING, exact=True)).to_have_count(0)
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    _assert_no_leak(page)
    # …and works: the accounts made before are there.
    sign_in(page, STUDENT.email, STUDENT.password)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def _truncated_database(tmp_path) -> bytes:
    """The first half of a real database file with accounts in it (an unfinished copy)."""
    real = tmp_path / "real" / DB_NAME
    prepare_database(real, lambda con: create_accounts(con, ADMIN, STUDENT))
    data = real.read_bytes()
    return data[:len(data) // 2]


BAD_FILES = {
    "text-file": (lambda tmp: b"name,email\nAda,ada@example.org\n" * 40,
                  "is not a Career Conversations database"),
    "truncated-database": (_truncated_database, "is damaged or incomplete"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_file_that_is_not_a_database_shows_a_clear_page_and_is_never_changed(
        fresh_app, page, tmp_path, kind):
    make, expected = BAD_FILES[kind]
    content = make(tmp_path)
    path = tmp_path / DB_NAME
    path.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()

    app = fresh_app(db_path=path)
    open_page(page, app.url)
    expect(page.get_by_role("heading", name=GATE_HEADING, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(expected)
    how = page.get_by_test_id("stAlertContentInfo")
    expect(how).to_contain_text("point CAREER_CONVERSATIONS_DB at another file", ignore_case=True)
    expect(how).to_contain_text("It has not been changed.")
    # The file's own path is named (it's the user's file); nothing of Python's or DuckDB's.
    text = _page_text(page).replace(str(path), "<the file>")
    leak = LEAKS.search(text)
    assert leak is None, f"the page shows {leak.group(0)!r}:\n{text}"
    _assert_no_page_menu(page)
    save_screenshot(page, f"fault-{kind}")

    with rerun_after(page):
        page.get_by_role("button", name="Try again", exact=True).click()
    expect(page.get_by_role("heading", name=GATE_HEADING, exact=True)).to_be_visible()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(DB_NAME)) == [DB_NAME]
