"""The parts toolkit of procedural furniture: models, surfaces and closed solid parts (boxes,
prisms, rods, bevelled boxes, solids of revolution), and each category's base colour.

Local frame of a model: centred on the origin in x and y, standing on z = 0, width along x,
depth along y, its front (where one sits, looks or opens it) towards +y. A model lists the
horizontal surfaces things may stand on (its top, shelves, a mattress) so that clutter can be
put on them. The models themselves, built from these parts in several shapes per category,
are in ``seating``, ``storage``, ``tables``, ``fixtures`` and ``clutter``; ``categories`` lists
them with their size ranges and sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh
from scipy.spatial import ConvexHull

__all__ = [
    "BASE_COLORS",
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
    """Which of its category's shapes it is (as ``categories`` names them)."""


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
    "picture": (120, 90, 60),
    "shelf": (140, 100, 60),
    "rug": (150, 80, 60),
    "laundry basket": (180, 160, 120),
    "mirror": (200, 210, 215),
    "towel": (90, 140, 180),
}
"""Per-category base colour; each instance is jittered around it."""
