"""lib.accounts: sign-up, sign-in and lockout, sessions, resets, admin actions. Accounts are made
through lib.accounts; rows are only read (the `fetch` fixture) to check what was stored."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from lib import accounts, auth, db
from lib.accounts import AuthError
from lib.store import NotFound
from lib.validation import ValidationError

T0 = dt.datetime(2026, 3, 20, 9, 0)
PASSWORD = "correct horse battery"
STUDENT_PASSWORD = "violet staple 42"


def sign_up(con, email="ada@example.org", name="Ada Admin", password=PASSWORD, now=T0):
    return accounts.create_account(con, email=email, password=password, display_name=name,
                                   now=now)


@pytest.fixture
def admin(con) -> accounts.Account:
    return sign_up(con)


@pytest.fixture
def student(con, admin) -> accounts.Account:
    return sign_up(con, "Sam@Example.org", "Sam Student", STUDENT_PASSWORD)


def seconds(n: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=n)


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """Every password verification (accounts and the timing dummy both go through here)."""
    calls: list[str] = []
    real = auth.verify_password

    def counting(stored_hash, password):
        calls.append(stored_hash)
        return real(stored_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    return calls


def in_parallel(count: int, fn) -> tuple[list, list]:
    """Run `fn(i)` on `count` threads released together; (results, exceptions)."""
    start = threading.Barrier(count, timeout=10)
    results, errors = [], []

    def run(i):
        start.wait()
        try:
            results.append(fn(i))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


# --- signing up ------------------------------------------------------------------------------

def test_first_account_is_admin_and_later_ones_are_students(con, admin, student):
    assert (admin.role, admin.is_admin, admin.is_instructor) == ("admin", True, True)
    assert (student.role, student.is_admin, student.is_instructor) == ("student", False, False)
    assert student.email == "sam@example.org"  # stored normalised
    assert accounts.get_account(con, student.id) == student
    assert accounts.account_by_email(con, " SAM@example.ORG ") == student
    assert accounts.has_accounts(con)


def test_no_accounts_on_a_new_database(con):
    assert not accounts.has_accounts(con)
    assert accounts.get_account(con, 1) is None
    assert accounts.account_by_email(con, "ada@example.org") is None
    assert accounts.account_by_email(con, "not an email") is None


def test_first_account_takes_over_the_local_profile_and_its_records(con, build, fetch):
    contact = build.contact("Grace Hopper")  # made in single-profile mode, before accounts
    account = sign_up(con)
    assert account.id == build.user_id
    assert fetch("SELECT user_id FROM contacts WHERE id = ?", contact) == [(account.id,)]
    assert fetch("SELECT count(*) FROM users") == [(1,)]
    assert fetch("SELECT display_name, role FROM users") == [("Ada Admin", "admin")]
    second = sign_up(con, "sam@example.org", "Sam", STUDENT_PASSWORD)
    assert second.id != account.id and second.role == "student"
    assert fetch("SELECT count(*) FROM contacts WHERE user_id = ?", second.id) == [(0,)]


def test_duplicate_email_is_refused_whatever_its_case(con, admin):
    with pytest.raises(ValidationError) as caught:
        sign_up(con, "  ADA@example.org", "Another Ada", STUDENT_PASSWORD)
    assert caught.value.errors == {"email": accounts.EMAIL_TAKEN}


def test_sign_up_names_every_bad_field_at_once(con):
    with pytest.raises(ValidationError) as caught:
        accounts.create_account(con, email="nope", password="short", display_name="  ")
    errors = caught.value.errors
    assert set(errors) == {"email", "password", "display_name"}
    assert "at least 8 characters" in errors["password"]
    with pytest.raises(ValidationError) as caught:
        sign_up(con, name="x" * 121)
    assert set(caught.value.errors) == {"display_name"}
    with pytest.raises(ValidationError) as caught:
        sign_up(con, password="ada@example.org")
    assert set(caught.value.errors) == {"password"}
    assert not accounts.has_accounts(con)


def test_two_first_sign_ups_at_once_make_one_admin(con, monkeypatch):
    """Both see an empty database; the later commit fails, and its retry finds an account."""
    both_checked = threading.Barrier(2, timeout=10)
    real = accounts._has_accounts
    waited: set[int] = set()

    def has_accounts_in_step(cur):
        result = real(cur)
        if threading.get_ident() not in waited:  # only the first look: the retry runs alone
            waited.add(threading.get_ident())
            both_checked.wait()
        return result

    monkeypatch.setattr(accounts, "_has_accounts", has_accounts_in_step)
    made, failed = in_parallel(2, lambda i: sign_up(con, f"user{i}@x.org", f"User {i}",
                                                     f"{PASSWORD} {i}"))
    assert failed == []
    assert sorted(a.role for a in made) == ["admin", "student"]


def test_same_email_signed_up_at_once_makes_one_account(con, admin, fetch):
    made, refused = in_parallel(4, lambda i: sign_up(con, "SAM@example.org", f"Sam {i}",
                                                      STUDENT_PASSWORD))
    assert len(made) == 1
    assert [getattr(e, "errors", e) for e in refused] == [{"email": accounts.EMAIL_TAKEN}] * 3
    assert fetch("SELECT count(*) FROM credentials WHERE email = 'sam@example.org'") == [(1,)]


def test_session_secret_made_at_once_is_one_secret(con, monkeypatch):
    monkeypatch.delenv(accounts.SECRET_ENV, raising=False)
    secrets_seen, errors = in_parallel(8, lambda i: accounts.app_secret(con))
    assert errors == [] and len(set(secrets_seen)) == 1


# --- what is stored --------------------------------------------------------------------------

def test_plaintext_passwords_codes_and_session_ids_are_never_stored(con, admin, student, fetch):
    new_password, reset_password = "lilac harbor 77", "amber compass 19"
    token = accounts.start_session(con, student.id, now=T0)
    accounts.change_password(con, student.id, STUDENT_PASSWORD, new_password, now=T0)
    code = accounts.issue_reset_code(con, admin.id, student.id, now=T0)
    accounts.reset_password(con, student.email, code, reset_password, now=T0)
    session_id = auth.read_token(token, accounts.app_secret(con))
    secrets_used = [PASSWORD, STUDENT_PASSWORD, new_password, reset_password, code, session_id,
                    token]
    columns = fetch("SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE data_type = 'VARCHAR' AND table_name IN"
                    " ('users', 'credentials', 'sessions', 'password_resets', 'app_settings')")
    assert {t for t, _ in columns} == {"users", "credentials", "sessions", "password_resets",
                                       "app_settings"}
    for table, column in columns:  # names come from the catalog, values are parameters
        for secret in secrets_used:
            assert fetch(f'SELECT count(*) FROM "{table}" WHERE contains("{column}", ?)',
                         secret) == [(0,)], (table, column)


def test_stored_hash_is_argon2id(con, admin, fetch):
    [(stored,)] = fetch("SELECT password_hash FROM credentials WHERE user_id = ?", admin.id)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert auth.verify_password(stored, PASSWORD)


# --- signing in ------------------------------------------------------------------------------

def test_right_password_signs_in(con, admin, student):
    assert accounts.authenticate(con, " SAM@example.org", STUDENT_PASSWORD, now=T0) == student


def test_one_message_for_unknown_email_wrong_password_and_disabled_account(
        con, admin, student, verifications):
    messages = []
    for email, password in [("nobody@example.org", PASSWORD), ("not an email", PASSWORD),
                            (student.email, "wrong password")]:
        with pytest.raises(AuthError) as caught:
            accounts.authenticate(con, email, password, now=T0)
        messages.append(str(caught.value))
    # Each attempt spent exactly one hash verification, known account or not.
    assert len(verifications) == 3
    accounts.set_disabled(con, admin.id, student.id, True, now=T0)
    with pytest.raises(AuthError) as caught:
        accounts.authenticate(con, student.email, STUDENT_PASSWORD, now=T0)
    messages.append(str(caught.value))
    assert set(messages) == {"Wrong email or password."}


def test_lockout_after_exactly_five_failures_for_one_minute(con, admin, student, verifications):
    def attempt(password, at):
        try:
            accounts.authenticate(con, student.email, password, now=seconds(at))
            return "ok"
        except AuthError as problem:
            return str(problem)

    wrong = [attempt("wrong password", i) for i in range(5)]
    assert wrong == [accounts.WRONG_CREDENTIALS] * 4 + [accounts.LOCKED]
    assert accounts.LOCKED == "Too many failed attempts. Try again in a minute."
    checked = len(verifications)
    # During the lock even the right password is refused, without being checked, and the
    # attempts do not push the end of the lock back.
    assert attempt(STUDENT_PASSWORD, 10) == accounts.LOCKED
    assert attempt("wrong password", 50) == accounts.LOCKED
    assert attempt(STUDENT_PASSWORD, 4 + 59) == accounts.LOCKED
    assert len(verifications) == checked
    assert attempt(STUDENT_PASSWORD, 4 + 60) == "ok"
    # Other accounts were never affected.
    assert accounts.authenticate(con, admin.email, PASSWORD, now=seconds(10)) == admin


def test_success_resets_the_failure_count(con, student):
    for i in range(4):
        with pytest.raises(AuthError, match="Wrong email"):
            accounts.authenticate(con, student.email, "wrong password", now=seconds(i))
    accounts.authenticate(con, student.email, STUDENT_PASSWORD, now=seconds(5))
    for i in range(4):
        with pytest.raises(AuthError, match="Wrong email"):
            accounts.authenticate(con, student.email, "wrong password", now=seconds(10 + i))


def test_outdated_hash_is_upgraded_at_sign_in(con, student, fetch, monkeypatch):
    from argon2 import PasswordHasher
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("older pass 11")
    # Stand in for an account made before the parameters were raised.
    monkeypatch.setattr(auth, "hash_password", lambda password: weak)
    accounts.change_password(con, student.id, STUDENT_PASSWORD, "older pass 11", now=T0)
    monkeypatch.undo()
    accounts.authenticate(con, student.email, "older pass 11", now=T0)
    [(stored,)] = fetch("SELECT password_hash FROM credentials WHERE user_id = ?", student.id)
    assert stored != weak and not auth.needs_rehash(stored)


# --- sessions --------------------------------------------------------------------------------

def test_session_token_identifies_the_account(con, student):
    token = accounts.start_session(con, student.id, now=T0)
    assert accounts.session_account(con, token, now=T0) == student


def test_tampered_or_foreign_tokens_give_no_account(con, student):
    token = accounts.start_session(con, student.id, now=T0)
    payload, mac = token.split(".")
    for bad in (None, "", "garbage", payload + "." + mac[:-1] + ("A" if mac[-1] != "A" else "B"),
                auth.sign_token("made-up-session", accounts.app_secret(con)),
                auth.sign_token(auth.read_token(token, accounts.app_secret(con)), b"x" * 32)):
        assert accounts.session_account(con, bad, now=T0) is None


def test_idle_sessions_end_after_twelve_hours_and_activity_extends_them(con, student):
    idle, used = (accounts.start_session(con, student.id, now=T0) for _ in range(2))
    assert accounts.session_account(con, used, now=T0 + dt.timedelta(hours=11, minutes=59))
    assert accounts.session_account(con, idle, now=T0 + dt.timedelta(hours=12, minutes=1)) is None
    # `used` was seen at 11:59, so it lasts until 23:59.
    assert accounts.session_account(con, used, now=T0 + dt.timedelta(hours=23, minutes=58))
    later = T0 + dt.timedelta(hours=23, minutes=58) + dt.timedelta(hours=12, minutes=1)
    assert accounts.session_account(con, used, now=later) is None


def test_activity_is_written_at_most_once_a_minute(con, student, fetch):
    token = accounts.start_session(con, student.id, now=T0)
    accounts.session_account(con, token, now=seconds(30))
    assert fetch("SELECT last_seen_at FROM sessions") == [(T0,)]
    accounts.session_account(con, token, now=seconds(61))
    assert fetch("SELECT last_seen_at FROM sessions") == [(seconds(61),)]


def test_sign_out_ends_only_that_session(con, student):
    phone, laptop = (accounts.start_session(con, student.id, now=T0) for _ in range(2))
    accounts.end_session(con, phone, now=seconds(5))
    assert accounts.session_account(con, phone, now=seconds(6)) is None
    assert accounts.session_account(con, laptop, now=seconds(6)) == student
    accounts.end_session(con, phone)  # twice, or with junk: no error
    accounts.end_session(con, "junk")


def test_disabling_an_account_ends_its_sessions(con, admin, student):
    token = accounts.start_session(con, student.id, now=T0)
    accounts.set_disabled(con, admin.id, student.id, True, now=seconds(1))
    assert accounts.session_account(con, token, now=seconds(2)) is None
    accounts.set_disabled(con, admin.id, student.id, False, now=seconds(3))
    assert accounts.session_account(con, token, now=seconds(4)) is None  # stays signed out
    assert accounts.authenticate(con, student.email, STUDENT_PASSWORD, now=seconds(5)) == student


def test_app_secret_is_made_once_and_the_environment_overrides_it(con, student, monkeypatch):
    monkeypatch.delenv(accounts.SECRET_ENV, raising=False)
    first = accounts.app_secret(con)
    assert len(first) >= 32 and accounts.app_secret(con) == first
    token = accounts.start_session(con, student.id, now=T0)
    monkeypatch.setenv(accounts.SECRET_ENV, "an operator's secret of enough length!")
    assert accounts.app_secret(con) == b"an operator's secret of enough length!"
    assert accounts.session_account(con, token, now=T0) is None
    token = accounts.start_session(con, student.id, now=T0)
    assert accounts.session_account(con, token, now=T0) == student


def test_session_secret_survives_reopening(db_path, monkeypatch):
    monkeypatch.delenv(accounts.SECRET_ENV, raising=False)
    con = db.connect(db_path)
    try:
        account = sign_up(con)
        token = accounts.start_session(con, account.id, now=T0)
    finally:
        con.close()
    con = db.connect(db_path)
    try:
        assert accounts.session_account(con, token, now=T0) == account
    finally:
        con.close()


def test_each_database_keeps_its_own_secret(tmp_path, monkeypatch):
    """The stored secret is remembered per open database (it was read on every page run): a
    second database, or a database swapped in by a restore, never gets another one's."""
    monkeypatch.delenv(accounts.SECRET_ENV, raising=False)
    first, second = db.connect(tmp_path / "a.duckdb"), db.connect(tmp_path / "b.duckdb")
    try:
        a, b = accounts.app_secret(first), accounts.app_secret(second)
        assert a != b
        assert (accounts.app_secret(first), accounts.app_secret(second)) == (a, b)
        with first.cursor() as cur:  # what is remembered is what the database holds
            stored = cur.execute("SELECT value FROM app_settings"
                                 " WHERE key = 'session_secret'").fetchone()[0]
        assert stored.encode("utf-8") == a
    finally:
        first.close()
        second.close()


