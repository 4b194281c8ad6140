"""lib.auth: password hashing and rules, e-mail and code normalisation, signed tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from lib import auth
from lib.validation import ValidationError

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def stored() -> str:
    return auth.hash_password(PASSWORD)


def argon2_parameters(stored_hash: str) -> dict:
    match = re.fullmatch(r"\$(argon2\w+)\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)",
                         stored_hash)
    assert match, stored_hash
    variant, version, m, t, p, salt, digest = match.groups()
    return {"variant": variant, "version": int(version), "m": int(m), "t": int(t), "p": int(p),
            "salt": salt, "digest": digest}


# --- hashing ---------------------------------------------------------------------------------

def test_hash_is_argon2id_at_owasp_parameters_or_stronger(stored):
    params = argon2_parameters(stored)
    assert params["variant"] == "argon2id"
    assert params["version"] == 19
    assert params["m"] >= 19456 and params["t"] >= 2 and params["p"] >= 1
    assert PASSWORD not in stored


def test_same_password_hashes_differently_each_time(stored):
    again = auth.hash_password(PASSWORD)
    assert again != stored
    assert argon2_parameters(again)["salt"] != argon2_parameters(stored)["salt"]


def test_verify_accepts_the_password_and_nothing_else(stored):
    assert auth.verify_password(stored, PASSWORD) is True
    for wrong in ("correct horse batter", "Correct horse battery", "", PASSWORD + " "):
        assert auth.verify_password(stored, wrong) is False


@pytest.mark.parametrize("bad_hash", ["", "plain text", "$2b$12$abc", "$argon2id$v=19$m=1$x$y",
                                      None])
def test_verify_never_raises_on_a_broken_hash(bad_hash):
    assert auth.verify_password(bad_hash, PASSWORD) is False


def test_verify_never_raises_on_an_odd_password(stored):
    assert auth.verify_password(stored, None) is False
    assert auth.verify_password(stored, "\ud800 lone surrogate") is False


def test_needs_rehash(stored):
    assert auth.needs_rehash(stored) is False
    weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert auth.needs_rehash(weaker) is True
    assert auth.needs_rehash("not a hash") is True


def test_nobodys_hash_uses_the_current_parameters():
    """An unknown e-mail must cost as much as a wrong password: same parameters."""
    assert auth.needs_rehash(auth._NOBODYS_HASH) is False
    assert auth.spend_verification_time(PASSWORD) is False


# --- password rules --------------------------------------------------------------------------

@pytest.mark.parametrize("password, expected", [
    ("", "at least 8 characters"),
    ("seven77", "at least 8 characters"),
    ("x" * 129, "at most 128 characters"),
    ("ada@example.org", "email"),
    ("ADA@example.org", "email"),
    ("password", "too easy to guess"),
    ("PassWord", "too easy to guess"),
    ("12345678", "too easy to guess"),
    ("qwertyuiop", "too easy to guess"),
    ("iloveyou1", "too easy to guess"),
    ("          ", "too easy to guess"),
])
def test_weak_passwords_are_refused_with_a_reason(password, expected):
    with pytest.raises(ValidationError) as caught:
        auth.check_new_password(password, email="ada@example.org")
    assert list(caught.value.errors) == ["password"]
    assert expected in caught.value.errors["password"]


@pytest.mark.parametrize("password", ["eight888", "x" * 128, "  spaces kept  ", "pässwörd-ünïcode"])
def test_acceptable_passwords_come_back_unchanged(password):
    assert auth.check_new_password(password, email="ada@example.org") == password


def test_password_rule_without_email():
    assert auth.check_new_password("ada@example.org") == "ada@example.org"


# --- e-mail ----------------------------------------------------------------------------------

def test_normalize_email_trims_and_lowercases():
    assert auth.normalize_email("  Ada.Lovelace@Example.ORG \n") == "ada.lovelace@example.org"


@pytest.mark.parametrize("raw", ["", "   ", "ada", "ada@", "@example.org", "ada@example",
                                 "ada @example.org", "a" * 250 + "@example.org", None])
def test_normalize_email_refuses_malformed(raw):
    with pytest.raises(ValidationError) as caught:
        auth.normalize_email(raw)
    assert list(caught.value.errors) == ["email"]


# --- policy constants ------------------------------------------------------------------------

def test_policy_constants():
    assert auth.MAX_FAILED_ATTEMPTS == 5
    assert auth.LOCKOUT == timedelta(minutes=1)
    assert auth.SESSION_IDLE == timedelta(hours=12)


# --- codes -----------------------------------------------------------------------------------

def test_join_codes_use_only_unambiguous_characters():
    codes = {auth.new_join_code() for _ in range(300)}
    assert len(codes) == 300
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(auth.CODE_ALPHABET)
    assert not set("01OILAEU") & set(auth.CODE_ALPHABET)
    assert len(auth.new_reset_code()) == 10


@pytest.mark.parametrize("typed", ["bcdf-ghjk", " BCDF GHJK ", "bcdf\u2013ghjk", "BcDfGhJk"])
def test_normalize_join_code(typed):
    assert auth.normalize_join_code(typed) == "BCDFGHJK"


def test_reset_code_fingerprint_ignores_how_the_code_was_typed():
    assert auth.reset_code_fingerprint("bcdf-ghjk-23") == auth.reset_code_fingerprint("BCDFGHJK23")
    assert "BCDFGHJK23" not in auth.reset_code_fingerprint("BCDFGHJK23")


# --- signed tokens ---------------------------------------------------------------------------

SECRET = b"s" * 32


def test_token_round_trip_and_is_url_safe():
    token = auth.sign_token("session-abc_123", SECRET)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)
    assert auth.read_token(token, SECRET) == "session-abc_123"


def test_any_changed_character_makes_the_token_invalid():
    token = auth.sign_token("session-abc_123", SECRET)
    for position, original in enumerate(token):
        for replacement in ("A", "B", "z", "-", "_", "0", "."):
            if replacement != original:
                tampered = token[:position] + replacement + token[position + 1:]
                assert auth.read_token(tampered, SECRET) is None, tampered


def test_token_signed_with_another_secret_is_invalid():
    assert auth.read_token(auth.sign_token("abc", b"other secret"), SECRET) is None


def test_token_for_another_session_id_cannot_be_assembled():
    one, two = auth.sign_token("one", SECRET), auth.sign_token("two", SECRET)
    assert auth.read_token(one.split(".")[0] + "." + two.split(".")[1], SECRET) is None


@pytest.mark.parametrize("malformed", [None, "", ".", "abc", "a.b.c", "abc.", ".abc", "a b.c",
                                       "YWJj.====", "x" * 5000, 12345])
def test_malformed_tokens_read_as_none(malformed):
    assert auth.read_token(malformed, SECRET) is None


def test_an_empty_secret_is_a_programming_error():
    with pytest.raises(ValueError):
        auth.sign_token("abc", b"")
    with pytest.raises(ValueError):
        auth.read_token("abc.def", b"")
