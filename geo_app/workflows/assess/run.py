"""The client side of ``geo-app assess``: submit the cities' tasks (:mod:`geo_app.workflows.assess.plan`) a
window at a time and write each partition to the output GeoPackage as it finishes.

The client keeps at most ``window`` cities in flight, appends every finished partition to the
output (:func:`distributed.as_completed`) and then lets go of it; when all partitions of a city
are written its futures are released, and with them its network on the workers.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.compliance import ComplianceResult
from geo_app.workflows.assess.plan import (
    AssessSpec,
    ChunkResult,
    CityPlan,
    CitySummary,
    city_compliance,
    city_summary,
    coverage_chunk,
    load_city,
)

# -- output ------------------------------------------------------------------------------------


class ResultFile:
    """The output GeoPackage, appended to layer by layer as partitions finish.

    Written to a temporary file beside ``path`` (``.NAME.partial.gpkg``) and moved over
    ``path`` by :meth:`commit`, so an interrupted run never leaves a half file at ``path``.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.partial = self.path.with_name(f".{self.path.name}.partial.gpkg")
        self._layers: set[str] = set()
        self.rows: dict[str, int] = {}

    def __enter__(self) -> ResultFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        self.partial.unlink(missing_ok=True)

    def write(self, layer: str, frame: pd.DataFrame) -> None:
        """Append ``frame`` to ``layer`` (created by the first call)."""
        import pyogrio

        if not len(frame):
            return
        frame = _nullable_booleans(frame)
        options = {}
        if isinstance(frame, gpd.GeoDataFrame):
            options["geometry_type"] = "Unknown"  # polygons and multipolygons alike
        else:
            frame = pd.DataFrame(frame)
        pyogrio.write_dataframe(
            frame, self.partial, layer=layer, driver="GPKG", append=layer in self._layers, **options
        )
        self._layers.add(layer)
        self.rows[layer] = self.rows.get(layer, 0) + len(frame)

    def commit(self) -> Path:
        """Move the finished file over ``path``."""
        if not self.partial.exists():
            pd.DataFrame({"note": ["无结果 / no results"]}).pipe(self.write, "cities")
        os.replace(self.partial, self.path)
        return self.path


def _is_boolean(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values.dtype):
        return True
    present = values.dropna()
    return values.dtype == object and len(present) > 0 and present.map(type).eq(bool).all()


def _nullable_booleans(frame: pd.DataFrame) -> pd.DataFrame:
    """Yes/no columns as pandas ``boolean``, so that every partition writes them the same way
    whatever it holds (a partition with a missing value would otherwise turn it into text, or
    be written as "false"), and the missing ones stay missing."""
    columns = [c for c in frame.columns if c != "geometry" and _is_boolean(frame[c])]
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        out[column] = out[column].astype("boolean")
    return out


def _with_city(frame: pd.DataFrame, city: str) -> pd.DataFrame:
    out = frame.reset_index(drop=True)
    if "city" not in out.columns:
        out.insert(0, "city", city)
    return out


# -- the run (client side) ---------------------------------------------------------------------


