"""Authoring through the pages: courses, activities, files with range requests, publishing."""

import io

import pytest
from sqlalchemy import select

from app.courses.models import Activity, Course, CourseFile
from app.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
MP4 = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40


def _course_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Course.id))


def test_trainer_creates_a_course_with_competencies(app, client, login_as):
    login_as("trainer")
    response = client.post(
        "/courses/new",
        data={
            "title": "供电营业规则",
            "summary": "新旧版本差异",
            "category": "法规政策",
            "credit_hours": "2.5",
            "competencies-0-code": "LP2",
            "competencies-0-level": "3",
            "competencies-1-code": "BK1",
            "competencies-1-level": "2",
            "completion_rule": "all",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course))
        assert course.competencies == {"BK1": 2, "LP2": 3}
        assert course.status == "draft" and course.credit_hours == 2.5


def test_unknown_competency_codes_are_refused(client, login_as):
    login_as("trainer")
    page = client.post(
        "/courses/new",
        data={
            "title": "x",
            "credit_hours": "1",
            "competencies-0-code": "XX9",
            "competencies-0-level": "3",
            "completion_rule": "all",
        },
    ).get_data(as_text=True)
    assert "Unknown competency: XX9" in page


def test_the_course_form_offers_competencies_by_name(client, login_as):
    login_as("trainer")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.get("/courses/new").get_data(as_text=True)
    assert '<option value="CM2">CM2 情绪安抚与冲突化解</option>' in page
    assert "4 熟练" in page


def test_a_competency_listed_twice_is_refused(client, login_as):
    login_as("trainer")
    page = client.post(
        "/courses/new",
        data={
            "title": "x",
            "credit_hours": "1",
            "competencies-0-code": "SV1",
            "competencies-0-level": "3",
            "competencies-1-code": "SV1",
            "competencies-1-level": "2",
            "completion_rule": "all",
        },
    ).get_data(as_text=True)
    assert "Each competency may be listed once." in page


def test_activities_are_added_reordered_and_the_course_published(
    app, client, login_as, make_course
):
    course = make_course(lessons=0, publish=False)
    login_as("trainer")
    client.post(
        f"/courses/{course}/activities/new/lesson", data={"title": "第一课", "body": "**重点**"}
    )
    client.post(
        f"/courses/{course}/activities/new/session",
        data={"title": "实训", "starts_at": "2026-04-01T09:00", "place": "培训室"},
    )
    with app.app_context():
        from tests.courses.conftest import ensure_quiz

        ensure_quiz(12)
        db.session.commit()
    form = client.get(f"/courses/{course}/activities/new/quiz").get_data(as_text=True)
    assert '<option value="12">测验12</option>' in form, "quizzes are picked by title"
    client.post(f"/courses/{course}/activities/new/quiz", data={"title": "测验", "quiz_id": "12"})
    with app.app_context():
        activities = db.session.get(Course, course).live_activities
        kinds = [a.kind for a in activities]
        session = activities[1]
        assert kinds == ["lesson", "session", "quiz"] and activities[2].quiz_id == 12
        # 09:00 in Shanghai is 01:00 UTC.
        assert session.starts_at.hour == 1
        last = activities[2].id
    client.post(f"/courses/{course}/activities/{last}/move/up")
    with app.app_context():
        assert [a.kind for a in db.session.get(Course, course).live_activities] == [
            "lesson",
            "quiz",
            "session",
        ]
    assert client.post(f"/courses/{course}/publish").status_code == 302
    with app.app_context():
        assert db.session.get(Course, course).status == "published"


