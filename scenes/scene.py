"""The canonical, immutable Scene: z-up world in metres, OpenCV cameras.

Every constructor converts its inputs once (float64, shapes checked), validates them and
freezes the arrays, so a Scene that exists is a Scene that is right. Errors name the field
(``objects[3].front: not a unit vector``); loaders prefix the file.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter, OrderedDict
from contextlib import suppress
from dataclasses import InitVar, dataclass, field, replace
from functools import cached_property
from itertools import pairwise

import numpy as np
import trimesh
from shapely.geometry import MultiPoint, Polygon
from shapely.validation import explain_validity

from spatialqa.errors import SceneError

ORTHONORMAL_TOL = 1e-6
_EYE3 = np.eye(3)
_ORTHONORMAL_BOUND = ORTHONORMAL_TOL + 1e-5 * _EYE3  # allclose's atol + rtol * |I|
_LAST_ROW = np.array([0.0, 0.0, 0.0, 1.0])

MAX_INSTANCE_ID = 2**31 - 1
"""Instance ids must fit int32: visibility and render masks store them so."""
STRUCTURE_ID = -1
"""The id that stands for walls, floor and ceiling where a pixel, a ray or an occluder asks for
an instance id (objects' ids are non-negative, so it names no object)."""
BACKGROUND_ID = -2
"""The id of a pixel or ray that meets nothing: no object and no structure."""
MAX_CATEGORY_LENGTH = 64
MAX_NAME_LENGTH = 200
"""Longest scene id, frame id, trajectory name or source kind (they end up in file names)."""
MAX_ROOM_KIND_LENGTH = 32
ROOM_KIND = re.compile(rf"[a-z](?:[a-z0-9 -]{{0,{MAX_ROOM_KIND_LENGTH - 2}}}[a-z0-9])?")
"""What ``Room.kind`` may be: lowercase words ("living room", "walk-in closet")."""
STATES_KEPT = 32
"""States ``Scene.at`` keeps (the ones used last): every state a build's delivered views see
(16 by default) stays cached while its tasks ask about them, and a scene keyed at every frame
holds at most this many copies of its moving objects and their derived geometry."""
DEGENERATE_FACE = 1e-6
"""A face whose height is at most this fraction of its longest edge has no area to speak of."""
_CHUNK = 65_536
_CONTROL_RUN = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")  # whitespace and Unicode category Cc
_REMOVED = frozenset(("Cf", "Cs"))  # format characters (bidi controls, zero-width) and surrogates
_FORBIDDEN_IN_NAMES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def clean_category(text: str) -> str:
    """A category name safe to print in a question: format characters (bidi controls such as
    U+202E, zero-width joiners) and lone surrogates removed, each run of whitespace and control
    characters (NUL, newlines) made one space, ends stripped, at most 64 characters.

    Categories come from annotation files and end up verbatim in question text, so they are
    cleaned rather than refused; ordinary text (accents, CJK) is kept. May return ``""``.
    """
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in _REMOVED)
    return _CONTROL_RUN.sub(" ", kept).strip()[:MAX_CATEGORY_LENGTH].rstrip()


def _shown(value: object, convert=repr) -> str:
    """``value`` as text for an error message: at most 80 characters, and never an error
    itself (Python refuses to print an int of more than 4300 digits)."""
    try:
        text = convert(value)
    except ValueError:
        return f"<{type(value).__name__} too long to show>"
    return text if len(text) <= 80 else text[:77] + "..."


def checked_name(value: object, where: str) -> str:
    """``value`` as a non-empty name of at most 200 characters without control, format or
    line-separator characters: ids and names end up in file names and question text."""
    if not isinstance(value, str) or not value:
        raise SceneError(f"{where}: must be a non-empty string")
    if len(value) > MAX_NAME_LENGTH:
        raise SceneError(
            f"{where}: {len(value)} characters, more than the {MAX_NAME_LENGTH} allowed"
        )
    for position, ch in enumerate(value):
        if unicodedata.category(ch) in _FORBIDDEN_IN_NAMES:
            raise SceneError(
                f"{where}: control or format character U+{ord(ch):04X} at position {position}"
            )
    return value


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


