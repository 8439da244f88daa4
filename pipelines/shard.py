"""One shard: load a scene, ask every task, render and degrade the views, write Parquet."""

from __future__ import annotations

import dataclasses
import json
import re
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np

from spatialqa import moved
from spatialqa.degradations import decode_image, encode_image, relabel, render_and_degrade
from spatialqa.degradations.marks import draw_marks, move_view_labels
from spatialqa.errors import OutputError, SceneError, SpatialQAError
from spatialqa.generators import Context, Sample, draw_samples
from spatialqa.oracle.framing import passes
from spatialqa.pipelines import parquet
from spatialqa.pipelines.budget import GIB, describe_memory, shard_memory
from spatialqa.pipelines.config import BuildConfig, ViewsSpec
from spatialqa.pipelines.export import safe_name
from spatialqa.pipelines.inputs import inputs_hash
from spatialqa.pipelines.manifest import row_counts
from spatialqa.pipelines.plan import Shard, instantiate_tasks
from spatialqa.pipelines.storage import Storage
from spatialqa.scenes import Scene
from spatialqa.scenes.limits import check_limits
from spatialqa.seeding import stable_id

Variant = tuple[str, int]  # (degradation type, severity); ("clean", 0) for the clean views


def pick_views(scene: Scene, spec: ViewsSpec) -> tuple[str, ...]:
    """``spec.frames`` frames spread evenly over the named trajectory, in time order.

    With ``spec.framing`` (and a scene it applies to), only frames that pass the framing rule
    (:func:`spatialqa.oracle.framing.passes`): the trajectory is cut into ``spec.frames``
    consecutive runs of frames and each run gives the passing frame nearest the one the plain
    selection takes there (the earlier on a tie). A run without one leaves its place to the
    passing frame, from any run, farthest in time from those already picked (the earlier on a
    tie), so the views stay spread. Fewer frames than ``spec.frames`` pass: every passing frame
    is delivered, and no failing one (``view_shortfall`` says so in the manifest). Each frame's
    verdict comes from its cached visibility, which the tasks then reuse: frames are judged
    lazily, about ``spec.frames`` of them when most pass.
    """
    frames = scene.trajectory(spec.trajectory).frames
    rule = spec.framing
    if rule is None or not rule.applies_to(scene.source.kind):
        if len(frames) <= spec.frames:
            return tuple(frame.id for frame in frames)
        picks = np.unique(np.round(np.linspace(0, len(frames) - 1, spec.frames)).astype(int))
        return tuple(frames[i].id for i in picks)
    verdicts: dict[int, bool] = {}

    def good(i: int) -> bool:
        if i not in verdicts:
            verdicts[i] = passes(scene, frames[i].id, rule.max_structure_share, rule.min_objects)
        return verdicts[i]

    n, m = len(frames), spec.frames
    if n <= m:
        return tuple(frame.id for i, frame in enumerate(frames) if good(i))
    bounds = np.round(np.linspace(0, n, m + 1)).astype(int)
    ideal = np.round(np.linspace(0, n - 1, m)).astype(int)
    chosen: list[int] = []
    for j in range(m):
        run = sorted(range(bounds[j], bounds[j + 1]), key=lambda i: (abs(i - ideal[j]), i))
        chosen += next(([i] for i in run if good(i)), [])
    if len(chosen) < m:
        spare = [i for i in range(n) if i not in chosen and good(i)]
        while spare and len(chosen) < m:
            best = max(spare, key=lambda i: (min(abs(i - c) for c in chosen) if chosen else 0, -i))
            chosen.append(best)
            spare.remove(best)
    return tuple(frames[i].id for i in sorted(chosen))


def delivered_views(scene: Scene, spec: ViewsSpec) -> tuple[str, ...]:
    """``pick_views``, or SceneError when not one frame passes the framing rule (the scene is
    skipped with that reason: a build without views has nothing to ask)."""
    views = pick_views(scene, spec)
    if not views:
        raise SceneError(
            f"scene {scene.scene_id}: no frame of trajectory {spec.trajectory!r} passes the "
            "framing rule (views.framing)"
        )
    return views


