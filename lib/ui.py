"""Small Streamlit helpers shared by the pages: the database handle, the signed-in user, today in
the user's timezone, form submission ids and field errors."""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import json
import logging
import os
import threading
import time
import urllib.parse
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from lib import backup, db

log = logging.getLogger("career_conversations")


def _close(con) -> None:
    try:
        con.close()
    except Exception:  # closing on shutdown must never raise
        log.exception("closing the database failed")


@st.cache_resource(show_spinner=False, on_release=_close)
def _database(path: str):
    database = db.Database(path)
    backup.start_schedule(database)  # automatic backups, when configured; end when it closes
    return database


_HEAP_FROZEN = False
# What the pages import: loaded before the freeze so the collector never walks them again.
_PAGE_MODULES = ("pandas", "pyarrow", "altair", "openpyxl", "vl_convert", "lib.accounts",
                 "lib.chart_images", "lib.charts",
                 "lib.class_queries", "lib.coaching_ui", "lib.dashboard", "lib.data_export",
                 "lib.forms", "lib.importer", "lib.prep_ui", "lib.queries", "lib.store")


# While the app is in use, how often what the sessions hold is moved out of the collector's
# reach again (see refreeze_heap).
REFREEZE_EVERY_S = 2.0
_in_use = threading.Event()  # set by every run (database()); the refreeze thread waits for it


def refreeze_heap() -> int:
    """Give every frozen object back to the collector, collect the whole heap once, and freeze
    what survives. Each session holds a few thousand objects that its every run replaces (its
    widgets' state, the page data it keeps), so with 40 sessions the full collection Streamlit
    runs after every run walked some 150,000 objects — a third of a form submit's server time.
    Frozen, they are not walked until the next refreeze; one costs a full collection (~50 ms)
    every REFREEZE_EVERY_S while runs happen, nothing while the app is idle. Cyclic garbage
    among frozen objects waits for the next refreeze (objects freed by their reference count
    never wait). Returns what this collection found unreachable."""
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    return found


def _refreeze_while_in_use(every: float) -> None:
    while True:
        _in_use.wait()
        time.sleep(every)
        _in_use.clear()
        try:
            refreeze_heap()
        except Exception:  # never let the housekeeping thread die
            log.exception("refreezing the heap failed")


def freeze_startup_heap() -> bool:
    """Once per process: import what the pages use, collect, then `gc.freeze()` — move every
    object alive now (modules, classes, pandas/pyarrow/Altair internals: some 120,000) into the
    collector's permanent generation. Streamlit runs a full collection after every script run
    (`runner.postScriptGC`); walking that static heap took ~45 ms of every run, about half of a
    form submit's server time under load. After the freeze a collection walks only what the
    sessions made since, so the garbage of a run is still collected. Not inside pytest (AppTest
    runs pages in the test process, whose objects must stay collectable). Returns True when it
    froze."""
    global _HEAP_FROZEN
    if _HEAP_FROZEN or "PYTEST_CURRENT_TEST" in os.environ:
        return False
    _HEAP_FROZEN = True
    for name in _PAGE_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    log.info("%s objects of the startup heap frozen", gc.get_freeze_count())
    threading.Thread(target=_refreeze_while_in_use, args=(REFREEZE_EVERY_S,),
                     name="heap-refreeze", daemon=True).start()
    from lib import chart_images

    # Starting the chart renderer takes ~0.7 s: now, in the background, not on a first chart.
    threading.Thread(target=chart_images.warm_up, name="chart-renderer-warm-up",
                     daemon=True).start()
    return True


def database() -> db.Database:
    """The process's one database handle (cursors are taken per unit of work). Every run asks
    for it, so it also tells the heap refreeze (see refreeze_heap) that the app is in use."""
    _in_use.set()
    return _database(str(db.database_path()))


def forget_database() -> None:
    _database.clear()


SESSION_COOKIE = "cc_session"
_TOKEN_KEY = "_session_token"
_ROUTED = "_routed"
_WANTED = "_wanted_page"
_WANTED_TITLE = "_wanted_title"


