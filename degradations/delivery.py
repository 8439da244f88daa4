"""From a scene's frames to delivered images: pick a backend, render once, degrade per variant.

``render_and_degrade`` is what a build calls: each frame is rendered once (or read from the
scan's captured images), then every variant (a degradation type and severity, or clean) is
applied with a generator seeded by (seed, scene, frame, type, severity), or by (seed, scene,
type, severity) for a degradation whose draws hold for a whole video.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from spatialqa import moved
from spatialqa.degradations.labels import PixelMap, compose, resample, rescale
from spatialqa.degradations.materials import DEFAULT_LOOK
from spatialqa.degradations.raycast import RaycastRenderer
from spatialqa.degradations.registry import get_degradation
from spatialqa.degradations.render import RasterRenderer, RenderedFrame, Renderer, create_context
from spatialqa.errors import ConfigError, SceneError
from spatialqa.scenes import Frame, Scene
from spatialqa.scenes.camera import pixel_rays
from spatialqa.scenes.limits import image_header_size
from spatialqa.scenes.scene import Distortion
from spatialqa.scenes.undistort import remap, undistortion_maps
from spatialqa.seeding import rng_for

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "raster", "pyrender", "raycast")
"""``pyrender`` is the old name of ``raster``, kept so that existing configs still build."""
# Bump when the rendered pixels of the same scene and frame change (materials, lights, shading):
# it is part of a build's fingerprint, so a resumed build never mixes old and new frames.
RENDER_VERSION = 6
CLEAN = ("clean", 0)


@functools.cache
def egl_available() -> bool:
    """Whether an OpenGL context opens through EGL here (tried once per process)."""
    try:
        create_context().release()
    except Exception as exc:  # any failure to load or initialise EGL means: not here
        logger.info("EGL is not usable (%s: %s); rendering by ray casting", type(exc).__name__, exc)
        return False
    return True


def resolve_backend(backend: str) -> str:
    """``auto`` decided: ``raster`` where EGL works in this process, else ``raycast``.

    Why: the two backends draw different bytes, so a build decides once, on its driver, and
    every worker renders with that backend (one that cannot fails its scene loudly instead of
    falling back); the decision enters the build's fingerprint.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"render.backend: must be one of {BACKENDS} (got {backend!r})")
    if backend == "auto":
        return "raster" if egl_available() else "raycast"
    return "raster" if backend == "pyrender" else backend


def make_renderer(scene: Scene, backend: str = "auto", root: str | Path | None = None) -> Renderer:
    """A renderer of ``scene``: ``raster`` (the rasteriser, through EGL; ``pyrender`` is its
    old name), ``raycast`` (CPU), or ``auto`` (the rasteriser where EGL works, else raycast).
    Scenes whose frames carry captured images show those; ``root`` is the scene directory
    their paths are relative to.

    When every frame shows its photo, the mesh's colours are never delivered (the geometry
    renderer gives depth and ids only), so it draws the classic look: no light bake, which
    costs a scan's mesh the most."""
    frames = [f for t in scene.trajectories for f in t.frames]
    captured = any(f.rgb is not None for f in frames)
    photos_only = root is not None and all(f.rgb is not None for f in frames) and bool(frames)
    look = "classic" if photos_only else DEFAULT_LOOK
    if resolve_backend(backend) == "raster":
        renderer: Renderer = RasterRenderer(scene, look)
    else:
        renderer = RaycastRenderer(scene, look)
    if captured and root is None:
        logger.warning(
            "scene %s: frames name captured images, but the scene directory is unknown: "
            "rendering the mesh instead",
            scene.scene_id,
        )
    return CapturedRenderer(scene, root, renderer) if captured and root is not None else renderer