def rigid_pose(value, where: str) -> np.ndarray:
    """``value`` as a read-only float64 4x4 rigid transform: finite, an orthonormal
    right-handed rotation (to ``ORTHONORMAL_TOL``) and last row [0, 0, 0, 1]."""
    pose = frozen_array(value, (4, 4), where)
    rotation = pose[:3, :3]
    # np.allclose(rotation.T @ rotation, I, atol=ORTHONORMAL_TOL) without its overhead
    if not (np.abs(rotation.T @ rotation - _EYE3) <= _ORTHONORMAL_BOUND).all() or not (
        np.linalg.det(rotation) > 0
    ):
        raise SceneError(f"{where}: rotation not orthonormal and right-handed")
    if not (pose[3] == _LAST_ROW).all():
        raise SceneError(f"{where}: last row must be [0, 0, 0, 1]")
    return pose


def rigid_inverse(pose: np.ndarray) -> np.ndarray:
    """The inverse of a rigid 4x4 transform, [R^T, -R^T t; 0 0 0 1], its last row exact."""
    out = np.eye(4)
    out[:3, :3] = pose[:3, :3].T
    out[:3, 3] = -pose[:3, :3].T @ pose[:3, 3]
    return out


DISTORTION_COEFFICIENTS = {
    "SIMPLE_RADIAL": 1,
    "RADIAL": 2,
    "OPENCV": 4,
    "FULL_OPENCV": 8,
    "SIMPLE_RADIAL_FISHEYE": 1,
    "RADIAL_FISHEYE": 2,
    "OPENCV_FISHEYE": 4,
}
"""COLMAP's distorting camera models (``src/colmap/sensor/models.h``) and how many distortion
coefficients each takes after its focal lengths and principal point."""


@dataclass(frozen=True, eq=False)
class Distortion:
    """The lens a frame's captured image was taken through, where that image is not pinhole.

    ``model`` is COLMAP's camera model name, ``params`` its distortion coefficients in
    COLMAP's order (``OPENCV``: k1, k2, p1, p2; ``OPENCV_FISHEYE``: k1..k4), ``K`` the lens's
    own intrinsics and ``width`` x ``height`` the size of the image file. The frame's ``K``,
    ``width`` and ``height`` stay the pinhole camera the image is resampled into when it is
    read, so everything that projects with the frame stays exact. Checked (and its arrays
    frozen) by the Frame that holds it, so that errors name the frame.
    """

    model: str
    params: np.ndarray
    K: np.ndarray
    width: int
    height: int

    def checked(self, where: str) -> Distortion:
        """This lens with float64 read-only arrays; SceneError naming ``where`` and the field
        for an unknown model, a wrong number of coefficients, a non-finite value or a bad K
        or size."""
        model = self.model
        need = DISTORTION_COEFFICIENTS.get(model) if isinstance(model, str) else None
        if need is None:
            raise SceneError(
                f"{where}.model: unknown camera model {_shown(model)} "
                f"(known: {', '.join(DISTORTION_COEFFICIENTS)})"
            )
        params = frozen_array(self.params, (None,), f"{where}.params")
        if len(params) != need:
            raise SceneError(
                f"{where}.params: {model} takes {need} coefficients, got {len(params)}"
            )
        K = frozen_array(self.K, (3, 3), f"{where}.K")
        if K[0, 0] <= 0 or K[1, 1] <= 0 or not (K[2] == _LAST_ROW[1:]).all() or K[0, 1] != 0:
            raise SceneError(
                f"{where}.K: needs positive focal lengths, skew 0 and last row [0, 0, 1]"
            )
        sizes = []
        for name in ("width", "height"):
            value = _integer(getattr(self, name))
            if value is None or value <= 0:
                raise SceneError(
                    f"{where}.{name}: must be a positive integer (got "
                    f"{_shown(getattr(self, name))})"
                )
            sizes.append(value)
        return Distortion(model, params, K, *sizes)

    @property
    def key(self) -> tuple:
        """The lens as a hashable value: equal lenses, equal keys."""
        return (self.model, self.params.tobytes(), self.K.tobytes(), self.width, self.height)


