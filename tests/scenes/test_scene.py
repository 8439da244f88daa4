"""The Scene validates on construction and freezes what it holds."""

import numpy as np
import pytest
import trimesh

from spatialqa.errors import SceneError
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.scene import (
    Frame,
    OrientedBox,
    Room,
    Scene,
    SceneObject,
    Source,
    Structure,
    Trajectory,
)

K = intrinsics(640, 480, 80.0)


def box(center, size=(0.5, 0.5, 0.5)):
    return trimesh.creation.box(
        extents=size, transform=trimesh.transformations.translation_matrix(center)
    )


def frame(frame_id="f0", t=0.0, pose=None, **kwargs):
    if pose is None:
        pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    return Frame(
        frame_id,
        t,
        pose,
        kwargs.pop("K", K),
        kwargs.pop("width", 640),
        kwargs.pop("height", 480),
        **kwargs,
    )


def scene(**overrides):
    fields = {
        "scene_id": "tiny",
        "source": Source("test", "hand-built"),
        "objects": (
            SceneObject(1, "chair", mesh=box([0.0, 0.0, 0.25]), front=[0.0, 1.0, 0.0]),
            SceneObject(
                2, "lamp", points=np.array([[1.0, 0.0, 0.0], [1.0, 0.1, 1.2], [1.1, 0.0, 0.6]])
            ),
        ),
        "structure": (Structure("floor", box([0.0, 0.0, -0.05], (4.0, 4.0, 0.1))),),
        "room": Room([[-2.0, -2.0], [2.0, -2.0], [2.0, 2.0], [-2.0, 2.0]], 2.5),
        "trajectories": (Trajectory("walk", (frame("f0", 0.0), frame("f1", 0.5))),),
    }
    fields.update(overrides)
    return Scene(**fields)


def test_a_valid_scene_answers_lookups():
    built = scene()
    assert built.object(2).category == "lamp"
    assert built.categories == {"chair": (1,), "lamp": (2,)}
    assert built.trajectory("walk").frames[1].id == "f1"
    assert built.frame("f1").t == 0.5
    assert built.object(1).vertices.shape == (8, 3)
    with pytest.raises(SceneError, match="no object with id 9"):
        built.object(9)
    with pytest.raises(SceneError, match="no trajectory"):
        built.trajectory("run")
    with pytest.raises(SceneError, match="no frame"):
        built.frame("f9")


def test_scene_error_is_a_value_error():
    assert issubclass(SceneError, ValueError)


def test_non_orthonormal_pose_is_named():
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    pose[:3, 0] *= 1.01
    with pytest.raises(SceneError, match=r"'f0'\.pose: rotation not orthonormal"):
        frame(pose=pose)


def test_left_handed_pose_is_rejected():
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    pose[:3, 0] *= -1.0
    with pytest.raises(SceneError, match="pose"):
        frame(pose=pose)


def test_pose_last_row_must_be_homogeneous():
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    pose[3, 0] = 1.0
    with pytest.raises(SceneError, match=r"pose: last row"):
        frame(pose=pose)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"K": np.eye(3) * [-1.0, 1.0, 1.0]}, r"\.K: needs positive focal"),
        ({"K": np.eye(2)}, r"\.K: expected shape"),
        ({"width": 640.5}, r"\.width: must be a positive integer"),
        ({"height": 0}, r"\.height: must be a positive integer"),
        ({"t": float("nan")}, r"\.t: timestamp must be finite"),
        ({"frame_id": ""}, r"\.id: must be a non-empty string"),
    ],
)
def test_bad_frames_name_the_field(kwargs, message):
    with pytest.raises(SceneError, match=message):
        frame(**kwargs)


def test_nan_anywhere_is_rejected():
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    pose[0, 3] = np.nan
    with pytest.raises(SceneError, match="pose: contains NaN"):
        frame(pose=pose)
    with pytest.raises(SceneError, match=r"points: contains NaN"):
        SceneObject(3, "lamp", points=[[0.0, np.nan, 0.0]])
    mesh = box([0.0, 0.0, 0.0])
    mesh.vertices[0, 0] = np.inf
    with pytest.raises(SceneError, match=r"objects\[id=3\]\.mesh: mesh vertices contain NaN"):
        SceneObject(3, "chair", mesh=mesh)
    with pytest.raises(SceneError, match="floor_z"):
        scene(floor_z=float("nan"))


