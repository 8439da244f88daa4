"""Per-frame visibility cost: ms per 640 x 480 frame of ``frame_visibility`` (one batch of rays:
every object hit, first hits, silhouettes, occluders, truncation, visible-part boxes).

    python bench/bench_visibility.py [--rooms 3] [--frames 16]

Prints the median over frames of procedural rooms, each frame computed afresh (no cache), and
the first-hit ``instance_mask`` alone for comparison. Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time

from spatialqa.oracle import instance_mask
from spatialqa.oracle.visibility import _count
from spatialqa.scenes import procedural_scene


def median_ms(function, items) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=3)
    parser.add_argument("--frames", type=int, default=16)
    args = parser.parse_args()
    full, mask = [], []
    for index in range(args.rooms):
        scene = procedural_scene(0, index, frames=args.frames)
        frames = list(scene.trajectories[0].frames)
        _count(scene, frames[0])  # builds the ray-casting scenes once
        full.append(median_ms(lambda frame, s=scene: _count(s, frame), frames))
        mask.append(median_ms(lambda frame, s=scene: instance_mask(s, frame.id), frames))
        size = f"{frames[0].width} x {frames[0].height}"
        print(f"room {index}: {len(scene.objects)} objects, {len(frames)} frames of {size}")
    print(f"frame_visibility  {statistics.median(full):7.1f} ms/frame (median over rooms)")
    print(f"instance_mask     {statistics.median(mask):7.1f} ms/frame")


if __name__ == "__main__":
    main()
