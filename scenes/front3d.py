"""3D-FRONT houses furnished with 3D-FUTURE models, one room per Scene.

A house JSON (3D-FRONT-FUTURE/3D-FRONT-ToolBox, ``scripts/scene.py`` and ``scripts/utils.py``)
holds ``furniture[]`` (``uid``, ``jid`` = the 3D-FUTURE model id, ``valid``), ``mesh[]`` (room
shells: ``uid``, ``type`` such as Floor / WallInner / Ceiling, flat ``xyz`` and ``faces``) and
``scene.room[]`` (``type``, ``instanceid``, ``children[]`` of ``{ref, pos, rot, scale}``). A
child names the furniture or mesh whose ``uid`` is ``ref``. Furniture is placed as the
toolbox's ``transform_v`` does: a model vertex v goes to ``R(rot) (v * scale) + pos`` with
``rot`` a quaternion (x, y, z, w) (``quaternion_to_matrix``). A room mesh's ``xyz`` are
world coordinates already: the toolbox (``Room.add_mesh``, ``output_meshes``) and BlenderProc's
Front3DLoader both use them as they stand, so a mesh child's pos/rot/scale is ignored
(and reported when it is not the identity). Models are
``<3D-FUTURE-model>/<jid>/raw_model.obj``; categories come from its ``model_info.json``
(``model_id``, ``category``, ``super-category``). Everything is right-handed, y-up, in metres
(the toolbox's ``render.py`` imports it through Blender's y-up OBJ importer); the loader
turns it z-up once with that importer's rotation, (x, y, z) -> (x, -z, y). 3D-FRONT has no
cameras: the Scene gets a look-at orbit inside the room (``assemble.orbit_frames``) as its
"walkthrough", recorded as synthesised.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
import trimesh
from shapely.geometry import Polygon

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    Y_UP_TO_Z_UP,
    LoadReport,
    assemble_scene,
    orbit_frames,
    read_json,
)
from spatialqa.scenes.formats import SceneFormat, register_format
from spatialqa.scenes.scene import Room, Scene, SceneObject, Structure

__all__ = ["future_model_dir", "is_front3d", "load_front3d", "quaternion_matrix", "room_ids"]

_SHELL = {"floor": "floor", "ceil": "ceiling", "wall": "wall"}


def quaternion_matrix(q) -> np.ndarray:
    """Rotation matrix of a unit quaternion given as (x, y, z, w)."""
    x, y, z, w = (float(c) for c in q)
    norm = np.sqrt(x * x + y * y + z * z + w * w)
    if not norm > 0:
        raise ValueError("zero quaternion")
    x, y, z, w = x / norm, y / norm, z / norm, w / norm
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def future_model_dir(house: Path) -> Path:
    """The 3D-FUTURE model folder: a ``3D-FUTURE-model`` next to the house or one level up."""
    for folder in (house.parent, house.parent.parent):
        if (folder / "3D-FUTURE-model").is_dir():
            return folder / "3D-FUTURE-model"
    raise SceneError(f"{house}: no 3D-FUTURE-model folder beside it; pass future_dir")


def _house(path: Path) -> tuple[dict, list[dict]]:
    """The house JSON and its ``scene.room`` list, or a SceneError naming the field."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise SceneError(f"{path}: expected a JSON object (a 3D-FRONT house)")
    for field in ("furniture", "mesh"):
        if not isinstance(data.get(field, []), list):
            raise SceneError(f"{path}: {field}: expected a list")
    scene = data.get("scene", {})
    rooms = scene.get("room", []) if isinstance(scene, dict) else None
    if not isinstance(rooms, list) or not all(
        isinstance(r, dict) and isinstance(r.get("children", []), list) for r in rooms
    ):
        raise SceneError(f"{path}: scene.room: expected a list of rooms with children lists")
    return data, rooms


def room_ids(house_path: str | Path) -> list[str]:
    """The ``instanceid`` of every room of a house JSON that places furniture."""
    data, rooms = _house(Path(house_path))
    furniture = {f.get("uid") for f in data.get("furniture", []) if isinstance(f, dict)}
    return [
        str(room.get("instanceid"))
        for room in rooms
        if any(
            isinstance(child, dict) and child.get("ref") in furniture
            for child in room.get("children", [])
        )
    ]


