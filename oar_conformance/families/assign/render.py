"""Human renderings of assign counterexamples: a gantt chart, the jobs, and a reproducer.

A scheduling round is read at a glance as a gantt chart: time across (compressed to the
times where something starts or ends), resources down (resources whose rows are alike
merged into one line), ``x`` for the jobs already scheduled, one character per waiting
job the plugin placed, and ``!`` wherever two of them hold a resource at once. Below it
come the jobs as ``oarsub`` lines with what the plugin set for each, and a
self-contained script that replays the round through OAR3 with the plugin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from oar_conformance.families.assign.occupation import Occupant, occupants
from oar_conformance.families.assign.scenario import DATA_TYPES
from oar_conformance.model import SPECIAL_COUNTS, ids_text, plural, resources_text
from oar_conformance.plugins import plugin_args_text
from oar_conformance.reproducer import (
    LOAD_PLUGIN_SOURCE,
    NO_KWARGS,
    hy_source,
    indent,
    judged_tail,
    letters,
    pack_items,
    procset_literal,
    reproducer_head,
)

if TYPE_CHECKING:
    from oar_conformance.families.assign.outcome import AssignOutcome, JobResult, Placement
    from oar_conformance.families.assign.scenario import AssignScenario
    from oar_conformance.model import Moldable
    from oar_conformance.reproducer import FailureContext
    from oar_conformance.violations import Violation

__all__ = [
    "BUSY_MARK",
    "CLASH_MARK",
    "FREE_MARK",
    "assign_case",
    "render_assign_case",
    "render_gantt",
    "reproducer_assign",
]

BUSY_MARK = "x"
"""A job already scheduled before the round."""
CLASH_MARK = "!"
"""Two holders of one resource at the same time."""
FREE_MARK = "."
"""Nothing holds the resource."""

_LETTERS = letters((BUSY_MARK,))
_MAX_ROWS = 24
_MAX_COLUMNS = 40
_COMPUTED = frozenset({"key_cache", "mld_res_rqts"})
"""Job attributes the reproducer computes or spells out specially."""
_PER_JOB = ("id", "name", "user", "project", "queue_name", "submission_time", "types", "deps")
_FEATURE_PER_JOB = ("find", "find_args", "find_kwargs", "no_quotas")
"""Per-job attributes as well when a round has quotas or ``find=`` jobs."""


def _job_marks(placed: Sequence[Occupant]) -> dict[int, str]:
    """Each placed job's character: its id's last digit, or letters if digits collide."""
    ids = [o.job_id for o in placed if o.job_id is not None]
    digits = {job_id: str(job_id)[-1] for job_id in ids}
    if len(set(digits.values())) == len(digits):
        return digits
    return dict(zip(ids, _LETTERS, strict=False))


def render_gantt(
    scenario: AssignScenario, outcome: AssignOutcome, *, max_rows: int = _MAX_ROWS
) -> str:
    """The round as a gantt chart with its legend; times are seconds from ``now``.

    Each column starts at the time printed above it and lasts until the next one; after
    the last time nothing holds any resource. Resources with identical rows share a line.
    """
    found = occupants(scenario, outcome)
    if not found:
        return "(nothing scheduled: every resource free all along)"
    marks = _job_marks(found)
    times = sorted({o.start for o in found} | {o.end + 1 for o in found})
    if len(times) - 1 > _MAX_COLUMNS:
        times = times[: _MAX_COLUMNS + 1]
    labels = [str(t - scenario.now) for t in times]
    width = max(len(label) for label in labels) + 1
    resources = sorted(scenario.platform.resources.union(*(o.ids for o in found)))
    rows: list[tuple[list[int], str]] = []
    for rid in resources:
        cells = "".join(_cell(found, marks, rid, lo, hi - 1) * width for lo, hi in pairwise(times))
        if rows and rows[-1][1] == cells:
            rows[-1][0].append(rid)
        else:
            rows.append(([rid], cells))
    hidden = rows[max_rows:]
    rows = rows[:max_rows]
    label_width = max(len(ids_text(ids)) for ids, _ in rows)
    label_width = max(label_width, len("resources"))
    header = "".join(label.ljust(width) for label in labels).rstrip()
    lines = [f"{'resources':<{label_width}}  {header}"]
    lines += [f"{ids_text(ids):<{label_width}}  {cells}" for ids, cells in rows]
    if hidden:
        count = sum(len(ids) for ids, _ in hidden)
        lines.append(f"... {plural(count, 'more resource')} in {plural(len(hidden), 'more row')}")
    lines.append(_legend(found, marks, "".join(cells for _, cells in rows)))
    return "\n".join(lines)


def _cell(found: Sequence[Occupant], marks: Mapping[int, str], rid: int, lo: int, hi: int) -> str:
    """The mark of resource ``rid`` over ``[lo, hi]`` (events bound the column exactly)."""
    holders = [o for o in found if rid in o.ids and o.start <= lo and hi <= o.end]
    if not holders:
        return FREE_MARK
    if len(holders) > 1:
        return CLASH_MARK
    holder = holders[0]
    return BUSY_MARK if holder.job_id is None else marks[holder.job_id]


def _legend(found: Sequence[Occupant], marks: Mapping[int, str], shown: str) -> str:
    parts = []
    if CLASH_MARK in shown:
        parts.append(f"{CLASH_MARK} clash")
    if BUSY_MARK in shown:
        parts.append(f"{BUSY_MARK} already scheduled")
    parts += [f"{marks[o.job_id]} job {o.job_id}" for o in found if o.job_id is not None]
    parts.append(f"{FREE_MARK} free")
    return "legend: " + "  ".join(parts) + "  (times in seconds from now)"


def _answer(scenario: AssignScenario, result: JobResult) -> str:
    if result.error is not None:
        return f"error: {result.error.summary}"
    if not result.called:
        return "not called: OAR3 skipped it for its dependencies (start_time -1)"
    res_set = None if result.res_set is None else ids_text(result.res_set, empty="empty")
    values = [
        f"start_time={result.start_time}",
        f"walltime={result.walltime}",
        f"moldable_id={result.moldable_id}",
        f"res_set={res_set}",
    ]
    text = " ".join(values)
    if result.bad_types:
        text += f" ({'; '.join(result.bad_types)})"
    return text


def _placed(placement: Placement) -> str:
    if not placement.scheduled:
        return "unschedulable"
    res_set = resources_text(placement.res_set or frozenset())
    return f"start {placement.start_time} on {res_set} (moldable {placement.moldable_id})"


def _quotas_lines(result: JobResult) -> list[str]:
    """OAR3's quota check of a placement that broke a rule: the rule and who held what."""
    check = result.quotas
    if check is None or check.ok:
        return []
    lines = [
        f"    quotas: rule {check.rule} = {check.limit} broken ({check.message}): "
        f"the job adds {plural(check.job_resources, 'resource')} and 1 job"
    ]
    if check.slot is not None:
        lines.append(f"    held at the worst slot [{check.slot[0]}, {check.slot[1]}] before it:")
    lines += [
        f"      {u.key}: {plural(u.resources, 'resource')}, {plural(u.jobs, 'job')}"
        for u in check.usage
    ]
    return lines


