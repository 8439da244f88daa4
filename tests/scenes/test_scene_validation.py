"""Broken scenes are refused at load with the file and the field, never mid-build.

Every scene here is written by code in the real format: scene.json by ``json``, meshes as PLY
by trimesh, point clouds as ``.npy``, images as PNG (by PIL, or byte by byte for a
decompression bomb), FIFOs by ``os.mkfifo`` and links by ``os.symlink``.
"""

from __future__ import annotations

import json
import os
import re
import struct
import threading
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from spatialqa.errors import SceneError
from spatialqa.oracle.area import room_area
from spatialqa.scenes import Limits, check_limits, clean_category, load_scene, procedural_scene
from spatialqa.scenes.assemble import (
    LoadReport,
    RawFrame,
    assemble_scene,
    image_size,
    read_json,
    split_instances,
)
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.io import FORMAT
from spatialqa.scenes.scene import Frame, SceneObject, Structure

WIDTH, HEIGHT = 64, 48


def write_ply(path: Path, vertices, faces) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh = trimesh.Trimesh(np.asarray(vertices, float), np.asarray(faces), process=False)
    path.write_bytes(trimesh.exchange.ply.export_ply(mesh, encoding="binary"))


def write_png(path: Path, size=(WIDTH, HEIGHT)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 120, 150)).save(path)


