"""Faults under load, through real servers: nothing acknowledged is ever lost.

Each test runs gunicorn (gthread, the deployment's server) on a loopback port against the suite's
database, signs people in over HTTP and saves answers from threads as the attempt page's script
does: every save has a sequence number, a failed save is sent again with the same number, and
each answer the server acknowledged is recorded. Then faults are injected — threads racing on one
question, a worker killed with SIGKILL, two servers taking turns, a PostgreSQL server of the
test's own restarted — and afterwards every acknowledged save must be in the database, the
highest sequence must have won, and nothing that was never sent may be there.

Bounded: a few seconds of load per test, a handful of people, loopback only.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.quizzes.models import Attempt, AttemptSlot, ResponseStep
from bench.harness import Server, sign_in
from config import TestingConfig
from tests.conftest import TEST_PASSWORD, free_port, require_service

#: two text questions per attempt: slot 1 short answer, slot 2 essay (any text is a valid answer)
QUESTIONS = ("t-short", "t-essay")


@dataclass
class Person:
    """A signed-in examinee: their HTTP session and their attempt."""

    employee_no: str
    cookies: dict
    csrf: str
    attempt_id: int = 0

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # loopback only, never through a proxy
        session.cookies.update(self.cookies)
        session.headers["X-CSRFToken"] = self.csrf
        return session


@dataclass
class Tally:
    """What the saving threads sent and what the servers acknowledged."""

    sent: set = field(default_factory=set)  # (attempt, slot, seq, value)
    acked: list = field(default_factory=list)  # (attempt, slot, seq, value, applied, at)
    failed: list = field(default_factory=list)  # (at, what)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked_after(self, moment: float) -> int:
        return sum(1 for *_, at in self.acked if at > moment)


def _people(make_user, count: int) -> list[str]:
    return [make_user(employee_no=f"F{n:03d}").employee_no for n in range(count)]


def _signed_in(base: str, numbers: list[str]) -> list[Person]:
    return [
        Person(s["employee_no"], s["cookies"], s["csrf"])
        for s in sign_in(base, numbers, TEST_PASSWORD)
    ]


def _start(base: str, person: Person, quiz_id: int) -> None:
    answer = person.session().post(
        f"{base}/quizzes/{quiz_id}/start",
        data={"csrf_token": person.csrf},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 302, answer.text[:500]
    person.attempt_id = int(re.search(r"/attempts/(\d+)", answer.headers["Location"]).group(1))


def _save_loop(
    bases: list[str],
    person: Person,
    slot: int,
    lane: int,
    lanes: int,
    stop: threading.Event,
    tally: Tally,
) -> None:
    """Save answers to one question until ``stop``; sequence numbers of this lane are
    ``lane + k * lanes`` so that lanes racing on one question never send the same one. A save
    that fails is sent again, unchanged, like the page's script does."""
    session = person.session()
    k, turn = 0, 0
    pending = None
    while not stop.is_set():
        if pending is None:
            k += 1
            seq = lane + k * lanes
            pending = (seq, f"lane{lane}-seq{seq}")
            with tally.lock:
                tally.sent.add((person.attempt_id, slot, *pending))
        seq, value = pending
        base = bases[turn % len(bases)]
        turn += 1
        try:
            answer = session.post(
                f"{base}/attempts/{person.attempt_id}/save",
                data={"slot": slot, "seq": seq, f"q{slot}": value},
                timeout=30,
            )
        except requests.RequestException as exc:
            with tally.lock:
                tally.failed.append((time.monotonic(), type(exc).__name__))
            time.sleep(0.05)
            continue
        if answer.status_code != 200:
            with tally.lock:
                tally.failed.append((time.monotonic(), f"{answer.status_code} {answer.text[:200]}"))
            time.sleep(0.05)
            continue
        body = answer.json()
        with tally.lock:
            tally.acked.append(
                (person.attempt_id, slot, seq, value, body["applied"], time.monotonic())
            )
        pending = None


