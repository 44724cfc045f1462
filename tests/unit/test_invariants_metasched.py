"""Exact verdicts of the metasched invariants M1 and M2 on hand-made rounds (no OAR3).

Every field of each breach is compared: the message a user reads, what was received
and expected, and the kind Hypothesis shrinks by.
"""

from __future__ import annotations

import pytest

from oar_conformance.catalogue import get
from oar_conformance.families.rounds.outcome import Call, RoundOutcome
from oar_conformance.families.rounds.scenario import RoundScenario
from oar_conformance.model import Level, Platform, Queue
from oar_conformance.outcome import PluginError
from oar_conformance.violations import Breach, Unjudged

PLATFORM = Platform((Level("host", (frozenset({1, 2}), frozenset({3, 4}))),))
QUEUES = (Queue("admin", 10), Queue("default", 2), Queue("besteffort", 0), Queue("q1", 2))
ROUND = RoundScenario(PLATFORM, 1000, QUEUES, (), ())
"""Three priority groups: [admin], then [default, q1], then [besteffort]."""
ADMIN = (("admin", 10),)
DEFAULT = (("default", 2), ("q1", 2))
BESTEFFORT = (("besteffort", 0),)
OAR3S_CALLS = (Call(None, ADMIN), Call(ADMIN, DEFAULT), Call(DEFAULT, BESTEFFORT))
"""OAR3's calls: each group highest first, the previous group as prev_queues."""


def judged(
    inv_id: str, calls: tuple[Call, ...], scenario: RoundScenario = ROUND, **kw: object
) -> list[Breach | Unjudged]:
    outcome = RoundOutcome(calls, (), (), **kw)  # type: ignore[arg-type]
    return list(get(inv_id).judge(scenario, outcome))


def count(message: str, calls: int, groups: int) -> Breach:
    received = f"{calls} call{'s' if calls != 1 else ''}"
    expected = f"{groups} call{'s' if groups != 1 else ''}, one per priority"
    return Breach(message, received=received, expected=expected, kind="count")


def test_m1_accepts_oar3s_calls() -> None:
    assert judged("M1", OAR3S_CALLS) == []


def test_m1_counts_the_calls() -> None:
    extra = (*OAR3S_CALLS, Call(BESTEFFORT, BESTEFFORT))
    assert judged("M1", extra) == [count("call 4 comes after the 3 priority groups", 4, 3)]
    assert judged("M1", OAR3S_CALLS[:2]) == [count("2 calls for 3 priority groups", 2, 3)]
    one = RoundScenario(PLATFORM, 1000, (Queue("default", 2),), (), ())
    twice = (Call(None, (("default", 2),)),) * 2
    assert judged("M1", twice, one) == [count("call 2 comes after the 1 priority group", 2, 1)]
    assert judged("M1", (), one) == [count("0 calls for 1 priority group", 0, 1)]


def test_m1_leaves_a_round_cut_short_by_an_error_to_m2() -> None:
    error = PluginError("raised", "RuntimeError: x")
    assert judged("M1", OAR3S_CALLS[:2], error=error) == []
    assert judged("M1", (), error=error) == []


def test_m1_names_the_queues_a_call_received() -> None:
    assert judged("M1", (Call(None, DEFAULT),)) == [
        Breach(
            "call 1 received queues [default, q1]",
            received="[default, q1]",
            expected="[admin] (priority groups highest first)",
            kind="queues",
        )
    ]
    wrong_second = (Call(None, ADMIN), Call(ADMIN, BESTEFFORT))
    assert judged("M1", wrong_second) == [
        Breach(
            "call 2 received queues [besteffort]",
            received="[besteffort]",
            expected="[default, q1] (priority groups highest first)",
            kind="queues",
        )
    ]


def test_m1_names_the_prev_queues_a_call_received() -> None:
    assert judged("M1", (Call(ADMIN, ADMIN),)) == [
        Breach(
            "call 1 received prev_queues [admin]",
            received="[admin]",
            expected="None",
            kind="prev-queues",
        )
    ]
    assert judged("M1", (Call(None, ADMIN), Call(BESTEFFORT, DEFAULT))) == [
        Breach(
            "call 2 received prev_queues [besteffort]",
            received="[besteffort]",
            expected="[admin]",
            kind="prev-queues",
        )
    ]
    emptied = (Call(None, ADMIN), Call((), DEFAULT))
    assert judged("M1", emptied) == [
        Breach(
            "call 2 received prev_queues []", received="[]", expected="[admin]", kind="prev-queues"
        )
    ]
    assert judged("M1", (Call(None, ADMIN), Call(None, DEFAULT))) == [
        Breach("call 2 received prev_queues None", "None", "[admin]", "prev-queues")
    ]


EXPECTED = "the call returns and the session still answers SELECT 1"


@pytest.mark.parametrize(
    ("error", "calls", "breach"),
    [
        (
            PluginError("raised", "RuntimeError: x"),
            (
                Call(None, ADMIN),
                Call(ADMIN, DEFAULT, error=PluginError("raised", "RuntimeError: x")),
            ),
            Breach("call 2: RuntimeError: x (on postgresql)", "an exception", EXPECTED, "raised"),
        ),
        (
            PluginError("session", "the session failed"),
            (Call(None, ADMIN, session_error="current transaction is aborted"),),
            Breach(
                "call 1: the session failed (on postgresql)",
                "a session that no longer answers SELECT 1",
                EXPECTED,
                "session",
            ),
        ),
        (
            PluginError("timeout", "no answer within 1 s"),
            (Call(None, ADMIN),),
            Breach(
                "no answer within 1 s (on postgresql)", "no answer in time", EXPECTED, "timeout"
            ),
        ),
        (
            PluginError("died", "the process ended"),
            (),
            Breach(
                "the process ended (on postgresql)", "the plugin's process ended", EXPECTED, "died"
            ),
        ),
        (
            PluginError("type", "returned 3"),
            (),
            Breach("returned 3 (on postgresql)", "type", EXPECTED, "type"),
        ),
    ],
)
def test_m2_says_which_call_failed_and_how(
    error: PluginError, calls: tuple[Call, ...], breach: Breach
) -> None:
    assert judged("M2", calls, error=error, db="postgresql") == [breach]


def test_m2_leaves_oar3s_own_failure_to_r1() -> None:
    oar3 = PluginError("raised", "KeyError: 7", oar3=True)
    assert judged("M2", OAR3S_CALLS, error=oar3) == []
    assert judged("M2", OAR3S_CALLS) == []
