"""Synthetic data at the size of a class, a department or a university, generated in DuckDB SQL.

`generate(con, "university", today=…)` adds an administrator, instructors (five classes each),
classes with join codes, enrolled students and their semester — contacts, outreach with answers,
conversations with their questions and TIARA insights, conversations scheduled ahead with
prepared questions — with `INSERT … SELECT` over `range()`: no Python loop over rows.
Randomness is `hash(seed, tag, key)`, so the same seed, `today` and DuckDB version give the same
rows.

The semester follows lib.demo's plan and uses its vocabularies and text pools: contacts found the
demo's ways and first written to on the demo's channels, answers more likely on some channels
than others (≈35 % of the contacts written to answer), a follow-up about a week after an
unanswered message, a conversation a few days after a yes (booked ahead when that day is still to
come) and sometimes a second one weeks later, thank-you notes mostly within a day, people named
in conversations who become contacts (referrals), and students who are ahead, on track, behind
or inactive in lib.demo.PROFILES' proportions. The rows of each table are stored in the order
they would have been logged (by date), so students' records interleave as in a real semester.

Every record obeys the app's rules: response_on ≥ sent_on, thank_you_on ≥ held_on, attempts
numbered 1..n per contact by date, a conversation only after a yes, nothing logged after `today`
(only scheduled conversations lie ahead), and each contact stage occurs.

The rows are planned in an in-memory database attached for the purpose (the hardened connection
allows that; it reads no file) and then stored in one transaction: all or nothing.

All synthetic accounts share one password, `SYNTHETIC_PASSWORD`. Its argon2id hash is stored
precomputed: hashing 50,000 passwords would take longer than the rest of the data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import time
import uuid
from dataclasses import dataclass
from typing import Sequence

from lib import auth, demo, vocab
from lib.db import reading, transaction

log = logging.getLogger(__name__)

DEFAULT_SEED = 2026


@dataclass(frozen=True)
class Scale:
    name: str
    students: int
    classes: int


SCALES: dict[str, Scale] = {
    "class": Scale("class", 30, 1),
    "department": Scale("department", 2_000, 60),
    "university": Scale("university", 50_000, 1_500),
}
CLASSES_PER_INSTRUCTOR = 5

SYNTHETIC_DOMAIN = "synthetic.example"
SYNTHETIC_PASSWORD = "synthetic-password"
# auth.hash_password(SYNTHETIC_PASSWORD), made once (a test checks that it still verifies).
SYNTHETIC_PASSWORD_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$unLvEqIIaLaLDQRz0LNyPg$"
                           "J+KHxmg0FLMZv1rewOC2HT0x06is0USqZWqzretegfA")
SETTING_KEY = "synthetic_data"  # app_settings: what was generated, as JSON

# --- the shape of a semester (lib.demo's where it has one) -------------------------------------

SEMESTER_DAYS = demo.SEMESTER_DAYS
FULL_CONTACTS = 26  # contacts of a student who does the whole semester ("ahead")
IDENTIFIED_SHARE = 0.07  # contacts added but not yet written to
OTHER_INDUSTRY_SHARE = 0.03
FOCUS_WEIGHTS = (4, 4, 1, 1, 1)  # a student's five industries; the first two are their focus
INDUSTRY_STEPS = (1, 5, 7, 11)  # strides through the named industries (coprime with 12)
# Chance that a contact answers, by the channel of the first message (the order of
# lib.demo.CHANNEL_WEIGHTS: a referral introduction is answered most, LinkedIn least).
ANSWER_CHANCE = {"referral_intro": 0.65, "in_person": 0.6, "phone": 0.5, "email": 0.45,
                 "linkedin": 0.22}
DECLINE_SHARE = 0.1
FOLLOW_UP_AFTER = (6, 8)  # days after an unanswered first message (lib.demo: 6–8)
FOLLOW_UP_CHANCE = 0.55
THIRD_ATTEMPT_AFTER = (7, 10)
THIRD_ATTEMPT_CHANCE = 0.15  # after an unanswered follow-up
MEET_AFTER_DAYS = (2, 10)  # the conversation this long after the yes
BOOKED_CHANCE = 0.7  # a yes whose conversation is still to come is already scheduled
PREPARED_CHANCE = 0.5  # … and researched, with questions prepared
SCHEDULE_HOURS = (9, 17)  # the hour a scheduled conversation starts
SECOND_CONVERSATION_CHANCE = 0.6  # a second conversation with the same person …
SECOND_CONVERSATION_AFTER = (10, 30)  # … this many days after the first
REFERRAL_CHANCE = 0.33  # a first conversation names someone to talk to next
INTRO_AFTER_DAYS = (1, 4)  # the student writes to the referral this long after
THANK_YOU_MISSING = 0.06
THANK_YOU_LATE = 0.10  # 3–6 days later; the rest the same or the next day
SHARE_INSIGHTS = 0.5
SHARE_NAME = 0.35  # of those who share
INSIGHTS_PER_CONVERSATION = (2, 5)  # lib.demo: 2–5
QUESTIONS_PER_CONVERSATION = (2, 6)  # lib.demo: 2–6
CLASS_NAMES = ("Career Exploration Seminar", "Professional Development Lab",
               "Career Design Studio", "Networking for Your Career", "Internship Preparation",
               "Exploring Careers in the Field")

# The tables generate() fills.
_TABLES = ("users", "credentials", "classes", "join_codes", "enrolments", "contacts", "outreach",
           "conversations", "conversation_questions", "insights", "scheduled_conversations",
           "prep_questions")

INDUSTRY_NAMES = list(demo.INDUSTRIES)  # a contact's industry is stored as its index here
_NAMED = [i for i, name in enumerate(INDUSTRY_NAMES) if name != vocab.OTHER_INDUSTRY]
_OTHER = INDUSTRY_NAMES.index(vocab.OTHER_INDUSTRY)
_HOW_FOUND = list(demo.HOW_FOUND_WEIGHTS)
_TIARA = list(vocab.TIARA)


# --- SQL text from this module's constants (never from input) ------------------------------------

def _lit(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _list(values: Sequence) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _index_by_weight(u: str, weights: Sequence[float]) -> str:
    """0-based index drawn with `weights`' probabilities from a uniform [0, 1) `u`."""
    if len(weights) == 1:
        return "0"
    total, running, cases = float(sum(weights)), 0.0, []
    for i, weight in enumerate(weights[:-1]):
        running += weight / total
        cases.append(f"WHEN {u} < {running!r} THEN {i}")
    return f"(CASE {' '.join(cases)} ELSE {len(weights) - 1} END)"


