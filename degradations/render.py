"""Render RGB, depth and instance masks of a Scene: one OpenGL pass through EGL (moderngl).

A small purpose-made rasteriser: every surface of the scene sits in one vertex buffer, drawn
in one call into three colour attachments at once (display RGB, instance code, camera z) and
read back. Lighting is baked into vertex colours when the buffer is built (``materials.shade``:
the light is fixed and Lambertian, so a face's shade does not depend on the view); the
fragment shader only scales it by the surface pattern (one texture layer per pattern,
bilinear, no mipmaps), both factors already display-encoded. No multisampling: colour, depth
and ids are sampled at the same pixel centres, so depth > 0 exactly where the instance is not
background (edges are not anti-aliased). Without a GPU, Mesa's llvmpipe renders it on the
CPU, deterministically: the same frame gives the same bytes whatever the thread count.

In the natural look, pixels that nothing covers (a window, a hole in a scan) show an
exterior, daylight by the ray's elevation (``materials.sky``), drawn after the scene where the
depth buffer is still clear; their id stays ``BACKGROUND_ID`` and their depth 0.

Depth is camera z interpolated in float32 per pixel (not read back from the depth buffer); it
is for degradations (haze, defocus) only: ground truth comes from the oracle's ray casting.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from spatialqa import moved
from spatialqa.degradations.materials import (
    ALL_PATTERNS,
    DEFAULT_LOOK,
    GAMMA,
    LOOKS,
    MATERIAL_PX,
    MATERIALS,
    SKY_GLSL,
    TEXTURE_PX,
    TILE_M,
    LightBake,
    Material,
    bake_light,
    display_textures,
    face_normals,
    object_material,
    pattern_texture,
    rest_points,
    shade,
    structure_material,
    surface_looks,
    surface_uv,
    triplanar_uv,
)
from spatialqa.scenes import Frame, Scene
from spatialqa.scenes.scene import BACKGROUND_ID, STRUCTURE_ID

if TYPE_CHECKING:
    import trimesh

logger = logging.getLogger(__name__)

ZNEAR = 0.05
ZFAR = 100.0

# One vertex: world position, texture coordinates (u, v in tiles; the pattern's layer), the
# light its face reflects on the front and on the back (display-encoded, see _DISPLAY), and
# the instance code (``id - BACKGROUND_ID`` wrapped to int32, so that the cleared attachment,
# 0, decodes to BACKGROUND_ID and every int32 id round-trips).
_VERTEX = np.dtype(
    [
        ("position", np.float32, 3),
        ("uv", np.float32, 3),
        ("front", np.float32, 3),
        ("back", np.float32, 3),
        ("code", np.int32),
    ]
)
_DISPLAY = 1 / GAMMA
"""A pixel shows ``(light * pattern) ** (1 / GAMMA)``, which is ``light ** (1 / GAMMA) *
pattern ** (1 / GAMMA)``: vertex colours and pattern textures hold their factor already
raised, and the fragment shader only multiplies (a power per pixel costs as much as the rest
of the shading on llvmpipe)."""
_VERTEX_FORMAT = ("3f 3f 3f 3f i", "in_position", "in_uv", "in_front", "in_back", "in_code")

_VERTEX_SHADER = """
#version 330
uniform mat4 world_to_clip;
uniform vec4 world_to_z;
in vec3 in_position;
in vec3 in_uv;
in vec3 in_front;
in vec3 in_back;
in int in_code;
out vec3 uv;
out float z;
flat out vec3 front;
flat out vec3 back;
flat out int code;
void main() {
    vec4 position = vec4(in_position, 1.0);
    gl_Position = world_to_clip * position;
    z = dot(world_to_z, position);
    uv = in_uv;
    front = in_front;
    back = in_back;
    code = in_code;
}
"""

_FRAGMENT_SHADER = """
#version 330
uniform sampler2DArray patterns;
in vec3 uv;
in float z;
flat in vec3 front;
flat in vec3 back;
flat in int code;
layout(location = 0) out vec4 out_rgb;
layout(location = 1) out int out_code;
layout(location = 2) out float out_z;
void main() {
    out_rgb = vec4((gl_FrontFacing ? front : back) * texture(patterns, uv).r, 1.0);
    out_code = code;
    out_z = z;
}
"""


# The natural look: no light in the vertex; each corner carries its barycentric coordinates
# and the triangle its light grid (first value of the front side, of the back side, cuts per
# edge), which the fragment shader interpolates from the light texture (materials.LightBake).
_NATURAL_VERTEX = np.dtype(
    [
        ("position", np.float32, 3),
        ("uv", np.float32, 3),
        ("bary", np.float32, 2),
        ("grid", np.int32, 3),
        ("code", np.int32),
    ]
)
_NATURAL_FORMAT = ("3f 3f 2f 3i i", "in_position", "in_uv", "in_bary", "in_grid", "in_code")
LIGHT_TEXTURE_WIDTH = 4096
"""Baked light values per row of the light texture (value k at column k % W, row k // W)."""

_NATURAL_VERTEX_SHADER = """
#version 330
uniform mat4 world_to_clip;
uniform vec4 world_to_z;
in vec3 in_position;
in vec3 in_uv;
in vec2 in_bary;
in ivec3 in_grid;
in int in_code;
out vec3 uv;
out vec2 bary;
out float z;
flat out ivec3 grid;
flat out int code;
void main() {
    vec4 position = vec4(in_position, 1.0);
    gl_Position = world_to_clip * position;
    z = dot(world_to_z, position);
    uv = in_uv;
    bary = in_bary;
    grid = in_grid;
    code = in_code;
}
"""

# Same cell and weights as materials.baked_light_at (the ray caster's).
_NATURAL_FRAGMENT_SHADER = f"""
#version 330
uniform sampler2DArray materials;
uniform sampler2D light;
in vec3 uv;
in vec2 bary;
in float z;
flat in ivec3 grid;
flat in int code;
layout(location = 0) out vec4 out_rgb;
layout(location = 1) out int out_code;
layout(location = 2) out float out_z;
vec3 corner(int base, int n, ivec2 at) {{
    int k = base + at.x * (n + 1) - (at.x * (at.x - 1)) / 2 + at.y;
    return texelFetch(light, ivec2(k % {LIGHT_TEXTURE_WIDTH}, k / {LIGHT_TEXTURE_WIDTH}), 0).rgb;
}}
void main() {{
    int n = grid.z;
    int base = gl_FrontFacing ? grid.x : grid.y;
    vec2 g = clamp(bary, 0.0, 1.0) * float(n);
    int i = min(int(floor(g.x)), n - 1);
    int j = min(int(floor(g.y)), n - 1 - i);
    float fx = g.x - float(i);
    float fy = g.y - float(j);
    // The lower half of the cell (i, j), or its upper half where the point lies there.
    bool upper = fx + fy > 1.0 && i + j < n - 1;
    float w1 = upper ? 1.0 - fx : fx;
    float w2 = upper ? 1.0 - fy : fy;
    vec3 lit = (1.0 - w1 - w2) * corner(base, n, upper ? ivec2(i + 1, j + 1) : ivec2(i, j))
        + w1 * corner(base, n, upper ? ivec2(i, j + 1) : ivec2(i + 1, j))
        + w2 * corner(base, n, upper ? ivec2(i + 1, j) : ivec2(i, j + 1));
    out_rgb = vec4(lit * texture(materials, uv).r, 1.0);
    out_code = code;
    out_z = z;
}}
"""


# The natural look's exterior: one triangle over the whole window at the far plane, drawn
# after the scene with the depth test "<=", so only pixels nothing covered (depth still 1.0)
# take it; it writes the cleared id (0: background) and camera z (0), so masks and depth stay
# the bytes they were.
_SKY_VERTEX_SHADER = """
#version 330
void main() {
    vec2 corner = vec2(gl_VertexID == 1 ? 3.0 : -1.0, gl_VertexID == 2 ? 3.0 : -1.0);
    gl_Position = vec4(corner, 1.0, 1.0);
}
"""
_SKY_FRAGMENT_SHADER = f"""
#version 330
uniform mat3 pixel_to_world;
layout(location = 0) out vec4 out_rgb;
layout(location = 1) out int out_code;
layout(location = 2) out float out_z;
{SKY_GLSL}
void main() {{
    out_rgb = vec4(sky(pixel_to_world * vec3(gl_FragCoord.xy - 0.5, 1.0)), 1.0);
    out_code = 0;
    out_z = 0.0;
}}
"""


@dataclass(frozen=True, eq=False)
class RenderedFrame:
    """One frame as a renderer draws it: colour, depth and instance ids; the arrays are
    read-only.

    Attributes
    ----------
    rgb : (H, W, 3) uint8
    depth : (H, W) float32
        Camera z in metres; 0 where nothing was drawn.
    instance : (H, W) int32
        Instance id per pixel; ``STRUCTURE_ID`` (-1) on walls, floor and ceiling,
        ``BACKGROUND_ID`` (-2) where nothing was drawn.
    """

    rgb: np.ndarray
    depth: np.ndarray
    instance: np.ndarray

    def __post_init__(self) -> None:
        for name, dtype, ndim in (
            ("rgb", np.uint8, 3),
            ("depth", np.float32, 2),
            ("instance", np.int32, 2),
        ):
            array = np.array(getattr(self, name), dtype=dtype, copy=True)
            if array.ndim != ndim or (ndim == 3 and array.shape[2] != 3):
                raise ValueError(f"RenderedFrame.{name}: unexpected shape {array.shape}")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if not self.rgb.shape[:2] == self.depth.shape == self.instance.shape:
            raise ValueError(
                f"RenderedFrame: rgb {self.rgb.shape}, depth {self.depth.shape} and instance "
                f"{self.instance.shape} must share height and width"
            )


class Renderer(Protocol):
    """A backend that renders frames of one Scene (a rasteriser, a ray caster, ...)."""

    def render(self, frame: Frame) -> RenderedFrame: ...

    def render_rgb(self, frame: Frame) -> np.ndarray:
        """The RGB image alone, (H, W, 3) uint8: for callers that need no depth or ids."""
        ...

    def close(self) -> None: ...


Placements = Mapping[int, np.ndarray]
"""Object id -> the rigid pose (4 x 4, world -> world) that carried the object away from its
own geometry (``SceneObject.pose_at``): a renderer of a moving scene's state samples those
objects' patterns on their own geometry (``materials.rest_points``), so the patterns ride
with them. Objects not named are where their geometry is."""


def placements_at(scene: Scene, t: float) -> dict[int, np.ndarray]:
    """The ``Placements`` of ``scene.at(t)``: every object that a keyframe has carried by
    time ``t``."""
    poses = {obj.id: obj.pose_at(t) for obj in scene.objects}
    return {ident: pose for ident, pose in poses.items() if pose is not None}


class ByState:
    """The renderers of a scene whose objects move: one per state (``Scene.at``), made at the
    first frame that needs it, so each frame is drawn with every object where it is at the
    frame's time and frames of one state share one renderer (its buffers, its light bake).
    ``make`` gets the state and its ``Placements``: the light is the state's, the patterns
    are the scene's own."""

    def __init__(self, scene: Scene, make: Callable[[Scene, Placements], Renderer]) -> None:
        self._scene = scene
        self._make = make
        self._renderers: dict[tuple[int, ...], Renderer] = {}

    def __call__(self, frame: Frame) -> Renderer:
        """The renderer of the state at ``frame.t``."""
        key = self._scene.state_key(frame.t)
        renderer = self._renderers.get(key)
        if renderer is None:
            state = self._scene.at(frame.t)
            renderer = self._make(state, placements_at(self._scene, frame.t))
            self._renderers[key] = renderer
        return renderer

    def close(self) -> None:
        for renderer in self._renderers.values():
            renderer.close()


def instance_codes(ids: np.ndarray) -> np.ndarray:
    """Instance ids -> the int32 codes the id attachment holds (``id - BACKGROUND_ID``,
    wrapped), so that a cleared pixel (0) is background."""
    return (np.asarray(ids, dtype=np.int64) - BACKGROUND_ID).astype(np.uint32).view(np.int32)


def decode_instances(codes: np.ndarray) -> np.ndarray:
    """int32 codes of the id attachment -> instance ids (inverse of ``instance_codes``; int32
    arithmetic wraps)."""
    return np.asarray(codes, dtype=np.int32) + np.int32(BACKGROUND_ID)


def _fill_surface(
    out: np.ndarray,
    mesh: trimesh.Trimesh,
    look: Material,
    instance_id: int,
    pose: np.ndarray | None = None,
) -> None:
    """Write one vertex record per face corner (flat shading) into ``out``, (n_faces, 3) of
    ``_VERTEX``: positions, triplanar texture coordinates (on the geometry before ``pose``
    carried it, ``materials.rest_points``) and the light each side of the face reflects, baked
    from ``look``. Per face, then broadcast to the corners: no per-corner copies of normals
    or colours (a scan's mesh can hold millions of faces)."""
    triangles = np.asarray(mesh.vertices, dtype=np.float64)[np.asarray(mesh.faces)]
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
    albedo = np.broadcast_to(np.asarray(look.color, dtype=np.float64) / 255.0, normals.shape)
    out["position"] = triangles
    for corner in range(3):
        out["uv"][:, corner, :2] = triplanar_uv(*rest_points(triangles[:, corner], normals, pose))
    out["uv"][..., 2] = ALL_PATTERNS.index(look.pattern)
    out["front"] = (shade(albedo, normals) ** _DISPLAY)[:, None]
    out["back"] = (shade(albedo, -normals) ** _DISPLAY)[:, None]
    out["code"] = instance_codes(np.array([instance_id]))[0]


def scene_vertices(scene: Scene, placements: Placements | None = None) -> np.ndarray:
    """Every drawn surface of ``scene`` in draw order (objects with a mesh, then structure),
    three vertices per face: (3 * n_faces,) structured array of ``_VERTEX``; the objects
    ``placements`` names are patterned on their own geometry.

    Surfaces that touch tie in depth; the first drawn keeps the pixel, so this order decides
    them, the same way every run.
    """
    surfaces = []
    for obj in scene.objects:
        if obj.mesh is None:
            logger.debug("scene %s: object %d has no mesh; not drawn", scene.scene_id, obj.id)
            continue
        surfaces.append((obj.mesh, object_material(obj), obj.id))
    for part in scene.structure:
        surfaces.append((part.mesh, structure_material(part), STRUCTURE_ID))
    vertices = np.empty((sum(len(mesh.faces) for mesh, _, _ in surfaces), 3), dtype=_VERTEX)
    start = 0
    placements = placements or {}
    for mesh, look, instance_id in surfaces:
        out = vertices[start : start + len(mesh.faces)]
        _fill_surface(out, mesh, look, instance_id, placements.get(instance_id))
        start += len(mesh.faces)
    return vertices.reshape(-1)


def natural_vertices(
    scene: Scene, bake: LightBake, placements: Placements | None = None
) -> np.ndarray:
    """The natural look's vertex records of every drawn surface, in the order of
    ``scene_vertices`` (and of the bake): (3 * n_faces,) structured array of
    ``_NATURAL_VERTEX``; the objects ``placements`` names are textured on their own geometry
    (lit where they are: ``bake`` is the state's)."""
    placements = placements or {}
    surfaces = surface_looks(scene, placements)
    vertices = np.empty((sum(len(s.mesh.faces) for s in surfaces), 3), _NATURAL_VERTEX)
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    for index, surface in enumerate(surfaces):
        start, stop = bake.first[index], bake.first[index + 1]
        out = vertices[start:stop]
        mesh, instance_id = surface.mesh, surface.instance
        triangles = np.asarray(mesh.vertices, dtype=np.float64)[np.asarray(mesh.faces)]
        normals = face_normals(triangles)
        out["position"] = triangles
        pose = placements.get(instance_id)  # object ids are never STRUCTURE_ID
        if surface.part is None:
            look = surface.looks[0]
            for corner in range(3):
                points, facing = rest_points(triangles[:, corner], normals, pose)
                out["uv"][:, corner, :2] = surface_uv(points, facing, look)
            out["uv"][..., 2] = MATERIALS.index(look.material)
        else:  # each face textured by its own look
            which = surface.face_looks()
            offset = np.array([look.offset for look in surface.looks])[which]
            period = np.array([np.broadcast_to(look.period, 2) for look in surface.looks])[which]
            for corner in range(3):
                points, facing = rest_points(triangles[:, corner], normals, pose)
                metres = triplanar_uv(points, facing) * TILE_M + offset
                out["uv"][:, corner, :2] = metres / period
            layers = np.array([MATERIALS.index(look.material) for look in surface.looks])
            out["uv"][..., 2] = layers[which][:, None]
        out["bary"] = corners
        grid = np.column_stack(
            [bake.front[start:stop], bake.back[start:stop], bake.divisions[start:stop]]
        )
        out["grid"] = grid[:, None]
        out["code"] = instance_codes(np.array([instance_id]))[0]
    return vertices.reshape(-1)


def world_to_clip(frame: Frame) -> np.ndarray:
    """(4, 4) float64: world points to clip space for ``frame``, OpenCV pixel convention.

    Pixel (u, v) of the image is centred at (u, v) (OpenCV), at (u + 0.5, v + 0.5) in window
    coordinates (OpenGL): the principal point moves by half a pixel. Image row v is window row
    v, the first that ``glReadPixels`` returns, so the read-back needs no flip; that mirrors
    the picture against OpenGL's y-up convention, which turns front faces clockwise.
    """
    K = frame.K  # no skew: Frame refuses it
    width, height = frame.width, frame.height
    near, far = ZNEAR, ZFAR
    projection = np.array(
        [
            [2 * K[0, 0] / width, 0.0, 2 * (K[0, 2] + 0.5) / width - 1, 0.0],
            [0.0, 2 * K[1, 1] / height, 2 * (K[1, 2] + 0.5) / height - 1, 0.0],
            [0.0, 0.0, (far + near) / (far - near), -2 * far * near / (far - near)],
            [0.0, 0.0, 1.0, 0.0],
        ]
    )
    return projection @ np.linalg.inv(frame.pose)


def create_context() -> Any:
    """A standalone OpenGL 3.3 context through EGL (no display needed).

    The libraries are named by their sonames: glcontext's defaults (``libEGL.so``,
    ``libGL.so``) exist only where the -dev packages are installed.
    """
    import moderngl

    return moderngl.create_context(
        standalone=True, backend="egl", libegl="libEGL.so.1", libgl="libGL.so.1"
    )


class _Target:
    """The framebuffer of one image size and the arrays its attachments are read into."""

    def __init__(self, ctx: Any, width: int, height: int) -> None:
        size = (width, height)
        self.attachments = [
            ctx.renderbuffer(size, 3),
            ctx.renderbuffer(size, 1, dtype="i4"),
            ctx.renderbuffer(size, 1, dtype="f4"),
        ]
        self.depth = ctx.depth_renderbuffer(size)
        self.framebuffer = ctx.framebuffer(self.attachments, self.depth)
        self.size = size
        self.rgb = np.empty((height, width, 3), dtype=np.uint8)
        self.codes = np.empty((height, width), dtype=np.int32)
        self.z = np.empty((height, width), dtype=np.float32)

    def release(self) -> None:
        self.framebuffer.release()
        for buffer in (*self.attachments, self.depth):
            buffer.release()


class RasterRenderer:
    """Rasterise one Scene through EGL: RGB, camera z and instance ids from one pass.

    The vertex buffer, shaders and pattern textures live in an OpenGL context of this
    renderer's own, made at the first render; the framebuffer is re-made when the frame size
    changes. Every render makes the context current and restores the previous one, so that
    renderers can be interleaved. Use as a context manager, or call ``close``. Objects given
    only as point clouds are not drawn. A scene whose objects move is drawn in the state of
    each frame's time, by one renderer per state (``ByState``): a moved object is lit where
    it is and keeps its pattern.

    Parameters
    ----------
    scene : Scene
        Surfaces look as ``spatialqa.degradations.materials`` says.
    look : str
        ``classic``: each object its colour and a procedural pattern in triplanar
        coordinates, structure in neutral colours per category, lit by the key light and the
        ambient term. ``natural``: materials by category and room type under the light baked
        once per scene (``materials.bake_light``), interpolated per pixel.
    placements : Placements, optional
        Objects of ``scene`` that a keyframe carried away from their own geometry (a state of
        a moving scene, as ``ByState`` makes it): their patterns are sampled on it.
    """

    def __init__(
        self, scene: Scene, look: str = DEFAULT_LOOK, placements: Placements | None = None
    ) -> None:
        if look not in LOOKS:
            raise ValueError(f"look: must be one of {LOOKS} (got {look!r})")
        self._scene = scene
        self._look = look
        self._placements = dict(placements or {})
        self._ctx: Any = None
        self._target: _Target | None = None
        self._states = ByState(scene, lambda state, placed: RasterRenderer(state, look, placed))

    def _open(self) -> Any:
        """The context with the scene uploaded (made once, again after ``close``)."""
        if self._ctx is None:
            import moderngl

            natural = self._look == "natural"
            bake = bake_light(self._scene) if natural else None
            ctx = create_context()
            with ctx:
                if natural:
                    shaders = (_NATURAL_VERTEX_SHADER, _NATURAL_FRAGMENT_SHADER)
                    vertices = natural_vertices(self._scene, bake, self._placements)
                    layout, record = _NATURAL_FORMAT, _NATURAL_VERTEX
                    names, size, layers = MATERIALS, MATERIAL_PX, display_textures()
                else:
                    shaders = (_VERTEX_SHADER, _FRAGMENT_SHADER)
                    vertices = scene_vertices(self._scene, self._placements)
                    layout, record = _VERTEX_FORMAT, _VERTEX
                    names, size = ALL_PATTERNS, TEXTURE_PX
                    layers = np.stack([pattern_texture(name) for name in names]) ** _DISPLAY
                program = ctx.program(vertex_shader=shaders[0], fragment_shader=shaders[1])
                # An empty buffer is an error in OpenGL: a scene with nothing to draw gets one
                # vertex (no triangle), and every pixel stays background.
                self._vertex_count = len(vertices)
                data = vertices if len(vertices) else np.zeros(1, record)
                self._buffer = ctx.buffer(data.view(np.uint8))
                self._vao = ctx.vertex_array(program, [(self._buffer, *layout)])
                self._patterns = ctx.texture_array(
                    (size, size, len(names)), 1, layers.astype(np.float32).tobytes(), dtype="f4"
                )
                self._patterns.filter = (moderngl.LINEAR, moderngl.LINEAR)
                self._patterns.repeat_x = self._patterns.repeat_y = True
                self._patterns.use(0)
                program["materials" if natural else "patterns"].value = 0
                if natural:
                    self._light = _light_texture(ctx, bake.values)
                    self._light.use(1)
                    program["light"].value = 1
                    self._sky = ctx.program(
                        vertex_shader=_SKY_VERTEX_SHADER, fragment_shader=_SKY_FRAGMENT_SHADER
                    )
                    self._sky_vao = ctx.vertex_array(self._sky, [])
                self._program = program
                ctx.enable(moderngl.DEPTH_TEST)
                ctx.front_face = "cw"  # see world_to_clip
            self._ctx = ctx
        return self._ctx

    def _draw(self, frame: Frame) -> _Target:
        """Draw ``frame`` into the framebuffer of its size; the context must be current."""
        if self._target is None or self._target.size != (frame.width, frame.height):
            if self._target is not None:
                self._target.release()
            self._target = _Target(self._ctx, frame.width, frame.height)
        clip = world_to_clip(frame)
        self._program["world_to_clip"].write(clip.T.astype(np.float32).tobytes())
        to_camera = np.linalg.inv(frame.pose)
        self._program["world_to_z"].write(to_camera[2].astype(np.float32).tobytes())
        target = self._target
        target.framebuffer.use()
        target.framebuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        self._vao.render(vertices=self._vertex_count)
        if self._look == "natural":
            to_world = frame.pose[:3, :3] @ np.linalg.inv(frame.K)
            self._sky["pixel_to_world"].write(to_world.T.astype(np.float32).tobytes())
            self._ctx.depth_func = "<="
            self._sky_vao.render(vertices=3)
            self._ctx.depth_func = "<"
        return target

    def render_rgb(self, frame: Frame) -> np.ndarray:
        """The RGB image alone, (H, W, 3) uint8."""
        if self._scene.moves:
            return self._states(frame).render_rgb(frame)
        with self._open():
            target = self._draw(frame)
            target.framebuffer.read_into(target.rgb, components=3, attachment=0)
            return target.rgb.copy()

    def render(self, frame: Frame) -> RenderedFrame:
        """Render ``frame``: RGB, camera z and instance ids from one pass (objects where they
        are at the frame's time)."""
        if self._scene.moves:
            return self._states(frame).render(frame)
        with self._open():
            target = self._draw(frame)
            target.framebuffer.read_into(target.rgb, components=3, attachment=0)
            target.framebuffer.read_into(target.codes, components=1, attachment=1, dtype="i4")
            target.framebuffer.read_into(target.z, components=1, attachment=2, dtype="f4")
            return RenderedFrame(
                rgb=target.rgb, depth=target.z, instance=decode_instances(target.codes)
            )

    def close(self) -> None:
        """Release the OpenGL context; the renderer can still render (it makes a new one)."""
        self._states.close()
        if self._ctx is not None:
            self._ctx.release()  # destroys every object in it; the EGL display stays
        self._ctx = None
        self._target = None

    def __enter__(self) -> RasterRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


def _light_texture(ctx: Any, values: np.ndarray) -> Any:
    """The baked light bytes as an RGBA8 texture (A unused), LIGHT_TEXTURE_WIDTH wide, read
    with texelFetch (no filtering): a byte per channel is cheaper to fetch than a float."""
    import moderngl

    rows = max(1, -(-len(values) // LIGHT_TEXTURE_WIDTH))
    data = np.zeros((rows * LIGHT_TEXTURE_WIDTH, 4), dtype=np.uint8)
    data[: len(values), :3] = values
    texture = ctx.texture((LIGHT_TEXTURE_WIDTH, rows), 4, data.tobytes())
    texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
    return texture


PyrenderRenderer = RasterRenderer
"""The name configs and callers know the rasterising backend by (``backend: pyrender``)."""

__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
