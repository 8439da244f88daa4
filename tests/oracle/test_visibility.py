"""Visibility by ray casting, checked against projected areas worked out on paper.

Every camera here sits at the origin looking along +y (image x = world +x, image y = world -z),
f = 500 px, 640 x 480, principal point (320, 240). A square of side s facing the camera at
depth d covers (f s / d)^2 pixels: s = 1 m at d = 5 m is 100 x 100 px, spanning
u in [270, 370] and v in [190, 290] (pixel-centre sampling, edges away from the centres).
"""

import json

import numpy as np
import pytest
from camera_kit import camera

from spatialqa.oracle import (
    execute,
    frame_visibility,
    instance_mask,
    occluded_by,
    occlusion,
    truncation,
    visibility_compare,
    visible_instances,
)
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.splats import splat_radius
from spatialqa.oracle.visibility import FrameVisibility, visibility
from spatialqa.scenes import SceneObject


def test_box_alone_in_view_covers_its_analytic_area(scene_kit):
    # Unit cube centred at (0, 5.5, 0): front face at y = 5, depth 5 -> 100 x 100 = 10,000 px.
    # Its sides recede behind the front face's outline, so they add no pixel.
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5.5, 0))], frames=[camera(scene_kit)])
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [10_000]
    assert counts.silhouette_pixels.tolist() == [10_000]
    assert counts.visible_fraction.tolist() == [1.0]
    assert counts.pixels == 640 * 480
    mask = instance_mask(scene, "f0")
    assert mask.shape == (480, 640) and mask.dtype == np.int64
    assert np.array_equal(np.argwhere(mask == 1).min(axis=0), [190, 270])
    assert np.array_equal(np.argwhere(mask == 1).max(axis=0), [289, 369])
    assert set(np.unique(mask).tolist()) == {-2, 1}


def test_box_behind_a_wall_has_no_visible_pixel(scene_kit):
    wall = scene_kit.box_mesh((0, 3, 0), (4, 0.1, 4))  # structure, between camera and box
    scene = scene_kit.scene(
        [scene_kit.Box(1, "box", (0, 5.5, 0))], structure=[wall], frames=[camera(scene_kit)]
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [0]
    assert counts.silhouette_pixels.tolist() == [10_000]
    assert not counts.is_visible().any()
    mask = instance_mask(scene, "f0")
    # The wall's face at depth 2.95 spans 4 m: 678 px wide, wider than the image, and 678 px
    # tall, taller than the image: every pixel sees the wall.
    assert np.all(mask == -1)


def test_a_view_of_the_wall_alone_sees_no_object(scene_kit):
    # The box stands behind the camera, which faces a wall: no ray is cast at any object (Open3D
    # crashes on an empty batch, so the oracle must not ask it), and every pixel sees the wall.
    # The wall fills the view (its face at depth 2.95 spans 678 px), no corner of it in view.
    wall = scene_kit.box_mesh((0, 3, 0), (4, 0.1, 4))
    scene = scene_kit.scene(
        [scene_kit.Box(1, "box", (0, -5.5, 0))], structure=[wall], frames=[camera(scene_kit)]
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [0] and counts.silhouette_pixels.tolist() == [0]
    assert not counts.is_visible().any()
    assert np.all(instance_mask(scene, "f0") == -1)


def test_box_half_covered_by_a_closer_box(scene_kit):
    # Target: the unit cube at depth 5 (u in [270, 370]). Occluder: x in [-1, 0], y in
    # [2.5, 3], z in [-1, 1]. Its right side x = 0 projects to u = 320 at every depth and its
    # front face covers v in [40, 440], so it hides exactly the target's left 50 columns:
    # 50 x 100 = 5,000 of 10,000 px visible, fraction 0.5. The occluder's front face at depth
    # 2.5 is 200 x 400 px (its other faces project inside it): 80,000 px, all visible.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "target", (0, 5.5, 0)), Box(2, "occluder", (-0.5, 2.75, 0), (1, 0.5, 2))],
        frames=[camera(scene_kit)],
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [5_000, 80_000]
    assert counts.silhouette_pixels.tolist() == [10_000, 80_000]
    assert counts.visible_fraction.tolist() == [0.5, 1.0]
    fact = visibility(scene, 1, "f0")
    assert fact.value == 0.5
    assert fact.detail == {
        "visible_pixels": 5_000,
        "silhouette_pixels": 10_000,
        "pixels": 307_200,
        "frame_fraction": 5_000 / 307_200,
        "truncation": 0.0,
        "occluders": {2: 5_000},
    }
    program = json.loads(json.dumps(fact.program))
    assert execute(program, scene).value == 0.5


def test_object_at_plus_x_in_camera_coordinates_is_in_the_right_half(scene_kit):
    # Camera at (1, 1, 0) looking along -x: camera +x (right) is world +y.
    Box = scene_kit.Box
    frame = camera(scene_kit, eye=(1, 1, 0), target=(0, 1, 0))
    scene = scene_kit.scene(
        [
            Box(1, "right", (-4, 2.5, 0), (0.5, 0.5, 0.5)),
            Box(2, "left", (-4, -0.5, 0), (0.5, 0.5, 0.5)),
        ],
        frames=[frame],
    )
    assert frame.world_to_camera(np.array([[-4.0, 2.5, 0.0]]))[0, 0] > 0
    mask = instance_mask(scene, "f0")
    columns_right = np.argwhere(mask == 1)[:, 1]
    columns_left = np.argwhere(mask == 2)[:, 1]
    assert len(columns_right) > 0 and columns_right.min() >= 320
    assert len(columns_left) > 0 and columns_left.max() < 320


def test_is_visible_thresholds():
    counts = FrameVisibility(
        "f",
        np.array([1, 2, 3, 4]),
        visible_pixels=np.array([0, 3, 400, 100]),
        silhouette_pixels=np.array([10, 100, 400_000, 100]),
        pixels=307_200,
        outside_pixels=np.array([0.0, 100.0, 0.0, 0.0]),
        occlusions=np.zeros((0, 3), dtype=np.int64),
        boxes=np.full((4, 4), -1),
        points=np.full((4, 2), np.nan),
        depths=np.full(4, np.nan),
        structure_first=0,
        bare=np.zeros(307_200 // 8, dtype=np.uint8),
    )
    # 0 px: never. 3% of the instance and 0.001% of the frame: no. 0.1% of the instance but
    # 400 / 307,200 = 0.13% of the frame: yes. 100% of the instance: yes.
    assert counts.is_visible(0.05, 0.001).tolist() == [False, False, True, True]
    assert counts.index(3) == 2
    assert counts.truncation.tolist() == [0.0, 0.5, 0.0, 0.0]


def test_frame_visibility_is_cached_per_frame(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5.5, 0))], frames=[camera(scene_kit)])
    assert frame_visibility(scene, "f0") is frame_visibility(scene, "f0")


