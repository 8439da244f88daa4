"""The scene directory: ``scene.json`` plus one geometry file per object and structure part.

The format is the interchange point between loaders, procedural rooms and every later stage,
so it must round-trip exactly and write the same bytes for the same scene:

- floats go through Python's ``json`` (shortest repr, exact for float64);
- meshes go to binary PLY through trimesh, whose vertices are float32; a mesh whose
  vertices are not float32-representable is written with double-precision vertices instead,
  so that saving never rounds silently;
- point clouds go to ``.npy`` (float64);
- keys are written in a fixed order, nothing depends on the clock or the machine.

Reading is strict, because a silently repaired scene corrupts a dataset: unknown keys and
formats are refused, paths must stay inside the directory, and every error names the file
and the field (``/data/room/scene.json: objects[3].mesh: file not found objects/3.ply``).
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import trimesh

from spatialqa.errors import SceneError
from spatialqa.scenes.files import MISSING, file_problem
from spatialqa.scenes.formats import SceneFormat, register_format
from spatialqa.scenes.scene import (
    Distortion,
    Frame,
    Keyframe,
    OrientedBox,
    Room,
    Scene,
    SceneObject,
    Source,
    Structure,
    Trajectory,
)

__all__ = ["FORMAT", "is_scene_dir", "load_scene", "save_scene"]

FORMAT = "spatialqa.scene/1"
SCENE_FILE = "scene.json"

_SAFE_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_TOP_KEYS = (
    "format",
    "scene_id",
    "source",
    "floor_z",
    "room",
    "objects",
    "structure",
    "trajectories",
)
_SOURCE_KEYS = ("kind", "detail")
_ROOM_KEYS = ("footprint", "height", "kind")
_OBJECT_KEYS = ("id", "category", "mesh", "points", "front", "color", "annotated_box", "motion")
_KEYFRAME_KEYS = ("t", "pose")
_BOX_KEYS = ("center", "extent", "rotation")
_STRUCTURE_KEYS = ("category", "mesh")
_TRAJECTORY_KEYS = ("name", "frames")
_FRAME_KEYS = ("id", "t", "pose", "K", "width", "height", "rgb", "depth", "distortion")
_DISTORTION_KEYS = ("model", "params", "K", "width", "height")


# --------------------------------------------------------------------------- writing


def _room_entry(room: Room) -> dict[str, Any]:
    """The room's entry; ``kind`` only when known, so that a room without one writes the bytes
    it always did."""
    entry: dict[str, Any] = {"footprint": room.footprint.tolist(), "height": room.height}
    if room.kind is not None:
        entry["kind"] = room.kind
    return entry


def save_scene(scene: Scene, directory: str | os.PathLike[str]) -> Path:
    """Write ``scene`` as a scene directory; the same scene always gives the same bytes.

    Parameters
    ----------
    scene : Scene
        The scene to write. Frame ``rgb``/``depth`` entries are written as the relative paths
        they are; the image files themselves are not part of a ``Scene`` and are not copied.
    directory : path
        Created if missing. Files of the same names are overwritten. An existing
        ``scene.json`` is removed first and the new one written last, so an interrupted
        save leaves no ``scene.json`` rather than one that disagrees with the meshes.

    Returns
    -------
    Path
        ``directory``.
    """
    root = Path(directory)
    # The whole document is built (and its paths checked) before any file is written.
    writes: list[tuple[str, bytes]] = []
    objects = []
    for obj in scene.objects:
        entry: dict[str, Any] = {"id": obj.id, "category": obj.category}
        if obj.mesh is not None:
            entry["mesh"] = f"objects/{obj.id}.ply"
            writes.append((entry["mesh"], _mesh_bytes(obj.mesh)))
        if obj.points is not None:
            entry["points"] = f"objects/{obj.id}.npy"
            writes.append((entry["points"], _npy_bytes(obj.points)))
        if obj.front is not None:
            entry["front"] = obj.front.tolist()
        if obj.color is not None:
            entry["color"] = list(obj.color)
        if obj.annotated_box is not None:
            box = obj.annotated_box
            entry["annotated_box"] = {
                "center": box.center.tolist(),
                "extent": box.extent.tolist(),
                "rotation": box.rotation.tolist(),
            }
        if obj.motion:  # only when it moves: scenes without motion write the bytes they did
            entry["motion"] = [{"t": k.t, "pose": k.pose.tolist()} for k in obj.motion]
        objects.append(entry)
    structure = []
    for stem, part in zip(_structure_stems(scene.structure), scene.structure, strict=True):
        entry = {"category": part.category, "mesh": f"structure/{stem}.ply"}
        writes.append((entry["mesh"], _mesh_bytes(part.mesh)))
        structure.append(entry)
    document = {
        "format": FORMAT,
        "scene_id": scene.scene_id,
        "source": {"kind": scene.source.kind, "detail": scene.source.detail},
        "floor_z": scene.floor_z,
        "room": None if scene.room is None else _room_entry(scene.room),
        "objects": objects,
        "structure": structure,
        "trajectories": [
            {"name": trajectory.name, "frames": [_frame_entry(f) for f in trajectory.frames]}
            for trajectory in scene.trajectories
        ],
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / SCENE_FILE).unlink(missing_ok=True)
    for relative, data in writes:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    text = _to_json(document) + "\n"
    partial = root / (SCENE_FILE + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, root / SCENE_FILE)
    return root


def _to_json(value: Any, level: int = 0) -> str:
    """JSON with one key per line but each list of numbers (or matrix) on one line.

    Floats are written by ``json`` (shortest repr, exact for float64); NaN is refused.
    """

    def leaf(item: Any) -> str:
        return json.dumps(item, allow_nan=False, ensure_ascii=False)

    pad, inner = " " * level, " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{leaf(key)}: {_to_json(item, level + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        items = [inner + _to_json(item, level + 1) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return leaf(value)


def _frame_entry(frame: Frame) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": frame.id,
        "t": frame.t,
        "pose": frame.pose.tolist(),
        "K": frame.K.tolist(),
        "width": frame.width,
        "height": frame.height,
    }
    for name in ("rgb", "depth"):
        value = getattr(frame, name)
        if value is not None:
            _check_relative(value, f"frame {frame.id!r}.{name}")
            entry[name] = value
    lens = frame.distortion
    if lens is not None:
        entry["distortion"] = {
            "model": lens.model,
            "params": lens.params.tolist(),
            "K": lens.K.tolist(),
            "width": lens.width,
            "height": lens.height,
        }
    return entry


def _structure_stems(parts: tuple[Structure, ...]) -> list[str]:
    """File stems: the category when it is a safe, unused file name, else the part's index."""
    stems: list[str] = []
    for index, part in enumerate(parts):
        stem = part.category
        if not _SAFE_STEM.fullmatch(stem) or stem in stems or stem.isdigit():
            stem = str(index)
        stems.append(stem)
    return stems


