"""lib.data_export: "My data" as ZIP and Excel, safe to open in a spreadsheet, and read back
into a fresh account exactly; the instructor's class report with small groups suppressed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from lib import class_queries, classes, data_export, db, importer, queries, store
from lib.importer import STATUS_KNOWN, STATUS_NEW
from tests.unit.conftest import TODAY, Builder, add_user

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def rich_records(build: Builder) -> None:
    """Every field used, with text that is hard to carry through a spreadsheet."""
    ada = build.contact("Ada Lovelace", organization="Engines, Ltd", industry="Technology",
                        title="=HYPERLINK(\"http://evil.example\",\"x\")", how_found="alumni",
                        priority="dream", email="ada@engines.example",
                        profile_url="https://www.linkedin.com/in/ada",
                        notes="Line one\nLine \"two\", with comma\r\nand CRLF; semicolon",
                        created_on=dt.date(2026, 2, 1))
    odd = build.contact("'Tis Odd", organization="+cmd|' /C calc'!A0", industry="Other",
                        industry_other="Space mining", how_found="cold", priority="curious",
                        notes="@SUM(1+1)", created_on=dt.date(2026, 2, 2))
    twin = build.contact("Ada Lovelace", organization="Engines, Ltd", industry="Technology",
                         notes="-2+3 a second contact with the same name",
                         created_on=dt.date(2026, 2, 3))
    first = build.outreach(ada, "2026-02-02", "email")
    build.respond(first, "2026-02-04", "accepted")
    build.outreach(ada, "2026-02-10", "linkedin")
    build.outreach(ada, "2026-02-10", "phone")  # two messages on one day
    declined = build.outreach(odd, "2026-02-03", "in_person")
    build.respond(declined, "2026-02-05", "declined")
    build.outreach(twin, "2026-02-11", "referral_intro")
    build.conversation(
        ada, held_on="2026-02-12", format="coffee", duration_min=45,
        questions="What surprised you?\n=1+1 is a question too\n'quoted'",
        insights=[{"category": "trend", "text": "=cmd trend"},
                  {"category": "advice", "text": "Learn SQL"},
                  {"category": "resource", "text": "@handle on social"}],
        referrals=[{"name": "Charles Babbage", "organization": "Difference Inc",
                    "title": "Engineer"}],
        next_steps="-follow up", clarity_before=2, clarity_after=4,
        reflection="Changed\rmy _x000D_ mind", thank_you_on="2026-02-13", share_insights=True,
        share_name=True)
    build.conversation(ada, held_on="2026-02-12", format="video", duration_min=None,
                       insights=[{"category": "assignment", "text": "Read the paper"}])
    build.conversation(odd, held_on="2026-02-14", format="phone", duration_min=20)


def snapshot(con, user_id: int) -> dict[str, list]:
    """Every field of the user's records, ids replaced by what they point at."""
    def rows(sql):
        with db.reading(con) as cur:
            return sorted(cur.execute(sql, {"u": user_id}).fetchall(), key=repr)

    who = "(SELECT name || '|' || coalesce(organization, '') FROM contacts WHERE id = {})"
    talk = ("(SELECT c.name || '|' || v.held_on::VARCHAR || '|' || v.format FROM conversations"
            " v JOIN contacts c ON c.id = v.contact_id WHERE v.id = {})")
    return {
        "contacts": rows(f"""
            SELECT name, organization, title, industry, industry_other, how_found, email,
                   profile_url, priority, notes, created_on,
                   {who.format('x.referred_by_contact_id')},
                   {talk.format('x.referred_in_conversation_id')}
            FROM contacts x WHERE user_id = $u"""),
        "outreach": rows(f"""
            SELECT {who.format('o.contact_id')}, sent_on, channel, attempt, response_on, outcome
            FROM outreach o WHERE user_id = $u"""),
        "conversations": rows(f"""
            SELECT {who.format('v.contact_id')}, held_on, format, duration_min, next_steps,
                   clarity_before, clarity_after, reflection, thank_you_on, share_insights,
                   coalesce(share_name, false)
            FROM conversations v WHERE user_id = $u"""),
        "questions": rows(f"""
            SELECT {talk.format('q.conversation_id')}, position, text
            FROM conversation_questions q JOIN conversations v ON v.id = q.conversation_id
            WHERE v.user_id = $u"""),
        "insights": rows(f"""
            SELECT {talk.format('i.conversation_id')}, position, category, text
            FROM insights i WHERE user_id = $u"""),
    }