def same_on_re_execution(fact, scene):
    again = execute(json.loads(json.dumps(fact.program)), scene)
    assert (again.value, again.margin, again.detail) == (fact.value, fact.margin, fact.detail)


def test_fully_hidden_box_names_its_occluder(scene_kit):
    # The occluder's front face at depth 2.75 spans x, z in [-1, 1]: u, v within 320 +- 182,
    # 240 +- 182, around the target's 100 x 100 px. Every target pixel hits the occluder first.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "target", (0, 5.5, 0)), Box(2, "occluder", (0, 3, 0), (2, 0.5, 2))],
        frames=[camera(scene_kit)],
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels[0] == 0 and counts.silhouette_pixels[0] == 10_000
    assert counts.occluders(1) == {2: 10_000} and counts.occluders(2) == {}
    assert np.isnan(counts.depths[0]) and np.all(np.isnan(counts.boxes[0]))
    hidden = occlusion(scene, 1, 2, "f0")
    assert hidden.value == 1.0 and hidden.detail == {
        "hidden_pixels": 10_000,
        "silhouette_pixels": 10_000,
    }
    assert occlusion(scene, 2, 1, "f0").value == 0.0
    verdict = occluded_by(scene, 1, 2, "f0", min_fraction=0.25)
    assert verdict.value == "yes" and verdict.margin == pytest.approx(0.75)
    for fact in (hidden, verdict, visibility(scene, 1, "f0")):
        same_on_re_execution(fact, scene)


def test_wall_is_the_occluder_of_a_box_behind_it(scene_kit):
    wall = scene_kit.box_mesh((0, 3, 0), (4, 0.1, 4))
    scene = scene_kit.scene(
        [scene_kit.Box(1, "box", (0, 5.5, 0))], structure=[wall], frames=[camera(scene_kit)]
    )
    assert frame_visibility(scene, "f0").occluders(1) == {-1: 10_000}
    assert occlusion(scene, 1, -1, "f0").value == 1.0


