"""Room floor area from the footprint polygon."""

import json

import pytest

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import execute, room_area


def test_l_shaped_room(scene_kit):
    # A 5 x 4 rectangle without its 2 x 1 corner: 20 - 2 = 18 m^2.
    footprint = [[0, 0], [5, 0], [5, 3], [3, 3], [3, 4], [0, 4]]
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (1, 1, 0.3))], footprint=footprint)
    fact = room_area(scene)
    assert fact.value == pytest.approx(18.0) and fact.unit == "m^2" and fact.answerable
    assert execute(json.loads(json.dumps(fact.program)), scene).value == fact.value


def test_no_footprint_is_unanswerable(scene_kit):
    fact = room_area(scene_kit.scene([scene_kit.Box(1, "bed", (1, 1, 0.3))]))
    assert not fact.answerable and fact.value is None and "footprint" in fact.why_not


def test_unsupported_method_names_itself_and_the_supported_ones(scene_kit):
    scene = scene_kit.scene([scene_kit.Box(1, "bed", (1, 1, 0.3))])
    with pytest.raises(SpatialQAError, match=r"vsi_alpha5.*polygon"):
        room_area(scene, method="vsi_alpha5")
