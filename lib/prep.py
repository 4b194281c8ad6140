"""Preparing a scheduled conversation: the prep-sheet record, its completeness rule, the
Markdown download, the calendar event and the defaults that fill a message template.

Pure: no Streamlit, no SQL, no clock (`now` is passed in). lib.prep_store reads and writes
these records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lib import ical, vocab

QUESTIONS_MIN = 3
QUESTIONS_MAX = 5  # more fit badly into 20 minutes: the checklist item is then not done
UID_DOMAIN = "career-conversations"


@dataclass(frozen=True)
class PrepQuestion:
    """A chosen question. `bank_id`: a built-in question's id, "mine-<id>" for one of the
    student's own bank questions, None for one written on the sheet."""

    text: str
    bank_id: str | None = None


@dataclass(frozen=True)
class ScheduledConversation:
    """A planned conversation with its prep sheet. `starts_at` is naive wall-clock time in
    `timezone` (an IANA name)."""

    id: int
    contact_id: int
    contact_name: str
    organization: str | None
    title: str | None
    industry: str | None
    starts_at: dt.datetime
    timezone: str
    duration_min: int
    format: str
    place: str | None
    research_notes: str | None = None
    goals: str | None = None
    researched: bool = False
    confirmed: bool = False
    conversation_id: int | None = None
    cancelled: bool = False
    questions: tuple[PrepQuestion, ...] = ()

    @property
    def prep_complete(self) -> bool:
        return prep_complete(researched=self.researched, question_count=len(self.questions),
                             confirmed=self.confirmed)


# --- completeness ----------------------------------------------------------------------------

def questions_ready(question_count: int) -> bool:
    """3–5 questions chosen."""
    return QUESTIONS_MIN <= question_count <= QUESTIONS_MAX


def prep_complete(*, researched: bool, question_count: int, confirmed: bool) -> bool:
    """Complete = researched the person AND 3–5 questions chosen AND confirmed the day before."""
    return bool(researched) and questions_ready(question_count) and bool(confirmed)


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    label: str
    done: bool


def checklist(*, researched: bool, question_count: int, confirmed: bool) -> list[ChecklistItem]:
    """The prep checklist in the order a student works through it."""
    return [
        ChecklistItem("researched", "Researched the person and organization", bool(researched)),
        ChecklistItem("questions", f"{QUESTIONS_MIN}–{QUESTIONS_MAX} questions chosen"
                                   f" ({question_count} chosen)", questions_ready(question_count)),
        ChecklistItem("confirmed", "Confirmed the day before", bool(confirmed)),
    ]


# --- time zones ------------------------------------------------------------------------------

def timezone_name(name: str | None) -> str:
    """`name` when it is a known IANA zone, else "UTC"."""
    if name:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return "UTC"


def local_now(name: str | None, now_utc: dt.datetime | None = None) -> dt.datetime:
    """The wall-clock time (naive) in zone `name` at `now_utc` (default: now)."""
    now_utc = now_utc or dt.datetime.now(dt.timezone.utc)
    if now_utc.tzinfo is None:
        now_utc = now_utc.replace(tzinfo=dt.timezone.utc)
    return now_utc.astimezone(ZoneInfo(timezone_name(name))).replace(tzinfo=None)


def aware_start(sheet: ScheduledConversation) -> dt.datetime:
    return sheet.starts_at.replace(tzinfo=ZoneInfo(timezone_name(sheet.timezone)))


# --- labels ----------------------------------------------------------------------------------

def who(contact_name: str, organization: str | None) -> str:
    return contact_name + (f" ({organization})" if organization else "")


def when(sheet: ScheduledConversation) -> str:
    end = sheet.starts_at + dt.timedelta(minutes=sheet.duration_min)
    return (f"{sheet.starts_at:%a %Y-%m-%d %H:%M}–{end:%H:%M}"
            f" ({timezone_name(sheet.timezone)})")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def file_stem(sheet: ScheduledConversation) -> str:
    """A safe file name stem such as "2026-03-27-ada-lovelace"."""
    slug = re.sub(r"[^a-z0-9]+", "-", sheet.contact_name.lower()).strip("-")[:40] or "contact"
    return f"{sheet.starts_at:%Y-%m-%d}-{slug}"


