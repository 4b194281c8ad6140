"""Bringing a student's tracker in: read a CSV or Excel file strictly, guess which column holds
which field, and plan — row by row — the records an import would store. No SQL: the caller gives
the student's existing records (`ExistingRecords`) and writes `ImportPlan.batch` with
`lib.store.write_batch`, one transaction for the whole file.

Strict means: a CSV row with more or fewer fields than the header is reported and left out,
never shifted or padded; a cell that is not a date where a date belongs skips its row with the
reason. Every value goes through the same `lib.validation.clean_*` rules as the forms.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd

from lib import vocab
from lib.store import Batch, BatchContact, BatchConversation, BatchOutreach
from lib.validation import (
    ValidationError,
    clean_contact,
    clean_conversation,
    clean_outreach,
    clean_response,
    parse_date,
)

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# An .xlsx is a ZIP of XML: refuse one that unpacks to far more than any tracker needs.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024

LINKEDIN_HEADER = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                   "Connected On"]
# LinkedIn's Connections.csv starts with a few lines of notes; its header is within these.
_LINKEDIN_SEARCH_LINES = 20
# The sheets (or CSV files in the ZIP) of "My data" exports, in order: see lib.data_export.
# The tracker's records, then the coaching ones (exports made before those existed lack them).
TRACKER_TYPES = ("contacts", "outreach", "conversations", "questions", "insights")
COACHING_TYPES = ("scheduled_conversations", "prep_questions", "my_questions", "action_marks",
                  "touches", "career_goals", "goals")
EXPORT_TYPES = TRACKER_TYPES + COACHING_TYPES


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; `str(self)` says why and is safe to show."""


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row (line) number as a spreadsheet shows it, header = its own row
    message: str


@dataclass
class Table:
    """The cells of one CSV file or worksheet: a header and rows of exactly its width."""

    headers: list[str]
    rows: list[list[Any]]
    row_numbers: list[int]
    bad_rows: list[RowProblem] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    lines_before_header: int = 0

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, row_numbers: Iterable[int]) -> "Table":
        """The same table with only the given rows (e.g. the LinkedIn connections kept)."""
        keep = set(row_numbers)
        pairs = [(r, n) for r, n in zip(self.rows, self.row_numbers) if n in keep]
        return Table(self.headers, [r for r, _ in pairs], [n for _, n in pairs], self.bad_rows,
                     self.encoding, self.delimiter, self.lines_before_header)

    def frame(self) -> pd.DataFrame:
        """The rows as text, for showing and filtering (column names made unique)."""
        names = _unique([h or f"Column {i + 1}" for i, h in enumerate(self.headers)])
        return pd.DataFrame([[_as_text(v) for v in row] for row in self.rows], columns=names,
                            index=self.row_numbers, dtype=object)


@dataclass
class Upload:
    """A file read into tables. kind: "tracker" (one table of rows), "linkedin" (LinkedIn's
    Connections.csv) or "export" (this app's own "My data" ZIP or workbook, one table per
    record type, keyed by EXPORT_TYPES)."""

    name: str
    kind: str
    tables: dict[str, Table]

    @property
    def table(self) -> Table:
        return next(iter(self.tables.values()))

    def describe(self) -> str:
        if self.kind == "export":
            parts = ", ".join(f"{len(t)} {name}" for name, t in self.tables.items())
            return f"A Career Conversations export: {parts}."
        t = self.table
        what = "LinkedIn connections" if self.kind == "linkedin" else "rows"
        details = []
        if t.encoding:
            details.append({"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(t.encoding,
                                                                                 t.encoding))
        if t.delimiter:
            details.append(f"separated by “{t.delimiter}”")
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{len(t):,} {what} and {len(t.headers)} columns{suffix}."


# --- reading files ---------------------------------------------------------------------------

