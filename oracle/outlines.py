"""Where an object can show in a frame, so that only those rays are traced.

Each object's projected bounding window on the padded image plane (the image and one image
size beyond each border, u in [-w, 2w), v in [-h, 2h)), the outline of its connected parts
inside it (a table's top and legs), and the samples of the padded plane beyond the border that
truncation is measured on. A pixel whose ray could hit an object lies inside its window and
its outline; the samples beyond the border keep to a grid centred on the image centre, so a
mirrored scene samples mirrored points.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from spatialqa.oracle.geometry import derived
from spatialqa.oracle.splats import object_splat_radius, splat_mesh
from spatialqa.scenes import Frame, Scene

_NEAR = 1e-4
"""Boxes are clipped to camera z >= this (m) before projecting their windows: a part nearer the
camera plane shows inside the image only within 0.1 mm of the camera centre."""
_OUTLINE_NEAR = 0.05
"""An object is cast inside its outline (:func:`_outline`), projected from its part at camera
z >= this (m), unless a part nearer the camera plane lies in front of the lens."""
_OUTLINE_MARGIN = 1.0
"""px an outline reaches beyond the projected hull, as the windows do at least, before the
allowance for float32 rounding."""
_MAX_PARTS = 16
"""Meshes of more connected parts than this are outlined by their whole hull."""
_LENS_MARGIN = 1e-4
"""m the box of the image's rays near the lens is grown by (float32 rounding: about 1e-6)."""
_OUTLINE_DIRECTIONS = np.stack(
    [np.cos(np.pi * (np.arange(1, 16) / 16 - 0.5)), np.sin(np.pi * (np.arange(1, 16) / 16 - 0.5))],
    axis=1,
)
"""Unit normals of an outline's sides, 15 angles in (-90, 90) degrees: with the window's rows,
a polygon about as tight as the projected convex hull, and one numpy pass for every row."""
_EDGES = np.array([(i, i | 1 << b) for i in range(8) for b in range(3) if not i & 1 << b])
"""The 12 edges of a box whose corner i has bit b set on axis b."""


def object_hulls(scene: Scene) -> list[np.ndarray]:
    """Convex-hull vertices (q, 3) of every object, splats included (cached).

    Windows come from these, not from world-axis boxes, so that they, and the stride of the
    samples beyond the border, do not change under a rigid motion of scene and cameras.
    """

    def compute() -> list[np.ndarray]:
        out = []
        for obj in scene.objects:
            try:
                hull = obj.vertices[ConvexHull(obj.vertices).vertices]
            except QhullError:  # flat, collinear or too few points: all of them
                hull = obj.vertices
            if obj.mesh is None:  # the splats around the hull's points hold every splat
                hull = splat_mesh(hull, object_splat_radius(scene, obj.id))[0]
            out.append(hull)
        return out

    return derived(scene).memo("visibility_hulls", None, compute)


def _parts(scene: Scene) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per object: the hull vertices of its connected parts, stacked ((q, 3) float64), and
    where each part starts ((p,) int64), cached. A table's top and legs, a chair's seat and
    legs: their hulls outline it much closer than one hull. Point clouds and meshes of more
    than _MAX_PARTS parts: one part, the object's hull (:func:`object_hulls`)."""

    def compute() -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for obj, hull in zip(scene.objects, object_hulls(scene), strict=True):
            pieces = [] if obj.mesh is None else obj.mesh.split(only_watertight=False)
            if not 1 < len(pieces) <= _MAX_PARTS:
                out.append((hull, np.zeros(1, dtype=np.int64)))
                continue
            hulls = []
            for piece in pieces:
                vertices = np.asarray(piece.vertices, dtype=np.float64)
                try:
                    vertices = vertices[ConvexHull(vertices).vertices]
                except QhullError:  # flat or too few points: all of them
                    pass
                hulls.append(vertices)
            starts = np.cumsum([0, *(len(h) for h in hulls[:-1])]).astype(np.int64)
            out.append((np.concatenate(hulls), starts))
        return out

    return derived(scene).memo("visibility_parts", None, compute)


