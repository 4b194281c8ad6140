"""The Log a conversation page: a valid form stores everything and moves the dashboard; an
invalid one says what to fix and stores nothing."""

import datetime as dt

from lib import queries
from tests.app.conftest import add_contact, assert_healthy, open_page, unescaped

PAGE = "pages/log_conversation.py"


def fill_new_contact(at, name="Ada Lovelace", organization="Analytical Engines"):
    at.text_input(key="conv0_new_name").input(name)
    at.text_input(key="conv0_new_organization").input(organization)


def save(at):
    next(b for b in at.button if b.label == "Save conversation").click()
    at.run()
    assert_healthy(at)


def conversations_held(at) -> str:
    return next(m.value for m in at.metric if m.label == "Conversations")


def test_new_contact_and_conversation_are_stored_and_dashboard_counts_it(app, con, user_id):
    at = open_page(app, PAGE)
    fill_new_contact(at)
    at.text_area(key="conv0_questions").input("How did you start?\n\nWhat's next for the field?")
    at.selectbox(key="conv0_ins_cat_0").set_value("trend")
    at.text_input(key="conv0_ins_text_0").input("AI tooling is changing junior roles")
    at.selectbox(key="conv0_ins_cat_1").set_value("advice")
    at.text_input(key="conv0_ins_text_1").input("Build a portfolio")
    at.text_input(key="conv0_ref_name_0").input("Charles Babbage")
    at.text_input(key="conv0_ref_org_0").input("Difference Co")
    at.radio(key="conv0_before").set_value(2)
    at.radio(key="conv0_after").set_value(4)
    save(at)

    assert "Saved your conversation with Ada Lovelace" in unescaped(at.success)
    counts = queries.table_counts(con, user_id)
    assert counts == {"contacts": 2, "outreach": 0, "conversations": 1, "insights": 2}
    pipeline = queries.contact_pipeline(con, user_id).set_index("name")
    assert pipeline.loc["Charles Babbage", "how_found"] == "referral"
    assert pipeline.loc["Charles Babbage", "referred_by_contact_id"] == pipeline.loc["Ada Lovelace", "id"]
    insights = queries.insight_list(con, user_id)
    assert sorted(insights["category"]) == ["advice", "trend"]
    conv_id = int(insights["conversation_id"].iloc[0])
    assert queries.conversation_questions(con, user_id, conv_id) == [
        "How did you start?", "What's next for the field?"]
    # The form is cleared for the next conversation.
    assert at.text_input(key="conv1_ins_text_0").value == ""  # a fresh, empty form

    at.switch_page("pages/dashboard.py")
    at.run()
    assert conversations_held(at) == "1"


def test_missing_name_shows_message_next_to_field_and_stores_nothing(app, con, user_id):
    at = open_page(app, PAGE)
    at.text_input(key="conv0_ins_text_0").input("An insight that must not be saved")
    save(at)
    errors = unescaped(at.error)
    assert "Name is required" in errors
    assert "Nothing was saved" in errors
    assert queries.table_counts(con, user_id) == {"contacts": 0, "outreach": 0,
                                                  "conversations": 0, "insights": 0}
    # What the student typed is still there to fix.
    assert at.text_input(key="conv0_ins_text_0").value == "An insight that must not be saved"


def test_thank_you_before_conversation_is_rejected(app, con, user_id):
    cid = add_contact(con, user_id)
    at = open_page(app, PAGE)
    at.selectbox(key="conv0_contact").set_value(cid)  # in the form: sent with the save
    at.date_input(key="conv0_held_on").set_value(dt.date.today())
    at.date_input(key="conv0_thank_you").set_value(dt.date.today() - dt.timedelta(days=2))
    save(at)
    assert "Thank-you sent can't be before the conversation" in unescaped(at.error)
    assert queries.table_counts(con, user_id)["conversations"] == 0


