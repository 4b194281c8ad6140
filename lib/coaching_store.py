"""Storage for coaching: next-action marks, keep-in-touch touches, goals, career goals and
reflections, and the records `lib.reminders.next_actions` is computed from.

Every function is scoped to one user and parameterized; every write is one transaction
(`lib.db.transaction`). Reads for next actions return `lib.reminders` dataclasses; reads for
pages return small frames.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from lib import classes, prep, queries, store, vocab
from lib.db import reading, transaction, with_retry
from lib.queries import _mine
from lib.reminders import (
    ContactTouch,
    ConversationState,
    Done,
    OutreachState,
    ScheduledState,
    Snooze,
)
from lib.store import NotFound

DEFAULT_WEEKLY_OUTREACH = vocab.DEFAULT_WEEKLY_GOAL  # 5 messages a week
DEFAULT_WEEKLY_CONVERSATIONS = 1
DEFAULT_TERM_CONVERSATIONS = 8
WEEKLY_GOAL_MAX = 100
TERM_GOAL_MAX = 500
CAREER_GOAL_MAX = 2_000
ACTION_KEY_MAX = 200


def _owned_contact(cur, user_id: int, contact_id: int) -> None:
    if cur.execute("SELECT 1 FROM contacts WHERE id = ? AND user_id = ?",
                   [contact_id, user_id]).fetchone() is None:
        raise NotFound("No such contact.")


# --- next-action marks ------------------------------------------------------------------------

@dataclass(frozen=True)
class Marks:
    """The student's done and snoozed next actions, as `next_actions` takes them."""

    done: list[Done]
    snoozes: list[Snooze]


def _check_key(action_key: str) -> str:
    if not isinstance(action_key, str) or ":" not in action_key or \
            len(action_key) > ACTION_KEY_MAX:
        raise ValueError(f"Not a next-action key: {action_key!r}")
    return action_key


def _mark(con, user_id: int, action_key: str, mark: str, until: dt.date | None) -> None:
    _check_key(action_key)

    def attempt() -> None:
        with transaction(con) as cur:
            cur.execute(
                "INSERT INTO action_marks (user_id, action_key, mark, until) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, action_key) DO UPDATE SET mark = excluded.mark,"
                " until = excluded.until, created_at = excluded.created_at",
                [user_id, action_key, mark, until])

    with_retry(attempt)


def mark_done(con, user_id: int, action_key: str) -> None:
    """Tick a next action off for good (its key, e.g. "next_contact:42")."""
    _mark(con, user_id, action_key, "done", None)


def snooze(con, user_id: int, action_key: str, until: dt.date) -> None:
    """Hide a next action while today < `until` (replaces an earlier mark of the same key)."""
    _mark(con, user_id, action_key, "snoozed", until)


def action_marks(con, user_id: int) -> Marks:
    with reading(con) as cur:
        rows = cur.execute("SELECT action_key, mark, until FROM action_marks WHERE user_id = ?"
                           " ORDER BY action_key", [user_id]).fetchall()
    done, snoozes = [], []
    for key, mark, until in rows:
        kind, ref_id = key.split(":", 1)
        if mark == "done":
            done.append(Done(kind, ref_id))
        elif until is not None:
            snoozes.append(Snooze(kind, ref_id, until))
    return Marks(done=done, snoozes=snoozes)


# --- keep-in-touch touches --------------------------------------------------------------------

def record_touch(con, user_id: int, contact_id: int, touched_on: dt.date) -> None:
    """A keep-in-touch message sent to a contact; a second one the same day is not counted."""

    def attempt() -> None:
        with transaction(con) as cur:
            _owned_contact(cur, user_id, contact_id)
            cur.execute(
                "INSERT INTO touches (user_id, contact_id, touched_on) SELECT ?, ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM touches WHERE user_id = ? AND contact_id = ?"
                " AND touched_on = ?)",
                [user_id, contact_id, touched_on, user_id, contact_id, touched_on])

    with_retry(attempt)


def _year_before(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=365)


