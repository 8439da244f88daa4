"""Quickstart throughput: samples/s and frames/s of a whole build, plus per-stage medians.

    python bench/bench_quickstart.py [--config examples/quickstart.yaml] [--workers N]

Prints figures; asserts nothing. Stage medians come from one procedural room in this process.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from spatialqa.degradations import PyrenderRenderer
from spatialqa.generators import Context
from spatialqa.oracle import frame_visibility
from spatialqa.pipelines.build import build
from spatialqa.pipelines.config import load_config
from spatialqa.pipelines.plan import instantiate_tasks
from spatialqa.pipelines.shard import pick_views
from spatialqa.scenes import procedural_scene


def timed(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stages(config) -> None:
    scene = procedural_scene(config.seed, 0)
    views = pick_views(scene, config.views)
    frame = scene.frame(views[0])
    print(f"scene generation      {1000 * timed(lambda: procedural_scene(0, 1), 5):8.1f} ms")
    with PyrenderRenderer(scene) as renderer:
        renderer.render(frame)
        seconds = timed(lambda: renderer.render(frame), 20)
    print(f"render rgb+depth+mask {1000 * seconds:8.1f} ms/frame ({1 / seconds:.1f} fps)")

    def visibility():
        fresh = procedural_scene(config.seed, 0)  # a new scene: no cached rays
        frame_visibility(fresh, views[0])

    print(f"visibility (1 frame)  {1000 * timed(visibility, 3):8.1f} ms incl. ray-scene build")
    tasks = instantiate_tasks(config)

    def generate():
        context = Context(procedural_scene(config.seed, 0), views, seed=config.seed)
        return sum(len(task.generate(context, n)) for task, n in tasks)

    print(f"questions (1 scene)   {1000 * timed(generate, 3):8.1f} ms incl. visibility")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="examples/quickstart.yaml")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    config = load_config(args.config)
    stages(config)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = build(config, out, workers=args.workers, progress=False)
        seconds = time.perf_counter() - start
    scenes = manifest["scenes"]["built"]
    print(
        f"build {config.name}: {scenes} scenes, {manifest['samples']} samples, "
        f"{manifest['frames']} frames in {seconds:.1f} s (Ray start included)"
    )
    print(
        f"  {manifest['samples'] / seconds:.1f} samples/s, {manifest['frames'] / seconds:.1f} "
        f"frames/s, {seconds / scenes:.2f} s/scene"
    )


if __name__ == "__main__":
    main()