def read_upload(name: str, data: bytes) -> Upload:
    """Read an uploaded .csv, .xlsx or (this app's export) .zip; ImportFileError if it can't."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is {len(data) / 1024 / 1024:.1f} MB — the limit is "
                              f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files.")
    if not data.strip():
        raise ImportFileError("The file is empty.")
    lower = name.lower()
    if data[:4] == b"PK\x03\x04":  # a ZIP: .xlsx, or an export of this app
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise ImportFileError("The file looks like a ZIP or Excel file but is damaged.") \
                from None
        with archive:
            members = archive.namelist()
            if "[Content_Types].xml" in members:
                return _read_workbook(name, data, archive)
            return _read_export_zip(name, archive)
    if lower.endswith((".xlsx", ".zip")):
        raise ImportFileError("The file is not a valid Excel workbook or ZIP file. Save it again "
                              "as .xlsx (Excel) or .csv.")
    if lower.endswith((".xls", ".ods", ".numbers")):
        raise ImportFileError("That spreadsheet format can't be read — save it as .xlsx or .csv.")
    table = read_csv_bytes(data)
    kind = "linkedin" if _is_linkedin(table.headers) else "tracker"
    return Upload(name, kind, {"rows": table})


def _is_linkedin(headers: list[str]) -> bool:
    return [_normalize(h) for h in headers[:2]] == ["first name", "last name"] and \
        {"url", "company", "position"} <= {_normalize(h) for h in headers}


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (a BOM is dropped), else Windows-1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError("The file's text encoding isn't UTF-8 or Windows-1252. Save it as "
                          "“CSV UTF-8” and try again.")


def _header_line(lines: list[str]) -> int:
    """Index of the header line: LinkedIn's (after its notes) if present, else the first line
    with any content."""
    for i, line in enumerate(lines[:_LINKEDIN_SEARCH_LINES]):
        if re.match(r'^\s*"?first name"?\s*[,;]\s*"?last name"?\s*[,;]', line, re.I):
            return i
    for i, line in enumerate(lines):
        if line.strip().strip(",;\"'"):
            return i
    raise ImportFileError("The file has no header row.")


def sniff_delimiter(header_line: str) -> str:
    """`;` when the header has more semicolons than commas outside quotes, else `,`."""
    counts = {",": 0, ";": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return ";" if counts[";"] > counts[","] else ","


def read_csv_bytes(data: bytes) -> Table:
    """A strict CSV read: the `csv` module, one header, every row exactly as wide."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")
    text, encoding = decode(data)
    if "\x00" in text:
        raise ImportFileError("The file contains NUL bytes — it is not a text (CSV) file. Save "
                              "it from your spreadsheet as CSV or .xlsx.")
    lines = text.splitlines(keepends=True)
    start = _header_line(lines)
    delimiter = sniff_delimiter(lines[start])
    reader = csv.reader(io.StringIO("".join(lines[start:]), newline=""), delimiter=delimiter,
                        strict=True)
    headers: list[str] | None = None
    rows: list[list[Any]] = []
    numbers: list[int] = []
    bad: list[RowProblem] = []
    last_line = 0
    while True:
        first_line = start + last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as problem:
            last_line = reader.line_num
            bad.append(RowProblem(first_line, f"Row {first_line} can't be read as CSV ({problem}) "
                                              "— check its quotes. It was not imported."))
            continue
        last_line = reader.line_num
        if headers is None:
            headers = [h.strip() for h in record]
            continue
        if not any(cell.strip() for cell in record):
            continue  # a blank line
        if len(record) != len(headers):
            more = len(record) > len(headers)
            why = (f"a value probably contains an unquoted “{delimiter}”" if more
                   else f"a field or a “{delimiter}” is missing")
            bad.append(RowProblem(first_line, (
                f"Row {first_line} has {len(record)} fields but the header has {len(headers)} "
                f"— {why}. It was not imported.")))
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows — split it into "
                                  "smaller files and import them one after another.")
        rows.append([cell.strip() for cell in record])
        numbers.append(first_line)
    if headers is None:
        raise ImportFileError("The file has no header row.")
    return Table(headers, rows, numbers, bad, encoding, delimiter, start)


def _read_workbook(name: str, data: bytes, archive: zipfile.ZipFile) -> Upload:
    import openpyxl  # imported here: only an Excel upload needs it

    if sum(i.file_size for i in archive.infolist()) > MAX_UNPACKED_BYTES:
        raise ImportFileError("The workbook unpacks to far more data than a tracker holds — "
                              "save just the tracker sheet as .xlsx or .csv.")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError("The Excel file could not be read. Open it in Excel and save it "
                              "again as .xlsx, or save the sheet as .csv.") from None
    try:
        names = {s.lower(): s for s in book.sheetnames}
        if {"contacts", "outreach", "conversations"} <= set(names):
            tables = {t: read_sheet(book[names[t]]) for t in EXPORT_TYPES if t in names}
            return Upload(name, "export", tables)
        table = read_sheet(book.worksheets[0])
    finally:
        book.close()
    kind = "linkedin" if _is_linkedin(table.headers) else "tracker"
    return Upload(name, kind, {"rows": table})


def read_sheet(sheet) -> Table:
    """A worksheet as a Table: the first non-empty row is the header; a value in a column
    without a header is reported, as a CSV row with too many fields is."""
    headers: list[str] | None = None
    rows: list[list[Any]] = []
    numbers: list[int] = []
    bad: list[RowProblem] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell(v) for v in values]
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if headers is None:
            if cells:
                headers = [_as_text(c) or "" for c in cells]
            continue
        if not cells:
            continue
        if len(cells) > len(headers):
            bad.append(RowProblem(number, f"Row {number} has a value in column "
                                          f"{len(cells)}, which has no header. It was not "
                                          "imported."))
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(f"The sheet has more than {MAX_ROWS:,} rows — split it into "
                                  "smaller files and import them one after another.")
        rows.append(cells + [None] * (len(headers) - len(cells)))
        numbers.append(number)
    if headers is None:
        raise ImportFileError("The first sheet of the workbook is empty.")
    return Table(headers, rows, numbers, bad)


