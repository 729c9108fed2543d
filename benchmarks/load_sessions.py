"""Many sessions at once: N concurrent browser sessions on the running app (127.0.0.1 only).

Starts ``streamlit run streamlit_app.py`` on the demo project (or ``--project``), opens N
isolated Chromium sessions (one browser, one context each) at the same time; each opens the
coverage page, picks a life circle (5, 10 or 15 minutes, in turn) and runs the analysis. Prints
the page-open and analysis times (p50/p95/max), the server's memory (resident set, sampled every
0.2 s) and checks:

* 0 errors: every session shows "分析完成" within the time limit and no exception;
* each session's result is its own: the households-covered share it shows is the one computed
  here for its life circle (``workflows.project_coverage``), not a neighbour's;
* cached computations are shared: sessions with the same circle show the same compute time
  (``st.cache_data`` returned one result to all of them), so 3 computations served N sessions.

``python benchmarks/load_sessions.py --sessions 20`` (default 20, at most 40; 600 s limit).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from app_browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

CIRCLES = (5, 10, 15)
MAX_SESSIONS = 40
KIND = "community_station"
DONE = re.compile(r"分析完成:.*?([\d,]+) 米\(用时 ([\d.]+) 秒\)")


@dataclass
class Session:
    """What one browser session saw."""

    index: int
    circle: int
    open_s: float = float("nan")
    run_s: float = float("nan")
    share: str = ""
    distance: str = ""
    compute_s: str = ""
    error: str = ""


@dataclass
class LoadResult:
    sessions: list[Session]
    expected: dict[int, str]
    peak_rss_mb: float
    idle_rss_mb: float
    wall_s: float
    problems: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Session]:
        return [s for s in self.sessions if s.error]


def expected_shares(project_path: Path) -> dict[int, str]:
    """Households-covered share per life circle, computed here as the page formats it."""
    from analysis.coverage import LIFE_CIRCLE_M
    from geo_app import workflows
    from geo_app.project import Project

    project = Project.open(project_path)
    G = workflows.project_network(project)
    out = {}
    for circle in CIRCLES:
        result = workflows.project_coverage(project, KIND, LIFE_CIRCLE_M[circle], G=G)
        out[circle] = f"{workflows.coverage_metrics(result)['covered_share']:.1%}"
    return out


def _rss_mb(pid: int) -> float:
    """Resident memory of the process ``pid`` and its children, in MB (0 when gone)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class MemorySampler(threading.Thread):
    """Peak resident memory of the server while the sessions run."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pid))
            self.stop.wait(0.2)


async def _session(browser, url: str, s: Session, timeout_ms: int) -> None:
    context = await browser.new_context(viewport={"width": 1300, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: setattr(s, "error", s.error or f"page error: {exc}"))
    try:
        start = time.perf_counter()
        await page.goto(f"{url}/coverage", wait_until="domcontentloaded")
        await page.get_by_role("button", name="开始分析").wait_for(timeout=timeout_ms)
        s.open_s = time.perf_counter() - start
        select = page.locator('[data-testid="stSelectbox"]').filter(has_text="生活圈")
        await select.click()
        await page.get_by_role("option", name=re.compile(f"^{s.circle} 分钟生活圈")).click()
        start = time.perf_counter()
        await page.get_by_role("button", name="开始分析").click()
        status = page.get_by_text(DONE).first
        await status.wait_for(timeout=timeout_ms)
        share = (
            page.locator('[data-testid="stMetric"]')
            .filter(has_text="户数覆盖率")
            .locator('[data-testid="stMetricValue"]')
        )
        await share.wait_for(timeout=timeout_ms)
        s.run_s = time.perf_counter() - start
        s.share = (await share.inner_text()).strip()
        match = DONE.search(await status.inner_text())
        s.compute_s = match.group(2) if match else ""
        s.distance = match.group(1).replace(",", "") if match else ""
        if await page.get_by_text("Traceback").count():
            s.error = "a traceback is shown"
    except Exception as exc:  # a timeout or a page that broke: counted as an error
        s.error = s.error or f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        try:
            shown = (await page.locator("body").inner_text(timeout=5000))[-300:]
        except Exception:
            shown = "?"
        s.error += f" (page shows: {' '.join(shown.split())})"
    finally:
        await context.close()


async def _run_sessions(url: str, sessions: list[Session], timeout_ms: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            await asyncio.gather(*(_session(browser, url, s, timeout_ms) for s in sessions))
        finally:
            await browser.close()


def run_load(
    project_path: Path, n_sessions: int, log_path: Path, timeout_s: float = 600.0
) -> LoadResult:
    """Start the app on ``project_path`` and run ``n_sessions`` sessions at once."""
    if not 1 <= n_sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be 1..{MAX_SESSIONS}")
    expected = expected_shares(project_path)
    sessions = [Session(i, CIRCLES[i % len(CIRCLES)]) for i in range(n_sessions)]
    with streamlit_server(project_path, log_path) as url:
        server_pid = _server_pid(url)
        idle = _rss_mb(server_pid)
        sampler = MemorySampler(server_pid)
        sampler.start()
        start = time.perf_counter()
        asyncio.run(_run_sessions(url, sessions, int(timeout_s * 1000)))
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
    result = LoadResult(sessions, expected, sampler.peak, idle, wall)
    from analysis.coverage import LIFE_CIRCLE_M

    for s in sessions:
        if not s.error and s.distance != f"{LIFE_CIRCLE_M[s.circle]:.0f}":
            result.problems.append(
                f"session {s.index} ({s.circle} min) ran {s.distance} m, "
                f"expected {LIFE_CIRCLE_M[s.circle]:.0f} m"
            )
        if not s.error and s.share != expected[s.circle]:
            result.problems.append(
                f"session {s.index} ({s.circle} min) shows {s.share}, expected {expected[s.circle]}"
            )
    for circle in CIRCLES:
        seen = {s.compute_s for s in sessions if s.circle == circle and not s.error}
        if len(seen) > 1:
            result.problems.append(f"{circle} min computed more than once: {sorted(seen)} s")
    return result


def _server_pid(url: str) -> int:
    """Process id of the server listening on ``url``'s port (found through /proc)."""
    port = int(url.rsplit(":", 1)[1])
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == "0A":
            inodes.add(parts[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = str(fd.readlink())
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no process listens on port {port}")


def _quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def summary(result: LoadResult) -> str:
    ok = [s for s in result.sessions if not s.error]
    opens = [s.open_s for s in ok]
    runs = [s.run_s for s in ok]
    lines = [
        f"sessions: {len(result.sessions)} at once, errors: {len(result.errors)}, "
        f"wall {result.wall_s:.1f} s",
        f"open page    p50 {_quantile(opens, 0.5):6.2f} s  p95 {_quantile(opens, 0.95):6.2f} s"
        f"  max {max(opens, default=float('nan')):6.2f} s",
        f"run analysis p50 {_quantile(runs, 0.5):6.2f} s  p95 {_quantile(runs, 0.95):6.2f} s"
        f"  max {max(runs, default=float('nan')):6.2f} s",
        f"server memory: {result.idle_rss_mb:.0f} MB before, peak {result.peak_rss_mb:.0f} MB",
        "computations: "
        + ", ".join(
            f"{c} min -> {sorted({s.compute_s for s in ok if s.circle == c})} s "
            f"(shown to {sum(s.circle == c for s in ok)} sessions, share {result.expected[c]})"
            for c in CIRCLES
        ),
    ]
    lines += [f"ERROR session {s.index}: {s.error}" for s in result.errors]
    lines += [f"PROBLEM {p}" for p in result.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--project", type=Path, default=None, help="default: a new demo project")
    parser.add_argument("--timeout", type=float, default=600.0, help="per step, seconds")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="geoapp-load-") as tmp:
        project = args.project
        if project is None:
            from geo_app.workflows.demo import create_demo_project

            project = Path(tmp) / "harbin_demo.gpkg"
            create_demo_project(project, seed=0)
        result = run_load(project, args.sessions, Path(tmp) / "streamlit.log", args.timeout)
        print(summary(result))
    return 1 if result.errors or result.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
