"""lib.reminders: each rule at its boundary, done/snooze filtering, urgency order, time zones."""

from __future__ import annotations

import datetime as dt

import pytest

from lib.metrics import business_days_between
from lib.reminders import (
    URGENCY,
    ContactTouch,
    ConversationState,
    Done,
    NextAction,
    OutreachState,
    ScheduledState,
    Snooze,
    add_business_days,
    next_actions,
    today_in,
)

# March 2026: Mon 16, Tue 17, Wed 18, Thu 19, Fri 20, Sat 21, Sun 22, Mon 23 … Tue 31.
MON, TUE, WED, THU, FRI = (dt.date(2026, 3, d) for d in (16, 17, 18, 19, 20))
SAT, SUN = dt.date(2026, 3, 21), dt.date(2026, 3, 22)


def day(d: int, month: int = 3) -> dt.date:
    return dt.date(2026, month, d)


def sent(outreach_id=1, *, on=FRI, attempt=1, outcome="pending", contact_id=10,
         name="Ada Lovelace", organization="Engines Ltd") -> OutreachState:
    return OutreachState(outreach_id, contact_id, name, organization, on, attempt, outcome)


def held(conversation_id=1, *, on, thank_you_on=None, contact_id=10,
         name="Ada Lovelace") -> ConversationState:
    return ConversationState(conversation_id, contact_id, name, on, thank_you_on)


def booked(conversation_id=1, *, at, prep_complete=False, contact_id=10,
           name="Ada Lovelace") -> ScheduledState:
    return ScheduledState(conversation_id, contact_id, name, at, prep_complete)


def touch(contact_id=10, *, spoke_on, touched_on=None, count=0,
          name="Ada Lovelace") -> ContactTouch:
    return ContactTouch(contact_id, name, spoke_on, touched_on, count)


def actions(today, *, outreach=(), conversations=(), scheduled=(), touches=(),
            this_week=0, goal=0, snoozes=(), done=(), tz_name=None) -> list[NextAction]:
    return next_actions(today=today, outreach=outreach, conversations=conversations,
                        scheduled=scheduled, touches=touches, this_week_outreach=this_week,
                        weekly_goal=goal, snoozes=snoozes, done=done, tz_name=tz_name)


def kinds(result: list[NextAction]) -> list[str]:
    return [a.kind for a in result]


# --- business days ---------------------------------------------------------------------------

def test_friday_to_wednesday_is_three_business_days():
    assert business_days_between(FRI, day(24)) == 2
    assert business_days_between(FRI, day(25)) == 3


@pytest.mark.parametrize("start, n, expected", [
    (FRI, 0, FRI),
    (FRI, 1, day(23)),        # over the weekend to Monday
    (FRI, 3, day(25)),
    (FRI, 7, day(31)),
    (SAT, 1, day(23)),        # from a weekend day the count starts on Monday
    (SUN, 5, day(27)),
    (MON, 4, FRI),
])
def test_add_business_days(start, n, expected):
    assert add_business_days(start, n) == expected
    assert business_days_between(start, expected) == n


def test_add_business_days_rejects_negative():
    with pytest.raises(ValueError):
        add_business_days(FRI, -1)


# --- thank-you -------------------------------------------------------------------------------

@pytest.mark.parametrize("today, overdue, rank", [
    (WED, False, URGENCY.index("thank_you")),          # held today
    (THU, False, URGENCY.index("thank_you")),          # held yesterday: still within 24 h
    (FRI, True, URGENCY.index("thank_you_overdue")),   # the day after the due day
])
def test_thank_you_due_then_overdue(today, overdue, rank):
    (action,) = actions(today, conversations=[held(7, on=WED)])
    assert (action.kind, action.ref_id, action.contact_id) == ("thank_you", 7, 10)
    assert action.due_on == THU
    assert action.overdue is overdue
    assert action.urgency_rank == rank
    assert action.title == "Send a thank-you to Ada Lovelace"
    assert action.key == "thank_you:7"


def test_no_thank_you_once_sent_or_before_the_conversation():
    assert actions(FRI, conversations=[held(on=WED, thank_you_on=WED)]) == []
    assert actions(TUE, conversations=[held(on=WED)]) == []


# --- 3B7 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("today, expected", [
    (day(24), []),                    # Tue: 2 business days after Friday
    (day(25), ["next_contact"]),      # Wed: 3
    (day(30), ["next_contact"]),      # Mon: 6
    (day(31), ["follow_up"]),         # Tue: 7 — follow_up replaces next_contact
    (day(10, 4), ["follow_up"]),
])
def test_first_attempt_three_then_seven_business_days(today, expected):
    assert kinds(actions(today, outreach=[sent(on=FRI)])) == expected


def test_next_contact_names_the_organization_and_the_follow_up_day():
    (action,) = actions(day(25), outreach=[sent(on=FRI)])
    assert action.title == "Reach out to the next contact at Engines Ltd"
    assert action.due_on == day(25)
    assert action.overdue is False
    assert "Tue 31 Mar" in action.detail
    (later,) = actions(day(26), outreach=[sent(on=FRI)])
    assert later.overdue is True


