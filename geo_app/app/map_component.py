"""Rendered maps cached between reruns: the folium to HTML/JS step of streamlit-folium.

``st_folium`` renders its folium map to HTML and JavaScript on every rerun: on the demo that
is 2-5 s per map (templates compiled and every feature's GeoJSON written), more than the
analyses it shows once those are cached. :func:`rendered` does the same rendering once per
``cache_key`` (which must name everything the map depends on: the project version
:class:`geo_app.app.state.FileKey`, the language, the filters, the basemap...) and keeps the
component's arguments; :func:`show` hands them to streamlit-folium's component. The map is
built only on a cache miss (``build`` is a callable), so preparing its layers is cached too.

The rendering follows ``streamlit_folium.st_folium`` of the installed version step by step
(it uses that module's helpers); ``tests/test_map_component.py`` checks that both give the
same component arguments.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import streamlit as st

from geo_app.app import map_store
from geo_app.maps import Map
from geo_app.maps.frame import map_links

RETURNED_OBJECTS: tuple[str, ...] = ()
"""What the map reports back to the page: nothing, so pan and zoom never rerun the page."""

MAX_CACHED_MAPS = 24
"""Rendered maps kept (a few MB of text each on the demo)."""


@dataclass(frozen=True)
class RenderedMap:
    """What streamlit-folium's component needs to draw one map (no widget key, no size)."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict
    zoom: object
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]


def render_map(m: Map) -> RenderedMap:
    """Render ``m`` as ``st_folium`` does (``m`` is changed: its element ids are renamed).

    ``st_folium`` first renders the whole figure and throws the text away; rendering the map
    fills the same header, HTML and scripts (the test compares both), in half the time.
    """
    import streamlit_folium as sf

    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    map_id = sf.get_full_id(m)
    try:
        (south, west), (north, east) = m.get_bounds()
    except AttributeError:
        south = west = north = east = None
    bounds = {
        "_southWest": {"lat": south, "lng": west},
        "_northEast": {"lat": north, "lng": east},
    }
    css, js = map_links(m)
    return RenderedMap(
        script=script,
        header=header,
        html=html,
        map_id=map_id,
        bounds=bounds,
        zoom=m.options.get("zoom") if hasattr(m, "options") else {},
        css_links=css,
        js_links=js,
    )


@dataclass(frozen=True)
class PageMap:
    """A page's rendered map (None: nothing to draw) and what the page shows around it."""

    rendered: RenderedMap | None
    extras: dict
    """JSON values (texts, numbers, lists, dicts) the page shows beside the map."""


def _as_json(page: PageMap) -> dict:
    rendered = None if page.rendered is None else dataclasses.asdict(page.rendered)
    return {"rendered": rendered, "extras": page.extras}


def _from_json(stored: dict) -> PageMap:
    fields = stored["rendered"]
    rendered = None
    if fields is not None:  # JSON gives lists where the dataclass holds tuples
        links = {name: tuple(fields[name]) for name in ("css_links", "js_links")}
        rendered = RenderedMap(**{**fields, **links})
    return PageMap(rendered, dict(stored["extras"]))


@st.cache_resource(max_entries=MAX_CACHED_MAPS, show_spinner=False)
def _page_map(cache_key: Hashable, _build: Callable[[], tuple[Map | None, dict]]) -> PageMap:
    text = map_store.key_text(cache_key)
    if text is not None:
        stored = map_store.load(text)
        if stored is not None:
            try:
                return _from_json(stored)
            except (KeyError, TypeError, ValueError):
                pass  # written by another layout: build the map again
    m, extras = _build()
    page = PageMap(
        render_map(m) if m is not None else None,
        json.loads(json.dumps(extras)),  # the same values as when read from the store
    )
    if text is not None:
        map_store.save(text, _as_json(page))
    return page


def page_map(cache_key: Hashable, build: Callable[[], tuple[Map | None, dict]]) -> PageMap:
    """The rendered map of ``cache_key`` and its extras; ``build()`` is called only when the
    map is neither in memory nor in the map store (:mod:`geo_app.app.map_store`).

    Shared by all sessions and kept across server starts: ``cache_key`` must hold everything
    the map shows (the project version, language, filters, parameters, basemap).
    """
    return _page_map(cache_key, build)


def rendered(cache_key: Hashable, build: Callable[[], Map]) -> RenderedMap:
    """The rendered map of ``cache_key``; ``build()`` is called only when it is not cached
    (in memory or in the map store). ``cache_key`` must hold everything the map shows (the
    project version, language, filters, parameters, basemap).
    """
    return _page_map(("map", cache_key), lambda: (build(), {})).rendered


def show(rendered_map: RenderedMap, height: int = 620, key: str = "map") -> None:
    """Draw a rendered map with streamlit-folium's component, full container width."""
    import streamlit_folium as sf

    hash_key = sf.generate_js_hash(rendered_map.script, key, False)

    def _on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    defaults = {"bounds": rendered_map.bounds, "zoom": rendered_map.zoom}
    sf._component_func(
        script=rendered_map.script,
        header=rendered_map.header,
        html=rendered_map.html,
        id=rendered_map.map_id,
        key=hash_key,
        height=height,
        width=None,
        returned_objects=list(RETURNED_OBJECTS),
        default={k: v for k, v in defaults.items() if k in RETURNED_OBJECTS},
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(rendered_map.css_links),
        js_links=list(rendered_map.js_links),
        on_change=_on_change,
        wrap_longitude=False,
    )
