"""What a shard will cost in memory, estimated from the scene before any work is done.

A scene too big for a worker would otherwise be found out by the kernel's OOM killer, after
minutes of work, with no reason recorded. The estimate is an upper figure from three parts:
- geometry: every vertex (and point) with its copies (float64 arrays, Open3D's float32 ray
  casting scenes, KD-trees, surface samples);
- visibility: the per-frame arrays of every traced frame (the views; with abstention, the
  whole trajectory) at the scene's own resolution, as
  ``spatialqa.oracle.visibility.visibility_bytes`` states them;
- images: every shown view rendered at the config's size (colour, depth, instance ids), held
  while its degraded variants are made.
"""

from __future__ import annotations

from spatialqa.errors import SceneError
from spatialqa.oracle.visibility import visibility_bytes
from spatialqa.pipelines.config import BuildConfig
from spatialqa.scenes import Scene

GIB = 1 << 30
BASE_BYTES = 400 << 20
"""A worker's own footprint: the interpreter, numpy, Open3D, trimesh, the renderer."""
BYTES_PER_VERTEX = 1500
"""Measured: a 917k-vertex scan peaks 1.0 GiB above a 1k-vertex room with the same views
(``python bench/bench_memory.py``), 1.2 KB a vertex; rounded up."""
BYTES_PER_RENDERED_PIXEL = 24
"""uint8 colour (3), float32 depth (4), int32 instance ids (4), and a float64 working copy
of a degraded channel (8), rounded up."""


def _parts(config: BuildConfig, scene: Scene) -> dict[str, int]:
    vertices = sum(len(obj.vertices) for obj in scene.objects)
    vertices += sum(len(part.mesh.vertices) for part in scene.structure)
    try:
        frames = scene.trajectory(config.views.trajectory).frames
    except SceneError:  # a missing trajectory is reported when views are picked
        frames = ()
    pixels = max((f.width * f.height for f in frames), default=0)
    shown = min(config.views.frames, len(frames))
    # abstention looks for what the views miss in every frame of the trajectory, and the
    # framing rule may judge every frame before enough pass
    rule = config.views.framing
    judged = rule is not None and rule.applies_to(scene.source.kind)
    traced = len(frames) if config.abstention_share > 0 or judged else shown
    variants = sum(len(spec.variants) for spec in config.degradations)
    images = shown * config.render.width * config.render.height * BYTES_PER_RENDERED_PIXEL
    if config.output.inline_images == "none":
        images = 0
    return {
        "geometry": vertices * BYTES_PER_VERTEX,
        "visibility": visibility_bytes(len(scene.objects), pixels, traced),
        "images": images * (1 + (variants > 1)),
    }


def shard_memory(config: BuildConfig, scene: Scene) -> int:
    """Estimated peak bytes of building ``scene`` with ``config``."""
    return BASE_BYTES + sum(_parts(config, scene).values())


def describe_memory(config: BuildConfig, scene: Scene) -> str:
    """The estimate's parts, for the reason a scene is skipped."""
    return ", ".join(f"{name} {size / GIB:.1f} GiB" for name, size in _parts(config, scene).items())
