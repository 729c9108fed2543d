"""``geo-app assess PROJECT [PROJECT ...] --out RESULT.gpkg [--scheduler ADDRESS | --workers N]``:
compliance, walking coverage at the life-circle distances and the district metrics of many city
projects at once, on Dask (:mod:`geo_app.workflows.assess.plan`).

Without ``--scheduler`` a ``LocalCluster`` sized to the machine is started (``--workers``
processes, one thread each); with it the command connects to a running ``dask scheduler``,
whose workers must be able to open the same project paths (a shared folder) or URLs. The
Dask dashboard address is printed and a progress bar counts the partitions written.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator

from analysis.coverage import LIFE_CIRCLE_M
from geo_app.cli import CommandError, add_standard_option
from geo_app.cli._outputs import add_overwrite_project_option, check_output
from geo_app.workflows.assess.plan import DEFAULT_CHUNK_SIZE, OUTPUT_LAYERS, AssessSpec, plan_cities
from geo_app.workflows.assess.run import ResultFile, cities_table, run_assessment
from layers.schema import FACILITY_KINDS

CONNECT_TIMEOUT_S = 15
START_ATTEMPTS = 3
"""Starts of a local cluster before giving up (a worker killed while starting fails one)."""
LOCAL_HOST = "127.0.0.1"
"""A local cluster and its dashboard listen on this machine only."""
DASHBOARD_PORT = 8787
BAR_WIDTH = 30


def machine_workers() -> int:
    """Worker processes for a local cluster: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class ProgressBar:
    """A text progress bar on stderr (redrawn in place on a terminal, else every 10 %)."""

    def __init__(self, lang: str = "zh", stream=None) -> None:
        self.stream = stream or sys.stderr
        self.unit = "分区" if lang == "zh" else "partitions"
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._shown = -1
        self._start = time.monotonic()

    def __call__(self, done: int, total: int, city: str) -> None:
        tenth = int(10 * done / max(total, 1))
        if not self.tty and tenth == self._shown and done < total:
            return
        self._shown = tenth
        filled = int(BAR_WIDTH * done / max(total, 1))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"[{bar}] {done}/{total} {self.unit} {time.monotonic() - self._start:5.0f} s {city}"
        end = "\n" if not self.tty or done >= total else ""
        print(("\r" if self.tty else "") + line, end=end, file=self.stream, flush=True)


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[object]:
    """A client of the scheduler at ``scheduler``, or of a new local cluster of ``workers``."""
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise CommandError(
                f"无法连接 Dask 调度器 {scheduler}:{exc} / cannot connect to the Dask "
                f"scheduler {scheduler}: {exc}"
            ) from exc
        with client:
            yield client
        return
    cluster = start_local_cluster(workers or machine_workers())
    with cluster, Client(cluster) as client:
        yield client


def start_local_cluster(n_workers: int, attempts: int = START_ATTEMPTS):
    """A ``LocalCluster`` of ``n_workers`` processes on 127.0.0.1 (dashboard too), started again
    when a worker dies while it starts; :class:`CommandError` after ``attempts`` failures."""
    from distributed import LocalCluster

    failures: list[str] = []
    for attempt in range(1, attempts + 1):
        try:
            return LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host=LOCAL_HOST,
                dashboard_address=f"{LOCAL_HOST}:{DASHBOARD_PORT}",
                silence_logs=logging.CRITICAL,
            )
        except (RuntimeError, OSError, TimeoutError) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            print(
                f"Dask 本地集群第 {attempt} 次启动失败,重试 / the local Dask cluster failed to "
                f"start (attempt {attempt}): {exc}",
                file=sys.stderr,
                flush=True,
            )
    raise CommandError(
        f"Dask 本地集群 {attempts} 次均未能启动(工作进程启动时退出);请检查内存与进程限制后重试,"
        f"或用 --scheduler 连接已运行的调度器 / the local Dask cluster failed to start "
        f"{attempts} times (a worker process exited while starting): {failures[-1]}; check "
        f"memory and process limits and try again, or connect to a running scheduler with "
        f"--scheduler"
    )


