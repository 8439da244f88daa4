"""2D labels move with the pixels: boxes still enclose their instances, answers follow."""

from __future__ import annotations

import json

import numpy as np
import pytest
import room_kit as kit

from spatialqa.degradations import (
    PixelMap,
    RaycastRenderer,
    get_degradation,
    lens_distortion,
    mask_box,
    move_labels,
    relabel,
)
from spatialqa.degradations.labels import compose, normalised, rescale
from spatialqa.degradations.optics import radial_distortion

OBJECTS = (kit.NEAR_ID, kit.FAR_ID, kit.SIDE_ID)


@pytest.fixture(scope="module")
def view():
    return RaycastRenderer(kit.make_scene()).render(kit.make_frame())


def scale_map(source: tuple[int, int], size: tuple[int, int]) -> PixelMap:
    """Resampling to another size, pixel centres aligned: x' = (x + 0.5) s - 0.5."""
    s = np.array(size, float) / np.array(source, float)
    return PixelMap(
        forward=lambda xy: (xy + 0.5) * s - 0.5,
        inverse=lambda xy: (xy + 0.5) / s - 0.5,
        size=size,
    )


def assert_encloses(box: np.ndarray, mask: np.ndarray, slack: float = 1.0) -> None:
    rows, columns = np.nonzero(mask)
    assert rows.size > 0
    assert columns.min() >= box[0] - slack and columns.max() <= box[2] + slack
    assert rows.min() >= box[1] - slack and rows.max() <= box[3] + slack


@pytest.mark.parametrize("severity", [1, 3, 5])
@pytest.mark.parametrize("instance", OBJECTS)
def test_a_box_still_encloses_its_instance_after_lens_distortion(view, severity, instance):
    frame = kit.make_frame()
    result = lens_distortion(view.rgb, None, frame, severity, rng=np.random.default_rng(severity))
    box = mask_box(view.instance == instance)
    moved_box = result.transform.box(box)
    moved_mask = result.transform.mask(view.instance, fill=-2) == instance
    assert_encloses(moved_box, moved_mask)
    # ... and is tight: it is the box of the moved box region (the rectangle itself moved as
    # a mask), within the half source pixel that nearest sampling rounds by, magnified.
    rectangle = np.zeros(view.instance.shape, bool)
    x1, y1, x2, y2 = box.astype(int)
    rectangle[y1 : y2 + 1, x1 : x2 + 1] = True
    assert np.abs(moved_box - mask_box(result.transform.mask(rectangle))).max() <= 1.5


@pytest.mark.parametrize("instance", OBJECTS)
def test_the_label_transform_matches_a_render_through_the_distorted_lens(view, instance):
    """Ray casting through the distorted pixels gives the same instance mask as moving the
    rendered mask: the transform is where the lens really puts each surface point."""
    frame = kit.make_frame()
    transform = radial_distortion(frame, (kit.WIDTH, kit.HEIGHT), (-0.2, 2e-4, 0.0, 0.0))
    moved = transform.mask(view.instance, fill=-2)
    grid = transform.sample_grid().reshape(-1, 2)
    seen = np.all(np.isfinite(grid), axis=1)
    rays = np.column_stack([grid[seen], np.ones(seen.sum())]) @ np.linalg.inv(frame.K).T
    from spatialqa.oracle.geometry import derived

    scene = kit.make_scene()
    import open3d as o3d

    directions = rays @ frame.pose[:3, :3].T
    origins = np.broadcast_to(frame.center, directions.shape)
    cast = derived(scene).ray_scene.cast_rays(
        o3d.core.Tensor(np.hstack([origins, directions]).astype(np.float32))
    )
    exact = np.full(grid.shape[0], -2)
    exact[seen] = derived(scene).instances_of(cast["geometry_ids"].numpy())
    agree = (exact.reshape(moved.shape) == instance) == (moved == instance)
    assert agree.mean() > 0.995


@pytest.mark.parametrize("size", [(80, 60), (320, 240), (100, 90)])
@pytest.mark.parametrize("instance", OBJECTS)
def test_a_box_still_encloses_its_instance_after_resampling(view, size, instance):
    transform = scale_map((kit.WIDTH, kit.HEIGHT), size)
    moved_box = transform.box(mask_box(view.instance == instance))
    assert_encloses(moved_box, transform.mask(view.instance, fill=-2) == instance)


def test_appearance_degradations_keep_labels(view):
    for name in ("low_resolution", "haze", "water_droplets"):
        result = get_degradation(name)(
            view.rgb, view.depth, kit.make_frame(), 5, rng=np.random.default_rng(0)
        )
        assert result.transform is None


