"""Furniture and clutter models for procedural rooms: parts in a local frame, and their tops.

Local frame of a model: centred on the origin in x and y, standing on z = 0, width along x,
depth along y, its front (where one sits, looks or opens it) towards +y. A model lists the
horizontal surfaces things may stand on (its top, shelves, a mattress) so that clutter can be
put on them. Several categories come in more than one shape, drawn at random.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import trimesh
from scipy.spatial import ConvexHull

__all__ = [
    "BASE_COLORS",
    "FLOOR_MODELS",
    "SMALL_MODELS",
    "Model",
    "Part",
    "Sizes",
    "Surface",
    "box",
    "cylinder",
    "four_legs",
    "lathe",
    "pick",
    "rod",
    "rounded_box",
    "scaled",
    "top",
    "turned",
]


@dataclass(frozen=True)
class Surface:
    """A rectangle at height ``z`` (local frame) with ``clear`` metres free above it."""

    z: float
    x0: float
    x1: float
    y0: float
    y1: float
    clear: float = float("inf")


@dataclass
class Model:
    """Parts in the local frame, the bounding rectangle they fit in, and their surfaces."""

    category: str
    parts: list[Part]
    width: float
    depth: float
    height: float
    has_front: bool
    surfaces: list[Surface] = field(default_factory=list)
    shape: str = ""
    """Which of its category's shapes it is (the catalogue's names); empty for the old models."""


Part = tuple[np.ndarray, np.ndarray]
"""A mesh part as (vertices (n, 3), triangle faces (m, 3)): cheaper than a Trimesh per part."""

_UNIT_BOX = trimesh.creation.box(bounds=[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
_BOX_HIGH = np.asarray(_UNIT_BOX.vertices) > 0.5
_BOX_FACES = np.asarray(_UNIT_BOX.faces)
_CYLINDERS: dict[int, Part] = {}


def box(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> Part:
    """An axis-aligned box; its corners are exactly the given bounds."""
    vertices = np.where(_BOX_HIGH, [x1, y1, z1], [x0, y0, z0]).astype(np.float64)
    return vertices, _BOX_FACES


def cylinder(radius: float, z0: float, z1: float, x: float = 0.0, y: float = 0.0, sections=16):
    """An upright cylinder (a prism of ``sections`` sides) from ``z0`` to ``z1``."""
    if sections not in _CYLINDERS:
        unit = trimesh.creation.cylinder(radius=1.0, height=1.0, sections=sections)
        _CYLINDERS[sections] = (np.asarray(unit.vertices), np.asarray(unit.faces))
    vertices, faces = _CYLINDERS[sections]
    scaled = vertices * [radius, radius, z1 - z0] + [x, y, (z0 + z1) / 2.0]
    return scaled, faces


def moved(part: Part, offset) -> Part:
    return part[0] + np.asarray(offset, dtype=np.float64), part[1]


def stacked(parts: list[Part]) -> Part:
    """One (vertices, faces) from many parts."""
    offsets = np.cumsum([0] + [len(v) for v, _ in parts[:-1]])
    vertices = np.concatenate([v for v, _ in parts])
    return vertices, np.concatenate([f + o for (_, f), o in zip(parts, offsets, strict=True)])


def f32(values: object) -> np.ndarray:
    """Round to the nearest float32 value, kept as float64: what a PLY file stores."""
    return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


def mirrored_x(part: Part) -> Part:
    """``part`` mirrored in the plane x = 0, its faces re-wound so that they still face out."""
    return part[0] * [-1.0, 1.0, 1.0], part[1][:, ::-1]


def turned(part: Part, yaw_deg: float) -> Part:
    """``part`` turned by ``yaw_deg`` about the vertical axis through the origin."""
    c, s = np.cos(np.radians(yaw_deg)), np.sin(np.radians(yaw_deg))
    return part[0] @ np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]), part[1]


def scaled(part: Part, sx: float, sy: float, sz: float = 1.0) -> Part:
    """``part`` stretched about the origin by positive factors (an oval from a round part)."""
    if min(sx, sy, sz) <= 0:
        raise ValueError(f"scaled: factors must be positive (got {sx}, {sy}, {sz})")
    return part[0] * [sx, sy, sz], part[1]


def knob(x: float, z: float, y: float, radius: float = 0.014, reach: float = 0.025) -> Part:
    """A round knob on a front whose face is the plane ``y``, sticking out by ``reach``."""
    return rod([x, y, z], [x, y + reach, z], radius)


def bar(x0: float, x1: float, z0: float, z1: float, y: float, reach: float = 0.025) -> Part:
    """A bar handle on a front whose face is the plane ``y`` (long along x or along z)."""
    return box(x0, x1, y, y + reach, z0, z1)


def four_legs(w: float, d: float, z1: float, leg: float, inset: float, round_: bool = False):
    """Four legs from the floor to ``z1`` under a ``w`` x ``d`` top, ``inset`` from its edges."""
    parts = []
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (w / 2 - inset - leg / 2), sy * (d / 2 - inset - leg / 2)
            if round_:
                parts.append(cylinder(leg / 2, 0.0, z1, x, y, sections=8))
            else:
                parts.append(box(x - leg / 2, x + leg / 2, y - leg / 2, y + leg / 2, 0.0, z1))
    return parts


def top(w: float, d: float, z: float, margin: float = 0.0, y_shift: float = 0.0) -> Surface:
    """The surface of a ``w`` x ``d`` top at height ``z``, ``margin`` in from its edges."""
    return Surface(
        z, -w / 2 + margin, w / 2 - margin, -d / 2 + margin + y_shift, d / 2 - margin + y_shift
    )


def rod(a, b, radius: float, sections: int = 8) -> Part:
    """A cylinder of ``sections`` sides from point ``a`` to point ``b``: tilted legs, rails,
    handles, spouts. Turned by a proper rotation, so its faces keep facing out."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    axis = b - a
    length = float(np.linalg.norm(axis))
    if not length > 0:
        raise ValueError(f"rod: its ends must differ (got {a.tolist()} twice)")
    vertices, faces = cylinder(radius, 0.0, length, sections=sections)
    z = axis / length
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    rotation = np.column_stack([x, np.cross(z, x), z])  # columns: where x, y, z go; det +1
    return vertices @ rotation.T + a, faces


