"""Printable reports as PDF: a template rendered in the user's language and laid out by WeasyPrint
with the system's fonts (Noto CJK for Chinese). Nothing is fetched but the app's own static
files: the fetcher refuses every other address, so a report never reaches the network, and the
charts are pygal SVG inlined in the page (no script)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template

PDF_MIMETYPE = "application/pdf"


def _static_only_fetcher():
    """A WeasyPrint URL fetcher that serves files under the app's static folder and nothing else."""
    from weasyprint.urls import URLFetcher

    static = Path(current_app.static_folder).resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(url[len("file://") :].split("?")[0]).resolve()
                if path == static or static in path.parents:
                    return super().fetch(url, headers)
            raise ValueError(f"refused to fetch {url}")

    return StaticOnlyFetcher(allowed_protocols={"file"})


def render_pdf(template: str, **context) -> bytes:
    """``template`` rendered with ``context`` (in the request's language) as PDF bytes."""
    from weasyprint import HTML

    page = render_template(template, **context)
    base_url = Path(current_app.static_folder).resolve().as_uri() + "/"
    return HTML(string=page, base_url=base_url, url_fetcher=_static_only_fetcher()).write_pdf()
