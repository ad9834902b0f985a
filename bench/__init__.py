"""The benchmark harness (``make bench``): scenarios, the load driver and the runner.

``python -m bench.run`` prepares a scratch database per database kind, generates a company with
``app.bench.data``, serves the app with gunicorn and drives each request scenario from a
separate locust process, interleaved with the two ceilings; in-process scenarios run in the
runner itself. docs/benchmarks.md explains the figures.
"""
