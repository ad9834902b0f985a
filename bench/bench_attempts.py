"""Load benchmark: many staff take a 20-question quiz at once against gunicorn.

Each simulated person signs in, starts the attempt, saves every answer (one autosave request per
answer, as the page's script does) and submits. The run prints throughput as a ratio to a trivial
endpoint (GET /healthz) and to a trivial write (POST /language) measured in the same run, the
p50/p99 save latency, and counts the saved answers in the database afterwards: none may be lost.

    .venv/bin/python bench/bench_attempts.py                      # SQLite
    .venv/bin/python bench/bench_attempts.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"  # noqa: S105 - throwaway accounts in a throwaway database
N_QUESTIONS = 20


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(database_url: str, n_staff: int) -> int:
    """Migrate a fresh database and create the staff, the questions and the quiz; return its id."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLASK_APP": "wsgi",
        "SKILLGRID_ENV": "development",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.bank import services as bank_services
    from app.extensions import db
    from app.org import services as org_services
    from app.org.models import JobRole, User
    from app.quizzes import services as quiz_services
    from config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(BenchConfig)
    with app.app_context():
        dept = org_services.ensure_department_path(
            [("压测公司", "company"), ("压测中心", "branch"), ("压测营业厅", "hall")]
        )
        role = db.session.scalar(db.select(JobRole).where(JobRole.code == "CTR"))
        password_hash = generate_password_hash(PASSWORD)
        for i in range(n_staff):
            user = User(
                employee_no=f"B{i:05d}",
                name=f"压测{i}",
                department=dept,
                job_role=role,
                password_hash=password_hash,
            )
            user.set_roles(["staff"])
            db.session.add(user)
        db.session.commit()
        questions = "category: 压测\nquestions:\n" + "".join(
            f"""  - id: bench-{i}
    qtype: single
    status: ready
    name: 压测题{i}
    questiontext: 第{i}题，选哪一个？
    answers:
      - {{text: 甲{i}, fraction: 1}}
      - {{text: 乙{i}, fraction: 0}}
      - {{text: 丙{i}, fraction: 0}}
"""
            for i in range(N_QUESTIONS)
        )
        bank_services.import_questions(
            None, [bank_services.decode_source(questions.encode(), "bench.yaml")]
        )
        quiz = quiz_services.create_quiz(
            None,
            title="压测测验",
            is_published=True,
            questions_per_page=0,
            time_limit_minutes=60,
            attempts_allowed=0,
        )
        for i in range(N_QUESTIONS):
            quiz_services.add_fixed_slot(None, quiz, f"bench-{i}")
        quiz_services.set_audience(None, quiz, department_ids=[dept.id])
        quiz_id = quiz.id
        db.engine.dispose()
    return quiz_id