@contextmanager
def _saving(lanes: list[tuple[list[str], Person, int]]):
    """Run one saving thread per (servers, person, slot) while the block runs."""
    tally, stop = Tally(), threading.Event()
    per_target = defaultdict(int)
    numbered = []
    for bases, person, slot in lanes:
        numbered.append((bases, person, slot, per_target[(person.attempt_id, slot)]))
        per_target[(person.attempt_id, slot)] += 1
    threads = [
        threading.Thread(
            target=_save_loop,
            args=(bases, person, slot, lane, per_target[(person.attempt_id, slot)], stop, tally),
        )
        for bases, person, slot, lane in numbered
    ]
    for thread in threads:
        thread.start()
    try:
        yield tally
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a saving thread hung"


def _stored(app, attempt_ids) -> dict:
    """(attempt, slot number) -> its steps as (id, seq, value), in the order they were stored."""
    with app.app_context():
        rows = db.session.execute(
            select(AttemptSlot.attempt_id, AttemptSlot.number, ResponseStep.id, ResponseStep.seq,
                   ResponseStep.value)
            .join(ResponseStep, ResponseStep.attempt_slot_id == AttemptSlot.id)
            .where(AttemptSlot.attempt_id.in_(list(attempt_ids)))
            .order_by(ResponseStep.id)
        ).all()  # fmt: skip
        db.session.remove()
    steps = defaultdict(list)
    for attempt_id, number, step_id, seq, value in rows:
        steps[(attempt_id, number)].append((step_id, seq, value))
    return steps


def _assert_nothing_lost(app, tally: Tally) -> dict:
    """Every acknowledged save is stored, nothing unsent is, and a newer sequence always won."""
    steps = _stored(app, {a for a, *_ in tally.sent})
    stored = {(a, s, seq, value) for (a, s), rows in steps.items() for _, seq, value in rows}
    applied = {(a, s, seq, value) for a, s, seq, value, ok, _ in tally.acked if ok}
    lost = applied - stored
    assert not lost, f"{len(lost)} acknowledged saves are missing, e.g. {sorted(lost)[:3]}"
    unsent = stored - tally.sent
    assert not unsent, f"stored but never sent: {sorted(unsent)[:3]}"
    for key, rows in steps.items():
        seqs = [seq for _, seq, _ in rows]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), (
            f"{key}: an older sequence was stored after a newer one: {seqs}"
        )
        newest_acked = max((seq for a, s, seq, *_ in applied if (a, s) == key), default=0)
        assert seqs[-1] >= newest_acked
    # A refused save ("applied": false) is refused only because a newer one was already stored.
    for a, s, seq, _value, ok, _ in tally.acked:
        if not ok:
            assert any(stored_seq >= seq for _, stored_seq, _ in steps[(a, s)])
    return {"sent": len(tally.sent), "acked": len(tally.acked), "stored": len(stored)}


def _database_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"]


def test_threads_racing_on_one_question_and_on_many_lose_nothing(app, make_user, make_quiz):
    """Eight threads on one question of one attempt, eight more each on a question of its own."""
    quiz_id = make_quiz(fixed=QUESTIONS, title="抢答测验")
    numbers = _people(make_user, 5)
    with Server(_database_url(app), workers=2, threads=4) as server:
        people = _signed_in(server.base, numbers)
        for person in people:
            _start(server.base, person, quiz_id)
        racing = [([server.base], people[0], 1)] * 8
        apart = [([server.base], person, slot) for person in people[1:] for slot in (1, 2)]
        with _saving(racing + apart) as tally:
            time.sleep(4)
    figures = _assert_nothing_lost(app, tally)
    assert not tally.failed, tally.failed[:3]
    raced = [
        (seq, ok) for a, s, seq, _v, ok, _ in tally.acked if (a, s) == (people[0].attempt_id, 1)
    ]
    assert len(raced) > 40 and any(ok for _, ok in raced)
    # No fault: every request was answered, so the newest stored is the newest acknowledged.
    newest = _stored(app, [people[0].attempt_id])[(people[0].attempt_id, 1)][-1][1]
    assert newest == max(seq for seq, ok in raced if ok)
    print(f"racing threads: {figures}, {sum(not ok for _, ok in raced)} older saves refused")


