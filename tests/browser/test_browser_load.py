"""Many sessions at once, small: 6 concurrent Chromium sessions run the coverage analysis on
the demo (``benchmarks/load_sessions.py`` runs 20 and prints the figures): no errors, each
session shows the result of its own life circle (checked against ``project_coverage`` run
here), and sessions with the same circle were served one cached computation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app_browser import BROWSER_MARKS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from load_sessions import CIRCLES, run_load, summary  # noqa: E402

pytestmark = BROWSER_MARKS


def test_six_sessions_at_once_get_their_own_results(demo_project_path, tmp_path):
    result = run_load(demo_project_path, 6, tmp_path / "streamlit.log", timeout_s=300)
    print(summary(result))
    assert result.errors == [], summary(result)
    assert result.problems == [], summary(result)
    ok = result.sessions
    assert {s.circle for s in ok} == set(CIRCLES)
    # 3 computations for 6 sessions: the two sessions of a circle show the same compute time
    assert all(len({s.compute_s for s in ok if s.circle == c}) == 1 for c in CIRCLES)
    assert len(set(result.expected.values())) == len(CIRCLES)  # the circles do differ
    assert result.peak_rss_mb > result.idle_rss_mb > 0
