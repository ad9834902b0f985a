"""Safe redirects: only relative paths on this site are followed."""

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, default_endpoint: str = "home.index") -> str:
    """Return ``target`` if it is a local path, else the URL of ``default_endpoint``."""
    if target:
        target = target.strip().replace("\\", "/")
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and not any(ord(ch) < 32 for ch in target)
        ):
            return target
    return url_for(default_endpoint)
