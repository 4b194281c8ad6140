"""Storage of the Prepare page: scheduled conversations with their prep sheets, and each
student's question bank (own questions, stars, hidden built-ins).

Every function is scoped to one user: another user's record is `NotFound`, never shown or
changed. Writes are one transaction each (lib.db.transaction); SQL is parameterized.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from lib import queries
from lib import question_bank as bank
from lib.db import reading, transaction, with_retry
from lib.prep import PrepQuestion, ScheduledConversation, prep_complete
from lib.prep_validation import ScheduleInput, clean_my_question, clean_prep_sheet
from lib.store import MINE_PREFIX, NotFound, Saved, _once

BANK_COLUMNS = ["id", "source", "category", "text", "industries", "starred", "hidden"]


def _own_contact(cur, user_id: int, contact_id: int) -> None:
    if cur.execute("SELECT 1 FROM contacts WHERE id = ? AND user_id = ?",
                   [contact_id, user_id]).fetchone() is None:
        raise NotFound("No such contact.")


def _own_schedule(cur, user_id: int, scheduled_id: int) -> None:
    if cur.execute("SELECT 1 FROM scheduled_conversations WHERE id = ? AND user_id = ?",
                   [scheduled_id, user_id]).fetchone() is None:
        raise NotFound("No such scheduled conversation.")


def _write(con, fn):
    """Run `fn(cur)` in one transaction, again on a write conflict."""

    def attempt():
        with transaction(con) as cur:
            return fn(cur)

    return with_retry(attempt)


# --- scheduled conversations -----------------------------------------------------------------

def schedule_conversation(con, user_id: int, data: ScheduleInput, *,
                          submission_id: str | None = None) -> Saved:
    """Store a planned conversation (validated by `clean_schedule`); once per submission."""

    def write(cur) -> int:
        _own_contact(cur, user_id, data.contact_id)
        return cur.execute(
            "INSERT INTO scheduled_conversations (user_id, contact_id, starts_at, timezone,"
            " duration_min, format, place) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [user_id, data.contact_id, data.starts_at, data.timezone, data.duration_min,
             data.format, data.place]).fetchone()[0]

    return _once(con, submission_id, user_id, "scheduled_conversation", write)


def update_schedule(con, user_id: int, scheduled_id: int, data: ScheduleInput) -> None:
    """Change whom, when, how long, the format or the place; the prep sheet stays."""

    def write(cur) -> None:
        _own_schedule(cur, user_id, scheduled_id)
        _own_contact(cur, user_id, data.contact_id)
        cur.execute(
            "UPDATE scheduled_conversations SET contact_id = ?, starts_at = ?, timezone = ?,"
            " duration_min = ?, format = ?, place = ? WHERE id = ? AND user_id = ?",
            [data.contact_id, data.starts_at, data.timezone, data.duration_min, data.format,
             data.place, scheduled_id, user_id])

    _write(con, write)


def cancel_schedule(con, user_id: int, scheduled_id: int) -> None:
    """Take it off the upcoming list (the row and its prep sheet are kept)."""

    def write(cur) -> None:
        _own_schedule(cur, user_id, scheduled_id)
        cur.execute("UPDATE scheduled_conversations SET cancelled_at = current_timestamp"
                    " WHERE id = ? AND user_id = ? AND cancelled_at IS NULL",
                    [scheduled_id, user_id])

    _write(con, write)


def mark_held(con, user_id: int, scheduled_id: int, conversation_id: int) -> None:
    """The scheduled conversation was logged as `conversation_id`: it leaves the upcoming list."""

    def write(cur) -> None:
        _own_schedule(cur, user_id, scheduled_id)
        if cur.execute("SELECT 1 FROM conversations WHERE id = ? AND user_id = ?",
                       [conversation_id, user_id]).fetchone() is None:
            raise NotFound("No such conversation.")
        cur.execute("UPDATE scheduled_conversations SET conversation_id = ?, cancelled_at = NULL"
                    " WHERE id = ? AND user_id = ?", [conversation_id, scheduled_id, user_id])

    _write(con, write)


def save_prep_sheet(con, user_id: int, scheduled_id: int, research_notes, goals, researched,
                    confirmed, questions: Iterable[tuple[str, str | None]]) -> None:
    """Validate (raises lib.validation.ValidationError) and store the whole prep sheet — notes,
    goals, checklist ticks and the chosen questions in order — in one transaction."""
    sheet = clean_prep_sheet(research_notes=research_notes, goals=goals, researched=researched,
                             confirmed=confirmed, questions=list(questions))

    def write(cur) -> None:
        _own_schedule(cur, user_id, scheduled_id)
        cur.execute("UPDATE scheduled_conversations SET research_notes = ?, goals = ?,"
                    " researched = ?, confirmed = ? WHERE id = ? AND user_id = ?",
                    [sheet.research_notes, sheet.goals, sheet.researched, sheet.confirmed,
                     scheduled_id, user_id])
        cur.execute("DELETE FROM prep_questions WHERE scheduled_id = ?", [scheduled_id])
        for position, q in enumerate(sheet.questions):
            cur.execute("INSERT INTO prep_questions (scheduled_id, position, text, bank_id)"
                        " VALUES (?, ?, ?, ?)", [scheduled_id, position, q.text, q.bank_id])

    _write(con, write)


_SCHEDULE_SELECT = """
    SELECT s.id, s.contact_id, c.name, c.organization, c.title, c.industry, s.starts_at,
           s.timezone, s.duration_min, s.format, s.place, s.research_notes, s.goals,
           s.researched, s.confirmed, s.conversation_id, s.cancelled_at IS NOT NULL AS cancelled
    FROM scheduled_conversations s
    JOIN contacts c ON c.id = s.contact_id AND c.user_id = s.user_id
