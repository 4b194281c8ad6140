"""The Import & export page (upload, mapping, preview, import, exports, erasure) and the admin's
"Back up now". st.file_uploader is driven by AppTest (1.67 supports `set_value`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import accounts, backup, coaching_store, data_export, db, prep_store, queries
from lib.prep_validation import clean_schedule
from tests.app.conftest import add_contact, assert_healthy, log_conversation, unescaped

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGE = "../../pages/import_export.py"


@pytest.fixture(autouse=True)
def backup_dir(tmp_path, monkeypatch):
    """Set before the app's database opens: SQL may write backups only there."""
    folder = tmp_path / "backups"
    monkeypatch.setenv(db.BACKUP_ENV, str(folder))
    return folder


def page(con, user_id: int, path: str = PAGE) -> AppTest:
    """The page run on its own, signed in (until app.py registers it)."""
    at = AppTest.from_file(path, default_timeout=60)
    at.secrets = {}
    at.session_state["_session_token"] = accounts.start_session(con, user_id)
    at.session_state["_routed"] = True
    at.run()
    assert_healthy(at)
    return at


def upload(at: AppTest, name: str, data: bytes | None = None) -> AppTest:
    data = (FIXTURES / name).read_bytes() if data is None else data
    at.file_uploader(key="ie_file").set_value((name, data, "text/csv"))
    at.run()
    assert_healthy(at)
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def button(at, label_start: str):
    return next(b for b in at.button if b.label.startswith(label_start))


def click(at, label_start: str) -> AppTest:
    button(at, label_start).click()
    at.run()
    assert_healthy(at)
    return at


def preview(at):
    return at.dataframe[-1].value


def test_only_students_open_the_page(con, admin):
    at = page(con, admin.id)
    assert "not available for your account" in unescaped(at.error)


def test_tracker_upload_preview_and_import(con, user_id):
    at = upload(page(con, user_id), "career_centre_tracker.csv")
    assert "6 rows and 14 columns" in unescaped(at.info)
    assert metric(at, "Rows to import") == "6" and metric(at, "Skipped") == "0"
    table = preview(at)
    assert list(table["status"]) == ["Will import"] * 6
    assert "stored as Other (Fintech)" in table.loc[table["row"] == 5, "problems"].item()

    click(at, "Import 6 rows")
    assert "Imported 5 contacts, 5 messages, 2 conversations and 0 insights." in \
        unescaped(at.success)
    assert queries.table_counts(con, user_id) == {"contacts": 5, "outreach": 5,
                                                  "conversations": 2, "insights": 0}
    # the same file again: everything is already there, the button imports nothing
    assert metric(at, "Already there") == "6"
    assert button(at, "Import 0 rows").disabled
    assert "Nothing new in this file: 6 of its rows are already in your tracker" in \
        unescaped(at.info)


def test_bad_rows_are_listed_with_their_reasons(con, user_id):
    at = upload(page(con, user_id), "bad_rows.csv")
    assert metric(at, "Rows to import") == "2" and metric(at, "Skipped") == "6"
    click(at, "Import 2 rows")
    assert "6 rows were not imported" in unescaped(at.warning)
    skipped = at.dataframe[0].value
    assert list(skipped["row"]) == [3, 4, 5, 6, 7, 8]
    assert "7 fields but the header has 6" in skipped["reason"][0]
    assert "No name" in skipped["reason"][3]
    assert queries.table_counts(con, user_id)["contacts"] == 2


def test_the_student_corrects_the_mapping(con, user_id):
    at = upload(page(con, user_id), "windows_1252_semicolon.csv")
    assert "Windows-1252, separated by “;”" in unescaped(at.info)
    societe = next(s for s in at.selectbox if s.label == "Société")
    assert societe.value == ""  # not imported
    societe.set_value("organization")
    at.run()
    click(at, "Import 3 rows")
    with db.reading(con) as cur:
        assert cur.execute("SELECT name, organization FROM contacts WHERE user_id = ?"
                           " ORDER BY id", [user_id]).fetchall() == [
            ("José Müller", "Crédit Genève"), ("Zoë Lefèvre", "Café Noël"),
            ("François Dœuf", "Öko Énergie")]