def _find_lines(result: JobResult) -> list[str]:
    """The job's find function's answers beside what the plugin took."""
    calls = result.find
    if calls is None:
        return []
    if calls.answers:
        answers = sorted({ids_text(a, empty="nothing") for a in calls.answers})
        lines = [f"    find={calls.name} answered during the call: {'; '.join(answers)}"]
    else:
        lines = [f"    find={calls.name} was never called"]
    if calls.window is not None:
        lines.append(
            f"    find={calls.name} over the placed window: {resources_text(calls.window)}"
            f" (plugin took {resources_text(result.res_set or frozenset())})"
        )
    return lines


def render_assign_case(scenario: AssignScenario, outcome: AssignOutcome) -> str:
    """One round for a person: platform, gantt chart, jobs, answers and OAR3's default.

    With quotas on, the rules and each job's owner; a placement that broke a rule shows
    the rule and the usage per user and project where it was highest; a ``find=`` job
    shows its find function's answers beside the plugin's.
    """
    platform = scenario.platform
    lines = [
        f"platform: {plural(len(platform.resources), 'resource')}, levels "
        f"{' / '.join(platform.level_names)}; the slot set begins at now={scenario.now}",
    ]
    if scenario.quotas is not None:
        lines.append(f"quotas on (QUOTAS=yes): {scenario.quotas.text()}")
    lines.extend(
        f"already scheduled: {ids_text(w.ids)} from {w.start - scenario.now} for {w.walltime} s"
        for w in scenario.busy
    )
    lines.append(render_gantt(scenario, outcome))
    lines.append("jobs, in scheduling order (walltimes include the security time):")
    results = {r.job_id: r for r in outcome.jobs}
    for job in scenario.jobs:
        notes = [f"after job {', '.join(map(str, job.dependencies))}"] if job.dependencies else []
        if scenario.quotas is not None:
            notes.append(f"user {job.user}, project {job.project}")
        after = f"  # {'; '.join(notes)}" if notes else ""
        lines.append(f"  job {job.id}: {job.oarsub()}{after}")
        alternatives = ", ".join(f"{m.id}: {scenario.walltime(m)} s" for m in job.moldables)
        lines.append(f"    moldables {alternatives}")
        result = results.get(job.id)
        if result is None:
            lines.append("    not reached: the round stopped at the failed call")
            continue
        if result.called:
            lines.append(f"    min_start_time={result.min_start_time}")
        lines.append(f"    plugin set: {_answer(scenario, result)}")
        lines += _quotas_lines(result) + _find_lines(result)
    if outcome.reference is not None:
        lines.append("OAR3's default assign would give:")
        lines += [f"  job {p.job_id}: {_placed(p)}" for p in outcome.reference]
    return "\n".join(lines)


