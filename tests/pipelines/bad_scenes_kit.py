"""A corpus of scene directories, each broken in one way (or odd but valid), written by code.

Every case starts from a small procedural room saved with ``save_scene`` (the real format:
scene.json, binary PLY meshes, relative paths) and then breaks exactly one thing by editing
scene.json or the files, so that a build which skips the case can only be skipping it for that
one reason. ``write_corpus(root)`` writes them all below ``root`` and returns what a build must
do with each.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import trimesh
from PIL import Image

from spatialqa.scenes import SceneObject, look_at, procedural_scene, save_scene
from spatialqa.scenes.scene import Scene, Source

Expect = Literal["skipped", "built", "either"]
"""``either``: the library may build the case or skip it with a reason; both are correct."""

FRAMES = 8  # frames of each trajectory of the procedural rooms
SIZE = (160, 120)  # every camera of the corpus: small images keep visibility cheap
ROOM = 1  # procedural_scene(0, ROOM): a small room (5 objects)
MAX_OBJECTS = 2000  # limits.max_objects by default
CROWD = 10_000  # objects of the "too many objects" case
HUGE_SIDE = 100_000  # frame width and height of the "huge frame" case
BOMB_SIDE = 30_000  # the decompression-bomb PNG is BOMB_SIDE x BOMB_SIDE pixels
LONG_CATEGORY = "Küchenschrank mit Glastür und Beleuchtung 椅子"
CONTROL_CATEGORY = "chair\u202e\x00\nleg"
TWIN_ID = "twin"  # scene_id shared by the two scenes of the duplicate case


@dataclasses.dataclass(frozen=True)
class Case:
    """One scene directory of the corpus: its name (the directory below the root, as the
    manifest names scenes), what the build must do with it, and a substring the skip reason
    must hold (the field at fault) besides the scene's name and an exception type."""

    name: str
    expect: Expect
    reason_contains: str | None


# --------------------------------------------------------------------------- file helpers


def room(directory: Path, scene_id: str, index: int = ROOM) -> Scene:
    """Save the small procedural room as ``scene_id`` in ``directory``; return the Scene."""
    scene = procedural_scene(0, index, scene_id=scene_id, frames=FRAMES).resized(*SIZE)
    save_scene(scene, directory)
    return scene


def read_doc(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "scene.json").read_text(encoding="utf-8"))


def write_doc(directory: Path, doc: dict[str, Any]) -> None:
    """scene.json as given; ``json`` writes a NaN as the bare token ``NaN`` (which it reads)."""
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    (directory / "scene.json").write_text(text + "\n", encoding="utf-8")


def edit(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = read_doc(directory)
    change(doc)
    write_doc(directory, doc)


def first_frame(doc: dict[str, Any]) -> dict[str, Any]:
    """The first walkthrough frame: the build's views always include it."""
    walkthrough = next(t for t in doc["trajectories"] if t["name"] == "walkthrough")
    return walkthrough["frames"][0]


def ply_bytes(vertices: np.ndarray, faces: np.ndarray) -> bytes:
    """Binary little-endian PLY written byte by byte, so any face index can be stored."""
    vertices = np.asarray(vertices, dtype="<f4").reshape(-1, 3)
    faces = np.asarray(faces, dtype="<i4").reshape(-1, 3)
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(vertices)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        f"element face {len(faces)}\n"
        "property list uchar int vertex_indices\nend_header\n"
    )
    packed = np.zeros(len(faces), dtype=[("count", "<u1"), ("index", "<i4", (3,))])
    packed["count"] = 3
    packed["index"] = faces
    return header.encode("ascii") + vertices.tobytes() + packed.tobytes()


def box(center: tuple[float, float, float], side: float) -> trimesh.Trimesh:
    mesh = trimesh.creation.box(extents=(side, side, side))
    mesh.apply_translation(center)
    return mesh


def replace_first_mesh(directory: Path, vertices: np.ndarray, faces: np.ndarray) -> None:
    """Overwrite the mesh file of objects[0] with hand-written PLY bytes."""
    doc = read_doc(directory)
    (directory / doc["objects"][0]["mesh"]).write_bytes(ply_bytes(vertices, faces))


