"""Speed of the app as a planner feels it: every page driven in headless Chromium.

For each page (explorer, compliance, coverage, site selection, surveillance, compare, reports,
data) the script measures, from the code of a checkout:

- ``ready``: from opening the page until Streamlit has finished the page script;
- ``map``: from opening the page until the first map is drawn (a Leaflet container with drawn
  layers: SVG paths, a canvas or markers), for pages that draw a map on opening;
- ``action``: from the click on the page's main button (coverage at 500 m, the default site
  selection run, the surveillance run, the report build) until its result is shown (and its
  map drawn).

Each repeat starts a fresh server on the demo project (built in a temporary folder with
``geo-app demo``): the first visit of every page is *cold* (empty caches of that page; shared
caches such as the layers may have been filled by the pages before it), a second visit in a
new browser session is *warm* (the server's caches are full, the session state is new). The
table shows p50/p95 over ``--repeats`` (default 3). Nothing is fetched from the internet.

``--baseline DIR`` runs the same measurement against another checkout (e.g. a ``git
worktree`` or ``git archive`` of an older commit) in the same run, one after the other, and
prints the ratios current / baseline. ``--json FILE`` writes every sample for comparison.

Run: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/app_speed.py --repeats 3``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 180_000
POLL_MS = 50

SCRIPT_DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning';
}"""

MAP_DRAWN = """() => {
    const box = document.querySelector('.leaflet-container');
    if (box === null) return false;
    return box.querySelector('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas, '
        + '.leaflet-marker-pane > *') !== null;
}"""


@dataclass(frozen=True)
class Action:
    """The main action of a page: a button and what shows that it has finished."""

    button: str
    done: str
    """Playwright selector of the result (e.g. ``text=分析完成``)."""
    draws_map: bool = True


@dataclass(frozen=True)
class PageCase:
    """A page to measure: URL path, whether it draws a map on opening, its main action."""

    name: str
    path: str
    map_on_load: bool = False
    action: Action | None = None


PAGES: tuple[PageCase, ...] = (
    PageCase("explorer", "", map_on_load=True),
    PageCase("compliance", "compliance", map_on_load=True),
    PageCase("coverage", "coverage", action=Action("开始分析", "text=分析完成")),
    PageCase("site_selection", "site-selection", action=Action("开始选址", "text=选址完成")),
    PageCase("surveillance", "surveillance", action=Action("开始分析", "text=分析完成")),
    PageCase("compare", "compare", map_on_load=True),
    PageCase(
        "reports",
        "reports",
        action=Action("生成报告", '[data-testid="stDownloadButton"]', draws_map=False),
    ),
    PageCase("data", "data"),
)
"""Pages in the order they are visited (the default page first)."""

METRICS = ("ready", "map", "action")


@dataclass
class Samples:
    """Seconds measured, by ``(checkout label, page, phase, metric)``."""

    values: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)

    def add(self, key: tuple[str, str, str, str], seconds: float | None) -> None:
        """Record one sample (``None``: not applicable, nothing recorded)."""
        if seconds is not None:
            self.values.setdefault(key, []).append(seconds)

    def get(self, key: tuple[str, str, str, str]) -> list[float]:
        """The samples of ``key`` (empty if none)."""
        return self.values.get(key, [])


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def checkout_env(checkout: Path) -> dict[str, str]:
    """Environment that runs the code of ``checkout`` (first on ``PYTHONPATH``), offline."""
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "PYTHONPATH")}
    env["PYTHONPATH"] = str(checkout)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
    return env


