"""Object boxes: Open3D's minimal OBB, the axis-aligned box, the gravity-aligned OBB and the
dataset's annotated box (the sizes read off them are in ``size``)."""

from __future__ import annotations

import math

import numpy as np
import open3d as o3d
import trimesh
from scipy.spatial import ConvexHull, QhullError

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.oracle.geometry import derived
from spatialqa.scenes import OrientedBox, Scene

BOX_KINDS = ("minimal_obb", "aabb", "gravity_obb", "annotated")
MAX_HULL_VERTICES = 400
"""Above this many convex-hull vertices the minimal OBB's orientation is searched on a
decimated hull (see ``obb_of_points``); at or below it the box is exact."""
_REFINE_COSINE = np.cos(np.radians(10.0))
"""A decimated search is refined on the full hull's facets within 10 deg of the box's sides."""
_FLAT_RANK = 1e-12
_SCREEN_ABOVE = 12
"""Above this many distinct facet normals, boxes far from the least are screened out."""
_SCREEN = 1e-6
"""Relative margin of the screen: estimates and exact volumes differ by rounding only."""
_ALONG = 1e-9
"""Cosine under which a facet counts as parallel to a normal when finding the outline."""


def _right_handed(rotation: np.ndarray) -> np.ndarray:
    rotation = np.array(rotation, dtype=np.float64)
    if np.linalg.det(rotation) < 0:
        rotation[:, 2] = -rotation[:, 2]
    return rotation


def _flat_obb(points: np.ndarray) -> OrientedBox:
    """Box of points without a 3D hull: coplanar points get the minimum-area rectangle in their
    plane and zero thickness; collinear points (or a single point) a segment along their line."""
    mean = points.mean(axis=0)
    _, spread, axes = np.linalg.svd(points - mean, full_matrices=True)
    local = (points - mean) @ axes.T
    if len(spread) >= 2 and spread[1] > _FLAT_RANK * spread[0]:
        transform, _ = trimesh.bounds.oriented_bounds_2D(local[:, :2])
        back = np.linalg.inv(transform)  # rectangle frame -> plane coordinates
        turn = np.eye(3)
        turn[:2, :2] = back[:2, :2]
        axes = turn.T @ axes  # rows: the rectangle's sides, then the plane normal
        local = (points - mean) @ axes.T
    low, high = local.min(axis=0), local.max(axis=0)
    center = mean + ((low + high) / 2.0) @ axes
    return OrientedBox(center=center, extent=high - low, rotation=_right_handed(axes.T), flat=True)


def _polish(hull: np.ndarray, rotation: np.ndarray) -> OrientedBox:
    """The box of ``hull`` (its convex-hull vertices) along ``rotation``'s axes, re-made
    orthonormal and right-handed in float64; centre and extents are the exact span of the
    points along them (the hull vertices span what all the points span)."""
    basis: list[np.ndarray] = []
    for column in np.asarray(rotation, np.float64).T:
        axis = column - sum((column @ b) * b for b in basis)
        basis.append(axis / np.linalg.norm(axis))
    rotation = np.column_stack(basis)
    local = hull @ rotation
    low, high = local.min(axis=0), local.max(axis=0)
    center = rotation @ ((low + high) / 2.0)
    return OrientedBox(
        center=center, extent=high - low, rotation=_right_handed(rotation), flat=True
    )


