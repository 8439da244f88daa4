"""What each procedural trajectory yields: objects per view, and questions per task.

    python bench/bench_trajectories.py [--rooms 12] [--frames 32] [--views 16]

For every procedural trajectory, on ``--rooms`` rooms (seed 0) at 160 x 120 pixels, seen
through ``--views`` frames spread over ``--frames``: the median number of objects visible
per view, the share of objects seen over the views, and how many questions (up to 3 a room)
a few tasks find. The tour exists for ``obj_appearance_order``, which needs furniture to come
into view one piece after another. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.scenes import procedural_scene

TASKS = ("obj_appearance_order", "object_counting", "object_rel_direction_hard", "depth_order")
PER_ROOM = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=12)
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--views", type=int, default=16)
    args = parser.parse_args()
    scenes = [
        procedural_scene(0, i, frames=args.frames).resized(160, 120) for i in range(args.rooms)
    ]
    names = sorted({t.name for scene in scenes for t in scene.trajectories})
    print(f"{args.rooms} rooms, {args.views} of {args.frames} frames, up to {PER_ROOM} a task")
    print(f"{'trajectory':12} {'per view':>8} {'seen':>5}  " + "  ".join(TASKS))
    for name in names:
        per_view, seen, found = [], [], dict.fromkeys(TASKS, 0)
        for scene in scenes:
            if name not in [t.name for t in scene.trajectories]:
                continue
            ids = [frame.id for frame in scene.trajectory(name).frames]
            picks = np.unique(np.round(np.linspace(0, len(ids) - 1, args.views)).astype(int))
            ctx = Context(scene, tuple(ids[i] for i in picks), seed=0, trajectory=tuple(ids))
            per_view += [len(ctx.visible_in([view])) for view in ctx.views]
            seen.append(len(ctx.visible) / len(scene.objects))
            for task in TASKS:
                found[task] += len(draw_samples(get_task(task)(), ctx, PER_ROOM))
        counts = "  ".join(f"{found[task]:>{len(task)}}" for task in TASKS)
        print(
            f"{name:12} {statistics.median(per_view):8.1f} {statistics.mean(seen):5.0%}  {counts}"
        )


if __name__ == "__main__":
    main()
