"""OAR3's facts about a scheduler job: values and formulas its scheduler applies to them.

The assign and sort families both hand plugins waiting jobs as OAR3's ``get_data_jobs``
leaves them; what those jobs share (the security time added to walltimes, the
placeholder value, ``deps`` and ``key_cache``) is written once here, so both families
follow OAR3 alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from procset import ProcSet

__all__ = [
    "FIND_TYPE",
    "JOB_SECURITY_TIME",
    "NO_PLACEHOLDER",
    "NO_QUOTAS_TYPE",
    "FindType",
    "HyResRqt",
    "MldResRqt",
    "find_type",
    "key_cache",
    "plain_types",
    "waiting_deps",
]

JOB_SECURITY_TIME = 60
"""OAR3's default ``SCHEDULER_JOB_SECURITY_TIME``, added to every walltime in ``mld_res_rqts``."""

NO_PLACEHOLDER = 0
"""OAR3's ``job.ph`` for a job that is neither a placeholder nor allowed in one."""

FIND_TYPE = "find"
"""The job type ``find=NAME[:args]``: the job's own find function (``oar.find_func``)."""

NO_QUOTAS_TYPE = "no_quotas"
"""The job type that exempts a job from quota checks (its resources still count)."""

_FLAG_TYPES = frozenset(
    {FIND_TYPE, NO_QUOTAS_TYPE, "assign", "timesharing", "placeholder", "allow"}
)
"""Types ``get_jobs_types`` turns into job attributes and leaves out of ``job.types``."""

HyResRqt = tuple[list[tuple[str, int]], "ProcSet"]
"""One request group in OAR3's ``hy_res_rqts`` shape: ``(level, count)`` pairs, resources."""

MldResRqt = tuple[int, int, list[HyResRqt]]
"""One ``mld_res_rqts`` entry: moldable id, walltime (security time included), groups."""


def key_cache(mld_res_rqts: Iterable[MldResRqt]) -> dict[int, str]:
    """``job.key_cache`` by OAR3's ``set_jobs_cache_keys`` formula.

    Per moldable id, ``str(walltime) + str(hy_res_rqts)``: the key under which the slot
    set caches where such a request fits. OAR3 sets it only on jobs with no timesharing
    and no placeholder (``ph == NO_PLACEHOLDER``); the others keep an empty dict.
    """
    return {mld_id: str(wall) + str(hy_rqts) for mld_id, wall, hy_rqts in mld_res_rqts}


def waiting_deps(dependencies: Iterable[int]) -> list[tuple[int, str, None]]:
    """``job.deps`` as ``get_data_jobs`` sets it when every required job is still waiting.

    One ``(required job id, state, exit code)`` triple per dependency.
    """
    return [(jid, "Waiting", None) for jid in dependencies]


class FindType(NamedTuple):
    """A ``find=NAME[:args]`` type read as ``get_jobs_types`` reads it."""

    name: str
    args: list[str]
    kwargs: dict[str, str]


def find_type(types: Mapping[str, str]) -> FindType | None:
    """The job's find function, its ``find_args`` and ``find_kwargs``, or ``None``.

    OAR3's ``extract_find_assign_args``: the value splits on ``:``, the first part names
    the function; a later part ``k=v`` is a keyword argument, any other part (``=v``
    too) a positional one.
    """
    if FIND_TYPE not in types:
        return None
    name, *parts = types[FIND_TYPE].split(":")
    args: list[str] = []
    kwargs: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if sep and key:
            kwargs[key] = value
        else:
            args.append(part)
    return FindType(name, args, kwargs)


def plain_types(types: Mapping[str, str]) -> dict[str, str]:
    """``job.types`` as ``get_jobs_types`` leaves it: without the types it makes flags of."""
    return {k: v for k, v in types.items() if k not in _FLAG_TYPES}
