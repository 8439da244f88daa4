"""The cameras of a procedural room: a "walkthrough" loop facing the room's middle, an
"orbit" around its main piece, "lookat" views of single pieces and a "tour" of the loop
looking ahead, each with its timestamps; a hand-held camera height drifts a little."""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LinearRing, LineString, Polygon

from spatialqa.errors import PlacementError
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.layout import TALL, Layout, Placed
from spatialqa.scenes.scene import Frame, Trajectory

FRAME_SPACING_S = 0.5
"""Seconds between consecutive frames of every trajectory (its own timestamps)."""
IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480
LOOP_INSET = 1.0  # camera loop distance from the walls, at most
HANDHELD_DRIFT_M = 0.08


def camera_loop(room: Polygon, name: str) -> LinearRing:
    """The walkthrough path: the footprint inset up to ``LOOP_INSET``, corners rounded."""
    for inset in (LOOP_INSET, 0.8, 0.6, 0.45, 0.35, 0.25):
        shape = room.buffer(-(inset + 0.2), join_style="mitre").buffer(0.2)
        if isinstance(shape, Polygon) and not shape.is_empty and shape.length > 1.0:
            return LinearRing(shape.exterior.coords)
    raise PlacementError(f"procedural scene {name}: room too small for a camera path")


def _frame(frame_id: str, t: float, eye, target, K) -> Frame:
    return Frame(frame_id, t, look_at(eye, target), K, IMAGE_WIDTH, IMAGE_HEIGHT)


def walkthrough(
    rng: np.random.Generator, loop: LinearRing, look: np.ndarray, count: int
) -> Trajectory:
    """Around the loop, looking at the room's middle with a slow side-to-side sweep.

    The camera is held by hand: its height drifts by up to HANDHELD_DRIFT_M about the eye
    height over the loop, so camera-elevation questions have something to ask about.
    """
    eye_z, look_z = rng.uniform(1.45, 1.6), rng.uniform(0.7, 0.9)
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(70.0, 90.0))
    start, direction = rng.uniform(0, loop.length), (-1.0, 1.0)[int(rng.integers(2))]
    sweep = math.radians(rng.uniform(15.0, 30.0))
    cycles, phase = int(rng.integers(2, 4)), rng.uniform(0, 2 * np.pi)
    distances = (start + direction * loop.length * np.arange(count) / count) % loop.length
    points = shapely.get_coordinates(shapely.line_interpolate_point(loop, distances))
    frames = []
    for i, (x, y) in enumerate(points):
        turn = sweep * math.sin(2 * np.pi * cycles * i / count + phase)
        c, s = math.cos(turn), math.sin(turn)
        dx, dy = look[0] - x, look[1] - y
        if math.hypot(dx, dy) < 0.3:  # the loop passes the middle: look along the path
            ahead = shapely.line_interpolate_point(loop, (distances[i] + 0.1) % loop.length)
            dx, dy = np.asarray(ahead.coords[0]) - (x, y)
        target = [x + c * dx - s * dy, y + s * dx + c * dy, look_z]
        z = eye_z + HANDHELD_DRIFT_M * math.sin(2 * np.pi * i / count + phase)
        frames.append(_frame(f"f{i:04d}", i * FRAME_SPACING_S, [x, y, z], target, K))
    return Trajectory("walkthrough", tuple(frames))


def tour(rng: np.random.Generator, loop: LinearRing, count: int) -> Trajectory:
    """Around the loop looking where it walks, with a slow side-to-side sweep: a room tour,
    where furniture comes into view as the camera passes (``obj_appearance_order`` needs
    that; the walkthrough, facing the room's middle, sees most of it in every frame)."""
    eye_z, look_z = rng.uniform(1.45, 1.6), rng.uniform(0.7, 0.9)
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(70.0, 90.0))
    start, direction = rng.uniform(0, loop.length), (-1.0, 1.0)[int(rng.integers(2))]
    sweep, phase = math.radians(rng.uniform(10.0, 20.0)), rng.uniform(0, 2 * np.pi)
    distances = (start + direction * loop.length * np.arange(count) / count) % loop.length
    points = shapely.get_coordinates(shapely.line_interpolate_point(loop, distances))
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(loop, (distances + direction * 0.25) % loop.length)
    )
    frames = []
    for i, ((x, y), (ax, ay)) in enumerate(zip(points, ahead, strict=True)):
        yaw = math.atan2(ay - y, ax - x) + sweep * math.sin(4 * np.pi * i / count + phase)
        target = [x + 2.0 * math.cos(yaw), y + 2.0 * math.sin(yaw), look_z]
        z = eye_z + HANDHELD_DRIFT_M * math.sin(2 * np.pi * i / count + phase)
        frames.append(_frame(f"t{i:04d}", i * FRAME_SPACING_S, [x, y, z], target, K))
    return Trajectory("tour", tuple(frames))


