"""WCAG 2.1 AA in the browser (issue #7): axe-core (the axe-playwright-python package) on every
page — signed out, as a student and as an instructor (the administrator of the class demo) — in
the light and the dark theme, at 1280×800 and 390×844. Any serious or critical violation fails
the test with the rule, the element (its selector and HTML) and the page, role, theme and size.

The database holds the class demo (lib.demo.load_class_demo), so the student's dashboard, insights
and goals and the instructor's class pages show charts and tables, not empty states.

The theme is the browser's colour scheme (the app follows the system setting): each theme gets
its own browser context created with that `color_scheme`, so the app starts in it as it would
for a user (Streamlit tells the script the theme at session start; the chart text colour
depends on it).

Nothing is switched off globally. The only violations let through are listed in
STREAMLIT_EXEMPTIONS — a rule, and the Streamlit element it is allowed inside — and
test_streamlit_exemptions_are_streamlits_own reproduces each of them on a bare one-widget
Streamlit page, so an exemption that Streamlit no longer needs (or that our code, not Streamlit,
causes) fails the suite."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e import harness

# Everything axe-core runs by default (WCAG 2.0/2.1 A and AA plus its best practices); only these
# impacts fail the test.
FAILING_IMPACTS = ("serious", "critical")
# Moderate rules that fail the test as well: a gap in the heading outline (h1 then h3) makes
# a screen reader's list of headings misleading, and the app has none.
FAILING_RULES = ("heading-order",)
AXE_OPTIONS = {"resultTypes": ["violations"]}

# (rule, CSS selector of the Streamlit element it is let through inside): reason. Checked to be
# Streamlit's own by test_streamlit_exemptions_are_streamlits_own.
STREAMLIT_EXEMPTIONS = {
    ("list", '[data-testid="stSidebarNavItems"]'):
        "st.navigation with sections draws <ul data-testid=stSidebarNavItems> whose children are "
        "the sections' <div>s (header + <li>s), not <li>s: Streamlit's markup, not ours.",
    ("listitem", '[data-testid="stSidebarNavItems"]'):
        "the same sectioned navigation: its <li> links sit in a <div>, not directly in a <ul>.",
}

SIZES = {"1280x800": harness.VIEWPORTS["desktop"], "390x844": harness.VIEWPORTS["phone"]}
THEMES = ("light", "dark")

# Every page each role has, by URL path ("" = the role's default page). The test also checks that
# the navigation shows exactly these, so a page added later cannot go unchecked.
ROLE_PAGES = {
    "welcome": [""],
    "student": ["", "contacts", "log_conversation", "insights", "prepare", "career_goals",
                "import_export", "account"],
    "instructor": ["", "classes", "compare_classes", "account", "accounts_admin"],
}

_CHARTS_DRAWN = harness.CHARTS_DRAWN

# For each violation node: is it inside the element its rule is exempt in?
_INSIDE = """([targets, selector]) => targets.map(target => {
    const element = document.querySelector(Array.isArray(target) ? target[0] : target);
    return element !== null && element.closest(selector) !== null;
})"""


def _load_class_demo(con):
    """The class demo dated today (UTC, the browser's timezone here); returns the logins of one
    demo student and of the demo instructor (the database's administrator)."""
    from lib import demo

    demo.load_class_demo(con, today=dt.datetime.now(dt.timezone.utc).date())
    logins = demo.demo_logins(con)
    instructor = logins[logins["role"] == "instructor"].iloc[0]
    student = logins[logins["role"].str.startswith("student")].iloc[0]
    return {"student": (student["email"], student["password"]),
            "instructor": (instructor["email"], instructor["password"])}


@pytest.fixture(scope="module")
def demo_app(chromium_path):
    with harness.running_app(prepare=_load_class_demo) as app:
        yield app


@pytest.fixture(scope="module")
def axe():
    return Axe()


def run_axe(page, axe: Axe) -> list[dict]:
    """axe-core's violations on the page as it is now (axe is injected once per document)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe.axe_script)
    return page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)["violations"]


def serious_violations(page, violations: list[dict]) -> list[tuple[dict, dict]]:
    """(violation, node) pairs that fail the test: serious or critical (or one of
    FAILING_RULES), and not inside the Streamlit element their rule is exempt in."""
    failing = []
    for violation in violations:
        if violation.get("impact") not in FAILING_IMPACTS and violation["id"] not in FAILING_RULES:
            continue
        nodes = violation["nodes"]
        exempt_in = [selector for rule, selector in STREAMLIT_EXEMPTIONS
                     if rule == violation["id"]]
        inside = [False] * len(nodes)
        for selector in exempt_in:
            found = page.evaluate(_INSIDE, [[n["target"] for n in nodes], selector])
            inside = [a or b for a, b in zip(inside, found)]
        failing += [(violation, node) for node, exempt in zip(nodes, inside) if not exempt]
    return failing


def describe(where: str, violation: dict, node: dict) -> str:
    summary = node.get("failureSummary") or ""
    return (f"{where}: {violation['id']} ({violation['impact']}) — {violation['help']}\n"
            f"    element: {' '.join(map(str, node['target']))}\n"
            f"    html: {' '.join(node['html'].split())[:300]}\n"
            f"    {' '.join(summary.split())[:400]}\n"
            f"    {violation.get('helpUrl', '')}")


def settle(page) -> None:
    harness.wait_for_app(page)
    page.wait_for_function(_CHARTS_DRAWN, timeout=15_000)


def nav_paths(page, base_url: str) -> list[str]:
    """The URL paths of the pages the sidebar's navigation links to ("" for the default)."""
    hrefs = page.get_by_test_id("stSidebarNav").get_by_role("link").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    return [href.replace(base_url, "").strip("/") for href in hrefs]


def check_role(browser, app, axe, role: str, theme: str) -> tuple[list[str], int]:
    """Visit each of `role`'s pages in a new context in `theme`; on each run axe at each size.
    Returns the failure descriptions and how many checks ran."""
    context = browser.new_context(viewport=SIZES["1280x800"], color_scheme=theme,
                                  timezone_id="UTC", locale="en-US")
    failures, checks = [], 0
    try:
        page = context.new_page()
        harness.open_page(page, app.url)
        if role != "welcome":
            harness.sign_in(page, *app.prepared[role])
            harness.wait_for_session_cookie(page)  # each page is opened by its URL below
            default_path = {"student": "dashboard", "instructor": "class_dashboard"}[role]
            shown = ["" if p == default_path else p for p in nav_paths(page, app.url)]
            assert sorted(shown) == sorted(ROLE_PAGES[role]), (
                f"The {role}'s navigation shows pages {shown}; this test checks "
                f"{ROLE_PAGES[role]}: update ROLE_PAGES")
        for path in ROLE_PAGES[role]:
            page.set_viewport_size(SIZES["1280x800"])
            if path or role != "welcome":
                harness.open_page(page, app.url, path)
            for size_name, size in SIZES.items():
                page.set_viewport_size(size)
                settle(page)
                where = f"{role} /{path} ({theme} theme, {size_name})"
                assert page.get_by_test_id("stException").count() == 0, f"{where}: an error"
                for violation, node in serious_violations(page, run_axe(page, axe)):
                    failures.append(describe(where, violation, node))
                checks += 1
    finally:
        context.close()
    return failures, checks


@pytest.mark.parametrize("theme", THEMES)
def test_every_page_has_no_serious_axe_violations(browser, demo_app, axe, theme):
    started = time.monotonic()
    failures, checks = [], 0
    for role in ROLE_PAGES:
        found, ran = check_role(browser, demo_app, axe, role, theme)
        failures += found
        checks += ran
    print(f"axe: {checks} page checks in the {theme} theme in {time.monotonic() - started:.0f} s")
    assert checks == len(SIZES) * sum(map(len, ROLE_PAGES.values()))
    assert not failures, (f"{len(failures)} serious/critical axe violation(s):\n\n"
                          + "\n\n".join(failures))


# --- The exemptions are Streamlit's own ---------------------------------------------------------

BARE_APP = textwrap.dedent('''
    import streamlit as st

    def only_page():
        st.text_input("Name")

    def other_page():
        st.write("other")

    st.navigation({"Section one": [st.Page(only_page, title="One"),
                                   st.Page(other_page, title="Two")],
                   "Section two": [st.Page(other_page, title="Three", url_path="three")]}).run()
''')


def test_streamlit_exemptions_are_streamlits_own(browser, axe, tmp_path):
    """A bare Streamlit app — one text input and st.navigation with sections, none of our code
    or configuration — shows every exempt violation inside the exempt element. When Streamlit
    fixes its markup this fails: then remove the exemption."""
    script = tmp_path / "bare.py"
    script.write_text(BARE_APP)
    port = harness.free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
         f"--server.port={port}", "--server.address=127.0.0.1"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + harness.STARTUP_TIMEOUT_S
        while not harness.healthy(url):
            assert process.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        page = harness.new_page(browser)
        try:
            harness.open_page(page, url)
            violations = {v["id"]: v for v in run_axe(page, axe)}
            for (rule, selector), reason in STREAMLIT_EXEMPTIONS.items():
                assert rule in violations, (
                    f"A bare Streamlit app no longer violates {rule!r}: remove its exemption "
                    f"({reason})")
                inside = page.evaluate(_INSIDE, [[n["target"] for n in violations[rule]["nodes"]],
                                                 selector])
                assert any(inside), f"{rule!r} is not violated inside {selector} on a bare app"
        finally:
            page.context.close()
    finally:
        harness.stop_process(process)
        log.close()


# --- Our colours, by the numbers ------------------------------------------------------------------

def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _blend(colour: str, background: str, alpha: float) -> str:
    fg = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    bg = [int(background.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(alpha * f + (1 - alpha) * b):02x}" for f, b in zip(fg, bg))


def test_theme_and_chart_colours_meet_contrast_minimums():
    """Text 4.5:1 (captions are the text colour at 60 %), white text on primary buttons 4.5:1,
    the primary colour and every chart colour 3:1 (WCAG 1.4.11) on both backgrounds of both
    themes. The browser test sees only HTML text; this covers the chart marks too."""
    from lib import vocab

    config = tomllib.loads((harness.REPO_ROOT / ".streamlit" / "config.toml").read_text())
    problems = []
    source = (harness.REPO_ROOT / "lib" / "charts.py").read_text()
    used = set(re.findall(r'"(#[0-9A-Fa-f]{6})"', source))  # the colours lib/charts.py draws with
    used |= {vocab.PALETTE[int(i)] for i in re.findall(r"PALETTE\[(\d+)\]", source)}
    used |= {c for n in re.findall(r"PALETTE\[:(\d+)\]", source) for c in vocab.PALETTE[:int(n)]}
    assert used, "found no colours in lib/charts.py"
    for name in THEMES:
        theme = config["theme"][name]
        for background in (theme["backgroundColor"], theme["secondaryBackgroundColor"]):
            checks = [("text", theme["textColor"], 4.5),
                      ("caption", _blend(theme["textColor"], background, 0.6), 4.5),
                      ("primary", theme["primaryColor"], 3.0)]
            checks += [("chart colour", colour, 3.0) for colour in sorted(used)]
            for what, colour, minimum in checks:
                ratio = contrast(colour, background)
                if ratio < minimum:
                    problems.append(f"{name}: {what} {colour} on {background} is "
                                    f"{ratio:.2f}:1, needs {minimum}:1")
        ratio = contrast("#FFFFFF", theme["primaryColor"])
        if ratio < 4.5:
            problems.append(f"{name}: white button text on primary {theme['primaryColor']} is "
                            f"{ratio:.2f}:1, needs 4.5:1")
    assert not problems, "\n".join(problems)
