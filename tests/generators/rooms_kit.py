"""Procedural rooms at a small resolution, so visibility (one ray per pixel) stays cheap."""

from __future__ import annotations

from functools import cache

import numpy as np

from spatialqa.generators import Context
from spatialqa.scenes import Scene, procedural_scene


@cache
def small_scene(seed: int, index: int, frames: int = 12) -> Scene:
    return procedural_scene(seed, index, frames=frames).resized(160, 120)


def context(
    seed: int,
    index: int,
    *,
    views: int,
    frames: int = 12,
    abstention: float = 0.0,
    trajectory: str = "walkthrough",
) -> Context:
    """``views`` frames spread over the trajectory, as a build picks them."""
    scene = small_scene(seed, index, frames)
    ids = [frame.id for frame in scene.trajectory(trajectory).frames]
    picks = np.unique(np.round(np.linspace(0, len(ids) - 1, views)).astype(int))
    return Context(
        scene,
        tuple(ids[i] for i in picks),
        seed=seed,
        trajectory=tuple(ids),
        abstention=abstention,
    )
