"""The dashboard: first steps on an empty database, figures that match the records, filters."""

import datetime as dt

from lib import metrics, queries
from tests.app.conftest import (add_contact, charts_drawn, log_conversation, log_outreach,
                                open_page, respond, unescaped)

PAGE = "pages/dashboard.py"
TODAY = dt.date.today()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def seed(con, user_id):
    a = add_contact(con, user_id, name="Ana", organization="Acme", industry="Technology")
    b = add_contact(con, user_id, name="Ben", organization="Beta", industry="Technology")
    c = add_contact(con, user_id, name="Cy", organization="Campus", industry="Education")
    add_contact(con, user_id, name="Di", organization="Campus", industry="Education")
    oa = log_outreach(con, user_id, a, ago(10), "email")
    respond(con, user_id, oa, ago(10), ago(8), "accepted")
    log_outreach(con, user_id, b, ago(9), "linkedin")
    oc = log_outreach(con, user_id, c, ago(6), "email")
    respond(con, user_id, oc, ago(6), ago(2), "declined")
    log_conversation(con, user_id, a, ago(5), thank_you_on=ago(4),
                     insights=[{"category": "trend", "text": "Cloud costs matter"},
                               {"category": "advice", "text": "Learn SQL"}])


def test_empty_database_shows_first_steps_and_loads_demo(app, con, user_id):
    at = open_page(app, PAGE)
    assert not at.metric  # no empty charts or zero KPIs
    assert any("first informational interview" in s.value for s in at.header)
    next(b for b in at.button if b.label == "Load demo data").click()
    at.run()
    assert "Demo data loaded" in unescaped(at.success)
    assert int(metric(at, "Conversations")) >= 10
    assert len(charts_drawn(at)) == 5  # weekly, 2 rates, funnel, insights
    assert queries.table_counts(con, user_id)["contacts"] >= 30


def test_kpis_match_hand_computed_values(app, con, user_id):
    seed(con, user_id)
    at = open_page(app, PAGE)
    assert metric(at, "Outreach sent") == "3"
    assert metric(at, "Response rate") == "67%"
    assert any("2 of 3 contacts (n=3)" in c.value for c in at.caption)
    assert metric(at, "Days to reply") == "3"
    assert metric(at, "Conversations") == "1"
    assert metric(at, "Thanked in 24 h") == "100%"
    this_week = sum(1 for d in (ago(10), ago(9), ago(6)) if d >= metrics.week_start(TODAY))
    assert metric(at, "Outreach this week") == f"{this_week} / 5"
    charts = charts_drawn(at)
    assert len(charts) == 5


def test_industry_filter_applies_to_every_figure(app, con, user_id):
    seed(con, user_id)
    at = open_filters(open_page(app, PAGE))
    at.multiselect(key="dash_industries").set_value(["Education"])
    at.run()
    assert metric(at, "Outreach sent") == "1"
    assert metric(at, "Response rate") == "100%"
    assert metric(at, "Conversations") == "0"
    # No insight from Education: that chart gives way to a message.
    assert any("No insights logged" in i.value for i in at.info)
    assert any(c.value == "Showing: All your activity, Education\\." for c in at.caption)


def open_filters(at):
    """Open the "Filter by date or industry" panel (its widgets are drawn once it is open)."""
    assert not at.multiselect and not at.date_input  # closed: not drawn
    at.session_state["dash_filters"] = True
    at.run()
    return at


def test_filters_stay_in_effect_when_their_panel_is_closed(app, con, user_id):
    seed(con, user_id)
    at = open_filters(open_page(app, PAGE))
    at.date_input(key="dash_range").set_value((ago(7), TODAY))
    at.run()
    assert metric(at, "Outreach sent") == "1"
    at.session_state["dash_filters"] = False
    at.run()
    assert not at.date_input
    assert metric(at, "Outreach sent") == "1"
    assert any(f"{ago(7):%b %d, %Y}" in c.value for c in at.caption)
    at.session_state["dash_filters"] = True  # opened again: the range is still chosen
    at.run()
    assert at.date_input(key="dash_range").value == (ago(7), TODAY)


def test_date_range_filter(app, con, user_id):
    seed(con, user_id)
    at = open_filters(open_page(app, PAGE))
    at.date_input(key="dash_range").set_value((ago(7), TODAY))
    at.run()
    assert metric(at, "Outreach sent") == "1"  # only Cy's message, 6 days ago
    assert metric(at, "Conversations") == "1"


def test_weekly_goal_is_saved(app, con, user_id):
    seed(con, user_id)
    at = open_page(app, PAGE)
    at.number_input[0].set_value(8)
    at.run()
    assert queries.user_profile(con, user_id)["weekly_goal"] == 8
    assert metric(at, "Outreach this week").endswith("/ 8")


def test_figures_follow_every_write_at_once(app, con, user_id):
    """The figures and charts are cached per student, keyed by a fingerprint of their records:
    a new message, an edited response or a deleted conversation shows on the next run."""
    from lib import store

    seed(con, user_id)
    at = open_page(app, PAGE)
    assert metric(at, "Outreach sent") == "3"
    at.run()  # served from the cache
    assert metric(at, "Outreach sent") == "3"
    d = add_contact(con, user_id, name="Dee", organization="Delta", industry="Law")
    log_outreach(con, user_id, d, ago(1), "email")
    at.run()
    assert metric(at, "Outreach sent") == "4"
    at.session_state["chart_industry_data"] = True  # open its "Show data"
    at.run()
    assert any("Law" in str(frame.value.to_csv()) for frame in at.dataframe)
    conversation = queries.conversation_log(con, user_id, queries.Filters())["id"].iloc[0]
    store.delete_conversation(con, user_id, int(conversation))
    at.run()
    assert metric(at, "Conversations") == "0"


def test_every_chart_has_its_table_once_opened(app, con, user_id):
    seed(con, user_id)
    at = open_page(app, PAGE)
    charts = charts_drawn(at)
    assert len(charts) == 5
    assert len([e for e in at.expander if e.label == "Show data"]) == 5
    assert not at.dataframe  # drawn only when opened
    for key in ("chart_weekly", "chart_industry", "chart_channel", "chart_funnel",
                "chart_insights"):
        at.session_state[f"{key}_data"] = True
    at.run()
    assert len(at.dataframe) == 5
    assert len(charts_drawn(at)) == 5


def test_a_chart_the_renderer_cannot_draw_leaves_the_page_working(app, con, user_id,
                                                                   monkeypatch):
    """Should the chart renderer fail, each chart says so and keeps its description and its
    table; the figures and the rest of the page are there, no error page."""
    import vl_convert

    from lib import chart_images

    def broken(spec):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", broken)
    chart_images.forget()
    seed(con, user_id)
    at = open_page(app, PAGE)
    assert not at.exception
    assert not charts_drawn(at)
    assert len([w for w in at.warning if "could not be drawn" in w.value]) == 5
    assert metric(at, "Outreach sent") == "3"
    assert len([e for e in at.expander if e.label == "Show data"]) == 5
    assert "Something went wrong" not in unescaped(at.error)
