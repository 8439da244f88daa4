"""Shared steps of every loader: labelled geometry to objects, raw poses to frames, a report.

A scan arrives as one mesh whose vertices carry instance labels, plus a camera trajectory in
the dataset's own conventions. Every loader turns that into the canonical Scene the same way,
and says what it converted and what it dropped: nothing is silently kept or silently lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from spatialqa import moved
from spatialqa.errors import SceneError
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.files import MISSING, file_problem
from spatialqa.scenes.limits import image_header_size
from spatialqa.scenes.scene import (
    Frame,
    FrameFields,
    OrientedBox,
    Room,
    Scene,
    SceneObject,
    Source,
    Structure,
    Trajectory,
    mesh_problem,
    points_problem,
)

__all__ = [
    "OPENGL_TO_OPENCV",
    "STRUCTURE_CATEGORIES",
    "Y_UP_TO_Z_UP",
    "LoadReport",
    "RawFrame",
    "assemble_scene",
    "box_from_axes",
    "image_size",
    "orbit_frames",
    "read_json",
    "read_ply",
    "read_seg_groups",
    "read_segment_indices",
    "split_instances",
]

logger = logging.getLogger(__name__)

STRUCTURE_CATEGORIES = frozenset({"wall", "floor", "ceiling"})
"""Categories that become occluding structure, never referents."""

Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
"""Rotation taking y-up coordinates (glTF, 3D-FRONT) to z-up: (x, y, z) -> (x, -z, y)."""

OPENGL_TO_OPENCV = np.diag([1.0, -1.0, -1.0, 1.0])
"""Right-multiply a camera-to-world pose with OpenGL axes (y up, looking down -z) by this."""

REPAIRABLE_POSE = 1e-2
"""A rotation this close to orthonormal (max |R^T R - I|) is printed-precision noise: repaired."""


class LoadReport:
    """What a loader converted (notes) and what it dropped or could not trust (warnings)."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        self.notes: list[str] = []
        self.warnings: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def warn(self, text: str) -> None:
        logger.warning("%s %s: %s", self.kind, self.name, text)
        self.warnings.append(text)

    def source(self) -> Source:
        detail = "; ".join(self.notes)
        if self.warnings:
            detail += "; warnings: " + "; ".join(self.warnings)
        return Source(self.kind, detail)


def _submesh(vertices: np.ndarray, faces: np.ndarray) -> trimesh.Trimesh:
    used, inverse = np.unique(faces, return_inverse=True)
    return trimesh.Trimesh(vertices[used], inverse.reshape(-1, 3), process=False)


def _is_surface(mesh: trimesh.Trimesh) -> bool:
    """Whether ``Structure``/``SceneObject`` accept the mesh (not a line, not all degenerate)."""
    return mesh_problem(mesh.vertices, mesh.faces) is None


