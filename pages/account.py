"""My account: name, password, classes."""

import streamlit as st

from lib import accounts, classes, ui
from lib.validation import ValidationError

con = ui.database()
account = ui.require_account()

st.title("My account")
ui.show_flash()
st.write(f"Signed in as **{ui.escape_markdown(account.display_name)}** "
         f"({ui.escape_markdown(account.email)}), role: {account.role}.")

if account.role == "student":
    st.header("My classes")
    mine = classes.classes_of_student(con, account.id)
    if mine.empty:
        st.info("You're not in a class. Your tracker works on its own; join a class with the "
                "code your instructor gives you to count your work toward it.")
    else:
        st.dataframe(mine.drop(columns=[c for c in ("id", "class_id") if c in mine.columns]),
                     hide_index=True, width="stretch")
        st.caption("Your instructor sees counts of your outreach and conversations, and only the "
                   "insights you choose to share — never your contacts' names or your notes.")
    with st.form("join_class", enter_to_submit=False):
        code = st.text_input("Class join code", key="join_code_input", max_chars=20)
        ui.field_error("join_class", "join_code")
        join = st.form_submit_button("Join class", type="primary")
    if join:
        try:
            name = classes.join_class(con, account.id, code)
            ui.set_errors("join_class", {})
            ui.flash(f"You joined {name}.")
        except ValidationError as problem:
            ui.set_errors("join_class", problem.errors)
        st.rerun()

st.header("Display name")
with st.form("display_name", enter_to_submit=False):
    name = st.text_input("Name", value=account.display_name, max_chars=120, key="acct_name")
    ui.field_error("display_name", "display_name")
    save_name = st.form_submit_button("Save name")
if save_name:
    try:
        accounts.update_display_name(con, account.id, name)
        ui.set_errors("display_name", {})
        ui.flash("Name saved.")
    except ValidationError as problem:
        ui.set_errors("display_name", problem.errors)
    st.rerun()

st.header("Change password")
with st.form("change_password", enter_to_submit=False):
    old = st.text_input("Current password", type="password", key="pw_old",
                        autocomplete="current-password")
    ui.field_error("change_password", "old_password")
    new = st.text_input("New password (at least 8 characters)", type="password", key="pw_new",
                        autocomplete="new-password")
    ui.field_error("change_password", "new_password")
    change = st.form_submit_button("Change password")
if change:
    try:
        accounts.change_password(con, account.id, old, new, keep_token=ui.session_token(),
                                 now=ui.now())
        ui.set_errors("change_password", {})
        ui.flash("Password changed. Other devices signed in to this account were signed out.")
    except ValidationError as problem:
        ui.set_errors("change_password", problem.errors)
    except accounts.AuthError as problem:
        ui.set_errors("change_password", {"old_password": str(problem)})
    st.rerun()
