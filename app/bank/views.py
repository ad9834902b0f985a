"""The trainers' bank pages: browse and bulk-change, author every type, preview and try,
history side by side, import an uploaded file and export a category. Staff get 403."""

import base64
import binascii
import io
import os
import random
import secrets

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.bank import form_data, forms, queries, richtext, services
from app.bank.blueprint import bp
from app.bank.files import with_version_files
from app.bank.formats import FORMATS
from app.bank.loaders import (
    category_or_none,
    get_category_or_404,
    get_question_or_404,
    get_version_or_404,
)
from app.bank.qtypes import QTYPES, STATUSES, TEXT_FORMATS
from app.competencies import queries as competency_queries
from app.core.errors import DomainError
from app.core.pagination import paginate
from app.core.params import parse_int
from app.core.permissions import (
    Role,
    can_view_every_question_file,
    can_view_question_files,
    guarded_by,
    role_required,
)
from app.core.urls import safe_next
from app.quizzes.queries import has_met_version

#: bank pages are for trainers and admins only
BANK_ROLES = (Role.TRAINER, Role.ADMIN)


@bp.context_processor
def _bank_labels() -> dict:
    """Readable names of types, statuses and fields for every bank template."""
    return {
        "qtype_labels": {name: qtype.label for name, qtype in QTYPES.items()},
        "status_labels": forms.STATUS_LABELS,
        "field_labels": forms.FIELD_LABELS,
    }


def _list_filters() -> dict:
    """The list's filters and sort order from the query string (unknown values ignored)."""
    args = request.args
    difficulty = args.get("difficulty", type=int)
    return {
        "category_id": args.get("category", type=int),
        "qtype": args.get("qtype") if args.get("qtype") in QTYPES else None,
        "competency": args.get("competency")
        if args.get("competency") in competency_queries.known_codes()
        else None,
        "difficulty": difficulty if difficulty in (1, 2, 3) else None,
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "tag": args.get("tag") or None,
        "text": args.get("q", ""),
        "sort": args.get("sort") if args.get("sort") in queries.SORTS else None,
        "descending": args.get("dir") == "desc",
    }


@bp.route("/")
@role_required(*BANK_ROLES)
def index():
    """The bank: the category tree beside the filtered, sorted and paged latest versions."""
    filters = _list_filters()
    page = paginate(
        queries.bank_list(**filters),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "bank/index.html",
        page=page,
        filters=filters,
        tree=queries.category_tree(),
        tags=queries.tag_names(),
        qtypes=list(QTYPES),
        competencies=competency_queries.competency_choices(),
        statuses=STATUSES,
        bulk=forms.BulkForm(next=request.full_path),
        export_formats=services.writable_formats(),
        flags=queries.question_flags(version.question_id for version in page.items),
    )


@bp.route("/bulk", methods=["POST"])
@role_required(*BANK_ROLES)
def bulk():
    """Move, retire, tag or untag the questions ticked in the list."""
    form = forms.BulkForm()
    back = safe_next(form.next.data, "bank.index")
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(back)
    questions = queries.questions_by_ids(request.form.getlist("ids", type=int))
    try:
        changed = services.bulk_update(
            current_user,
            questions,
            form.bulk_action.data,
            category=form.bulk_category.data,
            tag=form.bulk_tag.data,
        )
    except DomainError as exc:
        flash(str(exc), "danger")
    else:
        flash(_("%(n)d of %(m)d questions changed.", n=changed, m=len(questions)), "success")
    return redirect(back)


def _render_version(version, *, show_correct: bool):
    qtype = version.qtype_impl
    text = richtext.as_markup(qtype.text_html(version.questiontext, version.questiontextformat))
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
            questiontext=version.questiontext,
        )
    else:
        body = qtype.render_answer(
            version.data,
            None,
            order,
            f"preview-{version.id}",
            textformat=version.questiontextformat,
            questiontext=version.questiontext,
        )
    feedback = richtext.render(
        version.generalfeedback, version.generalfeedbackformat or version.questiontextformat
    )
    return tuple(
        richtext.as_markup(_with_files(part, version.id)) for part in (text, body, feedback)
    )


_with_files = with_version_files


@bp.route("/questions/<key>")
@role_required(*BANK_ROLES)
def question(key: str):
    """A question as staff will see it, its answer key, and its version history."""
    found = get_question_or_404(key)
    versions = queries.history(found)
    return _version_page(found, versions, versions[0])


@bp.route("/questions/<key>/versions/<int:number>")
@role_required(*BANK_ROLES)
def version(key: str, number: int):
    """One version of a question, for comparing with the others."""
    found = get_question_or_404(key)
    versions = queries.history(found)
    return _version_page(found, versions, get_version_or_404(versions, number))


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
        flags=queries.question_flags([found.id]).get(found.id, []),
    )


