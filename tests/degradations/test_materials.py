"""The natural look: materials by category and room type, textures, baked light, exposure, and
the two backends drawing it alike."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import room_kit as kit
import trimesh
from scipy.ndimage import map_coordinates

from spatialqa.degradations import materials
from spatialqa.degradations.materials import (
    BAKE_QUALITIES,
    MATERIALS,
    PAINTINGS,
    RAY_BUDGET,
    SHOULDER,
    WHITE,
    LightBake,
    bake_light,
    bake_quality,
    baked_light_at,
    category_material,
    grid_points,
    material_texture,
    natural_structure_looks,
    room_type,
    sample_texture,
    sky,
    tone,
)
from spatialqa.degradations.raycast import RaycastRenderer
from spatialqa.degradations.render import RasterRenderer
from spatialqa.oracle.geometry import derived
from spatialqa.scenes import SceneObject, procedural_scene
from spatialqa.scenes.procedural import ROOM_TYPES
from spatialqa.scenes.scene import BACKGROUND_ID, Room, Source
from spatialqa.seeding import rng_for


@pytest.fixture(scope="module")
def room():
    """A procedural living room and three of its walkthrough frames at 320 x 240."""
    scene = procedural_scene(0, 4)
    frames = scene.trajectory("walkthrough").frames
    return scene, [frames[k].resized(320, 240) for k in (0, 9, 21)]


def test_categories_get_their_materials_and_unknown_ones_a_default():
    assert category_material("sofa") == "fabric"
    assert category_material("Coffee Table") == "wood"
    assert category_material("toilet") == "ceramic"
    assert category_material("refrigerator") == "metal"
    assert category_material("dining chair") == "wood"  # by keyword
    assert category_material("bath mat") == "carpet"  # by keyword
    assert category_material("spaceship") == "plastic"


def test_procedural_rooms_record_their_type_and_scans_have_none():
    for kind in ROOM_TYPES:
        assert room_type(procedural_scene(1, 2, frames=2, room_type=kind)) == kind
    assert room_type(kit.make_scene()) is None


def test_the_room_kind_alone_picks_the_palette():
    kitchen = procedural_scene(1, 2, frames=2, room_type="kitchen")
    expected = natural_structure_looks(kitchen)
    # The source's words no longer matter: a scan (or a rewritten detail) of the same room
    # with the same kind looks the same, and without a kind (or with one no palette knows)
    # gets the neutral floor and walls.
    scan = dataclasses.replace(kitchen, source=Source("scannet", "scene0000_00"))
    assert natural_structure_looks(scan) == expected
    for kind in (None, "garage"):
        room = Room(kitchen.room.footprint, kitchen.room.height, kind=kind)
        looks = dict(
            zip(
                [part.category for part in kitchen.structure],
                natural_structure_looks(dataclasses.replace(kitchen, room=room)),
                strict=True,
            )
        )
        assert (looks["floor"].material, looks["floor"].color) == ("plaster", (140, 120, 100))
        assert (looks["wall"].material, looks["wall"].color) == ("plaster", (215, 212, 205))


def test_floors_and_walls_vary_by_room_type():
    looks = {}
    for kind in ROOM_TYPES:
        scene = procedural_scene(1, 2, frames=2, room_type=kind)
        names = [part.category for part in scene.structure]
        looks[kind] = dict(zip(names, natural_structure_looks(scene), strict=True))
    assert looks["bathroom"]["wall"].material == "tiles"
    assert looks["kitchen"]["floor"].material == "tiles"
    assert looks["living room"]["floor"].material == "parquet"
    assert looks["office"]["floor"].material == "carpet"
    assert len({(v["floor"].material, v["floor"].color) for v in looks.values()}) == 6
    # A scan (no room type) gets the neutral palette: plaster everywhere.
    assert {look.material for look in natural_structure_looks(kit.make_scene())} == {"plaster"}


@pytest.mark.parametrize("name", MATERIALS)
def test_material_textures_are_bounded_deterministic_and_distinct(name):
    texture = material_texture(name)
    assert texture.shape == (256, 256) and texture.dtype == np.float32
    assert 0.0 <= texture.min() and texture.max() <= 1.0
    assert np.array_equal(texture, material_texture(name))
    assert texture.std() > 0.003  # every material has some texture
    others = [material_texture(m) for m in MATERIALS if m != name]
    assert all(np.abs(texture - other).mean() > 0.005 for other in others)


def test_paintings_are_coloured_deterministic_and_distinct():
    images = [materials.painting_image(name) for name in PAINTINGS]
    for name, image in zip(PAINTINGS, images, strict=True):
        assert image.shape == (256, 256, 3) and image.dtype == np.float32
        assert 0.0 <= image.min() and image.max() <= 1.0
        assert np.array_equal(image, materials.painting_image(name))
        # Colour, not grey: the channels differ, and across the picture.
        assert np.abs(image - image.mean(axis=2, keepdims=True)).mean() > 0.02
        assert image.std(axis=(0, 1)).min() > 0.02
    for k, image in enumerate(images):
        assert all(np.abs(image - other).mean() > 0.03 for other in images[k + 1 :])
    with pytest.raises(ValueError, match="'painting 9'"):
        materials.painting_image("painting 9")


def test_unknown_material_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'velvet'"):
        material_texture("velvet")


def test_textures_are_sampled_like_opengls_bilinear_repeat():
    """Against scipy's linear interpolation on a wrapped grid (texel centres at (i + 0.5)/N)."""
    texture = material_texture("wood")
    uv = np.random.default_rng(0).uniform(-3, 3, (500, 2))
    size = texture.shape[0]
    expected = map_coordinates(
        texture.astype(np.float64),
        [(uv[:, 1] * size - 0.5) % size, (uv[:, 0] * size - 0.5) % size],
        order=1,
        mode="grid-wrap",
    )
    assert np.allclose(sample_texture(texture.astype(np.float64), uv), expected, atol=1e-9)


