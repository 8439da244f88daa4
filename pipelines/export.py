"""Exports of a built dataset into the formats trainers and evaluators read as they are.

Conversations (``export_conversations``), one record per sample, the images written next to
the file (``images/``), paths relative to the file's folder:

- ``llava``: LLaVA's conversation JSON, one ``<image>`` token per image;
- ``sharegpt``: LLaMA-Factory's sharegpt layout (``conversations`` + ``images``), with a
  ``dataset_info.json`` entry beside it;
- ``swift``: ms-swift's standard layout (``messages`` with roles + ``images``);
- ``r1``: the R1-style RL layout (``problem``, ``options``, ``solution`` = ``<answer>...</answer>``,
  ``problem_type``, ``data_type``, media paths) Video-R1 and its successors train on.

``.jsonl`` as the file's suffix writes one record a line, anything else one JSON list. The
evaluation exports (``vsibench`` for lmms-eval, ``vlmevalkit``) live in
``spatialqa.pipelines.lmms_eval`` and ``spatialqa.pipelines.vlmevalkit``; this module holds what
they share.

Every export reads the build shard by shard (a data part and the frames part of the same name),
so the memory held is one shard's, whatever the size of the dataset. A build with ``split:``
exports one file per split, ``<out stem>_<split><suffix>`` beside ``out`` (``llava_train.json``,
``llava_val.json``, ...), so no scene is in two of them; the images are shared. An export with
no row to write raises ``EmptyExport`` before it writes anything.

Every id that becomes part of a file name (scene, frame, source kind, degradation type) goes
through ``safe_name``, and every file is checked to lie inside the output folder before it is
written: a dataset's contents never choose where its export writes. Answers are written as the
build stores them (an answer of type ``map`` is its JSON text, passed through unchanged).

A sample whose question points at marks (``labels["marks"]``: point correspondence) holds its
own images, the marks drawn on the delivered ones (``<frame>__marks_<row id>.<ext>``); the
frames table keeps them unmarked. Every export shows such a sample its own images (written at
``images/<scene>/marks/<frame><variant>__<row id><suffix>``, a folder no frame's file can
name), never the frame's. A marked sample without its marked images (built with
``output.inline_images: none``, or ``few`` with more than two views) is left out with a warning
naming its task, as is a marked sample in a video export (the videos are made from the
frames).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple, TextIO

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

FrameKey = tuple[str, str, str, int]  # scene_id, frame_id, degradation type, severity
ImageKey = tuple[str, ...]  # a FrameKey, or ("marks", row id, frame_id): a row's own image
MARKS_TAG = "__marks_"
"""In an inline image's path: the row drew its marks on it (``<frame>__marks_<row id>.<ext>``,
``shard.sample_row``), so it differs from the frame's image."""


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
    storage, parts = data_parts(dataset)
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
    folder: Path, relative: str, data: bytes, written: dict[str, ImageKey], key: ImageKey
) -> None:
    """Write the image of frame ``key`` (or a row's own image) once, at ``relative`` inside
    ``folder``; a second image at the same path is an error, not a silent overwrite or a
    skipped image."""
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
    rows: dict[str | None, int],
    files: SplitFiles,
    written: dict,
    image_dir: Path,
    left_out: int,
    left_out_marks: int,
) -> dict:
    """What an export wrote: rows in all, and per file (``files``: path -> rows); the rows
    left out (``left_out``), of them ``left_out_marks`` for marks the export cannot show."""
    return {
        "rows": sum(rows.values()),
        "files": {str(files.path(split)): rows.get(split, 0) for split in files.all()},
        "images": len(written),
        "image_dir": str(image_dir),
        "left_out": left_out,
        "left_out_marks": left_out_marks,
    }


class EmptyExport(SpatialQAError):
    """The build holds no row the export can write; nothing was written. The message says
    which tasks would give some."""


def data_parts(dataset: str | Path) -> tuple[Storage, list[str]]:
    storage = Storage.at(dataset)
    parts = [p for p in storage.files("data") if p.endswith(".parquet") and "/." not in p]
    if not parts:
        raise SpatialQAError(f"{storage.display()}: no data/*.parquet (is it a spatialqa build?)")
    return storage, parts


def labels_of(row: dict) -> dict:
    """The row's ``labels`` JSON as a dict (``{}`` when it has none)."""
    text = row.get("labels")
    if text is None:
        return {}
    try:
        labels = json.loads(text)
    except ValueError as exc:
        raise SpatialQAError(f"sample {row['id']}: labels: not JSON ({exc})") from None
    if not isinstance(labels, dict):
        raise SpatialQAError(f"sample {row['id']}: labels: not a JSON object")
    return labels


def marked_views(row: dict) -> list[str]:
    """The row's views its question marks points on (``labels["marks"]``: frame id -> a
    non-empty list), in view order."""
    marks = labels_of(row).get("marks")
    if not isinstance(marks, dict):
        return []
    return [view for view in row["views"] if marks.get(view)]


