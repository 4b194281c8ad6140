"""Accounts: sign-up, sign-in, sessions, password resets and the admin actions.

Every statement is parameterized; every write is one transaction (`lib.db.transaction`), run
again on a write conflict. Times (`now`) are naive UTC datetimes; an aware one is converted,
None means the current time. The policy (hashing, lockout numbers, tokens) is in `lib.auth`.

The admin actions come in two layers: `_set_role(cur, …)` and its siblings do the work inside a
caller's transaction without asking who asks; `set_role(con, admin_id, …)` checks in the same
transaction that `admin_id` is an enabled admin first. `python -m lib.admin` (the operator at the
server's shell, who has no account) calls the first layer directly. Pages call the second.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
import weakref
from dataclasses import dataclass

import duckdb
import pandas as pd

from lib import auth
from lib.db import reading, transaction
from lib.store import NotFound
from lib.validation import NAME_MAX, ValidationError, _Collector

SECRET_ENV = "CAREER_CONVERSATIONS_SECRET"
ROLES = ("student", "instructor", "admin")

WRONG_CREDENTIALS = "Wrong email or password."
LOCKED = "Too many failed attempts. Try again in a minute."
BAD_RESET = ("That reset code is wrong, already used or expired — ask an administrator for a new"
             " one.")
EMAIL_TAKEN = "An account with this email already exists — sign in instead."
NOT_ADMIN = "Only an administrator can do that."
LAST_ADMIN = "This is the last administrator — make someone else an administrator first."


class AuthError(Exception):
    """Signing in (or resetting a password) failed; `str(self)` is safe to show."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    display_name: str
    role: str
    disabled: bool

    @property
    def is_instructor(self) -> bool:
        """Instructors and admins see instructor pages."""
        return self.role in ("instructor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


_ACCOUNT_COLUMNS = "u.id, c.email, u.display_name, u.role, coalesce(u.disabled, false)"
_ACCOUNT = f"SELECT {_ACCOUNT_COLUMNS} FROM users u JOIN credentials c ON c.user_id = u.id"


def _utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return now


_RETRIES = 4


def _write(con, work):
    """`work(cur)` in one transaction, run again if another session wrote the same row or
    claimed the same key first. Such a key shows up as a write conflict at COMMIT, or — when
    the other commit lands between this transaction's start and its INSERT — as a constraint
    error at the INSERT, even with ON CONFLICT DO NOTHING (the row is not in this snapshot).
    A fresh attempt sees the other row; a constraint broken by this code alone fails every
    attempt and is raised."""
    for attempt in range(_RETRIES):
        try:
            with transaction(con) as cur:
                return work(cur)
        except (duckdb.TransactionException, duckdb.ConstraintException):
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


# --- reading accounts ------------------------------------------------------------------------

def has_accounts(con) -> bool:
    with reading(con) as cur:
        return _has_accounts(cur)


def _has_accounts(cur) -> bool:
    return bool(cur.execute("SELECT EXISTS (SELECT 1 FROM credentials)").fetchone()[0])


def get_account(con, user_id: int) -> Account | None:
    with reading(con) as cur:
        row = cur.execute(f"{_ACCOUNT} WHERE u.id = ?", [user_id]).fetchone()
    return Account(*row) if row else None


def account_by_email(con, email: str) -> Account | None:
    try:
        email = auth.normalize_email(email)
    except ValidationError:
        return None
    with reading(con) as cur:
        row = cur.execute(f"{_ACCOUNT} WHERE lower(c.email) = ?", [email]).fetchone()
    return Account(*row) if row else None


# --- signing up ------------------------------------------------------------------------------

def _clean_display_name(raw) -> str:
    c = _Collector()
    name = c.text({"display_name": raw}, "display_name", "Display name", required=True,
                  max_len=NAME_MAX, hint="enter the name your instructor will see")
    c.raise_if_any()
    return name


def _clean_sign_up(email, password, display_name) -> tuple[str, str]:
    """(email, display name), or one ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    try:
        email = auth.normalize_email(email)
    except ValidationError as problem:
        errors.update(problem.errors)
    try:
        auth.check_new_password(password, email=email if isinstance(email, str) else None)
    except ValidationError as problem:
        errors.update(problem.errors)
    try:
        display_name = _clean_display_name(display_name)
    except ValidationError as problem:
        errors.update(problem.errors)
    if errors:
        raise ValidationError(errors)
    return email, display_name


def create_account(con, *, email: str, password: str, display_name: str,
                   now: dt.datetime | None = None) -> Account:
    """Sign up. The first account on a database is an admin and takes over the local profile
    (the records made before accounts existed); every later one is a student."""
    return _create_account(con, email=email, password=password, display_name=display_name,
                           now=now, role=None)


def create_account_as_operator(con, *, email: str, password: str, display_name: str, role: str,
                               now: dt.datetime | None = None) -> Account:
    """An account with a chosen role, for the operator's tools (demo data, `lib.admin`)."""
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of: {', '.join(ROLES)}."})
    return _create_account(con, email=email, password=password, display_name=display_name,
                           now=now, role=role)


def _create_account(con, *, email, password, display_name, now, role: str | None) -> Account:
    """`role=None`: admin for the first account, else student (`lib.admin` passes 'admin')."""
    email, display_name = _clean_sign_up(email, password, display_name)
    return _store_new_account(con, email, display_name, auth.hash_password(password),
                              _utc(now), role)


def _store_new_account(con, email: str, display_name: str, password_hash: str,
                       now: dt.datetime, role: str | None) -> Account:
    def work(cur) -> Account:
        if cur.execute("SELECT 1 FROM credentials WHERE lower(email) = ?", [email]).fetchone():
            raise ValidationError({"email": EMAIL_TAKEN})
        first = not _has_accounts(cur)
        chosen = role or ("admin" if first else "student")
        user_id = None
        if first:
            # Two first sign-ups at once both write this key; DuckDB fails the later commit,
            # and its retry finds an account and becomes a student.
            cur.execute("INSERT INTO app_settings (key, value) VALUES ('first_account', ?)"
                        " ON CONFLICT DO NOTHING", [email])
            user_id = _local_profile(cur)
        if user_id is None:
            user_id = cur.execute("INSERT INTO users (display_name, role) VALUES (?, ?)"
                                  " RETURNING id", [display_name, chosen]).fetchone()[0]
        else:
            cur.execute("UPDATE users SET display_name = ?, role = ?, disabled = false"
                        " WHERE id = ?", [display_name, chosen, user_id])
        cur.execute("INSERT INTO credentials (user_id, email, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?)", [user_id, email, password_hash, now])
        return Account(user_id, email, display_name, chosen, False)

    return _write(con, work)


def _local_profile(cur) -> int | None:
    """The profile `store.ensure_local_profile` made for single-profile mode, if any."""
    row = cur.execute("SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM credentials)"
                      " ORDER BY id LIMIT 1").fetchone()
    return row[0] if row else None


def account_for_sso(con, email: str, display_name: str, *,
                    now: dt.datetime | None = None) -> Account:
    """The account of someone the identity provider (st.login / OIDC) vouched for: theirs, or a
    new one (first account rule as in `create_account`) whose password nobody knows. A disabled
    account comes back as it is: check `.disabled` before `start_session` (a session of a
    disabled account would give no account anyway). ValidationError if the email is malformed."""
    email = auth.normalize_email(email)
    existing = account_by_email(con, email)
    if existing is None:
        try:
            name = _clean_display_name((display_name or "")[:NAME_MAX])
        except ValidationError:
            name = email.split("@")[0][:NAME_MAX]
        unusable = auth.hash_password(secrets.token_urlsafe(32))
        try:
            return _store_new_account(con, email, name, unusable, _utc(now), None)
        except ValidationError:  # the same person signed in twice at once; the other won
            existing = account_by_email(con, email)
            if existing is None:
                raise
    return existing


# --- signing in ------------------------------------------------------------------------------

def authenticate(con, email: str, password: str, *, now: dt.datetime | None = None) -> Account:
    """The account, or AuthError. Wrong password, unknown email and disabled account give the
    same message, and an unknown email costs the same hash verification. (Sign-up does say that
    an email is taken, so the lock message is no further leak.)"""
    now = _utc(now)
    row = None
    try:
        email = auth.normalize_email(email)
    except ValidationError:
        email = None
    if email:
        with reading(con) as cur:
            row = cur.execute("SELECT user_id, password_hash, locked_until FROM credentials"
                              " WHERE lower(email) = ?", [email]).fetchone()
    if row is None:
        auth.spend_verification_time(password)
        raise AuthError(WRONG_CREDENTIALS)
    user_id, stored_hash, locked_until = row
    if not _password_matches(con, user_id, stored_hash, locked_until, password, now):
        raise AuthError(WRONG_CREDENTIALS)
    account = get_account(con, user_id)
    if account is None or account.disabled:
        raise AuthError(WRONG_CREDENTIALS)
    return account


def _password_matches(con, user_id: int, stored_hash: str, locked_until, password: str,
                      now: dt.datetime) -> bool:
    """Check a password under the lockout policy.

    While locked, AuthError(LOCKED) at once: the password is not checked (no guess can get
    through, and a flood of attempts costs no hashing) and the lock is not extended (a stream of
    guesses does not keep the owner out for good; each further lock takes
    MAX_FAILED_ATTEMPTS new wrong guesses). A wrong password is counted; the one that reaches
    the limit locks and raises LOCKED, and the count starts again from zero. A right one
    clears the count and upgrades a hash made with older parameters.
    """
    if locked_until is not None and locked_until > now:
        raise AuthError(LOCKED)
    if not auth.verify_password(stored_hash, password):
        if _count_failure(con, user_id, now):
            raise AuthError(LOCKED)
        return False
    upgraded = auth.hash_password(password) if auth.needs_rehash(stored_hash) else None
    _write(con, lambda cur: cur.execute(
        "UPDATE credentials SET failed_attempts = 0, locked_until = NULL,"
        " password_hash = coalesce(?, password_hash) WHERE user_id = ?", [upgraded, user_id]))
    return True


def _count_failure(con, user_id: int, now: dt.datetime) -> bool:
    """Count one wrong password; True when the account is locked now."""

    def work(cur) -> bool:
        row = cur.execute(
            "UPDATE credentials SET"
            " failed_attempts = CASE WHEN failed_attempts + 1 >= $max THEN 0"
            "                        ELSE failed_attempts + 1 END,"
            " locked_until = CASE WHEN failed_attempts + 1 >= $max THEN $until"
            "                     ELSE locked_until END"
            " WHERE user_id = $id AND (locked_until IS NULL OR locked_until <= $now)"
            " RETURNING locked_until",
            {"max": auth.MAX_FAILED_ATTEMPTS, "until": now + auth.LOCKOUT, "id": user_id,
             "now": now},
        ).fetchone()
        return row is None or (row[0] is not None and row[0] > now)  # None: locked meanwhile

    return _write(con, work)


def change_password(con, user_id: int, old_password: str, new_password: str, *,
                    keep_token: str | None = None, now: dt.datetime | None = None) -> None:
    """Change a password, knowing the current one (wrong ones count toward the lockout).
    Ends every session of the user except the one of `keep_token` (pass the current one).
    ValidationError fields: new_password, old_password; AuthError while locked."""
    now = _utc(now)
    with reading(con) as cur:
        row = cur.execute(
            "SELECT c.email, c.password_hash, c.locked_until FROM credentials c"
            " JOIN users u ON u.id = c.user_id WHERE c.user_id = ? AND NOT coalesce(u.disabled,"
            " false)", [user_id]).fetchone()
    if row is None:
        raise NotFound("No such account.")
    email, stored_hash, locked_until = row
    try:
        auth.check_new_password(new_password, email=email)
    except ValidationError as problem:
        raise ValidationError({"new_password": problem.errors["password"]}) from None
    if not _password_matches(con, user_id, stored_hash, locked_until, old_password, now):
        raise ValidationError({"old_password": "That isn't your current password."})
    new_hash = auth.hash_password(new_password)
    keep = _session_key(con, keep_token)

    def work(cur) -> None:
        cur.execute("UPDATE credentials SET password_hash = ? WHERE user_id = ?",
                    [new_hash, user_id])
        _end_sessions(cur, user_id, now, keep=keep)

    _write(con, work)


def update_display_name(con, user_id: int, display_name: str) -> None:
    name = _clean_display_name(display_name)
    updated = _write(con, lambda cur: cur.execute(
        "UPDATE users SET display_name = ? WHERE id = ? RETURNING id", [name, user_id]
    ).fetchone())
    if updated is None:
        raise NotFound("No such account.")


# --- sessions --------------------------------------------------------------------------------

def app_secret(con) -> bytes:
    """The key that signs session tokens: $CAREER_CONVERSATIONS_SECRET, else one generated at
    first use and kept in app_settings. Changing it signs everybody out."""
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        return configured.encode("utf-8")
    def stored(cur) -> str | None:
        row = cur.execute("SELECT value FROM app_settings WHERE key = 'session_secret'").fetchone()
        return row[0] if row else None

    def generate(cur) -> str:
        # Two first requests at once both insert; the later commit fails and is retried, and
        # its DO NOTHING then keeps the winner's secret.
        cur.execute("INSERT INTO app_settings (key, value) VALUES ('session_secret', ?)"
                    " ON CONFLICT DO NOTHING", [secrets.token_urlsafe(48)])
        return stored(cur)

    known = _STORED_SECRETS.get(con)
    if known is not None:
        return known
    with reading(con) as cur:
        secret = stored(cur)
    secret = (secret or _write(con, generate)).encode("utf-8")
    _STORED_SECRETS[con] = secret
    return secret


# The stored secret per open database: it is written once and never changed, and reading it
# was a query on every run of every page (a restore opens a new connection, so a new entry).
_STORED_SECRETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _session_key(con, token: str | None) -> str | None:
    """What `sessions.id` holds for a token: the fingerprint of its session id, so a copy of the
    database gives no working sessions."""
    if not token:
        return None
    session_id = auth.read_token(token, app_secret(con))
    return auth.fingerprint(session_id) if session_id else None


def start_session(con, user_id: int, *, now: dt.datetime | None = None) -> str:
    """A new session; returns its signed token (for a cookie)."""
    now = _utc(now)
    secret = app_secret(con)
    session_id = secrets.token_urlsafe(32)
    _write(con, lambda cur: cur.execute(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
        [auth.fingerprint(session_id), user_id, now, now]))
    return auth.sign_token(session_id, secret)


def session_account(con, token: str | None, *, now: dt.datetime | None = None) -> Account | None:
    """The signed-in account, or None: bad signature, signed out, unused for longer than
    SESSION_IDLE, or account disabled. Records activity at most once per SESSION_TOUCH, so a
    rerun of the page is not a write."""
    now = _utc(now)
    key = _session_key(con, token)
    if key is None:
        return None
    with reading(con) as cur:
        row = cur.execute(
            f"SELECT {_ACCOUNT_COLUMNS}, s.last_seen_at FROM users u"
            " JOIN credentials c ON c.user_id = u.id JOIN sessions s ON s.user_id = u.id"
            " WHERE s.id = ? AND s.ended_at IS NULL", [key]).fetchone()
    if row is None or now - row[-1] > auth.SESSION_IDLE:
        return None
    account, last_seen = Account(*row[:-1]), row[-1]
    if account.disabled:
        return None
    if now - last_seen >= auth.SESSION_TOUCH:
        try:
            with transaction(con) as cur:
                cur.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?"
                            " AND last_seen_at < ?", [now, key, now])
        except duckdb.TransactionException:
            pass  # another rerun of this session recorded it at the same moment
    return account


