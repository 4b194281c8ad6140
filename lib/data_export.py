"""Taking data out — and back in.

"My data": every record of a student — contacts, outreach, conversations with their questions
and insights, and the coaching records (scheduled conversations with their prep sheets, own
questions and stars, next actions ticked off or snoozed, keep-in-touch notes, career goals and
the goal settings) — as a ZIP of CSV files or one Excel workbook (one sheet per type). Every
text cell is made safe to open in a spreadsheet (`lib.exports.safe_frame`: a cell starting with
= + - @ tab or CR gets a leading apostrophe); to keep that reversible, a cell that already starts
with an apostrophe gets one more. `plan_export` reads such a file back — the apostrophe removed
again — into a `lib.store.Batch`, so export → import into a fresh account reproduces every
record, references between records remapped to the new ids.

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

from lib import class_queries, prep_store, vocab
from lib import question_bank as bank
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
from lib.prep_validation import clean_my_question, clean_prep_sheet, clean_schedule
from lib.store import (
    MARK_REFERENCES,
    MINE_PREFIX,
    Batch,
    BatchActionMark,
    BatchCareerGoal,
    BatchContact,
    BatchConversation,
    BatchGoals,
    BatchMyQuestion,
    BatchOutreach,
    BatchPrepQuestion,
    BatchScheduled,
    BatchTouch,
)
from lib.validation import (
    ValidationError,
    clean_contact,
    clean_conversation,
    clean_outreach,
    clean_response,
    parse_date,
)

DEFAULT_WEEKLY_GOAL = vocab.DEFAULT_WEEKLY_GOAL  # users.weekly_goal's default
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
    "scheduled_conversations": ("scheduled_id", "contact_id", "starts_at", "timezone",
                                "duration_min", "format", "place", "research_notes", "goals",
                                "researched", "confirmed", "conversation_id", "cancelled_at",
                                "created_at"),
    "prep_questions": ("scheduled_id", "position", "text", "bank_id"),
    "my_questions": ("question_id", "category", "text", "starred", "bank_id", "hidden",
                     "created_at"),
    "action_marks": ("action_key", "mark", "until", "created_at"),
    "touches": ("contact_id", "touched_on"),
    "career_goals": ("goal", "set_at"),
    "goals": ("weekly_goal", "weekly_goal_set", "weekly_conversation_goal",
              "term_conversation_goal"),
}

# What each file (or sheet) holds, in EXPORT_TYPES order: for README.txt and the page.
CONTENTS: dict[str, str] = {
    "contacts": "the people you reached out to (contact_id links the other files)",
    "outreach": "every message you sent, with the response",
    "conversations": "every conversation you held, with your clarity ratings and reflection",
    "questions": "the questions you noted for each conversation held",
    "insights": "what you learned (TIARA category), per conversation",
    "scheduled_conversations": "conversations you scheduled, with their prep sheets (research "
                               "notes, goals, checklist)",
    "prep_questions": "the questions you chose for each scheduled conversation",
    "my_questions": "your own questions in the question bank, and the ones you starred or hid",
    "action_marks": "next actions you ticked off or snoozed",
    "touches": "keep-in-touch messages you noted",
    "career_goals": "your career goal, every version with its date",
    "goals": "your weekly and term goals",
}
assert tuple(CONTENTS) == EXPORT_TYPES == tuple(REQUIRED)

# The tables the export covers (every row of the student's), and those of the student's rows
# that lib.erasure deletes but the export leaves out on purpose — with the reason.
EXPORTED_TABLES = ("contacts", "outreach", "conversations", "conversation_questions",
                   "insights", "scheduled_conversations", "prep_questions", "my_questions",
                   "action_marks", "touches", "career_goals",
                   "users")  # the goal columns only, see NOT_EXPORTED
NOT_EXPORTED = {
    "credentials": "sign-in data (e-mail address and password hash): never written to a file, "
                   "and a new account has its own",
    "sessions": "sign-in sessions of this account",
    "password_resets": "one-time password reset codes",
    "enrolments": "class membership belongs to the class (the instructor's); join the class "
                  "again with its code",
    "submissions": "technical records that stop a resent form from saving twice",
}

_ABOUT = """Career Conversations — my data, exported {when}

{contents}

