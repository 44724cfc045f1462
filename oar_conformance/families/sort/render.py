"""Human renderings of sort counterexamples, and a reproducer a plugin author can run.

A sorting counterexample is read as a table: the waiting jobs in input order with what
a policy may look at (queue, user, project, submission time, types, dependencies) and
where the plugin put each one, then the answers of every call the check made and what
is wrong with them (jobs lost, duplicated or invented, equal jobs swapped). The
reproducer builds the same arguments with a small local record class and calls the
plugin exactly as OAR3's kamelot does; it needs only ``procset``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from oar_conformance.families.sort.outcome import jids_text, permutation_problems, swapped_twins
from oar_conformance.families.sort.scenario import DATA_TYPES, JOB_DEFAULTS, job_attributes
from oar_conformance.model import plural
from oar_conformance.reproducer import (
    LOAD_PLUGIN_SOURCE,
    indent,
    judged_tail,
    pack_items,
    procset_literal,
    reproducer_head,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from oar_conformance.families.sort.outcome import Answer, SortOutcome
    from oar_conformance.families.sort.scenario import SortScenario
    from oar_conformance.model import Job
    from oar_conformance.reproducer import FailureContext
    from oar_conformance.violations import Violation

__all__ = ["render_sort_case", "reproducer_sort", "sort_case"]

_MAX_ROWS = 40
_HEADERS = ("in", "out", "job", "queue", "user", "project", "submitted", "types", "deps")
_NUMERIC = frozenset({"in", "out", "job", "submitted"})
_EXTRA_CALLS = (
    ("repeat", "called again with the same inputs"),
    ("reorder", "called with waiting_jobs, types and queues in reverse order"),
    ("resort", "called with waiting_jids = the first answer"),
)


def _types_text(types: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" if v else k for k, v in sorted(types.items())) or "-"


def _positions(order: Sequence[int] | None) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for position, jid in enumerate(order or (), start=1):
        found.setdefault(jid, []).append(position)
    return found


def _out_text(jid: int, positions: Mapping[int, list[int]], failed: bool) -> str:
    if failed:
        return "?"
    return ",".join(map(str, positions.get(jid, []))) or "lost"


def _row(index: int, job: Job, out: str) -> tuple[str, ...]:
    return (
        str(index),
        out,
        str(job.id),
        job.queue,
        job.user,
        job.project,
        str(job.submission_time),
        _types_text(job.types),
        ",".join(map(str, job.dependencies)) or "-",
    )


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in (_HEADERS, *rows)) for i in range(len(_HEADERS))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if head in _NUMERIC else cell.ljust(w)
            for head, cell, w in zip(_HEADERS, cells, widths, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return [line(_HEADERS), *map(line, rows)]


def render_sort_case(scenario: SortScenario, outcome: SortOutcome) -> str:
    """One sorting call for a person: inputs, the jobs table, every answer, what is wrong.

    The table lists jobs in input (``waiting_jids``) order; ``out`` is each job's
    position in the answer (``lost`` when missing, several when duplicated, ``?`` when
    the call failed). At most 40 rows are shown.
    """
    queues = ", ".join(f"{q.name} (priority {q.priority})" for q in scenario.queues)
    lines = [
        f"queues: {queues}",
        f"now: {scenario.now}",
        f"config: {scenario.config}",
        f"waiting jobs, in waiting_jids order ({len(scenario.jobs)}):",
    ]
    order = outcome.result
    positions = _positions(order)
    if scenario.jobs:
        rows = [
            _row(i, job, _out_text(job.id, positions, order is None))
            for i, job in enumerate(scenario.jobs[:_MAX_ROWS], start=1)
        ]
        lines += ["  " + line for line in _table(rows)]
        if len(scenario.jobs) > _MAX_ROWS:
            lines.append(f"  ... {plural(len(scenario.jobs) - _MAX_ROWS, 'more job')}")
    else:
        lines.append("  (none)")
    twins = scenario.twins()
    if twins:
        pairs = ", ".join(f"{a}={b}" for a, b in twins[:8])
        lines.append(f"identical but for their ids: {pairs}")
    lines.append(f"waiting_jids: {scenario.waiting_jids}")
    lines.append(f"returned:     {outcome.answer.text()}")
    for name, how in _EXTRA_CALLS:
        answer: Answer | None = getattr(outcome, name)
        if answer is not None:
            same = " (same)" if order is not None and answer.order == order else ""
            lines.append(f"{name}: {how}: {answer.text()}{same}")
    lines += _findings(scenario, outcome)
    return "\n".join(lines)


def _findings(scenario: SortScenario, outcome: SortOutcome) -> list[str]:
    """What is wrong with the answer, in words (nothing when it is a fine permutation)."""
    order = outcome.result
    found = []
    if order is not None:
        problems = permutation_problems(scenario.waiting_jids, order)
        counts = Counter(order)
        for kind, ids in problems.items():
            if kind == "duplicated":
                text = ", ".join(f"{j} ({plural(counts[j], 'time')})" for j in ids)
            else:
                text = jids_text(ids)
            found.append(f"{kind}: {text}")
        for a, b in swapped_twins(scenario, order):
            found.append(f"swapped: job {b} put before job {a}, its identical predecessor")
    if outcome.mutated:
        found.append(f"changed in place: {', '.join(outcome.mutated)}")
    return found


_REPRODUCER_HEAD = reproducer_head(
    "called with the inputs of the counterexample as OAR3's kamelot calls a "
    "CUSTOM_JOB_SORTING plugin (``reproduce()``), and ``show()`` prints what it returned."
)

_REPRODUCER_CLASSES = (
    '''

class Job:
    """A waiting job with the attributes of OAR3's Job objects that a sort may read."""

    def __init__(self, **attributes):
        self.__dict__.update(DEFAULTS)
        self.__dict__.update(attributes)
        self.key_cache = {}
        if not self.ts and self.ph == 0:
            self.key_cache = {mid: f"{w}{rqts}" for mid, w, rqts in self.mld_res_rqts}

    def __repr__(self):
        return f"<Job {self.id!r}>"


