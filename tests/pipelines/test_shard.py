"""View selection (``pick_views``): spread over the trajectory in time order, and with the
framing rule only frames that pass it, judged by the oracle."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from spatialqa.errors import SceneError
from spatialqa.oracle.framing import framing
from spatialqa.pipelines import shard
from spatialqa.pipelines.config import FramingSpec, ViewsSpec
from spatialqa.pipelines.shard import delivered_views, pick_views, view_shortfall
from spatialqa.scenes import procedural_scene
from spatialqa.scenes.scene import Source


@pytest.fixture(scope="module")
def room():
    return procedural_scene(0, 0, frames=32)


def passing(monkeypatch, good: set[int]) -> list[str]:
    """Frames f<i> pass exactly when i is in ``good``; returns the frame ids judged, in order."""
    judged: list[str] = []

    def passes(scene, frame_id, max_structure, min_objects):
        assert (max_structure, min_objects) == (0.6, 2)
        judged.append(frame_id)
        return int(frame_id[1:]) in good

    monkeypatch.setattr(shard, "passes", passes)
    return judged


def ids(*numbers: int) -> tuple[str, ...]:
    return tuple(f"f{i:04d}" for i in numbers)


def test_every_frame_passing_gives_the_plain_spread_judging_one_frame_a_view(room, monkeypatch):
    judged = passing(monkeypatch, set(range(32)))
    # 16 of 32: round(j * 31 / 15), worked out by hand
    spread = ids(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31)
    assert pick_views(room, ViewsSpec(frames=16)) == spread
    assert sorted(judged) == list(spread)  # lazy: one verdict per view
    assert pick_views(room, ViewsSpec(frames=16, framing=None)) == spread


def test_a_failing_frame_gives_way_to_its_neighbour_in_the_same_run(room, monkeypatch):
    passing(monkeypatch, set(range(32)) - {2, 17})
    # runs of two frames: [2, 3] gives 3; [16, 17] gives 16 (17 is the plain pick)
    expected = ids(0, 3, 4, 6, 8, 10, 12, 14, 16, 19, 21, 23, 25, 27, 29, 31)
    assert pick_views(room, ViewsSpec(frames=16)) == expected


def test_empty_runs_are_filled_by_the_frames_farthest_in_time_from_those_picked(
    monkeypatch,
):
    scene = procedural_scene(0, 0, frames=12)
    passing(monkeypatch, {0, 1, 2, 9, 10, 11})
    # 4 of 12: runs [0, 3), [3, 6), [6, 9), [9, 12) with plain picks 0, 4, 7, 11. The middle runs
    # have no passing frame; of the spare 1, 2, 9, 10 the farthest from {0, 11} are 2 and 9
    # (2 s away each): 2 first (the earlier), then 9 (2 s from 11, 7 s from 2).
    assert pick_views(scene, ViewsSpec(frames=4)) == ids(0, 2, 9, 11)


def test_fewer_passing_frames_than_views_deliver_them_all_and_say_so(room, monkeypatch):
    passing(monkeypatch, {5, 30})
    spec = ViewsSpec(frames=16)
    views = pick_views(room, spec)
    assert views == ids(5, 30)
    assert view_shortfall(room, spec, views) == (
        "2 of 16 views of trajectory 'walkthrough': only 2 of its 32 frames pass the framing "
        "rule (structure at most 60% of the pixels, at least 2 objects visible above tau)"
    )
    assert view_shortfall(room, spec, pick_views(room, ViewsSpec(frames=16, framing=None))) is None
    passing(monkeypatch, set())
    assert pick_views(room, spec) == ()
    with pytest.raises(SceneError, match="no frame of trajectory 'walkthrough' passes"):
        delivered_views(room, spec)


def test_a_trajectory_shorter_than_the_views_delivers_its_passing_frames(monkeypatch):
    scene = procedural_scene(0, 0, frames=6)
    passing(monkeypatch, {1, 2, 4})
    assert pick_views(scene, ViewsSpec(frames=16)) == ids(1, 2, 4)


def test_scans_are_held_to_the_rule_only_when_asked(room, monkeypatch):
    judged = passing(monkeypatch, set(range(0, 32, 3)))
    scan = dataclasses.replace(room, source=Source("scannet", "a scan"))
    plain = pick_views(room, ViewsSpec(frames=8, framing=None))
    assert pick_views(scan, ViewsSpec(frames=8)) == plain and not judged
    held = pick_views(scan, ViewsSpec(frames=8, framing=FramingSpec(scans=True)))
    assert held == pick_views(room, ViewsSpec(frames=8)) != plain
    assert all(int(view[1:]) % 3 == 0 for view in held)


def test_delivered_views_pass_the_rule_by_the_oracle_on_20_rooms():
    """Each delivered view, measured afresh by the oracle on a fresh copy of the room."""
    delivered, wanted = 0, 0
    for index in range(20):
        scene = procedural_scene(19, index, frames=32)
        for name in ("walkthrough", "tour"):
            views = pick_views(scene, ViewsSpec(trajectory=name, frames=16))
            fresh = procedural_scene(19, index, frames=32)  # no cache shared with the pick
            for view in views:
                measured = framing(fresh, view)
                assert measured.structure_share <= 0.6, (scene.scene_id, view, measured)
                assert measured.objects >= 2, (scene.scene_id, view, measured)
            times = [scene.frame(view).t for view in views]
            assert times == sorted(times) and len(set(times)) == len(times)
            delivered, wanted = delivered + len(views), wanted + 16
    assert delivered >= 0.85 * wanted  # the cameras make frames that mostly pass (0.88 measured)


def test_views_spread_over_the_whole_trajectory(room):
    views = pick_views(room, ViewsSpec(frames=16))
    index = np.array([int(v[1:]) for v in views])
    assert index[0] <= 2 and index[-1] >= 29
    assert np.diff(index).max() <= 6
