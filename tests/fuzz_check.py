"""Run one fuzz case (:mod:`fuzz_corpus`) through every importer path and judge the outcome.

Paths: the Data page (``workflows.read_upload`` then ``workflows.import_file``, the calls the
page makes; it shows ``LayerFileError`` and ``MappingError`` as messages, anything else would be
a traceback), ``geo-app import`` and, for OSM files, ``geo-app import-osm`` (``main()`` in this
process). A path ends in ``"ok"`` (written), ``"error"`` (a clear zh/en message, exit code 2) or
``"traceback"`` (any other exception, or an exit code other than 0 and 2). Every path must
leave the project unchanged unless it wrote, and write nothing outside the project's folder.

``python tests/fuzz_check.py`` runs the whole corpus and prints per format: cases, valid
imports, clear messages and tracebacks.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from fuzz_corpus import FORMATS, SECRET, SECRET_NAME, Case, corpus

CJK = re.compile(r"[\u4e00-\u9fff]")
LEAKS = (SECRET.encode(), b"root:x:0:0")
"""Bytes that must never reach a project: rows of a file outside the upload, /etc/passwd."""


@dataclass
class PathResult:
    """What one importer path did with a case."""

    path: str
    kind: str  # "ok", "error" or "traceback"
    message: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class Sandbox:
    """A project folder, an input folder and the temporary folder, all under ``root``.

    ``tempfile`` writes into ``root/box/tmp``, so a zip member ``../../secret.csv`` points at
    ``root/box/secret.csv``, a file outside the upload that holds :data:`fuzz_corpus.SECRET`.
    """

    root: Path
    template: bytes

    @property
    def project(self) -> Path:
        return self.root / "project" / "p.gpkg"

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    @property
    def tmp(self) -> Path:
        return self.root / "box" / "tmp"

    @property
    def secret(self) -> Path:
        """A file outside the upload: ``../../secret.csv`` seen from a temporary folder."""
        return self.root / "box" / SECRET_NAME

    def reset(self) -> None:
        for folder in (self.project.parent, self.inputs, self.tmp):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        self.project.write_bytes(self.template)

    def outside_files(self) -> dict[str, int]:
        """Files outside the project folder (name -> size), inputs excluded."""
        out = {}
        for p in self.root.rglob("*"):
            if (
                p.is_file()
                and self.project.parent not in p.parents
                and self.inputs not in p.parents
            ):
                out[str(p.relative_to(self.root))] = p.stat().st_size
        return out


def make_sandbox(root: Path) -> Sandbox:
    """A sandbox whose template project is an empty project (settings only)."""
    from geo_app.project import Project

    root.mkdir(parents=True, exist_ok=True)
    path = root / "template.gpkg"
    Project.create(path, overwrite=True)
    template = path.read_bytes()
    path.unlink()
    box = Sandbox(root, template)
    box.reset()
    box.secret.write_bytes(_secret_csv())
    return box


def _secret_csv() -> bytes:
    from fuzz_corpus import camera_rows, csv_text

    return csv_text(camera_rows(3, seed=99, prefix=SECRET)).encode()


def bilingual(text: str) -> bool:
    """A message with Chinese and with English words."""
    return bool(CJK.search(text)) and bool(re.search(r"[A-Za-z]{3,}", text))


@contextlib.contextmanager
def _temp_in(folder: Path):
    old = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = old


def _page(case: Case, box: Sandbox) -> PathResult:
    from geo_app import workflows
    from geo_app.project import Project
    from layers.io import LayerFileError
    from layers.source_crs import MappingError

    try:
        source = workflows.read_upload(case.files, case.layer)
        outcome = workflows.import_file(
            Project.open(box.project), case.layer, source, file_name=case.main_file
        )
    except (LayerFileError, MappingError) as exc:
        return PathResult("page", "error", str(exc))
    except Exception:
        return PathResult("page", "traceback", traceback.format_exc())
    if not outcome.written:
        report = outcome.result.report  # the page shows it in the chosen language
        return PathResult("page", "error", f"{report.summary('zh')} / {report.summary('en')}")
    return PathResult("page", "ok")


def _cli(argv: list[str], label: str) -> PathResult:
    from geo_app.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException:  # SystemExit included: argparse errors are not expected here
        return PathResult(label, "traceback", traceback.format_exc())
    text = err.getvalue() + out.getvalue()
    if "Traceback" in text:
        return PathResult(label, "traceback", text)
    if code == 0:
        return PathResult(label, "ok", text)
    if code == 2:
        return PathResult(label, "error", err.getvalue().strip())
    return PathResult(label, "traceback", f"exit code {code}: {text}")


def _write_inputs(case: Case, box: Sandbox) -> Path:
    for name, data in case.files.items():
        (box.inputs / Path(name).name).write_bytes(data)
    return box.inputs / Path(case.main_file).name


def _project_problems(result: PathResult, box: Sandbox, before: bytes, outside: dict) -> None:
    data = box.project.read_bytes() if box.project.exists() else b""
    if result.kind != "ok" and data != before:
        result.problems.append("project changed although nothing was imported")
    if result.kind == "ok":
        from geo_app.project import Project

        try:
            project = Project.open(box.project)
            for name in project.layers():
                project.layer(name)
        except Exception as exc:
            result.problems.append(f"project unreadable after the import: {exc}")
    for leak in LEAKS:
        if leak in data:
            result.problems.append(f"project holds {leak!r} from outside the upload")
    if result.kind == "error" and not bilingual(result.message):
        result.problems.append(f"message not in Chinese and English: {result.message[:200]!r}")
    now = box.outside_files()
    if now != outside:
        added = sorted(set(now) - set(outside))
        result.problems.append(f"files written outside the project folder: {added[:5]}")


def _osm(case: Case, box: Sandbox) -> list[PathResult]:
    from layers.osm import OsmImportError, read_osm_layers

    src = _write_inputs(case, box)
    results = []
    try:
        read_osm_layers(src, network=False)
        results.append(PathResult("read_osm_layers", "ok"))
    except OsmImportError as exc:
        results.append(PathResult("read_osm_layers", "error", str(exc)))
    except Exception:
        results.append(PathResult("read_osm_layers", "traceback", traceback.format_exc()))
    out = box.project.parent / "osm.gpkg"
    outside = box.outside_files()
    cli = _cli(["import-osm", str(src), "--out", str(out)], "geo-app import-osm")
    if cli.kind == "error" and out.exists():
        cli.problems.append("a project file was left although the import failed")
    if cli.kind == "ok":
        from geo_app.project import Project

        try:
            Project.open(out).layers()
        except Exception as exc:
            cli.problems.append(f"project unreadable: {exc}")
        if any(leak in out.read_bytes() for leak in LEAKS):
            cli.problems.append("project holds bytes from outside the file")
    if cli.kind == "error" and not bilingual(cli.message):
        cli.problems.append(f"message not in Chinese and English: {cli.message[:200]!r}")
    if box.outside_files() != outside:
        cli.problems.append("files written outside the project folder")
    results.append(cli)
    return results


def run_case(case: Case, box: Sandbox) -> list[PathResult]:
    """Every importer path on ``case``, each from a fresh project; problems noted per path."""
    results = []
    with _temp_in(box.tmp):
        box.reset()
        if case.fmt == "osm":
            return _osm(case, box)
        before = box.project.read_bytes()
        outside = box.outside_files()
        page = _page(case, box)
        _project_problems(page, box, before, outside)
        results.append(page)

        box.reset()
        src = _write_inputs(case, box)
        outside = box.outside_files()
        cli = _cli(["import", str(box.project), case.layer, str(src)], "geo-app import")
        _project_problems(cli, box, before, outside)
        results.append(cli)
    return results


def judge(case: Case, results: list[PathResult]) -> list[str]:
    """Failures of ``case``: tracebacks, problems and outcomes that break the expectation."""
    failures = []
    for r in results:
        where = f"{case.fmt}/{case.name} via {r.path}"
        if r.kind == "traceback":
            failures.append(f"{where}: traceback\n{r.message}")
        failures.extend(f"{where}: {p}" for p in r.problems)
        if case.expect in ("ok", "error") and r.kind != case.expect and r.kind != "traceback":
            failures.append(f"{where}: expected {case.expect}, got {r.kind}: {r.message[:300]}")
    return failures


def main(verbose: bool = False) -> int:
    kinds: dict[str, Counter] = {fmt: Counter() for fmt in FORMATS}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="geoapp-fuzz-") as tmp:
        box = make_sandbox(Path(tmp))
        cases = corpus(secret_path=str(box.secret))
        for case in cases:
            start = time.perf_counter()
            results = run_case(case, box)
            seconds = time.perf_counter() - start
            if verbose:
                kinds_text = " ".join(r.kind for r in results)
                print(f"{case.fmt}/{case.name}: {kinds_text} ({seconds:.1f} s)", file=sys.stderr)
            kinds[case.fmt]["cases"] += 1
            for r in results:
                kinds[case.fmt][r.kind] += 1
            failures.extend(judge(case, results))
    print(f"{'format':10s} {'cases':>5s} {'ok':>5s} {'error':>5s} {'traceback':>9s}  (per path)")
    total: Counter = Counter()
    for fmt in FORMATS:
        c = kinds[fmt]
        total.update(c)
        print(f"{fmt:10s} {c['cases']:5d} {c['ok']:5d} {c['error']:5d} {c['traceback']:9d}")
    print(
        f"{'total':10s} {total['cases']:5d} {total['ok']:5d} {total['error']:5d} "
        f"{total['traceback']:9d}"
    )
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main(verbose="-v" in sys.argv))