class Platform:
    """Stand-in for OAR3's Platform: the clock, and an empty accounting history."""

    def __init__(self, now):
        self.now = now

    def get_time(self):
        return self.now

    def get_sum_accounting_window(self, *args):
        return (1, 1)

    def get_sum_accounting_by_project(self, *args):
        return ({}, {})

    def get_sum_accounting_by_user(self, *args):
        return ({}, {})
'''
    + LOAD_PLUGIN_SOURCE
    + '''

def reproduce():
    """Call the plugin on the counterexample and return its answer."""
'''
)

_REPRODUCER_TAIL = """\
    plt = Platform(now)
    func = load_plugin()
    return func(queues, now, waiting_jids, waiting_jobs, config_str, plt)


def show():
    print("returned:", repr(reproduce()))
"""

_FIRST_KEYS = ("id", "queue_name", "user", "project", "submission_time", "types")


def _literal(value: Any) -> str:
    """Python source for an attribute value; ProcSets as ``ProcSet(...)`` literals."""
    if isinstance(value, list):
        return f"[{', '.join(_literal(v) for v in value)}]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if type(value).__name__ == "ProcSet":
        return procset_literal(value)
    return repr(value)


def _job_source(job: Job) -> list[str]:
    """``jid: Job(...)`` for one job, the attributes a policy reads most first."""
    attributes = job_attributes(job)
    ordered = [k for k in _FIRST_KEYS if k in attributes]
    ordered += [k for k in attributes if k not in _FIRST_KEYS]
    out = [f"        {job.id}: Job("]
    out += pack_items([f"{k}={_literal(attributes[k])}" for k in ordered], " " * 12)
    out.append("        ),")
    return out


def reproducer_sort(
    scenario: SortScenario,
    *,
    group: str,
    name: str,
    invariant: str,
    family: str,
    comment: str = "",
) -> str:
    """A Python test calling the ``group``/``name`` plugin on ``scenario`` as OAR3 does.

    ``reproduce()`` builds ``queues`` (names), ``now``, ``waiting_jids``, ``waiting_jobs``
    (records with the attributes the kit passes), the config text and a stand-in ``plt``,
    and calls ``func(queues, now, waiting_jids, waiting_jobs, config_str, plt)``;
    ``test_reproduce`` has the kit judge ``invariant`` (of ``family``) on the same
    scenario, so it fails while the plugin breaks it. ``comment`` opens the script as
    ``#`` lines.
    """
    out = [f"# {line}".rstrip() for line in comment.splitlines()]
    out.append(_REPRODUCER_HEAD)
    out.append(f"GROUP = {group!r}")
    out.append(f"NAME = {name!r}")
    out.append("DEFAULTS = {")
    out += pack_items([f"{k!r}: {v!r}" for k, v in JOB_DEFAULTS.items()], "    ")
    out.append("}")
    out.append(_REPRODUCER_CLASSES.rstrip("\n"))
    out.append(f"    queues = {scenario.queue_names!r}")
    out.append(f"    now = {scenario.now!r}")
    out.append(f"    waiting_jids = {scenario.waiting_jids!r}")
    if scenario.jobs:
        out.append("    waiting_jobs = {")
        for job in scenario.jobs:
            out += _job_source(job)
        out.append("    }")
    else:
        out.append("    waiting_jobs = {}")
    out.append(f"    config_str = {scenario.config!r}")
    out.append(_REPRODUCER_TAIL)
    out.append(
        judged_tail(scenario, family=family, types=DATA_TYPES, invariant=invariant, plugin_args="")
    )
    return "\n".join(out)


def sort_case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The sort counterexample of ``violation`` and its standalone reproducer."""

    scenario, outcome = violation.scenario, violation.outcome
    case = render_sort_case(scenario, outcome)
    errors = [("first call", outcome.error)] + [
        (name, getattr(outcome, name).error)
        for name, _ in _EXTRA_CALLS
        if getattr(outcome, name) is not None
    ]
    for label, error in errors:
        if error is not None and error.traceback:
            case += f"\n\nplugin traceback ({label}):\n" + indent(error.traceback)
            break
    snippet = reproducer_sort(
        scenario,
        group=context.spec.group,
        name=context.spec.name,
        invariant=violation.invariant_id,
        family=context.invariant.family,
        comment=f"{violation.invariant_id} {violation.title}: {violation.message}",
    )
    return case, snippet
