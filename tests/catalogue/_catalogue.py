"""Helpers for the sample-plugin catalogue: run one check the way the pytest plugin does."""

from __future__ import annotations

import pytest

from oar_conformance import oar3
from oar_conformance.catalogue import get
from oar_conformance.driver import CheckOptions, run_check
from oar_conformance.errors import ConformanceFailure
from oar_conformance.plugins import PluginSpec
from oar_conformance.profiles import get_profile

SEED = 20261125


def check(
    group: str, name: str, invariant_id: str, *, profile: str = "quick", **kw: object
) -> None:
    """Run one (plugin, invariant) check; raises ConformanceFailure when it is broken."""
    options = CheckOptions(
        profile=get_profile(profile),
        seed=SEED,
        example_database=None,
        **kw,  # type: ignore[arg-type]
    )
    run_check(PluginSpec(group, name), get(invariant_id), options)


def caught(group: str, name: str, invariant_id: str, **kw: object) -> ConformanceFailure:
    """Run a check that must fail; return the failure for further assertions."""
    with pytest.raises(ConformanceFailure) as info:
        check(group, name, invariant_id, **kw)
    assert info.value.violation.invariant_id == invariant_id
    return info.value


needs_oar3 = pytest.mark.skipif(not oar3.status().available, reason=oar3.status().skip_line)
