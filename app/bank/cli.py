"""``flask bank import|check|export|template`` and the bank's demo seeder."""

from pathlib import Path

import click

from app.bank import queries, services
from app.bank.blueprint import bp
from app.bank.formats import FORMATS
from app.bank.formats.xlsx import template_workbook
from app.core.errors import DomainError

QUESTION_BANK = Path(__file__).resolve().parents[2] / "question_bank"
ACTION_WORDS = {
    "create": "created",
    "new_version": "new version",
    "update": "updated",
    "unchanged": "unchanged",
}


def _sources(paths: tuple[Path, ...]):
    files = services.collect_files(list(paths))
    if not files:
        raise click.ClickException("no question files found")
    return [services.read_source(path) for path in files]


def _format_choice():
    return click.Choice(["auto", *FORMATS])


@bp.cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=_format_choice(), default="auto", show_default=True)
@click.option("--category", help="Target category: names joined by '/'.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_command(paths, fmt, category, dry_run):
    """Import question files or folders: every question or none."""
    try:
        report = services.import_questions(
            None, _sources(paths), fmt=fmt, category=category, dry_run=dry_run
        )
    except services.BankImportRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); nothing was imported"
        ) from None
    for item in report.items:
        if item.action != "unchanged":
            detail = f" ({', '.join(item.changes)})" if item.changes else ""
            click.echo(f"{item.file}:{item.line}: {ACTION_WORDS[item.action]} {item.key}{detail}")
    click.echo(("dry run, nothing written: " if dry_run else "") + report.summary)


@bp.cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=_format_choice(), default="auto", show_default=True)
@click.option("--category", help="Target category: names joined by '/'.")
def check_command(paths, fmt, category):
    """Validate question files; print FILE:LINE: message per problem; write nothing."""
    sources = _sources(paths)
    problems = services.check_sources(sources, fmt=fmt, category=category)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    click.echo(f"{len(sources)} file(s) checked, no problems")


@bp.cli.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(services.writable_formats()),
    default="yaml",
    show_default=True,
)
@click.option("--category", help="Export only this category and its subcategories.")
def export_command(out, fmt, category):
    """Export the latest version of every question (a folder for yaml, a file otherwise)."""
    try:
        questions = services.export_questions(category)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    written = services.write_export(questions, out, fmt)
    click.echo(f"{len(questions)} question(s) written to {len(written)} file(s) under {out}")


@bp.cli.command("template")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def template_command(out):
    """Write the Excel template trainers fill in (with a bilingual guide and examples)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(template_workbook())
    click.echo(f"template written to {out}")


def seed_question_bank() -> str:
    """Import the bank shipped in question_bank/ (re-importing changes nothing)."""
    sources = [
        services.read_source(path, str(path.relative_to(QUESTION_BANK.parent)))
        for path in services.collect_files([QUESTION_BANK])
    ]
    report = services.import_questions(None, sources)
    return f"{queries.question_count()} questions ({report.summary})"
