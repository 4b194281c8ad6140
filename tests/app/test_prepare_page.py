"""The Prepare page: scheduling (valid and not), the prep sheet, the .ics download, the question
bank, the message templates, and "Log it now" into a pre-filled log form."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from lib import accounts, prep, prep_store, queries
from lib.prep_validation import clean_schedule
from tests.app.conftest import add_contact, assert_healthy, log_conversation, open_page, \
    signed_in, unescaped

PAGE = "pages/prepare.py"
ZONE = "Europe/Berlin"


def on_page(con, user_id, *, zone: str = ZONE) -> AppTest:
    """The Prepare page for a signed-in student in time zone `zone`, through app.py."""
    at = signed_in(con, user_id)
    at.context = {"timezone": zone}
    return open_page(at, PAGE)


def click(at: AppTest, label: str, key: str | None = None) -> AppTest:
    button = at.button(key=key) if key else next(b for b in at.button if b.label == label)
    button.click()
    at.run()
    assert_healthy(at)
    return at


def in_a_week() -> dt.date:
    return prep.local_now(ZONE).date() + dt.timedelta(days=7)


def schedule(con, user_id, contact_id, **overrides) -> int:
    raw = {"contact_id": contact_id, "date": in_a_week(), "time": dt.time(10, 0),
           "duration_min": 30, "format": "video", "place": "https://zoom.us/j/123",
           "timezone": ZONE, **overrides}
    return prep_store.schedule_conversation(
        con, user_id, clean_schedule(raw, now_local=prep.local_now(ZONE))).id


def markdown(at: AppTest) -> str:
    return " | ".join(m.value.replace("\\", "") for m in at.markdown)


# --- scheduling ------------------------------------------------------------------------------

def test_schedule_via_the_form_stores_and_lists_it(con, user_id):
    ada = add_contact(con, user_id, name="Ada Lovelace", organization="Engines Ltd")
    at = on_page(con, user_id)
    assert "Nothing scheduled" in unescaped(at.info)
    at.selectbox(key="sched0_contact").set_value(ada)
    at.date_input(key="sched0_date").set_value(in_a_week())
    at.time_input(key="sched0_time").set_value(dt.time(14, 30))
    at.number_input(key="sched0_duration").set_value(45)
    at.selectbox(key="sched0_format").set_value("coffee")
    at.text_input(key="sched0_place").input("Café Central")
    click(at, "Schedule conversation")

    assert "Scheduled your conversation with Ada Lovelace" in unescaped(at.success)
    (stored,) = prep_store.upcoming_conversations(con, user_id).itertuples()
    assert (stored.contact_id, stored.starts_at, stored.timezone) == (
        ada, dt.datetime.combine(in_a_week(), dt.time(14, 30)), ZONE)
    assert (stored.duration_min, stored.format, stored.place) == (45, "coffee", "Café Central")
    assert "Ada Lovelace (Engines Ltd)" in markdown(at)
    assert at.button(key=f"open_{stored.id}") and at.button(key=f"log_{stored.id}")
    # The new conversation's prep sheet is open, and the form is fresh for the next one.
    assert at.selectbox(key="prep_open").value == stored.id
    assert at.selectbox(key="sched1_contact").value is None


def test_invalid_schedule_says_what_to_fix_and_stores_nothing(con, user_id):
    add_contact(con, user_id)
    at = on_page(con, user_id)
    at.text_input(key="sched0_place").input("javascript:alert(1)")
    click(at, "Schedule conversation")
    errors = unescaped(at.error)
    assert "Nothing was saved" in errors
    assert "Contact is required" in errors
    assert "Date is required" in errors and "Time is required" in errors
    assert "must start with http:// or https://" in errors
    assert prep_store.upcoming_conversations(con, user_id).empty
    # What the student typed is still there to fix.
    assert at.text_input(key="sched0_place").value == "javascript:alert(1)"


def test_another_students_plans_are_not_listed(con, user_id):
    other = accounts.create_account(con, email="other@test.example",
                                    password="other-password-1", display_name="Other").id
    schedule(con, other, add_contact(con, other, name="Their Contact"))
    at = on_page(con, user_id)
    assert "Their Contact" not in markdown(at)
    assert "Nothing scheduled" in unescaped(at.info)


def test_cancel_asks_first_then_removes_it_from_the_list(con, user_id):
    sid = schedule(con, user_id, add_contact(con, user_id, name="Grace Hopper"))
    at = on_page(con, user_id)
    click(at, "Cancel", key=f"cancel_{sid}")
    assert "Cancel the conversation with Grace Hopper?" in unescaped(at.warning)
    click(at, "Keep it", key=f"cancel_no_{sid}")
    assert not prep_store.upcoming_conversations(con, user_id).empty
    click(at, "Cancel", key=f"cancel_{sid}")
    click(at, "Yes, cancel it", key=f"cancel_yes_{sid}")
    assert prep_store.upcoming_conversations(con, user_id).empty
    assert prep_store.scheduled_conversation(con, user_id, sid).cancelled
    assert "Nothing scheduled" in unescaped(at.info)


# --- the .ics download -----------------------------------------------------------------------

def test_calendar_download_is_present_and_parses(con, user_id, monkeypatch):
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, data, mimetype, kind, filename=None):
        files[filename] = data
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    sid = schedule(con, user_id, add_contact(con, user_id, name="Ada Lovelace",
                                             organization="Engines Ltd"))
    at = on_page(con, user_id)
    (button,) = [b for b in at.get("download_button") if b.label == "Add to calendar"]
    assert button.proto.url.endswith(".ics")
    text = files[f"{in_a_week():%Y-%m-%d}-ada-lovelace.ics"].decode("utf-8")
    lines = text.replace("\r\n ", "").split("\r\n")
    props = {k: v for k, _, v in (line.partition(":") for line in lines if line)}
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VEVENT" in lines
    assert props["UID"] == f"scheduled-{sid}@career-conversations"
    start = dt.datetime.combine(in_a_week(), dt.time(10, 0), tzinfo=ZoneInfo(ZONE))
    assert props["DTSTART"] == start.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    assert props["SUMMARY"] == "Informational interview: Ada Lovelace (Engines Ltd)"
    assert props["LOCATION"] == "https://zoom.us/j/123"


# --- the prep sheet --------------------------------------------------------------------------

def test_prep_sheet_with_chosen_questions_is_saved(con, user_id):
    ada = add_contact(con, user_id, name="Ada Lovelace", industry="Finance & Banking")
    sid = schedule(con, user_id, ada)
    at = on_page(con, user_id)
    click(at, "Open prep sheet", key=f"open_{sid}")
    # The picker starts on the contact's industry: its tagged questions are offered.
    picker = at.multiselect(key=f"prep_pick_{sid}")
    assert "trend-fintech-banking" in picker.options or any(
        "fintech" in o for o in picker.options)
    picker.set_value(["insight-typical-day", "trend-fintech-banking"])
    click(at, "Add to my questions", key=f"prep_pick_add_{sid}")
    at.text_input(key=f"prep_write_{sid}").input("Why did you leave consulting?")
    click(at, "Add", key=f"prep_write_add_{sid}")
    assert [t.value for t in at.text if t.value[:2] in ("1.", "2.", "3.")] == [
        "1. What does a typical day or week look like for you?",
        "2. How is fintech changing what banks look for in new analysts?",
        "3. Why did you leave consulting?"]
    at.text_area(key=f"prep_notes_{sid}").input("Runs the analytics team; ex-consultant.")
    at.text_area(key=f"prep_goals_{sid}").input("Understand the analyst path")
    at.checkbox(key=f"prep_researched_{sid}").check()
    at.run()
    assert "You have unsaved changes" in " ".join(c.value for c in at.caption)
    assert "Prep not complete yet" in markdown(at)
    click(at, "Save prep sheet", key=f"prep_save_{sid}")

    assert "Saved the prep sheet for Ada Lovelace" in unescaped(at.success)
    sheet = prep_store.scheduled_conversation(con, user_id, sid)
    assert [(q.text, q.bank_id) for q in sheet.questions] == [
        ("What does a typical day or week look like for you?", "insight-typical-day"),
        ("How is fintech changing what banks look for in new analysts?",
         "trend-fintech-banking"),
        ("Why did you leave consulting?", None)]
    assert sheet.research_notes == "Runs the analytics team; ex-consultant."
    assert sheet.goals == "Understand the analyst path"
    assert sheet.researched and not sheet.confirmed and not sheet.prep_complete

    # Remove one (now 2: not enough), confirm, then 3 again: complete.
    click(at, "Remove", key=f"prep_rm_{sid}_2")
    at.checkbox(key=f"prep_confirmed_{sid}").check()
    at.run()
    assert "Not yet · 3–5 questions chosen (2 chosen)" in markdown(at)
    at.text_input(key=f"prep_write_{sid}").input("Who else should I talk to?")
    click(at, "Add", key=f"prep_write_add_{sid}")
    click(at, "Save prep sheet", key=f"prep_save_{sid}")
    assert prep_store.scheduled_conversation(con, user_id, sid).prep_complete
    assert "Prep complete" in markdown(at)
    assert bool(prep_store.upcoming_conversations(con, user_id)["prep_complete"].iloc[0])
    assert any(b.label == "Download as Markdown" for b in at.get("download_button"))


def test_a_link_opens_one_of_your_own_prep_sheets_only(con, user_id):
    sid = schedule(con, user_id, add_contact(con, user_id, name="Ada Lovelace"))
    at = on_page(con, user_id)
    at.query_params["scheduled"] = str(sid)
    at.run()
    assert at.selectbox(key="prep_open").value == sid
    assert at.text_area(key=f"prep_notes_{sid}")
    other = accounts.create_account(con, email="other@test.example",
                                    password="other-password-1", display_name="Other").id
    theirs = schedule(con, other, add_contact(con, other, name="Their Contact"))
    at.query_params["scheduled"] = str(theirs)
    at.run()
    assert_healthy(at)
    assert at.selectbox(key="prep_open").value is None
    assert "Their Contact" not in markdown(at)


def test_invalid_prep_sheet_is_refused_and_kept_on_screen(con, user_id):
    sid = schedule(con, user_id, add_contact(con, user_id))
    at = on_page(con, user_id)
    click(at, "Open prep sheet", key=f"open_{sid}")
    at.text_area(key=f"prep_goals_{sid}").input("Pasted from a PDF\x07")
    click(at, "Save prep sheet", key=f"prep_save_{sid}")
    assert "Goals for the conversation contains an invisible control character" in \
        unescaped(at.error)
    assert prep_store.scheduled_conversation(con, user_id, sid).goals is None
    assert at.text_area(key=f"prep_goals_{sid}").value == "Pasted from a PDF\x07"


# --- the question bank -----------------------------------------------------------------------

def test_star_a_question_and_add_your_own(con, user_id):
    at = on_page(con, user_id)
    click(at, "Star", key="bank_star_closing-who-else")
    bank = prep_store.question_bank(con, user_id, starred_only=True)
    assert list(bank["id"]) == ["closing-who-else"]
    assert at.button(key="bank_star_closing-who-else").label == "Unstar"

    at.text_input(key="bank0_text").input("What would you *never* do again? [link](http://x)")
    at.selectbox(key="bank0_category").set_value("advice")
    click(at, "Add question")
    mine = prep_store.question_bank(con, user_id, search="do again")
    assert list(mine["source"]) == ["mine"] and list(mine["category"]) == ["advice"]
    # Shown literally, never as markdown.
    texts = [m.value for m in at.markdown]
    assert any(r"\*never\*" in t and r"\[link\]" in t for t in texts)

    at.toggle(key="bank_starred").set_value(True)
    at.run()
    shown = [b.key for b in at.button if (b.key or "").startswith("bank_star_")]
    assert shown == ["bank_star_closing-who-else"]


def test_edit_and_delete_your_own_question(con, user_id):
    own = f"mine-{prep_store.add_my_question(con, user_id, 'trend', 'Is AI changing it?').id}"
    at = on_page(con, user_id)
    click(at, "Edit", key=f"bank_edit_{own}")
    at.text_input(key=f"bank_edit_text_{own}").input("How is AI changing your team?")
    next(b for b in at.button if b.label == "Save changes" and
         b.form_id == f"edit_question_{own}").click()
    at.run()
    assert list(prep_store.question_bank(con, user_id, search="AI changing your")["id"]) == [own]
    click(at, "Edit", key=f"bank_edit_{own}")
    next(b for b in at.button if b.label == "Delete question").click()
    at.run()
    assert own not in set(prep_store.question_bank(con, user_id)["id"])


def test_hide_a_built_in_question(con, user_id):
    at = on_page(con, user_id)
    click(at, "Hide", key="bank_hide_small-talk-city")
    assert "small-talk-city" not in set(prep_store.question_bank(con, user_id)["id"])
    assert not [b for b in at.button if b.key == "bank_hide_small-talk-city"]
    at.toggle(key="bank_hidden").set_value(True)
    at.run()
    click(at, "Show", key="bank_hide_small-talk-city")
    assert "small-talk-city" in set(prep_store.question_bank(con, user_id)["id"])


# --- templates -------------------------------------------------------------------------------

def test_templates_fill_the_message_and_check_the_outreach_draft(con, user_id):
    ada = add_contact(con, user_id, name="Ada Lovelace", organization="Engines Ltd",
                      how_found="alumni")
    log_conversation(con, user_id, ada, dt.date.today(),
                     insights=[{"category": "advice", "text": "Learn SQL properly."}])
    at = on_page(con, user_id)
    at.selectbox(key="tpl_contact").set_value(ada)
    at.selectbox(key="tpl_kind").set_value("thank_you")
    at.run()
    (message,) = [c.value for c in at.code]
    assert message.startswith("Hi Ada,")
    assert "talk with me about Learn SQL properly." in message
    assert message.endswith("Best,\nSam Student")

    at.selectbox(key="tpl_kind").set_value("outreach")
    at.run()
    (draft_area,) = [t for t in at.text_area if t.key.startswith(f"tpl_draft_{ada}_")]
    assert "I'm a fellow alum of your school" in draft_area.value
    hints = markdown(at)
    assert hints.count("**Pass** ·") == 4 and ":material/check_circle:" in hints

    draft_area.input("Hi Ada,\n\nCan you get me a job at Engines Ltd.")
    at.run()
    (copyable,) = [c.value for c in at.code]
    assert copyable == "Hi Ada,\n\nCan you get me a job at Engines Ltd."
    hints = markdown(at)
    assert "**Not yet** · Asks for advice, not a job" in hints
    assert "**Not yet** · Ends with a question" in hints
    assert "**Pass** · Under 100 words" in hints
    assert ":material/cancel:" in hints


# --- "Log it now" ----------------------------------------------------------------------------

def test_log_it_now_prefills_the_log_form_and_marks_it_held(con, user_id):
    ada = add_contact(con, user_id, name="Ada Lovelace")
    yesterday = prep.local_now(ZONE).date() - dt.timedelta(days=1)
    sid = schedule(con, user_id, ada, format="phone", duration_min=25)
    prep_store.update_schedule(con, user_id, sid, clean_schedule(
        {"contact_id": ada, "date": yesterday, "time": "09:00", "duration_min": 25,
         "format": "phone", "timezone": ZONE}, now_local=prep.local_now(ZONE), is_new=False))
    prep_store.save_prep_sheet(con, user_id, sid, None, None, True, True,
                               [("How did you start?", None), ("Who else?", "closing-who-else")])
    at = on_page(con, user_id)
    click(at, "Log it now", key=f"log_{sid}")

    assert at.session_state["prefill_scheduled_id"] == sid
    assert at.selectbox(key="conv0_contact").value == ada
    assert at.date_input(key="conv0_held_on").value == yesterday
    assert at.selectbox(key="conv0_format").value == "phone"
    assert at.number_input(key="conv0_duration").value == 25
    assert at.text_area(key="conv0_questions").value == "How did you start?\nWho else?"
    assert "Logging your scheduled conversation with Ada Lovelace" in unescaped(at.info)

    # AppTest reruns the page it was last told to show (a browser stays where st.switch_page
    # went); the form's values carry over.
    at.switch_page("pages/log_conversation.py")
    at.text_input(key="conv0_ins_text_0").input("Start with SQL")
    click(at, "Save conversation")
    assert "Saved your conversation with Ada Lovelace" in unescaped(at.success)
    log = queries.conversation_log(con, user_id, queries.Filters())
    (conversation_id,) = log["id"]
    assert queries.conversation_questions(con, user_id, int(conversation_id)) == [
        "How did you start?", "Who else?"]
    assert prep_store.scheduled_conversation(con, user_id, sid).conversation_id == conversation_id
    assert prep_store.upcoming_conversations(con, user_id).empty
    assert "prefill_scheduled_id" not in at.session_state
    # The next form is blank again.
    assert at.text_area(key="conv1_questions").value == ""

