"""Databases made in the background: a PostgreSQL server takes seconds to start.

The kit starts the databases a run will need as it starts, and the first round waits
for them (or gets what stopped them). Starting imports no database code in the caller's
thread, so it costs the run nothing before its first example.
"""

from __future__ import annotations

import threading

from oar_conformance.db import _pending

__all__ = ["start_database"]


def start_database(spec: str) -> None:
    """Begin making the database for ``spec`` (see ``get_database``) in a thread."""

    def make() -> None:
        try:
            from oar_conformance.db._schema import make_database  # noqa: PLC0415

            make_database(spec)
        except BaseException as exc:  # handed to whoever asks for the database
            _pending.failed(spec, exc)

    thread = threading.Thread(target=make, name=f"oar-conformance-db-{spec}", daemon=True)
    if _pending.track(spec, thread):
        thread.start()
