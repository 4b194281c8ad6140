"""Assembles the student and class dashboards from named queries and pure metrics, with their
charts as Vega-Lite specs, and caches them: a student's keyed by a fingerprint of their records
(`student_view`), a class's for a short time (`class_dashboard`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lib import charts, class_queries, classes, coaching_store, db, metrics, queries
from lib.queries import Filters


@dataclass(frozen=True)
class StudentDashboard:
    kpis: metrics.Kpis
    weekly: pd.DataFrame
    by_industry: pd.DataFrame
    by_channel: pd.DataFrame
    funnel: pd.DataFrame
    insights: pd.DataFrame
    industries: list[str]


def student_dashboard(con, user_id: int, filters: Filters, *, today: dt.date,
                      weekly_goal: int | None = None) -> StudentDashboard:
    """`weekly_goal`: the weekly outreach goal in effect (looked up when None)."""
    if weekly_goal is None:
        weekly_goal = coaching_store.effective_goals(con, user_id, today=today).weekly_outreach
    pipeline = queries.contact_pipeline(con, user_id)
    in_range = metrics.contacts_in_range(pipeline, filters)
    outreach = queries.outreach_log(con, user_id, filters)
    conversations = queries.conversation_log(con, user_id, filters)
    all_sent = queries.outreach_log(con, user_id, Filters(start=metrics.week_start(today),
                                                         end=today))["sent_on"]
    return StudentDashboard(
        kpis=metrics.kpis(in_range, outreach, conversations, all_sent, today=today,
                          weekly_goal=weekly_goal),
        weekly=queries.weekly_activity(con, user_id, filters),
        by_industry=metrics.response_rates(in_range, "industry"),
        by_channel=metrics.response_rates(in_range, "first_channel"),
        funnel=metrics.funnel(in_range),
        insights=queries.insights_by_industry_category(con, user_id, filters),
        industries=sorted(pipeline["industry"].dropna().unique().tolist()),
    )


# --- chart panels ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartPanel:
    """One chart of a dashboard as lib.ui.chart_block shows it: a Vega-Lite spec (None when
    there is nothing to draw; lib.chart_images draws it), its text description, the table shown
    under "Show data"."""

    title: str
    spec: dict | None
    description: str
    table: pd.DataFrame
    empty_text: str
    key: str


def _panel(title, chart_fn, description, table, empty_text, key) -> ChartPanel:
    return ChartPanel(title, None if table.empty else charts.to_spec(chart_fn()), description,
                      table, empty_text, key)


# --- the student's dashboard, cached ---------------------------------------------------------

def picked_range(picked, *, default_start: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """The (start, end) a date-range picker stands for, the same on every page: both ends as
    picked; only the start picked so far (the picker is still open) — from it through today;
    nothing picked — `default_start` through today."""
    if isinstance(picked, (tuple, list)):
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:
            return picked[0], max(picked[0], today)
    elif isinstance(picked, dt.date):
        return picked, max(picked, today)
    return default_start, today


def filters_summary(filters: Filters, *, default_start: dt.date, today: dt.date) -> str:
    """What the dashboard's figures cover, for the line above its (closed) filter panel."""
    start, end = filters.start or default_start, filters.end or today
    dates = ("All your activity" if start <= default_start and end >= today
             else f"{start:%b %d, %Y} – {end:%b %d, %Y}")
    if not filters.industries:
        return f"{dates}, every industry."
    shown = ", ".join(filters.industries[:3])
    more = len(filters.industries) - 3
    return f"{dates}, {shown}" + (f" and {more} more" if more > 0 else "") + "."


STUDENT_CACHE_TTL_S = 600  # only bounds memory: the key changes with any of the student's rows
STUDENT_CACHE_ENTRIES = 1000


@dataclass(frozen=True)
class StudentView:
    """The student dashboard's figures and its charts (STUDENT_CHARTS, in page order)."""

    figures: StudentDashboard
    charts: dict


STUDENT_CHARTS = ("weekly", "rates_industry", "rates_channel", "funnel", "insights")


