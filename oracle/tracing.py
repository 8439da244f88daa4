"""Tracing a frame's rays against the scene: each pixel's first hit and its depth, and the
(object, ray) hits counted (silhouettes, hits beyond the border, occlusions).

The definition (:func:`trace_listed`): every ray is listed through Open3D's
``RaycastingScene.list_intersections`` over the objects; the nearest object hit (the lowest
object index on a tie) is what the pixel shows unless the structure is hit at or before it (an
any-hit query along the same ray, up to that depth).

Computed faster, with the same result bit for bit (:func:`trace`, held to the definition by
tests/oracle/test_tracing.py): a pixel whose ray can meet one object only (it lies in
the projected outline of that object's parts alone, see ``outlines``) gets one closest-hit
``cast_rays`` against the same objects scene, which finds the same hit and the same ``t`` as
the listing; only pixels in two or more outlines are listed. (Casting against a scene of one
object alone is cheaper still, but Embree then settles a ray through a shared edge differently
now and then: a pixel could flip.) The structure query is skipped where a supporting plane of
each structure piece keeps the ray's segment up to the hit 0.1 mm away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d

from spatialqa.oracle.geometry import derived, o3d_triangles
from spatialqa.oracle.outlines import object_hulls, outline_mask, outline_rows
from spatialqa.oracle.splats import object_splat_radius, splat_mesh
from spatialqa.scenes import Frame, Scene
from spatialqa.scenes.camera import pixel_rays

HIT_BUDGET = 1 << 20
"""(ray, object) hits listed at once, about: rays are cast in chunks (see
:func:`rays_per_chunk`), so a frame's peak memory does not grow with rays x objects."""
_CLEAR_MARGIN = 1e-4
"""m a ray's segment up to its object hit must keep from a structure piece's supporting plane
for the structure test along it to be skipped (float32 rounding: about 1e-6 m)."""
_CLEAR_MAX_FACES = 1 << 14
"""Structures with more triangles than this are tested along every ray, not sorted into
pieces and planes."""


def _object_triangles(scene: Scene, obj) -> tuple[o3d.core.Tensor, o3d.core.Tensor]:
    """The object's triangles for Open3D: its mesh, or the splats of its point cloud."""
    if obj.mesh is not None:
        return o3d_triangles(obj.mesh)
    vertices, faces = splat_mesh(obj.points, object_splat_radius(scene, obj.id))
    return o3d.core.Tensor(vertices.astype(np.float32)), o3d.core.Tensor(faces.astype(np.uint32))


def ray_scenes(scene: Scene) -> tuple[o3d.t.geometry.RaycastingScene, ...]:
    """(objects, structure) ray-casting scenes; object k of the scene is geometry id k."""

    def build() -> tuple[o3d.t.geometry.RaycastingScene, ...]:
        objects = o3d.t.geometry.RaycastingScene()
        for obj in scene.objects:
            objects.add_triangles(*_object_triangles(scene, obj))
        structure = o3d.t.geometry.RaycastingScene()
        for part in scene.structure:
            structure.add_triangles(*o3d_triangles(part.mesh))
        return objects, structure

    return derived(scene).memo("visibility_ray_scenes", None, build)


def _structure_planes(scene: Scene) -> tuple[np.ndarray, np.ndarray] | None:
    """Supporting planes of the structure's pieces (cached): ((p, 4) float64 [n, d], unit n,
    with the piece in n . x <= d; (p,) the piece of each plane, ascending), from each
    connected part of each structure mesh and the planes of its faces that hold all of it on
    one side. None where some piece has none, or the structure is too large to sort."""

    def compute() -> tuple[np.ndarray, np.ndarray] | None:
        if sum(len(part.mesh.faces) for part in scene.structure) > _CLEAR_MAX_FACES:
            return None
        planes, owner = [], []
        pieces = [p for part in scene.structure for p in part.mesh.split(only_watertight=False)]
        for index, piece in enumerate(pieces):
            vertices = np.asarray(piece.vertices, dtype=np.float64)
            normals = np.asarray(piece.face_normals, dtype=np.float64)
            offsets = np.einsum("ij,ij->i", normals, vertices[piece.faces[:, 0]])
            tolerance = 1e-9 * (1.0 + float(np.abs(vertices).max()))
            side = vertices @ normals.T - offsets  # (vertices, faces)
            held = []
            for sign, ok in (
                (1.0, side.max(axis=0) <= tolerance),
                (-1.0, side.min(axis=0) >= -tolerance),
            ):
                held.append(sign * np.concatenate([normals[ok], offsets[ok, None]], axis=1))
            found = np.unique(np.round(np.concatenate(held), 12), axis=0)
            if not len(found):
                return None
            planes.append(found)
            owner.append(np.full(len(found), index))
        if not planes:
            return np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
        return np.concatenate(planes), np.concatenate(owner)

    return derived(scene).memo("visibility_structure_planes", None, compute)


