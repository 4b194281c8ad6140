"""Text resized to 200 % without loss of content (issue #7, WCAG 1.4.4 / 1.4.10) on every
student page, with the sample semester loaded so the charts are there, and on every instructor
page with the class demo loaded.

How 200 % is made: the browser window stays 1280×800 device pixels, but the page is laid out on
a 640×400 CSS-pixel viewport with 2 device pixels per CSS pixel (`device_scale_factor=2`). That
is exactly what Chrome's zoom to 200 % does to a 1280×800 window — CSS pixels twice as large, so
the layout viewport, media queries and Streamlit's own width breakpoints see 640 px — and the
app reflows as it would for a zoomed user. (CDP's page scale factor is pinch-zoom: nothing
reflows, so it would test nothing; CSS `zoom` on the body leaves the viewport and the media
queries at 1280 px and is non-standard.)

On each page: every form field has a visible label (not only a placeholder); every heading, widget label, caption (the charts' text descriptions are captions)
and button in the main area can be scrolled into view and then lies inside the viewport
horizontally, without its text cut off; the main area and the document do not scroll sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import harness

ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
PAGES = [("Dashboard", "dashboard"), ("Log a conversation", "log_conversation"),
         ("Contacts & outreach", "contacts"), ("Insights", "insights"), ("Prepare", "prepare"),
         ("Career goals", "career_goals"), ("Import & export", "import_export"),
         ("My account", "account")]

# Content that must not be lost: headings, labels, captions (chart descriptions), buttons.
_CONTENT = ('[data-testid="stMain"] :is(h1, h2, h3, [data-testid="stWidgetLabel"] p, '
            '[data-testid="stCaptionContainer"] p, button[data-testid^="stBaseButton"])')

_OVERFLOW = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const doc = document.documentElement;
    return {main: [main.scrollWidth, main.clientWidth], doc: [doc.scrollWidth, doc.clientWidth]};
}"""

# Every such element that is shown (not in a closed expander or an inactive tab), scrolled into
# view one by one: where it then lies, whether its text is cut off, and what kind it is.
_PLACES = """selector => [...document.querySelectorAll(selector)]
    .filter(element => element.checkVisibility())
    .map(element => {
        element.scrollIntoView({block: 'nearest', inline: 'nearest'});
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return {left: box.left, right: box.right, width: box.width, height: box.height,
                cut: element.scrollWidth > element.clientWidth + 1 && style.overflowX !== 'visible',
                text: (element.innerText || '').trim().split('\\n').pop().slice(0, 80),
                kind: element.closest('[data-testid="stWidgetLabel"]') ? 'label'
                    : element.closest('[data-testid="stCaptionContainer"]') ? 'caption'
                    : element.tagName === 'BUTTON' ? 'button' : 'heading'};
    })"""


def _zoomed_session(browser, url: str, email: str, password: str):
    """A 200 % browser context signed in on `url`; returns (context, page)."""
    context = browser.new_context(**ZOOMED, timezone_id="UTC", locale="en-US")
    page = context.new_page()
    harness.open_page(page, url)
    harness.sign_in(page, email, password)
    harness.wait_for_session_cookie(page)
    assert page.evaluate("() => [innerWidth, devicePixelRatio]") == [640, 2]
    return context, page


def _check_pages(page, url: str, pages: list[tuple[str, str]]) -> None:
    """Open each page (charts drawn, its heading shown) and fail with every loss found."""
    problems = []
    for title, path in pages:
        harness.open_page(page, url, path)
        page.wait_for_function(harness.CHARTS_DRAWN)
        heading = page.get_by_role("heading", name=title, exact=True, level=1)
        heading.scroll_into_view_if_needed()
        expect(heading).to_be_visible()
        problems += _check_page(page, title)
    assert not problems, "Content lost at 200 %:\n" + "\n".join(problems)


def test_student_pages_at_200_percent(browser, app_server, student):
    context, page = _zoomed_session(browser, app_server.url, student.email, student.password)
    try:
        harness.load_demo(page)
        _check_pages(page, app_server.url, PAGES)
    finally:
        context.close()


INSTRUCTOR_PAGES = [("Class dashboard", ""), ("Classes", "classes"),
                    ("Compare classes", "compare_classes"), ("My account", "account"),
                    ("Accounts", "accounts_admin")]


def test_instructor_pages_at_200_percent(browser):
    """The class demo's instructor (its administrator, so Accounts is there too)."""
    from tests.e2e.test_accessibility import _load_class_demo

    with harness.running_app(prepare=_load_class_demo) as app:
        context, page = _zoomed_session(browser, app.url, *app.prepared["instructor"])
        try:
            _check_pages(page, app.url, INSTRUCTOR_PAGES)
        finally:
            context.close()


# Form fields whose element shows no label text (placeholder-only or a collapsed label).
_UNLABELLED = """() => [...document.querySelectorAll(
        '[data-testid="stMain"] :is(input, textarea):not([type="radio"], [type="checkbox"], [type="file"], [type="hidden"])')]
    .filter(field => field.checkVisibility())
    .filter(field => {
        const widget = field.closest('.stElementContainer');
        const label = widget && widget.querySelector('[data-testid="stWidgetLabel"]');
        return !label || !label.checkVisibility() || label.innerText.trim() === '';
    })
    .map(field => field.getAttribute('aria-label') || field.placeholder || field.outerHTML.slice(0, 80))"""


def _check_page(page, title: str) -> list[str]:
    problems = [f"{title}: a form field without a visible label: {name!r}"
                for name in page.evaluate(_UNLABELLED)]
    overflow = page.evaluate(_OVERFLOW)
    for where, (scroll, client) in overflow.items():
        if scroll > client + 1:
            problems.append(f"{title}: the {where} scrolls sideways ({scroll} px of content in "
                            f"{client} px)")
    width = page.viewport_size["width"]
    places = page.evaluate(_PLACES, _CONTENT)
    kinds = {kind: sum(p["kind"] == kind for p in places)
             for kind in ("heading", "label", "caption", "button")}
    # Import & export opens on its upload tab: a heading, the uploader's label and its button.
    assert len(places) >= (3 if title == "Import & export" else 6), f"{title}: only {kinds} shown"
    for place in places:
        name = f"{title}: {place['kind']} {place['text']!r}"
        if place["left"] < -1 or place["right"] > width + 1:
            problems.append(f"{name} lies outside the 640 px viewport "
                            f"({place['left']:.0f}–{place['right']:.0f} px)")
        if place["cut"]:
            problems.append(f"{name} has its text cut off")
        if place["width"] < 1 or place["height"] < 1:
            problems.append(f"{name} has no size")
    if title == "Log a conversation":
        assert kinds["label"] >= 8 and kinds["button"] >= 1, (title, kinds)
        save = page.get_by_role("button", name=harness.SAVE_CONVERSATION, exact=True)
        save.scroll_into_view_if_needed()
        expect(save).to_be_in_viewport()
    if title in ("Dashboard", "Class dashboard"):
        assert harness.charts(page).count() >= 5, title
        assert kinds["caption"] >= harness.charts(page).count(), (title, kinds)
    return problems
