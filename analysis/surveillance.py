"""Surveillance coverage of public places in scattered residential areas (Art. 20).

Art. 20 of the measures asks that scattered residential areas (散住居民区) "install monitoring
equipment covering all public places" and that broken equipment is "repaired promptly"; the
national guidance of 2015 asks for 100 % coverage of key public areas and at least 98 % of
cameras in working order. This module answers, for a set of cameras, buildings and public
spaces:

* :func:`camera_views` -- the area each working camera sees: a sector of ``range_m`` around
  ``bearing_deg`` (degrees clockwise from north), ``fov_deg`` wide, minus whatever buildings
  hide (a true visibility polygon, see :mod:`analysis.visibility`);
* :func:`validate_cameras` -- per-row problems of the camera table (bilingual messages);
* :func:`derive_public_spaces` -- public spaces from the walking network when the
  ``public_spaces`` layer is missing;
* :func:`space_coverage`, :func:`community_summary`, :func:`district_summary` -- covered
  length / area, covered share, blind spots and camera counts against the 98 % target;
* :func:`repair_list` -- broken cameras ordered by the public space they would cover again;
* :func:`candidate_positions`, :func:`suggest_cameras` -- fewest new cameras covering every
  blind spot (exact set cover with HiGHS), or best coverage for a given number of cameras;
* :func:`analyse_surveillance` -- all of the above in one call (used by the CLI and the app).

Every function is pure: GeoDataFrames in, GeoDataFrames / DataFrames out. Metric work is done
in ``crs`` (default: :func:`layers.crs.metric_crs` of the data centroid); results come back in
the CRS of the input.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point

from analysis.selection import select_district
from analysis.visibility import obstacle_segments, sectors, visibility_polygon
from layers.crs import metric_crs as _metric_crs_of
from layers.schema import CAMERA_KINDS

WORKING_TARGET = 0.98
"""Share of cameras that must be in working order (national guidance 2015)."""
COVERAGE_TARGET = 1.0
"""Share of key public areas that must be covered (Art. 20; national guidance 2015)."""
ARTICLE = "Art. 20"

SURVEILLANCE_CHECK = "surveillance"
"""``check`` of the Art. 20 rule in a standard set (params ``working_target``,
``coverage_target``); the constants above are used when the set has no such rule."""


def targets_from_standard(standard=None) -> dict[str, float]:
    """``working_target`` and ``coverage_target`` of the Art. 20 rule of a standard set.

    ``standard`` is an :class:`analysis.standards.StandardSet` (or ``None``); a set without a
    rule whose ``check`` is ``"surveillance"`` gives the national guidance of 2015 (98 %
    working, 100 % covered).
    """
    out = {"working_target": WORKING_TARGET, "coverage_target": COVERAGE_TARGET}
    rule = standard.first(SURVEILLANCE_CHECK) if standard is not None else None
    if rule is not None:
        for key in out:
            if key in rule.params:
                out[key] = float(rule.params[key])
    return out


def managed(communities: pd.DataFrame, management: str | Sequence[str]) -> np.ndarray:
    """Rows whose ``management`` is ``management`` (one value or several, e.g. the
    ``management`` list of the Art. 20 rule)."""
    wanted = [management] if isinstance(management, str) else list(management)
    return communities["management"].isin(wanted).to_numpy()


def management_from_standard(standard=None) -> str | list[str]:
    """The ``management`` types the Art. 20 rule binds (``["scattered"]``, 散住居民区)."""
    rule = standard.first(SURVEILLANCE_CHECK) if standard is not None else None
    if rule is not None and "management" in rule.params:
        return list(rule.params["management"])
    return "scattered"


_STATUS_ALIASES = {
    "working": "working",
    "ok": "working",
    "normal": "working",
    "正常": "working",
    "完好": "working",
    "在用": "working",
    "broken": "broken",
    "faulty": "broken",
    "damaged": "broken",
    "损坏": "broken",
    "故障": "broken",
    "破损": "broken",
}
_LINES = ("LineString", "MultiLineString")
_AREAS = ("Polygon", "MultiPolygon")
_SLIVER_M = 0.05  # blind-spot pieces shorter (m) / smaller (m2) than this are numerical noise
_CLEAN_MARK = "_surveillance_cameras_validated"
_SNAP_OUT_M = 0.1  # how far outside a wall a camera recorded inside a building is placed


class CameraValidationError(ValueError):
    """Camera rows with invalid values; ``problems`` lists them row by row.

    ``problems`` is a DataFrame with columns ``row, camera_id, field, value, severity,
    message_zh, message_en`` (see :func:`validate_cameras`).
    """

    def __init__(self, problems: pd.DataFrame) -> None:
        self.problems = problems
        errors = problems[problems["severity"] == "error"]
        lines = [
            f"  第 {r.row} 行 ({r.camera_id}) {r.field}: {r.message_zh} / "
            f"row {r.row} ({r.camera_id}) {r.field}: {r.message_en}"
            if r.row is not None and r.row == r.row
            else f"  图层 {r.field}: {r.message_zh} / layer {r.field}: {r.message_en}"
            for r in errors.head(20).itertuples()
        ]
        more = len(errors) - len(lines)
        if more > 0:
            lines.append(f"  …… 另有 {more} 处 / … and {more} more")
        super().__init__(
            f"监控数据有 {len(errors)} 处错误 / the camera table has {len(errors)} invalid "
            "values:\n" + "\n".join(lines)
        )


# --------------------------------------------------------------------------------------------
# CRS helpers
# --------------------------------------------------------------------------------------------
def resolve_metric_crs(*frames: gpd.GeoDataFrame | None, crs=None):
    """The metric CRS to work in.

    ``crs`` wins; else the CRS of the first projected frame; else
    :func:`layers.crs.metric_crs` of the centroid of the first geographic frame; ``None`` if
    no frame has a CRS (coordinates are then taken as metres).
    """
    if crs is not None:
        return crs
    frames = [
        f
        for f in frames
        if isinstance(f, gpd.GeoDataFrame | gpd.GeoSeries) and len(f) and f.crs is not None
    ]
    for f in frames:
        if f.crs.is_projected:
            return f.crs
    for f in frames:
        x0, y0, x1, y1 = f.to_crs("EPSG:4326").total_bounds
        if np.all(np.isfinite([x0, y0, x1, y1])):
            return _metric_crs_of((x0 + x1) / 2, (y0 + y1) / 2)
    return None


def _to_metric(gdf: gpd.GeoDataFrame | None, crs) -> gpd.GeoDataFrame | None:
    if gdf is None:
        return None
    if crs is None or gdf.crs is None:
        return gdf.copy()
    return gdf.to_crs(crs)


def _back(gdf: gpd.GeoDataFrame, crs_out) -> gpd.GeoDataFrame:
    if crs_out is None or gdf.crs is None:
        return gdf
    return gdf.to_crs(crs_out)


def _empty(columns: list[str], crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in columns}, geometry=[], crs=crs)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _problem(rows, i, cid, fld, value, zh, en, severity="error"):
    rows.append(
        {
            "row": i,
            "camera_id": cid,
            "field": fld,
            "value": value,
            "severity": severity,
            "message_zh": zh,
            "message_en": en,
        }
    )


def normalise_status(value) -> str | None:
    """``working`` / ``broken`` for a status text (also 正常, 损坏, 故障 ...), else ``None``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return _STATUS_ALIASES.get(str(value).strip().lower())