"""


def scheduled_conversation(con, user_id: int, scheduled_id: int) -> ScheduledConversation:
    """One scheduled conversation with its prep sheet and chosen questions (in order)."""
    with reading(con) as cur:
        row = cur.execute(_SCHEDULE_SELECT + " WHERE s.id = ? AND s.user_id = ?",
                          [scheduled_id, user_id]).fetchone()
        if row is None:
            raise NotFound("No such scheduled conversation.")
        questions = cur.execute("SELECT text, bank_id FROM prep_questions WHERE scheduled_id = ?"
                                " ORDER BY position, id", [scheduled_id]).fetchall()
    (sid, contact_id, name, organization, title, industry, starts_at, timezone, duration, fmt,
     place, notes, goals, researched, confirmed, conversation_id, cancelled) = row
    return ScheduledConversation(
        id=sid, contact_id=contact_id, contact_name=name, organization=organization,
        title=title, industry=industry, starts_at=starts_at, timezone=timezone or "UTC",
        duration_min=duration, format=fmt, place=place, research_notes=notes, goals=goals,
        researched=bool(researched), confirmed=bool(confirmed), conversation_id=conversation_id,
        cancelled=bool(cancelled), questions=tuple(PrepQuestion(t, b) for t, b in questions))


def upcoming_conversations(con, user_id: int) -> pd.DataFrame:
    """Scheduled conversations not yet logged as held and not cancelled, soonest first (ones
    whose time has passed stay until they are logged or cancelled), with whom and how far the
    prep sheet is: columns id, contact_id, name, organization, industry, starts_at, timezone,
    duration_min, format, place, researched, confirmed, questions, prep_complete."""
    with reading(con) as cur:
        frame = cur.execute("""
            SELECT s.id, s.contact_id, c.name, c.organization, c.industry, s.starts_at,
                   coalesce(s.timezone, 'UTC') AS timezone, s.duration_min, s.format, s.place,
                   s.researched, s.confirmed,
                   (SELECT count(*) FROM prep_questions q WHERE q.scheduled_id = s.id)::INTEGER
                       AS questions
            FROM scheduled_conversations s
            JOIN contacts c ON c.id = s.contact_id AND c.user_id = s.user_id
            WHERE s.user_id = ? AND s.conversation_id IS NULL AND s.cancelled_at IS NULL
            ORDER BY s.starts_at, s.id
        """, [user_id]).df()
    frame["prep_complete"] = [
        prep_complete(researched=r, question_count=q, confirmed=c)
        for r, q, c in zip(frame["researched"], frame["questions"], frame["confirmed"])]
    return frame


# --- the question bank -----------------------------------------------------------------------

def _mine_id(question_id: str) -> int | None:
    if isinstance(question_id, str) and question_id.startswith(MINE_PREFIX):
        try:
            return int(question_id[len(MINE_PREFIX):])
        except ValueError:
            return None
    return None


def _builtin(bank_id: str) -> bank.Question:
    for q in bank.builtin_questions():
        if q.id == bank_id:
            return q
    raise NotFound("No such question.")


def add_my_question(con, user_id: int, category, text, *,
                    submission_id: str | None = None) -> Saved:
    """Add one of the student's own questions (validated; raises ValidationError)."""
    question = clean_my_question({"category": category, "text": text})
    return _once(con, submission_id, user_id, "my_question", lambda cur: cur.execute(
        "INSERT INTO my_questions (user_id, category, text) VALUES (?, ?, ?) RETURNING id",
        [user_id, question.category, question.text]).fetchone()[0])


