"""Human renderings of find counterexamples, and a reproducer a plugin author can run.

A shrunk counterexample only helps if a person sees at a glance what the plugin was given
and what it did: the hierarchy as a tree with one mark per resource (chosen, busy,
outside constraints), the request in ``oarsub`` syntax, and a self-contained Python
snippet that loads the plugin and calls it exactly as OAR3 does. Renderings are capped
and cost linear time in the platform size, so a 65,000-resource platform still prints a
short report.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice, pairwise
from types import MappingProxyType
from typing import TYPE_CHECKING

from oar_conformance.families.find.scenario import DATA_TYPES
from oar_conformance.model import SPECIAL_COUNTS, ids_text, oarsub_line, plural, request_oarsub
from oar_conformance.plugins import plugin_args_text
from oar_conformance.reproducer import (
    LOAD_PLUGIN_SOURCE,
    NO_KWARGS,
    hy_source,
    indent,
    judged_tail,
    letters,
    procset_literal,
    reproducer_head,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from oar_conformance.families.find.scenario import FindScenario
    from oar_conformance.model import Platform
    from oar_conformance.reproducer import FailureContext
    from oar_conformance.violations import Violation

__all__ = [
    "BUSY",
    "CHOSEN",
    "FREE",
    "OUTSIDE",
    "find_case",
    "render_find_case",
    "render_hierarchy",
    "reproducer_find",
]

CHOSEN = "chosen"
"""Mark name for the resources the plugin returned."""
BUSY = "busy"
"""Mark name for the resources not in ``itvs_avail``."""
OUTSIDE = "outside constraints"
"""Mark name for the resources no group's property constraint selects."""
FREE = "free"
"""Mark name for the available resources; the background, never annotated."""

_KNOWN_SYMBOLS = {"clash": "!", CHOSEN: "#", BUSY: "x", OUTSIDE: "~", FREE: "."}
_CLASHES = (  # chosen together with another mark: the breach a reader must see first
    ("!", "chosen but busy", BUSY),
    ("^", "chosen but outside constraints", OUTSIDE),
)
_UNMARKED = "."
_RESERVED = frozenset({*_KNOWN_SYMBOLS.values(), "^"})
_LETTERS = letters(_RESERVED)

_NO_MARKS: Mapping[str, frozenset[int]] = MappingProxyType({})

_SPACED_MAX = 16  # up to this many resources, marks are spaced: [# # .]
_PACKED_MAX = 48  # up to this many, packed: [##..x]; beyond, run-length: [#*2 .*60]
_MAX_RUNS = 8
_MAX_LABEL = 44
_MAX_NOTE = 60


@dataclass(frozen=True)
class _Symbol:
    """One legend entry: the character, its label and the resources it may stand for."""

    char: str
    label: str
    ids: frozenset[int]


def _symbols(marks: Mapping[str, frozenset[int]]) -> list[_Symbol]:
    """Legend entries from the most to the least important.

    Clashes (chosen and busy, chosen and outside constraints) come first, then names the
    kit does not know (an invariant highlighting something specific), then the known ones.
    """
    chosen = marks.get(CHOSEN, frozenset())
    clashes = [
        _Symbol(char, label, chosen & marks[other])
        for char, label, other in _CLASHES
        if other in marks and chosen & marks[other]
    ]
    unknown = [name for name in marks if name not in _KNOWN_SYMBOLS]
    letters = iter(_LETTERS)
    extra = [_Symbol(next(letters, "?"), name, marks[name]) for name in unknown]
    known = [_Symbol(_KNOWN_SYMBOLS[n], n, marks[n]) for n in _KNOWN_SYMBOLS if n in marks]
    return clashes + extra + known


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _marks_text(chars: Sequence[str]) -> str:
    """Per-resource marks: spaced when few, packed when more, run-length when many."""
    if len(chars) <= _SPACED_MAX:
        return "[" + " ".join(chars) + "]"
    if all(c == chars[0] for c in chars):
        return f"[{chars[0]}*{len(chars)}]"
    if len(chars) <= _PACKED_MAX:
        return "[" + "".join(chars) + "]"
    runs: list[list[str | int]] = []
    for char in chars:
        if runs and runs[-1][0] == char:
            runs[-1][1] = int(runs[-1][1]) + 1
        else:
            runs.append([char, 1])
    parts = [f"{c}" if n == 1 else f"{c}*{n}" for c, n in runs]
    if len(parts) > _MAX_RUNS:
        parts = [*parts[:_MAX_RUNS], "..."]
    return "[" + " ".join(parts) + "]"


@dataclass(frozen=True)
class _Row:
    """One line of the tree: a block, or a run of ``blocks`` alike sibling blocks.

    ``marked`` rows show one mark per resource and end their branch; ``folded`` names the
    children a collapsed block hides.
    """

    depth: int
    level: str
    ids: frozenset[int]
    blocks: int = 1
    marked: bool = False
    folded: str = ""


