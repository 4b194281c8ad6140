"""Pure functions over query results: stages, KPIs, funnel and rates. No Streamlit, no SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import vocab
from lib.queries import Filters

NO_RESPONSE_AFTER_FOLLOW_UP = 7  # business days (the "7" of 3B7)


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Weekdays after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    return int(np.busday_count(start + dt.timedelta(days=1), end + dt.timedelta(days=1)))


def _as_date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    return value


def derive_stage(row, today: dt.date) -> str:
    """A contact's stage from its outreach and conversations (never typed by the student).

    identified → contacted → responded → scheduled → held → thanked → referred; or declined,
    or no_response once a follow-up has gone unanswered for 7 business days.
    """
    if row["conversations"] > 0:
        if row["referrals_given"] > 0:
            return "referred"
        if row["thanked"] > 0:
            return "thanked"
        return "held"
    if row.get("scheduled", 0) > 0:
        return "scheduled"
    if row["attempts"] == 0:
        return "identified"
    if row["last_outcome"] == "declined" and not row["accepted"]:
        return "declined"
    if row["accepted"]:
        return "responded"
    if row["latest_attempt_outcome"] == "pending" and row["last_attempt"] >= 2:
        waited = business_days_between(_as_date(row["last_sent_on"]), today)
        if waited >= NO_RESPONSE_AFTER_FOLLOW_UP:
            return "no_response"
    return "contacted"


def with_stages(pipeline: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    out = pipeline.copy()
    out["stage"] = [derive_stage(row, today) for _, row in out.iterrows()] if len(out) else []
    return out


def _funnel_flags(pipeline: pd.DataFrame) -> pd.DataFrame:
    """Monotone per-contact flags: each step implies the ones before it."""
    held = pipeline["conversations"] > 0
    responded = pipeline["first_response_on"].notna() | held
    contacted = (pipeline["attempts"] > 0) | held
    thanked = pipeline["thanked"] > 0
    referred = held & (pipeline["referrals_given"] > 0)
    return pd.DataFrame({"contacted": contacted, "responded": responded, "held": held,
                         "thanked": thanked, "referred": referred}, index=pipeline.index)


def first_touch(pipeline: pd.DataFrame) -> pd.Series:
    """The day each contact was first reached: first message or, without one, first conversation."""
    sent = pd.to_datetime(pipeline["first_sent_on"])
    held = pd.to_datetime(pipeline["first_held_on"])
    return sent.fillna(held)


def contacts_in_range(pipeline: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Contacts first reached within the date range and in the chosen industries."""
    if pipeline.empty:
        return pipeline
    touch = first_touch(pipeline)
    keep = touch.notna()
    if filters.start:
        keep &= touch >= pd.Timestamp(filters.start)
    if filters.end:
        keep &= touch <= pd.Timestamp(filters.end)
    if filters.industries:
        keep &= pipeline["industry"].isin(list(filters.industries))
    return pipeline[keep]


FUNNEL_STEPS = [
    ("contacted", "Contacted"),
    ("responded", "Responded"),
    ("held", "Conversation held"),
    ("thanked", "Thanked"),
    ("referred", "Gave a referral"),
]


def funnel(pipeline: pd.DataFrame) -> pd.DataFrame:
    """Contacts reaching each step, with the share of those contacted."""
    flags = _funnel_flags(pipeline) if len(pipeline) else None
    rows = []
    total = int(flags["contacted"].sum()) if flags is not None else 0
    for order, (key, name) in enumerate(FUNNEL_STEPS):
        count = int(flags[key].sum()) if flags is not None else 0
        rows.append({"order": order, "step": name, "contacts": count,
                     "share": (count / total) if total else 0.0})
    return pd.DataFrame(rows)


def response_rates(pipeline: pd.DataFrame, by: str) -> pd.DataFrame:
    """Response rate (responded ÷ contacted, per contact) grouped by `industry` or by the
    channel of the first message (`first_channel`). Sorted by rate, then n."""
    columns = ["group", "contacted", "responded", "rate", "label"]
    if pipeline.empty:
        return pd.DataFrame(columns=columns)
    flags = _funnel_flags(pipeline)
    frame = pd.DataFrame({"group": pipeline[by], "contacted": flags["contacted"],
                          "responded": flags["responded"] & flags["contacted"]})
    frame = frame[frame["contacted"] & frame["group"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if by == "first_channel":
        frame["group"] = frame["group"].map(lambda c: vocab.label(vocab.CHANNELS, c))
    out = frame.groupby("group", as_index=False).agg(contacted=("contacted", "sum"),
                                                     responded=("responded", "sum"))
    out["contacted"] = out["contacted"].astype(int)
    out["responded"] = out["responded"].astype(int)
    out["rate"] = out["responded"] / out["contacted"]
    out["label"] = [f"{r:.0%} (n={n})" for r, n in zip(out["rate"], out["contacted"])]
    return out.sort_values(["rate", "contacted", "group"], ascending=[False, False, True],
                           ignore_index=True)[columns]


@dataclass(frozen=True)
class Kpis:
    outreach_sent: int
    contacted: int
    responded: int
    response_rate: float | None
    median_days_to_response: float | None
    conversations_held: int
    thanked_within_24h: int
    thanked_within_24h_share: float | None
    this_week_outreach: int
    weekly_goal: int


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def kpis(pipeline_in_range: pd.DataFrame, outreach: pd.DataFrame, conversations: pd.DataFrame,
         all_outreach_dates: pd.Series, *, today: dt.date, weekly_goal: int) -> Kpis:
    """The dashboard's headline figures.

    `pipeline_in_range`: contacts first reached in the range; `outreach`/`conversations`: the
    messages and conversations in the range; `all_outreach_dates`: every send date (for this
    week's count, which ignores the range).
    """
    if len(pipeline_in_range):
        flags = _funnel_flags(pipeline_in_range)
        contacted = int(flags["contacted"].sum())
        responded = int((flags["responded"] & flags["contacted"]).sum())
        answered = pipeline_in_range.dropna(subset=["first_response_on", "first_sent_on"])
        waits = [(_as_date(r) - _as_date(s)).days
                 for s, r in zip(answered["first_sent_on"], answered["first_response_on"])]
    else:
        contacted = responded = 0
        waits = []
    held = len(conversations)
    if held:
        gap = (pd.to_datetime(conversations["thank_you_on"])
               - pd.to_datetime(conversations["held_on"])).dt.days
        within = int((gap.notna() & (gap <= 1)).sum())
    else:
        within = 0
    monday = week_start(today)
    dates = pd.to_datetime(pd.Series(all_outreach_dates, dtype="object"))
    this_week = int(((dates >= pd.Timestamp(monday)) & (dates <= pd.Timestamp(today))).sum())
    return Kpis(
        outreach_sent=len(outreach),
        contacted=contacted,
        responded=responded,
        response_rate=(responded / contacted) if contacted else None,
        median_days_to_response=float(np.median(waits)) if waits else None,
        conversations_held=held,
        thanked_within_24h=within,
        thanked_within_24h_share=(within / held) if held else None,
        this_week_outreach=this_week,
        weekly_goal=weekly_goal,
    )


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