# Text cells of .xlsx files escape characters XML can't carry as _xHHHH_ (Excel writes a
# carriage return as _x000D_); openpyxl leaves them as they are.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_unescape(text: str) -> str:
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return ooxml_unescape(value).strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_export_zip(name: str, archive: zipfile.ZipFile) -> Upload:
    wanted = {f"{t}.csv": t for t in EXPORT_TYPES}
    found = {}
    for info in archive.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if base in wanted:
            if info.file_size > MAX_UNPACKED_BYTES:
                raise ImportFileError(f"{base} in the ZIP is too large.")
            found[wanted[base]] = info
    if not {"contacts", "outreach", "conversations"} <= set(found):
        raise ImportFileError("This ZIP is not a Career Conversations export (it needs "
                              "contacts.csv, outreach.csv and conversations.csv). To import a "
                              "tracker, upload the .csv or .xlsx file itself.")
    tables = {t: read_csv_bytes(archive.read(found[t])) for t in EXPORT_TYPES if t in found}
    return Upload(name, "export", tables)


# --- mapping columns to fields ---------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    key: str
    label: str
    record: str  # contact, outreach or conversation
    synonyms: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field("name", "Name", "contact", ("name", "full name", "contact", "contact name", "person",
                                      "who")),
    Field("first_name", "First name", "contact", ("first name", "firstname", "given name")),
    Field("last_name", "Last name", "contact", ("last name", "lastname", "surname",
                                                "family name")),
    Field("organization", "Organization", "contact", ("company", "organization", "organisation",
                                                      "employer", "company name", "firm")),
    Field("title", "Role / title", "contact", ("title", "role", "position", "job title")),
    Field("industry", "Industry", "contact", ("industry", "sector", "field")),
    Field("email", "Email", "contact", ("email", "e mail", "email address", "mail")),
    Field("profile_url", "Profile URL", "contact", ("linkedin", "profile", "url",
                                                    "linkedin url", "profile url",
                                                    "linkedin profile")),
    Field("how_found", "How found", "contact", ("how found", "source", "how did you find them",
                                                "found via", "found through")),
    Field("priority", "Priority", "contact", ("priority",)),
    Field("notes", "Notes", "contact", ("notes", "note", "comments", "comment")),
    Field("sent_on", "Date contacted", "outreach", ("date contacted", "outreach date",
                                                    "contacted on", "contacted", "date sent",
                                                    "first contact", "date reached out")),
    Field("channel", "Channel", "outreach", ("channel", "method", "medium", "contact method")),
    Field("outcome", "Response", "outreach", ("response", "replied", "outcome", "reply",
                                              "responded")),
    Field("response_on", "Response date", "outreach", ("response date", "date replied",
                                                       "replied on", "reply date",
                                                       "date of response")),
    Field("held_on", "Conversation date", "conversation", (
        "date of interview", "conversation date", "interview date", "date of conversation",
        "meeting date", "informational interview date", "date of informational interview")),
    Field("format", "Conversation format", "conversation", ("format", "meeting format",
                                                            "interview format")),
    Field("duration_min", "Duration (minutes)", "conversation", ("duration", "minutes",
                                                                 "length", "duration min")),
    Field("next_steps", "Next steps", "conversation", ("next steps", "follow up",
                                                       "action items")),
    Field("thank_you", "Thank-you sent", "conversation", (
        "thank you sent", "thank you date", "thank you", "thank you note", "thanked",
        "thank you note sent", "thank you email sent")),
)
FIELD_LABELS = {f.key: f.label for f in FIELDS}
_BY_SYNONYM = {s: f.key for f in FIELDS for s in f.synonyms}


def _normalize(header: Any) -> str:
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(header or "").lower())
    return " ".join(re.sub(r"[^0-9a-zà-ÿ]+", " ", text).split())


def normalize_header(header: Any) -> str:
    """A header as compared with the synonyms: lower case, words only, "(…)" dropped."""
    return _normalize(header)


def guess_field(header: str) -> str | None:
    """The field a header most likely names, or None."""
    norm = _normalize(header)
    if not norm:
        return None
    if norm in _BY_SYNONYM:
        return _BY_SYNONYM[norm]
    words = set(norm.split())
    best = None
    for synonym, key in _BY_SYNONYM.items():  # every word of a synonym is in the header
        if set(synonym.split()) <= words and (best is None or len(synonym) > len(best[0])):
            best = (synonym, key)
    return best[1] if best else None


