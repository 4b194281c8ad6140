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


def _base(chart: alt.Chart, description: str, height: int | alt.Step = 260) -> alt.Chart:
    return chart.properties(description=description, height=height, width="container")


# Altair's default theme only adds a default view size; Streamlit draws charts without it.
_DEFAULT_THEME_VIEW = {"continuousWidth": 300, "continuousHeight": 300}


def to_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a plain Vega-Lite dict (data inline under `datasets`), for
    `st.vega_lite_chart`. Not validated against the Vega-Lite schema on the way: validating is
    most of what an Altair chart costs Streamlit per run, and tests/unit/test_charts.py checks
    that every builder here makes a valid spec. Altair's default-theme view size is left out,
    as Streamlit does for Altair charts. A dict can be cached and sent again unchanged."""
    spec = chart.to_dict(validate=False)
    config = spec.get("config", {})
    view = config.get("view", {})
    for name, value in _DEFAULT_THEME_VIEW.items():
        if view.get(name) == value:
            del view[name]
    if "view" in config and not view:
        del config["view"]
    if "config" in spec and not config:
        del spec["config"]
    return spec


def complete_weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """Every week between the first and the last, each measure present (0 when nothing
    happened), so a line never bridges an empty week."""
    if frame.empty:
        return frame
    weeks = pd.date_range(pd.to_datetime(frame["week"]).min(), pd.to_datetime(frame["week"]).max(),
                          freq="7D")
    grid = pd.MultiIndex.from_product([weeks, MEASURES], names=["week", "measure"])
    counts = frame.assign(week=pd.to_datetime(frame["week"])).set_index(["week", "measure"])
    return counts["count"].reindex(grid, fill_value=0).reset_index()


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
    data = complete_weeks(frame)
    encoding_colour = alt.Color("measure:N", title=None,
                                scale=alt.Scale(domain=MEASURES, range=_MEASURE_COLOURS),
                                legend=alt.Legend(
                                    orient="top", columns=3,
                                    # short labels fit one row on a phone
                                    labelExpr="split(datum.label, ' ')[0] == 'Outreach'"
                                              " ? 'Messages sent' : split(datum.label, ' ')[0]"))
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
    return _base(alt.layer(lines, points), describe_weekly(frame), height=300)


def describe_rates(frame: pd.DataFrame, what: str) -> str:
    shown = frame[frame["rate"].notna()] if len(frame) else frame
    if shown.empty:
        return (f"Response rate by {what}: no outreach in this period." if frame.empty else
                f"Response rate by {what}: every group is too small to show.")
    top = shown.sort_values(["rate", "contacted"], ascending=False).iloc[0]
    return (f"Response rate by {what}: highest {top['group']} {top['rate']:.0%} "
            f"(n={int(top['contacted'])}) across {len(frame)} {what} groups.")


def response_rate_chart(frame: pd.DataFrame, what: str) -> alt.Chart:
    """Horizontal bars of response rate, with "rate (n=…)" written beside each bar."""
    order = list(frame["group"])
    # A suppressed group has no rate: its label ("fewer than 5 students") starts at 0.
    frame = frame.assign(at=frame["rate"].astype(float).fillna(0.0))
    y = alt.Y("group:N", title=None, sort=order, axis=alt.Axis(labelLimit=180))
    bars = alt.Chart(frame).mark_bar(color=vocab.PALETTE[0]).encode(
        # Room right of a 100 % bar for its label (see industries_chart).
        x=alt.X("rate:Q", title="Response rate", scale=alt.Scale(domain=[0, 1.8], nice=False),
                axis=alt.Axis(format="%", values=[0, 0.5, 1])),
        y=y,
        tooltip=[alt.Tooltip("group:N", title=what.capitalize()),
                 alt.Tooltip("rate:Q", title="Response rate", format=".0%"),
                 alt.Tooltip("responded:Q", title="Responded"),
                 alt.Tooltip("contacted:Q", title="Contacted (n)")],
    )
    labels = alt.Chart(frame).mark_text(align="left", dx=4).encode(
        x="at:Q", y=y, text="label:N")
    return _base(bars + labels, describe_rates(frame, what), height=alt.Step(30))


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
    return _base(bars + labels, describe_funnel(frame), height=alt.Step(32))


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
    grid = pd.MultiIndex.from_product([sorted(frame["industry"].unique()), list(vocab.TIARA)],
                                      names=["industry", "category"])
    data = (frame.set_index(["industry", "category"])["insights"]
            .reindex(grid, fill_value=0).reset_index())
    data["category_label"] = [vocab.label(vocab.TIARA, c) for c in data["category"]]
    base = alt.Chart(data).encode(
        x=alt.X("category_label:N", title="TIARA category", sort=_TIARA_ORDER,
                axis=alt.Axis(labelAngle=-30, labelOverlap=False)),
        y=alt.Y("industry:N", title=None, axis=alt.Axis(labelLimit=180)),
    )
    cells = base.mark_rect(stroke="#888", strokeWidth=0.5).encode(
        color=alt.Color("insights:Q", title="Insights", legend=None,
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
    return _base(cells + text, describe_insights(frame), height=alt.Step(30))


# --- class (instructor) charts ---------------------------------------------------------------

def describe_distribution(frame: pd.DataFrame, goal: int) -> str:
    if frame.empty:
        return "Conversations per student: no students in this class yet."
    counts = frame["conversations"]
    reached = int((counts >= goal).sum()) if goal else len(counts)
    return (f"Conversations per student: median {counts.median():g} against a goal of {goal}; "
            f"{reached} of {len(counts)} students have reached the goal.")


def conversations_distribution_chart(frame: pd.DataFrame, goal: int) -> alt.Chart:
    """How many students held 0, 1, 2, … conversations, with the term goal as a labelled rule."""
    data = (frame.groupby("conversations").size().rename("students").reset_index()
            if len(frame) else pd.DataFrame({"conversations": [], "students": []}))
    # Headroom above the tallest bar for its count and for the goal's label.
    most = float(data["students"].max()) if len(data) else 1.0
    bars = alt.Chart(data).mark_bar(color=vocab.PALETTE[0]).encode(
        x=alt.X("conversations:O", title="Conversations held"),
        y=alt.Y("students:Q", title="Students", axis=alt.Axis(tickMinStep=1),
                scale=alt.Scale(domain=[0, max(most, 1.0) * 1.3], nice=False)),
        tooltip=[alt.Tooltip("conversations:O", title="Conversations"),
                 alt.Tooltip("students:Q", title="Students")],
    )
    labels = bars.mark_text(dy=-6).encode(text="students:Q")
    rule_data = pd.DataFrame({"goal": [goal], "label": [f"goal {goal}"]})
    rule = alt.Chart(rule_data).mark_rule(color=vocab.PALETTE[5], strokeDash=[6, 3],
                                          strokeWidth=2).encode(x="goal:O")
    rule_label = alt.Chart(rule_data).mark_text(align="left", dx=4, baseline="top",
                                                color=vocab.PALETTE[5]).encode(
        x="goal:O", y=alt.value(2), text="label:N")
    return _base(bars + labels + rule + rule_label, describe_distribution(frame, goal))


def describe_industries(frame: pd.DataFrame) -> str:
    shown = frame[~frame["suppressed"]] if "suppressed" in frame else frame
    if shown.empty:
        return "Industries explored: no industry has enough students to show yet."
    top = shown.sort_values("students", ascending=False).iloc[0]
    return (f"Industries explored: {len(frame)} industries; most explored {top['industry']} "
            f"by {int(top['students'])} students in {int(top['conversations'])} conversations.")


def industries_chart(frame: pd.DataFrame, min_group: int) -> alt.Chart:
    """Students per industry, with the conversation count written beside each bar; industries
    with fewer than `min_group` students show that sentence instead of figures."""
    data = frame.copy()
    data["label"] = [f"fewer than {min_group} students" if s else
                     f"{int(n)} ({int(c)} conv.)"
                     for s, n, c in zip(data["suppressed"], data["students"].fillna(0),
                                        data["conversations"].fillna(0))]
    order = list(data.sort_values("students", ascending=False, na_position="last")["industry"])
    y = alt.Y("industry:N", title=None, sort=order, axis=alt.Axis(labelLimit=180))
    # Room right of the longest bar for its label: a label drawn past the plot would make a
    # chart of fixed width (lib.chart_images) shrink its bars to make space.
    most = float(data["students"].max()) if data["students"].notna().any() else 1.0
    bars = alt.Chart(data).mark_bar(color=vocab.PALETTE[2]).encode(
        x=alt.X("students:Q", title="Students (conversations held)",
                scale=alt.Scale(domain=[0, max(most, 1.0) * 2.6], nice=False),
                axis=alt.Axis(tickMinStep=1, values=list(range(0, int(max(most, 1)) + 1,
                                                               max(1, int(most) // 4 or 1))))),
        y=y, tooltip=[alt.Tooltip("industry:N", title="Industry"),
                      alt.Tooltip("label:N", title="Explored by")])
    data["at"] = data["students"].astype(float).fillna(0.0)  # suppressed: label at 0
    labels = alt.Chart(data).mark_text(align="left", dx=4).encode(
        x=alt.X("at:Q"), y=y, text="label:N")
    return _base(bars + labels, describe_industries(frame), height=alt.Step(30))


def describe_clarity(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "Career-clarity change: no conversation has a before and after rating yet."
    total = int(frame["conversations"].sum())
    up = int(frame.loc[frame["change"] > 0, "conversations"].sum())
    return (f"Career-clarity change (after − before): {up} of {total} rated conversations "
            f"({up / total:.0%}) left the student clearer.")


def clarity_change_chart(frame: pd.DataFrame) -> alt.Chart:
    data = frame.assign(direction=["clearer" if c > 0 else "same" if c == 0 else "less clear"
                                   for c in frame["change"]])
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("change:O", title="Clarity after − before", sort=list(range(-4, 5)),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("conversations:Q", title="Conversations", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("direction:N", title=None,
                        scale=alt.Scale(domain=["less clear", "same", "clearer"],
                                        range=[vocab.PALETTE[5], "#808080", vocab.PALETTE[0]]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("change:O", title="Change"),
                 alt.Tooltip("conversations:Q", title="Conversations")],
    )
    labels = alt.Chart(data).mark_text(dy=-6).encode(
        x=alt.X("change:O", sort=list(range(-4, 5))), y="conversations:Q",
        text="conversations:Q")
    return _base(bars + labels, describe_clarity(frame))


# --- career clarity (student) ----------------------------------------------------------------

CLARITY_SERIES = ["Before", "After"]
_CLARITY_COLOURS = [vocab.PALETTE[1], vocab.PALETTE[0]]
_CLARITY_DASHES = [[6, 3], [1, 0]]
_CLARITY_SHAPES = ["triangle-up", "circle"]


def describe_clarity_over_time(frame: pd.DataFrame) -> str:
    """`frame`: held_on, before, after (1–5, either may be missing), one row per conversation."""
    if frame.empty:
        return "Career-goal clarity over time: no rated conversation yet."
    first = pd.Timestamp(frame["held_on"].min()).date().isoformat()
    last = pd.Timestamp(frame["held_on"].max()).date().isoformat()
    parts = []
    for column, word in (("before", "before"), ("after", "after")):
        values = pd.to_numeric(frame[column], errors="coerce").dropna()
        if len(values):
            parts.append(f"average {word} {values.mean():.1f}")
    both = frame.dropna(subset=["before", "after"])
    clearer = int((pd.to_numeric(both["after"]) > pd.to_numeric(both["before"])).sum())
    latest = pd.to_numeric(frame["after"], errors="coerce").dropna()
    tail = f"; latest after {int(latest.iloc[-1])} of 5" if len(latest) else ""
    return (f"Career-goal clarity (1–5) over {len(frame)} rated conversations from {first} to "
            f"{last}: {', '.join(parts)}; {clearer} of {len(both)} left you clearer{tail}.")


def clarity_over_time_chart(frame: pd.DataFrame) -> alt.Chart:
    """Clarity before and after each conversation, as two series told apart by colour, dash and
    point shape (Okabe–Ito palette)."""
    long = (frame.assign(held_on=pd.to_datetime(frame["held_on"]))
            .melt(id_vars=["held_on"], value_vars=["before", "after"], var_name="series",
                  value_name="clarity")
            .dropna(subset=["clarity"]))
    long["series"] = long["series"].str.capitalize()
    long["clarity"] = long["clarity"].astype(int)
    base = alt.Chart(long).encode(
        x=alt.X("held_on:T", title="Conversation date", axis=alt.Axis(format="%b %d")),
        y=alt.Y("clarity:Q", title="Clarity (1–5)", scale=alt.Scale(domain=[1, 5]),
                axis=alt.Axis(values=[1, 2, 3, 4, 5])),
        color=alt.Color("series:N", title=None,
                        scale=alt.Scale(domain=CLARITY_SERIES, range=_CLARITY_COLOURS),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("held_on:T", title="Held on", format="%Y-%m-%d"),
                 alt.Tooltip("series:N", title="When"),
                 alt.Tooltip("clarity:Q", title="Clarity")],
    )
    lines = base.mark_line(strokeWidth=2.5).encode(
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=CLARITY_SERIES,
                                                              range=_CLARITY_DASHES),
                                  legend=None))
    points = base.mark_point(size=70, filled=True).encode(
        shape=alt.Shape("series:N", scale=alt.Scale(domain=CLARITY_SERIES,
                                                    range=_CLARITY_SHAPES), legend=None))
    return _base(alt.layer(lines, points), describe_clarity_over_time(frame))
