"""The benchmark harness, run end to end in a tiny configuration so that it cannot rot.

It migrates a scratch SQLite file, generates a small company, serves it with gunicorn, drives
every request scenario from a locust process for a fraction of a second per segment and runs
the in-process ones: every line must have the exact format, and nothing acknowledged may be
lost.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.registry import scenarios

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"(?:\d+(?:\.\d+)?|-)"
LINE = re.compile(
    rf"^scenario: (?P<name>[a-z_]+) db=(?P<db>sqlite|postgresql) requests=(?P<requests>{NUMBER}) "
    rf"rps=(?P<rps>{NUMBER}) ratio_to_ceiling=(?P<ratio>{NUMBER}) "
    rf"ratio_to_ceiling_write=(?P<ratio_write>{NUMBER}) p50_ms=(?P<p50>{NUMBER}) "
    rf"p99_ms=(?P<p99>{NUMBER}) errors=(?P<errors>\d+) lost=(?P<lost>{NUMBER}) "
    rf"value=(?P<value>{NUMBER}) unit=(?P<unit>\S+)$"
)
TINY = [
    "--pairs", "1", "--seconds", "2", "--users", "4", "--databases", "sqlite", "--staff", "30",
    "--questions", "120", "--attempts", "40", "--gift-questions", "60", "--sessions", "16",
    "--exam-starts", "6", "--exam-steps", "4", "--exam-pacing", "0.5",
    "--exam-measure-seconds", "1",
]  # fmt: skip


@pytest.fixture(scope="module")
def output():
    """stdout of one tiny harness run (SQLite only, whatever BENCH_DATABASE_URL says)."""
    for tool in ("locust", "gunicorn"):
        if importlib.util.find_spec(tool) is None:
            pytest.skip(f"{tool} is not installed (pip install -e '.[dev]')")
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *TINY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_scenario_prints_one_line_in_the_exact_format(output):
    lines = [line for line in output.splitlines() if line.strip()]
    assert all(LINE.match(line) for line in lines), lines
    names = [LINE.match(line)["name"] for line in lines]
    assert names == [s.name for s in scenarios()]


def test_nothing_acknowledged_is_lost_and_requests_ran(output):
    found = {m["name"]: m for m in map(LINE.match, output.splitlines()) if m}
    assert found["attempt_save"]["lost"] == "0"
    assert int(found["attempt_save"]["requests"]) > 0
    assert found["ceiling_write"]["lost"] == "0"
    assert found["gift_import"]["lost"] == "0"
    assert float(found["gift_import"]["value"]) > 0
    assert found["gift_import"]["unit"] == "questions/s"
    assert found["gift_import"]["ratio"] == "-"
    for name in ("ceiling", "ceiling_write", "staff_home", "bank_search", "attempt_save"):
        assert found[name]["errors"] == "0", name
        assert float(found[name]["rps"]) > 0, name
