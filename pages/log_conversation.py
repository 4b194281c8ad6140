"""Log a conversation: one form for the conversation, its insights, referrals and reflection."""

import streamlit as st

from lib import prep_store, queries, store, ui, vocab
from lib.forms import contact_fields
from lib.validation import ValidationError, clean_contact, clean_conversation, clean_thank_you

FORM = "log_conversation"
NEW_CONTACT = -1
START_INSIGHT_ROWS = 3
START_REFERRAL_ROWS = 1
PREFILL = "prefill_scheduled_id"  # set by the Prepare page's "Log it now"

con = ui.database()
user_id = ui.current_user_id()
today = ui.today()

st.title("Log a conversation")
st.caption("Right after the conversation, while it's fresh: what you asked, what you learned, "
           "who they suggested you talk to next.")
ui.show_flash()

st.session_state.setdefault("conv_insight_rows", START_INSIGHT_ROWS)
st.session_state.setdefault("conv_referral_rows", START_REFERRAL_ROWS)
K = f"conv{ui.form_generation(FORM)}"  # widget-key prefix, new after each save

pipeline = queries.contact_pipeline(con, user_id)
names = {int(r.id): r.name + (f" — {r.organization}" if isinstance(r.organization, str) else "")
         for r in pipeline.sort_values("name").itertuples()}

# A scheduled conversation being logged: fill the form from its plan, once per form generation
# (later reruns keep what the student changed).
planned = None
if st.session_state.get(PREFILL) is not None:
    try:
        planned = prep_store.scheduled_conversation(con, user_id, int(st.session_state[PREFILL]))
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
    st.info(f"Logging your scheduled conversation with {ui.escape_markdown(planned.contact_name)}"
            f" ({planned.starts_at:%Y-%m-%d %H:%M}), filled in from its prep sheet.",
            icon=":material/event_available:")
    if st.button("Log a different conversation instead", key="drop_prefill"):
        st.session_state.pop(PREFILL)
        ui.next_generation(FORM)
        st.rerun()
options = [NEW_CONTACT, *names]
who = st.selectbox("Who did you talk to? *", options,
                   index=0 if not names else None,
                   format_func=lambda i: "Someone new — add them now" if i == NEW_CONTACT
                   else names[i],
                   placeholder="Choose a contact, or add someone new", key=f"{K}_contact")
ui.field_error(FORM, "contact")

with st.form(FORM, enter_to_submit=False):
    raw_contact = None
    if who == NEW_CONTACT:
        st.markdown("**New contact**")
        raw_contact = contact_fields(FORM, f"{K}_new", compact=True)
        st.divider()

    left, middle, right = st.columns(3)
    held_on = left.date_input("Date held *", value=today, max_value=today, format="YYYY-MM-DD",
                              key=f"{K}_held_on")
    with left:
        ui.field_error(FORM, "held_on")
    fmt = middle.selectbox("Format *", list(vocab.FORMATS), format_func=vocab.FORMATS.get,
                           key=f"{K}_format")
    duration = right.number_input("Duration (minutes)", min_value=1, max_value=600, value=30,
                                  step=5, key=f"{K}_duration")
    with right:
        ui.field_error(FORM, "duration_min")

    questions = st.text_area("Questions you prepared (one per line)", key=f"{K}_questions",
                             height=110, placeholder="What does a typical week look like?\n"
                             "How did you get into this field?")
    ui.field_error(FORM, "questions")

    st.markdown("**Insights** — tag each with a TIARA category: Trend, Insight, Advice, "
                "Resource, Assignment")
    insights = []
    for i in range(st.session_state["conv_insight_rows"]):
        cat_col, text_col = st.columns([1, 4])
        category = cat_col.selectbox(f"Category of insight {i + 1}", list(vocab.TIARA),
                                     format_func=vocab.TIARA.get, key=f"{K}_ins_cat_{i}")
        text = text_col.text_input(f"Insight {i + 1}", key=f"{K}_ins_text_{i}", max_chars=1000)
        with text_col:
            ui.field_error(FORM, f"insight_{i}")
        insights.append({"category": category, "text": text})
    more_insights = st.form_submit_button("Add another insight", icon=":material/add:")

    st.markdown("**Referrals** — people they suggested you talk to (each becomes a new contact)")
    referrals = []
    for i in range(st.session_state["conv_referral_rows"]):
        a, b, c = st.columns(3)
        referrals.append({
            "name": a.text_input(f"Referral {i + 1} name", key=f"{K}_ref_name_{i}",
                                 max_chars=120),
            "organization": b.text_input(f"Referral {i + 1} organization",
                                         key=f"{K}_ref_org_{i}", max_chars=120),
            "title": c.text_input(f"Referral {i + 1} role", key=f"{K}_ref_title_{i}",
                                  max_chars=120),
        })
        ui.field_error(FORM, f"referral_{i}")
    more_referrals = st.form_submit_button("Add another referral", icon=":material/add:")

    next_steps = st.text_area("Next steps", key=f"{K}_next_steps", height=80)
    ui.field_error(FORM, "next_steps")

    left, right = st.columns(2)
    before = left.radio("Career-goal clarity before (1 = foggy, 5 = clear)", [1, 2, 3, 4, 5],
                        index=None, horizontal=True, key=f"{K}_before")
    after = right.radio("Career-goal clarity after (1 = foggy, 5 = clear)", [1, 2, 3, 4, 5],
                        index=None, horizontal=True, key=f"{K}_after")
    reflection = st.text_area("What changed in my thinking", key=f"{K}_reflection", height=80)
    ui.field_error(FORM, "reflection")

    left, right = st.columns(2)
    thank_you_on = left.date_input("Thank-you sent on (leave empty if not yet)", value=None,
                                   max_value=today, format="YYYY-MM-DD", key=f"{K}_thank_you")
    with left:
        ui.field_error(FORM, "thank_you_on")
    share = right.checkbox("Share my insights with my class", key=f"{K}_share",
                           help="Your instructor sees the insight texts — never your notes or "
                                "the professional's name.")
    share_name = right.checkbox("Show my name with them", key=f"{K}_share_name",
                                help="Without this, shared insights appear as “A student”.")
    saved_clicked = st.form_submit_button("Save conversation", type="primary",
                                          icon=":material/save:")


