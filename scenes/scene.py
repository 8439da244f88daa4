"""The canonical, immutable Scene: z-up world in metres, OpenCV cameras.

Every constructor converts its inputs once (float64, shapes checked), validates them and
freezes the arrays, so a Scene that exists is a Scene that is right. Errors name the field
(``objects[3].front: not a unit vector``); loaders prefix the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import pairwise

import numpy as np
import trimesh

from spatialqa.errors import SceneError

ORTHONORMAL_TOL = 1e-6
_EYE3 = np.eye(3)
_ORTHONORMAL_BOUND = ORTHONORMAL_TOL + 1e-5 * _EYE3  # allclose's atol + rtol * |I|
_LAST_ROW = np.array([0.0, 0.0, 0.0, 1.0])


def frozen_array(value, shape: tuple[int | None, ...], where: str) -> np.ndarray:
    """Return ``value`` as a read-only float64 array of ``shape`` (None = any length)."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SceneError(f"{where}: not a numeric array ({exc})") from None
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        raise SceneError(f"{where}: expected shape {shape}, got {array.shape}")
    if not np.isfinite(array).all():
        raise SceneError(f"{where}: contains NaN or infinity")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Frame:
    """One camera view: pose is the 4x4 camera-to-world matrix (OpenCV axes), K the intrinsics."""

    id: str
    t: float
    pose: np.ndarray
    K: np.ndarray
    width: int
    height: int
    rgb: str | None = None
    depth: str | None = None

    def __post_init__(self) -> None:
        where = f"frame {self.id!r}"
        if not isinstance(self.id, str) or not self.id:
            raise SceneError(f"{where}.id: must be a non-empty string")
        if not np.isfinite(self.t):
            raise SceneError(f"{where}.t: timestamp must be finite (got {self.t})")
        object.__setattr__(self, "t", float(self.t))
        pose = frozen_array(self.pose, (4, 4), f"{where}.pose")
        rotation = pose[:3, :3]
        # np.allclose(rotation.T @ rotation, I, atol=ORTHONORMAL_TOL) without its overhead
        if not (np.abs(rotation.T @ rotation - _EYE3) <= _ORTHONORMAL_BOUND).all() or not (
            np.linalg.det(rotation) > 0
        ):
            raise SceneError(f"{where}.pose: rotation not orthonormal and right-handed")
        if not (pose[3] == _LAST_ROW).all():
            raise SceneError(f"{where}.pose: last row must be [0, 0, 0, 1]")
        K = frozen_array(self.K, (3, 3), f"{where}.K")
        if K[0, 0] <= 0 or K[1, 1] <= 0 or not (K[2] == _LAST_ROW[1:]).all():
            raise SceneError(f"{where}.K: needs positive focal lengths and last row [0, 0, 1]")
        for name in ("width", "height"):
            value = getattr(self, name)
            if int(value) != value or value <= 0:
                raise SceneError(f"{where}.{name}: must be a positive integer (got {value})")
            object.__setattr__(self, name, int(value))
        object.__setattr__(self, "pose", pose)
        object.__setattr__(self, "K", K)

    @property
    def center(self) -> np.ndarray:
        """Camera centre in world coordinates, (3,)."""
        return self.pose[:3, 3]

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        """(n, 3) world points -> (n, 3) OpenCV camera coordinates."""
        rotation, center = self.pose[:3, :3], self.pose[:3, 3]
        return (np.asarray(points, dtype=np.float64) - center) @ rotation

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) world points -> ((n, 2) pixel coordinates, (n,) camera-z depth).

        OpenCV pixel coordinates: pixel (u, v) is centred at the integer point (u, v)."""
        cam = self.world_to_camera(points)
        z = cam[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = (cam @ self.K.T)[:, :2] / z[:, None]
        return uv, z

    def resized(self, width: int, height: int) -> Frame:
        """The same camera seen at another image size. Pixel centres sit at integers, so it is
        the image's edges (-0.5 and width - 0.5) that scale: ``x' = (x + 0.5) s - 0.5``."""
        if (width, height) == (self.width, self.height):
            return self
        sx, sy = width / self.width, height / self.height
        scale = np.array([[sx, 0.0, (sx - 1) / 2], [0.0, sy, (sy - 1) / 2], [0.0, 0.0, 1.0]])
        return replace(self, K=scale @ self.K, width=width, height=height)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A named sequence of frames in time order."""

    name: str
    frames: tuple[Frame, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "frames", tuple(self.frames))
        where = f"trajectories[{self.name!r}]"
        if not self.frames:
            raise SceneError(f"{where}.frames: empty")
        times = [frame.t for frame in self.frames]
        if any(b < a for a, b in pairwise(times)):
            raise SceneError(f"{where}.frames: timestamps must not decrease")
        ids = [frame.id for frame in self.frames]
        if len(set(ids)) != len(ids):
            raise SceneError(f"{where}.frames: frame ids must be unique")


