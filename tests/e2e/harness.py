"""Start the real app and a headless Chromium: shared by the browser tests (conftest.py) and
scripts/screenshots.py. Plain functions, no pytest here."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

REPO_ROOT = Path(__file__).resolve().parents[2]
DB_ENV = "CAREER_CONVERSATIONS_DB"  # same name as lib.db.DB_ENV; not imported to keep this light
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
STARTUP_TIMEOUT_S = 30.0

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]
CHROMIUM_MISSING = ("Chromium not found: install it with `sudo apt-get install chromium` "
                    "(Debian/Ubuntu) or set CHROMIUM_PATH")

# Per role: (page title in the navigation, URL path). Each role's first page is its default,
# served at "/". Signed out there is one page, the welcome screen (its heading is the app name).
PAGES = {
    "welcome": [("Welcome", "")],
    "student": [
        ("Dashboard", ""),
        ("Contacts & outreach", "contacts"),
        ("Log a conversation", "log_conversation"),
        ("Insights", "insights"),
        ("Prepare", "prepare"),
        ("Career goals", "career_goals"),
        ("Import & export", "import_export"),
        ("My account", "account"),
    ],
    # An administrator (the first account on a database) is also an instructor.
    "instructor": [
        ("Class dashboard", ""),
        ("Classes", "classes"),
        ("Compare classes", "compare_classes"),
        ("My account", "account"),
        ("Accounts", "accounts_admin"),  # administrators only
    ],
}
# Page title -> URL path, for `go_to`; the roles' default pages ("") have their own paths too.
_PATHS = {title: path for pages in PAGES.values() for title, path in pages if path}
_PATHS.update({"Dashboard": "dashboard", "Class dashboard": "class_dashboard"})
# The heading a page shows, where it differs from its title in the navigation.
HEADINGS = {"Welcome": "Career Conversations"}
SESSION_COOKIE = "cc_session"  # lib.ui.SESSION_COOKIE
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass(frozen=True)
class Login:
    email: str
    password: str
    name: str


def create_accounts(con, *logins: Login, role: str | None = None) -> None:
    """Sign `logins` up in this order (`prepare` step): with `role=None` as the app does — the
    first account on a database becomes its administrator, later ones students — else with
    that role."""
    from lib import accounts

    for login in logins:
        if role is None:
            accounts.create_account(con, email=login.email, password=login.password,
                                    display_name=login.name)
        else:
            accounts.create_account_as_operator(con, email=login.email, password=login.password,
                                                display_name=login.name, role=role)


class AppDidNotStart(RuntimeError):
    """The server exited or was not healthy in time; the message carries its output."""


@dataclass
class RunningApp:
    url: str
    db_path: Path
    process: subprocess.Popen
    log_path: Path
    prepared: Any = None  # what `prepare(con)` returned

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a server process we started (kill it if it does not exit within `timeout`)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def prepare_database(db_path: Path, prepare: Callable[[Any], Any]) -> Any:
    """Open the database file with `lib.db.connect` (creating and migrating it), run
    `prepare(con)` — e.g. `lib.accounts.create_account(con, …)` — and close it again: DuckDB
    lets one process at a time use the file, so this must happen before the server starts."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from lib import db

    con = db.connect(db_path)
    try:
        return prepare(con)
    finally:
        con.close()


