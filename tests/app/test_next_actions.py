"""Next actions on the dashboard: listed above the charts, done in one click, snoozed away."""

import datetime as dt

from lib import coaching_store
from tests.app.conftest import (add_contact, log_conversation, log_outreach, open_page,
                                unescaped)

PAGE = "pages/dashboard.py"
TODAY = dt.date.today()


def markdown(at) -> str:
    return unescaped(at.markdown)


def thank_you_due(con, user_id) -> int:
    contact = add_contact(con, user_id, name="Grace Hopper")
    return log_conversation(con, user_id, contact, TODAY)


def test_a_conversation_without_thank_you_shows_a_thank_you_item(app, con, user_id):
    thank_you_due(con, user_id)
    at = open_page(app, PAGE)
    assert any(s.value == "Next actions" for s in at.header)
    assert "Send a thank-you to Grace Hopper" in markdown(at)
    assert "Due tomorrow" in markdown(at)  # the due day in words (with an icon), not colour


def test_clicking_done_records_the_thank_you_and_the_item_goes(app, con, user_id):
    talk = thank_you_due(con, user_id)
    at = open_page(app, PAGE)
    at.button(key=f"na_done_thank_you:{talk}").click()
    at.run()
    assert not at.exception
    (conversation,) = coaching_store.conversation_states(con, user_id)
    assert conversation.thank_you_on == TODAY
    assert "Send a thank-you to Grace Hopper" not in markdown(at)
    assert "Thank-you recorded" in unescaped(at.success)
    assert not [b for b in at.button if b.key and b.key.startswith("na_done_thank_you")]


def test_snooze_hides_the_item_for_three_days(app, con, user_id):
    talk = thank_you_due(con, user_id)
    at = open_page(app, PAGE)
    at.button(key=f"na_snooze_thank_you:{talk}").click()
    at.run()
    assert not at.exception
    assert "Send a thank-you to Grace Hopper" not in markdown(at)
    (snoozed,) = coaching_store.action_marks(con, user_id).snoozes
    assert (snoozed.key, snoozed.until) == (f"thank_you:{talk}", TODAY + dt.timedelta(days=3))
    # Nothing was recorded: the thank-you is still owed once the snooze ends.
    assert coaching_store.conversation_states(con, user_id)[0].thank_you_on is None


def test_weekly_goal_item_when_below_the_goal(app, con, user_id):
    contact = add_contact(con, user_id, name="Ada")
    log_outreach(con, user_id, contact, TODAY)
    at = open_page(app, PAGE)
    assert "Send 4 more messages this week" in markdown(at)  # default goal 5, one sent
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    at.button(key=f"na_done_weekly_goal:{monday.isoformat()}").click()
    at.run()
    assert "more messages this week" not in markdown(at)


def test_nothing_to_do_is_a_friendly_message(app, con, user_id):
    coaching_store.set_own_goals(con, user_id, coaching_store.OwnGoals(0, 0, 0))
    add_contact(con, user_id, name="Ada")
    at = open_page(app, PAGE)
    assert "all caught up" in unescaped(at.success)
    assert "Nothing scheduled for the next two weeks" in " ".join(c.value for c in at.caption)


def test_upcoming_conversation_and_its_prepare_item(app, con, user_id):
    from lib import db

    contact = add_contact(con, user_id, name="Hana Rossi", organization="Lakeshore")
    starts_at = dt.datetime.combine(TODAY + dt.timedelta(days=2), dt.time(14, 30))
    # Written as SQL on purpose: scheduling belongs to the Prepare page's storage.
    with db.transaction(con) as cur:
        cur.execute("INSERT INTO scheduled_conversations (user_id, contact_id, starts_at, format,"
                    " place) VALUES (?, ?, ?, 'video', 'Zoom')", [user_id, contact, starts_at])
    at = open_page(app, PAGE)
    text = markdown(at)
    assert "Prepare for your conversation with Hana Rossi" in text
    assert "14:30** — Hana Rossi (Lakeshore)" in text
    assert "Prep to do" in text


def test_the_most_urgent_five_first_the_rest_once_opened(app, con, user_id):
    """Seven thank-yous owed (and the weekly goal): five items are drawn, the others wait
    behind "Show 3 more" (drawn when it is opened, so a long list costs nothing until asked
    for) — and can be done from there."""
    from lib import coaching_ui

    names = [f"Person {i}" for i in range(7)]
    talks = [log_conversation(con, user_id, add_contact(con, user_id, name=name),
                              TODAY - dt.timedelta(days=i)) for i, name in enumerate(names)]
    at = open_page(app, PAGE)
    done = [b for b in at.button if b.key and b.key.startswith("na_done_thank_you")]
    assert len(done) == coaching_ui.SHOWN_FIRST == 5
    # Most urgent (longest overdue) first: the two left are the newest.
    assert "Send a thank-you to Person 6" in markdown(at)
    assert "Person 0" not in markdown(at) and "Person 1" not in markdown(at)
    # Seven thank-yous and the weekly outreach goal: three more.
    assert [e.label for e in at.expander if e.label.endswith(" more")] == ["Show 3 more"]
    at.session_state["na_more"] = True  # the browser opens it
    at.run()
    assert "Send a thank-you to Person 0" in markdown(at)
    at.button(key=f"na_done_thank_you:{talks[0]}").click()
    at.run()
    assert not at.exception
    states = {c.conversation_id: c.thank_you_on for c in coaching_store.conversation_states(con, user_id)}
    assert states[talks[0]] == TODAY
