"""Hostile input, property-based (hypothesis): every validator in lib.validation, the account
rules in lib.auth, and the trip through lib.store and back out through lib.queries.

The property, for every field a person can type into: the input is either stored exactly as
typed — after the documented trim (`str.strip()`) — or refused with a ValidationError that
names the field and carries a message; a refusal stores nothing at all (every table's row count
is unchanged); no other exception escapes. Strings are arbitrary unicode, with a bias towards
the awkward: empty and whitespace-only, huge (up to 10,000 characters), control characters and
NUL, lone surrogates, right-to-left marks, emoji, and text that looks like SQL, HTML or markdown.

The documented rules the oracle below restates (lib/validation.py): text is trimmed; empty
means "not given"; a control character (Unicode category Cc, or a lone surrogate) is refused —
except newline, tab and carriage return in multi-line fields; each field has a maximum length.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from lib import accounts, auth, db, queries, store, vocab
from lib.validation import (
    EMAIL_MAX,
    INSIGHT_MAX,
    MAX_QUESTIONS,
    NAME_MAX,
    NOTES_MAX,
    QUESTION_MAX,
    URL_MAX,
    ValidationError,
    clean_contact,
    clean_conversation,
    clean_outreach,
    clean_response,
    clean_thank_you,
    clean_weekly_goal,
)

TODAY = dt.date(2026, 3, 20)

# Shared by every test here: bounded, no deadline (the database's fsync varies a lot on a busy
# machine), nothing written to a .hypothesis folder. The database fixtures are function-scoped
# on purpose: each test gets one file and its examples add to it (counts are compared per
# example), hence the suppressed health check.
BOUNDED = settings(max_examples=50, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow, HealthCheck.data_too_large])
PURE = settings(BOUNDED, max_examples=100)

SQL_DROP = "'; DROP TABLE contacts; --"
SQL_OR = "' OR '1'='1"
HTML_IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[x](javascript:alert(1))"

HOSTILE = [
    "", " ", "\t\n ", "\u00a0\u2003", SQL_DROP, SQL_OR, "Robert'); DROP TABLE students;--",
    "1; SELECT * FROM credentials", "$1", "?", "$name", "%s", "{0}", "\\", "\\'", '"', "`",
    HTML_IMG, "<script>alert(1)</script>", "<b>x</b>", "**bold** <b>x</b>", MD_LINK,
    "![x](https://evil.example/x.png)", "=HYPERLINK(\"http://evil\")", "@SUM(1)",
    "\x00", "a\x00b", "NUL at end\x00", "\x1b[31mred\x1b[0m", "line\nbreak", "cr\rlf\r\n",
    "tab\tinside", "\x7f", "\x85", "\u2028", "\u202eevil\u202c", "\u200f\u200e", "\ufeffBOM",
    "\u200b", "👩🏽‍💻🚀🇺🇦", "日本語のテキスト", "مرحبا بالعالم", "Ǆ ß İ ﬁ", "e\u0301",
    "\ud800", "a\udfffb", "\uffff\ufffe", "\U0010ffff", "None", "null", "NaN", "nan", "True",
    "  padded both sides  ", "x" * 119, "x" * 120, "x" * 121, " " + "y" * 120 + " ",
]


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    whitespace = st.text(alphabet=" \t\n\r\u00a0\u2003\u3000\x1c\x1f", max_size=3)
    return st.builds(lambda a, b, c: a + b + c, whitespace, core, whitespace)


def hostile_text(max_size: int = 10_000) -> st.SearchStrategy[str]:
    """Arbitrary unicode biased towards trouble; up to `max_size` characters."""
    any_char = st.characters(exclude_categories=())  # every code point, surrogates too
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=80),  # arbitrary unicode without surrogates, controls included
        st.text(alphabet=any_char, max_size=40),
        _padded(st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Zs", "M",
                                                           "Cf"]), min_size=1, max_size=60)),
        _padded(st.sampled_from(HOSTILE)),
        # huge: one character repeated, up to the cap
        st.builds(lambda ch, n: ch * n, st.characters(categories=["L", "N", "So"]),
                  st.integers(1, max_size)),
        st.builds(lambda s, n: (s * n)[:max_size], st.sampled_from(HOSTILE[4:30]),
                  st.integers(1, 400)),
    )


def printable_text(max_size: int) -> st.SearchStrategy[str]:
    """Text that every rule accepts (no control characters, not blank, short enough): checks
    that the validators do not refuse what they promise to keep."""
    return st.text(alphabet=st.characters(categories=["L", "N", "P", "S", "Zs", "M", "Cf"]),
                   min_size=1, max_size=max_size).filter(lambda s: s.strip())


# Hostile strings every field keeps (the point is that they are kept as text).
KEPT_AS_TEXT = [SQL_DROP, SQL_OR, HTML_IMG, MD_LINK, "**bold** <b>x</b>", "\u202eevil\u202c",
                "👩🏽‍💻🚀🇺🇦", "مرحبا بالعالم", "e\u0301", "\ufeffBOM", "$1", "?", "%s", "\\'",
                "=HYPERLINK(\"http://evil\")", "  padded both sides  ", "\u200b"]


def usually(common: st.SearchStrategy, rare: st.SearchStrategy, odds: int = 3):
    """`common` `odds` times out of `odds + 1`, else `rare` (st.one_of would flatten nested
    one_ofs into equally likely branches)."""
    return st.integers(0, odds).flatmap(lambda n: rare if n == 0 else common)


def mostly_kept(max_size: int) -> st.SearchStrategy[str]:
    """For forms with several fields: usually text the field keeps, sometimes anything — so
    that whole records get stored often enough, and refusals still come up."""
    kept = st.one_of(st.sampled_from(KEPT_AS_TEXT), printable_text(min(max_size, 100)))
    return usually(kept, hostile_text(max_size), odds=4)


REFUSED = object()


def expected_text(value, *, max_len: int, multiline: bool = False, required: bool = False):
    """What the documented rules make of `value`: the stored text, None (not given) or
    REFUSED."""
    if value is None:
        return REFUSED if required else None
    text = str(value).strip()
    if not text:
        return REFUSED if required else None
    allowed = "\n\t\r" if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text):
        return REFUSED
    if len(text) > max_len:
        return REFUSED
    return text


def all_counts(con) -> dict[str, int]:
    """Rows in every table of the database (one query)."""
    with db.reading(con) as cur:
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()]
        return dict(cur.execute(" UNION ALL ".join(
            f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)).fetchall())


def grew_by(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}


def assert_refusal(problem: ValidationError, *fields: str) -> None:
    assert problem.errors, "a ValidationError without any message"
    for field in fields:
        assert field in problem.errors, (field, problem.errors)
    for message in problem.errors.values():
        assert isinstance(message, str) and len(message.strip()) > 10, problem.errors
    assert str(problem)


_submission = iter(range(10**9))


def next_submission() -> str:
    return f"hostile-{next(_submission)}"


# --- contacts --------------------------------------------------------------------------------

CONTACT_TEXT = {  # field: (maximum length, multi-line)
    "name": (NAME_MAX, False),
    "organization": (NAME_MAX, False),
    "title": (NAME_MAX, False),
    "industry_other": (NAME_MAX, False),
    "notes": (NOTES_MAX, True),
}
VALID_CONTACT = {"name": "Ada Lovelace", "organization": "Engines Ltd", "title": "Engineer",
                 "industry": vocab.OTHER_INDUSTRY, "industry_other": "Computing",
                 "how_found": "alumni", "priority": "dream", "email": "ada@example.org",
                 "profile_url": "https://example.org/ada", "notes": "Met at the fair."}


@BOUNDED
@given(field=st.sampled_from(sorted(CONTACT_TEXT)), value=hostile_text())
@example(field="name", value=SQL_DROP)
@example(field="name", value="**bold** <b>x</b>")
@example(field="notes", value=MD_LINK)
@example(field="notes", value="a\x00b")
@example(field="name", value="\ud800")
@example(field="notes", value="x" * 10_000)
@example(field="name", value="   ")
def test_contact_text_is_stored_as_typed_or_refused(con, user, field, value):
    raw = {**VALID_CONTACT, field: value}
    max_len, multiline = CONTACT_TEXT[field]
    expected = expected_text(value, max_len=max_len, multiline=multiline,
                             required=field == "name")
    before = all_counts(con)
    try:
        contact = clean_contact(raw)
    except ValidationError as problem:
        assert expected is REFUSED, (value, problem.errors)
        assert_refusal(problem, field)
        assert set(problem.errors) == {field}  # the valid fields are not blamed
        assert all_counts(con) == before
        event("refused")
        return
    assert expected is not REFUSED, f"{value!r} was accepted"
    saved = store.add_contact(con, user, contact, submission_id=next_submission())
    event("stored")
    assert grew_by(before, all_counts(con)) == {"contacts": 1, "submissions": 1}
    record = queries.contact_record(con, user, saved.id)
    assert record[field] == expected
    for other, typed in VALID_CONTACT.items():
        if other != field:
            assert record[other] == typed
    # The duplicate check (a query with the typed name) copes with it too.
    if record["name"]:
        assert store.find_duplicate_contact(con, user, record["name"],
                                            record["organization"]) is not None


@BOUNDED
@given(values=st.fixed_dictionaries({f: mostly_kept(600) for f in CONTACT_TEXT}),
       email=usually(st.one_of(st.emails(), st.just("")), hostile_text(300)),
       url=usually(st.sampled_from(["https://example.org/ada", "", "HTTP://x.example/?q=<b>",
                                    "javascript:alert(1)"]), hostile_text(600)),
       industry=usually(st.sampled_from(vocab.INDUSTRIES + [""]), hostile_text(40)),
       how_found=usually(st.sampled_from(list(vocab.HOW_FOUND) + [""]), hostile_text(20)),
       priority=usually(st.sampled_from(list(vocab.PRIORITIES) + [" dream "]),
                        hostile_text(20)))
def test_contact_with_every_field_hostile_is_all_or_nothing(con, user, values, email, url,
                                                            industry, how_found, priority):
    raw = {**values, "email": email, "profile_url": url, "industry": industry,
           "how_found": how_found, "priority": priority}
    before = all_counts(con)
    try:
        contact = clean_contact(raw)
    except ValidationError as problem:
        assert_refusal(problem)
        assert set(problem.errors) <= set(raw)
        for field, (max_len, multiline) in CONTACT_TEXT.items():
            refused = expected_text(values[field], max_len=max_len, multiline=multiline,
                                    required=field == "name") is REFUSED
            if field == "industry_other" and industry.strip() != vocab.OTHER_INDUSTRY:
                continue  # checked, but only kept for "Other"
            assert (field in problem.errors) == refused, (field, values[field], problem.errors)
        assert all_counts(con) == before
        event("refused")
        return
    saved = store.add_contact(con, user, contact, submission_id=next_submission())
    event("stored")
    assert grew_by(before, all_counts(con)) == {"contacts": 1, "submissions": 1}
    record = queries.contact_record(con, user, saved.id)
    for field, (max_len, multiline) in CONTACT_TEXT.items():
        expected = expected_text(values[field], max_len=max_len, multiline=multiline)
        if field == "industry_other" and record["industry"] != vocab.OTHER_INDUSTRY:
            expected = None
        assert record[field] == expected, field
    assert record["industry"] in vocab.INDUSTRIES
    assert record["how_found"] in vocab.HOW_FOUND
    assert record["priority"] in vocab.PRIORITIES
    if record["email"] is not None:
        assert record["email"] == email.strip() and record["email"].isascii()
        assert len(record["email"]) <= EMAIL_MAX and "@" in record["email"]
    if record["profile_url"] is not None:
        assert record["profile_url"] == url.strip() and len(url.strip()) <= URL_MAX
        assert record["profile_url"].lower().startswith(("http://", "https://"))


@PURE
@given(name=printable_text(NAME_MAX), notes=printable_text(300))
def test_ordinary_text_is_never_refused(name, notes):
    contact = clean_contact({"name": name, "notes": notes})
    assert contact.name == name.strip() and contact.notes == notes.strip()


@PURE
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.dates(),
                       st.datetimes(), hostile_text(200)),
       field=st.sampled_from(sorted(VALID_CONTACT)))
def test_contact_fields_take_any_scalar_a_file_cell_can_hold(field, value):
    """Imported cells are not always strings (numbers, dates, NaN): stored as text or refused,
    never an exception."""
    try:
        contact = clean_contact({**VALID_CONTACT, field: value})
    except ValidationError as problem:
        assert_refusal(problem, field)
        return
    kept = getattr(contact, field)
    assert kept is None or isinstance(kept, str)


# --- conversations ---------------------------------------------------------------------------

def _question_lines(text: str):
    """The questions the form's "one per line" box gives, or REFUSED."""
    kept = []
    for line in text.splitlines():
        q = expected_text(line, max_len=QUESTION_MAX)
        if q is REFUSED:
            return REFUSED
        if q:
            kept.append(q)
    return REFUSED if len(kept) > MAX_QUESTIONS else kept


