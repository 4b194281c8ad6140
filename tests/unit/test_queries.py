"""lib.queries on the hand-built sample (see conftest.build_sample; today = 2026-03-20)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib import queries
from lib.queries import Filters

D = dt.date

PIPELINE_COLUMNS = [
    "id", "name", "title", "organization", "industry", "industry_other", "how_found",
    "priority", "email", "profile_url", "created_on", "referred_by_contact_id", "attempts",
    "first_sent_on", "last_sent_on", "first_channel", "last_attempt", "first_response_on",
    "last_response_on", "accepted", "last_outcome", "latest_attempt_outcome", "conversations",
    "first_held_on", "last_held_on", "thanked", "last_thank_you_on", "referrals_given",
    "last_touch_on", "scheduled",
]


def day(value):
    """A frame cell as a date (None for NaT/None)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def by_name(frame: pd.DataFrame) -> dict[str, dict]:
    return {r["name"]: r for r in frame.to_dict("records")}


def weekly_rows(frame: pd.DataFrame) -> list[tuple]:
    return [(day(w), m, int(c)) for w, m, c in zip(frame["week"], frame["measure"],
                                                    frame["count"])]


# --- contact_pipeline ------------------------------------------------------------------------

def test_contact_pipeline_columns_and_order(con, user, sample):
    pipeline = queries.contact_pipeline(con, user)
    assert list(pipeline.columns) == PIPELINE_COLUMNS
    assert list(pipeline["name"]) == sorted(["Ida", "Carl", "Rita", "Hal", "Theo", "Ria", "Dee",
                                             "Nora", "Fay", "Wes", "Ula", "Zed"])


def test_contact_pipeline_values(con, user, sample):
    rows = by_name(queries.contact_pipeline(con, user))

    nora = rows["Nora"]
    assert (nora["attempts"], nora["last_attempt"], nora["first_channel"]) == (2, 2, "linkedin")
    assert (day(nora["first_sent_on"]), day(nora["last_sent_on"])) == (D(2026, 3, 2),
                                                                      D(2026, 3, 11))
    assert day(nora["first_response_on"]) is None
    assert nora["accepted"] is False or nora["accepted"] == False  # noqa: E712 (numpy bool)
    assert pd.isna(nora["last_outcome"])
    assert nora["latest_attempt_outcome"] == "pending"
    assert (nora["conversations"], nora["thanked"], nora["referrals_given"]) == (0, 0, 0)
    assert day(nora["last_touch_on"]) == D(2026, 3, 11)

    ria = rows["Ria"]
    assert (ria["attempts"], ria["conversations"], ria["thanked"], ria["referrals_given"]) == (
        1, 1, 1, 1)
    assert bool(ria["accepted"]) and ria["last_outcome"] == "accepted"
    assert (day(ria["first_held_on"]), day(ria["last_thank_you_on"])) == (D(2026, 3, 6),
                                                                         D(2026, 3, 7))
    assert day(ria["last_touch_on"]) == D(2026, 3, 7)

    dee = rows["Dee"]
    assert dee["last_outcome"] == "declined" and not bool(dee["accepted"])
    assert day(dee["first_response_on"]) == D(2026, 3, 6)

    wes = rows["Wes"]
    assert wes["first_channel"] == "in_person"  # the channel of the earliest message

    ida = rows["Ida"]
    assert (ida["attempts"], ida["conversations"]) == (0, 0)
    assert day(ida["last_touch_on"]) is None and pd.isna(ida["first_channel"])

    zed = rows["Zed"]
    assert (zed["how_found"], zed["referred_by_contact_id"], zed["industry"]) == (
        "referral", sample["Ria"], "Technology")


def test_contact_record_outreach_and_conversations(con, user, sample):
    record = queries.contact_record(con, user, sample["Fay"])
    assert (record["name"], record["organization"], record["industry"]) == (
        "Fay", "Fay Org", "Healthcare")
    history = queries.contact_outreach(con, user, sample["Fay"])
    assert list(history["attempt"]) == [1, 2]
    assert [day(d) for d in history["sent_on"]] == [D(2026, 3, 3), D(2026, 3, 12)]
    talks = queries.contact_conversations(con, user, sample["Theo"])
    assert [day(d) for d in talks["thank_you_on"]] == [D(2026, 3, 11)]


def test_pending_outreach_lists_each_waiting_contacts_latest_message_oldest_first(con, user, sample):
    pending = queries.pending_outreach(con, user)
    # A follow-up replaces the first message in the list; answered contacts drop out.
    assert [(r["name"], day(r["sent_on"]), r["attempt"]) for r in pending.to_dict("records")] == [
        ("Carl", D(2026, 3, 2), 1), ("Nora", D(2026, 3, 11), 2), ("Fay", D(2026, 3, 12), 2),
        ("Wes", D(2026, 3, 16), 2), ("Ula", D(2026, 3, 20), 1)]