class _Tree:
    """The block tree of a platform with each resource's mark, walked at three zoom levels.

    Zoom 0 shows every block (a block whose children are single resources shows their
    marks itself); zoom 1 also folds uniformly marked blocks into one line; zoom 2 also
    merges runs of alike folded siblings. Each walk is linear in the number of blocks.
    """

    def __init__(self, platform: Platform, chars: Mapping[int, str]) -> None:
        self.levels = platform.levels
        self.chars = chars
        self.children: list[list[list[int]]] = []
        for upper, lower in pairwise(self.levels):
            owner = {rid: j for j, block in enumerate(upper.blocks) for rid in block}
            kids: list[list[int]] = [[] for _ in upper.blocks]
            for k, block in enumerate(lower.blocks):
                parent = owner.get(next(iter(block))) if block else None
                if parent is not None:
                    kids[parent].append(k)
            self.children.append(kids)
        self._uniform: dict[tuple[int, int], str | None] = {}

    def is_leaf(self, depth: int, j: int) -> bool:
        """Bottom-level block, or one whose children are single resources."""
        if depth == len(self.levels) - 1:
            return True
        below = self.levels[depth + 1].blocks
        return all(len(below[k]) == 1 for k in self.children[depth][j])

    def uniform(self, depth: int, j: int) -> str | None:
        """The mark all resources of the block share, ``None`` when they differ."""
        key = (depth, j)
        if key not in self._uniform:
            block = iter(self.levels[depth].blocks[j])
            first = self.chars[next(block)]
            self._uniform[key] = first if all(self.chars[r] == first for r in block) else None
        return self._uniform[key]

    def folds(self, depth: int, j: int, zoom: int) -> bool:
        return self.is_leaf(depth, j) or (zoom >= 1 and self.uniform(depth, j) is not None)

    def rows(self, zoom: int) -> Iterator[_Row]:
        """The tree's lines at ``zoom``; folded, a top level of single resources is one line."""
        top = self.levels[0]
        roots = [j for j, block in enumerate(top.blocks) if block]
        if zoom >= 1 and all(len(top.blocks[j]) == 1 for j in roots):
            ids = frozenset().union(*top.blocks)
            return iter([_Row(0, top.name, ids, blocks=len(roots), marked=True)])
        return self._rows(zoom, 0, roots)

    def _rows(self, zoom: int, depth: int, todo: Sequence[int]) -> Iterator[_Row]:
        level = self.levels[depth]
        i = 0
        while i < len(todo):
            j = todo[i]
            block = level.blocks[j]
            if zoom >= 2 and self.uniform(depth, j) is not None:
                end = i + 1
                while end < len(todo) and self.uniform(depth, todo[end]) == self.uniform(depth, j):
                    end += 1
                if end - i > 1:
                    ids = frozenset().union(*(level.blocks[k] for k in todo[i:end]))
                    yield _Row(depth, level.name, ids, blocks=end - i, marked=True)
                    i = end
                    continue
            if self.is_leaf(depth, j):
                yield _Row(depth, level.name, block, marked=True)
            elif self.folds(depth, j, zoom):
                kids = self.children[depth][j]
                hidden = plural(len(kids), f"{self.levels[depth + 1].name} block")
                yield _Row(depth, level.name, block, marked=True, folded=hidden)
            else:
                yield _Row(depth, level.name, block)
                yield from self._rows(zoom, depth + 1, self.children[depth][j])
            i += 1


def _label(row: _Row) -> str:
    text = f"{'  ' * row.depth}{row.level} {_truncate(ids_text(row.ids), _MAX_LABEL)}"
    if row.blocks > 1:
        text += f" ({row.blocks} blocks)"
    if row.folded:
        text += f" ({row.folded})"
    return text


def _note(ids: frozenset[int], marks: Mapping[str, frozenset[int]]) -> str:
    """Which ids of a row carry each mark (but ``free``), e.g. ``chosen 1-2; all busy``."""
    parts = []
    for name, marked in marks.items():
        if name == FREE:
            continue
        here = marked & ids
        if here:
            parts.append(f"all {name}" if len(here) == len(ids) else f"{name} {ids_text(here)}")
    return _truncate("; ".join(parts), _MAX_NOTE)


