"""Small Streamlit helpers shared by the pages: the database handle, the signed-in user, today in
the user's timezone, form submission ids and field errors."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from lib import db, store

log = logging.getLogger("career_conversations")


def _close(con) -> None:
    try:
        con.close()
    except Exception:  # closing on shutdown must never raise
        log.exception("closing the database failed")


@st.cache_resource(show_spinner=False, on_release=_close)
def _database(path: str):
    return db.connect(path)


def database():
    """The process's one database instance (cursors are taken per unit of work)."""
    return _database(str(db.database_path()))


def forget_database() -> None:
    _database.clear()


def current_user_id() -> int:
    """The signed-in user. Until accounts exist: the local student profile."""
    if "user_id" not in st.session_state:
        st.session_state["user_id"] = store.ensure_local_profile(database())
    return st.session_state["user_id"]


def today() -> dt.date:
    """Today in the browser's timezone (falls back to the server's)."""
    name = None
    try:
        name = st.context.timezone
    except Exception:  # no browser context, e.g. in tests
        name = None
    if name:
        try:
            return dt.datetime.now(ZoneInfo(name)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return dt.date.today()


def submission_id(form: str) -> str:
    """The id of the form currently on screen; a resend of the same form reuses it."""
    key = f"_submission_{form}"
    if key not in st.session_state:
        st.session_state[key] = uuid.uuid4().hex
    return st.session_state[key]


def new_submission(form: str) -> None:
    """After a save: the next submission of this form is a new record."""
    st.session_state[f"_submission_{form}"] = uuid.uuid4().hex


def set_errors(form: str, errors: dict[str, str]) -> None:
    st.session_state[f"_errors_{form}"] = dict(errors)


def field_error(form: str, field: str) -> None:
    """Show the field's error, if any, right under it."""
    message = st.session_state.get(f"_errors_{form}", {}).get(field)
    if message:
        st.error(escape_markdown(message), icon=":material/error:")


def error_summary(form: str) -> None:
    errors = st.session_state.get(f"_errors_{form}", {})
    if errors:
        st.error("Nothing was saved. Please fix:\n\n" + "\n".join(
            f"- {escape_markdown(m)}" for m in errors.values()), icon=":material/error:")


def flash(message: str, kind: str = "success") -> None:
    """A message that survives the rerun after a save."""
    st.session_state["_flash"] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        kind, message = item
        # Messages quote user text (names): shown literally, never as markdown.
        getattr(st, kind)(escape_markdown(message),
                          icon=":material/check_circle:" if kind == "success" else None)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~$:")


def escape_markdown(text: str) -> str:
    """User text made literal for places that render markdown (labels, alerts)."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))
