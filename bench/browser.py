"""Time to charts in a real browser, and the app server's peak memory.

The app runs under `streamlit run app.py` (tests/e2e/harness.py starts it on a free port); a
one-line hello-world app runs the same way beside it. Headless Chromium (Playwright, Debian's
/usr/bin/chromium) opens a page signed in by the `cc_session` cookie of a session started before
the server, and the time runs from navigation until the script has finished and every
chart image (`img.cc-chart`, lib.chart_images) is loaded and decoded. The first visit of each page
(assets not yet cached) is dropped; the median of the others is reported.

Peak memory is the server process's VmHWM (/proc/<pid>/status) after the browser has loaded the
student and the instructor dashboards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.e2e import harness

from bench.pages import HELLO_WORLD

_DRAWN = """({charts, text}) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (text !== null && !document.body.innerText.includes(text)) return false;
    const found = document.querySelectorAll('img.cc-chart');
    if (found.length < charts) return false;
    for (const chart of found) {
        if (!chart.complete || chart.naturalWidth === 0
            || chart.getBoundingClientRect().width === 0) return false;
    }
    return true;
}"""


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of a process, in kB."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


class MemorySampler(threading.Thread):
    """Samples a process's VmRSS every 50 ms until stopped (VmHWM is the kernel's own peak)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[int] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.samples.append(memory_kb(self.pid).get("VmRSS", 0))
            except OSError:
                return
            self._stop_event.wait(0.05)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=2)



# The student dashboard's chart images made beforehand (their HTML, lib.chart_images): what
# showing them costs the browser when the server has nothing to compute.
CHARTS_ONLY = """import json
import streamlit as st
st.title("Charts only")
for markup in json.load(open({path!r}, encoding="utf-8"))[:{count}]:
    st.markdown(markup, unsafe_allow_html=True)
"""


@contextmanager
def static_app(source: str, timeout: float = 30.0) -> Iterator[str]:
    """A small Streamlit app (`source`), served with the app's flags; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="bench-static-") as tmp:
        script = Path(tmp) / "static_app.py"
        script.write_text(source, encoding="utf-8")
        port = harness.free_port()
        url = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "server.log", "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
             f"--server.port={port}", "--server.address=127.0.0.1"],
            cwd=tmp, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout
            while not harness.healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("The static app did not start: "
                                       + (Path(tmp) / "server.log").read_text(errors="replace"))
                time.sleep(0.1)
            yield url
        finally:
            harness.stop_process(process)
            log.close()


def time_to_charts(browser, url: str, runs: int, *, token: str | None = None,
                   charts: int = 0, text: str | None = None) -> list[float]:
    """Milliseconds from navigation to the page drawn, for `runs` warm visits (one more visit
    first, dropped). Each visit is a new Streamlit session, signed in by the cookie."""
    context = browser.new_context(viewport=harness.VIEWPORTS["desktop"], timezone_id="UTC",
                                  locale="en-US")
    try:
        if token:
            context.add_cookies([{"name": harness.SESSION_COOKIE, "value": token, "url": url}])
        page = context.new_page()
        times = []
        for visit in range(runs + 1):
            started = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.wait_for_function(_DRAWN, arg={"charts": charts, "text": text},
                                   timeout=180_000)
            if visit:
                times.append((time.perf_counter() - started) * 1000)
            page.goto("about:blank")
        return times
    finally:
        context.close()


def measure(db_path: Path, tokens: dict[str, str], charts: dict[str, int], runs: int,
            chart_specs: Path | None = None) -> dict:
    """Time to charts for the student and instructor dashboards, the hello-world app and (given
    `chart_specs`, a JSON list of the charts' HTML) the same charts served ready-made; and the app
    server's memory. `tokens` and `charts` are keyed "student" / "instructor"."""
    from playwright.sync_api import sync_playwright

    chromium = harness.find_chromium()
    if chromium is None:
        raise RuntimeError(harness.CHROMIUM_MISSING)
    results: dict = {}
    with sync_playwright() as playwright:
        browser = harness.launch_browser(playwright, chromium)
        try:
            with static_app(HELLO_WORLD) as hello_url:
                results["hello_world"] = time_to_charts(browser, hello_url, runs,
                                                        text="Hello, world")
            if chart_specs is not None:
                count = len(json.loads(chart_specs.read_text(encoding="utf-8")))
                with static_app(CHARTS_ONLY.format(path=str(chart_specs),
                                                   count=count)) as charts_url:
                    results["charts_only"] = time_to_charts(browser, charts_url, runs,
                                                            charts=count)
                # The floor for a page with a single chart (the first of them).
                with static_app(CHARTS_ONLY.format(path=str(chart_specs), count=1)) as one_url:
                    results["one_chart_only"] = time_to_charts(browser, one_url, runs, charts=1)
            started = time.perf_counter()
            with harness.running_app(db_path) as app:
                results["server_start_ms"] = (time.perf_counter() - started) * 1000
                pid = app.process.pid
                results["memory_at_start_kb"] = memory_kb(pid)
                sampler = MemorySampler(pid)
                sampler.start()
                try:
                    for role in ("student", "instructor"):
                        results[role] = time_to_charts(browser, app.url, runs,
                                                       token=tokens[role], charts=charts[role])
                finally:
                    sampler.stop()
                results["memory_kb"] = memory_kb(pid)
                results["rss_samples_max_kb"] = max(sampler.samples, default=0)
        finally:
            browser.close()
    return results
