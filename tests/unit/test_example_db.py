"""Where the kit keeps saved examples when the user names no database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SHOW = (
    "from hypothesis import settings\n"
    "{setup}"
    "from oar_conformance._example_db import check_database\n"
    "kept = check_database('default', 'p::F1')\n"
    "print('none' if kept is None else type(kept._inner).__name__)\n"
)


def _database(env: dict[str, str], setup: str = "") -> str:
    """The class of the database a check keeps, in a fresh process with ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in {"CI", "GITLAB_CI", "GITHUB_ACTIONS"}}
    done = subprocess.run(
        [sys.executable, "-c", _SHOW.format(setup=setup)],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize("variable", ["CI", "GITLAB_CI"])
def test_on_ci_the_kit_keeps_examples_where_hypothesis_would_keep_none(variable: str) -> None:
    """Hypothesis' own CI profile has no database; the templates cache .hypothesis/."""
    assert _database({variable: "true"}) != "none"
    assert _database({}) == _database({variable: "true"})


def test_a_profile_the_user_loads_keeps_its_choice_of_no_database() -> None:
    setup = "settings.register_profile('mine', database=None)\nsettings.load_profile('mine')\n"
    assert _database({}, setup) == "none"
    assert _database({"CI": "true"}, setup) == "none"
