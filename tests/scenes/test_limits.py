"""Scenes beyond the limits are named before a build spends on them: frame sizes, object and
vertex counts, image headers (a decompression bomb is measured, never decoded)."""

import os
import warnings

import numpy as np
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


def keyed(*times: float):
    """``change`` for write_scene: the chair moves 0.1 m along x at each of ``times``."""

    def change(document: dict) -> None:
        poses = [np.eye(4) for _ in times]
        for k, pose in enumerate(poses):
            pose[0, 3] = 0.1 * (k + 1)
        motion = [{"t": t, "pose": pose.tolist()} for t, pose in zip(times, poses, strict=True)]
        document["objects"][0]["motion"] = motion

    return change


def test_keyframes_beyond_the_limit_are_named_with_their_scene_json(tmp_path):
    path = write_scene(tmp_path, keyed(1.0, 2.0, 3.0))
    scene = load_scene(tmp_path)
    assert len(scene.object(1).motion) == 3
    check_limits(scene, Limits(max_keyframes=3), tmp_path)  # 3 in all: at the limit
    with pytest.raises(SceneError) as info:
        check_limits(scene, Limits(max_keyframes=2), tmp_path)
    assert str(info.value) == (
        f"{path}: scene 'validation': objects[].motion: 3 keyframes (the most: "
        "objects[id=1].motion, 3) exceed limits.max_keyframes 2"
    )
    with pytest.raises(SceneError, match=r"^scene 'validation': objects\[\]\.motion: 3 "):
        check_limits(scene, Limits(max_keyframes=2))  # no directory: the scene names it


def test_keyframes_are_counted_over_every_moving_object():
    scene = procedural_scene(0, 0, frames=4, moved=True)
    moving = sorted(obj.id for obj in scene.objects if obj.motion)
    # procedural rooms move one to three pieces, one keyframe each
    assert 1 <= len(moving) <= 3
    assert all(len(scene.object(i).motion) == 1 for i in moving)
    check_limits(scene, Limits())
    check_limits(scene, Limits(max_keyframes=len(moving)))
    with pytest.raises(SceneError) as info:
        check_limits(scene, Limits(max_keyframes=len(moving) - 1))
    assert str(info.value) == (
        f"scene {scene.scene_id!r}: objects[].motion: {len(moving)} keyframes (the most: "
        f"objects[id={moving[0]}].motion, 1) exceed limits.max_keyframes {len(moving) - 1}"
    )
    check_limits(procedural_scene(0, 0, frames=4), Limits(max_keyframes=0))  # no motion
