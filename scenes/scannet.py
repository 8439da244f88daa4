"""ScanNet v2 scans to the canonical Scene.

One scan directory ``scans/<scene>/`` (see github.com/ScanNet/ScanNet, README "Data
Organization", and its SensReader for the exported frames) holds:

- ``<scene>_vh_clean_2.ply``: the annotation mesh, in the scan's own frame, metres;
- ``<scene>_vh_clean_2.0.010000.segs.json``: ``segIndices``, the segment of every vertex;
- ``<scene>.aggregation.json``: ``segGroups`` of ``{objectId, label, segments}``;
- ``<scene>.txt``: ``axisAlignment = m00 m01 ... m33`` (row-major 4x4, maps the scan frame
  to a z-up frame with the walls on the axes; absent for test scans), ``colorWidth``, ...;
- frames exported by SensReader's ``python/reader.py`` (``SensorData.py``): ``pose/<i>.txt``
  (the frame's ``camera_to_world``, 4x4, OpenCV axes, in the scan frame; invalid poses are
  ``-inf``), ``intrinsic/intrinsic_color.txt`` (4x4, for the ``colorWidth`` x ``colorHeight``
  colour images; ``sensorData.h``: the colour camera is the base frame, its extrinsic the
  identity, so the pose is the colour camera's), ``color/<i>.jpg`` and ``depth/<i>.png``
  (uint16 millimetres). Colour exported at another size (``image_size``, nearest-neighbour)
  gets K scaled by the size ratio. The export keeps no timestamps: frame ``i`` is given
  ``t = i / fps`` with ScanNet's 30 Hz, recorded as assumed.

Raw labels map through ``scannetv2-labels.combined.tsv`` (column ``raw_category`` to the chosen
column, ``category`` by default), looked for in the scan directory and the two above it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    LoadReport,
    RawFrame,
    assemble_scene,
    image_size,
    read_ply,
    read_seg_groups,
    read_segment_indices,
    split_instances,
)
from spatialqa.scenes.formats import SceneFormat, register_format
from spatialqa.scenes.scene import Scene

__all__ = ["LABELS_TSV", "SCANNET_FPS", "is_scannet", "load_scannet"]

LABELS_TSV = "scannetv2-labels.combined.tsv"
SCANNET_FPS = 30.0


def is_scannet(path: Path) -> bool:
    return (path / f"{path.name}_vh_clean_2.ply").is_file()


def _meta(path: Path) -> dict[str, str]:
    """``key = value`` lines of ``<scene>.txt``."""
    if not path.is_file():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            entries[key.strip()] = value.strip()
    return entries


def _label_map(scan: Path, column: str, tsv: Path | None, report: LoadReport) -> dict[str, str]:
    candidates = [tsv] if tsv is not None else [d / LABELS_TSV for d in (scan, *scan.parents[:2])]
    for candidate in candidates:
        if candidate is not None and candidate.is_file():
            with candidate.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle, delimiter="\t"))
            if rows and (column not in rows[0] or "raw_category" not in rows[0]):
                raise SceneError(
                    f"{candidate}: needs columns 'raw_category' and {column!r} "
                    f"(has {sorted(rows[0])})"
                )
            report.note(f"labels via {candidate.name} column {column!r}")
            return {row["raw_category"]: row[column] for row in rows if row[column]}
    if tsv is not None:
        raise SceneError(f"{tsv}: file not found")
    report.warn(f"no {LABELS_TSV} found; raw labels kept")
    return {}


def _matrix(path: Path, rows: int = 4) -> np.ndarray:
    try:
        values = np.array(path.read_text(encoding="utf-8").split(), dtype=np.float64)
    except ValueError:
        return np.full((rows, 4), np.nan)
    return values.reshape(rows, 4) if values.size == rows * 4 else np.full((rows, 4), np.nan)


def _size_field(meta: dict[str, str], key: str, path: Path) -> int:
    """A positive integer image side from ``<scene>.txt``; 0 when absent."""
    if key not in meta:
        return 0
    try:
        value = int(meta[key])
    except ValueError:
        value = 0
    if value <= 0:
        raise SceneError(f"{path}: {key}: expected a positive integer (got {meta[key]!r})")
    return value


def _frames(
    scan: Path, meta: dict[str, str], align: np.ndarray, fps: float, step: int, report: LoadReport
) -> list[RawFrame]:
    poses = sorted((int(p.stem), p) for p in (scan / "pose").glob("*.txt") if p.stem.isdigit())[
        ::step
    ]
    if not poses:
        report.note("no exported frames (pose/*.txt)")
        return []
    intrinsic = scan / "intrinsic" / "intrinsic_color.txt"
    if not intrinsic.is_file():
        raise SceneError(f"{intrinsic}: file not found (needed for the exported poses)")
    K = _matrix(intrinsic)[:3, :3]
    extrinsic = scan / "intrinsic" / "extrinsic_color.txt"
    if extrinsic.is_file() and not np.allclose(_matrix(extrinsic), np.eye(4), atol=1e-6):
        # sensorData.h: the colour camera is the base frame, its extrinsic the identity.
        report.warn(f"{extrinsic.name} is not the identity; poses taken as the colour camera's")
    width, height = (
        _size_field(meta, key, scan / f"{scan.name}.txt") for key in ("colorWidth", "colorHeight")
    )
    first = scan / "color" / f"{poses[0][0]}.jpg"
    size = image_size(first) if first.is_file() else None
    if size is not None and width and size != (width, height):
        # SensReader can export resized colour images; K follows the image it describes.
        K = K.copy()
        K[0] *= size[0] / width
        K[1] *= size[1] / height
        report.note(f"intrinsics scaled to the exported {size[0]}x{size[1]} colour images")
    if size is not None:
        width, height = size
    if not (width and height):
        raise SceneError(f"{scan}: colour image size unknown (no colorWidth in {scan.name}.txt)")
    frames = []
    for index, path in poses:
        with np.errstate(invalid="ignore"):  # -inf poses stay non-finite and are reported
            pose = align @ _matrix(path)
        rgb, depth = f"color/{index}.jpg", f"depth/{index}.png"
        frames.append(
            RawFrame(
                id=f"{index:06d}",
                t=index / fps,
                pose=pose,
                K=K,
                width=width,
                height=height,
                rgb=rgb if (scan / rgb).is_file() else None,
                depth=depth if (scan / depth).is_file() else None,
            )
        )
    report.note(
        f"{len(frames)} frames from pose/*.txt (camera-to-world, OpenCV), every {step}; "
        f"timestamps assumed {fps:g} Hz (index / fps); depth PNG in millimetres"
    )
    return frames


def load_scannet(
    path: str | Path,
    *,
    label_column: str = "category",
    labels_tsv: str | Path | None = None,
    fps: float = SCANNET_FPS,
    frame_step: int = 1,
) -> Scene:
    """Load one ScanNet v2 scan directory (``scans/scene0000_00``).

    Parameters
    ----------
    path : path
        The scan directory; its name is the scene id.
    label_column : str
        Column of the label TSV that names categories (``category``, ``nyu40class``, ...).
    labels_tsv : path, optional
        The label TSV; by default looked for in the scan directory and the two above it.
    fps : float
        Rate assumed for the exported frames, which carry no timestamps.
    frame_step : int
        Keep every ``frame_step``-th exported frame.

    Returns
    -------
    Scene
        Axis-aligned when ``axisAlignment`` is present (the mesh and every pose), one object
        per aggregated instance (id = ``objectId``), wall/floor/ceiling as structure,
        unlabelled faces as structure "unlabelled"; the frames as trajectory "walkthrough".
    """
    scan = Path(path)
    name = scan.name
    report = LoadReport("scannet", name)
    mesh_path = scan / f"{name}_vh_clean_2.ply"
    if not mesh_path.is_file():
        raise SceneError(f"{mesh_path}: file not found (not a ScanNet scan directory)")
    if frame_step < 1:
        raise SceneError(f"frame_step must be at least 1 (got {frame_step})")
    ply = read_ply(mesh_path)
    segs_path = scan / f"{name}_vh_clean_2.0.010000.segs.json"
    agg_path = scan / f"{name}.aggregation.json"
    seg_indices = read_segment_indices(segs_path, len(ply.vertices))
    groups = read_seg_groups(agg_path)
    labels = _label_map(scan, label_column, Path(labels_tsv) if labels_tsv else None, report)
    vertex_instance, categories = _instances(groups, seg_indices, labels, agg_path, report)
    meta = _meta(scan / f"{name}.txt")
    align = _axis_alignment(meta, scan / f"{name}.txt", report)
    vertices = ply.vertices @ align[:3, :3].T + align[:3, 3]
    objects, structure = split_instances(vertices, ply.faces, vertex_instance, categories, report)
    report.note(f"{len(objects)} objects from {agg_path.name} over {segs_path.name}")
    frames = _frames(scan, meta, align, fps, frame_step, report)
    return assemble_scene(
        name, report, objects, structure, trajectories={"walkthrough": frames} if frames else None
    )


def _instances(
    groups: list,
    seg_indices: np.ndarray,
    labels: dict[str, str],
    agg_path: Path,
    report: LoadReport,
) -> tuple[np.ndarray, dict[int, str]]:
    """The instance of every vertex (-1: none) and each instance's category, its raw label
    mapped through the TSV when there is one."""
    vertex_instance = np.full(len(seg_indices), -1, dtype=np.int64)
    categories: dict[int, str] = {}
    unmapped = set()
    for number, group in enumerate(groups):
        try:
            instance, raw, segments = int(group["objectId"]), group["label"], group["segments"]
        except (KeyError, TypeError, ValueError):
            raise SceneError(
                f"{agg_path}: segGroups[{number}]: needs objectId, label, segments"
            ) from None
        category = labels.get(raw, raw) if labels else raw
        if labels and raw not in labels:
            unmapped.add(raw)
        categories[instance] = category.strip().lower() or "unknown"
        vertex_instance[np.isin(seg_indices, np.asarray(segments, dtype=np.int64))] = instance
    if unmapped:
        report.warn(f"raw labels not in the TSV kept as they are: {sorted(unmapped)}")
    return vertex_instance, categories


def _axis_alignment(meta: dict[str, str], path: Path, report: LoadReport) -> np.ndarray:
    """The 4x4 ``axisAlignment`` of ``<scene>.txt`` (checked rigid), else the identity."""
    if "axisAlignment" not in meta:
        report.warn(f"no axisAlignment in {path.name}; scan frame kept")
        return np.eye(4)
    try:
        values = np.array(meta["axisAlignment"].split(), dtype=np.float64)
    except ValueError:
        values = np.zeros(0)
    if values.size != 16 or not np.all(np.isfinite(values)):
        raise SceneError(f"{path}: axisAlignment: expected 16 numbers")
    align = values.reshape(4, 4)
    rotation = align[:3, :3]
    if (
        not np.allclose(align[3], [0, 0, 0, 1])
        or not np.allclose(rotation.T @ rotation, np.eye(3), atol=1e-4)
        or np.linalg.det(rotation) <= 0
    ):
        raise SceneError(
            f"{path}: axisAlignment: expected a rigid transform "
            "(proper orthonormal rotation, last row 0 0 0 1)"
        )
    report.note("axisAlignment applied to mesh and poses")
    return align


register_format(SceneFormat("scannet", is_scannet, load_scannet, order=10))