def is_front3d(path: Path) -> bool:
    """A 3D-FRONT house: a JSON file with ``furniture`` and ``scene``."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        data = read_json(path)
    except SceneError:
        return False
    return isinstance(data, dict) and "furniture" in data and "scene" in data


def _load_model(path: Path) -> trimesh.Trimesh | None:
    try:
        mesh = trimesh.load(path, force="mesh", process=False, skip_materials=True)
    except Exception:  # trimesh raises many types for a bad file
        return None
    return mesh if isinstance(mesh, trimesh.Trimesh) and len(mesh.faces) else None


def load_front3d(
    house_path: str | Path,
    room: str | None = None,
    *,
    future_dir: str | Path | None = None,
    frames: int = 32,
) -> Scene:
    """Load one room of a 3D-FRONT house.

    Parameters
    ----------
    house_path : path
        The house JSON.
    room : str, optional
        The room's ``instanceid``; by default the first room that places furniture.
    future_dir : path, optional
        The 3D-FUTURE-model folder (``<jid>/raw_model.obj``, ``model_info.json``).
    frames : int
        Frames of the synthesised orbit trajectory.

    Returns
    -------
    Scene
        Scene id ``<house uid>_<room instanceid>``; one object per placed furniture model (ids
        1..n in child order, category from model_info.json), the room's floor, walls and
        ceiling as structure, the footprint from the floor meshes.
    """
    house = Path(house_path)
    data, rooms = _house(house)
    future = Path(future_dir) if future_dir is not None else future_model_dir(house)
    info = _model_info(future / "model_info.json")
    chosen = _chosen_room(house, rooms, room)
    house_id = str(data.get("uid", house.stem))
    report = LoadReport("front3d", f"{house_id}/{chosen['instanceid']}")
    objects, parts = _room_contents(house, data, chosen, info, future, report)
    structure = [_merged(kind, pieces) for kind, pieces in parts.items()]
    room_shape = _room_shape(parts, report)
    report.note(
        f"room {chosen.get('type', '?')}: {len(objects)} furniture from 3D-FUTURE raw_model.obj; "
        "y-up turned z-up (x, -z, y)"
    )
    floor_z = min((v[:, 2].min() for v, _ in parts.get("floor", [])), default=None)
    trajectories = None
    if objects and frames > 0:
        trajectories = {"walkthrough": orbit_frames(objects, structure, room_shape, frames)}
        report.note(f"no cameras in 3D-FRONT: synthesised look-at orbit of {frames} frames")
    return assemble_scene(
        f"{house_id}_{chosen['instanceid']}",
        report,
        objects,
        structure,
        trajectories=trajectories,
        room=room_shape,
        floor_z=floor_z,
    )


def _model_info(path: Path) -> dict:
    """3D-FUTURE's ``model_info.json`` by ``model_id``."""
    models = read_json(path)
    if not isinstance(models, list):
        raise SceneError(f"{path}: expected a list of models")
    return {m.get("model_id"): m for m in models if isinstance(m, dict)}


def _chosen_room(house: Path, rooms: list[dict], room: str | None) -> dict:
    """The room of ``instanceid`` ``room``, by default the first that places furniture."""
    ids = room_ids(house) if room is None else [room]
    chosen = next((r for r in rooms if ids and str(r.get("instanceid")) == ids[0]), None)
    if chosen is None:
        raise SceneError(f"{house}: scene.room: no room {ids[0] if ids else 'with furniture'}")
    return chosen


_Piece = tuple[np.ndarray, np.ndarray]
"""A room mesh's z-up world vertices and its triangles."""


def _room_contents(
    house: Path, data: dict, chosen: dict, info: dict, future: Path, report: LoadReport
) -> tuple[list[SceneObject], dict[str, list[_Piece]]]:
    """The room's children: placed furniture as objects (ids 1..n in child order), and its
    floor, wall and ceiling meshes by kind; what is dropped or ignored is reported."""
    furniture = {f.get("uid"): f for f in data.get("furniture", []) if isinstance(f, dict)}
    shells = {m.get("uid"): m for m in data.get("mesh", []) if isinstance(m, dict)}
    objects, parts, missing, invalid, moved_shells = [], {}, [], [], []
    for number, child in enumerate(chosen.get("children", [])):
        where = f"{house.name}: room {chosen['instanceid']}: children[{number}]"
        rotation, scale, position = _placement(child, where)
        ref = child.get("ref")
        if ref in shells:
            kind = _shell_kind(shells[ref])
            if kind is None:
                continue
            xyz, tri = _shell_mesh(house, ref, shells[ref])
            if not (np.allclose(rotation, np.eye(3)) and np.allclose(scale, 1.0)) or np.any(
                position != 0
            ):
                moved_shells.append(str(ref))
            if len(tri):
                # The toolbox (scripts/scene.py) uses a room mesh's xyz as it stands: world
                # coordinates; only furniture goes through pos/rot/scale (transform_v).
                parts.setdefault(kind, []).append((xyz @ Y_UP_TO_Z_UP.T, tri))
            continue
        if ref not in furniture:
            continue
        jid = furniture[ref].get("jid")
        if furniture[ref].get("valid") is False or jid not in info:
            invalid.append(str(jid))
            continue
        model = _load_model(future / str(jid) / "raw_model.obj")
        if model is None:
            missing.append(str(jid))
            continue
        world = ((np.asarray(model.vertices) * scale) @ rotation.T + position) @ Y_UP_TO_Z_UP.T
        mesh = trimesh.Trimesh(world, np.asarray(model.faces), process=False)
        category = str(info[jid].get("category") or info[jid].get("super-category") or "")
        objects.append(
            SceneObject(len(objects) + 1, category.strip().lower() or "unknown", mesh=mesh)
        )
    if moved_shells:
        report.warn(
            f"{len(moved_shells)} room meshes carry a pos/rot/scale; ignored, as the official "
            f"toolbox does (their xyz are world coordinates): {moved_shells}"
        )
    if invalid:
        report.warn(f"{len(invalid)} furniture not valid or not in model_info.json: {invalid}")
    if missing:
        report.warn(f"{len(missing)} furniture models missing or empty, dropped: {missing}")
    return objects, parts