def own_images(row: dict) -> list[dict | None]:
    """Per view, the row's inline image where it is the row's own (its marks drawn on it, which
    its path says), else None: the frame's image is the same picture. Inline images follow the
    views one for one; a row that holds none (or not one per view) has no own image."""
    images = list(row.get("images") or [])
    if len(images) != len(row["views"]):
        return [None] * len(row["views"])
    return [image if MARKS_TAG in str(image["path"]) else None for image in images]


def lacks_marked_images(row: dict) -> bool:
    """A view is marked but the row holds no marked image of it: the frame's image would show
    the question without the marks it points at, so image exports leave the row out."""
    own = dict(zip(row["views"], own_images(row), strict=True))
    return any(own[view] is None for view in marked_views(row))


def shows_marks(row: dict) -> bool:
    """The row's pictures are not the frames' (marks): video exports, made from the frames,
    leave it out."""
    return bool(marked_views(row)) or any(image is not None for image in own_images(row))


IMAGE_REFUSAL = (
    "its question points at marks (labels.marks) drawn on no image the sample holds (built "
    "with output.inline_images: none, or few with more than two views), and the frames' images "
    "are unmarked; build with output.inline_images: all to export them"
)
VIDEO_REFUSAL = (
    "its question points at marks (labels.marks) drawn on the sample's own images, and the "
    "videos are made from the frames' unmarked images"
)


def image_refusal(row: dict) -> str | None:
    """Why an image export leaves ``row`` out (None: it does not)."""
    return IMAGE_REFUSAL if lacks_marked_images(row) else None


def video_refusal(row: dict) -> str | None:
    """Why a video export leaves ``row`` out (None: it does not)."""
    return VIDEO_REFUSAL if shows_marks(row) else None


class Counted(NamedTuple):
    kept: int
    """Rows ``keep`` accepts that the export writes."""
    total: int
    """Rows in the build."""
    refused: dict[tuple[str, str], int]
    """Rows ``keep`` accepts that ``refuse`` leaves out (marks), by (task, why)."""


def count_rows(
    dataset: str | Path,
    keep: Callable[[dict], bool],
    refuse: Callable[[dict], str | None] = image_refusal,
) -> Counted:
    """What an export will write, from the scoring columns, the labels and the inline
    images' paths only (not their bytes): an export checks it has something to write before
    it writes anything."""
    storage, parts = data_parts(dataset)
    kept = total = 0
    refused: dict[tuple[str, str], int] = {}
    for part in parts:
        with storage.fs.open_input_file(storage.path(part)) as handle:
            parquet = pq.ParquetFile(handle)
            names = parquet.schema_arrow.names
            columns = [c for c in (*COUNT_COLUMNS, "id", "labels") if c in names]
            # the images' paths alone: a leaf of the nested column, read without the bytes
            leaves = [column.path for column in parquet.schema]
            columns += [c for c in leaves if c.startswith("images.") and c.endswith(".path")]
            rows = parquet.read(columns=columns).to_pylist()
        for row in rows:
            total += 1
            if not keep(row):
                continue
            why = refuse(row)
            if why is None:
                kept += 1
            else:
                refused[row["task"], why] = refused.get((row["task"], why), 0) + 1
    return Counted(kept, total, refused)


COUNT_COLUMNS = ("task", "answer_type", "question_vsi", "views")
"""The scoring columns ``count_rows`` reads; an export's ``keep`` looks at no other."""


def refusals(dataset: str | Path, export: str, refused: dict[tuple[str, str], int]) -> list[str]:
    """One message per task (and reason) whose samples the export leaves out for their marks."""
    return [
        f"{dataset}: export {export}: left out {rows} sample(s) of task {task!r}: {why}"
        for (task, why), rows in sorted(refused.items())
    ]


def warn_refused(dataset: str | Path, export: str, counted: Counted) -> None:
    """Warn of the rows the export leaves out for their marks (they are counted in
    ``left_out``); raise ``EmptyExport`` when they are all it had to write."""
    messages = refusals(dataset, export, counted.refused)
    if messages and not counted.kept:
        raise EmptyExport("; ".join(messages) + "; nothing else to export (nothing written)")
    for message in messages:
        warnings.warn(message, stacklevel=3)


def question_stem(row: dict) -> str:
    """The question without its option lines: a multiple-choice question is stored as the stem,
    then one line per choice (``A. ...``), and harnesses that show the options themselves want
    the stem alone."""
    question = row["question"]
    choices = list(row.get("choices") or [])
    listed = "\n" + "\n".join(choices)
    if choices and question.endswith(listed):
        return question[: -len(listed)]
    return question


CHOICE = re.compile(r"([A-Z])\. (.*)", re.DOTALL)