@dataclass(frozen=True, eq=False)
class FrameFields:
    """What a camera view is made of, unchecked: a frame as a dataset gives it
    (``assemble.RawFrame``) and, once checked, ``Frame``.

    ``pose`` is the 4x4 camera-to-world matrix (OpenCV axes), ``K`` the intrinsics; ``rgb``
    and ``depth`` name captured images (relative to the scene directory); ``distortion``,
    when the ``rgb`` file was taken through a distorting lens, describes it, and the image is
    resampled into the pinhole ``K`` at ``width`` x ``height`` on reading.
    """

    id: str
    t: float
    pose: np.ndarray
    K: np.ndarray
    width: int
    height: int
    rgb: str | None = None
    depth: str | None = None
    distortion: Distortion | None = None


@dataclass(frozen=True, eq=False)
class Frame(FrameFields):
    """One camera view, checked on construction (the fields: ``FrameFields``)."""

    def __post_init__(self) -> None:
        where = f"frame {_shown(self.id)}"
        checked_name(self.id, f"{where}.id")
        if not np.isfinite(self.t):
            raise SceneError(f"{where}.t: timestamp must be finite (got {self.t})")
        object.__setattr__(self, "t", float(self.t))
        pose = rigid_pose(self.pose, f"{where}.pose")
        K = frozen_array(self.K, (3, 3), f"{where}.K")
        if K[0, 0] <= 0 or K[1, 1] <= 0 or not (K[2] == _LAST_ROW[1:]).all():
            raise SceneError(f"{where}.K: needs positive focal lengths and last row [0, 0, 1]")
        if K[0, 1] != 0:
            raise SceneError(
                f"{where}.K: skew must be 0 (got K[0][1] = {K[0, 1]}); no renderer models it"
            )
        for name in ("width", "height"):
            value = _integer(getattr(self, name))
            if value is None or value <= 0:
                raise SceneError(
                    f"{where}.{name}: must be a positive integer (got {getattr(self, name)!r})"
                )
            object.__setattr__(self, name, value)
        if self.distortion is not None:
            if not isinstance(self.distortion, Distortion):
                raise SceneError(
                    f"{where}.distortion: expected a Distortion, got "
                    f"{type(self.distortion).__name__}"
                )
            if self.rgb is None:
                raise SceneError(f"{where}.distortion: describes the rgb image, but none is named")
            object.__setattr__(self, "distortion", self.distortion.checked(f"{where}.distortion"))
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
        where = f"trajectories[{_shown(self.name)}]"
        checked_name(self.name, f"{where}.name")
        if not self.frames:
            raise SceneError(f"{where}.frames: empty")
        times = [frame.t for frame in self.frames]
        if any(b < a for a, b in pairwise(times)):
            raise SceneError(f"{where}.frames: timestamps must not decrease")
        ids = [frame.id for frame in self.frames]
        if len(set(ids)) != len(ids):
            raise SceneError(f"{where}.frames: frame ids must be unique")


