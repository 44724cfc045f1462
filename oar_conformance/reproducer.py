"""What every family's renderer shares: where a violation was found, and reproducer helpers.

Renderers (``families/<family>/render.py``) turn a violation into a counterexample and a
standalone Python reproducer; the helpers here write the Python source they have in
common (the opening docstring and imports, ProcSet literals, ``hy``, packed lines,
loading a plugin as OAR3 does, the scenario as data and the test that judges it), and
pick letters for marks.
"""

from __future__ import annotations

import string
import textwrap
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from oar_conformance.invariant import Invariant
from oar_conformance.model import Platform, intervals
from oar_conformance.plugins import PluginSpec
from oar_conformance.scenario_data import dump_scenario

__all__ = [
    "LOAD_PLUGIN_SOURCE",
    "NO_KWARGS",
    "FailureContext",
    "hy_source",
    "indent",
    "judged_tail",
    "letters",
    "pack_items",
    "procset_literal",
    "reproducer_head",
    "scenario_source",
]


@dataclass(frozen=True)
class FailureContext:
    """Where a violation was found: the plugin, the check and how to run it again."""

    spec: PluginSpec
    invariant: Invariant[Any, Any]
    command: str
    blob: str | None = None
    args: tuple[str, ...] = ()
    kwargs: Mapping[str, str] = field(default_factory=dict)
    seed: int | None = None
    profile: str = ""
    unshrunk: str = ""
    """Why the counterexample is shown as found, not shrunk (empty: it was shrunk)."""
    replayed: str = ""
    """Says the failure was found by replaying an example an earlier run saved (empty:
    this run's own examples showed it)."""


def indent(text: str, prefix: str = "  ") -> str:
    return textwrap.indent(text, prefix, lambda line: True)


def _wrapped(text: str, width: int = 84) -> str:
    """A long string as implicitly joined literals that fit the page (any characters)."""
    chunks = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    return "\n    ".join(repr(chunk) for chunk in chunks)


def scenario_source(scenario: Any, *, family: str, types: Iterable[type]) -> str:
    """Python source assigning ``scenario`` (of ``family``, holding ``types``) to
    ``SCENARIO``, as the data :mod:`oar_conformance.scenario_data` writes."""
    text = dump_scenario(scenario, family=family, types=types)
    return f"SCENARIO = load_scenario(\n    {_wrapped(text)}\n)\n"


NO_KWARGS: Mapping[str, str] = MappingProxyType({})


def letters(excluded: Collection[str] = ()) -> tuple[str, ...]:
    """The ASCII letters, lowercase first, but ``excluded``: marks for names with no symbol."""
    return tuple(c for c in string.ascii_letters if c not in excluded)


def reproducer_head(
    how: str, *, modules: Sequence[str] = (), oar_imports: Sequence[str] = ()
) -> str:
    """The opening of a reproducer: a docstring telling how to run it, then its imports.

    ``how`` ends the docstring's first sentence, saying what ``show()`` does with the
    plugin once loaded; the paragraph is wrapped to 88 columns. ``modules`` are the
    standard-library modules imported besides ``importlib.metadata``; ``oar_imports`` are
    import lines from OAR3, in a block of their own, and make the docstring say OAR3 must
    be installed. The kit's replay functions are imported last (see :func:`judged_tail`).
    """
    run = "Run ``pytest THIS_FILE`` or ``python THIS_FILE``"
    if oar_imports:
        run += " with OAR3 installed"
    sentence = (
        f"{run}: the plugin is loaded as OAR3 loads it (by entry-point group and name), {how} "
        "``test_reproduce`` has oar-conformance judge the same counterexample: it fails "
        "while the plugin breaks the invariant and passes once the plugin is fixed."
    )
    paragraph = textwrap.fill(sentence, 88, break_on_hyphens=False, break_long_words=False)
    blocks = [
        "\n".join(f"import {m}" for m in sorted({"importlib.metadata", *modules})),
        "from procset import ProcSet",
    ]
    if oar_imports:
        blocks.append("\n".join(oar_imports))
    blocks.append("from oar_conformance.replay import assert_conforms, load_scenario")
    docstring = f'"""Reproduce a counterexample found by oar-conformance.\n\n{paragraph}\n"""'
    return "\n\n".join([docstring, *blocks]) + "\n"


_JUDGED_TAIL = """\


def test_reproduce():
    \"\"\"Fails while the plugin breaks {invariant} here; passes once it is fixed.\"\"\"
    assert_conforms(f"{{GROUP}}:{{NAME}}", {invariant!r}, SCENARIO, plugin_args={plugin_args!r})


if __name__ == "__main__":
    show()
    test_reproduce()
    print("conforms")
"""


def judged_tail(
    scenario: Any, *, family: str, types: Iterable[type], invariant: str, plugin_args: str
) -> str:
    """The end of a reproducer: ``SCENARIO`` as data and a ``test_reproduce`` that fails
    while the ``GROUP``/``NAME`` plugin breaks ``invariant`` on it.

    The script defines ``show()`` (the call, printed); run with ``python`` it shows the
    call, then judges it. ``plugin_args`` are passed as in a job type ``find=NAME:ARGS``.
    """
    tail = _JUDGED_TAIL.format(invariant=invariant, plugin_args=plugin_args)
    return "\n" + scenario_source(scenario, family=family, types=types) + tail


def procset_literal(ids: Iterable[int]) -> str:
    """Python source building ids as a ProcSet of intervals, e.g. ``ProcSet((1, 4), 7)``."""
    parts = [str(a) if a == b else f"({a}, {b})" for a, b in intervals(ids)]
    return f"ProcSet({', '.join(parts)})"


def hy_source(platform: Platform, name: str, indent: str) -> list[str]:
    """Python source lines assigning the ``hy`` mapping of ``platform`` to ``name``."""
    inner = indent + "    "
    out = [f"{indent}{name} = {{"]
    for level in platform.levels:
        blocks = [procset_literal(b) for b in level.blocks]
        line = f"{inner}{level.name!r}: [{', '.join(blocks)}],"
        if len(line) <= 88:
            out.append(line)
        else:
            out.append(f"{inner}{level.name!r}: [")
            out += pack_items(blocks, inner + "    ")
            out.append(f"{inner}],")
    out.append(f"{indent}}}")
    return out


def pack_items(items: Sequence[str], indent: str, width: int = 88) -> list[str]:
    """Items joined by commas into lines of at most ``width`` (longer items stand alone)."""
    lines: list[str] = []
    current = ""
    for item in items:
        piece = item + ","
        if current and len(indent) + len(current) + 1 + len(piece) > width:
            lines.append(indent + current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    if current:
        lines.append(indent + current)
    return lines


LOAD_PLUGIN_SOURCE = '''

def load_plugin():
    """The function registered as NAME in the entry-point GROUP, loaded as OAR3 does."""
    for entry_point in importlib.metadata.entry_points(group=GROUP):
        if entry_point.name == NAME:
            return entry_point.load()
    raise LookupError(f"no entry point {NAME!r} in group {GROUP!r}: is the plugin installed?")
'''
"""Source of ``load_plugin()`` shared by every reproducer: loads NAME from GROUP as OAR3 does."""
