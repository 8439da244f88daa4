"""ARKitScenes: objects cut from the mesh by their boxes, world-to-camera .traj inverted.

Real scans right to the pixel: a known 3D point lands on its known pixel through the
loader's pose and K, near the image corners too and under non-trivial rotations. The fixture
is written in the dataset's own files, the way its official code writes or reads them, and
every expected pixel comes from that code's convention written out by hand (projection_kit),
never through the loader:

- ARKitScenes: apple/ARKitScenes ``threedod/benchmark_scripts/utils/tenFpsDataLoader.py``
  (``TrajStringToMatrix``: columns 2-4 an axis-angle through ``cv2.Rodrigues``, 5-7 a
  translation, the pair world-to-camera and inverted; ``st2_camera_intrinsics``: a ``.pincam``
  is ``w h fx fy cx cy``; ``generate_point`` back-projects ``(u d, v d, d)`` through ``K`` and
  the inverted pose) and ``utils/box_utils.py`` (``compute_box_3d``: corners are
  ``normalizedAxes.reshape(3, 3).T @ (±l/2, ±h/2, ±w/2) + centroid``).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from dataset_kit import (
    ARKIT_TIMES,
    CX,
    CY,
    PROBE,
    PROBE_PIXEL,
    boxes_mesh,
    write_arkitscenes,
    write_image,
    write_ply,
)
from PIL import Image
from projection_kit import (
    TOLERANCE_PX,
    assert_on_pixel,
    camera_placing,
    delivered,
    marker_centre,
    marker_image,
    pinhole,
    rodrigues,
)

from spatialqa.errors import SceneError
from spatialqa.scenes.arkitscenes import load_arkitscenes


@pytest.fixture
def video(tmp_path):
    return write_arkitscenes(tmp_path)


def test_objects_are_the_mesh_inside_each_box(video):
    scene = load_arkitscenes(video)
    assert scene.scene_id == "41254925"
    assert {o.id: o.category for o in scene.objects} == {1: "chair", 2: "table"}
    chair = scene.object(1)
    assert np.allclose(chair.vertices.mean(axis=0), [2.0, 0.0, 0.5])
    assert np.allclose(np.ptp(chair.vertices, axis=0), [0.5, 0.5, 1.0])
    assert np.allclose(chair.annotated_box.extent, [0.52, 0.52, 1.02])
    assert [s.category for s in scene.structure] == ["unlabelled"]
    detail = scene.source.detail
    assert "1 instances without points dropped: 3 (tv_monitor)" in detail
    assert "no pose within 5 ms" in detail


def test_trajectory_timestamps_and_projection(video):
    frames = load_arkitscenes(video).trajectory("walkthrough").frames
    assert [f.t for f in frames] == list(ARKIT_TIMES)
    assert [f.id for f in frames] == ["6845.706", "6846.206"]
    assert frames[0].rgb == "41254925_frames/lowres_wide/41254925_6845.706.png"
    uv, z = frames[0].project(PROBE[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-4) and z[0] == pytest.approx(5.0)
    uv, _ = frames[1].project(np.array([[2.0, 0.0, 1.0]]))
    assert np.allclose(uv[0], [CX, CY], atol=1e-4)


def test_malformed_traj_is_named(video):
    (video / "41254925_frames" / "lowres_wide.traj").write_text("1 2 3\n")
    with pytest.raises(SceneError, match=r"lowres_wide\.traj: line 1: expected 7 columns"):
        load_arkitscenes(video)


# --------------------------------------------------------------------------- right to the pixel


ARKIT_VIDEO = "47333462"


ARKIT_SIZE = (256, 192)


ARKIT_INTRINSICS = (256, 192, 212.027, 212.027, 127.933, 95.9333)


ARKIT_K = pinhole(*ARKIT_INTRINSICS[2:])


_C30, _S30 = math.cos(math.radians(30)), math.sin(math.radians(30))


CHAIR_OBB = {
    "centroid": [2.0, 0.0, 0.5],
    "axesLengths": [0.72, 0.72, 1.04],
    "normalizedAxes": [_C30, _S30, 0.0, -_S30, _C30, 0.0, 0.0, 0.0, 1.0],
}
"""The chair's box, turned 30 degrees about z; large enough to hold the 0.5 x 0.5 chair."""


