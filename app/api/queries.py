"""Read-side queries of the API: paging, the HR feed's people, attempts with their keys, tokens."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.api.models import ApiToken
from app.bank.models import QuestionVersion
from app.extensions import db
from app.org.models import Department, JobRole, User, UserRole
from app.org.queries import visible_users
from app.quizzes.models import Attempt, AttemptSlot


def page_of(query: Select, page: int, page_size: int) -> tuple[list, int]:
    """(the items of ``page``, the total) in two queries; a page past the end is empty."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if (page - 1) * page_size >= total:
        return [], total  # also keeps absurd page numbers away from the database's integers
    items = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).unique().all()
    return list(items), total


def people(
    viewer,
    *,
    role: str | None = None,
    department: Department | None = None,
    job_role: str | None = None,
    service_prefix: str = "svc-",
) -> Select:
    """People ``viewer`` may see (service accounts left out), filtered, by employee number."""
    query = visible_users(viewer).where(~User.employee_no.startswith(service_prefix))
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if department is not None:
        query = query.where(User.department_id.in_(department.subtree_ids()))
    if job_role:
        query = query.where(
            User.job_role_id.in_(select(JobRole.id).where(JobRole.code == job_role.upper()))
        )
    return query.order_by(User.employee_no)


def attempt_for_api(attempt_id: int) -> Attempt | None:
    """An attempt with its quiz, slots, question versions and question keys (fixed queries)."""
    return db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(
            joinedload(Attempt.quiz),
            selectinload(Attempt.slots)
            .selectinload(AttemptSlot.version)
            .selectinload(QuestionVersion.question),
        )
    )


def service_tokens() -> list[ApiToken]:
    """Every service token, newest first, with its user (one query)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.scopes.is_not(None))
            .options(joinedload(ApiToken.user))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def live_user_tokens(now, limit: int = 200) -> list[ApiToken]:
    """People's tokens neither revoked nor expired, newest first, with their users (one query)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.scopes.is_(None),
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
            .options(joinedload(ApiToken.user))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .limit(limit)
        )
    )


def token_by_id(token_id: int) -> ApiToken | None:
    """One token by id."""
    return db.session.get(ApiToken, token_id)
