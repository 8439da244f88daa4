"""Every degradation by name, with its version (part of each build's fingerprint)."""

from __future__ import annotations

import difflib

from spatialqa.degradations.appearance import (
    colour_shift,
    gaussian_noise,
    jpeg,
    low_light,
    low_resolution,
    over_exposure,
)
from spatialqa.degradations.base import Degradation
from spatialqa.degradations.optics import defocus, haze, lens_distortion, motion_blur
from spatialqa.degradations.weather import rain, snow, water_droplets
from spatialqa.errors import ConfigError

DEGRADATIONS: dict[str, Degradation] = {
    degradation.name: degradation
    for degradation in (
        Degradation("colour_shift", version=1, apply=colour_shift, per_frame=False),
        Degradation("defocus", version=2, apply=defocus, needs_depth=True, per_frame=False),
        Degradation("gaussian_noise", version=1, apply=gaussian_noise),
        Degradation("haze", version=1, apply=haze, needs_depth=True, per_frame=False),
        Degradation("jpeg", version=1, apply=jpeg),
        Degradation(
            "lens_distortion", version=1, apply=lens_distortion, moves_pixels=True, per_frame=False
        ),
        Degradation("low_light", version=1, apply=low_light),
        Degradation("low_resolution", version=1, apply=low_resolution, per_frame=False),
        Degradation("motion_blur", version=3, apply=motion_blur, renders=True, needs_depth=True),
        Degradation("over_exposure", version=1, apply=over_exposure, per_frame=False),
        Degradation("rain", version=1, apply=rain, needs_depth=True),
        Degradation("snow", version=1, apply=snow, needs_depth=True),
        Degradation("water_droplets", version=1, apply=water_droplets, per_frame=False),
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
