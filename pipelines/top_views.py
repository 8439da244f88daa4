"""Top views of the room under a preview card: the true cognitive map over the room, and
objects before and after a move (``spatialqa preview``; the room drawn by
``scenes.show.draw_plan``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from shapely.geometry import MultiPoint

from spatialqa.errors import SpatialQAError
from spatialqa.scenes.show import PlanWindow, dashed_line, draw_plan

MAP_PX = 480
"""About how many pixels a top view's square of floor spans (a whole number per map cell)."""
PLAN_MARGIN = 28
PLAN_FONT_PX = 12
ALPHA = 115
"""Opacity (of 255) of a map cell's or a moved footprint's fill: the room shows through."""
GREY = (110, 110, 110)


@dataclass
class Plan:
    """A top view of the room below a card's strip: ``map`` (the row's true map) or ``moved``
    (objects before and after a move); ``drawn`` records each thing in its pixels."""

    kind: str
    file: str
    caption: str
    drawn: list[dict]
    window: PlanWindow
    grid: int | None = None


def _floats(value: Any, count: int, field: str) -> list[float]:
    numbers = isinstance(value, list) and len(value) == count
    if not (numbers and all(isinstance(v, (int, float)) and np.isfinite(v) for v in value)):
        raise SpatialQAError(f"labels.map.{field}: expected {count} finite numbers (got {value!r})")
    return [float(v) for v in value]


