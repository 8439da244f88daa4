"""A top-down map of a Scene, to check a conversion at a glance.

Drawn with PIL, world +x to the right and +y up: the room footprint (else the floor),
structure (walls grey, doors brown, windows blue), every object's gravity-aligned
minimum-area box with ``category #id`` and a line to a dot for its front, annotated boxes
dashed, each trajectory's camera path with view directions, and a 1 m bar.

``draw_plan`` draws the same floor, structure and objects (plain, unlabelled) in any square
window of the floor with any axes (``PlanWindow``), for pictures that put their own marks on a
known pixel grid: the preview's cognitive maps and moved objects.
"""

from __future__ import annotations

import colorsys
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from shapely.geometry import MultiPoint

from spatialqa.scenes.scene import Scene

__all__ = ["PlanWindow", "dashed_line", "draw_plan", "render_top_down", "save_top_down"]

MAX_SIDE = 1200
MARGIN = 40
STRUCTURE_COLORS = {"wall": (120, 120, 120), "door": (150, 100, 50), "window": (120, 190, 230)}
TRAJECTORY_COLORS = [(220, 40, 40), (30, 110, 220), (30, 160, 60), (200, 120, 0), (150, 50, 180)]


def _category_color(category: str) -> tuple[int, int, int]:
    hue = hashlib.blake2b(category.encode(), digest_size=2).digest()
    r, g, b = colorsys.hsv_to_rgb(int.from_bytes(hue, "big") / 65536, 0.55, 0.85)
    return int(r * 255), int(g * 255), int(b * 255)


