"""ScanNet++ cameras to the pixel: a known 3D point lands on its known pixel, every camera model.

Each fixture writes a camera the way the dataset's own files do, draws a white disc in a real
JPEG at the pixel where the lens puts a known 3D point (the distortion written out here from
its definition, never through the loader or OpenCV), converts the scene, and checks that the
disc in the delivered (undistorted) image sits where the loaded pinhole pose and K project
the point: within 1 px, for points far from the image centre too.

Files followed: COLMAP ``doc/format.rst`` (text and binary models, world-to-camera with a
(w, x, y, z) quaternion) and ``src/colmap/sensor/models.h`` (OPENCV: fx, fy, cx, cy, k1, k2,
p1, p2; OPENCV_FISHEYE: fx, fy, cx, cy, k1..k4); scannetpp's ``common/scene_release.py``
(folders), ``common/utils/colmap.py`` (how the toolkit reads poses),
``common/utils/nerfstudio.py`` (``convert_frames``: ``transform_matrix``), ``dslr/undistort.py``
(``transforms_undistorted.json``, ``undistorted_images``) and ``iphone/prepare_iphone_data.py``
(``iphone/rgb/frame_%06d.jpg``).
"""

from __future__ import annotations

import json
import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from dataset_kit import camera_to_world, nerfstudio_matrix, write_scannetpp
from PIL import Image
from scipy.spatial.transform import Rotation

from spatialqa.errors import SceneError
from spatialqa.scenes.formats import convert
from spatialqa.scenes.io import load_scene
from spatialqa.scenes.scannetpp import load_scannetpp

WIDTH, HEIGHT = 640, 480
EYE = np.array([-2.5, -0.6, 1.3])
TARGET = np.array([1.0, 0.7, 0.55])
# The table's centre, a corner of the chair's top, the chair's centre and points of the floor
# (dataset_kit.BOXES), spread over the image: most far from its centre, two near its corners.
PROBES = np.array(
    [
        [0.0, 2.0, 0.375],  # the table's centre
        [2.25, -0.25, 1.0],
        [1.0, -1.5, 0.0],
        [-0.5, 1.0, 0.0],
        [-1.5, 1.5, 0.0],
        [-1.0, -1.0, 0.0],
        [2.0, 0.0, 0.5],
    ]
)
FISHEYE = dict(fx=260.0, fy=262.5, cx=321.5, cy=238.0, k=(0.04, -0.012, 0.003, -0.0004))
OPENCV = dict(fx=360.0, fy=357.0, cx=318.0, cy=243.5, k=(-0.12, 0.05, 0.0015, -0.001))
DISC_RADIUS = 3.5


def pose() -> np.ndarray:
    """The fixture camera (OpenCV camera-to-world, mesh frame), rolled to a generic angle."""
    roll = np.eye(4)
    roll[:3, :3] = Rotation.from_euler("z", 9.0, degrees=True).as_matrix()
    return camera_to_world(EYE, TARGET) @ roll


def camera_points(points: np.ndarray, c2w: np.ndarray) -> np.ndarray:
    return (points - c2w[:3, 3]) @ c2w[:3, :3]


def fisheye_pixels(points: np.ndarray, c2w: np.ndarray, lens: dict) -> np.ndarray:
    """OpenCV fisheye, as defined: theta = atan(r), theta_d = theta (1 + k1 theta^2 + k2
    theta^4 + k3 theta^6 + k4 theta^8), the point moved to radius theta_d on the unit plane."""
    out = []
    for x, y, z in camera_points(points, c2w):
        a, b = x / z, y / z
        r = math.hypot(a, b)
        theta = math.atan(r)
        k1, k2, k3, k4 = lens["k"]
        theta_d = theta * (1 + k1 * theta**2 + k2 * theta**4 + k3 * theta**6 + k4 * theta**8)
        scale = theta_d / r if r > 0 else 1.0
        out.append([lens["fx"] * a * scale + lens["cx"], lens["fy"] * b * scale + lens["cy"]])
    return np.array(out)


def opencv_pixels(points: np.ndarray, c2w: np.ndarray, lens: dict) -> np.ndarray:
    """OpenCV's standard model, as defined: radial 1 + k1 r^2 + k2 r^4 and tangential
    (2 p1 x y + p2 (r^2 + 2 x^2), p1 (r^2 + 2 y^2) + 2 p2 x y)."""
    out = []
    k1, k2, p1, p2 = lens["k"]
    for x, y, z in camera_points(points, c2w):
        a, b = x / z, y / z
        r2 = a * a + b * b
        radial = 1 + k1 * r2 + k2 * r2 * r2
        xd = a * radial + 2 * p1 * a * b + p2 * (r2 + 2 * a * a)
        yd = b * radial + p1 * (r2 + 2 * b * b) + 2 * p2 * a * b
        out.append([lens["fx"] * xd + lens["cx"], lens["fy"] * yd + lens["cy"]])
    return np.array(out)