def bomb_png(path: Path, width: int, height: int) -> None:
    """A complete, valid 1-bit grey PNG of ``width`` x ``height`` black pixels, written chunk
    by chunk (PIL would need a byte per pixel in memory): all zeros compress ~1000:1."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte 0, then the packed bits
    packer = zlib.compressobj(9)
    rows_per_block = max(1, (1 << 22) // len(row))
    body = []
    for start in range(0, height, rows_per_block):
        body.append(packer.compress(row * min(rows_per_block, height - start)))
    body.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(body))
        + chunk(b"IEND", b"")
    )


def box_mesh(center, extents):
    box = trimesh.creation.box(extents=extents)
    return box.vertices + np.asarray(center, float), box.faces


def base_document() -> dict:
    """One chair (a box), a flat floor (two triangles), a square room, one camera."""
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.4])
    return {
        "format": FORMAT,
        "scene_id": "validation",
        "source": {"kind": "test", "detail": "written by test_scene_validation"},
        "floor_z": 0.0,
        "room": {"footprint": [[-2.0, -2.0], [2.0, -2.0], [2.0, 2.0], [-2.0, 2.0]], "height": 2.5},
        "objects": [{"id": 1, "category": "chair", "mesh": "objects/1.ply"}],
        "structure": [{"category": "floor", "mesh": "structure/floor.ply"}],
        "trajectories": [
            {
                "name": "walkthrough",
                "frames": [
                    {
                        "id": "f0000",
                        "t": 0.0,
                        "pose": pose.tolist(),
                        "K": intrinsics(WIDTH, HEIGHT, 70.0).tolist(),
                        "width": WIDTH,
                        "height": HEIGHT,
                        "rgb": "frames/f0000.png",
                    }
                ],
            }
        ],
    }


def write_scene(root: Path, change=None) -> str:
    """A valid scene directory, with ``change(document)`` applied to scene.json; returns the
    scene.json path every error must start with."""
    write_ply(root / "objects" / "1.ply", *box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8]))
    floor = [[-2.0, -2.0, 0.0], [2.0, -2.0, 0.0], [2.0, 2.0, 0.0], [-2.0, 2.0, 0.0]]
    write_ply(root / "structure" / "floor.ply", floor, [[0, 1, 2], [0, 2, 3]])
    write_png(root / "frames" / "f0000.png")
    document = base_document()
    if change is not None:
        change(document)
    (root / "scene.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(root / "scene.json")


def frame0(document: dict) -> dict:
    return document["trajectories"][0]["frames"][0]


def refused(root: Path, field: str, message: str) -> SceneError:
    """load_scene raises SceneError starting with the file, then ``field``, then ``message``."""
    with pytest.raises(SceneError) as info:
        load_scene(root)
    text = str(info.value)
    expected = f"{root / 'scene.json'}: {field}: "
    assert text.startswith(expected), text
    assert re.search(message, text[len(expected) :]), text
    return info.value


def test_the_base_scene_loads(tmp_path):
    write_scene(tmp_path)
    scene = load_scene(tmp_path)
    assert [obj.category for obj in scene.objects] == ["chair"]
    assert scene.frame("f0000").rgb == "frames/f0000.png"
    check_limits(scene, Limits(), tmp_path)


# --------------------------------------------------------------------------- 1. K skew


def test_skewed_intrinsics_are_refused_at_construction_and_load(tmp_path):
    write_scene(tmp_path, lambda d: frame0(d)["K"][0].__setitem__(1, 0.5))
    refused(tmp_path, "frame 'f0000'.K", r"^skew must be 0 \(got K\[0\]\[1\] = 0\.5\)")
    K = intrinsics(WIDTH, HEIGHT, 70.0)
    K[0, 1] = -1e-9
    with pytest.raises(SceneError, match=r"^frame 'x'\.K: skew must be 0"):
        Frame("x", 0.0, np.eye(4), K, WIDTH, HEIGHT)


# --------------------------------------------------------------------------- 2. footprints


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


# --------------------------------------------------------------------------- 3. ids


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


# --------------------------------------------------------------------------- 4. face indices


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


# --------------------------------------------------------------------------- 5. degenerate


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


# --------------------------------------------------------------------------- 6. images


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


# --------------------------------------------------------------------------- 7. deep JSON


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


# --------------------------------------------------------------------------- 8. categories


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


# --------------------------------------------------------------------------- 9. names


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


# --------------------------------------------------------------------------- odd but valid


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


# --------------------------------------------------------------------------- limits


def test_frame_sizes_beyond_the_limits_are_named(tmp_path):
    write_scene(tmp_path)
    scene = load_scene(tmp_path)
    wide = scene.resized(100_000, HEIGHT)
    with pytest.raises(SceneError) as info:
        check_limits(wide, Limits())
    assert str(info.value) == (
        "scene 'validation': trajectories['walkthrough'].frames['f0000'].width: 100000 px "
        "exceeds limits.max_image_side 8192"
    )
    big = scene.resized(8000, 6000)  # each side allowed, 48 M pixels not
    with pytest.raises(
        SceneError,
        match=r"\.frames\['f0000'\]\.width x height: 8000 x 6000 = "
        r"48000000 px exceeds limits\.max_image_pixels 40000000$",
    ):
        check_limits(big, Limits())
    check_limits(big, Limits(max_image_pixels=48_000_000))


def test_object_and_vertex_counts_beyond_the_limits_are_named(tmp_path):
    write_scene(tmp_path)
    scene = load_scene(tmp_path)
    # the chair box has 8 vertices, the floor quad 4
    check_limits(scene, Limits(max_objects=1, max_vertices=12))
    with pytest.raises(
        SceneError,
        match=r"^scene 'validation': objects: 1 objects exceed "
        r"limits\.max_objects 0$",
    ):
        check_limits(scene, Limits(max_objects=0))
    with pytest.raises(
        SceneError,
        match=r"^scene 'validation': objects, structure: 12 vertices "
        r"and points exceed limits\.max_vertices 11$",
    ):
        check_limits(scene, Limits(max_vertices=11))


def test_a_decompression_bomb_is_measured_from_its_header(tmp_path):
    write_scene(tmp_path)
    bomb = tmp_path / "frames" / "f0000.png"
    bomb_png(bomb, 30_000, 30_000)
    assert bomb.stat().st_size < 1_000_000  # 900 M pixels in well under a megabyte
    scene = load_scene(tmp_path)
    before = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning may escape either
        with pytest.raises(SceneError) as info:
            check_limits(scene, Limits(), tmp_path)
    assert Image.MAX_IMAGE_PIXELS == before
    assert str(info.value) == (
        f"{bomb}: trajectories['walkthrough'].frames['f0000'].rgb: image 30000 x 30000 = "
        "900000000 px exceeds limits.max_image_pixels 40000000"
    )


def test_an_image_in_pils_warning_band_passes_silently_when_the_limit_allows(tmp_path):
    write_scene(tmp_path)
    image = tmp_path / "frames" / "f0000.png"
    bomb_png(image, 10_000, 9_000)  # 90 M: above PIL's warning threshold, below its error
    assert 10_000 * 9_000 > Image.MAX_IMAGE_PIXELS
    scene = load_scene(tmp_path)
    with pytest.raises(SceneError, match=r"rgb: image 10000 x 9000 = 90000000 px exceeds"):
        check_limits(scene, Limits(), tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            SceneError,
            match=r"rgb: image 10000 x 9000 exceeds limits\."
            r"max_image_side 9000$",
        ):
            check_limits(scene, Limits(max_image_pixels=10**9, max_image_side=9000), tmp_path)
        check_limits(scene, Limits(max_image_pixels=10**9, max_image_side=10_000), tmp_path)


def test_unreadable_or_vanished_images_are_named_by_the_limits_check(tmp_path):
    write_scene(tmp_path)
    scene = load_scene(tmp_path)
    image = tmp_path / "frames" / "f0000.png"
    image.write_bytes(b"not an image at all")
    with pytest.raises(
        SceneError,
        match=r"f0000\.png: trajectories\['walkthrough'\]\.frames"
        r"\['f0000'\]\.rgb: cannot read the image header",
    ):
        check_limits(scene, Limits(), tmp_path)
    image.unlink()
    os.mkfifo(image)  # swapped for a FIFO after loading: still never opened
    with pytest.raises(SceneError, match=r"\.rgb: not a regular file$"):
        check_limits(scene, Limits(), tmp_path)


def test_procedural_scenes_are_within_the_default_limits():
    check_limits(procedural_scene(0, 0), Limits())


# --------------------------------------------------------------------------- dataset loaders


def test_loaders_drop_instances_the_scene_would_refuse():
    """A scan's degenerate fragment is dropped and reported, not a reason to lose the scan."""
    chair_v, chair_f = box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8])
    sliver_v = np.array([[1.0, 1.0, 0.0], [1.1, 1.2, 0.3], [1.2, 1.4, 0.6]])  # one line
    wall_v = np.array([[3.0, 0.0, 0.0], [3.0, 0.0, 1.0], [3.0, 0.0, 2.0]])  # zero extent on x, y
    vertices = np.concatenate([chair_v, sliver_v, wall_v])
    faces = np.concatenate([chair_f, [[8, 9, 10]], [[11, 12, 13]]])
    labels = np.array([1] * 8 + [2] * 3 + [3] * 3)
    report = LoadReport("test", "scan")
    objects, structure = split_instances(
        vertices, faces, labels, {1: "chair", 2: "sliver", 3: "wall"}, report
    )
    assert [obj.id for obj in objects] == [1]
    assert structure == []
    assert "1 instances without points dropped: 2 (sliver, no extent)" in report.warnings
    assert "structure 'wall' has no non-degenerate face; dropped" in report.warnings
    with pytest.raises(
        SceneError, match=r"^test scan: faces: vertex index out of range \(1\.\.14 for 14 "
    ):
        split_instances(vertices, faces + 1, labels, {1: "chair"}, LoadReport("test", "scan"))


