"""Marks drawn on a delivered image: filled discs with a readable label (REF, A, B, ...).

A question that points at spots of an image (point correspondence) carries its marks as labels
(``labels["marks"]``: frame id -> ``[{"xy": [x, y], "label": "REF"}, ...]``, pixels of the
scene's own frame). They are moved with the frame's pixels (:func:`move_marks`) and drawn on the
image as delivered, after its degradation: a blur, haze or JPEG never softens them, and a lens
distortion carries them with the spot they mark.

Coordinates are OpenCV pixel coordinates (pixel (u, v) centred at the integer point (u, v)),
which are also Pillow's pixel indices, so a disc drawn at ``xy`` is centred on that pixel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from spatialqa.degradations.base import check_image
from spatialqa.degradations.labels import PixelMap, normalised
from spatialqa.errors import SpatialQAError

MARK_FILL = (255, 0, 255)
"""The disc's colour: a magenta no rendered room shows much of."""
MARK_RING = (255, 255, 255)
LABEL_TEXT = (255, 255, 255)
LABEL_BACK = (0, 0, 0)


def mark_radius(width: int, height: int) -> int:
    """The disc's radius in pixels: 1/48 of the shorter side (10 px at 640 x 480), >= 3."""
    return max(3, round(min(width, height) / 48))


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def draw_marks(image: np.ndarray, marks: Sequence[dict]) -> np.ndarray:
    """A copy of ``image`` (H, W, 3) uint8 with every mark drawn: a filled disc centred on the
    pixel nearest ``xy`` (so within half a pixel of it, the same shape everywhere) with a
    one-pixel white ring, and its ``label`` in white on black beside it (to the upper right,
    moved inside the image where it would leave it). A mark whose disc lies wholly outside
    the image is not drawn."""
    picture = Image.fromarray(check_image(image).copy(), mode="RGB")
    width, height = picture.size
    radius = mark_radius(width, height)
    font = _font(max(8, 2 * radius + 2))
    pen = ImageDraw.Draw(picture)
    for k, mark in enumerate(marks):
        x, y = (float(np.floor(c + 0.5)) for c in _xy(mark, k))  # the pixel nearest xy
        if x < -radius or y < -radius or x > width + radius or y > height + radius:
            continue
        pen.ellipse(
            [x - radius, y - radius, x + radius, y + radius],
            fill=MARK_FILL,
            outline=MARK_RING,
            width=1,
        )
        text = str(mark["label"])
        left, top, right, bottom = pen.textbbox((0, 0), text, font=font)
        pad = 2
        box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
        bx = x + radius + 1 if x + radius + 1 + box_w <= width else x - radius - 1 - box_w
        by = y - radius - box_h if y - radius - box_h >= 0 else y + radius
        bx = float(np.clip(bx, 0, max(width - box_w, 0)))
        by = float(np.clip(by, 0, max(height - box_h, 0)))
        pen.rectangle([bx, by, bx + box_w - 1, by + box_h - 1], fill=LABEL_BACK)
        pen.text((bx + pad - left, by + pad - top), text, font=font, fill=LABEL_TEXT)
    return np.asarray(picture, dtype=np.uint8)


def _xy(mark: dict, k: int) -> tuple[float, float]:
    try:
        x, y = (float(c) for c in mark["xy"])
    except (KeyError, TypeError, ValueError):
        raise SpatialQAError(f"labels.marks[{k}].xy: expected [x, y] (got {mark!r})") from None
    if "label" not in mark:
        raise SpatialQAError(f"labels.marks[{k}].label: missing")
    return x, y


def move_marks(marks: Sequence[dict], transform: PixelMap | None) -> list[dict]:
    """``marks`` moved to the delivered image through ``transform`` (None: they stay); a mark
    that has no image there (NaN) is dropped, one that lands outside is kept (it says where
    the spot went)."""
    if transform is None:
        return [dict(mark) for mark in marks]
    if not marks:
        return []
    moved = transform.points(np.array([_xy(mark, k) for k, mark in enumerate(marks)]))
    return [
        {**mark, "xy": [round(float(c), 2) for c in where]}
        for mark, where in zip(marks, moved, strict=True)
        if np.all(np.isfinite(where))
    ]


def move_view_labels(
    labels: dict, transforms: Mapping[str, PixelMap | None], question: str, answer: str
) -> tuple[dict, str, str]:
    """The per-view labels of a question about several frames moved to the delivered images,
    each view through its own ``transforms[view]`` (None or absent: it stays), with the
    question and answer that quote them.

    ``labels["marks"]`` (frame id -> marks) move with :func:`move_marks`. Each entry of
    ``labels["view_points"]`` (name -> ``{"view", "xy", "text"}``: a point written as
    ``text``, "[x, y]" in 0..1000 of its view) moves with its view, and its text is written
    again for the delivered image: the entry ``query`` is quoted in the question, the entry
    ``answer`` is the answer. Other keys are kept.

    Returns (labels, question, answer).
    """
    moved = dict(labels)
    if "marks" in labels:
        moved["marks"] = {
            view: move_marks(marks, transforms.get(view)) for view, marks in labels["marks"].items()
        }
    if "view_points" not in labels:
        return moved, question, answer
    points = {}
    for name, point in labels["view_points"].items():
        transform = transforms.get(point["view"])
        if transform is None:
            points[name] = dict(point)
            continue
        where = transform.points(np.asarray(point["xy"], dtype=np.float64))[0]
        if not np.all(np.isfinite(where)):
            raise SpatialQAError(
                f"labels.view_points.{name}: the point {point['xy']} has no image in the "
                f"delivered view {point['view']!r}"
            )
        text = normalised([float(c) for c in where], *transform.size)
        points[name] = {**point, "xy": [round(float(c), 2) for c in where], "text": text}
    moved["view_points"] = points
    if "query" in points:
        before = labels["view_points"]["query"]["text"]
        if before not in question:
            raise SpatialQAError(f"labels.view_points.query: {before} is not in the question")
        question = question.replace(before, points["query"]["text"], 1)
    if "answer" in points:
        answer = points["answer"]["text"]
    return moved, question, answer
