"""Chart builders: small frame in, Altair chart out. Each chart carries a text description (its
aria-label) with the headline figure, and never uses colour alone: labels, dashes or shapes
say the same thing."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib import vocab

MEASURES = ["Outreach sent", "Responses received", "Conversations held"]
_MEASURE_COLOURS = vocab.PALETTE[:3]
_MEASURE_DASHES = [[1, 0], [6, 3], [2, 2]]
_TIARA_ORDER = [vocab.TIARA[k] for k in vocab.TIARA]


def _base(chart: alt.Chart, description: str, height: int = 260) -> alt.Chart:
    return chart.properties(description=description, height=height, width="container")


def describe_weekly(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "Weekly activity: nothing logged in this period."
    totals = frame.groupby("measure")["count"].sum()
    parts = [f"{m.lower()} {int(totals.get(m, 0))}" for m in MEASURES]
    busiest = frame[frame["measure"] == "Outreach sent"]
    peak = ""
    if not busiest.empty:
        top = busiest.loc[busiest["count"].idxmax()]
        peak = f"; busiest week {pd.Timestamp(top['week']).date().isoformat()} with {int(top['count'])} sent"
    return f"Weekly activity over {frame['week'].nunique()} weeks: {', '.join(parts)}{peak}."


def weekly_activity_chart(frame: pd.DataFrame) -> alt.Chart:
    """Lines per measure over weeks; each measure has its own colour, dash and point shape."""
    data = frame.copy()
    data["week"] = pd.to_datetime(data["week"])
    encoding_colour = alt.Color("measure:N", title=None,
                                scale=alt.Scale(domain=MEASURES, range=_MEASURE_COLOURS),
                                legend=alt.Legend(orient="top"))
    base = alt.Chart(data).encode(
        x=alt.X("week:T", title="Week starting", axis=alt.Axis(format="%b %d", tickCount="week")),
        y=alt.Y("count:Q", title="Count", axis=alt.Axis(tickMinStep=1)),
        color=encoding_colour,
        tooltip=[alt.Tooltip("week:T", title="Week of", format="%Y-%m-%d"),
                 alt.Tooltip("measure:N", title="What"), alt.Tooltip("count:Q", title="Count")],
    )
    lines = base.mark_line(strokeWidth=2.5).encode(
        strokeDash=alt.StrokeDash("measure:N", scale=alt.Scale(domain=MEASURES,
                                                               range=_MEASURE_DASHES),
                                  legend=None))
    points = base.mark_point(size=60, filled=True).encode(
        shape=alt.Shape("measure:N", scale=alt.Scale(domain=MEASURES,
                                                     range=["circle", "square", "triangle-up"]),
                        legend=None))
    return _base(alt.layer(lines, points), describe_weekly(frame))


def describe_rates(frame: pd.DataFrame, what: str) -> str:
    if frame.empty:
        return f"Response rate by {what}: no outreach in this period."
    top = frame.iloc[0]
    return (f"Response rate by {what}: highest {top['group']} {top['rate']:.0%} "
            f"(n={int(top['contacted'])}) across {len(frame)} {what} groups.")


def response_rate_chart(frame: pd.DataFrame, what: str) -> alt.Chart:
    """Horizontal bars of response rate, with "rate (n=…)" written beside each bar."""
    order = list(frame["group"])
    y = alt.Y("group:N", title=None, sort=order, axis=alt.Axis(labelLimit=180))
    bars = alt.Chart(frame).mark_bar(color=vocab.PALETTE[0]).encode(
        x=alt.X("rate:Q", title="Response rate", scale=alt.Scale(domain=[0, 1.25]),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        y=y,
        tooltip=[alt.Tooltip("group:N", title=what.capitalize()),
                 alt.Tooltip("rate:Q", title="Response rate", format=".0%"),
                 alt.Tooltip("responded:Q", title="Responded"),
                 alt.Tooltip("contacted:Q", title="Contacted (n)")],
    )
    labels = alt.Chart(frame).mark_text(align="left", dx=4).encode(
        x="rate:Q", y=y, text="label:N")
    height = max(120, 28 * len(frame) + 40)
    return _base(bars + labels, describe_rates(frame, what), height=height)


def describe_funnel(frame: pd.DataFrame) -> str:
    if frame.empty or int(frame["contacts"].iloc[0]) == 0:
        return "Funnel: no contacts reached in this period."
    steps = ", ".join(f"{r.step.lower()} {int(r.contacts)}" for r in frame.itertuples())
    return f"Funnel of contacts: {steps}."


def funnel_chart(frame: pd.DataFrame) -> alt.Chart:
    order = list(frame["step"])
    data = frame.assign(label=[f"{int(c)} ({s:.0%})" for c, s in zip(frame["contacts"],
                                                                      frame["share"])])
    y = alt.Y("step:N", title=None, sort=order)
    bars = alt.Chart(data).mark_bar(color=vocab.PALETTE[2]).encode(
        x=alt.X("contacts:Q", title="Contacts", axis=alt.Axis(tickMinStep=1)),
        y=y,
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("contacts:Q", title="Contacts"),
                 alt.Tooltip("share:Q", title="Of contacted", format=".0%")],
    )
    labels = alt.Chart(data).mark_text(align="left", dx=4).encode(x="contacts:Q", y=y,
                                                                  text="label:N")
    return _base(bars + labels, describe_funnel(frame), height=200)


def describe_insights(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "Insights by industry and TIARA category: none recorded in this period."
    total = int(frame["insights"].sum())
    by_industry = frame.groupby("industry")["insights"].sum().sort_values(ascending=False)
    by_category = frame.groupby("category")["insights"].sum().sort_values(ascending=False)
    return (f"Insights by industry and TIARA category: {total} insights; most from "
            f"{by_industry.index[0]} ({int(by_industry.iloc[0])}); most common category "
            f"{vocab.label(vocab.TIARA, by_category.index[0])} ({int(by_category.iloc[0])}).")


def insights_heatmap(frame: pd.DataFrame) -> alt.Chart:
    """Industry × TIARA category grid; every cell shows its count as text."""
    data = frame.assign(category_label=[vocab.label(vocab.TIARA, c) for c in frame["category"]])
    base = alt.Chart(data).encode(
        x=alt.X("category_label:N", title="TIARA category", sort=_TIARA_ORDER,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("industry:N", title=None, axis=alt.Axis(labelLimit=180)),
    )
    cells = base.mark_rect(stroke="#888", strokeWidth=0.5).encode(
        color=alt.Color("insights:Q", title="Insights",
                        scale=alt.Scale(scheme="blues", domainMin=0)),
        tooltip=[alt.Tooltip("industry:N", title="Industry"),
                 alt.Tooltip("category_label:N", title="Category"),
                 alt.Tooltip("insights:Q", title="Insights")],
    )
    maximum = max(1, int(frame["insights"].max())) if len(frame) else 1
    text = base.mark_text(fontWeight="bold").encode(
        text="insights:Q",
        color=alt.condition(f"datum.insights > {maximum / 2}", alt.value("white"),
                            alt.value("black")),
    )
    height = max(120, 30 * max(1, frame["industry"].nunique()) + 40)
    return _base(cells + text, describe_insights(frame), height=height)
