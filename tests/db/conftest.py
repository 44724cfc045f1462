"""Database-round tests: registers the ``postgresql`` marker (throwaway server tests)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: starts a throwaway PostgreSQL server")