def pinhole_pixels(points: np.ndarray, c2w: np.ndarray, K: np.ndarray) -> np.ndarray:
    cam = camera_points(points, c2w)
    return (cam[:, :2] / cam[:, 2:]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]


def write_markers(path: Path, pixels: np.ndarray, size=(WIDTH, HEIGHT)) -> None:
    """A black JPEG with an anti-aliased white disc centred on each (sub-pixel) pixel."""
    image = np.zeros((size[1], size[0]), dtype=np.float64)
    sub = (np.arange(4) + 0.5) / 4 - 0.5  # 4 x 4 samples per pixel
    gaps = np.linalg.norm(np.asarray(pixels)[:, None] - np.asarray(pixels)[None], axis=-1)
    assert np.all(gaps[np.triu_indices(len(pixels), 1)] > 26)  # one disc per 25 x 25 window
    for u, v in pixels:
        assert 8 <= u <= size[0] - 9 and 8 <= v <= size[1] - 9, (u, v)
        for row in range(int(v) - 5, int(v) + 7):
            for col in range(int(u) - 5, int(u) + 7):
                du = col + sub[None, :] - u
                dv = row + sub[:, None] - v
                image[row, col] = np.mean(du**2 + dv**2 <= DISC_RADIUS**2)
    path.parent.mkdir(parents=True, exist_ok=True)
    gray = np.round(image * 255).astype(np.uint8)
    Image.fromarray(np.stack([gray] * 3, axis=-1)).save(path, "JPEG", quality=98)


def marker_at(path: Path, near: np.ndarray) -> np.ndarray:
    """The intensity centroid of the disc within 12 px of ``near`` in the image at ``path``."""
    with Image.open(path) as image:
        gray = np.asarray(image.convert("L"), dtype=np.float64)
    u0, v0 = round(float(near[0])), round(float(near[1]))
    window = gray[v0 - 12 : v0 + 13, u0 - 12 : u0 + 13]
    weights = np.where(window > 40, window, 0.0)
    assert weights.sum() > 255 * 20, f"no marker near {near.tolist()} in {path.name}"
    rows, cols = np.mgrid[v0 - 12 : v0 + 13, u0 - 12 : u0 + 13]
    return np.array([(weights * cols).sum(), (weights * rows).sum()]) / weights.sum()


def check_markers(root: Path, frame, c2w: np.ndarray) -> None:
    """The frame's pose is the fixture's, and every probe's disc sits within 1 px of where the
    frame's pinhole pose and K project the probe."""
    assert np.allclose(frame.pose, c2w, atol=1e-9)
    assert frame.K[0, 1] == 0 and (frame.width, frame.height) == (WIDTH, HEIGHT)
    uv, z = frame.project(PROBES)
    assert np.all(z > 0)
    for point, expected in zip(PROBES, uv, strict=True):
        found = marker_at(root / frame.rgb, expected)
        assert np.linalg.norm(found - expected) < 1.0, (point.tolist(), found, expected)


# --------------------------------------------------------------------------- writers


def scene_without_cameras(tmp_path: Path) -> Path:
    scene = write_scannetpp(tmp_path)
    shutil.rmtree(scene / "iphone")
    shutil.rmtree(scene / "dslr")
    return scene


def qvec_tvec(c2w: np.ndarray) -> tuple[list[float], list[float]]:
    """COLMAP's world-to-camera pose: Hamilton quaternion (w, x, y, z) and translation."""
    rotation = c2w[:3, :3].T
    x, y, z, w = Rotation.from_matrix(rotation).as_quat()
    return [w, x, y, z], (-rotation @ c2w[:3, 3]).tolist()


