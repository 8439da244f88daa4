"""Appearance degradations, their registry and image encoding."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest

from spatialqa.degradations import (
    DEGRADATIONS,
    SEVERITIES,
    Degraded,
    decode_image,
    encode_image,
    gaussian_noise,
    get_degradation,
    jpeg,
)
from spatialqa.errors import ConfigError, SpatialQAError
from spatialqa.scenes import Frame

NAMES = sorted(DEGRADATIONS)


@pytest.fixture(scope="module")
def frame() -> Frame:
    K = np.array([[100.0, 0.0, 48.0], [0.0, 100.0, 32.0], [0.0, 0.0, 1.0]])
    return Frame(id="f0", t=0.0, pose=np.eye(4), K=K, width=96, height=64)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    """A clean 64 x 96 picture: smooth gradients, flat patches and sharp edges, as renders have."""
    rows, columns = np.mgrid[0:64, 0:96]
    picture = np.stack([columns * 255 / 95, rows * 255 / 63, np.full(rows.shape, 128.0)], axis=-1)
    picture[16:48, 24:56] = (200, 40, 40)
    picture[40:60, 60:90] = (30, 160, 220)
    picture[::8, :] = 255
    return picture.astype(np.uint8)


def psnr(clean: np.ndarray, degraded: np.ndarray) -> float:
    error = np.mean((clean.astype(np.float64) - degraded.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / error))


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_bytes(name, image, frame):
    degradation = get_degradation(name)
    first = degradation(image, None, frame, 3, rng=np.random.default_rng(7))
    second = degradation(image, None, frame, 3, rng=np.random.default_rng(7))
    assert first.image.tobytes() == second.image.tobytes()
    assert first.params == second.params


def test_noise_differs_between_seeds(image, frame):
    first = gaussian_noise(image, None, frame, 3, rng=np.random.default_rng(1))
    second = gaussian_noise(image, None, frame, 3, rng=np.random.default_rng(2))
    assert first.image.tobytes() != second.image.tobytes()


@pytest.mark.parametrize("name", NAMES)
def test_quality_falls_with_severity(name, image, frame):
    degradation = get_degradation(name)
    scores = [
        psnr(image, degradation(image, None, frame, s, rng=np.random.default_rng(0)).image)
        for s in SEVERITIES
    ]
    assert all(a > b for a, b in itertools.pairwise(scores)), scores


@pytest.mark.parametrize("name", NAMES)
def test_appearance_degradations_move_no_pixels(name, image, frame):
    degradation = get_degradation(name)
    result = degradation(image, None, frame, 1, rng=np.random.default_rng(0))
    assert isinstance(result, Degraded)
    assert result.moves_pixels is False and degradation.moves_pixels is False
    assert result.image.shape == image.shape and result.image.dtype == np.uint8
    assert isinstance(degradation.version, int) and degradation.version >= 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("severity", [0, 6, 7, -1, 2.0, "3", True])
def test_severity_out_of_range_is_rejected(name, severity, image, frame):
    with pytest.raises(ConfigError, match=r"'severity' must be int in 1\.\.5 \(got "):
        get_degradation(name)(image, None, frame, severity, rng=np.random.default_rng(0))


def test_severity_message_names_the_value(image, frame):
    with pytest.raises(ValueError, match=r"^'severity' must be int in 1\.\.5 \(got 7\)$"):
        jpeg(image, None, frame, 7, rng=np.random.default_rng(0))


def test_numpy_integer_severity_is_accepted(image, frame):
    result = jpeg(image, None, frame, np.int64(2), rng=np.random.default_rng(0))
    assert result.params["quality"] == 40


def test_params_record_the_exact_numbers(image, frame):
    rng = np.random.default_rng(0)
    assert [jpeg(image, None, frame, s, rng=rng).params["quality"] for s in SEVERITIES] == [
        60,
        40,
        20,
        10,
        5,
    ]
    assert gaussian_noise(image, None, frame, 4, rng=rng).params == {"sigma": 24.0}


def test_jpeg_matches_an_encode_decode_round_trip(image, frame):
    result = jpeg(image, None, frame, 2, rng=np.random.default_rng(0))
    expected = decode_image(encode_image(image, fmt="jpeg", quality=40))
    assert result.image.tobytes() == expected.tobytes()


def test_noise_statistics_match_sigma(frame):
    grey = np.full((128, 128, 3), 128, dtype=np.uint8)
    result = gaussian_noise(grey, None, frame, 3, rng=np.random.default_rng(0))
    residual = result.image.astype(np.float64) - 128
    assert abs(residual.mean()) < 0.5
    assert residual.std() == pytest.approx(16.0, rel=0.05)


def test_input_image_is_left_alone(image, frame):
    before = image.copy()
    for name in NAMES:
        get_degradation(name)(image, None, frame, 5, rng=np.random.default_rng(0))
    assert np.array_equal(image, before)


def test_wrong_image_is_rejected(frame):
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        gaussian_noise(np.zeros((4, 4)), None, frame, 1, rng=np.random.default_rng(0))


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown degradation 'jepg'") as info:
        get_degradation("jepg")
    assert "gaussian_noise, jpeg" in str(info.value) and "did you mean 'jpeg'" in str(info.value)
    assert isinstance(info.value, SpatialQAError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_encode_image_is_deterministic(fmt, image):
    data = encode_image(image, fmt=fmt)
    assert data == encode_image(image.copy(), fmt=fmt)
    decoded = decode_image(data)
    assert decoded.shape == image.shape
    if fmt == "png":
        assert np.array_equal(decoded, image)
    else:
        assert psnr(image, decoded) > 20  # 4:2:0 chroma on saturated edges


def test_encode_image_writes_no_metadata(image):

    from PIL import Image

    with Image.open(io.BytesIO(encode_image(image, fmt="png"))) as png:
        assert png.info == {}
    with Image.open(io.BytesIO(encode_image(image, fmt="jpeg"))) as jpg:
        assert not jpg.getexif() and "exif" not in jpg.info


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "webp"}, "'fmt' must be one of"),
        ({"quality": 0}, r"'quality' must be int in 1\.\.100 \(got 0\)"),
        ({"quality": 90.0}, r"'quality' must be int in 1\.\.100"),
    ],
)
def test_encode_image_rejects_bad_arguments(kwargs, message, image):
    with pytest.raises(ConfigError, match=message):
        encode_image(image, **kwargs)
