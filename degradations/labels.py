"""2D labels kept right: where a degradation moved pixels, and the same move for every label.

Coordinates are those of the camera's projection (OpenCV): a point at camera coordinates X
lands at ``K X / X_z``, and pixel (u, v) is centred at the integer point (u, v), covering
[u - 0.5, u + 0.5] x [v - 0.5, v + 0.5]. The renderers and the oracle both sample pixel (u, v)
there, and the oracle's boxes enclose the pixels' squares. So labels, ``Frame.K`` and a
:class:`PixelMap` share one coordinate system, with no shift; the image spans
[-0.5, W - 0.5] x [-0.5, H - 0.5].
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

PointMap = Callable[[np.ndarray], np.ndarray]
"""(n, 2) float64 pixel coordinates (x, y) -> (n, 2) float64 pixel coordinates."""

NORMALISED = 1000
"""Box and point answers are integers 0..1000 of the image's width and height."""
EDGE_STEP_PX = 0.25
"""Spacing of the samples along a box's outline: a curved edge bulges between samples by far
less than a pixel at this spacing."""


@dataclass(frozen=True, eq=False)
class PixelMap:
    """Where pixels went: ``forward`` maps source pixels to output pixels (labels), ``inverse``
    maps output pixels back to source pixels (resampling the image and masks).

    Attributes
    ----------
    forward, inverse : callable
        (n, 2) float64 (x, y) -> (n, 2) float64 (x, y); NaN where a point has no image.
    size : (width, height)
        Of the output image.
    """

    forward: PointMap
    inverse: PointMap
    size: tuple[int, int]

    def points(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) source pixel coordinates -> (n, 2) output pixel coordinates."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return self.forward(xy)

    def box(self, box: np.ndarray) -> np.ndarray | None:
        """The box enclosing the moved outline of ``box`` (sampled densely along its edges),
        clipped to the image [-0.5, W - 0.5] x [-0.5, H - 0.5]; None when nothing of it lands
        inside.

        For a continuous, one-to-one move the enclosing box of the outline's image is the
        enclosing box of the whole moved region, so every moved pixel inside stays inside.
        """
        x1, y1, x2, y2 = (float(c) for c in box)
        n = max(2, int(np.ceil(max(x2 - x1, y2 - y1) / EDGE_STEP_PX)) + 1)
        xs, ys = np.linspace(x1, x2, n), np.linspace(y1, y2, n)
        outline = np.concatenate(
            [
                np.column_stack([xs, np.full(n, y1)]),
                np.column_stack([xs, np.full(n, y2)]),
                np.column_stack([np.full(n, x1), ys]),
                np.column_stack([np.full(n, x2), ys]),
            ]
        )
        moved = self.points(outline)
        moved = moved[np.all(np.isfinite(moved), axis=1)]
        if len(moved) == 0:
            return None
        width, height = self.size
        low = np.maximum(moved.min(axis=0), -0.5)
        high = np.minimum(moved.max(axis=0), [width - 0.5, height - 0.5])
        if np.any(high < low):
            return None
        return np.array([low[0], low[1], high[0], high[1]])

    def sample_grid(self) -> np.ndarray:
        """Source coordinates of every output pixel, (height, width, 2) float64 (x, y)."""
        width, height = self.size
        v, u = np.mgrid[0:height, 0:width].astype(np.float64)
        return self.inverse(np.column_stack([u.ravel(), v.ravel()])).reshape(height, width, 2)

    def mask(self, mask: np.ndarray, fill: int = 0) -> np.ndarray:
        """Move a label mask (any integer or bool dtype) with nearest-pixel sampling."""
        mask = np.asarray(mask)
        return resample(mask, self.sample_grid(), order=0, fill=fill).astype(mask.dtype)

    def image(self, image: np.ndarray) -> np.ndarray:
        """Move an (H, W, 3) uint8 image with bilinear sampling; black where nothing maps."""
        return np.rint(resample(image, self.sample_grid(), order=1, fill=0)).astype(np.uint8)


