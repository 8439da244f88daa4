"""Procedural furnished rooms: scenes that exist without any download, for tests and data.

A room has a type (bedroom, living room, kitchen, office, bathroom, dining room) that sets
its size and what furnishes it. Its footprint is a rectangle or an L, with a floor, a ceiling,
walls outside the footprint, a door and windows cut into the walls. Furniture (``furniture``)
is placed against walls, around tables and facing what it serves (chairs to tables and desks,
sofas to the tv) by bounded rejection sampling; clutter stands on surfaces (books on shelves,
cups on tables). Cameras: a "walkthrough" loop facing the room's middle, an "orbit" around the
room's main piece, "lookat" views of single pieces and a "tour" of the loop looking ahead,
each with timestamps.

Every number comes from ``rng_for("procedural", seed, index)`` (a room that cannot be
furnished is redrawn from ``rng_for("procedural", seed, index, attempt)``; the tour, added
later, draws from ``rng_for("procedural tour", seed, index, attempt)`` so that the rest stayed
as it was), and every vertex is rounded to a float32 value, so the same input saves to the
same bytes and the scene directory round-trips exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
import trimesh
from shapely.geometry import LinearRing, LineString, Polygon

from spatialqa.errors import PlacementError
from spatialqa.scenes import furniture as fm
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.furniture import Model, Surface
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

__all__ = ["FRAME_SPACING_S", "ROOM_TYPES", "procedural_scene"]

FRAME_SPACING_S = 0.5
"""Seconds between consecutive frames of every trajectory (its own timestamps)."""
ROOM_TYPES = ("bedroom", "living room", "kitchen", "office", "bathroom", "dining room")
ROOM_SIZES = {
    "bedroom": ((3.0, 5.0), (3.0, 4.6)),
    "living room": ((4.0, 7.5), (3.5, 6.0)),
    "kitchen": ((2.8, 5.0), (2.6, 4.4)),
    "office": ((3.0, 6.0), (2.8, 5.0)),
    "bathroom": ((2.0, 3.4), (1.8, 3.0)),
    "dining room": ((3.4, 5.8), (3.2, 5.0)),
}
"""Width and depth ranges in metres, from common floor plans."""
ANCHORS = {
    "bedroom": "bed",
    "living room": "sofa",
    "kitchen": "kitchen counter",
    "office": "desk",
    "bathroom": "toilet",
    "dining room": "table",
}
"""The piece each room type is furnished around; the room is redrawn when it does not fit."""
L_SHAPE_CHANCE = 0.35
MIN_ARM = 1.8  # an L keeps arms at least this wide

IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480
WALL_THICKNESS = 0.1
GAP = 0.05  # least clearance between floor footprints, and to the walls
SLACK = 0.02  # added to GAP where positions are computed, so float32 rounding never bites
TOP_MARGIN = 0.03  # an object on a surface keeps this far from its edges
TRIES = 40  # rejection-sampling attempts per object
ROOM_ATTEMPTS = 6  # rooms drawn before giving up
MIN_OBJECTS, MAX_OBJECTS = 5, 40
FLOOR_OBJECTS_MAX = 18
LOOP_INSET = 1.0  # camera loop distance from the walls, at most
LOOP_CLEARANCE = 0.15  # tall furniture keeps this far from the camera loop
TALL = 1.2  # furniture higher than this could swallow the camera at eye height
HANDHELD_DRIFT_M = 0.08
# Bump when procedural_scene's output for the same (seed, index) changes: builds fingerprint it.
PROCEDURAL_VERSION = 2
DOOR_DEPTH = 0.9  # nothing stands this far into the room in front of a door
WINDOW_DEPTH = 0.45  # nothing taller than the sill stands this close to a window


def _f32(values: object) -> np.ndarray:
    """Round to the nearest float32 value, kept as float64: what a PLY file stores."""
    return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


def _q(value: float) -> float:
    """Multiples of 1/32 m are exact in float32 and short in decimal."""
    return round(value * 32) / 32


def _q_within(value: float, low: float, high: float) -> float:
    """``_q(value)``, kept on the grid points inside [low, high]."""
    return min(max(_q(value), math.ceil(low * 32) / 32), math.floor(high * 32) / 32)


# --------------------------------------------------------------------------- the room shell


@dataclass(frozen=True)
class _Edge:
    """A wall line of the footprint: from ``p`` along ``u`` for ``length``; ``n`` points out."""

    p: np.ndarray
    u: np.ndarray
    n: np.ndarray
    length: float

    def at(self, s: float, o: float = 0.0) -> np.ndarray:
        return self.p + s * self.u + o * self.n


@dataclass(frozen=True)
class _Opening:
    kind: str  # "door" or "window"
    edge: int
    s0: float
    s1: float
    z0: float
    z1: float


def _footprint(rng: np.random.Generator, room_type: str) -> tuple[list, tuple]:
    """A counter-clockwise rectangle or L (corners, main rectangle (x0, y0, x1, y1))."""
    (w0, w1), (d0, d1) = ROOM_SIZES[room_type]
    w, d = _q_within(rng.uniform(w0, w1), w0, w1), _q_within(rng.uniform(d0, d1), d0, d1)
    if rng.random() < L_SHAPE_CHANCE and w - 0.3 * w >= MIN_ARM and d - 0.3 * d >= MIN_ARM:
        nw = _q(min(rng.uniform(0.3, 0.45) * w, w - MIN_ARM))
        nd = _q(min(rng.uniform(0.3, 0.45) * d, d - MIN_ARM))
        corner = int(rng.integers(4))
        corners = [
            [(nw, 0), (w, 0), (w, d), (0, d), (0, nd), (nw, nd)],
            [(0, 0), (w - nw, 0), (w - nw, nd), (w, nd), (w, d), (0, d)],
            [(0, 0), (w, 0), (w, d - nd), (w - nw, d - nd), (w - nw, d), (0, d)],
            [(0, 0), (w, 0), (w, d), (nw, d), (nw, d - nd), (0, d - nd)],
        ][corner]
        # The larger of the full-width and the full-depth arm is the room's main part.
        rows = (0, nd if corner < 2 else 0, w, d if corner < 2 else d - nd)
        cols = (nw if corner in (0, 3) else 0, 0, w - nw if corner in (1, 2) else w, d)
        main = max(rows, cols, key=lambda r: (r[2] - r[0]) * (r[3] - r[1]))
        return [(float(x), float(y)) for x, y in corners], main
    return [(0.0, 0.0), (w, 0.0), (w, d), (0.0, d)], (0.0, 0.0, w, d)


def _edges(corners: list) -> list[_Edge]:
    out = []
    for i, start in enumerate(corners):
        p, q = np.array(start), np.array(corners[(i + 1) % len(corners)])
        length = float(np.linalg.norm(q - p))
        u = (q - p) / length
        out.append(_Edge(p, u, np.array([u[1], -u[0]]), length))
    return out


def _convex(corners: list, i: int) -> bool:
    a, b, c = (np.array(corners[(i + k) % len(corners)]) for k in (-1, 0, 1))
    e, f = b - a, c - b
    return e[0] * f[1] - e[1] * f[0] > 0


def _openings(rng: np.random.Generator, edges: list[_Edge], height: float, room_type: str):
    """One door and up to two windows (one in a bathroom), on walls long enough for them."""
    openings: list[_Opening] = []

    def place(kind: str, width: float, z0: float, z1: float) -> None:
        usable = [i for i, e in enumerate(edges) if e.length >= width + 0.7]
        if not usable:
            return
        weights = np.array([edges[i].length for i in usable])
        for _ in range(TRIES):
            i = usable[int(rng.choice(len(usable), p=weights / weights.sum()))]
            s0 = _q(rng.uniform(0.3, edges[i].length - 0.3 - width))
            s1 = s0 + width
            if all(o.edge != i or s1 + 0.3 < o.s0 or o.s1 + 0.3 < s0 for o in openings):
                openings.append(_Opening(kind, i, s0, s1, z0, z1))
                return

    place("door", _q(rng.uniform(0.8, 0.95)), 0.0, _q(rng.uniform(2.0, 2.1)))
    for _ in range(int(rng.integers(0, 2 if room_type == "bathroom" else 3))):
        sill = _q(rng.uniform(0.8, 1.05) if room_type != "bathroom" else rng.uniform(1.2, 1.5))
        top = _q(min(rng.uniform(1.9, 2.2), height - 0.25))
        if top - sill >= 0.4:
            place(
                "window", _q(rng.uniform(0.6, 1.0 if room_type == "bathroom" else 1.6)), sill, top
            )
    return openings


def _stack(parts: list[fm.Part]) -> fm.Part:
    """One (vertices, faces) from many parts."""
    offsets = np.cumsum([0] + [len(v) for v, _ in parts[:-1]])
    vertices = np.concatenate([v for v, _ in parts])
    return vertices, np.concatenate([f + o for (_, f), o in zip(parts, offsets, strict=True)])


def _slab(edge: _Edge, s0: float, s1: float, o0: float, o1: float, z0: float, z1: float):
    a, b = edge.at(s0, o0), edge.at(s1, o1)
    low, high = np.minimum(a, b), np.maximum(a, b)
    return fm.box(low[0], high[0], low[1], high[1], z0, z1)


def _structure(corners, edges, openings, height) -> tuple[Structure, ...]:
    """Floor and ceiling slabs, walls with the openings cut out, door leaves, window frames."""
    t = WALL_THICKNESS
    xy = np.array(corners)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    floor = fm.box(x0 - t, x1 + t, y0 - t, y1 + t, -t, 0)
    ceiling = fm.box(x0 - t, x1 + t, y0 - t, y1 + t, height, height + t)
    walls, doors, windows = [], [], []
    for i, edge in enumerate(edges):
        start = -t if _convex(corners, i) else 0.0
        end = edge.length + (t if _convex(corners, i + 1) else 0.0)
        cuts = sorted((o for o in openings if o.edge == i), key=lambda o: o.s0)
        s = start
        for o in cuts:
            walls.append(_slab(edge, s, o.s0, 0, t, 0, height))
            if o.z0 > 0:
                walls.append(_slab(edge, o.s0, o.s1, 0, t, 0, o.z0))
            walls.append(_slab(edge, o.s0, o.s1, 0, t, o.z1, height))
            if o.kind == "door":
                doors.append(_slab(edge, o.s0, o.s1, 0.02, 0.06, 0, o.z1))
            else:
                f = 0.05
                windows += [
                    _slab(edge, o.s0, o.s0 + f, 0.03, 0.07, o.z0, o.z1),
                    _slab(edge, o.s1 - f, o.s1, 0.03, 0.07, o.z0, o.z1),
                    _slab(edge, o.s0 + f, o.s1 - f, 0.03, 0.07, o.z0, o.z0 + f),
                    _slab(edge, o.s0 + f, o.s1 - f, 0.03, 0.07, o.z1 - f, o.z1),
                    _slab(edge, (o.s0 + o.s1) / 2 - 0.02, (o.s0 + o.s1) / 2 + 0.02, 0.03, 0.07,
                          o.z0 + f, o.z1 - f),
                ]  # fmt: skip
            s = o.s1
        walls.append(_slab(edge, s, end, 0, t, 0, height))

    def exact(parts: list[fm.Part]) -> trimesh.Trimesh:
        vertices, faces = _stack(parts)
        return trimesh.Trimesh(vertices=_f32(vertices), faces=faces, process=False)

    parts = [("floor", [floor]), ("ceiling", [ceiling]), ("wall", walls)]
    parts += [("door", doors), ("window", windows)]
    return tuple(Structure(category, exact(meshes)) for category, meshes in parts if meshes)


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
    return local_xy @ np.array([[c, s], [-s, c]]) + np.array([x, y])


def _facing(dx: float, dy: float) -> float:
    """The quarter-turn yaw whose front (+y rotated) is closest to direction (dx, dy)."""
    yaw = math.degrees(math.atan2(-dx, dy))
    return float(round(yaw / 90.0) % 4 * 90)


@dataclass
class _Placed:
    """A placed object: its world mesh, the 2D rectangle it occupies, where it stands."""

    id: int
    model: Model
    mesh: trimesh.Trimesh
    footprint: Polygon
    x: float
    y: float
    z: float
    yaw: float
    color: tuple[int, int, int]
    on_floor: bool
    on_surface: dict[int, list[Polygon]] = field(default_factory=dict)

    @property
    def front(self) -> np.ndarray | None:
        if not self.model.has_front:
            return None
        c, s = _cos_sin(self.yaw)
        return np.array([-s, c, 0.0]) + 0.0  # + 0.0 turns -0.0 into 0.0

    @property
    def direction(self) -> np.ndarray:
        c, s = _cos_sin(self.yaw)
        return np.array([-s, c])


class _Layout:
    """The room being furnished: placed objects and the rules every new one must pass."""

    def __init__(self, rng, name, corners, main, height, edges, openings, loop) -> None:
        self.rng, self.name = rng, name
        self.room = Polygon(corners)
        self.main, self.height, self.edges = main, height, edges
        self.inner = self.room.buffer(-GAP, join_style="mitre")
        self.loop_zone = loop.buffer(LOOP_CLEARANCE)
        self.keep_out: list[tuple[Polygon, float]] = []
        for o in openings:
            edge = edges[o.edge]
            depth = DOOR_DEPTH if o.kind == "door" else WINDOW_DEPTH
            a, b = edge.at(o.s0 - 0.1, 0.0), edge.at(o.s1 + 0.1, -depth)
            zone = shapely.box(*np.minimum(a, b), *np.maximum(a, b))
            self.keep_out.append((zone, 0.0 if o.kind == "door" else o.z0 - 0.02))
        self.placed: list[_Placed] = []

    @property
    def floor_full(self) -> bool:
        return sum(p.on_floor for p in self.placed) >= FLOOR_OBJECTS_MAX

    @property
    def center(self) -> np.ndarray:
        x0, y0, x1, y1 = self.main
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2])

    def give_up(self, category: str) -> PlacementError:
        return PlacementError(
            f"procedural scene {self.name}: could not place a {category} after {TRIES} tries"
        )

    def _rectangle(self, model: Model, x: float, y: float, yaw: float) -> Polygon:
        w, d = model.width / 2, model.depth / 2
        return Polygon(_to_world(np.array([[-w, -d], [w, -d], [w, d], [-w, d]]), x, y, yaw))

    def _commit(self, model, x, y, z, yaw, footprint, on_floor) -> _Placed:
        local, faces = _stack(model.parts)
        world = np.column_stack([_to_world(local[:, :2], x, y, yaw), local[:, 2] + z])
        mesh = trimesh.Trimesh(vertices=_f32(world), faces=faces, process=False)
        color = np.clip(
            np.array(fm.BASE_COLORS[model.category]) + self.rng.integers(-18, 19, 3), 0, 255
        )
        placed = _Placed(
            id=len(self.placed) + 1,
            model=model,
            mesh=mesh,
            footprint=footprint,
            x=x,
            y=y,
            z=z,
            yaw=yaw,
            color=(int(color[0]), int(color[1]), int(color[2])),
            on_floor=on_floor,
        )
        self.placed.append(placed)
        return placed

    def floor(self, model: Model, x: float, y: float, yaw: float) -> _Placed | None:
        """Place on the floor if inside the room, clear of the others and of openings."""
        if self.floor_full or len(self.placed) >= MAX_OBJECTS:
            return None
        footprint = self._rectangle(model, x, y, yaw)
        if not self.inner.contains(footprint) or model.height > self.height - GAP:
            return None
        if model.height > TALL and footprint.intersects(self.loop_zone):
            return None
        if any(model.height > h and footprint.intersects(z) for z, h in self.keep_out):
            return None
        for other in self.placed:
            if other.on_floor and footprint.distance(other.footprint) < GAP:
                return None
        return self._commit(model, x, y, 0.0, yaw, footprint, on_floor=True)

    def against_wall(self, model: Model, *, required: bool = False) -> _Placed | None:
        """Back to a wall (longer walls more often), front facing into the room."""
        half = model.width / 2 + GAP + SLACK
        usable = [e for e in self.edges if e.length >= 2 * half]
        for _ in range(TRIES if usable else 0):
            edge = usable[int(self.rng.integers(len(usable)))]
            s = self.rng.uniform(half, edge.length - half)
            x, y = edge.at(s, -(model.depth / 2 + GAP + SLACK))
            placed = self.floor(model, float(x), float(y), _facing(*-edge.n))
            if placed is not None:
                return placed
        if required:
            raise self.give_up(model.category)
        return None

    def free(self, model: Model, *, central: bool = False, face=None, required=False):
        """Anywhere on the floor (``central``: the middle of the main part), facing ``face``
        (a point; the room's middle by default) when the model has a front."""
        x0, y0, x1, y1 = self.room.bounds
        target = self.center if face is None else np.asarray(face)
        for _ in range(TRIES):
            if central:
                mx0, my0, mx1, my1 = self.main
                x = mx0 + self.rng.uniform(0.35, 0.65) * (mx1 - mx0)
                y = my0 + self.rng.uniform(0.35, 0.65) * (my1 - my0)
                long_x = (mx1 - mx0) >= (my1 - my0)
                yaw = 0.0 if long_x == (self.rng.random() < 0.8) else 90.0
            else:
                x, y = self.rng.uniform(x0, x1), self.rng.uniform(y0, y1)
                yaw = 0.0
                if model.has_front:
                    yaw = _facing(target[0] - x, target[1] - y) + self.rng.uniform(-15, 15)
            placed = self.floor(model, float(x), float(y), yaw)
            if placed is not None:
                return placed
        if required:
            raise self.give_up(model.category)
        return None

    def beside(self, anchor: _Placed, model: Model, local_x: float, local_y: float, turn: float):
        """At a point of ``anchor``'s frame, turned by ``turn`` degrees from it."""
        x, y = _to_world(np.array([[local_x, local_y]]), anchor.x, anchor.y, anchor.yaw)[0]
        return self.floor(model, float(x), float(y), (anchor.yaw + turn) % 360)

    def on(self, support: _Placed, model: Model, *, surfaces=None) -> _Placed | None:
        """Standing on one of ``support``'s surfaces, inside it, clear of what is there."""
        if len(self.placed) >= MAX_OBJECTS:
            return None
        options = [
            k
            for k, s in enumerate(support.model.surfaces)
            if (surfaces is None or k in surfaces)
            and model.height + 0.02 <= s.clear
            and support.z + s.z + model.height <= self.height - GAP
            and s.x1 - s.x0 >= model.width + 2 * TOP_MARGIN
            and s.y1 - s.y0 >= model.depth + 2 * TOP_MARGIN
        ]
        for _ in range(TRIES if options else 0):
            k = options[int(self.rng.integers(len(options)))]
            surface: Surface = support.model.surfaces[k]
            u = self.rng.uniform(surface.x0 + model.width / 2 + TOP_MARGIN,
                                 surface.x1 - model.width / 2 - TOP_MARGIN)  # fmt: skip
            v = self.rng.uniform(surface.y0 + model.depth / 2 + TOP_MARGIN,
                                 surface.y1 - model.depth / 2 - TOP_MARGIN)  # fmt: skip
            x, y = _to_world(np.array([[u, v]]), support.x, support.y, support.yaw)[0]
            footprint = self._rectangle(model, float(x), float(y), support.yaw)
            taken = support.on_surface.setdefault(k, [])
            if any(footprint.distance(other) < GAP / 2 for other in taken):
                continue
            z = float(_f32(support.z + surface.z))
            placed = self._commit(model, float(x), float(y), z, support.yaw, footprint, False)
            taken.append(footprint)
            return placed
        return None


# --------------------------------------------------------------------------- furnishing


def _with_chairs(layout: _Layout, table: _Placed, count: int, make=fm.chair) -> None:
    """Up to ``count`` chairs around ``table``, each facing it."""
    rng = layout.rng
    w, d = table.model.width, table.model.depth
    per_side = 2 if w >= 1.3 else 1
    slots = [((j + 0.5) * w / per_side - w / 2, side, turn)
             for side, turn in ((-1, 0.0), (1, 180.0)) for j in range(per_side)]  # fmt: skip
    slots += [(-1.0, 0, 270.0), (1.0, 0, 90.0)]
    seated = 0
    for k in rng.permutation(len(slots)):
        if seated == count:
            break
        seat = make(rng)
        offset = seat.depth / 2 + GAP + 2 * SLACK
        along, side, turn = slots[k]
        local = (along * (w / 2 + offset), 0.0) if side == 0 else (along, side * (d / 2 + offset))
        if layout.beside(table, seat, *local, turn) is not None:
            seated += 1


def _workplace(layout: _Layout, *, required: bool = False) -> _Placed | None:
    """A desk against a wall with an office chair (or a chair) facing it, and its gear."""
    rng = layout.rng
    desk = layout.against_wall(fm.desk(rng), required=required)
    if desk is None:
        return None
    seat = fm.office_chair(rng) if rng.random() < 0.7 else fm.chair(rng)
    offset = desk.model.depth / 2 + seat.depth / 2 + GAP + 2 * SLACK
    layout.beside(desk, seat, rng.uniform(-0.15, 0.15), offset, 180.0)
    if rng.random() < 0.7:
        layout.on(desk, fm.monitor(rng))
        layout.on(desk, fm.keyboard(rng))
    if rng.random() < 0.5:
        layout.on(desk, fm.laptop(rng))
    for make, chance in ((fm.cup, 0.4), (lambda r: fm.lamp(r, small=True), 0.4), (fm.book, 0.3)):
        if rng.random() < chance:
            layout.on(desk, make(rng))
    return desk


def _shelf_of_books(layout: _Layout) -> None:
    rng = layout.rng
    shelf = layout.against_wall(fm.bookshelf(rng, layout.height - 0.1))
    if shelf is None:
        return
    for _ in range(int(rng.integers(2, 7))):
        layout.on(shelf, fm.book(rng))
    for make in (fm.vase, fm.clock, lambda r: fm.plant(r, small=True)):
        if rng.random() < 0.3:
            layout.on(shelf, make(rng))


def _table_setting(layout: _Layout, table: _Placed, low: int, high: int) -> None:
    rng = layout.rng
    makes = (fm.cup, fm.cup, fm.bowl, fm.bottle, fm.vase, lambda r: fm.plant(r, small=True))
    for _ in range(int(rng.integers(low, high + 1))):
        layout.on(table, makes[int(rng.integers(len(makes)))](rng))


def _tv_corner(layout: _Layout) -> _Placed | None:
    """A tv stand against a wall with a tv on it, facing the room."""
    rng = layout.rng
    stand = layout.against_wall(fm.tv_stand(rng))
    if stand is not None:
        width = stand.model.surfaces[0].x1 - stand.model.surfaces[0].x0 - 2 * TOP_MARGIN - 0.02
        if width >= 0.5:
            layout.on(stand, fm.tv(rng, width))
    return stand


def _facing_piece(layout: _Layout, target: _Placed, model: Model, near: float, far: float):
    """``model`` in front of ``target`` (``near``..``far`` metres), turned to face it."""
    for _ in range(TRIES // 2):
        distance = layout.rng.uniform(near, far)
        x, y = np.array([target.x, target.y]) + distance * target.direction
        placed = layout.floor(model, float(x), float(y), (target.yaw + 180.0) % 360)
        if placed is not None:
            return placed
    return None


def _bedroom(layout: _Layout) -> None:
    rng = layout.rng
    bed = layout.against_wall(fm.bed(rng), required=True)
    for _ in range(1 if bed.model.width < 1.2 else 2):
        layout.on(bed, fm.pillow(rng))
    for side in (-1, 1):
        if rng.random() < 0.85:
            stand = fm.nightstand(rng)
            x = side * (bed.model.width / 2 + stand.width / 2 + GAP + 2 * SLACK)
            placed = layout.beside(bed, stand, x, -bed.model.depth / 2 + stand.depth / 2, 0.0)
            if placed is not None:
                for make, chance in ((lambda r: fm.lamp(r, small=True), 0.8), (fm.clock, 0.4),
                                     (fm.book, 0.4), (fm.cup, 0.2)):  # fmt: skip
                    if rng.random() < chance:
                        layout.on(placed, make(rng))
    layout.against_wall(fm.wardrobe(rng, layout.height - 0.1))
    if rng.random() < 0.6:
        dresser = layout.against_wall(fm.dresser(rng))
        if dresser is not None:
            for make in (fm.vase, fm.clock, lambda r: fm.plant(r, small=True)):
                if rng.random() < 0.5:
                    layout.on(dresser, make(rng))
    if rng.random() < 0.4:
        _workplace(layout)
    if rng.random() < 0.3:
        _shelf_of_books(layout)
    if rng.random() < 0.3:
        _tv_corner(layout)
    if rng.random() < 0.3:
        layout.free(fm.armchair(rng))


def _living_room(layout: _Layout) -> None:
    rng = layout.rng
    stand = _tv_corner(layout)
    sofa = None
    if stand is not None:
        sofa = _facing_piece(layout, stand, fm.sofa(rng), 2.2, 3.4)
    if sofa is None:
        sofa = layout.against_wall(fm.sofa(rng), required=True)
    for _ in range(int(rng.integers(0, 3))):
        layout.on(sofa, fm.pillow(rng))
    coffee = _facing_piece(layout, sofa, fm.coffee_table(rng), 0.8, 1.1)
    if coffee is not None:
        _table_setting(layout, coffee, 1, 3)
        for side, turn in ((-1, 270.0), (1, 90.0)):  # each turned to face the table
            if rng.random() < 0.5:
                chair = fm.armchair(rng)
                offset = coffee.model.width / 2 + chair.depth / 2 + 0.35
                layout.beside(coffee, chair, side * offset, 0.0, turn)
    for _ in range(int(rng.integers(0, 2))):
        layout.free(fm.armchair(rng), face=(sofa.x, sofa.y))
    if rng.random() < 0.5:
        _shelf_of_books(layout)
    if rng.random() < 0.5:
        side = layout.against_wall(fm.side_table(rng))
        if side is not None:
            layout.on(side, fm.lamp(rng, small=True))
    if rng.random() < 0.3:
        layout.free(fm.ottoman(rng))


def _kitchen(layout: _Layout) -> None:
    rng = layout.rng
    counters = [layout.against_wall(fm.kitchen_counter(rng), required=True)]
    for _ in range(int(rng.integers(0, 2))):
        counters.append(layout.against_wall(fm.kitchen_counter(rng)))
    layout.against_wall(fm.stove(rng))
    layout.against_wall(fm.refrigerator(rng))
    counters = [c for c in counters if c is not None]
    makes = (fm.microwave, fm.kettle, fm.cup, fm.bowl, fm.bottle, fm.bottle)
    for counter in counters:
        for _ in range(int(rng.integers(1, 4))):
            layout.on(counter, makes[int(rng.integers(len(makes)))](rng))
    if rng.random() < 0.6:
        table = layout.free(fm.table(rng), central=True)
        if table is not None:
            _with_chairs(layout, table, int(rng.integers(1, 4)))
            _table_setting(layout, table, 0, 2)
    for _ in range(int(rng.integers(0, 3))):
        layout.free(fm.stool(rng))


def _office(layout: _Layout) -> None:
    rng = layout.rng
    _workplace(layout, required=True)
    for _ in range(int(rng.integers(0, 2))):
        _workplace(layout)
    for _ in range(int(rng.integers(1, 3))):
        _shelf_of_books(layout)
    if rng.random() < 0.6:
        cabinet = layout.against_wall(fm.cabinet(rng))
        if cabinet is not None and rng.random() < 0.5:
            layout.on(cabinet, fm.plant(rng, small=True))
    if rng.random() < 0.4:
        table = layout.free(fm.table(rng), central=True)
        if table is not None:
            _with_chairs(layout, table, int(rng.integers(2, 5)), make=fm.office_chair)
    if rng.random() < 0.3:
        layout.free(fm.armchair(rng))


def _bathroom(layout: _Layout) -> None:
    rng = layout.rng
    layout.against_wall(fm.toilet(rng), required=True)
    sink = layout.against_wall(fm.sink(rng))
    if sink is not None:
        for make in (fm.bottle, fm.cup):
            if rng.random() < 0.5:
                layout.on(sink, make(rng))
    layout.against_wall(fm.bathtub(rng))
    if rng.random() < 0.5:
        machine = layout.against_wall(fm.washing_machine(rng))
        if machine is not None and rng.random() < 0.5:
            layout.on(machine, fm.bottle(rng))
    if rng.random() < 0.4:
        layout.against_wall(fm.cabinet(rng))


def _dining_room(layout: _Layout) -> None:
    rng = layout.rng
    table = layout.free(fm.table(rng), central=True, required=True)
    _with_chairs(layout, table, int(rng.integers(2, 7)))
    _table_setting(layout, table, 1, 5)
    for _ in range(int(rng.integers(1, 3))):
        sideboard = layout.against_wall(fm.cabinet(rng))
        if sideboard is not None:
            _table_setting(layout, sideboard, 0, 2)
    if rng.random() < 0.4:
        _shelf_of_books(layout)
    if rng.random() < 0.3:
        _tv_corner(layout)


_FURNISH = {
    "bedroom": _bedroom,
    "living room": _living_room,
    "kitchen": _kitchen,
    "office": _office,
    "bathroom": _bathroom,
    "dining room": _dining_room,
}


def _furnish(layout: _Layout, room_type: str) -> None:
    """The plan of the room type, then the common extras: plants, a bin, a lamp."""
    _FURNISH[room_type](layout)
    rng = layout.rng
    extras = [(lambda: fm.plant(rng, small=False), 0.7), (lambda: fm.trash_can(rng), 0.7)]
    if room_type != "bathroom":
        extras += [(lambda: fm.lamp(rng, small=False), 0.4), (lambda: fm.coat_rack(rng), 0.15)]
        extras += [(lambda: fm.stool(rng), 0.2), (lambda: fm.plant(rng, small=False), 0.4)]
    for make, chance in extras:
        if rng.random() < chance:
            layout.free(make())


# --------------------------------------------------------------------------- cameras


def _loop(room: Polygon, name: str) -> LinearRing:
    """The walkthrough path: the footprint inset up to ``LOOP_INSET``, corners rounded."""
    for inset in (LOOP_INSET, 0.8, 0.6, 0.45, 0.35, 0.25):
        shape = room.buffer(-(inset + 0.2), join_style="mitre").buffer(0.2)
        if isinstance(shape, Polygon) and not shape.is_empty and shape.length > 1.0:
            return LinearRing(shape.exterior.coords)
    raise PlacementError(f"procedural scene {name}: room too small for a camera path")


def _frame(frame_id: str, t: float, eye, target, K) -> Frame:
    return Frame(frame_id, t, look_at(eye, target), K, IMAGE_WIDTH, IMAGE_HEIGHT)


def _walkthrough(rng, loop: LinearRing, look: np.ndarray, count: int) -> Trajectory:
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


def _tour(rng, loop: LinearRing, count: int) -> Trajectory:
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


def _free_space(layout: _Layout) -> Polygon:
    """Where a camera may stand: inside the walls, outside tall furniture."""
    tall = [p.footprint.buffer(0.2) for p in layout.placed if p.model.height > TALL]
    return (
        layout.room.buffer(-0.3).difference(shapely.union_all(tall))
        if tall
        else layout.room.buffer(-0.3)
    )


def _clear_view(layout: _Layout, free, eye_xy: np.ndarray, target_xy: np.ndarray) -> bool:
    return free.contains(shapely.Point(eye_xy)) and layout.room.contains(
        LineString([eye_xy, target_xy])
    )


def _orbit(rng, layout: _Layout, free, count: int, anchor: _Placed) -> Trajectory | None:
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


def _lookat(rng, layout: _Layout, free, count: int) -> Trajectory | None:
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


# --------------------------------------------------------------------------- the scene


def _room(seed, index, scene_id, room_type, frames, attempt) -> Scene:
    rng = (
        rng_for("procedural", seed, index)
        if attempt == 0
        else rng_for("procedural", seed, index, attempt)
    )
    corners, main = _footprint(rng, room_type)
    height = _q(rng.uniform(2.5, 3.0) if room_type != "bathroom" else rng.uniform(2.4, 2.7))
    edges = _edges(corners)
    openings = _openings(rng, edges, height, room_type)
    name = f"{scene_id} ({room_type})"
    loop = _loop(Polygon(corners), name)
    layout = _Layout(rng, name, corners, main, height, edges, openings, loop)
    _furnish(layout, room_type)
    if len(layout.placed) < MIN_OBJECTS:
        raise PlacementError(
            f"procedural scene {scene_id} ({room_type}): placed only {len(layout.placed)} "
            f"objects (need at least {MIN_OBJECTS})"
        )
    anchor = next(p for p in layout.placed if p.model.category == ANCHORS[room_type])
    free = _free_space(layout)
    trajectories = [_walkthrough(rng, loop, layout.center, frames)]
    orbit = _orbit(rng, layout, free, max(4, frames // 2), anchor)
    for extra in (orbit, _lookat(rng, layout, free, 6)):
        if extra is not None:
            trajectories.append(extra)
    trajectories.append(_tour(rng_for("procedural tour", seed, index, attempt), loop, frames))
    objects = tuple(
        SceneObject(p.id, p.model.category, mesh=p.mesh, front=p.front, color=p.color)
        for p in layout.placed
    )
    detail = f"seed {seed} index {index}: {room_type}, {len(corners)}-corner footprint"
    if attempt:
        detail += f", room drawn {attempt + 1} times"
    return Scene(
        scene_id=scene_id,
        source=Source("procedural", detail),
        objects=objects,
        structure=_structure(corners, edges, openings, height),
        room=Room(footprint=corners, height=height),
        trajectories=tuple(trajectories),
        floor_z=0.0,
    )


def procedural_scene(
    seed: int,
    index: int,
    *,
    scene_id: str | None = None,
    frames: int = 32,
    room_type: str | None = None,
) -> Scene:
    """A furnished room with its cameras, the same for the same input.

    Parameters
    ----------
    seed, index : int
        Select the room; it is drawn from ``rng_for("procedural", seed, index)``.
    scene_id : str, optional
        Defaults to ``f"proc_{seed}_{index:04d}"``.
    frames : int
        Frames of the ``"walkthrough"`` and ``"tour"`` trajectories, ``FRAME_SPACING_S``
        seconds apart (the ``"orbit"`` has half as many, at least four; ``"lookat"`` up to
        six views).
    room_type : str, optional
        One of ``ROOM_TYPES``; drawn from ``(seed, index)`` when None.

    Returns
    -------
    Scene
        A counter-clockwise footprint (rectangle or L) with corners on a 1/32 m grid, floor at
        z = 0; objects with ids 1..n in placement order, a jittered per-category colour and a
        ``front`` for furniture that has one; structure "floor", "ceiling", "wall", "door"
        and (when there are windows) "window"; trajectories "walkthrough" first, then "orbit"
        and "lookat" when the room leaves them space, and "tour" last. Frame ids: f, o, v and
        t with four digits.

    Raises
    ------
    PlacementError
        Naming the scene, its room type and what could not be placed, when ``ROOM_ATTEMPTS``
        rooms in a row could not be furnished.
    """
    if frames < 1:
        raise ValueError(f"frames must be at least 1 (got {frames})")
    if room_type is None:
        room_type = ROOM_TYPES[int(rng_for("procedural room type", seed, index).integers(6))]
    elif room_type not in ROOM_TYPES:
        raise ValueError(f"room_type must be one of {ROOM_TYPES} (got {room_type!r})")
    scene_id = f"proc_{seed}_{index:04d}" if scene_id is None else scene_id
    failures = []
    for attempt in range(ROOM_ATTEMPTS):
        try:
            return _room(seed, index, scene_id, room_type, frames, attempt)
        except PlacementError as exc:
            failures.append(str(exc))
    raise PlacementError(
        f"procedural scene {scene_id} ({room_type}): gave up after {ROOM_ATTEMPTS} rooms; "
        f"last: {failures[-1]}"
    )
