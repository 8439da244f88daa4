"""Tables built from parts: dining tables, coffee tables, side tables and desks, each in at least
two shapes. Their tops are surfaces for clutter (a round top offers the square inscribed in
it). Every part is a closed solid, so each model is watertight."""

from __future__ import annotations

import numpy as np

from spatialqa.scenes.furniture import (
    Model,
    Part,
    Sizes,
    Surface,
    box,
    cylinder,
    four_legs,
    lathe,
    pick,
    top,
)
from spatialqa.scenes.storage import fronts

SIZES = {
    "table": Sizes(
        (0.9, 2.0),
        (0.8, 1.2),
        (0.72, 0.76),
        "Neufert, Architects' Data (dining tables 0.72-0.76 m high, about 0.6 m of edge per "
        "place, 0.8-1.0 m wide; round tables of 0.9-1.2 m seat four to six)",
    ),
    "coffee table": Sizes(
        (0.7, 1.3),
        (0.5, 1.0),
        (0.38, 0.48),
        "manufacturers' catalogues (coffee tables at or just below sofa seat height)",
    ),
    "side table": Sizes(
        (0.4, 0.55),
        (0.4, 0.55),
        (0.5, 0.65),
        "manufacturers' catalogues (side tables at about sofa arm height)",
    ),
    "desk": Sizes(
        (1.0, 1.8),
        (0.6, 0.8),
        (0.72, 0.76),
        "EN 527-1 (office work tables: fixed heights about 0.72-0.76 m); BIFMA G1-2013 work "
        "surfaces; manufacturers' catalogues (1.0-1.8 m wide, 0.6-0.8 m deep)",
    ),
}
"""Overall width (x), depth (y) and height (z) ranges per category, in metres, and sources."""

SHAPES = {
    "table": ("four legs", "pedestal", "trestle"),
    "coffee table": ("with shelf", "round"),
    "side table": ("square", "round"),
    "desk": ("pedestal", "four legs"),
}
"""The shapes of each category (a model's ``shape``)."""


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _aprons(w: float, d: float, z1: float, leg: float, inset: float, depth: float) -> list[Part]:
    """The four rails under a top, between its legs."""
    a, b = w / 2 - inset - leg, d / 2 - inset - leg
    t = 0.02
    return [
        box(-a, a, -b - leg / 2 - t / 2, -b - leg / 2 + t / 2, z1 - depth, z1),
        box(-a, a, b + leg / 2 - t / 2, b + leg / 2 + t / 2, z1 - depth, z1),
        box(-a - leg / 2 - t / 2, -a - leg / 2 + t / 2, -b, b, z1 - depth, z1),
        box(a + leg / 2 - t / 2, a + leg / 2 + t / 2, -b, b, z1 - depth, z1),
    ]


def _round_top(r: float, h: float, thick: float) -> Part:
    return lathe([(0, h - thick), (r - 0.01, h - thick), (r, h - thick / 2), (r, h), (0, h)], 32)


def _inscribed(r: float, h: float) -> Surface:
    a = r / np.sqrt(2)
    return Surface(h, -a, a, -a, a)


