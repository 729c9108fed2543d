"""A deterministic corpus of malformed (and a few valid) files for the importers.

Every format the Data page (``workflows.read_upload`` / ``import_file``), ``geo-app import`` and
``geo-app import-osm`` accept: CSV, XLSX, GeoJSON, zipped Shapefile, GeoPackage and OSM
(``.osm`` XML, ``.osm.pbf``). Each :class:`Case` holds the uploaded files (``{name: bytes}``),
the target layer and what must happen: ``"error"`` (a clear zh/en message, exit code 2, the
project unchanged), ``"ok"`` (a valid import) or ``"either"`` (one of the two, never a
traceback). Text, zip and XLSX cases are byte-identical from run to run (fixed seeds, fixed zip
dates); GeoPackage and PBF cases are written by GDAL/libosmium from fixed content.

``python tests/fuzz_corpus.py --out DIR`` writes the corpus to ``DIR/<format>/`` and prints the
number of cases per format.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import struct
import tempfile
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("csv", "xlsx", "geojson", "shapefile", "gpkg", "osm")
SECRET = "SECRET-OUTSIDE-ROW"
"""Camera id of the rows of a file outside the upload folder that a zip member points at."""
SECRET_NAME = "secret.csv"
"""That file's name; tests put it two folders above the temporary folder (``../../``)."""
DEFAULT_SECRET_PATH = "/tmp/geoapp-fuzz/secret.csv"
"""Absolute member name of a zip case; tests point it at their own copy of the secret file."""
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
EVIL_NAMES = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
)


@dataclass
class Case:
    """One importer input: the files of one upload and the outcome that is allowed."""

    fmt: str
    name: str
    files: dict[str, bytes]
    layer: str | None = "cameras"
    expect: str = "error"  # "error", "ok" or "either"
    note: str = ""
    options: dict = field(default_factory=dict)

    @property
    def main_file(self) -> str:
        """The file a command line is given (the .shp of loose Shapefile parts)."""
        names = list(self.files)
        shp = [n for n in names if n.lower().endswith(".shp")]
        return shp[0] if len(names) > 1 and shp else names[0]


# -- valid content ---------------------------------------------------------------------------

CAMERA_COLUMNS = ["编号", "类型", "朝向", "视场角", "视距", "状态", "经度", "纬度"]


def camera_rows(n: int = 8, seed: int = 0, prefix: str = "C") -> list[list[str]]:
    """``n`` valid camera rows in Harbin (WGS-84), as text."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(
            [
                f"{prefix}{i + 1:03d}",
                rng.choice(["dome", "bullet", "ptz"]),
                f"{rng.uniform(0, 359):.1f}",
                f"{rng.uniform(30, 120):.1f}",
                f"{rng.uniform(10, 60):.1f}",
                rng.choice(["working", "broken"]),
                f"{126.60 + rng.uniform(0, 0.05):.6f}",
                f"{45.74 + rng.uniform(0, 0.03):.6f}",
            ]
        )
    return rows


def csv_text(rows: list[list[str]], header: list[str] = CAMERA_COLUMNS, sep: str = ",") -> str:
    """Rows as CSV text, quoting cells that need it."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def camera_features(rows: list[list[str]], z: bool = False) -> list[dict]:
    """GeoJSON features of camera rows (points)."""
    feats = []
    for r in rows:
        coords = [float(r[6]), float(r[7])] + ([150.0] if z else [])
        props = dict(zip(CAMERA_COLUMNS[:6], r[:6], strict=True))
        feats.append({"type": "Feature", "properties": props, "geometry": _pt(coords)})
    return feats


def _pt(coords) -> dict:
    return {"type": "Point", "coordinates": coords}


def feature_collection(features: list, **extra) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features, **extra}).encode()


