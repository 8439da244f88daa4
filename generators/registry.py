"""The task registry: names refuse duplicates, unknown names get a suggestion.

Registering a numeric task also registers ``<name>_mc``, the same question as multiple choice
(unless the task sets ``mc_variant = False``). The built-in tasks register the first time the
registry is asked, then third-party ones (entry points).
"""

from __future__ import annotations

import difflib
from importlib import import_module
from importlib.metadata import entry_points

from spatialqa.errors import TaskError
from spatialqa.generators.task import NUMERIC, Task, multiple_choice_variant

TASKS: dict[str, type[Task]] = {}
BUILT_IN = (
    "appearance",
    "camera_motion",
    "correspondence",
    "counting",
    "direction",
    "distance",
    "in_view",
    "maps",
    "movement",
    "navigation",
    "size",
    "viewer",
    "visibility",
)
"""The modules of ``spatialqa.generators`` that define (and register) the built-in tasks."""
ENTRY_POINT_GROUP = "spatialqa.tasks"
_entry_points_loaded = False


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator adding a Task subclass under its ``name``."""
    if not (isinstance(cls, type) and issubclass(cls, Task)):
        raise TaskError(f"register_task: {cls!r} is not a Task subclass")
    _add(cls)
    if cls.answer_type in NUMERIC and cls.mc_variant:
        variant = TASKS.get(f"{cls.name}_mc")
        if getattr(variant, "base", None) is not cls:
            _add(multiple_choice_variant(cls))
    return cls


def _add(cls: type[Task]) -> None:
    if cls.name in TASKS and TASKS[cls.name] is not cls:
        raise TaskError(f"task {cls.name!r} is already registered by {TASKS[cls.name].__module__}")
    TASKS[cls.name] = cls


def load_built_in() -> None:
    """Import the built-in task modules (each registers its tasks once, on import)."""
    for module in BUILT_IN:
        import_module(f"spatialqa.generators.{module}")


def load_entry_points(*, again: bool = False) -> None:
    """Import third-party tasks registered under the ``spatialqa.tasks`` entry-point group.

    Once per process; ``again`` looks again (after installing a package at run time).
    """
    global _entry_points_loaded
    if _entry_points_loaded and not again:
        return
    _entry_points_loaded = True
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        loaded = entry.load()
        if isinstance(loaded, type) and issubclass(loaded, Task):
            register_task(loaded)


def get_task(name: str) -> type[Task]:
    """The Task class registered as ``name``."""
    load_built_in()
    load_entry_points()
    if name not in TASKS:
        close = difflib.get_close_matches(name, TASKS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise TaskError(f"unknown task {name!r}{hint} (spatialqa tasks lists them)")
    return TASKS[name]


def all_tasks() -> list[type[Task]]:
    """Every registered task, sorted by name."""
    load_built_in()
    load_entry_points()
    return [TASKS[name] for name in sorted(TASKS)]
