"""lib.prep, lib.prep_validation, lib.prep_store: scheduling with its boundaries, prep sheets,
the completeness rule, the per-student question bank, the Markdown and .ics downloads, and
isolation between two students."""

from __future__ import annotations

import datetime as dt

import pytest

from lib import db, prep, prep_store, question_bank, store
from lib.prep import PrepQuestion
from lib.prep_validation import clean_my_question, clean_prep_sheet, clean_schedule, one_year_after
from lib.validation import ValidationError

# Friday 2026-03-20, 09:40 local (see tests/unit/conftest.py's TODAY).
NOW = dt.datetime(2026, 3, 20, 9, 40, 12)
BERLIN = "Europe/Berlin"


def raw_schedule(contact_id, **overrides):
    values = {"contact_id": contact_id, "date": dt.date(2026, 3, 27), "time": dt.time(10, 0),
              "duration_min": 30, "format": "video", "place": "https://zoom.us/j/123",
              "timezone": BERLIN}
    return {**values, **overrides}


def schedule(con, user_id, contact_id, *, submission_id=None, **overrides) -> int:
    data = clean_schedule(raw_schedule(contact_id, **overrides), now_local=NOW)
    return prep_store.schedule_conversation(con, user_id, data, submission_id=submission_id).id


def errors_of(raw, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationError) as problem:
        clean_schedule(raw, now_local=NOW, **kwargs)
    return problem.value.errors


# --- validation: scheduling ------------------------------------------------------------------

def test_clean_schedule_valid_values_are_combined_and_trimmed():
    cleaned = clean_schedule(raw_schedule(7, place="  Café Central, 2nd floor  "), now_local=NOW)
    assert cleaned.contact_id == 7
    assert cleaned.starts_at == dt.datetime(2026, 3, 27, 10, 0)
    assert cleaned.timezone == BERLIN
    assert (cleaned.duration_min, cleaned.format) == (30, "video")
    assert cleaned.place == "Café Central, 2nd floor"


def test_clean_schedule_accepts_strings_as_a_file_or_form_gives_them():
    cleaned = clean_schedule(raw_schedule("7", date="2026-03-27", time="14:30",
                                          duration_min="45", place=""), now_local=NOW)
    assert cleaned.starts_at == dt.datetime(2026, 3, 27, 14, 30)
    assert cleaned.duration_min == 45 and cleaned.place is None


def test_clean_schedule_requires_contact_date_time_and_format():
    errors = errors_of({"duration_min": 30})
    assert set(errors) == {"contact_id", "date", "time", "format"}
    assert "Contact is required" in errors["contact_id"]
    assert "Date is required" in errors["date"]
    assert "Time is required" in errors["time"]
    assert "Format must be one of" in errors["format"]


def test_clean_schedule_rejects_unparseable_date_and_time():
    errors = errors_of(raw_schedule(1, date="next friday", time="noonish"))
    assert "is not a date" in errors["date"] and "is not a time" in errors["time"]


def test_new_schedule_may_not_be_in_the_past():
    assert "in the past" in errors_of(raw_schedule(1, date=dt.date(2026, 3, 19)))["date"]
    assert "already passed" in errors_of(raw_schedule(1, date=NOW.date(),
                                                      time=dt.time(9, 39)))["time"]
    # This very minute is still fine, and so is later today.
    for time in (dt.time(9, 40), dt.time(23, 59)):
        assert clean_schedule(raw_schedule(1, date=NOW.date(), time=time),
                              now_local=NOW).starts_at.time() == time


def test_an_existing_schedule_may_be_moved_into_the_past():
    cleaned = clean_schedule(raw_schedule(1, date=dt.date(2026, 3, 1)), now_local=NOW,
                             is_new=False)
    assert cleaned.starts_at.date() == dt.date(2026, 3, 1)


