"""Calling an ``oar.find_func`` plugin exactly as OAR3's scheduling loop does.

OAR3 calls ``job.find_func(itvs_avail, hy_res_rqts, hy, beginning, *job.find_args,
**job.find_kwargs)`` with ``ProcSet`` values built from the slot set and the job's request.
The runner builds those values from a :class:`~oar_conformance.model.FindScenario`, makes
the call under a time limit, compares the inputs before and after (mutation), and reads the
answer back into plain ids. It only imports ``procset``, so find checks run without OAR3.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from procset import ProcSet

from oar_conformance import oar3
from oar_conformance._guard import (
    DEFAULT_TIMEOUT,
    REPEAT_STATES,
    call_guarded,
    other_random_state,
)
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import to_procset
from oar_conformance.outcome import PluginError

__all__ = ["FindRunner", "read_answer", "reference_find"]


def reference_find(scenario: FindScenario) -> frozenset[int]:
    """OAR3's default answer (``find_resource_hierarchies_job``) for ``scenario``."""
    default = oar3.scheduling().find_resource_hierarchies_job
    result = default(to_procset(scenario.available), scenario.hy_res_rqts(), scenario.platform.hy())
    return frozenset(result)


def read_answer(value: Any) -> tuple[frozenset[int] | None, PluginError | None]:
    """A find plugin's return value as resource ids, or the ``"type"`` error OAR3 would
    meet using it (per call, and in rounds, where OAR3 would fail on it in its own code)."""
    if isinstance(value, ProcSet):
        return frozenset(value), None
    return None, PluginError(
        "type",
        f"returned {type(value).__name__} {value!r:.80}, but OAR3 needs a ProcSet "
        "(return ProcSet() for 'no allocation')",
    )


@dataclass
class FindRunner:
    """Calls one find plugin on scenarios; holds the plugin's arguments and time limit."""

    func: Callable[..., Any]
    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def _call(
        self, scenario: FindScenario
    ) -> tuple[frozenset[int] | None, PluginError | None, tuple[str, ...], float]:
        avail = to_procset(scenario.available)
        rqts = scenario.hy_res_rqts()
        hy = scenario.platform.hy()
        # Tuples inside hy_res_rqts are immutable: copying the lists and ProcSets is a
        # full copy, several times cheaper than copy.deepcopy.
        before = (
            avail.copy(),
            [([*levels], constraints.copy()) for levels, constraints in rqts],
            scenario.platform.hy_template,
        )
        call = call_guarded(
            self.func,
            (avail, rqts, hy, scenario.beginning, *self.args),
            dict(self.kwargs),
            self.timeout,
        )
        mutated = tuple(
            name
            for name, now, then in zip(
                ("itvs_avail", "hy_res_rqts", "hy"), (avail, rqts, hy), before, strict=True
            )
            if now != then
        )
        if call.error is not None:
            return None, call.error, mutated, call.seconds
        result, error = read_answer(call.value)
        return result, error, mutated, call.seconds

    def run(self, scenario: FindScenario, needs: Collection[str] = ()) -> FindOutcome:
        """Observe the plugin on ``scenario``; ``needs`` asks for a repeat and/or reference
        (``reference?``: OAR3's default answer when OAR3 is installed)."""
        result, error, mutated, seconds = self._call(scenario)
        repeat: frozenset[int] | None = None
        repeat_error: PluginError | None = None
        if "repeat" in needs:
            for attempt in range(REPEAT_STATES):
                with other_random_state(scenario, attempt):
                    repeat, repeat_error, _, _ = self._call(scenario)
                if repeat_error is not None or repeat != result:
                    break
        wanted = "reference" in needs or ("reference?" in needs and oar3.status().available)
        reference = reference_find(scenario) if wanted else None
        return FindOutcome(
            result=result,
            error=error,
            mutated=mutated,
            repeat=repeat,
            repeat_error=repeat_error,
            reference=reference,
            seconds=seconds,
        )
