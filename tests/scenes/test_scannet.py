"""ScanNet v2: labels through the TSV, axis alignment, SensReader frames, bad input reported.

Real scans right to the pixel: a known 3D point lands on its known pixel through the
loader's pose and K, near the image corners too and under non-trivial rotations. The fixture
is written in the dataset's own files, the way its official code writes or reads them, and
every expected pixel comes from that code's convention written out by hand (projection_kit),
never through the loader:

- ScanNet: ScanNet/ScanNet ``SensReader/python/SensorData.py`` (``export_poses`` writes each
  frame's ``camera_to_world`` with ``np.savetxt`` ``%f``, ``export_intrinsics`` writes
  ``intrinsic_color.txt``, ``export_color_images`` writes ``color/<i>.jpg``, resized with
  ``cv2.INTER_NEAREST`` when given ``image_size``) and ``SensReader/src/sensorData.h``
  (``m_extrinsic``: "the color extrinsic is the identity", so the pose is the colour camera's).
"""

import shutil
from pathlib import Path

import numpy as np
import pytest
from dataset_kit import CX, CY, PROBE, PROBE_PIXEL, SCANNET_ALIGN, write_image, write_scannet
from PIL import Image
from projection_kit import (
    TOLERANCE_PX,
    assert_on_pixel,
    build_size,
    camera_placing,
    delivered,
    marker_centre,
    marker_image,
    pinhole,
    pixel_of,
    rodrigues,
)

from spatialqa.errors import SceneError
from spatialqa.scenes.scannet import load_scannet


def aligned(point):
    return SCANNET_ALIGN[:3, :3] @ np.asarray(point, float) + SCANNET_ALIGN[:3, 3]


@pytest.fixture
def scan(tmp_path):
    return write_scannet(tmp_path)


def test_objects_and_categories(scan):
    scene = load_scannet(scan)
    assert scene.scene_id == "scene0007_00"
    assert {obj.id: obj.category for obj in scene.objects} == {1: "chair", 2: "table"}
    assert [part.category for part in scene.structure] == ["floor", "unlabelled"]
    assert scene.source.kind == "scannet"
    detail = scene.source.detail
    assert "axisAlignment applied" in detail
    assert "1 instances without points dropped: 9 (lamp)" in detail
    assert "8 unlabelled vertices (12 faces) kept as structure 'unlabelled'" in detail
    assert "1 bad frames dropped: ['000030 (pose not finite)']" in detail


def test_axis_alignment_moves_the_chair(scan):
    chair = load_scannet(scan).object(1)
    # Source +x (2, 0, 0.5) turns a quarter about z to (0, 2, 0.5), then shifts by (1, 2, 0).
    assert np.allclose(chair.vertices.mean(axis=0), [1.0, 4.0, 0.5])
    assert np.allclose(aligned([2.0, 0.0, 0.5]), [1.0, 4.0, 0.5])
    assert np.allclose(np.ptp(chair.vertices, axis=0), [0.5, 0.5, 1.0])


