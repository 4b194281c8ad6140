"""A student's records, in a real browser against the real server and database: outreach and a
response change the dashboard, a next action is ticked off with one click, a tracker CSV is
imported (twice: the second time adds nothing), and the data goes out as a ZIP and a workbook
and comes back in another account.

Each test signs in as its own students of the shared server (the `student` fixture), so it
starts with empty trackers without a server of its own. Nothing here opens the database file:
the server holds it, so every check goes through what the app shows (or the files it gives)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

from playwright.sync_api import expect

from tests.e2e.harness import (
    REPO_ROOT,
    choose_option,
    fill_new_conversation,
    go_to,
    grid_text,
    metric,
    metric_value,
    open_page,
    rerun_after,
    save_conversation,
    sign_in,
)

TRACKER_CSV = REPO_ROOT / "tests" / "fixtures" / "career_centre_tracker.csv"
# What tests/fixtures/career_centre_tracker.csv holds (see tests/unit/test_importer.py): six rows,
# five people (Maya Chen twice: a first message and a follow-up), two conversations.
TRACKER_NAMES = ["Maya Chen", "Tom Okafor", "Priya Natarajan", "Luis Romero", "Ana Silva"]
TRACKER_IMPORTED = "Imported 5 contacts, 5 messages, 2 conversations and 0 insights."
TRACKER_EVERYTHING = "5 contacts, 5 messages, 2 conversations and 0 insights"
EXPORT_FILES = ["contacts", "outreach", "conversations", "questions", "insights",
                "scheduled_conversations", "prep_questions", "my_questions", "action_marks",
                "touches", "career_goals", "goals"]  # lib.data_export.EXPORT_TYPES


def utc_today() -> dt.date:
    # The browser runs in UTC (harness.new_page), so "today" in the app is UTC's today.
    return dt.datetime.now(dt.timezone.utc).date()


def signed_in(page, app, login) -> None:
    open_page(page, app.url)
    sign_in(page, login.email, login.password)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


def success(page):
    return page.get_by_test_id("stAlertContentSuccess")


def no_error(page, where: str) -> None:
    expect(page.get_by_test_id("stAlertContentError"), f"an error on {where}").to_have_count(0)
    expect(page.get_by_test_id("stException"), f"an exception on {where}").to_have_count(0)


def open_tab(page, name: str):
    """Click a tab (no rerun) and return its panel."""
    page.get_by_role("tab", name=name, exact=True).click()
    panel = page.get_by_role("tabpanel", name=name, exact=True)
    expect(panel).to_be_visible()
    return panel


def submit(page, panel, button: str) -> None:
    with rerun_after(page):
        panel.get_by_role("button", name=button, exact=True).click()


def figure_caption(page, label: str):
    """The caption under the dashboard figure `label` (same column)."""
    column = page.get_by_test_id("stColumn").filter(has=metric(page, label))
    return column.get_by_test_id("stCaptionContainer")


# --- 1. outreach and a response -----------------------------------------------------------------

def test_outreach_and_a_response_change_the_dashboard_figures(app_server, student, page):
    signed_in(page, app_server, student)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)  # the first-steps panel instead

    go_to(page, "Contacts & outreach")
    add = open_tab(page, "Add a contact")
    add.get_by_label("Name *", exact=True).fill("Grace Hopper")
    add.get_by_label("Organization", exact=True).fill("Navy Labs")
    submit(page, add, "Add contact")
    expect(success(page)).to_contain_text("Added Grace Hopper to your contacts.")
    no_error(page, "Contacts (after adding)")

    # With a contact but no message yet: the figures are there, all nought.
    go_to(page, "Dashboard")
    expect(metric_value(page, "Outreach sent")).to_have_text("0")
    expect(metric_value(page, "Response rate")).to_have_text("—")
    expect(figure_caption(page, "Response rate")).to_have_text(re.compile(r"^0 of 0 contacts"))

    go_to(page, "Contacts & outreach")
    outreach = open_tab(page, "Log outreach")
    choose_option(page, "Contact *", "Grace Hopper — Navy Labs")
    choose_option(page, "Channel *", "Email")
    submit(page, outreach, "Log outreach")
    expect(success(page)).to_contain_text("Logged your message to Grace Hopper — Navy Labs.")

    response = open_tab(page, "Record a response")
    choose_option(page, "Message *", f"Grace Hopper — Navy Labs · Email sent {utc_today()}")
    response.get_by_text("Accepted", exact=True).click()  # the default; clicked all the same
    submit(page, response, "Record response")
    expect(success(page)).to_contain_text("Response recorded. Time to schedule the conversation!")
    no_error(page, "Contacts (after the response)")

    go_to(page, "Dashboard")
    expect(metric_value(page, "Outreach sent")).to_have_text("1")
    expect(metric_value(page, "Response rate")).to_have_text("100%")
    expect(figure_caption(page, "Response rate")).to_have_text(re.compile(r"^1 of 1 contacts"))
    expect(metric_value(page, "Days to reply")).to_have_text("0")  # answered the same day
    expect(metric_value(page, "Conversations")).to_have_text("0")
    expect(metric_value(page, "Outreach this week")).to_contain_text(re.compile(r"^1 / \d+"))
    no_error(page, "Dashboard")


# --- 2. a next action ticked off --------------------------------------------------------------

def test_sent_it_today_ticks_off_the_thank_you(app_server, student, page):
    signed_in(page, app_server, student)
    go_to(page, "Log a conversation")
    yesterday = utc_today() - dt.timedelta(days=1)
    fill_new_conversation(page, name="Katherine Johnson", organization="Langley",
                          held_on=yesterday, insights=["Check every number twice"])
    save_conversation(page)
    expect(success(page)).to_contain_text("Saved your conversation with Katherine Johnson")

    go_to(page, "Dashboard")
    title = "Send a thank-you to Katherine Johnson"
    item = page.get_by_test_id("stVerticalBlock").filter(
        has=page.get_by_text(title, exact=True)).filter(
        has=page.get_by_role("button", name="Sent it today")).last
    expect(item).to_be_visible()
    expect(metric_value(page, "Thanked in 24 h")).to_have_text("0%")
    expect(figure_caption(page, "Thanked in 24 h")) \
        .to_have_text(re.compile(r"^0 of 1 conversations"))

    with rerun_after(page):
        item.get_by_role("button", name="Sent it today").click()
    expect(success(page)).to_contain_text("Thank-you recorded as sent today.")
    expect(page.get_by_text(title, exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Sent it today")).to_have_count(0)
    # Stored: the figures are read back from the database; held yesterday, thanked today.
    expect(metric_value(page, "Thanked in 24 h")).to_have_text("100%")
    expect(figure_caption(page, "Thanked in 24 h")) \
        .to_have_text(re.compile(r"^1 of 1 conversations"))
    no_error(page, "Dashboard")

    # In a new session (the page opened by its URL), the contact's stage says so too.
    open_page(page, app_server.url, "contacts")
    choose_option(page, "Contact", "Katherine Johnson — Langley")
    expect(page.get_by_text("Stage: Thanked · Next step: Nothing due", exact=True)) \
        .to_be_visible()


# --- 3. importing a tracker -------------------------------------------------------------------

def upload(page, path) -> None:
    """Choose `path` through the Import tab's "Upload" button, as a user does (the button
    empties the file input first, so choosing the same file again is an upload too), and wait
    for the page to read it."""
    uploader = page.get_by_test_id("stFileUploader")
    with page.expect_file_chooser() as chooser:
        uploader.get_by_role("button", name="Upload", exact=True).click()
    with rerun_after(page, timeout=30_000):
        chooser.value.set_files(str(path))
    expect(uploader.get_by_test_id("stFileChipName")).to_have_attribute("title", path.name)


def import_button(page):
    return page.get_by_role("button", name=re.compile(r"^Import \d+ rows$"))


def press_import(page, rows: int) -> None:
    button = page.get_by_role("button", name=f"Import {rows} rows", exact=True)
    expect(button).to_be_enabled()
    with rerun_after(page, timeout=30_000):
        button.click()


def import_tracker(page) -> None:
    go_to(page, "Import & export")
    open_tab(page, "Import")
    upload(page, TRACKER_CSV)
    press_import(page, 6)
    expect(success(page)).to_contain_text(TRACKER_IMPORTED)


def test_import_a_tracker_csv_and_again(app_server, student, page):
    signed_in(page, app_server, student)
    go_to(page, "Import & export")
    open_tab(page, "Import")
    expect(import_button(page)).to_have_count(0)
    upload(page, TRACKER_CSV)

    # What was read, the guessed mapping and the preview.
    expect(page.get_by_test_id("stAlertContentInfo")).to_contain_text("6 rows and 14 columns")
    for column, field in (("Name", "Name"), ("Company", "Organization"),
                          ("Date Contacted", "Date contacted"), ("Response", "Response"),
                          ("Thank you sent", "Thank-you sent")):
        expect(page.get_by_role("combobox", name=column, exact=True)).to_have_value(field)
    expect(metric_value(page, "Rows to import")).to_have_text("6")
    expect(metric_value(page, "Already there")).to_have_text("0")
    expect(metric_value(page, "Skipped")).to_have_text("0")
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)  # first rows, then the preview
    no_error(page, "Import (preview)")

    press_import(page, 6)
    expect(success(page)).to_contain_text(TRACKER_IMPORTED)
    # The same file is still chosen: now every row is already there.
    expect(metric_value(page, "Already there")).to_have_text("6")
    expect(page.get_by_role("button", name="Import 0 rows", exact=True)).to_be_disabled()

    # Removed and chosen again (a new upload of the same file): still nothing to add.
    with rerun_after(page):
        page.get_by_test_id("stFileChipDeleteBtn").click()
    expect(page.get_by_test_id("stFileChip")).to_have_count(0)
    upload(page, TRACKER_CSV)
    expect(success(page)).to_have_count(0)  # read as a new file: the last result is gone
    expect(page.get_by_test_id("stAlertContentInfo").filter(has_text="Nothing new")
           .get_by_test_id("stMarkdownContainer")) \
        .to_have_text("Nothing new in this file: 6 of its rows are already in your tracker, "
                      "so importing it again would add nothing.")
    expect(metric_value(page, "Rows to import")).to_have_text("0")
    expect(metric_value(page, "Already there")).to_have_text("6")
    expect(page.get_by_role("button", name="Import 0 rows", exact=True)).to_be_disabled()
    no_error(page, "Import (the same file again)")

    go_to(page, "Contacts & outreach")
    open_tab(page, "Pipeline")
    expect(page.get_by_text("5 of 5 contacts. Click a column header to sort.", exact=True)) \
        .to_be_visible()
    cells = grid_text(page.get_by_test_id("data-grid-canvas").first).splitlines()
    assert sorted(name for name in cells if name in TRACKER_NAMES) == sorted(TRACKER_NAMES), cells


# --- 4. export, and import into another account -----------------------------------------------

def download(page, button: str):
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=button, exact=True).click()
    return info.value


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(f"{name}.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_then_import_the_zip_into_another_account(app_server, student, page, new_page,
                                                         _unused_students, tmp_path):
    signed_in(page, app_server, student)
    import_tracker(page)
    open_tab(page, "Export my data")
    everything = f"Everything you logged — {TRACKER_EVERYTHING}"
    expect(page.get_by_text(everything, exact=False)).to_be_visible()

    zipped = download(page, "Download ZIP (CSV files)")
    assert re.fullmatch(r"career-conversations-\d{4}-\d\d-\d\d\.zip", zipped.suggested_filename)
    zip_path = tmp_path / zipped.suggested_filename
    zipped.save_as(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        assert sorted(archive.namelist()) == sorted(["README.txt"]
                                                    + [f"{n}.csv" for n in EXPORT_FILES])
        assert sorted(r["name"] for r in csv_rows(archive, "contacts")) == sorted(TRACKER_NAMES)
        assert len(csv_rows(archive, "outreach")) == 5
        assert len(csv_rows(archive, "conversations")) == 2

    workbook = download(page, "Download Excel workbook")
    assert workbook.suggested_filename.endswith(".xlsx")
    xlsx_path = tmp_path / workbook.suggested_filename
    workbook.save_as(xlsx_path)
    from openpyxl import load_workbook

    book = load_workbook(xlsx_path, read_only=True)
    try:
        assert book.sheetnames == EXPORT_FILES
        rows = list(book["contacts"].iter_rows(values_only=True))
        name_at = rows[0].index("name")
        assert sorted(r[name_at] for r in rows[1:]) == sorted(TRACKER_NAMES)
        assert len(list(book["outreach"].iter_rows())) == 1 + 5
        assert len(list(book["conversations"].iter_rows())) == 1 + 2
    finally:
        book.close()

    # Another student, in another browser context, brings the ZIP in.
    if not _unused_students:
        raise AssertionError("tests/e2e/conftest.py: STUDENT_POOL is used up — make it larger")
    other = _unused_students.pop(0)
    second = new_page()
    signed_in(second, app_server, other)
    go_to(second, "Import & export")
    open_tab(second, "Import")
    upload(second, zip_path)
    expect(second.get_by_test_id("stAlertContentInfo")) \
        .to_contain_text("A Career Conversations export: 5 contacts, 5 outreach, "
                         "2 conversations")
    button = import_button(second)
    expect(button).to_be_enabled()
    with rerun_after(second, timeout=30_000):
        button.click()
    expect(success(second)).to_contain_text(TRACKER_IMPORTED)
    no_error(second, "Import (the ZIP)")
    open_tab(second, "Export my data")
    expect(second.get_by_text(everything, exact=False)).to_be_visible()

    go_to(second, "Contacts & outreach")
    open_tab(second, "Pipeline")
    expect(second.get_by_text("5 of 5 contacts. Click a column header to sort.", exact=True)) \
        .to_be_visible()
    cells = grid_text(second.get_by_test_id("data-grid-canvas").first).splitlines()
    assert sorted(name for name in cells if name in TRACKER_NAMES) == sorted(TRACKER_NAMES), cells
