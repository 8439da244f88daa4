"""Build throughput: marginal samples/s and frames/s with 1 worker on 1 core and 2 workers on 2
cores, their ratio, and the cost of resuming a finished build.

    python bench/bench_build.py [--repeats 3]
    python bench/bench_build.py --case text|images --cpus N [--repeats R]   # one case, JSON

Two builds, both of procedural rooms:

- ``text``: every task of examples/full.yaml (3 per scene), 16 views, clean only, no images
  (``inline_images: none``, so nothing is rendered): every sample a distinct question;
- ``images``: the tasks of examples/quickstart.yaml, 16 views per room at 640 x 480, clean only,
  every frame rendered, encoded and written.

Each case runs in its own process with a local Ray of ``--cpus`` CPUs (the 1-CPU case under
``taskset -c 0``, so Ray, its workers and every thread share one core). The rate is marginal:
(samples of the large build - samples of the small one) / (time difference), rooms 8 -> 24 for
text and 4 -> 12 for images, so Ray's start and the workers' imports cancel out. Prints medians
over the repeats; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    # case: (example whose tasks it asks, overrides, rooms small -> large)
    "text": (
        "full.yaml",
        {"degradations": ["clean"], "output": {"inline_images": "none"}},
        (8, 24),
    ),
    "images": (
        "quickstart.yaml",
        {
            "render": {"backend": "auto", "width": 640, "height": 480},
            "degradations": ["clean"],
            "output": {"inline_images": "few", "image_format": "jpeg", "quality": 90},
        },
        (4, 12),
    ),
}


def case_config(case: str, rooms: int) -> dict:
    example, overrides, _ = CASES[case]
    config = yaml.safe_load((ROOT / "examples" / example).read_text())
    config.update(
        name=f"bench-{case}",
        scenes=[{"procedural": {"count": rooms, "seed": 0}}],
        views={"trajectory": "walkthrough", "frames": 16},
        **overrides,
    )
    config["ray"] = {"num_cpus": None}
    return config


def local_ray(cpus: int) -> None:
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    ray.init(num_cpus=cpus, **quiet)


def run_case(case: str, cpus: int, repeats: int) -> dict:
    """Marginal rates of ``case`` on a local Ray of ``cpus`` CPUs, in this process."""
    import ray

    from spatialqa.pipelines.build import build
    from spatialqa.pipelines.config import BuildConfig

    small, large = CASES[case][2]
    configs = {n: BuildConfig.model_validate(case_config(case, n)) for n in (small, large)}
    local_ray(cpus)

    def timed(rooms: int) -> tuple[float, dict]:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            manifest = build(configs[rooms], out, workers=cpus, progress=False)
            return time.perf_counter() - start, manifest

    timed(small)  # warm-up: the workers start and import spatialqa once
    samples, frames = [], []
    for _ in range(repeats):
        (t0, m0), (t1, m1) = timed(small), timed(large)
        samples.append((m1["samples"] - m0["samples"]) / (t1 - t0))
        frames.append((m1["frames"] - m0["frames"]) / (t1 - t0))
    ray.shutdown()
    return {
        "case": case,
        "cpus": cpus,
        "rooms": [small, large],
        "samples_per_s": statistics.median(samples),
        "frames_per_s": statistics.median(frames),
        "samples_per_room": (m1["samples"] - m0["samples"]) / (large - small),
    }


def measure(case: str, cpus: int, repeats: int) -> dict:
    """``run_case`` in a fresh process: pinned to core 0 for one CPU, free for more."""
    command = [sys.executable, __file__, "--case", case, "--cpus", str(cpus)]
    command += ["--repeats", str(repeats)]
    if cpus == 1:
        command = ["taskset", "-c", "0", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def resume_cost() -> str:
    """A rerun over a complete output: every shard verified by checksum and skipped."""
    import ray

    from spatialqa.pipelines.build import build
    from spatialqa.pipelines.config import BuildConfig

    config = BuildConfig.model_validate(case_config("text", 6))
    local_ray(2)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        build(config, out, workers=2, progress=False)
        built = time.perf_counter() - start
        reruns = []
        for _ in range(3):
            start = time.perf_counter()
            again = build(config, out, workers=2, progress=False)
            reruns.append(time.perf_counter() - start)
    ray.shutdown()
    rerun, kept = statistics.median(reruns), again["shards_kept"]
    return (
        f"resume over a complete output: {rerun:.2f} s to verify and skip {kept} shards "
        f"({1000 * rerun / kept:.0f} ms/shard, {100 * rerun / built:.1f}% of the build's "
        f"{built:.1f} s)"
    )


def table(repeats: int) -> list[str]:
    """The throughput rows of the issue's table, each case in its own process."""
    rows = []
    for case, unit in (("text", "samples_per_s"), ("images", "frames_per_s")):
        one, two = measure(case, 1, repeats), measure(case, 2, repeats)
        name = "samples/s" if unit == "samples_per_s" else "frames/s"
        small, large = one["rooms"]
        rows.append(
            f"{case:6} build, marginal {small}->{large} rooms: 1 worker on 1 core "
            f"{one[unit]:7.1f} {name}; 2 workers on 2 cores {two[unit]:7.1f} {name}; "
            f"scaling {two[unit] / one[unit]:.2f}x"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--cpus", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.cpus, args.repeats)))
        return
    for row in table(args.repeats):
        print(row)
    print(resume_cost())


if __name__ == "__main__":
    main()