def test_floor_height_and_frames(scan):
    scene = load_scannet(scan)
    assert scene.floor_z == pytest.approx(-0.05)
    frames = scene.trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["000000", "000015"]
    assert [f.t for f in frames] == [0.0, 0.5]  # 30 Hz assumed
    assert (frames[0].rgb, frames[0].depth) == ("color/0.jpg", "depth/0.png")
    assert (frames[0].width, frames[0].height) == (640, 480)
    uv, z = frames[0].project(aligned(PROBE)[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-3) and z[0] == pytest.approx(5.0, abs=1e-5)
    uv, _ = frames[1].project(aligned([2.0, 0.0, 1.0])[None])
    assert np.allclose(uv[0], [CX, CY], atol=1e-3)


def test_missing_files_are_named(scan):
    (scan / "scene0007_00.aggregation.json").unlink()
    with pytest.raises(SceneError, match=r"scene0007_00\.aggregation\.json: file not found"):
        load_scannet(scan)


def test_segments_must_match_the_mesh(scan):
    (scan / "scene0007_00_vh_clean_2.0.010000.segs.json").write_text('{"segIndices": [1, 2]}')
    with pytest.raises(SceneError, match=r"segIndices has 2 entries for 32 mesh vertices"):
        load_scannet(scan)


# --------------------------------------------------------------------------- right to the pixel


SCANNET_COLOR = (1296, 968)


SCANNET_K = pinhole(1170.187988, 1170.187988, 647.75, 483.75)
"""intrinsic_color.txt of a ScanNet v2 scan (the Structure sensor's colour camera)."""


EXPORT_ALIGN = np.array(
    [
        [0.945519, 0.325568, 0.0, -5.38439],
        [-0.325568, 0.945519, 0.0, -2.48984],
        [0.0, 0.0, 1.0, -0.05],
        [0.0, 0.0, 0.0, 1.0],
    ]
)
"""A real-looking axisAlignment: a turn of about -19 degrees about z and a shift."""


CHAIR_TOP_CORNER = np.array([2.25, 0.25, 1.0])  # scan frame: the chair box of dataset_kit


# frame index, pixel of the chair's top corner, its depth, rotation vector of the camera
SCANNET_VIEWS = [
    (0, (1287, 959), 2.5, (0.4, -2.0, 0.9)),  # near the bottom-right corner
    (20, (9, 12), 3.2, (-1.3, 0.5, 0.2)),  # near the top-left corner
    (40, (648, 484), 4.0, (0.1, 0.2, -2.9)),  # the centre, camera upside down
]


def scannet_pose(view) -> np.ndarray:
    _, pixel, depth, rotvec = view
    return camera_placing(CHAIR_TOP_CORNER, pixel, depth, rodrigues(rotvec), SCANNET_K)


def save_mat(matrix: np.ndarray, path: Path) -> None:
    """As ``SensorData.save_mat_to_file``: one ``np.savetxt(..., fmt='%f')`` per row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for row in matrix:
            np.savetxt(handle, row[np.newaxis], fmt="%f")


def nearest_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``cv2.resize(..., interpolation=cv2.INTER_NEAREST)``: destination pixel x shows source
    pixel floor(x * source / destination) (OpenCV's resizeNN)."""
    width, height = size
    rows = np.minimum(
        np.floor(np.arange(height) * image.shape[0] / height).astype(int), -1 + image.shape[0]
    )
    cols = np.minimum(
        np.floor(np.arange(width) * image.shape[1] / width).astype(int), -1 + image.shape[1]
    )
    return image[rows][:, cols]


def export_scannet(root: Path, color_size: tuple[int, int] | None = None) -> Path:
    """A scan as SensReader's reader.py exports it (``--export_color_images --export_poses
    --export_intrinsics``), into ``scans/<scene>``; ``color_size`` resizes the colour images as
    ``export_color_images(image_size=...)`` does."""
    scan = write_scannet(root)  # mesh, segments, aggregation, label TSV
    for folder in ("pose", "color", "depth", "intrinsic"):
        shutil.rmtree(scan / folder, ignore_errors=True)
    alignment = " ".join(f"{x:f}" for x in EXPORT_ALIGN.ravel())
    (scan / f"{scan.name}.txt").write_text(
        f"axisAlignment = {alignment}\ncolorHeight = 968\ncolorWidth = 1296\n"
        "depthHeight = 480\ndepthWidth = 640\nfx_color = 1170.187988\nfx_depth = 571.623718\n"
        "fy_color = 1170.187988\nfy_depth = 571.623718\nmx_color = 647.750000\n"
        "mx_depth = 319.500000\nmy_color = 483.750000\nmy_depth = 239.500000\n"
        "numColorFrames = 41\nnumDepthFrames = 41\nnumIMUmeasurements = 0\nsceneType = Office\n"
    )
    intrinsic = np.eye(4)
    intrinsic[:3, :3] = SCANNET_K
    save_mat(intrinsic, scan / "intrinsic" / "intrinsic_color.txt")
    save_mat(np.eye(4), scan / "intrinsic" / "extrinsic_color.txt")
    for view in SCANNET_VIEWS:
        index, pixel = view[0], view[1]
        save_mat(scannet_pose(view), scan / "pose" / f"{index}.txt")
        color = marker_image(SCANNET_COLOR, pixel)
        if color_size is not None:
            color = nearest_resize(color, color_size)
        (scan / "color").mkdir(exist_ok=True)
        Image.fromarray(color).save(scan / "color" / f"{index}.jpg", quality=95)
        write_image(scan / "depth" / f"{index}.png", size=(640, 480), depth=True)
    return scan


def test_scannet_pose_is_camera_to_world_and_K_is_intrinsic_color(tmp_path):
    """Follows SensReader/python/SensorData.py (export_poses, export_intrinsics)."""
    scan = export_scannet(tmp_path)
    scene = load_scannet(scan)
    frames = {f.id: f for f in scene.trajectory("walkthrough").frames}
    assert sorted(frames) == ["000000", "000020", "000040"]
    # The known point is real geometry: the chair's top corner, axis-aligned by hand.
    point = EXPORT_ALIGN[:3, :3] @ CHAIR_TOP_CORNER + EXPORT_ALIGN[:3, 3]
    chair = next(o for o in scene.objects if o.category == "chair")
    assert np.abs(chair.vertices - point).max(axis=1).min() < 1e-5
    for view in SCANNET_VIEWS:
        frame = frames[f"{view[0]:06d}"]
        assert (frame.width, frame.height) == SCANNET_COLOR
        assert np.allclose(frame.K, SCANNET_K)
        # By hand: the exported pose maps the scan frame; axisAlignment maps on to the world.
        assert np.allclose(pixel_of(CHAIR_TOP_CORNER, scannet_pose(view), SCANNET_K), view[1])
        assert_on_pixel(frame, point, view[1])


def test_scannet_delivered_image_shows_the_point_on_its_pixel(tmp_path):
    """Follows SensReader/python/SensorData.py (export_color_images at full size)."""
    scan = export_scannet(tmp_path)
    scene = load_scannet(scan)
    point = EXPORT_ALIGN[:3, :3] @ CHAIR_TOP_CORNER + EXPORT_ALIGN[:3, 3]
    for frame in scene.trajectory("walkthrough").frames:
        image = delivered(scene, frame, scan)
        assert image.shape == (968, 1296, 3)
        uv, _ = frame.project(point[None])
        assert np.abs(marker_centre(image) - uv[0]).max() < TOLERANCE_PX
        small = frame.resized(*build_size())  # what a build renders at its default size
        image = delivered(scene, small, scan)
        assert image.shape == (build_size()[1], build_size()[0], 3)
        uv, _ = small.project(point[None])
        assert np.abs(marker_centre(image) - uv[0]).max() < TOLERANCE_PX


def test_scannet_colour_exported_at_depth_size_keeps_the_pixel(tmp_path):
    """Follows SensReader/python/SensorData.py (export_color_images with image_size,
    cv2.INTER_NEAREST)."""
    scan = export_scannet(tmp_path, color_size=(640, 480))
    scene = load_scannet(scan)
    point = EXPORT_ALIGN[:3, :3] @ CHAIR_TOP_CORNER + EXPORT_ALIGN[:3, 3]
    for frame in scene.trajectory("walkthrough").frames:
        assert (frame.width, frame.height) == (640, 480)
        image = delivered(scene, frame, scan)
        assert image.shape == (480, 640, 3)
        uv, _ = frame.project(point[None])
        assert np.abs(marker_centre(image) - uv[0]).max() < TOLERANCE_PX


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("colorWidth = wide", r"scene0007_00\.txt: colorWidth: expected a positive integer"),
        ("axisAlignment = 1 0 0", r"scene0007_00\.txt: axisAlignment: expected 16 numbers"),
        (
            "axisAlignment = 2 0 0 0 0 2 0 0 0 0 2 0 0 0 0 1",
            r"scene0007_00\.txt: axisAlignment: expected a rigid transform",
        ),
    ],
)
def test_scannet_bad_meta_is_named(tmp_path, line, message):
    scan = export_scannet(tmp_path)
    meta = scan / "scene0007_00.txt"
    key = line.split(" = ")[0]
    kept = [x for x in meta.read_text().splitlines() if not x.startswith(key)]
    meta.write_text("\n".join([line, *kept]) + "\n")
    with pytest.raises(SceneError, match=message):
        load_scannet(scan)


def test_scannet_extrinsic_color_that_is_not_identity_is_reported(tmp_path):
    scan = export_scannet(tmp_path)
    moved = np.eye(4)
    moved[0, 3] = 0.05
    save_mat(moved, scan / "intrinsic" / "extrinsic_color.txt")
    assert "extrinsic_color.txt is not the identity" in load_scannet(scan).source.detail