def rounded_box(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float, r: float) -> Part:
    """A box with its edges bevelled by ``r``: cushions, mattresses, pillows. Its faces lie
    exactly on the given bounds (what stands on it touches its top)."""
    r = min(r, (x1 - x0) / 2, (y1 - y0) / 2, (z1 - z0) / 2) * 0.999
    points = []
    for x, sx in ((x0, 1), (x1, -1)):
        for y, sy in ((y0, 1), (y1, -1)):
            for z, sz in ((z0, 1), (z1, -1)):
                points += [(x + sx * r, y + sy * r, z), (x + sx * r, y, z + sz * r)]
                points.append((x, y + sy * r, z + sz * r))
    return _convex(np.array(points))


def _convex(points: np.ndarray) -> Part:
    """The convex hull of ``points`` as a closed, outward-wound triangle mesh."""
    hull = ConvexHull(points)
    faces = np.array(hull.simplices, dtype=np.int64)
    normals = np.cross(
        points[faces[:, 1]] - points[faces[:, 0]], points[faces[:, 2]] - points[faces[:, 0]]
    )
    inward = np.einsum("ij,ij->i", normals, hull.equations[:, :3]) < 0
    faces[inward] = faces[inward][:, ::-1]
    used = np.unique(faces)
    index = np.full(len(points), -1, dtype=np.int64)
    index[used] = np.arange(len(used))
    return points[used], index[faces]


def lathe(profile, sections: int = 16, x: float = 0.0, y: float = 0.0) -> Part:
    """A solid of revolution about the vertical line through (x, y): ``profile`` lists (r, z)
    from the bottom of the axis (r = 0) round to its top (r = 0), counter-clockwise in the
    (r, z) half-plane (out along the bottom, up the outside, back along the top; a bowl's
    profile goes down its inside before reaching the axis). Closed: watertight by
    construction."""
    profile = np.asarray(profile, dtype=np.float64)
    if (
        len(profile) < 3
        or profile[0, 0] != 0
        or profile[-1, 0] != 0
        or np.any(profile[1:-1, 0] <= 0)
    ):
        raise ValueError("lathe: profile must start and end on the axis (r = 0), r > 0 between")
    angles = 2.0 * np.pi * np.arange(sections) / sections
    ring = np.column_stack([np.cos(angles), np.sin(angles)])
    inner = profile[1:-1]
    vertices = [[x, y, profile[0, 1]]]
    for r, z in inner:
        vertices += np.column_stack(
            [x + r * ring[:, 0], y + r * ring[:, 1], np.full(sections, z)]
        ).tolist()
    vertices.append([x, y, profile[-1, 1]])
    top = len(vertices) - 1
    k = np.arange(sections)
    k1 = (k + 1) % sections
    faces = [np.column_stack([np.zeros(sections, dtype=np.int64), 1 + k1, 1 + k])]
    for j in range(len(inner) - 1):
        a, b = 1 + j * sections, 1 + (j + 1) * sections
        faces.append(np.column_stack([a + k, a + k1, b + k1]))
        faces.append(np.column_stack([a + k, b + k1, b + k]))
    last = 1 + (len(inner) - 1) * sections
    faces.append(np.column_stack([np.full(sections, top), last + k, last + k1]))
    return np.array(vertices), np.concatenate(faces)


@dataclass(frozen=True)
class Sizes:
    """The range of a category's overall width (x), depth (y) and height (z), in metres, and
    where the range comes from. Models are drawn inside it; tests hold them to it."""

    width: tuple[float, float]
    depth: tuple[float, float]
    height: tuple[float, float]
    source: str


