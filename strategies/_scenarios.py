"""Find scenarios: a platform, its free resources and a request, as a find plugin sees them."""

from __future__ import annotations

from hypothesis import strategies as st

from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import Group, Platform
from oar_conformance.site import Site

from ._availability import Busy, draw_availability
from ._platforms import BOOLEANS, MAX_RESOURCES, platforms
from ._requests import MAX_GROUPS, _groups, _satisfiable_groups
from ._validate import check_bool, check_int, check_order

_MAX_COUNT = 4
_SOME_FREE: tuple[Busy, ...] = ("none", "blocks", "ranges")


def find_scenarios(
    *,
    min_resources: int = 1,
    max_resources: int = 64,
    max_groups: int = 3,
    special_counts: bool = True,
    satisfiable: bool = False,
    site: Site | None = None,
) -> st.SearchStrategy[FindScenario]:
    """Whole ``oar.find_func`` inputs: platform, ``itvs_avail``, 1..``max_groups`` groups.

    The platform comes from :func:`platforms` (with properties), the free ids from
    :func:`availability`. Each group is drawn as by :func:`groups`, or gets counts read
    off the platform and its free resources: exactly as many top blocks as can be
    served, one more, or more than the level has. Together with availability's "all
    busy" and "none busy" this reaches exact fits and impossible requests often.

    With ``satisfiable`` every scenario has an answer, the one OAR3's default find
    gives: some resources stay free (a whole block of the lowest level requests may
    name at least) and each group's
    counts are read off the free blocks, between 1 and what they can serve (see
    :func:`~oar_conformance.strategies.groups`; no special counts, and an expression
    that leaves nothing usable is dropped). Use it to time checks on answers that are
    not empty, e.g. on large platforms where drawn requests rarely fit.

    With a ``site`` the platform stays inside it (see :func:`platforms`).

    Shrinks towards one single-resource platform with everything free, one group
    ``/host=1`` without constraints, and ``beginning=False``.
    """
    check_int("min_resources", min_resources, 1, MAX_RESOURCES)
    check_int("max_resources", max_resources, 1, MAX_RESOURCES)
    check_order("min_resources", min_resources, "max_resources", max_resources)
    check_int("max_groups", max_groups, 1, MAX_GROUPS)
    check_bool("special_counts", special_counts)
    check_bool("satisfiable", satisfiable)
    return _find_scenarios(
        platforms(min_resources=min_resources, max_resources=max_resources, site=site),
        max_groups=max_groups,
        special_counts=special_counts,
        satisfiable=satisfiable,
    )


@st.composite
def _find_scenarios(
    draw: st.DrawFn,
    platform_strategy: st.SearchStrategy[Platform],
    *,
    max_groups: int,
    special_counts: bool,
    satisfiable: bool,
) -> FindScenario:
    platform = draw(platform_strategy)
    group: st.SearchStrategy[Group]
    if satisfiable:
        available = draw_availability(draw, platform, _SOME_FREE)
        lowest = platform.level(platform.request_levels[-1]).blocks
        free = available & platform.default_resources
        if not any(block <= free for block in lowest):
            whole = [block for block in lowest if block <= platform.default_resources]
            available |= whole[0] if whole else lowest[0]
        group = _satisfiable_groups(platform, available)
    else:
        available = draw_availability(draw, platform)
        group = _groups(
            platform,
            available=available,
            special_counts=special_counts,
            constraints=True,
            max_count=_MAX_COUNT,
        )
    requested = draw(st.lists(group, min_size=1, max_size=max_groups))
    return FindScenario(platform, available, tuple(requested), beginning=draw(BOOLEANS))