def split_instances(
    vertices: np.ndarray,
    faces: np.ndarray,
    vertex_instance: np.ndarray,
    categories: Mapping[int, str],
    report: LoadReport,
    *,
    boxes: Mapping[int, OrientedBox] | None = None,
) -> tuple[list[SceneObject], list[Structure]]:
    """Cut one labelled mesh into objects (one per instance) and structure.

    Parameters
    ----------
    vertices : (n, 3) float
        World coordinates (already converted).
    faces : (m, 3) int
    vertex_instance : (n,) int
        The instance of each vertex; ids not in ``categories`` mean "unlabelled".
    categories : {instance id: category}
        Instances in the order objects should appear. Wall, floor and ceiling instances
        become ``Structure`` (one part per category).
    boxes : {instance id: OrientedBox}, optional
        The dataset's own annotated boxes, kept as ``annotated_box``.

    A face belongs to an instance when its three vertices do. Instances with no vertex are
    dropped and reported; instances with vertices but no face become point clouds. Faces of
    unlabelled vertices become the structure part "unlabelled" (they still occlude) and are
    reported, as are faces that span two instances (dropped).
    """
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    labels = np.asarray(vertex_instance, dtype=np.int64)
    if labels.shape != (len(vertices),):
        raise SceneError(
            f"{report.kind} {report.name}: {len(labels)} vertex labels for {len(vertices)} vertices"
        )
    if len(faces) and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise SceneError(
            f"{report.kind} {report.name}: faces: vertex index out of range "
            f"({int(faces.min())}..{int(faces.max())} for {len(vertices)} vertices)"
        )
    known = np.isin(labels, np.fromiter(categories, dtype=np.int64, count=len(categories)))
    labels = np.where(known, labels, -1)
    face_labels = labels[faces] if len(faces) else np.zeros((0, 3), dtype=np.int64)
    uniform = np.all(face_labels == face_labels[:, :1], axis=1)
    mixed = int(np.count_nonzero(~uniform))
    if mixed:
        report.warn(f"{mixed} faces span two instances or an instance and unlabelled; dropped")
    face_owner = np.where(uniform, face_labels[:, 0] if len(faces) else -1, -2)
    order = np.argsort(face_owner, kind="stable")
    owners, starts = np.unique(face_owner[order], return_index=True)
    face_groups = dict(zip(owners.tolist(), np.split(order, starts[1:]), strict=True))
    vertex_order = np.argsort(labels, kind="stable")
    vlabels, vstarts = np.unique(labels[vertex_order], return_index=True)
    vertex_groups = dict(zip(vlabels.tolist(), np.split(vertex_order, vstarts[1:]), strict=True))

    objects: list[SceneObject] = []
    structure_faces: dict[str, list[np.ndarray]] = {}
    empty, point_only = [], []
    for instance, category in categories.items():
        group = face_groups.get(instance)
        members = vertex_groups.get(instance)
        if members is None:
            empty.append(f"{instance} ({category})")
            continue
        if category in STRUCTURE_CATEGORIES:
            if group is not None:
                structure_faces.setdefault(category, []).append(faces[group])
            continue
        box = None if boxes is None else boxes.get(instance)
        mesh = None if group is None else _submesh(vertices, faces[group])
        if mesh is not None and _is_surface(mesh):
            objects.append(SceneObject(instance, category, mesh=mesh, annotated_box=box))
        elif points_problem(vertices[members]) is None:
            point_only.append(str(instance))
            objects.append(
                SceneObject(instance, category, points=vertices[members], annotated_box=box)
            )
        else:
            empty.append(f"{instance} ({category}, no extent)")
    if empty:
        report.warn(f"{len(empty)} instances without points dropped: {', '.join(empty)}")
    if point_only:
        report.warn(f"{len(point_only)} instances without faces kept as points: {point_only}")
    structure = []
    for category, parts in structure_faces.items():
        part = _submesh(vertices, np.concatenate(parts))
        if _is_surface(part):
            structure.append(Structure(category, part))
        else:
            report.warn(f"structure {category!r} has no non-degenerate face; dropped")
    unlabelled = face_groups.get(-1)
    loose = vertex_groups.get(-1)
    if unlabelled is not None:
        part = _submesh(vertices, faces[unlabelled])
        if _is_surface(part):
            structure.append(Structure("unlabelled", part))
        report.warn(
            f"{0 if loose is None else len(loose)} unlabelled vertices "
            f"({len(unlabelled)} faces) kept as structure 'unlabelled'"
        )
    elif loose is not None:
        report.warn(f"{len(loose)} unlabelled vertices without faces dropped")
    return objects, structure


@dataclass(frozen=True, eq=False)
class RawFrame(FrameFields):
    """A frame as a dataset gives it, maybe broken, and the problems its loader met;
    ``assemble_scene`` repairs what it can into a ``Frame`` and drops (and reports) the rest."""

    problems: list[str] = field(default_factory=list)


def _fields(raw: RawFrame) -> dict[str, Any]:
    """``raw``'s ``FrameFields`` by name."""
    return {f.name: getattr(raw, f.name) for f in fields(FrameFields)}


def _repaired(raw: RawFrame) -> tuple[Frame | None, str | None, bool]:
    """The frame, or None and why not; and whether its rotation needed re-orthonormalising."""
    pose = np.asarray(raw.pose, dtype=np.float64)
    K = np.asarray(raw.K, dtype=np.float64)
    if raw.problems:
        return None, "; ".join(raw.problems), False
    if pose.shape != (4, 4) or not np.all(np.isfinite(pose)):
        return None, "pose not finite", False
    if K.shape != (3, 3) or not np.all(np.isfinite(K)) or K[0, 0] <= 0 or K[1, 1] <= 0:
        return None, "intrinsics invalid", False
    if not np.isfinite(raw.t):
        return None, "timestamp not finite", False
    rotation = pose[:3, :3]
    deviation = float(np.abs(rotation.T @ rotation - np.eye(3)).max())
    repaired = False
    if deviation > 1e-9:
        if deviation > REPAIRABLE_POSE or np.linalg.det(rotation) <= 0:
            return None, f"pose rotation not orthonormal (deviation {deviation:.2g})", False
        u, _, vt = np.linalg.svd(rotation)
        pose = pose.copy()
        pose[:3, :3] = u @ vt
        repaired = True
    pose = pose.copy()
    pose[3] = [0.0, 0.0, 0.0, 1.0]
    K = K.copy()
    K[2] = [0.0, 0.0, 1.0]
    try:  # skew, a bad size or id: this frame is dropped, the scan is kept
        frame = Frame(**{**_fields(raw), "pose": pose, "K": K})
    except SceneError as exc:
        return None, str(exc), False
    return frame, None, repaired


