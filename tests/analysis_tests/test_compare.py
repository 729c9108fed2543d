"""District comparison (issue 8): metrics hand-checked on a small made-up project.

The made-up project (built in EPSG:4551 metres, stored in EPSG:4326 like every project) has no
walking network, so coverage is the straight line x 1.3 (``DEFAULT_DETOUR``), and no cameras.
Communities are 100 m squares centred at (x, y) metres from (540000, 5060000); stations stand
at the centre of their community. Standard set ``harbin-2011``: Art. 11 minimum 300 m2 (core)
/ 200 m2 (county) for urban communities, Art. 12 20 m2 per 100 households for ``new`` ones;
the station and public housing both count as provided area; Art. 8 checklist of 8 rooms.

========  =========  =====  ====  =====  ======================  =====  ====  ==============
district  community  era    hh    pop    facilities (m2)         req.   short  stars
========  =========  =====  ====  =====  ======================  =====  ====  ==============
道里区     A1 (0,0)   old    1000  2500   station 350, 8 rooms    300    0     4 (city 15000)
core       A2 (200,0) new    2000  5000   housing 100             400    300   0
           A3 (0,700) old    500   1200   station 200, 6 rooms    300    100   1 (distr 5000)
南岗区     B1 (5000,0)      old  800   2000  station 300, 8 rooms   300    0     2 (distr 8000)
core       B2 (5000,350)    old  1200  3000  --                    300    300   1 (distr 5000)
           B3 (5700,0)      old  1000  2600  --                    300    300   0
           B4 (5000,-1000)  old  500   1300  --                    300    300   0
方正县     C1 (20000,0)     old  400   1000  station 250, 8 rooms   200    0     5 (city 20000)
county     C2 (20000,450)   old  600   1500  housing 150           200    50    3 (distr 10000)
========  =========  =====  ====  =====  ======================  =====  ====  ==============

Walking distance to the nearest station (straight line x 1.3): A1, A3, B1, C1 0 m (own
station); A2 200 x 1.3 = 260 m (A1's); B2 350 x 1.3 = 455 m; B3 700 x 1.3 = 910 m; B4 1000 x
1.3 = 1300 m (beyond 1000 m: not covered); C2 450 x 1.3 = 585 m.

Boiler rooms: BR1 idle 400 m2 in A1 (道里区 through its community); BR2 idle 250 m2 without a
community, inside the 南岗区 polygon (placed by location); BR3 in B2 not idle (not counted).
Heating (Art. 32, 40 yuan/m2, station + housing heated): 道里 650 m2 -> 26000 yuan, core: city
and district 13000 each; 南岗 300 m2 -> 12000 (6000 each); 方正 county 400 m2 -> 16000, the
county alone.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analysis.compare import (
    METRIC_IDS,
    district_metrics,
    metric_definitions,
    rank_metrics,
)
from geo_app.cli import main
from geo_app.maps.small_maps import district_maps, same_scale_zoom
from geo_app.present.compare_export import comparison_bytes, write_comparison
from geo_app.project import Project, ProjectError, ProjectSettings
from geo_app.workflows.compare import (
    DistrictComparison,
    default_districts,
    district_table,
    project_district_metrics,
)

X0, Y0 = 540000.0, 5060000.0
METRIC = "EPSG:4551"
ALL_ROOMS = (
    "service_hall,police_room,property_station,cultural_room,library,clinic,"
    "elderly_daycare,pupil_care"
)
SIX_ROOMS = "service_hall,police_room,property_station,cultural_room,clinic,elderly_daycare"


def _gdf(columns: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=METRIC).to_crs("EPSG:4326")


def _square(x: float, y: float, half: float = 50.0):
    return box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half)


def _pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


COMMUNITIES = [
    # id, district, street, era, hh, pop, stars, (x, y)
    ("A1", "230102", "S1", "old", 1000, 2500, 4, (0, 0)),
    ("A2", "230102", "S1", "new", 2000, 5000, 0, (200, 0)),
    ("A3", "230102", "S1", "old", 500, 1200, 1, (0, 700)),
    ("B1", "230103", "S2", "old", 800, 2000, 2, (5000, 0)),
    ("B2", "230103", "S2", "old", 1200, 3000, 1, (5000, 350)),
    ("B3", "230103", "S2", "old", 1000, 2600, 0, (5700, 0)),
    ("B4", "230103", "S2", "old", 500, 1300, 0, (5000, -1000)),
    ("C1", "230124", "S3", "old", 400, 1000, 5, (20000, 0)),
    ("C2", "230124", "S3", "old", 600, 1500, 3, (20000, 450)),
]
FACILITIES = [
    # id, kind, m2, community, rooms, (x, y)
    ("FA1", "community_station", 350.0, "A1", ALL_ROOMS, (0, 0)),
    ("FA2", "public_housing", 100.0, "A2", None, (200, 0)),
    ("FA3", "community_station", 200.0, "A3", SIX_ROOMS, (0, 700)),
    ("FB1", "community_station", 300.0, "B1", ALL_ROOMS, (5000, 0)),
    ("FC1", "community_station", 250.0, "C1", ALL_ROOMS, (20000, 0)),
    ("FC2", "public_housing", 150.0, "C2", None, (20000, 450)),
]


def small_layers() -> dict[str, gpd.GeoDataFrame]:
    """The layers of the module docstring (EPSG:4326)."""
    districts = _gdf(
        {
            "district_code": ["230102", "230103", "230124"],
            "name": ["道里区", "南岗区", "方正县"],
            "district_class": ["core", "core", "county"],
        },
        [
            box(X0 - 1000, Y0 - 1000, X0 + 2000, Y0 + 2000),
            box(X0 + 3000, Y0 - 2000, X0 + 8000, Y0 + 2000),
            box(X0 + 18000, Y0 - 1000, X0 + 22000, Y0 + 1000),
        ],
    )
    communities = _gdf(
        {
            "community_id": [c[0] for c in COMMUNITIES],
            "name": [f"{c[0]}社区" for c in COMMUNITIES],
            "street_code": [c[2] for c in COMMUNITIES],
            "district_code": [c[1] for c in COMMUNITIES],
            "kind": ["urban"] * len(COMMUNITIES),
            "era": [c[3] for c in COMMUNITIES],
            "management": ["regulated"] * len(COMMUNITIES),
            "households": [c[4] for c in COMMUNITIES],
            "population": [c[5] for c in COMMUNITIES],
            "star_rating": [c[6] for c in COMMUNITIES],
        },
        [_square(*c[7]) for c in COMMUNITIES],
    )
    facilities = _gdf(
        {
            "facility_id": [f[0] for f in FACILITIES],
            "name": [f"{f[0]}站" for f in FACILITIES],
            "kind": [f[1] for f in FACILITIES],
            "usable_area_m2": [f[2] for f in FACILITIES],
            "community_id": [f[3] for f in FACILITIES],
            "rooms": [f[4] for f in FACILITIES],
            "status": ["in_use"] * len(FACILITIES),
        },
        [_pt(*f[5]) for f in FACILITIES],
    )
    boilers = _gdf(
        {
            "site_id": ["BR1", "BR2", "BR3"],
            "name": ["一号锅炉房", "二号锅炉房", "三号锅炉房"],
            "owner_unit": ["热力公司"] * 3,
            "owner_type": ["state_enterprise"] * 3,
            "idle": [True, True, False],
            "usable_area_m2": [400.0, 250.0, 300.0],
            "community_id": ["A1", None, "B2"],
        },
        [_pt(10, 10), _pt(6000, 1500), _pt(5000, 360)],
    )
    return {
        "districts": districts,
        "communities": communities,
        "facilities": facilities,
        "boiler_rooms": boilers,
    }


def make_project(path: Path, skip: tuple[str, ...] = ()) -> Project:
    project = Project.create(path, ProjectSettings(name="对比测试"))
    project.write_layers({k: v for k, v in small_layers().items() if k not in skip})
    return project


@pytest.fixture(scope="module")
def small_project(tmp_path_factory) -> Project:
    return make_project(tmp_path_factory.mktemp("compare") / "small.gpkg")


@pytest.fixture(scope="module")
def comparison(small_project) -> DistrictComparison:
    return project_district_metrics(small_project, ["道里区", "南岗区", "方正县"])


# -- the metrics of the made-up project ------------------------------------------------------
EXPECTED = {
    # metric: (道里区, 南岗区, 方正县), computed by hand from the module docstring
    "communities": (3, 4, 2),
    "households": (3500, 3500, 1000),
    "population": (8700, 8900, 2500),
    # compliant / assessed: 道里 A1 of 3, 南岗 B1 (300 >= 300) of 4, 方正 C1 of 2
    "compliance_rate": (1 / 3, 1 / 4, 1 / 2),
    "communities_below": (2, 3, 1),
    # 道里 300 (A2: 400 - 100) + 100 (A3: 300 - 200); 南岗 3 x 300; 方正 200 - 150
    "shortfall_m2": (400, 900, 50),
    "shortfall_m2_per_100_households": (400 / 3500 * 100, 900 / 3500 * 100, 50 / 1000 * 100),
    # provided: 道里 350 + 100 + 200; 南岗 300; 方正 250 + 150
    "housing_m2_per_100_households": (650 / 3500 * 100, 300 / 3500 * 100, 400 / 1000 * 100),
    # rooms present / (8 x communities): 道里 (8 + 0 + 6) / 24; 南岗 8 / 32; 方正 8 / 16
    "art8_room_completeness": (14 / 24, 8 / 32, 8 / 16),
    # 300 m: 道里 all (0, 260, 0 m); 南岗 B1 only; 方正 C1 only
    "covered_households_300m": (3500, 800, 400),
    "covered_share_300m": (1.0, 800 / 3500, 400 / 1000),
    # 500 m: + B2 (455 m)
    "covered_households_500m": (3500, 2000, 400),
    "covered_share_500m": (1.0, 2000 / 3500, 400 / 1000),
    # 1000 m: + B3 (910 m), + C2 (585 m); B4 (1300 m) never
    "covered_households_1000m": (3500, 3000, 1000),
    "covered_share_1000m": (1.0, 3000 / 3500, 1.0),
    "idle_boiler_rooms": (1, 1, 0),
    "idle_boiler_area_m2": (400, 250, 0),
    # rated / all: 道里 A1, A3 of 3; 南岗 B1, B2 of 4; 方正 both
    "star_rated_share": (2 / 3, 2 / 4, 1.0),
    "art33_reward_yuan": (15000 + 5000, 8000 + 5000, 20000 + 10000),
    "art33_district_pays_yuan": (5000, 13000, 10000),
    "art33_city_pays_yuan": (15000, 0, 20000),
    "art32_heating_m2": (650, 300, 400),
    "art32_heating_cost_yuan": (26000, 12000, 16000),
    "art32_heating_city_yuan": (13000, 6000, 0),
    "art32_heating_district_yuan": (13000, 6000, 16000),
}


def test_every_metric_matches_the_hand_computation(comparison):
    names = ["道里区", "南岗区", "方正县"]
    assert comparison.names == names
    assert list(comparison.metrics.index) == list(METRIC_IDS)
    for metric_id, expected in EXPECTED.items():
        got = comparison.metrics.loc[metric_id, names].to_numpy(dtype=float)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-6, err_msg=metric_id)


def test_missing_cameras_are_no_data_not_an_error(comparison):
    # the project has no cameras layer: the Art. 20 metrics are NaN, with a note saying so
    for metric_id in ("camera_working_rate", "public_space_camera_coverage"):
        assert comparison.metrics.loc[metric_id].isna().all()
        assert comparison.ranks.loc[metric_id].isna().all()
    assert any("Art. 20" in note for note in comparison.notes)
    shown = comparison.display("zh")
    assert shown.loc["camera_working_rate", "道里区"] == "无数据"
    assert comparison.display("en").loc["camera_working_rate", "方正县"] == "no data"


def test_ranks_follow_the_direction_of_each_metric(comparison):
    ranks = comparison.ranks
    # higher is better: compliance 1/2 > 1/3 > 1/4
    assert ranks.loc["compliance_rate"].tolist() == [2, 3, 1]
    # lower is better: shortfall per 100 households 5.0 < 11.4 < 25.7
    assert ranks.loc["shortfall_m2_per_100_households"].tolist() == [2, 3, 1]
    # ties share the best rank: 道里 and 方正 both cover 100 % at 1000 m
    assert ranks.loc["covered_share_1000m"].tolist() == [1, 3, 1]
    # sizes and budgets are not ranked
    for metric_id in ("households", "shortfall_m2", "art33_reward_yuan", "idle_boiler_rooms"):
        assert ranks.loc[metric_id].isna().all(), metric_id


def test_definitions_cite_the_articles(comparison):
    defs = comparison.definitions
    assert set(defs.columns) >= {"label_zh", "label_en", "unit", "article", "higher_is_better"}
    cited = " ".join(defs["article"])
    for article in ("Art. 8", "Art. 11", "Art. 12", "Art. 13", "Art. 20", "Art. 32", "Art. 33"):
        assert article in cited
    assert defs.at["compliance_rate", "higher_is_better"] is True
    assert defs.at["shortfall_m2_per_100_households", "higher_is_better"] is False
    assert defs.at["housing_m2_per_100_households", "unit"] == "m2_per_100_households"
    assert defs.at["art8_room_completeness", "article"] == "Art. 8"


def test_display_translates_labels_and_shows_percentages(comparison):
    zh = comparison.display("zh")
    assert list(zh.columns[:3]) == ["指标", "单位", "条款"]
    assert zh.at["compliance_rate", "指标"] == "用房面积达标率"
    assert zh.at["compliance_rate", "条款"] == "第十一条、第十二条"
    assert zh.at["compliance_rate", "方正县"] == 50.0  # 1/2 in %
    assert zh.at["compliance_rate", "方正县名次"] == 1
    assert zh.at["households", "道里区名次"] == ""
    en = comparison.display("en", text=True)
    assert en.at["covered_share_500m", "Metric"] == "Share within 500 m walk"
    assert en.at["covered_share_500m", "南岗区"] == "57.1"  # 2000 / 3500
    assert en.at["households", "道里区"] == "3,500"


def test_district_metrics_without_any_input_is_all_nan():
    table = district_metrics({"230102": "道里区", "230103": "南岗区"})
    assert table.shape == (len(METRIC_IDS), 2)
    assert table.isna().all().all()
    assert rank_metrics(table).isna().all().all()


def test_surveillance_counts_only_scattered_public_spaces():
    by_community = pd.DataFrame(
        {
            "community_id": ["c1", "c2", "c3"],
            "district_code": ["230102", "230102", "230103"],
            "management": ["scattered", "regulated", "scattered"],
            "cameras_total": [10, 10, 0],
            "cameras_working": [9, 10, 0],
            "public_length_m": [100.0, 200.0, 0.0],
            "covered_length_m": [40.0, 200.0, 0.0],
            "public_area_m2": [0.0, 0.0, 500.0],
            "covered_area_m2": [0.0, 0.0, 125.0],
        }
    )
    table = district_metrics({"230102": "甲", "230103": "乙"}, surveillance=by_community)
    # working: (9 + 10) / 20; 乙 has no camera -> no data
    assert table.at["camera_working_rate", "甲"] == pytest.approx(0.95)
    assert math.isnan(table.at["camera_working_rate", "乙"])
    # scattered only: 40 / 100 (not 240 / 300); 乙 has polygons only: 125 / 500 by area
    assert table.at["public_space_camera_coverage", "甲"] == pytest.approx(0.4)
    assert table.at["public_space_camera_coverage", "乙"] == pytest.approx(0.25)
    # the other inputs are missing: no data
    assert math.isnan(table.at["compliance_rate", "甲"])


def test_surveillance_coverage_counts_courtyards_beside_streets():
    """A fully watched street and an unwatched 3,600 m2 courtyard: 0 %, not 100 % (Art. 20)."""
    by_community = pd.DataFrame(
        {
            "community_id": ["c1", "c2"],
            "district_code": ["230102", "230103"],
            "management": ["scattered", "scattered"],
            "cameras_total": [4, 4],
            "cameras_working": [4, 4],
            "public_length_m": [100.0, 100.0],
            "covered_length_m": [100.0, 100.0],
            "public_area_m2": [3600.0, 400.0],
            "covered_area_m2": [0.0, 300.0],
        }
    )
    table = district_metrics({"230102": "甲", "230103": "乙"}, surveillance=by_community)
    assert table.at["public_space_camera_coverage", "甲"] == pytest.approx(0.0)
    assert table.at["public_space_camera_coverage", "乙"] == pytest.approx(0.75)


def test_metric_definitions_registry_is_consistent():
    defs = metric_definitions()
    assert list(defs.index) == list(METRIC_IDS)
    assert defs.index.is_unique
    assert (
        defs["unit"]
        .isin(["count", "households", "persons", "share", "m2", "m2_per_100_households", "yuan"])
        .all()
    )


# -- choosing districts --------------------------------------------------------------------
def test_unknown_district_names_the_valid_ones(small_project):
    with pytest.raises(ProjectError) as err:
        project_district_metrics(small_project, ["道里区", "火星区"])
    message = str(err.value)
    assert "火星区" in message
    for name in ("道里区", "南岗区", "方正县"):
        assert name in message


def test_districts_by_short_name_or_code_keep_the_given_order(small_project):
    steps: list[tuple[float, str]] = []
    result = project_district_metrics(
        small_project,
        ["230124", "道里"],
        lang="en",
        progress=lambda f, m: steps.append((f, m)),
        surveillance=False,
    )
    assert steps[0] == (0.05, "compliance") and steps[-1] == (1.0, "done")
    assert result.names == ["方正县", "道里区"]
    assert list(result.districts["district_code"]) == ["230124", "230102"]
    assert result.metrics.at["households", "方正县"] == 1000


def test_default_districts_are_the_largest_by_households(small_project):
    table = district_table(small_project)
    # 道里 and 南岗 both 3500 households: ties go to the lower code
    assert default_districts(table, 2) == ["道里区", "南岗区"]
    assert default_districts(table, 1) == ["道里区"]


def test_a_project_without_facilities_and_boiler_rooms_still_compares(tmp_path):
    project = make_project(tmp_path / "bare.gpkg", skip=("facilities", "boiler_rooms"))
    result = project_district_metrics(project, ["道里区", "南岗区"])
    # sizes come from the communities layer
    assert result.metrics.loc["households"].tolist() == [3500.0, 3500.0]
    for metric_id in ("compliance_rate", "covered_share_500m", "idle_boiler_rooms"):
        assert result.metrics.loc[metric_id].isna().all(), metric_id
    assert result.notes  # says which inputs were missing


# -- same-scale maps -------------------------------------------------------------------------
def test_same_scale_zoom_is_set_by_the_largest_box():
    # 0.1 degree across 512 px: log2(512 / (256 * 0.1 / 360)) = log2(7200) = 12.8 -> 12
    wide = (126.5, 45.700, 126.6, 45.701)
    # 0.05 degree alone: log2(14400) = 13.8 -> 13
    narrow = (126.7, 45.700, 126.75, 45.701)
    assert same_scale_zoom([narrow], 512, 400) == 13
    assert same_scale_zoom([wide, narrow], 512, 400) == 12
    assert same_scale_zoom([None]) == 11


def test_district_maps_share_one_zoom(comparison):
    layers = small_layers()
    maps, zoom = district_maps(
        comparison, "zh", districts_layer=layers["districts"], facilities=layers["facilities"]
    )
    assert list(maps) == ["道里区", "南岗区", "方正县"]
    # 南岗 is the largest (800 m x 1450 m of communities); 300 m margins keep all inside
    for m in maps.values():
        html_text = m.get_root().render()
        assert f'"zoom": {zoom}' in html_text
    assert 12 <= zoom <= 16


# -- export and CLI ----------------------------------------------------------------------------
def test_write_comparison_csv_has_a_bom_and_chinese(comparison, tmp_path):
    path = write_comparison(comparison, tmp_path / "cmp.csv", "zh")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert list(table.columns[:4]) == ["指标代码", "指标", "单位", "条款"]
    row = table.set_index("指标代码").loc["shortfall_m2_per_100_households"]
    assert row["指标"] == "每百户用房缺口"
    assert float(row["南岗区"]) == pytest.approx(25.7)  # 900 / 3500 * 100, one decimal
    assert int(row["方正县名次"]) == 1
    xlsx = pd.read_excel(io.BytesIO(comparison_bytes(comparison, "xlsx")), sheet_name=None)
    assert list(xlsx) == ["区县对比", "指标原值", "名次"]
    values = xlsx["指标原值"].set_index("metric")
    assert values.at["compliance_rate", "道里区"] == pytest.approx(1 / 3)


def test_cli_writes_csv_and_xlsx(small_project, tmp_path, capsys):
    path = str(small_project.store.path)
    out = tmp_path / "out" / "compare.csv"
    assert main(["compare", path, "--districts", "道里", "南岗区", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig").set_index("指标代码")
    assert list(table.columns[3:6]) == ["约束性", "道里区", "南岗区"]
    assert table.at["compliance_rate", "约束性"] == "强制"  # Art. 11/12: required
    assert float(table.at["idle_boiler_area_m2", "南岗区"]) == 250.0
    assert "2 个区县" in capsys.readouterr().out
    xlsx = tmp_path / "compare.xlsx"
    args = ["compare", path, "--districts", "方正县", "--out", str(xlsx), "--lang", "en"]
    assert main(args) == 0
    sheet = pd.read_excel(xlsx, sheet_name="Comparison").set_index("Metric id")
    assert sheet.at["art32_heating_district_yuan", "方正县"] == 16000
    assert sheet.at["star_rated_share", "Metric"] == "Star-rated communities"


def test_cli_unknown_district_is_a_planner_error(small_project, tmp_path, capsys):
    path = str(small_project.store.path)
    code = main(["compare", path, "--districts", "火星区", "--out", str(tmp_path / "x.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "火星区" in err and "方正县" in err
    assert not (tmp_path / "x.csv").exists()
    assert main(["compare", path, "--districts", "道里区", "--out", str(tmp_path / "x.pdf")]) == 2