def test_loaders_drop_skewed_frames_with_the_reason():
    chair_v, chair_f = box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8])
    chair = SceneObject(1, "chair", mesh=trimesh.Trimesh(chair_v, chair_f, process=False))
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.4])
    K = intrinsics(WIDTH, HEIGHT, 70.0)
    skewed = K.copy()
    skewed[0, 1] = 0.25
    raws = [
        RawFrame("good", 0.0, pose, K, WIDTH, HEIGHT),
        RawFrame("skewed", 1.0, pose, skewed, WIDTH, HEIGHT),
    ]
    report = LoadReport("test", "scan")
    scene = assemble_scene("scan", report, [chair], trajectories={"walk": raws})
    assert [frame.id for frame in scene.trajectory("walk").frames] == ["good"]
    (warning,) = report.warnings
    assert warning.startswith(
        "trajectory 'walk': 1 bad frames dropped: [\"skewed (frame 'skewed'.K:"
    )
    assert "skew must be 0 (got K[0][1] = 0.25)" in warning


def test_loader_helpers_refuse_fifos_and_measure_bombs(tmp_path):
    os.mkfifo(tmp_path / "segs.json")
    with pytest.raises(SceneError, match=r"segs\.json: cannot read JSON \(not a regular file\)$"):
        read_json(tmp_path / "segs.json")
    bomb_png(tmp_path / "color.png", 20_000, 10_000)  # 200 M: past PIL's error threshold
    assert image_size(tmp_path / "color.png") == (20_000, 10_000)
    assert image_size(tmp_path / "segs.json") is None
