"""3D-FRONT: furniture placed by (pos, quaternion, scale), y-up turned z-up, room shells.

Real scans right to the pixel: a known 3D point lands on its known pixel through the
loader's pose and K, near the image corners too and under non-trivial rotations. The fixture
is written in the dataset's own files, the way its official code writes or reads them, and
every expected pixel comes from that code's convention written out by hand (projection_kit),
never through the loader:

- 3D-FRONT: 3D-FRONT-FUTURE/3D-FRONT-ToolBox ``scripts/utils.py`` (``transform_v``: a model
  vertex goes to ``R(rot) (v * scale) + pos``, ``quaternion_to_matrix`` reads ``rot`` as
  ``(x, y, z, w)``), ``scripts/scene.py`` (room meshes are used as their ``xyz`` stand: world
  coordinates) and ``scripts/render.py`` (the y-up OBJ goes through Blender's OBJ importer,
  forward -Z and up Y: ``(x, y, z) -> (x, -z, y)``). 3D-FRONT has no cameras: the orbit's
  documented camera (``assemble.orbit_frames``) is rebuilt by hand (projection_kit).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import trimesh
from dataset_kit import write_front3d
from projection_kit import (
    ORBIT_K,
    assert_on_pixel,
    blender_obj_import,
    box_corners,
    orbit_by_hand,
    pixel_of,
    quaternion_turn,
)
from shapely.geometry import Point, Polygon

from spatialqa.errors import SceneError
from spatialqa.scenes.front3d import load_front3d, quaternion_matrix, room_ids


@pytest.fixture
def house(tmp_path):
    return write_front3d(tmp_path)


def test_quaternion_is_x_y_z_w():
    s = np.sqrt(0.5)
    # 90 degrees about +y takes +x to -z.
    assert np.allclose(quaternion_matrix([0, s, 0, s]) @ [1, 0, 0], [0, 0, -1])
    assert np.allclose(quaternion_matrix([0, 0, 0, 1]), np.eye(3))


def test_furniture_is_placed_and_turned_z_up(house):
    assert room_ids(house) == ["LivingRoom-1"]
    scene = load_front3d(house)
    assert scene.scene_id == "house-1_LivingRoom-1"
    assert {o.id: o.category for o in scene.objects} == {1: "dining chair", 2: "coffee table"}
    chair, table = scene.object(1), scene.object(2)
    # y-up centre (2, 0.5, -1) -> z-up (2, 1, 0.5); the turn swaps its width and depth.
    low, high = chair.vertices.min(axis=0), chair.vertices.max(axis=0)
    assert np.allclose((low + high) / 2, [2.0, 1.0, 0.5])
    assert np.allclose(high - low, [0.6, 0.4, 1.0])
    low, high = table.vertices.min(axis=0), table.vertices.max(axis=0)
    assert np.allclose(low, [-1.0, -1.5, 0.0]) and np.allclose(high, [1.0, -0.5, 0.75])
    assert "lost-model" in scene.source.detail


def test_room_shell_footprint_and_orbit(house):
    scene = load_front3d(house, frames=4)
    assert [s.category for s in scene.structure] == ["floor", "ceiling"]
    footprint = Polygon(scene.room.footprint)
    assert footprint.exterior.is_ccw
    assert footprint.bounds == pytest.approx((-1.0, -2.0, 4.0, 3.0))
    assert scene.room.height == pytest.approx(2.8)
    assert scene.floor_z == 0.0
    orbit = scene.trajectory("walkthrough").frames
    assert [f.t for f in orbit] == [0.0, 0.5, 1.0, 1.5]
    for frame in orbit:
        assert footprint.buffer(-0.5).contains(Point(frame.center[:2]))
        assert frame.center[2] == pytest.approx(1.6)
        # Every view looks at the room's middle, 0.8 m above the floor.
        uv, z = frame.project(np.array([[1.5, 0.5, 0.8]]))
        assert np.allclose(uv[0], [320.0, 240.0]) and z[0] > 0


def test_unknown_room_is_named(house):
    with pytest.raises(SceneError, match=r"house-1\.json: scene\.room: no room Kitchen-9"):
        load_front3d(house, "Kitchen-9")


# --------------------------------------------------------------------------- right to the pixel


CHAIR_BOUNDS = np.array([[-0.2, 0.0, -0.3], [0.2, 1.0, 0.3]])  # model space, y-up


TABLE_BOUNDS = np.array([[-0.5, 0.0, -0.5], [0.5, 0.75, 0.5]])


# (ref, pos, rot (x, y, z, w), scale): a chair turned 120 degrees about y, a table -35.
_H120, _H35 = math.radians(60), math.radians(-17.5)


FRONT_CHILDREN = [
    ("f-chair", [2.0, 0.0, -1.0], [0.0, math.sin(_H120), 0.0, math.cos(_H120)], [1.2, 0.9, 1.1]),
    ("f-table", [0.5, 0.0, 1.0], [0.0, math.sin(_H35), 0.0, math.cos(_H35)], [2.0, 1.0, 1.0]),
]


FLOOR_XYZ = [[-1, 0, -3], [4, 0, -3], [4, 0, 2], [-1, 0, 2]]


def toolbox_place(vertices, pos, rot, scale) -> np.ndarray:
    """``transform_v``: v * scale, rotated by the quaternion, plus pos (y-up world)."""
    rotation = quaternion_turn(rot)
    return (np.asarray(vertices) * scale) @ rotation.T + np.asarray(pos)


def write_front3d_house(root: Path) -> Path:
    future = root / "3D-FUTURE-model"
    for jid, bounds in (("chair-jid", CHAIR_BOUNDS), ("table-jid", TABLE_BOUNDS)):
        mesh = trimesh.creation.box(bounds=bounds)
        lines = [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in mesh.vertices]
        lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in mesh.faces]
        (future / jid).mkdir(parents=True)
        (future / jid / "raw_model.obj").write_text("\n".join(lines) + "\n")
    (future / "model_info.json").write_text(
        json.dumps(
            [
                {"model_id": "chair-jid", "category": "Dining Chair", "super-category": "Chair"},
                {"model_id": "table-jid", "category": "Coffee Table", "super-category": "Table"},
            ]
        )
    )
    identity = {"pos": [0, 0, 0], "rot": [0, 0, 0, 1], "scale": [1, 1, 1]}
    children = [{"ref": "m-floor", "instanceid": "mesh/0", **identity}]
    children.append({"ref": "m-ceil", "instanceid": "mesh/1", **identity})
    for number, (ref, pos, rot, scale) in enumerate(FRONT_CHILDREN):
        children.append(
            {"ref": ref, "instanceid": f"furniture/{number}", "pos": pos, "rot": rot,
             "scale": scale}
        )  # fmt: skip
    house = {
        "uid": "house-9",
        "furniture": [
            {"uid": "f-chair", "jid": "chair-jid", "valid": True},
            {"uid": "f-table", "jid": "table-jid", "valid": True},
        ],
        "mesh": [
            {"uid": "m-floor", "type": "Floor", "xyz": np.ravel(FLOOR_XYZ).tolist(),
             "faces": [0, 2, 1, 0, 3, 2]},
            {"uid": "m-ceil", "type": "Ceiling",
             "xyz": np.ravel([[x, 2.8, z] for x, _, z in FLOOR_XYZ]).tolist(),
             "faces": [0, 1, 2, 0, 2, 3]},
        ],
        "scene": {"room": [{"type": "LivingRoom", "instanceid": "LivingRoom-7",
                            "children": children}]},
    }  # fmt: skip
    path = root / "3D-FRONT" / "house-9.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(house))
    return path


def placed_front_models() -> list[np.ndarray]:
    """Every model's box corners placed by the toolbox and imported z-up, by hand."""
    return [
        blender_obj_import(toolbox_place(box_corners(bounds), pos, rot, scale))
        for bounds, (_, pos, rot, scale) in zip(
            (CHAIR_BOUNDS, TABLE_BOUNDS), FRONT_CHILDREN, strict=True
        )
    ]