def _integer(value: object) -> int | None:
    """``value`` as an int when it is an integral number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number == value else None


def _has_proper_face(vertices: np.ndarray, faces: np.ndarray) -> bool:
    """Whether some face is a triangle rather than a segment or a point (see DEGENERATE_FACE).

    Chunked, and it stops at the first proper face, which is almost always in the first chunk.
    """
    for start in range(0, len(faces), _CHUNK):
        corners = vertices[faces[start : start + _CHUNK]]  # (c, 3, 3)
        ab, ac, bc = (corners[:, j] - corners[:, i] for i, j in ((0, 1), (0, 2), (1, 2)))
        twice_area = np.linalg.norm(np.cross(ab, ac), axis=1)
        longest = np.sqrt(np.max([np.einsum("ij,ij->i", e, e) for e in (ab, ac, bc)], axis=0))
        if np.any(twice_area > DEGENERATE_FACE * longest**2):
            return True
    return False


def mesh_problem(vertices: np.ndarray, faces: np.ndarray) -> str | None:
    """Why this triangle mesh cannot stand for a surface, or None when it can.

    Refused: no faces; face indices that are negative (numpy would wrap them silently) or past
    the last vertex; NaN or infinite vertices; zero extent on two axes (a line or a point);
    every face degenerate (zero area). A flat mesh (a rug, a floor) is a surface.
    """
    vertices, faces = np.asarray(vertices), np.asarray(faces)
    if len(faces) == 0 or len(vertices) == 0:
        return "mesh has no faces"
    if faces.ndim != 2 or faces.shape[1] != 3 or not np.issubdtype(faces.dtype, np.integer):
        return f"faces must be (m, 3) integers (got {faces.dtype} {faces.shape})"
    low, high = int(faces.min()), int(faces.max())
    if low < 0:
        return f"face index {low} is negative"
    if high >= len(vertices):
        return f"face index {high} out of range (the mesh has {len(vertices)} vertices)"
    if not np.all(np.isfinite(vertices)):
        return "mesh vertices contain NaN or infinity"
    flat_axes = int(np.count_nonzero(np.ptp(vertices, axis=0) <= 0))
    if flat_axes == 3:
        return "mesh has no extent"
    if flat_axes == 2:
        return "mesh has zero extent on two axes (its vertices lie on a line)"
    if not _has_proper_face(np.asarray(vertices, dtype=np.float64), faces):
        return "every face is degenerate (zero area)"
    return None


def points_problem(points: np.ndarray) -> str | None:
    """Why this point cloud cannot stand for an object, or None: empty, one point, or all
    points on one line (no extent across it, relative 1e-6)."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 0:
        return "empty"
    extent = np.ptp(points, axis=0)
    if np.all(extent <= 0):
        return "all points are one point"
    if np.count_nonzero(extent <= 0) == 2:
        return "all points lie on one line"
    mean, scatter = points.mean(axis=0), np.zeros((3, 3))
    for start in range(0, len(points), _CHUNK):  # no centred copy of a huge cloud
        centred = points[start : start + _CHUNK] - mean
        scatter += centred.T @ centred
    spread = np.linalg.eigvalsh(scatter)  # ascending: squared singular values
    if spread[1] <= DEGENERATE_FACE**2 * spread[2]:
        return "all points lie on one line"
    return None


def checked_mesh(mesh: trimesh.Trimesh, where: str) -> trimesh.Trimesh:
    """Validate ``mesh`` (see ``mesh_problem``) and make its vertices and faces read-only.

    Derived geometry is cached per scene, so an edited mesh would silently disagree with it;
    transform a copy (``mesh.copy()``) instead.
    """
    if not isinstance(mesh, trimesh.Trimesh):
        raise SceneError(f"{where}: expected a trimesh.Trimesh, got {type(mesh).__name__}")
    problem = mesh_problem(mesh.vertices, mesh.faces)
    if problem is not None:
        raise SceneError(f"{where}: {problem}")
    mesh.vertices.flags.writeable = False
    mesh.faces.flags.writeable = False
    return mesh


def _category(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SceneError(f"{where}: must be a string (got {type(value).__name__})")
    cleaned = clean_category(value)
    if not cleaned:
        raise SceneError(
            f"{where}: must be a non-empty string (nothing is left of {value!r} once "
            "whitespace, control and format characters are removed)"
        )
    return cleaned


_BOX_SIGNS = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)
"""Corner k of a box: these signs along its axes (the last axis varies fastest)."""


