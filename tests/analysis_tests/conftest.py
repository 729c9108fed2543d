"""Tests of :mod:`analysis`: pure computation on frames and arrays, hand-computed cases quoting
the articles of the measures, published optima (OR-Library, MCLP) and the demo's layers.

The compiled distance kernels (numba) are cached on disk in a fixed folder
(``NUMBA_CACHE_DIR``, set in ``tests/conftest.py``), so the compile is paid once.
"""
