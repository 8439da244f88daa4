"""Symmetries for the oracle's property tests: whole-scene transforms and, per operation
(``OP_SPECS``), the calls to make and how each answer follows a transform; fact comparison.

``moved`` applies a rigid motion to everything a Scene holds (objects, structure, footprint,
front axes, cameras); ``mirrored`` reflects it through the plane x = 0 and keeps every camera a
valid right-handed OpenCV camera by also flipping the camera's own x axis, so the mirrored
camera sees the mirrored image (pixel column u becomes width - 1 - u).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import trimesh
from scipy.spatial.transform import Rotation

from spatialqa.oracle import Fact
from spatialqa.scenes import Frame, OrientedBox, Room, Scene

MIRROR = np.diag([-1.0, 1.0, 1.0])
"""The world reflection x -> -x."""
FLIP_CAMERA_X = np.diag([-1.0, 1.0, 1.0])
"""Applied to a camera's own axes after the world reflection: right-handed again."""


def yaw_matrix(yaw_deg: float) -> np.ndarray:
    """Rotation about world z by ``yaw_deg`` degrees, (3, 3)."""
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def random_rotation(seed: int) -> np.ndarray:
    """A uniformly random proper rotation, (3, 3), the same for the same seed."""
    return Rotation.random(random_state=np.random.default_rng(seed)).as_matrix()


def _mesh(mesh: trimesh.Trimesh, linear: np.ndarray, shift: np.ndarray) -> trimesh.Trimesh:
    """``mesh`` under x -> linear x + shift; a reflection also reverses the faces' winding."""
    faces = np.asarray(mesh.faces)
    if np.linalg.det(linear) < 0:
        faces = faces[:, ::-1]
    vertices = np.asarray(mesh.vertices) @ linear.T + shift
    return trimesh.Trimesh(vertices=vertices, faces=faces.copy(), process=False)


def _transformed(
    scene: Scene, linear: np.ndarray, shift: np.ndarray, camera_fix: np.ndarray, keep_room: bool
) -> Scene:
    """The scene under x -> linear x + shift; cameras' axes become linear R camera_fix."""
    reflect = np.linalg.det(linear) < 0

    def points(array: np.ndarray | None) -> np.ndarray | None:
        return None if array is None else np.asarray(array) @ linear.T + shift

    def box(annotated: Any) -> Any:
        if annotated is None:
            return None
        rotation = linear @ annotated.rotation @ camera_fix  # right-handed again
        return replace(annotated, center=linear @ annotated.center + shift, rotation=rotation)

    objects = tuple(
        replace(
            obj,
            mesh=None if obj.mesh is None else _mesh(obj.mesh, linear, shift),
            points=points(obj.points),
            front=None if obj.front is None else linear @ obj.front,
            annotated_box=box(obj.annotated_box),
        )
        for obj in scene.objects
    )
    structure = tuple(replace(s, mesh=_mesh(s.mesh, linear, shift)) for s in scene.structure)
    room = None
    if keep_room and scene.room is not None:
        footprint = scene.room.footprint @ linear[:2, :2].T + shift[:2]
        room = Room(footprint[::-1] if reflect else footprint, scene.room.height)

    def frame(f: Frame) -> Frame:
        pose = np.eye(4)
        pose[:3, :3] = linear @ f.pose[:3, :3] @ camera_fix
        pose[:3, 3] = linear @ f.center + shift
        K = np.array(f.K)
        if reflect:  # the image is mirrored: pixel u (centred at integer u) becomes w - 1 - u
            K[0, 2] = f.width - 1 - K[0, 2]
            K[0, 1] = -K[0, 1]
        return replace(f, pose=pose, K=K)

    trajectories = tuple(
        replace(t, frames=tuple(frame(f) for f in t.frames)) for t in scene.trajectories
    )
    return replace(
        scene,
        objects=objects,
        structure=structure,
        room=room,
        trajectories=trajectories,
        floor_z=scene.floor_z + float(shift[2]) if keep_room else scene.floor_z,
    )


def moved(scene: Scene, rotation: np.ndarray, shift: np.ndarray) -> Scene:
    """The whole scene and its cameras under x -> rotation x + shift.

    A rotation about z keeps the room footprint and the floor (moved with the scene); any other
    rotation has no floor polygon, so the room is dropped.
    """
    rotation, shift = np.asarray(rotation, np.float64), np.asarray(shift, np.float64)
    about_z = np.allclose(rotation[2], [0.0, 0.0, 1.0], atol=1e-12)
    return _transformed(scene, rotation, shift, np.eye(3), keep_room=about_z)


