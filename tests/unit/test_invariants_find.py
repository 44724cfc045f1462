"""Known-answer tests of the find invariants F1-F10 on hand-built plain values.

The platform used throughout::

    switch 1-8                     switch 9-12
      host 1-4      host 5-8         host 9-12
        core 1-2 3-4  5-6 7-8          core 9-10 11-12

Cores hold two resource ids each; ``color`` is red on 1-8 and blue on 9-12.
"""

from __future__ import annotations

import pytest

from oar_conformance.catalogue import get, registered
from oar_conformance.families.find.outcome import FindOutcome
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.hierarchy import (
    SEARCH_BUDGET,
    UNDECIDED_SPLIT,
    _OutOfBudget,
    _selections,
    group_problem,
    has_selection,
    split_result,
)
from oar_conformance.model import ALL, BEST, HALF_BEST, Group, Level, Platform
from oar_conformance.options import CheckOptions
from oar_conformance.outcome import PluginError
from oar_conformance.violations import Breach, Unjudged


def ids(*ranges: tuple[int, int] | int) -> frozenset[int]:
    out: set[int] = set()
    for r in ranges:
        if isinstance(r, tuple):
            out.update(range(r[0], r[1] + 1))
        else:
            out.add(r)
    return frozenset(out)


PLATFORM = Platform(
    levels=(
        Level("switch", (ids((1, 8)), ids((9, 12)))),
        Level("host", (ids((1, 4)), ids((5, 8)), ids((9, 12)))),
        Level(
            "core",
            (ids(1, 2), ids(3, 4), ids(5, 6), ids(7, 8), ids(9, 10), ids(11, 12)),
        ),
    ),
    properties={"color": {i: ("red" if i <= 8 else "blue") for i in range(1, 13)}},
)
EVERYTHING = PLATFORM.resources
RED = ids((1, 8))


def group(*levels: tuple[str, int], constraints: frozenset[int] = EVERYTHING) -> Group:
    return Group(levels=levels, constraints=constraints, expression="")


def scenario(*groups: Group, available: frozenset[int] = EVERYTHING) -> FindScenario:
    return FindScenario(platform=PLATFORM, available=available, groups=groups)


def outcome(result: frozenset[int] | None, **kw: object) -> FindOutcome:
    return FindOutcome(result=result, **kw)  # type: ignore[arg-type]


def violated(inv_id: str, sc: FindScenario, out: FindOutcome) -> list[str]:
    return [v.kind for v in get(inv_id).check(sc, out)]


# --- what "the requested hierarchy is satisfied" means ------------------------------------

GROUP_CASES = [
    # (request, available, selection, problem substring or None)
    ("host=1 whole host", group(("host", 1)), EVERYTHING, ids((1, 4)), None),
    ("host=1 partial host", group(("host", 1)), EVERYTHING, ids((1, 3)), "only partly"),
    ("host=2 one host", group(("host", 2)), EVERYTHING, ids((1, 4)), "1 host block taken"),
    ("host=1 busy inside", group(("host", 1)), EVERYTHING - {2}, ids((1, 4)), "not entirely"),
    (
        "/host=2/core=1 nested",
        group(("host", 2), ("core", 1)),
        EVERYTHING,
        ids(1, 2, 5, 6),
        None,
    ),
    (
        "/host=2/core=1 two cores in one host",
        group(("host", 2), ("core", 1)),
        EVERYTHING,
        ids((1, 4)),
        "1 host block taken",
    ),
    (
        "/switch=1/core=3 skips host",
        group(("switch", 1), ("core", 3)),
        EVERYTHING,
        ids((1, 6)),
        None,
    ),
    (
        "constraints respected",
        group(("host", 1), constraints=RED),
        EVERYTHING,
        ids((9, 12)),
        "not entirely free",
    ),
    ("ALL takes every host", group(("host", ALL)), EVERYTHING, EVERYTHING, None),
    ("ALL short of one", group(("host", ALL)), EVERYTHING, ids((1, 8)), "ALL asks"),
    ("BEST takes the free hosts", group(("host", BEST)), ids((1, 8)), ids((1, 8)), None),
    ("BEST leaves one free", group(("host", BEST)), ids((1, 8)), ids((1, 4)), "BEST asks"),
    ("HALF_BEST of 3 is 1", group(("host", HALF_BEST)), EVERYTHING, ids((5, 8)), None),
    ("HALF_BEST of 3 is not 2", group(("host", HALF_BEST)), EVERYTHING, ids((1, 8)), "half"),
]


