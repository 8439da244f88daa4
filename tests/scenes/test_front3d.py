"""3D-FRONT: furniture placed by (pos, quaternion, scale), y-up turned z-up, room shells."""

import numpy as np
import pytest
from dataset_kit import write_front3d
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
