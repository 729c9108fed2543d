"""Write ARCHITECTURE.md: every module of layers/, analysis/ and geo_app/ in one line each.

The line is the first line of the module's docstring, so the file stays true to the code::

    python scripts/architecture.py > ARCHITECTURE.md
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINGS = {
    "layers": "the data model: schemas, validation, coordinate systems, files, OSM, network",
    "analysis": "pure computation on layers (no streamlit, no folium, no project store)",
    "geo_app": "the application by tier: project <- workflows <- present <- maps <- reports <- cli, app",
}
HEADER = """# Architecture

Three import packages, one direction of imports:
`layers` <- `analysis` <- `geo_app` <- `streamlit_app.py`, and inside `geo_app`
`project` <- `workflows` <- `present` <- `maps` <- `reports` <- `cli`, `app` (a `ruff.toml` per
package bans the imports that would run back up: ruff's TID251). Only `geo_app/app` imports
streamlit; only `geo_app/maps` and `geo_app/reports` import folium; the Streamlit pages
(`geo_app/app/pages/`) are widgets and layout over library calls.
Errors a planner can fix derive from `layers.errors.PlannerError`; the CLI and the app show
those as messages, anything else is a bug and keeps its traceback. Modules hold one topic each
(at most ~600 lines); private helpers live in `_underscore` modules. Written by
`python scripts/architecture.py` from the modules' docstrings.
"""


def _summary(path: Path) -> str:
    """First line of a module's docstring, or an empty string."""
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except SyntaxError:
        return ""
    return (doc or "").strip().splitlines()[0] if doc else ""


def _lines(wing: str) -> list[str]:
    out = []
    for path in sorted((ROOT / wing).rglob("*.py")):
        rel = path.relative_to(ROOT)
        name = ".".join(rel.with_suffix("").parts)
        name = name.removesuffix(".__init__")
        n = sum(1 for _ in path.open(encoding="utf-8"))
        if n == 0:
            continue
        out.append(f"| `{name}` | {n} | {_summary(path)} |")
    return out


def main() -> None:
    """Print the architecture file."""
    parts = [HEADER]
    for wing, what in WINGS.items():
        parts += [
            f"\n## `{wing}/`: {what}\n",
            "| module | lines | what it is for |",
            "|---|---|---|",
        ]
        parts += _lines(wing)
    sys.stdout.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
