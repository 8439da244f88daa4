"""The spatialqa command line: build datasets of spatial questions from 3D scenes."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from spatialqa.errors import SpatialQAError

if TYPE_CHECKING:
    from spatialqa.scenes import Scene

EXIT_SKIPPED = 3  # the build finished, but some scenes were skipped (see the manifest)
EXIT_EMPTY = 4  # nothing written: a build without a sample, an export without a row


def cmd_build(args: argparse.Namespace) -> int:
    from spatialqa.pipelines.build import build
    from spatialqa.pipelines.config import load_config
    from spatialqa.pipelines.manifest import empty_task_warning

    config = load_config(args.config)
    manifest = build(
        config,
        args.out,
        workers=args.workers,
        address=args.address,
        limit=args.limit,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print(f"wrote {manifest['samples']} samples and {manifest['frames']} frames to {args.out}")
    if manifest["shards_kept"]:
        print(f"  resumed: {manifest['shards_kept']} shards verified and kept from an earlier run")
    print(f"  data:     {args.out}/data/*.parquet")
    print(f"  frames:   {args.out}/frames/*.parquet")
    print(f"  manifest: {args.out}/manifest.json")
    print(f"  card:     {args.out}/README.md")
    width = max((len(t) for t in manifest["counts"]["task"]), default=4)
    for task, count in manifest["counts"]["task"].items():
        print(f"  {task:<{width}}  {count:>6}")
    scenes = manifest["scenes"]
    print(f"scenes built: {scenes['built']}, skipped: {scenes['skipped']}")
    for skipped in manifest["skipped"]:
        print(f"  skipped {skipped['scene']}: {skipped['reason']}")
    for empty in manifest["empty_tasks"]:
        warning = empty_task_warning(empty["task"], empty["hint"], scenes["built"])
        print(f"spatialqa: warning: {warning}", file=sys.stderr)
    if not manifest["samples"]:
        print(f"spatialqa: error: nothing written: {nothing_built(manifest)}", file=sys.stderr)
        return EXIT_EMPTY
    return EXIT_SKIPPED if scenes["skipped"] else 0


def nothing_built(manifest: dict) -> str:
    """Why a build wrote no sample, from its manifest."""
    scenes = manifest["scenes"]
    if scenes["built"]:
        built = f"{scenes['built']} scene{'s' * (scenes['built'] != 1)}"
        return f"no task yielded a sample in the {built} built (warnings above)"
    if scenes["skipped"]:
        return f"every scene was skipped ({scenes['skipped']}; reasons above)"
    excluded = f" ({scenes['excluded']} left out by exclude:)" if scenes["excluded"] else ""
    return f"the config names no scene to build{excluded}"


def cmd_plan(args: argparse.Namespace) -> int:
    from spatialqa.pipelines.config import load_config
    from spatialqa.pipelines.manifest import empty_task_warning, task_hint
    from spatialqa.pipelines.plan import fingerprint, instantiate_tasks, plan
    from spatialqa.pipelines.shard import count_samples

    config = load_config(args.config)
    instantiate_tasks(config)
    shards = plan(config, args.limit)
    variants = [v for spec in config.degradations for v in spec.variants]
    names = ["clean" if kind == "clean" else f"{kind}/{severity}" for kind, severity in variants]
    frames = 0 if config.output.inline_images == "none" else config.views.frames * len(variants)
    caps = {spec.name: spec.per_scene for spec in config.tasks}
    print(f"plan {config.name} (config_hash {fingerprint(config)}): {len(shards)} shards")
    print("  a shard is one scene with every task and degradation: they share its render and")
    print("  its visibility, computed once")
    print(f"  tasks: {', '.join(caps)}")
    print(f"  degradations: {', '.join(names)} (each sample is emitted once per variant)")
    bound = "=" if args.exact else "<="
    print(f"{'shard':<18} {'scene':<24} {'samples ' + bound:>11} {'frames <=':>10}")
    totals = dict.fromkeys(caps, 0)
    skipped = 0
    for shard in shards:
        try:
            counts = count_samples(config, shard) if args.exact else caps
        except (SpatialQAError, OSError) as exc:  # what a build skips
            skipped += 1
            print(f"{shard.name:<18} {shard.scene.name:<24} skipped: {exc}")
            continue
        for task, n in counts.items():
            totals[task] += n * len(variants)
        samples = sum(counts.values()) * len(variants)
        print(f"{shard.name:<18} {shard.scene.name:<24} {samples:>11} {frames:>10}")
    width = max(len(task) for task in totals)
    for task, n in totals.items():
        print(f"  {task:<{width}}  {bound} {n}")
    total = sum(totals.values())
    print(f"total: {bound} {total} samples, <= {frames * (len(shards) - skipped)} frames")
    if args.exact:
        print(f"exact: questions generated without rendering; {skipped} scenes would be skipped")
        asked = len(shards) - skipped
        for task, n in totals.items():
            if asked and not n:
                warning = empty_task_warning(task, task_hint(task), asked, "asked")
                print(f"spatialqa: warning: {warning}", file=sys.stderr)
    else:
        print("upper bounds: per_scene caps x variants; a scene may yield fewer questions")
        print("(--exact generates the questions, without rendering, to count them)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from spatialqa.pipelines.export import EmptyExport

    try:
        if args.format == "vsibench":
            from spatialqa.pipelines.lmms_eval import export_vsibench

            summary = export_vsibench(args.dataset, args.out)
        elif args.format == "vlmevalkit":
            from spatialqa.pipelines.vlmevalkit import export_vlmevalkit

            summary = export_vlmevalkit(args.dataset, args.out)
        else:
            from spatialqa.pipelines.export import export_conversations

            summary = export_conversations(args.dataset, args.out, args.format)
    except EmptyExport as exc:
        print(f"spatialqa: warning: {exc}", file=sys.stderr)
        return EXIT_EMPTY
    for path, rows in summary["files"].items():  # one file per split or variant
        print(f"wrote {rows} {args.format} rows to {path}")
    if "tasks" in summary:
        for task, rows in summary["tasks"].items():
            print(f"  lmms-eval task {task}: {rows} rows")
        print(f"  run: lmms-eval --include_path {args.out} --tasks spatialqa_vsibench ...")
    if "videos" in summary:
        print(f"  videos: {summary['videos']} mp4 under {summary['video_dir']}")
    else:
        print(f"  images: {summary['images']} files under {summary['image_dir']}")
    if summary.get("dataset_info"):
        print(f"  LLaMA-Factory: entries in {summary['dataset_info']} (--dataset_dir its folder)")
    marked = summary["left_out_marks"]  # their task has a form, their marks cannot be shown
    if summary["left_out"] - marked:
        print(f"  left out {summary['left_out'] - marked} rows with no {args.format} form")
    if marked:
        print(f"  left out {marked} rows whose marks {args.format} cannot show (warned above)")
    return 0


def cmd_degradations(args: argparse.Namespace) -> int:
    from spatialqa.degradations import write_contact_sheet
    from spatialqa.degradations.sheet import busiest_frame
    from spatialqa.scenes import procedural_scene

    scene = procedural_scene(0, 0)
    frame = busiest_frame(scene).resized(args.width, args.height)
    path = write_contact_sheet(scene, frame, args.out, backend=args.backend, seed=args.seed)
    print(f"wrote {path}: every degradation (rows) at severities 1-5 (columns) of one view")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from spatialqa.generators.catalogue import EXAMPLE_ROOM, listing

    rows, cached_to = listing()
    columns = ("name", "family", "answer_type", "metric", "unit")
    widths = {c: max(len(c), *(len(str(r[c] or "-")) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        print("  ".join(str(row[c] or "-").ljust(widths[c]) for c in columns).rstrip())
        if row["example"] is not None:
            stem, *options = row["example"]["question"].split("\n")
            shown = f"{stem} [{' '.join(options)}]" if options else stem
            print(f"    e.g. {shown} -> {row['example']['answer']}")
        else:
            seed, index = EXAMPLE_ROOM
            print(f"    (no example: procedural room {seed}:{index} gives it no question)")
        if row["hint"]:
            print(f"    note: {row['hint']}")
    if cached_to is not None:
        print(f"(examples asked on a procedural room once; cached in {cached_to})", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from spatialqa.pipelines.evaluate import (
        evaluate,
        plot_robustness,
        read_dataset,
        read_predictions,
        read_vsibench,
    )

    read = read_vsibench if args.format == "vsibench" else read_dataset
    scores = evaluate(read(args.dataset), read_predictions(args.predictions))
    print(scores.table())
    if args.json:
        Path(args.json).write_text(json.dumps(scores.to_json(), indent=2) + "\n")
        print(f"scores written to {args.json}")
    if args.plot:
        print(f"robustness curve drawn in {plot_robustness(scores.robustness, args.plot)}")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from spatialqa.pipelines.preview import preview

    index = preview(args.dataset, args.out, count=args.samples, seed=args.seed)
    print(f"gallery written to {index}")
    return 0


def cmd_scene_sheet(args: argparse.Namespace) -> int:
    """``scene sheet``: procedural rooms (rows) from the views a build would pick (columns)."""
    from PIL import Image

    from spatialqa.degradations.materials import LOOKS
    from spatialqa.degradations.sheet import room_sheet
    from spatialqa.pipelines.config import ViewsSpec
    from spatialqa.pipelines.shard import pick_views
    from spatialqa.scenes import procedural_scene

    if not args.out:
        raise SpatialQAError("scene sheet: --out FILE.jpg is required")
    for name in ("rooms", "views", "width", "height"):
        if getattr(args, name) < 1:
            raise SpatialQAError(f"scene sheet: --{name} must be at least 1")
    if args.look not in LOOKS:
        raise SpatialQAError(f"scene sheet: --look must be one of {', '.join(LOOKS)}")
    views = []
    for index in range(args.rooms):
        scene = procedural_scene(args.seed, index, moved=args.trajectory == "moved")
        if args.trajectory not in [t.name for t in scene.trajectories]:
            print(f"  {scene.scene_id}: no {args.trajectory} trajectory (blank row)")
            views.append((scene, []))
            continue
        picked = pick_views(scene, ViewsSpec(trajectory=args.trajectory, frames=args.views))
        if not picked:
            print(f"  {scene.scene_id}: no view of its {args.trajectory} picked (blank row)")
        views.append((scene, [scene.frame(frame_id) for frame_id in picked]))
    sheet = room_sheet(views, (args.width, args.height), backend=args.backend, look=args.look)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        Image.fromarray(sheet).save(out, quality=80)
    except (OSError, ValueError) as exc:
        raise SpatialQAError(f"scene sheet: cannot write {out} ({exc})") from None
    print(f"wrote {out}: {args.rooms} procedural rooms (seed {args.seed}) x {args.views} views "
          f"of their {args.trajectory}")  # fmt: skip
    return 0


def procedural_room(text: str) -> tuple[int, int] | None:
    """(seed, index) of a ``procedural:SEED:INDEX`` argument; None for anything else."""
    if not text.startswith("procedural:") or Path(text).exists():
        return None
    found = re.fullmatch(r"procedural:([0-9]{1,19}):([0-9]{1,9})", text)
    if found is None or int(found[1]) > 2**63 - 1:
        raise SpatialQAError(
            f"{text}: a procedural room is procedural:SEED:INDEX, a seed in 0..2**63-1 and an "
            "index (e.g. procedural:0:3)"
        )
    return int(found[1]), int(found[2])


def scene_argument(args: argparse.Namespace) -> Scene:
    """The scene ``scene validate|convert|show`` is given: ``procedural:SEED:INDEX``, a built
    dataset and one of its scene ids, or the path of a scene of any loader."""
    from spatialqa.scenes import procedural_scene
    from spatialqa.scenes.formats import load_any

    room = procedural_room(args.path)
    if room is not None or args.scene_id is not None:
        if args.format:
            raise SpatialQAError(f"scene {args.action}: --format applies to a scene's path only")
    if room is not None:
        if args.scene_id is not None:
            raise SpatialQAError(f"scene {args.action}: {args.path} takes no SCENE_ID")
        return procedural_scene(*room)
    if args.scene_id is not None:
        from spatialqa.pipelines.manifest import recorded_scene

        return recorded_scene(args.path, args.scene_id)
    if (Path(args.path) / "manifest.json").is_file():
        raise SpatialQAError(
            f"{args.path}: a built dataset; name one of its scenes: "
            f"spatialqa scene {args.action} {args.path} SCENE_ID"
        )
    return load_any(args.path, args.format)


def cmd_scene(args: argparse.Namespace) -> int:
    from spatialqa.scenes.formats import convert, summary
    from spatialqa.scenes.io import save_scene
    from spatialqa.scenes.show import save_top_down

    if args.action == "sheet":
        return cmd_scene_sheet(args)
    if args.path is None:
        raise SpatialQAError(f"scene {args.action}: PATH is required")
    if args.action == "convert":
        if not args.to:
            raise SpatialQAError("scene convert: --to DIR is required")
        if args.scene_id is not None:  # a scan's images are the loader's to copy: its path
            raise SpatialQAError("scene convert: give the scene's own path, not a dataset's id")
        if procedural_room(args.path) is None:
            scene = convert(args.path, args.to, args.format)
        else:
            scene = scene_argument(args)
            save_scene(scene, args.to)
        print(f"wrote scene {scene.scene_id} to {args.to}")
    else:
        scene = scene_argument(args)
    if args.action == "show":
        if not args.out:
            raise SpatialQAError("scene show: --out FILE.png is required")
        print(f"map written to {save_top_down(scene, args.out)}")
    print("\n".join(summary(scene)))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="spatialqa", description=__doc__)
    top.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = top.add_subparsers(dest="command", required=True)

    build = commands.add_parser(
        "build",
        help="build a dataset from a YAML config",
        description="Build (or resume) a dataset. A rerun of the same command keeps the shards "
        "already built (verified by checksum) and builds the rest.",
        epilog="exit status: 0 all scenes built; 2 error (bad config, another build in --out, "
        "an output that cannot be written, a Ray cluster that does not answer); "
        f"{EXIT_SKIPPED} built, but some scenes were skipped (listed in manifest.json "
        f"with the reason); {EXIT_EMPTY} nothing written: not one sample (the reason "
        "printed). A task that yields no sample is a warning with what it needs of the views "
        "(manifest.json: empty_tasks)",
    )
    build.add_argument("config", help="the build config (YAML)")
    build.add_argument(
        "--out", required=True, help="output directory or pyarrow URI (s3://bucket/prefix)"
    )
    build.add_argument(
        "--workers", type=int, help="shards at once; local Ray CPUs (overrides ray.num_cpus)"
    )
    build.add_argument("--address", help="attach to a running Ray cluster (e.g. HOST:6379)")
    build.add_argument("--limit", type=int, help="build only the first N scenes")
    build.add_argument(
        "--overwrite", action="store_true", help="replace another config's build in --out"
    )
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=cmd_build)

    planner = commands.add_parser(
        "plan", help="print the shards and expected sample counts; writes nothing"
    )
    planner.add_argument("config", help="the build config (YAML)")
    planner.add_argument("--limit", type=int, help="only the first N scenes")
    planner.add_argument(
        "--exact",
        action="store_true",
        help="count by generating the questions (no rendering; slower than bounds)",
    )
    planner.set_defaults(run=cmd_plan)

    export = commands.add_parser(
        "export",
        help="export a built dataset for trainers, lmms-eval or VLMEvalKit",
        description="llava, sharegpt (LLaMA-Factory), swift (ms-swift), r1: conversation "
        "records in the JSON (or .jsonl) file --out, the images beside it. vsibench: a folder "
        "lmms-eval runs as it is (--include_path DIR --tasks spatialqa_vsibench), one task per "
        "degradation variant, mp4 videos made from the frames. vlmevalkit: a folder of "
        "VLMEvalKit TSVs (image MCQ and VSI-Bench video), one per variant.",
        epilog=f"exit status: 0 written; {EXIT_EMPTY} nothing to export (nothing written: the "
        "warning says which tasks would give rows); 2 error",
    )
    export.add_argument(
        "format", choices=("llava", "sharegpt", "swift", "r1", "vsibench", "vlmevalkit")
    )
    export.add_argument("dataset", help="a built dataset (directory or pyarrow URI)")
    export.add_argument(
        "--out",
        required=True,
        help="the JSON/JSONL file (conversation styles) or the folder (vsibench, vlmevalkit)",
    )
    export.set_defaults(run=cmd_export)

    sheet = commands.add_parser(
        "degradations", help="write a contact sheet of every degradation and severity"
    )
    sheet.add_argument("--out", required=True, help="directory for degradations.png")
    backends = ("auto", "raster", "pyrender", "raycast")  # degradations.delivery.BACKENDS
    sheet.add_argument("--backend", choices=backends, default="auto")
    sheet.add_argument("--width", type=int, default=320, help="tile width (default 320)")
    sheet.add_argument("--height", type=int, default=240, help="tile height (default 240)")
    sheet.add_argument("--seed", type=int, default=0, help="seed of the degradations")
    sheet.set_defaults(run=cmd_degradations)

    tasks = commands.add_parser(
        "tasks",
        help="list the registered tasks, each with an example question",
        description="Every registered task: family, answer type, metric, unit, an example "
        "question asked on a procedural room, and what the task needs of the views where it "
        "needs something. The examples are asked once per installed version and kept in the "
        "user's cache folder ($XDG_CACHE_HOME/spatialqa, default ~/.cache/spatialqa).",
    )
    tasks.set_defaults(run=cmd_tasks)

    score = commands.add_parser(
        "eval",
        help="score a model's replies (accuracy, MRA), by task and by degradation",
        description="Score every reply with its task's metric: per task, macro and micro, and, "
        "when the build has degraded variants, per task x variant (clean, type/severity) with "
        "each degradation type's curve over severities (clean is severity 0).",
    )
    score.add_argument("dataset", help="a built dataset directory (or a VSI-Bench file)")
    score.add_argument("predictions", help="JSONL or Parquet with the fields id and response")
    score.add_argument(
        "--format",
        choices=("spatialqa", "vsibench"),
        default="spatialqa",
        help="vsibench: DATASET is a VSI-Bench-format file (question_type, ground_truth)",
    )
    score.add_argument("--json", help="also write the scores (and the by-degradation table) here")
    score.add_argument(
        "--plot", help="draw the robustness curve (score vs severity per type): FILE.png or .html"
    )
    score.set_defaults(run=cmd_eval)

    gallery = commands.add_parser(
        "preview",
        help="write an HTML gallery of a built dataset",
        description="One card per sampled row: its question and answer, every view in a strip "
        "that scrolls sideways, and the boxes of every object its rationale mentions (and of "
        "the row's labels: boxes, points, per-view marks) in each view where it is visible.",
    )
    gallery.add_argument("dataset", help="a built dataset directory")
    gallery.add_argument("--out", required=True, help="directory for index.html and images")
    gallery.add_argument("--samples", type=int, default=60, help="rows shown (default 60)")
    gallery.add_argument("--seed", type=int, default=0, help="which rows are picked")
    gallery.set_defaults(run=cmd_preview)

    scene = commands.add_parser(
        "scene",
        help="check, convert or map one scene (any loader); a sheet of procedural rooms",
        description="validate: load and summarise; convert: write a scene directory; "
        "show: draw a top-down map; sheet: a contact sheet of procedural rooms (rows) x "
        "views (columns), as a build renders them",
    )
    scene.add_argument("action", choices=("validate", "convert", "show", "sheet"))
    scene.add_argument(
        "path",
        nargs="?",
        help="a scan directory, house JSON, mesh file or scene directory; procedural:SEED:INDEX "
        "(a procedural room); or a built dataset (directory or URI), with SCENE_ID",
    )
    scene.add_argument(
        "scene_id",
        nargs="?",
        help="with a built dataset: one of its scenes (scene_id), loaded from the source the "
        "build recorded",
    )
    # No choices: the loaders register their formats when spatialqa.scenes is imported, which
    # --help must not do; an unknown name fails in load_any, which lists the registered ones.
    scene.add_argument(
        "--format",
        help="the loader, by its registered name (default: detected from the contents; an "
        "unknown name lists the known ones)",
    )
    scene.add_argument("--to", help="convert: the scene directory to write")
    scene.add_argument("--out", help="show: the PNG to write; sheet: the image (.jpg, .png)")
    scene.add_argument("--rooms", type=int, default=16, help="sheet: rooms (default 16)")
    scene.add_argument("--views", type=int, default=4, help="sheet: views a room (default 4)")
    scene.add_argument("--seed", type=int, default=0, help="sheet: seed of the rooms")
    scene.add_argument(
        "--trajectory", default="walkthrough", help="sheet: the views' trajectory (walkthrough)"
    )
    scene.add_argument("--width", type=int, default=320, help="sheet: tile width (320)")
    scene.add_argument("--height", type=int, default=240, help="sheet: tile height (240)")
    scene.add_argument("--backend", choices=backends, default="auto", help="sheet: renderer")
    scene.add_argument("--look", default="natural", help="sheet: classic or natural")
    scene.set_defaults(run=cmd_scene)
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
