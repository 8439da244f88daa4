"""Room floor area: the footprint polygon, and the alpha-shape recipes on point sets whose
areas are worked out on paper."""

import json

import numpy as np
import open3d as o3d
import pytest
import shapely
from scipy.spatial import Delaunay

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import execute, room_area
from spatialqa.oracle.area import alpha_shape, scene_cloud
from spatialqa.scenes import SceneObject


def grid(x1, y1, step, x0=0.0, y0=0.0):
    """Points of a regular grid covering [x0, x1] x [y0, y1] (both ends included), (n, 2)."""
    xs = np.linspace(x0, x1, round((x1 - x0) / step) + 1)
    ys = np.linspace(y0, y1, round((y1 - y0) / step) + 1)
    return np.array([(x, y) for x in xs for y in ys])


def cloud_scene(scene_kit, points):
    """A scene whose only geometry is one point-cloud object."""
    return scene_kit.scene([], extra_objects=[SceneObject(1, "scan", points=points)])


def test_l_shaped_room(scene_kit):
    # A 5 x 4 rectangle without its 2 x 1 corner: 20 - 2 = 18 m^2.
    footprint = [[0, 0], [5, 0], [5, 3], [3, 3], [3, 4], [0, 4]]
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (1, 1, 0.3))], footprint=footprint)
    fact = room_area(scene)
    assert fact.value == pytest.approx(18.0) and fact.unit == "m^2" and fact.answerable
    assert fact.program["args"]["method"] == "polygon"  # auto: the footprint is known
    assert execute(json.loads(json.dumps(fact.program)), scene).value == fact.value


def test_no_footprint(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (1, 1, 0.3))])
    fact = room_area(scene, method="polygon")
    assert not fact.answerable and fact.value is None and "footprint" in fact.why_not
    assert room_area(scene).program["args"]["method"] == "floor_alpha"  # auto falls back


def test_unknown_method_names_itself_and_the_supported_ones(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (1, 1, 0.3))])
    with pytest.raises(SpatialQAError, match=r"vsi_alpha9.*polygon"):
        room_area(scene, method="vsi_alpha9")


def test_alpha_shape_keeps_triangles_below_the_circumradius():
    # A grid of step s triangulates into right isosceles triangles of circumradius s / sqrt(2).
    # alpha = 5 keeps them when s / sqrt(2) < 0.2, i.e. s < 0.2828: a 2 x 1 grid of step 0.25
    # gives the whole rectangle, one of step 0.3 (radius 0.212) nothing at all.
    assert alpha_shape(grid(2.0, 1.0, 0.25), 5.0).area == pytest.approx(2.0, abs=1e-12)
    assert alpha_shape(grid(2.1, 0.9, 0.3), 5.0).area == 0.0
    # Two 1 x 1 patches 1 m apart: the triangles bridging the gap are too large.
    two = np.vstack([grid(1.0, 1.0, 0.1), grid(3.0, 1.0, 0.1, x0=2.0)])
    shape = alpha_shape(two, 5.0)
    assert shape.area == pytest.approx(2.0, abs=1e-12) and len(shape.geoms) == 2


def test_alpha_shape_fills_holes_as_the_alphashape_package_does():
    # A 3 x 3 square of step 0.1 with its open middle (1, 2) x (1, 2) empty: the triangles
    # leave a 1 x 1 hole, which alphashape's polygonize fills: 9, not 8.
    ring = [(x, y) for x, y in grid(3.0, 3.0, 0.1) if not (1.05 < x < 1.95 and 1.05 < y < 1.95)]
    ring = np.array(ring)
    assert alpha_shape(ring, 5.0).area == pytest.approx(9.0, abs=1e-9)
    # The union of the kept triangles, for comparison, has the hole (less the small triangles
    # that cut its corners).
    corners = ring[Delaunay(ring).simplices]
    sides = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2)
    area = np.array([shapely.Polygon(t).area for t in corners])
    kept = corners[sides.prod(axis=1) / (4 * area) < 0.2]
    assert 8.0 < shapely.union_all(shapely.polygons(kept)).area < 8.1


def test_alpha_shape_of_few_or_collinear_points_is_their_hull():
    assert alpha_shape(np.array([[0, 0], [2, 0], [0, 1]], float), 5.0).area == pytest.approx(1.0)
    assert alpha_shape(np.array([[0, 0], [1, 0], [2, 0], [3, 0]], float), 5.0).area == 0.0


