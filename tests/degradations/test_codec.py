"""Image encoding: deterministic bytes, no metadata, arguments checked."""

from __future__ import annotations

import io

import numpy as np
import pytest
import room_kit as kit

from spatialqa.degradations import (
    decode_image,
    encode_image,
)
from spatialqa.errors import ConfigError


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_encode_image_is_deterministic(fmt, room):
    image = room[2].rgb
    data = encode_image(image, fmt=fmt)
    assert data == encode_image(image.copy(), fmt=fmt)
    decoded = decode_image(data)
    assert decoded.shape == image.shape
    if fmt == "png":
        assert np.array_equal(decoded, image)
    else:
        assert kit.psnr(image, decoded) > 25


def test_encode_image_writes_no_metadata(room):
    from PIL import Image

    with Image.open(io.BytesIO(encode_image(room[2].rgb, fmt="png"))) as png:
        assert png.info == {}
    with Image.open(io.BytesIO(encode_image(room[2].rgb, fmt="jpeg"))) as jpg:
        assert not jpg.getexif() and "exif" not in jpg.info


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "webp"}, "'fmt' must be one of"),
        ({"quality": 0}, r"'quality' must be int in 1\.\.100 \(got 0\)"),
        ({"quality": 90.0}, r"'quality' must be int in 1\.\.100"),
    ],
)
def test_encode_image_rejects_bad_arguments(kwargs, message, room):
    with pytest.raises(ConfigError, match=message):
        encode_image(room[2].rgb, **kwargs)