def test_half_covered_box_occlusion_and_comparison(scene_kit):
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(1, "target", (0, 5.5, 0)), Box(2, "occluder", (-0.5, 2.75, 0), (1, 0.5, 2))],
        frames=[camera(scene_kit)],
    )
    verdict = occluded_by(scene, 1, 2, "f0")  # 0.5 of the target hidden, threshold 0.1
    assert verdict.value == "yes" and verdict.margin == pytest.approx(0.4)
    assert occluded_by(scene, 2, 1, "f0").value == "no"
    compare = visibility_compare(scene, 1, 2, "f0")  # 0.5 against 1.0
    assert compare.value == "occluder" and compare.margin == pytest.approx(0.5)
    same_on_re_execution(compare, scene)


def plate(center, side=1.0):
    """A 1 mm thick square facing the camera (normal along y): no side face shows."""
    return (center, (side, 0.001, side))


def test_plate_cut_by_the_right_border_is_half_truncated(scene_kit):
    # Front face at depth 5, x in [2.7, 3.7] -> u = 319.5 + 100 x in [589.5, 689.5]: pixel
    # centres 590..639 inside the 640 px image (50 columns), 640..689 beyond; rows v in
    # [189.5, 289.5], centres 190..289. 5,000 px in, 5,000 px out. The box encloses the
    # visible pixels' squares, [590 - 0.5, 190 - 0.5, 639 + 0.5, 289 + 0.5].
    center, size = plate((3.2, 5.0005, 0.0))
    scene = scene_kit.scene([scene_kit.Box(1, "plate", center, size)], frames=[camera(scene_kit)])
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [5_000]
    assert counts.outside_pixels.tolist() == [5_000.0]
    assert counts.truncation.tolist() == [0.5]
    assert counts.shown_fraction.tolist() == [0.5] and counts.visible_fraction.tolist() == [1.0]
    fact = truncation(scene, 1, "f0")
    assert fact.value == 0.5 and fact.detail["outside_pixels"] == 5_000.0
    same_on_re_execution(fact, scene)
    assert counts.boxes[0].tolist() == [589.5, 189.5, 639.5, 289.5]


def test_wide_plate_truncation_from_strided_samples(scene_kit):
    # A 4 m wide plate at depth 5: u in [589.5, 989.5], v in [189.5, 289.5]. Its 351 x 101 px window
    # beyond the border exceeds the 19,200-ray budget (1/16 of the image), so the outside is
    # sampled every 2 px, each sample counting 4 px: 350 of 400 columns are outside, 0.875.
    center, size = plate((4.7, 5.0005, 0.0), side=1.0)
    size = (4.0, size[1], 1.0)
    scene = scene_kit.scene([scene_kit.Box(1, "plate", center, size)], frames=[camera(scene_kit)])
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [5_000]
    assert counts.truncation[0] == pytest.approx(0.875, abs=0.005)


def test_object_straddling_the_camera_plane_is_truncated(scene_kit):
    # A long box from y = -2 to y = 8 beside the camera: it reaches behind the camera, so its
    # image plane projection is unbounded and part of it lies outside any image.
    scene = scene_kit.scene(
        [scene_kit.Box(1, "rail", (1.0, 3.0, 0.0), (0.2, 10.0, 0.2))], frames=[camera(scene_kit)]
    )
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels[0] > 0
    assert 0.0 < counts.truncation[0] < 1.0


def test_visible_part_box_point_and_depth(scene_kit):
    # The unit plate at depth 5 covers u = 319.5 + 100 x in [269.5, 369.5], v in [189.5,
    # 289.5]: pixel centres 270..369 and 190..289, whose squares fill exactly that box. Its
    # centroid (319.5, 239.5) is a pixel corner: the four nearest pixel centres tie, the first
    # in raster order, (319, 239), wins.
    center, size = plate((0.0, 5.0005, 0.0))
    scene = scene_kit.scene([scene_kit.Box(1, "plate", center, size)], frames=[camera(scene_kit)])
    counts = frame_visibility(scene, "f0")
    assert counts.boxes[0].tolist() == [269.5, 189.5, 369.5, 289.5]
    assert counts.points[0].tolist() == [319.0, 239.0]
    assert counts.depths[0] == pytest.approx(5.0, abs=1e-5)


