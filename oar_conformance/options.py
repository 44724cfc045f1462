"""How a check runs: the options every family's runner and strategy read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from oar_conformance._guard import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from oar_conformance.memory import RunMemory
from oar_conformance.profiles import Profile, get_profile
from oar_conformance.site import Site
from oar_conformance.stats import RunStats

__all__ = ["CheckOptions"]


@dataclass(frozen=True)
class CheckOptions:
    """Profile, seed, per-call limit, the plugin's group and extra arguments, databases.

    ``example_database`` is Hypothesis' example database (``"default"``: Hypothesis'
    own, ``None``: none); ``db`` is the database rounds run on.
    """

    profile: Profile = field(default_factory=lambda: get_profile("ci"))
    seed: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)
    example_database: Any = "default"
    stats: RunStats | None = None
    shrink: bool = True
    db: str = "sqlite"
    """Database of rounds: "sqlite", "postgresql" (a throwaway server) or a URL."""
    group: str = ""
    """Entry-point group of the plugin under test (set by ``run_check``); rounds configure
    the plugin as a site configures that group."""
    isolate: bool = True
    """Run the plugin in a worker process the kit can kill (``False``: in-process, for
    debugging with pdb)."""
    memory_limit: int = DEFAULT_MEMORY_LIMIT
    """Bytes of address space the worker may use (0: no limit)."""
    site: Site | None = None
    """The site's platform (``[tool.oar-conformance.site]``, ``--oar-site``): scenarios
    stay inside it; ``None``: OAR3-built platforms of every usual shape."""
    memory: RunMemory = field(default_factory=RunMemory, compare=False, repr=False)
    """What the run learns as it goes (hung examples, kept workers): one per run, shared
    by the copies ``dataclasses.replace`` makes of these options."""
