"""Storage furniture built from parts: nightstands, cabinets, dressers, wardrobes, bookshelves,
tv stands and coat racks, each in at least two shapes.

A carcass stands on a recessed plinth or on legs; its front carries drawer fronts and doors
with handles (bars or knobs) in one plane, ``FRONT`` metres deep, so nothing sticks out past
``depth / 2``. Tops and open shelves are surfaces for clutter (books go on shelves). Every
part is a closed solid, so each model is watertight.
"""

from __future__ import annotations

import numpy as np

from spatialqa.scenes.furniture import (
    Model,
    Part,
    Sizes,
    Surface,
    bar,
    box,
    cylinder,
    four_legs,
    knob,
    pick,
    rod,
    top,
    turned,
)

SIZES = {
    "nightstand": Sizes(
        (0.4, 0.6),
        (0.35, 0.45),
        (0.45, 0.65),
        "manufacturers' catalogues (bedside tables, their tops near mattress height)",
    ),
    "cabinet": Sizes(
        (0.6, 1.6),
        (0.4, 0.5),
        (0.7, 0.95),
        "manufacturers' catalogues (sideboards and low storage cabinets)",
    ),
    "dresser": Sizes(
        (0.8, 1.6),
        (0.45, 0.55),
        (0.75, 1.1),
        "manufacturers' catalogues (chests of drawers and dressers)",
    ),
    "wardrobe": Sizes(
        (0.8, 2.0),
        (0.55, 0.65),
        (1.8, 2.3),
        "Neufert, Architects' Data (clothes on hangers need a depth of about 0.55-0.60 m); "
        "manufacturers' catalogues (wardrobes 2.0-2.36 m high, doors 0.4-0.5 m wide)",
    ),
    "bookshelf": Sizes(
        (0.6, 1.2),
        (0.25, 0.4),
        (1.6, 2.1),
        "IKEA BILLY (80 x 28 x 202 cm) and similar catalogue bookcases; shelf pitch 0.25-0.40 m "
        "for standing books",
    ),
    "tv stand": Sizes(
        (1.2, 2.0),
        (0.35, 0.5),
        (0.4, 0.6),
        "manufacturers' catalogues (tv benches and media units)",
    ),
    "coat rack": Sizes(
        (0.4, 1.0),
        (0.4, 0.5),
        (1.6, 1.9),
        "manufacturers' catalogues (coat stands and clothes rails)",
    ),
}
"""Overall width (x), depth (y) and height (z) ranges per category, in metres, and sources."""

SHAPES = {
    "nightstand": ("drawers", "open shelf"),
    "cabinet": ("doors", "drawers over doors"),
    "dresser": ("chest", "on legs"),
    "wardrobe": ("doors", "doors over drawers"),
    "bookshelf": ("open", "doors below"),
    "tv stand": ("open shelves", "drawers on legs"),
    "coat rack": ("pole", "rail"),
}
"""The shapes of each category (a model's ``shape``)."""

FRONT = 0.045
"""Depth of the front layer: a 2 cm panel and a handle of 2.5 cm."""
PLINTH = 0.08
"""Height of a recessed plinth (kitchen and bedroom carcasses)."""
GAP = 0.003
"""Between neighbouring fronts."""


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def carcass(w: float, d: float, h: float, base: float, legs: bool) -> list[Part]:
    """A body behind the front layer from ``base`` up to ``h``, on a plinth recessed 5 cm or on
    four legs, with a top flush with the fronts' faces."""
    y1 = d / 2 - FRONT
    parts = [box(-w / 2, w / 2, -d / 2, y1, base, h - 0.025)]
    parts.append(box(-w / 2, w / 2, -d / 2, d / 2 - 0.025, h - 0.025, h))
    if legs:
        parts += [(v - [0.0, 0.0125, 0.0], f) for v, f in four_legs(w, d - 0.025, base, 0.04, 0.02)]
    elif base > 0:
        parts.append(box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2 + 0.02, y1 - 0.05, 0.0, base))
    return parts


