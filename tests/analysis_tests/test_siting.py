"""Tests of analysis.siting: hand-checked instances, brute force, spopt, OR-Library, MCLP."""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from analysis.siting import (
    InfeasibleError,
    max_cover,
    p_median,
    set_cover,
)
from analysis.siting._local_search import HAVE_LOCAL_SEARCH, rwls_set_cover

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
BENCH = SHARED / "data" / "benchmarks"
INF = math.inf


def _bench_module():
    spec = importlib.util.spec_from_file_location(
        "bench_siting", ROOT / "benchmarks/bench_siting.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# --------------------------------------------------------------------------------------------
# hand-checked instances
# --------------------------------------------------------------------------------------------

# 5 communities (rows) x 4 candidate sites (cols), walking metres; inf = no path.
HAND = np.array(
    [
        [100, 600, INF, 900],
        [300, 200, INF, 700],
        [800, 250, 400, INF],
        [INF, 900, 150, 450],
        [INF, INF, 700, 100],
    ],
    dtype=float,
)
HOUSEHOLDS = np.array([10.0, 20.0, 30.0, 40.0, 50.0])


def test_set_cover_hand():
    # within 300 m: row0 {0}, row1 {0,1}, row2 {1}, row3 {2}, row4 {3} -> sites 0,1,2,3 all needed
    r = set_cover(HAND, 300)
    assert r.selected == [0, 1, 2, 3] and r.objective == 4 and r.optimal
    # within 450 m: row0 {0}, row1 {0,1}, row2 {1,2}, row3 {2,3}, row4 {3}: 0 + 3 + (1 or 2)
    r = set_cover(HAND, 450)
    assert r.objective == 3 and r.optimal
    assert {0, 3} <= set(r.selected)
    assert r.assignment.tolist()[0] == 0 and r.assignment.tolist()[4] == 3
    assert r.unreachable_rows == []


def test_set_cover_required_and_unreachable():
    # within 120 m only row0 (site 0, 100 m) and row4 (site 3, 100 m) are coverable
    r = set_cover(HAND, 120, required=[2])
    assert r.unreachable_rows == [1, 2, 3]
    assert r.selected == [0, 2, 3]  # required site 2 kept although it covers nothing
    assert r.assignment.tolist() == [0, -1, -1, -1, 3]
    assert "3 行" in r.message and "3 rows" in r.message


def test_max_cover_hand():
    # within 300 m, p=1: site 0 covers rows 0,1 (30); site 1 rows 1,2 (50); site 2 row 3 (40);
    # site 3 row 4 (50). Ties 50/50: either 1 or 3.
    r = max_cover(HAND, HOUSEHOLDS, 300, 1)
    assert r.objective == 50 and r.optimal
    # p=2: sites 1 + 3 -> 20+30+50 = 100 (vs 1+2: 90, 0+3: 80, 2+3: 90)
    r = max_cover(HAND, HOUSEHOLDS, 300, 2)
    assert r.selected == [1, 3] and r.objective == 100 and r.optimal
    assert r.details["uncovered_rows"] == [0, 3]
    assert r.assignment.tolist() == [-1, 1, 1, -1, 3]
    # required site 0, p=2: 0 covers 30, best second: 3 (50) -> 80
    r = max_cover(HAND, HOUSEHOLDS, 300, 2, required=[0])
    assert r.selected == [0, 3] and r.objective == 80


def test_max_cover_infeasible_p():
    with pytest.raises(InfeasibleError) as e:
        max_cover(HAND, HOUSEHOLDS, 300, 1, required=[0, 1])
    assert e.value.cause == "p_too_small"
    assert "p=1" in str(e.value) and "必选" in str(e.value)


def test_p_median_hand():
    # p=2 over the reachable entries; enumerate by hand the finite pairs:
    # {0,2}: rows 100,300,400,150,700 -> 10*100+20*300+30*400+40*150+50*700 = 60000
    # {0,3}: 100,300,inf... row2 to 0 = 800 -> 1000+6000+24000+18000+5000 = 54000
    # {1,3}: 600,200,250,450,100 -> 6000+4000+7500+18000+5000 = 40500
    # {1,2}: 600,200,250,150,700 -> 6000+4000+7500+6000+35000 = 58500
    # {2,3}: row0 -> 900, row1 -> 700: 9000+14000+12000+6000+5000 = 46000
    # {0,1}: rows3 -> 900, row4 unreachable -> infeasible
    r = p_median(HAND, HOUSEHOLDS, 2)
    assert r.selected == [1, 3] and r.objective == 40500 and r.optimal and r.gap == 0
    assert r.assignment.tolist() == [1, 1, 1, 3, 3]
    r = p_median(HAND, HOUSEHOLDS, 2, required=[0])
    assert r.selected == [0, 3] and r.objective == 54000


def test_p_median_capacitated_hand():
    # capacities in households. Uncapacitated optimum {1,3} (40500) puts 90 on site 3 (cap 60).
    # With caps: {1,3} must send row 3 to site 1 (load 100 > 90), so row 0 goes to site 3:
    # 10*900+20*200+30*250+40*900+50*100 = 61500; {1,2}: loads site1 60, site2 90 ->
    # 6000+4000+7500+6000+35000 = 58500; {0,2}: site2 can't take rows 2,3,4 (120) -> 72000;
    # {0,3}, {2,3} overload site 3, {0,1} leaves row 4 unreachable.
    cap = np.array([100.0, 90.0, 100.0, 60.0])
    r = p_median(HAND, HOUSEHOLDS, 2, capacity=cap)
    assert r.selected == [1, 2] and r.objective == 58500 and r.optimal
    assert r.assignment.tolist() == [1, 1, 1, 2, 2]
    # demand counted against capacity may differ from the weights
    r = p_median(HAND, HOUSEHOLDS, 2, capacity=cap, demand=np.ones(5))
    assert r.selected == [1, 3] and r.objective == 40500


def test_p_median_infeasible_cases():
    bad = HAND.copy()
    bad[4] = INF
    with pytest.raises(InfeasibleError) as e:
        p_median(bad, HOUSEHOLDS, 2)
    assert e.value.rows == [4] and e.value.cause == "unreachable_rows"
    assert "4" in str(e.value) and "/" in str(e.value)
    # capacity too small for the total demand
    with pytest.raises(InfeasibleError) as e:
        p_median(HAND, HOUSEHOLDS, 2, capacity=np.full(4, 60.0))
    assert e.value.cause == "capacity"
    # one row larger than any site in its reach
    with pytest.raises(InfeasibleError) as e:
        p_median(HAND, HOUSEHOLDS, 4, capacity=np.array([100.0, 100.0, 40.0, 45.0]))
    assert e.value.rows == [4]
    with pytest.raises(InfeasibleError):
        p_median(HAND, HOUSEHOLDS, 1, required=[0, 1])


def test_sparse_input_equals_dense_and_explicit_zero():
    rng = np.random.default_rng(3)
    d = rng.uniform(0, 1000, size=(40, 12)).round()
    d[rng.random(d.shape) < 0.4] = INF
    d[:, 0] = np.where(np.isinf(d[:, 0]), 500, d[:, 0])  # every row reachable
    d[5, 3] = 0.0  # a reachable zero cost
    w = rng.integers(1, 10, size=40).astype(float)
    finite = np.isfinite(d)
    r_, c_ = np.nonzero(finite)
    s = sp.csr_matrix((d[r_, c_], (r_, c_)), shape=d.shape)
    assert s.nnz == finite.sum()  # the explicit zero is stored
    for f, args in (
        (set_cover, (300,)),
        (max_cover, (w, 300, 3)),
        (p_median, (w, 3)),
    ):
        a, b = f(d, *args), f(s, *args)
        assert a.objective == b.objective and a.selected == b.selected
        assert a.assignment.tolist() == b.assignment.tolist()
    # the explicit zero is a reachable zero cost: row 5 is covered by site 3 at radius 0
    r = set_cover(s, 0.0)
    assert 5 not in r.unreachable_rows and r.assignment[5] == 3


def _brute(kind, d, w, p, radius):
    best = None
    for S in itertools.combinations(range(d.shape[1]), p):
        sub = d[:, S]
        if kind == "max_cover":
            v = w[(sub <= radius).any(axis=1)].sum()
            best = v if best is None else max(best, v)
        else:
            m = sub.min(axis=1)
            if np.isinf(m).any():
                continue
            v = float(w @ m)
            best = v if best is None else min(best, v)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = 30, 9
    pts, cand = rng.uniform(0, 100, (n, 2)), rng.uniform(0, 100, (m, 2))
    d = np.sqrt(((pts[:, None] - cand[None]) ** 2).sum(-1)).round()
    w = rng.integers(1, 20, n).astype(float)
    for p in (1, 3, 5):
        r = max_cover(d, w, 30, p)
        assert r.objective == _brute("max_cover", d, w, p, 30) and r.optimal
        r = p_median(d, w, p)
        assert r.objective == _brute("p_median", d, w, p, None) and r.optimal
    # set cover: smallest k whose best max-cover covers every coverable row
    r = set_cover(d, 30)
    coverable = (d <= 30).any(axis=1)
    k = next(
        k for k in range(1, m + 1) if _brute("max_cover", d, np.ones(n), k, 30) == coverable.sum()
    )
    assert r.objective == k
    assert r.unreachable_rows == np.flatnonzero(~coverable).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_enumeration_of_tiny_models_equals_the_milp(seed):
    # tiny reduced models are solved by enumeration ("enum"); HiGHS must agree on every one
    rng = np.random.default_rng(100 + seed)
    pts, cand = rng.uniform(0, 100, (60, 2)), rng.uniform(0, 100, (12, 2))
    d = np.sqrt(((pts[:, None] - cand[None]) ** 2).sum(-1))
    w = rng.integers(1, 30, 60).astype(float)
    required = [int(rng.integers(12))] if seed % 2 else None
    for p in (2, 4):
        fast = max_cover(d, w, 25, p, required=required)
        exact = max_cover(d, w, 25, p, required=required, method="milp")
        assert fast.method in ("enum", "trivial") and fast.optimal
        assert fast.objective == exact.objective
        assert required is None or required[0] in fast.selected
    # set cover on random sets (geometric ones reduce to a few essential sites)
    sets = rng.random((40, 14)) < 0.2
    sets[np.arange(40), rng.integers(14, size=40)] = True
    cost = np.where(sets, 1.0, np.inf)
    fast = set_cover(cost, 1.0, required=required)
    exact = set_cover(cost, 1.0, required=required, method="milp")
    assert fast.method in ("enum", "trivial") and fast.optimal
    assert fast.objective == exact.objective
    assert (fast.assignment >= 0).all()


@pytest.mark.skipif(not HAVE_LOCAL_SEARCH, reason="the local search needs numba")
def test_local_search_escapes_the_greedy_trap():
    # rows 0-5; A={0,1,2} and B={3,4,5} cover everything (optimum 2). Greedy takes
    # D={1,2,4,5} first (4 new rows) and then needs two more columns for rows 0 and 3.
    cols = {"A": [0, 1, 2], "B": [3, 4, 5], "C": [0], "E": [3], "D": [1, 2, 4, 5]}
    G = sp.lil_matrix((6, 5), dtype=np.int8)
    for j, rows in enumerate(cols.values()):
        G[rows, j] = 1
    G = G.tocsr()
    greedy = [2, 3, 4]  # C, E, D: a cover of 3
    found = rwls_set_cover(G, np.array(greedy), target=1, max_steps=5_000)
    assert found.tolist() == [0, 1]


@pytest.mark.skipif(not HAVE_LOCAL_SEARCH, reason="the local search needs numba")
@pytest.mark.parametrize("seed", range(4))
def test_local_search_reaches_the_milp_optimum(seed):
    # geometric covering models like the benchmark's: the search returns a cover, never larger
    # than its start, and of the MILP's optimal size; the same seed gives the same cover
    rng = np.random.default_rng(300 + seed)
    pts, cand = rng.uniform(0, 3000, (1500, 2)), rng.uniform(0, 3000, (150, 2))
    d = np.sqrt(((pts[:, None] - cand[None]) ** 2).sum(-1))
    radius = 1.6 * 3000 / math.sqrt(150)
    d = d[(d <= radius).any(axis=1)]
    G = sp.csr_matrix(d <= radius, dtype=np.int8)
    start = np.arange(G.shape[1])  # every column: a poor but valid cover
    optimum = set_cover(d, radius, method="milp")
    assert optimum.optimal
    found = rwls_set_cover(G, start, target=0, max_steps=100_000, seed=seed)
    assert (np.asarray(G[:, found].sum(axis=1)).ravel() > 0).all()
    assert found.size == optimum.objective
    again = rwls_set_cover(G, start, target=0, max_steps=100_000, seed=seed)
    assert again.tolist() == found.tolist()


def test_max_cover_short_milp_after_local_search_proves_the_optimum():
    # a model past the "small" size: local search ends close to the LP bound, and the short
    # MILP tried before the neighbourhood search proves the optimum; plain HiGHS on the full
    # (unreduced) formulation with a zero gap must agree
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(0)
    n, m = 16000, 1600
    dem, cand = rng.uniform(0, 10000, (n, 2)), rng.uniform(0, 10000, (m, 2))
    w = rng.integers(1, 101, n).astype(float)
    r, p = 10000 / math.sqrt(m), m // 10
    D = cKDTree(dem).sparse_distance_matrix(cKDTree(cand), r, output_type="coo_matrix").tocsr()
    res = max_cover(D, w, r, p)
    assert res.optimal and res.details["probe_status"] == "Optimal"
    assert res.details["reduction"]["nnz_out"] > 20_000
    A = sp.csr_matrix((D.data >= 0, D.indices, D.indptr), shape=D.shape, dtype=float)
    cover = LinearConstraint(sp.hstack([-A, sp.eye(n)]).tocsr(), -np.inf, 0)
    count = LinearConstraint(np.r_[np.ones(m), np.zeros(n)][None, :], p, p)
    out = milp(
        np.r_[np.zeros(m), -w],
        constraints=[cover, count],
        integrality=np.r_[np.ones(m), np.zeros(n)],
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    assert res.objective == pytest.approx(-out.fun)
    assert len(res.selected) == p


def test_heuristic_and_time_limit_report_bounds():
    rng = np.random.default_rng(7)
    pts, cand = rng.uniform(0, 1000, (300, 2)), rng.uniform(0, 1000, (60, 2))
    d = np.sqrt(((pts[:, None] - cand[None]) ** 2).sum(-1))
    w = rng.integers(1, 50, 300).astype(float)
    exact = p_median(d, w, 6)
    h = p_median(d, w, 6, method="heuristic")
    assert h.bound <= exact.objective + 1e-6 <= h.objective + 1e-6
    assert h.gap >= 0 and len(h.selected) == 6
    e = max_cover(d, w, 120, 6)
    h = max_cover(d, w, 120, 6, method="heuristic")
    assert h.objective <= e.objective + 1e-9 <= h.bound + 1e-9
    r = p_median(d, w, 6, time_limit=0.5)
    assert len(r.selected) == 6 and r.bound <= r.objective + 1e-6
    e = set_cover(d, 150)
    h = set_cover(d, 150, method="heuristic")
    assert h.bound <= e.objective <= h.objective
    assert (h.assignment >= 0).sum() == (e.assignment >= 0).sum()  # a full cover either way


# --------------------------------------------------------------------------------------------
# spopt
# --------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", [0, 1])
def test_equal_to_spopt(seed):
    pulp = pytest.importorskip("pulp", reason="spopt/pulp not installed (pip install spopt)")
    locate = pytest.importorskip("spopt.locate", reason="spopt not installed (pip install spopt)")
    rng = np.random.default_rng(seed)
    dem, cand = rng.uniform(0, 1000, (60, 2)), rng.uniform(0, 1000, (15, 2))
    d = np.sqrt(((dem[:, None] - cand[None]) ** 2).sum(-1))
    d = d[(d <= 300).any(axis=1)]
    w = rng.integers(1, 100, d.shape[0]).astype(float)
    solver = pulp.PULP_CBC_CMD(msg=False)
    lscp = locate.LSCP.from_cost_matrix(d, 300).solve(solver)
    assert set_cover(d, 300).objective == pytest.approx(pulp.value(lscp.problem.objective))
    mclp = locate.MCLP.from_cost_matrix(d, w, 200, p_facilities=4).solve(solver)
    assert max_cover(d, w, 200, 4).objective == pytest.approx(pulp.value(mclp.problem.objective))
    pm = locate.PMedian.from_cost_matrix(d, w, p_facilities=3).solve(solver)
    assert p_median(d, w, 3).objective == pytest.approx(pulp.value(pm.problem.objective))


# --------------------------------------------------------------------------------------------
# published benchmarks
# --------------------------------------------------------------------------------------------


def test_read_pmed_last_duplicate_wins(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text(" 3 3 1 \n 1 2 5 \n 2 3 4 \n 1 2 9 \n")
    d, p = _bench_module().read_pmed(f)
    assert p == 1 and d[0, 1] == 9 and d[0, 2] == 13 and d[1, 2] == 4


@pytest.mark.realdata
@pytest.mark.skipif(not BENCH.is_dir(), reason=f"shared benchmark data absent at {BENCH}")
@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed7"])
def test_pmed_published_optimum(name):
    bench = _bench_module()
    d, p = bench.read_pmed(BENCH / "pmed" / f"{name}.txt")
    opt = bench.read_pmed_optima()[name][2]
    r = p_median(d, np.ones(d.shape[0]), p, time_limit=60)
    assert r.objective == opt and r.optimal


@pytest.mark.realdata
@pytest.mark.skipif(not BENCH.is_dir(), reason=f"shared benchmark data absent at {BENCH}")
def test_mclp_new_york_p50_optimum():
    bench = _bench_module()
    mclp = BENCH / "mclp" / "maximo_ails"
    coords, dem = bench.read_mclp_instance(mclp / "instances" / "NewYork.txt")
    cost = bench.mclp_cover_matrix(coords, 400)
    # the published solution recomputes to the published value under this distance rule
    listed = (mclp / "OtimosFinais" / "NewYork_50_400.txt").read_text()
    sites = [int(x) for x in listed.split("Facilidade:")[1].split()]
    sub = cost[:, sites].tocsr()  # stored entries (explicit zeros included) are d <= 400
    covered = np.diff(sub.indptr) > 0
    assert dem[covered].sum() == 1153640
    r = max_cover(cost, dem, 400, 50, time_limit=120, heuristic_time=5)
    assert r.objective == 1153640 and r.optimal
