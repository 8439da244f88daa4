"""The manifest: what a build is (config, hash, versions) and what it holds (counts, checksums).

Shard tasks return small records; the driver makes the manifest from those records only.
"""

from __future__ import annotations

import difflib
import json
import math
import platform
import re
from collections import Counter
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.config import SCENE_SOURCE_KINDS, BuildConfig

if TYPE_CHECKING:
    from spatialqa.scenes import Scene

FORMAT = "spatialqa.manifest/2"
PACKAGES = ("spatialqa", "numpy", "trimesh", "open3d-cpu", "open3d", "moderngl", "pyarrow", "ray")


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def value_bucket(value: float) -> str:
    """The 1-2-5 decade interval holding ``value``: 0.37 -> "[0.2, 0.5)", 7 -> "[5, 10)"."""
    if value <= 0:
        return "<= 0"
    decade = math.floor(math.log10(value))
    decade += (value >= 10.0 ** (decade + 1)) - (value < 10.0**decade)  # log10 rounding
    low, high = next((lo, hi) for lo, hi in ((1, 2), (2, 5), (5, 10)) if value < hi * 10.0**decade)
    return f"[{low * 10.0**decade:g}, {high * 10.0**decade:g})"


def answer_bucket(row: dict) -> str:
    """Where a row's answer falls: the letter or yes/no, the integer, a 1-2-5 interval of the
    value in its unit, the answer type where answers are not scalars (box, point), or for an
    abstention item its kind ("abstain: referent not visible in the given views", "abstain:
    margin within the threshold in the given view").
    """
    if not row["answerable"]:
        return f"abstain: {row['abstain_reason'].split(':')[0]}"
    kind = row["answer_type"]
    if kind in ("mc", "yes_no"):
        return row["answer"]
    if kind == "integer" and row["value"] is not None:
        return str(round(row["value"]))
    if kind == "number" and row["value"] is not None:
        return f"{value_bucket(row['value'])} {row['unit'] or ''}".rstrip()
    return kind


def row_counts(rows: list[dict]) -> dict:
    """Counts of one shard's rows per task, per answer type, per task and answer bucket, and
    per split (empty when the config has no ``split:``)."""
    buckets: dict[str, Counter[str]] = {}
    for row in rows:
        buckets.setdefault(row["task"], Counter())[answer_bucket(row)] += 1
    return {
        "task": sorted_counts(Counter(row["task"] for row in rows)),
        "answer_type": sorted_counts(Counter(row["answer_type"] for row in rows)),
        "answer_bucket": {task: sorted_counts(buckets[task]) for task in sorted(buckets)},
        "split": sorted_counts(Counter(row["split"] for row in rows if row["split"] is not None)),
    }


def sorted_counts(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items()))


def merge_counts(records: list[dict]) -> dict:
    tasks: Counter[str] = Counter()
    answer_types: Counter[str] = Counter()
    buckets: dict[str, Counter[str]] = {}
    for record in records:
        counts = record["counts"]
        tasks.update(counts["task"])
        answer_types.update(counts["answer_type"])
        for task, per_bucket in counts["answer_bucket"].items():
            buckets.setdefault(task, Counter()).update(per_bucket)
    return {
        "task": sorted_counts(tasks),
        "answer_type": sorted_counts(answer_types),
        "answer_bucket": {task: sorted_counts(buckets[task]) for task in sorted(buckets)},
    }


def split_sizes(config: BuildConfig, built: list[dict]) -> dict | None:
    """Scenes and samples per configured split (None without ``split:``). A scene's samples
    are all in its split; a built scene that yielded no sample is in no split's files."""
    if config.split is None:
        return None
    sizes = {name: {"scenes": 0, "samples": 0} for name in config.split.names}
    for record in built:
        for name, samples in record["counts"].get("split", {}).items():
            sizes[name]["scenes"] += 1
            sizes[name]["samples"] += samples
    return sizes


def task_hint(name: str) -> str | None:
    """What task ``name`` needs of the views to yield (``Task.hint``); None when it says
    nothing, or when this process does not know the task."""
    from spatialqa.errors import TaskError
    from spatialqa.generators.registry import get_task

    try:
        return getattr(get_task(name), "hint", None)
    except TaskError:
        return None


def empty_tasks(config: BuildConfig, counts: dict) -> list[dict]:
    """The config's tasks without a sample in ``counts`` (``merge_counts`` of the built
    scenes), in config order, each with its hint: ``[{"task": ..., "hint": ...}]``."""
    return [
        {"task": spec.name, "hint": task_hint(spec.name)}
        for spec in config.tasks
        if not counts["task"].get(spec.name)
    ]


def empty_task_warning(task: str, hint: str | None, scenes: int, how: str = "built") -> str:
    """The line ``spatialqa build`` (``how`` "built") and ``plan --exact`` ("asked") print
    for a task that yields nothing in ``scenes`` scenes."""
    text = f"task {task} yielded no sample in the {scenes} scene{'s' * (scenes != 1)} {how}"
    return f"{text}; it {hint}" if hint else text


