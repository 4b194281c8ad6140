"""Erasure: "Delete my account and all my data" — every row of one user, in one transaction.

The tables are listed here by hand, children before parents (there are no FOREIGN KEYs to
cascade; see lib/schema.py): a new table that holds a user's rows must be added to `_PLAN`,
and tests/unit/test_erasure.py fails until it is. As a safety net, rows left in any other table
with a `user_id` or `student_id` column are deleted as well, and logged.
"""

from __future__ import annotations

import logging

from lib import accounts
from lib.db import transaction, with_retry
from lib.store import NotFound
from lib.validation import ValidationError

log = logging.getLogger(__name__)

TEACHES_CLASSES = ("You still teach one or more classes. Delete them on the Classes page (your "
                   "students keep their own records), then delete your account.")

_CONVERSATIONS = "SELECT id FROM conversations WHERE user_id = $u"
_SCHEDULED = "SELECT id FROM scheduled_conversations WHERE user_id = $u"

# (table, WHERE clause on $u): the order matters only for readability — children first.
_PLAN: list[tuple[str, str]] = [
    ("conversation_questions", f"conversation_id IN ({_CONVERSATIONS})"),
    ("insights", "user_id = $u"),
    ("prep_questions", f"scheduled_id IN ({_SCHEDULED})"),
    ("scheduled_conversations", "user_id = $u"),
    ("touches", "user_id = $u"),
    ("outreach", "user_id = $u"),
    ("conversations", "user_id = $u"),
    ("contacts", "user_id = $u"),
    ("my_questions", "user_id = $u"),
    ("action_marks", "user_id = $u"),
    ("career_goals", "user_id = $u"),
    ("submissions", "user_id = $u"),
    ("sessions", "user_id = $u"),
    ("password_resets", "user_id = $u"),
    ("enrolments", "student_id = $u"),
    ("credentials", "user_id = $u"),
    ("users", "id = $u"),
]
ERASED_TABLES = tuple(t for t, _ in _PLAN)
_USER_COLUMNS = ("user_id", "student_id")


def _erase(cur, user_id: int) -> dict[str, int]:
    role = cur.execute("SELECT role, coalesce(disabled, false) FROM users WHERE id = ?",
                       [user_id]).fetchone()
    if role is None:
        raise NotFound("No such account.")
    if cur.execute("SELECT count(*) FROM classes WHERE instructor_id = ?",
                   [user_id]).fetchone()[0]:
        raise ValidationError({"account": TEACHES_CLASSES})
    if role[0] == "admin" and not role[1]:
        accounts._keep_an_admin(cur, user_id, "account")
    email = cur.execute("SELECT email FROM credentials WHERE user_id = ?", [user_id]).fetchone()

    deleted: dict[str, int] = {}
    existing = {r[0] for r in cur.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'main'").fetchall()}
    for table, where in _PLAN:  # names and clauses from the constant above, never from input
        if table in existing:
            deleted[table] = len(cur.execute(
                f"DELETE FROM {table} WHERE {where} RETURNING 1", {"u": user_id}).fetchall())
    # Reset codes this user issued to others stay valid for them; only the link goes.
    cur.execute("UPDATE password_resets SET created_by = NULL WHERE created_by = ?", [user_id])
    # The first sign-up's e-mail is kept as a guard against two first sign-ups at once.
    if email is not None:
        cur.execute("DELETE FROM app_settings WHERE key = 'first_account' AND lower(value) = ?",
                    [email[0].lower()])
    for table, column in cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'main' AND list_contains(?, column_name)"
            " AND NOT list_contains(?, table_name)",
            [list(_USER_COLUMNS), list(ERASED_TABLES)]).fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        left = len(cur.execute(f'DELETE FROM {quoted} WHERE "{column}" = ? RETURNING 1',
                               [user_id]).fetchall())
        if left:
            log.warning("erasure: %s rows of user %s deleted from unlisted table %s", left,
                        user_id, table)
            deleted[table] = deleted.get(table, 0) + left
    return deleted


def erase_account(con, user_id: int) -> dict[str, int]:
    """Delete a user's account and every record of theirs, all or nothing. Returns the rows
    deleted per table. Refused (ValidationError, field "account") while they teach a class or
    are the last enabled administrator; NotFound if there is no such user. Class aggregates
    simply no longer count them."""

    def attempt() -> dict[str, int]:
        with transaction(con) as cur:
            return _erase(cur, user_id)

    return with_retry(attempt)


def confirms(typed: str | None, email: str) -> bool:
    """The typed confirmation matches the account's e-mail (case and spaces ignored)."""
    return bool(typed) and typed.strip().lower() == email.strip().lower()


__all__ = ["ERASED_TABLES", "TEACHES_CLASSES", "confirms", "erase_account"]
