"""The four skeleton tasks on a hand-built room whose answers are worked out on paper.

Boxes (centre; full size x, y, z; all on the floor, so z spans [0, size_z]):
  table  (1.0, 1.0)   1.2 x 0.8 x 0.75  -> x [0.4, 1.6], y [0.6, 1.4]
  sofa   (4.0, 1.0)   2.0 x 0.9 x 0.8   -> x [3.0, 5.0], y [0.55, 1.45]
  bed    (4.0, 4.05)  2.0 x 1.6 x 0.5   -> x [3.0, 5.0], y [3.25, 4.85]
  lamp   (1.0, 4.1)   0.4 x 0.4 x 1.5   -> x [0.8, 1.2], y [3.9, 4.3]
  chair  (2.3, 2.5) and (2.3, 3.3)  0.5 x 0.5 x 0.9 (two instances: countable, never named)
  vase   (4.0, 4.05)  0.1 x 0.1 x 0.1   -> inside the bed's box, hidden from every view
Two cameras above the room, in front and behind, see every box but the vase.
"""

from __future__ import annotations

import json
import math

import paper_room_kit
import pytest

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.oracle import execute


@pytest.fixture(scope="module")
def room(scene_kit):
    return paper_room_kit.room(scene_kit)


def generate(name: str, ctx: Context, **params):
    return draw_samples(get_task(name)(**params), ctx, limit=100)


def by_categories(samples):
    return {tuple(o.category for o in s.objects): s for s in samples}


def test_only_visible_single_instance_categories_are_named(room):
    assert room.visible == {1, 2, 3, 4, 5, 6}
    assert room.unique == {"bed": 3, "lamp": 4, "sofa": 2, "table": 1}


def test_counting_asks_only_categories_with_two_or_more(room):
    (sample,) = generate("object_counting", room)
    assert sample.answer == "2" and sample.value == 2.0
    assert sample.question_vsi == "How many chair(s) are in this room?"
    assert sorted(o.instance_id for o in sample.objects) == [5, 6]


def test_size_is_the_longest_side_in_centimetres(room):
    answers = {s.objects[0].category: s.answer for s in generate("object_size_estimation", room)}
    # longest sides: table 1.2 m, sofa 2.0 m, bed 2.0 m, lamp 1.5 m (its height)
    assert answers == {"table": "120", "sofa": "200", "bed": "200", "lamp": "150"}


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


def test_rel_direction_hard_quadrants_and_boundary_rejection(room):
    samples = by_categories(generate("object_rel_direction_hard", room))

    def answer_text(sample):
        letter = sample.answer
        return next(c[3:] for c in sample.choices if c.startswith(letter + "."))

    # At the table (1, 1) facing the sofa (4, 1): forward is +x. The bed (4, 4.05) lies at
    # atan2(3.05, 3.0) = 45.5 deg counter-clockwise: front-left, 44.5 deg from a boundary.
    forward_left = samples[("table", "sofa", "bed")]
    assert answer_text(forward_left) == "front-left"
    assert forward_left.margin == pytest.approx(90 - math.degrees(math.atan2(3.05, 3.0)))
    # At the sofa (4, 1) facing the table (1, 1): forward is -x. The lamp (1, 4.1) lies at
    # atan2(3.1, -3) - 180 = -45.9 -> 314.1 deg: front-right (its +y is on the right).
    assert answer_text(samples[("sofa", "table", "lamp")]) == "front-right"
    # At the table facing the sofa, the lamp is at exactly 90 deg: on a boundary, rejected.
    assert ("table", "sofa", "lamp") not in samples
    assert all(s.margin >= 10 for s in samples.values())


@pytest.mark.parametrize(
    "name",
    [
        "object_counting",
        "object_size_estimation",
        "object_abs_distance",
        "object_rel_direction_hard",
    ],
)
def test_programs_re_execute_and_generation_is_deterministic(room, name):
    first = generate(name, room)
    assert first, name
    again = generate(name, Context(room.scene, room.views, seed=0))
    assert first == again
    task = get_task(name)
    for sample in first:
        assert sample.answer_type == task.answer_type
        fact = execute(json.loads(sample.program), room.scene)
        if sample.answer_type == "mc":
            assert f"{sample.answer}. {fact.value}" in sample.choices
        else:
            assert sample.value == fact.value
