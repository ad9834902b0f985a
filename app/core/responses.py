"""Response helpers shared by pages: file downloads."""

import io

from flask import send_file


def download(content: bytes, filename: str, mimetype: str):
    """Send ``content`` as a file the browser saves (never shown inline), named ``filename``.

    Werkzeug adds ``charset=utf-8`` to text types itself: one given in ``mimetype`` is dropped
    so the header does not say it twice.
    """
    mimetype = mimetype.split(";", 1)[0].strip()
    return send_file(
        io.BytesIO(content),
        mimetype=mimetype,
        as_attachment=True,
        download_name=filename,
        max_age=0,
    )