@pytest.mark.parametrize(
    ("g", "available", "selection", "problem"),
    [case[1:] for case in GROUP_CASES],
    ids=[case[0] for case in GROUP_CASES],
)
def test_group_problem_known_answers(
    g: Group, available: frozenset[int], selection: frozenset[int], problem: str | None
) -> None:
    found = group_problem(PLATFORM, g, g.constraints & available, selection)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found


def test_split_overlapping_groups_may_share_resources() -> None:
    """``/host=1+/host=1`` answered with one host: valid (OAR3's default does it), not disjoint."""
    groups = (group(("host", 1)), group(("host", 1)))
    assert split_result(PLATFORM, groups, EVERYTHING, ids((1, 4))).parts is not None
    disjoint = split_result(PLATFORM, groups, EVERYTHING, ids((1, 4)), disjoint=True)
    assert disjoint.parts is None
    assert not disjoint.undecided
    two_hosts = split_result(PLATFORM, groups, EVERYTHING, ids((1, 8)), disjoint=True)
    assert two_hosts.parts is not None


def test_split_of_a_huge_overlapping_answer_gives_up_within_its_budget() -> None:
    """``/host=1500+/host=1500`` on 3,000 one-resource hosts, answered with all of them.

    Enumerating selections would never end; the search stops after ``SEARCH_BUDGET`` ids
    of work, says undecided, and so claims no violation.
    """
    hosts = tuple(frozenset({i}) for i in range(1, 3001))
    platform = Platform((Level("host", hosts),))
    everything = platform.resources
    groups = (Group((("host", 1500),), everything), Group((("host", 1500),), everything))
    split = split_result(platform, groups, everything, everything, disjoint=True)
    assert split.parts is None
    assert split.undecided


def test_split_rejects_an_extra_host() -> None:
    groups = (group(("host", 1), constraints=RED), group(("host", 1), constraints=ids((9, 12))))
    assert split_result(PLATFORM, groups, EVERYTHING, ids((1, 4), (9, 12))).parts is not None
    assert split_result(PLATFORM, groups, EVERYTHING, EVERYTHING).parts is None


# --- each invariant, both ways ---------------------------------------------------------


def test_f1_busy_and_outside_constraints() -> None:
    sc = scenario(group(("host", 1), constraints=RED), available=EVERYTHING - {1})
    assert violated("F1", sc, outcome(ids((5, 8)))) == []
    assert violated("F1", sc, outcome(ids((1, 4)))) == ["busy"]
    assert violated("F1", sc, outcome(ids((9, 12)))) == ["constraints"]
    assert violated("F1", sc, outcome(frozenset())) == []


def test_f2_counts_and_deference() -> None:
    sc = scenario(group(("host", 2), ("core", 1)))
    assert violated("F2", sc, outcome(ids(1, 2, 5, 6))) == []
    assert violated("F2", sc, outcome(ids((1, 2), (5, 8)))) == ["shape"]
    busy = scenario(group(("host", 1)), available=ids((5, 12)))
    assert violated("F2", busy, outcome(ids((1, 4)))) == [], "F1's breach is left to F1"


def test_f3_partial_answer_to_a_two_group_request() -> None:
    sc = scenario(group(("host", 1), constraints=RED), group(("host", 1), constraints=ids((9, 12))))
    assert violated("F3", sc, outcome(ids((1, 4), (9, 12)))) == []
    assert violated("F3", sc, outcome(ids((1, 4)))) == ["partial"]
    assert violated("F3", sc, outcome(frozenset())) == []


def test_f4_mutation_reported() -> None:
    sc = scenario(group(("host", 1)))
    assert violated("F4", sc, outcome(ids((1, 4)))) == []
    assert violated("F4", sc, outcome(ids((1, 4)), mutated=("itvs_avail",))) == ["itvs_avail"]


