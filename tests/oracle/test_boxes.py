"""Boxes: Open3D's minimal OBB and the AABB on boxes whose sides are known."""

import numpy as np
import pytest
import trimesh

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import (
    aabb,
    annotated_box,
    gravity_obb,
    minimal_obb,
    object_size,
    object_volume,
)
from spatialqa.oracle.boxes import obb_of_points
from spatialqa.oracle.size import upright_sides
from spatialqa.scenes import OrientedBox, SceneObject


def test_minimal_obb_of_a_yawed_box_recovers_its_sides(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (2.0, 1.0, 0.3), (0.4, 2.2, 1.0), 30.0)])
    box = minimal_obb(scene, 1)
    assert sorted(box.extent) == pytest.approx([0.4, 1.0, 2.2], abs=1e-9)
    assert box.center == pytest.approx([2.0, 1.0, 0.3], abs=1e-9)
    assert box.volume == pytest.approx(0.88, abs=1e-9)
    assert np.linalg.det(box.rotation) == pytest.approx(1.0)
    # The corners are the mesh's eight vertices.
    corners = np.sort(np.round(box.corners, 9), axis=0)
    vertices = np.sort(np.round(scene.object(1).mesh.vertices, 9), axis=0)
    assert corners == pytest.approx(vertices, abs=1e-8)


def test_minimal_obb_of_a_tilted_box(scene_kit):
    tilt = trimesh.transformations.rotation_matrix(0.4, [1, 1, 0])[:3, :3]
    scene = scene_kit.scene([scene_kit.Box(1, "crate", (0, 0, 1), (0.3, 0.5, 0.7), 10.0, tilt)])
    assert sorted(minimal_obb(scene, 1).extent) == pytest.approx([0.3, 0.5, 0.7], abs=1e-9)


def test_aabb_of_a_box_yawed_45_degrees(scene_kit):
    # A unit cube yawed 45 deg spans its diagonal, sqrt(2), along x and y.
    scene = scene_kit.scene([scene_kit.Box(1, "cube", (0, 0, 0.5), (1, 1, 1), 45.0)])
    box = aabb(scene, 1)
    assert box.extent == pytest.approx([np.sqrt(2), np.sqrt(2), 1.0], abs=1e-12)
    assert box.rotation == pytest.approx(np.eye(3))


def test_unknown_box_kind_or_unit_is_an_error(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "cube", (0, 0, 0.5))])
    with pytest.raises(SpatialQAError, match="sphere"):
        object_size(scene, 1, box="sphere")
    with pytest.raises(SpatialQAError, match="depth"):
        object_size(scene, 1, axis="depth")
    with pytest.raises(SpatialQAError, match="furlong"):
        object_size(scene, 1, unit="furlong")


def test_minimal_obb_is_deterministic_across_equal_scenes(scene_kit):
    boxes = [scene_kit.Box(1, "desk", (1, 2, 0.4), (1.2, 0.6, 0.8), 17.0)]
    first, second = (minimal_obb(scene_kit.scene(boxes), 1) for _ in range(2))
    assert np.array_equal(first.center, second.center)
    assert np.array_equal(first.rotation, second.rotation)
    assert np.array_equal(first.extent, second.extent)


def test_point_cloud_objects_and_flat_point_sets(scene_kit):
    rng = np.random.default_rng(0)
    # Points filling a unit cube, its eight corners included: the minimal box is that cube.
    cloud = rng.uniform(-0.5, 0.5, size=(500, 3))
    cloud = np.vstack([cloud, np.array(list(np.ndindex(2, 2, 2))) - 0.5])
    flat = np.column_stack([rng.uniform(0, 3, 200), rng.uniform(0, 1, 200), np.zeros(200)])
    flat = np.vstack([flat, [[0, 0, 0], [3, 0, 0], [3, 1, 0], [0, 1, 0]]])
    scene = scene_kit.scene(
        [scene_kit.Box(1, "cube", (5, 5, 0.5))],
        extra_objects=[SceneObject(2, "cloud", points=cloud), SceneObject(3, "rug", points=flat)],
    )
    assert minimal_obb(scene, 2).extent == pytest.approx([1.0, 1.0, 1.0], abs=1e-9)
    # Coplanar points have no 3D hull: minimum-area rectangle, zero thickness (3 x 1 x 0).
    rug = minimal_obb(scene, 3)
    assert sorted(rug.extent) == pytest.approx([0.0, 1.0, 3.0], abs=1e-9)
    assert rug.center == pytest.approx([1.5, 0.5, 0.0], abs=1e-9)


def test_box_validates_shapes():
    with pytest.raises(SpatialQAError, match="extent"):
        OrientedBox(center=np.zeros(3), extent=np.ones(2), rotation=np.eye(3), flat=True)
    assert obb_of_points(np.array(list(np.ndindex(2, 2, 2)), float)).volume == pytest.approx(1.0)


def yaw(deg):
    return trimesh.transformations.rotation_matrix(np.radians(deg), [0, 0, 1])[:3, :3]


