"""Scoring: a small build scored with perfect, wrong and noisy replies; missing and unknown ids;
bad inputs; a VSI-Bench-format file (and one given without --format); the breakdown by
degradation variant on a build with clean, haze 1 and 3 and jpeg 5 rows, and its plot."""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pyarrow.parquet as pq
import pytest

from spatialqa.pipelines.build import build
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.evaluate import evaluate, read_dataset, read_predictions

ROBUST = {
    "name": "robust",
    "seed": 3,
    "scenes": [{"procedural": {"count": 2, "seed": 2, "frames": 10}}],
    "tasks": [
        {"name": "object_counting", "per_scene": 3},
        {"name": "object_rel_direction_hard", "per_scene": 3},
    ],
    "views": {"trajectory": "walkthrough", "frames": 4},
    "render": {"width": 64, "height": 48},
    "degradations": [
        "clean",
        {"type": "haze", "severities": [1, 3]},
        {"type": "jpeg", "severities": [5]},
    ],
    "output": {"inline_images": "none"},  # scoring reads no image: nothing is rendered
}


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


@pytest.fixture(scope="module")
def robust(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("robust")
    build(parse_config(ROBUST), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    counting = [r for r in rows if r["task"] == "object_counting"]
    assert counting and all(int(r["answer"]) > 0 for r in counting)  # MRA below needs gt > 0
    return out, rows


def variant(row: dict) -> str:
    d = row["degradation"]
    return "clean" if d is None else f"{d['type']}/{d['severity']}"


def robust_replies(rows: list[dict]) -> dict[str, str]:
    """clean: all right; haze/1: counts right, directions wrong; haze/3: counts 1.5x the truth,
    directions right; jpeg/5: no reply at all (scored 0, reported missing)."""
    replies = {}
    for row in rows:
        counting = row["task"] == "object_counting"
        shown = variant(row)
        if shown == "clean" or (shown == "haze/1" and counting):
            replies[row["id"]] = row["answer"]
        elif shown == "haze/1":
            replies[row["id"]] = wrong(row)
        elif shown == "haze/3":
            replies[row["id"]] = f"{int(row['answer']) * 1.5}" if counting else row["answer"]
    return replies


def test_scores_break_down_by_degradation_type_and_severity(robust, tmp_path, capsys):
    out, rows = robust
    n = {
        (task, v): sum(r["task"] == task and variant(r) == v for r in rows)
        for task in ("object_counting", "object_rel_direction_hard")
        for v in ("clean", "haze/1", "haze/3", "jpeg/5")
    }
    nc, nd = n["object_counting", "clean"], n["object_rel_direction_hard", "clean"]
    assert all(n["object_counting", v] == nc for v in ("haze/1", "haze/3", "jpeg/5"))
    assert all(n["object_rel_direction_hard", v] == nd for v in ("haze/1", "haze/3", "jpeg/5"))
    path = tmp_path / "replies.jsonl"
    write_jsonl(path, robust_replies(rows))
    scores = tmp_path / "scores.json"
    assert main(["eval", str(out), str(path), "--json", str(scores)]) == 0
    printed = capsys.readouterr().out
    table = json.loads(scores.read_text())["robustness"]
    assert table["variants"] == ["clean", "haze/1", "haze/3", "jpeg/5"]
    # haze/3 counts: |1.5 g - g| / g = 0.5 <= 1 - theta only for theta = 0.50: MRA 1/10
    expected = {
        "object_counting": {"clean": 1.0, "haze/1": 1.0, "haze/3": 0.1, "jpeg/5": 0.0},
        "object_rel_direction_hard": {"clean": 1.0, "haze/1": 0.0, "haze/3": 1.0, "jpeg/5": 0.0},
    }
    for task, cells in expected.items():
        for name, score in cells.items():
            cell = table["tasks"][task][name]
            assert cell["score"] == pytest.approx(score), (task, name)
            assert cell["n"] == n[task, name]
            assert cell["missing"] == (n[task, name] if name == "jpeg/5" else 0)
    macro = {"clean": 1.0, "haze/1": 0.5, "haze/3": (0.1 + 1) / 2, "jpeg/5": 0.0}
    micro = {
        "clean": 1.0,
        "haze/1": nc / (nc + nd),
        "haze/3": (0.1 * nc + nd) / (nc + nd),
        "jpeg/5": 0.0,
    }
    for name in macro:
        assert table["overall"][name]["macro"] == pytest.approx(macro[name])
        assert table["overall"][name]["micro"] == pytest.approx(micro[name])
        assert table["overall"][name]["n"] == nc + nd
    haze, jpeg = table["curves"]["haze"], table["curves"]["jpeg"]
    assert haze["severity"] == [0, 1, 3] and jpeg["severity"] == [0, 5]
    assert haze["macro"] == pytest.approx([1.0, 0.5, 0.55])
    assert haze["tasks"]["object_counting"] == pytest.approx([1.0, 1.0, 0.1])
    assert haze["mean_drop"] == pytest.approx(1 - (0.5 + 0.55) / 2)  # 0.475
    assert jpeg["macro"] == pytest.approx([1.0, 0.0]) and jpeg["mean_drop"] == pytest.approx(1)
    # The blended per-task scores and macro/micro are what they were: every variant has the
    # same items, so counting (1 + 1 + 0.1 + 0) / 4 and directions (1 + 0 + 1 + 0) / 4.
    written = json.loads(scores.read_text())
    assert written["tasks"]["object_counting"]["score"] == pytest.approx(0.525)
    assert written["tasks"]["object_rel_direction_hard"]["score"] == pytest.approx(0.5)
    assert written["macro"] == pytest.approx((0.525 + 0.5) / 2)
    # The terminal shows the same table and curves.
    assert "task                         clean   haze/1   haze/3   jpeg/5" in printed
    assert "object_counting             1.0000   1.0000   0.1000   0.0000" in printed
    assert "object_rel_direction_hard   1.0000   0.0000   1.0000   0.0000" in printed
    assert "macro (mean over tasks)     1.0000   0.5000   0.5500   0.0000" in printed
    assert "  haze  0: 1.0000  1: 0.5000  3: 0.5500  (mean drop +0.4750)" in printed
    assert "  jpeg  0: 1.0000  5: 0.0000  (mean drop +1.0000)" in printed


def test_robustness_curve_is_plotted_as_png_or_html(robust, tmp_path, capsys):
    from PIL import Image

    out, rows = robust
    path = tmp_path / "replies.jsonl"
    write_jsonl(path, robust_replies(rows))
    png, page = tmp_path / "curve.png", tmp_path / "curve.html"
    assert main(["eval", str(out), str(path), "--plot", str(png)]) == 0
    assert f"robustness curve drawn in {png}" in capsys.readouterr().out
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > image.height > 200
    assert main(["eval", str(out), str(path), "--plot", str(page)]) == 0
    text = page.read_text()
    # matplotlib's SVG names each text it draws in a comment: the panels and the legend
    for name in ("macro (mean over tasks)", "object_counting", "haze", "jpeg", "clean"):
        assert f"<!-- {name} -->" in text, name
    assert "haze/3" in text and "<svg" in text  # the printed table below the plot
    assert main(["eval", str(out), str(path), "--plot", str(tmp_path / "curve.txt")]) == 2
    assert "must end in .png or .html" in capsys.readouterr().err


def test_clean_only_build_has_no_degradation_table_and_no_curve(dataset, tmp_path, capsys):
    out, rows = dataset
    path = tmp_path / "perfect.jsonl"
    write_jsonl(path, {r["id"]: r["answer"] for r in rows})
    scores = tmp_path / "scores.json"
    assert main(["eval", str(out), str(path), "--json", str(scores)]) == 0
    assert "scores by degradation" not in capsys.readouterr().out
    table = json.loads(scores.read_text())["robustness"]
    assert table["variants"] == ["clean"] and table["curves"] == {}
    assert table["overall"]["clean"] == {"n": len(rows), "macro": 1.0, "micro": 1.0}
    assert main(["eval", str(out), str(path), "--plot", str(tmp_path / "c.png")]) == 2
    assert "no degraded rows" in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()


def test_vsibench_file_without_format_suggests_the_flag(tmp_path, capsys):
    docs = [{"id": 0, "question_type": "object_counting", "ground_truth": "4", "options": None}]
    replies = tmp_path / "replies.jsonl"
    write_jsonl(replies, {"0": "4"})
    for name in ("vsi.jsonl", "vsi.json", "export/test.parquet"):
        dataset = tmp_path / name
        dataset.parent.mkdir(exist_ok=True)
        if name.endswith(".parquet"):
            import pyarrow as pa

            pq.write_table(pa.Table.from_pylist(docs), dataset)
        elif name.endswith(".jsonl"):
            dataset.write_text(json.dumps(docs[0]) + "\n")
        else:
            dataset.write_text(json.dumps(docs))
        given = dataset.parent if name.startswith("export/") else dataset  # the export folder
        assert main(["eval", str(given), str(replies)]) == 2
        err = capsys.readouterr().err
        assert f"{dataset}: a VSI-Bench-format file" in err, err
        assert "--format vsibench" in err
        # ... and with the flag, the same path is scored (the folder through its file)
        assert main(["eval", str(given), str(replies), "--format", "vsibench"]) == 0
        assert "object_counting" in capsys.readouterr().out
    # A folder with one file per variant: each is scored on its own (positional ids repeat).
    variants = tmp_path / "variants"
    variants.mkdir()
    for name in ("spatialqa_vsibench_clean.jsonl", "spatialqa_vsibench_jpeg3.jsonl"):
        (variants / name).write_text(json.dumps(docs[0]) + "\n")
    assert main(["eval", str(variants), str(replies)]) == 2
    err = capsys.readouterr().err
    assert f"{variants}: 2 VSI-Bench-format files" in err and "--format vsibench" in err
    assert main(["eval", str(variants), str(replies), "--format", "vsibench"]) == 2
    assert "score one at a time" in capsys.readouterr().err
    # The VSI file given as the predictions: named as a dataset file, the flag suggested.
    assert main(["eval", str(tmp_path / "vsi.jsonl"), str(tmp_path / "vsi.jsonl")]) == 2
    assert "--format vsibench" in capsys.readouterr().err
    assert main(["eval", str(tmp_path), str(tmp_path / "vsi.jsonl")]) == 2
    assert "VSI-Bench-format" in capsys.readouterr().err
