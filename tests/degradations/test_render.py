"""PyrenderRenderer on a hand-built room: depth, masks, pixel conventions, lighting."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import trimesh

from spatialqa.degradations.render import (
    BACKGROUND_ID,
    MAX_INSTANCE_ID,
    STRUCTURE_ID,
    PyrenderRenderer,
    View,
    decode_instances,
)
from spatialqa.errors import ConfigError, SceneError
from spatialqa.scenes import Frame, Scene, SceneObject, Source, Structure, procedural_scene

WIDTH, HEIGHT = 160, 120
CAMERA_HEIGHT = 1.5
# Camera at the origin at CAMERA_HEIGHT looking along world +y: x right, y down (-z), z forward.
LOOK_ALONG_Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


def box(extents, center, yaw_deg: float = 0.0) -> trimesh.Trimesh:
    transform = trimesh.transformations.rotation_matrix(np.radians(yaw_deg), [0, 0, 1])
    transform[:3, 3] = center
    return trimesh.creation.box(extents=extents, transform=transform)


def make_frame(
    frame_id: str = "f0", cx: float = WIDTH / 2, cy: float = HEIGHT / 2, f: float = 100.0
) -> Frame:
    pose = np.eye(4)
    pose[:3, :3] = LOOK_ALONG_Y
    pose[:3, 3] = (0.0, 0.0, CAMERA_HEIGHT)
    K = np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])
    return Frame(id=frame_id, t=0.0, pose=pose, K=K, width=WIDTH, height=HEIGHT)


def make_scene(objects: list[SceneObject], room: bool = True) -> Scene:
    """A 6 x 8 x 3 m room around the camera (floor, four walls, ceiling) holding ``objects``."""
    structure = (
        Structure("floor", box((6.0, 8.0, 0.1), (0.0, 2.0, -0.05))),
        Structure("ceiling", box((6.0, 8.0, 0.1), (0.0, 2.0, 3.05))),
        Structure("wall", box((6.0, 0.1, 3.0), (0.0, 6.05, 1.5))),
        Structure("wall", box((6.0, 0.1, 3.0), (0.0, -2.05, 1.5))),
        Structure("wall", box((0.1, 8.0, 3.0), (3.05, 2.0, 1.5))),
        Structure("wall", box((0.1, 8.0, 3.0), (-3.05, 2.0, 1.5))),
    )
    return Scene(
        scene_id="room",
        source=Source("test"),
        objects=tuple(objects),
        structure=structure if room else (),
    )


@pytest.fixture(scope="module")
def ahead():
    """A 0.5 m box 3 m straight ahead at eye height (id 7) and one to its right (id 9)."""
    scene = make_scene(
        [
            SceneObject(
                7, "box", mesh=box((0.5, 0.5, 0.5), (0.0, 3.0, CAMERA_HEIGHT)), color=(200, 40, 40)
            ),
            SceneObject(9, "box", mesh=box((0.5, 0.5, 0.5), (1.5, 3.0, CAMERA_HEIGHT))),
        ]
    )
    with PyrenderRenderer(scene) as renderer:
        yield renderer


def test_depth_and_instance_at_box_centre(ahead):
    view = ahead.render(make_frame())
    centre = (HEIGHT // 2, WIDTH // 2)
    # The front face is 0.25 m nearer than the box centre; 24-bit depth is good to a few mm.
    assert view.depth[centre] == pytest.approx(2.75, abs=0.01)
    assert view.instance[centre] == 7
    assert view.rgb.shape == (HEIGHT, WIDTH, 3) and view.rgb.dtype == np.uint8
    assert view.depth.dtype == np.float32 and view.instance.dtype == np.int32


def test_box_at_plus_x_lands_in_the_right_half(ahead):
    view = ahead.render(make_frame())
    _, columns = np.nonzero(view.instance == 9)
    assert columns.size > 0 and columns.min() > WIDTH // 2


def test_structure_is_minus_one(ahead):
    view = ahead.render(make_frame())
    assert view.instance[HEIGHT - 1, WIDTH // 2] == STRUCTURE_ID  # the floor
    assert view.instance[0, WIDTH // 2] == STRUCTURE_ID  # the ceiling
    assert not (view.instance == BACKGROUND_ID).any()  # a closed room


def test_background_is_minus_two_with_zero_depth():
    scene = make_scene(
        [SceneObject(3, "box", mesh=box((0.5, 0.5, 0.5), (0, 3, CAMERA_HEIGHT)))], room=False
    )
    with PyrenderRenderer(scene) as renderer:
        view = renderer.render(make_frame())
    assert view.instance[0, 0] == BACKGROUND_ID and view.depth[0, 0] == 0.0
    assert set(np.unique(view.instance).tolist()) == {BACKGROUND_ID, 3}
    assert np.all((view.depth > 0) == (view.instance == 3))


@pytest.mark.parametrize(("cx", "cy"), [(50.0, 40.0), (80.0, 60.0), (101.0, 77.0)])
def test_principal_point_follows_opencv_pixel_centres(cx, cy):
    """A small box on the optical axis is centred on pixel (cx, cy), not half a pixel off."""
    scene = make_scene([SceneObject(1, "box", mesh=box((0.1, 0.1, 0.1), (0, 3, CAMERA_HEIGHT)))])
    with PyrenderRenderer(scene) as renderer:
        view = renderer.render(make_frame(cx=cx, cy=cy))
    rows, columns = np.nonzero(view.instance == 1)
    assert columns.size > 0
    assert columns.mean() == pytest.approx(cx, abs=0.1)
    assert rows.mean() == pytest.approx(cy, abs=0.1)


def test_rendering_twice_gives_identical_bytes(ahead):
    first, second = ahead.render(make_frame()), ahead.render(make_frame())
    for name in ("rgb", "depth", "instance"):
        assert getattr(first, name).tobytes() == getattr(second, name).tobytes()


def test_two_renderers_in_one_process_agree(ahead):
    """Each renderer owns an EGL context; interleaving them changes no pixel."""
    expected = ahead.render(make_frame())
    scene = make_scene([SceneObject(2, "box", mesh=box((0.3, 0.3, 0.3), (0, 2, 1.0)))])
    with PyrenderRenderer(scene) as other:
        other.render(make_frame())
        again = ahead.render(make_frame())
    assert again.rgb.tobytes() == expected.rgb.tobytes()
    assert again.instance.tobytes() == expected.instance.tobytes()


def test_fresh_renderers_of_a_procedural_room_give_identical_bytes():
    """Touching surfaces (walls at corners, lamps on tables) resolve the same way every time.

    pyrender orders draws and lights by set iteration (memory addresses); before the renderer
    fixed the order, some of these renders differed from the first in a few pixels.
    """
    scene = procedural_scene(5, 0, frames=12)
    frame = scene.trajectory("walkthrough").frames[4]
    renders = []
    for _ in range(6):
        with PyrenderRenderer(scene) as renderer:
            renders.append(renderer.render(frame).rgb.tobytes())
    assert len(set(renders)) == 1


def test_lighting_shows_shape():
    """The two visible sides of a box turned by 30 degrees differ in brightness."""
    extents, centre, yaw = np.array([0.6, 0.6, 0.6]), np.array([0.0, 3.0, 1.2]), 30.0
    scene = make_scene(
        [SceneObject(4, "box", mesh=box(extents, centre, yaw), color=(160, 160, 160))]
    )
    frame = make_frame()
    with PyrenderRenderer(scene) as renderer:
        view = renderer.render(frame)
    rotation = trimesh.transformations.rotation_matrix(np.radians(yaw), [0, 0, 1])[:3, :3]
    brightness = []
    for axis in (0, 1):
        normal = rotation[:, axis]
        if np.dot(normal, frame.center - centre) < 0:
            normal = -normal
        uv, _ = frame.project((centre + normal * extents[axis] / 2)[None])
        column, row = np.rint(uv[0]).astype(int)
        assert view.instance[row, column] == 4
        brightness.append(int(view.rgb[row, column].sum()))
    assert abs(brightness[0] - brightness[1]) > 15
    assert len(np.unique(view.rgb.reshape(-1, 3), axis=0)) > 3


def test_frame_size_change_recreates_the_context(ahead):
    small = Frame(
        id="small",
        t=0.0,
        pose=make_frame().pose,
        K=np.array([[50.0, 0, 40.0], [0, 50.0, 30.0], [0, 0, 1]]),
        width=80,
        height=60,
    )
    before = ahead.render(make_frame()).rgb
    view = ahead.render(small)
    assert view.rgb.shape == (60, 80, 3) and view.instance[30, 40] == 7
    # The new context gets every mesh and texture again: the same pixels as before.
    assert ahead.render(make_frame()).rgb.tobytes() == before.tobytes()


def test_renders_without_np_infty(monkeypatch):
    """pyrender 0.1.45 uses np.infty (gone in numpy 2) on paths this renderer must never take."""
    monkeypatch.delattr(np, "infty", raising=False)
    assert not hasattr(np, "infty")
    scene = make_scene([SceneObject(1, "box", mesh=box((0.5, 0.5, 0.5), (0, 3, CAMERA_HEIGHT)))])
    with PyrenderRenderer(scene) as renderer:
        view = renderer.render(make_frame())
    assert view.instance[HEIGHT // 2, WIDTH // 2] == 1


def test_view_arrays_are_read_only(ahead):
    view = ahead.render(make_frame())
    with pytest.raises(ValueError, match="read-only"):
        view.rgb[0, 0] = 0


def test_view_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="height and width"):
        View(rgb=np.zeros((4, 4, 3)), depth=np.zeros((4, 5)), instance=np.zeros((4, 4)))


def test_instance_encoding_round_trips():
    ids = np.array([BACKGROUND_ID, STRUCTURE_ID, 0, 7, 300, 70_000, MAX_INSTANCE_ID])
    codes = ids + 2
    seg = np.stack([codes & 0xFF, (codes >> 8) & 0xFF, (codes >> 16) & 0xFF], axis=-1)
    assert decode_instances(seg.astype(np.uint8)[None]).tolist() == [ids.tolist()]


def test_ids_beyond_the_encoding_are_rejected():
    scene = make_scene([SceneObject(MAX_INSTANCE_ID + 1, "box", mesh=box((1, 1, 1), (0, 3, 1)))])
    with pytest.raises(SceneError, match="encodes ids up to"):
        PyrenderRenderer(scene)


def test_skewed_intrinsics_are_rejected_before_any_render():
    K = make_frame().K.copy()
    K[0, 1] = 0.5
    with pytest.raises(SceneError, match="skew"):
        Frame(id="skew", t=0.0, pose=make_frame().pose, K=K, width=WIDTH, height=HEIGHT)


def test_closing_or_dropping_a_renderer_leaves_others_working(ahead):
    """pyrender's own delete terminates the EGL display that every context shares."""
    expected = ahead.render(make_frame())
    scene = make_scene([SceneObject(2, "box", mesh=box((0.3, 0.3, 0.3), (0, 2, 1.0)))])
    closed = PyrenderRenderer(scene)
    closed.render(make_frame())
    closed.close()
    dropped = PyrenderRenderer(scene)
    dropped.render(make_frame())
    del dropped
    gc.collect()
    assert ahead.render(make_frame()).rgb.tobytes() == expected.rgb.tobytes()
    assert (closed.render(make_frame()).instance == 2).any()  # closed, yet renders again


def test_a_platform_other_than_egl_is_rejected(monkeypatch):
    monkeypatch.setenv("PYOPENGL_PLATFORM", "osmesa")
    scene = make_scene([SceneObject(1, "box", mesh=box((0.5, 0.5, 0.5), (0, 3, CAMERA_HEIGHT)))])
    with pytest.raises(ConfigError, match="PYOPENGL_PLATFORM: PyrenderRenderer needs 'egl'"):
        PyrenderRenderer(scene)
