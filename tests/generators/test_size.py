"""Size tasks on the paper room (answers worked out on paper: see paper_room_kit), on an annotated
box, and on a procedural room against its vertices: object size, room size, size comparison,
height difference."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from samples_kit import check_programs, chosen, generate

from spatialqa.errors import ConfigError
from spatialqa.generators import Context, get_task
from spatialqa.oracle import execute
from spatialqa.scenes import OrientedBox, SceneObject


def test_size_is_the_longest_side_in_centimetres(room):
    answers = {s.objects[0].category: s.answer for s in generate("object_size_estimation", room)}
    # longest sides: table 1.2 m, sofa 2.0 m, bed 2.0 m, lamp 1.5 m (its height)
    assert answers == {"table": "120", "sofa": "200", "bed": "200", "lamp": "150"}


def by_categories(samples):
    return {frozenset(o.category for o in s.objects): s for s in samples}


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