def assemble_scene(
    scene_id: str,
    report: LoadReport,
    objects: Iterable[SceneObject],
    structure: Iterable[Structure] = (),
    *,
    trajectories: Mapping[str, list[RawFrame]] | None = None,
    room: Room | None = None,
    floor_z: float | None = None,
) -> Scene:
    """Validate frames (bad ones reported and dropped), then build the Scene with the report.

    ``floor_z`` defaults to the lowest point of the floor structure, else of all geometry.
    """
    objects, structure = list(objects), list(structure)
    if not objects:
        raise SceneError(f"{report.kind} {report.name}: no labelled object with geometry")
    if floor_z is None:
        floors = [s.mesh.vertices[:, 2] for s in structure if s.category == "floor"]
        heights = floors or [obj.vertices[:, 2] for obj in objects]
        floor_z = float(np.min(np.concatenate(heights)))
        lowest = "floor" if floors else "object"
        report.note(f"floor_z {floor_z:.4g} from the lowest {lowest} point")
    bare = Scene(scene_id, Source(report.kind), tuple(objects), tuple(structure), room, (), floor_z)
    kept = []
    for name, raws in (trajectories or {}).items():
        frames, dropped, repaired = [], [], 0
        for raw in sorted(raws, key=lambda r: r.t):
            frame, why, fixed = _repaired(raw)
            if frame is not None and not bare.sees_something(frame):
                frame, why = None, "camera looks at no geometry"
            if frame is None:
                dropped.append(f"{raw.id} ({why})")
                continue
            repaired += fixed
            frames.append(frame)
        if dropped:
            report.warn(f"trajectory {name!r}: {len(dropped)} bad frames dropped: {dropped[:10]}")
        if repaired:
            report.note(f"trajectory {name!r}: {repaired} rotations re-orthonormalised")
        if frames:
            kept.append(Trajectory(name, tuple(frames)))
        else:
            report.warn(f"trajectory {name!r}: no usable frame; left out")
    return Scene(
        scene_id=scene_id,
        source=report.source(),
        objects=tuple(objects),
        structure=tuple(structure),
        room=room,
        trajectories=tuple(kept),
        floor_z=floor_z,
    )


@dataclass
class PlyData:
    """A PLY file's vertices, faces (maybe none), every vertex property, and header comments."""

    vertices: np.ndarray
    faces: np.ndarray
    properties: dict[str, np.ndarray]
    comments: list[str]


def read_ply(path) -> PlyData:
    """Read a PLY mesh or point cloud with its extra vertex properties (``instance``, ...)."""
    _regular(path, "PLY")
    try:
        with open(path, "rb") as handle:
            header = []
            for line in handle:
                text = line.decode("ascii", errors="replace").strip()
                header.append(text)
                if text == "end_header" or len(header) > 10_000:
                    break
        loaded = trimesh.load(path, file_type="ply", process=False)
    except Exception as exc:  # trimesh raises many types for a bad file
        raise SceneError(f"{path}: cannot read PLY ({exc})") from None
    raw = loaded.metadata.get("_ply_raw", {}).get("vertex", {}).get("data")
    vertices = np.asarray(loaded.vertices, dtype=np.float64)
    faces = np.asarray(getattr(loaded, "faces", np.zeros((0, 3))), dtype=np.int64).reshape(-1, 3)
    if len(faces) and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise SceneError(
            f"{path}: faces: vertex index out of range "
            f"({int(faces.min())}..{int(faces.max())} for {len(vertices)} vertices)"
        )
    properties = {} if raw is None else {name: np.asarray(raw[name]) for name in raw.dtype.names}
    comments = [line[len("comment ") :] for line in header if line.startswith("comment ")]
    return PlyData(vertices, faces, properties, comments)


def _regular(path, kind: str) -> None:
    """Refuse a path that is not a regular file before opening it: a FIFO would block."""
    problem = file_problem(path)
    if problem is not None and problem != MISSING:  # opening a missing one reports it
        raise SceneError(f"{path}: cannot read {kind} ({problem})")


