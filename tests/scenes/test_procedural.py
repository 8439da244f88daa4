"""procedural_scene: the same bytes for the same input, typed rooms, frames, giving up."""

from collections import Counter

import pytest
from procedural_rooms_kit import PER_TYPE, room_type
from scene_compare_kit import files_of

from spatialqa.errors import PlacementError
from spatialqa.scenes import layout, procedural
from spatialqa.scenes.io import save_scene
from spatialqa.scenes.procedural import ROOM_TYPES, procedural_scene


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