def _own_question(cur, user_id: int, question_id: str) -> int:
    own = _mine_id(question_id)
    if own is None or cur.execute(
            "SELECT 1 FROM my_questions WHERE id = ? AND user_id = ? AND bank_id IS NULL",
            [own, user_id]).fetchone() is None:
        raise NotFound("No such question of yours.")
    return own


def update_my_question(con, user_id: int, question_id: str, category, text) -> None:
    """Edit one of the student's own questions ("mine-<id>"); built-ins cannot be edited."""
    question = clean_my_question({"category": category, "text": text})

    def write(cur) -> None:
        own = _own_question(cur, user_id, question_id)
        cur.execute("UPDATE my_questions SET category = ?, text = ? WHERE id = ? AND user_id = ?",
                    [question.category, question.text, own, user_id])

    _write(con, write)


def delete_my_question(con, user_id: int, question_id: str) -> None:
    """Delete one of the student's own questions. Prep sheets that chose it keep their copy."""

    def write(cur) -> None:
        own = _own_question(cur, user_id, question_id)
        cur.execute("DELETE FROM my_questions WHERE id = ? AND user_id = ?", [own, user_id])

    _write(con, write)


def _set_builtin_mark(cur, user_id: int, bank_id: str, column: str, value: bool) -> None:
    """Star or hide a built-in question: one row per (user, bank_id) carries both marks."""
    assert column in {"starred", "hidden"}  # never from input
    builtin = _builtin(bank_id)
    existing = cur.execute("SELECT id FROM my_questions WHERE user_id = ? AND bank_id = ?"
                           " ORDER BY id", [user_id, bank_id]).fetchall()
    if existing:
        cur.execute(f"UPDATE my_questions SET {column} = ? WHERE user_id = ? AND bank_id = ?",
                    [value, user_id, bank_id])
    elif value:
        cur.execute(f"INSERT INTO my_questions (user_id, category, text, bank_id, {column})"
                    " VALUES (?, ?, ?, ?, true)",
                    [user_id, builtin.category, builtin.text, bank_id])


def star_question(con, user_id: int, question_id: str, starred: bool = True) -> None:
    """Star (or unstar) a question from `question_bank`: a built-in id or "mine-<id>"."""

    def write(cur) -> None:
        if _mine_id(question_id) is not None:
            own = _own_question(cur, user_id, question_id)
            cur.execute("UPDATE my_questions SET starred = ? WHERE id = ? AND user_id = ?",
                        [bool(starred), own, user_id])
        else:
            _set_builtin_mark(cur, user_id, question_id, "starred", bool(starred))

    _write(con, write)


def hide_question(con, user_id: int, bank_id: str, hidden: bool = True) -> None:
    """Hide (or show again) a built-in question in this student's bank."""
    _write(con, lambda cur: _set_builtin_mark(cur, user_id, bank_id, "hidden", bool(hidden)))


def _whole_bank(con, user_id: int) -> pd.DataFrame:
    """Every question of this student's bank, hidden ones included, before filtering."""
    with reading(con) as cur:
        rows = cur.execute(
            "SELECT id, category, text, starred, bank_id, hidden FROM my_questions"
            " WHERE user_id = ? ORDER BY id", [user_id]).fetchall()
    marks: dict[str, tuple[bool, bool]] = {}
    own = []
    for qid, category, text, starred, bank_id, hidden in rows:
        if bank_id is None:
            own.append({"id": f"{MINE_PREFIX}{qid}", "source": "mine", "category": category,
                        "text": text, "industries": "", "starred": bool(starred),
                        "hidden": False})
        else:
            was = marks.get(bank_id, (False, False))
            marks[bank_id] = (was[0] or bool(starred), was[1] or bool(hidden))
    builtin = [{"id": q.id, "source": "built-in", "category": q.category, "text": q.text,
                "industries": ", ".join(q.industries),
                "starred": marks.get(q.id, (False, False))[0],
                "hidden": marks.get(q.id, (False, False))[1]}
               for q in bank.builtin_questions()]
    frame = pd.DataFrame(builtin + own, columns=BANK_COLUMNS)
    order = {code: i for i, code in enumerate(bank.CATEGORIES)}
    frame["_order"] = frame["category"].map(order).fillna(len(order))
    frame["_mine"] = frame["source"] == "mine"
    return (frame.sort_values(["_order", "_mine"], kind="stable")
            .drop(columns=["_order", "_mine"]).reset_index(drop=True))


