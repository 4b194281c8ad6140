"""Validation at the boundary, shared by the forms and the importers.

Each `clean_*` takes raw values (strings, dates, numbers as a form or a file gives them) and
returns a frozen, trimmed record, or raises `ValidationError` with one message per field that
names the field and says how to fix it. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlparse

from lib import vocab

NAME_MAX = 120
NOTES_MAX = 5_000
SHORT_TEXT_MAX = 200
INSIGHT_MAX = 1_000
QUESTION_MAX = 500
EMAIL_MAX = 254
URL_MAX = 500
MAX_QUESTIONS = 50
MAX_INSIGHTS = 50
MAX_REFERRALS = 20

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class ValidationError(ValueError):
    """Bad input. `errors` maps each field to a message a student can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class ContactInput:
    name: str
    organization: str | None
    title: str | None
    industry: str
    industry_other: str | None
    how_found: str
    email: str | None
    profile_url: str | None
    priority: str
    notes: str | None


@dataclass(frozen=True)
class OutreachInput:
    contact_id: int
    sent_on: dt.date
    channel: str


@dataclass(frozen=True)
class ResponseInput:
    response_on: dt.date
    outcome: str


@dataclass(frozen=True)
class ReferralInput:
    name: str
    organization: str | None
    title: str | None


@dataclass(frozen=True)
class InsightInput:
    category: str
    text: str


@dataclass(frozen=True)
class ConversationInput:
    held_on: dt.date
    format: str
    duration_min: int | None
    questions: tuple[str, ...] = ()
    insights: tuple[InsightInput, ...] = ()
    referrals: tuple[ReferralInput, ...] = ()
    next_steps: str | None = None
    clarity_before: int | None = None
    clarity_after: int | None = None
    reflection: str | None = None
    thank_you_on: dt.date | None = None
    share_insights: bool = False
    share_name: bool = False