# traj timestamp, pixel of the known point, its depth, world-to-camera rotation vector
ARKIT_VIEWS = [
    (6845.80601079, (252, 189), 2.2, (1.1, -0.7, 2.3)),  # near the bottom-right corner
    (6845.90601883, (3, 4), 1.8, (-2.0, 0.4, 0.6)),  # near the top-left corner
    (6846.00602451, (128, 96), 3.0, (0.2, 2.9, -0.3)),  # the centre
]


def official_box_corners(obb: dict) -> np.ndarray:
    """``box_utils.compute_box_3d``: rotmat = normalizedAxes as a row-major 3x3; corners are
    rotmat^T @ (±l, ±h, ±w) / 2 + centroid."""
    rotmat = np.asarray(obb["normalizedAxes"], dtype=np.float64).reshape(3, 3)
    half = np.asarray(obb["axesLengths"], dtype=np.float64) / 2
    signs = np.array([[a, b, c] for a in (1, -1) for b in (1, -1) for c in (1, -1)], float)
    return (rotmat.T @ (signs * half).T).T + np.asarray(obb["centroid"])


ARKIT_POINT = official_box_corners(CHAIR_OBB)[0]  # the corner (+l, +h, +w)


def traj_line(view) -> str:
    """A ``lowres_wide.traj`` line whose camera sees ARKIT_POINT at the view's pixel: the
    world-to-camera rotation is Rodrigues(r), so the camera-to-world rotation is its transpose."""
    stamp, pixel, depth, rotvec = view
    world_to_camera = rodrigues(rotvec)
    pose = camera_placing(ARKIT_POINT, pixel, depth, world_to_camera.T, ARKIT_K)
    translation = -world_to_camera @ pose[:3, 3]
    return " ".join(f"{x:.8f}" for x in [stamp, *rotvec, *translation])


def traj_to_camera_to_world(line: str) -> np.ndarray:
    """``TrajStringToMatrix`` by hand: [Rodrigues(r) | t] is world-to-camera; invert it."""
    values = [float(x) for x in line.split()]
    extrinsics = np.eye(4)
    extrinsics[:3, :3] = rodrigues(values[1:4])
    extrinsics[:3, 3] = values[4:7]
    return np.linalg.inv(extrinsics)


def write_arkit_video(root: Path) -> Path:
    folder = root / "3dod" / "Training" / ARKIT_VIDEO
    vertices, faces, _ = boxes_mesh()
    write_ply(folder / f"{ARKIT_VIDEO}_3dod_mesh.ply", vertices, faces)
    table = {"centroid": [0.0, 2.0, 0.375], "axesLengths": [1.22, 0.82, 0.77]}
    table["normalizedAxes"] = np.eye(3).ravel().tolist()
    data = [
        {"uid": "c1", "label": "chair", "segments": {"obbAligned": CHAIR_OBB}},
        {"uid": "t1", "label": "table", "segments": {"obbAligned": table}},
    ]
    (folder / f"{ARKIT_VIDEO}_3dod_annotation.json").write_text(
        json.dumps({"data": data, "skipped": False, "stats": {}})
    )
    frames = folder / f"{ARKIT_VIDEO}_frames"
    (frames / "lowres_wide_intrinsics").mkdir(parents=True)
    (frames / "lowres_wide").mkdir()
    lines = []
    for view in ARKIT_VIEWS:
        lines.append(traj_line(view))
        name = f"{ARKIT_VIDEO}_{view[0]:.3f}"
        (frames / "lowres_wide_intrinsics" / f"{name}.pincam").write_text(
            " ".join(f"{x:g}" for x in ARKIT_INTRINSICS) + "\n"
        )
        Image.fromarray(marker_image(ARKIT_SIZE, view[1], half=2)).save(
            frames / "lowres_wide" / f"{name}.png"
        )
        write_image(frames / "lowres_depth" / f"{name}.png", size=ARKIT_SIZE, depth=True)
    (frames / "lowres_wide.traj").write_text("\n".join(lines) + "\n")
    return folder


