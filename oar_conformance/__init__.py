"""oar-conformance: property-based conformance tests for OAR3 scheduler extensions."""

from __future__ import annotations

from oar_conformance.errors import (
    ConformanceFailure,
    OarConformanceError,
    PluginLoadError,
    UsageError,
)
from oar_conformance.families.find.scenario import FindScenario
from oar_conformance.model import ALL, BEST, HALF_BEST, Group, Job, Level, Moldable, Platform, Queue
from oar_conformance.violations import Violation

__version__ = "0.1.0"

__all__ = [
    "ALL",
    "BEST",
    "HALF_BEST",
    "ConformanceFailure",
    "FindScenario",
    "Group",
    "Job",
    "Level",
    "Moldable",
    "OarConformanceError",
    "Platform",
    "PluginLoadError",
    "Queue",
    "UsageError",
    "Violation",
    "__version__",
]
