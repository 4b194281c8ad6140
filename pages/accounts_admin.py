"""Accounts (administrators): roles, disabling, password-reset codes."""

import streamlit as st

from lib import accounts, backup, db, store, ui
from lib.validation import ValidationError


def problem_text(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        return " ".join(problem.errors.values())
    if isinstance(problem, store.NotFound):
        return "That account no longer exists."
    return str(problem)


con = ui.database()
account = ui.require_account("admin")

st.title("Accounts")
ui.show_flash()

with st.expander("Backup", icon=":material/backup:"):
    st.write("A backup is a complete copy of the database — every account and record, including "
             "the latest changes — written by the app itself into a new dated folder.")
    st.caption(f"Backup folder: {ui.escape_markdown(str(db.backup_directory()))} "
               f"(set by `{db.BACKUP_ENV}`). Restore one with "
               "`python -m lib.admin restore FOLDER` while the app is stopped.")
    if st.button("Back up now", key="acc_backup", icon=":material/backup:"):
        try:
            with st.spinner("Writing the backup…"):
                folder = backup.backup_now(con)
            st.session_state["acc_backup_done"] = str(folder)
        except backup.BackupError as problem:
            st.error(ui.escape_markdown(str(problem)), icon=":material/error:")
    if st.session_state.get("acc_backup_done"):
        st.success("Backup written to:", icon=":material/check_circle:")
        st.code(st.session_state["acc_backup_done"], language=None)
    recent = backup.list_backups()[:5]
    if recent:
        st.dataframe([{"folder": b["path"].name, "made (UTC)": b["created_at"],
                       "rows": b["rows"]} for b in recent], hide_index=True, width="stretch")

people = accounts.list_accounts(con, account.id)
search = st.text_input("Search by name or email", key="acc_search")
shown = people
if search.strip():
    needle = search.strip().lower()
    shown = people[people["email"].fillna("").str.lower().str.contains(needle, regex=False)
                   | people["display_name"].str.lower().str.contains(needle, regex=False)]
st.dataframe(shown.drop(columns=["id"]), hide_index=True, width="stretch",
             column_config={"email": "Email", "display_name": "Name", "role": "Role",
                            "disabled": "Disabled",
                            "created_at": st.column_config.DatetimeColumn(
                                "Created", format="YYYY-MM-DD"),
                            "last_seen_at": st.column_config.DatetimeColumn(
                                "Last seen", format="YYYY-MM-DD HH:mm")})

labels = {int(r.id): f"{r.display_name} <{r.email}>" for r in people.itertuples()}
who = st.selectbox("Manage an account", list(labels), format_func=labels.get, index=None,
                   placeholder="Choose an account", key="acc_who")
if who is None:
    st.stop()
target = people.loc[people["id"] == who].iloc[0]

a, b, c = st.columns(3)
with a:
    roles = ["student", "instructor", "admin"]
    role = st.selectbox("Role", roles, index=roles.index(target["role"]), key=f"acc_role_{who}")
    if st.button("Save role", key="acc_save_role"):
        try:
            accounts.set_role(con, account.id, who, role)
            ui.flash(f"{target['display_name']} is now {role}.")
        except (PermissionError, ValueError, LookupError) as problem:
            ui.flash(problem_text(problem), "error")
        st.rerun()
with b:
    disabled = bool(target["disabled"])
    if st.button("Enable account" if disabled else "Disable account", key="acc_disable"):
        try:
            accounts.set_disabled(con, account.id, who, not disabled)
            ui.flash("Account enabled." if disabled else
                     "Account disabled; its sessions have ended.")
        except (PermissionError, ValueError, LookupError) as problem:
            ui.flash(problem_text(problem), "error")
        st.rerun()
with c:
    if st.button("Issue a password-reset code", key="acc_reset"):
        try:
            st.session_state["acc_code"] = (who, accounts.issue_reset_code(
                con, account.id, who, now=ui.now()))
        except (PermissionError, LookupError) as problem:
            st.error(problem_text(problem))
    issued = st.session_state.get("acc_code")
    if issued and issued[0] == who:
        st.code(issued[1], language=None)
        st.caption("Give this one-time code to the person; it works once, for 24 hours, under "
                   "“Forgot your password?” on the sign-in screen.")
