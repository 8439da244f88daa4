"""Procedural furnished rooms: scenes that exist without any download, for tests and data.

A room is a rectangle with floor, ceiling and walls; furniture is built from boxes and
cylinders (one mesh per object), placed against walls, around tables and on top of other
furniture by bounded rejection sampling, and a camera walks a loop inside the room looking
inwards. Every number comes from ``rng_for("procedural", seed, index)``, and every vertex is
rounded to a float32 value, so the same ``(seed, index)`` saves to the same bytes and the scene
directory round-trips exactly (PLY stores float32).

Local frame of a piece of furniture: centred on the origin in x and y, standing on z = 0,
width along x, depth along y, its front (where one sits, looks or opens it) towards +y.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import trimesh
from shapely.geometry import LinearRing, Polygon

from spatialqa.errors import PlacementError
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.scene import (
    Frame,
    Room,
    Scene,
    SceneObject,
    Source,
    Structure,
    Trajectory,
)
from spatialqa.seeding import rng_for

__all__ = ["FRAME_SPACING_S", "ROOM_KINDS", "procedural_scene"]

FRAME_SPACING_S = 0.5
"""Seconds between consecutive walkthrough frames (the trajectory's own timestamps)."""
ROOM_KINDS = ("living", "bedroom", "dining", "office")

IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480
WALL_THICKNESS = 0.1
GAP = 0.05  # least clearance between floor footprints, and to the walls
SLACK = 0.02  # added to GAP where positions are computed, so float32 rounding never bites
TOP_MARGIN = 0.03  # an object on a support keeps this far from the support's top edges
TRIES = 40  # rejection-sampling attempts per object
EXTRA_DRAWS = 10  # attempts to top up a sparse room
MIN_OBJECTS, MAX_OBJECTS = 6, 18
FLOOR_OBJECTS_MAX = 15  # leaves room under MAX_OBJECTS for things standing on others
LOOP_INSET = 1.0  # camera loop distance from the walls
LOOP_CLEARANCE = 0.15  # tall furniture keeps this far from the camera loop
TALL = 1.2  # furniture higher than this could swallow the camera at eye height


def _f32(values: object) -> np.ndarray:
    """Round to the nearest float32 value, kept as float64: what a PLY file stores."""
    return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


# --------------------------------------------------------------------------- furniture models


@dataclass
class _Model:
    """Parts in the local frame and the bounding rectangle they fit in."""

    category: str
    parts: list[trimesh.Trimesh]
    width: float
    depth: float
    height: float
    has_front: bool


def _box(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> trimesh.Trimesh:
    return trimesh.creation.box(bounds=[[x0, y0, z0], [x1, y1, z1]])


def _cylinder(radius: float, z0: float, z1: float, x: float = 0.0, y: float = 0.0):
    transform = trimesh.transformations.translation_matrix([x, y, (z0 + z1) / 2.0])
    return trimesh.creation.cylinder(
        radius=radius, height=z1 - z0, sections=16, transform=transform
    )


def _chair(rng: np.random.Generator) -> _Model:
    w, d = rng.uniform(0.42, 0.5), rng.uniform(0.42, 0.5)
    seat, back, leg = rng.uniform(0.43, 0.48), rng.uniform(0.35, 0.5), 0.035
    parts = [_box(-w / 2, w / 2, -d / 2, d / 2, seat - 0.04, seat)]
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (w / 2 - leg / 2), sy * (d / 2 - leg / 2)
            parts.append(_box(x - leg / 2, x + leg / 2, y - leg / 2, y + leg / 2, 0, seat - 0.04))
    parts.append(_box(-w / 2, w / 2, -d / 2, -d / 2 + 0.04, seat, seat + back))
    return _Model("chair", parts, w, d, seat + back, True)


def _table(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(1.2, 1.8), rng.uniform(0.75, 1.0), rng.uniform(0.72, 0.77)
    parts = [_box(-w / 2, w / 2, -d / 2, d / 2, h - 0.04, h)]
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (w / 2 - 0.08), sy * (d / 2 - 0.08)
            parts.append(_box(x - 0.03, x + 0.03, y - 0.03, y + 0.03, 0, h - 0.04))
    return _Model("table", parts, w, d, h, False)


def _upholstered(category: str, w, d, h, seat, arm, arm_h, back) -> _Model:
    """A seat between two arms with a back of depth ``back``: sofas and armchairs."""
    parts = [
        _box(-w / 2 + arm, w / 2 - arm, -d / 2, d / 2, 0, seat),
        _box(-w / 2, w / 2, -d / 2, -d / 2 + back, 0, h),
        _box(-w / 2, -w / 2 + arm, -d / 2, d / 2, 0, arm_h),
        _box(w / 2 - arm, w / 2, -d / 2, d / 2, 0, arm_h),
    ]
    return _Model(category, parts, w, d, h, True)


def _sofa(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(1.6, 2.3), rng.uniform(0.8, 0.95), rng.uniform(0.8, 0.95)
    seat, arm, arm_h = rng.uniform(0.4, 0.45), rng.uniform(0.15, 0.2), rng.uniform(0.58, 0.65)
    return _upholstered("sofa", w, d, h, seat, arm, arm_h, back=0.2)


def _armchair(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(0.75, 0.95), rng.uniform(0.75, 0.9), rng.uniform(0.8, 1.0)
    seat, arm, arm_h = rng.uniform(0.4, 0.45), rng.uniform(0.12, 0.16), rng.uniform(0.58, 0.65)
    return _upholstered("armchair", w, d, h, seat, arm, arm_h, back=0.18)


def _bed(rng: np.random.Generator) -> _Model:
    w, d, head = rng.uniform(1.4, 1.8), rng.uniform(1.95, 2.15), rng.uniform(0.9, 1.1)
    frame = rng.uniform(0.28, 0.32)
    parts = [
        _box(-w / 2, w / 2, -d / 2, d / 2, 0, frame),
        _box(-w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.08, d / 2 - 0.03, frame, frame + 0.2),
        _box(-w / 2, w / 2, -d / 2, -d / 2 + 0.08, 0, head),
    ]
    return _Model("bed", parts, w, d, head, True)


def _cabinet_like(category: str, w: float, d: float, h: float) -> _Model:
    """A body on a recessed plinth with a handle on the front; its top is its highest point."""
    parts = [
        _box(-w / 2, w / 2, -d / 2, d / 2 - 0.02, 0.08, h),
        _box(-w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.06, 0, 0.08),
        _box(-0.08, 0.08, d / 2 - 0.02, d / 2, h - 0.12, h - 0.1),
    ]
    return _Model(category, parts, w, d, h, True)


def _cabinet(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(0.6, 1.2), rng.uniform(0.4, 0.55), rng.uniform(0.7, 1.0)
    return _cabinet_like("cabinet", w, d, h)


def _nightstand(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(0.4, 0.55), rng.uniform(0.35, 0.45), rng.uniform(0.45, 0.6)
    return _cabinet_like("nightstand", w, d, h)


def _wardrobe(rng: np.random.Generator, max_height: float) -> _Model:
    w, d = rng.uniform(0.9, 1.8), rng.uniform(0.55, 0.65)
    h = min(rng.uniform(1.9, 2.2), max_height)
    parts = [
        _box(-w / 2, w / 2, -d / 2, d / 2 - 0.02, 0.08, h),
        _box(-w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.06, 0, 0.08),
        _box(-0.06, -0.04, d / 2 - 0.02, d / 2, 0.9, 1.3),
        _box(0.04, 0.06, d / 2 - 0.02, d / 2, 0.9, 1.3),
    ]
    return _Model("wardrobe", parts, w, d, h, True)


def _refrigerator(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(0.6, 0.8), rng.uniform(0.6, 0.75), rng.uniform(1.6, 1.9)
    parts = [
        _box(-w / 2, w / 2, -d / 2, d / 2 - 0.03, 0, h),
        _box(w / 2 - 0.1, w / 2 - 0.07, d / 2 - 0.03, d / 2, 0.9, 1.4),
    ]
    return _Model("refrigerator", parts, w, d, h, True)


def _tv_stand(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(1.2, 1.8), rng.uniform(0.4, 0.5), rng.uniform(0.45, 0.6)
    parts = [
        _box(-w / 2, w / 2, -d / 2, d / 2, h - 0.04, h),
        _box(-w / 2, -w / 2 + 0.04, -d / 2, d / 2, 0, h - 0.04),
        _box(w / 2 - 0.04, w / 2, -d / 2, d / 2, 0, h - 0.04),
        _box(-w / 2 + 0.04, w / 2 - 0.04, -d / 2, d / 2, 0.05, 0.09),
        _box(-w / 2 + 0.04, w / 2 - 0.04, -d / 2, -d / 2 + 0.02, 0.09, h - 0.04),
    ]
    return _Model("tv stand", parts, w, d, h, True)


def _bookshelf(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(0.8, 1.2), rng.uniform(0.28, 0.35), rng.uniform(1.6, 2.0)
    parts = [
        _box(-w / 2, w / 2, -d / 2, -d / 2 + 0.02, 0, h),
        _box(-w / 2, -w / 2 + 0.02, -d / 2, d / 2, 0, h),
        _box(w / 2 - 0.02, w / 2, -d / 2, d / 2, 0, h),
    ]
    shelves = int(rng.integers(4, 7))
    for k in range(shelves):
        z = k * (h - 0.02) / (shelves - 1)
        parts.append(_box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2 + 0.02, d / 2, z, z + 0.02))
    return _Model("bookshelf", parts, w, d, h, True)


def _desk(rng: np.random.Generator) -> _Model:
    w, d, h = rng.uniform(1.0, 1.6), rng.uniform(0.55, 0.75), rng.uniform(0.72, 0.76)
    parts = [
        _box(-w / 2, w / 2, -d / 2, d / 2, h - 0.03, h),
        _box(-w / 2, -w / 2 + 0.03, -d / 2, d / 2, 0, h - 0.03),
        _box(w / 2 - 0.42, w / 2, -d / 2, d / 2 - 0.02, 0, h - 0.03),
        _box(-w / 2 + 0.03, w / 2 - 0.42, -d / 2, -d / 2 + 0.02, 0.3, h - 0.03),
    ]
    return _Model("desk", parts, w, d, h, True)


def _lamp(rng: np.random.Generator, small: bool) -> _Model:
    if small:
        base, pole, shade, shade_h = (
            rng.uniform(0.06, 0.08),
            rng.uniform(0.22, 0.32),
            rng.uniform(0.1, 0.14),
            rng.uniform(0.16, 0.2),
        )
    else:
        base, pole, shade, shade_h = (
            rng.uniform(0.12, 0.16),
            rng.uniform(1.3, 1.55),
            rng.uniform(0.18, 0.22),
            rng.uniform(0.25, 0.3),
        )
    parts = [
        _cylinder(base, 0, 0.03),
        _cylinder(0.012, 0.03, pole),
        _cylinder(shade, pole - 0.05, pole - 0.05 + shade_h),
    ]
    size = 2 * max(base, shade)
    return _Model("lamp", parts, size, size, pole - 0.05 + shade_h, False)


def _plant(rng: np.random.Generator, small: bool) -> _Model:
    if small:
        pot, pot_h, leaves_h = (
            rng.uniform(0.06, 0.09),
            rng.uniform(0.1, 0.15),
            rng.uniform(0.15, 0.3),
        )
    else:
        pot, pot_h, leaves_h = (
            rng.uniform(0.12, 0.2),
            rng.uniform(0.25, 0.35),
            rng.uniform(0.4, 0.9),
        )
    leaves = pot * rng.uniform(1.2, 1.6)
    parts = [
        _cylinder(pot, 0, pot_h),
        _cylinder(leaves, pot_h, pot_h + leaves_h),
        _cylinder(leaves * 0.6, pot_h + leaves_h, pot_h + leaves_h * 1.25),
    ]
    return _Model("plant", parts, 2 * leaves, 2 * leaves, pot_h + leaves_h * 1.25, False)


def _tv(rng: np.random.Generator, max_width: float) -> _Model:
    w = min(rng.uniform(0.8, 1.3), max_width)
    h = w * 9 / 16
    parts = [
        _box(-w / 2, w / 2, -0.025, 0.025, 0.1, 0.1 + h),
        _box(-0.04, 0.04, -0.02, 0.02, 0.02, 0.1),
        _box(-0.2 * w, 0.2 * w, -0.11, 0.11, 0, 0.02),
    ]
    return _Model("tv", parts, w, 0.22, 0.1 + h, True)


def _stool(rng: np.random.Generator) -> _Model:
    seat, h = rng.uniform(0.15, 0.2), rng.uniform(0.45, 0.75)
    parts = [
        _cylinder(seat * 0.8, 0, 0.02),
        _cylinder(0.025, 0.02, h - 0.04),
        _cylinder(seat, h - 0.04, h),
    ]
    return _Model("stool", parts, 2 * seat, 2 * seat, h, False)


def _trash_can(rng: np.random.Generator) -> _Model:
    radius, h = rng.uniform(0.12, 0.2), rng.uniform(0.3, 0.6)
    parts = [_cylinder(radius * 0.95, 0, h - 0.02), _cylinder(radius, h - 0.02, h)]
    return _Model("trash can", parts, 2 * radius, 2 * radius, h, False)


BASE_COLORS = {
    "chair": (139, 90, 43),
    "table": (160, 110, 60),
    "sofa": (70, 90, 140),
    "armchair": (150, 60, 50),
    "bed": (200, 200, 210),
    "cabinet": (180, 150, 110),
    "nightstand": (140, 100, 70),
    "wardrobe": (200, 180, 150),
    "refrigerator": (220, 220, 225),
    "tv stand": (90, 70, 50),
    "bookshelf": (120, 80, 40),
    "desk": (170, 130, 90),
    "lamp": (230, 220, 180),
    "plant": (50, 140, 60),
    "tv": (25, 25, 30),
    "stool": (100, 100, 100),
    "trash can": (80, 80, 80),
}
"""Per-category base colour; each instance is jittered around it."""

_FLOOR_BUILDERS: dict[str, Callable[[np.random.Generator], _Model]] = {
    "chair": _chair,
    "table": _table,
    "sofa": _sofa,
    "armchair": _armchair,
    "bed": _bed,
    "cabinet": _cabinet,
    "nightstand": _nightstand,
    "refrigerator": _refrigerator,
    "tv stand": _tv_stand,
    "bookshelf": _bookshelf,
    "desk": _desk,
    "stool": _stool,
    "trash can": _trash_can,
}


# --------------------------------------------------------------------------- placement

_QUARTER_TURNS = {0: (1.0, 0.0), 90: (0.0, 1.0), 180: (-1.0, 0.0), 270: (0.0, -1.0)}


def _cos_sin(yaw_deg: float) -> tuple[float, float]:
    """Exact for quarter turns, so that axis-aligned furniture stays exactly axis-aligned."""
    quarter = _QUARTER_TURNS.get(int(yaw_deg) % 360) if float(yaw_deg).is_integer() else None
    if quarter is not None:
        return quarter
    return math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))


def _to_world(local_xy: np.ndarray, x: float, y: float, yaw_deg: float) -> np.ndarray:
    c, s = _cos_sin(yaw_deg)
    rotated = local_xy @ np.array([[c, s], [-s, c]])
    return rotated + np.array([x, y])


@dataclass
class _Placed:
    """A placed object: its world mesh and the 2D rectangle it occupies."""

    id: int
    model: _Model
    mesh: trimesh.Trimesh
    footprint: Polygon
    x: float
    y: float
    yaw: float
    top: float
    color: tuple[int, int, int]
    on_floor: bool
    on_top: list[Polygon] = field(default_factory=list)

    @property
    def front(self) -> np.ndarray | None:
        if not self.model.has_front:
            return None
        c, s = _cos_sin(self.yaw)
        return np.array([-s, c, 0.0]) + 0.0  # + 0.0 turns -0.0 into 0.0


class _Layout:
    """The room being furnished: placed objects and the rules every new one must pass."""

    def __init__(self, rng: np.random.Generator, width: float, depth: float, height: float):
        self.rng = rng
        self.width, self.depth, self.height = width, depth, height
        self.inner = Polygon([(0, 0), (width, 0), (width, depth), (0, depth)]).buffer(-GAP)
        self.loop_zone = LinearRing(_loop_points(width, depth, 96)).buffer(LOOP_CLEARANCE)
        self.placed: list[_Placed] = []

    @property
    def floor_full(self) -> bool:
        return len(self.placed) >= FLOOR_OBJECTS_MAX

    def _footprint(self, model: _Model, x: float, y: float, yaw: float) -> Polygon:
        w, d = model.width / 2, model.depth / 2
        corners = np.array([[-w, -d], [w, -d], [w, d], [-w, d]])
        return Polygon(_to_world(corners, x, y, yaw))

    def _commit(
        self,
        model: _Model,
        x: float,
        y: float,
        z: float,
        yaw: float,
        footprint: Polygon,
        on_floor: bool,
    ) -> _Placed:
        vertices, faces, offset = [], [], 0
        for part in model.parts:
            vertices.append(np.asarray(part.vertices))
            faces.append(np.asarray(part.faces) + offset)
            offset += len(part.vertices)
        local = np.concatenate(vertices)
        world = np.column_stack([_to_world(local[:, :2], x, y, yaw), local[:, 2] + z])
        mesh = trimesh.Trimesh(vertices=_f32(world), faces=np.concatenate(faces), process=False)
        base = np.array(BASE_COLORS[model.category])
        color = np.clip(base + self.rng.integers(-18, 19, size=3), 0, 255)
        placed = _Placed(
            id=len(self.placed) + 1,
            model=model,
            mesh=mesh,
            footprint=footprint,
            x=x,
            y=y,
            yaw=yaw,
            top=float(mesh.vertices[:, 2].max()),
            color=(int(color[0]), int(color[1]), int(color[2])),
            on_floor=on_floor,
        )
        self.placed.append(placed)
        return placed

    def floor(self, model: _Model, x: float, y: float, yaw: float) -> _Placed | None:
        """Place on the floor if the rectangle is inside the room, clear of the others."""
        footprint = self._footprint(model, x, y, yaw)
        if not self.inner.contains(footprint) or model.height > self.height - GAP:
            return None
        if model.height > TALL and footprint.intersects(self.loop_zone):
            return None
        for other in self.placed:
            if other.on_floor and footprint.distance(other.footprint) < GAP:
                return None
        return self._commit(model, x, y, 0.0, yaw, footprint, on_floor=True)

    def against_wall(self, model: _Model) -> _Placed | None:
        """Back to a random wall, front facing into the room."""
        if self.floor_full:
            return None
        for _ in range(TRIES):
            wall = int(self.rng.integers(4))
            length = self.width if wall % 2 == 0 else self.depth
            half = model.width / 2 + GAP + SLACK
            if length < 2 * half:
                continue
            s = self.rng.uniform(half, length - half)
            n = model.depth / 2 + GAP + SLACK
            x, y = [
                (s, n),
                (self.width - n, s),
                (self.width - s, self.depth - n),
                (n, self.depth - s),
            ][wall]
            placed = self.floor(model, x, y, 90.0 * wall)
            if placed is not None:
                return placed
        return None

    def free(self, model: _Model, *, central: bool = False) -> _Placed | None:
        """Anywhere on the floor (``central``: the middle of the room), facing the centre."""
        if self.floor_full:
            return None
        cx, cy = self.width / 2, self.depth / 2
        for _ in range(TRIES):
            if central:
                x = self.rng.uniform(0.35, 0.65) * self.width
                y = self.rng.uniform(0.35, 0.65) * self.depth
                yaw = 0.0 if (self.width >= self.depth) == (self.rng.random() < 0.8) else 90.0
            else:
                x = self.rng.uniform(0, self.width)
                y = self.rng.uniform(0, self.depth)
                yaw = _facing(cx - x, cy - y) if model.has_front else 0.0
                if model.has_front:
                    yaw += self.rng.uniform(-15, 15)
            placed = self.floor(model, x, y, yaw)
            if placed is not None:
                return placed
        return None

    def beside(self, anchor: _Placed, model: _Model, local_x: float, local_y: float, turn: float):
        """At a point of ``anchor``'s frame, turned by ``turn`` degrees from it."""
        if self.floor_full:
            return None
        x, y = _to_world(np.array([[local_x, local_y]]), anchor.x, anchor.y, anchor.yaw)[0]
        return self.floor(model, float(x), float(y), (anchor.yaw + turn) % 360)

    def on(self, support: _Placed, model: _Model) -> _Placed | None:
        """Standing on ``support``'s top: bottom at its highest z, footprint inside its top."""
        if len(self.placed) >= MAX_OBJECTS or support.top + model.height > self.height - GAP:
            return None
        room_u = (support.model.width - model.width) / 2 - TOP_MARGIN
        room_v = (support.model.depth - model.depth) / 2 - TOP_MARGIN
        if room_u < 0 or room_v < 0:
            return None
        top = support.footprint.buffer(-TOP_MARGIN / 2)
        for _ in range(TRIES):
            u, v = self.rng.uniform(-room_u, room_u), self.rng.uniform(-room_v, room_v)
            x, y = _to_world(np.array([[u, v]]), support.x, support.y, support.yaw)[0]
            footprint = self._footprint(model, float(x), float(y), support.yaw)
            if not top.contains(footprint):
                continue
            if any(footprint.distance(other) < GAP for other in support.on_top):
                continue
            placed = self._commit(
                model, float(x), float(y), support.top, support.yaw, footprint, on_floor=False
            )
            support.on_top.append(footprint)
            return placed
        return None


def _facing(dx: float, dy: float) -> float:
    """The quarter-turn yaw whose front (+y rotated) is closest to direction (dx, dy)."""
    yaw = math.degrees(math.atan2(-dx, dy))
    return float(round(yaw / 90.0) % 4 * 90)


def _loop_points(width: float, depth: float, count: int) -> np.ndarray:
    """Points of the camera loop: an ellipse inset ``LOOP_INSET`` from the walls, (count, 2)."""
    angles = 2 * np.pi * np.arange(count) / count
    a, b = width / 2 - LOOP_INSET, depth / 2 - LOOP_INSET
    return np.column_stack([width / 2 + a * np.cos(angles), depth / 2 + b * np.sin(angles)])


# --------------------------------------------------------------------------- furnishing


def _with_chairs(layout: _Layout, table: _Placed, count: int) -> None:
    """Up to ``count`` chairs around ``table``, each facing it."""
    rng = layout.rng
    w, d = table.model.width, table.model.depth
    per_side = 2 if w >= 1.3 else 1
    slots = []
    for side, turn in ((-1, 0.0), (1, 180.0)):
        for j in range(per_side):
            slots.append(((j + 0.5) * w / per_side - w / 2, side, turn))
    slots += [(-1.0, 0, 270.0), (1.0, 0, 90.0)]
    order = rng.permutation(len(slots))
    seated = 0
    for k in order:
        if seated == count:
            break
        chair = _chair(rng)
        offset = chair.depth / 2 + GAP + 2 * SLACK
        along, side, turn = slots[k]
        if side == 0:
            local = (along * (w / 2 + offset), 0.0)
        else:
            local = (along, side * (d / 2 + offset))
        if layout.beside(table, chair, *local, turn) is not None:
            seated += 1


def _desk_with_chair(layout: _Layout) -> None:
    desk = layout.against_wall(_desk(layout.rng))
    if desk is not None:
        chair = _chair(layout.rng)
        offset = desk.model.depth / 2 + chair.depth / 2 + GAP + 2 * SLACK
        layout.beside(desk, chair, 0.0, offset, 180.0)


def _bed_with_nightstands(layout: _Layout) -> None:
    rng = layout.rng
    bed = layout.against_wall(_bed(rng))
    if bed is None:
        return
    for side in (-1, 1):
        if rng.random() < 0.85:
            stand = _nightstand(rng)
            x = side * (bed.model.width / 2 + stand.width / 2 + GAP + 2 * SLACK)
            y = -bed.model.depth / 2 + stand.depth / 2
            layout.beside(bed, stand, x, y, 0.0)


def _some(layout: _Layout, probability: float, build: Callable[[], object]) -> None:
    if layout.rng.random() < probability:
        build()


def _furnish(layout: _Layout, kind: str) -> None:
    """The floor plan of one room kind: big pieces against walls first, small ones last."""
    rng = layout.rng

    def wall(category: str) -> Callable[[], object]:
        return lambda: layout.against_wall(_FLOOR_BUILDERS[category](rng))

    def free(category: str) -> Callable[[], object]:
        return lambda: layout.free(_FLOOR_BUILDERS[category](rng))

    def dining_table(low: int, high: int) -> Callable[[], object]:
        def build() -> None:
            table = layout.free(_table(rng), central=True)
            if table is not None:
                _with_chairs(layout, table, int(rng.integers(low, high + 1)))

        return build

    if kind == "bedroom":
        _bed_with_nightstands(layout)
        layout.against_wall(_wardrobe(rng, layout.height - 0.1))
        _some(layout, 0.6, lambda: _desk_with_chair(layout))
        _some(layout, 0.4, wall("bookshelf"))
        _some(layout, 0.5, wall("cabinet"))
        _some(layout, 0.3, wall("tv stand"))
        _some(layout, 0.4, free("armchair"))
    elif kind == "living":
        wall("sofa")()
        wall("tv stand")()
        for _ in range(int(rng.integers(1, 3))):
            free("armchair")()
        _some(layout, 0.5, dining_table(2, 4))
        _some(layout, 0.6, wall("bookshelf"))
        _some(layout, 0.5, wall("cabinet"))
    elif kind == "dining":
        wall("refrigerator")()
        for _ in range(int(rng.integers(1, 3))):
            wall("cabinet")()
        dining_table(2, 4)()
        for _ in range(int(rng.integers(1, 4))):
            free("stool")()
        _some(layout, 0.3, wall("tv stand"))
        _some(layout, 0.3, wall("bookshelf"))
    else:
        for _ in range(int(rng.integers(1, 3))):
            _desk_with_chair(layout)
        for _ in range(int(rng.integers(1, 3))):
            wall("bookshelf")()
        _some(layout, 0.7, wall("cabinet"))
        _some(layout, 0.4, dining_table(2, 4))
        _some(layout, 0.4, free("armchair"))
        _some(layout, 0.2, wall("refrigerator"))
    for _ in range(int(rng.integers(1, 4))):
        layout.free(_plant(rng, small=False))
    _some(layout, 0.7, free("trash can"))
    _some(layout, 0.5, lambda: layout.free(_lamp(rng, small=False)))
    _some(layout, 0.3, free("stool"))
    # Sparse plans get extra pieces, a bounded number of draws, up to a per-room target.
    extras = (
        wall("cabinet"),
        wall("bookshelf"),
        free("armchair"),
        free("stool"),
        free("trash can"),
        lambda: layout.free(_plant(rng, small=False)),
        lambda: layout.free(_lamp(rng, small=False)),
    )
    target = int(rng.integers(9, 14))
    for _ in range(EXTRA_DRAWS):
        if len(layout.placed) >= target:
            break
        extras[int(rng.integers(len(extras)))]()
    _decorate(layout)


def _decorate(layout: _Layout) -> None:
    """Things standing on furniture: a tv on a stand or cabinet, lamps and plants on tops."""
    rng = layout.rng
    has_tv = False
    for support in list(layout.placed):
        category = support.model.category
        if category == "tv stand" or (category == "cabinet" and not has_tv and rng.random() < 0.3):
            max_width = support.model.width - 2 * TOP_MARGIN - 0.02
            if max_width >= 0.5 and layout.on(support, _tv(rng, max_width)) is not None:
                has_tv = True
                continue
        chances = {
            "nightstand": (0.8, 0.1),
            "desk": (0.6, 0.3),
            "cabinet": (0.3, 0.4),
            "table": (0.0, 0.5),
        }.get(category)
        if chances is None:
            continue
        if rng.random() < chances[0]:
            layout.on(support, _lamp(rng, small=True))
        if rng.random() < chances[1]:
            layout.on(support, _plant(rng, small=True))


# --------------------------------------------------------------------------- room and camera


def _structure(width: float, depth: float, height: float) -> tuple[Structure, ...]:
    """Floor and ceiling slabs and four walls, all outside the footprint [0, w] x [0, d]."""
    t = WALL_THICKNESS
    floor = _box(-t, width + t, -t, depth + t, -t, 0)
    ceiling = _box(-t, width + t, -t, depth + t, height, height + t)
    walls = [
        _box(-t, width + t, -t, 0, 0, height),
        _box(-t, width + t, depth, depth + t, 0, height),
        _box(-t, 0, 0, depth, 0, height),
        _box(width, width + t, 0, depth, 0, height),
    ]
    wall_mesh = trimesh.util.concatenate(walls)

    def exact(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
        return trimesh.Trimesh(vertices=_f32(mesh.vertices), faces=mesh.faces, process=False)

    return (
        Structure("floor", exact(floor)),
        Structure("ceiling", exact(ceiling)),
        Structure("wall", exact(wall_mesh)),
    )


def _walkthrough(rng: np.random.Generator, width: float, depth: float, count: int) -> Trajectory:
    """A loop along the inset ellipse, looking at the room's middle with a slow sweep."""
    cx, cy = width / 2, depth / 2
    a, b = cx - LOOP_INSET, cy - LOOP_INSET
    eye_z, look_z = rng.uniform(1.5, 1.65), rng.uniform(0.7, 0.9)
    K = intrinsics(IMAGE_WIDTH, IMAGE_HEIGHT, rng.uniform(70.0, 90.0))
    start, direction = rng.uniform(0, 2 * np.pi), (-1.0, 1.0)[int(rng.integers(2))]
    sweep = math.radians(rng.uniform(15.0, 30.0))
    cycles, phase = int(rng.integers(2, 4)), rng.uniform(0, 2 * np.pi)
    frames = []
    for i in range(count):
        angle = start + direction * 2 * np.pi * i / count
        eye = np.array([cx + a * math.cos(angle), cy + b * math.sin(angle), eye_z])
        turn = sweep * math.sin(2 * np.pi * cycles * i / count + phase)
        c, s = math.cos(turn), math.sin(turn)
        dx, dy = cx - eye[0], cy - eye[1]
        target = [eye[0] + c * dx - s * dy, eye[1] + s * dx + c * dy, look_z]
        frames.append(
            Frame(
                id=f"f{i:04d}",
                t=i * FRAME_SPACING_S,
                pose=look_at(eye, target),
                K=K,
                width=IMAGE_WIDTH,
                height=IMAGE_HEIGHT,
            )
        )
    return Trajectory("walkthrough", tuple(frames))


def procedural_scene(
    seed: int, index: int, *, scene_id: str | None = None, frames: int = 32
) -> Scene:
    """A furnished rectangular room with a walkthrough trajectory, the same for the same input.

    Parameters
    ----------
    seed, index : int
        Select the room; it is drawn from ``rng_for("procedural", seed, index)``.
    scene_id : str, optional
        Defaults to ``f"proc_{seed}_{index:04d}"``.
    frames : int
        Frames of the ``"walkthrough"`` trajectory, ``FRAME_SPACING_S`` seconds apart.

    Returns
    -------
    Scene
        Footprint ``[0, w] x [0, d]`` counter-clockwise from the origin, floor at z = 0;
        objects with ids 1..n in placement order, a jittered per-category colour and a
        ``front`` for furniture that has one; structure "floor", "ceiling" and "wall".

    Raises
    ------
    PlacementError
        If fewer than ``MIN_OBJECTS`` objects could be placed.
    """
    if frames < 1:
        raise ValueError(f"frames must be at least 1 (got {frames})")
    scene_id = f"proc_{seed}_{index:04d}" if scene_id is None else scene_id
    rng = rng_for("procedural", seed, index)
    # Multiples of 1/32 m are exact in float32 and short in decimal.
    width = round(rng.uniform(3.5, 8.0) * 32) / 32
    depth = round(rng.uniform(3.0, 7.0) * 32) / 32
    height = round(rng.uniform(2.5, 3.0) * 32) / 32
    layout = _Layout(rng, width, depth, height)
    _furnish(layout, ROOM_KINDS[int(rng.integers(len(ROOM_KINDS)))])
    if len(layout.placed) < MIN_OBJECTS:
        raise PlacementError(
            f"procedural scene {scene_id}: placed only {len(layout.placed)} objects "
            f"(need at least {MIN_OBJECTS})"
        )
    objects = tuple(
        SceneObject(
            id=placed.id,
            category=placed.model.category,
            mesh=placed.mesh,
            front=placed.front,
            color=placed.color,
        )
        for placed in layout.placed
    )
    return Scene(
        scene_id=scene_id,
        source=Source("procedural", f"seed {seed} index {index}"),
        objects=objects,
        structure=_structure(width, depth, height),
        room=Room(
            footprint=[[0.0, 0.0], [width, 0.0], [width, depth], [0.0, depth]], height=height
        ),
        trajectories=(_walkthrough(rng, width, depth, frames),),
        floor_z=0.0,
    )