def test_f5_repeat_must_match() -> None:
    sc = scenario(group(("host", 1)))
    assert violated("F5", sc, outcome(ids((1, 4)), repeat=ids((1, 4)))) == []
    assert violated("F5", sc, outcome(ids((1, 4)), repeat=ids((5, 8)))) == ["nondeterministic"]
    error = PluginError("raised", "ValueError: x")
    assert violated("F5", sc, outcome(ids((1, 4)), repeat_error=error)) == ["nondeterministic"]


@pytest.mark.parametrize("kind", ["raised", "timeout", "type"])
def test_f6_failed_calls(kind: str) -> None:
    sc = scenario(group(("host", 1)))
    assert violated("F6", sc, outcome(ids((1, 4)))) == []
    assert violated("F6", sc, outcome(None, error=PluginError(kind, "boom"))) == [kind]
    for other in ("F1", "F2", "F3", "F5", "F7", "F8"):
        assert violated(other, sc, outcome(None, error=PluginError(kind, "boom"))) == []


def test_f7_overlap_is_advisory() -> None:
    sc = scenario(group(("host", 1)), group(("host", 1)))
    assert violated("F7", sc, outcome(ids((1, 8)))) == []
    assert violated("F7", sc, outcome(ids((1, 4)))) == ["overlap"]
    assert get("F7").severity.value == "advisory"


def test_f8_misses_what_the_default_finds() -> None:
    sc = scenario(group(("host", 1)))
    assert violated("F8", sc, outcome(frozenset(), reference=ids((1, 4)))) == ["missed"]
    assert violated("F8", sc, outcome(frozenset(), reference=frozenset())) == []
    assert violated("F8", sc, outcome(ids((5, 8)), reference=ids((1, 4)))) == []


def test_catalogue_is_complete_and_documented() -> None:
    find_ids = [inv.id for inv in registered() if inv.family == "find"]
    assert find_ids == [f"F{i}" for i in range(1, 11)]
    for inv in registered():
        assert inv.title
        assert inv.rationale.endswith(".")
        assert inv.slug.replace("-", "").isalnum()


def test_f3_group_served_only_by_overlap_is_not_starved() -> None:
    """``/host=1+/host=1`` answered with one host serves both groups (F7's business)."""
    sc = scenario(group(("host", 1)), group(("host", 1)))
    assert violated("F3", sc, outcome(ids((1, 4)))) == []
    short = scenario(group(("host", 1)), group(("host", 2)))
    assert violated("F3", short, outcome(ids((1, 4)))) == ["partial"]
    assert violated("F2", short, outcome(ids((1, 4)))) == [], "F3's breach is left to F3"


@pytest.mark.parametrize(
    ("g", "usable", "expected"),
    [
        (group(("host", 2), ("core", 2)), EVERYTHING, True),
        (group(("host", 2), ("core", 2)), EVERYTHING - {1}, True),
        (group(("host", 3), ("core", 2)), EVERYTHING - {1}, False),
        (group(("switch", 1), ("core", 3)), ids((1, 6)), True),
        (group(("host", ALL)), EVERYTHING - {12}, False),
        (group(("host", BEST)), ids((1, 8)), False),
        (group(("host", BEST)), EVERYTHING, True),
        (group(("host", HALF_BEST)), ids((1, 4)), True),
        (group(("host", HALF_BEST)), ids(1), False),
    ],
)
def test_has_selection(g: Group, usable: frozenset[int], expected: bool) -> None:
    assert has_selection(PLATFORM, g, usable, EVERYTHING) is expected


def test_f3_names_the_starved_group_and_leaves_a_wholly_wrong_answer_to_f2() -> None:
    """Pins ``_starved_groups``: the starved group is the one named; when every group is
    starved the answer is F2's (wrong shape), not a partial allocation."""
    sc = scenario(group(("host", 1), constraints=RED), group(("host", 1), constraints=ids((9, 12))))
    (breach,) = get("F3").check(sc, outcome(ids((1, 4))))
    assert breach.message.startswith("group 2 (/host=1) got no valid answer")
    assert "group 1" not in breach.message
    three = scenario(group(("host", 1)), group(("host", 1)), group(("host", 2)))
    (breach,) = get("F3").check(three, outcome(ids((1, 4))))
    assert breach.message.startswith("group 3 (/host=2) got no valid answer")
    neither = ids(1, 2, 9)
    assert violated("F3", sc, outcome(neither)) == []
    assert violated("F2", sc, outcome(neither)) == ["shape"]


