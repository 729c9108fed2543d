"""Shared pytest fixtures: the demo project (built once per session) and the shared data dir."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from platform_accounts import DAOLI, PASSWORDS, push_demo

# A page's unexpected error shows a message to planners; in the tests it keeps its traceback
# (AppTest's ``at.exception``, the browser page) so that a bug fails the test.
os.environ.setdefault("GEO_APP_SHOW_TRACEBACKS", "1")
# Maps kept between server starts (geo_app.app.map_store) go to a folder of this run only.
if "GEO_APP_CACHE_DIR" not in os.environ:
    os.environ["GEO_APP_CACHE_DIR"] = tempfile.mkdtemp(prefix="geo-app-test-cache-")
    atexit.register(shutil.rmtree, os.environ["GEO_APP_CACHE_DIR"], ignore_errors=True)

SHARED = Path(__file__).resolve().parents[2] / "shared"
"""``../shared`` beside the repository: real data (OSM extract, benchmarks), read-only."""

DEMO_SEED = 0


@pytest.fixture(scope="session")
def demo_layers():
    """The demo layers of ``build_demo_layers(seed=0)`` (dict of GeoDataFrames, EPSG:4326).

    Shared by the whole session: tests must not modify the frames (copy them first).
    """
    from layers.demo import build_demo_layers

    return build_demo_layers(DEMO_SEED)


@pytest.fixture(scope="session")
def demo_project_path(tmp_path_factory) -> Path:
    """Path of a demo GeoPackage project (seed 0) written once per session.

    Read-only by convention: tests that write to a project should copy the file first.
    """
    from geo_app.workflows.demo import create_demo_project

    path = tmp_path_factory.mktemp("demo") / "harbin_demo.gpkg"
    create_demo_project(path, seed=DEMO_SEED)
    return path


@pytest.fixture(scope="session")
def template_marker(tmp_path_factory) -> Path:
    """The folder the marker payload of :data:`injection.TEMPLATE_PAYLOADS` would create."""
    return tmp_path_factory.mktemp("marker") / "TEMPLATE_RAN"


@pytest.fixture(scope="session")
def template_env(template_marker) -> dict[str, str]:
    """Environment of a CLI run where the marker payload would create ``template_marker``."""
    from injection import MARKER_ENV

    return {MARKER_ENV: str(template_marker)}


@pytest.fixture(scope="session")
def template_project(demo_project_path, tmp_path_factory, template_env) -> Path:
    """A demo copy whose names hold the template payloads, imported by ``geo-app import``."""
    from injection import LITERAL, import_template_payloads

    path = import_template_payloads(
        demo_project_path, tmp_path_factory.mktemp("template_injection"), template_env
    )
    from geo_app.project import Project

    assert Project.open(path).layer("communities")["name"].str.startswith(LITERAL).any()
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``shared`` data directory beside the repository; skips when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"共享数据目录不存在 / shared data directory not found: {SHARED}")
    return SHARED


# -- a throw-away PostgreSQL + PostGIS cluster for the shared-platform tests --------------------


@pytest.fixture(scope="session")
def pg_cluster(demo_project_path: Path):
    """A local cluster started for the test session (as the postgres user when run as root),
    prepared for the platform, with the three test accounts; stopped and removed at the end."""
    import os
    import shutil
    import tempfile

    from geo_app.project import Project
    from geo_app.project.postgis.cluster import ClusterError, postgres_bin, start_local_cluster
    from geo_app.project.postgis.platform import add_account, init_platform

    try:
        installed = (postgres_bin() / "initdb").exists()
    except ClusterError:
        installed = False
    if not installed:
        pytest.skip("PostgreSQL/PostGIS not installed (make test installs them from Debian)")
    folder = Path(tempfile.mkdtemp(prefix="geoapp-pg-"))
    folder.chmod(0o755)  # the cluster's files belong to the postgres user when run as root
    cluster = start_local_cluster(folder / "cluster")
    old = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = cluster.admin_password
    try:
        init_platform(cluster.url())
        # accounts name units of a project of the database: push one first
        push_demo(cluster, demo_project_path, "platform")
        communities = Project.open(demo_project_path).layer("communities")
        street = str(communities.loc[communities["district_code"] == DAOLI, "street_code"].iloc[0])
        in_street = communities["street_code"] == street
        community = str(communities.loc[in_street, "community_id"].iloc[0])
        for name, level, unit in (
            ("daoli", "district", DAOLI),
            ("street1", "street", street),
            ("comm1", "community", community),
        ):
            add_account(cluster.url(), name, level, unit, PASSWORDS[name])
        yield cluster
    finally:
        cluster.stop()
        if old is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = old
        shutil.rmtree(folder, ignore_errors=True)