def import_export(con, user_id: int, name: str, data: bytes):
    upload = importer.read_upload(name, data)
    assert upload.kind == "export"
    known = importer.ExistingRecords.from_rows(*queries.import_keys(con, user_id))
    return data_export.plan_export(upload, known, today=TODAY)


@pytest.fixture
def exported(con, user, build):
    rich_records(build)
    return snapshot(con, user)


# --- round trip ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_export_then_import_into_a_fresh_account_reproduces_every_record(
        con, user, other_user, exported, kind):
    data = (data_export.student_zip(con, user) if kind == "zip"
            else data_export.student_xlsx(con, user))
    plan = import_export(con, other_user, f"my-data.{kind}", data)
    assert not plan.skipped, [(r.sheet, r.row, r.problems) for r in plan.skipped]
    counts = store.write_batch(con, other_user, plan.batch)
    assert counts == {"contacts": 4, "outreach": 5, "conversations": 3, "insights": 4}
    assert snapshot(con, other_user) == exported
    assert db.integrity_problems(con) == {}


def test_the_sample_semester_round_trips_too(con, user, other_user, sample):
    before = snapshot(con, user)
    plan = import_export(con, other_user, "x.zip", data_export.student_zip(con, user))
    store.write_batch(con, other_user, plan.batch)
    assert snapshot(con, other_user) == before


def test_importing_my_export_into_the_same_account_stores_nothing_new(con, user, exported):
    plan = import_export(con, user, "x.zip", data_export.student_zip(con, user))
    assert {r.status for r in plan.rows} == {STATUS_KNOWN}
    assert plan.counts == {"contacts": 0, "outreach": 0, "conversations": 0, "insights": 0}


def test_an_export_adds_only_what_is_missing(con, user, other_user, exported):
    data = data_export.student_zip(con, user)
    Builder(con, other_user).contact("Ada Lovelace", organization="engines, ltd")
    plan = import_export(con, other_user, "x.zip", data)
    contacts = [r for r in plan.rows if r.sheet == "contacts"]
    # Ada is there; Odd, Ada's namesake and Charles (a referral) are not
    assert [r.status for r in contacts] == [STATUS_KNOWN, STATUS_NEW, STATUS_NEW, STATUS_NEW]
    assert all(r.status == STATUS_NEW for r in plan.rows if r.sheet != "contacts")


def test_an_export_zip_without_its_files_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("contacts.csv", "contact_id,name\n")
    with pytest.raises(importer.ImportFileError, match="not a Career Conversations export"):
        importer.read_upload("x.zip", buffer.getvalue())


def test_an_export_missing_a_column_is_refused(con, user, exported):
    frames = data_export.student_frames(con, user)
    frames["contacts"] = frames["contacts"].drop(columns=["industry"])
    upload = importer.read_upload("x.zip", data_export.frames_to_zip(frames))
    with pytest.raises(importer.ImportFileError, match="lacks the column"):
        data_export.plan_export(upload, importer.ExistingRecords(), today=TODAY)


# --- neutralising formulas -------------------------------------------------------------------

def csv_cells(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"),
                                                   newline="")))
                for name in archive.namelist() if name.endswith(".csv")}


def test_every_csv_cell_of_my_data_is_safe(con, user, exported):
    files = csv_cells(data_export.student_zip(con, user))
    assert sorted(files) == [f"{t}.csv" for t in sorted(importer.EXPORT_TYPES)]
    cells = [cell for rows in files.values() for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(DANGEROUS)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
    assert "'+cmd|' /C calc'!A0" in cells and "'@SUM(1+1)" in cells
    assert "'-2+3 a second contact with the same name" in cells
    assert "''Tis Odd" in cells  # an apostrophe of its own gets one more, so import is exact


def test_every_excel_cell_of_my_data_is_text_not_a_formula(con, user, exported):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data_export.student_xlsx(con, user)))
    assert book.sheetnames == list(importer.EXPORT_TYPES)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    texts = [v for v in values if isinstance(v, str)]
    assert not [t for t in texts if t.startswith(DANGEROUS)]
    assert "'=cmd trend" in texts and "'-follow up" in texts
    dates = [v for v in values if isinstance(v, dt.datetime)]
    assert dt.datetime(2026, 2, 12) in dates  # dates stay dates


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@A1", "\tcmd", "\rcmd", "'=1"])
def test_dangerous_starts_are_neutralised_in_both_formats(cell):
    frame = pd.DataFrame({"text": [cell, "fine"], "number": [-1, 2]}, dtype=object)
    with zipfile.ZipFile(io.BytesIO(data_export.frames_to_zip({"t": frame}))) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("t.csv").decode("utf-8-sig"),
                                           newline="")))
    assert rows[1][0] == "'" + cell and rows[2][0] == "fine"
    assert rows[1][1] == "-1"  # numbers are numbers, not text to neutralise

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data_export.frames_to_xlsx({"t": frame})))["t"]
    assert sheet["A2"].value.startswith("'") and sheet["A2"].data_type == "s"
    assert importer.ooxml_unescape(sheet["A2"].value) == "'" + cell  # CR is written _x000D_
    assert sheet["B2"].value == -1


