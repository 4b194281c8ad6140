"""Five students log a conversation at the same moment, each in their own real browser: every
one sees their own confirmation and only their own records, and all five are stored once.

Each student runs in a thread with its own Playwright and Chromium (Playwright's sync API is
not shared between threads); a barrier makes the five "Save conversation" clicks happen
together. The server is this test's own, so that the database can be read after it stops."""

from __future__ import annotations

import threading

import duckdb
from playwright.sync_api import expect, sync_playwright

from tests.e2e import harness
from tests.e2e.harness import Login

STUDENTS = [Login(f"concurrent{n}@e2e.example", f"concurrent-password-{n}", f"Concurrent {n}")
            for n in range(1, 6)]
ADMIN = Login("concurrent-admin@e2e.example", "concurrent-admin-password", "Admin")


def _contact(n: int) -> str:
    return f"Mentor{n} Ferreira"  # one per student; no name is a prefix of another


def _prepare(con) -> None:
    harness.create_accounts(con, ADMIN)  # the first account is the administrator
    harness.create_accounts(con, *STUDENTS)


def _journey(n: int, login: Login, url: str, chromium: str, ready: threading.Barrier,
             results: dict) -> None:
    try:
        with sync_playwright() as playwright:
            browser = harness.launch_browser(playwright, chromium)
            try:
                page = harness.new_page(browser)
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                harness.open_page(page, url)
                harness.sign_in(page, login.email, login.password, timeout=60_000)
                harness.go_to(page, "Log a conversation")
                harness.fill_new_conversation(page, name=_contact(n),
                                              organization=f"Org {n}",
                                              insights=[f"Insight of student {n}"])
                ready.wait(timeout=180)  # all five forms filled: save together
                harness.save_conversation(page)
                success = page.get_by_test_id("stAlertContentSuccess")
                expect(success).to_contain_text(
                    f"Saved your conversation with {_contact(n)}: 1 insight(s)", timeout=60_000)
                harness.open_panel(page, "Recent conversations")
                results[n] = {
                    "success": success.all_inner_texts(),
                    "errors": page.get_by_test_id("stAlertContentError").all_inner_texts()
                              + page.get_by_test_id("stException").all_inner_texts() + errors,
                    "recent": harness.grid_text(page.get_by_test_id("data-grid-canvas")),
                }
            finally:
                browser.close()
    except BaseException as problem:  # reported by the main thread
        ready.abort()
        results[n] = {"failed": repr(problem)}


def test_five_students_log_conversations_at_the_same_time(chromium_path, tmp_path):
    db_path = tmp_path / "concurrent.duckdb"  # outlives the server, to be read after it stops
    with harness.running_app(db_path, prepare=_prepare) as app:
        ready = threading.Barrier(len(STUDENTS))
        results: dict[int, dict] = {}
        threads = [threading.Thread(target=_journey, args=(n, login, app.url, chromium_path,
                                                           ready, results))
                   for n, login in enumerate(STUDENTS, start=1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        log = app.output()
        assert not any(thread.is_alive() for thread in threads), "a browser did not finish"

    failed = {n: r["failed"] for n, r in results.items() if "failed" in r}
    assert not failed, failed
    assert sorted(results) == [1, 2, 3, 4, 5]
    for n, result in results.items():
        others = [_contact(m) for m in results if m != n]
        assert result["errors"] == [], (n, result["errors"])
        assert any(_contact(n) in text for text in result["success"]), (n, result["success"])
        shown = " ".join(result["success"]) + "\n" + result["recent"]
        assert _contact(n) in result["recent"], (n, result["recent"])
        assert not [name for name in others if name in shown], (n, shown)
    assert "Traceback" not in log, log

    stored = _stored(db_path)
    assert stored == {login.email: [_contact(n)] for n, login in enumerate(STUDENTS, start=1)}


def _stored(db_path) -> dict[str, list[str]]:
    """Each student's conversations (by the contact's name), read from the database file."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute("""
            SELECT cr.email, c.name FROM conversations v
            JOIN contacts c ON c.id = v.contact_id
            JOIN credentials cr ON cr.user_id = v.user_id
            ORDER BY cr.email, c.name""").fetchall()
    finally:
        con.close()
    found: dict[str, list[str]] = {}
    for email, name in rows:
        found.setdefault(email, []).append(name)
    return found
