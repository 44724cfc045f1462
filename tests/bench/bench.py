"""Benchmark of oar-conformance: speed, bug-finding power and scale.

Run from the repository root (pytest does not collect this file)::

    python tests/bench/bench.py                 # full run, writes tests/bench/results.json
    python tests/bench/bench.py --quick         # fewer seeds and examples, for a smoke test
    python tests/bench/bench.py --only find     # one section: find, power, scale

It prints one table per section and writes a JSON record with the machine, the date, the
OAR3 version and every figure, so successive runs can be compared. Targets (2-core
machine) are printed beside each figure; see the README's benchmark section.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from oar_conformance import oar3
from oar_conformance import strategies as ost
from oar_conformance.conformance import CheckOptions, run_check
from oar_conformance.errors import ConformanceFailure
from oar_conformance.find_runner import FindRunner
from oar_conformance.invariants import by_group, get
from oar_conformance.plugins import PluginSpec, load
from oar_conformance.profiles import Profile, get_profile
from oar_conformance.stats import RunStats

FIND = "oar.find_func"
ASSIGN = "oar.assign_func"
SORT = "oar.jobs_sorting_func"
SIZES = {"small": (12, 16), "medium": (1_800, 2_000), "large": (60_000, 65_000)}
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
    SORT: [
        ("bad_s1_drops_last", "S1"),
        ("bad_s2_dict_order", "S2"),
        ("bad_s3_reverse_ties", "S3"),
        ("bad_s4_needs_config", "S4"),
        ("bad_s4_empty_list", "S4"),
        ("bad_s5_sorts_in_place", "S5"),
    ],
}


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


def throughput(examples: dict[str, int]) -> list[dict[str, Any]]:
    """Examples per second and kit overhead of the find checks at three platform sizes."""
    name = default_find_plugin()
    rows: list[dict[str, Any]] = []
    for label, (low, high) in SIZES.items():
        n = examples[label]
        profile = Profile(f"bench-{label}", n, high, "bench", min_resources=low)
        stats = RunStats()
        options = CheckOptions(profile=profile, seed=1, database=None, stats=stats)
        start = time.perf_counter()
        run_check(PluginSpec(FIND, name), get("F1"), options)
        wall = time.perf_counter() - start
        plugin = stats.for_plugin(f"{FIND}:{name}")
        calls = sum(sum(v) for v in plugin.seconds.values())
        per_call = calls / plugin.examples
        kit = (wall - calls) / plugin.examples
        rows.append(
            {
                "family": "find",
                "size": label,
                "resources": f"{low}-{high}",
                "plugin": name,
                "examples": plugin.examples,
                "examples_per_s": plugin.examples / wall,
                "plugin_ms": 1000 * per_call,
                "kit_ms": 1000 * kit,
                "overhead": kit / per_call if per_call else math.inf,
            }
        )
    table(
        f"Throughput and overhead of find checks (F1, plugin {name})",
        ["size", "resources", "examples", "ex/s", "plugin ms", "kit ms", "overhead"],
        [
            [
                r["size"],
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
    print("targets: small >= 300 ex/s; overhead <= 1.0 on medium")
    return rows


def families(examples: int) -> list[dict[str, Any]]:
    """Examples per second of the assign and sort checks on small inputs (ci profile sizes)."""
    rows: list[dict[str, Any]] = []
    cases = [(SORT, "sample_fifo", "S1")]
    if oar3.status().available:
        cases.insert(0, (ASSIGN, "sample_oar_default", "A3"))
    for group, name, inv_id in cases:
        profile = Profile("bench-family", examples, 64, "bench")
        stats = RunStats()
        options = CheckOptions(profile=profile, seed=1, database=None, stats=stats)
        start = time.perf_counter()
        run_check(PluginSpec(group, name), get(inv_id), options)
        wall = time.perf_counter() - start
        plugin = stats.for_plugin(f"{group}:{name}")
        calls = sum(sum(v) for v in plugin.seconds.values())
        rows.append(
            {
                "family": group,
                "plugin": name,
                "invariant": inv_id,
                "examples": plugin.examples,
                "examples_per_s": plugin.examples / wall,
                "plugin_ms": 1000 * calls / plugin.examples,
                "kit_ms": 1000 * (wall - calls) / plugin.examples,
            }
        )
    table(
        "Throughput of assign (schedules of up to 10 jobs) and sort checks",
        ["family", "plugin", "check", "examples", "ex/s", "plugin ms", "kit ms"],
        [
            [
                r["family"],
                r["plugin"],
                r["invariant"],
                r["examples"],
                f"{r['examples_per_s']:.1f}",
                f"{r['plugin_ms']:.2f}",
                f"{r['kit_ms']:.2f}",
            ]
            for r in rows
        ],
    )
    print("targets: assign >= 50 ex/s of 10-job schedules")
    return rows


def power(seeds: int) -> list[dict[str, Any]]:
    """Examples and seconds until the first violation, then shrink time and size."""
    rows: list[dict[str, Any]] = []
    ci = get_profile("ci")
    for group, faults in FAULTS.items():
        for name, inv_id in faults:
            invariant = get(inv_id)
            needs_oar3 = "reference" in invariant.needs or group == ASSIGN
            if needs_oar3 and not oar3.status().available:
                continue
            found, examples, seconds, shrink_s, sizes = 0, [], [], [], []
            for seed in range(1, seeds + 1):
                stats = RunStats()
                options = CheckOptions(
                    profile=ci, seed=seed, database=None, stats=stats, shrink=False
                )
                start = time.perf_counter()
                try:
                    run_check(PluginSpec(group, name), invariant, options)
                except ConformanceFailure:
                    found += 1
                    seconds.append(time.perf_counter() - start)
                    examples.append(stats.for_plugin(f"{group}:{name}").examples)
                if seed <= 3:
                    start = time.perf_counter()
                    try:
                        run_check(
                            PluginSpec(group, name),
                            invariant,
                            CheckOptions(profile=ci, seed=seed, database=None),
                        )
                    except ConformanceFailure as exc:
                        shrink_s.append(time.perf_counter() - start)
                        sizes.append(_size(exc.violation.scenario))
            rows.append(
                {
                    "plugin": name,
                    "invariant": inv_id,
                    "found": f"{found}/{seeds}",
                    "examples_median": statistics.median(examples) if examples else None,
                    "examples_worst": max(examples) if examples else None,
                    "seconds_median": statistics.median(seconds) if seconds else None,
                    "seconds_worst": max(seconds) if seconds else None,
                    "shrunk_worst": max(sizes, key=lambda s: (s["resources"], s["jobs"]))
                    if sizes
                    else None,
                    "find_and_shrink_s_worst": max(shrink_s) if shrink_s else None,
                }
            )
    table(
        f"Bug-finding power on the faulty catalogue ({seeds} seeds, ci profile)",
        ["plugin", "id", "found", "ex med", "ex worst", "s med", "s worst", "shrunk", "+shrink s"],
        [
            [
                r["plugin"],
                r["invariant"],
                r["found"],
                r["examples_median"],
                r["examples_worst"],
                _f(r["seconds_median"]),
                _f(r["seconds_worst"]),
                _shape(r["shrunk_worst"]),
                _f(r["find_and_shrink_s_worst"]),
            ]
            for r in rows
        ],
    )
    print(
        "targets: found in every seed; median < 2 s; shrunk to <= 2 top-level blocks and "
        "2 jobs; shrinking < 5 s"
    )
    return rows


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
    }


def _shape(size: dict[str, int] | None) -> str:
    if size is None:
        return "-"
    return f"{size['resources']}r/{size['top_blocks']}top/{size['groups']}g/{size['jobs']}j"


def scale(sizes: list[int]) -> dict[str, Any]:
    """Time of the contract find checks alone against platform size, and its growth."""
    runner = FindRunner(load(PluginSpec(FIND, default_find_plugin())), timeout=120)
    checks = [inv for inv in by_group(FIND) if inv.id in {"F1", "F2", "F3", "F4", "F7"}]
    points: list[tuple[int, float]] = []
    for n in sizes:
        timings: list[float] = []

        @settings(
            max_examples=5,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.filter_too_much],
        )
        @given(ost.find_scenarios(min_resources=n, max_resources=n))
        def measure(scenario: Any) -> None:
            outcome = runner.run(scenario)
            assume(outcome.result)  # an empty answer is checked in no time: measure real ones
            start = time.perf_counter()
            for inv in checks:
                list(inv.check(scenario, outcome))
            timings.append(time.perf_counter() - start)  # noqa: B023 - run before the loop moves on

        measure()
        points.append((n, statistics.median(timings)))
    slope = _slope(points)
    table(
        "Scale: contract find checks (F1-F4, F7) per example",
        ["resources", "median ms", "ms per 1k resources"],
        [[n, f"{1000 * t:.2f}", f"{1e6 * t / n:.3f}"] for n, t in points],
    )
    print(f"growth exponent (log-log slope): {slope:.2f}  (n log n over this range ~ 1.1)")
    return {"points": points, "slope": slope}


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
    parser.add_argument("--only", choices=["find", "power", "scale"], action="append")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).with_name("results.json"), help="output"
    )
    options = parser.parse_args(argv)
    only = set(options.only or ["find", "power", "scale"])
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
        record.sections["throughput"] = throughput(examples)
        record.sections["families"] = families(50 if options.quick else 200)
    if "power" in only:
        record.sections["power"] = power(3 if options.quick else 20)
    if "scale" in only:
        sizes = [1_000, 4_000, 16_000] if options.quick else [1_000, 4_000, 16_000, 65_000]
        record.sections["scale"] = scale(sizes)
    options.json.write_text(json.dumps(record.__dict__, indent=2, default=str) + "\n")
    print(f"\nwritten: {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
