"""Point correspondence by ray casting: two cameras over a plane worked on paper, an occluder,
the overlap of a frame pair, programs re-executed, and a rigid motion of the whole scene that
changes no correspondence."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rooms_kit
import symmetry_kit

from spatialqa.errors import SpatialQAError
from spatialqa.generators import draw_samples, get_task
from spatialqa.oracle import execute, marked_correspondence, point_correspondence, view_overlap
from spatialqa.oracle.correspondence import distractors, first_hits

# Both cameras look straight down from 2 m: camera x = world +x, camera y = world -y,
# camera z = world -z (x cross y = (1,0,0) x (0,-1,0) = (0,0,-1) = z: right-handed).
DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]).T
FOCAL, SIZE = 100.0, 200  # principal point (99.5, 99.5): make_frame puts it at (w - 1) / 2


def down_pose(x: float) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, :3] = DOWN
    pose[:3, 3] = [x, 0.0, 2.0]
    return pose


def plane_scene(scene_kit, b_at: float = 3.0, occluder: bool = False):
    """A 20 x 20 m rug whose top is the plane z = 0; camera a above (0, 0), b above
    (``b_at``, 0), both 2 m up looking down, 200 x 200 px, f = 100."""
    boxes = [scene_kit.Box(1, "rug", (1.5, 0.0, -0.05), (20.0, 20.0, 0.1))]
    if occluder:
        boxes.append(scene_kit.Box(2, "box", (2.3, 0.0, 1.0), (0.2, 0.2, 0.2)))
    frames = [
        scene_kit.frame("a", down_pose(0.0), focal=FOCAL, width=SIZE, height=SIZE),
        scene_kit.frame("b", down_pose(b_at), focal=FOCAL, width=SIZE, height=SIZE, t=1.0),
    ]
    return scene_kit.scene(boxes, frames=frames)


def test_a_point_of_the_plane_worked_on_paper(scene_kit):
    # Pixel (172.3, 60.3) of a: camera direction ((172.3 - 99.5) / 100, (60.3 - 99.5) / 100,
    # 1) = (0.728, -0.392, 1); the plane is 2 m below, so X = (2 * 0.728, +2 * 0.392, 0)
    # = (1.456, 0.784, 0) (camera y is world -y). From b at (3, 0, 2): camera coordinates
    # (1.456 - 3, -0.784, 2) = (-1.544, -0.784, 2): pixel (99.5 - 100 * 1.544 / 2,
    # 99.5 - 100 * 0.784 / 2) = (22.3, 60.3), i.e. 150 px to the left (1 m of baseline
    # shifts a point 2 m away by f / 2 = 50 px, and b is 3 m away).
    # In 0..1000 of 200 px: floor((22.3 + 0.5) * 5 + 0.5) = floor(114.5) = 114 and
    # floor((60.3 + 0.5) * 5 + 0.5) = floor(304.5) = 304. (Integer pixels would land on
    # the rounding boundary: (v + 0.5) * 5 + 0.5 = 5 v + 3.)
    scene = plane_scene(scene_kit)
    fact = point_correspondence(scene, "a", "b", 172.3, 60.3)
    assert fact.answerable and fact.value == [114, 304]
    assert fact.detail["pixel_b"] == pytest.approx([22.3, 60.3], abs=1e-5)
    assert fact.detail["point_m"] == pytest.approx([1.456, 0.784, 0.0], abs=1e-6)
    assert fact.detail["depth_a_m"] == pytest.approx(2.0) == fact.detail["depth_b_m"]
    assert fact.detail["gap_m"] < 1e-5 and fact.detail["surface_category"] == "rug"
    assert fact.instance_ids == (1,)
    assert fact.detail["normalised_a"] == [864, 304]  # floor(172.8 * 5 + 0.5) = 864
    # The margin: 22.3 + 0.5 px inside the left border, less the 10 px kept clear.
    assert fact.margin == pytest.approx(12.8, abs=1e-5)
    assert execute(json.loads(json.dumps(fact.program)), scene).value == fact.value


def test_a_point_outside_the_second_image_or_hidden_there_is_not_seen(scene_kit):
    scene = plane_scene(scene_kit)
    # Pixel (100, 99.5) of a: X = (2 * 0.005, 0, 0) = (0.01, 0, 0); b sees x from
    # 3 - 2 * 100 / 100 = 1 m on: X falls at u = 99.5 + 100 * (0.01 - 3) / 2 = -50, outside.
    outside = point_correspondence(scene, "a", "b", 100.0, 99.5)
    assert not outside.answerable and outside.value is None
    assert "outside frame b" in outside.why_not and "-50.0" in outside.why_not
    # Pixel (179.5, 99.5) of a: X = (1.6, 0, 0). b's ray to it, (3, 0, 2) + t (-0.7, 0, -1),
    # reaches the top of the box (z = 1.1, x in [2.2, 2.4]) at t = 0.9, x = 2.37: the box
    # hides X, 1.3427 m away (sqrt(0.77^2 + 1.1^2)). a's ray to X crosses z = 1.1 at
    # x = 0.72, clear of the box.
    hidden = point_correspondence(plane_scene(scene_kit, occluder=True), "a", "b", 179.5, 99.5)
    assert not hidden.answerable
    assert hidden.detail["gap_m"] == pytest.approx(np.hypot(0.77, 1.1), abs=1e-4)
    assert "another surface 1.34 m from the point" in hidden.why_not
    assert point_correspondence(scene, "a", "b", 179.5, 99.5).answerable  # no box, seen


def test_overlap_counts_the_grid_samples_the_second_camera_sees(scene_kit):
    # a's grid (stride 8): u, v in 4, 12, ..., 196: 25 x 25 samples, all on the plane.
    # b 3 m to the right sees a's point at u - 150, inside [-0.5, 199.5] when u >= 149.5:
    # u in 156, ..., 196, 6 columns: 6 x 25 / 625 = 0.24. b 1 m away: u >= 49.5, 19 columns.
    assert view_overlap(plane_scene(scene_kit), "a", "b").value == pytest.approx(6 / 25)
    assert view_overlap(plane_scene(scene_kit, b_at=1.0), "a", "b").value == pytest.approx(0.76)
    fact = view_overlap(plane_scene(scene_kit), "b", "a")  # mirror image of the same pair
    assert fact.value == pytest.approx(6 / 25) and fact.detail["samples"] == 625


def test_the_marked_point_is_the_mark_on_its_pixel(scene_kit):
    scene = plane_scene(scene_kit)
    marks = [[50.0, 50.0], [22.0, 60.0], [22.0, 100.0]]
    fact = marked_correspondence(scene, "a", "b", 172.0, 60.0, marks, ["A", "B", "C"])
    # Pixel (172, 60) of a lands at (172 - 150, 60) = (22, 60) of b (as worked above); the
    # nearest other mark is A, hypot(28, 10) = 29.732 px away (C is 40 px away): the margin
    # is half of 29.732 - 0.
    assert fact.value == "B" and fact.margin == pytest.approx(np.hypot(28, 10) / 2, abs=1e-5)
    distances = fact.detail["mark_distances_px"]
    assert distances == pytest.approx([np.hypot(28, 10), 0.0, 40.0], abs=1e-5)
    moved = [[50.0, 50.0], [23.0, 60.0], [22.0, 100.0]]  # 1 px off: beyond the 0.5 px allowed
    assert not marked_correspondence(
        scene, "a", "b", 172.0, 60.0, moved, ["A", "B", "C"]
    ).answerable


@pytest.mark.parametrize(
    "marks, names, message",
    [
        ([[1.0, 2.0], [3.0, 4.0]], ["A", "B", "C"], "3 names for 2 marks"),
        ([[1.0, 2.0], [3.0]], ["A", "B"], "marks[1]: expected [u, v]"),
        ([[1.0, 2.0], [3.0, 4.0]], ["A", "A"], "names repeat"),
    ],
)
def test_bad_marks_are_named_errors(scene_kit, marks, names, message):
    program = {
        "op": "marked_correspondence",
        "args": {"view_a": "a", "view_b": "b", "x": 1.0, "y": 1.0, "marks": marks, "names": names},
    }
    with pytest.raises(SpatialQAError, match=message.replace("[", r"\[")):
        execute(program, plane_scene(scene_kit))
    with pytest.raises(SpatialQAError, match="must differ"):
        execute(
            {"op": "view_overlap", "args": {"view_a": "a", "view_b": "a"}}, plane_scene(scene_kit)
        )


def test_distractors_lie_on_visible_surfaces_apart_from_the_answer_and_each_other():
    ctx = rooms_kit.context(0, 0, views=8)
    scene = ctx.scene
    for k, view in enumerate(ctx.views):
        frame = scene.frame(view)
        target = np.array([80.0, 60.0])
        gap = 0.05 * frame.width  # 8 px at 160 px
        found = distractors(scene, view, target, 3, gap, rng=np.random.default_rng(k))
        assert found is not None and found.shape == (3, 2)
        points = np.vstack([target, found])
        apart = np.linalg.norm(points[:, None] - points[None], axis=2)[np.triu_indices(4, 1)]
        assert apart.min() >= gap
        assert np.all(found >= 9.5) and np.all(found <= [149.5, 109.5])  # 10 px inside
        assert first_hits(scene, frame, found[:, 0], found[:, 1]).hit.all()
    # Without a pixel to avoid: four points apart. Three 141 px apart never fit 10 px inside
    # a 160 x 120 frame (140 x 100 px: two of them are within 70 px across and 100 px down,
    # sqrt(70^2 + 100^2) = 122 px apart), so None.
    view = ctx.views[0]
    found = distractors(scene, view, None, 4, 8.0, rng=np.random.default_rng(0))
    apart = np.linalg.norm(found[:, None] - found[None], axis=2)[np.triu_indices(4, 1)]
    assert found.shape == (4, 2) and apart.min() >= 8.0
    assert distractors(scene, view, None, 3, 141.0, rng=np.random.default_rng(0)) is None
    # A gap no frame can hold three times gives up (bounded), saying None.
    assert (
        distractors(
            scene, ctx.views[0], np.array([80.0, 60.0]), 3, 150.0, rng=np.random.default_rng(0)
        )
        is None
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_a_rigid_motion_of_the_whole_scene_changes_no_correspondence(seed):
    ctx = rooms_kit.context(0, 0, views=8)
    rotation = symmetry_kit.random_rotation(seed)
    shifted = symmetry_kit.moved(ctx.scene, rotation, np.array([3.0, -2.0, 0.5]))
    checked = 0
    for name in ("point_correspondence", "point_correspondence_coords"):
        for sample in draw_samples(get_task(name)(), ctx, 12):
            program = json.loads(sample.program)
            here, there = execute(program, ctx.scene), execute(program, shifted)
            assert there.answerable == here.answerable
            assert there.value == here.value, program
            assert there.detail["pixel_b"] == pytest.approx(here.detail["pixel_b"], abs=1e-3)
            args = program["args"]
            overlap = view_overlap(ctx.scene, args["view_a"], args["view_b"])
            again = view_overlap(shifted, args["view_a"], args["view_b"])
            # A grid sample grazing a surface may flip in float32: at most one of them.
            assert abs(again.detail["seen"] - overlap.detail["seen"]) <= 1
            checked += 1
    assert checked >= 12
