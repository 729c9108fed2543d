"""The house as the code draws it (issue 27): imports run one way, no circles, Streamlit only in
``geo_app/app``, folium only in ``geo_app/maps`` and ``geo_app/reports``, no flat map modules.

Read from the source with :mod:`ast` (every import, function-level ones too), so a wrong import
fails here as it fails ``ruff check`` (TID251, the nested ``ruff.toml`` of each tier).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("layers", "analysis", "geo_app")
TIERS = (
    ("layers", 0),
    ("analysis", 1),
    ("geo_app.i18n", 2),
    ("geo_app.project", 3),
    ("geo_app.workflows", 4),
    ("geo_app.present", 5),
    ("geo_app.maps", 6),
    ("geo_app.reports", 7),
    ("geo_app.cli", 8),
    ("geo_app.app", 8),
)
"""Each package's tier: a module may import its own tier's package and the tiers below."""


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _imports(path: Path) -> list[str]:
    """Every module name an import of ``path`` names (``from a import b``: ``a`` and ``a.b``)."""
    names = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return names


def _tier(module: str) -> tuple[str, int] | None:
    best = None
    for prefix, tier in TIERS:
        if (module == prefix or module.startswith(prefix + ".")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, tier)
    return best


def _resolve(name: str) -> str | None:
    """The module of the house an imported name is (or lies in)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_every_module_has_a_tier():
    assert [m for m in MODULES if m != "geo_app" and _tier(m) is None] == []


def test_imports_never_run_against_the_direction():
    wrong = []
    for module, path in MODULES.items():
        here = _tier(module)
        if here is None:
            continue
        for name in _imports(path):
            other = _tier(name)
            if other is None:
                continue
            up = other[1] > here[1] or (other[1] == here[1] and other[0] != here[0])
            if up:
                wrong.append(f"{module} -> {name}")
    assert sorted(set(wrong)) == []


def test_streamlit_only_in_the_app_and_folium_only_in_maps_and_reports():
    misplaced = []
    for module, path in MODULES.items():
        tops = {name.split(".")[0] for name in _imports(path)}
        if tops & {"streamlit", "streamlit_folium"} and not module.startswith("geo_app.app"):
            misplaced.append(f"streamlit in {module}")
        if tops & {"folium", "branca"} and not module.startswith(
            ("geo_app.maps", "geo_app.reports")
        ):
            misplaced.append(f"folium in {module}")
    assert misplaced == []


def test_no_import_circles():
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        graph.add_node(module)
        for name in _imports(path):
            target = _resolve(name)
            if target and target != module and not module.startswith(target + "."):
                graph.add_edge(module, target)  # a package's own __init__ is not a circle
    circles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert circles == []


def test_no_flat_map_modules_left():
    flat = sorted(p.name for p in (ROOT / "geo_app").glob("*.py") if p.name.startswith("map"))
    assert flat == []
    assert (ROOT / "geo_app" / "maps" / "__init__.py").exists()


def test_ruff_bans_a_wrong_import(tmp_path):
    """TID251 per tier: a streamlit import in the maps package fails ``ruff check``."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python (the test extras install it)")
    probe = ROOT / "geo_app" / "maps" / "_probe_wrong_import.py"
    probe.write_text("import streamlit\nfrom geo_app.app import frame\n", encoding="utf-8")
    try:
        done = subprocess.run(
            [str(ruff), "check", "--no-cache", "--select", "TID251", str(probe)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    finally:
        probe.unlink()
    assert done.returncode == 1
    assert done.stdout.count("TID251") == 2


def test_package_inits_say_what_they_hold():
    """Each package ``__init__`` has a docstring and ``__all__``."""
    lacking = []
    for module, path in MODULES.items():
        if path.name != "__init__.py" or "/static/" in str(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if
                 isinstance(t, ast.Name)} | {n.target.id for n in tree.body if
                 isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}  # fmt: skip
        if not ast.get_docstring(tree) or "__all__" not in names:
            lacking.append(module)
    assert lacking == []


def test_no_lazy_name_is_also_a_submodule():
    """Importing a submodule sets the package attribute of its name to the module: a lazy
    name equal to a submodule's would then give the module instead of the function."""
    import importlib
    import pkgutil

    clashes = []
    for package_name in ("layers", "analysis", "geo_app", "geo_app.workflows"):
        package = importlib.import_module(package_name)
        names = getattr(package, "_NAMES", {})
        subs = {info.name for info in pkgutil.iter_modules(package.__path__)}
        clashes += [f"{package_name}.{n}" for n in names if n in subs]
    assert clashes == []


def test_no_test_folder_shadows_a_package():
    """``tests/`` is on ``sys.path`` (pytest's ``pythonpath``), so a folder ``tests/geo_app``
    would be imported as the namespace package ``geo_app``, ahead of an editable install."""
    folders = {path.name for path in (ROOT / "tests").iterdir() if path.is_dir()}
    assert folders.isdisjoint(PACKAGES)
    import analysis
    import geo_app
    import layers

    for package in (layers, analysis, geo_app):
        assert package.__file__ == str(ROOT / package.__name__ / "__init__.py")
