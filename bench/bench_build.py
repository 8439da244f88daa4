"""Build throughput with 1 and 2 workers, their ratio, and the cost of resuming a finished build.

    python bench/bench_build.py [--config examples/quickstart.yaml] [--limit 6] [--repeats 3]

One local Ray (2 CPUs) serves every run, started and warmed up (imports in the workers) before
any timing, so the figures are the build's own. ``--workers`` caps the shards running at once.
The resume figure is a rerun over a complete output: every shard verified by checksum, skipped.
Prints medians; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time

import ray

from spatialqa.pipelines.build import build
from spatialqa.pipelines.config import load_config


def timed_build(config, workers: int, limit: int | None) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = build(config, out, workers=workers, limit=limit, progress=False)
        return time.perf_counter() - start, manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="examples/quickstart.yaml")
    parser.add_argument("--limit", type=int, default=6, help="scenes per build (default 6)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = load_config(args.config)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    timed_build(config, 2, 2)  # warm-up: worker processes import spatialqa once

    rates = {}
    for workers in (1, 2):
        runs = [timed_build(config, workers, args.limit) for _ in range(args.repeats)]
        seconds = statistics.median(s for s, _ in runs)
        manifest = runs[0][1]
        rates[workers] = manifest["samples"] / seconds
        print(
            f"workers={workers}: {manifest['scenes']['built']} scenes, {manifest['samples']} "
            f"samples, {manifest['frames']} frames in {seconds:.1f} s (median of "
            f"{args.repeats}): {manifest['samples'] / seconds:.1f} samples/s, "
            f"{manifest['frames'] / seconds:.1f} frames/s"
        )
    print(f"speed-up 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        manifest = build(config, out, workers=2, limit=args.limit, progress=False)
        built = time.perf_counter() - start
        reruns = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            again = build(config, out, workers=2, limit=args.limit, progress=False)
            reruns.append(time.perf_counter() - start)
    rerun = statistics.median(reruns)
    print(
        f"resume over a complete output: {rerun:.2f} s to verify and skip "
        f"{again['shards_kept']} shards ({1000 * rerun / again['shards_kept']:.0f} ms/shard, "
        f"{100 * rerun / built:.1f}% of the build's {built:.1f} s)"
    )
    ray.shutdown()


if __name__ == "__main__":
    main()
