"""A small hand-built room, rendered by ray casting, for the degradation tests; flat, split and
textured images of its frame's size; measures of image damage."""

from __future__ import annotations

import numpy as np
import trimesh

from spatialqa.scenes import Frame, Scene, SceneObject, Source, Structure, Trajectory

WIDTH, HEIGHT = 160, 120
CAMERA_HEIGHT = 1.5
# Camera at the origin at CAMERA_HEIGHT looking along world +y: x right, y down (-z), z forward.
LOOK_ALONG_Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
NEAR_ID, FAR_ID, SIDE_ID = 1, 2, 3


def box(extents, center, yaw_deg: float = 0.0) -> trimesh.Trimesh:
    transform = trimesh.transformations.rotation_matrix(np.radians(yaw_deg), [0, 0, 1])
    transform[:3, 3] = center
    return trimesh.creation.box(extents=extents, transform=transform)


def make_frame(
    frame_id: str = "f0",
    f: float = 100.0,
    width: int = WIDTH,
    height: int = HEIGHT,
    cx: float | None = None,
    cy: float | None = None,
) -> Frame:
    """The kit camera; its principal point at (width / 2, height / 2) unless given."""
    pose = np.eye(4)
    pose[:3, :3] = LOOK_ALONG_Y
    pose[:3, 3] = (0.0, 0.0, CAMERA_HEIGHT)
    cx = width / 2 if cx is None else cx
    cy = height / 2 if cy is None else cy
    K = np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])
    return Frame(id=frame_id, t=0.0, pose=pose, K=K, width=width, height=height)


def room_structure() -> tuple[Structure, ...]:
    """A closed 6 x 8 x 3 m room around the camera: floor, ceiling and four walls."""
    return (
        Structure("floor", box((6.0, 8.0, 0.1), (0.0, 2.0, -0.05))),
        Structure("ceiling", box((6.0, 8.0, 0.1), (0.0, 2.0, 3.05))),
        Structure("wall", box((6.0, 0.1, 3.0), (0.0, 6.05, 1.5))),
        Structure("wall", box((6.0, 0.1, 3.0), (0.0, -2.05, 1.5))),
        Structure("wall", box((0.1, 8.0, 3.0), (3.05, 2.0, 1.5))),
        Structure("wall", box((0.1, 8.0, 3.0), (-3.05, 2.0, 1.5))),
    )


def make_scene(objects: list[SceneObject] | None = None, frames: tuple[Frame, ...] = ()) -> Scene:
    """A 6 x 8 x 3 m closed room around the camera with a near box (1.2 m ahead, left of
    centre), a far box (5 m ahead, right of centre) and a turned box at the side."""
    if objects is None:
        objects = [
            SceneObject(NEAR_ID, "box", mesh=box((0.4, 0.4, 0.4), (-0.35, 1.4, 1.4))),
            SceneObject(FAR_ID, "box", mesh=box((0.8, 0.8, 0.8), (1.0, 5.4, 1.2))),
            SceneObject(SIDE_ID, "crate", mesh=box((0.6, 0.6, 0.6), (-1.6, 3.5, 0.3), 30.0)),
        ]
    return Scene(
        scene_id="kit_room",
        source=Source("test"),
        objects=tuple(objects),
        structure=room_structure(),
        trajectories=(Trajectory("walk", frames),) if frames else (),
    )


def psnr(clean: np.ndarray, degraded: np.ndarray) -> float:
    error = np.mean((clean.astype(np.float64) - degraded.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(error, 1e-12)))


def gradient_energy(image: np.ndarray) -> float:
    """Mean squared finite difference of the grey image: falls as an image blurs."""
    grey = image.astype(np.float64).mean(axis=2)
    return float(np.mean(np.diff(grey, axis=0) ** 2) + np.mean(np.diff(grey, axis=1) ** 2))


def grey(level: int) -> np.ndarray:
    return np.full((HEIGHT, WIDTH, 3), level, dtype=np.uint8)


def split_depth(left: float, right: float) -> np.ndarray:
    depth = np.full((HEIGHT, WIDTH), left, dtype=np.float32)
    depth[:, WIDTH // 2 :] = right
    return depth


def texture(seed: int = 0) -> np.ndarray:
    """Fine random texture: blur shows as lost gradient energy."""
    return np.random.default_rng(seed).integers(0, 256, size=(HEIGHT, WIDTH, 3), dtype=np.uint8)