# --- downloads -------------------------------------------------------------------------------

def prep_sheet_markdown(sheet: ScheduledConversation) -> str:
    """The prep sheet as a Markdown document, for the student to download and print.

    The student's text goes in as typed (it is their own file, never rendered by the app);
    single-line fields have their line breaks folded so they cannot break the layout."""
    person = _one_line(who(sheet.contact_name, sheet.organization))
    lines = [f"# Prep sheet: conversation with {person}",
             "",
             f"- When: {when(sheet)}",
             f"- Format: {vocab.label(vocab.FORMATS, sheet.format)}"]
    if sheet.place:
        lines.append(f"- Where: {_one_line(sheet.place)}")
    if sheet.title:
        lines.append(f"- Their role: {_one_line(sheet.title)}")
    if sheet.industry:
        lines.append(f"- Industry: {sheet.industry}")
    lines += ["", "## Checklist", ""]
    for item in checklist(researched=sheet.researched, question_count=len(sheet.questions),
                          confirmed=sheet.confirmed):
        lines.append(f"- [{'x' if item.done else ' '}] {item.label}")
    lines += ["", "## Goals for the conversation", "",
              (sheet.goals or "").strip() or "_None yet._",
              "", "## Research notes", "",
              (sheet.research_notes or "").strip() or "_None yet._",
              "", "## Questions", ""]
    if sheet.questions:
        lines += [f"{i}. {_one_line(q.text)}" for i, q in enumerate(sheet.questions, start=1)]
    else:
        lines.append("_None chosen yet._")
    return "\n".join(lines) + "\n"


def uid(scheduled_id: int) -> str:
    """Stable per scheduled conversation, so a second download updates the calendar event."""
    return f"scheduled-{scheduled_id}@{UID_DOMAIN}"


def conversation_event(sheet: ScheduledConversation, *, now: dt.datetime) -> str:
    """The .ics calendar event for a scheduled conversation (`now`: timezone-aware)."""
    description = [f"Format: {vocab.label(vocab.FORMATS, sheet.format)}"]
    if sheet.goals:
        description += ["", "Goals:", sheet.goals.strip()]
    if sheet.questions:
        description += ["", "Questions:"] + [f"{i}. {_one_line(q.text)}"
                                             for i, q in enumerate(sheet.questions, start=1)]
    person = _one_line(who(sheet.contact_name, sheet.organization))
    return ical.conversation_ics(
        uid=uid(sheet.id), start=aware_start(sheet), duration_min=sheet.duration_min,
        summary=f"Informational interview: {person}",
        location=_one_line(sheet.place) if sheet.place else None,
        description="\n".join(description), now=now)


# --- message templates -----------------------------------------------------------------------

# How the student found the contact → the connection clause an outreach message opens with.
_CONNECTIONS = {
    "alumni": "I'm a fellow alum of your school",
    "event": "we met at a recent event",
}


def template_connection(how_found: str | None, referred_by: str | None = None) -> str | None:
    """The opening connection for an outreach message; None lets the template say how the
    student found them."""
    if referred_by:
        return f"{_one_line(referred_by)} suggested I reach out to you"
    return _CONNECTIONS.get(how_found or "")


def template_topic(kind: str, *, industry: str | None, discussed: str | None) -> str | None:
    """What a message is about: what was discussed for thank-you and keep-in-touch notes (when
    known), otherwise the contact's field."""
    if kind in ("thank_you", "keep_in_touch") and discussed:
        return _one_line(discussed).rstrip(".!?")
    if industry and industry != vocab.OTHER_INDUSTRY:
        return industry.lower()
    return None
