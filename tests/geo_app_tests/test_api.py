"""The README's "Python API" example runs as it is written, on a copy of the demo project, and
the top-level names of the three packages load on first use (``import geo_app`` stays cheap)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs(demo_project_path, tmp_path, monkeypatch, capsys):
    code = _readme_example()
    assert len([line for line in code.splitlines() if line.strip()]) == 5
    shutil.copyfile(demo_project_path, tmp_path / "harbin.gpkg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    assert "标准 harbin-2011" in capsys.readouterr().out
    assert len(namespace["hubs"].chosen_sites) >= 1
    report = (tmp_path / "道外区.html").read_text(encoding="utf-8")
    assert "道外区" in report and "leaflet" in report.lower()


def test_top_level_names_load_on_first_use():
    code = (
        "import sys, geo_app, layers, analysis\n"
        "heavy = [m for m in ('pandas', 'geopandas', 'folium', 'streamlit') if m in sys.modules]\n"
        "assert heavy == [], heavy\n"
        "assert callable(geo_app.open_project) and callable(analysis.check_compliance)\n"
        "assert callable(layers.build_demo_layers)\n"
        "from geo_app import build_report, run_site_selection\n"
        "assert sorted(geo_app.__all__) == geo_app.__all__ and 'open_project' in dir(geo_app)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