def pick(rng: np.random.Generator, shapes: tuple[str, ...], shape: str | None) -> str:
    """``shape`` when given (it must be one of ``shapes``), else one drawn from ``rng``."""
    if shape is None:
        return shapes[int(rng.integers(len(shapes)))]
    if shape not in shapes:
        raise ValueError(f"shape must be one of {shapes} (got {shape!r})")
    return shape


def _top(w: float, d: float, h: float, margin: float = 0.0) -> Surface:
    return Surface(h, -w / 2 + margin, w / 2 - margin, -d / 2 + margin, d / 2 - margin)


def _legs(w: float, d: float, h: float, leg: float, inset: float) -> list[Part]:
    parts = []
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (w / 2 - inset - leg / 2), sy * (d / 2 - inset - leg / 2)
            parts.append(box(x - leg / 2, x + leg / 2, y - leg / 2, y + leg / 2, 0, h))
    return parts


# --------------------------------------------------------------------------- seating


def chair(rng: np.random.Generator) -> Model:
    """Four legs and a back; every other chair has arms."""
    w, d = rng.uniform(0.42, 0.52), rng.uniform(0.42, 0.5)
    seat, back = rng.uniform(0.43, 0.48), rng.uniform(0.35, 0.5)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, seat - 0.04, seat)]
    parts += _legs(w, d, seat - 0.04, 0.035, 0.0)
    parts.append(box(-w / 2, w / 2, -d / 2, -d / 2 + 0.04, seat, seat + back))
    if rng.random() < 0.5:
        for sx in (-1, 1):
            x = sx * (w / 2 - 0.02)
            parts.append(box(x - 0.02, x + 0.02, -d / 2, d / 2 - 0.05, seat + 0.18, seat + 0.21))
            parts.append(box(x - 0.02, x + 0.02, d / 2 - 0.09, d / 2 - 0.05, seat, seat + 0.18))
    return Model("chair", parts, w, d, seat + back, True)


def office_chair(rng: np.random.Generator) -> Model:
    r, seat, back = rng.uniform(0.3, 0.34), rng.uniform(0.45, 0.52), rng.uniform(0.4, 0.6)
    s = rng.uniform(0.46, 0.52)
    parts = [cylinder(r, 0.0, 0.05, sections=5), cylinder(0.025, 0.05, seat - 0.06)]
    parts.append(box(-s / 2, s / 2, -s / 2, s / 2, seat - 0.06, seat))
    parts.append(box(-s / 2 + 0.02, s / 2 - 0.02, -s / 2, -s / 2 + 0.05, seat + 0.05, seat + back))
    return Model("office chair", parts, 2 * r, 2 * r, seat + back, True)


def stool(rng: np.random.Generator) -> Model:
    """Round on a pole, or square on four legs."""
    h = rng.uniform(0.45, 0.75)
    if rng.random() < 0.5:
        seat = rng.uniform(0.15, 0.2)
        parts = [cylinder(seat * 0.8, 0, 0.02), cylinder(0.025, 0.02, h - 0.04)]
        parts.append(cylinder(seat, h - 0.04, h))
        return Model("stool", parts, 2 * seat, 2 * seat, h, False)
    s = rng.uniform(0.32, 0.4)
    parts = [box(-s / 2, s / 2, -s / 2, s / 2, h - 0.04, h), *_legs(s, s, h - 0.04, 0.03, 0.01)]
    return Model("stool", parts, s, s, h, False)


def _upholstered(category: str, w, d, h, seat, arm, arm_h, back) -> list[Part]:
    """A seat between two arms with a back of depth ``back``: sofas and armchairs."""
    return [
        box(-w / 2 + arm, w / 2 - arm, -d / 2, d / 2, 0, seat),
        box(-w / 2, w / 2, -d / 2, -d / 2 + back, 0, h),
        box(-w / 2, -w / 2 + arm, -d / 2, d / 2, 0, arm_h),
        box(w / 2 - arm, w / 2, -d / 2, d / 2, 0, arm_h),
    ]


def sofa(rng: np.random.Generator) -> Model:
    """A straight sofa, or one with a chaise on one side (an L)."""
    w, d, h = rng.uniform(1.6, 2.4), rng.uniform(0.8, 0.95), rng.uniform(0.8, 0.95)
    seat, arm, arm_h = rng.uniform(0.4, 0.45), rng.uniform(0.15, 0.2), rng.uniform(0.58, 0.65)
    parts = _upholstered("sofa", w, d, h, seat, arm, arm_h, 0.2)
    surfaces = [Surface(seat, -w / 2 + arm + 0.05, w / 2 - arm - 0.05, -d / 2 + 0.22, d / 2 - 0.1)]
    depth, shift = d, 0.0
    if rng.random() < 0.4:
        extra = rng.uniform(0.6, 0.8)
        side = 1 if rng.random() < 0.5 else -1
        x0, x1 = sorted((side * (w / 2 - arm), side * (w / 2 - arm - 0.75)))
        parts.append(box(x0, x1, d / 2, d / 2 + extra, 0, seat))
        depth, shift = d + extra, extra / 2
    if shift:
        parts = [moved(part, [0.0, -shift, 0.0]) for part in parts]
        surfaces = [Surface(s.z, s.x0, s.x1, s.y0 - shift, s.y1 - shift) for s in surfaces]
    return Model("sofa", parts, w, depth, h, True, surfaces)


