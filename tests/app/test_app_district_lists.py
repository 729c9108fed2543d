"""One district list on every page (issue 18): the explorer, site selection, surveillance,
reports, compliance and compare pages offer the same districts with the same short names."""

from __future__ import annotations

import pandas as pd

from geo_app.project.paths import ENV_PROJECT
from layers.districts import HARBIN_DISTRICTS


def test_district_lists_are_equal_across_pages(demo_project_path, monkeypatch):
    from geo_app.app import frame as ui
    from geo_app.app import state as state
    from geo_app.app.pages import (
        compare,
        compliance,
        explorer,
        reports,
        site_selection,
        surveillance,
    )

    monkeypatch.setenv(ENV_PROJECT, str(demo_project_path))
    info = state.load_info()
    lists = {
        "explorer": list(explorer._district_options().items()),
        "site_selection": _pairs(site_selection._district_options()),
        "surveillance": _pairs(surveillance._district_options(info)),
        "reports": _pairs(reports._district_options()),
        "compare": _pairs(compare.district_options(info.key)),
        "compliance": list(compliance.option_names(ui.district_options()).items()),
    }
    expected = list(HARBIN_DISTRICTS.items())
    for page, pairs in lists.items():
        assert pairs == expected, page
    table = ui.district_options()
    assert table.set_index("district_code").loc["230113", "short_name"] == "双城"
    assert table.set_index("district_code").loc["230184", "communities"] == 8


def _pairs(options: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(options["district_code"].astype(str), options["name"], strict=True))
