"""Shared test configuration: say once, up front, whether OAR3 tests can run."""

from __future__ import annotations

from oar_conformance import oar3


def pytest_report_header() -> str:
    found = oar3.status()
    if found.available:
        return f"OAR3 {found.version}: OAR3 tests run"
    return found.skip_line
