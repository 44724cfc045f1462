"""Campaign invariants C1..C13: what must hold across the rounds of a cluster's life.

Every check reads the plain trace of a campaign (one record per step and round, see
:mod:`~oar_conformance.families.campaigns.outcome`). OAR3 itself breaks some of them in
some states, so a campaign in which the plugin breaks one is played again with OAR3's
default in place of the plugin (``oar3-alone``, each invariant's ``confirm``): a breach
OAR3 alone also shows (same invariant, same kind, same job) is OAR3's own finding
(:func:`oar3_findings`), reported apart and never a plugin failure; only what differs
is the plugin's.

Times are OAR3's: a job of walltime ``w`` started at ``s`` holds its resources from ``s``
to ``s + w + security - 1``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from itertools import combinations
from typing import TYPE_CHECKING

from oar_conformance.families.campaigns.outcome import (
    ENDED,
    LAUNCHED,
    OAR3_ALONE,
    OTHER_DB,
    CampaignOutcome,
    RoundRecord,
    Trace,
)
from oar_conformance.families.rounds.invariants import r1_gantt_valid
from oar_conformance.families.rounds.outcome import GanttEntry, RoundOutcome
from oar_conformance.families.rounds.scenario import RoundScenario, RunningJob
from oar_conformance.invariant import InvariantSet, Severity
from oar_conformance.model import Queue, ids_text, plural, resources_text
from oar_conformance.plugins import ENTRY_POINT_GROUPS
from oar_conformance.violations import Breach, Unjudged

if TYPE_CHECKING:
    from oar_conformance.families.campaigns.scenario import CampaignScenario

__all__ = ["DOWN_JOB", "INVARIANTS", "STARVED_ROUNDS", "Finding", "oar3_findings"]

INVARIANTS: InvariantSet[CampaignScenario, CampaignOutcome] = InvariantSet(
    "campaign", ENTRY_POINT_GROUPS, (OAR3_ALONE, OTHER_DB)
)
"""The campaign family's invariants, in catalogue order."""

STARVED_ROUNDS = 2
"""Rounds a schedulable waiting job may go without a prediction (C12)."""

_ROUND_MOVES = frozenset(
    {
        ("Waiting", "toLaunch"),
        ("Waiting", "Error"),
        ("toAckReservation", "Waiting"),
        ("toError", "Error"),
    }
)
"""State changes a round makes: launching, refusing or expiring a reservation (via
``toError``), acknowledging one."""


@dataclass(frozen=True)
class Finding:
    """One breach of a campaign's trace, with what makes it the same breach elsewhere.

    ``subject`` (the kind and, usually, the job) is how a breach of the plugin's trace
    is matched with OAR3's own: the two traces may differ in times once they diverge.
    """

    breach: Breach
    subject: tuple[object, ...]


Rule = Callable[["CampaignScenario", Trace], Iterator[Finding | Unjudged]]
_RULES: dict[str, Rule] = {}


def _finding(
    step: int, message: str, kind: str, received: str, expected: str, *subject: object
) -> Finding:
    return Finding(
        Breach(f"round after step {step}: {message}", received, expected, kind),
        (kind, *subject),
    )


def _campaign_rule(
    id: str,
    *,
    rule: Rule,
    slug: str,
    title: str,
    rationale: str,
    severity: Severity = Severity.CONTRACT,
    needs: tuple[str, ...] = (),
) -> None:
    """Register ``rule`` as invariant ``id``, judged with OAR3's own breaches set apart."""
    # Runs once, when the module is imported, before any mutant is chosen.
    # pragma: no mutate block
    INVARIANTS.register(
        id,
        slug=slug,
        title=title,
        rationale=rationale,
        severity=severity,
        needs=needs,
        confirm=(OAR3_ALONE,),
        check=partial(_plugins, rule),
    )
    _RULES[id] = rule


def _plugins(
    rule: Rule, scenario: CampaignScenario, outcome: CampaignOutcome
) -> Iterator[Breach | Unjudged]:
    """The first breach of ``rule`` in the plugin's campaign that OAR3 alone does not show
    (or, with none, what the rule could not judge)."""
    theirs: set[tuple[object, ...]] = set()
    if outcome.oar3 is not None:
        theirs = {f.subject for f in rule(scenario, outcome.oar3) if isinstance(f, Finding)}
    unjudged: Unjudged | None = None
    for found in rule(scenario, outcome.trace):
        if isinstance(found, Unjudged):
            unjudged = unjudged or found
        elif found.subject not in theirs:
            yield found.breach
            return
    if unjudged is not None:
        yield unjudged