@BOUNDED
@given(insights=st.lists(mostly_kept(1_500), min_size=1, max_size=3),
       questions=mostly_kept(1_500), next_steps=mostly_kept(6_000),
       reflection=mostly_kept(6_000), referral=mostly_kept(200), name=mostly_kept(200))
@example(insights=[HTML_IMG, MD_LINK, SQL_OR], questions=f"{SQL_DROP}\n\n{HTML_IMG}\n",
         next_steps=MD_LINK, reflection="\u202eevil\u202c", referral="**bold** <b>x</b>",
         name="Grace <b>Hopper</b>")
def test_conversation_is_stored_whole_as_typed_or_not_at_all(con, user, insights, questions,
                                                             next_steps, reflection, referral,
                                                             name):
    raw = {"held_on": "2026-03-02", "format": "video", "duration_min": "30",
           "questions": questions,
           "insights": [{"category": "advice", "text": t} for t in insights],
           "referrals": [{"name": referral, "organization": "Elsewhere"}],
           "next_steps": next_steps, "reflection": reflection}
    expected_insights = [expected_text(t, max_len=INSIGHT_MAX, multiline=True)
                         for t in insights]
    expected_questions = _question_lines(questions)
    expected_next = expected_text(next_steps, max_len=NOTES_MAX, multiline=True)
    expected_reflection = expected_text(reflection, max_len=NOTES_MAX, multiline=True)
    expected_referral = expected_text(referral, max_len=NAME_MAX)
    expected_name = expected_text(name, max_len=NAME_MAX, required=True)
    refused = {
        **{f"insight_{i}": e is REFUSED for i, e in enumerate(expected_insights)},
        "questions": expected_questions is REFUSED, "next_steps": expected_next is REFUSED,
        "reflection": expected_reflection is REFUSED,
        # a referral with an organization but no name is refused ("needs a name")
        "referral_0": expected_referral is REFUSED or expected_referral is None,
        "name": expected_name is REFUSED,
    }
    before = all_counts(con)
    errors = {}
    try:  # as the "Log a conversation" page does: both validated, every message shown
        contact = clean_contact({"name": name})
    except ValidationError as problem:
        assert_refusal(problem)
        errors.update(problem.errors)
    try:
        conversation = clean_conversation(raw, today=TODAY)
    except ValidationError as problem:
        assert_refusal(problem)
        errors.update(problem.errors)
    assert {k for k, v in refused.items() if v} == set(errors), errors
    if errors:
        assert all_counts(con) == before
        event("refused")
        return

    saved = store.log_conversation(con, user, conversation, new_contact=contact,
                                   submission_id=next_submission())
    event("stored")
    kept_insights = [t for t in expected_insights if t]
    assert grew_by(before, all_counts(con)) == {
        k: v for k, v in {"contacts": 2, "conversations": 1,
                          "insights": len(kept_insights),
                          "conversation_questions": len(expected_questions),
                          "submissions": 1}.items() if v}
    shown = queries.insight_list(con, user)
    shown = shown[shown["conversation_id"] == saved.id]
    assert list(shown["text"]) == kept_insights
    assert set(shown["contact"]) <= {expected_name}
    assert queries.conversation_questions(con, user, saved.id) == expected_questions
    contact_id = int(queries.conversation_log(con, user, queries.Filters())
                     .set_index("id").loc[saved.id, "contact_id"])
    assert queries.contact_record(con, user, contact_id)["name"] == expected_name
    talks = queries.contact_conversations(con, user, contact_id).set_index("id")
    next_shown = talks.loc[saved.id, "next_steps"]
    assert (next_shown if isinstance(next_shown, str) else None) == expected_next
    # No lib.queries function returns the reflection (instructors must never see it): read it
    # back directly.
    with db.reading(con) as cur:
        assert cur.execute("SELECT reflection FROM conversations WHERE id = ?",
                           [saved.id]).fetchone()[0] == expected_reflection
        referred = cur.execute("SELECT name FROM contacts WHERE referred_in_conversation_id = ?",
                               [saved.id]).fetchall()
    assert referred == [(expected_referral,)]


