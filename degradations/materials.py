"""What surfaces look like, the same for every renderer backend: a colour and a pattern.

Each object gets its own colour (``SceneObject.color``, else one from a palette by a stable
hash) and one of a few procedural patterns, so that objects of one category stay
distinguishable. A pattern modulates the colour in linear light as a function of texture
coordinates taken from the position on the surface (a triplanar projection: the two axes
across the face's dominant normal axis, one tile per ``TILE_M``), so it needs no UVs from the
scene. The position is the one on the geometry as the scene stores it: an object that a
keyframe carries elsewhere (``Scene.at``) is textured at its own geometry (``rest_points``),
so its pattern rides with it, while its light is the light where it now is.

Light is one fixed key light plus an ambient term, Lambert only, so a face's shade does not
depend on the view: ``shade`` gives it once per face (the rasteriser bakes it into vertex
colours, the ray caster applies it per pixel) and the pattern then scales it per pixel.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from shapely.geometry import Polygon
from shapely.ops import polylabel

from spatialqa.scenes import Scene, SceneObject, Structure
from spatialqa.scenes.scene import STRUCTURE_ID
from spatialqa.seeding import rng_for, stable_seed

if TYPE_CHECKING:
    import trimesh

TILE_M = 0.25
"""Period of every pattern on a surface, metres."""
TEXTURE_PX = 64
"""Texels per period in the rasterising backend's pattern textures."""
AMBIENT = 0.55
"""Light reflected from every direction, as a share of the albedo."""
KEY_LIGHT = 0.764
"""Light reflected by a surface facing the key light squarely, beyond the ambient term, as a
share of the albedo."""
KEY_LIGHT_DIRECTION = (0.35, 0.2, -1.0)
"""Where the key light shines: mostly down and a little sideways, so that the faces of an
axis-aligned box differ."""
GAMMA = 2.2
"""Display gamma: the delivered byte is ``255 * linear ** (1 / GAMMA)``."""
PATTERNS = ("plain", "stripes", "checker", "dots")
STRUCTURE_PATTERNS = {"floor": "tiles"}
ALL_PATTERNS = (*PATTERNS, *sorted(set(STRUCTURE_PATTERNS.values())))
"""Every pattern a surface can have, in a fixed order (the backends index them by it)."""
PALETTE = (
    (200, 60, 50),
    (60, 130, 200),
    (70, 170, 90),
    (220, 170, 50),
    (150, 90, 180),
    (40, 170, 170),
    (230, 120, 40),
    (120, 120, 120),
)
STRUCTURE_COLORS = {"floor": (140, 110, 85), "wall": (205, 200, 190), "ceiling": (235, 235, 230)}
OTHER_STRUCTURE_COLOR = (180, 180, 175)


@dataclass(frozen=True)
class Material:
    """A colour (bytes; ``color / 255`` is the linear albedo) and the name of the pattern that
    modulates it."""

    color: tuple[int, int, int]
    pattern: str


def object_material(obj: SceneObject) -> Material:
    """The object's own colour (palette by stable hash when it has none) and its pattern."""
    seed = stable_seed("material", obj.category, obj.id)
    color = obj.color if obj.color is not None else PALETTE[seed % len(PALETTE)]
    return Material(tuple(color), PATTERNS[(seed >> 8) % len(PATTERNS)])


def structure_material(part: Structure) -> Material:
    return Material(
        STRUCTURE_COLORS.get(part.category, OTHER_STRUCTURE_COLOR),
        STRUCTURE_PATTERNS.get(part.category, "plain"),
    )


def pattern(name: str, uv: np.ndarray) -> np.ndarray:
    """Linear modulation in 0.6..1 of pattern ``name`` at (n, 2) texture coordinates (tiles)."""
    u, v = uv[:, 0], uv[:, 1]
    fu, fv = u - np.floor(u), v - np.floor(v)
    if name == "plain":
        return np.ones(len(uv))
    if name == "stripes":
        return 0.8 + 0.2 * np.cos(2 * np.pi * u)
    if name == "checker":
        return 0.82 + 0.18 * np.tanh(6 * np.sin(2 * np.pi * u) * np.sin(2 * np.pi * v))
    if name == "dots":
        return 1.0 - 0.4 * np.exp(-((fu - 0.5) ** 2 + (fv - 0.5) ** 2) / (2 * 0.12**2))
    if name == "tiles":
        gap = np.minimum(np.minimum(fu, 1 - fu), np.minimum(fv, 1 - fv))
        return 1.0 - 0.35 * np.exp(-((gap / 0.03) ** 2))
    raise ValueError(f"pattern: unknown {name!r}")