def checked_mesh(mesh: trimesh.Trimesh, where: str) -> trimesh.Trimesh:
    """Validate ``mesh`` and make its vertices and faces read-only against in-place edits.

    Derived geometry is cached per scene, so an edited mesh would silently disagree with it;
    transform a copy (``mesh.copy()``) instead.
    """
    if not isinstance(mesh, trimesh.Trimesh):
        raise SceneError(f"{where}: expected a trimesh.Trimesh, got {type(mesh).__name__}")
    if len(mesh.faces) == 0 or len(mesh.vertices) == 0:
        raise SceneError(f"{where}: mesh has no faces")
    if not np.all(np.isfinite(mesh.vertices)):
        raise SceneError(f"{where}: mesh vertices contain NaN or infinity")
    if np.all(np.ptp(mesh.vertices, axis=0) <= 0):
        raise SceneError(f"{where}: mesh has no extent")
    mesh.vertices.flags.writeable = False
    mesh.faces.flags.writeable = False
    return mesh


@dataclass(frozen=True, eq=False)
class OrientedBox:
    """A box a dataset annotated by hand, kept beside the geometry for the ``annotated`` variant.

    ``extent`` holds full side lengths along the box axes, which are the columns of
    ``rotation`` (orthonormal, right-handed); a point p is inside when
    ``abs(rotation.T @ (p - center)) <= extent / 2``.
    """

    center: np.ndarray
    extent: np.ndarray
    rotation: np.ndarray

    def __post_init__(self) -> None:
        where = "annotated_box"
        center = frozen_array(self.center, (3,), f"{where}.center")
        extent = frozen_array(self.extent, (3,), f"{where}.extent")
        if not np.all(extent > 0):
            raise SceneError(f"{where}.extent: side lengths must be positive (got {extent})")
        rotation = frozen_array(self.rotation, (3, 3), f"{where}.rotation")
        if not np.allclose(rotation.T @ rotation, np.eye(3), atol=ORTHONORMAL_TOL) or not (
            np.linalg.det(rotation) > 0
        ):
            raise SceneError(f"{where}.rotation: not orthonormal and right-handed")
        object.__setattr__(self, "center", center)
        object.__setattr__(self, "extent", extent)
        object.__setattr__(self, "rotation", rotation)

    @property
    def corners(self) -> np.ndarray:
        """The eight corners in world coordinates, (8, 3)."""
        signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
        return self.center + (signs * (self.extent / 2.0)) @ self.rotation.T


@dataclass(frozen=True, eq=False)
class SceneObject:
    """A referent: an instance id, a category and its geometry (mesh and/or points)."""

    id: int
    category: str
    mesh: trimesh.Trimesh | None = None
    points: np.ndarray | None = None
    front: np.ndarray | None = None
    color: tuple[int, int, int] | None = None
    annotated_box: OrientedBox | None = None

    def __post_init__(self) -> None:
        where = f"objects[id={self.id}]"
        if isinstance(self.id, bool) or int(self.id) != self.id or self.id < 0:
            raise SceneError(f"{where}.id: must be a non-negative integer")
        object.__setattr__(self, "id", int(self.id))
        if not isinstance(self.category, str) or not self.category.strip():
            raise SceneError(f"{where}.category: must be a non-empty string")
        if self.mesh is None and self.points is None:
            raise SceneError(f"{where}: needs a mesh or points")
        if self.mesh is not None:
            checked_mesh(self.mesh, f"{where}.mesh")
        if self.points is not None:
            points = frozen_array(self.points, (None, 3), f"{where}.points")
            if len(points) == 0:
                raise SceneError(f"{where}.points: empty")
            object.__setattr__(self, "points", points)
        if self.front is not None:
            front = frozen_array(self.front, (3,), f"{where}.front")
            if abs(np.linalg.norm(front) - 1.0) > 1e-6:
                raise SceneError(f"{where}.front: not a unit vector")
            object.__setattr__(self, "front", front)
        if self.color is not None:
            color = tuple(int(c) for c in self.color)
            if len(color) != 3 or not all(0 <= c <= 255 for c in color):
                raise SceneError(f"{where}.color: expected three integers in 0..255")
            object.__setattr__(self, "color", color)
        if self.annotated_box is not None and not isinstance(self.annotated_box, OrientedBox):
            raise SceneError(
                f"{where}.annotated_box: expected an OrientedBox, "
                f"got {type(self.annotated_box).__name__}"
            )

    @cached_property
    def vertices(self) -> np.ndarray:
        """Every point that defines the object: mesh vertices, else the point cloud, (n, 3)."""
        return np.asarray(self.mesh.vertices if self.mesh is not None else self.points)


@dataclass(frozen=True, eq=False)
class Structure:
    """Walls, floor, ceiling: they occlude but are never referents."""

    category: str
    mesh: trimesh.Trimesh

    def __post_init__(self) -> None:
        checked_mesh(self.mesh, f"structure[{self.category!r}].mesh")


@dataclass(frozen=True, eq=False)
class Room:
    """The floor footprint (counter-clockwise polygon in XY, metres) and the ceiling height."""

    footprint: np.ndarray
    height: float

    def __post_init__(self) -> None:
        footprint = frozen_array(self.footprint, (None, 2), "room.footprint")
        if len(footprint) < 3:
            raise SceneError("room.footprint: needs at least three corners")
        if not self.height > 0:
            raise SceneError(f"room.height: must be positive (got {self.height})")
        object.__setattr__(self, "footprint", footprint)
        object.__setattr__(self, "height", float(self.height))


