"""Course files: images, PDFs and MP4s checked by size, by their first bytes and for hidden markup
(polyglots are refused), stored in the shared folder (``COURSE_FILES_FOLDER``) or in the
database; served inline only when their type is one a browser shows, always with nosniff."""

import hashlib
import io
import re
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.core.audit import record_audit
from app.core.uow import transaction
from app.courses.models import Activity, Course, CourseFile
from app.courses.services.errors import CourseError
from app.extensions import db
from app.org.models import User

#: extension → (content type, test of the first bytes)
FILE_TYPES = {
    ".png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".gif": ("image/gif", lambda head: head.startswith((b"GIF87a", b"GIF89a"))),
    ".webp": ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    ".pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ".mp4": ("video/mp4", lambda head: head[4:8] == b"ftyp"),
}


#: what a browser may show inline; anything else (an older upload, a changed list) downloads
INLINE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "video/mp4"}
)
#: markup that has no business in an image, a PDF or a video: a file holding it is a polyglot
#: (``GIF89a…<script>``, a PNG with a page after its header) that a sniffing browser would run
#: (tags of five or more bytes only: a shorter one turns up by chance in compressed data)
_MARKUP = re.compile(
    rb"<(?:script|html|body|head|iframe|svg[\s/>]|object|embed|meta[\s/>]|!doctype)"
    rb"|javascript:",
    re.IGNORECASE,
)
#: how much of a PDF or video is searched for markup (images are searched whole)
_SCAN_HEAD = 64 * 1024


def serves_inline(content_type: str) -> bool:
    """True when the browser may show a course file in the page (images, PDF, MP4)."""
    return content_type in INLINE_TYPES


def content_problem(suffix: str, data: bytes) -> str | None:
    """Why ``data`` is not a clean file of type ``suffix`` (None when it is)."""
    content_type, looks_right = FILE_TYPES[suffix]
    if not looks_right(data[:16]):
        return _("The file's content does not match its type %(ext)s.", ext=suffix)
    searched = data if content_type.startswith("image/") else data[:_SCAN_HEAD]
    if _MARKUP.search(searched):
        return _("The file %(ext)s also holds web-page code; it is refused.", ext=suffix)
    if content_type == "application/pdf" and b"/JavaScript" in data:
        return _("The PDF holds scripts; save it without them and upload it again.")
    return None


def _safe_filename(filename: str) -> str:
    name = Path((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/|?*')
    return name[:200] or "file"


@transaction
def add_file(
    actor: User | None,
    course: Course,
    filename: str,
    data: bytes,
    activity: Activity | None = None,
) -> CourseFile:
    """Store an image, PDF or MP4 for a course after checking its size and its real type."""
    name = _safe_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise CourseError(
            _("Unsupported file type: use %(types)s.", types=", ".join(sorted(FILE_TYPES)))
        )
    limit = current_app.config["COURSE_FILE_MAX_BYTES"]
    if not data:
        raise CourseError(_("The file is empty."))
    if len(data) > limit:
        raise CourseError(
            _("The file is larger than %(mb)d MB.", mb=max(1, limit // (1024 * 1024)))
        )
    content_type = FILE_TYPES[suffix][0]
    problem = content_problem(suffix, data)
    if problem:
        raise CourseError(problem)
    if activity is not None and activity.course_id != course.id:
        raise CourseError(_("That activity belongs to another course."))
    stored = CourseFile(
        course_id=course.id,
        activity=activity,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
    )
    folder = current_app.config.get("COURSE_FILES_FOLDER")
    if folder:
        stored.stored_name = f"{uuid.uuid4().hex}{suffix}"
        target = Path(folder) / stored.stored_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    else:
        stored.data = data
    db.session.add(stored)
    db.session.flush()
    record_audit(actor, "course.file.add", course, None, {"file": stored.id, "name": name})
    return stored


def file_source(stored: CourseFile):
    """What ``send_file`` serves: a path in the shared folder, or the bytes from the database."""
    if stored.stored_name:
        folder = Path(current_app.config["COURSE_FILES_FOLDER"]).resolve()
        path = (folder / stored.stored_name).resolve()
        if folder not in path.parents:
            raise CourseError(_("The file is missing."))
        return path
    return io.BytesIO(stored.data or b"")