def triplanar_uv(points: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(n, 3) points and their (n, 3) normals -> (n, 2) texture coordinates in tiles (points
    on a moved object taken back onto its own geometry first: ``rest_points``)."""
    axis = np.argmax(np.abs(normals), axis=1)
    first = np.where(axis == 0, points[:, 1], points[:, 0])
    second = np.where(axis == 2, points[:, 1], points[:, 2])
    return np.column_stack([first, second]) / TILE_M


def rest_points(
    points: np.ndarray, normals: np.ndarray, pose: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) points and normals on an object that rigid ``pose`` (4 x 4, world -> world) carried
    away from its own geometry, taken back onto that geometry: where its pattern is sampled, so
    that a moved object keeps its grain instead of sliding under it. ``pose`` None: as given."""
    if pose is None:
        return points, normals
    rotation, shift = pose[:3, :3], pose[:3, 3]
    return (points - shift) @ rotation, normals @ rotation


def shade(albedo: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Linear light that (n, 3) albedos in 0..1 with (n, 3) unit normals reflect: ambient plus
    Lambert's law for the key light; (n, 3) float64. A zero normal gets the ambient term."""
    to_light = -np.asarray(KEY_LIGHT_DIRECTION, dtype=np.float64)
    to_light /= np.linalg.norm(to_light)
    facing = np.clip(np.asarray(normals, dtype=np.float64) @ to_light, 0.0, 1.0)
    return np.asarray(albedo, dtype=np.float64) * (AMBIENT + KEY_LIGHT * facing)[:, None]


def pattern_texture(name: str) -> np.ndarray:
    """One period of pattern ``name`` as (TEXTURE_PX, TEXTURE_PX) float32 linear modulation;
    row j, column i holds texture coordinates ((i + 0.5) / N, (j + 0.5) / N)."""
    centres = (np.arange(TEXTURE_PX) + 0.5) / TEXTURE_PX
    u, v = np.meshgrid(centres, centres)
    values = pattern(name, np.column_stack([u.ravel(), v.ravel()]))
    return values.reshape(TEXTURE_PX, TEXTURE_PX).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# The "natural" look: materials by category, rooms by type, a ceiling light with soft shadows
# and ambient occlusion baked once per scene, and a tone curve that keeps whites below 255.
# ---------------------------------------------------------------------------------------------

LOOKS = ("classic", "natural")
"""``classic``: a colour and a pattern per object, one key light (the look of RENDER_VERSION
3). ``natural``: materials, room palettes and baked light."""
DEFAULT_LOOK = "natural"

MATERIAL_PX = 256
"""Texels per period of a material texture (both backends sample the same texture)."""
PAINTINGS = tuple(f"painting {k}" for k in range(6))
"""The pictures' images, each a composition of its own (a landscape, colour fields, blobs, a
seascape), fitted to a picture's canvas instead of repeating over it. They are colours, not a
texture: the light bake multiplies them into the albedo of its grid points (a canvas is baked
at MAX_DIVISIONS), so both backends keep one grey texture fetch per pixel."""
MATERIALS = (
    "plastic",
    "wood",
    "parquet",
    "fabric",
    "leather",
    "metal",
    "ceramic",
    "tiles",
    "plaster",
    "carpet",
    "foliage",
    "glass",
    "wicker",
    "canvas",
)
"""Every material, in texture-layer order."""
MATERIAL_PERIOD_M = {
    "plastic": 1.0,
    "wood": 1.0,
    "parquet": 1.6,
    "fabric": 0.4,
    "leather": 0.5,
    "metal": 0.5,
    "ceramic": 1.0,
    "tiles": 1.2,
    "plaster": 2.0,
    "carpet": 1.0,
    "foliage": 0.3,
    "glass": 1.2,
    "wicker": 0.3,
    "canvas": 1.0,
}
"""Metres per texture period (tiles: four tiles a period, so a 0.3 m tile by default)."""

CATEGORY_MATERIALS = {
    "chair": "wood",
    "office chair": "leather",
    "stool": "metal",
    "sofa": "fabric",
    "armchair": "fabric",
    "ottoman": "leather",
    "bed": "fabric",
    "pillow": "fabric",
    "nightstand": "wood",
    "cabinet": "wood",
    "dresser": "wood",
    "wardrobe": "wood",
    "bookshelf": "wood",
    "coat rack": "wood",
    "table": "wood",
    "coffee table": "wood",
    "side table": "wood",
    "desk": "wood",
    "tv stand": "wood",
    "refrigerator": "metal",
    "kitchen counter": "ceramic",
    "stove": "metal",
    "washing machine": "plastic",
    "microwave": "metal",
    "kettle": "metal",
    "trash can": "metal",
    "lamp": "metal",
    "toilet": "ceramic",
    "sink": "ceramic",
    "bathtub": "ceramic",
    "cup": "ceramic",
    "bowl": "ceramic",
    "vase": "ceramic",
    "plant": "foliage",
    "rug": "carpet",
    "carpet": "carpet",
    "curtain": "fabric",
    "towel": "fabric",
    "door": "wood",
    "laundry basket": "wicker",
    "bottle": "glass",
    "book": "fabric",
    "laptop": "metal",
    "picture": "wood",
    "mirror": "metal",
    "tv": "plastic",
    "monitor": "plastic",
    "keyboard": "plastic",
    "clock": "plastic",
    "shelf": "wood",
}
"""Material of each category the procedural rooms and common scans use (of a picture, a
mirror, a tv and a monitor: the frame or body round its ``DISPLAYS`` face)."""
KEYWORD_MATERIALS = (
    ("sofa", "fabric"),
    ("couch", "fabric"),
    ("bed", "fabric"),
    ("cushion", "fabric"),
    ("curtain", "fabric"),
    ("table", "wood"),
    ("desk", "wood"),
    ("shelf", "wood"),
    ("cabinet", "wood"),
    ("chair", "wood"),
    ("drawer", "wood"),
    ("sink", "ceramic"),
    ("tub", "ceramic"),
    ("toilet", "ceramic"),
    ("rug", "carpet"),
    ("mat", "carpet"),
    ("lamp", "metal"),
    ("plant", "foliage"),
    ("basket", "wicker"),
    ("hamper", "wicker"),
    ("bottle", "glass"),
    ("mirror", "metal"),
    ("picture", "wood"),
    ("painting", "wood"),
    ("poster", "wood"),
)
"""For a category not in the table: the first keyword it contains decides."""
DEFAULT_MATERIAL = "plastic"
MATERIAL_COLORS = {
    "plastic": ((200, 200, 195), (60, 60, 65), (170, 60, 50), (60, 100, 150)),
    "wood": ((150, 100, 60), (110, 70, 40), (190, 150, 105), (80, 55, 35)),
    "parquet": ((165, 120, 80),),
    "fabric": ((90, 110, 140), (150, 140, 125), (120, 60, 55), (85, 120, 90)),
    "leather": ((70, 45, 30), (40, 38, 38), (140, 95, 60)),
    "metal": ((190, 190, 195), (120, 120, 125), (60, 60, 65)),
    "ceramic": ((235, 235, 230), (215, 210, 200), (170, 190, 205)),
    "tiles": ((210, 205, 195),),
    "plaster": ((225, 220, 210),),
    "carpet": ((130, 125, 115), (90, 100, 120)),
    "foliage": ((55, 120, 50), (80, 130, 45)),
    "glass": ((206, 218, 228), (90, 130, 100), (180, 200, 205)),
    "wicker": ((185, 150, 100), (150, 115, 70), (205, 185, 145)),
    "canvas": ((238, 234, 226),),
}
"""Colours an object of each material gets when the scene gives it none (by stable hash)."""
COLOR_JITTER = 0.08
"""Per-object brightness variation of a colour (share, uniform both ways) when the scene gives
no colour; a given colour is kept as the scene's author chose it."""


@dataclass(frozen=True)
class SurfaceLook:
    """How one surface looks in the natural look: its colour (sRGB bytes: a surface at full
    light shows them), its material and the metres per period of the material's texture, and
    an offset of the texture coordinates (metres) so that neighbours do not repeat each other.
    A period of two (across, up) fits a texture to a face (a picture's canvas)."""

    color: tuple[int, int, int]
    material: str
    period: float | tuple[float, float]
    offset: tuple[float, float]
    image: str | None = None
    """One of PAINTINGS, whose colours the albedo takes (at the same texture coordinates)."""


def category_material(category: str) -> str:
    """The material of ``category``: the table, else the first keyword, else plastic."""
    name = category.strip().lower()
    if name in CATEGORY_MATERIALS:
        return CATEGORY_MATERIALS[name]
    return next((m for word, m in KEYWORD_MATERIALS if word in name), DEFAULT_MATERIAL)


def natural_object_look(obj: SceneObject) -> SurfaceLook:
    """The object's material by category; its colour if the scene gives one, else one of the
    material's colours with a brightness jitter, both by stable hash."""
    material = category_material(obj.category)
    rng = rng_for("natural look", obj.category, obj.id)
    choices = MATERIAL_COLORS[material]
    pick = choices[int(rng.integers(len(choices)))]
    scale = 1.0 + COLOR_JITTER * rng.uniform(-1.0, 1.0)
    offset = tuple(float(x) for x in rng.uniform(0.0, 10.0, 2))
    if obj.color is not None:
        color = tuple(int(c) for c in obj.color)
    else:
        color = tuple(int(np.clip(round(c * scale), 0, 255)) for c in pick)
    return SurfaceLook(color, material, MATERIAL_PERIOD_M[material], offset)


@dataclass(frozen=True)
class Display:
    """The face of an object that shows something: its material (``"canvas"``: with one of
    ``PAINTINGS`` by stable hash, fitted to the face) and the colours it gets (by stable
    hash, with COLOR_JITTER); the rest of the object keeps its category's material."""

    material: str
    colors: tuple[tuple[int, int, int], ...]


DISPLAYS = {
    "picture": Display("canvas", ((238, 234, 226), (240, 236, 222), (232, 232, 230))),
    "mirror": Display("glass", ((206, 218, 228), (212, 220, 226), (200, 214, 226))),
    "tv": Display("glass", ((22, 24, 30),)),
    "monitor": Display("glass", ((22, 24, 30),)),
}
"""Categories with a face of their own: a picture's canvas, a mirror's glass, a screen."""
DISPLAY_KEYWORDS = (
    ("mirror", "mirror"),
    ("picture", "picture"),
    ("painting", "picture"),
    ("poster", "picture"),
    ("television", "tv"),
    ("monitor", "monitor"),
)
"""For a category not in DISPLAYS: the first keyword it contains names the display it has."""
DISPLAY_FACING = 0.9
"""A face belongs to a display only if its normal is this close to the front (cosine)."""
DISPLAY_SHARE = 0.25
"""A part (a connected piece of the mesh) is a display only if its faces towards the front
cover this share of the object's outline seen from the front: a frame's bars, a knob or a
foot's edge do not."""
DISPLAY_DEPTH_M = 0.003
"""Of the large parts, those whose front lies within this of the frontmost show the display
(a mirror's glass before its backing, a cabinet's two mirrored doors before its body)."""
CANVAS_CROP = (0.75, 1.0)
"""Share of a painting (each axis) that a picture's canvas shows, drawn per picture."""


def display_of(category: str) -> Display | None:
    """The display of ``category``: DISPLAYS, else the first keyword's, else None."""
    name = category.strip().lower()
    if name in DISPLAYS:
        return DISPLAYS[name]
    return next((DISPLAYS[d] for word, d in DISPLAY_KEYWORDS if word in name), None)


def display_faces(mesh: trimesh.Trimesh, front: np.ndarray | None) -> np.ndarray:
    """(n_faces,) bool: the faces of ``mesh`` that show its display: those facing ``front``
    (either way: a part's winding does not matter) on the frontmost of the parts whose faces
    that way cover DISPLAY_SHARE of the outline. The mesh's parts are its connected pieces
    (procedural models are their parts side by side), so a framed print's recessed print is
    the display, not its frame. Without a front: the mesh's thinnest axis (a panel's face)."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if len(faces) == 0:
        return np.zeros(0, dtype=bool)
    if front is None:
        front = np.eye(3)[int(np.argmin(np.ptp(vertices, axis=0)))]
    front = np.asarray(front, dtype=np.float64) / np.linalg.norm(front)
    triangles = vertices[faces]
    cross = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    area = np.linalg.norm(cross, axis=1)
    aligned = np.abs(cross @ front) > DISPLAY_FACING * np.maximum(area, 1e-300)
    depth = triangles.mean(axis=1) @ front
    count, labels = _components(faces, len(vertices))
    part = labels[faces[:, 0]]
    side = np.cross(front, [0.0, 0.0, 1.0])
    if np.linalg.norm(side) < 1e-6:  # facing up or down
        side = np.array([1.0, 0.0, 0.0])
    side /= np.linalg.norm(side)
    outline = np.ptp(vertices @ side) * np.ptp(vertices @ np.cross(front, side))
    shown = np.bincount(part[aligned], area[aligned] / 2, minlength=count)
    top = np.full(count, -np.inf)
    np.maximum.at(top, part[aligned], depth[aligned])
    large = shown >= DISPLAY_SHARE * outline
    if not large.any():
        return np.zeros(len(faces), dtype=bool)
    chosen = large & (top >= top[large].max() - DISPLAY_DEPTH_M)
    return aligned & chosen[part] & (depth >= top[part] - DISPLAY_DEPTH_M)


def _components(faces: np.ndarray, vertices: int) -> tuple[int, np.ndarray]:
    """The connected pieces of a mesh (vertices joined by faces): their count and each
    vertex's label."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows = np.concatenate([faces[:, 0], faces[:, 1]])
    cols = np.concatenate([faces[:, 1], faces[:, 2]])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), (vertices, vertices))
    return connected_components(graph, directed=False)


