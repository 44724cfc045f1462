"""Sample ``oar.jobs_sorting_func`` plugins.

Correct: ``fifo`` (by submission time, ties in input order) and ``priority`` (by a
per-user priority read from the JSON config, highest first, ties in input order).

Faulty ones are each built from a correct one with one deliberate bug, named after the
invariant it breaks.
"""

from __future__ import annotations

import json
import random


def _user_priorities(config_str):
    return json.loads(config_str).get("priority", {}).get("user", {})


def fifo(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Correct: oldest submission first; Python's sort is stable, so ties keep input order."""
    return sorted(waiting_jids, key=lambda jid: waiting_jobs[jid].submission_time)


def priority(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Correct: users with a higher priority in the config first (0 when not listed)."""
    levels = _user_priorities(config_str)
    return sorted(waiting_jids, key=lambda jid: -levels.get(waiting_jobs[jid].user, 0))


def drops_last(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S1: an off-by-one loses the last job of the sorted list."""
    return fifo(queues, now, waiting_jids, waiting_jobs, config_str, plt)[:-1]


def dict_order(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S2: sorts the dict's values, so ties follow its insertion order."""
    jobs = sorted(waiting_jobs.values(), key=lambda job: job.submission_time)
    return [job.id for job in jobs]


def random_ties(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S2: breaks ties between equally old jobs at random."""
    return sorted(
        waiting_jids, key=lambda jid: (waiting_jobs[jid].submission_time, random.random())
    )


def reverse_ties(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S3: breaks ties between equally old jobs by descending id."""
    return sorted(waiting_jids, key=lambda jid: (waiting_jobs[jid].submission_time, -jid))


def needs_config(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S4: assumes the config has user priorities, so crashes on OAR3's "{}"."""
    levels = json.loads(config_str)["priority"]["user"]
    return sorted(waiting_jids, key=lambda jid: -levels.get(waiting_jobs[jid].user, 0))


def empty_list(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S4: measures ages from the oldest job, so crashes when no job waits."""
    oldest = min(waiting_jobs[jid].submission_time for jid in waiting_jids)
    return sorted(waiting_jids, key=lambda jid: waiting_jobs[jid].submission_time - oldest)


def sorts_in_place(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S5: sorts OAR3's own waiting_jids list in place and returns it."""
    waiting_jids.sort(key=lambda jid: waiting_jobs[jid].submission_time)
    return waiting_jids


def hangs_on_ties(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """Breaks S4: a hand-written bubble sort that also swaps equal jobs, forever."""
    order = list(waiting_jids)
    swapped = True
    while swapped:
        swapped = False
        for i in range(len(order) - 1):
            first, second = (waiting_jobs[jid].submission_time for jid in order[i : i + 2])
            if first >= second:
                order[i], order[i + 1] = order[i + 1], order[i]
                swapped = True
    return order


def newest_first(queues, now, waiting_jids, waiting_jobs, config_str, plt):
    """C12 (campaigns only): a legal order on its own, newest submission first; under
    steady submissions and OAR3's scheduling window the oldest job never gets in."""
    return sorted(waiting_jids, key=lambda jid: -waiting_jobs[jid].submission_time)
