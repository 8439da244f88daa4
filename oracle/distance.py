"""Distances: between two objects (exact closest points, box centres, VSI's shell grids), and
from a camera to an object.

For two triangle meshes whose surfaces do not cross, the closest pair of points lies either
at a vertex of one mesh (against a triangle of the other) or in the interior of an edge of
each (edge against edge). ``closest`` evaluates both families exactly in float64:

1. every vertex of A against B and every vertex of B against A (Open3D's closest-point query
   picks the triangle; the point on it is recomputed in float64 by trimesh);
2. every pair of edges that could beat step 1's distance, pruned by bounding spheres, by the
   segment-segment formula.

Both steps first drop, with a KD-tree over the other mesh's vertices, what provably cannot win:
every point of a triangle lies within the mesh's longest edge of a vertex, so a point's
distance to the surface is at least its distance to the nearest vertex minus that edge. On
dense scans this leaves the few thousand vertices and edges near the gap.

Surfaces that cross are found by casting each edge of one mesh against the other (distance 0).
Watertight meshes are solids: an object inside a watertight one is at distance 0. Point-cloud
objects use their points: against a mesh, exact point-to-triangle; against points, a KD-tree.

``vsi_grid`` reproduces the VSI recipe: each object's box filled with a grid of at most 5 cm
spacing, its core dropped, and the least distance between the two grids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d
import trimesh
from scipy.spatial import cKDTree

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import Box, box_of
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import SceneGeometry, derived, in_unit
from spatialqa.oracle.program import call, operation
from spatialqa.scenes import Scene

DISTANCE_METHODS = ("closest", "centroid", "vsi_grid")
CAMERA_METHODS = ("closest", "aabb")
GRID_SPACING_M = 0.05
"""Largest spacing of the ``vsi_grid`` points along each box axis."""
_EDGE_CHUNK = 4096
"""Edges of A per block when comparing edge pairs (bounds memory to chunk x candidates of B)."""
_BOUND_VERTICES = 2048
"""Vertices per mesh whose distances to the other give the first bound on the closest pair."""
_ROUNDING_M = 1e-9
"""Added to the pruning bounds, so that rounding never drops the point that set them."""


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


def points_to_mesh(
    geometry: SceneGeometry, points: np.ndarray, instance_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Closest points on the object's mesh to ``points`` (n, 3): ((n, 3) points, (n,) distances).

    Open3D (float32) chooses the triangle; the closest point on it is recomputed in float64.
    """
    mesh = geometry.scene.object(instance_id).mesh
    ray_scene = geometry.object_ray_scene(instance_id)
    faces = ray_scene.compute_closest_points(_tensor(points))["primitive_ids"].numpy()
    on_mesh = trimesh.triangles.closest_point(mesh.triangles[faces.astype(np.int64)], points)
    return on_mesh, np.linalg.norm(on_mesh - points, axis=1)


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


def _vertices_to_mesh(
    geometry: SceneGeometry, source: int, target: int, points: np.ndarray | None = None
) -> Closest:
    """Closest pair between the vertices (or points) of ``source`` (or those ``points`` of
    them) and the mesh of ``target``."""
    points = geometry.points(source) if points is None else points
    on_mesh, distance = points_to_mesh(geometry, points, target)
    best = int(np.argmin(distance))
    return Closest(float(distance[best]), points[best].copy(), on_mesh[best])


