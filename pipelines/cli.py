"""The spatialqa command line: build datasets of spatial questions from 3D scenes."""

from __future__ import annotations

import argparse
import logging
import sys

from spatialqa.errors import SpatialQAError


def cmd_build(args: argparse.Namespace) -> int:
    from spatialqa.pipelines.build import build
    from spatialqa.pipelines.config import load_config

    config = load_config(args.config)
    manifest = build(
        config,
        args.out,
        workers=args.workers,
        address=args.address,
        limit=args.limit,
        progress=not args.quiet,
    )
    print(f"wrote {manifest['samples']} samples and {manifest['frames']} frames to {args.out}")
    print(f"  data:     {args.out}/data/*.parquet")
    print(f"  frames:   {args.out}/frames/*.parquet")
    print(f"  manifest: {args.out}/manifest.json")
    width = max((len(t) for t in manifest["counts"]["task"]), default=4)
    for task, count in manifest["counts"]["task"].items():
        print(f"  {task:<{width}}  {count:>6}")
    scenes = manifest["scenes"]
    print(f"scenes built: {scenes['built']}, skipped: {scenes['skipped']}")
    for skipped in manifest["skipped"]:
        print(f"  skipped {skipped['scene']}: {skipped['reason']}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from spatialqa.generators import all_tasks

    rows = [task.describe() for task in all_tasks()]
    columns = ("name", "family", "answer_type", "metric", "unit")
    widths = {c: max(len(c), *(len(str(r[c] or "-")) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row[c] or "-").ljust(widths[c]) for c in columns))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="spatialqa", description=__doc__)
    top.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = top.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build a dataset from a YAML config")
    build.add_argument("config", help="the build config (YAML)")
    build.add_argument("--out", required=True, help="output directory")
    build.add_argument("--workers", type=int, help="local Ray CPUs (overrides ray.num_cpus)")
    build.add_argument("--address", help="attach to a running Ray cluster")
    build.add_argument("--limit", type=int, help="build only the first N scenes")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=cmd_build)

    tasks = commands.add_parser("tasks", help="list the registered tasks")
    tasks.set_defaults(run=cmd_tasks)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return args.run(args)
    except SpatialQAError as exc:
        print(f"spatialqa: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
