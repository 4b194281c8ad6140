"""Every write of the tracker. Each public function is one transaction, scoped to one user.

A function that is given a `submission_id` stores its records once: a resent or double-clicked
form finds the id in `submissions` and gets the first record's id back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from lib.db import reading, transaction, with_retry
from lib.validation import (
    ContactInput,
    ConversationInput,
    OutreachInput,
    ResponseInput,
)


class NotFound(LookupError):
    """The record does not exist or does not belong to this user (the two are not told apart)."""


@dataclass(frozen=True)
class Saved:
    id: int
    created: bool  # False when the submission id had been stored before


def _claimed(cur, submission_id: str | None, user_id: int) -> int | None:
    if not submission_id:
        return None
    row = cur.execute(
        "SELECT record_id FROM submissions WHERE id = ? AND user_id = ?", [submission_id, user_id]
    ).fetchone()
    return row[0] if row else None


def _claim(cur, submission_id: str | None, user_id: int, kind: str, record_id: int) -> None:
    if submission_id:
        cur.execute(
            "INSERT INTO submissions (id, user_id, kind, record_id) VALUES (?, ?, ?, ?)",
            [submission_id, user_id, kind, record_id],
        )


def _once(con, submission_id, user_id, kind, write) -> Saved:
    """Run `write(cur) -> id` in a transaction unless this submission was stored already."""

    def attempt() -> Saved:
        with transaction(con) as cur:
            existing = _claimed(cur, submission_id, user_id)
            if existing is not None:
                return Saved(existing, False)
            record_id = write(cur)
            _claim(cur, submission_id, user_id, kind, record_id)
            return Saved(record_id, True)

    try:
        return with_retry(attempt)
    except duckdb.ConstraintException:
        # Two sessions raced with the same submission id: the other one won.
        with reading(con) as cur:
            existing = _claimed(cur, submission_id, user_id)
        if existing is None:
            raise
        return Saved(existing, False)


def _owned(cur, table: str, record_id: int, user_id: int) -> tuple:
    assert table in {"contacts", "outreach", "conversations"}  # names come from this module only
    row = cur.execute(
        f"SELECT * FROM {table} WHERE id = ? AND user_id = ?", [record_id, user_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"No such {table[:-1]}.")
    return row


# --- users -----------------------------------------------------------------------------------

LOCAL_PROFILE_NAME = "Me"


def ensure_local_profile(con) -> int:
    """The single local student profile used until accounts exist; created on first start."""

    def attempt() -> int:
        with transaction(con) as cur:
            row = cur.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()
            if row:
                return row[0]
            return cur.execute(
                "INSERT INTO users (display_name, role) VALUES (?, 'student') RETURNING id",
                [LOCAL_PROFILE_NAME],
            ).fetchone()[0]

    return with_retry(attempt)


def get_setting(con, key: str) -> str | None:
    with reading(con) as cur:
        row = cur.execute("SELECT value FROM app_settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_setting(con, key: str, value: str) -> None:
    with transaction(con) as cur:
        cur.execute("INSERT INTO app_settings (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def set_weekly_goal(con, user_id: int, goal: int) -> None:
    """The student's own weekly outreach goal (it then takes precedence over their class's)."""
    with transaction(con) as cur:
        cur.execute("UPDATE users SET weekly_goal = ?, weekly_goal_set = true WHERE id = ?",
                    [goal, user_id])


# --- contacts --------------------------------------------------------------------------------

_CONTACT_COLUMNS = ("name", "organization", "title", "industry", "industry_other", "how_found",
                    "email", "profile_url", "priority", "notes")


def _insert_contact(cur, user_id: int, contact: ContactInput, *, created_on: dt.date | None = None,
                    referred_by: int | None = None, referred_in: int | None = None) -> int:
    values = [getattr(contact, c) for c in _CONTACT_COLUMNS]
    return cur.execute(
        f"INSERT INTO contacts (user_id, {', '.join(_CONTACT_COLUMNS)}, referred_by_contact_id,"
        " referred_in_conversation_id, created_on)"
        f" VALUES (?, {', '.join('?' for _ in _CONTACT_COLUMNS)}, ?, ?, coalesce(?, current_date))"
        " RETURNING id",
        [user_id, *values, referred_by, referred_in, created_on],
    ).fetchone()[0]


def add_contact(con, user_id: int, contact: ContactInput, *, submission_id: str | None = None,
                created_on: dt.date | None = None) -> Saved:
    return _once(con, submission_id, user_id, "contact",
                 lambda cur: _insert_contact(cur, user_id, contact, created_on=created_on))


def update_contact(con, user_id: int, contact_id: int, contact: ContactInput) -> None:
    def attempt() -> None:
        with transaction(con) as cur:
            _owned(cur, "contacts", contact_id, user_id)
            cur.execute(
                f"UPDATE contacts SET {', '.join(f'{c} = ?' for c in _CONTACT_COLUMNS)}"
                " WHERE id = ? AND user_id = ?",
                [*(getattr(contact, c) for c in _CONTACT_COLUMNS), contact_id, user_id],
            )

    with_retry(attempt)


def find_duplicate_contact(con, user_id: int, name: str, organization: str | None,
                           exclude_id: int | None = None) -> int | None:
    """Another contact of this user with the same name and organization (case-insensitive)."""
    with reading(con) as cur:
        row = cur.execute(
            "SELECT id FROM contacts WHERE user_id = ? AND lower(trim(name)) = lower(trim(?))"
            " AND lower(coalesce(organization, '')) = lower(coalesce(?, ''))"
            " AND id IS DISTINCT FROM ? ORDER BY id LIMIT 1",
            [user_id, name, organization, exclude_id],
        ).fetchone()
    return row[0] if row else None


def _delete_conversations(cur, user_id: int, where: str, params: list) -> None:
    """Delete the matching conversations with their insights and questions; contacts they
    produced as referrals stay, unlinked from the conversation."""
    ids = f"SELECT id FROM conversations WHERE user_id = ? AND {where}"
    cur.execute(f"UPDATE contacts SET referred_in_conversation_id = NULL WHERE user_id = ? AND"
                f" referred_in_conversation_id IN ({ids})", [user_id, user_id, *params])
    cur.execute(f"UPDATE scheduled_conversations SET conversation_id = NULL WHERE user_id = ?"
                f" AND conversation_id IN ({ids})", [user_id, user_id, *params])
    cur.execute(f"DELETE FROM insights WHERE conversation_id IN ({ids})", [user_id, *params])
    cur.execute(f"DELETE FROM conversation_questions WHERE conversation_id IN ({ids})",
                [user_id, *params])
    cur.execute(f"DELETE FROM conversations WHERE user_id = ? AND {where}", [user_id, *params])


def delete_contact(con, user_id: int, contact_id: int, *, move_to: int | None = None) -> None:
    """Delete a contact, in one transaction. Its outreach and conversations move to `move_to`
    (another contact of the same user) or, without it, are deleted with it. Contacts it
    referred keep existing."""
    if move_to == contact_id:
        raise ValueError("Pick a different contact to move the records to.")

    def attempt() -> None:
        with transaction(con) as cur:
            _owned(cur, "contacts", contact_id, user_id)
            if move_to is not None:
                _owned(cur, "contacts", move_to, user_id)
                for table in ("outreach", "conversations", "scheduled_conversations",
                              "touches"):
                    cur.execute(f"UPDATE {table} SET contact_id = ? WHERE contact_id = ?"
                                " AND user_id = ?", [move_to, contact_id, user_id])
                cur.execute("UPDATE contacts SET referred_by_contact_id = ? WHERE"
                            " referred_by_contact_id = ? AND user_id = ?",
                            [move_to, contact_id, user_id])
                _renumber_attempts(cur, user_id, move_to)
            else:
                cur.execute("DELETE FROM outreach WHERE contact_id = ? AND user_id = ?",
                            [contact_id, user_id])
                _delete_conversations(cur, user_id, "contact_id = ?", [contact_id])
                cur.execute("DELETE FROM prep_questions WHERE scheduled_id IN (SELECT id FROM"
                            " scheduled_conversations WHERE contact_id = ? AND user_id = ?)",
                            [contact_id, user_id])
                for table in ("scheduled_conversations", "touches"):
                    cur.execute(f"DELETE FROM {table} WHERE contact_id = ? AND user_id = ?",
                                [contact_id, user_id])
                cur.execute("UPDATE contacts SET referred_by_contact_id = NULL WHERE"
                            " referred_by_contact_id = ? AND user_id = ?", [contact_id, user_id])
            cur.execute("DELETE FROM contacts WHERE id = ? AND user_id = ?", [contact_id, user_id])

    with_retry(attempt)


# --- outreach --------------------------------------------------------------------------------

def log_outreach(con, user_id: int, outreach: OutreachInput, *,
                 submission_id: str | None = None) -> Saved:
    """Store a message sent. Attempts are numbered by send date (1 = first message), so one
    logged late, or moved from a merged duplicate, still gets its place."""

    def write(cur) -> int:
        _owned(cur, "contacts", outreach.contact_id, user_id)
        attempt = cur.execute(
            "SELECT count(*) + 1 FROM outreach WHERE contact_id = ? AND user_id = ?",
            [outreach.contact_id, user_id],
        ).fetchone()[0]
        outreach_id = cur.execute(
            "INSERT INTO outreach (user_id, contact_id, sent_on, channel, attempt)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            [user_id, outreach.contact_id, outreach.sent_on, outreach.channel, attempt],
        ).fetchone()[0]
        _renumber_attempts(cur, user_id, outreach.contact_id)
        return outreach_id

    return _once(con, submission_id, user_id, "outreach", write)


def _renumber_attempts(cur, user_id: int, contact_id: int) -> None:
    cur.execute(
        "UPDATE outreach SET attempt = n.attempt FROM ("
        " SELECT id, row_number() OVER (ORDER BY sent_on, id) AS attempt FROM outreach"
        " WHERE contact_id = ? AND user_id = ?) n"
        " WHERE outreach.id = n.id AND outreach.attempt <> n.attempt",
        [contact_id, user_id],
    )


def outreach_sent_on(con, user_id: int, outreach_id: int) -> dt.date:
    with reading(con) as cur:
        row = cur.execute("SELECT sent_on FROM outreach WHERE id = ? AND user_id = ?",
                          [outreach_id, user_id]).fetchone()
    if row is None:
        raise NotFound("No such outreach.")
    return row[0]


def record_response(con, user_id: int, outreach_id: int, response: ResponseInput) -> None:
    def attempt() -> None:
        with transaction(con) as cur:
            _owned(cur, "outreach", outreach_id, user_id)
            cur.execute(
                "UPDATE outreach SET response_on = ?, outcome = ? WHERE id = ? AND user_id = ?",
                [response.response_on, response.outcome, outreach_id, user_id],
            )

    with_retry(attempt)


def clear_response(con, user_id: int, outreach_id: int) -> None:
    with transaction(con) as cur:
        _owned(cur, "outreach", outreach_id, user_id)
        cur.execute("UPDATE outreach SET response_on = NULL, outcome = 'pending'"
                    " WHERE id = ? AND user_id = ?", [outreach_id, user_id])


def delete_outreach(con, user_id: int, outreach_id: int) -> None:
    with transaction(con) as cur:
        _owned(cur, "outreach", outreach_id, user_id)
        contact_id = cur.execute("SELECT contact_id FROM outreach WHERE id = ?",
                                 [outreach_id]).fetchone()[0]
        cur.execute("DELETE FROM outreach WHERE id = ? AND user_id = ?", [outreach_id, user_id])
        _renumber_attempts(cur, user_id, contact_id)


# --- conversations ---------------------------------------------------------------------------

def _insert_rows(cur, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """All `rows` in one INSERT (none: no statement)."""
    assert table in {"conversation_questions", "insights"}  # names come from this module only
    if rows:
        one = f"({', '.join('?' for _ in columns)})"
        cur.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                    + ", ".join(one for _ in rows), [value for row in rows for value in row])


def log_conversation(con, user_id: int, conversation: ConversationInput, *,
                     contact_id: int | None = None, new_contact: ContactInput | None = None,
                     submission_id: str | None = None) -> Saved:
    """Store a conversation with its questions, insights and referrals — and, when the person is
    not yet a contact, the contact too — in one transaction."""
    if (contact_id is None) == (new_contact is None):
        raise ValueError("Give either an existing contact or a new one.")

    def write(cur) -> int:
        # One statement per table (rows together): each statement costs DuckDB ~0.5 ms.
        if new_contact is not None:
            who = _insert_contact(cur, user_id, new_contact, created_on=conversation.held_on)
            industry = (new_contact.industry, new_contact.industry_other)
        else:
            industry = cur.execute(
                "SELECT industry, industry_other FROM contacts WHERE id = ? AND user_id = ?",
                [contact_id, user_id]).fetchone()
            if industry is None:
                raise NotFound("No such contact.")
            who = contact_id
        c = conversation
        conversation_id = cur.execute(
            "INSERT INTO conversations (user_id, contact_id, held_on, format, duration_min,"
            " next_steps, clarity_before, clarity_after, reflection, thank_you_on, share_insights,"
            " share_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [user_id, who, c.held_on, c.format, c.duration_min, c.next_steps, c.clarity_before,
             c.clarity_after, c.reflection, c.thank_you_on, c.share_insights, c.share_name],
        ).fetchone()[0]
        _insert_rows(cur, "conversation_questions", ("conversation_id", "position", "text"),
                     [(conversation_id, position, text)
                      for position, text in enumerate(c.questions)])
        _insert_rows(cur, "insights", ("user_id", "conversation_id", "position", "category", "text"),
                     [(user_id, conversation_id, position, insight.category, insight.text)
                      for position, insight in enumerate(c.insights)])
        for referral in c.referrals:
            _insert_contact(
                cur, user_id,
                ContactInput(name=referral.name, organization=referral.organization,
                             title=referral.title, industry=industry[0],
                             industry_other=industry[1], how_found="referral", email=None,
                             profile_url=None, priority="great", notes=None),
                created_on=c.held_on, referred_by=who, referred_in=conversation_id,
            )
        return conversation_id

    return _once(con, submission_id, user_id, "conversation", write)


def set_thank_you(con, user_id: int, conversation_id: int, sent_on: dt.date | None) -> None:
    with transaction(con) as cur:
        _owned(cur, "conversations", conversation_id, user_id)
        cur.execute("UPDATE conversations SET thank_you_on = ? WHERE id = ? AND user_id = ?",
                    [sent_on, conversation_id, user_id])


def delete_conversation(con, user_id: int, conversation_id: int) -> None:
    with transaction(con) as cur:
        _owned(cur, "conversations", conversation_id, user_id)
        _delete_conversations(cur, user_id, "id = ?", [conversation_id])


# --- batches (demo data, imports) ------------------------------------------------------------

@dataclass(frozen=True)
class BatchContact:
    """A new contact in a batch, known to the other batch records by `key`."""

    key: str
    contact: ContactInput
    created_on: dt.date | None = None
    referred_by: str | int | None = None  # batch key of a new contact, or an existing id
    referred_in: str | None = None  # batch key of a conversation in the same batch


@dataclass(frozen=True)
class BatchOutreach:
    contact: str | int  # batch key of a new contact, or an existing contact id
    outreach: OutreachInput  # its contact_id is ignored
    response: ResponseInput | None = None
    key: str | None = None  # for next-action marks that refer to this message


@dataclass(frozen=True)
class BatchConversation:
    key: str
    contact: str | int
    conversation: ConversationInput  # its referrals are ignored: give them as BatchContacts


# --- coaching records in a batch (a "My data" export read back) ---

@dataclass(frozen=True)
class BatchPrepQuestion:
    """A question chosen on a prep sheet. `bank_id`: a built-in question's id; `mine`: the
    batch key (or existing id) of one of the student's own questions instead."""

    text: str
    bank_id: str | None = None
    mine: str | int | None = None


