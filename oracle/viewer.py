"""A viewer placed on the floor plan: clock directions, goal aiming, the consequence of an
action, and perspective taking from a re-posed virtual camera.

A viewer has a position and a heading on the XY plane (z up). Standing at an object means its
minimal-OBB centre; the heading of a camera is its optical axis (OpenCV +z) projected to XY.
Turning left is counter-clockwise seen from above, so a positive yaw is to the left, and a
camera looking along world +y has world +x on its right (its image x axis).
"""

from __future__ import annotations

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import minimal_obb
from spatialqa.oracle.direction import ccw_angle
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import FrameId, ObjectId, Range, call, operation
from spatialqa.scenes import Frame, Scene, look_at

_VERTICAL_TOL = 1e-6
QUERIES = {"action_consequence": ("closer", "left"), "perspective": ("left_right", "closer")}


def has_heading(frame: Frame) -> bool:
    """Whether the camera's optical axis has a direction on the XY plane (not vertical)."""
    return float(np.hypot(*frame.pose[:2, 2])) >= _VERTICAL_TOL


def camera_heading(frame: Frame) -> np.ndarray:
    """Unit heading (2,) of ``frame``'s camera on the XY plane: its optical axis, projected."""
    forward = frame.pose[:2, 2]
    norm = float(np.hypot(*forward))
    if not has_heading(frame):
        raise SpatialQAError(
            f"frame {frame.id!r}: the camera looks straight up or down and has no heading"
        )
    return forward / norm


def signed_yaw(heading: np.ndarray, vector: np.ndarray) -> float:
    """Yaw in degrees from ``heading`` (2,) to ``vector`` (2,), in (-180, 180]; left positive."""
    theta = ccw_angle(heading, vector)
    return theta - 360.0 if theta > 180.0 else theta


def rotate(vector: np.ndarray, degrees: float) -> np.ndarray:
    """``vector`` (2,) turned counter-clockwise (to the left) by ``degrees``."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.array([c * vector[0] - s * vector[1], s * vector[0] + c * vector[1]])


def center_xy(scene: Scene, instance_id: int) -> np.ndarray:
    """The object's minimal-OBB centre on the XY plane, (2,)."""
    return minimal_obb(scene, instance_id).center[:2]


def viewer(
    scene: Scene, view: str | None, standing: int | None, facing: int | None
) -> tuple[np.ndarray, np.ndarray, str]:
    """(position (2,), unit heading (2,), frame-of-reference text) of an imagined viewer.

    The position is object ``standing`` if given, else the camera of ``view``; the heading
    points at object ``facing`` if given, else along the camera of ``view``.
    """
    if view is None and (standing is None or facing is None):
        raise SpatialQAError("viewer: give a view, or both standing and facing objects")
    frame = None if view is None else scene.frame(view)
    position = frame.center[:2] if standing is None else center_xy(scene, standing)
    if facing is None:
        heading = camera_heading(frame)
    else:
        toward = center_xy(scene, facing) - position
        norm = float(np.hypot(*toward))
        if norm == 0.0:
            raise SpatialQAError(f"viewer: standing at {standing} and facing {facing} coincide")
        heading = toward / norm
    where = f"camera of {view}" if standing is None else f"object {standing}"
    towards = f"heading of camera {view}" if facing is None else f"object {facing}"
    return position, heading, f"egocentric: at {where} facing {towards}"


def _involved(*ids: int | None) -> tuple[int, ...]:
    return tuple(i for i in ids if i is not None)


def clock_hour(clockwise_deg: float) -> tuple[int, float]:
    """The hour (1-12, 12 straight ahead) of a clockwise angle, and its margin in degrees.

    Hour h covers clockwise angles within 15 deg of 30 h; the margin is the distance to the
    nearest half-hour boundary (15 + 30 k deg). An angle on a boundary goes to the later hour.
    """
    nearest = int(np.floor(clockwise_deg / 30.0 + 0.5))
    offset = clockwise_deg - 30.0 * nearest
    return (nearest - 1) % 12 + 1, float(15.0 - abs(offset))


