"""Tests of :mod:`layers`: schemas, validation, coordinate systems, planners' files, OSM and the
walking network. The real central-Harbin extract is read through ``../shared/data`` (the
``shared_dir`` fixture of ``tests/conftest.py`` skips, saying why, where it is absent).
"""
