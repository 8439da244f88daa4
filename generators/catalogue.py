"""The task listing (``spatialqa tasks``): every registered task with one example question,
asked on a fixed procedural room.

Asking the examples takes the oracle, open3d and a room's visibility (about 2 s), so the
listing is cached in the user's cache folder, keyed by everything it depends on that can be
read without importing a task: the version of the installed packages that make it, the source
of spatialqa's layers up to the generators, and the task packages installed as entry points.
A cache hit imports no task and no open3d; any change to that code asks the examples again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import sys
from functools import cache
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spatialqa.generators.sample import Sample
    from spatialqa.generators.task import Context, Task
    from spatialqa.scenes import Scene

EXAMPLE_ROOM = (0, 0)
"""(seed, index) of the procedural room every example is asked about."""
EXAMPLE_TRAJECTORIES = ("walkthrough", "tour", "moved")
"""Tried in turn: the tour brings furniture into view one piece after another, which
``obj_appearance_order`` needs and the walkthrough (facing the room's middle) rarely does;
the movement tasks need the "moved" walk (objects moved halfway along it). It comes last, so a
task the other two give an example keeps it."""
LISTING_FORMAT = 1
"""Bumped when a listing row gains or loses a field: older cache files are then not read."""
SOURCE_PACKAGES = (
    "spatialqa",
    "spatialqa.scenes",
    "spatialqa.oracle",
    "spatialqa.generators",
)
"""The packages whose code makes the rows and the examples (rooms, oracle, tasks)."""
LIBRARIES = ("numpy", "scipy", "trimesh", "shapely", "open3d", "open3d-cpu")
"""Libraries an example's numbers go through."""
ROW_FIELDS = ("name", "family", "answer_type", "metric", "unit", "hint", "example")
"""The fields of a listing row; ``example`` is {"question", "answer"} or None."""
ENTRY_POINT_GROUP = "spatialqa.tasks"
"""``registry.ENTRY_POINT_GROUP``, named here because the registry imports every task's oracle
(and open3d), which a cached listing must not."""


@cache
def example_scene() -> Scene:
    """The room at 160 x 120 pixels (visibility costs one ray per pixel), 32 frames a path,
    with its "moved" walk: its keyframes come after every other path's frames, so the others
    see the room as it is built without motion."""
    from spatialqa.scenes import procedural_scene

    return procedural_scene(*EXAMPLE_ROOM, frames=32, moved=True).resized(160, 120)


@cache
def example_context(trajectory: str) -> Context:
    """The example room seen through every frame of ``trajectory``."""
    from spatialqa.generators.task import Context

    views = tuple(frame.id for frame in example_scene().trajectory(trajectory).frames)
    return Context(example_scene(), views, seed=0, trajectory=views)


def example(task: type[Task]) -> Sample | None:
    """One sample of ``task`` with its default params, from the first of
    ``EXAMPLE_TRAJECTORIES`` that offers one; None when none does."""
    from spatialqa.generators.sampler import draw_samples

    for trajectory in EXAMPLE_TRAJECTORIES:
        samples = draw_samples(task(), example_context(trajectory), 1)
        if samples:
            return samples[0]
    return None


def compute_listing() -> list[dict[str, Any]]:
    """The listing rows, every task imported and every example asked (no cache)."""
    from spatialqa.generators.registry import all_tasks

    rows = []
    for task in all_tasks():
        described = task.describe()
        sample = example(task)
        shown = None if sample is None else {"question": sample.question, "answer": sample.answer}
        rows.append({**{f: described.get(f) for f in ROW_FIELDS[:-1]}, "example": shown})
    return rows


def cache_dir() -> Path:
    """spatialqa's folder in the user's cache: ``$XDG_CACHE_HOME/spatialqa`` (default
    ``~/.cache/spatialqa``), ``~/Library/Caches/spatialqa`` on macOS, ``%LOCALAPPDATA%``
    on Windows."""
    if os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path.home() / ".cache"
    return base / "spatialqa"


def _hash_sources(digest: Any, location: str | None, *, below: bool) -> None:
    """Feed ``digest`` every ``.py`` file at ``location`` (a module file, or a package folder,
    with its subfolders when ``below``), by relative path and contents, in sorted order."""
    if location is None:
        return
    path = Path(location)
    if path.is_dir():
        files = sorted(path.rglob("*.py") if below else path.glob("*.py"))
    else:
        files = [path]
    for file in files:
        try:
            data = file.read_bytes()
        except OSError:
            data = b"unreadable"
        relative = file.relative_to(path).as_posix() if path.is_dir() else file.name
        digest.update(f"{relative}\0{len(data)}\0".encode())
        digest.update(data)


def _locations(name: str) -> list[str | None]:
    """Where the module or package ``name`` lives, found without running it (a dotted name
    runs its parents: spatialqa's root, which is light)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return [None]
    if spec is None:
        return [None]
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)
    return [spec.origin]


def listing_key() -> str:
    """The cache key of the listing: what makes its rows, read without importing a task."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"listing {LISTING_FORMAT} python {platform.python_version()}\n".encode())
    for name in ("spatialqa", *LIBRARIES):
        try:
            digest.update(f"{name} {version(name)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{name} -\n".encode())
    for package in SOURCE_PACKAGES:  # each folder's own modules (spatialqa's folders are flat)
        for location in _locations(package):
            digest.update(f"package {package}\n".encode())
            _hash_sources(digest, location, below=False)
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(entry, "dist", None)
        shipped = f"{dist.metadata['Name']} {dist.version}" if dist is not None else "-"
        digest.update(f"entry {entry.name} {entry.value} {shipped}\n".encode())
        top = entry.value.split(":")[0].split(".")[0]
        for location in _locations(top):  # a top-level name: found, not run
            _hash_sources(digest, location, below=True)
    return digest.hexdigest()


def _valid(rows: object) -> bool:
    """A cached listing as ``compute_listing`` writes it (a hand-edited file is recomputed)."""
    if not isinstance(rows, list) or not rows:
        return False
    for row in rows:
        if not isinstance(row, dict) or set(row) != set(ROW_FIELDS):
            return False
        if not all(isinstance(row[f], str) for f in ("name", "family", "answer_type", "metric")):
            return False
        example = row["example"]
        if example is not None and not (
            isinstance(example, dict)
            and set(example) == {"question", "answer"}
            and all(isinstance(v, str) for v in example.values())
        ):
            return False
    return True


def listing() -> tuple[list[dict[str, Any]], Path | None]:
    """The listing rows, and the cache file they were just written to (None when they came
    from the cache, or when the cache folder cannot be written: the rows are the same)."""
    key = listing_key()
    folder = cache_dir()
    path = folder / f"tasks-{key}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = None
    if isinstance(cached, dict) and cached.get("key") == key and _valid(cached.get("rows")):
        return cached["rows"], None
    rows = compute_listing()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".tasks-{key}.{os.getpid()}.partial"
        temporary.write_text(json.dumps({"key": key, "rows": rows}, indent=1) + "\n", "utf-8")
        os.replace(temporary, path)  # concurrent listings each write whole files
        for old in folder.glob("tasks-*.json"):  # listings of code no longer installed
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        return rows, None
    return rows, path
