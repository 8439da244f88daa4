"""``spatialqa export vlmevalkit``: VLMEvalKit's TSV layouts, one file per degradation variant.

- ``spatialqa_mcq_<variant>.tsv``, the image multiple-choice layout VLMEvalKit's
  ``ImageMCQDataset`` / ``CustomMCQDataset`` read: ``index``, ``image`` (the view as base64;
  several views: a list of them, with ``image_path`` naming each), ``question`` (the stem),
  one column per option letter ``A``, ``B``, ... (the option's text), ``answer`` (the letter),
  ``category`` (the task), and ``spatialqa_id``. A single-view row whose view an earlier row of
  the file already holds gives that row's index instead of the bytes, as VLMEvalKit's TSVs do
  to save space. Rows: the multiple-choice samples that have no VSI-Bench form.
- ``spatialqa_vsi_<variant>.tsv``, the VSI-Bench video layout of VLMEvalKit's VSI-Bench
  dataset class: ``index``, ``video`` (``videos/<dataset>/<scene_name>.mp4``, relative to the
  folder), ``question``, ``question_type``, ``candidates`` (the lettered options as a Python
  list literal, empty for numeric questions), ``answer``, ``spatialqa_id``. Rows: those with a
  VSI-Bench form; the videos are made as for lmms-eval (``spatialqa.pipelines.videos``).

With ``LMUData=DIR``, VLMEvalKit finds an MCQ file by its name (``--data spatialqa_mcq_clean``)
and treats it as a custom MCQ dataset (it has ``A`` and ``B``). A build with ``split:`` names
its files ``spatialqa_<layout>_<split>_<variant>.tsv``. Other rows (numbers, yes/no, boxes,
maps without a VSI-Bench form) are left out and counted.

A sample whose question points at marks (point correspondence) shows its own images, the marks
drawn on them, never the frame's (``export.sample_images``); one built without them, and a
marked sample with a VSI-Bench form (its video is made from the unmarked frames), is left out
with a warning naming its task.
"""

from __future__ import annotations

import base64
import csv
import string
from pathlib import Path

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.export import (
    EmptyExport,
    SplitFiles,
    choice_texts,
    count_rows,
    frame_index,
    image_refusal,
    inside,
    question_stem,
    safe_name,
    sample_images,
    shards,
    variant_name,
    variant_of,
    video_refusal,
    warn_refused,
)
from spatialqa.pipelines.lmms_eval import QUESTION_TYPES, is_vsi
from spatialqa.pipelines.videos import video_path, write_videos

MCQ_COLUMNS = ("index", "image", "image_path", "question")
TAIL_COLUMNS = ("answer", "category", "spatialqa_id")
VSI_COLUMNS = (
    "index",
    "video",
    "question",
    "question_type",
    "candidates",
    "answer",
    "spatialqa_id",
)
REFERENCE_LIMIT = 64
"""VLMEvalKit reads an ``image`` of at most 64 characters as another row's index."""


def is_mcq(row: dict) -> bool:
    return row["answer_type"] == "mc" and not is_vsi(row)


def file_name(layout: str, split: str | None, degradation: dict | None) -> str:
    parts = ["spatialqa", layout, *([safe_name(split)] if split is not None else [])]
    return "_".join([*parts, variant_name(degradation)]) + ".tsv"


def write_tsv(path: Path, columns: list[str], records: list[dict]) -> None:
    """Tab-separated, quoted where a field holds a tab, newline or quote: pandas' ``read_csv(
    sep='\\t')``, which VLMEvalKit's ``load`` uses, reads the fields back as written."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)


class McqFile:
    """The records of one MCQ file, each view's base64 held once (later rows point to it)."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.holder: dict[tuple, int] = {}  # single-view frame key -> the index holding it

    def add(self, row: dict, images: list[tuple[tuple, bytes, str]]) -> None:
        index = len(self.records)
        options = choice_texts(row)
        if len(options) > len(string.ascii_uppercase):
            raise SpatialQAError(f"sample {row['id']}: more than 26 choices")
        record = {"index": index, "question": question_stem(row)}
        if len(images) == 1:
            key, data, suffix = images[0]
            if key in self.holder:
                record["image"] = str(self.holder[key])
            else:
                record["image"] = base64.b64encode(data).decode("ascii")
                self.holder[key] = index
            record["image_path"] = f"{index}{suffix}"
        else:
            encoded = [base64.b64encode(data).decode("ascii") for _, data, _ in images]
            names = [f"{index}_{number}{suffix}" for number, (_, _, suffix) in enumerate(images)]
            record["image"], record["image_path"] = repr(encoded), repr(names)
        record.update(zip(string.ascii_uppercase, options, strict=False))
        record.update(answer=row["answer"], category=row["task"], spatialqa_id=row["id"])
        self.records.append(record)

    def columns(self) -> list[str]:
        letters = max(sum(c in r for c in string.ascii_uppercase) for r in self.records)
        return [*MCQ_COLUMNS, *string.ascii_uppercase[: max(letters, 2)], *TAIL_COLUMNS]


