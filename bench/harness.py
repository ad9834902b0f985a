"""The harness's machinery: scratch databases, the gunicorn server, sessions, segments, lines.

``Harness`` is what scenarios see: the app (for setup, verification and in-process work),
``run_segments`` (one load-driver process running segments in order) and
``measure_in_pairs`` (the default measurement of a request scenario: each pair is a ceiling
segment, a ceiling_write segment and a segment of the scenario, at the same concurrency; the
ratios reported are the medians of the per-pair ratios, because the machine's noise reaches
2.5x between repeats). ``Result.line()`` is the one output line per scenario.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def log(message: str) -> None:
    """Progress on stderr (stdout carries only the scenario lines)."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(round(fraction * len(ordered) + 0.5)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float | None:
    """The median, or None for no values."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# --- results ------------------------------------------------------------------------------


@dataclass
class Result:
    """One scenario's figures on one database: exactly one output line."""

    name: str
    db: str
    requests: int | None = None
    rps: float | None = None
    ratio_to_ceiling: float | None = None
    ratio_to_ceiling_write: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    lost: int | None = None
    value: float | None = None
    unit: str | None = None
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """``scenario: NAME db=... requests=N rps=X ... value=V unit=U`` ('-' = not applicable)."""

        def fmt(value, digits: int) -> str:
            if value is None:
                return "-"
            return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

        return (
            f"scenario: {self.name} db={self.db} requests={fmt(self.requests, 0)} "
            f"rps={fmt(self.rps, 1)} ratio_to_ceiling={fmt(self.ratio_to_ceiling, 3)} "
            f"ratio_to_ceiling_write={fmt(self.ratio_to_ceiling_write, 3)} "
            f"p50_ms={fmt(self.p50_ms, 1)} p99_ms={fmt(self.p99_ms, 1)} errors={self.errors} "
            f"lost={fmt(self.lost, 0)} value={fmt(self.value, 1)} unit={self.unit or '-'}"
        )


@dataclass
class SegmentStats:
    """One segment, reduced to the measured requests."""

    requests: int
    seconds: float
    errors: int
    latencies_ms: list[float]
    cpu_seconds: float
    acks: list

    @property
    def rps(self) -> float:
        """Measured requests per second of the segment."""
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def of(cls, segment: dict, measured: tuple[str, ...] = ()) -> SegmentStats:
        """Reduce a driver segment: ``measured`` names count (all when empty)."""
        names = segment["names"]
        chosen = [name for name in names if not measured or name in measured]
        failures = sum(entry["failures"] for entry in names.values())
        return cls(
            requests=sum(names[name]["count"] for name in chosen),
            seconds=segment["seconds"],
            errors=failures + segment["user_errors"],
            latencies_ms=[ms for name in chosen for ms in names[name]["latencies_ms"]],
            cpu_seconds=segment["cpu_seconds"],
            acks=segment["acks"],
        )


def cpu_share(stats: list[SegmentStats]) -> float:
    """The load driver's CPU time over the wall time of ``stats`` (1.0 = one core busy)."""
    return sum(s.cpu_seconds for s in stats) / max(1e-9, sum(s.seconds for s in stats))


# --- databases and the server ---------------------------------------------------------------