# --- authoring ----------------------------------------------------------------------------


def _category_path_arg() -> str:
    """The category a new question starts in: ?category=<id>, else the default one."""
    category = category_or_none(request.args.get("category", type=int))
    return category.full_name if category is not None else services.DEFAULT_CATEGORY


@bp.route("/questions/new", methods=["GET", "POST"])
@role_required(*BANK_ROLES)
def new_question():
    """Author a new question: first choose its type, then fill in the type's form."""
    qtype = QTYPES.get(request.args.get("qtype", ""))
    if qtype is None:
        return render_template(
            "bank/new.html",
            qtypes=list(QTYPES.values()),
            category_id=request.args.get("category", type=int),
        )
    return _author(None, qtype, form_data.new_question_data(qtype, _category_path_arg()))


@bp.route("/questions/<key>/edit", methods=["GET", "POST"])
@role_required(*BANK_ROLES)
def edit_question(key: str):
    """Edit a question: a content change saves a new version, the old ones stay."""
    found = get_question_or_404(key)
    latest = queries.history(found)[0]
    initial = form_data.version_form_data(latest.to_data(), latest.qtype_impl, latest.number)
    return _author(found, latest.qtype_impl, initial, latest)


def _author(question, qtype, initial: dict, latest=None):
    """Show the authoring form; on a save, check it as a file would be and save it."""
    look_alikes: list = []
    general: dict[str, list[str]] = {}
    if request.method == "POST":
        formdata, action = form_data.apply_row_action(request.form)
        form = forms.QuestionForm(formdata=formdata)
        if action is not None and action[0] == "add":
            form_data.add_rows(form, action[1])
        forms.prepare(form, qtype)
        if action is None:
            outcome, general, look_alikes = _save(form, question, qtype, latest)
            if outcome is not None:
                flash(_saved_message(outcome), "success")
                return redirect(url_for("bank.question", key=outcome.question.key))
    else:
        form = forms.QuestionForm(data=initial)
        forms.prepare(form, qtype)
    textformat = form.questiontextformat.data or "markdown"
    status = 422 if general or _has_errors(form) else 200
    page = render_template(
        "bank/edit.html",
        form=form,
        qtype=qtype,
        question=question,
        latest=latest,
        general=general,
        look_alikes=look_alikes,
        field_errors=form_data.field_errors(form),
        tree=queries.category_tree(),
        tags=queries.tag_names(),
        templates={name: forms.row_template(name, qtype) for name in forms.ROW_LISTS},
        preview_text=_preview(form.questiontext.data, textformat, latest, qtype),
        preview_feedback=_preview(form.generalfeedback.data, textformat, latest),
    )
    return page, status


def _preview(text, textformat: str, latest, qtype=None) -> Markup:
    """The server-side preview of a text (the script refreshes it as the trainer types); the
    question text as its type previews it (a Cloze question's blanks)."""
    text = form_data.typed_text(text)
    html = qtype.preview_html(text, textformat) if qtype else richtext.render(text, textformat)
    return richtext.as_markup(_with_files(html, latest.id) if latest is not None else html)


def _has_errors(form) -> bool:
    """Whether any field of the form, rows included, carries a message."""
    return bool(form_data.field_errors(form))


def _save(form, question, qtype, latest):
    """Check and save the form: (outcome or None, messages not on a field, look-alikes)."""
    if not form.validate():
        expired = bool(getattr(form, "csrf_token", None) and form.csrf_token.errors)
        return None, ({"": [_("The form expired; save again.")]} if expired else {}), []
    key = question.key if question is not None else (form.key.data or "").strip() or None
    data, errors = form_data.read_question_form(form, qtype, key)
    if data is None:
        return None, form_data.place_errors(form, errors), []
    if question is None and key and queries.question_by_key(key) is not None:
        taken = _(
            "The id '%(key)s' is already used by another question; choose another or "
            "leave it empty.",
            key=key,
        )
        return None, form_data.place_errors(form, {"key": [taken]}), []
    if request.form.get("save_anyway") != "1":
        current = latest.to_data() if latest is not None else None
        if current is None or (data.name, data.questiontext, data.category) != (
            current.name,
            current.questiontext,
            current.category,
        ):
            look_alikes = queries.similar_questions(
                data.category,
                data.name,
                data.questiontext,
                data.questiontextformat,
                exclude_id=question.id if question is not None else None,
            )
            if look_alikes:
                return None, {}, look_alikes
    base = form.base_version.data or ""
    try:
        outcome = services.save_question(current_user, question, data, base_version=parse_int(base))
    except services.QuestionSaveRefused as exc:
        where = "key" if question is None and form.key.data else ""
        return None, form_data.place_errors(form, {where: [str(exc)]}), []
    return outcome, {}, []


