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

Computed faster, with the same result bit for bit (``_count(..., all_hits=True)`` is the
definition, held to the fast path by tests/oracle/test_visibility_fast.py): a pixel whose ray
can meet one object only (it lies in the projected outline of that object's parts alone) gets
one closest-hit ``cast_rays`` against the same objects scene, which finds the same hit and the
same ``t`` as the listing; only pixels in two or more outlines are listed. (Casting against a
scene of one object alone is cheaper still, but Embree then settles a ray through a shared
edge differently now and then: a pixel could flip.) The structure query is skipped where a
supporting plane of each structure piece keeps the ray's segment up to the hit 0.1 mm away.

Truncation: rays also go through the pixels of a padded image plane (one image
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
_OUTLINE_NEAR = 0.05
"""An object is cast inside its outline (:func:`_outline`), projected from its part at camera
z >= this (m), unless a part nearer the camera plane lies in front of the lens."""
_OUTLINE_MARGIN = 1.0
"""px an outline reaches beyond the projected hull, as the windows do at least, before the
allowance for float32 rounding."""
_MAX_PARTS = 16
"""Meshes of more connected parts than this are outlined by their whole hull."""
_LENS_MARGIN = 1e-4
"""m the box of the image's rays near the lens is grown by (float32 rounding: about 1e-6)."""
_OUTLINE_DIRECTIONS = np.stack(
    [np.cos(np.pi * (np.arange(1, 16) / 16 - 0.5)), np.sin(np.pi * (np.arange(1, 16) / 16 - 0.5))],
    axis=1,
)
"""Unit normals of an outline's sides, 15 angles in (-90, 90) degrees: with the window's rows,
a polygon about as tight as the projected convex hull, and one numpy pass for every row."""
_CLEAR_MARGIN = 1e-4
"""m a ray's segment up to its object hit must keep from a structure piece's supporting plane
for the structure test along it to be skipped (float32 rounding: about 1e-6 m)."""
_CLEAR_MAX_FACES = 1 << 14
"""Structures with more triangles than this are tested along every ray, not sorted into
pieces and planes."""
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


def _object_triangles(scene: Scene, obj) -> tuple[o3d.core.Tensor, o3d.core.Tensor]:
    """The object's triangles for Open3D: its mesh, or the splats of its point cloud."""
    if obj.mesh is not None:
        return o3d_triangles(obj.mesh)
    vertices, faces = splat_mesh(obj.points, _radius(scene, obj.id))
    return o3d.core.Tensor(vertices.astype(np.float32)), o3d.core.Tensor(faces.astype(np.uint32))


def _ray_scenes(scene: Scene) -> tuple[o3d.t.geometry.RaycastingScene, ...]:
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


def _parts(scene: Scene) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per object: the hull vertices of its connected parts, stacked ((q, 3) float64), and
    where each part starts ((p,) int64), cached. A table's top and legs, a chair's seat and
    legs: their hulls outline it much closer than one hull. Point clouds and meshes of more
    than _MAX_PARTS parts: one part, the object's hull (:func:`_hulls`)."""

    def compute() -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for obj, hull in zip(scene.objects, _hulls(scene), strict=True):
            pieces = [] if obj.mesh is None else obj.mesh.split(only_watertight=False)
            if not 1 < len(pieces) <= _MAX_PARTS:
                out.append((hull, np.zeros(1, dtype=np.int64)))
                continue
            hulls = []
            for piece in pieces:
                vertices = np.asarray(piece.vertices, dtype=np.float64)
                try:
                    vertices = vertices[ConvexHull(vertices).vertices]
                except QhullError:  # flat or too few points: all of them
                    pass
                hulls.append(vertices)
            starts = np.cumsum([0, *(len(h) for h in hulls[:-1])]).astype(np.int64)
            out.append((np.concatenate(hulls), starts))
        return out

    return derived(scene).memo("visibility_parts", None, compute)


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
    for hull in _hulls(scene):
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


def _window_boxes(
    scene: Scene, frame: Frame
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray] | None]]:
    """Each object's projected bounding window on the padded plane, and its outline.

    Returns ``(boxes, outlines)``: boxes (k, 4) int64 [v0, v1, u0, u1], the rows v0..v1 - 1 and
    columns u0..u1 - 1 of the padded plane (u in [-w, 2w), v in [-h, 2h), shifted to start at
    0), empty where v0 >= v1 or u0 >= u1; outlines[i] from :func:`_outline`, None where a
    part of the object within _OUTLINE_NEAR of the camera plane lies before the lens (its
    window alone then tells where it may show).

    Only rays through its window can hit an object: with its hull in front of the camera, an
    object's image lies in the bounding rectangle of its projected hull vertices; one reaching
    behind the camera plane lies in its camera-axis box, clipped to z >= _NEAR and projected.
    A pixel centre outside the window lies at least 1 px from that rectangle.
    """
    width, height = frame.width, frame.height
    limit = 10.0 * (width + height)  # far beyond the padded plane, and safe to cast to int
    bits = (np.arange(8)[:, None] >> np.arange(3)) & 1
    boxes = np.zeros((len(scene.objects), 4), dtype=np.int64)
    outlines: list[tuple[np.ndarray, np.ndarray] | None] = []
    centre = float(np.abs(frame.center).max())
    for i, (hull, (points, starts)) in enumerate(zip(_hulls(scene), _parts(scene), strict=True)):
        front = frame.world_to_camera(hull)
        scale = float(np.abs(hull).max()) + centre
        if front[:, 2].min() < _OUTLINE_NEAR and _near_lens(front, frame):
            outlines.append(None)
        else:
            outlines.append(_outline(frame.world_to_camera(points), starts, scale, frame))
        if np.any(front[:, 2] < _NEAR):
            box = np.where(bits, front.max(axis=0), front.min(axis=0))
            front = _clipped(box)
            if len(front) == 0:
                continue
        uv = np.clip((front @ frame.K.T)[:, :2] / front[:, 2:], -limit, limit)
        u0, v0 = np.floor(uv.min(axis=0)).astype(int)
        u1, v1 = np.ceil(uv.max(axis=0)).astype(int) + 1
        boxes[i] = [
            max(v0 + height, 0),
            max(min(v1 + height, 3 * height), 0),
            max(u0 + width, 0),
            max(min(u1 + width, 3 * width), 0),
        ]
    return boxes, outlines


