"""README.md states the code's numbers: limits, budgets, profiles, defaults.

Each number the README gives about the kit's behaviour is read from the constant that
sets it, so changing one without the other fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oar_conformance._guard import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from oar_conformance.families.campaigns import SHRINK_TRIES
from oar_conformance.families.campaigns.invariants import STARVED_ROUNDS
from oar_conformance.families.campaigns.scenario import SCHEDULING_WINDOW
from oar_conformance.profiles import get_profile
from oar_conformance.shared_run import HANG_LIMIT, RESTART_LIMIT, UNJUDGED_SHARE
from oar_conformance.tally import DEFAULT_CALL_BUDGET, VACUITY_SHARE

README = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
"""The README with every run of whitespace as one space, so line breaks do not matter."""

QUICK, CI, THOROUGH = (get_profile(name) for name in ("quick", "ci", "thorough"))


@pytest.mark.parametrize(
    "statement",
    [
        f"shrunk over at most {RESTART_LIMIT} restarts",
        f"After {HANG_LIMIT} lost calls (timeouts, dead workers)",
        f"`quick` ({QUICK.max_examples}, rounds {QUICK.round_examples})",
        f"`ci` ({CI.max_examples}, rounds {CI.round_examples}, default)",
        f"`thorough` ({THOROUGH.max_examples}, one in four on platforms of up to "
        f"{THOROUGH.large_resources:,} resources)",
        f"profile plays {CI.campaigns} campaigns of up to {CI.campaign_steps} steps, "
        f"`quick` {QUICK.campaigns} of up to {QUICK.campaign_steps}, "
        f"`thorough` {THOROUGH.campaigns} of up to {THOROUGH.campaign_steps}.",
        f"stops after {SHRINK_TRIES} campaigns",
        f"no answer within {DEFAULT_TIMEOUT:g} s (per-call limit)",
        f"(default `{DEFAULT_MEMORY_LIMIT // 1024**3}GiB`",
        f"(default {DEFAULT_CALL_BUDGET:g} s;",
        f"at least {100 * VACUITY_SHARE:.0f}% of the examples",
        f"more than {100 * UNJUDGED_SHARE:.0f}% of its examples",
        f"a prediction within {STARVED_ROUNDS} rounds",
        f"MAX_JOB_PER_QUEUES_GROUP_SCHEDULING_ROUND={SCHEDULING_WINDOW}",
    ],
)
def test_the_readme_states_the_code_s_number(statement: str) -> None:
    assert statement in README, f"README.md no longer says {statement!r}: make it say so"
