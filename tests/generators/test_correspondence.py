"""Point correspondence questions on two cameras over a plane, where every answer is a pixel
shift worked on paper: both cameras look straight down from 2 m (f = 100 px, 200 x 200), b
is 3 m to the right of a, so a point of the plane that a shows at (u, v) b shows at
(u - 150, v) (3 m of baseline x f / depth = 3 x 100 / 2 px), and back (u + 150, v)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from spatialqa.errors import ConfigError
from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.oracle import execute

SHIFT = {("a", "b"): -150.0, ("b", "a"): 150.0}
DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]).T


def plane(scene_kit, b_at: float = 3.0) -> Context:
    def pose(x: float) -> np.ndarray:
        out = np.eye(4)
        out[:3, :3] = DOWN
        out[:3, 3] = [x, 0.0, 2.0]
        return out

    frames = [
        scene_kit.frame("a", pose(0.0), focal=100.0, width=200, height=200),
        scene_kit.frame("b", pose(b_at), focal=100.0, width=200, height=200, t=1.0),
    ]
    rug = scene_kit.Box(1, "rug", (1.5, 0.0, -0.05), (20.0, 20.0, 0.1))
    return Context(scene_kit.scene([rug], frames=frames), ("a", "b"), seed=0)


def thousandths(pixel: float) -> int:
    """0..1000 of a 200 px side: the edges -0.5 and 199.5 are 0 and 1000."""
    return math.floor((pixel + 0.5) * 5 + 0.5)


def test_coordinates_are_the_paper_shift(scene_kit):
    samples = draw_samples(get_task("point_correspondence_coords")(), plane(scene_kit), 12)
    assert len(samples) == 2  # one per ordered pair: (a, b) and (b, a)
    for sample in samples:
        points = json.loads(sample.labels)["view_points"]
        u, v = points["query"]["xy"]
        first, second = sample.views
        assert (points["query"]["view"], points["answer"]["view"]) == (first, second)
        expected = (u + SHIFT[first, second], v)
        assert points["answer"]["xy"] == pytest.approx(expected, abs=1e-4)
        # Both pixels keep 10 px inside the image: [9.5, 189.5].
        assert 9.5 <= min(u, v, *expected) and max(u, v, *expected) <= 189.5
        query = re.search(r"\[(\d+), (\d+)\]", sample.question).groups()
        assert [int(q) for q in query] == [thousandths(u), thousandths(v)]
        assert json.loads(sample.answer) in (
            [thousandths(expected[0]), thousandths(expected[1])],
            # An integer pixel lands on a rounding boundary ((v + 0.5) * 5 + 0.5 = 5 v + 3):
            # float32 rays may put the shifted one a hair below it.
            [thousandths(expected[0] - 1e-4), thousandths(expected[1] - 1e-4)],
        )
        assert sample.objects[0].category == "rug" and sample.objects[0].role == "marked"


def test_the_answer_mark_is_the_shifted_point_and_the_others_keep_apart(scene_kit):
    samples = draw_samples(get_task("point_correspondence")(), plane(scene_kit), 12)
    assert len(samples) == 2
    for sample in samples:
        first, second = sample.views
        marks = json.loads(sample.labels)["marks"]
        (ref,) = marks[first]
        assert ref["label"] == "REF"
        labelled = {m["label"]: np.array(m["xy"]) for m in marks[second]}
        assert sorted(labelled) == ["A", "B", "C", "D"]
        assert [c[3:] for c in sample.choices] == ["point A", "point B", "point C", "point D"]
        u, v = ref["xy"]
        assert labelled[sample.answer] == pytest.approx([u + SHIFT[first, second], v], abs=1e-4)
        points = np.array(list(labelled.values()))
        apart = np.linalg.norm(points[:, None] - points[None], axis=2)[np.triu_indices(4, 1)]
        assert apart.min() >= 0.05 * 200  # 10 px
        assert np.all(points >= 9.5) and np.all(points <= 189.5)
        assert f"point {sample.answer}" in sample.rationale


def test_pairs_outside_the_overlap_range_are_not_asked(scene_kit):
    # b 1 m from a: a's grid points with u >= 49.5 are seen, 19 of 25 columns: 0.76.
    near = plane(scene_kit, b_at=1.0)
    assert not draw_samples(get_task("point_correspondence_coords")(), near, 4)
    wide = get_task("point_correspondence_coords")(max_overlap=0.8)
    assert len(draw_samples(wide, near, 4)) == 2


@pytest.mark.parametrize(
    "params, field",
    [
        ({"min_overlap": 0.5, "max_overlap": 0.4}, "min_overlap"),
        ({"min_gap": 0.0}, "min_gap"),
        ({"stride": 0}, "stride"),
        ({"stride": 2.5}, "stride"),
    ],
)
def test_bad_params_name_the_field(params, field):
    with pytest.raises(ConfigError, match=f"params.{field}"):
        get_task("point_correspondence")(**params)


@pytest.mark.parametrize("name", ["point_correspondence", "point_correspondence_coords"])
def test_the_hint_names_the_overlap_range_the_params_ask(name):
    task = get_task(name)
    params = task.Params()  # the defaults: 0.06 and 0.35, as GROUND_TRUTH.md sets them
    assert (params.min_overlap, params.max_overlap) == (0.06, 0.35)
    assert "overlap by 0.06-0.35" in task.hint and task.describe()["hint"] == task.hint


def three(scene_kit) -> Context:
    """a and b of ``plane`` delivered, c (3 m to the left of a) only in the trajectory.

    On the plane each camera sees 4 m across (200 px x 2 m / 100 px): a [-2, 2] m, b [1, 5],
    c [-5, -1]. b and c each see a quarter of a (overlap 0.25 both ways: asked pairs), and
    not each other. A point of a's left quarter (pixel u < 49.5: world x = (u - 99.5) / 50
    < -1) is out of b's view, at (u - 150, v), and in c's, at (u + 150, v): 10 px inside c's
    image when u + 150 <= 189.5, so u <= 39.5.
    """
    frames = [
        scene_kit.frame("a", _down(0.0), focal=100.0, width=200, height=200),
        scene_kit.frame("b", _down(3.0), focal=100.0, width=200, height=200, t=1.0),
        scene_kit.frame("c", _down(-3.0), focal=100.0, width=200, height=200, t=2.0),
    ]
    rug = scene_kit.Box(1, "rug", (0.0, 0.0, -0.05), (20.0, 20.0, 0.1))
    scene = scene_kit.scene([rug], frames=frames)
    return Context(scene, ("a", "b"), seed=0, trajectory=("a", "b", "c"), abstention=1.0)


def _down(x: float) -> np.ndarray:
    out = np.eye(4)
    out[:3, :3] = DOWN
    out[:3, 3] = [x, 0.0, 2.0]
    return out


@pytest.mark.parametrize("name", ["point_correspondence", "point_correspondence_coords"])
def test_a_point_only_an_undelivered_view_sees_abstains(scene_kit, name):
    ctx = three(scene_kit)
    samples = draw_samples(get_task(name)(), ctx, 12)
    # The abstention search's drafts over (a, c) and (c, a) mark a point of a's left quarter
    # (the second through the pixel a shows it at); those over (a, b), (b, a) are seen in
    # both, (b, c), (c, b) overlap 0. The rest of the 12 are the two answerable ones.
    items = [sample for sample in samples if not sample.answerable]
    assert len(items) == 2 and len(samples) == 4
    for sample in items:
        assert sample.answer_type == "abstain" and not sample.answerable
        assert sample.views == ("a", "b") and sample.answerable_views == ("c",)
        assert [(o.category, o.role) for o in sample.objects] == [("rug", "marked")]
        program = json.loads(sample.program)
        args = program["args"]
        u, v = args["x"], args["y"]
        assert 9.5 <= u <= 39.5 + 1e-4 and 9.5 - 1e-4 <= v <= 189.5 + 1e-4
        assert sample.abstain_reason == (
            f"point not seen in the second view (b): the point falls outside frame b, at "
            f"({u - 150:.1f}, {v:.1f})"
        )
        assert execute(program, ctx.scene).value is None
        point = {key: args[key] for key in ("view_a", "x", "y")}
        there = execute({"op": "point_correspondence", "args": {**point, "view_b": "c"}}, ctx.scene)
        assert there.detail["pixel_b"] == pytest.approx([u + 150, v], abs=1e-4)
        query = f"[{thousandths(u)}, {thousandths(v)}]"
        labels = json.loads(sample.labels)
        if name == "point_correspondence":
            assert program["op"] == "marked_correspondence"
            assert labels["marks"]["a"] == [{"xy": [u, v], "label": "REF"}]
            assert [m["label"] for m in labels["marks"]["b"]] == ["A", "B", "C", "D"]
            marks = np.array([m["xy"] for m in labels["marks"]["b"]])
            apart = np.linalg.norm(marks[:, None] - marks[None], axis=2)[np.triu_indices(4, 1)]
            assert apart.min() >= 0.05 * 200 and np.all(marks >= 9.5) and np.all(marks <= 189.5)
            assert sample.question.endswith("\nD. point D")
        else:
            assert labels == {"view_points": {"query": {"view": "a", "xy": [u, v], "text": query}}}
            assert query in sample.question
        assert sample.rationale.endswith("So the answer cannot be determined from the given views.")
