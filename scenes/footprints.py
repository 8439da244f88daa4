"""The shell of a procedural room: its footprint (a rectangle or an L on a 1/32 m grid), the
wall lines, a door and windows cut into the walls, and the structure meshes (floor, ceiling,
walls, door leaves, window frames), every vertex rounded to float32."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import trimesh

from spatialqa.scenes import furniture as fm
from spatialqa.scenes.scene import Structure

ROOM_SIZES = {
    "bedroom": ((3.0, 5.0), (3.0, 4.6)),
    "living room": ((4.0, 7.5), (3.5, 6.0)),
    "kitchen": ((2.8, 5.0), (2.6, 4.4)),
    "office": ((3.0, 6.0), (2.8, 5.0)),
    "bathroom": ((2.0, 3.4), (1.8, 3.0)),
    "dining room": ((3.4, 5.8), (3.2, 5.0)),
}
"""Width and depth ranges in metres, from common floor plans."""
L_SHAPE_CHANCE = 0.35
MIN_ARM = 1.8  # an L keeps arms at least this wide
WALL_THICKNESS = 0.1
TRIES = 40  # rejection-sampling attempts per opening and per object


def _q(value: float) -> float:
    """Multiples of 1/32 m are exact in float32 and short in decimal."""
    return round(value * 32) / 32


def _q_within(value: float, low: float, high: float) -> float:
    """``_q(value)``, kept on the grid points inside [low, high]."""
    return min(max(_q(value), math.ceil(low * 32) / 32), math.floor(high * 32) / 32)


@dataclass(frozen=True)
class Edge:
    """A wall line of the footprint: from ``p`` along ``u`` for ``length``; ``n`` points out."""

    p: np.ndarray
    u: np.ndarray
    n: np.ndarray
    length: float

    def at(self, s: float, o: float = 0.0) -> np.ndarray:
        return self.p + s * self.u + o * self.n


@dataclass(frozen=True)
class Opening:
    """A door or window cut into wall ``edge``: ``s0``..``s1`` along it, ``z0``..``z1`` high."""

    kind: str  # "door" or "window"
    edge: int
    s0: float
    s1: float
    z0: float
    z1: float


def draw_footprint(rng: np.random.Generator, room_type: str) -> tuple[list, tuple]:
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


def draw_height(rng: np.random.Generator, room_type: str) -> float:
    """The ceiling height, on the 1/32 m grid (a bathroom's lower)."""
    return _q(rng.uniform(2.5, 3.0) if room_type != "bathroom" else rng.uniform(2.4, 2.7))


def wall_edges(corners: list) -> list[Edge]:
    out = []
    for i, start in enumerate(corners):
        p, q = np.array(start), np.array(corners[(i + 1) % len(corners)])
        length = float(np.linalg.norm(q - p))
        u = (q - p) / length
        out.append(Edge(p, u, np.array([u[1], -u[0]]), length))
    return out


def _convex(corners: list, i: int) -> bool:
    a, b, c = (np.array(corners[(i + k) % len(corners)]) for k in (-1, 0, 1))
    e, f = b - a, c - b
    return e[0] * f[1] - e[1] * f[0] > 0


def draw_openings(
    rng: np.random.Generator, edges: list[Edge], height: float, room_type: str
) -> list[Opening]:
    """One door and up to two windows (one in a bathroom), on walls long enough for them."""
    openings: list[Opening] = []

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
                openings.append(Opening(kind, i, s0, s1, z0, z1))
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


def _slab(edge: Edge, s0: float, s1: float, o0: float, o1: float, z0: float, z1: float):
    a, b = edge.at(s0, o0), edge.at(s1, o1)
    low, high = np.minimum(a, b), np.maximum(a, b)
    return fm.box(low[0], high[0], low[1], high[1], z0, z1)


def room_structure(
    corners: list, edges: list[Edge], openings: list[Opening], height: float
) -> tuple[Structure, ...]:
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
        vertices, faces = fm.stacked(parts)
        return trimesh.Trimesh(vertices=fm.f32(vertices), faces=faces, process=False)

    parts = [("floor", [floor]), ("ceiling", [ceiling]), ("wall", walls)]
    parts += [("door", doors), ("window", windows)]
    return tuple(Structure(category, exact(meshes)) for category, meshes in parts if meshes)