def test_a_quiz_activity_needs_a_quiz(client, login_as, make_course):
    course = make_course(lessons=0, publish=False)
    login_as("trainer")
    page = client.post(
        f"/courses/{course}/activities/new/quiz", data={"title": "测验"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "A quiz activity needs a quiz." in page


def test_publishing_an_empty_course_is_refused(app, client, login_as, make_course):
    course = make_course(lessons=0, publish=False)
    login_as("trainer")
    page = client.post(f"/courses/{course}/publish", follow_redirects=True).get_data(as_text=True)
    assert "Add at least one activity" in page


def test_uploaded_video_is_served_with_ranges(app, client, login_as, make_course):
    course = make_course()
    login_as("trainer")
    response = client.post(
        f"/courses/{course}/files",
        data={"file": (io.BytesIO(MP4), "课堂录像.mp4"), "activity_id": "0"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(CourseFile))
        assert stored.content_type == "video/mp4" and stored.data == MP4
    whole = client.get(f"/courses/files/{stored.id}")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(f"/courses/files/{stored.id}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == MP4[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(MP4)}"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.exe", b"MZ", "Unsupported file type"),
        ("fake.png", b"<script>alert(1)</script>", "does not match its type"),
        ("empty.pdf", b"", "File"),
    ],
)
def test_uploads_are_checked(app, client, login_as, make_course, name, data, message):
    course = make_course()
    login_as("trainer")
    page = client.post(
        f"/courses/{course}/files",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalar(select(CourseFile.id)) is None


def test_files_larger_than_the_limit_are_refused(app, client, login_as, make_course):
    app.config["COURSE_FILE_MAX_BYTES"] = 50
    course = make_course()
    login_as("trainer")
    page = client.post(
        f"/courses/{course}/files",
        data={"file": (io.BytesIO(PNG), "big.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "larger than" in page


def test_files_can_live_in_a_shared_folder(app, client, login_as, make_course, tmp_path):
    app.config["COURSE_FILES_FOLDER"] = str(tmp_path)
    course = make_course()
    login_as("trainer")
    client.post(
        f"/courses/{course}/files",
        data={"file": (io.BytesIO(PNG), "图.png")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        stored = db.session.scalar(select(CourseFile))
        assert stored.data is None and (tmp_path / stored.stored_name).read_bytes() == PNG
    response = client.get(f"/courses/files/{stored.id}", headers={"Range": "bytes=0-7"})
    assert response.status_code == 206 and response.data == PNG[:8]
    response.close()


def test_learners_see_files_of_their_courses_only(
    app, client, login_as, make_course, assign, make_user
):
    from app.courses import services

    course = make_course()
    with app.app_context():
        stored = services.add_file(None, db.session.get(Course, course), "a.png", PNG)
        file_id = stored.id
    user = login_as("staff")
    assert client.get(f"/courses/files/{file_id}").status_code == 403
    assign(course, user_id=user.id)
    assert client.get(f"/courses/files/{file_id}").status_code == 200


def test_lesson_markdown_is_sanitised(app, client, login_as, make_course, assign):
    course = make_course(lessons=0, publish=False)
    with app.app_context():
        from app.courses import services

        services.add_activity(
            None,
            db.session.get(Course, course),
            kind="lesson",
            title="课",
            body="<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![图](/courses/files/1)",
        )
        services.publish_course(None, db.session.get(Course, course))
        activity_id = db.session.scalar(select(Activity.id))
    user = login_as("staff")
    assign(course, user_id=user.id)
    page = client.get(f"/courses/{course}/activities/{activity_id}").get_data(as_text=True)
    body = page.split('data-testid="activity-body">')[1].split("</div>")[0]
    assert "<script>" not in body and 'href="javascript' not in body
    assert '<img src="/courses/files/1" alt="图"' in body


def test_editing_a_published_course_keeps_progress(
    app, frozen, client, login_as, make_course, assign, make_user, enrolment_of
):
    from app.courses import services
    from app.org.models import User

    person = make_user()
    course = make_course(lessons=2)
    assign(course, user_id=person.id)
    with app.app_context():
        first = db.session.get(Course, course).live_activities[0]
        services.mark_lesson_viewed(db.session.get(User, person.id), first)
        first_id = first.id
    login_as("trainer")
    client.post(
        f"/courses/{course}/activities/{first_id}/edit",
        data={"title": "第1课（修订）", "body": "新正文", "is_required": "y"},
    )
    client.post(
        f"/courses/{course}/edit",
        data={"title": "改名的课程", "credit_hours": "3", "completion_rule": "all"},
    )
    enrolment = enrolment_of(person.id, course)
    assert enrolment.started_at is not None
    with app.app_context():
        from app.courses.queries import progress_of

        progress = progress_of(enrolment)
        assert progress[first_id].status == "viewed"
        assert db.session.get(Course, course).title == "改名的课程"
