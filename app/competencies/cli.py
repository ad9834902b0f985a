"""``flask competencies import|export`` and the demo framework seeder."""

from pathlib import Path

import click

from app.competencies import files, files_xlsx, queries, services
from app.competencies.blueprint import bp

#: the demo framework and role profiles, reviewed like code
FRAMEWORK_FILE = Path(__file__).resolve().parents[2] / "framework" / "competencies.yaml"


def _echo_report(report: services.FrameworkReport) -> None:
    parts = [
        ("domains created", report.domains_created),
        ("domains changed", report.domains_changed),
        ("competencies created", report.created),
        ("new versions", report.new_versions),
        ("retired", report.retired),
        ("restored", report.restored),
        ("scale levels changed", [str(n) for n in report.scale_changed]),
        ("profiles created", report.profiles_created),
        ("profiles replaced", report.profiles_replaced),
        ("level 1 added", report.filled_with_level_one),
    ]
    for label, items in parts:
        if items:
            click.echo(f"{label}: {', '.join(items)}")
    click.echo(
        ("dry run, nothing written: " if report.dry_run else "")
        + f"{report.n_changes} change(s), {len(report.unchanged)} competencies unchanged, "
        f"{len(report.profiles_unchanged)} profiles unchanged"
    )


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Import a framework file (YAML or XLSX): all of it or nothing."""
    try:
        report = services.import_file(None, path.read_bytes(), str(path), dry_run=dry_run)
    except services.FrameworkRejected as rejected:
        for problem in rejected.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(rejected.problems)} problem(s); nothing was imported"
        ) from None
    _echo_report(report)


@bp.cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "xlsx"]),
    default=None,
    help="Default: from the file name (.xlsx or .yaml).",
)
def export_command(out: Path, fmt: str | None) -> None:
    """Write the framework and every role profile to a YAML or XLSX file."""
    fmt = fmt or ("xlsx" if out.suffix.lower() == ".xlsx" else "yaml")
    framework = queries.framework_for_export()
    if fmt == "xlsx":
        out.write_bytes(files_xlsx.dump_xlsx(framework))
    else:
        out.write_text(files.dump_yaml(framework), encoding="utf-8")
    click.echo(
        f"{len(framework.competencies)} competencies, {len(framework.profiles)} profiles "
        f"written to {out}"
    )


@bp.cli.command("refresh")
@click.option("--all", "everyone", is_flag=True, help="Recompute every person's levels.")
def refresh_command(everyone: bool) -> None:
    """Recompute levels whose evidence expired (daily, from cron on one node; idempotent)."""
    report = services.refresh(everyone=everyone)
    click.echo(
        f"{report.people} people, {report.levels_recomputed} levels recomputed, "
        f"{report.completions_added} course completions added as evidence"
    )


def seed_framework() -> str:
    """Load framework/competencies.yaml (re-loading an unchanged file changes nothing)."""
    report = services.import_file(None, FRAMEWORK_FILE.read_bytes(), "framework/competencies.yaml")
    return (
        f"{len(report.created)} created, {len(report.new_versions)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.profiles_created)} profiles created"
    )
