"""Known answers of the run-level tallies (F9/A9 vacuity, F10/A10 cost), both ways."""

from __future__ import annotations

import pytest

from oar_conformance.stats import curve_text, growth_exponent
from oar_conformance.tally import MIN_SERVABLE, CostTally, VacuityTally

Case = tuple[str, bool, bool, int, str]


def vacuity(cases: list[Case]) -> VacuityTally[Case, None]:
    tally: VacuityTally[Case, None] = VacuityTally(lambda case, _: case)
    for case in cases:
        tally.add(case, None)
    return tally


def test_vacuous_below_ten_percent_lists_the_shapes_never_served() -> None:
    cases = [("/resource_id=N", True, False, 3, "OAR3's default find")] * 15
    cases += [("/nodes=N", True, False, 1, "OAR3's default find")] * 5
    cases += [("/nodes=N/core=N", True, True, 2, "OAR3's default find")]
    verdict = vacuity(cases).verdict()
    assert verdict is not None
    assert verdict.breach.kind == "vacuous"
    assert "allocated on 1 of the 21 examples where OAR3's default find does" in (
        verdict.breach.message
    )
    assert "never served: /resource_id=N; /nodes=N" in verdict.breach.message
    assert verdict.scenario[3] == 1  # the smallest missed example is shown


def test_ten_percent_or_unservable_examples_are_not_vacuous() -> None:
    served = [("/a", True, True, 1, "r")] * 2 + [("/a", True, False, 1, "r")] * 18
    assert vacuity(served).verdict() is None
    unservable = [("/a", False, False, 1, "r")] * 50 + [("/a", True, True, 1, "r")] * 10
    assert vacuity(unservable).verdict() is None


def test_too_few_servable_examples_cannot_be_judged() -> None:
    tally = vacuity([("/a", True, False, 1, "r")] * (MIN_SERVABLE - 1))
    assert tally.verdict() is None
    assert "could serve only 9 examples" in (tally.unjudged() or "")
    assert vacuity([("/a", True, False, 1, "r")] * MIN_SERVABLE).unjudged() is None


def cost(
    samples: list[tuple[int, float]], target: int, budget: float
) -> CostTally[tuple[int, float], None]:
    tally: CostTally[tuple[int, float], None] = CostTally(lambda s, _: s, target, budget)
    for sample in samples:
        tally.add(sample, None)
    return tally


def test_quadratic_calls_break_the_budget_at_the_sites_size() -> None:
    samples = [(n, 1e-6 * n * n) for n in (10, 100, 500, 1000, 1000)]
    verdict = cost(samples, 1000, 0.5).verdict()
    assert verdict is not None
    assert verdict.scenario == (1000, 1.0)
    assert "takes 1.00 s (median of 3)" in verdict.breach.message
    assert "time ~ size^2.00" in verdict.breach.message


def test_fast_calls_or_small_platforms_pass_or_are_unjudged() -> None:
    assert cost([(1000, 0.1), (900, 0.2)], 1000, 0.5).verdict() is None
    small = cost([(16, 0.1), (64, 0.2)], 65_536, 2.0)
    assert small.verdict() is None
    assert "no example reached 65,536 resources" in (small.unjudged() or "")


def test_growth_exponent_and_curve() -> None:
    assert growth_exponent([(n, 3e-5 * n) for n in (10, 100, 1000)]) == pytest.approx(1.0)
    assert growth_exponent([(10, 1.0), (20, 2.0), (30, 3.0)]) is None  # less than 4x apart
    assert curve_text([(12, 0.001), (1500, 0.5)]) == "10+ res: 1.0 ms, 1,000+ res: 500.0 ms"
