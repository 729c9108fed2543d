"""Tests of the OpenStreetMap import (``layers.osm``, ``geo-app import-osm``).

Two kinds of input: a tiny ``.osm`` XML written here, whose features are placed at known metric
offsets (EPSG:4551) so every expected value is computed by hand, and the real clipped extract
``../shared/data/harbin/harbin.osm.pbf`` (imported once per module, through the CLI's writer).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo_app.cli import main
from geo_app.cli.import_osm import METADATA_TABLE, write_project
from geo_app.project import Project
from layers.osm import (
    OsmImportError,
    assemble_boundary,
    layer_metadata_frame,
    read_osm_layers,
    way_area,
)
from layers.validation import validate

SHARED = Path(__file__).resolve().parents[3] / "shared"
HARBIN_PBF = SHARED / "data" / "harbin" / "harbin.osm.pbf"

METRIC = "EPSG:4551"
ORIGIN = (126.60, 45.75)  # lon, lat of the tiny extract's south-west corner
_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
_TO_WGS = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
_X0, _Y0 = _TO_METRIC.transform(*ORIGIN)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS 84 of the point x metres east and y metres north of the origin (EPSG:4551)."""
    return _TO_WGS.transform(_X0 + x, _Y0 + y)


def metric_area(geom) -> float:
    """Area in m2 of a WGS 84 geometry in EPSG:4551."""
    return shapely.transform(
        geom, lambda c: np.column_stack(_TO_METRIC.transform(c[:, 0], c[:, 1]))
    ).area


# -- a tiny hand-made extract -----------------------------------------------------------------
class OsmXml:
    """Build an .osm XML: nodes at metric offsets, ways, relations; some nodes left out."""

    def __init__(self, size: float = 2000.0) -> None:
        self.size = size
        self.nodes: list[tuple[int, float, float, dict]] = []
        self.ways: list[tuple[int, list[int], dict]] = []
        self.relations: list[tuple[int, list[tuple[str, int, str]], dict]] = []
        self.missing: set[int] = set()
        self._next = 1000

    def node(self, x: float, y: float, tags: dict | None = None, *, present: bool = True) -> int:
        self._next += 1
        if present:
            self.nodes.append((self._next, x, y, tags or {}))
        else:
            self.missing.add(self._next)
        return self._next

    def way(self, way_id: int, refs: list[int], tags: dict | None = None) -> int:
        self.ways.append((way_id, refs, tags or {}))
        return way_id

    def rect(self, way_id: int, x0, y0, x1, y1, tags: dict | None = None) -> int:
        """A closed way around the rectangle (all nodes present)."""
        refs = [self.node(x0, y0), self.node(x1, y0), self.node(x1, y1), self.node(x0, y1)]
        return self.way(way_id, [*refs, refs[0]], tags)

    def relation(self, rel_id: int, members: list[tuple[str, int, str]], tags: dict) -> int:
        self.relations.append((rel_id, members, tags))
        return rel_id

    def write(self, path: Path, *, bounds: bool = True) -> Path:
        (w, s), (e, n) = lonlat(0, 0), lonlat(self.size, self.size)
        lines = [
            "<?xml version='1.0' encoding='UTF-8'?>",
            '<osm version="0.6" generator="test">',
        ]
        if bounds:
            lines.append(f'  <bounds minlat="{s}" minlon="{w}" maxlat="{n}" maxlon="{e}"/>')

        def tag_lines(tags: dict) -> list[str]:
            return [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]

        for nid, x, y, tags in self.nodes:
            lon, lat = lonlat(x, y)
            lines.append(f'  <node id="{nid}" version="1" lat="{lat:.9f}" lon="{lon:.9f}">')
            lines += tag_lines(tags)
            lines.append("  </node>")
        for wid, refs, tags in self.ways:
            lines.append(f'  <way id="{wid}" version="1">')
            lines += [f'    <nd ref="{r}"/>' for r in refs]
            lines += tag_lines(tags)
            lines.append("  </way>")
        for rid, members, tags in self.relations:
            lines.append(f'  <relation id="{rid}" version="1">')
            lines += [f'    <member type="{t}" ref="{r}" role="{role}"/>' for t, r, role in members]
            lines += tag_lines(tags)
            lines.append("  </relation>")
        lines.append("</osm>")
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


