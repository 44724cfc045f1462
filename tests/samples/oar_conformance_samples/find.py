"""Sample ``oar.find_func`` plugins.

Correct: ``first_fit`` (OAR3's semantics, written independently: groups answered
separately and united), ``last_fit`` (same rules, picks blocks from the end: a very
different but valid policy), ``disjoint_fit`` (never lets two groups share a resource),
``oar_default`` (OAR3's own default, needs OAR3) and ``nothing`` (always "no allocation":
safe, and flagged by the run statistics as testing little).

Faulty ones are each built from a correct one with one deliberate bug, named after the
invariant it breaks.
"""

from __future__ import annotations

import os
import random
import time

from procset import ProcSet

ALL, BEST, HALF_BEST = -1, -2, -3


def _pick_level(free, blocks, count, order, extra=0):
    """Whole free blocks of one level: ``count`` of them, or per ALL/BEST/HALF_BEST."""
    whole = [b for b in blocks if b.issubset(free)]
    if count == ALL:
        return whole if len(whole) == len(blocks) else None
    if count == BEST:
        return whole or None
    if count == HALF_BEST:
        count = len(whole) // 2
        if count == 0:
            return None
    ordered = whole[::order]
    if len(ordered) < count:
        return None
    return ordered[: min(len(ordered), count + extra)]


def _pick(free, hy, levels, scope, order, extra):
    """Answer ``levels`` (a list of (name, count)) inside ``scope``, or None."""
    (name, count), rest = levels[0], levels[1:]
    blocks = [b for b in hy[name] if b.issubset(scope)]
    if not rest:
        chosen = _pick_level(free, blocks, count, order, extra)
        return None if chosen is None else ProcSet().union(*chosen)
    taken = []
    for block in blocks[::order]:
        if len(taken) == count:
            break
        if block & free:
            sub = _pick(free, hy, rest, block, order, extra)
            if sub is not None:
                taken.append(sub)
    if len(taken) < count:
        return None
    return ProcSet().union(*taken)


def _apart(free, taken, hy, level, order):
    """A single-level ALL/BEST/HALF_BEST answer that avoids ``taken``, or None.

    These counts are measured on the group's whole free region, so the blocks they
    require cannot be moved aside: give up when they touch another group's answer.
    """
    name, count = level
    whole = [b for b in hy[name] if b.issubset(free)]
    if count == HALF_BEST:
        apart = [b for b in whole[::order] if not b & taken]
        need = len(whole) // 2
        if need == 0 or len(apart) < need:
            return None
        return ProcSet().union(*apart[:need])
    chosen = _pick_level(free, hy[name], count, order)
    if chosen is None or any(b & taken for b in chosen):
        return None
    return ProcSet().union(*chosen)


def _fit(itvs_avail, hy_res_rqts, hy, order=1, extra=0, disjoint=False, groups=None):
    everything = ProcSet().union(*(b for blocks in hy.values() for b in blocks))
    result = ProcSet()
    for levels, constraints in hy_res_rqts[:groups]:
        free = itvs_avail & constraints
        if disjoint and len(levels) == 1 and levels[0][1] < 0:
            got = _apart(free, result, hy, levels[0], order)
        else:
            got = _pick(free - result if disjoint else free, hy, levels, everything, order, extra)
        if got is None:
            return ProcSet()
        result = result | got
    return result


