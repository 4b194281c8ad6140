"""Assembles the student and class dashboards from named queries and pure metrics; the class
dashboard's figures and chart specs are cached briefly (see `class_dashboard`)."""

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


def student_dashboard(con, user_id: int, filters: Filters, *, today: dt.date) -> StudentDashboard:
    goals = coaching_store.effective_goals(con, user_id, today=today)
    pipeline = queries.contact_pipeline(con, user_id)
    in_range = metrics.contacts_in_range(pipeline, filters)
    outreach = queries.outreach_log(con, user_id, filters)
    conversations = queries.conversation_log(con, user_id, filters)
    all_sent = queries.outreach_log(con, user_id, Filters(start=metrics.week_start(today),
                                                         end=today))["sent_on"]
    return StudentDashboard(
        kpis=metrics.kpis(in_range, outreach, conversations, all_sent, today=today,
                          weekly_goal=goals.weekly_outreach),
        weekly=queries.weekly_activity(con, user_id, filters),
        by_industry=metrics.response_rates(in_range, "industry"),
        by_channel=metrics.response_rates(in_range, "first_channel"),
        funnel=metrics.funnel(in_range),
        insights=queries.insights_by_industry_category(con, user_id, filters),
        industries=sorted(pipeline["industry"].dropna().unique().tolist()),
    )


# --- the instructor's class dashboard ----------------------------------------------------------

CLASS_CACHE_TTL_S = 60  # how stale a class's figures may be after a student's write
CLASS_CACHE_ENTRIES = 500


@dataclass(frozen=True)
class ChartPanel:
    """One chart of a dashboard as lib.ui.chart_block shows it: a Vega-Lite spec (None when
    there is nothing to draw), its text description, the table shown under "Show data"."""

    title: str
    spec: dict | None
    description: str
    table: pd.DataFrame
    empty_text: str
    key: str


@dataclass(frozen=True)
class ClassDashboard:
    kpis: dict
    charts: dict[str, ChartPanel]  # CLASS_CHARTS, in page order
    progress: pd.DataFrame
    shared: pd.DataFrame


CLASS_CHARTS = ("weekly", "distribution", "industries", "rates_industry", "rates_channel",
                "clarity")


def _panel(title, chart_fn, description, table, empty_text, key) -> ChartPanel:
    return ChartPanel(title, None if table.empty else charts.to_spec(chart_fn()), description,
                      table, empty_text, key)


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
