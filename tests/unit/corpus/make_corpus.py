"""Write the corpus of real judgements (``tests/unit/corpus/*.json``) from the sample plugins.

Run by a developer, with OAR3 installed, PostgreSQL at hand and the sample plugins
installed (``pip install -e tests/samples``), from the repository's root::

    python tests/unit/corpus/make_corpus.py            # every file
    python tests/unit/corpus/make_corpus.py find sort  # some of them

For each file of examples (``find``, ``assign``, ``sort``, ``round``, ``campaign``) it
records, per sample plugin, a few scenarios drawn with a fixed seed and observed with
every need of the family (a repeat call, OAR3's default, the other database, OAR3
alone), and for each faulty sample the shrunk counterexample of the invariant it is
named after, as a check finds it. Each example is judged by every invariant of its file
(see ``tests/unit/_corpus.py``) and the verdicts are recorded with it.

Before writing, it reviews the verdicts and stops on a surprise: a correct sample with
a breach of a contract invariant, or a faulty sample whose counterexample does not break
its invariant. The tests never run this script; they read what it wrote.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _corpus

from oar_conformance import oar3
from oar_conformance.catalogue import family_of, get
from oar_conformance.families.campaigns.scenario import CampaignScenario, Submit, Wait
from oar_conformance.invariant import Severity
from oar_conformance.model import Group, Job, Level, Moldable, Platform
from oar_conformance.options import CheckOptions
from oar_conformance.plugins import (
    ASSIGN_GROUP,
    FIND_GROUP,
    METASCHED_GROUP,
    SORT_GROUP,
    PluginSpec,
    load,
)
from oar_conformance.profiles import Profile, get_profile
from oar_conformance.scenario_data import DataTypes, decode, encode
from oar_conformance.shared_run import run_invariants
from oar_conformance.violations import Breach, Violation

SEED = 20
"""The seed of every draw and search: the same kit and OAR3 give the same corpus."""
SEEDS = 10
"""Seeds tried, from :data:`SEED` on, for a faulty sample's counterexample."""


@dataclass(frozen=True)
class Sample:
    """A sample plugin: its group and name, and the invariant it breaks ("" when correct)."""

    group: str
    name: str
    breaks: str = ""
    drawn: int = 4
    """How many drawn scenarios it is observed on."""
    shrink: bool = True
    """Whether its counterexample is shrunk (a campaign's shrinking plays up to 200
    campaigns: the one found is kept instead)."""
    given: Callable[[], Any] | None = None
    """A scenario known to break the invariant, observed instead of searching for one
    (a fault generated scenarios rarely reach)."""


def starving_campaign() -> CampaignScenario:
    """A full platform and three waiting jobs of one queue group: newest first, job 2
    never enters the scheduling window (tests/db/test_campaign_catalogue.py)."""
    cores = tuple(frozenset({i}) for i in (1, 2, 3, 4))
    platform = Platform(
        (Level("host", (frozenset({1, 2}), frozenset({3, 4}))), Level("core", cores))
    )
    everything = Group((("host", 2),), platform.resources)
    one = Group((("core", 1),), platform.resources)
    jobs = [Job(1, (Moldable(1, 3600, (everything,)),))]
    jobs += [Job(i, (Moldable(i, 600, (one,)),)) for i in (2, 3, 4)]
    return CampaignScenario(platform, (*(Submit(j) for j in jobs), Wait(60), Wait(60), Wait(60)))


