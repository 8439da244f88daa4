"""The library way in: ``spatialqa.build``, ``generate``, ``load`` (and ``ray_dataset``, in
``pipelines.datasource``), for notebooks and custom pipelines that never touch the CLI.

Every call takes a config as a YAML path, a mapping or a ``BuildConfig`` and makes the same
rows the build would: ``generate`` yields them in this process, scene by scene, in the order
a build writes them; ``load`` reads a build back with every sample's images joined from
``frames/``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spatialqa.errors import ConfigError, OutputError
from spatialqa.pipelines.config import BuildConfig, load_config, parse_config
from spatialqa.pipelines.storage import Storage
from spatialqa.seeding import stable_id

if TYPE_CHECKING:
    import datasets

log = logging.getLogger(__name__)

ConfigLike = str | Path | Mapping | BuildConfig
"""A build config: a YAML file's path, the mapping such a file holds, or a parsed config."""

LOAD_VERSION = 1
"""Bumped when ``load`` makes other rows of the same build (it keys the ``datasets`` cache)."""


def as_config(config: ConfigLike) -> BuildConfig:
    """``config`` as a validated BuildConfig; a mapping's errors name it ``config``."""
    if isinstance(config, BuildConfig):
        return config
    if isinstance(config, (str, Path)):
        return load_config(config)
    if isinstance(config, Mapping):
        return parse_config(dict(config))
    raise ConfigError(
        f"config: expected a YAML path, a mapping or a BuildConfig (got {type(config).__name__})"
    )


def build(
    config: ConfigLike,
    out: str | Path,
    workers: int | None = None,
    address: str | None = None,
    **kw: Any,
) -> dict:
    """Build ``config`` into ``out`` on Ray (local, or the cluster at ``address``), as
    ``spatialqa build`` does; returns the manifest. ``kw``: ``limit``, ``overwrite``,
    ``progress`` of ``spatialqa.pipelines.build.build``.

    Tasks registered in the calling script or notebook travel with the job, so they run on
    every worker; unknown tasks fail before anything is written to ``out``.
    """
    from spatialqa.pipelines.build import build as run_build

    return run_build(as_config(config), out, workers=workers, address=address, **kw)


def generate(config: ConfigLike, limit: int | None = None) -> Iterator[dict]:
    """The sample rows of ``config``, made here (no Ray, no files), scene by scene.

    Each row is the row a build writes (same columns, values, ids, order within a scene), as
    ``pyarrow`` reads it back; a scene a build would skip is skipped with a logged warning.
    ``limit``: the first ``limit`` scenes of the plan only, as ``spatialqa build --limit``.
    Nothing is made before the first row is asked for, and each scene only when reached.
    """
    import pyarrow as pa

    from spatialqa.pipelines import parquet
    from spatialqa.pipelines.plan import decided, fingerprint, instantiate_tasks, plan_build
    from spatialqa.pipelines.shard import SkippedScene, shard_rows

    config = as_config(config)
    instantiate_tasks(config)  # unknown tasks and bad params fail before any scene is made
    config = decided(config)
    layout = plan_build(config)
    warning = layout.leakage_warning()
    if warning:
        log.warning(warning)
    build_id = fingerprint(config)
    owners: dict[str, str] = {}
    for shard in layout.shards[:limit]:
        try:
            made = shard_rows(config, shard, build_id)
        except SkippedScene as skipped:
            log.warning("skipped %s", skipped)
            continue
        scene_id = made.scene.scene_id
        if scene_id in owners:  # a build keeps the first scene of a scene_id (frames key on it)
            log.warning(
                "skipped %s: scene_id %r is also the scene_id of %s",
                shard.scene.name,
                scene_id,
                owners[scene_id],
            )
            continue
        owners[scene_id] = shard.scene.name
        # through Arrow, as the build writes them: only the schema's columns, its types
        yield from pa.Table.from_pylist(made.sample_rows, schema=parquet.SAMPLES).to_pylist()


