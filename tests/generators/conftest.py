"""The hand-built rooms several generator test modules share (module-scoped fixtures)."""

import paper_room_kit
import pytest

from spatialqa.generators import Context
from spatialqa.scenes import procedural_scene


@pytest.fixture(scope="module")
def room(scene_kit) -> Context:
    """The paper room (hidden vase included), no floor plan."""
    return paper_room_kit.room(scene_kit)


@pytest.fixture(scope="module")
def small(scene_kit) -> Context:
    """The paper room on a 30 m^2 floor plan, without the vase."""
    return paper_room_kit.measured_room(scene_kit)


@pytest.fixture(scope="module")
def procedural() -> Context:
    """Procedural room 0 of seed 0, every fourth frame of its first trajectory."""
    scene = procedural_scene(0, 0)
    views = tuple(frame.id for frame in scene.trajectories[0].frames[::4])
    return Context(scene, views, seed=0)
