"""ScanNet++ scenes to the canonical Scene, cameras exact to the pixel.

Read from ``data/<scene_id>/`` (scannetpp/scannetpp, ``common/scene_release.py``):

- ``scans/mesh_aligned_0.05.ply``: the mesh, already aligned (z up, metres), the frame every
  camera pose below is in;
- ``scans/segments.json``: ``segIndices``, the segment of every mesh vertex;
- ``scans/segments_anno.json``: ``segGroups`` of ``{id, objectId, label, segments, obb}``;
  ``obb`` is ``{centroid, axesLengths, normalizedAxes}`` with the axes as the rows of a
  row-major 3x3 (scannetpp's own code transposes it for Open3D), kept as the annotated box.

Cameras, one trajectory ("walkthrough"), iPhone first (``camera="auto"``), each from the first
source present; COLMAP first because that is where the toolkit itself reads poses:

- iPhone: ``iphone/colmap/`` (``cameras`` and ``images``, binary or text; read by
  ``scenes.colmap``), as the toolkit reads it (``common/utils/colmap.py``): world-to-camera,
  quaternion (w, x, y, z), OpenCV axes, in the mesh frame; the camera is OPENCV (k1, k2, p1,
  p2). Images ``iphone/rgb/<name>`` (``iphone/prepare_iphone_data.py`` extracts them),
  depth ``iphone/depth/<stem>.png``. ``iphone/pose_intrinsic_imu.json`` (``aligned_pose``:
  camera-to-world, OpenCV axes; ``intrinsic``; ``timestamp``), where present, gives the
  timestamps and is cross-checked frame by frame: a pose that disagrees with COLMAP by more
  than ``POSE_AGREEMENT_M`` or ``POSE_AGREEMENT_DEG`` is a SceneError, never a silent
  choice. Without a COLMAP model that file alone gives poses and a pinhole ``intrinsic``
  (distortion unknown; the frame size from ``iphone/rgb``).
- DSLR: ``dslr/colmap/`` (OPENCV_FISHEYE, k1..k4; images ``dslr/resized_images/<name>``);
  else the nerfstudio files the toolkit derives from it (``common/utils/nerfstudio.py``,
  ``convert_frames``): ``dslr/nerfstudio/transforms_undistorted.json`` (PINHOLE, images in
  ``dslr/undistorted_images``, written by ``dslr/undistort.py``) or ``transforms.json``
  (``camera_model`` with ``k1..k4`` or ``k1, k2, p1, p2``; ``dslr/resized_images``). Their
  ``transform_matrix`` is the COLMAP camera-to-world with two changes, both undone here: the
  OpenGL camera flip (columns y and z negated) and a change of world axes (x' = y, y' = x,
  z' = -z; ``NERFSTUDIO_WORLD``). Undoing only the first misplaces every pixel.

Every frame of the Scene is pinhole and exact: for a distorted lens its K is the pinhole
camera ``scenes.undistort`` resamples the image into. ``load_scannetpp(images_to=DIR)`` (what
``spatialqa scene convert`` uses) writes those undistorted images under ``DIR/undistorted/``
and names them; a plain load (what a build from a ``scannetpp:`` source uses) names the
distorted image with its lens (``Frame.distortion``), and the build resamples it on reading
with the same maps, so both deliver the same pixels (the converted file is re-encoded in the
source's format, JPEG for ScanNet++; a direct build skips that encoding). The toolkit's own
``dslr/undistorted_images`` are shown only where ``transforms_undistorted.json`` gives the
DSLR poses (no ``dslr/colmap``), with that file's K. Timestamps: COLMAP and nerfstudio have
none; iPhone frames are numbered at ``IPHONE_ASSUMED_HZ``, DSLR stills spaced
``DSLR_ASSUMED_HZ`` apart in name order.

Intrinsics are used as the files give them, as the toolkit does (its undistortion hands
COLMAP's K to OpenCV unchanged): pixel centres at integers, OpenCV's convention and the
project's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    OPENGL_TO_OPENCV,
    LoadReport,
    RawFrame,
    assemble_scene,
    box_from_axes,
    image_size,
    read_json,
    read_ply,
    read_seg_groups,
    read_segment_indices,
    split_instances,
)
from spatialqa.scenes.colmap import camera_to_world, model_files, read_model
from spatialqa.scenes.files import MISSING, file_problem
from spatialqa.scenes.formats import SceneFormat, register_format
from spatialqa.scenes.scene import OrientedBox, Scene
from spatialqa.scenes.undistort import Lens, lens_from_params

__all__ = [
    "DSLR_ASSUMED_HZ",
    "IPHONE_ASSUMED_HZ",
    "NERFSTUDIO_WORLD",
    "POSE_AGREEMENT_DEG",
    "POSE_AGREEMENT_M",
    "UNDISTORTED_DIR",
    "is_scannetpp",
    "load_scannetpp",
]

IPHONE_ASSUMED_HZ = 60.0
"""Rate assumed for iPhone frames without a ``timestamp`` (ids are video frame numbers)."""
DSLR_ASSUMED_HZ = 1.0
"""DSLR stills carry no timestamps: they are spaced one second apart, in file order."""
NERFSTUDIO_WORLD = np.array(
    [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
)
"""World axes of the toolkit's ``transforms.json`` (x' = y, y' = x, z' = -z); its own inverse."""
POSE_AGREEMENT_M = 0.01
POSE_AGREEMENT_DEG = 0.5
"""How far ``pose_intrinsic_imu.json`` may stray from COLMAP before the scene is refused."""
UNDISTORTED_DIR = "undistorted"
"""Folder under ``images_to`` for undistorted images: ``undistorted/<iphone|dslr>/<name>``."""

_NERFSTUDIO_COEFFICIENTS = {
    "OPENCV_FISHEYE": ("k1", "k2", "k3", "k4"),
    "OPENCV": ("k1", "k2", "p1", "p2"),
    "PINHOLE": (),
}


def is_scannetpp(path: Path) -> bool:
    return (path / "scans" / "mesh_aligned_0.05.ply").is_file()


@dataclass
class _Shot:
    """A frame before its image is settled: pose (camera-to-world, OpenCV), lens, source image."""

    id: str
    t: float
    pose: np.ndarray
    lens: Lens
    image: str | None
    where: str
    depth: str | None = None
    problems: list[str] = field(default_factory=list)


def _exists(path: Path) -> bool:
    return file_problem(path) != MISSING


def _frame_number(frame_id: str, fallback: int) -> int:
    digits = re.findall(r"\d+", frame_id)
    return int(digits[-1]) if digits else fallback


def _colmap_shots(root: Path, folder: str, image_dir: str) -> tuple[list[_Shot], Path]:
    """Shots of every image of the COLMAP model in ``root/folder``, sorted by name."""
    model = root / folder
    cameras, images = read_model(model)
    cameras_path, images_path = model_files(model)
    lenses = {}
    for camera_id, camera in cameras.items():
        where = f"{cameras_path}: camera {camera_id}: MODEL"
        lenses[camera_id] = lens_from_params(
            camera.model, list(camera.params), camera.width, camera.height, where
        )
    shots = []
    for image in sorted(images.values(), key=lambda i: i.name):
        where = f"{images_path}: image {image.id} ({image.name!r})"
        name = image.name.replace("\\", "/").split("/")[-1]
        shots.append(
            _Shot(
                id=Path(name).stem,
                t=0.0,
                pose=camera_to_world(image, where),
                lens=lenses[image.camera_id],
                image=f"{image_dir}/{name}",
                where=f"{cameras_path} camera {image.camera_id}",
            )
        )
    return shots, images_path


def _rotation_degrees(a: np.ndarray, b: np.ndarray) -> float:
    cosine = (np.trace(a[:3, :3].T @ b[:3, :3]) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def _json_pose(entry: object) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``aligned_pose`` and ``intrinsic`` of one pose_intrinsic_imu.json entry (maybe not
    finite: the frame check says so), None for both when either is missing or malformed."""
    if not isinstance(entry, dict):
        return None, None
    try:
        pose = np.asarray(entry.get("aligned_pose"), dtype=np.float64).reshape(4, 4)
        K = np.asarray(entry.get("intrinsic"), dtype=np.float64).reshape(3, 3)
    except (TypeError, ValueError):
        return None, None
    return pose, K


