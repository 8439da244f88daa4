"""The oracle against second methods that share none of its code.

- closest-point distances (object to object, camera to object) vs FCL's mesh distance
  (python-fcl through trimesh), 1 mm;
- minimal OBB: between the convex hull's volume and the AABB's, never larger than a
  brute-force face-aligned search written here (and equal to it on furniture), nor than
  Open3D's legacy search, never smaller than Open3D's exact (Jylanki) minimum; the decimated
  search on dense clouds within 1 % of the exhaustive one;
- visible pixels from ray casting vs the pyrender rasteriser's instance masks, and each
  object's unoccluded silhouette vs the rasteriser drawing that object alone.
"""

import functools
import itertools

import numpy as np
import open3d as o3d
import pytest
import trimesh
from scipy.spatial import ConvexHull

from spatialqa.oracle import (
    aabb,
    camera_object_distance,
    frame_visibility,
    instance_mask,
    minimal_obb,
    object_distance,
)
from spatialqa.oracle.boxes import MAX_HULL_VERTICES, obb_of_points
from spatialqa.scenes import Scene, SceneObject, Source, procedural_scene
from spatialqa.seeding import rng_for

MM = 1e-3


def fcl_distance(mesh_a: trimesh.Trimesh, mesh_b: trimesh.Trimesh) -> float:
    """FCL's distance between two meshes; 0 when they collide."""
    manager = trimesh.collision.CollisionManager()
    manager.add_object("b", mesh_b)
    if manager.in_collision_single(mesh_a):
        return 0.0
    return float(manager.min_distance_single(mesh_a))


def contains(outer: trimesh.Trimesh, inner: trimesh.Trimesh) -> bool:
    return outer.is_watertight and bool(outer.contains(inner.vertices[:1])[0])


def random_shapes(seed: int) -> Scene:
    """Tilted boxes, spheres, tori and cylinders at random poses in a 3 m cube."""
    rng = rng_for("crosscheck-shapes", seed)
    makers = [
        lambda: trimesh.creation.box(extents=rng.uniform(0.1, 1.0, 3)),
        lambda: trimesh.creation.icosphere(subdivisions=2, radius=rng.uniform(0.1, 0.5)),
        lambda: trimesh.creation.torus(rng.uniform(0.3, 0.6), rng.uniform(0.05, 0.2)),
        lambda: trimesh.creation.cylinder(rng.uniform(0.05, 0.4), rng.uniform(0.1, 1.0)),
    ]
    objects = []
    for i in range(8):
        mesh = makers[i % len(makers)]()
        transform = trimesh.transformations.random_rotation_matrix(rng.random(3))
        transform[:3, 3] = rng.uniform(0.0, 3.0, 3)
        objects.append(SceneObject(i + 1, f"shape{i}", mesh=mesh.apply_transform(transform)))
    return Scene(f"shapes_{seed}", Source("test", "random shapes"), tuple(objects))


def scanned(scene: Scene, edge: float = 0.05, noise: float = 0.002) -> Scene:
    """``scene`` with every mesh subdivided to ``edge`` and its vertices jittered like a depth
    sensor's: thousands of vertices per object, so the distance search prunes for real."""
    rng = rng_for("crosscheck-scan", scene.scene_id)
    objects = []
    for obj in scene.objects:
        v, f = trimesh.remesh.subdivide_to_size(obj.mesh.vertices, obj.mesh.faces, edge, 10)
        mesh = trimesh.Trimesh(v + rng.normal(scale=noise, size=v.shape), f, process=False)
        objects.append(SceneObject(obj.id, obj.category, mesh=mesh))
    return Scene(f"{scene.scene_id}_scanned", scene.source, tuple(objects))


@pytest.mark.parametrize(
    "make",
    [
        lambda: procedural_scene(4, 2, frames=1),
        lambda: random_shapes(0),
        lambda: scanned(random_shapes(1)),
    ],
    ids=["procedural", "random_shapes", "scanned_shapes"],
)
def test_closest_distance_matches_fcl_within_a_millimetre(make):
    scene = make()
    pairs = list(itertools.combinations([obj.id for obj in scene.objects], 2))
    apart = 0
    for a, b in pairs:
        mesh_a, mesh_b = scene.object(a).mesh, scene.object(b).mesh
        ours = object_distance(scene, a, b).value
        theirs = fcl_distance(mesh_a, mesh_b)
        if theirs > 0 and ours == 0.0 and (contains(mesh_a, mesh_b) or contains(mesh_b, mesh_a)):
            continue  # one solid inside the other: 0 for the oracle, a surface gap for FCL
        assert ours == pytest.approx(theirs, abs=MM), (scene.scene_id, a, b)
        apart += theirs > 0
    assert apart >= len(pairs) / 2  # most pairs are apart: the check is not all zeros