def _weighted(u: str, weights: dict[str, float]) -> str:
    """A key of `weights`, drawn with its probability."""
    return f"{_list(list(weights))}[1 + {_index_by_weight(u, list(weights.values()))}]"


class _Pool:
    """Texts in groups (e.g. per industry) as one SQL list, to pick from without a join."""

    def __init__(self, groups: Sequence[Sequence[str]]):
        self.sizes = [len(g) for g in groups]
        self.offsets = [sum(self.sizes[:i]) for i in range(len(groups))]
        self.texts = _list([t for g in groups for t in g])

    def size(self, group: str) -> str:
        return f"{_list(self.sizes)}[{group} + 1]"

    def nth(self, group: str, index: str) -> str:
        """The `index`-th (0-based) text of the 0-based `group`."""
        return f"{self.texts}[1 + {_list(self.offsets)}[{group} + 1] + ({index})]"

    def pick(self, group: str, u: str) -> str:
        return self.nth(group, f"floor({u} * {self.size(group)})::INTEGER")


def _one(texts: Sequence[str]) -> _Pool:
    return _Pool([list(texts)])


_FIRST = _one(demo.FIRST_NAMES)
_LAST = _one(demo.LAST_NAMES)
_ORGS = _Pool([p.organizations for p in demo.INDUSTRIES.values()])
_TITLES = _Pool([p.titles for p in demo.INDUSTRIES.values()])
_QUESTIONS = _Pool([demo.QUESTIONS + p.questions for p in demo.INDUSTRIES.values()])
_NOTES = _Pool([demo.NOTES[h] for h in _HOW_FOUND])
_GENERIC = _Pool([demo.GENERIC_INSIGHTS[c] for c in _TIARA])
# Per industry × category (index industry * 5 + category): the industry's own texts.
_SPECIFIC = _Pool([p.insights.get(c, ()) for p in demo.INDUSTRIES.values() for c in _TIARA])


def _question_step() -> int:
    """A stride through each industry's question pool that never repeats within a conversation
    (coprime with every pool size)."""
    return next(step for step in range(7, 100)
                if all(math.gcd(step, n) == 1 for n in _QUESTIONS.sizes))


def _term(day: dt.date) -> str:
    season = "Spring" if day.month <= 5 else "Summer" if day.month <= 8 else "Fall"
    return f"{season} {day.year}"


def _macros(seed: int) -> list[str]:
    seed = int(seed)  # a number in the SQL text
    return [
        # uniform [0, 1) from 53 bits; hashing the hash mixes arguments that differ by 1
        f"CREATE OR REPLACE TEMP MACRO syn_u(tag, a, b) AS"
        f" ((hash(hash({seed}, tag, a, b)) >> 11)::DOUBLE / 9007199254740992.0)",
        "CREATE OR REPLACE TEMP MACRO syn_i(tag, a, b, n) AS"
        " (floor(syn_u(tag, a, b) * n)::INTEGER)",
        "CREATE OR REPLACE TEMP MACRO syn_slug(x) AS"
        " (regexp_replace(lower(strip_accents(x)), '[^a-z0-9]', '', 'g'))",
    ]


def _between(tag: str, key: str, bounds: tuple[int, int]) -> str:
    """A whole number of days in [lo, hi]."""
    lo, hi = bounds
    return f"({lo} + syn_i('{tag}', {key}, 0, {hi - lo + 1}))"


# --- planning: one statement per step, into the scratch database `S` ---------------------------

