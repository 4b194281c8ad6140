"""Hostile text in the browser: what a student typed is shown as text — never run as script,
never rendered as HTML or markdown, never turned into a link.

The records are stored the way the forms store them (lib.validation, then lib.store) before the
server starts; one contact is also added through the "Add a contact" form."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import (
    Login,
    choose_option,
    create_accounts,
    go_to,
    grid_text,
    open_page,
    rerun_after,
    sign_in,
    wait_for_app,
)

HTML_IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[x](javascript:alert(1))"
BOLD_NAME = "**bold** <b>x</b>"
ORGANIZATION = "<i>Evil</i> & Co"
SCRIPT = "<script>alert('script')</script>"
STUDENT = Login("mallory@e2e.example", "mallory-password-1", "Mallory <b>M</b>")


def _prepare(con) -> None:
    from lib import accounts, store
    from lib.validation import clean_contact, clean_conversation

    create_accounts(con, ADMIN, STUDENT)
    student = accounts.account_by_email(con, STUDENT.email).id
    today = dt.datetime.now(dt.timezone.utc).date()
    contact = store.add_contact(con, student, clean_contact({
        "name": BOLD_NAME, "organization": ORGANIZATION, "industry": "Technology",
        "notes": MD_LINK, "profile_url": "https://example.org/<script>",
    })).id
    store.log_conversation(con, student, clean_conversation({
        "held_on": today - dt.timedelta(days=2), "format": "video",
        "insights": [{"category": "advice", "text": HTML_IMG},
                     {"category": "resource", "text": MD_LINK},
                     {"category": "trend", "text": SCRIPT}],
        "questions": [HTML_IMG], "next_steps": MD_LINK,
    }, today=today), contact_id=contact)


def _watch_dialogs(page) -> list[str]:
    """Every dialog (alert/confirm/prompt) the page opens; each is dismissed at once."""
    opened: list[str] = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def _nothing_rendered(page, dialogs: list[str], where: str) -> None:
    """No trace of the text having been taken as HTML, markdown or script."""
    assert dialogs == [], f"{where}: a dialog opened: {dialogs}"
    expect(page.locator("img[src='x']"), f"{where}: an <img src=x>").to_have_count(0)
    expect(page.locator("a[href^='javascript:' i]"), f"{where}: a javascript: link") \
        .to_have_count(0)
    expect(page.locator("a", has_text=re.compile(r"^x$")), f"{where}: a markdown link") \
        .to_have_count(0)
    expect(page.locator("b:text-is('x'), b:text-is('M'), strong:text-is('bold'),"
                        " i:text-is('Evil')"), f"{where}: user text rendered as HTML/markdown") \
        .to_have_count(0)


def _edit_form(page):
    """The opened contact's "Edit this contact" form (the "Add a contact" tab has the same
    fields)."""
    return page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Save changes", exact=True))


def test_hostile_text_is_shown_literally_on_insights_and_contacts(fresh_app, page):
    dialogs = _watch_dialogs(page)
    app = fresh_app(prepare=_prepare)
    open_page(page, app.url)
    sign_in(page, STUDENT.email, STUDENT.password)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    # The sidebar names the student literally.
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Signed in as Mallory <b>M</b>")
    _nothing_rendered(page, dialogs, "Dashboard")

    # --- Insights: the cards show each insight as plain text --------------------------------
    go_to(page, "Insights")
    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    main = page.get_by_test_id("stMain")
    for text in (HTML_IMG, MD_LINK, SCRIPT):
        expect(main.get_by_text(text, exact=True)).to_be_visible()
    # The card's caption names the contact and organization literally too.
    expect(main.get_by_text(f"{BOLD_NAME} · {ORGANIZATION}", exact=False).first).to_be_visible()
    _nothing_rendered(page, dialogs, "Insights (cards)")

    # The table view (a canvas grid with an accessible copy of its cells).
    with rerun_after(page):  # the Cards/Table switch (a horizontal st.radio)
        # (its input is drawn over by its label: click the label)
        page.get_by_role("radiogroup", name="View", exact=True) \
            .get_by_text("Table", exact=True).click()
    cells = grid_text(page.get_by_test_id("data-grid-canvas").first)
    for text in (HTML_IMG, MD_LINK, SCRIPT, BOLD_NAME, ORGANIZATION):
        assert text in cells, f"{text!r} not in the table: {cells!r}"
    _nothing_rendered(page, dialogs, "Insights (table)")

    # Searching for the payload finds it, as text.
    search = page.get_by_label("Search text", exact=True)
    with rerun_after(page):
        search.fill(HTML_IMG)
        search.press("Enter")
    expect(main.get_by_text(re.compile(r"^1 of 3 insights\.$"))).to_be_visible()
    _nothing_rendered(page, dialogs, "Insights (search)")

    # --- Contacts: the pipeline table, the contact picker, the contact's own fields ----------
    go_to(page, "Contacts & outreach")
    expect(page.get_by_role("heading", name="Contacts & outreach", exact=True)).to_be_visible()
    cells = grid_text(page.get_by_test_id("data-grid-canvas").first)
    assert BOLD_NAME in cells and ORGANIZATION in cells, cells
    _nothing_rendered(page, dialogs, "Contacts (pipeline)")

    choose_option(page, "Contact", f"{BOLD_NAME} — {ORGANIZATION}")
    page.get_by_text("Edit this contact", exact=True).click()  # an expander: no rerun
    edit = _edit_form(page)
    expect(edit.get_by_label("Name *", exact=True)).to_have_value(BOLD_NAME)
    expect(edit.get_by_label("Organization", exact=True)).to_have_value(ORGANIZATION)
    notes = edit.get_by_label("Notes", exact=True)
    expect(notes).to_have_value(MD_LINK)
    expect(notes).to_be_visible()
    expect(edit.get_by_label("Profile URL", exact=True)) \
        .to_have_value("https://example.org/<script>")
    # The delete question quotes the name (a widget label: Streamlit renders markdown there).
    page.get_by_text("Delete this contact", exact=True).click()  # an expander: no rerun
    expect(page.get_by_text(f"{BOLD_NAME} has 0 message(s) and 1 conversation(s).",
                            exact=False)).to_be_visible()
    # The conversation's next steps, in the contact's history table.
    history = page.get_by_test_id("data-grid-canvas").last
    assert MD_LINK in grid_text(history)
    _nothing_rendered(page, dialogs, "Contacts (contact opened)")


def test_a_contact_added_through_the_form_is_shown_literally(app_server, student, page):
    dialogs = _watch_dialogs(page)
    open_page(page, app_server.url)
    sign_in(page, student.email, student.password)
    go_to(page, "Contacts & outreach")
    page.get_by_role("tab", name="Add a contact", exact=True).click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Add contact", exact=True))
    form.get_by_label("Name *", exact=True).fill(BOLD_NAME)
    form.get_by_label("Organization", exact=True).fill(ORGANIZATION)
    form.get_by_label("Notes", exact=True).fill(MD_LINK)
    with rerun_after(page):
        form.get_by_role("button", name="Add contact", exact=True).click()
    # The confirmation quotes the name literally (escaped, not rendered).
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_test_id("stMarkdownContainer")) \
        .to_have_text(f"Added {BOLD_NAME} to your contacts.")
    _nothing_rendered(page, dialogs, "Contacts (after adding)")

    page.get_by_role("tab", name="Pipeline", exact=True).click()
    wait_for_app(page)
    cells = grid_text(page.get_by_test_id("data-grid-canvas").first)
    assert BOLD_NAME in cells and ORGANIZATION in cells, cells
    choose_option(page, "Contact", f"{BOLD_NAME} — {ORGANIZATION}")
    page.get_by_text("Edit this contact", exact=True).click()  # an expander: no rerun
    expect(_edit_form(page).get_by_label("Notes", exact=True)).to_have_value(MD_LINK)
    _nothing_rendered(page, dialogs, "Contacts (contact opened)")