def test_existing_contact_conversation_and_later_thank_you(app, con, user_id):
    cid = add_contact(con, user_id, name="Katherine Johnson", organization="NASA")
    at = open_page(app, PAGE)
    at.selectbox(key="conv0_contact").set_value(cid)  # in the form: sent with the save
    at.text_input(key="conv0_ins_text_0").input("Orbital mechanics still matters")
    save(at)
    assert queries.table_counts(con, user_id)["contacts"] == 1
    assert queries.table_counts(con, user_id)["conversations"] == 1
    # Not thanked yet: the page offers to record it, in a panel drawn once opened.
    assert [e.label for e in at.expander if e.label.startswith("Thank-you")] == [
        "Thank-you notes to send (1)"]
    assert not any(s.label == "Conversation" for s in at.selectbox)
    at.session_state["conv_thanks"] = True  # the student opens it
    at.run()
    assert any(s.label == "Conversation" for s in at.selectbox)
    next(b for b in at.button if b.label == "Mark thank-you sent").click()
    at.run()
    assert_healthy(at)
    log = queries.conversation_log(con, user_id, queries.Filters())
    assert log["thank_you_on"].notna().all()
    assert not any(e.label.startswith("Thank-you") for e in at.expander)  # nothing left to send


def test_add_another_insight_row_keeps_typed_values(app):
    at = open_page(app, PAGE)
    at.text_input(key="conv0_ins_text_0").input("first")
    next(b for b in at.button if b.label == "Add another insight").click()
    at.run()
    assert len([t for t in at.text_input if t.label.startswith("Insight ")]) == 4
    assert at.text_input(key="conv0_ins_text_0").value == "first"


def test_new_contact_duplicating_an_existing_one_is_refused(app, con, user_id):
    add_contact(con, user_id, name="Ada Lovelace", organization="Analytical Engines")
    at = open_page(app, PAGE)
    at.selectbox(key="conv0_contact").set_value(-1)
    fill_new_contact(at)
    save(at)
    assert "already in your contacts" in unescaped(at.error)
    assert queries.table_counts(con, user_id)["conversations"] == 0


def test_recent_conversations_are_drawn_once_opened_and_follow_each_save(app, con, user_id):
    cid = add_contact(con, user_id, name="Katherine Johnson", organization="NASA")
    at = open_page(app, PAGE)
    assert [e.label for e in at.expander if e.label == "Recent conversations"]
    assert not at.dataframe  # closed: no table read or sent
    at.session_state["conv_recent"] = True
    at.run()
    assert "None yet" in " ".join(c.value for c in at.caption)
    at.selectbox(key="conv0_contact").set_value(cid)
    at.text_input(key="conv0_ins_text_0").input("Orbital mechanics still matters")
    save(at)
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Katherine Johnson"]
    assert list(table["insights"]) == [1]
    # Seven columns, the narrow ones sized small, so that the table fits its panel on a laptop.
    assert list(table.columns) == ["held_on", "name", "organization", "format", "insights",
                                   "referrals", "thanked"]


def test_new_contact_typed_while_an_existing_one_is_chosen_is_not_dropped(app, con, user_id):
    cid = add_contact(con, user_id, name="Katherine Johnson", organization="NASA")
    at = open_page(app, PAGE)
    # The panel for someone new is open only when there is no one to choose yet.
    assert not next(e for e in at.expander if e.label.startswith("Someone new")).proto.expanded
    at.selectbox(key="conv0_contact").set_value(cid)
    fill_new_contact(at, name="Dorothy Vaughan", organization="NASA")
    save(at)
    errors = unescaped(at.error)
    assert "You filled in a new contact" in errors and "Katherine Johnson" in errors
    assert queries.table_counts(con, user_id)["conversations"] == 0
    assert at.text_input(key="conv0_new_name").value == "Dorothy Vaughan"  # still there
    # Choosing "Someone new" saves the conversation with her.
    at.selectbox(key="conv0_contact").set_value(-1)
    save(at)
    assert "Saved your conversation with Dorothy Vaughan" in unescaped(at.success)
    assert queries.table_counts(con, user_id)["contacts"] == 2


def test_a_problem_with_the_new_contact_opens_its_panel(app, con, user_id):
    add_contact(con, user_id, name="Katherine Johnson", organization="NASA")
    at = open_page(app, PAGE)
    at.selectbox(key="conv0_contact").set_value(-1)
    save(at)  # "Someone new" without a name
    assert "Name is required" in unescaped(at.error)
    assert next(e for e in at.expander if e.label.startswith("Someone new")).proto.expanded