def choice_texts(row: dict) -> list[str]:
    """The choices' texts without their letters (``A. sofa`` -> ``sofa``), in letter order;
    a choice not lettered in order is refused, naming the sample."""
    texts = []
    for number, choice in enumerate(row.get("choices") or []):
        match = CHOICE.fullmatch(choice)
        if not match or match.group(1) != chr(ord("A") + number):
            raise SpatialQAError(
                f"sample {row['id']}: choices[{number}] {choice!r} is not lettered "
                f"'{chr(ord('A') + number)}. ...'"
            )
        texts.append(match.group(2))
    return texts


def variant_name(degradation: dict | None) -> str:
    """``clean``, or the type and severity as one name (``jpeg3``): one evaluation task or file
    per variant, so that scores never blend clean and degraded views."""
    kind, severity = variant_of(degradation)
    return "clean" if kind == "clean" else f"{safe_name(kind)}{int(severity)}"


def scene_name(scene_id: str, degradation: dict | None) -> str:
    """A degraded copy is its own "scene" in VSI-Bench's layout: its frames differ. A folder
    name, so made of safe names."""
    return f"{safe_name(scene_id)}{variant_tag(degradation)}"


STYLES = ("llava", "sharegpt", "swift", "r1")
"""The conversation styles ``export_conversations`` writes."""
MEDIA_TOKENS = ("<image>", "<video>")
PROBLEM_TYPES = {"mc": "multiple choice", "number": "numerical", "integer": "numerical"}
"""R1-style ``problem_type`` by answer type; any other (yes/no, box, point, map) is
``free-form``, its answer the text the build stores."""


def prompt_with_images(row: dict, images: list[str]) -> str:
    """One ``<image>`` token per image, then the question: LLaVA's, LLaMA-Factory's and
    ms-swift's rule (as many tokens as images). A question that holds a media token itself
    would break the count, so it is refused."""
    for token in MEDIA_TOKENS:
        if token in row["question"]:
            raise SpatialQAError(f"sample {row['id']}: the question holds {token!r}")
    return "".join("<image>\n" for _ in images) + row["question"]


def llava_record(row: dict, images: list[str]) -> dict:
    """LLaVA: ``id``, ``image`` (one path, or a list), ``conversations`` (human, gpt)."""
    record: dict = {"id": row["id"]}
    if images:
        record["image"] = images[0] if len(images) == 1 else images
    record["conversations"] = [
        {"from": "human", "value": prompt_with_images(row, images)},
        {"from": "gpt", "value": row["answer"]},
    ]
    return record


def sharegpt_record(row: dict, images: list[str]) -> dict:
    """LLaMA-Factory's sharegpt: ``conversations`` with its default tags (from/value,
    human/gpt) and ``images``."""
    return {
        "id": row["id"],
        "conversations": [
            {"from": "human", "value": prompt_with_images(row, images)},
            {"from": "gpt", "value": row["answer"]},
        ],
        "images": images,
    }


def swift_record(row: dict, images: list[str]) -> dict:
    """ms-swift's standard form: ``messages`` (role, content) and ``images``."""
    return {
        "id": row["id"],
        "messages": [
            {"role": "user", "content": prompt_with_images(row, images)},
            {"role": "assistant", "content": row["answer"]},
        ],
        "images": images,
    }


def r1_record(row: dict, images: list[str], number: int) -> dict:
    """R1-style: the stem as ``problem``, the lettered ``options``, the answer wrapped as
    ``<answer>...</answer>`` in ``solution``; ``images`` lists every view, and ``path`` (the one
    medium Video-R1 reads) is there when there is exactly one."""
    mc = row["answer_type"] == "mc"
    record = {
        "problem_id": number,
        "id": row["id"],
        "problem": question_stem(row) if mc else row["question"],
        "data_type": "image",
        "problem_type": PROBLEM_TYPES.get(row["answer_type"], "free-form"),
        "options": list(row["choices"] or []) if mc else [],
        "solution": f"<answer>{row['answer']}</answer>",
        "images": images,
        "data_source": f"spatialqa/{row['task']}",
    }
    if len(images) == 1:
        record["path"] = images[0]
    return record


def sharegpt_info(path: Path) -> dict:
    """The ``dataset_info.json`` entry LLaMA-Factory needs for one sharegpt file."""
    return {
        "file_name": path.name,
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "images": "images"},
    }


def write_dataset_info(folder: Path, files: list[Path]) -> Path:
    """Add (or replace) one entry per file, named by the file's stem, to the folder's
    ``dataset_info.json``; other entries in it are kept."""
    target = inside(folder, "dataset_info.json")
    info = {}
    if target.exists():
        try:
            info = json.loads(target.read_text())
        except ValueError as exc:
            raise SpatialQAError(f"{target}: not JSON ({exc}); move it away first") from None
        if not isinstance(info, dict):
            raise SpatialQAError(f"{target}: not a JSON object; move it away first")
    for path in files:
        info[path.stem] = sharegpt_info(path)
    target.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return target


