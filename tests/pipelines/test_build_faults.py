"""Faults around a build: a held output, edited scenes, a lost manifest, a full disk, a bad
cluster address, shards that fail, run too long or would not fit in memory."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from build_kit import TINY, cli, digests, write_config

from spatialqa.errors import ConfigError, OutputError
from spatialqa.pipelines import shard as shard_module
from spatialqa.pipelines.build import RETRIES, build, duplicate_scene_ids
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.lock import build_lock
from spatialqa.pipelines.plan import fingerprint, plan
from spatialqa.pipelines.storage import Storage
from spatialqa.scenes import procedural_scene, save_scene

CONFIG = {**TINY, "name": "faults"}
SLOW = {
    **CONFIG,
    "views": {"frames": 16},
    "render": {"width": 640, "height": 480},
    "degradations": ["clean", {"type": "motion_blur", "severities": [5]}],
}
"""Shards of a few seconds: the tests that kill a worker mid-shard need one still running
when their watcher (polling every 50 ms) looks."""


def rows(out: Path) -> list[dict]:
    return pq.read_table(out / "data", columns=["id", "scene_id", "objects"]).to_pylist()


def scene_dirs(root: Path, count: int) -> Path:
    for index in range(count):
        save_scene(procedural_scene(5, index, frames=8), root / f"room{index}")
    return root


def test_a_second_build_is_refused_while_one_holds_the_output(ray_local, tmp_path):
    storage = Storage.at(tmp_path / "out")
    with build_lock(storage):
        with pytest.raises(OutputError, match="another build is writing here") as refused:
            build(parse_config(CONFIG), tmp_path / "out", progress=False)
        assert f"pid {os.getpid()}" in str(refused.value)
        assert not (tmp_path / "out" / "manifest.json").exists()
    manifest = build(parse_config(CONFIG), tmp_path / "out", progress=False)  # released
    assert manifest["complete"]


def test_an_edited_scene_is_built_again_on_rerun(ray_local, tmp_path):
    scenes = scene_dirs(tmp_path / "scenes", 2)
    config = parse_config({**CONFIG, "scenes": [{"dir": str(scenes)}]})
    first = build(config, tmp_path / "out", progress=False)
    assert first["scenes"]["built"] == 2
    document = json.loads((scenes / "room1" / "scene.json").read_text())
    document["objects"][0]["category"] = "renamed thing"
    (scenes / "room1" / "scene.json").write_text(json.dumps(document))

    rerun = build(config, tmp_path / "out", progress=False)
    assert rerun["shards_kept"] == 1  # room0 kept, room1 built again
    assert rerun["shards"][0]["inputs"] == first["shards"][0]["inputs"]
    assert rerun["shards"][1]["inputs"] != first["shards"][1]["inputs"]
    third = build(config, tmp_path / "out", progress=False)
    assert third["shards_kept"] == 2


def test_a_lost_manifest_with_overwrite_leaves_exactly_the_new_build(ray_local, tmp_path):
    out = tmp_path / "out"
    three = {**CONFIG, "scenes": [{"procedural": {"count": 3, "seed": 2, "frames": 8}}]}
    build(parse_config(three), out, progress=False)
    (out / "manifest.json").unlink()
    one = parse_config({**CONFIG, "seed": 7, "scenes": [{"procedural": {"count": 1}}]})
    with pytest.raises(ConfigError, match=r"holds 6 files no manifest .* --overwrite"):
        build(one, out, progress=False)
    manifest = build(one, out, overwrite=True, progress=False)
    assert sorted(p.name for p in (out / "data").iterdir()) == ["part-00000.parquet"]
    assert sorted(p.name for p in (out / "frames").iterdir()) == ["part-00000.parquet"]
    built = rows(out)
    assert len(built) == len({r["id"] for r in built}) == manifest["samples"] > 0
    assert {r["scene_id"] for r in built} == {"proc_0_0000"}


def test_parts_copied_into_a_build_are_refused(ray_local, tmp_path):
    out = tmp_path / "out"
    build(parse_config(CONFIG), out, progress=False)
    (out / "data" / "part-00099.parquet").write_bytes(
        (out / "data/part-00000.parquet").read_bytes()
    )
    with pytest.raises(ConfigError, match="part-00099"):
        build(parse_config(CONFIG), out, progress=False)
    build(parse_config(CONFIG), out, overwrite=True, progress=False)
    assert not (out / "data" / "part-00099.parquet").exists()


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_gives_a_clear_error_and_a_clean_rerun(ray_local, tmp_path):
    reference = tmp_path / "reference"
    build(parse_config(CONFIG), reference, progress=False)
    parts = sum(p.stat().st_size for p in reference.rglob("*.parquet"))
    with tmpfs(tmp_path / "disk", "24k") as disk:  # the manifest fits, the parts do not
        assert parts > 24 * 1024
        out = disk / "out"
        with pytest.raises(OutputError) as full:
            build(parse_config(CONFIG), out, progress=False)
        message = str(full.value)
        assert "No space left on device" in message and ".parquet" in message
        assert "run the same command again" in message
        assert not [p for p in disk.rglob("*") if p.name.endswith(".partial")]
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        manifest = build(parse_config(CONFIG), out, progress=False)
        assert manifest["complete"] and digests(out) == digests(reference)


def test_a_bad_cluster_address_fails_fast_and_writes_nothing(tmp_path):
    config = write_config(tmp_path / "c.yaml", CONFIG)
    out = tmp_path / "out"
    started = time.monotonic()
    child = cli("build", str(config), "--out", str(out), "--address", "127.0.0.1:1", "--quiet")
    printed, _ = child.communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert child.returncode == 2, printed
    (line,) = [line for line in printed.splitlines() if line.strip()]
    assert line.startswith("spatialqa: error: --address 127.0.0.1:1: no Ray cluster answers")
    assert not out.exists()


def test_ray_address_in_the_environment_with_workers_is_one_line(tmp_path):
    config = write_config(tmp_path / "c.yaml", CONFIG)
    child = cli(
        "build",
        str(config),
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "2",
        env={"RAY_ADDRESS": "127.0.0.1:1"},
    )
    printed, _ = child.communicate(timeout=60)
    assert child.returncode == 2 and "Traceback" not in printed
    assert "no Ray cluster answers" in printed


def test_every_error_in_a_shard_becomes_a_skip_with_its_stage_and_place(tmp_path, monkeypatch):
    config = parse_config(CONFIG)
    (shard, *_) = plan(config)

    def broken(*args, **kwargs):
        return [][1]  # an error nobody raised on purpose

    monkeypatch.setattr(shard_module, "ask", broken)
    record = shard_module.run_shard(config, shard, str(tmp_path), fingerprint(config))
    assert record["status"] == "skipped" and not any(tmp_path.iterdir())
    assert record["reason"].startswith("proc_2_0000: asking questions: IndexError: list index")
    assert "(at test_build_faults.py:" in record["reason"] and "in broken)" in record["reason"]


def test_a_shard_past_its_time_limit_is_stopped_and_skipped(ray_local, tmp_path):
    # No shard is done in 10 ms (with 0.5 s, a fast machine finished both in time).
    config = parse_config({**CONFIG, "limits": {"shard_timeout_s": 0.01}})
    started = time.monotonic()
    manifest = build(config, tmp_path / "out", progress=False)
    assert time.monotonic() - started < 60
    assert manifest["scenes"] == {"built": 0, "skipped": 2, "excluded": 0}
    assert all(
        "still running after limits.shard_timeout_s 0.01 s" in s["reason"]
        for s in manifest["skipped"]
    )
    assert not list((tmp_path / "out").glob("data/*"))


def test_a_scene_beyond_the_memory_budget_is_skipped_before_any_work(tmp_path):
    config = parse_config({**CONFIG, "limits": {"max_shard_memory_gib": 0.1}})
    (shard, *_) = plan(config)
    record = shard_module.run_shard(config, shard, str(tmp_path), fingerprint(config))
    assert record["status"] == "skipped"
    assert "checking limits: SceneError" in record["reason"]
    assert "more than limits.max_shard_memory_gib 0.1" in record["reason"]


def test_two_scenes_of_one_scene_id_keep_the_first(ray_local, tmp_path):
    scenes = tmp_path / "scenes"
    save_scene(procedural_scene(5, 0, frames=8), scenes / "a")
    save_scene(procedural_scene(5, 0, frames=8), scenes / "b")
    config = parse_config({**CONFIG, "scenes": [{"dir": str(scenes)}, {"dir": str(scenes)}]})
    manifest = build(config, tmp_path / "out", progress=False)
    assert manifest["scenes"] == {"built": 1, "skipped": 3, "excluded": 0}
    assert [s["scene"] for s in manifest["shards"] if s["status"] == "ok"] == ["a"]
    assert all("is also the scene_id of a (shard 0)" in s["reason"] for s in manifest["skipped"])
    assert sorted(p.name for p in (tmp_path / "out" / "data").iterdir()) == ["part-00000.parquet"]
    ids = [r["id"] for r in rows(tmp_path / "out")]
    assert len(ids) == len(set(ids)) == manifest["samples"]


def test_duplicates_are_decided_by_shard_order_not_finishing_order():
    records = {
        2: {"shard": 2, "scene": "c", "status": "ok", "scene_id": "x"},
        0: {"shard": 0, "scene": "a", "status": "ok", "scene_id": "x"},
        1: {"shard": 1, "scene": "b", "status": "skipped"},
    }
    (skipped,) = duplicate_scene_ids(records)
    assert skipped["shard"] == 2 and skipped["status"] == "skipped"


def test_sample_ids_hash_the_source_key(tmp_path):
    scenes = scene_dirs(tmp_path / "scenes", 1)
    config = parse_config({**CONFIG, "scenes": [{"dir": str(scenes)}, {"dir": str(scenes)}]})
    keys = [shard.scene.key for shard in plan(config)]
    assert keys == ["scenes[0].dir:room0", "scenes[1].dir:room0"]


@pytest.mark.parametrize(
    "name", ["ORACLE_VERSION", "LOADERS_VERSION", "TASK_BASE_VERSION", "SCHEMA_VERSION"]
)
def test_the_fingerprint_covers_every_versioned_part(monkeypatch, name):
    config = parse_config(CONFIG)
    before = fingerprint(config)
    plan_module = importlib.import_module("spatialqa.pipelines.plan")
    monkeypatch.setattr(plan_module, name, getattr(plan_module, name) + 1)
    assert fingerprint(config) != before


class ShardKiller:
    """SIGKILLs Ray workers while they run a shard (``ray::run_shard`` in their command line),
    at most ``times`` times, from a thread beside the build.

    A worker is killed once it has shown the shard for ``AFTER_S``: Ray titles a worker when it
    is handed the task, and one killed before the task starts executing is handed the task
    again without a retry being counted (under load, unpickling the task and importing the
    pipeline took more than half a second)."""

    AFTER_S = 1.0

    def __init__(self, times: int) -> None:
        self.times, self.killed = times, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        seen: dict[str, float] = {}  # pid -> when it was first seen running a shard
        while self.killed < self.times and not self._stop.wait(0.05):
            for proc in Path("/proc").iterdir():
                try:
                    running = b"ray::run_shard" in (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if not (running and proc.name.isdigit()):
                    continue
                since = seen.setdefault(proc.name, time.monotonic())
                if time.monotonic() - since >= self.AFTER_S:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(proc.name), signal.SIGKILL)
                        self.killed += 1
                break

    def __enter__(self) -> ShardKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_sigkilled_worker_is_retried_to_the_same_bytes(ray_local, tmp_path):
    reference = build(parse_config(SLOW), tmp_path / "reference", progress=False)
    with ShardKiller(times=1) as killer:
        manifest = build(parse_config(SLOW), tmp_path / "out", workers=1, progress=False)
    assert killer.killed == 1
    assert manifest["scenes"] == reference["scenes"] == {"built": 2, "skipped": 0, "excluded": 0}
    assert digests(tmp_path / "out") == digests(tmp_path / "reference")


def test_a_worker_that_always_dies_skips_its_scene_and_the_build_goes_on(ray_local, tmp_path):
    one = parse_config({**SLOW, "scenes": [{"procedural": {"count": 1, "seed": 2}}]})
    with ShardKiller(times=RETRIES + 1) as killer:
        manifest = build(one, tmp_path / "out", workers=1, progress=False)
    assert killer.killed == RETRIES + 1
    (skipped,) = manifest["skipped"]
    assert skipped["reason"].startswith(f"proc_2_0000: the worker died {RETRIES + 1} times")
    assert "\x1b[" not in skipped["reason"]


def test_a_scene_broken_or_removed_since_the_last_build_leaves_no_part_behind(ray_local, tmp_path):
    scenes = scene_dirs(tmp_path / "scenes", 3)
    config = parse_config({**CONFIG, "scenes": [{"dir": str(scenes)}]})
    out = tmp_path / "out"
    build(config, out, progress=False)
    (scenes / "room1" / "scene.json").write_text("{")  # broken since
    manifest = build(config, out, progress=False)
    assert [s["status"] for s in manifest["shards"]] == ["ok", "skipped", "ok"]
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "part-00000.parquet",
        "part-00002.parquet",
    ]
    assert len(rows(out)) == manifest["samples"]
    shutil.rmtree(scenes / "room1")  # removed: room2 is shard 1 now, and part 2 is no one's
    manifest = build(config, out, progress=False)
    assert manifest["scenes"] == {"built": 2, "skipped": 0, "excluded": 0}
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    assert len(rows(out)) == manifest["samples"]