def guess_mapping(headers: list[str]) -> list[str | None]:
    """A field (or None) per column; each field is taken by its first column only."""
    taken: set[str] = set()
    mapping: list[str | None] = []
    for header in headers:
        key = guess_field(header)
        if key in taken:
            key = None
        if key:
            taken.add(key)
        mapping.append(key)
    if "name" in taken:  # a full name wins over name parts
        mapping = [None if k in ("first_name", "last_name") else k for k in mapping]
    return mapping


def mapping_problems(mapping: list[str | None]) -> list[str]:
    """What stops an import with this mapping (a field twice, no name)."""
    problems = []
    chosen = [k for k in mapping if k]
    for key in sorted({k for k in chosen if chosen.count(k) > 1}):
        problems.append(f"“{FIELD_LABELS[key]}” is chosen for more than one column — keep it "
                        "on one.")
    if "name" not in chosen and "first_name" not in chosen and "last_name" not in chosen:
        problems.append("Choose the column that holds the person's name (Name, or First name "
                        "and Last name).")
    return problems


# --- recognising values ----------------------------------------------------------------------

_INDUSTRY_ALIASES = {
    "tech": "Technology", "software": "Technology", "it": "Technology", "internet": "Technology",
    "health": "Healthcare", "health care": "Healthcare", "medicine": "Healthcare",
    "government": "Government & Public Policy", "public sector": "Government & Public Policy",
    "public policy": "Government & Public Policy", "non profit": "Nonprofit & Social Impact",
    "nonprofit": "Nonprofit & Social Impact", "ngo": "Nonprofit & Social Impact",
    "legal": "Law", "finance": "Finance & Banking", "banking": "Finance & Banking",
    "marketing": "Advertising & Marketing", "advertising": "Advertising & Marketing",
    "pharma": "Biotech & Pharma", "biotech": "Biotech & Pharma", "media": "Media & Journalism",
    "journalism": "Media & Journalism", "retail": "Retail & Consumer Goods",
    "energy": "Energy & Environment", "environment": "Energy & Environment",
    "real estate": "Real Estate", "logistics": "Transportation & Logistics",
    "transportation": "Transportation & Logistics", "hospitality": "Hospitality & Tourism",
    "tourism": "Hospitality & Tourism", "design": "Architecture & Design",
    "architecture": "Architecture & Design", "arts": "Arts & Entertainment",
    "entertainment": "Arts & Entertainment", "education": "Education",
}


def match_industry(value: str) -> str | None:
    """One of vocab.INDUSTRIES for a cell ("finance", "Tech", "Law"), or None."""
    norm = _normalize(value)
    for industry in vocab.INDUSTRIES:
        if _normalize(industry) == norm:
            return industry
    return _INDUSTRY_ALIASES.get(norm)


def _match_code(value: str, vocabulary: dict[str, str], contains: list[tuple[str, str]]):
    norm = _normalize(value)
    for code, label in vocabulary.items():
        if norm in (_normalize(code), _normalize(label)):
            return code
    for needle, code in contains:
        if needle in norm:
            return code
    return None


_CHANNEL_WORDS = [("linkedin", "linkedin"), ("inmail", "linkedin"), ("intro", "referral_intro"),
                  ("referr", "referral_intro"), ("mail", "email"), ("phone", "phone"),
                  ("call", "phone"), ("text", "phone"), ("person", "in_person"),
                  ("coffee", "in_person"), ("event", "in_person"), ("fair", "in_person")]
_HOW_FOUND_WORDS = [("alum", "alumni"), ("linkedin", "linkedin"), ("referr", "referral"),
                    ("intro", "referral"), ("event", "event"), ("fair", "event"),
                    ("conference", "event"), ("meetup", "event"), ("panel", "event"),
                    ("cold", "cold")]
_FORMAT_WORDS = [("video", "video"), ("zoom", "video"), ("teams", "video"), ("meet", "video"),
                 ("phone", "phone"), ("call", "phone"), ("coffee", "coffee"),
                 ("person", "in_person"), ("office", "in_person"), ("lunch", "in_person")]
_PRIORITY_WORDS = [("high", "dream"), ("top", "dream"), ("medium", "great"), ("mid", "great"),
                   ("low", "curious")]

_PENDING = {"", "no", "n", "none", "pending", "no response", "no reply", "not yet", "waiting",
            "ghosted", "no answer", "false", "0"}
_DECLINED = ("declin", "reject", "no thanks", "not interested", "turned down", "said no",
             "refused")
_ACCEPTED = ("yes", "replied", "respond", "accept", "agreed", "interested", "scheduled",
             "booked", "true", "y", "1", "positive")
_YES = {"yes", "y", "true", "1", "x", "sent", "done", "✓", "✔"}
_NO = {"", "no", "n", "false", "0", "not yet", "pending"}


