"""The build driver: plan, run shards as Ray tasks, write the manifest from their records."""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tqdm import tqdm

from spatialqa.errors import ConfigError
from spatialqa.pipelines.config import BuildConfig
from spatialqa.pipelines.plan import check_degradations, fingerprint, instantiate_tasks, plan
from spatialqa.pipelines.shard import run_shard

log = logging.getLogger(__name__)
PACKAGES = ("spatialqa", "numpy", "trimesh", "open3d-cpu", "open3d", "pyrender", "pyarrow", "ray")


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


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
    progress: bool = True,
) -> dict:
    """Build the dataset of ``config`` into ``out``; return the manifest (also written there).

    ``workers`` overrides ``ray.num_cpus``; the output does not depend on it.
    """
    import ray

    started = time.perf_counter()
    instantiate_tasks(config)
    check_degradations(config)
    shards = plan(config, limit)
    out = Path(out)
    refuse_other_build(out, fingerprint(config))
    out.mkdir(parents=True, exist_ok=True)
    owns_ray = start_ray(workers or config.ray.num_cpus, address)
    try:
        task = ray.remote(num_cpus=1)(run_shard)
        pending = [task.remote(config, shard, str(out)) for shard in shards]
        records = []
        with tqdm(total=len(shards), unit="scene", disable=not progress) as bar:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                records.append(ray.get(done[0]))
                bar.update(1)
    finally:
        if owns_ray:
            ray.shutdown()
    manifest = make_manifest(config, sorted(records, key=lambda r: r["shard"]))
    manifest["wall_time_s"] = round(time.perf_counter() - started, 3)
    write_json_atomic(out / "manifest.json", manifest)
    return manifest


def refuse_other_build(out: Path, build_id: str) -> None:
    """Never mix two configs' shards in one directory: ``data/*.parquet`` would load both."""
    manifest = out / "manifest.json"
    if not manifest.exists():
        return
    try:
        previous = json.loads(manifest.read_text()).get("config_hash")
    except (json.JSONDecodeError, AttributeError):
        previous = None
    if previous != build_id:
        raise ConfigError(
            f"{out}: holds the build of another config (config_hash {previous}, this one is "
            f"{build_id}); choose another --out or delete that directory"
        )


def make_manifest(config: BuildConfig, records: list[dict]) -> dict:
    built = [r for r in records if r["status"] == "ok"]
    tasks: Counter[str] = Counter()
    answer_types: Counter[str] = Counter()
    for record in built:
        tasks.update(record["tasks"])
        answer_types.update(record["answer_types"])
    return {
        "format": "spatialqa.manifest/1",
        "name": config.name,
        "config": config.model_dump(mode="json"),
        "config_hash": fingerprint(config),
        "versions": package_versions(),
        "scenes": {"built": len(built), "skipped": len(records) - len(built)},
        "samples": sum(r["rows"] for r in built),
        "frames": sum(r["frames"] for r in built),
        "counts": {
            "task": dict(sorted(tasks.items())),
            "answer_type": dict(sorted(answer_types.items())),
        },
        "skipped": [
            {"scene": r["scene"], "reason": r["reason"]} for r in records if r["status"] != "ok"
        ],
        "shards": records,
    }


def write_json_atomic(path: Path, data: dict) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(temporary, path)