def touches_past_year(con, user_id: int, *, today: dt.date) -> dict[int, int]:
    """Keep-in-touch messages per contact in the year up to `today` (contacts with none absent)."""
    with reading(con) as cur:
        rows = cur.execute(
            "SELECT contact_id, count(*) FROM touches WHERE user_id = ? AND touched_on > ?"
            " AND touched_on <= ? GROUP BY contact_id",
            [user_id, _year_before(today), today]).fetchall()
    return {contact_id: count for contact_id, count in rows}


# --- the records next actions are computed from ----------------------------------------------

def outreach_states(con, user_id: int) -> list[OutreachState]:
    """Every message sent, with its attempt number (renumbered 1..n by date by lib.store)."""
    with reading(con) as cur:
        rows = cur.execute(f"""
            WITH {_mine("contacts", "outreach")}
            SELECT o.id, o.contact_id, c.name, c.organization, o.sent_on, o.attempt, o.outcome
            FROM my_outreach o JOIN my_contacts c ON c.id = o.contact_id
            ORDER BY o.contact_id, o.attempt, o.id""", {"u": user_id}).fetchall()
    return [OutreachState(*row) for row in rows]


def conversation_states(con, user_id: int) -> list[ConversationState]:
    """Every conversation held, with its thank-you day (None while none was sent). All of them,
    not only the unthanked: `next_actions` also learns from them who has answered."""
    with reading(con) as cur:
        rows = cur.execute(f"""
            WITH {_mine("contacts", "conversations")}
            SELECT v.id, v.contact_id, c.name, v.held_on, v.thank_you_on
            FROM my_conversations v JOIN my_contacts c ON c.id = v.contact_id
            ORDER BY v.held_on, v.id""", {"u": user_id}).fetchall()
    return [ConversationState(*row) for row in rows]


def upcoming_conversations(con, user_id: int, *, start: dt.date | None = None,
                           end: dt.date | None = None) -> pd.DataFrame:
    """Scheduled conversations not yet held nor cancelled, starting on `start`..`end` (wall-clock
    dates; None: no bound), soonest first, with whether their prep sheet is complete
    (researched, 3–5 questions chosen, confirmed). Columns: id, contact_id, name, organization, starts_at, timezone,
    duration_min, format, place, researched, confirmed, questions, prep_complete."""
    with reading(con) as cur:
        frame = cur.execute(f"""
            WITH {_mine("contacts", "scheduled_conversations")},
            s AS MATERIALIZED (
                SELECT * FROM my_scheduled_conversations
                WHERE conversation_id IS NULL AND cancelled_at IS NULL
                  AND ($start IS NULL OR CAST(starts_at AS DATE) >= $start)
                  AND ($end IS NULL OR CAST(starts_at AS DATE) <= $end)
            ), q AS (
                SELECT p.scheduled_id, count(*) AS questions
                FROM prep_questions p JOIN s ON s.id = p.scheduled_id
                GROUP BY p.scheduled_id
            )
            SELECT s.id, s.contact_id, c.name, c.organization, s.starts_at, s.timezone,
                   s.duration_min, s.format, s.place, s.researched, s.confirmed,
                   coalesce(q.questions, 0)::INTEGER AS questions
            FROM s
            JOIN my_contacts c ON c.id = s.contact_id
            LEFT JOIN q ON q.scheduled_id = s.id
            ORDER BY s.starts_at, s.id
        """, {"u": user_id, "start": start, "end": end}).df()
    frame["prep_complete"] = [  # the one rule, lib.prep's
        prep.prep_complete(researched=bool(r.researched), question_count=int(r.questions),
                           confirmed=bool(r.confirmed)) for r in frame.itertuples()]
    return frame


def _zone(name) -> dt.tzinfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def scheduled_moment(starts_at, timezone) -> dt.datetime:
    """The start as `ScheduledState` wants it: aware in the zone it was booked in, naive (the
    student's own wall-clock time) when no valid zone was stored."""
    moment = pd.Timestamp(starts_at).to_pydatetime()
    zone = _zone(timezone)
    return moment.replace(tzinfo=zone) if zone else moment