# --- own account -----------------------------------------------------------------------------

def test_change_password(con, student):
    here, elsewhere = (accounts.start_session(con, student.id, now=T0) for _ in range(2))
    with pytest.raises(ValidationError) as caught:
        accounts.change_password(con, student.id, "not my password", "lilac harbor 77", now=T0)
    assert set(caught.value.errors) == {"old_password"}
    with pytest.raises(ValidationError) as caught:
        accounts.change_password(con, student.id, STUDENT_PASSWORD, "password", now=T0)
    assert set(caught.value.errors) == {"new_password"}
    accounts.change_password(con, student.id, STUDENT_PASSWORD, "lilac harbor 77",
                             keep_token=here, now=T0)
    assert accounts.authenticate(con, student.email, "lilac harbor 77", now=T0) == student
    with pytest.raises(AuthError):
        accounts.authenticate(con, student.email, STUDENT_PASSWORD, now=T0)
    assert accounts.session_account(con, here, now=T0) == student
    assert accounts.session_account(con, elsewhere, now=T0) is None


def test_update_display_name(con, student):
    accounts.update_display_name(con, student.id, "  Samantha  ")
    assert accounts.get_account(con, student.id).display_name == "Samantha"
    with pytest.raises(ValidationError) as caught:
        accounts.update_display_name(con, student.id, "")
    assert set(caught.value.errors) == {"display_name"}
    with pytest.raises(NotFound):
        accounts.update_display_name(con, 9999, "Nobody")