def _mesh_bytes(mesh: trimesh.Trimesh) -> bytes:
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    if np.array_equal(vertices.astype(np.float32).astype(np.float64), vertices):
        # Normals are left out on purpose: trimesh writes them only when cached, which would
        # make the bytes depend on what ran before the save.
        return trimesh.exchange.ply.export_ply(
            mesh, encoding="binary", vertex_normal=False, include_attributes=False
        )
    return _double_ply(vertices, np.asarray(mesh.faces))


def _npy_bytes(points: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(points, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


def _double_ply(vertices: np.ndarray, faces: np.ndarray) -> bytes:
    """Binary PLY with float64 vertices, for meshes that float32 would round."""
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(vertices)}\n"
        "property double x\nproperty double y\nproperty double z\n"
        f"element face {len(faces)}\n"
        "property list uchar int vertex_indices\nend_header\n"
    )
    packed = np.zeros(len(faces), dtype=[("count", "<u1"), ("index", "<i4", (3,))])
    packed["count"] = 3
    packed["index"] = faces
    return header.encode("ascii") + vertices.astype("<f8").tobytes() + packed.tobytes()


# --------------------------------------------------------------------------- reading


class _Reader:
    """Parses one scene.json; every error is prefixed with the file and the field."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.file = root / SCENE_FILE

    def fail(self, where: str, message: str) -> SceneError:
        return SceneError(f"{self.file}: {where}: {message}")

    def mapping(self, value: Any, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {type(value).__name__}")
        unknown = [key for key in value if key not in keys]
        if unknown:
            raise self.fail(where, f"unknown keys {unknown} (expected some of {list(keys)})")
        return value

    def require(self, entry: dict[str, Any], key: str, where: str) -> Any:
        if key not in entry:
            raise self.fail(where, f"missing key {key!r}")
        return entry[key]

    def string(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, got {type(value).__name__}")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"expected a number, got {value!r}")
        return float(value)

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected an integer, got {value!r}")
        return value

    def array(self, value: Any, where: str) -> np.ndarray:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        try:
            return np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise self.fail(where, f"not a numeric array ({exc})") from None

    def listing(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        return value

    def path(self, value: Any, where: str) -> Path:
        """The file a relative path names, refused (by its text, then on disk) when it is
        absolute, climbs out, leaves the directory through a link anywhere along it, is
        missing, or is not a regular file. A FIFO or device is never opened: ``os.stat``
        tells."""
        relative = self.string(value, where)
        try:
            _check_relative(relative, where)
        except SceneError as exc:
            raise SceneError(f"{self.file}: {exc}") from None
        path = self.root / relative
        try:
            inside = path.resolve().is_relative_to(self.root.resolve())
        except (OSError, RuntimeError) as exc:  # a link loop: RuntimeError before Python 3.13
            raise self.fail(where, f"cannot resolve {relative} ({exc})") from None
        if not inside:
            raise self.fail(where, f"path leaves the scene directory through a link: {relative}")
        self.regular(path, where, relative)
        return path

    def regular(self, path: Path, where: str, name: str) -> None:
        """Refuse a missing path or one that is not a regular file, without opening it."""
        problem = file_problem(path)
        if problem == MISSING:
            raise self.fail(where, f"file not found {name}")
        if problem is not None:
            raise self.fail(where, f"{problem} {name}")

    def mesh(self, value: Any, where: str) -> trimesh.Trimesh:
        path = self.path(value, where)
        try:
            mesh = trimesh.load(path, process=False, force="mesh")
        except Exception as exc:  # trimesh raises many types for a bad file
            raise self.fail(where, f"cannot read mesh {value} ({exc})") from None
        if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
            raise self.fail(where, f"{value} holds no triangles")
        return mesh

    def points(self, value: Any, where: str) -> np.ndarray:
        path = self.path(value, where)
        try:
            if path.suffix == ".npy":
                return np.load(path, allow_pickle=False)
            if path.suffix == ".ply":
                return np.asarray(trimesh.load(path, process=False).vertices)
        except Exception as exc:  # numpy and trimesh raise many types for a bad file
            raise self.fail(where, f"cannot read points {value} ({exc})") from None
        raise self.fail(where, f"points must be .npy or .ply (got {value})")

    def scene(self) -> Scene:
        problem = file_problem(self.file)
        if problem is not None:
            raise SceneError(f"{self.file}: {'file not found' if problem == MISSING else problem}")
        try:
            document = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SceneError(f"{self.file}: file not found") from None
        except (OSError, ValueError) as exc:  # ValueError: bad UTF-8, JSON, a 5000-digit int
            raise SceneError(f"{self.file}: cannot read JSON ({exc})") from None
        except RecursionError:
            raise SceneError(f"{self.file}: cannot read JSON (nested too deep)") from None
        top = self.mapping(document, "(top level)", _TOP_KEYS)
        fmt = self.require(top, "format", "(top level)")
        if fmt != FORMAT:
            raise self.fail("format", f"unsupported format {fmt!r} (expected {FORMAT!r})")
        scene_id = self.string(self.require(top, "scene_id", "(top level)"), "scene_id")
        source = self.mapping(self.require(top, "source", "(top level)"), "source", _SOURCE_KEYS)
        kind = self.string(self.require(source, "kind", "source"), "source.kind")
        detail = self.string(source.get("detail", ""), "source.detail")
        floor_z = self.number(top.get("floor_z", 0.0), "floor_z")
        raw_objects = self.listing(self.require(top, "objects", "(top level)"), "objects")
        raw_structure = self.listing(top.get("structure", []), "structure")
        raw_trajectories = self.listing(top.get("trajectories", []), "trajectories")
        room_entry = top.get("room")
        try:
            room = None if room_entry is None else self.room(room_entry)
            objects = [self.object(entry, f"objects[{i}]") for i, entry in enumerate(raw_objects)]
            structure = [
                self.structure(entry, f"structure[{i}]") for i, entry in enumerate(raw_structure)
            ]
            trajectories = [
                self.trajectory(entry, f"trajectories[{i}]")
                for i, entry in enumerate(raw_trajectories)
            ]
            return Scene(
                scene_id=scene_id,
                source=Source(kind, detail),
                objects=tuple(objects),
                structure=tuple(structure),
                room=room,
                trajectories=tuple(trajectories),
                floor_z=floor_z,
            )
        except SceneError as exc:
            if str(exc).startswith(f"{self.file}: "):
                raise
            raise SceneError(f"{self.file}: {exc}") from None

    def room(self, entry: Any) -> Room:
        entry = self.mapping(entry, "room", _ROOM_KEYS)
        footprint = self.array(self.require(entry, "footprint", "room"), "room.footprint")
        height = self.number(self.require(entry, "height", "room"), "room.height")
        kind = entry.get("kind")
        kind = None if kind is None else self.string(kind, "room.kind")
        return Room(footprint=footprint, height=height, kind=kind)

    def object(self, entry: Any, where: str) -> SceneObject:
        entry = self.mapping(entry, where, _OBJECT_KEYS)
        if "mesh" not in entry and "points" not in entry:
            raise self.fail(where, "needs 'mesh' or 'points'")
        front = entry.get("front")
        color = entry.get("color")
        if color is not None:
            items = self.listing(color, f"{where}.color")
            color = [self.integer(c, f"{where}.color") for c in items]
        return SceneObject(
            id=self.integer(self.require(entry, "id", where), f"{where}.id"),
            category=self.string(self.require(entry, "category", where), f"{where}.category"),
            mesh=self.mesh(entry["mesh"], f"{where}.mesh") if "mesh" in entry else None,
            points=self.points(entry["points"], f"{where}.points") if "points" in entry else None,
            front=None if front is None else self.array(front, f"{where}.front"),
            color=None if color is None else tuple(color),
            annotated_box=None
            if entry.get("annotated_box") is None
            else self.box(entry["annotated_box"], f"{where}.annotated_box"),
            motion=self.motion(entry.get("motion", []), f"{where}.motion"),
        )

    def motion(self, value: Any, where: str) -> tuple[Keyframe, ...]:
        """The keyframes' types here; their values (finite, rigid, increasing) by the object."""
        keyframes = []
        for index, item in enumerate(self.listing(value, where)):
            at = f"{where}[{index}]"
            item = self.mapping(item, at, _KEYFRAME_KEYS)
            keyframes.append(
                Keyframe(
                    t=self.number(self.require(item, "t", at), f"{at}.t"),
                    pose=self.array(self.require(item, "pose", at), f"{at}.pose"),
                )
            )
        return tuple(keyframes)

    def distortion(self, entry: Any, where: str) -> Distortion:
        entry = self.mapping(entry, where, _DISTORTION_KEYS)
        # Types here; the values (model, coefficient count, K) by the Frame that holds it.
        return Distortion(
            model=self.string(self.require(entry, "model", where), f"{where}.model"),
            params=self.array(self.require(entry, "params", where), f"{where}.params"),
            K=self.array(self.require(entry, "K", where), f"{where}.K"),
            width=self.integer(self.require(entry, "width", where), f"{where}.width"),
            height=self.integer(self.require(entry, "height", where), f"{where}.height"),
        )

    def box(self, entry: Any, where: str) -> OrientedBox:
        entry = self.mapping(entry, where, _BOX_KEYS)
        values = {
            key: self.array(self.require(entry, key, where), f"{where}.{key}") for key in _BOX_KEYS
        }
        try:
            return OrientedBox(**values)
        except SceneError as exc:
            detail = str(exc).removeprefix("annotated_box")
            raise SceneError(f"{self.file}: {where}{detail}") from None

    def structure(self, entry: Any, where: str) -> Structure:
        entry = self.mapping(entry, where, _STRUCTURE_KEYS)
        category = self.string(self.require(entry, "category", where), f"{where}.category")
        mesh = self.mesh(self.require(entry, "mesh", where), f"{where}.mesh")
        return Structure(category=category, mesh=mesh)

    def trajectory(self, entry: Any, where: str) -> Trajectory:
        entry = self.mapping(entry, where, _TRAJECTORY_KEYS)
        name = self.string(self.require(entry, "name", where), f"{where}.name")
        raw = self.listing(self.require(entry, "frames", where), f"{where}.frames")
        frames = [self.frame(item, f"{where}.frames[{i}]") for i, item in enumerate(raw)]
        return Trajectory(name=name, frames=tuple(frames))

    def frame(self, entry: Any, where: str) -> Frame:
        entry = self.mapping(entry, where, _FRAME_KEYS)
        images = {}
        for name in ("rgb", "depth"):
            if entry.get(name) is not None:
                self.path(entry[name], f"{where}.{name}")  # the file itself, not only its name
                images[name] = entry[name]
        if entry.get("distortion") is not None:
            images["distortion"] = self.distortion(entry["distortion"], f"{where}.distortion")
        return Frame(
            id=self.string(self.require(entry, "id", where), f"{where}.id"),
            t=self.number(self.require(entry, "t", where), f"{where}.t"),
            pose=self.array(self.require(entry, "pose", where), f"{where}.pose"),
            K=self.array(self.require(entry, "K", where), f"{where}.K"),
            width=self.integer(self.require(entry, "width", where), f"{where}.width"),
            height=self.integer(self.require(entry, "height", where), f"{where}.height"),
            **images,
        )


