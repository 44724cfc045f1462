"""Sample ``oar.extra_metasched_func`` plugins: correct ones and one faulty per invariant.

OAR3 calls them as ``f(session, prev_queues, plt, scheduled_jobs, all_slot_sets,
job_security_time, queues, now, config_str)`` once per group of queues of equal priority.
"""

from __future__ import annotations

import logging
from typing import Any

from procset import ProcSet
from sqlalchemy import text

logger = logging.getLogger("oar_conformance_samples.metasched")


def noop(session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config):
    """Does nothing (OAR3's own default)."""


def logs_queues(session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config):
    """Logs the queues it is given and counts their waiting jobs with a read-only query."""
    names = [q.name for q in queues]
    waiting = session.execute(text("SELECT COUNT(*) FROM jobs WHERE state = 'Waiting'")).scalar()
    logger.info("queues %s after %s: %s waiting", names, prev_queues and len(prev_queues), waiting)


def clears_queues(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """M1: empties the list it was given (meaning "handled"); OAR3 passes it on as prev_queues."""
    queues.clear()


def raises_on_second_group(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """M2: assumes there is never a previous group."""
    if prev_queues is not None:
        raise RuntimeError("unexpected previous queues: " + ",".join(q.name for q in prev_queues))


def swallows_sql_error(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """M2 on PostgreSQL only: sqlite's ``typeof`` does not exist there, the error is swallowed.

    On sqlite the query works; on PostgreSQL it fails and aborts the transaction, so every
    later statement of the round fails too.
    """
    try:
        session.execute(text("SELECT typeof(1)"))
    except Exception as exc:
        logger.info("ignored: %s", exc)


def frees_busy_resources(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """R1: marks every resource free in every slot (e.g. to "make room" for a queue)."""
    slot_set: Any = all_slot_sets["default"]
    everything = ProcSet()
    for slot in slot_set.slots.values():
        everything |= slot.itvs
    for slot in slot_set.slots.values():
        slot.itvs = ProcSet(*everything.intervals())
