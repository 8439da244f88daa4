"""Point clouds as closed surfaces for ray casting: octahedron splats.

Each point becomes a small octahedron of circumradius 1.25 x the median nearest-neighbour
spacing s. From any side an octahedron covers at least a disc of its inradius, 1.25 s / sqrt(3)
= 0.72 s, more than the s / sqrt(2) = 0.71 s that discs around the points of a square grid of
spacing s need to leave no gap: the cloud shows as a closed surface, about 1.25 s wider than its
points. Camera-independent, so it is built once per scene, not per frame (a z-buffer of
projected points would be per frame and would not occlude meshes the same way).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from spatialqa.oracle.geometry import derived
from spatialqa.scenes import Scene

SPLAT_SCALE = 1.25
"""Octahedron circumradius over the median nearest-neighbour spacing of a point cloud."""
_OCTAHEDRON = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64
)
_OCTAHEDRON_FACES = np.array(
    [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
)


def splat_radius(points: np.ndarray) -> float:
    """Octahedron circumradius for a point cloud: SPLAT_SCALE x its median nearest-neighbour
    spacing (5 mm for a single point or coincident points)."""
    if len(points) > 1:
        spacing = float(np.median(cKDTree(points).query(points, k=2)[0][:, 1]))
        if spacing > 0:
            return SPLAT_SCALE * spacing
    return 0.005


def splat_mesh(points: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Octahedron splats of a point cloud: ((6n, 3) vertices, (8n, 3) faces)."""
    vertices = (points[:, None, :] + radius * _OCTAHEDRON[None]).reshape(-1, 3)
    faces = (_OCTAHEDRON_FACES[None] + 6 * np.arange(len(points))[:, None, None]).reshape(-1, 3)
    return vertices, faces


def object_splat_radius(scene: Scene, instance_id: int) -> float:
    """The point-cloud object's splat radius (cached)."""
    points = scene.object(instance_id).points
    return derived(scene).memo("visibility_splat_radius", instance_id, lambda: splat_radius(points))
