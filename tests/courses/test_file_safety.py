"""Course files are checked against their type and served safely (issue 23, finding 9).

Polyglots (an image or PDF that is also a web page) are refused; images, PDFs and MP4s are
shown inline, anything else is a download; every file is sent with nosniff.
"""

import io

import pytest
from sqlalchemy import select

from app.courses.models import Course, CourseFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
GIF = b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gif-script.gif", GIF + b"<script>alert(document.domain)</script>"),
        ("gif-comment.gif", b"GIF89a/*\x01\x00*/=1;<SCRIPT src=//evil></SCRIPT>"),
        ("png-html.png", PNG + b"<html><body onload=alert(1)>"),
        ("png-svg.png", PNG + b"<svg onload=alert(1)>"),
        ("jpeg-iframe.jpg", JPEG + b"<iframe src=javascript:alert(1)>"),
        ("pdf-html.pdf", b"%PDF-1.4\n<!DOCTYPE html><html><script>alert(1)</script>"),
        ("pdf-js.pdf", PDF + b"<< /S /JavaScript /JS (app.alert(1)) >>"),
        ("mp4-html.mp4", b"\x00\x00\x00\x18ftypmp42" + b"<html><script>x</script>"),
        ("fake.png", b"<html><script>alert(1)</script>"),
    ],
)
def test_polyglots_and_mislabelled_files_are_refused(app, db, make_course, name, data):
    from app.courses import services
    from app.courses.services.errors import CourseError

    course_id = make_course()
    with app.app_context():
        with pytest.raises(CourseError):
            services.add_file(None, db.session.get(Course, course_id), name, data)
        assert db.session.scalar(select(CourseFile.id)) is None


@pytest.mark.parametrize(("name", "data"), [("a.png", PNG), ("b.gif", GIF), ("c.jpg", JPEG)])
def test_clean_files_are_accepted(app, db, make_course, name, data):
    from app.courses import services

    course_id = make_course()
    with app.app_context():
        stored = services.add_file(None, db.session.get(Course, course_id), name, data)
        assert stored.id


def test_the_upload_page_explains_a_refused_polyglot(client, login_as, make_course):
    course = make_course()
    login_as("trainer")
    page = client.post(
        f"/courses/{course}/files",
        data={"file": (io.BytesIO(GIF + b"<script>x</script>"), "pic.gif")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "also holds web-page code" in page


def test_files_are_served_inline_only_when_a_browser_shows_them(
    app, db, client, login_as, make_course
):
    from app.courses import services

    course_id = make_course()
    with app.app_context():
        course = db.session.get(Course, course_id)
        image = services.add_file(None, course, "a.png", PNG).id
        pdf = services.add_file(None, course, "b.pdf", PDF).id
        # a row whose type is no longer one a browser should render (an older upload)
        odd = CourseFile(
            course_id=course_id,
            filename="page.html",
            content_type="text/html",
            size=5,
            sha256="0" * 64,
            data=b"<b>x</b>",
        )
        db.session.add(odd)
        db.session.commit()
        odd_id = odd.id
    login_as("trainer")
    for file_id, inline in ((image, True), (pdf, True), (odd_id, False)):
        response = client.get(f"/courses/files/{file_id}")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("inline" if inline else "attachment"), file_id
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()