def _students_sql(S: str) -> str:
    profiles, running, which, part = demo.PROFILES, 0.0, [], []
    for name, share, done in profiles[:-1]:
        running += share
        which.append(f"WHEN pu < {running!r} THEN {_lit(name)}")
        part.append(f"WHEN pu < {running!r} THEN {done!r}")
    last_name, _, last_done = profiles[-1]
    return f"""
        CREATE TABLE {S}.students AS
        SELECT s, profile,
               CASE WHEN profile = 'inactive' THEN $start + {_between('cutoff', 's', (14, 28))}
                    ELSE $today END AS last_day,
               syn_i('class', s, 0, $classes) AS c,
               syn_i('ind0', s, 0, {len(_NAMED)}) AS ind0,
               {_list(INDUSTRY_STEPS)}[1 + syn_i('step', s, 0, {len(INDUSTRY_STEPS)})] AS ind_step,
               greatest(1, round($full * (CASE {' '.join(part)} ELSE {last_done!r} END)
                                  * (0.8 + 0.4 * syn_u('jitter', s, 0))))::INTEGER AS n_base,
               {_FIRST.pick('0', "syn_u('sfirst', s, 0)")} || ' '
                   || {_LAST.pick('0', "syn_u('slast', s, 0)")} AS display_name,
               (3 + syn_i('goal', s, 0, 4))::INTEGER AS weekly_goal,
               ($start - 14)::TIMESTAMP + to_seconds(syn_i('created', s, 0, 7 * 86400))
                   AS created_at,
               $start::TIMESTAMP + to_seconds(syn_i('joined', s, 0, 10 * 86400)) AS joined_at
        FROM (SELECT s, syn_u('profile', s, 0) AS pu,
                     CASE {' '.join(which)} ELSE {_lit(last_name)} END AS profile
              FROM range(1, $students + 1) t(s))
        ORDER BY s
    """


def _classes_sql(S: str) -> list[str]:
    alphabet = auth.CODE_ALPHABET
    code = " || ".join(f"substr({_lit(alphabet)}, 1 + syn_i('code', c, {j}, {len(alphabet)}), 1)"
                       for j in range(auth.JOIN_CODE_LENGTH))
    return [f"""
        CREATE TABLE {S}.instructors AS
        SELECT i, 'Dr. ' || {_FIRST.pick('0', "syn_u('ifirst', i, 0)")} || ' '
                   || {_LAST.pick('0', "syn_u('ilast', i, 0)")} AS display_name,
               ($start - 30)::TIMESTAMP + to_seconds(syn_i('icreated', i, 0, 7 * 86400))
                   AS created_at
        FROM range(1, $instructors + 1) t(i) ORDER BY i
    """, f"""
        CREATE TABLE {S}.classes AS
        SELECT c, 1 + (c - 1) // {CLASSES_PER_INSTRUCTOR} AS i,
               {_one(CLASS_NAMES).pick('0', "syn_u('cname', c, 0)")} || ' — section '
                   || (1 + (c - 1) % {CLASSES_PER_INSTRUCTOR})::VARCHAR AS name,
               $start - syn_i('cstart', c, 0, 8) AS starts_on,
               $today + {_between('cend', 'c', (14, 28))} AS ends_on,
               (3 + syn_i('cgoal', c, 0, 4))::INTEGER AS weekly_goal,
               (4 + syn_i('cconv', c, 0, 7))::INTEGER AS conversations_goal,
               {code} AS code
        FROM range(1, $classes + 1) t(c) ORDER BY c
    """]


def _contacts_sql(S: str) -> str:
    """Each student's own contacts (wave 1), with how they were found and first written to."""
    ck = "ck"
    focus = _index_by_weight(f"syn_u('focus', {ck}, 0)", FOCUS_WEIGHTS)
    channel = "(CASE hf " + " ".join(
        f"WHEN {i} THEN {_weighted(f'syn_u(' + _lit(f'channel{i}') + f', {ck}, 0)', demo.FIRST_CHANNEL[h])}"
        for i, h in enumerate(_HOW_FOUND)) + " END)"
    email_chance = f"(CASE WHEN hf = {_HOW_FOUND.index('alumni')} THEN 0.85 ELSE 0.45 END)"
    linkedin = _HOW_FOUND.index("linkedin")
    other_names = _list([p.other for p in demo.INDUSTRIES.values()])
    return f"""
        CREATE TABLE {S}.c1 AS
        WITH b AS (
            SELECT *, s * 1000 + k AS ck FROM (
                SELECT s, last_day, ind0, ind_step, unnest(range(n_base)) AS k
                FROM {S}.students)
        ), c AS (
            SELECT s, last_day, ck,
                   CASE WHEN syn_u('other', ck, 0) < {OTHER_INDUSTRY_SHARE!r} THEN {_OTHER}
                        ELSE {_list(_NAMED)}[1 + (ind0 + {focus} * ind_step) % {len(_NAMED)}]
                   END AS ind,
                   {_index_by_weight("syn_u('how', ck, 0)", list(demo.HOW_FOUND_WEIGHTS.values()))}
                       AS hf,
                   syn_u('identified', ck, 0) < {IDENTIFIED_SHARE!r} AS identified,
                   {_FIRST.pick('0', "syn_u('first', ck, 0)")} AS first,
                   {_LAST.pick('0', "syn_u('last', ck, 0)")} AS last
            FROM b
        ), d AS (
            SELECT s, last_day, ck, 1 AS wave, ind, {_list(_HOW_FOUND)}[hf + 1] AS how_found,
                   first, last, first || ' ' || last AS name,
                   {_ORGS.pick('ind', "syn_u('org', ck, 0)")} AS organization,
                   {_TITLES.pick('ind', "syn_u('title', ck, 0)")} AS title,
                   {other_names}[ind + 1] AS industry_other,
                   CASE WHEN syn_u('email', ck, 0) < {email_chance}
                        THEN syn_slug(first) || '.' || syn_slug(last) || '@example.org'
                   END AS email,
                   CASE WHEN hf = {linkedin} OR syn_u('url', ck, 0) < 0.35
                        THEN 'https://www.linkedin.com/in/' || syn_slug(first) || '-'
                             || syn_slug(last)
                             || CASE WHEN syn_i('suffix', ck, 0, 3) = 2
                                     THEN '-' || (10 + syn_i('suffix_n', ck, 0, 90))::VARCHAR
                                     ELSE '' END
                   END AS profile_url,
                   {_weighted("syn_u('priority', ck, 0)", {"dream": 2, "great": 4, "curious": 4})}
                       AS priority,
                   CASE WHEN syn_u('has_note', ck, 0) < 0.4
                        THEN {_NOTES.pick('hf', "syn_u('note', ck, 0)")} END AS notes,
                   CASE WHEN NOT identified THEN {channel} END AS channel,
                   CASE WHEN NOT identified
                        THEN $start + 2 + syn_i('sent', ck, 0, last_day - $start - 1) END
                       AS first_sent,
                   CAST(NULL AS BIGINT) AS referred_by_ck
            FROM c
        )
        SELECT *,
               CASE WHEN first_sent IS NULL  -- added lately, not written to yet
                    THEN greatest($start, last_day - syn_i('added', ck, 0, 13))
                    ELSE greatest($start, first_sent - syn_i('added', ck, 0, 7)) END AS created_on
        FROM d
    """