def view_shortfall(scene: Scene, spec: ViewsSpec, views: tuple[str, ...]) -> str | None:
    """Why fewer than ``spec.frames`` views were delivered, or None when none are missing
    (a trajectory shorter than ``spec.frames`` delivers all its frames and misses none)."""
    frames = scene.trajectory(spec.trajectory).frames
    wanted = min(spec.frames, len(frames))
    if len(views) >= wanted:
        return None
    rule = spec.framing
    return (
        f"{len(views)} of {wanted} views of trajectory {spec.trajectory!r}: only "
        f"{len(views)} of its {len(frames)} frames pass the framing rule (structure at most "
        f"{rule.max_structure_share:.0%} of the pixels, at least {rule.min_objects} objects "
        "visible above tau)"
    )


def ask(config: BuildConfig, scene: Scene, views: tuple[str, ...]) -> list[Sample]:
    """Every task's samples for the scene, before any rendering. Objects that move are asked
    about from the first delivered frame's time on (``Scene.from_time``): scene-level
    questions use the state at that frame, each frame sees its own time."""
    if scene.moves and views:
        scene = scene.from_time(min(scene.frame(view).t for view in views))
    context = Context(
        scene,
        views,
        seed=config.seed,
        trajectory=tuple(frame.id for frame in scene.trajectory(config.views.trajectory).frames),
        abstention=config.abstention_share,
    )
    return [
        sample
        for task, per_scene in instantiate_tasks(config)
        for sample in draw_samples(task, context, per_scene)
    ]


def count_samples(config: BuildConfig, shard: Shard) -> dict[str, int]:
    """Samples per task of one shard's scene, per degradation variant, without rendering.

    Raises SkippedScene when a build would skip the scene (with the reason it would record).
    """
    _, _, samples = questions(config, shard, Stages(shard))
    return {spec.name: sum(s.task == spec.name for s in samples) for spec in config.tasks}


def questions(
    config: BuildConfig, shard: Shard, stage: Stages
) -> tuple[Scene, tuple[str, ...], list[Sample]]:
    """The shard's scene, its delivered views and every task's samples, each step a stage
    (``count_samples`` stops here; ``shard_rows`` goes on to the images and rows)."""
    with stage("loading"):
        scene = shard.scene.load()
    with stage("checking limits"):
        check_scene(config, scene, root=shard.scene.path or None)
    with stage("picking views"):
        views = delivered_views(scene, config.views)
    with stage("asking questions"):
        samples = ask(config, scene, views)
    return scene, views, samples


class ShardRows(NamedTuple):
    """What one shard's scene gives, before anything is encoded or written."""

    scene: Scene
    short: str | None
    """Why fewer views than asked were delivered (``view_shortfall``), None when none miss."""
    sample_rows: list[dict]
    frame_rows: list[dict]


def shard_rows(config: BuildConfig, shard: Shard, build_id: str) -> ShardRows:
    """The sample and frame rows ``run_shard`` writes for ``shard``, in the order it writes
    them; the build, ``spatialqa.generate`` and the Ray Data source all make rows here.

    Raises SkippedScene (with the reason a build records) when the scene fails at any stage.
    """
    stage = Stages(shard)
    scene, views, samples = questions(config, shard, stage)
    with stage("picking views"):
        short = view_shortfall(scene, config.views, views)
    with stage("asking questions"):
        variants = [variant for spec in config.degradations for variant in spec.variants]
        shown = [view for view in views if any(view in s.views for s in samples)]
    with stage("rendering and degrading the views"):
        root = shard.scene.path or None
        frame_rows, images = render_views(config, scene, shown, variants, root=root)
    with stage("making the rows"):
        source = shard.scene.key
        sample_rows = [
            sample_row(config, build_id, sample, variant, images, source)
            for sample in samples
            for variant in variants
        ]
    return ShardRows(scene, short, sample_rows, frame_rows)


