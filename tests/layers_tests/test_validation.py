"""Validation and repair of layers against their schemas (hand-made layers, hand-counted)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiPoint,
    Point,
    Polygon,
    box,
)

from layers.repair import parse_number, repair
from layers.schema import SCHEMAS, get_schema
from layers.validation import CODE_LABELS, ValidationReport, validate

HARBIN = (126.63, 45.75)


def square(x: float, y: float, d: float = 0.002) -> Polygon:
    return box(x, y, x + d, y + d)


def communities(n: int = 3) -> gpd.GeoDataFrame:
    """A valid communities layer of ``n`` rows."""
    x, y = HARBIN
    return gpd.GeoDataFrame(
        {
            "community_id": [f"C{i:03d}" for i in range(n)],
            "name": [f"社区{i}" for i in range(n)],
            "street_code": ["230102001"] * n,
            "district_code": ["230102"] * n,
            "kind": ["urban"] * n,
            "era": ["old"] * n,
            "management": ["scattered"] * n,
            "households": [1200 + i for i in range(n)],
            "population": [3000 + i for i in range(n)],
            "star_rating": [3] * n,
        },
        geometry=[square(x + 0.01 * i, y) for i in range(n)],
        crs="EPSG:4326",
    )


def cameras() -> gpd.GeoDataFrame:
    x, y = HARBIN
    return gpd.GeoDataFrame(
        {
            "camera_id": ["K1", "K2"],
            "kind": ["dome", "bullet"],
            "bearing_deg": [90.0, 180.0],
            "fov_deg": [60.0, 90.0],
            "range_m": [30.0, 40.0],
            "status": ["working", "broken"],
        },
        geometry=[Point(x, y), Point(x + 0.001, y)],
        crs="EPSG:4326",
    )


def facilities() -> gpd.GeoDataFrame:
    x, y = HARBIN
    return gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2"],
            "name": ["站一", "站二"],
            "kind": ["community_station", "street_centre"],
            "usable_area_m2": [320.0, 1100.0],
            "community_id": ["C000", None],
            "rooms": ["service_hall,police_room", None],
            "status": [None, None],
        },
        geometry=[Point(x, y), square(x, y)],
        crs="EPSG:4326",
    )


def snapshot(gdf: gpd.GeoDataFrame):
    return gdf.copy(deep=True), gdf.geometry.to_wkb().tolist(), list(gdf.columns), gdf.crs


def assert_unchanged(gdf, snap):
    frame, wkb, cols, crs = snap
    assert list(gdf.columns) == cols
    assert gdf.crs == crs
    assert gdf.geometry.to_wkb().tolist() == wkb
    pd.testing.assert_frame_equal(
        pd.DataFrame(gdf.drop(columns="geometry")), pd.DataFrame(frame.drop(columns="geometry"))
    )


# -- validate ------------------------------------------------------------------------------


def test_valid_layers_have_no_problems():
    for name, gdf in {
        "communities": communities(),
        "cameras": cameras(),
        "facilities": facilities(),
    }.items():
        report = validate(name, gdf)
        assert report.ok, report.to_frame("en")
        assert report.problems == [] and report.counts == {}
        assert "校验通过" in report.summary() and "no problems" in report.summary("en")


@pytest.mark.parametrize("layer", sorted(SCHEMAS))
def test_missing_required_fields_follow_the_schema(layer):
    schema = get_schema(layer)
    gdf = gpd.GeoDataFrame({"unrelated": [1]}, geometry=[Point(*HARBIN)], crs="EPSG:4326")
    report = validate(layer, gdf)
    missing = {p.field for p in report.problems if p.code == "missing_field"}
    assert missing == {f.name for f in schema.fields if f.required}
    assert all(p.row is None for p in report.problems if p.code == "missing_field")


def test_every_problem_kind_is_found_with_its_row():
    gdf = communities(8)
    gdf = gdf.astype({"households": object, "population": object})
    gdf.loc[1, "households"] = "many"  # text in a numeric column
    gdf.loc[2, "population"] = -5  # below the minimum 0
    gdf.loc[3, "kind"] = "suburban"  # not in the vocabulary
    gdf.loc[4, "name"] = "  "  # blank in a non-nullable field
    gdf.loc[5, "community_id"] = "C000"  # duplicate of row 0
    gdf.loc[6, "star_rating"] = 7  # above the maximum 5
    bowtie = Polygon([(126.70, 45.70), (126.71, 45.71), (126.71, 45.70), (126.70, 45.71)])
    geoms = list(gdf.geometry)
    geoms[6] = bowtie
    geoms[7] = LineString([(126.6, 45.7), (126.61, 45.71)])
    gdf = gdf.set_geometry(geoms)
    report = validate("communities", gdf)

    by_code = {}
    for p in report.problems:
        by_code.setdefault(p.code, []).append((p.row, p.field))
    assert by_code["wrong_type"] == [(1, "households")]
    assert by_code["out_of_range"] == [(2, "population"), (6, "star_rating")]
    assert by_code["not_allowed"] == [(3, "kind")]
    assert by_code["null_value"] == [(4, "name")]
    assert sorted(by_code["duplicate_id"]) == [(0, "community_id"), (5, "community_id")]
    assert by_code["invalid_geometry"] == [(6, "geometry")]
    assert by_code["wrong_geometry_type"] == [(7, "geometry")]
    assert report.counts == {
        "wrong_type": 1,
        "out_of_range": 2,
        "not_allowed": 1,
        "null_value": 1,
        "duplicate_id": 2,
        "invalid_geometry": 1,
        "wrong_geometry_type": 1,
    }
    assert report.count("out_of_range") == 2
    assert not report.ok
    assert report.bad_rows == [0, 1, 2, 3, 4, 5, 6, 7]
    invalid = next(p for p in report.problems if p.code == "invalid_geometry")
    assert "Self-intersection" in invalid.message_en and "几何无效" in invalid.message_zh
    text = next(p for p in report.problems if p.code == "wrong_type")
    assert "'many'" in text.message_en and "户数" in text.message_zh


def test_empty_and_missing_geometry():
    gdf = cameras()
    gdf = gdf.set_geometry([None, Point()], crs="EPSG:4326")
    report = validate("cameras", gdf)
    assert [(p.row, p.code) for p in report.problems] == [
        (0, "empty_geometry"),
        (1, "empty_geometry"),
    ]
    assert "missing" in report.problems[0].message_en
    assert "empty" in report.problems[1].message_en


def test_rooms_must_be_art8_codes():
    gdf = facilities()
    gdf.loc[0, "rooms"] = "service_hall, gym ,clinic"
    report = validate("facilities", gdf)
    assert [(p.row, p.code) for p in report.problems] == [(0, "unknown_room")]
    assert "gym" in report.problems[0].message_en


def test_outside_china_and_swapped_coordinates():
    gdf = cameras()
    gdf = gdf.set_geometry([Point(-0.12, 51.5), Point(45.75, 126.63)], crs="EPSG:4326")
    report = validate("cameras", gdf)
    assert [(p.row, p.code) for p in report.problems] == [
        (0, "outside_china"),
        (1, "outside_china"),
    ]
    assert "swapped" not in report.problems[0].message_en
    assert "swapped" in report.problems[1].message_en and "写反" in report.problems[1].message_zh
    assert validate("cameras", gdf, in_china=False).ok


def test_crs_checks():
    gdf = cameras()
    assert [
        p.code for p in validate("cameras", gdf.set_crs(None, allow_override=True)).problems
    ] == ["missing_crs"]
    projected = gdf.to_crs("EPSG:4551")
    report = validate("cameras", projected)
    # a projected layer is reported once, not once per row for "outside China"
    assert [(p.row, p.code) for p in report.problems] == [(None, "wrong_crs")]
    assert "EPSG:4551" in report.problems[0].message_en


def test_plain_dataframe_has_no_geometry():
    frame = pd.DataFrame(cameras().drop(columns="geometry"))
    report = validate("cameras", frame)
    assert [p.code for p in report.problems] == ["missing_geometry"]


def test_validate_never_mutates():
    gdf = communities(4)
    gdf = gdf.astype({"households": object})
    gdf.loc[1, "households"] = " 1,200 "
    gdf.loc[2, "kind"] = " Urban "
    snap = snapshot(gdf)
    validate("communities", gdf)
    assert_unchanged(gdf, snap)


def test_report_frame_and_summary_in_both_languages():
    gdf = cameras()
    gdf.loc[1, "status"] = "offline"
    report = validate("cameras", gdf)
    assert isinstance(report, ValidationReport)
    zh = report.to_frame()
    en = report.to_frame("en")
    assert list(zh.columns) == ["行", "字段", "问题", "说明"]
    assert list(en.columns) == ["row", "field", "problem", "message"]
    assert zh.iloc[0].tolist()[:3] == [1, "status", CODE_LABELS["not_allowed"][0]]
    assert en.iloc[0]["problem"] == "value not allowed"
    assert "1 行有问题" in report.summary() and "1 with problems" in report.summary("en")


def test_demo_layers_validate(demo_layers):
    for name, gdf in demo_layers.items():
        if name in SCHEMAS:
            report = validate(name, gdf)
            assert report.ok, (name, report.to_frame("en").head())


# -- repair --------------------------------------------------------------------------------


def test_parse_number():
    assert parse_number("12") == 12
    assert parse_number("1,234") == 1234
    assert parse_number(" 300㎡ ") == 300
    assert parse_number("45度") == 45
    assert parse_number("１２.５") == 12.5  # full-width digits
    assert parse_number("abc") is None
    assert parse_number(True) is None


def test_repair_casts_and_normalises_and_says_what_changed():
    gdf = communities(4)
    gdf = gdf.astype({"households": object, "population": object, "district_code": object})
    gdf.loc[0, "households"] = "12"
    gdf.loc[1, "households"] = "1,234"
    gdf.loc[2, "population"] = "many"  # cannot be fixed
    gdf.loc[3, "kind"] = " Urban "
    gdf.loc[0, "era"] = "老旧"
    gdf.loc[1, "district_code"] = 230102  # a number in a text field
    snap = snapshot(gdf)
    fixed, changes = repair("communities", gdf)
    assert_unchanged(gdf, snap)  # the input is untouched

    assert fixed.loc[0, "households"] == 12 and fixed.loc[1, "households"] == 1234
    assert fixed.loc[3, "kind"] == "urban" and fixed.loc[0, "era"] == "old"
    assert fixed.loc[1, "district_code"] == "230102"
    assert fixed.loc[2, "population"] == "many"
    where = {(c.row, c.field) for c in changes}
    assert where == {
        (0, "households"),
        (1, "households"),
        (3, "kind"),
        (0, "era"),
        (1, "district_code"),
    }
    assert all(c.message_zh and c.message_en for c in changes)
    assert any("'1,234' -> 1234" in c.message_en for c in changes)
    report = validate("communities", fixed)
    assert [(p.row, p.code) for p in report.problems] == [(2, "wrong_type")]


def test_repair_make_valid_keeps_polygons():
    gdf = communities(2)
    bowtie = Polygon([(126.70, 45.70), (126.71, 45.71), (126.71, 45.70), (126.70, 45.71)])
    mixed = GeometryCollection([square(126.63, 45.75), LineString([(126.6, 45.7), (126.7, 45.8)])])
    gdf = gdf.set_geometry([bowtie, mixed], crs="EPSG:4326")
    fixed, changes = repair("communities", gdf)
    assert validate("communities", fixed).ok
    assert fixed.geometry.iloc[0].geom_type == "MultiPolygon"
    assert fixed.geometry.iloc[0].area == pytest.approx(0.01 * 0.01 / 2)
    assert fixed.geometry.iloc[1].geom_type == "Polygon"
    assert fixed.geometry.iloc[1].equals(square(126.63, 45.75))
    assert [c.row for c in changes] == [0, 1]
    assert "Self-intersection" in changes[0].message_en
    assert not gdf.geometry.iloc[0].is_valid  # input untouched


def test_repair_explodes_multipoints_for_point_layers():
    gdf = cameras()
    x, y = HARBIN
    gdf = gdf.set_geometry(
        [MultiPoint([(x, y)]), MultiPoint([(x, y), (x + 0.001, y), (x, y + 0.001)])],
        crs="EPSG:4326",
    )
    fixed, changes = repair("cameras", gdf)
    assert len(fixed) == 4
    assert (fixed.geometry.geom_type == "Point").all()
    assert list(fixed["camera_id"]) == ["K1", "K2-1", "K2-2", "K2-3"]
    assert list(fixed["status"]) == ["working", "broken", "broken", "broken"]
    assert validate("cameras", fixed).ok
    assert [c.row for c in changes] == [0, 1]
    assert "3 points" in changes[1].message_en
    assert len(gdf) == 2 and gdf.geometry.iloc[1].geom_type == "MultiPoint"


def test_repair_vocabularies_rooms_and_booleans():
    gdf = facilities()
    gdf.loc[0, "rooms"] = "办事大厅、警务室; library"
    gdf.loc[1, "kind"] = "街道综合服务中心"
    fixed, changes = repair("facilities", gdf)
    assert fixed.loc[0, "rooms"] == "service_hall,police_room,library"
    assert fixed.loc[1, "kind"] == "street_centre"
    assert validate("facilities", fixed).ok

    x, y = HARBIN
    boilers = gpd.GeoDataFrame(
        {
            "site_id": ["B1", "B2", "B3"],
            "name": ["一", "二", "三"],
            "owner_unit": ["局", "厂", "校"],
            "owner_type": ["government", "enterprise", "government"],
            "idle": ["是", "否", "maybe"],
            "usable_area_m2": ["350平方米", 120, 80.5],
        },
        geometry=[Point(x, y), Point(x, y + 0.001), Point(x, y + 0.002)],
        crs="EPSG:4326",
    )
    fixed, changes = repair("boiler_rooms", boilers)
    assert fixed.loc[0, "idle"] is True or fixed.loc[0, "idle"] == np.True_
    assert fixed.loc[1, "idle"] == np.False_
    assert fixed.loc[0, "usable_area_m2"] == 350.0
    report = validate("boiler_rooms", fixed)
    assert [(p.row, p.field, p.code) for p in report.problems] == [(2, "idle", "wrong_type")]


def test_repair_crs():
    gdf = cameras()
    projected = gdf.to_crs("EPSG:4551")
    fixed, changes = repair("cameras", projected)
    assert fixed.crs.equals("EPSG:4326")
    assert fixed.geometry.iloc[0].distance(gdf.geometry.iloc[0]) < 1e-9
    assert changes[0].row is None and "EPSG:4551" in changes[0].message_en
    bare = gdf.set_crs(None, allow_override=True)
    fixed, changes = repair("cameras", bare)
    assert fixed.crs.equals("EPSG:4326") and bare.crs is None
