"""Per-frame visibility cost on one core: ms per 640 x 480 view of ``frame_visibility`` (every
object's first hits, silhouettes, occluders, truncation and visible-part boxes), computed
afresh (no cache), beside what it would cost otherwise and what the ray casting alone costs.

    python bench/bench_visibility.py [--rooms 4] [--frames 16] [--core 0]

For the 16-view walkthrough of each procedural room (seed 0), the median over views of:

- new: the oracle's path (``_count``: one closest-hit cast for a pixel inside one object's
  outline, every hit listed where outlines overlap);
- all-hits: the exact reference (``_count(all_hits=True)``: every hit of every window pixel
  listed against all objects at once), which the new path equals bit for bit;
- cast all: Open3D ``cast_rays`` of every pixel's ray against the objects, then against the
  structure (rays made beforehand), a physical reference;
- cast windows: ``cast_rays`` of the window pixels' rays against the objects alone;
- instance_mask, for comparison;
- structure: ``framing.structure_pixels`` with the view's visibility already made (the
  any-hit query along the rays no object covers, ``FrameVisibility.bare``).

Pins itself to one core (``--core``, default the first it may use) so that the figures are
one core's. Prints the medians per room and over rooms; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np
import open3d as o3d

from spatialqa.oracle import instance_mask
from spatialqa.oracle.framing import structure_pixels
from spatialqa.oracle.outlines import windows
from spatialqa.oracle.tracing import ray_scenes
from spatialqa.oracle.visibility import _count, frame_visibility
from spatialqa.scenes import procedural_scene
from spatialqa.scenes.camera import pixel_rays

COLUMNS = ("new", "all-hits", "cast all", "cast windows", "instance_mask", "structure")


def median_ms(function, items) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        function(item)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def room_figures(index: int, frames: int) -> tuple[str, dict[str, float]]:
    scene = procedural_scene(0, index, frames=frames)
    views = next(t for t in scene.trajectories if t.name == "walkthrough").frames
    objects, structure = ray_scenes(scene)
    _count(scene, views[0])  # builds the ray-casting scenes once
    all_rays = {f.id: o3d.core.Tensor(pixel_rays(f)) for f in views}
    window_rays = {}
    for f in views:
        image = windows(scene, f)[f.height : 2 * f.height, f.width : 2 * f.width]
        window_rays[f.id] = o3d.core.Tensor(pixel_rays(f)[image.ravel()])

    def cast_all(frame) -> None:
        objects.cast_rays(all_rays[frame.id])
        structure.cast_rays(all_rays[frame.id])

    for f in views:
        frame_visibility(scene, f.id)  # cached: the structure column times its own query
    figures = {
        "new": median_ms(lambda f: _count(scene, f), views),
        "all-hits": median_ms(lambda f: _count(scene, f, all_hits=True), views),
        "cast all": median_ms(cast_all, views),
        "cast windows": median_ms(lambda f: objects.cast_rays(window_rays[f.id]), views),
        "instance_mask": median_ms(lambda f: instance_mask(scene, f.id), views),
        "structure": median_ms(lambda f: structure_pixels(scene, f.id), views),
    }
    share = np.mean([len(window_rays[f.id]) / (f.width * f.height) for f in views])
    size = f"{views[0].width} x {views[0].height}"
    about = f"{len(scene.objects)} objects, {len(views)} views of {size}, windows {share:.0%}"
    return about, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=4)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--core", type=int, default=min(os.sched_getaffinity(0)))
    parser.add_argument("--json", action="store_true", help="end with the medians as JSON")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    print(f"core {args.core}; ms per view, median over the views of each room")
    print(f"{'room':52s}" + "".join(f"{name:>15s}" for name in COLUMNS))
    rows = []
    for index in range(args.rooms):
        about, figures = room_figures(index, args.frames)
        rows.append(figures)
        cells = "".join(f"{figures[name]:15.1f}" for name in COLUMNS)
        print(f"{f'{index}: {about}':52s}{cells}")
    medians = {name: statistics.median(r[name] for r in rows) for name in COLUMNS}
    print(f"{'median over rooms':52s}" + "".join(f"{medians[name]:15.1f}" for name in COLUMNS))
    if args.json:
        keys = {
            "new": "ms_per_view",
            "all-hits": "all_hits_ms",
            "cast all": "cast_all_ms",
            "structure": "structure_pixels_ms",
        }
        print(json.dumps({key: medians[name] for name, key in keys.items()}))


if __name__ == "__main__":
    main()