class _Collector:
    """Gathers every field's problem so a form can show them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    def text(self, raw: Mapping[str, Any], key: str, label: str, *, required: bool = False,
             max_len: int = SHORT_TEXT_MAX, multiline: bool = False, hint: str = "") -> str | None:
        value = raw.get(key)
        if value is None or (isinstance(value, float) and value != value):  # None or NaN
            value = ""
        if not isinstance(value, str):
            value = str(value)
        value = value.strip()
        if not value:
            if required:
                self.add(key, f"{label} is required{' — ' + hint if hint else ''}.")
            return None
        bad = _control_characters(value, multiline)
        if bad:
            self.add(key, f"{label} contains an invisible control character ({bad}) — retype it or "
                          "paste it as plain text.")
            return None
        if len(value) > max_len:
            self.add(key, f"{label} is {len(value):,} characters long — shorten it to "
                          f"{max_len:,} or fewer.")
            return None
        return value

    def choice(self, raw: Mapping[str, Any], key: str, label: str, allowed, *,
               default: str | None = None) -> str | None:
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "") and default is not None:
            return default
        if value not in allowed:
            options = ", ".join(allowed.values() if isinstance(allowed, dict) else allowed)
            self.add(key, f"{label} must be one of: {options}.")
            return None
        return value

    def date(self, raw: Mapping[str, Any], key: str, label: str, *, today: dt.date,
             required: bool = True, not_before: dt.date | None = None,
             not_before_label: str = "") -> dt.date | None:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()) or value != value:
            # value != value: NaN / NaT, an empty cell of a data frame
            if required:
                self.add(key, f"{label} is required — pick the day it happened.")
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.add(key, f"{label} “{str(value)[:40]}” is not a date — use YYYY-MM-DD, "
                          "e.g. 2026-03-14.")
            return None
        if parsed > today:
            self.add(key, f"{label} can't be in the future — pick today ({today.isoformat()}) or "
                          "an earlier day.")
            return None
        if parsed < dt.date(1950, 1, 1):
            self.add(key, f"{label} {parsed.isoformat()} is too far in the past — check the year.")
            return None
        if not_before is not None and parsed < not_before:
            self.add(key, f"{label} can't be before {not_before_label} ({not_before.isoformat()}).")
            return None
        return parsed

    def integer(self, raw: Mapping[str, Any], key: str, label: str, *, low: int, high: int,
                required: bool = False) -> int | None:
        value = raw.get(key)
        if value in (None, "") or (isinstance(value, float) and value != value):
            if required:
                self.add(key, f"{label} is required.")
            return None
        try:
            number = int(str(value).strip()) if not isinstance(value, (int, float)) else value
            if isinstance(number, float):
                if not number.is_integer():
                    raise ValueError
                number = int(number)
        except (TypeError, ValueError):
            self.add(key, f"{label} must be a whole number from {low} to {high}.")
            return None
        if isinstance(number, bool) or not low <= number <= high:
            self.add(key, f"{label} must be a whole number from {low} to {high}.")
            return None
        return number


def _control_characters(value: str, multiline: bool) -> str | None:
    allowed = {"\n", "\t", "\r"} if multiline else set()
    for ch in value:
        if ch in allowed:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs"):  # Cs: a lone surrogate (broken paste)
            return f"U+{ord(ch):04X}"
    return None


def parse_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime, a pandas Timestamp or an ISO-like string; else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        try:
            return value.to_pydatetime().date()
        except (ValueError, AttributeError):
            return None
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S", "%b %d, %Y", "%d %b %Y", "%B %d, %Y", "%d %B %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def clean_contact(raw: Mapping[str, Any]) -> ContactInput:
    c = _Collector()
    name = c.text(raw, "name", "Name", required=True, max_len=NAME_MAX,
                  hint="enter the person's name")
    organization = c.text(raw, "organization", "Organization", max_len=NAME_MAX)
    title = c.text(raw, "title", "Role / title", max_len=NAME_MAX)
    industry = c.choice(raw, "industry", "Industry", vocab.INDUSTRIES, default=vocab.OTHER_INDUSTRY)
    industry_other = c.text(raw, "industry_other", "Other industry", max_len=NAME_MAX)
    if industry != vocab.OTHER_INDUSTRY:
        industry_other = None
    how_found = c.choice(raw, "how_found", "How you found them", vocab.HOW_FOUND, default="other")
    email = c.text(raw, "email", "Email", max_len=EMAIL_MAX)
    if email and not _EMAIL.match(email):
        c.add("email", f"Email “{email[:60]}” doesn't look like an address — use the form "
                       "name@example.org, or leave it empty.")
        email = None
    profile_url = c.text(raw, "profile_url", "Profile URL", max_len=URL_MAX)
    if profile_url:
        parsed = urlparse(profile_url)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc or " " in profile_url:
            c.add("profile_url", "Profile URL must start with http:// or https:// "
                                 "(e.g. https://www.linkedin.com/in/name) — or leave it empty.")
            profile_url = None
    priority = c.choice(raw, "priority", "Priority", vocab.PRIORITIES, default="curious")
    notes = c.text(raw, "notes", "Notes", max_len=NOTES_MAX, multiline=True)
    c.raise_if_any()
    return ContactInput(name=name, organization=organization, title=title, industry=industry,
                        industry_other=industry_other, how_found=how_found, email=email,
                        profile_url=profile_url, priority=priority, notes=notes)


def clean_outreach(raw: Mapping[str, Any], *, today: dt.date) -> OutreachInput:
    c = _Collector()
    contact_id = raw.get("contact_id")
    if contact_id in (None, ""):
        c.add("contact_id", "Contact is required — pick whom you reached out to.")
    else:
        if isinstance(contact_id, float) and contact_id.is_integer():
            contact_id = int(contact_id)  # an id column read by pandas with gaps is float
        try:
            contact_id = int(str(contact_id).strip())
            if not -2**63 <= contact_id < 2**63:  # no id is that large (DuckDB can't even look)
                raise ValueError
        except ValueError:
            c.add("contact_id", "Contact must be one of your contacts — pick one from the list.")
    sent_on = c.date(raw, "sent_on", "Date sent", today=today)
    channel = c.choice(raw, "channel", "Channel", vocab.CHANNELS)
    c.raise_if_any()
    return OutreachInput(contact_id=int(contact_id), sent_on=sent_on, channel=channel)


def clean_response(raw: Mapping[str, Any], *, sent_on: dt.date, today: dt.date) -> ResponseInput:
    c = _Collector()
    outcome = c.choice(raw, "outcome", "Outcome", {k: v for k, v in vocab.OUTCOMES.items()
                                                   if k != "pending"})
    response_on = c.date(raw, "response_on", "Response date", today=today, not_before=sent_on,
                         not_before_label="the day the message was sent")
    c.raise_if_any()
    return ResponseInput(response_on=response_on, outcome=outcome)


def clean_conversation(raw: Mapping[str, Any], *, today: dt.date) -> ConversationInput:
    """Raw keys: held_on, format, duration_min, questions (text, one per line, or a list),
    insights (list of {category, text}), referrals (list of {name, organization, title}),
    next_steps, clarity_before, clarity_after, reflection, thank_you_on, share_insights."""
    c = _Collector()
    held_on = c.date(raw, "held_on", "Date held", today=today)
    fmt = c.choice(raw, "format", "Format", vocab.FORMATS)
    duration = c.integer(raw, "duration_min", "Duration (minutes)", low=1, high=600)

    questions_raw = raw.get("questions") or []
    if isinstance(questions_raw, str):
        questions_raw = questions_raw.splitlines()
    questions: list[str] = []
    for i, q in enumerate(questions_raw):
        text = c.text({"q": q}, "q", f"Question {i + 1}", max_len=QUESTION_MAX)
        if text:
            questions.append(text)
    if "q" in c.errors:
        c.errors["questions"] = c.errors.pop("q")
    if len(questions) > MAX_QUESTIONS:
        c.add("questions", f"That's {len(questions)} questions — keep it to {MAX_QUESTIONS}.")

    insights: list[InsightInput] = []
    for i, row in enumerate(raw.get("insights") or []):
        key = f"insight_{i}"
        text = c.text(row, "text", f"Insight {i + 1}", max_len=INSIGHT_MAX, multiline=True)
        if "text" in c.errors:
            c.errors[key] = c.errors.pop("text")
        if text is None:
            continue
        category = row.get("category")
        if category not in vocab.TIARA:
            c.add(key, f"Insight {i + 1} needs a TIARA category: "
                       f"{', '.join(vocab.TIARA.values())}.")
            continue
        insights.append(InsightInput(category=category, text=text))
    if len(insights) > MAX_INSIGHTS:
        c.add("insights", f"That's {len(insights)} insights — keep it to {MAX_INSIGHTS}.")

    referrals: list[ReferralInput] = []
    for i, row in enumerate(raw.get("referrals") or []):
        key = f"referral_{i}"
        sub = _Collector()
        name = sub.text(row, "name", f"Referral {i + 1} name", max_len=NAME_MAX)
        org = sub.text(row, "organization", f"Referral {i + 1} organization", max_len=NAME_MAX)
        title = sub.text(row, "title", f"Referral {i + 1} role", max_len=NAME_MAX)
        if sub.errors:
            c.add(key, next(iter(sub.errors.values())))
            continue
        if name is None:
            if org or title:
                c.add(key, f"Referral {i + 1} needs a name — or clear its other fields.")
            continue
        referrals.append(ReferralInput(name=name, organization=org, title=title))
    if len(referrals) > MAX_REFERRALS:
        c.add("referrals", f"Keep it to {MAX_REFERRALS} referrals per conversation.")

    next_steps = c.text(raw, "next_steps", "Next steps", max_len=NOTES_MAX, multiline=True)
    before = c.integer(raw, "clarity_before", "Career-goal clarity before", low=1, high=5)
    after = c.integer(raw, "clarity_after", "Career-goal clarity after", low=1, high=5)
    reflection = c.text(raw, "reflection", "What changed in my thinking", max_len=NOTES_MAX,
                        multiline=True)
    thank_you_on = None
    thanked = raw.get("thank_you_on")
    if thanked is not None and thanked == thanked and str(thanked).strip():
        thank_you_on = c.date(raw, "thank_you_on", "Thank-you sent", today=today,
                              not_before=held_on, not_before_label="the conversation")
    share = _flag(raw.get("share_insights"))
    share_name = share and _flag(raw.get("share_name"))
    c.raise_if_any()
    return ConversationInput(held_on=held_on, format=fmt, duration_min=duration,
                             questions=tuple(questions), insights=tuple(insights),
                             referrals=tuple(referrals), next_steps=next_steps,
                             clarity_before=before, clarity_after=after, reflection=reflection,
                             thank_you_on=thank_you_on, share_insights=share,
                             share_name=share_name)


def _flag(value: Any) -> bool:
    """A yes/no from a checkbox (bool) or a file cell ("yes", "1", "true")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value) and value == value  # NaN is not a yes


def clean_thank_you(sent_on: Any, *, held_on: Any, today: dt.date) -> dt.date:
    c = _Collector()
    sent = c.date({"thank_you_on": sent_on}, "thank_you_on", "Thank-you sent", today=today,
                  not_before=parse_date(held_on), not_before_label="the conversation")
    c.raise_if_any()
    return sent


def clean_weekly_goal(value: Any) -> int:
    c = _Collector()
    goal = c.integer({"weekly_goal": value}, "weekly_goal", "Weekly outreach goal", low=0,
                     high=100, required=True)
    c.raise_if_any()
    return goal
