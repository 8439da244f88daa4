"""Scenes beyond the limits are named before a build spends on them: frame sizes, object and
vertex counts, image headers (a decompression bomb is measured, never decoded)."""

import os
import warnings

import pytest
from PIL import Image
from scene_json_kit import HEIGHT, bomb_png, write_scene

from spatialqa.errors import SceneError
from spatialqa.scenes import Limits, check_limits, load_scene, procedural_scene


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
