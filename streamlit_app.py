"""Streamlit entry point: ``streamlit run streamlit_app.py`` (or ``geo-app app``).

The project opened is ``$GEO_APP_PROJECT`` or ``data/demo/harbin_demo.gpkg``. The pages live
in ``geo_app/app/pages``; this file only starts the navigation.
"""

from geo_app.app.main import run_app

run_app()
