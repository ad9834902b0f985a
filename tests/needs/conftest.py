"""Training-needs fixtures: the demo indicators, scores, ratings and the CM2 quiz."""

import pytest

from app.extensions import db as _db
from tests.api.conftest import api_as, user_token  # noqa: F401
from tests.competencies.conftest import cm2_quiz, make_course, take_quiz  # noqa: F401
from tests.quality.conftest import (  # noqa: F401
    PERIOD,
    csv_bytes,
    demo_indicators,
    import_scores,
    indicators,
)

#: a counter clerk's indicators at target (K01 set by the test)
AT_TARGET = {"K02": 0, "K04": 90, "K05": 90, "K07": 5, "K08": 100, "K17": 60}


@pytest.fixture
def rate(app):
    """``rate(person, code, level)``: an HR rating of ``person``."""
    from sqlalchemy import select

    from app.competencies import queries, services
    from app.org.models import User

    def give(person, code, level):
        with app.app_context():
            hr = _db.session.scalar(select(User).where(User.employee_no == "NEED-HR"))
            if hr is None:
                hr = User(employee_no="NEED-HR", name="人资")
                hr.set_roles(["hr"])
                _db.session.add(hr)
                _db.session.commit()
            services.record_rating(
                hr, _db.session.get(User, person.id), queries.get_competency(code), level, "观察"
            )

    return give


def scores_csv(people: dict) -> bytes:
    """A score file: each person's K01 and every other counter-clerk indicator at target."""
    rows = []
    for employee_no, k01 in people.items():
        rows.append(f"{employee_no},K01,{k01}")
        rows += [f"{employee_no},{code},{value}" for code, value in AT_TARGET.items()]
    return csv_bytes(*rows)
