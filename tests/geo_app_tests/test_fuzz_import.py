"""Fuzzed importers: every case of the corpus (``tests/fuzz_corpus.py``) through the Data page's
calls, ``geo-app import`` and ``geo-app import-osm``.

Each case must end in a valid import or a clear zh/en message (``LayerFileError``,
``MappingError``, a validation report, exit code 2): no traceback, the project's bytes unchanged
when nothing was imported, nothing written outside the project's folder, and nothing read from
outside the upload (a zip member ``../../secret.csv`` or ``/abs/secret.csv``).
"""

from __future__ import annotations

import warnings
from collections import Counter

import pytest
from fuzz_check import judge, make_sandbox, run_case
from fuzz_corpus import FORMATS, corpus

CASES = corpus()
IDS = [f"{c.fmt}-{c.name}" for c in CASES]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    return make_sandbox(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def cases(sandbox):
    """The corpus with the absolute zip member pointing at this sandbox's secret file."""
    return {f"{c.fmt}-{c.name}": c for c in corpus(secret_path=str(sandbox.secret))}


def test_corpus_covers_every_format():
    counts = Counter(c.fmt for c in CASES)
    print("fuzz corpus:", dict(counts), "total", len(CASES))
    assert set(counts) == set(FORMATS)
    assert all(counts[f] >= 15 for f in FORMATS)
    assert len(set(IDS)) == len(IDS)
    # deterministic: the same bytes from a second run (GeoPackage and PBF are written by GDAL
    # and libosmium, whose files carry timestamps)
    again = {f"{c.fmt}-{c.name}": c.files for c in corpus(("csv", "xlsx", "geojson"))}
    assert all(again[i] == c.files for i, c in zip(IDS, CASES, strict=True) if i in again)


@pytest.mark.parametrize("case_id", IDS)
def test_importers_end_in_import_or_clear_message(case_id, cases, sandbox):
    case = cases[case_id]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's RuntimeWarnings about the broken files
        results = run_case(case, sandbox)
    failures = judge(case, results)
    assert not failures, "\n".join(failures)
