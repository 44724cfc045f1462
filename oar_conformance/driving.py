"""What a family runner gives the conformance driver: options in, a Driver out.

Each family (find, assign, sort, ...) has a runner module exposing
``make_driver(func, options) -> Driver``: the scenarios to generate, how to observe the
plugin on one scenario, and how to count outcomes for the run statistics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from oar_conformance._guard import DEFAULT_TIMEOUT
from oar_conformance.profiles import Profile, get_profile
from oar_conformance.stats import RunStats

__all__ = ["CheckOptions", "Driver"]


@dataclass(frozen=True)
class CheckOptions:
    """How a check runs: profile, seed, per-call limit, the plugin's group and extra
    arguments, database."""

    profile: Profile = field(default_factory=lambda: get_profile("ci"))
    seed: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)
    database: Any = "default"
    stats: RunStats | None = None
    shrink: bool = True
    db: str = "sqlite"
    """Database of rounds: "sqlite", "postgresql" (a throwaway server) or a URL."""
    group: str = ""
    """Entry-point group of the plugin under test (set by ``run_check``); rounds configure
    the plugin as a site configures that group."""


@dataclass(frozen=True)
class Driver:
    """How one family is exercised: its scenarios, its runner and how outcomes are counted."""

    strategy: st.SearchStrategy[Any]
    run: Callable[[Any, frozenset[str]], Any]
    classify: Callable[[Any], str]
    resources: Callable[[Any], int]
