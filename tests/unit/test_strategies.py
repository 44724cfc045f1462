"""The strategies generate valid scenarios, reach the corners that matter, and shrink well.

Checks use small reference implementations written here (expression evaluation, how many
top blocks a group can get) rather than the strategies' own helpers. Every run is
seeded or derandomized and the database is off, so results are reproducible.
"""

from __future__ import annotations

import operator
import re
from dataclasses import replace
from random import Random
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from oar_conformance import oar3
from oar_conformance.errors import UsageError
from oar_conformance.families.find.runner import reference_find
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.hierarchy import has_selection
from oar_conformance.model import (
    ALL,
    BEST,
    HALF_BEST,
    SPECIAL_COUNTS,
    Group,
    Level,
    Platform,
    Queue,
)
from oar_conformance.resources import platform_of
from oar_conformance.strategies import (
    COLORS,
    LEVEL_NAMES,
    MEMS,
    ORDERS,
    QUEUE_NAMES,
    assign_scenarios,
    availability,
    find_scenarios,
    groups,
    jobs,
    moldables,
    platforms,
    queues,
    requests,
)
from oar_conformance.strategies._platforms import draw_subset

if TYPE_CHECKING:
    from collections.abc import Callable

    from oar_conformance.model import Job

Ids = frozenset[int]

FAST = settings(max_examples=60, derandomize=True, database=None, deadline=None)
SEARCH = settings(max_examples=3000, database=None, deadline=None)
REACH = settings(SEARCH, phases=[Phase.generate])


