"""API resources of people taking quizzes: tokens, me, my quizzes, attempts."""

from flask import current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, NotFound

from app.api import queries, services
from app.api.auth import (
    ANY_SERVICE,
    current_api_user,
    current_token,
    note_token_use,
    token_required,
)
from app.api.blueprint import bp
from app.api.errors import ApiError, api_error_response
from app.api.responses import (
    ResponseInvalid,
    api_response,
    normalised_response,
    question_view,
)
from app.api.schemas import (
    AttemptResultSchema,
    AttemptSchema,
    AttemptStartSchema,
    MeSchema,
    QuizListSchema,
    ReviewSchema,
    SaveRequestSchema,
    SaveResultSchema,
    TokenRequestSchema,
    TokenSchema,
)
from app.auth.services import AccountLocked, WrongCredentials, throttle_key
from app.bank import richtext
from app.core import clock
from app.core.permissions import can_author_quizzes, public
from app.extensions import limiter
from app.quizzes import queries as quiz_queries
from app.quizzes import services as quizzes
from app.quizzes.loaders import get_visible_quiz_or_404
from app.quizzes.models import REVIEW_ITEMS, Attempt, Quiz


@bp.errorhandler(HTTPException)
def api_error(error):
    """Every error of an API view in the API's error shape."""
    return api_error_response(error)


bp.after_request(note_token_use)


# --- tokens -------------------------------------------------------------------------------


def _token_account_key() -> str:
    """Rate-limit key of the account being tried: the sign-in form's, whatever name was typed."""
    body = request.get_json(silent=True)
    identifier = body.get("username") if isinstance(body, dict) else None
    if isinstance(identifier, str) and identifier.strip():
        return throttle_key(identifier.strip())
    return f"addr:{request.remote_addr}"


def _token_failed(response) -> bool:
    return bool(g.get("api_login_failed"))


#: the sign-in form's buckets (auth.login, scopes login-account and login-address): a failed
#: token request and a failed sign-in count against the same limits
LOGIN_ACCOUNT_BUCKET = "auth.login:login-account"
LOGIN_ADDRESS_BUCKET = "auth.login:login-address"


@bp.route("/tokens", methods=["POST"], tags=["tokens"])
@limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
    scope=LOGIN_ACCOUNT_BUCKET,
    key_func=_token_account_key,
    deduct_when=_token_failed,
)
@limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
    scope=LOGIN_ADDRESS_BUCKET,
    deduct_when=_token_failed,
)
@public
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
@bp.doc(security=[])
def create_token(credentials):
    """Get a token for a local account (employee number or email, and password).

    Failed attempts are rate-limited like the sign-in form, per account and per address.
    """
    try:
        token, raw = services.issue_user_token(credentials["username"], credentials["password"])
    except services.PasswordChangeRequired as exc:
        raise ApiError(403, "password_change_required", str(exc)) from None
    except AccountLocked as exc:
        raise ApiError(403, "account_locked", str(exc)) from None
    except WrongCredentials as exc:
        g.api_login_failed = True
        raise ApiError(401, "invalid_credentials", str(exc)) from None
    return {"token": raw, "expires_at": token.expires_at}


@bp.route("/tokens/current", methods=["DELETE"], tags=["tokens"])
@token_required(scope=ANY_SERVICE)
@bp.response(204)
def revoke_current_token():
    """Revoke the token of this request."""
    services.revoke_token(current_api_user(), current_token())
    return ""


@bp.route("/me", tags=["me"])
@token_required(scope=ANY_SERVICE)
@bp.response(200, MeSchema)
def me():
    """Who the token acts as: profile, roles, managed departments and the token itself."""
    token = current_token()
    user = token.user
    return {
        **person(user),
        "manages": sorted(d.full_name for d in user.managed_departments),
        "token": {
            "kind": "service" if token.is_service else "user",
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at,
        },
    }


def department_or_422(path: str):
    """The department a query's ``department`` names by its full path, or a 422 that says
    which field is wrong."""
    from app.core.errors import NotFound as Unknown
    from app.org import services as org

    try:
        return org.department_by_path(path)
    except Unknown as exc:
        raise ApiError(
            422, "validation_error", str(exc), errors=[{"field": "department", "message": str(exc)}]
        ) from None


def person(user) -> dict:
    """A user as the API shows people."""
    return {
        "employee_no": user.employee_no,
        "name": user.name,
        "email": user.email,
        "department": user.department.full_name if user.department else None,
        "job_role": user.job_role.code if user.job_role else None,
        "roles": user.role_names,
        "hired_at": user.hired_at,
        "is_active": user.is_active,
    }


