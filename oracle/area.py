"""Room floor area: the known footprint, or an alpha shape of the scene's points as the field
computes it when no footprint is known (VSI-Bench's ``vsi_alpha5``, SpatialEvo's
``floor_alpha``)."""

from __future__ import annotations

import numpy as np
import shapely
import trimesh
from scipy.spatial import Delaunay, QhullError
from shapely.geometry import MultiPoint, Polygon

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import MAX_SAMPLES, MIN_SAMPLES, SAMPLE_SPACING_M, derived
from spatialqa.oracle.program import Range, call, operation
from spatialqa.scenes import Scene
from spatialqa.seeding import rng_for

AREA_METHODS = ("auto", "polygon", "vsi_alpha5", "floor_alpha")
VSI_POINTS = 10_000
VSI_ALPHA = 5.0
FLOOR_ALPHA = 1.0
FLOOR_PERCENTILE = 40.0
FLOOR_BAND_M = 0.1
FLOOR_VOXEL_M = 1.0


def scene_cloud(scene: Scene) -> np.ndarray:
    """The whole scene as points, (n, 3) float64 (cached): every object's dense surface samples
    (point clouds as given) and the structure's surface samples at the same density."""
    geometry = derived(scene)

    def compute() -> np.ndarray:
        parts = [geometry.samples(obj.id) for obj in scene.objects]
        for k, structure in enumerate(scene.structure):
            mesh = structure.mesh
            count = int(np.clip(mesh.area / SAMPLE_SPACING_M**2, MIN_SAMPLES, MAX_SAMPLES))
            seed = rng_for(scene.scene_id, "structure_samples", k)
            drawn, _ = trimesh.sample.sample_surface(mesh, count, seed=seed)
            parts += [np.asarray(mesh.vertices, dtype=np.float64), drawn]
        cloud = np.concatenate(parts)
        cloud.setflags(write=False)
        return cloud

    return geometry.memo("scene_cloud", None, compute)


def alpha_shape(xy: np.ndarray, alpha: float) -> shapely.Geometry:
    """The 2D alpha shape of points (n, 2) as the ``alphashape`` package builds it.

    Delaunay triangles of positive area whose circumradius is below 1 / ``alpha``, united;
    regions they enclose are filled (``alphashape`` polygonizes the triangles' edges, which
    fills holes). Fewer than four points, or points without a 2D hull: their convex hull.
    """
    if len(xy) < 4:
        return MultiPoint(xy).convex_hull
    try:
        corners = xy[Delaunay(xy).simplices]  # (t, 3, 2)
    except QhullError:
        return MultiPoint(xy).convex_hull
    sides = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2)  # (t, 3)
    ab, ac = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    area = np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]) / 2.0
    keep = (area > 0) & (sides.prod(axis=1) < 4.0 * area / alpha)  # abc / (4 area) < 1 / alpha
    if not keep.any():
        return Polygon()
    union = shapely.coverage_union_all(shapely.polygons(corners[keep]))
    parts = getattr(union, "geoms", [union])
    return shapely.union_all([Polygon(part.exterior) for part in parts if not part.is_empty])


def _vsi_alpha5(scene: Scene, seed: int) -> tuple[float, dict]:
    cloud = scene_cloud(scene)
    drawn = rng_for(scene.scene_id, "vsi_alpha5", seed).integers(len(cloud), size=VSI_POINTS)
    shape = alpha_shape(cloud[drawn, :2], VSI_ALPHA)
    return float(shape.area), {"points": VSI_POINTS, "cloud_points": len(cloud)}


def _floor_alpha(scene: Scene) -> tuple[float, dict]:
    cloud = scene_cloud(scene)
    floor = cloud[cloud[:, 2] < np.percentile(cloud[:, 2], FLOOR_PERCENTILE) + FLOOR_BAND_M]
    # Open3D's voxel_down_sample: voxels from half a voxel below the lowest corner, each
    # replaced by the mean of its points.
    origin = floor.min(axis=0) - FLOOR_VOXEL_M / 2.0
    voxel = np.floor((floor - origin) / FLOOR_VOXEL_M).astype(np.int64)
    _, inverse, counts = np.unique(voxel, axis=0, return_inverse=True, return_counts=True)
    centroids = np.zeros((len(counts), 3))
    np.add.at(centroids, inverse.ravel(), floor)
    xy = (centroids / counts[:, None])[:, :2]
    shape = alpha_shape(xy, FLOOR_ALPHA)
    fallback = shape.area <= 0.0
    area = MultiPoint(xy).convex_hull.area if fallback else shape.area
    parts = len(getattr(shape, "geoms", [shape])) if not fallback else 0
    return float(area), {
        "floor_points": len(floor),
        "voxels": len(xy),
        "parts": parts,
        "convex_hull_fallback": bool(fallback),
    }


@operation(seed=Range(0, 2**63 - 1))
def room_area(scene: Scene, method: str = "auto", seed: int = 0) -> Fact:
    """Floor area in m^2.

    ``polygon``: the exact area of ``scene.room.footprint`` (unanswerable without one);
    ``vsi_alpha5``: VSI-Bench's alpha shape (alpha 5) of 10,000 XY points drawn with
    replacement from :func:`scene_cloud` by a generator seeded with ``seed``;
    ``floor_alpha``: SpatialEvo's: points below the 40th height percentile + 0.1 m, one per
    1 m voxel (Open3D's ``voxel_down_sample``: the mean of the voxel's points), alpha shape with
    alpha 1, area summed over its parts (convex hull when it is empty); ``auto``: polygon when
    the scene has a footprint, else floor_alpha. The program records the method used.
    """
    if method not in AREA_METHODS:
        raise SpatialQAError(
            f"room_area: unknown or unsupported method {method!r} (supported: {AREA_METHODS})"
        )
    if method == "auto":
        method = "polygon" if scene.room is not None else "floor_alpha"
    program = call(room_area, method=method, seed=seed)
    if method == "polygon":
        if scene.room is None:
            return Fact(
                value=None,
                unit="m^2",
                primitive="footprint",
                frame="world",
                program=program,
                answerable=False,
                why_not=f"scene {scene.scene_id} has no room footprint",
            )
        polygon = Polygon(scene.room.footprint)
        if not polygon.is_valid:
            raise SpatialQAError(f"scene {scene.scene_id}: room.footprint is not a simple polygon")
        area, detail = float(polygon.area), {"corners": len(scene.room.footprint)}
    elif method == "vsi_alpha5":
        area, detail = derived(scene).memo("vsi_alpha5", seed, lambda: _vsi_alpha5(scene, seed))
    else:
        area, detail = derived(scene).memo("floor_alpha", None, lambda: _floor_alpha(scene))
    detail = dict(detail)  # the cached one stays as computed
    return Fact(
        value=area,
        unit="m^2",
        primitive="footprint" if method == "polygon" else f"{method}_shape",
        frame="world",
        program=program,
        detail=detail,
    )
