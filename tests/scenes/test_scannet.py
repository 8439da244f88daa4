"""ScanNet v2: labels through the TSV, axis alignment, SensReader frames, bad input reported."""

import numpy as np
import pytest
from dataset_kit import CX, CY, PROBE, PROBE_PIXEL, SCANNET_ALIGN, write_scannet

from spatialqa.errors import SceneError
from spatialqa.scenes.scannet import load_scannet


def aligned(point):
    return SCANNET_ALIGN[:3, :3] @ np.asarray(point, float) + SCANNET_ALIGN[:3, 3]


@pytest.fixture
def scan(tmp_path):
    return write_scannet(tmp_path)


def test_objects_and_categories(scan):
    scene = load_scannet(scan)
    assert scene.scene_id == "scene0007_00"
    assert {obj.id: obj.category for obj in scene.objects} == {1: "chair", 2: "table"}
    assert [part.category for part in scene.structure] == ["floor", "unlabelled"]
    assert scene.source.kind == "scannet"
    detail = scene.source.detail
    assert "axisAlignment applied" in detail
    assert "1 instances without points dropped: 9 (lamp)" in detail
    assert "8 unlabelled vertices (12 faces) kept as structure 'unlabelled'" in detail
    assert "1 bad frames dropped: ['000030 (pose not finite)']" in detail


def test_axis_alignment_moves_the_chair(scan):
    chair = load_scannet(scan).object(1)
    # Source +x (2, 0, 0.5) turns a quarter about z to (0, 2, 0.5), then shifts by (1, 2, 0).
    assert np.allclose(chair.vertices.mean(axis=0), [1.0, 4.0, 0.5])
    assert np.allclose(aligned([2.0, 0.0, 0.5]), [1.0, 4.0, 0.5])
    assert np.allclose(np.ptp(chair.vertices, axis=0), [0.5, 0.5, 1.0])


def test_floor_height_and_frames(scan):
    scene = load_scannet(scan)
    assert scene.floor_z == pytest.approx(-0.05)
    frames = scene.trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["000000", "000015"]
    assert [f.t for f in frames] == [0.0, 0.5]  # 30 Hz assumed
    assert (frames[0].rgb, frames[0].depth) == ("color/0.jpg", "depth/0.png")
    assert (frames[0].width, frames[0].height) == (640, 480)
    uv, z = frames[0].project(aligned(PROBE)[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-3) and z[0] == pytest.approx(5.0, abs=1e-5)
    uv, _ = frames[1].project(aligned([2.0, 0.0, 1.0])[None])
    assert np.allclose(uv[0], [CX, CY], atol=1e-3)


def test_missing_files_are_named(scan):
    (scan / "scene0007_00.aggregation.json").unlink()
    with pytest.raises(SceneError, match=r"scene0007_00\.aggregation\.json: file not found"):
        load_scannet(scan)


def test_segments_must_match_the_mesh(scan):
    (scan / "scene0007_00_vh_clean_2.0.010000.segs.json").write_text('{"segIndices": [1, 2]}')
    with pytest.raises(SceneError, match=r"segIndices has 2 entries for 32 mesh vertices"):
        load_scannet(scan)
