"""lib.store: every write, its transaction, its once-only submission, and user isolation."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from lib import db, queries, store
from lib.queries import Filters
from lib.validation import (
    ContactInput,
    ConversationInput,
    InsightInput,
    ReferralInput,
    ResponseInput,
    clean_contact,
    clean_outreach,
    clean_response,
)

D = dt.date


def counts(con, user):
    return queries.table_counts(con, user)


def contact_row(fetch, contact_id):
    rows = fetch("SELECT name, organization, title, industry, industry_other, how_found, email,"
                 " profile_url, priority, notes, referred_by_contact_id,"
                 " referred_in_conversation_id, created_on FROM contacts WHERE id = ?",
                 contact_id)
    return rows[0] if rows else None


# --- users -----------------------------------------------------------------------------------

def test_local_profile_created_once(con, fetch):
    first = store.ensure_local_profile(con)
    assert store.ensure_local_profile(con) == first
    assert fetch("SELECT id, display_name, role, weekly_goal FROM users") == [
        (first, "Me", "student", 5)]


def test_weekly_goal_saved(con, user):
    store.set_weekly_goal(con, user, 8)
    assert queries.user_profile(con, user)["weekly_goal"] == 8
    with pytest.raises(duckdb.ConstraintException):
        store.set_weekly_goal(con, user, 101)  # the CHECK backs up validation
    assert queries.user_profile(con, user)["weekly_goal"] == 8


# --- contacts --------------------------------------------------------------------------------

def test_add_contact_stores_every_field(con, user, fetch):
    cleaned = clean_contact({
        "name": " Ada Lovelace ", "organization": "Engines Ltd", "title": "Analyst",
        "industry": "Other", "industry_other": "Computing", "how_found": "event",
        "email": "ada@example.org", "profile_url": "https://example.org/ada",
        "priority": "great", "notes": "Met at the fair\nlikes maths"})
    saved = store.add_contact(con, user, cleaned, created_on=D(2026, 3, 1))
    assert saved.created is True
    assert contact_row(fetch, saved.id) == (
        "Ada Lovelace", "Engines Ltd", "Analyst", "Other", "Computing", "event",
        "ada@example.org", "https://example.org/ada", "great", "Met at the fair\nlikes maths",
        None, None, D(2026, 3, 1))


def test_add_contact_defaults_created_on_to_today(con, user, fetch):
    saved = store.add_contact(con, user, clean_contact({"name": "Ada"}))
    assert fetch("SELECT created_on FROM contacts WHERE id = ?", saved.id) == [(dt.date.today(),)]


def test_update_contact(build, con, user, fetch):
    ada = build.contact("Ada", organization="Engines", created_on=D(2026, 3, 1))
    store.update_contact(con, user, ada, clean_contact({
        "name": "Ada King", "organization": None, "industry": "Education",
        "how_found": "linkedin", "priority": "curious", "email": "ada@king.org"}))
    assert contact_row(fetch, ada) == ("Ada King", None, None, "Education", None, "linkedin",
                                       "ada@king.org", None, "curious", None, None, None,
                                       D(2026, 3, 1))


def test_update_contact_that_has_outreach_and_conversations(build, con, user, fetch):
    """DuckDB forbids updating some referenced rows; a contact with children must still edit."""
    ada = build.contact("Ada")
    build.outreach(ada, "2026-03-02")
    build.conversation(ada, held_on="2026-03-05")
    store.update_contact(con, user, ada, clean_contact({"name": "Ada K", "industry": "Law"}))
    assert fetch("SELECT name, industry FROM contacts WHERE id = ?", ada) == [("Ada K", "Law")]


def test_update_missing_contact_is_not_found(con, user):
    with pytest.raises(store.NotFound):
        store.update_contact(con, user, 999, clean_contact({"name": "Nobody"}))


def test_find_duplicate_contact(build, con, user):
    ada = build.contact("Ada Lovelace", organization="Engines Ltd")
    build.contact("Ada Lovelace", organization="Other Org")
    assert store.find_duplicate_contact(con, user, "  ada lovelace ", "ENGINES LTD") == ada
    assert store.find_duplicate_contact(con, user, "Ada Lovelace", "Engines Ltd",
                                        exclude_id=ada) is None
    assert store.find_duplicate_contact(con, user, "Ada Lovelace", None) is None
    solo = build.contact("Grace", organization=None)
    assert store.find_duplicate_contact(con, user, "grace", "") == solo


def _contact_with_history(build):
    """Ada: two messages, a conversation with questions, insights and a referral (Grace)."""
    ada = build.contact("Ada")
    first = build.outreach(ada, "2026-03-02")
    build.outreach(ada, "2026-03-09")
    build.respond(first, "2026-03-03")
    talk = build.conversation(ada, held_on="2026-03-10", questions=["Q1", "Q2"],
                              insights=[{"category": "trend", "text": "T"},
                                        {"category": "advice", "text": "A"}],
                              referrals=[{"name": "Grace", "organization": "Navy"}])
    return ada, talk


def test_delete_contact_with_its_records(build, con, user, fetch):
    ada, talk = _contact_with_history(build)
    bob = build.contact("Bob")
    bob_out = build.outreach(bob, "2026-03-04")
    (grace,) = [r[0] for r in fetch("SELECT id FROM contacts WHERE name = 'Grace'")]

    store.delete_contact(con, user, ada)

    assert fetch("SELECT id FROM contacts WHERE id = ?", ada) == []
    assert fetch("SELECT id FROM outreach ORDER BY id") == [(bob_out,)]
    assert fetch("SELECT count(*) FROM conversations") == [(0,)]
    assert fetch("SELECT count(*) FROM insights") == [(0,)]
    assert fetch("SELECT count(*) FROM conversation_questions") == [(0,)]
    # the person Ada referred survives, no longer pointing at deleted records
    assert fetch("SELECT name, referred_by_contact_id, referred_in_conversation_id, how_found"
                 " FROM contacts WHERE id = ?", grace) == [("Grace", None, None, "referral")]
    assert sorted(r[0] for r in fetch("SELECT name FROM contacts")) == ["Bob", "Grace"]


def test_delete_contact_moving_records_to_another(build, con, user, fetch):
    ada, talk = _contact_with_history(build)
    dup = build.contact("Ada (duplicate)")
    (grace,) = [r[0] for r in fetch("SELECT id FROM contacts WHERE name = 'Grace'")]
    outreach_ids = [r[0] for r in fetch("SELECT id FROM outreach ORDER BY id")]

    store.delete_contact(con, user, ada, move_to=dup)

    assert fetch("SELECT id FROM contacts WHERE id = ?", ada) == []
    assert fetch("SELECT id, contact_id FROM outreach ORDER BY id") == [
        (i, dup) for i in outreach_ids]
    # the conversation moves whole: same id, same fields, questions, insights and referral
    (moved,) = fetch("SELECT id, contact_id, held_on, format, duration_min FROM conversations")
    assert moved[1:] == (dup, D(2026, 3, 10), "video", 30)
    assert queries.conversation_questions(con, user, moved[0]) == ["Q1", "Q2"]
    assert fetch("SELECT category, text FROM insights WHERE conversation_id = ?"
                 " ORDER BY position", moved[0]) == [("trend", "T"), ("advice", "A")]
    assert fetch("SELECT referred_by_contact_id, referred_in_conversation_id FROM contacts"
                 " WHERE id = ?", grace) == [(dup, moved[0])]
    assert counts(con, user) == {"contacts": 2, "outreach": 2, "conversations": 1,
                                 "insights": 2}
    assert list(queries.contact_pipeline(con, user)["referrals_given"]) == [1, 0]


def test_resent_conversation_after_a_merge_still_finds_its_record(build, con, user, fetch):
    ada = build.contact("Ada")
    dup = build.contact("Ada (duplicate)")
    conv = build.conversation_input("2026-03-10", insights=[{"category": "trend", "text": "T"}])
    store.log_conversation(con, user, conv, contact_id=ada, submission_id="c-1")
    store.delete_contact(con, user, ada, move_to=dup)
    again = store.log_conversation(con, user, conv, contact_id=ada, submission_id="c-1")
    assert again == store.Saved(fetch("SELECT id FROM conversations")[0][0], False)
    assert counts(con, user)["conversations"] == 1


def test_delete_that_fails_midway_changes_nothing(build, con, user, fetch, monkeypatch):
    """One transaction: a failure after the children went leaves every row in place."""
    ada, talk = _contact_with_history(build)
    before = counts(con, user)
    real = store._delete_conversations

    def fail_after_deleting(cur, *args):
        real(cur, *args)
        raise duckdb.TransactionException("interrupted")

    monkeypatch.setattr(store, "_delete_conversations", fail_after_deleting)
    with pytest.raises(duckdb.TransactionException):
        store.delete_contact(con, user, ada)
    assert counts(con, user) == before
    assert fetch("SELECT count(*) FROM contacts WHERE id = ?", ada) == [(1,)]
    monkeypatch.setattr(store, "_delete_conversations", real)
    store.delete_contact(con, user, ada)
    assert fetch("SELECT count(*) FROM contacts WHERE id = ?", ada) == [(0,)]
    assert counts(con, user) == {"contacts": 1, "outreach": 0, "conversations": 0,
                                 "insights": 0}
    assert db.integrity_problems(con) == {}


def test_moved_messages_are_renumbered_by_date(build, con, user, fetch):
    """Merging a duplicate: two first messages become attempts 1 and 2 of one contact, so a
    follow-up is recognised as one."""
    ada = build.contact("Ada")
    dup = build.contact("Ada again")
    build.outreach(ada, "2026-03-02")
    build.outreach(dup, "2026-03-04")
    build.outreach(dup, "2026-03-06")
    store.delete_contact(con, user, dup, move_to=ada)
    assert fetch("SELECT sent_on, attempt FROM outreach ORDER BY sent_on") == [
        (D(2026, 3, 2), 1), (D(2026, 3, 4), 2), (D(2026, 3, 6), 3)]
    build.outreach(ada, "2026-03-09")
    assert fetch("SELECT max(attempt), count(*) FROM outreach") == [(4, 4)]


def test_delete_contact_move_to_itself_refused(build, con, user):
    ada = build.contact("Ada")
    with pytest.raises(ValueError):
        store.delete_contact(con, user, ada, move_to=ada)
    assert counts(con, user)["contacts"] == 1


def test_delete_contact_move_to_missing_contact_changes_nothing(build, con, user, fetch):
    ada, _ = _contact_with_history(build)
    before = fetch("SELECT * FROM outreach ORDER BY id")
    with pytest.raises(store.NotFound):
        store.delete_contact(con, user, ada, move_to=12345)
    assert fetch("SELECT * FROM outreach ORDER BY id") == before
    assert fetch("SELECT count(*) FROM contacts WHERE id = ?", ada) == [(1,)]


def test_delete_contact_that_was_referred(build, con, user, fetch):
    ada, talk = _contact_with_history(build)
    (grace,) = [r[0] for r in fetch("SELECT id FROM contacts WHERE name = 'Grace'")]
    store.delete_contact(con, user, grace)
    assert fetch("SELECT count(*) FROM contacts") == [(1,)]
    assert fetch("SELECT count(*) FROM conversations WHERE id = ?", talk) == [(1,)]


# --- submissions: stored once ----------------------------------------------------------------

def test_contact_submission_stored_once(con, user):
    cleaned = clean_contact({"name": "Ada"})
    first = store.add_contact(con, user, cleaned, submission_id="sub-1")
    again = store.add_contact(con, user, cleaned, submission_id="sub-1")
    assert (first.created, again.created) == (True, False)
    assert again.id == first.id
    assert counts(con, user)["contacts"] == 1
    other = store.add_contact(con, user, cleaned, submission_id="sub-2")
    assert other.created and other.id != first.id


def test_outreach_submission_stored_once(build, con, user):
    ada = build.contact("Ada")
    cleaned = clean_outreach({"contact_id": ada, "sent_on": "2026-03-02", "channel": "email"},
                             today=build.today)
    first = store.log_outreach(con, user, cleaned, submission_id="o-1")
    again = store.log_outreach(con, user, cleaned, submission_id="o-1")
    assert again == store.Saved(first.id, False)
    assert counts(con, user)["outreach"] == 1


def test_conversation_submission_stored_once_with_its_children(build, con, user, fetch):
    conv = build.conversation_input("2026-03-10", questions="Q1\nQ2",
                                    insights=[{"category": "trend", "text": "T"}],
                                    referrals=[{"name": "Grace"}])
    new = clean_contact({"name": "Ada", "industry": "Education"})
    first = store.log_conversation(con, user, conv, new_contact=new, submission_id="c-1")
    again = store.log_conversation(con, user, conv, new_contact=new, submission_id="c-1")
    assert again == store.Saved(first.id, False)
    assert counts(con, user) == {"contacts": 2, "outreach": 0, "conversations": 1, "insights": 1}
    assert fetch("SELECT count(*) FROM conversation_questions") == [(2,)]
    assert fetch("SELECT id, user_id, kind, record_id FROM submissions") == [
        ("c-1", user, "conversation", first.id)]


def test_without_submission_id_each_call_stores(con, user):
    cleaned = clean_contact({"name": "Ada"})
    store.add_contact(con, user, cleaned)
    store.add_contact(con, user, cleaned)
    assert counts(con, user)["contacts"] == 2


# --- outreach --------------------------------------------------------------------------------

def test_attempts_are_numbered_per_contact(build, fetch):
    ada = build.contact("Ada")
    bob = build.contact("Bob")
    a1 = build.outreach(ada, "2026-03-02")
    b1 = build.outreach(bob, "2026-03-03")
    a2 = build.outreach(ada, "2026-03-09", "linkedin")
    a3 = build.outreach(ada, "2026-03-16", "phone")
    assert fetch("SELECT id, attempt, outcome FROM outreach ORDER BY id") == [
        (a1, 1, "pending"), (b1, 1, "pending"), (a2, 2, "pending"), (a3, 3, "pending")]


def test_message_logged_late_is_numbered_by_date(build, fetch):
    ada = build.contact("Ada")
    follow_up = build.outreach(ada, "2026-03-09")
    first = build.outreach(ada, "2026-03-02")  # the first message, logged afterwards
    assert fetch("SELECT id, attempt FROM outreach ORDER BY sent_on") == [(first, 1),
                                                                         (follow_up, 2)]


def test_deleting_a_message_keeps_attempts_unique(build, con, user, fetch):
    ada = build.contact("Ada")
    first = build.outreach(ada, "2026-03-02")
    build.outreach(ada, "2026-03-09")
    store.delete_outreach(con, user, first)
    build.outreach(ada, "2026-03-16")
    attempts = [r[0] for r in fetch("SELECT attempt FROM outreach ORDER BY sent_on")]
    assert attempts == [1, 2]


def test_record_and_clear_response(build, con, user, fetch):
    ada = build.contact("Ada")
    out = build.outreach(ada, "2026-03-02")
    build.respond(out, "2026-03-05", "declined")
    assert fetch("SELECT response_on, outcome FROM outreach") == [(D(2026, 3, 5), "declined")]
    store.clear_response(con, user, out)
    assert fetch("SELECT response_on, outcome FROM outreach") == [(None, "pending")]
    assert store.outreach_sent_on(con, user, out) == D(2026, 3, 2)


def test_response_before_sending_is_refused_by_the_database(build, con, user, fetch):
    ada = build.contact("Ada")
    out = build.outreach(ada, "2026-03-10")
    with pytest.raises(duckdb.ConstraintException):
        store.record_response(con, user, out, ResponseInput(D(2026, 3, 9), "accepted"))
    assert fetch("SELECT response_on, outcome FROM outreach") == [(None, "pending")]


def test_outreach_to_missing_contact_is_not_found(con, user):
    cleaned = clean_outreach({"contact_id": 404, "sent_on": "2026-03-02", "channel": "email"},
                             today=dt.date(2026, 3, 20))
    with pytest.raises(store.NotFound):
        store.log_outreach(con, user, cleaned)
    assert counts(con, user)["outreach"] == 0


# --- conversations ---------------------------------------------------------------------------

def test_log_conversation_with_new_contact_creates_everything(con, user, fetch):
    from tests.unit.conftest import Builder

    build = Builder(con, user)
    talk = build.conversation(
        held_on="2026-03-10",
        new_contact={"name": "Ada", "organization": "Engines", "industry": "Education",
                     "how_found": "alumni", "priority": "dream"},
        duration_min=40, questions="How did you start?\nWhat do you wish you knew?",
        insights=[{"category": "trend", "text": "Remote teaching grows"},
                  {"category": "resource", "text": "Read EdSurge"}],
        referrals=[{"name": "Grace", "organization": "Navy", "title": "Admiral"},
                   {"name": "Linus"}],
        clarity_before=2, clarity_after=4, thank_you_on="2026-03-11", share_insights=True,
        next_steps="Email Grace", reflection="Teaching is closer than I thought")

    (ada,) = fetch("SELECT id, name, how_found, created_on, referred_by_contact_id FROM contacts"
                   " WHERE name = 'Ada'")
    assert ada[1:] == ("Ada", "alumni", D(2026, 3, 10), None)
    assert fetch("SELECT contact_id, held_on, format, duration_min, clarity_before,"
                 " clarity_after, thank_you_on, share_insights, next_steps, reflection"
                 " FROM conversations WHERE id = ?", talk) == [
        (ada[0], D(2026, 3, 10), "video", 40, 2, 4, D(2026, 3, 11), True, "Email Grace",
         "Teaching is closer than I thought")]
    assert queries.conversation_questions(con, user, talk) == [
        "How did you start?", "What do you wish you knew?"]
    assert fetch("SELECT position, category, text, user_id FROM insights ORDER BY position") == [
        (0, "trend", "Remote teaching grows", user), (1, "resource", "Read EdSurge", user)]
    assert fetch("SELECT name, organization, title, industry, how_found, priority,"
                 " referred_by_contact_id, referred_in_conversation_id, created_on"
                 " FROM contacts WHERE how_found = 'referral' ORDER BY name") == [
        ("Grace", "Navy", "Admiral", "Education", "referral", "great", ada[0], talk,
         D(2026, 3, 10)),
        ("Linus", None, None, "Education", "referral", "great", ada[0], talk, D(2026, 3, 10))]


def test_log_conversation_with_existing_contact(build, con, user, fetch):
    ada = build.contact("Ada", industry="Other", industry_other="Space")
    talk = build.conversation(ada, held_on="2026-03-10", referrals=[{"name": "Grace"}])
    assert fetch("SELECT contact_id FROM conversations WHERE id = ?", talk) == [(ada,)]
    assert fetch("SELECT industry, industry_other, referred_by_contact_id FROM contacts"
                 " WHERE name = 'Grace'") == [("Other", "Space", ada)]
    assert counts(con, user)["contacts"] == 2


def test_log_conversation_needs_exactly_one_contact(build, con, user):
    ada = build.contact("Ada")
    conv = build.conversation_input("2026-03-10")
    with pytest.raises(ValueError):
        store.log_conversation(con, user, conv)
    with pytest.raises(ValueError):
        store.log_conversation(con, user, conv, contact_id=ada,
                               new_contact=clean_contact({"name": "Bob"}))
    assert counts(con, user)["conversations"] == 0


def _broken_conversation(**changes) -> ConversationInput:
    """Built directly, bypassing validation, so the database has to refuse it."""
    fields = dict(held_on=D(2026, 3, 10), format="video", duration_min=30,
                  questions=("Q1", "Q2"),
                  insights=(InsightInput("trend", "T"),),
                  referrals=(ReferralInput("Grace", "Navy", None),),
                  thank_you_on=D(2026, 3, 11))
    fields.update(changes)
    return ConversationInput(**fields)


@pytest.mark.parametrize("broken", [
    _broken_conversation(thank_you_on=D(2026, 3, 9)),       # fails at the conversation
    _broken_conversation(insights=(InsightInput("trend", "ok"),
                                   InsightInput("gossip", "no such category"))),
    _broken_conversation(clarity_after=9),
], ids=["thank-you-before-held", "bad-insight-category", "clarity-out-of-range"])
def test_failed_conversation_with_new_contact_leaves_nothing(con, user, fetch, broken):
    new = clean_contact({"name": "Ada", "industry": "Education"})
    with pytest.raises(duckdb.ConstraintException):
        store.log_conversation(con, user, broken, new_contact=new, submission_id="fails")
    assert counts(con, user) == {"contacts": 0, "outreach": 0, "conversations": 0,
                                 "insights": 0}
    assert fetch("SELECT count(*) FROM conversation_questions") == [(0,)]
    assert fetch("SELECT count(*) FROM submissions") == [(0,)]
    # the same submission id works once the input is fixed
    fixed = _broken_conversation()
    saved = store.log_conversation(con, user, fixed, new_contact=new, submission_id="fails")
    assert saved.created
    assert counts(con, user)["contacts"] == 2


def test_thank_you_set_and_cleared(build, con, user, fetch):
    ada = build.contact("Ada")
    talk = build.conversation(ada, held_on="2026-03-10")
    store.set_thank_you(con, user, talk, D(2026, 3, 11))
    assert fetch("SELECT thank_you_on FROM conversations") == [(D(2026, 3, 11),)]
    store.set_thank_you(con, user, talk, None)
    assert fetch("SELECT thank_you_on FROM conversations") == [(None,)]
    with pytest.raises(duckdb.ConstraintException):
        store.set_thank_you(con, user, talk, D(2026, 3, 9))
    assert fetch("SELECT thank_you_on FROM conversations") == [(None,)]


def test_delete_conversation_keeps_the_contacts(build, con, user, fetch):
    ada, talk = _contact_with_history(build)
    store.delete_conversation(con, user, talk)
    assert counts(con, user) == {"contacts": 2, "outreach": 2, "conversations": 0,
                                 "insights": 0}
    assert fetch("SELECT count(*) FROM conversation_questions") == [(0,)]
    assert fetch("SELECT referred_by_contact_id, referred_in_conversation_id FROM contacts"
                 " WHERE name = 'Grace'") == [(ada, None)]


# --- isolation between students --------------------------------------------------------------

@pytest.fixture
def a_records(build):
    ada, talk = _contact_with_history(build)
    (out,) = [r for r in [build.outreach(ada, "2026-03-16")]]
    return {"contact": ada, "conversation": talk, "outreach": out}


def test_other_student_cannot_change_my_records(con, user, other_user, a_records, fetch):
    before = {t: fetch(f"SELECT * FROM {t} ORDER BY ALL")
              for t in ("contacts", "outreach", "conversations", "insights",
                        "conversation_questions")}
    b = other_user
    mine = a_records
    attempts = [
        lambda: store.update_contact(con, b, mine["contact"], clean_contact({"name": "Hacked"})),
        lambda: store.delete_contact(con, b, mine["contact"]),
        lambda: store.log_outreach(con, b, clean_outreach(
            {"contact_id": mine["contact"], "sent_on": "2026-03-17", "channel": "email"},
            today=D(2026, 3, 20))),
        lambda: store.log_conversation(con, b, _broken_conversation(),
                                       contact_id=mine["contact"]),
        lambda: store.record_response(con, b, mine["outreach"],
                                      clean_response({"response_on": "2026-03-17",
                                                      "outcome": "declined"},
                                                     sent_on=D(2026, 3, 16),
                                                     today=D(2026, 3, 20))),
        lambda: store.clear_response(con, b, mine["outreach"]),
        lambda: store.delete_outreach(con, b, mine["outreach"]),
        lambda: store.outreach_sent_on(con, b, mine["outreach"]),
        lambda: store.set_thank_you(con, b, mine["conversation"], D(2026, 3, 12)),
        lambda: store.delete_conversation(con, b, mine["conversation"]),
    ]
    for i, attempt in enumerate(attempts):
        with pytest.raises(store.NotFound):
            attempt()
    after = {t: fetch(f"SELECT * FROM {t} ORDER BY ALL") for t in before}
    assert after == before
    assert queries.table_counts(con, b) == {"contacts": 0, "outreach": 0, "conversations": 0,
                                            "insights": 0}


def test_cannot_move_my_records_to_another_students_contact(con, user, build_other, a_records,
                                                            fetch):
    theirs = build_other.contact("Theirs")
    with pytest.raises(store.NotFound):
        store.delete_contact(con, user, a_records["contact"], move_to=theirs)
    assert fetch("SELECT count(*) FROM outreach WHERE contact_id = ?", theirs) == [(0,)]
    assert fetch("SELECT count(*) FROM contacts WHERE id = ?", a_records["contact"]) == [(1,)]


def test_other_students_queries_return_none_of_my_rows(con, user, other_user, build_other,
                                                      a_records):
    b = other_user
    theirs = build_other.contact("Bea", industry="Law")
    build_other.outreach(theirs, "2026-03-03")
    everything = Filters()
    assert list(queries.contact_pipeline(con, b)["name"]) == ["Bea"]
    assert list(queries.pending_outreach(con, b)["name"]) == ["Bea"]
    assert list(queries.outreach_log(con, b, everything)["contact_id"]) == [theirs]
    assert queries.conversation_log(con, b, everything).empty
    assert list(queries.weekly_activity(con, b, everything)["count"]) == [1]
    assert queries.insights_by_industry_category(con, b, everything).empty
    assert queries.insight_list(con, b).empty
    assert queries.insight_list(con, b, search="T").empty
    assert queries.contact_industries(con, b) == ["Law"]
    assert queries.activity_bounds(con, b) == (D(2026, 3, 3), D(2026, 3, 3))
    assert queries.contact_record(con, b, a_records["contact"]) is None
    assert queries.contact_outreach(con, b, a_records["contact"]).empty
    assert queries.contact_conversations(con, b, a_records["contact"]).empty
    assert queries.conversation_questions(con, b, a_records["conversation"]) == []
    assert store.find_duplicate_contact(con, b, "Ada", "Engines Ltd") is None
    # and A still sees only A's
    assert "Bea" not in set(queries.contact_pipeline(con, user)["name"])
    assert queries.has_records(con, user) and queries.has_records(con, b)


def test_a_reused_submission_id_never_hands_over_another_students_record(con, user,
                                                                         other_user):
    mine = store.add_contact(con, user, clean_contact({"name": "Ada"}), submission_id="same")
    try:
        theirs = store.add_contact(con, other_user, clean_contact({"name": "Bea"}),
                                   submission_id="same")
    except duckdb.ConstraintException:
        theirs = None
    assert theirs is None or theirs.id != mine.id
    assert queries.contact_record(con, other_user, mine.id) is None


def _batch(build, today=D(2026, 3, 20)):
    from lib.validation import clean_contact, clean_conversation, clean_outreach, clean_response
    ada = clean_contact({"name": "Ada", "organization": "Engines", "industry": "Technology"})
    bob = clean_contact({"name": "Bob", "organization": "Looms", "industry": "Manufacturing"})
    sent = [clean_outreach({"contact_id": 0, "sent_on": d, "channel": "email"}, today=today)
            for d in ("2026-03-09", "2026-03-02")]
    talk = clean_conversation({"held_on": "2026-03-12", "format": "video", "duration_min": 30,
                               "questions": "Q1\nQ2", "insights": [
                                   {"category": "trend", "text": "T"},
                                   {"category": "advice", "text": "A"}]}, today=today)
    return store.Batch(
        contacts=[store.BatchContact("ada", ada, D(2026, 3, 1)),
                  store.BatchContact("bob", bob, D(2026, 3, 12), referred_by="ada",
                                     referred_in="talk")],
        outreach=[store.BatchOutreach("ada", sent[0], clean_response(
                      {"response_on": "2026-03-10", "outcome": "accepted"},
                      sent_on=D(2026, 3, 9), today=today)),
                  store.BatchOutreach("ada", sent[1])],
        conversations=[store.BatchConversation("talk", "ada", talk)])


def test_write_batch_stores_everything_linked_and_numbered(build, con, user, fetch):
    counts_stored = store.write_batch(con, user, _batch(build), submission_id="b-1")
    assert counts_stored == {"contacts": 2, "outreach": 2, "conversations": 1, "insights": 2}
    assert counts(con, user) == {"contacts": 2, "outreach": 2, "conversations": 1,
                                 "insights": 2}
    assert fetch("SELECT sent_on, attempt, outcome FROM outreach ORDER BY sent_on") == [
        (D(2026, 3, 2), 1, "pending"), (D(2026, 3, 9), 2, "accepted")]
    pipeline = queries.contact_pipeline(con, user).set_index("name")
    assert pipeline.loc["Bob", "referred_by_contact_id"] == pipeline.loc["Ada", "id"]
    assert pipeline.loc["Ada", "referrals_given"] == 1
    (conv,) = fetch("SELECT id FROM conversations")
    assert queries.conversation_questions(con, user, conv[0]) == ["Q1", "Q2"]
    assert fetch("SELECT referred_in_conversation_id FROM contacts WHERE name = 'Bob'") == [
        (conv[0],)]
    # A resend of the same batch stores nothing.
    assert store.write_batch(con, user, _batch(build), submission_id="b-1") == {
        "contacts": 0, "outreach": 0, "conversations": 0, "insights": 0}
    assert counts(con, user)["contacts"] == 2
    assert db.integrity_problems(con) == {}


def test_write_batch_is_all_or_nothing(build, con, user):
    import dataclasses
    batch = _batch(build)
    bad = dataclasses.replace(batch.conversations[0].conversation, thank_you_on=D(2026, 3, 1))
    batch.conversations[0] = store.BatchConversation("talk", "ada", bad)  # breaks a CHECK
    with pytest.raises(duckdb.ConstraintException):
        store.write_batch(con, user, batch)
    assert counts(con, user) == {"contacts": 0, "outreach": 0, "conversations": 0,
                                 "insights": 0}


def test_write_batch_refuses_another_users_contact(build, con, user, other_user):
    theirs = store.add_contact(con, other_user, build.contact_input("Eve")).id \
        if hasattr(build, "contact_input") else None
    if theirs is None:
        from lib.validation import clean_contact
        theirs = store.add_contact(con, other_user, clean_contact({"name": "Eve"})).id
    batch = _batch(build)
    batch.outreach.append(store.BatchOutreach(theirs, batch.outreach[0].outreach))
    with pytest.raises(store.NotFound):
        store.write_batch(con, user, batch)
    assert counts(con, user)["contacts"] == 0