def render_top_down(scene: Scene) -> Image.Image:
    """The map as an RGB image, at most ``MAX_SIDE`` pixels on its longer side."""
    points = [obj.vertices[:, :2] for obj in scene.objects]
    points += [o.annotated_box.corners[:, :2] for o in scene.objects if o.annotated_box]
    points += [p.mesh.vertices[:, :2] for p in scene.structure if p.category != "ceiling"]
    if scene.room is not None:
        points.append(scene.room.footprint)
    points += [np.array([f.center[:2] for f in t.frames]) for t in scene.trajectories]
    xy = np.concatenate(points)
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(high - low, 1e-6)
    scale = (MAX_SIDE - 2 * MARGIN) / span.max()
    width, height = (np.ceil(span * scale) + 2 * MARGIN).astype(int)

    def px(p) -> list[tuple[float, float]]:
        p = np.atleast_2d(np.asarray(p, dtype=np.float64))[:, :2]
        u = MARGIN + (p[:, 0] - low[0]) * scale
        v = height - MARGIN - (p[:, 1] - low[1]) * scale
        return list(zip(u.tolist(), v.tolist(), strict=True))

    image = Image.new("RGB", (int(width), int(height)), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    _draw_floor(draw, scene, px)
    order = sorted(scene.objects, key=lambda o: float(o.vertices[:, 2].max()))
    for obj in order:  # higher objects last, so things on tables are drawn over them
        color = obj.color or _category_color(obj.category)
        rect = MultiPoint(obj.vertices[:, :2]).minimum_rotated_rectangle
        corners = np.asarray(getattr(rect, "exterior", rect).coords)
        draw.polygon(px(corners), fill=(*color,), outline=(0, 0, 0))
        center = np.asarray(rect.centroid.coords)[0]
        if obj.front is not None:  # a line to a dot: the way the front faces
            tip = center + 0.35 * obj.front[:2]
            draw.line(px([center, tip]), fill=(0, 0, 0), width=2)
            u, v = px(tip)[0]
            draw.ellipse([u - 3, v - 3, u + 3, v + 3], fill=(0, 0, 0))
        if obj.annotated_box is not None:
            box = obj.annotated_box.corners[[0, 2, 6, 4, 0]]  # z = -1 face, in order
            outline = px(box)
            for a, b in pairwise(outline):
                dashed_line(draw, a, b, (200, 0, 120))
    for obj in order:
        rect = MultiPoint(obj.vertices[:, :2]).minimum_rotated_rectangle
        u, v = px(np.asarray(rect.centroid.coords))[0]
        label = f"{obj.category} #{obj.id}"
        box = draw.textbbox((u, v), label, font=font, anchor="mm")
        draw.rectangle(box, fill=(255, 255, 255))
        draw.text((u, v), label, fill=(0, 0, 0), font=font, anchor="mm")
    for number, trajectory in enumerate(scene.trajectories):
        color = TRAJECTORY_COLORS[number % len(TRAJECTORY_COLORS)]
        centers = np.array([f.center for f in trajectory.frames])
        if len(centers) > 1:
            draw.line(px(centers), fill=color, width=2)
        step = max(1, len(centers) // 12)
        for frame in trajectory.frames[::step]:
            forward = frame.pose[:3, 2]
            tip = frame.center[:2] + 0.4 * forward[:2]
            draw.line(px([frame.center[:2], tip]), fill=color, width=1)
            u, v = px(frame.center)[0]
            draw.ellipse([u - 3, v - 3, u + 3, v + 3], fill=color)
        u, v = px(centers[0])[0]
        draw.rectangle([u - 5, v - 5, u + 5, v + 5], outline=color, width=2)
        draw.text((10, 10 + 14 * number), f"{trajectory.name} ({len(centers)} frames)", fill=color)
    bar = scale * 1.0
    draw.line([(MARGIN, height - 15), (MARGIN + bar, height - 15)], fill=(0, 0, 0), width=3)
    draw.text((MARGIN + bar + 6, height - 21), "1 m", fill=(0, 0, 0))
    draw.text((width - 10, 10), scene.scene_id, fill=(0, 0, 0), anchor="ra")
    return image


def _draw_floor(draw: ImageDraw.ImageDraw, scene: Scene, px) -> None:
    """The room footprint (else a scan's floor faces) and the structure but floor and ceiling
    (walls, doors, windows), through ``px``: world points -> pixel tuples."""
    if scene.room is not None:
        draw.polygon(px(scene.room.footprint), fill=(238, 238, 232), outline=(60, 60, 60), width=3)
    else:  # a scan: its floor shows the extent
        for part in (p for p in scene.structure if p.category == "floor"):
            for face in part.mesh.faces:
                draw.polygon(px(part.mesh.vertices[face]), fill=(238, 238, 232))
    for part in scene.structure:
        if part.category in ("floor", "ceiling"):
            continue
        fill = STRUCTURE_COLORS.get(part.category, (200, 200, 200))
        for face in part.mesh.faces:
            draw.polygon(px(part.mesh.vertices[face]), fill=fill)


@dataclass(frozen=True)
class PlanWindow:
    """A square of the floor as a picture. A world point's (r, f) are its coordinates along
    ``right`` and ``up`` (unit vectors of world XY); the square [r_min, r_min + side] x
    [f_max - side, f_max] (metres) fills ``size`` pixels, ``margin`` pixels around it:
    u = margin + size (r - r_min) / side, v = margin + size (f_max - f) / side, so (r_min,
    f_max) is the pixel corner (margin, margin) and ``up`` points up the picture."""

    right: tuple[float, float]
    up: tuple[float, float]
    r_min: float
    f_max: float
    side: float
    size: int = 480
    margin: int = 28

    @property
    def extent(self) -> int:
        """The picture's width and height, pixels."""
        return self.size + 2 * self.margin

    @property
    def scale(self) -> float:
        """Pixels per metre."""
        return self.size / self.side

    def uv(self, points: Iterable) -> np.ndarray:
        """Pixel coordinates (n, 2) of world points (n, >= 2; z ignored)."""
        xy = np.atleast_2d(np.asarray(points, dtype=np.float64))[:, :2]
        r, f = xy @ np.asarray(self.right), xy @ np.asarray(self.up)
        return np.column_stack(
            [
                self.margin + (r - self.r_min) * self.scale,
                self.margin + (self.f_max - f) * self.scale,
            ]
        )

    def px(self, points: Iterable) -> list[tuple[float, float]]:
        """``uv`` as the tuples PIL draws."""
        return [(float(u), float(v)) for u, v in self.uv(points)]


def draw_plan(scene: Scene | None, window: PlanWindow, skip: Iterable[int] = ()) -> Image.Image:
    """The floor in ``window``: footprint, structure and every object but ``skip`` as its
    gravity-aligned minimum-area box (light grey, outlined), no labels; a blank floor square
    without a scene. Objects are drawn lowest first, as ``render_top_down`` draws them."""
    image = Image.new("RGB", (window.extent, window.extent), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    if scene is None:
        corner = window.margin + window.size
        draw.rectangle([window.margin, window.margin, corner, corner], fill=(238, 238, 232))
        return image
    _draw_floor(draw, scene, window.px)
    skipped = set(skip)
    shown = [obj for obj in scene.objects if obj.id not in skipped]
    for obj in sorted(shown, key=lambda o: float(o.vertices[:, 2].max())):
        rect = MultiPoint(obj.vertices[:, :2]).minimum_rotated_rectangle
        corners = np.asarray(getattr(rect, "exterior", rect).coords)
        draw.polygon(window.px(corners), fill=(214, 214, 210), outline=(120, 120, 120))
    return image


def dashed_line(draw: ImageDraw.ImageDraw, a, b, color, dash: float = 6.0) -> None:
    """A 2 px line from pixel ``a`` to ``b`` drawn in ``dash`` pixel pieces, every other one:
    an outline that reads as "not here any more" or "annotated", beside solid ones."""
    a, b = np.asarray(a), np.asarray(b)
    length = float(np.linalg.norm(b - a))
    steps = max(1, int(length // dash))
    for k in range(0, steps, 2):
        s, e = a + (b - a) * k / steps, a + (b - a) * min(k + 1, steps) / steps
        draw.line([tuple(s), tuple(e)], fill=color, width=2)


def save_top_down(scene: Scene, path: str | os.PathLike[str]) -> Path:
    """Write the map as a PNG (deterministic bytes for the same scene)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    render_top_down(scene).save(path, format="PNG")
    return path
