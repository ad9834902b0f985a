"""Service-quality fixtures: the demo indicator system, people with scores, score files."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.core import clock
from app.extensions import db as _db

DEMO = Path(__file__).resolve().parents[2] / "framework" / "indicators.yaml"
#: tests run on 4 December 2026: the last complete month is 2026-11
NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
PERIOD = "2026-11"


@pytest.fixture(scope="session")
def demo_indicators():
    """The demo indicator file, parsed once."""
    from app.quality.files import parse_yaml

    parsed, problems = parse_yaml(DEMO.read_text(encoding="utf-8"), str(DEMO))
    assert problems == []
    return parsed


@pytest.fixture
def indicators(app, demo_indicators):
    """The demo indicators, their parameters in force since 2000-01; the clock at NOW."""
    from app.quality.services import bulk_load_indicators

    clock.freeze(NOW)
    with app.app_context():
        bulk_load_indicators(demo_indicators, valid_from="2000-01")
    return demo_indicators


def csv_bytes(*rows: str, header: str = "employee_no,indicator,value") -> bytes:
    """A UTF-8 CSV file with a byte-order mark."""
    return ("\ufeff" + "\n".join((header, *rows)) + "\n").encode("utf-8")


def xlsx_bytes(*rows, header=("employee_no", "indicator", "value")) -> bytes:
    """A one-sheet workbook with a header row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def import_scores(app):
    """``import_scores(PERIOD, b"csv…", "f.csv", actor=None, dry_run=False)`` -> report."""
    from app.org.models import User
    from app.quality import services

    def run(period, data, filename="scores.csv", *, actor=None, dry_run=False):
        with app.app_context():
            who = _db.session.get(User, actor.id) if actor is not None else None
            return services.import_score_file(who, period, data, filename, dry_run=dry_run)

    return run


@pytest.fixture
def stored(app):
    """``stored(PERIOD)`` -> {(employee_no, code): value} of the period."""
    from sqlalchemy import select

    from app.org.models import User
    from app.quality.models import Indicator, Score

    def read(period=PERIOD):
        with app.app_context():
            rows = _db.session.execute(
                select(User.employee_no, Indicator.code, Score.value)
                .join(User, User.id == Score.user_id)
                .join(Indicator, Indicator.id == Score.indicator_id)
                .where(Score.period == period)
            )
            return {(number, code): value for number, code, value in rows}

    return read
