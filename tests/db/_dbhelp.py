"""Helpers of the database-round tests: small hand-made rounds and one-check runs."""

from __future__ import annotations

import pytest

from oar_conformance import oar3
from oar_conformance.catalogue import get
from oar_conformance.db._postgres import find_pg_bin
from oar_conformance.driver import CheckOptions, run_check
from oar_conformance.errors import ConformanceFailure
from oar_conformance.families.rounds.scenario import RoundScenario, RunningJob
from oar_conformance.model import Group, Job, Level, Moldable, Platform, Queue
from oar_conformance.plugins import METASCHED_GROUP as METASCHED
from oar_conformance.plugins import PluginSpec
from oar_conformance.profiles import Profile

SEED = 20261125
FAST = Profile("db-tests", 30, 16, "30 examples, platforms up to 16 resources")

needs_oar3 = pytest.mark.skipif(not oar3.status().available, reason=oar3.status().skip_line)
needs_postgresql = pytest.mark.skipif(
    find_pg_bin() is None,
    reason="PostgreSQL tests skipped: initdb not found (apt-get install postgresql)",
)


def check(name: str, invariant_id: str, db: str = "sqlite", group: str = METASCHED) -> None:
    """Run one round check on sample plugin ``name`` of ``group`` (metasched by default)."""
    options = CheckOptions(profile=FAST, seed=SEED, example_database=None, db=db)
    run_check(PluginSpec(group, name), get(invariant_id), options)


def caught(
    name: str, invariant_id: str, db: str = "sqlite", group: str = METASCHED
) -> ConformanceFailure:
    """Run a check that must fail; return the failure."""
    with pytest.raises(ConformanceFailure) as info:
        check(name, invariant_id, db, group)
    assert info.value.violation.invariant_id == invariant_id
    return info.value


def two_hosts() -> Platform:
    """Hosts 1-2 and 3-4, one core each resource; red 1-2, blue 3-4; mem 8 then 16."""
    cores = tuple(frozenset({i}) for i in (1, 2, 3, 4))
    return Platform(
        (Level("host", (frozenset({1, 2}), frozenset({3, 4}))), Level("core", cores)),
        {
            "color": {1: "red", 2: "red", 3: "blue", 4: "blue"},
            "mem": {1: "8", 2: "8", 3: "16", 4: "16"},
        },
    )


def small_round() -> RoundScenario:
    """Three queues in two priority groups, one running job, three waiting jobs.

    ::

        admin:10 | default:3, q1:3
        running 1001 on 1-2 [86000, 87199]
        job 1 /host=1/core=2 600 s (default), job 2 {color='blue'}/host=1 600 s (admin),
        job 3 /host=1/core=2 60 s | {color='blue'}/host=1 60 s (q1)
    """
    platform = two_hosts()
    host_core = Group((("host", 1), ("core", 2)), platform.resources)
    blue = Group((("host", 1),), frozenset({3, 4}), "color='blue'")
    jobs = (
        Job(1, (Moldable(1, 600, (host_core,)),), queue="default"),
        Job(2, (Moldable(2, 600, (blue,)),), queue="admin"),
        Job(3, (Moldable(3, 60, (host_core,)), Moldable(4, 60, (blue,))), queue="q1"),
    )
    queues = (Queue("default", 3), Queue("admin", 10), Queue("q1", 3))
    running = (RunningJob(1001, "default", 86_000, 1200, frozenset({1, 2})),)
    return RoundScenario(platform, 86_400, queues, running, jobs)
