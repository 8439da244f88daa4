"""``spatialqa export vsibench``: a folder lmms-eval runs as it is.

    lmms-eval --include_path DIR --tasks spatialqa_vsibench --model ... --output_path ...

The folder holds:

- ``test.parquet``: every exported row in VSI-Bench's columns (``nyu-visionx/VSI-Bench``: id,
  dataset, scene_name, question_type, question, ground_truth, options) plus ``spatialqa_id``,
  the sample's id in the build; ``id`` is the row's position in this file (VSI-Bench's ids are
  integers), so ``spatialqa eval --format vsibench DIR/test.parquet`` scores replies keyed by it;
- one lmms-eval task per degradation variant, ``spatialqa_vsibench_<variant>.yaml`` with its
  rows in ``spatialqa_vsibench_<variant>.parquet`` (``clean``, ``jpeg3``, ...: scores never
  blend clean and degraded views), and the group ``spatialqa_vsibench.yaml`` over them;
- ``utils.py``: the task functions (``spatialqa.pipelines.vsibench_task``);
- ``videos/<dataset>/<scene_name>.mp4``: one video per (dataset, scene, variant) from the
  delivered frames, where lmms-eval's vsibench rule ``<cache>/<dataset>/<scene_name>.mp4``
  finds it with ``videos/`` as the cache.

The YAMLs name their Parquet files by absolute path (lmms-eval hands ``data_files`` to
``datasets.load_dataset`` as they are, relative to where it runs): a moved folder is exported
again. A build with ``split:`` gets ``test_<split>.parquet`` and tasks
``spatialqa_vsibench_<split>_<variant>``. Rows without a VSI-Bench form (``question_vsi``), or
of a question type VSI-Bench does not have, are left out and counted; so is, with a warning
naming its task, a row whose question points at marks (``labels.marks``): the videos show the
frames, which do not carry them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines import vsibench_task
from spatialqa.pipelines.export import (
    EmptyExport,
    SplitFiles,
    count_rows,
    inside,
    safe_name,
    scene_name,
    shards,
    variant_name,
    variant_of,
    video_refusal,
    warn_refused,
)
from spatialqa.pipelines.videos import write_videos

VSIBENCH = pa.schema(
    [
        ("id", pa.int64()),
        ("dataset", pa.string()),
        ("scene_name", pa.string()),
        ("question_type", pa.string()),
        ("question", pa.string()),
        ("ground_truth", pa.string()),
        ("options", pa.list_(pa.string())),
        ("spatialqa_id", pa.string()),
    ]
)
"""VSI-Bench's columns and types, then the link back to the build's sample."""
GROUP = "spatialqa_vsibench"
QUESTION_TYPES = vsibench_task.NA_QUESTION_TYPES + vsibench_task.MCA_QUESTION_TYPES
GENERATION = {"max_new_tokens": 16, "temperature": 0, "top_p": 1.0, "num_beams": 1}
"""lmms-eval vsibench's generation settings (greedy, 16 new tokens)."""


def is_vsi(row: dict) -> bool:
    return row["question_vsi"] is not None and row["task"] in QUESTION_TYPES


def task_name(split: str | None, degradation: dict | None) -> str:
    parts = [GROUP, *([safe_name(split)] if split is not None else []), variant_name(degradation)]
    return "_".join(parts)


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def task_yaml(task: str, data_file: Path) -> str:
    """One lmms-eval task over one variant's rows: the fields of lmms-eval's own
    ``tasks/vsibench/vsibench.yaml``, the data from the local Parquet file."""
    metrics = ["vsibench_overall", *vsibench_task.METRICS]
    lines = [
        f"task: {task}",
        "dataset_path: parquet",
        "dataset_kwargs:",
        "  data_files:",
        f"    test: {quoted(str(data_file))}",
        "test_split: test",
        "output_type: generate_until",
        "doc_to_visual: !function utils.vsibench_doc_to_visual",
        "doc_to_text: !function utils.vsibench_doc_to_text",
        "doc_to_target: ground_truth",
        "generation_kwargs:",
        *(f"  {key}: {value}" for key, value in GENERATION.items()),
        "  do_sample: false",
        "process_results: !function utils.vsibench_process_results",
        "metric_list:",
    ]
    for metric in metrics:
        function = f"vsibench_aggregate_{metric.removeprefix('vsibench_')}"
        lines += [
            f"  - metric: {metric}",
            f"    aggregation: !function utils.{function}",
            "    higher_is_better: true",
        ]
    lines += [
        "lmms_eval_specific_kwargs:",
        "  default:",
        '    pre_prompt: ""',
        f"    mca_post_prompt: {quoted(vsibench_task.MCA_POST_PROMPT)}",
        f"    na_post_prompt: {quoted(vsibench_task.NA_POST_PROMPT)}",
        "metadata:",
        "  - version: 0.0",
    ]
    return "\n".join(lines) + "\n"