class ScratchDatabase:
    """A database the run may wipe: a new SQLite file, or the PostgreSQL BENCH_DATABASE_URL."""

    def __init__(self, kind: str, url: str | None = None) -> None:
        self.kind = kind
        self.folder: str | None = None
        if kind == "sqlite":
            self.folder = tempfile.mkdtemp(prefix="skillgrid-bench-")
            url = f"sqlite:///{self.folder}/bench.db"
        from config import normalise_database_url

        self.url = normalise_database_url(url or "")

    def reset(self) -> None:
        """Empty the database (PostgreSQL: refuse one that holds people and is no bench one)."""
        if self.kind != "postgresql":
            return
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
                if "user_account" in tables and "bench_ceiling_write" not in tables:
                    people = conn.execute(text("SELECT count(*) FROM user_account")).scalar()
                    if people:
                        raise SystemExit(
                            f"BENCH_DATABASE_URL holds {people} people and no bench run made "
                            "it; refusing to wipe it (give a scratch database)"
                        )
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()

    def migrate(self) -> None:
        """``flask db upgrade`` on the database, in a child process."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "db", "upgrade"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": self.url, "FLASK_APP": "wsgi"}
            | {"SKILLGRID_ENV": "development"},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"migrating the {self.kind} database failed:\n{done.stderr}")

    def cleanup(self) -> None:
        """Remove a SQLite scratch folder (PostgreSQL keeps its data for inspection)."""
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def bench_app(url: str):
    """The app on ``url`` in the bench configuration (for setup, verification, in process)."""
    from app import create_app
    from config import BenchConfig

    return create_app(type("RunConfig", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


class Server:
    """The app under gunicorn (gthread unless told) on a free loopback port."""

    def __init__(
        self,
        url: str,
        workers: int,
        threads: int,
        secret_key: str | None = None,
        worker_class: str = "gthread",
    ) -> None:
        self.url = url
        self.workers = workers
        self.threads = threads
        self.worker_class = worker_class
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        #: the server's key: sessions beyond what sign_in should do are minted with it; servers
        #: given the same key accept each other's sessions (several behind a load balancer)
        self.secret_key = secret_key or secrets.token_hex(16)

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "SKILLGRID_ENV": "bench",
            "DATABASE_URL": self.url,
            "SECRET_KEY": self.secret_key,
            "FLASK_APP": "wsgi",
        }
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "-k", self.worker_class,
                "--threads", str(self.threads), "-w", str(self.workers),
                "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/bench/ceiling", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
            if self.process.poll() is not None:
                break
        self.__exit__(None, None, None)
        raise SystemExit("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        """The process ids of gunicorn's workers (the master's children), from /proc."""
        assert self.process is not None
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # the process ended while being read
            if parent == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sign_in(base: str, employee_nos: list[str], password: str) -> list[dict]:
    """Sign each person in over HTTP (before timing: scrypt is slow on purpose)."""
    import requests

    def one(employee_no: str) -> dict:
        session = requests.Session()
        session.trust_env = False  # loopback only, never through a proxy
        page = session.get(base + "/login", timeout=60)
        token = CSRF.search(page.text).group(1)
        answer = session.post(
            base + "/login",
            data={"csrf_token": token, "identifier": employee_no, "password": password},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302 or not answer.headers["Location"].endswith("/home"):
            raise SystemExit(f"signing in {employee_no} failed: HTTP {answer.status_code}")
        home = session.get(base + "/home", timeout=60)
        return {
            "employee_no": employee_no,
            "cookies": session.cookies.get_dict(),
            "csrf": CSRF.search(home.text).group(1),
        }

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, employee_nos))


def mint_sessions(secret_key: str, people: list[tuple[str, str]]) -> list[dict]:
    """Signed-in sessions for (employee number, session token) pairs without the sign-in
    request: the session cookie and CSRF token the server would set, made with its key by
    Flask's and Flask-WTF's own code. For thousands of examinees, whose sign-ins (scrypt, about
    0.1 s of CPU each) would take minutes and are not what the run measures."""
    from flask import Flask, session
    from flask_wtf.csrf import generate_csrf

    minter = Flask("bench-sessions")
    minter.config["SECRET_KEY"] = secret_key
    serializer = minter.session_interface.get_signing_serializer(minter)
    cookie = minter.config["SESSION_COOKIE_NAME"]
    sessions = []
    for employee_no, token in people:
        with minter.test_request_context():
            session["_user_id"] = token
            session["_fresh"] = True
            csrf = generate_csrf()
            sessions.append(
                {
                    "employee_no": employee_no,
                    "cookies": {cookie: serializer.dumps(dict(session))},
                    "csrf": csrf,
                }
            )
    return sessions


# --- the harness scenarios see ---------------------------------------------------------------


@dataclass
class Harness:
    """One database's run: what scenarios use to measure and to check."""

    db: str
    app: object
    base: str
    pairs: int
    seconds: float
    repeats: int
    gift_questions: int
    workdir: Path
    context_file: Path | None = None
    #: concurrent users of every request scenario (None: each scenario's own)
    users: int | None = None
    #: scenario options from the command line (exam_starts, exam_steps, exam_pacing, …)
    options: dict = field(default_factory=dict)
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
    #: (ceiling, ceiling_write) stats of every pair measured, for the two ceiling lines
    ceiling_pairs: list[tuple[SegmentStats, SegmentStats]] = field(default_factory=list)
    ceiling_write_acks: list = field(default_factory=list)

    @contextlib.contextmanager
    def in_app(self):
        """An app context whose session is removed afterwards (no connection held)."""
        from app.extensions import db

        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def run_segments(self, segments: list[dict]) -> list[dict]:
        """Run segments in one load-driver process (locust); return the raw results."""
        plan = self.workdir / f"plan-{secrets.token_hex(4)}.json"
        out = plan.with_suffix(".out.json")
        plan.write_text(
            json.dumps(
                {"host": self.base, "context_file": str(self.context_file), "segments": segments}
            ),
            encoding="utf-8",
        )
        budget = sum(s["seconds"] for s in segments) + 10 * len(segments) + 120
        subprocess.run(
            [sys.executable, "-m", "bench.driver", str(plan), str(out)],
            cwd=ROOT,
            check=True,
            timeout=budget,
        )
        return json.loads(out.read_text(encoding="utf-8"))

    def run_paced(self, plan: dict) -> list[dict]:
        """Run exam_day's paced examinees in their own process (``bench.paced``, not locust);
        return the raw segment as ``run_segments`` does."""
        path = self.workdir / f"paced-{secrets.token_hex(4)}.json"
        out = path.with_suffix(".out.json")
        path.write_text(
            json.dumps({"host": self.base, "context_file": str(self.context_file), **plan}),
            encoding="utf-8",
        )
        subprocess.run(
            [sys.executable, "-m", "bench.paced", str(path), str(out)],
            cwd=ROOT,
            check=True,
            timeout=plan["seconds"] + 120,
        )
        return json.loads(out.read_text(encoding="utf-8"))

    def measure_in_pairs(self, scenario, users: int | None = None) -> Result:
        """The default measurement: ``pairs`` x (ceiling, ceiling_write, scenario) segments."""
        users = users or self.users or scenario.users
        segments = []
        for _ in range(self.pairs):
            for name in ("ceiling", "ceiling_write", scenario.name):
                segments.append({"scenario": name, "seconds": self.seconds, "users": users})
        raw = self.run_segments(segments)
        ratios, write_ratios, stats, ceilings = [], [], [], []
        for index in range(0, len(raw), 3):
            ceiling = SegmentStats.of(raw[index])
            ceiling_write = SegmentStats.of(raw[index + 1])
            own = SegmentStats.of(raw[index + 2], scenario.measured)
            self.ceiling_pairs.append((ceiling, ceiling_write))
            ceilings.append((ceiling, ceiling_write))
            self.ceiling_write_acks.extend(ceiling_write.acks)
            stats.append(own)
            ratios.append(own.rps / ceiling.rps if ceiling.rps else None)
            write_ratios.append(own.rps / ceiling_write.rps if ceiling_write.rps else None)
            for segment in (raw[index], raw[index + 1], raw[index + 2]):
                for sample in segment["error_samples"]:
                    log(f"[{self.db}] {segment['scenario']}: {sample}")
        latencies = [ms for s in stats for ms in s.latencies_ms]
        acks = [item for s in stats for item in s.acks]
        lost = None
        if scenario.verify is not None:
            with self.in_app():
                lost = scenario.verify(self, acks)
        shares = [
            cpu_share([c for c, _w in ceilings]),
            cpu_share([w for _c, w in ceilings]),
            cpu_share(stats),
        ]
        log(
            f"[{self.db}] {scenario.name}: load driver CPU (process time / wall time, one core "
            f"= 100%): ceiling {shares[0]:.0%}, ceiling_write {shares[1]:.0%}, "
            f"scenario {shares[2]:.0%}"
        )
        return Result(
            name=scenario.name,
            db=self.db,
            requests=sum(s.requests for s in stats),
            rps=median([s.rps for s in stats]),
            ratio_to_ceiling=median(ratios),
            ratio_to_ceiling_write=median(write_ratios),
            p50_ms=percentile(latencies, 0.50),
            p99_ms=percentile(latencies, 0.99),
            errors=sum(s.errors for s in stats),
            lost=lost,
            unit=scenario.unit,
        )

    def ceiling_results(self, ceiling_write_verify) -> list[Result]:
        """The two ceiling lines, from every pair measured in the run."""
        if not self.ceiling_pairs:
            return []
        reads = [c for c, _w in self.ceiling_pairs]
        writes = [w for _c, w in self.ceiling_pairs]
        read_over_write = [c.rps / w.rps for c, w in self.ceiling_pairs if w.rps]
        lost = None
        if ceiling_write_verify is not None:
            with self.in_app():
                lost = ceiling_write_verify(self, self.ceiling_write_acks)

        def result(name, stats, ratio_c, ratio_w, lost=None) -> Result:
            latencies = [ms for s in stats for ms in s.latencies_ms]
            return Result(
                name=name,
                db=self.db,
                requests=sum(s.requests for s in stats),
                rps=median([s.rps for s in stats]),
                ratio_to_ceiling=ratio_c,
                ratio_to_ceiling_write=ratio_w,
                p50_ms=percentile(latencies, 0.50),
                p99_ms=percentile(latencies, 0.99),
                errors=sum(s.errors for s in stats),
                lost=lost,
            )

        return [
            result("ceiling", reads, 1.0, median(read_over_write)),
            result(
                "ceiling_write",
                writes,
                median([1 / r for r in read_over_write if r]),
                1.0,
                lost,
            ),
        ]