@contextmanager
def running_app(db_path: Path | None = None, *, prepare: Callable[[Any], Any] | None = None,
                timeout: float = STARTUP_TIMEOUT_S) -> Iterator[RunningApp]:
    """The app served by `streamlit run` on a free port, with its own database file (a fresh
    temporary one unless `db_path` is given). `prepare(con)`, if given, runs on the database
    before the server starts (see `prepare_database`); its result is `RunningApp.prepared`.
    Stopped, and the temporary files removed, on exit."""
    with tempfile.TemporaryDirectory(prefix="career-conversations-e2e-") as tmp:
        db_path = Path(db_path) if db_path is not None else Path(tmp) / "e2e.duckdb"
        log_path = Path(tmp) / "server.log"
        prepared = prepare_database(db_path, prepare) if prepare is not None else None
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, DB_ENV: str(db_path), "PYTHONUNBUFFERED": "1"}
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless=true", "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none", f"--server.port={port}",
            "--server.address=127.0.0.1",
        ]
        # Output goes to a file, not a pipe: a pipe nobody reads would fill and block the server.
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        app = RunningApp(url=url, db_path=db_path, process=process, log_path=log_path,
                         prepared=prepared)
        try:
            deadline = time.monotonic() + timeout
            while not healthy(url):
                if process.poll() is not None:
                    raise AppDidNotStart(f"The app exited with code {process.returncode} before "
                                         f"it was healthy. Its output:\n{app.output()}")
                if time.monotonic() > deadline:
                    raise AppDidNotStart(f"The app was not healthy at {url} after {timeout:.0f} "
                                         f"s. Its output:\n{app.output()}")
                time.sleep(0.1)
            yield app
        finally:
            stop_process(process)


def find_chromium() -> str | None:
    """$CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        return configured if Path(configured).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def launch_browser(playwright, executable_path: str):
    return playwright.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)


def new_page(browser, viewport: str = "desktop"):
    """A page in its own context (own cookies, so its own Streamlit session), in UTC so that
    "today" in the app is the same date the test computes."""
    context = browser.new_context(viewport=VIEWPORTS[viewport], timezone_id="UTC",
                                  locale="en-US")
    return context.new_page()


# Widgets whose code is still loading are drawn as skeletons for up to a second after the script
# has finished; a test must not act on them yet.
_SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid="stSkeleton"]') === null;
}"""


def wait_for_app(page, *, timeout: float = 15_000, settle_ms: int = 50) -> None:
    """Wait until the app is connected, its script is not running and no widget is still a
    loading skeleton; then a short settle and the same check again.

    Right after a click the old state can still read `notRunning` for a moment: use
    `rerun_after` for actions that rerun the script, and assert with Playwright's `expect`
    (which retries) rather than reading the page once."""
    page.wait_for_function(_SETTLED, timeout=timeout)
    if settle_ms:
        page.wait_for_timeout(settle_ms)
        page.wait_for_function(_SETTLED, timeout=timeout)


_WATCH_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__e2eRunStarted = false;
    if (window.__e2eRunObserver) window.__e2eRunObserver.disconnect();
    window.__e2eRunObserver = new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') !== 'notRunning') {
            window.__e2eRunStarted = true;
        }
    });
    window.__e2eRunObserver.observe(app, {attributes: true,
                                         attributeFilter: ['data-test-script-state']});
}"""


@contextmanager
def rerun_after(page, *, start_timeout: float = 3_000, timeout: float = 15_000):
    """`with rerun_after(page): button.click()` — returns once the rerun the action caused has
    finished. If no rerun is seen starting within `start_timeout` ms (an action that does not
    rerun), it just waits for the app to be idle."""
    page.evaluate(_WATCH_RUNS)
    yield
    try:
        page.wait_for_function("() => window.__e2eRunStarted === true", timeout=start_timeout)
    except PlaywrightTimeoutError:
        pass
    wait_for_app(page, timeout=timeout)


def open_page(page, base_url: str, path: str = "") -> None:
    page.goto(f"{base_url}/{path}")
    wait_for_app(page)


def save_screenshot(page, name: str, folder: Path | str = SCREENSHOT_DIR) -> Path:
    """Save what the viewport shows as `<folder>/<name>.png`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    page.screenshot(path=str(target))
    return target


# --- Driving the app's widgets ---------------------------------------------------------------

def navigation_link(page, title: str):
    """The link to the page `title` in the app's navigation: the sidebar (st.navigation's own
    menu, or page links drawn there) or the top bar."""
    return page.locator('[data-testid="stSidebar"], [data-testid="stHeader"]') \
        .get_by_role("link", name=title, exact=True)