def test_duplicate_instance_ids_are_listed():
    objects = (SceneObject(4, "chair", mesh=box([0, 0, 0.25])),) * 2
    with pytest.raises(SceneError, match=r"unique \(repeated: \[4\]\)"):
        scene(objects=objects)


def test_empty_and_flat_geometry_is_rejected():
    with pytest.raises(SceneError, match="mesh has no faces"):
        SceneObject(1, "chair", mesh=trimesh.Trimesh())
    with pytest.raises(SceneError, match="needs a mesh or points"):
        SceneObject(1, "chair")
    with pytest.raises(SceneError, match=r"points: empty"):
        SceneObject(1, "chair", points=np.zeros((0, 3)))
    with pytest.raises(SceneError, match=r"structure\['wall'\]\.mesh: mesh has no faces"):
        Structure("wall", trimesh.Trimesh())
    with pytest.raises(SceneError, match="at least one object"):
        scene(objects=())


def test_front_must_be_a_unit_vector():
    with pytest.raises(SceneError, match=r"objects\[id=1\]\.front: not a unit vector"):
        SceneObject(1, "chair", mesh=box([0, 0, 0]), front=[0.0, 2.0, 0.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": -1}, r"\.id: must be a non-negative integer"),
        ({"id": True}, r"\.id: must be a non-negative integer"),
        ({"category": " "}, r"\.category: must be a non-empty string"),
        ({"color": (0, 256, 0)}, r"\.color: expected three integers"),
    ],
)
def test_bad_objects_name_the_field(kwargs, message):
    fields = {"id": 1, "category": "chair", "mesh": box([0, 0, 0])} | kwargs
    with pytest.raises(SceneError, match=message):
        SceneObject(**fields)


def test_arrays_are_frozen():
    built = scene()
    chair, lamp = built.object(1), built.object(2)
    arrays = [
        chair.front,
        lamp.points,
        built.room.footprint,
        built.frame("f0").pose,
        built.frame("f0").K,
    ]
    for array in arrays:
        assert array.dtype == np.float64
    for array in [*arrays, chair.mesh.vertices, chair.mesh.faces]:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.0
    with pytest.raises(AttributeError):
        built.scene_id = "other"


def test_inputs_are_copied_not_aliased():
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    built = frame(pose=pose)
    pose[0, 3] = 100.0
    assert built.pose[0, 3] == 0.0


def test_trajectory_rules():
    with pytest.raises(SceneError, match="timestamps must not decrease"):
        Trajectory("walk", (frame("f0", 1.0), frame("f1", 0.5)))
    with pytest.raises(SceneError, match="frame ids must be unique"):
        Trajectory("walk", (frame("f0", 0.0), frame("f0", 0.5)))
    with pytest.raises(SceneError, match="frames: empty"):
        Trajectory("walk", ())
    walk = Trajectory("walk", (frame("f0"),))
    with pytest.raises(SceneError, match="names must be unique"):
        scene(trajectories=(walk, walk))
    # Programs and image files name a frame by its id alone, so ids are unique in the scene.
    orbit = Trajectory("orbit", (frame("o0"), frame("f0", 0.5)))
    with pytest.raises(
        SceneError,
        match=r"trajectories\['orbit'\]\.frames\['f0'\]\.id: also a frame of trajectory 'walk'",
    ):
        scene(trajectories=(walk, orbit))


def test_a_camera_that_sees_nothing_is_rejected():
    away = look_at([0.0, -3.0, 1.5], [0.0, -6.0, 1.5])
    with pytest.raises(SceneError, match=r"frames\['f0'\]\.pose: the camera looks at no geometry"):
        scene(trajectories=(Trajectory("walk", (frame(pose=away),)),))
    # Far beside the room, looking past it: every corner is outside the frustum's left plane.
    past = look_at([10.0, -3.0, 1.5], [10.0, 0.0, 1.5])
    with pytest.raises(SceneError, match="the camera looks at no geometry"):
        scene(trajectories=(Trajectory("walk", (frame(pose=past),)),))


