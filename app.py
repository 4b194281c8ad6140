"""Career Conversations — entry point: page config, database gate, navigation."""

import logging

import streamlit as st

from lib import db, ui

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("career_conversations")

st.set_page_config(page_title="Career Conversations", page_icon=":material/forum:",
                   layout="wide")

try:
    ui.database()
except db.DatabaseUnavailable as problem:
    st.title("Career Conversations can't open its database")
    st.error(str(problem), icon=":material/database:")
    st.info(problem.how_to_fix)
    if st.button("Try again", type="primary"):
        ui.forget_database()
        st.rerun()
    st.stop()

pages = [
    st.Page("pages/dashboard.py", title="Dashboard", icon=":material/insights:", default=True),
    st.Page("pages/contacts.py", title="Contacts & outreach", icon=":material/contacts:"),
    st.Page("pages/log_conversation.py", title="Log a conversation", icon=":material/edit_note:"),
    st.Page("pages/insights.py", title="Insights", icon=":material/lightbulb:"),
]
navigation = st.navigation(pages)

try:
    ui.current_user_id()
    navigation.run()
except db.DatabaseUnavailable as problem:
    st.error(f"{problem} {problem.how_to_fix}")
except Exception:
    # The traceback (which may quote data or file paths) goes to the server log, not the page.
    log.exception("unexpected error on page %s", navigation.title)
    st.error("Something went wrong on this page and nothing was changed. Try again; if it keeps "
             "happening, restart the app — the details are in the server log.",
             icon=":material/error:")
