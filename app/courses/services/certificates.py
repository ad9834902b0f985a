"""Certificates: issuing one when a course is completed, its public verification address and
its PDF (WeasyPrint, fetching nothing outside the app's static folder)."""

import secrets
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from app.courses.models import Certificate, Enrolment
from app.extensions import db
from app.org.models import User


def issue_certificate(enrolment: Enrolment) -> Certificate:
    """Add the certificate of a just-completed enrolment, with an unguessable code."""
    user = db.session.get(User, enrolment.user_id)
    certificate = Certificate(
        enrolment=enrolment,
        user_id=enrolment.user_id,
        course_id=enrolment.course_id,
        code=secrets.token_urlsafe(18),
        holder_name=user.name,
        employee_no=user.employee_no,
        course_title=enrolment.course.title,
        credit_hours=enrolment.course.credit_hours,
        issued_at=enrolment.completed_at,
        expires_at=enrolment.expires_at,
    )
    db.session.add(certificate)
    return certificate


def verification_url(certificate: Certificate) -> str:
    """The public address that confirms ``certificate``."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for("courses.verify", code=certificate.code)
    return url_for("courses.verify", code=certificate.code, _external=True)


def _local_static_fetcher():
    """A WeasyPrint URL fetcher that serves only files under the app's static folder."""
    from weasyprint.urls import URLFetcher

    static = Path(current_app.static_folder).resolve()

    class LocalStaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url[len("file://") :].split("?")[0]).resolve()
                if path == static or static in path.parents:
                    return super().fetch(url, headers)
            raise ValueError(f"refused to fetch {url}")

    return LocalStaticFetcher(allowed_protocols={"file"})


def certificate_pdf(certificate: Certificate, locale: str | None = None) -> bytes:
    """The certificate as a PDF in the holder's language (or ``locale``)."""
    from weasyprint import HTML

    holder = db.session.get(User, certificate.user_id)
    locale = (
        locale or (holder.locale if holder else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    with force_locale(locale):
        page = render_template(
            "courses/certificate_pdf.html",
            certificate=certificate,
            verify_url=verification_url(certificate),
            is_zh=str(locale).startswith("zh"),
        )
    base_url = Path(current_app.static_folder).resolve().as_uri() + "/"
    return HTML(string=page, base_url=base_url, url_fetcher=_local_static_fetcher()).write_pdf()
