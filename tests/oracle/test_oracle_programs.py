"""Programs with non-default parameters survive JSON and re-execute to the same fact.

Every registered operation is covered on procedural rooms by test_oracle_properties.py.
"""

import json

from spatialqa.oracle import (
    execute,
    instance_count,
    object_distance,
    object_size,
    relative_direction,
    room_area,
    visibility,
)


def test_non_default_parameters_round_trip(scene_kit):
    Box = scene_kit.Box
    scene = scene_kit.scene(
        [
            Box(1, "bed", (0, 3, 0), (1.0, 0.8, 0.6), 10),
            Box(2, "tv", (-1.5, 5, 0), (0.6, 0.3, 0.6), 40),
            Box(3, "lamp", (1.5, 4, 0), (0.3, 0.3, 0.9)),
        ],
        frames=[scene_kit.frame("f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)))],
        footprint=[[-3, -1], [3, -1], [3, 7], [-3, 7]],
    )
    facts = [
        object_size(scene, 1, box="aabb", unit="m"),
        object_distance(scene, 1, 2, method="centroid"),
        relative_direction(scene, 1, 2, 3, granularity="medium"),
        instance_count(scene, "bed", views=["f0"], tau_instance=0.1, tau_frame=0.002),
        room_area(scene),
        visibility(scene, 3, "f0"),
    ]
    for fact in facts:
        program = json.loads(json.dumps(fact.program))
        assert program == fact.program
        again = execute(program, scene)
        assert again == fact
