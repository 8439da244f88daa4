"""Per-frame visibility of every instance, by ray casting against the whole scene.

One ray per pixel centre (u + 0.5, v + 0.5) at the frame's full resolution, from the camera
centre through ``K^-1 [u + 0.5, v + 0.5, 1]`` rotated into the world (OpenCV axes). A pixel is
*visible* for instance i when the ray's first hit is i (walls, floor and ceiling occlude); it
belongs to i's *silhouette* when the ray hits i anywhere along its length (the same ray cast
against i alone), so the silhouette is the unoccluded footprint of i inside the image.
Objects given only as point clouds are not in the ray-casting scene and count zero pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import open3d as o3d

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import call, operation
from spatialqa.scenes import Frame, Scene

_NEAR = 1e-6
"""Corners closer to the camera plane than this (m) make the silhouette window the image."""


@dataclass(frozen=True, eq=False)
class FrameVisibility:
    """Pixel counts of every instance of the scene in one frame.

    Attributes
    ----------
    frame_id : str
    instance_ids : (k,) int64, every object of the scene in scene order.
    visible_pixels : (k,) int64, pixels whose first hit is the instance.
    silhouette_pixels : (k,) int64, pixels whose ray hits the instance anywhere.
    pixels : int, width * height.
    """

    frame_id: str
    instance_ids: np.ndarray
    visible_pixels: np.ndarray
    silhouette_pixels: np.ndarray
    pixels: int

    @property
    def visible_fraction(self) -> np.ndarray:
        """Visible pixels over silhouette pixels, (k,) float64 (0 where nothing is in view)."""
        silhouette = np.maximum(self.silhouette_pixels, 1)
        return self.visible_pixels / silhouette

    def is_visible(self, tau_instance: float = 0.05, tau_frame: float = 0.001) -> np.ndarray:
        """(k,) bool: fraction >= tau_instance or share of the frame >= tau_frame, and > 0 px."""
        enough = (self.visible_fraction >= tau_instance) | (
            self.visible_pixels / self.pixels >= tau_frame
        )
        return enough & (self.visible_pixels > 0)

    def index(self, instance_id: int) -> int:
        """Position of ``instance_id`` in ``instance_ids``."""
        found = np.flatnonzero(self.instance_ids == instance_id)
        if len(found) == 0:
            raise SpatialQAError(f"frame {self.frame_id!r}: no object with id {instance_id}")
        return int(found[0])


def pixel_rays(frame: Frame) -> np.ndarray:
    """Rays through every pixel centre, (height * width, 6) float32: origin, direction.

    Row-major: ray ``v * width + u`` passes through pixel (u + 0.5, v + 0.5). Directions are
    ``R K^-1 [u + 0.5, v + 0.5, 1]``, so a hit's ``t`` is its camera-z depth.
    """
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)  # pixel (u, v, 1) -> direction
    u = np.arange(frame.width, dtype=np.float64) + 0.5
    v = np.arange(frame.height, dtype=np.float64) + 0.5
    rays = np.empty((frame.height, frame.width, 6), dtype=np.float32)
    rays[..., :3] = frame.center
    for axis in range(3):
        row = to_world[axis]
        rays[..., 3 + axis] = (v[:, None] * row[1] + row[2]) + u[None, :] * row[0]
    return rays.reshape(-1, 6)


def _first_hits(scene: Scene, rays: o3d.core.Tensor) -> np.ndarray:
    """First-hit instance id per ray, (n,) int64 (-1 structure, -2 nothing)."""
    geometry = derived(scene)
    return geometry.instances_of(geometry.ray_scene.cast_rays(rays)["geometry_ids"].numpy())


def _window(frame: Frame, corners: np.ndarray) -> tuple[int, int, int, int] | None:
    """Pixel window (u0, u1, v0, v1), end-exclusive, holding the projection of an object whose
    bounding-box corners are ``corners`` (8, 3); None when it is all behind the camera.

    The object lies inside the hull of its corners, so with every corner in front of the camera
    its image lies inside the corners' projected bounding rectangle. A box reaching behind the
    camera plane gets the whole image.
    """
    uv, z = frame.project(corners)
    if np.all(z <= 0):
        return None
    if np.any(z <= _NEAR):
        return 0, frame.width, 0, frame.height
    u0, v0 = np.floor(uv.min(axis=0)).astype(int)
    u1, v1 = np.ceil(uv.max(axis=0)).astype(int) + 1
    u0, u1 = max(u0, 0), min(u1, frame.width)
    v0, v1 = max(v0, 0), min(v1, frame.height)
    if u0 >= u1 or v0 >= v1:
        return None
    return u0, u1, v0, v1


def _silhouette(scene: Scene, frame: Frame, rays: np.ndarray, instance_id: int) -> np.ndarray:
    """Flat pixel indices whose ray hits the object anywhere (its own mesh, nothing else)."""
    obj = scene.object(instance_id)
    low, high = obj.vertices.min(axis=0), obj.vertices.max(axis=0)
    window = _window(frame, np.array(list(product(*zip(low, high, strict=True)))))
    if window is None:
        return np.empty(0, dtype=np.int64)
    u0, u1, v0, v1 = window
    pixels = (np.arange(v0, v1)[:, None] * frame.width + np.arange(u0, u1)[None, :]).ravel()
    object_scene = derived(scene).object_ray_scene(instance_id)
    hit = object_scene.test_occlusions(o3d.core.Tensor(rays[pixels])).numpy()
    return pixels[hit.astype(bool)]


def _count(scene: Scene, frame: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(object ids (k,), visible pixels (k,), silhouette pixels (k,)), int64, scene order.

    Visible: one batch of rays, first hits in the whole scene. Silhouette: the same rays, for
    each object only those in its projected bounding window, cast against the object alone.
    """
    rays = pixel_rays(frame)
    first = _first_hits(scene, o3d.core.Tensor(rays))
    ids = np.array([obj.id for obj in scene.objects], dtype=np.int64)
    visible = np.zeros(len(ids), dtype=np.int64)
    silhouette = np.zeros(len(ids), dtype=np.int64)
    in_silhouette = np.zeros(len(first), dtype=bool)
    for k, obj in enumerate(scene.objects):
        if obj.mesh is None:
            continue
        seen = np.flatnonzero(first == obj.id)
        hit = _silhouette(scene, frame, rays, obj.id)
        # Count the union, so every visible pixel is in the silhouette even where the two
        # queries could disagree on a ray grazing an edge.
        in_silhouette[hit] = True
        visible[k] = len(seen)
        silhouette[k] = len(hit) + np.count_nonzero(~in_silhouette[seen])
        in_silhouette[hit] = False
    return ids, visible, silhouette


