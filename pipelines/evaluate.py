"""Score a model's replies against a built dataset (or a VSI-Bench-format file).

Every dataset id must be answered: a missing reply scores 0 (the worst case, as lmms-eval
scores an unparseable one) and is reported; a reply whose id is not in the dataset is
reported and not scored; an id answered twice is an error.

A build emits each question once per degradation variant (clean, ``haze`` at severity 3, ...),
so the scores also break down by variant (:class:`Robustness`): per task x variant, and per
degradation type the curve of the macro score over severities with clean as severity 0, the
table SpaceDG reports. The blended per-task scores and macro/micro stay as they were.
"""

from __future__ import annotations

import html
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.generators.metrics import (
    DIRECTION_TASKS,
    abstention,
    aggregate,
    is_abstention,
    map_grid,
    map_report,
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
COLUMNS = ("id", "task", "answer_type", "answer", "metric", "answerable", "degradation", "labels")
VSI_COLUMNS = ("question_type", "ground_truth")
"""What tells a VSI-Bench-format file (lmms-eval's vsibench columns) from a spatialqa build."""
CLEAN = "clean"


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
    robustness: Robustness | None = None

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
            "robustness": self.robustness.to_json() if self.robustness else None,
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
        for task, row in self.tasks.items():
            if "map_locality_bins" in row:
                shares = ", ".join(
                    f"{b['bin']} {_fmt(b['share'])} ({b['pairs']})"
                    for b in row["map_locality_bins"]
                )
                lines.append(f"{task}: map_locality by true distance in cells (pairs): {shares}")
                lines.append(f"{task}: map_match {_fmt(row['map_match'])}")
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
        if self.robustness and self.robustness.degraded:
            lines += ["", self.robustness.table()]
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


Variant = tuple[str, int]
"""(degradation type, severity); (``CLEAN``, 0) for the clean views."""


def variant_of(degradation: dict | None) -> Variant:
    """The variant of a row's ``degradation`` struct (None: clean)."""
    if degradation is None:
        return CLEAN, 0
    return str(degradation["type"]), int(degradation["severity"])


def variant_name(variant: Variant) -> str:
    """``clean`` or ``type/severity`` (``haze/3``): a column of the robustness table."""
    kind, severity = variant
    return CLEAN if kind == CLEAN else f"{kind}/{severity}"


@dataclass
class Robustness:
    """Scores per task x degradation variant, and per degradation type the curve over severities.

    ``cells[task][variant name]`` is ``{"n", "score", "missing"}``; ``overall[variant name]`` is
    ``{"n", "macro", "micro"}`` over that variant's rows alone, so a column never blends
    variants. Clean is the curves' severity 0, the reference each type's drop is measured from.
    """

    variants: list[Variant]  # clean first, then by type and severity
    cells: dict[str, dict[str, dict[str, Any]]]
    overall: dict[str, dict[str, Any]]

    @property
    def degraded(self) -> bool:
        """Whether any row was shown through a degradation (else the table is the clean one)."""
        return any(kind != CLEAN for kind, _ in self.variants)

    def curves(self) -> dict[str, dict[str, Any]]:
        """Per degradation type: its severities (0 = clean, where the build has clean rows),
        the macro and micro score and each task's score at each, and the mean drop from clean
        (clean macro minus the mean macro over the type's severities; None without clean)."""
        clean = (CLEAN, 0) in self.variants
        curves = {}
        for kind in sorted({k for k, _ in self.variants if k != CLEAN}):
            levels = [(CLEAN, 0)] * clean + [v for v in self.variants if v[0] == kind]
            names = [variant_name(v) for v in levels]
            macro = [self.overall[n]["macro"] for n in names]
            degraded = macro[1:] if clean else macro
            curves[kind] = {
                "severity": [severity for _, severity in levels],
                "macro": macro,
                "micro": [self.overall[n]["micro"] for n in names],
                "tasks": {
                    task: [cells[n]["score"] if n in cells else None for n in names]
                    for task, cells in self.cells.items()
                },
                "mean_drop": macro[0] - sum(degraded) / len(degraded) if clean else None,
            }
        return curves

    def to_json(self) -> dict[str, Any]:
        return {
            "variants": [variant_name(v) for v in self.variants],
            "tasks": self.cells,
            "overall": self.overall,
            "curves": self.curves(),
            "aggregates": "per variant: macro = mean over tasks, micro = mean over items; "
            "curves: severity 0 is clean",
        }

    def table(self, width: int = 100) -> str:
        """Tasks (rows) x variants (columns), in blocks of columns that fit ``width``
        characters, then one line per degradation type: its curve over severities."""
        names = [variant_name(v) for v in self.variants]
        first = max([len(t) for t in self.cells] + [len("micro (mean over items)")])
        blocks: list[list[str]] = [[]]
        used = first
        for name in names:
            step = max(len(name), 7) + 2
            if blocks[-1] and used + step > width:
                blocks.append([])
                used = first
            blocks[-1].append(name)
            used += step
        lines = ["scores by degradation (rows: tasks; columns: clean and type/severity):"]
        for block in blocks:
            sizes = [max(len(n), 7) for n in block]
            lines.append(
                f"{'task':<{first}}"
                + "".join(f"  {n:>{w}}" for n, w in zip(block, sizes, strict=True))
            )
            for task, cells in self.cells.items():
                values = [
                    _cell(cells.get(n, {}).get("score"), w)
                    for n, w in zip(block, sizes, strict=True)
                ]
                lines.append(f"{task:<{first}}" + "".join(values))
            for label, key in (
                ("macro (mean over tasks)", "macro"),
                ("micro (mean over items)", "micro"),
            ):
                values = [_cell(self.overall[n][key], w) for n, w in zip(block, sizes, strict=True)]
                lines.append(f"{label:<{first}}" + "".join(values))
            counts = "".join(
                f"  {self.overall[n]['n']:>{w}}" for n, w in zip(block, sizes, strict=True)
            )
            lines += [f"{'n (items)':<{first}}" + counts, ""]
        lines.append("robustness curves (macro by severity; severity 0 is clean):")
        curves = self.curves()
        pad = max(len(kind) for kind in curves) if curves else 0
        for kind, curve in curves.items():
            points = "  ".join(
                f"{severity}: {_fmt(score)}"
                for severity, score in zip(curve["severity"], curve["macro"], strict=True)
            )
            drop = curve["mean_drop"]
            lines.append(
                f"  {kind:<{pad}}  {points}"
                + ("" if drop is None else f"  (mean drop {drop:+.4f})")
            )
        return "\n".join(lines)


def _cell(value: float | None, width: int) -> str:
    return f"  {'-' if value is None else f'{value:.4f}':>{width}}"


def robustness(
    scores: dict[tuple[str, Variant], list[float]], missing: dict[tuple[str, Variant], int]
) -> Robustness:
    """The :class:`Robustness` of per-item scores keyed by (task, variant)."""
    variants = sorted({v for _, v in scores}, key=lambda v: (v[0] != CLEAN, v))
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for task, variant in sorted(scores, key=lambda k: (k[0], variants.index(k[1]))):
        items = scores[task, variant]
        cells.setdefault(task, {})[variant_name(variant)] = {
            "n": len(items),
            "score": sum(items) / len(items),
            "missing": missing.get((task, variant), 0),
        }
    overall = {}
    for variant in variants:
        shown = {task: items for (task, v), items in scores.items() if v == variant}
        overall[variant_name(variant)] = {
            "n": sum(len(items) for items in shown.values()),
            **aggregate(shown),
        }
    return Robustness(variants, cells, overall)


def plot_robustness(table: Robustness, path: str | Path) -> Path:
    """Draw score vs severity, one line per degradation type, clean as the severity-0 point
    and a dashed reference: a panel for the macro score, then one per task. ``path`` ends in
    .png (an image) or .html (the plot as inline SVG above the printed table, one file)."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".html"):
        raise SpatialQAError(f"--plot {path}: the file must end in .png or .html")
    if not table.degraded:
        raise SpatialQAError(
            f"--plot {path}: the dataset has no degraded rows (its build's degradations are "
            "clean only), so there is no robustness curve to draw"
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = table.curves()
    panels = ["macro (mean over tasks)", *table.cells]
    columns = min(3, len(panels))
    lines = -(-len(panels) // columns)
    figure, axes = plt.subplots(
        lines, columns, figsize=(4.4 * columns, 3.2 * lines), squeeze=False, sharey=True
    )
    for axis in axes.flat[len(panels) :]:
        axis.set_visible(False)
    clean = CLEAN in table.overall
    for axis, panel in zip(axes.flat, panels, strict=False):
        for kind, curve in curves.items():
            values = curve["macro"] if panel == panels[0] else curve["tasks"][panel]
            ys = [float("nan") if v is None else v for v in values]
            axis.plot(curve["severity"], ys, marker="o", label=kind)
        if clean:
            reference = (
                table.overall[CLEAN]["macro"]
                if panel == panels[0]
                else table.cells[panel].get(CLEAN, {}).get("score")
            )
            if reference is not None:
                axis.axhline(reference, color="grey", linestyle="--", linewidth=1, label=CLEAN)
        axis.set_xticks(range(6), [CLEAN if clean else "0", "1", "2", "3", "4", "5"])
        axis.set_xlim(-0.3, 5.3)
        axis.set_ylim(-0.04, 1.06)
        axis.set_xlabel("severity")
        axis.set_title(panel, fontsize=9)
        axis.grid(alpha=0.3)
    axes.flat[0].set_ylabel("score")
    axes.flat[0].legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.suffix.lower() == ".png":
            figure.savefig(path, dpi=90)
        else:
            svg = io.StringIO()
            with matplotlib.rc_context({"svg.hashsalt": "spatialqa"}):
                figure.savefig(svg, format="svg", metadata={"Date": None})
            path.write_text(_plot_page(svg.getvalue(), table.table()))
    except OSError as exc:
        raise SpatialQAError(f"--plot {path}: cannot write it ({exc})") from None
    finally:
        plt.close(figure)
    return path


def _plot_page(svg: str, table: str) -> str:
    start = svg.find("<svg")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<title>spatialqa robustness</title></head>\n<body style="font-family: sans-serif">'
        "<h1>Score vs degradation severity</h1>\n"
        f"{svg[start:]}\n<pre>{html.escape(table)}</pre>\n</body></html>\n"
    )


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
        if isinstance(row, dict) and "response" not in row and set(VSI_COLUMNS) <= set(row):
            raise SpatialQAError(
                f"{path}: a VSI-Bench-format dataset file (fields {', '.join(VSI_COLUMNS)}), "
                "not predictions: give it as DATASET with --format vsibench "
                "(spatialqa eval --format vsibench VSI_FILE PREDICTIONS)"
            )
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
        found = vsi_files(root)
        if found:
            what = (
                f"{found[0]}: a VSI-Bench-format file"
                if len(found) == 1
                else f"{root}: {len(found)} VSI-Bench-format files ({found[0].name}, ...)"
            )
            raise SpatialQAError(
                f"{what} (columns {', '.join(VSI_COLUMNS)}), not a spatialqa build: score it "
                f"with --format vsibench (spatialqa eval --format vsibench {found[0]} PREDICTIONS)"
            )
        raise SpatialQAError(f"{root}: no data/*.parquet (is it a spatialqa build?)")
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=list(COLUMNS))
    return table.to_pylist()


def vsi_files(path: str | Path) -> list[Path]:
    """The VSI-Bench-format files at ``path`` (a file) or in the folder ``path`` (an export
    writes one per degradation variant), sorted: Parquet, JSON or JSONL files whose records
    have the columns ``question_type`` and ``ground_truth``. Only a schema or first record is
    read."""
    path = Path(path)
    if path.is_dir():
        found = sorted(f for f in path.iterdir() if f.suffix in (".parquet", ".json", ".jsonl"))
        return [f for f in found if f.is_file() and vsi_files(f)]
    if not path.is_file():
        return []
    try:
        if path.suffix == ".parquet":
            names = set(pq.read_schema(path).names)
        elif path.suffix == ".jsonl":
            with path.open() as lines:
                first = next((line for line in lines if line.strip()), "{}")
            names = set(json.loads(first))
        elif path.suffix == ".json":
            docs = json.loads(path.read_text())
            names = set(docs[0]) if isinstance(docs, list) and docs else set()
        else:
            return []
    except (OSError, ValueError, TypeError, pa.ArrowException):
        return []
    return [path] if set(VSI_COLUMNS) <= names else []


def read_vsibench(path: str | Path) -> list[dict[str, Any]]:
    """A VSI-Bench-format file (Parquet, JSON or JSONL) as rows this module scores; a folder
    is read through the one VSI-Bench file in it (several, one per variant, are scored one at
    a time: their positional ids repeat, and a score must not blend variants)."""
    path = Path(path)
    if path.is_dir():
        found = vsi_files(path)
        if not found:
            raise SpatialQAError(f"{path}: no VSI-Bench-format file (.parquet, .json, .jsonl)")
        if len(found) > 1:
            names = ", ".join(f.name for f in found)
            raise SpatialQAError(
                f"{path}: {len(found)} VSI-Bench-format files ({names}): score one at a time "
                f"(spatialqa eval --format vsibench {found[0]} PREDICTIONS)"
            )
        path = found[0]
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
    maps: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # answer, reply, grid
    per_cell: dict[tuple[str, Variant], list[float]] = defaultdict(list)
    missing_by_cell: dict[tuple[str, Variant], int] = defaultdict(int)
    answerable, abstained, missing = [], [], []
    for row in rows:
        task = row["task"]
        metric[task] = row["metric"]
        cell = task, variant_of(row.get("degradation"))
        reply = predictions.get(row["id"])
        if row["answer_type"] == "map":
            maps[task].append((row["answer"], reply or "", map_grid(row.get("labels"))))
        if reply is None:
            missing.append(row["id"])
            missing_by_task[task] += 1
            missing_by_cell[cell] += 1
            per_task[task].append(0.0)
            per_cell[cell].append(0.0)
            continue
        score = metric_score(row["metric"], row["answer_type"], row["answer"], reply)
        per_task[task].append(score)
        per_cell[cell].append(score)
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
        if maps[task]:
            tasks[task].update(map_report(maps[task]))
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
    table = robustness(per_cell, missing_by_cell)
    return Scores(tasks, overall["macro"], overall["micro"], vsi, abstain, missing, unknown, table)


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