def write_colmap(folder: Path, model: str, params, names, poses, binary: bool) -> None:
    """A COLMAP sparse model (one camera) per doc/format.rst, text or binary."""
    folder.mkdir(parents=True, exist_ok=True)
    model_ids = {"PINHOLE": 1, "OPENCV": 4, "OPENCV_FISHEYE": 5, "FOV": 7}
    if binary:
        data = struct.pack("<Q", 1) + struct.pack("<iiQQ", 1, model_ids[model], WIDTH, HEIGHT)
        data += struct.pack(f"<{len(params)}d", *params)
        (folder / "cameras.bin").write_bytes(data)
        data = struct.pack("<Q", len(names))
        for index, (name, c2w) in enumerate(zip(names, poses, strict=True), start=1):
            q, t = qvec_tvec(c2w)
            data += struct.pack("<idddddddi", index, *q, *t, 1) + name.encode() + b"\0"
            data += struct.pack("<Q", 1) + struct.pack("<ddq", 10.5, 20.25, -1)
        (folder / "images.bin").write_bytes(data)
        (folder / "points3D.bin").write_bytes(struct.pack("<Q", 0))
        return
    (folder / "cameras.txt").write_text(
        "# Camera list with one line of data per camera:\n"
        "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n# Number of cameras: 1\n"
        f"1 {model} {WIDTH} {HEIGHT} {' '.join(repr(float(p)) for p in params)}\n"
    )
    lines = [
        "# Image list with two lines of data per image:",
        "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME",
        "#   POINTS2D[] as (X, Y, POINT3D_ID)",
        f"# Number of images: {len(names)}, mean observations per image: 0.5",
    ]
    for index, (name, c2w) in enumerate(zip(names, poses, strict=True), start=1):
        q, t = qvec_tvec(c2w)
        lines.append(f"{index} {' '.join(repr(float(x)) for x in [*q, *t])} 1 {name}")
        lines.append("10.5 20.25 -1" if index == 1 else "")  # an image with no 2D point
    (folder / "images.txt").write_text("\n".join(lines) + "\n")
    (folder / "points3D.txt").write_text("# 3D point list with one line of data per point:\n")


def second_pose() -> np.ndarray:
    """Another DSLR position, looking at the chair: the model has more than one image."""
    return camera_to_world(np.array([-2.0, 1.5, 1.6]), (2.0, 0.0, 0.8))


def fisheye_params() -> list[float]:
    f = FISHEYE
    return [f["fx"], f["fy"], f["cx"], f["cy"], *f["k"]]


def opencv_params() -> list[float]:
    o = OPENCV
    return [o["fx"], o["fy"], o["cx"], o["cy"], *o["k"]]


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


def write_iphone(scene: Path, c2w: np.ndarray, binary: bool = False) -> None:
    names = ["frame_000000.jpg", "frame_000030.jpg"]
    poses = [c2w, second_pose()]
    write_colmap(scene / "iphone" / "colmap", "OPENCV", opencv_params(), names, poses, binary)
    write_markers(scene / "iphone" / "rgb" / names[0], opencv_pixels(PROBES, c2w, OPENCV))
    write_markers(scene / "iphone" / "rgb" / names[1], [[320, 240]])


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


def test_a_build_delivers_the_undistorted_image(tmp_path):
    """degradations/views.py reads a captured frame's image from the scene directory: after
    conversion that is the undistorted image, whose disc is where the frame projects it."""
    from spatialqa.degradations.delivery import make_renderer

    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    write_iphone(scene, c2w)
    out = tmp_path / "converted"
    convert(scene, out)
    loaded = load_scene(out)
    frame = loaded.frame("frame_000000")
    rgb = make_renderer(loaded, "raycast", root=out).render_rgb(frame)
    delivered = tmp_path / "delivered.png"
    Image.fromarray(rgb).save(delivered)
    uv, _ = frame.project(PROBES)
    for expected in uv:
        assert np.linalg.norm(marker_at(delivered, expected) - expected) < 1.0


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


# --------------------------------------------------------------------------- bad input


def test_missing_colmap_file_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose())
    (scene / "iphone" / "colmap" / "images.txt").unlink()
    with pytest.raises(SceneError, match=r"iphone/colmap/images\.txt: file not found"):
        load_scannetpp(scene)


def test_unknown_camera_model_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose())
    path = scene / "iphone" / "colmap" / "cameras.txt"
    path.write_text(path.read_text().replace(" OPENCV ", " OPENCV_WIDE "))
    with pytest.raises(
        SceneError,
        match=r"cameras\.txt: line 4 \(camera 1\): MODEL: unknown camera model 'OPENCV_WIDE'",
    ):
        load_scannetpp(scene)


def test_camera_model_that_cannot_be_undistorted_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_colmap(scene / "dslr/colmap", "FOV", [300, 300, 320, 240, 0.9], ["A.JPG"], [pose()], True)
    with pytest.raises(
        SceneError, match=r"cameras\.bin: camera 1: MODEL: camera model 'FOV' cannot be made"
    ):
        load_scannetpp(scene, camera="dslr")


def test_unknown_binary_model_id_and_truncation_are_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose(), binary=True)
    cameras = scene / "iphone" / "colmap" / "cameras.bin"
    data = bytearray(cameras.read_bytes())
    cameras.write_bytes(bytes(data[:-8]))
    with pytest.raises(SceneError, match=r"cameras\.bin: camera #0 \(id 1\): file ends early"):
        load_scannetpp(scene)
    data[12:16] = struct.pack("<i", 99)  # the model id
    cameras.write_bytes(bytes(data))
    with pytest.raises(SceneError, match=r"cameras\.bin: camera #0 \(id 1\): MODEL: unknown"):
        load_scannetpp(scene)


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