def mirrored(scene: Scene) -> Scene:
    """The scene reflected through x = 0, each camera's x axis flipped to stay right-handed.

    A world point p seen at camera coordinates (x, y, z) is, mirrored, seen at (-x, y, z) by
    the mirrored camera: its image is the original one flipped left to right.
    """
    return _transformed(scene, MIRROR, np.zeros(3), FLIP_CAMERA_X, keep_room=True)


def swap_left_right(value: Any) -> Any:
    """``value`` with "left" and "right" exchanged in every string it holds."""
    if isinstance(value, str):
        return value.replace("left", "\0").replace("right", "left").replace("\0", "right")
    if isinstance(value, list | tuple):
        return type(value)(swap_left_right(v) for v in value)
    return value


def close(a: Any, b: Any, rel: float, abs_: float) -> bool:
    """Recursive equality with a numeric tolerance (bools and strings exact)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    if isinstance(a, int | float | np.floating | np.integer) and isinstance(
        b, int | float | np.floating | np.integer
    ):
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(x, y, rel, abs_) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rel, abs_) for k in a)
    return a == b


# ------------------------------------------------------------------ every operation's calls

YAW, ROTATION, MIRROR_SWAP = "yaw", "rotation", "mirror"
"""Symmetries a call's answer respects: rigid motion about z, any rigid motion, the mirror."""
ALL = frozenset({YAW, ROTATION, MIRROR_SWAP})
GRAVITY = frozenset({YAW, MIRROR_SWAP})
MIRROR_ONLY = frozenset({MIRROR_SWAP})


@dataclass(frozen=True)
class Call:
    """Keyword arguments of one oracle call and the symmetries its answer respects."""

    kwargs: dict[str, Any]
    symmetries: frozenset[str]
    detail: bool = True
    """Whether ``OpSpec.detail_keys`` hold under the symmetries too."""
    boxes: tuple[str, tuple[int, ...]] | None = None
    """(box kind, ids) when the answer depends on where those boxes' sides lie, not only on
    their size: a round object has several equally small boxes, turned against each other,
    and which one a solver returns is not a property of the scene (see ``boxes_correspond``)."""
    mirrored: dict[str, Any] | None = None
    """The keyword arguments to ask the mirrored scene, for a call that names pixels (a mirror
    moves pixel column u of a W px wide image to W - 1 - u); None: the same ``kwargs``."""

    def kwargs_for(self, symmetry: str) -> dict[str, Any]:
        """The arguments that ask the transformed scene the same question."""
        return (
            self.mirrored if symmetry == MIRROR_SWAP and self.mirrored is not None else self.kwargs
        )


@dataclass(frozen=True)
class OpSpec:
    """How the property tests call an operation and compare its answers.

    ``calls(scene, rng)`` draws argument sets covering the operation's variants; ``mirror``
    maps an answer to the answer expected in the mirrored scene; ``detail_keys`` are detail
    entries that every symmetry of the call keeps; ``pixels`` marks answers counted on pixels,
    compared within a pixel tolerance rather than float rounding.
    """

    calls: Callable[[Scene, np.random.Generator], list[Call]]
    mirror: Callable[[Any], Any] = swap_left_right
    detail_keys: tuple[str, ...] = ()
    pixels: bool = False
    pixel_tolerance: float = 2e-3
    """Absolute tolerance of a pixel-counted value (a fraction, or 0..1000 image units)."""
    same_ids: bool = True
    """Whether the fact's instance ids must agree (not when it names whichever of equally
    near instances a float rounding picks)."""


def mesh_ids(scene: Scene) -> list[int]:
    return [obj.id for obj in scene.objects if obj.mesh is not None]


def object_ids(scene: Scene) -> list[int]:
    """Every referent, meshes and point clouds alike (the oracle takes both)."""
    return [obj.id for obj in scene.objects]


def frame_ids(scene: Scene) -> list[str]:
    return [frame.id for trajectory in scene.trajectories for frame in trajectory.frames]


def _pick(rng: np.random.Generator, items: Sequence[Any], k: int) -> list[Any]:
    return [items[i] for i in rng.choice(len(items), size=k, replace=False)]


BOX_SYMMETRIES = {
    "minimal_obb": ALL,
    "annotated": ALL,
    "gravity_obb": GRAVITY,
    "aabb": frozenset({MIRROR_SWAP}),
}
"""Box kind -> the symmetries its boxes follow (an AABB turns with the world axes, not the
scene; a gravity-aligned box keeps z)."""


def _box_kinds(scene: Scene, instance_id: int) -> list[str]:
    from spatialqa.oracle.boxes import BOX_KINDS

    unknown = sorted(set(BOX_KINDS) - set(BOX_SYMMETRIES))
    assert not unknown, f"symmetry_kit.BOX_SYMMETRIES does not know box kinds {unknown}"
    has_annotation = getattr(scene.object(instance_id), "annotated_box", None) is not None
    return [kind for kind in BOX_KINDS if kind != "annotated" or has_annotation]


