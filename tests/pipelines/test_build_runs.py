"""Production builds: same bytes for any workers and order, resume after SIGKILL, refusals."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from build_kit import TINY, cli, digests, write_config

from spatialqa.errors import ConfigError
from spatialqa.pipelines.build import build, run_shards
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.plan import fingerprint, plan
from spatialqa.pipelines.storage import Storage
from spatialqa.scenes import procedural_scene, save_scene

CONFIG = {
    **TINY,
    "name": "runs",
    "scenes": [{"procedural": {"count": 3, "seed": 2, "frames": 8}}],
    "tasks": [
        {"name": "object_abs_distance", "per_scene": 3},
        {"name": "object_rel_direction_hard", "per_scene": 2},
    ],
    "degradations": ["clean", {"type": "jpeg", "severities": [3]}],
}


@pytest.fixture(scope="module")
def reference(ray_local, tmp_path_factory):
    """The uninterrupted build, two shards at once."""
    out = tmp_path_factory.mktemp("reference")
    return out, build(parse_config(CONFIG), out, workers=2, progress=False)


def ids(out: Path) -> list[str]:
    return pq.read_table(out / "data", columns=["id"]).column("id").to_pylist()


def test_one_worker_gives_the_bytes_of_two(reference, tmp_path):
    out, manifest = reference
    one = build(parse_config(CONFIG), tmp_path, workers=1, progress=False)
    assert digests(tmp_path) == digests(out)
    assert len(digests(out)) == 6  # data and frames of three scenes
    assert one["config_hash"] == manifest["config_hash"]
    assert [s["files"] for s in one["shards"]] == [s["files"] for s in manifest["shards"]]


def test_shards_finishing_in_reverse_order_give_the_same_bytes(reference, tmp_path):
    out, _ = reference
    config = parse_config(CONFIG)
    shards = plan(config)[::-1]
    uri = Storage.at(tmp_path).uri
    records = list(run_shards(config, shards, uri, fingerprint(config), 1, None, False))
    assert [r["shard"] for r in records] == [2, 1, 0]
    assert digests(tmp_path) == digests(out)


def test_the_manifest_counts_every_row(reference):
    out, manifest = reference
    rows = pq.read_table(out / "data").to_pylist()
    assert manifest["complete"] and manifest["samples"] == len(rows) > 0
    by_task: dict[str, dict[str, int]] = {}
    for row in rows:  # buckets worked out here from the rows, on their own
        if row["answer_type"] == "mc":
            bucket = row["answer"]
        else:  # distances of a room: 0.2 m (the task's floor) to 20 m
            edges = [(0.2, 0.5), (0.5, 1), (1, 2), (2, 5), (5, 10), (10, 20)]
            (bucket,) = [f"[{lo:g}, {hi:g}) m" for lo, hi in edges if lo <= row["value"] < hi]
        counts = by_task.setdefault(row["task"], {})
        counts[bucket] = counts.get(bucket, 0) + 1
    assert manifest["counts"]["answer_bucket"] == {
        task: dict(sorted(counts.items())) for task, counts in sorted(by_task.items())
    }
    assert sum(s["rows"] for s in manifest["shards"]) == len(rows)
    assert manifest["versions"]["pyarrow"] and manifest["wall_time_s"] > 0
    assert manifest["config"]["name"] == "runs" and manifest["skipped"] == []


def recorded(out: Path) -> int:
    """Shards the manifest records as built, 0 before it exists."""
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return 0
    return sum(s["status"] == "ok" for s in manifest["shards"])


def test_a_build_killed_mid_way_resumes_to_the_uninterrupted_bytes(reference, tmp_path):
    reference_out, _ = reference
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.yaml", CONFIG)
    child = cli("build", str(config), "--out", str(out), "--workers", "1", "--quiet")
    try:
        deadline = time.monotonic() + 180
        while recorded(out) == 0:
            assert child.poll() is None, child.communicate()[0]
            assert time.monotonic() < deadline, "no shard finished in time"
            time.sleep(0.05)
        os.killpg(child.pid, signal.SIGKILL)  # the driver and its local Ray, mid-build
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
    killed = json.loads((out / "manifest.json").read_text())
    assert not killed["complete"] and 1 <= recorded(out) < 3

    resumed = build(parse_config(CONFIG), out, progress=False)
    assert resumed["complete"] and resumed["shards_kept"] >= 1
    assert digests(out) == digests(reference_out)
    assert len(ids(out)) == len(set(ids(out))) and sorted(ids(out)) == sorted(ids(reference_out))
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]


def test_a_rerun_rebuilds_damaged_and_missing_shards_only(reference, tmp_path):
    reference_out, _ = reference
    out = shutil.copytree(reference_out, tmp_path / "out")
    (out / "data/part-00001.parquet").write_bytes(b"not parquet")
    (out / "frames/part-00002.parquet").unlink()
    rerun = build(parse_config(CONFIG), out, progress=False)
    assert rerun["shards_kept"] == 1
    assert digests(out) == digests(reference_out)


def test_another_config_is_refused_unless_overwrite(reference, tmp_path):
    out = shutil.copytree(reference[0], tmp_path / "out")
    (out / "notes.txt").write_text("mine")
    other = parse_config({**CONFIG, "seed": 9, "scenes": TINY["scenes"]})
    with pytest.raises(ConfigError, match="--overwrite") as refused:
        build(other, out, progress=False)
    assert fingerprint(parse_config(CONFIG)) in str(refused.value)
    manifest = build(other, out, overwrite=True, progress=False)
    assert manifest["config_hash"] == fingerprint(other) and manifest["shards_kept"] == 0
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    assert (out / "notes.txt").read_text() == "mine"


def test_skipped_scenes_give_exit_status_3_and_are_listed(ray_local, tmp_path, capsys):
    scenes = tmp_path / "scenes"
    save_scene(procedural_scene(2, 1, frames=8), scenes / "good")
    (scenes / "bad").mkdir()
    (scenes / "bad" / "scene.json").write_text('{"format": "spatialqa.scene/1", "scene_id": 3}')
    config = write_config(tmp_path / "c.yaml", {**TINY, "scenes": [{"dir": str(scenes)}]})
    out = tmp_path / "out"
    assert main(["build", str(config), "--out", str(out), "--quiet"]) == 3
    printed = capsys.readouterr().out
    assert "scenes built: 1, skipped: 1" in printed and "skipped bad: " in printed
    manifest = json.loads((out / "manifest.json").read_text())
    (skipped,) = manifest["skipped"]
    assert skipped["scene"] == "bad" and "scene.json" in skipped["reason"]
    assert manifest["complete"] and manifest["scenes"] == {"built": 1, "skipped": 1, "excluded": 0}
    assert main(["plan", str(config), "--exact"]) == 0  # the plan names it beforehand
    printed = capsys.readouterr().out
    assert "bad  " in printed and "skipped: " in printed and "1 scenes would be skipped" in printed
    assert f"total: = {manifest['samples']} samples" in printed