def test_camera_to_object_distance_matches_fcl_within_a_millimetre():
    scene = procedural_scene(4, 2, frames=3)
    for frame in scene.trajectories[0].frames:
        probe = trimesh.creation.icosphere(subdivisions=1, radius=1e-4)
        probe.apply_translation(frame.center)
        for obj in scene.objects:
            ours = camera_object_distance(scene, frame.id, obj.id).value
            assert ours == pytest.approx(fcl_distance(probe, obj.mesh) + 1e-4, abs=MM)


def brute_force_face_aligned_volume(points: np.ndarray) -> float:
    """For each hull facet: extent along its normal times the least rectangle area over every
    direction in the facet plane that is parallel to an edge of the projected 2D hull."""
    hull = ConvexHull(points)
    best = np.inf
    for normal in hull.equations[:, :3]:
        a = np.cross(normal, [0.3, 0.5, 0.8])
        a /= np.linalg.norm(a)
        flat = points @ np.column_stack([a, np.cross(normal, a)])
        ring = flat[ConvexHull(flat).vertices]
        edges = np.roll(ring, -1, axis=0) - ring
        edges /= np.linalg.norm(edges, axis=1, keepdims=True)
        sides = np.column_stack([-edges[:, 1], edges[:, 0]])
        areas = np.ptp(ring @ edges.T, axis=0) * np.ptp(ring @ sides.T, axis=0)
        best = min(best, areas.min() * np.ptp(points @ normal))
    return float(best)


def open3d_volumes(points: np.ndarray) -> tuple[float, float]:
    """(Open3D's legacy face-frame search, Open3D's exact Jylanki minimum) on the hull."""
    hull = np.array(points[ConvexHull(points).vertices])
    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        legacy = o3d.geometry.OrientedBoundingBox.create_from_points_minimal(
            o3d.utility.Vector3dVector(hull), robust=False
        ).volume()
        exact = o3d.t.geometry.OrientedBoundingBox.create_from_points(
            o3d.core.Tensor(hull), method=o3d.t.geometry.MINIMAL_JYLANKI
        ).volume()
    return float(legacy), float(exact)


def encloses(box, points: np.ndarray) -> bool:
    local = (points - box.center) @ box.rotation
    return bool(np.all(np.abs(local) <= box.extent / 2.0 + 1e-9))


def test_minimal_obb_against_the_hull_the_aabb_open3d_and_brute_force():
    scene = procedural_scene(4, 2, frames=1)
    clouds = [np.asarray(obj.mesh.vertices) for obj in scene.objects]
    rng = rng_for("crosscheck-obb")
    clouds += [rng.normal(size=(60, 3)) * rng.uniform(0.1, 1.0, 3) for _ in range(4)]
    for points in clouds:
        box = obb_of_points(points)
        assert encloses(box, points)
        hull_volume = ConvexHull(points).volume
        low, high = points.min(axis=0), points.max(axis=0)
        assert hull_volume * (1 - 1e-9) <= box.volume <= np.prod(high - low) * (1 + 1e-9)
        assert box.volume <= brute_force_face_aligned_volume(points) * (1 + 1e-9)
        legacy, exact = open3d_volumes(points)
        assert box.volume <= legacy * (1 + 1e-5)  # Open3D rounds to float32
        assert box.volume >= exact * (1 - 1e-5)  # nothing beats the exact minimum
    # The furniture rests a face on a hull facet: the face-aligned search finds its box.
    for obj in scene.objects:
        points = np.asarray(obj.mesh.vertices)
        volume = minimal_obb(scene, obj.id).volume
        assert volume == pytest.approx(brute_force_face_aligned_volume(points), rel=1e-9)
        assert volume <= aabb(scene, obj.id).volume * (1 + 1e-9)


