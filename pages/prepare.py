"""Prepare: schedule conversations, fill each one's prep sheet, keep a question bank, and write
messages from templates."""

import datetime as dt

import streamlit as st

from lib import prep, prep_store, prep_ui, queries, store, ui, vocab
from lib.prep_validation import clean_schedule, one_year_after
from lib.validation import ValidationError

SCHEDULE_FORM = "schedule"
LOG_PAGE = "pages/log_conversation.py"
PREFILL = "prefill_scheduled_id"  # read by the log page, which fills its form from the plan
OPEN = "prep_open"  # the scheduled conversation whose prep sheet is open
CONFIRM_CANCEL = "prep_confirm_cancel"


def browser_timezone() -> str:
    try:
        name = st.context.timezone
    except Exception:  # no browser context, e.g. in tests
        name = None
    return prep.timezone_name(name)


account = ui.require_account("student")
con = ui.database()
user_id = account.id
tz_name = browser_timezone()
now_local = prep.local_now(tz_name)
today = now_local.date()

st.title("Prepare")
st.caption("Plan each conversation: when and where, what you know about the person, what you "
           "want to learn and the questions you will ask. Then write the messages around it.")
ui.show_flash()

pipeline = queries.contact_pipeline(con, user_id)
contacts = {int(r.id): r.name + (f" — {r.organization}" if isinstance(r.organization, str)
                                 else "") for r in pipeline.sort_values("name").itertuples()}


# Callbacks: they change state before the widgets are drawn again.
def open_sheet(scheduled_id: int) -> None:
    st.session_state[OPEN] = scheduled_id


def ask_cancel(scheduled_id: int | None) -> None:
    st.session_state[CONFIRM_CANCEL] = scheduled_id


tab_plan, tab_bank, tab_templates = st.tabs(["Conversations", "Question bank", "Templates"])

