"""Fixtures over the kit room (``room_kit``): its clean render, and the room with two frames."""

from __future__ import annotations

import pytest
import room_kit as kit

from spatialqa.degradations import RaycastRenderer


@pytest.fixture(scope="module")
def room():
    """(renderer, frame, clean render) of the kit room at 160 x 120."""
    frame = kit.make_frame()
    renderer = RaycastRenderer(kit.make_scene())
    return renderer, frame, renderer.render(frame)


@pytest.fixture(scope="module")
def scene():
    frames = (kit.make_frame("f0"), kit.make_frame("f1"))
    return kit.make_scene(frames=frames)