@dataclass
class CityTotals:
    """Headline numbers of one city, gathered while its partitions are written."""

    city: str
    source: str
    communities: int = 0
    below: int | None = None
    households: dict[float, float] = field(default_factory=dict)
    covered: dict[float, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


Writer = Callable[[str, pd.DataFrame], None]
Progress = Callable[[int, int, str], None]


@dataclass
class _CityFutures:
    plan: CityPlan
    load: object
    outputs: list


def _submit_city(client, plan: CityPlan, spec: AssessSpec, run: str, i: int) -> _CityFutures:
    """Submit the tasks of one city; the load result is shared by its dependents."""
    load = client.submit(load_city, plan.source, plan.city, spec, key=f"load_city-{run}-{i}")
    comp = client.submit(city_compliance, load, spec, key=f"city_compliance-{run}-{i}")
    chunks = [
        client.submit(coverage_chunk, load, labels, spec, key=f"coverage_chunk-{run}-{i}-{k}")
        for k, (_code, labels) in enumerate(plan.chunks)
    ]
    summary = client.submit(city_summary, load, comp, spec, *chunks, key=f"city_summary-{run}-{i}")
    return _CityFutures(plan, load, [comp, *chunks, summary])


def _write_result(result: object, totals: CityTotals, spec: AssessSpec, write: Writer) -> None:
    if isinstance(result, ComplianceResult):
        write("compliance", _with_city(result.communities, totals.city))
        totals.below = int((result.communities["status"] == "below").sum())
    elif isinstance(result, pd.DataFrame):  # compliance problems
        write("compliance_problems", _with_city(result, totals.city))
        totals.notes.append("用房达标:输入有问题 / compliance: input problems")
    elif isinstance(result, ChunkResult):
        rows = result.rows
        for d in spec.distances:
            at = rows[rows["distance_m"] == float(d)]
            totals.households[d] = totals.households.get(d, 0.0) + float(at["households"].sum())
            totals.covered[d] = totals.covered.get(d, 0.0) + float(at["covered_households"].sum())
        write("coverage", _with_city(rows, totals.city))
    elif isinstance(result, CitySummary):
        for layer, frame in (
            ("coverage_streets", result.streets),
            ("coverage_districts", result.districts),
            ("district_metrics", result.metrics),
        ):
            if len(frame):
                write(layer, frame.reset_index(drop=True))
        totals.notes.extend(result.notes)


def run_assessment(
    client,
    plans: Sequence[CityPlan],
    spec: AssessSpec,
    write: Writer,
    *,
    window: int | None = None,
    progress: Progress | None = None,
) -> list[CityTotals]:
    """Run the graph of every city on ``client``, writing each partition as it finishes.

    Parameters
    ----------
    client : distributed.Client
    plans : sequence of CityPlan
        From :func:`plan_cities`.
    write : callable
        ``write(layer, frame)`` appends rows to an output layer (called in this process).
    window : int, optional
        Cities in flight at once (default twice the workers, at least 2): bounds the networks
        held by the cluster.
    progress : callable, optional
        ``progress(done, total, city)`` after each partition written.

    Returns
    -------
    list of CityTotals
        Headline numbers per city, in the order of ``plans``.
    """
    from distributed import as_completed

    if window is None:
        window = max(2, 2 * len(client.scheduler_info(n_workers=-1).get("workers", {})))
    run = uuid.uuid4().hex[:8]
    total = sum(len(p.chunks) + 2 for p in plans)
    totals = {p.city: CityTotals(p.city, p.source, p.n_communities) for p in plans}
    # biggest cities first, so that no big city is left running alone at the end
    waiting = deque(sorted(enumerate(plans), key=lambda ip: -ip[1].n_communities))
    in_flight: dict[str, _CityFutures] = {}
    left: dict[str, int] = {}
    owner: dict[str, str] = {}
    pending = as_completed()

    def submit_next() -> None:
        i, plan = waiting.popleft()
        city = _submit_city(client, plan, spec, run, i)
        in_flight[plan.city] = city
        left[plan.city] = len(city.outputs)
        for future in city.outputs:
            owner[future.key] = plan.city
            pending.add(future)

    for _ in range(min(window, len(waiting))):
        submit_next()
    for done, future in enumerate(pending, start=1):
        name = owner.pop(future.key)
        _write_result(future.result(), totals[name], spec, write)
        future.release()
        left[name] -= 1
        if left[name] == 0:
            del in_flight[name]  # releases the city's network on the workers
            if waiting:
                submit_next()
        if progress is not None:
            progress(done, total, name)
    return [totals[p.city] for p in plans]


def cities_table(totals: Sequence[CityTotals], spec: AssessSpec) -> pd.DataFrame:
    """One row per city: source, communities, communities below standard, covered shares."""
    rows = []
    for t in totals:
        row = {"city": t.city, "project": t.source, "communities": t.communities}
        row["communities_below"] = np.nan if t.below is None else t.below
        for d in spec.distances:
            hh = t.households.get(d, 0.0)
            row[f"covered_share_{int(d)}m"] = t.covered.get(d, 0.0) / hh if hh else np.nan
        rows.append(row)
    return pd.DataFrame(rows)
