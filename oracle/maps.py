"""Cognitive maps: the N x N grid map of object centres that VSI-Bench asked models to draw and
never published the truth of (GROUND_TRUTH.md, "Cognitive maps").

The map has a right direction R and an up direction U on the floor (unit vectors of world XY).
Frame ``first_view``: U is the first delivered frame's heading (its optical axis projected on
the floor) and R is U turned 90 degrees clockwise, the camera's right; frame ``world``: R is
world +x, U world +y. A point p of the floor has coordinates r = p . R and f = p . U. The map
is the square [r_min, r_min + side] x [f_max - side, f_max] centred on the room footprint's
bounding box in (r, f), side = that box's longer side; a point's cell is

    x = floor(N (r - r_min) / side),  y = floor(N (f_max - f) / side),  both clipped to 0..N-1,

origin top-left, y growing downwards (as MindCube draws maps). An object is at its minimal
OBB's centre, z dropped (an object that moves: where it is at the first view's time). A scene
without a footprint uses the bounding box of all its geometry (object and structure vertices).
Every fact keeps the continuous coordinates and the transform (origin, axes, rotation, side) in
``detail``, so any other convention can be derived.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import minimal_obb
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import FrameId, Range, call, operation
from spatialqa.oracle.viewer import camera_heading
from spatialqa.oracle.visibility import TAU_FRAME, TAU_INSTANCE, visible_instances
from spatialqa.scenes import Scene

MAP_FRAMES = ("first_view", "world")
DEFAULT_GRID = 10
MAX_GRID = 1000
MAX_CATEGORIES = 64


@dataclass(frozen=True)
class MapTransform:
    """World XY -> map cells, and what a reader needs to redo it in another convention.

    ``right`` and ``up`` (2,) are the map's axes in world XY; ``r_min`` and ``f_max`` the map's
    top-left corner in (r, f); ``side`` the square's side in metres; ``grid`` N.
    """

    frame: str
    view: str | None
    right: np.ndarray
    up: np.ndarray
    r_min: float
    f_max: float
    side: float
    grid: int
    extent_from: str

    def rf(self, xy: np.ndarray) -> np.ndarray:
        """(r, f) of world points (n, 2): their coordinates along the map's right and up."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return np.column_stack([xy @ self.right, xy @ self.up])

    def continuous(self, xy: np.ndarray) -> np.ndarray:
        """Unclipped cell coordinates (n, 2) of world points: N (r - r_min) / side and
        N (f_max - f) / side; their floors (clipped) are the cells."""
        rf = self.rf(xy)
        scale = self.grid / self.side
        return np.column_stack([(rf[:, 0] - self.r_min) * scale, (self.f_max - rf[:, 1]) * scale])

    def cells(self, xy: np.ndarray) -> np.ndarray:
        """Cells [x, y] (n, 2) int64 of world points, clipped to 0..N-1."""
        return np.clip(np.floor(self.continuous(xy)), 0, self.grid - 1).astype(np.int64)

    @property
    def origin(self) -> np.ndarray:
        """World XY (2,) of the map's top-left corner (r_min, f_max)."""
        return self.r_min * self.right + self.f_max * self.up

    @property
    def rotation_deg(self) -> float:
        """Counter-clockwise angle from world +x to the map's right (= from world +y to its
        up), in (-180, 180]."""
        angle = math.degrees(math.atan2(float(self.right[1]), float(self.right[0])))
        return 180.0 if angle == -180.0 else angle

    def describe(self) -> dict:
        """The transform as JSON-able numbers (what a sample records as its map convention)."""
        return {
            "frame": self.frame,
            "view": self.view,
            "grid": self.grid,
            "right": [float(v) for v in self.right],
            "up": [float(v) for v in self.up],
            "rotation_deg": self.rotation_deg,
            "origin": [float(v) for v in self.origin],
            "r_min": self.r_min,
            "f_max": self.f_max,
            "side": self.side,
            "cell_m": self.side / self.grid,
            "extent_from": self.extent_from,
        }