@dataclass(frozen=True)
class BatchScheduled:
    """A scheduled conversation with its prep sheet (validated by the caller)."""

    key: str
    contact: str | int
    starts_at: dt.datetime
    timezone: str | None
    duration_min: int
    format: str
    place: str | None = None
    research_notes: str | None = None
    goals: str | None = None
    researched: bool = False
    confirmed: bool = False
    conversation: str | int | None = None  # batch key or existing id of the logged one
    cancelled_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    questions: tuple[BatchPrepQuestion, ...] = ()


@dataclass(frozen=True)
class BatchMyQuestion:
    """One of the student's own questions (bank_id None), or their star/hide of a built-in."""

    key: str
    category: str
    text: str
    starred: bool = False
    bank_id: str | None = None
    hidden: bool = False
    created_at: dt.datetime | None = None


MARK_REFERENCES = ("contact", "outreach", "conversation", "scheduled")


@dataclass(frozen=True)
class BatchActionMark:
    """A next action ticked off or snoozed. Its key is `prefix` + the id of the record `ref`
    stands for (a batch key or an existing id, of kind `ref_kind`) + `suffix`; without a
    `ref_kind`, `prefix` is the whole key."""

    prefix: str
    mark: str  # 'done' | 'snoozed'
    until: dt.date | None = None
    ref_kind: str | None = None  # one of MARK_REFERENCES
    ref: str | int | None = None
    suffix: str = ""
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class BatchTouch:
    contact: str | int
    touched_on: dt.date


