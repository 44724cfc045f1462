"""Run statistics: how much a run really tested, and how long the plugin took.

A plugin that answers "no allocation" to almost everything passes every safety invariant
vacuously; these counters make that visible, and the timing table shows how the plugin's
call time grows with the platform (a slow find stalls the whole scheduling cycle).
"""

from __future__ import annotations

import math
import os
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from oar_conformance.model import plural

__all__ = [
    "LOW_ALLOCATION_SHARE",
    "PluginStats",
    "RunStats",
    "curve_text",
    "growth_exponent",
    "process_age",
    "size_bucket",
]

LOW_ALLOCATION_SHARE = 0.10
"""Below this share of examples with an allocation, the run is flagged as weak."""

_MAX_SAMPLES = 20_000
_BUCKETS = ((16, "<=16"), (64, "17-64"), (2_048, "65-2k"), (16_384, "2k-16k"))


def size_bucket(resources: int) -> str:
    """A platform-size bucket label for the timing table."""
    for limit, label in _BUCKETS:
        if resources <= limit:
            return label
    return ">16k"


@dataclass
class PluginStats:
    """Counters for one plugin across all its checks."""

    examples: int = 0
    allocated: int = 0
    empty: int = 0
    unschedulable: int = 0
    errors: int = 0
    timeouts: int = 0
    shrink_tries: int = 0
    """Examples tried while shrinking failures: counted apart, so ``examples`` and the
    shares above are the search's (a shrink tries many small variants of one failure)."""
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    samples: list[tuple[int, float]] = field(default_factory=list)
    """(platform size, call seconds) of the examples that answered, for the growth fit."""
    first_example: float = 0.0
    """Seconds from the process's start to the end of its first example (0: none yet)."""
    oar3: dict[str, list[Any]] = field(default_factory=dict)
    """OAR3's own findings: invariant id -> [examples where OAR3 alone broke it, the
    first breach's message]. Plain lists, so xdist can send them."""

    judged: dict[str, list[Any]] = field(default_factory=dict)
    """Per invariant id: [examples it read, examples it could not judge, the first
    reason]. Plain lists, so xdist can send them."""

    def judge(self, invariant_id: str, unjudged: str | None) -> None:
        """Count one example read by ``invariant_id``; ``unjudged`` says why it could not
        be judged (``None``: it was)."""
        seen = self.judged.setdefault(invariant_id, [0, 0, ""])
        seen[0] += 1
        if unjudged is not None:
            seen[1] += 1
            seen[2] = seen[2] or unjudged

    def unjudged_share(self, invariant_id: str) -> tuple[int, int, str]:
        """(examples unjudged, examples read, first reason) of ``invariant_id``."""
        read, unjudged, reason = self.judged.get(invariant_id, [0, 0, ""])
        return unjudged, read, reason

    def found_in_oar3(self, invariant_id: str, message: str) -> None:
        """Count one example where OAR3 alone (no plugin) broke ``invariant_id``."""
        seen = self.oar3.setdefault(invariant_id, [0, message])
        seen[0] += 1

    def record(self, *, resources: int, seconds: float, kind: str, shrink: bool = False) -> None:
        """Count one example; ``kind`` is allocated, empty, unschedulable or error.

        ``shrink``: a try of a shrinking step, only counted in ``shrink_tries``.
        """
        if shrink:
            self.shrink_tries += 1
            return
        if not self.examples:
            self.first_example = process_age()
        self.examples += 1
        attr = _attr(kind)
        setattr(self, attr, getattr(self, attr) + 1)
        self.seconds[size_bucket(resources)].append(seconds)
        if kind != "error" and len(self.samples) < _MAX_SAMPLES:
            self.samples.append((resources, seconds))

    def merge(self, other: PluginStats) -> None:
        """Add the counts of ``other`` (the same plugin, seen by another process)."""
        counters = ("examples", "allocated", "empty", "unschedulable", "errors", "timeouts")
        for name in (*counters, "shrink_tries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for bucket, times in other.seconds.items():
            self.seconds[bucket].extend(times)
        self.samples.extend(other.samples[: max(0, _MAX_SAMPLES - len(self.samples))])
        firsts = [t for t in (self.first_example, other.first_example) if t]
        self.first_example = min(firsts, default=0.0)
        for invariant_id, (count, message) in other.oar3.items():
            seen = self.oar3.setdefault(invariant_id, [0, message])
            seen[0] += count
        for invariant_id, (read, unjudged, reason) in other.judged.items():
            mine = self.judged.setdefault(invariant_id, [0, 0, ""])
            mine[0] += read
            mine[1] += unjudged
            mine[2] = mine[2] or reason

    @property
    def weak(self) -> bool:
        """Too few examples led to an allocation for the safety checks to mean much."""
        return self.examples > 0 and self.allocated / self.examples < LOW_ALLOCATION_SHARE


def _attr(kind: str) -> str:
    if kind == "error":
        return "errors"
    if kind not in {"allocated", "empty", "unschedulable"}:
        msg = f"kind={kind!r} must be allocated, empty, unschedulable or error"
        raise ValueError(msg)
    return kind


@dataclass
class RunStats:
    """Statistics of every plugin of a run, keyed by ``GROUP:NAME``."""

    plugins: dict[str, PluginStats] = field(default_factory=dict)

    def for_plugin(self, key: str) -> PluginStats:
        return self.plugins.setdefault(key, PluginStats())

    def lines(self) -> list[str]:
        """The summary shown at the end of a run."""
        out: list[str] = []
        for key, s in sorted(self.plugins.items()):
            shrunk = f" (plus {plural(s.shrink_tries, 'shrink try', 'shrink tries')})"
            out.append(
                f"{key}: {plural(s.examples, 'example')}, {s.allocated} allocated, "
                f"{s.empty} empty, {s.unschedulable} unschedulable, "
                f"{plural(s.errors, 'error')}{shrunk if s.shrink_tries else ''}"
            )
            if s.weak:
                share = 100 * s.allocated / s.examples
                out.append(
                    f"  WARNING: only {share:.0f}% of examples led to an allocation; the "
                    "safety checks passed on little real work. Does the plugin answer "
                    "'no allocation' too often?"
                )
            timing = ", ".join(
                f"{bucket} res: {1000 * sum(v) / len(v):.2f} ms avg, {1000 * max(v):.2f} ms max"
                for bucket, v in sorted(s.seconds.items(), key=lambda kv: _order(kv[0]))
            )
            if timing:
                slope = growth_exponent(s.samples)
                growth = f"; time ~ size^{slope:.2f}" if slope is not None else ""
                out.append(f"  call time by platform size: {timing}{growth}")
            if s.first_example:
                out.append(
                    f"  first example done {s.first_example:.2f} s after its process started"
                )
            for invariant_id, (read, unjudged, reason) in sorted(s.judged.items()):
                if unjudged:
                    out.append(
                        f"  {invariant_id}: {unjudged} of {plural(read, 'example')} unjudged "
                        f"({100 * unjudged / read:.1f}%): {reason}"
                    )
        return out

    def oar3_lines(self) -> list[str]:
        """OAR3's own findings, per plugin: what OAR3 alone broke in the same examples.

        They never fail a run: the same example with OAR3's default in place of the
        plugin broke the invariant the same way, so it is OAR3's behaviour to report
        upstream, not the plugin's.
        """
        out: list[str] = []
        for key, s in sorted(self.plugins.items()):
            for invariant_id, (count, message) in sorted(
                s.oar3.items(), key=lambda kv: int(kv[0][1:])
            ):
                out.append(
                    f"OAR3-{invariant_id} (beside {key}): OAR3 alone broke {invariant_id} "
                    f"in {plural(count, 'example')}; first: {message}"
                )
        return out


def process_age() -> float:
    """Seconds since this process started (Linux's ``/proc``; 0 where it cannot tell)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        return max(0.0, up - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def _order(label: str) -> int:
    labels = [b for _, b in _BUCKETS] + [">16k"]
    return labels.index(label)


def growth_exponent(samples: Sequence[tuple[int, float]]) -> float | None:
    """The slope of log(call time) against log(platform size), least squares.

    ``None`` when the samples span less than a factor 4 of sizes (no curve to fit).
    """
    points = [(math.log(n), math.log(s)) for n, s in samples if n > 0 and s > 0]
    if len(points) < 3 or max(x for x, _ in points) - min(x for x, _ in points) < math.log(4):
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def curve_text(samples: Sequence[tuple[int, float]]) -> str:
    """Median call time per size decade, and the fitted exponent."""
    by_size: dict[int, list[float]] = {}
    for n, seconds in samples:
        by_size.setdefault(10 ** int(math.log10(max(n, 1))), []).append(seconds)
    parts = [
        f"{low:,}+ res: {1000 * statistics.median(v):.1f} ms" for low, v in sorted(by_size.items())
    ]
    slope = growth_exponent(samples)
    fitted = f"; time ~ size^{slope:.2f}" if slope is not None else ""
    return ", ".join(parts) + fitted
