"""lib.question_bank: enough questions per category, stable unique ids, valid industries,
filtering by industry and category."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lib import vocab
from lib.question_bank import CATEGORIES, Question, builtin_questions, questions_for

TIARA = ["trend", "insight", "advice", "resource", "assignment"]


def general(questions: list[Question]) -> list[Question]:
    return [q for q in questions if not q.industries]


def test_categories_are_tiara_plus_small_talk_and_closing():
    assert set(CATEGORIES) == {*TIARA, "small_talk", "closing"}
    assert all(CATEGORIES[code] == vocab.TIARA[code] for code in TIARA)


def test_counts():
    questions = builtin_questions()
    assert len(questions) >= 60
    counts = Counter(q.category for q in questions)
    general_counts = Counter(q.category for q in general(questions))
    for code in TIARA:
        # Every student sees at least 8 per TIARA letter, whatever their industry.
        assert general_counts[code] >= 8, code
    assert general_counts["small_talk"] >= 4
    assert general_counts["closing"] >= 4
    assert set(counts) <= set(CATEGORIES)
    assert sum(1 for q in questions if q.industries) >= 10


def test_ids_are_unique_stable_slugs_and_texts_unique():
    questions = builtin_questions()
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    texts = [" ".join(q.text.lower().split()) for q in questions]
    assert len(texts) == len(set(texts))


def test_texts_are_clean_questions():
    for q in builtin_questions():
        assert q.text == " ".join(q.text.split()), q.id
        assert q.text.endswith("?"), q.id
        assert q.text[0].isupper(), q.id


def test_industries_are_from_the_vocabulary():
    tagged = [q for q in builtin_questions() if q.industries]
    for q in tagged:
        assert isinstance(q.industries, tuple)
        assert set(q.industries) <= set(vocab.INDUSTRIES) - {vocab.OTHER_INDUSTRY}, q.id
    assert len({i for q in tagged for i in q.industries}) >= 10


def test_closing_asks_who_else_to_talk_to():
    closing = questions_for(categories=["closing"])
    assert "Who else would you suggest I talk to?" in [q.text for q in closing]


def test_builtin_order_follows_categories():
    order = list(CATEGORIES)
    ranks = [order.index(q.category) for q in builtin_questions()]
    assert ranks == sorted(ranks)


def test_questions_for_no_industry_is_general_only():
    questions = questions_for()
    assert questions == general(builtin_questions())


def test_questions_for_an_industry_adds_its_own():
    tech = questions_for("Technology")
    tech_only = [q for q in tech if q.industries]
    assert tech_only and all("Technology" in q.industries for q in tech_only)
    assert general(tech) == questions_for()
    assert "insight-tech-team-structure" in {q.id for q in tech}
    assert "insight-tech-team-structure" not in {q.id for q in questions_for("Law")}


def test_questions_tagged_with_several_industries_show_in_each():
    for industry in ("Transportation & Logistics", "Manufacturing", "Retail & Consumer Goods"):
        assert "assignment-supply-chain-problem" in {q.id for q in questions_for(industry)}


def test_questions_for_categories():
    picked = questions_for("Healthcare", categories=("trend", "closing"))
    assert {q.category for q in picked} == {"trend", "closing"}
    assert "trend-healthcare-care-delivery" in {q.id for q in picked}
    assert questions_for(categories=[]) == []


def test_questions_for_rejects_unknown_categories():
    with pytest.raises(ValueError, match="trends"):
        questions_for(categories=["trends"])
