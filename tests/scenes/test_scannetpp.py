"""ScanNet++: per-vertex segments, annotated OBBs kept, iPhone (pose_intrinsic_imu.json) and DSLR
(transforms_undistorted.json, OpenGL camera and swapped world axes undone) trajectories.

Cameras to the pixel (COLMAP and nerfstudio models, pose_intrinsic_imu.json, bad camera
input) on the scans of lens_kit, which cites the files it follows. The COLMAP readers' errors
are in test_colmap.py, the lenses' in test_undistort.py, a build's delivered photos in
test_builds_deliver_undistorted_photos.py."""

import json
from pathlib import Path

import numpy as np
import pytest
from dataset_kit import CX, CY, PROBE, PROBE_PIXEL, TABLE_AXES, nerfstudio_matrix, write_scannetpp
from lens_kit import (
    FISHEYE,
    HEIGHT,
    OPENCV,
    PROBES,
    WIDTH,
    check_markers,
    fisheye_params,
    fisheye_pixels,
    marker_at,
    pinhole_pixels,
    pose,
    scene_without_cameras,
    second_pose,
    write_colmap,
    write_iphone,
    write_markers,
)
from PIL import Image
from scipy.spatial.transform import Rotation

from spatialqa.errors import SceneError
from spatialqa.scenes.formats import convert
from spatialqa.scenes.io import load_scene
from spatialqa.scenes.scannetpp import load_scannetpp


@pytest.fixture
def scene_dir(tmp_path):
    return write_scannetpp(tmp_path)


def test_objects_boxes_and_report(scene_dir):
    scene = load_scannetpp(scene_dir)
    assert scene.scene_id == "0a5c013435"
    assert {o.id: o.category for o in scene.objects} == {2: "office chair", 3: "kitchen table"}
    assert [s.category for s in scene.structure] == ["floor", "unlabelled"]
    chair, table = scene.object(2), scene.object(3)
    assert np.allclose(chair.vertices.mean(axis=0), [2.0, 0.0, 0.5])  # +x stays +x
    assert chair.annotated_box is None
    box = table.annotated_box
    # normalizedAxes rows are the axes: the first box axis is (cos 30, sin 30, 0).
    assert np.allclose(box.rotation[:, 0], TABLE_AXES[0])
    assert np.allclose(box.rotation, TABLE_AXES.T)
    assert np.array_equal(box.extent, [1.3, 0.9, 0.8])
    assert np.array_equal(box.center, [0.0, 2.0, 0.375])
    detail = scene.source.detail
    assert "1 instances without points dropped: 7 (lamp)" in detail
    assert "1 bad frames dropped: ['frame_000060 (pose not finite)']" in detail


