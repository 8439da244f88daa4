"""Pinhole cameras in the project's conventions: OpenCV axes, camera-to-world poses.

A pose maps camera coordinates (x right, y down, z forward) to the z-up world; ``K`` maps
camera coordinates to pixels whose continuous range is ``[0, width] x [0, height]``, the
range ``Frame.project`` and ``Scene.sees_something`` use.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from spatialqa.errors import SceneError

if TYPE_CHECKING:
    from spatialqa.scenes.scene import Frame

__all__ = ["intrinsics", "look_at", "pixel_rays"]

_PARALLEL_TOL = 1e-9


def look_at(eye: ArrayLike, target: ArrayLike, up: ArrayLike = (0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera-to-world pose of a camera at ``eye`` looking at ``target``.

    Parameters
    ----------
    eye, target : (3,) float
        Camera centre and the point on its optical axis, world coordinates.
    up : (3,) float
        World direction that should appear up in the image (towards smaller v).

    Returns
    -------
    pose : (4, 4) float64
        Columns 0..2 are the camera's x (right), y (down) and z (forward) axes in world
        coordinates, column 3 the centre; a proper rotation, as ``Frame`` requires.

    Raises
    ------
    SceneError
        If ``eye`` equals ``target`` or the viewing direction is parallel to ``up``: the roll
        is then undefined, and guessing one would hide a bug in the caller.
    """
    eye = np.asarray(eye, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - eye
    up = np.asarray(up, dtype=np.float64)
    norm = np.linalg.norm(forward)
    if not norm > _PARALLEL_TOL:
        raise SceneError(f"look_at: eye and target coincide (eye {eye.tolist()})")
    forward = forward / norm
    right = _cross(forward, up)
    right_norm = np.linalg.norm(right)
    if not right_norm > _PARALLEL_TOL * max(np.linalg.norm(up), 1.0):
        raise SceneError(
            f"look_at: viewing direction {forward.tolist()} is parallel to up {up.tolist()}"
        )
    right = right / right_norm
    down = _cross(forward, right)
    pose = np.eye(4)
    pose[:3, 0] = right
    pose[:3, 1] = down
    pose[:3, 2] = forward
    pose[:3, 3] = eye
    return pose


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.cross`` for two 3-vectors, without its overhead (look_at runs per frame)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


def intrinsics(width: int, height: int, hfov_deg: float) -> np.ndarray:
    """Intrinsics ``K`` of a pinhole camera with square pixels and a centred principal point.

    Parameters
    ----------
    width, height : int
        Image size in pixels.
    hfov_deg : float
        Horizontal field of view in degrees, in (0, 180).

    Returns
    -------
    K : (3, 3) float64
        ``fx = fy = (width / 2) / tan(hfov / 2)``, ``(cx, cy) = (width / 2, height / 2)``: the
        centre of the continuous pixel range, so the vertical field of view follows from the
        aspect ratio.
    """
    if int(width) != width or int(height) != height or width <= 0 or height <= 0:
        raise SceneError(f"intrinsics: image size must be positive integers (got {width}x{height})")
    if not 0.0 < hfov_deg < 180.0:
        raise SceneError(f"intrinsics: hfov_deg must be in (0, 180) (got {hfov_deg})")
    focal = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
    return np.array(
        [[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]],
        dtype=np.float64,
    )


def pixel_rays(
    frame: Frame,
    u: ArrayLike | None = None,
    v: ArrayLike | None = None,
    dtype: DTypeLike = np.float32,
) -> np.ndarray:
    """Rays from the camera centre through image points, (n, 6) of ``dtype``: origin, direction.

    Every pixel centre in row-major order (ray ``v * width + u`` through the integer point
    (u, v), OpenCV's convention) unless ``u`` and ``v`` name the points (any real coordinates,
    in the image or beyond it). The direction is ``R K^-1 [u, v, 1]``, unnormalised, so the
    point at camera depth z along a ray is ``origin + z * direction`` (a ray caster's ``t`` is
    that depth). Computed in float64, then rounded once to ``dtype`` (float32 for Open3D):
    the oracle's visibility and the ray-cast renderer see the same rays.
    """
    if (u is None) != (v is None):
        raise TypeError("pixel_rays: give both u and v, or neither")
    if u is None:  # a row of u against a column of v: every pixel, row-major
        u = np.arange(frame.width, dtype=np.float64)[None, :]
        v = np.arange(frame.height, dtype=np.float64)[:, None]
    else:
        u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
    rays = np.empty((*np.broadcast_shapes(u.shape, v.shape), 6), dtype=dtype)
    rays[..., :3] = frame.center
    for axis in range(3):  # elementwise, not a BLAS matmul: no thread pool for a 3x3
        row = to_world[axis]
        rays[..., 3 + axis] = u * row[0] + v * row[1] + row[2]
    return rays.reshape(-1, 6)
