"""Pages of people's competencies: the staff × competency matrix, the department rollup, the
gap lists, a person's profile with its evidence trail, ratings and course assignment.

HR and admins see everyone, managers their departments' subtrees, staff themselves, trainers
(who rate people and build the courses) everyone's profile.
"""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape
from wtforms import SelectChoice

from app.competencies import evidence_read, matrix, queries
from app.competencies import services as competencies
from app.competencies.blueprint import bp
from app.competencies.export import STATE_WORDS, matrix_xlsx
from app.competencies.forms import EnrolForm, RatingForm
from app.competencies.sources import describe, label
from app.core import charts, clock
from app.core.errors import DomainError
from app.core.i18n import select_locale
from app.core.pagination import paginate
from app.core.params import parse_int
from app.core.permissions import (
    assigns_courses,
    can_assign_to,
    can_rate,
    can_view_competencies_of,
    can_view_people,
    guarded_by,
    login_only,
    rates_people,
)
from app.core.responses import download
from app.courses import services as courses
from app.courses.loaders import get_course_or_404
from app.org import queries as org_queries
from app.org.loaders import department_or_none
from app.org.loaders import get_user_or_404 as get_person_or_404


def _filters() -> dict:
    """The matrix's filters from the query string (unknown values ignored)."""
    args = request.args
    domains = {d.code for d in queries.domains_with_competencies()}
    sort = args.get("sort", "person")
    codes = queries.known_codes(active_only=True)
    return {
        "department": department_or_none(args.get("department", type=int)),
        "job_role_id": args.get("job_role", type=int) or None,
        "domain": args.get("domain") if args.get("domain") in domains else None,
        "sort": sort if sort in matrix.SORTS else "person",
        "sort_code": args.get("code") if args.get("code") in codes else None,
        "descending": args.get("dir") == "desc",
    }


@bp.route("/matrix")
@guarded_by(can_view_people)
def matrix_page():
    """Staff × competencies: each cell the current level coloured by the gap to the requirement."""
    filters = _filters()
    page = paginate(
        matrix.people(current_user, **filters),
        request.args.get("page", 1, type=int),
        matrix.PAGE_SIZE,
        rows=True,
    )
    columns = matrix.competencies(filters["domain"])
    locale = select_locale()
    return render_template(
        "competencies/matrix.html",
        column_labels={c.id: c.label(locale) for c in columns},
        cells_html=matrix.row_cells_html,
        escaped_labels={c.id: escape(c.label(locale)) for c in columns},
        state_words={state: escape(str(word)) for state, word in STATE_WORDS.items()},
        page=page,
        rows=matrix.rows(page.items, columns),
        columns=columns,
        filters=filters,
        departments=org_queries.department_choices(blank=_("All departments")),
        job_roles=org_queries.job_role_choices(blank=_("All job roles")),
        domains=queries.domains_with_competencies(),
        locale=locale,
    )


@bp.route("/matrix.xlsx")
@guarded_by(can_view_people)
def matrix_export():
    """The matrix as a workbook: the same colours, a legend sheet, frozen header and names."""
    filters = _filters()
    query = matrix.people(current_user, **filters)
    columns = matrix.competencies(filters["domain"])
    content = matrix_xlsx(query, columns, select_locale())
    return download(
        content,
        f"competency-matrix-{clock.local_today().isoformat()}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/rollup")
@guarded_by(can_view_people)
def rollup():
    """Per department (its subtree) and competency: the share of staff meeting the requirement."""
    root = department_or_none(request.args.get("department", type=int))
    children = queries.child_departments(current_user, root)
    counted = matrix.tallies(current_user, root)
    cells = matrix.rollup(current_user, root, children, counted)
    met, total = matrix.attainment(current_user, root, counted)
    return render_template(
        "competencies/rollup.html",
        root=root,
        children=children,
        cells=cells,
        columns=matrix.competencies(),
        gaps=matrix.largest_gaps(current_user, root, counted=counted),
        attainment=(met / total) if total else None,
        departments=org_queries.department_choices(blank=_("The whole company")),
        locale=select_locale(),
    )


@bp.route("/gaps/<code>")
@guarded_by(can_view_people)
def gaps(code: str):
    """The people behind a gap: who in a department subtree is below the requirement."""
    competency = queries.get_competency(code)
    if competency is None:
        abort(404)
    root = department_or_none(request.args.get("department", type=int))
    page = paginate(
        matrix.people_below(current_user, root, competency),
        request.args.get("page", 1, type=int),
        matrix.PAGE_SIZE,
    )
    levels = matrix.levels_of([p.id for p in page.items])
    required = queries.required_levels()
    return render_template(
        "competencies/gaps.html",
        competency=competency,
        root=root,
        page=page,
        cells={
            p.id: matrix.Cell(
                competency,
                required.get(p.job_role_id, {}).get(competency.code),
                levels.get((p.id, competency.id)),
            )
            for p in page.items
        },
        locale=select_locale(),
    )


