"""Screenshots of every page with the class demo, at desktop (1280×800) and phone (390×844) size.

    python scripts/screenshots.py [FOLDER]      (or: python -m scripts.screenshots [FOLDER])

Starts the app on a temporary database (your own data is not touched) with the class demo loaded
(lib.demo.load_class_demo: one instructor, two classes of students), and writes
`<role>-<page>-<W>x<H>.png` (what shows first) and `<role>-<page>-<W>x<H>-full.png` (the whole
page) into FOLDER, by default test-artifacts/screenshots/: the welcome screen signed out, every
student page signed in as a demo student, every instructor page signed in as the demo instructor
(the administrator of that database). Needs Chromium, like the browser tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a file, the repository root is not on the path
    sys.path.insert(0, str(REPO_ROOT))

from tests.e2e import harness  # noqa: E402


def _load_class_demo(con) -> list[tuple[str, str, str]]:
    """The prepare step: the class demo, dated today in UTC (the browser's timezone here).
    Returns (role, email, password) of one demo student and of the demo instructor."""
    from lib import demo

    demo.load_class_demo(con, today=dt.datetime.now(dt.timezone.utc).date())
    logins = demo.demo_logins(con)
    instructor = logins[logins["role"] == "instructor"].iloc[0]
    student = logins[logins["role"].str.startswith("student")].iloc[0]
    return [("student", student["email"], student["password"]),
            ("instructor", instructor["email"], instructor["password"])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=harness.SCREENSHOT_DIR,
                        help="where to write the PNGs (default: %(default)s)")
    args = parser.parse_args(argv)

    chromium = harness.find_chromium()
    if chromium is None:
        print(harness.CHROMIUM_MISSING, file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with harness.running_app(prepare=_load_class_demo) as app, sync_playwright() as playwright:
        browser = harness.launch_browser(playwright, chromium)
        try:
            # Signed out: the welcome screen.
            page = harness.new_page(browser, "desktop")
            saved += harness.screenshot_every_page(page, app.url, args.folder, role="welcome")
            page.context.close()
            # Each role in its own browser context, signed in through the form.
            for role, email, password in app.prepared:
                page = harness.new_page(browser, "desktop")
                harness.open_page(page, app.url)
                harness.sign_in(page, email, password)
                harness.wait_for_session_cookie(page)  # each page is opened by its URL
                saved += harness.screenshot_every_page(page, app.url, args.folder, role=role)
                page.context.close()
        finally:
            browser.close()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
