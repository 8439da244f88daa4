"""Procedural cameras: timestamps, a photographer's (or a robot's) height and pitch, frames that
mostly pass the framing rule, a tour that looks ahead, an orbit, views of pieces, never inside
furniture."""

import itertools

import numpy as np
from procedural_rooms_kit import center, hulls, on_floor, room_type
from shapely.geometry import LineString, Point, Polygon

from spatialqa.oracle import visible_instances
from spatialqa.oracle.framing import framing, passes
from spatialqa.scenes import rooms
from spatialqa.scenes.trajectories import (
    FRAME_SPACING_S,
    HANDHELD_DRIFT_M,
    TOUR_CONE_DEG,
    Looks,
)

PREFIX = {"walkthrough": "f", "orbit": "o", "lookat": "v", "low": "l", "tour": "t"}


def pitch_deg(frame) -> float:
    """Optical axis above the horizontal, degrees (camera z is column 2 of the pose)."""
    return float(np.degrees(np.arcsin(frame.pose[2, 2])))


def test_trajectories_and_timestamps(scenes):
    for scene in scenes:
        names = [t.name for t in scene.trajectories]
        assert names[0] == "walkthrough" and names[-1] == "tour"
        assert set(names) <= set(PREFIX)
        room = Polygon(scene.room.footprint).buffer(-0.2)
        for trajectory in scene.trajectories:
            prefix = PREFIX[trajectory.name]
            for i, frame in enumerate(trajectory.frames):
                assert frame.id == f"{prefix}{i:04d}"
                assert frame.t == i * FRAME_SPACING_S
                assert (frame.width, frame.height) == (640, 480)
                assert room.contains(Point(frame.center[:2])), (scene.scene_id, frame.id)
        walk = scene.trajectory("walkthrough")
        assert len(walk.frames) == 16 and len(scene.trajectory("tour").frames) == 16
        heights = [f.center[2] for f in walk.frames]
        assert max(heights) - min(heights) > HANDHELD_DRIFT_M  # held by hand: the height drifts
    with_orbit = [s for s in scenes if "orbit" in [t.name for t in s.trajectories]]
    with_views = [s for s in scenes if "lookat" in [t.name for t in s.trajectories]]
    with_robot = [s for s in scenes if "low" in [t.name for t in s.trajectories]]
    assert len(with_orbit) >= 0.8 * len(scenes) and len(with_views) >= 0.8 * len(scenes)
    assert len(with_robot) >= 0.9 * len(scenes)


def test_eye_height_and_pitch_are_a_photographers_or_a_robots(scenes):
    for scene in scenes:
        for trajectory in scene.trajectories:
            # a robot's camera, the tour's held at chest height, else a photographer's eye
            low, high = {"low": (0.3, 0.8), "tour": (1.2, 1.5)}.get(trajectory.name, (1.2, 1.7))
            high = min(high, scene.room.height - 0.3)
            for frame in trajectory.frames:
                assert low <= frame.center[2] <= high, (scene.scene_id, frame.id)
                assert -35.0 - 1e-6 <= pitch_deg(frame) <= 5.0 + 1e-6, (scene.scene_id, frame.id)
                assert abs(frame.pose[2, 0]) < 1e-9  # level: no roll
        if "low" in [t.name for t in scene.trajectories]:
            robot = [f.center[:2] for f in scene.trajectory("low").frames]
            for obj in on_floor(scene):  # a robot drives around furniture, not through it
                if obj.vertices[:, 2].max() <= 0.05:
                    continue  # a rug: driven over
                footprint = hulls(scene)[obj.id]
                assert all(footprint.distance(Point(p)) >= 0.2 for p in robot), scene.scene_id


def test_most_frames_pass_the_framing_rule_before_any_selection(scenes):
    """The cameras aim at furniture: most raw frames already pass the rule the pipeline holds
    delivered views to (oracle.framing, at 160 x 120 to keep it quick)."""
    judged, passed = {}, {}
    for scene in scenes[::2]:
        small = scene.resized(160, 120)
        for trajectory in small.trajectories:
            for frame in trajectory.frames:
                judged[trajectory.name] = judged.get(trajectory.name, 0) + 1
                ok = passes(small, frame.id, max_structure=0.6, min_objects=2)
                passed[trajectory.name] = passed.get(trajectory.name, 0) + ok
    shares = {name: passed[name] / judged[name] for name in judged}
    # measured: 0.83-0.85 for the loops and the orbit, 0.58 lookat, 0.65 the tour (it looks
    # within TOUR_CONE_DEG of the way it walks, often at a wall ahead)
    assert min(shares[name] for name in shares if name != "tour") >= 0.5, shares
    assert shares["tour"] >= 0.4, shares


