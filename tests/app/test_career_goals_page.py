"""The Career goals page: the current goal and its history, clarity over time, reflections, and
the student's own weekly and term goals (which the dashboard then uses)."""

import datetime as dt

from streamlit.testing.v1 import AppTest

from lib import accounts, coaching_store
from tests.app.conftest import (add_contact, assert_healthy, charts_drawn, log_conversation,
                                open_page, unescaped)

TODAY = dt.date.today()


def career_goals_page(con, user_id) -> AppTest:
    """The page on its own (it is registered in app.py's navigation by the lead); signed in."""
    at = AppTest.from_file("../../pages/career_goals.py", default_timeout=30)
    at.secrets = {}
    at.session_state["_session_token"] = accounts.start_session(con, user_id)
    at.session_state["_routed"] = True
    at.run()
    assert_healthy(at)
    return at


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_saving_the_goal_twice_keeps_both_in_the_history(con, user_id):
    at = career_goals_page(con, user_id)
    assert "No career goal written yet" in " ".join(c.value for c in at.caption)
    at.text_area(key="career_goal_text").set_value("Something in healthcare")
    button(at, "Save goal").click()
    at.run()
    at.text_area(key="career_goal_text").set_value("Health data analyst")
    button(at, "Save goal").click()
    at.run()
    assert_healthy(at)
    history = coaching_store.career_goal_history(con, user_id)
    assert list(history["goal"]) == ["Health data analyst", "Something in healthcare"]
    assert at.text_area(key="career_goal_text").value == "Health data analyst"
    shown = [t.value for t in at.text]
    assert shown.index("Health data analyst") < shown.index("Something in healthcare")
    assert any("History (2 versions" in e.label for e in at.expander)


def test_saving_an_empty_goal_is_refused(con, user_id):
    at = career_goals_page(con, user_id)
    button(at, "Save goal").click()
    at.run()
    assert "Career goal is required" in unescaped(at.error)
    assert coaching_store.career_goal_history(con, user_id).empty


def test_clarity_chart_with_description_and_reflections(con, user_id):
    ada = add_contact(con, user_id, name="Ada", organization="Engines Ltd")
    log_conversation(con, user_id, ada, TODAY - dt.timedelta(days=9), clarity_before=2,
                     clarity_after=4, reflection="I want to work closer to data.")
    log_conversation(con, user_id, ada, TODAY - dt.timedelta(days=2), clarity_before=3,
                     clarity_after=3, reflection="Policy work is slower than I thought.")
    at = career_goals_page(con, user_id)
    (chart,) = charts_drawn(at)
    description = chart["alt"]
    assert "<svg" in chart["svg"] and "Clarity" in chart["svg"]
    assert description.startswith("Career-goal clarity (1–5) over 2 rated conversations")
    assert description in [c.value for c in at.caption]
    texts = [t.value for t in at.text]
    assert texts.index("Policy work is slower than I thought.") < \
        texts.index("I want to work closer to data.")  # newest first
    assert "Ada, Engines Ltd" in unescaped(at.markdown)
    captions = " ".join(c.value for c in at.caption)
    assert "Clarity 2 → 4 (clearer)" in captions and "Clarity 3 → 3 (same)" in captions


def test_empty_page_is_friendly(con, user_id):
    at = career_goals_page(con, user_id)
    assert not charts_drawn(at)
    assert "No clarity ratings yet" in unescaped(at.info)


def test_own_goals_are_used_by_the_dashboard_then_reset(app, con, user_id):
    add_contact(con, user_id, name="Ada")
    at = career_goals_page(con, user_id)
    inputs = {n.label: n for n in at.number_input}
    assert [n.value for n in inputs.values()] == [5, 1, 8]  # the suggested defaults
    inputs["Weekly outreach goal"].set_value(7)
    inputs["Weekly conversation goal"].set_value(2)
    inputs["Conversations goal for the term"].set_value(12)
    button(at, "Save my goals").click()
    at.run()
    assert_healthy(at)
    assert "These are your own goals." in [c.value for c in at.caption]

    dashboard = open_page(app, "pages/dashboard.py")
    metrics = {m.label: m.value for m in dashboard.metric}
    assert metrics["Outreach this week"].endswith("/ 7")
    assert metrics["Conversations this week"].endswith("/ 2")
    assert metrics["Term goal"].endswith("/ 12")

    button(at, "Use the suggested goals").click()
    at.run()
    assert [n.value for n in at.number_input] == [5, 1, 8]
    assert coaching_store.own_goals(con, user_id) == coaching_store.OwnGoals()
