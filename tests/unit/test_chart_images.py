"""Charts drawn on the server (lib.chart_images): the SVG carries the figures, the theme's
colours and the asked width; the HTML around it is ours alone, whatever the data says."""

from __future__ import annotations

import base64
import re

import pandas as pd

from lib import chart_images, charts

RATES = pd.DataFrame({"group": ["Healthcare", "Law"], "rate": [0.5, 0.25],
                      "responded": [2, 1], "contacted": [4, 4],
                      "label": ["50% (n=4)", "25% (n=4)"]})


def rate_spec(frame=RATES) -> dict:
    return charts.to_spec(charts.response_rate_chart(frame, "industry"))


def test_svg_is_as_wide_as_asked_and_shows_the_figures():
    for width in (chart_images.NARROW, chart_images.WIDE):
        drawn = chart_images.svg(rate_spec(), width=width)
        assert re.search(rf'<svg[^>]* width="{width}"', drawn), drawn[:200]
        for text in ("Healthcare", "Law", "50% (n=4)", "25% (n=4)", "Response rate"):
            assert text in drawn


def test_theme_colours_follow_light_or_dark():
    light = chart_images.svg(rate_spec(), width=chart_images.NARROW, dark=False)
    dark = chart_images.svg(rate_spec(), width=chart_images.NARROW, dark=True)
    assert chart_images._THEMES[False]["text"].lower() in light.lower()
    assert chart_images._THEMES[True]["text"].lower() in dark.lower()
    assert chart_images._THEMES[True]["text"].lower() not in light.lower()
    # Transparent: no background rectangle painted over the page's own colour.
    assert not re.match(r"<svg[^>]*>\s*<rect", light)  # Vega paints a background as a rect


def test_same_spec_is_drawn_once_and_cache_is_bounded(monkeypatch):
    import vl_convert

    calls = []
    real = vl_convert.vegalite_to_svg
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", lambda s: calls.append(1) or real(s))
    monkeypatch.setattr(chart_images, "_cache", type(chart_images._cache)())
    monkeypatch.setattr(chart_images, "CACHE_ENTRIES", 2)
    first = chart_images.svg(rate_spec(), width=300)
    assert chart_images.svg(rate_spec(), width=300) == first and len(calls) == 1
    other = rate_spec(RATES.assign(group=["Energy", "Retail"]))
    assert "Energy" in chart_images.svg(other, width=300) and len(calls) == 2
    chart_images.svg(rate_spec(), width=301)
    chart_images.svg(rate_spec(), width=302)
    assert len(chart_images._cache) == 2


def decoded_sources(markup: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8")
            for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", markup)]


def test_wide_chart_has_a_phone_sized_source():
    markup = chart_images.picture_html(rate_spec(), "Rates", wide=True)
    assert markup.startswith("<picture>") and markup.endswith("</picture>")
    assert f'media="(max-width: {chart_images.PHONE_MAX}px)"' in markup
    narrow, wide = decoded_sources(markup)
    assert f'width="{chart_images.NARROW}"' in narrow and f'width="{chart_images.WIDE}"' in wide
    single = chart_images.picture_html(rate_spec(), "Rates", wide=False)
    assert single.startswith('<img class="cc-chart"') and len(decoded_sources(single)) == 1


def test_hostile_text_stays_text_in_alt_and_in_the_image():
    hostile = '<img src=x onerror=alert(1)>" onload="alert(2)'
    frame = RATES.assign(group=[hostile, "[x](javascript:alert(1))"])
    markup = chart_images.picture_html(rate_spec(frame), f"Rates: {hostile}", wide=True)
    # The only tags in our markup are ours; the alt text is escaped.
    assert re.findall(r"<(\w+)", markup) == ["picture", "source", "img"]
    assert "&lt;img src=x onerror=alert(1)&gt;&quot; onload=&quot;alert(2)" in markup
    for image in decoded_sources(markup):
        assert "<img" not in image and "&lt;img src=x onerror=alert(1)&gt;" in image


def label_overflow(spec: dict, width: int) -> list[str]:
    """Text marks (bar labels) drawn past the right edge of a `width` px image, estimated from
    Vega's scenegraph (a character of a 12 px sans-serif is at most ~7 px wide), and bars
    squeezed to make room for their labels."""
    import json

    import vl_convert

    graph = vl_convert.vegalite_to_scenegraph(
        json.dumps(chart_images.sized_spec(spec, width=width), default=str))
    past = []
    bars = []

    def walk(node, left):
        for item in node.get("items", []):
            if node.get("marktype") == "rect" and node.get("role") == "mark":
                bars.append(item.get("width", 0))
            if node.get("marktype") == "text" and node.get("role") == "mark":
                text = str(item.get("text", ""))
                right = left + item.get("x", 0) + item.get("dx", 0) + len(text) * 7
                if item.get("align", "left") == "left" and right > width:
                    past.append(f"{text!r} ends at ~{right:.0f} px")
            walk(item, left + (item.get("x", 0) if item.get("marktype") == "group"
                               or "items" in item and node.get("marktype") == "group" else 0))

    walk(graph["scenegraph"], graph["origin"][0])
    if bars and max(bars) < width * 0.15:
        past.append(f"the longest bar is {max(bars):.0f} px of {width}: squeezed by its labels")
    return past


def test_bar_labels_fit_a_narrow_chart():
    """The longest bar's label stays inside a phone-width image and the bars keep their room
    (before, "100% (n=12)" was cut off, and a class's industry labels squeezed the bars)."""
    long_groups = ["Government & Public Policy", "Architecture & Design", "Other"]
    rates = pd.DataFrame({"group": long_groups, "rate": [1.0, 0.5, None],
                          "responded": [12, 3, None], "contacted": [12, 6, 3],
                          "label": ["100% (n=12)", "50% (n=6)", "fewer than 5 students"]})
    industries = pd.DataFrame({"industry": long_groups, "students": [34, 13, None],
                               "conversations": [123, 27, None],
                               "suppressed": [False, False, True]})
    for spec in (rate_spec(rates), charts.to_spec(charts.industries_chart(industries, 5))):
        assert label_overflow(spec, chart_images.NARROW) == []
