"""Every degradation by name, with its version (part of each build's fingerprint)."""

from __future__ import annotations

import difflib

from spatialqa.degradations.appearance import gaussian_noise, jpeg
from spatialqa.degradations.base import Degradation
from spatialqa.errors import ConfigError

DEGRADATIONS: dict[str, Degradation] = {
    degradation.name: degradation
    for degradation in (
        Degradation("gaussian_noise", version=1, apply=gaussian_noise),
        Degradation("jpeg", version=1, apply=jpeg),
    )
}


def get_degradation(name: str) -> Degradation:
    """The degradation called ``name``; an unknown name raises ConfigError listing the known."""
    try:
        return DEGRADATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(DEGRADATIONS))
        close = difflib.get_close_matches(str(name), DEGRADATIONS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown degradation {name!r} (known: {known}){hint}") from None