def _saved_message(outcome) -> str:
    """Tell the trainer what the save did to the question's versions."""
    number = outcome.question.latest_number
    if outcome.action == "create":
        return _("Question created as version 1.")
    if outcome.action == "new_version":
        return _("Saved as version %(n)d; the earlier versions are kept.", n=number)
    if outcome.action == "update":
        return _(
            "Saved: %(fields)s changed. The content is the same, so version %(n)d stays.",
            fields=", ".join(outcome.changes),
            n=number,
        )
    return _("Nothing changed; version %(n)d stays.", n=number)


@bp.route("/preview", methods=["POST"])
@role_required(*BANK_ROLES)
def preview_text():
    """Sanitised HTML of a text in a text format, for the author's live preview."""
    payload = request.get_json(silent=True) or request.form
    fmt = payload.get("format")
    fmt = fmt if fmt in TEXT_FORMATS else "markdown"
    qtype = QTYPES.get(str(payload.get("qtype") or ""))
    text = str(payload.get("text") or "")
    html = qtype.preview_html(text, fmt) if qtype else richtext.render(text, fmt)
    version_id = str(payload.get("version") or "")
    number = parse_int(version_id)
    return jsonify(html=_with_files(html, number) if number is not None else html)


# --- preview and try ----------------------------------------------------------------------


@bp.route("/questions/<key>/try", methods=["GET", "POST"])
@role_required(*BANK_ROLES)
def try_question(key: str):
    """Answer a question exactly as staff will see it, then see its grade and feedback.

    The choice order is recomputed from a seed carried in the form: no state on the server.
    """
    found = get_question_or_404(key)
    versions = queries.history(found)
    form = forms.TryForm()
    number = request.values.get("version", type=int)
    chosen = next((v for v in versions if v.number == number), versions[0])
    submitted = form.validate_on_submit() and parse_int(form.seed.data) is not None
    seed = int(form.seed.data) if submitted else secrets.randbelow(2**31)
    form.seed.data, form.version.data = str(seed), str(chosen.number)
    return render_template(
        "bank/try.html",
        question=found,
        version=chosen,
        versions=versions,
        form=form,
        result=_try(chosen, seed, request.form if submitted else None),
    )


def _try(version, seed: int, submitted) -> dict:
    """Render a try of ``version`` with the order drawn from ``seed``; grade ``submitted``."""
    qtype, data = version.qtype_impl, version.data
    textformat = version.questiontextformat
    order = qtype.choice_order(data, True, random.Random(seed))  # noqa: S311 - an order, no secret
    result: dict = {"response": None, "fraction": None, "review": None}
    if submitted is not None:
        response = qtype.normalise_response(data, qtype.read_form(data, submitted, "answer"), order)
        fraction = qtype.grade(data, response)
        result.update(
            response=response,
            fraction=fraction,
            review=qtype.render_review(
                data,
                response,
                order,
                True,
                True,
                textformat=textformat,
                field_name="review",
                questiontext=version.questiontext,
            ),
        )
        if fraction is not None:
            result["mark"] = fraction * version.defaultmark
            if qtype.has_combined_feedback:
                combined = version.to_data().combined_feedback(fraction)
                result["combined"] = richtext.render(combined, textformat)
        result["general"] = richtext.render(
            version.generalfeedback, version.generalfeedbackformat or textformat
        )
    result["text"] = qtype.text_html(version.questiontext, textformat)
    result["controls"] = qtype.render_answer(
        data,
        result["response"],
        order,
        "answer",
        textformat=textformat,
        questiontext=version.questiontext,
    )
    # Images embedded in the texts (@@PLUGINFILE@@) are served from the version's files.
    return {
        name: richtext.as_markup(_with_files(value, version.id))
        if isinstance(value, str)
        else value
        for name, value in result.items()
    }


# --- history ------------------------------------------------------------------------------

#: what the comparison names in words instead of a file's keys and values
HISTORY_WORDS = {
    "text": _l("Text"),
    "fraction": _l("Share of the mark"),
    "feedback": _l("Feedback"),
    "tolerance": _l("Tolerance"),
    "unit": _l("Unit"),
    "multiplier": _l("Multiplier"),
    "answer": _l("Matching answer"),
    "format": _l("Text format"),
    "feedbackformat": _l("Feedback format"),
    "shownumcorrect": _l("Show the number of correct responses"),
    "clearwrong": _l("Clear incorrect responses"),
    True: _l("Yes"),
    False: _l("No"),
}


