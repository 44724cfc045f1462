"""Known answers of the rounds invariants' verdict on a failed round (plain values, no OAR3).

A round that failed in OAR3's own code is an OAR3 finding, never the plugin's, when OAR3
failed before calling the plugin or OAR3 alone fails the round the same way.
"""

from __future__ import annotations

from oar_conformance.families.rounds.invariants import oar3_round_failure, round_findings
from oar_conformance.families.rounds.outcome import RoundOutcome, RoundResult
from oar_conformance.outcome import PluginError
from oar_conformance.violations import Breach

OAR3_ERROR = PluginError("raised", "KeyError: 7", oar3=True)


def failed(error: PluginError | None, plugin_calls: int = 0, **kw: object) -> RoundOutcome:
    return RoundOutcome((), (), (), error=error, plugin_calls=plugin_calls, **kw)  # type: ignore[arg-type]


def test_a_round_failing_in_oar3_before_the_plugin_is_oar3s_finding() -> None:
    """Pins ``round_findings``: the finding is R1's, with the reason as its message."""
    reason = "the round failed in OAR3 before the plugin was called: KeyError: 7"
    assert oar3_round_failure(failed(OAR3_ERROR)) == reason
    assert round_findings(None, failed(OAR3_ERROR)) == [  # type: ignore[arg-type]
        ("R1", Breach(reason, kind="round-failed"))
    ]


def test_a_round_oar3_alone_fails_the_same_way_is_oar3s_finding() -> None:
    alone = RoundResult((), (), (), error=OAR3_ERROR)
    reason = "OAR3 alone fails this round the same way: KeyError: 7"
    assert oar3_round_failure(failed(OAR3_ERROR, 2, oar3=alone)) == reason
    other = RoundResult((), (), (), error=PluginError("raised", "ValueError: x", oar3=True))
    assert oar3_round_failure(failed(OAR3_ERROR, 2, oar3=other)) is None


def test_a_round_that_did_not_fail_in_oar3_is_no_finding() -> None:
    """Pins ``oar3_round_failure``: no error, or the plugin's own, is never OAR3's."""
    assert oar3_round_failure(failed(None)) is None
    assert oar3_round_failure(failed(PluginError("raised", "KeyError: 7"))) is None
    assert round_findings(None, failed(None)) == []  # type: ignore[arg-type]