# -- zip and xlsx writers (byte-identical) ---------------------------------------------------


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of ``members`` with a fixed date (the same bytes every run)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def raw_zip(entries: list[tuple[bytes, bytes, int, int, int]]) -> bytes:
    """A zip written by hand: ``(raw name, deflated data, crc, compressed size, file size)``.

    For names that are not UTF-8 (GBK, flag bit 11 clear) and for headers that lie.
    """
    local = b""
    central = b""
    for name, data, crc, csize, usize in entries:
        offset = len(local)
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x5821, crc, csize, usize, len(name), 0
        )
        local += header + name + data
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x5821,
                crc,
                csize,
                usize,
                len(name),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
            + name
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    return local + central + end


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zero_bomb(gigabytes: float) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``gigabytes`` GB of zeros: ``(stream, crc, size)``, built from
    one flushed 1 MB block repeated (a few MB, made in about a second)."""
    mb = b"\x00" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(mb) + c.flush(zlib.Z_FULL_FLUSH)
    n = int(gigabytes * 1024)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(mb, crc)
    tail = c.flush(zlib.Z_FINISH)
    return block * n + tail, crc, n << 20


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xlsx_bytes(rows: list[list], *, sheet: str = "Sheet1", extra: dict | None = None) -> bytes:
    """A minimal XLSX workbook (inline strings; ``("=", f)`` cells are formulas)."""
    cells_xml = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col(c)}{r}"
            if isinstance(value, tuple) and value[0] == "=":
                cells.append(f'<c r="{ref}" t="str"><f>{_esc(value[1])}</f></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(str(value))}</t></is></c>')
        cells_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    members = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            b'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets>'
            f'<sheet name="{_esc(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
            f"{''.join(cells_xml)}</sheetData></worksheet>"
        ).encode(),
    }
    members.update(extra or {})
    return zip_bytes(members)


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


# -- corpus per format -----------------------------------------------------------------------


def csv_cases() -> list[Case]:
    base = camera_rows()
    good = csv_text(base)
    cases = [
        Case("csv", "valid", {"cameras.csv": good.encode()}, expect="ok"),
        Case("csv", "utf8_bom", {"cameras.csv": good.encode("utf-8-sig")}, expect="ok"),
        Case("csv", "gbk", {"cameras.csv": good.encode("gbk")}, expect="ok"),
        Case("csv", "gb18030_name", {"摄像头.csv": good.encode("gb18030")}, expect="ok"),
        Case("csv", "utf16", {"cameras.csv": good.encode("utf-16")}, note="NUL bytes"),
        Case("csv", "latin1_garbled", {"cameras.csv": good.encode("gbk") + b"\xff\xfe\x80"}),
        Case("csv", "semicolon", {"cameras.csv": csv_text(base, sep=";").encode()}, expect="ok"),
        Case("csv", "tab", {"cameras.txt": csv_text(base, sep="\t").encode()}, expect="ok"),
        Case("csv", "crlf", {"cameras.csv": good.replace("\n", "\r\n").encode()}, expect="ok"),
        Case(
            "csv",
            "cr_only",
            {"cameras.csv": good.replace("\n", "\r").encode()},
            "cameras",
            "either",
        ),
        Case("csv", "header_only", {"cameras.csv": csv_text([]).encode()}),
        Case("csv", "blank_lines", {"cameras.csv": b"\n\n\n\n"}),
        Case("csv", "whitespace", {"cameras.csv": b"   \t  \r\n  "}),
        Case("csv", "nul_bytes", {"cameras.csv": good.encode()[:40] + b"\x00" * 64}),
        Case("csv", "binary", {"cameras.csv": random.Random(1).randbytes(4096)}),
        Case("csv", "no_coordinates", {"cameras.csv": b"a,b,c\n1,2,3\n"}),
        Case("csv", "unbalanced_quote", {"cameras.csv": (good + '"C999,dome,1,2\n').encode()}),
        Case(
            "csv",
            "ragged",
            {"cameras.csv": (good + "C9,dome,1,2,3,working,126.6,45.7,x,y,z\n").encode()},
        ),
        Case("csv", "duplicate_columns", {"cameras.csv": good.replace("纬度", "经度").encode()}),
        Case("csv", "duplicate_ids", {"cameras.csv": csv_text([base[0], base[0]]).encode()}),
        Case(
            "csv",
            "swapped_lon_lat",
            {"cameras.csv": csv_text([r[:6] + [r[7], r[6]] for r in base]).encode()},
            expect="either",
        ),
        Case(
            "csv",
            "projected_numbers",
            {"cameras.csv": csv_text([r[:6] + ["500000", "5000000"] for r in base]).encode()},
            expect="either",
        ),
        Case(
            "csv",
            "lat_out_of_range",
            {"cameras.csv": csv_text([r[:6] + ["126.6", "95.0"] for r in base]).encode()},
            expect="either",
        ),
        Case(
            "csv",
            "wkt_column",
            {
                "c.csv": csv_text(
                    [r[:6] + [f"POINT ({r[6]} {r[7]})"] for r in base], CAMERA_COLUMNS[:6] + ["WKT"]
                ).encode()
            },
            expect="ok",
        ),
        Case(
            "csv",
            "wkt_3d",
            {
                "c.csv": csv_text(
                    [r[:6] + [f"POINT Z ({r[6]} {r[7]} 9)"] for r in base],
                    CAMERA_COLUMNS[:6] + ["WKT"],
                ).encode()
            },
            expect="either",
        ),
        Case(
            "csv",
            "wkt_bad",
            {
                "c.csv": csv_text(
                    [r[:6] + ["POINT (1 2"] for r in base], CAMERA_COLUMNS[:6] + ["WKT"]
                ).encode()
            },
        ),
        Case(
            "csv",
            "wkt_empty",
            {
                "c.csv": csv_text(
                    [r[:6] + ["POINT EMPTY"] for r in base], CAMERA_COLUMNS[:6] + ["WKT"]
                ).encode()
            },
        ),
        Case(
            "csv",
            "wkt_polygon_for_points",
            {
                "c.csv": csv_text(
                    [
                        r[:6] + ["POLYGON ((126.6 45.7, 126.61 45.7, 126.61 45.71, 126.6 45.7))"]
                        for r in base
                    ],
                    CAMERA_COLUMNS[:6] + ["WKT"],
                ).encode()
            },
        ),
        Case(
            "csv",
            "header_injection",
            {"c.csv": csv_text(base, [*EVIL_NAMES[:6], "经度", "纬度"]).encode()},
        ),
    ]
    for i, bad in enumerate(
        [
            "abc",
            "1e999",
            "nan",
            "inf",
            "",
            "126,63",
            "--1",
            "0x7E",
            "１２６．６",
            "126.6°E",
            "1_26",
            "126.6E",
        ]
    ):
        rows = [r[:6] + [bad, r[7]] for r in base[:3]] + base[3:]
        expect = "ok" if bad in ("１２６．６", "126.6°E", "126.6E") else "error"
        cases.append(
            Case(
                "csv",
                f"bad_lon_{i}",
                {"c.csv": csv_text(rows).encode()},
                expect=expect,
                note=repr(bad),
            )
        )
    for i, (col, bad) in enumerate(
        [(2, "九十"), (3, "-5"), (4, "1e400"), (2, "nan"), (4, "-0"), (1, "DOME"), (5, "")]
    ):
        rows = [list(r) for r in base]
        rows[1][col] = bad
        cases.append(
            Case(
                "csv",
                f"bad_field_{i}",
                {"c.csv": csv_text(rows).encode()},
                expect="either",
                note=f"{CAMERA_COLUMNS[col]}={bad!r}",
            )
        )
    huge = [list(r) for r in base]
    huge[0][0] = "C" + "长" * 2_000_000
    cases.append(Case("csv", "huge_cell", {"c.csv": csv_text(huge).encode()}, expect="either"))
    for n, expect in ((300, "ok"), (3000, "error")):
        wide = CAMERA_COLUMNS + [f"extra{i}" for i in range(n)]
        rows = [r + ["x"] * n for r in base]
        cases.append(
            Case("csv", f"wide_{n}", {"c.csv": csv_text(rows, wide).encode()}, expect=expect)
        )
    cases.append(Case("csv", "one_long_line", {"c.csv": ("x," * 500_000).encode()}))
    cases.append(
        Case(
            "csv",
            "many_rows",
            {"c.csv": csv_text(camera_rows(20_000, seed=5)).encode()},
            expect="ok",
        )
    )
    for i, evil in enumerate(EVIL_NAMES):
        rows = [list(r) for r in base]
        rows[0][0] = evil
        cases.append(
            Case(
                "csv",
                f"formula_or_html_{i}",
                {"c.csv": csv_text(rows).encode()},
                expect="ok",
                note=evil,
            )
        )
    rng = random.Random(7)
    data = bytearray(good.encode())
    for i in range(6):
        mutated = bytearray(data)
        for _ in range(12):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cases.append(Case("csv", f"mutated_{i}", {"c.csv": bytes(mutated)}, expect="either"))
    return cases


def xlsx_cases() -> list[Case]:
    base = camera_rows()
    rows = [CAMERA_COLUMNS, *base]
    good = xlsx_bytes(rows)
    numeric = [CAMERA_COLUMNS] + [
        r[:2] + [float(v) for v in r[2:5]] + [r[5], float(r[6]), float(r[7])] for r in base
    ]
    formula = [list(r) for r in rows]
    formula[1][0] = ("=", 'HYPERLINK("http://evil.example","C001")')
    formula[2][2] = ("=", "1/0")
    huge = [list(r) for r in rows]
    huge[1][0] = "C" + "长" * 32_000
    bad_num = [list(r) for r in rows]
    bad_num[2][6] = "东经一百二十六"
    cases = [
        Case("xlsx", "valid", {"cameras.xlsx": good}, expect="ok"),
        Case("xlsx", "numeric_cells", {"cameras.xlsx": xlsx_bytes(numeric)}, expect="ok"),
        Case(
            "xlsx",
            "formula_cells",
            {"cameras.xlsx": xlsx_bytes(formula)},
            expect="either",
            note="no cached values",
        ),
        Case("xlsx", "huge_cell", {"cameras.xlsx": xlsx_bytes(huge)}, expect="either"),
        Case("xlsx", "bad_number", {"cameras.xlsx": xlsx_bytes(bad_num)}),
        Case("xlsx", "header_only", {"cameras.xlsx": xlsx_bytes([CAMERA_COLUMNS])}),
        Case("xlsx", "empty_sheet", {"cameras.xlsx": xlsx_bytes([])}),
        Case("xlsx", "truncated", {"cameras.xlsx": good[: len(good) // 2]}),
        Case("xlsx", "csv_renamed", {"cameras.xlsx": csv_text(base).encode()}),
        Case(
            "xlsx", "old_xls", {"cameras.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504}
        ),
        Case("xlsx", "zip_not_workbook", {"cameras.xlsx": zip_bytes({"hello.txt": b"hi"})}),
        Case(
            "xlsx",
            "broken_sheet_xml",
            {
                "cameras.xlsx": xlsx_bytes(
                    rows, extra={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}
                )
            },
        ),
        Case(
            "xlsx",
            "evil_sheet_name",
            {"cameras.xlsx": xlsx_bytes(rows, sheet="<script>alert(1)</script>")},
            expect="ok",
        ),
        Case(
            "xlsx",
            "xml_entity_bomb",
            {
                "cameras.xlsx": xlsx_bytes(
                    rows, extra={"xl/worksheets/sheet1.xml": _entity_bomb(b"worksheet")}
                )
            },
        ),
    ]
    rng = random.Random(11)
    for i in range(4):
        mutated = bytearray(good)
        for _ in range(8):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cases.append(
            Case("xlsx", f"mutated_{i}", {"cameras.xlsx": bytes(mutated)}, expect="either")
        )
    return cases


def _entity_bomb(root: bytes) -> bytes:
    ents = b'<!ENTITY a0 "lolololololololololo">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1)) * 10) for i in range(1, 10)
    )
    return (
        b'<?xml version="1.0"?><!DOCTYPE '
        + root
        + b" ["
        + ents
        + b"]><"
        + root
        + b">&a9;</"
        + root
        + b">"
    )


def geojson_cases() -> list[Case]:
    base = camera_rows()
    feats = camera_features(base)
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[126.6, 45.7], [126.61, 45.71], [126.61, 45.7], [126.6, 45.71], [126.6, 45.7]]
        ],
    }
    deep = "[" * 100_000 + "]" * 100_000
    nested = {"type": "GeometryCollection", "geometries": []}
    for _ in range(200):
        nested = {"type": "GeometryCollection", "geometries": [nested]}

    def with_geom(geom) -> bytes:
        f = [dict(feats[0], geometry=geom)] + feats[1:]
        return feature_collection(f)

    cases = [
        Case("geojson", "valid", {"cameras.geojson": feature_collection(feats)}, expect="ok"),
        Case(
            "geojson", "valid_json_suffix", {"cameras.json": feature_collection(feats)}, expect="ok"
        ),
        Case(
            "geojson",
            "bom",
            {"cameras.geojson": b"\xef\xbb\xbf" + feature_collection(feats)},
            expect="either",
        ),
        Case(
            "geojson",
            "z_coordinates",
            {"cameras.geojson": feature_collection(camera_features(base, z=True))},
            expect="ok",
        ),
        Case("geojson", "empty_collection", {"cameras.geojson": feature_collection([])}),
        Case("geojson", "empty_object", {"cameras.geojson": b"{}"}),
        Case(
            "geojson",
            "not_json",
            {"cameras.geojson": b'{"type": "FeatureCollection", "features": ['},
        ),
        Case("geojson", "json_array", {"cameras.geojson": b"[1, 2, 3]"}),
        Case("geojson", "json_string", {"cameras.geojson": b'"FeatureCollection"'}),
        Case("geojson", "json_null", {"cameras.geojson": b"null"}),
        Case("geojson", "deep_nesting", {"cameras.geojson": deep.encode()}),
        Case(
            "geojson", "nested_collections", {"cameras.geojson": with_geom(nested)}, expect="either"
        ),
        Case(
            "geojson",
            "features_not_list",
            {
                "cameras.geojson": json.dumps(
                    {"type": "FeatureCollection", "features": {"a": 1}}
                ).encode()
            },
        ),
        Case("geojson", "null_geometry", {"cameras.geojson": with_geom(None)}, expect="either"),
        Case(
            "geojson",
            "all_null_geometry",
            {"cameras.geojson": feature_collection([dict(f, geometry=None) for f in feats])},
        ),
        Case(
            "geojson",
            "string_coordinates",
            {"cameras.geojson": with_geom(_pt(["126.6", "45.7"]))},
            expect="either",
        ),
        Case(
            "geojson",
            "one_coordinate",
            {"cameras.geojson": with_geom(_pt([126.6]))},
            expect="either",
        ),
        Case(
            "geojson",
            "point_too_deep",
            {"cameras.geojson": with_geom(_pt([[[[126.6, 45.7]]]]))},
            expect="either",
        ),
        Case(
            "geojson",
            "nan_coordinates",
            {"cameras.geojson": feature_collection(feats).replace(b"45.7", b"NaN", 1)},
            expect="either",
        ),
        Case(
            "geojson",
            "huge_numbers",
            {"cameras.geojson": with_geom(_pt([1e400, 45.7]))},
            expect="either",
        ),
        Case(
            "geojson",
            "lon_500",
            {"cameras.geojson": with_geom(_pt([500.0, 45.7]))},
            expect="either",
        ),
        Case(
            "geojson",
            "unknown_type",
            {
                "cameras.geojson": with_geom(
                    {"type": "Circle", "coordinates": [126.6, 45.7], "radius": 3}
                )
            },
            expect="either",
        ),
        Case(
            "geojson",
            "line_for_points",
            {
                "cameras.geojson": with_geom(
                    {"type": "LineString", "coordinates": [[126.6, 45.7], [126.61, 45.71]]}
                )
            },
        ),
        Case(
            "geojson",
            "bowtie_facility",
            {
                "f.geojson": feature_collection(
                    [
                        {
                            "type": "Feature",
                            "properties": {
                                "编号": "F1",
                                "名称": "站",
                                "类型": "community_station",
                                "使用面积": 300,
                            },
                            "geometry": bowtie,
                        }
                    ]
                )
            },
            layer="facilities",
            expect="either",
        ),
        Case(
            "geojson",
            "unclosed_ring",
            {
                "f.geojson": feature_collection(
                    [
                        {
                            "type": "Feature",
                            "properties": {"编号": "F1"},
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[[126.6, 45.7], [126.61, 45.7], [126.61, 45.71]]],
                            },
                        }
                    ]
                )
            },
            layer="facilities",
            expect="either",
        ),
        Case(
            "geojson", "bare_geometry", {"cameras.geojson": json.dumps(_pt([126.6, 45.7])).encode()}
        ),
        Case(
            "geojson",
            "single_feature",
            {"cameras.geojson": json.dumps(feats[0]).encode()},
            expect="either",
        ),
        Case(
            "geojson",
            "nested_properties",
            {
                "cameras.geojson": feature_collection(
                    [
                        dict(f, properties={**f["properties"], "x": {"a": [1, {"b": None}]}})
                        for f in feats
                    ]
                )
            },
            expect="ok",
        ),
        Case(
            "geojson",
            "bad_crs",
            {
                "cameras.geojson": feature_collection(
                    feats, crs={"type": "name", "properties": {"name": "EPSG:99999"}}
                )
            },
            expect="either",
        ),
        Case(
            "geojson",
            "gbk_properties",
            {
                "cameras.geojson": json.dumps(
                    {"type": "FeatureCollection", "features": feats}, ensure_ascii=False
                ).encode("gbk")
            },
            expect="either",
        ),
        Case(
            "geojson",
            "evil_names",
            {
                "cameras.geojson": feature_collection(
                    [
                        dict(
                            f,
                            properties={
                                **f["properties"],
                                "编号": EVIL_NAMES[i % len(EVIL_NAMES)] + str(i),
                            },
                        )
                        for i, f in enumerate(feats)
                    ]
                )
            },
            expect="ok",
        ),
    ]
    rng = random.Random(13)
    data = feature_collection(feats)
    for i in range(6):
        mutated = bytearray(data)
        for _ in range(10):
            mutated[rng.randrange(len(mutated))] = rng.choice(b'{}[]",:0-9eE. \x00')
        cases.append(
            Case("geojson", f"mutated_{i}", {"cameras.geojson": bytes(mutated)}, expect="either")
        )
    return cases


def _shapefile_parts(
    rows: list[list[str]], encoding: str = "UTF-8", prj: bool = True
) -> dict[str, bytes]:
    """The parts (.shp .shx .dbf .prj .cpg) of a camera Shapefile written by GDAL."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(CAMERA_COLUMNS[:6])},
        geometry=shapely.points([float(r[6]) for r in rows], [float(r[7]) for r in rows]),
        crs="EPSG:4326" if prj else None,
    )
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no crs on purpose (a Shapefile without .prj)
        path = Path(tmp) / "cameras.shp"
        frame.to_file(path, driver="ESRI Shapefile", encoding=encoding)
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}


