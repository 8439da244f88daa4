"""Procedural rooms at a small resolution, so visibility (one ray per pixel) stays cheap."""

from __future__ import annotations

from functools import cache

import numpy as np

from spatialqa.generators import Context
from spatialqa.scenes import Scene, procedural_scene


@cache
def small_scene(seed: int, index: int, frames: int = 12, moved: bool = False) -> Scene:
    """``moved``: with the "moved" trajectory (objects moved halfway along it)."""
    return procedural_scene(seed, index, frames=frames, moved=moved).resized(160, 120)


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
    scene = small_scene(seed, index, frames, moved=trajectory == "moved")
    ids = [frame.id for frame in scene.trajectory(trajectory).frames]
    picks = np.unique(np.round(np.linspace(0, len(ids) - 1, views)).astype(int))
    return Context(
        scene,
        tuple(ids[i] for i in picks),
        seed=seed,
        trajectory=tuple(ids),
        abstention=abstention,
    )


PROCEDURAL_TASKS = (
    ("object_rel_distance", {}),
    ("size_comparison", {"quantity": "height"}),
    ("height_difference", {}),
    ("object_count_compare", {}),
    ("camera_object_distance", {}),
    ("room_size_estimation", {}),
    ("object_abs_distance", {"method": "vsi_grid"}),
    ("object_size_estimation", {"box": "gravity_obb", "axis": "length"}),
)
"""(task, parameters) the tests ask of the ``procedural`` room: each must yield there."""


@cache
def yielding_room(seed: int = 0, rooms: int = 8) -> Context:
    """The first procedural room of ``seed`` (index 0, 1, ...; full size), seen through every
    fourth frame of its first trajectory, on which every task of ``PROCEDURAL_TASKS`` yields a
    sample: chosen by that property, not by what one room's cameras happen to show, so that a
    test asking such a task of it fails only when the task fails."""
    from spatialqa.generators import draw_samples, get_task

    for index in range(rooms):
        scene = procedural_scene(seed, index)
        views = tuple(frame.id for frame in scene.trajectories[0].frames[::4])
        ctx = Context(scene, views, seed=0)
        if all(draw_samples(get_task(n)(**p), ctx, limit=1) for n, p in PROCEDURAL_TASKS):
            return ctx
    raise AssertionError(f"no procedural room of seed {seed} among {rooms} yields every task")