def validate_cameras(cameras: gpd.GeoDataFrame) -> pd.DataFrame:
    """Check the camera table row by row.

    Checks: point geometry present; ``camera_id`` present and unique; ``bearing_deg`` a number
    in [0, 360] (may be empty for 360-degree cameras); ``fov_deg`` present, in (0, 360];
    ``range_m`` present and > 0; ``status`` ``working`` or ``broken`` (Chinese 正常 / 损坏 /
    故障 accepted); ``kind`` one of dome / bullet / ptz (a warning only).

    Returns
    -------
    pandas.DataFrame
        ``row`` (0-based position), ``camera_id``, ``field``, ``value``, ``severity``
        (``error``: the row cannot be used; ``warning``), ``message_zh``, ``message_en``.
        Empty when everything is valid.
    """
    rows: list[dict] = []
    n = len(cameras)
    cols = ["row", "camera_id", "field", "value", "severity", "message_zh", "message_en"]
    for col, zh in (("fov_deg", "视场角"), ("range_m", "视距"), ("status", "状态")):
        if col not in cameras.columns:
            _problem(rows, None, None, col, None, f"缺少字段 {col}({zh})", f"missing column {col}")
    if any(r["row"] is None for r in rows):
        return pd.DataFrame(rows, columns=cols)

    ids = (
        cameras["camera_id"].tolist()
        if "camera_id" in cameras.columns
        else [str(i) for i in range(n)]
    )
    dup = pd.Series(ids).duplicated(keep=False).to_numpy() if n else np.zeros(0, bool)

    def num(col):
        if col not in cameras.columns:
            return np.full(n, np.nan), np.zeros(n, bool)
        raw = cameras[col]
        vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        bad_text = raw.notna().to_numpy() & np.isnan(vals)
        return vals, bad_text

    bearing, bearing_txt = num("bearing_deg")
    fov, fov_txt = num("fov_deg")
    rng, rng_txt = num("range_m")
    geoms = cameras.geometry.to_numpy()
    for i in range(n):
        cid = ids[i]
        g = geoms[i]
        if g is None or g.is_empty:
            _problem(rows, i, cid, "geometry", None, "缺少位置", "missing location")
        elif g.geom_type != "Point":
            _problem(
                rows,
                i,
                cid,
                "geometry",
                g.geom_type,
                f"位置应为点,实为 {g.geom_type}",
                f"location must be a point, got {g.geom_type}",
            )
        if cid is None or (isinstance(cid, float) and np.isnan(cid)) or str(cid).strip() == "":
            _problem(rows, i, cid, "camera_id", cid, "缺少编号", "missing camera id")
        elif dup[i]:
            _problem(rows, i, cid, "camera_id", cid, "编号重复", "duplicate camera id")
        # field of view first: bearing may be empty for 360-degree cameras
        f = fov[i]
        if fov_txt[i]:
            v = cameras["fov_deg"].iloc[i]
            _problem(rows, i, cid, "fov_deg", v, "视场角不是数字", "field of view is not a number")
        elif np.isnan(f):
            _problem(rows, i, cid, "fov_deg", None, "缺少视场角", "missing field of view")
        elif not 0 < f <= 360:
            _problem(
                rows,
                i,
                cid,
                "fov_deg",
                f,
                f"视场角 {f:g} 度不在 (0, 360] 内",
                f"field of view {f:g} deg is outside (0, 360]",
            )
        b = bearing[i]
        if bearing_txt[i]:
            v = cameras["bearing_deg"].iloc[i]
            _problem(rows, i, cid, "bearing_deg", v, "朝向不是数字", "bearing is not a number")
        elif np.isnan(b):
            if not (np.isfinite(f) and f >= 360):
                _problem(rows, i, cid, "bearing_deg", None, "缺少朝向", "missing bearing")
        elif not 0 <= b <= 360:
            _problem(
                rows,
                i,
                cid,
                "bearing_deg",
                b,
                f"朝向 {b:g} 度不在 0-360 之间",
                f"bearing {b:g} deg is outside 0-360",
            )
        r = rng[i]
        if rng_txt[i]:
            v = cameras["range_m"].iloc[i]
            _problem(rows, i, cid, "range_m", v, "视距不是数字", "range is not a number")
        elif np.isnan(r):
            _problem(rows, i, cid, "range_m", None, "缺少视距", "missing range")
        elif r <= 0:
            _problem(
                rows,
                i,
                cid,
                "range_m",
                r,
                f"视距 {r:g} 米应大于 0",
                f"range {r:g} m must be positive",
            )
        s = cameras["status"].iloc[i]
        if normalise_status(s) is None:
            if s is None or (isinstance(s, float) and np.isnan(s)):
                _problem(rows, i, cid, "status", None, "缺少状态", "missing status")
            else:
                _problem(
                    rows,
                    i,
                    cid,
                    "status",
                    s,
                    f"未知状态 {s!r}(应为 working 正常 / broken 损坏)",
                    f"unknown status {s!r} (expected working / broken)",
                )
        if "kind" in cameras.columns:
            k = cameras["kind"].iloc[i]
            missing = k is None or (isinstance(k, float) and np.isnan(k))
            if not missing and str(k) not in CAMERA_KINDS:
                _problem(
                    rows,
                    i,
                    cid,
                    "kind",
                    k,
                    f"未知类型 {k!r}(应为 {' / '.join(CAMERA_KINDS)})",
                    f"unknown kind {k!r} (expected {' / '.join(CAMERA_KINDS)})",
                    severity="warning",
                )
    return _merge_generic(cameras, pd.DataFrame(rows, columns=cols), fov)


_CAMERA_FIELDS = {"geometry", "camera_id", "bearing_deg", "fov_deg", "range_m", "status"}
_STORAGE_CODES = {"missing_crs", "wrong_crs", "outside_china"}


