"""A ScanNet++ scan whose photos are taken through a lens, each with a white disc where the
lens puts a known 3D point: the scans of the ScanNet++ camera and undistortion tests.

The fixture writes a camera the way the dataset's own files do and draws the discs in real
JPEGs, the distortion written out here from its definition, never through the loader or
OpenCV; ``check_markers`` finds each disc within 1 px of where a loaded frame's pinhole pose
and K project its point, far from the image centre too.

Files followed: COLMAP ``doc/format.rst`` (text and binary models, world-to-camera with a
(w, x, y, z) quaternion) and ``src/colmap/sensor/models.h`` (OPENCV: fx, fy, cx, cy, k1, k2,
p1, p2; OPENCV_FISHEYE: fx, fy, cx, cy, k1..k4); scannetpp's ``common/scene_release.py``
(folders), ``common/utils/colmap.py`` (how the toolkit reads poses),
``common/utils/nerfstudio.py`` (``convert_frames``: ``transform_matrix``), ``dslr/undistort.py``
(``transforms_undistorted.json``, ``undistorted_images``) and ``iphone/prepare_iphone_data.py``
(``iphone/rgb/frame_%06d.jpg``).
"""

from __future__ import annotations

import math
import shutil
import struct
from pathlib import Path

import numpy as np
from dataset_kit import camera_to_world, write_scannetpp
from PIL import Image
from scipy.spatial.transform import Rotation

from spatialqa.scenes.io import save_scene
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


def write_iphone(scene: Path, c2w: np.ndarray, binary: bool = False) -> None:
    names = ["frame_000000.jpg", "frame_000030.jpg"]
    poses = [c2w, second_pose()]
    write_colmap(scene / "iphone" / "colmap", "OPENCV", opencv_params(), names, poses, binary)
    write_markers(scene / "iphone" / "rgb" / names[0], opencv_pixels(PROBES, c2w, OPENCV))
    write_markers(scene / "iphone" / "rgb" / names[1], [[320, 240]])


def write_scan(tmp_path: Path, camera: str, suffix: str = ".jpg") -> tuple[Path, str]:
    """A ScanNet++ scan with one camera (iPhone OPENCV or DSLR OPENCV_FISHEYE) of two images,
    the first with a disc at each probe's distorted pixel; returns it and that image's id."""
    scene = scene_without_cameras(tmp_path)
    c2w = pose()
    if camera == "iphone":
        folder, names = "iphone", [f"frame_000000{suffix}", f"frame_000030{suffix}"]
        params, pixels, model = opencv_params(), opencv_pixels(PROBES, c2w, OPENCV), "OPENCV"
        images = scene / "iphone" / "rgb"
    else:
        folder, names = "dslr", [f"DSC00001{suffix}", f"DSC00007{suffix}"]
        params, pixels = fisheye_params(), fisheye_pixels(PROBES, c2w, FISHEYE)
        model, images = "OPENCV_FISHEYE", scene / "dslr" / "resized_images"
    write_colmap(scene / folder / "colmap", model, params, names, [c2w, second_pose()], False)
    for name, marks in ((names[0], pixels), (names[1], [[320, 240]])):
        write_markers(images / name, marks)  # JPEG data, whatever the name
        if suffix == ".png":
            with Image.open(images / name) as image:
                image.load()
            image.save(images / name, "PNG")
    return scene, Path(names[0]).stem


def saved_scene(scan: Path, to: Path) -> Path:
    """The plain load of ``scan`` as a scene directory, its distorted images copied as they
    are: frames keep their lens in scene.json."""
    scene = load_scannetpp(scan)
    save_scene(scene, to)
    for frame in scene.trajectory("walkthrough").frames:
        (to / frame.rgb).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scan / frame.rgb, to / frame.rgb)
    return to
