"""Planning: the config alone decides the shards, never the number of workers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from spatialqa.degradations import get_degradation
from spatialqa.degradations.views import RENDER_VERSION
from spatialqa.errors import ConfigError, SpatialQAError
from spatialqa.generators import Task, get_task
from spatialqa.generators.abstention import ABSTENTION_VERSION
from spatialqa.generators.task import TASK_BASE_VERSION
from spatialqa.oracle.facts import ORACLE_VERSION
from spatialqa.pipelines.config import SCENE_SOURCE_KINDS, BuildConfig
from spatialqa.pipelines.parquet import SCHEMA_VERSION
from spatialqa.scenes import Scene, load_scene, procedural_scene
from spatialqa.scenes.formats import LOADERS_VERSION, find_scenes, load_any
from spatialqa.scenes.procedural import PROCEDURAL_VERSION
from spatialqa.seeding import stable_id


@dataclass(frozen=True)
class SceneRef:
    """How to obtain one scene: a procedural (seed, index) or a scene directory."""

    kind: str
    name: str
    seed: int = 0
    index: int = 0
    frames: int = 0
    path: str = ""
    part: str = ""  # a 3D-FRONT house's room
    key: str = ""
    """Where the scene comes from, unique in a build: ``scenes[i].kind:relative path[#room]``.
    Sample ids hash it, so two sources holding scenes of one name never share ids."""

    def load(self) -> Scene:
        if self.kind == "procedural":
            return procedural_scene(self.seed, self.index, frames=self.frames)
        if self.kind == "dir":
            return load_scene(self.path)
        return load_any(self.path, self.kind, part=self.part or None)


@dataclass(frozen=True)
class Shard:
    """One unit of work: a scene with every task and degradation of the config."""

    index: int
    scene: SceneRef

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}.parquet"


def scene_refs(config: BuildConfig) -> list[SceneRef]:
    """Every scene the config names, sources concatenated in order, directories sorted."""
    refs: list[SceneRef] = []
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
                )
                for i in range(p.count)
            ]
        elif source.dir is None:
            kind = next(k for k in SCENE_SOURCE_KINDS if getattr(source, k) is not None)
            root = Path(getattr(source, kind)).resolve()  # for workers in another directory
            try:
                found = find_scenes(root, kind)
            except SpatialQAError as exc:
                raise ConfigError(f"scenes[{number}].{kind}: {exc}") from None
            if not found:
                raise ConfigError(f"scenes[{number}].{kind}: no {kind} scene below {root}")
            refs += [
                SceneRef(
                    kind,
                    ref.name,
                    path=ref.path,
                    part=ref.part,
                    key=f"scenes[{number}].{kind}:{Path(ref.path).relative_to(root).as_posix()}"
                    + (f"#{ref.part}" if ref.part else ""),
                )
                for ref in found
            ]
        else:
            root = Path(source.dir).resolve()  # Ray workers may run in another directory
            if not root.is_dir():
                raise ConfigError(f"scenes[{number}].dir: not a directory: {root}")
            found = sorted(path.parent for path in root.rglob("scene.json"))
            if not found:
                raise ConfigError(f"scenes[{number}].dir: no scene.json below {root}")
            refs += [
                SceneRef(
                    "dir",
                    str(d.relative_to(root)),
                    path=str(d),
                    key=f"scenes[{number}].dir:{d.relative_to(root).as_posix()}",
                )
                for d in found
            ]
    return refs


def plan(config: BuildConfig, limit: int | None = None) -> list[Shard]:
    """The shards of a build, the first ``limit`` scenes only when given."""
    refs = scene_refs(config)[:limit]
    return [Shard(i, ref) for i, ref in enumerate(refs)]


def instantiate_tasks(config: BuildConfig) -> list[tuple[Task, int]]:
    """The configured tasks with their parameters; unknown names and params are ConfigErrors."""
    tasks = []
    for number, spec in enumerate(config.tasks):
        try:
            tasks.append((get_task(spec.name)(**spec.params), spec.per_scene))
        except SpatialQAError as exc:
            raise ConfigError(f"tasks[{number}]: {exc}") from None
    return tasks


def fingerprint(config: BuildConfig) -> str:
    """The build's identity: the config plus the versions of everything that makes its bytes.

    The oracle, the loaders, the tasks' shared base, the output schema, procedural rooms, the
    renderer, a task, abstention (counted only when on) or a degradation whose output changes
    bumps its version, and so every id changes and no earlier shard is kept.
    """
    versions = {
        "oracle": ORACLE_VERSION,
        "loaders": LOADERS_VERSION,
        "task_base": TASK_BASE_VERSION,
        "schema": SCHEMA_VERSION,
        "procedural": PROCEDURAL_VERSION,
        "render": RENDER_VERSION,
        "tasks": {spec.name: get_task(spec.name).version for spec in config.tasks},
        "degradations": {
            spec.type: get_degradation(spec.type).version
            for spec in config.degradations
            if spec.type != "clean"
        },
    }
    if config.abstention_share > 0:
        versions["abstention"] = ABSTENTION_VERSION
    text = json.dumps(
        {"config": config.model_dump(mode="json"), "versions": versions}, sort_keys=True
    )
    return stable_id(text)