def _merge_generic(cameras: gpd.GeoDataFrame, own: pd.DataFrame, fov: np.ndarray) -> pd.DataFrame:
    """Add the problems of the generic ``layers.validation.validate("cameras", ...)``.

    Its messages win where both flag the same row and field; checks that are about storage
    (CRS, extent of China: analysis inputs may be metric), a missing bearing of an all-round
    camera and Chinese status words are left out. Problems of the computation fields are
    errors, the others warnings.
    """
    try:
        from layers.validation import validate
    except ImportError:  # pragma: no cover - the generic validator is optional
        return own
    report = validate("cameras", cameras, in_china=False)
    pos = {label: i for i, label in enumerate(cameras.index)}
    ids = cameras["camera_id"].tolist() if "camera_id" in cameras.columns else None
    rows = []
    for p in report.problems:
        if p.code in _STORAGE_CODES:
            continue
        i = pos.get(p.row) if p.row is not None else None
        if i is not None and p.field == "bearing_deg" and p.code == "null_value" and fov[i] >= 360:
            continue
        if i is not None and p.field == "status" and normalise_status(cameras["status"].iloc[i]):
            continue
        value = None
        if i is not None and p.field in cameras.columns and p.field != cameras.geometry.name:
            value = cameras[p.field].iloc[i]
        rows.append(
            {
                "row": i,
                "camera_id": ids[i] if ids is not None and i is not None else None,
                "field": p.field,
                "value": value,
                "severity": "error" if (p.field or "geometry") in _CAMERA_FIELDS else "warning",
                "message_zh": p.message_zh,
                "message_en": p.message_en,
            }
        )
    generic = pd.DataFrame(rows, columns=own.columns)
    seen = set(zip(generic["row"], generic["field"], strict=True))
    keep = [(r, f) not in seen for r, f in zip(own["row"], own["field"], strict=True)]
    out = pd.concat([generic, own[keep]], ignore_index=True) if len(generic) else own
    order = out["row"].fillna(-1).astype(int).to_numpy()
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def _clean_cameras(cameras: gpd.GeoDataFrame, on_invalid: str) -> gpd.GeoDataFrame:
    """Validate, then return a copy with normalised ``status`` and numeric columns."""
    if on_invalid not in ("raise", "skip"):
        raise ValueError("on_invalid 应为 raise 或 skip / on_invalid must be 'raise' or 'skip'")
    if cameras.attrs.get(_CLEAN_MARK):
        return cameras.copy()
    problems = validate_cameras(cameras)
    errors = problems[problems["severity"] == "error"]
    if len(errors) and (on_invalid == "raise" or errors["row"].isna().any()):
        raise CameraValidationError(problems)
    out = cameras.copy()
    if "camera_id" not in out.columns:
        out["camera_id"] = [str(i) for i in range(len(out))]
    if len(errors):
        bad = set(errors["row"].astype(int))
        out = out[[i not in bad for i in range(len(out))]].copy()
    for col in ("bearing_deg", "fov_deg", "range_m"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["bearing_deg"] = out["bearing_deg"].fillna(0.0) % 360.0
    out["status"] = [normalise_status(s) for s in out["status"]]
    out.attrs[_CLEAN_MARK] = True  # internal frames only: skip re-validating them
    return out


# --------------------------------------------------------------------------------------------
# obstacles
# --------------------------------------------------------------------------------------------
class Obstacles:
    """Buildings prepared for ray casting: dissolved footprints, their edges and search trees.

    Parameters
    ----------
    buildings : GeoDataFrame or array of polygons, optional
        Footprints in the metric CRS. Overlapping footprints are dissolved first so that the
        edges of the union are the only walls.
    """

    def __init__(self, buildings=None) -> None:
        geoms = np.empty(0, dtype=object)
        if buildings is not None and len(buildings):
            arr = np.asarray(
                buildings.geometry.to_numpy() if hasattr(buildings, "geometry") else buildings,
                dtype=object,
            )
            arr = arr[~shapely.is_missing(arr)]
            arr = arr[np.isin(shapely.get_type_id(arr), (3, 6))]  # polygons / multipolygons
            arr = shapely.make_valid(arr)
            if arr.size:
                geoms = shapely.get_parts(shapely.union_all(arr))
                geoms = geoms[np.isin(shapely.get_type_id(geoms), (3,))]
        self.polygons = geoms
        self.tree = shapely.STRtree(geoms)
        self.segments = obstacle_segments(geoms) if geoms.size else np.empty((0, 4))
        seg_lines = shapely.linestrings(self.segments.reshape(-1, 2, 2)) if len(geoms) else []
        self.segment_tree = shapely.STRtree(np.asarray(seg_lines, dtype=object))

    def __len__(self) -> int:
        return int(self.polygons.size)

    def segments_near(self, x: float, y: float, radius: float) -> np.ndarray:
        """Edges whose bounding box meets the square of side ``2 radius`` around (x, y)."""
        if not len(self.segments):
            return self.segments
        idx = self.segment_tree.query(shapely.box(x - radius, y - radius, x + radius, y + radius))
        return self.segments[np.sort(idx)]

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Index of the footprint containing each point (or touching it), -1 if none."""
        out = np.full(len(points), -1)
        if not len(self) or not len(points):
            return out
        p_idx, b_idx = self.tree.query(points, predicate="intersects")
        out[p_idx] = b_idx
        return out

    def snap_outside(self, point: Point, building: int) -> tuple[Point, float]:
        """Move a point lying in footprint ``building`` just outside its nearest wall.

        Returns the new point and the distance moved (metres).
        """
        poly = self.polygons[building]
        near = shapely.ops.nearest_points(poly.boundary, point)[0]
        dx, dy = near.x - point.x, near.y - point.y
        d = float(np.hypot(dx, dy))
        dirs = []
        if d > 1e-9:
            dirs.append(np.arctan2(dx, dy))
        dirs.extend(np.radians(np.arange(0, 360, 22.5)))
        for a in dirs:
            cand = Point(near.x + _SNAP_OUT_M * np.sin(a), near.y + _SNAP_OUT_M * np.cos(a))
            if self.inside(np.array([cand]))[0] < 0:
                return cand, float(point.distance(cand))
        return point, 0.0

    def view(
        self,
        x: float,
        y: float,
        radius: float,
        bearing_deg: float,
        fov_deg: float,
        step_deg: float = 1.0,
    ):
        """Visibility polygon of one camera against these obstacles."""
        seg = self.segments_near(x, y, radius)
        return visibility_polygon(x, y, radius, bearing_deg, fov_deg, seg, step_deg=step_deg)


def _obstacles(buildings, crs) -> Obstacles:
    """``buildings`` as :class:`Obstacles` in ``crs`` (an ``Obstacles`` is taken as is)."""
    if isinstance(buildings, Obstacles):
        return buildings
    return Obstacles(_to_metric(buildings, crs) if buildings is not None else None)


# --------------------------------------------------------------------------------------------
# camera views
# --------------------------------------------------------------------------------------------
def camera_views(
    cameras: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    crs=None,
    step_deg: float = 1.0,
    on_invalid: str = "raise",
    include_broken: bool = False,
) -> gpd.GeoDataFrame:
    """One visibility polygon per working camera (Art. 20).

    The view is a sector of radius ``range_m`` centred on ``bearing_deg`` (degrees clockwise
    from north) and ``fov_deg`` wide (360 for dome / PTZ cameras), with the parts hidden behind
    buildings removed (ray casting, see :mod:`analysis.visibility`), computed in ``crs``.

    Cameras with status ``broken`` produce no view (unless ``include_broken``, used to ask what
    a repair would bring back). A camera whose point lies inside (or on the wall of) a building
    is taken as mounted on that building's facade: it is moved just outside the nearest wall
    (``snapped_m`` says how far, ``in_building`` flags it) and its own building then occludes
    like any other; check such cameras, a wrongly placed point may face the wall.

    Parameters
    ----------
    cameras : GeoDataFrame
        Points with ``camera_id, bearing_deg, fov_deg, range_m, status`` (``kind`` optional).
    buildings : GeoDataFrame, optional
        Building footprints (any CRS; reprojected).
    crs : optional
        Metric CRS for the computation; default :func:`resolve_metric_crs`.
    step_deg : float
        Angular step of the rays along the range arc.
    on_invalid : {"raise", "skip"}
        Invalid rows raise :class:`CameraValidationError` (default) or are left out.
    include_broken : bool
        Also compute views of broken cameras.

    Returns
    -------
    GeoDataFrame
        ``camera_id, kind, status, bearing_deg, fov_deg, range_m, in_building, snapped_m``
        and the view polygon, in the CRS of ``cameras``.
    """
    cams = _clean_cameras(cameras, on_invalid)
    work_crs = resolve_metric_crs(cameras, buildings, crs=crs)
    cams_m = _to_metric(cams, work_crs)
    obstacles = _obstacles(buildings, work_crs)
    keep = cams_m["status"].eq("working") | (include_broken & cams_m["status"].eq("broken"))
    cams_m = cams_m[keep.to_numpy()]
    pts = cams_m.geometry.to_numpy()
    host = obstacles.inside(pts)
    geoms, snapped = [], []
    for i, (p, row) in enumerate(zip(pts, cams_m.itertuples(index=False), strict=True)):
        moved = 0.0
        if host[i] >= 0:
            p, moved = obstacles.snap_outside(p, host[i])
        snapped.append(moved)
        geoms.append(obstacles.view(p.x, p.y, row.range_m, row.bearing_deg, row.fov_deg, step_deg))
    out = gpd.GeoDataFrame(
        {
            "camera_id": cams_m["camera_id"].to_numpy(),
            "kind": cams_m["kind"].to_numpy() if "kind" in cams_m else None,
            "status": cams_m["status"].to_numpy(),
            "bearing_deg": cams_m["bearing_deg"].to_numpy(),
            "fov_deg": cams_m["fov_deg"].to_numpy(),
            "range_m": cams_m["range_m"].to_numpy(),
            "in_building": host >= 0,
            "snapped_m": np.asarray(snapped, dtype=float),
        },
        geometry=gpd.GeoSeries(geoms, crs=cams_m.crs),
        crs=cams_m.crs,
    )
    return _back(out, cameras.crs)


# --------------------------------------------------------------------------------------------
# public spaces
# --------------------------------------------------------------------------------------------
def derive_public_spaces(
    communities: gpd.GeoDataFrame,
    network_edges: gpd.GeoDataFrame,
    *,
    management: str | Sequence[str] | None = "scattered",
    entrance_radius_m: float = 5.0,
    crs=None,
) -> gpd.GeoDataFrame:
    """Public spaces of scattered communities derived from the walking network (Art. 20).

    Used when a project has no ``public_spaces`` layer: every walking-network edge clipped to a
    community whose ``management`` is ``management`` (all communities if ``None`` or if the
    column is missing) is a ``street`` space; every point where the network crosses the
    community boundary is an ``entrance`` (a disc of ``entrance_radius_m`` clipped to the
    community). Edges stored in both directions are counted once.

    Returns
    -------
    GeoDataFrame
        ``space_id, kind, community_id`` and line / polygon geometries, in the CRS of
        ``communities``.
    """
    cols = ["space_id", "kind", "community_id"]
    work_crs = resolve_metric_crs(communities, network_edges, crs=crs)
    com = _to_metric(communities, work_crs)
    if management is not None and "management" in com.columns:
        com = com[managed(com, management)]
    edges = _to_metric(network_edges, work_crs)
    if not len(com) or edges is None or not len(edges):
        return _back(_empty(cols, work_crs), communities.crs)
    edges = edges[~edges.geometry.is_empty & edges.geometry.notna()]
    if {"u", "v"} <= set(edges.columns):
        a = np.minimum(edges["u"].to_numpy(), edges["v"].to_numpy())
        b = np.maximum(edges["u"].to_numpy(), edges["v"].to_numpy())
        key = pd.DataFrame({"a": a, "b": b, "l": np.round(edges.geometry.length.to_numpy(), 1)})
        edges = edges[~key.duplicated().to_numpy()]
    else:
        norm = shapely.to_wkb(shapely.normalize(edges.geometry.to_numpy()))
        edges = edges[~pd.Series(norm).duplicated().to_numpy()]
    egeoms = edges.geometry.to_numpy()
    tree = shapely.STRtree(egeoms)
    records = []
    for cid, poly in zip(com["community_id"], com.geometry, strict=True):
        if poly is None or poly.is_empty:
            continue
        idx = tree.query(poly, predicate="intersects")
        if not len(idx):
            continue
        inside = shapely.intersection(egeoms[idx], poly)
        n = 0
        for g in shapely.get_parts(shapely.line_merge(shapely.union_all(inside))):
            if g.geom_type == "LineString" and g.length > _SLIVER_M:
                n += 1
                records.append((f"{cid}-s{n}", "street", cid, g))
        crossings = shapely.intersection(egeoms[idx], poly.boundary)
        pts = shapely.get_parts(shapely.get_parts(crossings))
        pts = pts[shapely.get_type_id(pts) == 0]
        if len(pts):
            discs = shapely.union_all(shapely.buffer(pts, entrance_radius_m))
            k = 0
            for d in shapely.get_parts(discs):
                d = d.intersection(poly)
                if d.area > _SLIVER_M:
                    k += 1
                    records.append((f"{cid}-e{k}", "entrance", cid, d))
    if not records:
        return _back(_empty(cols, work_crs), communities.crs)
    frame = pd.DataFrame.from_records(records, columns=[*cols, "geometry"])
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=work_crs)
    return _back(out, communities.crs)


def _measure(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(length of line parts, area of polygon parts) of each geometry."""
    return shapely.length(_lines_only(geoms)), shapely.area(geoms)


def _lines_only(geoms: np.ndarray) -> np.ndarray:
    out = np.asarray(geoms, dtype=object).copy()
    types = shapely.get_type_id(out)
    out[~np.isin(types, (1, 2, 5))] = None  # only (multi)linestrings / linearring keep length
    return out


def _clean_parts(geom, is_area: bool):
    """Drop numerical slivers and parts of the other dimension from a blind-spot geometry."""
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(geom)
    if is_area:
        parts = parts[np.isin(shapely.get_type_id(parts), (3,))]
        parts = parts[shapely.area(parts) > _SLIVER_M]
    else:
        parts = parts[np.isin(shapely.get_type_id(parts), (1,))]
        parts = parts[shapely.length(parts) > _SLIVER_M]
    if not len(parts):
        return None
    return shapely.line_merge(shapely.union_all(parts)) if not is_area else shapely.union_all(parts)


def overlay_views(geoms: np.ndarray, views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each geometry into its part inside the union of ``views`` and the rest.

    Only the views meeting a geometry are dissolved for it (an STRtree query), which is much
    faster than intersecting with the union of every view of a city.

    Returns
    -------
    covered, uncovered : ndarray of geometries (``None`` / the geometry where no view meets it)
    """
    geoms = np.asarray(geoms, dtype=object)
    views = np.asarray(views, dtype=object)
    covered = np.full(len(geoms), None, dtype=object)
    blind = geoms.copy()
    if views.size:
        views = views[~shapely.is_missing(views)]
        views = views[~shapely.is_empty(views)]
    if not views.size or not geoms.size:
        return covered, blind
    g_idx, v_idx = shapely.STRtree(views).query(geoms, predicate="intersects")
    if not len(g_idx):
        return covered, blind
    order = np.argsort(g_idx, kind="stable")
    g_idx, v_idx = g_idx[order], v_idx[order]
    starts = np.flatnonzero(np.r_[True, g_idx[1:] != g_idx[:-1]])
    ends = np.r_[starts[1:], len(g_idx)]
    which = g_idx[starts]
    unions = np.array(
        [
            views[v_idx[a]] if b - a == 1 else shapely.union_all(views[v_idx[a:b]])
            for a, b in zip(starts, ends, strict=True)
        ],
        dtype=object,
    )
    covered[which] = shapely.intersection(geoms[which], unions)
    blind[which] = shapely.difference(geoms[which], unions)
    return covered, blind


@dataclass
class SpaceCoverage:
    """Coverage of each public space and the uncovered parts (blind spots).

    ``spaces``: ``space_id, kind, community_id, measure`` (``length``/``area``), ``length_m``,
    ``covered_length_m``, ``area_m2``, ``covered_area_m2``, ``covered_share``, with the space
    geometry. ``blind_spots``: one row per space with an uncovered part: ``space_id, kind,
    community_id, length_m, area_m2`` and the uncovered geometry. Both in the input CRS.
    """

    spaces: gpd.GeoDataFrame
    blind_spots: gpd.GeoDataFrame


def space_coverage(
    spaces: gpd.GeoDataFrame, views: gpd.GeoDataFrame | None, *, crs=None
) -> SpaceCoverage:
    """Covered length (lines) or area (polygons) of each public space, and its blind spots.

    A point of a space is covered when it lies in at least one camera view. Uncovered pieces
    shorter than 5 cm (or smaller than 0.05 m2) are rounding noise and dropped from the blind
    spots.
    """
    work_crs = resolve_metric_crs(spaces, views, crs=crs)
    sp = _to_metric(spaces, work_crs).reset_index(drop=True)
    if "space_id" not in sp.columns:
        sp["space_id"] = [f"space-{i + 1}" for i in range(len(sp))]
    for col in ("kind", "community_id"):
        if col not in sp.columns:
            sp[col] = None
    geoms = sp.geometry.to_numpy()
    vg = np.empty(0, dtype=object)
    if views is not None and len(views):
        vg = _to_metric(views, work_crs).geometry.to_numpy()
    is_area = np.isin(shapely.get_type_id(geoms), (3, 6))
    length = np.where(is_area, 0.0, shapely.length(geoms))
    area = np.where(is_area, shapely.area(geoms), 0.0)
    covered, blind = overlay_views(geoms, vg)
    cl, ca = _measure(covered)
    cl = np.where(is_area, 0.0, np.nan_to_num(cl))
    ca = np.where(is_area, np.nan_to_num(ca), 0.0)
    total = np.where(is_area, area, length)
    cov = np.where(is_area, ca, cl)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, np.minimum(cov / total, 1.0), np.nan)
    out = gpd.GeoDataFrame(
        {
            "space_id": sp["space_id"].to_numpy(),
            "kind": sp["kind"].to_numpy(),
            "community_id": sp["community_id"].to_numpy(),
            "measure": np.where(is_area, "area", "length"),
            "length_m": length,
            "covered_length_m": cl,
            "area_m2": area,
            "covered_area_m2": ca,
            "covered_share": share,
        },
        geometry=gpd.GeoSeries(geoms, crs=sp.crs),
        crs=sp.crs,
    )
    bl = [_clean_parts(g, a) for g, a in zip(blind, is_area, strict=True)]
    has = np.array([g is not None for g in bl], dtype=bool)
    bl_arr = np.array(bl, dtype=object)[has] if has.any() else np.empty(0, dtype=object)
    b_area = np.isin(shapely.get_type_id(bl_arr), (3, 6)) if bl_arr.size else np.zeros(0, bool)
    blind_gdf = gpd.GeoDataFrame(
        {
            "space_id": out["space_id"].to_numpy()[has],
            "kind": out["kind"].to_numpy()[has],
            "community_id": out["community_id"].to_numpy()[has],
            "length_m": np.where(b_area, 0.0, shapely.length(bl_arr)) if bl_arr.size else [],
            "area_m2": np.where(b_area, shapely.area(bl_arr), 0.0) if bl_arr.size else [],
        },
        geometry=gpd.GeoSeries(bl_arr, crs=sp.crs),
        crs=sp.crs,
    )
    return SpaceCoverage(_back(out, spaces.crs), _back(blind_gdf, spaces.crs))


def assign_community(points: gpd.GeoDataFrame, communities: gpd.GeoDataFrame | None) -> np.ndarray:
    """``community_id`` of the community containing each geometry's representative point."""
    n = len(points)
    if communities is None or not len(communities) or not n:
        return np.array([None] * n, dtype=object)
    com = communities.to_crs(points.crs) if points.crs is not None else communities
    rep = shapely.point_on_surface(points.geometry.to_numpy())
    tree = shapely.STRtree(com.geometry.to_numpy())
    p_idx, c_idx = tree.query(rep, predicate="intersects")
    out = np.array([None] * n, dtype=object)
    ids = com["community_id"].to_numpy()
    # first community wins when polygons overlap
    order = np.argsort(p_idx, kind="stable")
    p_idx, c_idx = p_idx[order], c_idx[order]
    first = np.r_[True, p_idx[1:] != p_idx[:-1]] if len(p_idx) else np.zeros(0, bool)
    out[p_idx[first]] = ids[c_idx[first]]
    return out


def _camera_counts(cameras: gpd.GeoDataFrame, key: str) -> pd.DataFrame:
    status = pd.Series([normalise_status(s) for s in cameras["status"]], index=cameras.index)
    frame = pd.DataFrame(
        {key: cameras[key].to_numpy(), "working": (status == "working").to_numpy()}
    )
    frame["broken"] = (status == "broken").to_numpy()
    g = frame.groupby(key, dropna=True)
    counts = pd.DataFrame(
        {
            "cameras_total": g.size(),
            "cameras_working": g["working"].sum(),
            "cameras_broken": g["broken"].sum(),
        }
    )
    return counts


def _rates(
    frame: pd.DataFrame, working_target: float, coverage_target: float = COVERAGE_TARGET
) -> pd.DataFrame:
    """Working rate against ``working_target``; ``fully_covered`` against ``coverage_target``.

    Art. 20 asks for *all* public places ("全部公共部位"): lines (streets, alleys) and areas
    (courtyards, squares) must each reach ``coverage_target`` (shares of length and of area
    are not added up); a community without any public space is not fully covered.
    """
    tot = frame["cameras_total"].astype(float)
    frame["working_rate"] = np.where(tot > 0, frame["cameras_working"] / tot.where(tot > 0), np.nan)
    frame["working_target"] = working_target
    frame["meets_working_target"] = frame["working_rate"] >= working_target - 1e-12
    length = frame["public_length_m"].astype(float).to_numpy()
    area = frame["public_area_m2"].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        by_len = frame["covered_length_m"].to_numpy(float) / length
        by_area = frame["covered_area_m2"].to_numpy(float) / area
    lines_ok = (length <= 0) | (by_len >= coverage_target - 1e-6)
    areas_ok = (area <= 0) | (by_area >= coverage_target - 1e-6)
    frame["coverage_target"] = coverage_target
    frame["fully_covered"] = lines_ok & areas_ok & ((length > 0) | (area > 0))
    return frame


def community_summary(
    coverage: SpaceCoverage,
    cameras: gpd.GeoDataFrame | None,
    communities: gpd.GeoDataFrame | None = None,
    *,
    working_target: float = WORKING_TARGET,
    coverage_target: float = COVERAGE_TARGET,
) -> pd.DataFrame:
    """Per community: public length / area, covered, share, cameras total / working / broken.

    ``covered_share`` is the covered share of the length of line spaces where the community
    has any, otherwise the covered share of the area of its polygon spaces (a metre of street
    and a square metre of courtyard are not added up). ``working_rate`` is compared with the
    98 % target of the national guidance (2015); ``fully_covered`` asks ``coverage_target``
    (100 %: all public places, Art. 20) of the lines *and* of the areas, so an unwatched
    courtyard is not hidden by a watched street. Cameras are counted in the community
    containing them.
    """
    sp = pd.DataFrame(coverage.spaces.drop(columns=coverage.spaces.geometry.name))
    sp["community_id"] = sp["community_id"].astype(object)
    g = sp.groupby("community_id", dropna=True)
    table = pd.DataFrame(
        {
            "public_length_m": g["length_m"].sum(),
            "covered_length_m": g["covered_length_m"].sum(),
            "public_area_m2": g["area_m2"].sum(),
            "covered_area_m2": g["covered_area_m2"].sum(),
            "spaces": g.size(),
        }
    )
    if cameras is not None and len(cameras):
        cams = cameras.copy()
        if "community_id" not in cams.columns or cams["community_id"].isna().all():
            cams["community_id"] = assign_community(cams, communities)
        table = table.join(_camera_counts(cams, "community_id"), how="outer")
    ids = table.index
    if communities is not None and len(communities):
        ids = ids.union(pd.Index(communities["community_id"]))
    table = table.reindex(ids)
    for col in ("cameras_total", "cameras_working", "cameras_broken", "spaces"):
        if col not in table.columns:
            table[col] = 0
        table[col] = table[col].fillna(0).astype(int)
    for col in ("public_length_m", "covered_length_m", "public_area_m2", "covered_area_m2"):
        table[col] = table[col].fillna(0.0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_len = table["covered_length_m"] / table["public_length_m"]
        by_area = table["covered_area_m2"] / table["public_area_m2"]
    table["covered_share"] = np.where(table["public_length_m"] > 0, by_len, by_area)
    table["covered_share"] = table["covered_share"].clip(upper=1.0)
    table["covered_share_area"] = by_area.clip(upper=1.0)
    table = _rates(table, working_target, coverage_target)
    table.index.name = "community_id"
    table = table.reset_index()
    if communities is not None and len(communities):
        extra = [c for c in ("name", "district_code", "management") if c in communities]
        info = pd.DataFrame(communities[["community_id", *extra]]).drop_duplicates("community_id")
        table = table.merge(info, on="community_id", how="left")
    table["article"] = ARTICLE
    first = [
        "community_id",
        "public_length_m",
        "covered_length_m",
        "covered_share",
        "cameras_total",
        "cameras_broken",
    ]
    return table[first + [c for c in table.columns if c not in first]]


def district_summary(
    by_community: pd.DataFrame,
    districts: pd.DataFrame | None = None,
    *,
    working_target: float = WORKING_TARGET,
    coverage_target: float = COVERAGE_TARGET,
) -> pd.DataFrame:
    """Per district: public length / area covered, cameras total / working / broken and the
    working rate against the 98 % target (national guidance 2015; Art. 20)."""
    if "district_code" not in by_community.columns:
        return pd.DataFrame()
    num = [
        "public_length_m",
        "covered_length_m",
        "public_area_m2",
        "covered_area_m2",
        "cameras_total",
        "cameras_working",
        "cameras_broken",
    ]
    g = by_community.groupby("district_code", dropna=True)
    table = g[num].sum()
    table["communities"] = g.size()
    with np.errstate(invalid="ignore", divide="ignore"):
        by_len = table["covered_length_m"] / table["public_length_m"]
        by_area = table["covered_area_m2"] / table["public_area_m2"]
    table["covered_share"] = np.where(table["public_length_m"] > 0, by_len, by_area)
    table["covered_share_area"] = by_area
    table = _rates(table, working_target, coverage_target).reset_index()
    if districts is not None and len(districts) and "district_code" in districts:
        names = pd.DataFrame(districts[["district_code", "name"]]).drop_duplicates("district_code")
        table = table.merge(names, on="district_code", how="left")
    table["article"] = ARTICLE
    return table


# --------------------------------------------------------------------------------------------
# repair list
# --------------------------------------------------------------------------------------------
def repair_list(
    cameras: gpd.GeoDataFrame,
    spaces: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    crs=None,
    views: gpd.GeoDataFrame | None = None,
    step_deg: float = 1.0,
    on_invalid: str = "raise",
) -> gpd.GeoDataFrame:
    """Broken cameras ordered by what repairing each one would cover again (Art. 20).

    The gain of a camera is the public-space length (lines) and area (polygons) inside its
    view that no working camera covers now (each gain is measured against the current
    coverage alone, not after the other repairs). Ordered by gain in length, then area.

    Returns
    -------
    GeoDataFrame
        Camera points: ``rank, camera_id, kind, gain_length_m, gain_area_m2`` (plus
        ``community_id`` if present), in the CRS of ``cameras``.
    """
    work_crs = resolve_metric_crs(cameras, spaces, buildings, crs=crs)
    cams = _clean_cameras(cameras, on_invalid)
    broken = cams[cams["status"] == "broken"]
    cols = ["rank", "camera_id", "kind", "gain_length_m", "gain_area_m2"]
    if not len(broken):
        return _back(_empty(cols, work_crs), cameras.crs)
    obstacles = _obstacles(buildings, work_crs)
    if views is None:
        views = camera_views(cams, obstacles, crs=work_crs, step_deg=step_deg)
    now = _to_metric(views, work_crs).geometry.to_numpy() if len(views) else np.empty(0)
    sp = _to_metric(spaces, work_crs).geometry.to_numpy()
    _, blind = overlay_views(sp, now)
    blind = blind[~shapely.is_missing(blind)]
    blind = blind[~shapely.is_empty(blind)]
    broken_m = _to_metric(broken, work_crs)
    bviews = camera_views(broken_m, obstacles, crs=work_crs, step_deg=step_deg, include_broken=True)
    vg = bviews.geometry.to_numpy()
    gl = np.zeros(len(vg))
    ga = np.zeros(len(vg))
    if blind.size and vg.size:
        v_idx, b_idx = shapely.STRtree(blind).query(vg, predicate="intersects")
        part = shapely.intersection(vg[v_idx], blind[b_idx])
        is_area = np.isin(shapely.get_type_id(blind[b_idx]), (3, 6))
        gl = np.bincount(v_idx[~is_area], shapely.length(part[~is_area]), minlength=len(vg))
        ga = np.bincount(v_idx[is_area], shapely.area(part[is_area]), minlength=len(vg))
    pts = _to_metric(broken, work_crs).geometry.to_numpy()
    out = gpd.GeoDataFrame(
        {
            "camera_id": broken["camera_id"].to_numpy(),
            "kind": broken["kind"].to_numpy() if "kind" in broken else None,
            "gain_length_m": np.round(gl, 3),
            "gain_area_m2": np.round(ga, 3),
        },
        geometry=gpd.GeoSeries(pts, crs=work_crs),
        crs=work_crs,
    )
    if "community_id" in broken.columns:
        out["community_id"] = broken["community_id"].to_numpy()
    out = out.sort_values(
        ["gain_length_m", "gain_area_m2", "camera_id"],
        ascending=[False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return _back(out, cameras.crs)


# --------------------------------------------------------------------------------------------
# new cameras
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CameraSpec:
    """The standard camera proposed for new positions.

    ``bearing_step_deg`` sets the bearings tried at each position (0, 45, ... 315 by default);
    a ``fov_deg`` of 360 (dome / PTZ) needs one bearing only.
    """

    kind: str = "bullet"
    fov_deg: float = 90.0
    range_m: float = 30.0
    bearing_step_deg: float = 45.0

    def bearings(self) -> np.ndarray:
        """Bearings (degrees) tried at each candidate position."""
        if self.fov_deg >= 360:
            return np.array([0.0])
        return np.arange(0.0, 360.0, self.bearing_step_deg)


def candidate_positions(
    communities: gpd.GeoDataFrame | None = None,
    network_nodes: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    extra_points: gpd.GeoDataFrame | None = None,
    *,
    lines: gpd.GeoDataFrame | None = None,
    line_spacing_m: float | None = None,
    management: str | Sequence[str] | None = "scattered",
    corner_offset_m: float = 0.5,
    crs=None,
) -> gpd.GeoDataFrame:
    """Where new cameras may go: network nodes and building corners inside the communities.

    Sources: ``network_nodes``; building corners, moved ``corner_offset_m`` away from the
    footprint's centroid (a camera on the outside of the corner); optionally points every
    ``line_spacing_m`` along ``lines`` (poles along streets and paths, e.g. the network edges
    or the public-space lines, useful where blocks are longer than a camera's range); and the
    user's ``extra_points``, always kept. Automatic candidates must lie within 1 m of a
    community with ``management == management`` (all communities if ``None`` or if the column
    is missing; no clipping without ``communities``) and outside every building.

    Returns
    -------
    GeoDataFrame
        Points with ``source`` (``network_node`` / ``building_corner`` / ``along_line`` /
        ``user``) and ``community_id``, in the metric CRS ``crs`` (or the one resolved from
        the inputs).
    """
    work_crs = resolve_metric_crs(communities, network_nodes, buildings, extra_points, crs=crs)
    area = None
    com = _to_metric(communities, work_crs)
    if com is not None and len(com):
        if management is not None and "management" in com.columns:
            com = com[managed(com, management)]
        area = shapely.union_all(com.geometry.to_numpy()) if len(com) else shapely.Polygon()
    parts: list[tuple[str, np.ndarray]] = []
    nodes = _to_metric(network_nodes, work_crs)
    if nodes is not None and len(nodes):
        parts.append(("network_node", nodes.geometry.to_numpy()))
    obstacles = _obstacles(buildings, work_crs)
    polys = obstacles.polygons
    if len(polys):
        if area is not None:
            polys = polys[shapely.intersects(polys, area)]
        coords, idx = shapely.get_coordinates(shapely.get_exterior_ring(polys), return_index=True)
        cen = shapely.get_coordinates(shapely.centroid(polys))[idx]
        d = coords - cen
        norm = np.hypot(d[:, 0], d[:, 1])
        norm[norm == 0] = 1.0
        moved = coords + corner_offset_m * d / norm[:, None]
        parts.append(("building_corner", shapely.points(np.unique(np.round(moved, 3), axis=0))))
    ln = _to_metric(lines, work_crs)
    if ln is not None and len(ln) and line_spacing_m:
        geoms = shapely.get_parts(shapely.boundary(ln.geometry.to_numpy()))
        geoms = shapely.get_parts(
            np.concatenate([shapely.get_parts(ln.geometry.to_numpy()), geoms])
        )
        geoms = geoms[np.isin(shapely.get_type_id(geoms), (1, 2))]
        if area is not None:
            geoms = shapely.intersection(geoms, area)
            geoms = shapely.get_parts(geoms)
            geoms = geoms[np.isin(shapely.get_type_id(geoms), (1, 2))]
        length = shapely.length(geoms)
        n = np.floor(length / line_spacing_m).astype(int) + 1
        owner = np.repeat(np.arange(len(geoms)), n)
        step = np.concatenate([np.arange(k) for k in n]) if len(n) else np.empty(0)
        dist = np.minimum(step * line_spacing_m, length[owner])
        pts = shapely.line_interpolate_point(geoms[owner], dist)
        pts = shapely.points(np.unique(np.round(shapely.get_coordinates(pts), 2), axis=0))
        parts.append(("along_line", pts))
    geoms, sources = [], []
    for src, pts in parts:
        if area is not None:  # nodes on the boundary (entrances) count, within 1 m
            pts = pts[shapely.dwithin(pts, area, 1.0)]
        pts = pts[obstacles.inside(pts) < 0]
        geoms.append(pts)
        sources += [src] * len(pts)
    user = _to_metric(extra_points, work_crs)
    if user is not None and len(user):
        pts = shapely.get_parts(user.geometry.to_numpy())
        pts = pts[shapely.get_type_id(pts) == 0]
        geoms.append(pts)
        sources += ["user"] * len(pts)
    allg = np.concatenate(geoms) if geoms else np.empty(0, dtype=object)
    out = gpd.GeoDataFrame({"source": sources}, geometry=gpd.GeoSeries(allg, crs=work_crs))
    out["community_id"] = assign_community(out, com)
    return out


def discretise(targets: gpd.GeoDataFrame, piece_m: float = 5.0) -> gpd.GeoDataFrame:
    """Cut lines into pieces of at most ``piece_m`` and polygons into ``piece_m`` grid cells.

    ``targets`` must be in a metric CRS. Each piece keeps the attributes of its target row and
    gets ``measure`` (``length`` / ``area``) and ``size`` (metres or square metres).
    """
    geoms = targets.geometry.to_numpy()
    rows, pieces, sizes, kinds = [], [], [], []
    types = shapely.get_type_id(geoms)
    line_idx = np.flatnonzero(np.isin(types, (1, 5)))
    if len(line_idx):
        parts, owner = shapely.get_parts(geoms[line_idx], return_index=True)
        dense = shapely.segmentize(parts, piece_m)
        coords, ci = shapely.get_coordinates(dense, return_index=True)
        same = ci[1:] == ci[:-1]
        segs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
        seg_owner = line_idx[owner[ci[:-1][same]]]
        seg_geoms = shapely.linestrings(segs)
        length = shapely.length(seg_geoms)
        keep = length > 1e-6
        pieces.append(seg_geoms[keep])
        rows.append(seg_owner[keep])
        sizes.append(length[keep])
        kinds += ["length"] * int(keep.sum())
    for i in np.flatnonzero(np.isin(types, (3, 6))):
        g = geoms[i]
        x0, y0, x1, y1 = g.bounds
        xs = np.arange(x0, x1, piece_m)
        ys = np.arange(y0, y1, piece_m)
        gx, gy = np.meshgrid(xs, ys)
        cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + piece_m, gy.ravel() + piece_m)
        cells = cells[shapely.intersects(cells, g)]
        cells = shapely.intersection(cells, g)
        cells = shapely.get_parts(cells)
        cells = cells[shapely.get_type_id(cells) == 3]
        area = shapely.area(cells)
        keep = area > 1e-6
        pieces.append(cells[keep])
        rows.append(np.full(int(keep.sum()), i))
        sizes.append(area[keep])
        kinds += ["area"] * int(keep.sum())
    attrs = pd.DataFrame(targets.drop(columns=targets.geometry.name)).reset_index(drop=True)
    if not pieces:
        out = gpd.GeoDataFrame(attrs.iloc[:0], geometry=[], crs=targets.crs)
        out["measure"], out["size"] = [], []
        return out
    idx = np.concatenate(rows)
    out = gpd.GeoDataFrame(
        attrs.iloc[idx].reset_index(drop=True),
        geometry=gpd.GeoSeries(np.concatenate(pieces), crs=targets.crs),
        crs=targets.crs,
    )
    out["measure"] = kinds
    out["size"] = np.concatenate(sizes)
    return out


@dataclass
class PlacementResult:
    """New camera positions chosen by :func:`suggest_cameras`.

    Attributes
    ----------
    cameras : GeoDataFrame
        New cameras: ``camera_id, kind, bearing_deg, fov_deg, range_m, status, source,
        community_id, new_length_m, new_area_m2`` (points).
    views : GeoDataFrame
        Their view polygons.
    pieces : GeoDataFrame
        The pieces of blind spot that had to be covered, with ``covered`` and ``coverable``.
    uncoverable : GeoDataFrame
        Pieces no candidate camera can see (need another candidate position or spec).
    status : str
        ``optimal``, ``time_limit`` (best found, with ``bound`` and ``gap``), ``nothing_to_do``
        or ``infeasible``.
    objective : float
        Number of cameras (set cover) or covered length + area (max coverage).
    bound : float
        Best proven bound on the objective (lower for set cover, upper for max coverage).
    gap : float
        Relative gap between objective and bound (0 when optimal).
    """

    cameras: gpd.GeoDataFrame
    views: gpd.GeoDataFrame
    pieces: gpd.GeoDataFrame
    uncoverable: gpd.GeoDataFrame
    status: str
    objective: float
    bound: float
    gap: float
    mode: str
    seconds: float
    stats: dict = field(default_factory=dict)

    @property
    def n_cameras(self) -> int:
        """Number of new cameras."""
        return len(self.cameras)


def candidate_views(
    candidates: gpd.GeoDataFrame,
    spec: CameraSpec,
    obstacles: Obstacles | None = None,
    *,
    step_deg: float = 1.0,
) -> gpd.GeoDataFrame:
    """Views of the standard camera at every candidate position and bearing (metric CRS).

    One all-round visibility polygon is cast per position and cut by the sector of each
    bearing.
    """
    obstacles = obstacles or Obstacles()
    pts = candidates.geometry.to_numpy()
    bearings = spec.bearings()
    around, pos_idx = [], []
    for i, p in enumerate(pts):
        around.append(obstacles.view(p.x, p.y, spec.range_m, 0.0, 360.0, step_deg))
        pos_idx.append(i)
    around = np.asarray(around, dtype=object)
    rows_pos = np.repeat(np.arange(len(pts)), len(bearings))
    rows_bear = np.tile(bearings, len(pts))
    if spec.fov_deg >= 360:
        geoms = around[rows_pos] if len(pts) else np.empty(0, dtype=object)
    else:
        xy = shapely.get_coordinates(pts)
        cones = sectors(
            xy[rows_pos, 0], xy[rows_pos, 1], spec.range_m + 1e-6, rows_bear, spec.fov_deg, step_deg
        )
        geoms = (
            shapely.intersection(around[rows_pos], cones) if len(pts) else np.empty(0, dtype=object)
        )
    attrs = pd.DataFrame(candidates.drop(columns=candidates.geometry.name)).iloc[rows_pos]
    out = gpd.GeoDataFrame(
        attrs.reset_index(drop=True),
        geometry=gpd.GeoSeries(geoms, crs=candidates.crs),
        crs=candidates.crs,
    )
    out["position"] = rows_pos
    out["bearing_deg"] = rows_bear
    return out


def _cover_matrix(views: np.ndarray, pieces: np.ndarray, tol: float) -> sparse.csr_matrix:
    """Sparse pieces x views incidence: view j covers piece i (within ``tol`` metres)."""
    tree = shapely.STRtree(pieces)
    grown = shapely.buffer(views, tol, quad_segs=2) if tol > 0 else views
    v_idx, p_idx = tree.query(grown, predicate="covers")
    data = np.ones(len(v_idx), dtype=np.int8)
    return sparse.csr_matrix((data, (p_idx, v_idx)), shape=(len(pieces), len(views)))


def _lazy_greedy(
    Acsc: sparse.csc_matrix,
    columns: np.ndarray,
    weight: np.ndarray,
    budget: int | None = None,
) -> list[int]:
    """Greedy covering over ``columns``: repeatedly take the column adding most row weight.

    Lazy evaluation (a heap of stale gains). Stops when nothing more can be added or after
    ``budget`` columns. Used to order a solution, as a fallback solution and for max cover.
    """
    remaining = np.ones(Acsc.shape[0], dtype=bool)

    def rows(j):
        r = Acsc.indices[Acsc.indptr[j] : Acsc.indptr[j + 1]]
        return r[remaining[r]]

    heap = [(-float(weight[rows(j)].sum()), int(j)) for j in columns]
    heapq.heapify(heap)
    order: list[int] = []
    while heap and (budget is None or len(order) < budget):
        _, j = heapq.heappop(heap)
        r = rows(j)
        gain = float(weight[r].sum())
        if gain <= 0:
            continue
        if heap and gain < -heap[0][0] - 1e-9:
            heapq.heappush(heap, (-gain, j))  # stale: re-queue with its current gain
            continue
        remaining[r] = False
        order.append(j)
    return order


def _milp_cover(A: sparse.csr_matrix, time_limit: float):
    """Minimum set cover: min sum x, A x >= 1, x binary (HiGHS through scipy)."""
    n = A.shape[1]
    return milp(
        c=np.ones(n),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(A, lb=1, ub=np.inf),
        options={"time_limit": max(time_limit, 0.2), "disp": False},
    )


def _set_cover(A: sparse.csr_matrix, time_limit: float) -> tuple[np.ndarray, str, float, int]:
    """Exact set cover, split into independent parts, with a greedy fallback.

    Rows covered by a single column force it; the rest splits into connected components
    (pieces and views that share nothing are solved apart), smallest first, each with a share
    of the remaining time proportional to its size. A part the solver cannot finish in time
    keeps the better of the solver's incumbent and the greedy cover, and contributes the
    solver's dual bound (at least 1).

    Returns
    -------
    x : bool ndarray over the columns, status ("optimal" / "time_limit"), lower bound, parts.
    """
    deadline = time.perf_counter() + time_limit
    A = A.tocsr()
    n = A.shape[1]
    x = np.zeros(n, dtype=bool)
    counts = np.diff(A.indptr)
    forced = np.unique(A.indices[A.indptr[:-1][counts == 1]])
    x[forced] = True
    covered = np.asarray(A[:, forced].sum(axis=1)).ravel() > 0
    bound = float(len(forced))
    R = A[~covered]
    if not R.shape[0]:
        return x, "optimal", bound, 0
    free = np.ones(n, dtype=bool)
    free[forced] = False
    B = sparse.bmat([[None, R], [R.T, None]], format="csr")
    n_comp, labels = connected_components(B, directed=False)
    row_lab, col_lab = labels[: R.shape[0]], labels[R.shape[0] :]
    comps = np.unique(row_lab)
    nnz = np.bincount(row_lab[R.nonzero()[0]], minlength=n_comp).astype(float)
    comps = comps[np.argsort(nnz[comps], kind="stable")]
    left = float(nnz[comps].sum())
    status = "optimal"
    Rc = R.tocsc()
    for c in comps:
        rows = np.flatnonzero(row_lab == c)
        cols = np.flatnonzero((col_lab == c) & free)
        share = nnz[c] / max(left, 1.0)
        left -= nnz[c]
        if len(rows) == 1:
            x[cols[0]] = True
            bound += 1
            continue
        sub = R[rows][:, cols]
        budget = (deadline - time.perf_counter()) * share
        res = _milp_cover(sub, budget)
        sol = cols[np.round(res.x).astype(bool)] if res.x is not None else None
        if res.status == 0 and sol is not None:
            x[sol] = True
            bound += len(sol)
            continue
        status = "time_limit"
        greedy = np.asarray(_lazy_greedy(Rc[rows], cols, np.ones(len(rows))), dtype=int)
        if sol is None or len(greedy) < len(sol):
            sol = greedy
        x[sol] = True
        dual = getattr(res, "mip_dual_bound", None)
        part = float(np.ceil(dual - 1e-9)) if dual is not None and np.isfinite(dual) else 1.0
        bound += max(part, 1.0)
    return x, status, bound, int(len(comps))


def _max_cover(
    A: sparse.csr_matrix, weights: np.ndarray, k: int, time_limit: float
) -> tuple[np.ndarray, str, float]:
    """Maximal covering: max sum w y, y_i <= sum_j A_ij x_j, sum x <= k; x, y binary.

    The greedy solution ((1 - 1/e)-approximate) is kept if the solver's incumbent is not
    better when the time limit stops it. Returns x, status and an upper bound on the weight.
    """
    m, n = A.shape
    greedy = np.asarray(_lazy_greedy(A.tocsc(), np.arange(n), weights, budget=k), dtype=int)
    x_g = np.zeros(n, dtype=bool)
    x_g[greedy] = True
    c = np.concatenate([np.zeros(n), -weights])
    link = sparse.hstack([-A, sparse.identity(m, format="csr")], format="csr")
    budget = sparse.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])[None, :])
    res = milp(
        c=c,
        integrality=np.ones(n + m),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(link, lb=-np.inf, ub=0),
            LinearConstraint(budget, lb=0, ub=k),
        ],
        options={"time_limit": max(time_limit, 0.2), "disp": False},
    )

    def value(x):
        return float(weights[np.asarray(A[:, x].sum(axis=1)).ravel() > 0].sum())

    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else float(weights.sum())
    if res.x is not None:
        x = np.round(res.x[:n]).astype(bool)
        if res.status == 0:
            return x, "optimal", value(x)
        if value(x) >= value(x_g):
            return x, "time_limit", bound
    return x_g, "time_limit", bound


