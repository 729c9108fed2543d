"""No script injection in the PDF and Word reports: payloads in the layers' text fields
(``tests/injection.py``) are printed as text; neither file gains a script, a JavaScript action
or a ``javascript:`` link. (The HTML report is checked in the browser:
``tests/test_browser_injection.py``.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from injection import KEEP, PAYLOADS, inject

from geo_app.project import Project
from geo_app.reports import build_report_context, render_report


@pytest.fixture(scope="module")
def context(demo_project_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("injection") / "evil.gpkg"
    inject(demo_project_path, path)
    return build_report_context(Project.open(path), KEEP)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils 未安装 / not installed")
def test_pdf_prints_payloads_as_text(context, tmp_path):
    path = render_report(context, "pdf", tmp_path / "r.pdf")
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", PAYLOADS[0]) in flat and re.sub(r"\s+", "", PAYLOADS[1]) in flat
    data = path.read_bytes()
    assert b"/JavaScript" not in data and b"/JS " not in data and b"/JS(" not in data
    assert not re.search(rb"/URI\s*\(\s*javascript:", data, re.IGNORECASE)


def test_word_report_prints_payloads_as_text(context, tmp_path):
    import docx

    path = render_report(context, "docx", tmp_path / "r.docx")
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    joined = "\n".join(texts)
    assert PAYLOADS[0] in joined and PAYLOADS[1] in joined
    with zipfile.ZipFile(path) as zf:
        rels = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".rels"))
        names = zf.namelist()
    assert "javascript:" not in rels.lower()
    assert not [n for n in names if n.endswith((".bin", ".js")) or "vbaProject" in n]