def _outline(
    front: np.ndarray, starts: np.ndarray, scale: float, frame: Frame
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (low, high), (p, m) each, of the object's parts along _OUTLINE_DIRECTIONS in
    the image: the image pixels whose rays can hit part j lie in the polygon low[j] <= d . x
    <= high[j] for every direction d. ``front``: the parts' hull vertices in camera
    coordinates, part j from ``starts[j]``; no part may lie before the lens
    (:func:`_near_lens`).

    A part's piece at z >= _OUTLINE_NEAR projects inside the hull of the projected vertices
    there and of the points where segments between vertices cross that plane; the nearer
    piece shows in no pixel. The bounds reach _OUTLINE_MARGIN beyond, plus how far float32
    rounding of the mesh and of the ray origin (of the coordinates up to ``scale``, m) can
    move a projected point.
    """
    if front[:, 2].min() < _OUTLINE_NEAR:
        pieces = []
        for part in np.split(front, starts[1:]):
            ahead = part[part[:, 2] >= _OUTLINE_NEAR]
            if len(ahead) < len(part):
                ahead = np.concatenate([ahead, _crossings(part, _OUTLINE_NEAR)])
            if len(ahead):
                pieces.append(ahead)
        if not pieces:
            empty = np.zeros((0, len(_OUTLINE_DIRECTIONS)))
            return empty, empty
        starts = np.cumsum([0, *(len(piece) for piece in pieces[:-1])]).astype(np.int64)
        front = np.concatenate(pieces)
    image = (front @ frame.K.T)[:, :2] / front[:, 2:]
    along = image @ _OUTLINE_DIRECTIONS.T
    offset = 2 * max(frame.K[0, 0], frame.K[1, 1]) + np.abs(image - frame.K[:2, 2]).sum(axis=1)
    reach = np.maximum.reduceat(offset / front[:, 2], starts) * scale * 2.0**-22
    margin = (_OUTLINE_MARGIN + reach)[:, None]
    return (
        np.minimum.reduceat(along, starts, axis=0) - margin,
        np.maximum.reduceat(along, starts, axis=0) + margin,
    )


def _crossings(points: np.ndarray, depth: float) -> np.ndarray:
    """(m, 3) points where the segments between ``points`` (camera coordinates) on either
    side of the plane z = ``depth`` cross it."""
    below, above = points[points[:, 2] < depth], points[points[:, 2] >= depth]
    share = (depth - below[:, None, 2]) / (above[None, :, 2] - below[:, None, 2])
    return (below[:, None] + share[..., None] * (above[None] - below[:, None])).reshape(-1, 3)


def _near_lens(front: np.ndarray, frame: Frame) -> bool:
    """Whether the bounding box of the hull's part at 0 <= z <= _OUTLINE_NEAR (``front``:
    hull vertices, camera coordinates) meets the box of the image's rays up to that depth."""
    z = front[:, 2]
    inside = front[(z >= 0) & (z <= _OUTLINE_NEAR)]
    near = np.concatenate([inside, _crossings(front, 0.0), _crossings(front, _OUTLINE_NEAR)])
    if not len(near):
        return False
    corners = np.array(
        [[u, v, 1.0] for u in (-1, frame.width) for v in (-1, frame.height)], dtype=np.float64
    )
    rays = _OUTLINE_NEAR * corners @ np.linalg.inv(frame.K).T
    low = np.minimum(rays.min(axis=0), 0.0) - _LENS_MARGIN
    high = np.maximum(rays.max(axis=0), 0.0) + _LENS_MARGIN
    return bool(np.all(near.max(axis=0) >= low) and np.all(near.min(axis=0) <= high))