def go_to(page, title: str) -> None:
    """Open a page through the navigation, as a user would (desktop width).

    When the app shows no link to it (the navigation is hidden: `client.showSidebarNavigation
    = false` hides st.navigation's sidebar menu too), the page is opened by its URL instead —
    a new session, signed in by the cookie — with a warning, so that one missing menu does not
    stop every journey; test_accounts.py checks the menu itself."""
    link = navigation_link(page, title)
    if link.count() == 0:
        path = _PATHS.get(title)
        if path is None:
            raise AssertionError(f"No link to {title!r} in the navigation")
        warnings.warn(f"No link to {title!r} in the app's navigation: opened /{path} instead",
                      stacklevel=2)
        open_page(page, re.match(r"^https?://[^/]+", page.url).group(0), path)
        return
    with rerun_after(page):
        link.click()


# --- Accounts --------------------------------------------------------------------------------

def welcome_tab(page, name: str):
    """The panel of a tab on the welcome screen ("Sign in", "Create an account", "Explore the
    demo"); several of them have fields with the same labels, so look for fields in here."""
    return page.get_by_role("tabpanel", name=name, exact=True)


def open_welcome_tab(page, name: str):
    """Click a tab of the welcome screen (switching tabs does not rerun) and return its panel."""
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    panel = welcome_tab(page, name)
    panel.wait_for()
    return panel


def sign_out_button(page):
    """The sidebar's "Sign out" button: shown to every signed-in role, never signed out."""
    return page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")


def sign_in_form(page):
    """The sign-in form (the "Sign in" tab also holds the password-reset form, with its own
    "Email" field)."""
    submit = page.get_by_role("button", name="Sign in", exact=True)
    return welcome_tab(page, "Sign in").get_by_test_id("stForm").filter(has=submit)


def submit_sign_in(page, email: str, password: str) -> None:
    """Fill and send the "Sign in" tab's form (on the welcome screen, signed out)."""
    open_welcome_tab(page, "Sign in")
    form = sign_in_form(page)
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Password", exact=True).fill(password)
    with rerun_after(page):
        form.get_by_role("button", name="Sign in", exact=True).click()


def sign_in(page, email: str, password: str, *, timeout: float = 15_000) -> None:
    """Sign in through the welcome screen's form and wait until the sidebar shows the signed-in
    user ("Sign out"). The page must show the welcome screen (e.g. `open_page(page, app.url)`
    in a new context)."""
    submit_sign_in(page, email, password)
    try:
        sign_out_button(page).wait_for(timeout=timeout)
    except PlaywrightTimeoutError:
        alerts = page.get_by_test_id("stAlert").all_inner_texts()
        raise AssertionError(f"Signing in as {email} did not show the signed-in sidebar; "
                             f"messages on the page: {alerts}") from None
    wait_for_app(page)


def sign_out(page) -> None:
    """Click "Sign out" in the sidebar and wait for the welcome screen."""
    with rerun_after(page):
        sign_out_button(page).click()
    page.get_by_role("tab", name="Sign in", exact=True).wait_for()
    wait_for_app(page)


def session_cookie(page) -> str | None:
    """The value of the session cookie in the page's browser context, if set."""
    for cookie in page.context.cookies():
        if cookie["name"] == SESSION_COOKIE:
            return cookie["value"]
    return None


def wait_for_session_cookie(page, present: bool = True, timeout: float = 5.0) -> None:
    """Wait until the app's script has set (or cleared) the session cookie in the browser."""
    deadline = time.monotonic() + timeout
    while bool(session_cookie(page)) != present:
        if time.monotonic() > deadline:
            raise AssertionError(f"The {SESSION_COOKIE} cookie was "
                                 f"{'not set' if present else 'not cleared'} in {timeout} s")
        page.wait_for_timeout(50)


