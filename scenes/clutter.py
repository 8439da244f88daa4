"""Smaller things built from parts: what stands on surfaces (screens, books, cups, bowls,
bottles, vases, appliances, pillows, clocks), what stands anywhere (lamps, plants, bins, laundry
baskets, rugs) and what hangs on walls (pictures, shelves),
each in at least two shapes. Round things are solids of revolution; cups, bowls and vases
are hollow (their profile runs down the inside). Every part is closed, so each model is
watertight."""

from __future__ import annotations

import numpy as np

from spatialqa.scenes.furniture import (
    Model,
    Part,
    Sizes,
    box,
    cylinder,
    lathe,
    moved,
    pick,
    rod,
    rounded_box,
    top,
)

SIZES = {
    "tv": Sizes((0.7, 1.3), (0.2, 0.3), (0.44, 0.85), "16:9 screens of 32-58 in diagonal "
                "(manufacturers' catalogues), on a foot or on two feet"),
    "monitor": Sizes((0.48, 0.72), (0.2, 0.26), (0.35, 0.55), "16:9 monitors of 22-32 in "
                     "(manufacturers' catalogues)"),
    "laptop": Sizes((0.3, 0.38), (0.21, 0.34), (0.015, 0.27), "13-15.6 in laptops "
                    "(manufacturers' catalogues), open at about 105 degrees or closed"),
    "keyboard": Sizes((0.3, 0.46), (0.12, 0.16), (0.02, 0.04), "full-size and tenkeyless "
                      "keyboards (manufacturers' catalogues)"),
    "book": Sizes((0.015, 0.06), (0.13, 0.24), (0.18, 0.3), "book formats from mass-market "
                  "paperback (11 x 18 cm) to large octavo and B5 hardcovers"),
    "cup": Sizes((0.07, 0.13), (0.07, 0.09), (0.08, 0.12), "mugs and tumblers (about 8 x 9.5 cm "
                 "for a 30 cl mug; catalogues)"),
    "bowl": Sizes((0.12, 0.24), (0.12, 0.24), (0.05, 0.1), "cereal to serving bowls "
                  "(catalogues)"),
    "bottle": Sizes((0.06, 0.09), (0.06, 0.09), (0.18, 0.32), "0.5-0.75 l glass bottles "
                    "(a 75 cl wine bottle is about 7.5 x 30 cm)"),
    "vase": Sizes((0.08, 0.2), (0.08, 0.2), (0.18, 0.4), "catalogue table vases"),
    "microwave": Sizes((0.44, 0.52), (0.33, 0.42), (0.25, 0.31), "countertop microwaves of "
                       "17-30 l (manufacturers' catalogues)"),
    "kettle": Sizes((0.18, 0.32), (0.14, 0.24), (0.18, 0.26), "1.5-1.7 l electric kettles "
                    "and stovetop kettles (catalogues)"),
    "pillow": Sizes((0.4, 0.66), (0.4, 0.5), (0.1, 0.16), "bed pillows 50 x 60/66 cm "
                    "(EU and US standard 20 x 26 in) and 40-50 cm cushions"),
    "clock": Sizes((0.1, 0.18), (0.05, 0.08), (0.1, 0.18), "alarm and mantel clocks "
                   "(catalogues)"),
    "lamp": Sizes((0.2, 0.5), (0.2, 0.5), (0.3, 1.8), "table lamps 0.3-0.6 m and floor lamps "
                  "1.4-1.8 m high (manufacturers' catalogues)"),
    "plant": Sizes((0.14, 0.75), (0.14, 0.75), (0.2, 1.6), "potted plants: 10-20 cm pots on "
                   "shelves, 25-40 cm floor pots (garden-centre catalogues)"),
    "trash can": Sizes((0.22, 0.4), (0.22, 0.4), (0.3, 0.65), "10-50 l bins (catalogues)"),
    "picture": Sizes((0.3, 1.0), (0.02, 0.045), (0.3, 1.0), "ISO 216 A3-A1 prints (297 x 420 "
                     "to 594 x 841 mm) and the framers' standard 30 x 40 to 70 x 100 cm frames, "
                     "either way up; frames and stretched canvases 2-4.5 cm deep"),
    "shelf": Sizes((0.4, 1.2), (0.15, 0.3), (0.02, 0.22), "wall shelves 40-120 cm long and "
                   "15-30 cm deep, 2-4 cm boards, brackets up to 20 cm (retail catalogues)"),
    "rug": Sizes((0.5, 2.3), (0.5, 1.6), (0.005, 0.02), "retailers' standard rug sizes: bath "
                 "mats 50 x 80 cm, area rugs 120 x 170 to 160 x 230 cm, round rugs 80-160 cm; "
                 "pile 0.5-2 cm"),
    "laundry basket": Sizes((0.35, 0.55), (0.3, 0.47), (0.45, 0.65), "40-70 l laundry "
                            "hampers (retail catalogues)"),
}  # fmt: skip
"""Overall width (x), depth (y) and height (z) ranges per category, in metres, and sources."""

