"""The scenario model: plain, typed, immutable values describing what a plugin is given.

Everything the kit generates, checks and reports is one of these values. They know nothing
of OAR3: the adapter turns them into OAR objects, and invariants read them directly. Sets of
resource ids are ``frozenset[int]``; conversions to the shapes OAR3 hands plugins (``hy`` as
lists of ``ProcSet`` blocks, ``hy_res_rqts``) live here too so there is one source of truth.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procset import ProcSet


class _ShortRepr:
    """Make Hypothesis print the short ``__repr__`` instead of every field.

    A 65,000-resource platform printed field by field is tens of kilobytes; the short form
    is what a reader of a falsifying example needs.
    """

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fields only: cached indexes are rebuilt on demand, not stored."""
        cls = type(self)
        return {
            k: v
            for k, v in self.__dict__.items()
            if not isinstance(getattr(cls, k, None), cached_property)
        }


__all__ = [
    "ALL",
    "BEST",
    "DEFAULT_LABELS",
    "DEFAULT_ORDER",
    "HALF_BEST",
    "OWN_COLUMNS",
    "SPECIAL_COUNTS",
    "Group",
    "Job",
    "Level",
    "Moldable",
    "Platform",
    "Queue",
    "ResourceRow",
    "ResourceTable",
    "copy_procset",
    "count_text",
    "ids_text",
    "intervals",
    "job_by_id",
    "oarsub_line",
    "plural",
    "resources_text",
    "shell_word",
    "to_procset",
]

ALL = -1
"""Count meaning "every block of the level, all of them free" (``host=ALL``)."""
BEST = -2
"""Count meaning "every block of the level that is free" (``host=BEST``)."""
HALF_BEST = -3
"""Count meaning "half (rounded down) of the free blocks of the level" (``host=HALF_BEST``)."""
SPECIAL_COUNTS = {ALL: "ALL", BEST: "BEST", HALF_BEST: "HALF_BEST"}
OARSUB_NAMES = {"network_address": "nodes"}
"""Levels ``oarsub -l`` spells otherwise: ``nodes`` is OAR3's ``OARSUB_NODES_RESOURCES``."""

Ids = frozenset[int]


