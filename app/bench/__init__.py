"""Benchmarks: the ``flask bench`` commands, the scale-data generator and the ceiling endpoints.

The endpoints (``/bench/ceiling``, ``/bench/ceiling-write``) exist only in the bench
configuration (``BENCH_ENDPOINTS``); the commands exist everywhere. The harness that drives
them lives in ``bench/`` (docs/benchmarks.md).
"""