def test_next_contact_without_an_organization():
    (action,) = actions(day(25), outreach=[sent(on=FRI, organization=None)])
    assert action.title == "Reach out to your next contact"
    assert "None" not in action.detail


def test_follow_up_title_and_due_day():
    (action,) = actions(day(31), outreach=[sent(4, on=FRI)])
    assert action.title == "Follow up once with Ada Lovelace"
    assert (action.key, action.due_on) == ("follow_up:4", day(31))


@pytest.mark.parametrize("today, expected", [
    (day(30), []),              # 6 business days after the follow-up
    (day(31), ["move_on"]),     # 7
])
def test_second_attempt_unanswered_seven_business_days_moves_on(today, expected):
    first = sent(1, on=day(2), attempt=1)
    follow = sent(2, on=FRI, attempt=2)
    result = actions(today, outreach=[first, follow])
    assert kinds(result) == expected
    if result:
        assert result[0].title == "Move on from Ada Lovelace"
        assert result[0].ref_id == 2


def test_earlier_attempt_with_a_later_one_gets_no_nudge():
    # Attempt 1 is long past 7 business days, but attempt 2 exists and is only 1 day old.
    result = actions(day(23), outreach=[sent(1, on=day(2)), sent(2, on=FRI, attempt=2)])
    assert result == []


@pytest.mark.parametrize("outcome", ["accepted", "declined"])
def test_answered_outreach_gets_no_nudge(outcome):
    assert actions(day(31), outreach=[sent(on=FRI, outcome=outcome)]) == []


def test_contact_with_a_conversation_gets_no_outreach_nudge():
    out = [sent(on=day(2))]
    assert actions(day(31), outreach=out,
                   conversations=[held(on=day(5), thank_you_on=day(5))]) == []
    assert actions(day(31), outreach=out,
                   scheduled=[booked(at=dt.datetime(2026, 4, 20, 10), prep_complete=True)]) == []


# --- prepare ---------------------------------------------------------------------------------

@pytest.mark.parametrize("at, expected", [
    (dt.datetime(2026, 3, 19, 23, 0), []),            # yesterday
    (dt.datetime(2026, 3, 20, 0, 0), ["prepare"]),    # today
    (dt.datetime(2026, 3, 23, 23, 59), ["prepare"]),  # today + 3
    (dt.datetime(2026, 3, 24, 0, 0), []),             # today + 4
])
def test_prepare_window(at, expected):
    assert kinds(actions(FRI, scheduled=[booked(at=at)])) == expected


def test_prepare_only_while_incomplete():
    at = dt.datetime(2026, 3, 21, 14, 0)
    (action,) = actions(FRI, scheduled=[booked(3, at=at)])
    assert action.title == "Prepare for your conversation with Ada Lovelace"
    assert (action.key, action.due_on, action.overdue) == ("prepare:3", SAT, False)
    assert action.detail.startswith("Tomorrow at 14:00")
    assert actions(FRI, scheduled=[booked(3, at=at, prep_complete=True)]) == []


def test_prepare_converts_aware_times_to_the_students_zone():
    # 20:00 UTC on Mon 23 is already Tue 24 in Tokyo: outside today+3 there, inside in UTC.
    at = dt.datetime(2026, 3, 23, 20, 0, tzinfo=dt.timezone.utc)
    assert kinds(actions(FRI, scheduled=[booked(at=at)])) == ["prepare"]
    assert actions(FRI, scheduled=[booked(at=at)], tz_name="Asia/Tokyo") == []


def test_prepare_soonest_first():
    later = booked(1, at=dt.datetime(2026, 3, 22, 9, 0), contact_id=1)
    sooner_same_day = booked(2, at=dt.datetime(2026, 3, 21, 16, 0), contact_id=2)
    soonest = booked(3, at=dt.datetime(2026, 3, 21, 9, 0), contact_id=3)
    result = actions(FRI, scheduled=[later, sooner_same_day, soonest])
    assert [a.ref_id for a in result] == [3, 2, 1]


# --- keep in touch ---------------------------------------------------------------------------

SPOKE = day(2)  # 42 days before Mon 13 April


@pytest.mark.parametrize("today, expected", [
    (day(12, 4), []),                  # 41 days
    (day(13, 4), ["keep_in_touch"]),   # 42 days
])
def test_keep_in_touch_after_six_weeks(today, expected):
    assert kinds(actions(today, touches=[touch(spoke_on=SPOKE)])) == expected


def test_keep_in_touch_detail_and_due_day():
    (action,) = actions(day(13, 4), touches=[touch(spoke_on=SPOKE)])
    assert action.title == "Keep in touch with Ada Lovelace"
    assert action.due_on == day(13, 4)
    assert action.detail.startswith("6 weeks since")
    assert action.key == "keep_in_touch:10@2026-03-02"