def test_at_most_one_year_ahead():
    assert clean_schedule(raw_schedule(1, date=dt.date(2027, 3, 20)),
                          now_local=NOW).starts_at.date() == dt.date(2027, 3, 20)
    error = errors_of(raw_schedule(1, date=dt.date(2027, 3, 21)))["date"]
    assert "more than a year ahead" in error and "2027-03-20" in error
    assert one_year_after(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


@pytest.mark.parametrize("duration, ok", [(4, False), (5, True), (600, True), (601, False),
                                          ("", False), ("abc", False)])
def test_duration_boundaries(duration, ok):
    raw = raw_schedule(1, duration_min=duration)
    if ok:
        assert clean_schedule(raw, now_local=NOW).duration_min == duration
    else:
        assert "Duration (minutes)" in errors_of(raw)["duration_min"]


@pytest.mark.parametrize("place", [
    "https://meet.example.org/abc?x=1", "http://zoom.us/j/1", "Room 4: 2nd floor",
    "Library café", "zoom.us/j/123", "x" * 500])
def test_places_and_links_accepted(place):
    assert clean_schedule(raw_schedule(1, place=place), now_local=NOW).place == place


@pytest.mark.parametrize("place", [
    "javascript:alert(1)", "ftp://files.example.org", "mailto:ada@example.org",
    "https://exa mple.org", "https://", "data:text/html,<b>hi</b>"])
def test_links_must_be_http_or_https(place):
    error = errors_of(raw_schedule(1, place=place))["place"]
    assert "must start with http:// or https://" in error


def test_place_length_limit():
    assert "shorten it to 500" in errors_of(raw_schedule(1, place="x" * 501))["place"]


def test_unknown_time_zone_falls_back_to_utc():
    for zone in (None, "", "Mars/Olympus_Mons"):
        assert clean_schedule(raw_schedule(1, timezone=zone), now_local=NOW).timezone == "UTC"


# --- validation: prep sheet and own questions ------------------------------------------------

def test_clean_prep_sheet_trims_drops_blank_questions_and_keeps_order():
    sheet = clean_prep_sheet(research_notes="  Led the data team  ", goals="", researched=1,
                             confirmed=False,
                             questions=[(" How did you start? ", "insight-path-here"),
                                        ("   ", None), ("My own?", None)])
    assert sheet.research_notes == "Led the data team" and sheet.goals is None
    assert sheet.researched is True and sheet.confirmed is False
    assert sheet.questions == (PrepQuestion("How did you start?", "insight-path-here"),
                               PrepQuestion("My own?", None))


def test_clean_prep_sheet_limits():
    with pytest.raises(ValidationError) as problem:
        clean_prep_sheet(research_notes="x" * 5001, goals="y" * 5001, researched=False,
                         confirmed=False, questions=[("q" * 501, None)])
    assert set(problem.value.errors) == {"research_notes", "goals", "questions"}
    assert clean_prep_sheet(research_notes="x" * 5000, goals="y" * 5000, researched=False,
                            confirmed=False, questions=[("q" * 500, None)] * 20).questions
    with pytest.raises(ValidationError, match="keep it to 20"):
        clean_prep_sheet(research_notes=None, goals=None, researched=False, confirmed=False,
                         questions=[(f"Q{i}?", None) for i in range(21)])


def test_clean_my_question():
    assert clean_my_question({"category": "advice", "text": " What now? "}).text == "What now?"
    with pytest.raises(ValidationError) as problem:
        clean_my_question({"category": "gossip", "text": " "})
    assert set(problem.value.errors) == {"category", "text"}


# --- the completeness rule -------------------------------------------------------------------

@pytest.mark.parametrize("researched, count, confirmed, complete", [
    (True, 3, True, True), (True, 5, True, True),
    (True, 2, True, False), (True, 6, True, False), (True, 0, True, False),
    (False, 4, True, False), (True, 4, False, False), (False, 4, False, False)])
def test_prep_complete_rule(researched, count, confirmed, complete):
    assert prep.prep_complete(researched=researched, question_count=count,
                              confirmed=confirmed) is complete
    items = prep.checklist(researched=researched, question_count=count, confirmed=confirmed)
    assert [i.name for i in items] == ["researched", "questions", "confirmed"]
    assert all(i.done for i in items) is complete
    assert f"({count} chosen)" in items[1].label


# --- storage: scheduling ---------------------------------------------------------------------

def test_schedule_is_stored_listed_and_read_back(con, user, build):
    ada = build.contact("Ada Lovelace", organization="Engines Ltd")
    sid = schedule(con, user, ada)
    upcoming = prep_store.upcoming_conversations(con, user)
    assert list(upcoming["id"]) == [sid]
    row = upcoming.iloc[0]
    assert (row["name"], row["organization"], row["industry"]) == (
        "Ada Lovelace", "Engines Ltd", "Technology")
    assert row["starts_at"] == dt.datetime(2026, 3, 27, 10, 0)
    assert (row["timezone"], row["duration_min"], row["format"], row["place"]) == (
        BERLIN, 30, "video", "https://zoom.us/j/123")
    assert (row["questions"], bool(row["prep_complete"])) == (0, False)
    sheet = prep_store.scheduled_conversation(con, user, sid)
    assert sheet.contact_id == ada and sheet.contact_name == "Ada Lovelace"
    assert sheet.questions == () and not sheet.prep_complete and not sheet.cancelled


def test_schedule_submission_is_stored_once(con, user, build, fetch):
    ada = build.contact()
    first = schedule(con, user, ada, submission_id="form-1")
    again = prep_store.schedule_conversation(
        con, user, clean_schedule(raw_schedule(ada), now_local=NOW), submission_id="form-1")
    assert again == store.Saved(first, False)
    assert fetch("SELECT count(*) FROM scheduled_conversations") == [(1,)]


def test_upcoming_is_ordered_by_time_without_cancelled_or_held(con, user, build):
    ada, bob = build.contact("Ada"), build.contact("Bob", organization=None)
    late = schedule(con, user, ada, date=dt.date(2026, 4, 2))
    soon = schedule(con, user, bob, date=dt.date(2026, 3, 23), time=dt.time(8, 0))
    cancelled = schedule(con, user, bob, date=dt.date(2026, 3, 24))
    held = schedule(con, user, ada, date=dt.date(2026, 3, 21))
    prep_store.cancel_schedule(con, user, cancelled)
    conversation = build.conversation(ada, held_on="2026-03-20")
    prep_store.mark_held(con, user, held, conversation)
    assert list(prep_store.upcoming_conversations(con, user)["id"]) == [soon, late]
    assert prep_store.scheduled_conversation(con, user, cancelled).cancelled
    assert prep_store.scheduled_conversation(con, user, held).conversation_id == conversation
    # Deleting the logged conversation puts the plan back on the list (lib.store unlinks it).
    store.delete_conversation(con, user, conversation)
    assert held in set(prep_store.upcoming_conversations(con, user)["id"])


def test_update_schedule_changes_time_and_keeps_prep(con, user, build):
    ada, bob = build.contact("Ada"), build.contact("Bob")
    sid = schedule(con, user, ada)
    prep_store.save_prep_sheet(con, user, sid, "notes", "goals", True, False, [("Q1?", None)])
    moved = clean_schedule(raw_schedule(bob, date=dt.date(2026, 3, 30), time="16:15",
                                        format="coffee", place="Blue Bottle", duration_min=45),
                           now_local=NOW, is_new=False)
    prep_store.update_schedule(con, user, sid, moved)
    sheet = prep_store.scheduled_conversation(con, user, sid)
    assert (sheet.contact_id, sheet.starts_at, sheet.format, sheet.place, sheet.duration_min) == (
        bob, dt.datetime(2026, 3, 30, 16, 15), "coffee", "Blue Bottle", 45)
    assert sheet.research_notes == "notes" and sheet.questions == (PrepQuestion("Q1?"),)


def test_save_prep_sheet_replaces_questions_in_order(con, user, build):
    sid = schedule(con, user, build.contact())
    prep_store.save_prep_sheet(con, user, sid, "First notes", None, False, False,
                               [("Old question?", None)])
    prep_store.save_prep_sheet(
        con, user, sid, "Led the data team since 2021", "Learn how she got in", True, True,
        [("What does a typical day or week look like for you?", "insight-typical-day"),
         ("Who else would you suggest I talk to?", "closing-who-else"),
         ("Why did you leave banking?", None)])
    sheet = prep_store.scheduled_conversation(con, user, sid)
    assert sheet.research_notes == "Led the data team since 2021"
    assert sheet.goals == "Learn how she got in"
    assert sheet.researched and sheet.confirmed
    assert [q.text for q in sheet.questions] == [
        "What does a typical day or week look like for you?",
        "Who else would you suggest I talk to?", "Why did you leave banking?"]
    assert [q.bank_id for q in sheet.questions] == ["insight-typical-day", "closing-who-else",
                                                    None]
    assert sheet.prep_complete
    assert bool(prep_store.upcoming_conversations(con, user)["prep_complete"].iloc[0])


def test_invalid_prep_sheet_stores_nothing(con, user, build):
    sid = schedule(con, user, build.contact())
    prep_store.save_prep_sheet(con, user, sid, "kept", None, True, False, [("Kept?", None)])
    with pytest.raises(ValidationError):
        prep_store.save_prep_sheet(con, user, sid, "x" * 5001, None, False, True,
                                   [("New?", None)])
    sheet = prep_store.scheduled_conversation(con, user, sid)
    assert sheet.research_notes == "kept" and sheet.researched and not sheet.confirmed
    assert sheet.questions == (PrepQuestion("Kept?"),)


def test_schedule_for_unknown_contact_is_not_found(con, user):
    with pytest.raises(store.NotFound):
        schedule(con, user, 999)


def test_mark_held_needs_own_records(con, user, build, build_other, other_user):
    ada = build.contact()
    sid = schedule(con, user, ada)
    theirs = build_other.conversation(build_other.contact("Theirs"), held_on="2026-03-19")
    with pytest.raises(store.NotFound):
        prep_store.mark_held(con, user, sid, theirs)
    with pytest.raises(store.NotFound):
        prep_store.mark_held(con, user, 999, build.conversation(ada, held_on="2026-03-19"))


def test_deleting_the_contact_deletes_its_plans_and_leaves_no_orphans(con, user, build, fetch):
    ada = build.contact()
    sid = schedule(con, user, ada)
    prep_store.save_prep_sheet(con, user, sid, None, None, False, False, [("Q?", None)])
    store.delete_contact(con, user, ada)
    assert fetch("SELECT count(*) FROM scheduled_conversations") == [(0,)]
    assert fetch("SELECT count(*) FROM prep_questions") == [(0,)]
    assert db.integrity_problems(con) == {}


def test_one_student_cannot_see_or_change_anothers_plans(con, user, other_user, build,
                                                         build_other):
    mine = schedule(con, user, build.contact("Ada"))
    prep_store.save_prep_sheet(con, user, mine, "private notes", None, True, True,
                               [("Q?", None)])
    their_contact = build_other.contact("Theirs")
    theirs = schedule(con, other_user, their_contact)
    assert list(prep_store.upcoming_conversations(con, other_user)["id"]) == [theirs]
    cleaned = clean_schedule(raw_schedule(their_contact), now_local=NOW)
    attempts = [
        lambda: prep_store.scheduled_conversation(con, other_user, mine),
        lambda: prep_store.update_schedule(con, other_user, mine, cleaned),
        lambda: prep_store.cancel_schedule(con, other_user, mine),
        lambda: prep_store.save_prep_sheet(con, other_user, mine, "x", None, False, False, []),
        lambda: prep_store.mark_held(con, other_user, mine, build_other.conversation(
            their_contact, held_on="2026-03-19")),
        # Their schedule pointed at my contact:
        lambda: prep_store.schedule_conversation(
            con, other_user, clean_schedule(raw_schedule(build.contact("Mine 2")),
                                            now_local=NOW)),
    ]
    for attempt in attempts:
        with pytest.raises(store.NotFound):
            attempt()
    sheet = prep_store.scheduled_conversation(con, user, mine)
    assert sheet.research_notes == "private notes" and sheet.questions == (PrepQuestion("Q?"),)
    assert not sheet.cancelled and sheet.conversation_id is None


# --- the question bank -----------------------------------------------------------------------

def ids(frame) -> list[str]:
    return list(frame["id"])


def test_bank_starts_with_every_built_in_in_category_order(con, user):
    bank = prep_store.question_bank(con, user)
    assert list(bank.columns) == ["id", "source", "category", "text", "industries", "starred",
                                  "hidden"]
    assert ids(bank) == [q.id for q in question_bank.builtin_questions()]
    assert len(bank) >= 60
    assert set(bank["source"]) == {"built-in"} and not bank["starred"].any()
    fintech = bank.set_index("id").loc["trend-fintech-banking"]
    assert fintech["industries"] == "Finance & Banking"


def test_bank_filters_by_industry_category_and_search(con, user):
    health = prep_store.question_bank(con, user, industry="Healthcare")
    assert ids(health) == [q.id for q in question_bank.questions_for("Healthcare")]
    closing = prep_store.question_bank(con, user, categories=["closing"])
    assert set(closing["category"]) == {"closing"} and "closing-who-else" in ids(closing)
    found = prep_store.question_bank(con, user, search="WHO ELSE")
    assert ids(found) == ["closing-who-else"]
    with pytest.raises(ValueError, match="unknown categories"):
        prep_store.question_bank(con, user, categories=["gossip"])


def test_own_questions_are_added_edited_deleted_and_merged(con, user):
    saved = prep_store.add_my_question(con, user, "advice", "  Would you do an MBA again? ",
                                       submission_id="q-1")
    assert prep_store.add_my_question(con, user, "advice", "again", submission_id="q-1") == \
        store.Saved(saved.id, False)
    mine = f"mine-{saved.id}"
    advice = prep_store.question_bank(con, user, categories=["advice"])
    assert advice.iloc[-1].to_dict() == {
        "id": mine, "source": "mine", "category": "advice", "text": "Would you do an MBA again?",
        "industries": "", "starred": False, "hidden": False}
    # Own questions suit every industry.
    assert mine in ids(prep_store.question_bank(con, user, industry="Law"))

    prep_store.update_my_question(con, user, mine, "closing", "May I send you my plan?")
    row = prep_store.question_bank(con, user, search="my plan").iloc[0]
    assert (row["id"], row["category"]) == (mine, "closing")
    with pytest.raises(ValidationError):
        prep_store.update_my_question(con, user, mine, "closing", "")
    with pytest.raises(ValidationError):
        prep_store.add_my_question(con, user, "nonsense", "Q?")

    prep_store.delete_my_question(con, user, mine)
    assert mine not in ids(prep_store.question_bank(con, user))
    with pytest.raises(store.NotFound):
        prep_store.delete_my_question(con, user, mine)
    with pytest.raises(store.NotFound):  # built-ins cannot be edited or deleted
        prep_store.update_my_question(con, user, "closing-who-else", "closing", "x?")


def test_star_and_unstar_built_in_and_own_questions(con, user):
    own = f"mine-{prep_store.add_my_question(con, user, 'trend', 'Is remote work here?').id}"
    prep_store.star_question(con, user, "closing-who-else")
    prep_store.star_question(con, user, own)
    prep_store.star_question(con, user, "closing-who-else")  # twice is still one star
    starred = prep_store.question_bank(con, user, starred_only=True)
    assert ids(starred) == [own, "closing-who-else"]  # category order: trend before closing
    prep_store.star_question(con, user, "closing-who-else", starred=False)
    assert ids(prep_store.question_bank(con, user, starred_only=True)) == [own]
    with pytest.raises(store.NotFound):
        prep_store.star_question(con, user, "no-such-question")
    with pytest.raises(store.NotFound):
        prep_store.star_question(con, user, "mine-999")


def test_hide_a_built_in_and_show_it_again_keeps_its_star(con, user):
    prep_store.star_question(con, user, "small-talk-city")
    prep_store.hide_question(con, user, "small-talk-city")
    assert "small-talk-city" not in ids(prep_store.question_bank(con, user))
    hidden = prep_store.question_bank(con, user, include_hidden=True).set_index("id")
    assert hidden.loc["small-talk-city", "hidden"] and hidden.loc["small-talk-city", "starred"]
    prep_store.hide_question(con, user, "small-talk-city", hidden=False)
    row = prep_store.question_bank(con, user).set_index("id").loc["small-talk-city"]
    assert row["starred"] and not row["hidden"]
    # Hiding something never starred also works, and only built-ins can be hidden.
    prep_store.hide_question(con, user, "closing-anything-else")
    assert "closing-anything-else" not in ids(prep_store.question_bank(con, user))
    with pytest.raises(store.NotFound):
        prep_store.hide_question(con, user, "mine-1")


def test_banks_are_separate_per_student(con, user, other_user):
    own = f"mine-{prep_store.add_my_question(con, user, 'advice', 'Private question?').id}"
    prep_store.star_question(con, user, "closing-who-else")
    prep_store.hide_question(con, user, "small-talk-city")
    theirs = prep_store.question_bank(con, other_user, include_hidden=True)
    assert own not in ids(theirs)
    assert not theirs["starred"].any() and not theirs["hidden"].any()
    for attempt in (lambda: prep_store.update_my_question(con, other_user, own, "advice", "x?"),
                    lambda: prep_store.delete_my_question(con, other_user, own),
                    lambda: prep_store.star_question(con, other_user, own)):
        with pytest.raises(store.NotFound):
            attempt()
    assert own in ids(prep_store.question_bank(con, user, search="private"))


# --- downloads -------------------------------------------------------------------------------

def sheet(**overrides) -> prep.ScheduledConversation:
    values = dict(id=42, contact_id=7, contact_name="Ada Lovelace", organization="Engines Ltd",
                  title="Head of Data", industry="Technology",
                  starts_at=dt.datetime(2026, 3, 27, 10, 0), timezone=BERLIN, duration_min=30,
                  format="video", place="https://zoom.us/j/123",
                  research_notes="Led the data team.\nWrote a book.", goals="Learn her path",
                  researched=True, confirmed=False,
                  questions=(PrepQuestion("How did you start?\nReally?", "insight-path-here"),
                             PrepQuestion("Who else?"), PrepQuestion("What now?")))
    return prep.ScheduledConversation(**{**values, **overrides})


def test_markdown_has_every_part_of_the_sheet():
    text = prep.prep_sheet_markdown(sheet())
    assert text.startswith("# Prep sheet: conversation with Ada Lovelace (Engines Ltd)\n")
    assert "- When: Fri 2026-03-27 10:00–10:30 (Europe/Berlin)" in text
    assert "- Format: Video call" in text and "- Where: https://zoom.us/j/123" in text
    assert "- Their role: Head of Data" in text
    assert "- [x] Researched the person and organization" in text
    assert "- [x] 3–5 questions chosen (3 chosen)" in text
    assert "- [ ] Confirmed the day before" in text
    assert "## Goals for the conversation\n\nLearn her path\n" in text
    assert "## Research notes\n\nLed the data team.\nWrote a book.\n" in text
    # A line break inside a question cannot break the numbered list.
    assert "1. How did you start? Really?\n2. Who else?\n3. What now?\n" in text


def test_markdown_of_an_empty_sheet():
    text = prep.prep_sheet_markdown(sheet(organization=None, title=None, place=None, goals=None,
                                          research_notes=None, researched=False, questions=()))
    assert text.startswith("# Prep sheet: conversation with Ada Lovelace\n")
    assert "Where:" not in text and "_None chosen yet._" in text
    assert "- [ ] 3–5 questions chosen (0 chosen)" in text


def unfolded(ics: str) -> dict[str, str]:
    lines = ics.replace("\r\n ", "").split("\r\n")
    return {name: value for name, _, value in (line.partition(":") for line in lines if line)}


def test_calendar_event_uses_the_schedules_time_zone_and_a_stable_uid():
    now = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.timezone.utc)
    props = unfolded(prep.conversation_event(sheet(), now=now))
    assert props["UID"] == "scheduled-42@career-conversations"
    assert props["DTSTART"] == "20260327T090000Z"  # 10:00 in Berlin (CET, UTC+1)
    assert props["DTEND"] == "20260327T093000Z"
    assert props["SUMMARY"] == "Informational interview: Ada Lovelace (Engines Ltd)"
    assert props["LOCATION"] == "https://zoom.us/j/123"
    assert "1. How did you start? Really?" in props["DESCRIPTION"]
    later = unfolded(prep.conversation_event(sheet(place=None), now=now))
    assert later["UID"] == props["UID"] and "LOCATION" not in later


def test_template_defaults():
    assert prep.template_connection("alumni") == "I'm a fellow alum of your school"
    assert prep.template_connection("linkedin") is None
    assert prep.template_connection("referral", "Jo Lee") == "Jo Lee suggested I reach out to you"
    assert prep.template_topic("thank_you", industry="Law",
                               discussed="Clerkships open doors.") == "Clerkships open doors"
    assert prep.template_topic("outreach", industry="Law", discussed="x") == "law"
    assert prep.template_topic("keep_in_touch", industry="Other", discussed=None) is None
