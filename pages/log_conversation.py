"""Log a conversation: one form for the conversation, its insights, referrals and reflection.

Kept light for a class logging conversations at the same time (bench/load.py, RESULTS.md
"## Load"), since every submit costs the server a run of the form and a message per element:
- whom the conversation was with is chosen inside the form, above a "Someone new?" panel with
  the new contact's fields, so choosing costs no run of its own;
- everything below the title is one fragment, so a submit reruns the fragment only — not
  app.py, its navigation and sidebar; the forms are handled in their buttons' on_click
  callbacks, which run before the fragment is drawn, so a submit is one run (no st.rerun) that
  already shows the confirmation and the cleared form;
- rows of fields are horizontal containers (one layout block each, not one per column);
- what the page reads (contacts to choose from, conversations still to thank) is kept for the
  session and read again on each full run of the page and after each save here; the thank-you
  form and the recent conversations are drawn (and the latter first read) once their panels
  are opened.
The session is verified on each full run and before every write.
"""

import streamlit as st

from lib import prep_store, queries, store, ui, vocab
from lib.forms import CONTACT_KEYS, contact_fields, contact_values
from lib.validation import ValidationError, clean_contact, clean_conversation, clean_thank_you

FORM = "log_conversation"
NEW_CONTACT = -1
NEW_CONTACT_LABEL = "Someone new — add them below"
START_INSIGHT_ROWS = 3
START_REFERRAL_ROWS = 1
PREFILL = "prefill_scheduled_id"  # set by the Prepare page's "Log it now"
SAVED = "_conv_saved"  # (form generation it belongs to, message): the last save's confirmation
DATA = "_conv_data"  # what the page shows from the database, for this session: see _data()
RECENT = 10  # conversations in the "Recent conversations" panel
CATEGORY_WIDTH = 190  # px: an insight's TIARA category beside its text
DATE_WIDTH = 170  # px: a date beside a wider field
SIGNED_OUT = "You are no longer signed in — sign in again. Nothing was saved."

user_id = ui.current_user_id()  # signed in? (else the page stops here with a message)
st.session_state.pop(DATA, None)  # a full run of the page reads the database again

st.title("Log a conversation")
st.caption("Right after the conversation, while it's fresh: what you asked, what you learned, "
           "who they suggested you talk to next.")


def _key() -> str:
    """The widget-key prefix of the form on screen; a new one after each save."""
    return f"conv{ui.form_generation(FORM)}"


def _clear_form() -> None:
    ui.next_generation(FORM)
    st.session_state["conv_insight_rows"] = START_INSIGHT_ROWS
    st.session_state["conv_referral_rows"] = START_REFERRAL_ROWS


def _more_rows(counter: str) -> None:
    st.session_state[counter] += 1


def _new_contact_errors() -> bool:
    """The last save attempt found a problem in the new contact's fields."""
    errors = ui.form_errors(FORM)
    return any(field in errors for field in CONTACT_KEYS)


def _signed_in_as(user_id: int) -> bool:
    """Before a write: the session is still valid and still this user's (a fragment rerun does
    not run app.py, which checks it on every full run)."""
    account = ui.current_account()
    return account is not None and account.id == user_id


def _data(con, user_id: int) -> dict:
    """Contacts to choose from and the conversations still to thank, as the page shows them:
    read once per full run of the page (and after each save here), then reused by its fragment
    reruns."""
    cached = st.session_state.get(DATA)
    if cached is not None and cached["user_id"] == user_id:
        return cached
    unthanked = queries.unthanked_conversations(con, user_id)
    data = {
        "user_id": user_id,
        "names": queries.contact_choices(con, user_id),
        "thank_labels": {i: f"{name} — held {held:%Y-%m-%d}" for i, name, held in unthanked},
        "held": {i: held for i, _, held in unthanked},
    }
    st.session_state[DATA] = data
    return data


def _recent(con, data: dict):
    """The last RECENT conversations, as the "Recent conversations" panel shows them: read when
    the panel is first drawn, then kept with the rest of the page's data (and read again with
    it, after a save)."""
    if "recent" not in data:
        data["recent"] = queries.conversation_log(
            con, data["user_id"], queries.Filters()).head(RECENT).assign(
                format=lambda f: f["format"].map(vocab.FORMATS),
                thanked=lambda f: f["thank_you_on"].notna(),
        )[["held_on", "name", "organization", "format", "insights", "referrals", "thanked"]]
    return data["recent"]


