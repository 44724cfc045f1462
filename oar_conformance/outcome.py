"""Outcomes: what a plugin did with a scenario, read back into plain values.

The runners fill these; invariants and reports read them. A failed call (the plugin
raised, hung, or returned the wrong type) is recorded as a :class:`PluginError` instead of
a result, so a misbehaving plugin is reported, never a crash of the kit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FindOutcome", "PluginError"]


@dataclass(frozen=True)
class PluginError:
    """Why one call of a plugin produced no usable answer.

    ``kind`` is ``"raised"`` (an exception escaped), ``"timeout"`` (the call ran past the
    per-call limit) or ``"type"`` (it returned something OAR3 cannot use).
    """

    kind: str
    summary: str
    traceback: str = ""


@dataclass(frozen=True)
class FindOutcome:
    """One observed call (or pair of calls) of an ``oar.find_func`` plugin.

    ``result`` is the returned ProcSet as ids, ``None`` when ``error`` is set. ``mutated``
    names the inputs the call changed (``itvs_avail``, ``hy_res_rqts``, ``hy``).
    ``repeat`` is the answer of a second identical call (``None`` unless an invariant
    needed it); ``reference`` is OAR3's default answer on the same inputs (``None`` when
    not computed). ``seconds`` is the wall time of the first call.
    """

    result: frozenset[int] | None
    error: PluginError | None = None
    mutated: tuple[str, ...] = ()
    repeat: frozenset[int] | None = None
    repeat_error: PluginError | None = None
    reference: frozenset[int] | None = None
    seconds: float = 0.0

    @property
    def allocated(self) -> bool:
        """The plugin answered with a non-empty allocation."""
        return bool(self.result)
