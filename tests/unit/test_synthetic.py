"""lib.synthetic at class scale: the generated semester obeys the app's rules and is
reproducible."""

from __future__ import annotations

import pytest

from lib import accounts, auth, db, metrics, queries, synthetic, vocab
from tests.unit.conftest import TODAY


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """One class-scale database for the read-only checks (generating takes about a second)."""
    path = tmp_path_factory.mktemp("synthetic") / "class.duckdb"
    con = db.connect(path)
    counts = synthetic.generate(con, "class", today=TODAY)
    yield con, counts
    con.close()


def rows(con, sql, params=None):
    with db.reading(con) as cur:
        return cur.execute(sql, params or []).fetchall()


def one(con, sql, params=None):
    return rows(con, sql, params)[0][0]


def test_counts_match_the_class_scale(generated):
    con, counts = generated
    assert counts["users"] == 1 + 1 + 30  # administrator, instructor, students
    assert one(con, "SELECT count(*) FROM users WHERE role = 'student'") == 30
    assert one(con, "SELECT count(*) FROM classes") == 1
    assert one(con, "SELECT count(*) FROM enrolments WHERE removed_at IS NULL") == 30
    for table in ("contacts", "outreach", "conversations", "conversation_questions", "insights"):
        assert one(con, f"SELECT count(*) FROM {table}") == counts[table] > 0
    # roughly the university's shape per student: ~20 messages, ~6 conversations, ~20 insights
    assert 12 <= counts["outreach"] / 30 <= 28
    assert 3 <= counts["conversations"] / 30 <= 9


def test_references_and_constraints_hold(generated):
    con, _ = generated
    assert db.integrity_problems(con) == {}
    assert one(con, "SELECT count(*) FROM outreach WHERE response_on < sent_on") == 0
    assert one(con, "SELECT count(*) FROM outreach"
                    " WHERE (outcome = 'pending') <> (response_on IS NULL)") == 0
    assert one(con, "SELECT count(*) FROM conversations WHERE thank_you_on < held_on") == 0
    assert one(con, "SELECT count(*) FROM conversations"
                    " WHERE clarity_before NOT BETWEEN 1 AND 5"
                    " OR clarity_after NOT BETWEEN 1 AND 5") == 0
    # every record belongs to its contact's student
    assert one(con, "SELECT count(*) FROM outreach o JOIN contacts c ON c.id = o.contact_id"
                    " WHERE c.user_id <> o.user_id") == 0
    assert one(con, "SELECT count(*) FROM insights i JOIN conversations v"
                    " ON v.id = i.conversation_id WHERE v.user_id <> i.user_id") == 0


def test_nothing_happens_after_today(generated):
    con, _ = generated
    latest = rows(con, "SELECT max(sent_on), max(response_on) FROM outreach")[0] \
        + rows(con, "SELECT max(held_on), max(thank_you_on) FROM conversations")[0] \
        + rows(con, "SELECT max(created_on) FROM contacts")[0]
    assert max(latest) <= TODAY


def test_attempts_are_numbered_one_to_n_by_date(generated):
    con, _ = generated
    assert one(con, """
        SELECT count(*) FROM (
            SELECT attempt, row_number() OVER (PARTITION BY contact_id ORDER BY sent_on, id) AS n
            FROM outreach) WHERE attempt <> n""") == 0
    assert {r[0] for r in rows(con, "SELECT DISTINCT attempt FROM outreach")} >= {1, 2}


def test_response_rate_is_realistic_and_depends_on_the_channel(generated):
    con, _ = generated
    per_contact = """
        SELECT contact_id, arg_min(channel, attempt) AS channel,
               bool_or(response_on IS NOT NULL) AS answered
        FROM outreach GROUP BY contact_id"""
    rate = one(con, f"SELECT avg(answered::INTEGER) FROM ({per_contact})")
    assert 0.30 <= rate <= 0.40
    by_channel = dict(rows(con, f"SELECT channel, avg(answered::INTEGER) FROM ({per_contact})"
                                " GROUP BY channel"))
    assert by_channel["linkedin"] < by_channel["email"] < by_channel["referral_intro"]


def test_conversations_follow_a_yes_and_referrals_come_from_them(generated):
    con, _ = generated
    assert one(con, """
        SELECT count(*) FROM conversations v
        WHERE NOT EXISTS (SELECT 1 FROM outreach o WHERE o.contact_id = v.contact_id
                          AND o.outcome = 'accepted' AND o.response_on <= v.held_on)""") == 0
    assert one(con, """
        SELECT count(*) FROM contacts r JOIN conversations v
            ON v.id = r.referred_in_conversation_id
        WHERE v.contact_id <> r.referred_by_contact_id OR r.created_on <> v.held_on
           OR r.how_found <> 'referral'""") == 0
    assert one(con, "SELECT count(*) FROM contacts WHERE referred_in_conversation_id"
                    " IS NOT NULL") > 0


