"""The scene directory round-trips exactly, writes the same bytes, and reads strictly.

Broken scene directories are refused at load with the file and the field, never mid-build
(scene_json_kit writes them); a lens round-trips through scene.json.
"""

import dataclasses
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
import trimesh
from lens_kit import HEIGHT, OPENCV, WIDTH, saved_scene, write_scan
from PIL import Image
from scene_compare_kit import assert_same_scene, files_of
from scene_json_kit import frame0, refused, write_ply, write_png, write_scene

from spatialqa.errors import SceneError
from spatialqa.oracle.area import room_area
from spatialqa.scenes import Limits, check_limits
from spatialqa.scenes.assemble import read_json
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.formats import convert
from spatialqa.scenes.io import FORMAT, load_scene, save_scene
from spatialqa.scenes.procedural import procedural_scene
from spatialqa.scenes.scannetpp import load_scannetpp
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


def save_with_images(scene: Scene, directory: Path) -> Path:
    """``save_scene``, plus the captured images the frames name: the reader requires them,
    and ``save_scene`` copies none."""
    save_scene(scene, directory)
    for trajectory in scene.trajectories:
        for frame in trajectory.frames:
            for relative in (frame.rgb, frame.depth):
                if relative is not None:
                    path = directory / relative
                    path.parent.mkdir(parents=True, exist_ok=True)
                    Image.new("RGB", (frame.width, frame.height)).save(path)
    return directory


def hand_built() -> Scene:
    """Everything procedural rooms lack: points, float64 vertices, odd structure names."""
    rng = np.random.default_rng(3)
    bumpy = trimesh.creation.icosphere(subdivisions=1, radius=0.3)
    bumpy = trimesh.Trimesh(
        bumpy.vertices + np.array([1.0 / 3.0, 0.1, 0.4]), bumpy.faces, process=False
    )
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.5])
    frames = (
        Frame("a", 0.0, pose, intrinsics(320, 240, 70.0), 320, 240, rgb="frames/a.jpg"),
        Frame("b", 1.0 / 3.0, pose, intrinsics(320, 240, 70.0), 320, 240, depth="frames/b.png"),
    )
    return Scene(
        scene_id="hand/é",
        source=Source("test", 'quotes " and \\ survive'),
        objects=(
            SceneObject(7, "ball", mesh=bumpy, front=[0.6, 0.8, 0.0], color=(1, 2, 3)),
            SceneObject(
                2,
                "scan",
                points=rng.normal(size=(50, 3)),
                annotated_box=OrientedBox(
                    center=[0.1, 1.0 / 3.0, 0.5],
                    extent=[0.7, 0.2, 1.1],
                    rotation=trimesh.transformations.rotation_matrix(0.3, [0, 0, 1])[:3, :3],
                ),
            ),
            SceneObject(3, "both", mesh=trimesh.creation.box(), points=rng.normal(size=(5, 3))),
        ),
        structure=(
            Structure("wall", trimesh.creation.box()),
            Structure("wall", trimesh.creation.box(extents=(2, 1, 1))),
            Structure("../evil name", trimesh.creation.box(extents=(1, 2, 1))),
        ),
        room=None,
        trajectories=(
            Trajectory("t1", frames),
            Trajectory("t2", (Frame("c", 0.0, pose, intrinsics(160, 120, 70.0), 160, 120),)),
        ),
        floor_z=-0.25,
    )


def test_procedural_scene_round_trips_exactly(tmp_path):
    original = procedural_scene(0, 1)
    save_scene(original, tmp_path / "room")
    assert_same_scene(original, load_scene(tmp_path / "room"))


def test_hand_built_scene_round_trips_exactly(tmp_path):
    original = hand_built()
    save_with_images(original, tmp_path / "room")
    loaded = load_scene(tmp_path / "room")
    assert_same_scene(original, loaded)
    names = sorted(files_of(tmp_path / "room"))
    assert "structure/wall.ply" in names
    assert "structure/1.ply" in names  # the second "wall"
    assert "structure/2.ply" in names  # a category that is no safe file name
    assert "objects/2.npy" in names and "objects/3.npy" in names


def test_saving_is_byte_identical(tmp_path):
    original = hand_built()
    save_with_images(original, tmp_path / "a")
    for obj in original.objects:  # caches must not leak into the files
        if obj.mesh is not None:
            _ = obj.mesh.vertex_normals
    save_with_images(original, tmp_path / "b")
    save_with_images(load_scene(tmp_path / "a"), tmp_path / "c")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b") == files_of(tmp_path / "c")