def _read_rgb(
    path: Path,
    where: str,
    size: tuple[int, int],
    maps: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """A captured image as (H, W, 3) uint8 at ``size``, resized bilinearly when it differs;
    first resampled through ``maps`` (``scenes.undistort.remap``) when given, exactly as
    ``spatialqa scene convert`` resamples it before writing."""
    try:
        with Image.open(path) as image:
            picture = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SceneError(f"{where}: cannot read {path} ({exc})") from None
    if maps is not None:
        picture = Image.fromarray(remap(np.asarray(picture), maps))
    if picture.size != size:
        picture = picture.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(picture, dtype=np.uint8)


class CapturedRenderer:
    """Frames of a scan show their captured images; the geometry renderer supplies depth and
    instance masks (from the mesh, so aligned with the colour camera by construction, where a
    captured depth image has its own camera, resolution and holes).

    A frame at a pose other than the captured one (a motion-blur sub-frame: same id, moved
    pose) is the captured image seen from there: each pixel's surface point, ray cast from
    the new pose, is projected into the captured camera and sampled.

    A captured image taken through a distorting lens (the scene's frame carries its
    ``distortion``) is resampled into the scene frame's pinhole camera on reading, with the
    maps and interpolation ``spatialqa scene convert`` uses, then resized like any other.
    The maps (two float32 arrays of the frame's size) are kept per camera, the last
    ``MAPS_KEPT`` of them, so a trajectory through one lens computes them once.
    """

    MAPS_KEPT = 4

    def __init__(self, scene: Scene, root: str | Path, geometry: Renderer) -> None:
        self._scene = scene
        self._root = Path(root)
        self._geometry = geometry
        self._cache: dict[tuple[str, int, int], np.ndarray] = {}
        self._maps: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def _captured(self, frame: Frame) -> np.ndarray:
        key = (frame.id, frame.width, frame.height)
        if key not in self._cache:
            where = f"frame {frame.id!r}.rgb"
            path = self._root / str(frame.rgb)
            own = self._scene.frame(frame.id)
            maps = None
            if own.distortion is not None:
                lens = own.distortion
                size = image_header_size(path, where)
                if size != (lens.width, lens.height):
                    raise SceneError(
                        f"{path}: {where}: image is {size[0]} x {size[1]}, but frame "
                        f"{frame.id!r}.distortion says {lens.width} x {lens.height}"
                    )
                maps = self._undistortion(lens, own)
            self._cache[key] = _read_rgb(path, where, (frame.width, frame.height), maps)
        return self._cache[key]

    def _undistortion(self, lens: Distortion, own: Frame) -> tuple[np.ndarray, np.ndarray]:
        """The maps from ``lens`` (that of ``own``'s image) to ``own``'s pinhole camera,
        computed once per lens and camera."""
        key = (lens.key, own.K.tobytes(), own.width, own.height)
        if key not in self._maps:
            if len(self._maps) >= self.MAPS_KEPT:
                del self._maps[next(iter(self._maps))]
            self._maps[key] = undistortion_maps(lens, own.K, own.width, own.height)
        return self._maps[key]

    def _captured_frame(self, frame: Frame) -> Frame:
        """The captured camera at ``frame``'s image size (intrinsics scaled like the image)."""
        original = self._scene.frame(frame.id)
        return dataclasses.replace(frame, pose=original.pose)

    def render(self, frame: Frame) -> RenderedFrame:
        geometry = self._geometry.render(frame)
        if frame.rgb is None:
            return geometry
        return RenderedFrame(
            rgb=self.render_rgb(frame), depth=geometry.depth, instance=geometry.instance
        )

    def render_rgb(self, frame: Frame) -> np.ndarray:
        if frame.rgb is None:
            return self._geometry.render_rgb(frame)
        image = self._captured(frame)
        captured = self._captured_frame(frame)
        if np.array_equal(captured.pose, frame.pose):
            return image
        depth = self._geometry.render(frame).depth.astype(np.float64)
        v, u = np.mgrid[0 : frame.height, 0 : frame.width].astype(np.float64)
        rays = pixel_rays(frame, dtype=np.float64)
        world = rays[:, :3] + depth.reshape(-1, 1) * rays[:, 3:]
        uv, z = captured.project(world)
        seen = (depth.reshape(-1) > 0) & (z > 0)
        uv = np.where(seen[:, None], uv, np.column_stack([u.ravel(), v.ravel()]))
        grid = np.clip(uv, 0, [frame.width - 1, frame.height - 1]).reshape(
            frame.height, frame.width, 2
        )
        return np.rint(resample(image, grid, order=1)).astype(np.uint8)

    def close(self) -> None:
        self._geometry.close()


@dataclass(frozen=True, eq=False)
class DeliveredFrame:
    """One frame as delivered under one variant.

    Attributes
    ----------
    variant : (type, severity)
        ``("clean", 0)`` for the undegraded render.
    frame : Frame
    image : (H, W, 3) uint8
    params : dict
        The degradation's exact parameters (empty when clean).
    transform : PixelMap or None
        Where the pixels of the scene's own frame (``scene.frame(frame.id)``, where the oracle
        puts 2D labels) went in ``image``: a resize to the delivered size, then whatever the
        degradation moved. None when labels stay as they are.
    """

    variant: tuple[str, int]
    frame: Frame
    image: np.ndarray
    params: dict[str, Any]
    transform: PixelMap | None


def render_and_degrade(
    scene: Scene,
    frames: Sequence[Frame],
    variants: Sequence[tuple[str, int]],
    backend: str = "auto",
    seed: int = 0,
    root: str | Path | None = None,
) -> Iterator[DeliveredFrame]:
    """Render every frame once, then yield it under every variant, variant by variant.

    A generator, so that only one degraded image is held at a time; the renderer stays open
    while it runs (motion blur renders sub-frames through it) and closes when it ends.
    """
    renderer = make_renderer(scene, backend, root)
    try:
        rendered = [renderer.render(frame) for frame in frames]
        resizes = [_resize_of(scene, frame) for frame in frames]
        for variant in variants:
            kind, severity = variant
            degradation = None if kind == "clean" else get_degradation(kind)
            for frame, drawn, resize in zip(frames, rendered, resizes, strict=True):
                if degradation is None:
                    yield DeliveredFrame(tuple(variant), frame, drawn.rgb, {}, resize)
                    continue
                # Settings of a whole video (a lens, haze) are drawn alike for every frame.
                frame_key = (frame.id,) if degradation.per_frame else ()
                rng = rng_for(seed, scene.scene_id, *frame_key, kind, severity)
                result = degradation(
                    drawn.rgb, drawn.depth, frame, severity, rng=rng, render=renderer.render
                )
                moved = result.transform if resize is None else compose(resize, result.transform)
                yield DeliveredFrame(tuple(variant), frame, result.image, result.params, moved)
    finally:
        renderer.close()


def _resize_of(scene: Scene, frame: Frame) -> PixelMap | None:
    """From the scene's own frame of that id to ``frame``'s size; None when they match."""
    try:
        own = scene.frame(frame.id)
    except SceneError:
        return None
    if (own.width, own.height) == (frame.width, frame.height):
        return None
    return rescale((own.width, own.height), (frame.width, frame.height))


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
