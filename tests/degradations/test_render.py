"""The rasteriser on a hand-built room: depth, masks, pixel conventions, lighting, determinism."""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from room_kit import CAMERA_HEIGHT, HEIGHT, WIDTH, box, make_frame, room_structure

from spatialqa.degradations.materials import object_material, sky
from spatialqa.degradations.render import (
    RasterRenderer,
    RenderedFrame,
    decode_instances,
    instance_codes,
)
from spatialqa.errors import SceneError
from spatialqa.scenes import Frame, Scene, SceneObject, Source, Structure, procedural_scene
from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID


def make_scene(objects: list[SceneObject], room: bool = True) -> Scene:
    """A 6 x 8 x 3 m room around the camera (floor, four walls, ceiling) holding ``objects``."""
    return Scene(
        scene_id="room",
        source=Source("test"),
        objects=tuple(objects),
        structure=room_structure() if room else (),
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
    with RasterRenderer(scene) as renderer:
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
    with RasterRenderer(scene) as renderer:
        view = renderer.render(make_frame())
    assert view.instance[0, 0] == BACKGROUND_ID and view.depth[0, 0] == 0.0
    assert set(np.unique(view.instance).tolist()) == {BACKGROUND_ID, 3}
    assert np.all((view.depth > 0) == (view.instance == 3))


@pytest.mark.parametrize(("cx", "cy"), [(50.0, 40.0), (80.0, 60.0), (101.0, 77.0)])
def test_principal_point_follows_opencv_pixel_centres(cx, cy):
    """A small box on the optical axis is centred on pixel (cx, cy), not half a pixel off."""
    scene = make_scene([SceneObject(1, "box", mesh=box((0.1, 0.1, 0.1), (0, 3, CAMERA_HEIGHT)))])
    with RasterRenderer(scene) as renderer:
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
    with RasterRenderer(scene) as other:
        other.render(make_frame())
        again = ahead.render(make_frame())
    assert again.rgb.tobytes() == expected.rgb.tobytes()
    assert again.instance.tobytes() == expected.instance.tobytes()


def test_fresh_renderers_of_a_procedural_room_give_identical_bytes():
    """Touching surfaces (walls at corners, lamps on tables) resolve the same way every time:
    the draw order is the scene's, never one from set iteration or memory addresses."""
    scene = procedural_scene(5, 0, frames=12)
    frame = scene.trajectory("walkthrough").frames[4]
    renders = []
    for _ in range(6):
        with RasterRenderer(scene) as renderer:
            renders.append(renderer.render(frame).rgb.tobytes())
    assert len(set(renders)) == 1


def test_depth_is_camera_z_of_the_floor():
    """On the floor (z = 0, camera 1.5 m above it, looking level) pixel row v sees camera z
    1.5 f / (v - cy): float32 interpolation, not a 24-bit depth buffer."""
    behind = SceneObject(1, "box", mesh=box((0.2, 0.2, 0.2), (0.0, -1.0, CAMERA_HEIGHT)))
    view = RasterRenderer(make_scene([behind])).render(make_frame())
    for row in (HEIGHT - 1, HEIGHT - 20, HEIGHT // 2 + 30):  # 2.5 m to 5 m ahead
        expected = CAMERA_HEIGHT * 100.0 / (row - HEIGHT / 2)
        assert view.instance[row, WIDTH // 2] == STRUCTURE_ID
        assert view.depth[row, WIDTH // 2] == pytest.approx(expected, rel=1e-5)


def test_nothing_to_draw_is_background_everywhere():
    """An object given only as points is not drawn; no structure: nothing at all to draw."""
    points = np.array([[0.0, 3.0, 1.0], [0.5, 3.0, 1.0], [0.0, 3.5, 1.5]])
    cloud = SceneObject(1, "cloud", points=points)
    empty = Scene(scene_id="empty", source=Source("test"), objects=(cloud,), structure=())
    with RasterRenderer(empty, "classic") as renderer:
        view = renderer.render(make_frame())
    assert (view.instance == BACKGROUND_ID).all()
    assert not view.depth.any() and not view.rgb.any()  # classic: black outside
    with RasterRenderer(empty, "natural") as renderer:
        natural = renderer.render(make_frame())
    assert natural.instance.tobytes() == view.instance.tobytes()
    assert natural.depth.tobytes() == view.depth.tobytes()
    assert natural.rgb.min() > 80  # natural: the exterior everywhere


def test_the_background_shows_the_exterior_and_stays_background():
    """Where nothing is drawn, the natural look shows ``materials.sky`` of the pixel's ray (to
    a byte: float32 against float64), ids stay BACKGROUND_ID and depth 0; the box keeps its
    own pixels."""
    scene = make_scene(
        [SceneObject(3, "box", mesh=box((0.5, 0.5, 0.5), (0, 3, CAMERA_HEIGHT)))], room=False
    )
    frame = make_frame()
    with RasterRenderer(scene, "classic") as classic, RasterRenderer(scene) as natural:
        a, b = classic.render(frame), natural.render(frame)
    assert a.instance.tobytes() == b.instance.tobytes() and a.depth.tobytes() == b.depth.tobytes()
    outside = b.instance == BACKGROUND_ID
    assert outside.mean() > 0.9 and not a.rgb[outside].any()
    expected = np.rint(255 * sky(pixel_rays(frame, dtype=np.float64)[:, 3:])).reshape(b.rgb.shape)
    assert np.abs(b.rgb.astype(int) - expected)[outside].max() <= 1
    assert b.rgb[0, 0, 2] > b.rgb[0, 0, 0]  # blue above (the camera looks level)
    assert b.rgb[-1, 0, 1] > b.rgb[-1, 0, 2]  # green ground below


def lit_byte(albedo: float, facing: float) -> int:
    """The display byte of a plain surface, on paper: ambient 0.55 plus 0.764 times the cosine
    to the key light (0.35, 0.2, -1) reversed, gamma 2.2."""
    linear = albedo * (0.55 + 0.764 * max(facing, 0.0))
    return round(255 * linear ** (1 / 2.2))


@pytest.mark.parametrize("winding", ["towards", "away"])
def test_a_face_is_lit_on_the_side_the_camera_sees(winding):
    """A single square facing the camera, wound either way: its visible side is lit with the
    normal turned towards the camera (-y), whichever way the mesh points it."""
    corners = np.array([[-1.0, 3.0, 0.5], [1.0, 3.0, 0.5], [1.0, 3.0, 2.5], [-1.0, 3.0, 2.5]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])  # normal -y: towards the camera
    if winding == "away":
        faces = faces[:, ::-1]
    square = trimesh.Trimesh(corners, faces, process=False)
    behind = SceneObject(1, "box", mesh=box((0.2, 0.2, 0.2), (0.0, -1.0, CAMERA_HEIGHT)))
    scene = Scene(
        scene_id="square",
        source=Source("test"),
        objects=(behind,),
        structure=(Structure("wall", square),),
    )
    view = RasterRenderer(scene, "classic").render(make_frame())
    to_light = -np.array([0.35, 0.2, -1.0]) / np.linalg.norm([0.35, 0.2, -1.0])
    facing = float(np.dot([0.0, -1.0, 0.0], to_light))
    expected = [lit_byte(c / 255, facing) for c in (205, 200, 190)]  # the wall's colour
    centre = view.rgb[HEIGHT // 2 - 10 : HEIGHT // 2 + 10, WIDTH // 2 - 10 : WIDTH // 2 + 10]
    assert np.abs(centre.astype(int) - expected).max() <= 1


def test_a_view_renders_to_the_same_bytes_in_another_process():
    """The same frame in a fresh process, and in one whose llvmpipe runs a single thread (other
    tiles per thread), gives the same bytes as here."""
    script = (
        "import hashlib\n"
        "from spatialqa.degradations.render import RasterRenderer\n"
        "from spatialqa.scenes import procedural_scene\n"
        "scene = procedural_scene(3, 1)\n"
        "frame = scene.trajectory('walkthrough').frames[2].resized(320, 240)\n"
        "view = RasterRenderer(scene).render(frame)\n"
        "print(hashlib.sha256(view.rgb.tobytes() + view.depth.tobytes()"
        " + view.instance.tobytes()).hexdigest())\n"
    )
    scene = procedural_scene(3, 1)
    frame = scene.trajectory("walkthrough").frames[2].resized(320, 240)
    with RasterRenderer(scene) as renderer:
        view = renderer.render(frame)
    here = hashlib.sha256(view.rgb.tobytes() + view.depth.tobytes() + view.instance.tobytes())
    for threads in (None, "1"):
        env = dict(os.environ)
        if threads is not None:
            env["LP_NUM_THREADS"] = threads
        there = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        assert there.stdout.strip() == here.hexdigest(), threads


@pytest.mark.parametrize("look", ["classic", "natural"])
def test_lighting_shows_shape(look):
    """The two visible sides of a box turned by 30 degrees differ in brightness (a plain box
    in the classic look, plastic in the natural one, so that no pattern hides the difference)."""
    extents, centre, yaw = np.array([0.6, 0.6, 0.6]), np.array([0.0, 3.0, 1.2]), 30.0
    mesh = box(extents, centre, yaw)
    looks = {i: object_material(SceneObject(i, "box", mesh=mesh)) for i in range(100)}
    plain = next(i for i, look in looks.items() if look.pattern == "plain")
    scene = make_scene([SceneObject(plain, "box", mesh=mesh, color=(160, 160, 160))])
    frame = make_frame()
    with RasterRenderer(scene, look) as renderer:
        view = renderer.render(frame)
    rotation = trimesh.transformations.rotation_matrix(np.radians(yaw), [0, 0, 1])[:3, :3]
    brightness = []
    for axis in (0, 1):
        normal = rotation[:, axis]
        if np.dot(normal, frame.center - centre) < 0:
            normal = -normal
        uv, _ = frame.project((centre + normal * extents[axis] / 2)[None])
        column, row = np.rint(uv[0]).astype(int)
        assert view.instance[row, column] == plain
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


def test_view_arrays_are_read_only(ahead):
    view = ahead.render(make_frame())
    with pytest.raises(ValueError, match="read-only"):
        view.rgb[0, 0] = 0


def test_view_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="height and width"):
        RenderedFrame(rgb=np.zeros((4, 4, 3)), depth=np.zeros((4, 5)), instance=np.zeros((4, 4)))


def test_instance_encoding_round_trips():
    ids = np.array([BACKGROUND_ID, STRUCTURE_ID, 0, 7, 300, 70_000, 2**31 - 2, 2**31 - 1])
    codes = instance_codes(ids)
    assert codes.dtype == np.int32 and codes[0] == 0  # a cleared pixel is background
    assert decode_instances(codes).tolist() == ids.tolist()


def test_the_largest_instance_id_renders_as_itself():
    largest = 2**31 - 1  # the most a Scene admits
    scene = make_scene([SceneObject(largest, "box", mesh=box((0.5, 0.5, 0.5), (0, 3, 1.5)))])
    with RasterRenderer(scene) as renderer:
        view = renderer.render(make_frame())
    assert view.instance[HEIGHT // 2, WIDTH // 2] == largest


def test_skewed_intrinsics_are_rejected_before_any_render():
    K = make_frame().K.copy()
    K[0, 1] = 0.5
    with pytest.raises(SceneError, match="skew"):
        Frame(id="skew", t=0.0, pose=make_frame().pose, K=K, width=WIDTH, height=HEIGHT)


def test_closing_or_dropping_a_renderer_leaves_others_working(ahead):
    """Each renderer owns a context on the EGL display they all share: releasing one (close,
    or the collector) must leave the display, hence the others, working."""
    expected = ahead.render(make_frame())
    scene = make_scene([SceneObject(2, "box", mesh=box((0.3, 0.3, 0.3), (0, 2, 1.0)))])
    closed = RasterRenderer(scene)
    closed.render(make_frame())
    closed.close()
    dropped = RasterRenderer(scene)
    dropped.render(make_frame())
    del dropped
    gc.collect()
    assert ahead.render(make_frame()).rgb.tobytes() == expected.rgb.tobytes()
    assert (closed.render(make_frame()).instance == 2).any()  # closed, yet renders again
