"""Data readiness of a project: what it lacks, what the analyses assumed, and how to fill it.

:func:`data_readiness` reads the layers, their basis fields (:mod:`layers.basis`), the
``layer_metadata`` of an OpenStreetMap import and its report, and lists one
:class:`ReadinessItem` per gap: a missing layer, districts without facility data, households
missing or estimated, eras assumed, OSM residential areas standing in for committees, defaults
of the management type, facilities and boiler rooms without an area, no star ratings. Each item
says how many rows it concerns, which results rest on it and the steps to fill it (which layer
to import, which fields). The compliance and explorer pages show it as a panel, the report on
its first page.

Examples
--------
>>> ready = data_readiness(Project.open("osm.gpkg"))  # doctest: +SKIP
>>> ready.to_frame("zh")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from analysis.compliance import as_code, facility_districts, is_missing, resolve_district_classes
from analysis.compliance.rules import _Rules
from analysis.standards import StandardError
from geo_app.i18n import layer_label, normalise_lang, t
from geo_app.project import METADATA_TABLE, Project
from geo_app.workflows.compliance import FACILITY_INVENTORY
from geo_app.workflows.project_access import project_standard
from layers.basis import community_basis

LEVELS: tuple[str, ...] = ("missing", "assumed", "estimated")
"""How serious an item is: data missing, a default assumed, a number estimated."""

LAYERS_NEEDED: tuple[tuple[str, str], ...] = (
    ("districts", "Art. 11"),
    ("communities", "Art. 8, 11, 12, 13"),
    ("facilities", "Art. 8, 11, 12, 32"),
    ("streets", "Art. 11, 33"),
    ("network_edges", "Art. 13"),
    ("boiler_rooms", "Art. 13"),
    ("cameras", "Art. 20"),
)
"""Layers whose absence the panel lists, with the articles they serve."""


@dataclass(frozen=True)
class ReadinessItem:
    """One gap or assumption of the project's data.

    Attributes
    ----------
    key : str
        ``layer_missing``, ``facility_data``, ``households_missing``, ``households_estimated``,
        ``era_assumed``, ``osm_residential``, ``management_assumed``, ``facility_area``,
        ``boiler_area``, ``star_rating``.
    level : str
        One of :data:`LEVELS`.
    count, total : int
        Rows concerned and rows of the layer.
    layer : str
        The layer to import or complete.
    fields : tuple of str
        Its fields to fill.
    articles : str
        The results that rest on it.
    values : dict
        Placeholders of the texts (``names``, ``method`` ...).
    """

    key: str
    level: str
    count: int
    total: int
    layer: str
    fields: tuple[str, ...] = ()
    articles: str = ""
    values: dict = field(default_factory=dict)

    def message(self, lang: str = "zh") -> str:
        """What is lacking or assumed, with the count."""
        return t(
            f"readiness.{self.key}",
            lang,
            n=self.count,
            total=self.total,
            layer=layer_label(self.layer, lang),
            **self.values,
        )

    def steps(self, lang: str = "zh") -> str:
        """How to fill it: which layer to import, which fields."""
        return t(
            f"readiness.{self.key}_steps",
            lang,
            layer=self.layer,
            label=layer_label(self.layer, lang),
            fields=", ".join(self.fields),
            **self.values,
        )


@dataclass(frozen=True)
class Readiness:
    """Result of :func:`data_readiness`."""

    items: list[ReadinessItem]
    source: str = ""
    import_report: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is missing, assumed or estimated."""
        return not self.items

    def by_level(self, level: str) -> list[ReadinessItem]:
        """The items of one of :data:`LEVELS`."""
        return [item for item in self.items if item.level == level]

    def to_frame(self, lang: str = "zh") -> pd.DataFrame:
        """One row per item: level, what, results affected, steps (headers in ``lang``)."""
        lang = normalise_lang(lang)
        rows = [
            {
                t("readiness.col.level", lang): t(f"readiness.level.{i.level}", lang),
                t("readiness.col.what", lang): i.message(lang),
                t("readiness.col.articles", lang): i.articles,
                t("readiness.col.steps", lang): i.steps(lang),
            }
            for i in self.items
        ]
        columns = [t(f"readiness.col.{c}", lang) for c in ("level", "what", "articles", "steps")]
        return pd.DataFrame(rows, columns=columns)

    def lines(self, lang: str = "zh") -> list[str]:
        """One sentence per item: "缺失:…(影响 Art. 11)→ 补齐:…"."""
        return [
            t(
                "readiness.line",
                lang,
                level=t(f"readiness.level.{i.level}", lang),
                what=i.message(lang),
                articles=i.articles,
                steps=i.steps(lang),
            )
            for i in self.items
        ]

    def headline(self, lang: str = "zh") -> str:
        """One sentence: how many gaps and assumptions, or that the data is complete."""
        if self.ok:
            return t("readiness.complete", lang)
        return t(
            "readiness.headline",
            lang,
            missing=len(self.by_level("missing")),
            assumed=len(self.by_level("assumed")),
            estimated=len(self.by_level("estimated")),
        )