# --- password reset --------------------------------------------------------------------------

def test_reset_code_works_once(con, admin, student, fetch):
    token = accounts.start_session(con, student.id, now=T0)
    for i in range(5):  # locked out
        with pytest.raises(AuthError):
            accounts.authenticate(con, student.email, "wrong password", now=T0)
    code = accounts.issue_reset_code(con, admin.id, student.id, now=T0)
    assert len(code) == 10 and set(code) <= set(auth.CODE_ALPHABET)
    assert fetch("SELECT code_hash, created_by FROM password_resets") == [
        (auth.reset_code_fingerprint(code), admin.id)]
    typed = f" {code[:5].lower()}-{code[5:].lower()} "
    accounts.reset_password(con, "SAM@example.org", typed, "lilac harbor 77", now=seconds(10))
    # The lock is cleared, the new password works, the old sessions are gone.
    assert accounts.authenticate(con, student.email, "lilac harbor 77", now=seconds(11)) == student
    assert accounts.session_account(con, token, now=seconds(11)) is None
    with pytest.raises(AuthError) as caught:
        accounts.reset_password(con, student.email, code, "amber compass 19", now=seconds(12))
    assert str(caught.value) == accounts.BAD_RESET


def test_reset_code_expires_after_a_day(con, admin, student):
    code = accounts.issue_reset_code(con, admin.id, student.id, now=T0)
    with pytest.raises(AuthError) as caught:
        accounts.reset_password(con, student.email, code, "lilac harbor 77",
                                now=T0 + dt.timedelta(hours=24, seconds=1))
    assert str(caught.value) == accounts.BAD_RESET
    accounts.reset_password(con, student.email, code, "lilac harbor 77",
                            now=T0 + dt.timedelta(hours=23, minutes=59))


