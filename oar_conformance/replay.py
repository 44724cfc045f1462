"""Replaying one counterexample outside a Hypothesis run.

A report folder holds, per counterexample, a standalone ``.py`` test that embeds the
shrunk scenario as data (:mod:`oar_conformance.scenario_data`) and calls
:func:`assert_conforms`: it fails with plain ``pytest`` while the plugin is still wrong
and passes once it is fixed, so it can join the plugin's own tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oar_conformance.catalogue import get
from oar_conformance.driver import CheckOptions, driver_for
from oar_conformance.errors import ConformanceFailure, UsageError
from oar_conformance.families import FAMILIES
from oar_conformance.plugins import load, parse_plugin_args, resolve
from oar_conformance.report import render_failure
from oar_conformance.reproducer import FailureContext
from oar_conformance.scenario_data import read_scenario

__all__ = ["assert_conforms", "load_scenario"]


def load_scenario(data: str | Mapping[str, Any]) -> Any:
    """The scenario of a report: a scenario record as JSON text (what a reproducer embeds)
    or as a dict, or a report's ``.json`` file (its text or dict).

    Only the kit's own data types are built: opening a report never runs or imports
    anything it names. A report of another format version is a ``UsageError`` saying
    which kit wrote it and what to do.
    """
    return read_scenario(data, _data_types)[1]


def _data_types(family: str) -> tuple[type, ...]:
    """The data types of the family called ``family``; a ``UsageError`` lists the known."""
    for known in FAMILIES:
        if known.name == family:
            return known.data_types
    names = ", ".join(f.name for f in FAMILIES)
    msg = (
        f"this scenario is of family {family!r}, unknown to this kit (it knows {names}): "
        "replay it with the kit that wrote it"
    )
    raise UsageError(msg)


def assert_conforms(plugin: str, invariant_id: str, scenario: Any, plugin_args: str = "") -> None:
    """Run ``plugin`` on ``scenario`` and raise ``ConformanceFailure`` if it breaks the invariant.

    ``plugin`` is ``GROUP:NAME``; ``plugin_args`` are passed as in a job type
    ``find=NAME:ARGS``.
    """
    specs = resolve(plugin)
    if len(specs) != 1:
        msg = f"plugin={plugin!r} names {len(specs)} plugins; give GROUP:NAME"
        raise UsageError(msg)
    invariant = get(invariant_id)
    args, kwargs = parse_plugin_args(plugin_args)
    options = CheckOptions(args=args, kwargs=kwargs, example_database=None, group=specs[0].group)
    driver = driver_for(invariant, load(specs[0]), options)
    outcome = driver.run(scenario, invariant.needs | invariant.confirm)
    for violation in invariant.check(scenario, outcome):
        context = FailureContext(
            spec=specs[0],
            invariant=invariant,
            command="pytest on this reproducer file",
            args=args,
            kwargs=kwargs,
        )
        raise ConformanceFailure(violation, render_failure(violation, context))