def end_session(con, token: str | None, *, now: dt.datetime | None = None) -> None:
    """Sign out: the token stops working (also if someone copied it)."""
    key = _session_key(con, token)
    if key is not None:
        now = _utc(now)
        _write(con, lambda cur: cur.execute(
            "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL", [now, key]))


def _end_sessions(cur, user_id: int, now: dt.datetime, *, keep: str | None = None) -> None:
    cur.execute("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL"
                " AND id IS DISTINCT FROM ?", [now, user_id, keep])


# --- password reset --------------------------------------------------------------------------

def reset_password(con, email: str, code: str, new_password: str, *,
                   now: dt.datetime | None = None) -> None:
    """Set a new password with a one-time code from an admin. Clears the lockout and ends every
    session of the account. ValidationError (field password) for a weak password; AuthError
    with one message for a wrong email, wrong/used/expired code or disabled account."""
    now = _utc(now)
    try:
        email = auth.normalize_email(email)
    except ValidationError:
        raise AuthError(BAD_RESET) from None
    auth.check_new_password(new_password, email=email)
    new_hash = auth.hash_password(new_password)
    code_key = auth.reset_code_fingerprint(code)

    def work(cur) -> None:
        row = cur.execute(
            "SELECT r.user_id FROM password_resets r"
            " JOIN credentials c ON c.user_id = r.user_id JOIN users u ON u.id = r.user_id"
            " WHERE r.code_hash = ? AND lower(c.email) = ? AND r.used_at IS NULL"
            " AND r.expires_at > ? AND NOT coalesce(u.disabled, false)",
            [code_key, email, now]).fetchone()
        if row is None:
            raise AuthError(BAD_RESET)
        user_id = row[0]
        cur.execute("UPDATE password_resets SET used_at = ? WHERE code_hash = ?", [now, code_key])
        cur.execute("UPDATE credentials SET password_hash = ?, failed_attempts = 0,"
                    " locked_until = NULL WHERE user_id = ?", [new_hash, user_id])
        _end_sessions(cur, user_id, now)

    _write(con, work)


