"""Object pairs of procedural rooms as PROCEDURAL_VERSION 2 built them (box-part furniture),
rebuilt vertex for vertex: each once broke an exact distance under a rotation, and the rooms no
longer hold them. A regression test on these meshes keeps failing on the oracle that had the
bug, whatever today's rooms contain.

Version-2 furniture: each part a box with trimesh's vertex order and faces (corner index
4 ix + 2 iy + iz), parts stacked into one mesh, turned about z, moved and rounded to float32.
"""

from __future__ import annotations

import numpy as np
import trimesh

from spatialqa.scenes import Scene, SceneObject, Source

_UNIT = trimesh.creation.box(bounds=[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
_FACES = np.asarray(_UNIT.faces)
_HIGH = np.asarray(_UNIT.vertices) > 0.5


def _box(x0, x1, y0, y1, z0, z1) -> tuple[np.ndarray, np.ndarray]:
    """An axis-aligned box part: its corners are exactly the bounds."""
    return np.where(_HIGH, [x1, y1, z1], [x0, y0, z0]).astype(np.float64), _FACES


def _cylinder(radius, z0, z1, x=0.0, y=0.0, sections=16) -> tuple[np.ndarray, np.ndarray]:
    """An upright prism of ``sections`` sides, as trimesh's unit cylinder scaled."""
    unit = trimesh.creation.cylinder(radius=1.0, height=1.0, sections=sections)
    scaled = np.asarray(unit.vertices) * [radius, radius, z1 - z0] + [x, y, (z0 + z1) / 2.0]
    return scaled, np.asarray(unit.faces)


def _prism(corners_xy, z0: float, z1: float) -> tuple[np.ndarray, np.ndarray]:
    """A box part already turned: its xy corners in the order (x0 y0), (x0 y1), (x1 y0),
    (x1 y1) of the unturned box, each at z0 and z1 (float32 values, kept as float64)."""
    xy = np.repeat(np.asarray(corners_xy, np.float32).astype(np.float64), 2, axis=0)
    z = np.tile(np.asarray([z0, z1], np.float32).astype(np.float64), 4)
    return np.column_stack([xy, z]), _FACES


def _stacked(parts) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.cumsum([0] + [len(v) for v, _ in parts[:-1]])
    vertices = np.concatenate([v for v, _ in parts])
    faces = np.concatenate([f + o for (_, f), o in zip(parts, offsets, strict=True)])
    return vertices, faces


def _quarter_turned(parts, x: float, y: float) -> trimesh.Trimesh:
    """Parts turned 90 degrees about z exactly (local (u, v) -> world (x - v, y + u)), moved
    to (x, y) and rounded to float32, as the version-2 layout placed them."""
    local, faces = _stacked(parts)
    world = np.column_stack([x - local[:, 1], y + local[:, 0], local[:, 2]])
    return trimesh.Trimesh(world.astype(np.float32).astype(np.float64), faces, process=False)


def _scene(name: str, objects: list[SceneObject]) -> Scene:
    return Scene(
        scene_id=name,
        source=Source("test", f"{name}, PROCEDURAL_VERSION 2"),
        objects=tuple(objects),
    )


def sink_and_washer() -> Scene:
    """Room (7, 6)'s sink (a vanity: cabinet, top around a basin, tap) and washing machine
    (1, 2; the sizes and places its generator drew), 0.6565 m apart, and a plain box toilet
    (3) between them, nearer to the sink. Under rotations 56, 94, 129 and 162
    (``symmetry_kit.random_rotation``) a float32 ray along a washer edge in the floor plane
    "hit" the sink's bottom face: the pair touched (fixed in e8490de)."""
    w, d, h = 0.8055210008586874, 0.4871519746300607, 1.0269770127436966 - 0.18
    sink = _quarter_turned(
        [
            _box(-w / 2, w / 2, -d / 2, d / 2 - 0.02, 0, h - 0.05),
            _box(-w / 2, w / 2, -d / 2, -d / 2 + 0.1, h - 0.05, h),
            _box(-w / 2, -0.22, -d / 2 + 0.1, d / 2 - 0.02, h - 0.05, h),
            _box(0.22, w / 2, -d / 2 + 0.1, d / 2 - 0.02, h - 0.05, h),
            _box(-0.22, 0.22, d / 2 - 0.06, d / 2 - 0.02, h - 0.05, h),
            _cylinder(0.015, h, h + 0.18, 0.0, -d / 2 + 0.06),
        ],
        2.3114240126849697,
        1.808824600724741,
    )
    w, d, h = 0.6, 0.6106399707814586, 0.8462061782956429
    door_vertices, door_faces = _cylinder(0.16, -0.015, 0.015, sections=20)
    door = (door_vertices[:, [0, 2, 1]] * [1, -1, 1] + [0.0, d / 2 - 0.015, 0.45], door_faces)
    washer = _quarter_turned(
        [_box(-w / 2, w / 2, -d / 2, d / 2 - 0.015, 0, h), door],
        2.249680014609271,
        0.4495499935896915,
    )
    toilet = trimesh.creation.box(bounds=[[1.9, 0.9, 0.0], [2.5, 1.2, 0.8]])
    return _scene(
        "room_7_6_v2",
        [
            SceneObject(1, "sink", mesh=sink),
            SceneObject(2, "washing machine", mesh=washer),
            SceneObject(3, "toilet", mesh=toilet),
        ],
    )


_ARMCHAIR = [  # (xy corners, z0, z1) of its four parts, turned by 3.63 degrees
    (
        [
            [0.95345706, 0.40674618],
            [0.9027111, 1.2065196],
            [1.5113443, 0.44214433],
            [1.4605983, 1.2419177],
        ],
        0.0,
        0.40407884,
    ),
    (
        [
            [0.7988105, 0.3969338],
            [0.78741235, 0.57657254],
            [1.6659908, 0.4519567],
            [1.6545928, 0.63159543],
        ],
        0.0,
        0.8558855,
    ),
    (
        [
            [0.7988105, 0.3969338],
            [0.7480646, 1.1967072],
            [0.95345706, 0.40674618],
            [0.9027111, 1.2065196],
        ],
        0.0,
        0.5922483,
    ),
    (
        [
            [1.5113443, 0.44214433],
            [1.4605983, 1.2419177],
            [1.6659908, 0.4519567],
            [1.615245, 1.2517302],
        ],
        0.0,
        0.5922483,
    ),
]
_TRASH_CAN = [  # (x0, x1, y0, y1, z0, z1) of its two parts, float32
    (2.209637, 2.4643574, 0.54422385, 0.79894435, 0.0, 0.5716374),
    (2.199637, 2.4743574, 0.53422385, 0.80894434, 0.5716374, 0.59163743),
]


def armchair_and_trash_can() -> Scene:
    """Room (12, 5)'s objects 5 (an armchair, turned 3.63 degrees) and 7 (a trash can),
    0.5378 m apart: under some rotations Open3D's float32 choice of triangle picked a
    neighbour, 1.3e-8 m farther, or (rotation 4) the pair touched (fixed in e8490de)."""
    chair = _stacked([_prism(corners, z0, z1) for corners, z0, z1 in _ARMCHAIR])
    can = _stacked(
        [_box(*np.asarray(bounds, np.float32).astype(np.float64)) for bounds in _TRASH_CAN]
    )
    return _scene(
        "room_12_5_v2",
        [
            SceneObject(5, "armchair", mesh=trimesh.Trimesh(*chair, process=False)),
            SceneObject(7, "trash can", mesh=trimesh.Trimesh(*can, process=False)),
        ],
    )
