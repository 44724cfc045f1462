"""Calling an ``oar.jobs_sorting_func`` plugin exactly as OAR3's kamelot does.

Kamelot calls ``f(queues, now, waiting_jids, waiting_jobs, config_str, plt)`` once per
group of active queues of equal priority, after ``get_waiting_jobs`` and
``get_data_jobs``, and schedules the jobs in the order of the returned list. The runner
builds those arguments from a :class:`~oar_conformance.families.sort.scenario.SortScenario`:

- ``queues``: the list of queue names (the meta-scheduler passes ``[q.name for q in
  queues]``, kamelot's command line ``[queue]``);
- ``now``: an int; ``waiting_jids``: a fresh list of ints, ascending as OAR3 reads them;
- ``waiting_jobs``: a dict jid -> :class:`JobRecord`, inserted in ``waiting_jids`` order.
  OAR3's ``oar.lib.models.Job`` cannot stand in: it is a deferred-reflection model, only
  mapped once OAR3 reflects a live database, so an instance built without one has no
  defaults and cannot even be printed. A record carries the same attribute names
  instead: the ``jobs`` columns with OAR3's defaults, and what ``get_data_jobs`` adds
  (``types``, ``mld_res_rqts``, ``deps``, ``ts``, ``ph``, ``key_cache``, ...);
- ``config_str``: the scenario's JSON text (OAR3 passes ``"{}"`` when unset);
- ``plt``: a :class:`SortPlatform`, offering what OAR3's own sorters use without a
  database; anything else raises an ``AttributeError`` naming the attribute.

No OAR3 module is imported, so sort checks run the same with or without OAR3. Calls go
through :func:`~oar_conformance._guard.call_guarded`; the inputs are compared before and
after the call, and extra calls are made on request: ``"repeat"`` (identical inputs,
another ``random`` state), ``"reorder"`` (``waiting_jobs``, each job's ``types`` and
``queues`` in reverse order: equal inputs, since OAR3 gives none of these orders a
meaning) and ``"resort"`` (``waiting_jids`` set to the first answer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from oar_conformance._guard import DEFAULT_TIMEOUT, call_guarded, other_random_state
from oar_conformance.families.sort.outcome import Answer, SortOutcome
from oar_conformance.families.sort.scenario import JOB_DEFAULTS, SortScenario, job_attributes
from oar_conformance.model import Job
from oar_conformance.oar_jobs import (
    NO_PLACEHOLDER,
    key_cache,
)
from oar_conformance.outcome import PluginError

__all__ = [
    "JobRecord",
    "SortPlatform",
    "SortRunner",
]


class JobRecord:
    """A waiting job as a sorting plugin sees it: the attributes of OAR3's ``Job`` objects.

    Built from :data:`JOB_DEFAULTS` and :func:`job_attributes`, plus ``key_cache`` as
    ``set_jobs_cache_keys`` computes it. A plugin may add attributes (OAR3's own sorters
    set ``karma`` or ``priority``).
    """

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(JOB_DEFAULTS)
        self.__dict__.update(attributes)
        self.key_cache: dict[int, str] = {}
        if not self.ts and self.ph == NO_PLACEHOLDER:
            self.key_cache = key_cache(self.mld_res_rqts)

    @classmethod
    def of(cls, job: Job) -> JobRecord:
        return cls(**job_attributes(job))

    def __getattr__(self, name: str) -> Any:
        msg = (
            f"job.{name} is not an attribute of OAR3's waiting jobs; they carry the jobs "
            "table columns and types, mld_res_rqts, deps, ts, ph and key_cache"
        )
        raise AttributeError(msg)

    def __repr__(self) -> str:
        return f"<Job {self.__dict__.get('id')!r}>"


class SortPlatform:
    """The ``plt`` a sorting plugin gets, without a database behind it.

    It offers what OAR3's own sorting functions use: ``get_time()`` (the scenario's
    ``now``, as OAR3's simulated platforms return their clock) and the three accounting
    queries of karma sorting, answering as OAR3 does on an empty accounting table:
    ``get_sum_accounting_window(...) -> (1, 1)``,
    ``get_sum_accounting_by_project(...) -> ({}, {})`` and
    ``get_sum_accounting_by_user(...) -> ({}, {})``. Any other attribute raises an
    ``AttributeError`` naming it: a plugin that needs a real platform or database is
    checked by the database rounds instead.
    """

    def __init__(self, now: int) -> None:
        self._now = now

    def get_time(self) -> int:
        return self._now

    def get_sum_accounting_window(self, *args: Any) -> tuple[int, int]:
        return (1, 1)

    def get_sum_accounting_by_project(self, *args: Any) -> tuple[dict[str, float], ...]:
        return ({}, {})

    def get_sum_accounting_by_user(self, *args: Any) -> tuple[dict[str, float], ...]:
        return ({}, {})

    def __getattr__(self, name: str) -> Any:
        msg = (
            f"plt.{name} is not offered by oar-conformance's stand-in platform, which has "
            "get_time and the get_sum_accounting_* queries only; a plugin needing a real "
            "platform or database is checked by the database rounds (--oar-db)"
        )
        raise AttributeError(msg)

    def __repr__(self) -> str:
        return f"SortPlatform(now={self._now})"


def _read(value: Any) -> Answer:
    if isinstance(value, list | tuple):
        bad = [v for v in value if isinstance(v, bool) or not isinstance(v, int)]
        if not bad:
            return Answer(tuple(int(v) for v in value))
        detail = f"elements such as {bad[0]!r} of type {type(bad[0]).__name__}"
    else:
        detail = f"{type(value).__name__} {value!r:.80}"
    return Answer(
        None,
        PluginError(
            "type",
            f"returned {detail}, but OAR3 needs a list of job ids (ints) from waiting_jids",
        ),
    )


def _changes(
    scenario: SortScenario,
    queues: list[str],
    jids: list[int],
    jobs: dict[int, JobRecord],
    given: tuple[list[str], list[int], list[tuple[int, JobRecord]]],
) -> tuple[str, ...]:
    """Names of the inputs the call changed, given what it was handed.

    ``given`` holds copies of the lists and the records themselves; each record is
    compared to a fresh one built from the scenario (cheaper than a deep copy).
    """
    queues_then, jids_then, records = given
    changed = []
    if queues != queues_then:
        changed.append("queues")
    if jids != jids_then:
        changed.append("waiting_jids")
    if [jid for jid, _ in records] != list(jobs) or any(
        jobs[jid] is not record for jid, record in records
    ):
        changed.append("waiting_jobs")
        return tuple(changed)
    jobs_by_id = {job.id: job for job in scenario.jobs}
    for jid, record in records:
        now = vars(record)
        changed += [
            f"waiting_jobs[{jid}].{name}"
            for name, value in vars(JobRecord.of(jobs_by_id[jid])).items()
            if name not in now or now[name] != value
        ]
    return tuple(changed)


def _permutes(order: Iterable[int], jids: Iterable[int]) -> bool:
    return Counter(order) == Counter(jids)


@dataclass
class SortRunner:
    """Calls one sorting plugin on scenarios, under a per-call time limit."""

    func: Callable[..., Any]
    timeout: float = DEFAULT_TIMEOUT

    def _call(
        self,
        scenario: SortScenario,
        *,
        jids: Iterable[int] | None = None,
        reverse: bool = False,
        watch: bool = False,
    ) -> tuple[Answer, tuple[str, ...], float]:
        queues = scenario.queue_names
        records = [(job.id, JobRecord.of(job)) for job in scenario.jobs]
        if reverse:
            queues.reverse()
            records.reverse()
            for _, record in records:
                vars(record)["types"] = dict(reversed(record.types.items()))
        jobs = dict(records)
        waiting_jids = list(scenario.waiting_jids if jids is None else jids)
        given = (list(queues), list(waiting_jids), list(jobs.items()))
        call = call_guarded(
            self.func,
            (queues, scenario.now, waiting_jids, jobs, scenario.config, SortPlatform(scenario.now)),
            {},
            self.timeout,
        )
        mutated = _changes(scenario, queues, waiting_jids, jobs, given) if watch else ()
        answer = Answer(None, call.error) if call.error is not None else _read(call.value)
        return answer, mutated, call.seconds

    def _call_with_other_random_state(
        self, scenario: SortScenario, *, reverse: bool = False
    ) -> Answer:
        """Call again with the global ``random`` state moved on (Hypothesis resets it).

        The state is derived from the scenario, so a replayed example behaves the same.
        """
        with other_random_state(scenario):
            return self._call(scenario, reverse=reverse)[0]

    def run(self, scenario: SortScenario, needs: Collection[str] = ()) -> SortOutcome:
        """Observe the plugin on ``scenario``, with the extra calls ``needs`` names."""
        answer, mutated, seconds = self._call(scenario, watch=True)
        repeat = reorder = resort = None
        if "repeat" in needs:
            repeat = self._call_with_other_random_state(scenario)
        if "reorder" in needs:
            reorder = self._call_with_other_random_state(scenario, reverse=True)
        order = answer.order
        if "resort" in needs and order is not None and _permutes(order, scenario.waiting_jids):
            resort = self._call(scenario, jids=order)[0]
        return SortOutcome(answer, mutated, repeat, reorder, resort, seconds)