@operation
def clock_direction(
    scene: Scene,
    target: ObjectId,
    view: FrameId | None = None,
    standing: ObjectId | None = None,
    facing: ObjectId | None = None,
) -> Fact:
    """The clock hour of ``target`` for a viewer (see :func:`viewer`) on the ground plane.

    12 o'clock is straight ahead and hours run clockwise seen from above (3 o'clock is right).
    ``margin`` is the distance in degrees to the nearest half-hour boundary.
    """
    position, heading, frame_text = viewer(scene, view, standing, facing)
    offset = center_xy(scene, target) - position
    yaw = signed_yaw(heading, offset)
    clockwise = (-yaw) % 360.0
    hour, margin = clock_hour(clockwise)
    return Fact(
        value=hour,
        unit="o'clock",
        primitive="obb_center",
        frame=frame_text,
        program=call(clock_direction, target=target, view=view, standing=standing, facing=facing),
        margin=margin,
        instance_ids=_involved(standing, facing, target),
        views=() if view is None else (view,),
        detail={
            "clockwise_deg": clockwise,
            "yaw_deg": yaw,
            "distance_m": float(np.hypot(*offset)),
            "position_xy": position.tolist(),
        },
    )


@operation(straight_deg=Range(0.0, 180.0))
def goal_aiming(
    scene: Scene,
    target: ObjectId,
    view: FrameId | None = None,
    standing: ObjectId | None = None,
    facing: ObjectId | None = None,
    straight_deg: float = 10.0,
) -> Fact:
    """Which way a viewer turns to face ``target``: "left", "right" or "straight".

    Straight when the signed yaw is within ``straight_deg``. ``margin`` (degrees) is the
    distance to the nearest decision boundary: |yaw| = straight_deg, and 180 deg (directly
    behind, where left and right meet).
    """
    position, heading, frame_text = viewer(scene, view, standing, facing)
    offset = center_xy(scene, target) - position
    yaw = signed_yaw(heading, offset)
    value = "straight" if abs(yaw) <= straight_deg else ("left" if yaw > 0 else "right")
    return Fact(
        value=value,
        unit="deg",
        primitive="obb_center",
        frame=frame_text,
        program=call(
            goal_aiming,
            target=target,
            view=view,
            standing=standing,
            facing=facing,
            straight_deg=straight_deg,
        ),
        margin=float(min(abs(abs(yaw) - straight_deg), 180.0 - abs(yaw))),
        instance_ids=_involved(standing, facing, target),
        views=() if view is None else (view,),
        detail={"yaw_deg": yaw, "distance_m": float(np.hypot(*offset))},
    )


@operation(turn_deg=Range(-360.0, 360.0), step_m=Range(-100.0, 100.0))
def action_consequence(
    scene: Scene,
    target: ObjectId,
    view: FrameId,
    query: str,
    turn_deg: float = 0.0,
    step_m: float = 0.0,
) -> Fact:
    """After the camera of ``view`` turns by ``turn_deg`` (left positive) and then steps
    ``step_m`` forward along its new heading (backward if negative): is ``target`` closer
    (``query="closer"``) or more to the left (``query="left"``) than before? "yes" or "no".

    Closer compares horizontal distances to the target's box centre; the margin is the change
    in metres. More to the left compares signed yaws in (-180, 180]; the margin (degrees) is
    the smaller of the change and either yaw's distance to 180, where left and right meet.
    """
    if query not in QUERIES["action_consequence"]:
        raise SpatialQAError(
            f"action_consequence.query: unknown {query!r} "
            f"(supported: {list(QUERIES['action_consequence'])})"
        )
    if turn_deg == 0.0 and step_m == 0.0:
        raise SpatialQAError("action_consequence: the action needs a turn or a step")
    frame = scene.frame(view)
    before_position, before_heading = frame.center[:2], camera_heading(frame)
    after_heading = rotate(before_heading, turn_deg)
    after_position = before_position + step_m * after_heading
    goal = center_xy(scene, target)
    if query == "closer":
        before = float(np.hypot(*(goal - before_position)))
        after = float(np.hypot(*(goal - after_position)))
        answer, margin, unit = after < before, abs(before - after), "m"
        detail = {"distance_before_m": before, "distance_after_m": after}
    else:
        before = signed_yaw(before_heading, goal - before_position)
        after = signed_yaw(after_heading, goal - after_position)
        answer, unit = after > before, "deg"
        margin = min(abs(after - before), 180.0 - abs(before), 180.0 - abs(after))
        detail = {"yaw_before_deg": before, "yaw_after_deg": after}
    return Fact(
        value="yes" if answer else "no",
        unit=unit,
        primitive="obb_center",
        frame=f"egocentric: camera of {view}, before and after the action",
        program=call(
            action_consequence,
            target=target,
            view=view,
            query=query,
            turn_deg=turn_deg,
            step_m=step_m,
        ),
        margin=float(margin),
        instance_ids=(target,),
        views=(view,),
        detail={**detail, "after_xy": after_position.tolist()},
    )