def map_window(convention: dict) -> tuple[PlanWindow, int]:
    """The top view of a ``labels["map"]`` convention: its square (``r_min``, ``f_max``,
    ``side`` along ``right`` and ``up``) on a whole number of pixels a cell, ``MAP_PX // N``;
    and its grid N. SpatialQAError naming the field when one is missing or malformed."""
    grid = convention.get("grid")
    if not isinstance(grid, int) or grid < 1:
        raise SpatialQAError(f"labels.map.grid: expected a positive integer (got {grid!r})")
    right = _floats(convention.get("right"), 2, "right")
    up = _floats(convention.get("up"), 2, "up")
    r_min, f_max, side = (_floats([convention.get(k)], 1, k)[0] for k in ("r_min", "f_max", "side"))
    if side <= 0:
        raise SpatialQAError(f"labels.map.side: must be positive (got {side})")
    cell = max(8, MAP_PX // grid)
    return PlanWindow(tuple(right), tuple(up), r_min, f_max, side, cell * grid, PLAN_MARGIN), grid


def map_plan(
    scene: Any,
    convention: dict,
    order: list[int],
    colours: dict[str, tuple[int, int, int]],
    name: Callable[[int], str],
    category: Callable[[int], str],
    first_view: str | None,
) -> tuple[Image.Image, list[dict], PlanWindow, int]:
    """The true map of ``convention`` (``labels["map"]``) over ``scene``'s top view (None: a
    blank floor): cell (x, y) is the square of pixels from (margin + x c, margin + y c), c
    pixels a side, filled in each of its instances' colours (stripes, in ``order``), outlined,
    tagged with its instances' categories; a dot at each instance's exact (unclipped) centre;
    the grid; the first view's camera with its heading when the scene is known."""
    window, grid = map_window(convention)
    cell = window.size // grid
    margin = window.margin
    continuous = convention.get("continuous")
    continuous = continuous if isinstance(continuous, dict) else {}
    ids = [i for i in order if str(i) in continuous]
    ids += sorted(int(k) for k in continuous if k.lstrip("-").isdigit() and int(k) not in ids)
    centre = {i: _floats(continuous[str(i)], 2, f"continuous.{i}") for i in ids}
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in ids:
        x, y = (min(max(int(np.floor(c)), 0), grid - 1) for c in centre[i])
        cells[(x, y)].append(i)
    picture = draw_plan(scene, window).convert("RGBA")
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(layer)
    stripes: dict[int, list[int]] = {}
    for (x, y), inside_ids in cells.items():
        u0, v0 = margin + x * cell, margin + y * cell
        for k, i in enumerate(inside_ids):
            a = u0 + round(k * cell / len(inside_ids))
            b = u0 + round((k + 1) * cell / len(inside_ids))
            stripes[i] = [a, v0, b, v0 + cell]
            pen.rectangle([a, v0, b - 1, v0 + cell - 1], fill=(*colours[str(i)], ALPHA))
    picture = Image.alpha_composite(picture, layer).convert("RGB")
    pen = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=PLAN_FONT_PX)
    end = margin + window.size
    for k in range(grid + 1):
        line = margin + k * cell
        pen.line([(line, margin), (line, end)], fill=(90, 90, 90), width=1)
        pen.line([(margin, line), (end, line)], fill=(90, 90, 90), width=1)
    for k in range(grid):
        middle = margin + (k + 0.5) * cell
        pen.text((middle, margin / 2), str(k), fill=(80, 80, 80), font=font, anchor="mm")
        pen.text((margin / 2, middle), str(k), fill=(80, 80, 80), font=font, anchor="mm")
    for i, (a, v0, b, v1) in stripes.items():
        pen.rectangle([a, v0, b - 1, v1 - 1], outline=colours[str(i)], width=2)
    drawn = []
    for i in ids:
        u, v = (margin + c * cell for c in centre[i])
        pen.ellipse([u - 4, v - 4, u + 4, v + 4], fill=colours[str(i)], outline=(0, 0, 0))
        drawn.append(
            {
                "key": str(i),
                "kind": "cell",
                "cell": [(stripes[i][0] - margin) // cell, (stripes[i][1] - margin) // cell],
                "xy": stripes[i],
                "centre": [round(u, 2), round(v, 2)],
                "colour": list(colours[str(i)]),
                "text": name(i),
            }
        )
    for (x, y), inside_ids in cells.items():
        words = ", ".join(dict.fromkeys(category(i) for i in inside_ids))
        _plan_tag(pen, font, words, (margin + x * cell + 3, margin + y * cell + 3), picture.size)
    if scene is not None and first_view is not None:
        drawn.append(_camera(pen, font, window, scene.frame(first_view), first_view))
    return picture, drawn, window, grid


def moved_plan(
    scene: Any,
    views: list[str],
    named: list[int],
    colours: dict[str, tuple[int, int, int]],
    name: Callable[[int], str],
) -> tuple[Image.Image, list[dict], PlanWindow, str] | None:
    """The room's top view when the first and last views see ``scene`` in two states and a
    ``named`` instance moved between them (None otherwise): the room at the last view's time,
    every moved object's footprint (its box, ``oracle.movement.box_at``) at the first view's
    time dashed and at the last's filled, an arrow between the box centres tagged with the
    floor distance; named objects that stayed outlined; both cameras. The window is the
    ``first_view`` map's square of the room (``world`` when the first camera looks straight
    down), so left and right on the picture are the first camera's."""
    if scene is None or not scene.moves or len(views) < 2:
        return None
    from spatialqa.oracle.maps import map_transform
    from spatialqa.oracle.movement import STILL_M, box_at, motion_between
    from spatialqa.oracle.viewer import has_heading

    first, last = views[0], views[-1]
    t1, t2 = scene.frame(first).t, scene.frame(last).t
    if scene.state_key(t1) == scene.state_key(t2):
        return None
    motions = {o.id: motion_between(scene, o.id, first, last) for o in scene.objects if o.motion}
    moved = [i for i, m in motions.items() if m["corner_move_m"] >= STILL_M]
    if not set(moved) & set(named):
        return None
    axes = "first_view" if has_heading(scene.frame(first)) else "world"
    t = map_transform(scene.at(t1), axes, first)
    window = PlanWindow(
        tuple(map(float, t.right)),
        tuple(map(float, t.up)),
        t.r_min,
        t.f_max,
        t.side,
        MAP_PX,
        PLAN_MARGIN,
    )
    picture = draw_plan(scene.at(t2), window, skip=moved).convert("RGBA")

    def footprint(instance: int, time: float) -> list[tuple[float, float]]:
        corners = box_at(scene, instance, time).corners[:, :2]
        hull = MultiPoint(corners).convex_hull
        return window.px(np.asarray(hull.exterior.coords))

    colour = {i: colours.get(str(i), GREY) for i in [*moved, *named]}
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    for i in moved:
        ImageDraw.Draw(layer).polygon(footprint(i, t2), fill=(*colour[i], ALPHA))
    picture = Image.alpha_composite(picture, layer).convert("RGB")
    pen = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=PLAN_FONT_PX)
    drawn = []
    for i in named:
        if i in moved or i not in {o.id for o in scene.objects}:
            continue
        outline = footprint(i, t2)
        pen.polygon(outline, outline=colour[i], width=2)
        drawn.append(
            {
                "key": str(i),
                "kind": "still",
                "xy": _rounded(outline),
                "colour": list(colour[i]),
                "text": name(i),
            }
        )
    for i in moved:
        before, after = footprint(i, t1), footprint(i, t2)
        pen.polygon(after, outline=colour[i], width=2)
        for a, b in pairwise(before):
            dashed_line(pen, a, b, colour[i])
        start, end = (window.px([motions[i][k]])[0] for k in ("centre_before_m", "centre_after_m"))
        _arrow(pen, start, end, colour[i])
        metres = motions[i]["displacement_m"]
        text = f"{name(i)}: {metres:.2f} m"
        _plan_tag(pen, font, text, (end[0] + 6, end[1] + 6), picture.size)
        drawn.append(
            {
                "key": str(i) if i in named else f"moved:{i}",
                "kind": "move",
                "before": _rounded(before),
                "after": _rounded(after),
                "from": [round(v, 2) for v in start],
                "to": [round(v, 2) for v in end],
                "metres": round(metres, 4),
                "colour": list(colour[i]),
                "text": text,
            }
        )
    for label, view in (("1", first), ("2", last)):
        drawn.append(_camera(pen, font, window, scene.frame(view), f"{label}: {view}"))
    shown = "; ".join(
        f"{name(i)} moved {motions[i]['displacement_m']:.2f} m" for i in moved if i in named
    )
    up = f"{first}'s heading up" if axes == "first_view" else "world +y up"
    caption = (
        f"top view ({up}): {shown}. Dashed: where it stood at {first} ({t1:.2f} s); filled: at "
        f"{last} ({t2:.2f} s); the arrow joins its box centres."
    )
    return picture, drawn, window, caption


