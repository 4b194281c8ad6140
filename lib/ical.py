"""An .ics file (RFC 5545) for a scheduled conversation, so it lands in the student's calendar.

Times are written in UTC ("Z" form): every calendar app converts them to local time, and no
VTIMEZONE block is needed. Always import as `lib.calendar` (the name shadows the standard
library's `calendar` only if `lib/` itself were put on sys.path).
"""

from __future__ import annotations

import datetime as dt

PRODID = "-//Career Conversations//Conversation tracker//EN"
_MAX_OCTETS = 75  # per physical line, excluding CRLF (RFC 5545 §3.1)


def escape_text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 §3.3.11 (backslash first, so escapes are not doubled)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """Split a content line into ≤75-octet pieces joined by CRLF + space, never inside a UTF-8
    character (a split multi-byte character would corrupt non-ASCII names)."""
    pieces: list[str] = []
    current, size = "", 0
    limit = _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            # Continuation lines start with a space, which counts toward their 75 octets.
            current, size, limit = "", 0, _MAX_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc(moment: dt.datetime, name: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def conversation_ics(*, uid: str, start: dt.datetime, duration_min: int, summary: str,
                     location: str | None = None, description: str | None = None,
                     now: dt.datetime) -> str:
    """One VEVENT in a VCALENDAR. `uid` must be stable for the conversation (e.g.
    "conversation-42@career-conversations") so re-downloading updates rather than duplicates;
    `start` and `now` must be timezone-aware."""
    if duration_min <= 0:
        raise ValueError("duration_min must be positive")
    end = start + dt.timedelta(minutes=duration_min)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{_utc(now, 'now')}",
        f"DTSTART:{_utc(start, 'start')}",
        f"DTEND:{_utc(end, 'start')}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