def suggest_cameras(
    targets: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    spec: CameraSpec | None = None,
    max_cameras: int | None = None,
    piece_m: float = 5.0,
    time_limit: float = 30.0,
    tol_m: float = 0.01,
    crs=None,
    step_deg: float = 1.0,
) -> PlacementResult:
    """Fewest new cameras covering every blind spot, or best coverage with ``max_cameras``.

    The blind spots (``targets``: uncovered public-space lines / polygons, e.g.
    ``SpaceCoverage.blind_spots``) are cut into pieces of at most ``piece_m`` (lines) or
    ``piece_m`` grid cells (polygons). A candidate view (``spec`` at every candidate position
    and bearing, occluded by ``buildings``) covers a piece when the piece lies entirely in it
    (within ``tol_m``). Pieces no candidate covers are reported as ``uncoverable``; the others
    are covered with the fewest cameras by an exact set-cover MILP solved with HiGHS
    (``scipy.optimize.milp``): identical rows are merged, pieces only one view covers force
    it, and independent parts (sharing no piece or view) are solved apart. If ``max_cameras``
    is given, the total covered length + area (1 m of line counting as 1 m2) is maximised with
    at most that many cameras instead. ``time_limit`` (seconds) bounds the solver; when it
    stops a part early, the better of its incumbent and a greedy cover is kept and the result
    carries the proven bound and the gap (status ``time_limit``).

    Returns
    -------
    PlacementResult
        In the CRS of ``targets``.
    """
    t0 = time.perf_counter()
    spec = spec or CameraSpec()
    work_crs = resolve_metric_crs(targets, candidates, buildings, crs=crs)
    tg = _to_metric(targets, work_crs)
    cand = _to_metric(candidates, work_crs)
    obstacles = _obstacles(buildings, work_crs)
    pieces = discretise(tg, piece_m) if len(tg) else discretise(tg.iloc[:0], piece_m)
    cam_cols = [
        "camera_id",
        "kind",
        "bearing_deg",
        "fov_deg",
        "range_m",
        "status",
        "source",
        "community_id",
        "new_length_m",
        "new_area_m2",
    ]
    mode = "set_cover" if max_cameras is None else "max_cover"

    def finish(cams, views, status, obj, bound, gap, stats):
        pieces_out = _back(pieces, targets.crs)
        unc = pieces_out[~pieces_out["coverable"].to_numpy()] if len(pieces_out) else pieces_out
        return PlacementResult(
            cameras=_back(cams, targets.crs),
            views=_back(views, targets.crs),
            pieces=pieces_out,
            uncoverable=unc,
            status=status,
            objective=float(obj),
            bound=float(bound),
            gap=float(gap),
            mode=mode,
            seconds=time.perf_counter() - t0,
            stats=stats,
        )

    pieces["covered"] = False
    pieces["coverable"] = False
    empty_cams = _empty(cam_cols, work_crs)
    empty_views = _empty(["camera_id", "bearing_deg"], work_crs)
    if not len(pieces):
        return finish(empty_cams, empty_views, "nothing_to_do", 0, 0, 0, {"pieces": 0})
    # candidates that can see at least one piece
    cand = cand[cand.geometry.notna() & ~cand.geometry.is_empty].reset_index(drop=True)
    if len(cand):
        near, _ = shapely.STRtree(pieces.geometry.to_numpy()).query(
            cand.geometry.to_numpy(), predicate="dwithin", distance=spec.range_m
        )
        cand = cand.iloc[np.unique(near)].reset_index(drop=True)
        cand = cand[obstacles.inside(cand.geometry.to_numpy()) < 0].reset_index(drop=True)
    views = candidate_views(cand, spec, obstacles, step_deg=step_deg)
    vg = views.geometry.to_numpy()
    pg = pieces.geometry.to_numpy()
    A = _cover_matrix(vg, pg, tol_m) if len(vg) else sparse.csr_matrix((len(pg), 0))
    coverable = np.asarray(A.sum(axis=1)).ravel() > 0
    pieces["coverable"] = coverable
    stats = {
        "pieces": int(len(pieces)),
        "coverable_pieces": int(coverable.sum()),
        "candidate_positions": int(len(cand)),
        "candidate_views": int(len(views)),
    }
    if not coverable.any():
        return finish(empty_cams, empty_views, "infeasible", 0, 0, 0, stats)
    # drop useless columns, merge identical rows (same set of covering views)
    Ac = A[coverable].tocsc()
    used = np.flatnonzero(np.asarray(Ac.sum(axis=0)).ravel() > 0)
    Ac = Ac[:, used].tocsr()
    Ac.sort_indices()
    keys = [Ac.indices[Ac.indptr[i] : Ac.indptr[i + 1]].tobytes() for i in range(Ac.shape[0])]
    codes = pd.factorize(pd.Series(keys))[0]
    _, first = np.unique(codes, return_index=True)
    Ar = Ac[first]
    weights = np.bincount(codes, weights=pieces["size"].to_numpy()[coverable])
    stats.update({"rows": int(Ar.shape[0]), "columns": int(Ar.shape[1])})
    if max_cameras is None:
        x, status, bound, parts = _set_cover(Ar, time_limit)
        stats["components"] = parts
    else:
        x, status, bound = _max_cover(Ar, weights, int(max_cameras), time_limit)
    chosen = used[x]
    sizes = pieces["size"].to_numpy()
    is_len = (pieces["measure"] == "length").to_numpy()
    # order by decreasing marginal gain; a camera adding nothing (possible in a time-limited
    # solution) is dropped
    order = _lazy_greedy(A.tocsc(), chosen, sizes)
    chosen = np.asarray(order, dtype=int)
    if mode == "set_cover":
        obj = float(len(chosen))
        gap = 0.0 if status == "optimal" else max(obj - bound, 0.0) / max(obj, 1.0)
    else:
        obj = float(weights[np.asarray(Ar[:, x].sum(axis=1)).ravel() > 0].sum())
        gap = 0.0 if status == "optimal" else max(bound - obj, 0.0) / max(abs(bound), 1e-9)
    covered = np.asarray(A[:, chosen].sum(axis=1)).ravel() > 0
    pieces["covered"] = covered
    Acsc = A.tocsc()
    seen = np.zeros(len(sizes), dtype=bool)
    gains = []
    for j in chosen:
        r = Acsc.indices[Acsc.indptr[j] : Acsc.indptr[j + 1]]
        r = r[~seen[r]]
        seen[r] = True
        gains.append((float(sizes[r][is_len[r]].sum()), float(sizes[r][~is_len[r]].sum())))
    order = chosen
    pos = views["position"].to_numpy()[order]
    pts = cand.geometry.to_numpy()[pos]
    cams = gpd.GeoDataFrame(
        {
            "camera_id": [f"NEW-{i + 1}" for i in range(len(order))],
            "kind": spec.kind,
            "bearing_deg": views["bearing_deg"].to_numpy()[order],
            "fov_deg": float(spec.fov_deg),
            "range_m": float(spec.range_m),
            "status": "planned",
            "source": cand["source"].to_numpy()[pos] if "source" in cand else "user",
            "community_id": (
                cand["community_id"].to_numpy()[pos] if "community_id" in cand else None
            ),
            "new_length_m": np.round([g[0] for g in gains], 3),
            "new_area_m2": np.round([g[1] for g in gains], 3),
        },
        geometry=gpd.GeoSeries(pts, crs=work_crs),
        crs=work_crs,
    )
    out_views = gpd.GeoDataFrame(
        {"camera_id": cams["camera_id"].to_numpy(), "bearing_deg": cams["bearing_deg"]},
        geometry=gpd.GeoSeries(vg[order], crs=work_crs),
        crs=work_crs,
    )
    return finish(cams, out_views, status, obj, bound, gap, stats)