Text that starts with = + - @ (or an apostrophe) has an apostrophe in front, so a spreadsheet
shows it as text instead of running it as a formula. Times are written as text
(2026-03-20 14:30:00) so that they come back exactly. Import this ZIP (or the Excel workbook)
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
    """The student's records, one frame per type (keys EXPORT_TYPES, in that order)."""
    frames = prep_store.student_records(con, user_id)
    return {name: frames[name] for name in EXPORT_TYPES}


def about(today: dt.date | None = None) -> str:
    """The README.txt of the ZIP: what each file holds."""
    width = max(len(n) for n in CONTENTS) + len(".csv") + 2
    contents = "\n".join(f"{name + '.csv':<{width}}{text}" for name, text in CONTENTS.items())
    return _ABOUT.format(when=(today or dt.date.today()).isoformat(), contents=contents)


def student_zip(con, user_id: int, *, today: dt.date | None = None) -> bytes:
    return frames_to_zip(student_frames(con, user_id), about=about(today))


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


def _timestamp(value: Any, what: str) -> dt.datetime | None:
    """A date-time cell: ISO text as exported ("2026-03-20 14:30:00.123456"), or a spreadsheet
    date-time. ValueError says why not."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} “{str(value)[:40]}” is not a date and time — write it as "
                         "YYYY-MM-DD HH:MM.") from None


def _flag(value: Any) -> bool:
    """A yes/no cell: True/False as exported, or yes/1/true from a person."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y")
    return bool(value) and value == value


