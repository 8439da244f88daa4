"""Point correspondence across two frames: which pixel of the second view shows the surface
point a pixel of the first view shows, by ray casting against the scene's own surfaces.

The definition (GROUND_TRUTH.md, "Point correspondence across views"): the ray through pixel
p_A of frame A hits surface point X first (objects and structure, as the visibility pass
casts them: :func:`spatialqa.oracle.tracing.ray_scenes`, the structure winning a tie). X
projects to p_B in frame B; X is *seen* from B when p_B lies in B's image and B's ray through
p_B hits its first surface within ``SAME_POINT_M`` (1 cm) of X, on the side of X's surface
that A sees (a camera behind a thin panel sees its back, not the marked spot). Each frame sees
the scene at its own time (``Scene.at_frame``): a point on an object that moved between the
two frames is not the same place in the world, and is not seen.

The overlap of a frame pair is the share of A's visible surface points (the first hits of
a grid of A's pixel centres, ``stride`` px apart) that B sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import open3d as o3d

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.in_view import _normalised
from spatialqa.oracle.program import FrameId, Range, call, operation
from spatialqa.oracle.tracing import ray_scenes
from spatialqa.scenes import Frame, Scene
from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID

SAME_POINT_M = 0.01
"""How close (m) the second camera's first hit must come to X for it to see X."""
BORDER_PX = 10.0
"""A correspondence's pixels keep at least this far from every image border (the image
spans [-0.5, size - 0.5])."""
OVERLAP_STRIDE = 8
"""Pixels between the grid samples of a frame's visible surface."""
MARK_TOLERANCE_PX = 0.5
"""How close (px) a mark must be to p_B to show the spot."""


@dataclass(frozen=True, eq=False)
class Hits:
    """First hits of rays: where each stopped and on what.

    Attributes
    ----------
    points : (n, 3) float64, world point of the first hit (NaN where nothing is hit).
    owner : (n,) int64, instance id hit, -1 the structure, -2 nothing.
    normals : (n, 3) float64, unit normal of the triangle hit (NaN where nothing is hit).
    part : (n,) int64, the structure part hit (index into ``scene.structure``), -1 elsewhere.
    """

    points: np.ndarray
    owner: np.ndarray
    normals: np.ndarray
    part: np.ndarray

    @property
    def hit(self) -> np.ndarray:
        return self.owner != BACKGROUND_ID


def first_hits(scene: Scene, frame: Frame, u: np.ndarray, v: np.ndarray) -> Hits:
    """What frame's rays through image points (u, v) hit first, ``scene`` as the frame sees it.

    The closest object hit unless the structure is hit at or before it, as the visibility
    pass decides a pixel (``tracing``); rays from :func:`pixel_rays` (float32, Open3D's).
    """
    u, v = np.asarray(u, dtype=np.float64).ravel(), np.asarray(v, dtype=np.float64).ravel()
    n = len(u)
    points = np.full((n, 3), np.nan)
    normals = np.full((n, 3), np.nan)
    owner = np.full(n, BACKGROUND_ID, dtype=np.int64)
    part = np.full(n, -1, dtype=np.int64)
    if not n:  # Open3D crashes on an empty batch
        return Hits(points, owner, normals, part)
    state = scene.at(frame.t)
    objects, structure = ray_scenes(state)
    rays = pixel_rays(frame, u, v)
    tensor = o3d.core.Tensor(rays)
    found = objects.cast_rays(tensor)
    walls = structure.cast_rays(tensor)
    t_object, t_wall = found["t_hit"].numpy(), walls["t_hit"].numpy()
    wall = np.isfinite(t_wall) & (t_wall <= t_object)
    thing = np.isfinite(t_object) & ~wall
    ids = np.array([obj.id for obj in state.objects], dtype=np.int64)
    owner[thing] = ids[found["geometry_ids"].numpy()[thing].astype(np.int64)]
    owner[wall] = STRUCTURE_ID
    part[wall] = walls["geometry_ids"].numpy()[wall].astype(np.int64)
    t = np.where(wall, t_wall, t_object).astype(np.float64)
    hit = wall | thing
    ray = rays.astype(np.float64)
    points[hit] = ray[hit, :3] + t[hit, None] * ray[hit, 3:]
    chosen = np.where(
        wall[:, None], walls["primitive_normals"].numpy(), found["primitive_normals"].numpy()
    )
    normals[hit] = chosen[hit]
    return Hits(points, owner, normals, part)