def test_the_exterior_by_elevation():
    """Straight up: the zenith colour; level: halfway between the two horizon colours (the
    soft horizon's middle); 0.3 up: halfway from horizon to zenith (0.3 of a 0.6 span); 0.4
    down and below: the ground's nadir colour. Lengths do not matter."""
    up = np.array([[0.0, 0.0, 2.0]])
    level = np.array([[1.0, 0.0, 0.0]])
    rise = np.array([[np.sqrt(1 - 0.09), 0.0, 0.3]])
    down = np.array([[0.0, np.sqrt(1 - 0.16), -0.4], [0.0, 0.0, -5.0]])
    assert np.allclose(255 * sky(up), [[112, 162, 226]])
    assert np.allclose(255 * sky(level), [[(214 + 178) / 2, (228 + 180) / 2, (242 + 162) / 2]])
    assert np.allclose(255 * sky(rise), [[(214 + 112) / 2, (228 + 162) / 2, (242 + 226) / 2]])
    assert np.allclose(255 * sky(down), [[110, 124, 92], [110, 124, 92]])


def test_tone_keeps_darks_and_never_reaches_white():
    x = np.linspace(0, 4, 4001)
    y = tone(x)
    assert np.array_equal(y[x <= SHOULDER], x[x <= SHOULDER])
    assert np.all(np.diff(y) > 0) and y.max() < WHITE
    assert tone(np.array([1e6]))[0] <= WHITE and round(255 * WHITE ** (1 / 2.2)) <= 253
    slope = (tone(SHOULDER + 1e-6) - tone(SHOULDER)) / 1e-6
    assert slope == pytest.approx(1.0, abs=1e-5)  # no kink at the shoulder


def test_grid_interpolation_reproduces_a_linear_function_exactly():
    """Byte values linear in the grid position come back exactly (divided by 255) at any
    point, whatever the cell (lower or upper half) it falls in, on both sides."""
    divisions = np.array([1, 3, 7], dtype=np.int32)
    counts = (divisions + 1) * (divisions + 2) // 2
    front = np.concatenate([[0], np.cumsum(2 * counts)[:-1]]).astype(np.int32)
    values = np.zeros((int(2 * counts.sum()), 3), dtype=np.uint8)
    slopes = np.array([[20, 90, 40], [9, -6, 11], [4, 12, 0]])  # value, per step of i, of j

    def linear(n, bary):
        steps = np.column_stack([np.ones(len(bary)), n * bary])
        return steps @ slopes

    for t, n in enumerate(divisions):
        grid = grid_points(int(n))
        values[front[t] : front[t] + counts[t]] = linear(n, grid)
        values[front[t] + counts[t] : front[t] + 2 * counts[t]] = linear(n, grid)[:, ::-1]
    bake = LightBake(np.array([0, 3]), divisions, front, front + counts, values, 0)
    rng = np.random.default_rng(1)
    bary = rng.dirichlet([1, 1, 1], 3000)[:, 1:]
    triangle = rng.integers(0, 3, 3000)
    back = rng.random(3000) < 0.5
    got = baked_light_at(bake, triangle, bary, back)
    expected = np.concatenate([linear(divisions[t], bary[[k]]) for k, t in enumerate(triangle)])
    expected[back] = expected[back][:, ::-1]
    assert np.allclose(got, expected / 255.0, atol=1e-9)