@dataclass(frozen=True, eq=False)
class OrientedBox:
    """An oriented box in world coordinates: the box a dataset annotated by hand (kept beside
    the geometry for the ``annotated`` variant), or one the oracle fits to an object.

    ``extent`` holds full side lengths along the box axes, which are the columns of
    ``rotation`` (orthonormal, right-handed); a point p is inside when
    ``abs(rotation.T @ (p - center)) <= extent / 2``. ``flat=True`` lets a side be zero: a box
    fitted to coplanar points has no thickness, while an annotation must have every side.
    """

    center: np.ndarray
    extent: np.ndarray
    rotation: np.ndarray
    flat: InitVar[bool] = False

    def __post_init__(self, flat: bool) -> None:
        where = "box" if flat else "annotated_box"
        center = frozen_array(self.center, (3,), f"{where}.center")
        extent = frozen_array(self.extent, (3,), f"{where}.extent")
        if not (np.all(extent >= 0) if flat else np.all(extent > 0)):
            what = "positive or zero" if flat else "positive"
            raise SceneError(f"{where}.extent: side lengths must be {what} (got {extent})")
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
        """The eight corners in world coordinates, (8, 3), in the order of ``_BOX_SIGNS``."""
        return self.center + (_BOX_SIGNS * (self.extent / 2.0)) @ self.rotation.T

    @property
    def volume(self) -> float:
        """The product of the three sides, m^3."""
        return float(np.prod(self.extent))


@dataclass(frozen=True, eq=False)
class Keyframe:
    """Where a moving object is from time ``t`` (seconds, the frames' clock) on: ``pose`` is
    the 4x4 rigid transform (world to world) applied to the object's own geometry.

    Checked (and its pose frozen) by the SceneObject that holds it, so that errors name the
    object and the keyframe (``objects[id=3].motion[1].pose``).
    """

    t: float
    pose: np.ndarray

    def checked(self, where: str) -> Keyframe:
        """This keyframe with a finite float time and a read-only rigid pose; SceneError
        naming ``where`` and the field otherwise."""
        t = self.t
        if isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not np.isfinite(t):
            raise SceneError(f"{where}.t: time must be a finite number (got {_shown(t)})")
        return Keyframe(float(t), rigid_pose(self.pose, f"{where}.pose"))


