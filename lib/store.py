"""Every write of the tracker. Each public function is one transaction, scoped to one user.

A function that is given a `submission_id` stores its records once: a resent or double-clicked
form finds the id in `submissions` and gets the first record's id back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

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


def set_weekly_goal(con, user_id: int, goal: int) -> None:
    with transaction(con) as cur:
        cur.execute("UPDATE users SET weekly_goal = ? WHERE id = ?", [goal, user_id])


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
                for table in ("outreach", "conversations"):
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

def log_conversation(con, user_id: int, conversation: ConversationInput, *,
                     contact_id: int | None = None, new_contact: ContactInput | None = None,
                     submission_id: str | None = None) -> Saved:
    """Store a conversation with its questions, insights and referrals — and, when the person is
    not yet a contact, the contact too — in one transaction."""
    if (contact_id is None) == (new_contact is None):
        raise ValueError("Give either an existing contact or a new one.")

    def write(cur) -> int:
        if new_contact is not None:
            who = _insert_contact(cur, user_id, new_contact, created_on=conversation.held_on)
        else:
            _owned(cur, "contacts", contact_id, user_id)
            who = contact_id
        c = conversation
        conversation_id = cur.execute(
            "INSERT INTO conversations (user_id, contact_id, held_on, format, duration_min,"
            " next_steps, clarity_before, clarity_after, reflection, thank_you_on, share_insights)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [user_id, who, c.held_on, c.format, c.duration_min, c.next_steps, c.clarity_before,
             c.clarity_after, c.reflection, c.thank_you_on, c.share_insights],
        ).fetchone()[0]
        for position, text in enumerate(c.questions):
            cur.execute("INSERT INTO conversation_questions (conversation_id, position, text)"
                        " VALUES (?, ?, ?)", [conversation_id, position, text])
        for position, insight in enumerate(c.insights):
            cur.execute("INSERT INTO insights (user_id, conversation_id, position, category, text)"
                        " VALUES (?, ?, ?, ?, ?)",
                        [user_id, conversation_id, position, insight.category, insight.text])
        industry = cur.execute("SELECT industry, industry_other FROM contacts WHERE id = ?",
                               [who]).fetchone()
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
