"""Coaching assembled for the pages: next actions and what each one's buttons do, the goals
strip (this week, the streak, the term) and the validation of goals and career goals.

No SQL here: records come from `lib.coaching_store` and `lib.store`; the rules are
`lib.reminders`. The streak is a pure function over weekly counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from lib import coaching_store, reminders, store
from lib.coaching_store import (
    CAREER_GOAL_MAX,
    TERM_GOAL_MAX,
    WEEKLY_GOAL_MAX,
    Goals,
    OwnGoals,
    TermProgress,
)
from lib.metrics import week_start
from lib.reminders import NextAction
from lib.validation import _Collector, clean_outreach

SNOOZE_DAYS = 3


# --- next actions -----------------------------------------------------------------------------

def student_next_actions(con, user_id: int, *, today: dt.date, tz_name: str | None = None,
                         goals: Goals | None = None) -> list[NextAction]:
    """The student's next actions, most urgent first, without those done or snoozed."""
    goals = goals or coaching_store.effective_goals(con, user_id, today=today)
    marks = coaching_store.action_marks(con, user_id)
    return reminders.next_actions(
        today=today,
        outreach=coaching_store.outreach_states(con, user_id),
        conversations=coaching_store.conversation_states(con, user_id),
        scheduled=coaching_store.scheduled_states(con, user_id),
        touches=coaching_store.contact_touches(con, user_id, today=today),
        this_week_outreach=coaching_store.outreach_sent_between(con, user_id, week_start(today),
                                                                today),
        weekly_goal=goals.weekly_outreach,
        snoozes=marks.snoozes, done=marks.done, tz_name=tz_name,
    )


@dataclass(frozen=True)
class ActionButtons:
    """What an item offers. `done_label` is the one-click button; `link` (a page path) and
    `link_label` an optional page to do it on."""

    done_label: str
    done_help: str
    link: str | None = None
    link_label: str | None = None


CONTACTS_PAGE = "pages/contacts.py"
PREPARE_PAGE = "pages/prepare.py"

_BUTTONS: dict[str, ActionButtons] = {
    "thank_you": ActionButtons("Sent it today", "Records the thank-you as sent today."),
    "follow_up": ActionButtons(
        "I sent the follow-up", "Logs a follow-up message dated today, on the same channel as "
        "your first message.", CONTACTS_PAGE, "Log it with another date or channel"),
    "move_on": ActionButtons("Done", "They already show as No response; this hides the item."),
    "next_contact": ActionButtons("Done", "Hides this reminder.", CONTACTS_PAGE,
                                  "Contacts & outreach"),
    "prepare": ActionButtons("Done", "Hides this reminder.", PREPARE_PAGE,
                             "Open the prep sheet"),
    "keep_in_touch": ActionButtons("I sent a note", "Records a keep-in-touch note sent today."),
    "weekly_goal": ActionButtons("Done", "Hides this reminder for the rest of the week.",
                                 CONTACTS_PAGE, "Contacts & outreach"),
}


def buttons_for(action: NextAction) -> ActionButtons:
    return _BUTTONS.get(action.kind, ActionButtons("Done", "Hides this reminder."))


def complete_action(con, user_id: int, action: NextAction, *, today: dt.date) -> str:
    """Do the item's one-click "done" and return what was recorded, to tell the student.

    thank_you: the thank-you is recorded as sent today; follow_up: a follow-up message dated
    today is logged on the first message's channel (once, even if clicked twice);
    keep_in_touch: a note is recorded today; every other kind is marked done.
    """
    if action.kind == "thank_you":
        store.set_thank_you(con, user_id, int(action.ref_id), today)
        return "Thank-you recorded as sent today."
    if action.kind == "follow_up":
        contact_id, channel = coaching_store.outreach_channel(con, user_id, int(action.ref_id))
        message = clean_outreach({"contact_id": contact_id, "sent_on": today,
                                  "channel": channel}, today=today)
        store.log_outreach(con, user_id, message,
                           submission_id=f"next_action:{user_id}:{action.key}")
        return "Follow-up logged as sent today."
    if action.kind == "keep_in_touch" and action.contact_id is not None:
        coaching_store.record_touch(con, user_id, action.contact_id, today)
        return "Keep-in-touch note recorded."
    coaching_store.mark_done(con, user_id, action.key)
    return "Marked done."


def snooze_action(con, user_id: int, action: NextAction, *, today: dt.date,
                  days: int = SNOOZE_DAYS) -> dt.date:
    """Hide the item for `days` days; returns the day it comes back."""
    until = today + dt.timedelta(days=days)
    coaching_store.snooze(con, user_id, action.key, until)
    return until


def due_label(action: NextAction, today: dt.date) -> tuple[str, str]:
    """(material icon, words) for an item's due date — never colour alone."""
    if action.overdue:
        days = (today - action.due_on).days
        return ":material/warning:", f"Overdue by {days} day{'s' if days != 1 else ''}"
    if action.due_on == today:
        return ":material/schedule:", "Due today"
    if action.due_on == today + dt.timedelta(days=1):
        return ":material/event:", "Due tomorrow"
    return ":material/event:", f"Due {action.due_on:%a} {action.due_on.day} {action.due_on:%b}"


