"""Relative direction between objects on the floor plan: standing at P facing O, in which
sector is Q.

theta is the counter-clockwise angle in the XY plane (z up) from f = O - P to v = Q - P, in
[0, 360). Sectors (GROUND_TRUTH.md): hard [0, 90) front-left, [90, 180) back-left,
[180, 270) back-right, [270, 360) front-right; medium and easy [0, 135) left, [135, 225) back,
[225, 360) right (the easy task rejects "back"). 0/360 is a boundary in every granularity
(front-left/front-right; right/left).
"""

from __future__ import annotations

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import minimal_obb
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import ObjectId, call, operation
from spatialqa.scenes import Scene

_LR = ((0.0, "left"), (135.0, "back"), (225.0, "right"))
SECTORS: dict[str, tuple[tuple[float, str], ...]] = {
    "hard": (
        (0.0, "front-left"),
        (90.0, "back-left"),
        (180.0, "back-right"),
        (270.0, "front-right"),
    ),
    "medium": _LR,
    "easy": _LR,
}
"""Granularity -> sectors as (start angle in degrees, label), each up to the next start."""


def ccw_angle(forward: np.ndarray, vector: np.ndarray) -> float:
    """Counter-clockwise angle in degrees from ``forward`` (2,) to ``vector`` (2,), in [0, 360)."""
    fx, fy = (float(x) for x in forward)
    vx, vy = (float(x) for x in vector)
    if (fx == 0.0 and fy == 0.0) or (vx == 0.0 and vy == 0.0):
        raise SpatialQAError("ccw_angle: a zero-length direction has no angle")
    theta = float(np.degrees(np.arctan2(fx * vy - fy * vx, fx * vx + fy * vy))) % 360.0
    return 0.0 if theta >= 360.0 else theta


def _starts(granularity: str) -> tuple[tuple[float, str], ...]:
    if granularity not in SECTORS:
        raise SpatialQAError(f"granularity: unknown {granularity!r} (supported: {sorted(SECTORS)})")
    return SECTORS[granularity]


def sector(theta: float, granularity: str) -> tuple[str, float]:
    """The sector label of angle ``theta`` (degrees) and its margin.

    The margin is the circular distance in degrees to the nearest sector boundary of that
    granularity (hard: 0, 90, 180, 270; medium/easy: 0, 135, 225).
    """
    starts = _starts(granularity)
    theta = float(theta) % 360.0
    label = next(name for start, name in reversed(starts) if theta >= start)
    gaps = [abs(theta - start) % 360.0 for start, _ in starts]
    return label, float(min(min(gap, 360.0 - gap) for gap in gaps))


@operation
def relative_direction(
    scene: Scene, standing: ObjectId, facing: ObjectId, target: ObjectId, granularity: str = "hard"
) -> Fact:
    """Standing at object ``standing`` facing object ``facing``: the sector of ``target``.

    Positions are minimal-OBB centres projected to XY. ``margin`` is theta's distance to the
    nearest sector boundary in degrees; ``detail["corners_off"]`` counts the target's eight OBB
    corners whose sector differs from its centre's.
    """
    _starts(granularity)
    if len({standing, facing, target}) != 3:
        raise SpatialQAError(
            f"relative_direction: standing, facing and target must be three different objects "
            f"(got {standing}, {facing}, {target})"
        )
    p = minimal_obb(scene, standing).center[:2]
    o = minimal_obb(scene, facing).center[:2]
    target_box = minimal_obb(scene, target)
    forward = o - p
    theta = ccw_angle(forward, target_box.center[:2] - p)
    label, margin = sector(theta, granularity)
    corner_labels = [
        sector(ccw_angle(forward, corner[:2] - p), granularity)[0] for corner in target_box.corners
    ]
    return Fact(
        value=label,
        unit="deg",
        primitive="obb_center",
        frame=f"egocentric: at {standing} facing {facing}",
        program=call(
            relative_direction,
            standing=standing,
            facing=facing,
            target=target,
            granularity=granularity,
        ),
        margin=margin,
        instance_ids=(standing, facing, target),
        detail={
            "angle_deg": theta,
            "corners_off": sum(corner != label for corner in corner_labels),
            "standing_xy": p.tolist(),
            "facing_xy": o.tolist(),
        },
    )