def _metadata(project: Project) -> dict[tuple[str, str], str]:
    if not project.has_layer(METADATA_TABLE):
        return {}
    meta = project.layer(METADATA_TABLE)
    return {
        (str(r.layer), str(r.key)): str(r.value)
        for r in meta.itertuples(index=False)
        if not is_missing(r.value)
    }


def _in_district(frame: pd.DataFrame, district: str | None) -> pd.DataFrame:
    if district is None or "district_code" not in frame.columns:
        return frame
    return frame[as_code(frame["district_code"]).eq(district).to_numpy()]


def _missing_layers(project: Project) -> list[ReadinessItem]:
    out = []
    for name, articles in LAYERS_NEEDED:
        if not project.has_layer(name) or project.store.count_rows(name) == 0:
            out.append(ReadinessItem("layer_missing", "missing", 0, 0, name, (), articles))
    return out


def _facility_item(
    project: Project, communities: pd.DataFrame, district: str | None
) -> ReadinessItem | None:
    """Districts whose facility data is absent (:func:`analysis.compliance.facility_districts`)."""
    if not project.has_layer("districts"):
        return None
    try:
        rules = _Rules.of(project_standard(project))
    except StandardError:
        return None
    dist, _ = resolve_district_classes(
        project.layer("districts"), project.settings.district_classes
    )
    facilities = project.optional_layer("facilities")
    facilities = facilities if facilities is not None else pd.DataFrame(columns=["kind"])
    comm = pd.DataFrame(
        {
            "community_id": as_code(communities["community_id"]).to_numpy(),
            "district_code": as_code(communities["district_code"]).to_numpy(),
        }
    )
    have, everywhere = facility_districts(
        facilities,
        comm,
        rules.area_kinds(),
        dist,
        project.settings.parameters.get(FACILITY_INVENTORY),
    )
    if everywhere:
        return None
    lacking = comm[~comm["district_code"].isin(have)]
    lacking = _in_district(lacking, district)
    if lacking.empty:
        return None
    names = dict(zip(dist["district_code"], dist["district"], strict=False))
    codes = sorted(set(lacking["district_code"].dropna()))
    return ReadinessItem(
        "facility_data",
        "missing",
        len(lacking),
        len(_in_district(comm, district)),
        "facilities",
        ("facility_id", "kind", "usable_area_m2", "community_id", "rooms"),
        "Art. 8, 11, 12, 13, 20, 32, 36",
        {"names": "、".join(str(names.get(c, c)) for c in codes), "codes": " ".join(codes)},
    )


