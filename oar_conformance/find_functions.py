"""Find functions the kit ships, so its assign worlds hold jobs typed ``find=NAME[:args]``.

OAR3 resolves a job's ``find=NAME`` through the ``oar.find_func`` entry points
(``get_jobs_types``); OAR3 itself registers none, not even its default. The kit's
package registers these two (``pyproject.toml``), so a generated job can name OAR3's
default search and a search whose answers differ from it, and an assign plugin must use
whichever the job names. Both ignore ``beginning_slotset`` and their arguments, are
deterministic and give OAR3's own valid answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from procset import ProcSet

from oar_conformance import oar3
from oar_conformance.oar_jobs import HyResRqt
from oar_conformance.plugins import FIND_GROUP, PluginSpec, load

__all__ = [
    "DEFAULT_FIND",
    "FIND_FUNCTIONS",
    "LAST_BLOCKS_FIND",
    "last_blocks",
    "oar_default",
    "resolve",
]

DEFAULT_FIND = "oar_conformance_default"
"""Entry point name of :func:`oar_default`."""
LAST_BLOCKS_FIND = "oar_conformance_last_blocks"
"""Entry point name of :func:`last_blocks`."""


def oar_default(
    itvs_avail: ProcSet,
    hy_res_rqts: list[HyResRqt],
    hy: Mapping[str, list[ProcSet]],
    beginning_slotset: bool,
    *args: Any,
    **kwargs: Any,
) -> ProcSet:
    """OAR3's default find (``find_resource_hierarchies_job``) as a find plugin."""
    found: ProcSet = oar3.scheduling().find_resource_hierarchies_job(itvs_avail, hy_res_rqts, hy)
    return found


def last_blocks(
    itvs_avail: ProcSet,
    hy_res_rqts: list[HyResRqt],
    hy: Mapping[str, list[ProcSet]],
    beginning_slotset: bool,
    *args: Any,
    **kwargs: Any,
) -> ProcSet:
    """OAR3's default find over every level's blocks in reverse order: the last that fit.

    Where the default takes the first free blocks (lowest ids), this takes the last ones,
    so an assign plugin that does not call the job's find function places it elsewhere.
    """
    backwards = {level: blocks[::-1] for level, blocks in hy.items()}
    found: ProcSet = oar3.scheduling().find_resource_hierarchies_job(
        itvs_avail, hy_res_rqts, backwards
    )
    return found


FIND_FUNCTIONS: Mapping[str, Callable[..., ProcSet]] = {
    DEFAULT_FIND: oar_default,
    LAST_BLOCKS_FIND: last_blocks,
}
"""The kit's find functions by entry point name, in shrinking order."""


@cache
def resolve(name: str) -> Callable[..., Any]:
    """The function a job's ``find=NAME`` names, loaded from its ``oar.find_func`` entry point.

    Only that entry point is loaded (OAR3's ``find_plugin_function`` loads every one of
    the group up to the one named, so a broken plugin listed earlier would fail every
    ``find=`` job). When the kit runs from a source tree without its entry points
    installed, its own functions are found by name. A ``LookupError`` names the others.
    """
    if any(ep.name == name for ep in entry_points(group=FIND_GROUP)):
        return load(PluginSpec(FIND_GROUP, name))
    if name in FIND_FUNCTIONS:
        return FIND_FUNCTIONS[name]
    msg = (
        f"find={name!r}: no {FIND_GROUP} entry point of that name is installed "
        f"(the kit's own: {', '.join(FIND_FUNCTIONS)})"
    )
    raise LookupError(msg)