def _save(key: str, user_id: int, today, names: dict, planned_id: int | None) -> None:
    """The "Save conversation" callback for the form drawn with widget-key prefix `key`."""
    state = st.session_state
    if key != _key():
        # A resend of a form that was saved already (its generation has moved on): say so,
        # unless the first save's own message is still waiting to be shown.
        if state.get(SAVED, (None,))[0] != _key():
            state[SAVED] = (_key(), "This conversation was already saved.")
        return
    state.pop(SAVED, None)  # this attempt's outcome replaces the last save's message
    if not _signed_in_as(user_id):
        ui.set_errors(FORM, {"session": SIGNED_OUT})
        return
    con = ui.database()
    who = state.get(f"{key}_contact")
    errors = {}
    contact = conversation = None
    if who is None:
        errors["contact"] = "Choose whom you talked to — or “Someone new” to add them below."
    elif who != NEW_CONTACT and (state.get(f"{key}_new_name") or "").strip():
        errors["contact"] = (f"You filled in a new contact under “Someone new” but chose "
                             f"{names.get(who, 'an existing contact')} in “Who did you talk "
                             "to?” — choose “Someone new”, or clear the new contact's name.")
    if who == NEW_CONTACT:
        try:
            contact = clean_contact(contact_values(f"{key}_new", compact=True))
            if store.find_duplicate_contact(con, user_id, contact.name, contact.organization):
                errors["name"] = (f"{contact.name} is already in your contacts — choose them in "
                                  "“Who did you talk to?” instead.")
        except ValidationError as problem:
            errors.update(problem.errors)
    rows = range(state["conv_insight_rows"])
    referrals = range(state["conv_referral_rows"])
    try:
        conversation = clean_conversation({
            "held_on": state.get(f"{key}_held_on"), "format": state.get(f"{key}_format"),
            "duration_min": state.get(f"{key}_duration"),
            "questions": state.get(f"{key}_questions"),
            "insights": [{"category": state.get(f"{key}_ins_cat_{i}"),
                          "text": state.get(f"{key}_ins_text_{i}")} for i in rows],
            "referrals": [{"name": state.get(f"{key}_ref_name_{i}"),
                           "organization": state.get(f"{key}_ref_org_{i}"),
                           "title": state.get(f"{key}_ref_title_{i}")} for i in referrals],
            "next_steps": state.get(f"{key}_next_steps"),
            "clarity_before": state.get(f"{key}_before"),
            "clarity_after": state.get(f"{key}_after"),
            "reflection": state.get(f"{key}_reflection"),
            "thank_you_on": state.get(f"{key}_thank_you"),
            "share_insights": state.get(f"{key}_share"),
            "share_name": state.get(f"{key}_share_name"),
        }, today=today)
    except ValidationError as problem:
        errors.update(problem.errors)
    if errors:
        ui.set_errors(FORM, errors)
        return
    try:
        saved = store.log_conversation(
            con, user_id, conversation,
            contact_id=None if who == NEW_CONTACT else int(who), new_contact=contact,
            submission_id=ui.submission_id(FORM))
    except store.NotFound:
        ui.set_errors(FORM, {"contact": "That contact no longer exists — choose another."})
        return
    if planned_id is not None:
        try:
            prep_store.mark_held(con, user_id, planned_id, saved.id)
        except store.NotFound:
            pass  # the plan was cancelled or removed meanwhile: the conversation stands
        state.pop(PREFILL, None)
    ui.set_errors(FORM, {})
    ui.new_submission(FORM)
    _clear_form()
    state.pop(DATA, None)  # the lists below show it next
    person = contact.name if contact else names.get(who, "your contact")
    state[SAVED] = (_key(), (
        f"Saved your conversation with {person}: {len(conversation.insights)} insight(s)"
        f", {len(conversation.referrals)} referral(s)."
        + ("" if conversation.thank_you_on else
           " Remember to send a thank-you note within 24 hours.")
        if saved.created else "This conversation was already saved."))


def _mark_thank_you(user_id: int, today, held: dict, labels: dict) -> None:
    """The "Mark thank-you sent" callback."""
    which = st.session_state.get("ty_conversation")
    if which not in held:
        return  # the list changed meanwhile; the form is drawn again from the database
    if not _signed_in_as(user_id):
        ui.set_errors("thank_you", {"thank_you_on": SIGNED_OUT})
        return
    st.session_state.pop(DATA, None)
    try:
        store.set_thank_you(ui.database(), user_id, int(which),
                            clean_thank_you(st.session_state.get("ty_sent_on"),
                                            held_on=held[which], today=today))
        ui.set_errors("thank_you", {})
        ui.flash(f"Thank-you recorded for {labels[which]}.")
    except ValidationError as problem:
        ui.set_errors("thank_you", problem.errors)
    except store.NotFound:
        ui.set_errors("thank_you", {"thank_you_on": "That conversation no longer exists."})


