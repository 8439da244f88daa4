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
import socket
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from spatialqa import moved
from spatialqa.errors import ConfigError, OutputError, SpatialQAError
from spatialqa.pipelines.card import dataset_card
from spatialqa.pipelines.config import BuildConfig
from spatialqa.pipelines.inputs import inputs_hash
from spatialqa.pipelines.lock import build_lock
from spatialqa.pipelines.manifest import FORMAT as MANIFEST_FORMAT
from spatialqa.pipelines.manifest import make_manifest
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
from spatialqa.pipelines.shard import one_line, run_shard
from spatialqa.pipelines.storage import Storage

log = logging.getLogger(__name__)
OUTPUT_FOLDERS = ("data", "frames")
OUTPUT_FILES = ("manifest.json", "README.md")
JOURNAL_EVERY_S = 2.0  # a huge build would otherwise rewrite its manifest once per shard


def start_ray(
    workers: int | None,
    address: str | None,
    runtime_env: dict | None = None,
    *,
    log_to_driver: bool = False,
) -> bool:
    """Connect to ``address`` (or ``RAY_ADDRESS``) or start a local Ray; True when this call
    started or connected it. A cluster that cannot be reached is a one-line OutputError
    within ``CONNECT_TIMEOUT_S``, not a hang.

    ``runtime_env`` (the config's ``ray.runtime_env``, ``RaySpec.ray_runtime_env``) becomes the
    job's: Ray uploads its local modules and folders and every task on every node runs in it
    (the shards' own runtime_env, their thread budget, is merged into it by Ray: env_vars per
    variable, the rest inherited). A Ray this process had already started keeps its own job
    environment: a warning names what of ``runtime_env`` that one lacks.
    """
    import ray

    if ray.is_initialized():
        if runtime_env:
            lacking = missing_from_job(runtime_env, dict(ray.get_runtime_context().runtime_env))
            if lacking:
                log.warning(
                    "Ray was started before (ray.init): its job lacks the config's "
                    "ray.runtime_env %s; give runtime_env to that ray.init, or let spatialqa "
                    "start Ray",
                    ", ".join(lacking),
                )
        return False
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    address = address or os.environ.get("RAY_ADDRESS")
    try:
        if address:
            probe(address)
            # a cluster brings its own CPUs: ``workers`` only caps the shards at once
            ray.init(address=address, log_to_driver=log_to_driver, runtime_env=runtime_env)
        else:
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                log_to_driver=log_to_driver,
                runtime_env=runtime_env,
            )
    except SpatialQAError:
        raise
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError, ...
        target = f"the Ray cluster at {address}" if address else "a local Ray"
        raise OutputError(f"cannot start {target}: {type(exc).__name__}: {one_line(exc)}") from None
    return True


def missing_from_job(runtime_env: dict, job: dict) -> list[str]:
    """The keys of ``runtime_env`` the running job's runtime_env lacks (and env_vars it sets
    otherwise). Paths are not compared: Ray turns them into package URIs; ``excludes`` and
    ``config`` act only while Ray sets the job up."""
    lacking = [
        key
        for key in runtime_env
        if key not in ("excludes", "config", "env_vars") and key not in job
    ]
    variables = job.get("env_vars") or {}
    lacking += [
        f"env_vars.{name}"
        for name, value in (runtime_env.get("env_vars") or {}).items()
        if variables.get(name) != value
    ]
    return lacking


CONNECT_TIMEOUT_S = 10.0


def probe(address: str) -> None:
    """Refuse fast an address where nothing listens (Ray itself retries for minutes)."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--address: expected HOST:PORT or ray://HOST:PORT (got {address!r})")
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise OutputError(
            f"--address {address}: no Ray cluster answers there ({exc}); is `ray start --head` "
            "running, and is the port the GCS port (default 6379)?"
        ) from None


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
    Raises ConfigError for a bad config, OutputError when the output cannot be written or
    another build holds it; a scene that fails in any way is skipped, never raised.
    """
    started = time.perf_counter()
    instantiate_tasks(config)  # unknown tasks and bad params fail here, before --out is touched
    classes = resolve_tasks(config)
    config = decided(config)
    layout = plan_build(config)
    everything = layout.shards
    shards = everything[:limit]
    warning = layout.leakage_warning()
    if warning:
        log.warning(warning)
    build_id = fingerprint(config)
    storage = Storage.at(out)
    owns_ray = bool(address or os.environ.get("RAY_ADDRESS")) and start_ray(
        workers, address, config.ray.ray_runtime_env
    )
    try:
        with build_lock(storage):
            return _build_locked(
                config,
                storage,
                everything,
                shards,
                layout.excluded,
                build_id,
                started,
                overwrite,
                workers or config.ray.num_cpus,
                address,
                progress,
                classes,
            )
    finally:
        if owns_ray:
            import ray

            ray.shutdown()


