"""Real scans right to the pixel: a known 3D point lands on its known pixel through each
loader's pose and K, near the image corners too and under non-trivial rotations.

Every fixture is written in the dataset's own files, the way its official code writes or reads
them, and every expected pixel comes from that code's convention written out here by hand,
never through the loader:

- ScanNet: ScanNet/ScanNet ``SensReader/python/SensorData.py`` (``export_poses`` writes each
  frame's ``camera_to_world`` with ``np.savetxt`` ``%f``, ``export_intrinsics`` writes
  ``intrinsic_color.txt``, ``export_color_images`` writes ``color/<i>.jpg``, resized with
  ``cv2.INTER_NEAREST`` when given ``image_size``) and ``SensReader/src/sensorData.h``
  (``m_extrinsic``: "the color extrinsic is the identity", so the pose is the colour camera's).
- ARKitScenes: apple/ARKitScenes ``threedod/benchmark_scripts/utils/tenFpsDataLoader.py``
  (``TrajStringToMatrix``: columns 2-4 an axis-angle through ``cv2.Rodrigues``, 5-7 a
  translation, the pair world-to-camera and inverted; ``st2_camera_intrinsics``: a ``.pincam``
  is ``w h fx fy cx cy``; ``generate_point`` back-projects ``(u d, v d, d)`` through ``K`` and
  the inverted pose) and ``utils/box_utils.py`` (``compute_box_3d``: corners are
  ``normalizedAxes.reshape(3, 3).T @ (±l/2, ±h/2, ±w/2) + centroid``).
- 3D-FRONT: 3D-FRONT-FUTURE/3D-FRONT-ToolBox ``scripts/utils.py`` (``transform_v``: a model
  vertex goes to ``R(rot) (v * scale) + pos``, ``quaternion_to_matrix`` reads ``rot`` as
  ``(x, y, z, w)``), ``scripts/scene.py`` (room meshes are used as their ``xyz`` stand: world
  coordinates) and ``scripts/render.py`` (the y-up OBJ goes through Blender's OBJ importer,
  forward -Z and up Y: ``(x, y, z) -> (x, -z, y)``). 3D-FRONT has no cameras: the orbit's
  documented camera (``assemble.orbit_frames``) is rebuilt here by hand.
- Generic: the glTF 2.0 specification (y up, metres, a node's local matrix ``T R S`` with the
  rotation a unit quaternion ``(x, y, z, w)``, children in their parent's frame) and the
  labelling convention of ``scenes/generic.py``.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from dataset_kit import boxes_mesh, camera_to_world, write_image, write_ply, write_scannet
from PIL import Image

from spatialqa.degradations.delivery import make_renderer
from spatialqa.errors import SceneError
from spatialqa.pipelines.config import RenderSpec
from spatialqa.scenes.arkitscenes import load_arkitscenes
from spatialqa.scenes.front3d import load_front3d
from spatialqa.scenes.generic import load_generic
from spatialqa.scenes.scannet import load_scannet

TOLERANCE_PX = 1.0


# --------------------------------------------------------------------------- by hand


def rodrigues(rotvec) -> np.ndarray:
    """What ``cv2.Rodrigues`` returns for a rotation vector: a right-handed turn by ``|r|``
    radians about ``r / |r|`` (Rodrigues' formula)."""
    r = np.asarray(rotvec, dtype=np.float64)
    theta = float(np.linalg.norm(r))
    if theta == 0.0:
        return np.eye(3)
    k = r / theta
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.cos(theta) * np.eye(3) + (1 - np.cos(theta)) * np.outer(k, k) + np.sin(theta) * cross


def quaternion_turn(q) -> np.ndarray:
    """A unit quaternion ``(x, y, z, w)`` as its axis and angle, then Rodrigues: a second
    route, not the loaders' closed-form matrix."""
    x, y, z, w = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    angle = 2.0 * math.atan2(math.sqrt(x * x + y * y + z * z), w)
    axis = np.array([x, y, z])
    norm = np.linalg.norm(axis)
    return np.eye(3) if norm == 0 else rodrigues(axis / norm * angle)


def pinhole(fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def pixel_of(point, cam_to_world: np.ndarray, K: np.ndarray) -> np.ndarray:
    """OpenCV projection: camera = R^T (p - c), pixel = (K camera) / z."""
    cam = cam_to_world[:3, :3].T @ (np.asarray(point, dtype=np.float64) - cam_to_world[:3, 3])
    assert cam[2] > 0
    return (K @ cam)[:2] / cam[2]


def camera_placing(point, pixel, depth: float, rotation: np.ndarray, K: np.ndarray):
    """Camera-to-world pose with ``rotation`` that sees ``point`` at ``pixel``, ``depth`` ahead."""
    ray = np.linalg.solve(K, [pixel[0], pixel[1], 1.0]) * depth
    pose = np.eye(4)
    pose[:3, :3] = rotation
    pose[:3, 3] = np.asarray(point, dtype=np.float64) - rotation @ ray
    return pose


def marker_image(size: tuple[int, int], pixel, half: int = 4) -> np.ndarray:
    """Dark (H, W, 3) image with a white square centred on the integer ``pixel``."""
    width, height = size
    image = np.full((height, width, 3), 30, dtype=np.uint8)
    u, v = int(pixel[0]), int(pixel[1])
    image[max(v - half, 0) : v + half + 1, max(u - half, 0) : u + half + 1] = 255
    return image


def marker_centre(image: np.ndarray) -> np.ndarray:
    """Brightness-weighted centre (u, v) of the marker, in OpenCV pixel coordinates."""
    weight = np.clip(image.astype(np.float64).mean(axis=2) - 80.0, 0.0, None)
    v, u = np.mgrid[0 : image.shape[0], 0 : image.shape[1]]
    return np.array([(u * weight).sum(), (v * weight).sum()]) / weight.sum()


def delivered(scene, frame, root: Path) -> np.ndarray:
    """The captured image a build delivers for ``frame`` (at ``frame``'s size)."""
    renderer = make_renderer(scene, "raycast", root)
    try:
        return renderer.render_rgb(frame)
    finally:
        renderer.close()


def assert_on_pixel(frame, point, pixel) -> None:
    uv, z = frame.project(np.asarray(point, dtype=np.float64)[None])
    assert z[0] > 0
    assert np.abs(uv[0] - np.asarray(pixel)).max() < TOLERANCE_PX, (frame.id, uv[0], pixel)


def build_size() -> tuple[int, int]:
    spec = RenderSpec()
    return spec.width, spec.height


# --------------------------------------------------------------------------- ScanNet v2

SCANNET_COLOR = (1296, 968)
SCANNET_K = pinhole(1170.187988, 1170.187988, 647.75, 483.75)
"""intrinsic_color.txt of a ScanNet v2 scan (the Structure sensor's colour camera)."""
SCANNET_ALIGN = np.array(
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
    alignment = " ".join(f"{x:f}" for x in SCANNET_ALIGN.ravel())
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
    point = SCANNET_ALIGN[:3, :3] @ CHAIR_TOP_CORNER + SCANNET_ALIGN[:3, 3]
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
    point = SCANNET_ALIGN[:3, :3] @ CHAIR_TOP_CORNER + SCANNET_ALIGN[:3, 3]
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
    point = SCANNET_ALIGN[:3, :3] @ CHAIR_TOP_CORNER + SCANNET_ALIGN[:3, 3]
    for frame in scene.trajectory("walkthrough").frames:
        assert (frame.width, frame.height) == (640, 480)
        image = delivered(scene, frame, scan)
        assert image.shape == (480, 640, 3)
        uv, _ = frame.project(point[None])
        assert np.abs(marker_centre(image) - uv[0]).max() < TOLERANCE_PX


# --------------------------------------------------------------------------- ARKitScenes

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


# --------------------------------------------------------------------------- 3D-FRONT

FRONT_HFOV = 75.0
FRONT_F = 320.0 / math.tan(math.radians(FRONT_HFOV / 2))
FRONT_K = pinhole(FRONT_F, FRONT_F, 320.0, 240.0)
CHAIR_BOUNDS = np.array([[-0.2, 0.0, -0.3], [0.2, 1.0, 0.3]])  # model space, y-up
TABLE_BOUNDS = np.array([[-0.5, 0.0, -0.5], [0.5, 0.75, 0.5]])
# (ref, pos, rot (x, y, z, w), scale): a chair turned 120 degrees about y, a table -35.
_H120, _H35 = math.radians(60), math.radians(-17.5)
FRONT_CHILDREN = [
    ("f-chair", [2.0, 0.0, -1.0], [0.0, math.sin(_H120), 0.0, math.cos(_H120)], [1.2, 0.9, 1.1]),
    ("f-table", [0.5, 0.0, 1.0], [0.0, math.sin(_H35), 0.0, math.cos(_H35)], [2.0, 1.0, 1.0]),
]
FLOOR_XYZ = [[-1, 0, -3], [4, 0, -3], [4, 0, 2], [-1, 0, 2]]


def box_corners(bounds: np.ndarray) -> np.ndarray:
    return np.array([[x, y, z] for x in bounds[:, 0] for y in bounds[:, 1] for z in bounds[:, 2]])


def blender_obj_import(points) -> np.ndarray:
    """Blender's OBJ importer (forward -Z, up Y), as the toolbox's render.py uses it."""
    x, y, z = np.asarray(points, dtype=np.float64).T
    return np.column_stack([x, -z, y])


def toolbox_place(vertices, pos, rot, scale) -> np.ndarray:
    """``transform_v``: v * scale, rotated by the quaternion, plus pos (y-up world)."""
    rotation = quaternion_turn(rot)
    return (np.asarray(vertices) * scale) @ rotation.T + np.asarray(pos)


def write_front3d_house(root: Path) -> Path:
    future = root / "3D-FUTURE-model"
    for jid, bounds in (("chair-jid", CHAIR_BOUNDS), ("table-jid", TABLE_BOUNDS)):
        mesh = trimesh.creation.box(bounds=bounds)
        lines = [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in mesh.vertices]
        lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in mesh.faces]
        (future / jid).mkdir(parents=True)
        (future / jid / "raw_model.obj").write_text("\n".join(lines) + "\n")
    (future / "model_info.json").write_text(
        json.dumps(
            [
                {"model_id": "chair-jid", "category": "Dining Chair", "super-category": "Chair"},
                {"model_id": "table-jid", "category": "Coffee Table", "super-category": "Table"},
            ]
        )
    )
    identity = {"pos": [0, 0, 0], "rot": [0, 0, 0, 1], "scale": [1, 1, 1]}
    children = [{"ref": "m-floor", "instanceid": "mesh/0", **identity}]
    children.append({"ref": "m-ceil", "instanceid": "mesh/1", **identity})
    for number, (ref, pos, rot, scale) in enumerate(FRONT_CHILDREN):
        children.append(
            {"ref": ref, "instanceid": f"furniture/{number}", "pos": pos, "rot": rot,
             "scale": scale}
        )  # fmt: skip
    house = {
        "uid": "house-9",
        "furniture": [
            {"uid": "f-chair", "jid": "chair-jid", "valid": True},
            {"uid": "f-table", "jid": "table-jid", "valid": True},
        ],
        "mesh": [
            {"uid": "m-floor", "type": "Floor", "xyz": np.ravel(FLOOR_XYZ).tolist(),
             "faces": [0, 2, 1, 0, 3, 2]},
            {"uid": "m-ceil", "type": "Ceiling",
             "xyz": np.ravel([[x, 2.8, z] for x, _, z in FLOOR_XYZ]).tolist(),
             "faces": [0, 1, 2, 0, 2, 3]},
        ],
        "scene": {"room": [{"type": "LivingRoom", "instanceid": "LivingRoom-7",
                            "children": children}]},
    }  # fmt: skip
    path = root / "3D-FRONT" / "house-9.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(house))
    return path


def placed_front_models() -> list[np.ndarray]:
    """Every model's box corners placed by the toolbox and imported z-up, by hand."""
    return [
        blender_obj_import(toolbox_place(box_corners(bounds), pos, rot, scale))
        for bounds, (_, pos, rot, scale) in zip(
            (CHAIR_BOUNDS, TABLE_BOUNDS), FRONT_CHILDREN, strict=True
        )
    ]


def orbit_by_hand(center_xy, radii, floor: float, count: int) -> list[np.ndarray]:
    """``orbit_frames`` as documented: eyes on an ellipse at eye height 1.6 m above the lowest
    object point, each looking at the middle 0.8 m above it (dataset_kit's independent
    camera_to_world)."""
    poses = []
    for i in range(count):
        angle = 2 * math.pi * i / count
        eye = np.array([*(center_xy + radii * [math.cos(angle), math.sin(angle)]), floor + 1.6])
        poses.append(camera_to_world(eye, (center_xy[0], center_xy[1], floor + 0.8)))
    return poses


def test_front3d_model_vertex_lands_on_its_pixel_in_every_orbit_view(tmp_path):
    """Follows 3D-FRONT-ToolBox scripts/utils.py (transform_v, quaternion_to_matrix) and
    scripts/render.py (Blender's y-up OBJ import)."""
    scene = load_front3d(write_front3d_house(tmp_path), frames=8)
    chair_corners, table_corners = placed_front_models()
    chair, table = scene.object(1), scene.object(2)
    for corners, obj in ((chair_corners, chair), (table_corners, table)):
        gaps = np.linalg.norm(corners[:, None] - obj.vertices[None], axis=2).min(axis=1)
        assert gaps.max() < 1e-5  # every placed corner is a vertex of the loaded object
    # The floor mesh is world coordinates as it stands: x in [-1, 4], z in [-3, 2] (y-up).
    footprint = blender_obj_import(FLOOR_XYZ)[:, :2]
    low, high = footprint.min(axis=0), footprint.max(axis=0)
    floor = min(chair_corners[:, 2].min(), table_corners[:, 2].min())
    poses = orbit_by_hand((low + high) / 2, 0.6 * (high - low) / 2, floor, 8)
    frames = scene.trajectory("walkthrough").frames
    assert len(frames) == 8
    point = chair_corners[np.argmax(chair_corners[:, 2] + chair_corners[:, 0])]
    for frame, pose in zip(frames, poses, strict=True):
        assert np.allclose(frame.K, FRONT_K) and (frame.width, frame.height) == (640, 480)
        assert_on_pixel(frame, point, pixel_of(point, pose, FRONT_K))
        # A point that the hand-made camera shows near the bottom-left corner.
        near_corner = pose[:3, :3] @ (np.linalg.solve(FRONT_K, [4.0, 473.0, 1.0]) * 2.5)
        assert_on_pixel(frame, near_corner + pose[:3, 3], (4.0, 473.0))


def test_front3d_room_meshes_are_world_coordinates_as_the_toolbox_reads_them(tmp_path):
    """Follows 3D-FRONT-ToolBox scripts/scene.py (Room.add_mesh, output_meshes)."""
    path = write_front3d_house(tmp_path)
    house = json.loads(path.read_text())
    children = house["scene"]["room"][0]["children"]
    children[0]["pos"] = [5.0, 0.0, 5.0]  # the toolbox ignores a room mesh's child transform
    path.write_text(json.dumps(house))
    scene = load_front3d(path, frames=0)
    floor = next(s for s in scene.structure if s.category == "floor")
    expected = blender_obj_import(FLOOR_XYZ)
    assert np.allclose(np.sort(floor.mesh.vertices, axis=0), np.sort(expected, axis=0))
    assert "ignored, as the official toolbox does" in scene.source.detail


# --------------------------------------------------------------------------- generic glTF

GLTF_BOX = np.array([[-0.25, 0.0, -0.25], [0.25, 0.5, 0.25]])


def glb_bytes(nodes: list[dict], meshes: list[tuple[np.ndarray, np.ndarray]], roots) -> bytes:
    """A GLB container by the glTF 2.0 specification: a JSON chunk and a BIN chunk, each
    padded to 4 bytes; float32 VEC3 positions with min/max, uint32 indices."""
    binary, views, accessors, gltf_meshes = b"", [], [], []
    for vertices, faces in meshes:
        for array, kind, target in (
            (np.asarray(vertices, "<f4"), "VEC3", 34962),
            (np.asarray(faces, "<u4").ravel(), "SCALAR", 34963),
        ):
            views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": array.nbytes,
                          "target": target})  # fmt: skip
            accessor = {"bufferView": len(views) - 1, "count": len(array), "type": kind,
                        "componentType": 5126 if kind == "VEC3" else 5125}  # fmt: skip
            if kind == "VEC3":
                accessor["min"] = array.min(axis=0).tolist()
                accessor["max"] = array.max(axis=0).tolist()
            accessors.append(accessor)
            binary += array.tobytes()
        count = len(accessors)
        gltf_meshes.append({"primitives": [{"attributes": {"POSITION": count - 2},
                                            "indices": count - 1, "mode": 4}]})  # fmt: skip
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": list(roots)}],
        "nodes": nodes,
        "meshes": gltf_meshes,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def trs(translation, rotation, scale) -> np.ndarray:
    """A glTF node's local matrix T * R * S (rotation a quaternion x, y, z, w)."""
    matrix = np.eye(4)
    matrix[:3, :3] = quaternion_turn(rotation) * np.asarray(scale, dtype=np.float64)
    matrix[:3, 3] = translation
    return matrix