def test_f3_a_group_whose_part_is_busy_is_starved() -> None:
    """Pins ``has_selection``'s ``free`` argument in ``_starved_groups``: a group is served
    only by whole free blocks, so host 1-4 with 1 busy serves no ``/host=1``."""
    sc = scenario(group(("host", 1)), group(("host", 2)), available=EVERYTHING - {1})
    assert violated("F3", sc, outcome(ids((5, 12)))) == []
    short = scenario(group(("host", 1)), group(("host", 2)), available=ids((2, 12)))
    assert violated("F3", short, outcome(ids((5, 8)))) == ["partial"]


def test_f1_expectation_when_nothing_is_allowed() -> None:
    """Pins ``_nothing_allowed``: F1's expectation says why no answer could be allowed."""
    constrained = scenario(group(("host", 1), constraints=RED), available=ids((9, 12)))
    (breach,) = get("F1").check(constrained, outcome(ids((9, 12))))
    assert breach.kind == "constraints"
    assert breach.expected == ("an empty ProcSet: no resource meeting the constraints is available")
    empty = Group(levels=(("host", 1),), constraints=frozenset(), expression="color='green'")
    (breach,) = get("F1").check(scenario(empty), outcome(ids((9, 12))))
    assert breach.expected == "an empty ProcSet: nothing matches {color='green'}"
    bare = Group(levels=(("host", 1),), constraints=frozenset(), expression="")
    (breach,) = get("F1").check(scenario(bare), outcome(ids((9, 12))))
    assert breach.expected == "an empty ProcSet: nothing matches the constraints"
    (busy,) = get("F1").check(scenario(group(("host", 1)), available=frozenset()), outcome(ids(1)))
    assert busy.expected == "an empty ProcSet: every resource is busy"


def test_f9_reads_shape_servability_and_reference_of_each_example() -> None:
    """Pins ``_vacuity_case`` and ``_servable``: what F9's tally counts of one example."""
    read = get("F9").tally(CheckOptions()).read  # type: ignore[union-attr]
    two = scenario(group(("host", 2)), Group((("core", 1),), RED, "color='red'"))
    assert read(two, outcome(ids((1, 8)))) == (
        "/host=N+{...}/core=N",
        True,
        True,
        12,
        "the kit's own search",
    )
    assert read(two, outcome(frozenset(), reference=ids(1, 2))) == (
        "/host=N+{...}/core=N",
        True,
        False,
        12,
        "OAR3's default find",
    )
    assert read(two, outcome(ids(1), reference=frozenset()))[1:3] == (False, True)
    assert read(two, outcome(None, error=PluginError("raised", "boom"))) is None
    each_alone = scenario(group(("host", 2)), group(("host", 2)), available=ids((1, 8)))
    assert read(each_alone, outcome(frozenset()))[1] is True
    starved = scenario(group(("host", 2)), group(("host", 3)), available=ids((1, 8)))
    assert read(starved, outcome(frozenset()))[1] is False


def test_f10_reads_platform_size_and_call_time() -> None:
    """Pins ``_timed``: F10's tally reads (platform size, seconds), nothing of a failed call."""
    read = get("F10").tally(CheckOptions()).read  # type: ignore[union-attr]
    sc = scenario(group(("host", 1)))
    assert read(sc, outcome(ids((1, 4)), seconds=0.25)) == (12, 0.25)
    assert read(sc, outcome(None, error=PluginError("raised", "boom"), seconds=0.25)) is None


def _all_selections(g: Group, usable: frozenset[int], free: frozenset[int]) -> list[frozenset[int]]:
    return list(_selections(PLATFORM, g, usable, free, [SEARCH_BUDGET]))