def _cross_check(
    shots: list[_Shot], entries: dict, json_path: Path, images_path: Path, report: LoadReport
) -> None:
    """Refuse the scene when pose_intrinsic_imu.json and COLMAP disagree on any frame."""
    worst_m = worst_deg = 0.0
    checked, unusable, bad = 0, [], []
    for shot in shots:
        if shot.id not in entries:
            continue
        pose, _ = _json_pose(entries[shot.id])
        if pose is None or not np.all(np.isfinite(pose)):
            unusable.append(shot.id)
            continue
        metres = float(np.linalg.norm(pose[:3, 3] - shot.pose[:3, 3]))
        degrees = _rotation_degrees(pose, shot.pose)
        worst_m, worst_deg = max(worst_m, metres), max(worst_deg, degrees)
        checked += 1
        if metres > POSE_AGREEMENT_M or degrees > POSE_AGREEMENT_DEG:
            bad.append(f"{shot.id} ({metres * 100:.2f} cm, {degrees:.3f} deg)")
    if bad:
        raise SceneError(
            f"{json_path}: aligned_pose of {len(bad)} frames disagrees with {images_path} by "
            f"more than {POSE_AGREEMENT_M * 100:g} cm / {POSE_AGREEMENT_DEG:g} deg: "
            f"{', '.join(bad[:5])}"
        )
    if unusable:
        report.warn(
            f"{len(unusable)} frames without a usable aligned_pose in {json_path.name} "
            f"not cross-checked: {unusable[:5]}"
        )
    report.note(
        f"{checked} iPhone poses agree with {json_path.name} (at most "
        f"{worst_m * 1000:.2f} mm, {worst_deg:.3f} deg)"
    )