@dataclass(frozen=True, eq=False)
class DrawnSurface:
    """One drawn mesh: its looks, which look each face has (``part``, indices into ``looks``;
    None: the first everywhere) and its instance id."""

    mesh: trimesh.Trimesh
    looks: tuple[SurfaceLook, ...]
    part: np.ndarray | None
    instance: int

    def face_looks(self) -> np.ndarray:
        """(n_faces,) index into ``looks`` of every face."""
        if self.part is None:
            return np.zeros(len(self.mesh.faces), dtype=np.int64)
        return self.part.astype(np.int64)


def natural_object_surface(obj: SceneObject, pose: np.ndarray | None = None) -> DrawnSurface:
    """The object's look (``natural_object_look``), and where its category has a display
    (``display_of``) a second look on the display's faces: its material and a colour of its
    own by stable hash. A painting is fitted to the canvas (a crop of CANVAS_CROP of it, at a
    drawn place) on the geometry as ``pose`` carried it away from (``rest_points``), so that
    it rides with a moved picture; the others repeat with an offset as every material does."""
    look = natural_object_look(obj)
    display = display_of(obj.category)
    if display is None:
        return DrawnSurface(obj.mesh, (look,), None, obj.id)
    shown = display_faces(obj.mesh, obj.front)
    if not shown.any():
        return DrawnSurface(obj.mesh, (look,), None, obj.id)
    rng = rng_for("natural display", obj.category, obj.id)
    pick = display.colors[int(rng.integers(len(display.colors)))]
    scale = 1.0 + COLOR_JITTER / 2 * rng.uniform(-1.0, 1.0)
    color = tuple(int(np.clip(round(c * scale), 0, 255)) for c in pick)
    offset = rng.uniform(0.0, 10.0, 2)
    if display.material != "canvas":
        period = MATERIAL_PERIOD_M[display.material]
        face = SurfaceLook(color, display.material, period, (float(offset[0]), float(offset[1])))
        return DrawnSurface(obj.mesh, (look, face), shown.astype(np.int8), obj.id)
    image = PAINTINGS[int(rng.integers(len(PAINTINGS)))]
    crop = rng.uniform(*CANVAS_CROP, 2)
    place = rng.uniform(0.0, 1.0, 2) * [1.0, 1.0 - crop[1]]  # the paintings repeat across u
    triangles = np.asarray(obj.mesh.vertices, dtype=np.float64)[np.asarray(obj.mesh.faces)[shown]]
    normals = np.repeat(face_normals(triangles), 3, axis=0)
    points, normals = rest_points(triangles.reshape(-1, 3), normals, pose)
    metres = triplanar_uv(points, normals) * TILE_M
    low, size = metres.min(axis=0), np.maximum(np.ptp(metres, axis=0), 1e-6)
    period = size / crop
    start = -low + place * period
    fitted = (float(period[0]), float(period[1])), (float(start[0]), float(start[1]))
    face = SurfaceLook(color, "canvas", *fitted, image=image)
    return DrawnSurface(obj.mesh, (look, face), shown.astype(np.int8), obj.id)


ROOM_PALETTES: dict[str, tuple[dict[str, tuple], ...]] = {
    "bedroom": (
        {"floor": ("carpet", (150, 140, 125), 1.0), "wall": ("plaster", (200, 210, 220), 2.0)},
        {"floor": ("parquet", (170, 125, 85), 1.6), "wall": ("plaster", (225, 215, 195), 2.0)},
        {"floor": ("carpet", (110, 115, 130), 1.0), "wall": ("plaster", (205, 215, 195), 2.0)},
    ),
    "living room": (
        {"floor": ("parquet", (160, 115, 75), 1.6), "wall": ("plaster", (230, 225, 212), 2.0)},
        {"floor": ("parquet", (115, 80, 55), 1.6), "wall": ("plaster", (215, 210, 200), 2.0)},
        {"floor": ("parquet", (195, 165, 125), 1.6), "wall": ("plaster", (210, 200, 180), 2.0)},
    ),
    "kitchen": (
        {"floor": ("tiles", (190, 110, 80), 1.2), "wall": ("plaster", (235, 230, 215), 2.0)},
        {"floor": ("tiles", (150, 150, 150), 1.6), "wall": ("plaster", (225, 230, 225), 2.0)},
        {"floor": ("tiles", (215, 205, 185), 1.2), "wall": ("plaster", (240, 225, 190), 2.0)},
    ),
    "office": (
        {"floor": ("carpet", (95, 100, 110), 1.0), "wall": ("plaster", (225, 225, 222), 2.0)},
        {"floor": ("carpet", (120, 110, 95), 1.0), "wall": ("plaster", (210, 215, 220), 2.0)},
    ),
    "bathroom": (
        {"floor": ("tiles", (90, 95, 100), 0.8), "wall": ("tiles", (230, 232, 232), 0.8)},
        {"floor": ("tiles", (200, 195, 185), 1.2), "wall": ("tiles", (190, 210, 220), 0.6)},
    ),
    "dining room": (
        {"floor": ("parquet", (150, 100, 65), 1.6), "wall": ("plaster", (225, 205, 175), 2.0)},
        {"floor": ("parquet", (180, 140, 100), 1.6), "wall": ("plaster", (200, 190, 160), 2.0)},
    ),
}
"""Floor and wall (material, colour, period) choices per room type; one is drawn per room."""
NEUTRAL_PALETTE = {
    "floor": ("plaster", (140, 120, 100), 2.0),
    "wall": ("plaster", (215, 212, 205), 2.0),
}
"""Scans and rooms of unknown type."""
FIXED_STRUCTURE = {
    "ceiling": ("plaster", (240, 240, 236), 2.0),
    "door": ("wood", (185, 160, 130), 1.0),
    "window": ("plastic", (235, 235, 235), 1.0),
}
OTHER_STRUCTURE = ("plaster", (190, 188, 182), 2.0)


