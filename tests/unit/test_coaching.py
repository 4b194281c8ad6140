"""lib.coaching_store and lib.coaching: every next-action rule from stored records to the list a
student sees, the one-click "done" of each kind, done/snooze persistence, goals (own > class >
default), the streak, term progress, career-goal history, reflections and isolation.

Dates are fixed: TODAY is Friday 2026-03-20 (March 2026: Mon 2, 9, 16, 23, 30).
"""

from __future__ import annotations

import datetime as dt

import pytest

from lib import classes, coaching, coaching_store, db, metrics, queries, reminders
from lib.coaching import streak
from lib.coaching_store import OwnGoals
from lib.store import NotFound
from lib.validation import ValidationError
from tests.unit.conftest import TODAY


def day(d: int, month: int = 3, year: int = 2026) -> dt.date:
    return dt.date(year, month, d)


def actions(con, user_id, today=TODAY, tz_name=None):
    return coaching.student_next_actions(con, user_id, today=today, tz_name=tz_name)


def kinds(result) -> list[str]:
    return [a.kind for a in result]


def without_goal(con, user_id) -> None:
    """Most rule tests leave the weekly-goal item out by setting that goal to 0."""
    coaching_store.set_own_goals(con, user_id, OwnGoals(0, 1, 8))


def schedule(con, user_id, contact_id, starts_at: dt.datetime, *, researched=False,
             confirmed=False, questions=0, timezone=None, cancelled=False,
             conversation_id=None) -> int:
    """A scheduled conversation with its prep sheet. Written as SQL on purpose: this module
    must not depend on the Prepare page's storage (lib.prep_store), built alongside it."""
    with db.transaction(con) as cur:
        scheduled_id = cur.execute(
            "INSERT INTO scheduled_conversations (user_id, contact_id, starts_at, timezone,"
            " format, researched, confirmed, conversation_id, cancelled_at)"
            " VALUES (?, ?, ?, ?, 'video', ?, ?, ?, ?) RETURNING id",
            [user_id, contact_id, starts_at, timezone, researched, confirmed, conversation_id,
             dt.datetime(2026, 3, 1) if cancelled else None]).fetchone()[0]
        for position in range(questions):
            cur.execute("INSERT INTO prep_questions (scheduled_id, position, text)"
                        " VALUES (?, ?, ?)", [scheduled_id, position, f"Question {position}"])
    return scheduled_id


def make_instructor(con, name: str = "Prof") -> int:
    """An instructor row: test setup for people only, as in test_classes (an account made
    through lib.accounts first would take over the local profile used as the student)."""
    with db.transaction(con) as cur:
        return cur.execute("INSERT INTO users (display_name, role) VALUES (?, 'instructor')"
                           " RETURNING id", [name]).fetchone()[0]


def make_class(con, student_id, *, starts_on="2026-01-12", ends_on="2026-05-01",
               weekly_goal=4, conversations_goal=6, name="Career Lab") -> int:
    instructor = make_instructor(con)
    class_id = classes.create_class(con, instructor, classes.clean_class({
        "name": name, "term": "Spring 2026", "starts_on": starts_on, "ends_on": ends_on,
        "weekly_goal": weekly_goal, "conversations_goal": conversations_goal}))
    frame = classes.classes_for(con, instructor)
    code = frame.loc[frame["id"] == class_id, "join_code"].iloc[0]
    classes.join_class(con, student_id, code)
    return class_id


# --- thank-you -------------------------------------------------------------------------------

