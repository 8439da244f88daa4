"""The cameras of a procedural room, framed as a photographer would: eye height 1.2-1.7 m
(``low``: a robot's, 0.3-0.8 m), pitch within -35..+5 degrees, aimed at groups of furniture
rather than at blank walls.

A "walkthrough" loop, an "orbit" around the room's main piece, "lookat" views of single pieces, a
"low" loop at robot height and a "tour" of the loop looking roughly where it walks, each with its
timestamps; a hand-held camera height drifts a little.

Aiming (``aim_scores``): every placed piece is a box (its mesh's bounds) the camera can see from
the eye; a heading scores the pieces whose box overlaps the view, plus how much of the view the
framed ones fill, and the pitch looks at the framed pieces' middle height (clamped to
``PITCH_RANGE_DEG``). Along a loop, the headings come from a Viterbi path over ``YAW_BINS`` bins
that trades the summed scores against turning (``TURN_COST`` a bin, at most ``MAX_TURN_DEG`` a
frame), so the video pans smoothly from group to group. Occlusion is not modelled here (the
scenes layer has no ray caster): the pipeline's view selection holds delivered views to the
oracle's framing rule (``spatialqa.oracle.framing``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LinearRing, LineString, Polygon
from shapely.ops import nearest_points

from spatialqa.errors import PlacementError
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.layout import TALL, Layout, Placed
from spatialqa.scenes.scene import Frame, Trajectory

FRAME_SPACING_S = 0.5
"""Seconds between consecutive frames of every trajectory (its own timestamps)."""
IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480
LOOP_INSET = 1.0  # camera loop distance from the walls, at most
HANDHELD_DRIFT_M = 0.08
EYE_HEIGHT_M = (1.2, 1.7)
"""A standing photographer's eye (and camera) height."""
LOW_EYE_HEIGHT_M = (0.3, 0.8)
"""A robot's camera height (trajectory ``low``)."""
PITCH_RANGE_DEG = (-35.0, 5.0)
"""Every camera's pitch (optical axis above the horizontal), degrees."""
FOV_DEG = (58.0, 72.0)
"""Horizontal field of view of the loops (walkthrough, tour, low): narrower than a phone's
ultra-wide, so furniture fills the frame; wide enough for a group of pieces."""
YAW_BINS = 72
TURN_COST = 0.15
"""Score given up per 5-degree bin turned between consecutive frames."""
MAX_TURN_DEG = 40.0
TOUR_CONE_DEG = 30.0
"""The tour looks at most this far off where it walks."""
FILL_WEIGHT = 8.0
"""Score of a view the framed pieces fill completely, against 1 a piece."""
NEAR_M = 0.7
"""Pieces nearer than this are not aimed at (they would fill the frame, cut by its border)."""
LOW_CLEARANCE_M = 0.25
"""A robot keeps this far from every piece on the floor."""


def camera_loop(room: Polygon, name: str) -> LinearRing:
    """The walkthrough path: the footprint inset up to ``LOOP_INSET``, corners rounded."""
    for inset in (LOOP_INSET, 0.8, 0.6, 0.45, 0.35, 0.25):
        shape = room.buffer(-(inset + 0.2), join_style="mitre").buffer(0.2)
        if isinstance(shape, Polygon) and not shape.is_empty and shape.length > 1.0:
            return LinearRing(shape.exterior.coords)
    raise PlacementError(f"procedural scene {name}: room too small for a camera path")


@dataclass(frozen=True)
class Sights:
    """The placed pieces as the cameras aim at them: their mesh bounds."""

    center: np.ndarray  # (n, 3) box centres
    radius: np.ndarray  # (n,) half the box's horizontal diagonal
    low: np.ndarray  # (n,) bottom z
    high: np.ndarray  # (n,) top z


def sights(layout: Layout) -> Sights:
    """Every placed piece's box, for :func:`aim_scores`."""
    bounds = np.array([p.mesh.bounds for p in layout.placed], dtype=np.float64)  # (n, 2, 3)
    radius = np.linalg.norm(bounds[:, 1, :2] - bounds[:, 0, :2], axis=1) / 2
    return Sights(bounds.mean(axis=1), radius, bounds[:, 0, 2], bounds[:, 1, 2])


