"""Exam day at scale (issue 26): simultaneous starts, and examinees saving at an examinee's pace.

``exam_start``: ``--exam-starts`` people (500) each start the same quiz once, all of them within
ten seconds; every attempt draws 20 questions at random from a category of 200. ``p99_ms`` is
the start's latency, ``value`` the seconds from the first start sent to the last one answered,
``lost`` the people whose start was answered but who hold no attempt (or more than one).

``exam_day``: examinees answer a 20-question quiz, one autosave per answer every
``--exam-pacing`` seconds (10), then submit and start again. The load is stepped
(``--exam-steps``, 250 … 3000 examinees); in each step the examinees arrive 15 a second (start,
open the quiz, give their first answer within one pacing interval), and the saves are measured
once everyone has arrived and saved twice. ``value`` is the largest step whose save p99 stayed
under 100 ms with no error, ``p99_ms`` that step's save p99. ``rps`` and the ratios are of the
**unpaced** save throughput (16 clients saving as fast as the server answers) against the
ceilings measured in the same pairs. ``lost`` counts acknowledged saves missing afterwards, over
every segment.
"""

from __future__ import annotations

import random
import time

from sqlalchemy import func, select

from bench.harness import Result, SegmentStats, cpu_share, log, median, percentile
from bench.registry import http_scenario
from bench.scenarios.attempts import ATTEMPT_URL, CHOICE, _lost_saves, single_choices

START_TITLE = "压测同时开考"
DAY_TITLE = "压测考试日"
POOL = 200
DRAWN = 20
#: the save p99 an exam-day step must stay under
P99_LIMIT_MS = 100.0
#: examinees arriving per second on exam day (starting and opening the quiz); exam_start
#: measures a burst of simultaneous starts on its own
ARRIVALS_PER_SECOND = 15.0


def _quiz(title: str, prefix: str, category: str, *, pool: int, drawn: int) -> int:
    """A published quiz of ``drawn`` questions drawn at random from ``pool`` single choices,
    open to the whole company, unlimited attempts, one page."""
    from app.bank import services as bank_services
    from app.bench.data.org import COMPANY
    from app.extensions import db
    from app.org.models import Department
    from app.quizzes import services as quiz_services

    questions = single_choices(prefix, f"{prefix}题", category, pool)
    bank_services.import_questions(
        None, [bank_services.decode_source(questions.encode(), "exam.yaml")]
    )
    quiz = quiz_services.create_quiz(
        None,
        title=title,
        is_published=True,
        questions_per_page=0,
        time_limit_minutes=90,
        attempts_allowed=0,
    )
    quiz_services.add_random_slot(
        None, quiz, bank_services.category_by_path(category), draw_count=drawn
    )
    company = db.session.scalar(select(Department.id).where(Department.full_name == COMPANY))
    quiz_services.set_audience(None, quiz, department_ids=[company])
    return quiz.id


def _ceiling_pairs(harness, users: int = 16) -> tuple[list, list]:
    """``harness.pairs`` x (ceiling, ceiling_write) segments, recorded for the ceiling lines."""
    segments = []
    for _ in range(harness.pairs):
        for name in ("ceiling", "ceiling_write"):
            segments.append({"scenario": name, "seconds": harness.seconds, "users": users})
    raw = harness.run_segments(segments)
    reads, writes = [], []
    for index in range(0, len(raw), 2):
        read, write = SegmentStats.of(raw[index]), SegmentStats.of(raw[index + 1])
        harness.ceiling_pairs.append((read, write))
        harness.ceiling_write_acks.extend(write.acks)
        reads.append(read)
        writes.append(write)
    return reads, writes


# --- exam_start ------------------------------------------------------------------------------


def _start_setup(harness) -> dict:
    quiz_id = _quiz(START_TITLE, "exam-start", "压测/同时开考", pool=POOL, drawn=DRAWN)
    return {"quiz_id": quiz_id}


