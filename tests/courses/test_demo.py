"""The demo seeder: courses assigned by rule with a spread of progress, idempotent."""

from sqlalchemy import func, select

from app.courses.models import AssignmentRule, Certificate, Course, Enrolment
from app.courses.queries import status_counts
from app.extensions import db
from app.notify.models import Notification


def test_seed_demo_makes_courses_with_realistic_progress_once(seeded_demo):
    assert "courses: 6 courses" in seeded_demo.output
    with seeded_demo.app.app_context():
        courses = db.session.scalars(select(Course)).all()
        assert all(c.status == "published" for c in courses)
        # four rules for departments and job roles; the service-quality gates of the demo
        # assign courses to single people with rules of their own
        by_group = select(func.count(AssignmentRule.id)).where(AssignmentRule.target_kind != "user")
        assert db.session.scalar(by_group) == 4
        kinds = {a.kind for c in courses for a in c.activities}
        assert kinds == {"lesson", "quiz", "session"}
        counts = status_counts([c.id for c in courses])
        totals = {s: sum(c[s] for c in counts.values()) for s in next(iter(counts.values()))}
        assert totals["completed"] > 50 and totals["in_progress"] > 10
        assert totals["overdue"] > 10 and totals["not_started"] > 10
        assert totals["expiring_soon"] >= 1 and totals["expired"] >= 1
        assert db.session.scalar(select(func.count(Certificate.id))) > 50
        # One source for due dates: each assignment notice says the date My learning shows.
        notices = db.session.execute(
            select(Notification.params, Enrolment.due_on, Notification.created_at)
            .join(Enrolment, Enrolment.id == Notification.subject_id)
            .where(Notification.kind.in_(["course.assigned", "course.recertify"]))
        ).all()
        assert len(notices) > 100
        for params, due_on, _made in notices:
            assert params["due_on"] == (due_on.isoformat() if due_on else None)
    assert "courses: already seeded" in seeded_demo.again
    assert seeded_demo.counts["enrolment"] == seeded_demo.counts_again["enrolment"] > 100