def armchair(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(0.75, 0.95), rng.uniform(0.75, 0.9), rng.uniform(0.8, 1.0)
    seat, arm, arm_h = rng.uniform(0.4, 0.45), rng.uniform(0.12, 0.16), rng.uniform(0.58, 0.65)
    return Model(
        "armchair", _upholstered("armchair", w, d, h, seat, arm, arm_h, 0.18), w, d, h, True
    )


def ottoman(rng: np.random.Generator) -> Model:
    h = rng.uniform(0.38, 0.45)
    if rng.random() < 0.5:
        r = rng.uniform(0.22, 0.3)
        return Model("ottoman", [cylinder(r, 0, h)], 2 * r, 2 * r, h, False, [_top(r, r, h)])
    w, d = rng.uniform(0.5, 0.8), rng.uniform(0.4, 0.6)
    return Model("ottoman", [box(-w / 2, w / 2, -d / 2, d / 2, 0, h)], w, d, h, False)


# --------------------------------------------------------------------------- beds and storage


def bed(rng: np.random.Generator) -> Model:
    """Single to queen size: a frame, a mattress and a headboard at -y."""
    w = rng.choice([rng.uniform(0.9, 1.0), rng.uniform(1.4, 1.8)])
    d, head = rng.uniform(1.95, 2.15), rng.uniform(0.9, 1.1)
    frame = rng.uniform(0.28, 0.32)
    top = frame + 0.2
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2, 0, frame),
        box(-w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.08, d / 2 - 0.03, frame, top),
        box(-w / 2, w / 2, -d / 2, -d / 2 + 0.08, 0, head),
    ]
    pillows = Surface(top, -w / 2 + 0.08, w / 2 - 0.08, -d / 2 + 0.12, -d / 2 + 0.6)
    return Model("bed", parts, w, d, head, True, [pillows])


def _cabinet_like(category: str, w: float, d: float, h: float) -> Model:
    """A body on a recessed plinth with a handle on the front; its top is a surface."""
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2 - 0.02, 0.08, h),
        box(-w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.06, 0, 0.08),
        box(-0.08, 0.08, d / 2 - 0.02, d / 2, h - 0.12, h - 0.1),
    ]
    return Model(category, parts, w, d, h, True, [_top(w, d - 0.02, h, 0.03)])


def cabinet(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(0.6, 1.2), rng.uniform(0.4, 0.55), rng.uniform(0.7, 1.0)
    return _cabinet_like("cabinet", w, d, h)


def nightstand(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(0.4, 0.55), rng.uniform(0.35, 0.45), rng.uniform(0.45, 0.6)
    return _cabinet_like("nightstand", w, d, h)


def dresser(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(1.0, 1.6), rng.uniform(0.45, 0.55), rng.uniform(0.8, 1.05)
    model = _cabinet_like("dresser", w, d, h)
    for k in range(1, 4):  # drawer fronts
        z = 0.08 + k * (h - 0.08) / 4
        model.parts.append(box(-w / 2 + 0.03, w / 2 - 0.03, d / 2 - 0.02, d / 2, z - 0.01, z))
    return model


def wardrobe(rng: np.random.Generator, max_height: float) -> Model:
    w, d = rng.uniform(0.9, 1.8), rng.uniform(0.55, 0.65)
    h = min(rng.uniform(1.9, 2.2), max_height)
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2 - 0.02, 0.08, h),
        box(-w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.06, 0, 0.08),
        box(-0.06, -0.04, d / 2 - 0.02, d / 2, 0.9, 1.3),
        box(0.04, 0.06, d / 2 - 0.02, d / 2, 0.9, 1.3),
    ]
    return Model("wardrobe", parts, w, d, h, True)


def bookshelf(rng: np.random.Generator, max_height: float) -> Model:
    """An open case whose boards are surfaces for books."""
    w, d = rng.uniform(0.8, 1.2), rng.uniform(0.28, 0.35)
    h = min(rng.uniform(1.6, 2.0), max_height)
    parts = [
        box(-w / 2, w / 2, -d / 2, -d / 2 + 0.02, 0, h),
        box(-w / 2, -w / 2 + 0.02, -d / 2, d / 2, 0, h),
        box(w / 2 - 0.02, w / 2, -d / 2, d / 2, 0, h),
    ]
    shelves = int(rng.integers(4, 7))
    pitch = (h - 0.02) / (shelves - 1)
    surfaces = []
    for k in range(shelves):
        z = k * pitch
        parts.append(box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2 + 0.02, d / 2, z, z + 0.02))
        clear = pitch - 0.02 if k < shelves - 1 else float("inf")
        surfaces.append(Surface(z + 0.02, -w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2, clear))
    return Model("bookshelf", parts, w, d, h, True, surfaces)


