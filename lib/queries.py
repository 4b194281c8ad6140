"""Every read of the tracker, named for its result. Each is scoped to one user and parameterized,
and returns a small frame (one student's records, or an aggregate sized for a chart)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from lib.db import reading


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters. Empty `industries` means every industry."""

    start: dt.date | None = None
    end: dt.date | None = None
    industries: tuple[str, ...] = field(default_factory=tuple)

    def params(self, user_id: int) -> dict:
        return {
            "user_id": user_id,
            "start": self.start or dt.date(1900, 1, 1),
            "end": self.end or dt.date(9999, 12, 31),
            "industries": list(self.industries),
        }


_INDUSTRY_FILTER = "(len($industries::VARCHAR[]) = 0 OR list_contains($industries::VARCHAR[], c.industry))"


def _mine(*tables: str, user: str = "$u") -> str:
    """`my_<table> AS MATERIALIZED (SELECT * FROM <table> WHERE user_id = <user>)`, one per table:
    the student's own rows, read through the user_id index so that a query costs what the
    student's records cost, not the size of the table. DuckDB uses that index only for a scan
    whose sole filter is `user_id = …`; joined directly, a table gets a join filter too and is
    scanned whole (measured in bench/RESULTS.md). Table names come from this module only."""
    assert set(tables) <= {"contacts", "outreach", "conversations", "insights",
                           "scheduled_conversations"}
    return ",\n".join(f"my_{t} AS MATERIALIZED (SELECT * FROM {t} WHERE user_id = {user})"
                       for t in tables)


def _frame(con, sql: str, params) -> pd.DataFrame:
    with reading(con) as cur:
        return cur.execute(sql, params).df()


def has_records(con, user_id: int) -> bool:
    with reading(con) as cur:
        return bool(cur.execute(
            "SELECT EXISTS (SELECT 1 FROM contacts WHERE user_id = ?)", [user_id]
        ).fetchone()[0])


def user_profile(con, user_id: int) -> dict | None:
    with reading(con) as cur:
        row = cur.execute("SELECT id, display_name, role, weekly_goal FROM users WHERE id = ?",
                          [user_id]).fetchone()
    if row is None:
        return None
    return {"id": row[0], "display_name": row[1], "role": row[2], "weekly_goal": row[3]}


def contact_industries(con, user_id: int) -> list[str]:
    """The industries this user's contacts are in, for filters."""
    with reading(con) as cur:
        rows = cur.execute("SELECT DISTINCT industry FROM contacts WHERE user_id = ? ORDER BY 1",
                           [user_id]).fetchall()
    return [r[0] for r in rows]


def contact_choices(con, user_id: int) -> dict[int, str]:
    """The user's contacts for a picker, by name: id -> "Name — Organization" (one index read;
    the Log a conversation form needs no more than this)."""
    with reading(con) as cur:
        rows = cur.execute("SELECT id, name, organization FROM contacts WHERE user_id = ?"
                           " ORDER BY name, id", [user_id]).fetchall()
    return {contact_id: name + (f" — {organization}" if organization else "")
            for contact_id, name, organization in rows}


def unthanked_conversations(con, user_id: int) -> list[tuple[int, str, dt.date]]:
    """Conversations with no thank-you recorded yet, newest first: (id, contact name, held on)."""
    with reading(con) as cur:
        return cur.execute(
            "SELECT v.id, c.name, v.held_on FROM conversations v"
            " JOIN contacts c ON c.id = v.contact_id AND c.user_id = $u"
            " WHERE v.user_id = $u AND v.thank_you_on IS NULL"
            " ORDER BY v.held_on DESC, v.id DESC", {"u": user_id}).fetchall()