@PURE
@given(field=st.sampled_from(["held_on", "format", "duration_min", "clarity_before",
                              "clarity_after", "thank_you_on", "share_insights", "share_name"]),
       value=st.one_of(st.none(), st.integers(), st.floats(), st.booleans(),
                       st.dates(), st.datetimes(), hostile_text(100)))
def test_conversation_scalars_are_kept_in_range_or_refused(field, value):
    raw = {"held_on": "2026-03-02", "format": "video", field: value}
    try:
        conversation = clean_conversation(raw, today=TODAY)
    except ValidationError as problem:
        assert_refusal(problem, field)
        return
    c = conversation
    assert dt.date(1950, 1, 1) <= c.held_on <= TODAY
    assert c.format in vocab.FORMATS
    assert c.duration_min is None or (type(c.duration_min) is int and 1 <= c.duration_min <= 600)
    for clarity in (c.clarity_before, c.clarity_after):
        assert clarity is None or (type(clarity) is int and 1 <= clarity <= 5)
    assert c.thank_you_on is None or c.held_on <= c.thank_you_on <= TODAY
    assert type(c.share_insights) is bool and type(c.share_name) is bool


# --- outreach, responses, thank-yous, goals --------------------------------------------------

scalar = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.dates(),
                   st.datetimes(), hostile_text(100), st.integers().map(str))


