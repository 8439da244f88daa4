"""Procedural rooms: typed, varied, physically plausible, and seen by their own cameras."""

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from spatialqa.errors import PlacementError
from spatialqa.oracle import visible_instances
from spatialqa.scenes import footprints, layout, procedural, rooms
from spatialqa.scenes.footprints import ROOM_SIZES
from spatialqa.scenes.io import save_scene
from spatialqa.scenes.procedural import ROOM_TYPES, procedural_scene
from spatialqa.scenes.trajectories import FRAME_SPACING_S, HANDHELD_DRIFT_M

PER_TYPE = 4


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def scenes():
    """Four rooms of every type."""
    return [
        procedural_scene(7, index, room_type=kind, frames=16)
        for kind in ROOM_TYPES
        for index in range(PER_TYPE)
    ]


def room_type(scene) -> str:
    return scene.source.detail.split(": ")[1].split(",")[0]


def hulls(scene):
    return {obj.id: MultiPoint(obj.vertices[:, :2]).convex_hull for obj in scene.objects}


def on_floor(scene):
    return [obj for obj in scene.objects if obj.vertices[:, 2].min() == 0.0]


def center(obj) -> np.ndarray:
    return (obj.vertices.min(axis=0) + obj.vertices.max(axis=0)) / 2


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


def test_rooms_have_realistic_sizes_and_some_are_l_shaped(scenes):
    corners = Counter()
    for scene in scenes:
        footprint = scene.room.footprint
        polygon = Polygon(footprint)
        assert polygon.is_valid and polygon.exterior.is_ccw
        corners[len(footprint)] += 1
        # Axis-aligned, on a 1/32 m grid.
        assert np.array_equal(footprint * 32, np.round(footprint * 32))
        steps = np.diff(np.vstack([footprint, footprint[:1]]), axis=0)
        assert np.all((steps == 0).sum(axis=1) == 1)
        (w0, w1), (d0, d1) = ROOM_SIZES[room_type(scene)]
        width, depth = np.ptp(footprint, axis=0)
        assert w0 <= width <= w1 and d0 <= depth <= d1, scene.scene_id
        assert 2.4 <= scene.room.height <= 3.0
        assert scene.floor_z == 0.0
        if len(footprint) == 6:  # every arm of an L is wide enough to walk
            assert polygon.buffer(-footprints.MIN_ARM / 2 + 0.01).geom_type == "Polygon"
    assert set(corners) == {4, 6}


def test_walls_surround_the_footprint_with_a_door_and_windows(scenes):
    windows = 0
    for scene in scenes:
        parts = {part.category: part.mesh for part in scene.structure}
        assert list(parts)[:4] == ["floor", "ceiling", "wall", "door"]
        windows += "window" in parts
        polygon = Polygon(scene.room.footprint)
        walls = parts["wall"]
        inside = [polygon.contains_properly(Point(v)) for v in walls.vertices[:, :2]]
        assert not any(inside), scene.scene_id
        assert (
            polygon.buffer(0.1 + 1e-6, join_style="mitre").contains(
                MultiPoint(walls.vertices[:, :2]).convex_hull
            )
            or len(scene.room.footprint) == 6
        )
        assert parts["floor"].bounds[1, 2] == 0.0
        assert parts["ceiling"].bounds[0, 2] == scene.room.height
        # The door is an opening: a ray out through its middle at 1 m meets no wall.
        door = parts["door"]
        middle = (door.bounds[0] + door.bounds[1]) / 2
        nearest = np.array(
            polygon.exterior.interpolate(polygon.exterior.project(Point(middle[:2]))).coords[0]
        )
        outward = middle[:2] - nearest
        outward = outward / np.linalg.norm(outward)
        origin = np.array([*(nearest - 0.3 * outward), 1.0])
        hits, _, _ = walls.ray.intersects_location([origin], [[*outward, 0.0]])
        assert len(hits) == 0 or np.linalg.norm(hits - origin, axis=1).min() > 1.0
    assert windows >= len(scenes) // 3


def test_objects_stay_inside_and_floor_objects_do_not_overlap(scenes):
    for scene in scenes:
        room = Polygon(scene.room.footprint)
        shapes = hulls(scene)
        floor = on_floor(scene)
        for obj in scene.objects:
            assert room.covers(shapes[obj.id]), (scene.scene_id, obj.id)
            assert 0.0 <= obj.vertices[:, 2].min() and obj.vertices[:, 2].max() <= scene.room.height
        for i, a in enumerate(floor):
            for b in floor[i + 1 :]:
                assert shapes[a.id].distance(shapes[b.id]) >= 0.04, (scene.scene_id, a.id, b.id)