@dataclass(frozen=True)
class BatchCareerGoal:
    goal: str
    set_at: dt.datetime | None = None


@dataclass(frozen=True)
class BatchGoals:
    """The goal columns of the student's own row in `users`."""

    weekly_goal: int
    weekly_goal_set: bool
    weekly_conversation_goal: int | None
    term_conversation_goal: int | None


@dataclass
class Batch:
    contacts: list[BatchContact] = field(default_factory=list)
    outreach: list[BatchOutreach] = field(default_factory=list)
    conversations: list[BatchConversation] = field(default_factory=list)
    scheduled: list[BatchScheduled] = field(default_factory=list)
    my_questions: list[BatchMyQuestion] = field(default_factory=list)
    action_marks: list[BatchActionMark] = field(default_factory=list)
    touches: list[BatchTouch] = field(default_factory=list)
    career_goals: list[BatchCareerGoal] = field(default_factory=list)
    goals: BatchGoals | None = None

    def counts(self) -> dict[str, int]:
        """How many records of each kind the batch stores: always contacts, outreach,
        conversations and insights; the coaching kinds only when there are any."""
        counts = {"contacts": len(self.contacts), "outreach": len(self.outreach),
                  "conversations": len(self.conversations),
                  "insights": sum(len(c.conversation.insights) for c in self.conversations)}
        coaching = {
            "scheduled_conversations": len(self.scheduled),
            "prep_questions": sum(len(s.questions) for s in self.scheduled),
            "my_questions": len(self.my_questions),
            "action_marks": len(self.action_marks),
            "touches": len(self.touches),
            "career_goals": len(self.career_goals),
            "goals": int(self.goals is not None),
        }
        return {**counts, **{k: n for k, n in coaching.items() if n}}


