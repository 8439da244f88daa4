"""Room shells: realistic sizes, some L-shaped, walls around the footprint with a door and
windows."""

from collections import Counter

import numpy as np
from procedural_rooms_kit import room_type
from shapely.geometry import MultiPoint, Point, Polygon

from spatialqa.scenes import footprints
from spatialqa.scenes.footprints import ROOM_SIZES


def test_rooms_have_realistic_sizes_and_some_are_l_shaped(scenes):
    corners = Counter()
    for scene in scenes:
        footprint = scene.room.footprint
        polygon = Polygon(footprint)
        assert polygon.is_valid and polygon.exterior.is_ccw
        corners[len(footprint)] += 1
        # Axis-aligned, on a 1/32 m grid.
        assert np.array_equal(footprint * 32, np.round(footprint * 32))
        steps = np.diff(np.vstack([footprint, footprint[:1]]), axis=0)
        assert np.all((steps == 0).sum(axis=1) == 1)
        (w0, w1), (d0, d1) = ROOM_SIZES[room_type(scene)]
        width, depth = np.ptp(footprint, axis=0)
        assert w0 <= width <= w1 and d0 <= depth <= d1, scene.scene_id
        assert 2.4 <= scene.room.height <= 3.0
        assert scene.floor_z == 0.0
        if len(footprint) == 6:  # every arm of an L is wide enough to walk
            assert polygon.buffer(-footprints.MIN_ARM / 2 + 0.01).geom_type == "Polygon"
    assert set(corners) == {4, 6}


def test_walls_surround_the_footprint_with_a_door_and_windows(scenes):
    windows = 0
    for scene in scenes:
        parts = {part.category: part.mesh for part in scene.structure}
        assert list(parts)[:4] == ["floor", "ceiling", "wall", "door"]
        windows += "window" in parts
        polygon = Polygon(scene.room.footprint)
        walls = parts["wall"]
        inside = [polygon.contains_properly(Point(v)) for v in walls.vertices[:, :2]]
        assert not any(inside), scene.scene_id
        assert (
            polygon.buffer(0.1 + 1e-6, join_style="mitre").contains(
                MultiPoint(walls.vertices[:, :2]).convex_hull
            )
            or len(scene.room.footprint) == 6
        )
        assert parts["floor"].bounds[1, 2] == 0.0
        assert parts["ceiling"].bounds[0, 2] == scene.room.height
        # The door is an opening: a ray out through its middle at 1 m meets no wall.
        door = parts["door"]
        middle = (door.bounds[0] + door.bounds[1]) / 2
        nearest = np.array(
            polygon.exterior.interpolate(polygon.exterior.project(Point(middle[:2]))).coords[0]
        )
        outward = middle[:2] - nearest
        outward = outward / np.linalg.norm(outward)
        origin = np.array([*(nearest - 0.3 * outward), 1.0])
        hits, _, _ = walls.ray.intersects_location([origin], [[*outward, 0.0]])
        assert len(hits) == 0 or np.linalg.norm(hits - origin, axis=1).min() > 1.0
    assert windows >= len(scenes) // 3