@BOUNDED
@example(contact=2**130, sent_on="2026-03-01", channel="email")  # beyond DuckDB's integers
@example(contact="-" + "9" * 40, sent_on="2026-03-01", channel="email")
@example(contact=2**63 - 1, sent_on="2026-03-01", channel="email")
@given(contact=usually(st.just("mine"), scalar),
       sent_on=usually(st.one_of(st.dates(dt.date(1940, 1, 1), dt.date(2030, 1, 1)),
                                 st.dates(dt.date(2026, 1, 1), TODAY).map(str)), scalar),
       channel=usually(st.sampled_from(list(vocab.CHANNELS) + [" email ", "EMAIL",
                                                              "phone\x00"]), scalar))
def test_outreach_is_stored_as_chosen_or_refused(con, user, contact, sent_on, channel):
    mine = store.add_contact(con, user, clean_contact({"name": "Ada"})).id
    if contact == "mine":
        contact = mine
    before = all_counts(con)
    try:
        outreach = clean_outreach({"contact_id": contact, "sent_on": sent_on,
                                   "channel": channel}, today=TODAY)
    except ValidationError as problem:
        assert_refusal(problem)
        assert set(problem.errors) <= {"contact_id", "sent_on", "channel"}
        assert all_counts(con) == before
        event("refused")
        return
    assert outreach.channel in vocab.CHANNELS
    assert dt.date(1950, 1, 1) <= outreach.sent_on <= TODAY
    try:
        saved = store.log_outreach(con, user, outreach, submission_id=next_submission())
    except store.NotFound:  # an id that is not one of this student's contacts
        assert outreach.contact_id != mine
        assert all_counts(con) == before
        event("refused")
        return
    assert grew_by(before, all_counts(con)) == {"outreach": 1, "submissions": 1}
    event("stored")
    row = queries.contact_outreach(con, user, outreach.contact_id).set_index("id").loc[saved.id]
    assert (row["sent_on"].date() if hasattr(row["sent_on"], "date") else row["sent_on"]) \
        == outreach.sent_on
    assert row["channel"] == outreach.channel


