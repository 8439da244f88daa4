"""Navigation on the free floor: an occupancy grid, A* with a robot radius, and routes.

The grid covers the room's floor polygon with square cells of ``cell`` metres. A cell is free
when its centre lies inside the floor and at least ``robot_radius`` from the floor's boundary
and from every obstacle. Distances are exact (shapely, to the polygons themselves), not those
of a rasterised map, so an obstacle thinner than a cell is never lost between cell centres.
Obstacles are the objects whose lowest point is below ``height_limit`` above the floor (a
robot passes under a wall-mounted tv, not through a table): the convex hull of their vertices
on XY. A* moves between the 8 neighbours of a cell, never cutting a blocked corner.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry import MultiPoint, Polygon

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import ObjectId, Range, call, operation
from spatialqa.oracle.viewer import center_xy, signed_yaw
from spatialqa.scenes import Scene

TURN_BACK_DEG = 135.0
MAX_GRID_CELLS = 2_000_000
"""Most cells of an occupancy grid (a 70 m x 70 m floor at the default 5 cm cell): its cost,
memory and A* time grow with the cells, and ``cell`` comes from programs."""
_MOVES = tuple(
    (di, dj, math.sqrt(2.0) if di and dj else 1.0)
    for di in (-1, 0, 1)
    for dj in (-1, 0, 1)
    if di or dj
)


@dataclass(frozen=True, eq=False)
class Grid:
    """Free floor cells. Cell (i, j) has its centre at ``origin + (j, i) * cell`` (x, y).

    Attributes
    ----------
    origin : (2,) float64, the XY centre of cell (0, 0).
    cell : float, side length in metres.
    clearance : (rows, cols) float64, metres from the cell centre to the nearest obstacle or
        floor boundary (0 outside the floor or inside an obstacle).
    free : (rows, cols) bool, clearance >= robot radius.
    parts : (rows, cols) int, connected component of each free cell (0 for blocked cells).
    key : (robot radius, cell, height limit), what the grid was built for.
    """

    origin: np.ndarray
    cell: float
    clearance: np.ndarray
    free: np.ndarray
    parts: np.ndarray
    key: tuple[float, float, float]

    @cached_property
    def free_cells(self) -> np.ndarray:
        """(n, 2) int (row, col) of the free cells, in row order."""
        return np.argwhere(self.free)

    @cached_property
    def free_points(self) -> np.ndarray:
        """Shapely points (n,) at the free cells' centres."""
        return shapely.points(self.centers(self.free_cells))

    def centers(self, cells: np.ndarray) -> np.ndarray:
        """XY centres (n, 2) of cells given as (n, 2) integer (row, col) pairs."""
        return self.origin + np.asarray(cells, dtype=np.float64)[:, ::-1] * self.cell


def floor_polygon(scene: Scene) -> Polygon:
    """The room footprint; without one, the XY hull of the "floor" structure meshes."""
    if scene.room is not None:
        polygon = Polygon(scene.room.footprint)
    else:
        floors = [s.mesh.vertices[:, :2] for s in scene.structure if s.category == "floor"]
        if not floors:
            raise SpatialQAError(
                f"scene {scene.scene_id}: navigation needs room.footprint or a floor structure"
            )
        polygon = MultiPoint(np.concatenate(floors)).convex_hull
    if not polygon.is_valid or polygon.area <= 0:
        raise SpatialQAError(f"scene {scene.scene_id}: room.footprint is not a valid polygon")
    return polygon


def obstacle_footprints(scene: Scene, height_limit: float = 1.5) -> dict[int, Polygon]:
    """Instance id -> XY convex hull, for objects whose lowest point is below the limit."""
    out = {}
    for obj in scene.objects:
        vertices = obj.vertices
        if vertices[:, 2].min() - scene.floor_z < height_limit:
            out[obj.id] = MultiPoint(vertices[:, :2]).convex_hull
    return out


def footprint(scene: Scene, instance_id: int) -> shapely.Geometry:
    """The object's XY convex hull (a polygon, or a line or point for degenerate objects)."""
    return MultiPoint(scene.object(instance_id).vertices[:, :2]).convex_hull


