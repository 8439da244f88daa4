"""Distances: between two objects (exact closest points, box centres, VSI's shell grids), and
from a camera to an object.

For two triangle meshes whose surfaces do not cross, the closest pair of points lies either
at a vertex of one mesh (against a triangle of the other) or in the interior of an edge of
each (edge against edge). ``closest`` evaluates both families exactly in float64:

1. every vertex of A against B and every vertex of B against A (Open3D's float32 closest-point
   query picks a triangle, the point on it is recomputed in float64 by trimesh, and the
   vertices within float32 rounding of the least distance are settled against every triangle
   that could be nearer);
2. every pair of edges that could beat step 1's distance, pruned by bounding spheres, by the
   segment-segment formula.

Both steps first drop, with a KD-tree over the other mesh's vertices, what provably cannot win:
every point of a triangle lies within the mesh's longest edge of a vertex, so a point's
distance to the surface is at least its distance to the nearest vertex minus that edge. On
dense scans this leaves the few thousand vertices and edges near the gap.

Surfaces that cross are found by casting each edge of one mesh against the other (distance 0).
Watertight meshes are solids: an object with a part inside a watertight one is at distance 0
(decided exactly, by float64 winding numbers: see ``_inside``). Point-cloud
objects use their points: against a mesh, exact point-to-triangle; against points, a KD-tree.

``vsi_grid`` reproduces the VSI recipe: each object's box filled with a grid of at most 5 cm
spacing, its core dropped, and the least distance between the two grids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import open3d as o3d
import trimesh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import box_of
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import SceneGeometry, derived, in_unit
from spatialqa.oracle.program import FrameId, ObjectId, call, operation
from spatialqa.scenes import OrientedBox, Scene

DISTANCE_METHODS = ("closest", "centroid", "vsi_grid")
CAMERA_METHODS = ("closest", "aabb")
GRID_SPACING_M = 0.05
"""Largest spacing of the ``vsi_grid`` points along each box axis."""
_EDGE_CHUNK = 4096
"""Edges of A per block when comparing edge pairs (bounds memory to chunk x candidates of B)."""
_EDGE_PAIRS = 40_000
"""Above this many edge pairs, each edge is first tested against the other mesh itself."""
_BOUND_VERTICES = 2048
"""Vertices per mesh whose distances to the other give the first bound on the closest pair."""
_ROUNDING_M = 1e-9
"""Added to the pruning bounds, so that rounding never drops the point that set them."""
_WINDING_CHUNK = 1 << 18
"""Point-triangle pairs per block of winding numbers (bounds memory to about 100 MB)."""


@dataclass(frozen=True, eq=False)
class Closest:
    """The closest pair of points between two objects (float64), and its distance."""

    distance: float
    point_a: np.ndarray
    point_b: np.ndarray

    def swapped(self) -> Closest:
        return Closest(self.distance, self.point_b, self.point_a)


def _tensor(points: np.ndarray) -> o3d.core.Tensor:
    return o3d.core.Tensor(np.ascontiguousarray(points, dtype=np.float32))


def _triangles(geometry: SceneGeometry, instance_id: int) -> np.ndarray:
    """The object's mesh triangles (f, 3, 3) float64, as a plain array (cached): trimesh's own
    ``mesh.triangles`` re-hashes the mesh on every access and slows every operation on it."""
    mesh = geometry.scene.object(instance_id).mesh
    return geometry.memo("triangles", instance_id, lambda: _frozen(np.array(mesh.triangles)))


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only: it goes into the per-scene cache."""
    array.setflags(write=False)
    return array


