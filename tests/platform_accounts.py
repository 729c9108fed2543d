"""The accounts and districts of the shared-platform tests, and the push of the demo.

A module of its own (not ``conftest``): test files import these names, and with a conftest in
every test folder ``from conftest import ...`` would find whichever conftest was loaded last.
"""

from __future__ import annotations

from pathlib import Path

DAOLI, NANGANG = "230102", "230103"
"""道里区 and 南岗区: the district of the district account, and a district it must not touch."""
PASSWORDS = {"daoli": "daoli-pass-1", "street1": "street-pass-1", "comm1": "comm-pass-1"}
"""Accounts of the tests: a 道里区 district, one of its streets and one of its communities."""


def push_demo(cluster, demo_project_path: Path, project: str) -> str:
    """Push the demo project to ``cluster`` as ``project``; its admin URL."""
    from geo_app.cli import main

    url = cluster.url(project=project)
    assert main(["db", "push", str(demo_project_path), url, "--overwrite"]) == 0
    return url