def _build_locked(
    config: BuildConfig,
    storage: Storage,
    everything: list[Shard],
    shards: list[Shard],
    excluded: list[dict],
    build_id: str,
    started: float,
    overwrite: bool,
    workers: int | None,
    address: str | None,
    progress: bool,
    classes: TaskClasses,
) -> dict:
    previous = claim(storage, build_id, everything, overwrite)
    records = kept_records(storage, previous, everything)  # --limit never orphans built files
    journal = Journal(storage, config, build_id, len(shards), started, records, excluded)
    todo = [shard for shard in shards if shard.index not in records]
    log.info("%d shards planned, %d kept from an earlier run", len(shards), len(records))
    failed = None
    try:
        runs = run_shards(config, todo, storage.uri, build_id, workers, address, progress, classes)
        for record in runs:
            if record["status"] == "failed":  # the output, not the scene: stop
                failed = record
                break
            journal.add(record)
        else:
            for duplicate in duplicate_scene_ids(journal.records):
                journal.records[duplicate["shard"]] = duplicate
            unrecorded(storage, journal.records)
    finally:
        remove_temporaries(storage)
        if failed is None:
            manifest = journal.write()
    if failed is not None:
        try:
            journal.write()
        except OutputError:  # the disk is full: the last manifest written stands
            pass
        raise OutputError(
            f"{failed['reason']}; the build stopped. Shards already written are kept and "
            "recorded: free the space (or fix the permissions) and run the same command again"
        )
    storage.write("README.md", dataset_card(manifest).encode())
    return manifest


def unrecorded(storage: Storage, records: dict[int, dict]) -> None:
    """Delete every part under data/ and frames/ that no record names: a scene skipped this
    time, a shard the plan no longer has (a scene directory removed), a duplicate scene_id.
    What ``data/*.parquet`` loads is then exactly what the manifest counts."""
    named = {relative for record in records.values() for relative in record.get("files", {})}
    for folder in OUTPUT_FOLDERS:
        for relative in storage.files(folder):
            if relative not in named and not Path(relative).name.startswith("."):
                storage.delete(relative)


def remove_temporaries(storage: Storage) -> None:
    """Temporaries of shards killed mid-write: nothing leaves a ``*.partial`` behind.
    (Object stores have none: an object appears whole or not at all.)"""
    if storage.is_object_store:
        return
    for relative in storage.files(""):
        if Path(relative).name.startswith(".") and relative.endswith(".partial"):
            storage.delete(relative)


def planned_files(shards: list[Shard]) -> set[str]:
    return {f"{folder}/{shard.name}" for shard in shards for folder in OUTPUT_FOLDERS}


def claim(storage: Storage, build_id: str, shards: list[Shard], overwrite: bool) -> dict | None:
    """The earlier manifest of this config, if any; anything that would mix builds is refused.

    An output holds one config's build, or ``data/*.parquet`` would load two of them: another
    config's manifest, or parts no manifest accounts for (a lost manifest, files copied in),
    are refused. With ``overwrite`` every file under data/ and frames/ that this build would
    not write or keep is deleted first, whether or not a manifest exists.
    """
    present = [
        relative
        for folder in OUTPUT_FOLDERS
        for relative in storage.files(folder)
        if not Path(relative).name.startswith(".")
    ]
    previous, previous_id = None, None
    if storage.exists("manifest.json"):
        try:
            previous = json.loads(storage.read("manifest.json"))
            previous_id = previous["config_hash"]
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            previous, previous_id = None, "unreadable"
    same = previous_id == build_id
    # a crashed run of this config may have written planned parts after its last journal
    # write: those are rebuilt; anything else is another build's
    accounted = planned_files(shards) if same else set()
    if same:
        accounted |= {f for r in previous.get("shards", []) for f in r.get("files", {})}
    foreign = [relative for relative in present if relative not in accounted]
    if not foreign and (same or previous_id is None):
        return previous if same else None
    if not overwrite:
        if previous_id not in (None, build_id):
            holds = f"holds the build of another config (config_hash {previous_id}; this "
            holds += f"config's is {build_id})"
        else:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            holds = f"holds {len(foreign)} files no manifest of this config accounts for ({shown})"
        raise ConfigError(
            f"{storage.display()}: {holds}; choose another --out, or give --overwrite to "
            "delete them and build anew"
        )
    log.warning("--overwrite: deleting %d files of another build in %s", len(foreign), storage.uri)
    for relative in foreign:
        storage.delete(relative)
    if not same:
        for relative in OUTPUT_FILES:
            storage.delete(relative)
    return previous if same else None