def window_boxes(
    scene: Scene, frame: Frame
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray] | None]]:
    """Each object's projected bounding window on the padded plane, and its outline.

    Returns ``(boxes, outlines)``: boxes (k, 4) int64 [v0, v1, u0, u1], the rows v0..v1 - 1 and
    columns u0..u1 - 1 of the padded plane (u in [-w, 2w), v in [-h, 2h), shifted to start at
    0), empty where v0 >= v1 or u0 >= u1; outlines[i] from :func:`_outline`, None where a
    part of the object within _OUTLINE_NEAR of the camera plane lies before the lens (its
    window alone then tells where it may show).

    Only rays through its window can hit an object: with its hull in front of the camera, an
    object's image lies in the bounding rectangle of its projected hull vertices; one reaching
    behind the camera plane lies in its camera-axis box, clipped to z >= _NEAR and projected.
    A pixel centre outside the window lies at least 1 px from that rectangle.
    """
    width, height = frame.width, frame.height
    limit = 10.0 * (width + height)  # far beyond the padded plane, and safe to cast to int
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    boxes = np.zeros((len(scene.objects), 4), dtype=np.int64)
    outlines: list[tuple[np.ndarray, np.ndarray] | None] = []
    centre = float(np.abs(frame.center).max())
    for i, (hull, (points, starts)) in enumerate(
        zip(object_hulls(scene), _parts(scene), strict=True)
    ):
        front = frame.world_to_camera(hull)
        scale = float(np.abs(hull).max()) + centre
        if front[:, 2].min() < _OUTLINE_NEAR and _near_lens(front, frame):
            outlines.append(None)
        else:
            outlines.append(_outline(frame.world_to_camera(points), starts, scale, frame))
        if np.any(front[:, 2] < _NEAR):
            box = np.where(bits, front.max(axis=0), front.min(axis=0))
            front = _clipped(box)
            if len(front) == 0:
                continue
        uv = np.clip((front @ frame.K.T)[:, :2] / front[:, 2:], -limit, limit)
        u0, v0 = np.floor(uv.min(axis=0)).astype(int)
        u1, v1 = np.ceil(uv.max(axis=0)).astype(int) + 1
        boxes[i] = [
            max(v0 + height, 0),
            max(min(v1 + height, 3 * height), 0),
            max(u0 + width, 0),
            max(min(u1 + width, 3 * width), 0),
        ]
    return boxes, outlines


def _clipped(corners: np.ndarray) -> np.ndarray:
    """Vertices (q, 3) of the part of a box (corners (8, 3), camera coordinates) at z >= _NEAR:
    the corners in front and the points where its edges cross that plane."""
    a, b = corners[_EDGES[:, 0]], corners[_EDGES[:, 1]]
    crossing = (a[:, 2] - _NEAR) * (b[:, 2] - _NEAR) < 0
    a, b = a[crossing], b[crossing]
    cut = a + ((_NEAR - a[:, 2]) / (b[:, 2] - a[:, 2]))[:, None] * (b - a)
    return np.concatenate([corners[corners[:, 2] >= _NEAR], cut])