# --- quizzes ------------------------------------------------------------------------------

#: documentation of the path parameters (an example gives generated test requests a real id)
QUIZ_ID = {"in": "path", "name": "quiz_id", "description": "The quiz's id", "example": 1}
ATTEMPT_ID = {"in": "path", "name": "attempt_id", "description": "The attempt's id", "example": 1}
SLOT = {"in": "path", "name": "slot", "description": "Question number, from 1", "example": 1}


@bp.route("/me/quizzes", tags=["attempts"])
@token_required()
@bp.response(200, QuizListSchema)
@bp.paginate(page_size=50, max_page_size=500)
def my_quizzes(pagination_parameters):
    """Quizzes I can attempt now (attempts_left is null when unlimited)."""
    rows = [
        row
        for row in quiz_queries.available_quizzes(current_api_user(), clock.now())
        if not row["not_yet_open"] and (row["left"] != 0 or row["in_progress_id"])
    ]
    pagination_parameters.item_count = len(rows)
    first = pagination_parameters.first_item
    return {
        "items": [
            {
                "id": row["quiz"].id,
                "title": row["quiz"].title,
                "time_limit_minutes": row["quiz"].time_limit_minutes,
                "attempts_left": row["left"],
                "close_at": row["quiz"].close_at,
            }
            for row in rows[first : first + pagination_parameters.page_size]
        ]
    }


def _quiz_for_attempt(quiz_id: int) -> Quiz:
    """A quiz the user may take (authors see every quiz), else 404."""
    try:
        return get_visible_quiz_or_404(quiz_id, user=current_api_user())
    except NotFound:
        raise ApiError(404, "not_found", _("No quiz with this id is open to you.")) from None


def _own_attempt(attempt_id: int, *, allow_authors: bool = False) -> Attempt:
    """The user's attempt with its questions (authors may review anyone's), else 404/403."""
    attempt = queries.attempt_for_api(attempt_id)
    if attempt is None or attempt.is_preview:
        raise ApiError(404, "not_found", _("No attempt has this id."))
    user = current_api_user()
    if attempt.user_id != user.id and not (allow_authors and can_author_quizzes(user)):
        raise ApiError(403, "forbidden", _("This attempt is someone else's."))
    return attempt


def _result(attempt: Attempt, allows: set[str]) -> dict:
    """State and grade; the mark only as far as the review options allow it now."""
    shows_mark = "marks" in allows and not attempt.needs_grading
    return {
        "state": attempt.state,
        "mark": attempt.mark if shows_mark else None,
        "max_mark": attempt.max_mark,
        "passed": attempt.passed if shows_mark else None,
        "needs_grading": attempt.needs_grading,
    }


@bp.route(
    "/quizzes/<int(max=2147483647):quiz_id>/attempts",
    methods=["POST"],
    tags=["attempts"],
    parameters=[QUIZ_ID],
)
@token_required()
@bp.response(201, AttemptStartSchema, description="A new attempt started")
@bp.alt_response(200, schema=AttemptStartSchema, description="The attempt in progress resumed")
@bp.alt_response(409, response="Error", description="Not open, or no attempts left")
def start_attempt(quiz_id: int):
    """Start my attempt at a quiz, or resume the one in progress."""
    quiz = _quiz_for_attempt(quiz_id)
    try:
        attempt, started = quizzes.start_attempt(current_api_user(), quiz)
    except quizzes.QuizError as exc:
        raise ApiError(409, "quiz_unavailable", str(exc)) from None
    attempt = queries.attempt_for_api(attempt.id)
    body = {
        "id": attempt.id,
        "deadline_at": attempt.deadline_at,
        "questions": [question_view(slot) for slot in attempt.slots],
    }
    return body, 201 if started else 200


@bp.route(
    "/attempts/<int(max=2147483647):attempt_id>",
    tags=["attempts"],
    parameters=[ATTEMPT_ID],
)
@token_required()
@bp.response(200, AttemptSchema)
def get_attempt(attempt_id: int):
    """My attempt: state, times, questions and the responses saved so far."""
    attempt = _own_attempt(attempt_id)
    if quizzes.finish_if_overdue(attempt):
        attempt = queries.attempt_for_api(attempt.id)  # finished just now: read its grade
    responses = quiz_queries.current_responses(attempt)
    allows = quiz_queries.review_allows(attempt.quiz, attempt)
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "quiz_title": attempt.quiz.title,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "finished_at": attempt.finished_at,
        **_result(attempt, allows),
        "questions": [
            {**question_view(slot), "response": api_response(slot, responses.get(slot.number))}
            for slot in attempt.slots
        ],
    }