def _community_items(communities: pd.DataFrame, meta: dict) -> list[ReadinessItem]:
    basis = community_basis(communities)
    total = len(communities)
    out = []
    missing = int((basis["households_basis"] == "missing").sum())
    if missing:
        out.append(
            ReadinessItem(
                "households_missing",
                "missing",
                missing,
                total,
                "communities",
                ("community_id", "households", "population"),
                "Art. 12",
            )
        )
    estimated = basis["households_basis"] == "estimated"
    if estimated.any():
        flat = meta.get(("communities", "flat_size_m2"), "?")
        levels = meta.get(("communities", "default_levels"), "?")
        out.append(
            ReadinessItem(
                "households_estimated",
                "estimated",
                int(estimated.sum()),
                total,
                "communities",
                ("community_id", "households", "population"),
                "Art. 12",
                {"flat": flat, "levels": levels},
            )
        )
    for key, column, value, fields, articles in (
        ("era_assumed", "era_basis", "assumed", ("community_id", "era"), "Art. 11, 12, 13"),
        (
            "osm_residential",
            "community_source",
            "osm_residential",
            ("community_id", "name", "street_code"),
            "Art. 7, 8, 11",
        ),
        (
            "osm_grouped",
            "community_source",
            "osm_grouped",
            ("community_id", "name", "street_code"),
            "Art. 7, 8, 11",
        ),
    ):
        n = int((basis[column] == value).sum())
        if n:
            out.append(ReadinessItem(key, "assumed", n, total, "communities", fields, articles))
    if ("communities", "management_default") in meta and total:
        default = meta[("communities", "management_default")].split(" ")[0]
        out.append(
            ReadinessItem(
                "management_assumed",
                "assumed",
                total,
                total,
                "communities",
                ("community_id", "management"),
                "Art. 18, 20",
                {"default": default},
            )
        )
    if "star_rating" not in communities.columns and total:
        out.append(
            ReadinessItem(
                "star_rating",
                "missing",
                total,
                total,
                "communities",
                ("community_id", "star_rating"),
                "Art. 33",
            )
        )
    return out


def _area_items(project: Project, district: str | None, communities: pd.DataFrame):
    out = []
    ids = set(as_code(communities["community_id"]).dropna()) if district is not None else None
    for layer, key, articles in (
        ("facilities", "facility_area", "Art. 11, 32"),
        ("boiler_rooms", "boiler_area", "Art. 13"),
    ):
        frame = project.optional_layer(layer)
        if frame is None or not len(frame) or "usable_area_m2" not in frame.columns:
            continue
        if ids is not None and "community_id" in frame.columns:
            frame = frame[as_code(frame["community_id"]).isin(ids).to_numpy()]
        n = int(pd.to_numeric(frame["usable_area_m2"], errors="coerce").isna().sum())
        if n:
            id_field = "facility_id" if layer == "facilities" else "site_id"
            out.append(
                ReadinessItem(
                    key, "missing", n, len(frame), layer, (id_field, "usable_area_m2"), articles
                )
            )
    return out


def data_readiness(project: Project, district: str | None = None) -> Readiness:
    """What ``project`` lacks and what its analyses assume, with the steps to fill it.

    Parameters
    ----------
    project : Project
    district : str, optional
        A district code: count only its communities (the report of one district).

    Returns
    -------
    Readiness
        The items in the order: missing layers, facility data, households, eras, OSM areas,
        defaults, areas, star ratings; the data source of an OSM import and its report lines.
    """
    meta = _metadata(project)
    items = _missing_layers(project)
    if project.has_layer("communities"):
        communities = _in_district(project.layer("communities"), district)
        facility = _facility_item(project, project.layer("communities"), district)
        if facility is not None:
            items.append(facility)
        items += _community_items(communities, meta)
        items += _area_items(project, district, communities)
    osm = project.settings.parameters.get("osm_import") or {}
    report = [str(line) for line in osm.get("report", [])] if isinstance(osm, dict) else []
    order = {"missing": 0, "assumed": 1, "estimated": 2}
    items.sort(key=lambda i: order[i.level])
    return Readiness(items, meta.get(("*", "source"), ""), report)


def declare_facility_inventory(
    project: Project, districts: Iterable[str], *, clear: bool = False
) -> list[str]:
    """Record districts (codes or names, ``"*"`` for all) whose facility data is complete.

    Compliance then decides their communities from the facilities layer as it is (a district
    with no housing there is below standard, not undecided). Returns the new list; ``clear``
    empties it first. Saved in the project parameter ``facility_inventory``.
    """
    with project.locked():
        settings = project.settings
        current = [] if clear else list(settings.parameters.get(FACILITY_INVENTORY) or [])
        for value in districts:
            text = str(value).strip()
            if text and text not in current:
                current.append(text)
        settings.parameters[FACILITY_INVENTORY] = current
        project.save_settings(settings)
    return current