def test_gravity_obb_of_a_yawed_box(scene_kit):
    # A 2.0 x 0.5 x 0.8 box yawed 30 deg: its footprint is already the minimal rectangle.
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (2.0, 1.0, 0.4), (2.0, 0.5, 0.8), 30.0)])
    box = gravity_obb(scene, 1)
    assert box.extent == pytest.approx([2.0, 0.5, 0.8], abs=1e-12)
    assert box.center == pytest.approx([2.0, 1.0, 0.4], abs=1e-12)
    assert box.rotation == pytest.approx(yaw(30.0), abs=1e-12)  # length along 30 deg, z up
    assert np.linalg.det(box.rotation) == pytest.approx(1.0)


def test_gravity_obb_of_a_tilted_box(scene_kit):
    # A unit cube turned 45 deg about x: its y and z spans are both sqrt(2), x stays 1. The
    # minimal OBB is the cube itself (1 x 1 x 1) and, tilted, has no height.
    tilt = trimesh.transformations.rotation_matrix(np.pi / 4, [1, 0, 0])[:3, :3]
    scene = scene_kit.scene([scene_kit.Box(1, "crate", (0, 0, 1), (1, 1, 1), 0.0, tilt)])
    assert gravity_obb(scene, 1).extent == pytest.approx([np.sqrt(2), 1.0, np.sqrt(2)])
    assert upright_sides(minimal_obb(scene, 1)) is None
    with pytest.raises(SpatialQAError, match=r"tilted.*gravity_obb"):
        object_size(scene, 1, axis="height")
    assert object_size(scene, 1, box="gravity_obb", axis="height", unit="m").value == (
        pytest.approx(np.sqrt(2))
    )
    assert object_size(scene, 1, box="gravity_obb", axis="width", unit="m").value == (
        pytest.approx(1.0)
    )


def test_gravity_obb_of_an_obtuse_prism_is_the_minimal_rectangle(scene_kit):
    # A prism over the triangle (0,0), (4,0), (1,1), z in [0, 1]. Rectangles with a side on
    # each triangle side: on the base 4 x 1 = 4; on (0,0)-(1,1) 2.83 x 2.83 = 8; on
    # (1,1)-(4,0) (3.16 + 0.63) x 4/sqrt(10) = 4.8. The base wins: 4 x 1 x 1.
    base = np.array([[0, 0], [4, 0], [1, 1]], float)
    points = np.array([(x, y, z) for x, y in base for z in (0.0, 1.0)])
    scene = scene_kit.scene([], extra_objects=[SceneObject(1, "wedge", points=points)])
    box = gravity_obb(scene, 1)
    assert box.extent == pytest.approx([4.0, 1.0, 1.0], abs=1e-12)
    assert box.center == pytest.approx([2.0, 0.5, 0.5], abs=1e-12)


def test_gravity_obb_matches_a_brute_force_angle_scan(scene_kit):
    rng = np.random.default_rng(3)
    points = rng.normal(size=(40, 3)) * [1.5, 0.6, 0.4] @ yaw(37.0).T
    scene = scene_kit.scene([], extra_objects=[SceneObject(1, "blob", points=points)])
    box = gravity_obb(scene, 1)
    angles = np.radians(np.arange(0.0, 180.0, 0.001))
    turn = np.stack([np.cos(angles), np.sin(angles)])  # (2, k)
    along, across = points[:, :2] @ turn, points[:, :2] @ np.stack([-turn[1], turn[0]])
    areas = np.ptp(along, axis=0) * np.ptp(across, axis=0)
    assert box.extent[0] * box.extent[1] <= areas.min() + 1e-12
    assert box.extent[0] * box.extent[1] == pytest.approx(areas.min(), rel=1e-5)
    assert box.extent[2] == pytest.approx(np.ptp(points[:, 2]))


def test_gravity_obb_of_collinear_points_has_zero_width(scene_kit):
    points = np.array([[0, 0, 0], [1, 1, 0.5], [3, 3, 2]], float)
    scene = scene_kit.scene([], extra_objects=[SceneObject(1, "pole", points=points)])
    assert gravity_obb(scene, 1).extent == pytest.approx([3 * np.sqrt(2), 0.0, 2.0], abs=1e-12)


def test_annotated_box(scene_kit):
    given = OrientedBox(center=[1.0, 2.0, 0.5], extent=[1.5, 0.7, 1.0], rotation=yaw(25.0))
    scene = scene_kit.scene(
        [scene_kit.Box(1, "cube", (5, 5, 0.5))],
        extra_objects=[
            SceneObject(
                2,
                "desk",
                mesh=scene_kit.box_mesh((1, 2, 0.5), (1.4, 0.6, 0.9), 25.0),
                annotated_box=given,
            )
        ],
    )
    box = annotated_box(scene, 2)
    assert box.extent == pytest.approx([1.5, 0.7, 1.0]) and box.center == pytest.approx([1, 2, 0.5])
    # The annotation, not the geometry (1.4 x 0.6 x 0.9), answers.
    assert object_size(scene, 2, box="annotated").value == pytest.approx(150.0)
    assert object_size(scene, 2, box="annotated", axis="width").value == pytest.approx(70.0)
    assert object_volume(scene, 2, box="annotated").value == pytest.approx(1.05)
    assert object_volume(scene, 2).value == pytest.approx(1.4 * 0.6 * 0.9)
    with pytest.raises(SpatialQAError, match=r"object 1 \('cube'\).*no annotated box"):
        object_size(scene, 1, box="annotated")
