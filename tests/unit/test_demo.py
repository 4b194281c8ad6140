"""lib.demo: a believable sample semester, stored through validation and the store, once."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from lib import (accounts, class_queries, classes, coaching, db, demo, metrics, queries, store,
                 vocab)
from lib.queries import Filters
from tests.unit.conftest import TODAY, add_user, rows

SEMESTER_START = TODAY - dt.timedelta(days=demo.SEMESTER_DAYS - 1)


def _fresh(path) -> tuple[duckdb.DuckDBPyConnection, int]:
    con = db.connect(path)
    return con, store.ensure_local_profile(con)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One database with the demo loaded for the local profile (read-only use)."""
    con, user_id = _fresh(tmp_path_factory.mktemp("demo") / "t.duckdb")
    counts = demo.load_demo(con, user_id, today=TODAY)
    yield con, user_id, counts
    con.close()


@pytest.fixture(scope="module")
def pipeline(loaded):
    con, user_id, _ = loaded
    return queries.contact_pipeline(con, user_id)


def _snapshot(con, user_id: int) -> dict[str, pd.DataFrame]:
    """Everything the app shows of one user's records."""
    conversations = queries.conversation_log(con, user_id, Filters())
    questions = pd.DataFrame(
        [(cid, i, q) for cid in conversations["id"]
         for i, q in enumerate(queries.conversation_questions(con, user_id, int(cid)))],
        columns=["conversation_id", "position", "text"])
    return {
        "pipeline": queries.contact_pipeline(con, user_id),
        "outreach": queries.outreach_log(con, user_id, Filters()),
        "conversations": conversations,
        "insights": queries.insight_list(con, user_id),
        "questions": questions,
    }


# --- amounts and variety ---------------------------------------------------------------------

def test_counts_are_in_the_stated_ranges_and_match_the_database(loaded):
    con, user_id, counts = loaded
    assert counts == queries.table_counts(con, user_id)
    assert 38 <= counts["contacts"] <= 48
    assert 50 <= counts["outreach"] <= 70
    assert 12 <= counts["conversations"] <= 18
    assert 2 * counts["conversations"] <= counts["insights"] <= 5 * counts["conversations"]


def test_contacts_are_varied_and_believable(pipeline):
    assert pipeline["industry"].nunique() >= 8
    assert set(pipeline["industry"]) <= set(vocab.INDUSTRIES)
    assert pipeline["name"].is_unique
    assert set(pipeline["priority"]) == set(vocab.PRIORITIES)
    assert pipeline["how_found"].nunique() >= 5
    assert pipeline["organization"].nunique() >= 20
    emails = pipeline["email"].dropna()
    assert len(emails) >= 10
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.org", e) for e in emails)
    profiles = pipeline["profile_url"].dropna()
    assert len(profiles) >= 10
    assert all(p.startswith("https://www.linkedin.com/in/") for p in profiles)
    identified = pipeline[(pipeline["attempts"] == 0) & (pipeline["conversations"] == 0)]
    assert 1 <= len(identified) <= 6  # some contacts are only identified
    assert (pipeline["attempts"] >= 1).sum() >= 0.85 * (len(pipeline) - len(identified))


def test_other_industry_carries_its_description(loaded):
    con, user_id, _ = loaded
    other = rows(con, "SELECT industry_other FROM contacts WHERE user_id = ? AND industry = ?",
                 [user_id, vocab.OTHER_INDUSTRY])
    assert other and all(r[0] for r in other)


def test_insights_cover_every_tiara_category_with_varied_texts(loaded):
    con, user_id, counts = loaded
    insights = queries.insight_list(con, user_id)
    assert set(insights["category"]) == set(vocab.TIARA)
    assert insights["text"].nunique() == len(insights) == counts["insights"]
    per_conversation = insights.groupby("conversation_id").size()
    assert per_conversation.between(2, 5).all()
    assert len(per_conversation) == counts["conversations"]
    generic = {t for texts in demo.GENERIC_INSIGHTS.values() for t in texts}
    assert len(generic) >= 40
    assert set(demo.GENERIC_INSIGHTS) == set(vocab.TIARA)
    # Industry-flavoured texts are used, not only the generic pool.
    assert (~insights["text"].isin(generic)).sum() >= 3


