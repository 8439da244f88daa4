"""What a frame is a picture of: how many objects it shows above tau and how much of it is bare
walls, floor and ceiling, exactly, from the same rays as ``visibility``.

Why: a view a photographer would reject (a blank wall, the floor and one object cut by the
border) teaches a model little, and a view in which fewer than two objects show asks almost
nothing. The pipeline's view selection keeps only frames that pass :func:`passes`.

Definitions, at the frame's own resolution (the one every task answers at):

- *objects*: the instances visible above tau in the frame (``FrameVisibility.is_visible``).
- *structure share*: pixels whose first hit is the structure (a wall, the floor, the ceiling, a
  door, a window frame) over all pixels: those whose ray hits an object but the structure first
  (``FrameVisibility.structure_first``), and those whose ray hits no object
  (``FrameVisibility.bare``) but meets the structure anywhere along it (the any-hit query
  ``instance_mask`` uses, over the whole ray); a ray that meets nothing at all goes through a
  window or an open door. It equals ``(instance_mask(...) == STRUCTURE_ID).sum()`` pixel for
  pixel, and only the rays no object covers are tested again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spatialqa.oracle.geometry import derived
from spatialqa.oracle.visibility import (
    TAU_FRAME,
    TAU_INSTANCE,
    frame_visibility,
    meets_structure,
)
from spatialqa.scenes import Scene


@dataclass(frozen=True)
class Framing:
    """One frame's composition.

    Attributes
    ----------
    frame_id : str
    objects : int, instances visible above tau.
    object_share : float, pixels showing an object / all pixels.
    structure_share : float, pixels showing walls, floor, ceiling, doors, window frames / all.
    """

    frame_id: str
    objects: int
    object_share: float
    structure_share: float


def visible_objects(
    scene: Scene, frame_id: str, tau_instance: float = TAU_INSTANCE, tau_frame: float = TAU_FRAME
) -> int:
    """Instances visible above tau in frame ``frame_id`` (from the cached visibility)."""
    return int(
        np.count_nonzero(frame_visibility(scene, frame_id).is_visible(tau_instance, tau_frame))
    )


def structure_pixels(scene: Scene, frame_id: str) -> int:
    """Pixels of frame ``frame_id`` whose first hit is the structure (cached per frame), with
    the objects where they are at the frame's time."""
    scene = scene.at_frame(frame_id)

    def compute() -> int:
        counts = frame_visibility(scene, frame_id)
        if not scene.structure:
            return 0
        bare = np.flatnonzero(np.unpackbits(counts.bare, count=counts.pixels))
        walled = meets_structure(scene, scene.frame(frame_id), bare)
        return counts.structure_first + int(np.count_nonzero(walled))

    return derived(scene).memo("structure_pixels", frame_id, compute)


def framing(
    scene: Scene, frame_id: str, tau_instance: float = TAU_INSTANCE, tau_frame: float = TAU_FRAME
) -> Framing:
    """Objects visible above tau and the object and structure shares of frame ``frame_id``."""
    counts = frame_visibility(scene, frame_id)
    return Framing(
        frame_id,
        visible_objects(scene, frame_id, tau_instance, tau_frame),
        int(counts.visible_pixels.sum()) / counts.pixels,
        structure_pixels(scene, frame_id) / counts.pixels,
    )


def passes(
    scene: Scene,
    frame_id: str,
    max_structure: float,
    min_objects: int,
    tau_instance: float = TAU_INSTANCE,
    tau_frame: float = TAU_FRAME,
) -> bool:
    """True when frame ``frame_id`` shows at least ``min_objects`` objects above tau and its
    structure covers at most ``max_structure`` of the pixels.

    Cheap where it can be: too few objects fails without casting for the structure, and a frame
    whose objects already cover ``1 - max_structure`` of it passes without (the structure can
    only show where no object does).
    """
    if not 0.0 <= max_structure <= 1.0:
        raise ValueError(f"max_structure must be in [0, 1] (got {max_structure})")
    if min_objects < 0:
        raise ValueError(f"min_objects must be at least 0 (got {min_objects})")
    if visible_objects(scene, frame_id, tau_instance, tau_frame) < min_objects:
        return False
    counts = frame_visibility(scene, frame_id)
    if counts.pixels - int(counts.visible_pixels.sum()) <= max_structure * counts.pixels:
        return True
    return structure_pixels(scene, frame_id) <= max_structure * counts.pixels