def _clearances(scene: Scene, frame: Frame) -> list[np.ndarray | None]:
    """Per object: the planes (q, 4) [n, n . o - d] (o: the rays' float32 origin) that decide
    whether the structure test along a ray to a hit on it can be skipped, or None where every
    hit must be tested.

    A structure piece whose supporting plane has the object's hull and the camera beyond it
    by _CLEAR_MARGIN cannot meet a segment from the camera to the object: it needs no plane.
    For any other piece, the plane it keeps furthest from them: a hit X needs no test for
    that piece when the camera and X are both beyond it by the margin (n . X - d > margin).
    """
    found = _structure_planes(scene)
    if found is None:
        return [None] * len(scene.objects)
    planes, owner = found
    if not len(planes):
        return [np.zeros((0, 4))] * len(scene.objects)
    origin = frame.center.astype(np.float32).astype(np.float64)
    beyond_camera = planes[:, :3] @ origin - planes[:, 3]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    out: list[np.ndarray | None] = []
    for hull in object_hulls(scene):
        beyond = np.minimum((hull @ planes[:, :3].T).min(axis=0) - planes[:, 3], beyond_camera)
        best = np.maximum.reduceat(beyond, starts)
        touching = best <= _CLEAR_MARGIN
        # Per touching piece, its first plane at the best clearance.
        pick = np.flatnonzero(beyond == np.repeat(best, np.diff(np.r_[starts, len(owner)])))
        pick = pick[np.r_[True, owner[pick][1:] != owner[pick][:-1]]][touching]
        if np.any(beyond_camera[pick] <= _CLEAR_MARGIN):
            out.append(None)
        else:
            out.append(np.concatenate([planes[pick, :3], beyond_camera[pick, None]], axis=1))
    return out


