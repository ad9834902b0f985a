"""``flask bench ...``: benchmark data (registered in every configuration by create_app)."""

import time
from datetime import datetime

import click
from flask.cli import AppGroup

bench_cli = AppGroup("bench", help="Benchmark data and tools (docs/benchmarks.md).")


@bench_cli.command("data")
@click.option("--staff", type=click.IntRange(1), default=200, show_default=True)
@click.option("--questions", type=click.IntRange(1), default=500, show_default=True)
@click.option("--attempts", type=click.IntRange(0), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--competencies",
    type=click.IntRange(1),
    default=27,
    show_default=True,
    help="Competencies: the demo framework's 27, then generated GX1, GX2, … beyond 27.",
)
@click.option(
    "--periods",
    type=click.IntRange(1),
    default=12,
    show_default=True,
    help="Months of history that attempts and completions spread over.",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the data is as of (default: today); fixes every generated date.",
)
@click.option("--force", is_flag=True, help="Empty a database that already holds people first.")
def data_command(staff, questions, attempts, seed, competencies, periods, as_of, force):
    """Generate a realistic company into the configured database (DATABASE_URL).

    Departments, job roles, people, a question bank, quizzes with graded attempts and their
    per-competency results, courses with rules and enrolments; the same options give the
    same data. Refuses a database that already holds people unless --force (which empties it).
    """
    from app.bench.data import DataRefused, Params, generate

    params = Params(
        staff=staff,
        questions=questions,
        attempts=attempts,
        seed=seed,
        competencies=competencies,
        periods=periods,
        as_of=as_of.date() if isinstance(as_of, datetime) else None,
    )
    started = time.perf_counter()
    try:
        for line in generate(params, force=force):
            click.echo(f"{line} ({time.perf_counter() - started:.1f} s)")
    except DataRefused as exc:
        raise click.ClickException(str(exc)) from None
