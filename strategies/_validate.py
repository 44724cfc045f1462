"""Parameter checks shared by the strategies: fail early, echo the value, say what to do."""

from __future__ import annotations

from oar_conformance.errors import UsageError
from oar_conformance.model import Platform


def check_int(name: str, value: object, low: int, high: int) -> None:
    """Raise a ``UsageError`` unless ``value`` is an ``int`` in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        msg = f"{name}={value!r} must be an integer between {low} and {high}; pass one in range"
        raise UsageError(msg)


def check_bool(name: str, value: object) -> None:
    """Raise a ``UsageError`` unless ``value`` is ``True`` or ``False``."""
    if not isinstance(value, bool):
        msg = f"{name}={value!r} must be True or False"
        raise UsageError(msg)


def check_order(low_name: str, low: int, high_name: str, high: int) -> None:
    """Raise a ``UsageError`` when a minimum exceeds its maximum."""
    if low > high:
        msg = (
            f"{low_name}={low!r} exceeds {high_name}={high!r}; "
            f"lower {low_name} or raise {high_name}"
        )
        raise UsageError(msg)


def check_platform(platform: object) -> None:
    """Raise a ``UsageError`` unless ``platform`` is a ``Platform`` with resources."""
    if not isinstance(platform, Platform) or not platform.levels or not platform.resources:
        msg = (
            f"platform={platform!r} must be a Platform with at least one level and one "
            "resource; draw one from platforms()"
        )
        raise UsageError(msg)
