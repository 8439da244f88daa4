"""Exact geometric facts about a Scene: pure, deterministic functions, no rendering.

Importing this package registers every operation, so ``execute(program, scene)`` can re-run
any fact's program.
"""

from spatialqa.oracle.area import room_area
from spatialqa.oracle.boxes import Box, aabb, minimal_obb, object_size
from spatialqa.oracle.counting import instance_count, visible_instances
from spatialqa.oracle.direction import ccw_angle, relative_direction, sector
from spatialqa.oracle.distance import object_distance
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import execute
from spatialqa.oracle.visibility import frame_visibility, instance_mask, visibility

__all__ = [
    "Box",
    "Fact",
    "aabb",
    "ccw_angle",
    "derived",
    "execute",
    "frame_visibility",
    "instance_count",
    "instance_mask",
    "minimal_obb",
    "object_distance",
    "object_size",
    "relative_direction",
    "room_area",
    "sector",
    "visibility",
    "visible_instances",
]