def test_a_recent_touch_restarts_the_six_weeks():
    recent = touch(spoke_on=SPOKE, touched_on=day(1, 4))
    assert actions(day(13, 4), touches=[recent]) == []
    assert kinds(actions(day(13, 5), touches=[recent])) == ["keep_in_touch"]


@pytest.mark.parametrize("count, expected", [(2, ["keep_in_touch"]), (3, []), (4, [])])
def test_keep_in_touch_at_most_three_a_year(count, expected):
    assert kinds(actions(day(13, 4), touches=[touch(spoke_on=SPOKE, count=count)])) == expected


def test_no_keep_in_touch_without_a_conversation():
    assert actions(day(13, 4), touches=[touch(spoke_on=None, touched_on=SPOKE)]) == []


# --- weekly goal -----------------------------------------------------------------------------

@pytest.mark.parametrize("this_week, goal, expected", [
    (3, 5, "Send 2 more messages this week"),
    (4, 5, "Send 1 more message this week"),
    (5, 5, None),
    (7, 5, None),
    (0, 0, None),
])
def test_weekly_goal(this_week, goal, expected):
    result = actions(THU, this_week=this_week, goal=goal)
    assert [a.title for a in result] == ([expected] if expected else [])
    if result:
        assert result[0].key == "weekly_goal:2026-03-16"
        assert result[0].due_on == SUN
        assert result[0].contact_id is None


# --- done and snooze -------------------------------------------------------------------------

def test_done_items_are_dropped_by_key():
    convs = [held(1, on=THU), held(2, on=THU, contact_id=11)]
    result = actions(FRI, conversations=convs, done=[Done("thank_you", 1)])
    assert [a.ref_id for a in result] == [2]


def test_done_next_contact_does_not_hide_the_later_follow_up():
    done = [Done("next_contact", 1)]
    assert actions(day(25), outreach=[sent(1)], done=done) == []
    assert kinds(actions(day(31), outreach=[sent(1)], done=done)) == ["follow_up"]


@pytest.mark.parametrize("today, shown", [(day(24), False), (day(25), True), (day(26), True)])
def test_snoozed_items_hidden_while_today_is_before_until(today, shown):
    convs = [held(1, on=day(23))]
    result = actions(today, conversations=convs, snoozes=[Snooze("thank_you", 1, until=day(25))])
    assert bool(result) is shown


def test_snooze_of_another_item_hides_nothing():
    snoozes = [Snooze("thank_you", 2, until=day(30))]
    result = actions(FRI, conversations=[held(1, on=THU)], snoozes=snoozes)
    assert kinds(result) == ["thank_you"]


# --- ordering --------------------------------------------------------------------------------

def test_urgency_order_across_kinds():
    today = day(13, 4)  # a Monday
    result = actions(
        today,
        conversations=[held(1, on=day(12, 4), contact_id=1),      # due thank-you
                       held(2, on=day(8, 4), contact_id=2)],      # overdue thank-you
        scheduled=[booked(3, at=dt.datetime(2026, 4, 14, 10), contact_id=3)],
        outreach=[sent(4, on=day(8, 4), contact_id=4),            # 3 bd: next_contact
                  sent(5, on=day(1, 4), contact_id=5),            # 8 bd: follow_up
                  sent(6, on=day(1, 4), attempt=2, contact_id=6)],  # move_on
        touches=[touch(7, spoke_on=SPOKE)],
        this_week=0, goal=5,
    )
    assert [(a.kind, a.ref_id) for a in result] == [
        ("thank_you", 2), ("thank_you", 1), ("prepare", 3), ("follow_up", 5), ("move_on", 6),
        ("next_contact", 4), ("keep_in_touch", "7@2026-03-02"), ("weekly_goal", "2026-04-13"),
    ]
    assert [a.urgency_rank for a in result] == list(range(8))


def test_within_a_kind_the_oldest_first():
    result = actions(day(31), outreach=[
        sent(1, on=day(18), contact_id=1),
        sent(2, on=day(16), contact_id=2),
        sent(3, on=day(17), contact_id=3),
    ])
    assert [a.ref_id for a in result] == [2, 3, 1]
    overdue = actions(day(31), conversations=[held(1, on=day(20), contact_id=1),
                                              held(2, on=day(10), contact_id=2)])
    assert [a.ref_id for a in overdue] == [2, 1]


# --- time zones ------------------------------------------------------------------------------

MONDAY_2330_UTC = dt.datetime(2026, 3, 16, 23, 30, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("tz_name, expected", [
    ("Asia/Tokyo", TUE),
    ("America/New_York", MON),
    ("UTC", MON),
    (None, MON),
    ("", MON),
    ("Not/AZone", MON),
    ("../etc/passwd", MON),
])
def test_today_in_the_students_zone(tz_name, expected):
    assert today_in(tz_name, MONDAY_2330_UTC) == expected


def test_today_in_accepts_a_non_utc_aware_now():
    tokyo_morning = MONDAY_2330_UTC.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert today_in("America/New_York", tokyo_morning) == MON


def test_today_in_defaults_to_now():
    assert isinstance(today_in("Europe/Berlin"), dt.date)