def test_each_conversation_has_prepared_questions(loaded):
    con, user_id, _ = loaded
    questions = _snapshot(con, user_id)["questions"]
    per_conversation = questions.groupby("conversation_id").size()
    assert len(per_conversation) == len(queries.conversation_log(con, user_id, Filters()))
    assert per_conversation.between(2, 6).all()


# --- response rates --------------------------------------------------------------------------

def test_overall_response_rate_is_plausible(pipeline):
    contacted = pipeline[pipeline["attempts"] > 0]
    responded = contacted["first_response_on"].notna()
    assert 0.30 <= responded.mean() <= 0.40
    funnel = metrics.funnel(pipeline).set_index("step")
    assert funnel.loc["Responded", "share"] == pytest.approx(responded.mean())


def test_response_rate_differs_by_channel(pipeline):
    rates = metrics.response_rates(pipeline, "first_channel")
    big = rates[rates["contacted"] >= 5].set_index("group")["rate"]
    assert len(big) >= 2
    assert big.max() - big.min() >= 0.15
    linkedin = vocab.CHANNELS["linkedin"]
    assert big[linkedin] == big.min()  # cold LinkedIn messages are answered least


def test_a_few_declines(loaded):
    con, user_id, _ = loaded
    declined = rows(con, "SELECT count(*) FROM outreach WHERE user_id = ? AND outcome = 'declined'",
                    [user_id])[0][0]
    assert 1 <= declined <= 4


# --- the timeline ----------------------------------------------------------------------------

DATE_COLUMNS = [
    ("contacts", "created_on"), ("outreach", "sent_on"), ("outreach", "response_on"),
    ("conversations", "held_on"), ("conversations", "thank_you_on"),
]


@pytest.mark.parametrize("table,column", DATE_COLUMNS)
def test_nothing_is_dated_outside_the_semester(loaded, table, column):
    con, user_id, _ = loaded
    first, last = rows(con, f"SELECT min({column}), max({column}) FROM {table} WHERE user_id = ?",
                       [user_id])[0]
    assert last is not None and last <= TODAY
    assert first >= SEMESTER_START


def test_responses_follow_their_message_within_ten_days(loaded):
    con, user_id, _ = loaded
    gaps = rows(con, "SELECT response_on - sent_on FROM outreach"
                     " WHERE user_id = ? AND response_on IS NOT NULL", [user_id])
    assert gaps and all(0 <= g[0] <= 10 for g in gaps)


def test_follow_ups_come_about_a_week_later(loaded):
    con, user_id, _ = loaded
    gaps = rows(con, """
        SELECT o2.sent_on - o1.sent_on FROM outreach o1 JOIN outreach o2
          ON o2.contact_id = o1.contact_id AND o2.attempt = o1.attempt + 1
        WHERE o1.user_id = ?""", [user_id])
    assert len(gaps) >= 10
    assert all(6 <= g[0] <= 8 for g in gaps)


def test_contacts_exist_before_anything_happens_with_them(pipeline):
    started = pipeline.dropna(subset=["first_sent_on"])
    assert (pd.to_datetime(started["created_on"]) <= pd.to_datetime(started["first_sent_on"])).all()


def test_conversations_follow_an_accepted_answer(loaded):
    con, user_id, _ = loaded
    held = rows(con, """
        SELECT v.id, v.held_on, v.thank_you_on,
               (SELECT max(o.response_on) FROM outreach o
                WHERE o.contact_id = v.contact_id AND o.outcome = 'accepted') AS accepted_on
        FROM conversations v WHERE v.user_id = ?""", [user_id])
    for _, held_on, thank_you_on, accepted_on in held:
        assert accepted_on is not None and accepted_on <= held_on
        assert thank_you_on is None or thank_you_on >= held_on


# --- conversations ---------------------------------------------------------------------------

def test_conversation_details_are_plausible(loaded):
    con, user_id, _ = loaded
    log = queries.conversation_log(con, user_id, Filters())
    assert log["duration_min"].between(15, 45).all()
    assert log["clarity_before"].between(1, 5).all() and log["clarity_after"].between(1, 5).all()
    assert log["clarity_after"].mean() > log["clarity_before"].mean()
    assert 0.3 <= log["share_insights"].mean() <= 0.7
    texts = rows(con, "SELECT reflection, next_steps FROM conversations WHERE user_id = ?",
                 [user_id])
    reflections = sum(r[0] is not None for r in texts)
    assert 0 < reflections < len(texts)
    assert sum(r[1] is not None for r in texts) >= len(texts) / 2


