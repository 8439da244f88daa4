"""Example questions for the task listing: each task asked once on a fixed procedural room."""

from __future__ import annotations

from functools import cache

from spatialqa.generators.sample import Sample
from spatialqa.generators.sampler import draw_samples
from spatialqa.generators.task import Context, Task
from spatialqa.scenes import Scene, procedural_scene

EXAMPLE_ROOM = (0, 0)
"""(seed, index) of the procedural room every example is asked about."""
EXAMPLE_TRAJECTORIES = ("walkthrough", "tour")
"""Tried in turn: the tour brings furniture into view one piece after another, which
``obj_appearance_order`` needs and the walkthrough (facing the room's middle) rarely does."""


@cache
def example_scene() -> Scene:
    """The room at 160 x 120 pixels (visibility costs one ray per pixel), 32 frames a path."""
    return procedural_scene(*EXAMPLE_ROOM, frames=32).resized(160, 120)


@cache
def example_context(trajectory: str) -> Context:
    """The example room seen through every frame of ``trajectory``."""
    views = tuple(frame.id for frame in example_scene().trajectory(trajectory).frames)
    return Context(example_scene(), views, seed=0, trajectory=views)


def example(task: type[Task]) -> Sample | None:
    """One sample of ``task`` with its default params, from the first of
    ``EXAMPLE_TRAJECTORIES`` that offers one; None when none does."""
    for trajectory in EXAMPLE_TRAJECTORIES:
        samples = draw_samples(task(), example_context(trajectory), 1)
        if samples:
            return samples[0]
    return None
