"""The ``moved`` trajectory of a procedural room: the walkthrough again, during which someone
moves one to three light pieces of furniture (GROUND_TRUTH "Object movement").

Why a trajectory of its own: motion lives on the scene's objects, and every other trajectory
must keep seeing the room as it is. So the ``moved`` walk is timed after all of them: its
first frame comes one frame spacing after the last frame of every other trajectory (or at a
``start`` given after them: a procedural room's ``moved_start``, after the latest time any of
its trajectories can have, so the walk is made without making them), and the objects move at
its middle frame (frame ``m{count // 2}``, the keyframe time), so no other trajectory has a
frame at or after any keyframe.

The pieces: floor-standing objects of a ``MOVABLE`` category with nothing standing on them,
each slid 0.25-1.0 m in a drawn direction and turned up to 90 degrees about the vertical
through the centre of its footprint's minimum rectangle (so that centre moves exactly the drawn
distance). A new place must stay inside the room (``CLEARANCE`` from the walls), clear of every
object whose height range overlaps the piece's (by ``CLEARANCE``, in plan: no
interpenetration) and of the cameras that see it there, the second half's
(``CAMERA_CLEARANCE``, in plan). Pieces the walk's first half shows are moved first, and a new
place its second half shows is preferred (a coarse ray cast, ``GLANCE_SIZE`` rays a frame), so
that "which object moved" has something to show. Every number comes from the generator given
(``procedural_scene`` passes ``rng_for("procedural moved", seed, index, attempt)``), so the
same room moves the same way; a room with no piece that can move gets the ``moved`` walk with
nothing moving.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import open3d as o3d
import shapely
import trimesh
from shapely.geometry import MultiPoint, Polygon

from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.scene import Frame, Keyframe, Scene, SceneObject, Trajectory
from spatialqa.scenes.trajectories import FRAME_SPACING_S

__all__ = ["MOVABLE", "MOVED_TRAJECTORY", "moved_room"]

MOVED_TRAJECTORY = "moved"
MOVED_PREFIX = "m"
MOVABLE = (
    "chair",
    "office chair",
    "stool",
    "armchair",
    "ottoman",
    "side table",
    "lamp",
    "plant",
    "trash can",
    "laundry basket",
)
"""Categories light enough that someone moves them between two looks at a room."""
MOVED_COUNT = (1, 3)
"""How many pieces move, at least and at most (drawn uniformly; fewer when fewer can)."""
DISTANCE_M = (0.25, 1.0)
"""How far the centre of a moved piece's footprint slides on the floor."""
MAX_TURN_DEG = 90.0
"""How far a moved piece turns about the vertical, either way, at most."""
CLEARANCE = 0.03
"""Least gap, in plan, from a moved piece to the walls and to every object it could touch."""
CAMERA_CLEARANCE = 0.3
"""Least distance, in plan, from a moved piece to every camera of the walk's second half (no
camera inside or right above it once it has moved)."""
FLOOR_TOLERANCE = 1e-3
"""A piece whose lowest point is at most this high stands on the floor."""
RESTING_TOLERANCE = 0.05
"""An object whose lowest point is within this of a piece's top, over its footprint, stands on
that piece (a lamp on a side table): such a piece is not moved."""
TRIES = 60
"""Places drawn per piece before it is left where it is."""
GLANCE_SIZE = (32, 24)
"""Rays across a frame (width, height) when telling whether it shows a piece."""
SIGHT_RAYS = 3
"""A frame shows a piece when at least this many of its rays first meet it."""


@dataclass(frozen=True)
class _Piece:
    """An object as the mover sees it: its plan outline, its height range, its pivot."""

    obj: SceneObject
    outline: Polygon
    low: float
    high: float
    pivot: np.ndarray  # (2,): centre of the outline's minimum rectangle


def _piece(obj: SceneObject) -> _Piece:
    vertices = obj.vertices
    outline = MultiPoint(vertices[:, :2]).convex_hull
    if not isinstance(outline, Polygon):  # a flat piece seen edge-on in plan
        outline = outline.buffer(1e-3)
    pivot = np.array(shapely.minimum_rotated_rectangle(outline).centroid.coords[0])
    return _Piece(obj, outline, float(vertices[:, 2].min()), float(vertices[:, 2].max()), pivot)