def test_front3d_model_vertex_lands_on_its_pixel_in_every_orbit_view(tmp_path):
    """Follows 3D-FRONT-ToolBox scripts/utils.py (transform_v, quaternion_to_matrix) and
    scripts/render.py (Blender's y-up OBJ import)."""
    scene = load_front3d(write_front3d_house(tmp_path), frames=8)
    chair_corners, table_corners = placed_front_models()
    chair, table = scene.object(1), scene.object(2)
    for corners, obj in ((chair_corners, chair), (table_corners, table)):
        gaps = np.linalg.norm(corners[:, None] - obj.vertices[None], axis=2).min(axis=1)
        assert gaps.max() < 1e-5  # every placed corner is a vertex of the loaded object
    # The floor mesh is world coordinates as it stands: x in [-1, 4], z in [-3, 2] (y-up).
    footprint = blender_obj_import(FLOOR_XYZ)[:, :2]
    low, high = footprint.min(axis=0), footprint.max(axis=0)
    floor = min(chair_corners[:, 2].min(), table_corners[:, 2].min())
    poses = orbit_by_hand((low + high) / 2, 0.6 * (high - low) / 2, floor, 8)
    frames = scene.trajectory("walkthrough").frames
    assert len(frames) == 8
    point = chair_corners[np.argmax(chair_corners[:, 2] + chair_corners[:, 0])]
    for frame, pose in zip(frames, poses, strict=True):
        assert np.allclose(frame.K, ORBIT_K) and (frame.width, frame.height) == (640, 480)
        assert_on_pixel(frame, point, pixel_of(point, pose, ORBIT_K))
        # A point that the hand-made camera shows near the bottom-left corner.
        near_corner = pose[:3, :3] @ (np.linalg.solve(ORBIT_K, [4.0, 473.0, 1.0]) * 2.5)
        assert_on_pixel(frame, near_corner + pose[:3, 3], (4.0, 473.0))