def _rounded(points: list[tuple[float, float]]) -> list[list[float]]:
    return [[round(u, 2), round(v, 2)] for u, v in points]


def _arrow(pen: ImageDraw.ImageDraw, start, end, colour) -> None:
    """A 3 px line from ``start`` to ``end`` with a filled head at ``end`` (pixels)."""
    (u0, v0), (u1, v1) = start, end
    length = float(np.hypot(u1 - u0, v1 - v0))
    pen.line([start, end], fill=colour, width=3)
    if length < 1e-6:
        return
    du, dv = (u1 - u0) / length, (v1 - v0) / length
    head = min(12.0, length / 2)
    base = (u1 - head * du, v1 - head * dv)
    side = (-dv * head / 2, du * head / 2)
    pen.polygon(
        [end, (base[0] + side[0], base[1] + side[1]), (base[0] - side[0], base[1] - side[1])],
        fill=colour,
    )


def _camera(pen: ImageDraw.ImageDraw, font, window: PlanWindow, frame: Any, text: str) -> dict:
    """A camera on a top view: a dot, a 0.5 m line along its optical axis on the floor, and
    ``text`` beside it."""
    centre = np.asarray(frame.center, dtype=np.float64)[:2]
    forward = np.asarray(frame.pose, dtype=np.float64)[:2, 2]
    norm = float(np.hypot(*forward))
    tip = centre + (0.5 * forward / norm if norm > 1e-9 else 0.0)
    (u, v), (tu, tv) = window.px([centre, tip])
    pen.line([(u, v), (tu, tv)], fill=(30, 30, 30), width=2)
    pen.ellipse([u - 5, v - 5, u + 5, v + 5], fill=(30, 30, 30))
    _plan_tag(pen, font, text, (u + 7, v + 4), (window.extent, window.extent))
    return {"key": f"camera:{frame.id}", "kind": "camera", "xy": [round(u, 2), round(v, 2)]}


def _plan_tag(pen: ImageDraw.ImageDraw, font, text: str, anchor, size: tuple[int, int]) -> None:
    """Black text on a white tag whose top-left is ``anchor``, kept inside the picture."""
    width = pen.textlength(text, font=font) + 6
    high = PLAN_FONT_PX * 1.35
    x = min(max(anchor[0], 0.0), max(size[0] - width, 0.0))
    y = min(max(anchor[1], 0.0), max(size[1] - high, 0.0))
    pen.rectangle([x, y, x + width, y + high], fill=(255, 255, 255), outline=(60, 60, 60))
    pen.text((x + 3, y + 1), text, fill=(0, 0, 0), font=font)
