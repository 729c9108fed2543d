"""Surveillance of public places (issue 7, Art. 20): the check, its layers and tables."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from analysis.compliance import is_missing as compliance_is_missing
from analysis.standards import StandardError
from analysis.surveillance import (
    CameraSpec,
    SurveillanceResult,
    analyse_surveillance,
    management_from_standard,
    normalise_status,
    targets_from_standard,
)
from geo_app.i18n import catalogue, field_label, normalise_lang, t, value_label
from geo_app.project import GeoPackageStore, Project, ProjectError
from geo_app.workflows.project_access import project_standard

SURVEILLANCE_LAYERS = (
    "public_spaces",
    "buildings",
    "communities",
    "network_edges",
    "network_nodes",
    "districts",
)
"""Optional layers read by :func:`project_surveillance` besides ``cameras``."""

SURVEILLANCE_COMMUNITY_COLUMNS = (
    "community_id",
    "name",
    "management",
    "public_length_m",
    "covered_length_m",
    "covered_share",
    "public_area_m2",
    "covered_area_m2",
    "covered_share_area",
    "cameras_total",
    "cameras_working",
    "cameras_broken",
    "working_rate",
    "meets_working_target",
    "fully_covered",
)
"""Columns of the per-community table the surveillance page shows, in order."""
REPAIR_COLUMNS = ("rank", "camera_id", "kind", "community_id", "gain_length_m", "gain_area_m2")
"""Columns of the repair list (broken cameras ordered by what a repair would cover again)."""
SUGGESTED_COLUMNS = (
    "install_rank",
    "camera_id",
    "kind",
    "bearing_deg",
    "fov_deg",
    "range_m",
    "community_id",
    "source",
    "new_length_m",
    "new_area_m2",
    "gain_share",
    "covered_share_after",
    "covered_share_area_after",
    "lon",
    "lat",
)
"""Columns of the table of suggested new cameras, in install order (what each adds, the
coverage once it is installed: :func:`analysis.surveillance.rank_new_cameras`)."""
SHARE_COLUMNS = (
    "covered_share",
    "covered_share_area",
    "working_rate",
    "working_target",
    "covered_share_after",
    "covered_share_area_after",
    "gain_share",
)
"""Shares (0-1) that the surveillance tables show as percentages."""
CAMERA_PROBLEM_COLUMNS = (
    "row",
    "camera_id",
    "field",
    "value",
    "severity",
    "message_zh",
    "message_en",
)


def surveillance_spec(
    fov_deg: float = 90.0,
    range_m: float = 30.0,
    bearing_step_deg: float = 45.0,
    kind: str | None = None,
) -> CameraSpec:
    """The standard camera for new positions, checked.

    A ``fov_deg`` of 360 (or ``kind="dome"``) is an all-round camera tried with one bearing;
    ``kind`` defaults to ``dome`` for 360 degrees and ``bullet`` otherwise.

    Raises
    ------
    ProjectError
        When the range or bearing step is not positive or the field of view is not in (0, 360].
    """
    if kind == "dome":
        fov_deg = 360.0
    if not range_m > 0 or not 0 < fov_deg <= 360 or not bearing_step_deg > 0:
        raise ProjectError(
            "视距、视场角和朝向间隔须为正数(视场角不超过 360 度)/ range, field of view and "
            "bearing step must be positive (field of view at most 360 degrees)"
        )
    if fov_deg >= 360:
        return CameraSpec(kind=kind or "dome", fov_deg=360.0, range_m=float(range_m))
    return CameraSpec(
        kind=kind or "bullet",
        fov_deg=float(fov_deg),
        range_m=float(range_m),
        bearing_step_deg=float(bearing_step_deg),
    )


@dataclass(frozen=True)
class SurveillanceOptions:
    """How :func:`project_surveillance` checks a project.

    Parameters
    ----------
    district : str, optional
        One district (name or code); default the whole project.
    spec : CameraSpec, optional
        The standard new camera (:func:`surveillance_spec`; default 90 degrees, 30 m,
        bearings every 45 degrees).
    max_cameras : int, optional
        At most this many new cameras are suggested.
    suggest : bool
        Suggest new camera positions for the blind spots.
    piece_m : float
        Length (m) of the pieces public space is cut into.
    time_limit : float
        Seconds the placement solver may take.
    on_invalid : {"raise", "skip"}
        What invalid camera rows do.
    """

    district: str | None = None
    spec: CameraSpec | None = None
    max_cameras: int | None = None
    suggest: bool = True
    piece_m: float = 5.0
    time_limit: float = 60.0
    on_invalid: str = "raise"


def project_surveillance(
    project: Project,
    *,
    options: SurveillanceOptions | None = None,
    extra_candidates: gpd.GeoDataFrame | None = None,
    **settings: Any,
) -> SurveillanceResult:
    """Art. 20 surveillance check of a project (or of one ``district``, name or code).

    Reads ``cameras`` and the optional :data:`SURVEILLANCE_LAYERS`, takes the working-rate
    target from the project's standard set (national guidance 98 % when the set has no Art. 20
    rule) and calls :func:`analysis.surveillance.analyse_surveillance` in the project's metric
    CRS. ``options`` is a :class:`SurveillanceOptions`, or its fields are given one by one
    (``district=..., spec=...``); ``extra_candidates`` are further places for new cameras.

    Raises
    ------
    ProjectError
        When the project has no ``cameras`` layer.
    CameraValidationError
        When camera rows are invalid and ``on_invalid="raise"`` (``"skip"`` leaves them out;
        they are listed in ``result.problems`` either way).
    ValueError
        With a bilingual message for an unknown district or missing public spaces.
    """
    if options is not None and settings:
        raise TypeError("give options or its fields, not both")
    options = options or SurveillanceOptions(**settings)
    if not project.has_layer("cameras"):
        raise ProjectError("项目中没有监控图层 cameras / the project has no cameras layer")
    layers = {n: project.optional_layer(n) for n in SURVEILLANCE_LAYERS}
    try:
        standard = project_standard(project)
    except StandardError:
        standard = None  # the national guidance (98 % working) applies
    targets = targets_from_standard(standard)
    return analyse_surveillance(
        project.layer("cameras"),
        public_spaces=layers["public_spaces"],
        buildings=layers["buildings"],
        communities=layers["communities"],
        network_edges=layers["network_edges"],
        network_nodes=layers["network_nodes"],
        districts=layers["districts"],
        district=options.district,
        extra_candidates=extra_candidates,
        spec=options.spec or CameraSpec(),
        max_cameras=options.max_cameras,
        suggest=options.suggest,
        piece_m=options.piece_m,
        time_limit=options.time_limit,
        crs=project.metric_crs,
        on_invalid=options.on_invalid,
        working_target=targets["working_target"],
        coverage_target=targets["coverage_target"],
        management=management_from_standard(standard),
    )


def _writable(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame ready for the GeoPackage: CRS set, no table without columns."""
    if isinstance(frame, gpd.GeoDataFrame):
        return frame if frame.crs is not None else frame.set_crs("EPSG:4326")
    frame = pd.DataFrame(frame)
    if not len(frame.columns):
        frame = pd.DataFrame({"note": pd.Series(dtype=str)})
    return frame


