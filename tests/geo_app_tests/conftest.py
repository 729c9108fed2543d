"""Tests of the application library: projects and stores, workflows, maps, reports, the CLI.

No Streamlit here (that is ``tests/app``): these tests run without pyarrow too.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project_copy(demo_project_path: Path, tmp_path: Path) -> Path:
    """A writable copy of the demo project, for a test that changes it."""
    import shutil

    path = tmp_path / "project.gpkg"
    shutil.copyfile(demo_project_path, path)
    return path
