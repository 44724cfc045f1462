"""Hypothesis strategies for OAR3 scheduler scenarios, built on :mod:`oar_conformance.model`.

Every strategy takes keyword-only, bounded parameters and raises
:class:`~oar_conformance.errors.UsageError` at call time when one is out of range.
Platforms are drawn as a compact shape (a few cyclic patterns) and expanded
deterministically, so they scale to tens of thousands of resources; the other strategies
read a given platform. Each strategy's docstring says what it generates and how its
examples shrink.

- :func:`resource_tables`: rows of OAR3's ``resources`` table, with labels and order.
- :func:`platforms`: the hierarchy OAR3 builds from such a table, with properties.
- :func:`availability`: free resource ids of a platform (``itvs_avail``).
- :func:`groups`, :func:`requests`: ``oarsub -l`` groups and ``+``-joined requests.
- :func:`find_scenarios`: complete inputs of an ``oar.find_func`` plugin.
- :func:`queues`, :func:`moldables`, :func:`jobs`: queues and waiting jobs.
- :func:`sort_scenarios`: complete inputs of an ``oar.jobs_sorting_func`` plugin.
- :func:`round_scenarios`, :func:`campaigns`: a database round; a campaign's steps.
"""

from __future__ import annotations

from ._assign import assign_scenarios
from ._availability import Busy, availability
from ._campaigns import campaigns
from ._jobs import jobs, moldables
from ._platforms import COLORS, LEVEL_NAMES, MEMS, ORDERS, platforms, resource_tables
from ._queues import QUEUE_NAMES, queues
from ._requests import groups, requests
from ._rounds import round_scenarios
from ._scenarios import find_scenarios
from ._sort import sort_scenarios

__all__ = [
    "COLORS",
    "LEVEL_NAMES",
    "MEMS",
    "ORDERS",
    "QUEUE_NAMES",
    "Busy",
    "assign_scenarios",
    "availability",
    "campaigns",
    "find_scenarios",
    "groups",
    "jobs",
    "moldables",
    "platforms",
    "queues",
    "requests",
    "resource_tables",
    "round_scenarios",
    "sort_scenarios",
]
