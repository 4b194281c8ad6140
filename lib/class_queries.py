"""The instructor dashboard's figures for one class, aggregated in SQL to display size.

Every query starts from the class's current students (`_STUDENTS`: enrolments, guarded by the
same access rule as lib.classes), so its cost follows the class, not the database. Nothing here
selects a contact's name or e-mail, notes, next steps, reflections or an unshared insight.
Groups that describe fewer than `min_group_size()` students (industries, channels) are
suppressed by `suppress_small_groups`, the one place that rule lives.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Iterable, Sequence

import pandas as pd

from lib import vocab
from lib.classes import _VISIBLE, _require_class
from lib.db import reading
from lib.store import NotFound

log = logging.getLogger(__name__)

MIN_GROUP_ENV = "CAREER_CONVERSATIONS_MIN_GROUP"
DEFAULT_MIN_GROUP = 5
ANONYMOUS = "A student"
MEASURES = ("Outreach sent", "Responses received", "Conversations held")  # as lib.queries

_EARLIEST = dt.date(1900, 1, 1)
_LATEST = dt.date(9999, 12, 31)


# --- small-cell suppression ------------------------------------------------------------------

def min_group_size() -> int:
    """`$CAREER_CONVERSATIONS_MIN_GROUP` (a whole number ≥ 1), default 5."""
    raw = os.environ.get(MIN_GROUP_ENV, "").strip()
    if not raw:
        return DEFAULT_MIN_GROUP
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        log.warning("%s=%r is not a whole number ≥ 1; using %s", MIN_GROUP_ENV, raw,
                    DEFAULT_MIN_GROUP)
        return DEFAULT_MIN_GROUP
    return value


def suppressed_label(threshold: int) -> str:
    return f"fewer than {threshold} students"


def suppress_small_groups(frame: pd.DataFrame, students_col: str = "students",
                          value_cols: Sequence[str] = (), threshold: int | None = None,
                          label_col: str = "label") -> pd.DataFrame:
    """A copy of `frame` in which every row built from fewer than `threshold` students has
    `suppressed=True`, its `students_col` and `value_cols` blanked (NA) and `label_col` saying
    why. Count columns stay whole numbers (nullable Int64); others become float with NaN."""
    threshold = min_group_size() if threshold is None else threshold
    out = frame.copy()
    small = (out[students_col].fillna(0) < threshold).astype(bool)
    out["suppressed"] = small
    for col in (students_col, *value_cols):
        if pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("Int64").mask(small)
        else:
            out[col] = out[col].astype(float).mask(small)
    if label_col not in out.columns:
        out[label_col] = None
    out[label_col] = out[label_col].astype(object).mask(small, suppressed_label(threshold))
    return out


# --- helpers ---------------------------------------------------------------------------------

# The class's current students; empty unless the viewer may see the class (see lib.classes).
_STUDENTS = f"""students AS MATERIALIZED (
    SELECT DISTINCT e.student_id AS user_id
    FROM enrolments e JOIN classes c ON c.id = e.class_id
    WHERE e.class_id = $class_id AND e.removed_at IS NULL AND {_VISIBLE}
)"""

# The students' records, each table read once per query and narrowed to the columns the figures
# need: no name, e-mail, organization, notes, next steps, reflection or question is ever selected.
_RECORDS = {
    "class_outreach": """class_outreach AS MATERIALIZED (
        SELECT o.user_id, o.contact_id, o.sent_on, o.channel, o.attempt, o.response_on
        FROM outreach o JOIN students USING (user_id))""",
    "class_conversations": """class_conversations AS MATERIALIZED (
        SELECT v.id, v.user_id, v.contact_id, v.held_on, v.thank_you_on, v.clarity_before,
               v.clarity_after, v.share_insights, coalesce(v.share_name, false) AS share_name
        FROM conversations v JOIN students USING (user_id))""",
    "class_contacts": """class_contacts AS MATERIALIZED (
        SELECT c.id, c.user_id, c.industry, c.created_on
        FROM contacts c JOIN students USING (user_id))""",
}

# Per contact of the class's students: first touch (first message, else first conversation),
# first channel, and whether it was answered — the per-contact definition of
# lib.metrics.response_rates. Only contacts reached at all have a first touch.
_REACHED = """
first_sent AS (
    SELECT contact_id, min(sent_on) AS first_sent_on,
           arg_min(channel, attempt) AS first_channel,
           min(response_on) AS first_response_on
    FROM class_outreach GROUP BY contact_id
), first_held AS (
    SELECT contact_id, min(held_on) AS first_held_on
    FROM class_conversations GROUP BY contact_id
), reached AS (
    SELECT c.user_id, c.industry, s.first_channel,
           coalesce(s.first_sent_on, h.first_held_on) AS first_touch,
           (s.first_response_on IS NOT NULL OR h.contact_id IS NOT NULL) AS responded
    FROM class_contacts c
    LEFT JOIN first_sent s ON s.contact_id = c.id
    LEFT JOIN first_held h ON h.contact_id = c.id
    WHERE coalesce(s.first_sent_on, h.first_held_on) BETWEEN $start AND $end
)"""


def _with(*records: str) -> str:
    """`WITH students, <the named record CTEs>` — the start of every query here."""
    return "WITH " + ",\n".join([_STUDENTS, *(_RECORDS[r] for r in records)])


_ALL = ("class_outreach", "class_conversations", "class_contacts")


def _range(start: dt.date | None, end: dt.date | None) -> dict:
    return {"start": start or _EARLIEST, "end": end or _LATEST}


def _query(con, viewer_id: int, class_id: int, sql: str,
           params: dict | None = None) -> tuple[dict, pd.DataFrame]:
    """The class row (after the access check) and the result of `sql`, on one cursor."""
    with reading(con) as cur:
        klass = _require_class(cur, viewer_id, class_id)
        frame = cur.execute(sql, {"viewer_id": viewer_id, "class_id": class_id,
                                  **(params or {})}).df()
    return klass, frame


def class_version(con, viewer_id: int, class_id: int) -> tuple:
    """The access check, then what a cached copy of the class's figures must match: the class's
    settings (name, dates, goals, …) and its enrolments (count of current students, the latest
    join, the latest removal). `NotFound` unless the viewer may see the class. Cheap (the class
    row and the class's enrolments only): run it on every request, before any cached figure."""
    with reading(con) as cur:
        klass = _require_class(cur, viewer_id, class_id)
        enrolments = cur.execute(
            "SELECT count(*) FILTER (WHERE removed_at IS NULL), max(id), max(removed_at)"
            " FROM enrolments WHERE class_id = ?", [klass["id"]]).fetchone()
    return tuple(sorted(klass.items())) + tuple(enrolments)


def _none_if_nan(value):
    return None if value is None or pd.isna(value) else value


def expected_conversations(goal: int, starts_on: dt.date, ends_on: dt.date,
                           today: dt.date) -> int:
    """The goal × the share of the term's days that have begun (today included), rounded down."""
    if today < starts_on:
        return 0
    total = (ends_on - starts_on).days + 1
    elapsed = min((today - starts_on).days + 1, total)
    return goal * elapsed // total


def pace(conversations: int, expected: int) -> str:
    """"behind" below expected − 1, "ahead" above expected, else "on track"."""
    if conversations < expected - 1:
        return "behind"
    if conversations > expected:
        return "ahead"
    return "on track"


# --- headline figures ------------------------------------------------------------------------

KPI_KEYS = ("students", "active_7d", "active_14d", "outreach_sent", "contacted", "responded",
            "response_rate", "conversations_held", "thanked_within_24h",
            "thanked_within_24h_share", "median_conversations", "conversations_goal")


def class_kpis(con, viewer_id: int, class_id: int, start: dt.date | None, end: dt.date | None,
               today: dt.date) -> dict:
    """The class's headline figures (keys: KPI_KEYS).

    active_7d / active_14d: students who sent a message, held a conversation or added a contact
    in the 7 / 14 days up to today (the date range does not apply). Response rate: contacts
    first reached in the range that answered (or talked) ÷ those reached; n = `contacted`.
    Median conversations: held in the range, per current student, 0 included.
    """
    klass, frame = _query(con, viewer_id, class_id, f"""
        {_with(*_ALL)}, {_REACHED},
        activity AS (
            SELECT user_id, sent_on AS day FROM class_outreach
            UNION ALL SELECT user_id, held_on FROM class_conversations
            UNION ALL SELECT user_id, created_on FROM class_contacts
        ), talks AS (
            SELECT user_id, held_on, thank_you_on FROM class_conversations
            WHERE held_on BETWEEN $start AND $end
        ), per_student AS (
            SELECT s.user_id, count(t.user_id) AS conversations
            FROM students s LEFT JOIN talks t ON t.user_id = s.user_id
            GROUP BY s.user_id
        )
        SELECT
            (SELECT count(*) FROM students) AS students,
            (SELECT count(DISTINCT user_id) FROM activity
             WHERE day BETWEEN $since_7 AND $today) AS active_7d,
            (SELECT count(DISTINCT user_id) FROM activity
             WHERE day BETWEEN $since_14 AND $today) AS active_14d,
            (SELECT count(*) FROM class_outreach
             WHERE sent_on BETWEEN $start AND $end) AS outreach_sent,
            (SELECT count(*) FROM reached) AS contacted,
            (SELECT count(*) FILTER (WHERE responded) FROM reached) AS responded,
            (SELECT count(*) FROM talks) AS conversations_held,
            (SELECT count(*) FILTER (WHERE thank_you_on - held_on <= 1) FROM talks)
                AS thanked_within_24h,
            (SELECT median(conversations) FROM per_student) AS median_conversations
    """, {**_range(start, end), "today": today, "since_7": today - dt.timedelta(days=6),
          "since_14": today - dt.timedelta(days=13)})
    row = frame.iloc[0]
    counts = {k: int(row[k]) for k in ("students", "active_7d", "active_14d", "outreach_sent",
                                       "contacted", "responded", "conversations_held",
                                       "thanked_within_24h")}
    median = _none_if_nan(row["median_conversations"])
    figures = {
        **counts,
        "response_rate": (counts["responded"] / counts["contacted"]
                          if counts["contacted"] else None),
        "thanked_within_24h_share": (counts["thanked_within_24h"] / counts["conversations_held"]
                                     if counts["conversations_held"] else None),
        "median_conversations": None if median is None else float(median),
        "conversations_goal": int(klass["conversations_goal"]),
    }
    return {key: figures[key] for key in KPI_KEYS}


def compare_classes(con, viewer_id: int, class_ids: Iterable[int], start: dt.date | None,
                    end: dt.date | None, today: dt.date) -> pd.DataFrame:
    """One row per class (in the order given) with its headline figures: class_id, name, term,
    then KPI_KEYS. `NotFound` if the viewer may not see any one of them."""
    ids = list(dict.fromkeys(int(i) for i in class_ids))
    with reading(con) as cur:
        classes = {i: _require_class(cur, viewer_id, i) for i in ids}
    rows = [{"class_id": i, "name": classes[i]["name"], "term": classes[i]["term"],
             **class_kpis(con, viewer_id, i, start, end, today)} for i in ids]
    return pd.DataFrame(rows, columns=["class_id", "name", "term", *KPI_KEYS])


# --- charts ----------------------------------------------------------------------------------

def class_weekly_activity(con, viewer_id: int, class_id: int, start: dt.date | None,
                          end: dt.date | None) -> pd.DataFrame:
    """Per ISO week (Monday), the class's outreach sent, responses received and conversations
    held: columns week, measure, count — the shape of lib.queries.weekly_activity."""
    return _query(con, viewer_id, class_id, f"""
        {_with("class_outreach", "class_conversations")}, events AS (
            SELECT sent_on AS day, 'Outreach sent' AS measure FROM class_outreach
            UNION ALL
            SELECT response_on, 'Responses received' FROM class_outreach
            WHERE response_on IS NOT NULL
            UNION ALL
            SELECT held_on, 'Conversations held' FROM class_conversations
        )
        SELECT CAST(date_trunc('week', day) AS DATE) AS week, measure, count(*)::INTEGER AS count
        FROM events WHERE day BETWEEN $start AND $end
        GROUP BY ALL ORDER BY week, measure
    """, _range(start, end))[1]


def conversations_per_student(con, viewer_id: int, class_id: int, start: dt.date | None,
                              end: dt.date | None) -> pd.DataFrame:
    """Conversations held in the range by each current student (0 included): student_id,
    conversations. The goal to compare with is the class's `conversations_goal`."""
    return _query(con, viewer_id, class_id, f"""
        {_with("class_conversations")}
        SELECT s.user_id AS student_id, count(v.id)::INTEGER AS conversations
        FROM students s
        LEFT JOIN class_conversations v ON v.user_id = s.user_id
             AND v.held_on BETWEEN $start AND $end
        GROUP BY s.user_id
        ORDER BY conversations DESC, student_id
    """, _range(start, end))[1]


INDUSTRY_COLUMNS = ["industry", "students", "conversations", "label", "suppressed"]


def industries_explored(con, viewer_id: int, class_id: int, start: dt.date | None,
                        end: dt.date | None) -> pd.DataFrame:
    """Industries of the people the class talked to in the range: industry, students,
    conversations, label, suppressed (small groups blanked; see suppress_small_groups)."""
    frame = _query(con, viewer_id, class_id, f"""
        {_with("class_conversations", "class_contacts")}
        SELECT ct.industry, count(DISTINCT v.user_id)::INTEGER AS students,
               count(*)::INTEGER AS conversations
        FROM class_conversations v JOIN class_contacts ct ON ct.id = v.contact_id
        WHERE v.held_on BETWEEN $start AND $end
        GROUP BY ct.industry
    """, _range(start, end))[1]
    frame["label"] = [f"{c} conversations, {s} students"
                      for c, s in zip(frame["conversations"], frame["students"])]
    out = suppress_small_groups(frame, "students", ["conversations"])
    # Sorted after suppression, so the order of hidden groups says nothing about their figures.
    return out.sort_values(["suppressed", "conversations", "students", "industry"],
                           ascending=[True, False, False, True], na_position="last",
                           ignore_index=True)[INDUSTRY_COLUMNS]


RATE_COLUMNS = ["group", "students", "contacted", "responded", "rate", "label", "suppressed"]


def class_response_rates(con, viewer_id: int, class_id: int, start: dt.date | None,
                         end: dt.date | None, by: str = "industry") -> pd.DataFrame:
    """Response rate of contacts first reached in the range, per contact as in
    lib.metrics.response_rates, grouped by `industry` or by `channel` (of the first message,
    as its label). Columns RATE_COLUMNS; groups of few students are suppressed."""
    if by not in ("industry", "channel"):
        raise ValueError("by must be 'industry' or 'channel'")
    group = "industry" if by == "industry" else "first_channel"  # from this allow-list only
    frame = _query(con, viewer_id, class_id, f"""
        {_with(*_ALL)}, {_REACHED}
        SELECT {group} AS "group", count(DISTINCT user_id)::INTEGER AS students,
               count(*)::INTEGER AS contacted,
               count(*) FILTER (WHERE responded)::INTEGER AS responded
        FROM reached WHERE {group} IS NOT NULL
        GROUP BY {group}
    """, _range(start, end))[1]
    if by == "channel":
        frame["group"] = frame["group"].map(lambda c: vocab.label(vocab.CHANNELS, c))
    frame["rate"] = (frame["responded"] / frame["contacted"]).astype(float)
    frame["label"] = [f"{r:.0%} (n={n})" for r, n in zip(frame["rate"], frame["contacted"])]
    out = suppress_small_groups(frame, "students", ["contacted", "responded", "rate"])
    # Sorted after suppression, so the order of hidden groups says nothing about their figures.
    return out.sort_values(["suppressed", "rate", "contacted", "group"],
                           ascending=[True, False, False, True], na_position="last",
                           ignore_index=True)[RATE_COLUMNS]


def clarity_change(con, viewer_id: int, class_id: int, start: dt.date | None,
                   end: dt.date | None) -> pd.DataFrame:
    """Career-goal clarity after − before, for conversations in the range that have both:
    change, conversations."""
    return _query(con, viewer_id, class_id, f"""
        {_with("class_conversations")}
        SELECT (v.clarity_after - v.clarity_before)::INTEGER AS change,
               count(*)::INTEGER AS conversations
        FROM class_conversations v
        WHERE v.held_on BETWEEN $start AND $end
          AND v.clarity_before IS NOT NULL AND v.clarity_after IS NOT NULL
        GROUP BY ALL ORDER BY change
    """, _range(start, end))[1]


# --- per student -----------------------------------------------------------------------------

PROGRESS_COLUMNS = ["student_id", "student", "contacts", "outreach", "responses",
                    "conversations", "thanked_within_24h", "insights_shared",
                    "last_activity_on", "term_conversations", "expected_conversations", "pace",
                    "behind"]


def progress_table(con, viewer_id: int, class_id: int, start: dt.date | None,
                   end: dt.date | None, today: dt.date) -> pd.DataFrame:
    """One row per current student, counts only (columns PROGRESS_COLUMNS).

    contacts added, outreach sent, responses received, conversations held, thanked within 24 h
    and shared insights count what fell in the date range. Pace compares the conversations held
    since the term began (`term_conversations`) with `expected_conversations` (the class goal ×
    the share of the term elapsed, rounded down). `behind`: pace is behind, or the term is
    running and the student has done nothing (message, conversation, new contact) for 14 days.
    """
    with reading(con) as cur:
        klass = _require_class(cur, viewer_id, class_id)
        frame = cur.execute(f"""
        {_with(*_ALL)},
        ct AS (
            SELECT user_id,
                   count(*) FILTER (WHERE created_on BETWEEN $start AND $end) AS contacts,
                   max(created_on) FILTER (WHERE created_on <= $today) AS last_on
            FROM class_contacts GROUP BY user_id
        ), ot AS (
            SELECT user_id,
                   count(*) FILTER (WHERE sent_on BETWEEN $start AND $end) AS outreach,
                   count(*) FILTER (WHERE response_on BETWEEN $start AND $end) AS responses,
                   max(sent_on) FILTER (WHERE sent_on <= $today) AS last_on
            FROM class_outreach GROUP BY user_id
        ), vt AS (
            SELECT user_id,
                   count(*) FILTER (WHERE held_on BETWEEN $start AND $end) AS conversations,
                   count(*) FILTER (WHERE held_on BETWEEN $start AND $end
                                    AND thank_you_on - held_on <= 1) AS thanked,
                   count(*) FILTER (WHERE held_on BETWEEN $term_from AND $term_to)
                       AS term_conversations,
                   max(held_on) FILTER (WHERE held_on <= $today) AS last_on
            FROM class_conversations GROUP BY user_id
        ), it AS (
            SELECT v.user_id, count(*) AS insights_shared
            FROM insights i JOIN class_conversations v ON v.id = i.conversation_id
            WHERE v.share_insights AND v.held_on BETWEEN $start AND $end
            GROUP BY v.user_id
        )
        SELECT s.user_id AS student_id, u.display_name AS student,
               coalesce(ct.contacts, 0)::INTEGER AS contacts,
               coalesce(ot.outreach, 0)::INTEGER AS outreach,
               coalesce(ot.responses, 0)::INTEGER AS responses,
               coalesce(vt.conversations, 0)::INTEGER AS conversations,
               coalesce(vt.thanked, 0)::INTEGER AS thanked_within_24h,
               coalesce(it.insights_shared, 0)::INTEGER AS insights_shared,
               greatest(ct.last_on, ot.last_on, vt.last_on) AS last_activity_on,
               coalesce(vt.term_conversations, 0)::INTEGER AS term_conversations
        FROM students s JOIN users u ON u.id = s.user_id
        LEFT JOIN ct ON ct.user_id = s.user_id
        LEFT JOIN ot ON ot.user_id = s.user_id
        LEFT JOIN vt ON vt.user_id = s.user_id
        LEFT JOIN it ON it.user_id = s.user_id
        ORDER BY lower(u.display_name), s.user_id
    """, {"viewer_id": viewer_id, "class_id": class_id, **_range(start, end), "today": today,
          "term_from": klass["starts_on"], "term_to": min(today, klass["ends_on"])}).df()
    expected = expected_conversations(klass["conversations_goal"], klass["starts_on"],
                                      klass["ends_on"], today)
    running = klass["starts_on"] <= today <= klass["ends_on"]
    since_14 = pd.Timestamp(today - dt.timedelta(days=13))
    last = pd.to_datetime(frame["last_activity_on"])
    idle = last.isna() | (last < since_14)
    frame["expected_conversations"] = expected
    frame["pace"] = [pace(int(n), expected) for n in frame["term_conversations"]]
    frame["behind"] = ((frame["pace"] == "behind") | (idle & running)).astype(bool)
    return frame[PROGRESS_COLUMNS]


SHARED_INSIGHT_COLUMNS = ["industry", "category", "text", "held_on", "shared_by"]


def shared_insights(con, viewer_id: int, class_id: int, start: dt.date | None,
                    end: dt.date | None) -> pd.DataFrame:
    """Insights the class's students chose to share, newest first: industry, category (TIARA
    code), text, held_on, shared_by (the student's name if they shared it, else "A student")."""
    return _query(con, viewer_id, class_id, f"""
        {_with("class_conversations", "class_contacts")}
        SELECT ct.industry, i.category, i.text, v.held_on,
               CASE WHEN v.share_name THEN u.display_name ELSE $anonymous END AS shared_by
        FROM class_conversations v
        JOIN insights i ON i.conversation_id = v.id
        JOIN class_contacts ct ON ct.id = v.contact_id
        JOIN users u ON u.id = v.user_id
        WHERE v.share_insights AND v.held_on BETWEEN $start AND $end
        ORDER BY v.held_on DESC, v.id DESC, i.position
    """, {**_range(start, end), "anonymous": ANONYMOUS})[1][SHARED_INSIGHT_COLUMNS]


__all__ = [
    "ANONYMOUS", "DEFAULT_MIN_GROUP", "INDUSTRY_COLUMNS", "KPI_KEYS", "MEASURES",
    "MIN_GROUP_ENV", "NotFound",
    "PROGRESS_COLUMNS", "RATE_COLUMNS", "SHARED_INSIGHT_COLUMNS", "class_kpis", "class_version",
    "class_response_rates", "class_weekly_activity", "clarity_change", "compare_classes",
    "conversations_per_student", "expected_conversations", "industries_explored",
    "min_group_size", "pace", "progress_table", "shared_insights", "suppress_small_groups",
    "suppressed_label",
]
