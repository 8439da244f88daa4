"""End-to-end builds on a local Ray: byte-identical output, skipped scenes, HF loading."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from spatialqa.errors import ConfigError
from spatialqa.pipelines.build import THREAD_VARIABLES, build, thread_budget
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.parquet import sha256
from spatialqa.scenes import procedural_scene, save_scene

SMALL = {
    "name": "small",
    "seed": 3,
    "scenes": [{"procedural": {"count": 2, "seed": 5, "frames": 12}}],
    "tasks": [
        {"name": "object_counting", "per_scene": 2},
        {"name": "object_size_estimation", "per_scene": 2},
        {"name": "object_abs_distance", "per_scene": 3},
        {"name": "object_rel_direction_hard", "per_scene": 3},
    ],
    "views": {"trajectory": "walkthrough", "frames": 6},
    "render": {"width": 160, "height": 120},
    "degradations": ["clean", {"type": "jpeg", "severities": [2]}],
    "output": {"inline_images": "all"},
}


@pytest.fixture(scope="module")
def small_build(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    manifest = build(parse_config(SMALL), out, progress=False)
    return out, manifest


def parquet_files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): sha256(p.read_bytes()) for p in sorted(root.rglob("*.parquet"))
    }


def test_manifest_counts_match_the_rows(small_build):
    out, manifest = small_build
    table = pq.read_table(out / "data")
    assert manifest["samples"] == table.num_rows > 0
    tasks = table.column("task").to_pylist()
    assert manifest["counts"]["task"] == {t: tasks.count(t) for t in sorted(set(tasks))}
    assert manifest["scenes"] == {"built": 2, "skipped": 0, "excluded": 0}
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["config_hash"] == manifest["config_hash"]
    for shard in manifest["shards"]:
        for relative, digest in shard["files"].items():
            assert sha256((out / relative).read_bytes()) == digest
    assert not list(out.rglob("*.partial"))


def test_every_row_is_clean_or_degraded_once(small_build):
    out, _ = small_build
    rows = pq.read_table(out / "data").to_pylist()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    clean = [r for r in rows if r["degradation"] is None]
    degraded = [r for r in rows if r["degradation"] is not None]
    assert len(clean) == len(degraded)
    assert {r["degradation"]["type"] for r in degraded} == {"jpeg"}
    assert all(json.loads(r["degradation"]["params"]) for r in degraded)
    for row in rows:
        assert len(row["images"]) == len(row["views"]) == 6
        if row["answer_type"] == "mc":
            assert row["answer"] in "ABCD" and row["question"].endswith(row["choices"][-1])


def test_same_config_gives_identical_parquet_bytes(small_build, tmp_path):
    out, _ = small_build
    build(parse_config(SMALL), tmp_path, progress=False)
    assert parquet_files(tmp_path) == parquet_files(out)
    assert len(parquet_files(out)) == 4  # data and frames for two scenes


def test_another_config_is_refused_in_the_same_directory(small_build):
    out, manifest = small_build
    other = parse_config({**SMALL, "seed": 4})
    with pytest.raises(ConfigError, match=manifest["config_hash"]):
        build(other, out, progress=False)
    assert json.loads((out / "manifest.json").read_text())["config_hash"] == manifest["config_hash"]


def test_loads_with_hugging_face_datasets_and_images_decode(small_build):
    datasets = pytest.importorskip("datasets")
    out, manifest = small_build
    samples = datasets.load_dataset("parquet", data_files=str(out / "data/*.parquet"))["train"]
    assert len(samples) == manifest["samples"]
    first = samples[0]
    assert first["images"][0].size == (160, 120)
    frames = datasets.load_dataset("parquet", data_files=str(out / "frames/*.parquet"))["train"]
    assert len(frames) == manifest["frames"]
    assert frames[0]["image"].mode == "RGB"


def test_a_bad_scene_is_skipped_with_its_reason(ray_local, tmp_path):
    scenes = tmp_path / "scenes"
    save_scene(procedural_scene(1, 0, frames=8), scenes / "good")
    (scenes / "bad").mkdir(parents=True)
    (scenes / "bad" / "scene.json").write_text('{"format": "spatialqa.scene/1", "scene_id": 3}')
    config = {**SMALL, "scenes": [{"dir": str(scenes)}], "degradations": ["clean"]}
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    manifest = build(parse_config(config), tmp_path / "out", progress=False)
    assert manifest["scenes"] == {"built": 1, "skipped": 1, "excluded": 0}
    (skipped,) = manifest["skipped"]
    assert skipped["scene"] == "bad" and "scene.json" in skipped["reason"]
    assert manifest["samples"] > 0


def test_every_pool_gets_the_share(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert thread_budget(1) == {name: "1" for name in THREAD_VARIABLES}
    assert thread_budget(3)["LP_NUM_THREADS"] == "3"
    assert set(THREAD_VARIABLES) >= {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LP_NUM_THREADS"}


def test_a_variable_the_user_exported_is_kept(monkeypatch):
    monkeypatch.setenv("LP_NUM_THREADS", "7")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    budget = thread_budget(1)
    assert budget["LP_NUM_THREADS"] == "7"
    assert budget["OMP_NUM_THREADS"] == "1"