def choose_option(page, label: str, option: str | re.Pattern) -> None:
    """Pick `option` in the selectbox labelled `label` (Streamlit selectboxes are comboboxes).
    Outside a form the choice reruns the script; inside one it does not."""
    combobox = page.get_by_role("combobox", name=label, exact=True)
    in_form = combobox.locator("xpath=ancestor::*[@data-testid='stForm']").count() > 0

    choice = page.get_by_role("option", name=option, exact=True)

    def pick() -> None:
        # A click right after a rerun sometimes only focuses the box without opening its list:
        # then open it from the keyboard.
        combobox.click()
        for attempt in range(3):
            try:
                choice.wait_for(timeout=1_500)
                break
            except PlaywrightTimeoutError:
                if attempt == 2:
                    raise AssertionError(f"The list of {label!r} did not open, or has no "
                                         f"option {option!r}") from None
                combobox.focus()
                page.keyboard.press("ArrowDown")
        choice.click()

    if in_form:
        pick()
    else:
        with rerun_after(page):
            pick()


def set_checkbox(page, label: str, checked: bool) -> None:
    """Tick or untick the `st.checkbox` labelled `label` (its input is drawn over by its label:
    click that). Inside a form this does not rerun."""
    box = page.get_by_role("checkbox", name=label, exact=True)
    if box.is_checked() != checked:
        page.get_by_test_id("stCheckbox").filter(has=box).locator("label").first.click()
    if box.is_checked() != checked:
        raise AssertionError(f"Could not {'tick' if checked else 'untick'} {label!r}")


def set_date(page, label: str, day) -> None:
    """Type `day` (a datetime.date) into the date input labelled `label`: Streamlit 1.67 draws
    it as year, month and day spin buttons."""
    for part, value in (("year", f"{day:%Y}"), ("month", f"{day:%m}"), ("day", f"{day:%d}")):
        segment = page.get_by_role("spinbutton", name=f"{part}, {label}", exact=True)
        segment.click()
        page.keyboard.type(value)


def metric(page, label: str | re.Pattern):
    """The `st.metric` whose label is exactly `label` (or matches the pattern): a Locator."""
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))


def metric_value(page, label: str | re.Pattern):
    return metric(page, label).get_by_test_id("stMetricValue")


# A chart as lib.ui.chart_block draws it: an SVG image rendered on the server.
CHART = "img.cc-chart"
CHARTS_DRAWN = """() => [...document.querySelectorAll('img.cc-chart')]
    .every(img => img.complete && img.naturalWidth > 0)"""


def charts(page):
    """The page's charts (a locator over their images)."""
    return page.locator(CHART)


def load_demo(page) -> None:
    """On the empty dashboard: click "Load demo data" and wait for the charts."""
    with rerun_after(page, timeout=60_000):
        page.get_by_role("button", name="Load demo data", exact=True).click()
    charts(page).first.wait_for(timeout=30_000)
    wait_for_app(page)


# --- Screenshots -----------------------------------------------------------------------------

_CONTENT_HEIGHT = """() => {
    // The main area scrolls inside the app, not the document: measure what it holds.
    const main = document.querySelector('[data-testid="stMain"]');
    const sidebar = document.querySelector('[data-testid="stSidebarContent"]');
    return Math.max(main ? main.scrollHeight : 0, sidebar ? sidebar.scrollHeight : 0,
                    document.documentElement.scrollHeight);
}"""


def screenshot_full_length(page, name: str, folder: Path | str = SCREENSHOT_DIR) -> Path:
    """The whole page at the current width: the viewport is made as tall as the content for the
    shot (a page screenshot alone stops at the fold, since Streamlit scrolls an inner element)."""
    size = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT)
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height})
        wait_for_app(page)
    try:
        return save_screenshot(page, name, folder)
    finally:
        page.set_viewport_size(size)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def screenshot_every_page(page, base_url: str, folder: Path | str = SCREENSHOT_DIR, *,
                          role: str = "student", check=None, full_length: bool = True,
                          viewports: tuple[str, ...] = tuple(VIEWPORTS)) -> list[Path]:
    """Open each of `role`'s pages (`PAGES[role]`; the page must already be signed in as that
    role, or signed out for "welcome") at each viewport size and save
    `<role>-<page>-<W>x<H>.png` (what shows first; `welcome-<W>x<H>.png` for the welcome
    screen) and `…-full.png` (the whole page).
    `check(page, title)` runs on each page before its screenshots, e.g. to assert that no error
    is shown. `full_length=False` skips the `-full` shots; `viewports` names the sizes (keys of
    VIEWPORTS), all by default. The viewport is left at the last size."""
    saved = []
    for size in (VIEWPORTS[name] for name in viewports):
        page.set_viewport_size(size)
        for title, path in PAGES[role]:
            open_page(page, base_url, path)
            page.get_by_role("heading", name=HEADINGS.get(title, title), exact=True).wait_for()
            if check is not None:
                check(page, title)
            name = role if _slug(title) == role else f"{role}-{_slug(title)}"
            stem = f"{name}-{size['width']}x{size['height']}"
            saved.append(save_screenshot(page, stem, folder))
            if full_length:
                saved.append(screenshot_full_length(page, f"{stem}-full", folder))
    return saved