def _radars(states, locale: str):
    """One radar per domain: required and current level of its competencies."""
    by_domain: dict = {}
    for state in states:
        by_domain.setdefault(state.competency.domain, []).append(state)
    result = []
    for domain, items in by_domain.items():
        if len(items) < 3:
            continue
        result.append(
            charts.radar(
                domain.name(locale),
                [s.competency.label(locale) for s in items],
                [
                    (_("Required"), [s.required for s in items]),
                    (_("Current"), [s.current or 0 for s in items]),
                ],
            )
        )
    return result


def _trail(states) -> dict:
    """(source, id) -> (title, link) for every piece of evidence on the page."""
    items = set()
    for state in states:
        items |= {("quiz_attempt", r.attempt_id) for r in state.quiz}
        items |= {(row.source, row.source_id or row.id) for row in state.rows}
    return describe(items)


@bp.route("/people/<int:user_id>")
@login_only
def person(user_id: int):
    """A person's profile: required vs current, the gaps ranked, evidence, courses to close them."""
    person = get_person_or_404(user_id)
    if not can_view_competencies_of(current_user, person):
        abort(403)
    locale = select_locale()
    states = evidence_read.person_states(person)
    gaps = sorted((s for s in states if s.gap > 0), key=lambda s: (-s.gap, s.competency.code))
    suggestions = matrix.courses_developing([s.competency.code for s in gaps])
    rating = RatingForm()
    rating.code.choices = [
        SelectChoice(s.competency.code, s.competency.label(locale)) for s in states
    ]
    names = queries.level_names(locale)
    rating.level.choices = [SelectChoice(n, f"{n} {names.get(n, '')}") for n in range(1, 6)]
    enrol = EnrolForm(due_on=clock.local_today() + timedelta(days=30))
    return render_template(
        "competencies/person.html",
        person=person,
        states=states,
        gaps=gaps,
        suggestions=suggestions,
        enrolled=matrix.current_course_ids(person.id),
        radars=_radars(states, locale),
        trail=_trail(states),
        source_label=label,
        level_names=names,
        rating=rating,
        enrol=enrol,
        locale=locale,
        now=clock.now(),
    )


@bp.route("/people/<int:user_id>/c/<code>")
@login_only
def trail(user_id: int, code: str):
    """The evidence trail behind one cell: every piece, linked, with dates and validity."""
    person = get_person_or_404(user_id)
    if not can_view_competencies_of(current_user, person):
        abort(403)
    state = next(
        (s for s in evidence_read.person_states(person) if s.competency.code == code), None
    )
    if state is None:
        abort(404)
    return render_template(
        "competencies/trail.html",
        person=person,
        state=state,
        trail=_trail([state]),
        source_label=label,
        level_names=queries.level_names(),
        locale=select_locale(),
        now=clock.now(),
    )


def _not_oneself(person):
    """A redirect with a message when someone acts on their own profile, else None."""
    if person.id == current_user.id:
        flash(_("You cannot rate yourself or assign yourself a course here."), "warning")
        return redirect(url_for("competencies.person", user_id=person.id))
    return None


@bp.route("/people/<int:user_id>/ratings", methods=["POST"])
@guarded_by(rates_people)
def rate(user_id: int):
    """Record a rating from the profile (trainers, HR, the person's managers)."""
    person = get_person_or_404(user_id)
    if (refused := _not_oneself(person)) is not None:
        return refused
    if not can_rate(current_user, person):
        abort(403)
    form = RatingForm()
    form.code.choices = [SelectChoice(c.code, c.code) for c in queries.active_competencies()]
    form.level.choices = [SelectChoice(n, str(n)) for n in range(1, 6)]
    competency = queries.get_competency(form.code.data or "")
    if not form.validate_on_submit() or competency is None:
        flash(_("Pick a competency and a level, and say what you observed."), "danger")
    else:
        try:
            competencies.record_rating(
                current_user, person, competency, form.level.data, form.comment.data
            )
        except competencies.RatingRefused as error:
            flash(str(error), "danger")
        else:
            flash(_("The rating is recorded."), "success")
    return redirect(url_for("competencies.person", user_id=person.id) + "#evidence")


@bp.route("/people/<int:user_id>/assign", methods=["POST"])
@guarded_by(assigns_courses)
def assign(user_id: int):
    """Assign a suggested course to the person, with a due date and the reason they will see."""
    person = get_person_or_404(user_id)
    if (refused := _not_oneself(person)) is not None:
        return refused
    if not can_assign_to(current_user, person):
        abort(403)
    form = EnrolForm()
    course_id = parse_int(form.course_id.data or "")
    if not form.validate_on_submit() or course_id is None:
        flash(_("Give a due date and the reason the person will see."), "danger")
        return redirect(url_for("competencies.person", user_id=person.id) + "#courses")
    course = get_course_or_404(course_id)
    try:
        courses.create_rule(
            current_user,
            course,
            target_kind="user",
            user=person,
            due_kind="fixed",
            due_on=form.due_on.data,
            is_mandatory=True,
            reason=form.reason.data,
        )
    except DomainError as error:
        flash(str(error), "danger")
    else:
        flash(
            _("%(name)s is assigned the course %(course)s.", name=person.name, course=course.title),
            "success",
        )
    return redirect(url_for("competencies.person", user_id=person.id) + "#courses")