SHAPES = {
    "tv": ("foot", "two feet"),
    "monitor": ("round base", "flat foot"),
    "laptop": ("open", "closed"),
    "keyboard": ("full size", "tenkeyless"),
    "book": ("hardcover", "paperback"),
    "cup": ("mug", "tumbler"),
    "bowl": ("round", "footed"),
    "bottle": ("wine", "jar"),
    "vase": ("amphora", "cylinder"),
    "microwave": ("panel", "handle"),
    "kettle": ("electric", "stovetop"),
    "pillow": ("bed pillow", "cushion"),
    "clock": ("alarm", "mantel"),
    "lamp": ("drum shade", "cone shade"),
    "plant": ("bush", "tall"),
    "trash can": ("round", "pedal bin"),
    "picture": ("framed", "canvas"),
    "shelf": ("floating", "brackets"),
    "rug": ("rectangle", "round"),
    "laundry basket": ("round", "square"),
}
"""The shapes of each category (a model's ``shape``)."""


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _screen(w: float, h: float, z0: float, thick: float) -> list[Part]:
    """A 16:9 panel of width ``w`` from ``z0`` up, a thinner bezel-less back behind it."""
    return [
        box(-w / 2, w / 2, -thick / 2, thick / 2, z0, z0 + h),
        box(-w / 3, w / 3, -thick / 2 - 0.02, -thick / 2, z0 + h * 0.2, z0 + h * 0.75),
    ]


def tv(rng: np.random.Generator, max_width: float, shape: str | None = None) -> Model:
    """A flat screen on a central foot or on two feet at its ends, no wider than
    ``max_width`` (the stand it goes on)."""
    shape = pick(rng, SHAPES["tv"], shape)
    w = min(_u(rng, *SIZES["tv"].width), max_width)
    h = w * 9 / 16
    d = 0.22
    if shape == "foot":
        parts = [*_screen(w, h, 0.08, 0.04), box(-0.04, 0.04, -0.04, 0.0, 0.015, 0.2),
                 rounded_box(-0.18 * w, 0.18 * w, -d / 2, d / 2, 0.0, 0.015, 0.005)]  # fmt: skip
        return Model("tv", parts, w, d, 0.08 + h, True, shape=shape)
    parts = _screen(w, h, 0.05, 0.04)
    for sx in (-1, 1):
        x = sx * (w / 2 - 0.08)
        parts.append(box(x - 0.015, x + 0.015, -d / 2, d / 2, 0.0, 0.015))
        parts.append(box(x - 0.015, x + 0.015, -0.025, 0.025, 0.015, 0.07))
    return Model("tv", parts, w, d, 0.05 + h, True, shape=shape)


