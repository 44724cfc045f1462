"""Replaying one counterexample outside a Hypothesis run.

A report folder holds, per counterexample, a standalone ``.py`` test that embeds the
shrunk scenario and calls :func:`assert_conforms`: it fails with plain ``pytest`` while the
plugin is still wrong and passes once it is fixed, so it can join the plugin's own tests.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from oar_conformance.conformance import CheckOptions, driver_for
from oar_conformance.errors import ConformanceFailure, UsageError
from oar_conformance.invariants import get
from oar_conformance.plugins import load, parse_plugin_args, resolve
from oar_conformance.report import FailureContext, render_failure

__all__ = ["assert_conforms", "dump_scenario", "load_scenario"]


def dump_scenario(scenario: Any) -> str:
    """The scenario as base64 text to embed in a reproducer."""
    return base64.b64encode(pickle.dumps(scenario, protocol=4)).decode("ascii")


def load_scenario(text: str) -> Any:
    """The scenario back from :func:`dump_scenario` text (written by the kit itself)."""
    return pickle.loads(base64.b64decode(text))  # noqa: S301 - the kit's own report file


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
    options = CheckOptions(args=args, kwargs=kwargs, database=None, group=specs[0].group)
    driver = driver_for(invariant, load(specs[0]), options)
    outcome = driver.run(scenario, invariant.needs)
    for violation in invariant.check(scenario, outcome):
        context = FailureContext(
            spec=specs[0],
            invariant=invariant,
            command="pytest on this reproducer file",
            args=args,
            kwargs=kwargs,
        )
        raise ConformanceFailure(violation, render_failure(violation, context))
