"""Every registered degradation keeps one contract: determinism, monotone severity, JSON-ready
parameters, labels moved only by what moves pixels, checked severities and inputs; unknown
names are named."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import room_kit as kit

from spatialqa.degradations import (
    DEGRADATIONS,
    SEVERITIES,
    Degraded,
    RaycastRenderer,
    gaussian_noise,
    get_degradation,
    jpeg,
)
from spatialqa.errors import ConfigError, SpatialQAError

NAMES = sorted(DEGRADATIONS)


# How each type's damage is measured: the statistic and the direction it moves with severity.
BRIGHTNESS_UP = {"over_exposure"}


BRIGHTNESS_DOWN = {"low_light"}


SHARPNESS_DOWN = {"defocus", "low_resolution", "motion_blur"}


class Counting:
    """A render callback that counts its calls and keeps what it rendered."""

    def __init__(self, renderer: RaycastRenderer) -> None:
        self.renderer = renderer
        self.frames: list = []
        self.images: list[np.ndarray] = []

    def __call__(self, frame) -> np.ndarray:
        self.frames.append(frame)
        image = self.renderer.render_rgb(frame)
        self.images.append(image)
        return image


def degrade(room, name: str, severity, seed: int = 0, image=None) -> Degraded:
    renderer, frame, view = room
    return get_degradation(name)(
        view.rgb if image is None else image,
        view.depth,
        frame,
        severity,
        rng=np.random.default_rng(seed),
        render=renderer.render,
    )


def statistic(name: str, clean: np.ndarray, degraded: np.ndarray) -> float:
    """A number that grows with the damage done by degradation ``name``."""
    if name in BRIGHTNESS_UP:
        return float(degraded.mean())
    if name in BRIGHTNESS_DOWN:
        return -float(degraded.mean())
    if name in SHARPNESS_DOWN:
        return -kit.gradient_energy(degraded)
    return -kit.psnr(clean, degraded)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_identical_bytes(name, room):
    first, second = degrade(room, name, 3, seed=7), degrade(room, name, 3, seed=7)
    assert first.image.tobytes() == second.image.tobytes()
    assert first.params == second.params


@pytest.mark.parametrize("name", sorted(set(NAMES) - {"jpeg"}))
def test_another_seed_gives_another_image(name, room):
    assert (
        degrade(room, name, 3, seed=1).image.tobytes()
        != degrade(room, name, 3, seed=2).image.tobytes()
    )


@pytest.mark.parametrize("name", NAMES)
def test_damage_grows_with_severity(name, room):
    clean = room[2].rgb
    scores = [statistic(name, clean, degrade(room, name, s).image) for s in SEVERITIES]
    assert all(a < b for a, b in itertools.pairwise(scores)), scores
    assert scores[0] > statistic(name, clean, clean)


@pytest.mark.parametrize("name", NAMES)
def test_params_are_json_ready_and_results_well_formed(name, room):
    degradation = get_degradation(name)
    result = degrade(room, name, 5)
    assert isinstance(result, Degraded)
    assert json.loads(json.dumps(result.params)) == result.params and result.params
    assert result.image.shape == room[2].rgb.shape and result.image.dtype == np.uint8
    assert result.moves_pixels is degradation.moves_pixels
    assert (result.transform is not None) is degradation.moves_pixels
    assert isinstance(degradation.version, int) and degradation.version >= 1


def test_only_lens_distortion_moves_pixels():
    assert [n for n in NAMES if DEGRADATIONS[n].moves_pixels] == ["lens_distortion"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("severity", [0, 6, 7, -1, 2.0, "3", True])
def test_severity_out_of_range_is_rejected(name, severity, room):
    with pytest.raises(ConfigError, match=r"'severity' must be int in 1\.\.5 \(got "):
        degrade(room, name, severity)


@pytest.mark.parametrize("name", NAMES)
def test_input_image_is_left_alone(name, room):
    image = room[2].rgb.copy()
    degrade(room, name, 5, image=image)
    assert np.array_equal(image, room[2].rgb)


@pytest.mark.parametrize("name", sorted(n for n in NAMES if DEGRADATIONS[n].needs_depth))
def test_depth_is_required_where_used(name, room):
    with pytest.raises(ValueError, match="needs the depth map"):
        get_degradation(name)(
            room[2].rgb, None, room[1], 1, rng=np.random.default_rng(0), render=room[0].render
        )


def test_motion_blur_needs_a_render_callback(room):
    with pytest.raises(ValueError, match="renders sub-frames: pass render="):
        get_degradation("motion_blur")(
            room[2].rgb, room[2].depth, room[1], 1, rng=np.random.default_rng(0)
        )


def test_severity_message_names_the_value(room):
    with pytest.raises(ValueError, match=r"^'severity' must be int in 1\.\.5 \(got 7\)$"):
        jpeg(room[2].rgb, None, room[1], 7, rng=np.random.default_rng(0))


def test_numpy_integer_severity_is_accepted(room):
    result = jpeg(room[2].rgb, None, room[1], np.int64(2), rng=np.random.default_rng(0))
    assert result.params["quality"] == 40


def test_wrong_image_is_rejected(room):
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        gaussian_noise(np.zeros((4, 4)), None, room[1], 1, rng=np.random.default_rng(0))


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown degradation 'jepg'") as info:
        get_degradation("jepg")
    assert "gaussian_noise, haze, jpeg" in str(info.value)
    assert "did you mean 'jpeg'" in str(info.value)
    assert isinstance(info.value, SpatialQAError) and isinstance(info.value, ValueError)
