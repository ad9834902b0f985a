"""The ceiling endpoints exist only in the bench configuration and do what they say."""

from sqlalchemy import func, select

from config import BenchConfig, DevelopmentConfig, ProductionConfig, TestingConfig


class BenchTestingConfig(TestingConfig):
    """The test database with the bench endpoints, and CSRF on as in the bench server."""

    BENCH_ENDPOINTS = True
    WTF_CSRF_ENABLED = True


def test_only_the_bench_configuration_mounts_the_ceilings(client):
    assert BenchConfig.BENCH_ENDPOINTS is True
    for config in (DevelopmentConfig, ProductionConfig, TestingConfig):
        assert not getattr(config, "BENCH_ENDPOINTS", False)
    assert client.get("/bench/ceiling").status_code == 404
    assert client.post("/bench/ceiling-write").status_code == 404


def test_ceiling_answers_without_a_session(make_app):
    bench = make_app(BenchTestingConfig)
    response = bench.test_client().get("/bench/ceiling")
    assert response.status_code == 200
    assert response.data == b"ok"
    assert "Set-Cookie" not in response.headers


def test_ceiling_write_inserts_and_commits_one_row(make_app, db):
    from app.bench.services import SCRATCH, ensure_scratch_table

    bench = make_app(BenchTestingConfig)
    with bench.app_context():
        ensure_scratch_table()
    try:
        client = bench.test_client()
        assert client.post("/bench/ceiling-write").status_code == 200  # no CSRF token needed
        assert client.post("/bench/ceiling-write").status_code == 200
        with bench.app_context():
            assert db.session.scalar(select(func.count()).select_from(SCRATCH)) == 2
    finally:
        with bench.app_context():
            SCRATCH.drop(db.engine, checkfirst=True)
