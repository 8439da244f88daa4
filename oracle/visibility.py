"""Per-frame visibility of every instance, by ray casting against the whole scene.

One ray per pixel centre at the frame's full resolution, OpenCV convention (pixel (u, v) is
centred at the integer image point (u, v) and covers [u - 0.5, u + 0.5] x [v - 0.5, v + 0.5], as
the renderers draw it), from the camera centre through ``K^-1 [u, v, 1]`` rotated into the world
(OpenCV axes), so a hit's ``t`` is its camera-frame depth; pixels outside every object's
projected bounding window are skipped (no object can show there). The definition: every such
ray is listed through Open3D's ``RaycastingScene.list_intersections`` over the objects, which
returns every object hit along it: the rays that hit instance i anywhere form its *silhouette*
(its unoccluded footprint inside the image), and the nearest object hit (the lowest object
index on a tie) is what the pixel shows unless the structure (walls, floor, ceiling) is hit at
or before it (an any-hit query along the same ray, up to that depth). Both come from the same
intersections, so every visible pixel lies in its instance's silhouette and every silhouette
pixel is either visible or hidden by exactly one occluder.

Truncation: rays also go through the pixels of a padded image plane (one image
size beyond each border) inside the projected bounding windows of objects that reach past the
border, sampled on a grid centred on the image centre (so a mirrored scene samples mirrored
points) with a stride that keeps them under 1/16 of the image's pixels (each ray then stands
for stride^2 pixels). Silhouette outside the padded plane is not seen, so an object
reaching further (or behind the camera plane) has its truncation underestimated.

The rays are traced by ``tracing`` (fast, and bit for bit the listing above:
``_count(..., all_hits=True)`` is the definition), only through the windows and outlines of
``outlines``; point clouds are splatted into closed surfaces (``splats``).

Objects that move (``SceneObject.motion``) are traced where they are at the frame's time: a
frame is counted in ``scene.at(frame.t)``, whose caches every frame of that state shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.outlines import padded_samples, window_boxes, window_plane
from spatialqa.oracle.program import FrameId, ObjectId, OccluderId, Range, call, operation
from spatialqa.oracle.tracing import Trace, ray_scenes, rays_at, rays_per_chunk, trace, trace_listed
from spatialqa.scenes import Frame, Scene
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID

TAU_INSTANCE = 0.05
"""Visible fraction of an instance above which it counts as visible (GROUND_TRUTH.md's tau)."""
TAU_FRAME = 0.001
"""Share of the frame an instance may cover instead (GROUND_TRUTH.md's tau)."""


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
    structure_first : int, pixels whose ray hits an object but the structure first.
    bare : (ceil(pixels / 8),) uint8, one bit per pixel in raster order (``np.packbits``):
        set where the ray hits no object, so the pixel shows the structure or nothing. Kept
        so that the structure's pixels (``framing.structure_pixels``) need only these rays
        tested, not every ray cast again; 1 bit a pixel, not the trace's first hits.
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
    structure_first: int
    bare: np.ndarray

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

    def is_visible(
        self, tau_instance: float = TAU_INSTANCE, tau_frame: float = TAU_FRAME
    ) -> np.ndarray:
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


def _visible_stats(
    traced: Trace, boxes: np.ndarray, frame: Frame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(visible pixels (k,), boxes (k, 4), points (k, 2), depths (k,)) from the first hits.

    Object i shows only inside its window (``boxes``), so each object reads its window alone,
    in raster order; nothing grows with objects x pixels. The mean depth is summed in raster
    order, one pixel after the other.
    """
    width, height = frame.width, frame.height
    k = len(boxes)
    first = traced.first.reshape(height, width)
    nearest = traced.nearest.reshape(height, width)
    visible = np.zeros(k, dtype=np.int64)
    squares = np.full((k, 4), np.nan)
    points = np.full((k, 2), np.nan)
    depths = np.full(k, np.nan)
    for i, (v0, v1, u0, u1) in enumerate(boxes):
        top, bottom = max(v0 - height, 0), min(v1 - height, height)
        left, right = max(u0 - width, 0), min(u1 - width, width)
        if top >= bottom or left >= right:
            continue
        mine = first[top:bottom, left:right] == i
        v, u = np.nonzero(mine)
        count = len(v)
        if not count:
            continue
        u, v = u + left, v + top
        visible[i] = count
        # The squares of the first and last pixel centres in each direction: +-0.5 around them.
        squares[i] = [u.min() - 0.5, v[0] - 0.5, u.max() + 0.5, v[-1] + 0.5]
        centre_u, centre_v = float(u.sum()) / count, float(v.sum()) / count
        distance = (u - centre_u) ** 2 + (v - centre_v) ** 2
        pick = int(np.argmin(distance))  # ties: first in raster order
        points[i] = [u[pick], v[pick]]
        depth = nearest[top:bottom, left:right][mine].astype(np.float64)
        depths[i] = np.add.accumulate(depth)[-1] / count
    return visible, squares, points, depths


def _count(scene: Scene, frame: Frame, all_hits: bool = False) -> FrameVisibility:
    """One frame's visibility; ``all_hits`` lists every hit of every window pixel (the exact
    definition :func:`trace` is held to, and the baseline of bench/bench_visibility.py)."""
    n = frame.width * frame.height
    boxes, outlines = window_boxes(scene, frame)
    plane = window_plane(boxes, frame)
    if all_hits:
        image = plane[frame.height : 2 * frame.height, frame.width : 2 * frame.width]
        pixels = np.flatnonzero(image)
    padded, stride = padded_samples(plane, frame, budget=n // 16)
    if all_hits:
        traced = trace_listed(scene, frame, pixels, padded)
    else:
        traced = trace(scene, frame, boxes, outlines, padded)
    outside = traced.outside * float(stride**2)
    visible, squares, points, depths = _visible_stats(traced, boxes, frame)
    ids = np.array([obj.id for obj in scene.objects], dtype=np.int64)
    k = len(ids)
    bare = np.packbits(traced.first == k + 1)
    arrays = (ids, visible, traced.silhouette, outside, traced.occlusions, squares, points, depths)
    for array in (*arrays, bare):
        array.setflags(write=False)
    return FrameVisibility(
        frame.id,
        ids,
        visible,
        traced.silhouette,
        n,
        outside,
        traced.occlusions,
        squares,
        points,
        depths,
        int(np.count_nonzero(traced.first == k)),
        bare,
    )


_PIXEL_BYTES = 320
"""Transient bytes per pixel of the frame being traced (windows, rays, first hits, depths)."""
_HIT_BYTES = 128
"""Transient bytes per listed hit (Open3D's arrays, their int64 copies, sort keys, masks)."""
_OBJECT_BYTES = 512
"""Transient bytes per object while a frame is traced (counts, boxes, centroids)."""
_KEPT_OBJECT_BYTES = 128
"""Bytes per object of each cached FrameVisibility (ids, counts, boxes, points, depths)."""
_KEPT_PIXEL_BITS = 1
"""Bits per pixel of each cached FrameVisibility (``bare``)."""
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
    have far fewer), plus a bit per pixel. The closest-hit casts of pixels held by one
    object's outline go out one object at a time, at most a pixel each. The meshes and their
    ray-casting structures are not included: they grow with vertices, not with objects or
    pixels.
    """
    objects, pixels, frames = max(int(objects), 1), max(int(pixels), 1), max(int(frames), 0)
    rays = pixels + pixels // 16  # the padded samples beyond the border are at most 1/16
    chunk_hits = min(rays, rays_per_chunk(objects)) * 2 * objects
    pairs = min(objects * (objects + 1), pixels * objects)
    transient = (
        _PIXEL_BYTES * pixels
        + _HIT_BYTES * chunk_hits
        + _OBJECT_BYTES * objects
        + 3 * _PAIR_BYTES * pairs
    )
    kept_pixels = -(-_KEPT_PIXEL_BITS * pixels // 8)
    kept = frames * (_KEPT_OBJECT_BYTES * objects + _PAIR_BYTES * pairs + kept_pixels)
    return _FIXED_BYTES + transient + kept


def frame_visibility(scene: Scene, frame_id: str) -> FrameVisibility:
    """Visibility of every object in frame ``frame_id``, from one batch of rays (cached), with
    every object where it is at the frame's time (``Scene.at``)."""
    frame = scene.frame(frame_id)
    state = scene.at(frame.t)
    return derived(state).memo("frame_visibility", frame_id, lambda: _count(state, frame))


def instance_mask(scene: Scene, frame_id: str) -> np.ndarray:
    """First-hit instance id per pixel, (height, width) int64: -1 structure, -2 nothing.

    The same trace as ``frame_visibility`` (so it agrees pixel for pixel), plus an any-hit
    query on the structure for the pixels no object covers. Objects are where they are at the
    frame's time.
    """
    frame = scene.frame(frame_id)
    scene = scene.at(frame.t)
    k = len(scene.objects)
    boxes, outlines = window_boxes(scene, frame)
    empty = np.empty((0, 2), dtype=np.int64)
    first = trace(scene, frame, boxes, outlines, empty, pairs=False).first
    bare = np.flatnonzero(first == k + 1)
    first[bare[meets_structure(scene, frame, bare)]] = k
    ids = np.array([*(obj.id for obj in scene.objects), STRUCTURE_ID, BACKGROUND_ID])
    return ids[first].reshape(frame.height, frame.width)


_FAR = 1e6
"""Ray directions are scaled by this for :func:`meets_structure` (tfar = 1): a kilometre and
more, past any room."""


def meets_structure(scene: Scene, frame: Frame, pixels: np.ndarray) -> np.ndarray:
    """(m,) bool: whether the ray through each of the flat image ``pixels`` of ``frame`` meets
    the structure anywhere along it (an any-hit query). Why: a pixel no object covers shows
    the structure when this holds and nothing (a window, an open door) when not; the instance
    mask and the structure's pixel count (``framing``) ask it of the same rays."""
    if not len(pixels):
        return np.zeros(0, dtype=bool)
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
    rays = rays_at(frame, to_world, 0, 0, pixels // frame.width, pixels % frame.width)
    rays[:, 3:] *= _FAR
    _, structure = ray_scenes(scene)
    return structure.test_occlusions(o3d.core.Tensor.from_numpy(rays), tfar=1.0).numpy()


def visible_instances(
    scene: Scene, views: list[str], tau_instance: float = TAU_INSTANCE, tau_frame: float = TAU_FRAME
) -> dict[int, bool]:
    """Instance id -> visible above tau in at least one of ``views`` (every object, scene order).

    Visible in a frame: visible fraction >= ``tau_instance`` or visible pixels / frame pixels
    >= ``tau_frame``, with at least one visible pixel (see ``FrameVisibility.is_visible``).
    Cached per scene, views and taus (tasks ask it of the same views again and again).
    """

    def compute() -> dict[int, bool]:
        seen = {obj.id: False for obj in scene.objects}
        for view in views:
            counts = frame_visibility(scene, view)
            flags = counts.is_visible(tau_instance, tau_frame)
            for instance_id, flag in zip(counts.instance_ids.tolist(), flags.tolist(), strict=True):
                seen[instance_id] = seen[instance_id] or flag
        return seen

    key = (tuple(views), tau_instance, tau_frame)
    return dict(derived(scene).memo("visible_instances", key, compute))


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


@operation
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
        call(visibility, instance_id=instance_id, view=view),
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


@operation
def truncation(scene: Scene, instance_id: ObjectId, view: FrameId) -> Fact:
    """Share of the object's projected (unoccluded) silhouette beyond the image border."""
    counts = frame_visibility(scene, view)
    i = counts.index(instance_id)
    return _frame_fact(
        float(counts.truncation[i]),
        view,
        call(truncation, instance_id=instance_id, view=view),
        (instance_id,),
        detail={
            "silhouette_pixels": int(counts.silhouette_pixels[i]),
            "outside_pixels": float(counts.outside_pixels[i]),
        },
    )


@operation
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
        call(occlusion, target=target, occluder=occluder, view=view),
        (target,) if occluder == STRUCTURE_ID else (target, occluder),
        detail={"hidden_pixels": hidden, "silhouette_pixels": silhouette},
    )


@operation(min_fraction=Range(0.0, 1.0))
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
        call(occluded_by, target=target, occluder=occluder, view=view, min_fraction=min_fraction),
        share.instance_ids,
        margin=abs(share.value - min_fraction),
        detail={"fraction": share.value, **share.detail},
    )


@operation
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
        call(visibility_compare, a=a, b=b, view=view),
        (a, b),
        margin=abs(shares[0] - shares[1]),
        detail={"winner": winner, "shown": {str(a): shares[0], str(b): shares[1]}},
    )


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
moved.keep_callable(__name__)  # it was the function visibility, kept for one release