@BOUNDED
@given(outcome=usually(st.sampled_from(["accepted", " declined ", "pending"]), scalar),
       response_on=usually(st.dates(dt.date(2026, 2, 1), dt.date(2026, 4, 1)), scalar))
def test_response_is_stored_as_chosen_or_refused(con, user, outcome, response_on):
    contact = store.add_contact(con, user, clean_contact({"name": "Ada"})).id
    sent_on = dt.date(2026, 3, 1)
    outreach = store.log_outreach(con, user, clean_outreach(
        {"contact_id": contact, "sent_on": sent_on, "channel": "email"}, today=TODAY)).id
    before = all_counts(con)
    try:
        response = clean_response({"outcome": outcome, "response_on": response_on},
                                  sent_on=sent_on, today=TODAY)
    except ValidationError as problem:
        assert_refusal(problem)
        assert set(problem.errors) <= {"outcome", "response_on"}
        assert all_counts(con) == before
        assert queries.contact_outreach(con, user, contact)["outcome"].tolist() == ["pending"]
        event("refused")
        return
    assert response.outcome in ("accepted", "declined")
    assert sent_on <= response.response_on <= TODAY
    store.record_response(con, user, outreach, response)
    event("stored")
    assert all_counts(con) == before
    row = queries.contact_outreach(con, user, contact).iloc[0]
    assert row["outcome"] == response.outcome


