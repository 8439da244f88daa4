"""Objects that move between two frames: whether, how far on the floor, and which way.

Two frames ``view1`` and ``view2`` see the scene at their own times (``Scene.at``). An
object's box at time t is its minimal OBB carried by its pose at t
(``SceneObject.pose_at``): a rigid motion carries a minimal box of the object's points to a
minimal box of the moved points, so this is the minimal OBB of the object as the frame sees
it, without refitting it (the refit agrees to rounding; the carried box is exact and the same
bit for bit for an object that did not move).

Directions are on the floor plane, in the first camera's frame: ``forward`` is its optical
axis projected on XY (``camera_heading``), ``right`` that heading turned 90 degrees clockwise
seen from above (the image's right for a camera without roll). An object that moved along
``-forward`` moved "towards the camera". A turn in place moves the object's points, so it
counts as moved; its floor displacement is zero (the tasks never offer such an object as
either the moved one or a still one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import minimal_obb
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import FrameId, ObjectId, Operation, Range, call, operation
from spatialqa.oracle.viewer import camera_heading
from spatialqa.scenes import Frame, OrientedBox, Scene

STILL_M = 1e-6
"""An object whose box corners all moved less than this (metres) did not move: poses read
from text round-trip to ~1e-15, real motion is centimetres at least."""
MOVE_LABELS = {"x": ("left", "right"), "z": ("towards the camera", "away from the camera")}
"""Direction labels by the first camera's floor axes: x (right) and z (forward), negative
side first."""


def _frames(scene: Scene, view1: str, view2: str) -> tuple[Frame, Frame]:
    if view1 == view2:
        raise SpatialQAError(f"object movement: the two views must differ (got {view1!r} twice)")
    return scene.frame(view1), scene.frame(view2)


def box_at(scene: Scene, instance_id: int, t: float) -> OrientedBox:
    """The object's minimal OBB at time ``t``: the box of its own geometry carried by its
    pose at ``t`` (the box itself when it stays where its geometry is)."""
    box = minimal_obb(scene, instance_id)
    pose = scene.object(instance_id).pose_at(t)
    if pose is None:
        return box
    rotation, shift = pose[:3, :3], pose[:3, 3]
    return OrientedBox(
        center=rotation @ box.center + shift,
        extent=box.extent,
        rotation=rotation @ box.rotation,
        flat=True,
    )


def _turn_deg(scene: Scene, instance_id: int, t1: float, t2: float) -> float:
    """Angle of the rotation carrying the object from ``t1`` to ``t2``, degrees in [0, 180]."""
    obj = scene.object(instance_id)
    first, second = (np.eye(4) if p is None else p for p in (obj.pose_at(t1), obj.pose_at(t2)))
    relative = second[:3, :3] @ first[:3, :3].T
    cosine = np.clip((np.trace(relative) - 1.0) / 2.0, -1.0, 1.0)
    return float(np.degrees(np.arccos(cosine)))


def motion_between(scene: Scene, instance_id: int, view1: str, view2: str) -> dict:
    """The object's move from ``view1``'s time to ``view2``'s: box centres, floor-plane
    delta and its length, the largest move of a box corner (translation and turn in one
    number) and the turn, all in the world frame."""
    first, second = _frames(scene, view1, view2)
    before = box_at(scene, instance_id, first.t)
    after = box_at(scene, instance_id, second.t)
    delta = after.center - before.center
    return {
        "times_s": [first.t, second.t],
        "centre_before_m": before.center.tolist(),
        "centre_after_m": after.center.tolist(),
        "delta_world_m": delta.tolist(),
        "displacement_m": float(np.hypot(delta[0], delta[1])),
        "corner_move_m": float(np.linalg.norm(after.corners - before.corners, axis=1).max()),
        "turn_deg": _turn_deg(scene, instance_id, first.t, second.t),
    }


def _fact(
    op: Operation,
    value,
    unit: str | None,
    margin: float | None,
    instance_ids: Sequence[int],
    view1: str,
    view2: str,
    args: dict,
    frame: str = "world",
    **detail,
) -> Fact:
    return Fact(
        value=value,
        unit=unit,
        primitive="minimal_obb_center",
        frame=frame,
        program=call(op, **args, view1=view1, view2=view2),
        margin=None if margin is None else float(margin),
        instance_ids=tuple(instance_ids),
        views=(view1, view2),
        detail=detail,
    )


@operation
def object_moved(scene: Scene, instance_id: ObjectId, view1: FrameId, view2: FrameId) -> Fact:
    """Whether the object moved between the two frames' times: some corner of its box moved
    at least ``STILL_M``. Margin: that largest corner move, metres (its distance to still).
    A turn in place is a move; ``detail`` says how far the centre went and how far it turned.
    """
    motion = motion_between(scene, instance_id, view1, view2)
    moved = motion["corner_move_m"] >= STILL_M
    return _fact(
        object_moved,
        bool(moved),
        "m",
        motion["corner_move_m"],
        (instance_id,),
        view1,
        view2,
        {"instance_id": instance_id},
        **motion,
    )


@operation(instance_ids=Range(2, 64))
def moved_object(
    scene: Scene, instance_ids: list[ObjectId], view1: FrameId, view2: FrameId
) -> Fact:
    """Which of the objects (distinct categories) moved most between the two frames, by the
    largest move of a box corner. Value: its category. Margin: its corner move minus the next
    largest, metres (the still ones: 0)."""
    ids = list(instance_ids)
    categories = [scene.object(i).category for i in ids]
    if len(ids) < 2 or len(set(categories)) != len(categories):
        raise SpatialQAError(
            f"moved_object: needs two or more objects of distinct categories (got {categories})"
        )
    motions = [motion_between(scene, i, view1, view2) for i in ids]
    moves = np.array([m["corner_move_m"] for m in motions])
    order = np.argsort(-moves, kind="stable")
    return _fact(
        moved_object,
        categories[order[0]],
        "m",
        moves[order[0]] - moves[order[1]],
        ids,
        view1,
        view2,
        {"instance_ids": ids},
        corner_moves_m=moves.tolist(),
        displacements_m=[m["displacement_m"] for m in motions],
        turns_deg=[m["turn_deg"] for m in motions],
        moved_instance=int(ids[order[0]]),
    )


@operation
def object_displacement(
    scene: Scene, instance_id: ObjectId, view1: FrameId, view2: FrameId
) -> Fact:
    """How far the object's box centre moved on the floor plane (XY) between the two frames'
    times, metres (no decision boundary, no margin)."""
    motion = motion_between(scene, instance_id, view1, view2)
    return _fact(
        object_displacement,
        motion["displacement_m"],
        "m",
        None,
        (instance_id,),
        view1,
        view2,
        {"instance_id": instance_id},
        **motion,
    )


def floor_axes(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """(right, forward) unit vectors on the XY plane of ``frame``'s camera: its heading and
    the heading turned 90 degrees clockwise seen from above."""
    forward = camera_heading(frame)
    return np.array([forward[1], -forward[0]]), forward


@operation
def object_move_direction(
    scene: Scene, instance_id: ObjectId, view1: FrameId, view2: FrameId
) -> Fact:
    """Which way the object moved on the floor, in the first camera's frame: left/right (its
    x) or towards/away from the camera (its z), whichever is larger. Margin: ||x| - |z||,
    metres (the distance to the diagonal where the dominant axis changes)."""
    motion = motion_between(scene, instance_id, view1, view2)
    right, forward = floor_axes(scene.frame(view1))
    delta = np.asarray(motion["delta_world_m"][:2])
    x, z = float(delta @ right), float(delta @ forward)
    axis, major = ("z", z) if abs(z) >= abs(x) else ("x", x)
    return _fact(
        object_move_direction,
        MOVE_LABELS[axis][int(major > 0)],
        "m",
        abs(abs(z) - abs(x)),
        (instance_id,),
        view1,
        view2,
        {"instance_id": instance_id},
        frame=f"camera of {view1} (floor plane)",
        offset_camera_m=[x, z],
        axis=axis,
        dominant_m=abs(major),
        **motion,
    )
