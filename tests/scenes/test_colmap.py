"""COLMAP models read as COLMAP writes them: a missing file, an unknown model (by name or id)
and a truncated binary file are named, read through a ScanNet++ scan (lens_kit writes the
models per COLMAP ``doc/format.rst``)."""

import struct

import pytest
from lens_kit import pose, scene_without_cameras, write_iphone

from spatialqa.errors import SceneError
from spatialqa.scenes.scannetpp import load_scannetpp


def test_missing_colmap_file_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose())
    (scene / "iphone" / "colmap" / "images.txt").unlink()
    with pytest.raises(SceneError, match=r"iphone/colmap/images\.txt: file not found"):
        load_scannetpp(scene)


def test_unknown_camera_model_is_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose())
    path = scene / "iphone" / "colmap" / "cameras.txt"
    path.write_text(path.read_text().replace(" OPENCV ", " OPENCV_WIDE "))
    with pytest.raises(
        SceneError,
        match=r"cameras\.txt: line 4 \(camera 1\): MODEL: unknown camera model 'OPENCV_WIDE'",
    ):
        load_scannetpp(scene)


def test_unknown_binary_model_id_and_truncation_are_named(tmp_path):
    scene = scene_without_cameras(tmp_path)
    write_iphone(scene, pose(), binary=True)
    cameras = scene / "iphone" / "colmap" / "cameras.bin"
    data = bytearray(cameras.read_bytes())
    cameras.write_bytes(bytes(data[:-8]))
    with pytest.raises(SceneError, match=r"cameras\.bin: camera #0 \(id 1\): file ends early"):
        load_scannetpp(scene)
    data[12:16] = struct.pack("<i", 99)  # the model id
    cameras.write_bytes(bytes(data))
    with pytest.raises(SceneError, match=r"cameras\.bin: camera #0 \(id 1\): MODEL: unknown"):
        load_scannetpp(scene)