def _placement(child: object, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A child's rotation (from ``rot``), ``scale`` and ``pos``, checked."""
    if not isinstance(child, dict):
        raise SceneError(f"{where}: expected an object with ref, pos, rot, scale")
    try:
        rotation = quaternion_matrix(child.get("rot", (0, 0, 0, 1)))
        scale = np.asarray(child.get("scale", (1, 1, 1)), dtype=np.float64).reshape(3)
        position = np.asarray(child.get("pos", (0, 0, 0)), dtype=np.float64).reshape(3)
    except (TypeError, ValueError) as exc:
        raise SceneError(f"{where}: bad pos/rot/scale ({exc})") from None
    return rotation, scale, position


def _shell_kind(shell: dict) -> str | None:
    """floor, wall or ceiling from a room mesh's ``type``; None for the rest (windows, ...)."""
    return next((v for k, v in _SHELL.items() if k in str(shell.get("type", "")).lower()), None)


def _shell_mesh(house: Path, ref: object, shell: dict) -> _Piece:
    """A room mesh's ``xyz`` (y-up, as stored) and ``faces``, checked."""
    try:
        xyz = np.asarray(shell.get("xyz", []), dtype=np.float64).reshape(-1, 3)
        tri = np.asarray(shell.get("faces", []), dtype=np.int64).reshape(-1, 3)
    except (TypeError, ValueError):
        raise SceneError(
            f"{house.name}: mesh {ref!r}: xyz and faces must be flat lists of "
            "3 numbers per vertex and 3 indices per triangle"
        ) from None
    if len(tri) and (tri.min() < 0 or tri.max() >= len(xyz)):
        raise SceneError(f"{house.name}: mesh {ref!r}: faces: vertex index out of range")
    return xyz, tri


def _merged(kind: str, pieces: list[_Piece]) -> Structure:
    """One structure part from all the room's meshes of one kind."""
    offsets = np.cumsum([0] + [len(v) for v, _ in pieces[:-1]])
    vertices = np.concatenate([v for v, _ in pieces])
    faces = np.concatenate([f + o for (_, f), o in zip(pieces, offsets, strict=True)])
    return Structure(kind, trimesh.Trimesh(vertices, faces, process=False))


def _room_shape(parts: dict[str, list[_Piece]], report: LoadReport) -> Room | None:
    """The footprint (the union of the floor triangles) and the floor-to-ceiling height."""
    floors = parts.get("floor", [])
    if not floors:
        return None
    triangles = [Polygon(v[f][:, :2]) for v, tri in floors for f in tri]
    outline = shapely.union_all([t for t in triangles if t.area > 1e-9]).buffer(0)
    if not isinstance(outline, Polygon) or outline.is_empty:
        return None
    ring = shapely.geometry.polygon.orient(outline, 1.0).exterior.coords[:-1]
    ceilings = parts.get("ceiling", [])
    height = (
        max(v[:, 2].max() for v, _ in ceilings) - min(v[:, 2].min() for v, _ in floors)
        if ceilings
        else 2.8
    )
    room_shape = Room(footprint=np.asarray(ring), height=height)
    if not ceilings:
        report.warn("no ceiling mesh: room height assumed 2.8 m")
    return room_shape


register_format(
    SceneFormat("front3d", is_front3d, load_front3d, order=40, parts=room_ids, file=True)
)
