"""``flask quality import-indicators|export-indicators|import-scores`` and the demo indicators."""

from pathlib import Path

import click

from app.core.errors import ImportRejected
from app.quality import files, queries, services
from app.quality.blueprint import bp
from app.quality.files import DEMO_FILE as INDICATORS_FILE


def _rejected(exc: ImportRejected, path: Path) -> click.ClickException:
    for problem in exc.problems:
        where = problem.file or str(path)
        click.echo(f"{where}:{problem.line}: {problem.message}", err=True)
    return click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported")


@bp.cli.command("import-indicators")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_indicators_command(path: Path, dry_run: bool) -> None:
    """Import an indicator file (YAML): all of it or nothing."""
    try:
        report = services.import_file(None, path.read_bytes(), str(path), dry_run=dry_run)
    except ImportRejected as exc:
        raise _rejected(exc, path) from None
    for label, items in (
        ("indicators created", report.created),
        ("indicators changed", report.changed),
        ("parameter sets created", report.sets_created),
        ("parameter sets replaced", report.sets_replaced),
    ):
        if items:
            click.echo(f"{label}: {', '.join(items)}")
    click.echo(
        ("dry run, nothing written: " if report.dry_run else "")
        + f"{report.n_changes} change(s), {len(report.unchanged)} indicators unchanged, "
        f"{len(report.sets_unchanged)} parameter sets unchanged"
    )


@bp.cli.command("export-indicators")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export_indicators_command(out: Path) -> None:
    """Write every indicator and parameter set to a YAML file."""
    content = queries.file_for_export()
    out.write_text(files.dump_yaml(content), encoding="utf-8")
    click.echo(
        f"{len(content.indicators)} indicators, {len(content.parameter_sets)} parameter sets "
        f"written to {out}"
    )


@bp.cli.command("import-scores")
@click.argument("period")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_scores_command(period: str, path: Path, dry_run: bool) -> None:
    """Import a period's scores (YYYY-MM) from CSV or XLSX: every row or none.

    The file has the columns employee_no, indicator, value (percentages as 0–100). For each
    indicator in the file, its values of that period are replaced: people missing from the
    file lose their value of that indicator.
    """
    try:
        report = services.import_score_file(
            None, period, path.read_bytes(), str(path), source="cli", dry_run=dry_run
        )
    except ImportRejected as exc:
        raise _rejected(exc, path) from None
    except services.ScoreRefused as exc:
        raise click.ClickException(str(exc)) from None
    for code, counts in report.by_indicator.items():
        click.echo(
            f"{code}: {counts.created} created, {counts.updated} updated, "
            f"{counts.deleted} deleted, {counts.unchanged} unchanged"
        )
    click.echo(
        ("dry run, nothing written: " if report.dry_run else f"batch {report.batch_id}: ")
        + f"{period}: {report.created} created, {report.updated} updated, "
        f"{report.deleted} deleted, {report.unchanged} unchanged"
    )


def seed_indicators() -> str:
    """Load framework/indicators.yaml (re-loading an unchanged file changes nothing)."""
    if not queries.known_codes() and not _has_framework():
        return "skipped: load the competency framework first"
    report = services.import_file(None, INDICATORS_FILE.read_bytes(), "framework/indicators.yaml")
    return (
        f"{len(report.created)} created, {len(report.changed)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.sets_created)} parameter sets created"
    )


def _has_framework() -> bool:
    from app.competencies.queries import known_codes

    return bool(known_codes())