def floor_light(scene, bake):
    """Positions and display-encoded light (mean of the channels) of the baked points on the
    top of the kit room's floor (structure part 0)."""
    floor = scene.structure[0].mesh
    start = bake.first[sum(o.mesh is not None for o in scene.objects)]
    triangles = np.asarray(floor.vertices)[np.asarray(floor.faces)]
    top = np.flatnonzero(triangles[:, :, 2].min(axis=1) > -0.01)
    points, values = [], []
    for t in top:
        n = int(bake.divisions[start + t])
        grid = grid_points(n)
        corner = triangles[t]
        points.append(
            corner[0]
            + grid[:, [0]] * (corner[1] - corner[0])
            + grid[:, [1]] * (corner[2] - corner[0])
        )
        base = bake.front[start + t]
        values.append(bake.values[base : base + len(grid)].mean(axis=1) / 255.0)
    points, values = np.concatenate(points), np.concatenate(values)
    return points, values


def test_objects_darken_the_floor_around_them():
    """A 1 m cube on the floor of the kit room: the floor just outside its sides (ambient
    occlusion, the ceiling light's soft shadow) is darker than open floor 2 m away."""
    cube = SceneObject(1, "cabinet", mesh=kit.box((1.0, 1.0, 1.0), (0.0, 3.0, 0.5)))
    scene = kit.make_scene([cube])
    bake = bake_light(scene)
    points, values = floor_light(scene, bake)
    gap = np.maximum(np.abs(points[:, 0]), np.abs(points[:, 1] - 3.0)) - 0.5
    beside = values[(gap > 0.02) & (gap < 0.15)]
    open_floor = values[(gap > 1.8) & (gap < 2.2)]
    assert beside.size > 10 and open_floor.size > 10
    # In linear light (the values are display-encoded): at least 15% less beside the cube.
    assert (beside.astype(np.float64) ** 2.2).mean() < 0.85 * (
        open_floor.astype(np.float64) ** 2.2
    ).mean()


@pytest.mark.parametrize(
    ("points", "quality"),
    [
        (10_000, (16, 6)),
        (68_181, (16, 6)),  # 68,181 x 22 = 1,499,982 rays
        (68_182, (8, 3)),  # 22 rays each would be 1,500,004
        (136_363, (8, 3)),  # x 11 = 1,499,993
        (136_364, (4, 2)),
        (250_000, (4, 2)),  # x 6 = 1,500,000 exactly
        (250_001, (2, 1)),
        (500_000, (2, 1)),
        (500_001, (0, 1)),
        (1_500_000, (0, 1)),
        (1_500_001, (0, 0)),
    ],
)
def test_bake_quality_steps_down_to_fit_the_ray_budget(points, quality):
    assert RAY_BUDGET == 1_500_000
    assert bake_quality(points) == quality


def test_a_scan_sized_scene_is_lit_at_its_vertices_within_the_ray_budget(monkeypatch):
    """Above SMOOTH_BAKE_FACES (lowered here), small triangles take their light from their
    mesh vertices: every corner slot of one vertex (one side) holds the same bytes, the top
    of a ball under the ceiling light is brighter than its underside, big triangles keep
    their grid, and the rays stay within the (lowered) budget at the quality it says."""
    monkeypatch.setattr(materials, "SMOOTH_BAKE_FACES", 100)
    monkeypatch.setattr(materials, "RAY_BUDGET", 200_000)
    ball = trimesh.creation.icosphere(subdivisions=3, radius=0.3)
    ball = trimesh.Trimesh(ball.vertices + np.array([0.0, 3.0, 1.0]), ball.faces[1:], process=False)
    scene = kit.make_scene([SceneObject(1, "ball", mesh=ball)])  # open: lit on both sides
    bake = materials._bake(scene, derived(scene).ray_scene)
    assert bake.smooth and (bake.ao_rays, bake.light_samples) in BAKE_QUALITIES
    assert (bake.ao_rays, bake.light_samples) != BAKE_QUALITIES[0]
    assert 0 < bake.rays <= 200_000
    count = len(ball.faces)
    assert (bake.divisions[:count] == 1).all() and (bake.divisions[count:] > 1).all()
    for side in (bake.front, bake.back):
        by_vertex: dict[int, set] = {}
        for t, face in enumerate(ball.faces):
            for k, corner in enumerate((0, 2, 1)):
                by_vertex.setdefault(int(face[corner]), set()).add(
                    bake.values[side[t] + k].tobytes()
                )
        assert all(len(found) == 1 for found in by_vertex.values())
    top, bottom = int(np.argmax(ball.vertices[:, 2])), int(np.argmin(ball.vertices[:, 2]))
    lit = {}
    for t, face in enumerate(ball.faces):
        for k, corner in enumerate((0, 2, 1)):
            lit[int(face[corner])] = bake.values[bake.front[t] + k].astype(int).sum()
    assert lit[top] > lit[bottom] + 30