def test_thank_you_due_then_overdue_then_recorded_in_one_click(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    talk = build.conversation(ada, held_on="2026-03-19")
    (item,) = actions(con, user, today=day(20))
    assert (item.kind, item.key, item.overdue) == ("thank_you", f"thank_you:{talk}", False)
    assert item.title == "Send a thank-you to Ada"
    (late,) = actions(con, user, today=day(21))
    assert late.overdue is True

    message = coaching.complete_action(con, user, item, today=day(20))
    assert "Thank-you" in message
    assert queries.contact_conversations(con, user, ada)["thank_you_on"].iloc[0].date() \
        == day(20)
    assert actions(con, user, today=day(20)) == []


def test_a_conversation_logged_with_its_thank_you_needs_none(con, user, build):
    without_goal(con, user)
    build.conversation(build.contact(), held_on="2026-03-19", thank_you_on="2026-03-19")
    assert actions(con, user) == []


# --- 3B7 -------------------------------------------------------------------------------------

def test_next_contact_after_three_business_days(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada", organization="Engines Ltd")
    message = build.outreach(ada, "2026-03-13")  # a Friday
    assert actions(con, user, today=day(17)) == []  # Tue: 2 business days
    (item,) = actions(con, user, today=day(18))  # Wed: 3
    assert (item.kind, item.ref_id, item.contact_id) == ("next_contact", message, ada)
    assert item.title == "Reach out to the next contact at Engines Ltd"


def test_follow_up_after_seven_business_days_logged_in_one_click(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    first = build.outreach(ada, "2026-03-06", "linkedin")  # Fri
    assert kinds(actions(con, user, today=day(16))) == ["next_contact"]  # 6 business days
    (item,) = actions(con, user, today=day(17))  # Tue: 7
    assert (item.kind, item.ref_id) == ("follow_up", first)

    coaching.complete_action(con, user, item, today=day(17))
    coaching.complete_action(con, user, item, today=day(17))  # a double click stores once
    log = queries.contact_outreach(con, user, ada)
    assert list(log["attempt"]) == [1, 2]
    assert list(log["channel"]) == ["linkedin", "linkedin"]
    assert log["sent_on"].iloc[1].date() == day(17)
    assert actions(con, user, today=day(17)) == []
    # The follow-up now runs its own 7 business days, then "move on".
    assert actions(con, user, today=day(25)) == []
    assert kinds(actions(con, user, today=day(26))) == ["move_on"]


def test_move_on_when_the_follow_up_goes_unanswered(con, user, build):
    without_goal(con, user)
    nora = build.contact("Nora")
    build.outreach(nora, "2026-03-02")
    follow_up = build.outreach(nora, "2026-03-11")  # Wed; 7 business days later is Fri 20
    assert actions(con, user, today=day(19)) == []
    (item,) = actions(con, user, today=day(20))
    assert (item.kind, item.ref_id) == ("move_on", follow_up)
    stages = metrics.with_stages(queries.contact_pipeline(con, user), day(20))
    assert stages.loc[stages["id"] == nora, "stage"].item() == "no_response"

    coaching.complete_action(con, user, item, today=day(20))
    assert actions(con, user, today=day(20)) == []
    assert actions(con, user, today=day(30)) == []  # done stays done


def test_attempts_logged_out_of_order_are_renumbered_before_the_rules(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    build.outreach(ada, "2026-03-11")
    build.outreach(ada, "2026-03-02")  # logged late: becomes attempt 1
    states = coaching_store.outreach_states(con, user)
    assert [(s.sent_on, s.attempt) for s in states] == [(day(2), 1), (day(11), 2)]
    assert kinds(actions(con, user, today=day(20))) == ["move_on"]


def test_no_outreach_nudges_once_they_answered_or_a_talk_is_booked(con, user, build):
    without_goal(con, user)
    rita = build.contact("Rita")
    build.respond(build.outreach(rita, "2026-03-02"), "2026-03-04")
    hal = build.contact("Hal")
    build.outreach(hal, "2026-03-02")
    schedule(con, user, hal, dt.datetime(2026, 3, 30, 10), researched=True, confirmed=True,
             questions=3)
    assert actions(con, user, today=day(20)) == []


# --- prepare ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sheet, expected", [
    ({}, ["prepare"]),
    ({"researched": True, "confirmed": True, "questions": 3}, []),
    ({"researched": True, "confirmed": True, "questions": 5}, []),
    ({"researched": True, "confirmed": True, "questions": 2}, ["prepare"]),
    ({"researched": True, "confirmed": True, "questions": 6}, ["prepare"]),
    ({"researched": False, "confirmed": True, "questions": 4}, ["prepare"]),
    ({"researched": True, "confirmed": False, "questions": 4}, ["prepare"]),
])
def test_prepare_until_the_prep_sheet_is_complete(con, user, build, sheet, expected):
    without_goal(con, user)
    ada = build.contact("Ada")
    scheduled = schedule(con, user, ada, dt.datetime(2026, 3, 23, 10, 0), **sheet)
    result = actions(con, user, today=day(20))
    assert kinds(result) == expected
    if expected:
        assert result[0].key == f"prepare:{scheduled}"
        assert result[0].due_on == day(23)


def test_prepare_only_within_three_days_and_not_when_cancelled_or_held(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    schedule(con, user, ada, dt.datetime(2026, 3, 24, 9))  # 4 days ahead
    schedule(con, user, ada, dt.datetime(2026, 3, 21, 9), cancelled=True)
    talk = build.conversation(ada, held_on="2026-03-19", thank_you_on="2026-03-19")
    schedule(con, user, ada, dt.datetime(2026, 3, 21, 9), conversation_id=talk)
    assert actions(con, user, today=day(20)) == []
    assert kinds(actions(con, user, today=day(21))) == ["prepare"]


def test_a_booking_in_another_time_zone_is_seen_in_the_students(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    # 22:00 on Mon 23 in New York is 03:00 on Tue 24 in Paris: 4 days ahead of Fri 20.
    schedule(con, user, ada, dt.datetime(2026, 3, 23, 22), timezone="America/New_York")
    (state,) = coaching_store.scheduled_states(con, user)
    assert state.scheduled_for.tzinfo is not None
    assert kinds(actions(con, user, today=day(20), tz_name="America/New_York")) == ["prepare"]
    assert actions(con, user, today=day(20), tz_name="Europe/Paris") == []


def test_upcoming_conversations_lists_the_next_two_weeks_with_prep_state(con, user, build):
    ada = build.contact("Ada", organization="Engines Ltd")
    ready = schedule(con, user, ada, dt.datetime(2026, 3, 25, 14), researched=True,
                     confirmed=True, questions=4)
    todo = schedule(con, user, ada, dt.datetime(2026, 3, 21, 9))
    schedule(con, user, ada, dt.datetime(2026, 4, 10, 9))  # beyond 14 days
    schedule(con, user, ada, dt.datetime(2026, 3, 19, 9))  # yesterday
    frame = coaching_store.upcoming_conversations(con, user, start=day(20), end=day(3, 4))
    assert list(frame["id"]) == [todo, ready]
    assert list(frame["prep_complete"]) == [False, True]
    assert list(frame["questions"]) == [0, 4]
    assert frame["organization"].iloc[0] == "Engines Ltd"


# --- keep in touch ---------------------------------------------------------------------------

def test_keep_in_touch_six_weeks_after_the_last_touch_then_a_note_restarts_it(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    build.conversation(ada, held_on="2026-01-05", thank_you_on="2026-01-06")
    assert actions(con, user, today=day(16, 2)) == []  # 41 days after the thank-you
    (item,) = actions(con, user, today=day(17, 2))  # 42 days
    assert (item.kind, item.contact_id) == ("keep_in_touch", ada)

    coaching.complete_action(con, user, item, today=day(17, 2))
    coaching.complete_action(con, user, item, today=day(17, 2))  # same day: counted once
    assert coaching_store.touches_past_year(con, user, today=day(17, 2)) == {ada: 1}
    assert actions(con, user, today=day(17, 2)) == []
    assert actions(con, user, today=day(30, 3)) == []  # 41 days after the note
    (again,) = actions(con, user, today=day(31, 3))
    assert again.key != item.key  # a new quiet spell is a new item


def test_any_later_message_counts_as_a_touch(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    build.conversation(ada, held_on="2026-01-05", thank_you_on="2026-01-06")
    build.outreach(ada, "2026-03-01")
    (touch,) = coaching_store.contact_touches(con, user, today=TODAY)
    assert (touch.last_conversation_on, touch.last_touch_on) == (day(5, 1), day(1, 3))
    assert actions(con, user, today=TODAY) == []


def test_at_most_three_keep_in_touch_notes_a_year(con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada")
    build.conversation(ada, held_on="2025-02-01", thank_you_on="2025-02-01")
    for touched_on in (day(1, 3, 2025), day(15, 6, 2025), day(1, 9, 2025)):
        coaching_store.record_touch(con, user, ada, touched_on)
    # The March 2025 note is more than a year before today: two count, one more is suggested.
    assert coaching_store.touches_past_year(con, user, today=TODAY) == {ada: 2}
    assert kinds(actions(con, user)) == ["keep_in_touch"]
    coaching_store.record_touch(con, user, ada, day(1, 12, 2025))
    assert coaching_store.touches_past_year(con, user, today=TODAY) == {ada: 3}
    (touch,) = coaching_store.contact_touches(con, user, today=TODAY)
    assert touch.keep_in_touch_count_past_year == 3
    assert actions(con, user) == []


# --- weekly goal -----------------------------------------------------------------------------

def test_weekly_goal_item_below_the_goal(con, user, build):
    for name, sent in (("Ada", "2026-03-16"), ("Bo", "2026-03-20"), ("Cy", "2026-03-13")):
        build.respond(build.outreach(build.contact(name), sent), sent)
    (item,) = actions(con, user)  # default goal 5; two sent since Monday 16
    assert item.kind == "weekly_goal"
    assert item.title == "Send 3 more messages this week"
    coaching_store.set_own_goals(con, user, OwnGoals(2, 1, 8))
    assert actions(con, user) == []


# --- done and snooze -------------------------------------------------------------------------

def test_snooze_hides_until_the_day_it_ends(con, user, build):
    without_goal(con, user)
    build.outreach(build.contact("Ada"), "2026-03-13")
    (item,) = actions(con, user, today=day(18))
    until = coaching.snooze_action(con, user, item, today=day(18))
    assert until == day(21)
    assert actions(con, user, today=day(18)) == []
    assert actions(con, user, today=day(20)) == []
    assert [a.key for a in actions(con, user, today=day(21)) if a.kind == "next_contact"] == \
        [item.key]


def test_marks_are_upserted_and_listed(con, user):
    coaching_store.snooze(con, user, "next_contact:7", day(23))
    coaching_store.mark_done(con, user, "next_contact:7")
    coaching_store.snooze(con, user, "prepare:3", day(22))
    marks = coaching_store.action_marks(con, user)
    assert [d.key for d in marks.done] == ["next_contact:7"]
    assert [(s.key, s.until) for s in marks.snoozes] == [("prepare:3", day(22))]
    coaching_store.snooze(con, user, "next_contact:7", day(25))  # snoozing again replaces done
    marks = coaching_store.action_marks(con, user)
    assert marks.done == []
    assert len(marks.snoozes) == 2
    with pytest.raises(ValueError):
        coaching_store.mark_done(con, user, "not a key")


def test_done_persists_across_connections(db_path, con, user, build):
    without_goal(con, user)
    build.outreach(build.contact("Ada"), "2026-03-13")
    (item,) = actions(con, user, today=day(18))
    coaching.complete_action(con, user, item, today=day(18))
    con.close()
    again = db.connect(db_path)
    try:
        assert actions(again, user, today=day(18)) == []
    finally:
        again.close()


# --- goals -----------------------------------------------------------------------------------

def test_goals_default_then_class_then_own_then_back_to_class(con, user):
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert (goals.weekly_outreach, goals.weekly_conversations, goals.term_conversations) == \
        (5, 1, 8)
    assert goals.weekly_outreach_source == "default"

    make_class(con, user, weekly_goal=4, conversations_goal=6)
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert (goals.weekly_outreach, goals.weekly_conversations, goals.term_conversations) == \
        (4, 1, 6)
    assert (goals.weekly_outreach_source, goals.weekly_conversations_source,
            goals.term_conversations_source) == ("class", "default", "class")

    coaching_store.set_own_goals(con, user, coaching.clean_goals(
        {"weekly_outreach": "7", "weekly_conversations": 2, "term_conversations": 12}))
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert (goals.weekly_outreach, goals.weekly_conversations, goals.term_conversations) == \
        (7, 2, 12)
    assert goals.any_own and {goals.weekly_outreach_source, goals.term_conversations_source} \
        == {"own"}
    assert queries.user_profile(con, user)["weekly_goal"] == 7

    coaching_store.use_class_goals(con, user)
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert (goals.weekly_outreach, goals.weekly_conversations, goals.term_conversations) == \
        (4, 1, 6)
    assert not goals.any_own


def test_own_zero_goal_beats_the_class(con, user):
    make_class(con, user, weekly_goal=4)
    coaching_store.set_own_weekly_outreach_goal(con, user, 0)
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert (goals.weekly_outreach, goals.weekly_outreach_source) == (0, "own")
    assert goals.term_conversations_source == "class"  # the other goals stay the class's


def test_the_class_running_today_sets_the_goals(con, user):
    make_class(con, user, name="Next term", starts_on="2026-09-01", ends_on="2026-12-15",
               weekly_goal=9)
    make_class(con, user, name="This term", starts_on="2026-01-12", ends_on="2026-05-01",
               weekly_goal=3)
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert goals.class_goals.name == "This term"
    assert goals.weekly_outreach == 3
    after = coaching_store.effective_goals(con, user, today=day(1, 7))  # none running
    assert after.class_goals.name == "Next term"  # the first (latest-starting) one


@pytest.mark.parametrize("raw, field", [
    ({"weekly_outreach": 101, "weekly_conversations": 1, "term_conversations": 8},
     "weekly_outreach"),
    ({"weekly_outreach": 5, "weekly_conversations": -1, "term_conversations": 8},
     "weekly_conversations"),
    ({"weekly_outreach": 5, "weekly_conversations": 1, "term_conversations": 501},
     "term_conversations"),
    ({"weekly_outreach": 5, "weekly_conversations": 1.5, "term_conversations": 8},
     "weekly_conversations"),
    ({"weekly_outreach": "", "weekly_conversations": 1, "term_conversations": 8},
     "weekly_outreach"),
])
def test_goal_validation(raw, field):
    with pytest.raises(ValidationError) as problem:
        coaching.clean_goals(raw)
    assert list(problem.value.errors) == [field]


def test_the_store_refuses_out_of_range_goals(con, user):
    for goals in (OwnGoals(101, 1, 8), OwnGoals(5, 101, 8), OwnGoals(5, 1, 501),
                  OwnGoals(-1, 1, 8)):
        with pytest.raises(ValueError):
            coaching_store.set_own_goals(con, user, goals)
    coaching_store.set_own_goals(con, user, OwnGoals(100, 100, 500))
    assert coaching_store.own_goals(con, user) == OwnGoals(100, 100, 500)


# --- streak ----------------------------------------------------------------------------------

WEEK = dt.timedelta(days=7)
THIS_MONDAY = day(16)


def weeks(*counts_back: int) -> dict[dt.date, int]:
    """Counts for last week, the week before, … (index 0 = the last complete week)."""
    return {THIS_MONDAY - WEEK * (i + 1): n for i, n in enumerate(counts_back)}


@pytest.mark.parametrize("counts, this_week, goal, expected", [
    (weeks(5, 5, 4), 0, 5, 2),        # two complete weeks met, the third not
    (weeks(5, 5, 4), 5, 5, 3),        # this week already met: counts
    (weeks(5, 5, 4), 4, 5, 2),        # this week not yet met: does not break the streak
    (weeks(4, 5, 5), 0, 5, 0),        # last week missed: streak over
    (weeks(4, 5, 5), 6, 5, 1),        # … and restarted by this week
    (weeks(5, 0, 5), 0, 5, 1),        # an empty week ends it
    ({}, 0, 5, 0),
    (weeks(7, 7), 7, 0, 0),           # no goal, no streak
    (weeks(6, 9, 5, 5), 0, 5, 4),     # more than the goal counts
])
def test_streak(counts, this_week, goal, expected):
    counts = {**counts, THIS_MONDAY: this_week}
    for today in (THIS_MONDAY, day(20), day(22)):  # Monday, Friday, Sunday of this week
        assert streak(counts, goal, today=today) == expected


def test_streak_text():
    assert coaching.streak_text(0) == "No streak yet"
    assert coaching.streak_text(1) == "1 week meeting your goal"
    assert coaching.streak_text(3) == "3 weeks in a row"


def test_goals_strip_from_stored_records(con, user, build):
    coaching_store.set_own_goals(con, user, OwnGoals(2, 1, 4))
    contacts = [build.contact(f"C{i}") for i in range(7)]
    for contact, sent in zip(contacts, ["2026-03-02", "2026-03-03", "2026-03-09", "2026-03-10",
                                        "2026-03-16", "2026-03-17", "2026-02-23"]):
        build.outreach(contact, sent)
    build.conversation(contacts[0], held_on="2026-03-18")
    strip = coaching.goals_strip(con, user, today=TODAY)
    assert coaching_store.weekly_outreach_counts(con, user, until=TODAY) == {
        day(23, 2): 1, day(2): 2, day(9): 2, day(16): 2}
    assert (strip.outreach_this_week, strip.conversations_this_week) == (2, 1)
    assert strip.streak_weeks == 3  # weeks of 2 and 9 March, and this week (met already)
    assert (strip.term.starts_on, strip.term.held, strip.term.goal) == (day(23, 2), 1, 4)


# --- term progress ---------------------------------------------------------------------------

def test_term_progress_counts_from_the_class_start(con, user, build):
    make_class(con, user, starts_on="2026-01-12", conversations_goal=6)
    ada = build.contact("Ada")
    for held_on in ("2026-01-05", "2026-01-12", "2026-03-10"):
        build.conversation(ada, held_on=held_on, thank_you_on=held_on)
    term = coaching_store.term_progress(con, user, today=TODAY)
    assert (term.starts_on, term.ends_on, term.held, term.goal) == \
        (day(12, 1), day(1, 5), 2, 6)


def test_term_progress_without_a_class_counts_from_the_first_activity(con, user, build):
    assert coaching_store.term_progress(con, user, today=TODAY) == \
        coaching_store.TermProgress(None, None, 0, 8)
    ada = build.contact("Ada")
    build.outreach(ada, "2026-02-01")
    build.conversation(ada, held_on="2026-02-10")
    term = coaching_store.term_progress(con, user, today=TODAY)
    assert (term.starts_on, term.held, term.goal) == (day(1, 2), 1, 8)


# --- career goal, reflections, clarity -------------------------------------------------------

def test_career_goal_history_keeps_every_edit(con, user):
    assert coaching_store.current_career_goal(con, user) is None
    for hour, goal in enumerate(["Something in health", "Health data analyst",
                                 "Health data analyst at a public agency"]):
        coaching_store.add_career_goal(con, user, coaching.clean_career_goal(f"  {goal} "),
                                       set_at=dt.datetime(2026, 3, 1 + hour, 9))
    history = coaching_store.career_goal_history(con, user)
    assert list(history["goal"]) == ["Health data analyst at a public agency",
                                     "Health data analyst", "Something in health"]
    assert history["set_at"].iloc[-1].date() == day(1)
    assert coaching_store.current_career_goal(con, user) == \
        "Health data analyst at a public agency"


def test_career_goal_validation():
    with pytest.raises(ValidationError):
        coaching.clean_career_goal("   ")
    with pytest.raises(ValidationError):
        coaching.clean_career_goal("x" * 2001)
    assert coaching.clean_career_goal(" Line one\nline two ") == "Line one\nline two"


def test_reflections_and_clarity_over_time(con, user, build):
    ada = build.contact("Ada", organization="Engines Ltd")
    bo = build.contact("Bo", organization=None)
    first = build.conversation(ada, held_on="2026-03-02", clarity_before=2, clarity_after=4,
                               reflection="Data roles need SQL more than I thought.")
    build.conversation(bo, held_on="2026-03-05")  # nothing reflected: not listed
    latest = build.conversation(bo, held_on="2026-03-09", clarity_after=3)
    notes = coaching_store.reflections(con, user)
    assert list(notes["conversation_id"]) == [latest, first]  # newest first
    assert notes["organization"].iloc[1] == "Engines Ltd"
    assert notes["reflection"].iloc[1] == "Data roles need SQL more than I thought."
    clarity = coaching_store.clarity_over_time(con, user)
    assert [(r.held_on.date(), r.before, r.after) for r in clarity.itertuples()][0] == \
        (day(2), 2, 4)
    assert len(clarity) == 2 and clarity["before"].isna().iloc[1]


# --- isolation -------------------------------------------------------------------------------

def test_two_students_never_see_each_others_coaching(con, user, other_user, build, build_other):
    without_goal(con, user)
    without_goal(con, other_user)
    ada = build.contact("Ada")
    talk = build.conversation(ada, held_on="2026-03-19", clarity_before=1, clarity_after=2,
                              reflection="Mine")
    schedule(con, user, ada, dt.datetime(2026, 3, 21, 9))
    coaching_store.add_career_goal(con, user, "My goal")
    coaching_store.record_touch(con, user, ada, day(1))
    (item, *_) = actions(con, user)

    assert actions(con, other_user) == []
    assert coaching_store.reflections(con, other_user).empty
    assert coaching_store.clarity_over_time(con, other_user).empty
    assert coaching_store.career_goal_history(con, other_user).empty
    assert coaching_store.touches_past_year(con, other_user, today=TODAY) == {}
    assert coaching_store.upcoming_conversations(con, other_user, start=day(1)).empty
    with pytest.raises(NotFound):
        coaching_store.record_touch(con, other_user, ada, TODAY)
    with pytest.raises(NotFound):
        coaching.complete_action(con, other_user, item, today=TODAY)  # thank-you of another

    # The same key marked by the other student hides nothing of this one's.
    coaching_store.mark_done(con, other_user, f"thank_you:{talk}")
    assert f"thank_you:{talk}" in [a.key for a in actions(con, user)]

    theirs = build_other.contact("Theirs")
    build_other.conversation(theirs, held_on="2026-03-19")
    assert [a.contact_id for a in actions(con, other_user)] == [theirs]
    assert all(a.contact_id != theirs for a in actions(con, user))
    coaching_store.set_own_goals(con, other_user, OwnGoals(9, 9, 9))
    assert coaching_store.effective_goals(con, user, today=TODAY).weekly_outreach == 0


# --- chart -----------------------------------------------------------------------------------

def test_clarity_chart_tells_before_from_after_without_colour(con, user, build):
    from lib import charts, vocab

    ada = build.contact("Ada")
    build.conversation(ada, held_on="2026-03-02", clarity_before=2, clarity_after=4)
    build.conversation(ada, held_on="2026-03-09", clarity_before=3, clarity_after=3)
    frame = coaching_store.clarity_over_time(con, user)
    spec = charts.clarity_over_time_chart(frame).to_dict()
    description = charts.describe_clarity_over_time(frame)
    assert spec["description"] == description
    assert "2 rated conversations" in description and "1 of 2 left you clearer" in description
    lines, points = spec["layer"]
    assert lines["encoding"]["strokeDash"]["scale"]["domain"] == ["Before", "After"]
    assert points["encoding"]["shape"]["scale"]["range"] == ["triangle-up", "circle"]
    colours = lines["encoding"]["color"]["scale"]["range"]
    assert set(colours) <= set(vocab.PALETTE)
    empty = coaching_store.clarity_over_time(con, user).iloc[0:0]
    charts.clarity_over_time_chart(empty).to_dict()  # an empty frame still builds


def test_goals_source_text(con, user):
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert coaching.goals_source_text(goals).startswith("These are the suggested goals")
    make_class(con, user)
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert coaching.goals_source_text(goals).startswith("These are your class's goals (Career")
    coaching_store.set_own_weekly_outreach_goal(con, user, 3)
    goals = coaching_store.effective_goals(con, user, today=TODAY)
    assert coaching.goals_source_text(goals) == (
        "Goals in use — weekly outreach: your own; weekly conversations: the suggested default; "
        "term: your class's.")


def test_due_label_says_it_in_words():
    from lib.reminders import NextAction

    def item(due_on, overdue):
        return NextAction("thank_you", 1, 1, "t", "d", due_on, 0, overdue)

    assert coaching.due_label(item(day(18), True), TODAY) == (":material/warning:",
                                                             "Overdue by 2 days")
    assert coaching.due_label(item(TODAY, False), TODAY)[1] == "Due today"
    assert coaching.due_label(item(day(21), False), TODAY)[1] == "Due tomorrow"
    assert coaching.due_label(item(day(24), False), TODAY)[1] == "Due Tue 24 Mar"


# --- the pipeline's "Next step" ----------------------------------------------------------------

def test_next_step_per_contact_is_their_most_urgent_action_else_what_their_stage_calls_for(
        con, user, build):
    without_goal(con, user)
    ada = build.contact("Ada", organization="Engines Ltd")
    grace = build.contact("Grace")
    build.outreach(ada, "2026-03-06")  # Fri: 7 business days by Tue 17
    today = day(17)
    stages = {ada: "contacted", grace: "identified", 999: "thanked"}
    steps = coaching.next_steps(stages, actions(con, user, today=today), today)
    assert steps == {ada: "Follow up once · Due today", grace: "Reach out when you are ready",
                     999: "Nothing due"}
    # Only the contacts asked for; the first (most urgent) action about each wins.
    urgent, later = (reminders.NextAction("thank_you", 1, ada, "t", "d", day(15), 0, True),
                     reminders.NextAction("keep_in_touch", "x", ada, "k", "d", day(20), 5, False))
    assert coaching.next_steps({ada: "held"}, [urgent, later], today) == {
        ada: "Send a thank-you · Overdue by 2 days"}
    assert coaching.next_steps({}, [urgent], today) == {}
