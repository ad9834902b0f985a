"""The paced load of ``exam_day``'s steps: examinees as gevent greenlets, without locust.

    python -m bench.paced PLAN.json RESULT.json

Why not the locust driver: paced at one save per 10 s, 250 examinees (25 saves/s), locust's
``FastHttpUser`` reported a save p50 of 55 ms where gunicorn's own request time was 7-8 ms, and
where a bare gevent client over the same HTTP library (geventhttpclient, this module) and a
threaded ``requests`` client both measured 8-9 ms p50 and 15-18 ms p99 on the same server
(docs/benchmarks.md, exam day). The unpaced saves and every other scenario keep locust.

Each examinee arrives (``arrivals_per_second``), starts the quiz, opens the attempt page, waits a
random part of one pacing interval, then saves one answer every ``pacing`` seconds (the right
choice, so each save is a real answer) and submits after the last. Saves during the first
``warm_up`` seconds are named ``save_warm_up``; the step measures ``save``. Acknowledged saves
are recorded as ``[attempt, slot, seq]`` for the lost-save check. Loopback hosts only. The
result is one segment in the locust driver's shape (``bench.segment``), with this process's CPU.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402

import gevent  # noqa: E402
from geventhttpclient import HTTPClient  # noqa: E402
from geventhttpclient.url import URL  # noqa: E402

from bench.scenarios.attempts import ATTEMPT_URL, CHOICE  # noqa: E402
from bench.segment import Segment  # noqa: E402

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Examinee:
    """One person's browser: their session cookie and CSRF token on a connection of their own."""

    def __init__(self, host: str, identity: dict, segment: Segment) -> None:
        self.client = HTTPClient.from_url(
            URL(host), concurrency=1, connection_timeout=10.0, network_timeout=60.0
        )
        self.cookie = "; ".join(f"{k}={v}" for k, v in identity.get("cookies", {}).items())
        self.csrf = identity.get("csrf", "")
        self.segment = segment

    def request(self, method: str, path: str, name: str, form=None, expect=(200,)):
        """Send one request; record its latency under ``name``; (status, headers, body) or
        None when it failed (a refused status counts as a failure)."""
        # A new connection per request: 10 s apart, a browser's kept-alive connection would
        # have been closed by the server (gunicorn keeps one 2 s), and reusing a closed one
        # fails a request the browser would silently resend.
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf, "Connection": "close"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode({"csrf_token": self.csrf, **form}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, body=body, headers=headers)
            data = response.read()
        except Exception as exc:  # noqa: BLE001 - a failed request is counted, not raised
            self.segment.record(name, (time.perf_counter() - started) * 1000, exc)
            return None
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        self.segment.record(name, elapsed, None if status in expect else f"HTTP {status}")
        return (status, response, data) if status in expect else None

    def take(self, quiz_id: int, questions: int, pacing: float) -> None:
        """Start, open the page, save one answer per ``pacing`` seconds, submit."""
        started = self.request("POST", f"/quizzes/{quiz_id}/start", "day_start", {}, (302,))
        match = ATTEMPT_URL.search(started[1].get("location", "") or "") if started else None
        if match is None:
            return
        attempt_id = int(match.group(1))
        page = self.request("GET", f"/attempts/{attempt_id}", "day_page")
        text = page[2].decode("utf-8", "replace") if page else ""
        right = {int(s): v for s, v, label in CHOICE.findall(text) if "甲" in label}
        gevent.sleep(random.uniform(0, pacing))  # people read at their own speed
        first = time.monotonic()
        for slot in range(1, questions + 1):
            name = "save_warm_up" if self.segment.warming_up() else "save"
            saved = self.request(
                "POST",
                f"/attempts/{attempt_id}/save",
                name,
                {"slot": slot, f"q{slot}": right.get(slot, "0")},
            )
            if saved is not None:
                body = json.loads(saved[2])
                if body.get("applied"):
                    self.segment.acks.append([attempt_id, slot, body["seq"]])
            gevent.sleep(max(0.0, first + slot * pacing - time.monotonic()))
        self.request("POST", f"/attempts/{attempt_id}/submit", "day_submit", {}, (302,))
        self.segment.finished += 1


def run(plan: dict, context: dict) -> dict:
    """Run the plan's examinees for its seconds; return the segment."""
    identities = context["identities"].get("staff", [])
    quiz_id = context["params"]["exam_day"]["quiz_id"]
    segment = Segment(plan.get("warm_up", 0.0))
    cpu, wall = time.process_time(), time.perf_counter()
    people = []
    for index in range(plan["examinees"]):
        examinee = Examinee(plan["host"], identities[index % len(identities)], segment)
        people.append(
            gevent.spawn_later(
                index / plan["arrivals_per_second"],
                examinee.take,
                quiz_id,
                plan["questions"],
                plan["pacing"],
            )
        )
    gevent.sleep(plan["seconds"])
    gevent.killall(people, block=True)
    return segment.result(time.perf_counter() - wall, time.process_time() - cpu)


def main(plan_path: str, out_path: str) -> int:
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    if urllib.parse.urlsplit(plan["host"]).hostname not in LOOPBACK:
        raise SystemExit("the paced client only targets loopback addresses")
    with open(plan["context_file"], encoding="utf-8") as handle:
        context = json.load(handle)
    result = {"scenario": "exam_day", "users": plan["examinees"], **run(plan, context)}
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump([result], handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
