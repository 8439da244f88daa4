"""Modules and names that moved when the code was arranged one idea per module (0.2).

Each old spelling still works for one release, with a ``DeprecationWarning`` naming the new
one; the tables are the list of renames for users to follow (the CHANGELOG repeats them).
Old module paths resolve through a meta-path finder (installed by ``spatialqa/__init__``);
names that left a module resolve through that module's ``__getattr__`` (``names``); a module
that used to be hidden by a function of its own name stays callable (``keep_callable``).
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from collections.abc import Callable
from typing import Any

MODULES = {
    "spatialqa.oracle.ego": "spatialqa.oracle.in_view",
    "spatialqa.oracle.egocentric": "spatialqa.oracle.viewer",
    "spatialqa.oracle.egomotion": "spatialqa.oracle.camera_motion",
    "spatialqa.generators.ego": "spatialqa.generators.in_view",
    "spatialqa.generators.egocentric": "spatialqa.generators.viewer",
    "spatialqa.degradations.views": "spatialqa.degradations.delivery",
}
"""Old module path -> the module that replaced it."""


def _to(module: str, *names: str, renamed: dict[str, str] | None = None) -> dict[str, str]:
    table = {name: f"{module}:{name}" for name in names}
    table.update({old: f"{module}:{new}" for old, new in (renamed or {}).items()})
    return table


NAMES: dict[str, dict[str, str]] = {
    # Dissolved modules: the old path still imports, as a module of these names only.
    "spatialqa.oracle.comparison": {
        **_to("spatialqa.oracle.size", "size_comparison", "height_difference"),
        **_to("spatialqa.oracle.size", "SIZE_QUANTITIES", "HEIGHT_MODES"),
        **_to("spatialqa.oracle.distance", "nearest_category"),
        **_to("spatialqa.oracle.counting", "count_comparison"),
    },
    "spatialqa.generators.measurement": {
        **_to("spatialqa.generators.size", "ObjectSizeEstimation", "SizeParams", "AXIS_WORDS"),
        **_to("spatialqa.generators.size", "RoomSizeEstimation", "RoomParams", "ROOM_QUESTIONS"),
        **_to("spatialqa.generators.size", "SIZE_QUESTIONS"),
        **_to("spatialqa.generators.distance", "ObjectAbsDistance", "DistanceParams"),
        **_to("spatialqa.generators.distance", "CameraObjectDistance", "CameraDistanceParams"),
        **_to("spatialqa.generators.distance", "DISTANCE_QUESTIONS", "CENTROID_QUESTIONS"),
        **_to("spatialqa.generators.distance", "CAMERA_QUESTIONS", "CAMERA_AABB_QUESTIONS"),
    },
    "spatialqa.generators.comparison": {
        **_to("spatialqa.generators.size", "SizeComparison", "SizeComparisonParams"),
        **_to("spatialqa.generators.size", "HeightDifference", "HeightDifferenceParams"),
        **_to("spatialqa.generators.size", "QUANTITY_WORDS", "HEIGHT_QUESTIONS"),
        **_to("spatialqa.generators.size", renamed={"SIZE_QUESTIONS": "SIZE_COMPARISON_QUESTIONS"}),
        **_to("spatialqa.generators.distance", "ObjectRelDistance", "RelDistanceParams"),
        **_to("spatialqa.generators.distance", "REL_DISTANCE_QUESTIONS"),
        **_to("spatialqa.generators.counting", "ObjectCountCompare"),
        **_to(
            "spatialqa.generators.counting", renamed={"COUNT_QUESTIONS": "COUNT_COMPARE_QUESTIONS"}
        ),
    },
    # Modules that lost names.
    "spatialqa.oracle": {
        **_to("spatialqa.scenes.scene", renamed={"Box": "OrientedBox"}),
    },
    "spatialqa.oracle.boxes": {
        **_to("spatialqa.oracle.size", "object_size", "object_volume", "side_length"),
        **_to("spatialqa.oracle.size", "upright_sides", "SIZE_AXES", "UPRIGHT_TOL_DEG"),
        **_to("spatialqa.scenes.scene", renamed={"Box": "OrientedBox"}),
    },
    "spatialqa.oracle.counting": {
        **_to("spatialqa.oracle.appearance", "object_existence", "first_appearance"),
        **_to("spatialqa.oracle.appearance", "appearance_order"),
    },
    "spatialqa.oracle.geometry": {
        **_to("spatialqa.scenes.scene", renamed={"NO_HIT_ID": "BACKGROUND_ID"}),
    },
    "spatialqa.oracle.program": {
        **_to("spatialqa.scenes.scene", renamed={"STRUCTURE": "STRUCTURE_ID"}),
    },
    "spatialqa.oracle.visibility": {
        **_to("spatialqa.oracle.splats", "splat_radius", "splat_mesh", "SPLAT_SCALE"),
        **_to("spatialqa.oracle.tracing", "HIT_BUDGET"),
        **_to("spatialqa.scenes.camera", "pixel_rays", renamed={"rays_through": "pixel_rays"}),
    },
    "spatialqa.generators.visibility": {
        **_to("spatialqa.generators.appearance", "ObjAppearanceOrder", "AppearanceParams"),
        **_to("spatialqa.generators.appearance", "ObjectExistence", "APPEARANCE_QUESTIONS"),
        **_to("spatialqa.generators.appearance", "EXISTENCE_QUESTIONS", "EXISTENCE_VOCABULARY"),
        **_to("spatialqa.generators.referents", "tau_text"),
        **_to("spatialqa.generators.in_view", "FROM_CAMERA"),
    },
    "spatialqa.generators.metrics": _to(
        "spatialqa.generators.metrics", renamed={"score": "metric_score"}
    ),
    "spatialqa.generators.rewards": _to(
        "spatialqa.generators.rewards", renamed={"score": "reward"}
    ),
    "spatialqa.degradations": {
        **_to("spatialqa.degradations.render", renamed={"View": "RenderedFrame"}),
        **_to("spatialqa.degradations.delivery", renamed={"DeliveredView": "DeliveredFrame"}),
        **_to("spatialqa.scenes.scene", "BACKGROUND_ID", "STRUCTURE_ID"),
    },
    "spatialqa.degradations.render": _to(
        "spatialqa.degradations.render", renamed={"View": "RenderedFrame"}
    ),
    "spatialqa.degradations.delivery": {
        **_to("spatialqa.degradations.delivery", renamed={"DeliveredView": "DeliveredFrame"}),
    },
    "spatialqa.degradations.raycast": _to(
        "spatialqa.scenes.camera", renamed={"camera_rays": "pixel_rays"}
    ),
    "spatialqa.degradations.sheet": _to(
        "spatialqa.scenes.scene", renamed={"scaled": "Frame.resized"}
    ),
    "spatialqa.pipelines.shard": _to(
        "spatialqa.scenes.scene", renamed={"resized": "Frame.resized"}
    ),
    "spatialqa.pipelines.evaluate": _to(
        "spatialqa.pipelines.evaluate", renamed={"Report": "Scores"}
    ),
    "spatialqa.scenes.assemble": _to("spatialqa.scenes.assemble", renamed={"Report": "LoadReport"}),
    "spatialqa.scenes.formats": _to(
        "spatialqa.scenes.formats", renamed={"SceneSourceRef": "SceneRef"}
    ),
    "spatialqa.scenes.procedural": {
        **_to("spatialqa.scenes.footprints", "ROOM_SIZES", "L_SHAPE_CHANCE", "MIN_ARM"),
        **_to("spatialqa.scenes.footprints", "TRIES", "WALL_THICKNESS"),
        **_to("spatialqa.scenes.layout", "GAP", "SLACK", "TOP_MARGIN", "TALL", "DOOR_DEPTH"),
        **_to("spatialqa.scenes.layout", "WINDOW_DEPTH", "LOOP_CLEARANCE", "FLOOR_OBJECTS_MAX"),
        **_to("spatialqa.scenes.trajectories", "FRAME_SPACING_S", "HANDHELD_DRIFT_M"),
        **_to("spatialqa.scenes.trajectories", "LOOP_INSET"),
    },
}
"""Module path -> {old name: "new.module:new_name"} for each name that left (or was renamed in)
that module."""

CALLABLE = {
    "spatialqa.oracle.visibility": "visibility",
    "spatialqa.pipelines.build": "build",
    "spatialqa.pipelines.plan": "plan",
}
"""Modules their package used to hide behind a function of the same name -> that function."""


def _warn(old: str, new: str) -> None:
    warnings.warn(
        f"{old} moved to {new}; the old name goes in the next release",
        DeprecationWarning,
        stacklevel=3,
    )


def old_name(module: str, name: str) -> Any:
    """The object a name that left ``module`` now is (with a warning); AttributeError if none."""
    moved = NAMES.get(module, {})
    if name not in moved:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    where, path = moved[name].split(":")
    _warn(f"{module}.{name}", f"{where}.{path}")
    return functools.reduce(getattr, path.split("."), importlib.import_module(where))


def names(module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving the names that left ``module``."""
    return functools.partial(old_name, module)


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = CALLABLE[self.__name__]
        _warn(f"calling the module {self.__name__}", f"{self.__name__}.{function}")
        return getattr(self, function)(*args, **kwargs)


def keep_callable(module: str) -> None:
    """Let ``module`` be called as the function its package used to export under its name."""
    sys.modules[module].__class__ = _CallableModule


class _Alias(importlib.abc.Loader):
    """Loads an old module path as the module that replaced it (the same object), or a dissolved
    module as an empty one whose ``__getattr__`` resolves its old names."""

    def __init__(self, new: str | None) -> None:
        self.new = new
        self.spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        if self.new is None:
            return None  # the default: a fresh module, filled by exec_module
        _warn(spec.name, self.new)
        module = importlib.import_module(self.new)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        if self.new is None:
            module.__getattr__ = names(module.__name__)
        else:  # give the loaded module back the spec the import system just overwrote
            module.__spec__ = self.spec


class _Finder(importlib.abc.MetaPathFinder):
    """Consulted last, so only for paths no real module has."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in MODULES:
            return importlib.util.spec_from_loader(fullname, _Alias(MODULES[fullname]))
        if fullname in NAMES:
            return importlib.util.spec_from_loader(fullname, _Alias(None))
        return None


def install() -> None:
    """Put the finder for old module paths on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
