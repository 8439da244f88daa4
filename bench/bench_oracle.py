"""Oracle throughput: facts per second on one core, per fact family, for a procedural room and
for a scan-sized room of about 1,000,000 mesh vertices made by code.

    python bench/bench_oracle.py [--quick] [--repeats N] [--points N]

The process is pinned to one CPU (so Open3D's and numpy's threads share one core) and times
are its CPU time (``time.process_time``), so every figure is per core and holds on a busy
machine too. A family is the oracle module of its operations (boxes, distance,
direction, visibility, counting, area, ...), so operations added later are timed without
editing this file; their arguments come from the property tests' builders
(``tests/oracle/symmetry_kit.py``). "cold" asks a family's facts on a fresh copy of the scene
(its derived geometry built inside the timing), "warm" asks them again (cached). Visibility
per frame is timed on its own: one fresh scene, every frame. Figures are medians over the
repeats. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import trimesh

from spatialqa.oracle import frame_visibility
from spatialqa.oracle.program import OPERATIONS
from spatialqa.scenes import Scene, procedural_scene
from spatialqa.seeding import rng_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "oracle"))
import symmetry_kit  # argument builders shared with the property tests

SCAN_NOISE_M = 0.002
"""Gaussian noise on every vertex of the scan-sized scene, like a depth sensor's."""


def dense(mesh: trimesh.Trimesh, vertices: int, rng: np.random.Generator) -> trimesh.Trimesh:
    """``mesh`` subdivided to about ``vertices`` vertices, each moved by scan noise."""
    # A triangle mesh has about two faces per vertex; an equilateral face of edge e has area
    # e^2 sqrt(3) / 4. Halving edges quadruples the count, so aim low (it lands 1-4x).
    edge = float(np.sqrt(mesh.area / (0.5 * max(vertices, 8)) * 4 / np.sqrt(3)))
    v, f = trimesh.remesh.subdivide_to_size(mesh.vertices, mesh.faces, max_edge=edge, max_iter=12)
    v = v + rng.normal(scale=SCAN_NOISE_M, size=v.shape)
    return trimesh.Trimesh(vertices=v, faces=f, process=False)


def scan_scene(points: int, frames: int) -> Scene:
    """A procedural room whose objects and structure are dense, noisy meshes: ``points``
    vertices in all, 60 % on the objects (shared by surface area), 40 % on the structure."""
    from dataclasses import replace

    base = procedural_scene(0, 0, frames=frames, scene_id="scan_1m")
    rng = rng_for("bench-scan", points)
    object_area = sum(obj.mesh.area for obj in base.objects)
    structure_area = sum(part.mesh.area for part in base.structure)
    objects = tuple(
        replace(obj, mesh=dense(obj.mesh, int(0.6 * points * obj.mesh.area / object_area), rng))
        for obj in base.objects
    )
    structure = tuple(
        replace(
            part, mesh=dense(part.mesh, int(0.4 * points * part.mesh.area / structure_area), rng)
        )
        for part in base.structure
    )
    return replace(base, objects=objects, structure=structure)


def fresh(scene: Scene) -> Scene:
    """A new Scene of copied meshes: no derived geometry, no trimesh cache carried over."""
    from dataclasses import replace

    objects = tuple(replace(obj, mesh=obj.mesh.copy()) for obj in scene.objects)
    structure = tuple(replace(part, mesh=part.mesh.copy()) for part in scene.structure)
    return replace(scene, objects=objects, structure=structure)


def family_calls(scene: Scene) -> dict[str, list[tuple[str, dict]]]:
    """Family (the operation's oracle module) -> (operation, arguments) for every operation
    the property tests know how to call."""
    out: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for op in sorted(set(OPERATIONS) & set(symmetry_kit.OP_SPECS)):
        family = OPERATIONS[op].__module__.rsplit(".", 1)[-1]
        for k in range(3):
            for call in symmetry_kit.OP_SPECS[op].calls(scene, rng_for("bench", op, k)):
                out[family].append((op, call.kwargs))
    return dict(out)


def bench_scene(name: str, make: Callable[[], Scene], repeats: int) -> None:
    probe = make()
    vertices = sum(len(obj.vertices) for obj in probe.objects)
    vertices += sum(len(part.mesh.vertices) for part in probe.structure)
    frames = [f.id for t in probe.trajectories for f in t.frames]
    print(
        f"\n== {name}: {len(probe.objects)} objects, {vertices:,} vertices, {len(frames)} frames "
        f"of {probe.frame(frames[0]).width}x{probe.frame(frames[0]).height}"
    )
    print(f"{'family':<12} {'facts':>6} {'cold facts/s':>13} {'warm facts/s':>13}  operations")
    total_facts, total_cold, total_warm = 0, 0.0, 0.0
    for family, calls in sorted(family_calls(probe).items()):
        cold_times, warm_times = [], []
        for _ in range(repeats):
            scene = make()  # one at a time: a scan-sized scene's caches take gigabytes
            for times in (cold_times, warm_times):
                start = time.process_time()
                for op, kwargs in calls:
                    OPERATIONS[op](scene, **kwargs)
                times.append(time.process_time() - start)
        cold, warm = statistics.median(cold_times), statistics.median(warm_times)
        total_facts, total_cold, total_warm = (
            total_facts + len(calls),
            total_cold + cold,
            total_warm + warm,
        )
        ops = sorted({op for op, _ in calls})
        print(
            f"{family:<12} {len(calls):>6} {len(calls) / cold:>13.1f} {len(calls) / warm:>13.0f}  "
            + ", ".join(ops)
        )
    print(
        f"{'all':<12} {total_facts:>6} {total_facts / total_cold:>13.1f} "
        f"{total_facts / total_warm:>13.0f}  (each family on its own fresh scene)"
    )
    times = []
    for _ in range(repeats):
        scene = make()
        start = time.process_time()
        for frame_id in frames:
            frame_visibility(scene, frame_id)
        times.append(time.process_time() - start)
    seconds = statistics.median(times) / len(frames)
    print(f"visibility per frame (all instances, fresh scene): {1000 * seconds:.0f} ms/frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--quick", action="store_true", help="small scan, one repeat: a smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--points", type=int, default=1_000_000, help="scan-sized scene vertices")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    points = 50_000 if args.quick else args.points
    frames = 2 if args.quick else 4
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(f"pinned to CPU {cpu}; medians of {repeats} repeat(s); figures are per core")
    bench_scene("procedural room", lambda: procedural_scene(0, 0, frames=frames), repeats)
    start = time.perf_counter()
    scan = scan_scene(points, frames)
    print(f"\nscan-sized room made in {time.perf_counter() - start:.1f} s (not timed below)")
    bench_scene(f"scan-sized room (~{points:,} points)", lambda: fresh(scan), repeats)


if __name__ == "__main__":
    main()
