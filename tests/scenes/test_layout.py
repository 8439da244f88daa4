"""The layout sampler: objects inside the room, floor objects apart, the door clear, clutter
on surfaces."""

from collections import Counter

import numpy as np
from procedural_rooms_kit import hulls, on_floor
from shapely.geometry import MultiPoint, Point, Polygon

from spatialqa.scenes import rooms


def test_objects_stay_inside_and_floor_objects_do_not_overlap(scenes):
    for scene in scenes:
        room = Polygon(scene.room.footprint)
        shapes = hulls(scene)
        floor = on_floor(scene)
        for obj in scene.objects:
            assert room.covers(shapes[obj.id]), (scene.scene_id, obj.id)
            assert 0.0 <= obj.vertices[:, 2].min() and obj.vertices[:, 2].max() <= scene.room.height
        for i, a in enumerate(floor):
            for b in floor[i + 1 :]:
                assert shapes[a.id].distance(shapes[b.id]) >= 0.04, (scene.scene_id, a.id, b.id)


def test_nothing_blocks_the_door(scenes):
    for scene in scenes:
        room = Polygon(scene.room.footprint)
        door = next(p.mesh for p in scene.structure if p.category == "door")
        (x0, y0, _), (x1, y1, _) = door.bounds
        middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        # The leaf is thin across the wall; the room lies on one side of it.
        across = np.array([0.0, 1.0]) if (y1 - y0) < (x1 - x0) else np.array([1.0, 0.0])
        inward = across if room.contains(Point(middle + 0.2 * across)) else -across
        far = middle + 0.85 * inward
        zone = MultiPoint([(x0, y0), (x1, y1), (x0, y1), (x1, y0), tuple(far)]).envelope
        shapes = hulls(scene)
        for obj in on_floor(scene):
            assert not shapes[obj.id].intersects(zone.buffer(-0.05)), (scene.scene_id, obj.id)


def test_clutter_rests_on_surfaces(scenes):
    on = Counter()
    for scene in scenes:
        shapes = hulls(scene)
        floor = on_floor(scene)
        shelves = [o for o in scene.objects if o.category == "shelf"]  # hung on walls
        for obj in scene.objects:
            if obj in floor or obj.category in rooms.WALL_HUNG:
                continue
            bottom = obj.vertices[:, 2].min()
            supports = [
                s
                for s in floor + shelves
                if shapes[s.id].buffer(1e-6).contains(shapes[obj.id])
                and np.any(s.vertices[:, 2] == bottom)  # a sofa under a shelf holds nothing
            ]
            assert len(supports) == 1, (scene.scene_id, obj.id, obj.category)
            support = supports[0]
            assert np.any(support.vertices[:, 2] == bottom), (scene.scene_id, obj.id)
            on[(obj.category, support.category)] += 1
    assert on[("book", "bookshelf")] >= 5
    assert on[("cup", "table")] + on[("cup", "coffee table")] >= 2
    assert on[("pillow", "bed")] >= 2
    assert on[("tv", "tv stand")] >= 1