def test_reset_refuses_wrong_email_wrong_code_and_superseded_code(con, admin, student):
    old = accounts.issue_reset_code(con, admin.id, student.id, now=T0)
    new = accounts.issue_reset_code(con, admin.id, student.id, now=seconds(1))
    for email, code in [(admin.email, new), ("nobody@example.org", new), ("junk", new),
                        (student.email, "BCDFGHJK23"), (student.email, old)]:
        with pytest.raises(AuthError) as caught:
            accounts.reset_password(con, email, code, "lilac harbor 77", now=seconds(2))
        assert str(caught.value) == accounts.BAD_RESET
    with pytest.raises(ValidationError):  # a weak new password is named before anything else
        accounts.reset_password(con, student.email, new, "12345678", now=seconds(2))
    accounts.reset_password(con, student.email, new, "lilac harbor 77", now=seconds(3))


# --- admin actions ---------------------------------------------------------------------------

def test_only_an_enabled_admin_may_act(con, admin, student):
    other = sign_up(con, "tia@example.org", "Tia", "teal lantern 8")
    for who in (student.id, 9999, None, "1", True):
        with pytest.raises(PermissionError):
            accounts.set_role(con, who, other.id, "instructor")
        with pytest.raises(PermissionError):
            accounts.list_accounts(con, who)
        with pytest.raises(PermissionError):
            accounts.set_disabled(con, who, other.id, True)
        with pytest.raises(PermissionError):
            accounts.issue_reset_code(con, who, other.id, now=T0)
    assert accounts.get_account(con, other.id).role == "student"
    accounts.set_role(con, admin.id, student.id, "admin")
    accounts.set_disabled(con, student.id, admin.id, True)
    with pytest.raises(PermissionError):
        accounts.set_role(con, admin.id, other.id, "instructor")