def points_to_mesh(
    geometry: SceneGeometry, points: np.ndarray, instance_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points on the object's mesh near ``points`` (n, 3): ((n, 3) points, (n,) distances).

    Open3D (float32) chooses the triangle; the closest point on it is recomputed in float64.
    The triangle may be a neighbour of the closest one (their distances differ by float32
    rounding), so each distance is at most :func:`_float32_slack` above the exact one:
    :func:`exact_points_to_mesh` settles the points that matter.
    """
    ray_scene = geometry.object_ray_scene(instance_id)
    faces = ray_scene.compute_closest_points(_tensor(points))["primitive_ids"].numpy()
    triangles = _triangles(geometry, instance_id)[faces.astype(np.int64)]
    on_mesh = trimesh.triangles.closest_point(triangles, points)
    return on_mesh, np.linalg.norm(on_mesh - points, axis=1)


def _float32_slack(geometry: SceneGeometry, points: np.ndarray, instance_id: int) -> float:
    """How far :func:`points_to_mesh`'s distances may exceed the exact ones: Open3D rounds the
    points and the mesh to float32 (2^-24 relative) and compares distances in float32, so a
    few ulps of the largest coordinate involved; 2^-18 of it leaves a wide margin."""
    low, high = geometry.memo("vertex_box", instance_id, lambda: _box(geometry.points(instance_id)))
    reach = max(float(np.max(np.abs(points), initial=0.0)), float(np.abs(low).max()))
    return 2.0**-18 * (1.0 + max(reach, float(np.abs(high).max())))


def _triangle_balls(geometry: SceneGeometry, instance_id: int) -> tuple[cKDTree, np.ndarray]:
    """A KD-tree over the centroids of the mesh's triangles and the radius (f,) of the ball
    about each centroid that holds its triangle (cached)."""

    def compute() -> tuple[cKDTree, np.ndarray]:
        triangles = _triangles(geometry, instance_id)
        centre = triangles.mean(axis=1)
        radius = np.linalg.norm(triangles - centre[:, None, :], axis=2).max(axis=1)
        return cKDTree(centre), radius

    return geometry.memo("triangle_balls", instance_id, compute)


def exact_points_to_mesh(
    geometry: SceneGeometry,
    points: np.ndarray,
    instance_id: int,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The exact closest points on the object's mesh to ``points`` (n, 3), float64, whatever
    triangle float32 would pick: each point against every triangle whose ball comes within
    its :func:`points_to_mesh` distance (those near the answer). For a few points.

    ``start``: :func:`points_to_mesh`'s answer for ``points`` when the caller has it already
    (each point's answer does not depend on the others asked with it).
    """
    if start is None:
        start = points_to_mesh(geometry, points, instance_id)
    on_mesh, distance = start[0].copy(), start[1].copy()
    if len(points) == 0:
        return on_mesh, distance
    tree, radius = _triangle_balls(geometry, instance_id)
    triangles = _triangles(geometry, instance_id)
    reach = float(radius.max())
    # Every point's candidate triangles at once: (triangle, point) pairs grouped by point.
    balls = tree.query_ball_point(points, distance + reach)
    near = np.concatenate([np.sort(np.asarray(ball, np.int64)) for ball in balls])
    owner = np.repeat(np.arange(len(points)), [len(ball) for ball in balls])
    keep = np.linalg.norm(tree.data[near] - points[owner], axis=1) - radius[near]
    keep = keep <= distance[owner]
    near, owner = near[keep], owner[keep]
    found = trimesh.triangles.closest_point(triangles[near], points[owner])
    gap = np.linalg.norm(found - points[owner], axis=1)
    bounds = np.searchsorted(owner, np.arange(len(points) + 1))
    for k, (lo, hi) in enumerate(pairwise(bounds.tolist())):
        if lo == hi:  # rounding: the chosen triangle is the only candidate
            continue
        best = lo + int(np.argmin(gap[lo:hi]))
        if gap[best] < distance[k]:
            on_mesh[k], distance[k] = found[best], gap[best]
    return on_mesh, distance


def segment_distances(
    p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest points between segments [p1, q1] and [p2, q2], each (n, 3).

    Ericson, Real-Time Collision Detection, 5.1.9 (vectorised; segments of zero length are
    handled). Returns ((n,) distances, (n, 3) points on the first, (n, 3) on the second).
    """
    d1, d2, r = q1 - p1, q2 - p2, p1 - p2
    a = np.einsum("ij,ij->i", d1, d1)
    e = np.einsum("ij,ij->i", d2, d2)
    f = np.einsum("ij,ij->i", d2, r)
    c = np.einsum("ij,ij->i", d1, r)
    b = np.einsum("ij,ij->i", d1, d2)
    tiny = 1e-300
    denom = a * e - b * b
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(denom > tiny, np.clip((b * f - c * e) / denom, 0.0, 1.0), 0.0)
        t = np.where(e > tiny, (b * s + f) / e, 0.0)
        below, above = t < 0.0, t > 1.0
        s = np.where(below, np.clip(-c / a, 0.0, 1.0), s)
        s = np.where(above, np.clip((b - c) / a, 0.0, 1.0), s)
        s = np.where(a > tiny, s, 0.0)
        t = np.clip(t, 0.0, 1.0)
    on1 = p1 + d1 * s[:, None]
    on2 = p2 + d2 * t[:, None]
    return np.linalg.norm(on1 - on2, axis=1), on1, on2


def _vertex_tree(geometry: SceneGeometry, instance_id: int) -> cKDTree:
    """A KD-tree over the object's mesh vertices or points (cached)."""
    return geometry.memo("vertex_tree", instance_id, lambda: cKDTree(geometry.points(instance_id)))


def _longest_edge(geometry: SceneGeometry, instance_id: int) -> float:
    """Every point of the object's surface lies within this distance of one of its vertices."""
    mesh = geometry.scene.object(instance_id).mesh
    return geometry.memo("longest_edge", instance_id, lambda: float(mesh.edges_unique_length.max()))


def _may_beat(
    geometry: SceneGeometry,
    points: np.ndarray,
    slack: np.ndarray | float,
    target: int,
    bound: float,
) -> np.ndarray:
    """Indices of ``points`` (each standing for a ball of radius ``slack``) that may come within
    ``bound`` of ``target``'s surface: less the slack, their distance to its bounding box is at
    most ``bound``, and so is their distance to its nearest vertex less its longest edge."""
    slack = np.broadcast_to(np.asarray(slack, dtype=np.float64), (len(points),))
    low, high = geometry.memo("vertex_box", target, lambda: _box(geometry.points(target)))
    outside = np.linalg.norm(np.maximum(np.maximum(low - points, points - high), 0.0), axis=1)
    near = np.flatnonzero(outside - slack <= bound + _ROUNDING_M)
    reach = _longest_edge(geometry, target) + slack[near]
    limit = bound + float(np.max(reach, initial=0.0))
    distance, _ = _vertex_tree(geometry, target).query(points[near], distance_upper_bound=limit)
    return near[distance - reach <= bound + _ROUNDING_M]


def _box(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points.min(axis=0), points.max(axis=0)


def _bound_step(geometry: SceneGeometry, instance_id: int) -> int:
    """Stride of the vertices that give :func:`_upper_bound` (at most ``_BOUND_VERTICES``)."""
    return max(1, len(geometry.points(instance_id)) // _BOUND_VERTICES)


def _all_vertices_to_mesh(
    geometry: SceneGeometry, source: int, target: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`points_to_mesh` of every vertex of ``source`` against ``target`` (cached per
    ordered pair): a small mesh asks it for the bound, then for the vertices that may win."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        on_mesh, distance = points_to_mesh(geometry, geometry.points(source), target)
        return _frozen(on_mesh), _frozen(distance)

    return geometry.memo("vertices_to_mesh", (source, target), compute)


def _vertices_to_mesh(
    geometry: SceneGeometry, source: int, target: int, index: np.ndarray | None = None
) -> Closest:
    """Closest pair between the vertices (or points) of ``source`` (or those of them at
    ``index``) and the mesh of ``target``."""
    points = geometry.points(source)
    if index is None:
        index = np.arange(len(points))
    if _bound_step(geometry, source) == 1:  # small: every vertex was asked for the bound
        on_mesh, distance = (x[index] for x in _all_vertices_to_mesh(geometry, source, target))
    else:
        on_mesh, distance = points_to_mesh(geometry, points[index], target)
    points = points[index]
    # Only points within float32 rounding of the least distance can hold the exact least one.
    maybe = np.flatnonzero(distance <= distance.min() + _float32_slack(geometry, points, target))
    on_mesh, distance = exact_points_to_mesh(
        geometry, points[maybe], target, start=(on_mesh[maybe], distance[maybe])
    )
    best = int(np.argmin(distance))
    return Closest(float(distance[best]), points[maybe[best]].copy(), on_mesh[best])


def _upper_bound(geometry: SceneGeometry, a: int, b: int) -> float:
    """A distance the closest pair cannot exceed: that of evenly strided vertices of each mesh
    (at most ``_BOUND_VERTICES``) to the other's surface, which they lie off."""
    bound = np.inf
    for source, target in ((a, b), (b, a)):
        step = _bound_step(geometry, source)
        if step == 1:
            _, distance = _all_vertices_to_mesh(geometry, source, target)
        else:
            _, distance = points_to_mesh(geometry, geometry.points(source)[::step], target)
        bound = min(bound, float(distance.min()))
    return bound


def _edges(geometry: SceneGeometry, instance_id: int) -> tuple[np.ndarray, np.ndarray]:
    """The ends (start, end), each (e, 3), of the mesh's unique edges (cached, plain arrays)."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        mesh = geometry.scene.object(instance_id).mesh
        vertices, edges = np.asarray(mesh.vertices), np.asarray(mesh.edges_unique)
        return _frozen(vertices[edges[:, 0]]), _frozen(vertices[edges[:, 1]])

    return geometry.memo("edges", instance_id, compute)


def segment_triangle_hits(
    start: np.ndarray, end: np.ndarray, triangles: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Whether segment [start_i, end_i] meets triangle i (Moller-Trumbore in float64, bounds
    included), and the point where it does: ((n,) bool, (n, 3) points). A segment parallel to
    the triangle's plane never meets it here: lying in the plane is touching, which the
    closest-pair families measure (0) anyway."""
    d = end - start
    e1 = triangles[:, 1] - triangles[:, 0]
    e2 = triangles[:, 2] - triangles[:, 0]
    p = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, p)
    scale = np.linalg.norm(d, axis=1) * np.linalg.norm(e1, axis=1) * np.linalg.norm(e2, axis=1)
    usable = np.abs(det) > 1e-12 * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = np.where(usable, 1.0 / np.where(usable, det, 1.0), 0.0)
        s = start - triangles[:, 0]
        u = np.einsum("ij,ij->i", s, p) * inverse
        q = np.cross(s, e1)
        v = np.einsum("ij,ij->i", d, q) * inverse
        t = np.einsum("ij,ij->i", e2, q) * inverse
    hit = usable & (u >= 0.0) & (v >= 0.0) & (u + v <= 1.0) & (t >= 0.0) & (t <= 1.0)
    return hit, start + d * t[:, None]


def _edge_rays(geometry: SceneGeometry, instance_id: int) -> tuple[np.ndarray, o3d.core.Tensor]:
    """The mesh's edges as rays (origin, direction), (e, 6) float64 and as Open3D's float32
    tensor (cached): ``t_hit <= 1`` is a hit within the edge."""

    def compute() -> tuple[np.ndarray, o3d.core.Tensor]:
        start, end = _edges(geometry, instance_id)
        rays = _frozen(np.concatenate([start, end - start], axis=1))
        return rays, _tensor(rays)

    return geometry.memo("edge_rays", instance_id, compute)


def _edge_spheres(geometry: SceneGeometry, instance_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Centre (e, 3) and radius (e,) of the sphere on each edge of the mesh (cached)."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        start, end = _edges(geometry, instance_id)
        middle = (start + end) / 2.0
        return _frozen(middle), _frozen(np.linalg.norm(end - start, axis=1) / 2.0)

    return geometry.memo("edge_spheres", instance_id, compute)


def _crossing(geometry: SceneGeometry, source: int, target: int) -> Closest | None:
    """A point where an edge of ``source`` passes through the surface of ``target``, if any.

    Open3D (float32) proposes the edges that hit and the triangle they hit; each is confirmed
    in float64 (:func:`segment_triangle_hits`). A ray in the plane of a triangle can report a
    hit far from it (after some rotations of a scene, an edge on the floor "hit" the bottom
    face of an object 0.66 m away) and hide real hits behind it, so when none is confirmed,
    the edges that proposed one are checked in float64 against every triangle along them.
    """
    start, end = _edges(geometry, source)
    rays, tensor = _edge_rays(geometry, source)
    found = geometry.object_ray_scene(target).cast_rays(tensor)
    proposed = np.flatnonzero(found["t_hit"].numpy() <= 1.0)
    if len(proposed) == 0:
        return None
    triangles = _triangles(geometry, target)
    faces = found["primitive_ids"].numpy()[proposed].astype(np.int64)
    hit, points = segment_triangle_hits(start[proposed], end[proposed], triangles[faces])
    if not np.any(hit):
        false = proposed
        listed = geometry.object_ray_scene(target).list_intersections(_tensor(rays[false]))
        edge = false[listed["ray_ids"].numpy().astype(np.int64)]
        faces = listed["primitive_ids"].numpy().astype(np.int64)
        hit, points = segment_triangle_hits(start[edge], end[edge], triangles[faces])
        proposed = edge
    if not np.any(hit):
        return None
    first = int(np.flatnonzero(hit)[np.argmin(proposed[hit])])  # the lowest edge
    return Closest(0.0, points[first].copy(), points[first].copy())


def _near_edges(
    geometry: SceneGeometry, source: int, target: int, bound: float, maybe: np.ndarray
) -> np.ndarray:
    """Those of ``source``'s edges ``maybe`` (indices) that may come closer than ``bound`` to
    ``target``'s mesh.

    An edge lies within its bounding sphere (midpoint, half length), so its distance to the
    mesh is at least dist(midpoint, mesh) - half length.
    """
    middle, radius = _edge_spheres(geometry, source)
    _, distance = points_to_mesh(geometry, middle[maybe], target)
    slack = _float32_slack(geometry, middle[maybe], target)  # exact distance >= distance - slack
    return maybe[distance - slack - radius[maybe] < bound]


def _edge_pairs(geometry: SceneGeometry, a: int, b: int, best: Closest) -> Closest:
    """Improve ``best`` with the exact distance of every edge pair that could beat it.

    Edges are first kept by the cheap test of :func:`_may_beat`; when that leaves more than
    ``_EDGE_PAIRS`` pairs, by :func:`_near_edges` too. Either way no edge that could beat
    ``best`` is dropped, and an edge kept in vain measures no less than ``best`` (so it never
    replaces it): both give the same pair.
    """
    near_a, near_b = (
        _may_beat(geometry, *_edge_spheres(geometry, source), target, best.distance)
        for source, target in ((a, b), (b, a))
    )
    if len(near_a) * len(near_b) > _EDGE_PAIRS:
        near_a = _near_edges(geometry, a, b, best.distance, near_a)
        near_b = _near_edges(geometry, b, a, best.distance, near_b)
    if len(near_a) == 0 or len(near_b) == 0:
        return best
    start_a, end_a = (x[near_a] for x in _edges(geometry, a))
    start_b, end_b = (x[near_b] for x in _edges(geometry, b))
    middle_a, radius_a = (x[near_a] for x in _edge_spheres(geometry, a))
    mid_b, radius_b = (x[near_b] for x in _edge_spheres(geometry, b))
    for lo in range(0, len(near_a), _EDGE_CHUNK):
        p1, q1 = start_a[lo : lo + _EDGE_CHUNK], end_a[lo : lo + _EDGE_CHUNK]
        mid_a, half_a = middle_a[lo : lo + _EDGE_CHUNK], radius_a[lo : lo + _EDGE_CHUNK]
        gap = np.linalg.norm(mid_a[:, None, :] - mid_b[None, :, :], axis=2)
        i, j = np.nonzero(gap - half_a[:, None] - radius_b[None, :] < best.distance)
        if len(i) == 0:
            continue
        distance, on_a, on_b = segment_distances(p1[i], q1[i], start_b[j], end_b[j])
        k = int(np.argmin(distance))
        if distance[k] < best.distance:
            best = Closest(float(distance[k]), on_a[k], on_b[k])
    return best


def winding_numbers(triangles: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Generalised winding number of the closed surface ``triangles`` (f, 3, 3) at each of
    ``points`` (n, 3), float64: the summed signed solid angles of its triangles over 4 pi
    (Van Oosterom and Strackee), 1 inside an outward-wound solid, 0 outside.

    Why not a ray-parity vote: away from the surface each term is a smooth function of the
    point, so nothing is degenerate. A point in the plane of a face but outside it gets a zero
    angle from that face (the rays that a parity test would cast through its edges). Only
    within about 1e-12 of the surface (touching, so at distance 0 anyway) is the answer
    rounded. Chunked: at most ``_WINDING_CHUNK`` point-triangle pairs at once.
    """
    out = np.empty(len(points))
    step = max(1, _WINDING_CHUNK // max(len(triangles), 1))
    for lo in range(0, len(points), step):
        here = points[lo : lo + step]
        a, b, c = (triangles[None, :, k, :] - here[:, None, :] for k in range(3))
        la, lb, lc = (np.sqrt(np.einsum("pfi,pfi->pf", x, x)) for x in (a, b, c))
        det = np.einsum("pfi,pfi->pf", a, np.cross(b, c))
        dot = (
            la * lb * lc
            + np.einsum("pfi,pfi->pf", a, b) * lc
            + np.einsum("pfi,pfi->pf", b, c) * la
            + np.einsum("pfi,pfi->pf", c, a) * lb
        )
        out[lo : lo + step] = np.arctan2(det, dot).sum(axis=1) / (2.0 * np.pi)
    return out


def _solid(geometry: SceneGeometry, instance_id: int) -> trimesh.Trimesh | None:
    """The object's mesh as a closed, consistently wound surface (cached), or None when it is
    not watertight (then it bounds no solid). A watertight mesh wound inconsistently is
    re-wound on a copy: winding numbers need one orientation, parity votes did not."""

    def compute() -> trimesh.Trimesh | None:
        mesh = geometry.scene.object(instance_id).mesh
        if not mesh.is_watertight:
            return None
        if mesh.is_winding_consistent:
            return mesh
        fixed = mesh.copy()
        trimesh.repair.fix_winding(fixed)
        return fixed if fixed.is_winding_consistent else None

    return geometry.memo("solid", instance_id, compute)


def _component_vertices(geometry: SceneGeometry, instance_id: int) -> np.ndarray:
    """One vertex index per connected part of the object's mesh (the lowest of each; a vertex
    used by no face is a part of its own), ascending (cached)."""

    def compute() -> np.ndarray:
        mesh = geometry.scene.object(instance_id).mesh
        n = len(mesh.vertices)
        edges = np.asarray(mesh.edges_unique, dtype=np.int64)
        graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        return np.sort(np.unique(labels, return_index=True)[1])

    return geometry.memo("component_vertices", instance_id, compute)


def _inside(geometry: SceneGeometry, inner: int, outer: int) -> Closest | None:
    """When ``outer`` bounds a solid and a part of ``inner`` lies in it: a point of it.

    Called once the surfaces are known not to cross, so each connected part of ``inner``
    lies wholly inside or wholly outside (but where it touches, at distance 0 either way),
    and one vertex per part decides. A vertex outside ``outer``'s bounding box is outside
    (exact, and it settles nearly every pair); the others are decided by their float64
    winding number, which does not depend on the scene's pose. Open3D's float32 occupancy
    vote misjudged points in the plane of one of ``outer``'s faces (an object standing on the
    floor beside a cabinet) and, after some rotations, whole objects beside a solid.
    """
    solid = _solid(geometry, outer)
    if solid is None:
        return None
    points = geometry.points(inner)[_component_vertices(geometry, inner)]
    low, high = geometry.memo("vertex_box", outer, lambda: _box(geometry.points(outer)))
    points = points[np.all((points >= low) & (points <= high), axis=1)]
    if len(points) == 0:
        return None
    winding = winding_numbers(np.asarray(solid.triangles, dtype=np.float64), points)
    inside = np.flatnonzero(np.abs(winding) > 0.5)
    if len(inside) == 0:
        return None
    point = points[inside[0]]
    return Closest(0.0, point.copy(), point.copy())


def _apart(geometry: SceneGeometry, a: int, b: int) -> bool:
    """Whether the two objects' vertex boxes are disjoint: then no vertex of one lies in the
    other's box, and :func:`_inside` finds nothing."""
    low_a, high_a = geometry.memo("vertex_box", a, lambda: _box(geometry.points(a)))
    low_b, high_b = geometry.memo("vertex_box", b, lambda: _box(geometry.points(b)))
    return bool(np.any((high_a < low_b) | (high_b < low_a)))


def _mesh_mesh(geometry: SceneGeometry, a: int, b: int) -> Closest:
    apart = _apart(geometry, a, b)
    for found in (
        _crossing(geometry, a, b),
        _crossing(geometry, b, a),
        None if apart else _inside(geometry, a, b),
        None if apart else _inside(geometry, b, a),
    ):
        if found is not None:
            return found
    bound = _upper_bound(geometry, a, b)
    sides = []
    for source, target in ((a, b), (b, a)):
        near = _may_beat(geometry, geometry.points(source), 0.0, target, bound)
        if len(near):  # the vertex that gave the bound is always kept
            closest = _vertices_to_mesh(geometry, source, target, near)
            sides.append(closest if source == a else closest.swapped())
    best = min(sides, key=lambda closest: closest.distance)
    if best.distance == 0.0:
        return best
    return _edge_pairs(geometry, a, b, best)


def _points_points(geometry: SceneGeometry, a: int, b: int) -> Closest:
    points_a, points_b = geometry.points(a), geometry.points(b)
    distance, index = _vertex_tree(geometry, b).query(points_a, k=1)
    best = int(np.argmin(distance))
    return Closest(float(distance[best]), points_a[best].copy(), points_b[index[best]].copy())


def closest_points(scene: Scene, a: int, b: int) -> Closest:
    """The exact closest pair of points between objects ``a`` and ``b`` (cached, symmetric)."""
    if a == b:
        raise SpatialQAError(f"object_distance: the two objects must differ (both {a})")
    lo, hi = min(a, b), max(a, b)
    geometry = derived(scene)

    def compute() -> Closest:
        mesh_lo = scene.object(lo).mesh is not None
        mesh_hi = scene.object(hi).mesh is not None
        if mesh_lo and mesh_hi:
            return _mesh_mesh(geometry, lo, hi)
        if mesh_hi:
            return _vertices_to_mesh(geometry, lo, hi)
        if mesh_lo:
            return _vertices_to_mesh(geometry, hi, lo).swapped()
        return _points_points(geometry, lo, hi)

    found = geometry.memo("closest", (lo, hi), compute)
    return found if a == lo else found.swapped()


def distance_bounds(scene: Scene, a: int, b: int) -> tuple[float, float]:
    """Cheap bounds (lower, upper), metres, on ``closest_points(scene, a, b).distance``, for a
    filter that needs only which side of a threshold it lies on: the gap between the objects'
    vertex boxes, and the least distance from a vertex of one to a vertex of the other. Both
    are widened by ``_ROUNDING_M``, so the exact distance in float64 always lies within.
    Cached per unordered pair."""
    if a == b:
        raise SpatialQAError(f"object_distance: the two objects must differ (both {a})")
    geometry = derived(scene)
    lo, hi = min(a, b), max(a, b)

    def compute() -> tuple[float, float]:
        low_a, high_a = geometry.memo("vertex_box", lo, lambda: _box(geometry.points(lo)))
        low_b, high_b = geometry.memo("vertex_box", hi, lambda: _box(geometry.points(hi)))
        gap = np.linalg.norm(np.maximum(np.maximum(low_a - high_b, low_b - high_a), 0.0))
        nearest, _ = _vertex_tree(geometry, hi).query(geometry.points(lo), k=1)
        return max(float(gap) - _ROUNDING_M, 0.0), float(nearest.min()) + _ROUNDING_M

    return geometry.memo("distance_bounds", (lo, hi), compute)


def shell_grid(box: OrientedBox, spacing: float = GRID_SPACING_M) -> np.ndarray:
    """VSI's shell grid of ``box``: world points (n, 3).

    Along each axis ``ceil(extent / spacing) + 1`` evenly spaced values from -extent/2 to
    +extent/2 (faces included, spacing at most ``spacing``); grid points whose every local
    coordinate satisfies abs(c) <= extent / 4 (the core) are dropped.
    """
    axes = [
        np.linspace(-e / 2.0, e / 2.0, int(np.ceil(e / spacing - 1e-9)) + 1) for e in box.extent
    ]
    local = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    shell = np.any(np.abs(local) > box.extent / 4.0, axis=1)
    return box.center + local[shell] @ box.rotation.T


def grid_distance(scene: Scene, a: int, b: int, box: str = "minimal_obb") -> float:
    """Least distance between the shell grids of the two objects' boxes (KD-tree), metres;
    cached per unordered pair and box kind."""

    def compute() -> float:
        grid_a = shell_grid(box_of(scene, a, box))
        grid_b = shell_grid(box_of(scene, b, box))
        distance, _ = cKDTree(grid_b).query(grid_a, k=1)
        return float(distance.min())

    return derived(scene).memo("grid_distance", (min(a, b), max(a, b), box), compute)


@operation
def object_distance(
    scene: Scene,
    a: ObjectId,
    b: ObjectId,
    method: str = "closest",
    unit: str = "m",
    box: str = "minimal_obb",
) -> Fact:
    """Distance between objects ``a`` and ``b`` in ``unit``.

    ``method="closest"``: exact closest-point distance between the two surfaces (see the module
    docstring); ``"centroid"``: distance between the centres of the ``box`` boxes (SpatialEvo:
    ``box="aabb"``); ``"vsi_grid"``: the VSI recipe on the ``box`` boxes (:func:`shell_grid`).
    ``detail`` holds the closest points (on ``a``, on ``b``), the closest and centroid
    distances in metres whatever the method.
    """
    if method not in DISTANCE_METHODS:
        raise SpatialQAError(
            f"object_distance: unknown or unsupported method {method!r} "
            f"(supported: {DISTANCE_METHODS})"
        )
    closest = closest_points(scene, a, b)
    centroid = float(np.linalg.norm(box_of(scene, a, box).center - box_of(scene, b, box).center))
    if method == "closest":
        metres = closest.distance
    elif method == "centroid":
        metres = centroid
    else:
        metres = grid_distance(scene, a, b, box)
    kind = "obb" if box == "minimal_obb" else box  # "obb_center", as the direction facts say
    primitive = {"closest": "surface", "centroid": f"{kind}_center", "vsi_grid": f"{kind}_grid"}
    return Fact(
        value=in_unit(metres, unit),
        unit=unit,
        primitive=primitive[method],
        frame="world",
        program=call(object_distance, a=a, b=b, method=method, unit=unit, box=box),
        instance_ids=(a, b),
        detail={
            "closest_points": [closest.point_a.tolist(), closest.point_b.tolist()],
            "closest_distance_m": closest.distance,
            "centroid_distance": centroid,
        },
    )


@operation
def camera_object_distance(
    scene: Scene, view: FrameId, instance_id: ObjectId, method: str = "closest", unit: str = "m"
) -> Fact:
    """Distance from the camera centre of frame ``view`` to the nearest point of the object.

    ``method="closest"``: the exact nearest point of the object's mesh surface (float64, see
    :func:`exact_points_to_mesh`), or of its point cloud;
    ``"aabb"``: the camera centre clamped into the object's axis-aligned box (0 inside it).
    ``detail["nearest_point"]`` is that point in world coordinates.
    """
    if method not in CAMERA_METHODS:
        raise SpatialQAError(
            f"camera_object_distance: unknown method {method!r} (supported: {CAMERA_METHODS})"
        )
    centre = scene.frame(view).center
    geometry = derived(scene)
    if method == "aabb":
        found = box_of(scene, instance_id, "aabb")
        half = found.extent / 2.0
        nearest = np.clip(centre, found.center - half, found.center + half)
    elif scene.object(instance_id).mesh is not None:
        nearest = exact_points_to_mesh(geometry, centre[None, :], instance_id)[0][0]
    else:
        points = geometry.points(instance_id)
        nearest = points[int(np.argmin(np.linalg.norm(points - centre, axis=1)))]
    metres = float(np.linalg.norm(nearest - centre))
    return Fact(
        value=in_unit(metres, unit),
        unit=unit,
        primitive="surface" if method == "closest" else "aabb",
        frame=f"camera {view}",
        program=call(
            camera_object_distance, view=view, instance_id=instance_id, method=method, unit=unit
        ),
        instance_ids=(instance_id,),
        views=(view,),
        detail={"nearest_point": nearest.tolist(), "camera_center": centre.tolist()},
    )


@operation
def nearest_category(
    scene: Scene, anchor: ObjectId, categories: Sequence[str], method: str = "closest"
) -> Fact:
    """Which of ``categories`` is nearest to object ``anchor`` (VSI object_rel_distance).

    A category's distance is the least ``object_distance`` (``method``) from the anchor to any
    of its instances (the anchor itself excluded). Value: the nearest category. Margin: second
    nearest minus nearest, in metres. ``detail["min_gap"]`` is the least difference between
    any two candidates' distances (the ambiguity filter), ``detail["distances"]`` the
    distances in the order of ``categories``.
    """
    categories = list(categories)
    if len(categories) < 2 or len(set(categories)) != len(categories):
        raise SpatialQAError(
            f"nearest_category: needs two or more distinct categories (got {categories})"
        )
    distances, nearest = [], []
    for category in categories:
        ids = [i for i in scene.categories.get(category, ()) if i != anchor]
        if not ids:
            raise SpatialQAError(
                f"nearest_category: scene {scene.scene_id} has no {category!r} besides the anchor"
            )
        found = [object_distance(scene, anchor, i, method=method).value for i in ids]
        k = int(np.argmin(found))
        distances.append(float(found[k]))
        nearest.append(ids[k])
    order = np.argsort(distances, kind="stable")
    ranked = np.asarray(distances)[order]
    return Fact(
        value=categories[order[0]],
        unit="m",
        primitive="surface" if method == "closest" else method,
        frame="world",
        program=call(nearest_category, anchor=anchor, categories=categories, method=method),
        margin=float(ranked[1] - ranked[0]),
        instance_ids=(anchor, *nearest),
        detail={
            "distances": distances,
            "nearest_instances": nearest,
            "min_gap": float(np.diff(ranked).min()),
        },
    )
