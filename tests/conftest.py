"""Shared pytest fixtures: the demo project (built once per session) and the shared data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
"""``../shared`` beside the repository: real data (OSM extract, benchmarks), read-only."""

DEMO_SEED = 0


@pytest.fixture(scope="session")
def demo_layers():
    """The demo layers of ``build_demo_layers(seed=0)`` (dict of GeoDataFrames, EPSG:4326).

    Shared by the whole session: tests must not modify the frames (copy them first).
    """
    from layers.demo import build_demo_layers

    return build_demo_layers(DEMO_SEED)


@pytest.fixture(scope="session")
def demo_project_path(tmp_path_factory) -> Path:
    """Path of a demo GeoPackage project (seed 0) written once per session.

    Read-only by convention: tests that write to a project should copy the file first.
    """
    from geo_app.demo import create_demo_project

    path = tmp_path_factory.mktemp("demo") / "harbin_demo.gpkg"
    create_demo_project(path, seed=DEMO_SEED)
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``shared`` data directory beside the repository; skips when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"共享数据目录不存在 / shared data directory not found: {SHARED}")
    return SHARED
