"""Render RGB, depth and instance masks of a Scene: pyrender offscreen through EGL.

The rasterised depth is for degradations (haze, defocus) only; ground truth comes from the
oracle's ray casting, never from this 24-bit depth buffer.

numpy 2: pyrender 0.1.45 uses ``np.infty`` (removed in numpy 2) in ``Mesh.bounds``, which
``pyrender.Scene.bounds``, ``.centroid``, ``.scale`` and the shadow-mapping flags reach. This
module is the one place that deals with it, by never taking those paths: no bounds are asked
for, the flags are the two constants below (no shadows) and the camera always has a finite
``zfar``. No monkeypatch; a test renders with ``np.infty`` deleted to keep it so.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from spatialqa.degradations.materials import (
    Material,
    object_material,
    structure_material,
    texture_image,
    triplanar_uv,
)
from spatialqa.errors import ConfigError, SceneError
from spatialqa.scenes import Frame, Scene

if TYPE_CHECKING:
    import trimesh

# PyOpenGL picks its platform when first imported: EGL renders with no display (Mesa llvmpipe
# without a GPU). pyrender is imported lazily, after this line, in ``_pyrender``.
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

logger = logging.getLogger(__name__)

STRUCTURE_ID = -1
BACKGROUND_ID = -2
ZNEAR = 0.05
ZFAR = 100.0
# SEG colours encode ``instance id + 2`` in 24 bits, so that the clear colour (0) decodes to
# BACKGROUND_ID and 1 to STRUCTURE_ID.
_SEG_OFFSET = 2
MAX_INSTANCE_ID = (1 << 24) - 1 - _SEG_OFFSET

# One light besides the ambient term: pyrender binds lights in set order, and with two the
# order of their floating-point sum (hence a rounded pixel here and there) would vary by run.
AMBIENT = 0.55
KEY_LIGHT_INTENSITY = 2.5
# Mostly downwards and a little sideways, so that the faces of an axis-aligned box differ.
KEY_LIGHT_DIRECTION = (0.35, 0.2, -1.0)
# OpenCV camera axes (x right, y down, z forward) -> OpenGL (x right, y up, z backward).
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])


@dataclass(frozen=True, eq=False)
class View:
    """What a renderer sees from one frame; the arrays are read-only.

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
                raise ValueError(f"View.{name}: unexpected shape {array.shape}")
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        if not self.rgb.shape[:2] == self.depth.shape == self.instance.shape:
            raise ValueError(
                f"View: rgb {self.rgb.shape}, depth {self.depth.shape} and instance "
                f"{self.instance.shape} must share height and width"
            )


class Renderer(Protocol):
    """A backend that turns frames of one Scene into Views (pyrender, a ray caster, ...)."""

    def render(self, frame: Frame) -> View: ...

    def render_rgb(self, frame: Frame) -> np.ndarray:
        """The RGB image alone, (H, W, 3) uint8 (motion blur's sub-frames need no more)."""
        ...

    def close(self) -> None: ...


def _pyrender() -> Any:
    import pyrender

    return pyrender