def monitor(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A screen on a column over a round base or a flat rectangular foot."""
    shape = pick(rng, SHAPES["monitor"], shape)
    w = _u(rng, *SIZES["monitor"].width)
    h, z0 = w * 9 / 16, 0.1
    parts = [*_screen(w, h, z0, 0.03), box(-0.03, 0.03, -0.075, -0.035, 0.012, z0 + h * 0.6)]
    if shape == "round base":
        parts.append(lathe([(0, 0), (0.1, 0), (0.1, 0.006), (0.09, 0.012), (0, 0.012)], 20,
                           0.0, -0.02))  # fmt: skip
        return Model("monitor", parts, w, 0.24, z0 + h, True, shape=shape)
    parts.append(box(-0.13, 0.13, -0.11, 0.09, 0.0, 0.012))
    return Model("monitor", parts, w, 0.24, z0 + h, True, shape=shape)


def laptop(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Open (the lid tilted back about 15 degrees past upright) or closed."""
    shape = pick(rng, SHAPES["laptop"], shape)
    w, d = _u(rng, 0.3, 0.38), _u(rng, 0.21, 0.26)
    base = box(-w / 2, w / 2, -d / 2, d / 2, 0.0, 0.015)
    if shape == "closed":
        return Model("laptop", [base, box(-w / 2, w / 2, -d / 2, d / 2, 0.015, 0.02)], w, d,
                     0.02, True, shape=shape)  # fmt: skip
    tilt = np.radians(15.0)
    back = d * np.sin(tilt)
    lid = rounded_box(-w / 2, w / 2, -0.004, 0.004, 0.0, d, 0.002)
    c, s = np.cos(tilt), np.sin(tilt)
    turn = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])  # about x: the top goes back
    lid = (lid[0] @ turn.T + [0.0, -d / 2 + 0.006, 0.015], lid[1])
    keys = box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2 + 0.02, 0.02, 0.015, 0.017)
    total = d + back + 0.01
    parts = [moved(p, np.array([0.0, (back + 0.01) / 2, 0.0])) for p in (base, keys, lid)]
    top_z = float(max(v[:, 2].max() for v, _ in parts))
    return Model("laptop", parts, w, total, top_z, True, shape=shape)


