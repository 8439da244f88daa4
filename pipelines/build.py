"""The build driver: plan, resume what is done, run the rest as Ray tasks, keep the manifest.

The manifest is the build's journal: it is rewritten (atomically) as shards complete, so a
crash keeps the record of every finished shard, and a rerun keeps each recorded shard whose
files still match their checksums and builds the others. A shard's bytes depend on the config
alone, so a resumed build ends with exactly the data of an uninterrupted one.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from spatialqa.errors import ConfigError
from spatialqa.pipelines.card import dataset_card
from spatialqa.pipelines.config import BuildConfig
from spatialqa.pipelines.manifest import FORMAT as MANIFEST_FORMAT
from spatialqa.pipelines.manifest import make_manifest
from spatialqa.pipelines.plan import Shard, check_degradations, fingerprint, instantiate_tasks, plan
from spatialqa.pipelines.shard import run_shard
from spatialqa.pipelines.storage import Storage

log = logging.getLogger(__name__)
OUTPUT_FOLDERS = ("data", "frames")
OUTPUT_FILES = ("manifest.json", "README.md")
JOURNAL_EVERY_S = 2.0  # a huge build would otherwise rewrite its manifest once per shard


def start_ray(workers: int | None, address: str | None) -> bool:
    """Connect to ``address`` or start a local Ray; True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    return True


def build(
    config: BuildConfig,
    out: str | Path,
    *,
    workers: int | None = None,
    address: str | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Build (or finish building) ``config`` into ``out``, a directory or a pyarrow URI.

    ``workers`` caps the shards running at once (and sizes a local Ray); the output does not
    depend on it. Returns the manifest, also written to ``out/manifest.json``.
    """
    started = time.perf_counter()
    instantiate_tasks(config)
    check_degradations(config)
    everything = plan(config)
    shards = everything[:limit]
    build_id = fingerprint(config)
    storage = Storage.at(out)
    previous = claim(storage, build_id, overwrite)
    records = kept_records(storage, previous, everything)  # --limit never orphans built files
    journal = Journal(storage, config, build_id, len(shards), started, records)
    todo = [shard for shard in shards if shard.index not in records]
    log.info("%d shards planned, %d kept from an earlier run", len(shards), len(records))
    try:
        for record in run_shards(
            config, todo, storage.uri, build_id, workers or config.ray.num_cpus, address, progress
        ):
            journal.add(record)
    finally:
        manifest = journal.write()
    for folder in OUTPUT_FOLDERS:  # temporaries of shards killed mid-write
        for relative in storage.files(folder):
            if Path(relative).name.startswith("."):
                storage.delete(relative)
    storage.write("README.md", dataset_card(manifest).encode())
    return manifest


def claim(storage: Storage, build_id: str, overwrite: bool) -> dict | None:
    """The earlier manifest of this config, if any; another config's build is refused.

    An output holds one config's build, or ``data/*.parquet`` would load two of them.
    With ``overwrite`` the other build's files (only those) are deleted first.
    """
    if not storage.exists("manifest.json"):
        return None
    try:
        previous = json.loads(storage.read("manifest.json"))
        previous_id = previous["config_hash"]
    except (json.JSONDecodeError, KeyError, TypeError):
        previous, previous_id = None, "unreadable"
    if previous_id == build_id:
        return previous
    if not overwrite:
        raise ConfigError(
            f"{storage.display()}: holds the build of another config (config_hash "
            f"{previous_id}; this config's is {build_id}); choose another --out, or give "
            "--overwrite to delete that build and replace it"
        )
    log.warning("--overwrite: deleting the build of config %s in %s", previous_id, storage.uri)
    for folder in OUTPUT_FOLDERS:
        for relative in storage.files(folder):
            storage.delete(relative)
    for relative in OUTPUT_FILES:
        storage.delete(relative)
    return None


def kept_records(storage: Storage, previous: dict | None, shards: list[Shard]) -> dict[int, dict]:
    """Records of the earlier run's built ``shards`` whose files still match their checksums.

    Skipped scenes are tried again: a scene directory may have been fixed since. Records of
    another manifest format are not trusted: those shards are built again.
    """
    if previous is None or previous.get("format") != MANIFEST_FORMAT:
        return {}
    wanted = {shard.index: shard.scene.name for shard in shards}
    candidates = [
        record
        for record in previous.get("shards", [])
        if record.get("status") == "ok" and wanted.get(record["shard"]) == record["scene"]
    ]

    def intact(record: dict) -> bool:
        return all(storage.sha256(path) == digest for path, digest in record["files"].items())

    with ThreadPoolExecutor(max_workers=8) as pool:  # reading is I/O: remote stores gain most
        verdicts = list(pool.map(intact, candidates))
    return {r["shard"]: r for r, ok in zip(candidates, verdicts, strict=True) if ok}


def run_shards(
    config: BuildConfig,
    shards: list[Shard],
    uri: str,
    build_id: str,
    workers: int | None,
    address: str | None,
    progress: bool,
) -> Iterator[dict]:
    """Run ``shards`` as Ray tasks, at most ``workers`` at once; yield records as they finish."""
    if not shards:
        return
    import ray

    owns_ray = start_ray(workers, address)
    try:
        task = ray.remote(num_cpus=1)(run_shard)
        queue = iter(shards)
        pending: list = []

        def submit() -> None:
            shard = next(queue, None)
            if shard is not None:
                pending.append(task.remote(config, shard, uri, build_id))

        for _ in range(min(workers or len(shards), len(shards))):
            submit()
        with tqdm(total=len(shards), unit="scene", disable=not progress) as bar:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                yield ray.get(done[0])
                bar.update(1)
                submit()
    finally:
        if owns_ray:
            ray.shutdown()


class Journal:
    """The manifest kept up to date as shards finish, rewritten every few seconds at most."""

    def __init__(
        self,
        storage: Storage,
        config: BuildConfig,
        build_id: str,
        planned: int,
        started: float,
        records: dict[int, dict],
    ) -> None:
        self.storage, self.config, self.build_id = storage, config, build_id
        self.planned, self.started, self.kept = planned, started, len(records)
        self.records = dict(records)
        self.write()
        self.written_at = -float("inf")  # the first finished shard is recorded at once

    def add(self, record: dict) -> None:
        self.records[record["shard"]] = record
        if time.perf_counter() - self.written_at >= JOURNAL_EVERY_S:
            self.write()

    def write(self) -> dict:
        self.written_at = time.perf_counter()
        manifest = make_manifest(
            self.config,
            self.build_id,
            list(self.records.values()),
            self.planned,
            self.written_at - self.started,
        )
        manifest["shards_kept"] = self.kept
        self.storage.write("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        return manifest
