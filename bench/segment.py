"""What one load segment records: every request's latency by name, failures, acknowledged
writes and the span from the first request sent to the last answered (the locust driver and the
paced client write the same shape)."""

import time


class Segment:
    """What one segment recorded."""

    def __init__(self, warm_up: float = 0.0) -> None:
        self.names: dict[str, dict] = {}
        self.acks: list = []
        self.user_errors = 0
        self.error_samples: list[str] = []
        #: users that have done their one thing (``BenchUser.finish``)
        self.finished = 0
        self.started = time.monotonic()
        self.warm_up = warm_up
        #: when the first request was sent and the last one answered (monotonic seconds)
        self.first_sent: float | None = None
        self.last_answered: float | None = None

    def warming_up(self) -> bool:
        """True during the segment's first ``warm_up`` seconds (requests named apart then)."""
        return time.monotonic() - self.started < self.warm_up

    def record(self, name, response_time, exception) -> None:
        """Count one request under ``name``."""
        now = time.monotonic()
        sent = now - response_time / 1000
        self.first_sent = sent if self.first_sent is None else min(self.first_sent, sent)
        self.last_answered = now
        entry = self.names.setdefault(name, {"count": 0, "failures": 0, "latencies_ms": []})
        if exception is None:
            entry["count"] += 1
            entry["latencies_ms"].append(round(response_time, 3))
        else:
            entry["failures"] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{name}: {exception}")

    def result(self, wall: float, cpu: float) -> dict:
        """The segment as the harness reads it (``SegmentStats.of``)."""
        return {
            "seconds": wall,
            "cpu_seconds": cpu,
            "names": self.names,
            "acks": self.acks,
            "user_errors": self.user_errors,
            "error_samples": self.error_samples,
            "span_seconds": (
                self.last_answered - self.first_sent if self.first_sent is not None else None
            ),
        }
