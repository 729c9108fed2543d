"""Property-based tests of the importers (hypothesis): whatever the bytes, text, JSON or zip
member names, reading ends in a GeoDataFrame or a ``LayerFileError`` (zh/en), an import ends
written or refused with the project unchanged, and nothing is written outside the temporary
folder. Derandomised, so CI runs the same examples every time.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from fuzz_corpus import CAMERA_COLUMNS, camera_rows, csv_text
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geo_app import workflows
from geo_app.project import Project
from layers.io import LayerFileError, read_vector_file
from layers.io_base import SUPPORTED_SUFFIXES
from layers.source_crs import MappingError
from layers.table_io import parse_coordinate

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
GEOJSON_KEYS = st.sampled_from(["type", "features", "geometry", "coordinates", "properties"])
GEOJSON_TYPES = st.sampled_from(["FeatureCollection", "Feature", "Point", "Polygon", "Nope"])
GEOJSONISH = st.recursive(
    st.none() | st.floats(allow_nan=False, allow_infinity=False) | GEOJSON_TYPES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(GEOJSON_KEYS, inner, max_size=4),
    max_leaves=30,
)


@contextlib.contextmanager
def sandboxed_tmp():
    """A private temporary folder that ``tempfile`` writes into; yields (folder, its parent)."""
    with tempfile.TemporaryDirectory(prefix="geoapp-prop-") as parent:
        inner = Path(parent) / "box" / "tmp"
        inner.mkdir(parents=True)
        old = tempfile.tempdir
        tempfile.tempdir = str(inner)
        try:
            yield inner, Path(parent)
        finally:
            tempfile.tempdir = old


def read_or_refuse(path: Path) -> gpd.GeoDataFrame | LayerFileError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read_vector_file(path)
        except LayerFileError as exc:
            assert exc.message_zh and exc.message_en
            return exc


@SETTINGS
@given(st.text(max_size=30))
def test_parse_coordinate_never_raises(text):
    value = parse_coordinate(text)
    assert value is None or math.isfinite(value)


@SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_coordinate_reads_numbers_back(x):
    assert parse_coordinate(repr(x)) == x
    assert parse_coordinate(x) == x


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from(SUPPORTED_SUFFIXES))
def test_any_bytes_with_any_suffix(data, suffix):
    with sandboxed_tmp() as (tmp, parent):
        path = parent / f"upload{suffix}"
        path.write_bytes(data)
        read_or_refuse(path)
        assert not any(tmp.iterdir())


@SETTINGS
@given(st.lists(st.lists(CELL, min_size=8, max_size=8), min_size=1, max_size=6))
def test_csv_with_any_text_cells(rows):
    with sandboxed_tmp() as (_, parent):
        path = parent / "c.csv"
        path.write_text(csv_text(rows), encoding="utf-8")
        read_or_refuse(path)


@SETTINGS
@given(JSON | GEOJSONISH)
def test_geojson_with_any_json(tree):
    with sandboxed_tmp() as (_, parent):
        path = parent / "g.geojson"
        path.write_text(json.dumps(tree), encoding="utf-8")
        read_or_refuse(path)


MEMBER = st.lists(
    st.sampled_from(["..", ".", "", "a", "数据", "/", "\\", "C:", "x.csv", "secret.csv"]),
    min_size=1,
    max_size=5,
).map("/".join)


@SETTINGS
@given(st.lists(MEMBER, min_size=1, max_size=3, unique=True))
@example(["../../secret.csv"])
@example(["../../../secret.csv"])
@example(["../secret.csv"])
def test_zip_member_names_never_reach_outside(names):
    secret = csv_text(camera_rows(2, prefix="OUTSIDE")).encode()
    inside = csv_text(camera_rows(2, prefix="INSIDE")).encode()
    with sandboxed_tmp() as (tmp, parent):
        for folder in (parent, parent / "box", tmp):  # ../../../, ../../ and ../ of the zip
            (folder / "secret.csv").write_bytes(secret)
        path = parent / "upload.zip"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name in names:
                zf.writestr(name + ".csv" if not name.endswith(".csv") else name, inside)
        path.write_bytes(buf.getvalue())
        before = sorted(p for p in parent.rglob("*") if tmp not in p.parents)
        result = read_or_refuse(path)
        if isinstance(result, gpd.GeoDataFrame):
            leaked = result.astype(str).apply(lambda c: c.str.contains("OUTSIDE")).any().any()
            assert not leaked, f"zip members {names} read a file outside the upload"
        assert sorted(p for p in parent.rglob("*") if tmp not in p.parents) == before
        assert [p.name for p in tmp.iterdir()] == ["secret.csv"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("prop") / "p.gpkg"
    Project.create(path)
    return path.read_bytes()


@settings(SETTINGS, max_examples=25)
@given(
    st.lists(
        st.tuples(CELL, CELL, CELL, st.sampled_from(["dome", "ptz", "x", ""]), CELL),
        min_size=1,
        max_size=5,
    )
)
def test_import_writes_all_or_nothing(template, tmp_path, values):
    base = camera_rows(len(values))
    rows = [
        [cid, kind, bearing, fov, r[4], status, r[6], r[7]]
        for (cid, bearing, fov, kind, status), r in zip(values, base, strict=True)
    ]
    project_path = tmp_path / "p.gpkg"
    project_path.write_bytes(template)
    files = {"c.csv": csv_text(rows, CAMERA_COLUMNS).encode()}
    with sandboxed_tmp(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            source = workflows.read_upload(files, "cameras")
            outcome = workflows.import_file(Project.open(project_path), "cameras", source)
        except (LayerFileError, MappingError):
            outcome = None
    if outcome is None or not outcome.written:
        assert project_path.read_bytes() == template
    else:
        written = Project.open(project_path).layer("cameras")
        assert len(written) == len(rows)