def _plane(boxes: np.ndarray, frame: Frame) -> np.ndarray:
    """(3 h, 3 w) bool over the padded plane: pixels inside some window of ``boxes``."""
    plane = np.zeros((3 * frame.height, 3 * frame.width), dtype=bool)
    for v0, v1, u0, u1 in boxes:
        plane[v0:v1, u0:u1] = True
    return plane


def _windows(scene: Scene, frame: Frame) -> np.ndarray:
    """(3 h, 3 w) bool over the padded plane (u in [-w, 2w), v in [-h, 2h)): pixels inside
    some object's projected bounding window (see :func:`_window_boxes`)."""
    return _plane(_window_boxes(scene, frame)[0], frame)


def _samples(plane: np.ndarray, frame: Frame, budget: int) -> tuple[np.ndarray, int]:
    """((q, 2) padded-plane pixels (u, v) outside the image to cast, in raster order, and
    their stride): the window pixels of ``plane`` outside the image on a grid of the stride
    that keeps them within ``budget``. Clears the image part of ``plane``."""
    width, height = frame.width, frame.height
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
    return np.stack([u[keep], v[keep]], axis=1), stride


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


def _outline_rows(
    box: np.ndarray, outline: tuple[np.ndarray, np.ndarray] | None, width: int, height: int
) -> tuple[int, np.ndarray, np.ndarray] | None:
    """The image pixels whose rays are cast against one object: (first row, (p, r) first and
    (p, r) last column of each part's pixels in each row, inclusive; first > last: none), or
    None.

    Its window, narrowed where the outline is known (:func:`_outline`) to the polygons of
    its parts: the rays of the pixels left out pass at least _OUTLINE_MARGIN from its image.
    """
    v0, v1, u0, u1 = (int(x) for x in box)
    top, bottom = max(v0 - height, 0), min(v1 - height, height)
    left, right = max(u0 - width, 0), min(u1 - width, width)
    if top >= bottom or left >= right:
        return None
    if outline is None:
        first = np.full((1, bottom - top), left, dtype=np.int64)
        return top, first, np.full((1, bottom - top), right - 1, dtype=np.int64)
    low, high = outline
    if not len(low):
        return None
    cos, sin = _OUTLINE_DIRECTIONS[:, 0], _OUTLINE_DIRECTIONS[:, 1]
    across = np.arange(top, bottom, dtype=np.float64)[:, None] * sin  # (r, m)
    lowest = np.ceil(((low[:, None, :] - across) / cos).max(axis=2))
    highest = np.floor(((high[:, None, :] - across) / cos).min(axis=2))
    first = np.clip(lowest, left, right).astype(np.int64)
    return top, first, np.clip(highest, left - 1, right - 1).astype(np.int64)


def _outline_mask(
    span: tuple[int, np.ndarray, np.ndarray] | None,
) -> tuple[int, int, np.ndarray] | None:
    """(top, left, bool block) of the pixels of :func:`_outline_rows`, all parts together:
    block[r, c] holds image pixel (left + c, top + r); None where there is none."""
    if span is None:
        return None
    top, first, last = span
    left, right = int(first.min()), int(last.max()) + 1
    if left >= right:
        return None
    columns = np.arange(left, right)
    mask = (columns >= first[0, :, None]) & (columns <= last[0, :, None])
    for low, high in zip(first[1:], last[1:], strict=True):
        mask |= (columns >= low[:, None]) & (columns <= high[:, None])
    return top, left, mask