@pytest.mark.parametrize(
    ("g", "usable", "free", "expected"),
    [
        (
            group(("host", 2)),
            EVERYTHING,
            EVERYTHING,
            [ids((1, 8)), ids((1, 4), (9, 12)), ids((5, 12))],
        ),
        (group(("host", 1)), EVERYTHING - {1}, EVERYTHING, [ids((5, 8)), ids((9, 12))]),
        (
            group(("host", 2), ("core", 1)),
            ids((3, 8)),
            EVERYTHING,
            [ids(3, 4, 5, 6), ids(3, 4, 7, 8)],
        ),
        (group(("switch", 1), ("core", 3)), ids((1, 6), (9, 12)), EVERYTHING, [ids((1, 6))]),
        (group(("host", ALL)), EVERYTHING, EVERYTHING, [EVERYTHING]),
        (group(("host", ALL)), EVERYTHING - {12}, EVERYTHING, []),
        (group(("host", BEST)), ids((1, 8)), ids((1, 8)), [ids((1, 8))]),
        (group(("host", BEST)), ids((1, 4)), ids((1, 8)), []),
        (group(("host", BEST)), EVERYTHING, frozenset(), []),
        (group(("host", HALF_BEST)), ids((1, 8)), EVERYTHING, [ids((1, 4)), ids((5, 8))]),
        (group(("host", HALF_BEST)), ids((1, 8)), ids((1, 4)), []),
        (group(("host", ALL), ("core", 1)), EVERYTHING, EVERYTHING, []),
    ],
    ids=[
        "host=2",
        "host=1 without a busy host",
        "host=2/core=1 nested",
        "switch=1/core=3 skips host",
        "ALL",
        "ALL with a busy id",
        "BEST",
        "BEST not usable",
        "BEST nothing free",
        "HALF_BEST",
        "HALF_BEST of one",
        "ALL above the lowest level",
    ],
)
def test_selections_enumerate_every_valid_answer(
    g: Group, usable: frozenset[int], free: frozenset[int], expected: list[frozenset[int]]
) -> None:
    """Pins ``_selections``, the enumeration ``split_result`` searches among overlapping groups."""
    assert _all_selections(g, usable, free) == expected


def test_selections_pay_each_selection_from_the_budget() -> None:
    """Pins ``_spend``: each selection costs its size (at least 1); below zero the search stops."""
    cores = Platform((Level("core", (frozenset({1}), frozenset({2}), frozenset({3}))),))
    one = Group((("core", 1),), cores.resources)
    budget = [3]
    assert len(list(_selections(cores, one, cores.resources, cores.resources, budget))) == 3
    assert budget == [0]
    with pytest.raises(_OutOfBudget):
        list(_selections(cores, one, cores.resources, cores.resources, [2]))
    pairs = Group((("core", 2),), cores.resources)
    budget = [6]
    list(_selections(cores, pairs, cores.resources, cores.resources, budget))
    assert budget == [0]


@pytest.mark.parametrize(
    ("g", "region", "selection", "problem"),
    [
        (group(("host", 1)), EVERYTHING, frozenset(), "it took nothing for this group"),
        (
            group(("host", ALL), ("core", 1)),
            EVERYTHING,
            ids(1, 2),
            "host=ALL is only meaningful with one level",
        ),
        (
            group(("host", 0), ("core", 1)),
            EVERYTHING,
            ids(1, 2),
            "1 host block taken in the platform, 0 requested",
        ),
        (
            group(("host", 1), ("core", 2)),
            EVERYTHING,
            ids(1, 2),
            "1 core block taken in host 1-4, 2 requested",
        ),
        (
            group(("host", 0)),
            EVERYTHING,
            ids((1, 4)),
            "host=0 is not a valid count (positive, ALL, BEST or HALF_BEST)",
        ),
        (
            group(("host", ALL)),
            EVERYTHING,
            ids((1, 8)),
            "host=ALL asks for all 3 host blocks, 2 taken",
        ),
        (
            group(("host", HALF_BEST)),
            EVERYTHING,
            ids((1, 8)),
            "host=HALF_BEST asks for half of the 3 free host blocks (1), 2 taken",
        ),
        (group(("host", HALF_BEST)), ids((1, 8)), ids((1, 4)), None),
    ],
    ids=[
        "nothing taken",
        "ALL above the lowest level",
        "zero above the lowest level",
        "inner count names its block",
        "zero at the lowest level",
        "ALL short of one",
        "HALF_BEST of 3 taking 2",
        "HALF_BEST of 2 is 1",
    ],
)
def test_group_problem_says_exactly_what_is_wrong(
    g: Group, region: frozenset[int], selection: frozenset[int], problem: str | None
) -> None:
    """Pins ``group_problem``'s messages, the text F2 and A4 show."""
    assert group_problem(PLATFORM, g, region, selection) == problem


