"""ARKitScenes (3DOD) scans to the canonical Scene.

Layout of ``3dod/<split>/<video_id>/`` (apple/ARKitScenes, ``DATA.md``, ``threedod/README.md``
and ``threedod/benchmark_scripts/utils/tenFpsDataLoader.py``):

- ``<video_id>_3dod_mesh.ply``: the ARKit mesh, metres, gravity-aligned with z up (world
  x right, y forward, z up; camera x right, y down, z forward: the maintainers in
  apple/ARKitScenes issues #78 and #81); its vertices carry no labels;
- ``<video_id>_3dod_annotation.json``: ``data[]`` of ``{uid, label, segments: {obbAligned:
  {centroid, axesLengths, normalizedAxes}}}``: oriented boxes, full lengths, the axes as the
  rows of a row-major 3x3 (``box_utils.compute_box_3d`` multiplies by its transpose);
- ``<video_id>_frames/lowres_wide.traj``: per line ``timestamp ax ay az tx ty tz``, an
  axis-angle rotation (radians) and translation (metres) of the *world-to-camera* transform
  (the official loader inverts it), OpenCV camera axes (it back-projects depth with K);
- ``<video_id>_frames/lowres_wide_intrinsics/<video_id>_<t>.pincam``: one line
  ``width height fx fy cx cy``; images ``lowres_wide/<video_id>_<t>.png`` and depth
  ``lowres_depth/<video_id>_<t>.png`` (uint16 millimetres).

Objects are the mesh parts inside each annotated box: a face belongs to the smallest box that
holds its three vertices (a pillow on a bed is the pillow). Frames take the pose whose
timestamp is within 5 ms of their own, as the official loader does. A frame whose
``lowres_wide`` image is not the size its pincam names is dropped and reported: its K would
describe another image, and delivery would stretch it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    LoadReport,
    RawFrame,
    assemble_scene,
    box_from_axes,
    image_size,
    read_json,
    read_ply,
    split_instances,
)
from spatialqa.scenes.formats import SceneFormat, register_format
from spatialqa.scenes.scene import OrientedBox, Scene

__all__ = ["MATCH_TOLERANCE_S", "is_arkitscenes", "load_arkitscenes", "read_pincam", "read_traj"]

MATCH_TOLERANCE_S = 0.005
BOX_MARGIN = 0.01
"""Mesh vertices this far outside an annotated box (metres) still belong to it."""


def is_arkitscenes(path: Path) -> bool:
    return (path / f"{path.name}_3dod_annotation.json").is_file()


def read_traj(path: Path) -> list[tuple[float, np.ndarray]]:
    """(timestamp, 4x4 camera-to-world) per line of a ``.traj`` file.

    As ``TrajStringToMatrix`` of the official ``tenFpsDataLoader.py``: columns 2-4 are a
    rotation vector (``cv2.Rodrigues``: a right-handed turn by its norm about its direction),
    5-7 a translation, together the world-to-camera transform, which is inverted. A line with
    a non-finite number gives a non-finite pose (its frames are dropped and reported)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise SceneError(f"{path}: cannot read ({exc})") from None
    poses = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = [float(x) for x in line.split()]
        except ValueError:
            raise SceneError(f"{path}: line {number}: not numbers") from None
        if len(values) != 7:
            raise SceneError(f"{path}: line {number}: expected 7 columns, got {len(values)}")
        if not np.all(np.isfinite(values)):
            poses.append((values[0], np.full((4, 4), np.nan)))
            continue
        angle_axis, translation = np.array(values[1:4]), np.array(values[4:7])
        angle = np.linalg.norm(angle_axis)
        world_to_camera = np.eye(4)
        if angle > 0:
            world_to_camera = trimesh.transformations.rotation_matrix(angle, angle_axis / angle)
        world_to_camera[:3, 3] = translation
        camera_to_world = np.eye(4)  # the inverse of a rigid [R | t] is [R^T | -R^T t]
        camera_to_world[:3, :3] = world_to_camera[:3, :3].T
        camera_to_world[:3, 3] = -world_to_camera[:3, :3].T @ translation
        poses.append((values[0], camera_to_world))
    return poses


def read_pincam(path: Path) -> tuple[int, int, np.ndarray] | None:
    """(width, height, K) from a ``.pincam`` line ``width height fx fy cx cy``
    (``st2_camera_intrinsics`` of the official loader); None when it is not that."""
    try:
        values = [float(x) for x in path.read_text(encoding="utf-8").split()]
    except (OSError, ValueError):
        return None
    if len(values) != 6 or not np.all(np.isfinite(values)):
        return None
    width, height, fx, fy, cx, cy = values
    if width != int(width) or height != int(height) or width < 1 or height < 1:
        return None
    return int(width), int(height), np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def _inside(points: np.ndarray, box: OrientedBox) -> np.ndarray:
    local = (points - box.center) @ box.rotation
    return np.all(np.abs(local) <= box.extent / 2 + BOX_MARGIN, axis=1)