# --- the instructor's class report -----------------------------------------------------------

def make_user(con, name: str, role: str) -> int:
    with db.transaction(con) as cur:  # people only; records go through lib.store
        return cur.execute("INSERT INTO users (display_name, role) VALUES (?, ?) RETURNING id",
                           [name, role]).fetchone()[0]


@pytest.fixture
def course(con, monkeypatch):
    """Three students: two talked to people in Technology, one (alone) in Law."""
    monkeypatch.setenv(class_queries.MIN_GROUP_ENV, "2")
    teacher = make_user(con, "Prof Ada", "instructor")
    class_id = classes.create_class(con, teacher, classes.clean_class({
        "name": "Career Lab", "term": "Spring", "starts_on": "2026-01-12",
        "ends_on": "2026-05-01", "conversations_goal": 4}))
    code = classes.classes_for(con, teacher).set_index("id").loc[class_id, "join_code"]
    students = []
    for name, industry in (("=Sneaky Name", "Technology"), ("Blake", "Technology"),
                           ("Casey", "Law")):
        student = make_user(con, name, "student")
        classes.join_class(con, student, code)
        b = Builder(con, student)
        contact = b.contact(f"Private {name}", industry=industry, notes="secret note")
        out = b.outreach(contact, "2026-03-02")
        b.respond(out, "2026-03-03")
        b.conversation(contact, held_on="2026-03-05")
        students.append(student)
    return teacher, class_id


def test_class_report_has_the_dashboard_tables_with_small_groups_suppressed(con, course):
    teacher, class_id = course
    frames = data_export.class_report_frames(con, teacher, class_id, dt.date(2026, 3, 1),
                                             TODAY, TODAY)
    assert list(frames) == ["period", "progress", "kpis", "industries", "rates_by_industry",
                            "rates_by_channel"]
    assert list(frames["progress"]["student"]) == ["=Sneaky Name", "Blake", "Casey"] or \
        sorted(frames["progress"]["student"]) == sorted(["=Sneaky Name", "Blake", "Casey"])
    industries = frames["industries"].set_index("industry")
    assert industries.loc["Technology", "conversations"] == 2
    assert bool(industries.loc["Law", "suppressed"])
    assert pd.isna(industries.loc["Law", "conversations"])
    assert industries.loc["Law", "label"] == "fewer than 2 students"
    kpis = frames["kpis"].set_index("measure")["value"]
    assert kpis["Students"] == 3 and kpis["Conversations held"] == 3

    for data in (data_export.class_report_zip(frames),):
        files = csv_cells(data)
        law = next(r for r in files["industries.csv"] if r[0] == "Law")
        assert law[1:3] == ["", ""] and "fewer than 2 students" in law
        cells = [c for rows in files.values() for row in rows for c in row]
        assert "'=Sneaky Name" in cells and "=Sneaky Name" not in cells
        assert not [c for c in cells if "Private" in c or "secret" in c]

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data_export.class_report_xlsx(frames)))
    law = next(r for r in book["industries"].iter_rows(values_only=True) if r[0] == "Law")
    assert law[1] is None and law[2] is None
    names = [r[0] for r in book["progress"].iter_rows(min_row=2, values_only=True)]
    assert "'=Sneaky Name" in names


def test_class_report_only_for_who_may_see_the_class(con, course):
    _, class_id = course
    stranger = make_user(con, "Prof Bo", "instructor")
    with pytest.raises(store.NotFound):
        data_export.class_report_frames(con, stranger, class_id, None, None, TODAY)


def test_a_second_student_sees_nothing_of_the_first(con, user, exported):
    other = add_user(con)
    frames = data_export.student_frames(con, other)
    assert all(f.empty for f in frames.values())