def tiny_extract() -> OsmXml:
    """The test extract: a 2 km x 2 km box south-west-anchored at ORIGIN.

    * 道里区 (230102): the box's west half, its ring running outside the box (clipped: only the
      two nodes near the box edge are present), with a label node inside;
    * 南岗区 (230103): a complete ring x 1000-1990, y 10-1990;
    * street 1 (no division_code) complete inside 南岗; street 2 (230102003000) clipped in 道里;
    * residential areas, buildings, chimneys, facilities, cameras, a footway.
    """
    o = OsmXml()
    # 道里区: ring (-500,-500) (1000,-500) (1000,5) (1000,1995) (1000,2500) (-500,2500)
    a = o.node(-500, -500, present=False)
    b = o.node(1000, -500, present=False)
    b2 = o.node(1000, 5)
    c2 = o.node(1000, 1995)
    c = o.node(1000, 2500, present=False)
    d = o.node(-500, 2500, present=False)
    o.way(1, [a, b, b2, c2, c, d, a], {"boundary": "administrative", "admin_level": "6"})
    label = o.node(500, 1000, {"place": "suburb", "name": "道里"})
    o.relation(
        61,
        [("w", 1, "outer"), ("n", label, "label")],
        {
            "type": "boundary",
            "boundary": "administrative",
            "admin_level": "6",
            "name": "道里区",
            "division_code": "230102",
        },
    )
    o.rect(2, 1000, 10, 1990, 1990, {"boundary": "administrative"})
    o.relation(
        62,
        [("w", 2, "outer")],
        {"type": "boundary", "boundary": "administrative", "admin_level": "6", "name": "南岗区"},
    )
    # street 1: complete, inside 南岗区, no division_code -> generated code 230103901
    o.rect(3, 1100, 200, 1800, 1800)
    o.relation(
        81,
        [("w", 3, "outer")],
        {"type": "boundary", "boundary": "administrative", "admin_level": "8", "name": "测试街道"},
    )
    # street 2: x -500..600, y 500..1500, clipped at the west edge, no label -> parent decides
    e = o.node(-500, 500, present=False)
    e2 = o.node(5, 500)
    f = o.node(600, 500)
    g = o.node(600, 1500)
    g2 = o.node(5, 1500)
    h = o.node(-500, 1500, present=False)
    o.way(4, [e, e2, f, g, g2, h, e])
    o.relation(
        82,
        [("w", 4, "outer")],
        {
            "type": "boundary",
            "boundary": "administrative",
            "admin_level": "8",
            "name": "裁剪街道",
            "division_code": "230102003000",
        },
    )
    # residential area with two homes: 20x10 m, 5 levels and 10x10 m, untagged levels
    o.rect(10, 1200, 300, 1500, 600, {"landuse": "residential", "name": "测试小区"})
    o.rect(11, 1250, 350, 1270, 360, {"building": "apartments", "building:levels": "5"})
    o.rect(12, 1300, 400, 1310, 410, {"building": "yes"})
    # an unnamed residential area without buildings
    o.rect(13, 1200, 1300, 1400, 1500, {"landuse": "residential"})
    # a residential area cut by the east edge of the box (two nodes outside the file)
    ring = [o.node(1900, 1800), o.node(1990, 1800), o.node(2100, 1800, present=False)]
    ring += [o.node(2100, 1900, present=False), o.node(1990, 1900), o.node(1900, 1900)]
    o.way(14, [*ring, ring[0]], {"landuse": "residential", "name": "边缘小区"})
    # a building with only two nodes left: dropped
    q = [o.node(1950, 100), o.node(2050, 100, present=False)]
    q += [o.node(2050, 150, present=False), o.node(1950, 150)]
    o.way(15, [*q, q[0]], {"building": "yes"})
    # chimney 10 m west of a 30x20 m industrial building; a lone chimney; a boiler house
    o.node(1600, 1000, {"man_made": "chimney"})
    o.rect(20, 1610, 990, 1640, 1010, {"building": "industrial"})
    lone = o.node(1700, 1700, {"man_made": "chimney"})
    o.rect(21, 1750, 250, 1760, 260, {"building": "yes", "name": "锅炉房", "building:levels": "2"})
    # facilities
    o.node(1400, 500, {"amenity": "community_centre", "name": "测试社区服务站"})
    o.rect(30, 1100, 1100, 1120, 1120, {"amenity": "police", "building": "yes", "name": "派出所"})
    o.node(1150, 1150, {"amenity": "townhall", "name": "哈尔滨市人民政府"})
    o.node(1160, 1150, {"amenity": "townhall", "name": "测试街道办事处"})
    o.node(1170, 1150, {"amenity": "library", "name": "测试大学图书馆"})
    o.node(1180, 1150, {"amenity": "hospital", "name": "第一医院"})
    o.node(1190, 1150, {"amenity": "hospital", "name": "测试社区卫生服务中心"})
    o.node(1200, 1150, {"amenity": "social_facility", "name": "日间照料中心"})
    # cameras
    o.node(
        1300, 1000, {"man_made": "surveillance", "camera:type": "dome", "camera:direction": "NE"}
    )
    o.node(1310, 1000, {"man_made": "surveillance", "surveillance:type": "camera"})
    o.node(1320, 1000, {"man_made": "surveillance", "surveillance:type": "guard"})
    # a footway of three nodes
    o.way(40, [o.node(1100, 1900), o.node(1500, 1900), o.node(1800, 1900)], {"highway": "footway"})
    o.lone_chimney = lone  # type: ignore[attr-defined]
    return o


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory) -> Path:
    return tiny_extract().write(tmp_path_factory.mktemp("osm") / "tiny.osm")