def occupancy_grid(
    scene: Scene, robot_radius: float = 0.2, cell: float = 0.05, height_limit: float = 1.5
) -> Grid:
    """The free-floor :class:`Grid` of ``scene`` for a round robot, cached per parameters."""
    if not (robot_radius >= 0 and cell > 0 and height_limit > 0):
        raise SpatialQAError(
            f"occupancy_grid: need robot_radius >= 0, cell > 0, height_limit > 0 "
            f"(got {robot_radius}, {cell}, {height_limit})"
        )

    def compute() -> Grid:
        floor = floor_polygon(scene)
        low_x, low_y, high_x, high_y = floor.bounds
        cols, rows = (
            max(1, math.ceil((high - low) / cell))
            for low, high in ((low_x, high_x), (low_y, high_y))
        )
        if rows * cols > MAX_GRID_CELLS:
            raise SpatialQAError(
                f"occupancy_grid: a {cell!r} m cell makes {rows} x {cols} cells on the floor of "
                f"scene {scene.scene_id}, more than {MAX_GRID_CELLS:,} (use a larger cell)"
            )
        origin = np.array([low_x + cell / 2.0, low_y + cell / 2.0])
        jj, ii = np.meshgrid(np.arange(cols), np.arange(rows))
        x, y = origin[0] + jj.ravel() * cell, origin[1] + ii.ravel() * cell
        points = shapely.points(x, y)
        clearance = shapely.distance(floor.boundary, points)
        obstacles = list(obstacle_footprints(scene, height_limit).values())
        if obstacles:
            clearance = np.minimum(
                clearance, shapely.distance(shapely.union_all(obstacles), points)
            )
        inside = shapely.contains_xy(floor, x, y) & (clearance > 0.0)
        clearance = np.where(inside, clearance, 0.0).reshape(rows, cols)
        free = inside.reshape(rows, cols) & (clearance >= robot_radius)
        parts, _ = ndimage.label(free)  # 4-connected: what A* reaches without cutting corners
        for array in (clearance, free, parts):
            array.setflags(write=False)
        return Grid(origin, float(cell), clearance, free, parts, key)

    key = (float(robot_radius), float(cell), float(height_limit))
    return derived(scene).memo("occupancy_grid", key, compute)


def nearest_free_cell(
    scene: Scene, grid: Grid, instance_id: int, toward: np.ndarray | None = None
) -> tuple[int, int] | None:
    """The free cell nearest the object's XY footprint.

    Cells within one cell size of the least distance count as nearest (the grid's corners
    would otherwise pick a diagonal cell by a few millimetres); among them, the one nearest
    ``toward`` (XY), then the first in row order.
    """
    cells = grid.free_cells
    if len(cells) == 0:
        return None

    def compute() -> np.ndarray:
        distance = shapely.distance(footprint(scene, instance_id), grid.free_points)
        return np.flatnonzero(distance <= distance.min() + grid.cell)

    near = derived(scene).memo("near_free_cells", (grid.key, instance_id), compute)
    if toward is not None:
        centers = grid.centers(cells[near])
        near = near[np.argsort(np.hypot(*(centers - toward).T), kind="stable")]
    i, j = cells[near[0]]
    return int(i), int(j)


def astar(
    free: np.ndarray, start: tuple[int, int], goal: tuple[int, int]
) -> list[tuple[int, int]] | None:
    """Shortest 8-connected path of cells from ``start`` to ``goal`` over ``free`` (rows, cols)
    bool, in cell units with diagonal steps of sqrt(2); None when there is none. A diagonal
    step needs both cells it passes between to be free. Octile-distance heuristic (exact in
    open space, so admissible and consistent); ties go to the cell farther along, which keeps
    the search narrow on open floor."""
    rows, cols = free.shape
    open_cell = free.tolist()
    if not (open_cell[start[0]][start[1]] and open_cell[goal[0]][goal[1]]):
        return None

    def octile(i: int, j: int) -> float:
        di, dj = abs(i - goal[0]), abs(j - goal[1])
        return max(di, dj) + (math.sqrt(2.0) - 1.0) * min(di, dj)

    best = {start: 0.0}
    parent: dict[tuple[int, int], tuple[int, int]] = {}
    heap = [(octile(*start), -0.0, start)]
    done: set[tuple[int, int]] = set()
    while heap:
        _, negative_cost, node = heapq.heappop(heap)
        cost = -negative_cost
        if node == goal:
            path = [node]
            while path[-1] in parent:
                path.append(parent[path[-1]])
            return path[::-1]
        if node in done:
            continue
        done.add(node)
        i, j = node
        for di, dj, step in _MOVES:
            ni, nj = i + di, j + dj
            if not (0 <= ni < rows and 0 <= nj < cols and open_cell[ni][nj]):
                continue
            if di and dj and not (open_cell[i][nj] and open_cell[ni][j]):
                continue
            new = cost + step
            if new < best.get((ni, nj), math.inf):
                best[(ni, nj)] = new
                parent[(ni, nj)] = node
                heapq.heappush(heap, (new + octile(ni, nj), -new, (ni, nj)))
    return None


