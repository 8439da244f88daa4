"""Navigation and egocentric facts on procedural rooms: grid build, routes, ego facts per second.

    python bench/bench_navigation.py [--rooms 5] [--routes 20]

Per room: the occupancy grid (5 cm cells, 0.2 m robot) built on a fresh scene whose boxes
are already known, then ``--routes`` two-leg routes over random landmarks with cold leg
caches, the same routes again (warm: grid and leg paths cached), then clock, goal-aiming and
camera-motion facts over the walkthrough. Prints medians over rooms; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from spatialqa.oracle import (
    camera_motion_direction,
    clock_direction,
    goal_aiming,
    minimal_obb,
    route,
)
from spatialqa.oracle.navigation import occupancy_grid
from spatialqa.scenes import procedural_scene


def room_figures(index: int, routes: int) -> dict[str, float]:
    scene = procedural_scene(0, index)
    ids = [obj.id for obj in scene.objects]
    for instance_id in ids:
        minimal_obb(scene, instance_id)
    rng = np.random.default_rng(index)
    chains = [rng.choice(ids, size=4, replace=False).tolist() for _ in range(routes)]
    frames = [frame.id for frame in scene.trajectories[0].frames]
    figures = {}
    start = time.perf_counter()
    grid = occupancy_grid(scene)
    figures["grid build (ms)"] = 1000 * (time.perf_counter() - start)
    figures["grid cells"] = float(grid.free.size)
    for label in ("route, cold legs (ms)", "route, warm (ms)"):
        start = time.perf_counter()
        for first, facing, *stops in chains:
            route(scene, first, facing, stops)
        figures[label] = 1000 * (time.perf_counter() - start) / routes
    start = time.perf_counter()
    for k, frame in enumerate(frames):
        clock_direction(scene, ids[k % len(ids)], view=frame)
        goal_aiming(scene, ids[k % len(ids)], view=frame)
        camera_motion_direction(scene, frame, frames[k - 1])
    figures["ego facts per second"] = 3 * len(frames) / (time.perf_counter() - start)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=5)
    parser.add_argument("--routes", type=int, default=20)
    args = parser.parse_args()
    rooms = [room_figures(index, args.routes) for index in range(args.rooms)]
    for name in rooms[0]:
        median = statistics.median(room[name] for room in rooms)
        print(f"{name:24s} median {median:10.1f}  (over {len(rooms)} rooms)")


if __name__ == "__main__":
    main()
