"""Classes: create classes, share join codes, manage rosters, archive at term end."""

import datetime as dt

import streamlit as st

from lib import classes, store, ui
from lib.validation import ValidationError

con = ui.database()
account = ui.require_account("instructor")
today = ui.today()

st.title("Classes")
ui.show_flash()


def class_fields(prefix: str, current: dict | None = None) -> dict:
    current = current or {}
    left, right = st.columns(2)
    raw = {
        "name": left.text_input("Class name *", value=current.get("name", ""), max_chars=120,
                                key=f"{prefix}_name"),
        "term": right.text_input("Term", value=current.get("term") or "", max_chars=60,
                                 key=f"{prefix}_term", placeholder="e.g. Spring 2027"),
    }
    with left:
        ui.field_error(prefix, "name")
    a, b, c, d = st.columns(4)
    raw["starts_on"] = a.date_input("Starts on", value=current.get("starts_on", today),
                                    format="YYYY-MM-DD", key=f"{prefix}_starts")
    raw["ends_on"] = b.date_input("Ends on", value=current.get(
        "ends_on", today + dt.timedelta(weeks=14)), format="YYYY-MM-DD", key=f"{prefix}_ends")
    raw["weekly_goal"] = c.number_input("Weekly outreach goal", 0, 100,
                                        value=int(current.get("weekly_goal", 5)),
                                        key=f"{prefix}_weekly")
    raw["conversations_goal"] = d.number_input("Conversations goal (term)", 0, 500,
                                               value=int(current.get("conversations_goal", 5)),
                                               key=f"{prefix}_convs")
    with b:
        ui.field_error(prefix, "ends_on")
    return raw


mine = classes.classes_for(con, account.id, include_archived=True)

with st.expander("Create a class", expanded=mine.empty, icon=":material/add:"):
    with st.form("new_class", enter_to_submit=False):
        raw = class_fields("new_class")
        create = st.form_submit_button("Create class", type="primary")
    if create:
        try:
            class_id = classes.create_class(con, account.id, classes.clean_class(raw))
            ui.set_errors("new_class", {})
            ui.flash("Class created. Share its join code with your students.")
            st.session_state["manage_class"] = class_id
        except ValidationError as problem:
            ui.set_errors("new_class", problem.errors)
        st.rerun()
    ui.error_summary("new_class")

if mine.empty:
    st.info("No classes yet. Create one above; students join with its 8-character code.")
    st.stop()

show_archived = st.toggle("Show archived classes", key="show_archived")
listed = mine if show_archived else mine[~mine["archived"]]
table = listed.assign(joining=listed["joining_open"].map({True: "Open", False: "Closed"}))
st.dataframe(table[["name", "term", "starts_on", "ends_on", "students", "join_code", "joining",
                    "weekly_goal", "conversations_goal"]],
             hide_index=True, width="stretch",
             column_config={"name": "Class", "term": "Term", "starts_on": "Starts",
                            "ends_on": "Ends", "students": "Students", "join_code": "Join code",
                            "joining": "Joining", "weekly_goal": "Weekly goal",
                            "conversations_goal": "Conversations goal"})

labels = {int(r.id): f"{r.name} ({r.term})" if r.term else r.name for r in listed.itertuples()}
if not labels:
    st.stop()
chosen = st.selectbox("Manage a class", list(labels), format_func=labels.get,
                      key="manage_class")
if chosen is None:
    st.stop()
row = mine.loc[mine["id"] == chosen].iloc[0]

st.header(labels[chosen])
code_col, state_col = st.columns([2, 3])
with code_col:
    st.metric("Join code", row["join_code"] or "—")
    st.caption("Students enter it when they create an account, or later under My account.")
with state_col:
    a, b, c = st.columns(3)
    if a.button("New code", icon=":material/refresh:", key="regen",
                help="The old code stops working."):
        classes.regenerate_join_code(con, account.id, chosen)
        ui.flash("A new join code is ready; the old one no longer works.")
        st.rerun()
    if b.button("Close joining" if row["joining_open"] else "Open joining", key="toggle_join"):
        classes.set_joining_open(con, account.id, chosen, not row["joining_open"])
        st.rerun()
    if c.button("Unarchive" if row["archived"] else "Archive", key="archive"):
        classes.archive_class(con, account.id, chosen, not row["archived"])
        ui.flash("Class archived." if not row["archived"] else "Class restored.")
        st.rerun()

with st.expander("Edit class details", icon=":material/edit:"):
    with st.form(f"edit_class_{chosen}", enter_to_submit=False):
        raw = class_fields(f"edit_class_{chosen}", row.to_dict())
        save = st.form_submit_button("Save changes", type="primary")
    if save:
        try:
            classes.update_class(con, account.id, chosen, classes.clean_class(raw))
            ui.set_errors(f"edit_class_{chosen}", {})
            ui.flash("Class saved.")
        except ValidationError as problem:
            ui.set_errors(f"edit_class_{chosen}", problem.errors)
        st.rerun()

st.header("Roster")
people = classes.roster(con, account.id, chosen)
if people.empty:
    st.info("Nobody has joined yet.")
else:
    st.dataframe(people.drop(columns=["student_id"]), hide_index=True, width="stretch",
                 column_config={"display_name": "Student", "email": "Email",
                                "joined_at": st.column_config.DatetimeColumn(
                                    "Joined", format="YYYY-MM-DD")})
    names = {int(r.student_id): r.display_name for r in people.itertuples()}
    with st.form("remove_student", enter_to_submit=False):
        who = st.selectbox("Remove a student from this class", list(names),
                           format_func=names.get, index=None, key="remove_who",
                           placeholder="Choose a student")
        sure = st.checkbox("Yes, remove them (their own records stay theirs)", key="remove_sure")
        remove = st.form_submit_button("Remove student")
    if remove and who is not None and sure:
        classes.remove_student(con, account.id, chosen, who)
        ui.flash(f"Removed {names[who]} from the class.")
        st.rerun()

with st.expander("Delete this class", icon=":material/delete:"):
    st.write("Deletes the class, its join codes and its roster. Students keep all their own "
             "records.")
    typed = st.text_input("Type the class name to confirm", key=f"delete_class_{chosen}")
    if st.button("Delete class", type="primary", disabled=typed.strip() != row["name"],
                 key="delete_class"):
        try:
            classes.delete_class(con, account.id, chosen)
            del st.session_state["manage_class"]
            ui.flash("Class deleted.")
        except store.NotFound:
            ui.flash("That class was already deleted.", "warning")
        st.rerun()
