"""Contacts & outreach: the pipeline table, adding contacts, logging messages and responses."""

import pandas as pd
import streamlit as st

from lib import coaching, coaching_ui, metrics, queries, store, ui, vocab
from lib.forms import contact_fields
from lib.validation import ValidationError, clean_contact, clean_outreach, clean_response

con = ui.database()
user_id = ui.current_user_id()
today = ui.today()

st.title("Contacts & outreach")
ui.show_flash()

pipeline = metrics.with_stages(queries.contact_pipeline(con, user_id), today)


def contact_label(contact_id: int) -> str:
    match = pipeline.loc[pipeline["id"] == contact_id]
    if match.empty:  # not one of this student's contacts (never shown: options are theirs)
        return "—"
    row = match.iloc[0]
    org = f" — {row['organization']}" if isinstance(row["organization"], str) else ""
    return f"{row['name']}{org}"


tab_pipeline, tab_add, tab_outreach, tab_response = st.tabs(
    ["Pipeline", "Add a contact", "Log outreach", "Record a response"])

# --- Add a contact ---------------------------------------------------------------------------
with tab_add:
    new = f"new{ui.form_generation('add_contact')}"  # widget-key prefix, new after each save
    with st.form("add_contact", clear_on_submit=False, enter_to_submit=False):
        raw = contact_fields("add_contact", new)
        anyway = st.checkbox("Add even if a contact with this name and organization exists",
                             key=f"{new}_anyway")
        submitted = st.form_submit_button("Add contact", type="primary")
    if submitted:
        try:
            contact = clean_contact(raw)
            duplicate = store.find_duplicate_contact(con, user_id, contact.name,
                                                     contact.organization)
            if duplicate and not anyway:
                ui.set_errors("add_contact", {"name": (
                    f"{contact.name} at {contact.organization or 'no organization'} is already in "
                    "your contacts. Tick “Add even if…” to add a second one.")})
            else:
                saved = store.add_contact(con, user_id, contact,
                                          submission_id=ui.submission_id("add_contact"))
                ui.set_errors("add_contact", {})
                ui.new_submission("add_contact")
                ui.next_generation("add_contact")
                ui.flash(f"Added {contact.name} to your contacts." if saved.created
                         else "That contact was already saved.")
        except ValidationError as problem:
            ui.set_errors("add_contact", problem.errors)
        st.rerun()
    ui.error_summary("add_contact")

# --- Log outreach ----------------------------------------------------------------------------
with tab_outreach:
    if pipeline.empty:
        st.info("Add a contact first — then log the message you sent them here.")
    else:
        with st.form("log_outreach", enter_to_submit=False):
            options = list(pipeline.sort_values("name")["id"])
            contact_id = st.selectbox("Contact *", options, format_func=contact_label,
                                      index=None, placeholder="Choose whom you wrote to",
                                      key="out_contact")
            ui.field_error("log_outreach", "contact_id")
            left, right = st.columns(2)
            sent_on = left.date_input("Date sent *", value=today, max_value=today,
                                      format="YYYY-MM-DD", key="out_sent_on")
            with left:
                ui.field_error("log_outreach", "sent_on")
            channel = right.selectbox("Channel *", list(vocab.CHANNELS),
                                      format_func=lambda c: vocab.CHANNELS[c], key="out_channel")
            st.caption("The first message to a contact is attempt 1; each later one is a "
                       "follow-up, numbered for you.")
            submitted = st.form_submit_button("Log outreach", type="primary")
        if submitted:
            try:
                outreach = clean_outreach({"contact_id": contact_id, "sent_on": sent_on,
                                           "channel": channel}, today=today)
                saved = store.log_outreach(con, user_id, outreach,
                                           submission_id=ui.submission_id("log_outreach"))
                ui.set_errors("log_outreach", {})
                ui.new_submission("log_outreach")
                ui.flash(f"Logged your message to {contact_label(outreach.contact_id)}.")
            except ValidationError as problem:
                ui.set_errors("log_outreach", problem.errors)
            except store.NotFound:
                ui.set_errors("log_outreach", {"contact_id": "That contact no longer exists — "
                                                             "pick another."})
            st.rerun()
        ui.error_summary("log_outreach")