def rescale(source: tuple[int, int], size: tuple[int, int]) -> PixelMap:
    """The same camera seen at another image size: ``x' = (x + 0.5) * size / source - 0.5``
    per axis (the image's edges scale, pixel centres sit at integers), as ``Frame.resized``
    scales ``Frame.K``."""
    scale = np.array(size, dtype=np.float64) / np.array(source, dtype=np.float64)
    return PixelMap(
        forward=lambda xy: (xy + 0.5) * scale - 0.5,
        inverse=lambda xy: (xy + 0.5) / scale - 0.5,
        size=(int(size[0]), int(size[1])),
    )


def compose(first: PixelMap, then: PixelMap | None) -> PixelMap:
    """``first`` followed by ``then`` (None: nothing more)."""
    if then is None:
        return first
    return PixelMap(
        forward=lambda xy: then.forward(first.forward(xy)),
        inverse=lambda xy: first.inverse(then.inverse(xy)),
        size=then.size,
    )


def resample(array: np.ndarray, grid: np.ndarray, order: int, fill: float = 0) -> np.ndarray:
    """Sample a 2D (or 2D x channels) ``array`` at ``grid`` (H', W', 2) (x, y) coordinates."""
    finite = np.all(np.isfinite(grid), axis=-1)
    coords = np.where(finite[..., None], grid, -1e6)
    rows, columns = coords[..., 1], coords[..., 0]
    source = array.astype(np.float64)
    channels = [source] if source.ndim == 2 else [source[..., c] for c in range(source.shape[2])]
    out = [
        ndimage.map_coordinates(c, [rows, columns], order=order, mode="constant", cval=fill)
        for c in channels
    ]
    return out[0] if source.ndim == 2 else np.stack(out, axis=-1)


def mask_box(mask: np.ndarray) -> np.ndarray | None:
    """The box [x1, y1, x2, y2] of a boolean mask's pixel centres; None when it is empty."""
    rows, columns = np.nonzero(mask)
    if rows.size == 0:
        return None
    return np.array([columns.min(), rows.min(), columns.max(), rows.max()], dtype=np.float64)


def move_labels(labels: dict[str, Any], transform: PixelMap) -> dict[str, Any]:
    """Labels ``{"boxes": {id: [x1, y1, x2, y2]}, "points": {id: [x, y]}}`` moved by
    ``transform``; other keys are kept. A box that leaves
    the image entirely is dropped; a point with no image is dropped, one that lands outside
    is kept (it says where the object went)."""
    moved: dict[str, Any] = {}
    for key, value in labels.items():
        if key == "boxes":
            boxes = {}
            for name, box in value.items():
                new = transform.box(np.asarray(box, dtype=np.float64))
                if new is not None:
                    boxes[name] = [round(float(c), 2) for c in new]
            moved[key] = boxes
        elif key == "points":
            points = {}
            for name, point in value.items():
                new = transform.points(np.asarray(point, dtype=np.float64))[0]
                if np.all(np.isfinite(new)):
                    points[name] = [round(float(c), 2) for c in new]
            moved[key] = points
        else:
            moved[key] = value
    return moved


def normalised(coords: list[float], width: int, height: int) -> str:
    """Pixel coordinates (x, y, x, y, ...) as "[x1, y1, ...]": integers 0..1000 of the image
    (its edges -0.5 and W - 0.5 are 0 and 1000), rounded half up (as ``oracle.in_view`` answers
    them)."""
    scale = [NORMALISED / width, NORMALISED / height] * (len(coords) // 2)
    values = [
        int(np.clip(np.floor((c + 0.5) * s + 0.5), 0, NORMALISED))
        for c, s in zip(coords, scale, strict=True)
    ]
    return "[" + ", ".join(str(v) for v in values) + "]"


def relabel(
    labels: str,
    transform: PixelMap,
    answer_type: str,
    answer: str,
    referents: list[str],
) -> tuple[str, str]:
    """A sample's labels (JSON) and answer after ``transform``.

    For a ``box`` or ``point`` answer, the answer is recomputed from the moved label of the
    first of ``referents`` (instance ids, as strings) that has one, normalised to 0..1000 of
    the output image; other answers are returned as they are.
    """
    moved = move_labels(json.loads(labels), transform)
    kind = {"box": "boxes", "point": "points"}.get(answer_type)
    if kind is not None:
        found = moved.get(kind, {})
        named = [key for key in referents if key in found] or sorted(found)
        if named:
            answer = normalised(found[named[0]], *transform.size)
    return json.dumps(moved, sort_keys=True), answer
