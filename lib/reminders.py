"""A student's next actions, computed from dates when the page loads (no background jobs).

The storage layer hands in plain records (the frozen dataclasses below); `next_actions` returns
`NextAction`s ordered by urgency. Pure: no Streamlit, no SQL, no clock — `today` is passed in
(use `today_in` to get it in the student's time zone).

Rules
- thank_you: a conversation held without a thank-you is due within 24 hours (held today or
  yesterday; due_on = held_on + 1 day) and overdue after that.
- 3B7, on the latest outreach to a contact while it is still 'pending':
  next_contact — attempt 1 unanswered for ≥3 business days: reach out to someone else there;
  follow_up    — attempt 1 unanswered for ≥7 business days (replaces next_contact);
  move_on      — attempt ≥2 unanswered for ≥7 business days (the contact is now "No response").
  Contacts with a held or scheduled conversation get no outreach nudges: they have answered.
- prepare: a scheduled conversation today..today+3 whose prep is incomplete.
- keep_in_touch: last conversation ≥42 days ago and no touch in those 42 days either
  (a touch restarts the 6-week clock), at most 3 keep-in-touch messages a year.
- weekly_goal: fewer messages sent this week than the weekly goal.
- Done items (by key) are dropped; snoozed items are hidden while today < until.

Urgency order (urgency_rank 0..7)
  0 overdue thank-yous, 1 due thank-yous, 2 prepare (soonest first), 3 follow_up, 4 move_on,
  5 next_contact, 6 keep_in_touch, 7 weekly goal; within a rank the oldest first.

`overdue` means the due day has passed (due_on < today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lib.metrics import business_days_between

NEXT_CONTACT_AFTER = 3  # business days: the "3" of 3B7
FOLLOW_UP_AFTER = 7  # business days: the "7" of 3B7 (also how long a follow-up gets)
PREPARE_WITHIN_DAYS = 3
KEEP_IN_TOUCH_AFTER_DAYS = 42  # six weeks
KEEP_IN_TOUCH_PER_YEAR = 3

# Rank slots, most urgent first. Thank-yous take two slots: overdue ones outrank due ones.
URGENCY: tuple[str, ...] = (
    "thank_you_overdue", "thank_you", "prepare", "follow_up", "move_on", "next_contact",
    "keep_in_touch", "weekly_goal",
)
_RANK = {slot: rank for rank, slot in enumerate(URGENCY)}


# --- inputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutreachState:
    """One message sent to a contact. `attempt` is 1 for the first message, 2 for the follow-up."""

    outreach_id: int
    contact_id: int
    contact_name: str
    organization: str | None
    sent_on: dt.date
    attempt: int
    outcome: str  # vocab.OUTCOMES code: 'pending' | 'accepted' | 'declined'


@dataclass(frozen=True)
class ConversationState:
    """A conversation that has been held; `thank_you_on` is None until a thank-you is logged."""

    conversation_id: int
    contact_id: int
    contact_name: str
    held_on: dt.date
    thank_you_on: dt.date | None


@dataclass(frozen=True)
class ScheduledState:
    """An upcoming conversation. `scheduled_for` is naive local time, or aware (then converted
    to the `tz_name` given to `next_actions`)."""

    conversation_id: int
    contact_id: int
    contact_name: str
    scheduled_for: dt.datetime
    prep_complete: bool


@dataclass(frozen=True)
class ContactTouch:
    """A contact the student has spoken with. `last_touch_on`: the last message of any kind sent
    to them (thank-you, keep-in-touch, …), or None."""

    contact_id: int
    contact_name: str
    last_conversation_on: dt.date | None
    last_touch_on: dt.date | None
    keep_in_touch_count_past_year: int


@dataclass(frozen=True)
class Snooze:
    """Hide the action with this kind and ref_id while today < until."""

    kind: str
    ref_id: int | str
    until: dt.date

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref_id}"


@dataclass(frozen=True)
class Done:
    """The student ticked this action off; it stays hidden."""

    kind: str
    ref_id: int | str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ref_id}"


# --- output ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NextAction:
    """One thing to do. `ref_id` is the outreach/conversation/contact id the action is about
    (a string for keep_in_touch and weekly_goal, so ticking one off does not hide the next)."""

    # thank_you | prepare | follow_up | move_on | next_contact | keep_in_touch | weekly_goal
    kind: str
    ref_id: int | str
    contact_id: int | None
    title: str
    detail: str
    due_on: dt.date
    urgency_rank: int
    overdue: bool

    @property
    def key(self) -> str:
        """Stable identity for done/snooze records."""
        return f"{self.kind}:{self.ref_id}"


# --- dates -------------------------------------------------------------------------------------

def add_business_days(start: dt.date, n: int) -> dt.date:
    """The earliest day d with business_days_between(start, d) == n (Saturdays and Sundays
    skipped); `start` itself when n == 0."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    while n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def zone_or_utc(tz_name: str | None) -> dt.tzinfo:
    """The named IANA zone; UTC when the name is missing or unknown (never fails a page)."""
    if not tz_name:
        return dt.timezone.utc
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc


