"""Distance tasks on the paper room (answers worked out on paper: see paper_room_kit) and on a
procedural room against an independent distance (python-fcl): absolute, relative (nearest of
several), camera to object."""

from __future__ import annotations

import math
from collections import Counter

import fcl
import numpy as np
import pytest
import trimesh
from paper_room_kit import LARGE, measured_room
from samples_kit import by_categories, check_programs, chosen, generate

from spatialqa.oracle import frame_visibility


def test_abs_distance_between_closest_points(room):
    samples = by_categories(generate("object_abs_distance", room))
    expected = {
        ("sofa", "table"): 1.4,  # x gap 3.0 - 1.6, y ranges overlap
        ("bed", "table"): math.hypot(3.0 - 1.6, 3.25 - 1.4),  # corner to corner: 2.32
        ("lamp", "table"): 3.9 - 1.4,  # y gap, x ranges overlap: 2.5
        ("bed", "sofa"): 3.25 - 1.45,  # y gap: 1.8
        ("lamp", "sofa"): math.hypot(3.0 - 1.2, 3.9 - 1.45),  # 3.04
        ("bed", "lamp"): 3.0 - 1.2,  # x gap, y ranges overlap: 1.8
    }
    assert len(samples) == 6
    for pair, distance in expected.items():
        sample = samples.get(pair) or samples[pair[::-1]]
        assert sample.value == pytest.approx(distance, abs=1e-5)
        assert sample.answer == f"{distance:.1f}"
        assert sample.unit == "m" and sample.metric == "mra"
        assert "closest point" in sample.question


def test_rel_distance_answers_and_the_large_room_threshold(scene_kit, small):
    # From the table: chair 0.96 (hypot(0.45, 0.85)), sofa 1.4, bed 2.32, lamp 2.5: nearest
    # chair, least gap bed-lamp 0.18. From the sofa: chair 0.92, table 1.4, bed 1.8, lamp 3.04.
    # From the lamp: chair 0.92, bed 1.8, table 2.5, sofa 3.04. From the bed the sofa and the
    # lamp are both 1.8 away: always rejected.
    samples = {s.objects[0].category: s for s in generate("object_rel_distance", small)}
    assert set(samples) == {"table", "sofa", "lamp"}
    assert all(chosen(s) == "chair" for s in samples.values())
    assert samples["table"].margin == pytest.approx(1.4 - math.hypot(0.45, 0.85))
    assert samples["sofa"].question_vsi.startswith(
        "Measuring from the closest point of each object, which of these objects ("
    )
    assert len(samples["sofa"].choices) == 4
    check_programs(samples.values(), small.scene)
    # In a 45 m^2 room the ambiguity threshold is 0.30 m: the table's 0.18 m gap is rejected.
    large = {
        s.objects[0].category
        for s in generate("object_rel_distance", measured_room(scene_kit, LARGE))
    }
    assert large == {"sofa", "lamp"}
    # Three candidates: every 3-subset of the four others, per anchor.
    three = generate("object_rel_distance", small, choices=3)
    assert three and all(len(s.choices) == 3 for s in three)


def test_camera_distance_is_view_grounded(small):
    samples = generate("camera_object_distance", small)
    assert samples and all(len(s.views) == 1 for s in samples)
    scene = small.scene
    for sample in samples:
        (ref,) = sample.objects
        frame = scene.frame(sample.views[0])
        # Independent: trimesh's closest point on the mesh.
        _, distance, _ = trimesh.proximity.closest_point(
            scene.object(ref.instance_id).mesh, frame.center[None, :]
        )
        assert sample.value == pytest.approx(distance[0], abs=1e-6)
        assert sample.answer == f"{sample.value:.1f}" or abs(sample.value * 10 % 1 - 0.5) < 1e-9
        assert ref.category != "chair"  # two chairs are visible in each view: never named
        counts = frame_visibility(scene, sample.views[0])
        assert counts.is_visible()[counts.index(ref.instance_id)]
    check_programs(samples, scene)


def fcl_object(mesh):
    model = fcl.BVHModel()
    model.beginModel(len(mesh.vertices), len(mesh.faces))
    model.addSubModel(np.asarray(mesh.vertices), np.asarray(mesh.faces))
    model.endModel()
    return fcl.CollisionObject(model, fcl.Transform())


def test_procedural_rel_distance_against_fcl(procedural):
    scene = procedural.scene
    meshes = {obj.id: fcl_object(obj.mesh) for obj in scene.objects}

    def fcl_distance(a, b):
        return fcl.distance(meshes[a], meshes[b], fcl.DistanceRequest(), fcl.DistanceResult())

    samples = generate("object_rel_distance", procedural, limit=8)
    assert samples
    for sample in samples:
        anchor = sample.objects[0].instance_id
        listed = [c[3:] for c in sample.choices]
        nearest = {
            category: min(fcl_distance(anchor, i) for i in scene.categories[category])
            for category in listed
        }
        ranked = sorted(nearest.values())
        assert min(nearest, key=nearest.get) == chosen(sample)
        assert ranked[1] - ranked[0] == pytest.approx(sample.margin, abs=1e-4)
        assert ranked[0] >= 0.15 - 1e-4 and min(np.diff(ranked)) >= 0.15 - 1e-4


def test_procedural_answers_are_spread_and_letters_balanced(procedural):
    samples = generate("object_rel_distance", procedural, limit=20)
    letters = Counter(s.answer for s in samples)
    assert max(letters.values()) - min(letters.values()) <= 1