def oar3_findings(scenario: CampaignScenario, outcome: CampaignOutcome) -> list[tuple[str, Breach]]:
    """What OAR3 alone breaks in this campaign: (invariant id, its first breach)."""
    if outcome.oar3 is None:
        return []
    found = []
    for invariant_id, rule in _RULES.items():
        for finding in rule(scenario, outcome.oar3):
            if isinstance(finding, Finding):
                found.append((invariant_id, finding.breach))
                break
    return found


def _held(trace: Trace) -> Iterator[tuple[int, RoundRecord, dict[int, frozenset[int]]]]:
    """Each round with the resources its launched jobs hold: their assigned resources,
    else (none recorded) what the gantt gave them when they were launched."""
    at_launch: dict[int, frozenset[int]] = {}
    for step, record in enumerate(trace.rounds, start=1):
        held = {}
        for job in record.jobs:
            if job.state not in LAUNCHED:
                continue
            planned = record.planned(job.id)
            if job.id not in at_launch and planned is not None:
                at_launch[job.id] = planned.ids
            held[job.id] = job.ids or at_launch.get(job.id, frozenset())
        yield step, record, held


def c1_running_apart(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    for step, _record, held in _held(trace):
        for (a, ids_a), (b, ids_b) in combinations(sorted(held.items()), 2):
            shared = ids_a & ids_b
            if shared:
                yield _finding(
                    step,
                    f"jobs {a} and {b} both run on {ids_text(shared)}",
                    "shared",
                    f"{ids_text(shared)} held by jobs {a} and {b}",
                    "each resource held by one running job",
                    a,
                    b,
                )
                return


_campaign_rule(
    "C1",
    slug="running-apart",
    title="running jobs never share a resource",
    rationale=(
        "Two jobs launched on one resource at once run on top of each other: both users' "
        "jobs slow down or crash. Within one round the gantt may look right and the "
        "next round, reading what the database kept, launches a second job there."
    ),
    rule=c1_running_apart,
)


def c2_launched_recorded(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    for step, record in enumerate(trace.rounds, start=1):
        was = dict(record.before)
        for job in record.jobs:
            if job.state not in LAUNCHED:
                continue
            if not job.ids:
                yield _finding(
                    step,
                    f"job {job.id} is {job.state} with no assigned resources",
                    "no-resources",
                    "no assigned_resources rows",
                    "the resources it was launched on",
                    job.id,
                )
                return
            if job.moldable == 0:
                yield _finding(
                    step,
                    f"job {job.id} is {job.state} with no assigned moldable",
                    "no-moldable",
                    "assigned_moldable_job 0",
                    "the moldable it was launched with",
                    job.id,
                )
                return
            if was.get(job.id) != "Waiting":
                continue
            planned = record.planned(job.id)
            if planned is None or planned.ids != job.ids or job.start != record.now:
                where = "not in the gantt" if planned is None else resources_text(planned.ids)
                yield _finding(
                    step,
                    f"job {job.id} launched on {resources_text(job.ids)} from {job.start}, "
                    f"gantt: {where}",
                    "not-as-planned",
                    f"assigned {resources_text(job.ids)} from {job.start}",
                    f"the gantt's rows, from the round's time {record.now}",
                    job.id,
                )
                return


_campaign_rule(
    "C2",
    slug="launched-recorded",
    title="a launched job has its moldable, start time and resources recorded as planned",
    rationale=(
        "OAR3 builds each round's gantt from what launched jobs recorded "
        "(assigned_moldable_job, start_time, assigned_resources): a job launched without "
        "them vanishes from the next round's gantt and its nodes are handed out again."
    ),
    rule=c2_launched_recorded,
)


def c3_running_kept(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    previous: dict[int, tuple[int, frozenset[int]]] = {}
    for step, record in enumerate(trace.rounds, start=1):
        now = {j.id: (j.start, j.ids) for j in record.jobs if j.state in LAUNCHED}
        for job_id, (start, ids) in sorted(now.items()):
            if job_id in previous and previous[job_id] != (start, ids):
                old_start, old_ids = previous[job_id]
                yield _finding(
                    step,
                    f"running job {job_id} moved from {resources_text(old_ids)} at {old_start} "
                    f"to {resources_text(ids)} at {start}",
                    "moved",
                    f"{resources_text(ids)} from {start}",
                    f"{resources_text(old_ids)} from {old_start}, where it runs",
                    job_id,
                )
                return
        previous = now


_campaign_rule(
    "C3",
    slug="running-kept",
    title="a running job keeps its start and resources from round to round",
    rationale=(
        "A job runs where it was launched: a later round that moves it in the database "
        "plans other jobs around resources it does not hold, and onto the ones it does."
    ),
    rule=c3_running_kept,
)


DOWN_JOB = 999_999
"""The job id under which C4 shows R1 the Suspected and Dead resources, as held by a
job running from the round on: OAR3 plans nothing on them."""
_FOREVER = 10 * 365 * 86_400


def _round_scenario(
    scenario: CampaignScenario, record: RoundRecord, previous: RoundRecord | None
) -> tuple[RoundScenario, RoundOutcome]:
    """The round after a step as a single round R1 judges: jobs running when it began
    (as the previous round left them), the waiting ones, and the gantt it left.

    Running besteffort jobs are left out (OAR3 plans over them and frags them when a
    job is due); reservations accepted in an earlier round count as running (OAR3 keeps
    them in the gantt and places every job around them); the Suspected and Dead
    resources are held by :data:`DOWN_JOB`.
    """
    was = dict(record.before)
    last = {} if previous is None else {j.id: j for j in previous.jobs}
    running = []
    for job_id, state in record.before:
        row = last.get(job_id)
        if state in LAUNCHED and row is not None and row.ids:
            job = scenario.job(job_id)
            if "besteffort" in job.types:
                continue
            running.append(RunningJob(job_id, job.queue, row.start, row.walltime, row.ids))
    for job_id, state in record.before:
        row = last.get(job_id)
        planned = record.planned(job_id)
        if state == "Waiting" and row is not None and row.reservation == "Scheduled" and planned:
            # accepted earlier: placed before every queue group, as a running job is
            job = scenario.job(job_id)
            walltime = next((m.walltime for m in job.moldables if m.id == planned.moldable), 0)
            running.append(RunningJob(job_id, job.queue, planned.start, walltime, planned.ids))
    down = frozenset(rid for rid, state in record.resources if state in {"Suspected", "Dead"})
    if down:
        running.append(RunningJob(DOWN_JOB, "admin", record.now, _FOREVER, down))
    waiting = tuple(j for j in scenario.jobs if was.get(j.id) == "Waiting")
    queues = tuple(
        Queue(q.name, q.priority, dict(record.queues).get(q.name, q.state)) for q in scenario.queues
    )
    by_id = {r.id: r for r in running}
    gantt = []
    if down:
        gantt.append(GanttEntry(DOWN_JOB, 0, record.now, _FOREVER, down, True))
    besteffort = {j.id for j in scenario.jobs if "besteffort" in j.types}
    for planned in record.gantt:
        if planned.job_id in besteffort and was.get(planned.job_id) in LAUNCHED:
            continue
        if planned.job_id in by_id:
            run = by_id[planned.job_id]
            gantt.append(GanttEntry(run.id, 0, planned.start, run.walltime, planned.ids, True))
            continue
        walltime = 0
        if was.get(planned.job_id) == "Waiting":
            job = scenario.job(planned.job_id)
            walltime = next((m.walltime for m in job.moldables if m.id == planned.moldable), 0)
        gantt.append(
            GanttEntry(
                planned.job_id, planned.moldable, planned.start, walltime, planned.ids, False
            )
        )
    single = RoundScenario(
        scenario.platform,
        record.now,
        queues,
        tuple(running),
        waiting,
        scenario.config,
        scenario.job_security_time,
    )
    outcome = RoundOutcome(calls=(), gantt=tuple(gantt), states=(), error=None)
    return single, outcome


def c4_rounds_valid(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding | Unjudged]:
    previous = None
    for step, record in enumerate(trace.rounds, start=1):
        if record.error is None:
            single, outcome = _round_scenario(scenario, record, previous)
            for breach in r1_gantt_valid(single, outcome):
                if isinstance(breach, Unjudged):
                    yield Unjudged(f"round after step {step}: {breach.reason}")
                    continue
                yield Finding(
                    replace(breach, message=f"round after step {step}: {breach.message}"),
                    (breach.kind,),
                )
                return
        previous = record


_campaign_rule(
    "C4",
    slug="rounds-valid",
    title="every round of the campaign leaves a gantt R1 accepts",
    rationale=(
        "R1 judges one round from a database the kit wrote; a campaign's rounds start "
        "from what earlier rounds (and the plugin) left, where faults that need history "
        "show up: the gantt must still have no overlap and answer every request."
    ),
    rule=c4_rounds_valid,
)


def c5_reservation_kept(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    accepted: dict[int, tuple[int, frozenset[int]]] = {}
    for step, record in enumerate(trace.rounds, start=1):
        alive = {rid for rid, state in record.resources if state == "Alive"}
        for job in record.jobs:
            if job.reservation != "Scheduled" or job.state in ENDED:
                continue
            planned = record.planned(job.id)
            if job.id not in accepted:
                if planned is not None:
                    accepted[job.id] = (planned.start, planned.ids)
                continue
            start, ids = accepted[job.id]
            if job.state == "Waiting":
                if planned is None or (planned.start, planned.ids) != (start, ids):
                    now = (
                        "none"
                        if planned is None
                        else f"{resources_text(planned.ids)} at {planned.start}"
                    )
                    yield _finding(
                        step,
                        f"reservation {job.id} accepted for {resources_text(ids)} at {start} is "
                        f"now planned: {now}",
                        "moved",
                        now,
                        f"{resources_text(ids)} at {start}",
                        job.id,
                    )
                    return
                busy = any(j.launched and j.ids & ids for j in record.jobs if j.id != job.id)
                if record.now >= start and ids <= alive and not busy:
                    yield _finding(
                        step,
                        f"reservation {job.id} for {start} still waits at {record.now} "
                        f"with {ids_text(ids)} Alive",
                        "late",
                        f"Waiting at {record.now}",
                        f"launched in the first round at or after {start}",
                        job.id,
                    )
                    return


_campaign_rule(
    "C5",
    slug="reservation-kept",
    title="an accepted reservation keeps its start and resources and starts on time",
    rationale=(
        "oarsub -r promised the user a start time and resources: moving them breaks the "
        "promise, and a reservation not launched at its start while its resources are "
        "Alive and free loses the time the user booked (jobs still on them, such as "
        "besteffort jobs being killed for it, delay it)."
    ),
    rule=c5_reservation_kept,
)


def c6_dependencies_first(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    for step, record in enumerate(trace.rounds, start=1):
        was = dict(record.before)
        for job in record.jobs:
            if job.state not in LAUNCHED or was.get(job.id) in LAUNCHED:
                continue
            for required in scenario.job(job.id).dependencies:
                if was.get(required) not in ENDED:
                    yield _finding(
                        step,
                        f"job {job.id} started while job {required} it depends on was "
                        f"{was.get(required)}",
                        "early",
                        f"job {job.id} {job.state}",
                        f"job {job.id} waiting until job {required} ends",
                        job.id,
                    )
                    return


_campaign_rule(
    "C6",
    slug="dependencies-first",
    title="no job starts before the jobs it depends on (oarsub -a) have ended",
    rationale=(
        "A job submitted with -a reads what the jobs before it wrote: started early, it "
        "computes on missing or partial input."
    ),
    rule=c6_dependencies_first,
)


def c7_round_transitions(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    for step, record in enumerate(trace.rounds, start=1):
        if record.error is not None:
            return
        after = record.state_of
        for job_id, state in record.before:
            new = after.get(job_id, "deleted")
            if new != state and (state, new) not in _ROUND_MOVES:
                yield _finding(
                    step,
                    f"job {job_id} went from {state} to {new} in the round",
                    "transition",
                    f"{state} -> {new}",
                    "launching (Waiting -> toLaunch) or settling a reservation",
                    job_id,
                    state,
                    new,
                )
                return


_campaign_rule(
    "C7",
    slug="round-transitions",
    title="a round changes job states only as OAR3's meta-scheduler does",
    rationale=(
        "A round launches jobs and settles reservations; ends, holds, resumes and "
        "deletions belong to users and OAR3's other modules, whose bookkeeping (events, "
        "accounting, the user's notification) a round that makes them itself skips."
    ),
    rule=c7_round_transitions,
)


def c8_frag_besteffort(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    security = scenario.job_security_time
    for step, record in enumerate(trace.rounds, start=1):
        jobs = {j.id: j for j in record.jobs}
        for job_id in sorted(record.new_frags):
            types = scenario.job(job_id).types if job_id in _ids(scenario) else {}
            row = jobs.get(job_id)
            if "besteffort" not in types:
                yield _finding(
                    step,
                    f"the round fragged job {job_id}, which is not besteffort",
                    "not-besteffort",
                    f"job {job_id} fragged",
                    "only besteffort jobs fragged",
                    job_id,
                )
                return
            held = row.ids if row is not None else frozenset()
            needed = any(
                p.job_id != job_id and p.ids & held and p.start <= record.now + security
                for p in record.gantt
            )
            if not needed:
                yield _finding(
                    step,
                    f"the round fragged besteffort job {job_id} on {ids_text(held)}, "
                    "which no job needs now",
                    "needless",
                    f"job {job_id} fragged",
                    "a job planned on its resources within the security time",
                    job_id,
                )
                return


_campaign_rule(
    "C8",
    slug="frag-besteffort",
    title="a round frags only running besteffort jobs whose resources a job needs now",
    rationale=(
        "Fragging kills a job. OAR3's meta-scheduler kills besteffort jobs, and only to "
        "free resources a job is about to start on; killing any other job loses a "
        "user's work."
    ),
    rule=c8_frag_besteffort,
)


def _ids(scenario: CampaignScenario) -> frozenset[int]:
    return frozenset(j.id for j in scenario.jobs)


def c9_held_unplanned(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    for step, record in enumerate(trace.rounds, start=1):
        stopped = {name for name, state in record.queues if state != "Active"}
        for job in record.jobs:
            planned = record.planned(job.id)
            if planned is None:
                continue
            queue = scenario.job(job.id).queue
            if job.state == "Hold":
                reason, kind = "is held", "held"
            elif job.state == "Waiting" and queue in stopped and job.reservation != "Scheduled":
                reason, kind = f"waits in stopped queue {queue}", "stopped-queue"
            else:
                continue
            yield _finding(
                step,
                f"job {job.id} {reason} but is planned at {planned.start} on "
                f"{ids_text(planned.ids)}",
                kind,
                f"a prediction at {planned.start}",
                "no prediction",
                job.id,
            )
            return


_campaign_rule(
    "C9",
    slug="held-unplanned",
    title="held jobs and jobs of stopped queues get no prediction",
    rationale=(
        "oarhold and a stopped queue both mean: do not start this now. A prediction "
        "reserves resources in the gantt that other jobs then wait for, and is shown to "
        "users as a start time that will not come."
    ),
    rule=c9_held_unplanned,
)


def c10_rounds_complete(
    scenario: CampaignScenario, outcome: CampaignOutcome
) -> Iterator[Breach | Unjudged]:
    """OAR3 failing on what the rounds left. A failed call of the plugin itself (it
    raised, hung or died) is its family's check of failed calls' (F6, A1, S4, M2, R1),
    so one bug has one id."""
    yield from _plugins(_c10_rule, scenario, outcome)


INVARIANTS.register(
    "C10",
    slug="rounds-complete",
    title="no round of the campaign fails, and OAR3 copes with what each round left",
    rationale=(
        "A failed round schedules nothing, and the next one starts from the same state: "
        "a state that makes every round fail stops the cluster until an admin steps in."
    ),
    confirm=(OAR3_ALONE,),
    check=c10_rounds_complete,
)


def _c10_rule(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    for step, record in enumerate(trace.rounds, start=1):
        if record.error is not None and record.error.oar3:
            yield _finding(
                step,
                f"the round failed: {record.error.summary.splitlines()[0]}",
                "round-failed",
                record.error.kind,
                "a round that completes",
            )
            return


_RULES["C10"] = _c10_rule


def c11_same_on_postgresql(
    scenario: CampaignScenario, outcome: CampaignOutcome
) -> Iterator[Breach]:
    other = outcome.other
    if other is None:
        return
    here, there = outcome.trace.db, other.db
    for step, (mine, theirs) in enumerate(
        zip(outcome.trace.rounds, other.rounds, strict=False), start=1
    ):
        if (mine.error is None) != (theirs.error is None):
            failed = here if mine.error is not None else there
            yield Breach(
                f"round after step {step} fails on {failed} only",
                received=f"a failure on {failed}",
                expected="the same outcome on both databases",
                kind="error",
            )
            return
        for name, a, b in zip(
            ("jobs", "gantt", "frag_jobs", "resources", "queues"),
            mine.tables,
            theirs.tables,
            strict=True,
        ):
            if a != b:
                yield Breach(
                    f"round after step {step}: table {name} differs between {here} and {there}",
                    received=f"{here}: {_short(a)}",
                    expected=f"as on {there}: {_short(b)}",
                    kind=name,
                )
                return
    if len(outcome.trace.rounds) != len(other.rounds):
        yield Breach(
            f"the campaign ran {plural(len(outcome.trace.rounds), 'round')} on {here} and "
            f"{len(other.rounds)} on {there}",
            kind="length",
        )


INVARIANTS.register(
    "C11",
    slug="same-on-postgresql",
    title="the same campaign leaves the same tables on sqlite and PostgreSQL",
    rationale=(
        "Sites run OAR3 on PostgreSQL while plugins are often tried on sqlite; a query "
        "whose order or result differs between them makes production diverge, round "
        "after round, from what was tested."
    ),
    needs=(OTHER_DB,),
    check=c11_same_on_postgresql,
)


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def c12_predicted_soon(scenario: CampaignScenario, trace: Trace) -> Iterator[Finding]:
    waited: dict[int, int] = {}
    for step, record in enumerate(trace.rounds, start=1):
        stopped = {name for name, state in record.queues if state != "Active"}
        state = record.state_of
        for job in scenario.jobs:
            ready = (
                state.get(job.id) == "Waiting"
                and job.queue not in stopped
                and all(state.get(d) in ENDED for d in job.dependencies)
                and record.planned(job.id) is None
            )
            waited[job.id] = waited.get(job.id, 0) + 1 if ready else 0
            if waited[job.id] > STARVED_ROUNDS:
                yield _finding(
                    step,
                    f"job {job.id} has waited {waited[job.id]} rounds with no prediction",
                    "starved",
                    f"no prediction for {waited[job.id]} rounds",
                    f"a prediction within {STARVED_ROUNDS} rounds",
                    job.id,
                )
                return


_campaign_rule(
    "C12",
    slug="predicted-soon",
    title=f"a schedulable waiting job gets a prediction within {STARVED_ROUNDS} rounds",
    rationale=(
        "A round schedules only the first jobs of each queue group's sorted list "
        "(MAX_JOB_PER_QUEUES_GROUP_SCHEDULING_ROUND); an order that keeps a job out of "
        "that window round after round starves it, while OAR3's own order lets it in."
    ),
    severity=Severity.ADVISORY,
    rule=c12_predicted_soon,
)


def c13_reservations_as_oar3(
    scenario: CampaignScenario, outcome: CampaignOutcome
) -> Iterator[Breach]:
    if outcome.oar3 is None:
        return
    mine, theirs = _decisions(outcome.trace), _decisions(outcome.oar3)
    for job_id, (step, accepted) in sorted(mine.items()):
        if job_id in theirs and theirs[job_id][1] != accepted:
            yield Breach(
                f"round after step {step}: reservation {job_id} was "
                f"{'accepted' if accepted else 'refused'}, OAR3's default "
                f"{'accepts' if theirs[job_id][1] else 'refuses'} it",
                received="accepted" if accepted else "refused",
                expected="accepted" if theirs[job_id][1] else "refused",
                kind="decision",
            )
            return


INVARIANTS.register(
    "C13",
    slug="reservations-as-oar3",
    title="an advance reservation is accepted exactly when OAR3's default accepts it",
    rationale=(
        "Whether oarsub -r succeeds is what users plan their work on; a plugin that "
        "refuses reservations OAR3 would accept, or accepts ones it would refuse, "
        "changes that promise."
    ),
    severity=Severity.ADVISORY,
    needs=(OAR3_ALONE,),
    check=c13_reservations_as_oar3,
)


def _decisions(trace: Trace) -> dict[int, tuple[int, bool]]:
    """Reservations a round decided: job id -> (step, accepted).

    Accepted: its ``reservation`` column became ``Scheduled``; refused: it was waiting
    when the round began and the round put it in ``Error`` (through ``toError``).
    """
    decided: dict[int, tuple[int, bool]] = {}
    for step, record in enumerate(trace.rounds, start=1):
        before = dict(record.before)
        for job in record.jobs:
            if job.id in decided:
                continue
            if job.reservation == "Scheduled":
                decided[job.id] = (step, True)
            elif (
                job.reservation == "toSchedule"
                and job.state in ENDED
                and before.get(job.id) == "Waiting"
            ):
                decided[job.id] = (step, False)
    return decided
