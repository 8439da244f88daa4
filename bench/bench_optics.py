"""Cost of motion blur and defocus beside the cost of a plain render of the same frame.

    python bench/bench_optics.py [--width 640] [--height 480] [--repeats 5]

Prints medians of wall time and of this process's CPU time (all its threads); asserts
nothing. One procedural room (``procedural_scene(0, 0)``), frame 3 of its walkthrough: a
plain render (RGB, depth and instance ids) by each backend, then defocus and motion blur at
severities 3 and 5 with their ratios to each backend's render. Motion blur renders its two
sub-frames through the backend named on its line; "reprojection" is its own work alone (the
sub-frames handed over ready-made).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from spatialqa.degradations import (
    PyrenderRenderer,
    RaycastRenderer,
    egl_available,
    get_degradation,
)
from spatialqa.scenes import procedural_scene


def timed(function, repeats: int) -> tuple[float, float, object]:
    """Median wall and CPU milliseconds of ``repeats`` calls (after one untimed call), and the
    last call's result."""
    result = function()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return 1000 * statistics.median(walls), 1000 * statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="end with the severity-5 figures")
    args = parser.parse_args()
    summary: dict[str, float] = {}
    scene = procedural_scene(0, 0)
    frame = scene.trajectory("walkthrough").frames[3].resized(args.width, args.height)
    print(f"{args.width}x{args.height}, procedural_scene(0, 0) frame 3, medians of {args.repeats}")

    backends = {"raycast": RaycastRenderer(scene)}
    if egl_available():
        backends["pyrender"] = PyrenderRenderer(scene)
    else:
        print("pyrender: EGL not available here, skipped")
    plain = {}
    for name, renderer in backends.items():
        wall, cpu, view = timed(lambda renderer=renderer: renderer.render(frame), args.repeats)
        plain[name] = wall
        print(f"{'render':<13} {name:<13} {wall:8.1f} ms wall {cpu:8.1f} ms CPU")
    view = backends["raycast"].render(frame)
    ready = {}  # the sub-frames motion blur asks for, rendered once beforehand

    def replay(sub):
        key = sub.pose.tobytes()
        if key not in ready:
            ready[key] = backends["raycast"].render(sub)
        return ready[key]

    ratios = " ".join(f"{'/ ' + name:>10}" for name in plain)
    print(
        f"{'degradation':<13} {'sub-frames':<13} {'severity':>8} {'wall':>11} {'CPU':>11} {ratios}"
    )
    rows = [("defocus", "-", None)]
    rows += [("motion_blur", name, renderer.render) for name, renderer in backends.items()]
    rows += [("motion_blur", "reprojection", replay)]
    for name, source, render in rows:
        degradation = get_degradation(name)
        for severity in (3, 5):

            def run(severity=severity, degradation=degradation, render=render):
                return degradation(
                    view.rgb,
                    view.depth,
                    frame,
                    severity,
                    rng=np.random.default_rng(0),
                    render=render,
                )

            wall, cpu, result = timed(run, args.repeats)
            if severity == 5 and source in ("-", "pyrender"):
                summary[f"{name}_ms"] = wall
            shares = " ".join(f"{wall / plain[backend]:9.2f}x" for backend in plain)
            extra = f"  {result.params['substeps']} sub-frames" if degradation.renders else ""
            print(
                f"{name:<13} {source:<13} {severity:>8} {wall:8.1f} ms {cpu:8.1f} ms "
                f"{shares}{extra}"
            )
    for renderer in backends.values():
        renderer.close()
    if args.json:
        summary["plain_ms"] = plain.get("pyrender", plain["raycast"])
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