def activity_bounds(con, user_id: int) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day on which anything happened (outreach sent or conversation held)."""
    with reading(con) as cur:
        row = cur.execute(
            "SELECT min(d), max(d) FROM ("
            " SELECT sent_on AS d FROM outreach WHERE user_id = $u"
            " UNION ALL SELECT held_on FROM conversations WHERE user_id = $u)",
            {"u": user_id},
        ).fetchone()
    return row[0], row[1]


_VERSIONED = ("contacts", "outreach", "conversations", "insights", "scheduled_conversations")


def records_version(con, user_id: int) -> tuple[int, ...]:
    """A fingerprint of every row of the student's contacts, outreach, conversations, insights
    and scheduled conversations (a hash of each table's rows, in id order): any insert, edit or
    delete of one of them changes it. What the dashboard's figures are computed from, so a
    cached copy keyed by it is never stale. Costs the student's own rows (about 7 ms at
    university scale), not the table."""
    parts = ",\n".join(f"(SELECT hash(list(x ORDER BY x.id)) FROM my_{t} x)" for t in _VERSIONED)
    with reading(con) as cur:
        return tuple(cur.execute(f"WITH {_mine(*_VERSIONED)} SELECT {parts}",
                                 {"u": user_id}).fetchone())


def contact_pipeline(con, user_id: int) -> pd.DataFrame:
    """One row per contact with everything its stage and next step are derived from."""
    return _frame(con, f"""
        WITH {_mine("contacts", "outreach", "conversations")},
        o AS (
            SELECT contact_id,
                   count(*) AS attempts,
                   min(sent_on) AS first_sent_on,
                   max(sent_on) AS last_sent_on,
                   arg_min(channel, sent_on) AS first_channel,
                   max(attempt) AS last_attempt,
                   min(response_on) AS first_response_on,
                   max(response_on) AS last_response_on,
                   bool_or(outcome = 'accepted') AS accepted,
                   arg_max(outcome, coalesce(response_on, DATE '1900-01-01')) FILTER
                       (WHERE outcome <> 'pending') AS last_outcome,
                   arg_max(outcome, attempt) AS latest_attempt_outcome
            FROM my_outreach GROUP BY contact_id
        ), v AS (
            SELECT contact_id,
                   count(*) AS conversations,
                   min(held_on) AS first_held_on,
                   max(held_on) AS last_held_on,
                   count(thank_you_on) AS thanked,
                   max(thank_you_on) AS last_thank_you_on
            FROM my_conversations GROUP BY contact_id
        ), r AS (
            SELECT referred_by_contact_id AS contact_id, count(*) AS referrals_given
            FROM my_contacts WHERE referred_by_contact_id IS NOT NULL
            GROUP BY referred_by_contact_id
        ), s AS (
            SELECT contact_id, count(*) AS scheduled
            FROM scheduled_conversations
            WHERE user_id = $u AND conversation_id IS NULL AND cancelled_at IS NULL
            GROUP BY contact_id
        )
        SELECT c.id, c.name, c.title, c.organization, c.industry, c.industry_other,
               c.how_found, c.priority, c.email, c.profile_url, c.created_on,
               c.referred_by_contact_id,
               coalesce(o.attempts, 0) AS attempts, o.first_sent_on, o.last_sent_on,
               o.first_channel, o.last_attempt, o.first_response_on, o.last_response_on,
               coalesce(o.accepted, false) AS accepted, o.last_outcome,
               o.latest_attempt_outcome,
               coalesce(v.conversations, 0) AS conversations, v.first_held_on, v.last_held_on,
               coalesce(v.thanked, 0) AS thanked, v.last_thank_you_on,
               coalesce(r.referrals_given, 0) AS referrals_given,
               greatest(o.last_sent_on, o.last_response_on, v.last_held_on,
                        v.last_thank_you_on) AS last_touch_on,
               coalesce(s.scheduled, 0) AS scheduled
        FROM my_contacts c
        LEFT JOIN o ON o.contact_id = c.id
        LEFT JOIN v ON v.contact_id = c.id
        LEFT JOIN r ON r.contact_id = c.id
        LEFT JOIN s ON s.contact_id = c.id
        ORDER BY c.name, c.id
    """, {"u": user_id})


def contact_record(con, user_id: int, contact_id: int) -> dict | None:
    with reading(con) as cur:
        cur.execute(
            "SELECT id, name, organization, title, industry, industry_other, how_found, email,"
            " profile_url, priority, notes, created_on FROM contacts WHERE id = ? AND user_id = ?",
            [contact_id, user_id],
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
    return dict(zip(names, row))


def contact_outreach(con, user_id: int, contact_id: int) -> pd.DataFrame:
    return _frame(con, "SELECT id, attempt, sent_on, channel, response_on, outcome FROM outreach"
                       " WHERE user_id = ? AND contact_id = ? ORDER BY attempt",
                  [user_id, contact_id])


def contact_conversations(con, user_id: int, contact_id: int) -> pd.DataFrame:
    return _frame(con, "SELECT id, held_on, format, duration_min, thank_you_on, next_steps"
                       " FROM conversations WHERE user_id = ? AND contact_id = ? ORDER BY held_on",
                  [user_id, contact_id])


def pending_outreach(con, user_id: int) -> pd.DataFrame:
    """Messages still waiting for an answer, oldest first, with whom they went to."""
    return _frame(con, f"""
        WITH {_mine("contacts", "outreach")}
        SELECT o.id, o.sent_on, o.channel, o.attempt, c.id AS contact_id, c.name, c.organization
        FROM my_outreach o JOIN my_contacts c ON c.id = o.contact_id
        WHERE o.outcome = 'pending'
          -- only the latest message to a contact who has not answered any of them
          AND o.attempt = (SELECT max(attempt) FROM my_outreach l
                           WHERE l.contact_id = o.contact_id)
          AND NOT EXISTS (SELECT 1 FROM my_outreach a WHERE a.contact_id = o.contact_id
                          AND a.outcome <> 'pending')
        ORDER BY o.sent_on, o.id
    """, {"u": user_id})


def outreach_log(con, user_id: int, filters: Filters) -> pd.DataFrame:
    """Every message sent in the date range, with the contact's industry."""
    return _frame(con, f"""
        WITH {_mine("contacts", "outreach", user="$user_id")}
        SELECT o.id, o.contact_id, o.sent_on, o.channel, o.attempt, o.response_on, o.outcome,
               c.industry
        FROM my_outreach o JOIN my_contacts c ON c.id = o.contact_id
        WHERE o.sent_on BETWEEN $start AND $end AND {_INDUSTRY_FILTER}
        ORDER BY o.sent_on, o.id
    """, filters.params(user_id))


