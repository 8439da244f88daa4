"""Derived geometry of a Scene, computed lazily once and shared by every oracle function.

``derived(scene)`` returns the scene's :class:`SceneGeometry`, kept in a weak-keyed cache so it
lives exactly as long as the Scene (Scene compares by identity, so it hashes by identity too).
Everything here is float64 except what Open3D's ray caster needs (float32 vertices).
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Callable, Hashable
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import open3d as o3d
import trimesh

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.scenes import Scene
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID
from spatialqa.seeding import rng_for

T = TypeVar("T")

SAMPLE_SPACING_M = 0.01
"""Target spacing of the dense surface samples: one sample per (1 cm)^2 of surface."""
MIN_SAMPLES = 2_000
MAX_SAMPLES = 50_000

PER_METRE: dict[str, float] = {"m": 1.0, "cm": 100.0}
"""Length units the oracle answers in: how many of each make one metre."""

_CACHE: weakref.WeakKeyDictionary[Scene, SceneGeometry] = weakref.WeakKeyDictionary()


def in_unit(metres: float, unit: str) -> float:
    """Convert a length in metres to ``unit`` ("m" or "cm")."""
    if unit not in PER_METRE:
        raise SpatialQAError(f"unit: unknown length unit {unit!r} (supported: {sorted(PER_METRE)})")
    return float(metres) * PER_METRE[unit]


def o3d_triangles(mesh: trimesh.Trimesh) -> tuple[o3d.core.Tensor, o3d.core.Tensor]:
    """Open3D tensors (float32 vertices (n, 3), uint32 faces (m, 3)) of ``mesh``."""
    vertices = o3d.core.Tensor(np.ascontiguousarray(mesh.vertices, dtype=np.float32))
    faces = o3d.core.Tensor(np.ascontiguousarray(mesh.faces, dtype=np.uint32))
    return vertices, faces


class SceneGeometry:
    """Caches of one scene's derived geometry.

    It holds the scene weakly (the cache is keyed by the scene), so it never keeps it alive.
    ``memo`` is the generic per-scene cache used by the other oracle modules (boxes, pairwise
    distances, per-frame visibility): each value is computed once per key. ``builds`` counts
    the computations per kind, so tests and benchmarks can see that nothing is built twice.
    """

    def __init__(self, scene: Scene) -> None:
        self._scene = weakref.ref(scene)
        self._memo: dict[tuple[str, Hashable], Any] = {}
        self.builds: Counter[str] = Counter()

    @property
    def scene(self) -> Scene:
        scene = self._scene()
        if scene is None:
            raise SpatialQAError("derived geometry outlived its scene")
        return scene

    def memo(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``(kind, key)``, computing it with ``compute()`` the first time."""
        slot = (kind, key)
        if slot not in self._memo:
            self._memo[slot] = compute()
            self.builds[kind] += 1
        return self._memo[slot]

    def points(self, instance_id: int) -> np.ndarray:
        """Mesh vertices of the object, else its point cloud: (n, 3) float64, read-only."""
        return self.scene.object(instance_id).vertices

    def samples(self, instance_id: int) -> np.ndarray:
        """Deterministic dense surface samples of the object, (n, 3) float64.

        Meshes: ``trimesh.sample.sample_surface`` with about one sample per (1 cm)^2 of area
        (between 2,000 and 50,000), seeded by ``rng_for(scene_id, "samples", instance_id)``,
        plus the mesh vertices. Point clouds: the points themselves.
        """

        def compute() -> np.ndarray:
            obj = self.scene.object(instance_id)
            if obj.mesh is None:
                return obj.points
            count = int(np.clip(obj.mesh.area / SAMPLE_SPACING_M**2, MIN_SAMPLES, MAX_SAMPLES))
            seed = rng_for(self.scene.scene_id, "samples", instance_id)
            drawn, _ = trimesh.sample.sample_surface(obj.mesh, count, seed=seed)
            out = np.concatenate([np.asarray(obj.mesh.vertices, dtype=np.float64), drawn])
            out.setflags(write=False)
            return out

        return self.memo("samples", instance_id, compute)

    @property
    def ray_scene(self) -> o3d.t.geometry.RaycastingScene:
        """One Open3D ray-casting scene with every object mesh and every structure mesh."""

        def compute() -> o3d.t.geometry.RaycastingScene:
            scene = o3d.t.geometry.RaycastingScene()
            for mesh in self._ray_meshes:
                scene.add_triangles(*o3d_triangles(mesh))
            return scene

        return self.memo("ray_scene", None, compute)

    @cached_property
    def geometry_instance(self) -> np.ndarray:
        """Open3D geometry id -> instance id (structure -1), (g + 1,) int64.

        The last entry maps Open3D's invalid id (a miss, after :func:`instances_of` clips it)
        to ``BACKGROUND_ID``.
        """
        ids = [obj.id for obj in self.scene.objects if obj.mesh is not None]
        ids += [STRUCTURE_ID] * len(self.scene.structure)
        return np.array([*ids, BACKGROUND_ID], dtype=np.int64)

    @property
    def _ray_meshes(self) -> list[trimesh.Trimesh]:
        objects = [obj.mesh for obj in self.scene.objects if obj.mesh is not None]
        return objects + [structure.mesh for structure in self.scene.structure]

    def instances_of(self, geometry_ids: np.ndarray) -> np.ndarray:
        """Map Open3D geometry ids (uint32, misses = INVALID_ID) to instance ids, int64."""
        table = self.geometry_instance
        index = np.minimum(geometry_ids.astype(np.int64), len(table) - 1)
        return table[index]

    def object_ray_scene(self, instance_id: int) -> o3d.t.geometry.RaycastingScene:
        """A ray-casting scene holding only this object's mesh (closest-point queries)."""

        def compute() -> o3d.t.geometry.RaycastingScene:
            mesh = self.scene.object(instance_id).mesh
            if mesh is None:
                raise SpatialQAError(f"object {instance_id} has no mesh")
            scene = o3d.t.geometry.RaycastingScene()
            scene.add_triangles(*o3d_triangles(mesh))
            return scene

        return self.memo("object_ray_scene", instance_id, compute)


def derived(scene: Scene) -> SceneGeometry:
    """The cached :class:`SceneGeometry` of ``scene`` (created on first use)."""
    geometry = _CACHE.get(scene)
    if geometry is None:
        geometry = SceneGeometry(scene)
        _CACHE[scene] = geometry
    return geometry


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
