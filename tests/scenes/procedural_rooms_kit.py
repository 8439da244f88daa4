"""Procedural rooms as the room tests see them: the room type a scene says, the objects'
floor hulls, what stands on the floor, box centres."""

import numpy as np
from shapely.geometry import MultiPoint

PER_TYPE = 4
"""Rooms of each type in the ``scenes`` fixture (tests/scenes/conftest.py)."""


def room_type(scene) -> str:
    return scene.source.detail.split(": ")[1].split(",")[0]


def hulls(scene):
    return {obj.id: MultiPoint(obj.vertices[:, :2]).convex_hull for obj in scene.objects}


def on_floor(scene):
    return [obj for obj in scene.objects if obj.vertices[:, 2].min() == 0.0]


def center(obj) -> np.ndarray:
    return (obj.vertices.min(axis=0) + obj.vertices.max(axis=0)) / 2