def test_baked_points_are_numpys_unique_rows():
    # Rows drawn from few values, so that many repeat, with -0.0 and 0.0 both present: the
    # lexsort's rows and inverse are np.unique(axis=0)'s (rows compared as floats), zeros +0.
    values = np.array([-1.5, -0.0, 0.0, 0.25, 2.0])
    rows = rng_for("test_materials", "unique rows").choice(values, size=(4_000, 6))
    expected, inverse = np.unique(rows, axis=0, return_inverse=True)
    found, found_inverse = materials._unique_rows(rows)
    assert np.array_equal(found, expected) and np.array_equal(found_inverse, inverse.ravel())
    assert not np.signbit(found[found == 0]).any()
    assert np.array_equal(found[found_inverse], rows)  # every row is its own unique row


def test_the_bake_is_made_once_per_scene():
    scene = kit.make_scene()
    assert bake_light(scene) is bake_light(scene)
    assert derived(scene).builds["natural light"] == 1


def test_masks_and_depth_do_not_depend_on_the_look(room):
    """Only colours change: ids and depth of the natural look are the classic look's bytes."""
    scene, frames = room
    with RasterRenderer(scene, "classic") as classic, RasterRenderer(scene, "natural") as natural:
        for frame in frames:
            a, b = classic.render(frame), natural.render(frame)
            assert a.instance.tobytes() == b.instance.tobytes()
            assert a.depth.tobytes() == b.depth.tobytes()
            assert a.rgb.tobytes() != b.rgb.tobytes()
    cast = RaycastRenderer(scene, "natural").render(frames[0])
    classic = RaycastRenderer(scene, "classic").render(frames[0])
    assert cast.instance.tobytes() == classic.instance.tobytes()


def test_exposure_keeps_whites_and_blacks_in_range(room):
    """Every lit pixel of a rendered room (the window's view of nothing excluded) stays off
    0 and 255, and the picture spans a real range of brightness."""
    scene, frames = room
    with RasterRenderer(scene, "natural") as renderer:
        views = [renderer.render(frame) for frame in frames]
    lit = np.concatenate([v.rgb[v.instance != BACKGROUND_ID] for v in views]).astype(int)
    assert (lit == 255).any(axis=1).mean() == 0.0
    assert (lit <= 3).all(axis=1).mean() == 0.0
    luma = lit @ np.array([0.299, 0.587, 0.114])
    low, high = np.percentile(luma, [1, 99])
    assert low > 10 and high < 250 and high - low > 100


def test_the_two_backends_look_alike_per_instance(room):
    """Mean colour of every instance covering 200 pixels or more, raster against ray cast.
    They interpolate the same baked light and sample the same textures; what differs is
    llvmpipe's 8-bit filter weights and float32 against float64 arithmetic (under a byte
    per pixel) and edge pixels whose centre lands on another triangle: 1.5 bytes of mean
    allows for both."""
    scene, frames = room
    cast = RaycastRenderer(scene, "natural")
    with RasterRenderer(scene, "natural") as raster:
        for frame in frames:
            a, b = raster.render(frame), cast.render(frame)
            same = a.instance == b.instance
            ids, counts = np.unique(a.instance[same], return_counts=True)
            for instance in ids[(counts >= 200) & (ids != BACKGROUND_ID)]:
                mask = same & (a.instance == instance)
                gap = a.rgb[mask].mean(axis=0) - b.rgb[mask].mean(axis=0)
                assert np.abs(gap).max() < 1.5, (frame.id, instance, gap)
            assert np.abs(a.rgb.astype(int) - b.rgb).mean() < 0.5


def test_looks_are_checked():
    with pytest.raises(ValueError, match="look"):
        RasterRenderer(kit.make_scene(), "shiny")
    with pytest.raises(ValueError, match="look"):
        RaycastRenderer(dataclasses.replace(kit.make_scene()), "shiny")


# ---------------------------------------------------------------------------------------------
# Objects that move: a surface's pattern is sampled on the object's own geometry, so it rides
# with the object; its light is the light where it is (the state's bake).
# ---------------------------------------------------------------------------------------------

PANEL = 4
"""A cabinet (wood in the natural look) whose classic pattern is the checker (by stable hash;
asserted below), so that both looks vary across the face."""
SLIDE_Y = 0.45
"""The panel's slide along +y at t = 1: not a whole number of periods of any pattern (classic
tiles 0.25 m: 1.8 of them; the wood texture 1 m), so a pattern fixed to the world would show
another part of itself after the slide."""
SHIFT_PX = 30
"""Image shift of the panel's front face (the plane x = 3) for the slide: image right is
world -y, so u moves by -200 px * 0.45 m / 3 m = -30 px, v not at all."""