def test_pending_outreach_skips_contacts_who_answered(build, con, user):
    ada = build.contact("Ada")
    first = build.outreach(ada, "2026-03-02")
    build.outreach(ada, "2026-03-09")
    assert list(queries.pending_outreach(con, user)["attempt"]) == [2]
    build.respond(first, "2026-03-10", "accepted")  # answered the first message after all
    assert queries.pending_outreach(con, user).empty


def test_small_lookups(con, user, sample):
    assert queries.has_records(con, user)
    assert queries.contact_industries(con, user) == ["Education", "Healthcare", "Law",
                                                     "Technology"]
    assert queries.activity_bounds(con, user) == (D(2026, 3, 2), D(2026, 3, 20))
    assert queries.table_counts(con, user) == {"contacts": 12, "outreach": 13,
                                               "conversations": 3, "insights": 6}
    assert queries.user_profile(con, user) == {"id": user, "display_name": "Me",
                                               "role": "student", "weekly_goal": 5}
    assert queries.user_profile(con, 999) is None


def test_empty_database(con, user):
    assert not queries.has_records(con, user)
    assert queries.activity_bounds(con, user) == (None, None)
    pipeline = queries.contact_pipeline(con, user)
    assert pipeline.empty and list(pipeline.columns) == PIPELINE_COLUMNS
    assert queries.weekly_activity(con, user, Filters()).empty
    assert queries.insight_list(con, user).empty


# --- logs with filters -----------------------------------------------------------------------

def test_outreach_log_date_range_and_industries(con, user, sample):
    log = queries.outreach_log(con, user, Filters(start=D(2026, 3, 9), end=D(2026, 3, 20),
                                                  industries=("Law", "Technology")))
    assert [(day(d), i) for d, i in zip(log["sent_on"], log["industry"])] == [
        (D(2026, 3, 11), "Technology"), (D(2026, 3, 15), "Law"), (D(2026, 3, 16), "Law"),
        (D(2026, 3, 20), "Law")]
    assert len(queries.outreach_log(con, user, Filters())) == 13
    # the range is inclusive at both ends
    assert len(queries.outreach_log(con, user, Filters(start=D(2026, 3, 20),
                                                       end=D(2026, 3, 20)))) == 1
    assert queries.outreach_log(con, user, Filters(industries=("Law",)))["contact_id"].tolist() \
        == [sample["Wes"], sample["Wes"], sample["Ula"]]


def test_conversation_log(con, user, sample):
    log = queries.conversation_log(con, user, Filters())
    assert list(log["name"]) == ["Hal", "Theo", "Ria"]  # newest first
    assert list(log["insights"]) == [2, 1, 3]
    assert list(log["referrals"]) == [0, 0, 1]
    only = queries.conversation_log(con, user, Filters(end=D(2026, 3, 9),
                                                       industries=("Healthcare",)))
    assert list(only["name"]) == ["Theo"]



def test_unthanked_conversations_newest_first_and_only_ones_own(con, user, sample, build_other):
    # Hal (03-10) has no thank-you; Theo and Ria were thanked.
    assert queries.unthanked_conversations(con, user) == [
        (queries.conversation_log(con, user, Filters())["id"].iloc[0], "Hal", D(2026, 3, 10))]
    other = build_other.contact("Hal")
    build_other.conversation(other, held_on=D(2026, 3, 12))
    assert [name for _, name, _ in queries.unthanked_conversations(con, user)] == ["Hal"]
    assert queries.unthanked_conversations(con, 999) == []


# --- weekly activity -------------------------------------------------------------------------

def test_weekly_activity_buckets_by_monday(con, user, sample):
    frame = queries.weekly_activity(con, user, Filters())
    assert list(frame.columns) == ["week", "measure", "count"]
    assert weekly_rows(frame) == [
        (D(2026, 3, 2), "Conversations held", 1),
        (D(2026, 3, 2), "Outreach sent", 8),
        (D(2026, 3, 2), "Responses received", 5),
        (D(2026, 3, 9), "Conversations held", 2),
        (D(2026, 3, 9), "Outreach sent", 3),    # Sunday 03-15 belongs to the week of 03-09
        (D(2026, 3, 16), "Outreach sent", 2),   # Monday 03-16 starts a new week
    ]
    assert all(day(w).weekday() == 0 for w in frame["week"])


def test_weekly_activity_filters(con, user, sample):
    week = queries.weekly_activity(con, user, Filters(start=D(2026, 3, 9), end=D(2026, 3, 15)))
    assert weekly_rows(week) == [(D(2026, 3, 9), "Conversations held", 2),
                                 (D(2026, 3, 9), "Outreach sent", 3)]
    health = queries.weekly_activity(con, user, Filters(industries=("Healthcare",)))
    assert weekly_rows(health) == [
        (D(2026, 3, 2), "Outreach sent", 3),
        (D(2026, 3, 2), "Responses received", 2),
        (D(2026, 3, 9), "Conversations held", 2),
        (D(2026, 3, 9), "Outreach sent", 1),
    ]
    # a response counts in the week it arrived, even if the message went out before the range
    responses = queries.weekly_activity(con, user, Filters(start=D(2026, 3, 4),
                                                           end=D(2026, 3, 4)))
    assert weekly_rows(responses) == [(D(2026, 3, 2), "Responses received", 2)]