def make_manifest(
    config: BuildConfig,
    config_hash: str,
    records: list[dict],
    planned: int,
    wall_time_s: float,
    excluded: Sequence[dict] = (),
) -> dict:
    """The manifest of the records so far; ``complete`` once shards 0 .. planned - 1 have one.

    Records beyond those (built by an earlier run without ``--limit``) stay: their files do.
    ``excluded`` lists the scenes ``exclude:`` left out (``BuildPlan.excluded``).
    ``empty_tasks`` names the tasks no built scene gave a sample, with their hints (none while
    no scene is built: the skip reasons say why).
    """
    records = sorted(records, key=lambda r: r["shard"])
    built = [r for r in records if r["status"] == "ok"]
    counts = merge_counts(built)
    return {
        "format": FORMAT,
        "name": config.name,
        "complete": {r["shard"] for r in records} >= set(range(planned)),
        "config": config.model_dump(mode="json"),
        "config_hash": config_hash,
        "versions": package_versions(),
        "shards_planned": planned,
        "scenes": {
            "built": len(built),
            "skipped": len(records) - len(built),
            "excluded": len(excluded),
        },
        "samples": sum(r["rows"] for r in built),
        "splits": split_sizes(config, built),
        "frames": sum(r["frames"] for r in built),
        "counts": counts,
        "empty_tasks": empty_tasks(config, counts) if built else [],
        "skipped": [
            {"shard": r["shard"], "scene": r["scene"], "reason": r["reason"]}
            for r in records
            if r["status"] != "ok"
        ],
        "excluded": list(excluded),
        "scene_roots": scene_roots(config),
        "shards": records,
        "wall_time_s": round(wall_time_s, 3),
    }


def scene_roots(config: BuildConfig) -> list[str | None]:
    """Each ``scenes:`` entry's folder as the build resolved it (None for procedural rooms):
    the config may name it relative to where the build ran, and a scene is found again from
    anywhere (``recorded_scene``)."""
    roots: list[str | None] = []
    for source in config.scenes:
        kind = next(k for k in SCENE_SOURCE_KINDS if getattr(source, k) is not None)
        roots.append(None if kind == "procedural" else str(Path(getattr(source, kind)).resolve()))
    return roots


_KEY = re.compile(r"scenes\[(\d+)\]\.(\w+):(.*)", re.DOTALL)


def recorded_scene(out: str | Path, scene: str) -> Scene:
    """Scene ``scene`` (its scene_id, or its name in the plan) of the build in ``out``, loaded
    as the build loaded it: a procedural room made again from the recorded config, a dataset's
    scene read from the folder the build read it from. SpatialQAError naming ``out`` when the
    build has no such scene or its source is gone."""
    from spatialqa.pipelines.storage import Storage
    from spatialqa.scenes.formats import FORMATS, SceneRef
    from spatialqa.scenes.motion import MOVED_TRAJECTORY

    storage = Storage.at(out)
    where = storage.display("manifest.json")
    try:
        manifest = json.loads(storage.read("manifest.json"))
        records, sources = manifest["shards"], manifest["config"]["scenes"]
    except FileNotFoundError:
        raise SpatialQAError(f"{where}: not found; {out} is not a built dataset") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpatialQAError(f"{where}: not a spatialqa manifest ({exc})") from None
    ordered = sorted(records, key=lambda r: (r.get("status") != "ok", r.get("shard", 0)))
    found = next((r for r in ordered if scene in (r.get("scene_id"), r.get("scene"))), None)
    if found is None:
        known = sorted({r.get("scene_id") or r.get("scene") for r in records} - {None})
        close = difflib.get_close_matches(scene, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
        raise SpatialQAError(f"{out}: no scene {scene!r} in this build{hint} (its scenes: {shown})")
    key = str(found.get("source", ""))
    match = _KEY.fullmatch(key)
    if match is None or int(match[1]) >= len(sources) or match[2] not in sources[int(match[1])]:
        raise SpatialQAError(f"{where}: scene {scene!r} has no source this build names ({key!r})")
    number, kind, rest = int(match[1]), match[2], match[3]
    source = sources[number][kind]
    if kind == "procedural":
        seed, _, index = rest.partition("/")
        moving = manifest["config"].get("views", {}).get("trajectory") == MOVED_TRAJECTORY
        frames = int(source["frames"])
        ref = SceneRef(kind, found["scene"], int(seed), int(index), frames, moved=moving)
        return ref.load()
    roots = manifest.get("scene_roots") or [None] * len(sources)
    root = Path(roots[number] or source)  # older manifests: the config's path, from here
    part = ""
    if kind in FORMATS and FORMATS[kind].parts is not None and "#" in rest:
        rest, _, part = rest.rpartition("#")
    path = root / rest
    if not path.exists():
        raise SpatialQAError(
            f"{out}: scene {scene!r} was built from {path} ({key}), which is no longer there"
        )
    return SceneRef(kind, found["scene"], path=str(path), part=part, key=key).load()