def _sliding_panel() -> tuple:
    """(scene, before frame f0 at t = 0, after frame f1 at t = 2): a lone 0.4 x 0.9 x 0.6 box
    spanning x 3.0..3.4, y -0.75..0.15, z 0.2..0.8 that slides SLIDE_Y along +y at t = 1, seen
    square-on by a camera at (0, 0, 0.4) looking along +x (focal 200 px, 160 x 120).

    Alone in the scene, the panel takes its light along: with no structure the ceiling light
    hangs 1.5 m above the middle of the objects' bounds (which slide with it) and nothing else
    occludes it; the key and fill light depend on the normal alone. So in both looks, only the
    pattern could make the face look different after the slide."""
    from spatialqa.scenes import Frame, Keyframe, Scene, Trajectory, look_at

    mesh = trimesh.creation.box(extents=(0.4, 0.9, 0.6))
    mesh.apply_translation((3.2, -0.3, 0.5))
    pose = np.eye(4)
    pose[1, 3] = SLIDE_Y
    panel = SceneObject(PANEL, "cabinet", mesh=mesh, motion=(Keyframe(1.0, pose),))
    assert materials.object_material(panel).pattern == "checker"
    assert category_material(panel.category) == "wood"
    camera = look_at(np.array([0.0, 0.0, 0.4]), np.array([1.0, 0.0, 0.4]))
    K = [[200.0, 0.0, 79.5], [0.0, 200.0, 59.5], [0.0, 0.0, 1.0]]
    f0, f1 = (Frame(f"f{k}", float(2 * k), camera, K, 160, 120) for k in (0, 1))
    trajectory = Trajectory("walk", (f0, f1))
    scene = Scene(
        "sliding_panel", Source("test", "sliding panel"), (panel,), (), None, (trajectory,)
    )
    return scene, f0, f1


@pytest.mark.parametrize("backend", [RasterRenderer, RaycastRenderer])
@pytest.mark.parametrize("look", ["classic", "natural"])
def test_a_moved_objects_pattern_rides_with_it(backend, look):
    """The panel's front face after the slide is its face before, 30 px to the left, pixel
    for pixel: the same points of its surface land on the same pixel centres (a whole-pixel
    shift, the same depth), so the pattern, sampled on the panel's own geometry, gives the
    same texels (within a byte or two of float32 rounding in the rasteriser). A pattern fixed
    to the world would show 0.45 m further along itself: 1.8 checker tiles, 0.45 of the wood's
    period."""
    scene, f0, f1 = _sliding_panel()
    with backend(scene, look) as renderer:
        before, after = renderer.render(f0), renderer.render(f1)

    def front(view):  # the face x = 3 (camera z 3 m), one pixel in from its outline
        face = (view.instance == PANEL) & (np.abs(view.depth - 3.0) < 1e-3)
        inner = face.copy()
        inner[1:-1, 1:-1] &= face[:-2, 1:-1] & face[2:, 1:-1] & face[1:-1, :-2] & face[1:-1, 2:]
        inner[[0, -1]] = inner[:, [0, -1]] = False
        return inner

    # The face spans y -0.75..0.15 before: u = 79.5 + 200 * y' / 3 for y' = -y, 69.5..129.5,
    # after, y -0.3..0.6: u 39.5..99.5; z 0.2..0.8: v = 59.5 - 200 * (z - 0.4) / 3, 32..73.
    was, now = front(before), front(after)
    assert was.sum() == 58 * 38  # centres u 70..129, v 33..72, less the outline
    assert np.array_equal(was[:, SHIFT_PX:], now[:, :-SHIFT_PX])
    old = before.rgb[:, SHIFT_PX:][was[:, SHIFT_PX:]].astype(int)
    new = after.rgb[:, :-SHIFT_PX][now[:, :-SHIFT_PX]].astype(int)
    assert np.abs(old - new).max() <= 2  # measured: 0 in all four
    assert np.abs(old - new).mean() < 0.1
    # The pattern shows: the face is not one flat colour (else the check above proves nothing).
    assert np.ptp(old.sum(axis=1)) > 30


def test_a_moved_objects_texture_coordinates_are_its_own_geometrys():
    """Both looks' vertex records of a procedural room after its moved walk's keyframe: the
    moved pieces (turned and slid, scenes.motion) carry the texture coordinates of their
    unmoved selves, corner for corner (placing a mesh keeps its faces' order), and every other
    surface is as in the unmoved room; without the placements they would not. The light is
    the state's own: the moved pieces are lit, and shadow others, where they now are."""
    from spatialqa.degradations.render import natural_vertices, placements_at, scene_vertices

    scene = procedural_scene(0, 0, frames=8, moved=True)
    last = scene.trajectory("moved").frames[-1].t
    state, rest = scene.at(last), scene.at(-1.0)  # rest: before any keyframe
    placements = placements_at(scene, last)
    assert sorted(placements) == sorted(obj.id for obj in scene.objects if obj.motion)
    assert placements and not placements_at(scene, -1.0)
    lit, unmoved_light = bake_light(state), bake_light(rest)
    assert not np.array_equal(lit.values, unmoved_light.values)
    for make, light in ((natural_vertices, (lit,)), (scene_vertices, ())):
        moved = make(state, *light, placements)
        unmoved = make(rest, *(unmoved_light,)[: len(light)])
        world = make(state, *light)
        assert not np.array_equal(moved["position"], unmoved["position"])
        # float32 of float64 coordinates that come back through the inverse pose: equal to
        # rounding (1e-4 of a tile); fixed to the world, a piece's coordinates move by its
        # displacement (tenths of a metre, periods of 0.25..1 m).
        assert np.abs(moved["uv"] - unmoved["uv"]).max() < 1e-4
        assert np.abs(world["uv"] - unmoved["uv"]).max() > 0.1