def build_student_view(con, user_id: int, filters: Filters, *, today: dt.date,
                       weekly_goal: int | None = None) -> StudentView:
    view = student_dashboard(con, user_id, filters, today=today, weekly_goal=weekly_goal)
    funnel = view.funnel if view.funnel["contacts"].iloc[0] > 0 else view.funnel.iloc[0:0]
    panels = [
        _panel("Weekly activity", lambda: charts.weekly_activity_chart(view.weekly),
               charts.describe_weekly(view.weekly),
               view.weekly.pivot_table(index="week", columns="measure", values="count",
                                       fill_value=0).reset_index()
               if not view.weekly.empty else view.weekly,
               "Nothing logged in this date range yet.", "chart_weekly"),
        _panel("Response rate by industry",
               lambda: charts.response_rate_chart(view.by_industry, "industry"),
               charts.describe_rates(view.by_industry, "industry"),
               view.by_industry.drop(columns=["label"]),
               "No outreach in this date range yet.", "chart_industry"),
        _panel("Response rate by first channel",
               lambda: charts.response_rate_chart(view.by_channel, "channel"),
               charts.describe_rates(view.by_channel, "first channel"),
               view.by_channel.drop(columns=["label"]),
               "No outreach in this date range yet.", "chart_channel"),
        _panel("From outreach to referral", lambda: charts.funnel_chart(view.funnel),
               charts.describe_funnel(view.funnel), funnel.drop(columns=["order"]),
               "No contacts reached in this date range yet.", "chart_funnel"),
        _panel("Insights by industry and TIARA category",
               lambda: charts.insights_heatmap(view.insights),
               charts.describe_insights(view.insights),
               view.insights.assign(category=view.insights["category"].map(
                   lambda c: c.capitalize())),
               "No insights logged in this date range yet.", "chart_insights"),
    ]
    return StudentView(view, dict(zip(STUDENT_CHARTS, panels)))


@st.cache_data(ttl=STUDENT_CACHE_TTL_S, max_entries=STUDENT_CACHE_ENTRIES, show_spinner=False)
def _cached_student_view(_con, database: str, user_id: int, start, end,
                         industries: tuple[str, ...], today: dt.date, weekly_goal: int,
                         version: tuple) -> StudentView:
    return build_student_view(_con, user_id, Filters(start, end, industries), today=today,
                              weekly_goal=weekly_goal)


def student_view(con, user_id: int, filters: Filters, *, today: dt.date,
                 weekly_goal: int | None = None) -> StudentView:
    """The student dashboard's figures and chart specs, cached per student. The key holds the
    student's id, the filters, today, the weekly goal in effect and
    lib.queries.records_version — a fingerprint of every row the figures are computed from —
    so any write of the student's (in this process or another) makes a new entry: a cached
    copy is never stale, and never another student's. `weekly_goal`: the goal in effect, when
    the page has looked it up already."""
    goal = weekly_goal if weekly_goal is not None else coaching_store.effective_goals(
        con, user_id, today=today).weekly_outreach
    return _cached_student_view(con, _database_key(con), int(user_id), filters.start,
                                filters.end, tuple(filters.industries), today, int(goal),
                                queries.records_version(con, user_id))


# --- the instructor's class dashboard ----------------------------------------------------------

CLASS_CACHE_TTL_S = 60  # how stale a class's figures may be after a student's write
CLASS_CACHE_ENTRIES = 500


@dataclass(frozen=True)
class ClassDashboard:
    kpis: dict
    charts: dict[str, ChartPanel]  # CLASS_CHARTS, in page order
    progress: pd.DataFrame
    shared: pd.DataFrame


CLASS_CHARTS = ("weekly", "distribution", "industries", "rates_industry", "rates_channel",
                "clarity")


