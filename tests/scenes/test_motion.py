"""Object motion: keyframes on SceneObject, Scene.at(t), scene.json's "motion"."""

from __future__ import annotations

import gc
import json
import weakref
from dataclasses import replace

import moving_kit
import numpy as np
import pytest
import trimesh
from scene_compare_kit import assert_same_scene, files_of
from shapely.geometry import MultiPoint, Polygon

from spatialqa.errors import SceneError
from spatialqa.scenes import (
    Keyframe,
    OrientedBox,
    SceneObject,
    load_scene,
    procedural_scene,
    save_scene,
)
from spatialqa.scenes.motion import MOVABLE
from spatialqa.scenes.scene import STATES_KEPT


def turn(yaw_deg: float, shift=(0.0, 0.0, 0.0)) -> np.ndarray:
    """The rigid pose: a turn of ``yaw_deg`` about z through the origin, then ``shift``."""
    pose = trimesh.transformations.rotation_matrix(np.radians(yaw_deg), [0, 0, 1])
    pose[:3, 3] = shift
    return pose


def moving_scene(scene_kit, motion):
    """Two unit boxes (a chair at x = 2, a table at x = 4) seen from the origin along +x at
    t = 0, 1, 2, 3; the chair carries ``motion``."""
    camera = scene_kit.look_at([0.0, 0.0, 0.5], [3.0, 0.0, 0.5])
    frames = [scene_kit.frame(f"f{i}", camera, t=float(i)) for i in range(4)]
    scene = scene_kit.scene(
        [scene_kit.Box(1, "chair", (2.0, 0.0, 0.5)), scene_kit.Box(2, "table", (4.0, 1.5, 0.5))],
        frames=frames,
    )
    chair = replace(scene.object(1), motion=tuple(motion))
    return replace(scene, objects=(chair, scene.object(2)))


SHIFT = turn(90.0, (0.5, -1.0, 0.0))
BACK = turn(0.0, (0.0, 0.25, 0.0))


def test_the_pose_in_force_is_the_last_keyframe_at_or_before_t(scene_kit):
    scene = moving_scene(scene_kit, [Keyframe(1.0, SHIFT), Keyframe(2.5, BACK)])
    chair = scene.object(1)
    # before 1.0: none in force; [1.0, 2.5): the first; from 2.5 on: the second
    assert [chair.keyframe_index(t) for t in (-5.0, 0.999, 1.0, 2.0, 2.5, 99.0)] == [
        -1, -1, 0, 0, 1, 1
    ]  # fmt: skip
    assert chair.pose_at(0.5) is None
    assert np.array_equal(chair.pose_at(1.0), SHIFT)
    assert np.array_equal(chair.pose_at(3.0), BACK)
    assert scene.moves and scene.state_key(1.7) == (0,)


def test_scene_at_places_the_moving_object_and_drops_its_motion(scene_kit):
    scene = moving_scene(scene_kit, [Keyframe(1.0, SHIFT)])
    before, after = scene.at(0.0), scene.at(1.0)
    # The chair's box spans [1.5, 2.5] x [-0.5, 0.5] x [0, 1]. Turned 90 degrees about z
    # through the origin it spans [-0.5, 0.5] x [1.5, 2.5]; shifted by (0.5, -1, 0):
    # [0, 1] x [0.5, 1.5] x [0, 1].
    assert np.allclose(after.object(1).mesh.bounds, [[0.0, 0.5, 0.0], [1.0, 1.5, 1.0]])
    assert np.array_equal(before.object(1).mesh.vertices, scene.object(1).mesh.vertices)
    assert not before.moves and not after.moves
    assert before.object(1).motion == () and after.object(1).motion == ()
    # The table does not move: the very same object in every state, and the frames stay.
    assert after.object(2) is scene.object(2) and before.object(2) is scene.object(2)
    assert after.trajectories == scene.trajectories
    # The scene itself is untouched: its chair still carries the keyframe, at its own place.
    assert np.allclose(scene.object(1).mesh.bounds, [[1.5, -0.5, 0.0], [2.5, 0.5, 1.0]])


