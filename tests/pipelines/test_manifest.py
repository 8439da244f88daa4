"""Manifest buckets: where each kind of answer is counted."""

import json

import pytest

from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.manifest import (
    answer_bucket,
    empty_task_warning,
    make_manifest,
    row_counts,
    task_hint,
)


def row(**fields) -> dict:
    base = {"task": "t", "answer_type": "mc", "answer": "A", "value": None, "unit": None}
    return {**base, "answerable": True, "abstain_reason": None, "split": None, **fields}


def test_buckets_by_answer_kind():
    assert answer_bucket(row()) == "A"
    assert answer_bucket(row(answer_type="yes_no", answer="no")) == "no"
    assert answer_bucket(row(answer_type="integer", answer="3", value=3.0)) == "3"
    assert answer_bucket(row(answer_type="number", value=0.37, unit="m")) == "[0.2, 0.5) m"
    assert answer_bucket(row(answer_type="number", value=7.0, unit="m")) == "[5, 10) m"
    assert answer_bucket(row(answer_type="box", answer="[1, 2, 3, 4]")) == "box"


def test_abstention_items_are_counted_by_kind():
    hidden = "referent not visible in the given views: lamp (id 3)"
    close = "margin within the threshold in the given view: the depth difference is 0.03 m, ..."
    rows = [
        row(answerable=False, answer_type="abstain", abstain_reason=hidden),
        row(answerable=False, answer_type="abstain", abstain_reason=close),
        row(answerable=False, answer_type="abstain", abstain_reason=close),
        row(),
    ]
    assert row_counts(rows)["answer_bucket"] == {
        "t": {
            "A": 1,
            "abstain: margin within the threshold in the given view": 2,
            "abstain: referent not visible in the given views": 1,
        }
    }


def record(shard: int, tasks: dict[str, int], status: str = "ok") -> dict:
    """A shard record as run_shard returns it, with ``tasks`` rows (mc answers, all "A")."""
    if status != "ok":
        return {"shard": shard, "scene": f"s{shard}", "status": status, "reason": "broken"}
    rows = [row(task=task) for task, n in tasks.items() for _ in range(n)]
    return {
        "shard": shard,
        "scene": f"s{shard}",
        "status": "ok",
        "rows": len(rows),
        "frames": 2,
        "counts": row_counts(rows),
    }


CONFIG = {
    "name": "m",
    "scenes": [{"procedural": {"count": 3}}],
    "tasks": ["object_counting", "obj_appearance_order", "camera_rotation", "object_existence"],
}


def test_tasks_without_a_sample_are_recorded_with_their_hints():
    from spatialqa.generators.appearance import ObjAppearanceOrder
    from spatialqa.generators.camera_motion import CAMERA_HINT

    config = parse_config(CONFIG)
    records = [
        record(0, {"object_counting": 2}),
        record(1, {"object_counting": 1, "object_existence": 3}),
        record(2, {}, status="skipped"),
    ]
    manifest = make_manifest(config, "h", records, planned=3, wall_time_s=1.0)
    assert manifest["samples"] == 6  # 2 + 1 + 3
    assert manifest["empty_tasks"] == [  # config order; object_existence yielded in shard 1
        {"task": "obj_appearance_order", "hint": ObjAppearanceOrder.hint},
        {"task": "camera_rotation", "hint": CAMERA_HINT},
    ]
    assert ObjAppearanceOrder.hint.startswith("needs four categories")
    # no scene built: every task is empty, and the skip reasons, not the hints, say why
    skipped = [record(i, {}, status="skipped") for i in range(3)]
    assert make_manifest(config, "h", skipped, planned=3, wall_time_s=1.0)["empty_tasks"] == []


def test_the_empty_task_warning_names_the_task_the_scenes_and_the_hint():
    assert empty_task_warning("t", None, 1) == "task t yielded no sample in the 1 scene built"
    assert empty_task_warning("t", "needs a tour", 3, "asked") == (
        "task t yielded no sample in the 3 scenes asked; it needs a tour"
    )
    assert task_hint("object_counting") is None and task_hint("no_such_task") is None


def test_scene_roots_are_the_folders_the_build_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = parse_config(
        {**CONFIG, "scenes": [{"procedural": {"count": 1}}, {"dir": "rooms"}, {"dir": "/a/b"}]}
    )
    roots = make_manifest(config, "h", [], planned=0, wall_time_s=0.0)["scene_roots"]
    assert roots == [None, str(tmp_path / "rooms"), "/a/b"]


@pytest.mark.parametrize("trajectory", ["walkthrough", "moved"])
def test_a_recorded_room_is_made_again_with_its_moved_walk_when_the_build_asked(
    tmp_path, trajectory
):
    """A manifest as a build writes it, cut to what recorded_scene reads: the room comes back
    with the moved walk (and its motion) exactly when the views were asked of it."""
    from spatialqa.pipelines.manifest import recorded_scene

    config = {
        "scenes": [{"procedural": {"count": 1, "seed": 0, "frames": 4}}],
        "views": {"trajectory": trajectory, "frames": 4},
    }
    shards = [{"shard": 0, "scene": "proc_0_0000", "scene_id": "proc_0_0000",
               "source": "scenes[0].procedural:0/0", "status": "ok"}]  # fmt: skip
    (tmp_path / "manifest.json").write_text(json.dumps({"config": config, "shards": shards}))
    scene = recorded_scene(tmp_path, "proc_0_0000")
    assert scene.moves == (trajectory == "moved")
    assert ("moved" in [t.name for t in scene.trajectories]) == (trajectory == "moved")
