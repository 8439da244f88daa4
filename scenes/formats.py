"""Which loader reads a path: detection from directory contents, discovery below a root.

A scene source is named by a format (``dir``, ``scannet``, ``scannetpp``, ``arkitscenes``,
``front3d``, ``generic``) and a path; a 3D-FRONT house holds several rooms, so a source is
``(format, path, part)`` with ``part`` the room's instance id ("" elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spatialqa.errors import SceneError
from spatialqa.scenes.arkitscenes import is_arkitscenes, load_arkitscenes
from spatialqa.scenes.assemble import read_json
from spatialqa.scenes.front3d import load_front3d, room_ids
from spatialqa.scenes.generic import GENERIC_SUFFIXES, load_generic
from spatialqa.scenes.io import SCENE_FILE, load_scene
from spatialqa.scenes.scannet import is_scannet, load_scannet
from spatialqa.scenes.scannetpp import UNDISTORTED_DIR, is_scannetpp, load_scannetpp
from spatialqa.scenes.scene import Scene

__all__ = [
    "FORMATS",
    "SceneSourceRef",
    "convert",
    "detect_format",
    "find_scenes",
    "load_any",
    "summary",
]

LOADERS_VERSION = 2
"""Bumped when a loader or the scene directory reader converts a scene differently (another
axis convention, category cleaning, dropped frames); it enters the build fingerprint."""
SEARCH_DEPTH = 3
"""Directory levels searched below a dataset root; matching directories are not entered."""


def _is_front3d(path: Path) -> bool:
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        data = read_json(path)
    except SceneError:
        return False
    return isinstance(data, dict) and "furniture" in data and "scene" in data


_DETECTORS: dict[str, Callable[[Path], bool]] = {
    "dir": lambda p: (p / SCENE_FILE).is_file(),
    "scannet": is_scannet,
    "scannetpp": is_scannetpp,
    "arkitscenes": is_arkitscenes,
    "front3d": _is_front3d,
    "generic": lambda p: p.is_file() and p.suffix.lower() in GENERIC_SUFFIXES,
}
FORMATS = tuple(_DETECTORS)


@dataclass(frozen=True)
class SceneSourceRef:
    """One loadable scene: its format, path and (3D-FRONT) room."""

    format: str
    path: str
    part: str = ""

    @property
    def name(self) -> str:
        stem = (
            Path(self.path).stem if self.format in ("front3d", "generic") else Path(self.path).name
        )
        return f"{stem}_{self.part}" if self.part else stem

    def load(self) -> Scene:
        return load_any(self.path, self.format, part=self.part or None)


def detect_format(path: str | Path) -> str:
    """The format of one scene at ``path``, from its contents."""
    path = Path(path)
    if not path.exists():
        raise SceneError(f"{path}: no such file or directory")
    for name, matches in _DETECTORS.items():
        if matches(path):
            return name
    raise SceneError(
        f"{path}: not a scene of any known format ({', '.join(FORMATS)}); "
        "give --format or point at one scan directory or file"
    )


def load_any(path: str | Path, format: str | None = None, *, part: str | None = None) -> Scene:
    """Load the scene at ``path`` with the loader of ``format`` (detected when None)."""
    format = format or detect_format(path)
    if format not in _DETECTORS:
        raise SceneError(f"unknown scene format {format!r} (known: {', '.join(FORMATS)})")
    if format == "dir":
        return load_scene(path)
    if format == "front3d":
        return load_front3d(path, part)
    loader = {
        "scannet": load_scannet,
        "scannetpp": load_scannetpp,
        "arkitscenes": load_arkitscenes,
        "generic": load_generic,
    }[format]
    return loader(path)


def find_scenes(root: str | Path, format: str) -> list[SceneSourceRef]:
    """Every scene of ``format`` at or below ``root`` (``SEARCH_DEPTH`` levels), sorted.

    Directories that are scenes are not entered, so frame folders are never listed.
    """
    root = Path(root)
    if format not in _DETECTORS:
        raise SceneError(f"unknown scene format {format!r} (known: {', '.join(FORMATS)})")
    if not root.exists():
        raise SceneError(f"{root}: no such file or directory")
    matches = _DETECTORS[format]
    found: list[Path] = []
    level = [root]
    for _ in range(SEARCH_DEPTH + 1):
        deeper = []
        for path in level:
            if matches(path):
                found.append(path)
            elif path.is_dir():
                deeper += sorted(path.iterdir())
        level = deeper
    refs = []
    for path in sorted(found):
        if format == "front3d":
            refs += [SceneSourceRef(format, str(path), room) for room in room_ids(path)]
        else:
            refs.append(SceneSourceRef(format, str(path)))
    return refs


def summary(scene: Scene) -> list[str]:
    """Lines describing a loaded scene: counts, categories, trajectories, the loader's report."""
    lines = [
        f"scene {scene.scene_id}: {len(scene.objects)} objects, {len(scene.categories)} "
        f"categories, {len(scene.structure)} structure parts, floor_z {scene.floor_z:g}",
        "  categories: "
        + ", ".join(f"{name} x{len(ids)}" for name, ids in sorted(scene.categories.items())),
    ]
    boxes = sum(obj.annotated_box is not None for obj in scene.objects)
    if boxes:
        lines.append(f"  annotated boxes: {boxes}")
    if scene.room is not None:
        lines.append(
            f"  room: {len(scene.room.footprint)}-corner footprint, height {scene.room.height:g} m"
        )
    for trajectory in scene.trajectories:
        times = [f.t for f in trajectory.frames]
        lines.append(
            f"  trajectory {trajectory.name}: {len(times)} frames, t {times[0]:g}..{times[-1]:g} s"
        )
    lines.append(f"  source: {scene.source.kind}: {scene.source.detail}")
    return lines


def convert(path: str | Path, to: str | Path, format: str | None = None) -> Scene:
    """Load ``path`` with its loader and write it as a scene directory at ``to``.

    The frames' RGB and depth files are copied to the same relative paths, so the scene
    directory is self-contained; captured images taken through a distorting lens (ScanNet++)
    are written undistorted instead, so every image matches its frame's pinhole K.
    """
    import shutil

    from spatialqa.scenes.io import save_scene

    source = Path(path)
    out = Path(to)
    format = format or detect_format(source)
    if format == "scannetpp":
        scene = load_scannetpp(source, images_to=out)
    else:
        scene = load_any(source, format)
    save_scene(scene, out)
    root = source if source.is_dir() else source.parent
    written = f"{UNDISTORTED_DIR}/" if format == "scannetpp" else None  # by the loader, in out
    for trajectory in scene.trajectories:
        for frame in trajectory.frames:
            for relative in (frame.rgb, frame.depth):
                if written is not None and relative is not None and relative.startswith(written):
                    continue
                if relative is not None and (root / relative).is_file():
                    target = out / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(root / relative, target)
    return scene
