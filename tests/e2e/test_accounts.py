"""Accounts and classes (issue 3), in a real browser against the real server and database:
the first start, signing in and out, and an instructor's class seen through a student's work."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lib import demo
from tests.e2e.conftest import INSTRUCTOR
from tests.e2e.harness import (
    CHART,
    PAGES,
    fill_new_conversation,
    go_to,
    grid_text,
    metric_value,
    navigation_link,
    open_page,
    open_welcome_tab,
    rerun_after,
    save_conversation,
    sign_in,
    sign_in_form,
    sign_out,
    sign_out_button,
    submit_sign_in,
    wait_for_app,
    wait_for_session_cookie,
    welcome_tab,
)

WELCOME_TABS = ["Sign in", "Create an account", "Explore the demo"]


def expand_all(page, expanders) -> None:
    """Open every `st.expander` the locator finds; one whose content is drawn only once opened
    (on_change="rerun", e.g. a chart's "Show data") reruns the script: wait for it."""
    for expander in expanders.all():
        summary = expander.locator("summary")
        if expander.locator("details").get_attribute("open") is None:
            with rerun_after(page):
                summary.click()
    page.wait_for_timeout(100)


def all_table_text(page) -> str:
    """What every `st.dataframe` on the page shows (each focused in turn; see `grid_text`)."""
    return "\n".join(grid_text(grid) for grid in
                     page.get_by_test_id("data-grid-canvas").all())


def test_first_start_shows_sign_in_create_and_demo(fresh_app, page):
    app = fresh_app()  # an empty database
    open_page(page, app.url)
    expect(page.get_by_role("heading", name="Career Conversations", exact=True)).to_be_visible()
    expect(page.get_by_role("tab")).to_have_text(WELCOME_TABS)
    expect(sign_out_button(page)).to_have_count(0)

    panel = open_welcome_tab(page, "Explore the demo")
    with rerun_after(page, timeout=60_000):
        panel.get_by_role("button", name="Create the demo").click()
    table = welcome_tab(page, "Explore the demo").get_by_test_id("data-grid-canvas")
    expect(table).to_be_visible(timeout=60_000)
    wait_for_app(page, timeout=60_000)
    logins = grid_text(table)
    instructor_name, instructor_email = demo.DEMO_INSTRUCTOR
    assert instructor_email in logins and demo.INSTRUCTOR_PASSWORD in logins, logins

    sign_in(page, instructor_email, demo.INSTRUCTOR_PASSWORD)
    expect(page.get_by_role("heading", name="Class dashboard", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Signed in as {instructor_name}")
    charts = page.locator(CHART)
    expect(charts.nth(2)).to_be_visible(timeout=30_000)  # at least three charts
    expect(metric_value(page, "Students")).not_to_have_text("0")
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


CLASS_NAME = "Career Launch 101"
STUDENT = {"name": "Jordan Rivera", "email": "jordan.rivera@e2e.example",
           "password": "jordan-password-1"}
SHARED_CONTACT = ("Priya Raman", "Helix Biologics")
SHARED_INSIGHTS = ["Wet-lab internships matter more than grades here",
                   "Ask about rotational programs for new graduates"]
PRIVATE_CONTACT = ("Marcus Okafor", "Northwind Analytics")
PRIVATE_INSIGHT = "Confidential: my manager would hate this job for me"


def test_instructor_class_student_journey(app_server, page, new_page):
    """An instructor creates a class; a student signs up with its join code and logs two
    conversations, sharing the insights of one; the instructor sees the counts and the shared
    insights, never the private one or the names of the student's contacts."""
    # The instructor creates a class and reads its join code.
    open_page(page, app_server.url)
    sign_in(page, INSTRUCTOR.email, INSTRUCTOR.password)
    go_to(page, "Classes")
    expect(page.get_by_role("heading", name="Classes", exact=True)).to_be_visible()
    page.get_by_label("Class name *", exact=True).fill(CLASS_NAME)
    with rerun_after(page):
        page.get_by_role("button", name="Create class", exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Class created")
    join_code = metric_value(page, "Join code")
    expect(join_code).to_have_text(re.compile(r"^[A-Z0-9-]{6,}$"))
    code = join_code.inner_text().strip()
    sign_out(page)

    # A student signs up with the code, in another browser.
    student = new_page()
    open_page(student, app_server.url)
    form = open_welcome_tab(student, "Create an account")
    form.get_by_label("Your name", exact=True).fill(STUDENT["name"])
    form.get_by_label("Email", exact=True).fill(STUDENT["email"])
    form.get_by_label("Password (at least 8 characters)", exact=True).fill(STUDENT["password"])
    form.get_by_label("Repeat the password", exact=True).fill(STUDENT["password"])
    form.get_by_label("Class join code (optional)", exact=True).fill(code)
    with rerun_after(student):
        form.get_by_role("button", name="Create account", exact=True).click()
    expect(sign_out_button(student)).to_be_visible()
    expect(student.get_by_test_id("stAlertContentSuccess")) \
        .to_contain_text(f"You joined {CLASS_NAME}")

    # Two conversations held today (the class started today): one shared, one private.
    go_to(student, "Log a conversation")
    fill_new_conversation(student, name=SHARED_CONTACT[0], organization=SHARED_CONTACT[1],
                          industry="Biotech & Pharma", insights=SHARED_INSIGHTS, share=True)
    save_conversation(student)
    expect(student.get_by_test_id("stAlertContentSuccess")) \
        .to_contain_text(f"Saved your conversation with {SHARED_CONTACT[0]}: 2 insight(s)")
    fill_new_conversation(student, name=PRIVATE_CONTACT[0], organization=PRIVATE_CONTACT[1],
                          industry="Technology", insights=[PRIVATE_INSIGHT], share=False)
    save_conversation(student)
    expect(student.get_by_test_id("stAlertContentSuccess")) \
        .to_contain_text(f"Saved your conversation with {PRIVATE_CONTACT[0]}: 1 insight(s)")
    sign_out(student)

    # The instructor, signed in afresh, sees the class's figures and only the shared insights.
    teacher = new_page()
    open_page(teacher, app_server.url)
    sign_in(teacher, INSTRUCTOR.email, INSTRUCTOR.password)
    if not teacher.get_by_role("heading", name="Class dashboard", exact=True).is_visible():
        go_to(teacher, "Class dashboard")
    expect(teacher.get_by_role("heading", name="Class dashboard", exact=True)).to_be_visible()
    for title, _ in PAGES["instructor"]:
        if title != "Accounts":  # administrators only
            expect(navigation_link(teacher, title), f"the instructor's link to {title}") \
                .to_have_count(1)
    expect(navigation_link(teacher, "Accounts")).to_have_count(0)
    expect(navigation_link(teacher, "Dashboard")).to_have_count(0)  # no student tracker
    expect(teacher.get_by_role("combobox", name="Class", exact=True)) \
        .to_have_value(re.compile(re.escape(CLASS_NAME)))
    expect(metric_value(teacher, "Students")).to_have_text("1")
    expect(metric_value(teacher, "Conversations")).to_have_text("2")

    expect(teacher.get_by_role("heading", name="Insights students shared", exact=True)) \
        .to_be_visible()
    shared = teacher.get_by_test_id("stExpander").filter(
        has_text=re.compile(r"— \d+ insight\(s\)"))
    expect(shared).to_have_count(1)  # one industry: the private conversation's is not there
    expect(shared).to_contain_text("Biotech & Pharma — 2 insight(s)")
    expand_all(teacher, shared)
    shared_text = grid_text(shared.get_by_test_id("data-grid-canvas"))
    for text in SHARED_INSIGHTS:
        assert text in shared_text, shared_text

    # Nothing private anywhere: open every expander and read every table and all the text.
    expand_all(teacher, teacher.get_by_test_id("stExpander"))
    everything = all_table_text(teacher) + "\n" + teacher.locator("body").inner_text()
    for private in (PRIVATE_INSIGHT, *SHARED_CONTACT, *PRIVATE_CONTACT):
        assert private not in everything, f"{private!r} is shown to the instructor"


def test_sign_out_and_refresh_keeps_or_drops_session(app_server, student, page):
    open_page(page, app_server.url)
    sign_in(page, student.email, student.password)
    wait_for_session_cookie(page)

    page.reload()
    wait_for_app(page)
    expect(sign_out_button(page)).to_be_visible()  # still signed in: the cookie
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    # With the student's pages in the navigation, and no instructor page.
    for title, _ in PAGES["student"]:
        expect(navigation_link(page, title), f"the student's link to {title}").to_have_count(1)
    expect(navigation_link(page, "Class dashboard")).to_have_count(0)

    sign_out(page)
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(sign_out_button(page)).to_have_count(0)
    wait_for_session_cookie(page, present=False)

    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(sign_out_button(page)).to_have_count(0)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_have_count(0)


def test_wrong_password_generic_message(app_server, student, page):
    open_page(page, app_server.url)
    messages = []
    for email, password in ((student.email, "not-the-password"),
                            ("nobody@e2e.example", student.password)):
        submit_sign_in(page, email, password)
        error = welcome_tab(page, "Sign in").get_by_test_id("stAlertContentError")
        expect(error).to_have_count(1)
        # (Its text without the icon's name.)
        messages.append(error.get_by_test_id("stMarkdownContainer").inner_text().strip())
        expect(sign_out_button(page)).to_have_count(0)
    assert messages == ["Wrong email or password."] * 2, messages
    # The form keeps the email (to correct a typo).
    expect(sign_in_form(page).get_by_label("Email", exact=True)) \
        .to_have_value("nobody@e2e.example")