def test_move_labels_moves_points_and_boxes_and_keeps_the_rest():
    """Doubling the image size (intrinsics scaled with it) doubles every coordinate measured
    from the image's corner (-0.5, -0.5): x' = (x + 0.5) * 2 - 0.5 = 2 x + 0.5."""
    transform = rescale((160, 120), (320, 240))
    labels = {"boxes": {"7": [10.0, 20.0, 30.0, 40.0]}, "points": {"7": [20.5, 30.5]}, "x": 1}
    moved = move_labels(labels, transform)
    assert moved["boxes"]["7"] == [20.5, 40.5, 60.5, 80.5]
    assert moved["points"]["7"] == [41.5, 61.5]
    assert moved["x"] == 1


def test_rescale_then_distortion_composes():
    frame = kit.make_frame(width=320, height=240, f=200.0)
    distortion = radial_distortion(frame, (320, 240), (-0.2, 0.0, 0.0, 0.0))
    both = compose(rescale((160, 120), (320, 240)), distortion)
    # Doubled: (129.75 + 0.5) * 2 - 0.5 = 260, (84.75 + 0.5) * 2 - 0.5 = 170, normalised
    # ((260 - 160) / 200, (170 - 120) / 200) = (0.5, 0.25) in the 320 x 240 frame.
    point = np.array([[129.75, 84.75]])
    factor = 1 - 0.2 * 0.3125
    assert np.allclose(both.points(point), [[160 + 100 * factor, 120 + 50 * factor]])
    assert np.allclose(both.inverse(both.forward(point)), point)
    assert both.size == (320, 240)


def test_a_box_that_leaves_the_image_is_dropped_and_one_across_the_edge_clipped():
    shift = np.array([150.0, 0.0])
    transform = PixelMap(
        forward=lambda xy: xy + shift, inverse=lambda xy: xy - shift, size=(160, 120)
    )
    moved = move_labels({"boxes": {"1": [0, 0, 5, 5], "2": [20, 0, 30, 5]}}, transform)
    assert moved == {"boxes": {"1": [150.0, 0.0, 155.0, 5.0]}}
    moved = move_labels({"boxes": {"1": [5, 0, 20, 5]}}, transform)
    assert moved == {"boxes": {"1": [155.0, 0.0, 159.5, 5.0]}}  # the image ends at 160 - 0.5


def test_relabel_recomputes_a_box_answer_in_thousandths():
    transform = rescale((160, 120), (320, 240))
    whole = [-0.5, -0.5, 159.5, 119.5]  # the whole image
    labels = json.dumps({"boxes": {"3": [10.0, 20.0, 30.0, 40.0], "4": whole}})
    new_labels, answer = relabel(labels, transform, "box", "[66, 171, 191, 338]", ["3", "4"])
    assert json.loads(new_labels)["boxes"]["3"] == [20.5, 40.5, 60.5, 80.5]
    # (x + 0.5) / 320: 21 / 320 = 65.6 -> 66; 41 / 240 = 170.8 -> 171; 61 / 320 = 190.6 -> 191;
    # 81 / 240 = 337.5 -> 338 (half up): the same answer as in the 160 x 120 image (10.5 / 160,
    # 20.5 / 120, 30.5 / 160, 40.5 / 120), as a pure rescale must give.
    assert answer == "[66, 171, 191, 338]"
    _, other = relabel(labels, transform, "box", "?", ["4"])
    assert other == "[0, 0, 1000, 1000]"
    _, unchanged = relabel(labels, transform, "mc", "B", ["3"])
    assert unchanged == "B"


def test_relabel_recomputes_a_point_answer():
    transform = rescale((160, 120), (320, 240))
    labels = json.dumps({"points": {"5": [79.5, 59.5]}})  # centre of the 160 x 120 image
    _, answer = relabel(labels, transform, "point", "[500, 500]", ["5"])
    assert answer == "[500, 500]"  # the image centre stays the centre


def test_normalised_spans_the_image():
    # The image's edges are -0.5 and W - 0.5 (OpenCV: pixel centres at integers).
    assert normalised([-0.5, -0.5, 639.5, 479.5], 640, 480) == "[0, 0, 1000, 1000]"
    assert normalised([319.5, 119.5], 640, 480) == "[500, 250]"
    assert normalised([-0.1875, 0.4375], 1, 1) == "[313, 938]"  # halves round up
