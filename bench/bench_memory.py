"""A shard's peak memory beside the estimate a build checks before starting it.

    python bench/bench_memory.py [--quick]

``limits.max_shard_memory_gib`` refuses a scene whose estimated peak
(``spatialqa.pipelines.budget.shard_memory``) does not fit, so the estimate must stay above
what a shard really takes. Each case is written as a scene directory, then built as one shard
(``run_shard``: load, limits, every task of examples/full.yaml, render, degrade, encode,
write) in a fresh process, whose peak resident memory (``ru_maxrss``, the whole process:
interpreter and libraries included, as in a Ray worker) is printed beside the estimate.
Cases: a procedural room, a scan-sized room of about 1,000,000 vertices (``--quick``:
200,000), and 500 boxes sharing one place (every ray hits every box); the scan-sized room
must stay under 2 GiB per worker.

A long-running worker: ``--frames N`` (default 10,000) frames built by ``run_shard`` shard after
shard in one process, as one Ray worker runs them, with the resident memory (RSS) printed after
the first shard and at the end: anything kept from one shard to the next (caches, renderer
contexts, ray-casting scenes) shows as growth. Rooms at 320 x 240 with 11 cheap variants per
view (clean, JPEG and Gaussian noise at severities 1-5), so frames come fast; the growth per frame
does not depend on the size. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import trimesh
import yaml

from spatialqa.scenes import SceneObject, procedural_scene, save_scene

FULL = Path(__file__).resolve().parents[1] / "examples" / "full.yaml"
CONFIG = {
    "name": "bench-memory",
    "tasks": yaml.safe_load(FULL.read_text())["tasks"],  # every registered task
    "views": {"frames": 16},
    "render": {"backend": "raycast", "width": 640, "height": 480},
    "degradations": ["clean", {"type": "jpeg", "severities": [4]}],
}


def write_case(name: str, points: int, folder: Path) -> None:
    """The scene directory of case ``name``."""
    if name == "procedural room":
        scene = procedural_scene(0, 0, frames=32)
    elif name.startswith("scan-sized"):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_oracle import scan_scene

        scene = scan_scene(points, 32)
    else:  # boxes sharing one place
        base = procedural_scene(0, 0, frames=32)
        box = base.objects[0].mesh.bounds.mean(axis=0)
        mesh = trimesh.creation.box(extents=(0.4, 0.4, 0.4))
        mesh.apply_translation(box)
        objects = tuple(SceneObject(i + 1, "box", mesh=mesh.copy()) for i in range(500))
        scene = replace(base, objects=objects)
    save_scene(scene, folder)


def measure(folder: Path) -> dict:
    """Build the scene at ``folder`` as one shard in this process; the figures as a dict."""
    from spatialqa.pipelines.budget import describe_memory, shard_memory
    from spatialqa.pipelines.config import parse_config
    from spatialqa.pipelines.plan import plan
    from spatialqa.pipelines.shard import run_shard

    config = parse_config({**CONFIG, "scenes": [{"dir": str(folder)}]})
    (shard,) = plan(config)
    scene = shard.scene.load()
    estimate, parts = shard_memory(config, scene), describe_memory(config, scene)
    vertices = sum(len(o.vertices) for o in scene.objects) + sum(
        len(s.mesh.vertices) for s in scene.structure
    )
    del scene
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        record = run_shard(config, shard, out, "bench")
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "vertices": vertices,
        "status": record["status"],
        "reason": record.get("reason", ""),
        "seconds": seconds,
        "peak": peak,
        "estimate": estimate,
        "parts": parts,
    }


LONG_RUN = {
    "name": "bench-memory-long",
    "tasks": [{"name": "object_counting", "per_scene": 3}, {"name": "object_abs_distance"}],
    "views": {"frames": 16},
    "render": {"backend": "auto", "width": 320, "height": 240},
    "degradations": [
        "clean",
        {"type": "jpeg", "severities": [1, 2, 3, 4, 5]},
        {"type": "gaussian_noise", "severities": [1, 2, 3, 4, 5]},
    ],
}


def resident() -> int:
    """This process's resident memory now, bytes (not the peak)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def long_run(frames: int) -> dict:
    """Build procedural rooms one shard after another in this process until ``frames`` frames
    are written; RSS after the first shard and at the end."""
    from spatialqa.pipelines.config import parse_config
    from spatialqa.pipelines.plan import plan
    from spatialqa.pipelines.shard import run_shard

    rooms = 1 + frames // (16 * 11)
    config = parse_config({**LONG_RUN, "scenes": [{"procedural": {"count": rooms}}]})
    built, samples, first = 0, [], None
    started = time.perf_counter()
    for shard in plan(config):
        with tempfile.TemporaryDirectory() as out:
            record = run_shard(config, shard, out, "bench")
        built += record.get("frames", 0)
        first = first or resident()
        samples.append((built, resident()))
        if built >= frames:
            break
    return {
        "frames": built,
        "seconds": time.perf_counter() - started,
        "first": first,
        "end": resident(),
        "samples": samples[:: max(1, len(samples) // 8)],
    }


def in_a_fresh_process(*args: str) -> dict:
    """This script's child mode run in a new process (its own peak memory): its JSON line."""
    child = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 200,000-vertex scan")
    parser.add_argument("--frames", type=int, default=10_000, help="frames of the long run")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child's scene folder
    parser.add_argument("--long-run", action="store_true", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return
    if args.long_run:
        print(json.dumps(long_run(args.frames)))
        return
    points = 200_000 if args.quick else 1_000_000
    cases = ["procedural room", f"scan-sized room (~{points:,} vertices)", "500 boxes at one place"]
    print(f"{'case':<36} {'vertices':>10} {'build s':>8} {'peak GiB':>9} {'estimate':>9} ratio")
    for name in cases:
        with tempfile.TemporaryDirectory() as folder:
            write_case(name, points, Path(folder) / "scene")
            figures = in_a_fresh_process("--measure", str(Path(folder) / "scene"))
        gib = 1 << 30
        print(
            f"{name:<36} {figures['vertices']:>10,} {figures['seconds']:>8.1f} "
            f"{figures['peak'] / gib:>9.2f} {figures['estimate'] / gib:>9.2f} "
            f"{figures['estimate'] / figures['peak']:>5.2f}"
        )
        print(f"    estimate: {figures['parts']}; shard {figures['status']} {figures['reason']}")
    print("ratio: estimate / measured peak; it must stay above 1 for the refusal to be safe")
    print("goal: the scan-sized room under 2.00 GiB per worker")
    run = in_a_fresh_process("--long-run", "--frames", str(args.frames))
    mib = 1 << 20
    print(
        f"one worker, {run['frames']:,} frames in {run['seconds']:.0f} s: RSS after the first "
        f"shard {run['first'] / mib:.0f} MiB, at the end {run['end'] / mib:.0f} MiB "
        f"({100 * (run['end'] / run['first'] - 1):+.1f}%; goal: within 10%)"
    )
    print("    frames -> RSS MiB: " + ", ".join(f"{n:,}: {r / mib:.0f}" for n, r in run["samples"]))


if __name__ == "__main__":
    main()