def free_space(layout: Layout) -> Polygon:
    """Where a camera may stand: inside the walls, outside tall furniture."""
    tall = [p.footprint.buffer(0.2) for p in layout.placed if p.model.height > TALL]
    return (
        layout.room.buffer(-0.3).difference(shapely.union_all(tall))
        if tall
        else layout.room.buffer(-0.3)
    )


def _clear_view(layout: Layout, free, eye_xy: np.ndarray, target_xy: np.ndarray) -> bool:
    return free.contains(shapely.Point(eye_xy)) and layout.room.contains(
        LineString([eye_xy, target_xy])
    )


def orbit(
    rng: np.random.Generator, layout: Layout, free: Polygon, count: int, anchor: Placed
) -> Trajectory | None:
    """Around the room's main piece (else the room's middle), the camera in free space."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(60.0, 75.0))
    eye_z = rng.uniform(1.2, 1.6)
    start = rng.uniform(0, 2 * np.pi)
    angles = start + 2 * np.pi * np.arange(count) / count
    rays = np.column_stack([np.cos(angles), np.sin(angles)])
    look_z = anchor.mesh.vertices[:, 2].max() / 2
    for center in (np.array([anchor.x, anchor.y]), layout.center):
        radii = np.arange(rng.uniform(1.5, 2.4), 0.7, -0.1)
        grid = center + rays[:, None, :] * radii[None, :, None]  # (angle, radius, 2)
        ok = shapely.contains_xy(free, grid[..., 0], grid[..., 1])
        eyes = []
        for i in range(count):
            for j in np.flatnonzero(ok[i]):  # the farthest spot first
                if layout.room.contains(LineString([grid[i, j], center])):
                    eyes.append(grid[i, j])
                    break
        if len(eyes) >= max(3, count // 3):  # an arc in front of a piece by a wall
            frames = [
                _frame(f"o{i:04d}", i * FRAME_SPACING_S, [*eye, eye_z], [*center, look_z], K)
                for i, eye in enumerate(eyes)
            ]
            return Trajectory("orbit", tuple(frames))
    return None


def lookat(
    rng: np.random.Generator, layout: Layout, free: Polygon, count: int
) -> Trajectory | None:
    """Still views of single pieces, from in front of them where they have a front."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(55.0, 70.0))
    pieces = sorted((p for p in layout.placed if p.on_floor), key=lambda p: -p.footprint.area)[
        : count * 2
    ]
    frames = []
    for piece in pieces:
        if len(frames) == count:
            break
        center = np.array([piece.x, piece.y])
        base = piece.direction if piece.model.has_front else layout.center - center
        base = base / max(np.linalg.norm(base), 1e-9)
        for turn in rng.permutation([0.0, 25.0, -25.0, 50.0, -50.0]):
            c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))
            direction = np.array([c * base[0] - s * base[1], s * base[0] + c * base[1]])
            distance = rng.uniform(1.4, 2.6)
            eye = center + distance * direction
            if _clear_view(layout, free, eye, center):
                top = float(piece.mesh.vertices[:, 2].max())
                target = [*center, top / 2]
                eye3 = [*eye, rng.uniform(1.3, min(1.7, layout.height - 0.3))]
                t = len(frames) * FRAME_SPACING_S
                frames.append(_frame(f"v{len(frames):04d}", t, eye3, target, K))
                break
    return Trajectory("lookat", tuple(frames)) if frames else None
