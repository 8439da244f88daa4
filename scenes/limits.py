"""What one scene may cost, checked right after loading and before any computation.

A scene far beyond the usual (a 100,000-pixel-wide camera, a 30000 x 30000 PNG that
compresses to a few kilobytes, millions of objects) would otherwise exhaust a worker's memory
mid-build with no reason recorded. ``check_limits`` turns each into a ``SceneError`` that
names the field and the limit, so the build skips the scene with that reason. Captured images
are measured from their header only: nothing is decoded.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from spatialqa.errors import SceneError
from spatialqa.scenes.files import MISSING, file_problem
from spatialqa.scenes.io import SCENE_FILE
from spatialqa.scenes.scene import Scene

__all__ = ["Limits", "check_limits", "image_header_size"]


@dataclass(frozen=True)
class Limits:
    """The ``limits:`` section of a build config (``LimitsSpec``), as far as a scene goes."""

    max_image_side: int = 8192
    max_image_pixels: int = 40_000_000
    max_objects: int = 2000
    max_vertices: int = 20_000_000
    max_keyframes: int = 1000


def check_limits(scene: Scene, limits: Limits, root: str | Path | None = None) -> None:
    """Raise SceneError naming the field when the scene exceeds a limit.

    Checks the object count, the vertices of every mesh and point cloud (objects and
    structure together), the motion keyframes of all objects together, every frame's width
    and height, and, when ``root`` (the directory the frames' ``rgb``/``depth`` paths are
    relative to) is given, every captured image's size read from its header. Errors start
    with the scene (or the file: the image, or the ``scene.json`` that holds the keyframes)
    and name the field: ``scene 'x': trajectories['walkthrough'].frames['f0000'].width:
    100000 px exceeds limits.max_image_side 8192``.
    """
    head = f"scene {scene.scene_id!r}"
    if len(scene.objects) > limits.max_objects:
        raise SceneError(
            f"{head}: objects: {len(scene.objects)} objects exceed limits.max_objects "
            f"{limits.max_objects}"
        )
    vertices = sum(
        (0 if obj.mesh is None else len(obj.mesh.vertices))
        + (0 if obj.points is None else len(obj.points))
        for obj in scene.objects
    ) + sum(len(part.mesh.vertices) for part in scene.structure)
    if vertices > limits.max_vertices:
        raise SceneError(
            f"{head}: objects, structure: {vertices} vertices and points exceed "
            f"limits.max_vertices {limits.max_vertices}"
        )
    _check_keyframes(scene, limits, root)
    for trajectory in scene.trajectories:
        for frame in trajectory.frames:
            where = f"trajectories[{trajectory.name!r}].frames[{frame.id!r}]"
            for name in ("width", "height"):
                side = getattr(frame, name)
                if side > limits.max_image_side:
                    raise SceneError(
                        f"{head}: {where}.{name}: {side} px exceeds limits.max_image_side "
                        f"{limits.max_image_side}"
                    )
            if frame.width * frame.height > limits.max_image_pixels:
                raise SceneError(
                    f"{head}: {where}.width x height: {frame.width} x {frame.height} = "
                    f"{frame.width * frame.height} px exceeds limits.max_image_pixels "
                    f"{limits.max_image_pixels}"
                )
    if root is None:
        return
    for trajectory in scene.trajectories:  # the headers, once every cheap check has passed
        for frame in trajectory.frames:
            where = f"trajectories[{trajectory.name!r}].frames[{frame.id!r}]"
            for name in ("rgb", "depth"):
                relative = getattr(frame, name)
                if relative is not None:
                    _check_image(Path(root) / relative, f"{where}.{name}", limits)


def _check_keyframes(scene: Scene, limits: Limits, root: str | Path | None) -> None:
    """Refuse more motion keyframes, all objects together, than ``limits.max_keyframes``:
    each can be a state of the scene (``Scene.at``) with its own placed objects and derived
    geometry, so their count bounds what a moving scene costs. Only a ``scene.json`` carries
    keyframes; the error names it when ``root`` holds one."""
    counts = {obj.id: len(obj.motion) for obj in scene.objects if obj.motion}
    total = sum(counts.values())
    if total <= limits.max_keyframes:
        return
    most = max(counts, key=lambda ident: (counts[ident], -ident))
    file = None if root is None else Path(root) / SCENE_FILE
    head = (
        f"{file}: scene {scene.scene_id!r}"
        if file is not None and file.is_file()
        else f"scene {scene.scene_id!r}"
    )
    raise SceneError(
        f"{head}: objects[].motion: {total} keyframes (the most: objects[id={most}].motion, "
        f"{counts[most]}) exceed limits.max_keyframes {limits.max_keyframes}"
    )


def _check_image(path: Path, where: str, limits: Limits) -> None:
    width, height = image_header_size(path, where)
    pixels = width * height
    if pixels > limits.max_image_pixels:
        raise SceneError(
            f"{path}: {where}: image {width} x {height} = {pixels} px exceeds "
            f"limits.max_image_pixels {limits.max_image_pixels}"
        )
    if max(width, height) > limits.max_image_side:
        raise SceneError(
            f"{path}: {where}: image {width} x {height} exceeds limits.max_image_side "
            f"{limits.max_image_side}"
        )


def image_header_size(path: str | Path, where: str = "image") -> tuple[int, int]:
    """(width, height) of an image file from its header alone, whatever its size.

    ``Image.open`` reads only the header; PIL's decompression-bomb guard (a warning above
    ``Image.MAX_IMAGE_PIXELS``, an error above twice that) is suppressed here, and for an
    image past the error the format's own opener, which has no guard, gives the size.
    Nothing global is changed. Raises SceneError naming ``where`` for a missing file, one that
    is not a regular file (a FIFO is never opened: it would block) or an unreadable header.
    """
    problem = file_problem(path)
    if problem is not None:
        raise SceneError(f"{path}: {where}: {'file not found' if problem == MISSING else problem}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                with Image.open(path) as image:
                    return image.size
            except Image.DecompressionBombError:
                return _unguarded_size(Path(path))
    except (OSError, ValueError, SyntaxError, struct.error) as exc:
        raise SceneError(f"{path}: {where}: cannot read the image header ({exc})") from None


def _unguarded_size(path: Path) -> tuple[int, int]:
    """What ``Image.open`` does, less its decompression-bomb check: the first registered
    format that accepts the file's first bytes opens it, which parses the header only."""
    Image.init()
    with open(path, "rb") as handle:
        prefix = handle.read(16)
        for name in Image.ID:
            factory, accept = Image.OPEN[name]
            verdict = accept(prefix) if accept else True
            if not verdict or isinstance(verdict, str):
                continue
            handle.seek(0)
            try:
                return factory(handle, str(path)).size
            except (SyntaxError, IndexError, TypeError, struct.error):
                continue
    raise OSError(f"cannot identify image file {str(path)!r}")
