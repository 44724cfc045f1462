"""The kit writes only to databases it created: a database holding OAR tables is refused."""

from __future__ import annotations

from typing import Any

from oar_conformance.errors import UsageError

__all__ = ["refuse_oar_tables"]

_OAR_TABLES = ("resources", "jobs", "queues", "gantt_jobs_predictions")


def refuse_oar_tables(engine: Any) -> None:
    """Raise a usage error when ``engine``'s database already holds OAR tables."""
    from sqlalchemy import inspect  # noqa: PLC0415 - the module is imported without it

    present = sorted(set(inspect(engine).get_table_names()) & set(_OAR_TABLES))
    if present:
        msg = (
            f"the database {engine.url.render_as_string(hide_password=True)} already holds "
            f"OAR tables ({', '.join(present)}); the kit only writes to a database it "
            "created itself: give it an empty server URL or let it start its own server"
        )
        raise UsageError(msg)
