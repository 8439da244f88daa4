"""Tasks about one camera's image on the four-views scene (answers worked out on paper: see
four_views_kit): depth order, left/right/above/below/in front, 2D box and point, orientation."""

from __future__ import annotations

import json
import math

import four_views_kit
import pytest
from four_views_kit import spans
from samples_kit import chosen, generate, named


@pytest.fixture(scope="module")
def ctx(scene_kit):
    return four_views_kit.context(scene_kit)


def test_view_grounded_samples_show_their_one_frame(ctx):
    for name in ("depth_order", "ego_relation", "occlusion", "visibility_compare"):
        samples = generate(name, ctx)
        assert samples, name
        assert all(s.views == ("f0",) for s in samples), name
        assert all("camera" in s.question or "image" in s.question for s in samples), name


def test_ego_relations_match_the_boxes(ctx):
    samples = generate("ego_relation", ctx)
    assert len(samples) >= 10
    words = {"x": ("left of", "right of"), "y": ("above", "below"), "z": ("in front of", "behind")}
    for sample in samples:
        args = json.loads(sample.program)["args"]
        axis = args["axis"]
        (a_low, a_high), (b_low, b_high) = spans(args["a"], axis), spans(args["b"], axis)
        before, after = b_low - a_high, a_low - b_high
        assert chosen(sample) == words[axis][0 if before > after else 1]
        assert sample.margin == pytest.approx(max(before, after), abs=1e-6)
        assert sample.margin >= 0.15
        assert sample.choices and len(sample.choices) == 2


def test_object_at_plus_x_is_right_of_one_at_minus_x(ctx):
    samples = generate("ego_relation", ctx)
    sofa_table = [
        s
        for s in samples
        if named(s) == ("sofa", "table") and json.loads(s.program)["args"]["axis"] == "x"
    ]
    assert sofa_table
    for sample in sofa_table:  # sofa x >= 0.7, table x <= -1: gap 1.7 m
        assert chosen(sample) == "right of" and sample.margin == pytest.approx(1.7)


def test_depth_order_of_disjoint_depth_ranges(ctx):
    samples = generate("depth_order", ctx)
    disjoint = 0
    for sample in samples:
        a, b = (ref.instance_id for ref in sample.objects)
        (a_near, a_far), (b_near, b_far) = spans(a, "z"), spans(b, "z")
        if a_far < b_near or b_far < a_near:  # the visible parts' centres cannot cross
            closer = sample.objects[0 if a_far < b_near else 1].category
            assert chosen(sample) == closer
            disjoint += 1
        assert sample.margin >= 0.15
    assert disjoint >= 5


def test_localization_box_and_point_of_the_painting(ctx):
    # Pixel centres u 270..369, v 90..189: their squares span [269.5, 369.5] x [89.5, 189.5];
    # per mille of the image's edges (-0.5 -> 0, 639.5 -> 1000): (x + 0.5) / 640 and
    # (y + 0.5) / 480 -> 421.9, 187.5, 578.1, 395.8.
    (box,) = [s for s in generate("object_localization_2d", ctx) if named(s) == ("painting",)]
    assert box.answer == "[422, 188, 578, 396]" and box.answer_type == "box"
    assert json.loads(box.labels) == {"boxes": {"5": [269.5, 89.5, 369.5, 189.5]}}
    # Centroid (319.5, 139.5) lies on a pixel corner; the first of the four nearest pixel
    # centres in raster order is (319, 139) -> 319.5 / 640, 139.5 / 480 = 499.2, 290.6.
    points = generate("object_localization_2d_point", ctx)
    (point,) = [s for s in points if named(s) == ("painting",)]
    assert point.answer == "[499, 291]" and point.answer_type == "point"
    assert json.loads(point.labels) == {"points": {"5": [319.0, 139.0]}}


def test_orientation_of_the_chair(ctx):
    (sample,) = generate("object_orientation", ctx)
    assert chosen(sample) == "towards the camera" and len(sample.choices) == 4
    angle = math.degrees(math.atan2(-2.5, 9.0))  # to-camera (2.5, -9) against front (0, -1)
    assert sample.margin == pytest.approx(45 - abs(angle))
