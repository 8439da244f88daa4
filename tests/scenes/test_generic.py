"""Generic labelled meshes: glTF node names (y-up), OBJ object names, PLY vertex properties."""

import numpy as np
import pytest
import trimesh
from dataset_kit import BOXES, boxes_mesh, write_ply

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
