"""What a scene was built from: a hash of its input files, kept in the shard's record.

A resumed build keeps a shard only while its scene's inputs hash the same, so a scene edited
after a build (a category renamed, a mesh fixed) is built again instead of being kept stale.

- A scene directory: the bytes of ``scene.json`` and of every file it names (meshes, points,
  captured images), each with its relative path.
- A loader's source (a scan folder, a house JSON, a mesh file): every regular file below it,
  by relative path, size and modification time, with the bytes of those up to
  ``CONTENT_BYTES``. Annotations, poses and intrinsics are small and hashed whole; reading a
  scan's gigabytes of video and meshes on every resume would cost about as much as rebuilding,
  so their size and modification time stand for them.
- A procedural room: nothing to read; the build fingerprint holds the generator's version.

Files that are not regular (a FIFO, a device) are named but never opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from spatialqa.scenes.formats import SceneRef

CONTENT_BYTES = 1 << 20
_NAMED_KEYS = ("mesh", "points", "rgb", "depth")


def inputs_hash(ref: SceneRef) -> str:
    """sha256 of the scene's inputs as described in the module docstring."""
    hasher = hashlib.sha256(f"{ref.kind}\0{ref.part}\0".encode())
    if ref.kind == "procedural":
        hasher.update(f"{ref.seed}\0{ref.index}\0{ref.frames}".encode())
    elif ref.kind == "dir":
        root = Path(ref.path)
        _file(hasher, root, "scene.json", whole=True)
        for relative in sorted(set(_named_paths(root / "scene.json"))):
            _file(hasher, root, relative, whole=True)
    else:
        source = Path(ref.path)
        if source.is_dir():
            for folder, dirs, files in os.walk(source):
                dirs.sort()
                for name in sorted(files):
                    relative = os.path.relpath(os.path.join(folder, name), source)
                    _file(hasher, source, relative, whole=False)
        else:
            _file(hasher, source.parent, source.name, whole=False)
    return hasher.hexdigest()


def _regular(path: Path) -> os.stat_result | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def _file(hasher: hashlib._Hash, root: Path, relative: str, *, whole: bool) -> None:
    """Hash one file's name and state into ``hasher``."""
    path = root / relative
    hasher.update(f"\0{relative}\0".encode())
    info = _regular(path)
    if info is None:
        hasher.update(b"missing or not a regular file")
    elif not whole and info.st_size > CONTENT_BYTES:
        hasher.update(f"{info.st_size}\0{info.st_mtime_ns}".encode())
    else:
        content = hashlib.sha256()
        with open(path, "rb") as stream:
            while block := stream.read(1 << 22):
                content.update(block)
        hasher.update(content.digest())


def _named_paths(scene_file: Path) -> list[str]:
    """The relative paths ``scene.json`` names; none when it does not parse."""
    if _regular(scene_file) is None:
        return []
    try:
        data = json.loads(scene_file.read_bytes())
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    stack = [data]
    while stack:  # iterative: a hostile document may nest deeper than the recursion limit
        item = stack.pop()
        if isinstance(item, dict):
            found += [v for k, v in item.items() if k in _NAMED_KEYS and isinstance(v, str)]
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return [p for p in found if not os.path.isabs(p) and ".." not in Path(p).parts]