def virtual_camera(scene: Scene, standing: int, facing: int) -> np.ndarray:
    """OpenCV camera-to-world pose (4, 4) of a level camera at ``standing`` facing ``facing``.

    The eye is the standing object's box centre; the optical axis is horizontal, towards the
    facing object's centre on XY (x right, y straight down, z forward).
    """
    eye = minimal_obb(scene, standing).center
    toward = center_xy(scene, facing)
    if np.allclose(toward, eye[:2], rtol=0.0, atol=1e-9):
        raise SpatialQAError(f"virtual_camera: objects {standing} and {facing} share a centre")
    return look_at(eye, [toward[0], toward[1], eye[2]])


def _in_camera(pose: np.ndarray, points: np.ndarray) -> np.ndarray:
    return (np.atleast_2d(points) - pose[:3, 3]) @ pose[:3, :3]


@operation
def perspective(
    scene: Scene,
    standing: ObjectId,
    facing: ObjectId,
    target: ObjectId,
    query: str = "left_right",
    reference: ObjectId | None = None,
) -> Fact:
    """Seen from the virtual camera at ``standing`` facing ``facing`` (:func:`virtual_camera`).

    ``query="left_right"``: "left" or "right" by the sign of the target centre's camera x;
    the margin is |x| in metres and ``detail["corners_off"]`` counts box corners on the other
    side. ``query="closer"``: is ``target`` "closer" or "farther" than ``reference``, by the
    horizontal distance from the camera to each box centre; the margin is their difference.
    """
    if query not in QUERIES["perspective"]:
        raise SpatialQAError(
            f"perspective.query: unknown {query!r} (supported: {list(QUERIES['perspective'])})"
        )
    ids = [standing, facing, target] + ([] if reference is None else [reference])
    if query == "closer" and reference is None:
        raise SpatialQAError("perspective: query 'closer' needs a reference object")
    if len(set(ids)) != len(ids):
        raise SpatialQAError(f"perspective: objects must all differ (got {ids})")
    pose = virtual_camera(scene, standing, facing)
    box = minimal_obb(scene, target)
    x, _, z = _in_camera(pose, box.center)[0]
    detail: dict = {"target_camera_xyz": _in_camera(pose, box.center)[0].tolist()}
    if query == "left_right":
        value, margin = ("left" if x < 0 else "right"), abs(float(x))
        corner_x = _in_camera(pose, box.corners)[:, 0]
        detail["corners_off"] = int(np.sum((corner_x < 0) != (x < 0)))
    else:
        rx, _, rz = _in_camera(pose, minimal_obb(scene, reference).center)[0]
        near, far = float(np.hypot(x, z)), float(np.hypot(rx, rz))
        value, margin = ("closer" if near < far else "farther"), abs(near - far)
        detail.update(target_distance_m=near, reference_distance_m=far)
    return Fact(
        value=value,
        unit="m",
        primitive="obb_center",
        frame=f"virtual camera: at {standing} facing {facing}, level",
        program=call(
            perspective,
            standing=standing,
            facing=facing,
            target=target,
            query=query,
            reference=reference,
        ),
        margin=float(margin),
        instance_ids=tuple(ids),
        detail={**detail, "pose": pose.tolist()},
    )
