"""Exact geometric facts about a Scene: pure, deterministic functions, no rendering.

Importing this package registers every operation, so ``execute(program, scene)`` can re-run
any fact's program. The ``visibility`` operation is exported here as ``object_visibility``,
so that ``spatialqa.oracle.visibility`` stays the module.
"""

from spatialqa import moved
from spatialqa.oracle.appearance import appearance_order, first_appearance, object_existence
from spatialqa.oracle.area import room_area
from spatialqa.oracle.boxes import aabb, annotated_box, gravity_obb, minimal_obb
from spatialqa.oracle.camera_motion import (
    camera_displacement,
    camera_elevation_change,
    camera_motion_direction,
    camera_relative_position,
    camera_rotation,
)
from spatialqa.oracle.correspondence import (
    marked_correspondence,
    point_correspondence,
    view_overlap,
)
from spatialqa.oracle.counting import count_comparison, instance_count, visible_count
from spatialqa.oracle.direction import ccw_angle, relative_direction, sector
from spatialqa.oracle.distance import camera_object_distance, nearest_category, object_distance
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.in_view import (
    depth_order,
    ego_relation,
    object_box_2d,
    object_orientation,
    object_point_2d,
)
from spatialqa.oracle.maps import cognitive_map
from spatialqa.oracle.movement import (
    moved_object,
    object_displacement,
    object_move_direction,
    object_moved,
)
from spatialqa.oracle.navigation import astar, occupancy_grid, route
from spatialqa.oracle.program import execute
from spatialqa.oracle.size import height_difference, object_size, object_volume, size_comparison
from spatialqa.oracle.viewer import (
    action_consequence,
    camera_heading,
    clock_direction,
    goal_aiming,
    perspective,
    signed_yaw,
    virtual_camera,
)
from spatialqa.oracle.visibility import (
    frame_visibility,
    instance_mask,
    occluded_by,
    occlusion,
    truncation,
    visibility_compare,
    visible_instances,
)
from spatialqa.oracle.visibility import visibility as object_visibility

__all__ = [
    "Fact",
    "aabb",
    "action_consequence",
    "annotated_box",
    "appearance_order",
    "astar",
    "camera_displacement",
    "camera_elevation_change",
    "camera_heading",
    "camera_motion_direction",
    "camera_object_distance",
    "camera_relative_position",
    "camera_rotation",
    "ccw_angle",
    "clock_direction",
    "cognitive_map",
    "count_comparison",
    "depth_order",
    "derived",
    "ego_relation",
    "execute",
    "first_appearance",
    "frame_visibility",
    "goal_aiming",
    "gravity_obb",
    "height_difference",
    "instance_count",
    "instance_mask",
    "marked_correspondence",
    "minimal_obb",
    "moved_object",
    "nearest_category",
    "object_box_2d",
    "object_displacement",
    "object_distance",
    "object_existence",
    "object_move_direction",
    "object_moved",
    "object_orientation",
    "object_point_2d",
    "object_size",
    "object_visibility",
    "object_volume",
    "occluded_by",
    "occlusion",
    "occupancy_grid",
    "perspective",
    "point_correspondence",
    "relative_direction",
    "room_area",
    "route",
    "sector",
    "signed_yaw",
    "size_comparison",
    "truncation",
    "view_overlap",
    "virtual_camera",
    "visibility_compare",
    "visible_count",
    "visible_instances",
]

__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
