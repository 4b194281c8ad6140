"""lib.validation: every rule at its boundary, and messages that name the field."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import vocab
from lib.validation import (
    NAME_MAX,
    NOTES_MAX,
    ConversationInput,
    InsightInput,
    ReferralInput,
    ValidationError,
    clean_contact,
    clean_conversation,
    clean_outreach,
    clean_response,
    clean_thank_you,
    clean_weekly_goal,
    parse_date,
)

TODAY = dt.date(2026, 3, 20)
TOMORROW = TODAY + dt.timedelta(days=1)
YESTERDAY = TODAY - dt.timedelta(days=1)


def errors_of(fn, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        fn(*args, **kwargs)
    return info.value.errors


def contact(**raw):
    return clean_contact({"name": "Ada Lovelace", **raw})


def conversation(**raw):
    return clean_conversation({"held_on": TODAY, "format": "video", **raw}, today=TODAY)


# --- contact ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [None, "", "   ", "\t \n"])
def test_name_is_required(name):
    errors = errors_of(clean_contact, {"name": name})
    assert list(errors) == ["name"]
    assert errors["name"].startswith("Name is required")


def test_name_length_boundary():
    assert contact(name="x" * NAME_MAX).name == "x" * 120
    errors = errors_of(clean_contact, {"name": "x" * (NAME_MAX + 1)})
    assert "Name is 121 characters long" in errors["name"]
    assert "120 or fewer" in errors["name"]


def test_length_counts_after_trimming():
    assert contact(name="  " + "x" * 120 + "  ").name == "x" * 120


def test_text_fields_are_trimmed_and_empty_becomes_none():
    cleaned = contact(name="  Ada Lovelace \n", organization="  Engines Ltd  ", title="   ",
                      email="  ada@example.org ", notes="  line one\nline two  ")
    assert cleaned.name == "Ada Lovelace"
    assert cleaned.organization == "Engines Ltd"
    assert cleaned.title is None
    assert cleaned.email == "ada@example.org"
    assert cleaned.notes == "line one\nline two"


def test_notes_length_boundary():
    assert contact(notes="n" * NOTES_MAX).notes == "n" * 5000
    errors = errors_of(clean_contact, {"name": "Ada", "notes": "n" * (NOTES_MAX + 1)})
    assert list(errors) == ["notes"]
    assert "Notes is 5,001 characters long" in errors["notes"]


@pytest.mark.parametrize("field,value", [
    ("name", "Ada\x00Lovelace"),
    ("name", "Ada\nLovelace"),      # a one-line field takes no line break
    ("name", "Ada\tLovelace"),
    ("organization", "Engines\x1bLtd"),
    ("notes", "bell\x07"),
    ("notes", "delete\x7f"),
])
def test_control_characters_are_rejected(field, value):
    raw = {"name": "Ada", field: value}
    errors = errors_of(clean_contact, raw)
    assert list(errors) == [field]
    assert "control character" in errors[field]
    assert "U+" in errors[field]


def test_multiline_fields_keep_line_breaks_and_tabs():
    assert contact(notes="a\n\tb\r\nc").notes == "a\n\tb\r\nc"


@pytest.mark.parametrize("email", ["ada@example.org", "a.b+tag@sub.example.co.uk",
                                   "o'neil@example.ie"])
def test_well_formed_email_accepted(email):
    assert contact(email=email).email == email


@pytest.mark.parametrize("email", ["ada", "ada@", "@example.org", "ada@example",
                                   "ada example@x.org", "ada@@example.org", "ada@-x.org",
                                   "ada@example..org"])
def test_malformed_email_rejected(email):
    errors = errors_of(clean_contact, {"name": "Ada", "email": email})
    assert list(errors) == ["email"]
    assert errors["email"].startswith("Email")


@pytest.mark.parametrize("url", ["https://www.linkedin.com/in/ada", "http://example.org/ada",
                                 "HTTPS://EXAMPLE.ORG"])
def test_profile_url_http_or_https_accepted(url):
    assert contact(profile_url=url).profile_url == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(document.cookie)",
                                 "javascript://example.org/%0Aalert(1)",
                                 "ftp://example.org/file", "www.linkedin.com/in/ada",
                                 "linkedin.com/in/ada", "https://", "data:text/html,<b>x</b>",
                                 "https://exa mple.org", "//example.org/ada"])
def test_profile_url_other_schemes_rejected(url):
    errors = errors_of(clean_contact, {"name": "Ada", "profile_url": url})
    assert list(errors) == ["profile_url"]
    assert "http:// or https://" in errors["profile_url"]


def test_choices_default_and_reject_unknown_codes():
    cleaned = contact()
    assert (cleaned.industry, cleaned.how_found, cleaned.priority) == ("Other", "other",
                                                                       "curious")
    errors = errors_of(clean_contact, {"name": "Ada", "industry": "Astrology",
                                       "how_found": "telepathy", "priority": "urgent"})
    assert set(errors) == {"industry", "how_found", "priority"}
    assert errors["industry"].startswith("Industry must be one of")
    assert "Dream" in errors["priority"]  # lists the labels a student reads


def test_industry_other_kept_only_for_other():
    assert contact(industry="Other", industry_other="Space").industry_other == "Space"
    assert contact(industry="Education", industry_other="Space").industry_other is None


def test_every_problem_is_reported_at_once():
    errors = errors_of(clean_contact, {"name": "", "email": "nope", "profile_url": "ftp://x",
                                       "notes": "n" * 5001})
    assert set(errors) == {"name", "email", "profile_url", "notes"}
    assert "name: Name is required" in str(ValidationError(errors))


# --- dates -----------------------------------------------------------------------------------

def test_outreach_today_ok_tomorrow_rejected():
    ok = clean_outreach({"contact_id": "7", "sent_on": TODAY, "channel": "email"}, today=TODAY)
    assert ok.sent_on == TODAY and ok.contact_id == 7
    errors = errors_of(clean_outreach, {"contact_id": 7, "sent_on": TOMORROW,
                                        "channel": "email"}, today=TODAY)
    assert list(errors) == ["sent_on"]
    assert "Date sent can't be in the future" in errors["sent_on"]
    assert TODAY.isoformat() in errors["sent_on"]


@pytest.mark.parametrize("text", ["2026-03-20", "2026/03/20", "03/20/2026", "20.03.2026",
                                  "Mar 20, 2026", "20 March 2026", "2026-03-20T09:30:00"])
def test_date_formats_parsed(text):
    assert parse_date(text) == TODAY


def test_datetime_and_timestamp_become_dates():
    import pandas as pd

    assert parse_date(dt.datetime(2026, 3, 20, 23, 59)) == TODAY
    assert parse_date(pd.Timestamp("2026-03-20 10:00")) == TODAY
    assert parse_date("20/20/2026") is None


def test_outreach_requires_contact_date_and_known_channel():
    errors = errors_of(clean_outreach, {"sent_on": "", "channel": "pigeon"}, today=TODAY)
    assert set(errors) == {"contact_id", "sent_on", "channel"}
    assert errors["contact_id"].startswith("Contact is required")
    assert errors["sent_on"].startswith("Date sent is required")
    assert errors["channel"].startswith("Channel must be one of")


def test_unparseable_and_ancient_dates_rejected():
    errors = errors_of(clean_outreach, {"contact_id": 1, "sent_on": "next tuesday",
                                        "channel": "email"}, today=TODAY)
    assert "is not a date" in errors["sent_on"]
    errors = errors_of(clean_outreach, {"contact_id": 1, "sent_on": "1949-12-31",
                                        "channel": "email"}, today=TODAY)
    assert "too far in the past" in errors["sent_on"]
    assert clean_outreach({"contact_id": 1, "sent_on": "1950-01-01", "channel": "email"},
                          today=TODAY).sent_on == dt.date(1950, 1, 1)


def test_response_not_before_its_outreach():
    sent = dt.date(2026, 3, 10)
    same_day = clean_response({"response_on": sent, "outcome": "accepted"}, sent_on=sent,
                              today=TODAY)
    assert same_day == clean_response({"response_on": "2026-03-10", "outcome": "accepted"},
                                      sent_on=sent, today=TODAY)
    errors = errors_of(clean_response, {"response_on": "2026-03-09", "outcome": "declined"},
                       sent_on=sent, today=TODAY)
    assert list(errors) == ["response_on"]
    assert "Response date can't be before the day the message was sent (2026-03-10)" \
        in errors["response_on"]
    errors = errors_of(clean_response, {"response_on": TOMORROW, "outcome": "accepted"},
                       sent_on=sent, today=TODAY)
    assert "future" in errors["response_on"]


def test_response_outcome_cannot_be_pending():
    errors = errors_of(clean_response, {"response_on": TODAY, "outcome": "pending"},
                       sent_on=TODAY, today=TODAY)
    assert list(errors) == ["outcome"]
    assert "Accepted" in errors["outcome"] and "Declined" in errors["outcome"]


# --- conversations ---------------------------------------------------------------------------

def test_conversation_minimal_and_full():
    c = conversation()
    assert c == ConversationInput(held_on=TODAY, format="video", duration_min=None)
    full = conversation(duration_min="45", questions="  First?\n\n  Second? ",
                        insights=[{"category": "trend", "text": " AI everywhere "},
                                  {"category": "", "text": "   "}],
                        referrals=[{"name": "Grace", "organization": "Navy", "title": ""},
                                   {"name": "", "organization": "", "title": ""}],
                        clarity_before=2, clarity_after="5", thank_you_on=TODAY,
                        share_insights="yes", next_steps=" email Grace ")
    assert full.duration_min == 45
    assert full.questions == ("First?", "Second?")
    assert full.insights == (InsightInput("trend", "AI everywhere"),)
    assert full.referrals == (ReferralInput("Grace", "Navy", None),)
    assert (full.clarity_before, full.clarity_after) == (2, 5)
    assert full.thank_you_on == TODAY
    assert full.share_insights is True
    assert full.next_steps == "email Grace"


def test_conversation_date_not_in_future():
    errors = errors_of(clean_conversation, {"held_on": TOMORROW, "format": "video"}, today=TODAY)
    assert list(errors) == ["held_on"]
    assert errors["held_on"].startswith("Date held can't be in the future")


def test_thank_you_not_before_the_conversation():
    assert conversation(held_on=YESTERDAY, thank_you_on=YESTERDAY).thank_you_on == YESTERDAY
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "thank_you_on": YESTERDAY}, today=TODAY)
    assert list(errors) == ["thank_you_on"]
    assert "Thank-you sent can't be before the conversation" in errors["thank_you_on"]
    assert clean_thank_you("2026-03-20", held_on="2026-03-19", today=TODAY) == TODAY
    assert "before the conversation" in errors_of(
        clean_thank_you, "2026-03-18", held_on=dt.date(2026, 3, 19), today=TODAY)["thank_you_on"]
    assert "future" in errors_of(clean_thank_you, TOMORROW, held_on=TODAY,
                                 today=TODAY)["thank_you_on"]


@pytest.mark.parametrize("category", [None, "", "gossip", "Trend"])
def test_insight_needs_a_tiara_category(category):
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "insights": [{"category": "advice", "text": "ok"},
                                                         {"category": category,
                                                          "text": "Learn SQL"}]}, today=TODAY)
    assert list(errors) == ["insight_1"]
    assert "Insight 2 needs a TIARA category" in errors["insight_1"]
    for label in vocab.TIARA.values():
        assert label in errors["insight_1"]


def test_every_tiara_category_accepted():
    rows = [{"category": code, "text": f"about {code}"} for code in vocab.TIARA]
    assert [i.category for i in conversation(insights=rows).insights] == list(vocab.TIARA)


def test_insight_text_problems_name_the_insight():
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "insights": [{"category": "advice",
                                                          "text": "x" * 1001}]}, today=TODAY)
    assert list(errors) == ["insight_0"]
    assert errors["insight_0"].startswith("Insight 1 is 1,001 characters long")


def test_referral_with_organization_but_no_name_rejected():
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "referrals": [{"name": "  ",
                                                           "organization": "Navy"}]},
                       today=TODAY)
    assert list(errors) == ["referral_0"]
    assert "Referral 1 needs a name" in errors["referral_0"]
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "referrals": [{"name": "A"}, {"title": "CTO"}]},
                       today=TODAY)
    assert list(errors) == ["referral_1"]


def test_referral_name_length_named():
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "referrals": [{"name": "x" * 121}]}, today=TODAY)
    assert errors["referral_0"].startswith("Referral 1 name is 121 characters long")


@pytest.mark.parametrize("value,expected", [(1, 1), (5, 5), ("3", 3), (4.0, 4), ("", None),
                                            (None, None)])
def test_clarity_accepts_1_to_5(value, expected):
    assert conversation(clarity_before=value).clarity_before == expected
    assert conversation(clarity_after=value).clarity_after == expected


@pytest.mark.parametrize("value", [0, 6, -1, "seven", 2.5, "2.5", True])
def test_clarity_outside_1_to_5_rejected(value):
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "clarity_before": value}, today=TODAY)
    assert list(errors) == ["clarity_before"]
    assert errors["clarity_before"] == \
        "Career-goal clarity before must be a whole number from 1 to 5."


@pytest.mark.parametrize("value,ok", [(1, True), (600, True), (0, False), (601, False)])
def test_duration_boundaries(value, ok):
    if ok:
        assert conversation(duration_min=value).duration_min == value
    else:
        assert "Duration (minutes)" in errors_of(
            clean_conversation, {"held_on": TODAY, "format": "video", "duration_min": value},
            today=TODAY)["duration_min"]


def test_question_problems_reported_under_questions():
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "questions": ["fine", "bad\x00one"]}, today=TODAY)
    assert list(errors) == ["questions"]
    assert errors["questions"].startswith("Question 2 contains an invisible control character")


def test_too_many_questions_rejected():
    ok = conversation(questions=[f"q{i}" for i in range(50)])
    assert len(ok.questions) == 50
    errors = errors_of(clean_conversation, {"held_on": TODAY, "format": "video",
                                            "questions": [f"q{i}" for i in range(51)]},
                       today=TODAY)
    assert "51 questions" in errors["questions"]


def test_conversation_format_required():
    errors = errors_of(clean_conversation, {"held_on": TODAY}, today=TODAY)
    assert list(errors) == ["format"]
    assert errors["format"].startswith("Format must be one of")


# --- weekly goal -----------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [(0, 0), (100, 100), ("5", 5)])
def test_weekly_goal_in_range(value, expected):
    assert clean_weekly_goal(value) == expected


@pytest.mark.parametrize("value", [-1, 101, "", None, "many"])
def test_weekly_goal_out_of_range(value):
    errors = errors_of(clean_weekly_goal, value)
    assert list(errors) == ["weekly_goal"]
    assert errors["weekly_goal"].startswith("Weekly outreach goal")


@pytest.mark.parametrize("contact_id", ["abc", "1.5", [1]])
def test_outreach_contact_that_is_not_an_id_is_a_validation_error(contact_id):
    """An importer may hand over anything; it gets a field message, not a bare ValueError."""
    errors = errors_of(clean_outreach, {"contact_id": contact_id, "sent_on": TODAY,
                                        "channel": "email"}, today=TODAY)
    assert list(errors) == ["contact_id"]
    assert errors["contact_id"].startswith("Contact")


def test_outreach_contact_id_from_widgets_and_files():
    import numpy as np

    for value in (7, "7", " 7 ", 7.0, np.int64(7)):
        assert clean_outreach({"contact_id": value, "sent_on": TODAY, "channel": "email"},
                              today=TODAY).contact_id == 7