# --- Logging a conversation ------------------------------------------------------------------

# "Who did you talk to?"'s option for adding someone (matched at the end: an emoji or icon in
# front of it has come and gone).
NEW_CONTACT = re.compile(r"Someone new — add them below$")
# The panel with the new contact's fields (in the form; open while no contact exists yet).
NEW_CONTACT_PANEL = "Someone new? Their name, organization and role"
SAVE_CONVERSATION = "Save conversation"


def wait_for_animations(page) -> None:
    """Until nothing on the page is animating: a selectbox in an expander that is still opening
    ignores the ArrowDown that would open its list (the first ~0.2 s; a person is slower)."""
    page.wait_for_function("() => document.getAnimations().length === 0")


def open_new_contact_panel(page) -> None:
    """Open the "Someone new?" panel of the conversation form unless it is open (no rerun)."""
    name = page.get_by_label("Name *", exact=True)
    if not name.is_visible():
        page.locator("summary").filter(has_text=NEW_CONTACT_PANEL).click()
        name.wait_for(state="visible")
        wait_for_animations(page)


def fill_new_conversation(page, *, name: str, organization: str, insights: list[str],
                          held_on=None, industry: str | None = None,
                          share: bool | None = None) -> None:
    """On "Log a conversation": someone new, with insight texts (not yet saved). `held_on` (a
    date; default: the form's default, today), `industry` (default: the form's, "Other") and
    `share` ("Share my insights with my class") are set only when given."""
    who = page.get_by_role("combobox", name="Who did you talk to? *", exact=True)
    if not NEW_CONTACT.search(who.input_value()):  # the default only while no contact exists
        choose_option(page, "Who did you talk to? *", NEW_CONTACT)
    open_new_contact_panel(page)
    page.get_by_label("Name *", exact=True).fill(name)
    page.get_by_label("Organization", exact=True).fill(organization)
    if industry is not None:
        choose_option(page, "Industry", industry)
    if held_on is not None:
        set_date(page, "Date held *", held_on)
    for number, text in enumerate(insights, start=1):
        page.get_by_label(f"Insight {number}", exact=True).fill(text)
    if share is not None:
        set_checkbox(page, "Share my insights with my class", share)


def open_panel(page, label: str) -> None:
    """Open the `st.expander` whose heading has `label`, if closed; its content is drawn once it
    is opened (on_change="rerun"): wait for that run."""
    details = page.locator("details").filter(
        has=page.locator("summary").filter(has_text=label)).first
    if details.get_attribute("open") is None:
        with rerun_after(page):
            details.locator("summary").first.click()
        wait_for_animations(page)


def save_conversation(page) -> None:
    with rerun_after(page):
        page.get_by_role("button", name=SAVE_CONVERSATION, exact=True).click()


# --- Reading tables --------------------------------------------------------------------------

def grid_text(grid) -> str:
    """The text of the cells a `st.dataframe` shows. The table is drawn on a canvas; once
    focused, the grid puts an accessible copy of its visible cells inside it — the text a screen
    reader (and a test) gets: the column headers, then the cells row by row, one a line.
    `grid` is a `data-grid-canvas` Locator (exactly one)."""
    grid.focus()
    grid.locator("th").first.wait_for(state="attached", timeout=5_000)  # headers: always there
    return "\n".join(grid.locator("th, td").all_inner_texts())
