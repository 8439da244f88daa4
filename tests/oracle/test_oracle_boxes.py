"""Boxes: Open3D's minimal OBB and the AABB on boxes whose sides are known."""

import numpy as np
import pytest
import trimesh

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import aabb, minimal_obb, object_size
from spatialqa.oracle.boxes import Box, obb_of_points
from spatialqa.scenes import SceneObject


def test_minimal_obb_of_a_yawed_box_recovers_its_sides(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (2.0, 1.0, 0.3), (0.4, 2.2, 1.0), 30.0)])
    box = minimal_obb(scene, 1)
    assert sorted(box.extent) == pytest.approx([0.4, 1.0, 2.2], abs=1e-9)
    assert box.center == pytest.approx([2.0, 1.0, 0.3], abs=1e-9)
    assert box.volume == pytest.approx(0.88, abs=1e-9)
    assert np.linalg.det(box.rotation) == pytest.approx(1.0)
    # The corners are the mesh's eight vertices.
    corners = np.sort(np.round(box.corners(), 9), axis=0)
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


def test_object_size_longest_side_in_cm_and_m(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "sofa", (0, 0, 0.4), (2.1, 0.9, 0.8), 20.0)])
    fact = object_size(scene, 1)
    assert fact.value == pytest.approx(210.0, abs=1e-7)
    assert fact.unit == "cm" and fact.primitive == "minimal_obb" and fact.frame == "world"
    assert fact.detail["extent_m"] == pytest.approx([2.1, 0.9, 0.8], abs=1e-9)
    assert object_size(scene, 1, unit="m").value == pytest.approx(2.1, abs=1e-9)
    # AABB of the yawed sofa: 2.1 cos 20 + 0.9 sin 20 along x.
    expected = 2.1 * np.cos(np.radians(20)) + 0.9 * np.sin(np.radians(20))
    assert object_size(scene, 1, box="aabb", unit="m").value == pytest.approx(expected)


def test_unknown_box_kind_or_unit_is_an_error(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "cube", (0, 0, 0.5))])
    with pytest.raises(SpatialQAError, match="annotated"):
        object_size(scene, 1, box="annotated")
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
        Box(np.zeros(3), np.eye(3), np.ones(2))
    assert obb_of_points(np.array(list(np.ndindex(2, 2, 2)), float)).volume == pytest.approx(1.0)