def moved_mesh(mesh: trimesh.Trimesh, pose: np.ndarray) -> trimesh.Trimesh:
    """A copy of ``mesh`` (visuals kept) carried by the rigid ``pose``; ``mesh`` is untouched."""
    out = mesh.copy()
    out.apply_transform(pose)
    return out


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def moved_points(points: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """(n, 3) points carried by the rigid 4x4 ``pose``."""
    return np.asarray(points, dtype=np.float64) @ pose[:3, :3].T + pose[:3, 3]


@dataclass(frozen=True, eq=False)
class SceneObject:
    """A referent: an instance id, a category and its geometry (mesh and/or points).

    ``motion`` makes it move (GROUND_TRUTH "Object movement"): keyframes in strictly
    increasing time, piecewise constant; at time t the object is its geometry carried by the
    pose of the last keyframe at or before t, and before the first keyframe it is where its
    geometry is (identity). ``Scene.at(t)`` gives the scene with every object so placed.
    """

    id: int
    category: str
    mesh: trimesh.Trimesh | None = None
    points: np.ndarray | None = None
    front: np.ndarray | None = None
    color: tuple[int, int, int] | None = None
    annotated_box: OrientedBox | None = None
    motion: tuple[Keyframe, ...] = ()

    def __post_init__(self) -> None:
        where = f"objects[id={_shown(self.id, str)}]"
        instance = _integer(self.id)
        if instance is None or not 0 <= instance <= MAX_INSTANCE_ID:
            raise SceneError(
                f"{where}.id: must be a non-negative integer at most {MAX_INSTANCE_ID} "
                "(instance ids are stored as int32)"
            )
        object.__setattr__(self, "id", instance)
        object.__setattr__(self, "category", _category(self.category, f"{where}.category"))
        if self.mesh is None and self.points is None:
            raise SceneError(f"{where}: needs a mesh or points")
        if self.mesh is not None:
            checked_mesh(self.mesh, f"{where}.mesh")
        if self.points is not None:
            points = frozen_array(self.points, (None, 3), f"{where}.points")
            problem = points_problem(points)
            if problem is not None:
                raise SceneError(f"{where}.points: {problem}")
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
        motion = self.motion
        if not isinstance(motion, (tuple, list)):
            raise SceneError(
                f"{where}.motion: expected a sequence of Keyframes, got {type(motion).__name__}"
            )
        checked = []
        for index, keyframe in enumerate(motion):
            if not isinstance(keyframe, Keyframe):
                raise SceneError(
                    f"{where}.motion[{index}]: expected a Keyframe, got {type(keyframe).__name__}"
                )
            checked.append(keyframe.checked(f"{where}.motion[{index}]"))
            if index and not checked[-1].t > checked[-2].t:
                raise SceneError(
                    f"{where}.motion[{index}].t: keyframe times must strictly increase "
                    f"({checked[-2].t} then {checked[-1].t})"
                )
        object.__setattr__(self, "motion", tuple(checked))

    def keyframe_index(self, t: float) -> int:
        """Index of the keyframe in force at time ``t`` (the last at or before it), -1 before
        the first keyframe or when the object does not move."""
        return bisect_right([keyframe.t for keyframe in self.motion], t) - 1

    def pose_at(self, t: float) -> np.ndarray | None:
        """The rigid pose carrying the object's geometry at time ``t``; None where it stays
        where its geometry is (no motion, or before the first keyframe)."""
        index = self.keyframe_index(t)
        return None if index < 0 else self.motion[index].pose

    def placed(self, pose: np.ndarray | None) -> SceneObject:
        """This object, without motion, carried by ``pose`` (None: where it is): mesh, points,
        front and annotated box move together; id, category and colour stay."""
        if pose is None or np.array_equal(pose, np.eye(4)):
            return self if not self.motion else replace(self, motion=())
        rotation, shift = pose[:3, :3], pose[:3, 3]
        box = self.annotated_box
        if box is not None:
            box = OrientedBox(
                center=rotation @ box.center + shift,
                extent=box.extent,
                rotation=rotation @ box.rotation,
            )
        return replace(
            self,
            mesh=None if self.mesh is None else moved_mesh(self.mesh, pose),
            points=None if self.points is None else moved_points(self.points, pose),
            front=None if self.front is None else _unit(rotation @ self.front),
            annotated_box=box,
            motion=(),
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
        category = _category(self.category, f"structure[{_shown(self.category)}].category")
        object.__setattr__(self, "category", category)
        checked_mesh(self.mesh, f"structure[{category!r}].mesh")


@dataclass(frozen=True, eq=False)
class Room:
    """The floor footprint (a simple polygon in XY, metres; loaders write it counter-clockwise),
    the ceiling height and, when known, what kind of room it is. Self-intersecting,
    self-touching and zero-area footprints are refused: the area and navigation oracles need a
    valid polygon of positive area.

    ``kind`` ("bedroom", "kitchen", ...; None when unknown) is a short lowercase name
    (``ROOM_KIND``): renderers pick floors and walls by it, so it is a field of its own rather
    than words in ``Source.detail``."""

    footprint: np.ndarray
    height: float
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and (
            not isinstance(self.kind, str) or not ROOM_KIND.fullmatch(self.kind)
        ):
            raise SceneError(
                f"room.kind: must be a short lowercase name (a-z, digits, spaces, hyphens; "
                f"at most {MAX_ROOM_KIND_LENGTH} characters) or None (got {_shown(self.kind)})"
            )
        footprint = frozen_array(self.footprint, (None, 2), "room.footprint")
        if len(footprint) < 3:
            raise SceneError("room.footprint: needs at least three corners")
        polygon = Polygon(footprint)
        if not polygon.is_valid or not polygon.area > 0:
            if not MultiPoint(footprint).convex_hull.area > 0:
                reason = "zero area: its corners lie on one line or at one point"
            else:
                reason = explain_validity(polygon)
            raise SceneError(f"room.footprint: not a simple polygon ({reason})")
        if not self.height > 0:
            raise SceneError(f"room.height: must be positive (got {self.height})")
        object.__setattr__(self, "footprint", footprint)
        object.__setattr__(self, "height", float(self.height))


@dataclass(frozen=True)
class Source:
    """Where a scene came from and what its loader converted on the way in."""

    kind: str
    detail: str = ""

    def __post_init__(self) -> None:
        checked_name(self.kind, "source.kind")
        if not isinstance(self.detail, str):
            raise SceneError(f"source.detail: must be a string (got {type(self.detail).__name__})")


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
    _states: OrderedDict[tuple[int, ...], Scene] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        checked_name(self.scene_id, "scene_id")
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
        object.__setattr__(self, "_states", OrderedDict())
        for trajectory in self.trajectories:
            for frame in trajectory.frames:
                if not self.sees_something(frame):
                    raise SceneError(
                        f"trajectories[{trajectory.name!r}].frames[{frame.id!r}].pose: "
                        "the camera looks at no geometry"
                    )

    @cached_property
    def moves(self) -> bool:
        """Whether some object carries motion keyframes."""
        return any(obj.motion for obj in self.objects)

    def state_key(self, t: float) -> tuple[int, ...]:
        """Which keyframe each moving object is at at time ``t`` (-1: before its first), in
        object order; equal keys, equal scenes at(t). ``()`` for a scene that does not move."""
        return tuple(obj.keyframe_index(t) for obj in self.objects if obj.motion)

    def at(self, t: float) -> Scene:
        """The scene as it is at time ``t``: every object placed by its pose at ``t``
        (``SceneObject.pose_at``) and its motion dropped; trajectories, structure and room
        unchanged. A scene that does not move is its own state. The ``STATES_KEPT`` states
        used last are cached per ``state_key``, so frames in one state share one Scene and its
        derived geometry (``derived`` holds it only while the state lives), and a scene keyed
        at every frame keeps a bounded number of copies of its moving objects."""
        if not self.moves:
            return self
        key = self.state_key(t)
        states = self._states
        state = states.get(key)
        if state is not None:
            with suppress(KeyError):  # another thread may have just evicted it
                states.move_to_end(key)
            return state
        objects = tuple(obj.placed(obj.pose_at(t)) for obj in self.objects)
        state = replace(self, objects=objects)
        states[key] = state
        while len(states) > STATES_KEPT:
            with suppress(KeyError):
                states.popitem(last=False)
        return state

    def from_time(self, t: float) -> Scene:
        """The scene as it is from time ``t`` on: every object where it is at ``t`` and only
        its later keyframes, their poses taken relative to that place, so that
        ``from_time(t).at(u)`` places every object as ``at(u)`` does for every u >= t (to
        rounding). Scene-level questions over a video use the state at its first frame; this
        keeps the frames after it moving. Itself when no keyframe lies at or before ``t``."""
        if not any(index >= 0 for index in self.state_key(t)):
            return self
        objects = []
        for obj in self.objects:
            index = obj.keyframe_index(t)
            if index < 0:
                objects.append(obj)
                continue
            undo = rigid_inverse(obj.motion[index].pose)
            later = tuple(Keyframe(k.t, k.pose @ undo) for k in obj.motion[index + 1 :])
            objects.append(replace(obj.placed(obj.motion[index].pose), motion=later))
        return replace(self, objects=tuple(objects))

    def at_frame(self, frame_id: str) -> Scene:
        """The scene as frame ``frame_id`` sees it: ``at(frame.t)``."""
        return self.at(self.frame(frame_id).t)

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