@pytest.fixture(scope="module")
def tiny(tiny_path):
    return read_osm_layers(tiny_path, network=False)


def in_box(result, x0, y0, x1, y1) -> float:
    """Metric area of the rectangle (metres from ORIGIN) inside the extract's lon/lat box."""
    corners = [lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1)]
    return metric_area(shapely.Polygon(corners).intersection(shapely.box(*result.bbox)))


def by_name(gdf, name):
    rows = gdf[gdf["name"] == name]
    assert len(rows) == 1, f"{name}: {len(rows)} rows"
    return rows.iloc[0]


# -- boundaries ---------------------------------------------------------------------------------
def test_districts_clipped_and_complete(tiny):
    d = tiny.layers["districts"]
    assert sorted(d["district_code"]) == ["230102", "230103"]
    assert set(d["district_class"]) == {"core"}  # Art. 11 core urban districts
    daoli = by_name(d, "道里区")
    # the clipped ring is rebuilt inside the box: the box west of x = 1000 m (the box is a
    # lon/lat rectangle, slightly skewed in EPSG:4551, hence the intersection)
    expected = in_box(tiny, -500, -500, 1000, 2500)
    assert metric_area(daoli.geometry) == pytest.approx(expected, rel=0.002)
    assert expected == pytest.approx(1000 * 2000, rel=0.01)
    assert daoli.geometry.covers(shapely.Point(lonlat(500, 1000)))
    assert not daoli.geometry.covers(shapely.Point(lonlat(1500, 1000)))
    nangang = by_name(d, "南岗区")  # complete ring, code by its Chinese name
    assert nangang["district_code"] == "230103"
    assert metric_area(nangang.geometry) == pytest.approx(990 * 1980, rel=0.001)
    assert metric_area(daoli.geometry.intersection(nangang.geometry)) < 1.0
    # 南岗区 needs no decision; 道里区 is decided by its complete neighbour (then the label)
    assert tiny.counts["admin6_complete"] == 1 and tiny.counts["admin6_neighbours"] == 1


