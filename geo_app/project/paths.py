"""Where the app finds its project (no Streamlit import: the CLI uses this too)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_PROJECT = "GEO_APP_PROJECT"
"""Environment variable naming the project GeoPackage the app opens."""
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PROJECT = REPO_ROOT / "data" / "demo" / "harbin_demo.gpkg"
"""The demo project built by ``make app`` (``geo-app demo --out data/demo/harbin_demo.gpkg``)."""


def project_path() -> Path:
    """Path of the project the app opens: ``$GEO_APP_PROJECT`` or the demo project."""
    value = os.environ.get(ENV_PROJECT, "").strip()
    return Path(value).expanduser() if value else DEFAULT_PROJECT