def seen_from(
    scene: Scene,
    frame: Frame,
    points: np.ndarray,
    normals: np.ndarray,
    towards: np.ndarray,
    border_px: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether ``frame`` sees each surface point, and where.

    Parameters
    ----------
    points : (n, 3) float64, surface points (first hits of another camera's rays).
    normals : (n, 3) float64, their triangles' normals.
    towards : (3,) float64, the centre of the camera that found them: ``frame`` must see each
        point from the same side of its surface.
    border_px : float, how far inside the image the point's pixel must lie.

    Returns
    -------
    uv : (n, 2) float64, the points' pixels in ``frame`` (continuous coordinates).
    seen : (n,) bool
    gap : (n,) float64, metres between the point and ``frame``'s first hit along its ray
        (inf where the pixel is outside the image or nothing is hit).
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    uv, z = frame.project(points)
    low = -0.5 + border_px
    high = np.array([frame.width, frame.height]) - 0.5 - border_px
    finite = np.all(np.isfinite(uv), axis=1) & (z > 0)
    inside = finite & np.all((uv >= low) & (uv <= high), axis=1)
    side_here = np.einsum("ij,ij->i", normals, frame.center - points)
    side_there = np.einsum("ij,ij->i", normals, np.asarray(towards) - points)
    inside &= side_here * side_there > 0
    gap = np.full(len(points), np.inf)
    where = np.flatnonzero(inside)
    hits = first_hits(scene, frame, uv[where, 0], uv[where, 1])
    found = np.linalg.norm(hits.points - points[where], axis=1)
    gap[where] = np.where(hits.hit, found, np.inf)
    return uv, gap <= SAME_POINT_M, gap


@dataclass(frozen=True, eq=False)
class PairSamples:
    """A frame's grid samples and what a second frame makes of them (cached per pair).

    Attributes
    ----------
    pixels : (m, 2) float64, A's grid pixel centres whose ray hits a surface.
    hits : Hits of those rays.
    uv : (m, 2) float64, their points' pixels in B.
    seen : (m,) bool, B sees the point (inside its image).
    """

    pixels: np.ndarray
    hits: Hits
    uv: np.ndarray
    seen: np.ndarray


def grid(frame: Frame, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel centres ``stride`` apart, the first ``stride // 2`` from the top-left corner."""
    us = np.arange(stride // 2, frame.width, stride, dtype=np.float64)
    vs = np.arange(stride // 2, frame.height, stride, dtype=np.float64)
    u, v = np.meshgrid(us, vs)
    return u.ravel(), v.ravel()


def surface_samples(scene: Scene, view: str, stride: int) -> tuple[np.ndarray, Hits]:
    """(pixels (m, 2), their first hits) of ``view``'s grid pixels that hit a surface."""

    def compute() -> tuple[np.ndarray, Hits]:
        frame = scene.frame(view)
        u, v = grid(frame, stride)
        hits = first_hits(scene, frame, u, v)
        keep = hits.hit
        kept = Hits(hits.points[keep], hits.owner[keep], hits.normals[keep], hits.part[keep])
        return np.column_stack([u[keep], v[keep]]), kept

    return derived(scene).memo("correspondence_samples", (view, stride), compute)


def pair_samples(scene: Scene, view_a: str, view_b: str, stride: int) -> PairSamples:
    """A's surface samples seen from B (cached per scene, pair and stride)."""

    def compute() -> PairSamples:
        pixels, hits = surface_samples(scene, view_a, stride)
        centre = scene.frame(view_a).center
        uv, seen, _ = seen_from(scene, scene.frame(view_b), hits.points, hits.normals, centre)
        return PairSamples(pixels, hits, uv, seen)

    return derived(scene).memo("correspondence_pairs", (view_a, view_b, stride), compute)


def _distinct(view_a: str, view_b: str) -> None:
    if view_a == view_b:
        raise SpatialQAError(f"correspondence: the two views must differ (got {view_a!r} twice)")


@operation(stride=Range(1, 64))
def view_overlap(
    scene: Scene, view_a: FrameId, view_b: FrameId, stride: int = OVERLAP_STRIDE
) -> Fact:
    """Share of ``view_a``'s visible surface points (first hits of its pixel grid, ``stride``
    px apart) that ``view_b`` sees (:func:`seen_from`, anywhere in its image)."""
    _distinct(view_a, view_b)
    samples = pair_samples(scene, view_a, view_b, stride)
    total = len(samples.pixels)
    seen = int(np.count_nonzero(samples.seen))
    return Fact(
        value=seen / total if total else 0.0,
        unit=None,
        primitive="mesh",
        frame=f"camera {view_a}",
        program=call(view_overlap, view_a=view_a, view_b=view_b, stride=stride),
        views=(view_a, view_b),
        detail={"samples": total, "seen": seen, "stride": stride},
    )


def _correspond(scene: Scene, view_a: str, view_b: str, x: float, y: float) -> dict:
    """Everything both operations say about the surface point at (x, y) of ``view_a``."""
    _distinct(view_a, view_b)
    first, second = scene.frame(view_a), scene.frame(view_b)
    hits = first_hits(scene, first, np.array([x]), np.array([y]))
    out: dict = {
        "size_a": [first.width, first.height],
        "size_b": [second.width, second.height],
        "pixel_a": [x, y],
        "normalised_a": _normalised([x, y], (first.width, first.height)),
        "border_a_px": _border(first, np.array([x, y])),
    }
    if not hits.hit[0]:
        return {**out, "why_not": f"nothing is seen at ({x:g}, {y:g}) of frame {view_a}"}
    point, owner = hits.points[0], int(hits.owner[0])
    uv, seen, gap = seen_from(scene, second, hits.points, hits.normals, first.center)
    out.update(
        point_m=point.tolist(),
        surface=owner,
        surface_category=_category(scene, owner, int(hits.part[0])),
        depth_a_m=float(first.world_to_camera(point[None])[0, 2]),
        depth_b_m=float(second.world_to_camera(point[None])[0, 2]),
        gap_m=float(gap[0]),
        pixel_b=uv[0].tolist(),
        border_b_px=_border(second, uv[0]),
    )
    if np.all(np.isfinite(uv[0])):
        out["normalised_b"] = _normalised(uv[0].tolist(), (second.width, second.height))
    if out["border_a_px"] < 0:
        out["why_not"] = f"({x:g}, {y:g}) is outside frame {view_a}"
    elif not seen[0]:
        out["why_not"] = _unseen(second, uv[0], out["depth_b_m"], gap[0])
    return out


def _category(scene: Scene, owner: int, part: int) -> str:
    """The category of what was hit: the object's, or the structure part's (wall, floor)."""
    if owner == STRUCTURE_ID:
        return scene.structure[part].category
    return scene.object(owner).category


def _border(frame: Frame, uv: np.ndarray) -> float:
    """Distance (px) of ``uv`` inside the image's nearest border (negative outside)."""
    if not np.all(np.isfinite(uv)):
        return -np.inf
    u, v = float(uv[0]), float(uv[1])
    return min(u + 0.5, frame.width - 0.5 - u, v + 0.5, frame.height - 0.5 - v)


def _unseen(frame: Frame, uv: np.ndarray, depth: float, gap: float) -> str:
    if depth <= 0:
        return f"the point is behind the camera of frame {frame.id}"
    if _border(frame, uv) < 0:
        return f"the point falls outside frame {frame.id}, at ({uv[0]:.1f}, {uv[1]:.1f})"
    if np.isinf(gap):
        return f"frame {frame.id} sees the point's surface from behind"
    return f"frame {frame.id} sees another surface {gap:.2f} m from the point"


@operation
def point_correspondence(
    scene: Scene, view_a: FrameId, view_b: FrameId, x: float, y: float
) -> Fact:
    """Where ``view_b`` shows the surface point that pixel (x, y) of ``view_a`` shows, as
    integers [u, v] 0..1000 of ``view_b``'s width and height (as ``object_point_2d`` gives
    points), or None (not answerable) when ``view_b`` does not see it. ``detail["pixel_b"]``
    is the pixel (continuous OpenCV coordinates), ``detail["normalised_a"]`` the query's 0..1000
    form. The margin is the pixel's distance inside ``view_b``'s image beyond ``BORDER_PX``
    (negative within it). ``detail`` holds the point, the surface (instance id, -1 the
    structure, with its category), both depths and the gap to ``view_b``'s first hit."""
    found = _correspond(scene, view_a, view_b, x, y)
    why = found.get("why_not")
    seen = why is None
    surface = found.get("surface")
    return Fact(
        value=found["normalised_b"] if seen else None,
        unit="px/1000",
        primitive="mesh",
        frame=f"camera {view_b}",
        program=call(point_correspondence, view_a=view_a, view_b=view_b, x=x, y=y),
        margin=found["border_b_px"] - BORDER_PX if seen else None,
        answerable=seen,
        why_not=why,
        instance_ids=(surface,) if surface is not None and surface >= 0 else (),
        views=(view_a, view_b),
        detail=found,
    )


@operation(marks=Range(2, 26), names=Range(2, 26))
def marked_correspondence(
    scene: Scene,
    view_a: FrameId,
    view_b: FrameId,
    x: float,
    y: float,
    marks: list[list[float]],
    names: list[str],
) -> Fact:
    """The name of the mark of ``view_b`` (pixel [u, v] each, ``names`` in the same order)
    that shows the surface point pixel (x, y) of ``view_a`` shows: the one within
    ``MARK_TOLERANCE_PX`` of its pixel there. Not answerable when ``view_b`` does not see the
    point or no mark is there. The margin is half the gap (px) between the nearest other mark's
    distance and the chosen one's (the boundary between the two)."""
    if len(marks) != len(names):
        raise SpatialQAError(
            f"program.args.names: {len(names)} names for {len(marks)} marks (one each)"
        )
    for k, mark in enumerate(marks):
        if len(mark) != 2:
            raise SpatialQAError(
                f"program.args.marks[{k}]: expected [u, v] (got {len(mark)} numbers)"
            )
    if len(set(names)) != len(names):
        raise SpatialQAError("program.args.names: names repeat")
    found = _correspond(scene, view_a, view_b, x, y)
    why = found.get("why_not")
    program = call(
        marked_correspondence, view_a=view_a, view_b=view_b, x=x, y=y, marks=marks, names=names
    )
    distances: list[float] = []
    value = None
    margin = None
    if why is None:
        target = np.asarray(found["pixel_b"])
        distances = np.linalg.norm(np.asarray(marks, dtype=np.float64) - target, axis=1).tolist()
        order = np.argsort(distances, kind="stable")
        nearest = int(order[0])
        if distances[nearest] > MARK_TOLERANCE_PX:
            why = f"no mark within {MARK_TOLERANCE_PX} px of the point's pixel in frame {view_b}"
        else:
            value = names[nearest]
            margin = (distances[int(order[1])] - distances[nearest]) / 2
    surface = found.get("surface")
    return Fact(
        value=value,
        unit=None,
        primitive="mesh",
        frame=f"camera {view_b}",
        program=program,
        margin=margin,
        answerable=value is not None,
        why_not=why,
        instance_ids=(surface,) if surface is not None and surface >= 0 else (),
        views=(view_a, view_b),
        detail={**found, "mark_distances_px": distances},
    )


def distractors(
    scene: Scene,
    view: str,
    avoid: np.ndarray | None,
    count: int,
    min_gap_px: float,
    *,
    rng: np.random.Generator,
    stride: int = 4,
) -> np.ndarray | None:
    """``count`` pixel centres of ``view`` on visible surfaces (a first hit, object or
    structure), ``BORDER_PX`` inside the image, each at least ``min_gap_px`` from ``avoid``
    (the answer's pixel; None: no such pixel) and from each other: candidates on a ``stride``
    px grid, visited in the rng's order, kept greedily. None when the grid runs out (a
    bounded search).
    """
    pixels, _ = surface_samples(scene, view, stride)
    frame = scene.frame(view)
    low = BORDER_PX - 0.5
    high = np.array([frame.width, frame.height]) - 0.5 - BORDER_PX
    pixels = pixels[np.all((pixels >= low) & (pixels <= high), axis=1)]
    away = [] if avoid is None else [np.asarray(avoid, dtype=np.float64)]
    chosen: list[np.ndarray] = []
    for i in rng.permutation(len(pixels)):
        candidate = pixels[i]
        if all(np.hypot(*(candidate - other)) >= min_gap_px for other in (*away, *chosen)):
            chosen.append(candidate)
            if len(chosen) == count:
                return np.array(chosen)
    return None
