"""Geometry from clipped OSM ways and the district and street boundaries."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import shapely

from layers.districts import HARBIN_DISTRICTS, district_class
from layers.osm._reader import _gdf, _name, _osm_id, _Raw, _Relation


# -- geometry helpers ---------------------------------------------------------------------------
def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of ``geom`` (made valid), or None when there is none."""
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom if not geom.is_empty else None
    parts = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    if not parts:
        return None
    out = shapely.union_all(parts)
    return out if not out.is_empty else None


def way_area(
    coords: list[tuple[float, float] | None], frame: shapely.Polygon
) -> tuple[shapely.Geometry | None, str]:
    """Polygon of a closed way, trimmed when nodes are missing.

    Missing nodes (outside a clipped extract) are dropped, the ring is closed over the gap and
    the result is cut by ``frame`` (the extract's bounding box).

    Returns
    -------
    (geometry or None, status)
        status is ``"complete"``, ``"trimmed"`` or ``"skipped"`` (fewer than 3 nodes left).
    """
    present = [c for c in coords if c is not None]
    trimmed = len(present) < len(coords)
    if len(set(present)) < 3:
        return None, "skipped"
    ring = present if present[0] == present[-1] else [*present, present[0]]
    geom = _polygonal(shapely.Polygon(ring))
    if geom is None:
        return None, "skipped"
    if trimmed:
        geom = _polygonal(geom.intersection(frame))
        if geom is None:
            return None, "skipped"
    return geom, "trimmed" if trimmed else "complete"


def _runs(coords: list[tuple[float, float] | None]) -> list[tuple[list, bool, bool]]:
    """Split a way into runs of present nodes: ``(points, open_start, open_end)``.

    ``open_start``/``open_end`` tell that the neighbouring node of the run is missing.
    """
    runs = []
    current: list[tuple[float, float]] = []
    start_open = False
    for i, c in enumerate(coords):
        if c is None:
            if current:
                runs.append((current, start_open, True))
                current = []
            start_open = True
            continue
        if not current:
            start_open = i > 0 and coords[i - 1] is None
        current.append(c)
    if current:
        runs.append((current, start_open, False))
    return runs


def _extend(run: list, open_start: bool, open_end: bool, frame: shapely.Polygon) -> list:
    """Extend a run's open ends straight to the nearest point of the frame's edge."""
    edge = frame.exterior
    points = list(run)
    if open_start:
        p = edge.interpolate(edge.project(shapely.Point(points[0])))
        points.insert(0, (p.x, p.y))
    if open_end:
        p = edge.interpolate(edge.project(shapely.Point(points[-1])))
        points.append((p.x, p.y))
    return points


def _crossings(p: shapely.Point, q: shapely.Point, lines: shapely.Geometry) -> int:
    """Number of times the segment p-q crosses ``lines``."""
    hit = shapely.intersection(shapely.LineString([p, q]), lines)
    return 0 if hit.is_empty else int(shapely.get_num_geometries(hit))


def _share(faces: list, parity: np.ndarray, other: shapely.Geometry) -> list[float]:
    """Share of the area of each face class (0, 1) that lies in ``other``."""
    out = []
    for k in (0, 1):
        area = sum(f.area for f, c in zip(faces, parity, strict=True) if c == k)
        hit = sum(f.intersection(other).area for f, c in zip(faces, parity, strict=True) if c == k)
        out.append(hit / area if area else 0.0)
    return out


DECISIVE = 0.3
"""Minimum difference of area shares for the parent/neighbour evidence to decide a class."""