def room_type(scene: Scene) -> str | None:
    """The kind of room the scene records (``Room.kind``); None when it records none."""
    return None if scene.room is None else scene.room.kind


def natural_structure_looks(scene: Scene) -> list[SurfaceLook]:
    """One look per structure part: floor and walls from a palette of the room's type (drawn
    by stable hash of the scene id; neutral for a type without one), ceiling, doors and window
    frames fixed."""
    kind = room_type(scene)
    if kind not in ROOM_PALETTES:
        palette = NEUTRAL_PALETTE
    else:
        choices = ROOM_PALETTES[kind]
        palette = choices[int(rng_for("room palette", scene.scene_id).integers(len(choices)))]
    looks = []
    for part in scene.structure:
        material, color, period = palette.get(
            part.category, FIXED_STRUCTURE.get(part.category, OTHER_STRUCTURE)
        )
        looks.append(SurfaceLook(color, material, period, (0.0, 0.0)))
    return looks


def surface_looks(
    scene: Scene, placements: Mapping[int, np.ndarray] | None = None
) -> list[DrawnSurface]:
    """Every drawn surface in draw order (objects with a mesh, then structure; the order of the
    oracle's ray-casting scene). ``placements``: the poses that carried objects away from their
    own geometry (``render.Placements``), for the paintings fitted to it; colours and
    materials do not depend on them."""
    placements = placements or {}
    surfaces = [
        natural_object_surface(obj, placements.get(obj.id))
        for obj in scene.objects
        if obj.mesh is not None
    ]
    for part, look in zip(scene.structure, natural_structure_looks(scene), strict=True):
        surfaces.append(DrawnSurface(part.mesh, (look,), None, STRUCTURE_ID))
    return surfaces


def surface_uv(points: np.ndarray, normals: np.ndarray, look: SurfaceLook) -> np.ndarray:
    """(n, 3) points with their normals -> (n, 2) texture coordinates in periods (triplanar)."""
    metres = triplanar_uv(points, normals) * TILE_M + np.asarray(look.offset)
    return metres / np.asarray(look.period)


def _noise(rng: np.random.Generator, cycles_u: float, cycles_v: float) -> np.ndarray:
    """Tileable Gaussian noise of one period, (MATERIAL_PX, MATERIAL_PX), zero mean, unit
    spread, with detail up to about ``cycles_u`` / ``cycles_v`` cycles per period (filtered in
    the Fourier domain, so it wraps)."""
    n = MATERIAL_PX
    white = rng.standard_normal((n, n))
    fu = np.fft.fftfreq(n, 1.0 / n)[None, :] / cycles_u
    fv = np.fft.fftfreq(n, 1.0 / n)[:, None] / cycles_v
    out = np.fft.ifft2(np.fft.fft2(white) * np.exp(-(fu**2 + fv**2) / 2)).real
    return (out - out.mean()) / max(out.std(), 1e-12)


def _wood(rng: np.random.Generator) -> np.ndarray:
    """Grain along u: rings bent by low-frequency noise, and fine streaks."""
    n = MATERIAL_PX
    v = (np.arange(n)[:, None] + 0.5) / n
    warp = _noise(rng, 1.5, 3.0)
    rings = np.sin(2 * np.pi * (9 * v + 0.35 * warp))
    return 0.82 + 0.08 * np.sign(rings) * np.abs(rings) ** 0.5 + 0.035 * _noise(rng, 3.0, 90.0)


def material_texture(name: str) -> np.ndarray:
    """One period of material ``name``: (MATERIAL_PX, MATERIAL_PX) float32 linear modulation in
    0..1 (row j, column i at texture coordinates ((i + 0.5) / N, (j + 0.5) / N)); drawn from
    a generator seeded by the name, so the same everywhere. Made once per process (every
    renderer of every scene uses the same ones) and read-only."""
    if name not in MATERIAL_PERIOD_M:
        raise ValueError(f"material: unknown {name!r} (known: {', '.join(MATERIALS)})")
    return _material_texture(name)


@functools.cache
def display_textures() -> np.ndarray:
    """Every material's texture in ``MATERIALS`` order, display-encoded (raised to 1 / GAMMA,
    the factor both backends multiply the baked light by): (len(MATERIALS), N, N) float32,
    made once per process, read-only."""
    layers = np.stack([material_texture(name) for name in MATERIALS]) ** (1 / GAMMA)
    layers.setflags(write=False)
    return layers


@functools.cache
def _material_texture(name: str) -> np.ndarray:
    rng = rng_for("material texture", name)
    n = MATERIAL_PX
    u = (np.arange(n)[None, :] + 0.5) / n
    v = (np.arange(n)[:, None] + 0.5) / n
    if name == "plastic":
        value = 0.95 + 0.015 * _noise(rng, 5, 5)
    elif name == "wood":
        value = _wood(rng)
    elif name == "parquet":
        planks = 8  # across v: 0.2 m planks of 0.8 m, ends staggered
        row = np.floor(v * planks)
        shift = rng.uniform(0, 1, planks)[row.astype(int)]
        along = (u + shift) % 0.5 / 0.5
        across = (v * planks) % 1.0
        grain = np.roll(_wood(rng), 37, axis=1)
        tone = 1.0 + 0.07 * rng.uniform(-1, 1, (planks, 2))[row.astype(int), (u + shift >= 0.5) % 2]
        seam = np.minimum(np.minimum(across, 1 - across) * 0.2 * n / planks, 1.0)
        seam = np.minimum(seam, np.minimum(np.minimum(along, 1 - along) * 0.8 * n / 2, 1.0))
        value = grain * tone * (0.55 + 0.45 * seam)
    elif name == "fabric":
        weave = np.sin(2 * np.pi * 40 * u) * np.sin(2 * np.pi * 40 * v)
        value = 0.86 + 0.035 * weave + 0.04 * _noise(rng, 12, 12) + 0.02 * _noise(rng, 80, 80)
    elif name == "leather":
        value = 0.86 + 0.04 * _noise(rng, 6, 6) - 0.05 * np.abs(_noise(rng, 30, 30)) ** 2 / 2
    elif name == "metal":
        value = 0.9 + 0.04 * _noise(rng, 2, 120) + 0.02 * _noise(rng, 3, 3)
    elif name == "ceramic":
        value = 0.95 + 0.02 * _noise(rng, 3, 3)
    elif name == "tiles":
        cells = 4
        fu, fv = (u * cells) % 1.0, (v * cells) % 1.0
        gap = np.minimum(np.minimum(fu, 1 - fu), np.minimum(fv, 1 - fv)) * n / cells
        tone = 1.0 + 0.05 * rng.uniform(-1, 1, (cells, cells))
        tone = tone[np.floor(v * cells).astype(int), np.floor(u * cells).astype(int)]
        value = (0.9 + 0.02 * _noise(rng, 8, 8)) * tone * (0.6 + 0.4 * np.clip(gap - 1, 0, 1))
    elif name == "plaster":
        value = 0.93 + 0.025 * _noise(rng, 4, 4) + 0.012 * _noise(rng, 40, 40)
    elif name == "carpet":
        value = 0.84 + 0.06 * _noise(rng, 70, 70) + 0.04 * _noise(rng, 6, 6)
    elif name == "foliage":  # leaves, light and dark
        value = 0.68 + 0.2 * np.tanh(1.5 * _noise(rng, 8, 8)) + 0.05 * _noise(rng, 30, 30)
    elif name == "glass":  # smooth: two soft diagonal sheens, as of a reflected window
        value = 0.85 + 0.1 * np.cos(2 * np.pi * (u - v)) + 0.05 * np.cos(4 * np.pi * (u - v) + 1.3)
    elif name == "wicker":
        value = _wicker(rng, u, v)
    else:  # canvas: a fine weave under the painting
        weave = np.sin(2 * np.pi * 60 * u) * np.sin(2 * np.pi * 60 * v)
        value = 0.95 + 0.02 * weave + 0.01 * _noise(rng, 30, 30)
    texture = np.clip(np.broadcast_to(value, (n, n)), 0.0, 1.0).astype(np.float32)
    texture.setflags(write=False)
    return texture


