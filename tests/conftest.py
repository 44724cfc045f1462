"""Shared test configuration: say once, up front, whether OAR3 tests can run.

Checks run in this process keep no Hypothesis example database, so a test's result never
depends on what an earlier run of the suite saved (runs in a subprocess keep theirs).
"""

from __future__ import annotations

from hypothesis import settings

from oar_conformance import oar3

settings.register_profile("oar-conformance-tests", database=None)
settings.load_profile("oar-conformance-tests")


def pytest_report_header() -> str:
    found = oar3.status()
    if found.available:
        return f"OAR3 {found.version}: OAR3 tests run"
    return found.skip_line
