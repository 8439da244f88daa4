"""One shard: load a scene, ask every task, render and degrade the views, write Parquet."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np

from spatialqa.degradations import PyrenderRenderer, encode_image, get_degradation
from spatialqa.errors import SpatialQAError
from spatialqa.generators import Context, Sample
from spatialqa.pipelines import parquet
from spatialqa.pipelines.config import BuildConfig, ViewsSpec
from spatialqa.pipelines.plan import Shard, fingerprint, instantiate_tasks
from spatialqa.scenes import Frame, Scene
from spatialqa.seeding import rng_for, stable_id

Variant = tuple[str, int]  # (degradation type, severity); ("clean", 0) for the clean views


def pick_views(scene: Scene, spec: ViewsSpec) -> tuple[str, ...]:
    """``spec.frames`` frames spread evenly over the named trajectory, in time order."""
    frames = scene.trajectory(spec.trajectory).frames
    if len(frames) <= spec.frames:
        return tuple(frame.id for frame in frames)
    picks = np.unique(np.round(np.linspace(0, len(frames) - 1, spec.frames)).astype(int))
    return tuple(frames[i].id for i in picks)


def resized(frame: Frame, width: int, height: int) -> Frame:
    """The same camera rendered at another size: intrinsics scaled with the image."""
    if (width, height) == (frame.width, frame.height):
        return frame
    scale = np.diag([width / frame.width, height / frame.height, 1.0])
    return dataclasses.replace(frame, K=scale @ frame.K, width=width, height=height)


def run_shard(config: BuildConfig, shard: Shard, out: str) -> dict:
    """Build one shard into ``out``; return its record for the manifest.

    A scene that fails to load or validate is skipped with the reason; nothing is written.
    """
    record: dict = {"shard": shard.index, "scene": shard.scene.name}
    try:
        scene = shard.scene.load()
        views = pick_views(scene, config.views)
    except (SpatialQAError, OSError) as exc:
        return {**record, "status": "skipped", "reason": f"{type(exc).__name__}: {exc}"}

    context = Context(scene, views, seed=config.seed)
    samples = [
        sample
        for task, per_scene in instantiate_tasks(config)
        for sample in task.generate(context, per_scene)
    ]
    variants = [variant for spec in config.degradations for variant in spec.variants]
    shown = [view for view in views if any(view in s.views for s in samples)]
    frame_rows, images = render_views(config, scene, shown, variants)
    build_id = fingerprint(config)
    sample_rows = [
        sample_row(config, build_id, sample, variant, images)
        for sample in samples
        for variant in variants
    ]
    root = Path(out)
    files = {}
    for folder, rows, schema in (
        ("data", sample_rows, parquet.SAMPLES),
        ("frames", frame_rows, parquet.FRAMES),
    ):
        relative = f"{folder}/{shard.name}"
        files[relative] = parquet.write_atomic(
            rows, schema, root / relative, config.output.rows_per_shard
        )
    return {
        **record,
        "scene_id": scene.scene_id,
        "status": "ok",
        "rows": len(sample_rows),
        "frames": len(frame_rows),
        "tasks": dict(sorted(Counter(row["task"] for row in sample_rows).items())),
        "answer_types": dict(sorted(Counter(row["answer_type"] for row in sample_rows).items())),
        "files": files,
    }


def degradation_struct(variant: Variant, params: dict) -> dict | None:
    kind, severity = variant
    if kind == "clean":
        return None
    return {"type": kind, "severity": severity, "params": json.dumps(params, sort_keys=True)}


def render_views(
    config: BuildConfig, scene: Scene, views: list[str], variants: list[Variant]
) -> tuple[list[dict], dict[tuple[Variant, str], dict]]:
    """Render each view once, degrade it per variant.

    Returns the frame rows and, by (variant, frame id), the image struct with the exact
    parameters its degradation drew.
    """
    output = config.output
    suffix = ".jpg" if output.image_format == "jpeg" else ".png"
    rows: list[dict] = []
    images: dict[tuple[Variant, str], dict] = {}
    if not views or output.inline_images == "none":
        return rows, images
    frames = [resized(scene.frame(v), config.render.width, config.render.height) for v in views]
    with PyrenderRenderer(scene) as renderer:
        rendered = [renderer.render(frame) for frame in frames]
    for variant in variants:
        kind, severity = variant
        tag = "" if kind == "clean" else f"__{kind}{severity}"
        for frame, view in zip(frames, rendered, strict=True):
            params: dict = {}
            rgb = view.rgb
            if kind != "clean":
                rng = rng_for(config.seed, scene.scene_id, frame.id, kind, severity)
                degraded = get_degradation(kind)(rgb, view.depth, frame, severity, rng=rng)
                rgb, params = degraded.image, degraded.params
            image = {
                "bytes": encode_image(rgb, output.image_format, output.quality),
                "path": f"{scene.scene_id}/{frame.id}{tag}{suffix}",
            }
            images[variant, frame.id] = {**image, "params": params}
            rows.append(
                {
                    "scene_id": scene.scene_id,
                    "frame_id": frame.id,
                    "degradation": degradation_struct(variant, params),
                    "timestamp": frame.t,
                    "pose": frame.pose.tolist(),
                    "K": frame.K.tolist(),
                    "width": frame.width,
                    "height": frame.height,
                    "image": image,
                }
            )
    return rows, images


def sample_row(
    config: BuildConfig,
    build_id: str,
    sample: Sample,
    variant: Variant,
    images: dict[tuple[Variant, str], dict],
) -> dict:
    """The output row of ``sample`` shown through ``variant``'s views."""
    inline = config.output.inline_images == "all" or (
        config.output.inline_images == "few" and len(sample.views) <= 2
    )
    kind, severity = variant
    shown = [images[variant, v] for v in sample.views if (variant, v) in images]
    params = shown[0]["params"] if shown else {}
    row = dataclasses.asdict(sample)
    del row["index"]
    row.update(
        id=stable_id(build_id, sample.scene_id, sample.task, sample.index, kind, severity),
        choices=list(sample.choices),
        views=list(sample.views),
        images=[{"bytes": i["bytes"], "path": i["path"]} for i in shown] if inline else [],
        degradation=degradation_struct(variant, params),
        answerable_views=list(sample.answerable_views),
    )
    return row
