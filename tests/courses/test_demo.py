"""The demo seeder: courses assigned by rule with a spread of progress, idempotent."""

from sqlalchemy import func, select

from app.courses.models import AssignmentRule, Certificate, Course, Enrolment
from app.courses.queries import status_counts
from app.extensions import db


def test_seed_demo_makes_courses_with_realistic_progress_once(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "courses: 5 courses" in result.output
    with app.app_context():
        courses = db.session.scalars(select(Course)).all()
        assert all(c.status == "published" for c in courses)
        assert db.session.scalar(select(func.count(AssignmentRule.id))) == 4
        kinds = {a.kind for c in courses for a in c.activities}
        assert kinds == {"lesson", "quiz", "session"}
        counts = status_counts([c.id for c in courses])
        totals = {s: sum(c[s] for c in counts.values()) for s in next(iter(counts.values()))}
        assert totals["completed"] > 50 and totals["in_progress"] > 10
        assert totals["overdue"] > 10 and totals["not_started"] > 10
        assert totals["expiring_soon"] >= 1 and totals["expired"] >= 1
        assert db.session.scalar(select(func.count(Certificate.id))) > 50
        enrolments = db.session.scalar(select(func.count(Enrolment.id)))
    again = runner.invoke(args=["seed-demo"])
    assert "courses: already seeded" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Enrolment.id))) == enrolments