def coat_rack(rng: np.random.Generator) -> Model:
    h, base = rng.uniform(1.7, 1.9), rng.uniform(0.2, 0.25)
    parts = [cylinder(base, 0, 0.03), cylinder(0.02, 0.03, h)]
    parts += [
        box(-0.15, 0.15, -0.01, 0.01, h - 0.12, h - 0.1),
        box(-0.01, 0.01, -0.15, 0.15, h - 0.2, h - 0.18),
    ]
    return Model("coat rack", parts, 2 * base, 2 * base, h, False)


# --------------------------------------------------------------------------- tables and desks


def table(rng: np.random.Generator) -> Model:
    """A dining table: rectangular on four legs, or round on a pedestal."""
    h = rng.uniform(0.72, 0.77)
    if rng.random() < 0.7:
        w, d = rng.uniform(1.2, 1.8), rng.uniform(0.75, 1.0)
        parts = [box(-w / 2, w / 2, -d / 2, d / 2, h - 0.04, h), *_legs(w, d, h - 0.04, 0.06, 0.05)]
        return Model("table", parts, w, d, h, False, [_top(w, d, h)])
    r = rng.uniform(0.45, 0.6)
    parts = [cylinder(r, h - 0.04, h, sections=24), cylinder(0.05, 0.04, h - 0.04)]
    parts.append(cylinder(0.28, 0, 0.04))
    a = r / np.sqrt(2)
    return Model("table", parts, 2 * r, 2 * r, h, False, [_top(2 * a, 2 * a, h)])


def coffee_table(rng: np.random.Generator) -> Model:
    h = rng.uniform(0.38, 0.48)
    if rng.random() < 0.6:
        w, d = rng.uniform(0.9, 1.3), rng.uniform(0.5, 0.7)
        parts = [box(-w / 2, w / 2, -d / 2, d / 2, h - 0.04, h), *_legs(w, d, h - 0.04, 0.05, 0.03)]
        parts.append(box(-w / 2 + 0.05, w / 2 - 0.05, -d / 2 + 0.05, d / 2 - 0.05, 0.1, 0.12))
        return Model("coffee table", parts, w, d, h, False, [_top(w, d, h)])
    r = rng.uniform(0.35, 0.5)
    parts = [
        cylinder(r, h - 0.04, h, sections=24),
        *[
            cylinder(0.025, 0, h - 0.04, x, y)
            for x, y in ((r / 2, 0), (-r / 3, r / 2.2), (-r / 3, -r / 2.2))
        ],
    ]
    a = r / np.sqrt(2)
    return Model("coffee table", parts, 2 * r, 2 * r, h, False, [_top(2 * a, 2 * a, h)])


def side_table(rng: np.random.Generator) -> Model:
    s, h = rng.uniform(0.4, 0.55), rng.uniform(0.5, 0.65)
    parts = [box(-s / 2, s / 2, -s / 2, s / 2, h - 0.03, h), *_legs(s, s, h - 0.03, 0.035, 0.02)]
    return Model("side table", parts, s, s, h, False, [_top(s, s, h)])


def desk(rng: np.random.Generator) -> Model:
    """With a drawer pedestal, or a plain top on four legs."""
    w, d, h = rng.uniform(1.0, 1.6), rng.uniform(0.6, 0.75), rng.uniform(0.72, 0.76)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, h - 0.03, h)]
    if rng.random() < 0.5:
        parts += [
            box(-w / 2, -w / 2 + 0.03, -d / 2, d / 2, 0, h - 0.03),
            box(w / 2 - 0.42, w / 2, -d / 2, d / 2 - 0.02, 0, h - 0.03),
            box(-w / 2 + 0.03, w / 2 - 0.42, -d / 2, -d / 2 + 0.02, 0.3, h - 0.03),
        ]
    else:
        parts += _legs(w, d, h - 0.03, 0.05, 0.02)
    return Model("desk", parts, w, d, h, True, [_top(w, d, h)])


def tv_stand(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(1.2, 1.8), rng.uniform(0.4, 0.5), rng.uniform(0.45, 0.6)
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2, h - 0.04, h),
        box(-w / 2, -w / 2 + 0.04, -d / 2, d / 2, 0, h - 0.04),
        box(w / 2 - 0.04, w / 2, -d / 2, d / 2, 0, h - 0.04),
        box(-w / 2 + 0.04, w / 2 - 0.04, -d / 2, d / 2, 0.05, 0.09),
        box(-w / 2 + 0.04, w / 2 - 0.04, -d / 2, -d / 2 + 0.02, 0.09, h - 0.04),
    ]
    return Model("tv stand", parts, w, d, h, True, [_top(w, d, h)])


# --------------------------------------------------------------------------- kitchen and bath


def refrigerator(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(0.6, 0.8), rng.uniform(0.6, 0.75), rng.uniform(1.6, 1.9)
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2 - 0.03, 0, h),
        box(w / 2 - 0.1, w / 2 - 0.07, d / 2 - 0.03, d / 2, 0.9, 1.4),
    ]
    return Model("refrigerator", parts, w, d, h, True)


