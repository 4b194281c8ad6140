"""Validation of the Prepare page's input: scheduling a conversation, the prep sheet and the
student's own bank questions. Same contract as lib.validation: raw values in, a frozen trimmed
record out, or `ValidationError` with one actionable message per field."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import urlparse

from lib import vocab
from lib.prep import PrepQuestion, timezone_name
from lib.question_bank import CATEGORIES
from lib.validation import (
    NOTES_MAX,
    QUESTION_MAX,
    URL_MAX,
    ValidationError,
    _Collector,
    parse_date,
)

DURATION_MIN, DURATION_MAX = 5, 600
MAX_PREP_QUESTIONS = 20
BANK_ID_MAX = 100

# "https://…", "javascript:…", "mailto:x": a scheme followed directly by text. "Room 4: 2nd
# floor" (a space after the colon) is a place, not a link.
_LINKISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S")


@dataclass(frozen=True)
class ScheduleInput:
    contact_id: int
    starts_at: dt.datetime  # naive wall-clock time in `timezone`
    timezone: str
    duration_min: int
    format: str
    place: str | None


@dataclass(frozen=True)
class PrepSheetInput:
    research_notes: str | None
    goals: str | None
    researched: bool
    confirmed: bool
    questions: tuple[PrepQuestion, ...]


@dataclass(frozen=True)
class MyQuestionInput:
    category: str
    text: str


def one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _parse_time(value: Any) -> dt.time | None:
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    text = str(value).strip()
    for fmt in ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p"):
        try:
            return dt.datetime.strptime(text.upper(), fmt).time().replace(second=0)
        except ValueError:
            continue
    return None


def _contact_id(c: _Collector, raw: Mapping[str, Any]) -> int | None:
    value = raw.get("contact_id")
    if value is None or value == "" or isinstance(value, bool):
        c.add("contact_id", "Contact is required — pick whom you will talk to.")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        c.add("contact_id", "Contact must be one of your contacts — pick one from the list.")
        return None


def clean_schedule(raw: Mapping[str, Any], *, now_local: dt.datetime,
                   is_new: bool = True) -> ScheduleInput:
    """Raw keys: contact_id, date, time, duration_min, format, place, timezone.

    `now_local` is the current wall-clock time in the student's time zone. A new schedule may
    not start in the past; none may start more than a year ahead."""
    c = _Collector()
    contact_id = _contact_id(c, raw)

    day = raw.get("date")
    if day is None or (isinstance(day, str) and not day.strip()):
        c.add("date", "Date is required — pick the day of the conversation.")
        day = None
    else:
        parsed = parse_date(day)
        if parsed is None:
            c.add("date", f"Date “{str(day)[:40]}” is not a date — use YYYY-MM-DD, "
                          "e.g. 2026-03-27.")
        day = parsed

    time = raw.get("time")
    if time is None or (isinstance(time, str) and not time.strip()):
        c.add("time", "Time is required — pick when the conversation starts.")
        time = None
    else:
        parsed_time = _parse_time(time)
        if parsed_time is None:
            c.add("time", f"Time “{str(time)[:20]}” is not a time — use HH:MM, e.g. 14:30.")
        time = parsed_time

    starts_at = None
    if day is not None and time is not None:
        starts_at = dt.datetime.combine(day, time)
        today = now_local.date()
        latest = one_year_after(today)
        if day > latest:
            c.add("date", f"Date {day.isoformat()} is more than a year ahead — pick a day up to "
                          f"{latest.isoformat()}.")
        elif is_new and day < today:
            c.add("date", f"Date {day.isoformat()} is in the past — pick today "
                          f"({today.isoformat()}) or a later day. To record a conversation "
                          "that already happened, log it instead.")
        elif is_new and starts_at < now_local.replace(second=0, microsecond=0):
            c.add("time", f"{time:%H:%M} today has already passed — pick a later time.")
        elif day < dt.date(2000, 1, 1):
            c.add("date", f"Date {day.isoformat()} is too far in the past — check the year.")

    duration = c.integer(raw, "duration_min", "Duration (minutes)", low=DURATION_MIN,
                         high=DURATION_MAX, required=True)
    fmt = c.choice(raw, "format", "Format", vocab.FORMATS)
    place = c.text(raw, "place", "Place or link", max_len=URL_MAX)
    if place and _LINKISH.match(place):
        parsed_url = urlparse(place)
        if (parsed_url.scheme.lower() not in ("http", "https") or not parsed_url.netloc
                or any(ch.isspace() for ch in place)):
            c.add("place", "A link must start with http:// or https:// (e.g. "
                           "https://zoom.us/j/123) — or write the place as plain text.")
            place = None
    c.raise_if_any()
    return ScheduleInput(contact_id=contact_id, starts_at=starts_at,
                         timezone=timezone_name(raw.get("timezone")), duration_min=duration,
                         format=fmt, place=place)


def clean_prep_sheet(*, research_notes: Any, goals: Any, researched: Any, confirmed: Any,
                     questions: Iterable[tuple[str, str | None]]) -> PrepSheetInput:
    """`questions`: (text, bank_id or None) pairs in the order chosen; blank ones are dropped."""
    c = _Collector()
    notes = c.text({"v": research_notes}, "v", "Research notes", max_len=NOTES_MAX,
                   multiline=True)
    if "v" in c.errors:
        c.errors["research_notes"] = c.errors.pop("v")
    goal_text = c.text({"v": goals}, "v", "Goals for the conversation", max_len=NOTES_MAX,
                       multiline=True)
    if "v" in c.errors:
        c.errors["goals"] = c.errors.pop("v")
    chosen: list[PrepQuestion] = []
    for i, (text, bank_id) in enumerate(questions):
        sub = _Collector()
        cleaned = sub.text({"q": text}, "q", f"Question {i + 1}", max_len=QUESTION_MAX)
        if sub.errors:
            c.add("questions", sub.errors["q"])
            continue
        if cleaned:
            bank = str(bank_id).strip()[:BANK_ID_MAX] if bank_id else None
            chosen.append(PrepQuestion(cleaned, bank or None))
    if len(chosen) > MAX_PREP_QUESTIONS:
        c.add("questions", f"That's {len(chosen)} questions — keep it to {MAX_PREP_QUESTIONS} "
                           "(3–5 fit a 20-minute conversation).")
    c.raise_if_any()
    return PrepSheetInput(research_notes=notes, goals=goal_text, researched=bool(researched),
                          confirmed=bool(confirmed), questions=tuple(chosen))


def clean_my_question(raw: Mapping[str, Any]) -> MyQuestionInput:
    """Raw keys: category (a lib.question_bank.CATEGORIES code), text."""
    c = _Collector()
    category = c.choice(raw, "category", "Category", CATEGORIES)
    text = c.text(raw, "text", "Question", required=True, max_len=QUESTION_MAX,
                  hint="write the question you want to ask")
    c.raise_if_any()
    return MyQuestionInput(category=category, text=text)


__all__ = ["MyQuestionInput", "PrepSheetInput", "ScheduleInput", "ValidationError",
           "clean_my_question", "clean_prep_sheet", "clean_schedule", "one_year_after"]