def _two_sided(mesh: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    """Flat-shaded positions and normals, each face also added reversed with its normal negated.

    Back faces stay culled, yet a wall is lit correctly and masked from either side whatever
    the winding of the source mesh (scans and room shells wind either way).

    Returns
    -------
    positions, normals : (6 * n_faces, 3) float32
    """
    triangles = np.asarray(mesh.vertices, dtype=np.float64)[np.asarray(mesh.faces)]
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
    front_normals = np.repeat(normals, 3, axis=0)
    positions = np.concatenate([triangles.reshape(-1, 3), triangles[:, ::-1].reshape(-1, 3)])
    return (
        positions.astype(np.float32),
        np.concatenate([front_normals, -front_normals]).astype(np.float32),
    )


def _seg_color(instance_id: int) -> tuple[int, int, int]:
    code = instance_id + _SEG_OFFSET
    return (code & 0xFF, (code >> 8) & 0xFF, (code >> 16) & 0xFF)


def decode_instances(seg: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 SEG colours -> (H, W) int32 instance ids (inverse of the encoding)."""
    seg = seg.astype(np.int32)
    return seg[..., 0] + (seg[..., 1] << 8) + (seg[..., 2] << 16) - _SEG_OFFSET


def _release(offscreen: Any) -> None:
    """Free an OffscreenRenderer's GL objects and EGL context, but never terminate the display.

    pyrender's ``delete`` (also run by its ``__del__``) calls ``eglTerminate`` on the EGL
    display, which every context in the process shares: closing or dropping one renderer
    would break every other live one (``EGL_BAD_DISPLAY`` on their next ``eglMakeCurrent``).
    """
    from OpenGL.EGL import EGL_NO_CONTEXT, EGL_NO_SURFACE, eglDestroyContext, eglMakeCurrent

    platform = offscreen._platform
    platform.make_current()
    offscreen._renderer.delete()
    display, context = platform._egl_display, platform._egl_context
    eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT)
    eglDestroyContext(display, context)
    # Leave pyrender's __del__ methods nothing to delete, hence nothing to terminate.
    platform._egl_display = platform._egl_context = None
    offscreen._platform = offscreen._renderer = None


def _look_along(direction: tuple[float, float, float]) -> np.ndarray:
    """A 4x4 pose whose -z axis (pyrender's light direction) points along ``direction``."""
    back = -np.asarray(direction, dtype=np.float64)
    back /= np.linalg.norm(back)
    helper = np.array([0.0, 1.0, 0.0]) if abs(back[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    right = np.cross(helper, back)
    right /= np.linalg.norm(right)
    pose = np.eye(4)
    pose[:3, :3] = np.column_stack([right, np.cross(back, right), back])
    return pose


class PyrenderRenderer:
    """Rasterise one Scene with pyrender through EGL: lit RGB, then depth and masks in a SEG pass.

    The pyrender scene is built once; one OffscreenRenderer (one EGL context) lives at the
    current frame size and is re-created when the size changes. Use as a context manager, or
    call ``close``. Objects given only as point clouds are not drawn.

    Parameters
    ----------
    scene : Scene
        Surfaces look as ``spatialqa.degradations.materials`` says: each object its colour
        and a procedural pattern (a texture in triplanar coordinates), structure in neutral
        colours per category.
    """

    def __init__(self, scene: Scene) -> None:
        platform = os.environ.get("PYOPENGL_PLATFORM")
        if platform != "egl":
            raise ConfigError(f"PYOPENGL_PLATFORM: PyrenderRenderer needs 'egl' (got {platform!r})")
        pyrender = _pyrender()
        self._scene = scene
        self._pr_scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 1.0), ambient_light=[AMBIENT] * 3)
        self._seg_map: dict[Any, tuple[int, int, int]] = {}
        self._draw_order: list[Any] = []
        self._textures: dict[str, Any] = {}
        for obj in scene.objects:
            if obj.id > MAX_INSTANCE_ID:
                raise SceneError(
                    f"objects[id={obj.id}].id: the renderer encodes ids up to {MAX_INSTANCE_ID}"
                )
            if obj.mesh is None:
                logger.debug("scene %s: object %d has no mesh; not drawn", scene.scene_id, obj.id)
                continue
            self._add_mesh(obj.mesh, object_material(obj), _seg_color(obj.id))
        for part in scene.structure:
            self._add_mesh(part.mesh, structure_material(part), _seg_color(STRUCTURE_ID))
        self._camera = pyrender.IntrinsicsCamera(1.0, 1.0, 0.0, 0.0, znear=ZNEAR, zfar=ZFAR)
        self._camera_node = self._pr_scene.add(self._camera, pose=np.eye(4))
        self._pr_scene.add(
            pyrender.DirectionalLight(color=np.ones(3), intensity=KEY_LIGHT_INTENSITY),
            pose=_look_along(KEY_LIGHT_DIRECTION),
        )
        self._offscreen: Any = None
        self._size: tuple[int, int] | None = None
        flags = pyrender.RenderFlags
        self._color_flags = flags.NONE
        self._seg_flags = flags.SEG

    def _texture(self, pattern: str) -> Any:
        if pattern not in self._textures:
            pyrender = _pyrender()
            from OpenGL.GL import GL_LINEAR, GL_LINEAR_MIPMAP_LINEAR, GL_REPEAT

            sampler = pyrender.Sampler(
                magFilter=GL_LINEAR,
                minFilter=GL_LINEAR_MIPMAP_LINEAR,
                wrapS=GL_REPEAT,
                wrapT=GL_REPEAT,
            )
            self._textures[pattern] = pyrender.Texture(
                source=texture_image(pattern), source_channels="RGB", sampler=sampler
            )
        return self._textures[pattern]

    def _add_mesh(self, mesh: trimesh.Trimesh, look: Material, seg: tuple[int, int, int]) -> None:
        pyrender = _pyrender()
        positions, normals = _two_sided(mesh)
        texcoords = triplanar_uv(positions.astype(np.float64), normals.astype(np.float64))
        material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=(*(np.asarray(look.color) / 255.0), 1.0),
            baseColorTexture=self._texture(look.pattern),
            metallicFactor=0.0,
            roughnessFactor=0.9,
        )
        primitive = pyrender.Primitive(
            positions=positions,
            normals=normals,
            texcoord_0=texcoords.astype(np.float32),
            material=material,
        )
        node = self._pr_scene.add(pyrender.Mesh([primitive]))
        self._seg_map[node] = seg
        self._draw_order.append(node)

    def _renderer_for(self, width: int, height: int) -> Any:
        if self._size != (width, height):
            self.close()
            self._offscreen = _pyrender().OffscreenRenderer(width, height)
            # pyrender draws meshes in set order (by memory address) where distances to the
            # camera tie, as they all do here (identity poses): where surfaces touch, the
            # winner would change from run to run. Draw in the scene's own order instead.
            # (A closure over the list, not over self: no cycle for the collector to break
            # in the wrong order, see _release.)
            order = self._draw_order
            self._offscreen._renderer._sorted_mesh_nodes = lambda _scene: order
            self._size = (width, height)
        return self._offscreen

    def _set_camera(self, frame: Frame) -> Any:
        K = frame.K  # no skew: Frame refuses it
        # OpenCV puts pixel centres at integers, OpenGL at integer + 0.5: shift the principal
        # point half a pixel so that a point projecting to (u, v) lands on pixel (u, v).
        self._camera.fx, self._camera.fy = K[0, 0], K[1, 1]
        self._camera.cx, self._camera.cy = K[0, 2] + 0.5, K[1, 2] + 0.5
        self._pr_scene.set_pose(self._camera_node, frame.pose @ CV_TO_GL)
        return self._renderer_for(frame.width, frame.height)

    def render_rgb(self, frame: Frame) -> np.ndarray:
        """The lit, multisampled RGB pass alone, (H, W, 3) uint8."""
        rgb, _ = self._set_camera(frame).render(self._pr_scene, flags=self._color_flags)
        return np.array(rgb, dtype=np.uint8)

    def render(self, frame: Frame) -> View:
        """Render ``frame``: RGB from a lit multisampled pass, depth and ids from a SEG pass."""
        rgb = self.render_rgb(frame)
        offscreen = self._set_camera(frame)
        # Depth from the SEG pass: sampled at pixel centres like the mask (the lit pass is
        # multisampled), so depth > 0 exactly where the instance is not background.
        seg, depth = offscreen.render(
            self._pr_scene, flags=self._seg_flags, seg_node_map=self._seg_map
        )
        return View(rgb=rgb, depth=depth, instance=decode_instances(seg))

    def close(self) -> None:
        """Release the EGL context; the renderer can still render (it makes a new one)."""
        if self._offscreen is not None:
            _release(self._offscreen)
        self._offscreen = None
        self._size = None

    def __enter__(self) -> PyrenderRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Release before pyrender's own __del__ would terminate the shared EGL display.
        with contextlib.suppress(Exception):
            self.close()