def png_bytes(width: int, height: int) -> bytes:
    """A grey RGB PNG through PIL (small sizes only)."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def bomb_png(side: int) -> bytes:
    """A ``side`` x ``side`` 1-bit grayscale PNG, all black, written chunk by chunk with zlib.

    Never holds the image: rows are compressed a thousand at a time. 30000 x 30000 gives about
    110 KB of file for 900 M pixels, which PIL would refuse (or allocate 900 MB) on opening.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # bit depth 1, grayscale
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte "none" then the packed bits
    compressor = zlib.compressobj(9)
    data = bytearray()
    for start in range(0, side, 1000):
        data += compressor.compress(row * min(1000, side - start))
    data += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", bytes(data))
        + chunk(b"IEND", b"")
    )


def set_rgb(directory: Path, relative: str) -> None:
    def change(doc: dict[str, Any]) -> None:
        first_frame(doc)["rgb"] = relative

    edit(directory, change)


# --------------------------------------------------------------------------- broken cases


def k_skew(d: Path) -> None:
    room(d, d.name)
    edit(d, lambda doc: first_frame(doc)["K"][0].__setitem__(1, 5.0))


def footprint_collinear(d: Path) -> None:
    room(d, d.name)

    def change(doc: dict[str, Any]) -> None:
        doc["room"]["footprint"] = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]

    edit(d, change)


def footprint_bowtie(d: Path) -> None:
    room(d, d.name)

    def change(doc: dict[str, Any]) -> None:
        corners = np.array(doc["room"]["footprint"])
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        # the edges (x0,y0)-(x1,y1) and (x1,y0)-(x0,y1) cross in the middle of the room
        doc["room"]["footprint"] = [[x0, y0], [x1, y1], [x1, y0], [x0, y1]]

    edit(d, change)


def frame_huge(d: Path) -> None:
    room(d, d.name)

    def change(doc: dict[str, Any]) -> None:
        frame = first_frame(doc)
        frame["width"] = frame["height"] = HUGE_SIDE

    edit(d, change)


def object_id(value: int) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        room(d, d.name)
        edit(d, lambda doc: doc["objects"][0].__setitem__("id", value))

    return write


def face_index_beyond(d: Path) -> None:
    room(d, d.name)
    cube = trimesh.creation.box(extents=(0.5, 0.5, 0.5))
    faces = np.array(cube.faces)
    faces[3, 1] = len(cube.vertices) + 91  # 99: no such vertex
    replace_first_mesh(d, cube.vertices + np.array([1.0, 1.0, 0.5]), faces)


def face_index_negative(d: Path) -> None:
    room(d, d.name)
    cube = trimesh.creation.box(extents=(0.5, 0.5, 0.5))
    faces = np.array(cube.faces)
    faces[5, 2] = -1  # numpy would silently read it as the last vertex
    replace_first_mesh(d, cube.vertices + np.array([1.0, 1.0, 0.5]), faces)


def mesh_degenerate_faces(d: Path) -> None:
    room(d, d.name)
    cube = trimesh.creation.box(extents=(0.5, 0.5, 0.5))
    # every face repeats a vertex: the vertices span a box, the faces have no area
    faces = np.array([[i, i, (i + 1) % 8] for i in range(8)])
    replace_first_mesh(d, cube.vertices + np.array([1.0, 1.0, 0.5]), faces)


def mesh_collinear(d: Path) -> None:
    room(d, d.name)
    # four points on a line along x: extent on one axis only, every face of zero area
    vertices = np.array([[1.0 + 0.25 * i, 1.0, 0.5] for i in range(4)])
    replace_first_mesh(d, vertices, np.array([[0, 1, 2], [1, 2, 3], [0, 2, 3]]))


def rgb_missing(d: Path) -> None:
    room(d, d.name)
    set_rgb(d, "frames/missing.png")


