"""Browser tests: the app served by Streamlit and driven in Debian's headless Chromium.

Every test here is marked ``browser`` (``pytest -m "not browser"`` leaves them out) and skips,
saying why, where /usr/bin/chromium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_browser import BROWSER_MARKS

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            for mark in BROWSER_MARKS:
                item.add_marker(mark)
