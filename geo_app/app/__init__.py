"""The Streamlit app: the only package of the house that imports streamlit.

:mod:`~geo_app.app.main` (entry point, navigation), :mod:`~geo_app.app.frame` (language
switch, project and account boxes, map display), :mod:`~geo_app.app.state` (which project, its
cached reads), :mod:`~geo_app.app.map_component` and :mod:`~geo_app.app.map_widgets` (maps
rendered once per project version, basemap and export controls),
:mod:`~geo_app.app.readiness_panel`, :mod:`~geo_app.app.progress` (a run's progress bar) and
:mod:`~geo_app.app.pages` (one thin module per page). Pages are widgets and layout over the
library: :mod:`geo_app.workflows`, :mod:`geo_app.present`, :mod:`geo_app.maps`,
:mod:`geo_app.reports`.
"""

__all__: list[str] = []
