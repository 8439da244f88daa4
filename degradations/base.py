"""What every degradation shares: its result, its registry entry and the checks on its inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from spatialqa.errors import ConfigError
from spatialqa.scenes import Frame

SEVERITIES = range(1, 6)


@dataclass(frozen=True, eq=False)
class Degraded:
    """A degraded image and the exact numbers that made it.

    Attributes
    ----------
    image : (H, W, 3) uint8
    params : dict
        JSON-ready values drawn or looked up for this call (``sigma``, ``quality``, ...).
    moves_pixels : bool
        False when only appearance changed, so every 2D label (box, point, mask) stays valid
        as it is; a degradation that moves pixels also returns the label transform.
    """

    image: np.ndarray
    params: dict[str, Any]
    moves_pixels: bool = False


class DegradationFn(Protocol):
    def __call__(
        self,
        image: np.ndarray,
        depth: np.ndarray | None,
        frame: Frame,
        severity: int,
        *,
        rng: np.random.Generator,
    ) -> Degraded: ...


@dataclass(frozen=True)
class Degradation:
    """A registered degradation: bump ``version`` whenever its output for the same inputs,
    severity and seed changes, so that build fingerprints change with it."""

    name: str
    version: int
    apply: DegradationFn
    moves_pixels: bool = False

    def __call__(
        self,
        image: np.ndarray,
        depth: np.ndarray | None,
        frame: Frame,
        severity: int,
        *,
        rng: np.random.Generator,
    ) -> Degraded:
        return self.apply(image, depth, frame, severity, rng=rng)


def check_severity(severity: object) -> int:
    """Return ``severity`` as an int, or raise ConfigError naming the value."""
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)):
        raise ConfigError(f"'severity' must be int in 1..5 (got {severity!r})")
    if int(severity) not in SEVERITIES:
        raise ConfigError(f"'severity' must be int in 1..5 (got {severity})")
    return int(severity)


def check_image(image: np.ndarray) -> np.ndarray:
    """Return ``image`` if it is an (H, W, 3) uint8 array; raise ValueError otherwise."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image: expected (H, W, 3) uint8, got {image.shape} {image.dtype}")
    return image


def by_severity(table: tuple[Any, ...], severity: object) -> Any:
    """The entry of a five-entry ``table`` for a checked ``severity``."""
    return table[check_severity(severity) - 1]
