"""Delivering frames: the backend chosen, captured images shown, each frame rendered once and
degraded per variant with its label transform; the build's rows carry the moved labels."""

from __future__ import annotations

import dataclasses
import json
import logging

import numpy as np
import pytest
import room_kit as kit
from PIL import Image

from spatialqa.degradations import (
    DEGRADATIONS,
    RasterRenderer,
    RaycastRenderer,
    delivery,
    egl_available,
    make_renderer,
    mask_box,
    render_and_degrade,
)
from spatialqa.degradations.delivery import CapturedRenderer
from spatialqa.errors import ConfigError, SceneError
from spatialqa.generators.sample import ObjectRef, Sample
from spatialqa.oracle.geometry import derived
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.shard import render_views, sample_row
from spatialqa.scenes import Trajectory

VARIANTS = [("clean", 0), ("lens_distortion", 5), ("motion_blur", 2), ("haze", 3)]


def delivered(scene, seed=0):
    frames = list(scene.trajectory("walk").frames)
    return list(render_and_degrade(scene, frames, VARIANTS, backend="raycast", seed=seed))


def test_every_frame_comes_once_per_variant_in_order(scene):
    views = delivered(scene)
    assert [(v.variant, v.frame.id) for v in views] == [
        (variant, frame_id) for variant in VARIANTS for frame_id in ("f0", "f1")
    ]
    clean = views[0]
    assert clean.params == {} and clean.transform is None
    assert views[2].transform is not None and views[2].params["k1"] < 0
    assert views[4].params["substeps"] >= 4


def test_render_and_degrade_is_deterministic_and_seeded(scene):
    first, again, other = delivered(scene), delivered(scene), delivered(scene, seed=1)
    assert [v.image.tobytes() for v in first] == [v.image.tobytes() for v in again]
    assert first[0].image.tobytes() == other[0].image.tobytes()  # clean: no seed
    assert first[6].image.tobytes() != other[6].image.tobytes()  # haze: seeded
    # Haze is the weather of the whole video: both frames share it. Motion blur is each
    # frame's own camera shake.
    assert first[6].params == first[7].params
    assert first[4].params != first[5].params


def test_labels_follow_a_resize_from_the_scene_frames_to_the_delivered_size(scene):
    """The oracle labels the scene's own frames (160 x 120); delivered at 80 x 60, every
    variant's transform halves them first, clean included: x' = (x + 0.5) / 2 - 0.5, the
    image's corners (-0.5, -0.5) and (159.5, 119.5) going to (-0.5, -0.5) and (79.5, 59.5)."""
    small = scene.frame("f0").resized(80, 60)
    variants = [("clean", 0), ("lens_distortion", 3)]
    clean, distorted = render_and_degrade(scene, [small], variants, backend="raycast")
    corners = [[-0.5, -0.5], [159.5, 119.5], [29.5, 9.5]]
    assert np.allclose(clean.transform.points(corners), [[-0.5, -0.5], [79.5, 59.5], [14.5, 4.5]])
    k1 = distorted.params["k1"]
    # (130, 85) is normalised (0.5, 0.25) about the principal point (80, 60) with f = 100;
    # halved it is (64.75, 42.25), still (0.5, 0.25) about (39.75, 29.75) with f = 50, and
    # is distorted about that point.
    factor = 1 + k1 * 0.3125 + distorted.params["k2"] * 0.3125**2
    assert np.allclose(
        distorted.transform.points([[130.0, 85.0]]),
        [[39.75 + 25 * factor, 29.75 + 12.5 * factor]],
    )
    same_size = next(render_and_degrade(scene, [scene.frame("f0")], variants[:1], "raycast"))
    assert same_size.transform is None


def config(**degradations):
    return parse_config(
        {
            "name": "t",
            "scenes": [{"procedural": {"count": 1}}],
            "tasks": ["object_counting"],
            "render": {"backend": "raycast", "width": kit.WIDTH, "height": kit.HEIGHT},
            "degradations": [
                "clean",
                *[{"type": t, "severities": s} for t, s in degradations.items()],
            ],
        }
    )


def test_the_build_config_accepts_every_degradation():
    built = config(**{name: [1, 2, 3, 4, 5] for name in DEGRADATIONS})
    variants = [v for spec in built.degradations for v in spec.variants]
    assert len(variants) == 1 + 5 * len(DEGRADATIONS)
    assert built.render.backend == "raycast"


def located_sample(box: list[float]) -> Sample:
    return Sample(
        scene_id="kit_room", source="test", task="object_localization_2d", family="grounding",
        index=0, question="Where is the box?", question_vsi=None, answer_type="box",
        answer="[0, 0, 0, 0]", choices=(), value=None, unit=None, metric="iou",
        objects=(ObjectRef(kit.NEAR_ID, "box", "target"),), views=("f0",), program="{}",
        rationale="", margin=None, answerable=True, seed=0,
        labels=json.dumps({"boxes": {str(kit.NEAR_ID): box}}),
    )  # fmt: skip


