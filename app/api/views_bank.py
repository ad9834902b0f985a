"""API resources of the question bank: list, one question (JSON export shape), imports."""

import json

from flask import jsonify
from flask_babel import gettext as _

from app.api.auth import current_api_user, token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.queries import page_of
from app.api.schemas import (
    EXPORTED_QUESTION,
    ImportResultSchema,
    ImportSchema,
    QuestionListSchema,
    QuestionQuerySchema,
)
from app.bank import queries as bank_queries
from app.bank import services as bank
from app.bank.formats import dump_json
from app.competencies.queries import names as competency_names
from app.core.permissions import Role


def _summary(version, names: dict[str, str]) -> dict:
    question = version.question
    return {
        "id": question.key,
        "name": version.name,
        "qtype": version.qtype,
        "category": question.category.full_name,
        "status": question.status,
        "difficulty": version.difficulty,
        "competencies": version.competencies,
        "competency_names": {code: names.get(code, "") for code in version.competencies},
        "tags": question.tags,
        "version": version.number,
        "updated_at": question.updated_at,
    }


@bp.route("/questions", tags=["question bank"])
@token_required(Role.TRAINER, Role.ADMIN, scope="questions:read")
@bp.arguments(QuestionQuerySchema, location="query")
@bp.response(200, QuestionListSchema)
@bp.paginate(page_size=50, max_page_size=500)
def list_questions(filters, pagination_parameters):
    """Questions of the bank (their latest versions), filtered as on the bank page."""
    category_id = None
    if filters.get("category"):
        category = bank.category_by_path(filters["category"])
        if category is None:
            raise ApiError(
                422,
                "validation_error",
                _("Unknown category %(path)s.", path=filters["category"]),
                errors=[{"field": "category", "message": _("No such category.")}],
            )
        category_id = category.id
    query = bank_queries.bank_list(
        category_id=category_id,
        qtype=filters.get("qtype"),
        competency=filters.get("competency"),
        difficulty=filters.get("difficulty"),
        status=filters.get("status"),
        tag=filters.get("tag"),
        text=filters.get("q", ""),
    )
    items, total = page_of(query, pagination_parameters.page, pagination_parameters.page_size)
    pagination_parameters.item_count = total
    names = competency_names()  # one query, whether or not this page's questions have any
    return {"items": [_summary(version, names) for version in items]}


@bp.route("/questions/<string(maxlength=100):key>", tags=["question bank"])
@token_required(Role.TRAINER, Role.ADMIN, scope="questions:read")
@bp.response(200, EXPORTED_QUESTION)
def get_question(key: str):
    """One question (its latest version) exactly as the bank's JSON export writes it."""
    question = bank_queries.question_by_key(key)
    if question is None:
        raise ApiError(404, "not_found", _("No question has the id %(key)s.", key=key))
    latest = next(v for v in question.versions if v.number == question.latest_number)
    exported = json.loads(dump_json([latest.to_data()]))[0]
    return jsonify(exported)


@bp.route("/question-bank/imports", methods=["POST"], tags=["question bank"])
@token_required(Role.TRAINER, Role.ADMIN, scope="questions:write")
@bp.arguments(ImportSchema, location="multipart")
@bp.response(200, ImportResultSchema)
@bp.alt_response(422, response="Error", description="Rejected: every problem, nothing written")
def import_questions(options):
    """Import a question file (YAML, JSON, Moodle XML, GIFT, XLSX): every question or none."""
    upload = options["file"]
    try:
        report = bank.import_upload(
            current_api_user(),
            upload.read(),
            upload.filename or "upload",
            fmt=options["format"],
            category=options.get("category"),
            dry_run=options["dry_run"],
        )
    except bank.BankImportRejected as exc:
        raise ApiError(
            422,
            "import_rejected",
            _("The file has problems; nothing was imported."),
            errors=[{"file": p.file, "line": p.line, "message": p.message} for p in exc.problems],
        ) from None
    return {
        "created": report.count("create"),
        "new_versions": report.count("new_version"),
        "updated": report.count("update"),
        "unchanged": report.count("unchanged"),
        "dry_run": report.dry_run,
        "problems": [],
    }
