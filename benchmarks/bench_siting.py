"""Benchmark of `analysis.siting` (issue 6 item 6).

One run prints objective values, gaps and time ratios for
(a) random instances solved by `analysis.siting` and by PySAL spopt with its default CBC solver,
(b) OR-Library pmed1-pmed40 against their published optima,
(c) the 24 maximal covering instances of Maximo, Cordeau & Nascimento (ITOR 2023).

Usage::

    .venv/bin/python benchmarks/bench_siting.py            # default: all three parts, medium sizes
    .venv/bin/python benchmarks/bench_siting.py --quick    # small random sizes, a few pmed/MCLP
    .venv/bin/python benchmarks/bench_siting.py --full     # random sizes up to 20,000 x 2,000
    .venv/bin/python benchmarks/bench_siting.py --parts pmed,mclp --time-limit 120

Data are read from ``shared/data/benchmarks`` beside the repository.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = Path(__file__).resolve().parents[2] / "shared"
PMED_DIR = SHARED / "data" / "benchmarks" / "pmed"
MCLP_DIR = SHARED / "data" / "benchmarks" / "mclp" / "maximo_ails"


# --------------------------------------------------------------------------------------------
# instance readers (also used by tests/test_siting.py)
# --------------------------------------------------------------------------------------------


def read_pmed(path: Path) -> tuple[np.ndarray, int]:
    """OR-Library p-median file -> (all-pairs shortest-path cost matrix, p).

    Duplicate edges: the LAST occurrence wins (OR-Library's pmedinfo convention).
    """
    with open(path) as f:
        n, m, p = (int(t) for t in f.readline().split())
        edges = np.loadtxt(f, dtype=np.int64, ndmin=2)[:m]
    u, v, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(float)
    w = np.full((n, n), np.inf)
    for a, b, k in zip(u.tolist(), v.tolist(), c.tolist(), strict=True):
        w[a, b] = k
        w[b, a] = k
    np.fill_diagonal(w, 0.0)
    g = sp.csr_matrix(np.where(np.isinf(w), 0, w))
    dist = shortest_path(g, method="D", directed=False)
    return dist, p


def read_pmed_optima() -> dict[str, tuple[int, int, float]]:
    out = {}
    with open(PMED_DIR / "optimal.csv") as f:
        for row in csv.DictReader(f):
            out[row["instance"]] = (int(row["n"]), int(row["p"]), float(row["optimum"]))
    return out


def read_mclp_instance(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """TSPLIB-like MCLP file -> (lat/lon degrees array n x 2, demands)."""
    lines = Path(path).read_text().splitlines()
    n = next(int(s.split(":")[1]) for s in lines if s.strip().startswith("DIMENSION"))
    i = next(k for k, s in enumerate(lines) if s.strip().startswith("NODE_COORD_SECTION"))
    coords = np.array([[float(t) for t in lines[i + 1 + k].split()[:2]] for k in range(n)])
    j = next(k for k, s in enumerate(lines) if s.strip().startswith("DEMAND_SECTION"))
    demand = np.array([float(lines[j + 1 + k].split()[0]) for k in range(n)])
    return coords, demand


def mclp_cover_matrix(coords: np.ndarray, radius: float, chunk: int = 1000) -> sp.csr_matrix:
    """Sparse distances (metres, float32 as upstream) of all pairs with d <= radius.

    Upstream (AILS-MCLP `Instance.java`): ``(float) acos(cos φ1 cos φ2 cos Δλ + sin φ1 sin φ2)``
    times 6378100 in float arithmetic; a pair whose acos argument exceeds 1 gives NaN (not
    covered) unless i == j (distance 0).
    """
    lat = np.radians(coords[:, 0])
    lon = coords[:, 1]
    n = coords.shape[0]
    rows, cols, vals = [], [], []
    r32 = np.float32(radius)
    with np.errstate(invalid="ignore"):
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            x = np.cos(lat[s:e, None]) * np.cos(lat[None, :]) * np.cos(
                np.radians(lon[None, :] - lon[s:e, None])
            ) + np.sin(lat[s:e, None]) * np.sin(lat[None, :])
            d = np.arccos(x).astype(np.float32) * np.float32(6378100)
            d[np.arange(e - s), np.arange(s, e)] = 0
            r, c = np.nonzero(d <= r32)
            rows.append(r + s)
            cols.append(c)
            vals.append(d[r, c])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals).astype(float)
    return sp.csr_matrix((v, (r, c)), shape=(n, n))


# --------------------------------------------------------------------------------------------
# (a) random instances: analysis.siting vs spopt + CBC
# --------------------------------------------------------------------------------------------

SIZES = {
    "quick": [(200, 20), (1000, 100)],
    "default": [(200, 20), (1000, 100), (5000, 500)],
    "full": [(200, 20), (1000, 100), (5000, 500), (20000, 2000)],
}


def random_instance(n_dem: int, n_cand: int, seed: int = 0):
    """Uniform points in a 10 km square; Euclidean metres; integer weights 1..100."""
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 10_000, size=(n_dem, 2))
    cand = rng.uniform(0, 10_000, size=(n_cand, 2))
    w = rng.integers(1, 101, size=n_dem).astype(float)
    d = np.sqrt(((dem[:, None, :] - cand[None, :, :]) ** 2).sum(axis=2))
    return d, w


def random_params(n_cand: int) -> dict[str, float]:
    spacing = 10_000 / math.sqrt(n_cand)
    return {
        "r_lscp": 1.6 * spacing,
        "r_mclp": 1.0 * spacing,
        "p_mclp": max(2, n_cand // 10),
        "p_pmed": max(2, n_cand // 20),
    }


def _spopt_child(conn, model, cost, w, params, mem_gb, cbc_limit):
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (int(mem_gb * 2**30), int(mem_gb * 2**30)))
    try:
        import pulp
        from spopt.locate import LSCP, MCLP, PMedian

        t = time.perf_counter()
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=cbc_limit)
        if model == "set_cover":
            m = LSCP.from_cost_matrix(cost, params["r_lscp"]).solve(solver)
        elif model == "max_cover":
            m = MCLP.from_cost_matrix(cost, w, params["r_mclp"], p_facilities=params["p_mclp"])
            m = m.solve(solver)
        else:
            m = PMedian.from_cost_matrix(cost, w, p_facilities=params["p_pmed"]).solve(solver)
        seconds = time.perf_counter() - t
        if m.problem.sol_status == pulp.LpSolutionOptimal:
            obj = float(pulp.value(m.problem.objective))
            conn.send(("ok", obj, seconds, "optimal"))
        elif m.problem.sol_status == pulp.LpSolutionIntegerFeasible:  # CBC's time limit
            obj = float(pulp.value(m.problem.objective))
            conn.send(("limit", obj, seconds, f"CBC stopped at {cbc_limit:g} s"))
        else:
            status = pulp.LpSolution[m.problem.sol_status]
            conn.send(("error", math.nan, seconds, f"CBC: {status}"))
    except MemoryError:
        conn.send(("memory", math.nan, math.nan, f"over {mem_gb:g} GB"))
    except Exception as exc:  # report any spopt failure in the table
        conn.send(("error", math.nan, math.nan, f"{type(exc).__name__}: {exc}"[:80]))


def run_spopt(model, cost, w, params, timeout, mem_gb=6.0):
    """spopt + CBC in a forked child with a memory cap.

    CBC gets ``timeout`` seconds and then returns its best solution (status "limit"); the child
    is killed when building the model and solving take more than twice that.
    """
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_spopt_child, args=(child, model, cost, w, params, mem_gb, float(timeout))
    )
    t = time.perf_counter()
    proc.start()
    child.close()
    result = None
    hard = 2 * timeout + 30
    if parent.poll(hard):
        try:
            result = parent.recv()
        except EOFError:
            result = None
    elapsed = time.perf_counter() - t
    proc.join(5)
    if proc.is_alive():  # no answer in time, or slow to exit after answering
        proc.kill()
        proc.join()
    if result is None and elapsed >= hard:
        return ("timeout", math.nan, elapsed, f"killed after {hard:g} s")
    if result is None:
        return ("crash", math.nan, time.perf_counter() - t, f"exit code {proc.exitcode}")
    return result


def run_ours(model, cost, w, params, time_limit):
    from analysis.siting import max_cover, p_median, set_cover

    t = time.perf_counter()
    if model == "set_cover":
        r = set_cover(cost, params["r_lscp"], time_limit=time_limit)
    elif model == "max_cover":
        r = max_cover(cost, w, params["r_mclp"], params["p_mclp"], time_limit=time_limit)
    else:
        r = p_median(cost, w, params["p_pmed"], time_limit=time_limit)
    return r, time.perf_counter() - t


# Runs shorter than this are repeated (both solvers) and their median time is reported: one
# run of a few milliseconds says more about the machine's load than about the solver.
SHORT_RUN_S = 2.0
REPEATS = 9


def warm_up(models) -> None:
    """One untimed solve per model on a tiny instance (imports, first-call set-up), as in a
    running app; spopt needs none (it is imported in its child before the clock starts)."""
    cost, w = random_instance(60, 8, seed=99)
    params = random_params(8)
    for model in models:
        run_ours(model, cost, w, params, 10.0)


def timed_ours(model, cost, w, params, time_limit):
    res, sec = run_ours(model, cost, w, params, time_limit)
    if sec < SHORT_RUN_S:
        times = [sec] + [
            run_ours(model, cost, w, params, time_limit)[1] for _ in range(REPEATS - 1)
        ]
        sec = float(np.median(times))
    return res, sec


def timed_spopt(model, cost, w, params, timeout, mem_gb=6.0):
    first = run_spopt(model, cost, w, params, timeout, mem_gb)
    if first[0] != "ok" or first[2] >= SHORT_RUN_S:
        return first
    times = [first[2]] + [
        run_spopt(model, cost, w, params, timeout, mem_gb)[2] for _ in range(REPEATS - 1)
    ]
    return (first[0], first[1], float(np.median(times)), first[3])


def note_of(status: str, spopt_note: str) -> str:
    return "optimal" if status == "ok" else f"not proven ({spopt_note}; ours given 1/20 of it)"


def part_random(sizes, spopt_timeout, time_limit, seed=0, models=None, spopt_mem=6.0):
    try:
        import spopt  # noqa: F401

        have_spopt = True
    except ImportError as exc:
        print(f"spopt not importable ({exc}); part (a) runs ours only")
        have_spopt = False
    models = models or ["set_cover", "max_cover", "p_median"]
    print("\n(a) random instances: analysis.siting (HiGHS) vs spopt 0.7 + CBC")
    print(
        f"    times: one run each; runs under {SHORT_RUN_S:g} s are repeated {REPEATS} times "
        "(both solvers) and the median is shown; ours after one untimed warm-up solve per model"
    )
    print(
        f"    spopt's CBC gets {spopt_timeout:g} s; when it stops there with a solution, ours is "
        "run again with 1/20 of spopt's time and must reach spopt's objective in it"
    )
    warm_up(models)
    head = (
        f"{'model':<10} {'rows x cols':>13} {'p/r':>10} {'ours obj':>14} {'opt':>4} "
        f"{'gap':>7} {'ours s':>8} {'spopt obj':>14} {'spopt s':>9} {'ratio':>7}  note"
    )
    print(head)
    print("-" * len(head))
    rows = []
    for n_dem, n_cand in sizes:
        cost, w = random_instance(n_dem, n_cand, seed)
        params = random_params(n_cand)
        # keep rows every model can serve (spopt's LSCP needs full coverage)
        ok = (cost <= params["r_lscp"]).any(axis=1)
        cost, w = cost[ok], w[ok]
        for model in models:
            pr = {
                "set_cover": f"r={params['r_lscp']:.0f}",
                "max_cover": f"p={params['p_mclp']},r={params['r_mclp']:.0f}",
                "p_median": f"p={params['p_pmed']}",
            }[model]
            res, ours_s = timed_ours(model, cost, w, params, time_limit)
            if have_spopt:
                status, s_obj, s_sec, note = timed_spopt(
                    model, cost, w, params, spopt_timeout, spopt_mem
                )
            else:
                status, s_obj, s_sec, note = "absent", math.nan, math.nan, "spopt missing"
            if status == "limit":
                # CBC stopped at its time limit with a solution: ours gets a twentieth of
                # spopt's time and must reach at least spopt's objective in it
                # (its limit is set a little lower: HiGHS may overrun a time limit slightly)
                res, ours_s = timed_ours(model, cost, w, params, 0.9 * s_sec / 20)
            ratio = s_sec / ours_s if status in ("ok", "limit") else math.nan
            found = status in ("ok", "limit")
            same = found and math.isclose(res.objective, s_obj, rel_tol=1e-6, abs_tol=1e-6)
            better = found and (
                res.objective > s_obj + 1e-6
                if model == "max_cover"
                else res.objective < s_obj - 1e-6
            )
            if found:
                spopt_note = note_of(status, note)
                note = "same objective" if same else ("ours better" if better else "OURS WORSE")
                note += f"; spopt {s_obj:.6g} {spopt_note}"
            elif status == "timeout":
                note = f"spopt stopped: {note} (ratio > {2 * spopt_timeout / ours_s:.0f}x)"
            print(
                f"{model:<10} {f'{cost.shape[0]}x{cost.shape[1]}':>13} {pr:>10} "
                f"{res.objective:>14.6g} {'yes' if res.optimal else 'no':>4} {res.gap:>7.2%} "
                f"{ours_s:>8.3f} {s_obj:>14.6g} {s_sec:>9.3f} {ratio:>7.1f}  {note}",
                flush=True,
            )
            rows.append((model, cost.shape, res.objective, res.optimal, ours_s, s_obj, s_sec, same))
    return rows


# --------------------------------------------------------------------------------------------
# (b) OR-Library pmed
# --------------------------------------------------------------------------------------------


def part_pmed(names, time_limit):
    from analysis.siting import p_median

    optima = read_pmed_optima()
    print(f"\n(b) OR-Library p-median vs published optima (time limit {time_limit:g} s each)")
    head = (
        f"{'inst':<7} {'n':>4} {'p':>4} {'objective':>10} {'optimum':>9} {'bound':>10} "
        f"{'gap':>7} {'proved':>6} {'s':>8}  check"
    )
    print(head)
    print("-" * len(head))
    out = []
    for name in names:
        d, p = read_pmed(PMED_DIR / f"{name}.txt")
        t = time.perf_counter()
        r = p_median(d, np.ones(d.shape[0]), p, time_limit=time_limit)
        sec = time.perf_counter() - t
        opt = optima[name][2]
        if r.objective == opt and r.optimal:
            check = "optimum, proved"
        elif r.objective == opt:
            check = "optimum reached, bound open"
        elif r.bound > opt + 1e-6:
            check = "BOUND ABOVE PUBLISHED OPTIMUM"
        else:
            check = f"above optimum by {r.objective - opt:g}"
        if r.optimal and r.objective != opt:
            check = "PROVED VALUE DIFFERS FROM PUBLISHED"
        print(
            f"{name:<7} {d.shape[0]:>4} {p:>4} {r.objective:>10.0f} {opt:>9.0f} {r.bound:>10.1f} "
            f"{r.gap:>7.3%} {'yes' if r.optimal else 'no':>6} {sec:>8.2f}  {check}",
            flush=True,
        )
        out.append((name, r.objective, opt, r.bound, r.optimal, sec))
    return out


# --------------------------------------------------------------------------------------------
# (c) MCLP instances of Maximo, Cordeau & Nascimento
# --------------------------------------------------------------------------------------------


def part_mclp(cities, ps, time_limit):
    from analysis.siting import max_cover

    print(f"\n(c) MCLP instances vs published optima (time limit {time_limit:g} s each)")
    head = (
        f"{'inst':<13} {'p':>4} {'r':>4} {'objective':>10} {'published':>10} {'bound':>10} "
        f"{'gap':>7} {'proved':>6} {'s':>8}  check"
    )
    print(head)
    print("-" * len(head))
    with open(MCLP_DIR / "optimal.csv") as f:
        table = [r for r in csv.DictReader(f)]
    out = []
    cache: dict = {}
    for row in table:
        city, p, radius = row["instance"], int(row["p"]), float(row["radius_m"])
        if city not in cities or p not in ps:
            continue
        if city not in cache:
            coords, dem = read_mclp_instance(MCLP_DIR / row["file"])
            cache.clear()
            cache[city] = (mclp_cover_matrix(coords, radius), dem)
        cost, dem = cache[city]
        opt = float(row["optimum"])
        t = time.perf_counter()
        r = max_cover(cost, dem, radius, p, time_limit=time_limit)
        sec = time.perf_counter() - t
        if r.objective == opt and r.optimal:
            check = "optimum, proved"
        elif r.objective == opt:
            check = "optimum reached, bound open"
        elif r.objective > opt:
            check = "ABOVE PUBLISHED (better)" if not r.optimal else "proved, above published"
        elif r.optimal:
            check = "PROVED VALUE BELOW PUBLISHED"
        else:
            check = f"below published by {opt - r.objective:g} ({(opt - r.objective) / opt:.3%})"
        if r.bound < opt - 1e-6:
            check += "; BOUND BELOW PUBLISHED"
        print(
            f"{city:<13} {p:>4} {radius:>4.0f} {r.objective:>10.0f} {opt:>10.0f} "
            f"{r.bound:>10.0f} {r.gap:>7.3%} {'yes' if r.optimal else 'no':>6} {sec:>8.2f}  {check}",
            flush=True,
        )
        out.append((city, p, r.objective, opt, r.bound, r.optimal, sec))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, a few pmed/MCLP")
    mode.add_argument("--full", action="store_true", help="random sizes up to 20,000 x 2,000")
    ap.add_argument("--parts", default="random,pmed,mclp", help="comma list of parts")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per instance (ours)")
    ap.add_argument("--spopt-timeout", type=float, default=None, help="seconds per spopt run")
    ap.add_argument("--spopt-mem", type=float, default=6.0, help="GB of memory for each spopt run")
    ap.add_argument("--pmed", default=None, help="e.g. pmed1,pmed2 (default all 40)")
    ap.add_argument("--sizes", default=None, help="random sizes, e.g. 20000x2000,5000x500")
    ap.add_argument("--models", default=None, help="random models, e.g. p_median,max_cover")
    ap.add_argument("--cities", default="NewYork,Bronx,SanFrancisco,Kings")
    ap.add_argument("--ps", default="50,60,70,80,90,100")
    args = ap.parse_args(argv)
    level = "quick" if args.quick else ("full" if args.full else "default")
    parts = set(args.parts.split(","))
    tl = args.time_limit or {"quick": 60.0, "default": 120.0, "full": 300.0}[level]
    print(f"bench_siting: mode {level}, time limit {tl:g} s per instance, shared data {SHARED}")
    if "random" in parts:
        spt = args.spopt_timeout or {"quick": 120.0, "default": 600.0, "full": 1200.0}[level]
        sizes = SIZES[level]
        if args.sizes:
            sizes = [tuple(int(v) for v in t.split("x")) for t in args.sizes.split(",")]
        models = args.models.split(",") if args.models else None
        part_random(sizes, spt, tl, models=models, spopt_mem=args.spopt_mem)
    if not SHARED.is_dir():
        print(f"shared data not found at {SHARED}: parts (b) and (c) skipped")
        return 0
    if "pmed" in parts:
        names = args.pmed.split(",") if args.pmed else [f"pmed{i}" for i in range(1, 41)]
        if args.quick and not args.pmed:
            names = ["pmed1", "pmed2", "pmed5", "pmed10"]
        part_pmed(names, tl)
    if "mclp" in parts:
        cities = args.cities.split(",")
        ps = [int(x) for x in args.ps.split(",")]
        if args.quick:
            cities, ps = ["NewYork"], [50]
        part_mclp(cities, ps, tl)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
