"""The ray-casting backend against the rasterising backend."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import room_kit as kit

from spatialqa.degradations import (
    RasterRenderer,
    RaycastRenderer,
    make_renderer,
)
from spatialqa.degradations.materials import PATTERNS, object_material, sky
from spatialqa.degradations.sheet import busiest_frame
from spatialqa.scenes import SceneObject, procedural_scene
from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID


@pytest.fixture(scope="module")
def procedural():
    scene = procedural_scene(0, 0)
    return scene, busiest_frame(scene).resized(320, 240)


@pytest.fixture(scope="module")
def kit_views():
    scene, frame = kit.make_scene(), kit.make_frame()
    with RasterRenderer(scene) as renderer:
        rasterised = renderer.render(frame)
    return rasterised, RaycastRenderer(scene).render(frame)


def test_masks_of_the_two_backends_agree_on_a_procedural_room(procedural):
    scene, frame = procedural
    with RasterRenderer(scene) as renderer:
        rasterised = renderer.render(frame)
    cast = RaycastRenderer(scene).render(frame)
    assert (rasterised.instance == cast.instance).mean() >= 0.999
    assert len(np.unique(cast.instance)) >= 6  # several objects, structure, no background
    both = (rasterised.depth > 0) & (cast.depth > 0)
    # Camera z interpolated in float32: good to well under a millimetre.
    assert np.median(np.abs(rasterised.depth - cast.depth)[both]) < 1e-4
    # Same looks, same light; they differ where the texture's bilinear filter meets the
    # pattern's exact value and on edges (measured: 0.06 of a byte on average).
    assert np.abs(rasterised.rgb.astype(int) - cast.rgb).mean() < 0.5


def test_masks_and_depth_agree_on_the_hand_built_room(kit_views):
    rasterised, cast = kit_views
    assert (rasterised.instance == cast.instance).mean() >= 0.99
    assert set(np.unique(cast.instance)) == {STRUCTURE_ID, kit.NEAR_ID, kit.FAR_ID, kit.SIDE_ID}


def test_ray_cast_depth_is_exact():
    """The near box's front face is the plane y = 1.2 m: camera z 1.2 m at every pixel of it."""
    cast = RaycastRenderer(kit.make_scene()).render(kit.make_frame())
    front = cast.instance == kit.NEAR_ID
    rows, _ = np.nonzero(front)
    uv = kit.make_frame().project(np.array([[-0.35, 1.2, 1.4]]))[0][0]
    assert cast.instance[round(uv[1]), round(uv[0])] == kit.NEAR_ID
    assert cast.depth[round(uv[1]), round(uv[0])] == pytest.approx(1.2, abs=1e-5)
    assert cast.depth.dtype == np.float32 and cast.instance.dtype == np.int32
    assert rows.size > 0 and cast.depth[front].min() == pytest.approx(1.2, abs=1e-5)


def test_misses_are_background_with_zero_depth_and_show_the_exterior():
    """Classic: black; natural: ``materials.sky`` of the pixel's ray, as the rasteriser."""
    scene = kit.make_scene()
    bare = dataclasses.replace(scene, structure=())
    frame = kit.make_frame()
    cast = RaycastRenderer(bare, "classic").render(frame)
    assert cast.instance[0, 0] == BACKGROUND_ID and cast.depth[0, 0] == 0.0
    assert (cast.rgb[0, 0] == 0).all()
    assert np.all((cast.depth > 0) == (cast.instance != BACKGROUND_ID))
    natural = RaycastRenderer(bare, "natural").render(frame)
    assert natural.instance.tobytes() == cast.instance.tobytes()
    assert natural.depth.tobytes() == cast.depth.tobytes()
    outside = natural.instance == BACKGROUND_ID
    expected = np.rint(255 * sky(pixel_rays(frame, dtype=np.float64)[:, 3:]))
    assert np.abs(natural.rgb.reshape(-1, 3).astype(int) - expected)[outside.ravel()].max() <= 1
    with RasterRenderer(bare, "natural") as raster:
        drawn = raster.render(frame)
    assert np.abs(drawn.rgb.astype(int) - natural.rgb)[outside].max() <= 1