def response_outcome(value: str) -> str | None:
    """accepted / declined / pending for a Response cell ("Yes", "Declined", "No"), or None."""
    norm = _normalize(value)
    if norm in _PENDING:
        return "pending"
    if any(word in norm for word in _DECLINED):
        return "declined"
    if norm.startswith(("no ", "not ")):  # "no - ghosted", "not yet"
        return "pending"
    if any(norm == word or norm.startswith(word + " ") or (len(word) > 3 and word in norm)
           for word in _ACCEPTED):
        return "accepted"
    return None


_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")


def day_first(values: Iterable[Any], delimiter: str | None) -> bool:
    """Whether numeric dates such as 03/04/2026 are day-first in this file: yes if any has a
    first part above 12, no if any has a second part above 12, else day-first for `;` files
    and dotted dates (European spreadsheets), month-first otherwise."""
    dotted = False
    for value in values:
        m = _NUMERIC_DATE.match(value) if isinstance(value, str) else None
        if not m:
            continue
        if int(m.group(1)) > 12:
            return True
        if int(m.group(2)) > 12:
            return False
        dotted = dotted or "." in value
    return dotted or delimiter == ";"


def read_date(value: Any, dayfirst: bool) -> Any:
    """A date for a cell, or the cell itself (validation then says why it is no date)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    text = str(value).strip()
    m = _NUMERIC_DATE.match(text)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if year < 100:
            year += 2000 if year < 70 else 1900
        day, month = (a, b) if dayfirst else (b, a)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return text
    return parse_date(text) or text


# --- planning an import ----------------------------------------------------------------------

@dataclass(frozen=True)
class ExistingRecords:
    """The student's records an import must not repeat, by their stable keys."""

    contacts: dict[tuple[str, str], int] = field(default_factory=dict)  # contact_key → id
    outreach: frozenset = frozenset()  # (contact id, sent_on)
    conversations: frozenset = frozenset()  # (contact id, held_on)
    # every contact id per key, oldest first (the app allows two contacts with one name)
    same_key: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    # For "My data" exports (see `from_keys`): ids per stable key, oldest first, so that
    # what refers to a record already there (a next-action mark, a prep sheet) finds it.
    outreach_ids: dict[tuple, tuple[int, ...]] = field(default_factory=dict)  # (contact, day)
    conversation_ids: dict[tuple, tuple[int, ...]] = field(default_factory=dict)  # same
    scheduled_ids: dict[tuple, tuple[int, ...]] = field(default_factory=dict)  # (contact, start)
    # own questions by (category, text); stars and hides of built-ins by ("bank", bank_id)
    my_question_ids: dict[tuple, tuple[int, ...]] = field(default_factory=dict)
    action_keys: frozenset = frozenset()
    touches: dict[tuple, int] = field(default_factory=dict)  # (contact id, day) → how many
    career_goals: dict[tuple, int] = field(default_factory=dict)  # (goal, set_at) → how many
    # (weekly_goal, weekly_goal_set, weekly_conversation_goal, term_conversation_goal)
    goals: tuple | None = None

    @classmethod
    def from_rows(cls, contacts: Iterable[tuple], outreach: Iterable[tuple],
                  conversations: Iterable[tuple]) -> "ExistingRecords":
        """From (id, name, organization), (contact_id, sent_on), (contact_id, held_on) rows;
        the oldest contact wins a shared key."""
        same_key: dict[tuple[str, str], tuple[int, ...]] = {}
        for contact_id, name, organization in sorted(contacts, key=lambda r: r[0]):
            key = contact_key(name, organization)
            same_key[key] = same_key.get(key, ()) + (contact_id,)
        return cls({k: ids[0] for k, ids in same_key.items()},
                   frozenset((c, d) for c, d in outreach),
                   frozenset((c, d) for c, d in conversations), same_key)

    @classmethod
    def from_keys(cls, keys: dict[str, list[tuple]]) -> "ExistingRecords":
        """From `lib.store.existing_keys`: everything, the coaching records included."""
        base = cls.from_rows(keys["contacts"], [r[1:] for r in keys["outreach"]],
                             [r[1:] for r in keys["conversations"]])

        def ids(rows, key) -> dict[tuple, tuple[int, ...]]:
            out: dict[tuple, tuple[int, ...]] = {}
            for row in sorted(rows, key=lambda r: r[0]):
                out[key(row)] = out.get(key(row), ()) + (row[0],)
            return out

        def count(rows) -> dict[tuple, int]:
            out: dict[tuple, int] = {}
            for row in rows:
                out[tuple(row)] = out.get(tuple(row), 0) + 1
            return out

        goals = keys.get("goals") or []
        return cls(
            base.contacts, base.outreach, base.conversations, base.same_key,
            outreach_ids=ids(keys["outreach"], lambda r: (r[1], _day(r[2]))),
            conversation_ids=ids(keys["conversations"], lambda r: (r[1], _day(r[2]))),
            scheduled_ids=ids(keys.get("scheduled", []), lambda r: (r[1], r[2])),
            my_question_ids=ids(keys.get("my_questions", []), lambda r: (
                ("bank", r[3]) if r[3] is not None else (r[1], r[2]))),
            action_keys=frozenset(r[0] for r in keys.get("action_marks", [])),
            touches=count((c, _day(d)) for c, d in keys.get("touches", [])),
            career_goals=count(keys.get("career_goals", [])),
            goals=tuple(goals[0]) if goals else None)


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, dt.datetime) else value


