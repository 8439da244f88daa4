"""The official code's camera conventions written out by hand, never through a loader: the
rotations, the pinhole projection, a pose placing a point on a pixel, marker images and the
orbit camera, shared by the loaders' pixel tests (each test file cites the code it follows).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from dataset_kit import camera_to_world

from spatialqa.degradations.delivery import make_renderer
from spatialqa.pipelines.config import RenderSpec

TOLERANCE_PX = 1.0


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


def box_corners(bounds: np.ndarray) -> np.ndarray:
    return np.array([[x, y, z] for x in bounds[:, 0] for y in bounds[:, 1] for z in bounds[:, 2]])


def blender_obj_import(points) -> np.ndarray:
    """Blender's OBJ importer (forward -Z, up Y), as the toolbox's render.py uses it."""
    x, y, z = np.asarray(points, dtype=np.float64).T
    return np.column_stack([x, -z, y])


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


ORBIT_HFOV = 75.0


ORBIT_F = 320.0 / math.tan(math.radians(ORBIT_HFOV / 2))


ORBIT_K = pinhole(ORBIT_F, ORBIT_F, 320.0, 240.0)
