"""Taking data out — and back in.

"My data": a student's contacts, outreach, conversations, prepared questions and insights as a
ZIP of CSV files or one Excel workbook (one sheet per type). Every text cell is made safe to
open in a spreadsheet (`lib.exports.safe_frame`: a cell starting with = + - @ tab or CR gets a
leading apostrophe); to keep that reversible, a cell that already starts with an apostrophe gets
one more. `plan_export` reads such a file back — the apostrophe removed again — into a
`lib.store.Batch`, so export → import into a fresh account reproduces every record.

The instructor's class report (progress table, headline figures, industries, response rates)
comes out the same ways, with the dashboard's small-group suppression already applied.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

import pandas as pd

from lib import class_queries, queries
from lib.exports import safe_frame, to_csv_bytes
from lib.importer import (
    EXPORT_TYPES,
    STATUS_KNOWN,
    STATUS_SKIPPED,
    ExistingRecords,
    ImportFileError,
    ImportPlan,
    PlannedRow,
    Table,
    Upload,
    contact_key,
)
from lib.store import Batch, BatchContact, BatchConversation, BatchOutreach
from lib.validation import (
    ValidationError,
    clean_contact,
    clean_conversation,
    clean_outreach,
    clean_response,
    parse_date,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Columns every export file must have to be read back (others are for people, e.g. contact_name).
REQUIRED = {
    "contacts": ("contact_id", "name", "organization", "title", "industry", "industry_other",
                 "how_found", "email", "profile_url", "priority", "notes", "created_on",
                 "referred_by_contact_id", "referred_in_conversation_id"),
    "outreach": ("outreach_id", "contact_id", "sent_on", "channel", "response_on", "outcome"),
    "conversations": ("conversation_id", "contact_id", "held_on", "format", "duration_min",
                      "next_steps", "clarity_before", "clarity_after", "reflection",
                      "thank_you_on", "share_insights", "share_name"),
    "questions": ("conversation_id", "position", "text"),
    "insights": ("conversation_id", "position", "category", "text"),
}

_ABOUT = """Career Conversations — my data, exported {when}

contacts.csv       the people you reached out to (one row each; contact_id links the others)
outreach.csv       every message you sent, with the response
conversations.csv  every conversation you held
questions.csv      the questions you prepared, per conversation
insights.csv       what you learned (TIARA category), per conversation

Text that starts with = + - @ (or an apostrophe) has an apostrophe in front, so a spreadsheet
shows it as text instead of running it as a formula. Import this ZIP (or the Excel workbook)
on the Import & export page to bring everything back; the apostrophes are removed again.
"""


# --- writing ---------------------------------------------------------------------------------

def _escape_apostrophe(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith("'") else value


def _reversible(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells starting with an apostrophe get one more, so that removing one leading apostrophe
    on import undoes `safe_frame` exactly."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:  # not Series.map: it would make 45 and None 45.0, NaN
            out[column] = pd.Series([_escape_apostrophe(v) for v in out[column]],
                                    index=out.index, dtype=object)
        elif pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_escape_apostrophe)
    return out


def frames_to_zip(frames: dict[str, pd.DataFrame], *, about: str | None = None,
                  reversible: bool = True) -> bytes:
    """One neutralised CSV (UTF-8 with BOM) per frame, in a ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if about:
            archive.writestr("README.txt", about)
        for name, frame in frames.items():
            archive.writestr(f"{name}.csv",
                             to_csv_bytes(_reversible(frame) if reversible else frame))
    return buffer.getvalue()


_XML_UNSAFE = r"[\x00-\x08\x0b-\x1f]"
# An underscore that would start _xHHHH_ once read — also when the next character is one that
# becomes _xHHHH_ itself — or a character XML can't carry.
_OOXML_TO_ESCAPE = re.compile(rf"_(?=x[0-9A-Fa-f]{{4}}(?:_|{_XML_UNSAFE}))|{_XML_UNSAFE}")