def question_bank(con, user_id: int, *, industry: str | None = None,
                      categories: Iterable[str] | None = None, starred_only: bool = False,
                      search: str = "", include_hidden: bool = False) -> pd.DataFrame:
    """The student's question bank: built-ins merged with their own questions and stars, in
    category order (built-ins first within a category). Columns: id (a built-in id or
    "mine-<id>"), source ('built-in' | 'mine'), category, text, industries (comma-separated,
    empty for any industry), starred, hidden.

    `industry`: general questions plus those tagged for it (None: all). Unknown `categories`
    raise ValueError. Hidden built-ins are left out unless `include_hidden`."""
    frame = _whole_bank(con, user_id)
    if categories is not None:
        wanted = set(categories)
        if not wanted <= bank.CATEGORIES.keys():
            raise ValueError(f"unknown categories: {sorted(wanted - bank.CATEGORIES.keys())}")
        frame = frame[frame["category"].isin(wanted)]
    if industry:
        tagged = frame["industries"].map(lambda s: industry in s.split(", ") if s else True)
        frame = frame[tagged]
    if starred_only:
        frame = frame[frame["starred"]]
    if not include_hidden:
        frame = frame[~frame["hidden"]]
    needle = (search or "").strip().lower()
    if needle:
        frame = frame[frame["text"].str.lower().str.contains(needle, regex=False)]
    return frame.reset_index(drop=True)



# --- "My data": every record of the student, for lib.data_export ------------------------------

# The coaching records of one student, per record type. Timestamps come out as ISO text
# ("2026-03-20 14:30:00.123456"): a spreadsheet keeps that exactly, while an Excel date-time
# keeps only milliseconds. Ids are kept so the files can say what refers to what.
COACHING_RECORDS = {
    "scheduled_conversations": """
        SELECT s.id AS scheduled_id, s.contact_id, c.name AS contact_name,
               CAST(s.starts_at AS VARCHAR) AS starts_at, s.timezone, s.duration_min, s.format,
               s.place, s.research_notes, s.goals, s.researched, s.confirmed,
               s.conversation_id, CAST(s.cancelled_at AS VARCHAR) AS cancelled_at,
               CAST(s.created_at AS VARCHAR) AS created_at
        FROM scheduled_conversations s LEFT JOIN contacts c ON c.id = s.contact_id
        WHERE s.user_id = $u ORDER BY s.id""",
    "prep_questions": """
        SELECT q.scheduled_id, q.position, q.text, q.bank_id
        FROM prep_questions q JOIN scheduled_conversations s ON s.id = q.scheduled_id
        WHERE s.user_id = $u ORDER BY q.scheduled_id, q.position, q.id""",
    "my_questions": """
        SELECT id AS question_id, category, text, starred, bank_id, hidden,
               CAST(created_at AS VARCHAR) AS created_at
        FROM my_questions WHERE user_id = $u ORDER BY id""",
    "action_marks": """
        SELECT action_key, mark, until, CAST(created_at AS VARCHAR) AS created_at
        FROM action_marks WHERE user_id = $u ORDER BY action_key""",
    "touches": """
        SELECT t.contact_id, c.name AS contact_name, t.touched_on
        FROM touches t LEFT JOIN contacts c ON c.id = t.contact_id
        WHERE t.user_id = $u ORDER BY t.touched_on, t.id""",
    "career_goals": """
        SELECT goal, CAST(set_at AS VARCHAR) AS set_at
        FROM career_goals WHERE user_id = $u ORDER BY set_at, id""",
    "goals": """
        SELECT weekly_goal, coalesce(weekly_goal_set, false) AS weekly_goal_set,
               weekly_conversation_goal, term_conversation_goal
        FROM users WHERE id = $u""",
}


def student_records(con, user_id: int) -> dict[str, pd.DataFrame]:
    """Every record of one student — the tracker's (`queries.student_records`) and the coaching
    ones (COACHING_RECORDS) — one frame per type, read in one snapshot (no prep question without
    its scheduled conversation). Python values in object columns: empty stays None."""
    return queries.student_records(con, user_id, COACHING_RECORDS)