def _size_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.boxes import box_of
    from spatialqa.oracle.size import SIZE_AXES, upright_sides

    (one,) = _pick(rng, object_ids(scene), 1)
    calls = []
    for kind in _box_kinds(scene, one):
        upright = upright_sides(box_of(scene, one, kind)) is not None
        for axis in SIZE_AXES:
            if axis != "longest" and not upright:
                continue  # a tilted box has no height: the oracle refuses the question
            symmetries = BOX_SYMMETRIES[kind] if axis == "longest" else GRAVITY
            detail = True
            if kind == "aabb":  # only its vertical side survives a turn about z
                symmetries = frozenset({MIRROR_SWAP} | ({YAW} if axis == "height" else set()))
                detail = axis != "height"
            unit = ("m", "cm")[int(rng.integers(2))]
            kwargs = {"instance_id": one, "box": kind, "unit": unit, "axis": axis}
            calls.append(Call(kwargs, symmetries, detail=detail))
    return calls


def _volume_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (one,) = _pick(rng, object_ids(scene), 1)
    return [
        Call({"instance_id": one, "box": kind}, BOX_SYMMETRIES[kind])
        for kind in _box_kinds(scene, one)
    ]


def _distance_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.distance import DISTANCE_METHODS

    a, b = _pick(rng, object_ids(scene), 2)
    calls = []
    for method in DISTANCE_METHODS:
        kinds = [k for k in _box_kinds(scene, a) if k in _box_kinds(scene, b)]
        for kind in kinds if method != "closest" else ["minimal_obb"]:
            symmetries = ALL if method == "closest" else BOX_SYMMETRIES[kind]
            a, b = b, a  # both argument orders over the calls
            kwargs = {"a": a, "b": b, "method": method, "unit": "m", "box": kind}
            boxes = (kind, (a, b)) if method != "closest" else None
            calls.append(Call(kwargs, symmetries, boxes=boxes))
    return calls


def _camera_distance_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.distance import CAMERA_METHODS

    symmetries = {"closest": ALL, "aabb": frozenset({MIRROR_SWAP})}
    (one,) = _pick(rng, object_ids(scene), 1)
    (view,) = _pick(rng, frame_ids(scene), 1)
    return [
        Call({"view": view, "instance_id": one, "method": m, "unit": "m"}, symmetries[m])
        for m in CAMERA_METHODS
    ]


def _xy_apart(scene: Scene, ids: Sequence[int]) -> bool:
    from spatialqa.oracle.boxes import minimal_obb

    centres = [minimal_obb(scene, i).center[:2] for i in ids]
    return all(
        np.linalg.norm(centres[i] - centres[j]) > 1e-6
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
    )


def _direction_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    ids = object_ids(scene)
    for _ in range(50):
        triple = _pick(rng, ids, 3)
        if _xy_apart(scene, triple):
            break
    standing, facing, target = triple
    return [
        Call(
            {"standing": standing, "facing": facing, "target": target, "granularity": g},
            GRAVITY,
            boxes=("minimal_obb", (standing, facing, target)),
        )
        for g in ("hard", "medium", "easy")
    ]


def _count_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    categories = sorted(scene.categories)
    (category,) = _pick(rng, categories, 1)
    views = sorted(_pick(rng, frame_ids(scene), min(2, len(frame_ids(scene)))))
    return [
        Call({"category": category}, ALL),
        Call({"category": "no such thing"}, ALL),
        Call({"category": category, "views": views, "tau_instance": 0.1, "tau_frame": 0.002}, ALL),
    ]


def _area_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.area import AREA_METHODS

    # floor_alpha dedupes points on a 1 m voxel grid fixed to the world axes: no symmetry.
    # vsi_alpha5 draws from surface samples, which a mirror's reversed winding redraws.
    symmetries = {
        "polygon": GRAVITY,
        "auto": GRAVITY,
        "vsi_alpha5": {YAW},
        "floor_alpha": set(),
    }
    unknown = sorted(set(AREA_METHODS) - set(symmetries))
    assert not unknown, f"symmetry_kit does not know room_area methods {unknown}"
    # The cloud-based methods cost a second each: one of them per draw, the exact ones always.
    cheap = [m for m in AREA_METHODS if m in ("polygon", "auto")]
    costly = [m for m in AREA_METHODS if m not in cheap]
    methods = cheap + _pick(rng, costly, min(1, len(costly)))
    seed = int(rng.integers(1000))
    return [Call({"method": m, "seed": seed}, frozenset(symmetries[m])) for m in methods]


def _visibility_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (one,) = _pick(rng, object_ids(scene), 1)
    (view,) = _pick(rng, frame_ids(scene), 1)
    return [Call({"instance_id": one, "view": view}, ALL)]