def rgb_symlink_outside(d: Path) -> None:
    room(d, d.name)
    outside = d.parent / "_outside"  # no scene.json: not a scene, just a folder beside them
    outside.mkdir(exist_ok=True)
    target = outside / "picture.png"
    target.write_bytes(png_bytes(*SIZE))
    (d / "frames").mkdir()
    (d / "frames" / "picture.png").symlink_to(target.resolve())
    set_rgb(d, "frames/picture.png")


def rgb_fifo(d: Path) -> None:
    room(d, d.name)
    (d / "frames").mkdir()
    os.mkfifo(d / "frames" / "pipe.png")
    set_rgb(d, "frames/pipe.png")


def rgb_directory(d: Path) -> None:
    room(d, d.name)
    (d / "frames" / "adir.png").mkdir(parents=True)
    set_rgb(d, "frames/adir.png")


def rgb_bomb(d: Path) -> None:
    room(d, d.name)
    (d / "frames").mkdir()
    (d / "frames" / "bomb.png").write_bytes(bomb_png(BOMB_SIDE))
    set_rgb(d, "frames/bomb.png")


def json_deep(d: Path) -> None:
    room(d, d.name)
    doc = read_doc(d)
    doc["room"] = None
    text = json.dumps(doc, ensure_ascii=False)
    depth = 200_000
    nested = '"room": ' + "[" * depth + "]" * depth
    (d / "scene.json").write_text(text.replace('"room": null', nested, 1), encoding="utf-8")


def json_not_utf8(d: Path) -> None:
    room(d, d.name)
    doc = read_doc(d)
    doc["objects"][0]["category"] = "café"
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    (d / "scene.json").write_bytes(text.encode("latin-1"))  # é is the lone byte 0xE9


