"""Many city projects at once on Dask: :mod:`~geo_app.workflows.assess.plan` (what each city
computes, in partitions) and :mod:`~geo_app.workflows.assess.run` (the run and its result file).
"""

__all__: list[str] = []
