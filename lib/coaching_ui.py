"""Streamlit pieces for coaching on the student's home page: next actions with their buttons,
upcoming conversations and the goals strip. Each takes a `key_prefix` so its widget keys stay
unique; what the buttons do lives in `lib.coaching`."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib import coaching, coaching_store, ui, vocab
from lib.reminders import NextAction, zone_or_utc

SHOWN_FIRST = 5  # items shown before "Show more"
UPCOMING_DAYS = 14


def timezone_name() -> str | None:
    """The browser's IANA time zone, or None (tests, old browsers)."""
    try:
        return st.context.timezone
    except Exception:  # no browser context, e.g. in tests
        return None


def page_link(page: str, label: str, icon: str | None = None) -> None:
    """`st.page_link`, or the label as plain text while that page is not in the navigation
    (a link to an unregistered page would stop the whole page with an error)."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.caption(label)


# --- next actions -----------------------------------------------------------------------------

_BADGE_COLOUR = {"overdue": "red", "today": "orange", "later": "blue"}


def _action_item(con, user_id: int, action: NextAction, *, today: dt.date,
                 key_prefix: str) -> None:
    buttons = coaching.buttons_for(action)
    icon, words = coaching.due_label(action, today)
    colour = ("overdue" if action.overdue else "today" if action.due_on <= today else "later")
    with st.container(border=True):
        st.markdown(f"**{ui.escape_markdown(action.title)}**")
        st.badge(words, icon=icon, color=_BADGE_COLOUR[colour])
        st.caption(ui.escape_markdown(action.detail))
        with st.container(horizontal=True, vertical_alignment="center"):
            done = st.button(buttons.done_label, key=f"{key_prefix}_done_{action.key}",
                             help=buttons.done_help, type="primary", icon=":material/check:")
            snoozed = st.button(f"Snooze {coaching.SNOOZE_DAYS} days",
                                key=f"{key_prefix}_snooze_{action.key}",
                                icon=":material/snooze:", help="Hide this item for three days.")
            if buttons.link:
                page_link(buttons.link, buttons.link_label or "Open",
                          icon=":material/arrow_forward:")
    if done:
        ui.flash(coaching.complete_action(con, user_id, action, today=today))
        st.rerun()
    if snoozed:
        until = coaching.snooze_action(con, user_id, action, today=today)
        ui.flash(f"Snoozed until {until:%a} {until.day} {until:%b}.")
        st.rerun()


def next_actions_section(con, user_id: int, *, today: dt.date, tz_name: str | None,
                         key_prefix: str = "na", goals=None) -> None:
    """`goals`: the goals in effect, when the page has them already."""
    st.header("Next actions")
    items = coaching.student_next_actions(con, user_id, today=today, tz_name=tz_name,
                                          goals=goals)
    if not items:
        st.success("You're all caught up — nothing needs doing right now. A good moment to "
                   "find your next contact.", icon=":material/task_alt:")
        return
    overdue = sum(a.overdue for a in items)
    st.caption(f"{len(items)} to do, most urgent first"
               + (f" — {overdue} overdue." if overdue else "."))
    for action in items[:SHOWN_FIRST]:
        _action_item(con, user_id, action, today=today, key_prefix=key_prefix)
    if len(items) > SHOWN_FIRST:
        # Drawn once opened (a rerun), as the charts' tables are: a closed expander's items
        # still cost the server and the browser every element on every page load.
        with st.expander(f"Show {len(items) - SHOWN_FIRST} more", key=f"{key_prefix}_more",
                         on_change="rerun") as more:
            if more.open:
                for action in items[SHOWN_FIRST:]:
                    _action_item(con, user_id, action, today=today, key_prefix=key_prefix)


# --- upcoming conversations ---------------------------------------------------------------------

def _local_start(starts_at, timezone, tz_name: str | None) -> dt.datetime:
    moment = coaching_store.scheduled_moment(starts_at, timezone)
    if moment.tzinfo is not None and tz_name:
        moment = moment.astimezone(zone_or_utc(tz_name)).replace(tzinfo=None)
    return moment.replace(tzinfo=None)


def upcoming_section(con, user_id: int, *, today: dt.date, tz_name: str | None) -> None:
    st.header("Upcoming conversations")
    frame = coaching_store.upcoming_conversations(
        con, user_id, start=today, end=today + dt.timedelta(days=UPCOMING_DAYS))
    if frame.empty:
        st.caption("Nothing scheduled for the next two weeks. When someone says yes, schedule "
                   "the conversation and prepare your questions.")
        page_link(coaching.PREPARE_PAGE, "Prepare", icon=":material/event_note:")
        return
    for row in frame.itertuples():
        start = _local_start(row.starts_at, row.timezone, tz_name)
        day = {0: "Today", 1: "Tomorrow"}.get((start.date() - today).days,
                                              f"{start:%a} {start.day} {start:%b}")
        who = row.name + (f" ({row.organization})" if isinstance(row.organization, str) else "")
        how = vocab.label(vocab.FORMATS, row.format)
        with st.container(border=True):
            st.markdown(f"**{day}, {start:%H:%M}** — {ui.escape_markdown(who)}")
            st.caption(ui.escape_markdown(
                how + (f" · {row.place}" if isinstance(row.place, str) and row.place else "")))
            if row.prep_complete:
                st.badge("Prep complete", icon=":material/check_circle:", color="green")
            else:
                st.badge("Prep to do", icon=":material/pending:", color="orange")
    page_link(coaching.PREPARE_PAGE, "Open your prep sheets", icon=":material/event_note:")


# --- goals strip --------------------------------------------------------------------------------

def _versus(done: int, goal: int) -> dict:
    if goal <= 0:
        return {"delta": None}
    met = done >= goal
    return {"delta": "goal met" if met else f"{goal - done} to go",
            "delta_color": "normal" if met else "off", "delta_arrow": "off"}


def goals_strip(con, user_id: int, *, today: dt.date, key_prefix: str = "goals",
                goals=None) -> None:
    """This week's outreach and conversations against the goals, the streak, the term, and
    a quick setting of the weekly outreach goal. `goals`: the goals in effect, if known."""
    strip = coaching.goals_strip(con, user_id, today=today, goals=goals)
    g = strip.goals
    with st.container(border=True):
        cols = st.columns(4)
        cols[0].metric("Outreach this week", f"{strip.outreach_this_week} / {g.weekly_outreach}",
                       help="Messages sent since Monday, against your weekly outreach goal.",
                       **_versus(strip.outreach_this_week, g.weekly_outreach))
        cols[1].metric("Conversations this week",
                       f"{strip.conversations_this_week} / {g.weekly_conversations}",
                       help="Conversations held since Monday, against your weekly goal.",
                       **_versus(strip.conversations_this_week, g.weekly_conversations))
        weeks = strip.streak_weeks
        cols[2].metric("Streak", f"{weeks} week{'s' if weeks != 1 else ''}",
                       help="Weeks in a row you met your outreach goal, counted back from last "
                            "week; this week counts once you meet it.")
        cols[2].caption(coaching.streak_text(weeks) if weeks else
                        "Meet your outreach goal this week to start one.")
        term = strip.term
        cols[3].metric("Term goal", f"{term.held} / {term.goal}",
                       help="Conversations held since the term began, against the term goal.",
                       **_versus(term.held, term.goal))
        if term.starts_on:
            cols[3].caption(f"Since {term.starts_on:%b %d, %Y}"
                            + (f", until {term.ends_on:%b %d}" if term.ends_on else ""))
        setting, about = st.columns([1, 3], vertical_alignment="bottom")
        new_goal = setting.number_input("Weekly outreach goal", min_value=0,
                                        max_value=coaching_store.WEEKLY_GOAL_MAX,
                                        value=g.weekly_outreach, step=1,
                                        key=f"{key_prefix}_weekly_outreach",
                                        help="Outreach messages you aim to send each week. "
                                             "Changing it makes it your own goal.")
        if new_goal != g.weekly_outreach:
            coaching_store.set_own_weekly_outreach_goal(con, user_id, int(new_goal))
            st.rerun()
        with about:
            st.caption(coaching.goals_source_text(g))
            page_link("pages/career_goals.py", "Change your goals", icon=":material/flag:")