def test_has_selection_edges() -> None:
    """Pins ``has_selection`` where a block equals the usable ids, counts are 0 or special
    above the lowest level, and BEST or HALF_BEST sit below another level."""
    host = Platform((Level("host", (ids(1, 2),)), Level("core", (ids(1), ids(2)))))
    assert has_selection(host, Group((("host", ALL),), ids(1, 2)), ids(1, 2), ids(1, 2))
    assert has_selection(host, Group((("host", BEST),), ids(1, 2)), ids(1, 2), ids(1, 2))
    assert not has_selection(PLATFORM, group(("host", 0)), EVERYTHING, EVERYTHING)
    assert not has_selection(PLATFORM, group(("host", ALL), ("core", 1)), EVERYTHING, EVERYTHING)
    assert not has_selection(PLATFORM, group(("host", HALF_BEST)), ids((1, 4)), ids((1, 4)))
    assert has_selection(PLATFORM, group(("host", HALF_BEST)), ids((1, 8)), ids((1, 8)))
    below = group(("switch", 1), ("host", BEST))
    assert has_selection(PLATFORM, below, ids((1, 8)), ids((1, 8)))


def test_split_among_overlapping_groups_gives_the_first_valid_parts() -> None:
    """Pins ``split_result``'s search: parts in the groups' order, BEST judged on the free
    region, a selection that overlaps (disjoint) or cannot complete the cover skipped."""
    two_then_one = (group(("host", 2)), group(("host", 1)))
    assert split_result(PLATFORM, two_then_one, EVERYTHING, EVERYTHING).parts == (
        ids((1, 8)),
        ids((9, 12)),
    )
    disjoint = split_result(PLATFORM, two_then_one, EVERYTHING, EVERYTHING, disjoint=True)
    assert disjoint.parts == (ids((1, 8)), ids((9, 12)))
    best = (group(("host", BEST)), group(("host", 1)))
    assert split_result(PLATFORM, best, EVERYTHING, EVERYTHING).parts == (EVERYTHING, ids((1, 4)))
    assert split_result(PLATFORM, best, EVERYTHING, ids((1, 8))).parts is None


def test_best_groups_are_judged_on_their_free_region() -> None:
    """Pins the free region F3 and F9 hand to ``has_selection`` (BEST counts read it)."""
    sc = scenario(group(("host", BEST)), group(("host", 1)), available=ids((1, 8)))
    assert violated("F3", sc, outcome(ids((1, 8)))) == []
    assert violated("F3", sc, outcome(ids((1, 4)))) == ["partial"]
    read = get("F9").tally(CheckOptions()).read  # type: ignore[union-attr]
    assert read(sc, outcome(frozenset()))[1] is True


def test_f1_names_every_selector_that_matches_nothing() -> None:
    """Pins ``_nothing_allowed``'s list of selectors, joined by "or"."""
    green = Group(levels=(("host", 1),), constraints=frozenset(), expression="color='green'")
    pink = Group(levels=(("host", 1),), constraints=frozenset(), expression="color='pink'")
    (breach,) = get("F1").check(scenario(green, pink), outcome(ids(1)))
    assert breach.expected == "an empty ProcSet: nothing matches {color='green'} or {color='pink'}"


def test_selections_edges() -> None:
    """Pins ``_selections`` where a block is its whole scope (one host holding every id, a
    core equal to its host), counts of 0, HALF_BEST of two free hosts, BEST below a level."""
    host = Platform((Level("host", (ids(1, 2),)), Level("core", (ids(1), ids(2)))))
    whole = frozenset({1, 2})

    def on_host(*levels: tuple[str, int]) -> list[frozenset[int]]:
        return list(_selections(host, Group(levels, whole), whole, whole, [SEARCH_BUDGET]))

    assert on_host(("host", 1), ("core", 2)) == [whole]
    assert on_host(("host", ALL)) == [whole]
    assert on_host(("host", BEST)) == [whole]
    single = Platform((Level("host", (ids(1),)), Level("core", (ids(1),))))
    one = frozenset({1})
    assert list(
        _selections(single, Group((("host", 1), ("core", 1)), one), one, one, [SEARCH_BUDGET])
    ) == [one]
    assert _all_selections(group(("host", 0)), EVERYTHING, EVERYTHING) == []
    assert _all_selections(group(("host", 0), ("core", 1)), EVERYTHING, EVERYTHING) == []
    half = _all_selections(group(("host", HALF_BEST)), ids((1, 8)), ids((1, 8)))
    assert half == [ids((1, 4)), ids((5, 8))]
    below = _all_selections(group(("switch", 1), ("host", BEST)), ids((1, 8)), ids((1, 8)))
    assert below == [ids((1, 8))]