def test_states_are_cached_per_keyframe_index(scene_kit):
    scene = moving_scene(scene_kit, [Keyframe(1.0, SHIFT), Keyframe(2.5, BACK)])
    assert scene.at(0.0) is scene.at(0.99)  # both before the first keyframe
    assert scene.at(1.0) is scene.at(2.4) is scene.at_frame("f2")  # f2: t = 2
    assert scene.at(2.5) is scene.at_frame("f3")
    assert len({id(scene.at(t)) for t in (0.0, 1.0, 3.0)}) == 3
    assert scene.at(0.0).at(5.0) is scene.at(0.0)  # a state does not move any more


def test_only_the_states_used_last_are_kept(scene_kit):
    # The chair moves 0.01 m along x at t = 1, 2, ..., STATES_KEPT + 1: state k holds on
    # [k, k + 1) (state 0 before t = 1), STATES_KEPT + 2 states in all.
    n = STATES_KEPT + 1
    scene = moving_scene(
        scene_kit, [Keyframe(float(k), turn(0.0, (0.01 * k, 0, 0))) for k in range(1, n + 1)]
    )
    first = scene.at(0.5)
    gone = weakref.ref(scene.at(1.5))
    for k in range(2, STATES_KEPT):  # states 2 .. STATES_KEPT - 1: STATES_KEPT in all so far
        scene.at(k + 0.5)
    assert scene.at(0.25) is first  # still kept, and now the state used last
    scene.at(n + 0.5)  # one state more: the one used longest ago (state 1) goes
    gc.collect()
    assert gone() is None  # nothing else held it: its placed objects are freed
    assert scene.at(0.75) is first
    again = scene.at(1.5)  # made anew, where it was
    assert np.allclose(again.object(1).mesh.bounds[:, 0], [1.51, 2.51])  # 2 +- 0.5 + 0.01


def test_a_scene_without_motion_is_its_own_state(scene_kit):
    scene = moving_scene(scene_kit, [])
    assert not scene.moves and scene.state_key(3.0) == ()
    assert scene.at(3.0) is scene and scene.at_frame("f1") is scene


def test_the_front_and_the_annotated_box_move_with_the_object(scene_kit):
    scene = moving_scene(scene_kit, [])
    box = scene_kit.scene([scene_kit.Box(1, "chair", (2.0, 0.0, 0.5))]).object(1)
    chair = SceneObject(
        1,
        "chair",
        mesh=box.mesh,
        front=(1.0, 0.0, 0.0),
        annotated_box=OrientedBox(center=(2.0, 0.0, 0.5), extent=(1, 1, 1), rotation=np.eye(3)),
        motion=(Keyframe(1.0, SHIFT),),
    )
    placed = replace(scene, objects=(chair, scene.object(2))).at(1.0).object(1)
    # front +x turned 90 degrees: +y; centre (2, 0, 0.5) -> turned (0, 2, 0.5) -> (0.5, 1, 0.5)
    assert np.allclose(placed.front, [0.0, 1.0, 0.0])
    assert np.allclose(placed.annotated_box.center, [0.5, 1.0, 0.5])
    assert np.allclose(placed.annotated_box.rotation, SHIFT[:3, :3])


