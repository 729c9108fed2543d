"""Script-injection payloads written into every layer of a project copy (tests of issue 16).

Free-text fields (names, owners, conditions, sources, building uses, camera and space ids) get
one of :data:`PAYLOADS` in front of their value, in turn; the keys that link layers
(district, street and community codes) are left alone, and so are the district :data:`KEEP`
(the one the reports are written for) and the districts the settings name, so that the analyses
still run.
"""

from __future__ import annotations

import shutil
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