def run_shard(config: BuildConfig, shard: Shard, out: str, build_id: str) -> dict:
    """Build one shard into the storage at ``out`` (a path or URI); return its manifest record.

    Never raises. Whatever goes wrong with the scene, at any stage (reading, limits, questions,
    rendering, degrading, encoding), skips it: the record says ``skipped`` with the reason and
    nothing is written. An output that cannot be written (a full disk) is not the scene's
    fault: the record says ``failed``, and the driver stops the build.
    """
    record: dict = {"shard": shard.index, "scene": shard.scene.name, "source": shard.scene.key}
    stage = Stages(shard)
    try:
        with stage("reading the inputs"):
            record["inputs"] = inputs_hash(shard.scene)
        scene, short, sample_rows, frame_rows = shard_rows(config, shard, build_id)
        with stage("making the rows"):
            encoded = {
                folder: parquet.encode(rows, schema, config.output.rows_per_shard)
                for folder, rows, schema in (
                    ("data", sample_rows, parquet.SAMPLES),
                    ("frames", frame_rows, parquet.FRAMES),
                )
            }
    except SkippedScene as skipped:
        return {**record, "status": "skipped", "reason": str(skipped)}
    storage = Storage(out)
    files = {}
    try:
        for folder, data in encoded.items():
            storage.write(f"{folder}/{shard.name}", data)
            files[f"{folder}/{shard.name}"] = parquet.sha256(data)
    except OutputError as exc:
        return {**record, "status": "failed", "reason": str(exc)}
    return {
        **record,
        "scene_id": scene.scene_id,
        "status": "ok",
        "rows": len(sample_rows),
        "frames": len(frame_rows),
        "counts": row_counts(sample_rows),
        "files": files,
        **({"views_short": short} if short else {}),
    }


def check_scene(config: BuildConfig, scene: Scene, root: str | None) -> None:
    """Refuse, before any work, a scene beyond the config's limits or memory budget."""
    limits = config.limits
    check_limits(scene, limits.scene, root)
    need = shard_memory(config, scene)
    if need > limits.max_shard_memory_gib * GIB:
        raise SceneError(
            f"scene {scene.scene_id}: building it needs about {need / GIB:.1f} GiB "
            f"({describe_memory(config, scene)}), more than limits.max_shard_memory_gib "
            f"{limits.max_shard_memory_gib:g}"
        )


class SkippedScene(SpatialQAError):
    """A scene a build skips; the message is the reason recorded in the manifest."""


class Stages:
    """``with stage("rendering"):`` turns any exception into SkippedScene with the reason:
    the scene, the stage, the exception type and message (which name the file and field where
    the error knows them), and for an unexpected error the line of spatialqa that raised it.
    """

    def __init__(self, shard: Shard) -> None:
        self.shard = shard

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            raise SkippedScene(skip_reason(self.shard.scene.name, stage, exc)) from None


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
REASON_CHARS = 2000


def one_line(exc: BaseException) -> str:
    """An exception's message for the manifest or the terminal: no terminal colour codes (Ray
    colours its errors), one line, at most ``REASON_CHARS`` characters."""
    message = " ".join(_ANSI.sub("", str(exc)).split())
    if len(message) > REASON_CHARS:
        message = message[:REASON_CHARS] + f"... ({len(message)} characters)"
    return message


def skip_reason(scene: str, stage: str, exc: BaseException) -> str:
    """One line for the manifest: ``scene: stage: Type: message [(at module.py:line)]``."""
    message = one_line(exc)
    where = ""
    if not isinstance(exc, SpatialQAError):  # an error we did not raise on purpose: say where
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "spatialqa" in f.filename]
        frames = frames or traceback.extract_tb(exc.__traceback__)
        if frames:
            last = frames[-1]
            where = f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return f"{scene}: {stage}: {type(exc).__name__}: {message}{where}"


def degradation_struct(variant: Variant, params: dict) -> dict | None:
    kind, severity = variant
    if kind == "clean":
        return None
    return {"type": kind, "severity": severity, "params": json.dumps(params, sort_keys=True)}