# --- insights --------------------------------------------------------------------------------

def test_insights_by_industry_category(con, user, sample):
    frame = queries.insights_by_industry_category(con, user, Filters())
    assert list(frame.itertuples(index=False, name=None)) == [
        ("Healthcare", "advice", 2), ("Healthcare", "trend", 1),
        ("Technology", "advice", 1), ("Technology", "resource", 1), ("Technology", "trend", 1)]
    later = queries.insights_by_industry_category(con, user, Filters(start=D(2026, 3, 9)))
    assert list(later.itertuples(index=False, name=None)) == [
        ("Healthcare", "advice", 2), ("Healthcare", "trend", 1)]
    tech = queries.insights_by_industry_category(con, user, Filters(industries=("Technology",)))
    assert int(tech["insights"].sum()) == 3


def test_insight_list_order(con, user, sample):
    frame = queries.insight_list(con, user)
    assert list(frame["text"]) == ["Telehealth is growing", "Shadow a clinic",
                                   "Get certified early", "Read the SRE book",
                                   "Platform teams everywhere", "Learn SQL properly"]
    assert list(frame["contact"]) == ["Hal", "Hal", "Theo", "Ria", "Ria", "Ria"]


@pytest.mark.parametrize("kwargs,expected", [
    ({"industries": ["Technology"]},
     ["Read the SRE book", "Platform teams everywhere", "Learn SQL properly"]),
    ({"categories": ["advice"]},
     ["Shadow a clinic", "Get certified early", "Learn SQL properly"]),
    ({"categories": ["advice", "trend"], "industries": ["Healthcare"]},
     ["Telehealth is growing", "Shadow a clinic", "Get certified early"]),
    ({"search": "sql"}, ["Learn SQL properly"]),
    ({"search": "  SQL  "}, ["Learn SQL properly"]),
    ({"search": "THEO"}, ["Get certified early"]),          # matches the contact's name
    ({"search": "hal org"}, ["Telehealth is growing", "Shadow a clinic"]),  # organization
    ({"search": "' OR 1=1 --"}, []),
    ({"search": "'; DROP TABLE insights; --"}, []),
    ({"search": "%"}, []),
    ({"search": "_"}, []),
    ({"categories": ["gossip"]}, []),
])
def test_insight_list_filters(con, user, sample, kwargs, expected):
    assert list(queries.insight_list(con, user, **kwargs)["text"]) == expected
    assert queries.table_counts(con, user)["insights"] == 6  # nothing was dropped


def test_insight_list_by_contact(con, user, sample):
    frame = queries.insight_list(con, user, contact_id=sample["Theo"])
    assert list(frame["text"]) == ["Get certified early"]
    assert list(frame["conversation_id"]) == [sample["Theo talk"]]
    assert queries.insight_list(con, user, contact_id=sample["Ida"]).empty


def test_conversation_questions_in_order(build, con, user):
    ada = build.contact("Ada")
    talk = build.conversation(ada, held_on="2026-03-10", questions="Third?\nFirst?\nSecond?")
    assert queries.conversation_questions(con, user, talk) == ["Third?", "First?", "Second?"]


# --- records_version (the student dashboard's cache key) ---------------------------------------

def test_records_version_changes_with_any_write_of_the_student_only(con, user, other_user,
                                                                    sample, build_other, fetch):
    before = queries.records_version(con, user)
    assert queries.records_version(con, user) == before  # stable
    # Another student's records never change it.
    someone = build_other.contact("Other", industry="Law")
    build_other.outreach(someone, D(2026, 3, 1))
    assert queries.records_version(con, user) == before
    # An edit of one field of one row of each table changes it.
    for table, column, value in (
            ("contacts", "industry", "'Edited'"),
            ("outreach", "channel", "CASE WHEN channel = 'email' THEN 'linkedin' ELSE 'email' END"),
            ("conversations", "thank_you_on", "NULL"), ("insights", "text", "'Edited'")):
        (row_id,) = fetch(f"SELECT max(id) FROM {table} WHERE user_id = ?", user)[0]
        with con.cursor() as cur:
            cur.execute(f"UPDATE {table} SET {column} = {value} WHERE id = ?", [row_id])
        after = queries.records_version(con, user)
        assert after != before, table
        before = after
    # A delete too.
    (row_id,) = fetch("SELECT max(id) FROM insights WHERE user_id = ?", user)[0]
    with con.cursor() as cur:
        cur.execute("DELETE FROM insights WHERE id = ?", [row_id])
    assert queries.records_version(con, user) != before
