"""Procedural cameras: timestamps, a tour that looks ahead, an orbit, views of pieces, never
inside furniture."""

import itertools

import numpy as np
from procedural_rooms_kit import center, hulls, on_floor, room_type
from shapely.geometry import LineString, Point, Polygon

from spatialqa.oracle import visible_instances
from spatialqa.scenes import rooms
from spatialqa.scenes.trajectories import FRAME_SPACING_S, HANDHELD_DRIFT_M


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
