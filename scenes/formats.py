"""The loader registry: each loader module registers its format here, and every reader of
formats (detection, discovery, ``load_any``, the config's ``scenes:`` keys) reads it.

A scene source is named by a format (``dir``, ``scannet``, ``scannetpp``, ``arkitscenes``,
``front3d``, ``generic``) and a path; a 3D-FRONT house holds several rooms, so a source is
``(format, path, part)`` with ``part`` the room's instance id ("" elsewhere). A new loader is
one module that calls ``register_format`` and is imported by ``spatialqa.scenes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spatialqa import moved
from spatialqa.errors import SceneError
from spatialqa.scenes.motion import MOVED_TRAJECTORY
from spatialqa.scenes.procedural import TRAJECTORIES, procedural_scene
from spatialqa.scenes.scene import Scene

__all__ = [
    "FORMATS",
    "SceneFormat",
    "SceneRef",
    "convert",
    "detect_format",
    "find_scenes",
    "load_any",
    "register_format",
    "summary",
]

LOADERS_VERSION = 2
"""Bumped when a loader or the scene directory reader converts a scene differently (another
axis convention, category cleaning, dropped frames); it enters the build fingerprint."""
SEARCH_DEPTH = 3
"""Directory levels searched below a dataset root; matching directories are not entered."""


@dataclass(frozen=True)
class SceneFormat:
    """One loader as the registry knows it: what the config's ``scenes:`` key and
    ``--format`` call it, how a path is recognised, and how it is read."""

    name: str
    detect: Callable[[Path], bool]
    """Whether a path is one scene of this format (a folder or a file; never raises)."""
    load: Callable[..., Scene]
    """``load(path)``, or ``load(path, part)`` for a format with ``parts``."""
    order: int
    """Detection tries formats in ascending order, and lists them so: the scene directory
    first, a bare mesh file (which any mesh matches) last."""
    parts: Callable[[Path], list[str]] | None = None
    """The scenes one file holds (a 3D-FRONT house's rooms); None: one scene per path."""
    file: bool = False
    """A scene is one file, named after its stem (else a folder, named after itself)."""
    made_images: str | None = None
    """The folder below ``images_to`` where ``load(path, images_to=...)`` writes images of its
    own making (ScanNet++'s undistorted photos); ``convert`` lets it, and copies the rest."""


FORMATS: dict[str, SceneFormat] = {}
"""Every registered format by name, in detection order."""


def register_format(scene_format: SceneFormat) -> None:
    """Add a loader to the registry (once per name; ``procedural`` is the rooms' own key)."""
    if scene_format.name in FORMATS or scene_format.name == "procedural":
        raise ValueError(f"scene format {scene_format.name!r} is already registered")
    ordered = sorted([*FORMATS.values(), scene_format], key=lambda f: f.order)
    FORMATS.clear()
    FORMATS.update((f.name, f) for f in ordered)


def _format(name: str) -> SceneFormat:
    if name not in FORMATS:
        raise SceneError(f"unknown scene format {name!r} (known: {', '.join(FORMATS)})")
    return FORMATS[name]


@dataclass(frozen=True)
class SceneRef:
    """How to obtain one scene, before it is loaded: a procedural room (``seed``, ``index``,
    ``frames``) or a path read by the loader of format ``kind`` (``part``: a 3D-FRONT room).
    ``find_scenes`` fills kind, name, path and part; a build plan adds where the scene comes
    from (``key``) and who it is (``dataset``, ``scene_id``)."""

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
    dataset: str = ""
    scene_id: str = ""
    """The scene as exclusion and splits know it, before it is loaded: the loader (or
    ``procedural``, or a scene directory's ``source.kind``) and the id it will have. Empty for
    a scene directory whose scene.json cannot be read (it is skipped when loaded)."""
    moved: bool = False
    """A procedural room with its ``moved`` trajectory (``scenes.motion``)."""
    trajectory: str = ""
    """The one trajectory a build delivers: a procedural room is made with only it (the same
    frames and objects as the full room's, without paying for the others; "": every
    trajectory). Other scenes are read whole."""

    def load(self) -> Scene:
        if self.kind != "procedural":
            return load_any(self.path, self.kind, part=self.part or None)
        made = (self.seed, self.index)
        if self.trajectory in TRAJECTORIES and (self.moved or self.trajectory != MOVED_TRAJECTORY):
            scene = procedural_scene(
                *made, frames=self.frames, moved=self.moved, trajectories=(self.trajectory,)
            )
            if scene.trajectories:
                return scene
            # the room has no such trajectory (no space for an orbit): made whole, so that the
            # reason a build records for skipping it names the trajectories it has
        return procedural_scene(*made, frames=self.frames, moved=self.moved)


def _scene_name(scene_format: SceneFormat, path: Path, part: str) -> str:
    """A found scene's name: its file's stem or its folder's name, then its part."""
    stem = path.stem if scene_format.file else path.name
    return f"{stem}_{part}" if part else stem


def detect_format(path: str | Path) -> str:
    """The format of one scene at ``path``, from its contents."""
    path = Path(path)
    if not path.exists():
        raise SceneError(f"{path}: no such file or directory")
    for name, scene_format in FORMATS.items():
        if scene_format.detect(path):
            return name
    raise SceneError(
        f"{path}: not a scene of any known format ({', '.join(FORMATS)}); "
        "give --format or point at one scan directory or file"
    )


def load_any(path: str | Path, format: str | None = None, *, part: str | None = None) -> Scene:
    """Load the scene at ``path`` with the loader of ``format`` (detected when None)."""
    scene_format = _format(format or detect_format(path))
    if scene_format.parts is not None:
        return scene_format.load(path, part)
    return scene_format.load(path)


def find_scenes(root: str | Path, format: str) -> list[SceneRef]:
    """Every scene of ``format`` at or below ``root`` (``SEARCH_DEPTH`` levels), sorted.

    Directories that are scenes are not entered, so frame folders are never listed.
    """
    root = Path(root)
    scene_format = _format(format)
    if not root.exists():
        raise SceneError(f"{root}: no such file or directory")
    found: list[Path] = []
    level = [root]
    for _ in range(SEARCH_DEPTH + 1):
        deeper = []
        for path in level:
            if scene_format.detect(path):
                found.append(path)
            elif path.is_dir():
                deeper += sorted(path.iterdir())
        level = deeper
    return [
        SceneRef(format, _scene_name(scene_format, path, part), path=str(path), part=part)
        for path in sorted(found)
        for part in (scene_format.parts(path) if scene_format.parts is not None else [""])
    ]


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
    are written undistorted by the loader instead, so every image matches its frame's pinhole K.
    """
    import shutil

    from spatialqa.scenes.io import save_scene

    source = Path(path)
    out = Path(to)
    scene_format = _format(format or detect_format(source))
    made = scene_format.made_images
    if made is not None:
        scene = scene_format.load(source, images_to=out)
    else:
        scene = load_any(source, scene_format.name)
    save_scene(scene, out)
    root = source if source.is_dir() else source.parent
    written = None if made is None else f"{made}/"  # by the loader, in out
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


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