def _people_without_one_attempt(harness, acks: list) -> int:
    """Started people (acknowledged) who hold no attempt of the quiz, or more than one."""
    from app.extensions import db
    from app.org.models import User
    from app.quizzes.models import Attempt, Quiz

    quiz_id = db.session.scalar(select(Quiz.id).where(Quiz.title == START_TITLE))
    held = dict(
        db.session.execute(
            select(User.employee_no, func.count(Attempt.id))
            .join(Attempt, Attempt.user_id == User.id)
            .where(Attempt.quiz_id == quiz_id)
            .group_by(User.employee_no)
        ).all()
    )
    return sum(1 for employee_no in set(acks) if held.get(employee_no) != 1)


def _run_start(harness, scenario) -> Result:
    starts = harness.options.get("exam_starts", 500)
    reads, writes = _ceiling_pairs(harness)
    started = time.perf_counter()
    (raw,) = harness.run_segments(
        [
            {
                "scenario": scenario.name,
                "users": starts,
                "spawn_rate": max(1.0, starts / 10),  # all of them within ten seconds
                "seconds": 120,
                "until_done": True,
            }
        ]
    )
    stats = SegmentStats.of(raw, scenario.measured)
    for sample in raw["error_samples"]:
        log(f"[{harness.db}] {scenario.name}: {sample}")
    with harness.in_app():
        lost = _people_without_one_attempt(harness, stats.acks)
    log(
        f"[{harness.db}] {scenario.name}: {stats.requests} starts in {raw['seconds']:.1f} s "
        f"(segment {time.perf_counter() - started:.0f} s); load driver CPU "
        f"{cpu_share([stats]):.0%} of one core"
    )
    span = raw.get("span_seconds")
    rate = stats.requests / span if span else None
    return Result(
        name=scenario.name,
        db=harness.db,
        requests=stats.requests,
        rps=rate,
        ratio_to_ceiling=rate / median([r.rps for r in reads]) if rate else None,
        ratio_to_ceiling_write=rate / median([w.rps for w in writes]) if rate else None,
        p50_ms=percentile(stats.latencies_ms, 0.50),
        p99_ms=percentile(stats.latencies_ms, 0.99),
        errors=stats.errors + max(0, starts - stats.requests - stats.errors),
        lost=lost,
        value=span,
        unit="s",
    )


@http_scenario(
    "exam_start",
    identity="staff",
    identities=500,
    measured=("start",),
    setup=_start_setup,
    run=_run_start,
    unit="s",
)
def exam_start(user):
    """Press Start once (the attempt draws its questions), then leave."""
    quiz_id = user.params["quiz_id"]
    response = user.post(f"/quizzes/{quiz_id}/start", {}, name="start", expect=(302,))
    if ATTEMPT_URL.search(response.headers.get("Location", "") or ""):
        user.ack(user.identity["employee_no"])
    user.finish()


# --- exam_day --------------------------------------------------------------------------------


def _day_setup(harness) -> dict:
    quiz_id = _quiz(DAY_TITLE, "exam-day", "压测/考试日", pool=POOL, drawn=DRAWN)
    return {"quiz_id": quiz_id}


def _sessions(harness) -> int:
    """How many staff sessions were signed in (each examinee needs a person of their own)."""
    import json

    context = json.loads(harness.context_file.read_text(encoding="utf-8"))
    return len(context["identities"].get("staff", []))