def test_point_cloud_object_is_splatted_and_occludes(scene_kit):
    # A 1 m square of points every 1 cm at depth 5 (101 x 101 points): its splats widen it by
    # 1.25 cm on each side, 1.025 m, about 102.5 px a side at 100 px/m. A box behind it is
    # hidden where the square covers it.
    grid = np.linspace(-0.5, 0.5, 101)
    x, z = np.meshgrid(grid, grid)
    points = np.stack([x.ravel(), np.full(x.size, 5.0), z.ravel()], axis=1)
    cloud = SceneObject(2, "cloud", points=points)
    scene = scene_kit.scene(
        [scene_kit.Box(1, "box", (0, 8.5, 0))], extra_objects=[cloud], frames=[camera(scene_kit)]
    )
    counts = frame_visibility(scene, "f0")
    assert 101**2 <= counts.visible_pixels[1] <= 104**2
    assert counts.silhouette_pixels[1] == counts.visible_pixels[1]
    box = counts.boxes[1].tolist()
    # About 1.025 m: u in 319.5 +- 51.25 = [268.25, 370.75], pixel centres 269..370 (one more
    # where an octahedron's corner reaches further), box edges 0.5 px beyond them.
    assert box[0] in (267.5, 268.5) and box[2] in (370.5, 371.5) and box[1] in (187.5, 188.5)
    # The box (unit cube at depth 8: 62.5 px a side) lies wholly behind the square.
    assert counts.visible_pixels[0] == 0 and counts.occluders(1) == {2: 62 * 62}


def test_pixel_books_balance_on_a_procedural_room():
    # Every silhouette pixel is either visible or hidden by exactly one first hit, and the
    # instance mask (a separate trace of every pixel) shows the same visible pixels.
    from spatialqa.scenes import procedural_scene

    scene = procedural_scene(0, 1, frames=8)
    for frame in scene.trajectories[0].frames[::3]:
        counts = frame_visibility(scene, frame.id)
        assert np.array_equal(
            counts.visible_pixels + counts.occluded_pixels.sum(axis=1), counts.silhouette_pixels
        )
        assert np.all(np.diag(counts.occluded_pixels[:, :-1]) == 0)
        mask = instance_mask(scene, frame.id)
        shown = [int(np.count_nonzero(mask == i)) for i in counts.instance_ids]
        assert shown == counts.visible_pixels.tolist()
        seen = counts.visible_pixels > 0
        assert np.all(counts.boxes[seen, :2] < counts.boxes[seen, 2:])
        assert np.all(np.isfinite(counts.depths[seen])) and np.all(np.isnan(counts.depths[~seen]))


def test_tiny_and_flat_objects_are_seen(scene_kit):
    # A speck of three points 2 mm apart (a scene refuses a single point or a line) and a flat
    # square of four points (no 3D hull) at depth 2.
    speck = np.array([[0.0, 2.0, 0.0], [0.002, 2.0, 0.0], [0.0, 2.0, 0.002]])
    assert splat_radius(speck) == pytest.approx(1.25 * 0.002)
    assert splat_radius(speck[:1]) == 0.005  # one point alone: 5 mm
    dot = SceneObject(1, "dot", points=speck)
    square = SceneObject(
        2, "square", points=np.array([[x, 2.0, z] for x in (0.3, 0.5) for z in (0.3, 0.5)])
    )
    scene = scene_kit.scene([], extra_objects=[dot, square], frames=[camera(scene_kit)])
    counts = frame_visibility(scene, "f0")
    # The speck's splats span about 2 + 2 x 2.5 mm = 7 mm at 250 px/m: a few pixels.
    assert 1 <= counts.visible_pixels[0] <= 9
    assert counts.visible_pixels[1] > 0


def test_rays_in_small_chunks_give_the_same_answers_bit_for_bit(monkeypatch):
    # Rays go out in chunks so that memory does not grow with rays x objects; a chunk of a
    # few dozen rays must give exactly what one chunk of the whole frame gives.
    import sys

    from spatialqa.scenes import procedural_scene

    module = sys.modules["spatialqa.oracle.tracing"]
    frames = [f.id for f in procedural_scene(3, 2, frames=4).trajectories[0].frames]
    whole = procedural_scene(3, 2, frames=4)
    expected = [frame_visibility(whole, f) for f in frames]
    masks = [instance_mask(whole, f) for f in frames]
    monkeypatch.setattr(module, "HIT_BUDGET", 500)
    assert module.rays_per_chunk(len(whole.objects)) < 100
    chunked = procedural_scene(3, 2, frames=4)
    for f, want, mask in zip(frames, expected, masks, strict=True):
        got = frame_visibility(chunked, f)
        for name in ("visible_pixels", "silhouette_pixels", "outside_pixels", "occlusions"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name
        for name in ("boxes", "points", "depths"):
            assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True), name
        assert np.array_equal(instance_mask(chunked, f), mask)


