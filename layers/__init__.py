"""The data model of the house: layers, their schemas, coordinate systems, files and networks.

The names a notebook starts with (loaded on first use)::

    import layers
    frames = layers.build_demo_layers(seed=0)          # the demo inventories, WGS-84
    gdf = layers.read_vector_file("stations.geojson")  # a planner's file
    osm = layers.read_osm_layers("harbin.osm.pbf")      # an OpenStreetMap extract as layers

Modules by topic: ``schema``/``validation``/``repair``/``field_values`` (what a layer holds),
``crs``/``source_crs``/``datum_hint`` (WGS-84, GCJ-02, BD-09, CGCS2000), ``io``/``table_io``/
``importing``/``import_rows`` (planners' files), ``osm`` (extracts), ``network`` (walking
graphs), ``districts``, ``demo*``, ``registry`` (Art. 14), ``community_changes`` (Art. 7),
``basis`` and ``grouping`` (what the numbers rest on), ``errors`` (the planner-error family).
``layers`` imports neither :mod:`analysis` nor :mod:`geo_app`.
"""

from layers.facade import lazy_attributes

_NAMES = {
    "PlannerError": "layers.errors",
    "build_demo_layers": "layers.demo",
    "convert_gdf": "layers.crs",
    "get_schema": "layers.schema",
    "load_walking_network": "layers.network",
    "metric_crs": "layers.crs",
    "prepare_import": "layers.importing",
    "read_osm_layers": "layers.osm",
    "read_vector_file": "layers.io",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_attributes(globals(), _NAMES)
