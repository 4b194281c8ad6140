"""The Insights page lists every insight and narrows it by industry, category, contact, text."""

import datetime as dt

from tests.app.conftest import add_contact, log_conversation, open_page

PAGE = "pages/insights.py"
DAY = dt.date.today() - dt.timedelta(days=3)


def seed(con, user_id):
    a = add_contact(con, user_id, name="Ana", organization="Acme", industry="Technology")
    b = add_contact(con, user_id, name="Bo", organization="School", industry="Education")
    log_conversation(con, user_id, a, DAY, insights=[
        {"category": "trend", "text": "Cloud costs matter"},
        {"category": "advice", "text": "Learn SQL early"}])
    log_conversation(con, user_id, b, DAY, insights=[
        {"category": "advice", "text": "Volunteer in a classroom"},
        {"category": "resource", "text": "<img src=x onerror=alert(1)>"}])
    return a, b


def shown(at):
    """The insight texts on screen (cards show each as plain text)."""
    return sorted(t.value for t in at.text)


def test_empty_state(app, con, user_id):
    at = open_page(app, PAGE)
    assert any("No insights yet" in i.value for i in at.info)


def test_filters(app, con, user_id):
    a, _ = seed(con, user_id)
    at = open_page(app, PAGE)
    assert len(shown(at)) == 4
    assert "<img src=x onerror=alert(1)>" in shown(at)  # stored and shown as typed, as text
    at.multiselect(key="ins_categories").set_value(["advice"])
    at.run()
    assert shown(at) == ["Learn SQL early", "Volunteer in a classroom"]
    at.multiselect(key="ins_industries").set_value(["Education"])
    at.run()
    assert shown(at) == ["Volunteer in a classroom"]
    at.multiselect(key="ins_industries").set_value([])
    at.multiselect(key="ins_categories").set_value([])
    at.selectbox(key="ins_contact").set_value(a)
    at.text_input(key="ins_search").input("sql")
    at.run()
    assert shown(at) == ["Learn SQL early"]
    at.text_input(key="ins_search").input("' OR '1'='1")
    at.run()
    assert not at.text
    assert any("No insight matches" in w.value for w in at.warning)


def test_table_view(app, con, user_id):
    seed(con, user_id)
    at = open_page(app, PAGE)
    at.session_state["ins_view"] = "Table"
    at.run()
    assert sorted(at.dataframe[0].value["text"]) == sorted(
        ["Cloud costs matter", "Learn SQL early", "Volunteer in a classroom",
         "<img src=x onerror=alert(1)>"])
