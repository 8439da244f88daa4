"""The per-scene cache of derived geometry."""

import gc

import numpy as np

from spatialqa.oracle import derived
from spatialqa.oracle.geometry import _CACHE


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
