"""The find functions the kit ships for find= jobs: registered, found by name, valid."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from oar_conformance.find_functions import FIND_FUNCTIONS, resolve

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_kit_registers_its_find_functions_under_oar_find_func() -> None:
    """Generated find= jobs name them; a site's OAR3 finds them by entry point."""
    entry_points = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"]
    assert entry_points["oar.find_func"] == {
        name: f"oar_conformance.find_functions:{func.__name__}"
        for name, func in FIND_FUNCTIONS.items()
    }


@pytest.mark.parametrize("name", list(FIND_FUNCTIONS))
def test_a_kit_find_function_is_found_by_name(name: str) -> None:
    assert resolve(name).__qualname__ == FIND_FUNCTIONS[name].__qualname__


def test_an_unknown_find_function_names_the_kits_own() -> None:
    message = "find='nope': no oar.find_func entry point of that name is installed"
    with pytest.raises(LookupError, match=re.escape(message)):
        resolve("nope")