def kept_records(storage: Storage, previous: dict | None, shards: list[Shard]) -> dict[int, dict]:
    """Records of the earlier run's built ``shards`` whose files still match their checksums
    and whose scene's inputs hash as they did then (an edited scene is built again).

    Skipped scenes are tried again: a scene directory may have been fixed since. Records of
    another manifest format are not trusted: those shards are built again.
    """
    if previous is None or previous.get("format") != MANIFEST_FORMAT:
        return {}
    wanted = {shard.index: shard for shard in shards}
    candidates = [
        record
        for record in previous.get("shards", [])
        if record.get("status") == "ok"
        and record["shard"] in wanted
        and wanted[record["shard"]].scene.name == record["scene"]
        and wanted[record["shard"]].scene.key == record.get("source")
    ]

    def intact(record: dict) -> bool:
        files = all(storage.sha256(path) == digest for path, digest in record["files"].items())
        return files and inputs_hash(wanted[record["shard"]].scene) == record.get("inputs")

    with ThreadPoolExecutor(max_workers=8) as pool:  # reading is I/O: remote stores gain most
        verdicts = list(pool.map(intact, candidates))
    return {r["shard"]: r for r, ok in zip(candidates, verdicts, strict=True) if ok}


def duplicate_scene_ids(records: dict[int, dict]) -> list[dict]:
    """Skipped records for every built scene whose ``scene_id`` an earlier shard also has.

    Frames are keyed by (scene_id, frame_id): two scenes of one id would mix their images.
    The lowest shard keeps it, whatever order the shards finished in.
    """
    first: dict[str, dict] = {}
    skipped = []
    for index in sorted(records):
        record = records[index]
        if record["status"] != "ok":
            continue
        owner = first.setdefault(record["scene_id"], record)
        if owner is not record:
            reason = (
                f"{record['scene']}: scene_id {record['scene_id']!r} is also the scene_id of "
                f"{owner['scene']} (shard {owner['shard']}); frames are keyed by scene_id, so "
                "only the first is kept"
            )
            kept = {k: record[k] for k in ("shard", "scene", "source", "inputs") if k in record}
            skipped.append({**kept, "status": "skipped", "reason": reason})
    return skipped