def path_length(path: Sequence[tuple[int, int]], cell: float) -> float:
    """Length in metres of a cell path."""
    steps = np.abs(np.diff(np.asarray(path), axis=0)).sum(axis=1)
    return float(np.sum(np.where(steps == 2, math.sqrt(2.0), steps)) * cell)


def leg_path(
    scene: Scene, grid: Grid, a: int, b: int
) -> tuple[list[tuple[int, int]] | None, str | None]:
    """A* path from the free cell nearest object ``a`` (the one towards ``b`` among equals) to
    the one nearest ``b``, or the reason there is none; cached per grid and pair."""

    def compute() -> tuple[list[tuple[int, int]] | None, str | None]:
        start = nearest_free_cell(scene, grid, a, toward=center_xy(scene, b))
        goal = nearest_free_cell(scene, grid, b, toward=center_xy(scene, a))
        if start is None or goal is None:
            return None, "no free floor cell"
        if grid.parts[start] != grid.parts[goal]:
            return None, f"no path from {a} to {b} with the robot's clearance"
        return astar(grid.free, start, goal), None

    return derived(scene).memo("leg_path", (grid.key, a, b), compute)


def turn(delta_deg: float) -> str:
    """The action for a heading change: |delta| >= 135 "turn back", else left (+) or right."""
    if abs(delta_deg) >= TURN_BACK_DEG:
        return "turn back"
    return "turn left" if delta_deg > 0 else "turn right"


def route_deltas(scene: Scene, start: int, facing: int, waypoints: Sequence[int]) -> list[float]:
    """The heading change (degrees, left positive) at each landmark of a route, box centres
    on XY; cheap, so a task can filter on it before any path search."""
    positions = [center_xy(scene, i) for i in (start, *waypoints)]
    heading = center_xy(scene, facing) - positions[0]
    deltas = []
    for here, there in pairwise(positions):
        deltas.append(signed_yaw(heading, there - here))
        heading = there - here
    return deltas


@operation(
    waypoints=Range(1, 64),
    robot_radius=Range(0.0, 5.0),
    cell=Range(0.01, 1.0),
    height_limit=Range(0.01, 100.0),
)
def route(
    scene: Scene,
    start: ObjectId,
    facing: ObjectId,
    waypoints: list[ObjectId],
    robot_radius: float = 0.2,
    cell: float = 0.05,
    height_limit: float = 1.5,
) -> Fact:
    """The turns of a robot at ``start`` facing ``facing`` that walks to each waypoint in turn.

    At each landmark the robot turns from its heading (first towards ``facing``, then along
    the leg it walked) to the next leg, box centres on XY: delta = CCW angle in (-180, 180].
    Value: one action per leg (:func:`turn`). ``margin`` is the smallest distance of a delta to
    a decision boundary (0 and +-135 deg). Each leg must be walkable on the
    :func:`occupancy_grid` from the free cell nearest one landmark to the one nearest the next;
    otherwise the fact is not answerable.
    """
    chain = [start, *waypoints]
    if not waypoints or len(set(chain)) != len(chain) or facing == start:
        raise SpatialQAError(
            f"route: need distinct landmarks and at least one waypoint "
            f"(start {start}, facing {facing}, waypoints {waypoints})"
        )
    deltas = route_deltas(scene, start, facing, waypoints)
    grid = occupancy_grid(scene, robot_radius, cell, height_limit)
    lengths, why_not = [], None
    for k, (a, b) in enumerate(pairwise(chain)):
        path, reason = leg_path(scene, grid, a, b)
        lengths.append(None if path is None else path_length(path, grid.cell))
        if path is None and why_not is None:
            why_not = f"leg {k} ({a} -> {b}): {reason or 'no path'}"
    return Fact(
        value=[turn(delta) for delta in deltas],
        unit="deg",
        primitive="obb_center",
        frame=f"egocentric: robot at {start} facing {facing}",
        program=call(
            route,
            start=start,
            facing=facing,
            waypoints=list(waypoints),
            robot_radius=robot_radius,
            cell=cell,
            height_limit=height_limit,
        ),
        margin=float(min(min(abs(d), abs(abs(d) - TURN_BACK_DEG)) for d in deltas)),
        answerable=why_not is None,
        why_not=why_not,
        instance_ids=(start, facing, *waypoints),
        detail={"deltas_deg": deltas, "path_m": lengths, "robot_radius_m": robot_radius},
    )
