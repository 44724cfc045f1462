"""What one call (or pair of calls) of a find plugin gave, as plain values."""

from __future__ import annotations

from dataclasses import dataclass

from oar_conformance.outcome import PluginError

__all__ = ["FindOutcome"]


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