@PURE
@given(sent=st.one_of(scalar, st.dates(dt.date(1940, 1, 1), dt.date(2030, 1, 1))),
       held=st.one_of(scalar, st.dates(dt.date(1940, 1, 1), dt.date(2030, 1, 1))))
def test_thank_you_date_is_a_date_in_range_or_refused(sent, held):
    try:
        day = clean_thank_you(sent, held_on=held, today=TODAY)
    except ValidationError as problem:
        assert_refusal(problem, "thank_you_on")
        return
    assert isinstance(day, dt.date) and dt.date(1950, 1, 1) <= day <= TODAY


@BOUNDED
@given(goal=st.one_of(scalar, st.integers(-5, 105), st.integers(-5, 105).map(str),
                      st.floats(-5, 105)))
def test_weekly_goal_is_stored_as_a_whole_number_or_refused(con, user, goal):
    before_profile = queries.user_profile(con, user)
    try:
        cleaned = clean_weekly_goal(goal)
    except ValidationError as problem:
        assert_refusal(problem, "weekly_goal")
        assert queries.user_profile(con, user) == before_profile
        return
    assert type(cleaned) is int and 0 <= cleaned <= 100
    store.set_weekly_goal(con, user, cleaned)
    assert queries.user_profile(con, user)["weekly_goal"] == cleaned


# --- accounts (lib.auth, and the display name through lib.accounts) --------------------------

@PURE
@given(raw=st.one_of(hostile_text(400), st.none(), st.integers(),
                     st.emails().map(lambda e: f"  {e.upper()} ")))
@example(raw="Ada@Example.org\n")
@example(raw="ada@example.org\x00")
@example(raw="\u212a@example.org")  # KELVIN SIGN lower-cases to an ASCII k
def test_normalize_email_gives_an_address_or_a_message(raw):
    try:
        email = auth.normalize_email(raw)
    except ValidationError as problem:
        assert_refusal(problem, "email")
        assert set(problem.errors) == {"email"}
        return
    assert email == raw.strip().lower()
    assert email.isascii() and len(email) <= EMAIL_MAX
    assert re.fullmatch(r"[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", email), email


@PURE
@given(password=st.one_of(hostile_text(300), st.none(), st.integers()),
       email=st.one_of(st.none(), st.just("ada@example.org"), hostile_text(50)))
@example(password="ada@example.org", email="ada@example.org")
@example(password="pass\ud800word!", email=None)
@example(password="   \t\t\t   ", email=None)
@example(password="Password123", email=None)
def test_check_new_password_keeps_it_unchanged_or_says_why(password, email):
    try:
        kept = auth.check_new_password(password, email=email)
    except ValidationError as problem:
        assert_refusal(problem, "password")
        assert set(problem.errors) == {"password"}
        return
    assert kept is password  # never trimmed or changed
    assert auth.PASSWORD_MIN <= len(kept) <= auth.PASSWORD_MAX
    assert kept.strip() and kept.lower() not in auth.COMMON_PASSWORDS
    kept.encode("utf-8")  # storable


@PURE
@given(raw=st.one_of(hostile_text(200), st.none(), st.integers(), st.lists(st.text()),
                     st.builds(lambda code, seps: "".join(
                         c.lower() if i % 2 else c + seps[i % len(seps)]
                         for i, c in enumerate(code)),
                         st.text(alphabet=auth.CODE_ALPHABET, min_size=8, max_size=8),
                         st.lists(st.sampled_from(["", " ", "-", "\u2013", "\u2212", "\t"]),
                                  min_size=1, max_size=8))))
def test_normalize_join_code_never_raises_and_is_stable(raw):
    code = auth.normalize_join_code(raw)
    assert isinstance(code, str)
    assert not re.search(r"[\s\-\u2010-\u2015\u2212]", code)
    assert code == code.upper()
    assert auth.normalize_join_code(code) == code
    if isinstance(raw, str) and set(raw.upper()) <= set(auth.CODE_ALPHABET + " -\u2013\u2212\t"):
        assert code == re.sub(r"[^" + auth.CODE_ALPHABET + "]", "", raw.upper())


