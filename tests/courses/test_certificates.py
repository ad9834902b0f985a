"""Certificates: a PDF in the holder's language with Chinese text, and public verification."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.courses import services
from app.courses.models import Certificate, Course
from app.extensions import db
from app.org.models import User
from tests.courses.conftest import DEPT


@pytest.fixture
def certified(app, frozen, make_user, make_course, assign):
    """A staff member who completed a 12-month course: (user, certificate id, code)."""

    def make(**user_fields):
        person = make_user(**user_fields)
        course = make_course("安全规程培训", credit_hours=4.0)
        assign(course, department=DEPT, recert_months=12)
        with app.app_context():
            user = db.session.get(User, person.id)
            services.mark_lesson_viewed(user, db.session.get(Course, course).live_activities[0])
            certificate = db.session.scalar(select(Certificate))
            return person, certificate.id, certificate.code

    return make


def _pdf_text_and_ink(pdf: bytes) -> tuple[str, int]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage().get_text_range()
    bitmap = page.render(scale=1)
    pixels = bytes(bitmap.buffer)
    step = bitmap.n_channels
    ink = sum(1 for i in range(0, len(pixels), step) if pixels[i] < 160)
    document.close()
    return text, ink


def test_the_holder_downloads_a_chinese_pdf_with_the_name(client, certified):
    person, certificate_id, code = certified(name="王小明", employee_no="E1001", locale="zh_CN")
    with client.session_transaction() as session:
        session["_user_id"] = person.session_token
    response = client.get(f"/courses/certificates/{certificate_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, ink = _pdf_text_and_ink(response.data)
    assert ink > 1000, "the page is blank"
    assert "王小明" in text and "E1001" in text and "安全规程培训" in text
    # Dates in Chinese prove the zh_CN locale; the code is printed for verification.
    assert "年" in text and code in text


def test_an_english_speaker_gets_an_english_certificate(client, certified):
    person, certificate_id, _code = certified(name="李雷", locale="en")
    with client.session_transaction() as session:
        session["_user_id"] = person.session_token
    text, _ink = _pdf_text_and_ink(client.get(f"/courses/certificates/{certificate_id}.pdf").data)
    assert "Certificate of completion" in text and "李雷" in text


def test_other_staff_cannot_download_it_but_the_manager_can(client, login_as, certified, make_user):
    _person, certificate_id, _code = certified()
    login_as("staff", department="测试公司/另一分中心/营业厅")
    assert client.get(f"/courses/certificates/{certificate_id}.pdf").status_code == 403
    manager = make_user(manages=["测试公司/测试分中心"], department="测试公司/测试分中心/其他")
    with client.session_transaction() as session:
        session["_user_id"] = manager.session_token
    assert client.get(f"/courses/certificates/{certificate_id}.pdf").status_code == 200


def test_verification_page_shows_validity_only(client, certified):
    _person, _certificate_id, code = certified(name="王小明")
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This certificate is valid." in text and "王小明" not in text
    clock.advance(timedelta(days=366))
    assert "no longer valid" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_an_unknown_code_gets_a_clear_404(client):
    response = client.get("/verify/not-a-real-code")
    assert response.status_code == 404
    assert "No certificate has this verification code." in response.get_data(as_text=True)


def test_codes_are_unique_and_unguessable(app, frozen, make_user, make_course, assign):
    course = make_course()
    people = [make_user() for _ in range(5)]
    assign(course, department=DEPT)
    with app.app_context():
        lesson = db.session.get(Course, course).live_activities[0]
        for person in people:
            services.mark_lesson_viewed(db.session.get(User, person.id), lesson)
        codes = db.session.scalars(select(Certificate.code)).all()
    assert len(set(codes)) == 5 and all(len(code) >= 24 for code in codes)


def test_the_pdf_fetcher_refuses_anything_but_local_static_files(app):
    from app.courses.services import certificates

    with app.app_context():
        fetcher = certificates._local_static_fetcher()
        with pytest.raises(ValueError):
            fetcher.fetch("http://example.com/logo.png")
        with pytest.raises(ValueError):
            fetcher.fetch("file:///etc/passwd")
        static_css = f"file://{app.static_folder}/css/app.css"
        assert fetcher.fetch(static_css).read()
