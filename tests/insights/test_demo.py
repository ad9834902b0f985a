"""The demo's planted insights, read through the API after ``flask seed-demo`` (one seeding for
both): the calming course's effect on the counter clerks' K01, and CM2 predicting their K01."""

from sqlalchemy import select

from app.api import services
from app.courses.models import Course
from app.extensions import db
from app.org.models import User
from app.quality.demo import CALMING_COURSE
from tests.api.conftest import bearer


def test_the_demo_insights_are_recovered(seeded_demo):
    with seeded_demo.app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.title == CALMING_COURSE))
        hr = db.session.scalar(select(User).where(User.employee_no == "H001"))
        _token, raw = services.issue_token_for(hr)
    headers = bearer(raw)
    client = seeded_demo.client()
    body = client.get(
        f"/api/v1/reports/course-effect/{course_id}?indicator=K01&window=3", headers=headers
    ).json
    # the seeder plants 3 points of K01 from the month after completion
    assert body["ci_low"] < 3.0 < body["ci_high"] and body["ci_low"] > 0
    assert body["matched_ci_low"] < 3.0 < body["matched_ci_high"]
    assert body["n_treated"] >= 30 and body["n_control"] >= 30
    assert body["pre_trend_ok"] is True and body["warnings"] == []
    # a linked indicator the course does not move: no clear effect
    k04 = client.get(f"/api/v1/reports/course-effect/{course_id}?indicator=K04", headers=headers)
    assert k04.json["ci_low"] < 0 < k04.json["ci_high"]
    # among counter clerks, K01 rises with the CM2 level (planted by the score seeder)
    table = client.get("/api/v1/reports/predictors?job_role=CTR", headers=headers).json
    (cm2,) = [
        item
        for item in table["items"]
        if (item["kind"], item["predictor"], item["indicator"]) == ("competency", "CM2", "K01")
    ]
    assert cm2["spearman"] > 0.3 and cm2["q"] < 0.05 and cm2["n"] >= 30