# The pipeline's "Next step" column: each contact's most urgent next action, in a few words
# (the contact's name is on the row already).
NEXT_STEPS = {
    "thank_you": "Send a thank-you",
    "prepare": "Prepare for your conversation",
    "follow_up": "Follow up once",
    "move_on": "Move on: no reply to your follow-up",
    "next_contact": "No reply yet: write to someone else meanwhile",
    "keep_in_touch": "Keep in touch",
}
# With nothing due about a contact, what their stage calls for (no date: it is not due).
STAGE_STEPS = {
    "identified": "Reach out when you are ready",
    "contacted": "Wait for their reply",
    "responded": "Schedule the conversation",
    "scheduled": "Hold the conversation",
}
NOTHING_DUE = "Nothing due"


def next_steps(stages: Mapping[int, str], actions, today: dt.date) -> dict[int, str]:
    """contact id → what to do next with them and when ("Follow up once · Overdue by 2 days"),
    for each contact of `stages` (id → stage): the first of the student's next actions about
    the contact (most urgent first, as student_next_actions returns them); else what the stage
    calls for, or "Nothing due"."""
    steps: dict[int, str] = {}
    for action in actions:
        if action.contact_id not in stages or action.contact_id in steps:
            continue
        _, when = due_label(action, today)
        steps[action.contact_id] = f"{NEXT_STEPS.get(action.kind, action.title)} · {when}"
    for contact_id, stage in stages.items():
        steps.setdefault(contact_id, STAGE_STEPS.get(stage, NOTHING_DUE))
    return steps


# --- goals ------------------------------------------------------------------------------------

def streak(weekly_counts: Mapping[dt.date, int], goal: int, *, today: dt.date) -> int:
    """Weeks in a row meeting the outreach goal, counted back from the last complete week; the
    current week adds one once it has met the goal (an unfinished week never breaks it).
    `weekly_counts` is keyed by each week's Monday. No goal (0) means no streak."""
    if goal <= 0:
        return 0
    this_monday = week_start(today)
    weeks = 0
    monday = this_monday - dt.timedelta(days=7)
    while weekly_counts.get(monday, 0) >= goal:
        weeks += 1
        monday -= dt.timedelta(days=7)
    if weekly_counts.get(this_monday, 0) >= goal:
        weeks += 1
    return weeks


def streak_text(weeks: int) -> str:
    if weeks == 0:
        return "No streak yet"
    return "1 week meeting your goal" if weeks == 1 else f"{weeks} weeks in a row"


@dataclass(frozen=True)
class GoalsStrip:
    goals: Goals
    outreach_this_week: int
    conversations_this_week: int
    streak_weeks: int
    term: TermProgress


def goals_strip(con, user_id: int, *, today: dt.date, goals: Goals | None = None) -> GoalsStrip:
    """`goals`: the goals in effect (looked up when None)."""
    goals = goals or coaching_store.effective_goals(con, user_id, today=today)
    monday = week_start(today)
    weekly = coaching_store.weekly_outreach_counts(con, user_id, until=today)
    return GoalsStrip(
        goals=goals,
        outreach_this_week=coaching_store.outreach_sent_between(con, user_id, monday, today),
        conversations_this_week=coaching_store.conversations_held_between(con, user_id, monday,
                                                                          today),
        streak_weeks=streak(weekly, goals.weekly_outreach, today=today),
        term=coaching_store.term_progress(con, user_id, today=today, goals=goals),
    )


SOURCE_WORDS = {"own": "your own", "class": "your class's", "default": "the suggested default"}


def goals_source_text(goals: Goals) -> str:
    """One sentence saying where the goals in effect come from."""
    sources = {goals.weekly_outreach_source, goals.weekly_conversations_source,
               goals.term_conversations_source}
    if sources == {"own"}:
        return "These are your own goals."
    if sources == {"default"}:
        return "These are the suggested goals; set your own any time."
    if goals.class_goals is not None and sources == {"class", "default"} \
            and goals.weekly_conversations_source == "default":
        return (f"These are your class's goals ({goals.class_goals.name}), with the suggested "
                "weekly conversation goal.")
    parts = [f"weekly outreach: {SOURCE_WORDS[goals.weekly_outreach_source]}",
             f"weekly conversations: {SOURCE_WORDS[goals.weekly_conversations_source]}",
             f"term: {SOURCE_WORDS[goals.term_conversations_source]}"]
    return "Goals in use — " + "; ".join(parts) + "."


def clean_goals(raw: Mapping[str, Any]) -> OwnGoals:
    """Raw keys: weekly_outreach, weekly_conversations, term_conversations (each required)."""
    c = _Collector()
    outreach = c.integer(raw, "weekly_outreach", "Weekly outreach goal", low=0,
                         high=WEEKLY_GOAL_MAX, required=True)
    talks = c.integer(raw, "weekly_conversations", "Weekly conversation goal", low=0,
                      high=WEEKLY_GOAL_MAX, required=True)
    term = c.integer(raw, "term_conversations", "Conversations goal for the term", low=0,
                     high=TERM_GOAL_MAX, required=True)
    c.raise_if_any()
    return OwnGoals(outreach, talks, term)


def clean_career_goal(value: Any) -> str:
    c = _Collector()
    goal = c.text({"goal": value}, "goal", "Career goal", required=True, max_len=CAREER_GOAL_MAX,
                  multiline=True, hint="write a sentence or two about where you are heading")
    c.raise_if_any()
    return goal
