"""lib.charts: each builder's Vega-Lite spec — marks, encodings, colours, description, labels."""

from __future__ import annotations


import pandas as pd
import pytest

from lib import charts, metrics, queries, vocab
from lib.queries import Filters


def spec(chart) -> dict:
    return chart.to_dict()


def rows_of(s: dict) -> list[dict]:
    """The records the chart ships (top-level dataset)."""
    return s["datasets"][s["data"]["name"]]


def layer(s: dict, mark: str) -> dict:
    (found,) = [layer for layer in s["layer"] if layer["mark"]["type"] == mark]
    return found


def rates_frame(rows):
    frame = pd.DataFrame(rows, columns=["group", "contacted", "responded"])
    frame["rate"] = frame["responded"] / frame["contacted"]
    frame["label"] = [f"{r:.0%} (n={n})" for r, n in zip(frame["rate"], frame["contacted"])]
    return frame


WEEKLY = pd.DataFrame({
    "week": pd.to_datetime(["2026-03-02", "2026-03-02", "2026-03-02", "2026-03-16"]),
    "measure": ["Outreach sent", "Responses received", "Conversations held", "Outreach sent"],
    "count": [8, 5, 1, 2],
})


def test_palette_is_okabe_ito():
    assert vocab.PALETTE[:3] == ["#0072B2", "#B97A00", "#009E73"]


# --- weekly activity -------------------------------------------------------------------------

def test_weekly_chart_marks_and_encodings():
    s = spec(charts.weekly_activity_chart(WEEKLY))
    assert sorted(layer_["mark"]["type"] for layer_ in s["layer"]) == ["line", "point"]
    line = layer(s, "line")["encoding"]
    assert (line["x"]["field"], line["x"]["type"]) == ("week", "temporal")
    assert (line["y"]["field"], line["y"]["type"]) == ("count", "quantitative")
    assert line["color"]["field"] == "measure"
    assert line["color"]["scale"]["domain"] == charts.MEASURES
    assert line["color"]["scale"]["range"] == vocab.PALETTE[:3]
    # not colour alone: dashes on the lines, shapes on the points
    assert line["strokeDash"]["field"] == "measure"
    assert len({str(d) for d in line["strokeDash"]["scale"]["range"]}) == 3
    point = layer(s, "point")["encoding"]
    assert point["shape"]["field"] == "measure"
    assert len(set(point["shape"]["scale"]["range"])) == 3
    assert s["width"] == "container"


def test_weekly_chart_description_has_the_totals_and_busiest_week():
    s = spec(charts.weekly_activity_chart(WEEKLY))
    assert s["description"] == (
        "Weekly activity over 2 weeks: outreach sent 10, responses received 5, conversations "
        "held 1; busiest week 2026-03-02 with 8 sent.")


def test_weekly_chart_fills_empty_weeks_with_zero():
    """A line must not bridge a week with no activity: 03-09 is present, at 0."""
    data = rows_of(spec(charts.weekly_activity_chart(WEEKLY)))
    assert len(data) == 3 * 3  # three weeks × three measures
    week_of_9th = [r for r in data if str(r["week"]).startswith("2026-03-09")]
    assert sorted(r["measure"] for r in week_of_9th) == sorted(charts.MEASURES)
    assert all(r["count"] == 0 for r in week_of_9th)
    sent_16th = [r["count"] for r in data if str(r["week"]).startswith("2026-03-16")
                 and r["measure"] == "Outreach sent"]
    assert sent_16th == [2]


def test_weekly_chart_from_the_query(con, user, sample):
    frame = queries.weekly_activity(con, user, Filters())
    s = spec(charts.weekly_activity_chart(frame))
    assert "outreach sent 13, responses received 5, conversations held 3" in s["description"]
    assert "busiest week 2026-03-02 with 8 sent" in s["description"]


def test_weekly_chart_empty():
    s = spec(charts.weekly_activity_chart(pd.DataFrame(columns=["week", "measure", "count"])))
    assert s["description"] == "Weekly activity: nothing logged in this period."


