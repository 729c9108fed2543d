"""Standard sets: the rules of the measures as data, loaded from TOML and overridable per project.

A standard set is one TOML file in ``analysis/standard_sets/`` (``harbin-2011``,
``gb50180-2018``, ``complete-community-2022``). Each rule has an id, a ``check`` telling the
analyses what to do with it, the article or clause it comes from, zh/en text, parameters and a
provenance flag (``regulation``, ``national_standard``, ``national_guideline`` or
``assumption``). Logic never hard-codes a number of the measures: it asks the standard set.

Examples
--------
>>> std = load_standard("harbin-2011", {"art11_street_centre": {"min_area_m2": 1200}})
>>> std.param("art11_street_centre", "min_area_m2")
1200.0
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from layers.errors import PlannerError

STANDARDS_DIR = Path(__file__).resolve().parent / "standard_sets"
"""Directory of the standard-set TOML files (package data ``analysis/standard_sets/*.toml``)."""

DEFAULT_STANDARD = "harbin-2011"

PROVENANCES: tuple[str, ...] = (
    "regulation",
    "national_standard",
    "national_guideline",
    "assumption",
)

STRICTNESS: tuple[str, ...] = ("required", "target")
"""How binding a rule is: ``required`` (the measures prescribe it: 按照……标准进行建设, 不少于) or
``target`` (the measures ask to strive for it or list what is usually provided: 力争, 一般设,
推行). Set per rule by the parameter ``strictness`` (default ``required``)."""

STRICTNESS_LABELS: dict[str, tuple[str, str]] = {
    "required": ("强制", "required"),
    "target": ("目标", "target"),
}

PROVENANCE_LABELS: dict[str, tuple[str, str]] = {
    "regulation": ("办法原文", "text of the measures"),
    "national_standard": ("国家标准", "national standard"),
    "national_guideline": ("国家指南", "national guideline"),
    "assumption": ("假定", "assumption"),
}


class StandardError(PlannerError, ValueError):
    """A standard set or an override is invalid; the message says why in zh and en."""


@dataclass(frozen=True)
class Rule:
    """One rule of a standard set.

    Parameters
    ----------
    id : str
        Unique id within the set, e.g. ``art11_public_housing``.
    check : str
        What the analyses do with it (``public_housing_min``, ``station_rooms`` ...).
    article : str
        Article or clause cited in outputs (``Art. 11``, ``GB 50180-2018 3.0.4``).
    article_zh : str
        The same citation in Chinese (``第十一条第二款``).
    title_zh, title_en, text_zh, text_en : str
        Short title and the rule text.
    params : dict
        Parameters with their effective values (after project overrides).
    provenance : str
        Where the rule comes from, one of :data:`PROVENANCES`.
    assumptions : dict
        Parameters that are assumptions of this system, with a bilingual note.
    defaults : dict
        Parameter values as written in the standard set (before overrides).
    """

    id: str
    check: str
    article: str
    article_zh: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    params: dict[str, Any]
    provenance: str
    assumptions: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Any:
        """Value of parameter ``name`` (raises :class:`StandardError` if unknown)."""
        try:
            return self.params[name]
        except KeyError:
            raise StandardError(_unknown_param_message(self, name)) from None

    @property
    def strictness(self) -> str:
        """``required`` or ``target`` (:data:`STRICTNESS`); ``required`` when not given."""
        return str(self.params.get("strictness", "required"))

    def param_provenance(self, name: str) -> str:
        """Provenance of one parameter: ``assumption`` if noted so, else the rule's."""
        self.param(name)
        return "assumption" if name in self.assumptions else self.provenance

    @property
    def overridden(self) -> tuple[str, ...]:
        """Names of the parameters changed by project overrides."""
        return tuple(k for k, v in self.params.items() if v != self.defaults.get(k))

    def title(self, lang: str = "zh") -> str:
        """Title in ``lang``."""
        return self.title_zh if lang == "zh" else self.title_en

    def text(self, lang: str = "zh") -> str:
        """Rule text in ``lang``."""
        return self.text_zh if lang == "zh" else self.text_en


@dataclass(frozen=True)
class StandardSet:
    """A named set of rules (one TOML file) with project overrides applied."""

    name: str
    title_zh: str
    title_en: str
    issued: str
    source_zh: str
    source_en: str
    rules: dict[str, Rule]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        """The rule ``rule_id`` (raises :class:`StandardError` if unknown)."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise StandardError(_unknown_rule_message(self, rule_id)) from None

    def param(self, rule_id: str, name: str) -> Any:
        """Effective value of parameter ``name`` of rule ``rule_id``."""
        return self.rule(rule_id).param(name)

    def rules_for(self, check: str) -> list[Rule]:
        """All rules with the given ``check``, in file order."""
        return [r for r in self.rules.values() if r.check == check]

    def first(self, check: str) -> Rule | None:
        """The first rule with the given ``check``, or ``None`` if the set has none."""
        found = self.rules_for(check)
        return found[0] if found else None

    def title(self, lang: str = "zh") -> str:
        """Title in ``lang``."""
        return self.title_zh if lang == "zh" else self.title_en

    def to_frame(self, lang: str = "zh") -> pd.DataFrame:
        """One row per parameter: rule id, article, title, param, value, default, provenance."""
        rows = []
        for rule in self.rules.values():
            for name, value in rule.params.items():
                rows.append(
                    {
                        "rule_id": rule.id,
                        "article": rule.article,
                        "article_zh": rule.article_zh,
                        "title": rule.title(lang),
                        "param": name,
                        "value": _show(value),
                        "default": _show(rule.defaults.get(name)),
                        "overridden": name in rule.overridden,
                        "provenance": rule.param_provenance(name),
                        "note": rule.assumptions.get(name, ""),
                    }
                )
        return pd.DataFrame(rows)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _unknown_rule_message(standard: StandardSet, rule_id: str) -> str:
    known = ", ".join(standard.rules)
    return (
        f"标准 {standard.name} 中没有规则 {rule_id!r};可用规则:{known} / "
        f"standard {standard.name} has no rule {rule_id!r}; known rules: {known}"
    )


def _unknown_param_message(rule: Rule, name: str) -> str:
    known = ", ".join(rule.params)
    return (
        f"规则 {rule.id} 没有参数 {name!r};可用参数:{known} / "
        f"rule {rule.id} has no parameter {name!r}; known parameters: {known}"
    )


def available_standards() -> list[str]:
    """Names of the standard sets shipped with the package, sorted."""
    return sorted(p.stem for p in STANDARDS_DIR.glob("*.toml"))


def standard_path(name: str) -> Path:
    """Path of the TOML file of standard set ``name``."""
    path = STANDARDS_DIR / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(available_standards())
        raise StandardError(
            f"未知标准 {name!r};可用标准:{known} / unknown standard set {name!r}; known: {known}"
        )
    return path


_RULE_KEYS = ("id", "check", "article", "text_zh", "text_en", "provenance")


def _parse_rule(raw: Mapping[str, Any], source: str) -> Rule:
    missing = [k for k in _RULE_KEYS if not raw.get(k)]
    if missing:
        raise StandardError(
            f"{source} 中的规则 {raw.get('id', '?')} 缺少 {', '.join(missing)} / "
            f"rule {raw.get('id', '?')} in {source} lacks {', '.join(missing)}"
        )
    if raw["provenance"] not in PROVENANCES:
        raise StandardError(
            f"规则 {raw['id']} 的来源 {raw['provenance']!r} 无效 / rule {raw['id']} has an "
            f"invalid provenance {raw['provenance']!r}; allowed: {', '.join(PROVENANCES)}"
        )
    params = dict(raw.get("params", {}))
    assumptions = dict(raw.get("assumptions", {}))
    for name in assumptions:
        if name not in params:
            raise StandardError(
                f"规则 {raw['id']} 的假定说明指向不存在的参数 {name!r} / rule {raw['id']} "
                f"notes an assumption for the unknown parameter {name!r}"
            )
    _check_strictness(raw["id"], params.get("strictness", "required"))
    return Rule(
        id=raw["id"],
        check=raw["check"],
        article=raw["article"],
        article_zh=raw.get("article_zh", raw["article"]),
        title_zh=raw.get("title_zh", raw["id"]),
        title_en=raw.get("title_en", raw["id"]),
        text_zh=raw["text_zh"],
        text_en=raw["text_en"],
        params=params,
        provenance=raw["provenance"],
        assumptions=assumptions,
        defaults=copy.deepcopy(params),
    )


def _check_strictness(rule_id: str, value: Any) -> None:
    if value not in STRICTNESS:
        raise StandardError(
            f"规则 {rule_id} 的 strictness 应为 {'、'.join(STRICTNESS)} 之一,得到 {value!r} / "
            f"strictness of rule {rule_id} must be one of {', '.join(STRICTNESS)}, got {value!r}"
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bad_type(rule: Rule, path: str, value: Any, expected: tuple[str, str]) -> StandardError:
    return StandardError(
        f"规则 {rule.id} 的参数 {path} 应为{expected[0]},得到 {value!r} / "
        f"parameter {path} of rule {rule.id} must be {expected[1]}, got {value!r}"
    )


def _coerce_table(rule: Rule, name: str, default: dict, value: Any, path: str) -> dict:
    """A table override: every key must exist in the default; values are checked one by one."""
    if not isinstance(value, Mapping):
        raise _bad_type(rule, path, value, ("键值表", "a table of values"))
    merged = dict(default)
    for key, sub in value.items():
        key = str(key)
        if key not in default:
            known = ", ".join(default)
            raise StandardError(
                f"规则 {rule.id} 的参数 {name} 没有键 {key!r};可用键:{known} / "
                f"parameter {name} of rule {rule.id} has no key {key!r}; known keys: {known}"
            )
        merged[key] = _coerce(rule, name, default[key], sub, f"{name}.{key}")
    return merged


def _coerce_number(rule: Rule, default: float, value: Any, path: str) -> float:
    """A number override: not negative; a float where the default is a float."""
    if not _is_number(value):
        raise _bad_type(rule, path, value, ("数值", "a number"))
    if value < 0:
        raise StandardError(
            f"规则 {rule.id} 的参数 {path} 不能为负:{value} / "
            f"parameter {path} of rule {rule.id} cannot be negative: {value}"
        )
    return float(value) if isinstance(default, float) else value


def _coerce(rule: Rule, name: str, default: Any, value: Any, path: str) -> Any:
    """Check an override value against the type of the default and return the new value."""
    if isinstance(default, dict):
        return _coerce_table(rule, name, default, value, path)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _bad_type(rule, path, value, ("真/假", "true or false"))
        return value
    if _is_number(default):
        return _coerce_number(rule, default, value, path)
    if isinstance(default, list):
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise _bad_type(rule, path, value, ("列表", "a list"))
        return list(value)
    if isinstance(default, str) and not isinstance(value, str):
        raise _bad_type(rule, path, value, ("文本", "a text"))
    return value


def apply_overrides(
    standard: StandardSet, overrides: Mapping[str, Mapping[str, Any]] | None
) -> StandardSet:
    """Return a copy of ``standard`` with ``{rule_id: {param: value}}`` overrides applied.

    Raises
    ------
    StandardError
        For an unknown rule, an unknown parameter, or a value of the wrong type.
    """
    if not overrides:
        return standard
    if not isinstance(overrides, Mapping):
        raise StandardError(
            "标准参数覆盖应为 {规则: {参数: 值}} / overrides must be {rule_id: {param: value}}"
        )
    rules = dict(standard.rules)
    for rule_id, changes in overrides.items():
        rule = standard.rule(rule_id)
        if not isinstance(changes, Mapping):
            raise StandardError(
                f"规则 {rule_id} 的覆盖应为 {{参数: 值}} / overrides of rule {rule_id} must be "
                "{param: value}"
            )
        params = copy.deepcopy(rules[rule_id].params)
        for name, value in changes.items():
            if name not in rule.params:
                raise StandardError(_unknown_param_message(rule, name))
            params[name] = _coerce(rule, name, rule.params[name], value, name)
        _check_strictness(rule_id, params.get("strictness", "required"))
        rules[rule_id] = replace(rules[rule_id], params=params)
    merged = copy.deepcopy(dict(standard.overrides))
    for rule_id, changes in overrides.items():
        merged.setdefault(rule_id, {}).update(copy.deepcopy(dict(changes)))
    return replace(standard, rules=rules, overrides=merged)


def load_standard(
    name: str = DEFAULT_STANDARD,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> StandardSet:
    """Load standard set ``name`` and apply project ``overrides``.

    Parameters
    ----------
    name : str
        One of :func:`available_standards`, or a path to a TOML file.
    overrides : dict, optional
        ``{rule_id: {param: value}}``; a table-valued parameter may be overridden key by key,
        e.g. ``{"art11_public_housing": {"min_area_m2": {"core": 320}}}``.

    Returns
    -------
    StandardSet
    """
    path = Path(name) if str(name).endswith(".toml") else standard_path(name)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise StandardError(f"标准文件不存在:{path} / standard file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise StandardError(
            f"标准文件 {path} 格式错误:{exc} / standard file {path} is not valid TOML: {exc}"
        ) from exc
    rules: dict[str, Rule] = {}
    for item in raw.get("rules", []):
        rule = _parse_rule(item, path.name)
        if rule.id in rules:
            raise StandardError(
                f"{path.name} 中规则编号 {rule.id} 重复 / duplicate rule id {rule.id} in {path.name}"
            )
        rules[rule.id] = rule
    standard = StandardSet(
        name=raw.get("name", path.stem),
        title_zh=raw.get("title_zh", path.stem),
        title_en=raw.get("title_en", path.stem),
        issued=str(raw.get("issued", "")),
        source_zh=raw.get("source_zh", ""),
        source_en=raw.get("source_en", ""),
        rules=rules,
    )
    return apply_overrides(standard, overrides)