def keyboard(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A base with raised key blocks: letters, arrows and a number pad, or letters and arrows."""
    shape = pick(rng, SHAPES["keyboard"], shape)
    d = _u(rng, 0.12, 0.15)
    w = _u(rng, 0.42, 0.46) if shape == "full size" else _u(rng, 0.35, 0.37)
    parts = [rounded_box(-w / 2, w / 2, -d / 2, d / 2, 0.0, 0.018, 0.004)]
    letters = 0.28
    parts.append(box(-w / 2 + 0.01, -w / 2 + 0.01 + letters, -d / 2 + 0.01, d / 2 - 0.01, 0.018,
                     0.026))  # fmt: skip
    parts.append(box(-w / 2 + 0.3, -w / 2 + 0.345, -d / 2 + 0.01, -d / 2 + 0.05, 0.018, 0.026))
    if shape == "full size":
        parts.append(box(w / 2 - 0.085, w / 2 - 0.01, -d / 2 + 0.01, d / 2 - 0.03, 0.018, 0.026))
    return Model("keyboard", parts, w, d, 0.026, True, shape=shape)


def book(rng: np.random.Generator, shape: str | None = None) -> Model:
    """Standing on a shelf, its spine towards +y: a hardcover (boards a little larger than the
    page block) or a paperback."""
    shape = pick(rng, SHAPES["book"], shape)
    if shape == "paperback":
        t, w, h = _u(rng, 0.015, 0.035), _u(rng, 0.13, 0.15), _u(rng, 0.18, 0.21)
        return Model("book", [box(-t / 2, t / 2, -w / 2, w / 2, 0.0, h)], t, w, h, False,
                     shape=shape)  # fmt: skip
    t, w, h = _u(rng, 0.025, 0.06), _u(rng, 0.15, 0.24), _u(rng, 0.22, 0.3)
    b = 0.003
    parts = [
        box(-t / 2, -t / 2 + b, -w / 2, w / 2, 0.0, h),
        box(t / 2 - b, t / 2, -w / 2, w / 2, 0.0, h),
        box(-t / 2, t / 2, w / 2 - b, w / 2, 0.0, h),  # the spine
        box(-t / 2 + b, t / 2 - b, -w / 2 + 0.004, w / 2 - b, 0.004, h - 0.004),  # pages
    ]
    return Model("book", parts, t, w, h, False, shape=shape)


def _hollow(r_bottom: float, r_top: float, h: float, wall: float, floor: float, n: int = 16):
    """A hollow vessel: out along the bottom, up the outside, down the inside."""
    return lathe([(0, 0), (r_bottom, 0), (r_top, h), (r_top - wall, h),
                  (r_bottom - wall, floor), (0, floor)], n)  # fmt: skip


def cup(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A mug with a handle, or a tumbler narrowing to its foot."""
    shape = pick(rng, SHAPES["cup"], shape)
    r, h = _u(rng, 0.035, 0.045), _u(rng, 0.08, 0.12)
    if shape == "tumbler":
        return Model("cup", [_hollow(r * 0.8, r, h, 0.003, 0.008)], 2 * r, 2 * r, h, False,
                     shape=shape)  # fmt: skip
    parts = [_hollow(r, r, h, 0.004, 0.008),
             box(r - 0.002, r + 0.03, -0.006, 0.006, h * 0.75, h * 0.82),
             box(r - 0.002, r + 0.03, -0.006, 0.006, h * 0.2, h * 0.27),
             box(r + 0.022, r + 0.03, -0.006, 0.006, h * 0.27, h * 0.75)]  # fmt: skip
    parts = [moved(p, [-0.015, 0.0, 0.0]) for p in parts]
    return Model("cup", parts, 2 * r + 0.03, 2 * r, h,
                 False, shape=shape)  # fmt: skip


def bowl(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A round bowl, or one on a foot ring."""
    shape = pick(rng, SHAPES["bowl"], shape)
    r, h = _u(rng, 0.06, 0.12), _u(rng, 0.05, 0.1)
    foot = 0.015 if shape == "footed" else 0.0
    profile = [(0, 0), (r * 0.45, 0), (r * 0.45, foot), (r * 0.8, h * 0.4 + foot / 2),
               (r, h), (r - 0.005, h), (r * 0.75, h * 0.4 + foot / 2 + 0.004),
               (r * 0.4, foot + 0.006), (0, foot + 0.006)]  # fmt: skip
    if not foot:
        profile = [profile[0], profile[1], *profile[3:]]
    return Model("bowl", [lathe(profile, 20)], 2 * r, 2 * r, h, False, shape=shape)


def bottle(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A wine bottle (shoulders, a long neck) or a squat jar with a cap."""
    shape = pick(rng, SHAPES["bottle"], shape)
    if shape == "wine":
        r, h = _u(rng, 0.03, 0.045), _u(rng, 0.26, 0.32)
        profile = [(0, 0), (r, 0), (r, h * 0.6), (r * 0.45, h * 0.72), (r * 0.35, h * 0.78),
                   (r * 0.35, h), (0, h)]  # fmt: skip
        return Model("bottle", [lathe(profile, 14)], 2 * r, 2 * r, h, False, shape=shape)
    r, h = _u(rng, 0.035, 0.045), _u(rng, 0.18, 0.22)
    parts = [lathe([(0, 0), (r, 0), (r, h - 0.05), (r * 0.8, h - 0.03), (0, h - 0.03)], 14),
             cylinder(r * 0.8, h - 0.03, h, sections=14)]  # fmt: skip
    return Model("bottle", parts, 2 * r, 2 * r, h, False, shape=shape)


def vase(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A bellied vase with a neck, or a straight cylinder; both hollow."""
    shape = pick(rng, SHAPES["vase"], shape)
    r, h = _u(rng, 0.05, 0.1), _u(rng, 0.18, 0.4)
    if shape == "cylinder":
        return Model("vase", [_hollow(r, r, h, 0.005, 0.01)], 2 * r, 2 * r, h, False, shape=shape)
    profile = [(0, 0), (r * 0.6, 0), (r, h * 0.4), (r * 0.45, h * 0.8), (r * 0.6, h),
               (r * 0.6 - 0.005, h), (r * 0.45 - 0.005, h * 0.8), (r - 0.005, h * 0.4),
               (r * 0.6 - 0.005, 0.01), (0, 0.01)]  # fmt: skip
    return Model("vase", [lathe(profile, 18)], 2 * r, 2 * r, h, False, shape=shape)


def microwave(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A door with a window and a control panel with a dial, or a door with a bar handle."""
    shape = pick(rng, SHAPES["microwave"], shape)
    size = SIZES["microwave"]
    w, d, h = (_u(rng, *r) for r in (size.width, size.depth, size.height))
    face = d / 2 - 0.03
    parts = [
        rounded_box(-w / 2, w / 2, -d / 2, face, 0.0, h, 0.01),
        box(-w / 2 + 0.02, w / 2 - 0.14, face, face + 0.01, 0.03, h - 0.03),
        box(-w / 2 + 0.06, w / 2 - 0.2, face + 0.01, face + 0.012, 0.06, h - 0.06),
    ]
    if shape == "panel":
        parts.append(rod([w / 2 - 0.07, face, h / 2], [w / 2 - 0.07, d / 2, h / 2], 0.025, 12))
    else:
        parts.append(box(w / 2 - 0.165, w / 2 - 0.145, face + 0.01, d / 2, 0.06, h - 0.06))
    return Model("microwave", parts, w, d, h, True, shape=shape)


def kettle(rng: np.random.Generator, shape: str | None = None) -> Model:
    """An electric jug on its base (a side handle, a spout) or a round stovetop kettle (a
    handle over the top, a spout)."""
    shape = pick(rng, SHAPES["kettle"], shape)
    if shape == "electric":
        r, h = _u(rng, 0.07, 0.08), _u(rng, 0.22, 0.25)
        parts = [cylinder(r + 0.01, 0.0, 0.02, sections=16),
                 lathe([(0, 0.02), (r, 0.02), (r * 0.85, h), (0, h)], 16),
                 box(-r - 0.045, -r + 0.01, -0.012, 0.012, h * 0.25, h * 0.35),
                 box(-r - 0.045, -r + 0.01, -0.012, 0.012, h * 0.8, h * 0.9),
                 box(-r - 0.045, -r - 0.03, -0.012, 0.012, h * 0.35, h * 0.8),
                 rod([r * 0.8, 0.0, h * 0.8], [r + 0.03, 0.0, h * 0.92], 0.012)]  # fmt: skip
        return Model("kettle", [moved(p, [0.0075, 0.0, 0.0]) for p in parts],
                     2 * r + 0.09, 2 * r + 0.02, h, False, shape=shape)  # fmt: skip
    r, h = _u(rng, 0.09, 0.11), _u(rng, 0.18, 0.22)
    body = h - 0.07
    parts = [lathe([(0, 0), (r, 0), (r, body * 0.6), (r * 0.45, body), (0, body)], 18),
             box(-0.06, -0.05, -0.01, 0.01, body - 0.01, h),
             box(0.05, 0.06, -0.01, 0.01, body - 0.01, h),
             box(-0.06, 0.06, -0.01, 0.01, h - 0.012, h),
             rod([r * 0.8, 0.0, body * 0.35], [r + 0.035, 0.0, body * 0.8], 0.013)]  # fmt: skip
    return Model("kettle", [moved(p, [-0.02, 0.0, 0.0]) for p in parts], 2 * r + 0.09,
                 2 * r + 0.01, h, False, shape=shape)  # fmt: skip


def pillow(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A bed pillow (long, soft-edged) or a square cushion with a button."""
    shape = pick(rng, SHAPES["pillow"], shape)
    if shape == "bed pillow":
        w, d, t = _u(rng, 0.5, 0.66), _u(rng, 0.4, 0.5), _u(rng, 0.1, 0.15)
    else:
        w = _u(rng, 0.4, 0.5)
        d, t = w, _u(rng, 0.12, 0.16)
    parts = [rounded_box(-w / 2, w / 2, -d / 2, d / 2, 0.0, t, t * 0.35)]
    if shape == "cushion":  # a button sunk into the middle of its top
        parts.append(cylinder(0.02, t - 0.012, t, sections=10))
    return Model("pillow", parts, w, d, t, False, shape=shape)


def clock(rng: np.random.Generator, shape: str | None = None) -> Model:
    """An alarm clock (a rounded block, a face) or a round mantel clock on a plinth."""
    shape = pick(rng, SHAPES["clock"], shape)
    if shape == "alarm":
        w, h = _u(rng, 0.1, 0.16), _u(rng, 0.1, 0.14)
        parts = [rounded_box(-w / 2, w / 2, -0.03, 0.02, 0.0, h, 0.012),
                 rod([0.0, 0.02, h / 2], [0.0, 0.03, h / 2], min(w, h) * 0.38, 16)]  # fmt: skip
        return Model("clock", parts, w, 0.06, h, True, shape=shape)
    r = _u(rng, 0.06, 0.08)
    parts = [box(-r - 0.01, r + 0.01, -0.035, 0.035, 0.0, 0.02),
             rod([0.0, -0.025, r + 0.02], [0.0, 0.025, r + 0.02], r, 20)]  # fmt: skip
    return Model("clock", parts, 2 * r + 0.02, 0.07, 2 * r + 0.02, True, shape=shape)


def lamp(rng: np.random.Generator, small: bool, shape: str | None = None) -> Model:
    """A table lamp (``small``) or a floor lamp: a base, a stem and a drum or cone shade."""
    shape = pick(rng, SHAPES["lamp"], shape)
    if small:
        base, stem, shade, shade_h = (_u(rng, 0.06, 0.09), _u(rng, 0.2, 0.35), _u(rng, 0.1, 0.15),
                                      _u(rng, 0.14, 0.2))  # fmt: skip
    else:
        base, stem, shade, shade_h = (_u(rng, 0.12, 0.16), _u(rng, 1.2, 1.45), _u(rng, 0.17, 0.23),
                                      _u(rng, 0.22, 0.3))  # fmt: skip
    z0 = stem - shade_h * 0.3
    parts = [lathe([(0, 0), (base, 0), (base, 0.015), (base * 0.6, 0.035), (0, 0.035)], 16),
             cylinder(0.012, 0.035, stem, sections=8)]  # fmt: skip
    if shape == "drum shade":
        parts.append(_shade(shade, shade, z0, z0 + shade_h))
    else:
        parts.append(_shade(shade, shade * 0.55, z0, z0 + shade_h))
    size = 2 * max(base, shade)
    return Model("lamp", parts, size, size, z0 + shade_h, False, shape=shape)


def _shade(r0: float, r1: float, z0: float, z1: float) -> Part:
    """A lamp shade: a thin open tube from radius ``r0`` at ``z0`` to ``r1`` at ``z1``, closed
    as a solid by a thin disc across its top (the lamp's light fitting)."""
    t = 0.004
    return lathe([(0, z1 - t), (r1 - t, z1 - t), (r0 - t, z0), (r0, z0), (r1, z1), (0, z1)], 20)


def plant(rng: np.random.Generator, small: bool, shape: str | None = None) -> Model:
    """A potted plant: a bush (a rounded mass of leaves) or a tall one (a stem, two masses)."""
    shape = pick(rng, SHAPES["plant"], shape)
    if small:
        pot, pot_h, leaves_h = _u(rng, 0.06, 0.09), _u(rng, 0.1, 0.15), _u(rng, 0.12, 0.3)
    else:
        pot, pot_h, leaves_h = _u(rng, 0.12, 0.2), _u(rng, 0.25, 0.35), _u(rng, 0.4, 0.9)
    leaves = pot * _u(rng, 1.3, 1.8)
    parts = [_hollow(pot * 0.8, pot, pot_h, 0.008, pot_h * 0.15),
             cylinder(pot - 0.008, pot_h * 0.15, pot_h - 0.02, sections=16)]  # fmt: skip
    if shape == "bush":
        z0, z1 = pot_h - 0.02, pot_h + leaves_h
        parts.append(lathe([(0, z0), (leaves * 0.6, z0), (leaves, z0 + (z1 - z0) * 0.4),
                            (leaves * 0.7, z1 - 0.02), (0, z1)], 12))  # fmt: skip
        return Model("plant", parts, 2 * leaves, 2 * leaves, z1, False, shape=shape)
    top = pot_h + leaves_h * 1.3
    parts.append(cylinder(0.012, pot_h - 0.02, top - leaves_h * 0.3, sections=6))
    for z, r in ((pot_h + leaves_h * 0.35, leaves * 0.7), (pot_h + leaves_h * 0.8, leaves)):
        parts.append(
            lathe(
                [
                    (0, z),
                    (r * 0.7, z + 0.02),
                    (r, z + leaves_h * 0.25),
                    (r * 0.5, z + leaves_h * 0.5),
                    (0, z + leaves_h * 0.5),
                ],
                12,
            )
        )
    return Model("plant", parts, 2 * leaves, 2 * leaves, top, False, shape=shape)


def trash_can(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A round open bin with a rim, or a square pedal bin with a lid and a pedal."""
    shape = pick(rng, SHAPES["trash can"], shape)
    h = _u(rng, 0.3, 0.6)
    if shape == "round":
        r = _u(rng, 0.12, 0.19)
        profile = [(0, 0), (r * 0.85, 0), (r, h - 0.02), (r + 0.008, h - 0.02), (r + 0.008, h),
                   (r - 0.006, h), (r * 0.85 - 0.006, 0.012), (0, 0.012)]  # fmt: skip
        size = 2 * (r + 0.008)
        return Model("trash can", [lathe(profile, 20)], size, size, h, False, shape=shape)
    s = _u(rng, 0.22, 0.32)
    parts = [rounded_box(-s / 2, s / 2, -s / 2, s / 2 - 0.04, 0.0, h - 0.03, 0.02),
             rounded_box(-s / 2, s / 2, -s / 2, s / 2 - 0.04, h - 0.03, h, 0.01),
             box(-0.05, 0.05, s / 2 - 0.04, s / 2, 0.01, 0.03)]  # fmt: skip
    return Model("trash can", parts, s, s, h, False, shape=shape)


def picture(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A picture hung on a wall (its back at local y = -depth / 2, the wall): a frame round a
    recessed print, or a stretched canvas; landscape or portrait."""
    shape = pick(rng, SHAPES["picture"], shape)
    long, ratio = _u(rng, 0.42, 1.0), _u(rng, 0.7, 0.8)
    w, h = (long, long * ratio) if rng.random() < 0.6 else (long * ratio, long)
    if shape == "canvas":
        d = _u(rng, 0.03, 0.045)
        return Model("picture", [rounded_box(-w / 2, w / 2, -d / 2, d / 2, 0.0, h, 0.004)],
                     w, d, h, True, shape=shape)  # fmt: skip
    d, f = _u(rng, 0.02, 0.035), _u(rng, 0.025, 0.06)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, 0.0, f), box(-w / 2, w / 2, -d / 2, d / 2, h - f, h),
             box(-w / 2, -w / 2 + f, -d / 2, d / 2, f, h - f),
             box(w / 2 - f, w / 2, -d / 2, d / 2, f, h - f),
             box(-w / 2 + f, w / 2 - f, -d / 2, d / 2 - 0.01, f, h - f)]  # fmt: skip
    return Model("picture", parts, w, d, h, True, shape=shape)


def shelf(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A wall shelf (its back at local y = -depth / 2): a floating board, or a board on two
    brackets; things stand on its top."""
    shape = pick(rng, SHAPES["shelf"], shape)
    w, d, t = _u(rng, 0.4, 1.2), _u(rng, 0.15, 0.3), _u(rng, 0.02, 0.04)
    if shape == "floating":
        parts = [box(-w / 2, w / 2, -d / 2, d / 2, 0.0, t)]
        return Model("shelf", parts, w, d, t, True, [top(w, d, t, 0.01)], shape=shape)
    drop = _u(rng, 0.12, 0.18)
    parts = [box(-w / 2, w / 2, -d / 2, d / 2, drop, drop + t)]
    for sx in (-1, 1):
        x = sx * (w / 2 - 0.1)
        parts.append(box(x - 0.01, x + 0.01, -d / 2, -d / 2 + 0.015, 0.0, drop))
        parts.append(box(x - 0.01, x + 0.01, -d / 2 + 0.015, d / 2 - 0.03, drop - 0.02, drop))
    h = drop + t
    return Model("shelf", parts, w, d, h, True, [top(w, d, h, 0.01)], shape=shape)


def rug(rng: np.random.Generator, shape: str | None = None, small: bool = False) -> Model:
    """A rug on the floor: rectangular or round; ``small``: a bath mat (50 x 80 cm or a 60 cm
    round one)."""
    shape = pick(rng, SHAPES["rug"], shape)
    t = _u(rng, 0.006, 0.018)
    if shape == "round":
        r = _u(rng, 0.3, 0.35) if small else _u(rng, 0.4, 0.8)
        profile = [(0, 0), (r, 0), (r, t), (0, t)]
        return Model("rug", [lathe(profile, 24)], 2 * r, 2 * r, t, False, shape=shape)
    if small:
        w, d = _u(rng, 0.7, 0.9), _u(rng, 0.5, 0.6)
    else:
        w = _u(rng, 1.2, 2.3)
        d = min(w * _u(rng, 0.65, 0.75), 1.6)
    parts = [rounded_box(-w / 2, w / 2, -d / 2, d / 2, 0.0, t, 0.003)]
    return Model("rug", parts, w, d, t, False, shape=shape)


def laundry_basket(rng: np.random.Generator, shape: str | None = None) -> Model:
    """A round hamper with a lid, or a square one with a lid and two handles."""
    shape = pick(rng, SHAPES["laundry basket"], shape)
    h = _u(rng, 0.45, 0.62)
    if shape == "round":
        r = _u(rng, 0.18, 0.22)
        profile = [(0, 0), (r * 0.9, 0), (r, h - 0.03), (r + 0.01, h - 0.03), (r + 0.01, h),
                   (0, h)]  # fmt: skip
        size = 2 * (r + 0.01)
        return Model("laundry basket", [lathe(profile, 20)], size, size, h, False, shape=shape)
    w, d = _u(rng, 0.38, 0.5), _u(rng, 0.3, 0.38)
    parts = [rounded_box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2, d / 2, 0.0, h - 0.03, 0.01),
             rounded_box(-w / 2 + 0.02, w / 2 - 0.02, -d / 2, d / 2, h - 0.03, h, 0.008),
             box(-w / 2, -w / 2 + 0.02, -0.05, 0.05, h - 0.12, h - 0.09),
             box(w / 2 - 0.02, w / 2, -0.05, 0.05, h - 0.12, h - 0.09)]  # fmt: skip
    return Model("laundry basket", parts, w, d, h, False, shape=shape)
