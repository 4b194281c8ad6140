"""Classes, join codes and enrolments: every read and write of them, in parameterized SQL.

Who may see or manage a class is decided in SQL (`_VISIBLE`): its instructor, and admins. Anyone
else is told `NotFound`, exactly as for a class that does not exist. Students reach a class only
through an active join code; leaving or being removed sets `removed_at` and never touches the
student's own records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import duckdb
import pandas as pd

from lib import vocab
from lib.auth import new_join_code, normalize_join_code
from lib.db import reading, transaction, with_retry
from lib.store import NotFound
from lib.validation import NAME_MAX, ValidationError, _Collector, parse_date

TERM_MAX = 60
WEEKLY_GOAL_MAX = 100
CONVERSATIONS_GOAL_MAX = 500
DEFAULT_CONVERSATIONS_GOAL = 5

JOIN_CODE_ERROR = "That join code doesn't match an open class — check it with your instructor."

# The viewer (`$viewer_id`) may see the class aliased `c`: its instructor, or any admin.
# A disabled account sees nothing.
_VISIBLE = """EXISTS (
    SELECT 1 FROM users v
    WHERE v.id = $viewer_id AND NOT coalesce(v.disabled, false)
      AND (v.role = 'admin' OR (v.role = 'instructor' AND v.id = c.instructor_id)))"""


@dataclass(frozen=True)
class ClassInput:
    name: str
    term: str | None
    starts_on: dt.date
    ends_on: dt.date
    weekly_goal: int
    conversations_goal: int


# --- validation ------------------------------------------------------------------------------

def _class_date(c: _Collector, raw: Mapping[str, Any], key: str, label: str,
                what: str) -> dt.date | None:
    """A required date that may lie in the future (a class is set up before it starts)."""
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()) or value != value:
        c.add(key, f"{label} is required — pick {what}.")
        return None
    parsed = parse_date(value)
    if parsed is None:
        c.add(key, f"{label} “{str(value)[:40]}” is not a date — use YYYY-MM-DD, e.g. 2026-09-01.")
        return None
    if not dt.date(2000, 1, 1) <= parsed <= dt.date(2100, 12, 31):
        c.add(key, f"{label} {parsed.isoformat()} is out of range — check the year.")
        return None
    return parsed


def clean_class(raw: Mapping[str, Any]) -> ClassInput:
    """Raw keys: name, term, starts_on, ends_on, weekly_goal, conversations_goal."""
    c = _Collector()
    name = c.text(raw, "name", "Class name", required=True, max_len=NAME_MAX,
                  hint="enter a name students will recognise, e.g. “BUS 210 Career Lab”")
    term = c.text(raw, "term", "Term", max_len=TERM_MAX)
    starts_on = _class_date(c, raw, "starts_on", "Start date", "the first day of the class")
    ends_on = _class_date(c, raw, "ends_on", "End date", "the last day of the class")
    if starts_on and ends_on and ends_on < starts_on:
        c.add("ends_on", f"End date can't be before the start date ({starts_on.isoformat()}) — "
                         "pick a later day.")
    weekly_goal = c.integer(raw, "weekly_goal", "Weekly outreach goal", low=0,
                            high=WEEKLY_GOAL_MAX)
    conversations_goal = c.integer(raw, "conversations_goal", "Conversations goal for the term",
                                   low=0, high=CONVERSATIONS_GOAL_MAX)
    c.raise_if_any()
    return ClassInput(
        name=name, term=term, starts_on=starts_on, ends_on=ends_on,
        weekly_goal=vocab.DEFAULT_WEEKLY_GOAL if weekly_goal is None else weekly_goal,
        conversations_goal=(DEFAULT_CONVERSATIONS_GOAL if conversations_goal is None
                            else conversations_goal),
    )


# --- join codes ------------------------------------------------------------------------------

def _insert_join_code(cur, class_id: int) -> str:
    for _ in range(10):
        code = new_join_code()
        taken = cur.execute("SELECT 1 FROM join_codes WHERE code = ?", [code]).fetchone()
        if not taken:
            cur.execute("INSERT INTO join_codes (code, class_id) VALUES (?, ?)", [code, class_id])
            return code
    raise RuntimeError("Could not find an unused join code.")  # 28^8 codes: never in practice


# --- access ----------------------------------------------------------------------------------

def _require_class(cur, viewer_id: int, class_id: int) -> dict:
    """The class row if `viewer_id` may see it, else `NotFound`."""
    try:
        class_id = int(class_id)  # e.g. from a query parameter
    except (TypeError, ValueError):
        raise NotFound("No such class.") from None
    cur.execute(
        "SELECT c.id, c.instructor_id, c.name, c.term, c.starts_on, c.ends_on, c.weekly_goal,"
        " c.conversations_goal, c.joining_open, c.archived"
        f" FROM classes c WHERE c.id = $class_id AND {_VISIBLE}",
        {"class_id": class_id, "viewer_id": viewer_id},
    )
    row = cur.fetchone()
    if row is None:
        raise NotFound("No such class.")
    return dict(zip([d[0] for d in cur.description], row))


def can_view_class(con, viewer_id: int, class_id: int) -> bool:
    with reading(con) as cur:
        try:
            _require_class(cur, viewer_id, class_id)
        except NotFound:
            return False
    return True


def class_record(con, viewer_id: int, class_id: int) -> dict:
    """One class's settings (id, instructor_id, name, term, starts_on, ends_on, weekly_goal,
    conversations_goal, joining_open, archived); `NotFound` unless the viewer may see it."""
    with reading(con) as cur:
        return _require_class(cur, viewer_id, class_id)


def _write(con, viewer_id: int, class_id: int, work) -> Any:
    """Run `work(cur, class_row)` in one transaction after the access check, retrying conflicts."""

    def attempt():
        with transaction(con) as cur:
            return work(cur, _require_class(cur, viewer_id, class_id))

    return with_retry(attempt)


# --- instructor: managing classes ------------------------------------------------------------

def create_class(con, instructor_id: int, data: ClassInput) -> int:
    """A new class taught by `instructor_id` (an instructor or admin), with an active join code."""

    def attempt() -> int:
        with transaction(con) as cur:
            allowed = cur.execute(
                "SELECT 1 FROM users WHERE id = ? AND role IN ('instructor', 'admin')"
                " AND NOT coalesce(disabled, false)", [instructor_id]).fetchone()
            if not allowed:
                raise NotFound("No such instructor.")
            class_id = cur.execute(
                "INSERT INTO classes (instructor_id, name, term, starts_on, ends_on, weekly_goal,"
                " conversations_goal) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [instructor_id, data.name, data.term, data.starts_on, data.ends_on,
                 data.weekly_goal, data.conversations_goal],
            ).fetchone()[0]
            _insert_join_code(cur, class_id)
            return class_id

    return with_retry(attempt)


def update_class(con, viewer_id: int, class_id: int, data: ClassInput) -> None:
    _write(con, viewer_id, class_id, lambda cur, _: cur.execute(
        "UPDATE classes SET name = ?, term = ?, starts_on = ?, ends_on = ?, weekly_goal = ?,"
        " conversations_goal = ? WHERE id = ?",
        [data.name, data.term, data.starts_on, data.ends_on, data.weekly_goal,
         data.conversations_goal, class_id]))


def regenerate_join_code(con, viewer_id: int, class_id: int) -> str:
    """A fresh join code; every earlier code of the class stops working."""

    def work(cur, _) -> str:
        cur.execute("UPDATE join_codes SET active = false WHERE class_id = ? AND active",
                    [class_id])
        return _insert_join_code(cur, class_id)

    return _write(con, viewer_id, class_id, work)


def set_joining_open(con, viewer_id: int, class_id: int, open: bool) -> None:  # noqa: A002
    _write(con, viewer_id, class_id, lambda cur, _: cur.execute(
        "UPDATE classes SET joining_open = ? WHERE id = ?", [bool(open), class_id]))


def archive_class(con, viewer_id: int, class_id: int, archived: bool = True) -> None:
    """Archive (or restore) a class: it leaves the default lists and can no longer be joined."""
    _write(con, viewer_id, class_id, lambda cur, _: cur.execute(
        "UPDATE classes SET archived = ? WHERE id = ?", [bool(archived), class_id]))


def delete_class(con, viewer_id: int, class_id: int) -> None:
    """Delete a class with its enrolments and join codes, in one transaction; the students
    keep all their records."""

    def delete(cur, _) -> None:
        cur.execute("DELETE FROM enrolments WHERE class_id = ?", [class_id])
        cur.execute("DELETE FROM join_codes WHERE class_id = ?", [class_id])
        cur.execute("DELETE FROM classes WHERE id = ?", [class_id])

    _write(con, viewer_id, class_id, delete)


def classes_for(con, viewer_id: int, include_archived: bool = False) -> pd.DataFrame:
    """The classes this viewer manages (every class for an admin), newest start first.

    Columns: id, name, term, starts_on, ends_on, weekly_goal, conversations_goal, joining_open,
    archived, join_code (the active one, or None), students (current), instructor (name).
    """
    with reading(con) as cur:
        return cur.execute(f"""
            SELECT c.id, c.name, c.term, c.starts_on, c.ends_on, c.weekly_goal,
                   c.conversations_goal, c.joining_open, c.archived,
                   (SELECT max(j.code) FROM join_codes j
                    WHERE j.class_id = c.id AND j.active) AS join_code,
                   (SELECT count(DISTINCT e.student_id) FROM enrolments e
                    WHERE e.class_id = c.id AND e.removed_at IS NULL)::INTEGER AS students,
                   i.display_name AS instructor
            FROM classes c JOIN users i ON i.id = c.instructor_id
            WHERE {_VISIBLE} AND ($include_archived OR NOT c.archived)
            ORDER BY c.starts_on DESC, c.name, c.id
        """, {"viewer_id": viewer_id, "include_archived": bool(include_archived)}).df()


def roster(con, viewer_id: int, class_id: int) -> pd.DataFrame:
    """The class's current students. Columns: student_id, display_name, email (None without an
    account), joined_at."""
    with reading(con) as cur:
        _require_class(cur, viewer_id, class_id)
        return cur.execute(f"""
            SELECT u.id AS student_id, u.display_name, cr.email, min(e.joined_at) AS joined_at
            FROM classes c
            JOIN enrolments e ON e.class_id = c.id AND e.removed_at IS NULL
            JOIN users u ON u.id = e.student_id
            LEFT JOIN credentials cr ON cr.user_id = u.id
            WHERE c.id = $class_id AND {_VISIBLE}
            GROUP BY u.id, u.display_name, cr.email
            ORDER BY lower(u.display_name), u.id
        """, {"class_id": class_id, "viewer_id": viewer_id}).df()


def remove_student(con, viewer_id: int, class_id: int, student_id: int) -> None:
    """Take a student off the roster. Their own records stay as they are."""

    def work(cur, _) -> None:
        removed = cur.execute(
            "UPDATE enrolments SET removed_at = current_timestamp"
            " WHERE class_id = ? AND student_id = ? AND removed_at IS NULL RETURNING id",
            [class_id, student_id]).fetchall()
        if not removed:
            raise NotFound("That student is not in this class.")

    _write(con, viewer_id, class_id, work)


# --- students: joining and leaving -----------------------------------------------------------

def _open_class_for_code(cur, code: Any) -> tuple[int, str]:
    normalized = normalize_join_code(code)
    row = None
    if normalized:
        row = cur.execute(
            "SELECT c.id, c.name FROM join_codes j JOIN classes c ON c.id = j.class_id"
            " WHERE j.code = ? AND j.active AND c.joining_open AND NOT c.archived",
            [normalized]).fetchone()
    if row is None:
        raise ValidationError({"join_code": JOIN_CODE_ERROR})
    return row[0], row[1]


def check_join_code(con, code: Any) -> str:
    """The class name a join code opens (for sign-up, before an account exists); no write."""
    with reading(con) as cur:
        return _open_class_for_code(cur, code)[1]


def join_class(con, student_id: int, code: Any) -> str:
    """Enrol a student with a join code; returns the class name. Joining again changes nothing;
    joining after having left or been removed puts the student back on the roster."""

    def attempt() -> str:
        with transaction(con) as cur:
            class_id, name = _open_class_for_code(cur, code)
            student = cur.execute(
                "SELECT role FROM users WHERE id = ? AND NOT coalesce(disabled, false)",
                [student_id]).fetchone()
            if student is None or student[0] != "student":
                raise ValidationError({"join_code": "Only student accounts can join a class."})
            rows = cur.execute(
                "SELECT id, removed_at FROM enrolments WHERE class_id = ? AND student_id = ?"
                " ORDER BY removed_at NULLS FIRST, id", [class_id, student_id]).fetchall()
            if not rows:
                cur.execute("INSERT INTO enrolments (class_id, student_id) VALUES (?, ?)",
                            [class_id, student_id])
            elif rows[0][1] is not None:  # no active enrolment: re-activate the latest
                cur.execute("UPDATE enrolments SET removed_at = NULL,"
                            " joined_at = current_timestamp WHERE id = ?", [rows[-1][0]])
            return name

    try:
        return with_retry(attempt)
    except duckdb.ConstraintException:
        # Another session enrolled them at the same moment (with a unique index on
        # enrolments(class_id, student_id)): now it is a no-op.
        return with_retry(attempt)


def classes_of_student(con, student_id: int) -> pd.DataFrame:
    """The (not archived) classes a student is in. Columns: id, name, term, starts_on, ends_on,
    weekly_goal, conversations_goal, instructor (name)."""
    with reading(con) as cur:
        return cur.execute("""
            SELECT c.id, c.name, c.term, c.starts_on, c.ends_on, c.weekly_goal,
                   c.conversations_goal, i.display_name AS instructor
            FROM classes c JOIN users i ON i.id = c.instructor_id
            WHERE NOT c.archived AND EXISTS (
                SELECT 1 FROM enrolments e WHERE e.class_id = c.id AND e.student_id = ?
                AND e.removed_at IS NULL)
            ORDER BY c.starts_on DESC, c.name, c.id
        """, [student_id]).df()


def leave_class(con, student_id: int, class_id: int) -> None:
    def attempt() -> None:
        with transaction(con) as cur:
            left = cur.execute(
                "UPDATE enrolments SET removed_at = current_timestamp"
                " WHERE class_id = ? AND student_id = ? AND removed_at IS NULL RETURNING id",
                [class_id, student_id]).fetchall()
            if not left:
                raise NotFound("You are not in that class.")

    with_retry(attempt)