def test_instructor_is_not_an_admin(con, admin, student):
    accounts.set_role(con, admin.id, student.id, "instructor")
    instructor = accounts.get_account(con, student.id)
    assert instructor.is_instructor and not instructor.is_admin
    with pytest.raises(PermissionError):
        accounts.list_accounts(con, instructor.id)


def test_list_accounts(con, admin, student):
    accounts.session_account(con, accounts.start_session(con, student.id, now=T0), now=T0)
    frame = accounts.list_accounts(con, admin.id)
    assert list(frame.columns) == ["id", "email", "display_name", "role", "disabled",
                                   "created_at", "last_seen_at"]
    assert list(frame["email"]) == ["ada@example.org", "sam@example.org"]
    assert list(frame["role"]) == ["admin", "student"]
    assert frame.set_index("email").loc["sam@example.org", "last_seen_at"] == T0


def test_the_last_admin_stays_an_admin(con, admin, student):
    with pytest.raises(ValidationError) as caught:
        accounts.set_role(con, admin.id, admin.id, "student")
    assert caught.value.errors == {"role": accounts.LAST_ADMIN}
    accounts.set_role(con, admin.id, student.id, "admin")
    accounts.set_role(con, admin.id, admin.id, "instructor")
    assert accounts.get_account(con, admin.id).role == "instructor"