def _outline(
    front: np.ndarray, starts: np.ndarray, scale: float, frame: Frame
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (low, high), (p, m) each, of the object's parts along _OUTLINE_DIRECTIONS in
    the image: the image pixels whose rays can hit part j lie in the polygon low[j] <= d . x
    <= high[j] for every direction d. ``front``: the parts' hull vertices in camera
    coordinates, part j from ``starts[j]``; no part may lie before the lens
    (:func:`_near_lens`).

    A part's piece at z >= _OUTLINE_NEAR projects inside the hull of the projected vertices
    there and of the points where segments between vertices cross that plane; the nearer
    piece shows in no pixel. The bounds reach _OUTLINE_MARGIN beyond, plus how far float32
    rounding of the mesh and of the ray origin (of the coordinates up to ``scale``, m) can
    move a projected point.
    """
    if front[:, 2].min() < _OUTLINE_NEAR:
        pieces = []
        for part in np.split(front, starts[1:]):
            ahead = part[part[:, 2] >= _OUTLINE_NEAR]
            if len(ahead) < len(part):
                ahead = np.concatenate([ahead, _crossings(part, _OUTLINE_NEAR)])
            if len(ahead):
                pieces.append(ahead)
        if not pieces:
            empty = np.zeros((0, len(_OUTLINE_DIRECTIONS)))
            return empty, empty
        starts = np.cumsum([0, *(len(piece) for piece in pieces[:-1])]).astype(np.int64)
        front = np.concatenate(pieces)
    image = (front @ frame.K.T)[:, :2] / front[:, 2:]
    along = image @ _OUTLINE_DIRECTIONS.T
    offset = 2 * max(frame.K[0, 0], frame.K[1, 1]) + np.abs(image - frame.K[:2, 2]).sum(axis=1)
    reach = np.maximum.reduceat(offset / front[:, 2], starts) * scale * 2.0**-22
    margin = (_OUTLINE_MARGIN + reach)[:, None]
    return (
        np.minimum.reduceat(along, starts, axis=0) - margin,
        np.maximum.reduceat(along, starts, axis=0) + margin,
    )


def _crossings(points: np.ndarray, depth: float) -> np.ndarray:
    """(m, 3) points where the segments between ``points`` (camera coordinates) on either
    side of the plane z = ``depth`` cross it."""
    below, above = points[points[:, 2] < depth], points[points[:, 2] >= depth]
    share = (depth - below[:, None, 2]) / (above[None, :, 2] - below[:, None, 2])
    return (below[:, None] + share[..., None] * (above[None] - below[:, None])).reshape(-1, 3)


def _near_lens(front: np.ndarray, frame: Frame) -> bool:
    """Whether the bounding box of the hull's part at 0 <= z <= _OUTLINE_NEAR (``front``:
    hull vertices, camera coordinates) meets the box of the image's rays up to that depth."""
    z = front[:, 2]
    inside = front[(z >= 0) & (z <= _OUTLINE_NEAR)]
    near = np.concatenate([inside, _crossings(front, 0.0), _crossings(front, _OUTLINE_NEAR)])
    if not len(near):
        return False
    corners = np.array(
        [[u, v, 1.0] for u in (-1, frame.width) for v in (-1, frame.height)], dtype=np.float64
    )
    rays = _OUTLINE_NEAR * corners @ np.linalg.inv(frame.K).T
    low = np.minimum(rays.min(axis=0), 0.0) - _LENS_MARGIN
    high = np.maximum(rays.max(axis=0), 0.0) + _LENS_MARGIN
    return bool(np.all(near.max(axis=0) >= low) and np.all(near.min(axis=0) <= high))


def window_plane(boxes: np.ndarray, frame: Frame) -> np.ndarray:
    """(3 h, 3 w) bool over the padded plane: pixels inside some window of ``boxes``."""
    plane = np.zeros((3 * frame.height, 3 * frame.width), dtype=bool)
    for v0, v1, u0, u1 in boxes:
        plane[v0:v1, u0:u1] = True
    return plane


def windows(scene: Scene, frame: Frame) -> np.ndarray:
    """(3 h, 3 w) bool over the padded plane (u in [-w, 2w), v in [-h, 2h)): pixels inside
    some object's projected bounding window (see :func:`window_boxes`)."""
    return window_plane(window_boxes(scene, frame)[0], frame)


def padded_samples(plane: np.ndarray, frame: Frame, budget: int) -> tuple[np.ndarray, int]:
    """((q, 2) padded-plane pixels (u, v) outside the image to cast, in raster order, and
    their stride): the window pixels of ``plane`` outside the image on a grid of the stride
    that keeps them within ``budget``. Clears the image part of ``plane``."""
    width, height = frame.width, frame.height
    plane[height : 2 * height, width : 2 * width] = False
    count = int(np.count_nonzero(plane))
    stride = max(1, int(np.ceil(np.sqrt(count / budget)))) if count else 1
    u, v = (_centred_grid(size, stride) for size in (width, height))
    u, v = np.meshgrid(u, v)
    u, v = u.ravel(), v.ravel()
    outside = (u < -0.5) | (u > width - 0.5) | (v < -0.5) | (v > height - 0.5)
    u, v = u[outside], v[outside]
    # A sample is kept when a plane pixel next to it is in a window: floor and ceil together,
    # so that the kept set maps onto itself under a mirror of the image, as the grid does.
    rows = [(np.floor(v) + height).astype(int), (np.ceil(v) + height).astype(int)]
    cols = [(np.floor(u) + width).astype(int), (np.ceil(u) + width).astype(int)]
    keep = np.zeros(len(u), dtype=bool)
    for row in rows:
        for col in cols:
            keep |= plane[row, col]
    return np.stack([u[keep], v[keep]], axis=1), stride


