"""Builds: configs, sharding on Ray, Parquet, manifests, the command line."""

from spatialqa.pipelines.build import build
from spatialqa.pipelines.config import BuildConfig, load_config, parse_config
from spatialqa.pipelines.export import export_llava, export_vsibench
from spatialqa.pipelines.plan import Shard, fingerprint, plan

__all__ = [
    "BuildConfig",
    "Shard",
    "build",
    "export_llava",
    "export_vsibench",
    "fingerprint",
    "load_config",
    "parse_config",
    "plan",
]
