"""The instructor's pages: classes, the class dashboard (aggregates only), comparison."""

import datetime as dt

import pytest

from lib import accounts, classes
from tests.app.conftest import (add_contact, assert_healthy, charts_drawn, log_conversation,
                                log_outreach, make_account, respond, signed_in, unescaped)

TODAY = dt.date.today()


def ago(days):
    return TODAY - dt.timedelta(days=days)


def click(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert_healthy(at)


@pytest.fixture
def teacher(con, admin):
    return admin  # the first account: admin and instructor


@pytest.fixture
def course(con, teacher):
    class_id = classes.create_class(con, teacher.id, classes.clean_class({
        "name": "Careers 101", "term": "Fall", "starts_on": ago(30),
        "ends_on": TODAY + dt.timedelta(days=30), "conversations_goal": 4}))
    return class_id


@pytest.fixture
def enrolled(con, teacher, course):
    """Six students in the class; one shares an insight, one keeps one private."""
    code = classes.classes_for(con, teacher.id).set_index("id").loc[course, "join_code"]
    students = []
    for i in range(6):
        s = make_account(con, f"s{i}@test.example", "student-pass-1", f"Student {i}")
        classes.join_class(con, s.id, code)
        students.append(s.id)
    first = add_contact(con, students[0], name="Secret Person", organization="Hidden Org",
                        industry="Technology", notes="private note text")
    out = log_outreach(con, students[0], first, ago(10))
    respond(con, students[0], out, ago(10), ago(8))
    log_conversation(con, students[0], first, ago(5), thank_you_on=ago(5),
                     share_insights=True, insights=[{"category": "trend",
                                                     "text": "Shared trend text"}],
                     next_steps="private next step")
    second = add_contact(con, students[1], name="Other Secret", industry="Technology")
    log_conversation(con, students[1], second, ago(4), share_insights=False,
                     insights=[{"category": "advice", "text": "Private advice text"}])
    return students


def open_every_expander(at):
    """Open each expander (their tables are drawn only once opened, on the rerun)."""
    keys = [e.proto.id.split("-", 2)[2] for e in at.expander if e.proto.id.startswith("$$ID-")]
    for key in keys:
        at.session_state[key] = True
    at.run()
    assert_healthy(at)
    return keys


def dashboard(con, teacher, *, opened=True):
    at = signed_in(con, teacher.id)
    at.run()
    assert_healthy(at)
    assert at.title[0].value == "Class dashboard"
    if opened:
        open_every_expander(at)
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def page_text(at) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "text", "info", "error",
                                       "warning", "success", "subheader", "title")
             for e in at.get(kind)]
    parts += [at.dataframe[i].value.to_csv() for i in range(len(at.dataframe))]
    parts += [chart["svg"] for chart in charts_drawn(at)]  # what the chart images say
    return "\n".join(parts)


def test_create_class_shows_a_join_code(con, teacher):
    at = signed_in(con, teacher.id)
    at.run()
    at.switch_page("pages/classes.py")
    at.run()
    assert_healthy(at)
    at.text_input(key="new_class_name").input("Careers 101")
    at.text_input(key="new_class_term").input("Spring 2027")
    click(at, "Create class")
    made = classes.classes_for(con, teacher.id)
    assert list(made["name"]) == ["Careers 101"]
    code = made["join_code"].iloc[0]
    assert len(code) == 8
    assert any(m.value == code for m in at.metric)
    click(at, "New code")
    assert classes.classes_for(con, teacher.id)["join_code"].iloc[0] != code


def test_bad_class_form_says_what_to_fix(con, teacher):
    at = signed_in(con, teacher.id)
    at.run()
    at.switch_page("pages/classes.py")
    at.run()
    at.date_input(key="new_class_ends").set_value(ago(400))
    click(at, "Create class")
    assert "Class name" in unescaped(at.error) or "name" in unescaped(at.error).lower()
    assert classes.classes_for(con, teacher.id).empty


