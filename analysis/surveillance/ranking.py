"""New cameras in the order to install them: what each adds, and the coverage after the first k.

:func:`~analysis.surveillance.placement.suggest_cameras` returns the chosen cameras in greedy
order: each adds the most public-space coverage not yet seen by the cameras before it
(its marginal gain, ``new_length_m`` / ``new_area_m2``; ordered by the share of the public
places it adds, see ``PlacementOptions.order_weights``). A planner with a budget for ``k``
cameras installs the first ``k``; :func:`rank_new_cameras` numbers them and gives the coverage
of public places reached after each, from the coverage of the existing cameras.

Examples
--------
>>> import pandas as pd
>>> cams = pd.DataFrame({"new_length_m": [60.0, 30.0, 10.0], "new_area_m2": [0.0, 0.0, 0.0]})
>>> totals = {"public_length_m": 400.0, "covered_length_m": 200.0,
...           "public_area_m2": 0.0, "covered_area_m2": 0.0}
>>> rank_new_cameras(cams, totals)["covered_share_after"].round(3).tolist()
[0.65, 0.725, 0.75]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RANK_COLUMNS: tuple[str, ...] = (
    "install_rank",
    "gain_share",
    "covered_length_after_m",
    "covered_share_after",
    "covered_area_after_m2",
    "covered_share_area_after",
)
"""Columns :func:`rank_new_cameras` adds: the install order, the marginal gain (``gain_share``:
the share of the public lines plus the share of the public areas the camera adds beyond the ones
before it, the order of :func:`~analysis.surveillance.analyse_surveillance`), and the coverage
after the first k."""


def _share(covered: np.ndarray, total: float) -> np.ndarray:
    if not total > 0:
        return np.full(len(covered), np.nan)
    return np.minimum(covered / total, 1.0)


def rank_new_cameras(cameras: pd.DataFrame, totals: dict) -> pd.DataFrame:
    """``cameras`` (new cameras in greedy order) with :data:`RANK_COLUMNS`.

    ``totals`` are the analysed area's totals (``public_length_m``, ``covered_length_m``,
    ``public_area_m2``, ``covered_area_m2`` of the existing cameras). Row ``k`` says what the
    public places' coverage is once cameras 1..k are installed; the rows keep their order, which
    is the order of decreasing marginal gain.
    """
    out = cameras.copy()
    length = pd.to_numeric(out.get("new_length_m"), errors="coerce")
    area = pd.to_numeric(out.get("new_area_m2"), errors="coerce")
    length = np.zeros(len(out)) if length is None else length.fillna(0).to_numpy(dtype=float)
    area = np.zeros(len(out)) if area is None else area.fillna(0).to_numpy(dtype=float)
    covered_length = float(totals.get("covered_length_m", 0.0)) + np.cumsum(length)
    covered_area = float(totals.get("covered_area_m2", 0.0)) + np.cumsum(area)
    out["install_rank"] = np.arange(1, len(out) + 1, dtype="int64")
    public_length = float(totals.get("public_length_m", 0.0))
    public_area = float(totals.get("public_area_m2", 0.0))
    out["gain_share"] = (length / public_length if public_length > 0 else 0.0) + (
        area / public_area if public_area > 0 else 0.0
    )
    out["covered_length_after_m"] = np.round(covered_length, 3)
    out["covered_share_after"] = _share(covered_length, public_length)
    out["covered_area_after_m2"] = np.round(covered_area, 3)
    out["covered_share_area_after"] = _share(covered_area, public_area)
    return out


def coverage_after(cameras: pd.DataFrame, totals: dict, k: int) -> dict[str, float]:
    """Coverage of the public places after installing the first ``k`` of the ranked
    ``cameras`` (:func:`rank_new_cameras`): ``covered_share`` and ``covered_share_area``
    (0-1; NaN without lines / areas); ``k = 0`` is the coverage of the existing cameras."""
    k = int(max(0, min(k, len(cameras))))
    if k == 0:
        length = float(totals.get("public_length_m", 0.0))
        area = float(totals.get("public_area_m2", 0.0))
        covered_length = float(totals.get("covered_length_m", 0.0))
        covered_area = float(totals.get("covered_area_m2", 0.0))
        return {
            "cameras": 0,
            "covered_share": covered_length / length if length > 0 else float("nan"),
            "covered_share_area": covered_area / area if area > 0 else float("nan"),
        }
    row = cameras.iloc[k - 1]
    return {
        "cameras": k,
        "covered_share": float(row["covered_share_after"]),
        "covered_share_area": float(row["covered_share_area_after"]),
    }