FIND = [
    Sample(FIND_GROUP, "sample_first_fit", drawn=8),
    Sample(FIND_GROUP, "sample_last_fit"),
    Sample(FIND_GROUP, "sample_disjoint_fit"),
    Sample(FIND_GROUP, "sample_oar_default", drawn=8),
    Sample(FIND_GROUP, "sample_nothing"),
    Sample(FIND_GROUP, "bad_f1_ignores_busy", "F1"),
    Sample(FIND_GROUP, "bad_f2_one_extra_block", "F2"),
    Sample(FIND_GROUP, "bad_f3_first_group_only", "F3"),
    Sample(FIND_GROUP, "bad_f3_resource_id_blocks", "F3"),
    Sample(FIND_GROUP, "bad_f4_mutates_avail", "F4"),
    Sample(FIND_GROUP, "bad_f5_random", "F5"),
    Sample(FIND_GROUP, "bad_f6_raises", "F6"),
    Sample(FIND_GROUP, "bad_f6_wrong_type", "F6"),
    Sample(FIND_GROUP, "bad_f7_overlapping", "F7"),
    Sample(FIND_GROUP, "bad_f8_gives_up", "F8"),
]
ASSIGN = [
    Sample(ASSIGN_GROUP, "sample_oar_default", drawn=8),
    Sample(ASSIGN_GROUP, "sample_latest_moldable", drawn=8),
    Sample(ASSIGN_GROUP, "bad_a1_empty_res_set", "A1"),
    Sample(ASSIGN_GROUP, "bad_a2_ignores_dependencies", "A2"),
    Sample(ASSIGN_GROUP, "bad_a3_ignores_occupation", "A3"),
    Sample(ASSIGN_GROUP, "bad_a4_one_block_too_many", "A4"),
    Sample(ASSIGN_GROUP, "bad_a5_no_split", "A5"),
    Sample(ASSIGN_GROUP, "bad_a6_short_split", "A6"),
    Sample(ASSIGN_GROUP, "bad_a7_random", "A7"),
    Sample(ASSIGN_GROUP, "bad_a8_gives_up_when_busy", "A8"),
]
SORT = [
    Sample(SORT_GROUP, "sample_fifo", drawn=8),
    Sample(SORT_GROUP, "sample_priority", drawn=8),
    Sample(SORT_GROUP, "bad_s1_drops_last", "S1"),
    Sample(SORT_GROUP, "bad_s2_dict_order", "S2"),
    Sample(SORT_GROUP, "bad_s2_random_ties", "S2"),
    Sample(SORT_GROUP, "bad_s3_reverse_ties", "S3"),
    Sample(SORT_GROUP, "bad_s4_needs_config", "S4"),
    Sample(SORT_GROUP, "bad_s4_empty_list", "S4"),
    Sample(SORT_GROUP, "bad_s5_sorts_in_place", "S5"),
]
ROUND = [
    Sample(METASCHED_GROUP, "sample_noop", drawn=6),
    Sample(METASCHED_GROUP, "sample_logs_queues"),
    Sample(METASCHED_GROUP, "bad_m1_clears_queues", "M1"),
    Sample(METASCHED_GROUP, "bad_m2_raises_on_second_group", "M2"),
    Sample(METASCHED_GROUP, "bad_m2_swallows_sql_error", "R2"),
    Sample(METASCHED_GROUP, "bad_r1_frees_busy_resources", "R1"),
    Sample(FIND_GROUP, "sample_first_fit"),
    Sample(FIND_GROUP, "bad_f1_ignores_busy", "R1"),
    Sample(FIND_GROUP, "bad_f2_one_extra_block", "R1"),
    Sample(FIND_GROUP, "bad_f6_raises", "R1"),
    Sample(ASSIGN_GROUP, "sample_oar_default"),
    Sample(ASSIGN_GROUP, "bad_a3_ignores_occupation", "R1"),
    Sample(SORT_GROUP, "sample_fifo"),
    Sample(SORT_GROUP, "bad_s4_needs_config", "R1"),
]
CAMPAIGN = [
    Sample(METASCHED_GROUP, "sample_noop", drawn=3),
    Sample(SORT_GROUP, "sample_fifo", drawn=2),
    Sample(FIND_GROUP, "sample_first_fit", drawn=2),
    Sample(METASCHED_GROUP, "bad_c2_launches_unrecorded", "C1", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c2_launches_unrecorded", "C2", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c3_moves_running", "C3", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c4_frees_after_an_end", "C4", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c5_shifts_reservations", "C5", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c6_drops_dependencies", "C6", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c7_resumes_held", "C7", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c8_frags_long_jobs", "C8", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c9_plans_held", "C9", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c10_drops_slot_sets_after_an_end", "C10", drawn=0, shrink=False),
    Sample(METASCHED_GROUP, "bad_c11_drains_by_like", "C11", drawn=0, shrink=False),
    Sample(SORT_GROUP, "bad_c12_newest_first", "C12", drawn=0, given=starving_campaign),
    Sample(METASCHED_GROUP, "bad_c13_refuses_reservations", "C13", drawn=0, shrink=False),
]

SAMPLES = {"find": FIND, "assign": ASSIGN, "sort": SORT, "round": ROUND, "campaign": CAMPAIGN}
NEEDS = {
    "find": ("repeat", "reference"),
    "assign": ("repeat", "reference"),
    "sort": ("repeat", "reorder", "resort"),
    "round": ("other-db", "oar3-alone"),
    "campaign": ("other-db", "oar3-alone"),
}
"""Every observation a file's invariants may read."""
FAMILY = {"find": "F1", "assign": "A1", "sort": "S1", "round": "R1", "campaign": "C1"}
"""An invariant of each file's family, to reach the family."""

DRAW = Profile("corpus", 20, 16, "the corpus's drawn scenarios", campaign_steps=8)
SEARCH = get_profile("ci")


def drawn(strategy: Any, count: int, at: int) -> list[Any]:
    """``count`` scenarios of ``strategy``, drawn with seed ``at``."""
    found: list[Any] = []

    @seed(at)
    @settings(
        max_examples=count,
        database=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def collect(scenario: Any) -> None:
        found.append(scenario)

    collect()
    return found[:count]


def normalised(file: str, scenario: Any, outcome: Any) -> tuple[Any, Any]:
    """The pair as the corpus keeps it: machine details dropped, written and read back."""
    types = DataTypes(_corpus.TYPES[file])
    return (
        decode(encode(scenario, types), types),
        decode(encode(_corpus.plain(outcome), types), types),
    )


def example(file: str, sample: Sample, source: str, scenario: Any, outcome: Any) -> Any:
    scenario, outcome = normalised(file, scenario, outcome)
    return _corpus.Example(
        plugin=sample.name,
        group=sample.group,
        source=source,
        scenario=scenario,
        outcome=outcome,
        verdicts=_corpus.judge(file, sample.group, scenario, outcome),
        findings=_corpus.findings(file, scenario, outcome),
    )


def observe(file: str, sample: Sample, at: int) -> list[Any]:
    """The sample's scenarios drawn with seed ``at``, then its shrunk counterexample.

    Every example is observed with all of :data:`NEEDS`, the counterexample too (the
    check that found it observed only what its invariant needs), unless observing it
    again no longer breaks the invariant (a random plugin): then it is kept as found.
    """
    spec = PluginSpec(sample.group, sample.name)
    family = family_of(get(FAMILY[file]))
    options = CheckOptions(profile=DRAW, seed=at, example_database=None, group=sample.group)
    runner = family.runner(load(spec), options)
    examples = []
    for scenario in drawn(family.scenarios(options), sample.drawn, at) if sample.drawn else []:
        outcome = runner.run(scenario, NEEDS[file])
        examples.append(example(file, sample, "drawn", scenario, outcome))
    if sample.breaks and sample.given is not None:
        scenario = sample.given()
        source = f"given {sample.breaks}"
        examples.append(example(file, sample, source, scenario, runner.run(scenario, NEEDS[file])))
    elif sample.breaks:
        found = counterexample(spec, sample.breaks, shrink=sample.shrink)
        source = f"{'shrunk' if sample.shrink else 'found'} {sample.breaks}"
        again = runner.run(found.scenario, NEEDS[file])
        kept = example(file, sample, source, found.scenario, again)
        if not any(isinstance(v, Breach) for v in kept.verdicts[sample.breaks]):
            kept = example(file, sample, f"{source}, as found", found.scenario, found.outcome)
        examples.append(kept)
    return examples


def counterexample(spec: PluginSpec, invariant_id: str, *, shrink: bool) -> Violation:
    """The (shrunk) violation of ``invariant_id`` a check of ``spec`` finds, trying the
    seeds from :data:`SEED` on (a campaign fault may need a few)."""
    for at in range(SEED, SEED + SEEDS):
        search = CheckOptions(profile=SEARCH, seed=at, example_database=None, shrink=shrink)
        failures = run_invariants(spec, [get(invariant_id)], search).failures()
        if invariant_id in failures:
            return failures[invariant_id].violation
    msg = f"{spec} did not break {invariant_id} with seeds {SEED} to {SEED + SEEDS - 1}"
    raise SystemExit(msg)


def review(file: str, examples: list[Any]) -> list[str]:
    """Surprising verdicts: a correct sample breaking a contract invariant, a faulty
    sample's counterexample not breaking its own."""
    faults = {(s.group, s.name): s.breaks for s in SAMPLES[file] if s.breaks}
    problems = []
    for e in examples:
        broken = {i for i, vs in e.verdicts.items() if any(isinstance(v, Breach) for v in vs)}
        wanted = faults.get((e.group, e.plugin))
        where = f"{file}: {e.group}:{e.plugin} ({e.source})"
        if wanted is None:
            contract = {i for i in broken if get(i).severity is Severity.CONTRACT}
            if contract:
                problems.append(f"{where}: a correct sample breaks {sorted(contract)}")
        elif e.source.split(" ")[0] in {"shrunk", "found", "given"} and wanted not in broken:
            problems.append(f"{where}: its counterexample does not break {wanted}")
    return problems


CACHE = Path(tempfile.gettempdir()) / "oar-conformance-corpus"
"""Each sample's examples as written, so a run that stopped (or several runs sharing
the samples out with ``--part``) goes on from what was done; ``--fresh`` empties it."""


def cached(file: str, index: int, sample: Sample, progress: Callable[[str], None]) -> list[Any]:
    """The sample's examples, observed now or read back from :data:`CACHE`."""
    path = CACHE / f"{file}-{index}-{sample.name}-{sample.breaks}.json"
    if path.exists():
        found = [_corpus.example_of(file, item) for item in json.loads(path.read_text())]
    else:
        start = time.perf_counter()
        found = observe(file, sample, SEED * 100 + index)
        CACHE.mkdir(exist_ok=True)
        path.write_text(json.dumps([_corpus.record(file, e) for e in found]))
        progress(
            f"{file}: {sample.group}:{sample.name}: {len(found)} examples in "
            f"{time.perf_counter() - start:.1f} s"
        )
    return found


def write(file: str, progress: Callable[[str], None], part: tuple[int, int] = (0, 1)) -> None:
    examples = []
    mine, parts = part
    for index, sample in enumerate(SAMPLES[file]):
        if parts > 1 and index % parts != mine:
            continue
        examples += cached(file, index, sample, progress)
    if parts > 1:
        progress(f"{file}: part {mine} of {parts} observed; run without --part to write")
        return
    problems = review(file, examples)
    if problems:
        raise SystemExit("\n".join(["surprising verdicts, nothing written:", *problems]))
    meta = {"kit": _kit_version(), "oar3": oar3.status().version, "seed": str(SEED)}
    _corpus.path_of(file).write_text(_corpus.dump(file, examples, meta))
    progress(f"{file}: wrote {len(examples)} examples to {_corpus.path_of(file)}")


def _kit_version() -> str:
    from oar_conformance import __version__  # noqa: PLC0415

    return __version__


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help=f"some of {', '.join(SAMPLES)} (default: all)")
    parser.add_argument("--part", default="0/1", help="K/N: observe every Nth sample from K")
    parser.add_argument("--fresh", action="store_true", help=f"forget what {CACHE} holds")
    args = parser.parse_args(argv)
    unknown = set(args.files) - set(SAMPLES)
    if unknown:
        parser.error(f"unknown files {sorted(unknown)}: use some of {', '.join(SAMPLES)}")
    mine, _, parts = args.part.partition("/")
    if args.fresh:
        shutil.rmtree(CACHE, ignore_errors=True)
    if not oar3.status().available:
        raise SystemExit(f"the corpus needs OAR3: {oar3.status().skip_line}")
    for file in args.files or SAMPLES:
        write(file, lambda line: print(line, flush=True), (int(mine), int(parts)))


if __name__ == "__main__":
    main()