def build_class_dashboard(con, viewer_id: int, class_id: int, start: dt.date, end: dt.date,
                          today: dt.date) -> ClassDashboard:
    """Every figure of the class dashboard, the charts as Vega-Lite specs. Each query repeats
    the access check (lib.class_queries); small groups are suppressed there."""
    klass = classes.class_record(con, viewer_id, class_id)
    goal = int(klass["conversations_goal"])
    min_group = class_queries.min_group_size()
    args = (con, viewer_id, class_id, start, end)
    weekly = class_queries.class_weekly_activity(*args)
    per_student = class_queries.conversations_per_student(*args)
    explored = class_queries.industries_explored(*args)
    clarity = class_queries.clarity_change(*args)
    panels = [
        _panel("Weekly class activity", lambda: charts.weekly_activity_chart(weekly),
               charts.describe_weekly(weekly),
               weekly.pivot_table(index="week", columns="measure", values="count",
                                  fill_value=0).reset_index() if not weekly.empty else weekly,
               "Nothing logged in this date range yet.", "cd_weekly"),
        _panel("Conversations per student",
               lambda: charts.conversations_distribution_chart(per_student, goal),
               charts.describe_distribution(per_student, goal),
               per_student.groupby("conversations").size().rename("students").reset_index()
               if not per_student.empty else per_student,
               "No students in this class yet.", "cd_distribution"),
        _panel("Industries explored", lambda: charts.industries_chart(explored, min_group),
               charts.describe_industries(explored), explored,
               "No contacts logged yet.", "cd_industries"),
    ]
    for by, title in (("industry", "Response rate by industry"),
                      ("channel", "Response rate by first channel")):
        rates = class_queries.class_response_rates(*args, by=by)
        panels.append(_panel(title, lambda rates=rates, by=by: charts.response_rate_chart(
            rates, by), charts.describe_rates(rates, by), rates.drop(columns=["label"]),
            "No outreach in this date range yet.", f"cd_rates_{by}"))
    panels.append(_panel("Career-clarity change", lambda: charts.clarity_change_chart(clarity),
                         charts.describe_clarity(clarity), clarity,
                         "No conversation has a before-and-after clarity rating yet.",
                         "cd_clarity"))
    return ClassDashboard(
        kpis=class_queries.class_kpis(con, viewer_id, class_id, start, end, today),
        charts=dict(zip(CLASS_CHARTS, panels)),
        progress=class_queries.progress_table(con, viewer_id, class_id, start, end, today),
        shared=class_queries.shared_insights(*args))


def _database_key(con) -> str:
    """The database file and this open instance of it (a restore reopens it)."""
    return f"{db.database_path()}#{id(con)}"


@st.cache_data(ttl=CLASS_CACHE_TTL_S, max_entries=CLASS_CACHE_ENTRIES, show_spinner=False)
def _cached_class_dashboard(_con, database: str, viewer_id: int, class_id: int,
                            start: dt.date, end: dt.date, today: dt.date, version: tuple,
                            min_group: int) -> ClassDashboard:
    return build_class_dashboard(_con, viewer_id, class_id, start, end, today)


def class_dashboard(con, viewer_id: int, class_id: int, start: dt.date, end: dt.date,
                    today: dt.date) -> ClassDashboard:
    """The class dashboard's figures, cached for CLASS_CACHE_TTL_S seconds.

    Privacy: the access check (lib.class_queries.class_version) runs on every call, before the
    cache is consulted, and the cache key holds the viewer's id, so a copy made for one viewer is
    never served to another. The key also holds the database, the class's settings and
    enrolments (a change of goal, dates, or who is enrolled shows at once), the date range,
    today and the small-group threshold. What it does not hold: the students' own records, so a
    message or conversation a student logs shows on the class dashboard within
    CLASS_CACHE_TTL_S seconds (or at once after `forget_class_figures()`).
    """
    version = class_queries.class_version(con, viewer_id, class_id)
    return _cached_class_dashboard(con, _database_key(con), int(viewer_id),
                                   int(class_id), start, end, today, version,
                                   class_queries.min_group_size())


@st.cache_data(ttl=CLASS_CACHE_TTL_S, max_entries=CLASS_CACHE_ENTRIES, show_spinner=False)
def _cached_compare(_con, database: str, viewer_id: int, class_ids: tuple[int, ...],
                    start: dt.date, end: dt.date, today: dt.date, versions: tuple,
                    min_group: int) -> pd.DataFrame:
    return class_queries.compare_classes(_con, viewer_id, class_ids, start, end, today)


def compare_classes(con, viewer_id: int, class_ids, start: dt.date, end: dt.date,
                    today: dt.date) -> pd.DataFrame:
    """lib.class_queries.compare_classes, cached as `class_dashboard` is (the access check for
    every class runs on every call, before the cache)."""
    ids = tuple(dict.fromkeys(int(i) for i in class_ids))
    versions = tuple(class_queries.class_version(con, viewer_id, i) for i in ids)
    return _cached_compare(con, _database_key(con), int(viewer_id), ids, start, end,
                           today, versions, class_queries.min_group_size())


def forget_class_figures() -> None:
    """Drop every cached class figure (e.g. after a bulk change of students' records)."""
    _cached_class_dashboard.clear()
    _cached_compare.clear()
