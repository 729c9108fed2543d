"""Tests of the Streamlit app through ``streamlit.testing.v1.AppTest`` (no browser).

Streamlit needs pyarrow, so the library run without it (``make test-nopyarrow``) leaves this
folder out. Every test runs with Streamlit's usage statistics off (the app works offline).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _offline_streamlit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