def sample_images(
    row: dict, index: dict[FrameKey, dict], dataset: str | Path
) -> list[tuple[ImageKey, dict, str]]:
    """(key, image struct, path relative to the export's folder) of each of the row's views, in
    view order: the frame's image, or the row's own where it holds one (marks drawn on it).
    For rows ``lacks_marked_images`` passes (it leaves the others out)."""
    tag = variant_tag(row["degradation"])
    scene = safe_name(row["scene_id"])
    chosen = []
    for view, own in zip(row["views"], own_images(row), strict=True):
        if own is not None:
            # marks/ holds no frame's file (a frame's name always has a suffix, never a "/")
            key: ImageKey = ("marks", row["id"], view)
            image = own
            stem = f"{scene}/marks/{safe_name(view)}{tag}__{safe_name(row['id'])}"
        else:
            key = frame_key(row["scene_id"], view, row["degradation"])
            image = index.get(key)
            if image is None:
                raise SpatialQAError(
                    f"{dataset}: sample {row['id']}: no image of view {view!r} in "
                    "frames/ (was it built with output.inline_images: none?)"
                )
            stem = f"{scene}/{safe_name(view)}{tag}"  # the build's own layout, from safe names
        chosen.append((key, image, f"images/{stem}{image_suffix(image['path'], image['bytes'])}"))
    return chosen


def row_images(
    folder: Path,
    row: dict,
    index: dict[FrameKey, dict],
    written: dict[str, ImageKey],
    dataset: str | Path,
) -> list[str]:
    """Write the row's images once each under ``folder/images`` and return their paths,
    relative to ``folder``, in the row's view order."""
    paths = []
    for key, image, relative in sample_images(row, index, dataset):
        write_image(folder, relative, image["bytes"], written, key)
        paths.append(relative)
    return paths


def export_conversations(dataset: str | Path, out: str | Path, style: str = "llava") -> dict:
    """Write every sample as one conversation record of ``style`` to ``out`` (one file per
    split when the build has them; ``.jsonl``: a record a line, else a JSON list) and its
    images under ``out``'s folder/images."""
    if style not in STYLES:
        raise SpatialQAError(f"conversation style {style!r}: not one of {', '.join(STYLES)}")
    out = Path(out)
    counted = count_rows(dataset, lambda row: True)
    if not counted.total:
        raise EmptyExport(
            f"{dataset}: the build holds no sample, so there is nothing to export as {style}; "
            "add tasks to the config (spatialqa tasks lists them) and build again"
        )
    warn_refused(dataset, style, counted)
    folder = out.parent
    folder.mkdir(parents=True, exist_ok=True)
    lines = out.suffix == ".jsonl"
    written: dict[str, ImageKey] = {}
    files = SplitFiles(dataset, out)
    counts: dict[str | None, int] = {}
    handles: dict[str | None, TextIO] = {}
    number = left_out = 0
    with ExitStack() as stack:

        def handle_for(split: str | None) -> TextIO:
            if split not in handles:
                handles[split] = stack.enter_context(open(files.path(split), "w"))
                if not lines:
                    handles[split].write("[")
            return handles[split]

        for split in files.configured:  # a split with no scene still gets its (empty) file
            handle_for(split)
        for rows, frames in shards(dataset):
            index = frame_index(frames)
            for row in rows:
                if image_refusal(row):  # warned above
                    left_out += 1
                    continue
                paths = row_images(folder, row, index, written, dataset)
                if style == "llava":
                    record = llava_record(row, paths)
                elif style == "sharegpt":
                    record = sharegpt_record(row, paths)
                elif style == "swift":
                    record = swift_record(row, paths)
                else:
                    record = r1_record(row, paths, number)
                number += 1
                split = files.key(row)
                handle = handle_for(split)
                text = json.dumps(record, ensure_ascii=False)
                if lines:
                    handle.write(text + "\n")
                else:
                    handle.write(",\n" if counts.get(split) else "\n")
                    handle.write(text)
                counts[split] = counts.get(split, 0) + 1
        if not lines:
            for handle in handles.values():
                handle.write("\n]\n")
    # a conversation has a form for every row: only marks leave rows out
    result = summary(counts, files, written, folder / "images", left_out, left_out)
    if style == "sharegpt":
        result["dataset_info"] = str(
            write_dataset_info(folder, [files.path(split) for split in files.all()])
        )
    return result


def export_llava(dataset: str | Path, out: str | Path) -> dict:
    """Write LLaVA conversation JSON to ``out`` (one file per split when the build has them)
    and the images under ``out``'s folder/images."""
    return export_conversations(dataset, out, "llava")