def test_lighting_shows_shape_in_the_ray_cast_image():
    """The two visible sides of the box turned by 30 degrees differ in brightness."""
    scene = kit.make_scene()
    cast = RaycastRenderer(scene).render(kit.make_frame())
    crate = cast.instance == kit.SIDE_ID
    shades = np.unique(cast.rgb[crate].sum(axis=1) // 30)
    assert len(shades) >= 2


def test_objects_get_their_own_colours_and_patterns():
    looks = [
        object_material(SceneObject(i, "chair", mesh=kit.box((1, 1, 1), (0, 3, 1))))
        for i in range(12)
    ]
    assert len({look.color for look in looks}) >= 4
    assert {look.pattern for look in looks} == set(PATTERNS)
    given = SceneObject(1, "chair", mesh=kit.box((1, 1, 1), (0, 3, 1)), color=(1, 2, 3))
    assert object_material(given).color == (1, 2, 3)


@pytest.mark.parametrize("backend", ["pyrender", "raycast"])
def test_a_patterned_face_shows_its_pattern(backend):
    """A flat, evenly lit face of a striped object varies in brightness across the stripes
    (period TILE_M), in both backends."""
    mesh = kit.box((1.5, 0.2, 1.0), (0.0, 2.5, 1.5))
    instance = next(
        i
        for i in range(100)
        if object_material(SceneObject(i, "panel", mesh=mesh)).pattern == "stripes"
    )
    scene = kit.make_scene([SceneObject(instance, "panel", mesh=mesh, color=(200, 200, 200))])
    renderer = make_renderer(scene, backend)
    view = renderer.render(kit.make_frame())
    renderer.close()
    face = view.instance == instance
    brightness = view.rgb.astype(int).sum(axis=2)[face]
    assert face.sum() > 1000
    assert brightness.max() - brightness.min() > 60


@pytest.mark.parametrize("backend", [RasterRenderer, RaycastRenderer])
@pytest.mark.parametrize("look", ["classic", "natural"])
def test_both_backends_draw_a_moving_object_where_it_is_at_the_frames_time(backend, look):
    """moving_kit's chair turns and slides at t = 1: f0 is drawn as the scene built before
    the move, f1 and f2 as the scene built by hand after it (but for the chair's own pattern,
    which rides with it: test_materials), and the chair's pixels are the oracle's
    (instance_mask) but for pixel centres on an outline."""
    import moving_kit

    from spatialqa.oracle import instance_mask

    scene = moving_kit.moving().resized(320, 240)
    f0, f1, f2 = scene.trajectory("walk").frames
    with backend(scene, look) as moving, backend(moving_kit.before(), look) as before:
        drawn = [moving.render(frame) for frame in (f0, f1, f2)]
        assert np.array_equal(drawn[0].instance, before.render(f0).instance)
    with backend(moving_kit.after(), look) as after:
        by_hand = after.render(f1)
    assert (drawn[1].instance == by_hand.instance).mean() >= 0.999
    off_chair = (drawn[1].instance != moving_kit.CHAIR) & (by_hand.instance != moving_kit.CHAIR)
    assert np.abs(drawn[1].rgb.astype(int) - by_hand.rgb)[off_chair].mean() < 0.5
    assert np.array_equal(drawn[1].instance, drawn[2].instance)
    chair = moving_kit.CHAIR
    for frame, image in zip((f0, f1), drawn[:2], strict=True):
        ours = instance_mask(scene, frame.id) == chair
        theirs = image.instance == chair
        assert theirs.sum() > 1000  # the chair fills a good part of the view
        assert (ours != theirs).sum() <= 0.01 * theirs.sum()
    # Where the chair was and where it went: the two masks barely overlap (u 213..426 before,
    # 60..201 after, at 640 px wide: see tests/oracle/test_visibility.py).
    assert not ((drawn[0].instance == chair) & (drawn[1].instance == chair)).any()


def test_a_moving_scene_gets_one_renderer_per_state():
    """Frames f0 (before the keyframe), f1 and f2 (after it): two states, two renderers; the
    one after is told the chair's pose (its pattern is sampled on its own geometry)."""
    import moving_kit

    from spatialqa.degradations.render import ByState

    scene = moving_kit.moving()
    made, placed = [], []

    def make(state, placements):
        made.append(state)
        placed.append(placements)
        return RaycastRenderer(state, placements=placements)

    states = ByState(scene, make)
    f0, f1, f2 = scene.trajectory("walk").frames
    assert states(f1) is states(f2) is not states(f0)
    assert made == [scene.at(1.0), scene.at(0.0)]
    assert list(placed[0]) == [moving_kit.CHAIR] and placed[1] == {}
    assert np.array_equal(placed[0][moving_kit.CHAIR], moving_kit.chair_pose())
    assert not any(state.moves for state in made)
