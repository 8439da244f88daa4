"""Existence and first-appearance order on the four-views scene (see four_views_kit): each camera
sees its own cube at its own time."""

from __future__ import annotations

import json

import four_views_kit
import pytest
from four_views_kit import BOXES, CHAIR
from samples_kit import chosen, generate

from spatialqa.oracle import execute


@pytest.fixture(scope="module")
def ctx(scene_kit):
    return four_views_kit.context(scene_kit)


def test_existence_both_polarities(ctx):
    samples = generate("object_existence", ctx, limit=40)
    answers = [s.answer for s in samples]
    assert answers.count("yes") == answers.count("no") > 0
    verdict = {json.loads(s.program)["args"]["category"]: s.answer for s in samples}
    assert {"yes", "no"} <= set(verdict.values())
    for category, answer in verdict.items():
        if category in {"vase", "piano"}:  # hidden in the table / not in the scene
            assert answer == "no"
        elif category in {c for _, c, _, _ in [*BOXES, CHAIR]} - {"vase"}:
            assert answer == "yes"
        else:
            assert answer == "no"  # a category of the vocabulary, absent here
    for sample in samples:
        assert execute(json.loads(sample.program), ctx.scene).value == sample.answer


def test_appearance_order_by_timestamps(ctx):
    samples = generate("obj_appearance_order", ctx)
    assert samples
    for sample in samples:
        order = chosen(sample).split(", ")
        assert order[1:] == ["bin", "bed", "desk"]  # 1.5 s, 3.0 s, 4.5 s
        assert order[0] in {"chair", "lamp", "painting", "screen", "sofa", "table", "target"}
        listed = json.loads(sample.program)["args"]["categories"]
        assert sample.question_vsi == (
            "What will be the first-time appearance order of the following categories in the "
            f"video: {', '.join(listed)}?"
        )
        assert len(set(sample.choices)) == 4 and sample.margin == pytest.approx(1.5)