def _centred_grid(size: int, stride: int) -> np.ndarray:
    """Coordinates ``c + stride * j`` within the padded plane [-size, 2 size - 1], a grid
    symmetric about the image centre (size - 1) / 2, so a mirrored scene samples mirrored
    points. ``c`` is a pixel centre (an integer) whenever such a grid exists, so a stride of 1
    samples exactly the pixels."""
    centre = (size - 1) / 2
    if (size - 1) % 2 and stride % 2:
        centre += stride / 2
    steps = np.arange(-int((centre + size) // stride), int((2 * size - 1 - centre) // stride) + 1)
    return centre + stride * steps


def outline_rows(
    box: np.ndarray, outline: tuple[np.ndarray, np.ndarray] | None, width: int, height: int
) -> tuple[int, np.ndarray, np.ndarray] | None:
    """The image pixels whose rays are cast against one object: (first row, (p, r) first and
    (p, r) last column of each part's pixels in each row, inclusive; first > last: none), or
    None.

    Its window, narrowed where the outline is known (:func:`_outline`) to the polygons of
    its parts: the rays of the pixels left out pass at least _OUTLINE_MARGIN from its image.
    """
    v0, v1, u0, u1 = (int(x) for x in box)
    top, bottom = max(v0 - height, 0), min(v1 - height, height)
    left, right = max(u0 - width, 0), min(u1 - width, width)
    if top >= bottom or left >= right:
        return None
    if outline is None:
        first = np.full((1, bottom - top), left, dtype=np.int64)
        return top, first, np.full((1, bottom - top), right - 1, dtype=np.int64)
    low, high = outline
    if not len(low):
        return None
    cos, sin = _OUTLINE_DIRECTIONS[:, 0], _OUTLINE_DIRECTIONS[:, 1]
    across = np.arange(top, bottom, dtype=np.float64)[:, None] * sin  # (r, m)
    lowest = np.ceil(((low[:, None, :] - across) / cos).max(axis=2))
    highest = np.floor(((high[:, None, :] - across) / cos).min(axis=2))
    first = np.clip(lowest, left, right).astype(np.int64)
    return top, first, np.clip(highest, left - 1, right - 1).astype(np.int64)


def outline_mask(
    span: tuple[int, np.ndarray, np.ndarray] | None,
) -> tuple[int, int, np.ndarray] | None:
    """(top, left, bool block) of the pixels of :func:`outline_rows`, all parts together:
    block[r, c] holds image pixel (left + c, top + r); None where there is none."""
    if span is None:
        return None
    top, first, last = span
    left, right = int(first.min()), int(last.max()) + 1
    if left >= right:
        return None
    if len(first) == 1:
        columns = np.arange(left, right)
        return top, left, (columns >= first[0, :, None]) & (columns <= last[0, :, None])
    # Several parts: +1 where a part's span starts in a row, -1 after it ends; a pixel is in
    # the outline where the running sum along its row is positive (two passes over the
    # block, not three per part).
    width, rows = right - left, first.shape[1]
    steps = np.zeros((rows, width + 1), dtype=np.int32)
    spans = first <= last
    row = np.broadcast_to(np.arange(rows), first.shape)[spans]
    np.add.at(steps, (row, first[spans] - left), 1)
    np.add.at(steps, (row, last[spans] - left + 1), -1)
    return top, left, np.cumsum(steps[:, :width], axis=1) > 0