def _referrals_sql(S: str) -> str:
    """People named in first conversations: contacts from the day of the conversation, written
    to (by referral introduction) a few days later."""
    key = "r.ck + 500"
    return f"""
        SELECT r.s, r.last_day, {key} AS ck, 2 AS wave, r.ind, 'referral' AS how_found,
               f.first, f.last, f.first || ' ' || f.last AS name,
               CASE WHEN syn_u('same_org', r.ck, 0) < 0.5 THEN r.organization
                    ELSE {_ORGS.pick('r.ind', f"syn_u('org', {key}, 0)")} END AS organization,
               {_TITLES.pick('r.ind', f"syn_u('title', {key}, 0)")} AS title,
               r.industry_other, CAST(NULL AS VARCHAR) AS email,
               CAST(NULL AS VARCHAR) AS profile_url, 'great' AS priority,
               CAST(NULL AS VARCHAR) AS notes, 'referral_intro' AS channel,
               CASE WHEN r.held1 + {_between('intro', 'r.ck', INTRO_AFTER_DAYS)} <= r.last_day
                    THEN r.held1 + {_between('intro', 'r.ck', INTRO_AFTER_DAYS)} END AS first_sent,
               r.ck AS referred_by_ck, r.held1 AS created_on
        FROM {S}.c r,
             LATERAL (SELECT {_FIRST.pick('0', f"syn_u('first', {key}, 0)")} AS first,
                             {_LAST.pick('0', f"syn_u('last', {key}, 0)")} AS last) f
        WHERE r.wants_referral
    """


def _plan_sql(source: str) -> str:
    """`source` (a contact a row: ck, wave, last_day, channel, first_sent, …) with the plan of
    its messages, answer and conversations: a2/a3 (follow-up dates), response_on, resp_att
    (the attempt answered), outcome, held1, held2 (conversation dates), wants_referral."""
    follow_up = "(CASE channel " + " ".join(
        f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in demo.FOLLOW_UP_CHANNEL.items()
    ) + " ELSE channel END)"
    answer = "(CASE channel " + " ".join(
        f"WHEN {_lit(k)} THEN {v!r}" for k, v in ANSWER_CHANCE.items()) + " ELSE 0.3 END)"
    delays = _list(demo.RESPONSE_DELAYS)
    return f"""
        WITH a AS (
            SELECT *, {follow_up} AS follow_up_channel,
                   first_sent IS NOT NULL AND syn_u('answer', ck, 0) < {answer} AS answers,
                   {delays}[1 + syn_i('delay', ck, 0, {len(demo.RESPONSE_DELAYS)})] AS delay,
                   {_between('gap', 'ck', FOLLOW_UP_AFTER)} AS gap
            FROM ({source})
        ), b AS (
            SELECT *,
                   CASE WHEN NOT (answers AND delay < gap)
                             AND syn_u('follow_up', ck, 0) < {FOLLOW_UP_CHANCE!r}
                             AND first_sent + gap <= last_day
                        THEN first_sent + gap END AS a2,
                   CASE WHEN answers AND first_sent + delay <= last_day
                        THEN first_sent + delay END AS response_on
            FROM a
        ), c AS (
            SELECT *,
                   CASE WHEN response_on IS NOT NULL
                        THEN CASE WHEN a2 IS NULL THEN 1 ELSE 2 END END AS resp_att,
                   CASE WHEN a2 IS NOT NULL AND response_on IS NULL
                             AND syn_u('third', ck, 0) < {THIRD_ATTEMPT_CHANCE!r}
                             AND a2 + {_between('gap3', 'ck', THIRD_ATTEMPT_AFTER)} <= last_day
                        THEN a2 + {_between('gap3', 'ck', THIRD_ATTEMPT_AFTER)} END AS a3,
                   CASE WHEN response_on IS NULL THEN 'pending'
                        WHEN syn_u('declines', ck, 0) < {DECLINE_SHARE!r} THEN 'declined'
                        ELSE 'accepted' END AS outcome,
                   response_on + {_between('meet', 'ck', MEET_AFTER_DAYS)} AS meet_on
            FROM b
        ), d AS (
            SELECT * EXCLUDE (meet_on),
                   CASE WHEN outcome = 'accepted' AND meet_on <= last_day THEN meet_on END
                       AS held1,
                   -- a yes whose conversation lies ahead: booked by a student still active
                   CASE WHEN outcome = 'accepted' AND meet_on > last_day AND last_day = $today
                             AND syn_u('booked', ck, 0) < {BOOKED_CHANCE!r}
                        THEN meet_on END AS scheduled_on
            FROM c
        )
        SELECT *,
               CASE WHEN held1 IS NOT NULL
                         AND syn_u('second', ck, 0) < {SECOND_CONVERSATION_CHANCE!r}
                         AND held1 + {_between('second_gap', 'ck', SECOND_CONVERSATION_AFTER)}
                             <= last_day
                    THEN held1 + {_between('second_gap', 'ck', SECOND_CONVERSATION_AFTER)}
               END AS held2,
               wave = 1 AND held1 IS NOT NULL
                   AND syn_u('refers', ck, 0) < {REFERRAL_CHANCE!r} AS wants_referral
        FROM d
    """