def yaw_pose(pivot: np.ndarray, shift: np.ndarray, turn_deg: float) -> np.ndarray:
    """The rigid pose turning by ``turn_deg`` about the vertical through ``pivot`` (x, y) and
    then sliding by ``shift`` (x, y): T(pivot + shift) Rz T(-pivot)."""
    c, s = math.cos(math.radians(turn_deg)), math.sin(math.radians(turn_deg))
    pose = np.eye(4)
    pose[:2, :2] = [[c, -s], [s, c]]
    pose[:2, 3] = pivot + shift - pose[:2, :2] @ pivot
    return pose


def _moved_outline(piece: _Piece, pose: np.ndarray) -> Polygon:
    corners = np.asarray(piece.outline.exterior.coords)
    return Polygon(corners @ pose[:2, :2].T + pose[:2, 3])


class _Sight:
    """Coarse ray casts (``GLANCE_SIZE`` rays a frame) of a set of frames, to tell which
    objects they see, where they are or where they would be after a move."""

    def __init__(self, scene: Scene, frames: tuple[Frame, ...]) -> None:
        self.count = len(frames)
        rays = [pixel_rays(frame.resized(*GLANCE_SIZE)) for frame in frames]
        self.rays = np.concatenate(rays) if rays else np.empty((0, 6), np.float32)
        self.meshes = [obj.mesh for obj in scene.objects] + [s.mesh for s in scene.structure]
        self.ids = [obj.id for obj in scene.objects] + [-1] * len(scene.structure)

    def _cast(self, meshes: list[trimesh.Trimesh], rays: np.ndarray) -> dict:
        caster = o3d.t.geometry.RaycastingScene()
        for mesh in meshes:
            caster.add_triangles(
                o3d.core.Tensor(np.asarray(mesh.vertices, dtype=np.float32)),
                o3d.core.Tensor(np.asarray(mesh.faces, dtype=np.uint32)),
            )
        return caster.cast_rays(o3d.core.Tensor(rays))

    @cached_property
    def shown(self) -> dict[int, int]:
        """Object id -> how many frames show it (``SIGHT_RAYS`` rays' first hit on it)."""
        if not self.count:
            return dict.fromkeys(self.ids, 0)
        hits = self._cast(self.meshes, self.rays)
        first = hits["geometry_ids"].numpy().astype(np.int64).reshape(self.count, -1)
        return {
            instance_id: int(np.count_nonzero((first == index).sum(axis=1) >= SIGHT_RAYS))
            for index, instance_id in enumerate(self.ids)
            if instance_id >= 0
        }

    def placed(self, piece: SceneObject) -> Callable[[np.ndarray], int]:
        """A function of a pose: how many frames would show ``piece`` carried by it, the other
        objects where they are (one cast of the rest, then one of the piece per pose)."""
        if not self.count:
            return lambda pose: 0
        rest = [m for m, i in zip(self.meshes, self.ids, strict=True) if i != piece.id]
        behind = self._cast(rest, self.rays)["t_hit"].numpy()
        caster = o3d.t.geometry.RaycastingScene()
        caster.add_triangles(
            o3d.core.Tensor(np.asarray(piece.mesh.vertices, dtype=np.float32)),
            o3d.core.Tensor(np.asarray(piece.mesh.faces, dtype=np.uint32)),
        )

        def frames_seeing(pose: np.ndarray) -> int:
            # The rays taken into the piece's own place: x = R^-1 (p - t), d' = R^-1 d.
            rotation, shift = pose[:3, :3], pose[:3, 3]
            local = np.empty_like(self.rays)
            local[:, :3] = (self.rays[:, :3] - shift) @ rotation
            local[:, 3:] = self.rays[:, 3:] @ rotation
            t_hit = caster.cast_rays(o3d.core.Tensor(local))["t_hit"].numpy()
            shown = (t_hit < behind).reshape(self.count, -1)
            return int(np.count_nonzero(shown.sum(axis=1) >= SIGHT_RAYS))

        return frames_seeing


def moved_walk(scene: Scene, walk: Trajectory, start: float | None = None) -> Trajectory:
    """``walk``'s cameras again as the ``moved`` trajectory: ids ``m0000``..., starting at
    ``start``, by default one frame spacing after the last frame of every trajectory of
    ``scene``. ValueError when ``start`` is not after every such frame."""
    last = max(frame.t for trajectory in scene.trajectories for frame in trajectory.frames)
    if start is None:
        start = last + FRAME_SPACING_S
    elif start <= last:
        raise ValueError(
            f"scene {scene.scene_id}: the moved walk must start after every other frame "
            f"(start {start:g} s, last frame {last:g} s)"
        )
    frames = tuple(
        replace(frame, id=f"{MOVED_PREFIX}{i:04d}", t=start + i * FRAME_SPACING_S)
        for i, frame in enumerate(walk.frames)
    )
    return Trajectory(MOVED_TRAJECTORY, frames)