_REPRODUCER_HEAD = reproducer_head(
    "set as every waiting job's assign function, and OAR3's own scheduling loop runs the "
    "round (``reproduce()``); ``show()`` prints what the plugin set for each job and the "
    "slot set it left.",
    modules=("logging",),
    oar_imports=(
        "from oar.kao.scheduling import schedule_id_jobs_ct, set_slots_with_prev_scheduled_jobs",
        "from oar.kao.slot import SlotSet",
        "from oar.lib.job_handling import JobPseudo",
    ),
)

_FEATURE_MODULES = ("json", "logging", "os", "tempfile", "types")
_FEATURE_IMPORTS = (
    "from oar.kao.quotas import Quotas",
    "from oar.kao.scheduling import config",
    "from oar.lib.resource import ResourceSet",
    "from oar_conformance.find_functions import resolve",
)
"""What a reproducer with quotas or ``find=`` jobs imports besides the plain one's."""

_QUOTAS_SETUP = """\
    # Quotas as the meta-scheduler enables them, from a quotas file, before any slot set
    Quotas.enabled, Quotas.calendar, Quotas.default_rules, Quotas.job_types = (
        False, None, {}, ["*"])
    ResourceSet.default_itvs = DEFAULT_RESOURCES
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as rules:
        json.dump(QUOTAS, rules)
    config["QUOTAS"], config["QUOTAS_CONF_FILE"] = "yes", rules.name
    count = len(DEFAULT_RESOURCES)
    Quotas.enable(config, types.SimpleNamespace(
        nb_resources_default=count, nb_resources_default_not_dead=count))
    os.unlink(rules.name)
"""

_FIND_SETUP = """\
        if attributes["id"] in FIND:  # find=NAME: get_jobs_types loads the entry point
            jobs[attributes["id"]].find_func = resolve(FIND[attributes["id"]])
"""

_JOBS_LOOP_END = """\
    schedule_id_jobs_ct(slot_sets, jobs, HY, list(jobs), JOB_SECURITY_TIME)
"""