def test_arkitscenes_traj_is_world_to_camera_rodrigues_inverted(tmp_path):
    """Follows threedod/benchmark_scripts/utils/tenFpsDataLoader.py (TrajStringToMatrix,
    st2_camera_intrinsics, generate_point)."""
    video = write_arkit_video(tmp_path)
    traj = (video / f"{ARKIT_VIDEO}_frames" / "lowres_wide.traj").read_text().splitlines()
    scene = load_arkitscenes(video)
    frames = scene.trajectory("walkthrough").frames
    assert [f.id for f in frames] == [f"{v[0]:.3f}" for v in ARKIT_VIEWS]
    for frame, line, (stamp, pixel, depth, _) in zip(frames, traj, ARKIT_VIEWS, strict=True):
        assert frame.t == pytest.approx(stamp)
        assert np.allclose(frame.K, ARKIT_K) and (frame.width, frame.height) == ARKIT_SIZE
        # generate_point by hand: (u d, v d, d) through K^-1, then the inverted traj pose.
        pose = traj_to_camera_to_world(line)
        camera = np.linalg.solve(ARKIT_K, [pixel[0] * depth, pixel[1] * depth, depth])
        assert np.allclose(pose[:3, :3] @ camera + pose[:3, 3], ARKIT_POINT, atol=1e-5)
        assert_on_pixel(frame, ARKIT_POINT, pixel)


def test_arkitscenes_annotated_box_corners_follow_compute_box_3d(tmp_path):
    """Follows threedod/benchmark_scripts/utils/box_utils.py (compute_box_3d)."""
    scene = load_arkitscenes(write_arkit_video(tmp_path))
    box = scene.object(1).annotated_box
    official = official_box_corners(CHAIR_OBB)
    distances = np.linalg.norm(box.corners[:, None] - official[None], axis=2)
    assert np.allclose(distances.min(axis=1), 0.0, atol=1e-9)
    assert np.allclose(distances.min(axis=0), 0.0, atol=1e-9)


def test_arkitscenes_delivered_image_shows_the_point_on_its_pixel(tmp_path):
    """Follows tenFpsDataLoader.py: lowres_wide/<video>_<t>.png is the image the pincam
    describes."""
    video = write_arkit_video(tmp_path)
    scene = load_arkitscenes(video)
    for frame, (_, pixel, _, _) in zip(
        scene.trajectory("walkthrough").frames, ARKIT_VIEWS, strict=True
    ):
        image = delivered(scene, frame, video)
        assert image.shape == (192, 256, 3)
        assert np.abs(marker_centre(image) - np.asarray(pixel)).max() < TOLERANCE_PX
        assert_on_pixel(frame, ARKIT_POINT, marker_centre(image))


def test_arkitscenes_image_of_another_size_than_its_pincam_is_dropped(tmp_path):
    """tenFpsDataLoader.py uses the pincam K with the image as it is; one of another size
    would be stretched on delivery, so the loader drops it."""
    video = write_arkit_video(tmp_path)
    name = f"{ARKIT_VIDEO}_{ARKIT_VIEWS[0][0]:.3f}.png"
    portrait = video / f"{ARKIT_VIDEO}_frames" / "lowres_wide" / name
    Image.new("RGB", (192, 256)).save(portrait)  # turned upright: K no longer describes it
    scene = load_arkitscenes(video)
    assert [f.id for f in scene.trajectory("walkthrough").frames] == ["6845.906", "6846.006"]
    assert f"{name} is 192x256 but {name[:-4]}.pincam says 256x192" in scene.source.detail


def test_arkitscenes_bad_pincam_and_traj_values_drop_their_frames(tmp_path):
    video = write_arkit_video(tmp_path)
    frames = video / f"{ARKIT_VIDEO}_frames"
    first = frames / "lowres_wide_intrinsics" / f"{ARKIT_VIDEO}_{ARKIT_VIEWS[0][0]:.3f}.pincam"
    first.write_text("256 nan 212 212 128 96\n")
    traj = frames / "lowres_wide.traj"
    lines = traj.read_text().splitlines()
    lines[1] = " ".join([*lines[1].split()[:4], "inf", "0", "0"])
    traj.write_text("\n".join(lines) + "\n")
    scene = load_arkitscenes(video)
    assert [f.id for f in scene.trajectory("walkthrough").frames] == ["6846.006"]
    assert f"unreadable {first.name}" in scene.source.detail
    assert "6845.906 (pose not finite)" in scene.source.detail