@bp.route(
    "/attempts/<int(max=2147483647):attempt_id>/responses/<int(max=2147483647):slot>",
    methods=["PUT"],
    tags=["attempts"],
    parameters=[ATTEMPT_ID, SLOT],
)
@token_required()
@bp.arguments(SaveRequestSchema)
@bp.response(200, SaveResultSchema)
@bp.alt_response(409, response="Error", description="Submitted, or past the deadline")
@bp.alt_response(422, response="Error", description="Not an answer to the question, or too long")
def save_response(body, attempt_id: int, slot: int):
    """Save my response to one question (an older `seq` than the stored one changes nothing)."""
    attempt = _own_attempt(attempt_id)
    target = next((s for s in attempt.slots if s.number == slot), None)
    if target is None:
        raise ApiError(404, "not_found", _("This attempt has no question %(n)d.", n=slot))
    if attempt.state != "in_progress":
        raise ApiError(409, "attempt_closed", _("This attempt is no longer in progress."))
    try:
        response = normalised_response(target, body["response"])
    except ResponseInvalid as exc:
        raise ApiError(422, "invalid_response", str(exc), errors=exc.errors) from None
    try:
        result = quizzes.save_response(attempt, target, response, body.get("seq"))
    except quizzes.AttemptClosed as exc:
        raise ApiError(409, "attempt_closed", str(exc)) from None
    except quizzes.QuizError as exc:  # an answer over the documented size (docs/api.md)
        raise ApiError(
            422, "invalid_response", str(exc), errors=[{"field": "response", "message": str(exc)}]
        ) from None
    return {"saved_at": result.saved_at, "applied": result.applied}


@bp.route(
    "/attempts/<int(max=2147483647):attempt_id>/submit",
    methods=["POST"],
    tags=["attempts"],
    parameters=[ATTEMPT_ID],
)
@token_required()
@bp.response(200, AttemptResultSchema)
def submit_attempt(attempt_id: int):
    """Submit and grade my attempt; submitting again changes nothing and answers the same."""
    attempt = _own_attempt(attempt_id)
    attempt = quizzes.submit_attempt(attempt)
    return _result(attempt, quiz_queries.review_allows(attempt.quiz, attempt))


@bp.route(
    "/attempts/<int(max=2147483647):attempt_id>/review",
    tags=["attempts"],
    parameters=[ATTEMPT_ID],
)
@token_required()
@bp.response(200, ReviewSchema)
@bp.alt_response(409, response="Error", description="The attempt is still in progress")
def review_attempt(attempt_id: int):
    """A finished attempt as the quiz's review options allow now (trainers see everything)."""
    attempt = _own_attempt(attempt_id, allow_authors=True)
    if quizzes.finish_if_overdue(attempt):
        attempt = queries.attempt_for_api(attempt.id)
    if attempt.state == "in_progress":
        raise ApiError(409, "attempt_in_progress", _("Submit the attempt before reviewing it."))
    user = current_api_user()
    allows = quiz_queries.review_allows(attempt.quiz, attempt)
    if attempt.user_id != user.id and can_author_quizzes(user):
        allows = set(REVIEW_ITEMS)
    responses = quiz_queries.current_responses(attempt)
    questions = []
    for slot in attempt.slots:
        version = slot.version
        qtype = version.qtype_impl
        feedback = None
        if "feedback" in allows and version.generalfeedback:
            feedback = richtext.render(
                version.generalfeedback,
                version.generalfeedbackformat or version.questiontextformat,
            )
        questions.append(
            {
                **question_view(slot),
                "response": api_response(slot, responses.get(slot.number)),
                "earned_mark": slot.mark
                if "marks" in allows and qtype.is_graded and not slot.needs_grading
                else None,
                "right_answer": api_response(slot, qtype.correct_response(version.data))
                if "correct" in allows
                else None,
                "feedback": feedback,
                "comment": (slot.comment or None) if "feedback" in allows else None,
            }
        )
    return {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        **_result(attempt, allows),
        "review": sorted(allows, key=REVIEW_ITEMS.index),
        "questions": questions,
    }