_REPRODUCER_LOAD = (
    LOAD_PLUGIN_SOURCE
    + '''

def reproduce():
    """Schedule the waiting jobs with the plugin as kamelot does; return slot set and jobs."""
    logging.getLogger("oar").setLevel(logging.WARNING)
'''
)

_REPRODUCER_TAIL = """\
    slot_sets = {"default": SlotSet((RESOURCES, NOW))}
    scheduled = [
        JobPseudo(id=0, start_time=start, walltime=walltime, res_set=res_set, types={},
                  ts=False, ph=0)
        for start, walltime, res_set in ALREADY_SCHEDULED
    ]
    set_slots_with_prev_scheduled_jobs(slot_sets, scheduled, JOB_SECURITY_TIME, NOW)
    func = load_plugin()
    jobs = {}
    for attributes in WAITING:
        rqts = attributes["mld_res_rqts"]
        jobs[attributes["id"]] = JobPseudo(
            **attributes, **COMMON,
            key_cache={mld: str(wall) + str(hy_rqts) for mld, wall, hy_rqts in rqts},
            assign=True, assign_func=func, assign_args=list(ARGS), assign_kwargs=dict(KWARGS),
        )
    schedule_id_jobs_ct(slot_sets, jobs, HY, list(jobs), JOB_SECURITY_TIME)
    return slot_sets["default"], jobs


def show():
    slot_set, jobs = reproduce()
    for job in jobs.values():
        print(
            f"job {job.id}: start_time={getattr(job, 'start_time', None)} "
            f"walltime={getattr(job, 'walltime', None)} "
            f"moldable_id={getattr(job, 'moldable_id', None)} "
            f"res_set={getattr(job, 'res_set', None)}"
        )
    print(slot_set)
"""


def _feature_head() -> str:
    """The reproducer's opening when the round has quotas or ``find=`` jobs."""
    return reproducer_head(
        "set as every waiting job's assign function, and OAR3's own scheduling loop runs the "
        "round (``reproduce()``) with the round's quotas and find functions; ``show()`` prints "
        "what the plugin set for each job and the slot set it left.",
        modules=_FEATURE_MODULES,
        oar_imports=(
            "from oar.kao.scheduling import schedule_id_jobs_ct, "
            "set_slots_with_prev_scheduled_jobs",
            "from oar.kao.slot import SlotSet",
            "from oar.lib.job_handling import JobPseudo",
            *_FEATURE_IMPORTS,
        ),
    )


def _mld_res_rqt(scenario: AssignScenario, moldable: Moldable) -> str:
    """One ``mld_res_rqts`` entry as Python source, special counts by name."""
    groups = []
    for g in moldable.groups:
        counts = ", ".join(f"({lvl!r}, {SPECIAL_COUNTS.get(n, n)})" for lvl, n in g.levels)
        groups.append(f"([{counts}], {procset_literal(g.constraints)})")
    return f"({moldable.id}, {scenario.walltime(moldable)}, [{', '.join(groups)}])"