def surveillance_layers(result: SurveillanceResult) -> dict[str, pd.DataFrame]:
    """The layers of a result GeoPackage, by name.

    Spatial: ``camera_views``, ``blind_spots``, ``repair_list``, ``suggested_cameras``
    (always, possibly empty) and, with a placement, ``suggested_views`` and
    ``uncoverable_spots``; tables: ``surveillance_by_community``, ``surveillance_by_district``,
    ``camera_problems``.
    """
    out: dict[str, pd.DataFrame] = {
        "camera_views": result.views,
        "blind_spots": result.blind_spots,
        "repair_list": result.repair,
        "surveillance_by_community": result.by_community,
        "surveillance_by_district": result.by_district,
        "camera_problems": result.problems.astype({"value": str}),
    }
    placement = result.placement
    if placement is not None:
        out["suggested_cameras"] = placement.cameras
        out["suggested_views"] = placement.views
        out["uncoverable_spots"] = placement.uncoverable
    else:
        out["suggested_cameras"] = gpd.GeoDataFrame(
            {"camera_id": pd.Series(dtype=str)}, geometry=[], crs=result.views.crs
        )
    return {name: _writable(frame) for name, frame in out.items()}


def write_surveillance(result: SurveillanceResult, path: str | os.PathLike) -> Path:
    """Write :func:`surveillance_layers` to the GeoPackage ``path`` (atomically); return it."""
    path = Path(path)
    GeoPackageStore(path).write_layers(surveillance_layers(result))
    return path


def surveillance_gpkg_bytes(result: SurveillanceResult) -> bytes:
    """The result GeoPackage of :func:`write_surveillance` as bytes (for a download button)."""
    with tempfile.TemporaryDirectory(prefix="geo_app_surveillance_") as tmp:
        return write_surveillance(result, Path(tmp) / "surveillance.gpkg").read_bytes()


