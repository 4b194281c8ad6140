"""AppTest fixtures: each test runs the real app.py on its own temp DuckDB file."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib import accounts, db, store, ui
from lib.validation import clean_contact, clean_conversation, clean_outreach, clean_response


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv(db.DB_ENV, str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


@pytest.fixture
def con(db_path):
    """The same database instance the app under test uses (one instance per process)."""
    return ui.database()


ADMIN = ("admin@test.example", "admin-password-1", "Ada Admin")
STUDENT = ("student@test.example", "student-password-1", "Sam Student")


def make_account(con, email, password, name):
    return accounts.create_account(con, email=email, password=password, display_name=name)


@pytest.fixture
def admin(con):
    """The first account on a database is its administrator."""
    return make_account(con, *ADMIN)


@pytest.fixture
def user_id(con, admin):
    """A signed-up student (the tracker pages are a student's)."""
    return make_account(con, *STUDENT).id


def new_app() -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=30)
    at.secrets = {}
    return at


def signed_in(con, user) -> AppTest:
    """An app whose session is signed in as `user` (a real session token, as after the form)."""
    at = new_app()
    at.session_state["_session_token"] = accounts.start_session(con, user)
    return at


@pytest.fixture
def app(con, user_id):
    return signed_in(con, user_id)


@pytest.fixture
def anonymous_app(db_path):
    return new_app()


def open_page(at: AppTest, page: str) -> AppTest:
    """Run app.py once (navigation, profile), then the page."""
    at.run()
    if page != "pages/dashboard.py":
        at.switch_page(page)
        at.run()
    assert_healthy(at)
    return at


def assert_healthy(at: AppTest) -> None:
    """No uncaught exception and no 'Something went wrong' from app.py's error boundary."""
    assert not at.exception, at.exception
    assert "Something went wrong" not in unescaped(at.error), unescaped(at.error)


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def unescaped(elements) -> str:
    """Alert texts with markdown escapes removed, joined, for substring assertions."""
    return " | ".join(str(e.value).replace("\\", "") for e in elements)


def charts_drawn(at) -> list[dict]:
    """The charts on the page (lib.ui.chart_block draws them as server-rendered SVG images):
    for each, its alt text and its SVG (the wide one when there are two)."""
    import base64
    import html
    import re

    found = []
    for element in at.markdown:
        text = str(element.value)
        if 'class="cc-chart"' not in text:
            continue
        img = re.search(r'<img class="cc-chart" src="data:image/svg\+xml;base64,([^"]+)" '
                        r'alt="([^"]*)"', text)
        assert img, text[:300]
        found.append({"alt": html.unescape(img.group(2)),
                      "svg": base64.b64decode(img.group(1)).decode("utf-8"),
                      "html": text})
    return found


def add_contact(con, user_id, name="Grace Hopper", organization="Navy Labs",
                industry="Technology", **extra) -> int:
    raw = {"name": name, "organization": organization, "industry": industry, **extra}
    return store.add_contact(con, user_id, clean_contact(raw)).id


def log_outreach(con, user_id, contact_id, sent_on, channel="email", today=None) -> int:
    today = today or dt.date.today()
    return store.log_outreach(con, user_id, clean_outreach(
        {"contact_id": contact_id, "sent_on": sent_on, "channel": channel}, today=today)).id


def respond(con, user_id, outreach_id, sent_on, response_on, outcome="accepted") -> None:
    store.record_response(con, user_id, outreach_id, clean_response(
        {"response_on": response_on, "outcome": outcome}, sent_on=sent_on,
        today=dt.date.today()))


def log_conversation(con, user_id, contact_id, held_on, **extra) -> int:
    raw = {"held_on": held_on, "format": "video", "duration_min": 30, **extra}
    return store.log_conversation(con, user_id, clean_conversation(raw, today=dt.date.today()),
                                  contact_id=contact_id).id
