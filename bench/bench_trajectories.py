"""What each procedural trajectory delivers: objects per view, how much of each view is bare
structure, when objects first appear, and questions per task.

    python bench/bench_trajectories.py [--rooms 12] [--seed 0] [--frames 32] [--views 16]
        [--size W H] [--trajectories walkthrough low ...] [--no-tasks]

For every procedural trajectory (or those ``--trajectories`` names: the rooms make only them,
the same frames as the full room), on ``--rooms`` rooms of ``--seed``, through the views the
pipeline delivers (``pick_views`` with the default ``views:`` settings for that trajectory and
``--views`` frames, out of ``--frames``), at the scene's own 640 x 480 pixels (the resolution
every task and the framing rule are judged at) unless ``--size`` says otherwise:

- ``objects``: the median over views of the objects visible above tau (5% of the instance or
  0.1% of the frame) in the view; ``seen``: the mean share of a room's objects visible in some
  view.
- ``structure``: the median over views of the share of pixels whose first hit is the structure
  (walls, floor, ceiling, doors, window frames): ``oracle.framing``.
- ``first``: when objects first appear along the video. For each object visible in some view,
  its first-appearance time as a fraction of the video, (t_first - t_0) / (t_last - t_0) over the
  delivered views' timestamps; ``first`` is the median of those fractions over every object of
  every room, and ``Q1..Q4`` the share of objects first seen in each quarter of the video
  ([0, .25), [.25, .5), [.5, .75), [.75, 1]). A tour reveals the room as it goes: later first
  appearances, spread over the quarters; a walkthrough facing the room's middle sees most of it
  in the first view.
- ``views``: views delivered per room (fewer than ``--views`` when too few frames pass).
- ``judged``: frames whose framing verdict ``pick_views`` computed (``oracle.framing.passes``,
  a full visibility computation each) per view delivered, over all rooms: 1.00 when every frame
  it looks at passes; each rejected frame costs one more.
- how many questions (up to 3 a room) a few tasks find.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.oracle.framing import framing
from spatialqa.oracle.visibility import frame_visibility
from spatialqa.pipelines import shard
from spatialqa.pipelines.config import ViewsSpec
from spatialqa.pipelines.shard import pick_views
from spatialqa.scenes import procedural_scene

TASKS = ("obj_appearance_order", "object_counting", "object_rel_direction_hard", "depth_order")
PER_ROOM = 3


def first_appearances(scene, views: tuple[str, ...]) -> list[float]:
    """Each object's first-appearance time as a fraction of the video (objects never seen left
    out); one view: 0."""
    times = [scene.frame(view).t for view in views]
    span = times[-1] - times[0]
    first: dict[int, float] = {}
    for view, t in zip(views, times, strict=True):
        counts = frame_visibility(scene, view)
        flags = counts.is_visible().tolist()
        for instance_id, seen in zip(counts.instance_ids.tolist(), flags, strict=True):
            if seen and instance_id not in first:
                first[instance_id] = (t - times[0]) / span if span > 0 else 0.0
    return list(first.values())


class Judged:
    """Counts the distinct frames whose verdict ``pick_views`` computes (it calls
    ``shard.passes`` once a frame), by standing in for ``shard.passes`` while in use."""

    def __init__(self) -> None:
        self.frames: set[tuple[str, str]] = set()
        self._passes = shard.passes

    def __enter__(self) -> Judged:
        def counted(scene, frame_id, *args, **kwargs):
            self.frames.add((scene.scene_id, frame_id))
            return self._passes(scene, frame_id, *args, **kwargs)

        shard.passes = counted
        return self

    def __exit__(self, *exc) -> None:
        shard.passes = self._passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--views", type=int, default=16)
    parser.add_argument("--size", type=int, nargs=2, metavar=("W", "H"), default=None)
    parser.add_argument("--no-tasks", action="store_true", help="skip the questions")
    parser.add_argument(
        "--trajectories", nargs="+", default=None, help="only these (default: every one)"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    wanted = tuple(args.trajectories) if args.trajectories else None
    scenes = [
        procedural_scene(args.seed, i, frames=args.frames, trajectories=wanted)
        for i in range(args.rooms)
    ]
    if args.size:
        scenes = [scene.resized(*args.size) for scene in scenes]
    size = (
        f"{scenes[0].trajectories[0].frames[0].width}x{scenes[0].trajectories[0].frames[0].height}"
    )
    names = list(dict.fromkeys(t.name for scene in scenes for t in scene.trajectories))
    if args.trajectories:
        names = [name for name in names if name in args.trajectories]
    print(
        f"{args.rooms} rooms of seed {args.seed}, {args.views} of {args.frames} frames at {size}, "
        f"up to {PER_ROOM} questions a task"
    )
    header = f"{'trajectory':12} {'rooms':>5} {'views':>5} {'objects':>7} {'seen':>5} "
    header += f"{'structure':>9} {'first':>5}   Q1   Q2   Q3   Q4 {'judged':>6}"
    print(header + ("" if args.no_tasks else "  " + "  ".join(TASKS)))
    for name in names:
        per_view, shares, seen, firsts, delivered = [], [], [], [], []
        found = dict.fromkeys(TASKS, 0)
        rooms = 0
        judged = Judged()
        for scene in scenes:
            if name not in [t.name for t in scene.trajectories]:
                continue
            rooms += 1
            ids = tuple(frame.id for frame in scene.trajectory(name).frames)
            with judged:
                views = pick_views(scene, ViewsSpec(trajectory=name, frames=args.views))
            delivered.append(len(views))
            if not views:
                continue
            framed = [framing(scene, view) for view in views]
            per_view += [f.objects for f in framed]
            shares += [f.structure_share for f in framed]
            firsts += first_appearances(scene, views)
            ctx = Context(scene, views, seed=0, trajectory=ids)
            seen.append(len(ctx.visible) / len(scene.objects))
            if not args.no_tasks:
                for task in TASKS:
                    found[task] += len(draw_samples(get_task(task)(), ctx, PER_ROOM))
        quarters = np.histogram(np.minimum(firsts, 0.999), bins=[0, 0.25, 0.5, 0.75, 1.0])[0]
        quarters = quarters / max(len(firsts), 1)
        line = (
            f"{name:12} {rooms:5d} {statistics.median(delivered):5.0f} "
            f"{statistics.median(per_view):7.1f} {statistics.mean(seen):5.0%} "
            f"{statistics.median(shares):9.0%} {statistics.median(firsts):5.2f} "
            + " ".join(f"{q:4.0%}" for q in quarters)
            + f" {len(judged.frames) / max(sum(delivered), 1):6.2f}"
        )
        if not args.no_tasks:
            line += "  " + "  ".join(f"{found[task]:>{len(task)}}" for task in TASKS)
        print(line)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
