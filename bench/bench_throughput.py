"""The throughput table: every figure of what a million samples cost, in one run.

    python bench/bench_throughput.py [--repeats 3]

Each row comes from the benchmark that owns it, run here in a fresh process (one-core figures
pinned with ``taskset -c 0``), and is printed with its goal and the physical reference measured
in the same run: raw ray casting beside visibility, the rasteriser's bare SEG pass and a plain
colour pass beside the renderer, a plain render beside the optical degradations. Medians; the
machines are shared and noisy, so compare figures of one run. Last, the cost of resuming a
finished build. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from bench_build import measure as build_rates  # noqa: E402
from bench_build import resume_cost  # noqa: E402


def child(script: str, *args: str) -> dict:
    """The JSON summary a benchmark prints last with ``--json``."""
    command = [sys.executable, str(BENCH / script), "--json", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def quickstart_seconds(repeats: int) -> float:
    """``spatialqa build examples/quickstart.yaml`` end to end, as a user runs it."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            command = [str(Path(sys.executable).parent / "spatialqa"), "build"]
            command += ["examples/quickstart.yaml", "--out", out, "--quiet"]
            subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
            times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    r = str(args.repeats)

    def row(what: str, figure: str, goal: str, reference: str = "") -> None:
        print(f"{what}\n    {figure}   (goal {goal}){'   ' + reference if reference else ''}")

    text = [build_rates("text", cpus, args.repeats) for cpus in (1, 2)]
    row(
        "text-only QA, 40 tasks, 16 views, 1 worker on 1 core (marginal 8->24 rooms)",
        f"{text[0]['samples_per_s']:.0f} samples/s",
        ">= 500 samples/s per core",
        f"{text[0]['samples_per_room']:.0f} samples per room",
    )
    vis = child("bench_visibility.py")  # pins itself to one core
    row(
        "visibility of one 640x480 view, one core",
        f"{vis['ms_per_view']:.1f} ms",
        "<= 15 ms",
        f"raw cast_rays of every pixel (objects, then structure) {vis['cast_all_ms']:.1f} ms; "
        f"all-hits path {vis['all_hits_ms']:.1f} ms",
    )
    images = [build_rates("images", cpus, args.repeats) for cpus in (1, 2)]
    row(
        "image build, 16 views/room at 640x480, clean (marginal 4->12 rooms)",
        f"1 worker on 1 core {images[0]['frames_per_s']:.1f} frames/s; "
        f"2 workers on 2 cores {images[1]['frames_per_s']:.1f} frames/s",
        ">= 30 frames/s on 2 cores",
    )
    row(
        "scaling, 2 workers on 2 cores / 1 worker on 1 core",
        f"images {images[1]['frames_per_s'] / images[0]['frames_per_s']:.2f}x, "
        f"text-only {text[1]['samples_per_s'] / text[0]['samples_per_s']:.2f}x",
        ">= 1.8x both",
    )
    render = child("bench_render.py", "--repeats", r)
    full, seg, bare = render["full_fps"], render["seg_fps"], render["bare_id_fps"]
    row(
        "renderer RGB+depth+mask, 640x480, 2 cores",
        f"{full:.0f} fps",
        ">= 50 fps and within 2x of the SEG-only pass",
        f"pyrender's SEG-only pass {seg:.0f} fps (ours takes {seg / full:.2f}x its time), "
        f"its plain untextured colour pass {render['plain_fps']:.0f} fps; a bare id pass of "
        f"our own rasteriser {bare:.0f} fps (ours takes {bare / full:.2f}x its time)",
    )
    optics = child("bench_optics.py", "--repeats", r)
    plain = optics["plain_ms"]
    row(
        "motion blur, defocus (one frame, severity 5)",
        f"{optics['motion_blur_ms']:.0f} ms ({optics['motion_blur_ms'] / plain:.1f}x), "
        f"{optics['defocus_ms']:.0f} ms ({optics['defocus_ms'] / plain:.2f}x)",
        "<= 4x and <= 1.5x a plain render",
        f"plain render {plain:.1f} ms",
    )
    row(
        "quickstart end to end (Ray start included)",
        f"{quickstart_seconds(args.repeats):.1f} s",
        "<= 15 s",
    )
    print(resume_cost())


if __name__ == "__main__":
    main()
