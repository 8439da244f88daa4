"""Facts in one camera's image: ego relations, depth order, orientation, 2D boxes and points.

Camera frame: OpenCV, x right, y *down*, z forward. A is left of B when the gap
``min_x(B) - max_x(A)`` over both boxes' eight corners in camera coordinates is positive; above
uses y (smaller y is higher in the image, so A above B when ``min_y(B) - max_y(A) > 0``), in
front (closer to the camera) uses z. The gap is the fact's margin: negative when the extents
overlap, which a task rejects. The 2D variant does the same with the corners projected to
pixels (margin in px).
"""

from __future__ import annotations

import math

import numpy as np

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.boxes import box_of
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import FrameId, ObjectId, call, operation
from spatialqa.oracle.visibility import frame_visibility
from spatialqa.scenes import Scene

RELATIONS = {"x": ("left of", "right of"), "y": ("above", "below"), "z": ("in front of", "behind")}
"""Per camera axis: (A's relation to B when A has the smaller coordinate, when the larger)."""
ORIENTATIONS = ("towards the camera", "to the right", "away from the camera", "to the left")
"""Facing sectors by the angle from the object-to-camera direction: within 45 deg, (45, 135)
counter-clockwise seen from above, beyond 135, (-135, -45)."""
NORMALISED = 1000
"""2D coordinates are also given as integers in 0..1000 of the image width and height: the
image's outer edges, at -0.5 and width - 0.5 in OpenCV pixel coordinates, are 0 and 1000."""
_HORIZONTAL = 0.5
"""Least horizontal length of a unit front axis (and of the object-to-camera direction, m)."""


def camera_corners(scene: Scene, instance_id: int, view: str, box: str = "minimal_obb"):
    """The object's box corners in ``view``'s camera coordinates, (8, 3) float64."""
    return scene.frame(view).world_to_camera(box_of(scene, instance_id, box).corners)


def _fact(value, unit, primitive, view, program, ids, **kw) -> Fact:
    return Fact(
        value=value,
        unit=unit,
        primitive=primitive,
        frame=f"camera {view}",
        program=program,
        instance_ids=ids,
        views=(view,),
        **kw,
    )


@operation
def ego_relation(
    scene: Scene,
    a: ObjectId,
    b: ObjectId,
    view: FrameId,
    axis: str = "x",
    variant: str = "3d",
    box: str = "minimal_obb",
) -> Fact:
    """Where A is relative to B along camera ``axis`` ("left of", "above", "in front of", ...).

    ``variant`` "3d" compares camera coordinates (margin in m), "2d" projected pixel
    coordinates (x and y only; margin in px, unanswerable when a corner is behind the camera).
    """
    if axis not in RELATIONS:
        raise SpatialQAError(f"ego_relation.axis: expected x, y or z, got {axis!r}")
    if variant not in ("3d", "2d") or (variant == "2d" and axis == "z"):
        raise SpatialQAError(f"ego_relation.variant: {variant!r} is not defined for axis {axis!r}")
    k = "xyz".index(axis)
    corners = [camera_corners(scene, i, view, box) for i in (a, b)]
    answerable, why_not = True, None
    if variant == "3d":
        spans = [(c[:, k].min(), c[:, k].max()) for c in corners]
        unit = "m"
    else:
        frame = scene.frame(view)
        projected = [frame.project(box_of(scene, i, box).corners) for i in (a, b)]
        spans = [(uv[:, k].min(), uv[:, k].max()) for uv, _ in projected]
        if any(np.any(z <= 0) for _, z in projected):
            answerable, why_not = False, "a box corner is behind the camera"
        unit = "px"
    (a_low, a_high), (b_low, b_high) = spans
    before, after = b_low - a_high, a_low - b_high  # A smaller than B / A larger than B
    value = RELATIONS[axis][0] if before >= after else RELATIONS[axis][1]
    return _fact(
        value,
        unit,
        box,
        view,
        call(ego_relation, a=a, b=b, view=view, axis=axis, variant=variant, box=box),
        (a, b),
        margin=float(max(before, after)),
        answerable=answerable,
        why_not=why_not,
        detail={"a_span": [float(a_low), float(a_high)], "b_span": [float(b_low), float(b_high)]},
    )