@pytest.mark.parametrize(
    ("motion", "message"),
    [
        ([Keyframe(1.0, np.diag([1.0, 1.0, -1.0, 1.0]))], r"motion\[0\]\.pose: rotation not"),
        ([Keyframe(1.0, 2 * np.eye(4))], r"motion\[0\]\.pose: rotation not"),
        ([Keyframe(1.0, np.eye(4) + np.eye(4, k=-3))], r"motion\[0\]\.pose: last row"),
        ([Keyframe(1.0, np.full((4, 4), np.nan))], r"motion\[0\]\.pose: contains NaN"),
        ([Keyframe(1.0, np.eye(3))], r"motion\[0\]\.pose: expected shape"),
        ([Keyframe(float("inf"), np.eye(4))], r"motion\[0\]\.t: time must be a finite"),
        ([Keyframe("1", np.eye(4))], r"motion\[0\]\.t: time must be a finite"),
        ([Keyframe(1.0, np.eye(4)), Keyframe(1.0, SHIFT)], r"motion\[1\]\.t: .* strictly"),
        ([Keyframe(2.0, np.eye(4)), Keyframe(1.0, SHIFT)], r"motion\[1\]\.t: .* strictly"),
        ([(1.0, np.eye(4))], r"motion\[0\]: expected a Keyframe, got tuple"),
    ],
)
def test_bad_keyframes_are_refused_naming_the_object_and_field(scene_kit, motion, message):
    with pytest.raises(SceneError, match=r"objects\[id=1\]\." + message):
        moving_scene(scene_kit, motion)


def test_scene_json_round_trips_motion_exactly(scene_kit, tmp_path):
    pose = turn(37.0, (0.1, 0.2, 0.0))  # a pose with float64 digits float32 would round
    scene = moving_scene(scene_kit, [Keyframe(0.5, pose), Keyframe(1.25, SHIFT)])
    save_scene(scene, tmp_path / "a")
    again = load_scene(tmp_path / "a")
    assert_same_scene(again, scene)
    for got, want in zip(again.object(1).motion, scene.object(1).motion, strict=True):
        assert got.t == want.t and np.array_equal(got.pose, want.pose)
    assert again.object(2).motion == ()
    entry = json.loads((tmp_path / "a" / "scene.json").read_text())["objects"]
    assert [k["t"] for k in entry[0]["motion"]] == [0.5, 1.25] and "motion" not in entry[1]
    save_scene(again, tmp_path / "b")  # the same bytes again
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_a_scene_without_motion_writes_no_motion_key(scene_kit, tmp_path):
    save_scene(moving_scene(scene_kit, []), tmp_path)
    assert '"motion"' not in (tmp_path / "scene.json").read_text()