def contact_key(name: str | None, organization: str | None) -> tuple[str, str]:
    """The same person: name and organization, trimmed, case-insensitive."""
    return ((name or "").strip().lower(), (organization or "").strip().lower())


STATUS_NEW = "import"
STATUS_KNOWN = "already there"
STATUS_SKIPPED = "skipped"


@dataclass
class PlannedRow:
    row: int
    sheet: str | None = None  # for a multi-sheet file (an export): which sheet the row is on
    name: str | None = None
    organization: str | None = None
    contact: str = ""  # "new", "existing" or "" (skipped)
    outreach: str = ""
    conversation: str = ""
    record: str = ""  # any other record (an export's coaching sheets): what it is
    status: str = STATUS_NEW
    problems: list[str] = field(default_factory=list)  # why the row is skipped
    notes: list[str] = field(default_factory=list)  # stored anyway, but worth knowing


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    batch: Batch
    notes: list[str] = field(default_factory=list)  # about the whole file

    @property
    def counts(self) -> dict[str, int]:
        """What the import would store (`lib.store.Batch.counts`)."""
        return self.batch.counts()

    @property
    def importing(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.status == STATUS_NEW]

    @property
    def skipped(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.status == STATUS_SKIPPED]

    @property
    def known(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.status == STATUS_KNOWN]

    def frame(self) -> pd.DataFrame:
        """One line per row for the preview: what will be stored, or why not."""
        columns = ["row", "status", "name", "organization", "contact", "outreach",
                   "conversation", "problems"]
        if any(r.record for r in self.rows):
            columns.insert(-1, "record")
        if any(r.sheet for r in self.rows):
            columns.insert(0, "sheet")
        frame = pd.DataFrame([{
            "sheet": r.sheet or "", "row": r.row, "status": r.status, "name": r.name or "",
            "organization": r.organization or "", "contact": r.contact,
            "outreach": r.outreach, "conversation": r.conversation, "record": r.record,
            "problems": " ".join(r.problems if r.status == STATUS_SKIPPED else r.notes),
        } for r in self.rows], columns=["sheet", "row", "status", "name", "organization",
                                        "contact", "outreach", "conversation", "record",
                                        "problems"])
        return frame[columns]


def _as_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _messages(problem: ValidationError) -> list[str]:
    return list(problem.errors.values())