def shapefile_cases(secret_path: str = DEFAULT_SECRET_PATH) -> list[Case]:
    base = camera_rows()
    parts = _shapefile_parts(base)
    gbk = _shapefile_parts(base, encoding="GBK")
    gbk_no_cpg = {k: v for k, v in gbk.items() if not k.endswith(".cpg")}
    no_prj = _shapefile_parts(base, prj=False)
    secret = csv_text(camera_rows(3, seed=99, prefix=SECRET)).encode()

    def without(ext: str) -> dict[str, bytes]:
        return {k: v for k, v in parts.items() if not k.endswith(ext)}

    def rename(src: dict[str, bytes], stem: str) -> dict[str, bytes]:
        return {stem + Path(k).suffix: v for k, v in src.items()}

    gbk_names = [(("监控点" + Path(k).suffix).encode("gbk"), v) for k, v in gbk.items()]
    bomb, crc, size = zero_bomb(1.0)
    liar = _deflate(b"0" * (8 << 20))
    cases = [
        Case("shapefile", "valid_zip", {"cameras.zip": zip_bytes(parts)}, expect="ok"),
        Case("shapefile", "loose_parts", dict(parts), expect="ok"),
        Case(
            "shapefile",
            "stored_zip",
            {"cameras.zip": zip_bytes(parts, zipfile.ZIP_STORED)},
            expect="ok",
        ),
        Case(
            "shapefile",
            "in_subfolder",
            {"cameras.zip": zip_bytes({f"数据/{k}": v for k, v in parts.items()})},
            expect="ok",
        ),
        Case("shapefile", "missing_shp", {"cameras.zip": zip_bytes(without(".shp"))}),
        Case("shapefile", "missing_dbf", {"cameras.zip": zip_bytes(without(".dbf"))}),
        Case("shapefile", "missing_shx", {"cameras.zip": zip_bytes(without(".shx"))}),
        Case("shapefile", "missing_prj", {"cameras.zip": zip_bytes(no_prj)}, expect="ok"),
        Case("shapefile", "loose_missing_dbf", without(".dbf")),
        Case("shapefile", "gbk_attributes_cpg", {"cameras.zip": zip_bytes(gbk)}, expect="ok"),
        Case(
            "shapefile",
            "gbk_attributes_no_cpg",
            {"cameras.zip": zip_bytes(gbk_no_cpg)},
            expect="ok",
        ),
        Case(
            "shapefile",
            "gbk_member_names",
            {
                "cameras.zip": raw_zip(
                    [
                        (n, _deflate(v), zlib.crc32(v), len(_deflate(v)), len(v))
                        for n, v in gbk_names
                    ]
                )
            },
            expect="ok",
        ),
        Case(
            "shapefile",
            "utf8_member_names",
            {"cameras.zip": zip_bytes(rename(parts, "监控点"))},
            expect="ok",
        ),
        Case(
            "shapefile",
            "two_shapefiles_one_named_like_layer",
            {"cameras.zip": zip_bytes({**parts, **rename(parts, "other")})},
            expect="ok",
        ),
        Case(
            "shapefile",
            "two_shapefiles",
            {"cameras.zip": zip_bytes({**rename(parts, "east"), **rename(parts, "west")})},
        ),
        Case("shapefile", "empty_zip", {"cameras.zip": zip_bytes({})}),
        Case("shapefile", "zip_of_text", {"cameras.zip": zip_bytes({"readme.txt": b"hello"})}),
        Case("shapefile", "truncated_zip", {"cameras.zip": zip_bytes(parts)[:300]}),
        Case("shapefile", "not_a_zip", {"cameras.zip": b"PK\x03\x04" + b"\x00" * 100}),
        Case(
            "shapefile",
            "garbage_shp",
            {"cameras.zip": zip_bytes({**parts, "cameras.shp": random.Random(3).randbytes(2000)})},
        ),
        Case(
            "shapefile",
            "garbage_dbf",
            {"cameras.zip": zip_bytes({**parts, "cameras.dbf": random.Random(4).randbytes(500)})},
        ),
        Case(
            "shapefile",
            "truncated_shp",
            {"cameras.zip": zip_bytes({**parts, "cameras.shp": parts["cameras.shp"][:120]})},
            expect="either",
        ),
        Case(
            "shapefile",
            "bad_cpg",
            {"cameras.zip": zip_bytes({**parts, "cameras.cpg": b"KLINGON-8"})},
            expect="either",
        ),
        Case(
            "shapefile",
            "garbage_prj",
            {"cameras.zip": zip_bytes({**parts, "cameras.prj": b"PROJCS[nonsense"})},
            expect="either",
        ),
        Case(
            "shapefile",
            "dotdot_member",
            {"cameras.zip": zip_bytes({f"../../{SECRET_NAME}": secret})},
            note="must not read ../../secret.csv",
        ),
        Case(
            "shapefile",
            "dotdot_shapefile",
            {"cameras.zip": zip_bytes({f"../{k}": v for k, v in parts.items()})},
            expect="either",
            note="nothing written outside",
        ),
        Case(
            "shapefile",
            "absolute_member",
            {"cameras.zip": zip_bytes({secret_path: secret})},
            note=f"must not read {secret_path}",
        ),
        Case(
            "shapefile", "zip_in_zip", {"cameras.zip": zip_bytes({"inner.zip": zip_bytes(parts)})}
        ),
        Case(
            "shapefile",
            "zip_bomb_1gb",
            {"cameras.zip": raw_zip([(b"cameras.csv", bomb, crc, len(bomb), size)])},
            note="1 GB of zeros",
        ),
        Case(
            "shapefile",
            "zip_bomb_lying_header",
            {
                "cameras.zip": raw_zip(
                    [(b"cameras.csv", liar, zlib.crc32(b"0" * 1024), len(liar), 1024)]
                )
            },
            note="header says 1 KB",
        ),
        Case(
            "shapefile",
            "zip_declares_3gb",
            {
                "cameras.zip": raw_zip(
                    [
                        (
                            b"cameras.csv",
                            _deflate(b"x"),
                            zlib.crc32(b"x"),
                            len(_deflate(b"x")),
                            3 << 30,
                        )
                    ]
                )
            },
        ),
    ]
    rng = random.Random(17)
    for i in range(4):
        key = rng.choice([".shp", ".shx", ".dbf"])
        name = "cameras" + key
        mutated = bytearray(parts[name])
        for _ in range(6):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cases.append(
            Case(
                "shapefile",
                f"mutated{key}_{i}",
                {"cameras.zip": zip_bytes({**parts, name: bytes(mutated)})},
                expect="either",
            )
        )
    return cases