def render_views(
    config: BuildConfig,
    scene: Scene,
    views: list[str],
    variants: list[Variant],
    root: str | None = None,
) -> tuple[list[dict], dict[tuple[Variant, str], dict]]:
    """Render each view once, degrade it per variant.

    Returns the frame rows and, by (variant, frame id), the image struct with the exact
    parameters its degradation drew and its label transform (None when no pixel moved).
    ``root`` is the scene's directory, where captured frames' images are found.
    """
    output = config.output
    suffix = ".jpg" if output.image_format == "jpeg" else ".png"
    rows: list[dict] = []
    images: dict[tuple[Variant, str], dict] = {}
    if not views or output.inline_images == "none":
        return rows, images
    size = config.render.width, config.render.height
    frames = [scene.frame(v).resized(*size) for v in views]
    delivered = render_and_degrade(
        scene, frames, variants, backend=config.render.backend, seed=config.seed, root=root
    )
    for shown in delivered:
        kind, severity = shown.variant
        frame = shown.frame
        tag = "" if kind == "clean" else f"__{kind}{severity}"
        image = {
            "bytes": encode_image(shown.image, output.image_format, output.quality),
            "path": f"{safe_name(scene.scene_id)}/{safe_name(frame.id)}{tag}{suffix}",
        }
        images[shown.variant, frame.id] = {
            **image,
            "params": shown.params,
            "transform": shown.transform,
            "view": frame.id,
        }
        rows.append(
            {
                "scene_id": scene.scene_id,
                "split": config.split_of(scene.source.kind, scene.scene_id),
                "frame_id": frame.id,
                "degradation": degradation_struct(shown.variant, shown.params),
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
    source: str,
) -> dict:
    """The output row of ``sample`` shown through ``variant``'s views; ``source`` is the
    scene's source key, which keeps ids unique when two scenes share a ``scene_id``."""
    inline = config.output.inline_images == "all" or (
        config.output.inline_images == "few" and len(sample.views) <= 2
    )
    kind, severity = variant
    shown = [images[variant, v] for v in sample.views if (variant, v) in images]
    params = shown[0]["params"] if shown else {}
    row = dataclasses.asdict(sample)
    del row["index"]
    # Labels are in pixels of the scene's own first view: move them (and a box or point
    # answer) to the delivered image, through the resize and whatever the degradation moved.
    transform = shown[0]["transform"] if shown and sample.views[0] == shown[0]["view"] else None
    if sample.labels is not None and transform is not None:
        referents = [str(o.instance_id) for o in sample.objects]
        row["labels"], row["answer"] = relabel(
            sample.labels, transform, sample.answer_type, sample.answer, referents
        )
    row_id = stable_id(build_id, source, sample.scene_id, sample.task, sample.index, kind, severity)
    # Labels of several views (marks, points quoted in the question) move with each view's
    # own pixels; marks are drawn on the delivered images, after the degradation.
    labels = {} if row["labels"] is None else json.loads(row["labels"])
    marks: dict = {}
    if "marks" in labels or "view_points" in labels:
        transforms = {image["view"]: image["transform"] for image in shown}
        labels, row["question"], row["answer"] = move_view_labels(
            labels, transforms, row["question"], row["answer"]
        )
        row["labels"] = json.dumps(labels, sort_keys=True)
        marks = labels.get("marks", {})
        if marks and config.output.inline_images == "none":
            warnings.warn(
                "output.inline_images is none: questions about marked points (labels.marks) "
                "are written without images, their marks in the labels only",
                stacklevel=2,
            )
    row.update(
        id=row_id,
        choices=list(sample.choices),
        views=list(sample.views),
        images=[delivered_image(config, image, marks.get(image["view"]), row_id) for image in shown]
        if inline
        else [],
        degradation=degradation_struct(variant, params),
        answerable_views=list(sample.answerable_views),
        split=config.split_of(sample.source, sample.scene_id),  # the scene's, never the sample's
    )
    return row


def delivered_image(
    config: BuildConfig, image: dict, marks: list[dict] | None, row_id: str
) -> dict:
    """A delivered view's image (``{"bytes", "path"}`` of the frames table) as the row
    ``row_id`` holds it: unchanged without ``marks``; with them, drawn on it, re-encoded in the
    config's ``output`` format and quality, under a path of the row's own
    (``<frame>__marks_<row id>``; the frames table keeps the unmarked image at the plain path).

    The one rule for a row's images: a build inlines them through it and ``spatialqa.load``
    joins frames through it, so both give a row the same bytes."""
    if not marks:
        return {"bytes": image["bytes"], "path": image["path"]}
    drawn = draw_marks(decode_image(image["bytes"]), marks)
    stem, dot, suffix = image["path"].rpartition(".")
    return {
        "bytes": encode_image(drawn, config.output.image_format, config.output.quality),
        "path": f"{stem}__marks_{row_id}{dot}{suffix}",
    }


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
