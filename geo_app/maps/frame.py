"""The Leaflet frame of every map: one ``folium.Map`` factory, offline Leaflet, wheel zoom, canvas.

* :func:`new_map` makes the map of every page: wheel zoom only after the map was clicked or
  with Ctrl held (:class:`WheelZoomOnClick`; a wheel turn over a map scrolls the page), a scale
  bar, no tiles (the basemap is added by :mod:`geo_app.maps.basemap`).
* :func:`canvas_renderer` draws big layers (buildings, network edges, the offline basemap) on a
  canvas instead of thousands of SVG paths.
* :func:`finish_map` opens the map on a box and points it at an offline copy of Leaflet:
  :func:`use_leaflet_assets` loads the vendored Leaflet (``geo_app/static/leaflet``) from the
  app, :func:`inline_leaflet` embeds it into a standalone HTML file.

No Streamlit.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from folium.utilities import JsCode
from jinja2 import Template

from geo_app.i18n import t
from geo_app.maps import literal as folium_literal  # noqa: F401  (data in a map is never a template)

LEAFLET_DIR = Path(__file__).resolve().parents[1] / "static" / "leaflet"
"""Vendored Leaflet 1.9.3 (BSD-2-Clause): ``leaflet.js``, ``leaflet.css``, ``images/``."""

Map = folium.Map
"""The map type of the house (for annotations outside the maps package)."""

HARBIN_CENTRE = (45.757, 126.642)
"""Map centre (lat, lon) used when a project has no features."""


class Legend(MacroElement):
    """A Leaflet control (bottom left) listing layers with their colours.

    ``kind`` names the legend in its CSS class (``geo-app-legend-layers``,
    ``geo-app-legend-shortfall``) so that a map with both can tell them apart.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create("div", {{ this.css_class | tojson }});
            div.innerHTML = {{ this.html | tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, kind: str = "layers") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.css_class = f"geo-app-legend geo-app-legend-{kind}"


def use_leaflet_assets(m: folium.Map, base_url: str) -> folium.Map:
    """Load Leaflet from ``base_url`` (serving ``LEAFLET_DIR``) instead of the CDNs.

    Only Leaflet itself is loaded: the explorer uses no jQuery, Bootstrap or awesome-markers,
    so nothing else has to come from the internet.
    """
    base = base_url.rstrip("/")
    m.default_js = [("leaflet", f"{base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{base}/leaflet.css")]
    return m


@cache
def _leaflet_sources() -> tuple[str, str]:
    return (
        (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8"),
        (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8"),
    )


def inline_leaflet(m: folium.Map) -> folium.Map:
    """Embed the vendored Leaflet into the page, for standalone HTML files used offline."""
    js, css = _leaflet_sources()
    m.default_js = []
    m.default_css = []
    header = m.get_root().header
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline")
    return m


MAP_BACKGROUND = "#f7f6f2"
"""Background of the maps: paper white, under the light-grey offline basemap."""
MAP_HEIGHT = 480
"""Height in pixels of a page's map (a planner scrolls past it to the tables)."""


class WheelZoomOnClick(MacroElement):
    """Wheel zoom only once the map was clicked (until the pointer leaves it), or with Ctrl.

    A click anywhere in the map counts: on the background, on a feature (a community whose
    popup opens) or on a control.

    Until then a wheel turn over the map scrolls the page and a short hint says how to zoom.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            map.scrollWheelZoom.disable();
            var box = map.getContainer();
            var hint = L.DomUtil.create("div", "geo-app-wheel-hint", box);
            hint.textContent = {{ this.hint | tojson }};
            hint.style.cssText = "position:absolute;left:50%;top:8px;transform:translateX(-50%);"
                + "z-index:1000;background:rgba(17,24,39,0.8);color:#fff;padding:3px 8px;"
                + "border-radius:4px;font-size:12px;pointer-events:none;display:none";
            var timer = null;
            var enable = function () { map.scrollWheelZoom.enable(); };
            map.on("focus", enable);
            // any click inside the map counts, also on a feature (whose click Leaflet does
            // not pass on to the map) and on a canvas layer
            box.addEventListener("click", enable, true);
            map.on("mouseout blur", function () { map.scrollWheelZoom.disable(); });
            box.addEventListener("wheel", function (e) {
                if (map.scrollWheelZoom.enabled()) { return; }
                if (e.ctrlKey || e.metaKey) {
                    e.preventDefault();
                    var step = e.deltaY < 0 ? 1 : -1;
                    map.setZoomAround(map.mouseEventToContainerPoint(e), map.getZoom() + step);
                    return;
                }
                hint.style.display = "block";
                clearTimeout(timer);
                timer = setTimeout(function () { hint.style.display = "none"; }, 1500);
            }, {passive: false});
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, hint: str) -> None:
        super().__init__()
        self._name = "WheelZoomOnClick"
        self.hint = hint


def canvas_renderer(pane: str | None = None) -> JsCode:
    """A Leaflet canvas renderer for one layer (pass as ``renderer=`` to ``folium.GeoJson``),
    drawing into map pane ``pane`` if given."""
    if pane is None:
        return JsCode("L.canvas({padding: 0.5})")
    return JsCode(f"L.canvas({{padding: 0.5, pane: {json.dumps(pane)}}})")


def new_map(
    location: tuple[float, float] = HARBIN_CENTRE, zoom: int = 11, lang: str = "zh", **options
) -> folium.Map:
    """A ``folium.Map`` without tiles, with a scale bar and wheel zoom after a click.

    ``options`` go to ``folium.Map`` (``zoom_snap`` ...).
    """
    m = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        scrollWheelZoom=False,
        **options,
    )
    WheelZoomOnClick(t("map.wheel_hint", lang)).add_to(m)
    m.get_root().header.add_child(
        Element(f"<style>.leaflet-container {{ background: {MAP_BACKGROUND}; }}</style>"),
        name="geo_app_map_background",
    )
    return m


def finish_map(
    m: folium.Map,
    box: tuple[float, float, float, float] | None = None,
    assets: str | None = None,
) -> folium.Map:
    """Open ``m`` on ``box`` (minx, miny, maxx, maxy) and point it at an offline Leaflet.

    ``assets``: ``None`` keeps folium's CDN links, ``"inline"`` embeds Leaflet
    (:func:`inline_leaflet`), any other string is the URL serving :data:`LEAFLET_DIR`.
    """
    if box is not None:
        m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    if assets == "inline":
        inline_leaflet(m)
    elif assets:
        use_leaflet_assets(m, assets)
    return m


def _walk(element):
    import branca

    if isinstance(element, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def map_links(m: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """CSS and JS links of the map's elements, deduplicated in order (as ``st_folium``)."""
    import branca

    css: list[str] = []
    js: list[str] = []
    for element in _walk(m):
        if isinstance(element, branca.colormap.ColorMap):
            js.insert(0, "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
            js.insert(0, "https://d3js.org/d3.v4.min.js")
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))
