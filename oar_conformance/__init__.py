"""oar-conformance: property-based conformance tests for OAR3 scheduler extensions.

What a test writer uses, importable from here::

    from oar_conformance import CheckOptions, catalogue, check, strategies

    check("oar.find_func:my_find", "F1", "F2", options=CheckOptions(seed=1))
    catalogue.get("F1").rationale

Names are imported on first use (PEP 562), so loading the pytest plugin, which pytest
does in every run, costs nothing until the kit is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oar_conformance import catalogue, strategies
    from oar_conformance.driver import CheckResult, check, run_check
    from oar_conformance.errors import (
        CheckSkipped,
        ConformanceFailure,
        OarConformanceError,
        PluginLoadError,
        UsageError,
    )
    from oar_conformance.families.find.scenario import FindScenario
    from oar_conformance.invariant import Invariant, Severity
    from oar_conformance.model import (
        ALL,
        BEST,
        HALF_BEST,
        Group,
        Job,
        Level,
        Moldable,
        Platform,
        Queue,
    )
    from oar_conformance.options import CheckOptions
    from oar_conformance.plugins import PluginSpec
    from oar_conformance.profiles import Profile, get_profile
    from oar_conformance.replay import assert_conforms
    from oar_conformance.violations import Breach, Violation

__version__ = "0.1.0"

_EXPORTS = {
    "ALL": "model",
    "BEST": "model",
    "HALF_BEST": "model",
    "Group": "model",
    "Job": "model",
    "Level": "model",
    "Moldable": "model",
    "Platform": "model",
    "Queue": "model",
    "FindScenario": "families.find.scenario",
    "Breach": "violations",
    "Violation": "violations",
    "CheckSkipped": "errors",
    "ConformanceFailure": "errors",
    "OarConformanceError": "errors",
    "PluginLoadError": "errors",
    "UsageError": "errors",
    "CheckOptions": "options",
    "Profile": "profiles",
    "get_profile": "profiles",
    "PluginSpec": "plugins",
    "Invariant": "invariant",
    "Severity": "invariant",
    "CheckResult": "driver",
    "check": "driver",
    "run_check": "driver",
    "assert_conforms": "replay",
}
"""Public name -> the module (under ``oar_conformance``) that defines it."""

_SUBMODULES = ("catalogue", "strategies")

__all__ = [
    "ALL",
    "BEST",
    "HALF_BEST",
    "Breach",
    "CheckOptions",
    "CheckResult",
    "CheckSkipped",
    "ConformanceFailure",
    "FindScenario",
    "Group",
    "Invariant",
    "Job",
    "Level",
    "Moldable",
    "OarConformanceError",
    "Platform",
    "PluginLoadError",
    "PluginSpec",
    "Profile",
    "Queue",
    "Severity",
    "UsageError",
    "Violation",
    "__version__",
    "assert_conforms",
    "catalogue",
    "check",
    "get_profile",
    "run_check",
    "strategies",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    try:
        module = _EXPORTS[name]
    except KeyError:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg) from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
