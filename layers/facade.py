"""Lazy facades of the three packages: ``import geo_app`` stays cheap, names load on first use.

A package lists its public names with the module each lives in; :func:`lazy_attributes` gives
the package's ``__getattr__`` and ``__dir__`` (PEP 562), so ``geo_app.open_project`` imports
``geo_app.project`` only when it is first used, and ``from geo_app import open_project`` works.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    namespace: dict[str, Any], names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` of a package exposing ``names`` (name -> module).

    Parameters
    ----------
    namespace : dict
        The package's ``globals()``: a name, once loaded, is kept there.
    names : mapping of str to str
        Each public name and the dotted module that defines it.

    Returns
    -------
    (callable, callable)
        The package's ``__getattr__(name)`` and ``__dir__()``; a name that is not listed
        but is a submodule of the package gives the submodule.
    """
    package = namespace["__name__"]

    def getattr_(name: str) -> Any:
        module = names.get(name)
        if module is None:  # a submodule, as after an eager ``import package.name``
            try:
                value = importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        else:
            value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *names})

    return getattr_, dir_
