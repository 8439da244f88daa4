"""Lenses made pinhole: every distorting COLMAP model maps onto OpenCV's coefficients, and the
lens a frame carries gives the maps conversion uses, bit for bit; a model that cannot be made
pinhole is named."""

import numpy as np
import pytest
from lens_kit import pose, scene_without_cameras, write_colmap

from spatialqa.errors import SceneError
from spatialqa.scenes.scannetpp import load_scannetpp
from spatialqa.scenes.scene import DISTORTION_COEFFICIENTS, Frame
from spatialqa.scenes.undistort import lens_from_distortion, lens_from_params, undistortion_maps


def test_camera_model_that_cannot_be_undistorted_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_colmap(scene / "dslr/colmap", "FOV", [300, 300, 320, 240, 0.9], ["A.JPG"], [pose()], True)
    with pytest.raises(
        SceneError, match=r"cameras\.bin: camera 1: MODEL: camera model 'FOV' cannot be made"
    ):
        load_scannetpp(scene, camera="dslr")


# Every distorting COLMAP model with its full parameter list (models.h order) and the
# coefficients OpenCV takes for it, written out by hand.
MODELS = {
    "SIMPLE_RADIAL": ([300, 32, 24, 0.1], [0.1, 0, 0, 0]),
    "RADIAL": ([300, 32, 24, 0.1, -0.02], [0.1, -0.02, 0, 0]),
    "OPENCV": ([300, 310, 32, 24, 0.1, -0.02, 0.001, 0.002], [0.1, -0.02, 0.001, 0.002]),
    "FULL_OPENCV": (
        [300, 310, 32, 24, 0.1, -0.02, 0.001, 0.002, 0.003, 0.01, 0.02, 0.03],
        [0.1, -0.02, 0.001, 0.002, 0.003, 0.01, 0.02, 0.03],
    ),
    "SIMPLE_RADIAL_FISHEYE": ([300, 32, 24, 0.05], [0.05, 0, 0, 0]),
    "RADIAL_FISHEYE": ([300, 32, 24, 0.05, -0.01], [0.05, -0.01, 0, 0]),
    "OPENCV_FISHEYE": (
        [300, 310, 32, 24, 0.05, -0.01, 0.002, -0.001],
        [0.05, -0.01, 0.002, -0.001],
    ),
}


@pytest.mark.parametrize("model", sorted(DISTORTION_COEFFICIENTS))
def test_a_lens_and_the_distortion_a_frame_carries_are_the_same_camera(model):
    """COLMAP's parameters -> Lens -> Distortion (in a frame) -> Lens: the same K and OpenCV
    coefficients, so the maps a build computes are the ones convert computes, bit for bit."""
    assert set(MODELS) == set(DISTORTION_COEFFICIENTS)
    params, opencv = MODELS[model]
    lens = lens_from_params(model, params, 64, 48, "test")
    assert lens.coefficients.tolist() == opencv
    fy = 310 if model in ("OPENCV", "FULL_OPENCV", "OPENCV_FISHEYE") else 300  # else f, cx, cy
    assert lens.K.tolist() == [[300, 0, 32], [0, fy, 24], [0, 0, 1]]
    pinhole = lens.pinhole_matrix()
    frame = Frame("f0", 0.0, np.eye(4), pinhole, 64, 48, "a.png", None, lens.distortion())
    carried = frame.distortion
    assert carried.model == model
    assert carried.params.tolist() == params[-DISTORTION_COEFFICIENTS[model] :]
    again = lens_from_distortion(carried)
    assert again.family == lens.family and again.family == (
        "fisheye" if "FISHEYE" in model else "standard"
    )
    assert np.array_equal(again.K, lens.K) and np.array_equal(again.coefficients, lens.coefficients)
    ours = undistortion_maps(carried, frame.K, frame.width, frame.height)
    theirs = lens.maps(pinhole, 64, 48)
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert ours[0].dtype == np.float32 and ours[0].shape == (48, 64)
