"""What users load: the dataset card (hub layout), the LLaVA and VSI-Bench exports, the plan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from build_kit import TINY, write_config
from PIL import Image

from spatialqa.pipelines.build import build
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import parse_config

CONFIG = {
    **TINY,
    "name": "exports",
    "scenes": [{"procedural": {"count": 2, "seed": 2, "frames": 8}}],
    "tasks": [
        {"name": "object_abs_distance", "per_scene": 2},
        {"name": "object_rel_direction_hard", "per_scene": 2},
    ],
    "degradations": ["clean", {"type": "jpeg", "severities": [3]}],
}
# nyu-visionx/VSI-Bench's columns and types, as its dataset card declares them
VSI_COLUMNS = [
    ("id", pa.int64()),
    ("dataset", pa.string()),
    ("scene_name", pa.string()),
    ("question_type", pa.string()),
    ("question", pa.string()),
    ("ground_truth", pa.string()),
    ("options", pa.list_(pa.string())),
]


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "dataset"
    manifest = build(parse_config(CONFIG), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    assert rows, "the fixture build must hold samples"
    return out, manifest, rows


def test_the_card_has_hub_front_matter_and_the_folder_loads_by_name(built):
    datasets = pytest.importorskip("datasets")
    out, manifest, rows = built
    text = (out / "README.md").read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert [c["config_name"] for c in meta["configs"]] == ["default", "frames"]
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "data/*.parquet"}]
    for task, count in manifest["counts"]["task"].items():
        assert f"| `{task}` |" in body and f"| {count} |" in body
    assert "| `images` | `list<image>` |" in body and manifest["config_hash"] in body

    samples = datasets.load_dataset(str(out), "default", split="train")
    assert sorted(samples["id"]) == sorted(r["id"] for r in rows)
    frames = datasets.load_dataset(str(out), "frames", split="train")
    assert len(frames) == manifest["frames"] > 0
    assert frames[0]["image"].size == (48, 32)


def test_the_llava_export_parses_with_one_image_token_per_image(built, tmp_path, capsys):
    out, manifest, rows = built
    target = tmp_path / "llava" / "train.json"
    assert main(["export", "llava", str(out), "--out", str(target)]) == 0
    assert f"wrote {len(rows)} llava rows" in capsys.readouterr().out
    records = json.loads(target.read_text())
    by_id = {row["id"]: row for row in rows}
    assert [r["id"] for r in records] == [row["id"] for row in rows]
    files = set()
    for record in records:
        row = by_id[record["id"]]
        images = record["image"] if isinstance(record["image"], list) else [record["image"]]
        human, gpt = record["conversations"]
        assert human["from"] == "human" and gpt == {"from": "gpt", "value": row["answer"]}
        assert human["value"] == "<image>\n" * len(row["views"]) + row["question"]
        assert len(images) == len(row["views"])
        for image in images:
            assert Path(image).stem.split("__")[0] in row["views"]
            with Image.open(target.parent / image) as decoded:
                assert decoded.size == (48, 32)
        files.update(images)
    assert len(files) == manifest["frames"]  # each frame once, clean and jpeg apart


def test_the_vsibench_export_has_its_columns_and_answers(built, tmp_path):
    out, _, rows = built
    target = tmp_path / "vsi" / "test.parquet"
    assert main(["export", "vsibench", str(out), "--out", str(target)]) == 0
    table = pq.read_table(target)
    assert [(f.name, f.type) for f in table.schema] == VSI_COLUMNS
    exported = table.to_pylist()
    vsi_rows = [row for row in rows if row["question_vsi"] is not None]
    assert [r["id"] for r in exported] == list(range(len(vsi_rows)))
    for record, row in zip(exported, vsi_rows, strict=True):
        assert record["question"] == row["question_vsi"]
        assert record["question_type"] == row["task"] and record["dataset"] == "procedural"
        assert record["ground_truth"] == row["answer"]
        if row["answer_type"] == "mc":
            assert record["options"] == row["choices"] and record["ground_truth"] in "ABCD"
        else:
            assert record["options"] is None and float(record["ground_truth"]) > 0
        suffix = "" if row["degradation"] is None else "__jpeg3"
        assert record["scene_name"] == row["scene_id"] + suffix
        frames = target.parent / "procedural" / record["scene_name"]
        assert set(row["views"]) <= {p.stem for p in frames.iterdir()}


def test_plan_prints_bounds_and_exact_counts_and_writes_nothing(built, tmp_path, capsys):
    _, manifest, _ = built
    config = write_config(tmp_path / "c.yaml", CONFIG)
    assert main(["plan", str(config)]) == 0
    printed = capsys.readouterr().out
    # 2 scenes x (2 + 2 per scene) x 2 variants; 4 views x 2 variants per scene
    assert "total: <= 16 samples, <= 16 frames" in printed
    assert "part-00001.parquet proc_2_0001" in printed and "upper bounds" in printed
    assert main(["plan", str(config), "--exact"]) == 0
    printed = capsys.readouterr().out
    assert f"total: = {manifest['samples']} samples" in printed
    for task, count in manifest["counts"]["task"].items():
        assert re.search(rf"\n  {task} += {count}\n", printed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
