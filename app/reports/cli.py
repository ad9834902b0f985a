"""``flask reports ...``: item analysis of a marks file, and refreshing stale quiz statistics."""

import json
import sys
from pathlib import Path

import click

from app.reports import services
from app.reports.blueprint import bp
from app.reports.marks_file import analyse_marks, read_marks_csv


@bp.cli.command("item-analysis")
@click.argument("marks_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def item_analysis_command(marks_file: Path):
    """Moodle's quiz statistics of a marks matrix in CSV, printed as JSON.

    First row: each question's maximum mark; each further row: one attempt's marks (a blank
    cell is 0). Problems go to stderr as FILE:ROW: message, with exit status 1.
    """
    matrix, problems = read_marks_csv(marks_file.read_bytes(), str(marks_file))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    click.echo(json.dumps(analyse_marks(matrix), ensure_ascii=False, indent=2))


@bp.cli.command("refresh-statistics")
def refresh_statistics_command():
    """Compute again every quiz statistics whose attempts changed (cron, on one node)."""
    n = services.refresh_stale()
    click.echo(f"{n} quiz statistics refreshed")
