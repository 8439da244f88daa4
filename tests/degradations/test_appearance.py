"""Degradations that change only how pixels look, each against its formula on simple inputs."""

from __future__ import annotations

import numpy as np
import pytest
import room_kit as kit
from room_kit import grey

from spatialqa.degradations import (
    SEVERITIES,
    colour_shift,
    decode_image,
    encode_image,
    gaussian_noise,
    jpeg,
    low_light,
    low_resolution,
    over_exposure,
)
from spatialqa.degradations.base import to_display, to_linear

FRAME = kit.make_frame()


H, W = kit.HEIGHT, kit.WIDTH


def test_params_record_the_exact_numbers(room):
    image, frame = room[2].rgb, room[1]
    rng = np.random.default_rng(0)
    qualities = [jpeg(image, None, frame, s, rng=rng).params["quality"] for s in SEVERITIES]
    assert qualities == [60, 40, 20, 10, 5]
    assert gaussian_noise(image, None, frame, 4, rng=rng).params == {"sigma": 24.0}


def test_jpeg_matches_an_encode_decode_round_trip(room):
    result = jpeg(room[2].rgb, None, room[1], 2, rng=np.random.default_rng(0))
    expected = decode_image(encode_image(room[2].rgb, fmt="jpeg", quality=40))
    assert result.image.tobytes() == expected.tobytes()


def test_noise_statistics_match_sigma(room):
    grey = np.full((128, 128, 3), 128, dtype=np.uint8)
    result = gaussian_noise(grey, None, room[1], 3, rng=np.random.default_rng(0))
    residual = result.image.astype(np.float64) - 128
    assert abs(residual.mean()) < 0.5
    assert residual.std() == pytest.approx(16.0, rel=0.05)


def test_low_light_is_dark_and_shot_noise_limited():
    image = grey(180)
    results = [low_light(image, None, FRAME, s, rng=np.random.default_rng(0)) for s in (1, 5)]
    for result in results:
        p = result.params
        expected_linear = to_linear(image[:1, :1])[0, 0, 0] * p["exposure"] * p["gain"]
        measured = to_linear(result.image).mean()
        assert measured == pytest.approx(expected_linear, rel=0.1)
        assert p["gain"] == pytest.approx(p["exposure"] ** -0.5)
    assert 0.003 <= results[1].params["exposure"] <= 0.005
    # Relative noise grows as photons get fewer: SNR ~ sqrt(electrons).
    snr = [to_linear(r.image).mean() / to_linear(r.image).std() for r in results]
    assert snr[1] < snr[0] / 3


def test_over_exposure_scales_linear_light_and_clips():
    result = over_exposure(grey(60), None, FRAME, 3, rng=np.random.default_rng(0))
    exposure = result.params["exposure"]
    expected = to_display(np.clip(to_linear(grey(60)[:1, :1]) * exposure, 0, 1))[0, 0]
    assert np.array_equal(result.image[0, 0], expected)
    white = over_exposure(grey(200), None, FRAME, 5, rng=np.random.default_rng(0))
    assert (white.image == 255).all()


def test_colour_shift_is_a_white_balance_gain_per_channel():
    result = colour_shift(grey(128), None, FRAME, 5, rng=np.random.default_rng(0))
    gains = np.array(result.params["gains"])
    assert np.prod(gains) == pytest.approx(1.0)
    assert np.log(gains).max() - np.log(gains).min() > 0.8
    expected = to_display(to_linear(grey(128)[:1, :1]) * gains)[0, 0]
    assert np.array_equal(result.image[0, 0], expected)


def test_low_resolution_keeps_flat_regions_and_records_the_small_size():
    image = grey(90)
    image[:, : W // 2] = 200
    result = low_resolution(image, None, FRAME, 3, rng=np.random.default_rng(0))
    scale = result.params["scale"]
    assert 0.1 <= scale <= 0.15
    assert (result.params["width"], result.params["height"]) == (round(W * scale), round(H * scale))
    assert (result.image[:, :10] == 200).all() and (result.image[:, -10:] == 90).all()