def scheduled_states(con, user_id: int) -> list[ScheduledState]:
    """Every booked conversation not yet held nor cancelled. The prepare rule picks the next
    three days itself; all of them tell the outreach rules that the contact has answered."""
    frame = upcoming_conversations(con, user_id)
    return [ScheduledState(int(r.id), int(r.contact_id), r.name,
                           scheduled_moment(r.starts_at, r.timezone), bool(r.prep_complete))
            for r in frame.itertuples()]


def contact_touches(con, user_id: int, *, today: dt.date) -> list[ContactTouch]:
    """Contacts the student has spoken with: the last conversation, the last touch of any kind
    (message, conversation, thank-you, keep-in-touch note) and keep-in-touch notes this year."""
    with reading(con) as cur:
        rows = cur.execute(f"""
            WITH {_mine("contacts", "outreach", "conversations")},
            v AS (
                SELECT contact_id, max(held_on) AS last_held, max(thank_you_on) AS last_thanks
                FROM my_conversations GROUP BY contact_id
            ), o AS (
                SELECT contact_id, max(sent_on) AS last_sent
                FROM my_outreach GROUP BY contact_id
            ), t AS (
                SELECT contact_id, max(touched_on) AS last_touch,
                       count(*) FILTER (WHERE touched_on > $year_ago AND touched_on <= $today)
                           AS recent
                FROM touches WHERE user_id = $u GROUP BY contact_id
            )
            SELECT c.id, c.name, v.last_held,
                   greatest(v.last_held, v.last_thanks, o.last_sent, t.last_touch),
                   coalesce(t.recent, 0)::INTEGER
            FROM my_contacts c
            JOIN v ON v.contact_id = c.id
            LEFT JOIN o ON o.contact_id = c.id
            LEFT JOIN t ON t.contact_id = c.id
            ORDER BY c.id
        """, {"u": user_id, "today": today, "year_ago": _year_before(today)}).fetchall()
    return [ContactTouch(*row) for row in rows]


def outreach_channel(con, user_id: int, outreach_id: int) -> tuple[int, str]:
    """(contact_id, channel) of one of the user's messages."""
    with reading(con) as cur:
        row = cur.execute("SELECT contact_id, channel FROM outreach WHERE id = ? AND user_id = ?",
                          [outreach_id, user_id]).fetchone()
    if row is None:
        raise NotFound("No such outreach.")
    return row[0], row[1]


# --- activity counts --------------------------------------------------------------------------

# Each read starts from the student's own rows (lib.queries._mine): a date filter beside
# `user_id = …` would make DuckDB scan the whole table instead of using its user_id index.

def outreach_sent_between(con, user_id: int, start: dt.date, end: dt.date) -> int:
    with reading(con) as cur:
        return cur.execute(f"WITH {_mine('outreach')} SELECT count(*) FROM my_outreach"
                           " WHERE sent_on BETWEEN $start AND $end",
                           {"u": user_id, "start": start, "end": end}).fetchone()[0]


def conversations_held_between(con, user_id: int, start: dt.date, end: dt.date) -> int:
    with reading(con) as cur:
        return cur.execute(f"WITH {_mine('conversations')} SELECT count(*)"
                           " FROM my_conversations WHERE held_on BETWEEN $start AND $end",
                           {"u": user_id, "start": start, "end": end}).fetchone()[0]


def weekly_outreach_counts(con, user_id: int, *, until: dt.date) -> dict[dt.date, int]:
    """Messages sent per week (keyed by its Monday) up to `until`; weeks with none absent."""
    with reading(con) as cur:
        rows = cur.execute(
            f"WITH {_mine('outreach')} SELECT CAST(date_trunc('week', sent_on) AS DATE),"
            " count(*) FROM my_outreach WHERE sent_on <= $until GROUP BY 1",
            {"u": user_id, "until": until}).fetchall()
    return {week: count for week, count in rows}


# --- goals ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OwnGoals:
    """The goals a student set themself; None means "use my class's" (or the default)."""

    weekly_outreach: int | None = None
    weekly_conversations: int | None = None
    term_conversations: int | None = None


@dataclass(frozen=True)
class ClassGoals:
    class_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    weekly_outreach: int
    term_conversations: int