PAINTING_SOFTNESS_PX = 4.0
"""Spread (Gaussian sigma, texels) that softens every painting."""


def painting_image(name: str) -> np.ndarray:
    """Painting ``name`` (one of PAINTINGS): (MATERIAL_PX, MATERIAL_PX, 3) float32 linear
    colours in 0..1 (texel layout as ``material_texture``), drawn from a generator seeded by
    the name; made once per process, read-only."""
    if name not in PAINTINGS:
        raise ValueError(f"painting: unknown {name!r} (known: {', '.join(PAINTINGS)})")
    return _painting_image(name)


@functools.cache
def _painting_image(name: str) -> np.ndarray:
    n = MATERIAL_PX
    u = (np.arange(n)[None, :] + 0.5) / n
    v = (np.arange(n)[:, None] + 0.5) / n
    from scipy.ndimage import gaussian_filter

    image = _painting(rng_for("painting", name), PAINTINGS.index(name), u, v)
    # Softened to about the bake's grid on a canvas (a 1 m period in 48 cells: 5 texels), so
    # that the grid's linear interpolation draws its edges without steps: repeating across,
    # not up (a crop's top edge stays sky).
    image = gaussian_filter(image, (PAINTING_SOFTNESS_PX, PAINTING_SOFTNESS_PX, 0),
                            mode=("nearest", "wrap", "nearest"))  # fmt: skip
    image = np.clip(image, 0.0, 1.0).astype(np.float32)
    image.setflags(write=False)
    return image