def run_shards(
    config: BuildConfig,
    shards: list[Shard],
    uri: str,
    build_id: str,
    workers: int | None,
    address: str | None,
    progress: bool,
    classes: TaskClasses | None = None,
) -> Iterator[dict]:
    """Run ``shards`` as Ray tasks, at most ``workers`` at once; yield records as they finish.

    ``classes`` (``resolve_tasks``, the driver's) travel with every shard, so tasks defined in
    the user's own script or notebook run on the workers; None resolves them here.

    A shard still running after ``limits.shard_timeout_s`` is cancelled, and one whose worker
    died more often than Ray retries it (killed, out of memory) is recorded: both skip their
    scene with the reason, and the build goes on.
    """
    if not shards:
        return
    import ray
    from ray.exceptions import RayError

    owns_ray = start_ray(workers, address, config.ray.ray_runtime_env)
    timeout = config.limits.shard_timeout_s
    # No more shards in flight than CPUs, so that a shard's time runs from when it starts.
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    at_once = workers or cpus
    pending: dict = {}  # ref -> (shard, submitted at)
    try:
        given = (config.ray.ray_runtime_env or {}).get("env_vars")
        budget = {"env_vars": thread_budget(max(1, cpus // at_once), given)}
        task = ray.remote(num_cpus=1, max_retries=RETRIES, runtime_env=budget)(run_shard_with_tasks)
        tasks = ray.put(dict(classes if classes is not None else resolve_tasks(config)))
        queue = iter(shards)

        def submit() -> None:
            shard = next(queue, None)
            if shard is not None:
                ref = task.remote(config, shard, uri, build_id, tasks)
                pending[ref] = (shard, time.monotonic())

        for _ in range(min(at_once, len(shards))):
            submit()
        with tqdm(total=len(shards), unit="scene", disable=not progress) as bar:
            while pending:
                now = time.monotonic()
                deadline = min(started for _, started in pending.values()) + timeout
                done, _ = ray.wait(list(pending), num_returns=1, timeout=max(0.0, deadline - now))
                if done:
                    ref = done[0]
                    shard, _ = pending.pop(ref)
                    try:
                        record = ray.get(ref)
                    except RayError as exc:
                        record = lost(shard, exc)
                else:  # the oldest shard ran out of time
                    ref = min(pending, key=lambda r: pending[r][1])
                    shard, _ = pending.pop(ref)
                    ray.cancel(ref, force=True)
                    record = timed_out(shard, timeout)
                yield record
                bar.update(1)
                submit()
    finally:
        for ref in pending:  # the build stopped early: nothing may write after it
            ray.cancel(ref, force=True)
        if owns_ray:
            ray.shutdown()


def run_shard_with_tasks(
    config: BuildConfig, shard: Shard, out: str, build_id: str, classes: TaskClasses
) -> dict:
    """``run_shard`` on a worker, with the config's tasks as the driver resolved them."""
    with shipped_tasks(classes):
        return run_shard(config, shard, out, build_id)


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LP_NUM_THREADS")
"""The thread pools a shard's libraries start: OpenMP, the BLAS under numpy and scipy, and
Mesa's llvmpipe rasteriser (which otherwise starts one thread per core in every worker)."""


def thread_budget(threads: int, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Worker environment that sizes every library thread pool to the worker's CPU share.

    Why: each pool defaults to one thread per core, so two workers on two cores would each
    start two rasteriser threads and contend; with its share, N workers use N cores. A single
    local worker gets every core. Variables the user set are kept: those ``given`` (the
    config's ``ray.runtime_env.env_vars``, which this task-level budget would otherwise
    override in the job's environment), then those exported to the driver.
    """
    given = given or {}
    return {name: given.get(name, os.environ.get(name, str(threads))) for name in THREAD_VARIABLES}


RETRIES = 3
"""Ray runs a shard again this often when its worker dies (SIGKILL, the OOM killer)."""


def lost(shard: Shard, exc: BaseException) -> dict:
    """The record of a shard whose Ray task failed: its worker died ``RETRIES + 1`` times
    (killed, out of memory), or Ray could not run it at all."""
    from ray.exceptions import OutOfMemoryError, WorkerCrashedError

    if isinstance(exc, (WorkerCrashedError, OutOfMemoryError)):
        what = f"the worker died {RETRIES + 1} times (killed, or out of memory)"
    else:
        what = "Ray could not run the shard"
    reason = f"{shard.scene.name}: {what}: {type(exc).__name__}: {one_line(exc)}"
    return _skipped(shard, reason)


def timed_out(shard: Shard, timeout: float) -> dict:
    reason = (
        f"{shard.scene.name}: still running after limits.shard_timeout_s {timeout:g} s; stopped"
    )
    return _skipped(shard, reason)


def _skipped(shard: Shard, reason: str) -> dict:
    return {
        "shard": shard.index,
        "scene": shard.scene.name,
        "source": shard.scene.key,
        "status": "skipped",
        "reason": reason,
    }


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
        excluded: list[dict],
    ) -> None:
        self.storage, self.config, self.build_id = storage, config, build_id
        self.excluded = excluded
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
            self.excluded,
        )
        manifest["shards_kept"] = self.kept
        self.storage.write("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        return manifest


moved.keep_callable(__name__)  # it was the function build, kept for one release