def test_scene_json_layout(tmp_path):
    save_scene(procedural_scene(0, 2), tmp_path)
    text = (tmp_path / "scene.json").read_text()
    document = json.loads(text)
    assert list(document) == [
        "format",
        "scene_id",
        "source",
        "floor_z",
        "room",
        "objects",
        "structure",
        "trajectories",
    ]
    assert document["format"] == FORMAT
    assert document["objects"][0]["mesh"] == f"objects/{document['objects'][0]['id']}.ply"
    assert [s["category"] for s in document["structure"]][:3] == ["floor", "ceiling", "wall"]
    assert text.endswith("}\n") and '"pose": [[' in text


def test_room_kind_is_written_when_known_and_optional_when_read(tmp_path):
    scene = procedural_scene(0, 2, room_type="kitchen")
    save_scene(scene, tmp_path / "a")
    document = json.loads((tmp_path / "a" / "scene.json").read_text())
    assert list(document["room"]) == ["footprint", "height", "kind"]
    assert document["room"]["kind"] == "kitchen"
    assert load_scene(tmp_path / "a").room.kind == "kitchen"
    # A room without a kind writes no key (the bytes it always wrote), and a scene.json
    # without one (written before the field existed) still loads.
    unknown = dataclasses.replace(scene, room=Room(scene.room.footprint, scene.room.height))
    save_scene(unknown, tmp_path / "b")
    document = json.loads((tmp_path / "b" / "scene.json").read_text())
    assert list(document["room"]) == ["footprint", "height"]
    assert load_scene(tmp_path / "b").room.kind is None


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (7, "room.kind: expected a string, got int"),
        ("Kitchen", "room.kind: must be a short lowercase name"),
    ],
)
def test_room_kind_is_checked_on_reading(tmp_path, kind, message):
    save_scene(procedural_scene(0, 2), tmp_path)
    name = edit(tmp_path, lambda d: d["room"].__setitem__("kind", kind))
    with pytest.raises(SceneError) as info:
        load_scene(tmp_path)
    assert str(info.value).startswith(f"{name}: {message}")


def test_overwriting_a_scene_directory(tmp_path):
    save_scene(hand_built(), tmp_path)
    save_scene(procedural_scene(0, 3), tmp_path)
    assert_same_scene(procedural_scene(0, 3), load_scene(tmp_path))
    assert not (tmp_path / "scene.json.partial").exists()


# --------------------------------------------------------------------------- strict reading


@pytest.fixture
def room(tmp_path) -> Path:
    directory = tmp_path / "room"
    save_scene(procedural_scene(0, 4), directory)
    return directory


def edit(directory: Path, change) -> str:
    """Apply ``change`` to scene.json's document; return the file name errors should carry."""
    path = directory / "scene.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return str(path)


def test_missing_mesh_names_file_and_field(room):
    (room / "objects" / "3.ply").unlink()
    with pytest.raises(SceneError) as info:
        load_scene(room)
    assert (
        str(info.value) == f"{room / 'scene.json'}: objects[2].mesh: file not found objects/3.ply"
    )


def test_missing_scene_json(tmp_path):
    with pytest.raises(SceneError, match=r"scene\.json: file not found"):
        load_scene(tmp_path)


def test_invalid_json(room):
    (room / "scene.json").write_text("{")
    with pytest.raises(SceneError, match=r"scene\.json: cannot read JSON"):
        load_scene(room)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../outside.ply", "may not leave the scene directory"),
        ("objects/../../outside.ply", "may not leave the scene directory"),
        ("/etc/passwd", "must be relative"),
        ("C:/mesh.ply", "must be relative"),
        ("objects\\1.ply", "'/' separators"),
        ("", "empty path"),
    ],
)
def test_paths_must_stay_inside(room, path, message):
    (room.parent / "outside.ply").write_bytes((room / "objects" / "1.ply").read_bytes())
    name = edit(room, lambda d: d["objects"][0].__setitem__("mesh", path))
    with pytest.raises(SceneError, match=message) as info:
        load_scene(room)
    assert str(info.value).startswith(f"{name}: objects[0].mesh: ")