# --------------------------------------------------------------------------------------------
# everything at once
# --------------------------------------------------------------------------------------------
@dataclass
class SurveillanceResult:
    """Result of :func:`analyse_surveillance` (all frames in the CRS of the inputs)."""

    views: gpd.GeoDataFrame
    spaces: gpd.GeoDataFrame
    blind_spots: gpd.GeoDataFrame
    repair: gpd.GeoDataFrame
    placement: PlacementResult | None
    by_community: pd.DataFrame
    by_district: pd.DataFrame
    problems: pd.DataFrame
    derived_spaces: bool
    crs: object = None
    totals: dict = field(default_factory=dict)


def overall_totals(
    spaces: pd.DataFrame, cameras: pd.DataFrame, *, working_target: float = WORKING_TARGET
) -> dict:
    """Totals of the analysed area: public length / area, covered, cameras and working rate.

    ``spaces`` is ``SpaceCoverage.spaces``; ``cameras`` the camera table counted (status
    ``working`` / ``broken``).
    """
    status = [normalise_status(v) for v in cameras["status"]] if len(cameras) else []
    total = len(status)
    working = sum(v == "working" for v in status)
    broken = sum(v == "broken" for v in status)
    length = float(spaces["length_m"].sum()) if len(spaces) else 0.0
    covered = float(spaces["covered_length_m"].sum()) if len(spaces) else 0.0
    area = float(spaces["area_m2"].sum()) if len(spaces) else 0.0
    covered_area = float(spaces["covered_area_m2"].sum()) if len(spaces) else 0.0
    rate = working / total if total else float("nan")
    return {
        "cameras_total": total,
        "cameras_working": working,
        "cameras_broken": broken,
        "working_rate": rate,
        "working_target": working_target,
        "meets_working_target": bool(total and rate >= working_target - 1e-12),
        "public_length_m": length,
        "covered_length_m": covered,
        "public_area_m2": area,
        "covered_area_m2": covered_area,
        "covered_share": covered / length if length else float("nan"),
        "covered_share_area": covered_area / area if area else float("nan"),
    }


