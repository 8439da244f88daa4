"""ScanNet++ scenes to the canonical Scene.

Layout of ``data/<scene_id>/`` (scannetpp/scannetpp, ``common/scene_release.py``):

- ``scans/mesh_aligned_0.05.ply``: the mesh, already aligned (z up, metres);
- ``scans/segments.json``: ``segIndices``, the segment of every mesh vertex;
- ``scans/segments_anno.json``: ``segGroups`` of ``{id, objectId, label, segments, obb}``;
  ``obb`` is ``{centroid, axesLengths, normalizedAxes}`` with the axes as the rows of a
  row-major 3x3 (scannetpp's own code transposes it for Open3D), kept as the annotated box;
- iPhone: ``iphone/pose_intrinsic_imu.json`` maps each frame id to ``aligned_pose`` (4x4
  camera-to-world in the mesh frame, OpenCV axes: ``iphone/arkit_pcl.py`` back-projects depth
  with it directly) and ``intrinsic`` (3x3, for the RGB frames ``iphone/rgb/<id>.jpg``);
  depth ``iphone/depth/<id>.png`` in millimetres;
- DSLR: ``dslr/nerfstudio/transforms_undistorted.json`` (written by scannetpp's
  ``dslr/undistort.py``, pinhole) or ``transforms.json`` (OPENCV_FISHEYE): ``fl_x, fl_y, cx, cy,
  w, h`` and ``frames[{file_path, transform_matrix, is_bad}]``, camera-to-world with
  nerfstudio's OpenGL axes (x right, y up, looking down -z; scannetpp issue #50), converted here.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    OPENGL_TO_OPENCV,
    RawFrame,
    Report,
    assemble_scene,
    box_from_axes,
    image_size,
    read_json,
    read_ply,
    split_instances,
)
from spatialqa.scenes.scene import Scene

__all__ = ["DSLR_ASSUMED_HZ", "IPHONE_ASSUMED_HZ", "is_scannetpp", "load_scannetpp"]

IPHONE_ASSUMED_HZ = 60.0
"""Rate assumed for iPhone frames whose entry has no ``timestamp`` (ids are frame numbers)."""
DSLR_ASSUMED_HZ = 1.0
"""DSLR stills carry no timestamps: they are spaced one second apart, in file order."""


def is_scannetpp(path: Path) -> bool:
    return (path / "scans" / "mesh_aligned_0.05.ply").is_file()


def _colmap_size(cameras: Path) -> tuple[int, int] | None:
    """WIDTH, HEIGHT of the first camera in a COLMAP ``cameras.txt``."""
    if not cameras.is_file():
        return None
    for line in cameras.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not line.startswith("#") and len(parts) >= 4:
            return int(parts[2]), int(parts[3])
    return None


def _frame_number(frame_id: str, fallback: int) -> int:
    digits = re.findall(r"\d+", frame_id)
    return int(digits[-1]) if digits else fallback


def _iphone(root: Path, report: Report) -> list[RawFrame]:
    path = root / "iphone" / "pose_intrinsic_imu.json"
    entries = read_json(path)
    if not isinstance(entries, dict):
        raise SceneError(f"{path}: expected an object of frame id -> pose")
    size = None
    assumed = False
    frames = []
    for order, (frame_id, entry) in enumerate(sorted(entries.items())):
        rgb, depth = f"iphone/rgb/{frame_id}.jpg", f"iphone/depth/{frame_id}.png"
        if size is None:
            size = image_size(root / rgb) or _colmap_size(root / "iphone/colmap/cameras.txt")
            if size is None:
                raise SceneError(
                    f"{path}: image size unknown: extract iphone/rgb/*.jpg "
                    "(scannetpp iphone/prepare_iphone_data.py) or keep iphone/colmap/cameras.txt"
                )
        problems = []
        if not isinstance(entry, dict) or "aligned_pose" not in entry or "intrinsic" not in entry:
            problems.append("no aligned_pose or intrinsic")
            entry = {}
        try:
            pose = np.asarray(entry.get("aligned_pose", np.eye(4)), dtype=np.float64).reshape(4, 4)
            K = np.asarray(entry.get("intrinsic", np.eye(3)), dtype=np.float64).reshape(3, 3)
        except (TypeError, ValueError):
            pose, K = np.full((4, 4), np.nan), np.eye(3)
        if "timestamp" in entry:
            t = float(entry["timestamp"])
        else:
            t, assumed = _frame_number(frame_id, order) / IPHONE_ASSUMED_HZ, True
        frames.append(
            RawFrame(
                id=frame_id,
                t=t,
                pose=pose,
                K=K,
                width=size[0],
                height=size[1],
                rgb=rgb if (root / rgb).is_file() else None,
                depth=depth if (root / depth).is_file() else None,
                problems=problems,
            )
        )
    timing = f"assumed {IPHONE_ASSUMED_HZ:g} Hz from frame numbers" if assumed else "timestamp"
    report.note(f"{len(frames)} iPhone frames from aligned_pose (OpenCV); t from {timing}")
    return frames


def _dslr(root: Path, report: Report) -> list[RawFrame]:
    folder = root / "dslr" / "nerfstudio"
    path = folder / "transforms_undistorted.json"
    if not path.is_file():
        path = folder / "transforms.json"
    data = read_json(path)
    try:
        K = np.array(
            [[data["fl_x"], 0.0, data["cx"]], [0.0, data["fl_y"], data["cy"]], [0.0, 0.0, 1.0]],
            dtype=np.float64,
        )
        width, height = int(data["w"]), int(data["h"])
        raw_frames = list(data["frames"]) + list(data.get("test_frames", []))
    except (KeyError, TypeError, ValueError) as exc:
        raise SceneError(f"{path}: needs fl_x, fl_y, cx, cy, w, h and frames ({exc})") from None
    model = data.get("camera_model", "PINHOLE")
    if model != "PINHOLE":
        report.warn(
            f"{path.name}: camera_model {model}: lens distortion ignored, so pixel positions "
            "are approximate; run scannetpp dslr/undistort.py for transforms_undistorted.json"
        )
    image_dir = "dslr/undistorted_images" if "undistorted" in path.name else "dslr/resized_images"
    frames = []
    for order, entry in enumerate(sorted(raw_frames, key=lambda e: str(e.get("file_path")))):
        name = str(entry.get("file_path", f"frame{order}"))
        problems = ["flagged is_bad"] if entry.get("is_bad") else []
        try:
            pose = np.asarray(entry["transform_matrix"], dtype=np.float64).reshape(4, 4)
            pose = pose @ OPENGL_TO_OPENCV
        except (KeyError, TypeError, ValueError):
            pose, problems = np.full((4, 4), np.nan), [*problems, "no transform_matrix"]
        rgb = f"{image_dir}/{name}"
        frames.append(
            RawFrame(
                id=Path(name).stem,
                t=order / DSLR_ASSUMED_HZ,
                pose=pose,
                K=K,
                width=width,
                height=height,
                rgb=rgb if (root / rgb).is_file() else None,
                problems=problems,
            )
        )
    report.note(
        f"{len(frames)} DSLR frames from {path.name} (OpenGL camera axes converted to OpenCV); "
        f"no timestamps: assumed {DSLR_ASSUMED_HZ:g} Hz in file order"
    )
    return frames


def load_scannetpp(path: str | Path, *, camera: str = "auto") -> Scene:
    """Load one ScanNet++ scene directory (``data/<scene_id>``).

    Parameters
    ----------
    path : path
        The scene directory; its name is the scene id.
    camera : {"auto", "iphone", "dslr", "none"}
        Which trajectory to load; "auto" takes the iPhone one when present, else the DSLR one.

    Returns
    -------
    Scene
        One object per annotated instance (id = ``objectId``) with its ``obb`` kept as the
        annotated box; wall/floor/ceiling as structure; the chosen camera as "walkthrough".
    """
    root = Path(path)
    report = Report("scannetpp", root.name)
    scans = root / "scans"
    mesh_path = scans / "mesh_aligned_0.05.ply"
    if not mesh_path.is_file():
        raise SceneError(f"{mesh_path}: file not found (not a ScanNet++ scene directory)")
    if camera not in ("auto", "iphone", "dslr", "none"):
        raise SceneError(f"camera must be auto, iphone, dslr or none (got {camera!r})")
    ply = read_ply(mesh_path)
    seg_indices = np.asarray(read_json(scans / "segments.json").get("segIndices", []), np.int64)
    if seg_indices.shape != (len(ply.vertices),):
        raise SceneError(
            f"{scans / 'segments.json'}: segIndices has {seg_indices.size} entries for "
            f"{len(ply.vertices)} mesh vertices"
        )
    anno_path = scans / "segments_anno.json"
    groups = read_json(anno_path).get("segGroups")
    if not isinstance(groups, list):
        raise SceneError(f"{anno_path}: segGroups: expected a list")
    vertex_instance = np.full(len(ply.vertices), -1, dtype=np.int64)
    categories, boxes = {}, {}
    for number, group in enumerate(groups):
        where = f"{anno_path}: segGroups[{number}]"
        try:
            instance, label, segments = int(group["objectId"]), group["label"], group["segments"]
        except (KeyError, TypeError, ValueError):
            raise SceneError(f"{where}: needs objectId, label, segments") from None
        categories[instance] = str(label).strip().lower() or "unknown"
        vertex_instance[np.isin(seg_indices, np.asarray(segments, dtype=np.int64))] = instance
        obb = group.get("obb")
        if isinstance(obb, dict):
            box = box_from_axes(
                obb.get("centroid"),
                obb.get("axesLengths"),
                obb.get("normalizedAxes"),
                where,
                report,
            )
            if box is not None:
                boxes[instance] = box
    report.note("mesh_aligned_0.05.ply taken as z-up metres (no conversion)")
    objects, structure = split_instances(
        ply.vertices, ply.faces, vertex_instance, categories, report, boxes=boxes
    )
    report.note(f"{len(objects)} objects, {len(boxes)} annotated boxes from {anno_path.name}")
    iphone = (root / "iphone" / "pose_intrinsic_imu.json").is_file()
    dslr = (root / "dslr" / "nerfstudio").is_dir()
    if camera == "auto":
        camera = "iphone" if iphone else "dslr" if dslr else "none"
    trajectories = None
    if camera == "iphone":
        trajectories = {"walkthrough": _iphone(root, report)}
    elif camera == "dslr":
        trajectories = {"walkthrough": _dslr(root, report)}
    else:
        report.note("no camera trajectory")
    return assemble_scene(root.name, report, objects, structure, trajectories=trajectories)