def first_fit(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct: the first blocks that fit, groups answered separately and united."""
    return _fit(itvs_avail, hy_res_rqts, hy)


def last_fit(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct: the last blocks that fit (a different, equally valid policy)."""
    return _fit(itvs_avail, hy_res_rqts, hy, order=-1)


def disjoint_fit(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct, and keeps groups apart: a later group never reuses an earlier group's ids."""
    return _fit(itvs_avail, hy_res_rqts, hy, disjoint=True)


def oar_default(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct: OAR3's own default, called through the plugin interface."""
    from oar.kao.scheduling import find_resource_hierarchies_job

    return find_resource_hierarchies_job(itvs_avail, hy_res_rqts, hy)


def nothing(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct but useless: never allocates anything."""
    return ProcSet()


def ignores_busy(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F1: treats every resource as free."""
    everything = ProcSet().union(*(b for blocks in hy.values() for b in blocks))
    return _fit(everything, hy_res_rqts, hy)


def one_extra_block(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F2: takes one more lowest-level block than asked when one is free."""
    return _fit(itvs_avail, hy_res_rqts, hy, extra=1)


def first_group_only(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F3: answers the first group and silently drops the others."""
    return _fit(itvs_avail, hy_res_rqts, hy, groups=1)


def mutates_avail(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F4: removes its answer from ``itvs_avail`` in place."""
    result = _fit(itvs_avail, hy_res_rqts, hy)
    itvs_avail -= result
    return result


def random_choice(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F5: a valid answer, but chosen at random among first and last fit."""
    return _fit(itvs_avail, hy_res_rqts, hy, order=random.choice((1, -1)))


def raises_on_two_groups(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F6: crashes on requests with several groups."""
    if len(hy_res_rqts) > 1:
        msg = "only one group is supported"
        raise NotImplementedError(msg)
    return _fit(itvs_avail, hy_res_rqts, hy)


_CALLS = [0]


def fails_on_first_call(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F6 once: raises on its first call in a process, then fits first.

    Replayed, the failing example no longer fails, so the kit shows it as found.
    """
    _CALLS[0] += 1
    if _CALLS[0] == 1:
        msg = "first call in this process"
        raise RuntimeError(msg)
    return _fit(itvs_avail, hy_res_rqts, hy)


def returns_a_set(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F6: returns a plain set of ids instead of a ProcSet."""
    return set(_fit(itvs_avail, hy_res_rqts, hy))


def hangs_mid_slot_set(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F6: never returns when the window is not at the slot set's beginning."""
    while not beginning:
        time.sleep(0.01)
    return _fit(itvs_avail, hy_res_rqts, hy)


HANG_FLAG = "OAR_CONFORMANCE_SAMPLE_HANG_FLAG"
"""Environment variable naming the file whose presence makes ``hangs_while_flagged`` hang."""


def hangs_while_flagged(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Hangs while the file named by ``$OAR_CONFORMANCE_SAMPLE_HANG_FLAG`` exists, else
    first fit: a plugin fixed between two checks of one process."""
    flag = os.environ.get(HANG_FLAG, "")
    while flag and os.path.exists(flag):
        time.sleep(0.01)
    return _fit(itvs_avail, hy_res_rqts, hy)


def gives_up_when_busy(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F8 (advisory): gives up as soon as any resource is busy."""
    everything = ProcSet().union(*(b for blocks in hy.values() for b in blocks))
    if itvs_avail != everything:
        return ProcSet()
    return _fit(itvs_avail, hy_res_rqts, hy)


def resource_id_blocks(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F3: a contiguous-block policy that only serves ``/resource_id=N`` requests.

    It takes the first N contiguous free ids for the first group and forgets the others;
    any other request gets no allocation. On platforms without a ``resource_id`` level it
    never allocates, so it passed every check before platforms were OAR3's own.
    """
    levels, constraints = hy_res_rqts[0]
    if [name for name, _ in levels] != ["resource_id"] or levels[0][1] < 1:
        return ProcSet()
    wanted = levels[0][1]
    for itv in (itvs_avail & constraints).intervals():
        if itv.sup - itv.inf + 1 >= wanted:
            return ProcSet((itv.inf, itv.inf + wanted - 1))
    return ProcSet()


def site_cpu_core(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct on a ``network_address/cpu/core`` site: reads those levels directly.

    Written for one site, as site plugins are: ``hy["cpu"]`` raises KeyError on a
    platform without a cpu level (F6 without the site's profile).
    """
    nodes, cpus, cores = hy["network_address"], hy["cpu"], hy["core"]
    if not (nodes and cpus and cores):
        return ProcSet()
    return _fit(itvs_avail, hy_res_rqts, hy)


SITE_REQUEST_LEVELS = frozenset({"network_address", "cpu", "core"})
"""What ``site_no_resource_id`` handles: the levels its site lets requests name."""


def site_no_resource_id(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Correct on requests naming only nodes, cpus and cores, as its site's admission
    rules let through; raises ValueError on any other level (``/resource_id=1``).

    Inside a site whose ``request-levels`` are those three it passes; without the site
    (or with a site that ignored them) F6 reports its ValueError.
    """
    for levels, _constraints in hy_res_rqts:
        for name, _count in levels:
            if name not in SITE_REQUEST_LEVELS:
                raise ValueError(f"requests at this site never name {name!r}")
    return _fit(itvs_avail, hy_res_rqts, hy, disjoint=True)


def quadratic(itvs_avail, hy_res_rqts, hy, beginning, *args, **kwargs):
    """Breaks F10: correct answers, but its time grows with the square of the platform.

    It compares every pair of resources (here: sleeps for as long as that would take), fine
    on 64 resources and far too slow at a site's size.
    """
    size = len(ProcSet().union(*(b for blocks in hy.values() for b in blocks)))
    time.sleep(1e-6 * size * size)
    return _fit(itvs_avail, hy_res_rqts, hy)