class Browser:
    """One person's cookie session against the server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def get(self, path: str) -> str:
        """GET a page and remember its CSRF token."""
        with self.opener.open(self.base + path, timeout=60) as response:  # noqa: S310
            text = response.read().decode()
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        if match:
            self.token = match.group(1)
        return text

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        """POST a form with the CSRF token; return (status, final URL, body)."""
        body = urllib.parse.urlencode({"csrf_token": self.token, **data}, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")  # noqa: S310
        request.add_header("X-CSRFToken", self.token)
        try:
            with self.opener.open(request, timeout=60) as response:  # noqa: S310
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, path, exc.read().decode()


def timed_burst(n: int, workers: int, call) -> float:
    """Run ``call(i)`` n times on ``workers`` threads; return requests per second."""
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(call, range(n)))
    return n / (time.perf_counter() - started)


def run(database_url: str, n_staff: int, workers: int, gunicorn_workers: int) -> dict:
    """Prepare, serve with gunicorn, load, verify; return the figures."""
    quiz_id = prepare(database_url, n_staff)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SKILLGRID_ENV": "development",
        "SECRET_KEY": uuid.uuid4().hex,
        "LOGIN_LIMIT_ADDRESS": "100000 per minute",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-w",
            str(gunicorn_workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        people = []
        for i in range(n_staff):  # sign in before timing: scrypt is slow on purpose
            person = Browser(base)
            person.get("/login")
            status, url, _ = person.post(
                "/login", {"identifier": f"B{i:05d}", "password": PASSWORD}
            )
            assert url.endswith("/home"), (status, url)
            people.append(person)

        def healthz(i):
            urllib.request.urlopen(base + "/healthz", timeout=60).read()  # noqa: S310

        def trivial_write(i):
            person = people[i % n_staff]
            person.post("/language", {"locale": "zh_CN" if i % 2 else "en", "next": "/healthz"})

        n_baseline = n_staff * N_QUESTIONS
        trivial_read_rps = timed_burst(n_baseline, workers, healthz)
        trivial_write_rps = timed_burst(n_baseline, workers, trivial_write)

        latencies: list[float] = []
        lock = threading.Lock()
        errors: list[str] = []

        def take_quiz(i):
            person = people[i]
            status, url, _ = person.post(f"/quizzes/{quiz_id}/start", {})
            attempt_id = int(re.search(r"/attempts/(\d+)", url).group(1))
            page = person.get(f"/attempts/{attempt_id}")
            for slot in range(1, N_QUESTIONS + 1):
                value = re.search(
                    rf'name="q{slot}" id="[^"]+" value="(\d+)"><label[^>]*>'
                    rf'(?:<span class="answernumber">[^<]*</span>)?甲',
                    page,
                ).group(1)
                started = time.perf_counter()
                status, _url, body = person.post(
                    f"/attempts/{attempt_id}/save", {"slot": slot, f"q{slot}": value}
                )
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status != 200 or not json.loads(body)["applied"]:
                        errors.append(f"{i}:{slot}:{status}")
            person.post(f"/attempts/{attempt_id}/submit", {})

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(take_quiz, range(n_staff)))
        duration = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        saved = conn.execute(text("SELECT count(*) FROM response_step")).scalar()
        finished = conn.execute(
            text("SELECT count(*) FROM attempt WHERE state = 'finished' AND mark = 100")
        ).scalar()
    engine.dispose()
    requests_per_person = N_QUESTIONS + 3  # start, page, saves, submit
    quiz_rps = n_staff * requests_per_person / duration
    latencies.sort()
    return {
        "staff": n_staff,
        "saves_expected": n_staff * N_QUESTIONS,
        "saves_stored": saved,
        "lost": n_staff * N_QUESTIONS - saved,
        "save_errors": len(errors),
        "attempts_full_marks": finished,
        "quiz_requests_per_s": round(quiz_rps, 1),
        "saves_per_s": round(n_staff * N_QUESTIONS / duration, 1),
        "trivial_read_per_s": round(trivial_read_rps, 1),
        "trivial_write_per_s": round(trivial_write_rps, 1),
        "ratio_to_trivial_read": round(quiz_rps / trivial_read_rps, 3),
        "ratio_to_trivial_write": round(quiz_rps / trivial_write_rps, 3),
        "save_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "save_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


def report(database: str, figures: dict) -> None:
    """Print one run's figures."""
    print(f"== {database}", flush=True)
    for key, value in figures.items():
        print(f"  {key}: {value}", flush=True)


def main() -> int:
    """Parse arguments, run on SQLite and/or PostgreSQL, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16, help="concurrent simulated browsers")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument(
        "--postgres",
        help="URL of a PostgreSQL server database to create a "
        "fresh benchmark database from (e.g. .../postgres)",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    results = {}
    if not args.skip_sqlite:
        folder = tempfile.mkdtemp(prefix="skillgrid-bench-")
        results["sqlite"] = run(
            f"sqlite:///{folder}/bench.db", args.staff, args.clients, args.gunicorn_workers
        )
        report("sqlite", results["sqlite"])
    if args.postgres:
        from sqlalchemy import create_engine, text

        name = f"skillgrid_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
            results["postgresql"] = run(url, args.staff, args.clients, args.gunicorn_workers)
            report("postgresql", results["postgresql"])
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 1 if any(r["lost"] or r["save_errors"] for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
