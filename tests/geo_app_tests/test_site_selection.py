"""Site selection on a project: the Art. 13 hub model and the covering models end to end."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import Point, box

from geo_app.cli import main
from geo_app.project import Project, ProjectError
from geo_app.workflows import project_compliance
from geo_app.workflows.site_selection import (
    SiteOptions,
    compare_scenarios,
    run_site_selection,
    save_site_selection,
    write_site_selection,
)

METRIC = "EPSG:4551"
X0, Y0 = 546_700.0, 5_067_000.0  # central Harbin in CGCS2000 3-degree GK, CM 126E


def _metric(geoms, **columns) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(columns, geometry=list(geoms), crs=METRIC)
    return frame.to_crs("EPSG:4326")


def _square(x: float, y: float, half: float = 50.0):
    return box(X0 + x - half, Y0 + y - half, X0 + x + half, Y0 + y + half)


@pytest.fixture
def old_district(tmp_path: Path) -> Path:
    """Three old communities around one idle boiler room, one community far away.

    A (0, 0), B (200, 0) and C (0, 200) each have a 200 m2 station: 100 m2 short of Art. 11's
    300 m2. The idle boiler room S1 at (100, 100), 350 m2, is 141 m x 1.3 = 184 m from each, so
    one hub serves all three; S2 (120 m2) could serve only one; S3 is not idle. D, 3 km away,
    has no site in reach.
    """
    path = tmp_path / "old.gpkg"
    project = Project.create(path)
    ids = ["A", "B", "C", "D"]
    centres = [(0, 0), (200, 0), (0, 200), (3000, 0)]
    communities = _metric(
        [_square(x, y) for x, y in centres],
        community_id=ids,
        name=[f"社区{i}" for i in ids],
        street_code=["230102001"] * 4,
        district_code=["230102"] * 4,
        kind=["urban"] * 4,
        era=["old"] * 4,
        management=["basic"] * 4,
        households=[1000, 800, 600, 500],
        population=[2600, 2080, 1560, 1300],
    )
    facilities = _metric(
        [Point(X0 + x, Y0 + y) for x, y in centres],
        facility_id=[f"f{i}" for i in ids],
        name=[f"{i}站" for i in ids],
        kind=["community_station"] * 4,
        usable_area_m2=[200.0] * 4,
        community_id=ids,
        rooms=["service_hall"] * 4,
    )
    districts = _metric(
        [box(X0 - 1000, Y0 - 1000, X0 + 4000, Y0 + 1000)],
        district_code=["230102"],
        name=["道里区"],
        district_class=["core"],
    )
    boilers = _metric(
        [Point(X0 + 100, Y0 + 100), Point(X0, Y0 - 150), Point(X0 + 110, Y0 + 100)],
        site_id=["S1", "S2", "S3"],
        name=["一号锅炉房", "二号锅炉房", "在用锅炉房"],
        owner_unit=["市供热公司"] * 3,
        owner_type=["state_enterprise"] * 3,
        idle=[True, True, False],
        usable_area_m2=[350.0, 120.0, 1000.0],
    )
    project.write_layers(
        {
            "districts": districts,
            "communities": communities,
            "facilities": facilities,
            "boiler_rooms": boilers,
        }
    )
    return path


def test_hub_model_serves_the_old_district_from_one_boiler_room(old_district):
    project = Project.open(old_district)
    selection = run_site_selection(project, "hub", candidates=["boiler_rooms"])
    assert selection.chosen_sites["site_id"].tolist() == ["S1"]
    assert selection.chosen_sites["shortfall_taken_m2"].tolist() == [300.0]
    assert selection.chosen_sites["communities_served"].tolist() == [3]
    assign = selection.assignments.set_index("community_id")
    assert sorted(assign.index) == ["A", "B", "C"]
    assert set(assign["site_id"]) == {"S1"}
    expected = np.hypot(100, 100) * 1.3  # no network: straight line x 1.3, flagged
    assert assign["distance_m"].to_numpy() == pytest.approx([expected] * 3, abs=0.2)
    assert set(assign["method"]) == {"euclidean_detour"}
    assert selection.unserved["community_id"].tolist() == ["D"]
    assert selection.unserved["reason"].tolist() == ["no_site_in_reach"]
    assert len(selection.radiation_lines) == 3
    assert selection.radiation_lines.geom_type.eq("LineString").all()
    assert selection.summary["optimal"]
    assert selection.notes  # the straight-line fallback is stated


def test_a_given_compliance_result_is_not_computed_again(old_district, monkeypatch):
    import geo_app.workflows.site_selection.run as run_module

    project = Project.open(old_district)
    compliance = project_compliance(project)
    expected = run_site_selection(project, "hub", candidates=["boiler_rooms"])

    def recompute(*args, **kwargs):
        raise AssertionError("compliance computed again")

    monkeypatch.setattr(run_module, "project_compliance", recompute)
    selection = run_site_selection(
        project, "hub", options=SiteOptions(candidates=("boiler_rooms",)), compliance=compliance
    )
    assert selection.chosen_sites["site_id"].tolist() == ["S1"]
    assert selection.summary == expected.summary
    assert selection.assignments.equals(expected.assignments)
    with pytest.raises(AssertionError, match="computed again"):
        run_site_selection(project, "hub", candidates=["boiler_rooms"])
    with pytest.raises(TypeError, match="not both"):
        run_site_selection(project, "hub", options=SiteOptions(), p=2)


def test_hub_area_limit_is_respected(old_district):
    project = Project.open(old_district)
    boilers = project.layer("boiler_rooms")
    boilers.loc[boilers["site_id"] == "S1", "usable_area_m2"] = 200.0  # holds two shortfalls
    project.write_layer("boiler_rooms", boilers)
    selection = run_site_selection(project, "hub", candidates=["boiler_rooms"])
    # S1 takes two communities, S2 (120 m2, 150 m x 1.3 from A) takes A: two hubs
    assert sorted(selection.chosen_sites["site_id"]) == ["S1", "S2"]
    assign = selection.assignments.set_index("community_id")["site_id"].to_dict()
    assert assign["A"] == "S2" and assign["B"] == "S1" and assign["C"] == "S1"
    loads = selection.chosen_sites.set_index("site_id")["shortfall_taken_m2"]
    assert loads["S1"] <= 200.0 and loads["S2"] <= 120.0


def test_results_are_written_and_saved_as_scenario(old_district, tmp_path):
    project = Project.open(old_district)
    selection = run_site_selection(project, "hub", candidates=["boiler_rooms"])
    out = write_site_selection(selection, tmp_path / "result.gpkg")
    names = [str(n) for n, _ in pyogrio.list_layers(out)]
    assert {"chosen_sites", "assignments", "radiation_lines", "unserved"} <= set(names)
    save_site_selection(project, selection, "方案一")
    table = compare_scenarios(Project.open(old_district))
    assert table["name"].tolist() == ["方案一"]
    assert table["chosen_sites"].tolist() == [1]
    assert table["distance_m"].tolist() == [500.0]
    lines = Project.open(old_district).scenario_layer("方案一", "radiation_lines")
    assert len(lines) == 3


def test_covering_models_on_the_hand_made_district(old_district):
    project = Project.open(old_district)
    cover = run_site_selection(project, "set-cover", candidates=["boiler_rooms"])
    assert cover.chosen_sites["site_id"].tolist() == ["S1"]  # one site covers A, B, C
    assert cover.unserved["community_id"].tolist() == ["D"]
    best = run_site_selection(project, "max-cover", candidates=["boiler_rooms"], p=1)
    assert best.summary["served_households"] == 1000 + 800 + 600
    median = run_site_selection(project, "p-median", candidates=["boiler_rooms"], p=1)
    assert median.chosen_sites["site_id"].tolist() == ["S1"]


@pytest.mark.parametrize("model", ["hub", "set-cover"])
def test_no_site_in_reach_of_any_community_gives_an_empty_plan(old_district, model):
    # 50 m of walk reaches none of A, B, C (184 m from S1, 195 m from S2) nor D
    project = Project.open(old_district)
    selection = run_site_selection(project, model, candidates=["boiler_rooms"], distance_m=50.0)
    assert selection.chosen_sites.empty and selection.assignments.empty
    assert sorted(selection.unserved["community_id"]) == ["A", "B", "C", "D"]
    assert set(selection.unserved["reason"]) == {"no_site_in_reach"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "magic"}, "未知模型"),
        ({"model": "p-median"}, "p >= 1"),
        ({"model": "hub", "candidates": ["cameras"]}, "candidate layers"),
        ({"model": "hub", "candidates": ["candidate_sites"]}, "none of the candidate layers"),
        ({"model": "hub", "distance_m": -5}, "positive"),
    ],
)
def test_bad_requests_are_explained(old_district, kwargs, message):
    project = Project.open(old_district)
    with pytest.raises(ProjectError, match=message):
        run_site_selection(project, **kwargs)


def test_cli_writes_layers_and_saves_scenario(old_district, tmp_path, capsys):
    out = tmp_path / "hub.gpkg"
    code = main(
        [
            "site-select",
            str(old_district),
            "--model",
            "hub",
            "--candidates",
            "boiler_rooms",
            "--distance",
            "500",
            "--scenario",
            "中心站",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "选出 1 处" in printed
    assert len(pyogrio.read_dataframe(out, layer="radiation_lines")) == 3
    assert Project.open(old_district).scenarios()["name"].tolist() == ["中心站"]


def test_cli_rejects_a_non_gpkg_output(old_district, tmp_path, capsys):
    code = main(
        ["site-select", str(old_district), "--model", "hub", "--out", str(tmp_path / "x.csv")]
    )
    assert code == 2
    assert ".gpkg" in capsys.readouterr().err


def test_site_selection_on_the_demo_network(demo_project_path, tmp_path):
    import shutil

    path = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_project_path, path)
    project = Project.open(path)
    selection = run_site_selection(
        project, "set-cover", candidates=["boiler_rooms", "candidate_sites"], district="道外区"
    )
    assert selection.summary["chosen_sites"] >= 1
    assert (selection.assignments["distance_m"] <= 500).all()
    assert (
        selection.summary["served_communities"] + selection.summary["unserved_communities"]
        == selection.summary["demand_communities"]
    )
    hub = run_site_selection(project, "hub", candidates=["boiler_rooms", "candidate_sites"])
    loads = hub.chosen_sites["shortfall_taken_m2"]
    assert (loads <= hub.chosen_sites["usable_area_m2"] + 1e-6).all()
    assert "network" in set(hub.assignments["method"])


# -- unserved reasons cite the distance the model used (issue 25, item 5) ----------------------
def test_unserved_reason_cites_the_estimate_the_model_used(old_district):
    selection = run_site_selection(Project.open(old_district), "hub", candidates=["boiler_rooms"])
    (zh,) = selection.unserved["reason_zh"]
    (en,) = selection.unserved["reason_en"]
    walk = np.hypot(2900, 100) * 1.3  # D (3000, 0) to S1 (100, 100), no network: x 1.3
    assert f"按直线距离 × 1.3 估算约 {walk:.0f} 米" in zh and "没有可用的步行路网" in zh
    assert f"about {walk:.0f} m away by the straight line x 1.3 estimate" in en


def test_unserved_reasons_cite_the_walk_on_the_demo_network(demo_project_path):
    """道外区's hub run on the demo's walking network: each community with no site in reach
    is told the walk to the nearest site, measured independently here, not the straight line."""
    import re

    from analysis.cost_matrix import cost_matrix
    from geo_app.workflows import project_network
    from geo_app.workflows.site_selection.reasons import nearest_site_m
    from geo_app.workflows.site_selection.run import SiteOptions as Options
    from geo_app.workflows.site_selection.run import _settle, gather_candidates, gather_demand

    project = Project.open(demo_project_path)
    both = ["boiler_rooms", "candidate_sites"]
    selection = run_site_selection(project, "hub", candidates=both, district="道外区")
    plan = _settle(project, "hub", Options(candidates=both, district="道外区"))
    demand, sites = gather_demand(project, plan), gather_candidates(project, plan)
    walks = cost_matrix(project_network(project), demand, sites, None).cost.toarray()
    straight = nearest_site_m(demand, sites)
    far = selection.unserved[selection.unserved["reason"] == "no_site_in_reach"]
    assert len(far) >= 1
    ids = demand["community_id"].astype(str).tolist()
    for row in far.itertuples():
        i = ids.index(str(row.community_id))
        walk = walks[i][walks[i] > 0].min()
        assert walk > 500 and walk > straight[i]
        assert f"沿步行路网约 {walk:.0f} 米" in row.reason_zh, row.reason_zh
        assert f"{walk:.0f} m away on foot along the network" in row.reason_en
        assert not re.search(rf"直线约 {straight[i]:.0f} 米,超出", row.reason_zh)


@pytest.mark.parametrize(
    ("method", "nearest", "straight", "zh", "en"),
    [
        (
            "network",
            760.0,
            420.0,
            "直线约 420 米,但沿步行路网约 760 米",
            "420 m away in a straight",
        ),
        (
            "network",
            1200.0,
            900.0,
            "沿步行路网约 1200 米,超出步行距离 500 米",
            "1200 m away on foot",
        ),
        ("euclidean_detour", 1170.0, 900.0, "按直线距离 × 1.3 估算约 1170 米", "x 1.3 estimate"),
        (None, np.inf, 300.0, "直线约 300 米,但步行路网上走不到", "no walk along the network"),
    ],
)
def test_no_site_reasons_by_how_the_model_measured(method, nearest, straight, zh, en):
    import scipy.sparse as sp

    from analysis.unserved import UnservedFacts, explain_unserved

    facts = UnservedFacts(
        cost=sp.csr_matrix((1, 1)),
        distance_m=500.0,
        nearest_m=np.array([nearest]),
        nearest_method=np.array([method], dtype=object),
        straight_m=np.array([straight]),
    )
    table = explain_unserved(np.array([0]), ["no_site_in_reach"], facts)
    assert table["reason"][0] == "no_site_in_reach"
    assert zh in table["reason_zh"][0] and en in table["reason_en"][0]


# -- the p-median warns when its walks exceed the walking distance (issue 25, item 5) ------------
def test_p_median_warns_when_walks_exceed_the_walking_distance(old_district):
    from geo_app.workflows.site_selection.walking import selection_walk_check, walk_warning

    project = Project.open(old_district)
    median = run_site_selection(project, "p-median", candidates=["boiler_rooms"], p=1)
    walk_d = np.hypot(2900, 100) * 1.3  # D walks 3.8 km to S1; A, B, C 184 m each
    mean = (np.hypot(100, 100) * 1.3 * 2400 + walk_d * 500) / 2900
    check = selection_walk_check(median)
    assert check.mean_m == pytest.approx(mean, abs=0.5) and check.limit_m == 500.0
    assert (check.beyond, check.communities) == (1, 4)
    assert check.beyond_share == pytest.approx(500 / 2900)
    assert median.summary["beyond_distance_communities"] == 1
    assert median.summary["beyond_distance_share"] == pytest.approx(500 / 2900)
    zh, en = walk_warning(median, "zh"), walk_warning(median, "en")
    assert zh.startswith(f"平均步行 {check.mean_m:,.0f} 米,超出 500 米的步行距离(生活圈)")
    assert f"最远 {walk_d:,.0f} 米" in zh and "p 中位模型只求总步行最短" in zh
    assert f"The average walk is {check.mean_m:,.0f} m, beyond the 500 m walking distance" in en
    assert median.warnings == [f"{zh} / {en}"]
    cover = run_site_selection(project, "set-cover", candidates=["boiler_rooms"])
    assert cover.warnings == [] and cover.summary["beyond_distance_communities"] == 0


def test_p_median_walk_warning_in_the_cli_and_the_report(old_district, tmp_path, capsys):
    from geo_app.reports.context import build_report_context

    out = tmp_path / "median.gpkg"
    args = ["site-select", str(old_district), "--model", "p-median", "--p", "1"]
    assert main([*args, "--scenario", "中位", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "注意 / warning: 平均步行" in printed and "The average walk is" in printed
    for lang, start in (("zh", "平均步行"), ("en", "The average walk is")):
        context = build_report_context(Project.open(old_district), "道里区", "中位", lang)
        assert any(note.startswith(start) for note in context.notes), context.notes
    assert main([*args[:3], "set-cover", "--out", str(tmp_path / "cover.gpkg")]) == 0
    assert "注意 / warning" not in capsys.readouterr().out