def map_axes(scene: Scene, frame: str, view: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(right, up) unit vectors (2,) of the map in world XY for ``frame``."""
    if frame == "world":
        return np.array([1.0, 0.0]), np.array([0.0, 1.0])
    if frame != "first_view":
        raise SpatialQAError(f"cognitive_map: frame must be one of {MAP_FRAMES} (got {frame!r})")
    if view is None:
        raise SpatialQAError("cognitive_map: frame 'first_view' needs at least one view")
    up = camera_heading(scene.frame(view))
    return np.array([up[1], -up[0]]), up


def _extent_points(scene: Scene) -> tuple[np.ndarray, str]:
    """Floor points (n, 2) whose bounding box the map covers: the footprint's corners, else
    every vertex of the scene's objects and structure."""
    if scene.room is not None:
        return np.asarray(scene.room.footprint, dtype=np.float64), "footprint"

    def compute() -> np.ndarray:
        parts = [np.asarray(obj.vertices, dtype=np.float64)[:, :2] for obj in scene.objects]
        parts += [np.asarray(s.mesh.vertices, dtype=np.float64)[:, :2] for s in scene.structure]
        return np.concatenate(parts)

    return derived(scene).memo("map_extent_points", None, compute), "geometry"


def map_transform(
    scene: Scene, frame: str = "first_view", view: str | None = None, grid: int = DEFAULT_GRID
) -> MapTransform:
    """The map of ``scene`` in ``frame`` (``view``: the first delivered frame) on an N x N
    ``grid``, covering the square centred on the footprint's bounding box in that frame."""
    right, up = map_axes(scene, frame, view)
    points, extent_from = _extent_points(scene)
    r, f = points @ right, points @ up
    side = float(max(r.max() - r.min(), f.max() - f.min()))
    if not side > 0:
        raise SpatialQAError(f"cognitive_map: scene {scene.scene_id} has no extent on the floor")
    r_mid, f_mid = (float(r.max()) + float(r.min())) / 2.0, (float(f.max()) + float(f.min())) / 2.0
    return MapTransform(
        frame=frame,
        view=view if frame == "first_view" else None,
        right=right,
        up=up,
        r_min=r_mid - side / 2.0,
        f_max=f_mid + side / 2.0,
        side=side,
        grid=grid,
        extent_from=extent_from,
    )


def _boundary_gap(continuous: np.ndarray, grid: int) -> float | None:
    """Least distance (in cells) of any coordinate from an inner cell boundary (1..N-1):
    how far a centre may move before its cell changes. None without coordinates."""
    if continuous.size == 0:
        return None
    clipped = np.clip(continuous, 0.0, float(grid))
    inner = np.clip(np.rint(clipped), 1.0, float(grid - 1))
    return float(np.abs(clipped - inner).min())


@operation(grid=Range(2, MAX_GRID), categories=Range(1, MAX_CATEGORIES), views=Range(1, None))
def cognitive_map(
    scene: Scene,
    categories: list[str],
    views: list[FrameId],
    grid: int = DEFAULT_GRID,
    frame: str = "first_view",
    tau_instance: float = TAU_INSTANCE,
    tau_frame: float = TAU_FRAME,
) -> Fact:
    """The grid map of every instance of ``categories`` visible above tau in ``views``.

    Value: category -> cells ``[x, y]`` of its visible instances sorted by x then y (sorted
    categories). Unanswerable when a category has no visible instance (the views cannot place
    it). Margin: the least distance, in cells, of a centre from an inner cell boundary.
    ``detail``: the transform, each instance's world centre, (r, f) and unclipped cell
    coordinates, and the instances of the categories the views miss.
    """
    if len(set(categories)) != len(categories):
        raise SpatialQAError(f"cognitive_map: categories repeat ({sorted(categories)})")
    transform = map_transform(scene, frame, views[0], grid)
    seen = visible_instances(scene, list(views), tau_instance, tau_frame)
    placed = scene.at_frame(views[0])  # the scene itself unless objects move
    value: dict[str, list[list[int]]] = {}
    shown: list[int] = []
    hidden: list[int] = []
    centres: dict[str, list[float]] = {}
    positions: dict[str, list[float]] = {}
    exact: dict[str, list[float]] = {}
    gaps = []
    for category in sorted(categories):
        ids = scene.categories.get(category, ())
        visible = [i for i in ids if seen[i]]
        hidden += [i for i in ids if not seen[i]]
        if not visible:
            value[category] = []
            continue
        xy = np.array([minimal_obb(placed, i).center[:2] for i in visible])
        cells = transform.cells(xy)
        value[category] = sorted(cells.tolist())
        rf, continuous = transform.rf(xy), transform.continuous(xy)
        gaps.append(continuous)
        for k, instance in enumerate(visible):
            centres[str(instance)] = xy[k].tolist()
            positions[str(instance)] = rf[k].tolist()
            exact[str(instance)] = continuous[k].tolist()
        shown += visible
    empty = [category for category, cells in value.items() if not cells]
    margin = _boundary_gap(np.concatenate(gaps) if gaps else np.empty(0), grid)
    where = f"map {frame}" + (f" {views[0]}" if frame == "first_view" else "")
    return Fact(
        value=value,
        unit="cell",
        primitive="minimal_obb_center",
        frame=where,
        program=call(
            cognitive_map,
            categories=list(categories),
            views=list(views),
            grid=grid,
            frame=frame,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        margin=margin,
        answerable=not empty,
        why_not=(
            f"no instance of {', '.join(empty)} is visible above tau in the given views"
            if empty
            else None
        ),
        instance_ids=tuple(shown),
        views=tuple(views),
        detail={
            "transform": transform.describe(),
            "centers": centres,
            "positions": positions,
            "continuous": exact,
            "hidden": sorted(hidden),
        },
    )
