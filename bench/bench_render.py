"""Rendering and degradation costs: frames/s of each backend and ms of each degradation.

    python bench/bench_render.py [--width 640] [--height 480] [--repeats 5]

Prints medians of wall time and of this process's CPU time (all its threads; steadier than
wall time on a shared machine); asserts nothing. One procedural room
(``procedural_scene(0, 0)``) and the frames of its walkthrough: the full view (RGB, depth,
instance ids) and the RGB alone per backend, then every degradation at severities 3 and 5 on
one rendered view (motion blur includes the sub-frames it renders, through the ray-casting
backend, and reports how many).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from spatialqa.degradations import (
    DEGRADATIONS,
    PyrenderRenderer,
    RaycastRenderer,
    egl_available,
    get_degradation,
)
from spatialqa.degradations.sheet import scaled
from spatialqa.scenes import procedural_scene


def timed(function, repeats: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeats`` calls, and the last call's result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scene = procedural_scene(0, 0)
    frames = [scaled(f, args.width, args.height) for f in scene.trajectory("walkthrough").frames]
    print(f"{args.width}x{args.height}, procedural_scene(0, 0), medians of {args.repeats}")

    backends = {"raycast": RaycastRenderer(scene)}
    if egl_available():
        backends["pyrender"] = PyrenderRenderer(scene)
    else:
        print("pyrender: EGL not available here, skipped")
    for name, renderer in backends.items():
        renderer.render(frames[0])  # first use: context, BVH
        for label, call in (("view", renderer.render), ("rgb only", renderer.render_rgb)):
            picks = iter(frames * args.repeats)
            wall, cpu, _ = timed(lambda call=call, picks=picks: call(next(picks)), args.repeats)
            print(
                f"{name:<9} {label:<9} {1 / wall:6.1f} frames/s wall ({1000 * wall:6.1f} ms), "
                f"{1000 * cpu:6.1f} ms CPU"
            )

    renderer = backends["raycast"]
    frame = frames[3]
    view = renderer.render(frame)
    print(f"{'degradation':<16} {'severity 3 wall / CPU':>22} {'severity 5 wall / CPU':>22}")
    for name in sorted(DEGRADATIONS):
        degradation = get_degradation(name)
        cells, extra = [], ""
        for severity in (3, 5):

            def run(severity=severity, degradation=degradation):
                return degradation(
                    view.rgb,
                    view.depth,
                    frame,
                    severity,
                    rng=np.random.default_rng(0),
                    render=renderer.render_rgb,
                )

            wall, cpu, result = timed(run, 1 if degradation.renders else args.repeats)
            cells.append(f"{1000 * wall:8.1f} / {1000 * cpu:8.1f} ms")
            if degradation.renders:
                extra += f"  s{severity}: {result.params['substeps']} sub-frames"
        print(f"{name:<16} {cells[0]:>22} {cells[1]:>22}{extra}")
    for renderer in backends.values():
        renderer.close()


if __name__ == "__main__":
    main()