def _cross(u: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """``np.cross`` of two 3-vectors, the same operations on Python floats (no array calls)."""
    u0, u1, u2 = u.tolist()
    v0, v1, v2 = v.tolist()
    return u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0


def _face_box(
    hull: np.ndarray, normal: np.ndarray, mean: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """The smallest box of ``hull`` with a face on the plane of ``normal`` (3,): (volume, its
    centre's distance from ``mean``, rotation (3, 3)). See :func:`_face_aligned`."""
    normal = normal / math.sqrt(normal.dot(normal))  # what np.linalg.norm computes
    helper = [0.0, 0.0, 0.0]
    helper[int(np.argmin(np.abs(normal)))] = 1.0
    a = np.array(_cross(normal, np.array(helper)))
    a /= math.sqrt(a.dot(a))
    b = np.array(_cross(normal, a))
    u, (low, high) = _min_area_rectangle(hull @ np.column_stack([a, b]))
    heights = hull @ normal
    side = a * u[0] + b * u[1]
    rotation = np.column_stack([side, _cross(normal, side), normal])
    bottom, top = heights.min(), heights.max()
    middle = np.array([*((low + high) / 2.0), (bottom + top) / 2.0])
    (x0, y0), (x1, y1) = low.tolist(), high.tolist()
    volume = float((x1 - x0) * (y1 - y0) * (top - bottom))
    offset = rotation @ middle - mean
    return volume, math.sqrt(offset.dot(offset)), rotation


def _face_aligned(hull: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) of the smallest box with a face on a hull facet.

    For each distinct facet normal (rows of ``normals``), the minimum-area rectangle of
    ``hull`` projected on the facet's plane (rotating calipers) times the extent along the
    normal. Boxes within 1e-9 of the least volume tie (a round object has several, turned
    against each other); the tie goes to the box whose centre is nearest the hull vertices'
    mean, a choice that moves with the points (then to the first in sorted-normal order).

    With many normals, :func:`_face_volumes` first estimates every box's volume at once, and
    only the boxes estimated within ``_SCREEN`` of the least are built (estimates and exact
    volumes differ by rounding, far less than that): the same box, a few times faster.
    """
    mean = hull.mean(axis=0)
    unique = np.unique(normals, axis=0)
    candidates = range(len(unique))
    if len(unique) > _SCREEN_ABOVE:
        estimate = _face_volumes(hull, unique)
        if estimate is not None:
            candidates = np.flatnonzero(estimate <= estimate.min() * (1.0 + _SCREEN)).tolist()
    found = {k: _face_box(hull, unique[k], mean) for k in candidates}
    least = min(volume for volume, _, _ in found.values())
    ties = [(offset, k) for k, (volume, offset, _) in found.items() if volume <= least * (1 + 1e-9)]
    return found[min(ties)[1]][2]


def _face_volumes(hull: np.ndarray, normals: np.ndarray) -> np.ndarray | None:
    """Estimates (k,) of the volumes :func:`_face_box` finds for ``normals`` (k, 3), all at
    once; None when ``hull`` has no 3D hull (then every box is built).

    The minimum-area rectangle of a convex polygon has a side along one of its edges, and
    each edge of the hull's outline seen along a normal is the projection of a hull edge
    between a facet facing towards the normal and one facing away (or along it). So the
    least area over those edges' projected directions is the exact minimum, up to rounding;
    edges between two facets both within ``_ALONG`` of parallel to the normal add no
    direction of their own and are skipped.
    """
    try:
        shape = ConvexHull(hull)
    except QhullError:
        return None
    units = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    # Each edge once: facet f, its neighbour g across the edge, and the edge's two ends.
    f = np.repeat(np.arange(len(shape.simplices)), 3)
    g = shape.neighbors.ravel()
    ends = shape.simplices[:, [[1, 2], [2, 0], [0, 1]]].reshape(-1, 2)
    once = f < g
    f, g, ends = f[once], g[once], ends[once]
    facing = shape.equations[:, :3] @ units.T  # (facets, k)
    low = np.minimum(facing[f], facing[g])
    high = np.maximum(facing[f], facing[g])
    outline = (low <= _ALONG) & (high >= -_ALONG) & ((low < -_ALONG) | (high > _ALONG))
    edge, k = np.nonzero(outline)
    vector = hull[ends[edge, 1]] - hull[ends[edge, 0]]
    direction = vector - np.einsum("ij,ij->i", vector, units[k])[:, None] * units[k]
    length = np.linalg.norm(direction, axis=1)
    seen = length > 0.0  # an edge along the normal projects to a point
    direction, k = direction[seen] / length[seen, None], k[seen]
    across = np.cross(units[k], direction)
    spans = [np.ptp(hull @ axes.T, axis=0) for axes in (direction, across)]
    area = np.full(len(units), np.inf)
    np.minimum.at(area, k, spans[0] * spans[1])
    if not np.isfinite(area).all():
        return None
    return area * np.ptp(hull @ units.T, axis=0)


def _decimated(hull: np.ndarray, limit: int) -> np.ndarray:
    """At most ``limit`` of the hull's vertices whose hull stays close to it.

    One vertex per cell of a grid (the first in index order), the cell growing by sqrt(2) from
    1/1024 of the bounding-box diagonal until the kept points have at most ``limit`` hull
    vertices.
    Every vertex lies within sqrt(3) cells of a kept one, so the kept hull is within that
    (Hausdorff) distance of the full one.
    """
    low = hull.min(axis=0)
    cell = float(np.linalg.norm(np.ptp(hull, axis=0))) / 1024.0
    kept = hull
    while True:
        keys = np.floor((hull - low) / cell).astype(np.int64)
        _, first = np.unique(keys, axis=0, return_index=True)
        subset = hull[np.sort(first)]
        try:
            vertices = subset[np.sort(ConvexHull(subset).vertices)]
        except QhullError:  # cells wider than the object is thin: keep the last good subset
            return kept
        if len(vertices) <= limit:
            return vertices
        kept, cell = vertices, cell * np.sqrt(2.0)


def _jylanki(points: np.ndarray) -> np.ndarray | None:
    """Rotation (3, 3) of Open3D's exact minimal box (Jylanki's method) of ``points``, or None
    when Open3D returns a degenerate box (it does on some inputs)."""
    try:
        with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
            found = o3d.t.geometry.OrientedBoundingBox.create_from_points(
                o3d.core.Tensor(np.ascontiguousarray(points)),
                method=o3d.t.geometry.MINIMAL_JYLANKI,
            )
    except RuntimeError:
        return None
    rotation = found.rotation.numpy().astype(np.float64)
    if not found.volume() > 0 or abs(np.linalg.det(rotation)) < 0.5:
        return None
    return rotation


def obb_of_points(points: np.ndarray) -> OrientedBox:
    """Minimal oriented bounding box of ``points`` (n, 3), in float64.

    The smaller of two searches on the convex hull's vertices (scipy's Qhull): the best box
    with a face on a hull facet (:func:`_face_aligned`: exhaustive, float64, moves exactly with
    the points), and Open3D's exact minimum (:func:`_jylanki`), which wins only when smaller by
    more than 1e-6 of the volume (a box resting on no facet; Open3D computes it in float32).
    Each box's sides are then the points' exact span along its axes.

    Open3D's legacy ``get_minimal_oriented_bounding_box`` (the VSI recipe) is not used: it
    frames each hull triangle by one of its edges, so its box depends on how Qhull triangulated
    coplanar facets (on point order, and on a rigid motion: 4 % in volume on a procedural
    plant), and it returns an empty box on some meshes with repeated vertices (as Jylanki's
    method does, so that one gets only the hull's vertices). This box is never larger than
    the legacy one beyond float32 rounding (tested).

    Cost: about h^2 for h hull vertices (about 0.1 s for 200). Above ``MAX_HULL_VERTICES`` the
    search runs on :func:`_decimated` hull vertices, then again on the full hull's facets
    within 10 deg of the box found: the box still holds every point, but a better box turned
    further away could be missed, so its volume may exceed the exact one slightly (tested
    within 1 % on dense clouds; 0.7 s for a million noisy points). Points without a 3D hull
    (coplanar, collinear) go to :func:`_flat_obb`. The result is cached per object.
    """
    points = np.asarray(points, dtype=np.float64)
    try:
        full = ConvexHull(points)
    except QhullError:
        return _flat_obb(points)
    hull, normals = points[np.sort(full.vertices)], full.equations[:, :3]
    search, facets = hull, normals
    if len(hull) > MAX_HULL_VERTICES:
        search = _decimated(hull, MAX_HULL_VERTICES)
        facets = ConvexHull(search).equations[:, :3]
    best = _polish(hull, _face_aligned(search, facets))
    exact = _jylanki(search)
    if exact is not None:
        other = _polish(hull, exact)
        if other.volume < best.volume * (1.0 - 1e-6):
            best = other
    if search is not hull:  # refine on the full hull's facets that face near the box's sides
        near = np.abs(normals @ best.rotation).max(axis=1) >= _REFINE_COSINE
        if near.any():
            refined = _polish(hull, _face_aligned(hull, normals[near]))
            if refined.volume < best.volume:
                best = refined
    return best


def minimal_obb(scene: Scene, instance_id: int) -> OrientedBox:
    """Minimal OBB of the object's mesh vertices (or point cloud), cached per scene."""
    geometry = derived(scene)
    return geometry.memo(
        "minimal_obb", instance_id, lambda: obb_of_points(geometry.points(instance_id))
    )


def aabb(scene: Scene, instance_id: int) -> OrientedBox:
    """Axis-aligned box of the object's mesh vertices (or point cloud), cached per scene."""
    geometry = derived(scene)

    def compute() -> OrientedBox:
        points = geometry.points(instance_id)
        low, high = points.min(axis=0), points.max(axis=0)
        return OrientedBox(
            center=(low + high) / 2.0, extent=high - low, rotation=np.eye(3), flat=True
        )

    return geometry.memo("aabb", instance_id, compute)


def _min_area_rectangle(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-area rectangle of 2D points (n, 2) by rotating calipers over the convex hull.

    Returns (u (2,) unit direction of the longer side, its angle in [0, 180) deg; (low, high)
    (2, 2) spans along u and along u turned +90 deg). Every hull edge direction is tried (the
    minimal rectangle has a side on the hull); ties go to the first edge. Points without a 2D
    hull (collinear, or one point) get their principal direction and zero width.
    """
    try:
        hull = xy[ConvexHull(xy).vertices]
        edges = np.roll(hull, -1, axis=0) - hull
        directions = edges / np.linalg.norm(edges, axis=1, keepdims=True)
    except QhullError:
        centred = xy - xy.mean(axis=0)
        _, _, rows = np.linalg.svd(centred, full_matrices=True)
        hull, directions = xy, rows[:1]
    normals = np.column_stack([-directions[:, 1], directions[:, 0]])
    along, across = hull @ directions.T, hull @ normals.T  # (h, k)
    spans = np.stack([along.max(0) - along.min(0), across.max(0) - across.min(0)], axis=1)
    best = int(np.argmin(spans[:, 0] * spans[:, 1]))
    u = directions[best]
    if spans[best, 1] > spans[best, 0]:
        u = normals[best]
    if u[0] < 0 or (u[0] == 0 and u[1] < 0):
        u = -u
    v = np.array([-u[1], u[0]])
    local = xy @ np.column_stack([u, v])
    return u, np.stack([local.min(axis=0), local.max(axis=0)])


def gravity_obb(scene: Scene, instance_id: int) -> OrientedBox:
    """Gravity-aligned OBB: the minimum-area XY rectangle of the points times their z range.

    Axes (columns of ``rotation``): the rectangle's longer side (pointing to +x, or +y when
    along y), the shorter side, world z. So ``extent`` is (length, width, height).
    """
    geometry = derived(scene)

    def compute() -> OrientedBox:
        points = geometry.points(instance_id)
        u, (low, high) = _min_area_rectangle(points[:, :2])
        v = np.array([-u[1], u[0]])
        z0, z1 = float(points[:, 2].min()), float(points[:, 2].max())
        middle = (low + high) / 2.0
        center = np.array([*(u * middle[0] + v * middle[1]), (z0 + z1) / 2.0])
        rotation = np.array([[u[0], v[0], 0.0], [u[1], v[1], 0.0], [0.0, 0.0, 1.0]])
        extent = np.array([*(high - low), z1 - z0])
        return OrientedBox(center=center, extent=extent, rotation=rotation, flat=True)

    return geometry.memo("gravity_obb", instance_id, compute)


def annotated_box(scene: Scene, instance_id: int) -> OrientedBox:
    """The box the dataset annotated for the object (ScanNet++, ARKitScenes)."""
    obj = scene.object(instance_id)
    given = getattr(obj, "annotated_box", None)
    if given is None:
        raise SpatialQAError(
            f"box: object {instance_id} ({obj.category!r}) of scene {scene.scene_id} has no "
            "annotated box"
        )
    return given


_BOXES = {
    "minimal_obb": minimal_obb,
    "aabb": aabb,
    "gravity_obb": gravity_obb,
    "annotated": annotated_box,
}


def box_of(scene: Scene, instance_id: int, box: str) -> OrientedBox:
    """The object's box of kind ``box`` (one of ``BOX_KINDS``)."""
    if box not in _BOXES:
        raise SpatialQAError(f"box: unknown box kind {box!r} (supported: {BOX_KINDS})")
    return _BOXES[box](scene, instance_id)


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
