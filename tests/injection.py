"""Script-injection payloads written into every layer of a project copy (tests of issue 16).

Free-text fields (names, owners, conditions, sources, building uses, camera and space ids) get
one of :data:`PAYLOADS` in front of their value, in turn; the keys that link layers
(district, street and community codes) are left alone, and so are the district :data:`KEEP`
(the one the reports are written for) and the districts the settings name, so that the analyses
still run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
)
TEMPLATE_PAYLOADS = (
    "{{7*7}}",
    "{{ lipsum.__globals__.os.mkdir(lipsum.__globals__.os.environ.GEO_APP_TEST_MARKER) }}",
    "{{ lipsum.__globals__.os.getpid() }}",
    "{{ 未闭合",
    "{% if %}{#",
    "$\\undefinedcmd$",
)
"""Server-side template payloads (issue 23): evaluated by Jinja they would print 49, create
the folder named by ``$GEO_APP_TEST_MARKER``, print the process id or stop the render with a
syntax error; the last is a matplotlib mathtext error. Shown literally they do nothing."""
MARKER_ENV = "GEO_APP_TEST_MARKER"
LITERAL = TEMPLATE_PAYLOADS[0]  # {{7*7}}
TEMPLATE_LAYERS = ("communities", "streets", "facilities", "boiler_rooms", "candidate_sites")
"""Layers whose names get the template payloads through ``geo-app import``."""
ROOT = Path(__file__).resolve().parents[1]
KEEP = "道外区"
TEXT_FIELDS = {
    "districts": ("name",),
    "streets": ("name",),
    "communities": ("name",),
    "facilities": ("name", "status"),
    "boiler_rooms": ("name", "owner_unit", "condition"),
    "candidate_sites": ("name", "owner_unit", "condition"),
    "cameras": ("camera_id",),
    "public_spaces": ("space_id",),
    "buildings": ("use",),
}

# what a page must not contain after the payloads were shown: a run script would also dialog
INJECTED_NODES = """() => [
    document.querySelectorAll('img[src="x"]').length,
    document.querySelectorAll('a[href^="javascript:"]').length,
    Array.from(document.querySelectorAll("script")).filter(
        (s) => s.textContent.trim() === "alert(1)").length,
]"""


def inject(source: Path, target: Path, payloads: tuple[str, ...] = PAYLOADS) -> dict[str, int]:
    """Copy the project ``source`` to ``target`` with ``payloads`` in every layer's text
    fields; returns the number of rows changed per layer."""
    from geo_app.project import Project

    shutil.copyfile(source, target)
    project = Project.open(target)
    changed: dict[str, int] = {}
    layers = {}
    for layer, fields in TEXT_FIELDS.items():
        if not project.has_layer(layer):
            continue
        frame = project.layer(layer).copy()
        rows = frame.index
        if layer == "districts":  # settings name districts (Art. 11 classes): keep those
            keep = {KEEP, *project.settings.district_classes}
            rows = frame.index[~frame["name"].isin(keep)]
        for i, row in enumerate(rows):
            payload = payloads[i % len(payloads)]
            for field in fields:
                value = frame.at[row, field]
                frame.at[row, field] = payload + ("" if value is None else str(value))
        layers[layer] = frame
        changed[layer] = len(rows)
    project.write_layers(layers)
    return changed


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``geo-app ARGS`` in a fresh process of this checkout (exit code and output)."""
    return subprocess.run(
        [sys.executable, "-m", "geo_app.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=ROOT,
        timeout=600,
    )


def import_template_payloads(demo: Path, folder: Path, env: dict[str, str]) -> Path:
    """A demo copy in ``folder`` whose names hold :data:`TEMPLATE_PAYLOADS`, each layer of
    :data:`TEMPLATE_LAYERS` imported by ``geo-app import`` (as a planner's file would be)."""
    scratch = folder / "scratch.gpkg"
    inject(demo, scratch, TEMPLATE_PAYLOADS)
    target = folder / "evil.gpkg"
    shutil.copyfile(demo, target)
    from geo_app.project import Project

    source = Project.open(scratch)
    for layer in TEMPLATE_LAYERS:
        file = folder / f"{layer}.geojson"
        source.layer(layer).to_file(file, driver="GeoJSON")
        done = run_cli("import", str(target), layer, str(file), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    return target


def shown_literally(payload: str, text: str) -> bool:
    """``payload`` in ``text`` as it is or as JSON writes it (``\\uXXXX`` for non-ASCII)."""
    return payload in text or json.dumps(payload)[1:-1] in text


def assert_nothing_ran(marker: Path) -> None:
    """The marker payload's folder is absent: no template in the data ran."""
    assert not marker.exists(), "a template in the data ran on the server"