def test_thank_you_notes_mostly_prompt(loaded):
    con, user_id, _ = loaded
    log = queries.conversation_log(con, user_id, Filters())
    gap = (pd.to_datetime(log["thank_you_on"]) - pd.to_datetime(log["held_on"])).dt.days
    assert 1 <= gap.isna().sum() <= 2  # one or two never sent
    assert 1 <= (gap > 1).sum() <= 3  # a couple late
    assert (gap <= 1).sum() >= 0.6 * len(log)  # most on the same or the next day


def test_referrals_become_contacts(loaded, pipeline):
    con, user_id, _ = loaded
    referred = pipeline[pipeline["referred_by_contact_id"].notna()]
    assert 3 <= len(referred) <= 5
    assert (referred["how_found"] == "referral").all()
    links = rows(con, """
        SELECT r.created_on, v.held_on, r.industry = c.industry
        FROM contacts r JOIN conversations v ON v.id = r.referred_in_conversation_id
        JOIN contacts c ON c.id = v.contact_id WHERE r.user_id = ?""", [user_id])
    assert len(links) == len(referred)
    assert all(created == held and same_industry for created, held, same_industry in links)
    # The student writes to the people they were referred to, with the introduction.
    assert (referred["first_channel"] == "referral_intro").sum() >= len(referred) - 1


# --- determinism and reloading ---------------------------------------------------------------

def test_the_semester_opens_on_a_short_list_of_recent_reminders(loaded):
    """A student who kept up has dealt with last month's reminders: what is left is this week's
    work and the two thank-yous the semester never sent — not thirty overdue items."""
    con, user_id, _ = loaded
    actions = coaching.student_next_actions(con, user_id, today=TODAY)
    assert 4 <= len(actions) <= 12
    week_ago = TODAY - dt.timedelta(days=demo.SETTLED_AFTER_DAYS)
    old = [a for a in actions if a.due_on < week_ago]
    assert old and {a.kind for a in old} == {"thank_you"}
    assert {"follow_up", "move_on", "next_contact"} & {a.kind for a in actions}


def test_same_seed_and_day_give_identical_data(tmp_path):
    snapshots = []
    for name in ("a.duckdb", "b.duckdb"):
        con, user_id = _fresh(tmp_path / name)
        demo.load_demo(con, user_id, today=TODAY, seed=7)
        snapshots.append(_snapshot(con, user_id))
        con.close()
    first, second = snapshots
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key], obj=key)


def test_another_seed_gives_another_semester():
    one = demo.plan_semester(TODAY, seed=1)
    two = demo.plan_semester(TODAY, seed=2)
    assert [p.name for p in one] != [p.name for p in two]


def test_second_load_adds_nothing_and_keeps_the_students_changes(tmp_path):
    con, user_id = _fresh(tmp_path / "t.duckdb")
    first = demo.load_demo(con, user_id, today=TODAY)
    answered = rows(con, "SELECT id FROM outreach WHERE user_id = ? AND outcome <> 'pending'"
                         " ORDER BY id LIMIT 1", [user_id])[0][0]
    store.clear_response(con, user_id, answered)  # the student edits the sample
    before = queries.table_counts(con, user_id)
    again = demo.load_demo(con, user_id, today=TODAY)
    assert again == first
    assert queries.table_counts(con, user_id) == before
    assert rows(con, "SELECT outcome FROM outreach WHERE id = ?", [answered])[0][0] == "pending"
    con.close()


def test_reload_after_deleting_every_demo_contact_brings_it_back(tmp_path):
    con, user_id = _fresh(tmp_path / "t.duckdb")
    counts = demo.load_demo(con, user_id, today=TODAY)
    for contact_id in queries.contact_pipeline(con, user_id)["id"]:
        store.delete_contact(con, user_id, int(contact_id))
    assert not queries.has_records(con, user_id)
    assert demo.load_demo(con, user_id, today=TODAY) == counts
    assert queries.table_counts(con, user_id) == counts
    con.close()


def test_each_user_gets_their_own_sample(tmp_path):
    con, user_id = _fresh(tmp_path / "t.duckdb")
    other = add_user(con)
    mine = demo.load_demo(con, user_id, today=TODAY)
    theirs = demo.load_demo(con, other, today=TODAY)
    assert mine == theirs == queries.table_counts(con, other) == queries.table_counts(con, user_id)
    con.close()


