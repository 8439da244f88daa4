"""The build config: YAML validated on load; errors name the field, the value and the rule."""

from __future__ import annotations

import dataclasses
import difflib
import reprlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_serializer,
    model_validator,
)

from spatialqa.errors import ConfigError, SpatialQAError, TaskError
from spatialqa.pipelines.leakage import SETS, SPLITS, Exclusion, assign_split, parse_entry
from spatialqa.scenes.formats import FORMATS
from spatialqa.scenes.limits import Limits

MAX_SEED = 2**63 - 1
"""Seeds are stored in int64 columns."""
MAX_SCENES = 1_000_000
"""Procedural rooms of one build, all sources together: planning holds one record per scene."""
MAX_FRAMES = 10_000
"""Frames of one trajectory (procedural walkthroughs, delivered views)."""
MAX_PER_SCENE = 10_000
"""Samples of one task per scene and variant."""
MAX_ROWS_PER_GROUP = 100_000
"""Parquet rows per row group (``output.rows_per_shard``): a row group is held whole."""
MAX_CPUS = 1024
"""Local Ray CPUs (``ray.num_cpus``): each is a worker process."""
MAX_SHARD_TIMEOUT_S = 30 * 24 * 3600.0
"""``limits.shard_timeout_s`` at most."""
MAX_CONFIG_BYTES = 4 * 1024 * 1024
"""A config file larger than this is refused before it is parsed."""
MAX_YAML_ALIASES = 100
"""Aliases (``*name``) of one config: a few anchors are handy, thousands are an attack."""
MAX_YAML_NODES = 100_000
"""Values of a config once every alias is expanded (a "billion laughs" bomb is 10**9)."""
MAX_YAML_DEPTH = 64
"""Nesting of a config's collections."""
EXCERPT = 80
"""Characters of an offending value echoed in an error message."""

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 3, 4, 6, 6, 6
_REPR.maxstring, _REPR.maxlong, _REPR.maxother = EXCERPT, 40, EXCERPT


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """A short ``repr`` of ``value`` for an error message: whatever its size or nesting, at most
    ``limit`` characters, so that a huge or alias-expanded value cannot flood the terminal."""
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class FieldError(ValueError):
    """A model validator's error about one field (``where`` is its location from the top):
    ``parse_config`` names that field instead of the model that holds it."""

    def __init__(self, where: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.where = where


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ProceduralSource(Strict):
    count: int = Field(ge=1, le=MAX_SCENES)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    frames: int = Field(default=32, ge=2, le=MAX_FRAMES)


SCENE_SOURCE_KINDS = ("procedural", *FORMATS)
"""``dir``: scene directories (scene.json); the others name a loader (``spatialqa.scenes.formats``
registers them) and a dataset root."""


class _OneSceneSource(Strict):
    """One entry of ``scenes:``; exactly one key."""

    procedural: ProceduralSource | None = None

    @model_validator(mode="after")
    def one_kind(self) -> _OneSceneSource:
        given = [k for k in SCENE_SOURCE_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            kinds = ", ".join(SCENE_SOURCE_KINDS)
            raise ValueError(f"give exactly one of {kinds} (got {given or 'none'})")
        return self


SceneSource = create_model(
    "SceneSource",
    __base__=_OneSceneSource,
    __module__=__name__,
    __doc__=_OneSceneSource.__doc__,
    **{name: (Path | None, None) for name in FORMATS},
)
"""One entry of ``scenes:``: ``procedural`` or the root of one registered format's scenes."""


class TaskSpec(Strict):
    name: str
    per_scene: int = Field(default=5, ge=1, le=MAX_PER_SCENE)
    params: dict = Field(default_factory=dict)


class FramingSpec(Strict):
    """The rule every delivered view must pass (``views.framing``): at most
    ``max_structure_share`` of its pixels show walls, floor or ceiling and at least
    ``min_objects`` objects are visible above tau (the defaults of GROUND_TRUTH.md: 5% of the
    instance or 0.1% of the frame), as the oracle's visibility finds them at the scene's own
    frame size (``spatialqa.oracle.framing``). Procedural rooms always; captured scans only with
    ``scans: true`` (their cameras are what was filmed: a wall-filled frame is real data)."""

    max_structure_share: float = Field(default=0.6, ge=0, le=1)
    min_objects: int = Field(default=2, ge=0, le=MAX_FRAMES)
    scans: bool = False

    def applies_to(self, source_kind: str) -> bool:
        """Whether scenes of this source kind (``Scene.source.kind``) are held to the rule."""
        return self.scans or source_kind == "procedural"


class ViewsSpec(Strict):
    """``frames`` views of ``trajectory``, spread over it in time order; with ``framing`` (on
    by default, ``framing: false`` turns it off) only frames that pass the rule, and fewer
    views where too few pass (``pick_views``)."""

    trajectory: str = "walkthrough"
    frames: int = Field(default=16, ge=1, le=MAX_FRAMES)
    framing: FramingSpec | None = FramingSpec()

    @field_validator("framing", mode="before")
    @classmethod
    def framing_spec(cls, value: object) -> object:
        """``true`` is the default rule, ``false`` (or null) none; else a mapping of the rule."""
        if value is True:
            return FramingSpec()
        if value is False or value is None:
            return None
        if not isinstance(value, dict | FramingSpec):
            raise ValueError(
                "must be true, false or {max_structure_share: S, min_objects: N, scans: B} "
                f"(got {excerpt(value)})"
            )
        return value


class RenderSpec(Strict):
    backend: Literal["auto", "raster", "pyrender", "raycast"] = "auto"  # pyrender: old name
    width: int = Field(default=640, ge=16)
    height: int = Field(default=480, ge=16)


class DegradationSpec(Strict):
    """A degradation type and its severities; ``clean`` (the undegraded views) has none."""

    type: str
    severities: list[int] = Field(default_factory=list)

    @field_validator("type")
    @classmethod
    def known_type(cls, value: str) -> str:
        """An unknown type is the error, not the severities it would need."""
        if value == "clean":
            return value
        from spatialqa.degradations.registry import DEGRADATIONS

        if value not in DEGRADATIONS:
            known = ", ".join(["clean", *sorted(DEGRADATIONS)])
            close = difflib.get_close_matches(value[:100], DEGRADATIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown degradation {excerpt(value)} (known: {known}){hint}")
        return value

    @model_validator(mode="after")
    def severities_fit_type(self) -> DegradationSpec:
        if self.type == "clean":
            if self.severities:
                raise ValueError("'clean' takes no severities")
        elif not self.severities:
            raise ValueError(f"{self.type!r} needs severities, e.g. [1, 3, 5]")
        bad = [s for s in self.severities if not 1 <= s <= 5]
        if bad:
            raise ValueError(f"'severity' must be int in 1..5 (got {excerpt(bad)})")
        twice = sorted({s for s in self.severities if self.severities.count(s) > 1})
        if twice:
            raise ValueError(f"severities given twice: {twice}; give each once")
        return self

    @property
    def variants(self) -> list[tuple[str, int]]:
        """(type, severity) pairs; clean is ("clean", 0)."""
        return [("clean", 0)] if self.type == "clean" else [(self.type, s) for s in self.severities]


class OutputSpec(Strict):
    inline_images: Literal["few", "all", "none"] = "few"
    image_format: Literal["jpeg", "png"] = "jpeg"
    quality: int = Field(default=90, ge=1, le=100)
    rows_per_shard: int = Field(default=2000, ge=1, le=MAX_ROWS_PER_GROUP)


class AbstentionSpec(Strict):
    """``abstention: true`` is ``{share: 0.1}``: that share of each task's samples per scene
    asks about an object the delivered views do not show (when the scene has one)."""

    share: float = Field(default=0.1, gt=0, lt=1)


RUNTIME_ENV_KEYS = (
    "working_dir",
    "py_modules",
    "excludes",
    "pip",
    "uv",
    "conda",
    "env_vars",
    "config",
)
"""The keys of Ray's runtime_env a build config takes (``ray.runtime_env``)."""
RAY_ONLY_KEYS = (
    "py_executable",
    "java_jars",
    "container",
    "image_uri",
    "worker_process_setup_hook",
)
"""Ray's other runtime_env keys: given to ``ray.init`` by hand, not by a build config."""
PACKAGE_KEYS = ("pip", "uv", "conda")


class RuntimeEnvConfigSpec(Strict):
    """``ray.runtime_env.config``: how Ray sets the environment up on a node."""

    setup_timeout_seconds: int | None = Field(default=None, ge=-1)
    eager_install: bool | None = None


class RuntimeEnvSpec(Strict):
    """``ray.runtime_env``: Ray's runtime environment of the job a build or ``ray_dataset``
    starts or connects to, so that code the workers' own environment lacks reaches every node:
    modules holding the config's tasks (``py_modules``, ``working_dir``), packages (``pip``,
    ``uv``, ``conda``), variables (``env_vars``). Local paths are relative to the config
    file's folder (the working directory for a mapping) and are made absolute on load; URIs
    (``s3://...``, ``https://...``) are passed as they are. Ray checks the rest when it starts.
    """

    working_dir: str | None = None
    py_modules: list[str] | None = None
    excludes: list[str] | None = None
    pip: list[str] | str | dict | None = None
    uv: list[str] | str | dict | None = None
    conda: str | dict | None = None
    env_vars: dict[str, str] | None = None
    config: RuntimeEnvConfigSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def known_keys(cls, value: object) -> object:
        """Unknown keys named one by one (Ray would only warn, or fail on a node later)."""
        if isinstance(value, RuntimeEnvSpec):
            return value
        if not isinstance(value, dict):
            raise ValueError(
                f"must be a mapping of Ray's runtime_env keys ({', '.join(RUNTIME_ENV_KEYS)}) "
                f"(got {excerpt(value)})"
            )
        for key in value:
            if key in RUNTIME_ENV_KEYS:
                continue
            where = ("ray", "runtime_env", str(key))
            taken = ", ".join(RUNTIME_ENV_KEYS)
            if key in RAY_ONLY_KEYS:
                raise FieldError(
                    where, f"not taken by a build config (it takes {taken}); give it to ray.init"
                )
            close = difflib.get_close_matches(str(key)[:100], RUNTIME_ENV_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise FieldError(where, f"unknown runtime_env key (known: {taken}){hint}")
        given = [key for key in PACKAGE_KEYS if value.get(key) is not None]
        if len(given) > 1:
            raise FieldError(
                ("ray", "runtime_env", given[1]),
                f"give one of {', '.join(PACKAGE_KEYS)} (got {' and '.join(given)})",
            )
        return value

    @field_validator("working_dir", mode="before")
    @classmethod
    def working_dir_path(cls, value: object, info: ValidationInfo) -> object:
        """A local folder (or .zip) made absolute against the config's folder."""
        if value is None:
            return value
        if not isinstance(value, str):
            raise ValueError(f"must be a folder's path or a URI (got {excerpt(value)})")
        return local_path(value, info, ("working_dir",), (".zip",))

    @field_validator("py_modules", mode="before")
    @classmethod
    def module_paths(cls, value: object, info: ValidationInfo) -> object:
        """Each a local package folder, ``.py`` file or wheel (made absolute), or a URI."""
        if value is None:
            return value
        if not isinstance(value, list):
            raise ValueError(
                "must be a list of package folders, .py files, wheels or URIs "
                f"(got {excerpt(value)})"
            )
        paths = []
        for number, entry in enumerate(value):
            if not isinstance(entry, str):
                raise FieldError(
                    ("ray", "runtime_env", "py_modules", number),
                    f"must be a path or a URI (got {excerpt(entry)})",
                )
            paths.append(local_path(entry, info, ("py_modules", number), (".py", ".whl")))
        return paths

    @field_validator("pip", "uv", mode="before")
    @classmethod
    def requirements(cls, value: object, info: ValidationInfo) -> object:
        """A list of requirements, a requirements file (made absolute) or Ray's mapping with
        ``packages`` (either of those)."""
        if value is None:
            return value
        if isinstance(value, list):
            for number, requirement in enumerate(value):
                if not isinstance(requirement, str):
                    raise FieldError(
                        ("ray", "runtime_env", info.field_name, number),
                        f"must be a requirement as text (got {excerpt(requirement)})",
                    )
            return value
        if isinstance(value, str):
            return local_path(value, info, (info.field_name,), (".txt", ".in"), files=True)
        if isinstance(value, dict):
            if "packages" not in value:
                raise ValueError(f"a mapping needs 'packages' (got {excerpt(value)})")
            packages = value["packages"]
            if isinstance(packages, str):
                where = (info.field_name, "packages")
                packages = local_path(packages, info, where, (".txt", ".in"), files=True)
            elif not isinstance(packages, list):
                raise FieldError(
                    ("ray", "runtime_env", info.field_name, "packages"),
                    f"must be a list of requirements or a requirements file (got "
                    f"{excerpt(packages)})",
                )
            return {**value, "packages": packages}
        raise ValueError(
            f"must be a list of requirements, a requirements file or {{packages: ...}} "
            f"(got {excerpt(value)})"
        )

    @field_validator("conda", mode="before")
    @classmethod
    def conda_env(cls, value: object, info: ValidationInfo) -> object:
        """An environment's name, an environment.yml (made absolute) or its contents."""
        if isinstance(value, str) and value.endswith((".yml", ".yaml")):
            return local_path(value, info, ("conda",), (".yml", ".yaml"), files=True)
        return value

    @field_validator("env_vars", mode="before")
    @classmethod
    def text_values(cls, value: object) -> object:
        """Ray sets variables from text only: a YAML number is refused, not turned into one."""
        if value is None:
            return value
        if not isinstance(value, dict):
            raise ValueError(f"must be a mapping of names to text (got {excerpt(value)})")
        for name, text in value.items():
            if not isinstance(name, str) or not isinstance(text, str):
                raise FieldError(
                    ("ray", "runtime_env", "env_vars", str(name)),
                    f"names and values must be text: quote them, e.g. '4' (got {excerpt(text)})",
                )
        return value

    @property
    def ray_form(self) -> dict:
        """The runtime_env as ``ray.init`` takes it (keys not given left out)."""
        return self.model_dump(exclude_none=True)


def local_path(
    entry: str,
    info: ValidationInfo,
    where: tuple[str | int, ...],
    suffixes: tuple[str, ...],
    *,
    files: bool = False,
) -> str:
    """``entry`` unchanged when it is a URI, else the absolute path it names from the config's
    folder (``base`` of the validation context; the working directory when none): a folder
    (unless ``files``) or a file ending in one of ``suffixes``, which must exist."""
    if "://" in entry:
        return entry
    base = Path((info.context or {}).get("base") or ".")
    path = (base / Path(entry).expanduser()).resolve()
    location = ("ray", "runtime_env", *where)
    if not path.exists():
        raise FieldError(location, f"{path}: not found ({entry!r} from the folder {base})")
    if not (path.is_file() and path.suffix in suffixes) and (files or not path.is_dir()):
        kinds = ("a folder or " if not files else "") + "a file ending " + " or ".join(suffixes)
        raise FieldError(location, f"{path}: must be {kinds}")
    return str(path)


class RaySpec(Strict):
    num_cpus: int | None = Field(default=None, ge=1, le=MAX_CPUS)
    runtime_env: RuntimeEnvSpec | None = Field(default=None, exclude=True)
    """Not in the config hash nor the manifest: it says where the code comes from on this
    machine (absolute paths), not what the build makes (the tasks' versions are hashed)."""

    @property
    def ray_runtime_env(self) -> dict | None:
        """The runtime_env for ``ray.init``, or None when the config gives none."""
        return None if self.runtime_env is None else self.runtime_env.ray_form


class LimitsSpec(Strict):
    """What one scene may cost; a scene beyond a limit is skipped with the reason before any
    work is done. The defaults (the scene's from ``spatialqa.scenes.limits.Limits``) admit
    every scan of ScanNet, ScanNet++ (DSLR images included), ARKitScenes and 3D-FRONT."""

    max_image_side: int = Field(default=Limits.max_image_side, ge=16)
    """Widest or tallest frame, captured image or render, in pixels."""
    max_image_pixels: int = Field(default=Limits.max_image_pixels, ge=256)
    """Pixels of one frame or captured image (a 6048 x 4032 DSLR photo is 24.4 M)."""
    max_objects: int = Field(default=Limits.max_objects, ge=1)
    """Objects of one scene (pairwise facts grow with its square)."""
    max_vertices: int = Field(default=Limits.max_vertices, ge=1)
    """Mesh vertices and points of one scene, objects and structure together."""
    max_keyframes: int = Field(default=Limits.max_keyframes, ge=0)
    """Motion keyframes of one scene, all objects together (each can be a state of the scene,
    with its own placed objects and derived geometry); 1000 admits one object keyed at every
    frame of a 30 s clip at 30 fps, procedural rooms use at most 3."""
    max_shard_memory_gib: float = Field(default=8.0, gt=0)
    """The estimated peak memory of one shard (meshes, visibility, images) must fit this."""
    shard_timeout_s: float = Field(default=1800.0, gt=0)
    """Wall time of one shard; a shard still running then is stopped and its scene skipped."""

    @property
    def scene(self) -> Limits:
        """The part a scene is checked against right after loading (``check_limits``)."""
        return Limits(**{name: getattr(self, name) for name in Limits.__dataclass_fields__})

    @field_validator("shard_timeout_s")
    @classmethod
    def timeout_a_clock_can_wait(cls, value: float) -> float:
        """Timers overflow on huge waits (``threading`` refuses 1e300 s); 30 days is plenty."""
        if value > MAX_SHARD_TIMEOUT_S:
            limit = f"{MAX_SHARD_TIMEOUT_S:.0f}"
            raise ValueError(f"must be at most {limit} s, 30 days (got {value:g})")
        return value

    @model_serializer(mode="wrap")
    def _keyframes_only_when_set(self, handler: SerializerFunctionWrapHandler) -> dict:
        """``max_keyframes`` at its default is left out of the dump, so the config hash (which
        every row id holds) of a config that does not set it is the one it was before."""
        data = handler(self)
        if self.max_keyframes == Limits.max_keyframes:
            data.pop("max_keyframes", None)
        return data


class SplitSpec(Strict):
    """Shares of the scenes in train / val / test (``split: {train: 0.8, val: 0.1, test:
    0.1}``); a split left out has share 0. Whole scenes are assigned, never single samples."""

    train: float = Field(default=0.0, ge=0, le=1)
    val: float = Field(default=0.0, ge=0, le=1)
    test: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def shares_sum_to_one(self) -> SplitSpec:
        total = sum(self.shares.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            shown = ", ".join(f"{name} {share:g}" for name, share in self.shares.items())
            raise ValueError(f"the shares must sum to 1 (got {shown}: {total:g})")
        return self

    @property
    def shares(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in SPLITS}

    @property
    def names(self) -> list[str]:
        """The splits that get scenes (a positive share), in ``SPLITS`` order."""
        return [name for name, share in self.shares.items() if share > 0]

    def of(self, dataset: str, scene_id: str) -> str:
        """The split of the scene ``scene_id`` of ``dataset``."""
        return assign_split(self.shares, (dataset, scene_id))


SHARE_TOLERANCE = 1e-9
"""How far the split shares' sum may be from 1 (0.7 + 0.2 + 0.1 is 0.9999999999999999)."""


class BuildConfig(Strict):
    name: str
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
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
    exclude: list[str] = Field(default_factory=list)
    """Scene ids and named sets (``vsibench``, ``scannet_val``) left out of the build."""
    split: SplitSpec | None = None
    _source: str = PrivateAttr(default="config")

    @property
    def source(self) -> str:
        """What the config was read from (its file), for errors found after loading (a scene
        directory missing when the build is planned); ``config`` when made from a mapping."""
        return self._source

    @field_validator("exclude", mode="before")
    @classmethod
    def exclude_entries(cls, entries: object) -> object:
        """Each entry a set name or a scene id as a string, each once (a YAML number is
        refused: ``012`` would be the octal 10, not the scene ``012``)."""
        if not isinstance(entries, list):
            raise ValueError(f"must be a list of set names and scene ids (got {excerpt(entries)})")
        seen: dict[str, int] = {}
        for number, entry in enumerate(entries):
            if not isinstance(entry, str):
                raise FieldError(
                    ("exclude", number),
                    f"must be a string: a set name ({', '.join(SETS)}) or a scene id "
                    f"in quotes (got {excerpt(entry)})",
                )
            try:
                parse_entry(entry)
            except ValueError as exc:
                raise FieldError(("exclude", number), str(exc)) from None
            if entry in seen:
                raise FieldError(
                    ("exclude", number), f"{excerpt(entry)} is already exclude[{seen[entry]}]"
                )
            seen[entry] = number
        return entries

    @property
    def exclusion(self) -> Exclusion:
        """The ``exclude:`` entries, ready to match scenes."""
        return Exclusion(self.exclude)

    def split_of(self, dataset: str, scene_id: str) -> str | None:
        """The split of a scene, None when the config has no ``split:``."""
        return None if self.split is None else self.split.of(dataset, scene_id)

    @field_validator("abstention", mode="before")
    @classmethod
    def abstention_spec(cls, value: object) -> object:
        """Name the real problem, not the two branches of the union."""
        if isinstance(value, bool):
            return value
        if not isinstance(value, dict):
            raise ValueError(
                f"must be true, false or {{share: S}} with 0 < S < 1 (got {excerpt(value)})"
            )
        try:
            return AbstentionSpec.model_validate(value)
        except ValidationError as exc:
            problems = [
                f"{_where(e['loc'])}: {e['msg']} (got {excerpt(e.get('input'))})"
                for e in exc.errors()
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

    @model_validator(mode="after")
    def each_once(self) -> BuildConfig:
        """A task or a degradation variant given twice would emit the same sample ids twice."""
        seen: dict[str, int] = {}
        for number, spec in enumerate(self.tasks):
            if spec.name in seen:
                raise FieldError(
                    ("tasks", number),
                    f"{excerpt(spec.name)} is already tasks[{seen[spec.name]}]; "
                    "give each task once",
                )
            seen[spec.name] = number
        variants: dict[tuple[str, int], int] = {}
        for number, spec in enumerate(self.degradations):
            for variant in spec.variants:
                if variant in variants:
                    kind, severity = variant
                    shown = "clean" if kind == "clean" else f"{kind} severity {severity}"
                    raise FieldError(
                        ("degradations", number),
                        f"{shown} is already in degradations[{variants[variant]}]; "
                        "give each variant once",
                    )
                variants[variant] = number
        return self

    @model_validator(mode="after")
    def within_limits(self) -> BuildConfig:
        """Refuse work no machine can do before any is planned: rooms beyond the planner's
        bound, render sizes beyond ``limits`` (OpenGL fails on them long after the start)."""
        total = sum(s.procedural.count for s in self.scenes if s.procedural is not None)
        if total > MAX_SCENES:
            raise FieldError(
                ("scenes",),
                f"{total} procedural rooms in all; a build holds at most {MAX_SCENES}",
            )
        width, height, limits = self.render.width, self.render.height, self.limits
        for field, side in (("width", width), ("height", height)):
            if side > limits.max_image_side:
                raise FieldError(
                    ("render", field),
                    f"{side} is above limits.max_image_side ({limits.max_image_side})",
                )
        if width * height > limits.max_image_pixels:
            raise FieldError(
                ("render", "width"),
                f"{width} x {height} = {width * height} pixels is above "
                f"limits.max_image_pixels ({limits.max_image_pixels})",
            )
        return self


def _where(loc: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def parse_config(
    data: object, source: str = "config", *, tasks: bool = True, base: Path | None = None
) -> BuildConfig:
    """Validate a config mapping, its task names and params included; raise ConfigError naming
    ``source`` and the field. ``tasks=False`` checks the form alone: a config recorded in a
    manifest is read again to find its scenes, whether or not this process knows its tasks
    (a task defined in the script that built it). ``base``: the folder relative paths of
    ``ray.runtime_env`` start from (the config file's; the working directory when None)."""
    try:
        config = BuildConfig.model_validate(data, context={"base": base})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not str(p).startswith(("literal[", "function-")))
            cause = error.get("ctx", {}).get("error")
            if isinstance(cause, FieldError):
                loc = cause.where
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] not in ("missing", "value_error"):
                message += f" (got {excerpt(error.get('input'))})"
            problems.append(f"{source}: {_where(loc) or 'top level'}: {message}")
        raise ConfigError("\n".join(dict.fromkeys(problems))) from None
    if tasks:
        check_tasks(config, source)
    config._source = source
    return config


def check_tasks(config: BuildConfig, source: str) -> None:
    """Every task registered, its params of the types of their defaults and accepted by the
    task: what ``instantiate_tasks`` and the shards will need, refused here with the file and
    the field (one problem a line) rather than by a shard halfway through a build."""
    from spatialqa.generators.balance import Balance
    from spatialqa.generators.registry import get_task

    problems = []
    for number, spec in enumerate(config.tasks):
        try:
            task = get_task(spec.name)
        except TaskError as exc:
            problems.append(f"{source}: tasks[{number}].name: {exc}")
            continue
        defaults = {f.name: f.default for f in dataclasses.fields(Balance)}
        defaults |= {f.name: f.default for f in dataclasses.fields(task.Params)}
        wrong = [
            f"{source}: tasks[{number}].params.{name}: {problem}"
            for name, value in spec.params.items()
            if name in defaults
            for problem in [type_problem(value, defaults[name])]
            if problem
        ]
        if wrong:
            problems += wrong
            continue
        try:
            task(**spec.params)
        except (SpatialQAError, TypeError, ValueError) as exc:
            where, message = relocated(str(exc), spec.name, number)
            problems.append(f"{source}: {where}: {message}")
    if problems:
        raise ConfigError("\n".join(problems))


def type_problem(value: object, default: object) -> str | None:
    """Why ``value`` cannot stand where the param's ``default`` does (a number for a number,
    text for text, a list of numbers for a tuple of them), or None. A default of None says
    nothing of the type: the task checks those."""
    kind = _kind(default)
    if kind is None or _fits(value, default):
        return None
    shown = list(default) if isinstance(default, tuple) else default
    return f"must be {kind}, like the default {shown!r} (got {excerpt(value)})"


def _kind(default: object) -> str | None:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "text"
    if isinstance(default, tuple):
        each = _kind(default[0]) if default else None
        return f"a list, each {each}" if each else "a list"
    return None


def _fits(value: object, default: object) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return number and isinstance(value, int)
    if isinstance(default, float):
        return number
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, tuple):
        return isinstance(value, list | tuple) and (
            not default or all(_fits(item, default[0]) for item in value)
        )
    return True


def relocated(message: str, task: str, number: int) -> tuple[str, str]:
    """A task's params error (``tasks[NAME].params.FIELD: ...``, ``params.FIELD: ...`` or a
    bare message) as (its place in the config, what is wrong)."""
    for prefix in (f"tasks[{task}].", ""):
        if message.startswith(f"{prefix}params"):
            where, _, text = message.removeprefix(prefix).partition(": ")
            return f"tasks[{number}].{where}", text
    return f"tasks[{number}].params", message


class _Refused(yaml.YAMLError):
    """A YAML document refused for its shape (aliases, size, nesting), not its syntax."""


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents whose aliases expand past a bound.

    Aliases share one node, so an alias bomb composes in microseconds; it is everything
    after (validation, error messages) that walks the expanded tree, 10**9 values of it."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise _Refused(
                    f"more than {MAX_YAML_ALIASES} YAML aliases (*name); write values out"
                )
        return super().compose_node(parent, index)

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            expanded_size(node)
        return node


def expanded_size(root: yaml.Node) -> int:
    """Values of the document under ``root`` with every alias expanded; ``_Refused`` past
    ``MAX_YAML_NODES``, past ``MAX_YAML_DEPTH`` levels, or for an alias inside its own anchor.
    Each distinct node is counted once (memoised), so the walk is as long as the file."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise _Refused("a YAML alias refers to its own anchor (a recursive document)")
        if depth > MAX_YAML_DEPTH:
            raise _Refused(f"nested deeper than {MAX_YAML_DEPTH} levels")
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        open_nodes.add(key)
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_YAML_NODES:
                raise _Refused(
                    f"its YAML aliases expand to more than {MAX_YAML_NODES} values "
                    "(an alias bomb?); write values out"
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    return size(root, 0)


def read_text(path: Path) -> str:
    """The config's text; a clear ConfigError for a missing, unreadable, oversized or
    non-UTF-8 file, or one that is not a file at all."""
    try:
        with open(path, "rb") as handle:  # a bounded read: /dev/zero or a FIFO never ends
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; not a build config")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def load_config(path: str | Path) -> BuildConfig:
    """Read and validate a YAML build config."""
    path = Path(path)
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=BoundedLoader)  # a SafeLoader subclass
    except _Refused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({excerpt_text(str(exc))})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested deeper than {MAX_YAML_DEPTH} levels") from None
    except ValueError as exc:  # a scalar PyYAML resolves but cannot build: 2001-13-45, 10**5000
        raise ConfigError(f"{path}: not valid YAML ({excerpt_text(str(exc))})") from None
    if data is None:
        raise ConfigError(f"{path}: empty; a build config is a mapping with name, scenes and tasks")
    return parse_config(data, str(path), base=path.parent)


def excerpt_text(text: str, limit: int = 400) -> str:
    """``text`` cut to ``limit`` characters (a parser's message quotes the file)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
