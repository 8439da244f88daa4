"""Planning: the config alone decides the shards, never the number of workers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from spatialqa import moved
from spatialqa.degradations import get_degradation
from spatialqa.degradations.delivery import RENDER_VERSION, resolve_backend
from spatialqa.errors import ConfigError, SpatialQAError
from spatialqa.generators import Task, get_task
from spatialqa.generators.abstention import ABSTENTION_VERSION
from spatialqa.generators.task import TASK_BASE_VERSION
from spatialqa.oracle.facts import ORACLE_VERSION
from spatialqa.pipelines.config import SCENE_SOURCE_KINDS, BuildConfig
from spatialqa.pipelines.leakage import SETS, benchmark_set, set_digest
from spatialqa.pipelines.parquet import SCHEMA_VERSION
from spatialqa.scenes.formats import LOADERS_VERSION, SceneRef, find_scenes
from spatialqa.scenes.motion import MOVED_TRAJECTORY
from spatialqa.scenes.procedural import PROCEDURAL_VERSION
from spatialqa.seeding import stable_id


@dataclass(frozen=True)
class Shard:
    """One unit of work: a scene with every task and degradation of the config."""

    index: int
    scene: SceneRef

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}.parquet"


def scene_refs(config: BuildConfig) -> list[SceneRef]:
    """Every scene the config names, sources concatenated in order, directories sorted.
    Procedural rooms are made with the delivered trajectory only (``views.trajectory``: no
    task or stage reads another), with their ``moved`` walk when the views are asked of it."""
    refs: list[SceneRef] = []
    moving = config.views.trajectory == MOVED_TRAJECTORY
    for number, source in enumerate(config.scenes):
        if source.procedural is not None:
            p = source.procedural
            refs += [
                SceneRef(
                    "procedural",
                    f"proc_{p.seed}_{i:04d}",
                    p.seed,
                    i,
                    p.frames,
                    key=f"scenes[{number}].procedural:{p.seed}/{i}",
                    dataset="procedural",
                    scene_id=f"proc_{p.seed}_{i:04d}",
                    moved=moving,
                    trajectory=config.views.trajectory,
                )
                for i in range(p.count)
            ]
        elif source.dir is None:
            kind = next(k for k in SCENE_SOURCE_KINDS if getattr(source, k) is not None)
            root = Path(getattr(source, kind)).resolve()  # for workers in another directory
            try:
                found = find_scenes(root, kind)
            except SpatialQAError as exc:
                raise ConfigError(f"{config.source}: scenes[{number}].{kind}: {exc}") from None
            if not found:
                raise ConfigError(
                    f"{config.source}: scenes[{number}].{kind}: no {kind} scene below {root}"
                )
            refs += [
                SceneRef(
                    kind,
                    ref.name,
                    path=ref.path,
                    part=ref.part,
                    key=f"scenes[{number}].{kind}:{Path(ref.path).relative_to(root).as_posix()}"
                    + (f"#{ref.part}" if ref.part else ""),
                    dataset=kind,
                    scene_id=ref.name,  # each loader names its scene after its file or folder
                )
                for ref in found
            ]
        else:
            root = Path(source.dir).resolve()  # Ray workers may run in another directory
            if not root.is_dir():
                raise ConfigError(f"{config.source}: scenes[{number}].dir: not a directory: {root}")
            found = sorted(path.parent for path in root.rglob("scene.json"))
            if not found:
                raise ConfigError(
                    f"{config.source}: scenes[{number}].dir: no scene.json below {root}"
                )
            refs += [
                SceneRef(
                    "dir",
                    str(d.relative_to(root)),
                    path=str(d),
                    key=f"scenes[{number}].dir:{d.relative_to(root).as_posix()}",
                    dataset=dataset,
                    scene_id=scene_id,
                )
                for d in found
                for dataset, scene_id in [scene_json_identity(d / "scene.json")]
            ]
    return refs


HEAD_BYTES = 64 * 1024
"""Bytes of a scene.json read for its identity; ``save_scene`` writes ``scene_id`` and
``source`` first, so the whole file (megabytes of frames for a scan) is read only for a
hand-written one that puts them late."""
_STRING = r'"((?:[^"\\\x00-\x1f]|\\.)*)"'
_SCENE_ID = re.compile(r'"scene_id"\s*:\s*' + _STRING)
_KIND = re.compile(r'"source"\s*:\s*\{[^{}]*?"kind"\s*:\s*' + _STRING)


def scene_json_identity(path: Path) -> tuple[str, str]:
    """(``source.kind``, ``scene_id``) of a scene.json, ("", "") when unreadable.

    Quotes inside JSON strings are escaped, and scene.json has no other key of these names,
    so the first match of each key in the text is the key itself."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
        found = _KIND.search(head), _SCENE_ID.search(head)
        if all(found):
            kind, scene_id = (json.loads(f'"{match.group(1)}"') for match in found)
            return kind, scene_id
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        kind, scene_id = document["source"]["kind"], document["scene_id"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "", ""
    if not isinstance(kind, str) or not isinstance(scene_id, str):
        return "", ""
    return kind, scene_id


@dataclass(frozen=True)
class BuildPlan:
    """The shards of a build and the scenes ``exclude:`` left out of it."""

    shards: list[Shard]
    excluded: list[dict]
    """One record per excluded scene: its name, source key, dataset, id and the entries
    (``vsibench``, a scene id) that excluded it, in source order."""
    vsibench_kept: list[SceneRef]
    """Scenes VSI-Bench evaluates on that the build keeps."""

    def leakage_warning(self) -> str | None:
        """The warning a build gives once when it keeps VSI-Bench's evaluation scenes."""
        if not self.vsibench_kept:
            return None
        per = {"scannet": 0, "scannetpp": 0, "arkitscenes": 0}
        for ref in self.vsibench_kept:
            per[ref.dataset] += 1
        parts = ", ".join(f"{dataset} {n}" for dataset, n in per.items() if n)
        return (
            f"{len(self.vsibench_kept)} scenes of this build ({parts}) are scenes VSI-Bench "
            "evaluates on; a model trained on them is scored on what it saw. Add `exclude: "
            "[vsibench]` to the config to leave them out"
        )


def plan_build(config: BuildConfig) -> BuildPlan:
    """Every scene the config names, less those ``exclude:`` names, one shard each."""
    exclusion = config.exclusion
    vsibench = benchmark_set("vsibench")
    kept, excluded = [], []
    for ref in scene_refs(config):
        identity = (ref.dataset, ref.scene_id)
        reasons = exclusion.reasons(identity) if ref.scene_id else []
        if reasons:
            excluded.append(
                {
                    "scene": ref.name,
                    "source": ref.key,
                    "dataset": ref.dataset,
                    "scene_id": ref.scene_id,
                    "by": reasons,
                }
            )
        else:
            kept.append(ref)
    return BuildPlan(
        [Shard(i, ref) for i, ref in enumerate(kept)],
        excluded,
        [ref for ref in kept if (ref.dataset, ref.scene_id) in vsibench],
    )


def plan(config: BuildConfig, limit: int | None = None) -> list[Shard]:
    """The shards of a build, the first ``limit`` scenes only when given; scenes that
    ``exclude:`` names are not among them."""
    return plan_build(config).shards[:limit]


TaskClasses = Mapping[str, type[Task]]
"""A config's task names -> the Task classes that answer to them."""

_shipped: ContextVar[TaskClasses | None] = ContextVar("spatialqa_shipped_tasks", default=None)


def resolve_tasks(config: BuildConfig) -> dict[str, type[Task]]:
    """The Task class of every task the config names, looked up here, in the driver.

    A build ships these classes with its shards (``shipped_tasks`` on the worker), so a task
    registered only in the user's script or notebook (``@register_task`` in ``__main__``,
    which cloudpickle sends by value) works on every worker of a local Ray or a cluster.
    Unknown names are ConfigErrors, raised before anything is written.
    """
    classes = {}
    for number, spec in enumerate(config.tasks):
        try:
            classes[spec.name] = (_shipped.get() or {}).get(spec.name) or get_task(spec.name)
        except SpatialQAError as exc:
            raise ConfigError(f"{config.source}: tasks[{number}]: {exc}") from None
    return classes


@contextmanager
def shipped_tasks(classes: TaskClasses) -> Iterator[None]:
    """Within the block, the config's tasks are ``classes`` (the driver's, shipped with the
    shard), whatever this process's registry holds: a worker never looks a name up itself."""
    token = _shipped.set(dict(classes))
    try:
        yield
    finally:
        _shipped.reset(token)


def instantiate_tasks(config: BuildConfig) -> list[tuple[Task, int]]:
    """The configured tasks with their parameters; unknown names and params are ConfigErrors.

    The classes are those shipped with the shard (``shipped_tasks``), else the registry's."""
    classes = resolve_tasks(config)
    tasks = []
    for number, spec in enumerate(config.tasks):
        try:
            tasks.append((classes[spec.name](**spec.params), spec.per_scene))
        except SpatialQAError as exc:
            raise ConfigError(f"{config.source}: tasks[{number}]: {exc}") from None
    return tasks


def fingerprint(config: BuildConfig) -> str:
    """The build's identity: the config plus the versions of everything that makes its bytes.

    The oracle, the loaders, the tasks' shared base, the output schema, procedural rooms, the
    renderer, a task, abstention (counted only when on) or a degradation whose output changes
    bumps its version, and so every id changes and no earlier shard is kept. ``auto`` counts as
    the backend it resolves to here: a build resumed where it resolves otherwise is refused
    rather than mixing two renderers' images.
    """
    versions = {
        "oracle": ORACLE_VERSION,
        "loaders": LOADERS_VERSION,
        "task_base": TASK_BASE_VERSION,
        "schema": SCHEMA_VERSION,
        "procedural": PROCEDURAL_VERSION,
        "render": RENDER_VERSION,
        "tasks": {name: task.version for name, task in resolve_tasks(config).items()},
        "degradations": {
            spec.type: get_degradation(spec.type).version
            for spec in config.degradations
            if spec.type != "clean"
        },
    }
    if config.abstention_share > 0:
        versions["abstention"] = ABSTENTION_VERSION
    sets = [entry for entry in config.exclude if entry in SETS]
    if sets:  # a new list of a benchmark's scenes changes which scenes are built
        versions["exclude_sets"] = {name: set_digest(name) for name in sets}
    dump = config.model_dump(mode="json")
    dump["render"]["backend"] = resolve_backend(config.render.backend)  # what draws the bytes
    return stable_id(json.dumps({"config": dump, "versions": versions}, sort_keys=True))


def decided(config: BuildConfig) -> BuildConfig:
    """``config`` with ``render.backend: auto`` decided here, for every worker of the build."""
    render = config.render.model_copy(update={"backend": resolve_backend(config.render.backend)})
    return config.model_copy(update={"render": render})


moved.keep_callable(__name__)  # it was the function plan, kept for one release
