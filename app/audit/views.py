"""The audit trail for HR and admins: browse with filters, export as CSV or XLSX."""

from datetime import date

from flask import current_app, render_template, request

from app.audit import export, queries
from app.audit.blueprint import bp
from app.audit.labels import ACTION_LABELS, action_label, target_label
from app.core import clock
from app.core.pagination import paginate
from app.core.permissions import Role, role_required
from app.core.responses import download


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip()[:10])
    except ValueError:
        return None


def _filters() -> queries.AuditFilter:
    return queries.AuditFilter(
        who=request.args.get("who", "").strip()[:100],
        action=request.args.get("action", "").strip()[:64],
        since=_date_arg("since"),
        until=_date_arg("until"),
    )


def _changes(before, after) -> list[tuple[str, str, str]]:
    """(field, before, after) of what differs, values shortened for the table."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [("", str(before)[:200], str(after)[:200])]

    def short(value) -> str:
        text = "—" if value is None else str(value)
        return text if len(text) <= 120 else text[:119] + "…"

    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return [(key, short(before.get(key)), short(after.get(key))) for key in keys]


@bp.route("/")
@role_required(Role.HR, Role.ADMIN)
def index():
    """The audit trail, newest first, filtered by who, what and when."""
    filters = _filters()
    page = paginate(
        queries.audit_events(filters),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
        rows=True,
    )
    accounts = queries.accounts_named(event for event, _actor in page.items)
    actions = sorted(ACTION_LABELS, key=action_label)
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actions=actions,
        accounts=accounts,
        action_label=action_label,
        target_label=target_label,
        changes=_changes,
        to_local=clock.to_local,
        export_limit=export.EXPORT_LIMIT,
    )


@bp.route("/export.<any(csv, xlsx):fmt>")
@role_required(Role.HR, Role.ADMIN)
def export_events(fmt: str):
    """The filtered audit trail as CSV (UTF-8 with BOM) or XLSX (at most EXPORT_LIMIT rows)."""
    events = queries.export_rows(_filters(), export.EXPORT_LIMIT)
    stamp = clock.to_local(clock.now()).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return download(export.to_csv(events), f"audit-{stamp}.csv", "text/csv")
    return download(
        export.to_xlsx(events),
        f"audit-{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