def test_views_are_mostly_furniture_not_walls(scenes):
    """The median structure share of each trajectory's raw frames (oracle.framing, at 160 x 120
    to keep it quick) is under the issue's 45%; the tour, which looks where it walks, under 55%.
    Measured: walkthrough 0.41, orbit 0.41, lookat 0.43, low 0.40, tour 0.48 (0.50 with the
    camera at 1.2-1.7 m; before the loops' tighter good views, the walkthrough at 640 x 480
    had 0.49)."""
    shares: dict[str, list[float]] = {}
    for scene in scenes[::2]:
        small = scene.resized(160, 120)
        for trajectory in small.trajectories:
            shares.setdefault(trajectory.name, []).extend(
                framing(small, frame.id).structure_share for frame in trajectory.frames
            )
    medians = {name: float(np.median(values)) for name, values in shares.items()}
    assert all(medians[name] <= 0.45 for name in medians if name != "tour"), medians
    assert medians["tour"] <= 0.55, medians


def test_a_good_glance_holds_structure_to_its_own_limit():
    """Looks.good: at least 2 pieces, no piece over 45% of the rays, structure at most the
    limit the trajectory gives (a view with half its rays on structure is good for the tour's
    0.5 and the orbit's 0.55, not for the walkthrough's 0.45); Looks.fair: the same with
    GLANCE_MAX_STRUCTURE, whatever that limit."""
    seen = np.ones((1, 3), dtype=bool)
    args = (seen, np.array([3]), np.array([0.5]), np.array([0.5]), np.array([0.2]))
    assert Looks(*args, 0.55).good.tolist() == [True]
    assert Looks(*args, 0.5).good.tolist() == [True]
    assert Looks(*args, 0.45).good.tolist() == [False]
    # tight: good with structure at most TIGHT_MAX_STRUCTURE (0.42 < 0.5)
    assert Looks(*args, 0.55).tight.tolist() == [False]
    two = (seen, np.array([3]), np.array([0.6]), np.array([0.4]), np.array([0.2]))
    assert Looks(*two, 0.45).tight.tolist() == [True]
    # fair: good by GLANCE_MAX_STRUCTURE (0.55) whatever the trajectory's own limit: structure
    # 0.5 <= 0.55 and 3 pieces; 0.58 > 0.55 is not fair, nor is 1 piece, nor a piece on 0.5
    assert Looks(*args, 0.45).fair.tolist() == [True]
    over = (seen, np.array([3]), np.array([0.42]), np.array([0.58]), np.array([0.2]))
    assert Looks(*over, 0.6).fair.tolist() == [False]
    one = (seen, np.array([1]), np.array([0.5]), np.array([0.5]), np.array([0.2]))
    assert Looks(*one, 0.55).fair.tolist() == [False]
    close = (seen, np.array([3]), np.array([0.5]), np.array([0.5]), np.array([0.5]))
    assert Looks(*close, 0.55).fair.tolist() == [False]


def test_the_tour_looks_where_it_walks_and_reveals_the_room_as_it_goes(scenes):
    def off_path(frames) -> np.ndarray:
        """Angles (degrees) between where the camera looks and where it goes next."""
        turns = []
        for here, there in itertools.pairwise(frames):
            forward, step = here.pose[:2, 2], (there.center - here.center)[:2]
            cosine = forward @ step / np.linalg.norm(forward) / np.linalg.norm(step)
            turns.append(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
        return np.array(turns)

    later, within = [], []
    for scene in scenes:  # the tour's cone (chords that cut corners, and frames re-aimed for
        # a good view, up to twice the cone, turn more)
        turns = off_path(scene.trajectory("tour").frames)
        assert np.median(turns) <= 2 * TOUR_CONE_DEG + 1e-6, scene.scene_id
        within += list(turns <= TOUR_CONE_DEG + 1e-6)
    assert np.mean(within) >= 0.5, np.mean(within)
    for scene in scenes[::3]:
        small = scene.resized(160, 120)
        ids = [frame.id for frame in small.trajectory("tour").frames]
        seen = sum(visible_instances(small, ids).values())
        assert seen >= 0.8 * len(scene.objects), scene.scene_id
        # furniture keeps coming into view: the first quarter shows only part of it
        later.append(1 - sum(visible_instances(small, ids[: len(ids) // 4]).values()) / seen)
    assert np.mean(later) >= 0.2, later


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
        # else around another piece on the floor, or the room's middle (of its main rectangle)
        pieces = [center(o)[:2] for o in on_floor(scene)]
        on_piece = any(np.allclose(c, focus, atol=1e-4) for c in pieces)
        assert on_piece or Polygon(scene.room.footprint).contains(Point(focus)), scene.scene_id
    assert around_anchor >= 0.7 * len(orbits)
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
