"""Scoring: a small build scored with perfect, wrong and noisy replies; missing and unknown ids;
bad inputs; a VSI-Bench-format file."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pyarrow.parquet as pq
import pytest

from spatialqa.pipelines.cli import main
from spatialqa.pipelines.evaluate import evaluate, read_dataset, read_predictions


def lmms_eval_mra(pred: float, target: float) -> float:
    thresholds = np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))
    return float((abs(pred - target) / target <= 1 - thresholds).mean())


def wrong(row: dict) -> str:
    if row["answer_type"] == "mc":
        letters = [c.split(".")[0] for c in row["choices"]]
        return next(letter for letter in letters if letter != row["answer"])
    return str(float(row["answer"]) * 3 + 1)  # relative error above 2: no threshold passes


def write_jsonl(path, replies: dict[str, str]) -> None:
    path.write_text(
        "".join(json.dumps({"id": k, "response": v}) + "\n" for k, v in replies.items())
    )


def test_perfect_replies_score_one(dataset, tmp_path):
    out, rows = dataset
    path = tmp_path / "perfect.jsonl"
    write_jsonl(path, {r["id"]: f"{r['answer']}." for r in rows})
    report = evaluate(read_dataset(out), read_predictions(path))
    assert all(t["score"] == 1.0 for t in report.tasks.values())
    assert report.macro == report.micro == 1.0
    assert report.vsibench_overall is None  # rel_direction easy/medium are absent
    assert not report.missing and not report.unknown


def test_wrong_replies_score_zero(dataset, tmp_path):
    out, rows = dataset
    path = tmp_path / "wrong.jsonl"
    write_jsonl(path, {r["id"]: wrong(r) for r in rows})
    report = evaluate(read_dataset(out), read_predictions(path))
    assert all(t["score"] == 0.0 for t in report.tasks.values())


def test_noisy_replies_score_as_computed_independently(dataset, tmp_path):
    out, rows = dataset
    rng = np.random.default_rng(0)
    replies, expected = {}, defaultdict(list)
    for row in sorted(rows, key=lambda r: r["id"]):
        if row["answer_type"] == "mc":
            right = rng.random() < 0.5
            replies[row["id"]] = row["answer"] if right else wrong(row)
            expected[row["task"]].append(float(right))
        else:
            guess = float(row["answer"]) * rng.uniform(0.4, 1.6)
            replies[row["id"]] = f"{guess:.4f} units"
            expected[row["task"]].append(lmms_eval_mra(float(f"{guess:.4f}"), float(row["answer"])))
    path = tmp_path / "noisy.parquet"
    import pyarrow as pa

    pq.write_table(pa.table({"id": list(replies), "response": list(replies.values())}), path)
    report = evaluate(read_dataset(out), read_predictions(path))
    for task, scores in expected.items():
        assert report.tasks[task]["score"] == pytest.approx(np.mean(scores))
    means = [np.mean(s) for s in expected.values()]
    assert report.macro == pytest.approx(np.mean(means))
    assert report.micro == pytest.approx(np.mean([x for s in expected.values() for x in s]))


def test_missing_and_unknown_ids_are_reported(dataset, tmp_path, capsys):
    out, rows = dataset
    replies = {r["id"]: r["answer"] for r in rows[1:]}
    replies["not-a-sample"] = "A"
    path = tmp_path / "partial.jsonl"
    write_jsonl(path, replies)
    scores = tmp_path / "scores.json"
    assert main(["eval", str(out), str(path), "--json", str(scores)]) == 0
    printed = capsys.readouterr().out
    assert "1 dataset ids had no reply (scored 0)" in printed
    assert "1 replies had ids not in the dataset" in printed
    written = json.loads(scores.read_text())
    assert written["missing_ids"] == [rows[0]["id"]]
    assert written["unknown_ids"] == ["not-a-sample"]
    task = written["tasks"][rows[0]["task"]]
    assert task["missing"] == 1 and task["score"] == pytest.approx(1 - 1 / task["n"])


def test_bad_inputs_are_errors_naming_the_file(dataset, tmp_path, capsys):
    out, _ = dataset
    path = tmp_path / "twice.jsonl"
    path.write_text('{"id": "a", "response": "1"}\n{"id": "a", "response": "2"}\n')
    assert main(["eval", str(out), str(path)]) == 2
    assert f"{path}: record 2: id 'a' answered twice" in capsys.readouterr().err
    assert main(["eval", str(tmp_path), str(path)]) == 2
    assert "no data/*.parquet" in capsys.readouterr().err


def test_vsibench_format_file_is_scored(tmp_path):
    docs = [
        {"id": 0, "question_type": "object_counting", "ground_truth": "4", "options": None},
        {"id": 1, "question_type": "object_rel_direction_easy", "ground_truth": "A"},
        {"id": 2, "question_type": "object_rel_direction_medium", "ground_truth": "B"},
        {"id": 3, "question_type": "object_rel_direction_hard", "ground_truth": "C"},
    ]
    dataset = tmp_path / "vsi.jsonl"
    dataset.write_text("".join(json.dumps(d) + "\n" for d in docs))
    replies = tmp_path / "replies.jsonl"
    write_jsonl(replies, {"0": "5", "1": "A", "2": "A", "3": "C."})
    scores = tmp_path / "scores.json"
    assert (
        main(["eval", str(dataset), str(replies), "--format", "vsibench", "--json", str(scores)])
        == 0
    )
    written = json.loads(scores.read_text())
    # counting: error 0.25 -> 0.50..0.75 pass -> 0.6; directions (1 + 0 + 1) / 3
    assert written["tasks"]["object_counting"]["score"] == pytest.approx(0.6)
    assert written["vsibench_overall"] == pytest.approx((0.6 + 2 / 3) / 2)
