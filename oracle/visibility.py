"""Per-frame visibility of every instance, by ray casting against the whole scene.

One ray per pixel centre at the frame's full resolution, OpenCV convention (pixel (u, v) is
centred at the integer image point (u, v) and covers [u - 0.5, u + 0.5] x [v - 0.5, v + 0.5], as
the renderers draw it), from the camera centre through ``K^-1 [u, v, 1]`` rotated into the world
(OpenCV axes), so a hit's ``t`` is its camera-frame depth; pixels outside every object's
projected bounding window are skipped (no object can show there). All rays of a frame go out as
one batch through Open3D's ``RaycastingScene.list_intersections`` over the objects, which
returns every object hit along every ray: the rays that hit instance i anywhere form its
*silhouette* (its unoccluded footprint inside the image), and the nearest object hit is what the
pixel shows unless the structure (walls, floor, ceiling) is hit first (an any-hit query along
the same rays, up to that depth). Both come from the same intersections, so every visible pixel
lies in its instance's silhouette and every silhouette pixel is either visible or hidden by
exactly one occluder.

Truncation: the batch also holds rays through the pixels of a padded image plane (one image
size beyond each border) inside the projected bounding windows of objects that reach past the
border, sampled on a grid centred on the image centre (so a mirrored scene samples mirrored
points) with a stride that keeps them under 1/16 of the image's pixels (each ray then stands
for stride^2 pixels). Silhouette outside the padded plane is not seen, so an object
reaching further (or behind the camera plane) has its truncation underestimated.

Point clouds (objects without a mesh) are splatted: each point becomes a small octahedron of
circumradius 1.25 x the median nearest-neighbour spacing s. From any side an octahedron covers
at least a disc of its inradius, 1.25 s / sqrt(3) = 0.72 s, more than the s / sqrt(2) = 0.71 s
that discs around the points of a square grid of spacing s need to leave no gap: the cloud
shows as a closed surface, about 1.25 s wider than its points. Camera-independent, so it is
built once per scene, not per frame (a z-buffer of projected points would be per frame and
would not occlude meshes the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d
from scipy.spatial import ConvexHull, QhullError, cKDTree

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import NO_HIT_ID, STRUCTURE_ID, derived, o3d_triangles
from spatialqa.oracle.program import FrameId, ObjectId, OccluderId, Range, call, operation
from spatialqa.scenes import Frame, Scene

HIT_BUDGET = 1 << 20
"""(ray, object) hits listed at once, about: rays are cast in chunks (see
:func:`_rays_per_chunk`), so a frame's peak memory does not grow with rays x objects."""
SPLAT_SCALE = 1.25
"""Octahedron circumradius over the median nearest-neighbour spacing of a point cloud."""
_NEAR = 1e-4
"""Boxes are clipped to camera z >= this (m) before projecting their windows: a part nearer the
camera plane shows inside the image only within 0.1 mm of the camera centre."""
_EDGES = np.array([(i, i | 1 << b) for i in range(8) for b in range(3) if not i & 1 << b])
"""The 12 edges of a box whose corner i has bit b set on axis b."""
_OCTAHEDRON = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64
)
_OCTAHEDRON_FACES = np.array(
    [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
)


@dataclass(frozen=True, eq=False)
class FrameVisibility:
    """Pixel counts and visible-part statistics of every instance of the scene in one frame.

    Attributes
    ----------
    frame_id : str
    instance_ids : (k,) int64, every object of the scene in scene order.
    visible_pixels : (k,) int64, pixels whose first hit is the instance.
    silhouette_pixels : (k,) int64, image pixels whose ray hits the instance anywhere.
    pixels : int, width * height.
    outside_pixels : (k,) float64, silhouette area beyond the image border (padded plane), px.
    occlusions : (p, 3) int64, rows [i, j, pixels]: silhouette pixels of object index i whose
        first hit is object index j (j = k: the structure), for the p pairs with pixels > 0,
        sorted by (i, j); i != j. Sparse, so a frame's memory grows with its pairs, not with
        k^2 (:attr:`occluded_pixels` is the dense matrix, for small scenes).
    boxes : (k, 4) float64, [x1, y1, x2, y2] enclosing the visible pixels' squares, in image
        coordinates: [u_min - 0.5, v_min - 0.5, u_max + 0.5, v_max + 0.5]; NaN where nothing
        is visible.
    points : (k, 2) float64, the visible pixel centre (integer u, v) nearest the visible
        part's centroid (on the object even when its visible part is not convex); NaN where
        nothing is visible.
    depths : (k,) float64, mean camera-frame z of the visible surface (one sample per
        visible pixel), metres; NaN where nothing is visible.
    """

    frame_id: str
    instance_ids: np.ndarray
    visible_pixels: np.ndarray
    silhouette_pixels: np.ndarray
    pixels: int
    outside_pixels: np.ndarray
    occlusions: np.ndarray
    boxes: np.ndarray
    points: np.ndarray
    depths: np.ndarray

    @property
    def visible_fraction(self) -> np.ndarray:
        """Visible pixels over silhouette pixels, (k,) float64 (0 where nothing is in view)."""
        return self.visible_pixels / np.maximum(self.silhouette_pixels, 1)

    @property
    def shown_fraction(self) -> np.ndarray:
        """Visible pixels over the whole projected silhouette, border included, (k,) float64:
        the share of the object a viewer of this image sees."""
        total = self.silhouette_pixels + self.outside_pixels
        return np.divide(self.visible_pixels, total, out=np.zeros(len(total)), where=total > 0)

    @property
    def truncation(self) -> np.ndarray:
        """Share of the projected silhouette beyond the image border, (k,) float64."""
        total = self.silhouette_pixels + self.outside_pixels
        return np.divide(self.outside_pixels, total, out=np.zeros(len(total)), where=total > 0)

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

    @property
    def occluded_pixels(self) -> np.ndarray:
        """(k, k + 1) int64, [i, j]: silhouette pixels of i whose first hit is object j
        (column k: the structure); the diagonal is zero. Dense: k^2 memory."""
        k = len(self.instance_ids)
        dense = np.zeros((k, k + 1), dtype=np.int64)
        dense[self.occlusions[:, 0], self.occlusions[:, 1]] = self.occlusions[:, 2]
        return dense

    def occluders(self, instance_id: int) -> dict[int, int]:
        """Occluder id (-1: structure) -> pixels of the instance's silhouette it hides."""
        i = self.index(instance_id)
        lo, hi = np.searchsorted(self.occlusions[:, 0], [i, i + 1])
        ids = [*self.instance_ids.tolist(), STRUCTURE_ID]
        return {ids[int(j)]: int(c) for _, j, c in self.occlusions[lo:hi]}


def rays_through(frame: Frame, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rays through the centres of pixels (u, v), (n, 6) float32: origin, direction.

    Directions are ``R K^-1 [u, v, 1]`` (OpenCV: pixel centres at integer image points), so a
    hit's ``t`` is its camera-z depth.
    """
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    rays = np.empty((len(u), 6), dtype=np.float32)
    rays[:, :3] = frame.center
    for axis in range(3):  # elementwise, not a BLAS matmul: no thread pool for a 3x3
        row = to_world[axis]
        rays[:, 3 + axis] = u * row[0] + v * row[1] + row[2]
    return rays


def pixel_rays(frame: Frame) -> np.ndarray:
    """Rays through every pixel centre, (height * width, 6) float32: origin, direction.

    Row-major: ray ``v * width + u`` passes through the image point (u, v).
    """
    v, u = np.divmod(np.arange(frame.width * frame.height), frame.width)
    return rays_through(frame, u, v)


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


def _radius(scene: Scene, instance_id: int) -> float:
    """The point-cloud object's splat radius (cached)."""
    points = scene.object(instance_id).points
    return derived(scene).memo("visibility_splat_radius", instance_id, lambda: splat_radius(points))


def _ray_scenes(scene: Scene) -> tuple[o3d.t.geometry.RaycastingScene, ...]:
    """(objects, structure) ray-casting scenes; object k of the scene is geometry id k."""

    def build() -> tuple[o3d.t.geometry.RaycastingScene, ...]:
        objects = o3d.t.geometry.RaycastingScene()
        for obj in scene.objects:
            if obj.mesh is not None:
                objects.add_triangles(*o3d_triangles(obj.mesh))
            else:
                vertices, faces = splat_mesh(obj.points, _radius(scene, obj.id))
                objects.add_triangles(
                    o3d.core.Tensor(vertices.astype(np.float32)),
                    o3d.core.Tensor(faces.astype(np.uint32)),
                )
        structure = o3d.t.geometry.RaycastingScene()
        for part in scene.structure:
            structure.add_triangles(*o3d_triangles(part.mesh))
        return objects, structure

    return derived(scene).memo("visibility_ray_scenes", None, build)


def _hulls(scene: Scene) -> list[np.ndarray]:
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
                hull = splat_mesh(hull, _radius(scene, obj.id))[0]
            out.append(hull)
        return out

    return derived(scene).memo("visibility_hulls", None, compute)


def _clipped(corners: np.ndarray) -> np.ndarray:
    """Vertices (q, 3) of the part of a box (corners (8, 3), camera coordinates) at z >= _NEAR:
    the corners in front and the points where its edges cross that plane."""
    a, b = corners[_EDGES[:, 0]], corners[_EDGES[:, 1]]
    crossing = (a[:, 2] - _NEAR) * (b[:, 2] - _NEAR) < 0
    a, b = a[crossing], b[crossing]
    cut = a + ((_NEAR - a[:, 2]) / (b[:, 2] - a[:, 2]))[:, None] * (b - a)
    return np.concatenate([corners[corners[:, 2] >= _NEAR], cut])


def _windows(scene: Scene, frame: Frame) -> np.ndarray:
    """(3 h, 3 w) bool over the padded plane (u in [-w, 2w), v in [-h, 2h)): pixels inside
    some object's projected bounding window. Only their rays can hit an object: with its hull
    in front of the camera, an object's image lies in the bounding rectangle of its projected
    hull vertices; one reaching behind the camera plane lies in its camera-axis box, clipped
    to z >= _NEAR and projected."""
    width, height = frame.width, frame.height
    limit = 10.0 * (width + height)  # far beyond the padded plane, and safe to cast to int
    plane = np.zeros((3 * height, 3 * width), dtype=bool)
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    for hull in _hulls(scene):
        front = frame.world_to_camera(hull)
        if np.any(front[:, 2] < _NEAR):
            box = np.where(bits, front.max(axis=0), front.min(axis=0))
            front = _clipped(box)
            if len(front) == 0:
                continue
        uv = np.clip((front @ frame.K.T)[:, :2] / front[:, 2:], -limit, limit)
        u0, v0 = np.floor(uv.min(axis=0)).astype(int)
        u1, v1 = np.ceil(uv.max(axis=0)).astype(int) + 1
        plane[
            max(v0 + height, 0) : max(min(v1 + height, 3 * height), 0),
            max(u0 + width, 0) : max(min(u1 + width, 3 * width), 0),
        ] = True
    return plane


def _samples(scene: Scene, frame: Frame, budget: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(flat indices of the image pixels to cast, (q, 2) padded-plane pixels (u, v) outside the
    image, stride): every pixel in an object's window, and outside the image the window pixels
    on a grid of the stride that keeps them within ``budget``."""
    width, height = frame.width, frame.height
    plane = _windows(scene, frame)
    pixels = np.flatnonzero(plane[height : 2 * height, width : 2 * width])
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
    return pixels, np.stack([u[keep], v[keep]], axis=1), stride


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


@dataclass(frozen=True)
class _Trace:
    """What the rays found: the first hit of every image pixel and, when asked for, the
    (object, ray) pairs that hit, already counted (rays past the image ``pixels`` are the
    padded samples)."""

    first: np.ndarray  # (n,) per image pixel: object index, k = structure, k + 1 = nothing
    depth: np.ndarray  # (n,) camera-z of the first object hit (NaN elsewhere)
    silhouette: np.ndarray  # (k,) image rays that hit each object
    outside: np.ndarray  # (k,) padded rays that hit each object
    occlusions: np.ndarray  # (p, 3) [i, j, image rays of i whose first hit is j], sorted


def _rays_per_chunk(k: int) -> int:
    """Rays cast at once: about ``HIT_BUDGET`` hits, a ray meeting each object twice (in and
    out of a closed surface), so what one chunk lists does not grow with rays x objects."""
    return max(64, HIT_BUDGET // (2 * max(k, 1)))


def _trace(
    scene: Scene, frame: Frame, pixels: np.ndarray, padded: np.ndarray, pairs: bool = True
) -> _Trace:
    """Cast rays through the image ``pixels`` (flat indices) and the ``padded`` (u, v) beyond
    the border against the objects and the structure (where an object is hit: elsewhere
    ``first`` says nothing was hit), in chunks of :func:`_rays_per_chunk` rays; with
    ``pairs``, count the (object, ray) hits. Each ray's result depends on that ray alone, so
    the chunking changes no count.
    """
    objects, structure = _ray_scenes(scene)
    k, n, m = len(scene.objects), frame.width * frame.height, len(pixels)
    u = np.concatenate([pixels % frame.width, padded[:, 0]])
    v = np.concatenate([pixels // frame.width, padded[:, 1]])
    first = np.full(n, k + 1, dtype=np.int64)
    nearest = np.full(n, np.inf)
    wall = np.zeros(n, dtype=bool)
    silhouette = np.zeros(k, dtype=np.int64)
    outside = np.zeros(k, dtype=np.int64)
    occlusions = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    step = _rays_per_chunk(k)
    for lo in range(0, len(u), step):  # no rays, no call: Open3D crashes on an empty batch
        hi = min(lo + step, len(u))
        rays = rays_through(frame, u[lo:hi], v[lo:hi])
        listed = objects.list_intersections(o3d.core.Tensor(rays))
        hit_ray = listed["ray_ids"].numpy().astype(np.int64)  # within the chunk
        hit_object = listed["geometry_ids"].numpy().astype(np.int64)
        t = listed["t_hit"].numpy()
        splits = listed["ray_splits"].numpy().astype(np.int64)
        del listed
        image = max(0, min(hi, m) - lo)  # the chunk's image rays come first
        if image:
            # Hits come grouped by ray (``ray_splits``): segment minima give each ray's
            # nearest hit, and among hits at that depth the lowest object index.
            splits = splits[: image + 1]
            starts = splits[:-1][splits[1:] > splits[:-1]]
            struck = hit_ray[starts]  # chunk rays (all image rays) with a hit, ascending
            hits = splits[-1]  # reduceat's last segment runs to the end: stop at image hits
            nearest_t = np.minimum.reduceat(t[:hits], starts) if len(starts) else t[:0]
            at_nearest = t[:hits] == np.repeat(nearest_t, np.diff(np.append(starts, hits)))
            masked = np.where(at_nearest, hit_object[:hits], k + 1)
            where = pixels[lo + struck]
            nearest[where] = nearest_t
            first[where] = np.minimum.reduceat(masked, starts) if len(starts) else masked[:0]
            # The structure hides an object hit when it is hit first: an any-hit query along
            # each ray up to its nearest object hit (direction scaled by that depth, tfar = 1).
            scaled = rays[struck]
            scaled[:, 3:] *= nearest_t[:, None]
            if len(scaled):
                occluded = structure.test_occlusions(o3d.core.Tensor(scaled), tfar=1.0).numpy()
                wall[where] = occluded
                first[where[occluded]] = k
        if pairs and len(hit_ray):
            found = _count_hits(k, first, pixels, lo, image, hit_ray, hit_object)
            silhouette += found[0]
            outside += found[1]
            occlusions = _merge(occlusions, found[2])
    depth = np.where(wall, np.nan, nearest)
    keys, counts = occlusions
    table = np.stack([keys // (k + 1), keys % (k + 1), counts], axis=1).astype(np.int64)
    return _Trace(first, depth, silhouette, outside, table)


def _count_hits(
    k: int,
    first: np.ndarray,
    pixels: np.ndarray,
    lo: int,
    image: int,
    hit_ray: np.ndarray,
    hit_object: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """A chunk's (silhouette (k,), outside (k,), occlusion (keys i (k + 1) + j, counts)).

    Each (object, ray) pair once: an object entered and left counts one pixel. Hits come
    grouped by ray, so a stable sort of (ray, object) keys is nearly free.
    """
    keys = np.sort(hit_ray * k + hit_object, kind="stable")
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    hit_ray, hit_object = keys // k, keys % k
    inside = hit_ray < image
    silhouette = np.bincount(hit_object[inside], minlength=k)
    outside = np.bincount(hit_object[~inside], minlength=k)
    cover = first[pixels[lo + hit_ray[inside]]]  # k: structure; never k + 1 (a hit)
    hidden = cover != hit_object[inside]
    pair = hit_object[inside][hidden] * (k + 1) + cover[hidden]
    return silhouette, outside, np.unique(pair, return_counts=True)


def _merge(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Sum two sparse counts (sorted unique keys, counts) into one."""
    keys, inverse = np.unique(np.concatenate([a[0], b[0]]), return_inverse=True)
    return keys, np.bincount(inverse, np.concatenate([a[1], b[1]]), len(keys)).astype(np.int64)


def _visible_stats(
    trace: _Trace, k: int, frame: Frame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(visible pixels (k,), boxes (k, 4), points (k, 2), depths (k,)) from the first hits.

    Everything is (n,) or (k,): nothing grows with objects x pixels.
    """
    width, height = frame.width, frame.height
    shown = np.flatnonzero(trace.first < k)
    owner = trace.first[shown]
    u, v = shown % width, shown // width
    visible = np.bincount(owner, minlength=k)
    seen = visible > 0
    count = np.maximum(visible, 1)
    low_u, low_v = np.full(k, width, dtype=np.int64), np.full(k, height, dtype=np.int64)
    high_u, high_v = np.full(k, -1, dtype=np.int64), np.full(k, -1, dtype=np.int64)
    np.minimum.at(low_u, owner, u)
    np.minimum.at(low_v, owner, v)
    np.maximum.at(high_u, owner, u)
    np.maximum.at(high_v, owner, v)
    # The squares of the first and last pixel centres in each direction: +-0.5 around them.
    boxes = np.stack([low_u - 0.5, low_v - 0.5, high_u + 0.5, high_v + 0.5], axis=1)
    boxes[~seen] = np.nan
    centroid = (
        np.stack([np.bincount(owner, u, k), np.bincount(owner, v, k)], axis=1) / count[:, None]
    )
    distance = (u - centroid[owner, 0]) ** 2 + (v - centroid[owner, 1]) ** 2
    least = np.full(k, np.inf)
    np.minimum.at(least, owner, distance)
    pick = np.full(k, len(trace.first), dtype=np.int64)
    at_least = distance == least[owner]
    np.minimum.at(pick, owner[at_least], shown[at_least])  # ties: first in raster order
    points = np.full((k, 2), np.nan)
    points[seen] = np.stack([pick[seen] % width, pick[seen] // width], axis=1)
    depths = np.where(seen, np.bincount(owner, trace.depth[shown], k) / count, np.nan)
    return visible, boxes, points, depths


def _count(scene: Scene, frame: Frame) -> FrameVisibility:
    n = frame.width * frame.height
    k = len(scene.objects)
    pixels, padded, stride = _samples(scene, frame, budget=n // 16)
    trace = _trace(scene, frame, pixels, padded)
    outside = trace.outside * float(stride**2)
    visible, boxes, points, depths = _visible_stats(trace, k, frame)
    ids = np.array([obj.id for obj in scene.objects], dtype=np.int64)
    arrays = (ids, visible, trace.silhouette, outside, trace.occlusions, boxes, points, depths)
    for array in arrays:
        array.setflags(write=False)
    return FrameVisibility(
        frame.id,
        ids,
        visible,
        trace.silhouette,
        n,
        outside,
        trace.occlusions,
        boxes,
        points,
        depths,
    )


_PIXEL_BYTES = 320
"""Transient bytes per pixel of the frame being traced (windows, rays, first hits, depths)."""
_HIT_BYTES = 128
"""Transient bytes per listed hit (Open3D's arrays, their int64 copies, sort keys, masks)."""
_OBJECT_BYTES = 512
"""Transient bytes per object while a frame is traced (counts, boxes, centroids)."""
_KEPT_OBJECT_BYTES = 128
"""Bytes per object of each cached FrameVisibility (ids, counts, boxes, points, depths)."""
_PAIR_BYTES = 24
"""Bytes per (object, occluder) pair of each cached FrameVisibility; merging them while
tracing holds about three times that."""
_FIXED_BYTES = 64 << 20
"""Open3D's ray-casting scenes and thread pools beyond the meshes themselves, about."""


def visibility_bytes(objects: int, pixels: int, frames: int) -> int:
    """Upper estimate of the peak memory (bytes) of the visibility of ``frames`` frames of
    ``pixels`` pixels each with ``objects`` objects, every frame's result kept (cached).

    Why: a pipeline checks it before a shard starts. One frame is traced at a time: its
    transient memory is per pixel, per listed hit (rays go out in chunks of about
    :data:`HIT_BUDGET` hits, so it does not grow with rays x objects) and per object; what is
    kept per frame grows with objects and with (object, occluder) pairs, at most
    objects x (objects + 1) and objects x pixels (the estimate takes the smaller; real scenes
    have far fewer). The meshes and their ray-casting structures are not included: they grow
    with vertices, not with objects or pixels.
    """
    objects, pixels, frames = max(int(objects), 1), max(int(pixels), 1), max(int(frames), 0)
    rays = pixels + pixels // 16  # the padded samples beyond the border are at most 1/16
    chunk_hits = min(rays, _rays_per_chunk(objects)) * 2 * objects
    pairs = min(objects * (objects + 1), pixels * objects)
    transient = (
        _PIXEL_BYTES * pixels
        + _HIT_BYTES * chunk_hits
        + _OBJECT_BYTES * objects
        + 3 * _PAIR_BYTES * pairs
    )
    kept = frames * (_KEPT_OBJECT_BYTES * objects + _PAIR_BYTES * pairs)
    return _FIXED_BYTES + transient + kept


def frame_visibility(scene: Scene, frame_id: str) -> FrameVisibility:
    """Visibility of every object in frame ``frame_id``, from one batch of rays (cached)."""
    frame = scene.frame(frame_id)
    return derived(scene).memo("frame_visibility", frame_id, lambda: _count(scene, frame))


def instance_mask(scene: Scene, frame_id: str) -> np.ndarray:
    """First-hit instance id per pixel, (height, width) int64: -1 structure, -2 nothing.

    The same trace as ``frame_visibility`` (so it agrees pixel for pixel), plus an any-hit
    query on the structure for the pixels no object covers.
    """
    frame = scene.frame(frame_id)
    k = len(scene.objects)
    window = _windows(scene, frame)[frame.height : 2 * frame.height, frame.width : 2 * frame.width]
    pixels = np.flatnonzero(window)
    first = _trace(scene, frame, pixels, np.empty((0, 2), dtype=np.int64), pairs=False).first
    bare = np.flatnonzero(first == k + 1)
    rays = rays_through(frame, bare % frame.width, bare // frame.width)
    rays[:, 3:] *= 1e6  # tfar = 1 reaches a kilometre
    _, structure = _ray_scenes(scene)
    first[bare[structure.test_occlusions(o3d.core.Tensor(rays), tfar=1.0).numpy()]] = k
    ids = np.array([*(obj.id for obj in scene.objects), STRUCTURE_ID, NO_HIT_ID])
    return ids[first].reshape(frame.height, frame.width)


def _frame_fact(value, view: str, program: dict, instance_ids: tuple[int, ...], **kw) -> Fact:
    return Fact(
        value=value,
        unit=None,
        primitive="mesh",
        frame=f"camera {view}",
        program=program,
        instance_ids=instance_ids,
        views=(view,),
        **kw,
    )


@operation("visibility")
def visibility(scene: Scene, instance_id: ObjectId, view: FrameId) -> Fact:
    """Visible fraction of object ``instance_id`` in frame ``view`` (visible / silhouette px).

    ``detail`` adds the pixel counts, the truncation by the image border and the occluders
    (id -> hidden pixels, -1 for walls, floor and ceiling).
    """
    counts = frame_visibility(scene, view)
    i = counts.index(instance_id)
    visible, silhouette = int(counts.visible_pixels[i]), int(counts.silhouette_pixels[i])
    return _frame_fact(
        float(counts.visible_fraction[i]),
        view,
        call("visibility", instance_id=instance_id, view=view),
        (instance_id,),
        detail={
            "visible_pixels": visible,
            "silhouette_pixels": silhouette,
            "pixels": counts.pixels,
            "frame_fraction": visible / counts.pixels,
            "truncation": float(counts.truncation[i]),
            "occluders": counts.occluders(instance_id),
        },
    )


@operation("truncation")
def truncation(scene: Scene, instance_id: ObjectId, view: FrameId) -> Fact:
    """Share of the object's projected (unoccluded) silhouette beyond the image border."""
    counts = frame_visibility(scene, view)
    i = counts.index(instance_id)
    return _frame_fact(
        float(counts.truncation[i]),
        view,
        call("truncation", instance_id=instance_id, view=view),
        (instance_id,),
        detail={
            "silhouette_pixels": int(counts.silhouette_pixels[i]),
            "outside_pixels": float(counts.outside_pixels[i]),
        },
    )


@operation("occlusion")
def occlusion(scene: Scene, target: ObjectId, occluder: OccluderId, view: FrameId) -> Fact:
    """Share of ``target``'s silhouette in the image whose first hit is ``occluder``.

    ``occluder`` -1 stands for the structure (walls, floor, ceiling).
    """
    counts = frame_visibility(scene, view)
    silhouette = int(counts.silhouette_pixels[counts.index(target)])
    if occluder != target and occluder != STRUCTURE_ID:
        counts.index(occluder)  # an unknown id is an error, not zero occlusion
    hidden = counts.occluders(target).get(occluder, 0)
    return _frame_fact(
        hidden / max(silhouette, 1),
        view,
        call("occlusion", target=target, occluder=occluder, view=view),
        (target,) if occluder == STRUCTURE_ID else (target, occluder),
        detail={"hidden_pixels": hidden, "silhouette_pixels": silhouette},
    )


@operation("occluded_by", min_fraction=Range(0.0, 1.0))
def occluded_by(
    scene: Scene, target: ObjectId, occluder: OccluderId, view: FrameId, min_fraction: float = 0.1
) -> Fact:
    """ "yes" when ``occluder`` hides at least ``min_fraction`` of ``target``'s silhouette.

    The margin is the distance of the hidden share from ``min_fraction``.
    """
    share = occlusion(scene, target, occluder, view)
    return _frame_fact(
        "yes" if share.value >= min_fraction else "no",
        view,
        call("occluded_by", target=target, occluder=occluder, view=view, min_fraction=min_fraction),
        share.instance_ids,
        margin=abs(share.value - min_fraction),
        detail={"fraction": share.value, **share.detail},
    )


@operation("visibility_compare")
def visibility_compare(scene: Scene, a: ObjectId, b: ObjectId, view: FrameId) -> Fact:
    """The category of whichever of ``a`` and ``b`` shows more of itself in ``view``: visible
    pixels over its whole projected silhouette (occlusion and the image border both hide).

    The margin is the difference of the two shares.
    """
    counts = frame_visibility(scene, view)
    shares = [float(counts.shown_fraction[counts.index(i)]) for i in (a, b)]
    winner = a if shares[0] >= shares[1] else b
    return _frame_fact(
        scene.object(winner).category,
        view,
        call("visibility_compare", a=a, b=b, view=view),
        (a, b),
        margin=abs(shares[0] - shares[1]),
        detail={"winner": winner, "shown": {str(a): shares[0], str(b): shares[1]}},
    )
