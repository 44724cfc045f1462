"""Sample ``oar.assign_func`` plugins.

Correct: ``oar_default`` (OAR3's own ``assign_resources_mld_job_split_slots``),
``latest_moldable`` (a different policy written with OAR3's ``SlotSet`` API: the last
moldable that fits anywhere, at its earliest start, on the last blocks that fit, or on
the job's own find function's answer, within the quotas) and ``delegating_search`` (the
first moldable that fits, found by OAR3's own slot search, which keeps quotas and the
job's find function).

Faulty ones are each built from a correct one with one deliberate bug, named after the
invariant they break. OAR3 is imported inside the functions, as a plugin loaded by OAR3
may do.
"""

from __future__ import annotations

import copy
import random
import time

from procset import ProcSet

from oar_conformance_samples.find import last_fit


def _oar():
    from oar.kao import scheduling, slot

    return scheduling, slot


def _unschedulable(job):
    job.start_time = -1
    job.res_set = ProcSet()
    job.moldable_id = -1


def _split(slots_set, job, start_time, walltime, res_set):
    """Take ``res_set`` away from the slots during ``[start_time, start_time + walltime - 1]``.

    The job's owner and types go with it: the slots count it against its quotas.
    """
    scheduling, _ = _oar()
    taken = scheduling.JobPseudo(
        id=job.id,
        start_time=start_time,
        walltime=walltime,
        res_set=res_set,
        ts=False,
        ph=0,
        queue_name=job.queue_name,
        project=job.project,
        user=job.user,
        types=job.types,
    )
    sid_left, sid_right = slots_set.get_encompassing_slots(start_time, start_time + walltime - 1)
    slots_set.split_slots(sid_left, sid_right, taken)