def test_unknown_user_is_refused_before_writing(tmp_path):
    con, user_id = _fresh(tmp_path / "t.duckdb")
    with pytest.raises(ValueError, match="No user"):
        demo.load_demo(con, user_id + 99, today=TODAY)
    assert rows(con, "SELECT count(*) FROM contacts")[0][0] == 0
    con.close()


@pytest.mark.parametrize("today", [dt.date(2026, 1, 1), dt.date(2028, 2, 29),
                                   dt.date(2026, 9, 14), dt.date(2030, 12, 31)])
@pytest.mark.parametrize("seed", [0, 1, 2026, 99991])
def test_every_plan_validates_and_keeps_its_shape(today, seed):
    """The plan goes through the same validation as the forms (a ValidationError would fail
    here) for any day and seed, and keeps its rates and dates."""
    people = demo.plan_semester(today, seed)
    reached = [p for p in people if p.messages]
    rate = sum(p.outcome is not None for p in reached) / len(reached)
    assert 0.30 <= rate <= 0.40
    dates = [m.outreach.sent_on for p in people for m in p.messages]
    dates += [m.response.response_on for p in people for m in p.messages if m.response]
    dates += [p.conversation.held_on for p in people if p.conversation]
    assert max(dates) <= today
    assert min(dates) >= today - dt.timedelta(days=demo.SEMESTER_DAYS - 1)


# --- python -m lib.demo ----------------------------------------------------------------------

def _run_cli(db_path) -> subprocess.CompletedProcess:
    env = {**os.environ, db.DB_ENV: str(db_path)}
    return subprocess.run([sys.executable, "-m", "lib.demo"], cwd=db.PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_line_loads_the_class_demo_once_and_prints_the_sign_ins(tmp_path):
    path = tmp_path / "cli.duckdb"
    first = _run_cli(path)
    assert first.returncode == 0, first.stderr
    assert "2 classes, 60 students" in first.stdout
    assert f"{demo.DEMO_INSTRUCTOR[1]}" in first.stdout
    assert f"password: {demo.INSTRUCTOR_PASSWORD}" in first.stdout
    assert f"password: {demo.STUDENT_PASSWORD}" in first.stdout
    second = _run_cli(path)
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    con = db.connect(path)
    try:
        assert accounts.authenticate(con, demo.DEMO_INSTRUCTOR[1], demo.INSTRUCTOR_PASSWORD)
        teacher = accounts.account_by_email(con, demo.DEMO_INSTRUCTOR[1])
        assert sorted(classes.classes_for(con, teacher.id)["students"]) == [25, 35]
    finally:
        con.close()


def test_class_demo_has_a_realistic_spread(tmp_path):
    con = db.connect(tmp_path / "spread.duckdb")
    try:
        demo.load_class_demo(con, today=TODAY)
        teacher = accounts.account_by_email(con, demo.DEMO_INSTRUCTOR[1])
        assert teacher.role == "admin"  # the first account of a fresh database
        for class_id in classes.classes_for(con, teacher.id)["id"]:
            table = class_queries.progress_table(con, teacher.id, int(class_id), None, TODAY,
                                                 TODAY)
            assert table["conversations"].max() >= 10  # some far ahead
            assert (table["outreach"] <= 6).any()  # some barely started or stopped
            assert table["behind"].any() and not table["behind"].all()
            explored = class_queries.industries_explored(con, teacher.id, int(class_id), None,
                                                         TODAY)
            assert len(explored) >= 8
        logins = demo.demo_logins(con)
        assert set(logins["role"]) >= {"instructor", "student (ahead)", "student (inactive)"}
        for row in logins.itertuples():
            assert accounts.authenticate(con, row.email, row.password).email == row.email
        assert db.integrity_problems(con) == {}
        assert demo.load_class_demo(con, today=TODAY) == {"students": 0, "classes": 0}
    finally:
        con.close()


def test_command_line_explains_a_locked_database(tmp_path):
    path = tmp_path / "locked.duckdb"
    holder = duckdb.connect(str(path))  # this test process now holds the file's lock
    try:
        result = _run_cli(path)
    finally:
        holder.close()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "in use by another program" in result.stderr
    assert "try again" in result.stderr
    assert result.stdout == ""