def assemble_boundary(
    members: Iterable[list[tuple[float, float] | None]],
    frame: shapely.Polygon,
    *,
    hints: Iterable[tuple[float, float]] = (),
    within: shapely.Geometry | None = None,
    avoid: shapely.Geometry | None = None,
) -> tuple[shapely.Geometry | None, str]:
    """Rebuild an area relation from its member ways, clipped to ``frame``.

    Each member is a list of node coordinates (None where the node is missing in the extract).
    The linework is noded together with the frame's edge and polygonised into faces; crossing
    a boundary line flips inside/outside, so the faces split into two classes (even-odd rule).
    When no node is missing, the class is decided exactly (a point far outside is outside).
    In a clipped extract, the open ends of the pieces are extended to the frame's edge and the
    inside class is decided, in this order, by

    1. ``within``: the parent area (a street lies in its district): the class lying in it;
    2. ``avoid``: neighbours of the same level already built: the class overlapping them less;
    3. ``hints``: the relation's ``label``/``admin_centre`` nodes (an office may stand outside
       its own area, hence last): the class holding most of them.

    Area evidence counts only when the two classes' shares differ by more than
    :data:`DECISIVE`.

    Returns
    -------
    (geometry or None, how)
        how is ``"complete"``, ``"parent"``, ``"neighbours"``, ``"label"``, or why nothing was
        built: ``"no_lines"``, ``"no_faces"``, ``"ambiguous"``.
    """
    members = [list(m) for m in members]
    clipped = any(c is None for m in members for c in m) or not members
    lines = _member_lines(members, frame, clipped)
    if not lines:
        return None, "no_lines"
    linework = shapely.union_all(lines)
    faces = _faces(linework, frame, clipped)
    if not faces:
        return None, "no_faces"
    points = [f.representative_point() for f in faces]
    ref = points[0]
    parity = np.array([_crossings(p, ref, linework) % 2 if i else 0 for i, p in enumerate(points)])
    if not clipped:
        _, _, maxx, maxy = linework.bounds
        far = shapely.Point(maxx + 1.123, maxy + 0.7371)
        # the reference face is inside when a ray from it to a far point crosses an odd number
        inside_class, how = (0 if _crossings(ref, far, linework) % 2 == 1 else 1), "complete"
    elif len(set(parity.tolist())) == 1:
        return None, "ambiguous"  # nothing inside the frame separates inside from outside
    else:
        inside_class, how = _decide_inside(faces, parity, hints, within, avoid)
        if inside_class is None:
            return None, "ambiguous"
    chosen = [f for f, c in zip(faces, parity, strict=True) if c == inside_class]
    geom = _polygonal(shapely.union_all(chosen))
    if geom is not None and not frame.covers(geom):
        geom = _polygonal(geom.intersection(frame))
    if geom is None:
        return None, "no_faces"
    return geom, how


def _member_lines(
    members: list[list[tuple[float, float] | None]], frame: shapely.Polygon, clipped: bool
) -> list[shapely.LineString]:
    """The member ways as lines; in a clipped extract, open ends extended to the frame."""
    lines = []
    for coords in members:
        for run, open_start, open_end in _runs(coords):
            points = _extend(run, open_start, open_end, frame) if clipped else run
            if len(points) >= 2:
                lines.append(shapely.LineString(points))
    return lines


def _faces(linework: shapely.Geometry, frame: shapely.Polygon, clipped: bool) -> list:
    """The faces of the linework (with the frame's edge when clipped), largest first."""
    net = shapely.union_all([linework, frame.exterior]) if clipped else linework
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(net))))
    if clipped:
        faces = [f for f in faces if f.intersection(frame).area > 0]
    return sorted(faces, key=lambda f: -f.area)


def _decide_inside(
    faces: list,
    parity: np.ndarray,
    hints: Iterable[tuple[float, float]],
    within: shapely.Geometry | None,
    avoid: shapely.Geometry | None,
) -> tuple[int | None, str]:
    """The inside class of a clipped relation: by parent, then neighbours, then label nodes."""
    if within is not None and not within.is_empty:
        share = _share(faces, parity, within)
        if abs(share[0] - share[1]) > DECISIVE:
            return int(np.argmax(share)), "parent"
    if avoid is not None and not avoid.is_empty:
        share = _share(faces, parity, avoid)
        if abs(share[0] - share[1]) > DECISIVE:
            return int(np.argmin(share)), "neighbours"
    votes = _hint_votes(faces, parity, hints)
    if votes and votes[0] != votes[1]:
        return (0 if votes[0] > votes[1] else 1), "label"
    return None, "ambiguous"


def _hint_votes(faces: list, parity: np.ndarray, hints: Iterable[tuple[float, float]]) -> Counter:
    """How many label/admin-centre nodes fall in faces of each class."""
    votes: Counter = Counter()
    for lon, lat in hints:
        pt = shapely.Point(lon, lat)
        for face, cls in zip(faces, parity, strict=True):
            if face.covers(pt):
                votes[int(cls)] += 1
                break
    return votes


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


_NAME_TO_CODE = {name: code for code, name in HARBIN_DISTRICTS.items()}


_Built = list[tuple[_Relation, shapely.Geometry, str]]