def moved_room(
    scene: Scene,
    rng: np.random.Generator,
    walk: str = "walkthrough",
    start: float | None = None,
) -> Scene:
    """``scene`` with the ``moved`` trajectory (``walk``'s cameras, after every other frame,
    from ``start`` when given: ``moved_walk``) and motion keyframes on the pieces moved halfway
    through it (see the module docstring)."""
    if scene.room is None:
        raise ValueError(f"scene {scene.scene_id}: a moved walk needs a room footprint")
    moved = moved_walk(scene, scene.trajectory(walk), start)
    half = len(moved.frames) // 2
    keyframe_t = moved.frames[half].t
    first, second = moved.frames[:half], moved.frames[half:]
    pieces = [_piece(obj) for obj in scene.objects]
    inside = Polygon(scene.room.footprint).buffer(-CLEARANCE, join_style="mitre")
    cameras = MultiPoint([frame.center[:2] for frame in second])
    wanted = int(rng.integers(MOVED_COUNT[0], MOVED_COUNT[1] + 1))
    order = rng.permutation(len(pieces))
    movable = [pieces[i] for i in order if _can_move(pieces[i], pieces)]
    # Pieces the first half of the walk sees go first (stable: the drawn order in each group).
    before, after = _Sight(scene, first), _Sight(scene, second)
    movable.sort(key=lambda p: before.shown[p.obj.id] == 0)
    placed = {p.obj.id: p.outline for p in pieces}
    poses: dict[int, np.ndarray] = {}
    for piece in movable:
        if len(poses) == wanted:
            break
        pose = _new_place(piece, pieces, placed, inside, cameras, after.placed(piece.obj), rng)
        if pose is not None:
            poses[piece.obj.id] = pose
            placed[piece.obj.id] = _moved_outline(piece, pose)
    objects = tuple(
        replace(obj, motion=(Keyframe(keyframe_t, poses[obj.id]),)) if obj.id in poses else obj
        for obj in scene.objects
    )
    return replace(scene, objects=objects, trajectories=(*scene.trajectories, moved))


def _can_move(piece: _Piece, pieces: list[_Piece]) -> bool:
    """A movable category standing on the floor with nothing resting on it."""
    if piece.obj.category not in MOVABLE or piece.obj.mesh is None:
        return False
    if piece.low > FLOOR_TOLERANCE:
        return False
    return not any(
        other is not piece
        and abs(other.low - piece.high) <= RESTING_TOLERANCE
        and other.outline.intersects(piece.outline)
        for other in pieces
    )


def _new_place(
    piece: _Piece,
    pieces: list[_Piece],
    placed: dict[int, Polygon],
    inside: Polygon,
    cameras: MultiPoint,
    sighted: Callable[[np.ndarray], int],
    rng: np.random.Generator,
) -> np.ndarray | None:
    """A pose that puts ``piece`` somewhere free (the first of ``TRIES`` draws that some frame
    of the walk's second half shows, ``sighted``; else the first free one), or None."""
    blockers = [
        placed[other.obj.id]
        for other in pieces
        if other is not piece
        and other.low < piece.high + CLEARANCE
        and other.high > piece.low - CLEARANCE
    ]
    fallback = None
    for _ in range(TRIES):
        distance = rng.uniform(*DISTANCE_M)
        heading = rng.uniform(0.0, 2.0 * math.pi)
        turn = rng.uniform(-MAX_TURN_DEG, MAX_TURN_DEG)
        shift = distance * np.array([math.cos(heading), math.sin(heading)])
        pose = yaw_pose(piece.pivot, shift, turn)
        outline = _moved_outline(piece, pose)
        if not inside.contains(outline) or outline.distance(cameras) < CAMERA_CLEARANCE:
            continue
        if any(outline.distance(other) < CLEARANCE for other in blockers):
            continue
        if sighted(pose):
            return pose
        if fallback is None:
            fallback = pose
    return fallback