def _records_sql(S: str) -> list[str]:
    """Ranks in logging order, then every table's rows, each in that order."""
    i_lo, i_hi = INSIGHTS_PER_CONVERSATION
    q_lo, q_hi = QUESTIONS_PER_CONVERSATION
    key = "v.ck, v.n"
    formats = _weighted(f"syn_u('format', {key})", demo.FORMATS)
    specific_size = _SPECIFIC.size(f"x.ind * 5 + x.cat")
    return [f"""
        CREATE TABLE {S}.cr AS
        SELECT ck, row_number() OVER (ORDER BY created_on, hash(ck)) AS cr FROM {S}.c
    """, f"""
        CREATE TABLE {S}.conv AS
        SELECT v.*, c.s, c.first, c.organization, c.last_day, c.ind, r.cr,
               sum(nq) OVER (ORDER BY vr) - nq AS q_before,
               sum(ni) OVER (ORDER BY vr) - ni AS i_before
        FROM (SELECT *, row_number() OVER (ORDER BY held_on, hash(ck, n)) AS vr,
                     {q_lo} + syn_i('questions', ck, n, {q_hi - q_lo + 1}) AS nq,
                     {i_lo} + syn_i('insights', ck, n, {i_hi - i_lo + 1}) AS ni
              FROM (SELECT ck, 1 AS n, held1 AS held_on FROM {S}.c WHERE held1 IS NOT NULL
                    UNION ALL
                    SELECT ck, 2, held2 FROM {S}.c WHERE held2 IS NOT NULL)) v
        JOIN {S}.c c USING (ck) JOIN {S}.cr r USING (ck)
        ORDER BY vr
    """, f"""
        CREATE TABLE {S}.contacts AS
        SELECT r.cr, c.s, c.name, c.title, c.organization,
               {_list(INDUSTRY_NAMES)}[c.ind + 1] AS industry, c.industry_other, c.how_found,
               c.email, c.profile_url, c.priority, c.notes, ref.cr AS referred_by_cr,
               v.vr AS referred_in_vr, c.created_on
        FROM {S}.c c JOIN {S}.cr r USING (ck)
        LEFT JOIN {S}.cr ref ON ref.ck = c.referred_by_ck
        LEFT JOIN {S}.conv v ON v.ck = c.referred_by_ck AND v.n = 1
        ORDER BY r.cr
    """, f"""
        CREATE TABLE {S}.outreach AS
        SELECT row_number() OVER (ORDER BY o.sent_on, hash(o.ck, o.attempt)) AS orank,
               c.s, r.cr, o.sent_on, o.channel, o.attempt,
               CASE WHEN o.attempt = c.resp_att THEN c.response_on END AS response_on,
               CASE WHEN o.attempt = c.resp_att THEN c.outcome ELSE 'pending' END AS outcome
        FROM (SELECT ck, 1 AS attempt, first_sent AS sent_on, channel FROM {S}.c
              WHERE first_sent IS NOT NULL
              UNION ALL SELECT ck, 2, a2, follow_up_channel FROM {S}.c WHERE a2 IS NOT NULL
              UNION ALL SELECT ck, 3, a3, follow_up_channel FROM {S}.c WHERE a3 IS NOT NULL) o
        JOIN {S}.c c USING (ck) JOIN {S}.cr r USING (ck)
        ORDER BY orank
    """, f"""
        CREATE TABLE {S}.conversations AS
        SELECT vr, s, cr, held_on, format, duration_min, next_steps, clarity_before,
               least(5, greatest(1, clarity_before
                     + [-1, 0, 0, 1, 1, 1, 2][1 + syn_i('after', ck, n, 7)]))::INTEGER
                   AS clarity_after,
               reflection,
               CASE WHEN tu < {THANK_YOU_MISSING!r} THEN NULL
                    WHEN tu < {THANK_YOU_MISSING + THANK_YOU_LATE!r}
                    THEN least(last_day, held_on + 3 + syn_i('late', ck, n, 4))
                    ELSE least(last_day, held_on + [0, 0, 0, 1, 1][1 + syn_i('soon', ck, n, 5)])
               END AS thank_you_on,
               shared AS share_insights,
               shared AND syn_u('share_name', ck, n) < {SHARE_NAME!r} AS share_name
        FROM (
            SELECT v.*, {formats} AS format,
                   {_list(demo.DURATIONS)}[1 + syn_i('duration', {key}, {len(demo.DURATIONS)})]
                       AS duration_min,
                   CASE WHEN syn_u('has_steps', {key}) < 0.9
                        THEN replace(replace({_one(demo.NEXT_STEPS).pick('0', f"syn_u('steps', {key})")},
                                             '{{first}}', v.first),
                                     '{{org}}', coalesce(v.organization, 'their organization'))
                   END AS next_steps,
                   least(5, greatest(1, round(1.6 + 2.2 * (v.held_on - $start) / {SEMESTER_DAYS}
                         + 1.6 * syn_u('before', {key}) - 0.8)))::INTEGER AS clarity_before,
                   CASE WHEN syn_u('has_reflection', {key}) < 0.6
                        THEN {_one(demo.REFLECTIONS).pick('0', f"syn_u('reflection', {key})")}
                   END AS reflection,
                   syn_u('thanks', {key}) AS tu,
                   syn_u('share', {key}) < {SHARE_INSIGHTS!r} AS shared
            FROM {S}.conv v)
        ORDER BY vr
    """, f"""
        CREATE TABLE {S}.scheduled AS
        SELECT row_number() OVER (ORDER BY c.response_on, hash(c.ck)) AS sr, c.s, r.cr,
               c.scheduled_on::TIMESTAMP
                   + to_minutes(60 * {_between('hour', 'c.ck', (SCHEDULE_HOURS[0], SCHEDULE_HOURS[1] - 1))}
                                + 30 * syn_i('half', c.ck, 0, 2)) AS starts_at,
               {_list(demo.DURATIONS)}[1 + syn_i('sduration', c.ck, 0, {len(demo.DURATIONS)})]
                   AS duration_min,
               {_weighted("syn_u('sformat', c.ck, 0)", demo.FORMATS)} AS format,
               syn_u('prepared', c.ck, 0) < {PREPARED_CHANCE!r} AS researched,
               syn_u('confirmed', c.ck, 0) < 0.6 AS confirmed,
               c.response_on::TIMESTAMP + to_minutes(480 + syn_i('booked_at', c.ck, 0, 600))
                   AS created_at,
               c.ck, c.ind
        FROM {S}.c c JOIN {S}.cr r USING (ck)
        WHERE c.scheduled_on IS NOT NULL
        ORDER BY sr
    """, f"""
        CREATE TABLE {S}.prep_questions AS
        SELECT row_number() OVER (ORDER BY sr, pos) AS pr, sr, pos,
               {_QUESTIONS.nth('ind', f"(syn_i('prep0', ck, 0, {_QUESTIONS.size('ind')})"
                                      f" + pos * {_question_step()}) % {_QUESTIONS.size('ind')}")}
                   AS text
        FROM (SELECT sr, ck, ind, unnest(range(3)) AS pos FROM {S}.scheduled WHERE researched)
        ORDER BY pr
    """, f"""
        CREATE TABLE {S}.questions AS
        SELECT q_before + pos + 1 AS qr, vr, pos,
               {_QUESTIONS.nth('ind', f"(syn_i('question0', ck, n, {_QUESTIONS.size('ind')})"
                                      f" + pos * {_question_step()}) % {_QUESTIONS.size('ind')}")}
                   AS text
        FROM (SELECT vr, ck, n, ind, q_before, unnest(range(nq)) AS pos FROM {S}.conv)
        ORDER BY qr
    """, f"""
        CREATE TABLE {S}.insights AS
        SELECT i_before + pos + 1 AS ir, s, vr, pos, {_list(_TIARA)}[cat + 1] AS category,
               CASE WHEN {specific_size} > 0 AND syn_u('specific', ck, n * 10 + pos) < 0.5
                    THEN {_SPECIFIC.pick('x.ind * 5 + x.cat', "syn_u('text', ck, n * 10 + pos)")}
                    ELSE {_GENERIC.pick('x.cat', "syn_u('text', ck, n * 10 + pos)")} END AS text
        FROM (SELECT *, (syn_i('category0', ck, n, 5) + pos) % 5 AS cat
              FROM (SELECT vr, ck, n, s, ind, i_before, unnest(range(ni)) AS pos
                    FROM {S}.conv)) x
        ORDER BY ir
    """]