def rays_at(
    frame: Frame, to_world: np.ndarray, top: int, left: int, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Rays through the image pixels (left + cols, top + rows), (m, 6) float32: bit for bit
    ``pixel_rays(frame, left + cols, top + rows)``, with the products u r0 and v r1 formed once
    per column and row of the block, not per ray."""
    rays = np.empty((len(rows), 6), dtype=np.float32)
    if not len(rows):
        return rays
    u = np.arange(left, left + int(cols.max()) + 1, dtype=np.float64)
    v = np.arange(top, top + int(rows.max()) + 1, dtype=np.float64)
    for axis in range(3):  # column by column: numpy is slow along an axis of length 3
        rays[:, axis] = frame.center[axis]
        row = to_world[axis]
        sum_uv = np.add((u * row[0]).take(cols), (v * row[1]).take(rows))
        np.add(sum_uv, row[2], out=rays[:, 3 + axis], casting="unsafe")
    return rays


@dataclass(frozen=True)
class Trace:
    """What the rays found: the first hit of every image pixel and, when asked for, the
    (object, ray) pairs that hit, already counted (padded rays: beyond the border)."""

    first: np.ndarray  # (n,) int32 per image pixel: object index, k = structure, k + 1 = nothing
    nearest: np.ndarray  # (n,) float32 camera-z of the nearest object hit (inf where none)
    silhouette: np.ndarray  # (k,) image rays that hit each object
    outside: np.ndarray  # (k,) padded rays that hit each object
    occlusions: np.ndarray  # (p, 3) [i, j, image rays of i whose first hit is j], sorted


def rays_per_chunk(k: int) -> int:
    """Rays listed at once: about ``HIT_BUDGET`` hits, a ray meeting each object twice (in
    and out of a closed surface), so what one chunk lists does not grow with rays x objects."""
    return max(64, HIT_BUDGET // (2 * max(k, 1)))


def _table(occlusions: tuple[np.ndarray, np.ndarray], k: int) -> np.ndarray:
    """(p, 3) int64 [i, j, count] from sparse keys i (k + 1) + j and their counts."""
    keys, counts = occlusions
    return np.stack([keys // (k + 1), keys % (k + 1), counts], axis=1).astype(np.int64)


def trace_listed(
    scene: Scene, frame: Frame, pixels: np.ndarray, padded: np.ndarray, pairs: bool = True
) -> Trace:
    """The exact all-hits trace: every ray through the image ``pixels`` (flat indices) and the
    ``padded`` (u, v) listed against every object (:func:`_list_hits`). :func:`trace` gives
    the same, bit for bit, faster; this is the definition it is tested against."""
    k, n = len(scene.objects), frame.width * frame.height
    first = np.full(n, k + 1, dtype=np.int32)
    nearest = np.full(n, np.inf, dtype=np.float32)
    silhouette, outside, occlusions = _list_hits(
        scene, frame, pixels, padded, first, nearest, pairs
    )
    return Trace(first, nearest, silhouette, outside, _table(occlusions, k))


def _list_hits(
    scene: Scene,
    frame: Frame,
    pixels: np.ndarray,
    padded: np.ndarray,
    first: np.ndarray,
    nearest: np.ndarray,
    pairs: bool,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Cast rays through the image ``pixels`` (flat indices) and the ``padded`` (u, v) beyond
    the border against the objects, listing every hit, and against the structure where an
    object is hit, in chunks of :func:`rays_per_chunk` rays. Writes each image pixel's
    first hit (object index, k: the structure) into ``first`` and its nearest object depth
    into ``nearest`` where an object is hit; with ``pairs``, returns the (object, ray) hits
    counted: (silhouette (k,), outside (k,), occlusions (keys i (k + 1) + j, counts)). Each
    ray's result depends on that ray alone, so the chunking changes no count.
    """
    objects, structure = ray_scenes(scene)
    k, m = len(scene.objects), len(pixels)
    u = np.concatenate([pixels % frame.width, padded[:, 0]])
    v = np.concatenate([pixels // frame.width, padded[:, 1]])
    silhouette = np.zeros(k, dtype=np.int64)
    outside = np.zeros(k, dtype=np.int64)
    occlusions = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    step = rays_per_chunk(k)
    for lo in range(0, len(u), step):  # no rays, no call: Open3D crashes on an empty batch
        hi = min(lo + step, len(u))
        rays = pixel_rays(frame, u[lo:hi], v[lo:hi])
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
                first[where[occluded]] = k
        if pairs and len(hit_ray):
            found = _count_hits(k, first, pixels, lo, image, hit_ray, hit_object)
            silhouette += found[0]
            outside += found[1]
            occlusions = _merge(occlusions, found[2])
    return silhouette, outside, occlusions


def trace(
    scene: Scene,
    frame: Frame,
    boxes: np.ndarray,
    outlines: list[tuple[np.ndarray, np.ndarray] | None],
    padded: np.ndarray,
    pairs: bool = True,
) -> Trace:
    """What :func:`trace_listed` finds for every window pixel of ``boxes`` and the ``padded``
    samples (raster order), bit for bit, from fewer and cheaper ray queries.

    A ray can hit only the objects whose outline (:func:`outline_rows`) holds its pixel. A
    pixel held by one outline gets one closest-hit cast against all objects: whether it hits
    and at what ``t`` are what listing every hit finds (the same Embree scene, the same
    triangle tests), and the object hit can only be that one. Pixels held by more outlines,
    and any whose cast found another object, go to :func:`_list_hits`, which finds ties.
    The structure test is the same query along the same scaled rays, skipped where
    :func:`_clearances` shows it cannot hit.
    """
    objects, structure = ray_scenes(scene)
    width, height = frame.width, frame.height
    k, n = len(scene.objects), width * height
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
    first = np.full(n, k + 1, dtype=np.int32)
    nearest = np.full(n, np.inf, dtype=np.float32)
    clear = _clearances(scene, frame)

    def mask_of(i: int) -> tuple[int, int, np.ndarray] | None:
        return outline_mask(outline_rows(boxes[i], outlines[i], width, height))

    # How many outlines hold each pixel; the masks are kept while they take under 4 bytes a
    # pixel of the image, and made again beyond, so memory does not grow with objects x pixels.
    cover = np.zeros((height, width), dtype=np.int16 if k < 1 << 15 else np.int32)
    masks, kept = [], 0
    for i in range(k):
        block = mask_of(i)
        if block is not None:
            top, left, mine = block
            cover[top : top + mine.shape[0], left : left + mine.shape[1]] += mine
            kept += mine.size
        masks.append(block if kept <= 4 * n else None)
    hits = []  # per object: (index, flat image pixels it is hit at)
    strays = [np.flatnonzero(cover.ravel() > 1)]  # pixels to list
    for i in range(k):
        block = masks[i] or mask_of(i)
        if block is None:
            continue
        top, left, mine = block
        # Its pixels no other outline holds, in raster order.
        alone = cover[top : top + mine.shape[0], left : left + mine.shape[1]] == 1
        rows, cols = np.nonzero(np.logical_and(mine, alone, out=alone))
        if not len(rows):
            continue
        rays = rays_at(frame, to_world, top, left, rows, cols)
        cast = objects.cast_rays(o3d.core.Tensor.from_numpy(rays))
        t, found = cast["t_hit"].numpy(), cast["geometry_ids"].numpy()
        hit = np.flatnonzero(t < np.inf)
        if not len(hit):
            continue
        if len(hit) < len(t):
            rows, cols, t, rays, found = (x.take(hit, axis=0) for x in (rows, cols, t, rays, found))
        pixel = (rows + top) * width + (cols + left)
        if np.any(found != i):  # another object, outside its outline: list these
            strays.append(pixel[found != i])
            mine = found == i
            pixel, t, rays = pixel[mine], t[mine], rays[mine]
        # The structure hides the hit when it is hit first: an any-hit query along the ray
        # up to the hit (direction scaled by its depth, tfar = 1).
        for axis in range(3, 6):
            rays[:, axis] *= t
        nearest[pixel] = t
        first[pixel] = np.where(_walled(structure, rays, clear[i]), k, i)
        hits.append((i, pixel))
    silhouette = np.zeros(k, dtype=np.int64)
    outside = np.zeros(k, dtype=np.int64)
    keys, counts = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    if pairs:
        for i, pixel in hits:
            silhouette[i] = len(pixel)
            hidden = np.count_nonzero(first[pixel] == k)
            if hidden:
                keys.append(np.array([i * (k + 1) + k]))
                counts.append(np.array([hidden]))
        padded = _cast_padded(scene, frame, boxes, padded, outside)
    occlusions = np.concatenate(keys), np.concatenate(counts)
    listed = np.sort(np.concatenate(strays))
    if len(listed) or len(padded):
        found = _list_hits(scene, frame, listed, padded, first, nearest, pairs)
        silhouette += found[0]
        outside += found[1]
        occlusions = _merge(occlusions, found[2])
    return Trace(first, nearest, silhouette, outside, _table(occlusions, k))


def _walled(
    structure: o3d.t.geometry.RaycastingScene, rays: np.ndarray, planes: np.ndarray | None
) -> np.ndarray:
    """(m,) bool: the structure test along each of the ``rays`` (direction scaled by the
    hit's depth, tfar = 1), skipped (False) where :func:`_clearances` ``planes`` show that
    no piece can be met."""
    if planes is None:
        need = np.arange(len(rays))
    else:
        beyond = rays[:, 3:] @ planes[:, :3].T + planes[:, 3]
        need = np.flatnonzero((beyond <= _CLEAR_MARGIN).any(axis=1))
    walled = np.zeros(len(rays), dtype=bool)
    if len(need):
        tested = rays if len(need) == len(rays) else rays.take(need, axis=0)
        walled[need] = structure.test_occlusions(o3d.core.Tensor(tested), tfar=1.0).numpy()
    return walled


def _cast_padded(
    scene: Scene, frame: Frame, boxes: np.ndarray, padded: np.ndarray, outside: np.ndarray
) -> np.ndarray:
    """Add to ``outside`` the hits of the ``padded`` samples (raster order) next to one
    object's window alone (a closest-hit cast against all objects, which can only hit that
    one); return the other samples, and any whose cast found another object, for listing.

    A sample next to no pixel of an object's window (floor and ceil of u and v, as
    :func:`padded_samples` keeps them) passes at least 1 px from the object's image.
    """
    width, height = frame.width, frame.height
    u, v = padded[:, 0], padded[:, 1]
    low_u, high_u = np.floor(u) + width, np.ceil(u) + width
    held = np.zeros(len(u), dtype=np.int64)
    owner = np.zeros(len(u), dtype=np.int64)
    for i, (v0, v1, u0, u1) in enumerate(boxes):
        if v0 >= v1 or u0 >= u1:
            continue
        # Some neighbour row in v0..v1 - 1: v0 - h - 1 < v < v1 - h (v ascending).
        lo = np.searchsorted(v, v0 - height - 1, side="right")
        hi = np.searchsorted(v, v1 - height, side="left")
        band = lo + np.flatnonzero((high_u[lo:hi] >= u0) & (low_u[lo:hi] < u1))
        held[band] += 1
        owner[band] = i
    alone = np.flatnonzero(held == 1)
    listed = held > 1
    if len(alone):
        objects, _ = ray_scenes(scene)
        rays = pixel_rays(frame, u[alone], v[alone])
        cast = objects.cast_rays(o3d.core.Tensor(rays))
        hit = cast["t_hit"].numpy() < np.inf
        found = cast["geometry_ids"].numpy()
        ok = hit & (found == owner[alone])
        outside += np.bincount(owner[alone[ok]], minlength=len(outside))
        listed[alone[hit & ~ok]] = True
    return padded[listed]


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
    cover = first[pixels[lo + hit_ray[inside]]].astype(np.int64)  # k: structure; never k + 1
    hidden = cover != hit_object[inside]
    pair = hit_object[inside][hidden] * (k + 1) + cover[hidden]
    return silhouette, outside, np.unique(pair, return_counts=True)


def _merge(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Sum two sparse counts (sorted unique keys, counts) into one."""
    keys, inverse = np.unique(np.concatenate([a[0], b[0]]), return_inverse=True)
    return keys, np.bincount(inverse, np.concatenate([a[1], b[1]]), len(keys)).astype(np.int64)