def _views(scene: Scene, rng: np.random.Generator, k: int) -> list[str]:
    frames = frame_ids(scene)
    return sorted(_pick(rng, frames, min(k, len(frames))))


def _one_view(scene: Scene, rng: np.random.Generator) -> str:
    return _pick(rng, frame_ids(scene), 1)[0]


def _pair_view_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    a, b = _pick(rng, object_ids(scene), 2)
    return [Call({"a": a, "b": b, "view": _one_view(scene, rng)}, ALL)]


def _target_occluder_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    target, occluder = _pick(rng, object_ids(scene), 2)
    view = _one_view(scene, rng)
    return [
        Call({"target": target, "occluder": occluder, "view": view}, ALL),
        Call({"target": target, "occluder": -1, "view": view}, ALL),
    ]


def _occluded_by_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    return [
        Call({**call.kwargs, "min_fraction": 0.1}, call.symmetries)
        for call in _target_occluder_calls(scene, rng)
    ]


def _instance_view_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (one,) = _pick(rng, object_ids(scene), 1)
    return [Call({"instance_id": one, "view": _one_view(scene, rng)}, ALL)]


def _visible_instance_view_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    """An instance and a view that shows it (a 2D box or point needs visible pixels)."""
    from spatialqa.oracle import frame_visibility

    for view in _pick(rng, frame_ids(scene), len(frame_ids(scene))):
        counts = frame_visibility(scene, view)
        shown = counts.instance_ids[counts.visible_pixels > 0].tolist()
        if shown:
            return [Call({"instance_id": _pick(rng, shown, 1)[0], "view": view}, ALL)]
    return []


def _category_views_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (category,) = _pick(rng, sorted(scene.categories), 1)
    views = _views(scene, rng, 2)
    return [
        Call({"category": category, "views": views}, ALL),
        Call({"category": "no such thing", "views": views, "tau_instance": 0.1}, ALL),
    ]


def _visible_count_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (category,) = _pick(rng, sorted(scene.categories), 1)
    return [Call({"category": category, "view": _one_view(scene, rng)}, ALL)]


def _appearance_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    categories = _pick(rng, sorted(scene.categories), min(4, len(scene.categories)))
    return [Call({"categories": categories, "views": frame_ids(scene)}, ALL)]


def _count_comparison_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    first, second = _pick(rng, sorted(scene.categories), 2)
    return [
        Call({"first": first, "second": second}, ALL),
        Call({"first": first, "second": second, "views": _views(scene, rng, 2)}, ALL),
    ]


def _two_views_calls(scene: Scene, rng: np.random.Generator, symmetries) -> list[Call]:
    view1, view2 = _pick(rng, frame_ids(scene), 2)
    return [Call({"view1": view1, "view2": view2}, symmetries)]


def _movement_calls(scene: Scene, rng: np.random.Generator, symmetries) -> list[Call]:
    """An object and two frames (oracle.movement): its box centre decides the answer."""
    (instance,) = _pick(rng, object_ids(scene), 1)
    view1, view2 = _pick(rng, frame_ids(scene), 2)
    kwargs = {"instance_id": instance, "view1": view1, "view2": view2}
    return [Call(kwargs, symmetries, boxes=("minimal_obb", (instance,)))]


def _moved_object_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    """Up to three objects of distinct categories and two frames (oracle.moved_object)."""
    firsts = [ids[0] for ids in scene.categories.values()]
    ids = _pick(rng, firsts, min(3, len(firsts)))
    view1, view2 = _pick(rng, frame_ids(scene), 2)
    kwargs = {"instance_ids": ids, "view1": view1, "view2": view2}
    return [Call(kwargs, ALL, boxes=("minimal_obb", tuple(ids)))]


def _ego_relation_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.in_view import RELATIONS

    a, b = _pick(rng, object_ids(scene), 2)
    view = _one_view(scene, rng)
    calls = []
    for axis in RELATIONS:
        for variant in ("3d", "2d") if axis != "z" else ("3d",):
            both = [k for k in _box_kinds(scene, a) if k in _box_kinds(scene, b)]
            for kind in both if variant == "3d" else ["minimal_obb"]:
                kwargs = {"a": a, "b": b, "view": view, "axis": axis, "variant": variant}
                kwargs["box"] = kind
                calls.append(Call(kwargs, BOX_SYMMETRIES[kind], boxes=(kind, (a, b))))
    return calls


def _viewers(scene: Scene, rng: np.random.Generator) -> list[dict[str, Any]]:
    """The two kinds of viewer: a frame's camera, or standing at one object facing another."""
    ids = object_ids(scene)
    for _ in range(50):
        standing, facing, target = _pick(rng, ids, 3)
        if _xy_apart(scene, (standing, facing, target)):
            break
    return [
        {"target": target, "view": _one_view(scene, rng)},
        {"target": target, "standing": standing, "facing": facing},
    ]