def _build_admin(
    raw: _Raw,
    frame: shapely.Polygon,
    counts: Counter,
    report: list[str],
    overrides: Mapping[str, str] | None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    parents: dict[str, shapely.Geometry] = {}
    built6 = _build_level(raw, frame, "6", parents, counts, report)
    for rel, geom, _ in built6:
        code = _digits(rel.tags.get("division_code"))[:6]
        code = code or _NAME_TO_CODE.get(_name(rel.tags) or "", "")
        if code:
            parents[code] = geom
    built8 = _build_level(raw, frame, "8", parents, counts, report)
    districts = _district_frame(built6, overrides)
    return districts, _street_frame(built8, districts, counts)


def _build_level(
    raw: _Raw,
    frame: shapely.Polygon,
    level: str,
    parents: Mapping[str, shapely.Geometry],
    counts: Counter,
    report: list[str],
) -> _Built:
    """Every boundary of one admin level: complete ones, then clipped, then a second chance."""
    rels = sorted(
        (r for r in raw.boundaries if r.tags.get("admin_level") == level), key=lambda r: r.osm_id
    )
    built: _Built = []
    clipped = []
    for rel in rels:  # complete boundaries first: they need no decision
        members, missing_ways = _members(rel, raw)
        counts[f"admin{level}_missing_member_ways"] += missing_ways
        if any(c is None for m in members for c in m):
            clipped.append((rel, members))
            continue
        _keep(built, rel, *assemble_boundary(members, frame), level, counts)
    complete = shapely.union_all([g for _, g, _ in built]) if built else None
    pending = []
    for rel, members in clipped:
        hints = [raw.hint_points[n] for n in rel.hint_nodes if n in raw.hint_points]
        code = _digits(rel.tags.get("division_code"))[:6]
        parent = parents.get(code) if level == "8" else None
        geom, how = assemble_boundary(members, frame, hints=hints, within=parent, avoid=complete)
        if geom is None and how == "ambiguous":
            pending.append((rel, members))
        else:
            _keep(built, rel, geom, how, level, counts)
    for rel, members in pending:  # second chance against every neighbour built so far
        avoid = shapely.union_all([g for _, g, _ in built]) if built else None
        geom, how = assemble_boundary(members, frame, avoid=avoid)
        if geom is None:
            label = rel.tags.get("name", rel.osm_id)
            report.append(
                f"边界 {label} 被裁剪且无法判断内外,已跳过 / "
                f"boundary {label} is clipped and its inside cannot be told, skipped"
            )
        _keep(built, rel, geom, how, level, counts)
    for _, _, how in built:
        counts[f"admin{level}_{how}"] += 1
    return built


def _keep(
    built: _Built,
    rel: _Relation,
    geom: shapely.Geometry | None,
    how: str,
    level: str,
    counts: Counter,
) -> None:
    """Add a built boundary, or count it as skipped."""
    if geom is None:
        counts[f"admin{level}_skipped"] += 1
    else:
        built.append((rel, geom, how))


def _district_frame(built: _Built, overrides: Mapping[str, str] | None) -> gpd.GeoDataFrame:
    """The districts layer from the admin level 6 boundaries."""
    rows = []
    for rel, geom, _ in built:
        name = _name(rel.tags) or f"区县 {rel.osm_id}"
        code = _digits(rel.tags.get("division_code"))[:6] or _NAME_TO_CODE.get(name) or ""
        code = code or _osm_id("r", rel.osm_id)
        try:
            klass = district_class(code, overrides)
        except KeyError:  # not a Harbin division: an override by code or name, else county
            klass = (overrides or {}).get(code) or (overrides or {}).get(name) or "county"
        rows.append(
            {
                "district_code": code,
                "name": name,
                "district_class": klass,
                "osm_id": _osm_id("r", rel.osm_id),
                "geometry": geom,
            }
        )
    return _gdf(rows, ["district_code", "name", "district_class", "osm_id"])


def _street_frame(built: _Built, districts: gpd.GeoDataFrame, counts: Counter) -> gpd.GeoDataFrame:
    """The streets layer from the admin level 8 boundaries; missing codes are generated."""
    rows = []
    generated: list[int] = []
    for rel, geom, _ in built:
        digits = _digits(rel.tags.get("division_code"))
        code = digits[:9] if len(digits) >= 9 else ""
        district = digits[:6] if len(digits) >= 6 else ""
        if not district and not districts.empty:
            overlap = shapely.area(shapely.intersection(districts.geometry.to_numpy(), geom))
            if overlap.max() > 0:
                district = str(districts["district_code"].iloc[int(np.argmax(overlap))])
        if not code:
            generated.append(len(rows))
        rows.append(
            {
                "street_code": code,
                "name": _name(rel.tags) or f"街道 {rel.osm_id}",
                "district_code": district or None,
                "osm_id": _osm_id("r", rel.osm_id),
                "geometry": geom,
            }
        )
    seq: Counter = Counter()
    for i in generated:
        district = rows[i]["district_code"]
        if district:
            seq[district] += 1
            rows[i]["street_code"] = f"{district}{900 + seq[district]:03d}"
        else:
            rows[i]["street_code"] = rows[i]["osm_id"]
    counts["street_codes_generated"] = len(generated)
    return _gdf(rows, ["street_code", "name", "district_code", "osm_id"])


def _members(rel: _Relation, raw: _Raw) -> tuple[list[list], int]:
    members = []
    missing = 0
    for way_id, role in rel.ways:
        if role not in ("outer", "inner", ""):
            continue
        coords = raw.way_coords.get(way_id)
        if coords is None:
            missing += 1
            continue
        members.append(coords)
    if missing:
        members.append([None])  # marks the relation as clipped
    return members, missing
