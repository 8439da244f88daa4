"""The test camera: a frame of the scene kit (640 x 480, f = 500 px, principal point at the
image centre) at ``eye`` looking at ``target``, by default from the origin along +y."""

from collections.abc import Sequence

from spatialqa.scenes import Frame


def camera(
    kit,
    frame_id: str = "f0",
    eye: Sequence[float] = (0.0, 0.0, 0.0),
    target: Sequence[float] = (0.0, 1.0, 0.0),
) -> Frame:
    """``kit.frame(frame_id, kit.look_at(eye, target))`` (``kit``: the ``scene_kit`` fixture)."""
    return kit.frame(frame_id, kit.look_at(eye, target))