def test_rows_carry_moved_labels_and_answers_per_variant(scene):
    built = config(lens_distortion=[5], haze=[3])
    variants = [v for spec in built.degradations for v in spec.variants]
    frames, images = render_views(built, scene, ["f0"], variants)
    assert len(frames) == 3
    mask = RaycastRenderer(scene).render(kit.make_frame()).instance == kit.NEAR_ID
    # The oracle's box: the pixels' squares around their centres (OpenCV, centres at integers).
    box = [float(c) for c in mask_box(mask) + np.array([-0.5, -0.5, 0.5, 0.5])]
    rows = {v: sample_row(built, "b", located_sample(box), v, images, "k") for v in variants}
    assert json.loads(rows["clean", 0]["labels"]) == {"boxes": {str(kit.NEAR_ID): box}}
    assert rows["haze", 3]["labels"] == rows["clean", 0]["labels"]
    distorted = images[("lens_distortion", 5), "f0"]
    moved = json.loads(rows["lens_distortion", 5]["labels"])["boxes"][str(kit.NEAR_ID)]
    expected_px = distorted["transform"].box(np.array(box))
    assert np.allclose(moved, np.round(expected_px, 2))
    # Thousandths of the image, whose edges -0.5 and W - 0.5 are 0 and 1000.
    scale = [1000 / kit.WIDTH, 1000 / kit.HEIGHT] * 2
    expected = ", ".join(str(int((c + 0.5) * k + 0.5)) for c, k in zip(moved, scale, strict=True))
    assert rows["lens_distortion", 5]["answer"] == f"[{expected}]"
    assert rows["clean", 0]["answer"] == rows["haze", 3]["answer"] == "[0, 0, 0, 0]"
    assert {r["question"] for r in rows.values()} == {"Where is the box?"}
    params = json.loads(rows["lens_distortion", 5]["degradation"]["params"])
    assert params == distorted["params"]


def test_make_renderer_picks_the_backend():
    scene = kit.make_scene()
    assert isinstance(make_renderer(scene, "raycast"), RaycastRenderer)
    chosen = make_renderer(scene, "auto")
    assert isinstance(chosen, RasterRenderer if egl_available() else RaycastRenderer)
    chosen.close()
    for name in ("raster", "pyrender"):  # pyrender: the rasteriser's old name, still accepted
        named = make_renderer(scene, name)
        assert isinstance(named, RasterRenderer)
        named.close()
    with pytest.raises(ConfigError, match=r"render\.backend: must be one of"):
        make_renderer(scene, "blender")


def test_auto_falls_back_to_ray_casting_without_egl(monkeypatch):
    def no_egl():
        raise OSError("libEGL.so.1: cannot open shared object file")

    monkeypatch.setattr(delivery, "create_context", no_egl)
    egl_available.cache_clear()
    try:
        assert isinstance(make_renderer(kit.make_scene(), "auto"), RaycastRenderer)
    finally:
        monkeypatch.undo()
        egl_available.cache_clear()


@pytest.fixture()
def scan(tmp_path):
    """The kit room as a 'scan': its frame names a captured image (red ramps left to right,
    green top to bottom)."""
    across = np.repeat(np.linspace(0, 255, 320)[None, :], 240, axis=0).astype(np.uint8)
    down = np.repeat(np.linspace(0, 255, 240)[:, None], 320, axis=1).astype(np.uint8)
    image = np.stack([across, down, np.full_like(down, 77)], axis=-1)
    (tmp_path / "frames").mkdir()
    Image.fromarray(image).save(tmp_path / "frames" / "f0.png")
    frame = dataclasses.replace(kit.make_frame(), rgb="frames/f0.png")
    scene = dataclasses.replace(kit.make_scene(), trajectories=(Trajectory("walk", (frame,)),))
    return scene, frame, image, tmp_path


def test_captured_frames_show_their_own_images(scan):
    scene, frame, image, root = scan
    renderer = make_renderer(scene, "raycast", root=root)
    assert isinstance(renderer, CapturedRenderer)
    view = renderer.render(frame)
    expected = np.asarray(Image.fromarray(image).resize((160, 120), Image.Resampling.BILINEAR))
    assert np.array_equal(view.rgb, expected)
    geometry = RaycastRenderer(scene).render(frame)
    assert np.array_equal(view.instance, geometry.instance)
    assert np.array_equal(view.depth, geometry.depth)


@pytest.mark.parametrize("backend", ["raycast", "raster"])
def test_a_scan_whose_frames_all_show_photos_bakes_no_light(scan, backend):
    scene, frame, _, root = scan
    if backend == "raster" and not egl_available():
        pytest.skip("EGL not available")
    for root_given, bakes in ((root, 0), (None, 1)):  # no directory: the mesh is shown, lit
        renderer = make_renderer(scene, backend, root=root_given)
        renderer.render(frame)
        renderer.close()
        assert derived(scene).builds["natural light"] == bakes


def test_a_moved_captured_frame_resamples_the_image_through_the_geometry(scan):
    scene, frame, _, root = scan
    renderer = make_renderer(scene, "raycast", root=root)
    angle = np.arctan(5 / 100)  # pan right by 5 px at f = 100 px: the content moves 5 px left
    turn = np.eye(4)
    turn[:3, :3] = [
        [np.cos(angle), 0, np.sin(angle)],
        [0, 1, 0],
        [-np.sin(angle), 0, np.cos(angle)],
    ]
    moved = renderer.render_rgb(dataclasses.replace(frame, pose=frame.pose @ turn)).astype(int)
    still = renderer.render_rgb(frame).astype(int)
    middle = slice(50, 70)  # near the optical axis, where a pan is a plain shift
    assert np.abs(moved[middle, 40:120, 0] - still[middle, 45:125, 0]).mean() < 1.5
    assert np.abs(moved[middle, 40:120, 0] - still[middle, 40:120, 0]).mean() > 6


def test_a_missing_captured_image_names_the_frame(scan):
    scene, frame, _, root = scan
    (root / "frames" / "f0.png").unlink()
    with pytest.raises(SceneError, match=r"frame 'f0'\.rgb: cannot read"):
        make_renderer(scene, "raycast", root=root).render(frame)


def test_captured_frames_without_their_directory_render_the_mesh(scan, caplog):
    scene, _, _, _ = scan
    with caplog.at_level(logging.WARNING):
        renderer = make_renderer(scene, "raycast")
    assert isinstance(renderer, RaycastRenderer)
    assert "scene directory is unknown" in caplog.text
