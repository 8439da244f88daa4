"""Example questions for the task listing: each task asked once on a fixed procedural room."""

from __future__ import annotations

import dataclasses
from functools import cache

from spatialqa.generators.sample import Sample
from spatialqa.generators.task import Context, Task
from spatialqa.scenes import Frame, Trajectory, procedural_scene

EXAMPLE_ROOM = (0, 0)
"""(seed, index) of the procedural room every example is asked about."""


def shrunk(frame: Frame, width: int, height: int) -> Frame:
    """The same camera at ``width`` x ``height`` pixels: intrinsics scaled with the image."""
    return frame.resized(width, height)


@cache
def example_context() -> Context:
    """The room at 160 x 120 pixels (visibility costs one ray per pixel), 16 frames shown."""
    scene = procedural_scene(*EXAMPLE_ROOM, frames=16)
    scene = dataclasses.replace(
        scene,
        trajectories=tuple(
            Trajectory(t.name, tuple(shrunk(f, 160, 120) for f in t.frames))
            for t in scene.trajectories
        ),
    )
    views = tuple(frame.id for frame in scene.trajectory("walkthrough").frames)
    return Context(scene, views, seed=0, trajectory=views)


def example(task: type[Task]) -> Sample | None:
    """One sample of ``task`` with its default params; None when the room offers none."""
    samples = task().generate(example_context(), 1)
    return samples[0] if samples else None
