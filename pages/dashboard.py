"""Dashboard: next actions, upcoming conversations and goals, then headline figures and
charts of the student's progress."""

import streamlit as st

from lib import coaching_store, coaching_ui, dashboard, demo, metrics, queries, ui
from lib.queries import Filters

con = ui.database()
user_id = ui.current_user_id()
today = ui.today()

st.title("Dashboard")
ui.show_flash()

if not queries.has_records(con, user_id):
    st.header("Welcome! Let's log your first informational interview")
    st.write(
        "Career Conversations keeps track of the professionals you reach out to, the "
        "conversations you hold and what you learn from them. Three first steps:"
    )
    one, two, three = st.columns(3)
    with one, st.container(border=True):
        st.markdown("**1. Add a contact**")
        st.caption("Someone whose career interests you: an alum, a LinkedIn connection, a referral.")
        st.page_link("pages/contacts.py", label="Add a contact", icon=":material/person_add:")
    with two, st.container(border=True):
        st.markdown("**2. Log your outreach**")
        st.caption("Ask for 15–20 minutes of advice. Log each message so the app can remind you "
                   "to follow up.")
        st.page_link("pages/contacts.py", label="Log outreach", icon=":material/send:")
    with three, st.container(border=True):
        st.markdown("**3. Log a conversation**")
        st.caption("Record what you learned, tagged with TIARA: trends, insights, advice, "
                   "resources, assignments.")
        st.page_link("pages/log_conversation.py", label="Log a conversation",
                     icon=":material/edit_note:")
    st.divider()
    st.write("Want to look around first? Load a realistic sample semester — you can delete it "
             "later by deleting its contacts.")
    if st.button("Load demo data", type="primary", icon=":material/auto_awesome:"):
        with st.spinner("Creating a sample semester…"):
            summary = demo.load_demo(con, user_id, today=today)
        ui.flash(f"Demo data loaded: {summary['contacts']} contacts, {summary['outreach']} "
                 f"messages, {summary['conversations']} conversations.")
        st.rerun()
    st.stop()

FILTERS = "dash_filters_in_effect"


def _keep_filters() -> None:
    st.session_state[FILTERS] = {"range": st.session_state.get("dash_range"),
                                 "industries": st.session_state.get("dash_industries") or []}


tz_name = coaching_ui.timezone_name()
# The goals in effect (the student's own, or their class's), looked up once for the page.
goals = coaching_store.effective_goals(con, user_id, today=today)
actions_column, upcoming_column = st.columns([3, 2], gap="large")
with actions_column:
    coaching_ui.next_actions_section(con, user_id, today=today, tz_name=tz_name, goals=goals)
with upcoming_column:
    coaching_ui.upcoming_section(con, user_id, today=today, tz_name=tz_name)
coaching_ui.goals_strip(con, user_id, today=today, goals=goals)

st.header("Your progress")
first_day, last_day = queries.activity_bounds(con, user_id)
default_start = min(first_day or today, today)

# The filters in effect are kept apart from their widgets, which are drawn only while the
# panel is open (the industry picker alone costs a page load ~90 ms in the browser) and whose
# own state Streamlit drops once they are not drawn.
kept = st.session_state.get(FILTERS) or {}
chosen = kept.get("range") or (default_start, today)
industries = list(kept.get("industries") or [])
start, end = dashboard.picked_range(chosen, default_start=default_start, today=today)
filters = Filters(start=start, end=end, industries=tuple(industries))
st.caption("Showing: " + ui.escape_markdown(
    dashboard.filters_summary(filters, default_start=default_start, today=today)))
with st.expander("Filter by date or industry", key="dash_filters",
                 on_change="rerun") as panel:
    if panel.open:
        left, right = st.columns([2, 3])
        left.date_input("Date range", value=chosen, max_value=today, format="YYYY-MM-DD",
                        key="dash_range", on_change=_keep_filters)
        options = queries.contact_industries(con, user_id)
        right.multiselect("Industries", options=options,
                          default=[i for i in industries if i in options],
                          placeholder="All industries",
                          key="dash_industries", on_change=_keep_filters)
view = dashboard.student_view(con, user_id, filters, today=today,
                              weekly_goal=goals.weekly_outreach)
k = view.figures.kpis
cols = st.columns(5)
cols[0].metric("Outreach sent", k.outreach_sent, help="Messages sent in the date range.")
cols[1].metric("Response rate", metrics.percent(k.response_rate),
               help="Contacts who answered ÷ contacts you reached, in the date range.")
cols[1].caption(f"{k.responded} of {k.contacted} contacts (n={k.contacted})")
cols[2].metric("Days to reply",
               "—" if k.median_days_to_response is None else f"{k.median_days_to_response:g}",
               help="Median days from your first message to their first answer.")
cols[3].metric("Conversations", k.conversations_held, help="Conversations held in the range.")
cols[4].metric("Thanked in 24 h", metrics.percent(k.thanked_within_24h_share),
               help="Share of conversations whose thank-you note went out the same or next day.")
cols[4].caption(f"{k.thanked_within_24h} of {k.conversations_held} conversations")


def panel(name: str) -> None:
    p = view.charts[name]
    ui.chart_block(p.title, p.spec, p.description, p.table, p.empty_text, p.key,
                   wide=name == "weekly")


panel("weekly")
left, right = st.columns(2)
with left:
    panel("rates_industry")
with right:
    panel("rates_channel")
left, right = st.columns(2)
with left:
    panel("funnel")
with right:
    panel("insights")
