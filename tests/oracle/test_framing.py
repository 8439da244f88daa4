"""A frame's composition: the structure share agrees pixel for pixel with the instance mask,
the object count with the visibility, and the pass/fail rule with both."""

from __future__ import annotations

import numpy as np
import open3d as o3d
import pytest
from camera_kit import camera

from spatialqa.oracle.framing import framing, passes, structure_pixels
from spatialqa.oracle.tracing import ray_scenes
from spatialqa.oracle.visibility import frame_visibility, instance_mask
from spatialqa.scenes import procedural_scene
from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID
from spatialqa.seeding import rng_for


@pytest.fixture(scope="module")
def rooms():
    return [procedural_scene(3, index, frames=8).resized(160, 120) for index in range(4)]


def test_structure_share_is_the_masks_structure_pixels(rooms):
    background = 0
    for scene in rooms:
        for trajectory in scene.trajectories:
            for frame in trajectory.frames[::2]:
                mask = instance_mask(scene, frame.id)  # a second, per-pixel computation
                measured = framing(scene, frame.id)
                assert structure_pixels(scene, frame.id) == np.count_nonzero(mask == STRUCTURE_ID)
                assert measured.structure_share == np.mean(mask == STRUCTURE_ID)
                assert measured.object_share == np.mean(mask >= 0)
                background += np.count_nonzero(mask == BACKGROUND_ID)
    assert background > 0  # some view looks out of a window or a door: not structure


def every_ray_structure_pixels(scene, frame_id: str) -> int:
    """The structure's pixels from every ray again (the count's first method): all pixels
    less the visible ones less those whose ray meets nothing, neither the structure (any hit
    along the whole ray) nor an object (a closest-hit cast of every ray the structure misses)."""
    scene = scene.at_frame(frame_id)
    counts = frame_visibility(scene, frame_id)
    if not scene.structure:
        return 0
    objects, structure = ray_scenes(scene)
    rays = pixel_rays(scene.frame(frame_id))
    rays[:, 3:] *= 1e6
    walled = structure.test_occlusions(o3d.core.Tensor.from_numpy(rays), tfar=1.0).numpy()
    cast = objects.cast_rays(o3d.core.Tensor.from_numpy(np.ascontiguousarray(rays[~walled])))
    empty = np.count_nonzero(~np.isfinite(cast["t_hit"].numpy()))
    return counts.pixels - int(counts.visible_pixels.sum()) - empty


@pytest.mark.parametrize("index", range(20))
def test_structure_pixels_equal_every_rays_count(index):
    # 20 rooms with pieces that move (the "moved" trajectory), three frames of each drawn at
    # random: the count from the visibility's own record of the pixels no object covers is
    # the count from casting every ray again.
    scene = procedural_scene(7, index, frames=6, moved=True).resized(160, 120)
    frames = [frame.id for trajectory in scene.trajectories for frame in trajectory.frames]
    picked = rng_for("test_framing", index).choice(len(frames), size=3, replace=False)
    picked = [frames[i] for i in picked] + [scene.trajectory("moved").frames[-1].id]
    for frame_id in picked:
        expected = every_ray_structure_pixels(scene, frame_id)
        assert structure_pixels(scene, frame_id) == expected
        mask = instance_mask(scene, frame_id)
        assert expected == np.count_nonzero(mask == STRUCTURE_ID)


def test_a_scene_without_structure_has_no_structure_pixels(scene_kit):
    # A unit cube 5 m ahead covers 100 x 100 px (test_visibility); the rest meets nothing.
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5.5, 0))], frames=[camera(scene_kit)])
    assert structure_pixels(scene, "f0") == 0
    measured = framing(scene, "f0")
    assert measured.object_share == 10_000 / (640 * 480)
    assert measured.structure_share == 0.0


def test_objects_are_those_visible_above_tau(rooms):
    scene = rooms[0]
    for frame in scene.trajectories[0].frames:
        counts = frame_visibility(scene, frame.id)
        share = counts.visible_pixels / counts.pixels
        fraction = counts.visible_pixels / np.maximum(counts.silhouette_pixels, 1)
        expected = np.count_nonzero(
            ((fraction >= 0.05) | (share >= 0.001)) & (counts.visible_pixels > 0)
        )
        assert framing(scene, frame.id).objects == expected


@pytest.mark.parametrize(("max_structure", "min_objects"), [(0.6, 2), (0.3, 4), (0.9, 1)])
def test_the_rule_agrees_with_the_measured_composition(rooms, max_structure, min_objects):
    verdicts = []
    for index, scene in enumerate(rooms):
        fresh = procedural_scene(3, index, frames=8).resized(160, 120)  # nothing cached yet
        for trajectory in scene.trajectories:
            for frame in trajectory.frames:
                measured = framing(scene, frame.id)
                expected = (
                    measured.objects >= min_objects and measured.structure_share <= max_structure
                )
                assert passes(fresh, frame.id, max_structure, min_objects) == expected
                verdicts.append(expected)
    assert 0 < sum(verdicts) < len(verdicts) or max_structure == 0.9


def test_bad_thresholds_are_errors(rooms):
    frame = rooms[0].trajectories[0].frames[0].id
    with pytest.raises(ValueError, match="max_structure must be in"):
        passes(rooms[0], frame, 1.5, 2)
    with pytest.raises(ValueError, match="min_objects must be at least 0"):
        passes(rooms[0], frame, 0.6, -1)
