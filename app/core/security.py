"""Security headers on every response: pages, redirects, errors, API JSON and files.

One ``after_request`` hook (Flask runs it for error pages and for static files too) instead of
Flask-Talisman, whose last release is from 2023 and which would have to be taught the two
exceptions this app needs: the question files keep their own ``sandbox`` policy (a view that
set ``Content-Security-Policy`` itself keeps it), and the SVG charts made on the server carry a
``<style>`` element, allowed by the per-response nonce ``csp_nonce()`` rather than by
``'unsafe-inline'``. Pages load no inline script and no inline style attribute: the project's
scripts and styles are files under ``app/static``.

HSTS is sent only when ``HSTS_SECONDS`` is set (production); nothing here redirects to HTTPS
(the reverse proxy does that), so plain-http development keeps working.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, has_request_context

#: sources of the policy; ``{nonce}`` is filled per response
CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'nonce-{nonce}'"),
    # Bootstrap's CSS draws its icons (select arrows, the menu button) as data: SVGs
    ("img-src", "'self' data:"),
    ("font-src", "'self' data:"),
    ("media-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("frame-src", "'self'"),
    ("base-uri", "'none'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)

#: headers every response carries (a view's own value wins)
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

_NONCE_KEY = "_csp_nonce"


def csp_nonce() -> str:
    """This response's style nonce ("" outside a request, e.g. a PDF rendered by a command)."""
    if not has_request_context():
        return ""
    nonce = g.get(_NONCE_KEY)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        setattr(g, _NONCE_KEY, nonce)
    return nonce


def content_security_policy(nonce: str) -> str:
    """The policy text with ``nonce`` for style elements."""
    return "; ".join(f"{name} {value.format(nonce=nonce)}" for name, value in CSP_DIRECTIVES)


def _dedupe_charset(content_type: str) -> str:
    """``text/csv; charset=utf-8; charset=utf-8`` -> one charset (a view passed it twice)."""
    parts = [part.strip() for part in content_type.split(";")]
    seen = False
    kept = []
    for part in parts:
        if part.lower().startswith("charset="):
            if seen:
                continue
            seen = True
        kept.append(part)
    return "; ".join(kept)


def add_security_headers(response):
    """Put the policy and the fixed headers on ``response`` unless the view set its own."""
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    for name, value in STATIC_HEADERS.items():
        headers.setdefault(name, value)
    hsts = current_app.config.get("HSTS_SECONDS", 0)
    if hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}; includeSubDomains")
    content_type = headers.get("Content-Type", "")
    if content_type.lower().count("charset=") > 1:
        headers["Content-Type"] = _dedupe_charset(content_type)
    return response


def register(app: Flask) -> None:
    """Send the headers on every response and offer ``csp_nonce()`` to templates."""
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
