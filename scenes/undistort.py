"""Captured images with lens distortion, made pinhole: a Scene's frames are pinhole and exact.

A frame's ``K`` is a pinhole camera; an image taken through a real lens is not. Scans ship
the lens as a camera model (COLMAP's ``cameras.txt``, nerfstudio's ``transforms.json``), and
projecting with ``K`` alone misplaces every pixel away from the principal point (by tens of
pixels at a fisheye's edge). So a distorted image is resampled once, on conversion, into the
pinhole camera ``pinhole_matrix`` chooses, and the frame carries that camera.

The models are COLMAP's (``src/colmap/sensor/models.h``), mapped onto OpenCV's two families:

- standard (``cv2.undistort*``; radial k1, k2, [k3..k6] and tangential p1, p2):
  SIMPLE_PINHOLE, PINHOLE, SIMPLE_RADIAL, RADIAL, OPENCV, FULL_OPENCV;
- fisheye (``cv2.fisheye``; theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6 +
  k4 theta^8), theta = atan(r)): OPENCV_FISHEYE, RADIAL_FISHEYE, SIMPLE_RADIAL_FISHEYE.

The new camera for a fisheye is ScanNet++'s own (``dslr/undistort.py``:
``estimateNewCameraMatrixForUndistortRectify`` with balance 0), so images undistorted here
and by the toolkit share K; for the standard family, ``getOptimalNewCameraMatrix`` with
alpha 0 (every output pixel sees the scene). Sizes do not change.

The resampling happens in one of two places, with the same maps and the same ``remap``, so
the pixels agree bit for bit: on conversion (``Lens.undistort`` writes the file), or on reading
a frame that names its distorted image and carries its ``Distortion`` (``undistortion_maps``
and ``remap``, from ``degradations.delivery``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from spatialqa.errors import SceneError
from spatialqa.scenes.limits import image_header_size
from spatialqa.scenes.scene import DISTORTION_COEFFICIENTS, Distortion

__all__ = [
    "FISHEYE_MODELS",
    "STANDARD_MODELS",
    "Lens",
    "lens_from_distortion",
    "lens_from_params",
    "remap",
    "undistortion_maps",
]

STANDARD_MODELS = ("SIMPLE_PINHOLE", "PINHOLE", "SIMPLE_RADIAL", "RADIAL", "OPENCV", "FULL_OPENCV")
FISHEYE_MODELS = ("OPENCV_FISHEYE", "RADIAL_FISHEYE", "SIMPLE_RADIAL_FISHEYE")
ONE_FOCAL_MODELS = (
    "SIMPLE_PINHOLE",
    "SIMPLE_RADIAL",
    "RADIAL",
    "SIMPLE_RADIAL_FISHEYE",
    "RADIAL_FISHEYE",
)
"""Models whose parameters start f, cx, cy (one focal length), the others fx, fy, cx, cy."""
JPEG_QUALITY = 95
"""Quality of an undistorted JPEG (the source's format is kept)."""


@dataclass(eq=False)
class Lens:
    """A camera as a dataset describes it: pinhole ``K`` at ``width`` x ``height`` plus the
    distortion ``coefficients`` in OpenCV's order for its ``family`` ("standard": k1, k2, p1,
    p2[, k3, k4, k5, k6]; "fisheye": k1..k4). ``model`` is the name the file gave."""

    model: str
    family: str
    K: np.ndarray
    coefficients: np.ndarray
    width: int
    height: int
    _pinhole: np.ndarray | None = field(default=None, repr=False)
    _maps: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def distorted(self) -> bool:
        return bool(np.any(self.coefficients != 0))

    def pinhole_matrix(self) -> np.ndarray:
        """K of the pinhole camera the undistorted image has (``K`` when not distorted)."""
        if self._pinhole is None:
            self._pinhole = self._new_camera() if self.distorted else self.K.copy()
        return self._pinhole

    def _new_camera(self) -> np.ndarray:
        import cv2

        size = (self.width, self.height)
        if self.family == "fisheye":
            new = cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(
                self.K, self.coefficients, size, np.eye(3), balance=0.0
            )
        else:
            new, _ = cv2.getOptimalNewCameraMatrix(self.K, self.coefficients, size, 0.0, size)
        new = np.asarray(new, dtype=np.float64)
        if not np.all(np.isfinite(new)) or new[0, 0] <= 0 or new[1, 1] <= 0:
            raise SceneError(
                f"{self.model} camera {self.width} x {self.height}: OpenCV found no pinhole "
                f"camera for its distortion {self.coefficients.tolist()}"
            )
        new[0, 1] = 0.0
        new[2] = [0.0, 0.0, 1.0]
        return new

    def distortion(self) -> Distortion:
        """The lens as a frame carries it: the model's own coefficients (COLMAP's order, the
        padding zeros left off), K and size."""
        count = DISTORTION_COEFFICIENTS[self.model]
        return Distortion(self.model, self.coefficients[:count], self.K, self.width, self.height)

    def maps(self, K: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """``cv2.remap``'s two float32 maps from a ``width`` x ``height`` pinhole camera ``K``
        to this lens's image: where in the distorted image each pinhole pixel looks."""
        import cv2

        size = (width, height)
        if self.family == "fisheye":
            maps = cv2.fisheye.initUndistortRectifyMap(
                self.K, self.coefficients, np.eye(3), K, size, cv2.CV_32FC1
            )
        else:
            maps = cv2.initUndistortRectifyMap(
                self.K, self.coefficients, np.eye(3), K, size, cv2.CV_32FC1
            )
        return maps[0], maps[1]

    def check_image(self, path: Path, where: str) -> None:
        """SceneError unless the image at ``path`` is ``width`` x ``height`` (header only)."""
        size = image_header_size(path, where)
        if size != (self.width, self.height):
            raise SceneError(
                f"{path}: image is {size[0]} x {size[1]}, but {where} says WIDTH x HEIGHT "
                f"{self.width} x {self.height}"
            )

    def undistort(self, source: Path, target: Path, where: str) -> None:
        """Write ``source`` resampled into the pinhole camera ``pinhole_matrix`` at ``target``
        (bilinear; pixels that see nothing outside the lens's image are black)."""
        self.check_image(source, where)
        try:
            with Image.open(source) as image:
                pixels = np.asarray(image.convert("RGB"))
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise SceneError(f"{source}: {where}: cannot read the image ({exc})") from None
        if self._maps is None:
            self._maps = self.maps(self.pinhole_matrix(), self.width, self.height)
        _write_image(Image.fromarray(remap(pixels, self._maps)), target)


def remap(pixels: np.ndarray, maps: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``pixels`` resampled through ``maps`` (``Lens.maps``): bilinear, black where a pinhole
    pixel sees nothing of the lens's image."""
    import cv2

    return cv2.remap(pixels, *maps, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def undistortion_maps(
    distortion: Distortion, K: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """The maps that resample an image taken through ``distortion`` into the ``width`` x
    ``height`` pinhole camera ``K`` (a frame's own): the ones ``Lens.undistort`` uses when
    that frame's K is the lens's ``pinhole_matrix``."""
    return lens_from_distortion(distortion).maps(K, width, height)


def _write_image(image: Image.Image, target: Path) -> None:
    """Write atomically (a temporary name, then a rename): a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix.lower()
    kind = "JPEG" if suffix in (".jpg", ".jpeg") else "PNG"
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".undistort-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            if kind == "JPEG":
                image.save(stream, kind, quality=JPEG_QUALITY)
            else:
                image.save(stream, kind)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def lens_from_params(model: str, params: list[float], width: int, height: int, where: str) -> Lens:
    """A Lens from COLMAP's parameter list for ``model`` (fx, fy, cx, cy first, or f, cx, cy
    for ``ONE_FOCAL_MODELS``, then the distortion). SceneError naming ``where`` for a model
    that cannot be undistorted here."""
    p = [float(x) for x in params]
    simple = model in ONE_FOCAL_MODELS
    need = {"SIMPLE_PINHOLE": 3, "PINHOLE": 4}.get(model)
    if model in DISTORTION_COEFFICIENTS:
        need = (3 if simple else 4) + DISTORTION_COEFFICIENTS[model]
    if need is None:
        supported = ", ".join(STANDARD_MODELS + FISHEYE_MODELS)
        raise SceneError(
            f"{where}: camera model {model!r} cannot be made pinhole here (supported: {supported})"
        )
    if len(p) != need:
        raise SceneError(f"{where}: {model} takes {need} parameters, got {len(p)}")
    if simple:
        fx = fy = p[0]
        cx, cy, extra = p[1], p[2], p[3:]
    else:
        fx, fy, cx, cy, extra = p[0], p[1], p[2], p[3], p[4:]
    if not (fx > 0 and fy > 0) or not np.all(np.isfinite(p)):
        raise SceneError(f"{where}: {model}: focal lengths must be positive and all finite")
    K = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
    return _lens(model, K, extra, width, height)


def lens_from_distortion(distortion: Distortion) -> Lens:
    """The Lens a frame's ``distortion`` describes (its coefficients in OpenCV's order)."""
    return _lens(
        distortion.model,
        np.array(distortion.K, dtype=np.float64),
        [float(x) for x in distortion.params],
        distortion.width,
        distortion.height,
    )


def _lens(model: str, K: np.ndarray, extra: list[float], width: int, height: int) -> Lens:
    if model in FISHEYE_MODELS:
        coefficients = (extra + [0.0] * 4)[:4]
        family = "fisheye"
    else:
        # SIMPLE_RADIAL (k), RADIAL (k1, k2): radial only; OPENCV and FULL_OPENCV are in
        # OpenCV's own order already (k1, k2, p1, p2[, k3, k4, k5, k6]).
        coefficients = (extra + [0.0] * 4)[:4] if len(extra) < 4 else extra
        family = "standard"
    return Lens(model, family, K, np.asarray(coefficients, dtype=np.float64), width, height)