def test_floor_alpha_on_a_known_cloud(scene_kit):
    # Floor points in pairs (i + 0.4, j + 0.5, 0) and (i + 0.6, j + 0.5, 0), i < 5, j < 4,
    # and as many ceiling points at z = 2. P40 of z is 0, so the floor is z < 0.1. The 1 m
    # voxels start half a voxel below the lowest point (x = -0.1, y = 0, as Open3D's
    # voxel_down_sample), so each holds one pair, whose mean is (i + 0.5, j + 0.5): a 5 x 4
    # grid of step 1 (triangle circumradius 0.707 < 1), area 4 x 3 = 12. Without the voxel
    # step it would be 4.2 x 3 = 12.6.
    floor = [(i + dx, j + 0.5, 0.0) for i in range(5) for j in range(4) for dx in (0.4, 0.6)]
    ceiling = [(x, y, 2.0) for x, y, _ in floor]
    scene = cloud_scene(scene_kit, np.array(floor + ceiling))
    fact = room_area(scene, method="floor_alpha")
    assert fact.value == pytest.approx(12.0, abs=1e-12)
    assert fact.detail["voxels"] == 20 and fact.detail["floor_points"] == 40
    assert not fact.detail["convex_hull_fallback"]
    assert execute(fact.program, scene).value == fact.value


def test_floor_voxels_match_open3d(scene_kit):
    # Open3D's own voxel_down_sample of the floor points gives the same alpha shape.
    rng = np.random.default_rng(5)
    floor = np.column_stack([rng.uniform(0, 5.3, (400, 2)), rng.uniform(0, 0.05, 400)])
    high = np.column_stack([rng.uniform(0, 5.3, (400, 2)), np.full(400, 2.5)])
    scene = cloud_scene(scene_kit, np.vstack([floor, high]))
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(floor))
    voxels = np.asarray(cloud.voxel_down_sample(1.0).points)
    fact = room_area(scene, method="floor_alpha")
    assert fact.detail["voxels"] == len(voxels)
    assert fact.value == pytest.approx(alpha_shape(voxels[:, :2], 1.0).area, abs=1e-9)


def test_floor_alpha_falls_back_to_the_convex_hull(scene_kit):
    # A 3 x 3 grid of step 2: every triangle has circumradius 1.41 > 1, so the alpha shape is
    # empty and the area is the hull's, 4 x 4 = 16.
    floor = [(2.0 * i, 2.0 * j, 0.0) for i in range(3) for j in range(3)]
    scene = cloud_scene(scene_kit, np.array(floor + [(x, y, 2.0) for x, y, _ in floor]))
    fact = room_area(scene, method="floor_alpha")
    assert fact.value == pytest.approx(16.0) and fact.detail["convex_hull_fallback"]


def test_vsi_alpha5_on_a_dense_cloud(scene_kit):
    # 341 points of a 3 x 1 grid of step 0.1. 10,000 draws with replacement miss a given point
    # with probability (1 - 1/341)^10000 ~ 2e-13, so every point is drawn and the alpha shape
    # is the whole rectangle: 3 m^2.
    points = np.column_stack([grid(3.0, 1.0, 0.1), np.zeros(341)])
    scene = cloud_scene(scene_kit, points)
    fact = room_area(scene, method="vsi_alpha5", seed=7)
    assert fact.value == pytest.approx(3.0, abs=1e-9)
    assert fact.program == {"op": "room_area", "args": {"method": "vsi_alpha5", "seed": 7}}
    assert execute(json.loads(json.dumps(fact.program)), scene).value == fact.value


def test_vsi_alpha5_is_seeded(scene_kit):
    # 20,301 points of a 4 x 2 grid of step 0.02: 10,000 draws reach about 39% of them, so
    # the outline (and the area, a little under 8 m^2) depends on the seed, and only on it.
    points = np.column_stack([grid(4.0, 2.0, 0.02), np.zeros(201 * 101)])
    scene = cloud_scene(scene_kit, points)
    values = [room_area(scene, method="vsi_alpha5", seed=seed).value for seed in range(3)]
    assert all(7.8 < v < 8.0 for v in values) and len(set(values)) == 3
    again = cloud_scene(scene_kit, points)
    assert room_area(again, method="vsi_alpha5", seed=2).value == values[2]


def test_scene_cloud_covers_a_walled_room(scene_kit):
    # A 4 x 3 floor slab under a box: the whole-scene alpha shape is the slab, within 1%.
    slab = scene_kit.box_mesh((2.0, 1.5, -0.05), (4.0, 3.0, 0.1))
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (2, 1.5, 0.3), (1, 1, 0.6))], [slab])
    cloud = scene_cloud(scene)
    assert cloud[:, 0].min() >= -1e-9 and cloud[:, 0].max() <= 4.0 + 1e-9
    assert room_area(scene, method="vsi_alpha5").value == pytest.approx(12.0, rel=0.01)