def json_truncated(d: Path) -> None:
    room(d, d.name)
    data = (d / "scene.json").read_bytes()
    (d / "scene.json").write_bytes(data[: len(data) // 2])


def format_unknown(d: Path) -> None:
    room(d, d.name)
    edit(d, lambda doc: doc.__setitem__("format", "spatialqa.scene/99"))


def too_many_objects(d: Path) -> None:
    """CROWD small boxes at one place, all naming one mesh file (the format allows it)."""
    room(d, d.name)
    (d / "objects" / "crowd.ply").write_bytes(
        ply_bytes(box((1.0, 1.0, 0.5), 0.1).vertices, box((1.0, 1.0, 0.5), 0.1).faces)
    )

    def change(doc: dict[str, Any]) -> None:
        first = max(o["id"] for o in doc["objects"]) + 1
        extra = CROWD - len(doc["objects"])
        doc["objects"] += [
            {"id": first + i, "category": "box", "mesh": "objects/crowd.ply"} for i in range(extra)
        ]

    edit(d, change)


def nan_pose(d: Path) -> None:
    room(d, d.name)
    edit(d, lambda doc: first_frame(doc)["pose"][0].__setitem__(3, float("nan")))


def looks_away(d: Path) -> None:
    room(d, d.name)
    pose = look_at([200.0, 200.0, 1.5], [300.0, 200.0, 1.5])  # far outside, facing away
    edit(d, lambda doc: first_frame(doc).__setitem__("pose", pose.tolist()))


# --------------------------------------------------------------------------- valid cases


def save_changed(d: Path, change: Callable[[Scene], Scene]) -> None:
    scene = procedural_scene(0, ROOM, scene_id=d.name, frames=FRAMES).resized(*SIZE)
    save_scene(change(scene), d)


def one_object(d: Path) -> None:
    # A scan with one object (a procedural room never has one): built, its frames as filmed.
    # As a procedural room it could never pass the framing rule (2 objects in view), which
    # holds procedural rooms only (views.framing.scans is off).
    def largest(scene: Scene) -> Scene:
        volume = [float(np.prod(np.ptp(o.vertices, axis=0))) for o in scene.objects]
        return dataclasses.replace(
            scene,
            objects=(scene.objects[int(np.argmax(volume))],),
            source=Source("scan", "the largest object of a procedural room"),
        )

    save_changed(d, largest)


def equal_timestamps(d: Path) -> None:
    room(d, d.name)

    def change(doc: dict[str, Any]) -> None:
        for trajectory in doc["trajectories"]:
            for frame in trajectory["frames"]:
                frame["t"] = 0.0

    edit(d, change)


def far_object(d: Path) -> None:
    def add(scene: Scene) -> Scene:
        crate = SceneObject(
            max(o.id for o in scene.objects) + 1, "crate", mesh=box((500.0, 0.0, 0.5), 1.0)
        )
        return dataclasses.replace(scene, objects=(*scene.objects, crate))

    save_changed(d, add)


def renamed(*names: str) -> Callable[[Path], None]:
    """The room with its first objects renamed, one name each."""

    def write(d: Path) -> None:
        room(d, d.name)

        def change(doc: dict[str, Any]) -> None:
            for obj, name in zip(doc["objects"], names, strict=False):
                obj["category"] = name

        edit(d, change)

    return write


def twin(d: Path) -> None:
    room(d, TWIN_ID)


def escape_ids(d: Path) -> None:
    room(d, "../../escape")

    def change(doc: dict[str, Any]) -> None:
        doc["source"]["kind"] = "../../kind"
        first_frame(doc)["id"] = "../x"

    edit(d, change)


# --------------------------------------------------------------------------- the corpus

CASES: tuple[tuple[Case, Callable[[Path], None]], ...] = (
    (Case("k_skew", "skipped", ".K"), k_skew),
    (Case("footprint_collinear", "skipped", "footprint"), footprint_collinear),
    (Case("footprint_bowtie", "skipped", "footprint"), footprint_bowtie),
    (Case("frame_huge", "skipped", str(HUGE_SIDE)), frame_huge),
    (Case("id_2_64", "skipped", ".id"), object_id(2**64)),
    (Case("id_minus_1", "skipped", ".id"), object_id(-1)),
    (Case("id_2_31", "skipped", ".id"), object_id(2**31)),
    (Case("face_index_beyond", "skipped", ".mesh"), face_index_beyond),
    (Case("face_index_negative", "skipped", ".mesh"), face_index_negative),
    (Case("mesh_degenerate_faces", "skipped", ".mesh"), mesh_degenerate_faces),
    (Case("mesh_collinear", "skipped", ".mesh"), mesh_collinear),
    (Case("rgb_missing", "skipped", ".rgb"), rgb_missing),
    (Case("rgb_symlink_outside", "skipped", ".rgb"), rgb_symlink_outside),
    (Case("rgb_fifo", "skipped", ".rgb"), rgb_fifo),
    (Case("rgb_directory", "skipped", ".rgb"), rgb_directory),
    (Case("rgb_bomb", "skipped", ".rgb"), rgb_bomb),
    (Case("json_deep", "skipped", "scene.json"), json_deep),
    (Case("json_not_utf8", "skipped", "scene.json"), json_not_utf8),
    (Case("json_truncated", "skipped", "scene.json"), json_truncated),
    (Case("format_unknown", "skipped", "format"), format_unknown),
    (Case("too_many_objects", "skipped", "objects"), too_many_objects),
    (Case("nan_pose", "skipped", ".pose"), nan_pose),
    (Case("looks_away", "skipped", ".pose"), looks_away),
    (Case("one_object", "built", None), one_object),
    (Case("equal_timestamps", "built", None), equal_timestamps),
    (Case("far_object", "built", None), far_object),
    (Case("unicode_category", "built", None), renamed(LONG_CATEGORY, LONG_CATEGORY * 8)),
    (Case("control_category", "built", None), renamed(CONTROL_CATEGORY)),
    (Case("same_id/one", "built", None), twin),
    (Case("same_id/two", "either", TWIN_ID), twin),
    (Case("escape_ids", "either", None), escape_ids),
)
"""Every case with the function that writes its directory."""


def write_corpus(root: str | os.PathLike[str]) -> list[Case]:
    """Write every case's scene directory below ``root``; return the cases in order."""
    root = Path(root)
    for case, write in CASES:
        directory = root / case.name
        directory.parent.mkdir(parents=True, exist_ok=True)
        write(directory)
    return [case for case, _ in CASES]
