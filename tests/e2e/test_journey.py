"""A student's first visits, in a real browser against the real server and database.

Each test signs in as its own student of the shared server (the `student` fixture), so it starts
with an empty tracker without starting a server of its own."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ADMIN
from tests.e2e.harness import (
    CHART,
    NEW_CONTACT,
    PAGES,
    REPO_ROOT,
    SESSION_COOKIE,
    Login,
    create_accounts,
    fill_new_conversation,
    go_to,
    load_demo,
    metric_value,
    open_page,
    rerun_after,
    save_conversation,
    screenshot_every_page,
    sign_in,
    wait_for_session_cookie,
)

WELCOME = "Welcome! Let's log your first informational interview"
# The dashboard's count of conversations held (its label was shortened from "Conversations held").
CONVERSATIONS_METRIC = re.compile(r"^Conversations( held)?$")


def first_steps_panel(page):
    return page.get_by_role("heading", name=WELCOME, exact=True)


def held_on() -> dt.date:
    # The browser runs in UTC (see harness.new_page), so "today" in the app is UTC's today.
    return dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=2)


def signed_in_student(page, app, student) -> None:
    open_page(page, app.url)
    sign_in(page, student.email, student.password)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def test_first_conversation_shows_on_the_dashboard(app_server, student, page):
    signed_in_student(page, app_server, student)
    expect(first_steps_panel(page)).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)

    go_to(page, "Log a conversation")
    expect(page.get_by_role("heading", name="Log a conversation", exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name="Who did you talk to? *", exact=True)) \
        .to_have_value(NEW_CONTACT)
    fill_new_conversation(page, name="Ada Lovelace", organization="Analytical Engines",
                          held_on=held_on(),
                          insights=["Pair programming is how juniors learn fastest",
                                    "Read the company's engineering blog before applying"])
    expect(page.get_by_role("spinbutton", name="day, Date held *", exact=True)) \
        .to_have_attribute("aria-valuenow", str(held_on().day))
    save_conversation(page)

    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("Saved your conversation with Ada Lovelace: 2 insight(s)")
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)

    go_to(page, "Dashboard")
    expect(first_steps_panel(page)).to_have_count(0)
    expect(metric_value(page, CONVERSATIONS_METRIC)).to_have_text("1")


def test_new_contact_without_a_name_is_refused_and_nothing_is_stored(app_server, student, page):
    signed_in_student(page, app_server, student)
    go_to(page, "Log a conversation")
    fill_new_conversation(page, name="", organization="Analytical Engines",
                          insights=["Learn SQL properly"])
    save_conversation(page)

    errors = page.get_by_test_id("stAlertContentError")
    # Under the field, and again in the summary below the form.
    expect(errors.filter(has_text="Name is required", has_not_text="Nothing was saved")) \
        .to_be_visible()
    expect(errors.filter(has_text="Nothing was saved. Please fix:")) \
        .to_contain_text("Name is required")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)
    # What the student typed is still there to correct.
    expect(page.get_by_label("Organization", exact=True)).to_have_value("Analytical Engines")
    expect(page.get_by_label("Insight 1", exact=True)).to_have_value("Learn SQL properly")

    go_to(page, "Dashboard")
    expect(first_steps_panel(page)).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)


def test_insight_text_is_shown_literally_and_never_runs(app_server, student, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    payload = "<img src=x onerror=alert(1)>"

    signed_in_student(page, app_server, student)
    go_to(page, "Log a conversation")
    fill_new_conversation(page, name="Grace <b>Hopper</b>", organization="<i>Navy</i>",
                          insights=[payload])
    save_conversation(page)
    expect(page.get_by_test_id("stAlertContentSuccess")) \
        .to_contain_text("Saved your conversation with Grace <b>Hopper</b>")

    go_to(page, "Insights")
    search = page.get_by_label("Search text", exact=True)
    with rerun_after(page):
        search.fill(payload)
        search.press("Enter")
    expect(page.get_by_text(re.compile(r"^1 of \d+ insights\.$"))).to_be_visible()
    # As a card: the text as typed, and the contact's name in its caption.
    expect(page.get_by_test_id("stText").filter(has_text=payload)).to_have_text(payload)
    expect(page.get_by_test_id("stCaptionContainer")
           .filter(has_text="Grace <b>Hopper</b> · <i>Navy</i>")).to_have_count(1)
    # In the table (drawn on a canvas: read through its accessible copy, see `grid_text`).
    with rerun_after(page):  # the Cards/Table switch (a horizontal st.radio: click its label)
        page.get_by_role("radiogroup", name="View", exact=True) \
            .get_by_text("Table", exact=True).click()
    grid = page.get_by_test_id("data-grid-canvas")
    grid.focus()
    insight_cells = grid.locator("td[aria-colindex='3']")
    expect(insight_cells).to_have_text([payload])
    expect(page.locator("img[src='x']")).to_have_count(0)
    expect(page.locator("b", has_text="Hopper")).to_have_count(0)
    expect(page.locator("i", has_text="Navy")).to_have_count(0)
    assert dialogs == []


def no_error_shown(page, title: str) -> None:
    expect(page.get_by_test_id("stAlertContentError"), f"an error on {title}").to_have_count(0)
    expect(page.get_by_test_id("stException"), f"an exception on {title}").to_have_count(0)


@pytest.mark.skipif(not (REPO_ROOT / "lib" / "demo.py").exists(),
                    reason="lib/demo.py (the demo data loader) does not exist yet")
def test_demo_data_fills_the_dashboard_and_every_page(app_server, student, page):
    signed_in_student(page, app_server, student)
    load_demo(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Demo data loaded")
    expect(first_steps_panel(page)).to_have_count(0)
    charts = page.locator(CHART)
    expect(charts.nth(3)).to_be_visible()  # at least four charts
    assert charts.count() >= 4
    expect(metric_value(page, CONVERSATIONS_METRIC)).not_to_have_text("0")
    no_error_shown(page, "Dashboard")

    # Each page is opened by its URL, as a new browser session: signed in by the cookie.
    wait_for_session_cookie(page)
    # At desktop size only, and what shows first: scripts/screenshots.py takes the full set.
    saved = screenshot_every_page(page, app_server.url, role="student", check=no_error_shown,
                                  full_length=False, viewports=("desktop",))
    assert all(path.stat().st_size > 0 for path in saved)


def test_a_link_to_a_page_opened_first_opens_that_page(fresh_app, page):
    from lib import accounts

    student = Login("linked@e2e.example", "linked-password-1", "Lin Linked")

    def prepare(con) -> str:
        create_accounts(con, ADMIN, student)
        return accounts.start_session(con, accounts.account_by_email(con, student.email).id)

    app = fresh_app(prepare=prepare)
    # Signed in (by the cookie) before the server has answered any request.
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": app.prepared, "url": app.url}])
    open_page(page, app.url, "insights")
    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    for title, _ in PAGES["student"]:
        expect(nav.get_by_role("link", name=title, exact=True)).to_have_count(1)
    # Not the old-style listing of every file in pages/ (plus app.py).
    expect(nav.get_by_role("link", name="app", exact=True)).to_have_count(0)


def test_a_link_opened_first_while_signed_out_asks_to_sign_in_then_opens_that_page(fresh_app,
                                                                                  page):
    student = Login("later@e2e.example", "later-password-1", "Lee Later")
    app = fresh_app(prepare=lambda con: create_accounts(con, ADMIN, student))
    open_page(page, app.url, "insights")  # the server's first request, nobody signed in
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    # Not the old-style listing of every file in pages/ (admin pages included).
    for name in ("app", "accounts admin", "insights"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
    sign_in(page, student.email, student.password)
    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()


def test_after_a_save_the_form_is_empty_for_the_next_conversation(app_server, student, page):
    signed_in_student(page, app_server, student)
    go_to(page, "Log a conversation")
    fill_new_conversation(page, name="Ada Lovelace", organization="Analytical Engines",
                          insights=["Pair programming is how juniors learn fastest"])
    save_conversation(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Saved your conversation")

    expect(page.get_by_label("Insight 1", exact=True)).to_have_value("", timeout=2_000)
    expect(page.get_by_role("combobox", name="Who did you talk to? *", exact=True)) \
        .to_have_value("", timeout=2_000)
