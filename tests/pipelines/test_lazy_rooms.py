"""A build makes each procedural room with the delivered trajectory alone (``SceneRef.trajectory``)
and writes the same bytes as from the whole room: rows, frames and manifest records."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from build_kit import TINY

from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.plan import plan
from spatialqa.pipelines.shard import run_shard
from spatialqa.scenes import procedural

TASKS = [
    {"name": "object_abs_distance", "per_scene": 2},
    {"name": "obj_appearance_order", "per_scene": 2},
    {"name": "camera_displacement", "per_scene": 2},
    {"name": "object_moved", "per_scene": 2},
]


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def build_both_ways(config, tmp_path: Path) -> tuple[list[dict], list[dict]]:
    """Every shard run as planned (its room made with the delivered trajectory alone) and with
    the whole room, into two folders; the records, and the bytes of both folders equal."""
    lazy, whole = tmp_path / "lazy", tmp_path / "whole"
    records = {"lazy": [], "whole": []}
    for shard in plan(config):
        assert shard.scene.trajectory == config.views.trajectory
        every = replace(shard, scene=replace(shard.scene, trajectory=""))
        records["lazy"].append(run_shard(config, shard, str(lazy), "b"))
        records["whole"].append(run_shard(config, every, str(whole), "b"))
    assert files(lazy) == files(whole)
    return records["lazy"], records["whole"]


@pytest.mark.parametrize("trajectory", ["walkthrough", "tour", "moved"])
def test_a_build_writes_the_same_bytes_from_the_delivered_trajectory_alone(trajectory, tmp_path):
    config = parse_config(
        {**TINY, "tasks": TASKS, "views": {"frames": 4, "trajectory": trajectory}}
    )
    lazy, whole = build_both_ways(config, tmp_path)
    assert lazy == whole
    assert all(record["status"] == "ok" and record["rows"] > 0 for record in lazy)
    for shard in plan(config):  # and the rooms were made with it alone
        assert [t.name for t in shard.scene.load().trajectories] == [trajectory]


def test_a_room_without_the_trajectory_is_skipped_for_the_same_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(procedural, "orbit", lambda *args: None)  # no room has space for one
    config = parse_config({**TINY, "views": {"frames": 4, "trajectory": "orbit"}})
    lazy, whole = build_both_ways(config, tmp_path)
    assert lazy == whole
    assert [record["status"] for record in lazy] == ["skipped", "skipped"]
    assert "no trajectory 'orbit' (has ['walkthrough', " in lazy[0]["reason"]
