"""Room recipes: thirty categories in several shapes, seats facing what they serve, colours
and fronts."""

from collections import Counter

import numpy as np
from procedural_rooms_kit import center, room_type
from shapely.geometry import MultiPoint

from spatialqa.scenes import layout, procedural


def test_thirty_categories_and_several_shapes(scenes):
    categories = Counter(obj.category for scene in scenes for obj in scene.objects)
    assert len(categories) >= 30, sorted(categories)
    shapes: dict[str, set[int]] = {}
    for scene in scenes:
        for obj in scene.objects:
            shapes.setdefault(obj.category, set()).add(len(obj.vertices))
    varied = sorted(c for c, counts in shapes.items() if len(counts) >= 2)
    assert {"chair", "table", "stool", "trash can"} <= set(varied) or len(varied) >= 6, varied
    counts = [len(scene.objects) for scene in scenes]
    assert all(procedural.MIN_OBJECTS <= n <= layout.MAX_OBJECTS for n in counts)
    for scene in scenes:
        assert [obj.id for obj in scene.objects] == list(range(1, len(scene.objects) + 1))


def test_seats_face_what_they_serve(scenes):
    checked = Counter()
    for scene in scenes:
        tables = [o for o in scene.objects if o.category in ("table", "desk")]
        for seat in (o for o in scene.objects if o.category in ("chair", "office chair")):
            nearest = min(
                tables, key=lambda t: np.linalg.norm(center(t) - center(seat))[..., None].min()
            )
            to = center(nearest)[:2] - center(seat)[:2]
            if np.linalg.norm(to) < 1.5:
                assert seat.front[:2] @ to > 0, (scene.scene_id, seat.id)
                checked[seat.category] += 1
        for armchair in (o for o in scene.objects if o.category == "armchair"):
            for coffee in (o for o in scene.objects if o.category == "coffee table"):
                to = center(coffee)[:2] - center(armchair)[:2]
                gap = MultiPoint(armchair.vertices[:, :2]).distance(
                    MultiPoint(coffee.vertices[:, :2]).convex_hull
                )
                if gap < 0.5:
                    assert armchair.front[:2] @ to > 0, (scene.scene_id, armchair.id)
                    checked["armchair"] += 1
        sofas = [o for o in scene.objects if o.category == "sofa"]
        tvs = [o for o in scene.objects if o.category == "tv"]
        if sofas and tvs and room_type(scene) == "living room":
            to = center(tvs[0])[:2] - center(sofas[0])[:2]
            checked["sofa faces tv"] += sofas[0].front[:2] @ to > 0
            checked["living rooms with a tv"] += 1
    assert checked["chair"] >= 5 and checked["office chair"] >= 3 and checked["armchair"] >= 1
    assert checked["sofa faces tv"] >= 0.75 * checked["living rooms with a tv"] > 0


def test_colours_fronts_and_float32_vertices(scenes):
    for scene in scenes:
        for obj in scene.objects:
            assert obj.color is not None and obj.points is None
            v = obj.mesh.vertices
            assert np.array_equal(v.astype(np.float32).astype(np.float64), v)
            if obj.front is not None:
                assert obj.front[2] == 0.0
        for part in scene.structure:
            v = part.mesh.vertices
            assert np.array_equal(v.astype(np.float32).astype(np.float64), v)
    fronts = {obj.category for s in scenes for obj in s.objects if obj.front is not None}
    assert {"chair", "sofa", "bed", "tv", "toilet", "desk"} <= fronts
    assert not {"lamp", "plant", "stool", "trash can", "table", "cup"} & fronts
