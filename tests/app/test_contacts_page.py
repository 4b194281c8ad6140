"""Contacts & outreach: add, log outreach, record a response, search, edit and delete."""

import datetime as dt

from lib import queries
from tests.app.conftest import (add_contact, assert_healthy, log_outreach, open_page,
                                unescaped)

PAGE = "pages/contacts.py"


def click(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert_healthy(at)


def test_add_contact_stores_it_and_shows_it_in_the_pipeline(app, con, user_id):
    at = open_page(app, PAGE)
    at.text_input(key="new0_name").input("  Mary Jackson  ")
    at.text_input(key="new0_organization").input("NACA")
    at.selectbox(key="new0_industry").set_value("Government & Public Policy")
    at.selectbox(key="new0_how_found").set_value("alumni")
    at.text_input(key="new0_email").input("mary@example.org")
    click(at, "Add contact")
    assert "Added Mary Jackson" in unescaped(at.success)
    record = queries.contact_pipeline(con, user_id).iloc[0]
    assert record["name"] == "Mary Jackson"  # trimmed
    assert record["how_found"] == "alumni"
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Mary Jackson"]
    assert list(table["Stage"]) == ["Identified"]
    assert list(table["Next step"]) == ["Reach out when you are ready"]
    # The form is empty again for the next contact.
    assert at.text_input(key="new1_name").value == ""  # a fresh, empty form


def test_invalid_contact_shows_messages_and_stores_nothing(app, con, user_id):
    at = open_page(app, PAGE)
    at.text_input(key="new0_email").input("not-an-address")
    at.text_input(key="new0_profile_url").input("javascript:alert(1)")
    click(at, "Add contact")
    errors = unescaped(at.error)
    assert "Name is required" in errors
    assert "doesn't look like an address" in errors
    assert "Profile URL must start with http" in errors
    assert queries.table_counts(con, user_id)["contacts"] == 0


def test_duplicate_contact_is_warned_about_until_confirmed(app, con, user_id):
    add_contact(con, user_id, name="Grace Hopper", organization="Navy Labs")
    at = open_page(app, PAGE)
    at.text_input(key="new0_name").input("grace hopper")
    at.text_input(key="new0_organization").input("NAVY LABS")
    click(at, "Add contact")
    assert "already in your contacts" in unescaped(at.error)
    assert queries.table_counts(con, user_id)["contacts"] == 1
    at.checkbox(key="new0_anyway").check()
    click(at, "Add contact")
    assert queries.table_counts(con, user_id)["contacts"] == 2


def test_log_outreach_then_record_response_moves_the_stage(app, con, user_id):
    cid = add_contact(con, user_id)
    at = open_page(app, PAGE)
    at.selectbox(key="out_contact").set_value(cid)
    at.date_input(key="out_sent_on").set_value(dt.date.today() - dt.timedelta(days=3))
    at.selectbox(key="out_channel").set_value("linkedin")
    click(at, "Log outreach")
    outreach = queries.contact_outreach(con, user_id, cid)
    assert list(outreach["attempt"]) == [1]
    assert list(outreach["channel"]) == ["linkedin"]
    assert at.dataframe[0].value["Stage"].iloc[0] == "Contacted"

    oid = int(outreach["id"].iloc[0])
    at.selectbox(key="resp_outreach").set_value(oid)
    at.date_input(key="resp_on").set_value(dt.date.today() - dt.timedelta(days=5))
    click(at, "Record response")
    assert "can't be before the day the message was sent" in unescaped(at.error)
    assert queries.contact_outreach(con, user_id, cid)["outcome"].iloc[0] == "pending"

    at.selectbox(key="resp_outreach").set_value(oid)
    at.date_input(key="resp_on").set_value(dt.date.today())
    at.radio(key="resp_outcome").set_value("accepted")
    click(at, "Record response")
    assert queries.contact_outreach(con, user_id, cid)["outcome"].iloc[0] == "accepted"
    assert at.dataframe[0].value["Stage"].iloc[0] == "Responded"


def test_search_narrows_the_table(app, con, user_id):
    add_contact(con, user_id, name="Grace Hopper", organization="Navy Labs")
    add_contact(con, user_id, name="Alan Turing", organization="Bletchley")
    at = open_page(app, PAGE)
    assert len(at.dataframe[0].value) == 2
    at.text_input(key="contacts_search").input("bletch")
    at.run()
    assert list(at.dataframe[0].value["Name"]) == ["Alan Turing"]


def test_edit_contact(app, con, user_id):
    cid = add_contact(con, user_id, name="Grace Hopper", organization="Navy Labs")
    at = open_page(app, PAGE)
    at.selectbox(key="open_contact").set_value(cid)
    at.run()
    at.text_input(key=f"edit_{cid}_title").input("Rear Admiral")
    click(at, "Save changes")
    assert queries.contact_record(con, user_id, cid)["title"] == "Rear Admiral"


def test_delete_contact_moving_its_outreach_to_another(app, con, user_id):
    keep = add_contact(con, user_id, name="Grace Hopper", organization="Navy Labs")
    dup = add_contact(con, user_id, name="G. Hopper", organization="Navy Labs")
    log_outreach(con, user_id, dup, dt.date.today())
    at = open_page(app, PAGE)
    at.selectbox(key="open_contact").set_value(dup)
    at.run()
    at.radio(key=f"del_what_{dup}").set_value("move")
    at.run()
    at.selectbox(key=f"del_target_{dup}").set_value(keep)
    delete = next(b for b in at.button if b.label == "Delete contact")
    assert delete.disabled  # not before the confirmation is ticked
    at.checkbox(key=f"del_confirm_{dup}").check()
    at.run()
    click(at, "Delete contact")
    assert queries.contact_record(con, user_id, dup) is None
    assert len(queries.contact_outreach(con, user_id, keep)) == 1


def test_delete_contact_with_its_records(app, con, user_id):
    cid = add_contact(con, user_id)
    log_outreach(con, user_id, cid, dt.date.today())
    at = open_page(app, PAGE)
    at.selectbox(key="open_contact").set_value(cid)
    at.run()
    at.checkbox(key=f"del_confirm_{cid}").check()
    at.run()
    click(at, "Delete contact")
    assert queries.table_counts(con, user_id) == {"contacts": 0, "outreach": 0,
                                                  "conversations": 0, "insights": 0}


def test_the_pipeline_says_what_to_do_next_with_each_contact(app, con, user_id):
    quiet = add_contact(con, user_id, name="Ada Lovelace", organization="Analytical Engines")
    log_outreach(con, user_id, quiet, dt.date.today() - dt.timedelta(days=15))
    add_contact(con, user_id, name="Grace Hopper")
    at = open_page(app, PAGE)
    table = at.dataframe[0].value.set_index("Name")
    # 15 days without a reply: the dashboard's 3B7 follow-up, overdue, on the contact's row.
    assert table.loc["Ada Lovelace", "Next step"].startswith("Follow up once · Overdue by ")
    assert table.loc["Grace Hopper", "Next step"] == "Reach out when you are ready"
    # Who, where they are and what to do next come first.
    assert list(table.reset_index().columns[:4]) == ["Name", "Organization", "Stage",
                                                     "Next step"]
    # Opened, even when a search hides the contact from the table, it says the same.
    at.text_input(key="contacts_search").input("Grace")
    at.selectbox(key="open_contact").set_value(quiet)
    at.run()
    assert_healthy(at)
    assert list(at.dataframe[0].value["Name"]) == ["Grace Hopper"]
    assert any("**Next step:** Follow up once" in m.value for m in at.markdown)