def render_hierarchy(
    platform: Platform,
    *,
    marks: Mapping[str, frozenset[int]] = _NO_MARKS,
    max_lines: int = 60,
) -> str:
    """The hierarchy as an indented tree of blocks, one mark per resource, and a legend.

    ``marks`` names sets of resource ids; a resource with several marks shows the most
    important (a chosen resource that is busy or outside the constraints shows a clash).
    Known names: ``chosen`` ``#``, ``busy`` ``x``, ``outside constraints`` ``~``,
    ``free`` ``.``, ``clash`` ``!``; other names get letters. When the tree does not fit
    in ``max_lines`` lines (at least 4), uniformly marked blocks are folded, alike
    siblings merged, and what still does not fit is summarised on one line.
    """
    if max_lines < 4:
        msg = f"max_lines={max_lines} is too small: a tree needs at least 4 lines"
        raise ValueError(msg)
    resources = platform.resources
    if not resources:
        return "(empty platform: no resources)"
    symbols = _symbols(marks)
    chars = dict.fromkeys(resources, _UNMARKED)
    for symbol in reversed(symbols):
        for rid in symbol.ids & resources:
            chars[rid] = symbol.char
    unmarked = bool(resources - frozenset().union(*marks.values()))
    free = any(chars[r] == _UNMARKED for r in marks.get(FREE, frozenset()) & resources)
    footer = [_legend(symbols, set(chars.values()), unmarked=unmarked, free=free)]
    strays = {name: ids - resources for name, ids in marks.items() if ids - resources}
    if strays:
        text = "; ".join(f"{name} {ids_text(ids)}" for name, ids in strays.items())
        footer.insert(0, _truncate(f"marked but not in the platform: {text}", 100))

    tree = _Tree(platform, chars)
    budget = max_lines - len(footer)
    zoom = next(
        (z for z in (0, 1) if sum(1 for _ in islice(tree.rows(z), budget + 1)) <= budget), 2
    )
    rows = list(tree.rows(zoom))
    shown, hidden = (rows, []) if len(rows) <= budget else (rows[: budget - 1], rows[budget - 1 :])
    width = min(_MAX_LABEL + 8, max((len(_label(r)) for r in shown if r.marked), default=0))
    lines = []
    for row in shown:
        label = _label(row)
        if not row.marked:
            lines.append(label)
            continue
        text = _marks_text([chars[r] for r in sorted(row.ids)])
        lines.append(f"{label:<{width}}  {text}  {_note(row.ids, marks)}".rstrip())
    if hidden:
        lines.append(_more(hidden, marks))
    named = {row.level for row in rows}
    singles = [
        level.name
        for level in platform.levels
        if level.name not in named and all(len(b) <= 1 for b in level.blocks)
    ]
    if singles:
        footer[-1] += f"  (each {' / '.join(singles)} is one resource)"
    return "\n".join(lines + footer)


def _legend(symbols: Sequence[_Symbol], used: set[str], *, unmarked: bool, free: bool) -> str:
    """The legend of the marks that actually show, most important first."""
    labels: dict[str, list[str]] = {}
    for symbol in symbols:
        if symbol.char in used and symbol.char != _UNMARKED:
            labels.setdefault(symbol.char, []).append(symbol.label)
    if _UNMARKED in used:
        background = [FREE] if free else []
        if unmarked:
            background.append("unmarked" if symbols else "resource")
        labels[_UNMARKED] = background
    return "legend: " + "  ".join(f"{c} {' / '.join(names)}" for c, names in labels.items())


def _more(hidden: Sequence[_Row], marks: Mapping[str, frozenset[int]]) -> str:
    """The summary line standing for the rows that do not fit."""
    blocks = sum(row.blocks for row in hidden)
    ids = frozenset().union(*(row.ids for row in hidden if row.marked))
    counts = ((len(ids & marked), name) for name, marked in marks.items() if name != FREE)
    detail = ", ".join(f"{n} {name}" for n, name in counts if n)
    text = f"... {plural(blocks, 'more block')}, {plural(len(ids), 'resource')}"
    return f"{text} ({detail})" if detail else text


def render_find_case(
    scenario: FindScenario,
    result: frozenset[int] | None,
    *,
    reference: frozenset[int] | None = None,
    marks: Mapping[str, frozenset[int]] = _NO_MARKS,
    max_lines: int = 60,
) -> str:
    """One find call for a person: request, platform tree with marks, and the answers.

    ``result`` is what the plugin returned (``None`` when it failed); ``reference`` is
    OAR3's default answer when known. ``marks`` adds the marks of a violation to the
    computed ones (chosen, busy, outside constraints, free); ``max_lines`` caps the tree.
    """
    platform = scenario.platform
    resources = platform.resources
    busy = resources - scenario.available
    selected = frozenset().union(*(g.constraints for g in scenario.groups))
    outside = resources - selected if scenario.groups else frozenset()
    computed = {
        CHOSEN: result or frozenset(),
        BUSY: busy,
        OUTSIDE: outside,
        FREE: resources & scenario.available,
    }
    for name, ids in marks.items():
        computed[name] = computed.get(name, frozenset()) | ids

    lines = [f"request: {oarsub_line([('-l', request_oarsub(scenario.groups))])}"]
    for number, group in enumerate(scenario.groups, start=1):
        if group.constraints != resources:
            where = f"{{{group.expression}}} " if group.expression else ""
            lines.append(
                f"  group {number} {where}selects {ids_text(group.constraints, empty='nothing')}"
            )
    lines.append(
        f"platform: {plural(len(resources), 'resource')}, {len(resources - busy)} free, "
        f"{len(busy)} busy; beginning={scenario.beginning}"
    )
    lines.append(render_hierarchy(platform, marks=computed, max_lines=max_lines))
    lines.append(f"returned: {_answer(result)}")
    if reference is not None:
        lines.append(f"OAR3 default would return: {_answer(reference)}")
    return "\n".join(lines)


