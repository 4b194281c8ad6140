"""Links to the app's pages (bookmarks, a link a classmate shared) followed on a running server:
signed out they lead through the sign-in to the page; signed in with a role that does not have
the page, they say whose page it is — never Streamlit's "Page not found"."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import INSTRUCTOR
from tests.e2e.harness import (
    navigation_link,
    open_page,
    sign_in,
    sign_out,
    sign_out_button,
    wait_for_app,
    wait_for_session_cookie,
)

NOT_FOUND = "Page not found"


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def signed_in_at(page, app, login, path: str) -> None:
    """Sign in as `login` (the cookie written), then open the address `path` as a link does."""
    open_page(page, app.url)
    sign_in(page, login.email, login.password)
    wait_for_session_cookie(page)
    open_page(page, app.url, path)


def test_a_link_followed_signed_out_opens_the_page_after_the_sign_in(app_server, student, page):
    open_page(page, app_server.url)  # the server has routed sessions before this one
    open_page(page, app_server.url, "insights")
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text("Sign in to open “Insights”.")).to_be_visible()
    expect(page.get_by_text(NOT_FOUND)).to_have_count(0)
    sign_in(page, student.email, student.password)
    expect(heading(page, "Insights")).to_be_visible()
    # Signed in for good: the cookie is written although the sign-in went on to another page.
    wait_for_session_cookie(page)
    page.reload()
    wait_for_app(page)
    expect(heading(page, "Insights")).to_be_visible()
    expect(sign_out_button(page)).to_be_visible()


def test_a_student_following_a_link_to_an_instructor_page_is_told_whose_page_it_is(
        app_server, student, page):
    signed_in_at(page, app_server, student, "class_dashboard")
    expect(heading(page, "Class dashboard")).to_be_visible()
    expect(page.get_by_text("Class dashboard is a page for instructors, and you are signed in "
                            "with a student account")).to_be_visible()
    expect(page.get_by_text(NOT_FOUND)).to_have_count(0)
    # Nothing of the instructor's page, and no link to it in the student's navigation.
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(navigation_link(page, "Class dashboard")).to_have_count(0)
    page.get_by_role("link", name="Go to your home page").click()
    expect(heading(page, "Dashboard")).to_be_visible()


def test_an_instructor_following_a_link_to_a_student_page_is_told_whose_page_it_is(
        app_server, page):
    signed_in_at(page, app_server, INSTRUCTOR, "log_conversation")
    expect(page.get_by_text("Log a conversation is a page for students, and you are signed in "
                            "with an instructor account")).to_be_visible()
    expect(page.get_by_text(NOT_FOUND)).to_have_count(0)
    expect(page.get_by_role("button", name="Save conversation")).to_have_count(0)


def test_signing_out_on_any_page_signs_out_for_good(app_server, student, page):
    signed_in_at(page, app_server, student, "contacts")
    expect(heading(page, "Contacts & outreach")).to_be_visible()
    sign_out(page)
    wait_for_session_cookie(page, present=False)
    expect(page.get_by_text(NOT_FOUND)).to_have_count(0)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(sign_out_button(page)).to_have_count(0)


def test_the_next_person_to_sign_in_starts_on_their_own_home_page(app_server, student, page):
    """On a shared computer: a student signs out on one of their pages; the instructor who
    signs in next opens on the class dashboard, not on a page about the student's one."""
    signed_in_at(page, app_server, student, "insights")
    expect(heading(page, "Insights")).to_be_visible()
    sign_out(page)
    expect(page.get_by_text("Sign in to open")).to_have_count(0)
    sign_in(page, INSTRUCTOR.email, INSTRUCTOR.password)
    expect(heading(page, "Class dashboard")).to_be_visible()
    expect(page.get_by_text("is a page for students")).to_have_count(0)
