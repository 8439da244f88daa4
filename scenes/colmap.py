"""COLMAP sparse models (cameras and images), text or binary, as COLMAP writes them.

ScanNet++ ships its camera poses as COLMAP models (``dslr/colmap/``, ``iphone/colmap/``) and
its own toolkit reads them from there (``common/utils/colmap.py``), so this is where the
loader reads them too. The formats are COLMAP's ``doc/format.rst``:

- ``cameras.txt``: ``CAMERA_ID MODEL WIDTH HEIGHT PARAMS...``; ``cameras.bin``: a uint64 count,
  then per camera int32 id, int32 model id, uint64 width, uint64 height and the model's
  float64 parameters;
- ``images.txt``: two lines per image, ``IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME`` then
  the 2D points (possibly an empty line); ``images.bin``: a uint64 count, then per image int32
  id, 4 + 3 float64, int32 camera id, the NUL-terminated name, a uint64 point count and
  that many (float64 x, float64 y, int64 point id).

A pose is world-to-camera, a Hamilton quaternion (w, x, y, z) and a translation, with OpenCV
camera axes. When both formats are present the binary one is read, as COLMAP does.
``points3D`` is not needed for poses and is not read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spatialqa.errors import SceneError
from spatialqa.scenes.files import MISSING, file_problem

__all__ = [
    "CAMERA_MODELS",
    "ColmapCamera",
    "ColmapImage",
    "camera_to_world",
    "model_files",
    "read_model",
]

CAMERA_MODELS: dict[int, tuple[str, int]] = {
    0: ("SIMPLE_PINHOLE", 3),
    1: ("PINHOLE", 4),
    2: ("SIMPLE_RADIAL", 4),
    3: ("RADIAL", 5),
    4: ("OPENCV", 8),
    5: ("OPENCV_FISHEYE", 8),
    6: ("FULL_OPENCV", 12),
    7: ("FOV", 5),
    8: ("SIMPLE_RADIAL_FISHEYE", 4),
    9: ("RADIAL_FISHEYE", 5),
    10: ("THIN_PRISM_FISHEYE", 12),
}
"""COLMAP's model ids, names and parameter counts (``src/colmap/sensor/models.h``)."""
_PARAMS_BY_NAME = dict(CAMERA_MODELS.values())
_QUATERNION_TOL = 1e-3
"""A quaternion whose norm is this far from 1 is not a rotation a writer rounded: refused."""


@dataclass(frozen=True)
class ColmapCamera:
    """One COLMAP camera: model name, image size in pixels, the model's parameters."""

    id: int
    model: str
    width: int
    height: int
    params: tuple[float, ...]


@dataclass(frozen=True)
class ColmapImage:
    """One registered image: world-to-camera rotation (unit quaternion w, x, y, z) and
    translation, its camera and its file name relative to the image folder."""

    id: int
    qvec: tuple[float, float, float, float]
    tvec: tuple[float, float, float]
    camera_id: int
    name: str


def model_files(folder: str | Path) -> tuple[Path, Path] | None:
    """The ``cameras`` and ``images`` files of the model in ``folder`` (binary first), or None
    when the folder holds neither pair. A half pair is an error: the other file is missing."""
    folder = Path(folder)
    for ext in (".bin", ".txt"):
        cameras, images = folder / f"cameras{ext}", folder / f"images{ext}"
        have = [file_problem(p) != MISSING for p in (cameras, images)]
        if all(have):
            return cameras, images
        if any(have):
            missing = images if have[0] else cameras
            raise SceneError(f"{missing}: file not found (the COLMAP model in {folder} needs it)")
    return None


def read_model(folder: str | Path) -> tuple[dict[int, ColmapCamera], dict[int, ColmapImage]]:
    """Cameras and images of the COLMAP model in ``folder``; SceneError naming the file and
    field for anything missing, truncated or not a COLMAP model."""
    files = model_files(folder)
    if files is None:
        raise SceneError(f"{Path(folder) / 'cameras.txt'}: file not found (no COLMAP model)")
    cameras_path, images_path = files
    if cameras_path.suffix == ".bin":
        cameras, images = _cameras_binary(cameras_path), _images_binary(images_path)
    else:
        cameras, images = _cameras_text(cameras_path), _images_text(images_path)
    for image in images.values():
        if image.camera_id not in cameras:
            raise SceneError(
                f"{images_path}: image {image.id} ({image.name!r}): CAMERA_ID {image.camera_id} "
                f"is not in {cameras_path.name}"
            )
    return cameras, images


def camera_to_world(image: ColmapImage, where: str) -> np.ndarray:
    """The 4x4 camera-to-world pose (OpenCV axes) of a COLMAP world-to-camera pose."""
    w, x, y, z = image.qvec
    norm = float(np.sqrt(w * w + x * x + y * y + z * z))
    if not np.isfinite(norm) or abs(norm - 1.0) > _QUATERNION_TOL:
        raise SceneError(f"{where}: QW QX QY QZ: not a unit quaternion (norm {norm:.6g})")
    w, x, y, z = w / norm, x / norm, y / norm, z / norm
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )
    translation = np.asarray(image.tvec, dtype=np.float64)
    if not np.all(np.isfinite(translation)):
        raise SceneError(f"{where}: TX TY TZ: not finite")
    pose = np.eye(4)
    pose[:3, :3] = rotation.T
    pose[:3, 3] = -rotation.T @ translation
    return pose