def test_nothing_blocks_the_door(scenes):
    for scene in scenes:
        room = Polygon(scene.room.footprint)
        door = next(p.mesh for p in scene.structure if p.category == "door")
        (x0, y0, _), (x1, y1, _) = door.bounds
        middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        # The leaf is thin across the wall; the room lies on one side of it.
        across = np.array([0.0, 1.0]) if (y1 - y0) < (x1 - x0) else np.array([1.0, 0.0])
        inward = across if room.contains(Point(middle + 0.2 * across)) else -across
        far = middle + 0.85 * inward
        zone = MultiPoint([(x0, y0), (x1, y1), (x0, y1), (x1, y0), tuple(far)]).envelope
        shapes = hulls(scene)
        for obj in on_floor(scene):
            assert not shapes[obj.id].intersects(zone.buffer(-0.05)), (scene.scene_id, obj.id)


def test_clutter_rests_on_surfaces(scenes):
    on = Counter()
    for scene in scenes:
        shapes = hulls(scene)
        floor = on_floor(scene)
        for obj in scene.objects:
            if obj in floor:
                continue
            bottom = obj.vertices[:, 2].min()
            supports = [s for s in floor if shapes[s.id].buffer(1e-6).contains(shapes[obj.id])]
            assert len(supports) == 1, (scene.scene_id, obj.id, obj.category)
            support = supports[0]
            assert np.any(support.vertices[:, 2] == bottom), (scene.scene_id, obj.id)
            on[(obj.category, support.category)] += 1
    assert on[("book", "bookshelf")] >= 5
    assert on[("cup", "table")] + on[("cup", "coffee table")] >= 2
    assert on[("pillow", "bed")] >= 2
    assert on[("tv", "tv stand")] >= 1


def test_thirty_categories_and_several_shapes(scenes):
    categories = Counter(obj.category for scene in scenes for obj in scene.objects)
    assert len(categories) >= 30, sorted(categories)
    shapes: dict[str, set[int]] = {}
    for scene in scenes:
        for obj in scene.objects:
            shapes.setdefault(obj.category, set()).add(len(obj.vertices))
    varied = sorted(c for c, counts in shapes.items() if len(counts) >= 2)
    assert {"chair", "table", "stool", "trash can"} <= set(varied) or len(varied) >= 6, varied
    counts = [len(scene.objects) for scene in scenes]
    assert all(procedural.MIN_OBJECTS <= n <= layout.MAX_OBJECTS for n in counts)
    for scene in scenes:
        assert [obj.id for obj in scene.objects] == list(range(1, len(scene.objects) + 1))


def test_seats_face_what_they_serve(scenes):
    checked = Counter()
    for scene in scenes:
        tables = [o for o in scene.objects if o.category in ("table", "desk")]
        for seat in (o for o in scene.objects if o.category in ("chair", "office chair")):
            nearest = min(
                tables, key=lambda t: np.linalg.norm(center(t) - center(seat))[..., None].min()
            )
            to = center(nearest)[:2] - center(seat)[:2]
            if np.linalg.norm(to) < 1.5:
                assert seat.front[:2] @ to > 0, (scene.scene_id, seat.id)
                checked[seat.category] += 1
        for armchair in (o for o in scene.objects if o.category == "armchair"):
            for coffee in (o for o in scene.objects if o.category == "coffee table"):
                to = center(coffee)[:2] - center(armchair)[:2]
                gap = MultiPoint(armchair.vertices[:, :2]).distance(
                    MultiPoint(coffee.vertices[:, :2]).convex_hull
                )
                if gap < 0.5:
                    assert armchair.front[:2] @ to > 0, (scene.scene_id, armchair.id)
                    checked["armchair"] += 1
        sofas = [o for o in scene.objects if o.category == "sofa"]
        tvs = [o for o in scene.objects if o.category == "tv"]
        if sofas and tvs and room_type(scene) == "living room":
            to = center(tvs[0])[:2] - center(sofas[0])[:2]
            checked["sofa faces tv"] += sofas[0].front[:2] @ to > 0
            checked["living rooms with a tv"] += 1
    assert checked["chair"] >= 5 and checked["office chair"] >= 3 and checked["armchair"] >= 1
    assert checked["sofa faces tv"] >= 0.75 * checked["living rooms with a tv"] > 0


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
    assert {"chair", "sofa", "bed", "tv", "toilet", "desk"} <= fronts
    assert not {"lamp", "plant", "stool", "trash can", "table", "cup"} & fronts


