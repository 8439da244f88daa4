"""Generic labelled meshes: glTF node names (y-up), OBJ object names, PLY vertex properties.

Real scans right to the pixel: a known 3D point lands on its known pixel through the
loader's pose and K, near the image corners too and under non-trivial rotations. The fixture
is written in the dataset's own files, the way its official code writes or reads them, and
every expected pixel comes from that code's convention written out by hand (projection_kit),
never through the loader:

- Generic: the glTF 2.0 specification (y up, metres, a node's local matrix ``T R S`` with the
  rotation a unit quaternion ``(x, y, z, w)``, children in their parent's frame) and the
  labelling convention of ``scenes/generic.py``.
"""

import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from dataset_kit import BOXES, boxes_mesh, write_ply
from projection_kit import (
    ORBIT_K,
    assert_on_pixel,
    blender_obj_import,
    box_corners,
    orbit_by_hand,
    pixel_of,
    quaternion_turn,
)

from spatialqa.errors import SceneError
from spatialqa.scenes.generic import load_generic, parse_label

NAMES = {"floor": "floor", "chair": "office chair.3", "table": "table.12", "clutter": "stuff"}


def test_label_convention():
    assert parse_label("chair.3") == ("chair", 3)
    assert parse_label("dining table.12") == ("dining table", 12)
    assert parse_label("Wall.2") == ("wall", None)
    assert parse_label("floor") == ("floor", None)
    assert parse_label("stuff") is None
    assert parse_label("chair") is None


def test_gltf_nodes_are_labelled_and_turned_z_up(tmp_path):
    scene = trimesh.Scene()
    for name, _, center, size in BOXES:
        box = trimesh.creation.box(extents=size)
        # Written y-up, as glTF requires: z-up (x, y, z) is glTF (x, z, -y).
        x, y, z = center
        transform = trimesh.transformations.translation_matrix([x, z, -y])
        transform[:3, :3] = [[1, 0, 0], [0, 0, 1], [0, -1, 0]]
        scene.add_geometry(box, node_name=NAMES[name], geom_name=name, transform=transform)
    scene.export(tmp_path / "room.glb")
    loaded = load_generic(tmp_path / "room.glb", frames=3)
    assert loaded.scene_id == "room"
    assert {o.id: o.category for o in loaded.objects} == {3: "office chair", 12: "table"}
    chair = loaded.object(3)
    assert np.allclose(chair.vertices.mean(axis=0), [2.0, 0.0, 0.5])  # +x stays +x, z up
    assert np.allclose(np.ptp(chair.vertices, axis=0), [0.5, 0.5, 1.0])
    assert sorted(s.category for s in loaded.structure) == ["floor", "unlabelled"]
    assert "y-up turned z-up" in loaded.source.detail
    assert "1 parts without a '<category>.<instance>' name: ['stuff']" in loaded.source.detail
    assert [f.t for f in loaded.trajectory("walkthrough").frames] == [0.0, 0.5, 1.0]


def test_obj_objects_are_labelled(tmp_path):
    lines, offset = [], 0
    for name, _, center, size in BOXES:
        box = trimesh.creation.box(extents=size)
        lines.append(f"o {NAMES[name]}")
        lines += [f"v {x} {y} {z}" for x, y, z in box.vertices + center]
        lines += [f"f {a} {b} {c}" for a, b, c in box.faces + offset + 1]
        offset += len(box.vertices)
    lines.append("f -1 -2 -3")  # relative indices: the last three vertices, still "stuff"
    (tmp_path / "room.obj").write_text("\n".join(lines) + "\n")
    loaded = load_generic(tmp_path / "room.obj", frames=0)
    assert {o.id: o.category for o in loaded.objects} == {3: "office chair", 12: "table"}
    assert np.allclose(loaded.object(12).vertices.mean(axis=0), [0.0, 2.0, 0.375])
    assert loaded.trajectories == ()


def test_ply_vertex_instances(tmp_path):
    vertices, faces, owner = boxes_mesh()
    instance = np.array([-1, 5, 6, -1])[owner]
    comments = ["instance 5 chair", "instance 6 table", "instance 8 lamp"]
    write_ply(tmp_path / "room.ply", vertices, faces, {"instance": instance}, comments)
    loaded = load_generic(tmp_path / "room.ply", frames=0)
    assert {o.id: o.category for o in loaded.objects} == {5: "chair", 6: "table"}
    assert np.allclose(loaded.object(5).vertices.mean(axis=0), [2.0, 0.0, 0.5])
    assert "1 instances without points dropped: 8 (lamp)" in loaded.source.detail
    assert "16 unlabelled vertices (24 faces)" in loaded.source.detail


def test_ply_without_instances_is_refused(tmp_path):
    vertices, faces, _ = boxes_mesh()
    write_ply(tmp_path / "room.ply", vertices, faces)
    with pytest.raises(SceneError, match=r"room\.ply: vertex property 'instance' missing"):
        load_generic(tmp_path / "room.ply")


# --------------------------------------------------------------------------- right to the pixel


GLTF_BOX = np.array([[-0.25, 0.0, -0.25], [0.25, 0.5, 0.25]])


