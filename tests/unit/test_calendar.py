"""lib.ical: the .ics is valid RFC 5545 and round-trips through a small independent parser."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from lib.ical import PRODID, conversation_ics, fold

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 3, 20, 9, 15, 30, tzinfo=dt.timezone.utc)
TRICKY = "Café, Straße; Köln\\Bonn — 東京\nsecond line"


# --- a minimal RFC 5545 reader, written independently of the module --------------------------

def unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(ics: str) -> dict[str, str]:
    """Property name → raw value (no parameters are written, so the first ':' splits)."""
    out = {}
    for line in unfold(ics):
        name, _, value = line.partition(":")
        out.setdefault(name, value)
    return out


def ics(**overrides) -> str:
    values = dict(uid="conversation-42@career-conversations",
                  start=dt.datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN), duration_min=30,
                  summary="Conversation with Ada", now=NOW)
    return conversation_ics(**{**values, **overrides})


# --- structure -------------------------------------------------------------------------------

def test_structure_and_required_properties():
    text = ics()
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT")
    props = properties(text)
    assert props["VERSION"] == "2.0"
    assert props["PRODID"] == PRODID
    assert props["UID"] == "conversation-42@career-conversations"
    assert props["DTSTAMP"] == "20260320T091530Z"
    assert "LOCATION" not in props and "DESCRIPTION" not in props


def test_every_line_ends_with_crlf():
    text = ics(description=TRICKY)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    text = ics(summary="Conversation with Zoë Müller-Østergård " * 6, description="東京" * 80)
    physical = text.split("\r\n")[:-1]
    assert len(physical) > 12  # folding happened
    for line in physical:
        assert len(line.encode("utf-8")) <= 75
    assert properties(text)["DESCRIPTION"] == "東京" * 80


@pytest.mark.parametrize("line", ["x" * 75, "x" * 76, "é" * 38, "a" + "é" * 37, "東" * 60])
def test_fold_limits(line):
    pieces = fold(line).split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line
    assert (len(pieces) == 1) == (len(line.encode("utf-8")) <= 75)


# --- text round-trip -------------------------------------------------------------------------

def test_text_round_trips_with_commas_semicolons_backslashes_and_non_ascii():
    text = ics(summary="Chat, coffee; Zoë",
               location="Café Einstein, Unter den Linden 42; 1st floor", description=TRICKY)
    props = properties(text)
    assert props["SUMMARY"] == "Chat\\, coffee\\; Zoë"
    assert unescape(props["SUMMARY"]) == "Chat, coffee; Zoë"
    assert unescape(props["LOCATION"]) == "Café Einstein, Unter den Linden 42; 1st floor"
    assert unescape(props["DESCRIPTION"]) == TRICKY
    assert props["DESCRIPTION"].count("\\n") == 1


def test_windows_newlines_become_one_escaped_newline():
    props = properties(ics(description="one\r\ntwo\rthree"))
    assert unescape(props["DESCRIPTION"]) == "one\ntwo\nthree"


# --- times -----------------------------------------------------------------------------------

@pytest.mark.parametrize("local, start_z, end_z", [
    # Winter time (CET, UTC+1)
    (dt.datetime(2026, 3, 27, 10, 0), "20260327T090000Z", "20260327T093000Z"),
    # Summer time (CEST, UTC+2) after the switch on Sunday 29 March 2026
    (dt.datetime(2026, 3, 30, 10, 0), "20260330T080000Z", "20260330T083000Z"),
    # Across midnight UTC
    (dt.datetime(2026, 7, 1, 0, 15), "20260630T221500Z", "20260630T224500Z"),
])
def test_times_are_utc_for_a_start_in_berlin(local, start_z, end_z):
    props = properties(ics(start=local.replace(tzinfo=BERLIN), duration_min=30))
    assert (props["DTSTART"], props["DTEND"]) == (start_z, end_z)


def test_naive_times_and_bad_durations_are_rejected():
    with pytest.raises(ValueError):
        ics(start=dt.datetime(2026, 3, 27, 10, 0))
    with pytest.raises(ValueError):
        ics(now=dt.datetime(2026, 3, 20, 9, 0))
    with pytest.raises(ValueError):
        ics(duration_min=0)