def test_streets_codes_and_parent_decision(tiny):
    s = tiny.layers["streets"]
    first = by_name(s, "测试街道")
    assert first["street_code"] == "230103901"  # generated: district code + 9NN
    assert first["district_code"] == "230103"  # by overlap with 南岗区
    assert metric_area(first.geometry) == pytest.approx(700 * 1600, rel=0.001)
    clipped = by_name(s, "裁剪街道")
    assert clipped["street_code"] == "230102003"  # 9-digit township code of division_code
    assert clipped["district_code"] == "230102"
    # no label: the face lying in 道里区 wins; the rectangle x 0-600, y 500-1500
    expected = in_box(tiny, -500, 500, 600, 1500)
    assert metric_area(clipped.geometry) == pytest.approx(expected, rel=0.002)
    assert expected == pytest.approx(600 * 1000, rel=0.02)
    assert tiny.counts["admin8_parent"] == 1


def test_assemble_boundary_ambiguous_without_evidence():
    frame = shapely.box(0, 0, 10, 10)
    # a line crossing the frame with its ends missing and nothing telling the inside
    members = [[None, (5.0, 0.1), (5.0, 9.9), None]]
    geom, how = assemble_boundary(members, frame)
    assert geom is None and how == "ambiguous"
    geom, how = assemble_boundary(members, frame, hints=[(8.0, 5.0)])
    assert how == "label" and geom.area == pytest.approx(50.0, rel=0.01)
    geom, how = assemble_boundary(members, frame, avoid=shapely.box(0, 0, 5, 10))
    assert how == "neighbours" and geom.covers(shapely.Point(8, 5))