@pytest.mark.parametrize("look", ["classic", "natural"])
def test_the_two_backends_pattern_a_turned_object_alike(look):
    """moving_kit's chair turns 90 degrees and slides at t = 1 (tests/scenes/moving_kit.py):
    after it, the ray caster (hit points taken back through the inverse pose) and the
    rasteriser (vertex coordinates taken back) sample its pattern at the same places
    (tolerances of test_the_two_backends_look_alike_per_instance; measured: 0.0002 of a
    byte). In the natural look (wood; the classic chair is plain) that pattern is not the one
    a chair built by hand at that place shows (measured: 2.5 bytes apart on average)."""
    import moving_kit

    scene = moving_kit.moving().resized(320, 240)
    f1 = scene.trajectory("walk").frames[1]
    with RasterRenderer(scene, look) as raster, RasterRenderer(moving_kit.after(), look) as hand:
        a, built = raster.render(f1), hand.render(f1)
    b = RaycastRenderer(scene, look).render(f1)
    chair = (a.instance == moving_kit.CHAIR) & (b.instance == moving_kit.CHAIR)
    assert chair.sum() > 1000
    gap = a.rgb[chair].mean(axis=0) - b.rgb[chair].mean(axis=0)
    assert np.abs(gap).max() < 1.5
    assert np.abs(a.rgb[chair].astype(int) - b.rgb[chair]).mean() < 0.5
    assert np.array_equal(built.instance, a.instance)
    apart = np.abs(a.rgb[chair].astype(int) - built.rgb[chair]).mean()
    assert apart > 1.0 if look == "natural" else apart == 0.0


# ---------------------------------------------------------------------------------------------
# Every category gets a material that suits it; pictures, mirrors and screens a face of their
# own (a painting, glass) inside their frame or body.
# ---------------------------------------------------------------------------------------------

SUITS = {
    "chair": {"wood", "fabric", "leather", "metal"},
    "office chair": {"leather", "fabric"},
    "stool": {"wood", "metal"},
    "sofa": {"fabric", "leather"},
    "armchair": {"fabric", "leather"},
    "ottoman": {"fabric", "leather"},
    "bed": {"fabric"},
    "nightstand": {"wood"},
    "cabinet": {"wood"},
    "dresser": {"wood"},
    "wardrobe": {"wood"},
    "bookshelf": {"wood"},
    "tv stand": {"wood"},
    "coat rack": {"wood", "metal"},
    "table": {"wood"},
    "coffee table": {"wood"},
    "side table": {"wood"},
    "desk": {"wood"},
    "refrigerator": {"metal", "plastic"},
    "kitchen counter": {"ceramic", "wood"},
    "stove": {"metal"},
    "washing machine": {"plastic", "metal"},
    "toilet": {"ceramic"},
    "sink": {"ceramic"},
    "bathtub": {"ceramic"},
    "mirror": {"metal", "wood"},  # the frame; the glass is its display
    "towel": {"fabric"},
    "tv": {"plastic", "metal"},  # the body; the screen is its display
    "monitor": {"plastic", "metal"},
    "laptop": {"metal", "plastic"},
    "keyboard": {"plastic"},
    "book": {"fabric", "leather"},
    "cup": {"ceramic"},
    "bowl": {"ceramic", "wood"},
    "bottle": {"glass"},
    "vase": {"ceramic", "glass"},
    "microwave": {"metal", "plastic"},
    "kettle": {"metal", "plastic"},
    "pillow": {"fabric"},
    "clock": {"plastic", "metal", "wood"},
    "lamp": {"metal", "fabric"},
    "plant": {"foliage"},
    "trash can": {"metal", "plastic"},
    "picture": {"wood", "metal"},  # the frame; the canvas is its display
    "shelf": {"wood"},
    "rug": {"carpet"},
    "laundry basket": {"wicker"},
}
"""What each category may be made of, written from what the things are (not from the code's
table)."""
SHOWS = {"picture": "canvas", "mirror": "glass", "tv": "glass", "monitor": "glass"}
"""What the categories with a face of their own show there."""


def test_every_category_gets_a_material_that_suits_it():
    from spatialqa.scenes.categories import CATEGORIES

    assert set(SUITS) == set(CATEGORIES)  # a new category needs a line here
    for category in CATEGORIES:
        assert category_material(category) in SUITS[category], category
        display = materials.display_of(category)
        assert (display and display.material) == SHOWS.get(category), category


