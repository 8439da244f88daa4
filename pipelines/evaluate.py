"""Score a model's replies against a built dataset (or a VSI-Bench-format file).

Every dataset id must be answered: a missing reply scores 0 (the worst case, as lmms-eval
scores an unparseable one) and is reported; a reply whose id is not in the dataset is
reported and not scored; an id answered twice is an error.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.generators.metrics import (
    DIRECTION_TASKS,
    abstention,
    aggregate,
    is_abstention,
    metric_score,
    parse_point,
    point_distance,
    vsibench_overall,
)

VSI_MC_TASKS = (*DIRECTION_TASKS, "object_rel_distance", "route_planning", "obj_appearance_order")
VSI_NUMERIC_TASKS = (
    "object_abs_distance",
    "object_counting",
    "object_size_estimation",
    "room_size_estimation",
)
COLUMNS = ("id", "task", "answer_type", "answer", "metric", "answerable")


@dataclass
class Scores:
    """Per-task scores with macro/micro aggregates and what could not be matched."""

    tasks: dict[str, dict[str, Any]]
    macro: float
    micro: float
    vsibench_overall: float | None  # over the VSI-Bench tasks present, directions first
    abstention: dict[str, Any] | None
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "macro": self.macro,
            "micro": self.micro,
            "aggregates": "macro = mean over tasks; micro = mean over items",
            "vsibench_overall": self.vsibench_overall,
            "abstention": self.abstention,
            "missing_ids": self.missing,
            "unknown_ids": self.unknown,
        }

    def table(self) -> str:
        """The per-task table as a terminal shows it."""
        width = max([len(t) for t in self.tasks] + [len("task")])
        lines = [f"{'task':<{width}}  {'n':>6}  {'metric':<10}  {'score':>7}  missing"]
        for task, row in self.tasks.items():
            lines.append(
                f"{task:<{width}}  {row['n']:>6}  {row['metric']:<10}  "
                f"{row['score']:>7.4f}  {row['missing']}"
            )
        lines.append(f"macro (mean over tasks): {self.macro:.4f}")
        lines.append(f"micro (mean over items): {self.micro:.4f}")
        if self.vsibench_overall is not None:
            lines.append(
                f"VSI-Bench overall (directions averaged first): {self.vsibench_overall:.4f}"
            )
        if self.abstention:
            a = self.abstention
            lines.append(
                f"abstention: precision {_fmt(a['precision'])}, recall {_fmt(a['recall'])} "
                f"({a['abstained']} abstained, {a['unanswerable']} unanswerable)"
            )
        if self.missing:
            lines.append(f"{len(self.missing)} dataset ids had no reply (scored 0)")
        if self.unknown:
            lines.append(f"{len(self.unknown)} replies had ids not in the dataset (not scored)")
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def read_predictions(path: str | Path) -> dict[str, str]:
    """``id -> response`` from JSONL (one object a line) or Parquet with those two columns."""
    path = Path(path)
    if not path.exists():
        raise SpatialQAError(f"{path}: no such predictions file")
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    else:
        rows = []
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise SpatialQAError(f"{path}: line {number}: not JSON ({exc})") from None
    predictions: dict[str, str] = {}
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict) or "id" not in row or "response" not in row:
            raise SpatialQAError(f"{path}: record {number}: needs the fields 'id' and 'response'")
        key = str(row["id"])
        if key in predictions:
            raise SpatialQAError(f"{path}: record {number}: id {key!r} answered twice")
        predictions[key] = "" if row["response"] is None else str(row["response"])
    return predictions


def read_dataset(path: str | Path) -> list[dict[str, Any]]:
    """The sample rows (scoring columns only) of a built dataset directory."""
    root = Path(path)
    files = sorted((root / "data").glob("*.parquet"))
    if not files:
        raise SpatialQAError(f"{root}: no data/*.parquet (is it a spatialqa build?)")
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=list(COLUMNS))
    return table.to_pylist()


def read_vsibench(path: str | Path) -> list[dict[str, Any]]:
    """A VSI-Bench-format file (Parquet, JSON or JSONL) as rows this module scores."""
    path = Path(path)
    if path.suffix == ".parquet":
        docs = pq.read_table(path).to_pylist()
    elif path.suffix == ".jsonl":
        docs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    else:
        docs = json.loads(path.read_text())
    rows = []
    for number, doc in enumerate(docs):
        kind = doc.get("question_type")
        if kind not in VSI_MC_TASKS + VSI_NUMERIC_TASKS:
            raise SpatialQAError(f"{path}: record {number}: question_type: unknown {kind!r}")
        numeric = kind in VSI_NUMERIC_TASKS
        rows.append(
            {
                "id": str(doc["id"]),
                "task": kind,
                "answer_type": "number" if numeric else "mc",
                "answer": str(doc["ground_truth"]),
                "metric": "mra" if numeric else "accuracy",
                "answerable": True,
            }
        )
    return rows


def evaluate(rows: list[dict[str, Any]], predictions: dict[str, str]) -> Scores:
    """Score every row; missing replies score 0 and are listed."""
    per_task: dict[str, list[float]] = defaultdict(list)
    metric: dict[str, str] = {}
    missing_by_task: dict[str, int] = defaultdict(int)
    distances: dict[str, list[float]] = defaultdict(list)
    answerable, abstained, missing = [], [], []
    for row in rows:
        task = row["task"]
        metric[task] = row["metric"]
        reply = predictions.get(row["id"])
        if reply is None:
            missing.append(row["id"])
            missing_by_task[task] += 1
            per_task[task].append(0.0)
            continue
        per_task[task].append(metric_score(row["metric"], row["answer_type"], row["answer"], reply))
        answerable.append(bool(row["answerable"]))
        abstained.append(is_abstention(reply))
        if row["answer_type"] == "point":
            truth, guess = parse_point(row["answer"]), parse_point(reply)
            if truth and guess:
                distances[task].append(point_distance(truth, guess))
    tasks = {}
    for task in sorted(per_task):
        scores = per_task[task]
        tasks[task] = {
            "n": len(scores),
            "metric": metric[task],
            "score": sum(scores) / len(scores),
            "missing": missing_by_task[task],
        }
        if distances[task]:
            tasks[task]["mean_point_distance_per_mille"] = sum(distances[task]) / len(
                distances[task]
            )
    overall = aggregate(per_task)
    vsi_means = {
        task: row["score"]
        for task, row in tasks.items()
        if task in VSI_MC_TASKS + VSI_NUMERIC_TASKS
    }
    directions = set(DIRECTION_TASKS) & set(vsi_means)
    vsi = None
    if vsi_means and directions in (set(), set(DIRECTION_TASKS)):
        vsi = vsibench_overall(vsi_means)
    quality = abstention(answerable, abstained)
    abstain = (
        {
            "precision": quality.precision,
            "recall": quality.recall,
            "abstained": quality.abstained,
            "unanswerable": quality.unanswerable,
        }
        if quality.unanswerable or quality.abstained
        else None
    )
    known = {row["id"] for row in rows}
    unknown = sorted(key for key in predictions if key not in known)
    return Scores(tasks, overall["macro"], overall["micro"], vsi, abstain, missing, unknown)


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
