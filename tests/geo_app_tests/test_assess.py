"""``geo-app assess`` on Dask (issue 17): three synthetic cities on a LocalCluster of 2 worker
processes give the rows and numbers of ``geo-app compliance``, ``geo-app coverage`` and
``geo-app compare`` run on each city alone; a worker killed mid-run does not change them.

Each test starts its own cluster (processes, 2 workers, 1.5 GiB each); nothing is mocked.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import distributed
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo_app.cli import main
from geo_app.project import Project
from geo_app.workflows import project_compliance
from geo_app.workflows.assess.plan import AssessSpec, plan_cities
from geo_app.workflows.assess.run import ResultFile, run_assessment
from geo_app.workflows.compare import project_district_metrics
from geo_app.workflows.demo import create_province

DISTANCES = ("300", "500", "1000")
CHUNK = "60"  # several chunks per district: many partitions, some cities split finely


@pytest.fixture(scope="module")
def cities(tmp_path_factory) -> list[Path]:
    return create_province(tmp_path_factory.mktemp("province"), 3, seed=0)


@contextlib.contextmanager
def local_cluster() -> Iterator[distributed.LocalCluster]:
    """A LocalCluster of 2 worker processes (1 thread, 1.5 GiB each).

    Worker processes are started by ``spawn``, which re-runs the parent's ``__main__`` script;
    Streamlit's ``AppTest`` (the app tests of this suite) leaves ``__main__`` pointing at a
    temporary page script, so a plain module stands in for it while the cluster lives
    (restarted workers included).
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="1.5GiB",
            dashboard_address=None,
        ) as cluster:
            yield cluster


@pytest.fixture(scope="module")
def assessed(cities, tmp_path_factory) -> Path:
    """``geo-app assess`` of the three cities through ``--scheduler`` (an existing cluster)."""
    out = tmp_path_factory.mktemp("assess") / "province.gpkg"
    with local_cluster() as cluster:
        code = main(
            ["assess", *map(str, cities), "--out", str(out), "--scheduler",
             cluster.scheduler_address, "--chunk-size", CHUNK, "--no-progress"]
        )  # fmt: skip
    assert code == 0
    return out


def layer(path: Path, name: str, city: str | None = None) -> pd.DataFrame:
    frame = pyogrio.read_dataframe(path, layer=name)
    if city is not None:
        frame = frame[frame["city"] == city].drop(columns="city")
    return frame