def test_a_worker_killed_mid_save_loses_no_acknowledged_answer(app, make_user, make_quiz):
    """SIGKILL one gunicorn worker, then the other, while eight threads save; the master starts
    new workers, the clients resend what failed, and every acknowledged save is stored."""
    quiz_id = make_quiz(fixed=QUESTIONS, title="断电测验")
    numbers = _people(make_user, 4)
    kills = 0
    with Server(_database_url(app), workers=2, threads=4) as server:
        people = _signed_in(server.base, numbers)
        for person in people:
            _start(server.base, person, quiz_id)
        with _saving([([server.base], p, slot) for p in people for slot in (1, 2)]) as tally:
            for _ in range(2):
                time.sleep(1.5)
                victims = server.worker_pids()
                assert len(victims) == 2, victims
                os.kill(victims[0], signal.SIGKILL)
                kills += 1
                killed_at = time.monotonic()
                deadline = killed_at + 30
                while time.monotonic() < deadline and (
                    victims[0] in server.worker_pids() or len(server.worker_pids()) < 2
                ):
                    time.sleep(0.1)
                assert victims[0] not in server.worker_pids() and len(server.worker_pids()) == 2
                while time.monotonic() < deadline and tally.acked_after(killed_at) < 20:
                    time.sleep(0.1)
                assert tally.acked_after(killed_at) >= 20, "saving did not resume after the kill"
            time.sleep(1)
    figures = _assert_nothing_lost(app, tally)
    print(f"{kills} workers killed: {figures}, {len(tally.failed)} failed requests resent")


def test_two_servers_serve_one_attempt_in_turns(app, make_user, make_quiz):
    """No state in process memory: one browser session, its requests alternating between two
    servers (as behind a load balancer without sticky sessions) — pages, saves, the submit."""
    quiz_id = make_quiz(fixed=QUESTIONS, title="轮流测验")
    numbers = _people(make_user, 1)
    url = _database_url(app)
    first = Server(url, workers=1, threads=2)
    with first, Server(url, workers=1, threads=2, secret_key=first.secret_key) as second:
        bases = [first.base, second.base]
        (person,) = _signed_in(first.base, numbers)
        _start(second.base, person, quiz_id)  # started on the other server: it resumes there
        session = person.session()
        for n in range(1, 11):
            here, there = bases[n % 2], bases[(n + 1) % 2]
            answer = session.post(
                f"{here}/attempts/{person.attempt_id}/save",
                data={"slot": 1, "seq": n, "q1": f"第{n}次作答"},
                timeout=30,
            )
            assert answer.status_code == 200 and answer.json()["applied"] is True
            page = session.get(f"{there}/attempts/{person.attempt_id}", timeout=30)
            assert page.status_code == 200 and f"第{n}次作答" in page.text
        with _saving([(bases, person, 2), (bases[::-1], person, 2)]) as tally:
            time.sleep(2)
        submitted = session.post(
            f"{first.base}/attempts/{person.attempt_id}/submit",
            data={"csrf_token": person.csrf},
            allow_redirects=False,
            timeout=30,
        )
        assert submitted.status_code == 302
        review = session.get(f"{second.base}/attempts/{person.attempt_id}/review", timeout=30)
        assert review.status_code == 200 and "第10次作答" in review.text
        late = session.post(
            f"{second.base}/attempts/{person.attempt_id}/save",
            data={"slot": 1, "seq": 99, "q1": "交卷以后"},
            timeout=30,
        )
        assert late.status_code == 409
    in_turns = [(person.attempt_id, 1, n, f"第{n}次作答") for n in range(1, 11)]
    tally.sent.update(in_turns)
    tally.acked += [(*save, True, 0.0) for save in in_turns]
    figures = _assert_nothing_lost(app, tally)
    assert not tally.failed, tally.failed[:3]
    with app.app_context():
        assert db.session.get(Attempt, person.attempt_id).state == "finished"
    print(f"two servers in turns: {figures}")