# --- storing: one transaction, ids from the app's sequences -----------------------------------

def _store_sql(S: str) -> dict[str, str]:
    email = f"'@{SYNTHETIC_DOMAIN}'"
    return {
        "users": f"""
            INSERT INTO users (id, display_name, role, weekly_goal, created_at, disabled)
            SELECT $user_base, 'Synthetic Administrator', 'admin', 5, $admin_created, false
            UNION ALL
            SELECT $user_base + i, display_name, 'instructor', 5, created_at, false
            FROM {S}.instructors
            UNION ALL
            SELECT $student_base + s, display_name, 'student', weekly_goal, created_at, false
            FROM {S}.students
        """,
        "credentials": f"""
            INSERT INTO credentials (user_id, email, password_hash, created_at)
            SELECT $user_base, 'admin' || {email}, $hash, $admin_created
            UNION ALL
            SELECT $user_base + i, 'instructor' || i::VARCHAR || {email}, $hash, created_at
            FROM {S}.instructors
            UNION ALL
            SELECT $student_base + s, 'student' || s::VARCHAR || {email}, $hash, created_at
            FROM {S}.students
        """,
        "classes": f"""
            INSERT INTO classes (id, instructor_id, name, term, starts_on, ends_on, weekly_goal,
                                 conversations_goal, joining_open, archived, created_at)
            SELECT $class_base + c - 1, $user_base + i, name, $term, starts_on, ends_on,
                   weekly_goal, conversations_goal, true, false, $classes_created
            FROM {S}.classes
        """,
        "join_codes": f"""
            INSERT INTO join_codes (code, class_id, active, created_at)
            SELECT code, $class_base + c - 1, true, $classes_created FROM {S}.classes
        """,
        "enrolments": f"""
            INSERT INTO enrolments (id, class_id, student_id, joined_at)
            SELECT $enrolment_base + s - 1, $class_base + c, $student_base + s, joined_at
            FROM {S}.students
        """,
        "contacts": f"""
            INSERT INTO contacts (id, user_id, name, title, organization, industry,
                                  industry_other, how_found, email, profile_url, priority, notes,
                                  referred_by_contact_id, referred_in_conversation_id, created_on)
            SELECT $contact_base + cr - 1, $student_base + s, name, title, organization,
                   industry, industry_other, how_found, email, profile_url, priority, notes,
                   $contact_base + referred_by_cr - 1, $conversation_base + referred_in_vr - 1,
                   created_on
            FROM {S}.contacts
        """,
        "outreach": f"""
            INSERT INTO outreach (id, user_id, contact_id, sent_on, channel, attempt,
                                  response_on, outcome)
            SELECT $outreach_base + orank - 1, $student_base + s, $contact_base + cr - 1,
                   sent_on, channel, attempt, response_on, outcome
            FROM {S}.outreach
        """,
        "conversations": f"""
            INSERT INTO conversations (id, user_id, contact_id, held_on, format, duration_min,
                                       next_steps, clarity_before, clarity_after, reflection,
                                       thank_you_on, share_insights, share_name)
            SELECT $conversation_base + vr - 1, $student_base + s, $contact_base + cr - 1,
                   held_on, format, duration_min, next_steps, clarity_before, clarity_after,
                   reflection, thank_you_on, share_insights, share_name
            FROM {S}.conversations
        """,
        "scheduled_conversations": f"""
            INSERT INTO scheduled_conversations (id, user_id, contact_id, starts_at, timezone,
                                                 duration_min, format, place, research_notes,
                                                 goals, researched, confirmed, created_at)
            SELECT $scheduled_base + sr - 1, $student_base + s, $contact_base + cr - 1,
                   starts_at, 'UTC', duration_min, format,
                   CASE format WHEN 'video' THEN 'https://meet.example/' || sr::VARCHAR
                               WHEN 'phone' THEN NULL ELSE 'Campus café' END,
                   CASE WHEN researched THEN 'Read their team page and recent posts.' END,
                   CASE WHEN researched THEN 'Learn what a first year in the role looks like.'
                   END,
                   researched, confirmed, created_at
            FROM {S}.scheduled
        """,
        "prep_questions": f"""
            INSERT INTO prep_questions (id, scheduled_id, position, text)
            SELECT $prep_base + pr - 1, $scheduled_base + sr - 1, pos, text
            FROM {S}.prep_questions
        """,
        "conversation_questions": f"""
            INSERT INTO conversation_questions (id, conversation_id, position, text)
            SELECT $question_base + qr - 1, $conversation_base + vr - 1, pos, text
            FROM {S}.questions
        """,
        "insights": f"""
            INSERT INTO insights (id, user_id, conversation_id, position, category, text)
            SELECT $insight_base + ir - 1, $student_base + s, $conversation_base + vr - 1, pos,
                   category, text
            FROM {S}.insights
        """,
    }


