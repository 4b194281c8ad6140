"""Message templates (outreach, follow-up, thank-you, keep-in-touch) and the outreach draft checker.

Plain text, short and friendly; the student edits the draft before sending. The checks follow the
"five-point email" advice: under 100 words, the connection first, ask for advice (not a job), end
with a question. They are hints shown as pass/fail, never a reason to block saving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEMPLATE_KINDS: dict[str, str] = {
    "outreach": "Outreach request",
    "follow_up": "Follow-up",
    "thank_you": "Thank-you",
    "keep_in_touch": "Keep in touch",
}

_HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx"}
# Connection clauses starting with these words read mid-sentence after "I'm <name>, and …".
_LOWER_FIRST = {"we", "our", "my", "your", "a", "an", "the", "i've", "you"}


def _clean(value: str | None) -> str | None:
    """None for missing or blank values, so no template ever prints "None"."""
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def _greeting_name(contact_name: str | None) -> str:
    """First name, or "Dr. Lovelace" when the name starts with an honorific."""
    words = (_clean(contact_name) or "").split()
    if not words:
        return "there"
    if words[0].rstrip(".").lower() in _HONORIFICS and len(words) > 1:
        return f"{words[0]} {words[-1]}"
    return words[0]


def _connection_clause(connection: str | None, organization: str | None,
                       topic: str | None) -> str:
    if not connection:
        # Still a connection phrase, so the default draft passes "connection first".
        if organization:
            return f"I found your profile while learning about {organization}"
        if topic:
            return f"I found your profile while researching {topic}"
        return "I found your profile"
    connection = connection.rstrip(".!")
    first = connection.split()[0]
    if first.lower() in _LOWER_FIRST:
        connection = first.lower() + connection[len(first):]
    return connection


def _tidy(text: str) -> str:
    """One space between words, no trailing spaces, at most one blank line between paragraphs."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render(kind: str, *, student_name: str, contact_name: str, organization: str | None,
           title: str | None = None, topic: str | None = None,
           connection: str | None = None) -> str:
    """A ready-to-edit message of `kind` (a TEMPLATE_KINDS code).

    `connection` is a short clause on how the student is linked to the contact, e.g. "we met at
    the spring career fair" or "Jordan Lee suggested I reach out"; `topic` is the field or
    question the student is exploring, e.g. "product design".
    """
    if kind not in TEMPLATE_KINDS:
        raise ValueError(f"unknown template kind: {kind!r}")
    student = _clean(student_name) or ""
    organization = _clean(organization)
    title = _clean(title)
    topic = _clean(topic)
    hi = f"Hi {_greeting_name(contact_name)},"
    at_org = f" at {organization}" if organization else ""
    about_topic = f" about {topic}" if topic else ""
    sign_off = f"Best,\n{student}"

    if kind == "outreach":
        role = f"your role as {title}{at_org}" if title else f"your work{at_org}"
        linked = _connection_clause(_clean(connection), organization, topic)
        body = (f"I'm {student}, and {linked}. "
                f"I'm exploring careers in {topic or 'your field'}, and I'd love to hear about "
                f"{role} and any advice you have for someone starting out. Would you be open "
                "to a 15–20 minute chat in the next few weeks?")
    elif kind == "follow_up":
        busy = (f"I know how busy things get{at_org}, so" if organization else
                "I know you're busy, so")
        body = (f"I wanted to follow up on my note from last week. {busy} no worries if now "
                f"isn't a good time. I'd still really value your advice{about_topic}. Would a "
                "15–20 minute chat in the coming weeks work for you?")
    elif kind == "thank_you":
        body = (f"Thank you for taking the time to talk with me{about_topic}. Your advice gave "
                "me a much clearer picture of the path ahead, and I'm already acting on your "
                "suggestions. I'll let you know how it goes.")
    else:  # keep_in_touch
        going = f"I hope things are going well{at_org}!"
        body = (f"{going} I wanted to share a quick update: since we spoke{about_topic}, I've "
                "been following your advice and it has really helped. Thank you again, and I "
                "hope we can stay in touch.")
    return _tidy(f"{hi}\n\n{body}\n\n{sign_off}")