def _hosts(hosts: int, per_host: int) -> Platform:
    """``hosts`` hosts of ``per_host`` resource ids each, ids from 1."""
    blocks = [ids((h * per_host + 1, (h + 1) * per_host)) for h in range(hosts)]
    return Platform(
        levels=(
            Level("network_address", tuple(blocks)),
            Level("resource_id", tuple(frozenset({i}) for b in blocks for i in sorted(b))),
        ),
        properties={},
    )


def test_f7_judges_groups_too_big_to_be_apart_without_searching() -> None:
    """``/network_address=1/resource_id=1 + /resource_id=3 + /network_address=5/resource_id=8``
    answered with the 40 ids of 5 hosts (OAR3's default does so): the three groups need
    at least 44 ids apart, so they overlap; the search of every split of 40 ids among
    them runs out of budget, and this example used to go unjudged."""
    platform = _hosts(5, 8)
    everything = platform.resources
    groups = (
        Group((("network_address", 1), ("resource_id", 1)), everything, ""),
        Group((("resource_id", 3),), everything, ""),
        Group((("network_address", 5), ("resource_id", 8)), everything, ""),
    )
    sc = FindScenario(platform=platform, available=everything, groups=groups)
    found = list(get("F7").check(sc, outcome(everything)))
    assert [getattr(v, "kind", v) for v in found] == ["overlap"]


@pytest.mark.parametrize(
    ("counts", "result", "apart"),
    [
        ((2, 2), 4, True),  # exactly enough ids for both
        ((2, 3), 4, False),  # 5 ids needed apart, 4 given
        ((1, 1, 2), 4, True),
    ],
)
def test_split_apart_needs_as_many_ids_as_the_smallest_answers(
    counts: tuple[int, ...], result: int, apart: bool
) -> None:
    platform = _hosts(1, 6)
    answer = ids((1, result))
    groups = [Group((("resource_id", c),), platform.resources, "") for c in counts]
    split = split_result(platform, groups, platform.resources, answer, disjoint=True)
    assert not split.undecided
    assert (split.parts is not None) == apart


# --- exact verdicts: every field of what each check yields ---------------------------------


def judged(inv_id: str, sc: FindScenario, out: FindOutcome) -> list[Breach | Unjudged]:
    return list(get(inv_id).judge(sc, out))


def test_f1_says_what_is_busy_and_what_is_outside_the_constraints() -> None:
    sc = scenario(group(("host", 1), constraints=RED), available=EVERYTHING - {1})
    assert judged("F1", sc, outcome(ids((1, 4), (9, 12)))) == [
        Breach(
            "returned busy resources 1",
            received="1-4,9-12",
            expected="a subset of the available resources 2-12",
            kind="busy",
        ),
        Breach(
            "returned resources 9-12 outside every group's constraints",
            received="1-4,9-12",
            expected="a subset of 2-8",
            kind="constraints",
        ),
    ]
    nothing_free = scenario(group(("host", 1)), available=frozenset())
    assert judged("F1", nothing_free, outcome(ids((1, 4)))) == [
        Breach(
            "returned busy resources 1-4",
            received="1-4",
            expected="an empty ProcSet: every resource is busy",
            kind="busy",
        )
    ]


