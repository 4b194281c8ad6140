"""lib.metrics (and lib.dashboard) on hand-built data; every expected value computed by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from lib import dashboard, metrics, queries, store
from lib.queries import Filters

D = dt.date
TODAY = D(2026, 3, 20)  # a Friday


# --- business days ---------------------------------------------------------------------------

@pytest.mark.parametrize("start,end,expected", [
    (D(2026, 3, 20), D(2026, 3, 20), 0),   # same day
    (D(2026, 3, 20), D(2026, 3, 19), 0),   # end before start
    (D(2026, 3, 20), D(2026, 3, 21), 0),   # Fri → Sat
    (D(2026, 3, 20), D(2026, 3, 22), 0),   # Fri → Sun
    (D(2026, 3, 20), D(2026, 3, 23), 1),   # Fri → Mon
    (D(2026, 3, 21), D(2026, 3, 23), 1),   # Sat → Mon
    (D(2026, 3, 16), D(2026, 3, 23), 5),   # Mon → next Mon
    (D(2026, 3, 11), D(2026, 3, 20), 7),   # Wed → Fri of the next week
    (D(2026, 3, 12), D(2026, 3, 20), 6),
    (D(2026, 3, 2), D(2026, 3, 30), 20),   # four whole weeks
])
def test_business_days_between(start, end, expected):
    assert metrics.business_days_between(start, end) == expected


def test_week_start_is_monday():
    assert metrics.week_start(D(2026, 3, 20)) == D(2026, 3, 16)
    assert metrics.week_start(D(2026, 3, 16)) == D(2026, 3, 16)
    assert metrics.week_start(D(2026, 3, 15)) == D(2026, 3, 9)   # Sunday


def test_percent():
    assert metrics.percent(None) == "—"
    assert metrics.percent(0.5) == "50%"
    assert metrics.percent(2 / 3) == "67%"
    assert metrics.percent(1.0) == "100%"


# --- derive_stage ----------------------------------------------------------------------------

def row(**values):
    base = {"conversations": 0, "referrals_given": 0, "thanked": 0, "attempts": 0,
            "last_outcome": None, "accepted": False, "latest_attempt_outcome": None,
            "last_attempt": None, "last_sent_on": None}
    base.update(values)
    return base


def pending(attempt, last_sent_on):
    return row(attempts=attempt, last_attempt=attempt, latest_attempt_outcome="pending",
               last_sent_on=last_sent_on)


@pytest.mark.parametrize("values,expected", [
    (row(), "identified"),
    (pending(1, D(2026, 3, 18)), "contacted"),
    (pending(1, D(2026, 2, 2)), "contacted"),           # no follow-up yet: never no_response
    (pending(2, D(2026, 3, 12)), "contacted"),          # follow-up, 6 business days
    (pending(2, D(2026, 3, 11)), "no_response"),        # follow-up, 7 business days
    (pending(3, D(2026, 3, 1)), "no_response"),
    (pending(2, pd.Timestamp("2026-03-11")), "no_response"),  # as a frame gives it
    (row(attempts=1, last_attempt=1, last_outcome="accepted", accepted=True,
         latest_attempt_outcome="accepted"), "responded"),
    (row(attempts=2, last_attempt=2, last_outcome="declined", accepted=True,
         latest_attempt_outcome="declined"), "responded"),   # one yes is enough
    (row(attempts=1, last_attempt=1, last_outcome="declined",
         latest_attempt_outcome="declined"), "declined"),
    (row(attempts=2, last_attempt=2, last_outcome="declined", latest_attempt_outcome="pending",
         last_sent_on=D(2026, 3, 1)), "declined"),
    (row(conversations=1), "held"),
    (row(conversations=1, attempts=1, accepted=True), "held"),
    (row(conversations=1, thanked=1), "thanked"),
    (row(conversations=2, thanked=1, referrals_given=2), "referred"),
])
def test_derive_stage(values, expected):
    assert metrics.derive_stage(values, TODAY) == expected


def test_no_response_waits_for_the_seventh_business_day():
    follow_up = pending(2, D(2026, 3, 11))
    assert metrics.derive_stage(follow_up, D(2026, 3, 19)) == "contacted"
    assert metrics.derive_stage(follow_up, D(2026, 3, 20)) == "no_response"


def test_stages_of_the_sample(con, user, sample):
    staged = metrics.with_stages(queries.contact_pipeline(con, user), TODAY)
    assert dict(zip(staged["name"], staged["stage"])) == {
        "Ida": "identified", "Carl": "contacted", "Rita": "responded", "Hal": "held",
        "Theo": "thanked", "Ria": "referred", "Dee": "declined", "Nora": "no_response",
        "Fay": "contacted", "Wes": "contacted", "Ula": "contacted", "Zed": "identified"}


def test_with_stages_on_an_empty_pipeline(con, user):
    staged = metrics.with_stages(queries.contact_pipeline(con, user), TODAY)
    assert staged.empty and "stage" in staged.columns


# --- range, funnel, rates --------------------------------------------------------------------

def test_contacts_in_range_by_first_touch(con, user, sample):
    pipeline = queries.contact_pipeline(con, user)
    everyone = metrics.contacts_in_range(pipeline, Filters())
    assert sorted(everyone["name"]) == sorted(["Carl", "Rita", "Hal", "Theo", "Ria", "Dee",
                                               "Nora", "Fay", "Wes", "Ula"])  # not Ida, Zed
    later = metrics.contacts_in_range(pipeline, Filters(start=D(2026, 3, 9)))
    assert sorted(later["name"]) == ["Ula", "Wes"]
    first_days = metrics.contacts_in_range(pipeline, Filters(start=D(2026, 3, 3),
                                                             end=D(2026, 3, 3)))
    assert sorted(first_days["name"]) == ["Fay", "Hal", "Theo"]
    health = metrics.contacts_in_range(pipeline, Filters(industries=("Healthcare", "Law")))
    assert sorted(health["name"]) == ["Fay", "Hal", "Theo", "Ula", "Wes"]


def test_first_touch_is_conversation_when_no_message(build, con, user):
    build.conversation(held_on="2026-03-17", new_contact={"name": "Vic", "industry": "Law"})
    pipeline = queries.contact_pipeline(con, user)
    assert [d.date() for d in metrics.first_touch(pipeline)] == [D(2026, 3, 17)]
    assert list(metrics.contacts_in_range(pipeline, Filters(start=D(2026, 3, 17)))["name"]) \
        == ["Vic"]
    # a conversation without outreach still counts as contacted and responded
    assert list(metrics.funnel(pipeline)["contacts"]) == [1, 1, 1, 0, 0]


def test_funnel(con, user, sample):
    in_range = metrics.contacts_in_range(queries.contact_pipeline(con, user), Filters())
    funnel = metrics.funnel(in_range)
    assert list(funnel.columns) == ["order", "step", "contacts", "share"]
    assert list(funnel["step"]) == ["Contacted", "Responded", "Conversation held", "Thanked",
                                    "Gave a referral"]
    assert list(funnel["contacts"]) == [10, 5, 3, 2, 1]
    assert list(funnel["share"]) == pytest.approx([1.0, 0.5, 0.3, 0.2, 0.1])


def test_funnel_of_nothing():
    empty = metrics.funnel(pd.DataFrame())
    assert list(empty["contacts"]) == [0, 0, 0, 0, 0]
    assert list(empty["share"]) == [0.0] * 5


def test_response_rates_by_industry(con, user, sample):
    in_range = metrics.contacts_in_range(queries.contact_pipeline(con, user), Filters())
    rates = metrics.response_rates(in_range, "industry")
    assert list(rates.columns) == ["group", "contacted", "responded", "rate", "label"]
    assert list(rates.itertuples(index=False, name=None)) == [
        ("Education", 3, 2, pytest.approx(2 / 3), "67% (n=3)"),
        ("Healthcare", 3, 2, pytest.approx(2 / 3), "67% (n=3)"),
        ("Technology", 2, 1, 0.5, "50% (n=2)"),
        ("Law", 2, 0, 0.0, "0% (n=2)"),
    ]


def test_response_rates_by_first_channel(con, user, sample):
    in_range = metrics.contacts_in_range(queries.contact_pipeline(con, user), Filters())
    rates = metrics.response_rates(in_range, "first_channel")
    assert list(zip(rates["group"], rates["label"])) == [
        ("LinkedIn message", "67% (n=3)"),
        ("Email", "60% (n=5)"),
        ("In person", "0% (n=1)"),   # Wes: his first message was in person, the second email
        ("Phone", "0% (n=1)"),
    ]


def test_response_rates_equal_rates_larger_sample_first():
    def contact(industry, responded):
        return {"industry": industry, "first_channel": "email", "attempts": 1,
                "first_response_on": D(2026, 3, 3) if responded else None,
                "conversations": 0, "thanked": 0, "referrals_given": 0}

    pipeline = pd.DataFrame([contact("Arts", True), contact("Arts", False),
                             contact("Zoology", True), contact("Zoology", True),
                             contact("Zoology", False), contact("Zoology", False),
                             contact("Law", True)])
    rates = metrics.response_rates(pipeline, "industry")
    assert list(zip(rates["group"], rates["label"])) == [
        ("Law", "100% (n=1)"), ("Zoology", "50% (n=4)"), ("Arts", "50% (n=2)")]


def test_response_rates_with_no_one_contacted(con, user, build):
    build.contact("Ida")
    pipeline = queries.contact_pipeline(con, user)
    rates = metrics.response_rates(pipeline, "industry")
    assert rates.empty and list(rates.columns) == ["group", "contacted", "responded", "rate",
                                                   "label"]
    assert metrics.response_rates(pipeline.iloc[0:0], "first_channel").empty


# --- KPIs ------------------------------------------------------------------------------------

def _kpis(con, user, filters, goal=3):
    pipeline = queries.contact_pipeline(con, user)
    this_week = queries.outreach_log(con, user, Filters(start=metrics.week_start(TODAY),
                                                        end=TODAY))["sent_on"]
    return metrics.kpis(metrics.contacts_in_range(pipeline, filters),
                        queries.outreach_log(con, user, filters),
                        queries.conversation_log(con, user, filters),
                        this_week, today=TODAY, weekly_goal=goal)


def test_kpis_of_the_sample(con, user, sample):
    k = _kpis(con, user, Filters())
    assert k == metrics.Kpis(
        outreach_sent=13, contacted=10, responded=5, response_rate=0.5,
        median_days_to_response=2.0,          # waits 2, 3, 1, 1, 4 days
        conversations_held=3,
        thanked_within_24h=1,                 # Ria (next day); Theo took 2 days; Hal none
        thanked_within_24h_share=pytest.approx(1 / 3),
        this_week_outreach=2,                 # Mon 03-16 and Fri 03-20, not Sun 03-15
        weekly_goal=3)


def test_kpis_in_a_date_range(con, user, sample):
    k = _kpis(con, user, Filters(start=D(2026, 3, 9), end=D(2026, 3, 20)))
    assert (k.outreach_sent, k.contacted, k.responded, k.response_rate) == (5, 2, 0, 0.0)
    assert k.median_days_to_response is None
    assert (k.conversations_held, k.thanked_within_24h) == (2, 0)
    assert k.thanked_within_24h_share == 0.0
    assert k.this_week_outreach == 2  # this week ignores the range


def test_kpis_of_nothing(con, user):
    k = _kpis(con, user, Filters(), goal=5)
    assert k == metrics.Kpis(0, 0, 0, None, None, 0, 0, None, 0, 5)


def test_median_of_an_even_count(build, con, user):
    for name, sent, answered in [("A", "2026-03-02", "2026-03-03"),
                                 ("B", "2026-03-02", "2026-03-06")]:
        cid = build.contact(name)
        build.respond(build.outreach(cid, sent), answered)
    assert _kpis(con, user, Filters()).median_days_to_response == 2.5


def test_student_dashboard_puts_it_together(con, user, sample):
    store.set_weekly_goal(con, user, 3)
    board = dashboard.student_dashboard(con, user, Filters(), today=TODAY)
    assert board.kpis == _kpis(con, user, Filters(), goal=3)
    assert list(board.funnel["contacts"]) == [10, 5, 3, 2, 1]
    assert list(board.by_industry["label"]) == ["67% (n=3)", "67% (n=3)", "50% (n=2)",
                                                "0% (n=2)"]
    assert list(board.by_channel["group"])[0] == "LinkedIn message"
    assert int(board.weekly["count"].sum()) == 21  # 13 sent + 5 responses + 3 conversations
    assert int(board.insights["insights"].sum()) == 6
    assert board.industries == ["Education", "Healthcare", "Law", "Technology"]
    law = dashboard.student_dashboard(con, user, Filters(industries=("Law",)), today=TODAY)
    assert (law.kpis.contacted, law.kpis.outreach_sent, law.kpis.this_week_outreach) == (2, 3, 2)
    assert law.industries == board.industries  # the filter options are not narrowed


def test_a_scheduled_conversation_makes_the_stage_scheduled_until_it_is_held():
    import pandas as pd
    from lib.metrics import derive_stage
    base = {"conversations": 0, "referrals_given": 0, "thanked": 0, "attempts": 1,
            "last_outcome": "accepted", "accepted": True, "latest_attempt_outcome": "accepted",
            "last_attempt": 1, "last_sent_on": dt.date(2026, 3, 2), "scheduled": 1}
    assert derive_stage(pd.Series(base), dt.date(2026, 3, 20)) == "scheduled"
    assert derive_stage(pd.Series({**base, "scheduled": 0}), dt.date(2026, 3, 20)) == "responded"
    assert derive_stage(pd.Series({**base, "conversations": 1}), dt.date(2026, 3, 20)) == "held"


def test_filters_summary_says_what_the_figures_cover():
    first, today = dt.date(2026, 1, 12), dt.date(2026, 3, 20)

    def summary(**filters):
        return dashboard.filters_summary(Filters(**filters), default_start=first, today=today)

    assert summary() == "All your activity, every industry."
    assert summary(start=first, end=today) == "All your activity, every industry."
    assert summary(start=dt.date(2026, 3, 1), end=today) == \
        "Mar 01, 2026 – Mar 20, 2026, every industry."
    assert summary(industries=("Law",)) == "All your activity, Law."
    assert summary(industries=("Law", "Media", "Health", "Energy", "Retail")) == \
        "All your activity, Law, Media, Health and 2 more."


def test_a_date_range_picker_means_the_same_on_every_page():
    first, today = dt.date(2026, 1, 12), dt.date(2026, 3, 20)
    march = dt.date(2026, 3, 1)

    def picked(value):
        return dashboard.picked_range(value, default_start=first, today=today)

    assert picked((march, dt.date(2026, 3, 10))) == (march, dt.date(2026, 3, 10))
    # Only the start picked so far (the picker is still open): from it through today.
    assert picked((march,)) == (march, today)
    assert picked(march) == (march, today)
    # A start after today (a page whose picker allows it) is a one-day range, never reversed.
    assert picked((dt.date(2026, 4, 2),)) == (dt.date(2026, 4, 2), dt.date(2026, 4, 2))
    # Nothing picked (the picker cleared): the page's whole default range.
    assert picked(()) == (first, today)
    assert picked(None) == (first, today)
