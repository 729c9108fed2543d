"""The demo's compliance before and after a change of the rules, compared by community id.

Dump the machine-readable compliance of a fresh demo with the code on ``PYTHONPATH``, once per
version, then compare the two dumps::

    PYTHONPATH=/path/to/old python scripts/compliance_compare.py dump /tmp/cc-before
    PYTHONPATH=$PWD python scripts/compliance_compare.py dump /tmp/cc-after
    python scripts/compliance_compare.py compare /tmp/cc-before /tmp/cc-after

``dump`` writes ``communities.csv``, ``issues.csv``, ``heating.csv`` and every other table of
the result (codes and field names, as the analyses return them); it only uses public names
that exist in both versions. ``compare`` prints, per column of the per-community table, how
many communities changed from which value to which, with up to three examples each, and the
issue counts per level and rule before and after.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

COMPARED: tuple[str, ...] = (
    "status",
    "compliant",
    "rule_id",
    "required_m2",
    "provided_m2",
    "shortfall_m2",
    "funding",
    "missing_rooms",
    "one_station_ok",
    "two_failed_terms",
)
"""Columns of the per-community table whose changes are counted."""


def dump(folder: str) -> None:
    """Build the demo in ``folder`` and write its compliance tables as CSV."""
    from geo_app.workflows import project_budgets, project_compliance
    from geo_app.workflows.demo import create_demo_project

    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    project = create_demo_project(root / "demo.gpkg", overwrite=True)
    result = project_compliance(project)
    for name, table in result.sheets().items():
        table.to_csv(root / f"{name}.csv", index=False)
    _, heating = project_budgets(project)
    if heating is not None:
        heating.by_district.to_csv(root / "heating.csv", index=False)
    print(f"{len(result.communities)} communities, {len(result.issues())} issues -> {root}")


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame()
    return pd.read_csv(path, dtype={"community_id": str}, keep_default_na=True)


def _same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    try:
        return abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return str(a) == str(b)


def _changes(before: pd.DataFrame, after: pd.DataFrame, column: str) -> list[str]:
    joined = before[["community_id", column]].merge(
        after[["community_id", column]], on="community_id", suffixes=("_b", "_a")
    )
    changed = joined[
        [not _same(b, a) for b, a in zip(joined[f"{column}_b"], joined[f"{column}_a"], strict=True)]
    ]
    if changed.empty:
        return []
    numeric = column.endswith("_m2")
    lines = [f"{column}: {len(changed)} communities changed"]
    if numeric:
        delta = pd.to_numeric(changed[f"{column}_a"]) - pd.to_numeric(changed[f"{column}_b"])
        lines.append(f"  total change {delta.sum():+,.1f} m2")
        for r in changed.head(3).itertuples(index=False):
            lines.append(f"  e.g. {r[0]}: {r[1]} -> {r[2]}")
        return lines
    keys = [
        f"{'' if pd.isna(b) else b} -> {'' if pd.isna(a) else a}"
        for b, a in zip(changed[f"{column}_b"], changed[f"{column}_a"], strict=True)
    ]
    changed = changed.assign(_key=keys)
    for key, group in changed.groupby("_key", sort=True):
        examples = ", ".join(group["community_id"].head(3))
        lines.append(f"  {key}: {len(group)} (e.g. {examples})")
    return lines


def _issue_counts(issues: pd.DataFrame) -> pd.Series:
    if issues.empty:
        return pd.Series(dtype=int)
    return issues.groupby(["level", "rule_id"], dropna=False).size()


def compare(before_dir: str, after_dir: str) -> None:
    """Print what changed between two dumps, by community id."""
    b, a = Path(before_dir), Path(after_dir)
    before, after = _read(b, "communities"), _read(a, "communities")
    print(f"communities: {len(before)} before, {len(after)} after")
    lost = sorted(set(before["community_id"]) - set(after["community_id"]))
    if lost:
        print(f"missing after: {', '.join(lost[:10])}")
    for column in COMPARED:
        if column in before.columns and column in after.columns:
            for line in _changes(before, after, column) or [f"{column}: unchanged"]:
                print(line)
    new_columns = [c for c in after.columns if c not in before.columns]
    print(f"new columns: {', '.join(new_columns) or '-'}")
    for column in new_columns:
        values = after[column].astype(object).where(after[column].notna(), "<NA>")
        counts = values.value_counts()
        if len(counts) <= 8:
            shown = ", ".join(f"{k}: {v}" for k, v in counts.items())
            print(f"  {column}: {shown}")
    counts = pd.concat(
        {"before": _issue_counts(_read(b, "issues")), "after": _issue_counts(_read(a, "issues"))},
        axis=1,
    ).fillna(0)
    print("issues per level and rule:")
    print(counts.astype(int).to_string())
    heat_b, heat_a = _read(b, "heating"), _read(a, "heating")
    if not heat_b.empty and not heat_a.empty:
        print(
            f"heated area: {heat_b['heated_m2'].sum():,.1f} -> {heat_a['heated_m2'].sum():,.1f} m2; "
            f"cost {heat_b['cost_yuan'].sum():,.0f} -> {heat_a['cost_yuan'].sum():,.0f} yuan"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
