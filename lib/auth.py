"""Account policy, without storage: password hashing and rules, e-mail and code normalisation,
session-token signing, lockout and session timing. Nothing here touches the database."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error

from lib.validation import _EMAIL, EMAIL_MAX, ValidationError

# --- passwords -------------------------------------------------------------------------------

# argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane): ~45 ms per hash on the app machine.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)

PASSWORD_MIN = 8
PASSWORD_MAX = 128  # long enough for any passphrase; caps the work an attacker can ask for

# Very common passwords of at least PASSWORD_MIN characters (shorter ones fail the length rule).
# Compared case-insensitively.
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password12", "password123", "password!", "passw0rd", "p@ssw0rd",
    "12345678", "123456789", "1234567890", "0123456789", "87654321", "11111111", "00000000",
    "12341234", "11223344", "123123123", "qwertyuiop", "qwerty123", "qwerty12", "1q2w3e4r",
    "1qaz2wsx", "asdfghjkl", "zxcvbnm1", "iloveyou", "iloveyou1", "sunshine", "princess",
    "football", "baseball", "superman", "welcome1", "welcome123", "letmein1", "abcd1234",
    "abc12345", "aa123456", "trustno1", "changeme", "whatever", "starwars", "computer",
    "michelle", "jennifer", "corvette", "mercedes", "internet", "careerconversations",
})


def hash_password(password: str) -> str:
    """An argon2id hash (salt and parameters included) for storing instead of the password."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches; False (never an exception) for a mismatch or a bad hash."""
    if not isinstance(stored_hash, str) or not isinstance(password, str):
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (Argon2Error, ValueError, TypeError):  # InvalidHashError is a ValueError
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other (older) parameters, or is not an argon2 hash."""
    if not isinstance(stored_hash, str):
        return True
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except (Argon2Error, ValueError, TypeError):
        return True


# The hash of a password nobody knows, made with _HASHER's parameters (a test keeps them in step).
_NOBODYS_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$xPUH05dGvwJsqRYLaoVA1Q$"
                 "HcPdSQugeRNigSOokFWXOipSKHtBSfQguo4cfs4r8Eo")


def spend_verification_time(password: str) -> bool:
    """Verify against nobody's hash, so an unknown e-mail costs as long as a wrong password."""
    verify_password(_NOBODYS_HASH, password if isinstance(password, str) else "")
    return False


def check_new_password(password: str, *, email: str | None = None) -> str:
    """The password unchanged (never trimmed), or ValidationError({"password": ...})."""
    if not isinstance(password, str):
        password = ""
    if len(password) < PASSWORD_MIN:
        problem = f"Password must be at least {PASSWORD_MIN} characters."
    elif len(password) > PASSWORD_MAX:
        problem = f"Password must be at most {PASSWORD_MAX} characters."
    elif email and password.strip().lower() == email.strip().lower():
        problem = "Password can't be your email address — choose something else."
    elif password.lower() in COMMON_PASSWORDS or not password.strip():
        problem = "That password is too easy to guess — choose a less common one."
    elif not _encodable(password):
        problem = "Password contains a character that can't be stored — retype it."
    else:
        return password
    raise ValidationError({"password": problem})


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. from a broken paste
        return False
    return True


# --- e-mail ----------------------------------------------------------------------------------

def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased, or ValidationError({"email": ...})."""
    email = raw.strip().lower() if isinstance(raw, str) else ""
    if not email:
        raise ValidationError({"email": "Email is required — enter the address you sign in with."})
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise ValidationError({"email": f"Email “{email[:60]}” doesn't look like an address — "
                                        "use the form name@example.org."})
    return email


# --- lockout and sessions --------------------------------------------------------------------

MAX_FAILED_ATTEMPTS = 5  # consecutive wrong passwords that lock an account…
LOCKOUT = timedelta(minutes=1)  # …for this long
SESSION_IDLE = timedelta(hours=12)  # a session unused for longer ends
SESSION_TOUCH = timedelta(minutes=1)  # last_seen_at is written at most this often
RESET_CODE_VALID = timedelta(hours=24)


# --- codes -----------------------------------------------------------------------------------

# No 0/O, 1/I/L and no vowels (so no words): safe to read aloud, write on a board, or type.
CODE_ALPHABET = "23456789BCDFGHJKMNPQRSTVWXYZ"
JOIN_CODE_LENGTH = 8
RESET_CODE_LENGTH = 10  # ~48 bits; valid 24 h and once


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_join_code() -> str:
    return _random_code(JOIN_CODE_LENGTH)


def new_reset_code() -> str:
    return _random_code(RESET_CODE_LENGTH)


_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")  # spaces, ASCII and Unicode dashes


def normalize_join_code(raw: str) -> str:
    """A code as typed (any case, spaces or dashes) in the stored form; also for reset codes."""
    if not isinstance(raw, str):
        return ""
    return _CODE_SEPARATORS.sub("", raw).upper()


def fingerprint(secret_text: str) -> str:
    """SHA-256 (hex) of a random secret — a reset code, a session id — stored in its place, so
    a copy of the database does not hand out working codes or sessions. Unsalted on purpose:
    the input is random, and the stored value must be found again by lookup."""
    return hashlib.sha256(secret_text.encode("utf-8")).hexdigest()


def reset_code_fingerprint(code: str) -> str:
    return fingerprint(normalize_join_code(code))


# --- signed session tokens -------------------------------------------------------------------

# A MAC made for a session is valid for nothing else signed with the same secret.
_TOKEN_PURPOSE = b"career-conversations session\x00"
_TOKEN_MAX = 512


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not URL-safe base64")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:  # unused low bits set: another spelling of the same bytes
        raise ValueError("not canonical base64")
    return data


def _mac(payload: bytes, secret: bytes) -> bytes:
    if not secret:
        raise ValueError("the signing secret is empty")
    return hmac.new(secret, _TOKEN_PURPOSE + payload, hashlib.sha256).digest()


def sign_token(session_id: str, secret: bytes) -> str:
    """`<payload>.<HMAC-SHA256>`, both URL-safe base64 — fit for a cookie or a URL."""
    payload = session_id.encode("utf-8")
    return f"{_b64(payload)}.{_b64(_mac(payload, secret))}"


def read_token(token: str, secret: bytes) -> str | None:
    """The session id a token was signed for, or None if it is malformed or was altered."""
    if not secret:
        raise ValueError("the signing secret is empty")
    if not isinstance(token, str) or len(token) > _TOKEN_MAX or token.count(".") != 1:
        return None
    payload_text, mac_text = token.split(".")
    try:
        payload, mac = _unb64(payload_text), _unb64(mac_text)
        if not hmac.compare_digest(mac, _mac(payload, secret)):
            return None
        session_id = payload.decode("utf-8")
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        return None
    return session_id or None