def kitchen_counter(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(1.2, 2.4), rng.uniform(0.58, 0.65), rng.uniform(0.88, 0.92)
    parts = [
        box(-w / 2 + 0.01, w / 2 - 0.01, -d / 2, d / 2 - 0.04, 0.1, h - 0.04),
        box(-w / 2 + 0.01, w / 2 - 0.01, -d / 2, d / 2 - 0.09, 0, 0.1),
        box(-w / 2, w / 2, -d / 2, d / 2, h - 0.04, h),
    ]
    for k in range(1, int(w / 0.6)):
        x = -w / 2 + k * 0.6
        parts.append(box(x - 0.005, x + 0.005, d / 2 - 0.04, d / 2 - 0.035, 0.12, h - 0.06))
    return Model("kitchen counter", parts, w, d, h, True, [_top(w, d, h, 0.03)])


def stove(rng: np.random.Generator) -> Model:
    w, d, h = rng.choice([0.6, 0.75]), rng.uniform(0.58, 0.62), rng.uniform(0.88, 0.92)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, 0, h)]
    parts.append(box(-w / 2 + 0.05, w / 2 - 0.05, d / 2 - 0.01, d / 2, 0.15, h - 0.2))
    for x in (-w / 4, w / 4):
        for y in (-d / 4, d / 4):
            parts.append(cylinder(0.08, h, h + 0.015, x, y))
    return Model("stove", parts, w, d, h + 0.015, True)


def washing_machine(rng: np.random.Generator) -> Model:
    w, d, h = 0.6, rng.uniform(0.55, 0.62), rng.uniform(0.84, 0.86)
    door_vertices, door_faces = cylinder(0.16, -0.015, 0.015, sections=20)
    # Turned to face +y: (x, y, z) -> (x, -z, y), then onto the front at 0.45 m.
    door = (door_vertices[:, [0, 2, 1]] * [1, -1, 1] + [0.0, d / 2 - 0.015, 0.45], door_faces)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2 - 0.015, 0, h), door]
    return Model("washing machine", parts, w, d, h, True, [_top(w, d - 0.015, h, 0.03)])


def toilet(rng: np.random.Generator) -> Model:
    w, d = rng.uniform(0.36, 0.42), rng.uniform(0.62, 0.72)
    seat, tank = rng.uniform(0.38, 0.42), rng.uniform(0.75, 0.85)
    parts = [
        box(-w / 2 + 0.04, w / 2 - 0.04, -d / 2 + 0.15, d / 2 - 0.1, 0, seat - 0.05),
        box(-w / 2, w / 2, -d / 2 + 0.15, d / 2, seat - 0.05, seat),
        box(-w / 2, w / 2, -d / 2, -d / 2 + 0.18, seat - 0.05, tank),
    ]
    return Model("toilet", parts, w, d, tank, True)


def sink(rng: np.random.Generator) -> Model:
    """A vanity: a cabinet with a basin let into its top."""
    w, d, h = rng.uniform(0.6, 1.0), rng.uniform(0.45, 0.55), rng.uniform(0.82, 0.88)
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2 - 0.02, 0, h - 0.05),
        box(-w / 2, w / 2, -d / 2, -d / 2 + 0.1, h - 0.05, h),
        box(-w / 2, -0.22, -d / 2 + 0.1, d / 2 - 0.02, h - 0.05, h),
        box(0.22, w / 2, -d / 2 + 0.1, d / 2 - 0.02, h - 0.05, h),
        box(-0.22, 0.22, d / 2 - 0.06, d / 2 - 0.02, h - 0.05, h),
        cylinder(0.015, h, h + 0.18, 0.0, -d / 2 + 0.06),
    ]
    shelf = Surface(h, 0.24, w / 2 - 0.02, -d / 2 + 0.12, d / 2 - 0.04)
    return Model("sink", parts, w, d, h + 0.18, True, [shelf])


def bathtub(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(1.5, 1.75), rng.uniform(0.7, 0.8), rng.uniform(0.55, 0.6)
    t = 0.06
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2, 0, 0.1),
        box(-w / 2, w / 2, -d / 2, -d / 2 + t, 0.1, h),
        box(-w / 2, w / 2, d / 2 - t, d / 2, 0.1, h),
        box(-w / 2, -w / 2 + t, -d / 2 + t, d / 2 - t, 0.1, h),
        box(w / 2 - t, w / 2, -d / 2 + t, d / 2 - t, 0.1, h),
    ]
    return Model("bathtub", parts, w, d, h, True)


