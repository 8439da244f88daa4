"""The layout sampler of a procedural room: objects placed by bounded rejection sampling on
the floor (inside the walls, clear of each other, of the door, of the windows and of the
camera loop), against walls, beside other pieces, on their surfaces, and hung on the walls
(clear of the openings and of what stands in front)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
import trimesh
from shapely.geometry import Polygon

from spatialqa.errors import PlacementError
from spatialqa.scenes import furniture as fm
from spatialqa.scenes.footprints import TRIES
from spatialqa.scenes.furniture import Model, Surface

GAP = 0.05  # least clearance between floor footprints, and to the walls
SLACK = 0.02  # added to GAP where positions are computed, so float32 rounding never bites
TOP_MARGIN = 0.03  # an object on a surface keeps this far from its edges
MAX_OBJECTS = 40
FLOOR_OBJECTS_MAX = 18
LOOP_CLEARANCE = 0.15  # tall furniture keeps this far from the camera loop
TALL = 1.2  # furniture higher than this could swallow the camera at eye height
DOOR_DEPTH = 0.9  # nothing stands this far into the room in front of a door
WINDOW_DEPTH = 0.45  # nothing taller than the sill stands this close to a window
WALL_OFFSET = 0.01  # what hangs on a wall keeps its back this far off it

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
class Placed:
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


class Layout:
    """The room being furnished: placed objects and the rules every new one must pass."""

    def __init__(self, rng, name, corners, main, height, edges, openings, loop) -> None:
        self.rng, self.name = rng, name
        self.room = Polygon(corners)
        self.main, self.height, self.edges = main, height, edges
        self.inner = self.room.buffer(-GAP, join_style="mitre")
        self.loop_zone = loop.buffer(LOOP_CLEARANCE)
        self.keep_out: list[tuple[Polygon, float]] = []
        self.openings: list[tuple[Polygon, float, float]] = []  # (zone, z0, z1) by the wall
        for o in openings:
            edge = edges[o.edge]
            depth = DOOR_DEPTH if o.kind == "door" else WINDOW_DEPTH
            a, b = edge.at(o.s0 - 0.1, 0.0), edge.at(o.s1 + 0.1, -depth)
            zone = shapely.box(*np.minimum(a, b), *np.maximum(a, b))
            self.keep_out.append((zone, 0.0 if o.kind == "door" else o.z0 - 0.02))
            self.openings.append((zone, o.z0 - 0.1, o.z1 + 0.1))
        self.placed: list[Placed] = []

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

    def _commit(self, model, x, y, z, yaw, footprint, on_floor) -> Placed:
        local, faces = fm.stacked(model.parts)
        world = np.column_stack([_to_world(local[:, :2], x, y, yaw), local[:, 2] + z])
        mesh = trimesh.Trimesh(vertices=fm.f32(world), faces=faces, process=False)
        color = np.clip(
            np.array(fm.BASE_COLORS[model.category]) + self.rng.integers(-18, 19, 3), 0, 255
        )
        placed = Placed(
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

    def floor(self, model: Model, x: float, y: float, yaw: float) -> Placed | None:
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

    def against_wall(self, model: Model, *, required: bool = False) -> Placed | None:
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

    def free(
        self, model: Model, *, central: bool = False, face=None, required: bool = False
    ) -> Placed | None:
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

    def beside(
        self, anchor: Placed, model: Model, local_x: float, local_y: float, turn: float
    ) -> Placed | None:
        """At a point of ``anchor``'s frame, turned by ``turn`` degrees from it."""
        x, y = _to_world(np.array([[local_x, local_y]]), anchor.x, anchor.y, anchor.yaw)[0]
        return self.floor(model, float(x), float(y), (anchor.yaw + turn) % 360)

    def on(self, support: Placed, model: Model, *, surfaces=None) -> Placed | None:
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
            z = float(fm.f32(support.z + surface.z))
            placed = self._commit(model, float(x), float(y), z, support.yaw, footprint, False)
            taken.append(footprint)
            return placed
        return None

    def on_wall(
        self, model: Model, low: float, high: float, *, above: Placed | None = None
    ) -> Placed | None:
        """Hung on a wall (back to it, front into the room), its bottom ``low``..``high`` above
        the floor (and above ``above``, a piece against a wall, centred over it when given),
        clear of doors, windows and of everything placed (with ``GAP`` around it)."""
        if len(self.placed) >= MAX_OBJECTS:
            return None
        half = model.width / 2 + GAP
        usable = [e for e in self.edges if e.length >= 2 * half]
        for _ in range(TRIES if usable or above is not None else 0):
            if above is not None:
                back = -(above.model.depth / 2 + GAP + SLACK) + model.depth / 2 + WALL_OFFSET
                x, y = _to_world(np.array([[0.0, back]]), above.x, above.y, above.yaw)[0]
                yaw = above.yaw
                low = max(low, float(above.mesh.bounds[1, 2]) + 0.15)
            else:
                edge = usable[int(self.rng.integers(len(usable)))]
                x, y = edge.at(self.rng.uniform(half, edge.length - half),
                               -(model.depth / 2 + WALL_OFFSET))  # fmt: skip
                yaw = _facing(*-edge.n)
            if high < low:
                return None
            z = float(fm.f32(self.rng.uniform(low, high)))
            if z + model.height > self.height - GAP:
                continue
            footprint = self._rectangle(model, float(x), float(y), yaw)
            if not self.room.contains(footprint):
                continue
            if any(footprint.intersects(zone) and z < z1 and z + model.height > z0
                   for zone, z0, z1 in self.openings):  # fmt: skip
                continue
            if any(
                footprint.distance(other.footprint) < GAP
                and z - GAP < other.mesh.bounds[1, 2]
                and other.mesh.bounds[0, 2] < z + model.height + GAP
                for other in self.placed
            ):
                continue
            return self._commit(model, float(x), float(y), z, yaw, footprint, on_floor=False)
        return None