def test_trajectories_and_timestamps(scenes):
    for scene in scenes:
        names = [t.name for t in scene.trajectories]
        assert names[0] == "walkthrough" and names[-1] == "tour"
        assert set(names) <= {"walkthrough", "orbit", "lookat", "tour"}
        room = Polygon(scene.room.footprint).buffer(-0.2)
        for trajectory in scene.trajectories:
            prefix = {"walkthrough": "f", "orbit": "o", "lookat": "v", "tour": "t"}[trajectory.name]
            for i, frame in enumerate(trajectory.frames):
                assert frame.id == f"{prefix}{i:04d}"
                assert frame.t == i * FRAME_SPACING_S
                assert (frame.width, frame.height) == (640, 480)
                assert room.contains(Point(frame.center[:2])), (scene.scene_id, frame.id)
                assert 1.2 <= frame.center[2] <= min(1.7, scene.room.height - 0.3)
        walk = scene.trajectory("walkthrough")
        assert len(walk.frames) == 16 and len(scene.trajectory("tour").frames) == 16
        heights = [f.center[2] for f in walk.frames]
        drift = HANDHELD_DRIFT_M
        assert all(1.45 - drift <= z <= 1.6 + drift for z in heights)
        assert max(heights) - min(heights) > drift  # held by hand: the height drifts
    with_orbit = [s for s in scenes if "orbit" in [t.name for t in s.trajectories]]
    with_views = [s for s in scenes if "lookat" in [t.name for t in s.trajectories]]
    assert len(with_orbit) >= 0.8 * len(scenes) and len(with_views) >= 0.8 * len(scenes)


def test_the_tour_looks_where_it_walks_and_reveals_the_room_as_it_goes(scenes):
    first_seen = {"walkthrough": 0, "tour": 0}

    def off_path(frames) -> float:
        """Median angle (degrees) between where the camera looks and where it goes next."""
        turns = []
        for here, there in itertools.pairwise(frames):
            forward, step = here.pose[:2, 2], (there.center - here.center)[:2]
            cosine = forward @ step / np.linalg.norm(forward) / np.linalg.norm(step)
            turns.append(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
        return float(np.median(turns))

    for scene in scenes:  # the tour: its 10-20 degree sweep, and chords that cut corners
        assert off_path(scene.trajectory("tour").frames) < 25.0, scene.scene_id
    for scene in scenes[::3]:  # the walkthrough faces the room's middle, the tour the path
        small = scene.resized(160, 120)
        for name in first_seen:
            ids = [frame.id for frame in small.trajectory(name).frames]
            first_seen[name] += sum(visible_instances(small, ids[:1]).values())
            if name == "tour":
                assert sum(visible_instances(small, ids).values()) >= 0.8 * len(scene.objects)
    assert first_seen["tour"] < 0.7 * first_seen["walkthrough"], first_seen


def test_orbit_circles_the_main_piece_and_views_look_at_pieces(scenes):
    around_anchor = 0
    orbits = [s for s in scenes if "orbit" in [t.name for t in s.trajectories]]
    for scene in orbits:
        frames = scene.trajectory("orbit").frames
        # All optical axes meet, seen from above, in one point: where they look.
        normals = np.array([[-f.pose[1, 2], f.pose[0, 2]] for f in frames])
        offsets = np.array([n @ f.center[:2] for n, f in zip(normals, frames, strict=True)])
        focus = np.linalg.lstsq(normals, offsets, rcond=None)[0]
        assert np.allclose(normals @ focus, offsets, atol=1e-6)
        anchor = rooms.ANCHORS[room_type(scene)]
        centres = [center(o)[:2] for o in scene.objects if o.category == anchor]
        around_anchor += any(np.allclose(c, focus, atol=1e-4) for c in centres)
    assert around_anchor >= 0.8 * len(orbits)
    for scene in (s for s in scenes if "lookat" in [t.name for t in s.trajectories]):
        shapes = hulls(scene)
        pieces = [shapes[obj.id] for obj in on_floor(scene)]
        for frame in scene.trajectory("lookat").frames:
            axis = frame.pose[:2, 2] / np.linalg.norm(frame.pose[:2, 2])
            ray = LineString([frame.center[:2], frame.center[:2] + 4.0 * axis])
            assert any(ray.intersects(piece) for piece in pieces), (scene.scene_id, frame.id)


def test_cameras_are_never_inside_furniture(scenes):
    for scene in scenes:
        for trajectory in scene.trajectories:
            for frame in trajectory.frames:
                for obj in scene.objects:
                    low, high = obj.vertices.min(axis=0), obj.vertices.max(axis=0)
                    assert not np.all((low <= frame.center) & (frame.center <= high))


def test_walkthrough_sees_most_objects(scenes):
    fractions = []
    for scene in scenes:
        frames = scene.trajectory("walkthrough").frames
        centroids = np.array([center(obj) for obj in scene.objects])
        seen = np.zeros(len(centroids), dtype=bool)
        for frame in frames:
            uv, z = frame.project(centroids)
            seen |= (
                (z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] <= 640) & (uv[:, 1] >= 0) & (uv[:, 1] <= 480)
            )
        fractions.append(seen.mean())
    assert np.mean(fractions) >= 0.7


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