class _RowPlanner:
    """Turns one row's cells into validated records, collecting problems and notes."""

    def __init__(self, values: dict[str, Any], *, dayfirst: bool, today: dt.date,
                 linkedin: bool):
        self.v = values
        self.dayfirst = dayfirst
        self.today = today
        self.linkedin = linkedin
        self.problems: list[str] = []
        self.notes: list[str] = []

    def text(self, key: str) -> str | None:
        return _as_text(self.v.get(key))

    def date(self, key: str) -> Any:
        return read_date(self.v.get(key), self.dayfirst)

    def contact(self):
        name = self.text("name")
        if not name:
            name = " ".join(p for p in (self.text("first_name"), self.text("last_name")) if p) \
                or None
        if not name:
            self.problems.append("No name — every row needs the person's name. Skipped.")
            return None
        raw = {"name": name, "organization": self.text("organization"),
               "title": self.text("title"), "email": self.text("email"),
               "notes": self.text("notes")}
        industry = self.text("industry")
        if industry:
            matched = match_industry(industry)
            if matched is None:
                raw["industry"], raw["industry_other"] = vocab.OTHER_INDUSTRY, industry
                self.notes.append(f"Industry “{industry}” is not in the list: stored as Other "
                                  f"({industry}).")
            else:
                raw["industry"] = matched
                if matched == vocab.OTHER_INDUSTRY:
                    raw["industry_other"] = None
        url = self.text("profile_url")
        if url and not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I) and \
                re.match(r"^(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?$", url):
            url = "https://" + url
        raw["profile_url"] = url
        how = self.text("how_found")
        if how:
            code = _match_code(how, vocab.HOW_FOUND, _HOW_FOUND_WORDS)
            if code is None:
                self.notes.append(f"How found “{how}” is not one of the choices: stored as "
                                  "Other.")
            raw["how_found"] = code or "other"
        else:
            raw["how_found"] = "linkedin" if self.linkedin else "other"
        priority = self.text("priority")
        if priority:
            code = _match_code(priority, vocab.PRIORITIES, _PRIORITY_WORDS)
            if code is None:
                self.notes.append(f"Priority “{priority}” is not one of the choices: stored as "
                                  "Curious.")
            raw["priority"] = code or "curious"
        try:
            return clean_contact(raw)
        except ValidationError as problem:
            self.problems.extend(_messages(problem))
            return None

    def outreach(self):
        """(OutreachInput, ResponseInput | None), or None when the row has no message."""
        sent = self.date("sent_on")
        outcome_text = self.text("outcome")
        response_on = self.date("response_on")
        if sent is None:
            if outcome_text or response_on is not None or self.text("channel"):
                self.notes.append("The response and channel are left out: the row has no date "
                                  "contacted.")
            return None
        channel_text = self.text("channel")
        if channel_text:
            channel = _match_code(channel_text, vocab.CHANNELS, _CHANNEL_WORDS)
            if channel is None:
                self.problems.append(f"Channel “{channel_text}” is not one of: "
                                     f"{', '.join(vocab.CHANNELS.values())}.")
                return None
        else:
            channel = "email"
            self.notes.append("No channel given: the message is stored as an email.")
        try:
            message = clean_outreach({"contact_id": 0, "sent_on": sent, "channel": channel},
                                     today=self.today)
        except ValidationError as problem:
            self.problems.extend(_messages(problem))
            return None
        outcome = None
        if outcome_text:
            as_date = read_date(outcome_text, self.dayfirst)
            if isinstance(as_date, dt.date) and response_on is None:
                outcome, response_on = "accepted", as_date  # a reply date in the Response column
            else:
                outcome = response_outcome(outcome_text)
                if outcome is None:
                    self.problems.append(f"Response “{outcome_text}” — write yes, no or "
                                         "declined.")
                    return None
        elif response_on is not None:
            outcome = "accepted"
        if outcome in (None, "pending"):
            return message, None
        if response_on is None:
            response_on = message.sent_on
            self.notes.append("No response date: the date contacted is used.")
        try:
            answer = clean_response({"outcome": outcome, "response_on": response_on},
                                    sent_on=message.sent_on, today=self.today)
        except ValidationError as problem:
            self.problems.extend(_messages(problem))
            return None
        return message, answer

    def conversation(self):
        held = self.date("held_on")
        thanks = self.v.get("thank_you")
        if held is None:
            if _as_text(thanks) and _normalize(thanks) not in _NO:
                self.notes.append("The thank-you is left out: the row has no conversation "
                                  "date.")
            return None
        fmt_text = self.text("format")
        fmt = _match_code(fmt_text, vocab.FORMATS, _FORMAT_WORDS) if fmt_text else None
        if fmt is None:
            what = f"Format “{fmt_text}” not recognised" if fmt_text else "No format given"
            self.notes.append(f"{what}: the conversation is stored as a video call.")
            fmt = "video"
        raw = {"held_on": held, "format": fmt, "duration_min": self.text("duration_min"),
               "next_steps": self.text("next_steps")}
        thanked = read_date(thanks, self.dayfirst)
        if isinstance(thanked, (dt.date, dt.datetime)):
            raw["thank_you_on"] = thanked
        elif _as_text(thanks):
            norm = _normalize(thanks)
            if norm in _YES or _as_text(thanks) in _YES:
                raw["thank_you_on"] = held
                self.notes.append("Thank-you sent without a date: the conversation date is "
                                  "used.")
            elif norm not in _NO:
                self.problems.append(f"Thank-you sent “{_as_text(thanks)[:40]}” is neither a "
                                     "date nor yes/no.")
                return None
        try:
            return clean_conversation(raw, today=self.today)
        except ValidationError as problem:
            self.problems.extend(_messages(problem))
            return None


def _describe_outreach(message, answer) -> str:
    text = f"{message.sent_on.isoformat()} {vocab.label(vocab.CHANNELS, message.channel)}"
    if answer is not None:
        text += f", {vocab.label(vocab.OUTCOMES, answer.outcome).lower()} " \
                f"{answer.response_on.isoformat()}"
    return text


def _describe_conversation(talk) -> str:
    text = f"{talk.held_on.isoformat()} {vocab.label(vocab.FORMATS, talk.format)}"
    if talk.thank_you_on:
        text += f", thanked {talk.thank_you_on.isoformat()}"
    return text