# --- Conversations: upcoming, schedule, prep sheet -------------------------------------------
with tab_plan:
    upcoming = prep_store.upcoming_conversations(con, user_id)
    st.header("Upcoming conversations")
    if upcoming.empty:
        st.info("Nothing scheduled. When someone agrees to talk, schedule the conversation "
                "below — then prepare for it here.")
    for row in upcoming.itertuples():
        sid = int(row.id)
        sheet = prep_store.scheduled_conversation(con, user_id, sid)
        with st.container(border=True):
            left, right = st.columns([3, 2])
            person = prep.who(sheet.contact_name, sheet.organization)
            left.markdown(f"**{ui.escape_markdown(person)}**")
            past = sheet.starts_at < now_local
            left.caption(ui.escape_markdown(
                f"{prep_ui.when_label(sheet, tz_name)}"
                f" · {vocab.label(vocab.FORMATS, sheet.format)}"
                + (f" · {sheet.place}" if sheet.place else "")
                + (" · this time has passed: log it, or cancel it" if past else "")))
            right.markdown(prep_ui.status_line(
                bool(row.prep_complete), "Prep complete" if row.prep_complete else
                f"Prep sheet: {int(row.questions)} question(s) chosen"))
            a, b, c, d = st.columns(4)
            a.download_button(
                "Add to calendar", prep.conversation_event(sheet, now=ui.now().replace(
                    tzinfo=dt.timezone.utc)).encode("utf-8"),
                file_name=f"{prep.file_stem(sheet)}.ics", mime="text/calendar",
                icon=":material/calendar_add_on:", on_click="ignore", key=f"ics_{sid}")
            b.button("Open prep sheet", icon=":material/checklist:", key=f"open_{sid}",
                     on_click=open_sheet, args=(sid,))
            if c.button("Log it now", icon=":material/edit_note:", key=f"log_{sid}"):
                st.session_state[PREFILL] = sid
                st.switch_page(LOG_PAGE)
            d.button("Cancel", icon=":material/event_busy:", key=f"cancel_{sid}",
                     on_click=ask_cancel, args=(sid,))
            if st.session_state.get(CONFIRM_CANCEL) == sid:
                st.warning(f"Cancel the conversation with "
                           f"{ui.escape_markdown(sheet.contact_name)}? It leaves this list; its "
                           "prep sheet is kept.")
                yes, no = st.columns(2)
                if yes.button("Yes, cancel it", type="primary", key=f"cancel_yes_{sid}"):
                    try:
                        prep_store.cancel_schedule(con, user_id, sid)
                        ui.flash(f"Cancelled the conversation with {sheet.contact_name}.")
                    except store.NotFound:
                        ui.flash("That conversation was already removed.", "warning")
                    ask_cancel(None)
                    st.rerun()
                no.button("Keep it", key=f"cancel_no_{sid}", on_click=ask_cancel, args=(None,))

    st.header("Schedule a conversation")
    if not contacts:
        st.info("Add the person as a contact first (Contacts & outreach) — then schedule the "
                "conversation here.")
    else:
        S = f"sched{ui.form_generation(SCHEDULE_FORM)}"  # widget-key prefix, new after a save
        with st.form(SCHEDULE_FORM, enter_to_submit=False):
            contact_id = st.selectbox("Who will you talk to? *", list(contacts),
                                      format_func=contacts.get, index=None,
                                      placeholder="Choose a contact", key=f"{S}_contact")
            ui.field_error(SCHEDULE_FORM, "contact_id")
            left, middle, right = st.columns(3)
            day = left.date_input("Date *", value=None, min_value=today,
                                  max_value=one_year_after(today), format="YYYY-MM-DD",
                                  key=f"{S}_date")
            with left:
                ui.field_error(SCHEDULE_FORM, "date")
            time = middle.time_input("Start time *", value=None, step=dt.timedelta(minutes=15),
                                     key=f"{S}_time")
            with middle:
                ui.field_error(SCHEDULE_FORM, "time")
            duration = right.number_input("Duration (minutes) *", min_value=5, max_value=600,
                                          value=30, step=5, key=f"{S}_duration")
            with right:
                ui.field_error(SCHEDULE_FORM, "duration_min")
            left, right = st.columns([1, 2])
            fmt = left.selectbox("Format *", list(vocab.FORMATS), format_func=vocab.FORMATS.get,
                                 key=f"{S}_format")
            place = right.text_input("Place or link", max_chars=500, key=f"{S}_place",
                                     placeholder="Café Central, or https://zoom.us/j/…")
            with right:
                ui.field_error(SCHEDULE_FORM, "place")
            st.caption(f"Times are in your time zone ({tz_name}).")
            submitted = st.form_submit_button("Schedule conversation", type="primary",
                                              icon=":material/event:")
        if submitted:
            try:
                data = clean_schedule({"contact_id": contact_id, "date": day, "time": time,
                                       "duration_min": duration, "format": fmt, "place": place,
                                       "timezone": tz_name}, now_local=now_local)
                saved = prep_store.schedule_conversation(
                    con, user_id, data, submission_id=ui.submission_id(SCHEDULE_FORM))
                ui.set_errors(SCHEDULE_FORM, {})
                ui.new_submission(SCHEDULE_FORM)
                ui.next_generation(SCHEDULE_FORM)
                st.session_state[OPEN] = saved.id
                ui.flash(f"Scheduled your conversation with {contacts[data.contact_id]} on "
                         f"{data.starts_at:%a %Y-%m-%d at %H:%M}. Its prep sheet is open below."
                         if saved.created else "That conversation was already scheduled.")
            except ValidationError as problem:
                ui.set_errors(SCHEDULE_FORM, problem.errors)
            except store.NotFound:
                ui.set_errors(SCHEDULE_FORM, {"contact_id": "That contact no longer exists — "
                                                            "choose another."})
            st.rerun()
        ui.error_summary(SCHEDULE_FORM)

    st.header("Prep sheet")
    options = [int(i) for i in upcoming["id"]]
    linked = st.query_params.get("scheduled")  # a link such as ?scheduled=42 opens that sheet
    if linked is not None:
        del st.query_params["scheduled"]
        if linked.isdigit():
            st.session_state[OPEN] = int(linked)
    if st.session_state.get(OPEN) not in options:
        st.session_state.pop(OPEN, None)
    labels = {int(r.id): f"{contacts.get(int(r.contact_id), r.name)} · "
                         f"{r.starts_at:%a %Y-%m-%d %H:%M}" for r in upcoming.itertuples()}
    chosen_id = st.selectbox("Conversation", options, format_func=labels.get, index=None,
                             placeholder="Choose an upcoming conversation", key=OPEN,
                             disabled=not options)
    if chosen_id is not None:
        prep_ui.prep_sheet(con, user_id, int(chosen_id), contacts=contacts,
                           tz_name=tz_name)

# --- Question bank ---------------------------------------------------------------------------
with tab_bank:
    prep_ui.question_bank_tab(con, user_id)

# --- Templates -------------------------------------------------------------------------------
with tab_templates:
    prep_ui.templates_tab(con, user_id, account.display_name, pipeline, contacts)