def intervals(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, maximal closed intervals covering ``ids``."""
    ordered = sorted(ids)
    out: list[tuple[int, int]] = []
    for rid in ordered:
        if out and rid == out[-1][1] + 1:
            out[-1] = (out[-1][0], rid)
        else:
            out.append((rid, rid))
    return out


def to_procset(ids: Iterable[int]) -> ProcSet:
    """Build the ``ProcSet`` OAR3 would use for ``ids``.

    ``ProcSet(*many)`` merges its arguments one by one, which is quadratic and dominated
    the kit's time on 65,000-resource platforms. The maximal sorted intervals computed here
    are exactly ProcSet's canonical form, so they are installed directly (procset's own
    operators do the same); ``_procset_fast_path_ok`` checks that assumption once.
    """
    procset, procint, fast = _procset_types()
    if not fast:
        result = procset()
        for a, b in intervals(ids):
            result = result | procset((a, b))
        return result
    result = procset.__new__(procset)
    if isinstance(ids, frozenset | set) and ids:
        if len(ids) == 1:  # a resource_id block: most blocks of an OAR3 platform
            (rid,) = ids
            result._itvs = [procint(rid, rid)]
            return result
        low, high = min(ids), max(ids)
        if high - low + 1 == len(ids):  # one interval: no sort needed
            result._itvs = [procint(low, high)]
            return result
    result._itvs = [procint(a, b) for a, b in intervals(ids)]
    return result


def copy_procset(block: ProcSet) -> ProcSet:
    """A copy of ``block`` (as ``block.copy()``, without its constructor's overhead)."""
    procset, _, fast = _procset_types()
    if not fast:
        return block.copy()
    result = procset.__new__(procset)
    result._itvs = block._itvs.copy()
    return result


@cache
def _procset_types() -> tuple[Any, Any, bool]:
    """``ProcSet``, ``ProcInt``, and whether the fast paths hold (imported once)."""
    from procset import ProcInt, ProcSet  # noqa: PLC0415 - keep model import cheap

    return ProcSet, ProcInt, _procset_fast_path_ok()


@cache
def _procset_fast_path_ok() -> bool:
    """Whether this procset stores canonical intervals in ``_itvs`` (checked once)."""
    from procset import ProcSet  # noqa: PLC0415

    probe = ProcSet((1, 2), 4, (6, 9))
    return getattr(probe, "_itvs", None) == [(1, 2), (4, 4), (6, 9)]


def ids_text(ids: Iterable[int], empty: str = "-") -> str:
    """Render ids as compact intervals, e.g. ``1-4,7,9-10``; ``empty`` when there are none.

    ``-`` suits drawings and tables; a sentence (a message, Received/Expected) passes
    words for what an empty set means there, e.g. ``"no resources"``.
    """
    ordered = sorted(ids)
    if not ordered:
        return empty
    parts: list[str] = []
    start = prev = ordered[0]
    for rid in ordered[1:]:
        if rid != prev + 1:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = rid
        prev = rid
    parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(parts)


def resources_text(ids: Iterable[int]) -> str:
    """Resource ids for a sentence: ``1-4,7``, or ``no resources`` when there are none."""
    return ids_text(ids, empty="no resources")


def plural(count: int, noun: str, nouns: str = "") -> str:
    """``count`` and ``noun``, plural unless ``count`` is 1: ``1 job``, ``3 jobs``.

    ``nouns`` is the plural when it is not ``noun`` + ``s``.
    """
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


_DOUBLE_QUOTED_SPECIAL = frozenset('"$`\\!')
"""Characters a POSIX shell (or bash's history) still reads inside double quotes."""


def shell_word(text: str) -> str:
    """``text`` quoted for a POSIX shell, so a pasted command passes it as one argument.

    ``shlex.quote``, except that a word holding single quotes (``{color='red'}``) and
    nothing a shell reads inside double quotes is double-quoted: the same word once
    parsed, easier to read than ``'{color='"'"'red'"'"'}'``.
    """
    quoted = shlex.quote(text)
    if "'" in text and quoted != text and not _DOUBLE_QUOTED_SPECIAL & set(text):
        return f'"{text}"'
    return quoted


def oarsub_line(options: Iterable[tuple[str, str]]) -> str:
    """The ``oarsub`` command with ``options`` (flag, argument), each argument quoted by
    :func:`shell_word`: every ``oarsub`` line a report shows is written here."""
    return " ".join(["oarsub", *(f"{flag} {shell_word(value)}" for flag, value in options)])


def count_text(count: int) -> str:
    """Render a request count the way ``oarsub -l`` spells it."""
    return SPECIAL_COUNTS.get(count, str(count))


@dataclass(frozen=True)
class Level(_ShortRepr):
    """One level of the resource hierarchy: a name and its blocks of resource ids."""

    name: str
    blocks: tuple[Ids, ...]

    def __repr__(self) -> str:
        return f"Level({self.name!r}, [{' | '.join(ids_text(b) for b in self.blocks)}])"


Value = str | int

OWN_COLUMNS = ("resource_id", "network_address", "type", "state")
"""``resources`` columns a :class:`ResourceRow` holds as fields (the others in ``values``)."""
DEFAULT_LABELS = ("resource_id", "network_address")
"""OAR3's default ``HIERARCHY_LABELS``."""
DEFAULT_ORDER = "resource_id ASC"
"""OAR3's default ``SCHEDULER_RESOURCE_ORDER``."""


@dataclass(frozen=True)
class ResourceRow:
    """One row of OAR3's ``resources`` table: its id, node, type, state and other columns.

    ``values`` holds the hierarchy label columns (``cpu``, ``core``, ``switch``, ...) and
    the property columns (``color``, ``mem``, ...) by column name.
    """

    resource_id: int
    network_address: str
    type: str = "default"
    state: str = "Alive"
    values: Mapping[str, Value] = field(default_factory=dict)

    def column(self, name: str) -> Value:
        """The value of column ``name``, as an ``ORDER BY`` or a label reads it."""
        if name in ("resource_id", "id"):
            return self.resource_id
        if name in OWN_COLUMNS:
            value: Value = getattr(self, name)
            return value
        return self.values[name]


@dataclass(frozen=True)
class ResourceTable(_ShortRepr):
    """OAR3's ``resources`` rows with the two settings that turn them into ``hy``.

    ``labels`` is ``HIERARCHY_LABELS`` (e.g. ``("resource_id", "network_address")``),
    ``order`` is ``SCHEDULER_RESOURCE_ORDER``; ``properties`` names the property columns
    requests may compare (besides ``type``); ``request_levels`` the levels requests may
    name (what a site's admission rules let through; empty: every label).
    """

    rows: tuple[ResourceRow, ...]
    labels: tuple[str, ...] = DEFAULT_LABELS
    order: str = DEFAULT_ORDER
    properties: tuple[str, ...] = ()
    request_levels: tuple[str, ...] = ()

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """Every column the rows use, OAR3's own first."""
        extra = sorted({k for row in self.rows for k in row.values})
        return (*OWN_COLUMNS, *extra)

    def __repr__(self) -> str:
        return (
            f"ResourceTable({plural(len(self.rows), 'row')}, labels={','.join(self.labels)!r}, "
            f"order={self.order!r})"
        )


@dataclass(frozen=True)
class Platform(_ShortRepr):
    """Resources, their hierarchy (levels from the top down) and their properties.

    Every level partitions the resources, and each block of a level lies inside exactly
    one block of the level above, as in an OAR resources table. Resource ids are what a
    plugin sees: with a ``table`` they are OAR3's positions in ``SCHEDULER_RESOURCE_ORDER``
    (``resource_ids`` maps them back to the table's ``resource_id``). ``hy_order`` is the
    order of ``hy``'s keys (OAR3's: ``HIERARCHY_LABELS`` with ``resource_id`` last);
    empty means the levels' order. A ``type`` property, when present, gives each
    resource's type: a group without an expression only gets ``default`` resources.
    """

    levels: tuple[Level, ...]
    properties: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    hy_order: tuple[str, ...] = ()
    resource_ids: Mapping[int, int] = field(default_factory=dict, compare=False)
    table: ResourceTable | None = field(default=None, compare=False)

    @cached_property
    def resources(self) -> Ids:
        """All resource ids of the platform."""
        return frozenset().union(*self.levels[0].blocks) if self.levels else frozenset()

    @cached_property
    def default_resources(self) -> Ids:
        """Resources of type ``default``: what a group without an expression may use."""
        types = self.properties.get("type")
        if not types:
            return self.resources
        return frozenset(rid for rid, kind in types.items() if kind == "default")

    def resource_id(self, rid: int) -> int:
        """The table's ``resource_id`` of resource ``rid`` (itself without a table)."""
        return self.resource_ids.get(rid, rid)

    @cached_property
    def sorted_resources(self) -> tuple[int, ...]:
        """All resource ids in increasing order."""
        return tuple(sorted(self.resources))

    @cached_property
    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    @cached_property
    def request_levels(self) -> tuple[str, ...]:
        """The levels a request may name, from the top down (the order ``oarsub -l`` takes).

        The table's ``request_levels`` (a site's admission rules), else every level.
        """
        allowed = self.table.request_levels if self.table is not None else ()
        named = tuple(name for name in self.level_names if name in allowed)
        return named or self.level_names

    @cached_property
    def _block_index(self) -> dict[str, dict[int, int]]:
        return {
            level.name: {rid: i for i, block in enumerate(level.blocks) for rid in block}
            for level in self.levels
        }

    def block_index(self, name: str) -> Mapping[int, int]:
        """Resource id -> position of its block in level ``name`` (built once per level)."""
        return self._block_index[self.level(name).name]

    @cached_property
    def property_values(self) -> dict[str, tuple[str, ...]]:
        """The distinct values of each property, sorted."""
        return {
            name: tuple(sorted(set(values.values()))) for name, values in self.properties.items()
        }

    def blocks_touching(self, name: str, ids: Iterable[int]) -> list[Ids]:
        """Blocks of level ``name`` that contain at least one of ``ids`` (in level order).

        Linear in ``len(ids)``: the per-level index is built once per platform.
        """
        index = self._block_index[self.level(name).name]
        blocks = self.level(name).blocks
        return [blocks[i] for i in sorted({index[r] for r in ids if r in index})]

    def level(self, name: str) -> Level:
        """The level called ``name``; a ``KeyError`` names the levels that exist."""
        for level in self.levels:
            if level.name == name:
                return level
        msg = f"level={name!r} is not in this platform; its levels are {self.level_names}"
        raise KeyError(msg)

    @cached_property
    def hy_template(self) -> dict[str, list[ProcSet]]:
        """The ``hy`` mapping, built once; never handed to a plugin (see :meth:`hy`).

        Levels sharing one tuple of blocks (``core`` and ``resource_id`` with one resource
        per core) share their ProcSets here; :meth:`hy` copies them apart.
        """
        built: dict[int, list[ProcSet]] = {}
        blocks = {
            level.name: built.get(id(level.blocks))
            or built.setdefault(id(level.blocks), [to_procset(b) for b in level.blocks])
            for level in self.levels
        }
        return {name: blocks[name] for name in self.hy_order or blocks}

    def hy(self) -> dict[str, list[ProcSet]]:
        """A fresh ``hy`` mapping as OAR3 passes it: level name -> list of ProcSet blocks.

        Each call gives new ProcSets, so a plugin that mutates them cannot corrupt the
        template that mutation checks compare against.
        """
        return {
            name: [copy_procset(b) for b in blocks] for name, blocks in self.hy_template.items()
        }

    def with_property(self, name: str, value: str) -> Ids:
        """Resource ids whose property ``name`` equals ``value``."""
        return frozenset(rid for rid, v in self.properties.get(name, {}).items() if v == value)

    def __repr__(self) -> str:
        return f"Platform({plural(len(self.resources), 'resource')}, levels={self.level_names})"


@dataclass(frozen=True)
class Group(_ShortRepr):
    """One ``+``-separated part of a request: levels with counts, inside a constraint.

    ``constraints`` is the set of resource ids the group's property expression selects
    (the whole platform when there is none); ``expression`` is that expression as typed
    in ``oarsub -l {...}``.
    """

    levels: tuple[tuple[str, int], ...]
    constraints: Ids
    expression: str = ""

    def oarsub(self) -> str:
        """This group in ``oarsub -l`` syntax, e.g. ``{color='red'}/nodes=2/core=1``.

        ``network_address`` is spelled ``nodes``, as users write it (oarsub maps ``nodes``
        to ``OARSUB_NODES_RESOURCES``, ``network_address`` by default).
        """
        prefix = f"{{{self.expression}}}" if self.expression else ""
        return prefix + self._spelled(count_text)

    def shape(self) -> str:
        """This group with counts as ``N`` and any expression as ``{...}``: its kind."""
        prefix = "{...}" if self.expression else ""
        return prefix + self._spelled(lambda n: SPECIAL_COUNTS.get(n, "N"))

    def _spelled(self, count: Callable[[int], str]) -> str:
        """The levels as ``oarsub -l`` spells them, each count written by ``count``."""
        return "".join(f"/{OARSUB_NAMES.get(name, name)}={count(n)}" for name, n in self.levels)

    def hy_res_rqt(self) -> tuple[list[tuple[str, int]], ProcSet]:
        """This group in OAR3's ``hy_res_rqts`` shape."""
        return ([(name, n) for name, n in self.levels], to_procset(self.constraints))

    def __repr__(self) -> str:
        return f"Group({self.oarsub()!r})"


def request_oarsub(groups: Iterable[Group]) -> str:
    """Groups joined by ``+`` in ``oarsub -l`` syntax."""
    return "+".join(g.oarsub() for g in groups)


@dataclass(frozen=True)
class Moldable(_ShortRepr):
    """One moldable alternative of a job: its id, walltime (seconds) and request groups."""

    id: int
    walltime: int
    groups: tuple[Group, ...]

    def oarsub(self) -> str:
        """``-l`` argument with the walltime, e.g. ``/host=1,walltime=0:10:00``."""
        h, rest = divmod(self.walltime, 3600)
        m, s = divmod(rest, 60)
        return f"{request_oarsub(self.groups)},walltime={h}:{m:02d}:{s:02d}"

    def mld_res_rqt(self) -> tuple[int, int, list[tuple[list[tuple[str, int]], ProcSet]]]:
        """This alternative in OAR3's ``mld_res_rqts`` entry shape."""
        return (self.id, self.walltime, [g.hy_res_rqt() for g in self.groups])


@dataclass(frozen=True)
class Queue:
    """An OAR queue: name, priority (higher is scheduled first), state and policy."""

    name: str
    priority: int
    state: str = "Active"
    scheduler_policy: str = "kamelot"


@dataclass(frozen=True)
class Job(_ShortRepr):
    """A waiting job with the attributes OAR's Job model carries for scheduling."""

    id: int
    moldables: tuple[Moldable, ...]
    queue: str = "default"
    user: str = "alice"
    project: str = "default"
    submission_time: int = 0
    types: Mapping[str, str] = field(default_factory=dict)
    dependencies: tuple[int, ...] = ()
    name: str | None = None

    def oarsub(self, *extra: tuple[str, str]) -> str:
        """The ``oarsub`` command line that would submit this job, ``extra`` options
        (flag, argument) last."""
        options = [("-q", self.queue)]
        options += [("-l", m.oarsub()) for m in self.moldables]
        options += [("-t", f"{k}={v}" if v else k) for k, v in sorted(self.types.items())]
        return oarsub_line([*options, *extra])


def job_by_id(jobs: Iterable[Job], job_id: int) -> Job:
    """The job of ``jobs`` with id ``job_id``; a ``KeyError`` names the ids that exist."""
    listed = tuple(jobs)
    for job in listed:
        if job.id == job_id:
            return job
    msg = f"job_id={job_id} is not a waiting job here; ids: {[j.id for j in listed]}"
    raise KeyError(msg)


def as_jsonable(value: Any) -> Any:
    """A JSON-friendly view of a model value (frozensets become sorted lists)."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Mapping):
        return {str(k): as_jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [as_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: as_jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    return value
