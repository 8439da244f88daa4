"""Exports of a built dataset into the formats trainers and evaluators read as they are.

``llava``: LLaVA/ShareGPT conversation JSON, one ``<image>`` token per image, the image files
written next to the JSON (``images/``), paths relative to the JSON's folder.
``vsibench``: a Parquet file with VSI-Bench's columns (``nyu-visionx/VSI-Bench``: id, dataset,
scene_name, question_type, question, ground_truth, options) for lmms-eval, each scene's frames
written as images next to it (``<dataset>/<scene_name>/``).

Both read the build shard by shard (a data part and the frames part of the same name), so the
memory held is one shard's, whatever the size of the dataset. A build with ``split:`` exports
one file per split, ``<out stem>_<split><suffix>`` beside ``out`` (``llava_train.json``,
``llava_val.json``, ...), so no scene is in two of them; the images are shared.

Every id that becomes part of a file name (scene, frame, source kind, degradation type) goes
through ``safe_name``, and every file is checked to lie inside the output folder before it is
written: a dataset's contents never choose where its export writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.leakage import SPLITS
from spatialqa.pipelines.storage import Storage
from spatialqa.seeding import stable_id

NAME_LIMIT = 100
"""Characters of one id in a file name; a composite (frame, tag, suffix) stays under 255."""
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
HASHED = "--"
"""Marks a changed name: ``safe_name`` never leaves it in a name it keeps as it is."""
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")

VSIBENCH = pa.schema(
    [
        ("id", pa.int64()),
        ("dataset", pa.string()),
        ("scene_name", pa.string()),
        ("question_type", pa.string()),
        ("question", pa.string()),
        ("ground_truth", pa.string()),
        ("options", pa.list_(pa.string())),
    ]
)

FrameKey = tuple[str, str, str, int]  # scene_id, frame_id, degradation type, severity


def safe_name(text: str, limit: int = NAME_LIMIT) -> str:
    """``text`` as one file name component, for ids that come from data (scene, frame, source,
    task, degradation type): only ``[A-Za-z0-9._-]``, no leading ``.``, at most ``limit``
    characters. An ordinary id is kept as it is (``proc_0_0003``, ``f0012``); any other gets its
    characters replaced and a stable hash of the whole text appended after ``--``, so two
    different ids never give one name (a kept id never holds ``--`` or ``__``, so it cannot
    equal a changed one, nor a composite ``id__variant`` of another)."""
    text = str(text)
    kept = UNSAFE.sub("_", text)
    if kept.startswith("."):
        kept = "_" + kept[1:]
    if kept == text and 0 < len(text) <= limit and HASHED not in text and "__" not in text:
        return text
    digest = stable_id("safe_name", text, length=12)
    return f"{kept[: limit - len(HASHED) - len(digest)]}{HASHED}{digest}"


def inside(folder: Path, relative: str) -> Path:
    """``folder / relative``, refused with SpatialQAError unless it resolves inside ``folder``
    (a name made by ``safe_name`` cannot leave it; a link already in the folder could)."""
    base = folder.resolve()
    target = (base / relative).resolve()
    if target == base or not target.is_relative_to(base):
        raise SpatialQAError(
            f"{folder}: {relative!r} would be written outside the output folder ({target}); "
            "is a part of it a link?"
        )
    return target


def image_suffix(path: str, data: bytes) -> str:
    """The image file's suffix: the built path's when it is an image suffix, else the bytes'
    format (a hostile path's suffix is no file name part)."""
    suffix = Path(str(path)).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return suffix
    return ".png" if data[:8] == b"\x89PNG\r\n\x1a\n" else ".jpg"


def variant_of(degradation: dict | None) -> tuple[str, int]:
    return ("clean", 0) if degradation is None else (degradation["type"], degradation["severity"])


def variant_tag(degradation: dict | None) -> str:
    """``""`` for clean views, else ``__<type><severity>`` as the build names its image files."""
    kind, severity = variant_of(degradation)
    return "" if kind == "clean" else f"__{safe_name(kind)}{int(severity)}"


def shards(dataset: str | Path) -> Iterator[tuple[list[dict], list[dict]]]:
    """(sample rows, frame rows) of each shard of a built dataset, in shard order."""
    storage = Storage.at(dataset)
    parts = [p for p in storage.files("data") if p.endswith(".parquet") and "/." not in p]
    if not parts:
        raise SpatialQAError(f"{storage.display()}: no data/*.parquet (is it a spatialqa build?)")
    for part in parts:
        frames_part = "frames/" + part.removeprefix("data/")
        frames = []
        if storage.exists(frames_part):
            frames = pq.read_table(storage.path(frames_part), filesystem=storage.fs).to_pylist()
        rows = pq.read_table(storage.path(part), filesystem=storage.fs).to_pylist()
        yield rows, frames


def frame_index(frames: list[dict]) -> dict[FrameKey, dict]:
    return {
        (f["scene_id"], f["frame_id"], *variant_of(f["degradation"])): f["image"] for f in frames
    }


def write_image(
    folder: Path, relative: str, data: bytes, written: dict[str, FrameKey], key: FrameKey
) -> None:
    """Write the image of frame ``key`` once, at ``relative`` inside ``folder``; a second frame
    at the same path is an error, not a silent overwrite or a skipped image."""
    if relative in written:
        if written[relative] != key:
            raise SpatialQAError(
                f"{folder}: frames {written[relative]} and {key} both map to {relative!r}"
            )
        return
    target = inside(folder, relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    written[relative] = key


def frame_key(scene_id: str, frame_id: str, degradation: dict | None) -> FrameKey:
    return (scene_id, frame_id, *variant_of(degradation))


def configured_splits(dataset: str | Path) -> list[str]:
    """The splits the build's manifest configures (a positive share), in ``SPLITS`` order;
    empty when it has no ``split:`` (or no readable manifest)."""
    storage = Storage.at(dataset)
    try:
        split = json.loads(storage.read("manifest.json"))["config"].get("split")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    if not isinstance(split, dict):
        return []
    return [name for name in SPLITS if isinstance(split.get(name), (int, float)) and split[name]]


class SplitFiles:
    """Which file a row goes to: ``out`` when the build has no split, else ``out``'s stem with
    ``_<split>`` for each split (every configured split gets its file, empty or not)."""

    def __init__(self, dataset: str | Path, out: Path) -> None:
        self.out = out
        self.configured = configured_splits(dataset)
        self.seen: set[str | None] = set()

    def path(self, split: str | None) -> Path:
        if split is None:
            return self.out
        return self.out.with_name(f"{self.out.stem}_{safe_name(split)}{self.out.suffix}")

    def key(self, row: dict) -> str | None:
        """The row's split; a dataset that mixes rows with and without one is refused."""
        split = row.get("split")
        if split is None and self.configured:
            raise SpatialQAError(f"sample {row['id']}: no split in a build with split: configured")
        self.seen.add(split)
        if None in self.seen and len(self.seen) > 1:
            raise SpatialQAError(f"sample {row['id']}: rows with and without a split")
        return split

    def all(self) -> list[str | None]:
        """Every split that gets a file: the configured ones, then any other the rows named."""
        if not self.configured and self.seen <= {None}:
            return [None]
        return [*self.configured, *sorted(s for s in self.seen if s not in self.configured)]


def summary(
    rows: dict[str | None, int], files: SplitFiles, written: dict, image_dir: Path, left_out: int
) -> dict:
    """What an export wrote: rows in all, and per file (``files``: path -> rows)."""
    return {
        "rows": sum(rows.values()),
        "files": {str(files.path(split)): rows.get(split, 0) for split in files.all()},
        "images": len(written),
        "image_dir": str(image_dir),
        "left_out": left_out,
    }


def llava_record(row: dict, images: list[str]) -> dict:
    """One conversation: the images' ``<image>`` tokens, then the question; the answer."""
    prompt = "".join("<image>\n" for _ in images) + row["question"]
    record: dict = {"id": row["id"]}
    if images:
        record["image"] = images[0] if len(images) == 1 else images
    record["conversations"] = [
        {"from": "human", "value": prompt},
        {"from": "gpt", "value": row["answer"]},
    ]
    return record


def export_llava(dataset: str | Path, out: str | Path) -> dict:
    """Write LLaVA/ShareGPT JSON to ``out`` (one file per split when the build has them) and
    the images under ``out``'s folder/images."""
    out = Path(out)
    folder = out.parent
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, FrameKey] = {}
    files = SplitFiles(dataset, out)
    counts: dict[str | None, int] = {}
    handles: dict[str | None, TextIO] = {}
    with ExitStack() as stack:

        def handle_for(split: str | None) -> TextIO:
            if split not in handles:
                handles[split] = stack.enter_context(open(files.path(split), "w"))
                handles[split].write("[")
            return handles[split]

        for split in files.configured:  # a split with no scene still gets its (empty) file
            handle_for(split)
        for rows, frames in shards(dataset):
            index = frame_index(frames)
            for row in rows:
                paths = []
                for view in row["views"]:
                    key = frame_key(row["scene_id"], view, row["degradation"])
                    image = index.get(key)
                    if image is None:
                        raise SpatialQAError(
                            f"{dataset}: sample {row['id']}: no image of view {view!r} in "
                            "frames/ (was it built with output.inline_images: none?)"
                        )
                    # the build's own layout, <scene>/<frame><tag><suffix>, from safe names
                    relative = (
                        f"images/{safe_name(row['scene_id'])}/{safe_name(view)}"
                        f"{variant_tag(row['degradation'])}"
                        f"{image_suffix(image['path'], image['bytes'])}"
                    )
                    write_image(folder, relative, image["bytes"], written, key)
                    paths.append(relative)
                split = files.key(row)
                handle = handle_for(split)
                handle.write(",\n" if counts.get(split) else "\n")
                handle.write(json.dumps(llava_record(row, paths), ensure_ascii=False))
                counts[split] = counts.get(split, 0) + 1
        if not handles:  # not one sample: an empty list
            handle_for(None)
        for handle in handles.values():
            handle.write("\n]\n")
    return summary(counts, files, written, folder / "images", 0)


def scene_name(scene_id: str, degradation: dict | None) -> str:
    """A degraded copy is its own "scene" in VSI-Bench's layout: its frames differ. A folder
    name, so made of safe names."""
    return f"{safe_name(scene_id)}{variant_tag(degradation)}"


def export_vsibench(dataset: str | Path, out: str | Path) -> dict:
    """Write the rows that have a VSI-Bench form (``question_vsi``) in VSI-Bench's columns,
    one file per split when the build has them.

    ``id`` is the row's position in its file (VSI-Bench's ids are integers); rows keep the
    build's order.
    """
    out = Path(out)
    folder = out.parent
    folder.mkdir(parents=True, exist_ok=True)
    files = SplitFiles(dataset, out)
    per_split: dict[str | None, list[dict]] = {split: [] for split in files.configured}
    written: dict[str, FrameKey] = {}
    left_out = 0
    for rows, frames in shards(dataset):
        sources: dict[str, set[str]] = {}  # a scene's frames go to each folder a row names
        for row in rows:
            sources.setdefault(row["scene_id"], set()).add(safe_name(row["source"]))
        for frame in sorted(frames, key=lambda f: (f["scene_id"], f["timestamp"], f["frame_id"])):
            name = scene_name(frame["scene_id"], frame["degradation"])
            image = frame["image"]
            suffix = image_suffix(image["path"], image["bytes"])
            key = frame_key(frame["scene_id"], frame["frame_id"], frame["degradation"])
            for source in sorted(sources.get(frame["scene_id"], ())):
                relative = f"{source}/{name}/{safe_name(frame['frame_id'])}{suffix}"
                write_image(folder, relative, image["bytes"], written, key)
        for row in rows:
            if row["question_vsi"] is None:
                left_out += 1
                continue
            records = per_split.setdefault(files.key(row), [])
            records.append(
                {
                    "id": len(records),
                    "dataset": safe_name(row["source"]),  # the folder of its frames
                    "scene_name": scene_name(row["scene_id"], row["degradation"]),
                    "question_type": row["task"],
                    "question": row["question_vsi"],
                    "ground_truth": row["answer"],
                    "options": list(row["choices"]) if row["answer_type"] == "mc" else None,
                }
            )
    for split in files.all():
        table = pa.Table.from_pylist(per_split.get(split, []), schema=VSIBENCH)
        pq.write_table(table, files.path(split), compression="zstd")
    counts = {split: len(records) for split, records in per_split.items()}
    return summary(counts, files, written, folder, left_out)