def _iphone(root: Path, report: LoadReport) -> list[_Shot]:
    json_path = root / "iphone" / "pose_intrinsic_imu.json"
    entries = read_json(json_path) if _exists(json_path) else None
    if entries is not None and not isinstance(entries, dict):
        raise SceneError(f"{json_path}: expected an object of frame id -> pose")
    if model_files(root / "iphone" / "colmap") is not None:
        shots, images_path = _colmap_shots(root, "iphone/colmap", "iphone/rgb")
        source = f"iphone/colmap ({images_path.name}, {shots[0].lens.model if shots else '-'})"
        if entries is not None:
            _cross_check(shots, entries, json_path, images_path, report)
    elif entries is not None:
        shots, source = [], f"{json_path.name} (aligned_pose, pinhole intrinsic)"
        sizes = (image_size(root / f"iphone/rgb/{frame_id}.jpg") for frame_id in sorted(entries))
        size = next((found for found in sizes if found is not None), None)
        if size is None and entries:
            raise SceneError(
                f"{json_path}: image size unknown: extract iphone/rgb/*.jpg "
                "(scannetpp iphone/prepare_iphone_data.py) or keep iphone/colmap/"
            )
        for frame_id in sorted(entries):
            pose, K = _json_pose(entries[frame_id])
            problems = [] if pose is not None else ["no usable aligned_pose or intrinsic"]
            image = f"iphone/rgb/{frame_id}.jpg"
            lens = Lens("PINHOLE", "standard", np.eye(3) if K is None else K, np.zeros(4), *size)
            shots.append(
                _Shot(
                    frame_id,
                    0.0,
                    np.full((4, 4), np.nan) if pose is None else pose,
                    lens,
                    image,
                    f"{json_path.name} {frame_id}.intrinsic",
                    problems=problems,
                )
            )
    else:
        return []
    assumed = False
    for order, shot in enumerate(shots):
        entry = entries.get(shot.id) if entries is not None else None
        if isinstance(entry, dict) and "timestamp" in entry:
            try:
                shot.t = float(entry["timestamp"])
            except (TypeError, ValueError):
                raise SceneError(f"{json_path}: {shot.id}.timestamp: not a number") from None
        else:
            shot.t, assumed = _frame_number(shot.id, order) / IPHONE_ASSUMED_HZ, True
        depth = f"iphone/depth/{shot.id}.png"
        shot.depth = depth if _exists(root / depth) else None
    timing = f"assumed {IPHONE_ASSUMED_HZ:g} Hz from frame numbers" if assumed else "timestamp"
    report.note(f"{len(shots)} iPhone frames from {source}; t from {timing}")
    return shots


