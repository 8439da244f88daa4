"""Visibility tasks on the four-views scene (see four_views_kit): occlusion (the screen hides half
the target), which of two objects shows more of itself."""

from __future__ import annotations

import four_views_kit
import pytest
from samples_kit import chosen, generate, named

from spatialqa.oracle import frame_visibility


@pytest.fixture(scope="module")
def ctx(scene_kit):
    return four_views_kit.context(scene_kit)


def test_occlusion_yes_is_the_screen_over_the_target(ctx):
    samples = generate("occlusion", ctx)
    answers = [s.answer for s in samples]
    assert answers.count("yes") == answers.count("no") >= 1
    (yes,) = [s for s in samples if s.answer == "yes"]
    assert named(yes) == ("target", "screen")
    assert "1250 px" in yes.rationale and "2500 px" in yes.rationale
    assert yes.margin == pytest.approx(0.4)
    counts = frame_visibility(ctx.scene, "f0")
    for no in (s for s in samples if s.answer == "no"):  # hard negatives: occluder nearer
        target, occluder = (counts.depths[counts.index(ref.instance_id)] for ref in no.objects)
        assert occluder <= target


def test_visibility_compare_half_hidden_target(ctx):
    samples = generate("visibility_compare", ctx)
    pairs = {frozenset(named(s)): s for s in samples}
    sample = pairs[frozenset({"target", "sofa"})]  # 50% of the target against all the sofa
    assert chosen(sample) == "sofa" and sample.margin == pytest.approx(0.5)