def _clear_form() -> None:
    ui.next_generation(FORM)
    st.session_state["conv_insight_rows"] = START_INSIGHT_ROWS
    st.session_state["conv_referral_rows"] = START_REFERRAL_ROWS


if more_insights:
    st.session_state["conv_insight_rows"] += 1
    st.rerun()
if more_referrals:
    st.session_state["conv_referral_rows"] += 1
    st.rerun()
if saved_clicked:
    errors = {}
    contact = conversation = None
    if who is None:
        errors["contact"] = "Choose whom you talked to — or “Someone new” to add them now."
    if who == NEW_CONTACT:
        try:
            contact = clean_contact(raw_contact)
            if store.find_duplicate_contact(con, user_id, contact.name, contact.organization):
                errors["name"] = (f"{contact.name} is already in your contacts — choose them in "
                                  "“Who did you talk to?” instead.")
        except ValidationError as problem:
            errors.update(problem.errors)
    try:
        conversation = clean_conversation({
            "held_on": held_on, "format": fmt, "duration_min": duration, "questions": questions,
            "insights": insights, "referrals": referrals, "next_steps": next_steps,
            "clarity_before": before, "clarity_after": after, "reflection": reflection,
            "thank_you_on": thank_you_on, "share_insights": share, "share_name": share_name,
        }, today=today)
    except ValidationError as problem:
        errors.update(problem.errors)
    if errors:
        ui.set_errors(FORM, errors)
    else:
        try:
            saved = store.log_conversation(
                con, user_id, conversation,
                contact_id=None if who == NEW_CONTACT else int(who), new_contact=contact,
                submission_id=ui.submission_id(FORM))
            person = contact.name if contact else names.get(who, "your contact")
            if planned is not None:
                try:
                    prep_store.mark_held(con, user_id, planned.id, saved.id)
                except store.NotFound:
                    pass  # the plan was cancelled or removed meanwhile: the conversation stands
                st.session_state.pop(PREFILL, None)
            ui.set_errors(FORM, {})
            ui.new_submission(FORM)
            _clear_form()
            ui.flash(
                f"Saved your conversation with {person}: {len(conversation.insights)} insight(s)"
                f", {len(conversation.referrals)} referral(s)."
                + ("" if conversation.thank_you_on else
                   " Remember to send a thank-you note within 24 hours.")
                if saved.created else "This conversation was already saved.")
        except store.NotFound:
            ui.set_errors(FORM, {"contact": "That contact no longer exists — choose another."})
    st.rerun()

ui.error_summary(FORM)

recent = queries.conversation_log(con, user_id, queries.Filters())
unthanked = recent[recent["thank_you_on"].isna()]
if not unthanked.empty:
    st.subheader("Thank-you notes to send")
    st.caption("A short note within a day keeps the connection. Record it here once it's sent.")
    thank_labels = {int(r.id): f"{r.name} — held {r.held_on:%Y-%m-%d}"
                    for r in unthanked.itertuples()}
    with st.form("thank_you", enter_to_submit=False):
        left, right = st.columns([3, 1])
        which = left.selectbox("Conversation", list(thank_labels), format_func=thank_labels.get,
                               key="ty_conversation")
        sent_on = right.date_input("Sent on", value=today, max_value=today, format="YYYY-MM-DD",
                                   key="ty_sent_on")
        ui.field_error("thank_you", "thank_you_on")
        mark = st.form_submit_button("Mark thank-you sent")
    if mark:
        held = unthanked.loc[unthanked["id"] == which, "held_on"].iloc[0]
        try:
            store.set_thank_you(con, user_id, int(which),
                                clean_thank_you(sent_on, held_on=held, today=today))
            ui.set_errors("thank_you", {})
            ui.flash(f"Thank-you recorded for {thank_labels[int(which)]}.")
        except ValidationError as problem:
            ui.set_errors("thank_you", problem.errors)
        st.rerun()

if not recent.empty:
    st.subheader("Recent conversations")
    st.dataframe(
        recent.head(10).assign(
            format=recent["format"].map(vocab.FORMATS),
            thanked=recent["thank_you_on"].notna(),
        )[["held_on", "name", "organization", "industry", "format", "insights", "referrals",
           "thanked"]],
        hide_index=True, width="stretch",
        column_config={"held_on": "Held on", "name": "Contact", "organization": "Organization",
                       "industry": "Industry", "format": "Format", "insights": "Insights",
                       "referrals": "Referrals", "thanked": "Thanked"})
