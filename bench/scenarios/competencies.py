"""The competency matrix at scale: the page, its XLSX export and the API's first page.

``matrix_page``: HR opens the first page of the matrix (100 people × every active competency,
levels read from ``competency_level``), two people at a time — HR and managers open it a few at
once, so p50 is the page's own time rather than a queue's. ``matrix_api``: the first page of
``GET /api/v1/competency-matrix`` (50 people) with a ``reports:read`` service token, in
process, p50 of the repeats in milliseconds. ``matrix_xlsx``: the whole company's matrix as a
workbook, in process, in seconds (target 5 s for 5,000 people × 60 competencies). Run at that
size with ``python -m bench.run --only matrix_page matrix_api matrix_xlsx --staff 5000
--competencies 60`` (docs/benchmarks.md).
"""

import statistics
import time

from bench.registry import InProcessResult, http_scenario, inprocess_scenario


@http_scenario("matrix_page", identity="hr", identities=1, users=2)
def matrix_page(user):
    """HR opens the competency matrix (first page, every domain)."""
    user.get("/competencies/matrix", name="matrix_page")


@inprocess_scenario("matrix_api", unit="ms")
def matrix_api(harness) -> InProcessResult:
    """p50 of the API's first matrix page over the repeats (after one warm-up request)."""
    from app.api import services as api_services

    _token, raw = api_services.create_service_token(None, "bench-matrix", ["reports:read"])
    client = harness.app.test_client()
    headers = {"Authorization": f"Bearer {raw}"}
    client.get("/api/v1/competency-matrix", headers=headers)
    times, errors = [], 0
    for _repeat in range(max(5, harness.repeats * 5)):
        started = time.perf_counter()
        response = client.get("/api/v1/competency-matrix", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or len(response.get_json()["items"]) == 0:
            errors += 1
    return InProcessResult(value=round(statistics.median(times), 1), errors=errors)


@inprocess_scenario("matrix_xlsx", unit="s")
def matrix_xlsx(harness) -> InProcessResult:
    """Best of the repeats: the whole matrix as a workbook, as an HR user exports it."""
    from sqlalchemy import select

    from app.competencies import matrix
    from app.competencies.export import matrix_xlsx as export
    from app.extensions import db
    from app.org.models import User, UserRole

    hr = db.session.scalar(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == "hr")
    )
    best, errors = float("inf"), 0
    with harness.app.test_request_context():
        from flask_login import login_user

        login_user(hr)
        for _repeat in range(max(1, harness.repeats)):
            started = time.perf_counter()
            content = export(matrix.people(hr), matrix.competencies(), "zh_CN")
            best = min(best, time.perf_counter() - started)
            if not content.startswith(b"PK"):
                errors += 1
    return InProcessResult(value=round(best, 2), errors=errors)
