"""The Harbin community planning workbench as a library: projects, workflows, maps, reports.

From a project to numbers and a report in five lines (names load on first use)::

    import geo_app
    project = geo_app.open_project("harbin.gpkg")
    print(geo_app.project_compliance(project).summary_text("zh"))
    hubs = geo_app.run_site_selection(project, "hub", district="道外区")
    geo_app.build_report(project, "道外区", "道外区.html")

Packages by tier, imports running one way (``ruff check`` enforces it, TID251):
:mod:`~geo_app.project` (GeoPackage and PostGIS stores) <- :mod:`~geo_app.workflows` (the
analyses on a project) <- :mod:`~geo_app.present` (tables and files in zh/en),
:mod:`~geo_app.maps` (folium and static maps), :mod:`~geo_app.reports` (HTML, PDF, Word) <-
:mod:`~geo_app.cli` (``geo-app``) and :mod:`~geo_app.app` (Streamlit, the only package that
imports it); :mod:`~geo_app.i18n` holds the zh/en texts of all of them.
"""

from layers.facade import lazy_attributes

_NAMES = {
    "Project": "geo_app.project",
    "ProjectError": "geo_app.project",
    "build_report": "geo_app.reports",
    "build_report_context": "geo_app.reports",
    "create_demo_project": "geo_app.workflows.demo",
    "explorer_map": "geo_app.maps",
    "open_project": "geo_app.project",
    "project_compliance": "geo_app.workflows",
    "project_coverage": "geo_app.workflows",
    "project_district_metrics": "geo_app.workflows.compare",
    "project_surveillance": "geo_app.workflows",
    "render_report": "geo_app.reports",
    "run_site_selection": "geo_app.workflows.site_selection",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_attributes(globals(), _NAMES)
