"""Fixtures shared by the tests of procedural rooms (footprints, layout, rooms, trajectories)."""

import pytest
from procedural_rooms_kit import PER_TYPE

from spatialqa.scenes.procedural import ROOM_TYPES, procedural_scene


@pytest.fixture(scope="session")
def scenes():
    """Four rooms of every type."""
    return [
        procedural_scene(7, index, room_type=kind, frames=16)
        for kind in ROOM_TYPES
        for index in range(PER_TYPE)
    ]