def analyse_surveillance(
    cameras: gpd.GeoDataFrame,
    *,
    public_spaces: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    network_edges: gpd.GeoDataFrame | None = None,
    network_nodes: gpd.GeoDataFrame | None = None,
    districts: pd.DataFrame | None = None,
    district: str | None = None,
    extra_candidates: gpd.GeoDataFrame | None = None,
    spec: CameraSpec | None = None,
    max_cameras: int | None = None,
    suggest: bool = True,
    piece_m: float = 5.0,
    time_limit: float = 30.0,
    crs=None,
    on_invalid: str = "raise",
    working_target: float = WORKING_TARGET,
    management: str | Sequence[str] | None = "scattered",
    line_spacing_m: float | None = None,
    coverage_target: float = COVERAGE_TARGET,
) -> SurveillanceResult:
    """Art. 20 surveillance check of a project (or of one ``district``).

    Public spaces come from ``public_spaces`` or, when that is ``None`` / empty, from
    :func:`derive_public_spaces` (scattered communities x walking network). Views, coverage,
    blind spots, the repair list, new camera suggestions (:func:`suggest_cameras` on the blind
    spots, candidates from :func:`candidate_positions`) and the community / district tables are
    computed in one metric CRS and returned in the CRS of ``cameras``.

    Art. 20 binds scattered residential areas: with ``management="scattered"`` (default) the
    public spaces are derived for, and new cameras proposed in, communities whose
    ``management`` is ``scattered`` only (the coverage table still lists every community);
    ``None`` uses all. New-camera candidates are network nodes, building corners and points
    every ``line_spacing_m`` (default: the camera range) along public-space lines, polygon
    outlines and network edges, plus ``extra_candidates``.
    """
    out_crs = cameras.crs
    work_crs = resolve_metric_crs(cameras, public_spaces, communities, buildings, crs=crs)
    problems = validate_cameras(cameras)
    cams = _clean_cameras(cameras, on_invalid)
    com = _to_metric(communities, work_crs)
    if district is not None:
        if com is None:
            raise ValueError("按区县筛选需要社区图层 / selecting a district needs communities")
        com = select_district(com, district, districts)
    derived = public_spaces is None or not len(public_spaces)
    if derived:
        if com is None or network_edges is None:
            raise ValueError(
                "没有公共部位图层,也无法从社区和步行路网推导 / no public_spaces layer, and no "
                "communities + network_edges to derive them from"
            )
        spaces = derive_public_spaces(com, network_edges, management=management, crs=work_crs)
    else:
        spaces = _to_metric(public_spaces, work_crs)
        if "community_id" not in spaces.columns or spaces["community_id"].isna().any():
            assigned = assign_community(spaces, com)
            if "community_id" in spaces.columns:
                spaces["community_id"] = spaces["community_id"].where(
                    spaces["community_id"].notna(), pd.Series(assigned, index=spaces.index)
                )
            else:
                spaces["community_id"] = assigned
        if district is not None:
            spaces = spaces[spaces["community_id"].isin(set(com["community_id"]))]
    cams_m = _to_metric(cams, work_crs)
    cams_m["community_id"] = assign_community(cams_m, com)
    if district is not None and len(spaces):
        reach = float(cams_m["range_m"].max()) if len(cams_m) else 0.0
        zone = shapely.union_all(com.geometry.to_numpy()).buffer(reach)
        cams_m = cams_m[shapely.intersects(cams_m.geometry.to_numpy(), zone)]
    bld = _to_metric(buildings, work_crs)
    obstacles = Obstacles(bld)
    views = camera_views(cams_m, obstacles, crs=work_crs)
    views = views.merge(
        pd.DataFrame(cams_m[["camera_id", "community_id"]]), on="camera_id", how="left"
    )
    cov = space_coverage(spaces, views, crs=work_crs)
    counted = cams_m[cams_m["community_id"].notna()]
    by_com = community_summary(
        cov, counted, com, working_target=working_target, coverage_target=coverage_target
    )
    by_dis = district_summary(
        by_com, districts, working_target=working_target, coverage_target=coverage_target
    )
    repair = repair_list(cams_m, spaces, obstacles, crs=work_crs, views=views)
    if district is not None and len(repair):
        # broken cameras of the district, and those next to it that would cover some of it
        inside = repair["community_id"].isin(set(com["community_id"])).to_numpy()
        gain = (repair["gain_length_m"] > 0) | (repair["gain_area_m2"] > 0)
        repair = repair[inside | gain.to_numpy()].copy()
        repair["rank"] = np.arange(1, len(repair) + 1)
    placement = None
    if suggest:
        spec = spec or CameraSpec()
        line_src = [spaces]
        if network_edges is not None and len(network_edges):
            line_src.append(_to_metric(network_edges, work_crs)[["geometry"]])
        lines = pd.concat([f[["geometry"]] for f in line_src], ignore_index=True)
        cand = candidate_positions(
            com,
            network_nodes,
            obstacles,
            extra_candidates,
            lines=gpd.GeoDataFrame(lines, geometry="geometry", crs=work_crs),
            line_spacing_m=line_spacing_m if line_spacing_m is not None else spec.range_m,
            management=management,
            crs=work_crs,
        )
        targets = cov.blind_spots
        if management is not None and com is not None and "management" in com.columns:
            keep = set(com.loc[managed(com, management), "community_id"])
            targets = targets[targets["community_id"].isin(keep).to_numpy()]
        placement = suggest_cameras(
            targets,
            cand,
            obstacles,
            spec=spec,
            max_cameras=max_cameras,
            piece_m=piece_m,
            time_limit=time_limit,
            crs=work_crs,
        )
        placement = PlacementResult(
            cameras=_back(placement.cameras, out_crs),
            views=_back(placement.views, out_crs),
            pieces=_back(placement.pieces, out_crs),
            uncoverable=_back(placement.uncoverable, out_crs),
            status=placement.status,
            objective=placement.objective,
            bound=placement.bound,
            gap=placement.gap,
            mode=placement.mode,
            seconds=placement.seconds,
            stats=placement.stats,
        )
    return SurveillanceResult(
        views=_back(views, out_crs),
        spaces=_back(cov.spaces, out_crs),
        blind_spots=_back(cov.blind_spots, out_crs),
        repair=_back(repair, out_crs),
        placement=placement,
        by_community=by_com,
        by_district=by_dis,
        problems=problems,
        derived_spaces=derived,
        crs=work_crs,
        totals=overall_totals(
            cov.spaces, counted if com is not None else cams_m, working_target=working_target
        ),
    )