def test_no_one_disables_themselves(con, admin, student):
    with pytest.raises(ValidationError) as caught:
        accounts.set_disabled(con, admin.id, admin.id, True)
    assert set(caught.value.errors) == {"disabled"}
    assert not accounts.get_account(con, admin.id).disabled


def test_unknown_role_and_unknown_account(con, admin, student):
    with pytest.raises(ValidationError):
        accounts.set_role(con, admin.id, student.id, "superuser")
    with pytest.raises(NotFound):
        accounts.set_role(con, admin.id, 9999, "instructor")
    with pytest.raises(NotFound):
        accounts.issue_reset_code(con, admin.id, 9999, now=T0)


# --- single sign-on --------------------------------------------------------------------------

def test_sso_finds_or_creates_a_student(con, admin):
    made = accounts.account_for_sso(con, "Lin@Example.org", "Lin Li", now=T0)
    assert (made.email, made.display_name, made.role) == ("lin@example.org", "Lin Li", "student")
    assert accounts.account_for_sso(con, "lin@example.org", "Other name") == made
    with pytest.raises(AuthError):  # its password is unusable
        accounts.authenticate(con, made.email, "", now=T0)
    nameless = accounts.account_for_sso(con, "kim@example.org", "  ")
    assert nameless.display_name == "kim"


def test_sso_first_account_is_admin_and_a_disabled_one_says_so(con):
    first = accounts.account_for_sso(con, "lin@example.org", "Lin")
    second = accounts.account_for_sso(con, "kim@example.org", "Kim")
    assert first.role == "admin"
    accounts.set_disabled(con, first.id, second.id, True)
    again = accounts.account_for_sso(con, "kim@example.org", "Kim")
    assert again.id == second.id and again.disabled
    token = accounts.start_session(con, again.id, now=T0)  # a page that forgot to check
    assert accounts.session_account(con, token, now=T0) is None
    with pytest.raises(ValidationError):
        accounts.account_for_sso(con, "not an email", "Kim")