@pytest.mark.parametrize(
    ("motion", "message"),
    [
        ({"t": 1.0}, r"objects\[0\]\.motion: expected a list"),
        ([{"t": 1.0}], r"objects\[0\]\.motion\[0\]: missing key 'pose'"),
        ([{"t": 1.0, "pose": 1, "at": 2}], r"objects\[0\]\.motion\[0\]: unknown keys \['at'\]"),
        ([{"t": "1", "pose": np.eye(4).tolist()}], r"objects\[0\]\.motion\[0\]\.t: expected a"),
        (
            [{"t": 1.0, "pose": [[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}],
            r"objects\[id=1\]\.motion\[0\]\.pose: rotation not orthonormal",
        ),
    ],
)
def test_bad_motion_in_scene_json_names_the_file_and_field(scene_kit, tmp_path, motion, message):
    save_scene(moving_scene(scene_kit, []), tmp_path)
    path = tmp_path / "scene.json"
    document = json.loads(path.read_text())
    document["objects"][0]["motion"] = motion
    path.write_text(json.dumps(document))
    with pytest.raises(SceneError, match=r"scene\.json: " + message):
        load_scene(tmp_path)


def test_the_kit_chair_moved_by_its_keyframe_is_the_chair_built_in_place():
    """moving_kit's keyframe, applied by Scene.at, gives the box built turned and in place."""
    moved = moving_kit.moving().at(moving_kit.KEYFRAME_T).object(moving_kit.CHAIR).mesh
    by_hand = moving_kit.after().object(moving_kit.CHAIR).mesh
    # Spans on paper: x [2.4, 3.6], y [0.85, 1.25], z [0, 0.8].
    assert np.allclose(moved.bounds, [[2.4, 0.85, 0.0], [3.6, 1.25, 0.8]], atol=1e-12)
    assert np.allclose(np.sort(moved.vertices, axis=0), np.sort(by_hand.vertices, axis=0))


def test_from_time_keeps_the_state_at_t_and_the_moves_after_it(scene_kit):
    """Keyframes at 1.0 (SHIFT) and 2.5 (BACK). From t = 1.7 on: the chair starts where SHIFT
    put it, and at 2.5 goes where BACK puts the original chair (BACK = a 0.25 m slide along
    +y: spans [1.5, 2.5] x [-0.25, 0.75])."""
    scene = moving_scene(scene_kit, [Keyframe(1.0, SHIFT), Keyframe(2.5, BACK)])
    assert scene.from_time(0.5) is scene  # no keyframe at or before 0.5
    later = scene.from_time(1.7)
    assert np.allclose(later.object(1).mesh.bounds, [[0.0, 0.5, 0.0], [1.0, 1.5, 1.0]])
    assert [k.t for k in later.object(1).motion] == [2.5]
    assert later.object(2) is scene.object(2)
    for t in (1.7, 2.0, 2.5, 9.0):
        assert np.allclose(
            later.at(t).object(1).mesh.vertices, scene.at(t).object(1).mesh.vertices, atol=1e-12
        )
    assert np.allclose(later.at(3.0).object(1).mesh.bounds, [[1.5, -0.25, 0.0], [2.5, 0.75, 1.0]])
    assert not scene.from_time(2.5).moves  # nothing left to come


# --------------------------------------------------------------- procedural rooms: "moved"

MOVED_ROOMS = 6


@pytest.fixture(scope="module")
def moved_rooms():
    """Rooms (seed 0, index 0..5) with and without the moved walk, 12 frames a walk."""
    return [
        (procedural_scene(0, i, frames=12), procedural_scene(0, i, frames=12, moved=True))
        for i in range(MOVED_ROOMS)
    ]


def plan_centre(mesh: trimesh.Trimesh) -> np.ndarray:
    """Centre of the minimum rectangle around the mesh's plan (a second computation of the
    pivot: trimesh's 2D OBB instead of shapely's minimum_rotated_rectangle)."""
    to_frame, _ = trimesh.bounds.oriented_bounds_2D(mesh.vertices[:, :2])
    return np.linalg.inv(to_frame)[:2, 2]  # the rectangle is centred on the origin there


def test_a_moved_room_moves_one_to_three_pieces_on_the_floor_halfway(moved_rooms):
    moved_counts = []
    for _, moving in moved_rooms:
        walk = moving.trajectory("moved").frames
        movers = [obj for obj in moving.objects if obj.motion]
        moved_counts.append(len(movers))
        assert 1 <= len(movers) <= 3, moving.scene_id
        for obj in movers:
            assert obj.category in MOVABLE
            (keyframe,) = obj.motion
            assert keyframe.t == walk[len(walk) // 2].t  # m0006 of m0000..m0011
            pose = keyframe.pose
            # A turn about z alone, no lift: R = [[c, -s, 0], [s, c, 0], [0, 0, 1]], t_z = 0.
            assert np.array_equal(pose[2], [0.0, 0.0, 1.0, 0.0])
            assert np.array_equal(pose[:2, 2], [0.0, 0.0])
            turn = np.degrees(np.arctan2(pose[1, 0], pose[0, 0]))
            assert abs(turn) <= 90.0
            before = obj.mesh
            after = moving.at(keyframe.t).object(obj.id).mesh
            shift = np.linalg.norm(plan_centre(after) - plan_centre(before))
            assert 0.25 - 1e-6 <= shift <= 1.0 + 1e-6, (moving.scene_id, obj.category, shift)
            assert before.bounds[0, 2] <= 1e-3  # it stood on the floor, and still does
            assert after.bounds[0, 2] == pytest.approx(before.bounds[0, 2], abs=1e-12)
    assert max(moved_counts) >= 2  # more than one piece moves somewhere


def test_moved_pieces_go_where_nothing_is(moved_rooms):
    """FCL (through trimesh) finds no contact between a moved piece and any other object in
    the state after the move, and the piece stays inside the room's footprint."""
    for _, moving in moved_rooms:
        t = max(k.t for obj in moving.objects for k in obj.motion)
        after = moving.at(t)
        room = Polygon(moving.room.footprint)
        for obj in (o for o in moving.objects if o.motion):
            piece = after.object(obj.id).mesh
            others = trimesh.collision.CollisionManager()
            for other in after.objects:
                if other.id != obj.id:
                    others.add_object(str(other.id), other.mesh)
            assert not others.in_collision_single(piece), (moving.scene_id, obj.category)
            assert room.contains(MultiPoint(piece.vertices[:, :2]).convex_hull)


def test_only_the_moved_walk_sees_anything_move(moved_rooms):
    for still, moving in moved_rooms:
        keyframe = min(k.t for obj in moving.objects for k in obj.motion)
        names = [t.name for t in moving.trajectories]
        assert names == [*(t.name for t in still.trajectories), "moved"]
        for trajectory in moving.trajectories[:-1]:
            assert all(frame.t < keyframe for frame in trajectory.frames)
            assert all(set(moving.state_key(f.t)) == {-1} for f in trajectory.frames)
        walk = moving.trajectory("moved").frames
        assert walk[0].t > max(f.t for t in still.trajectories for f in t.frames)
        # The same cameras as the walkthrough, renamed and retimed 0.5 s apart.
        for mine, theirs in zip(walk, still.trajectory("walkthrough").frames, strict=True):
            assert mine.id == "m" + theirs.id[1:]
            assert np.array_equal(mine.pose, theirs.pose) and np.array_equal(mine.K, theirs.K)
        assert np.allclose(np.diff([f.t for f in walk]), 0.5)
        # Everything else is the room built without the moved walk, bit for bit.
        for a, b in zip(still.objects, moving.objects, strict=True):
            assert np.array_equal(a.mesh.vertices, b.mesh.vertices)
            assert (a.id, a.category, a.color) == (b.id, b.category, b.color)


def test_a_moved_room_is_the_same_every_time(moved_rooms):
    _, first = moved_rooms[2]
    again = procedural_scene(0, 2, frames=12, moved=True)
    for a, b in zip(first.objects, again.objects, strict=True):
        assert [(k.t, k.pose.tobytes()) for k in a.motion] == [
            (k.t, k.pose.tobytes()) for k in b.motion
        ]


def test_a_moved_room_round_trips_through_its_scene_directory(moved_rooms, tmp_path):
    _, moving = moved_rooms[0]
    save_scene(moving, tmp_path / "a")
    again = load_scene(tmp_path / "a")
    assert_same_scene(again, moving)  # keyframes included (scene_compare_kit)
    assert again.trajectory("moved").frames[-1].t == moving.trajectory("moved").frames[-1].t


def test_a_point_cloud_moves_with_its_keyframe(scene_kit):
    """Points (1, 0, 0) and (0, 1, 0) turned 90 degrees about z and shifted by (0.5, -1, 0):
    (0, 1, 0) + (0.5, -1, 0) = (0.5, 0, 0) and (-1, 0, 0) + (0.5, -1, 0) = (-0.5, -1, 0)."""
    scene = moving_scene(scene_kit, [])
    cloud = SceneObject(
        3, "cloud", points=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        motion=(Keyframe(1.0, SHIFT),),
    )  # fmt: skip
    placed = replace(scene, objects=(*scene.objects, cloud)).at(1.0).object(3)
    assert np.allclose(placed.points, [[0.5, 0.0, 0.0], [-0.5, -1.0, 0.0], [0.5, -1.0, 1.0]])