# --- outreach draft checker --------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """One hint on a draft. `name` is a stable id (see CHECK_LABELS); `hint` says what to do."""

    name: str
    passed: bool
    hint: str


CHECK_LABELS: dict[str, str] = {
    "under_100_words": "Under 100 words",
    "connection_first": "Connection first",
    "asks_for_advice": "Asks for advice, not a job",
    "ends_with_question": "Ends with a question",
}

MAX_WORDS = 100

_CONNECTION = re.compile(
    r"\b(fellow|alum|alumn(?:a|ae|i|us)|referred|suggested (?:that )?I (?:reach out|contact|"
    r"get in touch|write)|we met|we spoke|I found your profile|mutual|same (?:program|university|"
    r"school|college|major|class))\b", re.IGNORECASE)
_ADVICE = re.compile(
    r"\b(advice|quick (?:chat|call)|brief (?:chat|call)|(?:15|fifteen|20|twenty)\s*"
    r"(?:(?:-|–|—|to)\s*(?:20|twenty)\s*)?-?\s*min(?:ute)?s?)\b", re.IGNORECASE)
_JOB = re.compile(r"\b(jobs?|positions?|hiring|hire me|openings?|internships?|vacanc(?:y|ies))\b",
                  re.IGNORECASE)
# A salutation line ("Hi Dr. Smith,") is short and does not end like a sentence.
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,40}?[^\n.?]\s*\n",
    re.IGNORECASE)
# A sentence ends at . ! ? followed by a space, except after an honorific ("Dr. Smith").
_SENTENCE_END = re.compile(r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bProf)[.!?](?=\s|$)")
_CLOSING = re.compile(
    r"^(best|best wishes|best regards|kind regards|warm regards|regards|thanks|thank you|"
    r"many thanks|thanks so much|thanks again|cheers|sincerely|warmly|all the best)"
    r"\s*[,.!]?$", re.IGNORECASE)


def _first_sentence(text: str) -> str:
    body = _GREETING.sub("", text.strip(), count=1).strip()
    end = _SENTENCE_END.search(body)
    return body[: end.end()] if end else body


def _without_sign_off(text: str) -> str:
    """The draft without a trailing "Best,\\nSam Lee" (a sign-off after the question is fine)."""
    lines = [line.strip() for line in text.strip().splitlines()]
    for i in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
        if _CLOSING.match(lines[i]):
            return "\n".join(lines[:i]).strip()
    return text.strip()


def check_outreach(text: str) -> list[Check]:
    """Pass/fail hints for an outreach draft, in CHECK_LABELS order."""
    text = text or ""
    words = len(text.split())
    checks = [Check(
        "under_100_words", words < MAX_WORDS,
        f"{words} words: short enough to read on a phone." if words < MAX_WORDS else
        f"{words} words: cut it below {MAX_WORDS}; busy people answer short notes.")]

    connected = bool(_CONNECTION.search(_first_sentence(text)))
    checks.append(Check(
        "connection_first", connected,
        "Your first sentence says how you are connected." if connected else
        "Open with your connection (a fellow alum, who referred you, where you met) so they "
        "know why you are writing."))

    asks_job = _JOB.search(text)
    asks_advice = bool(_ADVICE.search(text))
    if asks_job:
        hint = (f"Leave out \"{asks_job.group(0)}\": ask for advice and insight, not a job. "
                "Opportunities come later, from the relationship.")
    elif asks_advice:
        hint = "You ask for advice and a short conversation."
    else:
        hint = "Ask for their advice, or for 15–20 minutes of their time."
    checks.append(Check("asks_for_advice", asks_advice and not asks_job, hint))

    asks = _without_sign_off(text).endswith("?")
    checks.append(Check(
        "ends_with_question", asks,
        "It ends with a question that is easy to answer." if asks else
        "End with a question, e.g. \"Would you be open to a 15–20 minute chat?\", so replying "
        "is easy."))
    return checks