# --- Record a response -----------------------------------------------------------------------
with tab_response:
    waiting = queries.pending_outreach(con, user_id)
    if waiting.empty:
        st.info("No message is waiting for an answer. Log outreach first, then record the "
                "response here when they write back.")
    else:
        labels = {
            int(r.id): (f"{r.name}{' — ' + r.organization if isinstance(r.organization, str) else ''}"
                        f" · {vocab.CHANNELS.get(r.channel, r.channel)} sent {r.sent_on:%Y-%m-%d}"
                        f"{' (follow-up)' if r.attempt > 1 else ''}")
            for r in waiting.itertuples()
        }
        with st.form("record_response", enter_to_submit=False):
            outreach_id = st.selectbox("Message *", list(labels), format_func=labels.get,
                                       index=None, placeholder="Choose the message answered",
                                       key="resp_outreach")
            ui.field_error("record_response", "outreach_id")
            left, right = st.columns(2)
            response_on = left.date_input("Response date *", value=today, max_value=today,
                                          format="YYYY-MM-DD", key="resp_on")
            with left:
                ui.field_error("record_response", "response_on")
            outcome = right.radio("Outcome *", ["accepted", "declined"],
                                  format_func=lambda c: vocab.OUTCOMES[c], horizontal=True,
                                  key="resp_outcome")
            submitted = st.form_submit_button("Record response", type="primary")
        if submitted:
            try:
                if outreach_id is None:
                    raise ValidationError({"outreach_id": "Message is required — pick the "
                                                          "message they answered."})
                sent = store.outreach_sent_on(con, user_id, outreach_id)
                response = clean_response({"response_on": response_on, "outcome": outcome},
                                          sent_on=sent, today=today)
                store.record_response(con, user_id, outreach_id, response)
                ui.set_errors("record_response", {})
                ui.flash("Response recorded. " + ("Time to schedule the conversation!"
                                                  if response.outcome == "accepted" else
                                                  "Thank them for replying and move on."))
            except ValidationError as problem:
                ui.set_errors("record_response", problem.errors)
            except store.NotFound:
                ui.set_errors("record_response", {"outreach_id": "That message no longer "
                                                                 "exists — pick another."})
            st.rerun()
        ui.error_summary("record_response")

