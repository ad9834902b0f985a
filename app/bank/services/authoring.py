"""Authoring on the bank pages: saving a form-authored question and bulk changes from the list."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.bank import queries
from app.bank.formats.mapping import normalise_category
from app.bank.models import Question
from app.bank.qtypes import QuestionData
from app.bank.services.categories import ensure_category, join_category
from app.bank.services.versions import (
    changed_labels,
    changed_version_fields,
    new_question_key,
    new_version,
    question_state,
)
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.uow import transaction
from app.extensions import db

BULK_ACTIONS = ("move", "ready", "retire", "tag", "untag")
MAX_TAG_LENGTH = 100  # question_tag.tag


class QuestionSaveRefused(DomainError):
    """A form-authored question could not be saved (taken id, concurrent edit, bad bulk input)."""


@dataclass
class SaveOutcome:
    """What saving a question did: create, new_version, update (status/tags/category) or
    unchanged; ``changes`` names the fields that differ from the version before."""

    question: Question
    action: str
    changes: list[str] = field(default_factory=list)


def _saved_at_the_same_moment(_error) -> QuestionSaveRefused:
    """A unique-key race with another trainer: a message, not a 500."""
    return QuestionSaveRefused(
        _(
            "Someone else saved this question at the same moment. Open it again and redo "
            "your change."
        )
    )


@transaction(expect=_saved_at_the_same_moment)
def save_question(
    actor, question: Question | None, data: QuestionData, *, base_version: int | None = None
) -> SaveOutcome:
    """Create a question (version 1) or save an edit of ``question``.

    Content changes make a new version authored by ``actor`` (versions are immutable); a change
    of only status, tags or category updates the question. ``base_version`` is the version the
    edit started from: if another save came in between, nothing is written.
    """
    category_path = join_category(data.category)
    if question is None:
        return _create(actor, data, category_path)
    if base_version is not None and base_version != question.latest_number:
        raise QuestionSaveRefused(
            _(
                "Someone saved version %(n)d of this question while you were editing. Open it "
                "again and redo your change.",
                n=question.latest_number,
            )
        )
    current = queries.latest_versions([question])[question.id].to_data()
    data.id = question.key
    if getattr(current, "files", None) and not getattr(data, "files", None):
        data.files = list(current.files)  # the form does not edit embedded files: keep them
    changes = changed_version_fields(current, data)
    labels = changed_labels(question, data, category_path)
    if not changes and not labels:
        return SaveOutcome(question, "unchanged")
    before = question_state(question)
    if changes:
        new_version(question, data, question.latest_number + 1, actor)
    question.status = data.status
    question.set_tags(data.tags)
    if "category" in labels:
        question.category = ensure_category(category_path)
    question.updated_at = clock.now()
    record_audit(
        actor,
        "question.edit",
        question,
        before,
        {
            "status": data.status,
            "tags": data.tags,
            "category": category_path,
            "version": question.latest_number,
            "changes": changes + labels,
        },
    )
    return SaveOutcome(question, "new_version" if changes else "update", changes + labels)


def _create(actor, data: QuestionData, category_path: str) -> SaveOutcome:
    """Write a new question with its version 1 (its key must be free)."""
    key = data.id or new_question_key()
    if queries.key_is_taken(key):
        raise QuestionSaveRefused(
            _(
                "The id '%(key)s' is already used by another question; choose another or "
                "leave it empty.",
                key=key,
            )
        )
    data.id = key
    question = Question(key=key, category=ensure_category(category_path), status=data.status)
    question.set_tags(data.tags)
    db.session.add(question)
    new_version(question, data, 1, actor)
    db.session.flush()
    record_audit(
        actor,
        "question.create",
        question,
        None,
        {"key": key, "version": 1, "category": category_path},
    )
    return SaveOutcome(question, "create")


@transaction
def bulk_update(
    actor,
    questions: list[Question],
    action: str,
    *,
    category: str | None = None,
    tag: str | None = None,
) -> int:
    """Move, mark ready, retire, tag or untag many questions at once (no new versions).

    Returns how many questions changed; each change writes an audit row.
    """
    if action not in BULK_ACTIONS:
        raise QuestionSaveRefused(_("Choose what to do with the selected questions."))
    if not questions:
        raise QuestionSaveRefused(_("Select at least one question."))
    target = None
    if action == "move":
        path = normalise_category(category) if category and category.strip() else None
        if path is None:
            raise QuestionSaveRefused(
                _("Give the category to move them to: names joined by '/', none of them empty.")
            )
        target = ensure_category(path)
    label = (tag or "").strip()
    if action in ("tag", "untag") and not 0 < len(label) <= MAX_TAG_LENGTH:
        raise QuestionSaveRefused(_("Give a tag of 1 to 100 characters."))
    changed = 0
    for question in questions:
        if action == "move":
            if question.category_id == target.id:
                continue
            before = {"category": question.category.full_name}
            after = {"category": target.full_name}
            question.category = target
        elif action in ("ready", "retire"):
            status = "ready" if action == "ready" else "retired"
            if question.status == status:
                continue
            before, after = {"status": question.status}, {"status": status}
            question.status = status
        else:
            tags = question.tags
            if (label in tags) == (action == "tag"):
                continue
            new_tags = tags + [label] if action == "tag" else [t for t in tags if t != label]
            before, after = {"tags": tags}, {"tags": new_tags}
            question.set_tags(new_tags)
        question.updated_at = clock.now()
        record_audit(actor, f"question.{action}", question, before, after)
        changed += 1
    return changed