def _nerfstudio_lens(data: dict, path: Path) -> Lens:
    model = data.get("camera_model", "PINHOLE")
    names = _NERFSTUDIO_COEFFICIENTS.get(model)
    if names is None:
        raise SceneError(
            f"{path}: camera_model: unknown {model!r} "
            f"(known: {', '.join(_NERFSTUDIO_COEFFICIENTS)})"
        )
    try:
        params = [float(data[k]) for k in ("fl_x", "fl_y", "cx", "cy")]
        params += [float(data.get(k, 0.0)) for k in names]
        width, height = int(data["w"]), int(data["h"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SceneError(f"{path}: needs fl_x, fl_y, cx, cy, w, h ({exc})") from None
    return lens_from_params(model, params, width, height, f"{path}: camera_model")


def _nerfstudio_shots(root: Path) -> tuple[list[_Shot], str] | None:
    folder = root / "dslr" / "nerfstudio"
    sources = (
        ("transforms_undistorted.json", "dslr/undistorted_images"),
        ("transforms.json", "dslr/resized_images"),
    )
    found = [(folder / n, d) for n, d in sources if _exists(folder / n)]
    if not found:
        return None
    path, image_dir = found[0]
    data = read_json(path)
    if not isinstance(data, dict):
        raise SceneError(f"{path}: expected an object")
    lens = _nerfstudio_lens(data, path)
    try:
        entries = list(data["frames"]) + list(data.get("test_frames", []))
    except (KeyError, TypeError):
        raise SceneError(f"{path}: frames: expected a list") from None
    shots = []
    for order, entry in enumerate(entries):
        if not isinstance(entry, dict) or "file_path" not in entry:
            raise SceneError(f"{path}: frames[{order}]: needs file_path")
        file_path = str(entry["file_path"])
        problems = ["flagged is_bad"] if entry.get("is_bad") else []
        try:
            matrix = np.asarray(entry["transform_matrix"], dtype=np.float64).reshape(4, 4)
            pose = NERFSTUDIO_WORLD @ matrix @ OPENGL_TO_OPENCV
        except (KeyError, TypeError, ValueError):
            pose, problems = np.full((4, 4), np.nan), [*problems, "no transform_matrix"]
        name = file_path.replace("\\", "/").split("/")[-1]
        image = f"{image_dir}/{name}"
        shots.append(_Shot(Path(name).stem, 0.0, pose, lens, image, str(path), None, problems))
    shots.sort(key=lambda s: s.image or "")
    return shots, f"{path.name} ({lens.model}; OpenGL camera and swapped world axes undone)"


def _dslr(root: Path, report: LoadReport) -> list[_Shot]:
    if model_files(root / "dslr" / "colmap") is not None:
        shots, images_path = _colmap_shots(root, "dslr/colmap", "dslr/resized_images")
        source = f"dslr/colmap ({images_path.name}, {shots[0].lens.model if shots else '-'})"
    else:
        found = _nerfstudio_shots(root)
        if found is None:
            return []
        shots, source = found
    for order, shot in enumerate(shots):
        shot.t = order / DSLR_ASSUMED_HZ
    report.note(
        f"{len(shots)} DSLR frames from {source}; no timestamps: assumed "
        f"{DSLR_ASSUMED_HZ:g} Hz in file order"
    )
    return shots


def _frames(
    root: Path, camera: str, shots: list[_Shot], images_to: Path | None, report: LoadReport
) -> tuple[list[RawFrame], dict[str, tuple[Lens, Path, Path, str]]]:
    """RawFrames with pinhole K, and the undistortions still to write (by frame id)."""
    frames, pending, on_read = [], {}, 0
    for shot in shots:
        lens, rgb, distortion = shot.lens, None, None
        source = root / shot.image if shot.image else None
        present = source is not None and _exists(source)
        if present and not shot.problems:
            lens.check_image(source, shot.where)
            if not lens.distorted:
                rgb = shot.image
            elif images_to is not None:
                rgb = f"{UNDISTORTED_DIR}/{camera}/{Path(shot.image).name}"
                pending[shot.id] = (lens, source, images_to / rgb, shot.where)
            else:
                rgb, distortion = shot.image, lens.distortion()
                on_read += 1
        frames.append(
            RawFrame(
                id=shot.id,
                t=shot.t,
                pose=shot.pose,
                K=lens.pinhole_matrix(),
                width=lens.width,
                height=lens.height,
                rgb=rgb,
                depth=shot.depth,
                problems=shot.problems,
                distortion=distortion,
            )
        )
    models = sorted({s.lens.model for s in shots if s.lens.distorted})
    pinholes = set()
    for shot in shots:
        if shot.lens.distorted:
            fx, fy, cx, cy = shot.lens.pinhole_matrix()[[0, 1, 0, 1], [0, 1, 2, 2]]
            pinholes.add(f"fx {fx:.2f} fy {fy:.2f} cx {cx:.2f} cy {cy:.2f}")
    pinhole = "; ".join(sorted(pinholes))
    if pending:
        report.note(
            f"{len(pending)} {camera} images ({', '.join(models)}) undistorted to pinhole "
            f"({pinhole}) under {UNDISTORTED_DIR}/{camera}/"
        )
    if on_read:
        report.note(
            f"{on_read} {camera} images ({', '.join(models)}) named with their lens: "
            f"undistorted to pinhole ({pinhole}) when read"
        )
    return frames, pending


def load_scannetpp(
    path: str | Path, *, camera: str = "auto", images_to: str | Path | None = None
) -> Scene:
    """Load one ScanNet++ scene directory (``data/<scene_id>``).

    Parameters
    ----------
    path : path
        The scene directory; its name is the scene id.
    camera : {"auto", "iphone", "dslr", "none"}
        Which trajectory to load; "auto" takes the iPhone one when present, else the DSLR one.
    images_to : path, optional
        A directory (not the scene's own) to write undistorted captured images into, under
        ``undistorted/<camera>/``; the frames then name them. Without it, frames name the
        distorted images and carry their lens (``Frame.distortion``), resampled when read.

    Returns
    -------
    Scene
        One object per annotated instance (id = ``objectId``) with its ``obb`` kept as the
        annotated box; wall/floor/ceiling as structure; the chosen camera as "walkthrough",
        every frame pinhole.
    """
    root = Path(path)
    report = LoadReport("scannetpp", root.name)
    scans = root / "scans"
    mesh_path = scans / "mesh_aligned_0.05.ply"
    if not mesh_path.is_file():
        raise SceneError(f"{mesh_path}: file not found (not a ScanNet++ scene directory)")
    if camera not in ("auto", "iphone", "dslr", "none"):
        raise SceneError(f"camera must be auto, iphone, dslr or none (got {camera!r})")
    out = None if images_to is None else Path(images_to)
    if out is not None and out.exists() and out.resolve() == root.resolve():
        raise SceneError(f"{root}: undistorted images may not be written into the scan itself")
    ply = read_ply(mesh_path)
    seg_indices = read_segment_indices(scans / "segments.json", len(ply.vertices))
    anno_path = scans / "segments_anno.json"
    vertex_instance, categories, boxes = _instances(anno_path, seg_indices, report)
    report.note("mesh_aligned_0.05.ply taken as z-up metres (no conversion)")
    objects, structure = split_instances(
        ply.vertices, ply.faces, vertex_instance, categories, report, boxes=boxes
    )
    report.note(f"{len(objects)} objects, {len(boxes)} annotated boxes from {anno_path.name}")
    if camera == "auto":
        camera = _camera_of(root)
    trajectories, pending = None, {}
    if camera != "none":
        shots = _iphone(root, report) if camera == "iphone" else _dslr(root, report)
        frames, pending = _frames(root, camera, shots, out, report)
        trajectories = {"walkthrough": frames}
    else:
        report.note("no camera trajectory")
    scene = assemble_scene(root.name, report, objects, structure, trajectories=trajectories)
    for trajectory in scene.trajectories:
        for frame in trajectory.frames:
            if frame.id in pending:
                lens, source, target, where = pending[frame.id]
                lens.undistort(source, target, where)
    return scene


def _instances(
    anno_path: Path, seg_indices: np.ndarray, report: LoadReport
) -> tuple[np.ndarray, dict[int, str], dict[int, OrientedBox]]:
    """The instance of every vertex (-1: none), each instance's category, and the annotated
    boxes (``obb``) that are usable."""
    groups = read_seg_groups(anno_path)
    vertex_instance = np.full(len(seg_indices), -1, dtype=np.int64)
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
    return vertex_instance, categories, boxes


def _camera_of(root: Path) -> str:
    """The camera ``auto`` loads: the iPhone's when present, else the DSLR's, else none."""
    iphone = model_files(root / "iphone" / "colmap") is not None or _exists(
        root / "iphone" / "pose_intrinsic_imu.json"
    )
    dslr = model_files(root / "dslr" / "colmap") is not None or any(
        _exists(root / "dslr" / "nerfstudio" / name)
        for name in ("transforms.json", "transforms_undistorted.json")
    )
    return "iphone" if iphone else "dslr" if dslr else "none"


register_format(
    SceneFormat("scannetpp", is_scannetpp, load_scannetpp, order=20, made_images=UNDISTORTED_DIR)
)