def reproducer_assign(
    scenario: AssignScenario,
    *,
    group: str,
    name: str,
    invariant: str,
    family: str,
    args: Sequence[str] = (),
    kwargs: Mapping[str, str] = NO_KWARGS,
    comment: str = "",
) -> str:
    """A Python test replaying ``scenario`` with the ``group``/``name`` plugin.

    ``reproduce()`` builds the slot set and ``JobPseudo`` jobs as the kit's adapter does
    and runs OAR3's ``schedule_id_jobs_ct``; ``args``/``kwargs`` become every job's
    ``assign_args``/``assign_kwargs``. ``test_reproduce`` has the kit judge ``invariant``
    (of ``family``) on the same scenario, so it fails while the plugin breaks it.
    ``comment`` opens the script as ``#`` lines, followed by the jobs in ``oarsub`` syntax.
    """
    finds = {job.id: scenario.find_name(job) for job in scenario.jobs}
    finds = {k: v for k, v in finds.items() if v is not None}
    features = scenario.quotas is not None or bool(finds)
    per_job = (*_PER_JOB, *_FEATURE_PER_JOB) if features else _PER_JOB
    out = [f"# {line}".rstrip() for line in comment.splitlines()]
    out += [f"# job {job.id}: {job.oarsub()}" for job in scenario.jobs]
    out.append(_feature_head() if features else _REPRODUCER_HEAD)
    out.append(f"GROUP = {group!r}")
    out.append(f"NAME = {name!r}")
    used = sorted(
        {n for j in scenario.jobs for m in j.moldables for g in m.groups for _, n in g.levels}
        & set(SPECIAL_COUNTS),
        reverse=True,
    )
    out += [f"{SPECIAL_COUNTS[n]} = {n}" for n in used]
    out.append(f"NOW = {scenario.now}")
    out.append(f"JOB_SECURITY_TIME = {scenario.job_security_time}")
    out.append(f"RESOURCES = {procset_literal(scenario.platform.resources)}")
    out += hy_source(scenario.platform, "HY", "")
    out.append("ALREADY_SCHEDULED = [  # (start_time, walltime, res_set)")
    out += [f"    ({w.start}, {w.walltime}, {procset_literal(w.ids)})," for w in scenario.busy]
    out.append("]")
    common: dict[str, object] = {}
    out.append("WAITING = [  # the jobs as OAR3's get_data_jobs leaves them, in scheduling order")
    for job in scenario.jobs:
        attributes = scenario.job_attributes(job)
        own = [f"{k!r}: {v!r}" for k, v in attributes.items() if k in per_job]
        common = {k: v for k, v in attributes.items() if k not in {*per_job, *_COMPUTED}}
        out.append("    {")
        out += pack_items(own, " " * 8)
        out.append("        'mld_res_rqts': [")
        out += [f"            {_mld_res_rqt(scenario, m)}," for m in job.moldables]
        out.append("        ],")
        out.append("    },")
    out.append("]")
    out.append("COMMON = {  # what every waiting job has")
    out += pack_items([f"{k!r}: {v!r}" for k, v in common.items()], " " * 4)
    out.append("}")
    out.append(f"ARGS = {tuple(args)!r}")
    out.append(f"KWARGS = {dict(kwargs)!r}")
    tail = _REPRODUCER_TAIL
    if features:
        quotas = scenario.quotas.json() if scenario.quotas is not None else None
        out.append(f"QUOTAS = {quotas!r}  # OAR3's quotas file (QUOTAS_CONF_FILE), None: off")
        out.append(f"DEFAULT_RESOURCES = {procset_literal(scenario.platform.default_resources)}")
        out.append(f"FIND = {finds!r}  # job id: the oar.find_func its find= type names")
        tail = tail.replace(_JOBS_LOOP_END, _FIND_SETUP + _JOBS_LOOP_END)
    load = _REPRODUCER_LOAD.rstrip("\n")
    if scenario.quotas is not None:
        load += "\n" + _QUOTAS_SETUP.rstrip("\n")
    out.append(load)
    out.append(tail)
    out.append(
        judged_tail(
            scenario,
            family=family,
            types=DATA_TYPES,
            invariant=invariant,
            plugin_args=plugin_args_text(args, kwargs),
        )
    )
    return "\n".join(out)


def assign_case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The assign counterexample of ``violation`` and its standalone reproducer."""

    scenario, outcome = violation.scenario, violation.outcome
    case = render_assign_case(scenario, outcome)
    error = outcome.error
    if error is not None and error.traceback:
        case += "\n\nplugin traceback:\n" + indent(error.traceback)
    snippet = reproducer_assign(
        scenario,
        group=context.spec.group,
        name=context.spec.name,
        invariant=violation.invariant_id,
        family=context.invariant.family,
        args=context.args,
        kwargs=context.kwargs,
        comment=f"{violation.invariant_id} {violation.title}: {violation.message}",
    )
    return case, snippet