def test_front3d_room_meshes_are_world_coordinates_as_the_toolbox_reads_them(tmp_path):
    """Follows 3D-FRONT-ToolBox scripts/scene.py (Room.add_mesh, output_meshes)."""
    path = write_front3d_house(tmp_path)
    house = json.loads(path.read_text())
    children = house["scene"]["room"][0]["children"]
    children[0]["pos"] = [5.0, 0.0, 5.0]  # the toolbox ignores a room mesh's child transform
    path.write_text(json.dumps(house))
    scene = load_front3d(path, frames=0)
    floor = next(s for s in scene.structure if s.category == "floor")
    expected = blender_obj_import(FLOOR_XYZ)
    assert np.allclose(np.sort(floor.mesh.vertices, axis=0), np.sort(expected, axis=0))
    assert "ignored, as the official toolbox does" in scene.source.detail


def _set(document, keys: tuple, value):
    """``document`` with ``document[k0][k1]...[kn] = value``."""
    target = document
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return document


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: ["not a house"], r"house-9\.json: expected a JSON object"),
        (lambda h: _set(h, ("scene", "room"), {"a": 1}), r"scene\.room: expected a list"),
        (lambda h: _set(h, ("mesh", 0, "xyz"), [0, 1]), r"mesh 'm-floor': xyz and faces"),
        (lambda h: _set(h, ("mesh", 0, "faces"), [0, 1, 9]), r"'m-floor': faces: vertex index"),
        (
            lambda h: _set(h, ("scene", "room", 0, "children", 2, "rot"), "x"),
            r"children\[2\]: bad pos/rot/scale",
        ),
    ],
)
def test_front3d_bad_house_is_named(tmp_path, edit, message):
    path = write_front3d_house(tmp_path)
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))
    with pytest.raises(SceneError, match=message):
        load_front3d(path, "LivingRoom-7", frames=0)
