"""Pure computation on layers: the rules of the measures, distances, coverage, siting, cameras.

No Streamlit, no folium, no project store: functions of GeoDataFrames and arrays that return
result objects (loaded on first use)::

    import analysis
    standard = analysis.load_standard("harbin-2011")
    result = analysis.check_compliance(communities, facilities, districts, standard=standard)
    result.summary_text("zh")

Packages and modules by topic: ``standards``, ``compliance`` (by article), ``budgets``
(Art. 32/33), ``distances``, ``coverage``, ``cost_matrix``, ``siting`` (set cover, max cover,
p-median on HiGHS), ``hubs`` (Art. 13), ``gaps``, ``surveillance`` (Art. 20), ``compare``.
"""

from layers.facade import lazy_attributes

_NAMES = {
    "analyse_surveillance": "analysis.surveillance",
    "check_compliance": "analysis.compliance",
    "coverage_analysis": "analysis.coverage",
    "district_metrics": "analysis.compare",
    "gap_analysis": "analysis.gaps",
    "heating_costs": "analysis.budgets",
    "isochrones": "analysis.coverage",
    "load_standard": "analysis.standards",
    "max_cover": "analysis.siting",
    "node_distances": "analysis.distances",
    "p_median": "analysis.siting",
    "point_distances": "analysis.distances",
    "set_cover": "analysis.siting",
    "star_rewards": "analysis.budgets",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_attributes(globals(), _NAMES)
