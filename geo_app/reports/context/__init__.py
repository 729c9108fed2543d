"""Everything a district site-selection report shows, as plain data (:class:`ReportContext`).

:func:`build_report_context` joins a project with the analyses for one district, one module
per section of the report:

- :mod:`.summary`: headline numbers, summary sentences, the district's metrics;
- :mod:`.compliance`: compliance of its communities (Art. 8, 11, 12);
- :mod:`.coverage`: walking coverage by community stations at the life-circle distances;
- :mod:`.sites`: the chosen sites of a saved site-selection scenario (or of a run made now)
  with the communities each serves, how each site is obtained (Art. 10, 13) and its area
  against what it must provide;
- :mod:`.costs`: the heating cost of the new sites split between city and district (Art. 32);
- :mod:`.gaps`: the departments responsible for each kind of gap (Art. 31);
- :mod:`.appendix`: the rules cited;
- :mod:`.map_layers`: the layers of the maps.

:mod:`.model` holds the data classes, :mod:`.lookup` finds the district and saved scenarios,
:mod:`.build` puts the sections together.
"""

from geo_app.reports.context._format import fmt_number, fmt_share
from geo_app.reports.context.build import Progress, build_report_context
from geo_app.reports.context.lookup import (
    load_scenario,
    resolve_district,
    scenarios_for_district,
    site_scenarios,
)
from geo_app.reports.context.model import KeyNumber, ReportContext, ReportInputs, ReportTable

__all__ = [
    "KeyNumber",
    "Progress",
    "ReportContext",
    "ReportInputs",
    "ReportTable",
    "build_report_context",
    "fmt_number",
    "fmt_share",
    "load_scenario",
    "resolve_district",
    "scenarios_for_district",
    "site_scenarios",
]