def test_links_out_of_the_directory_are_refused(room):
    outside = room.parent / "outside.ply"
    outside.write_bytes((room / "objects" / "1.ply").read_bytes())
    (room / "objects" / "link.ply").symlink_to(outside)
    edit(room, lambda d: d["objects"][0].__setitem__("mesh", "objects/link.ply"))
    with pytest.raises(SceneError, match=r"objects\[0\]\.mesh: path leaves the scene directory"):
        load_scene(room)


def test_frame_image_paths_are_checked(room):
    first_frame = lambda d: d["trajectories"][0]["frames"][0]  # noqa: E731
    edit(room, lambda d: first_frame(d).__setitem__("rgb", "../x.jpg"))
    with pytest.raises(SceneError, match=r"trajectories\[0\]\.frames\[0\]\.rgb: path may not"):
        load_scene(room)


def test_unknown_format_is_rejected(room):
    edit(room, lambda d: d.__setitem__("format", "spatialqa.scene/2"))
    with pytest.raises(SceneError, match=r"format: unsupported format 'spatialqa.scene/2'"):
        load_scene(room)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.__setitem__("extra", 1), r"\(top level\): unknown keys \['extra'\]"),
        (lambda d: d["objects"][1].__setitem__("fronts", [0, 1, 0]), r"objects\[1\]: unknown"),
        (lambda d: d.pop("scene_id"), r"\(top level\): missing key 'scene_id'"),
        (lambda d: d["objects"][0].__setitem__("id", "1"), r"objects\[0\]\.id: expected an int"),
        (lambda d: d["objects"][0].__setitem__("color", [1, 2.5, 3]), r"objects\[0\]\.color"),
        (lambda d: d["objects"][0].pop("mesh"), r"objects\[0\]: needs 'mesh' or 'points'"),
        (lambda d: d.__setitem__("floor_z", True), r"floor_z: expected a number"),
        (lambda d: d["room"].__setitem__("height", "2.5"), r"room\.height: expected a number"),
        (lambda d: d.__setitem__("objects", {}), r"objects: expected a list"),
        (
            lambda d: d["trajectories"][0]["frames"][0].__setitem__("width", 640.0),
            r"trajectories\[0\]\.frames\[0\]\.width: expected an integer",
        ),
        (lambda d: d["source"].__setitem__("kind", 3), r"source\.kind: expected a string"),
        (
            lambda d: d["objects"][0].__setitem__("annotated_box", {"center": [0, 0, 0]}),
            r"objects\[0\]\.annotated_box: missing key 'extent'",
        ),
        (
            lambda d: d["objects"][0].__setitem__(
                "annotated_box",
                {"center": [0, 0, 0], "extent": [1, 0, 1], "rotation": np.eye(3).tolist()},
            ),
            r"objects\[0\]\.annotated_box\.extent: side lengths must be positive",
        ),
    ],
)
def test_malformed_fields_are_named(room, change, message):
    name = edit(room, change)
    with pytest.raises(SceneError, match=message) as info:
        load_scene(room)
    assert str(info.value).startswith(f"{name}: ")


def test_scene_constructor_errors_get_the_file(room):
    name = edit(room, lambda d: d["objects"][0].__setitem__("front", [0.0, 2.0, 0.0]))
    with pytest.raises(SceneError) as info:
        load_scene(room)
    assert str(info.value) == f"{name}: objects[id=1].front: not a unit vector"
    pose = lambda d: d["trajectories"][0]["frames"][3]["pose"]  # noqa: E731
    name = edit(room, lambda d: (d["objects"][0].pop("front"), pose(d)[0].__setitem__(0, 2.0)))
    with pytest.raises(SceneError, match=r"scene\.json: frame 'f0003'\.pose: rotation not"):
        load_scene(room)


def test_unreadable_mesh_is_named(room):
    (room / "objects" / "2.ply").write_bytes(b"ply\ngarbage")
    with pytest.raises(SceneError, match=r"objects\[1\]\.mesh: "):
        load_scene(room)


def test_points_may_also_be_a_ply_point_cloud(tmp_path):
    original = hand_built()
    save_with_images(original, tmp_path)
    points = original.object(2).points.astype(np.float32).astype(np.float64)
    trimesh.PointCloud(points).export(tmp_path / "objects" / "2.ply")
    edit(tmp_path, lambda d: d["objects"][1].__setitem__("points", "objects/2.ply"))
    assert np.array_equal(load_scene(tmp_path).object(2).points, points)
    edit(tmp_path, lambda d: d["objects"][1].__setitem__("points", "scene.json"))
    with pytest.raises(SceneError, match=r"objects\[1\]\.points: points must be \.npy or \.ply"):
        load_scene(tmp_path)