@operation
def depth_order(scene: Scene, a: ObjectId, b: ObjectId, view: FrameId) -> Fact:
    """The category of whichever of A and B is closer to the camera, by the camera-frame z of
    its visible part's centre; margin: the depth difference (m)."""
    counts = frame_visibility(scene, view)
    depths = [float(counts.depths[counts.index(i)]) for i in (a, b)]
    if any(math.isnan(d) for d in depths):
        return _fact(
            None,
            "m",
            "visible surface",
            view,
            call(depth_order, a=a, b=b, view=view),
            (a, b),
            answerable=False,
            why_not="an object has no visible pixel in this view",
        )
    closer = a if depths[0] <= depths[1] else b
    return _fact(
        scene.object(closer).category,
        "m",
        "visible surface",
        view,
        call(depth_order, a=a, b=b, view=view),
        (a, b),
        margin=abs(depths[0] - depths[1]),
        detail={"closer": closer, "depths_m": {str(a): depths[0], str(b): depths[1]}},
    )


@operation
def object_orientation(scene: Scene, instance_id: ObjectId, view: FrameId) -> Fact:
    """Which way the object's front faces as seen from the camera, on the horizontal plane.

    Angle: counter-clockwise (seen from above, z up) from the object-to-camera direction to
    the front axis; positive turns the front towards the camera's right (+x). Sectors:
    ``ORIENTATIONS``; margin: degrees to the nearest sector boundary (45 or 135 deg).
    """
    obj = scene.object(instance_id)
    program = call(object_orientation, instance_id=instance_id, view=view)
    center = box_of(scene, instance_id, "minimal_obb").center
    to_camera = (scene.frame(view).center - center)[:2]
    front = None if obj.front is None else obj.front[:2]
    if front is None or np.linalg.norm(front) < _HORIZONTAL or np.linalg.norm(to_camera) < 0.1:
        return _fact(
            None,
            "deg",
            "front axis",
            view,
            program,
            (instance_id,),
            answerable=False,
            why_not="no horizontal front axis, or the camera is straight above the object",
        )
    cross = to_camera[0] * front[1] - to_camera[1] * front[0]
    angle = math.degrees(math.atan2(cross, float(to_camera @ front)))
    sector = int(((angle + 45.0) % 360.0) // 90.0)  # 0 towards, 1 right, 2 away, 3 left
    boundary = abs(angle) % 90.0
    return _fact(
        ORIENTATIONS[sector],
        "deg",
        "front axis",
        view,
        program,
        (instance_id,),
        margin=abs(boundary - 45.0),
        detail={"angle_deg": angle},
    )


def _normalised(values, sizes) -> list[int]:
    return [
        math.floor((v + 0.5) / s * NORMALISED + 0.5) for v, s in zip(values, sizes, strict=True)
    ]


@operation
def object_box_2d(scene: Scene, instance_id: ObjectId, view: FrameId) -> Fact:
    """The visible part's 2D box [x1, y1, x2, y2] as integers 0..1000 of width and height;
    ``detail["box_px"]`` in OpenCV pixel coordinates (pixel centres at integers), enclosing the
    visible pixels' squares: [u_min - 0.5, v_min - 0.5, u_max + 0.5, v_max + 0.5]."""
    counts = frame_visibility(scene, view)
    frame = scene.frame(view)
    box = counts.boxes[counts.index(instance_id)].tolist()
    program = call(object_box_2d, instance_id=instance_id, view=view)
    seen = not math.isnan(box[0])
    size = (frame.width, frame.height) * 2
    return _fact(
        _normalised(box, size) if seen else None,
        "px/1000",
        "instance mask",
        view,
        program,
        (instance_id,),
        answerable=seen,
        why_not=None if seen else "no visible pixel in this view",
        detail={"box_px": box if seen else None, "width": frame.width, "height": frame.height},
    )


@operation
def object_point_2d(scene: Scene, instance_id: ObjectId, view: FrameId) -> Fact:
    """A point on the object: the visible pixel centre nearest its visible part's centroid,
    as integers 0..1000 of width and height; ``detail["point_px"]`` in OpenCV pixel
    coordinates (that pixel's integer u, v)."""
    counts = frame_visibility(scene, view)
    frame = scene.frame(view)
    point = counts.points[counts.index(instance_id)].tolist()
    program = call(object_point_2d, instance_id=instance_id, view=view)
    seen = not math.isnan(point[0])
    return _fact(
        _normalised(point, (frame.width, frame.height)) if seen else None,
        "px/1000",
        "instance mask",
        view,
        program,
        (instance_id,),
        answerable=seen,
        why_not=None if seen else "no visible pixel in this view",
        detail={"point_px": point if seen else None, "width": frame.width, "height": frame.height},
    )