# --- response rates --------------------------------------------------------------------------

def test_rate_chart_marks_encodings_and_labels():
    frame = rates_frame([("Education", 5, 3), ("Law", 2, 1), ("Technology", 4, 0)])
    s = spec(charts.response_rate_chart(frame, "industry"))
    bar = layer(s, "bar")
    assert bar["mark"]["color"] == vocab.PALETTE[0]
    assert (bar["encoding"]["x"]["field"], bar["encoding"]["x"]["type"]) == ("rate",
                                                                             "quantitative")
    assert bar["encoding"]["y"]["field"] == "group"
    assert bar["encoding"]["y"]["sort"] == ["Education", "Law", "Technology"]  # frame order
    text = layer(s, "text")
    assert text["encoding"]["text"]["field"] == "label"
    assert [r["label"] for r in rows_of(s)] == ["60% (n=5)", "50% (n=2)", "0% (n=4)"]
    assert "Contacted (n)" in [t["title"] for t in bar["encoding"]["tooltip"]]


def test_rate_chart_description_names_the_highest():
    frame = rates_frame([("Education", 5, 3), ("Law", 2, 1)])
    s = spec(charts.response_rate_chart(frame, "industry"))
    assert "highest Education 60% (n=5)" in s["description"]
    assert s["description"] == ("Response rate by industry: highest Education 60% (n=5) "
                                "across 2 industry groups.")


def test_rate_chart_from_metrics(con, user, sample):
    in_range = metrics.contacts_in_range(queries.contact_pipeline(con, user), Filters())
    s = spec(charts.response_rate_chart(metrics.response_rates(in_range, "first_channel"),
                                        "channel"))
    assert "highest LinkedIn message 67% (n=3)" in s["description"]
    assert layer(s, "bar")["encoding"]["y"]["sort"] == ["LinkedIn message", "Email",
                                                        "In person", "Phone"]


def test_rate_chart_empty():
    s = spec(charts.response_rate_chart(metrics.response_rates(pd.DataFrame(), "industry"),
                                        "industry"))
    assert s["description"] == "Response rate by industry: no outreach in this period."


# --- funnel ----------------------------------------------------------------------------------

def test_funnel_chart(con, user, sample):
    in_range = metrics.contacts_in_range(queries.contact_pipeline(con, user), Filters())
    s = spec(charts.funnel_chart(metrics.funnel(in_range)))
    bar = layer(s, "bar")
    assert bar["mark"]["color"] == vocab.PALETTE[2]
    assert bar["encoding"]["x"]["field"] == "contacts"
    assert bar["encoding"]["y"]["field"] == "step"
    assert bar["encoding"]["y"]["sort"] == ["Contacted", "Responded", "Conversation held",
                                            "Thanked", "Gave a referral"]
    assert layer(s, "text")["encoding"]["text"]["field"] == "label"
    assert [r["label"] for r in rows_of(s)] == ["10 (100%)", "5 (50%)", "3 (30%)", "2 (20%)",
                                                "1 (10%)"]
    assert s["description"] == ("Funnel of contacts: contacted 10, responded 5, conversation "
                                "held 3, thanked 2, gave a referral 1.")


def test_funnel_chart_empty():
    s = spec(charts.funnel_chart(metrics.funnel(pd.DataFrame())))
    assert s["description"] == "Funnel: no contacts reached in this period."
    assert [r["label"] for r in rows_of(s)] == ["0 (0%)"] * 5


# --- insights heatmap ------------------------------------------------------------------------