# ------------------------------------ refused at load, with the file and the field (scene_json_kit)


def test_the_base_scene_loads(tmp_path):
    write_scene(tmp_path)
    scene = load_scene(tmp_path)
    assert [obj.category for obj in scene.objects] == ["chair"]
    assert scene.frame("f0000").rgb == "frames/f0000.png"
    check_limits(scene, Limits(), tmp_path)


def test_a_missing_image_is_refused(tmp_path):
    write_scene(tmp_path)
    (tmp_path / "frames" / "f0000.png").unlink()
    refused(tmp_path, "trajectories[0].frames[0].rgb", r"^file not found frames/f0000\.png$")


def test_a_missing_depth_image_is_refused(tmp_path):
    write_scene(tmp_path, lambda d: frame0(d).__setitem__("depth", "depth/f0000.png"))
    refused(tmp_path, "trajectories[0].frames[0].depth", r"^file not found depth/f0000\.png$")


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    write_scene(tmp_path, lambda d: frame0(d).__setitem__("rgb", "frames/pipe.png"))
    os.mkfifo(tmp_path / "frames" / "pipe.png")
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_scene(tmp_path)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():  # opened for reading: it would wait for a writer forever
        with open(tmp_path / "frames" / "pipe.png", "wb"):
            pass  # release it
        pytest.fail("load_scene opened the FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], SceneError)
    expected = f"{tmp_path / 'scene.json'}: trajectories[0].frames[0].rgb: not a regular file"
    assert str(outcome[0]) == f"{expected} frames/pipe.png"


def test_a_directory_is_not_an_image(tmp_path):
    write_scene(tmp_path, lambda d: frame0(d).__setitem__("rgb", "frames"))
    refused(tmp_path, "trajectories[0].frames[0].rgb", r"^not a regular file frames$")


def test_links_leaving_the_scene_directory_are_refused(tmp_path):
    root, outside = tmp_path / "scene", tmp_path / "elsewhere"
    write_scene(root, lambda d: frame0(d).__setitem__("rgb", "frames/link.png"))
    write_png(outside / "real.png")
    os.symlink(outside / "real.png", root / "frames" / "link.png")
    refused(
        root,
        "trajectories[0].frames[0].rgb",
        r"^path leaves the scene directory through a link: frames/link\.png$",
    )


def test_a_linked_folder_along_the_path_is_refused(tmp_path):
    root, outside = tmp_path / "scene", tmp_path / "elsewhere"
    write_scene(root, lambda d: frame0(d).__setitem__("rgb", "shots/f0000.png"))
    write_png(outside / "f0000.png")
    os.symlink(outside, root / "shots")
    refused(root, "trajectories[0].frames[0].rgb", r"^path leaves the scene directory")


def test_a_link_inside_the_scene_directory_is_fine(tmp_path):
    write_scene(tmp_path, lambda d: frame0(d).__setitem__("rgb", "frames/alias.png"))
    os.symlink("f0000.png", tmp_path / "frames" / "alias.png")
    assert load_scene(tmp_path).frame("f0000").rgb == "frames/alias.png"


def test_json_nested_too_deep_is_a_scene_error(tmp_path):
    write_scene(tmp_path)
    deep = "[" * 200_000 + "]" * 200_000
    (tmp_path / "scene.json").write_text(deep)
    with pytest.raises(SceneError) as info:
        load_scene(tmp_path)
    assert str(info.value) == f"{tmp_path / 'scene.json'}: cannot read JSON (nested too deep)"
    (tmp_path / "annotation.json").write_text('{"a": ' + deep + "}")
    with pytest.raises(SceneError) as info:
        read_json(tmp_path / "annotation.json")
    assert str(info.value) == f"{tmp_path / 'annotation.json'}: cannot read JSON (nested too deep)"


def test_odd_but_valid_scenes_still_load(tmp_path):
    """One object, the largest int32 id, a flat rug, a concave room, a long unicode category."""

    def odd(document):
        document["objects"] = [
            {"id": 2**31 - 1, "category": "Küchen-schrank 椅子", "mesh": "objects/rug.ply"}
        ]
        document["room"]["footprint"] = [[-2, -2], [2, -2], [2, 0], [0, 0], [0, 2], [-2, 2]]

    write_scene(tmp_path, odd)
    rug = [[-0.5, -0.5, 0.01], [0.5, -0.5, 0.01], [0.5, 0.5, 0.01], [-0.5, 0.5, 0.01]]
    write_ply(tmp_path / "objects" / "rug.ply", rug, [[0, 1, 2], [0, 2, 3]])
    scene = load_scene(tmp_path)
    (only,) = scene.objects
    assert (only.id, only.category) == (2**31 - 1, "Küchen-schrank 椅子")
    assert np.ptp(only.vertices, axis=0).tolist() == [1.0, 1.0, 0.0]
    assert scene.structure[0].category == "floor"  # flat too
    assert room_area(scene, "polygon").value == 12.0


# ------------------------------------------------------------------------ a frame's lens (lens_kit)


def test_scene_json_round_trips_the_lens(tmp_path):
    scan, marked = write_scan(tmp_path, "iphone")
    saved = saved_scene(scan, tmp_path / "saved")
    document = json.loads((saved / "scene.json").read_text())
    entry = document["trajectories"][0]["frames"][0]
    assert entry["id"] == marked and entry["rgb"] == f"iphone/rgb/{marked}.jpg"
    assert entry["distortion"] == {
        "model": "OPENCV",
        "params": list(OPENCV["k"]),
        "K": [[OPENCV["fx"], 0.0, OPENCV["cx"]], [0.0, OPENCV["fy"], OPENCV["cy"]], [0, 0, 1]],
        "width": WIDTH,
        "height": HEIGHT,
    }
    loaded = load_scene(saved)
    original = load_scannetpp(scan)
    for frame in loaded.trajectory("walkthrough").frames:
        lens, before = frame.distortion, original.frame(frame.id).distortion
        assert lens.key == before.key and np.array_equal(frame.K, original.frame(frame.id).K)
        assert not lens.params.flags.writeable and not lens.K.flags.writeable
    again = save_scene(loaded, tmp_path / "again")
    assert (again / "scene.json").read_bytes() == (saved / "scene.json").read_bytes()
    # A frame without a lens writes no key, and reads back without one.
    converted = convert(scan, tmp_path / "converted")
    assert "distortion" not in (tmp_path / "converted" / "scene.json").read_text()
    assert converted.frame(marked).distortion is None
    assert load_scene(tmp_path / "converted").frame(marked).distortion is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "FOV"}, r"distortion\.model: unknown camera model 'FOV' \(known: SIMPLE_RAD"),
        ({"params": [0.1, 0.2, 0.3]}, r"distortion\.params: OPENCV takes 4 coefficients, got 3"),
        ({"params": [0.1, float("nan"), 0, 0]}, r"distortion\.params: contains NaN or infinity"),
        ({"params": "k1"}, r"distortion\.params: expected a list, got str"),
        ({"K": [[0, 0, 1], [0, 1, 1], [0, 0, 1]]}, r"distortion\.K: needs positive focal"),
        ({"K": [[1, 0.5, 1], [0, 1, 1], [0, 0, 1]]}, r"distortion\.K: needs .*skew 0"),
        ({"width": 0}, r"distortion\.width: must be a positive integer \(got 0\)"),
        ({"height": 4.5}, r"distortion\.height: expected an integer, got 4\.5"),
        ({"k5": 0.1}, r"distortion: unknown keys \['k5'\]"),
        ({"rgb": None}, r"distortion: describes the rgb image, but none is named"),
    ],
)
def test_an_invalid_lens_in_scene_json_is_named(tmp_path, change, message):
    scan, _ = write_scan(tmp_path, "iphone")
    saved = saved_scene(scan, tmp_path / "saved")
    path = saved / "scene.json"
    document = json.loads(path.read_text())
    entry = document["trajectories"][0]["frames"][0]
    if "rgb" in change:
        del entry["rgb"]
    else:
        entry["distortion"].update(change)
    path.write_text(json.dumps(document))
    frame = r"(frame 'frame_000000'|trajectories\[0\]\.frames\[0\])"
    with pytest.raises(SceneError, match=rf"^{path}: {frame}\.{message}"):
        load_scene(saved)
