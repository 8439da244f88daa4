"""A build as a Ray Data source: ``spatialqa.ray_dataset(config)`` streams the rows a build
would write into ``map_batches``, ``write_parquet`` or a trainer, with no files in between.

One read task per shard (a scene, every task and degradation of the config), made by the
same code as the build's shards (``shard.shard_rows``), so the rows, their ids and their
order within a scene are the build's. The Task classes are resolved here, in the driver, and
travel inside the read tasks: tasks registered in the user's script or notebook work on every
worker.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any

import pyarrow as pa
import ray.data
from ray.data import Datasource, ReadTask
from ray.data.block import BlockMetadata

from spatialqa.pipelines import parquet
from spatialqa.pipelines.config import BuildConfig
from spatialqa.pipelines.library import ConfigLike, as_config
from spatialqa.pipelines.plan import (
    Shard,
    TaskClasses,
    decided,
    fingerprint,
    instantiate_tasks,
    plan_build,
    resolve_tasks,
    shipped_tasks,
)

log = logging.getLogger(__name__)


class SpatialQADatasource(Datasource):
    """The shards of ``config`` (the first ``limit`` scenes when given) as Ray Data reads.

    Scenes a build would skip give no rows (the reason is logged on the worker). A scene whose
    ``scene_id`` an earlier scene of the plan has is left out at planning time: a build keeps
    only the first of a ``scene_id`` too (it would keep the second if the first failed).
    """

    def __init__(self, config: ConfigLike, limit: int | None = None) -> None:
        super().__init__()
        config = as_config(config)
        instantiate_tasks(config)  # unknown tasks and bad params fail here, in the driver
        self.classes: dict = resolve_tasks(config)
        self.config: BuildConfig = decided(config)
        self.build_id = fingerprint(self.config)
        layout = plan_build(self.config)
        warning = layout.leakage_warning()
        if warning:
            log.warning(warning)
        owners: set[str] = set()
        self.shards: list[Shard] = []
        for shard in layout.shards[:limit]:
            scene_id = shard.scene.scene_id
            if scene_id and scene_id in owners:
                log.warning("left out %s: its scene_id %r is taken", shard.scene.name, scene_id)
                continue
            owners.add(scene_id)
            self.shards.append(shard)

    def get_name(self) -> str:
        return f"SpatialQA({self.config.name})"

    def estimate_inmemory_data_size(self) -> int | None:
        return None  # known only once the scenes are asked and their views rendered

    def get_read_tasks(
        self, parallelism: int, per_task_row_limit: int | None = None, **_: Any
    ) -> list[ReadTask]:
        """One read task per shard, whatever ``parallelism`` asks: a shard is the unit the
        plan makes, and splitting or merging scenes would change nothing but the scheduling."""
        tasks = []
        for shard in self.shards:
            read = partial(read_shard, self.config, shard, self.build_id, self.classes)
            extra = {"per_task_row_limit": per_task_row_limit} if per_task_row_limit else {}
            tasks.append(ReadTask(read, block_metadata(), **extra))
        return tasks


def block_metadata() -> BlockMetadata:
    """Metadata of a read whose size is unknown until it runs; Ray's releases differ in which
    fields ``BlockMetadata`` has (``schema`` left it in 2.4x), so only the known ones are set."""
    fields = inspect.signature(BlockMetadata).parameters
    values = {"num_rows": None, "size_bytes": None, "schema": None, "input_files": None}
    values["exec_stats"] = None
    return BlockMetadata(**{name: value for name, value in values.items() if name in fields})


def read_shard(
    config: BuildConfig, shard: Shard, build_id: str, classes: TaskClasses
) -> Iterator[pa.Table]:
    """The sample rows of one shard as one Arrow table of the output schema (empty when the
    build would skip the scene)."""
    from spatialqa.pipelines.shard import SkippedScene, shard_rows

    with shipped_tasks(classes):
        try:
            rows = shard_rows(config, shard, build_id).sample_rows
        except SkippedScene as skipped:
            log.warning("skipped %s", skipped)
            rows = []
    yield pa.Table.from_pylist(rows, schema=parquet.SAMPLES)


def ray_dataset(config: ConfigLike, limit: int | None = None, **read_args: Any) -> ray.data.Dataset:
    """A ``ray.data.Dataset`` of the sample rows a build of ``config`` writes (the first
    ``limit`` scenes when given), made lazily on the Ray cluster this process is connected
    to; when none is, Ray is started (or the cluster at ``RAY_ADDRESS`` joined) as a build
    does, with the config's ``ray.runtime_env`` as the job's environment (``ray.num_cpus``
    sizes a local one). ``read_args`` go to ``ray.data.read_datasource`` (``concurrency``,
    ``runtime_env``, ...); each read task is given the thread budget of a build's shard
    unless they name a ``runtime_env``."""
    from spatialqa.pipelines.build import start_ray, thread_budget

    source = SpatialQADatasource(config, limit)
    job_env = source.config.ray.ray_runtime_env
    start_ray(source.config.ray.num_cpus, None, job_env, log_to_driver=True)
    # a block per shard: Ray would otherwise cut each scene's rows into many small blocks
    read_args.setdefault("override_num_blocks", max(1, len(source.shards)))
    # each read task renders on its one CPU, as a build's shard does (``thread_budget``);
    # the config's env_vars are the job's, and win over the budget as in a build
    if "runtime_env" not in read_args and "runtime_env" not in (
        read_args.get("ray_remote_args") or {}
    ):
        budget = thread_budget(1, (job_env or {}).get("env_vars"))
        read_args["runtime_env"] = {"env_vars": budget}
    return ray.data.read_datasource(source, **read_args)