def _run_day(harness, scenario) -> Result:
    options = harness.options
    pacing = options.get("exam_pacing", 10.0)
    steps = options.get("exam_steps") or [250, 500, 1000, 1500, 2000, 2500, 3000]
    measure = options.get("exam_measure_seconds", 40.0)
    # 1. unpaced: 16 clients saving as fast as the server answers, in pairs with the ceilings
    #    (its acknowledged saves are checked by the scenario's verify)
    unpaced = harness.measure_in_pairs(scenario, users=16)
    log(f"[{harness.db}] exam_day unpaced: {unpaced.rps:.1f} saves/s, p99 {unpaced.p99_ms} ms")
    # 2. paced steps until one misses the limit
    best, best_p99, first_p99, errors, saves, acks = 0, None, None, 0, 0, []
    sessions = _sessions(harness)
    for examinees in steps:
        if examinees > sessions:
            log(
                f"[{harness.db}] exam_day: {examinees} examinees need as many people; "
                f"{sessions} are signed in (bench.run --staff N): stepping stops here"
            )
            break
        ramp = examinees / ARRIVALS_PER_SECOND
        # the paced client, not locust: see bench/paced.py for why
        (raw_step,) = harness.run_paced(
            {
                "examinees": examinees,
                "arrivals_per_second": ARRIVALS_PER_SECOND,
                "seconds": ramp + 2 * pacing + measure,
                "pacing": pacing,
                "questions": DRAWN,
                "warm_up": ramp + 2 * pacing,  # the arrivals and everyone's first saves
            }
        )
        stats = SegmentStats.of(raw_step, ("save",))
        p99 = percentile(stats.latencies_ms, 0.99)
        acks.extend(stats.acks)
        errors += stats.errors
        saves += stats.requests
        first_p99 = first_p99 if first_p99 is not None else p99
        for sample in raw_step["error_samples"]:
            log(f"[{harness.db}] exam_day {examinees}: {sample}")
        log(
            f"[{harness.db}] exam_day {examinees} examinees: {stats.requests} saves measured, "
            f"{stats.requests / measure:.1f}/s over the {measure:.0f} s measured, "
            f"p50 {percentile(stats.latencies_ms, 0.5)} ms, p99 {p99} ms, "
            f"{stats.errors} errors; load driver CPU {cpu_share([stats]):.0%} of one core"
        )
        if p99 is None or p99 >= P99_LIMIT_MS or stats.errors:
            break
        best, best_p99 = examinees, p99
    with harness.in_app():
        lost = (unpaced.lost or 0) + _lost_saves(harness, acks)
    return Result(
        name=scenario.name,
        db=harness.db,
        requests=saves,
        rps=unpaced.rps,
        ratio_to_ceiling=unpaced.ratio_to_ceiling,
        ratio_to_ceiling_write=unpaced.ratio_to_ceiling_write,
        p50_ms=None,
        p99_ms=best_p99 if best else first_p99,
        errors=errors,
        lost=lost,
        value=float(best),
        unit="examinees",
    )


@http_scenario(
    "exam_day",
    identity="staff",
    identities=3000,
    measured=("save",),
    setup=_day_setup,
    verify=_lost_saves,
    run=_run_day,
    unit="examinees",
)
def exam_day(user):
    """One step of an examinee: start and open the page, or save the next answer, or submit."""
    state = user.state
    if "attempt" not in state:
        quiz_id = user.params["quiz_id"]
        response = user.post(f"/quizzes/{quiz_id}/start", {}, name="day_start", expect=(302,))
        match = ATTEMPT_URL.search(response.headers.get("Location", "") or "")
        if match is None:
            return
        attempt_id = int(match.group(1))
        page = user.get(f"/attempts/{attempt_id}", name="day_page").text or ""
        state["attempt"] = attempt_id
        state["right"] = {int(s): v for s, v, label in CHOICE.findall(page) if "甲" in label}
        state["next"] = 1
        # people read at their own speed: the first answer comes some time within one pacing
        # interval, so the saves of those who arrived together do not stay in step
        time.sleep(random.uniform(0, user.pacing))
        return
    attempt_id, slot = state["attempt"], state["next"]
    if slot > DRAWN:
        user.post(f"/attempts/{attempt_id}/submit", {}, name="day_submit", expect=(302,))
        state.clear()
        return
    name = "save_warm_up" if user.segment.warming_up() else "save"
    response = user.post(
        f"/attempts/{attempt_id}/save",
        {"slot": slot, f"q{slot}": state["right"].get(slot, "0")},
        name=name,
        expect=(200,),
    )
    state["next"] = slot + 1
    if response.status_code == 200:
        body = response.json()
        if body.get("applied"):
            user.ack([attempt_id, slot, body["seq"]])
