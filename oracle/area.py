"""Room floor area."""

from __future__ import annotations

from shapely.geometry import Polygon

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import call, operation
from spatialqa.scenes import Scene

AREA_METHODS = ("polygon",)
"""Methods implemented; "floor_alpha" and "vsi_alpha5" (GROUND_TRUTH.md) are not yet."""


@operation("room_area")
def room_area(scene: Scene, method: str = "polygon") -> Fact:
    """Floor area in m^2: ``polygon`` is the exact area of ``scene.room.footprint``.

    A scene without a footprint gives an unanswerable fact (value None).
    """
    if method not in AREA_METHODS:
        raise SpatialQAError(
            f"room_area: unknown or unsupported method {method!r} (supported: {AREA_METHODS})"
        )
    program = call("room_area", method=method)
    if scene.room is None:
        return Fact(
            value=None,
            unit="m^2",
            primitive="footprint",
            frame="world",
            program=program,
            answerable=False,
            why_not=f"scene {scene.scene_id} has no room footprint",
        )
    polygon = Polygon(scene.room.footprint)
    if not polygon.is_valid:
        raise SpatialQAError(f"scene {scene.scene_id}: room.footprint is not a simple polygon")
    return Fact(
        value=float(polygon.area),
        unit="m^2",
        primitive="footprint",
        frame="world",
        program=program,
        detail={"corners": len(scene.room.footprint)},
    )
