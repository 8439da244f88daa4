"""The build config: YAML validated on load; errors name the field, the value and the rule."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from spatialqa.errors import ConfigError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProceduralSource(Strict):
    count: int = Field(ge=1)
    seed: int = 0
    frames: int = Field(default=32, ge=2)


SCENE_SOURCE_KINDS = (
    "procedural",
    "dir",
    "scannet",
    "scannetpp",
    "arkitscenes",
    "front3d",
    "generic",
)
"""``dir``: scene directories (scene.json); the others name a loader and a dataset root."""


class SceneSource(Strict):
    """One entry of ``scenes:``; exactly one key."""

    procedural: ProceduralSource | None = None
    dir: Path | None = None
    scannet: Path | None = None
    scannetpp: Path | None = None
    arkitscenes: Path | None = None
    front3d: Path | None = None
    generic: Path | None = None

    @model_validator(mode="after")
    def one_kind(self) -> SceneSource:
        given = [k for k in SCENE_SOURCE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            kinds = ", ".join(SCENE_SOURCE_KINDS)
            raise ValueError(f"give exactly one of {kinds} (got {given or 'none'})")
        return self


class TaskSpec(Strict):
    name: str
    per_scene: int = Field(default=5, ge=1)
    params: dict = Field(default_factory=dict)


class ViewsSpec(Strict):
    trajectory: str = "walkthrough"
    frames: int = Field(default=16, ge=1)


class RenderSpec(Strict):
    backend: Literal["auto", "pyrender", "raycast"] = "auto"
    width: int = Field(default=640, ge=16)
    height: int = Field(default=480, ge=16)


class DegradationSpec(Strict):
    """A degradation type and its severities; ``clean`` (the undegraded views) has none."""

    type: str
    severities: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def severities_fit_type(self) -> DegradationSpec:
        if self.type == "clean":
            if self.severities:
                raise ValueError("'clean' takes no severities")
        elif not self.severities:
            raise ValueError(f"{self.type!r} needs severities, e.g. [1, 3, 5]")
        bad = [s for s in self.severities if not 1 <= s <= 5]
        if bad:
            raise ValueError(f"'severity' must be int in 1..5 (got {bad})")
        return self

    @property
    def variants(self) -> list[tuple[str, int]]:
        """(type, severity) pairs; clean is ("clean", 0)."""
        return [("clean", 0)] if self.type == "clean" else [(self.type, s) for s in self.severities]


class OutputSpec(Strict):
    inline_images: Literal["few", "all", "none"] = "few"
    image_format: Literal["jpeg", "png"] = "jpeg"
    quality: int = Field(default=90, ge=1, le=100)
    rows_per_shard: int = Field(default=2000, ge=1)


class AbstentionSpec(Strict):
    """``abstention: true`` is ``{share: 0.1}``: that share of each task's samples per scene
    asks about an object the delivered views do not show (when the scene has one)."""

    share: float = Field(default=0.1, gt=0, lt=1)


class RaySpec(Strict):
    num_cpus: int | None = Field(default=None, ge=1)


class LimitsSpec(Strict):
    """What one scene may cost; a scene beyond a limit is skipped with the reason before any
    work is done. The defaults admit every scan of ScanNet, ScanNet++ (DSLR images included),
    ARKitScenes and 3D-FRONT."""

    max_image_side: int = Field(default=8192, ge=16)
    """Widest or tallest frame, captured image or render, in pixels."""
    max_image_pixels: int = Field(default=40_000_000, ge=256)
    """Pixels of one frame or captured image (a 6048 x 4032 DSLR photo is 24.4 M)."""
    max_objects: int = Field(default=2000, ge=1)
    """Objects of one scene (pairwise facts grow with its square)."""
    max_vertices: int = Field(default=20_000_000, ge=1)
    """Mesh vertices and points of one scene, objects and structure together."""
    max_shard_memory_gib: float = Field(default=8.0, gt=0)
    """The estimated peak memory of one shard (meshes, visibility, images) must fit this."""
    shard_timeout_s: float = Field(default=1800.0, gt=0)
    """Wall time of one shard; a shard still running then is stopped and its scene skipped."""


class BuildConfig(Strict):
    name: str
    seed: int = 0
    scenes: list[SceneSource] = Field(min_length=1)
    tasks: list[TaskSpec] = Field(min_length=1)
    views: ViewsSpec = ViewsSpec()
    render: RenderSpec = RenderSpec()
    degradations: list[DegradationSpec] = Field(
        default_factory=lambda: [DegradationSpec(type="clean")], min_length=1
    )
    abstention: bool | AbstentionSpec = False
    output: OutputSpec = OutputSpec()
    ray: RaySpec = RaySpec()
    limits: LimitsSpec = LimitsSpec()

    @field_validator("abstention", mode="before")
    @classmethod
    def abstention_spec(cls, value: object) -> object:
        """Name the real problem, not the two branches of the union."""
        if isinstance(value, bool):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"must be true, false or {{share: S}} with 0 < S < 1 (got {value!r})")
        try:
            return AbstentionSpec.model_validate(value)
        except ValidationError as exc:
            problems = [
                f"{_where(e['loc'])}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors()
            ]
            raise ValueError("; ".join(problems)) from None

    @property
    def abstention_share(self) -> float:
        """The share of each task's samples asked as abstention items (0 when off)."""
        if isinstance(self.abstention, AbstentionSpec):
            return self.abstention.share
        return AbstentionSpec().share if self.abstention else 0.0

    @field_validator("tasks", mode="before")
    @classmethod
    def names_to_specs(cls, tasks: object) -> object:
        if isinstance(tasks, list):
            return [{"name": t} if isinstance(t, str) else t for t in tasks]
        return tasks

    @field_validator("degradations", mode="before")
    @classmethod
    def clean_to_spec(cls, items: object) -> object:
        if isinstance(items, list):
            return [{"type": d} if isinstance(d, str) else d for d in items]
        return items


def _where(loc: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def parse_config(data: object, source: str = "config") -> BuildConfig:
    """Validate a config mapping; raise ConfigError naming ``source`` and the field."""
    try:
        return BuildConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not str(p).startswith(("literal[", "function-")))
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] not in ("missing", "value_error"):
                message += f" (got {error.get('input')!r})"
            problems.append(f"{source}: {_where(loc) or 'top level'}: {message}")
        raise ConfigError("\n".join(dict.fromkeys(problems))) from None


def load_config(path: str | Path) -> BuildConfig:
    """Read and validate a YAML build config."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    return parse_config(data, str(path))