def frame_visibility(scene: Scene, frame_id: str) -> FrameVisibility:
    """Visible and silhouette pixel counts of every object in frame ``frame_id`` (cached)."""
    frame = scene.frame(frame_id)

    def compute() -> FrameVisibility:
        ids, visible, silhouette = _count(scene, frame)
        for array in (ids, visible, silhouette):
            array.setflags(write=False)
        return FrameVisibility(frame_id, ids, visible, silhouette, frame.width * frame.height)

    return derived(scene).memo("frame_visibility", frame_id, compute)


def instance_mask(scene: Scene, frame_id: str) -> np.ndarray:
    """First-hit instance id per pixel, (height, width) int64: -1 structure, -2 nothing."""
    frame = scene.frame(frame_id)
    first = _first_hits(scene, o3d.core.Tensor(pixel_rays(frame)))
    return first.reshape(frame.height, frame.width)


@operation("visibility")
def visibility(scene: Scene, instance_id: int, view: str) -> Fact:
    """Visible fraction of object ``instance_id`` in frame ``view`` (visible / silhouette px)."""
    counts = frame_visibility(scene, view)
    i = counts.index(instance_id)
    visible, silhouette = int(counts.visible_pixels[i]), int(counts.silhouette_pixels[i])
    return Fact(
        value=float(counts.visible_fraction[i]),
        unit=None,
        primitive="mesh",
        frame=f"camera {view}",
        program=call("visibility", instance_id=instance_id, view=view),
        instance_ids=(instance_id,),
        views=(view,),
        detail={
            "visible_pixels": visible,
            "silhouette_pixels": silhouette,
            "pixels": counts.pixels,
            "frame_fraction": visible / counts.pixels,
        },
    )