def build_demo(checkout: Path, folder: Path) -> Path:
    """Write the demo project of ``checkout`` into ``folder`` with ``geo-app demo``."""
    out = folder / "harbin_demo.gpkg"
    code = "import sys; from geo_app.cli import main; sys.exit(main())"
    subprocess.run(
        [sys.executable, "-c", code, "demo", "--out", str(out), "--overwrite"],
        cwd=str(checkout),
        env=checkout_env(checkout),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def wait_healthy(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait until Streamlit answers its health endpoint."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {server.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"streamlit not healthy after {timeout} s")


@contextlib.contextmanager
def app_server(checkout: Path, project: Path, log_path: Path) -> Iterator[str]:
    """Run ``checkout``'s app on ``project`` on a free port; yield its URL; always stop it."""
    port = free_port()
    env = {**checkout_env(checkout), "GEO_APP_PROJECT": str(project)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(checkout / "streamlit_app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
    ]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, env=env, cwd=str(checkout), stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


# --- one visit ---------------------------------------------------------------------------------


def map_drawn(page) -> bool:
    """Whether some map component frame of ``page`` shows a drawn Leaflet map."""
    for frame in page.frames:
        if "st_folium" not in frame.url:
            continue
        with contextlib.suppress(Exception):  # a frame may be replaced while we look
            if frame.evaluate(MAP_DRAWN):
                return True
    return False


def wait_map(page, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Wait until some map component frame of ``page`` shows a drawn Leaflet map."""
    deadline = time.monotonic() + timeout_s
    while not map_drawn(page):
        if time.monotonic() > deadline:
            raise TimeoutError("no drawn map")
        page.wait_for_timeout(POLL_MS)


def wait_script(page) -> None:
    """Wait until Streamlit has finished running the page script."""
    page.wait_for_function(SCRIPT_DONE, timeout=TIMEOUT_MS, polling=POLL_MS)


def watch_load(page, start: float, with_map: bool) -> tuple[float, float | None]:
    """Seconds from ``start`` until the page script has finished and (``with_map``) until
    the first map is drawn, whichever comes first, each when first seen."""
    ready_s = map_s = None
    deadline = start + TIMEOUT_MS / 1000
    while ready_s is None or (with_map and map_s is None):
        if time.perf_counter() > deadline:
            raise TimeoutError("page not ready")
        if ready_s is None and page.evaluate(SCRIPT_DONE):
            ready_s = time.perf_counter() - start
        if with_map and map_s is None and map_drawn(page):
            map_s = time.perf_counter() - start
        page.wait_for_timeout(POLL_MS)
    return ready_s, map_s


def visit(browser, url: str, case: PageCase) -> dict[str, float | None]:
    """Open ``case`` in a new browser session, measure, run its action; seconds by metric
    (``None``: not measured, or failed; the failure is printed)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    seconds: dict[str, float | None] = dict.fromkeys(METRICS)
    try:
        start = time.perf_counter()
        page.goto(f"{url}/{case.path}", wait_until="domcontentloaded")
        page.locator('[data-testid="stHeading"], h1').first.wait_for(timeout=TIMEOUT_MS)
        seconds["ready"], seconds["map"] = watch_load(page, start, case.map_on_load)
        if case.action is not None:
            seconds["action"] = run_action(page, case.action)
    except Exception as exc:  # one failed page must not lose the other measurements
        print(f"  {case.name}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        context.close()
    return seconds


def run_action(page, action: Action) -> float:
    """Click the action's button; seconds until its result (and map) are shown."""
    button = page.get_by_role("button", name=action.button)
    button.wait_for(timeout=TIMEOUT_MS)
    start = time.perf_counter()
    button.click()
    page.locator(action.done).first.wait_for(timeout=TIMEOUT_MS)
    wait_script(page)
    if action.draws_map:
        wait_map(page)
    return time.perf_counter() - start


def measure_checkout(
    label: str, checkout: Path, cases: tuple[PageCase, ...], repeats: int, samples: Samples
) -> None:
    """All repeats of one checkout: a fresh demo and server per repeat, cold then warm."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="app_speed_") as tmp:
        folder = Path(tmp)
        print(f"[{label}] building the demo project of {checkout} ...", file=sys.stderr)
        project = build_demo(checkout, folder)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                for repeat in range(repeats):
                    with app_server(checkout, project, folder / "streamlit.log") as url:
                        for phase in ("cold", "warm"):
                            for case in cases:
                                seconds = visit(browser, url, case)
                                for metric, value in seconds.items():
                                    samples.add((label, case.name, phase, metric), value)
                                print(
                                    f"[{label}] repeat {repeat + 1}/{repeats} {phase:4} "
                                    f"{case.name:15} {_brief(seconds)}",
                                    file=sys.stderr,
                                )
            finally:
                browser.close()


def _brief(seconds: dict[str, float | None]) -> str:
    return " ".join(f"{k}={v:.2f}s" for k, v in seconds.items() if v is not None)


# --- the table ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, linear between order statistics."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _cell(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{percentile(values, 0.5):.2f} / {percentile(values, 0.95):.2f}"


def _ratio(current: list[float], baseline: list[float]) -> str:
    if not current or not baseline:
        return "-"
    return f"{statistics.median(current) / statistics.median(baseline):.2f}x"


def table(samples: Samples, cases: tuple[PageCase, ...], labels: list[str]) -> str:
    """Markdown table: per page and phase, p50 / p95 seconds of each metric, per checkout."""
    header = ["page", "phase"]
    for label in labels:
        header += [f"{m} {label}" for m in METRICS]
    if len(labels) == 2:
        header += [f"{m} ratio" for m in METRICS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for case in cases:
        for phase in ("cold", "warm"):
            row = [case.name, phase]
            for label in labels:
                row += [_cell(samples.get((label, case.name, phase, m))) for m in METRICS]
            if len(labels) == 2:
                row += [
                    _ratio(
                        samples.get((labels[0], case.name, phase, m)),
                        samples.get((labels[1], case.name, phase, m)),
                    )
                    for m in METRICS
                ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def to_json(samples: Samples, checkouts: dict[str, Path], repeats: int) -> dict:
    """Every sample, with p50/p95, for comparison between runs."""
    rows = []
    for (label, page, phase, metric), values in sorted(samples.values.items()):
        rows.append(
            {
                "checkout": label,
                "page": page,
                "phase": phase,
                "metric": metric,
                "seconds": [round(v, 3) for v in values],
                "p50": round(percentile(values, 0.5), 3),
                "p95": round(percentile(values, 0.95), 3),
            }
        )
    return {
        "checkouts": {label: str(path) for label, path in checkouts.items()},
        "repeats": repeats,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": rows,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh servers per checkout (3)")
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=[c.name for c in PAGES],
        help="only these pages (default: all, in menu order)",
    )
    parser.add_argument("--baseline", type=Path, help="another checkout to measure in this run")
    parser.add_argument("--json", type=Path, help="write all samples to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table (stdout), optionally write JSON."""
    args = parse_args(argv)
    if not CHROMIUM.exists():
        print(f"Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    cases = tuple(c for c in PAGES if not args.pages or c.name in args.pages)
    checkouts = {"current": HERE}
    if args.baseline is not None:
        checkouts["baseline"] = args.baseline.resolve()
    samples = Samples()
    for label, checkout in checkouts.items():
        measure_checkout(label, checkout, cases, args.repeats, samples)
    print(f"seconds, p50 / p95 over {args.repeats} repeats ({', '.join(checkouts)})")
    print(table(samples, cases, list(checkouts)))
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(samples, checkouts, args.repeats), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