def test_a_mapping_without_a_name_cannot_be_imported(con, user_id):
    at = upload(page(con, user_id), "career_centre_tracker.csv")
    next(s for s in at.selectbox if s.label == "Name").set_value("")
    at.run()
    assert "Choose the column that holds the person's name" in unescaped(at.error)
    assert not [b for b in at.button if b.label.startswith("Import ")]


def test_linkedin_connections_are_filtered_and_ticked(con, user_id):
    at = upload(page(con, user_id), "linkedin_connections.csv")
    assert "5 LinkedIn connections" in unescaped(at.info)
    at.text_input(key=f"ie_filter_{at.session_state['ie_file_id']}").set_value("northwind, "
                                                                              "nurse")
    at.run()
    assert "3 of 5 connections kept." in [c.value for c in at.caption]
    # untick Kenji (the third kept row) in the data editor
    token = at.session_state["ie_file_id"]
    at.session_state[f"ie_keep_{token}_northwind|nurse"] = {
        "edited_rows": {2: {"Keep": False}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_healthy(at)
    assert "2 of 5 connections kept." in [c.value for c in at.caption]
    click(at, "Import 2 rows")
    with db.reading(con) as cur:
        assert cur.execute("SELECT name, how_found FROM contacts WHERE user_id = ? ORDER BY id",
                           [user_id]).fetchall() == [("Grace Ho", "linkedin"),
                                                     ("Ines Moreau", "linkedin")]


def test_an_excel_tracker(con, user_id):
    from tests.fixtures.workbooks import tracker_xlsx

    at = upload(page(con, user_id), "tracker.xlsx", tracker_xlsx())
    assert metric(at, "Rows to import") == "2" and metric(at, "Skipped") == "3"
    click(at, "Import 2 rows")
    assert queries.table_counts(con, user_id)["conversations"] == 1


def test_an_unreadable_file_says_why(con, user_id):
    at = upload(page(con, user_id), "tracker.xlsx", b"not a workbook")
    assert "not a valid Excel workbook" in unescaped(at.error)


def test_my_export_imports_into_another_account(con, user_id):
    contact = add_contact(con, user_id, name="=Formula Person", notes="@note")
    talk = log_conversation(con, user_id, contact, "2026-03-02",
                            insights=[{"category": "advice", "text": "-be curious"}])
    # the coaching records: a scheduled conversation with its prep sheet, an own question,
    # a next action ticked off, a keep-in-touch note, a career goal and own goals
    when = clean_schedule({"contact_id": contact, "date": "2026-03-30", "time": "10:00",
                           "duration_min": 30, "format": "video", "timezone": "UTC"},
                          now_local=dt.datetime(2026, 3, 20, 9, 0), is_new=False)
    planned = prep_store.schedule_conversation(con, user_id, when).id
    prep_store.save_prep_sheet(con, user_id, planned, "=notes", None, True, False,
                               [("What do you enjoy?", None)])
    prep_store.add_my_question(con, user_id, "advice", "+What would you do?")
    coaching_store.mark_done(con, user_id, f"thank_you:{talk}")
    coaching_store.record_touch(con, user_id, contact, dt.date(2026, 3, 10))
    coaching_store.add_career_goal(con, user_id, "Nurse educator")
    coaching_store.set_own_goals(con, user_id, coaching_store.OwnGoals(4, 1, 6))

    other = accounts.create_account(con, email="other@test.example",
                                    password="other-password-1", display_name="Other").id
    data = data_export.student_zip(con, user_id)
    at = upload(page(con, other), "my-data.zip", data)
    assert "A Career Conversations export" in unescaped(at.info)
    assert "1 scheduled_conversations" in unescaped(at.info)
    click(at, "Import 8 rows")
    assert ("Imported 1 contacts, 0 messages, 1 conversations and 1 insights. Also: 1 "
            "scheduled conversation, 1 question chosen for a prep sheet, 1 question of your "
            "question bank, 1 next action ticked off or snoozed, 1 keep-in-touch note, 1 "
            "career goal, your weekly and term goals.") in unescaped(at.success)
    assert queries.table_counts(con, other) == queries.table_counts(con, user_id)
    with db.reading(con) as cur:
        assert cur.execute("SELECT name, notes FROM contacts WHERE user_id = ?",
                           [other]).fetchall() == [("=Formula Person", "@note")]
        assert cur.execute("SELECT research_notes, researched FROM scheduled_conversations"
                           " WHERE user_id = ?", [other]).fetchall() == [("=notes", True)]
        new_talk = cur.execute("SELECT id FROM conversations WHERE user_id = ?",
                               [other]).fetchone()[0]
        assert cur.execute("SELECT action_key FROM action_marks WHERE user_id = ?",
                           [other]).fetchall() == [(f"thank_you:{new_talk}",)]
    assert coaching_store.own_goals(con, other) == coaching_store.OwnGoals(4, 1, 6)
    assert coaching_store.current_career_goal(con, other) == "Nurse educator"
    # the same file once more: everything is already there
    at = upload(page(con, other), "my-data-again.zip", data)
    assert metric(at, "Rows to import") == "0" and metric(at, "Already there") == "8"
    assert button(at, "Import 0 rows").disabled


def test_export_buttons(con, user_id):
    at = page(con, user_id)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download ZIP (CSV files)", "Download Excel workbook"]


def test_the_export_tab_says_what_the_files_contain(con, user_id):
    at = page(con, user_id)
    text = " ".join(m.value for m in at.markdown)
    for name, description in data_export.CONTENTS.items():
        assert f"`{name}` — {description}" in text
    assert {"scheduled_conversations", "prep_questions", "my_questions", "action_marks",
            "touches", "career_goals", "goals"} <= set(data_export.CONTENTS)
    assert "Not included: your sign-in details" in " ".join(c.value for c in at.caption)


def test_delete_my_account_needs_my_email_then_erases_everything(con, user_id):
    add_contact(con, user_id)
    at = page(con, user_id)
    assert button(at, "Delete my account").disabled
    at.text_input(key="ie_erase_confirm").set_value("someone@else.example")
    at.run()
    assert button(at, "Delete my account").disabled
    assert "not the email address" in " ".join(c.value for c in at.caption)
    at.text_input(key="ie_erase_confirm").set_value("STUDENT@test.example ")
    at.run()
    click(at, "Delete my account")
    assert accounts.get_account(con, user_id) is None
    assert queries.table_counts(con, user_id)["contacts"] == 0
    assert db.integrity_problems(con) == {}
    assert "_session_token" not in at.session_state  # signed out
    assert "Please sign in" in unescaped(at.warning)


def test_admin_backs_up_now(con, admin, backup_dir):
    at = page(con, admin.id, "../../pages/accounts_admin.py")
    click(at, "Back up now")
    folders = list(backup_dir.glob("career-conversations-*"))
    assert len(folders) == 1 and (folders[0] / backup.MANIFEST).is_file()
    assert str(folders[0]) in [c.value for c in at.code]
    assert "Backup written to" in unescaped(at.success)


def test_class_dashboard_offers_the_class_report(con, admin):
    import datetime as dt

    from lib import classes

    today = dt.date.today()
    classes.create_class(con, admin.id, classes.clean_class({
        "name": "Careers 101", "starts_on": today - dt.timedelta(days=30),
        "ends_on": today + dt.timedelta(days=30)}))
    at = page(con, admin.id, "../../pages/class_dashboard.py")
    labels = [b.label for b in at.get("download_button")]
    assert "Download class report (Excel)" in labels
    assert "Download class report (ZIP of CSV files)" in labels