def found(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    """The minimal example satisfying ``condition``, searched with a fixed seed."""
    return find(strategy, condition, settings=SEARCH, random=Random(0))


# Reference checks -------------------------------------------------------------------


def check_platform(platform: Platform, *, properties: bool = True) -> None:
    names = platform.level_names
    assert names[-1] == "resource_id"
    assert "network_address" in names
    assert list(names) == sorted(names, key=LEVEL_NAMES.index)
    assert len(set(names)) == len(names)
    assert platform.table is not None
    assert platform_of(platform.table) == platform
    resources = platform.resources
    assert resources
    assert platform.default_resources
    assert all(isinstance(rid, int) and rid >= 0 for rid in resources)
    assert all(len(b) == 1 for b in platform.level("resource_id").blocks)
    for depth, level in enumerate(platform.levels):
        assert all(level.blocks), f"empty block in {level}"
        assert sum(len(b) for b in level.blocks) == len(resources), f"{level} overlaps"
        assert frozenset().union(*level.blocks) == resources, f"{level} misses ids"
        if depth:
            above = platform.levels[depth - 1].blocks
            parent = {rid: i for i, block in enumerate(above) for rid in block}
            for block in level.blocks:
                assert len({parent[rid] for rid in block}) == 1, f"{block} not nested"
    assert set(platform.properties["type"]) == resources
    if properties:
        assert set(platform.properties) == {"type", "color", "mem"}
        assert set(platform.properties["color"]) == resources
        assert set(platform.properties["color"].values()) <= set(COLORS)
        assert set(platform.properties["mem"]) == resources
        assert set(platform.properties["mem"].values()) <= set(MEMS)
        for name in ("color", "mem"):
            values = platform.properties[name]
            assert any(
                all(len({values[rid] for rid in block}) == 1 for block in level.blocks)
                for level in platform.levels
            ), "a property is not set per block of some level"
    else:
        assert set(platform.properties) == {"type"}


_COMPARE = {
    ">=": operator.ge,
    "<=": operator.le,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_ATOM = re.compile(
    r"^(?:(?P<name>color|type)='(?P<value>\w+)'|mem(?P<op>>=|<=|=|>|<)(?P<mem>\d+))$"
)


def selects(platform: Platform, expression: str) -> Ids:
    """Reference evaluation of the expressions the strategies write."""
    if not expression:
        return platform.default_resources
    joint = " AND " if " AND " in expression else " OR "
    chosen = []
    for atom in expression.split(joint):
        match = _ATOM.match(atom)
        assert match, f"unexpected expression {expression!r}"
        if match["name"]:
            chosen.append(platform.with_property(match["name"], match["value"]))
        else:
            compare, threshold = _COMPARE[match["op"]], int(match["mem"])
            mems = platform.properties["mem"]
            chosen.append(frozenset(r for r, m in mems.items() if compare(int(m), threshold)))
    return frozenset.intersection(*chosen) if joint == " AND " else frozenset.union(*chosen)


def check_group(platform: Platform, group: Group, *, max_count: int | None = 4) -> None:
    names = [name for name, _ in group.levels]
    assert names
    assert all(n in platform.level_names for n in names)
    assert names == sorted(names, key=platform.level_names.index)
    assert len(set(names)) == len(names)
    for _, count in group.levels:
        if count < 0:
            assert count in SPECIAL_COUNTS
            assert len(names) == 1, f"{group} uses a special count with several levels"
        else:
            assert count >= 1
            assert max_count is None or count <= max_count
    assert group.constraints <= platform.resources
    assert group.constraints == selects(platform, group.expression)


def usable_top_blocks(platform: Platform, group: Group, available: Ids) -> list[Ids]:
    """Top blocks of ``group`` OAR's hierarchical search could take, found top-down."""
    region = group.constraints & available

    def usable(depth: int, block: Ids) -> bool:
        if depth == len(group.levels) - 1:
            return block <= region
        name, count = group.levels[depth + 1]
        inside = [c for c in platform.level(name).blocks if c <= block and usable(depth + 1, c)]
        return len(inside) >= count

    return [b for b in platform.level(group.levels[0][0]).blocks if usable(0, b)]


def impossible(s: FindScenario) -> bool:
    """A group asking more blocks than its top level has at all."""
    return any(g.levels[0][1] > len(s.platform.level(g.levels[0][0]).blocks) for g in s.groups)


def check_jobs(platform: Platform, queue_set: tuple[Queue, ...], drawn: tuple[Job, ...]) -> None:
    ids = [job.id for job in drawn]
    assert ids == sorted(set(ids))
    assert all(i > 0 for i in ids)
    moldable_ids = [m.id for job in drawn for m in job.moldables]
    assert len(moldable_ids) == len(set(moldable_ids))
    names = {q.name for q in queue_set}
    for job in drawn:
        assert 1 <= len(job.moldables) <= 2
        assert job.queue in names
        assert job.submission_time >= 0
        assert ("besteffort" in job.types) == (job.queue == "besteffort")
        assert all(dep < job.id for dep in job.dependencies)
        assert len(set(job.dependencies)) == len(job.dependencies)
        for moldable in job.moldables:
            assert 60 <= moldable.walltime <= 7200
            assert moldable.walltime % 60 == 0
            assert 1 <= len(moldable.groups) <= 2
            for group in moldable.groups:
                check_group(platform, group)


# Structural invariants -----------------------------------------------------------------


@FAST
@given(platforms())
def test_platforms_are_nested_partitions_with_properties(platform: Platform) -> None:
    check_platform(platform)
    assert 1 <= len(platform.resources) <= 64


@FAST
@given(st.data(), st.integers(1, 5), st.integers(0, 4), st.integers(1, 300), st.integers(0, 50))
def test_platforms_respect_bounds(
    data: st.DataObject, min_levels: int, extra_levels: int, low: int, spread: int
) -> None:
    min_levels += 1
    max_levels = min(6, min_levels + extra_levels)
    platform = data.draw(
        platforms(
            min_levels=min_levels,
            max_levels=max_levels,
            min_resources=low,
            max_resources=low + spread,
            properties=False,
        )
    )
    check_platform(platform, properties=False)
    assert min_levels <= len(platform.levels) <= max_levels
    table = platform.table
    assert table is not None
    assert low <= sum(row.type == "default" for row in table.rows) <= low + spread


@FAST
@given(st.data(), st.sampled_from([None, "none", "all", "blocks", "ranges"]))
def test_availability_is_a_subset_of_the_resources(data: st.DataObject, busy: Any) -> None:
    platform = data.draw(platforms())
    free = data.draw(availability(platform, busy=busy))
    assert free <= platform.resources
    if busy == "none":
        assert free == platform.resources
    if busy == "all":
        assert not free
    if busy in {"blocks", "ranges"}:
        assert free < platform.resources
    if busy == "blocks":
        busy_ids = platform.resources - free
        assert any(
            busy_ids == frozenset().union(*(b for b in level.blocks if b <= busy_ids))
            for level in platform.levels
        )


@FAST
@given(st.data(), st.booleans(), st.booleans(), st.integers(1, 6))
def test_groups_are_well_formed(
    data: st.DataObject, special_counts: bool, constraints: bool, max_count: int
) -> None:
    platform = data.draw(platforms())
    group = data.draw(
        groups(
            platform, special_counts=special_counts, constraints=constraints, max_count=max_count
        )
    )
    check_group(platform, group, max_count=max_count)
    if not special_counts:
        assert all(count > 0 for _, count in group.levels)
    if not constraints:
        assert group.expression == ""
        assert group.constraints == platform.default_resources


@FAST
@given(st.data())
def test_requests_hold_between_min_and_max_groups(data: st.DataObject) -> None:
    platform = data.draw(platforms(properties=False))
    drawn = data.draw(requests(platform, min_groups=2, max_groups=4, special_counts=False))
    assert 2 <= len(drawn) <= 4
    for group in drawn:
        check_group(platform, group)
        assert "color" not in group.expression
        assert "mem" not in group.expression


@FAST
@given(find_scenarios())
def test_find_scenarios_are_well_formed(scenario: FindScenario) -> None:
    check_platform(scenario.platform)
    assert scenario.available <= scenario.platform.resources
    assert 1 <= len(scenario.groups) <= 3
    for group in scenario.groups:
        check_group(scenario.platform, group, max_count=None)


@FAST
@given(queues(max_size=8))
def test_queues_have_unique_names(drawn: tuple[Queue, ...]) -> None:
    assert 1 <= len(drawn) <= 8
    assert len({q.name for q in drawn}) == len(drawn)
    for q in drawn:
        assert q.name in QUEUE_NAMES
        assert 0 <= q.priority <= 10
        assert q.state in {"Active", "notActive"}
        assert q.scheduler_policy == "kamelot"


@FAST
@given(st.data())
def test_jobs_are_consistent(data: st.DataObject) -> None:
    platform = data.draw(platforms(max_resources=16))
    queue_set = data.draw(queues())
    drawn = data.draw(jobs(platform, queue_set, max_size=6))
    assert len(drawn) <= 6
    check_jobs(platform, queue_set, drawn)


@FAST
@given(st.data())
def test_moldables_are_numbered_from_one(data: st.DataObject) -> None:
    platform = data.draw(platforms(max_resources=16))
    drawn = data.draw(moldables(platform, max_alternatives=3, max_walltime=600))
    assert [m.id for m in drawn] == list(range(1, len(drawn) + 1))
    assert all(60 <= m.walltime <= 600 and m.walltime % 60 == 0 for m in drawn)


@settings(FAST, max_examples=200)
@given(find_scenarios(max_resources=300, satisfiable=True))
def test_satisfiable_find_scenarios_have_an_answer_for_every_group(scenario: FindScenario) -> None:
    check_platform(scenario.platform)
    assert scenario.available <= scenario.platform.resources
    for group in scenario.groups:
        check_group(scenario.platform, group, max_count=None)
        assert all(count > 0 for _, count in group.levels)
        assert usable_top_blocks(scenario.platform, group, scenario.available)
        region = group.constraints & scenario.available
        assert has_selection(scenario.platform, group, region, region)
    if oar3.status().available:
        assert reference_find(scenario), "OAR3's default find gives no answer"


def test_satisfiable_find_scenarios_shrink_to_one_free_resource() -> None:
    scenario = found(find_scenarios(satisfiable=True), lambda s: True)
    assert scenario.platform.resources == scenario.available == frozenset({0})
    assert scenario.groups == (Group((("resource_id", 1),), frozenset({0})),)


# Corners ------------------------------------------------------------------------------


SMALL_PLATFORM = Platform(
    (
        Level("host", (frozenset({1, 2}), frozenset({3}))),
        Level("core", (frozenset({1}), frozenset({2}), frozenset({3}))),
    )
)


def reach(
    strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool], *, within: int = 300
) -> Any:
    """An example satisfying ``condition`` among the first ``within`` generated (no shrinking).

    Bounding the number of examples checks that the corner is likely, not merely possible.
    """
    tried = 0

    def counted(value: Any) -> bool:
        nonlocal tried
        tried += 1
        return condition(value)

    value = find(strategy, counted, settings=REACH, random=Random(0))
    assert tried <= within, f"needed {tried} examples, more than {within}"
    return value


def test_reaches_everything_busy() -> None:
    reach(find_scenarios(), lambda s: len(s.platform.resources) > 5 and not s.available, within=50)


def test_reaches_nothing_busy() -> None:
    reach(find_scenarios(), lambda s: len(s.platform.resources) > 5 and not s.busy, within=50)


def test_reaches_exactly_fitting_request() -> None:
    def exact(s: FindScenario) -> bool:
        return len(s.busy) >= 2 and any(
            g.levels[0][1] == len(usable_top_blocks(s.platform, g, s.available)) >= 2
            for g in s.groups
        )

    reach(find_scenarios(), exact, within=300)


def test_reaches_exact_fit_of_a_multilevel_group() -> None:
    def exact(s: FindScenario) -> bool:
        return any(
            len(g.levels) >= 2
            and any(n > 1 for _, n in g.levels[1:])
            and g.levels[0][1] == len(usable_top_blocks(s.platform, g, s.available)) >= 2
            for g in s.groups
        )

    reach(find_scenarios(), exact, within=1000)


def test_reaches_impossible_request() -> None:
    reach(find_scenarios(), lambda s: len(s.platform.resources) > 5 and impossible(s), within=50)


def test_reaches_single_resource_platform() -> None:
    reach(find_scenarios(), lambda s: len(s.platform.resources) == 1, within=50)


def test_reaches_six_levels() -> None:
    def deep(p: Platform) -> bool:
        return len(p.levels) == 6 and all(len(level.blocks) > 1 for level in p.levels)

    reach(platforms(), deep, within=400)


def test_reaches_oar3_default_labels_often() -> None:
    def default(p: Platform) -> bool:
        return p.level_names == ("network_address", "resource_id") and len(p.resources) > 5

    reach(platforms(), default, within=20)


def test_reaches_ids_with_holes() -> None:
    reach(platforms(), lambda p: max(p.resources) >= len(p.resources) > 5, within=100)


def test_reaches_a_node_not_contiguous_in_resource_id_order() -> None:
    def split(p: Platform) -> bool:
        return any(max(b) - min(b) + 1 > len(b) for b in p.level("network_address").blocks)

    reach(platforms(), split, within=100)


def test_reaches_other_types_and_states() -> None:
    def mixed(p: Platform) -> bool:
        table = p.table
        assert table is not None
        states = {row.state for row in table.rows}
        return p.default_resources < p.resources and {"Absent", "Dead"} <= states

    reach(platforms(), mixed, within=300)


@pytest.mark.parametrize("order", ORDERS)
def test_reaches_every_resource_order(order: str) -> None:
    reach(platforms(), lambda p: p.table is not None and p.table.order == order, within=100)


def test_reaches_irregular_fan_out() -> None:
    def irregular(p: Platform) -> bool:
        if not {"network_address", "core"} <= set(p.level_names):
            return False
        node, core = p.level("network_address").blocks, p.level("core").blocks
        return len({sum(c <= h for c in core) for h in node[:-1]}) >= 2

    reach(platforms(), irregular)


def test_reaches_queues_sharing_a_priority() -> None:
    reach(queues(), lambda qs: len(qs) > 2 and len({q.priority for q in qs}) < len(qs), within=100)


@pytest.mark.parametrize("special", [ALL, BEST, HALF_BEST])
def test_reaches_special_counts(special: int) -> None:
    reach(find_scenarios(), lambda s: any(g.levels[0][1] == special for g in s.groups), within=300)


@pytest.mark.parametrize("prefix", ["color=", "mem<", "mem>", " AND ", " OR ", "type="])
def test_reaches_property_constraints(prefix: str) -> None:
    reach(find_scenarios(), lambda s: any(prefix in g.expression for g in s.groups), within=800)


@pytest.mark.parametrize(
    "shape",
    [
        r"^/resource_id=1$",
        r"/nodes=1\b",
        r"/nodes=\d/resource_id=[2-9]",
        r"/nodes=\d/c(ore|pu)=",
        r"\+",
    ],
)
def test_reaches_requests_as_users_write_them(shape: str) -> None:
    reach(find_scenarios(), lambda s: re.search(shape, s.oarsub()) is not None, within=300)


def test_reaches_besteffort_jobs_with_dependencies() -> None:
    platform = SMALL_PLATFORM
    queue_set = (Queue("default", 2), Queue("besteffort", 0))

    def wanted(js: tuple[Job, ...]) -> bool:
        return any(j.types == {"besteffort": ""} for j in js) and any(j.dependencies for j in js)

    check_jobs(platform, queue_set, reach(jobs(platform, queue_set), wanted, within=100))


# Shrinking ----------------------------------------------------------------------------


def test_platforms_shrink_to_oar3_defaults_and_one_resource() -> None:
    platform = found(platforms(), lambda p: True)
    assert platform.level_names == ("network_address", "resource_id")
    assert platform.hy_order == ("network_address", "resource_id")
    assert platform.levels[0].blocks == (frozenset({0}),)
    assert platform.properties == {"type": {0: "default"}, "color": {0: "red"}, "mem": {0: "8"}}
    assert platform.table is not None
    assert platform.table.order == "resource_id ASC"


def test_find_scenarios_shrink_to_exactly_three_resources() -> None:
    scenario = found(find_scenarios(), lambda s: len(s.platform.resources) >= 3)
    assert scenario.platform.resources == frozenset({0, 1, 2})
    assert scenario.available == scenario.platform.resources
    assert scenario.groups == (Group((("resource_id", 1),), frozenset({0, 1, 2})),)
    assert scenario.oarsub() == "/resource_id=1"


def test_find_scenarios_shrink_to_the_group_that_matters() -> None:
    scenario = found(
        find_scenarios(max_resources=8), lambda s: any(g.levels[0][1] == BEST for g in s.groups)
    )
    assert scenario.groups == (Group((("resource_id", BEST),), frozenset({0})),)


def test_holes_shrink_to_a_single_dead_resource() -> None:
    platform = found(platforms(max_resources=8), lambda p: max(p.resources) >= len(p.resources))
    assert platform.table is not None
    assert len(platform.table.rows) <= 3
    assert len(platform.resources) < len(platform.table.rows)


def test_availability_shrinks_to_nothing_busy_or_one_busy_resource() -> None:
    platform = SMALL_PLATFORM
    assert found(availability(platform), lambda free: True) == platform.resources
    free = found(availability(platform), lambda free: 0 < len(free) < len(platform.resources))
    assert platform.resources - free == frozenset({1})


def test_queues_shrink_to_default() -> None:
    assert found(queues(), lambda qs: True) == (Queue("default", 0, "Active", "kamelot"),)


def test_jobs_shrink_to_simple_jobs() -> None:
    drawn = found(jobs(SMALL_PLATFORM, (Queue("default", 0),)), lambda js: len(js) >= 2)
    assert [j.id for j in drawn] == [1, 2]
    assert [m.id for j in drawn for m in j.moldables] == [1, 2]
    assert all(j == replace(drawn[0], id=j.id, moldables=j.moldables) for j in drawn)
    assert (drawn[0].user, drawn[0].submission_time, drawn[0].types) == ("alice", 0, {})
    assert drawn[1].moldables[0].walltime == 60


def test_jobs_shrink_away_irrelevant_jobs() -> None:
    queue_set = (Queue("default", 0), Queue("admin", 10))
    strategy = jobs(SMALL_PLATFORM, queue_set, max_size=4)
    drawn = found(strategy, lambda js: any(j.dependencies for j in js))
    assert [(j.id, j.dependencies) for j in drawn] == [(1, ()), (2, (1,))]
    drawn = found(strategy, lambda js: any(len(j.moldables) > 1 for j in js))
    assert len(drawn) == 1


@st.composite
def _subsets(draw: st.DrawFn, small: bool) -> list[int]:
    return draw_subset(draw, (2, 4, 3, 1, 0), 1, 5, small=small)


@pytest.mark.parametrize("small", [False, True])
def test_draw_subset_reaches_every_subset_and_shrinks_to_the_preferred_entries(
    small: bool,
) -> None:
    seen: set[tuple[int, ...]] = set()

    @settings(REACH, max_examples=2000)
    @given(_subsets(small))
    def collect(subset: list[int]) -> None:
        assert len(set(subset)) == len(subset)
        seen.add(tuple(sorted(subset)))

    collect()
    assert len(seen) == 2**5 - 1
    assert found(_subsets(small), lambda s: True) == [2]
    assert sorted(found(_subsets(small), lambda s: len(s) >= 2)) == [2, 4]


# Scale --------------------------------------------------------------------------------


def test_platforms_scale_to_65000_resources() -> None:
    seen: list[int] = []

    @settings(max_examples=4, derandomize=True, database=None, deadline=None)
    @given(platforms(min_resources=60_000, max_resources=70_000))
    def generate(platform: Platform) -> None:
        assert platform.table is not None
        assert 60_000 <= len(platform.table.rows) <= 70_000 + 3
        assert len(platform.resources) <= len(platform.table.rows)
        seen.append(len(platform.resources))

    generate()
    assert len(seen) == 4


def test_find_scenarios_scale_to_65000_resources() -> None:
    @settings(max_examples=3, derandomize=True, database=None, deadline=None)
    @given(find_scenarios(min_resources=65_000, max_resources=65_000))
    def generate(scenario: FindScenario) -> None:
        check_platform(scenario.platform)
        assert scenario.platform.table is not None
        assert sum(r.type == "default" for r in scenario.platform.table.rows) == 65_000
        assert scenario.available <= scenario.platform.resources
        for group in scenario.groups:
            assert group.constraints == selects(scenario.platform, group.expression)

    generate()


# Parameter validation -----------------------------------------------------------------


UNKNOWN_OPTION: dict[str, Any] = {"colour": True}
NOT_A_BOOL: Any = 1
NOT_A_KIND: Any = "some"


@pytest.mark.parametrize(
    ("call", "echo"),
    [
        (lambda: platforms(max_levels=7), "max_levels=7"),
        (lambda: platforms(min_levels=0), "min_levels=0"),
        (lambda: platforms(min_levels=3, max_levels=2), "min_levels=3"),
        (lambda: platforms(min_resources=10, max_resources=5), "max_resources=5"),
        (lambda: platforms(max_resources=10**7), "max_resources=10000000"),
        (lambda: platforms(properties=NOT_A_BOOL), "properties=1"),
        (lambda: availability(SMALL_PLATFORM, busy=NOT_A_KIND), "busy='some'"),
        (lambda: availability(Platform(()), busy=None), "platform=Platform(0 resources"),
        (lambda: groups(SMALL_PLATFORM, max_count=0), "max_count=0"),
        (lambda: requests(SMALL_PLATFORM, min_groups=0), "min_groups=0"),
        (lambda: requests(SMALL_PLATFORM, **UNKNOWN_OPTION), "['colour']"),
        (lambda: find_scenarios(max_groups=99), "max_groups=99"),
        (lambda: find_scenarios(satisfiable=NOT_A_BOOL), "satisfiable=1"),
        (lambda: queues(max_size=9), "max_size=9"),
        (lambda: moldables(SMALL_PLATFORM, max_walltime=30), "max_walltime=30"),
        (lambda: jobs(SMALL_PLATFORM, ()), "queues=()"),
        (lambda: jobs(SMALL_PLATFORM, (Queue("default", 0),), max_size=-1), "max_size=-1"),
    ],
)
def test_bad_parameters_raise_usage_errors(call: Callable[[], object], echo: str) -> None:
    with pytest.raises(UsageError, match=re.escape(echo)):
        call()


@pytest.mark.parametrize("security", [0, 300])
def test_assign_rounds_reach_a_site_s_own_security_time(security: int) -> None:
    """OAR3's default (60 s) most of the time; a round in four uses another value, and a
    shrunk one goes back to the default."""
    from oar_conformance.oar_jobs import JOB_SECURITY_TIME  # noqa: PLC0415

    drawn = find(
        assign_scenarios(max_resources=8, max_jobs=2),
        lambda s: s.job_security_time == security,
        settings=REACH,
        random=Random(0),
    )
    assert drawn.job_security_time == security
    simplest = find(assign_scenarios(), lambda s: True, settings=REACH, random=Random(0))
    assert simplest.job_security_time == JOB_SECURITY_TIME