def _gpkg(write: Callable[[Path], None]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        write(path)
        return path.read_bytes()


def _camera_frame(rows):
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(CAMERA_COLUMNS[:6])},
        geometry=shapely.points([float(r[6]) for r in rows], [float(r[7]) for r in rows]),
        crs="EPSG:4326",
    )


def gpkg_cases() -> list[Case]:
    import pandas as pd
    import pyogrio

    base = camera_rows()
    frame = _camera_frame(base)

    def layer(name: str) -> Callable[[Path], None]:
        return lambda p: frame.to_file(p, layer=name, driver="GPKG")

    good = _gpkg(layer("cameras"))

    def sql(statements: list[str]):
        def write(p: Path) -> None:
            layer("cameras")(p)
            with sqlite3.connect(p) as con:
                triggers = con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                for (name,) in triggers.fetchall():  # GDAL's R-tree triggers call ST_ functions
                    con.execute(f'DROP TRIGGER "{name}"')
                for s in statements:
                    con.execute(s)
            con.close()

        return write

    def plain_sqlite(p: Path) -> None:
        con = sqlite3.connect(p)
        con.execute("CREATE TABLE accounts (user TEXT, password TEXT)")
        con.execute("INSERT INTO accounts VALUES ('admin', 'hunter2')")
        con.commit()
        con.close()

    def attribute_only(p: Path) -> None:
        pyogrio.write_dataframe(pd.DataFrame({"a": [1, 2]}), p, layer="ledger", driver="GPKG")

    def two_layers(p: Path) -> None:
        frame.to_file(p, layer="east", driver="GPKG")
        frame.to_file(p, layer="west", driver="GPKG")

    def evil_layer(p: Path) -> None:
        frame.to_file(p, layer='cam"; DROP TABLE gpkg_contents; --', driver="GPKG")

    rng = random.Random(19)
    cases = [
        Case("gpkg", "valid", {"cameras.gpkg": good}, expect="ok"),
        Case("gpkg", "other_layer_name", {"survey.gpkg": _gpkg(layer("监控点位"))}, expect="ok"),
        Case("gpkg", "truncated_header", {"cameras.gpkg": good[:100]}),
        Case("gpkg", "truncated_half", {"cameras.gpkg": good[: len(good) // 2]}, expect="either"),
        Case("gpkg", "not_sqlite", {"cameras.gpkg": b"GPKG" + random.Random(2).randbytes(4000)}),
        Case(
            "gpkg",
            "sqlite_header_garbage",
            {"cameras.gpkg": b"SQLite format 3\x00" + random.Random(5).randbytes(8000)},
        ),
        Case("gpkg", "plain_sqlite_foreign_table", {"cameras.gpkg": _gpkg(plain_sqlite)}),
        Case("gpkg", "attribute_table_only", {"cameras.gpkg": _gpkg(attribute_only)}),
        Case("gpkg", "two_spatial_layers", {"cameras.gpkg": _gpkg(two_layers)}),
        Case("gpkg", "evil_layer_name", {"cameras.gpkg": _gpkg(evil_layer)}, expect="either"),
        Case(
            "gpkg",
            "contents_points_to_missing_table",
            {
                "cameras.gpkg": _gpkg(
                    sql(
                        [
                            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('ghost', 'features', 'ghost', 4326)",
                            "INSERT INTO gpkg_geometry_columns VALUES ('ghost', 'geom', 'POINT', 4326, 0, 0)",
                        ]
                    )
                )
            },
            expect="either",
        ),
        Case(
            "gpkg",
            "garbage_geometry_blobs",
            {
                "cameras.gpkg": _gpkg(
                    sql(
                        [
                            "UPDATE cameras SET geom = X'00112233445566778899AABBCCDDEEFF0011223344556677'"
                        ]
                    )
                )
            },
            expect="either",
        ),
        Case(
            "gpkg",
            "gpkg_header_blobs_garbage",
            {
                "cameras.gpkg": _gpkg(
                    sql(["UPDATE cameras SET geom = X'4750000100000000DEADBEEFDEADBEEF01020304'"])
                )
            },
            expect="either",
        ),
        Case(
            "gpkg",
            "foreign_table_beside_layer",
            {
                "cameras.gpkg": _gpkg(
                    sql(["CREATE TABLE secrets (k TEXT)", "INSERT INTO secrets VALUES ('x')"])
                )
            },
            expect="ok",
        ),
        Case(
            "gpkg",
            "dropped_contents",
            {"cameras.gpkg": _gpkg(sql(["DROP TABLE gpkg_contents"]))},
            expect="either",
        ),
        Case(
            "gpkg",
            "text_in_geometry",
            {"cameras.gpkg": _gpkg(sql(["UPDATE cameras SET geom = 'POINT (1 2)'"]))},
            expect="either",
        ),
    ]
    for i in range(6):
        mutated = bytearray(good)
        start = rng.randrange(100, len(mutated) - 512)
        mutated[start : start + 256] = rng.randbytes(256)
        cases.append(
            Case("gpkg", f"corrupt_page_{i}", {"cameras.gpkg": bytes(mutated)}, expect="either")
        )
    return cases


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="fuzz">
  <bounds minlat="45.74" minlon="126.60" maxlat="45.77" maxlon="126.65"/>
  <node id="1" lat="45.750" lon="126.610"/>
  <node id="2" lat="45.750" lon="126.620"/>
  <node id="3" lat="45.760" lon="126.620"/>
  <node id="4" lat="45.760" lon="126.610"/>
  <node id="5" lat="45.755" lon="126.615"><tag k="man_made" v="surveillance"/><tag k="name" v="&lt;script&gt;alert(1)&lt;/script&gt;"/></node>
  <node id="6" lat="45.752" lon="126.612"><tag k="amenity" v="community_centre"/><tag k="name" v="社区服务站"/></node>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="building" v="residential"/><tag k="building:levels" v="6"/></way>
  <way id="11"><nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/></way>
</osm>
"""


def _pbf(xml: str) -> bytes:
    import osmium

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.osm"
        src.write_text(xml, encoding="utf-8")
        dst = Path(tmp) / "out.osm.pbf"
        writer = osmium.SimpleWriter(str(dst))
        try:
            for obj in osmium.FileProcessor(str(src)):
                writer.add(obj)
        finally:
            writer.close()
        return dst.read_bytes()


def osm_cases() -> list[Case]:
    xml = OSM_XML
    pbf = _pbf(xml)
    missing = xml.replace('<nd ref="4"/>', '<nd ref="999"/>')
    loop = xml.replace(
        "</osm>",
        '<relation id="20"><member type="relation" ref="20" role=""/><member type="way" ref="10" role="outer"/>'
        '<tag k="type" v="multipolygon"/><tag k="building" v="yes"/></relation>\n'
        '<relation id="21"><member type="way" ref="11" role="outer"/><tag k="boundary" v="administrative"/>'
        '<tag k="admin_level" v="6"/><tag k="name" v="道里区"/></relation>\n</osm>',
    )
    xxe = xml.replace(
        "<osm ", '<!DOCTYPE osm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<osm ', 1
    ).replace('v="社区服务站"', 'v="&xxe;"')
    cases = [
        Case("osm", "valid_xml", {"tiny.osm": xml.encode()}, layer=None, expect="either"),
        Case("osm", "valid_pbf", {"tiny.osm.pbf": pbf}, layer=None, expect="either"),
        Case("osm", "truncated_pbf", {"tiny.osm.pbf": pbf[: len(pbf) // 2]}, layer=None),
        Case("osm", "truncated_pbf_header", {"tiny.osm.pbf": pbf[:10]}, layer=None),
        Case("osm", "garbage_pbf", {"tiny.osm.pbf": random.Random(23).randbytes(5000)}, layer=None),
        Case(
            "osm",
            "pbf_huge_blob_length",
            {"tiny.osm.pbf": b"\x7f\xff\xff\xff" + pbf[4:]},
            layer=None,
        ),
        Case(
            "osm",
            "truncated_xml",
            {"tiny.osm": xml.encode()[: len(xml) // 2]},
            layer=None,
            expect="either",
        ),
        Case("osm", "broken_xml", {"tiny.osm": xml.replace("</way>", "", 1).encode()}, layer=None),
        Case("osm", "not_xml", {"tiny.osm": b"this is not xml at all {}"}, layer=None),
        Case(
            "osm",
            "empty_osm",
            {"tiny.osm": b"<?xml version='1.0'?><osm version='0.6'></osm>"},
            layer=None,
        ),
        Case("osm", "empty_file", {"tiny.osm": b""}, layer=None),
        Case(
            "osm",
            "bad_coordinates",
            {
                "tiny.osm": xml.replace('lat="45.750"', 'lat="abc"')
                .replace('lon="126.620"', 'lon="1e999"')
                .encode()
            },
            layer=None,
            expect="either",
        ),
        Case(
            "osm",
            "out_of_range",
            {"tiny.osm": xml.replace('lat="45.760"', 'lat="95.0"').encode()},
            layer=None,
            expect="either",
        ),
        Case(
            "osm", "missing_node_refs", {"tiny.osm": missing.encode()}, layer=None, expect="either"
        ),
        Case("osm", "relation_loop", {"tiny.osm": loop.encode()}, layer=None, expect="either"),
        Case("osm", "entity_bomb", {"tiny.osm": _entity_bomb(b"osm")}, layer=None),
        Case(
            "osm",
            "external_entity",
            {"tiny.osm": xxe.encode()},
            layer=None,
            expect="either",
            note="never reads /etc/passwd",
        ),
        Case(
            "osm",
            "utf16_xml",
            {"tiny.osm": xml.replace("UTF-8", "UTF-16").encode("utf-16")},
            layer=None,
            expect="either",
        ),
        Case(
            "osm",
            "gbk_names",
            {"tiny.osm": xml.replace("UTF-8", "GBK").encode("gbk")},
            layer=None,
            expect="either",
        ),
    ]
    rng = random.Random(29)
    for i in range(4):
        mutated = bytearray(pbf)
        for _ in range(6):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cases.append(
            Case(
                "osm",
                f"mutated_pbf_{i}",
                {"tiny.osm.pbf": bytes(mutated)},
                layer=None,
                expect="either",
            )
        )
    return cases


GENERATORS: dict[str, Callable[[], list[Case]]] = {
    "csv": csv_cases,
    "xlsx": xlsx_cases,
    "geojson": geojson_cases,
    "shapefile": shapefile_cases,
    "gpkg": gpkg_cases,
    "osm": osm_cases,
}


def corpus(
    formats: tuple[str, ...] = FORMATS, secret_path: str = DEFAULT_SECRET_PATH
) -> list[Case]:
    """Every case of ``formats``, in a fixed order; ``secret_path``: see ``shapefile_cases``."""
    cases = []
    for fmt in formats:
        make = GENERATORS[fmt]
        cases += make(secret_path) if fmt == "shapefile" else make()
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the corpus into this folder")
    args = parser.parse_args(argv)
    cases = corpus()
    if args.out:
        for case in cases:
            folder = args.out / case.fmt / case.name
            folder.mkdir(parents=True, exist_ok=True)
            for name, data in case.files.items():
                (folder / Path(name).name).write_bytes(data)
    counts = Counter(c.fmt for c in cases)
    for fmt in FORMATS:
        print(f"{fmt:10s} {counts[fmt]:4d}")
    print(f"{'total':10s} {len(cases):4d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