@BOUNDED
@given(name=hostile_text(300))
@example(name="**bold** <b>x</b>")
@example(name="\u202eevil\u202c")
def test_display_name_is_stored_as_typed_or_refused(con, user, name):
    expected = expected_text(name, max_len=NAME_MAX, required=True)
    before = all_counts(con)
    previous = queries.user_profile(con, user)["display_name"]
    try:
        accounts.update_display_name(con, user, name)
    except ValidationError as problem:
        assert expected is REFUSED
        assert_refusal(problem, "display_name")
        assert queries.user_profile(con, user)["display_name"] == previous
        assert all_counts(con) == before
        event("refused")
        return
    assert expected is not REFUSED
    assert queries.user_profile(con, user)["display_name"] == expected
    assert all_counts(con) == before


@settings(BOUNDED, max_examples=30)
@given(email=st.one_of(hostile_text(300), st.just(SQL_OR), st.just(f"x{SQL_OR}@example.org")),
       password=st.one_of(hostile_text(200), st.just(SQL_OR)))
def test_sign_in_with_hostile_text_is_refused_like_any_wrong_password(con, email, password):
    if not accounts.has_accounts(con):
        accounts.create_account(con, email="ada@example.org", password="a-long-passphrase",
                                display_name="Ada")
    assume(not (email.strip().lower() == "ada@example.org" and password == "a-long-passphrase"))
    before = all_counts(con)
    with pytest.raises(accounts.AuthError) as info:
        accounts.authenticate(con, email, password)
    assert str(info.value) in (accounts.WRONG_CREDENTIALS, accounts.LOCKED)
    after = all_counts(con)
    assert {t: n for t, n in after.items() if t != "credentials"} == \
        {t: n for t, n in before.items() if t != "credentials"}


# --- reading hostile text back ---------------------------------------------------------------

@BOUNDED
@given(search=hostile_text(300))
@example(search=SQL_OR)
@example(search="%")
@example(search="_")
@example(search="' OR 1=1 --")
def test_insight_search_treats_any_text_as_text(con, user, search):
    if queries.table_counts(con, user)["insights"] == 0:
        store.log_conversation(con, user, clean_conversation(
            {"held_on": "2026-03-02", "format": "video",
             "insights": [{"category": "advice", "text": "Learn SQL"},
                          {"category": "trend", "text": HTML_IMG}]}, today=TODAY),
            new_contact=clean_contact({"name": "Ada", "organization": "Engines"}))
    # A lone surrogate cannot arrive from a browser (the page's text is UTF-8 on the wire).
    assume(not any(0xD800 <= ord(c) <= 0xDFFF for c in search))
    found = queries.insight_list(con, user, search=search)
    assert set(found["text"]) <= {"Learn SQL", HTML_IMG}
    needle = search.strip().lower()
    if needle.isascii():  # (DuckDB's and Python's lower() differ on some non-ASCII letters)
        haystacks = ["learn sql", HTML_IMG.lower(), "ada", "engines"]
        if not any(needle in h for h in haystacks):
            assert found.empty, (search, found)


# --- the importer (lib.importer): files and cells --------------------------------------------

def _importer():
    # The importer is young; if it is missing or broken, only these tests say so.
    return pytest.importorskip("lib.importer")


def _workbook_bytes() -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Company", "Notes"])
    for n in range(30):
        sheet.append([f"Person {n}", f"Org {n}", HTML_IMG if n % 2 else MD_LINK])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_WORKBOOK: list[bytes] = []


def workbook() -> bytes:
    if not _WORKBOOK:
        _WORKBOOK.append(_workbook_bytes())
    return _WORKBOOK[0]


def _cut(data_and_fraction) -> bytes:
    data, fraction = data_and_fraction
    return data[:max(1, int(len(data) * fraction))]


@settings(BOUNDED, max_examples=80)
@given(name=st.sampled_from(["tracker.csv", "tracker.xlsx", "export.zip", "notes.txt",
                             "old.xls", "noextension", "TRACKER.CSV", "x.xlsx.csv"]),
       kind=st.sampled_from(["binary", "text", "truncated-xlsx", "zip-prefix", "xlsx"]),
       blob=st.binary(max_size=3000), text=hostile_text(2000),
       fraction=st.floats(0.0, 0.999))
