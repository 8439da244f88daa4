"""Things to sit or lie on, built from parts: chairs, office chairs, stools, sofas, armchairs,
ottomans and beds, each in at least two shapes.

Local frame as in ``furniture``: centred in x and y, standing on z = 0, front towards +y.
Every part is a closed solid (box, cylinder, rod, bevelled box, solid of revolution), so each
model is watertight. Sizes are drawn inside the ``SIZES`` ranges, whose sources are cited.
"""

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
    moved,
    pick,
    rounded_box,
    turned,
)

SIZES = {
    "chair": Sizes(
        (0.42, 0.6),
        (0.45, 0.58),
        (0.78, 1.0),
        "Neufert, Architects' Data (dining seats about 0.45 m high, 0.40-0.50 m wide and deep); "
        "dining-chair ranges of manufacturers' catalogues (overall height 0.78-1.0 m)",
    ),
    "office chair": Sizes(
        (0.6, 0.7),
        (0.6, 0.7),
        (0.86, 1.25),
        "BIFMA G1-2013 ergonomics guideline (adjustable seat heights spanning roughly "
        "0.40-0.52 m, seat pans about 0.46-0.52 m wide); ANSI/BIFMA X5.1 tests chairs of this "
        "class; five-star bases of 0.60-0.70 m and overall heights from manufacturers' "
        "catalogues (task and executive chairs)",
    ),
    "stool": Sizes(
        (0.3, 0.45),
        (0.3, 0.45),
        (0.45, 0.8),
        "manufacturers' catalogues: low stools 0.45 m, counter stools 0.60-0.66 m "
        "(24-26 in), bar stools 0.74-0.80 m (29-31 in) seat height",
    ),
    "sofa": Sizes(
        (1.5, 2.4),
        (0.82, 1.75),
        (0.75, 0.95),
        "Neufert, Architects' Data (lounge seats 0.38-0.45 m high); manufacturers' catalogues "
        "(two- to three-seat sofas 1.5-2.4 m wide, 0.82-1.0 m deep; chaise 1.4-1.75 m deep)",
    ),
    "armchair": Sizes(
        (0.7, 0.95),
        (0.75, 0.95),
        (0.75, 1.15),
        "manufacturers' catalogues (club and wingback armchairs)",
    ),
    "ottoman": Sizes(
        (0.4, 0.9),
        (0.4, 0.6),
        (0.38, 0.46),
        "manufacturers' catalogues (footstools and poufs at about sofa seat height)",
    ),
    "bed": Sizes(
        (0.96, 1.96),
        (2.0, 2.22),
        (0.75, 1.2),
        "mattress sizes: EU 90/140/160/180 x 200 cm (European manufacturers' catalogues), US "
        "twin 38 x 75 in, full 54 x 75 in, queen 60 x 80 in (US manufacturers); frame and "
        "headboard margins from bed-frame catalogues",
    ),
}
"""Overall width (x), depth (y) and height (z) ranges per category, in metres, and sources."""

SHAPES = {
    "chair": ("slatted", "upholstered with arms", "sled base"),
    "office chair": ("task", "executive"),
    "stool": ("bar stool", "four legs"),
    "sofa": ("track arms", "on legs", "chaise"),
    "armchair": ("club", "wingback"),
    "ottoman": ("pouf", "bench"),
    "bed": ("panel headboard", "platform", "sleigh"),
}
"""The shapes of each category (a model's ``shape``)."""

MATTRESSES = (
    (0.9, 2.0),
    (0.97, 2.0),
    (1.37, 1.91),
    (1.4, 2.0),
    (1.52, 2.03),
    (1.6, 2.0),
    (1.8, 2.0),
)
"""Mattress width x length (m): EU 90/140/160/180 x 200 cm; US twin (38 x 79 in, the long
twin), full (54 x 75 in), queen (60 x 80 in)."""


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


# --------------------------------------------------------------------------- chairs