@st.fragment
def conversation_page() -> None:
    con = ui.database()
    today = ui.today()
    ui.show_flash()
    K = _key()
    saved_message = st.session_state.get(SAVED)
    if saved_message and saved_message[0] == K:
        st.success(ui.escape_markdown(saved_message[1]), icon=":material/check_circle:")

    st.session_state.setdefault("conv_insight_rows", START_INSIGHT_ROWS)
    st.session_state.setdefault("conv_referral_rows", START_REFERRAL_ROWS)

    data = _data(con, user_id)
    names = data["names"]

    # A scheduled conversation being logged: fill the form from its plan, once per form
    # generation (later reruns keep what the student changed).
    planned = None
    if st.session_state.get(PREFILL) is not None:
        try:
            planned = prep_store.scheduled_conversation(con, user_id,
                                                        int(st.session_state[PREFILL]))
        except store.NotFound:
            pass
        if planned is None or planned.conversation_id is not None:  # gone, or logged already
            planned = None
            st.session_state.pop(PREFILL)
    if planned is not None and (st.session_state.get("_prefilled") != (planned.id, K)
                                or f"{K}_contact" not in st.session_state):
        st.session_state["_prefilled"] = (planned.id, K)
        st.session_state[f"{K}_contact"] = planned.contact_id
        st.session_state[f"{K}_held_on"] = min(planned.starts_at.date(), today)
        if planned.format in vocab.FORMATS:
            st.session_state[f"{K}_format"] = planned.format
        st.session_state[f"{K}_duration"] = planned.duration_min
        st.session_state[f"{K}_questions"] = "\n".join(q.text for q in planned.questions)
    if planned is not None:
        st.info(f"Logging your scheduled conversation with "
                f"{ui.escape_markdown(planned.contact_name)}"
                f" ({planned.starts_at:%Y-%m-%d %H:%M}), filled in from its prep sheet.",
                icon=":material/event_available:")
        if st.button("Log a different conversation instead", key="drop_prefill"):
            st.session_state.pop(PREFILL)
            ui.next_generation(FORM)
            st.rerun()
    with st.form(FORM, enter_to_submit=False):
        options = [NEW_CONTACT, *names]
        st.selectbox("Who did you talk to? *", options, index=0 if not names else None,
                     format_func=lambda i: NEW_CONTACT_LABEL if i == NEW_CONTACT else names[i],
                     placeholder="Choose a contact, or “Someone new”", key=f"{K}_contact")
        ui.field_error(FORM, "contact")
        # In the form, so choosing costs no run: the new contact's fields are always there,
        # in a panel open when there is no one to choose yet or when they need fixing.
        with st.expander("Someone new? Their name, organization and role",
                         expanded=not names or _new_contact_errors(), icon=":material/person_add:"):
            contact_fields(FORM, f"{K}_new", compact=True)

        # Rows are horizontal containers, one layout block each (st.columns costs one per
        # column more, each a message the server sends on every run); their fields' errors
        # follow the row.
        row = st.container(horizontal=True)
        row.date_input("Date held *", value=today, max_value=today, format="YYYY-MM-DD",
                       key=f"{K}_held_on")
        row.selectbox("Format *", list(vocab.FORMATS), format_func=vocab.FORMATS.get,
                      key=f"{K}_format")
        row.number_input("Duration (minutes)", min_value=1, max_value=600, value=30, step=5,
                         key=f"{K}_duration")
        ui.field_error(FORM, "held_on")
        ui.field_error(FORM, "duration_min")

        st.text_area("Questions you prepared (one per line)", key=f"{K}_questions",
                     height=110, placeholder="What does a typical week look like?\n"
                     "How did you get into this field?")
        ui.field_error(FORM, "questions")

        st.markdown("**Insights** — tag each with a TIARA category: Trend, Insight, Advice, "
                    "Resource, Assignment")
        for i in range(st.session_state["conv_insight_rows"]):
            row = st.container(horizontal=True)
            row.selectbox(f"Category of insight {i + 1}", list(vocab.TIARA),
                          format_func=vocab.TIARA.get, key=f"{K}_ins_cat_{i}",
                          width=CATEGORY_WIDTH)
            row.text_input(f"Insight {i + 1}", key=f"{K}_ins_text_{i}", max_chars=1000)
            ui.field_error(FORM, f"insight_{i}")
        st.form_submit_button("Add another insight", icon=":material/add:",
                              on_click=_more_rows, args=("conv_insight_rows",))

        st.markdown("**Referrals** — people they suggested you talk to (each becomes a new "
                    "contact)")
        for i in range(st.session_state["conv_referral_rows"]):
            row = st.container(horizontal=True)
            row.text_input(f"Referral {i + 1} name", key=f"{K}_ref_name_{i}", max_chars=120)
            row.text_input(f"Referral {i + 1} organization", key=f"{K}_ref_org_{i}",
                           max_chars=120)
            row.text_input(f"Referral {i + 1} role", key=f"{K}_ref_title_{i}", max_chars=120)
            ui.field_error(FORM, f"referral_{i}")
        st.form_submit_button("Add another referral", icon=":material/add:",
                              on_click=_more_rows, args=("conv_referral_rows",))

        st.text_area("Next steps", key=f"{K}_next_steps", height=80)
        ui.field_error(FORM, "next_steps")

        row = st.container(horizontal=True)
        row.radio("Career-goal clarity before (1 = foggy, 5 = clear)", [1, 2, 3, 4, 5],
                  index=None, horizontal=True, key=f"{K}_before")
        row.radio("Career-goal clarity after (1 = foggy, 5 = clear)", [1, 2, 3, 4, 5],
                  index=None, horizontal=True, key=f"{K}_after")
        st.text_area("What changed in my thinking", key=f"{K}_reflection", height=80)
        ui.field_error(FORM, "reflection")

        st.date_input("Thank-you sent on (leave empty if not yet)", value=None,
                      max_value=today, format="YYYY-MM-DD", key=f"{K}_thank_you")
        ui.field_error(FORM, "thank_you_on")
        row = st.container(horizontal=True)
        row.checkbox("Share my insights with my class", key=f"{K}_share",
                     help="Your instructor sees the insight texts — never your notes or "
                          "the professional's name.")
        row.checkbox("Show my name with them", key=f"{K}_share_name",
                     help="Without this, shared insights appear as “A student”.")
        # Keyed by the form's generation: a resend of a form saved already reaches the
        # callback of its own generation (which knows it was saved), not the new form's.
        st.form_submit_button("Save conversation", type="primary", icon=":material/save:",
                              key=f"{K}_save", on_click=_save,
                              args=(K, user_id, today, names,
                                    planned.id if planned is not None else None))

    ui.error_summary(FORM)

    # The panels below are drawn once opened (a rerun of this fragment), then on each run
    # while they stay open: a submit with them closed reads and sends nothing for them.
    thank_labels = data["thank_labels"]
    if thank_labels:
        with st.expander(f"Thank-you notes to send ({len(thank_labels)})", key="conv_thanks",
                         on_change="rerun", icon=":material/mail:") as panel:
            if panel.open:
                st.caption("A short note within a day keeps the connection. Record it here "
                           "once it's sent.")
                with st.form("thank_you", enter_to_submit=False):
                    row = st.container(horizontal=True)
                    row.selectbox("Conversation", list(thank_labels),
                                  format_func=thank_labels.get, key="ty_conversation")
                    row.date_input("Sent on", value=today, max_value=today,
                                   format="YYYY-MM-DD", key="ty_sent_on", width=DATE_WIDTH)
                    ui.field_error("thank_you", "thank_you_on")
                    st.form_submit_button("Mark thank-you sent", on_click=_mark_thank_you,
                                          args=(user_id, today, data["held"], thank_labels))

    with st.expander("Recent conversations", key="conv_recent", on_change="rerun",
                     icon=":material/history:") as panel:
        if panel.open:
            recent = _recent(con, data)
            if recent.empty:
                st.caption("None yet — the ones you log appear here.")
            else:
                st.dataframe(
                    recent, hide_index=True, width="stretch",
                    # Narrow columns for the dates, counts and ticks, so that all seven fit
                    # the panel on a laptop; names and organizations take the rest (a
                    # contact's industry is on the Contacts page).
                    column_config={"held_on": st.column_config.DateColumn(
                                       "Held on", format="YYYY-MM-DD", width="small"),
                                   "name": "Contact", "organization": "Organization",
                                   "format": st.column_config.TextColumn("Format",
                                                                         width="small"),
                                   "insights": st.column_config.NumberColumn(
                                       "Insights", width="small"),
                                   "referrals": st.column_config.NumberColumn(
                                       "Referrals", width="small"),
                                   "thanked": st.column_config.CheckboxColumn(
                                       "Thanked", width="small")})


conversation_page()
