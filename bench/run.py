"""Run the benchmark scenarios: ``make bench`` / ``make bench-full`` (docs/benchmarks.md).

    .venv/bin/python -m bench.run [--pairs 3] [--seconds 5] [--only NAME ...] [--table]

For SQLite (a new file, WAL) and, when BENCH_DATABASE_URL is set, PostgreSQL (that database is
wiped: give a scratch one): migrate, generate a company (``app.bench.data``), run each
scenario's setup, serve the app with gunicorn (gthread) on a free loopback port, sign the
sessions in, measure every request scenario in pairs with the two ceilings from a separate
locust process, then the in-process scenarios. Prints one line per scenario and database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Harness,
    Result,
    ScratchDatabase,
    Server,
    bench_app,
    log,
    mint_sessions,
    sign_in,
)
from bench.registry import Scenario, scenarios  # noqa: E402


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3, help="pairs of segments per scenario")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per segment")
    parser.add_argument("--only", nargs="*", help="scenario names (default: all)")
    parser.add_argument(
        "--databases",
        default="auto",
        help="sqlite, postgresql or both (auto: sqlite, and postgresql when "
        "BENCH_DATABASE_URL is set)",
    )
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--attempts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--competencies", type=int, default=27)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--gift-questions", type=int, default=5000)
    parser.add_argument("--users", type=int, help="concurrent users of every request scenario")
    parser.add_argument(
        "--exam-starts", type=int, default=500, help="exam_start: people starting at once"
    )
    parser.add_argument(
        "--exam-steps",
        type=int,
        nargs="*",
        default=[250, 500, 1000, 1500, 2000, 2500, 3000],
        help="exam_day: the numbers of examinees tried, in order",
    )
    parser.add_argument(
        "--exam-pacing", type=float, default=10.0, help="exam_day: seconds between two saves"
    )
    parser.add_argument(
        "--exam-measure-seconds",
        type=float,
        default=40.0,
        help="exam_day: seconds measured per step (after the ramp and two pacing intervals)",
    )
    # processes, not threads: the threads of one process stall each other (docs/benchmarks.md)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        default="gthread",
        help="gunicorn worker class (sync: one request at a time per process, --threads ignored)",
    )
    parser.add_argument(
        "--sessions",
        type=int,
        help="sign in at most this many sessions per role (default: what the scenarios ask for)",
    )
    parser.add_argument("--table", action="store_true", help="also print a Markdown table")
    return parser.parse_args(argv)


def _databases(choice: str) -> list[ScratchDatabase]:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    kinds = {"auto": ["sqlite"] + (["postgresql"] if url else []), "both": ["sqlite", "postgresql"]}
    wanted = kinds.get(choice, [choice])
    if "postgresql" in wanted and not url:
        raise SystemExit("PostgreSQL asked for but BENCH_DATABASE_URL is not set")
    return [ScratchDatabase(kind, url if kind == "postgresql" else None) for kind in wanted]


def _prepare(database: ScratchDatabase, args, chosen: list[Scenario]) -> tuple[object, dict]:
    """Wipe, migrate, generate the company, run the scenarios' setups; return (app, params)."""
    from app.bench.data import Params, generate
    from app.bench.data.base import BENCH_PASSWORD
    from app.bench.services import ensure_scratch_table

    started = time.perf_counter()
    database.reset()
    database.migrate()
    log(f"[{database.kind}] migrated ({time.perf_counter() - started:.1f} s)")
    app = bench_app(database.url)
    params = Params(
        staff=args.staff,
        questions=args.questions,
        attempts=args.attempts,
        seed=args.seed,
        competencies=args.competencies,
        periods=args.periods,
    )
    from app.extensions import db

    with app.app_context():
        for line in generate(params, force=True):
            log(f"[{database.kind}] {line} ({time.perf_counter() - started:.1f} s)")
        ensure_scratch_table()
        db.session.remove()
    return app, {"password": BENCH_PASSWORD}


#: sessions beyond this many per role are minted (mint_sessions) rather than signed in
SIGN_IN_AT_MOST = 200