GROUP = ([1.0, 0.2, -0.5], [0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)], [1.5] * 3)
CHAIR = ([0.4, 0.0, 0.0], [0.0, math.sin(math.pi / 12), 0.0, math.cos(math.pi / 12)], [1, 2, 1])
TABLE = ([-1.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0], [2.0, 1.5, 1.0])


def write_glb(path: Path) -> None:
    box = trimesh.creation.box(bounds=GLTF_BOX)
    floor = np.array([[-4, 0, -4], [4, 0, -4], [4, 0, 4], [-4, 0, 4]], float)
    nodes = [
        {"name": "group", "translation": GROUP[0], "rotation": GROUP[1], "scale": GROUP[2],
         "children": [1]},
        {"name": "office chair.3", "mesh": 0, "translation": CHAIR[0], "rotation": CHAIR[1],
         "scale": CHAIR[2]},
        {"name": "floor", "mesh": 1},
        {"name": "table.12", "mesh": 0, "translation": TABLE[0], "rotation": TABLE[1],
         "scale": TABLE[2]},
    ]  # fmt: skip
    meshes = [(box.vertices, box.faces), (floor, np.array([[0, 2, 1], [0, 3, 2]]))]
    path.write_bytes(glb_bytes(nodes, meshes, roots=[0, 2, 3]))