def test_f2_names_each_group_that_is_answered_wrongly() -> None:
    blue = ids((9, 12))
    two = scenario(group(("host", 1), constraints=RED), group(("core", 1), constraints=blue))
    assert judged("F2", two, outcome(ids((1, 4), (9, 12)))) == [
        Breach(
            "group 2 (/core=1): 2 core blocks taken in the platform, 1 requested",
            received="1-4,9-12",
            expected="an answer to /host=1+/core=1",
            kind="shape",
        )
    ]
    both = scenario(group(("host", 1)), group(("core", 1)))
    assert judged("F2", both, outcome(ids((1, 5)))) == [
        Breach(
            "group 1 (/host=1): host block 5-8 is only partly taken (5); lowest requested "
            "blocks must be whole; group 2 (/core=1): core block 5-6 is only partly taken "
            "(5); lowest requested blocks must be whole",
            received="1-5",
            expected="an answer to /host=1+/core=1",
            kind="shape",
        )
    ]
    one = scenario(group(("host", 1)))
    assert judged("F2", one, outcome(ids((1, 5)))) == [
        Breach(
            "/host=1: host block 5-8 is only partly taken (5); lowest requested blocks must "
            "be whole",
            received="1-5",
            expected="an answer to /host=1",
            kind="shape",
        )
    ]


def test_f3_names_every_starved_group() -> None:
    three = scenario(
        group(("host", 1), constraints=RED),
        group(("host", 1), constraints=ids((9, 12))),
        group(("core", 1), constraints=ids((9, 12))),
    )
    assert judged("F3", three, outcome(ids((1, 4)))) == [
        Breach(
            "group 2 (/host=1), group 3 (/core=1) got no valid answer while the other groups "
            "were served",
            received="1-4",
            expected="an answer for every group, or an empty ProcSet",
            kind="partial",
        )
    ]


def test_f4_names_every_input_changed() -> None:
    changed = outcome(ids((1, 4)), mutated=("itvs_avail", "hy"))
    assert judged("F4", scenario(group(("host", 1))), changed) == [
        Breach(
            "the call changed itvs_avail, hy",
            received="itvs_avail, hy modified in place",
            expected="inputs left as they were (copy before changing)",
            kind="itvs_avail+hy",
        )
    ]


@pytest.mark.parametrize(
    ("first", "second", "received"),
    [
        (ids((1, 4)), PluginError("raised", "E: x"), "first 1-4, then error: E: x"),
        (frozenset(), ids((1, 4)), "first an empty ProcSet, then 1-4"),
        (ids((1, 4)), frozenset(), "first 1-4, then an empty ProcSet"),
    ],
)
def test_f5_shows_both_answers(
    first: frozenset[int], second: frozenset[int] | PluginError, received: str
) -> None:
    again = {"repeat_error": second} if isinstance(second, PluginError) else {"repeat": second}
    assert judged("F5", scenario(group(("host", 1))), outcome(first, **again)) == [
        Breach(
            "two identical calls gave different answers",
            received=received,
            expected="the same answer both times",
            kind="nondeterministic",
        )
    ]


def test_f2_and_f7_leave_an_answer_the_split_cannot_decide_unjudged() -> None:
    """``/host=1500+/host=1501`` on 3,000 one-resource hosts, answered with all of them."""
    hosts = tuple(frozenset({i}) for i in range(1, 3001))
    platform = Platform((Level("host", hosts),))
    everything = platform.resources
    groups = (Group((("host", 1500),), everything), Group((("host", 1501),), everything))
    sc = FindScenario(platform=platform, available=everything, groups=groups)
    for inv_id in ("F2", "F7"):
        assert judged(inv_id, sc, outcome(everything)) == [Unjudged(UNDECIDED_SPLIT)]
    assert judged("F3", sc, outcome(everything)) == []


def test_f7_leaves_an_answer_the_disjoint_split_cannot_decide_unjudged() -> None:
    """``/host=25+/host=25`` on 50 hosts, answered with all: the two groups fit apart by
    size, and the search among their selections runs out of budget (unjudged); with
    ``/host=2+/host=49`` they cannot fit apart, which is decided without a search."""
    hosts = tuple(frozenset({i}) for i in range(1, 51))
    platform = Platform((Level("host", hosts),))
    everything = platform.resources
    halves = (Group((("host", 25),), everything), Group((("host", 25),), everything))
    sc = FindScenario(platform=platform, available=everything, groups=halves)
    assert judged("F7", sc, outcome(everything)) == [Unjudged(UNDECIDED_SPLIT)]
    groups = (Group((("host", 2),), everything), Group((("host", 49),), everything))
    sc = FindScenario(platform=platform, available=everything, groups=groups)
    assert split_result(platform, groups, everything, everything).parts is not None
    assert [v.kind for v in judged("F7", sc, outcome(everything)) if isinstance(v, Breach)] == [
        "overlap"
    ]
