"""A valid scene directory (one chair, a floor, a square room, one camera) to break one field at
a time, and ``refused``, which checks that load_scene names the file and the field.

Every scene here is written by code in the real format: scene.json by ``json``, meshes as PLY
by trimesh, point clouds as ``.npy``, images as PNG (by PIL, or byte by byte for a
decompression bomb), FIFOs by ``os.mkfifo`` and links by ``os.symlink``.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from spatialqa.errors import SceneError
from spatialqa.scenes import load_scene
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.io import FORMAT

WIDTH, HEIGHT = 64, 48


def write_ply(path: Path, vertices, faces) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh = trimesh.Trimesh(np.asarray(vertices, float), np.asarray(faces), process=False)
    path.write_bytes(trimesh.exchange.ply.export_ply(mesh, encoding="binary"))


def write_png(path: Path, size=(WIDTH, HEIGHT)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 120, 150)).save(path)


def bomb_png(path: Path, width: int, height: int) -> None:
    """A complete, valid 1-bit grey PNG of ``width`` x ``height`` black pixels, written chunk
    by chunk (PIL would need a byte per pixel in memory): all zeros compress ~1000:1."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte 0, then the packed bits
    packer = zlib.compressobj(9)
    rows_per_block = max(1, (1 << 22) // len(row))
    body = []
    for start in range(0, height, rows_per_block):
        body.append(packer.compress(row * min(rows_per_block, height - start)))
    body.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(body))
        + chunk(b"IEND", b"")
    )


def box_mesh(center, extents):
    box = trimesh.creation.box(extents=extents)
    return box.vertices + np.asarray(center, float), box.faces


def base_document() -> dict:
    """One chair (a box), a flat floor (two triangles), a square room, one camera."""
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.4])
    return {
        "format": FORMAT,
        "scene_id": "validation",
        "source": {"kind": "test", "detail": "written by scene_json_kit"},
        "floor_z": 0.0,
        "room": {"footprint": [[-2.0, -2.0], [2.0, -2.0], [2.0, 2.0], [-2.0, 2.0]], "height": 2.5},
        "objects": [{"id": 1, "category": "chair", "mesh": "objects/1.ply"}],
        "structure": [{"category": "floor", "mesh": "structure/floor.ply"}],
        "trajectories": [
            {
                "name": "walkthrough",
                "frames": [
                    {
                        "id": "f0000",
                        "t": 0.0,
                        "pose": pose.tolist(),
                        "K": intrinsics(WIDTH, HEIGHT, 70.0).tolist(),
                        "width": WIDTH,
                        "height": HEIGHT,
                        "rgb": "frames/f0000.png",
                    }
                ],
            }
        ],
    }


def write_scene(root: Path, change=None) -> str:
    """A valid scene directory, with ``change(document)`` applied to scene.json; returns the
    scene.json path every error must start with."""
    write_ply(root / "objects" / "1.ply", *box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8]))
    floor = [[-2.0, -2.0, 0.0], [2.0, -2.0, 0.0], [2.0, 2.0, 0.0], [-2.0, 2.0, 0.0]]
    write_ply(root / "structure" / "floor.ply", floor, [[0, 1, 2], [0, 2, 3]])
    write_png(root / "frames" / "f0000.png")
    document = base_document()
    if change is not None:
        change(document)
    (root / "scene.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(root / "scene.json")


def frame0(document: dict) -> dict:
    return document["trajectories"][0]["frames"][0]


def refused(root: Path, field: str, message: str) -> SceneError:
    """load_scene raises SceneError starting with the file, then ``field``, then ``message``."""
    with pytest.raises(SceneError) as info:
        load_scene(root)
    text = str(info.value)
    expected = f"{root / 'scene.json'}: {field}: "
    assert text.startswith(expected), text
    assert re.search(message, text[len(expected) :]), text
    return info.value
