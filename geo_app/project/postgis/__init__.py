"""The shared PostgreSQL + PostGIS platform of Art. 24: store, accounts by level, history.

Modules: :mod:`~geo_app.project.postgis.store` (the store), ``platform`` (accounts, levels,
sign-in checks), ``schema`` and the ``_sql_*`` modules (tables, policies, triggers and locks
owned by the platform), ``_writes`` (writes by difference), ``cluster`` (a local cluster).
"""

__all__: list[str] = []
