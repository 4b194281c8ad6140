"""The fixed vocabularies of the tracker: stored codes and the labels a student reads."""

from __future__ import annotations

INDUSTRIES: list[str] = [
    "Accounting",
    "Advertising & Marketing",
    "Architecture & Design",
    "Arts & Entertainment",
    "Biotech & Pharma",
    "Consulting",
    "Education",
    "Energy & Environment",
    "Finance & Banking",
    "Government & Public Policy",
    "Healthcare",
    "Hospitality & Tourism",
    "Law",
    "Manufacturing",
    "Media & Journalism",
    "Nonprofit & Social Impact",
    "Real Estate",
    "Retail & Consumer Goods",
    "Technology",
    "Transportation & Logistics",
    "Other",
]
OTHER_INDUSTRY = "Other"

HOW_FOUND: dict[str, str] = {
    "alumni": "Alumni network",
    "linkedin": "LinkedIn",
    "referral": "Referral",
    "event": "Event",
    "cold": "Cold outreach",
    "other": "Other",
}

PRIORITIES: dict[str, str] = {
    "dream": "Dream",
    "great": "Great fit",
    "curious": "Curious",
}

CHANNELS: dict[str, str] = {
    "email": "Email",
    "linkedin": "LinkedIn message",
    "phone": "Phone",
    "in_person": "In person",
    "referral_intro": "Referral introduction",
}

OUTCOMES: dict[str, str] = {
    "pending": "No response yet",
    "accepted": "Accepted",
    "declined": "Declined",
}

FORMATS: dict[str, str] = {
    "video": "Video call",
    "phone": "Phone",
    "in_person": "In person",
    "coffee": "Coffee",
}

# TIARA: Trends, Insights, Advice, Resources, Assignments.
TIARA: dict[str, str] = {
    "trend": "Trend",
    "insight": "Insight",
    "advice": "Advice",
    "resource": "Resource",
    "assignment": "Assignment",
}

# Derived contact stages, in pipeline order, then the two ends that stop the pipeline.
STAGES: dict[str, str] = {
    "identified": "Identified",
    "contacted": "Contacted",
    "responded": "Responded",
    "scheduled": "Conversation scheduled",
    "held": "Conversation held",
    "thanked": "Thanked",
    "referred": "Referred",
    "declined": "Declined",
    "no_response": "No response",
}

# Okabe–Ito: distinguishable with the common colour-vision deficiencies, readable on light and dark.
# The orange is darkened (Okabe–Ito's is #E69F00, 2.3:1 on white) so that every colour the charts
# draw with has 3:1 against both themes' backgrounds (WCAG 1.4.11; checked by
# tests/e2e/test_accessibility.py::test_theme_and_chart_colours_meet_contrast_minimums).
PALETTE: list[str] = [
    "#0072B2",  # blue
    "#B97A00",  # orange (darkened)
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
]

DEFAULT_WEEKLY_GOAL = 5


def label(vocabulary: dict[str, str], code: str | None) -> str:
    """The label for a stored code; unknown codes are shown as they are."""
    if code is None:
        return ""
    return vocabulary.get(code, code)
