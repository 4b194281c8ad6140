"""Charts drawn on the server: a Vega-Lite spec (lib.charts.to_spec) rendered to SVG by
vl-convert (the Vega team's renderer, the one Altair's own `chart.save("x.svg")` uses), shown in
the page as an image.

Why: the browser draws a page of images about as fast as a hello-world page, while five
client-side Vega charts cost it 2–3 times that before the server did any work (bench/RESULTS.md,
"Browser time to charts"). A chart's text description stays its alt text and its figures stay
under "Show data" (lib.ui.chart_block); hover tooltips are what is given up.

Fonts and colours: an SVG inside an <img> cannot use the page's web font or its CSS, so the
theme (text, grid and axis colours for the light or the dark theme) is written into each image,
and text uses the reader's system sans-serif. A full-width chart is rendered twice — wide, and
narrow for a phone — and the browser picks one (<picture>, by window width); a chart in a column
is always drawn narrow."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import threading
from collections import OrderedDict

log = logging.getLogger("career_conversations")

WIDE = 720      # px: a full-width chart on a laptop (the main column is ~700–760 px)
NARROW = 340    # px: a chart in a half-width column, or any chart on a phone
PHONE_MAX = 640  # px of window width at and below which Streamlit stacks columns

FONT = "Helvetica Neue, Arial, Liberation Sans, DejaVu Sans, sans-serif"
_THEMES = {
    # .streamlit/config.toml textColor; grid and axis lines quiet against the background.
    False: {"text": "#0E1116", "muted": "#3D4653", "grid": "#DDE2E8", "domain": "#8A94A3"},
    True: {"text": "#E8EDF3", "muted": "#C3CBD5", "grid": "#2C3643", "domain": "#6B7685"},
}


def theme_config(dark: bool) -> dict:
    """The Vega-Lite config that gives a chart the app's look in the light or dark theme."""
    c = _THEMES[bool(dark)]
    axis = {"labelColor": c["muted"], "titleColor": c["text"], "gridColor": c["grid"],
            "domainColor": c["domain"], "tickColor": c["domain"], "labelFontSize": 12,
            "titleFontSize": 12, "titleFontWeight": "normal", "labelFont": FONT,
            "titleFont": FONT}
    return {
        "background": None,  # transparent: the page's background shows through
        "font": FONT,
        "view": {"stroke": None},
        "axis": axis,
        "legend": {"labelColor": c["text"], "titleColor": c["text"], "labelFontSize": 12,
                   "titleFontSize": 12, "labelFont": FONT, "titleFont": FONT},
        "title": {"color": c["text"], "font": FONT},
        "text": {"color": c["text"], "font": FONT, "fontSize": 12},
    }


_lock = threading.Lock()  # one render at a time: the converter is one JavaScript runtime
_cache: OrderedDict[bytes, str] = OrderedDict()
CACHE_ENTRIES = 400  # ~10–40 kB each; the dashboards cache their specs, so a hit is the rule


def sized_spec(spec: dict, *, width: int, dark: bool = False) -> dict:
    """`spec` as it is drawn: `width` px wide in all (axes and legend included), with the
    theme's config under the chart's own."""
    config = theme_config(dark)
    for name, value in spec.get("config", {}).items():
        config[name] = {**config.get(name, {}), **value} if isinstance(value, dict) else value
    return {**spec, "width": width, "autosize": {"type": "fit", "contains": "padding"},
            "config": config}


def svg(spec: dict, *, width: int, dark: bool = False) -> str:
    """`spec` drawn `width` px wide (axes and legend included) in the light or dark theme.
    Kept in a bounded in-process cache keyed by a digest of the spec, width and theme: a copy
    is only served for the same spec — the same figures — so it shows nobody anything new."""
    text = json.dumps(sized_spec(spec, width=width, dark=dark), sort_keys=True, default=str)
    key = hashlib.blake2b(text.encode("utf-8"), digest_size=20).digest()
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
        import vl_convert

        drawn = vl_convert.vegalite_to_svg(text)
        _cache[key] = drawn
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
        return drawn


def forget() -> None:
    """Drop every drawn chart (the benchmark's first-view timing)."""
    with _lock:
        _cache.clear()


def warm_up() -> None:
    """Start the renderer (its JavaScript runtime takes ~0.7 s to start) by drawing a tiny chart."""
    try:
        svg({"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {
            "x": {"field": "x", "type": "quantitative"}}}, width=40)
    except Exception:  # a chart that fails later says so where it is shown
        log.exception("the chart renderer did not start")


def _uri(image: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(image.encode("utf-8")).decode("ascii")


def picture_html(spec: dict, alt: str, *, wide: bool, dark: bool = False) -> str:
    """An <img> of the chart (in a <picture> with a phone-width source when `wide`) whose alt
    text is `alt`, escaped: user text (industry names, …) never becomes markup."""
    narrow = _uri(svg(spec, width=NARROW, dark=dark))
    alt_text = html.escape(alt, quote=True)
    if not wide:
        return (f'<img class="cc-chart" src="{narrow}" alt="{alt_text}" '
                f'style="width:100%;max-width:{NARROW * 3 // 2}px;height:auto">')
    return (f'<picture><source media="(max-width: {PHONE_MAX}px)" srcset="{narrow}">'
            f'<img class="cc-chart" src="{_uri(svg(spec, width=WIDE, dark=dark))}" '
            f'alt="{alt_text}" style="width:100%;height:auto"></picture>')