# --- admin actions: the work (no permission check; see the module docstring) ----------------

def _accounts_frame(cur) -> pd.DataFrame:
    return cur.execute(
        "SELECT u.id, c.email, u.display_name, u.role, coalesce(u.disabled, false) AS disabled,"
        " c.created_at, s.last_seen_at"
        " FROM users u JOIN credentials c ON c.user_id = u.id"
        " LEFT JOIN (SELECT user_id, max(last_seen_at) AS last_seen_at FROM sessions"
        "            GROUP BY user_id) s ON s.user_id = u.id"
        " ORDER BY lower(c.email)").df()


def _target(cur, user_id: int) -> tuple[str, bool]:
    """(role, disabled) of an account, or NotFound."""
    row = cur.execute("SELECT u.role, coalesce(u.disabled, false) FROM users u"
                      " JOIN credentials c ON c.user_id = u.id WHERE u.id = ?",
                      [user_id]).fetchone()
    if row is None:
        raise NotFound("No such account.")
    return row


def _keep_an_admin(cur, user_id: int, field: str) -> None:
    """Refuse a change that would leave no enabled admin account."""
    others = cur.execute(
        "SELECT count(*) FROM users u JOIN credentials c ON c.user_id = u.id"
        " WHERE u.role = 'admin' AND NOT coalesce(u.disabled, false) AND u.id <> ?",
        [user_id]).fetchone()[0]
    if not others:
        raise ValidationError({field: LAST_ADMIN})


