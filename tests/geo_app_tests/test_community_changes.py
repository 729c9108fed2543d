"""Art. 7 community changes: a split with an effective date, communities as of a date."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo_app.cli import main
from geo_app.project import Project
from layers.community_changes import CommunityChangeError, apply_change, in_force

EFFECTIVE = "2027-01-01"


def split_in_two(community: pd.Series, crs) -> gpd.GeoDataFrame:
    """Two halves (west and east of the centroid) with the households shared out."""
    minx, miny, maxx, maxy = community.geometry.bounds
    middle = community.geometry.centroid.x
    halves = [
        community.geometry.intersection(box(minx, miny, middle, maxy)),
        community.geometry.intersection(box(middle, miny, maxx, maxy)),
    ]
    rows = []
    for i, geometry in enumerate(halves, 1):
        row = community.drop(labels="geometry").to_dict()
        row.update(
            community_id=f"{community['community_id']}9{i}",
            name=f"{community['name']}{'东西'[i - 1]}",
            households=int(community["households"]) // 2,
            population=int(community.get("population", 0) or 0) // 2,
            geometry=geometry,
        )
        rows.append(row)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def record_split(project: Project) -> tuple[str, list[str]]:
    communities = project.layer("communities")
    big = communities.sort_values("households").iloc[-1]
    new = split_in_two(big, communities.crs)
    project.record_community_change(
        "split",
        old_ids=[big["community_id"]],
        new=new,
        district_code=big["district_code"],
        decision_date="2026-11-20",
        effective_date=EFFECTIVE,
        filed_city_at="2026-11-30",
    )
    return str(big["community_id"]), list(new["community_id"])


@pytest.fixture
def project_path(tmp_path: Path, demo_project_path: Path) -> Path:
    path = tmp_path / "P.gpkg"
    shutil.copyfile(demo_project_path, path)
    return path


def test_split_gives_old_before_and_new_after_the_date(project_path: Path) -> None:
    project = Project.open(project_path)
    n = len(project.layer("communities"))
    old, new = record_split(project)
    before = Project.open(project_path).layer("communities", as_of="2026-12-31")
    after = Project.open(project_path).layer("communities", as_of="2027-01-02")
    assert old in set(before["community_id"]) and not set(new) & set(before["community_id"])
    assert old not in set(after["community_id"]) and set(new) <= set(after["community_id"])
    assert len(before) == n and len(after) == n + 1
    changes = Project.open(project_path).layer("community_changes")
    assert changes.iloc[-1][["kind", "old_ids", "new_ids", "effective_date"]].tolist() == [
        "split",
        old,
        ",".join(new),
        EFFECTIVE,
    ]


def test_compliance_as_of_differs_accordingly(capsys, tmp_path, project_path: Path) -> None:
    old, new = record_split(Project.open(project_path))
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    assert (
        main(
            [
                "compliance",
                str(project_path),
                "--out",
                str(before),
                "--as-of",
                "2026-12-31",
                "--machine-readable",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "compliance",
                str(project_path),
                "--out",
                str(after),
                "--as-of",
                "2027-06-01",
                "--machine-readable",
            ]
        )
        == 0
    )
    a = pd.read_csv(before, dtype={"community_id": str}).set_index("community_id")
    b = pd.read_csv(after, dtype={"community_id": str}).set_index("community_id")
    assert old in a.index and old not in b.index
    assert set(new) <= set(b.index) and not set(new) & set(a.index)
    households = a.loc[old, "households"]
    assert b.loc[new, "households"].sum() == pytest.approx(2 * (households // 2))
    assert (b.drop(index=new).index == a.drop(index=old).index).all()


def test_bad_as_of_is_exit_2(capsys, project_path: Path, tmp_path) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "compliance",
                str(project_path),
                "--out",
                str(tmp_path / "x.csv"),
                "--as-of",
                "2027-13-01",
            ]
        )
    assert info.value.code == 2


def _tiny() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"community_id": ["a", "b"], "name": ["A", "B"], "households": [100, 200]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("kind", "old", "n_new", "message"),
    [
        ("split", ["a"], 1, "split needs 2-n new"),
        ("merge", ["a"], 1, "merge needs 2-n old"),
        ("establish", ["a"], 1, "establish needs 0 old"),
        ("abolish", ["zz"], 0, "not in force"),
        ("rename", ["a"], 1, "unknown change kind"),
    ],
)
def test_changes_that_do_not_fit_are_refused(kind, old, n_new, message) -> None:
    new = gpd.GeoDataFrame(
        {"community_id": [f"n{i}" for i in range(n_new)], "name": ["N"] * n_new},
        geometry=[box(0, 0, 1, 1)] * n_new,
        crs="EPSG:4326",
    )
    with pytest.raises(CommunityChangeError, match=message):
        apply_change(
            _tiny(),
            None,
            kind,
            old_ids=old,
            new=new,
            district_code="230102",
            decision_date="2026-01-01",
            effective_date="2026-02-01",
        )


def test_merge_then_abolish_keep_a_consistent_history() -> None:
    merged = gpd.GeoDataFrame(
        {"community_id": ["ab"], "name": ["AB"], "households": [300]},
        geometry=[box(0, 0, 2, 1)],
        crs="EPSG:4326",
    )
    communities, changes = apply_change(
        _tiny(),
        None,
        "merge",
        old_ids=["a", "b"],
        new=merged,
        district_code="230102",
        decision_date="2026-01-01",
        effective_date="2026-02-01",
    )
    communities, changes = apply_change(
        communities,
        changes,
        "abolish",
        old_ids=["ab"],
        district_code="230102",
        decision_date="2026-05-01",
        effective_date="2026-06-01",
    )
    ids = {
        d: set(in_force(communities, d)["community_id"])
        for d in ("2026-01-31", "2026-03-01", "2026-07-01")
    }
    assert ids == {"2026-01-31": {"a", "b"}, "2026-03-01": {"ab"}, "2026-07-01": set()}
    assert changes["change_id"].tolist() == [1, 2]
    with pytest.raises(CommunityChangeError, match="decision date is after"):
        apply_change(
            communities,
            changes,
            "establish",
            new=merged.assign(community_id="c"),
            district_code="230102",
            decision_date="2026-09-01",
            effective_date="2026-08-01",
        )