def _run(cur, sql: str, params: dict | None = None):
    """Execute with just the named parameters `sql` uses (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$([a-z_]+)", sql))
    started, cpu = time.perf_counter(), time.process_time()
    result = cur.execute(sql, {k: v for k, v in (params or {}).items() if k in used})
    log.debug("%5.2f s (CPU %5.2f s)  %s", time.perf_counter() - started,
              time.process_time() - cpu, " ".join(sql.split())[:60])
    return result


def _reserve(cur, sequence: str, count: int) -> int:
    """Take `count` consecutive values of `sequence` (inside the storing transaction, so no one
    else takes any meanwhile) and return the first."""
    assert re.fullmatch(r"seq_[a-z_]+", sequence)
    first = cur.execute(f"SELECT nextval('{sequence}')").fetchone()[0]
    if count > 1:
        cur.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [count - 1]).fetchone()
    return first


def _already_generated(cur) -> bool:
    return cur.execute("SELECT 1 FROM app_settings WHERE key = ?", [SETTING_KEY]).fetchone() \
        is not None


def generate(con, scale: str | Scale, *, today: dt.date | None = None,
             seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Add `scale`'s accounts, classes and semester (ending `today`) to the database, all in one
    transaction. Returns the rows added per table. Refuses a database that holds synthetic
    data already."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    today = today or dt.date.today()
    if isinstance(today, dt.datetime):
        today = today.date()
    start = today - dt.timedelta(days=SEMESTER_DAYS - 1)
    instructors = -(-scale.classes // CLASSES_PER_INSTRUCTOR)
    params = {"today": today, "start": start, "students": scale.students,
              "classes": scale.classes, "instructors": instructors, "full": FULL_CONTACTS}
    with reading(con) as cur:
        if _already_generated(cur):
            raise ValueError("This database already holds synthetic data; use a fresh file.")
    started = time.perf_counter()
    S = f"synthetic_{uuid.uuid4().hex[:12]}"  # the scratch database, in memory
    with reading(con) as cur:
        try:
            cur.execute(f"ATTACH ':memory:' AS {S}")
            for statement in _macros(seed):
                cur.execute(statement)
            _run(cur, _students_sql(S), params)
            for statement in _classes_sql(S):
                _run(cur, statement, params)
            _run(cur, _contacts_sql(S), params)
            _run(cur, f"CREATE TABLE {S}.c AS {_plan_sql(f'SELECT * FROM {S}.c1')}", params)
            _run(cur, f"INSERT INTO {S}.c BY NAME {_plan_sql(_referrals_sql(S))}", params)
            for statement in _records_sql(S):
                _run(cur, statement, params)
            counts = {table: cur.execute(f"SELECT count(*) FROM {S}.{source}").fetchone()[0]
                      for table, source in (("contacts", "contacts"), ("outreach", "outreach"),
                                            ("conversations", "conversations"),
                                            ("conversation_questions", "questions"),
                                            ("insights", "insights"),
                                            ("scheduled_conversations", "scheduled"),
                                            ("prep_questions", "prep_questions"))}
            planned = time.perf_counter()
            with transaction(con) as tx:
                if _already_generated(tx):
                    raise ValueError("This database already holds synthetic data; use a fresh file.")
                users = 1 + instructors + scale.students
                ids = {"user_base": _reserve(tx, "seq_users", users),
                       "class_base": _reserve(tx, "seq_classes", scale.classes),
                       "enrolment_base": _reserve(tx, "seq_enrolments", scale.students),
                       "contact_base": _reserve(tx, "seq_contacts", counts["contacts"]),
                       "outreach_base": _reserve(tx, "seq_outreach", counts["outreach"]),
                       "conversation_base": _reserve(tx, "seq_conversations",
                                                     counts["conversations"]),
                       "question_base": _reserve(tx, "seq_questions",
                                                 counts["conversation_questions"]),
                       "insight_base": _reserve(tx, "seq_insights", counts["insights"]),
                       "scheduled_base": _reserve(tx, "seq_scheduled",
                                                  counts["scheduled_conversations"]),
                       "prep_base": _reserve(tx, "seq_prep_questions", counts["prep_questions"])}
                values = {**ids, "student_base": ids["user_base"] + instructors,
                          "class_base": ids["class_base"], "hash": SYNTHETIC_PASSWORD_HASH,
                          "term": _term(start),
                          "admin_created": dt.datetime.combine(start, dt.time()) - dt.timedelta(days=30),
                          "classes_created": dt.datetime.combine(start, dt.time()) - dt.timedelta(days=21)}
                for table, statement in _store_sql(S).items():
                    _run(tx, statement, values)
                counts = {"users": users, "credentials": users, "classes": scale.classes,
                          "join_codes": scale.classes, "enrolments": scale.students, **counts}
                tx.execute("INSERT INTO app_settings (key, value) VALUES (?, ?)", [SETTING_KEY, json.dumps({
                    "scale": scale.name, "students": scale.students, "classes": scale.classes,
                    "seed": int(seed), "today": today.isoformat(), "admin_id": ids["user_base"],
                    "domain": SYNTHETIC_DOMAIN, "counts": counts})])
                committing, cpu = time.perf_counter(), time.process_time()
            log.debug("%5.2f s (CPU %5.2f s)  commit", time.perf_counter() - committing,
                      time.process_time() - cpu)
        finally:
            cur.execute(f"DETACH DATABASE IF EXISTS {S}")
    log.info("synthetic %s data: planned in %.1f s, stored in %.1f s: %s", scale.name,
             planned - started, time.perf_counter() - planned, counts)
    return counts


def generated(con) -> dict | None:
    """What `generate` stored in this database (scale, seed, today, counts, …), or None."""
    with reading(con) as cur:
        row = cur.execute("SELECT value FROM app_settings WHERE key = ?",
                          [SETTING_KEY]).fetchone()
    return json.loads(row[0]) if row else None


__all__ = ["DEFAULT_SEED", "SCALES", "SYNTHETIC_DOMAIN", "SYNTHETIC_PASSWORD", "Scale",
           "generate", "generated"]