def test_any_uploaded_file_is_read_or_refused_with_a_message(name, kind, blob, text, fraction):
    importer = _importer()
    data = {
        "binary": blob,
        "text": text.encode("utf-8", "surrogatepass"),
        "truncated-xlsx": _cut((workbook(), fraction)),
        "zip-prefix": b"PK\x03\x04" + blob,
        "xlsx": workbook(),
    }[kind]
    try:
        upload = importer.read_upload(name, data)
    except importer.ImportFileError as problem:
        assert len(str(problem).strip()) > 10
        assert "Traceback" not in str(problem)
        event("refused")
        return
    event("read")
    assert upload.kind in ("tracker", "linkedin", "export")
    for table in upload.tables.values():
        assert all(len(row) == len(table.headers) for row in table.rows)  # never shifted
        for problem in table.bad_rows:
            assert problem.message.strip()
        mapping = importer.guess_mapping(table.headers)
        assert len(mapping) == len(table.headers)
        importer.mapping_problems(mapping)


def _csv_bytes(rows: list[tuple[str, str, str]]) -> bytes:
    import csv
    import io

    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["Name", "Company", "Notes"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _no_surrogates(text: str) -> str:
    # A file's decoded text never holds a lone surrogate (it is not valid UTF-8).
    return "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF)


cell_text = st.builds(_no_surrogates, mostly_kept(400))


@BOUNDED
@given(rows=st.lists(st.tuples(cell_text, cell_text, cell_text), min_size=1, max_size=5))
@example(rows=[("**bold** <b>x</b>", SQL_DROP, MD_LINK),
               (HTML_IMG, "=HYPERLINK(\"http://evil\")", "line 1\r\nline 2\n"),
               ("bad\x07name", "Org", "note"), ("", "No name", "x"),
               ("**BOLD** <b>x</b> ", SQL_DROP, "same person again")])
@example(rows=[("Ada", "Org", "has a NUL \x00 inside")])
def test_csv_import_stores_each_row_as_typed_or_skips_it_whole(con, user, rows):
    importer = _importer()
    data = _csv_bytes(rows)
    before = all_counts(con)
    try:
        upload = importer.read_upload("tracker.csv", data)
    except importer.ImportFileError as problem:
        assert any("\x00" in cell for row in rows for cell in row), str(problem)
        assert "NUL" in str(problem)
        assert all_counts(con) == before
        event("file refused")
        return
    mapping = importer.guess_mapping(upload.table.headers)
    assert mapping == ["name", "organization", "notes"]
    plan = importer.plan_rows(upload, mapping, importer.ExistingRecords(), today=TODAY)

    # The oracle: the form's rules, row by row; a row with any refused cell is skipped whole.
    expected: dict[tuple[str, str], tuple[str, str | None, str | None]] = {}
    skipped = 0
    for name, organization, notes in rows:
        if not any(cell.strip() for cell in (name, organization, notes)):
            continue  # a blank line: not a row at all
        cells = (expected_text(name, max_len=NAME_MAX, required=True),
                 expected_text(organization, max_len=NAME_MAX),
                 expected_text(notes, max_len=NOTES_MAX, multiline=True))
        if REFUSED in cells:
            skipped += 1
            continue
        key = (cells[0].lower(), (cells[1] or "").lower())
        expected.setdefault(key, cells)  # the same person twice: the first row's contact
    assert len(plan.skipped) == skipped
    for row in plan.skipped:
        assert row.problems and all(p.strip() for p in row.problems)

    counts = plan.counts
    with db.reading(con) as cur:
        last_id = cur.execute("SELECT coalesce(max(id), 0) FROM contacts").fetchone()[0]
    store.write_batch(con, user, plan.batch)
    grown = grew_by(before, all_counts(con))
    assert grown == ({"contacts": len(expected)} if expected else {})
    assert counts["contacts"] == len(expected)
    stored = {}
    for contact_id in queries.contact_pipeline(con, user)["id"]:
        if contact_id <= last_id:
            continue  # stored by an earlier example
        record = queries.contact_record(con, user, int(contact_id))
        stored[(record["name"].lower(), (record["organization"] or "").lower())] = (
            record["name"], record["organization"], record["notes"])
    for key, cells in expected.items():
        assert stored.get(key) == cells, (key, stored.get(key))
    event("stored" if expected else "nothing to store")

    # Importing the same file again recognises every row and stores nothing.
    with db.reading(con) as cur:
        existing = importer.ExistingRecords.from_rows(
            cur.execute("SELECT id, name, organization FROM contacts WHERE user_id = ?"
                        " AND id > ?", [user, last_id]).fetchall(), [], [])
    again = importer.plan_rows(importer.read_upload("tracker.csv", data), mapping, existing,
                               today=TODAY)
    assert again.batch.contacts == [] and len(again.skipped) == skipped
