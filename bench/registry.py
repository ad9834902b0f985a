"""Scenario registration: one decorator per scenario, nothing imported from locust.

A request scenario is a function ``fn(user)`` that the load driver runs in a loop for each
simulated user (``bench.driver.BenchUser``: ``get``, ``post``, ``ack``, ``finish``,
``identity``, ``params``, ``state``); by default it is measured in pairs of segments beside
the ceilings (``Harness.measure_in_pairs``), or by its own ``run(harness, scenario)``. An in-process
scenario is a function ``fn(harness) -> InProcessResult`` run inside the app context, measured
in its own ``unit``. ``setup(harness)`` runs in the app context before the server starts and
returns the parameters the users see as ``user.params``; ``verify(harness, acks)`` counts the
acknowledged writes missing afterwards (``lost``).

Adding a scenario: a module in ``bench/scenarios/`` with one decorated function, imported by
``bench/scenarios/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scenario:
    """A registered scenario and how to measure it."""

    name: str
    kind: str  # "http" or "inprocess"
    fn: Callable
    #: concurrent simulated users (request scenarios)
    users: int = 16
    #: whose signed-in session each user takes: "staff", "trainer" or None (anonymous)
    identity: str | None = None
    #: how many such sessions to sign in before timing
    identities: int = 0
    #: request names that count for requests/rps/latency; empty = all of the scenario's
    measured: tuple[str, ...] = ()
    #: seconds between two task starts of one user (None = as fast as possible)
    pacing: float | None = None
    setup: Callable[[Any], dict] | None = None
    verify: Callable[[Any, list], int] | None = None
    #: a custom measurement replacing the default pairs: run(harness, scenario) -> Result
    run: Callable | None = None
    #: the unit of ``value`` (in-process scenarios, or request scenarios that report one)
    unit: str | None = None
    #: the two ceilings themselves (measured inside every other scenario's pairs)
    is_ceiling: bool = False
    order: int = field(default=0)


@dataclass
class InProcessResult:
    """What an in-process scenario measured."""

    value: float
    errors: int = 0
    lost: int | None = None
    requests: int | None = None


REGISTRY: dict[str, Scenario] = {}


def _register(scenario: Scenario) -> None:
    if scenario.name in REGISTRY:
        raise ValueError(f"scenario {scenario.name!r} registered twice")
    scenario.order = len(REGISTRY)
    REGISTRY[scenario.name] = scenario


def http_scenario(name: str, **options) -> Callable:
    """Register ``fn(user)`` as the request scenario ``name`` (options: see ``Scenario``)."""

    def decorate(fn: Callable) -> Callable:
        _register(Scenario(name=name, kind="http", fn=fn, **options))
        return fn

    return decorate


def inprocess_scenario(name: str, *, unit: str, **options) -> Callable:
    """Register ``fn(harness) -> InProcessResult`` as the in-process scenario ``name``."""

    def decorate(fn: Callable) -> Callable:
        _register(Scenario(name=name, kind="inprocess", fn=fn, unit=unit, **options))
        return fn

    return decorate


def scenarios() -> list[Scenario]:
    """Every registered scenario, in registration order (loads bench.scenarios)."""
    import bench.scenarios  # noqa: F401  (registers on import)

    return sorted(REGISTRY.values(), key=lambda s: s.order)