def _viewer_boxes(kwargs: dict[str, Any]) -> tuple[str, tuple[int, ...]]:
    """The boxes whose centres place a viewer's call: the target, and standing/facing."""
    return "minimal_obb", tuple(kwargs[k] for k in ("target", "standing", "facing") if k in kwargs)


def _clock_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    return [Call(kwargs, GRAVITY, boxes=_viewer_boxes(kwargs)) for kwargs in _viewers(scene, rng)]


def _goal_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    return [
        Call({**kwargs, "straight_deg": 10.0}, GRAVITY, boxes=_viewer_boxes(kwargs))
        for kwargs in _viewers(scene, rng)
    ]


def _mirror_clock(hour: Any) -> Any:
    return 12 - hour if hour != 12 else 12


def _action_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (target,) = _pick(rng, object_ids(scene), 1)
    view = _one_view(scene, rng)
    turn, step = float(rng.uniform(-90, 90)), float(rng.uniform(-1.0, 1.0))
    boxes = ("minimal_obb", (target,))
    return [
        # A mirror turns a left turn into a right one: only a straight step keeps "closer".
        Call(
            {"target": target, "view": view, "query": "closer", "turn_deg": 0.0, "step_m": step},
            GRAVITY,
            boxes=boxes,
        ),
        Call(
            {"target": target, "view": view, "query": "closer", "turn_deg": turn, "step_m": step},
            frozenset({YAW}),
            boxes=boxes,
        ),
        Call(
            {"target": target, "view": view, "query": "left", "turn_deg": turn, "step_m": step},
            frozenset({YAW}),
            boxes=boxes,
        ),
    ]


def _perspective_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    ids = object_ids(scene)
    for _ in range(50):
        standing, facing, target, reference = _pick(rng, ids, 4)
        if _xy_apart(scene, (standing, facing, target, reference)):
            break
    boxes = ("minimal_obb", (standing, facing, target, reference))
    base = {"standing": standing, "facing": facing, "target": target}
    return [
        Call({**base, "query": "left_right"}, GRAVITY, boxes=boxes),
        Call({**base, "query": "closer", "reference": reference}, GRAVITY, boxes=boxes),
    ]


def _orientation_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    fronted = [obj.id for obj in scene.objects if obj.front is not None and obj.mesh is not None]
    if not fronted:
        return []
    (one,) = _pick(rng, fronted, 1)
    return [
        Call(
            {"instance_id": one, "view": _one_view(scene, rng)},
            GRAVITY,
            boxes=("minimal_obb", (one,)),
        )
    ]


def _height_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.size import HEIGHT_MODES

    a, b = _pick(rng, object_ids(scene), 2)
    return [Call({"a": a, "b": b, "mode": mode}, GRAVITY) for mode in HEIGHT_MODES]


def _size_comparison_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    from spatialqa.oracle.size import SIZE_QUANTITIES

    a, b = _pick(rng, object_ids(scene), 2)
    calls = [
        Call({"a": a, "b": b, "quantity": q}, ALL if q == "volume" else GRAVITY)
        for q in SIZE_QUANTITIES
    ]
    calls.append(
        Call({"a": a, "b": b, "quantity": "volume", "box": "aabb"}, frozenset({MIRROR_SWAP}))
    )
    return calls


def _nearest_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    (anchor,) = _pick(rng, object_ids(scene), 1)
    others = sorted({obj.category for obj in scene.objects if obj.id != anchor})
    categories = _pick(rng, others, min(3, len(others)))
    involved = (anchor, *(i for c in categories for i in scene.categories[c] if i != anchor))
    return [
        Call({"anchor": anchor, "categories": categories, "method": "closest"}, ALL),
        Call(
            {"anchor": anchor, "categories": categories, "method": "centroid"},
            ALL,
            boxes=("minimal_obb", involved),
        ),
    ]


def _route_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    ids = object_ids(scene)
    for _ in range(50):
        start, facing, *waypoints = _pick(rng, ids, 4)
        if _xy_apart(scene, (start, facing, *waypoints)):
            break
    boxes = ("minimal_obb", (start, facing, *waypoints))
    return [Call({"start": start, "facing": facing, "waypoints": waypoints}, GRAVITY, boxes=boxes)]


def _map_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    categories = _pick(rng, sorted(scene.categories), min(3, len(scene.categories)))
    boxes = ("minimal_obb", tuple(i for c in categories for i in scene.categories[c]))
    views = _views(scene, rng, 2)
    return [
        Call({"categories": categories, "views": views}, GRAVITY, boxes=boxes),
        Call(
            {"categories": categories, "views": views, "frame": "world"}, MIRROR_ONLY, boxes=boxes
        ),
    ]


