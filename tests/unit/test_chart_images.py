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
