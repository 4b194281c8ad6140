"""Career Conversations — entry point: page config, database gate, sign-in gate, navigation."""

import logging

import streamlit as st

from lib import db, ui

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("career_conversations")

st.set_page_config(page_title="Career Conversations", page_icon=":material/forum:",
                   layout="wide")
ui.freeze_startup_heap()  # once per process: see its docstring

try:
    ui.database()
except db.DatabaseUnavailable as problem:
    # Registering a page (never run) keeps Streamlit from listing every file in pages/ here.
    st.navigation([st.Page("pages/welcome.py", title="Welcome")], position="hidden")
    st.title("Career Conversations can't open its database")
    st.error(str(problem), icon=":material/database:")
    st.info(problem.how_to_fix)
    if st.button("Try again", type="primary"):
        ui.forget_database()
        st.rerun()
    st.stop()

TRACKER = [
    st.Page("pages/dashboard.py", title="Dashboard", icon=":material/insights:"),
    st.Page("pages/contacts.py", title="Contacts & outreach", icon=":material/contacts:"),
    st.Page("pages/log_conversation.py", title="Log a conversation", icon=":material/edit_note:"),
    st.Page("pages/insights.py", title="Insights", icon=":material/lightbulb:"),
    st.Page("pages/prepare.py", title="Prepare", icon=":material/checklist:"),
    st.Page("pages/career_goals.py", title="Career goals", icon=":material/flag:"),
    st.Page("pages/import_export.py", title="Import & export", icon=":material/swap_vert:"),
]
TEACHING = [
    st.Page("pages/class_dashboard.py", title="Class dashboard", icon=":material/school:"),
    st.Page("pages/classes.py", title="Classes", icon=":material/groups:"),
    st.Page("pages/compare_classes.py", title="Compare classes", icon=":material/compare:"),
]
ACCOUNT = [st.Page("pages/account.py", title="My account", icon=":material/person:")]
ADMIN = [st.Page("pages/accounts_admin.py", title="Accounts", icon=":material/manage_accounts:")]

try:
    account = ui.current_account()
    # Pages a role may not use are never registered: a hidden page could still be opened by URL.
    # Their addresses lead to stand-ins instead (ui.stand_ins): the sign-in, or whose page it is.
    groups = [(TRACKER, "students"), (TEACHING, "instructors"), (ACCOUNT, "signed-in users"),
              (ADMIN, "admins")]
    if account is None:
        welcome = st.Page("pages/welcome.py", title="Welcome", icon=":material/waving_hand:")
        navigation = st.navigation([welcome, *ui.stand_ins(groups, home=welcome)])
        # A link to a page while signed out: the sign-in first, then that page.
        ui.sign_in_first(navigation, welcome)
    else:
        sections = {"Your tracker": TRACKER} if account.role == "student" else {}
        if account.is_instructor:
            sections["Teaching"] = TEACHING
        sections["Account"] = ACCOUNT + (ADMIN if account.is_admin else [])
        home = next(iter(sections.values()))[0]
        theirs = {page.url_path for pages in sections.values() for page in pages}
        others = [([page for page in group if page.url_path not in theirs], audience)
                  for group, audience in groups]
        # Hidden, so the last section's heading and links are as they were.
        sections["Account"] = [*sections["Account"],
                               *ui.stand_ins(others, home=home, role=account.role)]
        navigation = st.navigation(sections)
        # A link to a page opened first on a fresh server, or followed while signed out: open
        # that page now (or its stand-in, if this role does not have it), not the home page.
        linked = ui.wanted_page([page for pages in sections.values() for page in pages])
        if linked is not None:
            st.switch_page(linked)
    # After any switch above: a switch ends this run before the browser has run the script.
    ui.sync_cookie()
    if account is not None:
        with st.sidebar:
            st.caption(f"Signed in as {ui.escape_markdown(account.display_name)} "
                       f"({account.role})")
            if st.button("Sign out", icon=":material/logout:", key="sign_out"):
                ui.sign_out()
                if ui.sso_configured() and st.user.get("is_logged_in", False):
                    st.logout()
                st.rerun()
    ui.mark_routed()
    navigation.run()
except db.DatabaseUnavailable as problem:
    st.error(f"{problem} {problem.how_to_fix}")
except Exception:
    # The traceback (which may quote data or file paths) goes to the server log, not the page.
    log.exception("unexpected error")
    st.error("Something went wrong on this page and nothing was changed. Try again; if it keeps "
             "happening, restart the app — the details are in the server log.",
             icon=":material/error:")
