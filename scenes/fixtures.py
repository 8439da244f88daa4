"""Kitchen and bathroom fixtures built from parts: refrigerators, kitchen counters, stoves,
washing machines, toilets, sinks and bathtubs, and what hangs on their walls (mirrors, towels),
each in at least two shapes.

Basins are hollow (a solid of revolution whose profile runs down the inside, or boxes round
a cavity) and have taps; counters carry doors and drawers with handles (``storage.fronts``).
Every part is a closed solid, so each model is watertight.
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
    knob,
    lathe,
    pick,
    rod,
    rounded_box,
    scaled,
    top,
)
from spatialqa.scenes.storage import FRONT, fronts

SIZES = {
    "refrigerator": Sizes(
        (0.55, 0.92),
        (0.6, 0.75),
        (1.5, 1.85),
        "EN 1116 co-ordinating sizes (600 mm appliance module); manufacturers' catalogues "
        "(24-36 in wide, 60-72 in high)",
    ),
    "kitchen counter": Sizes(
        (1.2, 2.4),
        (0.6, 0.65),
        (0.86, 1.25),
        "EN 1116 (600 mm modules, worktops 850-950 mm high, 600 mm deep); NKBA kitchen "
        "planning guidelines (36 in = 0.914 m counters, 24-25 in deep); the tap of the sink "
        "shape rises up to 0.3 m above the worktop",
    ),
    "stove": Sizes(
        (0.5, 0.76),
        (0.6, 0.7),
        (0.85, 1.15),
        "EN 1116 (500/600 mm cookers at worktop height); manufacturers' catalogues (30 in "
        "ranges, backguards up to about 1.15 m)",
    ),
    "washing machine": Sizes(
        (0.6, 0.69),
        (0.55, 0.72),
        (0.84, 1.12),
        "EN 1116 (600 mm module, 850 mm under-counter height); manufacturers' catalogues "
        "(front loaders 60 x 60 x 85 cm; US top loaders 27 in wide, about 42 in to the console)",
    ),
    "toilet": Sizes(
        (0.36, 0.45),
        (0.62, 0.76),
        (0.5, 0.85),
        "ADA Standards 2010 section 604.4 (seat 17-19 in = 0.43-0.485 m; dwelling units "
        "from 15 in = 0.38 m); manufacturers' catalogues (bowls 0.62-0.76 m deep, tanks "
        "0.7-0.85 m high)",
    ),
    "sink": Sizes(
        (0.5, 1.0),
        (0.42, 0.55),
        (0.95, 1.12),
        "ADA Standards 2010 section 606.3 (lavatory rim or counter at most 34 in = 0.865 m); "
        "manufacturers' catalogues (vanities 0.6-1.0 m wide, 0.45-0.55 m deep; pedestal "
        "basins 0.5-0.65 m; taps 0.15-0.25 m tall)",
    ),
    "bathtub": Sizes(
        (1.5, 1.8),
        (0.7, 0.85),
        (0.45, 0.65),
        "manufacturers' catalogues (US alcove tubs 60 x 30-32 in, 14-20 in high; European "
        "tubs 150-180 x 70-80 cm; freestanding tubs 0.55-0.65 m high)",
    ),
    "mirror": Sizes(
        (0.4, 0.9),
        (0.02, 0.16),
        (0.5, 0.9),
        "manufacturers' catalogues: bathroom mirrors 40-90 cm wide and 50-90 cm high, mirror "
        "cabinets 12-16 cm deep",
    ),
    "towel": Sizes(
        (0.3, 0.7),
        (0.04, 0.1),
        (0.3, 0.75),
        "towel rails 40-70 cm (catalogues) holding hand towels (50 x 100 cm) or bath towels "
        "(70 x 140 cm) folded over; hooks holding a hand towel",
    ),
}
"""Overall width (x), depth (y) and height (z) ranges per category, in metres, and sources."""

SHAPES = {
    "refrigerator": ("bottom freezer", "side by side"),
    "kitchen counter": ("doors", "drawers", "with sink"),
    "stove": ("range", "flat top"),
    "washing machine": ("front loader", "top loader"),
    "toilet": ("close-coupled", "one-piece"),
    "sink": ("vanity", "vessel", "pedestal"),
    "bathtub": ("alcove", "freestanding"),
    "mirror": ("flat", "cabinet"),
    "towel": ("rail", "hook"),
}
"""The shapes of each category (a model's ``shape``)."""


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _disc(x: float, z: float, y0: float, y1: float, radius: float, sections: int = 20) -> Part:
    """A disc facing +y (a porthole, a knob, a clock face) from ``y0`` to ``y1``."""
    return rod([x, y0, z], [x, y1, z], radius, sections)


def _tap(x: float, y: float, z: float, height: float, reach: float) -> list[Part]:
    """A pillar tap standing at (x, y, z): a column and a spout reaching ``reach`` forward."""
    return [
        cylinder(0.025, z, z + 0.03, x, y, sections=12),
        cylinder(0.013, z + 0.03, z + height, x, y, sections=10),
        rod([x, y, z + height - 0.012], [x, y + reach, z + height - 0.012], 0.011),
    ]


def _basin(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> list[Part]:
    """A rectangular basin open at the top: a bottom and four walls 1.5 cm thick."""
    t = 0.015
    return [
        box(x0, x1, y0, y1, z0, z0 + t),
        box(x0, x1, y0, y0 + t, z0 + t, z1),
        box(x0, x1, y1 - t, y1, z0 + t, z1),
        box(x0, x0 + t, y0 + t, y1 - t, z0 + t, z1),
        box(x1 - t, x1, y0 + t, y1 - t, z0 + t, z1),
    ]


def _worktop_with_hole(w, d, z0, z1, hx0, hx1, hy0, hy1) -> list[Part]:
    """A worktop ``w`` x ``d`` (flush with the fronts) with a rectangular hole for a basin."""
    y1 = d / 2
    return [
        box(-w / 2, hx0, -d / 2, y1, z0, z1),
        box(hx1, w / 2, -d / 2, y1, z0, z1),
        box(hx0, hx1, -d / 2, hy0, z0, z1),
        box(hx0, hx1, hy1, y1, z0, z1),
    ]


def refrigerator(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A fridge over a freezer drawer, or two tall doors side by side (a water dispenser in the
    left one); bar handles."""
    shape = pick(rng, SHAPES["refrigerator"], shape)
    size = SIZES["refrigerator"]
    side = shape == "side by side"
    w = _u(rng, 0.84, size.width[1]) if side else _u(rng, size.width[0], 0.7)
    d, h = _u(rng, *size.depth), _u(rng, *size.height)
    face = d / 2 - 0.035
    parts = [box(-w / 2, w / 2, -d / 2, face - 0.04, 0.0, h)]
    if side:
        for x0, x1, hx in ((-w / 2, -0.002, -0.04), (0.002, w / 2, 0.04)):
            parts.append(box(x0, x1, face - 0.04, face, 0.01, h))
            parts.append(box(hx - 0.012, hx + 0.012, face, d / 2, h * 0.35, h * 0.75))
        parts.append(
            box(-w / 4 - 0.1, -w / 4 + 0.1, face, face + 0.01, h * 0.5, h * 0.65)
        )  # dispenser
    else:
        split = h * _u(rng, 0.3, 0.38)
        parts += [
            box(-w / 2, w / 2, face - 0.04, face, 0.01, split - 0.002),
            box(-w / 2, w / 2, face - 0.04, face, split + 0.002, h),
            box(-w / 2 + 0.1, w / 2 - 0.1, face, d / 2, split - 0.07, split - 0.05),
            box(w / 2 - 0.07, w / 2 - 0.045, face, d / 2, split + 0.08, split + 0.6),
        ]
    return Model("refrigerator", parts, w, d, h, True, shape=shape)


def kitchen_counter(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Base units (on a recessed plinth) under a worktop: a drawer over a door in each 60 cm
    module, stacks of drawers, or a sink let into the worktop (a basin and a tap) over doors."""
    shape = pick(rng, SHAPES["kitchen counter"], shape)
    size = SIZES["kitchen counter"]
    w, d, h = _u(rng, *size.width), _u(rng, *size.depth), _u(rng, 0.86, 0.95)
    modules = max(2, round(w / 0.6))
    plinth, wt = 0.1, 0.04
    parts = [
        box(-w / 2 + 0.005, w / 2 - 0.005, -d / 2, d / 2 - FRONT - 0.02, plinth, h - wt),
        box(-w / 2 + 0.01, w / 2 - 0.01, -d / 2, d / 2 - FRONT - 0.09, 0.0, plinth),
    ]
    low, high = plinth + 0.005, h - wt - 0.005
    if shape == "drawers":
        parts += fronts(-w / 2, w / 2, low, high, d - 0.04, modules, 3, "drawer")
    else:
        split = high - 0.16
        parts += fronts(-w / 2, w / 2, split, high, d - 0.04, modules, 1, "drawer")
        parts += fronts(-w / 2, w / 2, low, split, d - 0.04, modules, 1, "door")
    if shape != "with sink":
        parts.append(box(-w / 2, w / 2, -d / 2, d / 2, h - wt, h))
        return Model("kitchen counter", parts, w, d, h, True, [top(w, d, h, 0.03)], shape=shape)
    k = int(rng.integers(modules))
    cx = -w / 2 + (k + 0.5) * w / modules
    bw, by0, by1 = min(0.25, w / modules / 2 - 0.04), -d / 2 + 0.12, d / 2 - 0.08
    parts += _worktop_with_hole(w, d, h - wt, h, cx - bw, cx + bw, by0, by1)
    parts += _basin(cx - bw, cx + bw, by0, by1, h - wt - 0.18, h - wt)
    tap = _u(rng, 0.2, 0.3)
    parts += _tap(cx, -d / 2 + 0.06, h, tap, 0.16)
    surfaces = [
        Surface(h, -w / 2 + 0.03, cx - bw - 0.03, -d / 2 + 0.03, d / 2 - 0.03),
        Surface(h, cx + bw + 0.03, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.03),
    ]
    surfaces = [s for s in surfaces if s.x1 - s.x0 > 0.1]
    return Model("kitchen counter", parts, w, d, h + tap, True, surfaces, shape=shape)


def stove(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A range (oven door with a window, knobs on a backguard, four raised burners) or a flat
    top (a drawer under the oven, knobs on the front, four rings flush with the glass)."""
    shape = pick(rng, SHAPES["stove"], shape)
    size = SIZES["stove"]
    w = float(rng.choice([0.5, 0.6, 0.76]))
    d, h = _u(rng, *size.depth), _u(rng, 0.86, 0.92)
    face = d / 2 - 0.04
    parts = [box(-w / 2, w / 2, -d / 2, face, 0.0, h)]
    door0 = 0.15 if shape == "flat top" else 0.08
    parts.append(box(-w / 2 + 0.02, w / 2 - 0.02, face, face + 0.01, door0, h - 0.14))
    parts.append(box(-w / 2 + 0.08, w / 2 - 0.08, face + 0.01, face + 0.012, door0 + 0.1,
                     h - 0.26))  # the window  # fmt: skip
    parts.append(rod([-w / 2 + 0.06, face + 0.03, h - 0.17], [w / 2 - 0.06, face + 0.03, h - 0.17],
                     0.01))  # fmt: skip
    parts.append(box(-w / 2 + 0.05, -w / 2 + 0.06, face + 0.01, face + 0.03, h - 0.175, h - 0.165))
    parts.append(box(w / 2 - 0.06, w / 2 - 0.05, face + 0.01, face + 0.03, h - 0.175, h - 0.165))
    burners = [(x, y) for x in (-w / 4, w / 4) for y in (-d / 5, d / 6)]
    if shape == "range":
        back = _u(rng, 0.12, 0.22)
        parts.append(box(-w / 2, w / 2, -d / 2, -d / 2 + 0.06, h, h + back))
        parts += [_disc(x, h + back / 2, -d / 2 + 0.06, -d / 2 + 0.08, 0.017, 10)
                  for x in np.linspace(-w / 2 + 0.08, w / 2 - 0.08, 4)]  # fmt: skip
        parts += [cylinder(0.07, h, h + 0.02, x, y, sections=16) for x, y in burners]
        return Model("stove", parts, w, d, h + back, True, shape=shape)
    parts.append(box(-w / 2 + 0.02, w / 2 - 0.02, face, face + 0.01, 0.02, door0 - 0.01))
    parts += [knob(x, h - 0.07, face, 0.017) for x in np.linspace(-w / 2 + 0.08, w / 2 - 0.08, 4)]
    parts += [cylinder(0.08, h, h + 0.003, x, y, sections=20) for x, y in burners]
    return Model("stove", parts, w, d, h + 0.003, True, shape=shape)


def washing_machine(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A front loader (a porthole door, a detergent drawer) or a top loader (a lid, a console
    at the back); the lid or top takes a bottle."""
    shape = pick(rng, SHAPES["washing machine"], shape)
    if shape == "front loader":
        w, d, h = 0.6, _u(rng, 0.55, 0.65), _u(rng, 0.84, 0.86)
        face = d / 2 - 0.04
        parts = [
            box(-w / 2, w / 2, -d / 2, face, 0.0, h),
            _disc(0.0, 0.42, face, face + 0.03, 0.2, 24),
            _disc(0.0, 0.42, face + 0.03, face + 0.04, 0.14, 24),
            box(-w / 2 + 0.03, -0.05, face, face + 0.015, h - 0.11, h - 0.04),
            _disc(0.17, h - 0.075, face, face + 0.025, 0.03, 12),
        ]
        return Model("washing machine", parts, w, d, h, True, [top(w, d - 0.04, h, 0.03, -0.02)],
                     shape=shape)  # fmt: skip
    w, d, h = _u(rng, 0.66, 0.69), _u(rng, 0.66, 0.72), _u(rng, 0.9, 0.94)
    console = _u(rng, 0.14, 0.18)
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2, 0.0, h),
        rounded_box(-w / 2 + 0.04, w / 2 - 0.04, -d / 2 + 0.16, d / 2 - 0.04, h, h + 0.015, 0.005),
        box(-w / 2, w / 2, -d / 2, -d / 2 + 0.12, h, h + console),
        _disc(0.0, h + console / 2, -d / 2 + 0.12, -d / 2 + 0.145, 0.035, 12),
    ]
    lid = Surface(h + 0.015, -w / 2 + 0.06, w / 2 - 0.06, -d / 2 + 0.18, d / 2 - 0.06)
    return Model("washing machine", parts, w, d, h + console, True, [lid], shape=shape)


def toilet(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A close-coupled toilet (a cistern on the back of the bowl, the lid up against it) or a
    one-piece one (a low cistern moulded on, the lid down); the bowl is hollow and oval. The
    cistern's lid is a surface (a bottle, a small plant)."""
    shape = pick(rng, SHAPES["toilet"], shape)
    size = SIZES["toilet"]
    w, d = _u(rng, *size.width), _u(rng, *size.depth)
    seat = _u(rng, 0.38, 0.485)
    rim = seat - 0.025
    tank_d = 0.18
    r = w / 2 - 0.01
    length = d - tank_d + 0.04
    stretch = length / (2 * r)
    cy = d / 2 - length / 2
    bowl = [(0, rim - 0.2), (0.55 * r, rim - 0.2), (r, rim - 0.02), (r, rim), (r - 0.035, rim),
            (0.45 * r, rim - 0.16), (0, rim - 0.16)]  # fmt: skip
    parts = [
        lathe([(0, 0), (0.5 * r, 0), (0.42 * r, rim - 0.19), (0, rim - 0.19)], 16),
        lathe(bowl, 20),
    ]
    parts = [(v * [1.0, stretch, 1.0] + [0.0, cy, 0.0], f) for v, f in parts]
    ring = lathe([(0, rim), (r, rim), (r, seat), (0, seat)], 20)
    if shape == "close-coupled":
        tank = _u(rng, 0.7, size.height[1])
        parts.append(rounded_box(-w / 2, w / 2, -d / 2, -d / 2 + tank_d, rim - 0.05, tank, 0.02))
        parts.append(
            box(
                -r + 0.02,
                r - 0.02,
                -d / 2 + tank_d,
                -d / 2 + tank_d + 0.02,
                seat,
                min(tank - 0.02, seat + 2 * r * stretch - 0.1),
            )
        )  # the raised lid
        # The seat: a ring drawn as a disc whose middle dips 2 cm (a shallow, open look).
        seat_ring = lathe([(0, rim), (r, rim), (r, seat), (r - 0.05, seat), (r - 0.05, rim + 0.005),
                           (0, rim + 0.005)], 20)  # fmt: skip
        parts.append((seat_ring[0] * [1.0, stretch, 1.0] + [0.0, cy, 0.0], seat_ring[1]))
        lid = Surface(tank, -w / 2 + 0.03, w / 2 - 0.03, -d / 2 + 0.03, -d / 2 + tank_d - 0.03)
        return Model("toilet", parts, w, d, tank, True, [lid], shape=shape)
    tank = _u(rng, 0.55, 0.68)
    parts.append(rounded_box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2, -d / 2 + tank_d, 0.0, tank, 0.04))
    parts.append((ring[0] * [1.0, stretch, 1.0] + [0.0, cy, 0.0], ring[1]))  # the lid, down
    lid = Surface(tank, -w / 2 + 0.05, w / 2 - 0.05, -d / 2 + 0.03, -d / 2 + tank_d - 0.03)
    return Model("toilet", parts, w, d, tank, True, [lid], shape=shape)


def sink(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A vanity with a basin let into its top, a vanity with a bowl standing on it, or a basin
    on a pedestal; each with a tap. The counter beside the basin is a surface."""
    shape = pick(rng, SHAPES["sink"], shape)
    size = SIZES["sink"]
    rim = _u(rng, 0.8, 0.865)
    tap = _u(rng, 0.16, 0.24)
    if shape == "pedestal":
        w, d = _u(rng, 0.5, 0.65), _u(rng, 0.42, 0.5)
        r = d / 2
        bowl = [(0, rim - 0.18), (0.6 * r, rim - 0.18), (r, rim - 0.03), (r, rim), (r - 0.03, rim),
                (0.5 * r, rim - 0.15), (0, rim - 0.15)]  # fmt: skip
        basin = scaled(lathe(bowl, 24), w / d, 1.0)
        parts = [
            lathe([(0, 0), (0.12, 0), (0.08, 0.05), (0.07, rim - 0.17), (0, rim - 0.17)], 16),
            basin,
            *_tap(0.0, -d / 2 + 0.05, rim, tap, 0.1),
        ]
        return Model("sink", parts, w, d, rim + tap, True, shape=shape)
    w, d = _u(rng, 0.6, size.width[1]), _u(rng, 0.45, 0.55)
    doors = 2 if w >= 0.75 else 1
    top_z = rim if shape == "vanity" else rim - _u(rng, 0.12, 0.16)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2 - FRONT, 0.1, top_z - 0.03)]
    parts.append(box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2 + 0.02, d / 2 - FRONT - 0.05, 0.0, 0.1))
    parts += fronts(-w / 2, w / 2, 0.1, top_z - 0.035, d, doors, 1, "door")
    bw = min(0.22, w / 2 - 0.08)
    bx = 0.0 if w < 0.8 else -w / 2 + bw + 0.06  # wide vanities keep a counter on the right
    if shape == "vanity":
        by0, by1 = -d / 2 + 0.12, d / 2 - 0.06
        parts += _worktop_with_hole(w, d, top_z - 0.03, top_z, bx - bw, bx + bw, by0, by1)
        parts += _basin(bx - bw, bx + bw, by0, by1, top_z - 0.18, top_z - 0.03)
        parts += _tap(bx, -d / 2 + 0.06, top_z, tap, 0.11)
        high = top_z + tap
    else:
        parts.append(box(-w / 2, w / 2, -d / 2, d / 2, top_z - 0.03, top_z))
        r = min(0.2, (d - 0.16) / 2)
        bowl = [(0, top_z), (0.5 * r, top_z), (r, rim - 0.01), (r, rim), (r - 0.012, rim),
                (0.45 * r, top_z + 0.012), (0, top_z + 0.012)]  # fmt: skip
        parts.append(lathe(bowl, 24, bx, 0.03))
        parts += _tap(bx, -d / 2 + 0.05, top_z, rim - top_z + tap, 0.1 + 0.03)
        high = rim + tap
    x0 = bx + bw + 0.04
    counter = [Surface(top_z, x0, w / 2 - 0.03, -d / 2 + 0.03, d / 2 - 0.03)]
    counter = [s for s in counter if s.x1 - s.x0 >= 0.12]
    return Model("sink", parts, w, d, high, True, counter, shape=shape)


def bathtub(rng: np.random.Generator, shape: str | None = None) -> Model:
    """An alcove tub (an apron, a rim round a deep cavity, a spout at one end) or a
    freestanding oval tub on four feet."""
    shape = pick(rng, SHAPES["bathtub"], shape)
    size = SIZES["bathtub"]
    w, d = _u(rng, *size.width), _u(rng, *size.depth)
    if shape == "freestanding":
        h = _u(rng, 0.55, size.height[1])
        r = d / 2 - 0.005
        shell = [(0, 0.08), (0.75 * r, 0.08), (r, h - 0.04), (r, h), (r - 0.04, h),
                 (0.7 * r, 0.13), (0, 0.13)]  # fmt: skip
        parts = [scaled(lathe(shell, 32), (w / 2 - 0.005) / r, 1.0)]
        for sx in (-1, 1):
            for sy in (-1, 1):
                parts.append(cylinder(0.035, 0.0, 0.085, sx * w * 0.28, sy * d * 0.25, 10))
        return Model("bathtub", parts, w, d, h, True, shape=shape)
    h = _u(rng, 0.45, 0.6)
    t = 0.07
    parts = [
        box(-w / 2, w / 2, -d / 2, d / 2, 0.0, 0.12),  # a thick floor
        box(-w / 2, w / 2, -d / 2, -d / 2 + t, 0.12, h),
        box(-w / 2, w / 2, d / 2 - t, d / 2, 0.12, h),
        box(-w / 2, -w / 2 + t, -d / 2 + t, d / 2 - t, 0.12, h),
        box(w / 2 - t, w / 2, -d / 2 + t, d / 2 - t, 0.12, h),
    ]
    parts.append(rod([-w / 2 + 0.02, 0.0, h - 0.08], [-w / 2 + 0.15, 0.0, h - 0.08], 0.015))
    return Model("bathtub", parts, w, d, h, True, shape=shape)


def mirror(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A mirror hung on a wall (its back at local y = -depth / 2): glass on a thin backing, or
    a mirror cabinet (two mirrored doors with knobs)."""
    shape = pick(rng, SHAPES["mirror"], shape)
    w, h = _u(rng, 0.4, 0.9), _u(rng, 0.5, 0.9)
    if shape == "flat":
        d = _u(rng, 0.02, 0.03)
        glass = box(-w / 2 + 0.01, w / 2 - 0.01, d / 2 - 0.006, d / 2, 0.01, h - 0.01)
        parts = [box(-w / 2, w / 2, -d / 2, d / 2 - 0.006, 0.0, h), glass]
        return Model("mirror", parts, w, d, h, True, shape=shape)
    d = _u(rng, 0.12, 0.15)
    body = d - 0.02
    parts = [box(-w / 2, w / 2, -d / 2, -d / 2 + body, 0.0, h)]
    for sx in (-1, 1):
        x0, x1 = sorted((sx * 0.002, sx * (w / 2 - 0.005)))
        parts.append(box(x0, x1, -d / 2 + body, -d / 2 + body + 0.018, 0.01, h - 0.01))
        parts.append(knob(sx * 0.04, 0.12, d / 2 - 0.002, 0.008, 0.002))
    return Model("mirror", parts, w, d, h, True, shape=shape)


def towel(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A towel hanging on a wall (its back at local y = -depth / 2): folded over a rail on two
    posts, or from a hook."""
    shape = pick(rng, SHAPES["towel"], shape)
    if shape == "rail":
        w, h, d = _u(rng, 0.45, 0.7), _u(rng, 0.45, 0.72), _u(rng, 0.07, 0.1)
        cloth = w - 0.08
        parts = [box(-w / 2, -w / 2 + 0.02, -d / 2, d / 2, h - 0.04, h),
                 box(w / 2 - 0.02, w / 2, -d / 2, d / 2, h - 0.04, h),
                 box(-w / 2 + 0.02, w / 2 - 0.02, d / 2 - 0.035, d / 2 - 0.015, h - 0.03,
                     h - 0.01),
                 rounded_box(-cloth / 2, cloth / 2, d / 2 - 0.05, d / 2, 0.0, h - 0.035,
                             0.008)]  # fmt: skip
        return Model("towel", parts, w, d, h, True, shape=shape)
    w, h, d = _u(rng, 0.3, 0.45), _u(rng, 0.3, 0.5), _u(rng, 0.04, 0.06)
    parts = [box(-0.015, 0.015, -d / 2, -d / 2 + 0.015, h - 0.05, h),
             rounded_box(-w / 2, w / 2, -d / 2 + 0.015, d / 2, 0.0, h - 0.02, 0.006)]  # fmt: skip
    return Model("towel", parts, w, d, h, True, shape=shape)
