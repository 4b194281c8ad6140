"""Sign-up, sign-in, role-based navigation and the admin's Accounts page.

AppTest (1.67) runs app.py only on an instance's first run; later runs re-run the current
page alone. So what app.py decides after a sign-in (the navigation) is checked the way a
browser meets it after a refresh: a new session with the same session token. Sign-out, a
button of app.py's sidebar, is covered by the browser suite.
"""

from lib import accounts, classes
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ADMIN, charts_drawn, STUDENT, assert_healthy, new_app, unescaped


def refreshed(at) -> AppTest:
    """The same browser after a page refresh: a new session carrying the session token."""
    again = new_app()
    again.session_state["_session_token"] = at.session_state["_session_token"]
    again.run()
    assert_healthy(again)
    return again


def page_alone(page: str, token: str | None) -> AppTest:
    """A page script run on its own, as a deep link on a fresh server does (no app.py)."""
    at = AppTest.from_file(f"../../{page}", default_timeout=30)
    at.secrets = {}
    if token:
        at.session_state["_session_token"] = token
    at.run()
    return at


def click(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert_healthy(at)


def nav_titles(at) -> list[str]:
    """The pages registered for this session (what st.navigation was given)."""
    return [link.label for link in at.sidebar.get("page_link")] if at.sidebar.get(
        "page_link") else []


def test_first_start_offers_sign_in_create_and_demo(anonymous_app):
    at = anonymous_app
    at.run()
    assert_healthy(at)
    assert [t.label for t in at.tabs] == ["Sign in", "Create an account", "Explore the demo"]
    assert any("first person here" in i.value for i in at.info)


def test_sign_up_first_account_is_admin_and_second_is_student(anonymous_app, con):
    at = anonymous_app
    at.run()
    at.text_input(key="signup_name").input("Ada Admin")
    at.text_input(key="signup_email").input("ADA@Example.org ")
    at.text_input(key="signup_password").input("correct horse 1")
    at.text_input(key="signup_again").input("correct horse 1")
    click(at, "Create account")
    assert at.session_state["_session_token"]
    assert accounts.account_by_email(con, "ada@example.org").role == "admin"
    assert "Welcome, Ada Admin" in unescaped(at.success)
    assert refreshed(at).title[0].value == "Class dashboard"  # an admin teaches: no tracker


def test_sign_up_with_join_code_enrols_the_student(anonymous_app, con, admin):
    class_id = classes.create_class(con, admin.id, classes.clean_class(
        {"name": "Careers 101", "starts_on": "2026-09-01", "ends_on": "2026-12-15"}))
    code = classes.classes_for(con, admin.id).set_index("id").loc[class_id, "join_code"]
    at = anonymous_app
    at.run()
    at.text_input(key="signup_name").input("Sam Student")
    at.text_input(key="signup_email").input("sam@example.org")
    at.text_input(key="signup_password").input("sam-password-9")
    at.text_input(key="signup_again").input("sam-password-9")
    at.text_input(key="signup_code").input(code.lower())
    click(at, "Create account")
    sam = accounts.account_by_email(con, "sam@example.org")
    assert sam.role == "student"
    assert list(classes.roster(con, admin.id, class_id)["display_name"]) == ["Sam Student"]
    assert refreshed(at).title[0].value == "Dashboard"


def test_bad_sign_up_says_what_to_fix_and_creates_nothing(anonymous_app, con, admin):
    at = anonymous_app
    at.run()
    at.text_input(key="signup_name").input("Sam")
    at.text_input(key="signup_email").input("not-an-email")
    at.text_input(key="signup_password").input("short")
    at.text_input(key="signup_again").input("different")
    at.text_input(key="signup_code").input("ZZZZZZZZ")
    click(at, "Create account")
    errors = unescaped(at.error)
    assert "join code" in errors
    assert "two passwords differ" in errors
    assert accounts.account_by_email(con, "not-an-email") is None
    assert "_session_token" not in at.session_state


def test_sign_in_wrong_password_and_unknown_email_say_the_same(anonymous_app, con, user_id):
    at = anonymous_app
    at.run()
    at.text_input(key="signin_email").input(STUDENT[0])
    at.text_input(key="signin_password").input("wrong password")
    click(at, "Sign in")
    wrong_password = unescaped(at.error)
    at.text_input(key="signin_email").input("nobody@example.org")
    at.text_input(key="signin_password").input("wrong password")
    click(at, "Sign in")
    assert unescaped(at.error) == wrong_password == "Wrong email or password."


def test_sign_in_starts_a_server_side_session(anonymous_app, con, user_id):
    at = anonymous_app
    at.run()
    at.text_input(key="signin_email").input(STUDENT[0])
    at.text_input(key="signin_password").input(STUDENT[1])
    click(at, "Sign in")
    token = at.session_state["_session_token"]
    assert accounts.session_account(con, token).id == user_id
    assert at.session_state["_set_cookie"] == token  # written to the browser on the next run
    assert refreshed(at).title[0].value == "Dashboard"
    accounts.end_session(con, token)  # what "Sign out" does on the server
    assert refreshed(at).title[0].value == "Career Conversations"


def test_five_failures_lock_the_account(anonymous_app, con, user_id):
    at = anonymous_app
    at.run()
    for _ in range(5):
        at.text_input(key="signin_email").input(STUDENT[0])
        at.text_input(key="signin_password").input("wrong password")
        click(at, "Sign in")
    at.text_input(key="signin_password").input(STUDENT[1])  # now the right one
    click(at, "Sign in")
    assert "Too many failed attempts" in unescaped(at.error)
    assert "_session_token" not in at.session_state


def test_a_tampered_session_token_is_signed_out(con, user_id):
    from tests.app.conftest import new_app
    at = new_app()
    at.session_state["_session_token"] = accounts.start_session(con, user_id) + "x"
    at.run()
    assert_healthy(at)
    assert at.title[0].value == "Career Conversations"


INSTRUCTOR_PAGES = ("pages/class_dashboard.py", "pages/classes.py", "pages/compare_classes.py",
                    "pages/accounts_admin.py")
STUDENT_PAGES = ("pages/dashboard.py", "pages/contacts.py", "pages/log_conversation.py",
                 "pages/insights.py", "pages/account.py")


def test_navigation_registers_only_the_roles_pages(con, admin, user_id):
    from tests.app.conftest import signed_in
    student = signed_in(con, user_id)
    student.run()
    for page in INSTRUCTOR_PAGES:
        try:
            student.switch_page(page)
        except ValueError as not_registered:
            assert "Could not find a navigation page" in str(not_registered)
        else:
            raise AssertionError(f"{page} is registered for a student")
    teacher = signed_in(con, admin.id)
    teacher.run()
    for page in ("pages/dashboard.py", "pages/contacts.py"):
        try:
            teacher.switch_page(page)
        except ValueError:
            continue
        raise AssertionError(f"{page} is registered for an instructor")


def test_a_page_linked_before_app_py_ran_opens_once_app_py_has_routed(con, user_id):
    """A deep link opened first on a fresh server runs the page alone, which remembers its
    address and goes through app.py (ui.require_account); app.py then opens that page if the
    role has it, and if not, a stand-in at its address saying whose page it is."""
    for wanted, heading in (("insights", "Insights"), ("class_dashboard", "Class dashboard")):
        at = new_app()
        at.session_state["_session_token"] = accounts.start_session(con, user_id)
        at.session_state["_wanted_page"] = wanted
        at.run()
        assert_healthy(at)
        assert [t.value for t in at.title][:1] == [heading], wanted
        assert "_wanted_page" not in at.session_state  # once only
        stand_in = [i.value for i in at.info if "is a page for instructors" in i.value]
        if wanted == "class_dashboard":
            assert stand_in == ["Class dashboard is a page for instructors, and you are signed "
                                "in with a student account, so it is not part of yours."]
            assert not at.metric and not at.dataframe and not at.selectbox
        else:
            assert not stand_in


def test_each_privileged_page_checks_the_role_again(con, user_id):
    token = accounts.start_session(con, user_id)
    for page in INSTRUCTOR_PAGES:
        at = page_alone(page, token)
        assert "not available for your account" in unescaped(at.error), page
        assert not at.dataframe and not at.metric and not charts_drawn(at)


def test_signed_out_visitor_cannot_open_any_page(user_id):
    for page in STUDENT_PAGES + INSTRUCTOR_PAGES:
        at = page_alone(page, None)
        assert "Please sign in" in " ".join(w.value for w in at.warning), page
        assert not at.dataframe and not at.metric


def test_admin_makes_a_student_an_instructor_and_issues_a_reset_code(con, admin, user_id):
    from tests.app.conftest import signed_in
    at = signed_in(con, admin.id)
    at.run()
    at.switch_page("pages/accounts_admin.py")
    at.run()
    assert_healthy(at)
    assert set(at.dataframe[0].value["email"]) == {ADMIN[0], STUDENT[0]}
    at.selectbox(key="acc_who").set_value(user_id)
    at.run()
    at.selectbox(key=f"acc_role_{user_id}").set_value("instructor")
    click(at, "Save role")
    assert accounts.get_account(con, user_id).role == "instructor"
    click(at, "Issue a password-reset code")
    code = at.code[0].value
    accounts.reset_password(con, STUDENT[0], code, "brand-new-pass-7")
    assert accounts.authenticate(con, STUDENT[0], "brand-new-pass-7").id == user_id


def test_join_a_class_later_from_my_account(app, con, admin, user_id):
    class_id = classes.create_class(con, admin.id, classes.clean_class(
        {"name": "Careers 101", "starts_on": "2026-09-01", "ends_on": "2026-12-15"}))
    code = classes.classes_for(con, admin.id).set_index("id").loc[class_id, "join_code"]
    app.run()
    app.switch_page("pages/account.py")
    app.run()
    app.text_input(key="join_code_input").input("nope")
    click(app, "Join class")
    assert "doesn't match an open class" in unescaped(app.error)
    app.text_input(key="join_code_input").input(code)
    click(app, "Join class")
    assert list(classes.classes_of_student(con, user_id)["name"]) == ["Careers 101"]


def test_single_sign_on_maps_the_email_to_an_account(con, user_id):
    at = new_app()
    at.secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
                           "cookie_secret": "x" * 32, "client_id": "id", "client_secret": "s",
                           "server_metadata_url": "https://idp.example/.well-known/openid"}}
    at.user = {"is_logged_in": True, "email": STUDENT[0], "name": "Sam"}
    at.run()
    assert_healthy(at)
    token = at.session_state["_session_token"]
    assert accounts.session_account(con, token).id == user_id  # the existing account


def test_single_sign_on_button_only_when_configured(anonymous_app):
    at = anonymous_app
    at.run()
    assert not any("university account" in b.label for b in at.button)
