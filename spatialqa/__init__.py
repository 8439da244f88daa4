"""spatialqa: exact spatial question-answer datasets from 3D scenes.

The work lives in five subpackages, one per layer, and data flows one way through them:
``scenes`` -> ``oracle`` -> ``generators`` and ``degradations`` -> ``pipelines``.

The library calls below load on first use, so ``import spatialqa`` (and ``spatialqa --help``)
pays for no Ray, pyarrow or open3d::

    spatialqa.build(config, out)          # a build on Ray, as ``spatialqa build``; the manifest
    spatialqa.generate(config)            # the same sample rows, made in this process
    spatialqa.load(out)                   # a datasets.Dataset, images joined from frames/
    spatialqa.ray_dataset(config)         # a ray.data.Dataset of the sample rows
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatialqa import lazy, moved
from spatialqa.errors import ConfigError, SceneError, SpatialQAError, TaskError

if TYPE_CHECKING:
    from spatialqa.pipelines.datasource import ray_dataset
    from spatialqa.pipelines.library import build, generate, load

moved.install()  # old module paths keep working, with a warning, for one release

HOMES = {
    "build": "pipelines.library",
    "generate": "pipelines.library",
    "load": "pipelines.library",
    "ray_dataset": "pipelines.datasource",
}
"""Each library call -> the module of ``spatialqa`` that defines it."""

__getattr__ = lazy.exports(__name__, HOMES)

__version__ = "0.1.0"
__all__ = [
    "ConfigError",
    "SceneError",
    "SpatialQAError",
    "TaskError",
    "__version__",
    "build",
    "generate",
    "load",
    "ray_dataset",
]
