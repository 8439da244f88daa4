"""A hand-placed scene with one object that moves, and the same scene built in each state by
hand (no motion), so that every consumer of a frame can be held to the state of its time.

The camera stands at (0, 0, 0.4) looking along +x (OpenCV: image right is world -y, image
down is world -z), focal 500 px, 640 x 480, principal point (319.5, 239.5). Frames f0 (t = 0)
and f1, f2 (t = 1, 2) share that pose; the chair's keyframe is at t = 1.

- The chair: a 0.4 x 1.2 x 0.8 box (x, y, z) centred at (3, 0, 0.4), spanning x [2.8, 3.2],
  y [-0.6, 0.6], z [0, 0.8]. At t = 1 it turns 90 degrees about its own vertical axis and
  slides 1.05 m along +y: a 1.2 x 0.4 x 0.8 box centred at (3, 1.05, 0.4), spanning
  x [2.4, 3.6], y [0.85, 1.25].
- The table: a 1 x 1 x 0.8 box centred at (5, -1.5, 0.4); it never moves.
"""

from __future__ import annotations

import numpy as np
import trimesh

from spatialqa.scenes import Frame, Keyframe, Scene, SceneObject, Source, Trajectory, look_at

CHAIR, TABLE = 1, 2
KEYFRAME_T = 1.0
CAMERA = np.array([0.0, 0.0, 0.4])
CHAIR_CENTER = np.array([3.0, 0.0, 0.4])
CHAIR_SIZE = (0.4, 1.2, 0.8)
MOVED_CENTER = np.array([3.0, 1.05, 0.4])


def box(center, size, yaw_deg: float = 0.0) -> trimesh.Trimesh:
    mesh = trimesh.creation.box(extents=size)
    mesh.apply_transform(trimesh.transformations.rotation_matrix(np.radians(yaw_deg), [0, 0, 1]))
    mesh.apply_translation(center)
    return mesh


def chair_pose() -> np.ndarray:
    """Turn 90 degrees about the vertical through the chair's centre, then slide 1.05 m along +y:
    T(c + d) R T(-c)."""
    turn = trimesh.transformations.rotation_matrix(np.radians(90.0), [0, 0, 1])
    to_origin, back = np.eye(4), np.eye(4)
    to_origin[:3, 3] = -CHAIR_CENTER
    back[:3, 3] = MOVED_CENTER
    return back @ turn @ to_origin


def frames(width: int = 640, height: int = 480) -> tuple[Frame, ...]:
    pose = look_at(CAMERA, CAMERA + np.array([1.0, 0.0, 0.0]))
    K = [[500.0, 0.0, (width - 1) / 2], [0.0, 500.0, (height - 1) / 2], [0.0, 0.0, 1.0]]
    return tuple(Frame(f"f{i}", float(i), pose, K, width, height) for i in range(3))


def _scene(chair: SceneObject, scene_id: str) -> Scene:
    table = SceneObject(TABLE, "table", mesh=box((5.0, -1.5, 0.4), (1.0, 1.0, 0.8)))
    return Scene(
        scene_id,
        Source("test", "moving kit"),
        (chair, table),
        trajectories=(Trajectory("walk", frames()),),
    )


def moving() -> Scene:
    """The scene whose chair moves at t = 1."""
    chair = SceneObject(
        CHAIR,
        "chair",
        mesh=box(CHAIR_CENTER, CHAIR_SIZE),
        front=(1.0, 0.0, 0.0),
        motion=(Keyframe(KEYFRAME_T, chair_pose()),),
    )
    return _scene(chair, "moving_kit")


def before() -> Scene:
    """The scene as it is before t = 1, built without motion."""
    return _scene(SceneObject(CHAIR, "chair", mesh=box(CHAIR_CENTER, CHAIR_SIZE)), "moving_kit")


def after() -> Scene:
    """The scene as it is from t = 1 on, the chair built in place by hand (turned box)."""
    chair = SceneObject(CHAIR, "chair", mesh=box(MOVED_CENTER, CHAIR_SIZE, yaw_deg=90.0))
    return _scene(chair, "moving_kit")