def _mirror_column(scene: Scene, view: str, u: float) -> float:
    """Where the mirror moves pixel column ``u`` of ``view``: W - 1 - u (pixel centres at
    integers, the image spanning [-0.5, W - 0.5])."""
    return scene.frame(view).width - 1 - u


def _mirror_stride(width: int) -> int:
    """The least stride whose grid (``oracle.correspondence.grid``: columns s // 2, s // 2 + s,
    ... below ``width``) the mirror maps onto itself: its last column is W - 1 - s // 2; 160 px:
    5 (columns 2, 7, ..., 157)."""
    for stride in range(2, 65):
        if (width - 1 - 2 * (stride // 2)) % stride == 0:
            return stride
    return 1


def _overlap_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    """A pair of frames both ways: the default grid (a rigid motion keeps its pixels), and a
    grid the mirror maps onto itself (else the mirrored scene samples other pixels)."""
    a, b = _pick(rng, frame_ids(scene), 2)
    width = scene.frame(a).width
    return [
        Call({"view_a": a, "view_b": b}, frozenset({YAW, ROTATION})),
        Call({"view_a": b, "view_b": a, "stride": _mirror_stride(width)}, ALL),
    ]


def _correspondence_queries(scene: Scene, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Two frames and pixels of the first: one whose surface point the second sees (when
    any does) and one anywhere in the image (seen or not)."""
    from spatialqa.oracle.correspondence import OVERLAP_STRIDE, pair_samples

    a, b = _pick(rng, frame_ids(scene), 2)
    samples = pair_samples(scene, a, b, OVERLAP_STRIDE)
    seen = np.flatnonzero(samples.seen)
    frame = scene.frame(a)
    pixels = [samples.pixels[int(rng.choice(seen))]] if len(seen) else []
    pixels.append([rng.uniform(-0.5, frame.width - 0.5), rng.uniform(-0.5, frame.height - 0.5)])
    return [{"view_a": a, "view_b": b, "x": float(x), "y": float(y)} for x, y in pixels]


def _mirrored_query(scene: Scene, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {**kwargs, "x": _mirror_column(scene, kwargs["view_a"], kwargs["x"])}


def _point_correspondence_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    """The mirrored scene is asked about the mirrored pixel: it shows the mirrored point."""
    return [
        Call(kwargs, ALL, mirrored=_mirrored_query(scene, kwargs))
        for kwargs in _correspondence_queries(scene, rng)
    ]


def _marked_correspondence_calls(scene: Scene, rng: np.random.Generator) -> list[Call]:
    """Four marks of the second frame: at the point's pixel there (when it sees it) and three
    others 25 px or more away. The mirrored scene is asked about the mirrored pixel with the
    mirrored marks: the same mark shows the spot."""
    from spatialqa.oracle import point_correspondence

    calls = []
    for query in _correspondence_queries(scene, rng):
        view_b = query["view_b"]
        frame = scene.frame(view_b)
        fact = point_correspondence(scene, **query)
        marks = [fact.detail["pixel_b"]] if fact.answerable else []
        while len(marks) < 4:
            mark = [rng.uniform(10, frame.width - 10), rng.uniform(10, frame.height - 10)]
            if all(math.dist(mark, other) >= 25 for other in marks):
                marks.append(mark)
        order = rng.permutation(4)
        marks = [[float(c) for c in marks[i]] for i in order]
        kwargs = {**query, "marks": marks, "names": ["A", "B", "C", "D"]}
        mirrored = {
            **_mirrored_query(scene, kwargs),
            "marks": [[_mirror_column(scene, view_b, u), v] for u, v in marks],
        }
        calls.append(Call(kwargs, ALL, mirrored=mirrored))
    return calls


def _mirror_point_or_none(point: Any) -> Any:
    return None if point is None else _mirror_point_2d(point)


def _mirror_map(value: Any) -> Any:
    """A 10 x 10 map mirrored: x -> 9 - x (its right reversed, its up kept)."""
    return {c: sorted([[9 - x, y] for x, y in cells]) for c, cells in value.items()}


def _mirror_box_2d(box: Any) -> Any:
    x1, y1, x2, y2 = box
    return [1000 - x2, y1, 1000 - x1, y2]


def _mirror_point_2d(point: Any) -> Any:
    x, y = point
    return [1000 - x, y]


OP_SPECS: dict[str, OpSpec] = {
    "object_size": OpSpec(_size_calls, detail_keys=("extent_m",)),
    "object_volume": OpSpec(_volume_calls, detail_keys=("extent_m",)),
    # The centroid distance in detail moves with a tied box's centre: compared only through
    # the centroid calls, which name their boxes.
    "object_distance": OpSpec(_distance_calls, detail_keys=("closest_distance_m",)),
    "camera_object_distance": OpSpec(_camera_distance_calls),
    "relative_direction": OpSpec(_direction_calls, detail_keys=("corners_off",)),
    "instance_count": OpSpec(_count_calls, detail_keys=("visible_count",)),
    "room_area": OpSpec(_area_calls),
    "visibility": OpSpec(
        _visibility_calls, detail_keys=("visible_pixels", "silhouette_pixels"), pixels=True
    ),
    # Both estimate the silhouette beyond the image border from rays on a lattice of up to
    # 12 px (see spatialqa.oracle.visibility): a turn or a mirror moves the lattice, and the
    # estimate with it, by a few percent of the silhouette.
    "visibility_compare": OpSpec(_pair_view_calls, pixels=True, pixel_tolerance=0.05),
    "occlusion": OpSpec(_target_occluder_calls, pixels=True),
    "occluded_by": OpSpec(_occluded_by_calls, pixels=True),
    "truncation": OpSpec(_instance_view_calls, pixels=True, pixel_tolerance=0.05),
    # 0..1000 image coordinates: one pixel of the tests' 160 px wide frames is 6.25, and the
    # point's tie-break (first in raster order) moves by a pixel when the image is mirrored.
    "object_box_2d": OpSpec(
        _visible_instance_view_calls, mirror=_mirror_box_2d, pixels=True, pixel_tolerance=8
    ),
    "object_point_2d": OpSpec(
        _visible_instance_view_calls, mirror=_mirror_point_2d, pixels=True, pixel_tolerance=8
    ),
    "depth_order": OpSpec(_pair_view_calls, pixels=True),
    "ego_relation": OpSpec(_ego_relation_calls),
    "object_orientation": OpSpec(_orientation_calls),
    "visible_count": OpSpec(_visible_count_calls, pixels=True),
    "object_existence": OpSpec(_category_views_calls, pixels=True),
    "first_appearance": OpSpec(_category_views_calls, pixels=True),
    "appearance_order": OpSpec(_appearance_calls, pixels=True),
    "count_comparison": OpSpec(_count_comparison_calls, pixels=True),
    "camera_displacement": OpSpec(lambda s, r: _two_views_calls(s, r, ALL)),
    "camera_elevation_change": OpSpec(lambda s, r: _two_views_calls(s, r, GRAVITY)),
    "camera_motion_direction": OpSpec(lambda s, r: _two_views_calls(s, r, ALL)),
    "camera_relative_position": OpSpec(lambda s, r: _two_views_calls(s, r, ALL)),
    "camera_rotation": OpSpec(lambda s, r: _two_views_calls(s, r, GRAVITY), mirror=lambda v: -v),
    "object_moved": OpSpec(lambda s, r: _movement_calls(s, r, ALL)),
    "moved_object": OpSpec(_moved_object_calls),
    "object_displacement": OpSpec(lambda s, r: _movement_calls(s, r, GRAVITY)),
    "object_move_direction": OpSpec(lambda s, r: _movement_calls(s, r, GRAVITY)),
    "clock_direction": OpSpec(_clock_calls, mirror=_mirror_clock),
    "goal_aiming": OpSpec(_goal_calls),
    "action_consequence": OpSpec(_action_calls),
    "perspective": OpSpec(_perspective_calls),
    "height_difference": OpSpec(_height_calls),
    "size_comparison": OpSpec(_size_comparison_calls),
    "nearest_category": OpSpec(
        _nearest_calls, detail_keys=("distances", "min_gap"), same_ids=False
    ),
    "route": OpSpec(_route_calls, pixels=True),
    "cognitive_map": OpSpec(_map_calls, mirror=_mirror_map, pixels=True),
    # Correspondences are found by float32 rays on the pixels: a rigid motion or the mirror
    # may flip a grazing sample (overlap: 0.01 is 3 of the 300 samples of a 160 x 120 frame at
    # stride 8) or move the 0..1000 rounding of a point by one unit.
    "view_overlap": OpSpec(
        _overlap_calls,
        mirror=lambda v: v,
        detail_keys=("samples",),
        pixels=True,
        pixel_tolerance=0.01,
    ),
    "point_correspondence": OpSpec(
        _point_correspondence_calls,
        mirror=_mirror_point_or_none,
        detail_keys=("surface_category",),
        pixels=True,
        pixel_tolerance=1,
    ),
    "marked_correspondence": OpSpec(
        _marked_correspondence_calls,
        mirror=lambda v: v,  # the marks moved with the pixels: the same mark shows the spot
        detail_keys=("surface_category",),
        pixels=True,
        pixel_tolerance=1,
    ),
}
"""Every registered oracle operation must have an entry (the tests fail for a missing one)."""


def unknown_operations() -> list[str]:
    """Registered operations the property tests do not know how to call."""
    from spatialqa.oracle.program import OPERATIONS

    return sorted(set(OPERATIONS) - set(OP_SPECS))


def boxes_correspond(
    scene: Scene, other: Scene, carry: Callable[[np.ndarray], np.ndarray], call: Call
) -> bool:
    """Whether ``call.boxes`` in ``other`` are those of ``scene`` carried over by ``carry``
    (a map of (n, 3) points), as sets of corners to 1e-6 m; True when the call names none.

    Where they are not, the solver chose another of several boxes of the same size: the caller
    checks that sizes agree and leaves the answer, which depends on the choice, alone.
    """
    from spatialqa.oracle.boxes import box_of

    if call.boxes is None:
        return True
    kind, ids = call.boxes
    for instance_id in ids:
        mine = carry(box_of(scene, instance_id, kind).corners)
        theirs = box_of(other, instance_id, kind).corners
        gaps = np.linalg.norm(mine[:, None, :] - theirs[None, :, :], axis=2)
        if gaps.min(axis=1).max() > 1e-6:
            return False
    return True


def same_answer(
    first: Fact, second: Fact, spec: OpSpec, expected_value: Any = None, detail: bool = True
) -> str:
    """ "" when ``second`` gives the same answer as ``first`` (or ``expected_value``), else why.

    Numbers agree to 1e-6 relative (1e-7 absolute) after float64 geometry; pixel-counted
    answers to 0.2 % (+ 2 px). Labels are compared only away from their decision boundary
    (margin > 1e-6, or the pixel tolerance): on a boundary the label is a coin toss, and
    generators reject such questions.
    """
    rel, abs_ = (2e-3, 2.0) if spec.pixels else (1e-6, 1e-7)
    want = first.value if expected_value is None else expected_value
    problems = []
    boundary = spec.pixel_tolerance if spec.pixels else 1e-6
    on_boundary = first.margin is not None and first.margin <= boundary
    if not on_boundary and not close(
        want, second.value, rel, spec.pixel_tolerance if spec.pixels else abs_
    ):
        problems.append(f"value {want!r} != {second.value!r}")
    margin_tolerance = (rel, spec.pixel_tolerance) if spec.pixels else (1e-6, 1e-6)
    if not close(first.margin, second.margin, *margin_tolerance):
        problems.append(f"margin {first.margin!r} != {second.margin!r}")
    for key in ("unit", "primitive", "views", *(("instance_ids",) if spec.same_ids else ())):
        if getattr(first, key) != getattr(second, key):
            problems.append(f"{key} {getattr(first, key)!r} != {getattr(second, key)!r}")
    if not spec.pixels and first.answerable != second.answerable:
        problems.append(f"answerable {first.answerable} != {second.answerable}")
    for key in spec.detail_keys if detail else ():
        if key in first.detail and not close(first.detail[key], second.detail.get(key), rel, abs_):
            problems.append(f"detail[{key!r}] {first.detail[key]!r} != {second.detail.get(key)!r}")
    return "; ".join(problems)


def annotated(scene: Scene) -> Scene:
    """``scene`` with each mesh object annotated by its gravity-aligned box (a stand-in for a
    dataset's hand-made boxes), so that the ``annotated`` box variant is exercised."""
    from spatialqa.oracle.boxes import gravity_obb

    def box(instance_id: int) -> OrientedBox:
        found = gravity_obb(scene, instance_id)
        return OrientedBox(center=found.center, extent=found.extent, rotation=found.rotation)

    objects = tuple(
        replace(obj, annotated_box=box(obj.id)) if obj.mesh is not None else obj
        for obj in scene.objects
    )
    return replace(scene, objects=objects)


def downscaled(scene: Scene, factor: int) -> Scene:
    """``scene`` with only its first trajectory, every frame ``factor`` times smaller (same
    field of view): fewer rays for the tests."""

    trajectories = tuple(
        replace(t, frames=tuple(f.resized(f.width // factor, f.height // factor) for f in t.frames))
        for t in scene.trajectories[:1]
    )
    return replace(scene, trajectories=trajectories)


def with_point_clouds(scene: Scene, every: int = 3, stride: int = 10) -> Scene:
    """``scene`` with every ``every``-th object given as a point cloud (as scans deliver
    objects) instead of its mesh: its vertices and every ``stride``-th dense surface sample."""
    from spatialqa.oracle.geometry import derived

    geometry = derived(scene)

    def cloud(obj: Any) -> np.ndarray:
        return np.concatenate([obj.mesh.vertices, geometry.samples(obj.id)[::stride]])

    objects = tuple(
        replace(obj, mesh=None, points=cloud(obj), annotated_box=None)
        if k % every == 0 and obj.mesh is not None
        else obj
        for k, obj in enumerate(scene.objects)
    )
    return replace(scene, objects=objects)