def glb_bytes(nodes: list[dict], meshes: list[tuple[np.ndarray, np.ndarray]], roots) -> bytes:
    """A GLB container by the glTF 2.0 specification: a JSON chunk and a BIN chunk, each
    padded to 4 bytes; float32 VEC3 positions with min/max, uint32 indices."""
    binary, views, accessors, gltf_meshes = b"", [], [], []
    for vertices, faces in meshes:
        for array, kind, target in (
            (np.asarray(vertices, "<f4"), "VEC3", 34962),
            (np.asarray(faces, "<u4").ravel(), "SCALAR", 34963),
        ):
            views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": array.nbytes,
                          "target": target})  # fmt: skip
            accessor = {"bufferView": len(views) - 1, "count": len(array), "type": kind,
                        "componentType": 5126 if kind == "VEC3" else 5125}  # fmt: skip
            if kind == "VEC3":
                accessor["min"] = array.min(axis=0).tolist()
                accessor["max"] = array.max(axis=0).tolist()
            accessors.append(accessor)
            binary += array.tobytes()
        count = len(accessors)
        gltf_meshes.append({"primitives": [{"attributes": {"POSITION": count - 2},
                                            "indices": count - 1, "mode": 4}]})  # fmt: skip
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": list(roots)}],
        "nodes": nodes,
        "meshes": gltf_meshes,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def trs(translation, rotation, scale) -> np.ndarray:
    """A glTF node's local matrix T * R * S (rotation a quaternion x, y, z, w)."""
    matrix = np.eye(4)
    matrix[:3, :3] = quaternion_turn(rotation) * np.asarray(scale, dtype=np.float64)
    matrix[:3, 3] = translation
    return matrix


GROUP = ([1.0, 0.2, -0.5], [0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)], [1.5] * 3)


CHAIR = ([0.4, 0.0, 0.0], [0.0, math.sin(math.pi / 12), 0.0, math.cos(math.pi / 12)], [1, 2, 1])


TABLE = ([-1.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0], [2.0, 1.5, 1.0])


def write_glb(path: Path) -> None:
    box = trimesh.creation.box(bounds=GLTF_BOX)
    floor = np.array([[-4, 0, -4], [4, 0, -4], [4, 0, 4], [-4, 0, 4]], float)
    nodes = [
        {"name": "group", "translation": GROUP[0], "rotation": GROUP[1], "scale": GROUP[2],
         "children": [1]},
        {"name": "office chair.3", "mesh": 0, "translation": CHAIR[0], "rotation": CHAIR[1],
         "scale": CHAIR[2]},
        {"name": "floor", "mesh": 1},
        {"name": "table.12", "mesh": 0, "translation": TABLE[0], "rotation": TABLE[1],
         "scale": TABLE[2]},
    ]  # fmt: skip
    meshes = [(box.vertices, box.faces), (floor, np.array([[0, 2, 1], [0, 3, 2]]))]
    path.write_bytes(glb_bytes(nodes, meshes, roots=[0, 2, 3]))


def test_generic_gltf_node_vertex_lands_on_its_pixel_in_every_orbit_view(tmp_path):
    """Follows the glTF 2.0 specification (node hierarchy, T R S, y-up) and the labelling
    convention of scenes/generic.py."""
    write_glb(tmp_path / "room.glb")
    scene = load_generic(tmp_path / "room.glb", frames=6)
    corners = np.c_[box_corners(GLTF_BOX), np.ones(8)]
    chair = (trs(*GROUP) @ trs(*CHAIR) @ corners.T).T[:, :3]  # child in its parent's frame
    table = (trs(*TABLE) @ corners.T).T[:, :3]
    chair, table = blender_obj_import(chair), blender_obj_import(table)  # glTF y-up -> z-up
    for corners_z_up, obj in ((chair, scene.object(3)), (table, scene.object(12))):
        gaps = np.linalg.norm(corners_z_up[:, None] - obj.vertices[None], axis=2).min(axis=1)
        assert gaps.max() < 1e-5
    # No walls, no footprint: the orbit circles outside every object (1 m beyond the half
    # diagonal of their extent), eye 1.6 m above the lowest object point.
    xy = np.concatenate([chair, table])[:, :2]
    low, high = xy.min(axis=0), xy.max(axis=0)
    radius = np.linalg.norm((high - low) / 2) + 1.0
    floor = min(chair[:, 2].min(), table[:, 2].min())
    poses = orbit_by_hand((low + high) / 2, np.full(2, radius), floor, 6)
    frames = scene.trajectory("walkthrough").frames
    point = chair[np.argmax(chair[:, 2])]
    for frame, pose in zip(frames, poses, strict=True):
        assert np.allclose(frame.K, ORBIT_K)
        assert_on_pixel(frame, point, pixel_of(point, pose, ORBIT_K))
        near_corner = pose[:3, :3] @ (np.linalg.solve(ORBIT_K, [636.0, 3.0, 1.0]) * 4.0)
        assert_on_pixel(frame, near_corner + pose[:3, 3], (636.0, 3.0))
