"""Camera motion between two frames: displacement, direction, yaw and height change.

Directions are expressed in the first camera's OpenCV frame (x right, y down, z forward), so
a camera looking along world +y (image x = world +x) that moves to world +x moved "right".
Yaw is the heading on the XY plane (the optical axis projected); a positive yaw change is a
turn to the left, counter-clockwise seen from above.
"""

from __future__ import annotations

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import FrameId, Operation, call, operation
from spatialqa.oracle.viewer import camera_heading, signed_yaw
from spatialqa.scenes import Frame, Scene

MOTION_LABELS = {"x": ("left", "right"), "z": ("backward", "forward")}
POSITION_LABELS = {"x": ("left", "right"), "z": ("behind", "in front")}


def _pair(scene: Scene, view1: str, view2: str) -> tuple[Frame, Frame]:
    if view1 == view2:
        raise SpatialQAError(f"camera motion: the two views must differ (got {view1!r} twice)")
    return scene.frame(view1), scene.frame(view2)


def camera_offset(scene: Scene, view1: str, view2: str) -> np.ndarray:
    """Camera centre of ``view2`` in ``view1``'s camera coordinates, (3,) metres."""
    first, second = _pair(scene, view1, view2)
    return first.world_to_camera(second.center[None, :])[0]


def _fact(
    op: Operation,
    value,
    unit: str,
    margin: float | None,
    view1: str,
    view2: str,
    frame: str = "world",
    **detail,
) -> Fact:
    return Fact(
        value=value,
        unit=unit,
        primitive="camera_center",
        frame=frame,
        program=call(op, view1=view1, view2=view2),
        margin=None if margin is None else float(margin),
        views=(view1, view2),
        detail=detail,
    )


@operation
def camera_displacement(scene: Scene, view1: FrameId, view2: FrameId) -> Fact:
    """Distance between the two camera centres, in metres (no decision boundary, no margin)."""
    first, second = _pair(scene, view1, view2)
    delta = second.center - first.center
    return _fact(
        camera_displacement,
        float(np.linalg.norm(delta)),
        "m",
        None,
        view1,
        view2,
        delta_world_m=delta.tolist(),
    )


def _dominant(offset: np.ndarray, labels: dict[str, tuple[str, str]]) -> tuple[str, float, str]:
    """(label, margin, axis) of the larger horizontal camera axis of ``offset`` (x or z).

    The margin is ||major| - |minor|| in metres: the distance to the diagonal where the
    dominant axis changes.
    """
    x, z = float(offset[0]), float(offset[2])
    axis, major = ("z", z) if abs(z) >= abs(x) else ("x", x)
    label = labels[axis][int(major > 0)]
    return label, abs(abs(z) - abs(x)), axis


@operation
def camera_motion_direction(scene: Scene, view1: FrameId, view2: FrameId) -> Fact:
    """Which way the camera moved, in the first camera's frame: forward/backward (its z) or
    left/right (its x), whichever is larger; ``detail["dominant_m"]`` is that component."""
    return _dominant_fact(camera_motion_direction, MOTION_LABELS, scene, view1, view2)


@operation
def camera_relative_position(scene: Scene, view1: FrameId, view2: FrameId) -> Fact:
    """Where the second camera is seen from the first: "in front", "behind", "left" or
    "right" by the larger horizontal axis of its centre in the first camera's frame."""
    return _dominant_fact(camera_relative_position, POSITION_LABELS, scene, view1, view2)


def _dominant_fact(
    op: Operation, labels: dict[str, tuple[str, str]], scene: Scene, view1: str, view2: str
) -> Fact:
    """The Fact of the larger horizontal axis of the second camera in the first's frame."""
    offset = camera_offset(scene, view1, view2)
    label, margin, axis = _dominant(offset, labels)
    return _fact(
        op,
        label,
        "m",
        margin,
        view1,
        view2,
        frame=f"camera of {view1}",
        offset_camera_m=offset.tolist(),
        axis=axis,
        dominant_m=float(abs(offset[0 if axis == "x" else 2])),
    )


@operation
def camera_rotation(scene: Scene, view1: FrameId, view2: FrameId) -> Fact:
    """Signed yaw change about world z in degrees, in (-180, 180]; positive = turned left.

    ``margin`` is the distance to 0 and to 180 deg (a half turn has no side).
    """
    first, second = _pair(scene, view1, view2)
    change = signed_yaw(camera_heading(first), camera_heading(second))
    return _fact(
        camera_rotation,
        change,
        "deg",
        min(abs(change), 180.0 - abs(change)),
        view1,
        view2,
        direction="left" if change > 0 else "right",
    )


@operation
def camera_elevation_change(scene: Scene, view1: FrameId, view2: FrameId) -> Fact:
    """Signed change of the camera centre's height (world z), in metres; margin = |change|."""
    first, second = _pair(scene, view1, view2)
    change = float(second.center[2] - first.center[2])
    return _fact(
        camera_elevation_change,
        change,
        "m",
        abs(change),
        view1,
        view2,
        direction="up" if change > 0 else "down",
        heights_m=[float(first.center[2]), float(second.center[2])],
    )
