"""A frame's composition: the structure share agrees pixel for pixel with the instance mask,
the object count with the visibility, and the pass/fail rule with both."""

from __future__ import annotations

import numpy as np
import pytest

from spatialqa.oracle.framing import framing, passes, structure_pixels
from spatialqa.oracle.visibility import frame_visibility, instance_mask
from spatialqa.scenes import procedural_scene
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID


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
