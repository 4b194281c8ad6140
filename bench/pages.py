"""Script run times of the app's pages under streamlit.testing's AppTest, signed in as a user.

AppTest runs the real app.py (sign-in gate, navigation, the page) in this process, on the
database named by $CAREER_CONVERSATIONS_DB, through the same `lib.ui.database()` instance the
pages use. A run's time is the wall time of `AppTest.run()`: the script plus AppTest's small,
constant overhead — which the hello-world page, measured in the same way, shows.
"""

from __future__ import annotations

import ast
import datetime as dt
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import streamlit as st
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = REPO_ROOT / "app.py"
HELLO_WORLD = "import streamlit as st\nst.write('Hello, world')\n"
TIMEOUT_S = 300


@dataclass
class Timing:
    """Milliseconds of the timed runs; `note` says what was shown or why nothing was timed."""

    runs_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time in each run
    first_ms: float | None = None  # the first run on the page (imports, cold caches)
    note: str = ""
    charts: int = 0  # charts drawn in the timed runs
    charts_before_setup: int = 0  # charts of the page as it first opens (what a browser sees)
    cold_ms: float | None = None  # one run right after st.cache_data was cleared
    cold_cpu_ms: float | None = None

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.runs_ms) if self.runs_ms else None

    @property
    def median_cpu_ms(self) -> float | None:
        return statistics.median(self.cpu_ms) if self.cpu_ms else None

    def as_dict(self) -> dict:
        return {"median_ms": self.median_ms, "runs_ms": self.runs_ms,
                "median_cpu_ms": self.median_cpu_ms, "cpu_ms": self.cpu_ms,
                "first_ms": self.first_ms, "note": self.note,
                "charts": self.charts, "charts_before_setup": self.charts_before_setup,
                "cold_ms": self.cold_ms, "cold_cpu_ms": self.cold_cpu_ms}


def navigation_pages() -> dict[str, list[str]]:
    """The page files app.py registers, per list (TRACKER: a student's, TEACHING: an
    instructor's, …), read from its source so that pages added later are measured too."""
    pages: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(APP.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
                and isinstance(node.targets[0], ast.Name)):
            continue
        files = [call.args[0].value for call in node.value.elts
                 if isinstance(call, ast.Call) and call.args
                 and isinstance(call.args[0], ast.Constant)
                 and str(call.args[0].value).startswith("pages/")]
        if files:
            pages[node.targets[0].id] = files
    return pages


class PageFailed(RuntimeError):
    """The page raised, or app.py's error boundary showed "Something went wrong"."""


def _check(at: AppTest) -> None:
    if at.exception:
        raise PageFailed("; ".join(str(e.value)[:300] for e in at.exception))
    errors = " | ".join(str(e.value) for e in at.error)
    if "Something went wrong" in errors or "can't open its database" in errors:
        raise PageFailed(errors[:300])


def _charts(at: AppTest) -> int:
    return sum('class="cc-chart"' in str(m.value) for m in at.markdown)


def _timed_runs(at: AppTest, runs: int, note: str = "") -> Timing:
    """One warm-up run (the first after a change of page or widget pays for imports and cold
    caches; its time is kept as `first_ms`), then `runs` timed ones."""
    timing = Timing(note=note)
    started = time.perf_counter()
    at.run()
    timing.first_ms = (time.perf_counter() - started) * 1000
    _check(at)
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        timing.runs_ms.append((time.perf_counter() - started) * 1000)
        timing.cpu_ms.append((time.process_time() - cpu) * 1000)
        _check(at)
    return timing


def hello_world(runs: int) -> Timing:
    at = AppTest.from_string(HELLO_WORLD, default_timeout=TIMEOUT_S)
    at.run()
    return _timed_runs(at, runs, "one st.write")


def page(token: str, path: str, runs: int, *, default: bool = False,
         setup: Callable[[AppTest], str] | None = None) -> Timing:
    """Time `path` (e.g. "pages/contacts.py") for the session of `token`. `default`: the page
    app.py opens first for this role (no switch needed). `setup(at)` may set widgets and returns
    a note."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.secrets = {}
    at.session_state["_session_token"] = token
    try:
        at.run()
        if not default:
            at.switch_page(path)
            at.run()
        _check(at)
        first_charts = _charts(at)
        note = setup(at) if setup else ""
        _check(at)
        timing = _timed_runs(at, runs, note)
        timing.charts = _charts(at)
        timing.charts_before_setup = first_charts
        # The warm runs above are served from the pages' st.cache_data where they cache (the
        # dashboards: lib.dashboard): also time one run that has to fill the cache again —
        # and draw the charts again (lib.chart_images keeps its own cache).
        from lib import chart_images

        st.cache_data.clear()
        chart_images.forget()
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        timing.cold_ms = (time.perf_counter() - started) * 1000
        timing.cold_cpu_ms = (time.process_time() - cpu) * 1000
        _check(at)
        return timing
    except PageFailed as problem:
        return Timing([], f"FAILED: {problem}")


def log_conversation(con, student_id: int, runs: int, today: dt.date) -> Timing:
    """Time lib.store.log_conversation for one of the student's contacts: a conversation with
    four questions and three insights, as the form sends it (validated first, not timed)."""
    from lib import store
    from lib.validation import clean_conversation

    with con.cursor() as cur:
        contact_id = cur.execute("SELECT min(id) FROM contacts WHERE user_id = ?",
                                 [student_id]).fetchone()[0]
    times, cpu_times = [], []
    for run in range(runs + 1):
        conversation = clean_conversation({
            "held_on": today, "format": "video", "duration_min": 30,
            "questions": "What does a typical week look like?\nHow did you start?\n"
                         "What would you do differently?\nWho else should I talk to?",
            "insights": [{"category": "trend", "text": "Teams hire for data skills."},
                         {"category": "advice", "text": "Send a thank-you within a day."},
                         {"category": "resource", "text": "The association's newsletter."}],
            "next_steps": "Send my résumé.", "clarity_before": 2, "clarity_after": 4,
            "thank_you_on": today, "share_insights": True}, today=today)
        started, cpu = time.perf_counter(), time.process_time()
        store.log_conversation(con, student_id, conversation, contact_id=contact_id,
                               submission_id=f"bench-{uuid.uuid4().hex}")
        if run:  # the first one warms the statements up
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
    return Timing(times, cpu_times, note="4 questions, 3 insights, existing contact")