def test_every_tiara_category_and_every_stage_occurs(generated):
    con, _ = generated
    assert {r[0] for r in rows(con, "SELECT DISTINCT category FROM insights")} == set(vocab.TIARA)
    positions = rows(con, "SELECT conversation_id, list(position ORDER BY position)"
                          " FROM insights GROUP BY 1")
    assert all(p == list(range(len(p))) for _, p in positions)
    stages, columns = set(), set()
    for (student,) in rows(con, "SELECT id FROM users WHERE role = 'student'"):
        pipeline = queries.contact_pipeline(con, student)
        columns |= set(pipeline.columns)
        stages |= set(metrics.with_stages(pipeline, TODAY)["stage"])
    expected = set(vocab.STAGES)
    if "scheduled" not in columns:  # the pipeline does not count scheduled conversations
        expected.discard("scheduled")
    assert stages == expected


def test_some_yeses_have_a_conversation_scheduled_ahead(generated):
    con, _ = generated
    upcoming = rows(con, """
        SELECT s.starts_at, o.response_on FROM scheduled_conversations s
        JOIN outreach o ON o.contact_id = s.contact_id AND o.outcome = 'accepted'
        WHERE s.conversation_id IS NULL AND s.cancelled_at IS NULL""")
    assert upcoming and all(start.date() > TODAY >= answered for start, answered in upcoming)
    assert one(con, "SELECT count(*) FROM scheduled_conversations s JOIN conversations v"
                    " ON v.contact_id = s.contact_id") == 0  # not held yet
    assert one(con, "SELECT count(*) FROM prep_questions") > 0


def test_texts_come_from_the_demo_pools(generated):
    from lib import demo

    con, _ = generated
    generic = {t for texts in demo.GENERIC_INSIGHTS.values() for t in texts}
    specific = {t for p in demo.INDUSTRIES.values() for texts in p.insights.values() for t in texts}
    assert {r[0] for r in rows(con, "SELECT DISTINCT text FROM insights")} <= generic | specific
    industries = {r[0] for r in rows(con, "SELECT DISTINCT industry FROM contacts")}
    assert industries <= set(vocab.INDUSTRIES)
    assert {r[0] for r in rows(con, "SELECT DISTINCT channel FROM outreach")} <= set(vocab.CHANNELS)


def test_synthetic_accounts_sign_in_with_the_shared_password(generated):
    con, _ = generated
    assert auth.verify_password(synthetic.SYNTHETIC_PASSWORD_HASH, synthetic.SYNTHETIC_PASSWORD)
    assert not auth.needs_rehash(synthetic.SYNTHETIC_PASSWORD_HASH)
    student = accounts.authenticate(con, f"student1@{synthetic.SYNTHETIC_DOMAIN}",
                                    synthetic.SYNTHETIC_PASSWORD)
    assert student.role == "student"
    teacher = accounts.account_by_email(con, f"instructor1@{synthetic.SYNTHETIC_DOMAIN}")
    assert teacher.role == "instructor"


def test_generation_leaves_no_scratch_database_and_refuses_a_second_run(generated):
    con, _ = generated
    assert [r[0] for r in rows(con, "SELECT database_name FROM duckdb_databases()"
                                    " WHERE NOT internal")] == [one(con, "SELECT current_database()")]
    assert synthetic.generated(con)["scale"] == "class"
    with pytest.raises(ValueError):
        synthetic.generate(con, "class", today=TODAY)


def _dump(con) -> dict:
    return {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in synthetic._TABLES}


def test_the_same_seed_gives_the_same_data(tmp_path):
    dumps = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        con = db.connect(tmp_path / f"{name}.duckdb")
        try:
            synthetic.generate(con, "class", today=TODAY, seed=seed)
            dumps.append(_dump(con))
        finally:
            con.close()
    assert dumps[0] == dumps[1]
    assert dumps[0]["outreach"] != dumps[2]["outreach"]


def test_ids_continue_after_existing_records(con, user):
    """Generated into a database that already has records: ids come from the app's sequences,
    so the app's next insert does not collide."""
    from tests.unit.conftest import Builder

    Builder(con, user).contact("Before")
    synthetic.generate(con, "class", today=TODAY)
    after = Builder(con, user).contact("After")
    assert after == one(con, "SELECT max(id) FROM contacts")
    assert db.integrity_problems(con) == {}