def _whole(value: Any, what: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        number = float("nan")
    if isinstance(value, bool) or not number.is_integer() or not low <= number <= high:
        raise ValueError(f"{what} “{str(value)[:20]}” must be a whole number from {low} to "
                         f"{high}.")
    return int(number)


class _Nth:
    """Which existing record the n-th record of a key in the file is (the app allows two of
    the same key, e.g. two messages to one person on one day): the n-th existing one, if any."""

    def __init__(self, existing: dict[Any, tuple[int, ...]]):
        self.existing = existing
        self.seen: dict[Any, int] = {}

    def match(self, key) -> int | None:
        self.seen[key] = self.seen.get(key, -1) + 1
        ids = self.existing.get(key, ())
        return ids[self.seen[key]] if self.seen[key] < len(ids) else None


class _Count:
    """Like _Nth for records without ids: is the n-th of this key in the file already there?"""

    def __init__(self, existing: dict[Any, int]):
        self.existing = existing
        self.seen: dict[Any, int] = {}

    def known(self, key) -> bool:
        self.seen[key] = self.seen.get(key, 0) + 1
        return self.seen[key] <= self.existing.get(key, 0)


# The kinds of next action (lib.reminders) and what the id in their key refers to.
MARK_KINDS = {"thank_you": "conversation", "prepare": "scheduled", "follow_up": "outreach",
              "move_on": "outreach", "next_contact": "outreach", "keep_in_touch": "contact",
              "weekly_goal": None}
assert set(MARK_KINDS.values()) - {None} <= set(MARK_REFERENCES)
_MISSING = "The {} it refers to is missing from the file or was skipped."


def plan_export(upload: Upload, existing: ExistingRecords, *, today: dt.date) -> ImportPlan:
    """What importing a "My data" export would store. Records keep their links (a message to
    its contact, an insight to its conversation, a referral to who referred them, a scheduled
    conversation or keep-in-touch note to its contact, a next-action mark to what it is about),
    remapped to the new ids. A contact whose name and organization are already among the
    student's is reused; a message or conversation with the same contact on the same day as an
    existing one, a scheduled conversation with the same contact at the same time, and so on,
    is already there and not added again. Give `existing` from `ExistingRecords.from_keys`
    (with only `from_rows`, the coaching records are not recognised as already there).
    Exports made before the coaching records existed lack their files: nothing to add."""
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

    # outreach and conversations: file id → existing id or batch key (for next-action marks)
    outreach_refs: dict[str, int | str] = {}
    known_outreach = _Nth(existing.outreach_ids)
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
        file_id = _ref(o["outreach_id"])
        row.outreach = f"{message.sent_on.isoformat()} {message.channel}"
        if isinstance(ref, int) and (ref, message.sent_on) in outreach_seen:
            row.status, row.outreach = STATUS_KNOWN, row.outreach + ": already there"
            same = known_outreach.match((ref, message.sent_on))
            if same is not None:
                outreach_refs[file_id] = same
            continue
        outreach_refs[file_id] = f"o{file_id}"
        plan.batch.outreach.append(BatchOutreach(ref, message, answer, key=f"o{file_id}"))

    talk_refs: dict[str, int | str] = {}
    known_talks = _Nth(existing.conversation_ids)
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
            same = known_talks.match((ref, talk.held_on))
            if same is not None:
                talk_refs[file_id] = same
            continue
        plan.batch.conversations.append(BatchConversation(f"v{file_id}", ref, talk))
        talk_refs[file_id] = f"v{file_id}"

    for row, key, contact, c in staged:
        referred_by = refs.get(_ref(c.get("referred_by_contact_id")))
        referred_in = talk_refs.get(_ref(c.get("referred_in_conversation_id")))
        plan.batch.contacts.append(BatchContact(
            key, contact, created_on=parse_date(c["created_on"]) if c.get("created_on") else None,
            referred_by=referred_by,
            referred_in=referred_in if isinstance(referred_in, str) else None))

    mine = _plan_my_questions(plan, sheets["my_questions"], existing)
    scheduled = _plan_scheduled(plan, sheets, existing, contact_ref, talk_refs, mine,
                                today=today)
    _plan_touches(plan, sheets["touches"], existing, contact_ref)
    _plan_action_marks(plan, sheets["action_marks"], existing, {
        "contact": refs, "outreach": outreach_refs, "conversation": talk_refs,
        "scheduled": scheduled})
    _plan_career_goals(plan, sheets["career_goals"], existing)
    _plan_goals(plan, sheets["goals"], existing)
    return plan


def _skip(row: PlannedRow, *problems: str) -> None:
    row.status = STATUS_SKIPPED
    row.problems.extend(problems)


def _plan_my_questions(plan: ImportPlan, records, existing: ExistingRecords
                       ) -> dict[str, int | str]:
    """Own questions, and stars/hides of built-in ones. Returns file id → existing id or key."""
    builtin = {q.id for q in bank.builtin_questions()}
    known = _Nth(existing.my_question_ids)
    refs: dict[str, int | str] = {}
    for number, q in sorted(records, key=lambda r: _order(r[1]["question_id"])):
        row = PlannedRow(number, sheet="my_questions", record=(q.get("text") or "")[:80])
        plan.rows.append(row)
        try:
            question = clean_my_question({"category": q.get("category"), "text": q.get("text")})
            created_at = _timestamp(q.get("created_at"), "Created at")
        except ValidationError as problem:
            _skip(row, *problem.errors.values())
            continue
        except ValueError as problem:
            _skip(row, str(problem))
            continue
        bank_id = q.get("bank_id")
        bank_id = None if bank_id is None else str(bank_id)
        if bank_id is not None and bank_id not in builtin:
            _skip(row, f"Built-in question “{bank_id[:40]}” is no longer in the question bank.")
            continue
        file_id = _ref(q["question_id"])
        same = known.match(("bank", bank_id) if bank_id else (question.category, question.text))
        if same is not None:
            refs[file_id] = same
            row.status = STATUS_KNOWN
            continue
        refs[file_id] = f"q{file_id}"
        plan.batch.my_questions.append(BatchMyQuestion(
            f"q{file_id}", question.category, question.text, starred=_flag(q.get("starred")),
            bank_id=bank_id, hidden=_flag(q.get("hidden")), created_at=created_at))
    return refs


def _plan_scheduled(plan: ImportPlan, sheets, existing: ExistingRecords, contact_ref,
                    talk_refs: dict, mine: dict, *, today: dt.date) -> dict[str, int | str]:
    """Scheduled conversations with their prep sheets. Returns file id → existing id or key."""
    chosen: dict[str, list[tuple[float, int, dict]]] = {}
    for number, q in sheets["prep_questions"]:
        chosen.setdefault(_ref(q["scheduled_id"]), []).append((_order(q["position"]), number, q))
    file_ids = {_ref(s["scheduled_id"]) for _, s in sheets["scheduled_conversations"]}
    for sid in sorted(set(chosen) - file_ids, key=_order):
        for _, number, q in chosen[sid]:
            row = PlannedRow(number, sheet="prep_questions", record=(q.get("text") or "")[:80])
            plan.rows.append(row)
            _skip(row, "Its scheduled conversation is missing from the file.")

    known = _Nth(existing.scheduled_ids)
    refs: dict[str, int | str] = {}
    midnight = dt.datetime.combine(today, dt.time())
    for number, s in sorted(sheets["scheduled_conversations"],
                            key=lambda r: _order(r[1]["scheduled_id"])):
        row = PlannedRow(number, name=s.get("contact_name"), sheet="scheduled_conversations")
        plan.rows.append(row)
        ref = contact_ref(row, s["contact_id"])
        if ref is None:
            continue
        file_id = _ref(s["scheduled_id"])
        questions = [q for _, _, q in sorted(chosen.get(file_id, []), key=lambda x: x[:2])]
        try:
            starts_at = _timestamp(s.get("starts_at"), "Starts at")
            cancelled_at = _timestamp(s.get("cancelled_at"), "Cancelled at")
            created_at = _timestamp(s.get("created_at"), "Created at")
            when = clean_schedule({
                "contact_id": 0, "date": starts_at.date() if starts_at else None,
                "time": starts_at.time() if starts_at else None,
                "duration_min": s.get("duration_min"), "format": s.get("format"),
                "place": s.get("place"), "timezone": s.get("timezone")},
                now_local=midnight, is_new=False)
            sheet = clean_prep_sheet(
                research_notes=s.get("research_notes"), goals=s.get("goals"),
                researched=_flag(s.get("researched")), confirmed=_flag(s.get("confirmed")),
                questions=[(q.get("text"), q.get("bank_id")) for q in questions])
        except ValidationError as problem:
            _skip(row, *problem.errors.values())
            continue
        except ValueError as problem:
            _skip(row, str(problem))
            continue
        row.record = f"scheduled {when.starts_at:%Y-%m-%d %H:%M} {when.format}"
        if isinstance(ref, int):
            same = known.match((ref, when.starts_at))
            if same is not None:
                refs[file_id] = same
                row.status, row.record = STATUS_KNOWN, row.record + ": already there"
                continue
        talk = _ref(s.get("conversation_id"))
        conversation = talk_refs.get(talk) if talk else None
        if talk and conversation is None:
            row.notes.append("The conversation it was logged as is not in this import: it is "
                             "stored as not yet held.")
        prep = []
        for q in sheet.questions:
            own = q.bank_id[len(MINE_PREFIX):] if q.bank_id and \
                q.bank_id.startswith(MINE_PREFIX) else None
            if own is not None:
                prep.append(BatchPrepQuestion(q.text, mine=mine.get(own)))
            else:
                prep.append(BatchPrepQuestion(q.text, bank_id=q.bank_id))
        refs[file_id] = f"s{file_id}"
        plan.batch.scheduled.append(BatchScheduled(
            f"s{file_id}", ref, when.starts_at,
            when.timezone if s.get("timezone") is not None else None, when.duration_min,
            when.format, when.place, sheet.research_notes, sheet.goals, sheet.researched,
            sheet.confirmed, conversation, cancelled_at, created_at, tuple(prep)))
    return refs


def _plan_touches(plan: ImportPlan, records, existing: ExistingRecords, contact_ref) -> None:
    known = _Count(existing.touches)
    for number, t in records:
        row = PlannedRow(number, name=t.get("contact_name"), sheet="touches")
        plan.rows.append(row)
        ref = contact_ref(row, t["contact_id"])
        if ref is None:
            continue
        day = parse_date(t.get("touched_on")) if t.get("touched_on") is not None else None
        if day is None:
            _skip(row, f"Touched on “{str(t.get('touched_on') or '')[:40]}” is not a date — "
                       "use YYYY-MM-DD.")
            continue
        row.record = f"kept in touch {day.isoformat()}"
        if isinstance(ref, int) and known.known((ref, day)):
            row.status, row.record = STATUS_KNOWN, row.record + ": already there"
            continue
        plan.batch.touches.append(BatchTouch(ref, day))


def _plan_action_marks(plan: ImportPlan, records, existing: ExistingRecords,
                       refs: dict[str, dict]) -> None:
    keys = set(existing.action_keys)
    in_file: set[tuple[str, str]] = set()
    for number, m in records:
        text = str(m.get("action_key") or "")
        row = PlannedRow(number, sheet="action_marks", record=text[:80])
        plan.rows.append(row)
        kind, _, ref_text = text.partition(":")
        mark = (m.get("mark") or "").strip().lower() if isinstance(m.get("mark"), str) else None
        if kind not in MARK_KINDS or not ref_text:
            _skip(row, f"“{text[:40]}” is not a next action of this app.")
            continue
        if mark not in ("done", "snoozed"):
            _skip(row, "Mark must be done or snoozed.")
            continue
        until = parse_date(m["until"]) if m.get("until") is not None else None
        if m.get("until") is not None and until is None:
            _skip(row, f"Until “{str(m['until'])[:40]}” is not a date — use YYYY-MM-DD.")
            continue
        if mark == "snoozed" and until is None:
            _skip(row, "A snoozed next action needs the date it comes back (until).")
            continue
        try:
            created_at = _timestamp(m.get("created_at"), "Created at")
        except ValueError as problem:
            _skip(row, str(problem))
            continue
        target = MARK_KINDS[kind]
        if target is None:
            entry = BatchActionMark(text, mark, until, created_at=created_at)
            key = text
        else:
            file_id, at, suffix = ref_text.partition("@")
            ref = refs[target].get(_ref(file_id))
            if ref is None:
                _skip(row, _MISSING.format(target.replace("scheduled",
                                                          "scheduled conversation")))
                continue
            entry = BatchActionMark(f"{kind}:", mark, until, target, ref, at + suffix,
                                    created_at)
            key = f"{kind}:{ref}{at}{suffix}" if isinstance(ref, int) else None
        if key is not None and key in keys:
            row.status = STATUS_KNOWN
            continue
        if (kind, text) in in_file:  # the same mark twice in the file: once is enough
            row.status = STATUS_KNOWN
            continue
        in_file.add((kind, text))
        if key is not None:
            keys.add(key)
        plan.batch.action_marks.append(entry)


def _plan_career_goals(plan: ImportPlan, records, existing: ExistingRecords) -> None:
    known = _Count(existing.career_goals)
    for number, g in records:
        goal = g.get("goal")
        row = PlannedRow(number, sheet="career_goals", record=str(goal or "")[:80])
        plan.rows.append(row)
        if not isinstance(goal, str) or not goal.strip() or len(goal) > 2_000:
            _skip(row, "A career goal is 1 to 2,000 characters.")
            continue
        try:
            set_at = _timestamp(g.get("set_at"), "Set at")
        except ValueError as problem:
            _skip(row, str(problem))
            continue
        if known.known((goal.strip(), set_at)):
            row.status = STATUS_KNOWN
            continue
        plan.batch.career_goals.append(BatchCareerGoal(goal.strip(), set_at))


def _plan_goals(plan: ImportPlan, records, existing: ExistingRecords) -> None:
    """The goal settings: taken when this account has set none of its own."""
    for number, g in records[:1]:
        row = PlannedRow(number, sheet="goals", record="your goals")
        plan.rows.append(row)
        try:
            weekly = _whole(g.get("weekly_goal"), "Weekly goal", 0, 100)
            goals = BatchGoals(
                DEFAULT_WEEKLY_GOAL if weekly is None else weekly,
                _flag(g.get("weekly_goal_set")),
                _whole(g.get("weekly_conversation_goal"), "Weekly conversation goal", 0, 100),
                _whole(g.get("term_conversation_goal"), "Term conversation goal", 0, 500))
        except ValueError as problem:
            _skip(row, str(problem))
            continue
        values = (goals.weekly_goal, goals.weekly_goal_set, goals.weekly_conversation_goal,
                  goals.term_conversation_goal)
        mine = existing.goals
        if mine is not None and tuple(mine) == values:
            row.status = STATUS_KNOWN
            continue
        if mine is not None and (mine[1] or mine[2] is not None or mine[3] is not None):
            _skip(row, "This account has goals of its own already; they are kept.")
            continue
        plan.batch.goals = goals
        own = ", ".join(f"{label} {value}" for label, value in (
            ("weekly messages", goals.weekly_goal if goals.weekly_goal_set else None),
            ("weekly conversations", goals.weekly_conversation_goal),
            ("conversations this term", goals.term_conversation_goal)) if value is not None)
        row.record = f"your goals: {own}" if own else "your goals: your class's apply"
    for number, _ in records[1:]:
        row = PlannedRow(number, sheet="goals")
        plan.rows.append(row)
        _skip(row, "Only the first row of goals is read.")


__all__ = [
    "CONTENTS", "EXPORTED_TABLES", "MARK_KINDS", "NOT_EXPORTED", "REQUIRED", "XLSX_MIME", "about",
    "class_report_frames", "class_report_xlsx", "class_report_zip", "frames_to_xlsx",
    "frames_to_zip", "plan_export", "student_frames", "student_xlsx", "student_zip",
]