def _answer(ids: frozenset[int] | None) -> str:
    if ids is None:
        return "nothing (error)"
    if not ids:
        return "nothing (empty ProcSet)"
    return f"{ids_text(ids)} ({plural(len(ids), 'resource')})"


_REPRODUCER_HEAD = reproducer_head(
    "called with the inputs of the counterexample (``reproduce()``), and ``show()`` prints "
    "what it returned."
)


_REPRODUCER_LOAD = (
    LOAD_PLUGIN_SOURCE
    + '''

def reproduce():
    """Call the plugin on the counterexample and return its answer."""
'''
)

_REPRODUCER_TAIL = """\
    func = load_plugin()
    return func(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs)


def show():
    print("returned:", repr(reproduce()))
"""


def reproducer_find(
    scenario: FindScenario,
    *,
    group: str,
    name: str,
    invariant: str,
    family: str,
    args: Sequence[str] = (),
    kwargs: Mapping[str, str] = NO_KWARGS,
    comment: str = "",
) -> str:
    """A Python test calling the ``group``/``name`` plugin on ``scenario`` as OAR3 does.

    ``reproduce()`` needs only ``procset`` and ``importlib.metadata`` and passes ``args``
    and ``kwargs`` as OAR3 passes a job's find arguments; ``test_reproduce`` has the kit
    judge ``invariant`` (of ``family``) on the same scenario, so it fails while the plugin
    breaks it. ``comment`` (say, the broken invariant) opens the script as ``#`` lines,
    followed by the request in ``oarsub`` syntax.
    """
    out = [f"# {line}".rstrip() for line in comment.splitlines()]
    request = " ".join(request_oarsub(scenario.groups).splitlines())
    out.append(f"# {oarsub_line([('-l', request)])}")
    out.append(_REPRODUCER_HEAD)
    out.append(f"GROUP = {group!r}")
    out.append(f"NAME = {name!r}")
    used = sorted(
        {n for g in scenario.groups for _, n in g.levels if n in SPECIAL_COUNTS}, reverse=True
    )
    out += [f"{SPECIAL_COUNTS[n]} = {n}" for n in used]
    out.append(_REPRODUCER_LOAD.rstrip("\n"))

    out.append(f"    itvs_avail = {procset_literal(scenario.available)}")
    out += hy_source(scenario.platform, "hy", "    ")
    out.append("    hy_res_rqts = [")
    for g in scenario.groups:
        counts = ", ".join(f"({lvl!r}, {SPECIAL_COUNTS.get(n, n)})" for lvl, n in g.levels)
        out.append(f"        ([{counts}], {procset_literal(g.constraints)}),")
    out.append("    ]")
    out.append(f"    beginning = {scenario.beginning!r}")
    out.append(f"    args = {tuple(args)!r}")
    out.append(f"    kwargs = {dict(kwargs)!r}")
    out.append(_REPRODUCER_TAIL)
    out.append(
        judged_tail(
            scenario,
            family=family,
            types=DATA_TYPES,
            invariant=invariant,
            plugin_args=plugin_args_text(args, kwargs),
        )
    )
    return "\n".join(out)


def find_case(violation: Violation, context: FailureContext) -> tuple[str, str]:
    """The find counterexample of ``violation`` and its standalone reproducer."""

    scenario, outcome = violation.scenario, violation.outcome
    case = render_find_case(
        scenario, outcome.result, reference=outcome.reference, marks=violation.marks
    )
    if outcome.error is not None and outcome.error.traceback:
        case += "\n\nplugin traceback:\n" + indent(outcome.error.traceback)
    snippet = reproducer_find(
        scenario,
        group=context.spec.group,
        name=context.spec.name,
        invariant=violation.invariant_id,
        family=context.invariant.family,
        args=context.args,
        kwargs=context.kwargs,
        comment=f"{violation.invariant_id} {violation.title}: {violation.message}",
    )
    return case, snippet