def _model_mesh(category: str, shape: str, seed: int):
    from spatialqa.scenes.categories import CATEGORIES
    from spatialqa.scenes.furniture import stacked

    limits = {"max_width": 1.4} if category == "tv" else {}
    model = CATEGORIES[category].make(np.random.default_rng(seed), shape=shape, **limits)
    vertices, faces = stacked(model.parts)
    return model, trimesh.Trimesh(vertices, faces, process=False)


@pytest.mark.parametrize(
    ("category", "shape", "front_y"),
    [
        # The maker's own numbers: a framed print is recessed 1 cm behind its frame, a
        # canvas's front is the model's; a flat mirror's glass is its front, 1 cm in from the
        # edges; a mirror cabinet's two doors; a screen's panel.
        ("picture", "framed", lambda m: m.depth / 2 - 0.01),
        ("picture", "canvas", lambda m: m.depth / 2),
        ("mirror", "flat", lambda m: m.depth / 2),
        ("mirror", "cabinet", lambda m: -m.depth / 2 + m.depth - 0.02 + 0.018),
        ("tv", "foot", lambda m: 0.02),
        ("monitor", "flat foot", lambda m: 0.015),
    ],
)
def test_the_display_is_the_front_of_the_canvas_glass_or_screen(category, shape, front_y):
    for seed in range(3):
        model, mesh = _model_mesh(category, shape, seed)
        shown = materials.display_faces(mesh, np.array([0.0, 1.0, 0.0]))
        triangles = mesh.vertices[mesh.faces[shown]]
        assert np.allclose(triangles[..., 1], front_y(model), atol=1e-6)
        # Every face of the model in that plane facing front is shown, and nothing else.
        normals = materials.face_normals(mesh.vertices[mesh.faces])
        plane = np.all(np.abs(mesh.vertices[mesh.faces][..., 1] - front_y(model)) < 1e-6, axis=1)
        assert np.array_equal(shown, plane & (normals[:, 1] > 0.99)) and shown.any()
        if category == "mirror" and shape == "flat":  # glass 1 cm in from every edge
            w, h = model.width, model.height
            total = np.linalg.norm(
                np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]),
                axis=1,
            ).sum()
            assert total / 2 == pytest.approx((w - 0.02) * (h - 0.02), rel=1e-6)


def test_pictures_differ_and_their_paintings_fit_the_canvas():
    from spatialqa.scenes import SceneObject

    _, mesh = _model_mesh("picture", "canvas", 0)
    looks = []
    for ident in range(24):
        obj = SceneObject(ident, "picture", mesh=mesh, front=np.array([0.0, 1.0, 0.0]))
        surface = materials.natural_object_surface(obj)
        frame, canvas = surface.looks
        assert frame.material == "wood" and canvas.material == "canvas"
        assert canvas.image in PAINTINGS
        looks.append(canvas)
        # The canvas's texture coordinates span CANVAS_CROP of a painting, within one period
        # upwards (the paintings repeat across only).
        shown = surface.face_looks() == 1
        corners = mesh.vertices[mesh.faces[shown]].reshape(-1, 3)
        uv = materials.surface_uv(corners, np.tile([0.0, 1.0, 0.0], (len(corners), 1)), canvas)
        span = np.ptp(uv, axis=0)
        assert np.all((span >= 0.75 - 1e-9) & (span <= 1.0 + 1e-9))
        assert -1e-9 <= uv[:, 1].min() and uv[:, 1].max() <= 1 + 1e-9
        again = materials.natural_object_surface(obj).looks[1]
        assert again == canvas  # by stable hash
    assert len({look.image for look in looks}) >= 4
    assert len({look.offset for look in looks}) == len(looks)


def _picture_on_a_wall():
    """A framed picture (seed 1 of the maker) facing a camera square-on: its front towards -x
    at x = 3, 1.4 m up its middle; camera at (0, 0, zc) looking along +x, focal 400 px,
    320 x 240. Returns (scene, frame, model, pixel(y, z) of a point on the picture's front)."""
    from spatialqa.scenes import Frame, Scene, Trajectory, look_at

    model, mesh = _model_mesh("picture", "framed", 1)
    turn = trimesh.transformations.rotation_matrix(np.pi / 2, [0, 0, 1])  # +y -> -x
    mesh.apply_transform(turn)
    mesh.apply_translation((3.0, 0.0, 1.4 - model.height / 2))
    picture = SceneObject(7, "picture", mesh=mesh, front=np.array([-1.0, 0.0, 0.0]))
    camera = look_at(np.array([0.0, 0.0, 1.4]), np.array([1.0, 0.0, 1.4]))
    K = [[400.0, 0.0, 159.5], [0.0, 400.0, 119.5], [0.0, 0.0, 1.0]]
    frame = Frame("f0", 0.0, camera, K, 320, 240)
    scene = Scene("picture", Source("test", "picture"), (picture,), (), None,
                  (Trajectory("walk", (frame,)),))  # fmt: skip
    x = 3.0 - model.depth / 2

    def pixel(y, z):  # image right is world -y, image down world -z
        return round(119.5 - 400 * (z - 1.4) / x), round(159.5 - 400 * y / x)

    return scene, frame, model, pixel


