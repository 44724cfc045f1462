"""Sample ``oar.extra_metasched_func`` plugins: correct ones and one faulty per invariant.

OAR3 calls them as ``f(session, prev_queues, plt, scheduled_jobs, all_slot_sets,
job_security_time, queues, now, config_str)`` once per group of queues of equal priority.
"""

from __future__ import annotations

import logging
from typing import Any

from procset import ProcSet
from sqlalchemy import bindparam, text

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


# Campaign faults: each passes every single-round check (M1, M2, R1, R2) and shows only
# across rounds, in what the database carries from one round to the next.


def _ended_job_exists(session):
    query = text("SELECT COUNT(*) FROM jobs WHERE state IN ('Terminated', 'Error')")
    return session.execute(query).scalar() > 0


def launches_unrecorded(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C1, C2: launches the previous group's due jobs itself, to save OAR3 the work.

    By this call OAR3 has saved the previous queue group's schedule in the gantt; the
    plugin sets its jobs due now to toLaunch with their moldable and start time, but
    never writes their assigned_resources. The round's gantt is right; the next round
    no longer sees the jobs' resources and hands them out again.
    """
    if prev_queues is None:
        return
    names = [q.name for q in prev_queues]
    due = session.execute(
        text(
            "SELECT j.job_id, p.moldable_job_id FROM jobs j "
            "JOIN moldable_job_descriptions m ON m.moldable_job_id = j.job_id "
            "JOIN gantt_jobs_predictions p ON p.moldable_job_id = m.moldable_id "
            "WHERE j.state = 'Waiting' AND j.reservation = 'None' AND p.start_time <= :now "
            "AND j.queue_name IN :names ORDER BY j.job_id"
        ).bindparams(bindparam("names", expanding=True)),
        {"now": now, "names": names},
    ).all()
    for job_id, moldable_id in due:
        session.execute(
            text(
                "UPDATE jobs SET state = 'toLaunch', start_time = :now, "
                "assigned_moldable_job = :mld WHERE job_id = :job"
            ),
            {"now": now, "mld": moldable_id, "job": job_id},
        )


def moves_running(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C3: "defragments" running jobs onto the lowest resource ids in the database.

    The round's gantt was built before the call, so it still shows them where they run;
    the next round reads the moved assigned_resources.
    """
    if prev_queues is not None:
        return
    ids = [
        r
        for (r,) in session.execute(text("SELECT resource_id FROM resources ORDER BY resource_id"))
    ]
    running = session.execute(
        text(
            "SELECT j.assigned_moldable_job, COUNT(*) FROM jobs j "
            "JOIN assigned_resources a ON a.moldable_job_id = j.assigned_moldable_job "
            "WHERE j.state = 'Running' AND a.assigned_resource_index = 'CURRENT' "
            "GROUP BY j.assigned_moldable_job, j.job_id ORDER BY j.job_id"
        )
    ).all()
    taken = 0
    for moldable_id, count in running:
        session.execute(
            text("DELETE FROM assigned_resources WHERE moldable_job_id = :mld"),
            {"mld": moldable_id},
        )
        for rid in ids[taken : taken + count]:
            session.execute(
                text(
                    "INSERT INTO assigned_resources (moldable_job_id, resource_id, "
                    "assigned_resource_index) VALUES (:mld, :rid, 'CURRENT')"
                ),
                {"mld": moldable_id, "rid": rid},
            )
        taken += count


def frees_after_an_end(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C4: once some job has ended, "refreshes" the slot set by marking everything free."""
    if _ended_job_exists(session):
        frees_busy_resources(
            session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
        )


def shifts_reservations(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C5: postpones every accepted, not yet started reservation by a minute, every round."""
    if prev_queues is not None:
        return
    session.execute(
        text(
            "UPDATE gantt_jobs_predictions SET start_time = start_time + 60 "
            "WHERE moldable_job_id IN (SELECT m.moldable_id FROM moldable_job_descriptions m "
            "JOIN jobs j ON j.job_id = m.moldable_job_id "
            "WHERE j.reservation = 'Scheduled' AND j.state = 'Waiting')"
        )
    )


def drops_dependencies(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C6: deletes dependencies on jobs that have not ended, taking them for stale ones."""
    if prev_queues is not None:
        return
    session.execute(
        text(
            "DELETE FROM job_dependencies WHERE job_id_required IN "
            "(SELECT job_id FROM jobs WHERE state NOT IN ('Terminated', 'Error'))"
        )
    )


def resumes_held(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C7: releases held jobs so that nothing "gets stuck" (only oarresume may)."""
    session.execute(text("UPDATE jobs SET state = 'Waiting' WHERE state = 'Hold'"))


def frags_long_jobs(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C8: enforces a 5-minute run limit by fragging any job running longer."""
    if prev_queues is not None:
        return
    session.execute(
        text(
            "INSERT INTO frag_jobs (frag_id_job, frag_date, frag_state) "
            "SELECT job_id, :now, 'LEON' FROM jobs WHERE state = 'Running' "
            "AND start_time <= :since AND job_id NOT IN (SELECT frag_id_job FROM frag_jobs)"
        ),
        {"now": now, "since": now - 300},
    )


def plans_held(session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config):
    """C9: keeps held jobs' place in the gantt, a day ahead on the first resource."""
    if prev_queues is not None:
        return
    held = session.execute(
        text(
            "SELECT MIN(m.moldable_id) FROM jobs j JOIN moldable_job_descriptions m "
            "ON m.moldable_job_id = j.job_id WHERE j.state = 'Hold' GROUP BY j.job_id"
        )
    ).all()
    first = session.execute(text("SELECT MIN(resource_id) FROM resources")).scalar()
    for (moldable_id,) in held:
        session.execute(
            text(
                "INSERT INTO gantt_jobs_predictions (moldable_job_id, start_time) VALUES (:m, :t)"
            ),
            {"m": moldable_id, "t": now + 86400},
        )
        session.execute(
            text("INSERT INTO gantt_jobs_resources (moldable_job_id, resource_id) VALUES (:m, :r)"),
            {"m": moldable_id, "r": first},
        )


def drops_slot_sets_after_an_end(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C10: once a job has ended, takes the slot sets for stale and empties them.

    The plugin returns normally; OAR3's scheduler, next in the round, finds no slot set
    to schedule the queue group in and the round fails.
    """
    if _ended_job_exists(session):
        all_slot_sets.clear()


def drains_by_like(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C11: once jobs have ended, drains the last resource of type 'DEFAULT'.

    LIKE ignores case on sqlite but not on PostgreSQL, whose resources are of type
    'default': the resource is drained on sqlite only.
    """
    if prev_queues is None and _ended_job_exists(session):
        session.execute(
            text(
                "UPDATE resources SET state = 'Absent' WHERE type LIKE 'DEFAULT' "
                "AND resource_id = (SELECT MAX(resource_id) FROM resources)"
            )
        )


def refuses_reservations(
    session, prev_queues, plt, scheduled_jobs, all_slot_sets, jst, queues, now, config
):
    """C13: refuses every new advance reservation, as OAR3 refuses one that cannot fit."""
    if prev_queues is not None:
        return
    session.execute(
        text(
            "UPDATE jobs SET state = 'toError', message = 'reservations are closed' "
            "WHERE reservation = 'toSchedule' AND state = 'Waiting'"
        )
    )