def oar_default(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Correct: OAR3's own default assign, called through the plugin interface."""
    scheduling, _ = _oar()
    return scheduling.assign_resources_mld_job_split_slots(slots_set, job, hy, min_start_time)


def _job_find(job, default):
    """The job's own find function (type ``find=NAME``) with its arguments, or ``default``."""
    if not job.find:
        return default

    def find(avail, hy_res_rqts, hy, beginning):
        return job.find_func(avail, hy_res_rqts, hy, beginning, *job.find_args, **job.find_kwargs)

    return find


def _within_quotas(slots_set, job, first, last, walltime, found):
    """OAR3's quota check of ``found`` over slots ``first`` to ``last`` (true without quotas)."""
    from oar.lib.resource import ResourceSet

    scheduling, _ = _oar()
    if not scheduling.Quotas.enabled or job.no_quotas:
        return True
    nb_res = len(found & ResourceSet.default_itvs)
    return scheduling.Quotas.check_slots_quotas(
        slots_set.slots, first.id, last.id, job, nb_res, walltime
    )[0]


def _earliest(slots_set, job, walltime, hy_res_rqts, hy, min_start_time, *, quotas=True):
    """The earliest start of a moldable and its resources, or ``None``.

    The resources are the job's find function's answer, or the last blocks that fit;
    with ``quotas`` the window must keep the job within its quotas.
    """
    _, slot = _oar()
    find = _job_find(job, last_fit)
    for first, last in slots_set.traverse_with_width(walltime):
        if first.b < max(min_start_time, slots_set.begin):
            continue
        avail = slot.intersec_itvs_slots(slots_set.slots, first.id, last.id)
        found = find(avail, hy_res_rqts, hy, first.prev == 0)
        if found and (not quotas or _within_quotas(slots_set, job, first, last, walltime, found)):
            return first.b, found
    return None


def latest_moldable(slots_set, job, hy, min_start_time, *args, quotas=True, **kwargs):
    """Correct: prefers the last moldable that fits, on the last blocks that fit."""
    for mld_id, walltime, hy_res_rqts in reversed(job.mld_res_rqts):
        found = _earliest(slots_set, job, walltime, hy_res_rqts, hy, min_start_time, quotas=quotas)
        if found is not None:
            start_time, res_set = found
            job.start_time, job.walltime, job.moldable_id, job.res_set = (
                start_time,
                walltime,
                mld_id,
                res_set,
            )
            _split(slots_set, job, start_time, walltime, res_set)
            return
    _unschedulable(job)


def delegating_search(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Correct: the first moldable that fits, where OAR3's own slot search finds it."""
    scheduling, _ = _oar()
    for res_rqt in job.mld_res_rqts:
        mld_id, walltime, _ = res_rqt
        res_set, sid_left, sid_right = scheduling.find_first_suitable_contiguous_slots(
            slots_set, job, res_rqt, hy, min_start_time
        )
        if res_set:
            job.moldable_id, job.walltime, job.res_set = mld_id, walltime, res_set
            job.start_time = slots_set.slots[sid_left].b
            slots_set.split_slots(sid_left, sid_right, job)
            return
    _unschedulable(job)


def empty_res_set(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A1: schedules the job but leaves ``res_set`` empty."""
    oar_default(slots_set, job, hy, min_start_time)
    if job.start_time >= 0:
        job.res_set = ProcSet()


def ignores_dependencies(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A2: schedules as if the job had no dependencies (``min_start_time`` -1)."""
    return oar_default(slots_set, job, hy, -1)


def ignores_occupation(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A3: decides on an empty platform, then books that in the real slot set."""
    _, slot = _oar()
    everything = ProcSet().union(*(b for blocks in hy.values() for b in blocks))
    empty = slot.SlotSet((everything, max(slots_set.begin, min_start_time)))
    oar_default(empty, job, hy, -1)
    if job.start_time >= 0:
        _split(slots_set, job, job.start_time, job.walltime, job.res_set)


def _one_more_top_block(res_rqt):
    """A moldable's request with one more block at the top of its first group."""
    mld_id, walltime, ((levels, constraints), *rest) = res_rqt
    (name, count), *lower = levels
    if count > 0:
        levels = [(name, count + 1), *lower]
    return (mld_id, walltime, [(levels, constraints), *rest])


def one_block_too_many(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A4: asks OAR3's default for one more top block than the job requested."""
    asked = job.mld_res_rqts
    job.mld_res_rqts = [_one_more_top_block(res_rqt) for res_rqt in asked]
    try:
        oar_default(slots_set, job, hy, min_start_time)
    finally:
        job.mld_res_rqts = asked


def no_split(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A5: decides like OAR3's default but never splits the slot set."""
    oar_default(copy.deepcopy(slots_set), job, hy, min_start_time)


def short_split(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A6 (and A5): decides right, but books only the first half of the walltime."""
    oar_default(copy.deepcopy(slots_set), job, hy, min_start_time)
    if job.start_time >= 0:
        _split(slots_set, job, job.start_time, max(1, job.walltime // 2), job.res_set)


def random_policy(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A7: picks OAR3's default or ``latest_moldable`` at random."""
    policy = random.choice((oar_default, latest_moldable))
    return policy(slots_set, job, hy, min_start_time)


def gives_up_when_busy(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A8 (advisory): leaves the job unschedulable whenever anything is booked."""
    everything = ProcSet().union(*(b for blocks in hy.values() for b in blocks))
    if any(s.itvs != everything for s in slots_set.slots.values()):
        _unschedulable(job)
        return
    oar_default(slots_set, job, hy, min_start_time)


def never_schedules(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A9: leaves every job unschedulable (every safety check then holds vacuously)."""
    _unschedulable(job)


def ignores_quotas(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A11: ``latest_moldable`` with its own slot search, without the quota check."""
    latest_moldable(slots_set, job, hy, min_start_time, quotas=False)


def ignores_find(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A12: OAR3's default search with the job's own find function turned off."""
    own, job.find = job.find, False
    try:
        oar_default(slots_set, job, hy, min_start_time)
    finally:
        job.find = own


def quadratic(slots_set, job, hy, min_start_time, *args, **kwargs):
    """Breaks A10 (advisory): OAR3's answers, in a time growing with the square of the platform."""
    size = len(ProcSet().union(*(b for blocks in hy.values() for b in blocks)))
    time.sleep(3e-6 * size * size)
    oar_default(slots_set, job, hy, min_start_time)