def today_in(tz_name: str | None, now: dt.datetime | None = None) -> dt.date:
    """Today's date for a student in `tz_name`. `now` defaults to the current UTC time; a naive
    `now` is taken as UTC."""
    if now is None:
        now = dt.datetime.now(dt.timezone.utc)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    return now.astimezone(zone_or_utc(tz_name)).date()


def _day(value) -> dt.date | None:
    """Dates from frames may arrive as datetimes/Timestamps, or NaT (which is != itself)."""
    if value is None or value != value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _local(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Naive local wall time, so aware and naive schedules sort together."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def _short(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- rules -------------------------------------------------------------------------------------

# Each rule yields (sort_key, NextAction); the sort key puts the oldest first within a rank.
_Ranked = tuple[tuple, NextAction]


def _action(slot: str, kind: str, ref_id, contact_id, title: str, detail: str,
            due_on: dt.date, today: dt.date, since: dt.datetime) -> _Ranked:
    rank = _RANK[slot]
    action = NextAction(kind=kind, ref_id=ref_id, contact_id=contact_id, title=title,
                        detail=detail, due_on=due_on, urgency_rank=rank, overdue=due_on < today)
    return (rank, due_on, since, str(ref_id)), action


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _thank_yous(conversations: Iterable[ConversationState], today: dt.date) -> list[_Ranked]:
    out = []
    for c in conversations:
        held_on = _day(c.held_on)
        if _day(c.thank_you_on) is not None or held_on is None or held_on > today:
            continue
        due_on = held_on + dt.timedelta(days=1)
        overdue = due_on < today
        detail = (f"You spoke on {_short(held_on)}. A late thank-you still beats none — "
                  "mention one thing you will act on." if overdue else
                  f"You spoke on {_short(held_on)}. Send it within 24 hours and mention one "
                  "thing you will act on.")
        out.append(_action("thank_you_overdue" if overdue else "thank_you", "thank_you",
                           c.conversation_id, c.contact_id, f"Send a thank-you to {c.contact_name}",
                           detail, due_on, today, _midnight(held_on)))
    return out


def _outreach_nudges(outreach: Iterable[OutreachState], answered: set[int],
                     today: dt.date) -> list[_Ranked]:
    outreach = list(outreach)
    # Only the latest attempt to a contact can need a nudge: an earlier one has been followed up.
    latest: dict[int, OutreachState] = {}
    for o in outreach:
        best = latest.get(o.contact_id)
        if best is None or (o.attempt, _day(o.sent_on), o.outreach_id) > (
                best.attempt, _day(best.sent_on), best.outreach_id):
            latest[o.contact_id] = o
    out = []
    for o in latest.values():
        sent_on = _day(o.sent_on)
        if o.outcome != "pending" or o.contact_id in answered or sent_on is None:
            continue
        waited = business_days_between(sent_on, today)
        since = _midnight(sent_on)
        if o.attempt >= 2 and waited >= FOLLOW_UP_AFTER:
            out.append(_action(
                "move_on", "move_on", o.outreach_id, o.contact_id,
                f"Move on from {o.contact_name}",
                f"Your follow-up has had no reply for {waited} business days, so they are now "
                "marked No response. Put the time into a new contact.",
                add_business_days(sent_on, FOLLOW_UP_AFTER), today, since))
        elif o.attempt == 1 and waited >= FOLLOW_UP_AFTER:
            out.append(_action(
                "follow_up", "follow_up", o.outreach_id, o.contact_id,
                f"Follow up once with {o.contact_name}",
                f"No reply to your message of {_short(sent_on)} after {waited} business days. "
                "One short, friendly follow-up is enough.",
                add_business_days(sent_on, FOLLOW_UP_AFTER), today, since))
        elif o.attempt == 1 and waited >= NEXT_CONTACT_AFTER:
            where = f" at {o.organization}" if o.organization else ""
            follow_up_on = add_business_days(sent_on, FOLLOW_UP_AFTER)
            out.append(_action(
                "next_contact", "next_contact", o.outreach_id, o.contact_id,
                f"Reach out to the next contact{where}" if where else
                "Reach out to your next contact",
                f"{o.contact_name} has not replied in {waited} business days. Don't wait: "
                f"write to someone else{where}, and follow up with {o.contact_name} on "
                f"{_short(follow_up_on)} if there is still no reply.",
                add_business_days(sent_on, NEXT_CONTACT_AFTER), today, since))
    return out


def _preparations(scheduled: Iterable[ScheduledState], today: dt.date,
                  zone: dt.tzinfo) -> list[_Ranked]:
    last_day = today + dt.timedelta(days=PREPARE_WITHIN_DAYS)
    out = []
    for s in scheduled:
        at = _local(s.scheduled_for, zone)
        if s.prep_complete or not today <= at.date() <= last_day:
            continue
        when = {0: "Today", 1: "Tomorrow"}.get((at.date() - today).days, _short(at.date()))
        out.append(_action(
            "prepare", "prepare", s.conversation_id, s.contact_id,
            f"Prepare for your conversation with {s.contact_name}",
            f"{when} at {at:%H:%M}. Research them, pick your questions and your 30-second "
            "introduction.",
            at.date(), today, at))
    return out


def _keep_in_touch(touches: Iterable[ContactTouch], today: dt.date) -> list[_Ranked]:
    out = []
    for t in touches:
        spoke_on = _day(t.last_conversation_on)
        if spoke_on is None or t.keep_in_touch_count_past_year >= KEEP_IN_TOUCH_PER_YEAR:
            continue
        touched_on = _day(t.last_touch_on)
        quiet_since = max(spoke_on, touched_on) if touched_on else spoke_on
        quiet_days = (today - quiet_since).days
        if quiet_days < KEEP_IN_TOUCH_AFTER_DAYS:
            continue
        # The ref includes the day the quiet began, so ticking one off does not hide the next.
        out.append(_action(
            "keep_in_touch", "keep_in_touch", f"{t.contact_id}@{quiet_since.isoformat()}",
            t.contact_id, f"Keep in touch with {t.contact_name}",
            f"{_plural(quiet_days // 7, 'week')} since you were last in touch. Share a short "
            "update on how their advice helped.",
            quiet_since + dt.timedelta(days=KEEP_IN_TOUCH_AFTER_DAYS), today,
            _midnight(quiet_since)))
    return out


def _weekly_goal(this_week_outreach: int, weekly_goal: int, today: dt.date) -> list[_Ranked]:
    missing = weekly_goal - this_week_outreach
    if weekly_goal <= 0 or missing <= 0:
        return []
    monday = today - dt.timedelta(days=today.weekday())
    return [_action(
        "weekly_goal", "weekly_goal", monday.isoformat(), None,
        f"Send {missing} more {'message' if missing == 1 else 'messages'} this week",
        f"{this_week_outreach} of {weekly_goal} sent since Monday.",
        monday + dt.timedelta(days=6), today, _midnight(monday))]


def next_actions(*, today: dt.date, outreach: Iterable[OutreachState],
                 conversations: Iterable[ConversationState],
                 scheduled: Iterable[ScheduledState], touches: Iterable[ContactTouch],
                 this_week_outreach: int, weekly_goal: int,
                 snoozes: Iterable[Snooze] = (), done: Iterable[Done] = (),
                 tz_name: str | None = None) -> list[NextAction]:
    """Everything the student should do next, most urgent first (see the module docstring)."""
    conversations = list(conversations)
    scheduled = list(scheduled)
    answered = {c.contact_id for c in conversations} | {s.contact_id for s in scheduled}
    ranked = (_thank_yous(conversations, today)
              + _outreach_nudges(outreach, answered, today)
              + _preparations(scheduled, today, zone_or_utc(tz_name))
              + _keep_in_touch(touches, today)
              + _weekly_goal(this_week_outreach, weekly_goal, today))
    hidden = {d.key for d in done} | {s.key for s in snoozes if today < s.until}
    ranked.sort(key=lambda pair: pair[0])
    return [action for _, action in ranked if action.key not in hidden]