def surveillance_district_options(
    communities: pd.DataFrame, districts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Districts with communities: ``district_code, name, communities, scattered``.

    ``scattered`` counts the communities whose ``management`` is ``scattered`` (散住居民区,
    the subject of Art. 20). Sorted by district code.
    """
    if "district_code" not in communities.columns:
        return pd.DataFrame(columns=["district_code", "name", "communities", "scattered"])
    codes = communities["district_code"].astype(str)
    management = (
        communities["management"].astype(str)
        if "management" in communities.columns
        else pd.Series("", index=communities.index)
    )
    table = (
        pd.DataFrame({"district_code": codes, "scattered": management == "scattered"})
        .groupby("district_code")
        .agg(communities=("scattered", "size"), scattered=("scattered", "sum"))
        .reset_index()
    )
    names = {}
    if districts is not None and {"district_code", "name"} <= set(districts.columns):
        names = dict(zip(districts["district_code"].astype(str), districts["name"], strict=False))
    table["name"] = [str(names.get(c, c)) for c in table["district_code"]]
    table[["communities", "scattered"]] = table[["communities", "scattered"]].astype(int)
    return table[["district_code", "name", "communities", "scattered"]].sort_values(
        "district_code", ignore_index=True
    )


def default_surveillance_district(options: pd.DataFrame) -> str | None:
    """The district the page opens with: the smallest one that has scattered communities.

    Smallest (fewest communities) keeps the first run quick; ties go to the lower code.
    ``None`` when no district has scattered communities (then the smallest of all).
    """
    if not len(options):
        return None
    pool = options[options["scattered"] > 0]
    pool = pool if len(pool) else options
    pick = pool.sort_values(["communities", "district_code"]).iloc[0]
    return str(pick["district_code"])


def analysed_cameras(cameras: gpd.GeoDataFrame, result: SurveillanceResult) -> gpd.GeoDataFrame:
    """The cameras a result is about: working ones with a view, broken ones on the repair list.

    Returns the rows of ``cameras`` with ``status`` normalised to ``working`` / ``broken``.
    """
    wanted = set(result.views["camera_id"].astype(str)) | set(
        result.repair["camera_id"].astype(str)
    )
    out = cameras[cameras["camera_id"].astype(str).isin(wanted)].copy()
    out["status"] = [normalise_status(v) for v in out["status"]]
    return out


def _surveillance_value(column: str, value: object, lang: str) -> object:
    key = f"surveillance.value.{column}.{value}"
    if key in catalogue():
        return t(key, lang)
    if column == "kind":
        for layer in ("cameras", "public_spaces"):
            if f"values.{layer}.kind.{value}" in catalogue():
                return value_label(layer, "kind", value, lang)
        return value
    if column in ("status", "management"):
        layer = "cameras" if column == "status" else "communities"
        return value_label(layer, column, value, lang)
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    return value


def surveillance_column_label(name: str, lang: str = "zh") -> str:
    """Header of a surveillance table column: ``surveillance.col.<name>``, else the name."""
    key = f"surveillance.col.{name}"
    return t(key, lang) if key in catalogue() else field_label("cameras", name, lang)


def surveillance_table(
    frame: pd.DataFrame, lang: str = "zh", columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A surveillance table for the screen: chosen columns, coded values and headers in ``lang``.

    Shares (``covered_share``, ``working_rate`` ...) become percentages with one decimal, camera
    kinds, statuses and the management type their labels; point tables get ``lon`` / ``lat``;
    ``message_zh`` / ``message_en`` collapse into ``message``.
    """
    lang = normalise_lang(lang)
    out = pd.DataFrame(frame).copy()
    if isinstance(frame, gpd.GeoDataFrame) and len(frame):
        points = frame.geometry.to_crs("EPSG:4326") if frame.crs is not None else frame.geometry
        if (points.geom_type == "Point").all():
            out["lon"], out["lat"] = points.x.round(6), points.y.round(6)
    if "message_zh" in out.columns and "message_en" in out.columns:
        out["message"] = out["message_zh" if lang == "zh" else "message_en"]
        out = out.drop(columns=["message_zh", "message_en"])
    if columns is not None:
        wanted = [*columns, "message"] if "message" in out.columns else list(columns)
        out = out[[c for c in dict.fromkeys(wanted) if c in out.columns]]
    out = out.drop(columns=[c for c in out.columns if c == "geometry"])
    for col in out.columns:
        if col in SHARE_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").mul(100).round(1)
        elif col.endswith(("_m", "_m2")) and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round(1)
        elif col in (
            "kind",
            "status",
            "management",
            "source",
            "severity",
            "meets_working_target",
            "fully_covered",
        ):
            out[col] = out[col].map(
                lambda v, col=col: (
                    v if compliance_is_missing(v) else _surveillance_value(col, v, lang)
                )
            )
    return out.rename(columns={c: surveillance_column_label(c, lang) for c in out.columns})