def by_id(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    return frame.sort_values(list(keys), kind="stable").reset_index(drop=True)


def roundtrip(frame: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    """A table as the output file gives it back (the same writer the output uses)."""
    path = tmp_path / "roundtrip.gpkg"
    with ResultFile(path) as result:
        result.write("t", pd.DataFrame(frame))
        result.commit()
    return pyogrio.read_dataframe(path, layer="t")


def test_compliance_equals_project_compliance_of_each_city(cities, assessed, tmp_path):
    assert set(layer(assessed, "compliance")["city"]) == {
        Project.open(p).settings.city for p in cities
    }
    for path in cities:
        project = Project.open(path)
        alone = roundtrip(project_compliance(project).communities, tmp_path)
        got = layer(assessed, "compliance", project.settings.city)
        assert len(got) == len(project.layer("communities"))
        pd.testing.assert_frame_equal(
            by_id(got, "community_id"), by_id(alone, "community_id"), check_exact=True
        )


@pytest.mark.parametrize("distance", DISTANCES)
def test_coverage_equals_geo_app_coverage_of_each_city(cities, assessed, tmp_path, distance):
    d = float(distance)
    for path in cities:
        city = Project.open(path).settings.city
        single = tmp_path / f"{path.stem}_{distance}.gpkg"
        assert main(
            ["coverage", str(path), "--facility-kind", "community_station", "--distance",
             distance, "--out", str(single)]
        ) == 0  # fmt: skip
        got = layer(assessed, "coverage", city)
        got = got[got["distance_m"] == d]
        alone = layer(single, "coverage")
        pd.testing.assert_frame_equal(
            by_id(pd.DataFrame(got.drop(columns="geometry")), "community_id"),
            by_id(pd.DataFrame(alone.drop(columns="geometry")), "community_id"),
            check_exact=True,
        )
        geoms = gpd.GeoSeries(by_id(got, "community_id").geometry)
        assert geoms.geom_equals(by_id(alone, "community_id").geometry).all()
        for name, key in (
            ("coverage_streets", "street_code"),
            ("coverage_districts", "district_code"),
        ):
            sums = layer(assessed, name, city)
            sums = sums[sums["distance_m"] == d].drop(columns="distance_m")
            pd.testing.assert_frame_equal(
                by_id(sums, key), by_id(layer(single, name), key), check_exact=True
            )


def test_district_metrics_equal_geo_app_compare_of_each_city(cities, assessed):
    for path in cities:
        project = Project.open(path)
        alone = project_district_metrics(project, None, surveillance=False)
        got = layer(assessed, "district_metrics", project.settings.city)
        values = got.pivot(index="metric", columns="district", values="value")
        values = values.loc[alone.metrics.index, alone.metrics.columns]
        pd.testing.assert_frame_equal(values, alone.metrics, check_exact=True, check_names=False)
        ranks = got.pivot(index="metric", columns="district", values="rank")
        ranks = ranks.loc[alone.ranks.index, alone.ranks.columns]
        expected = alone.ranks.astype("Float64").astype(float)
        pd.testing.assert_frame_equal(ranks, expected, check_exact=True, check_names=False)


def test_cities_table_lists_every_city(cities, assessed):
    table = layer(assessed, "cities")
    assert list(table["city"]) == [Project.open(p).settings.city for p in cities]
    assert (table["communities"] > 400).all()
    assert table["covered_share_300m"].lt(table["covered_share_1000m"]).all()


def test_a_worker_killed_mid_run_changes_nothing(cities, assessed, tmp_path):
    """One worker process is killed (SIGKILL) after the first partition is written; the
    scheduler re-runs its tasks (and the lost city data) and the output equals the clean run."""
    spec = AssessSpec(chunk_size=int(CHUNK))
    plans = plan_cities(cities, spec)
    out = tmp_path / "killed.gpkg"
    killed: list[str] = []
    with local_cluster() as cluster, distributed.Client(cluster) as client:
        before = set(client.scheduler_info(n_workers=-1)["workers"])

        def kill_one(done: int, total: int, _city: str) -> None:
            if killed or done < 2:
                return
            assert done < total  # mid-run: work remains
            busy = [w for w, keys in client.processing().items() if keys] or sorted(before)
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(busy[0])

        with ResultFile(out) as result:
            run_assessment(client, plans, spec, result.write, progress=kill_one)
            result.commit()
        after = set(client.scheduler_info(n_workers=-1)["workers"])
    assert killed and killed[0] not in after  # the worker really died (its nanny restarted it)
    for name, keys in (
        ("compliance", ("city", "community_id")),
        ("coverage", ("city", "distance_m", "community_id")),
        ("coverage_streets", ("city", "distance_m", "street_code")),
        ("coverage_districts", ("city", "distance_m", "district_code")),
        ("district_metrics", ("city", "metric", "district_code")),
    ):
        pd.testing.assert_frame_equal(
            by_id(layer(out, name), *keys), by_id(layer(assessed, name), *keys), check_exact=True
        )


def test_bad_input_exits_2_with_a_clear_message(cities, tmp_path, capsys):
    out = str(tmp_path / "r.gpkg")
    cases = [
        (["assess", str(tmp_path / "nope.gpkg"), "--out", out], "不存在"),
        (["assess", str(cities[0]), "--out", str(cities[0])], "输入项目"),
        (["assess", str(cities[0]), "--out", str(tmp_path / "r.csv")], ".gpkg"),
        (["assess", str(cities[0]), str(cities[0]), "--out", out], "twice"),
        (["assess", str(cities[0]), "--out", out, "--workers", "0"], "--workers"),
        (["assess", str(cities[0]), "--out", out, "--standard", "nope"], "nope"),
        (["assess", str(cities[0]), "--out", out, "--distances", "0"], "positive"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "错误 / error" in err and words in err and "Traceback" not in err, (argv, err)
    assert not Path(out).exists()


def test_an_unreachable_scheduler_exits_2(cities, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("geo_app.cli.assess.CONNECT_TIMEOUT_S", 2)
    out = tmp_path / "r.gpkg"
    code = main(["assess", str(cities[0]), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "无法连接 Dask 调度器" in capsys.readouterr().err
    assert not out.exists()
