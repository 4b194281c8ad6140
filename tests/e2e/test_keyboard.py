"""A keyboard-only journey (issue #7, WCAG 2.1.1): no mouse, no element.click(), no fill() —
only page.keyboard (Tab, Shift+Tab, Enter, Space, arrow keys, typing), and focus moves only by
keyboard. A student signs in, loads the sample semester, logs a conversation with two insights,
opens the dashboard and reaches every chart's data table ("Show data"). The conversation and its
insights are then read back from the database file.

The app gets its own server (one student account) so the database can be opened once the server
has stopped: DuckDB lets only one process use the file."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import harness
from tests.e2e.harness import Login

STUDENT = Login("keys@e2e.example", "keyboard-password-1", "Kay Board")
CONTACT = "Robin Keys"
ORGANIZATION = "Tabbed Systems"
INSIGHTS = ["Write the SQL before the dashboard", "Ask for the on-call rota on day one"]

# What has keyboard focus: enough to recognise a field, button, link, tab or table.
_FOCUSED = """() => {
    const el = document.activeElement;
    if (el === null || el === document.body) return null;
    const labelled = el.getAttribute('aria-labelledby');
    const labelledText = labelled ? labelled.split(' ').map(id => document.getElementById(id))
        .filter(Boolean).map(node => node.innerText).join(' ') : '';
    const lines = (el.innerText || '').split('\\n').map(s => s.trim()).filter(Boolean);
    return {
        tag: el.tagName.toLowerCase(),
        role: el.getAttribute('role') || '',
        name: (el.getAttribute('aria-label') || labelledText || (lines.length ? lines[lines.length - 1] : '')).trim(),
        testid: el.getAttribute('data-testid') || '',
        within: [...new Set(Array.from(function* () {
            for (let node = el.parentElement; node; node = node.parentElement) {
                const id = node.getAttribute('data-testid');
                if (id) yield id;
            }
        }()))],
    };
}"""


def focused(page) -> dict | None:
    return page.evaluate(_FOCUSED)


def _show(info: dict | None) -> str:
    if info is None:
        return "(nothing)"
    return f"{info['tag']}[{info['role'] or info['testid']}] {info['name']!r}"


def tab_to(page, wanted, what: str, *, backwards: bool = False, limit: int = 120) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies `wanted(info)`; the
    failure lists where focus went."""
    key = "Shift+Tab" if backwards else "Tab"
    visited = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        if info is not None and wanted(info):
            return info
        visited.append(_show(info))
    raise AssertionError(f"{key} never reached {what} in {limit} presses; focus went to:\n  "
                         + "\n  ".join(visited))


def named(name: str, *tags_or_roles: str):
    """A matcher: the focused element's accessible name is `name` (and its tag or role one of
    `tags_or_roles`, when given)."""
    def match(info: dict) -> bool:
        return info["name"] == name and (
            not tags_or_roles or info["tag"] in tags_or_roles or info["role"] in tags_or_roles)
    return match


def press_and_wait(page, key: str) -> None:
    with harness.rerun_after(page, timeout=60_000):
        page.keyboard.press(key)


def _prepare(con):
    harness.create_accounts(con, Login("admin@e2e.example", "admin-password-1", "Ada Admin"))
    harness.create_accounts(con, STUDENT)  # the second account: a student


def test_keyboard_only_journey(browser, tmp_path):
    db_path = tmp_path / "keyboard.duckdb"
    with harness.running_app(db_path, prepare=_prepare) as app:
        page = harness.new_page(browser, "desktop")
        try:
            tables_reached, industry = _journey(page, app.url)
        except Exception:
            harness.save_screenshot(page, "failed-test_keyboard_only_journey")
            print("The server's log (end):\n" + app.output()[-4000:])
            raise
        finally:
            page.context.close()

    # The stored records, read once the server has let go of the file.
    from lib import accounts, db, queries

    con = db.connect(db_path)
    try:
        user = accounts.account_by_email(con, STUDENT.email)
        contacts = {name: cid for cid, name in queries.contact_choices(con, user.id).items()}
        match = [cid for name, cid in contacts.items() if name.startswith(CONTACT)]
        assert len(match) == 1, f"{CONTACT} not stored once: {sorted(contacts)}"
        record = queries.contact_record(con, user.id, match[0])
        assert record["organization"] == ORGANIZATION
        assert record["industry"] == industry
        stored = queries.insight_list(con, user.id, contact_id=match[0])
        assert sorted(stored["text"]) == sorted(INSIGHTS)
        assert stored["conversation_id"].nunique() == 1
    finally:
        con.close()
    assert tables_reached >= 5, f"only {tables_reached} chart tables on the dashboard"