@dataclass(frozen=True)
class Source:
    """Where a scene came from and what its loader converted on the way in."""

    kind: str
    detail: str = ""


@dataclass(frozen=True, eq=False)
class Scene:
    """An immutable, validated scene. Derived geometry lives in ``spatialqa.oracle``."""

    scene_id: str
    source: Source
    objects: tuple[SceneObject, ...]
    structure: tuple[Structure, ...] = ()
    room: Room | None = None
    trajectories: tuple[Trajectory, ...] = ()
    floor_z: float = 0.0
    _by_id: dict[int, SceneObject] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.scene_id, str) or not self.scene_id:
            raise SceneError("scene_id: must be a non-empty string")
        for name in ("objects", "structure", "trajectories"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.objects:
            raise SceneError("objects: a scene needs at least one object")
        ids = [obj.id for obj in self.objects]
        duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
        if duplicates:
            raise SceneError(f"objects: instance ids must be unique (repeated: {duplicates})")
        names = [trajectory.name for trajectory in self.trajectories]
        if len(set(names)) != len(names):
            raise SceneError("trajectories: names must be unique")
        owner: dict[str, str] = {}  # programs and image files name frames by id alone
        for trajectory in self.trajectories:
            for frame in trajectory.frames:
                other = owner.setdefault(frame.id, trajectory.name)
                if other != trajectory.name:
                    raise SceneError(
                        f"trajectories[{trajectory.name!r}].frames[{frame.id!r}].id: also a "
                        f"frame of trajectory {other!r} (frame ids are unique in a scene)"
                    )
        if not np.isfinite(self.floor_z):
            raise SceneError("floor_z: must be finite")
        object.__setattr__(self, "floor_z", float(self.floor_z))
        object.__setattr__(self, "_by_id", {obj.id: obj for obj in self.objects})
        for trajectory in self.trajectories:
            for frame in trajectory.frames:
                if not self.sees_something(frame):
                    raise SceneError(
                        f"trajectories[{trajectory.name!r}].frames[{frame.id!r}].pose: "
                        "the camera looks at no geometry"
                    )

    def object(self, instance_id: int) -> SceneObject:
        try:
            return self._by_id[instance_id]
        except KeyError:
            raise SceneError(f"scene {self.scene_id}: no object with id {instance_id}") from None

    def trajectory(self, name: str) -> Trajectory:
        for trajectory in self.trajectories:
            if trajectory.name == name:
                return trajectory
        known = [t.name for t in self.trajectories]
        raise SceneError(f"scene {self.scene_id}: no trajectory {name!r} (has {known})")

    def resized(self, width: int, height: int) -> Scene:
        """The same scene with every camera seeing ``width`` x ``height`` pixels
        (``Frame.resized``): small images make visibility, one ray a pixel, cheap."""
        trajectories = tuple(
            Trajectory(t.name, tuple(frame.resized(width, height) for frame in t.frames))
            for t in self.trajectories
        )
        return replace(self, trajectories=trajectories)

    def frame(self, frame_id: str) -> Frame:
        for trajectory in self.trajectories:
            for frame in trajectory.frames:
                if frame.id == frame_id:
                    return frame
        raise SceneError(f"scene {self.scene_id}: no frame {frame_id!r}")

    @cached_property
    def categories(self) -> dict[str, tuple[int, ...]]:
        """Category -> instance ids, categories in first-appearance order."""
        out: dict[str, list[int]] = {}
        for obj in self.objects:
            out.setdefault(obj.category, []).append(obj.id)
        return {category: tuple(ids) for category, ids in out.items()}

    @cached_property
    def _corners(self) -> np.ndarray:
        """The corners of every object's and structure part's bounding box, eight per box."""
        meshes = [obj.vertices for obj in self.objects] + [s.mesh.vertices for s in self.structure]
        lows = np.array([v.min(axis=0) for v in meshes])
        highs = np.array([v.max(axis=0) for v in meshes])
        signs = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=bool)
        return np.where(signs[None], highs[:, None], lows[:, None]).reshape(-1, 3)

    def sees_something(self, frame: Frame) -> bool:
        """Cheap check that never rejects a camera that sees something: for every plane of the
        view frustum (in front of the camera, inside the image's edges), some one bounding box
        has a corner on its inner side. A wall that fills the view counts, though none of its
        corners shows."""
        u, v, z = (frame.world_to_camera(self._corners) @ frame.K.T).T  # u z, v z, z (K's last row)
        edges = (frame.width - 0.5) * z, (frame.height - 0.5) * z
        inside = np.stack([z > 0, u >= -0.5 * z, u <= edges[0], v >= -0.5 * z, v <= edges[1]])
        per_box = inside.reshape(5, -1, 8).any(axis=2)  # plane x box: a corner on its inner side
        return bool(per_box.all(axis=0).any())