def _open_text(path: Path) -> list[str]:
    problem = file_problem(path)
    if problem is not None:
        raise SceneError(f"{path}: {'file not found' if problem == MISSING else problem}")
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SceneError(f"{path}: cannot read ({exc})") from None


def _camera(path: Path, where: str, fields: list, model: str) -> ColmapCamera:
    camera_id, width, height, params = fields
    count = _PARAMS_BY_NAME.get(model)
    if count is None:
        known = ", ".join(_PARAMS_BY_NAME)
        raise SceneError(f"{path}: {where}: MODEL: unknown camera model {model!r} (known: {known})")
    if len(params) != count:
        raise SceneError(
            f"{path}: {where}: PARAMS: {model} takes {count} parameters, got {len(params)}"
        )
    if width <= 0 or height <= 0:
        raise SceneError(f"{path}: {where}: WIDTH, HEIGHT must be positive ({width} x {height})")
    if not all(np.isfinite(params)):
        raise SceneError(f"{path}: {where}: PARAMS: not finite")
    return ColmapCamera(camera_id, model, width, height, tuple(float(p) for p in params))


def _cameras_text(path: Path) -> dict[int, ColmapCamera]:
    cameras = {}
    for number, line in enumerate(_open_text(path), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split()
        where = f"line {number}"
        try:
            fields = [int(parts[0]), int(parts[2]), int(parts[3]), [float(p) for p in parts[4:]]]
        except (IndexError, ValueError):
            raise SceneError(
                f"{path}: {where}: expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS[] (got {text!r})"
            ) from None
        camera = _camera(path, f"{where} (camera {fields[0]})", fields, parts[1])
        cameras[camera.id] = camera
    return cameras


def _images_text(path: Path) -> dict[int, ColmapImage]:
    images = {}
    lines = _open_text(path)
    number = 0
    while number < len(lines):
        text = lines[number].strip()
        number += 1
        if not text or text.startswith("#"):
            continue
        parts = text.split(maxsplit=9)
        try:
            values = [float(p) for p in parts[1:8]]
            image = ColmapImage(
                int(parts[0]), tuple(values[:4]), tuple(values[4:]), int(parts[8]), parts[9]
            )
        except (IndexError, ValueError):
            raise SceneError(
                f"{path}: line {number}: expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME "
                f"(got {text!r})"
            ) from None
        if not np.all(np.isfinite(values)):
            raise SceneError(f"{path}: line {number}: image {image.id}: pose not finite")
        images[image.id] = image
        number += 1  # the POINTS2D line that follows every image line, empty or not
    return images


class _Reader:
    """Little-endian fields from a COLMAP binary file, with the file named on truncation."""

    def __init__(self, path: Path) -> None:
        problem = file_problem(path)
        if problem is not None:
            raise SceneError(f"{path}: {'file not found' if problem == MISSING else problem}")
        try:
            self.data = path.read_bytes()
        except OSError as exc:
            raise SceneError(f"{path}: cannot read ({exc})") from None
        self.path = path
        self.offset = 0

    def read(self, fmt: str, where: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        if self.offset + size > len(self.data):
            raise SceneError(f"{self.path}: {where}: file ends early (truncated)")
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += size
        return values

    def skip(self, size: int, where: str) -> None:
        if size < 0 or self.offset + size > len(self.data):
            raise SceneError(f"{self.path}: {where}: file ends early (truncated)")
        self.offset += size

    def name(self, where: str) -> str:
        end = self.data.find(b"\0", self.offset)
        if end < 0:
            raise SceneError(f"{self.path}: {where}: NAME not terminated (truncated)")
        raw = self.data[self.offset : end]
        self.offset = end + 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SceneError(f"{self.path}: {where}: NAME is not UTF-8") from None


def _cameras_binary(path: Path) -> dict[int, ColmapCamera]:
    reader = _Reader(path)
    (count,) = reader.read("Q", "number of cameras")
    cameras = {}
    for index in range(count):
        where = f"camera #{index}"
        camera_id, model_id, width, height = reader.read("iiQQ", where)
        where = f"camera #{index} (id {camera_id})"
        if model_id not in CAMERA_MODELS:
            raise SceneError(f"{path}: {where}: MODEL: unknown camera model id {model_id}")
        model, params = CAMERA_MODELS[model_id]
        values = list(reader.read("d" * params, where))
        cameras[camera_id] = _camera(path, where, [camera_id, width, height, values], model)
    if reader.offset != len(reader.data):
        raise SceneError(f"{path}: {len(reader.data) - reader.offset} bytes after the cameras")
    return cameras


def _images_binary(path: Path) -> dict[int, ColmapImage]:
    reader = _Reader(path)
    (count,) = reader.read("Q", "number of images")
    images = {}
    for index in range(count):
        where = f"image #{index}"
        image_id, qw, qx, qy, qz, tx, ty, tz, camera_id = reader.read("idddddddi", where)
        where = f"image #{index} (id {image_id})"
        name = reader.name(where)
        (points,) = reader.read("Q", where)
        reader.skip(24 * points, f"{where}: POINTS2D")
        if not np.all(np.isfinite([qw, qx, qy, qz, tx, ty, tz])):
            raise SceneError(f"{path}: {where}: pose not finite")
        images[image_id] = ColmapImage(image_id, (qw, qx, qy, qz), (tx, ty, tz), camera_id, name)
    if reader.offset != len(reader.data):
        raise SceneError(f"{path}: {len(reader.data) - reader.offset} bytes after the images")
    return images