def empty_hint(dataset: str | Path, total: int) -> str:
    return (
        f"{dataset}: none of its {total} samples is multiple choice or has a VSI-Bench form, so "
        "there is nothing to export for VLMEvalKit (nothing written); add a multiple-choice "
        "task (spatialqa tasks lists them, answer_type mc) or a VSI-Bench task "
        f"({', '.join(QUESTION_TYPES)}) to the config and build again"
    )


def refusal(row: dict) -> str | None:
    """Why the export leaves ``row`` out for its marks: a VSI row that has any (its video shows
    the frames), an image row without its marked images."""
    return video_refusal(row) if is_vsi(row) else image_refusal(row)


def export_vlmevalkit(dataset: str | Path, out: str | Path) -> dict:
    """Write VLMEvalKit's TSVs (and the VSI rows' videos) into the folder ``out``."""
    counted = count_rows(dataset, lambda row: is_mcq(row) or is_vsi(row), refusal)
    if not counted.kept and not counted.refused:
        raise EmptyExport(empty_hint(dataset, counted.total))
    warn_refused(dataset, "vlmevalkit", counted)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SpatialQAError(f"{folder}: not a folder (export vlmevalkit writes a folder)")
    folder.mkdir(parents=True, exist_ok=True)
    splits = SplitFiles(dataset, folder / "unused")  # only its split bookkeeping
    mcq: dict[str, McqFile] = {}
    vsi: dict[str, list[dict]] = {}
    videos: dict[str, int] = {}
    left_out = 0
    for rows, frames in shards(dataset):
        index = frame_index(frames)
        wanted = []
        for row in rows:
            if (is_vsi(row) or is_mcq(row)) and refusal(row):  # warned above
                left_out += 1
            elif is_vsi(row):
                name = file_name("vsi", splits.key(row), row["degradation"])
                records = vsi.setdefault(name, [])
                mc = row["answer_type"] == "mc"
                records.append(
                    {
                        "index": len(records),
                        "video": video_path(row["source"], row["scene_id"], row["degradation"]),
                        "question": row["question_vsi"],
                        "question_type": row["task"],
                        "candidates": repr(list(row["choices"])) if mc else "",
                        "answer": row["answer"],
                        "spatialqa_id": row["id"],
                    }
                )
                wanted.append((row["source"], row["scene_id"], *variant_of(row["degradation"])))
            elif is_mcq(row):
                images = [
                    (key, image["bytes"], Path(relative).suffix)
                    for key, image, relative in sample_images(row, index, dataset)
                ]
                name = file_name("mcq", splits.key(row), row["degradation"])
                mcq.setdefault(name, McqFile()).add(row, images)
            else:
                left_out += 1
        videos.update(write_videos(folder, frames, wanted))
    files = {}
    for name, table in sorted(mcq.items()):
        write_tsv(inside(folder, name), table.columns(), table.records)
        files[str(folder / name)] = len(table.records)
    for name, records in sorted(vsi.items()):
        write_tsv(inside(folder, name), list(VSI_COLUMNS), records)
        files[str(folder / name)] = len(records)
    return {
        "rows": sum(files.values()),
        "files": files,
        "videos": len(videos),
        "video_dir": str(folder / "videos"),
        "left_out": left_out,
        "left_out_marks": sum(counted.refused.values()),  # of left_out: warned of above
    }
