"""Read-only bank pages for trainers: the list of latest versions, a question and its history."""

import random

from flask import abort, current_app, render_template, request
from markupsafe import Markup

from app.bank import bp, queries, richtext
from app.bank.qtypes import COMPETENCY_CODES, QTYPES, STATUSES
from app.core.pagination import paginate
from app.core.permissions import Role, role_required


def get_question_or_404(key: str):
    """Load a question by its stable key, or 404."""
    question = queries.question_by_key(key)
    if question is None:
        abort(404)
    return question


@bp.route("/")
@role_required(Role.TRAINER, Role.ADMIN)
def index():
    """The bank: latest version of each question, filtered and paged."""
    filters = {
        "category_id": request.args.get("category", type=int),
        "qtype": request.args.get("qtype") if request.args.get("qtype") in QTYPES else None,
        "competency": request.args.get("competency")
        if request.args.get("competency") in COMPETENCY_CODES
        else None,
        "difficulty": request.args.get("difficulty", type=int),
        "status": request.args.get("status") if request.args.get("status") in STATUSES else None,
        "tag": request.args.get("tag") or None,
        "text": request.args.get("q", ""),
    }
    page = paginate(
        queries.bank_list(**filters),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "bank/index.html",
        page=page,
        filters=filters,
        categories=queries.categories_with_counts(),
        qtypes=list(QTYPES),
        competencies=COMPETENCY_CODES,
        statuses=STATUSES,
    )


def _sanitised(html: str) -> Markup:
    """Mark HTML as safe that richtext (nh3) or a qtype renderer (escaping) produced."""
    return Markup(html)  # noqa: S704 - produced by the sanitising renderers only


def _render_version(version, *, show_correct: bool):
    qtype = version.qtype_impl
    text = _sanitised(richtext.render(version.questiontext, version.questiontextformat))
    # The authored order; a seeded generator keeps the (always shuffled) matching list stable.
    order = qtype.choice_order(version.data, False, random.Random(version.id))  # noqa: S311
    if show_correct:
        body = qtype.render_review(
            version.data,
            qtype.correct_response(version.data),
            order,
            True,
            True,
            textformat=version.questiontextformat,
            field_name=f"key-{version.id}",
        )
    else:
        body = qtype.render_answer(
            version.data,
            None,
            order,
            f"preview-{version.id}",
            textformat=version.questiontextformat,
        )
    feedback = richtext.render(
        version.generalfeedback, version.generalfeedbackformat or version.questiontextformat
    )
    return text, _sanitised(body), _sanitised(feedback)


@bp.route("/questions/<key>")
@role_required(Role.TRAINER, Role.ADMIN)
def question(key: str):
    """A question as staff will see it, its answer key, and its version history."""
    found = get_question_or_404(key)
    versions = queries.history(found)
    return _version_page(found, versions, versions[0])


@bp.route("/questions/<key>/versions/<int:number>")
@role_required(Role.TRAINER, Role.ADMIN)
def version(key: str, number: int):
    """One version of a question, for comparing with the others."""
    found = get_question_or_404(key)
    versions = queries.history(found)
    chosen = next((v for v in versions if v.number == number), None)
    if chosen is None:
        abort(404)
    return _version_page(found, versions, chosen)


def _version_page(found, versions, chosen):
    text, answer, feedback = _render_version(chosen, show_correct=False)
    _text, review, _feedback = _render_version(chosen, show_correct=True)
    return render_template(
        "bank/question.html",
        question=found,
        versions=versions,
        version=chosen,
        text=text,
        answer=answer,
        review=review,
        feedback=feedback,
    )
