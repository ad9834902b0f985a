"""The load driver: runs segments of registered scenarios with locust, in its own process.

    python -m bench.driver PLAN.json RESULT.json

The plan names the server, a context file (signed-in sessions and each scenario's setup
parameters) and the segments to run one after the other: ``{"scenario", "seconds", "users",
"spawn_rate"}``, and optionally ``"pacing"`` (seconds between two task starts of a user, instead
of the scenario's), ``"warm_up"`` (the scenario may name its requests apart during the first
seconds) and ``"until_done"`` (end once every user has finished). Each segment starts its
users (locust's local runner, headless, as a library so that segments follow each other without
restarting the process), stops them after its seconds, and records every request's latency, the
failures, the acknowledged writes, the driver's own CPU time and the span from the first request
sent to the last answered. Only loopback hosts are accepted.
"""

from gevent import monkey

monkey.patch_all()

import itertools  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from http.cookiejar import Cookie  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, constant, constant_pacing  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench.registry import scenarios  # noqa: E402
from bench.segment import Segment  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


CURRENT = Segment()


def _cookie(name: str, value: str, host: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False, None,
        None, {},
    )  # fmt: skip


class BenchUser(FastHttpUser):
    """A simulated person: a session (maybe signed in), helpers for pages, forms and writes."""

    abstract = True
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0
    #: set per scenario by ``user_class``
    identities: list[dict] = []
    params: dict = {}
    #: seconds between two task starts of this user (0: as fast as possible)
    pacing: float = 0.0
    _next = itertools.count()

    def on_start(self) -> None:
        """Take the next signed-in session of the pool (if the scenario has one)."""
        self.segment = CURRENT  # what this user records goes to its own segment
        self.state: dict = {}
        self.identity = (
            self.identities[next(self._next) % len(self.identities)] if self.identities else {}
        )
        self.csrf = self.identity.get("csrf", "")
        self.use_session(self.identity.get("cookies", {}))

    def use_session(self, cookies: dict) -> None:
        """Replace the cookies with ``cookies`` (an empty dict = a new anonymous browser)."""
        host = urllib.parse.urlsplit(self.host).hostname
        self.client.cookiejar.clear()
        for name, value in cookies.items():
            self.client.cookiejar.set_cookie(_cookie(name, value, host))

    def _check(self, response, expect) -> None:
        if response.status_code not in expect:
            response.failure(f"HTTP {response.status_code}")
        else:
            response.success()

    def get(self, path: str, *, name: str, expect=(200,)):
        """GET ``path``; a status outside ``expect`` is a failure. Remembers a CSRF token."""
        with self.client.get(
            path, name=name, catch_response=True, allow_redirects=False
        ) as response:
            self._check(response, expect)
        match = CSRF.search(response.text or "") if response.status_code == 200 else None
        if match:
            self.csrf = match.group(1)
        return response

    def post(self, path: str, data: dict, *, name: str, expect=(200, 302)):
        """POST a form with the session's CSRF token; a status outside ``expect`` fails."""
        body = urllib.parse.urlencode({"csrf_token": self.csrf, **data}, doseq=True)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.csrf,
        }
        with self.client.post(
            path,
            data=body,
            headers=headers,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            self._check(response, expect)
        return response

    def ack(self, item) -> None:
        """Record an acknowledged write, checked against the database afterwards."""
        self.segment.acks.append(item)

    def finish(self) -> None:
        """End this user for the rest of the segment (a person who has done their one thing).

        The user idles until the segment stops it: a user that stopped itself would be
        replaced by a new one while locust is still ramping up to the segment's count."""
        self.segment.finished += 1
        gevent.sleep(10**6)


def user_class(scenario, host: str, context: dict, pacing: float | None = None) -> type:
    """A locust user class running ``scenario.fn`` in a loop (every ``pacing`` seconds when
    given, else the scenario's own pacing)."""
    pacing = pacing or scenario.pacing
    return type(
        f"User_{scenario.name}",
        (BenchUser,),
        {
            "host": host,
            "tasks": [scenario.fn],
            "wait_time": constant_pacing(pacing) if pacing else constant(0),
            "pacing": pacing or 0.0,
            "identities": context["identities"].get(scenario.identity or "", []),
            "params": {**context.get("common", {}), **context["params"].get(scenario.name, {})},
            "_next": itertools.count(),
        },
    )


def run_segment(
    cls: type,
    users: int,
    spawn_rate: float,
    seconds: float,
    *,
    warm_up: float = 0.0,
    until_done: bool = False,
) -> dict:
    """Run ``users`` of ``cls`` for ``seconds`` (or until every user has finished, with
    ``until_done``); return what was recorded."""
    global CURRENT
    CURRENT = Segment(warm_up)
    env = Environment(user_classes=[cls], host=cls.host)

    def on_request(request_type, name, response_time, response_length, exception=None, **_kw):
        CURRENT.record(name, response_time, exception)

    def on_user_error(user_instance, exception, tb):
        CURRENT.user_errors += 1
        if len(CURRENT.error_samples) < 5:
            CURRENT.error_samples.append(f"user error: {exception!r}")

    env.events.request.add_listener(on_request)
    env.events.user_error.add_listener(on_user_error)
    runner = env.create_local_runner()
    cpu = time.process_time()
    started = time.perf_counter()
    runner.start(users, spawn_rate=spawn_rate)
    if until_done:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and CURRENT.finished < users:
            gevent.sleep(0.2)
    else:
        gevent.sleep(seconds)
    runner.stop()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    leftover = sum(1 for user in runner.user_greenlets if not user.dead)
    runner.user_greenlets.kill(block=True)  # no user of this segment may run into the next
    runner.quit()
    if leftover:
        CURRENT.error_samples.append(f"{leftover} users outlived stop() and were killed")
    return CURRENT.result(wall, cpu)


def main(plan_path: str, out_path: str) -> int:
    """Run the plan's segments in order and write their results."""
    with open(plan_path, encoding="utf-8") as handle:
        plan = json.load(handle)
    if urllib.parse.urlsplit(plan["host"]).hostname not in LOOPBACK + ("::1",):
        raise SystemExit("the load driver only targets loopback addresses")
    with open(plan["context_file"], encoding="utf-8") as handle:
        context = json.load(handle)
    registered = {s.name: s for s in scenarios()}
    classes: dict[tuple, type] = {}
    results = []
    for segment in plan["segments"]:
        name = segment["scenario"]
        key = (name, segment.get("pacing"))
        if key not in classes:
            classes[key] = user_class(registered[name], plan["host"], context, key[1])
        result = run_segment(
            classes[key],
            segment["users"],
            segment.get("spawn_rate") or 100,
            segment["seconds"],
            warm_up=segment.get("warm_up", 0.0),
            until_done=segment.get("until_done", False),
        )
        results.append({"scenario": name, "users": segment["users"], **result})
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(results, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