def test_insights_heatmap():
    frame = pd.DataFrame({"industry": ["Law", "Technology", "Technology"],
                          "category": ["advice", "trend", "advice"],
                          "insights": [1, 4, 2]})
    s = spec(charts.insights_heatmap(frame))
    rect = layer(s, "rect")["encoding"]
    assert rect["x"]["field"] == "category_label"
    assert rect["x"]["sort"] == list(vocab.TIARA.values())
    assert rect["y"]["field"] == "industry"
    assert rect["color"]["field"] == "insights"
    text = layer(s, "text")["encoding"]
    assert text["text"]["field"] == "insights"  # every cell says its count
    # a full grid: 2 industries × 5 categories, missing pairs as 0
    data = rows_of(s)
    assert len(data) == 10
    cells = {(r["industry"], r["category"]): r["insights"] for r in data}
    assert cells[("Technology", "trend")] == 4 and cells[("Law", "resource")] == 0
    assert s["description"] == ("Insights by industry and TIARA category: 7 insights; most "
                                "from Technology (6); most common category Trend (4).")


def test_insights_heatmap_from_the_query(con, user, sample):
    frame = queries.insights_by_industry_category(con, user, Filters())
    s = spec(charts.insights_heatmap(frame))
    assert "6 insights" in s["description"]
    assert "most common category Advice (3)" in s["description"]


def test_insights_heatmap_empty():
    s = spec(charts.insights_heatmap(pd.DataFrame(columns=["industry", "category",
                                                           "insights"])))
    assert s["description"] == ("Insights by industry and TIARA category: none recorded in "
                                "this period.")


@pytest.mark.parametrize("build_chart", [
    lambda: charts.weekly_activity_chart(WEEKLY),
    lambda: charts.response_rate_chart(rates_frame([("A", 1, 1)]), "industry"),
    lambda: charts.funnel_chart(metrics.funnel(pd.DataFrame())),
    lambda: charts.insights_heatmap(pd.DataFrame({"industry": ["Law"], "category": ["trend"],
                                                  "insights": [1]})),
])
def test_every_chart_has_a_description_and_fills_its_container(build_chart):
    s = spec(build_chart())
    assert isinstance(s["description"], str) and len(s["description"]) > 20
    assert s["width"] == "container"


ALL_BUILDERS = [
    lambda: charts.weekly_activity_chart(WEEKLY),
    lambda: charts.response_rate_chart(rates_frame([("A", 1, 1)]), "industry"),
    lambda: charts.funnel_chart(metrics.funnel(pd.DataFrame())),
    lambda: charts.insights_heatmap(pd.DataFrame({"industry": ["Law"], "category": ["trend"],
                                                  "insights": [1]})),
    lambda: charts.conversations_distribution_chart(
        pd.DataFrame({"student_id": [1, 2, 3], "conversations": [0, 2, 2]}), 4),
    lambda: charts.industries_chart(pd.DataFrame({
        "industry": ["Law", "Tech"], "students": pd.array([6, None], dtype="Int64"),
        "conversations": [9.0, None], "label": ["9 conversations, 6 students", None],
        "suppressed": [False, True]}), 5),
    lambda: charts.clarity_change_chart(pd.DataFrame({"change": [-1, 0, 2],
                                                      "conversations": [1, 3, 4]})),
    lambda: charts.clarity_over_time_chart(pd.DataFrame({
        "held_on": pd.to_datetime(["2026-03-02", "2026-03-09"]), "before": [2, None],
        "after": [3, 4]})),
]


@pytest.mark.parametrize("build_chart", ALL_BUILDERS)
def test_plain_spec_is_the_validated_spec(build_chart):
    """to_spec skips schema validation: what it returns must equal what a validating to_dict
    returns (bar the default theme's view size), and be plain JSON."""
    import json

    validated = build_chart().to_dict()  # raises if the spec is not valid Vega-Lite
    validated["config"]["view"].pop("continuousWidth")
    validated["config"]["view"].pop("continuousHeight")
    if not validated["config"]["view"]:
        del validated["config"]["view"]
    if not validated["config"]:
        del validated["config"]
    plain = charts.to_spec(build_chart())
    assert plain == validated
    assert json.loads(json.dumps(plain)) == plain
    assert plain["description"] and plain["width"] == "container"
