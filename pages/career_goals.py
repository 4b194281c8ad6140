"""Career goals: the student's current career goal and its history, how clear it felt before and
after each conversation, their reflections, and their weekly and term goals."""

import pandas as pd
import streamlit as st

from lib import charts, coaching, coaching_store, ui
from lib.coaching_ui import page_link, timezone_name
from lib.reminders import zone_or_utc
from lib.validation import ValidationError

REFLECTIONS_SHOWN = 5  # the newest; older ones one click away

con = ui.database()
account = ui.require_account("student")
user_id = account.id
today = ui.today()
zone = zone_or_utc(timezone_name())

st.title("Career goals")
ui.show_flash()
st.caption("Each conversation should make your direction a little clearer. Write down where you "
           "are heading, and watch how it changes.")

# --- Current career goal ------------------------------------------------------------------------
st.header("Your current career goal")
history = coaching_store.career_goal_history(con, user_id)
current = None if history.empty else history.iloc[0]["goal"]
with st.form("career_goal", enter_to_submit=False):
    text = st.text_area("Where are you heading?", value=current or "", height=110,
                        max_chars=coaching_store.CAREER_GOAL_MAX, key="career_goal_text",
                        placeholder="e.g. A product role in climate tech, working with data "
                                    "and people.")
    ui.field_error("career_goal", "goal")
    save_goal = st.form_submit_button("Save goal", type="primary")
if save_goal:
    try:
        goal = coaching.clean_career_goal(text)
        ui.set_errors("career_goal", {})
        if goal == current:
            ui.flash("That is already your current goal — nothing new to save.", "info")
        else:
            coaching_store.add_career_goal(con, user_id, goal)
            ui.flash("Career goal saved. Your earlier ones stay in the history below.")
    except ValidationError as problem:
        ui.set_errors("career_goal", problem.errors)
    st.rerun()


def when(set_at) -> str:
    moment = pd.Timestamp(set_at).tz_localize("UTC").tz_convert(zone)
    return f"{moment:%b %d, %Y}"


if history.empty:
    st.caption("No career goal written yet. A sentence is enough; you can change it any time.")
else:
    with st.expander(f"History ({len(history)} version{'s' if len(history) != 1 else ''}, "
                     "newest first)", expanded=len(history) > 1):
        for row in history.itertuples():
            st.markdown(f"**{when(row.set_at)}**" + (" · current" if row.Index == 0 else ""))
            st.text(row.goal)

# --- Clarity over time --------------------------------------------------------------------------
clarity = coaching_store.clarity_over_time(con, user_id)
ui.chart_block("Clarity over time", charts.clarity_over_time_chart(clarity),
               charts.describe_clarity_over_time(clarity),
               clarity.rename(columns={"held_on": "Held on", "before": "Before",
                                       "after": "After"}),
               "No clarity ratings yet. When you log a conversation, rate how clear your career "
               "goal felt before and after it (1–5) — the chart appears here.", "chart_clarity",
               wide=True, section=True)

# --- Reflections --------------------------------------------------------------------------------
st.header("Reflections")
notes = coaching_store.reflections(con, user_id)
if notes.empty:
    st.caption("Your reflections will be listed here: after each conversation, note what "
               "changed in your thinking.")
    page_link("pages/log_conversation.py", "Log a conversation", icon=":material/edit_note:")


def rating(value) -> str:
    return "—" if pd.isna(value) else str(int(value))


def direction(before, after) -> str:
    if pd.isna(before) or pd.isna(after):
        return ""
    return " (clearer)" if after > before else " (less clear)" if after < before else " (same)"


def reflection_card(row) -> None:
    who = row.name + (f", {row.organization}" if isinstance(row.organization, str) else "")
    with st.container(border=True):
        st.markdown(f"**{pd.Timestamp(row.held_on):%b %d, %Y}** — {ui.escape_markdown(who)}")
        st.caption(f"Clarity {rating(row.clarity_before)} → {rating(row.clarity_after)}"
                   f"{direction(row.clarity_before, row.clarity_after)}")
        if isinstance(row.reflection, str) and row.reflection:
            st.text(row.reflection)
        else:
            st.caption("No note on what changed.")


for row in notes.head(REFLECTIONS_SHOWN).itertuples():
    reflection_card(row)
if len(notes) > REFLECTIONS_SHOWN:
    with st.expander(f"Show {len(notes) - REFLECTIONS_SHOWN} older reflections"):
        for row in notes.iloc[REFLECTIONS_SHOWN:].itertuples():
            reflection_card(row)

# --- Weekly and term goals ----------------------------------------------------------------------
st.header("Your weekly and term goals")
goals = coaching_store.effective_goals(con, user_id, today=today)
st.caption(coaching.goals_source_text(goals))
g = f"g{ui.form_generation('goals')}"  # new widget keys after a reset show the new values
with st.form("goals", enter_to_submit=False):
    a, b, c = st.columns(3)
    weekly_outreach = a.number_input("Weekly outreach goal", min_value=0,
                                     max_value=coaching_store.WEEKLY_GOAL_MAX,
                                     value=goals.weekly_outreach, step=1, key=f"{g}_outreach",
                                     help="Messages you aim to send each week.")
    weekly_conversations = b.number_input("Weekly conversation goal", min_value=0,
                                          max_value=coaching_store.WEEKLY_GOAL_MAX,
                                          value=goals.weekly_conversations, step=1,
                                          key=f"{g}_conversations",
                                          help="Conversations you aim to hold each week.")
    term_conversations = c.number_input("Conversations goal for the term", min_value=0,
                                        max_value=coaching_store.TERM_GOAL_MAX,
                                        value=goals.term_conversations, step=1, key=f"{g}_term",
                                        help="Conversations you aim to hold this term.")
    ui.error_summary("goals")
    save_goals = st.form_submit_button("Save my goals", type="primary")
if save_goals:
    try:
        coaching_store.set_own_goals(con, user_id, coaching.clean_goals({
            "weekly_outreach": weekly_outreach, "weekly_conversations": weekly_conversations,
            "term_conversations": term_conversations}))
        ui.set_errors("goals", {})
        ui.flash("Your goals are saved.")
    except ValidationError as problem:
        ui.set_errors("goals", problem.errors)
    st.rerun()

reset_label = ("Use my class's goals" if goals.class_goals is not None
               else "Use the suggested goals")
if st.button(reset_label, key="goals_reset", disabled=not goals.any_own,
             help="Forget your own goals; your class's (or the suggested ones: 5 messages and "
                  "1 conversation a week, 8 conversations a term) apply again."):
    coaching_store.use_class_goals(con, user_id)
    ui.next_generation("goals")
    ui.flash("Your class's goals apply again." if goals.class_goals is not None
             else "The suggested goals apply again.")
    st.rerun()
