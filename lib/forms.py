"""Form pieces used on more than one page. Each takes a `form` name (for field errors) and a
`prefix` (for widget keys), and returns the raw values for lib.validation."""

from __future__ import annotations

import streamlit as st

from lib import vocab
from lib.ui import field_error


def _index(options: list, value, default=0) -> int:
    return options.index(value) if value in options else default


def contact_fields(form: str, prefix: str, current: dict | None = None, *,
                   compact: bool = False) -> dict:
    """Name, organization, role, industry, how found, priority (+ email, URL, notes unless
    compact). `current` pre-fills the fields when editing."""
    current = current or {}
    raw: dict = {}
    left, right = st.columns(2)
    with left:
        raw["name"] = st.text_input("Name *", value=current.get("name") or "", max_chars=120,
                                    key=f"{prefix}_name")
        field_error(form, "name")
        raw["organization"] = st.text_input("Organization", max_chars=120,
                                            value=current.get("organization") or "",
                                            key=f"{prefix}_organization")
        field_error(form, "organization")
        raw["title"] = st.text_input("Role / title", value=current.get("title") or "",
                                     max_chars=120, key=f"{prefix}_title")
        field_error(form, "title")
    with right:
        industries = vocab.INDUSTRIES
        raw["industry"] = st.selectbox("Industry", industries,
                                       index=_index(industries, current.get("industry"),
                                                    industries.index(vocab.OTHER_INDUSTRY)),
                                       key=f"{prefix}_industry")
        raw["industry_other"] = st.text_input(
            "Other industry (if “Other”)", value=current.get("industry_other") or "",
            max_chars=120, key=f"{prefix}_industry_other")
        field_error(form, "industry_other")
        found = list(vocab.HOW_FOUND)
        raw["how_found"] = st.selectbox("How you found them", found,
                                        index=_index(found, current.get("how_found"),
                                                     found.index("other")),
                                        format_func=lambda c: vocab.HOW_FOUND[c],
                                        key=f"{prefix}_how_found")
        tiers = list(vocab.PRIORITIES)
        raw["priority"] = st.selectbox("Priority", tiers,
                                       index=_index(tiers, current.get("priority"), 2),
                                       format_func=lambda c: vocab.PRIORITIES[c],
                                       key=f"{prefix}_priority")
    if not compact:
        left, right = st.columns(2)
        raw["email"] = left.text_input("Email", value=current.get("email") or "",
                                       max_chars=254, key=f"{prefix}_email")
        with left:
            field_error(form, "email")
        raw["profile_url"] = right.text_input("Profile URL", value=current.get("profile_url") or "",
                                              max_chars=500, key=f"{prefix}_profile_url",
                                              help="A LinkedIn or web page, starting https://")
        with right:
            field_error(form, "profile_url")
        raw["notes"] = st.text_area("Notes", value=current.get("notes") or "", max_chars=5000,
                                    key=f"{prefix}_notes")
        field_error(form, "notes")
    return raw


# The fields of contact_fields(compact=True), by the names lib.validation reports errors under.
CONTACT_KEYS = ("name", "organization", "title", "industry", "industry_other", "how_found",
                "priority")
_CONTACT_EXTRA_KEYS = ("email", "profile_url", "notes")


def contact_values(prefix: str, *, compact: bool = False) -> dict:
    """What `contact_fields(form, prefix, compact=compact)` returned on the last run, read back
    from session state: for a form's on_click callback, which runs before the widgets are drawn
    again."""
    keys = CONTACT_KEYS + (() if compact else _CONTACT_EXTRA_KEYS)
    return {key: st.session_state.get(f"{prefix}_{key}") for key in keys}