def _set_role(cur, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise ValidationError({"role": f"Role must be one of: {', '.join(ROLES)}."})
    current, disabled = _target(cur, user_id)
    if current == "admin" and role != "admin" and not disabled:
        _keep_an_admin(cur, user_id, "role")
    cur.execute("UPDATE users SET role = ? WHERE id = ?", [role, user_id])


def _set_disabled(cur, user_id: int, disabled: bool, now: dt.datetime) -> None:
    role, was_disabled = _target(cur, user_id)
    if disabled and role == "admin" and not was_disabled:
        _keep_an_admin(cur, user_id, "disabled")
    cur.execute("UPDATE users SET disabled = ? WHERE id = ?", [bool(disabled), user_id])
    if disabled:
        _end_sessions(cur, user_id, now)


def _issue_reset_code(cur, user_id: int, created_by: int | None, now: dt.datetime) -> str:
    """A one-time code valid RESET_CODE_VALID; an earlier unused code of the user stops working.
    Only its fingerprint is stored: the code is shown once, to whoever hands it over."""
    _target(cur, user_id)
    cur.execute("UPDATE password_resets SET expires_at = ? WHERE user_id = ? AND used_at IS NULL"
                " AND expires_at > ?", [now, user_id, now])
    code = auth.new_reset_code()
    cur.execute("INSERT INTO password_resets (code_hash, user_id, expires_at, created_by)"
                " VALUES (?, ?, ?, ?)",
                [auth.reset_code_fingerprint(code), user_id, now + auth.RESET_CODE_VALID,
                 created_by])
    return code


# --- admin actions: for a signed-in admin ----------------------------------------------------

def _require_admin(cur, admin_id: int) -> None:
    if not isinstance(admin_id, int) or isinstance(admin_id, bool):
        raise PermissionError(NOT_ADMIN)
    allowed = cur.execute(
        "SELECT count(*) FROM users u JOIN credentials c ON c.user_id = u.id"
        " WHERE u.id = ? AND u.role = 'admin' AND NOT coalesce(u.disabled, false)",
        [admin_id]).fetchone()[0]
    if not allowed:
        raise PermissionError(NOT_ADMIN)


def list_accounts(con, admin_id: int) -> pd.DataFrame:
    """id, email, display_name, role, disabled, created_at, last_seen_at — by email."""
    with reading(con) as cur:
        _require_admin(cur, admin_id)
        return _accounts_frame(cur)


def set_role(con, admin_id: int, user_id: int, role: str) -> None:
    """ValidationError (field role) for an unknown role or demoting the last admin."""

    def work(cur) -> None:
        _require_admin(cur, admin_id)
        _set_role(cur, user_id, role)

    _write(con, work)


def set_disabled(con, admin_id: int, user_id: int, disabled: bool, *,
                 now: dt.datetime | None = None) -> None:
    """Disable (ends the user's sessions) or enable an account; not one's own."""
    now = _utc(now)

    def work(cur) -> None:
        _require_admin(cur, admin_id)
        if disabled and user_id == admin_id:
            raise ValidationError({"disabled": "You can't disable your own account."})
        _set_disabled(cur, user_id, disabled, now)

    _write(con, work)


def issue_reset_code(con, admin_id: int, user_id: int, *, now: dt.datetime | None = None) -> str:
    now = _utc(now)

    def work(cur) -> str:
        _require_admin(cur, admin_id)
        return _issue_reset_code(cur, user_id, admin_id, now)

    return _write(con, work)