def test_class_dashboard_shows_aggregates_and_only_shared_insights(con, teacher, course,
                                                                    enrolled):
    at = dashboard(con, teacher)
    assert metric(at, "Students") == "6"
    assert metric(at, "Conversations") == "2"
    assert metric(at, "Outreach sent") == "1"
    assert len(charts_drawn(at)) >= 5
    text = page_text(at)
    shared = [at.dataframe[i].value for i in range(len(at.dataframe))]
    all_cells = "\n".join(frame.to_csv() for frame in shared)
    assert "Shared trend text" in all_cells
    assert "A student" in all_cells
    for secret in ("Private advice text", "Secret Person", "Other Secret", "Hidden Org",
                   "private note text", "private next step"):
        assert secret not in all_cells and secret not in text, secret


def test_progress_table_and_behind_filter(con, teacher, course, enrolled):
    at = dashboard(con, teacher)
    progress = next(at.dataframe[i].value for i in range(len(at.dataframe))
                    if "pace" in at.dataframe[i].value.columns)
    assert len(progress) == 6
    assert set(progress["student"]) == {f"Student {i}" for i in range(6)}
    assert progress["behind"].sum() >= 4  # four students have done nothing
    assert any(b.label == "Download progress (CSV)" for b in at.get("download_button"))


def test_date_range_narrows_the_class_figures(con, teacher, course, enrolled):
    at = dashboard(con, teacher, opened=False)
    assert metric(at, "Conversations") == "2" and metric(at, "Outreach sent") == "1"
    at.date_input(key=f"cd_range_{course}").set_value((ago(4), TODAY))
    at.run()
    assert_healthy(at)
    # Held 5 and 4 days ago, the message sent 10 days ago: only the last conversation is left.
    assert metric(at, "Conversations") == "1"
    assert metric(at, "Outreach sent") == "0"
    # Only the start picked so far: from it through today, as on the student's dashboard —
    # not the whole term.
    at.date_input(key=f"cd_range_{course}").set_value((ago(4),))
    at.run()
    assert_healthy(at)
    assert metric(at, "Conversations") == "1"


def test_industry_with_fewer_than_five_students_is_suppressed(con, teacher, course, enrolled):
    at = dashboard(con, teacher)
    industries = next(at.dataframe[i].value for i in range(len(at.dataframe))
                      if "industry" in at.dataframe[i].value.columns
                      and "suppressed" in at.dataframe[i].value.columns)
    technology = industries[industries["industry"] == "Technology"].iloc[0]
    assert technology["suppressed"]
    assert technology["label"] == "fewer than 5 students"


def test_another_instructors_class_is_not_reachable(con, teacher, course, enrolled):
    other = make_account(con, "other@test.example", "other-pass-12", "Other Teacher")
    accounts.set_role(con, teacher.id, other.id, "instructor")
    at = signed_in(con, other.id)
    at.run()
    assert_healthy(at)
    assert "no active class" in page_text(at)
    # Edited session state: pick the class id that is not theirs.
    at.session_state["cd_class"] = course
    at.run()
    assert not at.metric and not at.dataframe
    for fn in (lambda: classes.roster(con, other.id, course),
               lambda: classes.regenerate_join_code(con, other.id, course)):
        with pytest.raises(LookupError):
            fn()


def test_compare_classes(con, teacher, course, enrolled):
    classes.create_class(con, teacher.id, classes.clean_class({
        "name": "Careers 202", "starts_on": ago(20), "ends_on": TODAY}))
    at = signed_in(con, teacher.id)
    at.run()
    at.switch_page("pages/compare_classes.py")
    at.run()
    assert_healthy(at)
    table = at.dataframe[0].value
    assert set(table["name"]) == {"Careers 101", "Careers 202"}


# --- the class dashboard's cache (lib.dashboard.class_dashboard) ------------------------------

def class_figures(con, viewer_id, class_id):
    from lib import dashboard
    return dashboard.class_dashboard(con, viewer_id, class_id, ago(30), TODAY, TODAY)


