"""The Scene validates on construction and freezes what it holds.

Broken scenes are refused with the field (written as scene.json by scene_json_kit, they are
refused at load with the file too): K skew, footprints, ids, face indices, degenerate
geometry, categories, names, lenses.
"""

from pathlib import Path

import numpy as np
import pytest
import trimesh
from scene_json_kit import HEIGHT, WIDTH, box_mesh, frame0, refused, write_ply, write_scene

from spatialqa.errors import SceneError
from spatialqa.oracle.area import room_area
from spatialqa.scenes import clean_category, procedural_scene
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.io import load_scene
from spatialqa.scenes.scene import (
    Distortion,
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


def test_room_kind_is_a_short_lowercase_name_or_none():
    corners = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]
    assert Room(corners, 2.5).kind is None
    assert Room(corners, 2.5, kind="living room").kind == "living room"
    assert Room(corners, 2.5, kind="walk-in closet 2").kind == "walk-in closet 2"
    assert Room(corners, 2.5, kind="x" * 32).kind == "x" * 32
    for bad in ("Bedroom", "", " kitchen", "kitchen ", "x" * 33, "bath\nroom", "salle_de_bain", 3):
        with pytest.raises(SceneError, match=r"room\.kind: must be a short lowercase name"):
            Room(corners, 2.5, kind=bad)


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


# ----------------------------------------------------------------- refused at load (scene_json_kit)


def test_skewed_intrinsics_are_refused_at_construction_and_load(tmp_path):
    write_scene(tmp_path, lambda d: frame0(d)["K"][0].__setitem__(1, 0.5))
    refused(tmp_path, "frame 'f0000'.K", r"^skew must be 0 \(got K\[0\]\[1\] = 0\.5\)")
    K = intrinsics(WIDTH, HEIGHT, 70.0)
    K[0, 1] = -1e-9
    with pytest.raises(SceneError, match=r"^frame 'x'\.K: skew must be 0"):
        Frame("x", 0.0, np.eye(4), K, WIDTH, HEIGHT)


@pytest.mark.parametrize(
    ("footprint", "reason"),
    [
        ([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]], r"Self-intersection"),  # a bow tie
        ([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]], r"zero area: its corners lie on one line"),
        ([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], r"zero area: .* at one point"),
        ([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 0.0]], r"Self-intersection"),  # doubles back
        # a square whose side touches a corner: self-touching ring
        ([[0, 0], [4, 0], [4, 4], [2, 4], [2, 0], [0, 4]], r"Ring Self-intersection"),
    ],
)
def test_footprints_that_are_not_simple_polygons_are_refused(tmp_path, footprint, reason):
    write_scene(tmp_path, lambda d: d["room"].__setitem__("footprint", footprint))
    refused(tmp_path, "room.footprint", rf"^not a simple polygon \({reason}")


def test_concave_and_clockwise_footprints_load_with_their_exact_area(tmp_path):
    # An L: 4 x 4 minus its 2 x 2 top-right quarter; shoelace by hand: 16 - 4 = 12 m^2.
    ell = [[-2, -2], [2, -2], [2, 0], [0, 0], [0, 2], [-2, 2]]
    for footprint in (ell, ell[::-1]):  # room_area needs validity, not an orientation
        write_scene(tmp_path, lambda d, f=footprint: d["room"].__setitem__("footprint", f))
        scene = load_scene(tmp_path)
        assert room_area(scene, "polygon").value == 12.0


@pytest.mark.parametrize("instance", [2**64, 2**31, -1])
def test_ids_outside_int32_are_refused(tmp_path, instance):
    write_scene(tmp_path, lambda d: d["objects"][0].__setitem__("id", instance))
    refused(
        tmp_path,
        f"objects[id={instance}].id",
        r"^must be a non-negative integer at most 2147483647",
    )