def _rays_at(
    frame: Frame, to_world: np.ndarray, top: int, left: int, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Rays through the image pixels (left + cols, top + rows), (m, 6) float32: bit for bit
    :func:`rays_through` of them, with the products u r0 and v r1 formed once per column and
    row of the block, not per ray."""
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
class _Trace:
    """What the rays found: the first hit of every image pixel and, when asked for, the
    (object, ray) pairs that hit, already counted (padded rays: beyond the border)."""

    first: np.ndarray  # (n,) int32 per image pixel: object index, k = structure, k + 1 = nothing
    nearest: np.ndarray  # (n,) float32 camera-z of the nearest object hit (inf where none)
    silhouette: np.ndarray  # (k,) image rays that hit each object
    outside: np.ndarray  # (k,) padded rays that hit each object
    occlusions: np.ndarray  # (p, 3) [i, j, image rays of i whose first hit is j], sorted


def _rays_per_chunk(k: int) -> int:
    """Rays listed at once: about ``HIT_BUDGET`` hits, a ray meeting each object twice (in
    and out of a closed surface), so what one chunk lists does not grow with rays x objects."""
    return max(64, HIT_BUDGET // (2 * max(k, 1)))


def _table(occlusions: tuple[np.ndarray, np.ndarray], k: int) -> np.ndarray:
    """(p, 3) int64 [i, j, count] from sparse keys i (k + 1) + j and their counts."""
    keys, counts = occlusions
    return np.stack([keys // (k + 1), keys % (k + 1), counts], axis=1).astype(np.int64)


def _trace_listed(
    scene: Scene, frame: Frame, pixels: np.ndarray, padded: np.ndarray, pairs: bool = True
) -> _Trace:
    """The exact all-hits trace: every ray through the image ``pixels`` (flat indices) and the
    ``padded`` (u, v) listed against every object (:func:`_list_hits`). :func:`_trace` gives
    the same, bit for bit, faster; this is the definition it is tested against."""
    k, n = len(scene.objects), frame.width * frame.height
    first = np.full(n, k + 1, dtype=np.int32)
    nearest = np.full(n, np.inf, dtype=np.float32)
    silhouette, outside, occlusions = _list_hits(
        scene, frame, pixels, padded, first, nearest, pairs
    )
    return _Trace(first, nearest, silhouette, outside, _table(occlusions, k))


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
    object is hit, in chunks of :func:`_rays_per_chunk` rays. Writes each image pixel's
    first hit (object index, k: the structure) into ``first`` and its nearest object depth
    into ``nearest`` where an object is hit; with ``pairs``, returns the (object, ray) hits
    counted: (silhouette (k,), outside (k,), occlusions (keys i (k + 1) + j, counts)). Each
    ray's result depends on that ray alone, so the chunking changes no count.
    """
    objects, structure = _ray_scenes(scene)
    k, m = len(scene.objects), len(pixels)
    u = np.concatenate([pixels % frame.width, padded[:, 0]])
    v = np.concatenate([pixels // frame.width, padded[:, 1]])
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
                first[where[occluded]] = k
        if pairs and len(hit_ray):
            found = _count_hits(k, first, pixels, lo, image, hit_ray, hit_object)
            silhouette += found[0]
            outside += found[1]
            occlusions = _merge(occlusions, found[2])
    return silhouette, outside, occlusions


def _trace(
    scene: Scene,
    frame: Frame,
    boxes: np.ndarray,
    outlines: list[tuple[np.ndarray, np.ndarray] | None],
    padded: np.ndarray,
    pairs: bool = True,
) -> _Trace:
    """What :func:`_trace_listed` finds for every window pixel of ``boxes`` and the ``padded``
    samples (raster order), bit for bit, from fewer and cheaper ray queries.

    A ray can hit only the objects whose outline (:func:`_outline_rows`) holds its pixel. A
    pixel held by one outline gets one closest-hit cast against all objects: whether it hits
    and at what ``t`` are what listing every hit finds (the same Embree scene, the same
    triangle tests), and the object hit can only be that one. Pixels held by more outlines,
    and any whose cast found another object, go to :func:`_list_hits`, which finds ties.
    The structure test is the same query along the same scaled rays, skipped where
    :func:`_clearances` shows it cannot hit.
    """
    objects, structure = _ray_scenes(scene)
    width, height = frame.width, frame.height
    k, n = len(scene.objects), width * height
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
    first = np.full(n, k + 1, dtype=np.int32)
    nearest = np.full(n, np.inf, dtype=np.float32)
    clear = _clearances(scene, frame)

    def outline_mask(i: int) -> tuple[int, int, np.ndarray] | None:
        return _outline_mask(_outline_rows(boxes[i], outlines[i], width, height))

    # How many outlines hold each pixel; the masks are kept while they take under 4 bytes a
    # pixel of the image, and made again beyond, so memory does not grow with objects x pixels.
    cover = np.zeros((height, width), dtype=np.int16 if k < 1 << 15 else np.int32)
    masks, kept = [], 0
    for i in range(k):
        block = outline_mask(i)
        if block is not None:
            top, left, mine = block
            cover[top : top + mine.shape[0], left : left + mine.shape[1]] += mine
            kept += mine.size
        masks.append(block if kept <= 4 * n else None)
    hits = []  # per object: (index, flat image pixels it is hit at)
    strays = [np.flatnonzero(cover.ravel() > 1)]  # pixels to list
    for i in range(k):
        block = masks[i] or outline_mask(i)
        if block is None:
            continue
        top, left, mine = block
        rows, cols = np.nonzero(mine)
        alone = cover[rows + top, cols + left] == 1
        if not alone.all():
            rows, cols = rows[alone], cols[alone]
        if not len(rows):
            continue
        rays = _rays_at(frame, to_world, top, left, rows, cols)
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
    return _Trace(first, nearest, silhouette, outside, _table(occlusions, k))


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
    :func:`_samples` keeps them) passes at least 1 px from the object's image.
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
        objects, _ = _ray_scenes(scene)
        rays = rays_through(frame, u[alone], v[alone])
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


def _visible_stats(
    trace: _Trace, boxes: np.ndarray, frame: Frame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(visible pixels (k,), boxes (k, 4), points (k, 2), depths (k,)) from the first hits.

    Object i shows only inside its window (``boxes``), so each object reads its window alone,
    in raster order; nothing grows with objects x pixels. The mean depth is summed in raster
    order, one pixel after the other.
    """
    width, height = frame.width, frame.height
    k = len(boxes)
    first = trace.first.reshape(height, width)
    nearest = trace.nearest.reshape(height, width)
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
    definition :func:`_trace` is held to, and the baseline of bench/bench_visibility.py)."""
    n = frame.width * frame.height
    boxes, outlines = _window_boxes(scene, frame)
    plane = _plane(boxes, frame)
    if all_hits:
        image = plane[frame.height : 2 * frame.height, frame.width : 2 * frame.width]
        pixels = np.flatnonzero(image)
    padded, stride = _samples(plane, frame, budget=n // 16)
    if all_hits:
        trace = _trace_listed(scene, frame, pixels, padded)
    else:
        trace = _trace(scene, frame, boxes, outlines, padded)
    outside = trace.outside * float(stride**2)
    visible, squares, points, depths = _visible_stats(trace, boxes, frame)
    ids = np.array([obj.id for obj in scene.objects], dtype=np.int64)
    arrays = (ids, visible, trace.silhouette, outside, trace.occlusions, squares, points, depths)
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
        squares,
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
    have far fewer). The closest-hit casts of pixels held by one object's outline go out one
    object at a time, at most a pixel each. The meshes and their ray-casting structures are
    not included: they grow with vertices, not with objects or pixels.
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
    boxes, outlines = _window_boxes(scene, frame)
    empty = np.empty((0, 2), dtype=np.int64)
    first = _trace(scene, frame, boxes, outlines, empty, pairs=False).first
    bare = np.flatnonzero(first == k + 1)
    to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
    rays = _rays_at(frame, to_world, 0, 0, bare // frame.width, bare % frame.width)
    rays[:, 3:] *= 1e6  # tfar = 1 reaches a kilometre
    if len(rays):
        _, structure = _ray_scenes(scene)
        walls = structure.test_occlusions(o3d.core.Tensor.from_numpy(rays), tfar=1.0).numpy()
        first[bare[walls]] = k
    ids = np.array([*(obj.id for obj in scene.objects), STRUCTURE_ID, NO_HIT_ID])
    return ids[first].reshape(frame.height, frame.width)


def visible_instances(
    scene: Scene, views: list[str], tau_instance: float = 0.05, tau_frame: float = 0.001
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
