"""lib.templates: rendered messages and the outreach draft checks (each check both ways)."""

from __future__ import annotations

import pytest

from lib.templates import CHECK_LABELS, TEMPLATE_KINDS, Check, check_outreach, render

FULL = dict(student_name="Sam Lee", contact_name="Ada Lovelace", organization="Engines Ltd",
            title="Chief Engineer", topic="mechanical computing",
            connection="We met at the spring career fair.")
BARE = dict(student_name="Sam Lee", contact_name="Ada Lovelace", organization=None)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def passed(text: str, name: str) -> bool:
    return by_name(check_outreach(text))[name].passed


# --- render ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(TEMPLATE_KINDS))
@pytest.mark.parametrize("values", [FULL, BARE, dict(BARE, title="  ", topic="", connection=" ")],
                         ids=["full", "bare", "blank"])
def test_render_leaves_no_gaps(kind, values):
    text = render(kind, **values)
    assert "None" not in text
    assert "  " not in text
    assert " ," not in text and " ." not in text
    assert "{" not in text and "}" not in text
    assert text.startswith("Hi Ada,\n\n")
    assert text.endswith("\n\nBest,\nSam Lee")
    assert len(text.split()) < 100


def test_render_fills_every_value():
    text = render("outreach", **FULL)
    assert text == (
        "Hi Ada,\n\n"
        "I'm Sam Lee, and we met at the spring career fair. I'm exploring careers in mechanical "
        "computing, and I'd love to hear about your role as Chief Engineer at Engines Ltd and any "
        "advice you have for someone starting out. Would you be open to a 15–20 minute chat in "
        "the next few weeks?\n\n"
        "Best,\nSam Lee")


@pytest.mark.parametrize("kind, expected", [
    ("follow_up", "at Engines Ltd"),
    ("follow_up", "advice about mechanical computing"),
    ("thank_you", "talk with me about mechanical computing"),
    ("keep_in_touch", "going well at Engines Ltd!"),
])
def test_render_uses_organization_and_topic(kind, expected):
    assert expected in render(kind, **FULL)


def test_render_without_connection_uses_a_connection_phrase():
    text = render("outreach", **dict(FULL, connection=None))
    assert "I found your profile while learning about Engines Ltd." in text


def test_render_keeps_a_name_at_the_start_of_the_connection():
    text = render("outreach", **dict(FULL, connection="Jordan Lee suggested I reach out"))
    assert "I'm Sam Lee, and Jordan Lee suggested I reach out." in text


@pytest.mark.parametrize("contact_name, greeting", [
    ("Ada Lovelace", "Hi Ada,"),
    ("Dr. Ada King Lovelace", "Hi Dr. Lovelace,"),
    ("", "Hi there,"),
])
def test_greeting(contact_name, greeting):
    assert render("thank_you", **dict(BARE, contact_name=contact_name)).startswith(greeting)


def test_render_rejects_unknown_kind():
    with pytest.raises(ValueError):
        render("cover_letter", **BARE)


@pytest.mark.parametrize("values", [FULL, BARE, dict(FULL, connection=None)],
                         ids=["full", "bare", "no-connection"])
def test_rendered_outreach_passes_every_check(values):
    checks = check_outreach(render("outreach", **values))
    assert [c.name for c in checks] == list(CHECK_LABELS)
    assert all(c.passed for c in checks), checks


# --- checks ----------------------------------------------------------------------------------

GOOD = ("Hi Ada,\n\nI'm a fellow State alum studying design. I'd love your advice on breaking "
        "into product work. Would you have 15 minutes for a call next week?")


def test_a_good_draft_passes_and_every_check_has_a_hint():
    checks = check_outreach(GOOD)
    assert all(c.passed for c in checks)
    assert all(c.hint for c in checks)


def padded_to(words: int) -> str:
    """GOOD with filler words inserted before the question, `words` words in all."""
    head, question = GOOD.rsplit(". ", 1)
    return f"{head}. " + "word " * (words - len(GOOD.split())) + question


def test_under_100_words():
    assert len(padded_to(99).split()) == 99
    assert passed(padded_to(99), "under_100_words")
    check = by_name(check_outreach(padded_to(100)))["under_100_words"]
    assert not check.passed
    assert check.hint.startswith("100 words: cut it below 100")


@pytest.mark.parametrize("text", [
    GOOD,
    "Hello Dr. Smith,\nMy advisor suggested I reach out to you. Could we talk?",
    "Hi Ada, we met at the alumni mixer last week. Could I ask your advice?",
    "Dear Ms. Chen,\n\nJordan Lee referred me to you. Any advice?",
    "Hi Ada,\nWe both studied at the same university and I found your story inspiring. Advice?",
    "Hi Ada!\n\nI'm a fellow alum. Could I ask your advice?",      # the greeting is skipped
    "Hi Ada,\nProf. Patel suggested I reach out to you. Advice?",  # "Prof." ends no sentence
])
def test_connection_first_passes(text):
    assert passed(text, "connection_first")


@pytest.mark.parametrize("text", [
    "Hi Ada,\n\nI'm Sam, a design student. I'm a fellow alum. Could I ask for advice?",
    "I would love your advice on product design. Could we talk?",
    "",
])
def test_connection_first_fails_when_missing_or_late(text):
    check = by_name(check_outreach(text))["connection_first"]
    assert not check.passed
    assert "connection" in check.hint


@pytest.mark.parametrize("text", [
    "Could I ask your advice?",
    "Would you have 20 minutes this month?",
    "Would you have 15–20 minutes?",
    "Would you have 15-20 minutes?",
    "Do you have time for a quick chat?",
])
def test_asks_for_advice_passes(text):
    assert passed(text, "asks_for_advice")


def test_asks_for_advice_fails_without_an_ask():
    check = by_name(check_outreach("I'm a fellow alum. Are you well?"))["asks_for_advice"]
    assert not check.passed
    assert "15–20 minutes" in check.hint


@pytest.mark.parametrize("word", ["job", "position", "hiring", "opening", "internship"])
def test_asking_for_a_job_fails_even_with_advice(word):
    text = f"I'm a fellow alum. Any advice, and is your team hiring for a {word}?"
    check = by_name(check_outreach(text))["asks_for_advice"]
    assert not check.passed
    assert "not a job" in check.hint


@pytest.mark.parametrize("text", [
    GOOD,
    GOOD + "   \n",
    GOOD + "\n\nBest,\nSam Lee",            # a sign-off after the question is fine
    GOOD + "\n\nThanks!\nSam Lee\nState University '27",
])
def test_ends_with_question_passes(text):
    assert passed(text, "ends_with_question")


@pytest.mark.parametrize("text", [
    "I'm a fellow alum. Would you have 15 minutes? Thanks for reading.",
    "I'm a fellow alum. Would you have 15 minutes?\n\nLooking forward to hearing from you.",
    "",
])
def test_ends_with_question_fails(text):
    check = by_name(check_outreach(text))["ends_with_question"]
    assert not check.passed
    assert "question" in check.hint
