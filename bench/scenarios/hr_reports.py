"""The HR dashboard at scale (issue 21): the figures of the whole company for the current month.

``hr_dashboard``: HR opens ``/reports/dashboard`` (training coverage, completion, overdue and
expiring assignments, hours against quota, competency attainment and the ten largest gaps, the
service composite, and the same per child department with its chart), two at a time, so p50 is
the page's own time rather than a queue's (target p50 ≤ 300 ms on 5,000 staff).
``dashboard_api``: ``GET /api/v1/reports/dashboard`` with a ``reports:read`` service token, in
process, p50 of the repeats in milliseconds. Run at that size with ``python -m bench.run --only
hr_dashboard dashboard_api --staff 5000`` (docs/benchmarks.md).
"""

import statistics
import time

from bench.registry import InProcessResult, http_scenario, inprocess_scenario


@http_scenario("hr_dashboard", identity="hr", identities=1, users=2)
def hr_dashboard(user):
    """HR opens the dashboard of the whole company."""
    user.get("/reports/dashboard", name="hr_dashboard")


@inprocess_scenario("dashboard_api", unit="ms")
def dashboard_api(harness) -> InProcessResult:
    """p50 of the dashboard API over the repeats (after one warm-up request)."""
    from app.api import services as api_services

    _token, raw = api_services.create_service_token(None, "bench-dashboard", ["reports:read"])
    client = harness.app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    client.get("/api/v1/reports/dashboard", headers=headers)
    times, errors = [], 0
    for _repeat in range(max(5, harness.repeats * 5)):
        started = time.perf_counter()
        response = client.get("/api/v1/reports/dashboard", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or not response.get_json()["staff"]:
            errors += 1
    return InProcessResult(value=round(statistics.median(times), 1), errors=errors)