def trash_can(rng: np.random.Generator) -> Model:
    """Round, or a square pedal bin."""
    h = rng.uniform(0.3, 0.6)
    if rng.random() < 0.6:
        r = rng.uniform(0.12, 0.2)
        return Model(
            "trash can",
            [cylinder(r * 0.95, 0, h - 0.02), cylinder(r, h - 0.02, h)],
            2 * r,
            2 * r,
            h,
            False,
        )
    s = rng.uniform(0.25, 0.35)
    parts = [
        box(-s / 2, s / 2, -s / 2, s / 2, 0, h - 0.02),
        box(-s / 2 - 0.01, s / 2 + 0.01, -s / 2 - 0.01, s / 2 + 0.01, h - 0.02, h),
    ]
    return Model("trash can", parts, s + 0.02, s + 0.02, h, False)


# --------------------------------------------------------------------------- lamps and plants


def lamp(rng: np.random.Generator, small: bool) -> Model:
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
        cylinder(base, 0, 0.03),
        cylinder(0.012, 0.03, pole),
        cylinder(shade, pole - 0.05, pole - 0.05 + shade_h),
    ]
    size = 2 * max(base, shade)
    return Model("lamp", parts, size, size, pole - 0.05 + shade_h, False)


def plant(rng: np.random.Generator, small: bool) -> Model:
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
        cylinder(pot, 0, pot_h),
        cylinder(leaves, pot_h, pot_h + leaves_h),
        cylinder(leaves * 0.6, pot_h + leaves_h, pot_h + leaves_h * 1.25),
    ]
    return Model("plant", parts, 2 * leaves, 2 * leaves, pot_h + leaves_h * 1.25, False)


# --------------------------------------------------------------------------- things on surfaces


def tv(rng: np.random.Generator, max_width: float) -> Model:
    w = min(rng.uniform(0.8, 1.3), max_width)
    h = w * 9 / 16
    parts = [
        box(-w / 2, w / 2, -0.025, 0.025, 0.1, 0.1 + h),
        box(-0.04, 0.04, -0.02, 0.02, 0.02, 0.1),
        box(-0.2 * w, 0.2 * w, -0.11, 0.11, 0, 0.02),
    ]
    return Model("tv", parts, w, 0.22, 0.1 + h, True)


def monitor(rng: np.random.Generator) -> Model:
    w = rng.uniform(0.5, 0.7)
    h = w * 9 / 16
    parts = [
        box(-w / 2, w / 2, -0.02, 0.02, 0.12, 0.12 + h),
        box(-0.03, 0.03, -0.06, -0.02, 0.01, 0.2),
        box(-0.12, 0.12, -0.08, 0.06, 0, 0.01),
    ]
    return Model("monitor", parts, w, 0.16, 0.12 + h, True)


def laptop(rng: np.random.Generator) -> Model:
    w, d = rng.uniform(0.3, 0.38), rng.uniform(0.21, 0.26)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, 0, 0.018)]
    parts.append(box(-w / 2, w / 2, -d / 2, -d / 2 + 0.01, 0.018, 0.018 + d * 0.95))
    return Model("laptop", parts, w, d, 0.018 + d * 0.95, True)


def keyboard(rng: np.random.Generator) -> Model:
    w, d = rng.uniform(0.36, 0.45), rng.uniform(0.12, 0.15)
    return Model("keyboard", [box(-w / 2, w / 2, -d / 2, d / 2, 0, 0.025)], w, d, 0.025, True)


def book(rng: np.random.Generator) -> Model:
    """Standing on a shelf: its spine faces +y."""
    t, w, h = rng.uniform(0.02, 0.05), rng.uniform(0.14, 0.2), rng.uniform(0.18, 0.26)
    return Model("book", [box(-t / 2, t / 2, -w / 2, w / 2, 0, h)], t, w, h, False)


def cup(rng: np.random.Generator) -> Model:
    """A tumbler, or a mug with a handle."""
    r, h = rng.uniform(0.035, 0.045), rng.uniform(0.08, 0.11)
    parts = [cylinder(r, 0, h)]
    if rng.random() < 0.5:
        parts.append(box(r - 0.002, r + 0.03, -0.006, 0.006, h * 0.25, h * 0.8))
        return Model("cup", parts, 2 * (r + 0.03), 2 * (r + 0.03), h, False)
    return Model("cup", parts, 2 * r, 2 * r, h, False)


def bowl(rng: np.random.Generator) -> Model:
    r = rng.uniform(0.07, 0.12)
    parts = [cylinder(r * 0.5, 0, 0.01), cylinder(r * 0.8, 0.01, 0.04), cylinder(r, 0.04, 0.07)]
    return Model("bowl", parts, 2 * r, 2 * r, 0.07, False)


def bottle(rng: np.random.Generator) -> Model:
    r, h = rng.uniform(0.03, 0.045), rng.uniform(0.2, 0.32)
    parts = [cylinder(r, 0, h * 0.7), cylinder(r * 0.4, h * 0.7, h)]
    return Model("bottle", parts, 2 * r, 2 * r, h, False)


def vase(rng: np.random.Generator) -> Model:
    r, h = rng.uniform(0.05, 0.09), rng.uniform(0.18, 0.35)
    parts = [
        cylinder(r * 0.7, 0, h * 0.15),
        cylinder(r, h * 0.15, h * 0.7),
        cylinder(r * 0.5, h * 0.7, h),
    ]
    return Model("vase", parts, 2 * r, 2 * r, h, False)


