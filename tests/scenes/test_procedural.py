"""procedural_scene: the same bytes for the same input, typed rooms, frames, giving up, and
rooms made with only some of their trajectories."""

from collections import Counter
from dataclasses import replace
from functools import cache

import pytest
from procedural_rooms_kit import PER_TYPE, room_type
from scene_compare_kit import files_of

from spatialqa.errors import PlacementError
from spatialqa.scenes import layout, procedural
from spatialqa.scenes.formats import SceneRef
from spatialqa.scenes.io import save_scene
from spatialqa.scenes.motion import moved_walk
from spatialqa.scenes.procedural import ROOM_TYPES, TRAJECTORIES, procedural_scene


def test_same_seed_and_index_give_identical_bytes(tmp_path):
    save_scene(procedural_scene(3, 5), tmp_path / "a")
    save_scene(procedural_scene(3, 5), tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_different_index_or_seed_gives_a_different_scene(tmp_path):
    for name, (seed, index) in {"a": (3, 5), "b": (3, 6), "c": (4, 5)}.items():
        save_scene(procedural_scene(seed, index, scene_id="same"), tmp_path / name)
    texts = {name: (tmp_path / name / "scene.json").read_text() for name in "abc"}
    assert len(set(texts.values())) == 3


def test_identity_source_and_room_types(scenes):
    scene = procedural_scene(3, 5)
    assert scene.scene_id == "proc_3_0005"
    assert scene.source.kind == "procedural"
    assert scene.source.detail.startswith("seed 3 index 5: ")
    assert room_type(scene) in ROOM_TYPES
    assert procedural_scene(3, 5, scene_id="custom").scene_id == "custom"
    assert [room_type(s) for s in scenes] == [k for k in ROOM_TYPES for _ in range(PER_TYPE)]
    drawn = Counter(room_type(procedural_scene(1, i, frames=2)) for i in range(12))
    assert len(drawn) >= 4
    with pytest.raises(ValueError, match="room_type must be one of"):
        procedural_scene(0, 0, room_type="garage")


def test_frames_keyword():
    scene = procedural_scene(7, 0, frames=5)
    assert [f.t for f in scene.trajectory("walkthrough").frames] == [0.0, 0.5, 1.0, 1.5, 2.0]
    with pytest.raises(ValueError, match="frames"):
        procedural_scene(7, 0, frames=0)


def test_giving_up_names_the_scene_room_and_object(monkeypatch):
    monkeypatch.setattr(layout, "FLOOR_OBJECTS_MAX", 0)
    with pytest.raises(PlacementError) as info:
        procedural_scene(7, 0, room_type="bathroom")
    message = str(info.value)
    assert message.startswith("procedural scene proc_7_0000 (bathroom): gave up after 6 rooms")
    assert "could not place a toilet after 40 tries" in message
    monkeypatch.setattr(layout, "FLOOR_OBJECTS_MAX", 18)
    monkeypatch.setattr(procedural, "MIN_OBJECTS", 100)
    with pytest.raises(PlacementError, match=r"proc_7_0000 \(office\).*placed only \d+ objects"):
        procedural_scene(7, 0, room_type="office")


LAZY_ROOMS = [(4, 0, False), (4, 1, True), (4, 2, False), (4, 3, True)]
"""(seed, index, moved): two rooms moving, two not."""


@cache
def full_room(seed, index, moving):
    return procedural_scene(seed, index, frames=8, moved=moving)


def test_the_lazy_rooms_have_every_trajectory_between_them():
    """So that no comparison below is of two empty lists alone: every trajectory is in some
    room, and orbit and lookat in a moving one (their streams are the new ones)."""
    made = {(room[2], t.name) for room in LAZY_ROOMS for t in full_room(*room).trajectories}
    moving = {name for flag, name in made if flag}
    assert {name for _, name in made} == set(TRAJECTORIES)
    assert {"orbit", "lookat", "moved"} <= moving


@pytest.mark.parametrize(("seed", "index", "moving"), LAZY_ROOMS)
def test_a_room_made_with_one_trajectory_is_the_full_room_less_the_others(
    seed, index, moving, tmp_path
):
    full = full_room(seed, index, moving)
    names = TRAJECTORIES if moving else TRAJECTORIES[:-1]
    assert {t.name for t in full.trajectories} <= set(names)
    for name in names:
        alone = procedural_scene(seed, index, frames=8, moved=moving, trajectories=(name,))
        assert [t.name for t in alone.trajectories] == [
            t.name for t in full.trajectories if t.name == name
        ]
        # byte for byte: frames (ids, poses, K, t, size), objects' meshes and motion,
        # structure, room and source, as the full room saves them less the other trajectories
        kept = tuple(t for t in full.trajectories if t.name == name)
        save_scene(replace(full, trajectories=kept), tmp_path / f"{name}-full")
        save_scene(alone, tmp_path / f"{name}-alone")
        assert files_of(tmp_path / f"{name}-alone") == files_of(tmp_path / f"{name}-full")
    pair = procedural_scene(seed, index, frames=8, moved=moving, trajectories=("tour", "orbit"))
    assert [t.name for t in pair.trajectories] == [
        t.name for t in full.trajectories if t.name in ("orbit", "tour")
    ]  # in the full room's order, whatever order they are asked in


def test_the_moved_walk_starts_after_the_latest_time_any_trajectory_can_have():
    # frames 8: walkthrough, low and tour at most 8 frames (t 0..3.5 s), the orbit at most
    # max(4, 8 // 2) = 4, lookat at most 6: the moved walk starts at 8 * 0.5 = 4.0 s.
    # frames 3: the lookat's 6 views (t up to 2.5 s) are the longest: it starts at 3.0 s.
    for frames, start in ((8, 4.0), (3, 3.0)):
        for index in (1, 3):
            scene = procedural_scene(4, index, frames=frames, moved=True)
            moved = scene.trajectory("moved").frames
            assert [f.t for f in moved] == [start + 0.5 * i for i in range(frames)]
            others = [f.t for t in scene.trajectories if t.name != "moved" for f in t.frames]
            assert max(others) < start
            walk = scene.trajectory("walkthrough").frames
            assert [f.pose.tobytes() for f in moved] == [f.pose.tobytes() for f in walk]
    with pytest.raises(ValueError, match="must start after every other frame"):
        moved_walk(scene, scene.trajectory("walkthrough"), start=max(others))


def test_only_the_trajectories_a_room_can_have_are_asked_for():
    with pytest.raises(ValueError, match=r"\['spiral'\] not among"):
        procedural_scene(4, 0, frames=2, trajectories=("walkthrough", "spiral"))
    with pytest.raises(ValueError, match="the moved walk needs moved=True"):
        procedural_scene(4, 0, frames=2, trajectories=("moved",))
    bare = procedural_scene(4, 0, frames=2, trajectories=())
    assert bare.trajectories == () and len(bare.objects) >= procedural.MIN_OBJECTS


def test_a_scene_ref_makes_its_trajectory_alone_and_the_whole_room_when_it_is_missing(
    monkeypatch,
):
    def names(ref):
        return [t.name for t in ref.load().trajectories]

    whole = [t.name for t in procedural_scene(4, 1, frames=8).trajectories]
    ref = SceneRef("procedural", "proc_4_0001", 4, 1, 8, trajectory="tour")
    assert names(ref) == ["tour"]
    assert names(replace(ref, moved=True, trajectory="moved")) == ["moved"]
    assert names(replace(ref, trajectory="")) == whole
    # a name no room has, or the moved walk of a room not made moving: the whole room
    assert names(replace(ref, trajectory="spiral")) == whole
    assert names(replace(ref, trajectory="moved")) == whole
    # a room with no space for an orbit: the whole room, so that the reason a build gives for
    # skipping it ("no trajectory 'orbit' (has [...])") names what the room has
    monkeypatch.setattr(procedural, "orbit", lambda *args: None)
    assert names(replace(ref, trajectory="orbit")) == [name for name in whole if name != "orbit"]
    assert "walkthrough" in whole and "tour" in whole