@dataclass(frozen=True)
class Goals:
    """The goals in effect, each with where it comes from: 'own', 'class' or 'default'."""

    weekly_outreach: int
    weekly_conversations: int
    term_conversations: int
    weekly_outreach_source: str
    weekly_conversations_source: str
    term_conversations_source: str
    class_goals: ClassGoals | None

    @property
    def any_own(self) -> bool:
        return "own" in (self.weekly_outreach_source, self.weekly_conversations_source,
                         self.term_conversations_source)


def resolve_goals(own: OwnGoals, class_goals: ClassGoals | None) -> Goals:
    """Own goal > class goal > default, goal by goal (a class sets no weekly conversation goal)."""

    def pick(mine, theirs, default) -> tuple[int, str]:
        if mine is not None:
            return int(mine), "own"
        if theirs is not None:
            return int(theirs), "class"
        return default, "default"

    outreach, outreach_from = pick(own.weekly_outreach,
                                   class_goals and class_goals.weekly_outreach,
                                   DEFAULT_WEEKLY_OUTREACH)
    talks, talks_from = pick(own.weekly_conversations, None, DEFAULT_WEEKLY_CONVERSATIONS)
    term, term_from = pick(own.term_conversations,
                           class_goals and class_goals.term_conversations,
                           DEFAULT_TERM_CONVERSATIONS)
    return Goals(outreach, talks, term, outreach_from, talks_from, term_from, class_goals)


def own_goals(con, user_id: int) -> OwnGoals:
    with reading(con) as cur:
        row = cur.execute(
            "SELECT CASE WHEN coalesce(weekly_goal_set, false) THEN weekly_goal END,"
            " weekly_conversation_goal, term_conversation_goal FROM users WHERE id = ?",
            [user_id]).fetchone()
    return OwnGoals(*row) if row else OwnGoals()


def current_class(con, user_id: int, *, today: dt.date) -> ClassGoals | None:
    """The class whose goals apply: the first (latest-starting) class running today, else the
    first class the student is in, else None."""
    mine = classes.classes_of_student(con, user_id)
    if mine.empty:
        return None
    starts = pd.to_datetime(mine["starts_on"]).dt.date
    ends = pd.to_datetime(mine["ends_on"]).dt.date
    running = mine[(starts <= today) & (ends >= today)]
    row = (running if not running.empty else mine).iloc[0]
    return ClassGoals(int(row["id"]), row["name"], pd.Timestamp(row["starts_on"]).date(),
                      pd.Timestamp(row["ends_on"]).date(), int(row["weekly_goal"]),
                      int(row["conversations_goal"]))


def effective_goals(con, user_id: int, *, today: dt.date) -> Goals:
    return resolve_goals(own_goals(con, user_id), current_class(con, user_id, today=today))