def load(
    out: str | Path, split: str | None = None, *, cache_dir: str | None = None
) -> datasets.Dataset:
    """The samples of the build in ``out`` as a ``datasets.Dataset``, each row's ``images``
    its views' images (the Image feature decodes them to PIL) whatever ``output.inline_images``
    was: the row's own when the build inlined them, else its views' frames joined from
    ``frames/`` (with the question's marks drawn on them, as the build draws inline ones).
    A build made with ``none`` has no frames to join: its rows keep empty ``images``.

    ``split``: one of the build's splits (``split:`` in its config); without splits,
    ``train`` is every sample, as on the dataset card. Parts load in shard order. The result
    is cached by ``datasets`` (in ``cache_dir``, else its default) under a key made of the
    build's files' checksums, so another build is never served from the cache.
    """
    import datasets

    from spatialqa.pipelines import parquet
    from spatialqa.pipelines.card import build_identity

    storage = Storage.at(out)
    manifest = read_manifest(storage)
    splits = manifest.get("splits")
    if split is not None and split not in (splits or {"train": None}):
        named = ", ".join(splits or ["train"])
        raise ConfigError(f"{storage.display()}: split {split!r}: the build's splits are {named}")
    wanted = split if splits else None
    parts = [  # a part is one scene, so all its rows are in one split
        record["files"]
        for record in sorted(manifest["shards"], key=lambda r: r["shard"])
        if record["status"] == "ok" and (wanted is None or wanted in record["counts"]["split"])
    ]
    key = stable_id("spatialqa.load", LOAD_VERSION, build_identity(manifest)["build_id"], wanted)
    return datasets.Dataset.from_generator(
        joined_rows,
        features=datasets.Features.from_arrow_schema(parquet.SAMPLES),
        cache_dir=cache_dir,
        gen_kwargs={"uri": storage.uri, "parts": parts, "config": manifest["config"]},
        fingerprint=key,
    )


def read_manifest(storage: Storage) -> dict:
    """The build's manifest; OutputError naming the folder when it has none."""
    if not storage.exists("manifest.json"):
        raise OutputError(
            f"{storage.display('manifest.json')}: not found; is this a spatialqa build's output?"
        )
    try:
        return json.loads(storage.read("manifest.json"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OutputError(f"{storage.display('manifest.json')}: not valid JSON ({exc})") from None


def joined_rows(uri: str, parts: list[dict[str, str]], config: dict) -> Iterator[dict]:
    """Each part's sample rows with their views' images (``load``): a part is one scene, so
    one scene's frames are in memory at a time, never the build's. ``config`` is the one the
    manifest records (its image format and quality re-encode marked images)."""
    import pyarrow.parquet as pq

    from spatialqa.pipelines.shard import delivered_image

    output = parse_config(config, "manifest.json: config", tasks=False)
    storage = Storage(uri)

    def table(relative: str, columns: list[str] | None = None) -> Any:
        return pq.read_table(storage.path(relative), filesystem=storage.fs, columns=columns)

    for files in parts:
        data = next(f for f in files if f.startswith("data/"))
        frames = next((f for f in files if f.startswith("frames/")), None)
        images = {}
        if frames is not None:
            columns = ["frame_id", "degradation", "image"]
            for frame in table(frames, columns).to_pylist():
                images[frame["frame_id"], variant(frame["degradation"])] = frame["image"]
        for row in table(data).to_pylist():
            if not row["images"]:
                shown = variant(row["degradation"])
                marks = json.loads(row["labels"]).get("marks", {}) if row["labels"] else {}
                row["images"] = [
                    delivered_image(output, images[view, shown], marks.get(view), row["id"])
                    for view in row["views"]
                    if (view, shown) in images
                ]
            yield row


def variant(degradation: dict | None) -> tuple[str, int]:
    """(type, severity) of a row's degradation: a sample's and its frames' parameters may
    differ (each frame draws its own), their variant never does."""
    if degradation is None:
        return ("clean", 0)
    return (degradation["type"], degradation["severity"])
