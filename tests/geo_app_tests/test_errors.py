"""One family of planner errors; the command line shows those as messages and bugs as bugs."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil

import pandas as pd
import pytest

import analysis
import geo_app
import layers
from geo_app import cli
from layers.errors import InputProblemsError, PlannerError


def _error_classes() -> list[type[BaseException]]:
    """Every exception class defined in layers/, analysis/ and geo_app/ (not the app pages)."""
    found = []
    for package in (layers, analysis, geo_app):
        prefix = package.__name__ + "."
        for info in pkgutil.walk_packages(package.__path__, prefix):
            if info.name.startswith("geo_app.app"):
                continue  # Streamlit scripts run on import
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                ours = issubclass(obj, BaseException) and obj.__module__ == info.name
                if ours and not obj.__name__.startswith("_"):  # _private: caught where raised
                    found.append(obj)
    return found


def test_every_error_of_the_project_is_a_planner_error():
    classes = _error_classes()
    assert len(classes) >= 15
    outside = [c.__qualname__ for c in classes if not issubclass(c, PlannerError)]
    assert outside == []


def test_input_problems_carry_their_table():
    table = pd.DataFrame({"row": [3], "message_zh": ["面积为负"], "message_en": ["negative"]})
    error = InputProblemsError(table, "输入数据有 1 处问题 / 1 problem")
    assert isinstance(error, ValueError)
    assert error.problems.loc[0, "row"] == 3
    assert "1 处问题" in str(error)


def _main_raising(monkeypatch, error: BaseException) -> int:
    """Run ``geo-app`` with a parser whose command raises ``error``."""

    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog="geo-app")

        def run(_args: argparse.Namespace) -> int:
            raise error

        parser.set_defaults(func=run)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    return cli.main([])


def test_cli_prints_a_planner_error_as_a_message(monkeypatch, capsys):
    code = _main_raising(monkeypatch, cli.CommandError("区县不存在 / no such district"))
    assert code == 2
    err = capsys.readouterr().err
    assert "区县不存在" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("bug", [KeyError("community_id"), ValueError("bad shape"), TypeError()])
def test_cli_lets_a_bug_show_as_a_bug(monkeypatch, bug):
    with pytest.raises(type(bug)):
        _main_raising(monkeypatch, bug)