# --- a PostgreSQL server of the test's own ---------------------------------------------------


def _postgres_tools() -> tuple[Path, Path] | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder / "initdb", folder / "pg_ctl"
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    return (Path(initdb), Path(pg_ctl)) if initdb and pg_ctl else None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free port, started and stopped with
    pg_ctl; never the shared server. As root, its commands run as the postgres user."""

    def __init__(self, initdb: Path, pg_ctl: Path) -> None:
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="skillgrid-pg-"))
        self.data = self.folder / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str | Path) -> None:
        subprocess.run(
            [*self.as_user, *map(str, command)], check=True, capture_output=True, timeout=120
        )

    def __enter__(self) -> ThrowawayPostgres:
        self._run(self.initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(self.pg_ctl, "-D", self.data, "-o", options, "-l", self.folder / "log", "-w",
                  "-t", "60", action, *extra)  # fmt: skip

    def restart(self) -> None:
        """Stop at once (every connection cut mid-transaction), then start again."""
        self._pg_ctl("restart", "-m", "immediate")

    def __exit__(self, *exc) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _copy_database(source: str, target: str) -> None:
    """The suite's database, as the test made it, into the throwaway server (pg_dump | psql)."""
    plain = [make_url(u).set(drivername="postgresql").render_as_string(hide_password=False)
             for u in (source, target)]  # fmt: skip
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", plain[0]],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", plain[1]],
        input=dump.stdout, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def test_a_database_restart_under_load_fails_cleanly_and_recovers(
    make_app, app, make_user, make_quiz
):
    """The database server stops at once and starts again while eight threads save: requests in
    between get a clear 503 (never a 500), saving resumes by itself, nothing is half-written."""
    if not _database_url(app).startswith("postgresql"):
        pytest.skip("restarts a PostgreSQL server: runs when TEST_DATABASE_URL names PostgreSQL")
    tools = _postgres_tools()
    if tools is None or shutil.which("pg_dump") is None:
        require_service("PostgreSQL's initdb, pg_ctl and pg_dump are not installed")
    quiz_id = make_quiz(fixed=QUESTIONS, title="重启测验")
    numbers = _people(make_user, 4)
    with ThrowawayPostgres(*tools) as postgres:
        _copy_database(_database_url(app), postgres.url)
        with Server(postgres.url, workers=2, threads=4) as server:
            people = _signed_in(server.base, numbers)
            for person in people:
                _start(server.base, person, quiz_id)
            with _saving([([server.base], p, slot) for p in people for slot in (1, 2)]) as tally:
                time.sleep(1.5)
                before = len(tally.acked)
                postgres.restart()
                restarted_at = time.monotonic()
                deadline = restarted_at + 30
                while time.monotonic() < deadline and tally.acked_after(restarted_at) < 40:
                    time.sleep(0.1)
                assert tally.acked_after(restarted_at) >= 40, "saving did not resume"
            assert before > 0
            # During the outage the server answered, and answered 503 with its message.
            answered = [what for _, what in tally.failed if what[:3].isdigit()]
            assert all(what.startswith("503 {") for what in answered), answered[:3]
            figures = _assert_nothing_lost(make_app(_config_for(postgres.url)), tally)
    print(
        f"database restarted under load: {figures}, {len(tally.failed)} requests failed "
        f"({len(answered)} answered 503) and were resent"
    )


def _config_for(url: str):
    class OnThrowaway(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    return OnThrowaway