def _upper_bound(geometry: SceneGeometry, a: int, b: int) -> float:
    """A distance the closest pair cannot exceed: that of evenly strided vertices of each mesh
    (at most ``_BOUND_VERTICES``) to the other's surface, which they lie off."""
    bound = np.inf
    for source, target in ((a, b), (b, a)):
        points = geometry.points(source)
        step = max(1, len(points) // _BOUND_VERTICES)
        _, distance = points_to_mesh(geometry, points[::step], target)
        bound = min(bound, float(distance.min()))
    return bound


def _edges(geometry: SceneGeometry, instance_id: int) -> tuple[np.ndarray, np.ndarray]:
    mesh = geometry.scene.object(instance_id).mesh
    edges = mesh.edges_unique
    return mesh.vertices[edges[:, 0]], mesh.vertices[edges[:, 1]]


def _crossing(geometry: SceneGeometry, source: int, target: int) -> Closest | None:
    """A point where an edge of ``source`` passes through the surface of ``target``, if any."""
    start, end = _edges(geometry, source)
    rays = np.concatenate([start, end - start], axis=1)
    t_hit = geometry.object_ray_scene(target).cast_rays(_tensor(rays))["t_hit"].numpy()
    hits = np.flatnonzero(t_hit <= 1.0)
    if len(hits) == 0:
        return None
    first = hits[0]
    point = start[first] + (end[first] - start[first]) * float(t_hit[first])
    return Closest(0.0, point, point.copy())


def _near_edges(geometry: SceneGeometry, source: int, target: int, bound: float) -> np.ndarray:
    """Indices of ``source``'s edges that may come closer than ``bound`` to ``target``'s mesh.

    An edge lies within its bounding sphere (midpoint, half length), so its distance to the
    mesh is at least dist(midpoint, mesh) - half length.
    """
    start, end = _edges(geometry, source)
    middle = (start + end) / 2.0
    radius = np.linalg.norm(end - start, axis=1) / 2.0
    maybe = _may_beat(geometry, middle, radius, target, bound)
    _, distance = points_to_mesh(geometry, middle[maybe], target)
    return maybe[distance - radius[maybe] < bound]


def _edge_pairs(geometry: SceneGeometry, a: int, b: int, best: Closest) -> Closest:
    """Improve ``best`` with the exact distance of every edge pair that could beat it."""
    near_a = _near_edges(geometry, a, b, best.distance)
    near_b = _near_edges(geometry, b, a, best.distance)
    if len(near_a) == 0 or len(near_b) == 0:
        return best
    start_a, end_a = (x[near_a] for x in _edges(geometry, a))
    start_b, end_b = (x[near_b] for x in _edges(geometry, b))
    mid_b = (start_b + end_b) / 2.0
    radius_b = np.linalg.norm(end_b - start_b, axis=1) / 2.0
    for lo in range(0, len(near_a), _EDGE_CHUNK):
        p1, q1 = start_a[lo : lo + _EDGE_CHUNK], end_a[lo : lo + _EDGE_CHUNK]
        mid_a = (p1 + q1) / 2.0
        radius_a = np.linalg.norm(q1 - p1, axis=1) / 2.0
        gap = np.linalg.norm(mid_a[:, None, :] - mid_b[None, :, :], axis=2)
        i, j = np.nonzero(gap - radius_a[:, None] - radius_b[None, :] < best.distance)
        if len(i) == 0:
            continue
        distance, on_a, on_b = segment_distances(p1[i], q1[i], start_b[j], end_b[j])
        k = int(np.argmin(distance))
        if distance[k] < best.distance:
            best = Closest(float(distance[k]), on_a[k], on_b[k])
    return best


def _inside(geometry: SceneGeometry, inner: int, outer: int) -> Closest | None:
    """When ``outer`` is watertight and holds ``inner`` (their surfaces do not cross): a point.

    Every point of ``inner`` must test inside: Open3D's occupancy vote misjudges points that lie
    in the plane of one of ``outer``'s faces (an object standing on the floor beside a cabinet),
    so one point alone would call a pair 1.2 m apart touching.
    """
    if not geometry.scene.object(outer).mesh.is_watertight:
        return None
    points = geometry.points(inner)
    occupied = geometry.object_ray_scene(outer).compute_occupancy(_tensor(points), nsamples=3)
    if not np.all(occupied.numpy() > 0.5):
        return None
    return Closest(0.0, points[0].copy(), points[0].copy())


def _mesh_mesh(geometry: SceneGeometry, a: int, b: int) -> Closest:
    for found in (
        _crossing(geometry, a, b),
        _crossing(geometry, b, a),
        _inside(geometry, a, b),
        _inside(geometry, b, a),
    ):
        if found is not None:
            return found
    bound = _upper_bound(geometry, a, b)
    sides = []
    for source, target in ((a, b), (b, a)):
        points = geometry.points(source)
        near = points[_may_beat(geometry, points, 0.0, target, bound)]
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


def shell_grid(box: Box, spacing: float = GRID_SPACING_M) -> np.ndarray:
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


@operation("object_distance")
def object_distance(
    scene: Scene,
    a: int,
    b: int,
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
        program=call("object_distance", a=a, b=b, method=method, unit=unit, box=box),
        instance_ids=(a, b),
        detail={
            "closest_points": [closest.point_a.tolist(), closest.point_b.tolist()],
            "closest_distance_m": closest.distance,
            "centroid_distance": centroid,
        },
    )


@operation("camera_object_distance")
def camera_object_distance(
    scene: Scene, view: str, instance_id: int, method: str = "closest", unit: str = "m"
) -> Fact:
    """Distance from the camera centre of frame ``view`` to the nearest point of the object.

    ``method="closest"``: the exact nearest point of the object's mesh surface (Open3D picks the
    triangle, the point on it is recomputed in float64), or of its point cloud;
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
        nearest = points_to_mesh(geometry, centre[None, :], instance_id)[0][0]
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
            "camera_object_distance", view=view, instance_id=instance_id, method=method, unit=unit
        ),
        instance_ids=(instance_id,),
        views=(view,),
        detail={"nearest_point": nearest.tolist(), "camera_center": centre.tolist()},
    )