def _identities(
    harness: Harness, server: Server, chosen: list[Scenario], password: str, cap: int | None
) -> dict[str, list]:
    """Sign in as many staff and trainer sessions as the chosen scenarios need (the first
    SIGN_IN_AT_MOST of a role through the sign-in page, the rest minted with the server's key)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.org.models import User, UserRole

    wanted: dict[str, int] = {}
    for scenario in chosen:
        if scenario.identity:
            wanted[scenario.identity] = max(wanted.get(scenario.identity, 0), scenario.identities)
            if cap:
                wanted[scenario.identity] = min(wanted[scenario.identity], cap)
    identities: dict[str, list] = {}
    for role, count in wanted.items():
        with harness.in_app():
            people = db.session.execute(
                select(User.employee_no, User.session_token)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == role, User.is_active.is_(True))
                .order_by(User.employee_no)
                .limit(count)
            ).all()
        started = time.perf_counter()
        numbers = [number for number, _token in people]
        identities[role] = sign_in(harness.base, numbers[:SIGN_IN_AT_MOST], password)
        identities[role] += mint_sessions(server.secret_key, people[SIGN_IN_AT_MOST:])
        minted = max(0, len(people) - SIGN_IN_AT_MOST)
        log(
            f"[{harness.db}] signed in {len(people) - minted} {role} sessions, minted {minted} "
            f"({time.perf_counter() - started:.1f} s)"
        )
    return identities


def run_database(database: ScratchDatabase, args, chosen: list[Scenario]) -> list[Result]:
    """Every chosen scenario on one database; the results in registration order."""
    import tempfile

    from bench.registry import REGISTRY

    app, common = _prepare(database, args, chosen)
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="skillgrid-bench-run-") as workdir:
        harness = Harness(
            db=database.kind,
            app=app,
            base="",
            pairs=args.pairs,
            seconds=args.seconds,
            repeats=args.pairs,
            gift_questions=args.gift_questions,
            workdir=Path(workdir),
            users=args.users,
            options={
                "exam_starts": args.exam_starts,
                "exam_steps": args.exam_steps,
                "exam_pacing": args.exam_pacing,
                "exam_measure_seconds": args.exam_measure_seconds,
            },
        )
        params: dict[str, dict] = {}
        for scenario in chosen:
            if scenario.setup is not None:
                with harness.in_app():
                    params[scenario.name] = scenario.setup(harness) or {}
        requests = [s for s in chosen if s.kind == "http" and not s.is_ceiling]
        ceilings = [s for s in chosen if s.is_ceiling]
        if requests or ceilings:
            with Server(
                database.url, args.workers, args.threads, worker_class=args.worker_class
            ) as server:
                harness.base = server.base
                shape = f"{args.workers} workers" + (
                    "" if args.worker_class == "sync" else f" x {args.threads} threads"
                )
                log(f"[{database.kind}] gunicorn {args.worker_class}: {shape}")
                from app.bench.data.bank import TOPICS

                context = {
                    "identities": _identities(
                        harness, server, chosen, common["password"], args.sessions
                    ),
                    "params": params,
                    "common": {**common, "topics": list(TOPICS)},
                }
                harness.context_file = Path(workdir) / "context.json"
                harness.context_file.write_text(json.dumps(context), encoding="utf-8")
                for scenario in requests:
                    started = time.perf_counter()
                    runner = scenario.run or (lambda h, s: h.measure_in_pairs(s))
                    results[scenario.name] = runner(harness, scenario)
                    elapsed = time.perf_counter() - started
                    log(f"[{database.kind}] {scenario.name} ({elapsed:.0f} s)")
                if not requests:  # only the ceilings were chosen: measure them on their own
                    harness.measure_in_pairs(REGISTRY["ceiling"])
                verify = REGISTRY["ceiling_write"].verify
                for result in harness.ceiling_results(verify):
                    if result.name in {s.name for s in ceilings}:
                        results[result.name] = result
        for scenario in (s for s in chosen if s.kind == "inprocess"):
            started = time.perf_counter()
            with harness.in_app():
                measured = scenario.fn(harness)
            results[scenario.name] = Result(
                name=scenario.name,
                db=database.kind,
                requests=measured.requests,
                errors=measured.errors,
                lost=measured.lost,
                value=float(measured.value),
                unit=scenario.unit,
            )
            log(f"[{database.kind}] {scenario.name} ({time.perf_counter() - started:.0f} s)")
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    database.cleanup()
    return [results[s.name] for s in chosen if s.name in results]


def markdown(results: list[Result]) -> str:
    """The results as the table of docs/benchmarks.md."""
    head = (
        "| scenario | db | requests | rps | ÷ ceiling | ÷ ceiling_write | p50 ms | p99 ms "
        "| errors | lost | value | unit |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for result in results:
        fields = dict(part.split("=", 1) for part in result.line().split(" ")[2:])
        rows.append(
            f"| {result.name} | {result.db} | {fields['requests']} | {fields['rps']} | "
            f"{fields['ratio_to_ceiling']} | {fields['ratio_to_ceiling_write']} | "
            f"{fields['p50_ms']} | {fields['p99_ms']} | {fields['errors']} | {fields['lost']} | "
            f"{fields['value']} | {fields['unit']} |"
        )
    return "\n".join([head, *rows])


def main(argv: list[str] | None = None) -> int:
    """Run the chosen scenarios on each database and print their lines."""
    args = _arguments(argv)
    registered = scenarios()
    names = {s.name for s in registered}
    unknown = sorted(set(args.only or ()) - names)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(unknown)}; known: {sorted(names)}")
    chosen = [s for s in registered if not args.only or s.name in args.only]
    log(
        f"bench: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{args.pairs} pairs x {args.seconds:g} s, scenarios: {', '.join(s.name for s in chosen)}"
    )
    started = time.perf_counter()
    everything: list[Result] = []
    for database in _databases(args.databases):
        results = run_database(database, args, chosen)
        for result in results:
            print(result.line(), flush=True)
        everything.extend(results)
    if args.table:
        print(markdown(everything), flush=True)
    log(f"bench: done in {time.perf_counter() - started:.0f} s")
    bad = [r for r in everything if (r.lost or 0) > 0]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