def test_ids_too_long_to_print_are_refused_too(tmp_path):
    name = Path(write_scene(tmp_path))
    text = name.read_text(encoding="utf-8")  # json.dumps cannot write such an int either
    assert text.count('"id": 1, "category"') == 1
    name.write_text(text.replace('"id": 1, ', '"id": ' + "9" * 5000 + ", "), encoding="utf-8")
    with pytest.raises(SceneError) as info:  # json refuses ints beyond 4300 digits
        load_scene(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'scene.json'}: cannot read JSON (Exceeds")
    with pytest.raises(SceneError) as info:
        SceneObject(10**5000, "chair", mesh=trimesh.creation.box())
    assert str(info.value).startswith("objects[id=<int too long to show>].id: must be a non-neg")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (-1, r"^face index -1 is negative"),
        (8, r"^face index 8 out of range \(the mesh has 8 vertices\)"),
    ],
)
def test_face_indices_out_of_range_are_refused_in_objects(tmp_path, bad, message):
    write_scene(tmp_path)
    vertices, faces = box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8])
    faces = np.array(faces)
    faces[3, 2] = bad
    write_ply(tmp_path / "objects" / "1.ply", vertices, faces)
    assert trimesh.load(tmp_path / "objects" / "1.ply", process=False).faces[3, 2] == bad
    refused(tmp_path, "objects[id=1].mesh", message)


def test_face_indices_out_of_range_are_refused_in_structure(tmp_path):
    write_scene(tmp_path)
    floor = [[-2.0, -2.0, 0.0], [2.0, -2.0, 0.0], [2.0, 2.0, 0.0], [-2.0, 2.0, 0.0]]
    write_ply(tmp_path / "structure" / "floor.ply", floor, [[0, 1, 2], [0, 2, 99]])
    refused(tmp_path, "structure['floor'].mesh", r"^face index 99 out of range")
    write_ply(tmp_path / "structure" / "floor.ply", floor, [[0, 1, 2], [0, -2, 3]])
    refused(tmp_path, "structure['floor'].mesh", r"^face index -2 is negative")


@pytest.mark.parametrize(
    ("vertices", "faces", "message"),
    [
        # on a diagonal line: extent on every axis, yet no face has area
        (
            [[0, 0, 0], [0.1, 0.2, 0.3], [0.2, 0.4, 0.6], [0.4, 0.8, 1.2]],
            [[0, 1, 2], [1, 2, 3]],
            r"^every face is degenerate \(zero area\)",
        ),
        # a square, but every face repeats a corner
        (
            [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 1]],
            [[0, 1, 1], [2, 3, 2]],
            r"^every face is degenerate",
        ),
        # along x only: zero extent on two axes
        ([[0, 0, 0], [1, 0, 0], [2, 0, 0]], [[0, 1, 2]], r"^mesh has zero extent on two axes"),
        ([[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[0, 1, 2]], r"^mesh has no extent"),
    ],
)
def test_meshes_without_a_proper_face_are_refused(tmp_path, vertices, faces, message):
    write_scene(tmp_path)
    write_ply(tmp_path / "objects" / "1.ply", vertices, faces)
    refused(tmp_path, "objects[id=1].mesh", message)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (
            np.outer(np.linspace(0.0, 1.0, 7), [0.3, -0.2, 0.9]) + 0.1,
            r"^all points lie on one line",
        ),
        (np.tile([[0.5, 0.5, 0.5]], (4, 1)), r"^all points are one point"),
        ([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], r"^all points lie on one line"),
    ],
)
def test_point_clouds_on_a_line_are_refused(tmp_path, points, message):
    def to_points(document):
        document["objects"][0].pop("mesh")
        document["objects"][0]["points"] = "objects/1.npy"

    write_scene(tmp_path, to_points)
    np.save(tmp_path / "objects" / "1.npy", np.asarray(points, dtype=np.float64))
    refused(tmp_path, "objects[id=1].points", message)


def test_a_flat_mesh_and_a_flat_point_cloud_are_surfaces():
    rug = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [1, 2, 0], [0, 2, 0]], [[0, 1, 2], [0, 2, 3]])
    assert SceneObject(1, "rug", mesh=rug).mesh is rug
    sheet = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert SceneObject(2, "sheet", points=sheet).points.shape == (3, 3)
    assert Structure("floor", rug.copy()).category == "floor"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("chair\u202e\x00\nleg", "chair leg"),  # bidi override removed, NUL + newline: a space
        ("  office\t\tchair \r\n", "office chair"),
        ("ch\u200bair", "chair"),  # a zero-width space is a format character: removed
        ("Küchen-schrank 椅子", "Küchen-schrank 椅子"),
        ("a\u2028b\x85c", "a b c"),  # line separator and NEL are whitespace
        ("x" * 70, "x" * 64),
        ("y" * 63 + " z", "y" * 63),  # cut at 64, then the trailing space stripped
    ],
)
def test_category_cleaning(raw, clean):
    assert clean_category(raw) == clean


