"""Plugin discovery: the entry points OAR3 reads, listed and loaded the way OAR3 loads them.

A plugin is named ``NAME`` (every group where NAME is registered) or ``GROUP:NAME`` (one
group; ``GROUP`` may be the full entry-point group ``oar.find_func`` or its short form
``find_func`` / ``find``). Unknown names and broken modules are usage errors whose message
lists what is installed, so a typo is fixed in one step.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from oar_conformance import oar3
from oar_conformance.errors import PluginLoadError, UsageError

__all__ = [
    "ASSIGN_GROUP",
    "ENTRY_POINT_GROUPS",
    "FIND_GROUP",
    "JOB_TYPE_SELECTORS",
    "KIT_DISTRIBUTION",
    "METASCHED_GROUP",
    "SORT_GROUP",
    "InstalledPlugin",
    "PluginSpec",
    "checkable",
    "installed",
    "load",
    "parse_plugin_args",
    "plugin_args_text",
    "resolve",
]

FIND_GROUP = "oar.find_func"
ASSIGN_GROUP = "oar.assign_func"
SORT_GROUP = "oar.jobs_sorting_func"
METASCHED_GROUP = "oar.extra_metasched_func"
ENTRY_POINT_GROUPS = (FIND_GROUP, ASSIGN_GROUP, SORT_GROUP, METASCHED_GROUP)
"""The entry-point groups OAR3 reads plugins from, in catalogue order."""

JOB_TYPE_SELECTORS = {FIND_GROUP: "find", ASSIGN_GROUP: "assign"}
"""Groups whose plugin a job selects by a type ``KEY=NAME[:args]``, and that key."""

_SHORT = {
    "find": FIND_GROUP,
    "assign": ASSIGN_GROUP,
    "sort": SORT_GROUP,
    "jobs_sorting": SORT_GROUP,
    "metasched": METASCHED_GROUP,
    "extra_metasched": METASCHED_GROUP,
}
_SHORT.update({g.removeprefix("oar."): g for g in ENTRY_POINT_GROUPS})
_SHORT.update({g: g for g in ENTRY_POINT_GROUPS})


@dataclass(frozen=True)
class PluginSpec:
    """One plugin to test: its entry-point group and name."""

    group: str
    name: str

    @property
    def short_group(self) -> str:
        return self.group.removeprefix("oar.")

    def __str__(self) -> str:
        return f"{self.group}:{self.name}"


@dataclass(frozen=True)
class InstalledPlugin:
    """An installed entry point: where it is registered and what it loads."""

    group: str
    name: str
    value: str
    distribution: str

    @property
    def module(self) -> str:
        return self.value.split(":", 1)[0].strip()


KIT_DISTRIBUTION = "oar-conformance"
"""The kit's own distribution: its find functions (jobs of its worlds name them in
``find=``) are installed plugins, but not plugins a site asks the kit to check."""


def _entry_points(group: str) -> list[EntryPoint]:
    return sorted(entry_points(group=group), key=lambda ep: ep.name)


def installed(groups: Iterable[str] = ENTRY_POINT_GROUPS) -> dict[str, list[InstalledPlugin]]:
    """The installed plugins of each group, sorted by name."""
    found: dict[str, list[InstalledPlugin]] = {}
    for group in groups:
        found[group] = [
            InstalledPlugin(group, ep.name, ep.value, ep.dist.name if ep.dist is not None else "?")
            for ep in _entry_points(group)
        ]
    return found


def checkable() -> list[str]:
    """``GROUP:NAME`` of every installed plugin but the kit's own find functions: what
    ``--all`` checks."""
    return [
        f"{group}:{p.name}"
        for group, found in installed().items()
        for p in found
        if p.distribution != KIT_DISTRIBUTION
    ]


def _names(group: str) -> str:
    names = [p.name for p in installed([group])[group]]
    return ", ".join(names) if names else "none"


def _group(text: str) -> str:
    try:
        return _SHORT[text]
    except KeyError:
        msg = (
            f"plugin group {text!r} is unknown; use one of {', '.join(ENTRY_POINT_GROUPS)} "
            "(or its short form find, assign, sort, metasched)"
        )
        raise UsageError(msg) from None


def resolve(text: str) -> list[PluginSpec]:
    """Turn ``NAME`` or ``GROUP:NAME`` into the plugins to test.

    ``NAME`` alone gives one spec per group where NAME is registered; a name registered
    nowhere, or not in the given group, is a :class:`UsageError` listing what is installed.
    """
    text = text.strip()
    if not text:
        msg = "an empty plugin name was given; pass NAME or GROUP:NAME, e.g. oar.find_func:local"
        raise UsageError(msg)
    if ":" in text:
        group_text, name = text.rsplit(":", 1)
        group = _group(group_text)
        if not any(ep.name == name for ep in _entry_points(group)):
            msg = (
                f"plugin {name!r} is not registered in group {group}; "
                f"installed there: {_names(group)}. Is the plugin's distribution installed "
                "in this environment (pip install -e .)?"
            )
            raise UsageError(msg)
        return [PluginSpec(group, name)]
    specs = [
        PluginSpec(group, text)
        for group in ENTRY_POINT_GROUPS
        if any(ep.name == text for ep in _entry_points(group))
    ]
    if not specs:
        listing = "; ".join(f"{g}: {_names(g)}" for g in ENTRY_POINT_GROUPS)
        msg = (
            f"plugin {text!r} is not registered in any OAR3 entry-point group; "
            f"installed: {listing}. Is the plugin's distribution installed in this "
            "environment (pip install -e .)?"
        )
        raise UsageError(msg)
    return specs


def load(spec: PluginSpec) -> Callable[..., Any]:
    """Load the plugin's function as OAR3's ``find_plugin_function`` does.

    A module that fails to import raises :class:`PluginLoadError` carrying the plugin's
    own traceback, not the kit's.
    """
    for ep in _entry_points(spec.group):
        if ep.name == spec.name:
            try:
                with oar3.private_configuration():  # the plugin may import OAR3
                    func = ep.load()
            except Exception as exc:
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                tb = _plugin_frames(exc)
                msg = (
                    f"plugin {spec} could not be loaded from {ep.value!r}: {detail}\n"
                    f"Fix the plugin module (its traceback follows) and run again.\n{tb}"
                )
                raise PluginLoadError(msg) from None
            if not callable(func):
                msg = f"plugin {spec} loads {ep.value!r}, which is {func!r}, not a function"
                raise PluginLoadError(msg)
            return func  # type: ignore[no-any-return]
    return _missing(spec)


def _plugin_frames(exc: BaseException) -> str:
    """The import traceback without the kit's and importlib's own frames."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename != __file__
        and "importlib" not in f.filename
        and not f.filename.startswith("<frozen")
    ]
    lines = traceback.format_list(frames)
    return (
        "Traceback (most recent call last):\n"
        + "".join(lines)
        + "".join(traceback.format_exception_only(type(exc), exc))
    )


def _missing(spec: PluginSpec) -> Callable[..., Any]:
    resolve(str(spec))
    msg = f"plugin {spec} disappeared while loading"  # pragma: no cover - race only
    raise UsageError(msg)  # pragma: no cover


def parse_plugin_args(text: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Split ``a:b:key=value`` into positional and keyword arguments, as OAR3 does.

    This is the part after ``NAME:`` in a job type ``find=NAME:args`` /
    ``assign=NAME:args``; values stay strings, exactly as OAR3 passes them.
    """
    args: list[str] = []
    kwargs: dict[str, str] = {}
    if not text:
        return (), {}
    for arg in text.split(":"):
        key, sep, value = arg.partition("=")
        if sep and key:
            kwargs[key] = value
        else:
            args.append(arg)
    return tuple(args), kwargs


def plugin_args_text(args: Sequence[str], kwargs: Mapping[str, str]) -> str:
    """``args`` and ``kwargs`` written back as ``a:b:key=value`` (see :func:`parse_plugin_args`)."""
    return ":".join([*args, *(f"{k}={v}" for k, v in kwargs.items())])