def _frames(root: Path, video: str, report: LoadReport) -> list[RawFrame]:
    folder = root / f"{video}_frames"
    traj_path = folder / "lowres_wide.traj"
    if not traj_path.is_file():
        report.note("no lowres_wide.traj: no trajectory")
        return []
    poses = read_traj(traj_path)
    times = np.array([t for t, _ in poses])
    prefix = f"{video}_"
    frames = []
    for pincam in sorted((folder / "lowres_wide_intrinsics").glob("*.pincam")):
        stamp = pincam.stem.removeprefix(prefix)
        problems = []
        intrinsics = read_pincam(pincam)
        try:
            t = float(stamp)
        except ValueError:
            t = float("nan")
        if intrinsics is None or not np.isfinite(t):
            problems.append(f"unreadable {pincam.name} (expected <video>_<seconds>.pincam "
                            "holding 'width height fx fy cx cy')")  # fmt: skip
            intrinsics = (1, 1, np.full((3, 3), np.nan))
        width, height, K = intrinsics
        pose = np.full((4, 4), np.nan)
        if np.isfinite(t) and len(times):
            nearest = int(np.argmin(np.abs(times - t)))
            if abs(times[nearest] - t) <= MATCH_TOLERANCE_S:
                t, pose = poses[nearest]
            else:
                problems.append(f"no pose within {MATCH_TOLERANCE_S * 1000:g} ms")
        rgb = f"{video}_frames/lowres_wide/{prefix}{stamp}.png"
        depth = f"{video}_frames/lowres_depth/{prefix}{stamp}.png"
        size = image_size(root / rgb) if (root / rgb).is_file() else None
        if size is not None and not problems and size != (width, height):
            # K describes the image its pincam names; a resized or turned image would be
            # stretched to the pincam's size on delivery, every pixel off.
            problems.append(
                f"{Path(rgb).name} is {size[0]}x{size[1]} but {pincam.name} says {width}x{height}"
            )
        frames.append(
            RawFrame(
                id=stamp,
                t=t if np.isfinite(t) else 0.0,
                pose=pose,
                K=K,
                width=width,
                height=height,
                rgb=rgb if (root / rgb).is_file() else None,
                depth=depth if (root / depth).is_file() else None,
                problems=problems,
            )
        )
    report.note(
        f"{len(frames)} frames from lowres_wide_intrinsics/*.pincam with poses from "
        "lowres_wide.traj (world-to-camera axis-angle, inverted; OpenCV); t = its timestamp (s)"
    )
    return frames


def load_arkitscenes(path: str | Path) -> Scene:
    """Load one ARKitScenes 3DOD video directory (``3dod/<split>/<video_id>``).

    Returns
    -------
    Scene
        Objects numbered 1..n in annotation order, each the mesh inside its box (the box
        kept as ``annotated_box``); mesh outside every box as structure "unlabelled";
        the lowres_wide frames as trajectory "walkthrough".
    """
    root = Path(path)
    video = root.name
    report = LoadReport("arkitscenes", video)
    annotation = root / f"{video}_3dod_annotation.json"
    mesh_path = root / f"{video}_3dod_mesh.ply"
    data = read_json(annotation)
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SceneError(f"{annotation}: data: expected a list of boxes")
    if not mesh_path.is_file():
        raise SceneError(f"{mesh_path}: file not found")
    categories, boxes = {}, {}
    for number, entry in enumerate(entries):
        where = f"{annotation.name}: data[{number}]"
        try:
            obb = entry["segments"]["obbAligned"]
            label = str(entry["label"])
        except (KeyError, TypeError):
            raise SceneError(
                f"{annotation}: data[{number}]: needs label and segments.obbAligned"
            ) from None
        box = box_from_axes(
            obb.get("centroid"), obb.get("axesLengths"), obb.get("normalizedAxes"), where, report
        )
        if box is not None:
            categories[number + 1] = label.strip().lower() or "unknown"
            boxes[number + 1] = box
    ply = read_ply(mesh_path)
    labels = np.full(len(ply.vertices), -1, dtype=np.int64)
    best = np.full(len(ply.vertices), np.inf)
    for instance, box in boxes.items():
        inside = _inside(ply.vertices, box) & (np.prod(box.extent) < best)
        labels[inside] = instance
        best[inside] = np.prod(box.extent)
    report.note(
        f"{len(boxes)} oriented boxes from {annotation.name}; objects are the mesh inside "
        "them (smallest box wins); mesh taken as z-up metres"
    )
    objects, structure = split_instances(
        ply.vertices, ply.faces, labels, categories, report, boxes=boxes
    )
    frames = _frames(root, video, report)
    return assemble_scene(
        video, report, objects, structure, trajectories={"walkthrough": frames} if frames else None
    )


register_format(SceneFormat("arkitscenes", is_arkitscenes, load_arkitscenes, order=30))