def _wicker(rng: np.random.Generator, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Basket weave: round horizontal weavers passing over and under vertical stakes (16 of
    each a period), each strand a tone of its own, fibres along the weavers, the crossings
    shaded."""
    strands = 16
    row, col = np.floor(v * strands).astype(int), np.floor(u * strands).astype(int)
    fu, fv = (u * strands) % 1.0, (v * strands) % 1.0
    over = (row + col) % 2 == 0  # the weaver shows; else the stake
    weaver = np.sin(np.pi * fv) ** 0.6 * (0.8 + 0.2 * np.sin(np.pi * fu))
    stake = np.sin(np.pi * np.clip((fu - 0.15) / 0.7, 0.0, 1.0)) ** 0.6 * (
        0.8 + 0.2 * np.sin(np.pi * fv)
    )
    tone = 1.0 + 0.06 * rng.uniform(-1, 1, strands)
    body = np.where(over, weaver * tone[row], stake * tone[col])
    fibres = 0.04 * _noise(rng, 6.0, 160.0)
    return 0.42 + 0.5 * body + np.where(over, fibres, fibres.T)


def _soft(x: np.ndarray, width: float) -> np.ndarray:
    """A smooth step from 0 (x <= -width) to 1 (x >= width)."""
    t = np.clip(0.5 + x / (2 * width), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _colors(rng: np.random.Generator, count: int, saturation, value) -> np.ndarray:
    """``count`` colours of random hue and saturation / value drawn in the given ranges,
    as (count, 3) linear RGB."""
    import colorsys

    rgb = [
        colorsys.hsv_to_rgb(rng.uniform(0, 1), rng.uniform(*saturation), rng.uniform(*value))
        for _ in range(count)
    ]
    return np.asarray(rgb) ** GAMMA


def _painting(rng: np.random.Generator, index: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Painting ``index``, (N, N, 3) linear: a landscape (sky over hills and fields), colour
    fields (soft bands), blobs on a ground, or a seascape, in colours of its own, with brush
    marks and canvas grain. Row 0 is the bottom (v grows upwards on a wall); it repeats
    across u (and wraps in v only where the crop never reaches)."""
    n = MATERIAL_PX
    import colorsys

    kind = ("landscape", "fields", "blobs", "seascape")[index % 4]
    line = _noise(rng, 3.0, 1.0)[:1]  # (1, n): a wavy line along u, repeating
    if kind in ("landscape", "seascape"):
        horizon = rng.uniform(0.4, 0.6) + (0.05 if kind == "landscape" else 0.005) * line
        hue = rng.uniform(0.52, 0.66) if rng.random() < 0.7 else rng.uniform(0.0, 0.1)
        zenith = np.asarray(colorsys.hsv_to_rgb(hue, rng.uniform(0.3, 0.6), 0.9)) ** GAMMA
        glow = rng.uniform(0.8, 1.0, 3) ** 2  # a pale horizon
        above = np.clip((v - horizon) / (1.0 - horizon), 0.0, 1.0)[..., None]
        sky = glow * (1 - above) + zenith * above
        near, far = _colors(rng, 2, (0.35, 0.7), (0.3, 0.7))
        if kind == "seascape":
            near, far = np.array([0.75, 0.6, 0.4]) * rng.uniform(0.7, 1.0), far * [0.4, 0.7, 1.0]
        below = np.clip((horizon - v) / horizon, 0.0, 1.0)[..., None]
        ground = far * (1 - below) + near * below
        streaks = _noise(rng, 2.0, 40.0 if kind == "seascape" else 6.0)[..., None]
        ground = ground * (1 + 0.12 * streaks)
        if kind == "landscape":  # far hills between the fields and the sky
            ridge = horizon + 0.1 + 0.06 * _noise(rng, 2.0, 1.0)[:1]
            hills = 0.6 * far + 0.4 * sky
            sky = sky + (hills - sky) * _soft(ridge - v, 0.01)[..., None]
        else:  # a beach below the sea
            shore = 0.18 + 0.03 * line
            ground = ground + (near - ground) * _soft(shore - v, 0.01)[..., None]
        image = sky + (ground - sky) * _soft(horizon - v, 0.006)[..., None]
    elif kind == "fields":
        colours = _colors(rng, 4, (0.3, 0.8), (0.35, 0.9))
        image = np.broadcast_to(colours[0], (n, n, 3)).copy()
        edges = np.sort(rng.uniform(0.1, 0.9, 2))
        for k, (low, high) in enumerate(((0.06, edges[0]), (edges[0] + 0.05, edges[1]),
                                         (edges[1] + 0.05, 0.94))):  # fmt: skip
            wobble = 0.015 * _noise(rng, 3.0, 3.0)
            band = _soft(v - low + wobble, 0.02) * _soft(high - v + wobble, 0.02)
            image = image + (colours[k + 1] - image) * band[..., None]
    else:  # blobs on a ground
        colours = _colors(rng, 9, (0.35, 0.85), (0.4, 0.95))
        image = np.broadcast_to(colours[0], (n, n, 3)).copy()
        for colour in colours[1:]:
            cu, cv, r = rng.uniform(0, 1), rng.uniform(0.15, 0.85), rng.uniform(0.05, 0.16)
            du = np.abs(u - cu)
            du = np.minimum(du, 1 - du)
            weight = np.exp(-(du**2 + (v - cv) ** 2) / (2 * r**2)) ** 2
            image = image + (colour - image) * (0.9 * weight)[..., None]
    brush = 1 + 0.05 * np.stack([_noise(rng, 14.0, 14.0) for _ in range(3)], axis=-1)
    grain = 1 + 0.025 * _noise(rng, 90.0, 90.0)[..., None]
    return image * brush * grain


def sample_texture(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear sample of a tileable (N, N) texture (or (N, N, C): (n, C) samples) at (n, 2)
    coordinates in periods, as OpenGL's LINEAR filter with REPEAT does (texel centres at
    (i + 0.5) / N)."""
    size = texture.shape[0]
    x = (uv[:, 0] - np.floor(uv[:, 0])) * size - 0.5
    y = (uv[:, 1] - np.floor(uv[:, 1])) * size - 0.5
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    if texture.ndim == 3:
        fx, fy = fx[:, None], fy[:, None]
    i0, j0 = x0.astype(np.int64) % size, y0.astype(np.int64) % size
    i1, j1 = (i0 + 1) % size, (j0 + 1) % size
    top = texture[j0, i0] * (1 - fx) + texture[j0, i1] * fx
    bottom = texture[j1, i0] * (1 - fx) + texture[j1, i1] * fx
    return top * (1 - fy) + bottom * fy


GRID_M = 0.2
"""Target spacing of the points where light is baked: a triangle is cut into n^2 by a regular
barycentric grid, n = ceil(longest edge / GRID_M), at most MAX_DIVISIONS (by the longest edge,
not the area, so that a long thin triangle gets no long thin cells: they show as streaks)."""
MAX_DIVISIONS = 48
AO_RAYS = 16
"""Cosine-weighted rays per baked point for ambient occlusion (at full quality)."""
AO_RADIUS_M = 1.0
"""A hit at distance t occludes by sqrt(1 - t / AO_RADIUS_M): near things darken, far ones less."""
LIGHT_RADIUS_M = 0.25
"""The ceiling light is a disc this wide (soft shadows), LIGHT_SAMPLES points on it."""
LIGHT_SAMPLES = 6
LIGHT_BELOW_CEILING_M = 0.2
RAY_BUDGET = 1_500_000
"""Most rays one bake casts (about half a second of one core): a scene whose baked points
would need more at full quality steps down BAKE_QUALITIES until it fits."""
BAKE_QUALITIES = ((AO_RAYS, LIGHT_SAMPLES), (8, 3), (4, 2), (2, 1), (0, 1), (0, 0))
"""(ambient occlusion rays, light samples) per baked point, best first; the first whose rays
fit RAY_BUDGET is used (every procedural room fits the first). No occlusion rays: ambient
and fill light unoccluded; one light sample: the disc's centre (hard shadows); none: the
ceiling light unshadowed (no ray at all)."""
SMOOTH_BAKE_FACES = 100_000
"""A scene with more triangles than this (a scan) bakes its small triangles (one grid cell)
at their mesh vertices with the vertex normals, once per vertex and side instead of once per
triangle corner: scans are many small triangles whose corners are shared."""
NATURAL_AMBIENT = 0.55
"""Irradiance from every direction (before occlusion)."""
CEILING_LIGHT = 2.4
"""Irradiance of the ceiling light on a surface facing it at distance d: CEILING_LIGHT * cos /
(d^2 + FALLOFF_M^2) (inverse square, softened near the lamp)."""
FALLOFF_M = 1.0
FILL_LIGHT = 0.55
"""The classic key light, dimmed where the ambient light is occluded (no shadow rays of its
own): the faces of a box differ in shade, and corners and contacts darken."""
SHOULDER = 0.75
"""Tone curve: linear light up to SHOULDER, then a smooth roll-off towards WHITE."""
FLARE = 0.003
"""Linear light every surface shows at least (a lens's veiling glare): blacks stay above byte
10 even in a dark crevice, texture included."""
WHITE = 0.985
"""The tone curve's ceiling: display byte 253 at most, so no surface clips, however bright."""
_GOLDEN = np.pi * (3.0 - np.sqrt(5.0))


SKY_ZENITH = (112, 162, 226)
SKY_HORIZON = (214, 228, 242)
GROUND_HORIZON = (178, 180, 162)
GROUND_NADIR = (110, 124, 92)
"""What a ray that leaves the scene shows in the natural look (display bytes): daylight
outside, a pale horizon turning blue overhead and a muted green ground below, so that a
window shows an exterior instead of black. Masks and depth do not see it: such a pixel stays
``BACKGROUND_ID`` at depth 0."""
SKY_SPAN = 0.6
"""Sine of the elevation at which the sky reaches SKY_ZENITH."""
GROUND_SPAN = 0.4
"""Sine of the depression at which the ground reaches GROUND_NADIR."""
HORIZON_BLEND = 0.02
"""Half-width of the soft horizon, as a sine of the elevation."""
SKY_GLSL = f"""
vec3 sky(vec3 direction) {{
    float s = direction.z / length(direction);
    vec3 up = mix(vec3{SKY_HORIZON}, vec3{SKY_ZENITH}, clamp(s / {SKY_SPAN}, 0.0, 1.0));
    vec3 down = mix(vec3{GROUND_HORIZON}, vec3{GROUND_NADIR}, clamp(-s / {GROUND_SPAN}, 0.0, 1.0));
    return mix(down, up, clamp(0.5 + s / {2 * HORIZON_BLEND}, 0.0, 1.0)) / 255.0;
}}
"""
"""``sky`` in GLSL, for the rasteriser (the same arithmetic, in float32)."""


def sky(directions: np.ndarray) -> np.ndarray:
    """(n, 3) ray directions (any length, world frame) -> (n, 3) float64 display values in
    0..1 of the exterior they meet: ground, horizon and sky by the ray's elevation alone."""
    d = np.asarray(directions, dtype=np.float64)
    s = d[:, 2] / np.linalg.norm(d, axis=1)

    def mix(a, b, t):
        return np.asarray(a, np.float64) + (np.subtract(b, a)) * np.clip(t, 0.0, 1.0)[:, None]

    up = mix(SKY_HORIZON, SKY_ZENITH, s / SKY_SPAN)
    down = mix(GROUND_HORIZON, GROUND_NADIR, -s / GROUND_SPAN)
    weight = np.clip(0.5 + s / (2 * HORIZON_BLEND), 0.0, 1.0)[:, None]
    return (down + (up - down) * weight) / 255.0


def tone(linear: np.ndarray) -> np.ndarray:
    """Exposure: identity below SHOULDER, then an exponential shoulder that meets it with the
    same slope and approaches WHITE, so whites never clip."""
    x = np.asarray(linear, dtype=np.float64)
    head = WHITE - SHOULDER
    return np.where(x <= SHOULDER, x, SHOULDER + head * (1.0 - np.exp(-(x - SHOULDER) / head)))


def grid_points(divisions: int) -> np.ndarray:
    """(m, 2) barycentric coordinates (b1, b2) of the grid of ``divisions`` per edge, in the
    order the bake stores them: point (i, j) at index i (n + 1) - i (i - 1) / 2 + j."""
    n = divisions
    return np.array([(i / n, j / n) for i in range(n + 1) for j in range(n + 1 - i)])


@dataclass(frozen=True, eq=False)
class LightBake:
    """Light baked on a regular grid over every triangle of the drawn surfaces, both sides.

    Triangle ``t`` (global index: ``first[surface] + face``) is cut into ``divisions[t]``^2;
    its grid values for the side its normal points to start at ``front[t]`` in ``values``, for
    the other side at ``back[t]`` (the same as ``front`` for a closed mesh, whose inside is
    never seen). ``values`` hold display-encoded light (tone-mapped albedo times irradiance,
    raised to 1 / GAMMA) as bytes, (V, 3) uint8; a pixel shows the value interpolated over its grid
    cell times the material's texture.
    """

    first: np.ndarray
    divisions: np.ndarray
    front: np.ndarray
    back: np.ndarray
    values: np.ndarray
    rays: int
    """Rays cast to bake it (for benchmarks)."""
    ao_rays: int = AO_RAYS
    light_samples: int = LIGHT_SAMPLES
    """The quality it was baked at (``BAKE_QUALITIES``), per baked point."""
    smooth: bool = False
    """Whether small triangles were baked at their vertices (``SMOOTH_BAKE_FACES``)."""


def light_position(scene: Scene) -> np.ndarray:
    """Where the ceiling light hangs: above the footprint's pole of inaccessibility (inside
    even an L), LIGHT_BELOW_CEILING_M under the ceiling; without a room, above the middle of
    the structure's bounds (of the objects' when there is none)."""
    if scene.room is not None:
        centre = polylabel(Polygon(scene.room.footprint), tolerance=0.05)
        top = scene.floor_z + scene.room.height
        return np.array([centre.x, centre.y, top - LIGHT_BELOW_CEILING_M])
    meshes = [part.mesh for part in scene.structure]
    lift = -LIGHT_BELOW_CEILING_M
    if not meshes:
        meshes = [obj.mesh for obj in scene.objects if obj.mesh is not None]
        lift = 1.5
    if not meshes:
        return np.array([0.0, 0.0, scene.floor_z + 2.5])
    low = np.min([mesh.bounds[0] for mesh in meshes], axis=0)
    high = np.max([mesh.bounds[1] for mesh in meshes], axis=0)
    inner = high[2] if lift > 0 else min(high[2], max(m.bounds[0][2] for m in meshes))
    return np.array([(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, inner + lift])


def _frame_of(normals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit tangents per unit normal, (n, 3) each, completing a right-handed frame."""
    helper = np.where(np.abs(normals[:, [2]]) < 0.9, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    first = np.cross(helper, normals)
    first /= np.linalg.norm(first, axis=1, keepdims=True)
    return first, np.cross(normals, first)


def _irradiance(
    ray_scene, points: np.ndarray, normals: np.ndarray, light: np.ndarray, quality: tuple
) -> tuple:
    """Irradiance at (n, 3) points on the side of their unit normals: ambient and fill light
    times the unoccluded share, the ceiling light times its visible share; and the rays cast.
    ``quality``: (ambient occlusion rays, light samples) per point (``BAKE_QUALITIES``)."""
    import open3d as o3d

    ao_rays, samples = quality
    count = len(points)
    origins = points + normals * 1e-3
    occlusion = np.zeros(count)
    if ao_rays:
        k = np.arange(ao_rays)
        radius = np.sqrt((k + 0.5) / ao_rays)
        local = np.column_stack(
            [radius * np.cos(k * _GOLDEN), radius * np.sin(k * _GOLDEN), np.sqrt(1 - radius**2)]
        )
        first, second = _frame_of(normals)
        # Written in place as float32, one axis at a time: each direction is summed in
        # float64 (x first + y second + z normal) and rounded once, with no (n, rays, 6)
        # float64 copies.
        rays = np.empty((count, ao_rays, 6), dtype=np.float32)
        rays[:, :, :3] = origins[:, None]
        for axis in range(3):
            direction = np.multiply.outer(first[:, axis], local[:, 0])
            direction += np.multiply.outer(second[:, axis], local[:, 1])
            direction += np.multiply.outer(normals[:, axis], local[:, 2])
            rays[:, :, 3 + axis] = direction
        hits = ray_scene.cast_rays(o3d.core.Tensor.from_numpy(rays.reshape(-1, 6)))
        t = hits["t_hit"].numpy().reshape(count, ao_rays).astype(np.float64)
        t /= AO_RADIUS_M
        np.subtract(1.0, t, out=t)
        np.sqrt(np.clip(t, 0.0, 1.0, out=t), out=t)
        occlusion = t.mean(axis=1)
    if samples > 1:
        angle = 2 * np.pi * np.arange(samples) / samples
        disc = LIGHT_RADIUS_M * np.column_stack([np.cos(angle), np.sin(angle), np.zeros(samples)])
    else:
        disc = np.zeros((1, 3))  # the centre: one sample, or the unshadowed light
    to_light = light[None, None] + disc[None] - origins[:, None]  # (n, s, 3)
    distance = np.linalg.norm(to_light, axis=2)
    facing = np.clip(np.einsum("nsk,nk->ns", to_light, normals) / distance, 0.0, 1.0)
    seen = np.ones(facing.shape, dtype=bool)
    shadow_count = 0
    if samples:
        lit = facing > 0
        shadow_rays = np.empty((count, len(disc), 6), dtype=np.float32)
        shadow_rays[:, :, :3] = origins[:, None]
        shadow_rays[:, :, 3:] = to_light
        shadow_rays = shadow_rays[lit]
        shadow_count = len(shadow_rays)
        if shadow_count:
            blocked = ray_scene.test_occlusions(o3d.core.Tensor.from_numpy(shadow_rays), tfar=0.999)
            seen[lit] = ~blocked.numpy().astype(bool)
    direct = CEILING_LIGHT * (facing * seen / (distance**2 + FALLOFF_M**2)).mean(axis=1)
    to_key = -np.asarray(KEY_LIGHT_DIRECTION, dtype=np.float64)
    fill = FILL_LIGHT * np.clip(normals @ (to_key / np.linalg.norm(to_key)), 0.0, 1.0)
    total = (NATURAL_AMBIENT + fill) * (1.0 - occlusion) + direct
    return total, count * ao_rays + shadow_count


def bake_quality(points: int) -> tuple[int, int]:
    """(ambient occlusion rays, light samples) per point for a bake of ``points`` points: the
    best of BAKE_QUALITIES whose rays (at most their sum per point) fit RAY_BUDGET."""
    return next(q for q in BAKE_QUALITIES if points * sum(q) <= RAY_BUDGET or q == (0, 0))


def _vertex_normals(triangles: np.ndarray, faces: np.ndarray, vertices: int) -> np.ndarray:
    """(vertices, 3) unit normals: the sum of the adjacent faces' area-weighted normals (the
    cross products), normalised; (0, 0, 1) where they cancel or there are none."""
    cross = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    total = np.column_stack(
        [
            np.bincount(faces.ravel(), np.repeat(cross[:, axis], 3), minlength=vertices)
            for axis in range(3)
        ]
    )
    length = np.linalg.norm(total, axis=1, keepdims=True)
    up = np.broadcast_to([0.0, 0.0, 1.0], total.shape)
    return np.where(length > 1e-12, total / np.where(length > 0, length, 1.0), up)


def _unique_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique rows in ascending lexicographic order, (n,) index of each row's among them):
    what ``np.unique(key, axis=0, return_inverse=True)`` gives, rows compared as floats
    (-0.0 equals 0.0, and a row's zeros are kept as +0.0), from one ``lexsort`` of the
    columns: several times faster than sorting rows as structured records."""
    key = key + 0.0  # -0.0 -> 0.0: which of two equal rows is kept cannot matter
    order = np.lexsort(key.T[::-1])
    ranked = key[order]
    starts = np.ones(len(key), dtype=bool)
    starts[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    inverse = np.empty(len(key), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ranked[starts], inverse


def bake_light(scene: Scene) -> LightBake:
    """The scene's light, baked once and cached with its derived geometry (the oracle's
    ray-casting scene casts every ray). A moving scene is baked per state (``Scene.at``): a
    moved object is lit, occluded and shadowed where it is and casts its shadow there (light
    belongs to the place; only the pattern rides with the object, ``rest_points``)."""
    from spatialqa.oracle.geometry import derived

    geometry = derived(scene)
    return geometry.memo("natural light", None, lambda: _bake(scene, geometry.ray_scene))


def _bake(scene: Scene, ray_scene) -> LightBake:
    surfaces = surface_looks(scene)
    light = light_position(scene)
    corners, normals, closed, faces, vertices, looks = [], [], [], [], [], []
    start = 0
    # Every look of every surface gets a number (a surface's first look: its own number
    # before any second looks are numbered), and every triangle its look's.
    look_colours = [surface.looks[0].color for surface in surfaces]
    all_looks = [surface.looks[0] for surface in surfaces]
    for index, surface in enumerate(surfaces):
        mesh = surface.mesh
        points = np.asarray(mesh.vertices, dtype=np.float64)
        triangles = points[np.asarray(mesh.faces)]
        corners.append(triangles)
        normals.append(face_normals(triangles))
        extra = len(surface.looks) - 1
        numbers = np.array([index, *range(len(look_colours), len(look_colours) + extra)])
        look_colours += [look.color for look in surface.looks[1:]]
        all_looks += surface.looks[1:]
        looks.append(numbers[surface.face_looks()] if surface.part is not None else
                     np.full(len(triangles), index))  # fmt: skip
        closed.append(np.full(len(triangles), bool(mesh.is_watertight)))
        faces.append(np.asarray(mesh.faces, dtype=np.int64) + start)
        vertices.append(points)
        start += len(points)
    look_albedo = (np.asarray(look_colours, dtype=np.float64).reshape(-1, 3) / 255.0) ** GAMMA
    first = np.cumsum([0] + [len(c) for c in corners])
    if first[-1] == 0:
        empty = np.zeros(0, dtype=np.int32)
        return LightBake(first, empty, empty, empty, np.zeros((0, 3), np.uint8), 0)
    triangles, normals = np.concatenate(corners), np.concatenate(normals)
    looks, closed = np.concatenate(looks), np.concatenate(closed)
    albedo = look_albedo[looks]
    smooth = len(triangles) > SMOOTH_BAKE_FACES
    edge1, edge2 = triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]
    longest = np.linalg.norm(np.stack([edge1, edge2, edge2 - edge1]), axis=2).max(axis=0)
    divisions = np.clip(np.ceil(longest / GRID_M), 1, MAX_DIVISIONS).astype(np.int64)
    painted = [number for number, look in enumerate(all_looks) if look.image is not None]
    divisions[np.isin(looks, painted)] = MAX_DIVISIONS  # the painting's colours, finely
    count = (divisions + 1) * (divisions + 2) // 2
    sides = np.where(closed, 1, 2)
    front = np.concatenate([[0], np.cumsum(count * sides)[:-1]])
    back = np.where(closed, front, front + count)
    total = int((count * sides).sum())
    # A scan's one-cell triangles are lit at their corners, which are mesh vertices: once per
    # vertex and side, with the vertex normal. Every other triangle is lit on its grid, once
    # per place and normal (points shared by neighbours are lit once).
    on_grid = (divisions > 1) | (not smooth)
    # Every grid point of every side: where its value goes, its triangle, barycentrics, side.
    slots, owner, bary = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros((0, 2))]
    flip = [np.zeros(0, bool)]
    for n in np.unique(divisions[on_grid]):
        chosen = np.flatnonzero(on_grid & (divisions == n))
        grid = grid_points(int(n))
        for side, tris in ((False, chosen), (True, chosen[~closed[chosen]])):
            starts = back[tris] if side else front[tris]
            slots.append((starts[:, None] + np.arange(len(grid))[None]).ravel())
            owner.append(np.repeat(tris, len(grid)))
            bary.append(np.tile(grid, (len(tris), 1)))
            flip.append(np.full(len(tris) * len(grid), side))
    slots, owner = np.concatenate(slots), np.concatenate(owner)
    bary, flip = np.concatenate(bary), np.concatenate(flip)
    places = triangles[owner, 0] + bary[:, [0]] * edge1[owner] + bary[:, [1]] * edge2[owner]
    facing = np.where(flip[:, None], -normals[owner], normals[owner])
    unique, inverse = _unique_rows(np.round(np.column_stack([places, facing]), 6))
    points, point_normals = unique[:, :3], unique[:, 3:]
    # The vertex-lit corners: grid point k of such a triangle is its corner (0, 2, 1)[k], lit
    # once per vertex, side and look (a vertex on the edge of a display is lit for each of
    # its two looks; with one look per surface the keys sort as vertex and side alone).
    cornered = np.flatnonzero(~on_grid)
    everything = np.concatenate(faces)
    all_vertices = np.concatenate(vertices)
    corner_slots, corner_keys = [], []
    for side, tris in ((0, cornered), (1, cornered[~closed[cornered]])):
        starts = back[tris] if side else front[tris]
        corner_slots.append((starts[:, None] + np.arange(3)[None]).ravel())
        at = looks[tris][:, None] * len(all_vertices) + everything[tris][:, [0, 2, 1]]
        corner_keys.append((at * 2 + side).ravel())
    lit, corner_inverse = np.unique(np.concatenate(corner_keys), return_inverse=True)
    lit_vertex = (lit // 2) % max(len(all_vertices), 1)
    if len(lit):
        outward = _vertex_normals(triangles, everything, len(all_vertices))
        sign = np.where(lit % 2 == 1, -1.0, 1.0)[:, None]
        points = np.concatenate([points, all_vertices[lit_vertex]])
        point_normals = np.concatenate([point_normals, sign * outward[lit_vertex]])
    quality = bake_quality(len(points))
    irradiance, rays = _irradiance(ray_scene, points, point_normals, light, quality)
    values = np.empty((total, 3), dtype=np.uint8)
    colour = albedo[owner]
    for number in painted:  # a canvas's albedo: its colour times the painting's
        chosen = looks[owner] == number
        look = all_looks[number]
        uv = surface_uv(places[chosen], facing[chosen], look)
        colour[chosen] *= sample_texture(painting_image(look.image), uv)
    linear = FLARE + colour * irradiance[inverse.ravel()][:, None]
    values[slots] = np.rint(255 * tone(linear) ** (1 / GAMMA)).astype(np.uint8)
    if len(lit):
        # Every lit vertex has one look: its light is toned once, then copied.
        lit_albedo = look_albedo[lit // (2 * len(all_vertices))]
        linear = FLARE + lit_albedo * irradiance[len(unique) :][:, None]
        toned = np.rint(255 * tone(linear) ** (1 / GAMMA)).astype(np.uint8)
        values[np.concatenate(corner_slots)] = toned[corner_inverse.ravel()]
    return LightBake(
        first.astype(np.int64),
        divisions.astype(np.int32),
        front.astype(np.int32),
        back.astype(np.int32),
        values,
        int(rays),
        *quality,
        smooth,
    )


def face_normals(triangles: np.ndarray) -> np.ndarray:
    """(n, 3, 3) triangles -> (n, 3) unit normals by the right-hand rule (zero if degenerate)."""
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)


def baked_light_at(
    bake: LightBake, triangle: np.ndarray, bary: np.ndarray, back_side: np.ndarray
) -> np.ndarray:
    """Display-encoded light at (n,) global triangles, (n, 2) barycentrics (weights of the
    second and third corner) on the side asked: the grid values interpolated over the grid
    cell that holds the point (the rasteriser's fragment shader does the same)."""
    n = bake.divisions[triangle].astype(np.int64)
    base = np.where(back_side, bake.back[triangle], bake.front[triangle]).astype(np.int64)
    g = np.clip(bary, 0.0, 1.0) * n[:, None]
    i = np.minimum(np.floor(g[:, 0]).astype(np.int64), n - 1)
    j = np.minimum(np.floor(g[:, 1]).astype(np.int64), n - 1 - i)
    fx, fy = g[:, 0] - i, g[:, 1] - j
    upper = (fx + fy > 1.0) & (i + j < n - 1)

    def at(a, b):
        return bake.values[base + a * (n + 1) - a * (a - 1) // 2 + b] / 255.0

    gx, gy = 1.0 - fx, 1.0 - fy
    lower = (
        (1 - fx - fy)[:, None] * at(i, j) + fx[:, None] * at(i + 1, j) + fy[:, None] * at(i, j + 1)
    )
    ui, uj = np.where(upper, i + 1, i), np.where(upper, j + 1, j)
    above = (1 - gx - gy)[:, None] * at(ui, uj) + gx[:, None] * at(i, uj) + gy[:, None] * at(ui, j)
    return np.where(upper[:, None], above, lower)