_SEQUENCES = {"seq_contacts", "seq_outreach", "seq_conversations", "seq_insights",
              "seq_questions", "seq_scheduled", "seq_prep_questions", "seq_my_questions",
              "seq_touches", "seq_career_goals"}


def _ids(cur, sequence: str, count: int) -> list[int]:
    assert sequence in _SEQUENCES
    if not count:
        return []
    return [r[0] for r in cur.execute(
        f"SELECT nextval('{sequence}') FROM range(?)", [count]).fetchall()]


def _insert_frame(cur, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame whose columns are named like the table's (a few statements for
    thousands of rows, instead of one statement a row)."""
    if frame.empty:
        return
    cur.register("_batch_rows", frame)
    try:
        columns = ", ".join(frame.columns)
        cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _batch_rows")
    finally:
        cur.unregister("_batch_rows")


def write_batch(con, user_id: int, batch: Batch, *, submission_id: str | None = None) -> dict:
    """Store validated records — contacts, messages with their answers, conversations with
    their questions and insights, and the coaching records (scheduled conversations with their
    prep sheets, own questions and stars, next-action marks, keep-in-touch notes, career goals,
    the goal settings) — for one user in one transaction, all or nothing. Records may refer to
    existing records of the user by id. Returns `Batch.counts()` (all zeros when
    `submission_id` was stored before)."""
    counts = batch.counts()

    def write(cur) -> int:
        contact_ids = dict(zip([c.key for c in batch.contacts],
                               _ids(cur, "seq_contacts", len(batch.contacts))))
        conversation_ids = dict(zip([c.key for c in batch.conversations],
                                    _ids(cur, "seq_conversations", len(batch.conversations))))
        existing = {ref for ref in [o.contact for o in batch.outreach]
                    + [c.contact for c in batch.conversations]
                    + [c.referred_by for c in batch.contacts]
                    + [s.contact for s in batch.scheduled]
                    + [t.contact for t in batch.touches] if isinstance(ref, int)}
        for contact_id in existing:
            _owned(cur, "contacts", contact_id, user_id)
        for talk in {s.conversation for s in batch.scheduled if isinstance(s.conversation, int)}:
            _owned(cur, "conversations", talk, user_id)

        def contact_id(ref):
            return ref if isinstance(ref, int) or ref is None else contact_ids[ref]

        _insert_frame(cur, "contacts", pd.DataFrame([{
            "id": contact_ids[c.key], "user_id": user_id,
            **{col: getattr(c.contact, col) for col in _CONTACT_COLUMNS},
            "referred_by_contact_id": contact_id(c.referred_by),
            "referred_in_conversation_id": conversation_ids.get(c.referred_in),
            "created_on": c.created_on or dt.date.today(),
        } for c in batch.contacts]))
        outreach_ids = _ids(cur, "seq_outreach", len(batch.outreach))
        _insert_frame(cur, "outreach", pd.DataFrame([{
            "id": oid, "user_id": user_id, "contact_id": contact_id(o.contact),
            "sent_on": o.outreach.sent_on, "channel": o.outreach.channel, "attempt": 1,
            "response_on": o.response.response_on if o.response else None,
            "outcome": o.response.outcome if o.response else "pending",
        } for oid, o in zip(outreach_ids, batch.outreach)]))
        _insert_frame(cur, "conversations", pd.DataFrame([{
            "id": conversation_ids[c.key], "user_id": user_id, "contact_id": contact_id(c.contact),
            "held_on": c.conversation.held_on, "format": c.conversation.format,
            "duration_min": c.conversation.duration_min,
            "next_steps": c.conversation.next_steps,
            "clarity_before": c.conversation.clarity_before,
            "clarity_after": c.conversation.clarity_after,
            "reflection": c.conversation.reflection,
            "thank_you_on": c.conversation.thank_you_on,
            "share_insights": c.conversation.share_insights,
            "share_name": c.conversation.share_name,
        } for c in batch.conversations]))
        questions = [(conversation_ids[c.key], i, q) for c in batch.conversations
                     for i, q in enumerate(c.conversation.questions)]
        _insert_frame(cur, "conversation_questions", pd.DataFrame([
            {"id": qid, "conversation_id": cid, "position": pos, "text": text}
            for qid, (cid, pos, text) in zip(_ids(cur, "seq_questions", len(questions)),
                                             questions)]))
        insights = [(conversation_ids[c.key], i, ins) for c in batch.conversations
                    for i, ins in enumerate(c.conversation.insights)]
        _insert_frame(cur, "insights", pd.DataFrame([
            {"id": iid, "user_id": user_id, "conversation_id": cid, "position": pos,
             "category": ins.category, "text": ins.text}
            for iid, (cid, pos, ins) in zip(_ids(cur, "seq_insights", len(insights)),
                                            insights)]))
        touched = sorted({contact_id(o.contact) for o in batch.outreach})
        if touched:
            cur.execute(
                "UPDATE outreach SET attempt = n.attempt FROM ("
                " SELECT id, row_number() OVER (PARTITION BY contact_id ORDER BY sent_on, id)"
                " AS attempt FROM outreach WHERE user_id = ? AND list_contains(?, contact_id)) n"
                " WHERE outreach.id = n.id AND outreach.attempt <> n.attempt",
                [user_id, touched])
        _write_coaching(cur, user_id, batch, {
            "contact": contact_ids, "conversation": conversation_ids,
            "outreach": {o.key: oid for oid, o in zip(outreach_ids, batch.outreach) if o.key}})
        return len(batch.contacts) + len(batch.outreach) + len(batch.conversations)

    saved = _once(con, submission_id, user_id, "batch", write)
    return counts if saved.created else {k: 0 for k in counts}


def _write_coaching(cur, user_id: int, batch: Batch, keys: dict[str, dict[str, int]]) -> None:
    """The coaching part of `write_batch`; `keys` maps batch keys to the new ids, per kind."""
    now = dt.datetime.now()
    keys["my_question"] = dict(zip([q.key for q in batch.my_questions],
                                   _ids(cur, "seq_my_questions", len(batch.my_questions))))
    keys["scheduled"] = dict(zip([s.key for s in batch.scheduled],
                                 _ids(cur, "seq_scheduled", len(batch.scheduled))))

    def resolve(kind: str, ref):
        return ref if isinstance(ref, int) or ref is None else keys[kind][ref]

    _insert_frame(cur, "my_questions", pd.DataFrame([{
        "id": keys["my_question"][q.key], "user_id": user_id, "category": q.category,
        "text": q.text, "starred": q.starred, "bank_id": q.bank_id, "hidden": q.hidden,
        "created_at": q.created_at or now,
    } for q in batch.my_questions]))
    _insert_frame(cur, "scheduled_conversations", pd.DataFrame([{
        "id": keys["scheduled"][s.key], "user_id": user_id,
        "contact_id": resolve("contact", s.contact), "starts_at": s.starts_at,
        "timezone": s.timezone, "duration_min": s.duration_min, "format": s.format,
        "place": s.place, "research_notes": s.research_notes, "goals": s.goals,
        "researched": s.researched, "confirmed": s.confirmed,
        "conversation_id": resolve("conversation", s.conversation),
        "cancelled_at": s.cancelled_at, "created_at": s.created_at or now,
    } for s in batch.scheduled]))
    chosen = [(keys["scheduled"][s.key], i, q) for s in batch.scheduled
              for i, q in enumerate(s.questions)]
    _insert_frame(cur, "prep_questions", pd.DataFrame([{
        "id": pid, "scheduled_id": sid, "position": pos, "text": q.text,
        "bank_id": (f"{MINE_PREFIX}{resolve('my_question', q.mine)}" if q.mine is not None
                    else q.bank_id),
    } for pid, (sid, pos, q) in zip(_ids(cur, "seq_prep_questions", len(chosen)), chosen)]))
    touches = batch.touches
    _insert_frame(cur, "touches", pd.DataFrame([{
        "id": tid, "user_id": user_id, "contact_id": resolve("contact", t.contact),
        "touched_on": t.touched_on,
    } for tid, t in zip(_ids(cur, "seq_touches", len(touches)), touches)]))
    goals = batch.career_goals
    _insert_frame(cur, "career_goals", pd.DataFrame([{
        "id": gid, "user_id": user_id, "goal": g.goal, "set_at": g.set_at or now,
    } for gid, g in zip(_ids(cur, "seq_career_goals", len(goals)), goals)]))
    for m in batch.action_marks:
        if m.ref_kind is None:
            key = m.prefix
        else:
            assert m.ref_kind in MARK_REFERENCES
            key = f"{m.prefix}{resolve(m.ref_kind, m.ref)}{m.suffix}"
        # A mark made meanwhile (in another tab) wins: it is newer than the file's.
        cur.execute("INSERT INTO action_marks (user_id, action_key, mark, until, created_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [user_id, key, m.mark, m.until, m.created_at or now])
    if batch.goals is not None:
        g = batch.goals
        cur.execute("UPDATE users SET weekly_goal = ?, weekly_goal_set = ?,"
                    " weekly_conversation_goal = ?, term_conversation_goal = ? WHERE id = ?",
                    [g.weekly_goal, g.weekly_goal_set, g.weekly_conversation_goal,
                     g.term_conversation_goal, user_id])


# "mine-<id>": how a prep sheet names one of the student's own questions (lib.prep_store).
MINE_PREFIX = "mine-"


def existing_keys(con, user_id: int) -> dict[str, list[tuple]]:
    """What an import of a "My data" export must recognise as already there (read in one
    snapshot; `lib.importer.ExistingRecords.from_keys` turns it into the importer's view):
    contacts (id, name, organization), outreach (id, contact_id, sent_on), conversations
    (id, contact_id, held_on), scheduled (id, contact_id, starts_at), my_questions
    (id, category, text, bank_id), action_marks (action_key,), touches (contact_id,
    touched_on), career_goals (goal, set_at), goals [(weekly_goal, weekly_goal_set,
    weekly_conversation_goal, term_conversation_goal)]."""
    sql = {
        "contacts": "SELECT id, name, organization FROM contacts WHERE user_id = $u ORDER BY id",
        "outreach": "SELECT id, contact_id, sent_on FROM outreach WHERE user_id = $u"
                    " ORDER BY id",
        "conversations": "SELECT id, contact_id, held_on FROM conversations WHERE user_id = $u"
                         " ORDER BY id",
        "scheduled": "SELECT id, contact_id, starts_at FROM scheduled_conversations"
                     " WHERE user_id = $u ORDER BY id",
        "my_questions": "SELECT id, category, text, bank_id FROM my_questions"
                        " WHERE user_id = $u ORDER BY id",
        "action_marks": "SELECT action_key FROM action_marks WHERE user_id = $u",
        "touches": "SELECT contact_id, touched_on FROM touches WHERE user_id = $u ORDER BY id",
        "career_goals": "SELECT goal, set_at FROM career_goals WHERE user_id = $u ORDER BY id",
        "goals": "SELECT weekly_goal, coalesce(weekly_goal_set, false),"
                 " weekly_conversation_goal, term_conversation_goal FROM users WHERE id = $u",
    }
    keys = {}
    with reading(con) as cur:
        cur.execute("BEGIN TRANSACTION")  # one snapshot
        try:
            for name, statement in sql.items():
                keys[name] = cur.execute(statement, {"u": user_id}).fetchall()
        finally:
            cur.execute("ROLLBACK")
    return keys
