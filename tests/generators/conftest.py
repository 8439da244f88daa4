"""The hand-built rooms several generator test modules share (module-scoped fixtures)."""

import paper_room_kit
import pytest
import rooms_kit

from spatialqa.generators import Context


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
    """A procedural room of seed 0 through every fourth frame of its first trajectory: the
    first on which every task of ``rooms_kit.PROCEDURAL_TASKS`` yields."""
    return rooms_kit.yielding_room()