def test_assemble_boundary_complete_ring_with_hole():
    frame = shapely.box(-1, -1, 20, 20)
    outer = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]
    inner = [(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (4.0, 4.0)]
    geom, how = assemble_boundary([outer, inner], frame)
    assert how == "complete"
    assert geom.area == pytest.approx(100.0 - 4.0)
    assert not geom.covers(shapely.Point(5, 5))


def test_way_area_trims_missing_nodes():
    frame = shapely.box(0, 0, 10, 10)
    coords = [(8.0, 2.0), None, None, (8.0, 4.0), (8.0, 2.0)]
    geom, status = way_area(coords, frame)
    assert status == "skipped" and geom is None  # two distinct nodes left
    coords = [(8.0, 2.0), (9.0, 2.0), None, (9.0, 4.0), (8.0, 4.0), (8.0, 2.0)]
    geom, status = way_area(coords, frame)
    assert status == "trimmed" and geom.area == pytest.approx(2.0)


# -- communities and households -----------------------------------------------------------------
def test_households_estimate_by_hand(tiny):
    c = tiny.layers["communities"]
    row = by_name(c, "测试小区")
    # (20 x 10 m x 5 levels + 10 x 10 m x 6 default levels) / 80 m2 per household = 20
    assert row["households"] == 20
    assert row["population"] == round(20 * 2.6)  # 52
    assert row["n_buildings"] == 2
    assert row["community_id"] == "osm_w10"
    assert row["street_code"] == "230103901" and row["district_code"] == "230103"
    assert (row["kind"], row["era"], row["management"]) == ("urban", "old", "basic")


def test_household_parameters(tiny_path):
    result = read_osm_layers(
        tiny_path, network=False, flat_size_m2=100, default_levels=2, persons_per_household=3
    )
    row = by_name(result.layers["communities"], "测试小区")
    assert row["households"] == round((200 * 5 + 100 * 2) / 100)  # 12
    assert row["population"] == 36
    meta = result.metadata.set_index(["layer", "key"])["value"]
    assert meta[("communities", "flat_size_m2")] == "100"
    assert "/ 100 m2" in meta[("communities", "households_method")]
    assert "else 2" in meta[("communities", "households_method")]


def test_unnamed_trimmed_and_dropped(tiny):
    c = tiny.layers["communities"]
    unnamed = c[c["community_id"] == "osm_w13"].iloc[0]
    assert unnamed["name"] == "未命名居住区 osm_w13" and unnamed["households"] == 0
    edge = by_name(c, "边缘小区")  # trimmed to its four present nodes: 90 m x 100 m
    assert shapely.box(*tiny.bbox).covers(edge.geometry)
    assert metric_area(edge.geometry) == pytest.approx(90 * 100, rel=0.001)
    assert tiny.counts["ways_trimmed"] >= 1
    assert tiny.counts["communities_street_by_nearest"] == 1  # 边缘小区 lies outside both streets
    assert "osm_w15" not in set(tiny.layers["buildings"]["osm_id"])  # two nodes left: dropped
    assert tiny.counts["ways_skipped"] == 1
    assert any("clipped" in line and "dropped" in line for line in tiny.report)


def test_layers_validate_against_schema(tiny):
    for name in ("districts", "streets", "communities", "buildings", "cameras"):
        report = validate(name, tiny.layers[name])
        assert report.ok, report.summary("en")


# -- facilities, boiler rooms, cameras ----------------------------------------------------------
def test_facility_mapping(tiny):
    f = tiny.layers["facilities"]
    kinds = dict(zip(f["name"], f["kind"], strict=True))
    assert kinds == {
        "测试社区服务站": "community_station",
        "派出所": "police_room",
        "测试街道办事处": "street_centre",
        "测试社区卫生服务中心": "health_centre",
        "日间照料中心": "elderly_daycare",
    }  # city hall, university library and a general hospital left out
    station = by_name(f, "测试社区服务站")
    assert math.isnan(station["usable_area_m2"]) and station["area_source"] == "unknown"
    assert station["community_id"] == "osm_w10"
    police = by_name(f, "派出所")
    assert police["usable_area_m2"] == pytest.approx(400.0, rel=0.001)
    assert police["area_source"] == "footprint"


def test_boiler_room_candidates(tiny):
    b = tiny.layers["boiler_rooms"].set_index("site_id")
    assert set(b.index) == {"osm_w20", "osm_w21", f"osm_n{tiny_extract().lone_chimney}"}
    near = b.loc["osm_w20"]  # the building 10 m from the chimney
    assert near["evidence"] == "chimney_building"
    assert near["usable_area_m2"] == pytest.approx(30 * 20, rel=0.001)
    assert near.geometry.geom_type == "Polygon"
    house = b.loc["osm_w21"]
    assert house["evidence"] == "boiler_house" and house["name"] == "锅炉房"
    assert house["usable_area_m2"] == pytest.approx(10 * 10 * 2, rel=0.001)
    lone = b.loc[f"osm_n{tiny_extract().lone_chimney}"]
    assert lone.geometry.geom_type == "Point" and math.isnan(lone["usable_area_m2"])
    assert b["idle"].all()  # documented default: candidates to verify


def test_cameras(tiny):
    cams = tiny.layers["cameras"].sort_values("bearing_deg", ascending=False)
    assert len(cams) == 2  # the guard is no camera
    dome, plain = cams.iloc[0], cams.iloc[1]
    assert (dome["kind"], dome["bearing_deg"], dome["fov_deg"], dome["range_m"]) == (
        "dome",
        45.0,
        90.0,
        25.0,
    )
    assert (plain["kind"], plain["bearing_deg"], plain["fov_deg"]) == ("bullet", 0.0, 360.0)
    assert set(cams["status"]) == {"working"}


def test_bbox_from_nodes_without_bounds(tmp_path):
    extract = tiny_extract()
    path = extract.write(tmp_path / "nobounds.osm", bounds=False)
    result = read_osm_layers(path, network=False)
    # without <bounds>, the box is the extent of the nodes written to the file
    lon, lat = np.array([lonlat(x, y) for _, x, y, _ in extract.nodes]).T
    assert result.bbox == pytest.approx((lon.min(), lat.min(), lon.max(), lat.max()), abs=1e-7)
    assert len(result.layers["districts"]) == 2


def test_network_from_tiny_extract(tiny_path):
    seen: list[float] = []
    result = read_osm_layers(tiny_path, progress=lambda f, _msg: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert len(result.layers["network_nodes"]) == 3
    edges = result.layers["network_edges"]
    assert len(edges) == 4  # two segments, both directions
    assert edges["length"].sum() == pytest.approx(2 * 700, rel=0.01)


def test_garbage_file_gives_clear_error(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x01 not osm at all" * 10)
    with pytest.raises(OsmImportError, match="无法读取 OSM 文件.*cannot read the OSM file"):
        read_osm_layers(bad)
    with pytest.raises(FileNotFoundError):
        read_osm_layers(tmp_path / "absent.osm")


# -- CLI ----------------------------------------------------------------------------------------
def test_cli_writes_project_with_metadata(tiny_path, tmp_path, capsys):
    out = tmp_path / "tiny.gpkg"
    code = main(["import-osm", str(tiny_path), "--out", str(out), "--district-class", "道里=outer"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "社区/村 communities: 3" in printed and "导入报告" in printed
    project = Project.open(out)
    assert project.settings.name == "tiny" and project.settings.metric_crs == "EPSG:4551"
    assert project.settings.district_classes == {"道里": "outer"}
    districts = project.layer("districts").set_index("district_code")
    assert districts.loc["230102", "district_class"] == "outer"  # override applied
    meta = project.layer(METADATA_TABLE)
    assert list(meta.columns) == ["layer", "key", "value"]
    assert "households_method" in set(meta["key"])
    assert len(project.layer("network_nodes")) == 3
    # a second run refuses to overwrite
    assert main(["import-osm", str(tiny_path), "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_cli_place_offline_message(tmp_path, monkeypatch, capsys):
    import osmnx
    import requests

    def offline(*_args, **_kwargs):
        raise requests.exceptions.ConnectionError("Max retries exceeded (no network)")

    monkeypatch.setattr(osmnx, "geocode_to_gdf", offline)
    out = tmp_path / "place.gpkg"
    assert main(["import-osm", "--place", "哈尔滨市南岗区", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "需要联网" in err and "needs an internet connection" in err
    assert ".osm.pbf" in err
    assert not out.exists()


def test_cli_needs_file_or_place(tmp_path, capsys):
    assert main(["import-osm", "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "--place" in capsys.readouterr().err


# -- the real clipped extract -------------------------------------------------------------------
@pytest.fixture(scope="module")
def harbin(tmp_path_factory):
    if not HARBIN_PBF.exists():
        pytest.skip(f"real OSM extract not available: {HARBIN_PBF} (../shared absent)")
    result = read_osm_layers(HARBIN_PBF)
    out = tmp_path_factory.mktemp("harbin") / "harbin.gpkg"
    project = write_project(result, out, name="harbin")
    return result, project


def test_harbin_project_counts(harbin):
    """Must show: >= 1,000 communities, 15,000 buildings, 20 streets, 40 boiler-room candidates
    and a walking network of >= 10,000 nodes, read back from the written project."""
    result, project = harbin
    counts = {name: len(project.layer(name)) for name in project.layers()}
    print({k: v for k, v in sorted(counts.items())}, file=sys.stderr)
    assert counts["communities"] >= 1000
    assert counts["buildings"] >= 15000
    assert counts["streets"] >= 20
    assert counts["boiler_rooms"] >= 40
    assert counts["network_nodes"] >= 10000
    assert counts["districts"] == 5
    assert METADATA_TABLE not in counts  # a table about the layers, not a layer
    assert len(project.layer(METADATA_TABLE)) == len(layer_metadata_frame(result))


def test_harbin_boundaries_partition_the_box(harbin):
    result, _ = harbin
    d = result.layers["districts"]
    assert sorted(d["district_code"]) == ["230102", "230103", "230104", "230109", "230110"]
    assert set(d["district_class"]) == {"core"}
    box = shapely.box(*result.bbox)
    box_area = metric_area(box)
    areas = [metric_area(g) for g in d.geometry]
    union = metric_area(shapely.union_all(d.geometry.to_numpy()))
    # districts do not overlap and lie in the box
    assert sum(areas) == pytest.approx(union, rel=0.001)
    assert union <= box_area * 1.0001
    s = result.layers["streets"]
    s_areas = [metric_area(g) for g in s.geometry]
    assert sum(s_areas) == pytest.approx(
        metric_area(shapely.union_all(s.geometry.to_numpy())), rel=0.005
    )
    # each street lies in its district
    dist = d.set_index("district_code").geometry
    for row in s.itertuples():
        if row.district_code in dist.index:
            inside = metric_area(row.geometry.intersection(dist[row.district_code]))
            assert inside >= 0.95 * metric_area(row.geometry), row.name


def test_harbin_clipping_reported(harbin):
    result, _ = harbin
    c = result.counts
    assert c["ways_with_missing_nodes"] > 0
    assert c["ways_with_missing_nodes"] == c["ways_trimmed"] + c["ways_skipped"]
    assert c["admin6_missing_member_ways"] > 0
    text = "\n".join(result.report)
    assert f"{c['ways_trimmed']} trimmed" in text
    assert "network:" in text and "no cameras" in text


def test_harbin_layers_valid(harbin):
    result, _ = harbin
    for name in ("districts", "streets", "communities", "buildings"):
        report = validate(name, result.layers[name])
        assert report.ok, report.summary("en")
    c = result.layers["communities"]
    assert c["community_id"].is_unique
    assert (c["households"] > 0).sum() >= 500


# -- issue 25 item 2: the gaps of the real extract are not findings --------------------------------
def test_harbin_basis_and_no_undecided_row_counted_below(harbin):
    """No community of the OSM project is counted below standard: its facilities are OSM
    objects (no community housing), 797 areas have no mapped housing, every era is assumed."""
    from geo_app.workflows import project_compliance

    result, project = harbin
    c = result.layers["communities"]
    n_empty = result.counts["communities_without_buildings"]
    assert (c["households_basis"] == "missing").sum() == n_empty
    assert set(c.loc[c["households_basis"] == "estimated", "households_method"]) == {"buildings"}
    assert set(c["era_basis"]) == {"assumed"} and set(c["community_source"]) == {"osm_residential"}
    assert project.settings.parameters["osm_import"]["report"] == result.report
    table = project_compliance(project).communities
    assert not (table["status"] == "below").any()
    assert (table["status"] == "undecided").all()
    assert table["undecided_reason"].str.contains("no_facility_data").all()
    assert table["shortfall_m2"].isna().all()
    assert set(table["facility_basis"]) == {"absent"}
    # an area without mapped housing: households missing too (Art. 12 would need them)
    empty = table[table["households_basis"] == "missing"]
    assert len(empty) == n_empty and empty["undecided_reason"].str.contains("households").all()


def test_harbin_readiness_and_report_first_page(harbin):
    """The readiness lists the gaps, and the 道外区 report puts them before its summary."""
    from geo_app.reports.context import build_report_context
    from geo_app.reports.render import render_html
    from geo_app.workflows.readiness import data_readiness

    _, project = harbin
    keys = {i.key for i in data_readiness(project).items}
    assert {
        "facility_data",
        "households_missing",
        "households_estimated",
        "era_assumed",
        "osm_residential",
        "management_assumed",
        "boiler_area",
        "layer_missing",
    } <= keys
    ctx = build_report_context(project, "道外区")
    assert any("道外区" in line and "设施数据" in line for line in ctx.readiness)
    assert ctx.summary[4].value == "0"  # 未达标社区: none is decided below
    html = render_html(ctx, print_version=True)
    assert html.index("数据完备情况") < html.index(ctx.headings["summary"])
    assert "个社区数据不足、待核实" in " ".join(ctx.summary_text)