def fronts(
    x0: float, x1: float, z0: float, z1: float, d: float, cols: int, rows: int, kind: str
) -> list[Part]:
    """A grid of ``cols`` x ``rows`` fronts between (x0, z0) and (x1, z1), each with a handle:
    ``"drawer"`` a horizontal bar, ``"knob"`` a knob, ``"door"`` a vertical bar by the edge
    where it opens (left doors open on their right, right doors on their left)."""
    face = d / 2 - 0.025
    parts = []
    cw, rh = (x1 - x0) / cols, (z1 - z0) / rows
    for i in range(cols):
        for j in range(rows):
            a, b = x0 + i * cw + GAP / 2, x0 + (i + 1) * cw - GAP / 2
            c, e = z0 + j * rh + GAP / 2, z0 + (j + 1) * rh - GAP / 2
            parts.append(box(a, b, face - 0.02, face, c, e))
            mx, mz = (a + b) / 2, (c + e) / 2
            if kind == "drawer":
                half = min(0.08, (b - a) / 4)
                parts.append(bar(mx - half, mx + half, mz - 0.006, mz + 0.006, face))
            elif kind == "knob":
                parts.append(knob(mx, mz, face))
            else:
                x = b - 0.04 if (cols == 1 or i < cols / 2) else a + 0.04
                length = min(0.3, (e - c) / 3)
                parts.append(bar(x - 0.006, x + 0.006, mz - length / 2, mz + length / 2, face))
    return parts


def _front_surface(w: float, d: float, h: float) -> Surface:
    return top(w, d - 0.025, h, 0.03, y_shift=-0.0125)