def now() -> dt.datetime:
    """The current time in UTC, naive, as the database stores timestamps."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def sso_configured() -> bool:
    """True when `[auth]` is set in .streamlit/secrets.toml (single sign-on via st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _cookie_token() -> str | None:
    if st.session_state.get("_signed_out"):
        return None  # the browser may still send the old cookie until it reloads
    try:
        return st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # no browser context, e.g. in tests
        return None


def current_account():
    """The signed-in account, verified against the sessions table on every run (a token in
    session state or in the cookie is only a claim), or None."""
    from lib import accounts

    token = st.session_state.get(_TOKEN_KEY) or _cookie_token()
    if not token:
        return None
    account = accounts.session_account(database(), token, now=now())
    if account is None:
        st.session_state.pop(_TOKEN_KEY, None)
        return None
    st.session_state[_TOKEN_KEY] = token
    return account


def sign_in(account) -> None:
    """Start a session for `account` and remember it in this browser (cookie, 30 days; the
    server ends it after 12 h without activity)."""
    from lib import accounts

    token = accounts.start_session(database(), account.id, now=now())
    st.session_state[_TOKEN_KEY] = token
    st.session_state.pop("_signed_out", None)
    st.session_state["_set_cookie"] = token


def sign_out() -> None:
    from lib import accounts

    token = st.session_state.pop(_TOKEN_KEY, None)
    if token:
        accounts.end_session(database(), token)
    keep = {"_flash"}
    for key in [k for k in st.session_state if k not in keep]:
        del st.session_state[key]
    st.session_state["_signed_out"] = True
    st.session_state["_set_cookie"] = ""


def sync_cookie() -> None:
    """Write (or clear) the session cookie in the browser after a sign-in or sign-out."""
    if "_set_cookie" not in st.session_state:
        return
    token = st.session_state.pop("_set_cookie")
    age = 30 * 24 * 3600 if token else 0
    # The token is URL-safe base64 (no quotes or semicolons); json.dumps makes it a JS string.
    st.html(
        "<script>(function(){var secure = location.protocol === 'https:' ? '; Secure' : '';"
        f"document.cookie = '{SESSION_COOKIE}=' + {json.dumps(token)} + '; Path=/; Max-Age={age};"
        " SameSite=Strict' + secure;})();</script>",
        unsafe_allow_javascript=True,
    )


def require_account(*roles: str):
    """The signed-in account, or stop the page with a message. With `roles`, the account's role
    must be one of them (an admin counts as an instructor)."""
    account = current_account()
    if account is None:
        _route_through_app()  # signed out: app.py shows the sign-in, then opens this page
        st.warning("Please sign in to see this page.", icon=":material/lock:")
        st.stop()
    effective = {account.role} | ({"instructor"} if account.role == "admin" else set())
    if roles and not effective & set(roles):
        st.error("This page is not available for your account.", icon=":material/block:")
        st.stop()
    _route_through_app()
    return account


def _route_through_app() -> None:
    """A deep link opened first on a freshly started server runs the page without app.py
    (Streamlit treats pages/ as a page folder, listing every file in it, until st.navigation
    has run once): go through app.py, which registers only this role's pages — or, signed out,
    the sign-in — and then opens this one if the role has it (`wanted_page`)."""
    if not st.session_state.get(_ROUTED):
        st.session_state[_WANTED] = _browser_page_path()
        try:
            st.switch_page("app.py")
        except StreamlitPageNotFoundError:
            pass  # the page is the entry point itself (run alone, as in tests): stay on it


def _browser_page_path() -> str:
    """The last segment of the page's address in the browser ("insights" for
    https://host/app/insights), or "" when unknown."""
    try:
        url = st.context.url or ""
    except Exception:  # no browser context, e.g. in tests
        return ""
    return urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def wanted_page(pages):
    """Called by app.py once it has registered `pages` (st.Page objects): the page a deep link
    asked for before app.py had run (see `require_account`), if it is one of them — once."""
    wanted = st.session_state.pop(_WANTED, None)
    st.session_state.pop(_WANTED_TITLE, None)
    if not wanted:
        return None
    return next((page for page in pages if page.url_path == wanted), None)


def stand_ins(groups, *, home, role: str | None = None) -> list:
    """Hidden pages at the addresses of the app's pages this visitor may not open, so that a link
    to one (a bookmark, a link shared by a classmate) is answered instead of Streamlit's "Page
    not found". `groups`: (pages, who they are for) pairs, e.g. (TEACHING, "instructors").
    Signed out (`role` None), a stand-in asks to sign in first — `home` is the sign-in page —
    and app.py then opens the page asked for (`wanted_page`). Signed in, it says whose page it
    is, with a link to `home`. The pages themselves are never registered for this visitor."""
    pages = []
    for group, audience in groups:
        for page in group:
            def run(title=page.title, url_path=page.url_path, audience=audience) -> None:
                if role is None:  # app.py's sign_in_first comes first; this is its fallback
                    _ask_to_sign_in(url_path, title, home)
                st.title(title)
                article = "an" if role[:1] in ("a", "e", "i", "o", "u") else "a"
                st.info(f"{escape_markdown(title)} is a page for {audience}, and you are signed "
                        f"in with {article} {role} account, so it is not part of yours.",
                        icon=":material/block:")
                st.page_link(home, label="Go to your home page", icon=":material/home:")
            pages.append(st.Page(run, title=page.title, url_path=page.url_path,
                                 visibility="hidden"))
    return pages


def sign_in_first(chosen, welcome) -> None:
    """Signed out, with `chosen` (what st.navigation picked) a stand-in for one of the app's
    pages: remember that page and show the sign-in (`welcome`); app.py opens the page once the
    visitor has signed in (`wanted_page`)."""
    if chosen.url_path != welcome.url_path:
        _ask_to_sign_in(chosen.url_path, chosen.title, welcome)


def _ask_to_sign_in(url_path: str, title: str, welcome) -> None:
    """Remember the page at `url_path` for after the sign-in, and show the sign-in."""
    # Not the page someone has just signed out on: whoever signs in next at this browser
    # starts on their own home page.
    if not st.session_state.get("_signed_out"):
        st.session_state[_WANTED] = url_path
        st.session_state[_WANTED_TITLE] = title
    st.switch_page(welcome)


def wanted_title() -> str | None:
    """For the sign-in screen: the title of the page a link asked for, while it is wanted."""
    if st.session_state.get(_WANTED):
        return st.session_state.get(_WANTED_TITLE)
    return None


def mark_routed() -> None:
    """Called by app.py: this session's pages are run through st.navigation."""
    st.session_state[_ROUTED] = True


def current_user_id() -> int:
    """The signed-in user's id; stops the page when nobody is signed in."""
    return require_account().id


def session_token() -> str | None:
    return st.session_state.get(_TOKEN_KEY)


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


def form_generation(form: str) -> int:
    """Part of the form's widget keys: a new generation after a save shows empty widgets
    (deleting widget keys from session state does not clear what the browser shows)."""
    return st.session_state.setdefault(f"_generation_{form}", 0)


def next_generation(form: str) -> None:
    st.session_state[f"_generation_{form}"] = form_generation(form) + 1


def set_errors(form: str, errors: dict[str, str]) -> None:
    st.session_state[f"_errors_{form}"] = dict(errors)


def form_errors(form: str) -> dict[str, str]:
    """The form's errors from its last attempt, by field (empty when it had none)."""
    return st.session_state.get(f"_errors_{form}", {})


def field_error(form: str, field: str) -> None:
    """Show the field's error, if any, right under it."""
    message = form_errors(form).get(field)
    if message:
        st.error(escape_markdown(message), icon=":material/error:")


def error_summary(form: str) -> None:
    errors = form_errors(form)
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


def dark_theme() -> bool:
    """True when the browser shows the dark theme (charts are drawn in the theme's colours)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser context
        return False


def chart_block(title: str, chart, description: str, data, empty_text: str, key: str, *,
                wide: bool = False, section: bool = False) -> None:
    """A bordered chart with its text description (shown, and the image's alt text) and a
    "Show data" table alternative (drawn when opened; its widget key is `<key>_data`); an empty
    frame shows `empty_text` instead of an empty chart. `chart`: an Altair chart, or a
    Vega-Lite dict (lib.charts.to_spec), drawn on the server (lib.chart_images); `wide`: the
    chart spans the page (drawn narrow on a phone); `section`: its title is a section heading
    (h2) of the page rather than a heading within one (h3)."""
    from lib import chart_images, charts

    with st.container(border=True, key=key):
        (st.header if section else st.subheader)(title)
        if data.empty:
            st.info(empty_text)
            return
        st.caption(description)
        spec = chart if isinstance(chart, dict) else charts.to_spec(chart)
        try:
            markup = chart_images.picture_html(spec, description, wide=wide, dark=dark_theme())
        except Exception:  # the renderer failed: the figures are still in the description
            log.exception("drawing the chart %r failed", title)
            st.warning("This chart could not be drawn right now. Its figures are in the text "
                       "above and under “Show data”.", icon=":material/warning:")
        else:
            # Our own markup (lib.chart_images escapes the alt text; the image is base64).
            st.markdown(markup, unsafe_allow_html=True)
        # The table is drawn once the expander is opened (a rerun): a data grid in a closed
        # expander still costs the browser its loading and drawing on every page load.
        with st.expander("Show data", key=f"{key}_data", on_change="rerun") as table:
            if table.open:
                st.dataframe(data, hide_index=True, width="stretch")
