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
from oar_conformance.hierarchy import group_problem, has_selection, split_result
from oar_conformance.model import ALL, BEST, HALF_BEST, Group, Level, Platform
from oar_conformance.outcome import PluginError


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