def test_a_pictures_canvas_shows_more_colour_than_its_frame():
    """Sampled at points of the maker's geometry: the canvas inside the frame (shrunk by a
    tenth) and the middle of the frame's bars (the bottom bar's height is the frame's width
    f). The painting varies in colour far more than the wood; both backends draw it alike."""
    scene, frame, model, pixel = _picture_on_a_wall()
    f = float(model.parts[0][0][:, 2].max())
    w, h = model.width, model.height
    bottom = 1.4 - h / 2
    across = np.linspace(-(w / 2 - f) * 0.9, (w / 2 - f) * 0.9, 12)
    up = bottom + h / 2 + np.linspace(-(h / 2 - f) * 0.9, (h / 2 - f) * 0.9, 12)
    inner = [pixel(y, z) for y in across for z in up]
    bars = [pixel(y, bottom + f / 2) for y in np.linspace(-w / 2 * 0.9, w / 2 * 0.9, 12)]
    bars += [pixel(y, bottom + h - f / 2) for y in np.linspace(-w / 2 * 0.9, w / 2 * 0.9, 12)]
    with RasterRenderer(scene, "natural") as renderer:
        raster = renderer.render(frame)
    cast = RaycastRenderer(scene, "natural").render(frame)
    for view in (raster, cast):
        canvas = np.array([view.rgb[p] for p in inner], dtype=float)
        wood = np.array([view.rgb[p] for p in bars], dtype=float)
        assert all(view.instance[p] == 7 for p in inner + bars)
        assert canvas.std(axis=0).sum() > 3 * wood.std(axis=0).sum()
        assert wood.mean(axis=0)[0] > wood.mean(axis=0)[2]  # the scene gives no colour: wood
    assert raster.instance.tobytes() == cast.instance.tobytes()
    gap = raster.rgb[raster.instance == 7].mean(axis=0) - cast.rgb[cast.instance == 7].mean(axis=0)
    assert np.abs(gap).max() < 1.5


@pytest.mark.parametrize("name", ["glass", "wicker", "canvas", *PAINTINGS])
def test_new_textures_tile_across(name):
    """The step from the last column to the first is no larger than the largest step between
    neighbouring columns inside (a gradient across would step by the whole of it there): the
    textures and paintings repeat across; the glass, the wicker and the canvas upwards too."""
    texture = materials.painting_image(name) if name in PAINTINGS else material_texture(name)
    for axis in (1, 0) if name in ("glass", "wicker", "canvas") else (1,):
        t = np.moveaxis(texture, axis, 0)  # the axis along which it repeats first
        inside = np.abs(np.diff(t, axis=0)).mean(axis=tuple(range(1, t.ndim))).max()
        assert np.abs(t[0] - t[-1]).mean() <= 1.05 * inside + 1e-6, axis


def test_the_two_backends_agree_on_rooms_with_pictures_mirrors_and_baskets():
    """Rooms of seed 0 that hold a mirror (3), a picture and a basket (8, 9), each seen in the
    walkthrough frame that shows most of it (counted on an 80 x 60 classic ray cast): masks
    identical, mean colour per instance as test_the_two_backends_look_alike_per_instance."""
    for index, category in ((3, "mirror"), (8, "picture"), (9, "laundry basket")):
        scene = procedural_scene(0, index)
        ids = [obj.id for obj in scene.objects if obj.category == category]
        assert ids, (index, category)
        frames = scene.trajectory("walkthrough").frames
        probe = RaycastRenderer(scene, "classic")
        shown = [np.isin(probe.render(f.resized(80, 60)).instance, ids).sum() for f in frames]
        assert max(shown) >= 100, (index, category)  # over 2% of the picture
        frame = frames[int(np.argmax(shown))].resized(320, 240)
        with RasterRenderer(scene, "natural") as raster:
            a = raster.render(frame)
        b = RaycastRenderer(scene, "natural").render(frame)
        same = a.instance == b.instance
        assert same.mean() >= 0.999
        found, counts = np.unique(a.instance[same], return_counts=True)
        for instance in found[(counts >= 200) & (found != BACKGROUND_ID)]:
            mask = same & (a.instance == instance)
            gap = a.rgb[mask].mean(axis=0) - b.rgb[mask].mean(axis=0)
            assert np.abs(gap).max() < 1.5, (index, instance, gap)