@bp.route("/questions/<key>/history")
@role_required(*BANK_ROLES)
def history(key: str):
    """Every version with who made it and what changed; two chosen versions side by side."""
    found = get_question_or_404(key)
    versions = queries.history(found, with_files=True)  # newest first
    by_number = {v.number: v for v in versions}
    right = by_number.get(request.args.get("b", type=int), versions[0])
    older = [v for v in versions if v.number < right.number]
    left = by_number.get(request.args.get("a", type=int), older[0] if older else right)
    changes = {
        newer.number: services.changed_fields(previous, newer)
        for newer, previous in zip(versions, versions[1:], strict=False)
    }
    return render_template(
        "bank/history.html",
        question=found,
        versions=versions,
        left=left,
        right=right,
        diffs=services.compare_versions(left, right, HISTORY_WORDS),
        changes=changes,
        events=queries.question_audit(found),
    )


# --- import and export --------------------------------------------------------------------


def _source_lines(raw: bytes) -> list[str]:
    """The lines of an uploaded text file, to show each problem's line (none if binary)."""
    try:
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        return []


@bp.route("/import", methods=["GET", "POST"])
@role_required(*BANK_ROLES)
def import_questions():
    """Upload a question file: a dry-run report first (fix and re-upload), then confirm."""
    form = forms.ImportQuestionsForm()
    if not form.validate_on_submit():
        status = 422 if form.errors and request.method == "POST" else 200
        return _import_page(form), status
    raw = form.file.data.read()
    filename = os.path.basename(form.file.data.filename or "") or "upload"
    try:
        report = services.import_upload(
            current_user,
            raw,
            filename,
            fmt=form.format.data or "auto",
            category=form.category.data,
            dry_run=True,
        )
    except services.BankImportRejected as exc:
        return _import_page(form, problems=exc.problems, lines=_source_lines(raw)), 422
    confirm = forms.ConfirmQuestionImportForm(
        filename=filename,
        payload=base64.b64encode(raw).decode("ascii"),
        format=form.format.data or "auto",
        category=form.category.data or "",
        keys=" ".join(report.assigned_keys),
    )
    return _import_page(form, report=report, confirm=confirm)


def _import_page(form, **context):
    return render_template(
        "bank/import.html",
        form=form,
        formats=FORMATS,
        tree=queries.category_tree(),
        **context,
    )


@bp.route("/import/confirm", methods=["POST"])
@role_required(*BANK_ROLES)
def import_confirm():
    """Import the checked file for real: it is checked again, every question or none."""
    confirm = forms.ConfirmQuestionImportForm()
    if not confirm.validate_on_submit():
        flash(_("The import form expired; upload the file again."), "danger")
        return redirect(url_for("bank.import_questions"))
    try:
        raw = base64.b64decode(confirm.payload.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    try:
        report = services.import_upload(
            current_user,
            raw,
            confirm.filename.data,
            fmt=confirm.format.data or "auto",
            category=confirm.category.data or None,
            assigned_keys=(confirm.keys.data or "").split(),
        )
    except services.BankImportRejected as exc:
        form = forms.ImportQuestionsForm(formdata=None)
        return _import_page(form, problems=exc.problems, lines=_source_lines(raw)), 422
    flash(
        _(
            "Imported: %(created)d created, %(versions)d new versions, %(updated)d updated, "
            "%(unchanged)d unchanged.",
            created=report.count("create"),
            versions=report.count("new_version"),
            updated=report.count("update"),
            unchanged=report.count("unchanged"),
        ),
        "success",
    )
    return redirect(url_for("bank.index"))


@bp.route("/export")
@role_required(*BANK_ROLES)
def export():
    """Download a category and its subcategories (or the whole bank) in one format."""
    category_id = request.args.get("category", type=int)
    category = get_category_or_404(category_id) if category_id else None
    try:
        exported = services.export_file(category, request.args.get("format", "yaml"))
    except DomainError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("bank.index"))
    return send_file(
        io.BytesIO(exported.payload),
        mimetype=exported.mimetype,
        as_attachment=True,
        download_name=exported.filename,
    )


# --- files embedded in questions ----------------------------------------------------------

#: media types a browser may show inline; anything else (HTML, SVG, scripts) is a download,
#: since an imported file must never run as a page of the app
INLINE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf"}
)


@bp.route("/files/<int:version_id>/<path:name>")
@guarded_by(can_view_question_files)
def question_file(version_id: int, name: str):
    """A file embedded in a question version, e.g. an image its text shows: for trainers and
    admins, and for whoever has the version in one of their attempts (404 for anyone else,
    as for a file that does not exist)."""
    if not can_view_every_question_file(current_user) and not has_met_version(
        current_user, version_id
    ):
        abort(404)
    found = queries.question_file(version_id, name)
    if found is None:
        abort(404)
    mimetype = found.mimetype
    inline = mimetype in INLINE_TYPES or mimetype.startswith(("audio/", "video/", "text/plain"))
    response = send_file(
        io.BytesIO(found.content),
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=os.path.basename(found.name),
        max_age=3600,  # a version's files never change
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