def _journey(page, url: str) -> tuple[int, str]:
    harness.open_page(page, url)

    # Sign in: the "Sign in" tab is the first; Tab into its form, type, Space on the button.
    tab_to(page, named("Email", "input"), "the sign-in Email field")
    page.keyboard.type(STUDENT.email)
    tab_to(page, named("Password", "input"), "the Password field")
    page.keyboard.type(STUDENT.password)
    tab_to(page, named("Sign in", "button"), "the Sign in button")
    press_and_wait(page, "Space")
    expect(harness.sign_out_button(page)).to_be_visible(timeout=15_000)
    harness.wait_for_app(page)

    # The empty dashboard offers the sample semester: Enter on its button.
    tab_to(page, named("Load demo data", "button"), "Load demo data")
    press_and_wait(page, "Enter")
    harness.charts(page).first.wait_for(timeout=30_000)
    harness.wait_for_app(page)

    # To "Log a conversation" through the sidebar's navigation.
    tab_to(page, named("Log a conversation", "a"), "the Log a conversation link")
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Log a conversation", exact=True)).to_be_visible()

    # "Who did you talk to?": the arrow keys open the list; choose "Someone new".
    tab_to(page, lambda i: i["role"] == "combobox" and "Who did you talk to?" in i["name"],
           "Who did you talk to?")
    who = page.get_by_role("combobox", name="Who did you talk to? *", exact=True)
    if not harness.NEW_CONTACT.search(who.input_value()):
        page.keyboard.press("ArrowDown")  # opens the list
        option = page.get_by_role("option", name=harness.NEW_CONTACT)
        option.wait_for()
        for _ in range(60):
            if option.get_attribute("aria-selected") == "true":
                break
            page.keyboard.press("ArrowUp")  # "Someone new" is the first option
        press_and_wait(page, "Enter")
        expect(who).to_have_value(harness.NEW_CONTACT)
        # The new contact's fields are in a panel, closed while there are contacts to choose:
        # Tab to its heading, Enter opens it (in the form: no rerun).
        tab_to(page, lambda i: i["tag"] == "summary" and harness.NEW_CONTACT_PANEL in i["name"],
               "the “Someone new?” panel")
        page.keyboard.press("Enter")
        expect(page.get_by_label("Name *", exact=True)).to_be_visible()
        harness.wait_for_animations(page)

    tab_to(page, named("Name *", "input"), "the contact's Name field")
    page.keyboard.type(CONTACT)
    tab_to(page, named("Organization", "input"), "Organization")
    page.keyboard.type(ORGANIZATION)
    # Industry: open with ArrowDown, move two up ("Other", the default, is the last), Enter
    # (inside the form: no rerun).
    industry_box = page.get_by_role("combobox", name="Industry", exact=True)
    tab_to(page, lambda i: i["role"] == "combobox" and i["name"] == "Industry",
           "the Industry box")
    before = industry_box.input_value()
    page.keyboard.press("ArrowDown")
    page.get_by_role("listbox").first.wait_for()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    industry = industry_box.input_value()
    assert industry and industry != before, f"the arrow keys did not change Industry ({before})"

    for number, text in enumerate(INSIGHTS, start=1):
        tab_to(page, named(f"Insight {number}", "input"), f"Insight {number}")
        page.keyboard.type(text)
    tab_to(page, named(harness.SAVE_CONVERSATION, "button"), "Save conversation")
    press_and_wait(page, "Enter")
    # Announced: Streamlit draws st.success as a live region (role=status; errors are role=alert).
    saved = page.get_by_role("status").or_(page.get_by_role("alert")) \
        .filter(has_text="Saved your conversation with")
    expect(saved).to_be_visible(timeout=15_000)
    expect(saved).to_contain_text("2 insight(s)")

    # Back up to the sidebar (Shift+Tab) and open the dashboard.
    tab_to(page, named("Dashboard", "a"), "the Dashboard link", backwards=True)
    press_and_wait(page, "Enter")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    page.wait_for_function(harness.CHARTS_DRAWN)
    return _reach_every_table(page), industry


def _reach_every_table(page) -> int:
    """Tab to each chart's "Show data", open it with Enter, Tab into its table."""
    charts = harness.charts(page).count()
    assert charts > 0, "the dashboard shows no chart"
    opened = 0
    while opened < charts:
        tab_to(page, lambda i: i["tag"] == "summary" and i["name"] == "Show data",
               f"the Show data of chart {opened + 1} of {charts}")
        press_and_wait(page, "Enter")  # opens the expander; its table is drawn on the rerun
        info = tab_to(page, lambda i: "stDataFrame" in i["within"] or i["testid"] == "stDataFrame",
                      f"the table of chart {opened + 1}", limit=10)
        table = page.locator(":focus")
        expect(table).to_be_visible()
        expander = page.get_by_test_id("stExpander").filter(has=table)
        expect(expander.locator("details")).to_have_attribute("open", re.compile(".*"))
        assert info is not None
        opened += 1
    return opened
