"""API resources of HR and training: people, the HR feed, departments, courses, training."""

from flask_babel import gettext as _

from app.api import queries, services
from app.api.auth import current_api_user, current_token, token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.schemas import (
    CourseListSchema,
    CoursesQuerySchema,
    DepartmentTreeSchema,
    DryRunQuerySchema,
    TrainingSchema,
    UserFeedResultSchema,
    UserFeedSchema,
    UserListSchema,
    UsersQuerySchema,
)
from app.api.views import department_or_422, person
from app.competencies.queries import competency_name
from app.core import clock
from app.core.errors import ImportRejected
from app.core.permissions import Role, can_view_people, can_view_training_of
from app.courses import queries as course_queries
from app.courses import services as courses
from app.org import queries as org_queries


@bp.route("/users", tags=["people"])
@token_required(check=can_view_people, scope="users:read")
@bp.arguments(UsersQuerySchema, location="query")
@bp.response(200, UserListSchema)
@bp.paginate(page_size=50, max_page_size=500)
def list_users(filters, pagination_parameters):
    """People the token may see (HR and admins: everyone; managers: their departments)."""
    department = None
    if filters.get("department"):
        department = department_or_422(filters["department"])
    query = queries.people(
        current_api_user(),
        role=filters.get("role"),
        department=department,
        job_role=filters.get("job_role"),
        service_prefix=services.SERVICE_PREFIX,
    )
    items, total = queries.page_of(
        query, pagination_parameters.page, pagination_parameters.page_size
    )
    pagination_parameters.item_count = total
    return {"items": [person(user) for user in items]}


@bp.route("/users", methods=["PUT"], tags=["people"])
@token_required(Role.ADMIN, scope="users:write")
@bp.arguments(DryRunQuerySchema, location="query")
@bp.arguments(UserFeedSchema)
@bp.response(200, UserFeedResultSchema)
@bp.alt_response(422, response="Error", description="Rejected: every bad row, nothing written")
def put_users(options, body):
    """Create or update people by employee number: every row or none (roles are kept)."""
    records = [
        {
            **record,
            "hired_at": record["hired_at"].isoformat() if record.get("hired_at") else "",
        }
        for record in body["users"]
    ]
    try:
        report = services.sync_users_feed(current_api_user(), records, dry_run=options["dry_run"])
    except ImportRejected as exc:
        raise ApiError(
            422,
            "import_rejected",
            _("Some rows have problems; nothing was changed."),
            errors=[{"row": p.line, "message": p.message} for p in exc.problems],
        ) from None
    return {
        "created": report.count("create"),
        "updated": report.count("update"),
        "unchanged": report.count("unchanged"),
        "dry_run": report.dry_run,
    }


@bp.route("/departments", tags=["people"])
@token_required(Role.HR, Role.ADMIN, scope="users:read")
@bp.response(200, DepartmentTreeSchema)
def departments():
    """The department tree: each department with its active members and sub-departments."""
    nodes = {}
    roots = []
    for dept, n in org_queries.department_tree():
        node = {
            "id": dept.id,
            "name": dept.name,
            "kind": dept.kind,
            "path": dept.full_name,
            "active_members": n,
            "children": [],
        }
        nodes[dept.id] = node
        parent = nodes.get(dept.parent_id)
        (parent["children"] if parent is not None else roots).append(node)
    return {"items": roots}


# --- training (courses) -------------------------------------------------------------------


@bp.route("/courses", tags=["training"])
@token_required(Role.TRAINER, Role.HR, Role.ADMIN, scope="training:read")
@bp.arguments(CoursesQuerySchema, location="query")
@bp.response(200, CourseListSchema)
@bp.paginate(page_size=50, max_page_size=500)
def list_courses(filters, pagination_parameters):
    """Courses, newest first, filtered by status and a text search."""
    query = course_queries.course_list(status=filters.get("status"), search=filters.get("q", ""))
    items, total = queries.page_of(
        query, pagination_parameters.page, pagination_parameters.page_size
    )
    pagination_parameters.item_count = total
    return {
        "items": [
            {
                "id": course.id,
                "title": course.title,
                "category": course.category,
                "status": course.status,
                "credit_hours": course.credit_hours,
                "is_open": course.is_open,
                "competencies": course.competencies,
                "competency_names": {code: competency_name(code) for code in course.competencies},
                "published_at": course.published_at,
            }
            for course in items
        ]
    }


@bp.route("/people/<string(maxlength=32):employee_no>/training", tags=["training"])
@token_required(scope="training:read")
@bp.response(200, TrainingSchema)
def person_training(employee_no: str):
    """A person's current assignments and certificates (staff: only their own)."""
    found = org_queries.user_by_employee_no(employee_no)
    if found is None:
        raise ApiError(404, "not_found", _("No person has this employee number."))
    if not can_view_training_of(current_token(), found):
        raise ApiError(403, "forbidden", _("You may not see this person's training."))
    now = clock.now()
    enrolments = course_queries.my_enrolments(found)
    return {
        "assignments": [
            {
                "course_id": e.course_id,
                "title": e.course.title,
                "status": courses.status_of(e, now),
                "due_at": e.due_on,
                "completed_at": e.completed_at,
                "mandatory": e.is_mandatory,
            }
            for e in enrolments
            if e.superseded_at is None
        ],
        "certificates": [
            {
                "code": e.certificate.code,
                "course_id": e.certificate.course_id,
                "issued_at": e.certificate.issued_at,
                "expires_at": e.certificate.expires_at,
            }
            for e in enrolments
            if e.certificate is not None and e.certificate.revoked_at is None
        ],
    }