def _summary_lines(table, lang: str) -> list[str]:
    shares = [c for c in table.columns if c.startswith("covered_share_")]
    lines = []
    for row in table.itertuples(index=False):
        below = (
            "-" if row.communities_below != row.communities_below else int(row.communities_below)
        )
        parts = ", ".join(
            f"{c.removeprefix('covered_share_')} {getattr(row, c):.1%}"
            if getattr(row, c) == getattr(row, c)
            else f"{c.removeprefix('covered_share_')} -"
            for c in shares
        )
        if lang == "zh":
            lines.append(f"  {row.city}:{row.communities} 个社区,{below} 个未达标;覆盖 {parts}")
        else:
            lines.append(
                f"  {row.city}: {row.communities} communities, {below} below standard; "
                f"covered {parts}"
            )
    return lines


def run(args: argparse.Namespace) -> int:
    """Run ``geo-app assess``."""
    out = check_output(args.out, projects=args.projects, overwrite_project=args.overwrite_project)
    if out.suffix.lower() != ".gpkg":
        raise CommandError(f"输出文件应为 .gpkg:{out} / the output must end in .gpkg: {out}")
    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers 须至少为 1 / --workers must be at least 1")
    if args.chunk_size < 1:
        raise CommandError("--chunk-size 须至少为 1 / --chunk-size must be at least 1")
    spec = AssessSpec(
        facility_kind=args.facility_kind,
        distances=tuple(float(d) for d in args.distances),
        chunk_size=args.chunk_size,
        standard=args.standard,
        surveillance=args.surveillance,
        lang=args.lang,
    )
    plans = plan_cities(args.projects, spec)
    zh = args.lang == "zh"
    with dask_client(args.scheduler, args.workers) as client:
        n = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        label = "Dask 仪表板" if zh else "Dask dashboard"
        print(f"{label}: {client.dashboard_link}", flush=True)
        what = f"{len(plans)} 个城市,{n} 个工作进程" if zh else f"{len(plans)} cities, {n} workers"
        print(what, flush=True)
        progress = None if args.no_progress else ProgressBar(args.lang)
        with ResultFile(out) as result:
            totals = run_assessment(client, plans, spec, result.write, progress=progress)
            table = cities_table(totals, spec)
            result.write("cities", table)
            result.commit()
    for line in _summary_lines(table, args.lang):
        print(line)
    for t in totals:
        for note in dict.fromkeys(t.notes):
            print(f"  - {t.city}: {note}", file=sys.stderr)
    layers = ", ".join(k for k in OUTPUT_LAYERS if k in result.rows)
    print(f"已写出 {out}({layers})" if zh else f"written: {out} ({layers})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``assess`` sub-command."""
    p = subparsers.add_parser(
        "assess",
        help="多城市评估(Dask)/ assess many cities at once on Dask",
        description=(
            "在 Dask 上同时评估多个城市项目:社区用房达标、生活圈步行覆盖和区县指标,结果写入一个 "
            "GeoPackage / compliance, life-circle walking coverage and district metrics of many "
            "city projects as one Dask graph, written to one GeoPackage"
        ),
    )
    p.add_argument("projects", nargs="+", metavar="PROJECT", help="城市项目 / city projects")
    p.add_argument("--out", required=True, help="输出 .gpkg / output GeoPackage")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="已有 Dask 调度器地址,如 tcp://10.0.0.5:8786 / address of a running Dask scheduler",
    )
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"本机工作进程数(默认 {machine_workers()})/ local worker processes",
    )
    p.add_argument(
        "--facility-kind",
        default="community_station",
        choices=FACILITY_KINDS,
        metavar="KIND",
        help="覆盖分析的设施类型 / facility kind of the coverage (default community_station)",
    )
    p.add_argument(
        "--distances",
        type=float,
        nargs="+",
        default=list(LIFE_CIRCLE_M.values()),
        help="覆盖距离(米)/ coverage distances in m (default 300 500 1000)",
    )
    p.add_argument(
        "--chunk-size",
        type=int,
        default=DEFAULT_CHUNK_SIZE,
        help=f"每个任务的社区数 / communities per task (default {DEFAULT_CHUNK_SIZE})",
    )
    add_standard_option(p)
    p.add_argument(
        "--surveillance",
        action="store_true",
        help="同时计算监控指标(第二十条,较慢)/ also the Art. 20 camera metrics (slower)",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="语言 / language")
    p.add_argument("--no-progress", action="store_true", help="不显示进度条 / no progress bar")
    add_overwrite_project_option(p)
    p.set_defaults(func=run)