@pytest.mark.parametrize("shape", ["ellipsoid", "scanned_capsule"])
def test_decimated_obb_on_dense_clouds_is_within_one_percent(shape):
    rng = rng_for("crosscheck-dense", shape)
    if shape == "ellipsoid":  # every point is a hull vertex
        points = rng.normal(size=(900, 3))
        points = points / np.linalg.norm(points, axis=1, keepdims=True) * [0.9, 0.5, 0.3]
    else:  # a capsule's surface with 2 mm noise, turned: a scan of something round
        mesh = trimesh.creation.capsule(height=0.8, radius=0.25)
        points, _ = trimesh.sample.sample_surface(mesh, 4_000, seed=rng)
        points = points + rng.normal(scale=0.002, size=points.shape)
        points = points @ trimesh.transformations.random_rotation_matrix(rng.random(3))[:3, :3].T
    hull = ConvexHull(points)
    assert len(hull.vertices) > MAX_HULL_VERTICES  # the decimated path runs
    box = obb_of_points(points)
    assert encloses(box, points)
    exhaustive = brute_force_face_aligned_volume(points[hull.vertices])
    assert exhaustive * (1 - 1e-9) <= box.volume <= exhaustive * 1.01


def boundary(mask: np.ndarray) -> np.ndarray:
    """Pixels with a 4-neighbour of another id, (h, w) bool."""
    edge = np.zeros(mask.shape, dtype=bool)
    edge[:, 1:] |= mask[:, 1:] != mask[:, :-1]
    edge[:, :-1] |= mask[:, 1:] != mask[:, :-1]
    edge[1:, :] |= mask[1:, :] != mask[:-1, :]
    edge[:-1, :] |= mask[1:, :] != mask[:-1, :]
    return edge


@functools.cache
def busy_view(minimum: int = 5):
    """(scene, frame): the first view, over procedural rooms (seed 0, index 0..7) and their
    frames in order, in which at least ``minimum`` objects have visible pixels (the oracle
    counts them): chosen by that property, whatever the rooms' cameras happen to show."""
    for index in range(8):
        scene = procedural_scene(0, index, frames=1)
        for trajectory in scene.trajectories:
            for frame in trajectory.frames:
                visible = frame_visibility(scene, frame.id).visible_pixels
                if np.count_nonzero(visible) >= minimum:
                    return scene, frame
    raise AssertionError(f"no procedural view shows {minimum} objects")


def test_visible_pixels_agree_with_the_rasteriser():
    from spatialqa.degradations import PyrenderRenderer

    scene, frame = busy_view()
    with PyrenderRenderer(scene) as renderer:
        rendered = renderer.render(frame).instance.astype(np.int64)
    ours = instance_mask(scene, frame.id)
    assert (rendered == ours).mean() >= 0.99
    counts = frame_visibility(scene, frame.id)
    edge = boundary(ours) | boundary(rendered)
    for k, instance_id in enumerate(counts.instance_ids):
        theirs = int(np.count_nonzero(rendered == instance_id))
        assert counts.visible_pixels[k] == np.count_nonzero(ours == instance_id)
        # The two may differ only where a pixel centre sits near an outline.
        slack = int(np.count_nonzero(edge & ((ours == instance_id) | (rendered == instance_id))))
        assert abs(int(counts.visible_pixels[k]) - theirs) <= slack, instance_id
    assert np.count_nonzero(counts.visible_pixels) >= 5


def test_silhouettes_agree_with_the_rasteriser_drawing_each_object_alone():
    from dataclasses import replace

    from spatialqa.degradations import PyrenderRenderer
    from spatialqa.scenes import Trajectory

    scene, frame = busy_view()
    counts = frame_visibility(scene, frame.id)
    inside = counts.silhouette_pixels < frame.width * frame.height // 4
    picked = np.argsort(np.where(inside, counts.silhouette_pixels, 0))[-3:]
    assert np.all(counts.silhouette_pixels[picked] > 500)
    for k in picked:
        obj = scene.object(int(counts.instance_ids[k]))
        alone = replace(
            scene, objects=(obj,), structure=(), trajectories=(Trajectory("one", (frame,)),)
        )
        with PyrenderRenderer(alone) as renderer:
            drawn = renderer.render(frame).instance.astype(np.int64) == obj.id
        outline = int(np.count_nonzero(boundary(drawn.astype(np.int64)) & drawn))
        assert abs(int(counts.silhouette_pixels[k]) - int(drawn.sum())) <= outline, obj.id
