"""The camera table: status words, row-by-row validation, the cleaned frame the analysis uses.

:func:`validate_cameras` lists every problem of the table (bilingual messages, one row per
problem); :func:`clean_cameras` raises :class:`CameraValidationError` or leaves invalid rows
out, and returns numeric columns and normalised ``status`` values.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import InputProblemsError
from layers.field_values import is_blank
from layers.schema import CAMERA_KINDS

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
_CLEAN_MARK = "_surveillance_cameras_validated"
_COLUMNS = ["row", "camera_id", "field", "value", "severity", "message_zh", "message_en"]


class CameraValidationError(InputProblemsError):
    """Camera rows with invalid values; ``problems`` lists them row by row.

    ``problems`` is a DataFrame with columns ``row, camera_id, field, value, severity,
    message_zh, message_en`` (see :func:`validate_cameras`).
    """

    def __init__(self, problems: pd.DataFrame) -> None:
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
            problems,
            f"监控数据有 {len(errors)} 处错误 / the camera table has {len(errors)} invalid "
            "values:\n" + "\n".join(lines),
        )


def _problem(i, cid, fld, value, zh, en, severity="error") -> dict:
    return {
        "row": i,
        "camera_id": cid,
        "field": fld,
        "value": value,
        "severity": severity,
        "message_zh": zh,
        "message_en": en,
    }


def normalise_status(value) -> str | None:
    """``working`` / ``broken`` for a status text (also 正常, 损坏, 故障 ...), else ``None``."""
    if is_blank(value):
        return None
    return _STATUS_ALIASES.get(str(value).strip().lower())


@dataclass(frozen=True)
class _Numbers:
    """A numeric column of the camera table: values (NaN if empty) and "not a number" flags."""

    values: np.ndarray
    bad_text: np.ndarray
    raw: pd.Series | None

    @classmethod
    def of(cls, cameras: gpd.GeoDataFrame, col: str) -> _Numbers:
        n = len(cameras)
        if col not in cameras.columns:
            return cls(np.full(n, np.nan), np.zeros(n, bool), None)
        raw = cameras[col]
        vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        return cls(vals, raw.notna().to_numpy() & np.isnan(vals), raw)


@dataclass(frozen=True)
class _Table:
    """What the row checks read: the frame, camera ids, duplicate flags, numeric columns."""

    cameras: gpd.GeoDataFrame
    ids: list
    dup: np.ndarray
    geoms: np.ndarray
    bearing: _Numbers
    fov: _Numbers
    rng: _Numbers

    @classmethod
    def of(cls, cameras: gpd.GeoDataFrame) -> _Table:
        n = len(cameras)
        ids = (
            cameras["camera_id"].tolist()
            if "camera_id" in cameras.columns
            else [str(i) for i in range(n)]
        )
        dup = pd.Series(ids).duplicated(keep=False).to_numpy() if n else np.zeros(0, bool)
        return cls(
            cameras,
            ids,
            dup,
            cameras.geometry.to_numpy(),
            _Numbers.of(cameras, "bearing_deg"),
            _Numbers.of(cameras, "fov_deg"),
            _Numbers.of(cameras, "range_m"),
        )


def _check_geometry(t: _Table, i: int) -> list[dict]:
    g = t.geoms[i]
    cid = t.ids[i]
    if g is None or g.is_empty:
        return [_problem(i, cid, "geometry", None, "缺少位置", "missing location")]
    if g.geom_type != "Point":
        return [
            _problem(
                i,
                cid,
                "geometry",
                g.geom_type,
                f"位置应为点,实为 {g.geom_type}",
                f"location must be a point, got {g.geom_type}",
            )
        ]
    return []


def _check_id(t: _Table, i: int) -> list[dict]:
    cid = t.ids[i]
    if is_blank(cid) or str(cid).strip() == "":
        return [_problem(i, cid, "camera_id", cid, "缺少编号", "missing camera id")]
    if t.dup[i]:
        return [_problem(i, cid, "camera_id", cid, "编号重复", "duplicate camera id")]
    return []


def _check_fov(t: _Table, i: int) -> list[dict]:
    cid, f = t.ids[i], t.fov.values[i]
    if t.fov.bad_text[i]:
        v = t.fov.raw.iloc[i]
        return [_problem(i, cid, "fov_deg", v, "视场角不是数字", "field of view is not a number")]
    if np.isnan(f):
        return [_problem(i, cid, "fov_deg", None, "缺少视场角", "missing field of view")]
    if not 0 < f <= 360:
        return [
            _problem(
                i,
                cid,
                "fov_deg",
                f,
                f"视场角 {f:g} 度不在 (0, 360] 内",
                f"field of view {f:g} deg is outside (0, 360]",
            )
        ]
    return []


def _check_bearing(t: _Table, i: int) -> list[dict]:
    """Bearing in [0, 360]; may be empty for a 360-degree camera."""
    cid, b, f = t.ids[i], t.bearing.values[i], t.fov.values[i]
    if t.bearing.bad_text[i]:
        v = t.bearing.raw.iloc[i]
        return [_problem(i, cid, "bearing_deg", v, "朝向不是数字", "bearing is not a number")]
    if np.isnan(b):
        if np.isfinite(f) and f >= 360:
            return []
        return [_problem(i, cid, "bearing_deg", None, "缺少朝向", "missing bearing")]
    if not 0 <= b <= 360:
        return [
            _problem(
                i,
                cid,
                "bearing_deg",
                b,
                f"朝向 {b:g} 度不在 0-360 之间",
                f"bearing {b:g} deg is outside 0-360",
            )
        ]
    return []


def _check_range(t: _Table, i: int) -> list[dict]:
    cid, r = t.ids[i], t.rng.values[i]
    if t.rng.bad_text[i]:
        v = t.rng.raw.iloc[i]
        return [_problem(i, cid, "range_m", v, "视距不是数字", "range is not a number")]
    if np.isnan(r):
        return [_problem(i, cid, "range_m", None, "缺少视距", "missing range")]
    if r <= 0:
        return [
            _problem(
                i, cid, "range_m", r, f"视距 {r:g} 米应大于 0", f"range {r:g} m must be positive"
            )
        ]
    return []


def _check_status(t: _Table, i: int) -> list[dict]:
    cid, s = t.ids[i], t.cameras["status"].iloc[i]
    if normalise_status(s) is not None:
        return []
    if is_blank(s):
        return [_problem(i, cid, "status", None, "缺少状态", "missing status")]
    return [
        _problem(
            i,
            cid,
            "status",
            s,
            f"未知状态 {s!r}(应为 working 正常 / broken 损坏)",
            f"unknown status {s!r} (expected working / broken)",
        )
    ]


def _check_kind(t: _Table, i: int) -> list[dict]:
    """An unknown ``kind`` is a warning only."""
    if "kind" not in t.cameras.columns:
        return []
    k = t.cameras["kind"].iloc[i]
    if is_blank(k) or str(k) in CAMERA_KINDS:
        return []
    kinds = " / ".join(CAMERA_KINDS)
    return [
        _problem(
            i,
            t.ids[i],
            "kind",
            k,
            f"未知类型 {k!r}(应为 {kinds})",
            f"unknown kind {k!r} (expected {kinds})",
            severity="warning",
        )
    ]


# field of view before bearing: a bearing may be empty for a 360-degree camera
_ROW_CHECKS = (
    _check_geometry,
    _check_id,
    _check_fov,
    _check_bearing,
    _check_range,
    _check_status,
    _check_kind,
)


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
    missing = [
        _problem(None, None, col, None, f"缺少字段 {col}({zh})", f"missing column {col}")
        for col, zh in (("fov_deg", "视场角"), ("range_m", "视距"), ("status", "状态"))
        if col not in cameras.columns
    ]
    if missing:
        return pd.DataFrame(missing, columns=_COLUMNS)
    table = _Table.of(cameras)
    rows = [p for i in range(len(cameras)) for check in _ROW_CHECKS for p in check(table, i)]
    return _merge_generic(cameras, pd.DataFrame(rows, columns=_COLUMNS), table.fov.values)


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


def clean_cameras(cameras: gpd.GeoDataFrame, on_invalid: str) -> gpd.GeoDataFrame:
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
