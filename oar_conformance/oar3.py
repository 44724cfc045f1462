"""Finding and isolating a genuine OAR3.

OAR3 is not on the package registry (the registry's ``oar`` is an unrelated project), so
the kit never depends on it by name: it detects it once (``oar.kao.scheduling`` found,
without importing it) and says how to install it when it is missing. OAR3 reads its
configuration and sets up logging when its scheduler modules are imported; the kit
imports them, and plugins (which may import OAR3), under a private configuration
(:func:`private_configuration`) so a site's ``/etc/oar/oar.conf`` is never read, nothing
is logged at DEBUG to the terminal, and no log file is written into the user's tree.
OAR3 (and SQLAlchemy with it) is imported only when a check needs it: a find or sort
plugin's first example does not wait for it.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

__all__ = [
    "INSTALL_HINT",
    "Oar3Status",
    "import_module",
    "isolated_oar3_state",
    "private_configuration",
    "require",
    "scheduling",
    "status",
]

INSTALL_HINT = (
    "install OAR3 from its source tree into this environment "
    "(git clone https://github.com/oar-team/oar3 && pip install ./oar3); "
    "the package named 'oar' on the registry is an unrelated project"
)

_PRIVATE_CONFIG = """\
# oar-conformance: private OAR3 configuration used while the kit imports OAR3
LOG_LEVEL=0
LOG_FILE=":stderr:"
QUOTAS="no"
JOB_PRIORITY="FIFO"
DB_TYPE="sqlite"
DB_BASE_FILE=":memory:"
"""


@dataclass(frozen=True)
class Oar3Status:
    """Whether a genuine OAR3 is importable, its version, and if not, why and what to do."""

    available: bool
    version: str
    reason: str

    @property
    def skip_line(self) -> str:
        """The one line shown when OAR3 checks are skipped."""
        return f"OAR3 checks skipped: {self.reason}; {INSTALL_HINT}"


@cache
def status() -> Oar3Status:
    """Detect OAR3 once per process, without importing its scheduler (see the module)."""
    try:
        oar = importlib.import_module("oar")
    except ImportError:
        return Oar3Status(False, "", "OAR3 is not installed (no module 'oar')")
    try:
        found = importlib.util.find_spec(_SCHEDULER)
    except ImportError as exc:
        found, why = None, str(exc)
    else:
        why = f"no module named {_SCHEDULER!r}"
    if found is None:
        where = getattr(oar, "__file__", "?")
        return Oar3Status(
            False,
            "",
            f"the module 'oar' at {where} is not OAR3 ({why}); it may be the "
            "unrelated registry package",
        )
    return Oar3Status(True, str(getattr(oar, "__version__", "unknown")), "")


def require() -> None:
    """Raise ``ImportError`` with the install hint when OAR3 is missing."""
    found = status()
    if not found.available:
        raise ImportError(found.skip_line)


_SCHEDULER = "oar.kao.scheduling"


@cache
def scheduling() -> ModuleType:
    """Import ``oar.kao.scheduling`` under the kit's private configuration."""
    return import_module(_SCHEDULER)


@cache
def import_module(name: str) -> ModuleType:
    """Import OAR3 module ``name`` under the kit's private configuration, once."""
    with private_configuration():
        return importlib.import_module(name)


@contextmanager
def private_configuration() -> Iterator[None]:
    """While inside, an import of OAR3 (by the kit or a plugin) reads the kit's own
    configuration, not the site's; OAR3's loggers are quietened on the way out."""
    saved = os.environ.get("OARCONFFILE")
    fd, path = tempfile.mkstemp(prefix="oar-conformance-", suffix=".conf")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as conf:
            conf.write(_PRIVATE_CONFIG)
        os.environ["OARCONFFILE"] = path
        yield
    finally:
        if saved is None:
            os.environ.pop("OARCONFFILE", None)
        else:
            os.environ["OARCONFFILE"] = saved
        os.unlink(path)
        _quiet_oar_logging()


def _quiet_oar_logging() -> None:
    """Keep OAR3's loggers from writing scheduling chatter to the user's terminal."""
    for name in list(logging.root.manager.loggerDict):
        if name == "oar" or name.startswith("oar."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


_PSEUDO_DEFAULTS = (
    "types",
    "deps",
    "key_cache",
    "assign_args",
    "assign_kwargs",
    "find_args",
    "find_kwargs",
)


_QUOTAS_STATE = ("enabled", "calendar", "default_rules", "job_types")
_QUOTAS_NEUTRAL: dict[str, Any] = {
    "enabled": False,
    "calendar": None,
    "default_rules": {},
    "job_types": ["*"],
}
"""``Quotas``' class-level state with quotas off, as OAR3's own tests reset it."""


def _silent(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``print`` in OAR3's quotas module (it prints every rule check)."""


@contextmanager
def isolated_oar3_state(sched: ModuleType) -> Iterator[None]:
    """Run a round with OAR3's class-level state neutral, and put it back afterwards.

    Quotas are off (``Quotas``' rules, job types and calendar reset, so a round may
    ``Quotas.enable`` once), ``ResourceSet.default_itvs`` is empty, and OAR3's quotas
    module prints nothing; ``JobPseudo``'s shared mutable defaults and OAR3's
    configuration are restored, so a plugin writing into them cannot affect the next
    example; OAR3's loggers stay quiet.
    """
    quotas, pseudo, config = sched.Quotas, sched.JobPseudo, sched.config
    resource_set = sched.ResourceSet
    quotas_module = sys.modules[quotas.__module__]
    saved_quotas = {name: copy.copy(getattr(quotas, name)) for name in _QUOTAS_STATE}
    saved_pseudo = {name: copy.deepcopy(getattr(pseudo, name)) for name in _PSEUDO_DEFAULTS}
    saved_config = dict(config)
    saved_itvs = resource_set.default_itvs
    saved_print = quotas_module.__dict__.get("print")
    for name, value in _QUOTAS_NEUTRAL.items():
        setattr(quotas, name, copy.copy(value))
    resource_set.default_itvs = saved_itvs.__class__()
    quotas_module.print = _silent  # type: ignore[attr-defined]
    _quiet_oar_logging()
    try:
        yield
    finally:
        for name, value in saved_quotas.items():
            setattr(quotas, name, value)
        for name, value in saved_pseudo.items():
            setattr(pseudo, name, value)
        config.clear()
        config.update(saved_config)
        resource_set.default_itvs = saved_itvs
        if saved_print is None:
            del quotas_module.print
        else:
            quotas_module.print = saved_print  # type: ignore[attr-defined]
        _quiet_oar_logging()
