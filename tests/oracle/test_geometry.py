"""The per-scene cache of derived geometry: built once per scene, released with it, and
shared by every fact family.

The expensive constructors (surface sampling, minimal OBBs, ray-casting scenes) are wrapped
with counters: asking every registered operation twice builds nothing the second time, and a
frame's visibility for all instances is one batch of rays.
"""

import gc
from collections import Counter

import numpy as np
import open3d as o3d
import pytest
import symmetry_kit as kit
import trimesh

import spatialqa.oracle.boxes as boxes
from spatialqa.oracle import (
    frame_visibility,
    object_distance,
    object_size,
    relative_direction,
)
from spatialqa.oracle.geometry import _CACHE, derived
from spatialqa.oracle.program import OPERATIONS
from spatialqa.scenes import procedural_scene
from spatialqa.seeding import rng_for


def test_derived_is_cached_per_scene_and_released_with_it(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 0, 0.5))])
    assert derived(scene) is derived(scene)
    assert derived(scene).ray_scene is derived(scene).ray_scene
    gc.collect()  # scenes of earlier tests leave the cache now, not in the count below
    before = len(_CACHE)
    del scene
    gc.collect()
    assert len(_CACHE) == before - 1


def test_samples_are_deterministic_and_on_the_surface(scene_kit):
    boxes = [scene_kit.Box(1, "box", (0, 0, 0.5), (1, 2, 1), 30)]
    one, two = scene_kit.scene(boxes), scene_kit.scene(boxes)
    first, second = derived(one).samples(1), derived(two).samples(1)
    assert np.array_equal(first, second)
    # 10 m^2 of surface at one sample per cm^2, capped at 50,000, plus the 8 vertices.
    assert len(first) == 50_008
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    local = (first - [0, 0, 0.5]) @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    assert np.all(np.abs(local) <= [0.5 + 1e-9, 1 + 1e-9, 0.5 + 1e-9])
    on_a_face = np.isclose(np.abs(local), [0.5, 1.0, 0.5], atol=1e-9).any(axis=1)
    assert on_a_face.all()


def test_geometry_ids_map_to_instances_structure_and_misses(scene_kit):
    wall = scene_kit.box_mesh((0, 3, 0), (4, 0.1, 4))
    scene = scene_kit.scene(
        [scene_kit.Box(7, "a", (0, 0, 0.5)), scene_kit.Box(3, "b", (2, 0, 0.5))], structure=[wall]
    )
    geometry = derived(scene)
    assert geometry.geometry_instance.tolist() == [7, 3, -1, -2]
    ids = np.array([0, 1, 2, 4294967295], dtype=np.uint32)
    assert geometry.instances_of(ids).tolist() == [7, 3, -1, -2]


PROBE_RAYS = 8
"""A batch of at most this many rays is a question's own probe (point correspondence casts one
ray from each camera through its point), not a frame's visibility pass: it is not counted."""


@pytest.fixture
def counted(monkeypatch):
    """Counters of calls to the expensive builders, and of ray batches cast (probes aside)."""
    counts: Counter[str] = Counter()

    def counting(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        trimesh.sample, "sample_surface", counting("samples", trimesh.sample.sample_surface)
    )
    monkeypatch.setattr(boxes, "obb_of_points", counting("obb", boxes.obb_of_points))

    class CountingScene(o3d.t.geometry.RaycastingScene):
        def __init__(self, *args, **kwargs):
            counts["ray_scene"] += 1
            super().__init__(*args, **kwargs)

        def list_intersections(self, *args, **kwargs):
            counts["list_intersections"] += 1
            return super().list_intersections(*args, **kwargs)

        def cast_rays(self, rays, *args, **kwargs):
            if len(rays) > PROBE_RAYS:
                counts["cast_rays"] += 1
            return super().cast_rays(rays, *args, **kwargs)

    monkeypatch.setattr(o3d.t.geometry, "RaycastingScene", CountingScene)
    return counts


def every_fact(scene, seed: int) -> list:
    return [
        OPERATIONS[op](scene, **call.kwargs)
        for op in sorted(set(OPERATIONS) & set(kit.OP_SPECS))
        for call in kit.OP_SPECS[op].calls(scene, rng_for("cache", seed, op))
    ]


def test_asking_every_fact_again_builds_nothing(counted):
    scene = kit.annotated(procedural_scene(3, 1, frames=2))
    first = every_fact(scene, 0)
    built, memo_builds = Counter(counted), Counter(derived(scene).builds)
    assert built["ray_scene"] >= 1 and built["obb"] >= 1
    second = every_fact(scene, 0)
    assert counted == built, "a repeated fact rebuilt derived geometry"
    assert derived(scene).builds == memo_builds
    assert [f.value for f in second] == [f.value for f in first]


def test_fact_families_share_one_box_per_object(counted):
    scene = procedural_scene(3, 1, frames=1)
    a, b, c = (obj.id for obj in scene.objects[:3])
    object_size(scene, a)
    object_distance(scene, a, b, method="centroid")
    object_distance(scene, b, a, method="closest")
    relative_direction(scene, a, b, c)
    relative_direction(scene, c, b, a, "medium")
    assert counted["obb"] == 3  # a, b and c, each once
    assert derived(scene).builds["minimal_obb"] == 3


def test_one_frame_is_a_few_chunks_of_rays_for_every_instance(counted):
    # Every instance of a frame from the same rays: as many batches as chunks of
    # _rays_per_chunk rays (memory bounded by a hit budget), never one per object.
    import math
    import sys

    module = sys.modules["spatialqa.oracle.tracing"]
    scene = max(
        (procedural_scene(3, index, frames=2) for index in range(6)), key=lambda s: len(s.objects)
    )
    assert len(scene.objects) >= 8
    first, second = scene.trajectories[0].frames[:2]
    rays = first.width * first.height * 17 / 16  # the image and at most 1/16 beyond it
    chunks = math.ceil(rays / module.rays_per_chunk(len(scene.objects)))
    assert chunks < len(scene.objects)
    frame_visibility(scene, first.id)
    assert 1 <= counted["list_intersections"] <= chunks
    frame_visibility(scene, second.id)
    # The second frame reuses the ray-casting scenes.
    assert counted["list_intersections"] <= 2 * chunks
    assert derived(scene).builds["visibility_ray_scenes"] == 1


def test_a_new_scene_gets_its_own_cache_and_the_same_answers():
    one, two = procedural_scene(3, 1, frames=1), procedural_scene(3, 1, frames=1)
    a, b = one.objects[0].id, one.objects[1].id
    assert object_distance(one, a, b).value == object_distance(two, a, b).value
    assert derived(one) is not derived(two)
    assert derived(one).builds["closest"] == derived(two).builds["closest"] == 1