def group_yaml(tasks: list[str]) -> str:
    """The group runs every variant's task; with no aggregate over them, each is reported
    on its own."""
    return "\n".join([f"group: {GROUP}", "task:", *(f"  - {task}" for task in tasks)]) + "\n"


def empty_hint(dataset: str | Path, total: int) -> str:
    return (
        f"{dataset}: none of its {total} samples has a VSI-Bench form, so there is nothing to "
        "export as vsibench (nothing written); add one of the VSI-Bench tasks to the config's "
        f"tasks ({', '.join(QUESTION_TYPES)}) and build again"
    )


def export_vsibench(dataset: str | Path, out: str | Path) -> dict:
    """Write the lmms-eval folder ``out`` for the rows that have a VSI-Bench form."""
    counted = count_rows(dataset, is_vsi, video_refusal)
    if not counted.kept and not counted.refused:
        raise EmptyExport(empty_hint(dataset, counted.total))
    warn_refused(dataset, "vsibench", counted)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise SpatialQAError(f"{folder}: not a folder (export vsibench writes a folder)")
    folder.mkdir(parents=True, exist_ok=True)
    files = SplitFiles(dataset, inside(folder, "test.parquet"))
    per_split: dict[str | None, list[dict]] = {split: [] for split in files.configured}
    per_task: dict[str, list[dict]] = {}
    videos: dict[str, int] = {}
    left_out = 0
    for rows, frames in shards(dataset):
        wanted = []
        for row in rows:
            if not is_vsi(row) or video_refusal(row):  # the latter warned above
                left_out += 1
                continue
            split = files.key(row)
            records = per_split.setdefault(split, [])
            record = {
                "id": len(records),
                "dataset": safe_name(row["source"]),  # the folder of its video
                "scene_name": scene_name(row["scene_id"], row["degradation"]),
                "question_type": row["task"],
                "question": row["question_vsi"],
                "ground_truth": row["answer"],
                "options": list(row["choices"]) if row["answer_type"] == "mc" else None,
                "spatialqa_id": row["id"],
            }
            records.append(record)
            per_task.setdefault(task_name(split, row["degradation"]), []).append(record)
            wanted.append((row["source"], row["scene_id"], *variant_of(row["degradation"])))
        videos.update(write_videos(folder, frames, wanted))
    for stale in folder.glob(f"{GROUP}_*"):  # tasks of an earlier export into this folder
        if stale.suffix in (".yaml", ".parquet") and stale.stem not in per_task:
            stale.unlink()
    for split in files.all():
        table = pa.Table.from_pylist(per_split.get(split, []), schema=VSIBENCH)
        pq.write_table(table, files.path(split), compression="zstd")
    for task, records in per_task.items():
        data_file = inside(folder, f"{task}.parquet")
        pq.write_table(pa.Table.from_pylist(records, schema=VSIBENCH), data_file)
        inside(folder, f"{task}.yaml").write_text(task_yaml(task, data_file))
    inside(folder, f"{GROUP}.yaml").write_text(group_yaml(sorted(per_task)))
    inside(folder, "utils.py").write_text(Path(vsibench_task.__file__).read_text())
    return {
        "rows": sum(len(records) for records in per_split.values()),
        "files": {str(files.path(split)): len(per_split.get(split, [])) for split in files.all()},
        "tasks": {task: len(records) for task, records in sorted(per_task.items())},
        "videos": len(videos),
        "video_dir": str(folder / "videos"),
        "left_out": left_out,
        "left_out_marks": sum(counted.refused.values()),  # of left_out: warned of above
    }
