"""Browser tests: the real app served by `streamlit run`, driven by a headless Chromium.

Fixtures: `app_server` (one server for the session, its database prepared with an
administrator, an instructor and a pool of students), `student` (a student account of
`app_server` no other test uses: each test starts with an empty tracker without a server of its
own), `fresh_app` (a new server on its own database, empty or prepared, for tests that need
one), `browser`, `page` (a new browser context per test) and `new_page` (more contexts — more
people — in one test). The helpers the tests call (`wait_for_app`, `rerun_after`, `sign_in`,
`go_to`, …) live in tests/e2e/harness.py, which scripts/screenshots.py uses too."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e import harness
from tests.e2e.harness import Login

ADMIN = Login("admin@e2e.example", "admin-password-1", "Ada Admin")
INSTRUCTOR = Login("teacher@e2e.example", "teacher-password-1", "Tess Teacher")
STUDENT_POOL = [Login(f"student{n:02d}@e2e.example", f"student-password-{n:02d}",
                      f"Student {n:02d}") for n in range(1, 25)]


def _prepare_shared(con) -> None:
    harness.create_accounts(con, ADMIN)  # the first account: the administrator
    harness.create_accounts(con, INSTRUCTOR, role="instructor")
    harness.create_accounts(con, *STUDENT_POOL)  # later sign-ups: students


@pytest.fixture(scope="session")
def app_server(chromium_path):
    """The app on a temporary database with ADMIN, INSTRUCTOR and STUDENT_POOL, shared by every
    test that asks for it. (It asks for Chromium first so that a missing browser skips before
    any server is started.)"""
    with harness.running_app(prepare=_prepare_shared) as app:
        yield app


@pytest.fixture(scope="session")
def _unused_students():
    return list(STUDENT_POOL)


@pytest.fixture
def student(app_server, _unused_students) -> Login:
    """A student of `app_server` with an empty tracker, used by this test only."""
    if not _unused_students:
        pytest.fail("tests/e2e/conftest.py: STUDENT_POOL is used up — make it larger",
                    pytrace=False)
    return _unused_students.pop(0)


@pytest.fixture
def fresh_app(chromium_path):
    """Start another server on its own database: `app = fresh_app()` (empty) or
    `fresh_app(prepare=lambda con: ...)` (see `harness.running_app`). Each one is stopped after
    the test."""
    with ExitStack() as stack:
        yield lambda **options: stack.enter_context(harness.running_app(**options))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = harness.find_chromium()
    if path is None:
        if os.environ.get("CI"):
            # CI must never go green with the browser tests silently skipped.
            pytest.fail(harness.CHROMIUM_MISSING, pytrace=False)
        pytest.skip(harness.CHROMIUM_MISSING)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_browser(playwright, chromium_path)
        try:
            yield browser
        finally:
            browser.close()


def _close(pages: list, request, first: int = 1) -> None:
    """Close the pages' contexts; when the test failed, first keep a screenshot of each as
    test-artifacts/screenshots/failed-<test>.png (the `page` fixture's) or
    failed-<test>-<n>.png (`new_page`'s, n = 2, 3, … in the order they were made)."""
    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for number, page in enumerate(pages, start=first):
        if failed:
            suffix = f"-{number}" if number > 1 else ""
            try:
                harness.save_screenshot(page, f"failed-{request.node.name}{suffix}")
            except Exception:  # the screenshot is a courtesy; never hide the real failure
                pass
        try:
            page.context.close()
        except Exception:
            pass


@pytest.fixture
def page(browser, request):
    """A desktop-sized page in a fresh browser context (so a fresh Streamlit session and no
    cookies). When the test fails, a screenshot of it is kept (see `_close`)."""
    page = harness.new_page(browser, "desktop")
    try:
        yield page
    finally:
        _close([page], request)


@pytest.fixture
def new_page(browser, request):
    """`another = new_page()`: one more page in its own new browser context (another person, or
    the same one on another device). Closed after the test, with a screenshot on failure."""
    pages = []

    def make(viewport: str = "desktop"):
        pages.append(harness.new_page(browser, viewport))
        return pages[-1]

    try:
        yield make
    finally:
        _close(pages, request, first=2)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
