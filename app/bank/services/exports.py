"""Exporting the bank: the latest version of every question, as files in any writable format."""

import inspect
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from app.bank import queries
from app.bank.formats import FORMATS
from app.bank.models import Category
from app.bank.qtypes import QuestionData
from app.bank.services.categories import DEFAULT_CATEGORY, category_by_path, split_category
from app.core.errors import DomainError


def export_questions(category_path: str | None = None) -> list[QuestionData]:
    """The latest version of every question (in a category subtree) as QuestionData."""
    category = None
    if category_path:
        category = category_by_path(category_path)
        if category is None:
            raise DomainError(_("Unknown category %(path)s.", path=category_path))
    return [v.to_data() for v in queries.latest_versions_for_export(category)]


def write_export(questions: list[QuestionData], out: Path, fmt: str) -> list[Path]:
    """Write ``questions`` to ``out``: a folder of one file per category for YAML, else a file."""
    spec = FORMATS[fmt]
    if fmt != "yaml":
        out.parent.mkdir(parents=True, exist_ok=True)
        if spec.binary:
            out.write_bytes(spec.dump(questions))
        else:
            out.write_text(spec.dump(questions), encoding="utf-8")
        return [out]
    written = []
    by_category: dict[str, list[QuestionData]] = {}
    for question in questions:
        by_category.setdefault(question.category or DEFAULT_CATEGORY, []).append(question)
    for category, group in sorted(by_category.items()):
        *folders, leaf = split_category(category)
        path = out.joinpath(*folders, f"{leaf}.yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spec.dump(group, category), encoding="utf-8")
        written.append(path)
    return written


def writable_formats() -> list[str]:
    """Names of the formats that can be exported (they have a writer), in registry order."""
    return [name for name, spec in FORMATS.items() if spec.dump is not None]


@dataclass
class ExportFile:
    """A download: its bytes, file name and media type."""

    payload: bytes
    filename: str
    mimetype: str


def export_file(category: Category | None, fmt: str) -> ExportFile:
    """The latest versions of a category subtree (or the whole bank) as one file in ``fmt``.

    A writer that takes a ``category`` (YAML) gets the chosen one: questions of subcategories
    then carry their own category, so the single file imports back to the same places.
    """
    spec = FORMATS.get(fmt)
    if spec is None or spec.dump is None:
        raise DomainError(_("Questions cannot be exported as %(name)s.", name=fmt))
    path = category.full_name if category is not None else None
    questions = export_questions(path)
    options = {}
    if "category" in inspect.signature(spec.dump).parameters:
        options["category"] = path
    written = spec.dump(questions, **options)
    stem = path.replace("/", "-") if path else "question-bank"
    filename = stem + spec.extensions[0]
    guessed = mimetypes.guess_type(filename)[0]
    if isinstance(written, bytes):
        return ExportFile(written, filename, guessed or "application/octet-stream")
    return ExportFile(
        written.encode("utf-8"), filename, f"{guessed or 'text/plain'}; charset=utf-8"
    )