def test_a_pile_of_objects_at_one_place_keeps_sparse_occluders(scene_kit):
    # 60 equal boxes at one place: every silhouette pixel of each is hidden by the first box
    # (lowest index at equal depth); the result holds 59 pairs, not a 60 x 61 matrix.
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [Box(i, "box", (0, 5.5, 0)) for i in range(1, 61)], frames=[camera(scene_kit)]
    )
    counts = frame_visibility(scene, "f0")
    assert counts.occlusions.shape == (59, 3)
    assert np.all(counts.occlusions[:, 1] == 0)
    assert counts.visible_pixels[0] == counts.silhouette_pixels[0] > 0
    assert counts.occluders(7) == {1: int(counts.silhouette_pixels[6])}
    assert counts.occluders(1) == {}
    dense = counts.occluded_pixels
    assert dense.shape == (60, 61) and dense.sum() == counts.silhouette_pixels[1:].sum()


def test_visibility_bytes_does_not_grow_with_rays_times_objects():
    from spatialqa.oracle.tracing import HIT_BUDGET
    from spatialqa.oracle.visibility import visibility_bytes

    pixels = 640 * 480
    one, many = visibility_bytes(1, pixels, 1), visibility_bytes(500, pixels, 1)
    assert one < many < one + 500 * 501 * 24 * 5 + HIT_BUDGET * 128  # pairs, not rays x objects
    assert visibility_bytes(500, pixels, 16) > visibility_bytes(500, pixels, 1)
    assert visibility_bytes(500, 4 * pixels, 1) > many
    # Measured (bench: 500 boxes at one place, 16 views of 640 x 480): 160 MB over the scene.
    assert visibility_bytes(500, pixels, 16) > 160 << 20


def test_visible_instances(chairs):
    assert visible_instances(chairs, ["f0"]) == {1: True, 2: True, 3: False, 4: True}
    assert visible_instances(chairs, ["f1"]) == {1: False, 2: False, 3: True, 4: False}
    assert visible_instances(chairs, ["f0", "f1"]) == {1: True, 2: True, 3: True, 4: True}


def test_visible_instances_is_cached_but_handed_out_fresh(chairs):
    first = visible_instances(chairs, ["f0"], tau_instance=0.2)
    first[3] = True  # the caller's copy: the cache keeps the answer
    assert visible_instances(chairs, ["f0"], tau_instance=0.2) == {
        1: True,
        2: True,
        3: False,
        4: True,
    }
    assert derived(chairs).builds["visible_instances"] >= 1


def test_a_moving_object_is_seen_where_it_is_at_the_frames_time():
    """moving_kit: camera at (0, 0, 0.4) along +x, f = 500, centre (319.5, 239.5); pixel u
    shows world y = -(u - 319.5) x / 500, pixel v world z = 0.4 - (v - 239.5) x / 500.

    f0 (t = 0): the chair's near face x = 2.8, y [-0.6, 0.6], z [0, 0.8]:
    u = 319.5 -+ 500 * 0.6 / 2.8 = [212.36, 426.64] -> centres 213..426 (214 columns),
    v = 239.5 +- 500 * 0.4 / 2.8 = [168.07, 310.93] -> centres 169..310 (142 rows): 30388 px.
    f1 (t = 1, the keyframe): near face x = 2.4, y [0.85, 1.25] and the side y = 0.85 to
    x = 3.6: u from 319.5 - 500 * 1.25 / 2.4 = 59.08 to 319.5 - 500 * 0.85 / 3.6 = 201.44 ->
    centres 60..201; v = 239.5 +- 500 * 0.4 / 2.4 = [156.17, 322.83] -> centres 157..322.
    """
    import moving_kit

    scene = moving_kit.moving()
    i = list(frame_visibility(scene, "f0").instance_ids).index(moving_kit.CHAIR)
    before, after = frame_visibility(scene, "f0"), frame_visibility(scene, "f1")
    assert before.visible_pixels[i] == 214 * 142
    assert before.boxes[i].tolist() == [212.5, 168.5, 426.5, 310.5]
    assert after.boxes[i].tolist() == [59.5, 156.5, 201.5, 322.5]
    assert frame_visibility(scene, "f2") is not after  # its own frame, in the same state
    assert frame_visibility(scene.at(2.0), "f2") is frame_visibility(scene, "f2")
    # The state's masks are the masks of the scene built in that state by hand.
    assert np.array_equal(instance_mask(scene, "f0"), instance_mask(moving_kit.before(), "f0"))
    assert np.array_equal(instance_mask(scene, "f1"), instance_mask(moving_kit.after(), "f1"))
    hand = frame_visibility(moving_kit.after(), "f1")
    assert np.array_equal(after.visible_pixels, hand.visible_pixels)
    assert np.array_equal(after.silhouette_pixels, hand.silhouette_pixels)
