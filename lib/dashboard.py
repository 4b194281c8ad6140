"""Assembles the student dashboard from named queries and pure metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from lib import coaching_store, metrics, queries
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
