"""Benchmark of oar-conformance: speed, bug-finding power and scale.

Run from the repository root (pytest does not collect this file)::

    python tests/bench/bench.py                 # full run, writes tests/bench/results.json
    python tests/bench/bench.py --quick         # fewer seeds and examples, for a smoke test
    python tests/bench/bench.py --only find     # one section: find, isolation, power, scale,
                                                # health, rounds, campaigns, gate, mutation

It prints one table per section and writes a JSON record with the machine, the date, the
OAR3 version and every figure, so successive runs can be compared. Targets (2-core
machine) are printed beside each figure; see the README's benchmark section. Every
timed check first runs a few examples untimed, so one-off imports (OAR3, SQLAlchemy)
are not charged to it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st

from oar_conformance import oar3
from oar_conformance import strategies as ost
from oar_conformance.catalogue import Invariant, by_group, family_of, get
from oar_conformance.driver import (
    CheckOptions,
    driver_for,
    requires_oar3,
    run_check,
    run_invariants,
)
from oar_conformance.errors import ConformanceFailure
from oar_conformance.families.find.runner import FindRunner
from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.model import Queue
from oar_conformance.plugins import ASSIGN_GROUP as ASSIGN
from oar_conformance.plugins import FIND_GROUP as FIND
from oar_conformance.plugins import METASCHED_GROUP as METASCHED
from oar_conformance.plugins import SORT_GROUP as SORT
from oar_conformance.plugins import PluginSpec, load
from oar_conformance.profiles import Profile, get_profile
from oar_conformance.shared_run import run_name
from oar_conformance.stats import RunStats

SEVERAL_GROUPS_UP_TO = 4_096
SECTIONS = (
    *("find", "isolation", "power", "scale", "health", "rounds", "campaigns", "gate"),
    "mutation",
)
SIZES = {"small": (12, 16), "medium": (1_800, 2_000), "large": (60_000, 65_000)}
LARGE_CALL_LIMIT = 60.0
"""Per-call limit of the large row: OAR3's default find takes seconds at 65,000 resources."""
FAULTS = {
    FIND: [
        ("bad_f1_ignores_busy", "F1"),
        ("bad_f2_one_extra_block", "F2"),
        ("bad_f3_first_group_only", "F3"),
        ("bad_f4_mutates_avail", "F4"),
        ("bad_f5_random", "F5"),
        ("bad_f6_raises", "F6"),
        ("bad_f6_wrong_type", "F6"),
        ("bad_f7_overlapping", "F7"),
        ("bad_f8_gives_up", "F8"),
    ],
    ASSIGN: [
        ("bad_a1_empty_res_set", "A1"),
        ("bad_a2_ignores_dependencies", "A2"),
        ("bad_a3_ignores_occupation", "A3"),
        ("bad_a4_one_block_too_many", "A4"),
        ("bad_a5_no_split", "A5"),
        ("bad_a6_short_split", "A6"),
        ("bad_a7_random", "A7"),
        ("bad_a8_gives_up_when_busy", "A8"),
    ],
    METASCHED: [
        ("bad_r1_frees_busy_resources", "R1"),
        ("bad_m1_clears_queues", "M1"),
        ("bad_m2_raises_on_second_group", "M2"),
    ],
    SORT: [
        ("bad_s1_drops_last", "S1"),
        ("bad_s2_dict_order", "S2"),
        ("bad_s3_reverse_ties", "S3"),
        ("bad_s4_needs_config", "S4"),
        ("bad_s4_empty_list", "S4"),
        ("bad_s5_sorts_in_place", "S5"),
    ],
}


ROUND_SEEDS = 5
"""Seeds of the power table's round and campaign faults (every seed of the others)."""
CAMPAIGN_FAULTS = [
    (METASCHED, "bad_c2_launches_unrecorded", "C1"),
    (METASCHED, "bad_c2_launches_unrecorded", "C2"),
    (METASCHED, "bad_c3_moves_running", "C3"),
    (METASCHED, "bad_c4_frees_after_an_end", "C4"),
    (METASCHED, "bad_c5_shifts_reservations", "C5"),
    (METASCHED, "bad_c6_drops_dependencies", "C6"),
    (METASCHED, "bad_c7_resumes_held", "C7"),
    (METASCHED, "bad_c8_frags_long_jobs", "C8"),
    (METASCHED, "bad_c9_plans_held", "C9"),
    (METASCHED, "bad_c10_drops_slot_sets_after_an_end", "C10"),
    (METASCHED, "bad_c11_drains_by_like", "C11"),
    (SORT, "bad_c12_newest_first", "C12"),
    (METASCHED, "bad_c13_refuses_reservations", "C13"),
]
"""Campaign faults: each passes every single-call and single-round check."""

FAMILY_HEADER = ["family", "plugin", "check", "resources", "examples", "ex/s", "plugin ms"]
FAMILY_HEADER += ["kit ms", "overhead"]
HEALTH_HEADER = ["profile", "plugin", "check", "examples", "errors", "slowest >16k call s"]
HEALTH_HEADER += ["s", "status"]


