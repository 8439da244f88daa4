"""What every degradation shares: its result, its registry entry and the checks on its inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from spatialqa.degradations.labels import PixelMap
from spatialqa.errors import ConfigError
from spatialqa.scenes import Frame

if TYPE_CHECKING:
    from spatialqa.degradations.render import RenderedFrame

SEVERITIES = range(1, 6)
GAMMA = 2.2
"""Display gamma of the renderers' output (pyrender writes ``linear ** (1 / 2.2)``)."""

RenderFn = Callable[[Frame], "RenderedFrame"]
"""Renders a frame of the scene being degraded: a RenderedFrame, whose RGB and depth motion
blur reads (a renderer's ``render``)."""


@dataclass(frozen=True, eq=False)
class Degraded:
    """A degraded image and the exact numbers that made it.

    Attributes
    ----------
    image : (H, W, 3) uint8
    params : dict
        JSON-ready values drawn or looked up for this call (``sigma``, ``quality``, ...).
    transform : PixelMap or None
        Where pixels went, for degradations that move them (lens distortion); apply it to
        every 2D label (box, point, mask). None when only appearance changed, so every label
        stays valid as it is.
    """

    image: np.ndarray
    params: dict[str, Any]
    transform: PixelMap | None = None

    @property
    def moves_pixels(self) -> bool:
        return self.transform is not None


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
    severity and seed changes, so that build fingerprints change with it.

    ``moves_pixels`` declares that its results carry a label transform; ``renders`` that it
    renders frames of its own (motion blur's sub-frames) and so needs a ``render`` callback;
    ``needs_depth`` that it reads the depth map (haze, defocus, weather). ``per_frame`` False
    says that it draws only settings that hold for a whole video (a lens, the weather's
    density, drops on the lens), so a build seeds it once per scene, not once per frame.
    """

    name: str
    version: int
    apply: DegradationFn
    moves_pixels: bool = False
    renders: bool = False
    needs_depth: bool = False
    per_frame: bool = True

    def __call__(
        self,
        image: np.ndarray,
        depth: np.ndarray | None,
        frame: Frame,
        severity: int,
        *,
        rng: np.random.Generator,
        render: RenderFn | None = None,
    ) -> Degraded:
        if self.needs_depth and depth is None:
            raise ValueError(f"degradation {self.name!r} needs the depth map (got None)")
        if not self.renders:
            return self.apply(image, depth, frame, severity, rng=rng)
        if render is None:
            raise ValueError(f"degradation {self.name!r} renders sub-frames: pass render=")
        return self.apply(image, depth, frame, severity, rng=rng, render=render)


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


def check_depth(depth: np.ndarray | None, image: np.ndarray) -> np.ndarray:
    """Depth as (H, W) float64 metres, matching ``image``; 0 (nothing drawn) becomes infinity."""
    if depth is None:
        raise ValueError("depth: this degradation needs the depth map (got None)")
    depth = np.asarray(depth, dtype=np.float64)
    if depth.shape != image.shape[:2]:
        raise ValueError(f"depth: expected shape {image.shape[:2]}, got {depth.shape}")
    return np.where(depth > 0, depth, np.inf)


def by_severity(table: tuple[Any, ...], severity: object) -> Any:
    """The entry of a five-entry ``table`` for a checked ``severity``."""
    return table[check_severity(severity) - 1]


def draw(ranges: tuple[tuple[float, float], ...], severity: object, rng: np.random.Generator):
    """A uniform draw from the severity's (low, high) range, as a float.

    The ranges' ends grow (or shrink) together with severity, so for one seed (one uniform
    draw) the value is monotone in severity.
    """
    low, high = by_severity(ranges, severity)
    return float(low + (high - low) * rng.random())


def to_linear(image: np.ndarray) -> np.ndarray:
    """uint8 display values -> float64 linear light in 0..1 (inverse of the display gamma)."""
    return (image.astype(np.float64) / 255.0) ** GAMMA


def to_display(linear: np.ndarray) -> np.ndarray:
    """Float linear light -> clipped, rounded uint8 display values."""
    return np.rint(255.0 * np.clip(linear, 0.0, 1.0) ** (1.0 / GAMMA)).astype(np.uint8)
