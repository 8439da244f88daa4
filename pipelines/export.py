"""Exports of a built dataset into the formats trainers and evaluators read as they are.

``llava``: LLaVA/ShareGPT conversation JSON, one ``<image>`` token per image, the image files
written next to the JSON (``images/``), paths relative to the JSON's folder.
``vsibench``: a Parquet file with VSI-Bench's columns (``nyu-visionx/VSI-Bench``: id, dataset,
scene_name, question_type, question, ground_truth, options) for lmms-eval, each scene's frames
written as images next to it (``<dataset>/<scene_name>/``).

Both read the build shard by shard (a data part and the frames part of the same name), so the
memory held is one shard's, whatever the size of the dataset.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.storage import Storage

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


def variant_of(degradation: dict | None) -> tuple[str, int]:
    return ("clean", 0) if degradation is None else (degradation["type"], degradation["severity"])


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


def write_image(folder: Path, relative: str, data: bytes, written: set[str]) -> None:
    if relative not in written:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.add(relative)


def summary(rows: int, written: set[str], image_dir: Path, left_out: int) -> dict:
    return {"rows": rows, "images": len(written), "image_dir": str(image_dir), "left_out": left_out}


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
    """Write LLaVA/ShareGPT JSON to ``out`` and the images under ``out``'s folder/images."""
    out = Path(out)
    folder = out.parent
    folder.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    count = 0
    with open(out, "w") as handle:
        handle.write("[")
        for rows, frames in shards(dataset):
            index = frame_index(frames)
            for row in rows:
                paths = []
                for view in row["views"]:
                    image = index.get((row["scene_id"], view, *variant_of(row["degradation"])))
                    if image is None:
                        raise SpatialQAError(
                            f"{dataset}: sample {row['id']}: no image of view {view!r} in "
                            "frames/ (was it built with output.inline_images: none?)"
                        )
                    relative = f"images/{image['path']}"
                    write_image(folder, relative, image["bytes"], written)
                    paths.append(relative)
                handle.write(",\n" if count else "\n")
                handle.write(json.dumps(llava_record(row, paths), ensure_ascii=False))
                count += 1
        handle.write("\n]\n")
    return summary(count, written, folder / "images", 0)


def scene_name(scene_id: str, degradation: dict | None) -> str:
    """A degraded copy is its own "scene" in VSI-Bench's layout: its frames differ."""
    kind, severity = variant_of(degradation)
    return scene_id if kind == "clean" else f"{scene_id}__{kind}{severity}"


def export_vsibench(dataset: str | Path, out: str | Path) -> dict:
    """Write the rows that have a VSI-Bench form (``question_vsi``) in VSI-Bench's columns.

    ``id`` is the row's position (VSI-Bench's ids are integers); rows keep the build's order.
    """
    out = Path(out)
    folder = out.parent
    folder.mkdir(parents=True, exist_ok=True)
    records: list[dict] = []
    written: set[str] = set()
    left_out = 0
    for rows, frames in shards(dataset):
        source = {row["scene_id"]: row["source"] for row in rows}
        for frame in sorted(frames, key=lambda f: (f["scene_id"], f["timestamp"], f["frame_id"])):
            if frame["scene_id"] in source:
                name = scene_name(frame["scene_id"], frame["degradation"])
                suffix = Path(frame["image"]["path"]).suffix
                relative = f"{source[frame['scene_id']]}/{name}/{frame['frame_id']}{suffix}"
                write_image(folder, relative, frame["image"]["bytes"], written)
        for row in rows:
            if row["question_vsi"] is None:
                left_out += 1
                continue
            records.append(
                {
                    "id": len(records),
                    "dataset": row["source"],
                    "scene_name": scene_name(row["scene_id"], row["degradation"]),
                    "question_type": row["task"],
                    "question": row["question_vsi"],
                    "ground_truth": row["answer"],
                    "options": list(row["choices"]) if row["answer_type"] == "mc" else None,
                }
            )
    pq.write_table(pa.Table.from_pylist(records, schema=VSIBENCH), out, compression="zstd")
    return summary(len(records), written, folder, left_out)