def nightstand(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Two or three drawers on a plinth, or one drawer over an open shelf on legs."""
    shape = pick(rng, SHAPES["nightstand"], shape)
    size = SIZES["nightstand"]
    w, d, h = (_u(rng, *r) for r in (size.width, size.depth, size.height))
    surfaces = [_front_surface(w, d, h)]
    if shape == "drawers":
        parts = carcass(w, d, h, PLINTH, legs=False)
        parts += fronts(-w / 2, w / 2, PLINTH, h - 0.025, d, 1, int(rng.integers(2, 4)), "knob")
        return Model("nightstand", parts, w, d, h, True, surfaces, shape=shape)
    legs = _u(rng, 0.12, 0.18)
    drawer = h - 0.025 - 0.14
    t = 0.02
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2 - 0.025, h - 0.025, h),
        box(-w / 2, w / 2, -d / 2, d / 2 - FRONT, drawer, h - 0.025),
        box(-w / 2, -w / 2 + t, -d / 2, d / 2 - 0.025, legs, drawer),
        box(w / 2 - t, w / 2, -d / 2, d / 2 - 0.025, legs, drawer),
        box(-w / 2 + t, w / 2 - t, -d / 2, -d / 2 + t, legs + t, drawer),
        box(-w / 2 + t, w / 2 - t, -d / 2, d / 2 - 0.025, legs, legs + t),
        *fronts(-w / 2, w / 2, drawer, h - 0.025, d, 1, 1, "drawer"),
        *[(v - [0.0, 0.0125, 0.0], f) for v, f in four_legs(w, d - 0.025, legs, 0.035, 0.0)],
    ]
    shelf = Surface(legs + t, -w / 2 + t + 0.01, w / 2 - t - 0.01, -d / 2 + t + 0.01,
                    d / 2 - 0.035, clear=drawer - legs - t)  # fmt: skip
    return Model("nightstand", parts, w, d, h, True, [*surfaces, shelf], shape=shape)


def cabinet(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Doors on a plinth, or a row of drawers over doors on legs."""
    shape = pick(rng, SHAPES["cabinet"], shape)
    size = SIZES["cabinet"]
    w, d, h = (_u(rng, *r) for r in (size.width, size.depth, size.height))
    doors = max(1, round(w / 0.45))
    if shape == "doors":
        parts = carcass(w, d, h, PLINTH, legs=False)
        parts += fronts(-w / 2, w / 2, PLINTH, h - 0.025, d, doors, 1, "door")
    else:
        base = _u(rng, 0.12, 0.2)
        split = h - 0.025 - 0.16
        parts = carcass(w, d, h, base, legs=True)
        parts += fronts(-w / 2, w / 2, split, h - 0.025, d, doors, 1, "drawer")
        parts += fronts(-w / 2, w / 2, base, split, d, doors, 1, "door")
    return Model("cabinet", parts, w, d, h, True, [_front_surface(w, d, h)], shape=shape)


def dresser(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A chest of three or four rows of drawers on a plinth, or wide drawers on legs."""
    shape = pick(rng, SHAPES["dresser"], shape)
    size = SIZES["dresser"]
    w, d, h = (_u(rng, *r) for r in (size.width, size.depth, size.height))
    cols = 2 if w >= 1.1 else 1
    if shape == "chest":
        parts = carcass(w, d, h, PLINTH, legs=False)
        parts += fronts(-w / 2, w / 2, PLINTH, h - 0.025, d, cols, int(rng.integers(3, 5)),
                        "drawer")  # fmt: skip
    else:
        base = _u(rng, 0.15, 0.25)
        parts = carcass(w, d, h, base, legs=True)
        parts += fronts(-w / 2, w / 2, base, h - 0.025, d, cols, 3, "knob")
    return Model("dresser", parts, w, d, h, True, [_front_surface(w, d, h)], shape=shape)


def wardrobe(rng: np.random.Generator, max_height: float, shape: str | None = None) -> Model:
    """Hinged doors with long bar handles, or doors over two drawers; a plinth and a cornice.
    No taller than ``max_height`` (the room's height less a margin)."""
    shape = pick(rng, SHAPES["wardrobe"], shape)
    size = SIZES["wardrobe"]
    w, d = _u(rng, *size.width), _u(rng, *size.depth)
    h = min(_u(rng, *size.height), max_height)
    doors = max(2, round(w / 0.5))
    parts = carcass(w, d, h, PLINTH, legs=False)
    parts.append(box(-w / 2, w / 2, -d / 2, d / 2 - 0.025, h - 0.06, h - 0.025))  # cornice
    low = PLINTH
    if shape == "doors over drawers":
        low = PLINTH + 0.4
        parts += fronts(-w / 2, w / 2, PLINTH, low, d, doors // 2, 2, "drawer")
    parts += fronts(-w / 2, w / 2, low, h - 0.06, d, doors, 1, "door")
    return Model("wardrobe", parts, w, d, h, True, shape=shape)


def bookshelf(rng: np.random.Generator, max_height: float, shape: str | None = None) -> Model:
    """An open case (back, sides, boards: each board a surface for books, clear up to the next),
    or one whose lower part is closed by doors. No taller than ``max_height``."""
    shape = pick(rng, SHAPES["bookshelf"], shape)
    size = SIZES["bookshelf"]
    w, d = _u(rng, *size.width), _u(rng, *size.depth)
    h = min(_u(rng, *size.height), max_height)
    t = 0.02
    parts = [
        box(-w / 2, w / 2, -d / 2, -d / 2 + 0.01, 0.0, h),
        box(-w / 2, -w / 2 + t, -d / 2, d / 2, 0.0, h),
        box(w / 2 - t, w / 2, -d / 2, d / 2, 0.0, h),
        box(-w / 2 + t, w / 2 - t, -d / 2, d / 2, h - t, h),
        box(-w / 2 + t, w / 2 - t, -d / 2 + 0.01, d / 2 - 0.01, 0.0, 0.06),  # kick board
    ]
    bottom = 0.06
    if shape == "doors below":
        bottom = _u(rng, 0.7, 0.8)
        parts.append(box(-w / 2 + t, w / 2 - t, -d / 2 + 0.01, d / 2 - FRONT, 0.06, bottom))
        parts += fronts(-w / 2 + t, w / 2 - t, 0.06, bottom - t, d, 2, 1, "knob")
        parts.append(box(-w / 2 + t, w / 2 - t, -d / 2 + 0.01, d / 2, bottom - t, bottom))
    boards = max(2, int((h - t - bottom) / _u(rng, 0.3, 0.38)))
    pitch = (h - t - bottom) / boards
    surfaces = []
    for k in range(boards):
        z = bottom + k * pitch
        if k > 0:
            parts.append(box(-w / 2 + t, w / 2 - t, -d / 2 + 0.01, d / 2 - 0.01, z - t, z))
        surfaces.append(Surface(z, -w / 2 + t + 0.01, w / 2 - t - 0.01, -d / 2 + 0.02,
                                d / 2 - 0.01, clear=pitch - t))  # fmt: skip
    surfaces.append(Surface(h, -w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.03))
    return Model("bookshelf", parts, w, d, h, True, surfaces, shape=shape)


def tv_stand(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Open shelves between two sides, or a low unit of drawers on legs."""
    shape = pick(rng, SHAPES["tv stand"], shape)
    size = SIZES["tv stand"]
    w, d, h = (_u(rng, *r) for r in (size.width, size.depth, size.height))
    surfaces = [top(w, d, h)]
    if shape == "open shelves":
        t = 0.03
        shelf = (h - t) / 2
        parts = [
            box(-w / 2, w / 2, -d / 2, d / 2, h - t, h),
            box(-w / 2, -w / 2 + t, -d / 2, d / 2, 0.0, h - t),
            box(w / 2 - t, w / 2, -d / 2, d / 2, 0.0, h - t),
            box(-w / 2 + t, w / 2 - t, -d / 2, d / 2, 0.04, 0.04 + t),
            box(-w / 2 + t, w / 2 - t, -d / 2, d / 2, shelf, shelf + t),
            box(-w / 2 + t, w / 2 - t, -d / 2, -d / 2 + 0.01, 0.04 + t, h - t),
        ]
        return Model("tv stand", parts, w, d, h, True, surfaces, shape=shape)
    base = _u(rng, 0.12, 0.2)
    parts = carcass(w, d, h, base, legs=True)
    parts += fronts(-w / 2, w / 2, base, h - 0.025, d, int(rng.integers(2, 4)), 1, "drawer")
    return Model("tv stand", parts, w, d, h, True, [_front_surface(w, d, h)], shape=shape)


def coat_rack(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A pole on three feet with hooks, or a clothes rail between two uprights on feet."""
    shape = pick(rng, SHAPES["coat rack"], shape)
    size = SIZES["coat rack"]
    h = _u(rng, *size.height)
    if shape == "pole":
        r = _u(rng, 0.2, 0.25)
        parts = [cylinder(0.02, 0.0, h, sections=10)]
        for k in range(3):
            parts.append(turned(box(0.0, r, -0.015, 0.015, 0.0, 0.03), 90.0 + 120.0 * k))
        for k in range(4):
            yaw = np.radians(45.0 + 90.0 * k)
            c, s = np.cos(yaw), np.sin(yaw)
            parts.append(
                rod([0.015 * c, 0.015 * s, h - 0.2], [0.13 * c, 0.13 * s, h - 0.12], 0.008)
            )
        return Model("coat rack", parts, 2 * r, 2 * r, h, False, shape=shape)
    w, d = _u(rng, 0.8, size.width[1]), _u(rng, *size.depth)
    parts = []
    for sx in (-1, 1):
        x = sx * (w / 2 - 0.02)
        parts.append(box(x - 0.02, x + 0.02, -d / 2, d / 2, 0.0, 0.03))
        parts.append(cylinder(0.015, 0.03, h - 0.015, x, 0.0, sections=10))
    parts.append(rod([-w / 2 + 0.02, 0.0, h - 0.015], [w / 2 - 0.02, 0.0, h - 0.015], 0.015))
    parts.append(box(-w / 2 + 0.04, w / 2 - 0.04, -0.01, 0.01, 0.1, 0.12))
    return Model("coat rack", parts, w, d, h, False, shape=shape)