def test_iphone_trajectory(scene_dir):
    frames = load_scannetpp(scene_dir).trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["frame_000000", "frame_000030"]
    assert [f.t for f in frames] == [0.0, 0.5]  # frame numbers at the assumed 60 Hz
    assert frames[0].rgb == "iphone/rgb/frame_000000.jpg"
    assert frames[0].depth == "iphone/depth/frame_000000.png"
    uv, z = frames[0].project(PROBE[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-6) and z[0] == pytest.approx(5.0)


def test_iphone_timestamps_are_used_when_present(scene_dir):
    path = scene_dir / "iphone" / "pose_intrinsic_imu.json"
    entries = json.loads(path.read_text())
    entries["frame_000000"]["timestamp"] = 12.25
    entries["frame_000030"]["timestamp"] = 12.75
    path.write_text(json.dumps(entries))
    frames = load_scannetpp(scene_dir).trajectory("walkthrough").frames
    assert [f.t for f in frames] == [12.25, 12.75]


def test_dslr_opengl_poses_are_converted(scene_dir):
    scene = load_scannetpp(scene_dir, camera="dslr")
    frames = scene.trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["DSC00002", "DSC00005"]
    assert [f.t for f in frames] == [0.0, 1.0]
    uv, z = frames[0].project(PROBE[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-6) and z[0] == pytest.approx(5.0)
    uv, _ = frames[1].project(np.array([[2.0, 0.0, 1.0]]))
    assert np.allclose(uv[0], [CX, CY], atol=1e-6)
    assert "DSC00009 (flagged is_bad)" in scene.source.detail


def test_bad_annotation_is_named(scene_dir):
    (scene_dir / "scans" / "segments_anno.json").write_text('{"segGroups": [{"label": "x"}]}')
    with pytest.raises(SceneError, match=r"segments_anno\.json: segGroups\[0\]: needs objectId"):
        load_scannetpp(scene_dir)


# -------------------------------------------------------- cameras to the pixel (fixtures: lens_kit)


# --------------------------------------------------------------------------- DSLR


@pytest.mark.parametrize("binary", [True, False], ids=["bin", "txt"])
def test_dslr_fisheye_from_colmap(tmp_path, binary):
    """scannetpp common/utils/colmap.py reads dslr/colmap; DSLR lenses are OPENCV_FISHEYE."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    names = ["DSC00001.JPG", "DSC00007.JPG"]
    write_colmap(
        scene / "dslr" / "colmap", "OPENCV_FISHEYE", fisheye_params(), names,
        [c2w, second_pose()], binary,
    )  # fmt: skip
    pixels = fisheye_pixels(PROBES, c2w, FISHEYE)
    # A pinhole K alone would misplace these points by pixels to tens of pixels.
    K = np.array([[FISHEYE["fx"], 0, FISHEYE["cx"]], [0, FISHEYE["fy"], FISHEYE["cy"]], [0, 0, 1]])
    assert np.linalg.norm(pixels - pinhole_pixels(PROBES, c2w, K), axis=1).max() > 20
    write_markers(scene / "dslr" / "resized_images" / names[0], pixels)
    write_markers(scene / "dslr" / "resized_images" / names[1], [[320, 240]])
    out = tmp_path / "converted"
    converted = convert(scene, out)
    frames = converted.trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["DSC00001", "DSC00007"]
    assert frames[0].rgb == "undistorted/dslr/DSC00001.JPG"
    check_markers(out, frames[0], c2w)
    # The scene directory says the same, and delivers the undistorted image.
    reloaded = load_scene(out).frame("DSC00001")
    assert np.array_equal(reloaded.K, frames[0].K) and reloaded.rgb == frames[0].rgb
    assert "undistorted to pinhole" in converted.source.detail


def test_dslr_nerfstudio_transforms_fisheye(tmp_path):
    """dslr/nerfstudio/transforms.json as common/utils/nerfstudio.py writes it: OpenGL camera
    flip and swapped world axes, OPENCV_FISHEYE with k1..k4; images in dslr/resized_images."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    f = FISHEYE
    transforms = {
        "fl_x": f["fx"], "fl_y": f["fy"], "cx": f["cx"], "cy": f["cy"], "w": WIDTH, "h": HEIGHT,
        "k1": f["k"][0], "k2": f["k"][1], "k3": f["k"][2], "k4": f["k"][3],
        "camera_model": "OPENCV_FISHEYE",
        "frames": [{"file_path": "DSC00003.JPG", "transform_matrix": nerfstudio_matrix(c2w)}],
        "test_frames": [
            {"file_path": "DSC00011.JPG", "transform_matrix": nerfstudio_matrix(second_pose())}
        ],
    }  # fmt: skip
    (scene / "dslr" / "nerfstudio").mkdir(parents=True)
    (scene / "dslr" / "nerfstudio" / "transforms.json").write_text(json.dumps(transforms))
    write_markers(scene / "dslr/resized_images/DSC00003.JPG", fisheye_pixels(PROBES, c2w, f))
    out = tmp_path / "converted"
    frames = convert(scene, out).trajectory("walkthrough").frames
    assert [fr.id for fr in frames] == ["DSC00003", "DSC00011"]
    assert frames[1].rgb is None  # no image on disk
    check_markers(out, frames[0], c2w)
    assert np.allclose(frames[1].pose, second_pose(), atol=1e-9)


def test_dslr_nerfstudio_transforms_undistorted(tmp_path):
    """transforms_undistorted.json as dslr/undistort.py writes it: PINHOLE with the new K,
    the poses of transforms.json unchanged; images in dslr/undistorted_images."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    K = np.array([[231.25, 0.0, 318.75], [0.0, 233.5, 241.25], [0.0, 0.0, 1.0]])
    transforms = {
        "fl_x": K[0, 0], "fl_y": K[1, 1], "cx": K[0, 2], "cy": K[1, 2], "w": WIDTH, "h": HEIGHT,
        "k1": 0.0, "k2": 0.0, "k3": 0.0, "k4": 0.0, "camera_model": "PINHOLE",
        "frames": [{"file_path": "DSC00003.JPG", "transform_matrix": nerfstudio_matrix(c2w)}],
    }  # fmt: skip
    (scene / "dslr" / "nerfstudio").mkdir(parents=True)
    (scene / "dslr/nerfstudio/transforms_undistorted.json").write_text(json.dumps(transforms))
    write_markers(scene / "dslr/undistorted_images/DSC00003.JPG", pinhole_pixels(PROBES, c2w, K))
    # Already pinhole: a plain load names the image as it is.
    frame = load_scannetpp(scene, camera="dslr").frame("DSC00003")
    assert frame.rgb == "dslr/undistorted_images/DSC00003.JPG"
    assert np.array_equal(frame.K, K)
    check_markers(scene, frame, c2w)


def test_dslr_colmap_names_the_fisheye_image_with_its_lens(tmp_path):
    """Poses from dslr/colmap: a plain load names the fisheye image in dslr/resized_images
    with its lens, as convert would undistort it, even where the toolkit's own undistorted
    images (dslr/undistort.py) are there too: one K per camera, whatever else is on disk."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    write_colmap(
        scene / "dslr/colmap", "OPENCV_FISHEYE", fisheye_params(), ["DSC00001.JPG"], [c2w], False
    )
    write_markers(scene / "dslr/resized_images/DSC00001.JPG", fisheye_pixels(PROBES, c2w, FISHEYE))
    K = np.array([[240.0, 0.0, 320.5], [0.0, 241.0, 239.5], [0.0, 0.0, 1.0]])
    transforms = {
        "fl_x": K[0, 0], "fl_y": K[1, 1], "cx": K[0, 2], "cy": K[1, 2], "w": WIDTH, "h": HEIGHT,
        "camera_model": "PINHOLE", "frames": [],
    }  # fmt: skip
    (scene / "dslr" / "nerfstudio").mkdir(parents=True)
    (scene / "dslr/nerfstudio/transforms_undistorted.json").write_text(json.dumps(transforms))
    write_markers(scene / "dslr/undistorted_images/DSC00001.JPG", pinhole_pixels(PROBES, c2w, K))
    frame = load_scannetpp(scene, camera="dslr").frame("DSC00001")
    assert frame.rgb == "dslr/resized_images/DSC00001.JPG"
    lens = frame.distortion
    assert lens.model == "OPENCV_FISHEYE" and lens.params.tolist() == list(FISHEYE["k"])
    assert (lens.width, lens.height) == (WIDTH, HEIGHT)
    assert lens.K.tolist() == [
        [FISHEYE["fx"], 0.0, FISHEYE["cx"]], [0.0, FISHEYE["fy"], FISHEYE["cy"]], [0, 0, 1]
    ]  # fmt: skip
    converted = convert(scene, tmp_path / "converted").frame("DSC00001")
    assert converted.distortion is None and converted.rgb == "undistorted/dslr/DSC00001.JPG"
    assert np.array_equal(frame.K, converted.K)


# --------------------------------------------------------------------------- iPhone


def test_iphone_opencv_from_colmap(tmp_path):
    """iphone/colmap (OPENCV: k1, k2, p1, p2), images from iphone/prepare_iphone_data.py."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    write_iphone(scene, c2w)
    out = tmp_path / "converted"
    converted = convert(scene, out)
    frames = converted.trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["frame_000000", "frame_000030"]
    assert [f.t for f in frames] == [0.0, 0.5]
    assert frames[0].rgb == "undistorted/iphone/frame_000000.jpg"
    check_markers(out, frames[0], c2w)


def test_plain_load_names_the_distorted_images_with_their_lens(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose())
    loaded = load_scannetpp(scene)
    frames = loaded.trajectory("walkthrough").frames
    assert [f.rgb for f in frames] == ["iphone/rgb/frame_000000.jpg", "iphone/rgb/frame_000030.jpg"]
    for frame in frames:
        assert frame.distortion.model == "OPENCV"
        assert frame.distortion.params.tolist() == list(OPENCV["k"])
        assert frame.distortion.K.tolist() == [
            [OPENCV["fx"], 0.0, OPENCV["cx"]], [0.0, OPENCV["fy"], OPENCV["cy"]], [0, 0, 1]
        ]  # fmt: skip
    assert "2 iphone images (OPENCV) named with their lens: undistorted to pinhole" in (
        loaded.source.detail
    )
    # The same pinhole camera as the converted scene's, whose frames carry no lens.
    converted = convert(scene, tmp_path / "converted").trajectory("walkthrough").frames
    assert np.array_equal(frames[0].K, converted[0].K)
    assert [f.distortion for f in converted] == [None, None]


# --------------------------------------------------------------------------- pose_intrinsic_imu


def perturbed(c2w: np.ndarray, metres: float, degrees: float) -> np.ndarray:
    moved = c2w.copy()
    moved[:3, :3] = c2w[:3, :3] @ Rotation.from_euler("y", degrees, degrees=True).as_matrix()
    moved[:3, 3] += [metres, 0.0, 0.0]
    return moved


def write_pose_json(scene: Path, poses: dict[str, np.ndarray]) -> None:
    K = [[OPENCV["fx"], 0, OPENCV["cx"]], [0, OPENCV["fy"], OPENCV["cy"]], [0, 0, 1]]
    entries = {
        frame: {"aligned_pose": p.tolist(), "intrinsic": K, "timestamp": 100.0 + i / 2}
        for i, (frame, p) in enumerate(poses.items())
    }
    (scene / "iphone" / "pose_intrinsic_imu.json").write_text(json.dumps(entries))


def test_pose_json_that_agrees_with_colmap_is_kept(tmp_path):
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    write_iphone(scene, c2w, binary=True)
    write_pose_json(
        scene,
        {"frame_000000": perturbed(c2w, 0.004, 0.3), "frame_000030": second_pose()},
    )
    out = tmp_path / "converted"
    converted = convert(scene, out)
    frames = converted.trajectory("walkthrough").frames
    assert [f.t for f in frames] == [100.0, 100.5]  # the json's timestamps
    check_markers(out, frames[0], c2w)  # COLMAP's pose, as the toolkit reads it
    assert "2 iPhone poses agree with pose_intrinsic_imu.json" in converted.source.detail


@pytest.mark.parametrize(("metres", "degrees"), [(0.02, 0.0), (0.0, 1.0)])
def test_pose_json_that_disagrees_with_colmap_is_an_error(tmp_path, metres, degrees):
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    write_iphone(scene, c2w)
    write_pose_json(
        scene,
        {"frame_000000": c2w, "frame_000030": perturbed(second_pose(), metres, degrees)},
    )
    with pytest.raises(
        SceneError,
        match=r"pose_intrinsic_imu\.json: aligned_pose of 1 frames disagrees with \S*images\.txt"
        r" by more than 1 cm / 0\.5 deg: frame_000030",
    ):
        load_scannetpp(scene)


def test_pose_json_alone_gives_pinhole_frames(tmp_path):
    """Without a COLMAP model, aligned_pose (camera-to-world, OpenCV) and intrinsic."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    K = np.array([[330.0, 0.0, 320.0], [0.0, 330.0, 240.0], [0.0, 0.0, 1.0]])
    entries = {
        "frame_000000": {"aligned_pose": c2w.tolist(), "intrinsic": K.tolist()},
        "frame_000030": {"aligned_pose": second_pose().tolist(), "intrinsic": K.tolist()},
    }  # the second frame's image was never extracted
    (scene / "iphone").mkdir()
    (scene / "iphone" / "pose_intrinsic_imu.json").write_text(json.dumps(entries))
    write_markers(scene / "iphone/rgb/frame_000000.jpg", pinhole_pixels(PROBES, c2w, K))
    loaded = load_scannetpp(scene)
    assert loaded.frame("frame_000030").rgb is None
    frame = loaded.frame("frame_000000")
    assert frame.rgb == "iphone/rgb/frame_000000.jpg"
    assert np.allclose(frame.pose, c2w, atol=1e-12)
    uv, _ = frame.project(PROBES)
    for expected in uv:
        assert np.linalg.norm(marker_at(scene / frame.rgb, expected) - expected) < 1.0


# --------------------------------------------------------------------------- bad camera input


def test_image_of_another_size_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose())
    Image.new("RGB", (320, 240)).save(scene / "iphone" / "rgb" / "frame_000030.jpg")
    with pytest.raises(
        SceneError,
        match=r"frame_000030\.jpg: image is 320 x 240, but \S*cameras\.txt camera 1 says "
        r"WIDTH x HEIGHT 640 x 480",
    ):
        load_scannetpp(scene)


def test_unknown_nerfstudio_camera_model_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    transforms = {"fl_x": 1, "fl_y": 1, "cx": 1, "cy": 1, "w": 4, "h": 4, "camera_model": "FOV"}
    (scene / "dslr" / "nerfstudio").mkdir(parents=True)
    (scene / "dslr/nerfstudio/transforms.json").write_text(json.dumps(transforms | {"frames": []}))
    with pytest.raises(SceneError, match=r"transforms\.json: camera_model: unknown 'FOV'"):
        load_scannetpp(scene, camera="dslr")