def test_generic_gltf_node_vertex_lands_on_its_pixel_in_every_orbit_view(tmp_path):
    """Follows the glTF 2.0 specification (node hierarchy, T R S, y-up) and the labelling
    convention of scenes/generic.py."""
    write_glb(tmp_path / "room.glb")
    scene = load_generic(tmp_path / "room.glb", frames=6)
    corners = np.c_[box_corners(GLTF_BOX), np.ones(8)]
    chair = (trs(*GROUP) @ trs(*CHAIR) @ corners.T).T[:, :3]  # child in its parent's frame
    table = (trs(*TABLE) @ corners.T).T[:, :3]
    chair, table = blender_obj_import(chair), blender_obj_import(table)  # glTF y-up -> z-up
    for corners_z_up, obj in ((chair, scene.object(3)), (table, scene.object(12))):
        gaps = np.linalg.norm(corners_z_up[:, None] - obj.vertices[None], axis=2).min(axis=1)
        assert gaps.max() < 1e-5
    # No walls, no footprint: the orbit circles outside every object (1 m beyond the half
    # diagonal of their extent), eye 1.6 m above the lowest object point.
    xy = np.concatenate([chair, table])[:, :2]
    low, high = xy.min(axis=0), xy.max(axis=0)
    radius = np.linalg.norm((high - low) / 2) + 1.0
    floor = min(chair[:, 2].min(), table[:, 2].min())
    poses = orbit_by_hand((low + high) / 2, np.full(2, radius), floor, 6)
    frames = scene.trajectory("walkthrough").frames
    point = chair[np.argmax(chair[:, 2])]
    for frame, pose in zip(frames, poses, strict=True):
        assert np.allclose(frame.K, FRONT_K)
        assert_on_pixel(frame, point, pixel_of(point, pose, FRONT_K))
        near_corner = pose[:3, :3] @ (np.linalg.solve(FRONT_K, [636.0, 3.0, 1.0]) * 4.0)
        assert_on_pixel(frame, near_corner + pose[:3, 3], (636.0, 3.0))


# --------------------------------------------------------------------------- bad input


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


def _set(document, keys: tuple, value):
    """``document`` with ``document[k0][k1]...[kn] = value``."""
    target = document
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return document


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: ["not a house"], r"house-9\.json: expected a JSON object"),
        (lambda h: _set(h, ("scene", "room"), {"a": 1}), r"scene\.room: expected a list"),
        (lambda h: _set(h, ("mesh", 0, "xyz"), [0, 1]), r"mesh 'm-floor': xyz and faces"),
        (lambda h: _set(h, ("mesh", 0, "faces"), [0, 1, 9]), r"'m-floor': faces: vertex index"),
        (
            lambda h: _set(h, ("scene", "room", 0, "children", 2, "rot"), "x"),
            r"children\[2\]: bad pos/rot/scale",
        ),
    ],
)
def test_front3d_bad_house_is_named(tmp_path, edit, message):
    path = write_front3d_house(tmp_path)
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))
    with pytest.raises(SceneError, match=message):
        load_front3d(path, "LivingRoom-7", frames=0)
