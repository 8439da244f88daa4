"""Measurement and comparison tasks on a hand-built room whose answers are worked out on paper,
and on a procedural room against independent computations (python-fcl, trimesh).

Boxes (centre; full size x, y, z; all on the floor, so z spans [0, size_z]):
  table  (1.0, 1.0)   1.2 x 0.8 x 0.75  -> x [0.4, 1.6],   y [0.6, 1.4],   volume 0.72
  sofa   (4.0, 1.0)   2.0 x 0.9 x 0.8   -> x [3.0, 5.0],   y [0.55, 1.45], volume 1.44
  bed    (4.0, 4.05)  2.0 x 1.6 x 0.5   -> x [3.0, 5.0],   y [3.25, 4.85], volume 1.6
  lamp   (1.0, 4.1)   0.4 x 0.4 x 1.5   -> x [0.8, 1.2],   y [3.9, 4.3],   volume 0.24
  chair  (2.3, 2.5)   0.5 x 0.5 x 0.9   -> x [2.05, 2.55], y [2.25, 2.75]
  chair  (2.3, 3.3)   0.5 x 0.5 x 0.9   -> x [2.05, 2.55], y [3.05, 3.55]
Two cameras above the room see every box.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import fcl
import numpy as np
import pytest
import trimesh

from spatialqa.errors import ConfigError
from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.oracle import execute, frame_visibility
from spatialqa.scenes import OrientedBox, SceneObject, procedural_scene

BOXES = [
    (1, "table", (1.0, 1.0), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.0, 1.0), (2.0, 0.9, 0.8)),
    (3, "bed", (4.0, 4.05), (2.0, 1.6, 0.5)),
    (4, "lamp", (1.0, 4.1), (0.4, 0.4, 1.5)),
    (5, "chair", (2.3, 2.5), (0.5, 0.5, 0.9)),
    (6, "chair", (2.3, 3.3), (0.5, 0.5, 0.9)),
]
SMALL = [[-0.5, -0.5], [5.5, -0.5], [5.5, 4.5], [-0.5, 4.5]]  # 6 x 5 = 30 m^2
LARGE = [[-0.5, -0.5], [8.5, -0.5], [8.5, 4.5], [-0.5, 4.5]]  # 9 x 5 = 45 m^2


def room(scene_kit, footprint=SMALL):
    boxes = [
        scene_kit.Box(i, category, (x, y, size[2] / 2), size) for i, category, (x, y), size in BOXES
    ]
    frames = [
        scene_kit.frame("f0", scene_kit.look_at((2.6, -4.0, 5.0), (2.6, 2.6, 0.4)), focal=300),
        scene_kit.frame(
            "f1", scene_kit.look_at((2.6, 8.0, 5.0), (2.6, 2.6, 0.4)), focal=300, t=1.0
        ),
    ]
    scene = scene_kit.scene(boxes, frames=frames, footprint=footprint)
    return Context(scene, ("f0", "f1"), seed=0)


@pytest.fixture(scope="module")
def small(scene_kit):
    return room(scene_kit)


def generate(name, ctx, limit=100, **params):
    return draw_samples(get_task(name)(**params), ctx, limit=limit)


def chosen(sample):
    """The text of the option the answer letter names."""
    return next(c[3:] for c in sample.choices if c.startswith(sample.answer + "."))


def by_categories(samples):
    return {frozenset(o.category for o in s.objects): s for s in samples}


def check_programs(samples, scene):
    for sample in samples:
        fact = execute(json.loads(sample.program), scene)
        if sample.answer_type == "mc":
            assert f"{sample.answer}. {fact.value}" in sample.choices
        else:
            assert sample.value == fact.value


def test_room_size_from_the_footprint_and_the_vsi_recipe(scene_kit, small):
    (sample,) = generate("room_size_estimation", small)
    assert sample.answer == "30.0" and sample.value == pytest.approx(30.0)
    assert sample.unit == "m^2" and sample.objects == ()
    assert sample.question_vsi.startswith("What is the size of this room (in square meters)?")
    (vsi,) = generate("room_size_estimation", small, method="vsi_alpha5")
    program = json.loads(vsi.program)
    assert program["args"]["method"] == "vsi_alpha5" and isinstance(program["args"]["seed"], int)
    assert execute(program, small.scene).value == vsi.value
    # Without a floor slab the scene cloud is the furniture alone: far less than the room.
    assert 0 < vsi.value < 30.0
    with pytest.raises(ConfigError, match="method"):
        get_task("room_size_estimation")(method="lidar")


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
    large = {s.objects[0].category for s in generate("object_rel_distance", room(scene_kit, LARGE))}
    assert large == {"sofa", "lamp"}
    # Three candidates: every 3-subset of the four others, per anchor.
    three = generate("object_rel_distance", small, choices=3)
    assert three and all(len(s.choices) == 3 for s in three)


def test_size_comparison_by_volume_and_height(small):
    volume = by_categories(generate("size_comparison", small))
    expected = {
        ("table", "sofa"): "sofa",
        ("table", "bed"): "bed",
        ("table", "lamp"): "table",
        ("sofa", "bed"): "bed",  # 1.6 / 1.44 = 1.11: 11% bigger, kept
        ("sofa", "lamp"): "sofa",
        ("bed", "lamp"): "bed",
    }
    assert len(volume) == 6
    for pair, answer in expected.items():
        assert chosen(volume[frozenset(pair)]) == answer, pair
    assert volume[frozenset(("sofa", "bed"))].margin == pytest.approx(1.6 / 1.44 - 1)
    # Heights: table 0.75 and sofa 0.8 differ by 6.7% < 10%: rejected.
    height = by_categories(generate("size_comparison", small, quantity="height"))
    assert len(height) == 5 and frozenset(("table", "sofa")) not in height
    assert chosen(height[frozenset(("lamp", "bed"))]) == "lamp"
    check_programs([*volume.values(), *height.values()], small.scene)


def test_size_comparison_keeps_exactly_ten_percent(scene_kit):
    # Heights 1.25 and 1.375 differ by exactly 10%: kept; 1.25 and 1.374 (9.92%): rejected.
    def pair(top):
        boxes = [
            scene_kit.Box(1, "crate", (0, 0, 0.625), (1, 1, 1.25)),
            scene_kit.Box(2, "shelf", (3, 0, top / 2), (1, 1, top)),
        ]
        frame = scene_kit.frame("f0", scene_kit.look_at((1.5, -5, 3), (1.5, 0, 0.6)), focal=300)
        return Context(scene_kit.scene(boxes, frames=[frame]), ("f0",), seed=0)

    (kept,) = generate("size_comparison", pair(1.375), quantity="height")
    assert kept.margin == 0.1 and chosen(kept) == "shelf"
    assert generate("size_comparison", pair(1.374), quantity="height") == []


def test_height_difference_between_centres(small):
    # Centre heights: table 0.375, sofa 0.4, bed 0.25, lamp 0.75. table-sofa (0.025 m) is
    # below the 0.1 m threshold.
    samples = by_categories(generate("height_difference", small))
    expected = {  # pair: (difference, answer rounded half up to 0.01 m)
        ("bed", "table"): (0.125, "0.13"),
        ("lamp", "table"): (0.375, "0.38"),
        ("bed", "sofa"): (0.15, "0.15"),
        ("lamp", "sofa"): (0.35, "0.35"),
        ("bed", "lamp"): (0.5, "0.50"),
    }
    assert len(samples) == 5
    for pair, (difference, answer) in expected.items():
        sample = samples[frozenset(pair)]
        assert sample.value == pytest.approx(difference, abs=1e-12)
        assert sample.answer == answer and "center" in sample.question
    # No box stands above another: every gap is zero, every gap question rejected.
    assert generate("height_difference", small, mode="gap") == []
    check_programs(samples.values(), small.scene)


def test_count_compare_rejects_ties(small):
    samples = generate("object_count_compare", small)
    # chair (2) against each single-instance category; every other pair is a tie.
    others = sorted(o.category for s in samples for o in s.objects if o.category != "chair")
    assert others == ["bed", "lamp", "sofa", "table"]
    assert all(chosen(s) == "chair" and s.margin == 1.0 for s in samples)
    check_programs(samples, small.scene)


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


def test_size_and_distance_variants(small):
    sizes = {s.objects[0].category: s.answer for s in generate("object_size_estimation", small)}
    heights = {
        s.objects[0].category: s.answer
        for s in generate("object_size_estimation", small, box="gravity_obb", axis="height")
    }
    widths = {
        s.objects[0].category: s.answer
        for s in generate("object_size_estimation", small, box="aabb", axis="width")
    }
    assert sizes == {"table": "120", "sofa": "200", "bed": "200", "lamp": "150"}
    assert heights == {"table": "75", "sofa": "80", "bed": "50", "lamp": "150"}
    assert widths == {"table": "80", "sofa": "90", "bed": "160", "lamp": "40"}
    # Annotated boxes: the hand-built objects have none, so nothing is asked.
    assert generate("object_size_estimation", small, box="annotated") == []
    with pytest.raises(ConfigError, match="axis"):
        get_task("object_size_estimation")(axis="depth")
    # Box centres: table (1, 1, 0.375) to sofa (4, 1, 0.4); the question says "centers".
    centroid = by_categories(generate("object_abs_distance", small, method="centroid"))
    sample = centroid[frozenset(("table", "sofa"))]
    assert sample.value == pytest.approx(math.hypot(3.0, 0.025)) and "center" in sample.question
    assert sample.question_vsi is None
    # VSI's grids: the table's and the sofa's faces x = 1.6 and x = 3.0 face each other, and
    # their grids share y values (step 0.05 from 0.6 and from 0.55) and z values (step 0.05
    # from 0): 1.4 m.
    grid = by_categories(generate("object_abs_distance", small, method="vsi_grid"))
    assert grid[frozenset(("table", "sofa"))].value == pytest.approx(1.4, abs=1e-9)
    check_programs([*centroid.values(), *grid.values()], small.scene)


def fcl_object(mesh):
    model = fcl.BVHModel()
    model.beginModel(len(mesh.vertices), len(mesh.faces))
    model.addSubModel(np.asarray(mesh.vertices), np.asarray(mesh.faces))
    model.endModel()
    return fcl.CollisionObject(model, fcl.Transform())


@pytest.fixture(scope="module")
def procedural():
    scene = procedural_scene(0, 0)
    views = tuple(frame.id for frame in scene.trajectories[0].frames[::4])
    return Context(scene, views, seed=0)


NAMES = [
    ("object_rel_distance", {}),
    ("size_comparison", {"quantity": "height"}),
    ("height_difference", {}),
    ("object_count_compare", {}),
    ("camera_object_distance", {}),
    ("room_size_estimation", {}),
    ("object_abs_distance", {"method": "vsi_grid"}),
    ("object_size_estimation", {"box": "gravity_obb", "axis": "length"}),
]


@pytest.mark.parametrize(("name", "params"), NAMES, ids=[n for n, _ in NAMES])
def test_procedural_programs_types_and_determinism(procedural, name, params):
    samples = generate(name, procedural, limit=12, **params)
    assert samples, name
    task = get_task(name)
    for sample in samples:
        assert sample.answer_type == task.answer_type
        assert len(set(map(str.lower, sample.question.split()))) > 3
        assert sample.rationale.startswith("1. ")
    check_programs(samples, procedural.scene)
    again = generate(name, Context(procedural.scene, procedural.views, seed=0), limit=12, **params)
    assert samples == again


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


def test_procedural_size_and_height_against_the_vertices(procedural):
    scene = procedural.scene
    z = {obj.id: np.ptp(obj.mesh.vertices[:, 2]) for obj in scene.objects}
    for sample in generate("size_comparison", procedural, limit=12, quantity="height"):
        a, b = (ref.instance_id for ref in sample.objects)
        taller = a if z[a] > z[b] else b
        assert chosen(sample) == scene.object(taller).category
        assert max(z[a], z[b]) / min(z[a], z[b]) - 1 >= 0.1
    for sample in generate("height_difference", procedural, limit=12):
        a, b = (scene.object(ref.instance_id).mesh.vertices[:, 2] for ref in sample.objects)
        middle = abs((a.min() + a.max()) / 2 - (b.min() + b.max()) / 2)
        assert sample.value == pytest.approx(middle, abs=1e-12)


def test_procedural_answers_are_spread_and_letters_balanced(procedural):
    samples = generate("object_rel_distance", procedural, limit=20)
    letters = Counter(s.answer for s in samples)
    assert max(letters.values()) - min(letters.values()) <= 1


def test_size_from_annotated_boxes(scene_kit):
    # The dataset's box (1.5 x 0.7 x 1.0) answers, not the mesh (1.4 x 0.6 x 0.9).
    desk = SceneObject(
        1,
        "desk",
        mesh=scene_kit.box_mesh((0, 0, 0.45), (1.4, 0.6, 0.9)),
        annotated_box=OrientedBox(center=[0, 0, 0.5], extent=[1.5, 0.7, 1.0], rotation=np.eye(3)),
    )
    frame = scene_kit.frame("f0", scene_kit.look_at((0, -4, 2), (0, 0, 0.5)))
    ctx = Context(scene_kit.scene([], frames=[frame], extra_objects=[desk]), ("f0",), seed=0)
    (longest,) = generate("object_size_estimation", ctx, box="annotated")
    (height,) = generate("object_size_estimation", ctx, box="annotated", axis="height")
    assert (longest.answer, height.answer) == ("150", "100")
    assert height.question_vsi is None and "annotated" in height.rationale