def _hfov(K: np.ndarray) -> float:
    return 2.0 * math.atan(IMAGE_WIDTH / 2.0 / K[0, 0])


def _vfov(K: np.ndarray) -> float:
    return 2.0 * math.atan(IMAGE_HEIGHT / 2.0 / K[1, 1])


def clamp_pitch(pitch: np.ndarray | float) -> np.ndarray:
    """``pitch`` (radians) held to ``PITCH_RANGE_DEG``."""
    return np.clip(pitch, *np.radians(PITCH_RANGE_DEG))


def aim_scores(
    seen: Sights, eye: np.ndarray, K: np.ndarray, yaws: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(score, pitch) of a camera at ``eye`` facing each of ``yaws`` (radians, (m,)).

    A piece is framed when its centre is well inside the horizontal field of view and at least
    ``NEAR_M`` away; the pitch looks at the framed pieces' middle height (weighted by their
    apparent size), clamped. The score counts the pieces whose box overlaps the view at that
    pitch, plus ``FILL_WEIGHT`` times the share of the view the framed ones fill (about).
    """
    hfov, vfov = _hfov(K), _vfov(K)
    offset = seen.center - eye
    distance = np.maximum(np.hypot(offset[:, 0], offset[:, 1]), 1e-6)
    bearing = np.arctan2(offset[:, 1], offset[:, 0])
    half_width = np.arctan2(seen.radius, distance)
    top = np.arctan2(seen.high - eye[2], distance)
    bottom = np.arctan2(seen.low - eye[2], distance)
    size = 2.0 * half_width * (top - bottom)  # apparent solid angle, about
    turn = (bearing[None, :] - yaws[:, None] + np.pi) % (2 * np.pi) - np.pi  # (m, n)
    framed = (np.abs(turn) <= hfov / 2 - 0.3 * half_width) & (distance >= NEAR_M)
    weight = framed * np.minimum(size, 0.5)
    total = weight.sum(axis=1)
    middle = (weight * ((top + bottom) / 2)).sum(axis=1) / np.maximum(total, 1e-12)
    pitch = clamp_pitch(np.where(total > 0, middle, math.radians(PITCH_RANGE_DEG[0]) / 2))
    across = np.abs(turn) <= hfov / 2 + half_width
    upright = (top >= pitch[:, None] - vfov / 2) & (bottom <= pitch[:, None] + vfov / 2)
    fill = np.minimum((framed & upright) @ size / (hfov * vfov), 1.0)
    return (across & upright).sum(axis=1) + FILL_WEIGHT * fill, pitch


def smooth_headings(scores: np.ndarray, turn_cost: float, max_turn: int) -> np.ndarray:
    """The yaw bin of each frame ((f,) int) maximising the summed ``scores`` ((f, m)) less
    ``turn_cost`` a bin turned between consecutive frames, at most ``max_turn`` bins (Viterbi;
    ties go to the lowest bin)."""
    frames, bins = scores.shape
    steps = np.arange(bins)
    apart = np.abs((steps[:, None] - steps[None, :] + bins // 2) % bins - bins // 2)
    penalty = np.where(apart <= max_turn, -turn_cost * apart, -np.inf)  # [to, from]
    total = scores[0].astype(np.float64)
    back = np.zeros((frames, bins), dtype=np.int64)
    for i in range(1, frames):
        options = total[None, :] + penalty
        back[i] = np.argmax(options, axis=1)
        total = options[steps, back[i]] + scores[i]
    path = np.zeros(frames, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for i in range(frames - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def aimed_frame(frame_id: str, t: float, eye, yaw: float, pitch: float, K) -> Frame:
    """A frame at ``eye`` facing ``yaw`` (counter-clockwise from +x), ``pitch`` above level."""
    c = math.cos(pitch)
    direction = np.array([c * math.cos(yaw), c * math.sin(yaw), math.sin(pitch)])
    target = np.asarray(eye, dtype=np.float64) + direction
    return Frame(frame_id, t, look_at(eye, target), K, IMAGE_WIDTH, IMAGE_HEIGHT)


def _along(rng: np.random.Generator, loop: LinearRing, count: int):
    """``count`` points evenly around the loop from a random start and way round, and the
    heading of the walk at each ((count, 2), (count,))."""
    start, direction = rng.uniform(0, loop.length), (-1.0, 1.0)[int(rng.integers(2))]
    distances = (start + direction * loop.length * np.arange(count) / count) % loop.length
    points = shapely.get_coordinates(shapely.line_interpolate_point(loop, distances))
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(loop, (distances + direction * 0.25) % loop.length)
    )
    return points, np.arctan2(ahead[:, 1] - points[:, 1], ahead[:, 0] - points[:, 0])


def _walk(
    rng: np.random.Generator,
    layout: Layout,
    points: np.ndarray,
    headings: np.ndarray,
    name: str,
    prefix: str,
    heights: tuple[float, float],
    drift: float,
    cone_deg: float | None,
) -> Trajectory | None:
    """Frames at ``points`` aimed along a smooth path of headings (``cone_deg``: at most that
    far off the walk's ``headings``); the height drifts by ``drift`` about a drawn eye height."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(*FOV_DEG))
    top = min(heights[1], layout.height - 0.3)
    eye_z = rng.uniform(heights[0] + drift, top - drift)
    phase = rng.uniform(0, 2 * np.pi)
    if not len(points):
        return None
    seen = sights(layout)
    yaws = 2 * np.pi * np.arange(YAW_BINS) / YAW_BINS
    eyes, scores, pitches = [], [], []
    for i, (x, y) in enumerate(points):
        eye = np.array([x, y, eye_z + drift * math.sin(2 * np.pi * i / len(points) + phase)])
        score, pitch = aim_scores(seen, eye, K, yaws)
        if cone_deg is not None:
            off = np.abs((yaws - headings[i] + np.pi) % (2 * np.pi) - np.pi)
            score = np.where(off <= math.radians(cone_deg), score, -1e6)
        eyes.append(eye)
        scores.append(score)
        pitches.append(pitch)
    max_turn = int(MAX_TURN_DEG / (360.0 / YAW_BINS))
    path = smooth_headings(np.array(scores), TURN_COST, max_turn)
    frames = [
        aimed_frame(f"{prefix}{i:04d}", i * FRAME_SPACING_S, eyes[i], yaws[b], pitches[i][b], K)
        for i, b in enumerate(path)
    ]
    return Trajectory(name, tuple(frames))


def walkthrough(
    rng: np.random.Generator, layout: Layout, loop: LinearRing, count: int
) -> Trajectory:
    """Around the loop, panning smoothly from one group of furniture to the next.

    The camera is held by hand: its height drifts by up to HANDHELD_DRIFT_M about the eye
    height over the loop, so camera-elevation questions have something to ask about.
    """
    points, headings = _along(rng, loop, count)
    made = _walk(rng, layout, points, headings, "walkthrough", "f", EYE_HEIGHT_M,
                 HANDHELD_DRIFT_M, None)  # fmt: skip
    assert made is not None  # the loop has count >= 1 points
    return made


def tour(rng: np.random.Generator, layout: Layout, loop: LinearRing, count: int) -> Trajectory:
    """Around the loop looking roughly where it walks (at most ``TOUR_CONE_DEG`` off), at the
    furniture ahead: a room tour, where furniture comes into view as the camera passes
    (``obj_appearance_order`` needs that; the walkthrough pans freely over the room)."""
    points, headings = _along(rng, loop, count)
    made = _walk(rng, layout, points, headings, "tour", "t", EYE_HEIGHT_M, HANDHELD_DRIFT_M,
                 TOUR_CONE_DEG)  # fmt: skip
    assert made is not None
    return made


def low(
    rng: np.random.Generator, layout: Layout, loop: LinearRing, count: int
) -> Trajectory | None:
    """A robot's loop: camera height ``LOW_EYE_HEIGHT_M`` (fixed, no hand to drift), kept
    ``LOW_CLEARANCE_M`` from every piece on the floor (a point of the loop inside one moves to
    the nearest clear spot within 0.6 m, else is left out); None when no point is clear."""
    points, headings = _along(rng, loop, count)
    pieces = [p.footprint.buffer(LOW_CLEARANCE_M) for p in layout.placed if p.on_floor]
    clear = layout.room.buffer(-0.3)
    if pieces:
        clear = clear.difference(shapely.union_all(pieces))
    keep = []
    for i, (x, y) in enumerate(points):
        spot = shapely.Point(x, y)
        if not clear.contains(spot):
            nearest = nearest_points(clear, spot)[0] if not clear.is_empty else None
            if nearest is None or nearest.distance(spot) > 0.6 or not clear.contains(nearest):
                continue
            points[i] = nearest.coords[0]
        keep.append(i)
    return _walk(rng, layout, points[keep], headings[keep], "low", "l", LOW_EYE_HEIGHT_M, 0.0,
                 None)  # fmt: skip


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
    """Around the room's main piece (else the room's middle), the camera in free space, every
    optical axis through the piece's vertical axis, pitched at the middle height of what it
    frames there (the piece and its neighbours)."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(55.0, 70.0))
    eye_z = rng.uniform(EYE_HEIGHT_M[0], min(1.6, layout.height - 0.3))
    start = rng.uniform(0, 2 * np.pi)
    angles = start + 2 * np.pi * np.arange(count) / count
    rays = np.column_stack([np.cos(angles), np.sin(angles)])
    seen = sights(layout)
    for center in (np.array([anchor.x, anchor.y]), layout.center):
        radii = np.arange(rng.uniform(1.6, 2.6), 0.7, -0.1)
        grid = center + rays[:, None, :] * radii[None, :, None]  # (angle, radius, 2)
        ok = shapely.contains_xy(free, grid[..., 0], grid[..., 1])
        eyes = []
        for i in range(count):
            for j in np.flatnonzero(ok[i]):  # the farthest spot first
                if layout.room.contains(LineString([grid[i, j], center])):
                    eyes.append(grid[i, j])
                    break
        if len(eyes) >= max(3, count // 3):  # an arc in front of a piece by a wall
            frames = []
            for i, eye in enumerate(eyes):
                yaw = math.atan2(center[1] - eye[1], center[0] - eye[0])
                eye3 = np.array([*eye, eye_z])
                pitch = aim_scores(seen, eye3, K, np.array([yaw]))[1][0]
                frames.append(aimed_frame(f"o{i:04d}", i * FRAME_SPACING_S, eye3, yaw, pitch, K))
            return Trajectory("orbit", tuple(frames))
    return None


def lookat(
    rng: np.random.Generator, layout: Layout, free: Polygon, count: int
) -> Trajectory | None:
    """Still views of single pieces, from in front of them where they have a front: of the
    clear spots tried around each piece, the one whose view (centred on the piece) frames the
    most of its neighbours; pitched at the piece's middle height, clamped."""
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(55.0, 70.0))
    pieces = sorted((p for p in layout.placed if p.on_floor), key=lambda p: -p.footprint.area)[
        : count * 2
    ]
    seen = sights(layout)
    frames = []
    for piece in pieces:
        if len(frames) == count:
            break
        center = np.array([piece.x, piece.y])
        base = piece.direction if piece.model.has_front else layout.center - center
        base = base / max(np.linalg.norm(base), 1e-9)
        eye_z = rng.uniform(1.3, min(EYE_HEIGHT_M[1], layout.height - 0.3))
        middle = float(piece.mesh.vertices[:, 2].max()) / 2
        best = None
        for turn in rng.permutation([0.0, 25.0, -25.0, 50.0, -50.0]):
            c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))
            direction = np.array([c * base[0] - s * base[1], s * base[0] + c * base[1]])
            distance = rng.uniform(1.6, 3.0)
            eye = center + distance * direction
            if not _clear_view(layout, free, eye, center):
                continue
            yaw = math.atan2(-direction[1], -direction[0])
            eye3 = np.array([*eye, eye_z])
            score = aim_scores(seen, eye3, K, np.array([yaw]))[0][0]
            if best is None or score > best[0]:
                pitch = float(clamp_pitch(math.atan2(middle - eye_z, distance)))
                best = (score, eye3, yaw, pitch)
        if best is not None:
            _, eye3, yaw, pitch = best
            t = len(frames) * FRAME_SPACING_S
            frames.append(aimed_frame(f"v{len(frames):04d}", t, eye3, yaw, pitch, K))
    return Trajectory("lookat", tuple(frames)) if frames else None