def test_categories_are_cleaned_at_load(tmp_path):
    def dirty(document):
        document["objects"][0]["category"] = "chair\u202e\x00\nleg"
        document["structure"][0]["category"] = "\tfloor\u200f"

    write_scene(tmp_path, dirty)
    scene = load_scene(tmp_path)
    assert scene.object(1).category == "chair leg"
    assert scene.categories == {"chair leg": (1,)}
    assert [part.category for part in scene.structure] == ["floor"]


@pytest.mark.parametrize("field", ["objects", "structure"])
def test_a_category_of_nothing_but_controls_is_refused(tmp_path, field):
    write_scene(tmp_path, lambda d: d[field][0].__setitem__("category", "\u202e\x00 \n"))
    where = (
        "objects[id=1].category" if field == "objects" else r"structure['\u202e\x00 \n'].category"
    )
    refused(tmp_path, where, r"^must be a non-empty string \(nothing is left of")


def test_procedural_categories_are_unchanged():
    for index in range(6):
        scene = procedural_scene(0, index)
        for category in [obj.category for obj in scene.objects] + [
            part.category for part in scene.structure
        ]:
            assert category.isascii() and category == " ".join(category.split())
            assert clean_category(category) == category


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda d: d.__setitem__("scene_id", "room\n1"), "scene_id", "000A"),
        (lambda d: frame0(d).__setitem__("id", "f\u202e0"), "frame 'f\\u202e0'.id", "202E"),
        (
            lambda d: d["trajectories"][0].__setitem__("name", "walk\x00"),
            "trajectories['walk\\x00'].name",
            "0000",
        ),
        (lambda d: d["source"].__setitem__("kind", "scan\tnet"), "source.kind", "0009"),
        (lambda d: d.__setitem__("scene_id", "a\u2029b"), "scene_id", "2029"),
    ],
)
def test_names_with_control_characters_are_refused(tmp_path, change, field, code):
    write_scene(tmp_path, change)
    refused(tmp_path, field, rf"^control or format character U\+{code} at position \d+$")


def test_names_keep_slashes_and_dots_but_not_unbounded_length(tmp_path):
    write_scene(tmp_path, lambda d: d.__setitem__("scene_id", "scannet/../scene0000_00"))
    assert load_scene(tmp_path).scene_id == "scannet/../scene0000_00"
    write_scene(tmp_path, lambda d: d.__setitem__("scene_id", "é" * 200))
    assert load_scene(tmp_path).scene_id == "é" * 200
    write_scene(tmp_path, lambda d: frame0(d).__setitem__("id", "f" * 201))
    with pytest.raises(SceneError) as info:
        load_scene(tmp_path)
    text = str(info.value)  # the id itself is shown cut short
    assert text.startswith(f"{tmp_path / 'scene.json'}: frame 'ffff") and len(text) < 200 + len(
        str(tmp_path)
    )
    assert text.endswith("...id: 201 characters, more than the 200 allowed")


# --------------------------------------------------------------------------- a frame's lens


def test_an_invalid_lens_given_to_a_frame_is_named():
    def frame(**lens) -> Frame:
        fields = {"model": "OPENCV_FISHEYE", "params": [0.1, 0, 0, 0], "K": np.eye(3)}
        fields |= {"width": 64, "height": 48} | lens
        return Frame("f7", 0.0, np.eye(4), np.eye(3), 64, 48, "a.png", None, Distortion(**fields))

    assert frame().distortion.params.tolist() == [0.1, 0, 0, 0]
    with pytest.raises(
        SceneError, match=r"^frame 'f7'\.distortion\.params: OPENCV_FISHEYE takes 4"
    ):
        frame(params=[0.1])
    with pytest.raises(SceneError, match=r"^frame 'f7'\.distortion\.K: contains NaN or infinity"):
        frame(K=np.full((3, 3), np.inf))
    with pytest.raises(SceneError, match=r"^frame 'f7'\.distortion\.model: unknown camera model"):
        frame(model=None)
    with pytest.raises(SceneError, match=r"^frame 'f7'\.distortion: expected a Distortion, got"):
        Frame("f7", 0.0, np.eye(4), np.eye(3), 64, 48, "a.png", None, {"model": "OPENCV"})