def conversation_log(con, user_id: int, filters: Filters) -> pd.DataFrame:
    """Every conversation held in the date range, with whom and how it was followed up."""
    return _frame(con, f"""
        WITH {_mine("contacts", "conversations", "insights", user="$user_id")},
        i AS (SELECT conversation_id, count(*) AS n FROM my_insights GROUP BY conversation_id),
        r AS (SELECT referred_in_conversation_id AS conversation_id, count(*) AS n
              FROM my_contacts WHERE referred_in_conversation_id IS NOT NULL
              GROUP BY referred_in_conversation_id)
        SELECT v.id, v.contact_id, c.name, c.organization, c.industry, v.held_on, v.format,
               v.duration_min, v.thank_you_on, v.clarity_before, v.clarity_after,
               v.share_insights, coalesce(i.n, 0) AS insights, coalesce(r.n, 0) AS referrals
        FROM my_conversations v JOIN my_contacts c ON c.id = v.contact_id
        LEFT JOIN i ON i.conversation_id = v.id
        LEFT JOIN r ON r.conversation_id = v.id
        WHERE v.held_on BETWEEN $start AND $end AND {_INDUSTRY_FILTER}
        ORDER BY v.held_on DESC, v.id DESC
    """, filters.params(user_id))


def weekly_activity(con, user_id: int, filters: Filters) -> pd.DataFrame:
    """Per ISO week (Monday): outreach sent, responses received, conversations held."""
    return _frame(con, f"""
        WITH {_mine("contacts", "outreach", "conversations", user="$user_id")},
        events AS (
            SELECT o.sent_on AS day, 'Outreach sent' AS measure
            FROM my_outreach o JOIN my_contacts c ON c.id = o.contact_id
            WHERE {_INDUSTRY_FILTER}
            UNION ALL
            SELECT o.response_on, 'Responses received'
            FROM my_outreach o JOIN my_contacts c ON c.id = o.contact_id
            WHERE o.response_on IS NOT NULL AND {_INDUSTRY_FILTER}
            UNION ALL
            SELECT v.held_on, 'Conversations held'
            FROM my_conversations v JOIN my_contacts c ON c.id = v.contact_id
            WHERE {_INDUSTRY_FILTER}
        )
        SELECT CAST(date_trunc('week', day) AS DATE) AS week, measure, count(*)::INTEGER AS count
        FROM events WHERE day BETWEEN $start AND $end
        GROUP BY ALL ORDER BY week, measure
    """, filters.params(user_id))


def insights_by_industry_category(con, user_id: int, filters: Filters) -> pd.DataFrame:
    return _frame(con, f"""
        WITH {_mine("contacts", "conversations", "insights", user="$user_id")}
        SELECT c.industry, i.category, count(*)::INTEGER AS insights
        FROM my_insights i
        JOIN my_conversations v ON v.id = i.conversation_id
        JOIN my_contacts c ON c.id = v.contact_id
        WHERE v.held_on BETWEEN $start AND $end AND {_INDUSTRY_FILTER}
        GROUP BY ALL ORDER BY c.industry, i.category
    """, filters.params(user_id))


def insight_list(con, user_id: int, *, industries=(), categories=(), contact_id: int | None = None,
                 search: str = "") -> pd.DataFrame:
    """Every insight of this user, newest first, narrowed by the given filters."""
    return _frame(con, f"""
        WITH {_mine("contacts", "conversations", "insights", user="$user_id")}
        SELECT i.id, v.held_on, c.name AS contact, c.organization, c.industry, i.category,
               i.text, v.share_insights AS shared, c.id AS contact_id, v.id AS conversation_id
        FROM my_insights i
        JOIN my_conversations v ON v.id = i.conversation_id
        JOIN my_contacts c ON c.id = v.contact_id
        WHERE {_INDUSTRY_FILTER}
          AND (len($categories::VARCHAR[]) = 0 OR list_contains($categories::VARCHAR[], i.category))
          AND ($contact_id IS NULL OR c.id = $contact_id)
          AND ($search = '' OR contains(lower(i.text), lower($search))
               OR contains(lower(c.name), lower($search))
               OR contains(lower(coalesce(c.organization, '')), lower($search)))
        ORDER BY v.held_on DESC, i.conversation_id DESC, i.position
    """, {"user_id": user_id, "industries": list(industries), "categories": list(categories),
          "contact_id": contact_id, "search": (search or "").strip()})


