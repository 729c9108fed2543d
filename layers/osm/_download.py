"""Downloading a place through osmnx, with a clear message when offline."""

from __future__ import annotations

from pathlib import Path

from layers.osm._reader import OsmImportError


# -- online: a place through osmnx --------------------------------------------------------------
class OsmDownloadError(OsmImportError):
    """The extract of a place cannot be downloaded (usually: no internet connection)."""


def _offline(place: str, exc: BaseException) -> OsmDownloadError:
    return OsmDownloadError(
        f"无法在线获取「{place}」的 OpenStreetMap 数据(需要联网):{type(exc).__name__}。"
        "请联网后重试,或改用 .osm / .osm.pbf 文件导入。 / "
        f"cannot download OpenStreetMap data for {place!r} (needs an internet connection): "
        f"{type(exc).__name__}. Connect and retry, or import an .osm / .osm.pbf file instead."
    )


def _is_network_error(exc: BaseException) -> bool:
    if isinstance(exc, OSError | ConnectionError | TimeoutError):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return any(
        marker in name
        for name in names
        for marker in ("Connection", "Timeout", "HTTPError", "RequestException", "Response")
    )


def download_place(place: str, dest: str | Path, *, timeout: int = 180) -> Path:
    """Download the OSM extract of a place (online) to ``dest`` (an ``.osm`` XML file).

    The place is geocoded with osmnx (Nominatim); its bounding box is fetched from the Overpass
    API set in ``osmnx.settings.overpass_url``: every node and way in the box with their nodes,
    and the administrative (level 6 and 8) and multipolygon relations with their member ways.
    A ``<bounds>`` element records the box, so the import clips to it.

    Raises
    ------
    OsmDownloadError
        When the services cannot be reached (offline) or answer with an error.
    """
    import osmnx as ox
    import requests

    dest = Path(dest)
    try:
        area = ox.geocode_to_gdf(place)
        west, south, east, north = (float(v) for v in area.total_bounds)
        box = f"{south},{west},{north},{east}"
        query = (
            f"[out:xml][timeout:{timeout}];"
            f"(way({box});node(w);node({box});"
            f'relation({box})[boundary=administrative][admin_level~"^(6|8)$"];'
            f"relation({box})[type=multipolygon];);"
            "(._;way(r);node(w););out body;"
        )
        url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
        response = requests.post(url, data={"data": query}, timeout=timeout)
        response.raise_for_status()
    except Exception as exc:
        if _is_network_error(exc):
            raise _offline(place, exc) from exc
        raise OsmDownloadError(
            f"无法获取「{place}」的数据:{exc} / cannot get the data of {place!r}: {exc}"
        ) from exc
    text = response.text
    bounds = f'<bounds minlat="{south}" minlon="{west}" maxlat="{north}" maxlon="{east}"/>'
    start = text.find("<osm")
    if start < 0:
        raise OsmDownloadError(
            f"服务器没有返回 OSM 数据:{place} / the server returned no OSM data for {place!r}"
        )
    cut = text.find(">", start) + 1
    text = text[:cut] + "\n  " + bounds + text[cut:]
    dest.write_text(text, encoding="utf-8")
    return dest