def microwave(rng: np.random.Generator) -> Model:
    w, d, h = rng.uniform(0.45, 0.52), rng.uniform(0.35, 0.4), rng.uniform(0.26, 0.3)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2 - 0.01, 0, h)]
    parts.append(box(-w / 2 + 0.03, w / 2 - 0.14, d / 2 - 0.01, d / 2, 0.04, h - 0.04))
    return Model("microwave", parts, w, d, h, True)


def kettle(rng: np.random.Generator) -> Model:
    r, h = rng.uniform(0.07, 0.09), rng.uniform(0.2, 0.25)
    parts = [cylinder(r + 0.01, 0, 0.02), cylinder(r, 0.02, h)]
    parts.append(box(-r - 0.05, -r, -0.01, 0.01, h * 0.3, h * 0.9))
    return Model("kettle", parts, 2 * r + 0.1, 2 * r + 0.02, h, False)


def pillow(rng: np.random.Generator) -> Model:
    w, d = rng.uniform(0.45, 0.6), rng.uniform(0.3, 0.4)
    return Model("pillow", [box(-w / 2, w / 2, -d / 2, d / 2, 0, 0.12)], w, d, 0.12, False)


def clock(rng: np.random.Generator) -> Model:
    w, h = rng.uniform(0.1, 0.16), rng.uniform(0.1, 0.15)
    return Model("clock", [box(-w / 2, w / 2, -0.03, 0.03, 0, h)], w, 0.06, h, True)


FLOOR_MODELS: dict[str, Callable[[np.random.Generator], Model]] = {
    "chair": chair,
    "office chair": office_chair,
    "stool": stool,
    "sofa": sofa,
    "armchair": armchair,
    "ottoman": ottoman,
    "bed": bed,
    "nightstand": nightstand,
    "cabinet": cabinet,
    "dresser": dresser,
    "table": table,
    "coffee table": coffee_table,
    "side table": side_table,
    "desk": desk,
    "tv stand": tv_stand,
    "refrigerator": refrigerator,
    "kitchen counter": kitchen_counter,
    "stove": stove,
    "washing machine": washing_machine,
    "toilet": toilet,
    "sink": sink,
    "bathtub": bathtub,
    "trash can": trash_can,
    "coat rack": coat_rack,
    "plant": lambda rng: plant(rng, small=False),
    "lamp": lambda rng: lamp(rng, small=False),
}
"""Floor furniture by category (wardrobe and bookshelf also take the room height)."""

SMALL_MODELS: dict[str, Callable[[np.random.Generator], Model]] = {
    "monitor": monitor,
    "laptop": laptop,
    "keyboard": keyboard,
    "book": book,
    "cup": cup,
    "bowl": bowl,
    "bottle": bottle,
    "vase": vase,
    "microwave": microwave,
    "kettle": kettle,
    "pillow": pillow,
    "clock": clock,
    "plant": lambda rng: plant(rng, small=True),
    "lamp": lambda rng: lamp(rng, small=True),
}
"""Things that stand on surfaces (the tv also takes the width of its stand)."""

BASE_COLORS = {
    "chair": (139, 90, 43),
    "office chair": (40, 40, 45),
    "stool": (100, 100, 100),
    "sofa": (70, 90, 140),
    "armchair": (150, 60, 50),
    "ottoman": (120, 100, 140),
    "bed": (200, 200, 210),
    "nightstand": (140, 100, 70),
    "cabinet": (180, 150, 110),
    "dresser": (160, 120, 90),
    "wardrobe": (200, 180, 150),
    "bookshelf": (120, 80, 40),
    "coat rack": (90, 60, 40),
    "table": (160, 110, 60),
    "coffee table": (110, 80, 50),
    "side table": (150, 130, 100),
    "desk": (170, 130, 90),
    "tv stand": (90, 70, 50),
    "refrigerator": (220, 220, 225),
    "kitchen counter": (210, 205, 195),
    "stove": (60, 60, 65),
    "washing machine": (235, 235, 240),
    "toilet": (245, 245, 245),
    "sink": (225, 225, 230),
    "bathtub": (240, 240, 245),
    "trash can": (80, 80, 80),
    "lamp": (230, 220, 180),
    "plant": (50, 140, 60),
    "tv": (25, 25, 30),
    "monitor": (30, 30, 35),
    "laptop": (150, 150, 160),
    "keyboard": (50, 50, 55),
    "book": (150, 40, 40),
    "cup": (220, 210, 190),
    "bowl": (200, 190, 170),
    "bottle": (60, 120, 90),
    "vase": (70, 110, 160),
    "microwave": (180, 180, 185),
    "kettle": (190, 60, 50),
    "pillow": (235, 225, 200),
    "clock": (210, 180, 60),
}
"""Per-category base colour; each instance is jittered around it."""
