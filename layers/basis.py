"""The basis of a community's numbers: surveyed, estimated, assumed or missing.

Every community carries where its numbers come from, so that an analysis can tell a finding
from a gap in the data:

* ``households_basis``: ``surveyed`` (the office's count), ``estimated`` (computed, e.g. from
  the buildings of OpenStreetMap; ``households_method`` says how) or ``missing``;
* ``era_basis``: ``known`` or ``assumed`` (the era is a default, e.g. every OpenStreetMap area is
  taken as an old area until surveyed);
* ``community_source``: ``office`` (the office's own community data), ``osm_residential`` (an
  OpenStreetMap residential area, not a residents' committee) or ``osm_grouped`` (residential
  areas grouped into a committee's community, :mod:`layers.grouping`).

The fields are optional in the communities layer. A planner's own file without them has known
data except where a value is blank: an empty ``households`` reads ``missing``.
:func:`community_basis` gives the basis of every row.

Examples
--------
>>> import pandas as pd
>>> comm = pd.DataFrame({"community_id": ["A", "B"], "era": ["old", "new"],
...                      "households": [1200, None]})
>>> community_basis(comm)["households_basis"].tolist()
['surveyed', 'missing']
"""

from __future__ import annotations

import pandas as pd

from layers.field_values import is_blank

HOUSEHOLDS_BASIS: tuple[str, ...] = ("surveyed", "estimated", "missing")
"""Where a community's household count comes from."""

ERA_BASIS: tuple[str, ...] = ("known", "assumed")
"""Whether a community's era (old area / new development) is known or a default."""

COMMUNITY_SOURCES: tuple[str, ...] = ("office", "osm_residential", "osm_grouped")
"""What a row of the communities layer is: the office's community, an OSM residential area, or
OSM residential areas grouped into one committee's community."""

FACILITY_BASIS: tuple[str, ...] = ("present", "absent")
"""Whether the facilities layer holds the office's facility data for a community's district."""

BASIS_FIELDS: tuple[str, ...] = (
    "households_basis",
    "households_method",
    "era_basis",
    "community_source",
)
"""Optional fields of the communities layer that state the basis of its numbers."""

BASIS_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "households_basis": {
        "surveyed": ("调查数据", "surveyed"),
        "estimated": ("估算", "estimated"),
        "missing": ("缺失", "missing"),
    },
    "era_basis": {
        "known": ("已知", "known"),
        "assumed": ("假定", "assumed"),
    },
    "community_source": {
        "office": ("社区办数据", "office data"),
        "osm_residential": ("OSM 居住区(非居委会)", "OSM residential area (not a committee)"),
        "osm_grouped": ("OSM 居住区归并的社区", "OSM residential areas grouped"),
    },
    "facility_basis": {
        "present": ("有设施数据", "facility data present"),
        "absent": ("区县无设施数据", "no facility data for its district"),
    },
    "households_method": {
        "buildings": ("按住宅建筑面积估算", "from the residential buildings"),
    },
}
"""zh/en labels of the basis values, per field."""


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    if name in frame.columns:
        return frame[name].astype(object).tolist()
    return [None] * len(frame)


def community_basis(communities: pd.DataFrame) -> pd.DataFrame:
    """The basis of every community's numbers, in the row order of ``communities``.

    Parameters
    ----------
    communities : DataFrame
        The communities layer; the fields of :data:`BASIS_FIELDS` are optional.

    Returns
    -------
    DataFrame
        ``households_basis`` (a blank or missing count is ``missing`` whatever the field says;
        a count without a basis is ``surveyed``), ``households_method`` ("" unless estimated),
        ``era_basis`` (``known`` unless the field says ``assumed``) and ``community_source``
        (``office`` unless the field says otherwise), indexed like ``communities``.
    """
    counts = _column(communities, "households")
    given = _column(communities, "households_basis")
    households = []
    for count, basis in zip(counts, given, strict=True):
        if is_blank(count):
            households.append("missing")
        elif isinstance(basis, str) and basis.strip() in HOUSEHOLDS_BASIS:
            households.append(basis.strip())
        else:
            households.append("surveyed")
    methods = [
        "" if is_blank(m) or b != "estimated" else str(m).strip()
        for m, b in zip(_column(communities, "households_method"), households, strict=True)
    ]
    era = [
        "assumed" if isinstance(v, str) and v.strip() == "assumed" else "known"
        for v in _column(communities, "era_basis")
    ]
    source = [
        v.strip() if isinstance(v, str) and v.strip() in COMMUNITY_SOURCES else "office"
        for v in _column(communities, "community_source")
    ]
    return pd.DataFrame(
        {
            "households_basis": households,
            "households_method": methods,
            "era_basis": era,
            "community_source": source,
        },
        index=communities.index,
        dtype=object,
    )


def basis_label(field: str, value: object, lang: str = "zh") -> object:
    """The zh/en label of a basis value (the value itself when it has none)."""
    pair = BASIS_LABELS.get(field, {}).get(str(value))
    if pair is None:
        return value
    return pair[0 if lang == "zh" else 1]