def plan_rows(upload_or_table: Upload | Table, mapping: list[str | None],
              existing: ExistingRecords, *, today: dt.date, linkedin: bool | None = None,
              progress: Callable[[float], None] | None = None) -> ImportPlan:
    """What importing a tracker (or LinkedIn) table with this mapping would store, row by row.

    A row with any problem is skipped whole (fix the file and import it again: what is already
    there is recognised, not repeated). A contact whose name and organization match an existing
    one — or an earlier row — is reused; a message to the same contact on the same day, or a
    conversation on the same day, is recognised as already there."""
    if isinstance(upload_or_table, Upload):
        table = upload_or_table.table
        linkedin = upload_or_table.kind == "linkedin" if linkedin is None else linkedin
    else:
        table = upload_or_table
    linkedin = bool(linkedin)
    if len(mapping) != len(table.headers):
        raise ValueError("The mapping needs one entry per column.")
    columns = {key: i for i, key in enumerate(mapping) if key}
    date_cells = [row[i] for key in ("sent_on", "response_on", "held_on", "thank_you", "outcome")
                  if key in columns for row in table.rows for i in [columns[key]]]
    dayfirst = day_first(date_cells, table.delimiter)
    plan = ImportPlan(rows=[], batch=Batch())
    if any(isinstance(v, str) and _NUMERIC_DATE.match(v) for v in date_cells):
        example = "3 April 2026 (day first)" if dayfirst else "March 4, 2026 (month first)"
        plan.notes.append(f"Dates such as 03/04/2026 are read as {example}.")
    contacts: dict[tuple[str, str], int | str] = dict(existing.contacts)
    new_keys: set[str] = set()
    outreach_seen = set(existing.outreach)
    talks_seen = set(existing.conversations)
    total = len(table.rows)

    for index, (cells, number) in enumerate(zip(table.rows, table.row_numbers)):
        if progress and index % 500 == 0 and total:
            progress(index / total)
        values = {key: cells[i] for key, i in columns.items()}
        planner = _RowPlanner(values, dayfirst=dayfirst, today=today, linkedin=linkedin)
        row = PlannedRow(number)
        plan.rows.append(row)
        contact = planner.contact()
        sent = planner.outreach() if contact else None
        talk = planner.conversation() if contact else None
        if contact:
            row.name, row.organization = contact.name, contact.organization
        else:
            row.name = _as_text(values.get("name")) or " ".join(
                p for p in (_as_text(values.get("first_name")), _as_text(values.get("last_name")))
                if p) or None
            row.organization = _as_text(values.get("organization"))
        row.notes = planner.notes
        if planner.problems or contact is None:
            row.status, row.problems = STATUS_SKIPPED, planner.problems
            continue
        key = contact_key(contact.name, contact.organization)
        ref = contacts.get(key)
        adds = False
        if ref is None:
            ref = f"row{number}"
            contacts[key] = ref
            new_keys.add(ref)
            plan.batch.contacts.append(BatchContact(ref, contact))
            row.contact, adds = "new", True
        else:
            row.contact = "added by this file" if ref in new_keys else "already in your contacts"
        if sent:
            message, answer = sent
            if (ref, message.sent_on) in outreach_seen:
                row.outreach = f"{message.sent_on.isoformat()}: already there"
            else:
                outreach_seen.add((ref, message.sent_on))
                plan.batch.outreach.append(BatchOutreach(ref, message, answer))
                row.outreach, adds = _describe_outreach(message, answer), True
        if talk:
            if (ref, talk.held_on) in talks_seen:
                row.conversation = f"{talk.held_on.isoformat()}: already there"
            else:
                talks_seen.add((ref, talk.held_on))
                plan.batch.conversations.append(BatchConversation(f"talk{number}", ref, talk))
                row.conversation, adds = _describe_conversation(talk), True
        row.status = STATUS_NEW if adds else STATUS_KNOWN
    if progress:
        progress(1.0)
    return plan


def bad_row_report(upload: Upload) -> list[RowProblem]:
    """Rows the reader could not take (wrong number of fields, broken quotes), every table."""
    return [p for t in upload.tables.values() for p in t.bad_rows]


__all__ = [
    "COACHING_TYPES", "EXPORT_TYPES", "ExistingRecords", "FIELDS", "FIELD_LABELS", "Field",
    "ImportFileError",
    "ImportPlan", "LINKEDIN_HEADER", "MAX_BYTES", "MAX_ROWS", "PlannedRow", "RowProblem",
    "STATUS_KNOWN", "STATUS_NEW", "STATUS_SKIPPED", "TRACKER_TYPES", "Table", "Upload",
    "bad_row_report",
    "contact_key", "day_first", "decode", "guess_field", "guess_mapping", "mapping_problems",
    "match_industry", "normalize_header", "ooxml_unescape", "plan_rows", "read_csv_bytes",
    "read_date", "read_sheet", "read_upload", "response_outcome", "sniff_delimiter",
]
