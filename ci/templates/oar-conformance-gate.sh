#!/usr/bin/env bash
# oar-conformance gate for an OAR3 plugin repository, for any CI runner.
#
# Copy this file into your plugin repository (e.g. as ci/oar-conformance-gate.sh) and run
# it from the repository root. It creates a virtualenv, installs OAR3 (when OAR3_SOURCE
# names a source tree or archive), the kit and your plugin, then checks the plugins named
# in [tool.oar-conformance] of your pyproject.toml (or given as arguments: --plugin NAME).
#
# Environment:
#   OAR_CONFORMANCE  pip requirement for the kit (default: oar-conformance)
#   OAR3_SOURCE      OAR3 source to pip install (optional: without it, checks that need
#                    OAR3 are skipped and the run says so)
#   REPORT_DIR       where JUnit XML and counterexample reports go (default: oar-conformance-report)
#   VENV             virtualenv folder (default: .oar-conformance-venv)
#   OAR_DB           database of the rounds (optional): sqlite (the default), postgresql
#                    (a throwaway server; needs Debian's postgresql package), or a URL
#                    postgresql://USER:PASSWORD@HOST:PORT/DB of a server the kit may
#                    create and drop its own temporary database on
#
# Exit status: 0 every check passed, 1 a plugin broke an invariant, 2 usage error.
set -euo pipefail

OAR_CONFORMANCE=${OAR_CONFORMANCE:-oar-conformance}
REPORT_DIR=${REPORT_DIR:-oar-conformance-report}
VENV=${VENV:-.oar-conformance-venv}
PYTHON=${PYTHON:-python3}

"$PYTHON" -m venv "$VENV"
# shellcheck disable=SC1091
. "$VENV/bin/activate"
python -m pip install --quiet --upgrade pip
if [ -n "${OAR3_SOURCE:-}" ]; then
    python -m pip install --quiet "$OAR3_SOURCE"
fi
python -m pip install --quiet "$OAR_CONFORMANCE"
python -m pip install --quiet -e .

mkdir -p "$REPORT_DIR"
db_args=()
if [ -n "${OAR_DB:-}" ]; then
    db_args=(--db "$OAR_DB")
fi
exec oar-conformance check --junit "$REPORT_DIR/junit.xml" --report "$REPORT_DIR" \
    "${db_args[@]}" "$@"