def test_a_camera_close_to_a_wall_that_fills_its_view_sees_it():
    # 0.5 m from a 6 x 4 m wall: no corner projects into the image, yet every pixel sees it.
    wall = Structure("wall", trimesh.creation.box(extents=(6.0, 0.1, 4.0)))
    facing = look_at([0.0, -0.5, 1.5], [0.0, 0.0, 1.5])
    built = scene(structure=(wall,), trajectories=(Trajectory("walk", (frame(pose=facing),)),))
    assert built.sees_something(built.frame("f0"))


def test_room_rules():
    with pytest.raises(SceneError, match=r"room\.footprint: needs at least three corners"):
        Room([[0.0, 0.0], [1.0, 0.0]], 2.5)
    with pytest.raises(SceneError, match=r"room\.height: must be positive"):
        Room([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]], 0.0)


def test_annotated_box_is_validated_and_frozen():
    quarter = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]  # 90 degrees about z
    annotated = OrientedBox(center=[1.0, 2.0, 0.5], extent=[2.0, 1.0, 1.0], rotation=quarter)
    obj = SceneObject(1, "bed", mesh=box((1.0, 2.0, 0.5)), annotated_box=annotated)
    assert obj.annotated_box.rotation.flags.writeable is False
    # The box's long axis (x) is turned onto world y: corners span y in [1, 3], x in [0.5, 1.5].
    corners = annotated.corners
    assert np.allclose(corners.min(axis=0), [0.5, 1.0, 0.0])
    assert np.allclose(corners.max(axis=0), [1.5, 3.0, 1.0])
    with pytest.raises(SceneError, match=r"annotated_box\.extent: side lengths must be positive"):
        OrientedBox(center=[0, 0, 0], extent=[1.0, -1.0, 1.0], rotation=np.eye(3))
    with pytest.raises(SceneError, match=r"annotated_box\.rotation: not orthonormal"):
        OrientedBox(center=[0, 0, 0], extent=[1, 1, 1], rotation=np.diag([1.0, 1.0, -1.0]))
    with pytest.raises(SceneError, match=r"annotated_box\.center: expected shape"):
        OrientedBox(center=[0, 0], extent=[1, 1, 1], rotation=np.eye(3))
    with pytest.raises(SceneError, match=r"objects\[id=1\]\.annotated_box: expected an Orient"):
        SceneObject(1, "bed", mesh=box((0, 0, 0)), annotated_box={"center": [0, 0, 0]})


def test_resized_maps_projections_about_the_image_corner(scene_kit):
    frame = scene_kit.frame("f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), focal=100.0)
    small = frame.resized(160, 120)  # a quarter of 640 x 480
    points = np.array([[0.3, 5.0, -0.2], [-1.0, 4.0, 0.5]])
    uv, _ = frame.project(points)
    uv_small, _ = small.project(points)
    assert np.allclose(uv_small, (uv + 0.5) / 4 - 0.5)
    # The principal point at the centre of 640 x 480, (319.5, 239.5), stays the centre.
    assert np.allclose(small.K, [[25.0, 0.0, 79.5], [0.0, 25.0, 59.5], [0.0, 0.0, 1.0]])
    assert (small.width, small.height) == (160, 120)
    assert frame.resized(640, 480) is frame


def test_scene_resized_resizes_every_frame_of_every_trajectory(scene_kit):
    frames = [
        scene_kit.frame(f"f{i}", scene_kit.look_at((i, 0, 0), (i, 1, 0)), t=i) for i in (0, 1)
    ]
    scene = scene_kit.scene([scene_kit.Box(1, "box", (0, 5, 0))], frames=frames)
    small = scene.resized(160, 120)
    assert [t.name for t in small.trajectories] == [t.name for t in scene.trajectories]
    for before, after in zip(
        scene.trajectories[0].frames, small.trajectories[0].frames, strict=True
    ):
        assert (after.id, after.t, after.width, after.height) == (before.id, before.t, 160, 120)
        assert np.array_equal(after.pose, before.pose)
        assert np.allclose(after.K, before.resized(160, 120).K)
    assert small.objects == scene.objects and scene.frame("f0").width == 640
