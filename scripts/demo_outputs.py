"""Write the demo's CLI outputs into a folder, in a form two runs can be compared by.

Used before and after a restructuring to show that behaviour did not change::

    python scripts/demo_outputs.py /tmp/before
    # ... change the code ...
    python scripts/demo_outputs.py /tmp/after
    diff -r /tmp/before/canonical /tmp/after/canonical

GeoPackage outputs are written out as one CSV per layer (geometry as WKT, rows in file
order), because the GeoPackage file itself carries timestamps; in report HTML the generation
time and folium's random element ids are replaced by placeholders.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio

GEO_APP = str(Path(sys.executable).with_name("geo-app"))
COMMANDS: dict[str, list[str]] = {
    "compliance.csv": ["compliance", "--machine-readable"],
    "compliance_en.xlsx": ["compliance", "--lang", "en"],
    "coverage_500.csv": [
        "coverage",
        "--machine-readable",
        "--facility-kind",
        "community_station",
        "--distance",
        "500",
    ],
    "coverage_10min.gpkg": ["coverage", "--facility-kind", "public_housing", "--minutes", "10"],
    "isochrones.gpkg": [
        "isochrones",
        "--facility-kind",
        "street_centre",
        "--distances",
        "300",
        "600",
    ],
    "set_cover.gpkg": ["site-select", "--model", "set-cover", "--district", "道外区"],
    "max_cover.gpkg": ["site-select", "--model", "max-cover", "--p", "3", "--district", "道里区"],
    "p_median.gpkg": ["site-select", "--model", "p-median", "--p", "3", "--district", "南岗区"],
    "hub.gpkg": ["site-select", "--model", "hub", "--district", "道外区", "--distance", "500"],
    "surveillance.gpkg": ["surveillance", "--district", "道外区"],
    "compare.csv": ["compare", "--districts", "道里区", "南岗区", "道外区"],
    "report.html": ["report", "--district", "道外区", "--format", "html"],
}


def _run(project: Path, out: Path, args: list[str]) -> str:
    command = [GEO_APP, args[0], str(project), *args[1:], "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    return f"$ {' '.join(command[1:])}\nexit {done.returncode}\n{done.stdout}{done.stderr}"


def _canonical_html(text: str) -> str:
    """Drop what differs between two runs: the generation time and folium's random ids."""
    text = re.sub(r"(生成时间|Generated)[:：]?\s*[0-9-]+ [0-9:]+", r"\1 TIME", text)
    return re.sub(r"_[0-9a-f]{32}", "_ID", text)


def _canonical_gpkg(path: Path, folder: Path) -> None:
    for name, _ in pyogrio.list_layers(path):
        frame = gpd.read_file(path, layer=name)
        if isinstance(frame, gpd.GeoDataFrame):
            frame = frame.assign(geometry=frame.geometry.to_wkt(rounding_precision=9))
        frame.to_csv(folder / f"{path.stem}.{name}.csv", index=False)


def main(folder: str) -> None:
    """Build the demo project in *folder* and run every command on it."""
    root = Path(folder)
    outputs, canonical = root / "outputs", root / "canonical"
    outputs.mkdir(parents=True, exist_ok=True)
    canonical.mkdir(exist_ok=True)
    project = root / "demo.gpkg"
    subprocess.run(
        [GEO_APP, "demo", "--out", str(project)],
        check=True,
        capture_output=True,
    )
    log = []
    for name, args in COMMANDS.items():
        out = outputs / name
        log.append(_run(project, out, args))
        if not out.exists():
            continue
        if out.suffix == ".gpkg":
            _canonical_gpkg(out, canonical)
        elif out.suffix == ".xlsx":
            import pandas as pd

            for sheet, table in pd.read_excel(out, sheet_name=None).items():
                table.to_csv(canonical / f"{out.stem}.{sheet}.csv", index=False)
        elif out.suffix == ".html":
            html = _canonical_html(out.read_text(encoding="utf-8"))
            (canonical / name).write_text(html, encoding="utf-8")
        else:
            (canonical / name).write_bytes(out.read_bytes())
    (root / "log.txt").write_text("\n".join(log), encoding="utf-8")
    print(f"{len(list(canonical.iterdir()))} files in {canonical}")


if __name__ == "__main__":
    main(sys.argv[1])
