"""Isolation: one student can never reach another's records, and an instructor never reaches a
class that is not theirs nor any private note. Each attempt returns nothing and says so."""

import datetime as dt

import pytest

from lib import accounts, classes, queries, store
from tests.app.conftest import (add_contact, assert_healthy, log_conversation, log_outreach,
                                make_account, signed_in)

TODAY = dt.date.today()


@pytest.fixture
def victim(con, admin):
    """Another student with a contact, a message and a conversation with a private insight."""
    other = make_account(con, "victim@test.example", "victim-pass-1", "Vic Tim")
    contact = add_contact(con, other.id, name="Victim Contact", organization="Victim Org",
                          notes="victim private note")
    outreach = log_outreach(con, other.id, contact, TODAY - dt.timedelta(days=3))
    conversation = log_conversation(con, other.id, contact, TODAY - dt.timedelta(days=2),
                                    insights=[{"category": "advice",
                                               "text": "victim private insight"}],
                                    next_steps="victim next step")
    return {"user": other.id, "contact": contact, "outreach": outreach,
            "conversation": conversation}


SECRETS = ("Victim Contact", "Victim Org", "victim private note", "victim private insight",
           "victim next step")


def everything_shown(at) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "text", "info", "error", "warning",
                                       "success", "subheader", "title", "code")
             for e in at.get(kind)]
    parts += [at.dataframe[i].value.to_csv() for i in range(len(at.dataframe))]
    parts += [str(o) for s in at.selectbox for o in s.options]
    return "\n".join(parts)


def assert_no_secret(at):
    shown = everything_shown(at)
    for secret in SECRETS:
        assert secret not in shown, secret


def test_storage_refuses_another_students_records_by_id(con, user_id, victim):
    from lib.validation import clean_contact, clean_response
    with pytest.raises(store.NotFound):
        store.update_contact(con, user_id, victim["contact"], clean_contact({"name": "Hijack"}))
    with pytest.raises(store.NotFound):
        store.delete_contact(con, user_id, victim["contact"])
    with pytest.raises(store.NotFound):
        store.record_response(con, user_id, victim["outreach"], clean_response(
            {"response_on": TODAY, "outcome": "accepted"}, sent_on=TODAY - dt.timedelta(days=3),
            today=TODAY))
    with pytest.raises(store.NotFound):
        store.set_thank_you(con, user_id, victim["conversation"], TODAY)
    with pytest.raises(store.NotFound):
        store.delete_conversation(con, user_id, victim["conversation"])
    assert queries.contact_record(con, user_id, victim["contact"]) is None
    assert queries.contact_outreach(con, user_id, victim["contact"]).empty
    assert queries.contact_conversations(con, user_id, victim["contact"]).empty
    assert queries.conversation_questions(con, user_id, victim["conversation"]) == []
    assert queries.insight_list(con, user_id, contact_id=victim["contact"]).empty
    assert queries.table_counts(con, victim["user"])["contacts"] == 1  # nothing was touched


def forged(con, user_id, key, value):
    """A session whose state claims another student's record before the page draws it."""
    at = signed_in(con, user_id)
    at.session_state[key] = value
    at.run()
    return at


def test_edited_session_state_on_the_contacts_page_shows_nothing(con, user_id, victim):
    add_contact(con, user_id, name="My Own Contact")
    at = forged(con, user_id, "open_contact", victim["contact"])
    at.switch_page("pages/contacts.py")
    at.run()
    assert_healthy(at)
    assert_no_secret(at)


def test_edited_session_state_on_the_insights_page_shows_nothing(con, user_id, victim):
    add_contact(con, user_id, name="My Own Contact")
    at = forged(con, user_id, "ins_contact", victim["contact"])
    at.switch_page("pages/insights.py")
    at.run()
    assert_healthy(at)
    assert_no_secret(at)
    assert not at.text  # no insight card


def test_query_parameters_do_not_select_another_students_records(con, user_id, victim):
    at = signed_in(con, user_id)
    at.query_params["contact"] = str(victim["contact"])
    at.query_params["user_id"] = str(victim["user"])
    at.query_params["conversation"] = str(victim["conversation"])
    at.run()
    for page in ("pages/dashboard.py", "pages/contacts.py", "pages/insights.py"):
        at.switch_page(page)
        at.run()
        assert_healthy(at)
        assert_no_secret(at)


def test_a_forged_user_id_in_session_state_is_ignored(con, user_id, victim):
    at = signed_in(con, user_id)
    at.session_state["user_id"] = victim["user"]  # identity comes from the verified session only
    at.run()
    at.switch_page("pages/insights.py")
    at.run()
    assert_no_secret(at)
    assert any("No insights yet" in i.value for i in at.info)


def test_exports_of_a_student_hold_only_their_records(con, user_id, victim):
    data_export = pytest.importorskip("lib.data_export")
    add_contact(con, user_id, name="My Own Contact")
    archive = data_export.student_zip(con, user_id) if hasattr(data_export, "student_zip") \
        else None
    if archive is None:
        pytest.skip("lib.data_export has no student_zip yet")
    blob = archive if isinstance(archive, bytes) else bytes(archive)
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        text = "\n".join(z.read(n).decode("utf-8-sig") for n in z.namelist())
    assert "My Own Contact" in text
    for secret in SECRETS:
        assert secret not in text


def test_instructor_sees_no_private_note_of_their_own_students(con, admin, victim):
    class_id = classes.create_class(con, admin.id, classes.clean_class(
        {"name": "Careers", "starts_on": TODAY - dt.timedelta(days=20),
         "ends_on": TODAY + dt.timedelta(days=20)}))
    code = classes.classes_for(con, admin.id).set_index("id").loc[class_id, "join_code"]
    classes.join_class(con, victim["user"], code)
    at = signed_in(con, admin.id)
    at.run()
    assert_healthy(at)
    assert at.title[0].value == "Class dashboard"
    assert_no_secret(at)


def test_instructor_cannot_open_another_instructors_class(con, admin, victim):
    class_id = classes.create_class(con, admin.id, classes.clean_class(
        {"name": "Not yours", "starts_on": TODAY - dt.timedelta(days=20),
         "ends_on": TODAY + dt.timedelta(days=20)}))
    other = make_account(con, "teacher2@test.example", "teacher-pass-2", "Second Teacher")
    accounts.set_role(con, admin.id, other.id, "instructor")
    at = signed_in(con, other.id)
    at.run()
    at.session_state["cd_class"] = class_id
    at.run()
    assert_healthy(at)
    assert "Not yours" not in everything_shown(at)
    assert not at.metric
    from lib import class_queries
    with pytest.raises(LookupError):
        class_queries.class_kpis(con, other.id, class_id, None, TODAY, TODAY)
    with pytest.raises(LookupError):
        class_queries.shared_insights(con, other.id, class_id, None, TODAY)