def conversation_questions(con, user_id: int, conversation_id: int) -> list[str]:
    with reading(con) as cur:
        rows = cur.execute(
            "SELECT q.text FROM conversation_questions q JOIN conversations v"
            " ON v.id = q.conversation_id WHERE v.id = ? AND v.user_id = ? ORDER BY q.position",
            [conversation_id, user_id],
        ).fetchall()
    return [r[0] for r in rows]


def table_counts(con, user_id: int) -> dict[str, int]:
    """How many records of each kind this user has (for messages and tests)."""
    with reading(con) as cur:
        row = cur.execute("""
            SELECT (SELECT count(*) FROM contacts WHERE user_id = $u),
                   (SELECT count(*) FROM outreach WHERE user_id = $u),
                   (SELECT count(*) FROM conversations WHERE user_id = $u),
                   (SELECT count(*) FROM insights WHERE user_id = $u)
        """, {"u": user_id}).fetchone()
    return dict(zip(("contacts", "outreach", "conversations", "insights"), row))


# --- import and export -----------------------------------------------------------------------

def import_keys(con, user_id: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """What an import must not repeat: (id, name, organization) of every contact, and
    (contact_id, date) of every message sent and conversation held."""
    with reading(con) as cur:
        contacts = cur.execute("SELECT id, name, organization FROM contacts WHERE user_id = ?"
                               " ORDER BY id", [user_id]).fetchall()
        outreach = cur.execute("SELECT contact_id, sent_on FROM outreach WHERE user_id = ?",
                               [user_id]).fetchall()
        talks = cur.execute("SELECT contact_id, held_on FROM conversations WHERE user_id = ?",
                            [user_id]).fetchall()
    return contacts, outreach, talks


# Every field of a student's records, per record type, for "My data" (lib.data_export). Ids are
# kept so the files can say which message or insight belongs to whom.
_STUDENT_RECORDS = {
    "contacts": """
        SELECT id AS contact_id, name, organization, title, industry, industry_other, how_found,
               email, profile_url, priority, notes, created_on, referred_by_contact_id,
               referred_in_conversation_id
        FROM contacts WHERE user_id = $u ORDER BY id""",
    "outreach": """
        SELECT o.id AS outreach_id, o.contact_id, c.name AS contact_name, o.sent_on, o.channel,
               o.attempt, o.response_on, o.outcome
        FROM outreach o LEFT JOIN contacts c ON c.id = o.contact_id
        WHERE o.user_id = $u ORDER BY o.id""",
    "conversations": """
        SELECT v.id AS conversation_id, v.contact_id, c.name AS contact_name, v.held_on,
               v.format, v.duration_min, v.next_steps, v.clarity_before, v.clarity_after,
               v.reflection, v.thank_you_on, v.share_insights,
               coalesce(v.share_name, false) AS share_name
        FROM conversations v LEFT JOIN contacts c ON c.id = v.contact_id
        WHERE v.user_id = $u ORDER BY v.id""",
    "questions": """
        SELECT q.conversation_id, q.position, q.text
        FROM conversation_questions q JOIN conversations v ON v.id = q.conversation_id
        WHERE v.user_id = $u ORDER BY q.conversation_id, q.position, q.id""",
    "insights": """
        SELECT i.id AS insight_id, i.conversation_id, i.position, i.category, i.text
        FROM insights i WHERE i.user_id = $u ORDER BY i.conversation_id, i.position, i.id""",
}


def student_records(con, user_id: int, more: dict[str, str] | None = None
                    ) -> dict[str, pd.DataFrame]:
    """Every contact, message, conversation, prepared question and insight of one student, one
    frame per type (Python values in object columns: dates stay dates, empty stays None), plus
    the frames of `more` (name -> SQL with the parameter $u), all read in one snapshot."""
    frames = {}
    with reading(con) as cur:
        cur.execute("BEGIN TRANSACTION")  # one snapshot: no insight without its conversation
        try:
            for name, sql in {**_STUDENT_RECORDS, **(more or {})}.items():
                cur.execute(sql, {"u": user_id})
                columns = [d[0] for d in cur.description]
                frames[name] = pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)
        finally:
            cur.execute("ROLLBACK")
    return frames