def is_scene_dir(path: Path) -> bool:
    """A scene directory: it holds ``scene.json``."""
    return (path / SCENE_FILE).is_file()


def load_scene(directory: str | os.PathLike[str]) -> Scene:
    """Read a scene directory written by ``save_scene`` or by hand.

    Parameters
    ----------
    directory : path
        The folder holding ``scene.json``.

    Returns
    -------
    Scene
        Validated and frozen. Meshes are read with ``process=False``, so vertices and faces
        come back in the order they were written.

    Raises
    ------
    SceneError
        Naming the file and the field: unknown format or keys, wrong types, JSON nested too
        deep, paths (meshes, points, captured images) that are absolute, leave the directory
        (by ``..`` or through a link), are missing or are not regular files, unreadable files,
        and every error of the ``Scene`` constructor (prefixed with the file).
    """
    return _Reader(Path(directory)).scene()


def _check_relative(relative: str, where: str) -> None:
    """Refuse, by their text, paths that are absolute or climb out of the scene directory."""
    if not relative:
        raise SceneError(f"{where}: empty path")
    if "\\" in relative:
        raise SceneError(f"{where}: path must use '/' separators: {relative!r}")
    if relative.startswith("/") or re.match(r"[A-Za-z]:", relative):
        raise SceneError(f"{where}: path must be relative to the scene directory: {relative!r}")
    if ".." in PurePosixPath(relative).parts:
        raise SceneError(f"{where}: path may not leave the scene directory: {relative!r}")


register_format(SceneFormat("dir", is_scene_dir, load_scene, order=0))
