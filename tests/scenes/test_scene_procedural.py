"""Procedural rooms: deterministic, physically plausible, and seen by their own cameras."""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import MultiPoint, Point, Polygon

from spatialqa.errors import PlacementError
from spatialqa.scenes import procedural
from spatialqa.scenes.io import save_scene
from spatialqa.scenes.procedural import FRAME_SPACING_S, procedural_scene

ROOMS = 10


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def scenes():
    return [procedural_scene(7, index) for index in range(ROOMS)]


def hulls(scene):
    return {obj.id: MultiPoint(obj.vertices[:, :2]).convex_hull for obj in scene.objects}


def on_floor(scene):
    return [obj for obj in scene.objects if obj.vertices[:, 2].min() == 0.0]


def test_same_seed_and_index_give_identical_bytes(tmp_path):
    save_scene(procedural_scene(3, 5), tmp_path / "a")
    save_scene(procedural_scene(3, 5), tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_different_index_or_seed_gives_a_different_scene(tmp_path):
    for name, (seed, index) in {"a": (3, 5), "b": (3, 6), "c": (4, 5)}.items():
        save_scene(procedural_scene(seed, index, scene_id="same"), tmp_path / name)
    texts = {name: (tmp_path / name / "scene.json").read_text() for name in "abc"}
    assert len(set(texts.values())) == 3


def test_identity_and_source():
    scene = procedural_scene(3, 5)
    assert scene.scene_id == "proc_3_0005"
    assert (scene.source.kind, scene.source.detail) == ("procedural", "seed 3 index 5")
    assert procedural_scene(3, 5, scene_id="custom").scene_id == "custom"


def test_room_is_a_realistic_rectangle(scenes):
    for scene in scenes:
        footprint = scene.room.footprint
        width, depth = footprint[2]
        assert np.array_equal(footprint, [[0, 0], [width, 0], [width, depth], [0, depth]])
        assert Polygon(footprint).exterior.is_ccw
        assert 3.5 <= width <= 8.0 and 3.0 <= depth <= 7.0
        assert 2.5 <= scene.room.height <= 3.0
        assert scene.floor_z == 0.0


def test_structure_encloses_the_footprint_from_outside(scenes):
    for scene in scenes:
        assert [part.category for part in scene.structure] == ["floor", "ceiling", "wall"]
        width, depth = scene.room.footprint[2]
        floor, ceiling, walls = (part.mesh for part in scene.structure)
        assert floor.bounds[1, 2] == 0.0
        assert ceiling.bounds[0, 2] == scene.room.height
        v = walls.vertices
        inside = (v[:, 0] > 0) & (v[:, 0] < width) & (v[:, 1] > 0) & (v[:, 1] < depth)
        assert not inside.any()
        expected = [[-0.1, -0.1, 0.0], [width + 0.1, depth + 0.1, scene.room.height]]
        np.testing.assert_allclose(walls.bounds, expected, atol=1e-6)


def test_floor_objects_do_not_overlap_and_stay_inside(scenes):
    for scene in scenes:
        room = Polygon(scene.room.footprint)
        shapes = hulls(scene)
        floor = on_floor(scene)
        for i, a in enumerate(floor):
            assert room.contains(shapes[a.id]), (scene.scene_id, a.id)
            for b in floor[i + 1 :]:
                assert shapes[a.id].distance(shapes[b.id]) >= 0.04, (scene.scene_id, a.id, b.id)


def test_every_object_is_inside_the_room_volume(scenes):
    for scene in scenes:
        width, depth = scene.room.footprint[2]
        for obj in scene.objects:
            low, high = obj.vertices.min(axis=0), obj.vertices.max(axis=0)
            assert np.all(low >= [0.0, 0.0, 0.0]), (scene.scene_id, obj.id)
            assert np.all(high <= [width, depth, scene.room.height]), (scene.scene_id, obj.id)


def test_raised_objects_rest_on_a_support(scenes):
    supported = 0
    for scene in scenes:
        shapes = hulls(scene)
        floor = on_floor(scene)
        for obj in scene.objects:
            if obj in floor:
                continue
            supports = [s for s in floor if shapes[s.id].contains(shapes[obj.id])]
            assert len(supports) == 1, (scene.scene_id, obj.id)
            top = supports[0].vertices[:, 2].max()
            assert abs(obj.vertices[:, 2].min() - top) <= 1e-6, (scene.scene_id, obj.id)
            assert obj.category in {"lamp", "plant", "tv"}
            supported += 1
    assert supported >= ROOMS


def test_tvs_stand_on_tv_stands_or_cabinets(scenes):
    for scene in scenes:
        shapes = hulls(scene)
        for tv in (obj for obj in scene.objects if obj.category == "tv"):
            support = next(s for s in on_floor(scene) if shapes[s.id].contains(shapes[tv.id]))
            assert support.category in {"tv stand", "cabinet"}
            assert np.array_equal(support.front, tv.front)


def test_object_counts_and_categories(scenes):
    counts = [len(scene.objects) for scene in scenes]
    assert all(procedural.MIN_OBJECTS <= n <= procedural.MAX_OBJECTS for n in counts)
    assert 10 <= np.mean(counts) <= 18
    categories = Counter(obj.category for scene in scenes for obj in scene.objects)
    assert len(categories) >= 12
    for scene in scenes:
        assert [obj.id for obj in scene.objects] == list(range(1, len(scene.objects) + 1))
    per_scene = [Counter(obj.category for obj in scene.objects) for scene in scenes]
    assert sum(any(n >= 2 for n in c.values()) for c in per_scene) >= ROOMS * 0.8
    assert all(sum(n == 1 for n in c.values()) >= 2 for c in per_scene)


def test_chairs_face_their_table():
    seen = 0
    for index in range(20):
        scene = procedural_scene(11, index)
        tables = [obj for obj in scene.objects if obj.category == "table"]
        for table in tables:
            centre = table.vertices.mean(axis=0)
            for chair in (obj for obj in scene.objects if obj.category == "chair"):
                to_table = centre[:2] - chair.vertices.mean(axis=0)[:2]
                if np.linalg.norm(to_table) < 1.5:
                    assert chair.front[:2] @ to_table > 0
                    seen += 1
    assert seen >= 5


def test_colours_fronts_and_float32_vertices(scenes):
    for scene in scenes:
        for obj in scene.objects:
            assert obj.color is not None and obj.points is None
            v = obj.mesh.vertices
            assert np.array_equal(v.astype(np.float32).astype(np.float64), v)
            if obj.front is not None:
                assert obj.front[2] == 0.0
        for part in scene.structure:
            v = part.mesh.vertices
            assert np.array_equal(v.astype(np.float32).astype(np.float64), v)
    fronts = {obj.category for s in scenes for obj in s.objects if obj.front is not None}
    assert {"chair", "sofa", "bed", "tv"} & fronts
    assert not {"lamp", "plant", "stool", "trash can", "table"} & fronts


def test_walkthrough_stays_inside_at_eye_height(scenes):
    for scene in scenes:
        walk = scene.trajectory("walkthrough")
        assert len(walk.frames) == 32
        room = Polygon(scene.room.footprint).buffer(-0.5)
        for i, frame in enumerate(walk.frames):
            assert frame.id == f"f{i:04d}"
            assert frame.t == i * FRAME_SPACING_S
            assert (frame.width, frame.height) == (640, 480)
            assert room.contains(Point(frame.center[:2]))
            assert 1.5 <= frame.center[2] <= 1.65
            hfov = 2 * np.degrees(np.arctan(frame.width / 2 / frame.K[0, 0]))
            assert 70 <= hfov <= 90


def test_cameras_are_never_inside_tall_furniture(scenes):
    for scene in scenes:
        for frame in scene.trajectory("walkthrough").frames:
            for obj in scene.objects:
                low, high = obj.vertices.min(axis=0), obj.vertices.max(axis=0)
                assert not np.all((low <= frame.center) & (frame.center <= high))


def test_frames_see_most_objects(scenes):
    fractions = []
    for scene in scenes:
        frames = scene.trajectory("walkthrough").frames
        centroids = np.array([obj.vertices.mean(axis=0) for obj in scene.objects])
        seen = np.zeros(len(centroids), dtype=bool)
        for frame in frames:
            uv, z = frame.project(centroids)
            seen |= (
                (z > 0)
                & (uv[:, 0] >= 0)
                & (uv[:, 0] <= frame.width)
                & (uv[:, 1] >= 0)
                & (uv[:, 1] <= frame.height)
            )
        fractions.append(seen.mean())
    assert np.mean(fractions) >= 0.7


def test_frames_keyword():
    scene = procedural_scene(7, 0, frames=5)
    assert [f.t for f in scene.trajectory("walkthrough").frames] == [0.0, 0.5, 1.0, 1.5, 2.0]
    with pytest.raises(ValueError, match="frames"):
        procedural_scene(7, 0, frames=0)


def test_giving_up_names_the_scene(monkeypatch):
    monkeypatch.setattr(procedural, "MIN_OBJECTS", 100)
    with pytest.raises(PlacementError, match="procedural scene proc_7_0000: placed only"):
        procedural_scene(7, 0)