def ooxml_escape(text: str) -> str:
    """Text for an .xlsx cell: characters XML can't carry (a carriage return, other control
    characters) as _xHHHH_, as Excel writes them; a literal _xHHHH_ gets its _ escaped."""
    return _OOXML_TO_ESCAPE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _xlsx_value(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return value.item()
    if isinstance(value, str):
        return ooxml_escape(value)
    return value


def frames_to_xlsx(frames: dict[str, pd.DataFrame], *, reversible: bool = True) -> bytes:
    """One sheet per frame; text cells neutralised as in the CSV files, and always written as
    text (never as a formula)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, frame in frames.items():
        sheet = book.create_sheet(title=name[:31])
        safe = safe_frame(_reversible(frame) if reversible else frame)
        sheet.append([str(c) for c in safe.columns])
        for row in safe.itertuples(index=False, name=None):
            sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def student_frames(con, user_id: int) -> dict[str, pd.DataFrame]:
    """The student's records, one frame per type (keys EXPORT_TYPES)."""
    return queries.student_records(con, user_id)


def student_zip(con, user_id: int, *, today: dt.date | None = None) -> bytes:
    when = (today or dt.date.today()).isoformat()
    return frames_to_zip(student_frames(con, user_id), about=_ABOUT.format(when=when))


def student_xlsx(con, user_id: int) -> bytes:
    return frames_to_xlsx(student_frames(con, user_id))


# --- the instructor's class report -----------------------------------------------------------

_KPI_LABELS = {
    "students": "Students", "active_7d": "Active in the last 7 days",
    "active_14d": "Active in the last 14 days", "outreach_sent": "Outreach sent",
    "contacted": "Contacts reached", "responded": "Contacts who responded",
    "response_rate": "Response rate", "conversations_held": "Conversations held",
    "thanked_within_24h": "Thanked within 24 hours",
    "thanked_within_24h_share": "Share thanked within 24 hours",
    "median_conversations": "Median conversations per student",
    "conversations_goal": "Conversations goal per student",
}


def class_report_frames(con, viewer_id: int, class_id: int, start: dt.date | None,
                        end: dt.date | None, today: dt.date) -> dict[str, pd.DataFrame]:
    """The class dashboard's tables for download: progress (counts per student), kpis,
    industries and response rates by industry and by channel — groups of fewer than
    `class_queries.min_group_size()` students suppressed, exactly as on the dashboard.
    `NotFound` unless the viewer may see the class."""
    kpis = class_queries.class_kpis(con, viewer_id, class_id, start, end, today)
    frames = {
        "progress": class_queries.progress_table(con, viewer_id, class_id, start, end, today)
        .drop(columns=["student_id"]),
        "kpis": pd.DataFrame([{"measure": _KPI_LABELS[k], "value": kpis[k]}
                              for k in class_queries.KPI_KEYS], dtype=object),
        "industries": class_queries.industries_explored(con, viewer_id, class_id, start, end),
        "rates_by_industry": class_queries.class_response_rates(con, viewer_id, class_id, start,
                                                               end, by="industry"),
        "rates_by_channel": class_queries.class_response_rates(con, viewer_id, class_id, start,
                                                              end, by="channel"),
    }
    period = pd.DataFrame([{"from": start, "to": end, "made_on": today,
                            "min_group_size": class_queries.min_group_size()}], dtype=object)
    return {"period": period, **frames}


def class_report_zip(frames: dict[str, pd.DataFrame]) -> bytes:
    return frames_to_zip(frames, reversible=False)


def class_report_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    return frames_to_xlsx(frames, reversible=False)


# --- reading an export back ------------------------------------------------------------------

def _unescape(value: Any) -> Any:
    """A cell as it was before export: one leading apostrophe removed, blanks are None."""
    if isinstance(value, str):
        if not value.strip():
            return None
        return value[1:] if value.startswith("'") else value
    return value


def _records(table: Table, sheet: str) -> list[tuple[int, dict[str, Any]]]:
    headers = [str(h).strip().lower() for h in table.headers]
    missing = [c for c in REQUIRED[sheet] if c not in headers]
    if missing:
        raise ImportFileError(f"The {sheet} sheet lacks the column(s) {', '.join(missing)} — "
                              "is this file a Career Conversations export?")
    return [(number, {h: _unescape(v) for h, v in zip(headers, row)})
            for row, number in zip(table.rows, table.row_numbers)]


def _ref(value: Any) -> str | None:
    """An id cell as a stable text key ("12"; 12.0 from a spreadsheet is "12")."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _order(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")


def plan_export(upload: Upload, existing: ExistingRecords, *, today: dt.date) -> ImportPlan:
    """What importing a "My data" export would store. Records keep their links (a message to
    its contact, an insight to its conversation, a referral to who referred them). A contact
    whose name and organization are already among the student's is reused; a message or
    conversation with the same contact on the same day as an existing one is already there."""
    if upload.kind != "export":
        raise ValueError("Not an export file.")
    sheets = {name: _records(upload.tables[name], name) if name in upload.tables else []
              for name in EXPORT_TYPES}
    plan = ImportPlan(rows=[], batch=Batch())
    bad = [p for t in upload.tables.values() for p in t.bad_rows]
    if bad:
        plan.notes.append(f"{len(bad)} line(s) of the files could not be read and are left out.")

    questions: dict[str, list[tuple[float, str]]] = {}
    for _, q in sheets["questions"]:
        if q.get("text"):
            questions.setdefault(_ref(q["conversation_id"]), []).append(
                (_order(q["position"]), q["text"]))
    insights: dict[str, list[tuple[float, dict]]] = {}
    for _, i in sheets["insights"]:
        insights.setdefault(_ref(i["conversation_id"]), []).append(
            (_order(i["position"]), {"category": i.get("category"), "text": i.get("text")}))

    # contacts: file id → existing contact id (int) or batch key (str); None if skipped
    refs: dict[str, int | str | None] = {}
    staged: list[tuple[PlannedRow, str, Any, dict]] = []
    nth: dict[tuple[str, str], int] = {}
    for number, c in sorted(sheets["contacts"], key=lambda r: _order(r[1]["contact_id"])):
        row = PlannedRow(number, name=c.get("name"), organization=c.get("organization"),
                         sheet="contacts")
        plan.rows.append(row)
        file_id = _ref(c["contact_id"])
        try:
            contact = clean_contact(c)
        except ValidationError as problem:
            row.status, row.problems = STATUS_SKIPPED, list(problem.errors.values())
            refs[file_id] = None
            continue
        # The n-th contact of a name in the file is the n-th existing one of that name.
        key = contact_key(contact.name, contact.organization)
        nth[key] = nth.get(key, -1) + 1
        ids = existing.same_key.get(key) or ((existing.contacts[key],)
                                             if key in existing.contacts else ())
        known = ids[nth[key]] if nth[key] < len(ids) else None
        if known is not None:
            refs[file_id] = known
            row.status, row.contact = STATUS_KNOWN, "already in your contacts"
            continue
        refs[file_id] = f"c{file_id}"
        row.contact = "new"
        staged.append((row, f"c{file_id}", contact, c))

    def contact_ref(row: PlannedRow, value: Any) -> int | str | None:
        ref = refs.get(_ref(value))
        if ref is None:
            row.status = STATUS_SKIPPED
            row.problems.append("Its contact is missing from the file or was skipped.")
        return ref

    outreach_seen = set(existing.outreach)
    for number, o in sorted(sheets["outreach"], key=lambda r: _order(r[1]["outreach_id"])):
        row = PlannedRow(number, name=o.get("contact_name"), sheet="outreach")
        plan.rows.append(row)
        ref = contact_ref(row, o["contact_id"])
        if ref is None:
            continue
        try:
            message = clean_outreach({"contact_id": 0, "sent_on": o.get("sent_on"),
                                      "channel": o.get("channel")}, today=today)
            answer = None
            if (o.get("outcome") or "pending") != "pending":
                answer = clean_response({"outcome": o.get("outcome"),
                                         "response_on": o.get("response_on")},
                                        sent_on=message.sent_on, today=today)
        except ValidationError as problem:
            row.status, row.problems = STATUS_SKIPPED, list(problem.errors.values())
            continue
        row.outreach = f"{message.sent_on.isoformat()} {message.channel}"
        if isinstance(ref, int) and (ref, message.sent_on) in outreach_seen:
            row.status, row.outreach = STATUS_KNOWN, row.outreach + ": already there"
            continue
        plan.batch.outreach.append(BatchOutreach(ref, message, answer))

    talks_in_batch: set[str] = set()
    talks_seen = set(existing.conversations)
    for number, v in sorted(sheets["conversations"],
                            key=lambda r: _order(r[1]["conversation_id"])):
        row = PlannedRow(number, name=v.get("contact_name"), sheet="conversations")
        plan.rows.append(row)
        ref = contact_ref(row, v["contact_id"])
        if ref is None:
            continue
        file_id = _ref(v["conversation_id"])
        raw = {k: v.get(k) for k in REQUIRED["conversations"]}
        raw["questions"] = [t for _, t in sorted(questions.get(file_id, []), key=lambda x: x[0])]
        raw["insights"] = [i for _, i in sorted(insights.get(file_id, []), key=lambda x: x[0])]
        try:
            talk = clean_conversation(raw, today=today)
        except ValidationError as problem:
            row.status, row.problems = STATUS_SKIPPED, list(problem.errors.values())
            continue
        row.conversation = f"{talk.held_on.isoformat()} {talk.format}"
        if isinstance(ref, int) and (ref, talk.held_on) in talks_seen:
            row.status, row.conversation = STATUS_KNOWN, row.conversation + ": already there"
            continue
        plan.batch.conversations.append(BatchConversation(f"v{file_id}", ref, talk))
        talks_in_batch.add(f"v{file_id}")

    for row, key, contact, c in staged:
        referred_by = refs.get(_ref(c.get("referred_by_contact_id")))
        referred_in = f"v{_ref(c.get('referred_in_conversation_id'))}"
        plan.batch.contacts.append(BatchContact(
            key, contact, created_on=parse_date(c["created_on"]) if c.get("created_on") else None,
            referred_by=referred_by,
            referred_in=referred_in if referred_in in talks_in_batch else None))
    return plan


__all__ = [
    "REQUIRED", "XLSX_MIME", "class_report_frames", "class_report_xlsx", "class_report_zip",
    "frames_to_xlsx", "frames_to_zip", "plan_export", "student_frames", "student_xlsx",
    "student_zip",
]
