"""Built-in questions for informational interviews, grouped by TIARA (Trends, Insights, Advice,
Resources, Assignments) plus small talk to open and closing questions to end.

Data, not a table: the ids are stable slugs, so a student's chosen questions can refer to them
even after the wording is polished. Never reuse or rename an id; retire it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from lib import vocab

# In the order a conversation usually runs; TIARA labels come from the shared vocabulary.
CATEGORIES: dict[str, str] = {
    "small_talk": "Small talk",
    **vocab.TIARA,
    "closing": "Closing",
}


@dataclass(frozen=True)
class Question:
    """One question. Empty `industries` means it suits any industry."""

    id: str
    category: str
    text: str
    industries: tuple[str, ...] = ()


def _q(id: str, category: str, text: str, *industries: str) -> Question:
    return Question(id, category, text, tuple(industries))


_BANK: tuple[Question, ...] = (
    # --- small talk: warm up, show you did your homework ---
    _q("small-talk-how-is-your-week", "small_talk",
       "How has your week been so far?"),
    _q("small-talk-recent-news", "small_talk",
       "I saw your organization's recent news. How has that been on the inside?"),
    _q("small-talk-shared-school", "small_talk",
       "What was your favourite part of your time at school?"),
    _q("small-talk-city", "small_talk",
       "How do you like living and working where you are?"),
    _q("small-talk-outside-work", "small_talk",
       "What do you enjoy doing outside work these days?"),

    # --- trends: where the field is heading ---
    _q("trend-big-changes", "trend",
       "What are the biggest changes you have seen in your field over the last few years?"),
    _q("trend-next-five-years", "trend",
       "Where do you see your industry heading in the next five years?"),
    _q("trend-technology-impact", "trend",
       "How is new technology, such as AI, changing the way your team works?"),
    _q("trend-growing-areas", "trend",
       "Which areas or roles in your field are growing fastest right now?"),
    _q("trend-skills-in-demand", "trend",
       "Which skills are becoming more valuable in your field, and which less?"),
    _q("trend-biggest-challenge", "trend",
       "What is the biggest challenge your industry faces right now?"),
    _q("trend-competitors", "trend",
       "Which organizations do you see as doing the most interesting work in this space?"),
    _q("trend-economy", "trend",
       "How do changes in the economy show up in your day-to-day work?"),
    _q("trend-fintech-banking", "trend",
       "How is fintech changing what banks look for in new analysts?",
       "Finance & Banking"),
    _q("trend-healthcare-care-delivery", "trend",
       "How are telehealth and new care models changing day-to-day work in healthcare?",
       "Healthcare"),
    _q("trend-energy-transition", "trend",
       "How is the energy transition changing which projects and skills are in demand?",
       "Energy & Environment"),
    _q("trend-media-business-models", "trend",
       "How are newsrooms adapting their business models, and what does that mean for new "
       "journalists?",
       "Media & Journalism"),

    # --- insights: what the work is really like ---
    _q("insight-typical-day", "insight",
       "What does a typical day or week look like for you?"),
    _q("insight-surprised-you", "insight",
       "What surprised you most when you started in this role?"),
    _q("insight-favourite-part", "insight",
       "What do you enjoy most about your work?"),
    _q("insight-hardest-part", "insight",
       "What is the most challenging part of your job?"),
    _q("insight-path-here", "insight",
       "How did you get to where you are today?"),
    _q("insight-what-makes-someone-great", "insight",
       "What separates people who do really well in this role from the rest?"),
    _q("insight-culture", "insight",
       "How would you describe the culture of your team and organization?"),
    _q("insight-wish-you-knew", "insight",
       "What do you wish you had known before you started in this field?"),
    _q("insight-tech-team-structure", "insight",
       "How do engineering, product and design work together day to day at your company?",
       "Technology"),
    _q("insight-consulting-lifestyle", "insight",
       "What is the travel and project rhythm really like in consulting?",
       "Consulting"),
    _q("insight-nonprofit-funding", "insight",
       "How does fundraising shape the work and priorities of your organization?",
       "Nonprofit & Social Impact"),
    _q("insight-law-practice-areas", "insight",
       "How did you choose your practice area, and how different are the areas day to day?",
       "Law"),

    # --- advice: what to do next ---
    _q("advice-prepare-now", "advice",
       "What can I do now to best prepare for a career in this field?"),
    _q("advice-if-starting-over", "advice",
       "If you were starting out again today, what would you do differently?"),
    _q("advice-stand-out", "advice",
       "What makes a candidate stand out to you or your colleagues?"),
    _q("advice-skills-to-build", "advice",
       "Which skills or experiences should I focus on building over the next year?"),
    _q("advice-my-background", "advice",
       "Given my background, how would you suggest I position myself for this field?"),
    _q("advice-common-mistakes", "advice",
       "What mistakes do you see people make when they try to break into this field?"),
    _q("advice-entry-points", "advice",
       "What are the most common entry points into this kind of role?"),
    _q("advice-graduate-study", "advice",
       "Is a graduate degree or certification worth it for this path, and when?"),
    _q("advice-teaching-credential", "advice",
       "What is the best route to a teaching credential, and is classroom experience "
       "before it worth it?",
       "Education"),
    _q("advice-architecture-portfolio", "advice",
       "What do you look for in a student portfolio, and what should I leave out?",
       "Architecture & Design", "Arts & Entertainment"),
    _q("advice-accounting-cpa", "advice",
       "When did you start preparing for the CPA exam, and how did you balance it with work?",
       "Accounting"),

    # --- resources: where to learn more ---
    _q("resource-read-follow", "resource",
       "Which publications, newsletters or podcasts should I follow to keep up with the field?"),
    _q("resource-professional-associations", "resource",
       "Are there professional associations or groups worth joining as a student?"),
    _q("resource-events", "resource",
       "Which conferences, meetups or events are worth attending?"),
    _q("resource-courses", "resource",
       "Are there courses, tools or certifications you would recommend?"),
    _q("resource-organizations-to-research", "resource",
       "Which organizations should I be researching that I might not know about?"),
    _q("resource-job-boards", "resource",
       "Where do people in your field usually hear about new roles?"),
    _q("resource-books", "resource",
       "Is there a book that shaped how you think about your work?"),
    _q("resource-communities", "resource",
       "Are there online communities where people in your field share advice?"),
    _q("resource-policy-sources", "resource",
       "Which think tanks or public data sources do policy people rely on most?",
       "Government & Public Policy"),
    _q("resource-biotech-science-to-business", "resource",
       "What resources helped you bridge the science and the business side of biotech?",
       "Biotech & Pharma"),
    _q("resource-marketing-tools", "resource",
       "Which analytics or creative tools should I learn before applying to agencies?",
       "Advertising & Marketing"),

    # --- assignments: a small task that shows interest and gives a reason to follow up ---
    _q("assignment-typical-project", "assignment",
       "What kinds of projects or problems do you work on most often?"),
    _q("assignment-try-it", "assignment",
       "Is there a small project I could do on my own to get a real taste of this work?"),
    _q("assignment-sample-problem", "assignment",
       "Could you describe a recent challenge your team solved, so I can think about how I "
       "would approach it?"),
    _q("assignment-skills-test", "assignment",
       "If I wanted to test my skills for this role, what exercise would you set me?"),
    _q("assignment-read-and-report", "assignment",
       "Is there an article or report you would suggest I read, so I can share my thoughts "
       "with you afterwards?"),
    _q("assignment-volunteer", "assignment",
       "Are there volunteer or part-time projects where I could practise these skills?"),
    _q("assignment-first-90-days", "assignment",
       "What would someone new in your team be asked to do in their first three months?"),
    _q("assignment-case-practice", "assignment",
       "What kind of case or analysis would be good practice for someone interested in "
       "this work?"),
    _q("assignment-real-estate-deal", "assignment",
       "Could you walk me through a recent deal, so I can try modelling one myself?",
       "Real Estate"),
    _q("assignment-supply-chain-problem", "assignment",
       "What supply chain problem would you give a new analyst to see how they think?",
       "Transportation & Logistics", "Manufacturing", "Retail & Consumer Goods"),
    _q("assignment-hospitality-guest-experience", "assignment",
       "If I visited one of your properties, what should I watch for to understand "
       "how it runs?",
       "Hospitality & Tourism"),

    # --- closing: thanks, next people, next steps ---
    _q("closing-who-else", "closing",
       "Who else would you suggest I talk to?"),
    _q("closing-introduction", "closing",
       "Would you be comfortable introducing me, or may I mention your name when I reach out?"),
    _q("closing-anything-else", "closing",
       "Is there anything I should have asked but didn't?"),
    _q("closing-stay-in-touch", "closing",
       "May I keep in touch and let you know how things go?"),
    _q("closing-how-can-i-help", "closing",
       "Is there anything I can help you with in return?"),
)


def builtin_questions() -> list[Question]:
    """Every built-in question, in CATEGORIES order (then as written)."""
    order = {code: i for i, code in enumerate(CATEGORIES)}
    return sorted(_BANK, key=lambda q: order[q.category])


def questions_for(industry: str | None = None,
                  categories: Iterable[str] | None = None) -> list[Question]:
    """General questions plus those for `industry` (None: general only), optionally only in
    `categories`. Unknown categories raise, so a typo cannot silently hide every question."""
    wanted = None if categories is None else set(categories)
    if wanted is not None and not wanted <= CATEGORIES.keys():
        raise ValueError(f"unknown categories: {sorted(wanted - CATEGORIES.keys())}")
    return [q for q in builtin_questions()
            if (not q.industries or industry in q.industries)
            and (wanted is None or q.category in wanted)]
