"""Run profiles: how hard the kit looks (examples per check, platform sizes).

``quick`` is for a first look while writing a plugin, ``ci`` for a merge gate, ``thorough``
for a nightly run that also reaches 65,000-resource platforms.
"""

from __future__ import annotations

from dataclasses import dataclass

from oar_conformance.errors import UsageError

__all__ = ["PROFILES", "Profile", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """Examples per run of a plugin's family and the platform sizes generated.

    Most examples use platforms of at most ``max_resources``; when ``large_resources`` is
    set, about one example in four uses a platform between ``max_resources`` and it, so a
    thorough run meets cluster-sized hierarchies without spending every example on them.
    A run of database rounds draws ``round_examples`` (default: ``max_examples``): a
    round costs a hundred plugin calls' time and calls the plugin for many jobs at once.
    A run of campaigns draws ``campaigns`` of up to ``campaign_steps`` steps (a step
    costs about a round).
    """

    name: str
    max_examples: int
    max_resources: int
    description: str
    large_resources: int | None = None
    min_resources: int = 1
    round_examples: int | None = None
    campaigns: int = 10
    campaign_steps: int = 12

    def examples(self, *, rounds: bool) -> int:
        """How many examples a run draws: ``round_examples`` for database rounds."""
        if rounds and self.round_examples is not None:
            return self.round_examples
        return self.max_examples


PROFILES = {
    p.name: p
    for p in (
        Profile(
            "quick",
            50,
            32,
            "50 examples per family (25 rounds, 5 campaigns of up to 8 steps), platforms "
            "up to 32 resources",
            round_examples=25,
            campaigns=5,
            campaign_steps=8,
        ),
        Profile(
            "ci",
            200,
            64,
            "200 examples per family (100 rounds, 10 campaigns of up to 12 steps), "
            "platforms up to 64 resources",
            round_examples=100,
            campaigns=10,
            campaign_steps=12,
        ),
        Profile(
            "thorough",
            1000,
            64,
            "1000 examples per family (100 campaigns of up to 40 steps), one in four on "
            "platforms of up to 65,536 resources",
            large_resources=65_536,
            campaigns=100,
            campaign_steps=40,
        ),
    )
}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; a usage error lists the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        msg = f"profile={name!r} is unknown; use one of {', '.join(PROFILES)}"
        raise UsageError(msg) from None