def test_cached_class_figures_are_never_served_to_a_viewer_who_lost_access(con, teacher):
    """The access check runs on every call, before the cache: a viewer whose figures are
    cached gets nothing once their account is disabled or they are no longer an instructor."""
    other = make_account(con, "other@test.example", "other-pass-12", "Other Teacher")
    accounts.set_role(con, teacher.id, other.id, "instructor")
    theirs = classes.create_class(con, other.id, classes.clean_class({
        "name": "Their class", "starts_on": ago(30), "ends_on": TODAY}))
    assert class_figures(con, other.id, theirs).kpis["students"] == 0  # now cached
    accounts.set_role(con, teacher.id, other.id, "student")
    with pytest.raises(LookupError):
        class_figures(con, other.id, theirs)
    accounts.set_role(con, teacher.id, other.id, "instructor")
    assert class_figures(con, other.id, theirs).kpis["students"] == 0
    accounts.set_disabled(con, teacher.id, other.id, True)
    with pytest.raises(LookupError):
        class_figures(con, other.id, theirs)
    # Another instructor never gets the cached copy of a class that is not theirs.
    third = make_account(con, "third@test.example", "third-pass-123", "Third Teacher")
    accounts.set_role(con, teacher.id, third.id, "instructor")
    with pytest.raises(LookupError):
        class_figures(con, third.id, theirs)


def test_class_figures_follow_enrolments_and_settings_at_once(con, teacher, course, enrolled):
    first = class_figures(con, teacher.id, course)
    assert first.kpis["students"] == 6
    assert len(first.progress) == 6
    code = classes.classes_for(con, teacher.id).set_index("id").loc[course, "join_code"]
    late = make_account(con, "late@test.example", "student-pass-1", "Late Student")
    classes.join_class(con, late.id, code)
    assert class_figures(con, teacher.id, course).kpis["students"] == 7
    classes.remove_student(con, teacher.id, course, late.id)
    assert class_figures(con, teacher.id, course).kpis["students"] == 6
    record = classes.class_record(con, teacher.id, course)
    classes.update_class(con, teacher.id, course, classes.clean_class({
        **record, "conversations_goal": 9}))
    assert class_figures(con, teacher.id, course).kpis["conversations_goal"] == 9


def test_students_records_show_after_the_cache_expires_or_is_cleared(con, teacher, course,
                                                                     enrolled):
    """Documented staleness: a student's new conversation shows within CLASS_CACHE_TTL_S
    seconds (the cache key does not hold the students' records), or at once once cleared."""
    from lib import dashboard

    assert class_figures(con, teacher.id, course).kpis["conversations_held"] == 2
    contact = add_contact(con, enrolled[2], name="New Person", industry="Law")
    log_conversation(con, enrolled[2], contact, ago(1))
    assert class_figures(con, teacher.id, course).kpis["conversations_held"] == 2  # cached
    dashboard.forget_class_figures()
    assert class_figures(con, teacher.id, course).kpis["conversations_held"] == 3
    assert 0 < dashboard.CLASS_CACHE_TTL_S <= 120


def test_class_dashboard_charts_keep_their_descriptions_and_tables(con, teacher, course,
                                                                   enrolled):
    at = dashboard(con, teacher, opened=False)
    drawn = charts_drawn(at)
    assert len(drawn) >= 5
    for chart in drawn:
        assert chart["alt"] and chart["alt"] in page_text(at)  # alt text = shown description
        assert "<svg" in chart["svg"]
    at.run()  # a second run is served from the cache: the same charts
    assert len(charts_drawn(at)) == len(drawn)
    # Each chart's table alternative: drawn once its "Show data" is opened.
    shown = [e for e in at.expander if e.label == "Show data"]
    assert len(shown) == len(drawn)
    tables_before = len(at.dataframe)
    assert tables_before == 1  # the progress table only
    keys = open_every_expander(at)
    charts_keys = {f"cd_{name}_data" for name in ("weekly", "distribution", "industries",
                                                  "rates_industry", "rates_channel", "clarity")}
    assert len(charts_keys & set(keys)) == len(drawn)
    assert len(at.dataframe) == tables_before + len(drawn) + 1  # + the shared insights