# --- Pipeline --------------------------------------------------------------------------------
with tab_pipeline:
    if pipeline.empty:
        st.info("No contacts yet. Open **Add a contact** to start your list.")
    else:
        left, right = st.columns([2, 2])
        search = left.text_input("Search contacts", placeholder="Name, organization, role or "
                                 "industry", key="contacts_search")
        stages = right.multiselect("Stage", list(vocab.STAGES), format_func=vocab.STAGES.get,
                                   placeholder="All stages", key="contacts_stages")
        shown = pipeline
        if search.strip():
            needle = search.strip().lower()
            haystack = shown[["name", "organization", "title", "industry"]].fillna("") \
                .agg(" ".join, axis=1).str.lower()
            shown = shown[haystack.str.contains(needle, regex=False)]
        if stages:
            shown = shown[shown["stage"].isin(stages)]
        # What to do next with each contact: their most urgent next action (as on the
        # dashboard, done and snoozed ones left out), else what their stage calls for.
        steps = coaching.next_steps(
            dict(zip(pipeline["id"], pipeline["stage"])),
            coaching.student_next_actions(con, user_id, today=today,
                                          tz_name=coaching_ui.timezone_name()), today)
        table = pd.DataFrame({
            "Name": shown["name"],
            "Organization": shown["organization"],
            "Stage": shown["stage"].map(vocab.STAGES),
            "Next step": shown["id"].map(steps),
            "Last touch": pd.to_datetime(shown["last_touch_on"]),
            "Industry": shown["industry"],
            "Role": shown["title"],
            "Priority": shown["priority"].map(vocab.PRIORITIES),
            "Messages": shown["attempts"],
            "Conversations": shown["conversations"],
        })
        st.caption(f"{len(shown)} of {len(pipeline)} contacts. Click a column header to sort.")
        # Who, where they are and what to do next first: on a laptop those fit without
        # scrolling sideways; the rest follows.
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"Last touch": st.column_config.DateColumn(
                                        format="YYYY-MM-DD", width="small"),
                                    "Next step": st.column_config.TextColumn(width="large"),
                                    "Priority": st.column_config.TextColumn(width="small"),
                                    "Messages": st.column_config.NumberColumn(width="small"),
                                    "Conversations": st.column_config.NumberColumn(
                                        width="small")})

        st.header("Open a contact")
        chosen = st.selectbox("Contact", list(pipeline["id"]), format_func=contact_label,
                              index=None, placeholder="Choose a contact to see, edit or delete",
                              key="open_contact")
        if chosen is not None:
            record = queries.contact_record(con, user_id, int(chosen))
            if record is None:
                st.error("That contact no longer exists.")
                st.stop()
            row = pipeline.loc[pipeline["id"] == chosen].iloc[0]
            st.markdown(f"**Stage:** {vocab.STAGES[row['stage']]} · **Next step:** "
                        f"{ui.escape_markdown(steps[int(chosen)])}")
            history = queries.contact_outreach(con, user_id, int(chosen))
            talks = queries.contact_conversations(con, user_id, int(chosen))
            if not history.empty:
                st.dataframe(history.assign(
                    channel=history["channel"].map(vocab.CHANNELS),
                    outcome=history["outcome"].map(vocab.OUTCOMES)).drop(columns=["id"]),
                    hide_index=True, width="stretch")
            if not talks.empty:
                st.dataframe(talks.drop(columns=["id"]), hide_index=True, width="stretch")

            with st.expander("Edit this contact", icon=":material/edit:"):
                with st.form(f"edit_contact_{chosen}", enter_to_submit=False):
                    raw = contact_fields("edit_contact", f"edit_{chosen}", record)
                    save = st.form_submit_button("Save changes", type="primary")
                if save:
                    try:
                        contact = clean_contact(raw)
                        store.update_contact(con, user_id, int(chosen), contact)
                        ui.set_errors("edit_contact", {})
                        ui.flash(f"Saved changes to {contact.name}.")
                    except ValidationError as problem:
                        ui.set_errors("edit_contact", problem.errors)
                    st.rerun()
                ui.error_summary("edit_contact")

            with st.expander("Delete this contact", icon=":material/delete:"):
                n_out, n_talk = len(history), len(talks)
                others = [i for i in pipeline["id"] if i != chosen]
                choices = ["delete"] + (["move"] if others and (n_out or n_talk) else [])
                what = st.radio(
                    f"{ui.escape_markdown(record['name'])} has {n_out} message(s) and "
                    f"{n_talk} conversation(s). "
                    "What should happen to them?", choices,
                    format_func={"delete": "Delete them too",
                                 "move": "Move them to another contact (e.g. a duplicate)"}.get,
                    key=f"del_what_{chosen}")
                target = None
                if what == "move":
                    target = st.selectbox("Move to", others, format_func=contact_label,
                                          key=f"del_target_{chosen}")
                confirm = st.checkbox("Yes, delete this contact — this can't be undone",
                                      key=f"del_confirm_{chosen}")
                if st.button("Delete contact", type="primary", disabled=not confirm,
                             key=f"del_go_{chosen}"):
                    try:
                        store.delete_contact(con, user_id, int(chosen),
                                             move_to=int(target) if target is not None else None)
                        del st.session_state["open_contact"]
                        ui.flash(f"Deleted {record['name']}.")
                    except store.NotFound:
                        ui.flash("That contact was already deleted.", "warning")
                    st.rerun()
