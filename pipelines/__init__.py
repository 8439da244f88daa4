"""Builds: configs, sharding on Ray, Parquet, manifests, the command line.

The names below are loaded on first use: the command line lives in this package, and
``spatialqa --help`` must not pay for Ray, the oracle and open3d. The build and the plan are
the modules ``spatialqa.pipelines.build`` and ``spatialqa.pipelines.plan`` (their functions
``build.build`` and ``plan.plan``): a function re-exported here under a module's name would
hide the module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatialqa import lazy

if TYPE_CHECKING:
    from spatialqa.pipelines.config import BuildConfig, load_config, parse_config
    from spatialqa.pipelines.export import export_conversations, export_llava
    from spatialqa.pipelines.lmms_eval import export_vsibench
    from spatialqa.pipelines.plan import Shard, fingerprint
    from spatialqa.pipelines.vlmevalkit import export_vlmevalkit

HOMES = {
    "BuildConfig": "config",
    "load_config": "config",
    "parse_config": "config",
    "export_conversations": "export",
    "export_llava": "export",
    "export_vlmevalkit": "vlmevalkit",
    "export_vsibench": "lmms_eval",
    "Shard": "plan",
    "fingerprint": "plan",
}
"""Each exported name -> the module of this package that defines it."""

__getattr__ = lazy.exports(__name__, HOMES)


__all__ = [
    "BuildConfig",
    "Shard",
    "export_conversations",
    "export_llava",
    "export_vlmevalkit",
    "export_vsibench",
    "fingerprint",
    "load_config",
    "parse_config",
]