def table(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A dining table: a rectangle on four legs with aprons, a round top on a pedestal, or a
    rectangle on two trestles joined by a stretcher."""
    shape = pick(rng, SHAPES["table"], shape)
    size = SIZES["table"]
    h = _u(rng, *size.height)
    thick = _u(rng, 0.025, 0.045)
    if shape == "pedestal":
        r = _u(rng, 0.45, 0.6)
        parts = [
            _round_top(r, h, thick),
            cylinder(0.06, 0.05, h - thick, sections=12),
            lathe([(0, 0), (0.3, 0), (0.3, 0.02), (0.08, 0.05), (0, 0.05)], 20),
        ]
        return Model("table", parts, 2 * r, 2 * r, h, False, [_inscribed(r, h)], shape=shape)
    w, d = _u(rng, 1.2, size.width[1]), _u(rng, 0.8, 1.0)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, h - thick, h)]
    if shape == "four legs":
        leg, inset = _u(rng, 0.05, 0.07), _u(rng, 0.03, 0.06)
        parts += four_legs(w, d, h - thick, leg, inset)
        parts += _aprons(w, d, h - thick, leg, inset, 0.08)
    else:
        for sx in (-1, 1):
            x = sx * (w / 2 - 0.2)
            parts += [
                box(x - 0.035, x + 0.035, -d / 2 + 0.06, d / 2 - 0.06, 0.0, 0.05),
                box(x - 0.035, x + 0.035, -0.05, 0.05, 0.05, h - thick - 0.05),
                box(x - 0.035, x + 0.035, -d / 2 + 0.08, d / 2 - 0.08, h - thick - 0.05, h - thick),
            ]
        parts.append(box(-w / 2 + 0.2, w / 2 - 0.2, -0.025, 0.025, 0.25, 0.31))
    return Model("table", parts, w, d, h, False, [top(w, d, h)], shape=shape)


def coffee_table(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A rectangle on four legs with a shelf below, or a round top on three legs."""
    shape = pick(rng, SHAPES["coffee table"], shape)
    size = SIZES["coffee table"]
    h = _u(rng, *size.height)
    if shape == "round":
        r = _u(rng, 0.35, 0.5)
        parts = [_round_top(r, h, 0.03)]
        for k in range(3):
            a = np.radians(90.0 + 120.0 * k)
            parts.append(
                cylinder(0.022, 0.0, h - 0.03, 0.6 * r * np.cos(a), 0.6 * r * np.sin(a), 8)
            )
        return Model("coffee table", parts, 2 * r, 2 * r, h, False, [_inscribed(r, h)],
                     shape=shape)  # fmt: skip
    w, d = _u(rng, 0.9, size.width[1]), _u(rng, 0.5, 0.7)
    leg = 0.05
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2, h - 0.035, h),
        *four_legs(w, d, h - 0.035, leg, 0.02),
    ]
    z = _u(rng, 0.08, 0.14)
    parts.append(box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2 + 0.02, d / 2 - 0.02, z, z + 0.02))
    shelf = Surface(z + 0.02, -w / 2 + 0.08, w / 2 - 0.08, -d / 2 + 0.08, d / 2 - 0.08,
                    clear=h - 0.035 - z - 0.02)  # fmt: skip
    return Model("coffee table", parts, w, d, h, False, [top(w, d, h), shelf], shape=shape)


def side_table(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A square top on four legs, or a round one on a column."""
    shape = pick(rng, SHAPES["side table"], shape)
    size = SIZES["side table"]
    h = _u(rng, *size.height)
    if shape == "round":
        r = _u(rng, *size.width) / 2
        parts = [
            _round_top(r, h, 0.025),
            cylinder(0.025, 0.02, h - 0.025, sections=10),
            lathe([(0, 0), (r * 0.7, 0), (r * 0.7, 0.01), (0.04, 0.02), (0, 0.02)], 20),
        ]
        return Model("side table", parts, 2 * r, 2 * r, h, False, [_inscribed(r, h)], shape=shape)
    s = _u(rng, *size.width)
    parts = [
        box(-s / 2, s / 2, -s / 2, s / 2, h - 0.03, h),
        *four_legs(s, s, h - 0.03, 0.035, 0.02),
    ]
    parts += _aprons(s, s, h - 0.03, 0.035, 0.02, 0.06)
    return Model("side table", parts, s, s, h, False, [top(s, s, h)], shape=shape)


def desk(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A top on a panel end and a pedestal of drawers, or on four legs with a modesty panel."""
    shape = pick(rng, SHAPES["desk"], shape)
    size = SIZES["desk"]
    w, d, h = (_u(rng, *r) for r in (size.width, size.depth, size.height))
    t = 0.03
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, h - t, h)]
    if shape == "pedestal":
        p = 0.42
        parts += [
            box(-w / 2, -w / 2 + 0.03, -d / 2, d / 2, 0.0, h - t),
            box(w / 2 - p, w / 2, -d / 2, d / 2 - 0.045, 0.0, h - t),
            box(-w / 2 + 0.03, w / 2 - p, -d / 2, -d / 2 + 0.02, 0.3, h - t),
        ]
        parts += fronts(w / 2 - p, w / 2, 0.02, h - t, d, 1, 3, "drawer")
    else:
        parts += four_legs(w, d, h - t, 0.05, 0.02)
        parts.append(box(-w / 2 + 0.07, w / 2 - 0.07, -d / 2 + 0.04, -d / 2 + 0.06, 0.35, h - t))
    return Model("desk", parts, w, d, h, True, [top(w, d, h)], shape=shape)