def read_json(path) -> Any:
    """A JSON file, or a SceneError naming it."""
    _regular(path, "JSON")
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SceneError(f"{path}: file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: bad UTF-8, JSON, a 5000-digit int
        raise SceneError(f"{path}: cannot read JSON ({exc})") from None
    except RecursionError:
        raise SceneError(f"{path}: cannot read JSON (nested too deep)") from None


def read_segment_indices(path: Path, vertex_count: int) -> np.ndarray:
    """``segIndices`` of a ScanNet-style segments JSON: one segment per mesh vertex."""
    seg_indices = np.asarray(read_json(path).get("segIndices", []), dtype=np.int64)
    if seg_indices.shape != (vertex_count,):
        raise SceneError(
            f"{path}: segIndices has {seg_indices.size} entries for {vertex_count} mesh vertices"
        )
    return seg_indices


def read_seg_groups(path: Path) -> list:
    """``segGroups`` of a ScanNet-style annotation JSON (instances over segments)."""
    groups = read_json(path).get("segGroups")
    if not isinstance(groups, list):
        raise SceneError(f"{path}: segGroups: expected a list")
    return groups


def image_size(path) -> tuple[int, int] | None:
    """(width, height) of an image file from its header, None when unreadable or not a regular
    file. A decompression bomb gives its true size, which ``check_limits`` then refuses."""
    try:
        return image_header_size(path)
    except SceneError:
        return None


def box_from_axes(
    centroid, lengths, axes_rows, where: str, report: LoadReport
) -> OrientedBox | None:
    """An annotated box from ``centroid``, full ``axesLengths`` and ``normalizedAxes``.

    ScanNet++ and ARKitScenes store the three box axes as the rows of a row-major 3x3
    (``normalizedAxes``); OrientedBox wants them as columns. A left-handed triple describes the
    same box with one axis negated, so the third is flipped (and reported).
    """
    try:
        rotation = np.asarray(axes_rows, dtype=np.float64).reshape(3, 3).T
        center = np.asarray(centroid, dtype=np.float64).reshape(3)
        extent = np.asarray(lengths, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        report.warn(f"{where}: malformed oriented box; ignored")
        return None
    if np.linalg.det(rotation) < 0:
        rotation[:, 2] *= -1
        report.warn(f"{where}: left-handed box axes; third axis flipped")
    u, _, vt = np.linalg.svd(rotation)
    if np.abs(rotation - u @ vt).max() > REPAIRABLE_POSE or not np.all(extent > 0):
        report.warn(f"{where}: box axes not orthonormal or non-positive lengths; ignored")
        return None
    return OrientedBox(center=center, extent=extent, rotation=u @ vt)


ORBIT_SPACING_S = 0.5
ORBIT_EYE_HEIGHT = 1.6


def orbit_frames(
    objects: list[SceneObject], structure: list[Structure], room: Room | None, count: int
) -> list[RawFrame]:
    """A look-at orbit for sources without cameras: eye height, looking at the middle.

    Inside the room (on an ellipse at 60% of its half extents) when there is a footprint or
    walls, else outside all objects (1 m beyond their half diagonal). 640x480, 75 degrees,
    frames ``ORBIT_SPACING_S`` apart.
    """
    floor = min(float(obj.vertices[:, 2].min()) for obj in objects)
    walls = [s.mesh.vertices[:, :2] for s in structure if s.category == "wall"]
    if room is not None:
        xy = room.footprint
    elif walls:
        xy = np.concatenate(walls)
    else:
        xy = np.concatenate([obj.vertices[:, :2] for obj in objects])
    low, high = xy.min(axis=0), xy.max(axis=0)
    center, half = (low + high) / 2, (high - low) / 2
    radii = 0.6 * half if room is not None or walls else np.full(2, np.linalg.norm(half) + 1.0)
    radii = np.maximum(radii, 0.3)
    K = intrinsics(640, 480, 75.0)
    target = [center[0], center[1], floor + ORBIT_EYE_HEIGHT / 2]
    frames = []
    for i in range(count):
        angle = 2 * np.pi * i / count
        eye = [*(center + radii * [np.cos(angle), np.sin(angle)]), floor + ORBIT_EYE_HEIGHT]
        frames.append(RawFrame(f"o{i:04d}", i * ORBIT_SPACING_S, look_at(eye, target), K, 640, 480))
    return frames


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