@dataclass
class Record:
    """Everything measured in one run, written out as JSON."""

    meta: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    """Print a plain text table."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def default_find_plugin() -> str:
    return "sample_oar_default" if oar3.status().available else "sample_first_fit"


def timed_check(
    spec: PluginSpec, invariant: Invariant, profile: Profile, *, seed: int = 1, **options: Any
) -> tuple[float, Any]:
    """Wall time of one check and its plugin statistics, after an untimed warm-up."""
    warm = Profile(f"{profile.name}-warm-up", 5, profile.max_resources, "warm-up")
    run_check(
        spec, invariant, CheckOptions(profile=warm, seed=99, example_database=None, **options)
    )
    stats = RunStats()
    start = time.perf_counter()
    run_check(
        spec,
        invariant,
        CheckOptions(profile=profile, seed=seed, example_database=None, stats=stats, **options),
    )
    return time.perf_counter() - start, stats.for_plugin(str(spec))


def throughput(examples: dict[str, int], repeats: int) -> list[dict[str, Any]]:
    """Examples per second and kit overhead of the find checks at three platform sizes.

    Each size is timed ``repeats`` times (seeds 1, 2, ...): the median and the spread are
    shown. The large row runs with a per-call limit of :data:`LARGE_CALL_LIMIT`.
    """
    name = default_find_plugin()
    rows: list[dict[str, Any]] = []
    for label, (low, high) in SIZES.items():
        n = examples[label]
        profile = Profile(f"bench-{label}", n, high, "bench", min_resources=low)
        extra = {"timeout": LARGE_CALL_LIMIT} if label == "large" else {}
        runs = []
        for repeat in range(1, repeats + 1):
            wall, plugin = timed_check(
                PluginSpec(FIND, name), get("F1"), profile, seed=repeat, **extra
            )
            calls = sum(sum(v) for v in plugin.seconds.values())
            n_ex = plugin.examples
            runs.append((n_ex / wall, calls / n_ex, (wall - calls) / n_ex, plugin))
        rates = sorted(r[0] for r in runs)
        _, per_call, kit, plugin = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        rows.append(
            {
                "family": "find",
                "size": label,
                "resources": f"{low}-{high}",
                "plugin": name,
                "examples": plugin.examples,
                "repeats": repeats,
                "allocated_share": plugin.allocated / plugin.examples,
                "examples_per_s": statistics.median(rates),
                "examples_per_s_range": [rates[0], rates[-1]],
                "plugin_ms": 1000 * per_call,
                "kit_ms": 1000 * kit,
                "overhead": kit / per_call if per_call else math.inf,
            }
        )
    table(
        f"Throughput and overhead of find checks (F1, plugin {name}, median of {repeats})",
        [
            *("size", "resources", "examples", "allocated", "ex/s", "range", "plugin ms"),
            *("kit ms", "overhead"),
        ],
        [
            [
                r["size"],
                r["resources"],
                r["examples"],
                f"{100 * r['allocated_share']:.0f}%",
                f"{r['examples_per_s']:.1f}",
                "{:.1f}-{:.1f}".format(*r["examples_per_s_range"]),
                f"{r['plugin_ms']:.2f}",
                f"{r['kit_ms']:.2f}",
                f"{r['overhead']:.2f}",
            ]
            for r in rows
        ],
    )
    print("targets: small >= 300 ex/s; overhead <= 1.0 on medium")
    return rows


def isolation(examples: int, rounds: int) -> list[dict[str, Any]]:
    """What running plugins in worker processes costs: checks with isolation on and off.

    Small find checks (F1, 12-16 resources) and database rounds (R1 of the no-op
    metasched sample, sqlite), each timed after a warm-up that starts the worker; the
    difference per example is the cost of isolation per call (find) and per round. A
    worker's start (a fresh interpreter, the kit and the plugin imported) is timed too.
    """
    from oar_conformance.families.find.outcome import FindOutcome  # noqa: PLC0415
    from oar_conformance.worker import IsolatedRunner  # noqa: PLC0415

    cases = [(FIND, default_find_plugin(), "F1", 12, 16, examples, {})]
    if oar3.status().available:
        cases.append((METASCHED, "sample_noop", "R1", 1, 16, rounds, {"db": "sqlite"}))
    rows: list[dict[str, Any]] = []
    for group, name, inv_id, low, high, n, extra in cases:
        profile = Profile("bench-isolation", n, high, "bench", min_resources=low)
        spec = PluginSpec(group, name)
        walls = {}
        for isolate in (False, True):
            wall, plugin = timed_check(spec, get(inv_id), profile, isolate=isolate, **extra)
            walls[isolate] = (wall, plugin.examples)
        (off, n_off), (on, n_on) = walls[False], walls[True]
        rows.append(
            {
                "plugin": f"{group}:{name}",
                "check": inv_id,
                "examples": n_on,
                "in_process_per_s": n_off / off,
                "isolated_per_s": n_on / on,
                "cost_ms": 1000 * (on / n_on - off / n_off),
            }
        )
    runner = IsolatedRunner(
        "find", PluginSpec(FIND, "sample_first_fit"), CheckOptions(), lambda e: FindOutcome(None, e)
    )
    scenario = _drawn(ost.find_scenarios(max_resources=16), 1)[0]
    start = time.perf_counter()
    runner.run(scenario)
    spawn = time.perf_counter() - start
    runner.close()
    table(
        "Isolation: checks with plugins in worker processes (on) and in-process (off)",
        ["plugin", "check", "examples", "off ex/s", "on ex/s", "cost per example ms"],
        [
            [
                r["plugin"],
                r["check"],
                r["examples"],
                f"{r['in_process_per_s']:.1f}",
                f"{r['isolated_per_s']:.1f}",
                f"{r['cost_ms']:.2f}",
            ]
            for r in rows
        ],
    )
    print(f"worker start (interpreter, kit, plugin, first answer): {1000 * spawn:.0f} ms")
    print("target: small find checks >= 300 ex/s with isolation on")
    rows.append({"worker_start_s": spawn})
    return rows


def families(examples: int) -> list[dict[str, Any]]:
    """Examples per second and overhead of the assign and sort checks.

    Assign at the ci profile's sizes (schedules of up to 10 jobs on up to 64 resources)
    and on 900-1,024 resources (the largest assign checks generate); sort on its own
    scenarios.
    """
    rows: list[dict[str, Any]] = []
    cases = [(SORT, "sample_fifo", "S1", 1, 64, examples)]
    if oar3.status().available:
        cases[:0] = [
            (ASSIGN, "sample_oar_default", "A3", 1, 64, examples),
            (ASSIGN, "sample_oar_default", "A3", 900, 1024, max(3, examples // 20)),
        ]
    for group, name, inv_id, low, high, n in cases:
        profile = Profile("bench-family", n, high, "bench", min_resources=low)
        wall, plugin = timed_check(PluginSpec(group, name), get(inv_id), profile)
        calls = sum(sum(v) for v in plugin.seconds.values())
        rows.append(
            {
                "family": group,
                "plugin": name,
                "invariant": inv_id,
                "resources": f"{low}-{high}",
                "examples": plugin.examples,
                "examples_per_s": plugin.examples / wall,
                "plugin_ms": 1000 * calls / plugin.examples,
                "kit_ms": 1000 * (wall - calls) / plugin.examples,
                "overhead": (wall - calls) / calls if calls else math.inf,
            }
        )
    table(
        "Throughput and overhead of assign (schedules of up to 10 jobs) and sort checks",
        FAMILY_HEADER,
        [
            [
                r["family"],
                r["plugin"],
                r["invariant"],
                r["resources"],
                r["examples"],
                f"{r['examples_per_s']:.1f}",
                f"{r['plugin_ms']:.2f}",
                f"{r['kit_ms']:.2f}",
                f"{r['overhead']:.2f}",
            ]
            for r in rows
        ],
    )
    print("targets: assign >= 50 ex/s of 10-job schedules (1-64 resources)")
    return rows


def power(seeds: int) -> list[dict[str, Any]]:
    """Bug-finding power of the gate's runs on the faulty catalogue (ci profile).

    Each faulty plugin is run as the gate runs it: one run feeding every invariant of the
    expected invariant's family. Found: seeds where the expected invariant failed; examples
    and seconds until the search first saw it; for the first three seeds, the size of the
    shrunk counterexample and the run's time with shrinking. "alone s" is the time to the
    first violation of a run of that invariant alone (one run per invariant: the previous
    design). Round faults use at most :data:`ROUND_SEEDS` seeds (a round costs ~0.1 s).
    """
    rows: list[dict[str, Any]] = []
    ci = get_profile("ci")
    faults = [(g, n, i) for g, found in FAULTS.items() for n, i in found] + CAMPAIGN_FAULTS
    for group, name, inv_id in faults:
        invariant = get(inv_id)
        if requires_oar3(invariant) and not oar3.status().available:
            continue
        spec = PluginSpec(group, name)
        run = [i for i in by_group(group) if run_name(i) == run_name(invariant)]
        rounds_ = family_of(invariant).needs_database
        n_seeds = min(seeds, ROUND_SEEDS) if rounds_ else seeds
        found, examples, seconds, alone, shrink_s, sizes = 0, [], [], [], [], []
        for seed in range(1, n_seeds + 1):
            options = CheckOptions(profile=ci, seed=seed, example_database=None, shrink=False)
            result = run_invariants(spec, run, options)
            if inv_id in result.failures():
                found += 1
                examples.append(result.found[inv_id].examples)
                seconds.append(result.found[inv_id].seconds)
            start = time.perf_counter()
            with contextlib.suppress(ConformanceFailure):
                run_check(spec, invariant, options)
                start = math.nan
            alone.append(time.perf_counter() - start)
            if seed <= 3:
                start = time.perf_counter()
                shrunk = run_invariants(spec, run, replace(options, shrink=True)).failures()
                if inv_id in shrunk:
                    shrink_s.append(time.perf_counter() - start)
                    sizes.append(_size(shrunk[inv_id].violation.scenario))
        alone = [a for a in alone if not math.isnan(a)]
        rows.append(
            {
                "plugin": name,
                "invariant": inv_id,
                "run": run_name(invariant),
                "found": f"{found}/{n_seeds}",
                "examples_median": statistics.median(examples) if examples else None,
                "examples_worst": max(examples) if examples else None,
                "seconds_median": statistics.median(seconds) if seconds else None,
                "seconds_worst": max(seconds) if seconds else None,
                "alone_seconds_median": statistics.median(alone) if alone else None,
                "shrunk_worst": max(sizes, key=lambda s: (s["resources"], s["jobs"]))
                if sizes
                else None,
                "run_with_shrink_s_worst": max(shrink_s) if shrink_s else None,
            }
        )
    table(
        f"Bug-finding power of the gate's runs on the faulty catalogue ({seeds} seeds, ci)",
        [
            *("plugin", "id", "found", "ex med", "ex worst", "s med", "s worst", "alone s"),
            *("shrunk", "run+shrink s"),
        ],
        [
            [
                r["plugin"],
                r["invariant"],
                r["found"],
                r["examples_median"],
                r["examples_worst"],
                _f(r["seconds_median"]),
                _f(r["seconds_worst"]),
                _f(r["alone_seconds_median"]),
                _shape(r["shrunk_worst"]),
                _f(r["run_with_shrink_s_worst"]),
            ]
            for r in rows
        ],
    )
    print(
        "targets: found in every seed; median < 2 s; shrunk to <= 2 top-level blocks and "
        "2 jobs; shrinking < 5 s (campaigns: shrunk to <= 8 steps)"
    )
    return rows


GATE_PLUGINS = (
    (FIND, "sample_oar_default", 15.0),
    (ASSIGN, "sample_oar_default", 25.0),
    (METASCHED, "sample_noop", 25.0),
    (SORT, "sample_fifo", 20.0),
)
"""OAR3's default policies as plugins, and the gate's wall-time target for each."""
EXAMPLE_REPOSITORY = Path(__file__).parents[2] / "ci" / "example-plugin"


MUTATION_DETECTED = ("killed", "timeout", "caught by type check", "segfault")
"""mutmut statuses of a mutant the tests noticed."""
MUTATION_QUICK = "oar_conformance.families.find.invariants.*"
"""The mutants a quick run tries: the find invariants' own."""


def percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def mutation(quick: bool) -> dict[str, Any]:
    """Mutation score of the invariants, hierarchy.py and occupation.py (mutmut).

    Runs ``mutmut run --max-children 1`` from the repository root with ``[tool.mutmut]`` of
    pyproject.toml (the files mutated, the fast tests run), so this and a developer's run
    are the same run. ``mutants/`` is removed first: mutmut reuses a previous run's
    results, and a benchmark measures from scratch. Prints the score per file and overall
    (killed or timed out over every mutant, "no tests" counting as not killed) and each
    mutant left alive; ``mutmut show NAME`` prints its change.
    """
    root = Path(__file__).resolve().parents[2]
    shutil.rmtree(root / "mutants", ignore_errors=True)
    command = [sys.executable, "-m", "mutmut"]
    start = time.perf_counter()
    ran = subprocess.run(
        [*command, "run", "--max-children", "1", *([MUTATION_QUICK] if quick else [])],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if ran.returncode != 0:
        print(ran.stdout[-2000:] + ran.stderr[-2000:])
        raise SystemExit(f"mutmut run exited {ran.returncode}: see its output above")
    listed = subprocess.run(
        [*command, "results", "--all", "true"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    by_file: dict[str, dict[str, int]] = {}
    alive: list[str] = []
    for name, status in re.findall(r"^\s+(\S+): (.+)$", listed, re.MULTILINE):
        if quick and not name.startswith(MUTATION_QUICK[:-1]):
            continue
        module = re.split(r"\.x[_\u01c1]", name)[0]
        counts = by_file.setdefault(module, {})
        counts[status] = counts.get(status, 0) + 1
        if status not in MUTATION_DETECTED:
            alive.append(f"{name}: {status}")
    rows = []
    for module, counts in sorted(by_file.items()):
        total = sum(counts.values())
        killed = sum(counts.get(s, 0) for s in MUTATION_DETECTED)
        rows.append(
            {
                "file": module,
                "mutants": total,
                "killed": killed,
                "survived": counts.get("survived", 0),
                "no_tests": counts.get("no tests", 0),
                "score": killed / total,
            }
        )
    total = sum(r["mutants"] for r in rows)
    killed = sum(r["killed"] for r in rows)
    table(
        f"Mutation score (mutmut, one test process, {wall / 60:.1f} min)",
        ["file", "mutants", "killed", "survived", "no tests", "score"],
        [
            [
                r["file"],
                r["mutants"],
                r["killed"],
                r["survived"],
                r["no_tests"],
                percent(r["score"]),
            ]
            for r in rows
        ]
        + [["overall", total, killed, "", "", percent(killed / max(total, 1))]],
    )
    print("mutants left alive (mutmut show NAME prints the change):")
    for line in alive:
        print(f"  {line}")
    print("target: >= 90% killed overall")
    return {"seconds": wall, "files": rows, "score": killed / max(total, 1), "alive": alive}


def gate(repeats: int) -> list[dict[str, Any]]:
    """Wall time of the whole ci check, as a plugin repository's CI runs it.

    ``oar-conformance check --plugin P --seed S`` in a fresh process (R1 on sqlite, R2 on
    sqlite and a throwaway PostgreSQL), ``repeats`` times; once more with
    ``--one-by-one``, the previous design (one Hypothesis run per invariant, R1 and R2
    each with rounds of their own), in the same benchmark run. Also the example plugin
    repository's own gate (``oar-conformance check`` in ``ci/example-plugin``, which
    reads its ``[tool.oar-conformance]``), and the time from the command's start to its
    first example done.
    """
    cases: list[tuple[str, list[str], Path | None, float | None]] = [
        (f"{group}:{name}", ["--plugin", f"{group}:{name}"], None, target)
        for group, name, target in GATE_PLUGINS
        if oar3.status().available or group in {FIND, SORT}
    ]
    cases.append(("example plugin repository", [], EXAMPLE_REPOSITORY, None))
    rows: list[dict[str, Any]] = []
    for label, args, cwd, target in cases:
        walls, firsts, codes = [], [], set()
        for seed in range(1, repeats + 1):
            wall, first, code = _timed_gate([*args, "--seed", str(seed)], cwd)
            walls.append(wall)
            firsts.append(first)
            codes.add(code)
        apart, _, apart_code = _timed_gate([*args, "--seed", "1", "--one-by-one"], cwd)
        rows.append(
            {
                "plugin": label,
                "repeats": repeats,
                "wall_s_median": statistics.median(walls),
                "wall_s_range": [min(walls), max(walls)],
                "first_example_s_median": statistics.median(f for f in firsts if f is not None)
                if any(f is not None for f in firsts)
                else None,
                "one_by_one_s": apart,
                "exit_codes": sorted(codes | {apart_code}),
                "target_s": target,
            }
        )
    table(
        f"Gate: whole ci check, sqlite + PostgreSQL (median of {repeats}; one-by-one: once)",
        [
            *("plugin", "wall s", "range", "first example s", "one-by-one s", "speed-up"),
            *("target s", "exit"),
        ],
        [
            [
                r["plugin"],
                f"{r['wall_s_median']:.1f}",
                "{:.1f}-{:.1f}".format(*r["wall_s_range"]),
                _f(r["first_example_s_median"]),
                f"{r['one_by_one_s']:.1f}",
                f"{r['one_by_one_s'] / r['wall_s_median']:.1f}x",
                "-" if r["target_s"] is None else f"<= {r['target_s']:g}",
                ",".join(map(str, r["exit_codes"])),
            ]
            for r in rows
        ],
    )
    print("targets: find <= 15 s, assign <= 25 s, metasched <= 25 s, sort <= 20 s; first")
    print("example within 1 s for find and sort plugins")
    return rows


def _timed_gate(args: list[str], cwd: Path | None) -> tuple[float, float | None, int]:
    """Wall seconds of ``oar-conformance check ARGS`` in ``cwd`` (default: an empty
    folder), the first example's time after the start as the run reports it, the exit."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    with tempfile.TemporaryDirectory(prefix="oar-conformance-gate-") as empty:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "oar_conformance.cli", "check", *args],
            cwd=cwd or empty,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    firsts = [float(t) for t in re.findall(r"first example done ([\d.]+) s", done.stdout)]
    if done.returncode not in {0, 1}:
        print(done.stdout[-2000:], done.stderr[-2000:])
    return wall, min(firsts) if firsts else None, done.returncode


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _size(scenario: Any) -> dict[str, int]:
    platform_ = getattr(scenario, "platform", None)
    levels = platform_.levels if platform_ is not None else ()
    return {
        "resources": len(platform_.resources) if platform_ is not None else 0,
        "top_blocks": len(levels[0].blocks) if levels else 0,
        "blocks": sum(len(level.blocks) for level in levels),
        "groups": len(getattr(scenario, "groups", ())),
        "jobs": len(getattr(scenario, "jobs", ())),
        "steps": len(getattr(scenario, "steps", ())),
    }


def _shape(size: dict[str, int] | None) -> str:
    if size is None:
        return "-"
    steps = f"/{size['steps']}st" if size.get("steps") else ""
    return f"{size['resources']}r/{size['top_blocks']}top/{size['groups']}g/{size['jobs']}j{steps}"


def scale(sizes: list[int], examples: int) -> dict[str, Any]:
    """Time of the contract find checks alone against platform size, and its growth.

    Scenarios are drawn with ``satisfiable=True``, so OAR3's default find (or the first
    fit sample without OAR3) returns a real answer to check even on large platforms.
    The curve uses one-group requests: the checks' work is then linear walks over the
    platform. Requests of up to three groups are timed too (worst example shown): when
    groups overlap, splitting the answer among them is a search capped by
    ``SEARCH_BUDGET`` ids of work whatever the size, so it adds at most a constant
    (timed up to ``SEVERAL_GROUPS_UP_TO`` resources: beyond, OAR3's own find takes
    seconds per multi-group call).
    """
    runner = FindRunner(load(PluginSpec(FIND, default_find_plugin())), timeout=120)
    checks = [inv for inv in by_group(FIND) if inv.id in {"F1", "F2", "F3", "F4", "F7"}]

    def times(n: int, max_groups: int) -> tuple[list[float], list[float]]:
        timings: list[float] = []
        drawn: list[float] = []
        strategy = ost.find_scenarios(
            min_resources=n, max_resources=n, max_groups=max_groups, satisfiable=True
        )

        @st.composite
        def timed(draw: st.DrawFn) -> Any:
            start = time.perf_counter()
            scenario = draw(strategy)
            drawn.append(time.perf_counter() - start)
            return scenario

        @seeded(n)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.filter_too_much],
        )
        @given(timed())
        def measure(scenario: Any) -> None:
            outcome = runner.run(scenario)
            assume(outcome.result)
            start = time.perf_counter()
            for inv in checks:
                list(inv.check(scenario, outcome))
            timings.append(time.perf_counter() - start)

        measure()
        return timings, drawn

    rows: list[dict[str, Any]] = []
    for n in sizes:
        single, drawn = times(n, 1)
        several = times(n, 3)[0] if n <= SEVERAL_GROUPS_UP_TO else [math.nan]
        rows.append(
            {
                "resources": n,
                "checks_s": statistics.median(single),
                "several_groups_max_s": max(several),
                "generation_s": statistics.median(drawn),
            }
        )
    points = [(r["resources"], r["checks_s"]) for r in rows]
    slope = _slope(points)
    reference = _slope([(n, n * math.log(n)) for n, _ in points])
    table(
        "Scale: contract find checks (F1-F4, F7) per example, on satisfiable scenarios",
        ["resources", "checks ms", "us per resource", "<= 3 groups worst ms", "generation ms"],
        [
            [
                r["resources"],
                f"{1000 * r['checks_s']:.2f}",
                f"{1e6 * r['checks_s'] / r['resources']:.2f}",
                f"{1000 * r['several_groups_max_s']:.1f}",
                f"{1000 * r['generation_s']:.1f}",
            ]
            for r in rows
        ],
    )
    verdict = "no worse than n log n" if slope <= reference + 0.1 else "WORSE than n log n"
    print(
        f"growth exponent (log-log slope of the one-group check time): {slope:.2f}; "
        f"n log n over these sizes: {reference:.2f}; {verdict}"
    )
    rendering = _render_times()
    print(
        "rendering a 65,000-resource counterexample: "
        + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in rendering.items())
        + " (target < 500 ms each)"
    )
    return {"rows": rows, "slope": slope, "n_log_n_slope": reference, "render_s": rendering}


def _render_times() -> dict[str, float]:
    """Worst of three renderings of large counterexamples (they used to be timed tests)."""
    from oar_conformance.families.find.render import render_hierarchy  # noqa: PLC0415
    from oar_conformance.model import Level, Platform  # noqa: PLC0415

    flat = Platform((Level("resource_id", tuple(frozenset({i}) for i in range(1, 65_001))),))
    hosts = Platform(
        (
            Level("host", tuple(frozenset(range(i, i + 16)) for i in range(1, 65_001, 16))),
            Level("resource_id", tuple(frozenset({i}) for i in range(1, 65_001))),
        )
    )
    cases = {
        "one level": (flat, {"chosen": frozenset({2, 64_999})}, 60),
        "hosts, mixed marks": (hosts, {"busy": frozenset(range(1, 65_001, 2))}, 20),
    }
    out = {}
    for name, (shape, marks, lines) in cases.items():
        best = []
        for _ in range(3):
            start = time.perf_counter()
            render_hierarchy(shape, marks=marks, max_lines=lines)
            best.append(time.perf_counter() - start)
        out[name] = max(best)
    return out


def health(examples: int) -> list[dict[str, Any]]:
    """Whether Hypothesis raises a health-check failure on the thorough profile.

    :func:`run_check` suppresses ``too_slow`` and ``data_too_large``; this runs the same
    drivers (same strategies, ``deadline=None``) with no suppression at all, on the
    ``thorough`` profile (one example in four on up to 65,536 resources) and on a
    profile drawing every platform between 60,000 and 65,536 resources. Health checks
    only watch the first ten valid examples, so a short run is enough.
    """
    from hypothesis.errors import FailedHealthCheck  # noqa: PLC0415

    thorough = get_profile("thorough")
    profiles = [
        Profile(
            "thorough",
            examples,
            thorough.max_resources,
            thorough.description,
            large_resources=thorough.large_resources,
        ),
        Profile("60k-65k", max(3, examples // 8), 65_536, "large", min_resources=60_000),
    ]
    cases = [(FIND, default_find_plugin(), "F1"), (FIND, default_find_plugin(), "F2")]
    if oar3.status().available:
        cases.append((ASSIGN, "sample_oar_default", "A3"))
    rows: list[dict[str, Any]] = []
    for profile in profiles:
        for group, name, inv_id in cases:
            invariant = get(inv_id)
            options = CheckOptions(profile=profile, seed=1, example_database=None)
            driver = driver_for(invariant, load(PluginSpec(group, name)), options)
            stats = RunStats().for_plugin(f"{group}:{name}")
            test = settings(max_examples=profile.max_examples, deadline=None, database=None)(
                seeded(1)(given(driver.strategy)(_observer(driver, invariant, stats)))
            )
            start = time.perf_counter()
            try:
                test()
                status = "no health-check failure"
            except FailedHealthCheck as exc:
                status = f"FailedHealthCheck: {str(exc).splitlines()[0]}"
            largest = max(
                (len(v) and max(v) for k, v in stats.seconds.items() if k == ">16k"), default=0.0
            )
            rows.append(
                {
                    "profile": profile.name,
                    "plugin": f"{group}:{name}",
                    "invariant": inv_id,
                    "examples": stats.examples,
                    "errors": stats.errors,
                    "slowest_large_call_s": largest,
                    "seconds": time.perf_counter() - start,
                    "status": status,
                }
            )
    table(
        "Health checks with no suppression (thorough profile and 60k-65k resources)",
        HEALTH_HEADER,
        [
            [
                r["profile"],
                r["plugin"],
                r["invariant"],
                r["examples"],
                r["errors"],
                f"{r['slowest_large_call_s']:.2f}",
                f"{r['seconds']:.1f}",
                r["status"],
            ]
            for r in rows
        ],
    )
    print(
        "target: no health-check failure; errors are plugin calls past the 5 s per-call "
        "limit (reported by F6, not a kit failure); assign checks stop at 1,024 resources"
    )
    return rows


def _observer(driver: Any, invariant: Invariant, stats: Any) -> Any:
    """A test body running ``invariant`` through ``driver``, counting into ``stats``."""

    def check(scenario: Any) -> None:
        outcome = driver.run(scenario, invariant.needs)
        stats.record(
            resources=driver.resources(scenario),
            seconds=getattr(outcome, "seconds", 0.0),
            kind=driver.classify(outcome),
        )
        list(invariant.check(scenario, outcome))

    return check


def rounds(examples: int) -> list[dict[str, Any]]:
    """Database rounds: bare OAR3 rounds against the kit's round checks, same databases.

    Bare: OAR3's ``meta_schedule`` alone (``run_round(session, scenario, None)``: rows
    loaded, one round, schedule read back, transaction rolled back) on round scenarios
    drawn as the kit draws them (up to 16 resources). Kit: the R1 check of the no-op
    metasched sample, generation and checks included. Also the bare time of two fixed
    rounds (8 resources and 5 jobs, 256 resources and 100 jobs).
    """
    from oar_conformance.db import DatabaseUnavailable, get_database  # noqa: PLC0415
    from oar_conformance.families.rounds.oar_round import run_round  # noqa: PLC0415

    scenarios = _drawn(ost.round_scenarios(max_resources=16), examples)
    fixed = {"8 res, 5 jobs": _fixed_round(8, 5), "256 res, 100 jobs": _fixed_round(256, 100)}
    rows: list[dict[str, Any]] = []
    for kind in ("sqlite", "postgresql"):
        try:
            database = get_database(kind)
        except DatabaseUnavailable as exc:
            rows.append({"db": kind, "skipped": str(exc)})
            continue

        def bare(scenario: RoundScenario, database: Any = database) -> float:
            start = time.perf_counter()
            with database.session() as session:
                run_round(session, scenario, None)
            return time.perf_counter() - start

        bare(scenarios[0])
        bare_rate = len(scenarios) / sum(bare(s) for s in scenarios)
        profile = Profile("bench-rounds", examples, 16, "bench")
        wall, plugin = timed_check(
            PluginSpec(METASCHED, "sample_noop"), get("R1"), profile, db=kind
        )
        kit_rate = plugin.examples / wall
        row: dict[str, Any] = {
            "db": kind,
            "bare_rounds_per_s": bare_rate,
            "kit_examples_per_s": kit_rate,
            "ratio": kit_rate / bare_rate,
            "examples": plugin.examples,
        }
        for label, scenario in fixed.items():
            row[label] = statistics.median(bare(scenario) for _ in range(3))
        rows.append(row)
    table(
        "Database rounds: bare OAR3 rounds and the kit's R1 check (sample_noop), <= 16 resources",
        ["db", "bare rounds/s", "kit ex/s", "kit / bare", *(f"bare {k} ms" for k in fixed)],
        [
            [r["db"], "skipped: " + r["skipped"], "", "", *("" for _ in fixed)]
            if "skipped" in r
            else [
                r["db"],
                f"{r['bare_rounds_per_s']:.1f}",
                f"{r['kit_examples_per_s']:.1f}",
                f"{r['ratio']:.2f}",
                *(f"{1000 * r[k]:.0f}" for k in fixed),
            ]
            for r in rows
        ],
    )
    print("target: kit >= 70% of the bare round rate, on sqlite and on PostgreSQL")
    return rows


def campaigns(examples: int) -> list[dict[str, Any]]:
    """Campaign steps per second: bare OAR3 campaigns, and the kit's campaign run.

    Bare: the campaigns the ci profile draws (up to 12 steps, 4 to 16 resources) played
    with OAR3's defaults alone (``run_campaign(session, scenario, None)``: each step,
    its tick, one round, read back). Kit: the gate's campaign run of the no-op metasched
    sample (every campaign invariant but C11, so OAR3's default plays each campaign
    beside it in a second worker), steps per second of wall time. Also one 16-resource
    campaign of 12 submissions. Target: >= 10 steps/s on sqlite.
    """
    from oar_conformance.db import DatabaseUnavailable, get_database  # noqa: PLC0415
    from oar_conformance.families.campaigns.oar_campaign import run_campaign  # noqa: PLC0415

    scenarios = _drawn(ost.campaigns(max_resources=16, max_steps=12), examples)
    steps = sum(len(s.steps) for s in scenarios)
    rows: list[dict[str, Any]] = []
    for kind in ("sqlite", "postgresql"):
        try:
            database = get_database(kind)
        except DatabaseUnavailable as exc:
            rows.append({"db": kind, "skipped": str(exc)})
            continue

        def bare(scenario: Any, database: Any = database) -> float:
            start = time.perf_counter()
            with database.session() as session:
                run_campaign(session, scenario, None)
            return time.perf_counter() - start

        bare(scenarios[0])
        row: dict[str, Any] = {
            "db": kind,
            "campaigns": len(scenarios),
            "steps": steps,
            "bare_steps_per_s": steps / sum(bare(s) for s in scenarios),
            "sixteen_resources_steps_per_s": 12 / bare(_fixed_campaign()),
        }
        if kind == "sqlite":
            ids = [f"C{n}" for n in range(1, 14) if n != 11]
            profile = Profile("bench-campaigns", 50, 16, "bench", campaigns=examples)
            stats = RunStats()
            options = CheckOptions(profile=profile, seed=1, example_database=None, stats=stats)
            spec = PluginSpec(METASCHED, "sample_noop")
            run_invariants(spec, [get(i) for i in ids], replace(options, stats=RunStats()))
            start = time.perf_counter()
            result = run_invariants(spec, [get(i) for i in ids], options)
            wall = time.perf_counter() - start
            row["kit_wall_s"] = wall
            row["kit_campaigns"] = result.examples
            row["kit_steps_per_s"] = steps / wall if result.examples == examples else None
        rows.append(row)
    table(
        "Campaigns: steps per second (ci campaigns, up to 12 steps, 4..16 resources)",
        ["db", "campaigns", "steps", "bare steps/s", "16 res steps/s", "kit steps/s"],
        [
            [r["db"], "skipped: " + r["skipped"], "", "", "", ""]
            if "skipped" in r
            else [
                r["db"],
                r["campaigns"],
                r["steps"],
                _f(r["bare_steps_per_s"]),
                _f(r["sixteen_resources_steps_per_s"]),
                _f(r.get("kit_steps_per_s")),
            ]
            for r in rows
        ],
    )
    print("target: >= 10 steps/s on sqlite with 16 resources")
    return rows


def _fixed_campaign() -> Any:
    """Sixteen resources and twelve submissions: the jobs of :func:`_fixed_round`."""
    from oar_conformance.families.campaigns import scenario as campaign  # noqa: PLC0415

    fixed = _fixed_round(16, 12)
    jobs = tuple(replace(job, dependencies=()) for job in fixed.jobs)
    return campaign.CampaignScenario(fixed.platform, tuple(campaign.Submit(j) for j in jobs))


def _drawn(strategy: st.SearchStrategy[Any], n: int, at: int = 1) -> list[Any]:
    """The first ``n`` examples Hypothesis generates from ``strategy`` with seed ``at``."""
    out: list[Any] = []

    @seeded(at)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


def _fixed_round(resources: int, jobs: int) -> RoundScenario:
    """A round of ``jobs`` waiting jobs (default queue, no types) on ``resources`` resources."""
    queues = (Queue("default", 0),)

    @st.composite
    def scenarios(draw: st.DrawFn) -> RoundScenario:
        platform = draw(ost.platforms(min_resources=resources, max_resources=resources))
        waiting = draw(ost.jobs(platform, queues, min_size=jobs, max_size=jobs))
        plain = tuple(replace(job, types={}) for job in waiting)
        return RoundScenario(platform, 86_400, queues, (), plain)

    scenario: RoundScenario = _drawn(scenarios(), 3, at=resources)[-1]
    return scenario


def _slope(points: list[tuple[int, float]]) -> float:
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(t, 1e-9)) for _, t in points]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and examples")
    parser.add_argument("--only", choices=SECTIONS, action="append")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).with_name("results.json"), help="output"
    )
    options = parser.parse_args(argv)
    only = set(options.only or SECTIONS)
    record = Record(
        meta={
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
            "python": sys.version.split()[0],
            "oar3": oar3.status().version or "not installed",
            "quick": options.quick,
        }
    )
    print(f"oar-conformance benchmark, {record.meta['date']}, {record.meta['machine']}")
    print(f"OAR3: {record.meta['oar3']}")
    if "find" in only:
        examples = (
            {"small": 100, "medium": 10, "large": 2}
            if options.quick
            else {"small": 400, "medium": 40, "large": 4}
        )
        record.sections["throughput"] = throughput(examples, 1 if options.quick else 3)
        record.sections["families"] = families(50 if options.quick else 200)
    if "isolation" in only:
        record.sections["isolation"] = isolation(*((100, 20) if options.quick else (400, 60)))
    if "power" in only:
        record.sections["power"] = power(3 if options.quick else 20)
    if "scale" in only:
        sizes = [16, 256, 4_096, 16_384] if options.quick else [16, 64, 256, 1_024, 4_096]
        sizes += [] if options.quick else [16_384, 65_000]
        record.sections["scale"] = scale(sizes, 3 if options.quick else 5)
    if "health" in only:
        record.sections["health"] = health(16 if options.quick else 40)
    if "rounds" in only:
        record.sections["rounds"] = rounds(20 if options.quick else 100)
    if "campaigns" in only:
        record.sections["campaigns"] = campaigns(10 if options.quick else 40)
    if "gate" in only:
        record.sections["gate"] = gate(1 if options.quick else 3)
    if "mutation" in only:
        record.sections["mutation"] = mutation(options.quick)
    options.json.write_text(json.dumps(record.__dict__, indent=2, default=str) + "\n")
    print(f"\nwritten: {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