def chair(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A dining chair: slatted back on four legs, upholstered with arms, or on a sled base."""
    shape = pick(rng, SHAPES["chair"], shape)
    size = SIZES["chair"]
    arms = shape == "upholstered with arms"
    w = _u(rng, 0.52, size.width[1]) if arms else _u(rng, size.width[0], 0.52)
    d, h = _u(rng, *size.depth), _u(rng, *size.height)
    seat, t, leg = _u(rng, 0.43, 0.48), _u(rng, 0.03, 0.045), _u(rng, 0.03, 0.04)
    parts: list[Part] = []
    if shape == "sled base":
        # Two floor runners, four uprights, a moulded seat and a back panel on two posts.
        for sx in (-1, 1):
            x = sx * (w / 2 - 0.03)
            parts.append(box(x - 0.012, x + 0.012, -d / 2 + 0.02, d / 2 - 0.02, 0.0, 0.02))
            for y in (-d / 2 + 0.06, d / 2 - 0.06):
                parts.append(cylinder(0.011, 0.02, seat - t, x, y, sections=8))
            parts.append(box(x - 0.012, x + 0.012, -d / 2, -d / 2 + 0.024, seat - t, h - 0.2))
        parts.append(rounded_box(-w / 2 + 0.01, w / 2 - 0.01, -d / 2, d / 2, seat - t, seat, 0.012))
        parts.append(rounded_box(-w / 2 + 0.01, w / 2 - 0.01, -d / 2, -d / 2 + 0.03, seat + 0.12,
                                 h, 0.012))  # fmt: skip
        return Model("chair", parts, w, d, h, True, shape=shape)
    parts += [
        box(-w / 2 + leg, w / 2 - leg, d / 2 - leg, d / 2 - leg + 0.02, seat - t - 0.07, seat - t),
        box(-w / 2, -w / 2 + 0.02, -d / 2 + leg, d / 2 - leg, seat - t - 0.07, seat - t),
        box(w / 2 - 0.02, w / 2, -d / 2 + leg, d / 2 - leg, seat - t - 0.07, seat - t),
    ]  # the aprons under the seat
    front = seat + 0.2 if arms else seat - t
    for sx in (-1, 1):
        x = sx * (w / 2 - leg / 2)
        parts.append(box(x - leg / 2, x + leg / 2, d / 2 - leg, d / 2, 0.0, front))
        parts.append(box(x - leg / 2, x + leg / 2, -d / 2, -d / 2 + leg, 0.0, h))  # back post
    if arms:
        parts.append(rounded_box(-w / 2 + leg, w / 2 - leg, -d / 2 + leg, d / 2, seat - t, seat,
                                 0.02))  # fmt: skip
        parts.append(rounded_box(-w / 2 + leg, w / 2 - leg, -d / 2 + 0.005, -d / 2 + 0.06,
                                 seat + 0.05, h - 0.03, 0.02))  # fmt: skip
        for sx in (-1, 1):
            x0, x1 = sorted((sx * w / 2, sx * (w / 2 - leg)))
            parts.append(box(x0, x1, -d / 2 + leg, d / 2, seat + 0.2, seat + 0.23))
        return Model("chair", parts, w, d, h, True, shape=shape)
    parts.append(box(-w / 2, w / 2, -d / 2, d / 2, seat - t, seat))
    parts.append(box(-w / 2 + leg, w / 2 - leg, -d / 2, -d / 2 + 0.022, h - 0.09, h - 0.01))
    slats = int(rng.integers(2, 5))
    for k in range(slats):
        x = -w / 2 + leg + (k + 1) * (w - 2 * leg) / (slats + 1)
        parts.append(box(x - 0.015, x + 0.015, -d / 2 + 0.002, -d / 2 + 0.018, seat, h - 0.09))
    return Model("chair", parts, w, d, h, True, shape=shape)


def _star_base(radius: float) -> list[Part]:
    """Five legs on casters around a gas column's foot."""
    parts = [cylinder(0.045, 0.05, 0.1, sections=10)]
    for k in range(5):
        yaw = 90.0 + 72.0 * k
        parts.append(turned(box(0.03, radius - 0.03, -0.018, 0.018, 0.05, 0.085), yaw))
        c, s = np.cos(np.radians(yaw)), np.sin(np.radians(yaw))
        r = radius - 0.03
        parts.append(cylinder(0.025, 0.0, 0.05, r * c, r * s, sections=8))
    return parts


def office_chair(rng: np.random.Generator, shape: str | None = None) -> Model:
    """On a five-star base: a task chair (mid back, no arms) or an executive one (high back with
    a head rest, padded arms)."""
    shape = pick(rng, SHAPES["office chair"], shape)
    size = SIZES["office chair"]
    seat, s = _u(rng, 0.42, 0.52), _u(rng, 0.46, 0.52)
    radius = max(_u(rng, *size.width) / 2, s / 2 + 0.05)  # the arms stay over the base
    tall = shape == "executive"
    h = seat + (_u(rng, 0.62, 0.72) if tall else _u(rng, 0.44, 0.54))
    parts = _star_base(radius)
    parts.append(cylinder(0.025, 0.1, seat - 0.1, sections=10))
    parts.append(box(-0.09, 0.09, -0.12, 0.1, seat - 0.11, seat - 0.08))
    parts.append(rounded_box(-s / 2, s / 2, -s / 2 + 0.04, s / 2, seat - 0.08, seat, 0.03))
    parts.append(box(-0.03, 0.03, -s / 2 + 0.02, -s / 2 + 0.05, seat - 0.1, seat + 0.15))
    parts.append(rounded_box(-s / 2 + 0.02, s / 2 - 0.02, -s / 2 - 0.02, -s / 2 + 0.05,
                             seat + 0.06, h, 0.03))  # fmt: skip
    if tall:
        for sx in (-1, 1):
            x0, x1 = sorted((sx * (s / 2 + 0.005), sx * (s / 2 + 0.045)))
            parts.append(box(x0 + 0.01, x1 - 0.01, -0.05, 0.0, seat - 0.08, seat + 0.2))
            parts.append(rounded_box(x0, x1, -0.14, 0.14, seat + 0.2, seat + 0.24, 0.015))
    return Model("office chair", parts, 2 * radius, 2 * radius, h, True, shape=shape)


def stool(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A bar stool (round seat on a column, foot ring, disc base) or a low square one on four
    legs with stretchers."""
    shape = pick(rng, SHAPES["stool"], shape)
    if shape == "bar stool":
        h, r = _u(rng, 0.6, 0.8), _u(rng, 0.17, 0.2)
        base = r * 0.95
        parts = [
            lathe([(0, 0), (base, 0), (base, 0.012), (0.05, 0.03), (0, 0.03)], sections=20),
            cylinder(0.025, 0.03, h - 0.05, sections=10),
            cylinder(r * 0.7, 0.27, 0.29, sections=16),  # the foot ring, a disc
            lathe(
                [(0, h - 0.06), (r * 0.8, h - 0.06), (r, h - 0.025), (r, h), (0, h)], sections=20
            ),
        ]
        return Model("stool", parts, 2 * r, 2 * r, h, False, shape=shape)
    s, h = _u(rng, 0.3, 0.4), _u(rng, 0.45, 0.66)
    leg = 0.03
    parts = [box(-s / 2, s / 2, -s / 2, s / 2, h - 0.035, h)]
    parts += four_legs(s, s, h - 0.035, leg, 0.01)
    z = h * 0.3
    a = s / 2 - 0.01 - leg
    parts += [box(-a, a, -s / 2 + 0.02, -s / 2 + 0.035, z, z + 0.025),
              box(-a, a, s / 2 - 0.035, s / 2 - 0.02, z, z + 0.025),
              box(-s / 2 + 0.02, -s / 2 + 0.035, -a, a, z + 0.1, z + 0.125),
              box(s / 2 - 0.035, s / 2 - 0.02, -a, a, z + 0.1, z + 0.125)]  # fmt: skip
    return Model("stool", parts, s, s, h, False, shape=shape)


# --------------------------------------------------------------------------- upholstery


def _couch(
    rng: np.random.Generator, w: float, d: float, h: float, arm: float, legs: bool, seats: int
) -> tuple[list[Part], float]:
    """Arms, a base (on a plinth or on legs), ``seats`` seat and back cushions; returns the
    parts and the height of the seat cushions' tops."""
    seat = _u(rng, 0.41, 0.45)
    base = _u(rng, 0.12, 0.18) if legs else 0.0
    arm_h = min(_u(rng, 0.58, 0.68), h - 0.08)
    r = 0.03
    parts: list[Part] = []
    if legs:
        parts += four_legs(w, d, base, 0.04, 0.04)
    parts.append(box(-w / 2 + arm, w / 2 - arm, -d / 2, d / 2, base, seat - 0.12))  # frame
    parts.append(rounded_box(-w / 2, -w / 2 + arm, -d / 2, d / 2, base, arm_h, r))
    parts.append(rounded_box(w / 2 - arm, w / 2, -d / 2, d / 2, base, arm_h, r))
    parts.append(box(-w / 2 + arm, w / 2 - arm, -d / 2, -d / 2 + 0.16, base, h - 0.15))  # back
    inner = (w - 2 * arm) / seats
    for k in range(seats):
        x0 = -w / 2 + arm + k * inner
        parts.append(rounded_box(x0 + 0.004, x0 + inner - 0.004, -d / 2 + 0.16, d / 2,
                                 seat - 0.12, seat, r))  # fmt: skip
        parts.append(rounded_box(x0 + 0.004, x0 + inner - 0.004, -d / 2 + 0.03, -d / 2 + 0.22,
                                 seat, h, 0.05))  # fmt: skip
    return parts, seat


def sofa(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Track arms on a plinth, slim arms on legs, or with a chaise on one side (an L)."""
    shape = pick(rng, SHAPES["sofa"], shape)
    size = SIZES["sofa"]
    w, d, h = _u(rng, *size.width), _u(rng, 0.82, 0.98), _u(rng, *size.height)
    legs = shape == "on legs"
    arm = _u(rng, 0.1, 0.14) if legs else _u(rng, 0.16, 0.24)
    seats = 2 if w < 1.9 else 3
    parts, seat = _couch(rng, w, d, h, arm, legs, seats)
    surface = Surface(seat, -w / 2 + arm + 0.05, w / 2 - arm - 0.05, -d / 2 + 0.24, d / 2 - 0.08)
    if shape != "chaise":
        return Model("sofa", parts, w, d, h, True, [surface], shape=shape)
    extra = _u(rng, 0.6, 0.75)
    side = 1 if rng.random() < 0.5 else -1
    x0, x1 = sorted((side * (w / 2 - arm), side * (w / 2 - arm - (w - 2 * arm) / seats)))
    parts.append(box(x0, x1, d / 2, d / 2 + extra, 0.0, seat - 0.12))
    parts.append(rounded_box(x0 + 0.004, x1 - 0.004, d / 2 + 0.004, d / 2 + extra, seat - 0.12,
                             seat, 0.03))  # fmt: skip
    shift = extra / 2
    parts = [(v - [0.0, shift, 0.0], f) for v, f in parts]
    surface = Surface(seat, surface.x0, surface.x1, surface.y0 - shift, surface.y1 - shift)
    return Model("sofa", parts, w, d + extra, h, True, [surface], shape=shape)


def armchair(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A club chair (low, wide arms, on a plinth) or a wingback (tall back, wings, on legs)."""
    shape = pick(rng, SHAPES["armchair"], shape)
    size = SIZES["armchair"]
    w, d = _u(rng, *size.width), _u(rng, *size.depth)
    if shape == "club":
        h = _u(rng, 0.75, 0.88)
        parts, _ = _couch(rng, w, d, h, _u(rng, 0.16, 0.2), False, 1)
        return Model("armchair", parts, w, d, h, True, shape=shape)
    h = _u(rng, 1.0, size.height[1])
    arm = _u(rng, 0.1, 0.13)
    parts, _ = _couch(rng, w, d, h, arm, True, 1)
    for sx in (-1, 1):  # the wings, from the arms up to the top of the back
        x0, x1 = sorted((sx * w / 2, sx * (w / 2 - arm)))
        parts.append(rounded_box(x0, x1, -d / 2, -d / 2 + 0.3, 0.5, h - 0.04, 0.03))
    return Model("armchair", parts, w, d, h, True, shape=shape)


def ottoman(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A round pouf, or an upholstered bench on legs; both tops take a tray's clutter."""
    shape = pick(rng, SHAPES["ottoman"], shape)
    size = SIZES["ottoman"]
    h = _u(rng, *size.height)
    if shape == "pouf":
        r = _u(rng, 0.2, 0.3)
        profile = [(0, 0), (r * 0.92, 0), (r, 0.04), (r, h - 0.04), (r * 0.92, h), (0, h)]
        a = r * 0.92 / np.sqrt(2)
        return Model("ottoman", [lathe(profile, 20)], 2 * r, 2 * r, h, False,
                     [Surface(h, -a, a, -a, a)], shape=shape)  # fmt: skip
    w, d = _u(rng, 0.6, size.width[1]), _u(rng, *size.depth)
    legs = _u(rng, 0.08, 0.14)
    parts = [*four_legs(w, d, legs, 0.035, 0.03, round_=True)]
    parts.append(rounded_box(-w / 2, w / 2, -d / 2, d / 2, legs, h, 0.04))
    surface = Surface(h, -w / 2 + 0.04, w / 2 - 0.04, -d / 2 + 0.04, d / 2 - 0.04)
    return Model("ottoman", parts, w, d, h, False, [surface], shape=shape)


# --------------------------------------------------------------------------- beds


def bed(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A mattress of a standard size on a frame: a panel headboard on legs, a low platform with
    an upholstered headboard, or a sleigh bed with a footboard. Pillows go on the surface at
    the head end."""
    shape = pick(rng, SHAPES["bed"], shape)
    mw, ml = MATTRESSES[int(rng.integers(len(MATTRESSES)))]
    mattress = _u(rng, 0.18, 0.26)
    rail = _u(rng, 0.04, 0.07)  # the frame beyond the mattress on each side
    w, d = mw + 2 * rail, ml + 2 * rail + 0.05
    parts: list[Part] = []
    if shape == "platform":
        frame = _u(rng, 0.2, 0.28)
        head = _u(rng, 0.8, 1.0)
        parts.append(box(-w / 2 + 0.06, w / 2 - 0.06, -d / 2 + 0.13, d / 2 - 0.06, 0.0, 0.06))
        parts.append(box(-w / 2, w / 2, -d / 2 + 0.07, d / 2, 0.06, frame))
        parts.append(rounded_box(-w / 2, w / 2, -d / 2, -d / 2 + 0.07, 0.0, head, 0.025))
    else:
        frame = _u(rng, 0.3, 0.38)
        head = _u(rng, 0.95, SIZES["bed"].height[1])
        legs = four_legs(w, d - 0.05, frame - 0.14, 0.06, 0.0)
        parts += [moved(p, [0.0, 0.025, 0.0]) for p in legs]
        parts.append(box(-w / 2, w / 2, -d / 2 + 0.05, d / 2, frame - 0.14, frame))
        parts.append(box(-w / 2, w / 2, -d / 2, -d / 2 + 0.05, 0.0, head))
        if shape == "sleigh":
            parts.append(box(-w / 2, w / 2, d / 2 - 0.05, d / 2, frame - 0.14, frame + 0.32))
        else:  # a padded panel on the headboard
            parts.append(rounded_box(-w / 2 + 0.08, w / 2 - 0.08, -d / 2 + 0.05, -d / 2 + 0.09,
                                     frame + mattress, head - 0.08, 0.02))  # fmt: skip
    z1 = frame + mattress
    y1 = d / 2 - (0.05 if shape == "sleigh" else 0.0) - rail / 2
    parts.append(rounded_box(-mw / 2, mw / 2, y1 - ml, y1, frame, z1, 0.04))
    pillows = Surface(z1, -mw / 2 + 0.05, mw / 2 - 0.05, y1 - ml + 0.05, y1 - ml + 0.7)
    return Model("bed", parts, w, d, head, True, [pillows], shape=shape)