def _check_goal(value, high: int, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise ValueError(f"{what} must be a whole number from 0 to {high}.")
    return value


def set_own_goals(con, user_id: int, goals: OwnGoals) -> None:
    """Store the student's own goals (None: use the class's or default for that one). Use
    `lib.coaching.clean_goals` first for messages a student can act on."""
    outreach = _check_goal(goals.weekly_outreach, WEEKLY_GOAL_MAX, "Weekly outreach goal")
    talks = _check_goal(goals.weekly_conversations, WEEKLY_GOAL_MAX,
                        "Weekly conversation goal")
    term = _check_goal(goals.term_conversations, TERM_GOAL_MAX, "Term conversation goal")

    def attempt() -> None:
        with transaction(con) as cur:
            cur.execute(
                "UPDATE users SET weekly_goal = coalesce(?, weekly_goal), weekly_goal_set = ?,"
                " weekly_conversation_goal = ?, term_conversation_goal = ? WHERE id = ?",
                [outreach, outreach is not None, talks, term, user_id])

    with_retry(attempt)


def set_own_weekly_outreach_goal(con, user_id: int, goal: int) -> None:
    """Only the weekly outreach goal (the dashboard's quick setting); the others stay."""
    store.set_weekly_goal(con, user_id, _check_goal(goal, WEEKLY_GOAL_MAX,
                                                    "Weekly outreach goal"))


def use_class_goals(con, user_id: int) -> None:
    """Forget the student's own goals: their class's (or the default) apply again."""
    set_own_goals(con, user_id, OwnGoals())


@dataclass(frozen=True)
class TermProgress:
    """Conversations held since the term began, against the term goal. `ends_on` is the
    class's last day (None without a class)."""

    starts_on: dt.date | None
    ends_on: dt.date | None
    held: int
    goal: int


def term_progress(con, user_id: int, *, today: dt.date, goals: Goals | None = None
                  ) -> TermProgress:
    """The term starts on the class's first day or, without a class, on the student's first
    activity (message sent or conversation held)."""
    goals = goals or effective_goals(con, user_id, today=today)
    if goals.class_goals is not None:
        start, end = goals.class_goals.starts_on, goals.class_goals.ends_on
    else:
        first, _ = queries.activity_bounds(con, user_id)
        start, end = first, None
    held = conversations_held_between(con, user_id, start, today) if start else 0
    return TermProgress(start, end, held, goals.term_conversations)


# --- career goal and reflections --------------------------------------------------------------

def add_career_goal(con, user_id: int, goal: str, *, set_at: dt.datetime | None = None) -> int:
    """Append a new "current career goal"; earlier ones stay as its history."""
    if not isinstance(goal, str) or not goal.strip() or len(goal) > CAREER_GOAL_MAX:
        raise ValueError("A career goal is 1 to 2,000 characters.")

    def attempt() -> int:
        with transaction(con) as cur:
            return cur.execute(
                "INSERT INTO career_goals (user_id, goal, set_at)"
                " VALUES (?, ?, coalesce(?, current_timestamp)) RETURNING id",
                [user_id, goal.strip(), set_at]).fetchone()[0]

    return with_retry(attempt)


def career_goal_history(con, user_id: int) -> pd.DataFrame:
    """Every career goal the student has written, newest first. Columns: id, goal, set_at."""
    with reading(con) as cur:
        return cur.execute("SELECT id, goal, set_at FROM career_goals WHERE user_id = ?"
                           " ORDER BY set_at DESC, id DESC", [user_id]).df()


def current_career_goal(con, user_id: int) -> str | None:
    history = career_goal_history(con, user_id)
    return None if history.empty else history.iloc[0]["goal"]


def reflections(con, user_id: int) -> pd.DataFrame:
    """Conversations with a clarity rating or a reflection, newest first. Columns:
    conversation_id, held_on, contact_id, name, organization, clarity_before, clarity_after,
    reflection."""
    with reading(con) as cur:
        return cur.execute(f"""
            WITH {_mine("contacts", "conversations")}
            SELECT v.id AS conversation_id, v.held_on, c.id AS contact_id, c.name,
                   c.organization, v.clarity_before, v.clarity_after, v.reflection
            FROM my_conversations v JOIN my_contacts c ON c.id = v.contact_id
            WHERE v.clarity_before IS NOT NULL OR v.clarity_after IS NOT NULL
                  OR v.reflection IS NOT NULL
            ORDER BY v.held_on DESC, v.id DESC
        """, {"u": user_id}).df()


def clarity_over_time(con, user_id: int) -> pd.DataFrame:
    """One row per conversation with a clarity rating, oldest first. Columns: held_on, before,
    after (either may be missing)."""
    with reading(con) as cur:
        return cur.execute(f"""
            WITH {_mine("conversations")}
            SELECT held_on, clarity_before AS before, clarity_after AS after
            FROM my_conversations
            WHERE clarity_before IS NOT NULL OR clarity_after IS NOT NULL
            ORDER BY held_on, id
        """, {"u": user_id}).df()


def mark_done_many(con, user_id: int, action_keys: list[str]) -> None:
    """Tick several next actions off for good, in one transaction."""
    for key in action_keys:
        _check_key(key)
    if not action_keys:
        return

    def attempt() -> None:
        with transaction(con) as cur:
            cur.executemany(
                "INSERT INTO action_marks (user_id, action_key, mark, until)"
                " VALUES (?, ?, 'done', NULL) ON CONFLICT (user_id, action_key) DO UPDATE"
                " SET mark = excluded.mark, until = excluded.until,"
                " created_at = excluded.created_at",
                [[user_id, key] for key in action_keys])

    with_retry(attempt)
