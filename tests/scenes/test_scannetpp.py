"""ScanNet++: per-vertex segments, annotated OBBs kept, iPhone (pose_intrinsic_imu.json) and DSLR
(transforms_undistorted.json, OpenGL camera and swapped world axes undone) trajectories.

Camera models, COLMAP and undistortion to the pixel: test_scannetpp_cameras.py."""

import json

import numpy as np
import pytest
from dataset_kit import CX, CY, PROBE, PROBE_PIXEL, TABLE_AXES, write_scannetpp

from spatialqa.errors import SceneError
from spatialqa.scenes.scannetpp import load_scannetpp


@pytest.fixture
def scene_dir(tmp_path):
    return write_scannetpp(tmp_path)


def test_objects_boxes_and_report(scene_dir):
    scene = load_scannetpp(scene_dir)
    assert scene.scene_id == "0a5c013435"
    assert {o.id: o.category for o in scene.objects} == {2: "office chair", 3: "kitchen table"}
    assert [s.category for s in scene.structure] == ["floor", "unlabelled"]
    chair, table = scene.object(2), scene.object(3)
    assert np.allclose(chair.vertices.mean(axis=0), [2.0, 0.0, 0.5])  # +x stays +x
    assert chair.annotated_box is None
    box = table.annotated_box
    # normalizedAxes rows are the axes: the first box axis is (cos 30, sin 30, 0).
    assert np.allclose(box.rotation[:, 0], TABLE_AXES[0])
    assert np.allclose(box.rotation, TABLE_AXES.T)
    assert np.array_equal(box.extent, [1.3, 0.9, 0.8])
    assert np.array_equal(box.center, [0.0, 2.0, 0.375])
    detail = scene.source.detail
    assert "1 instances without points dropped: 7 (lamp)" in detail
    assert "1 bad frames dropped: ['frame_000060 (pose not finite)']" in detail


def test_iphone_trajectory(scene_dir):
    frames = load_scannetpp(scene_dir).trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["frame_000000", "frame_000030"]
    assert [f.t for f in frames] == [0.0, 0.5]  # frame numbers at the assumed 60 Hz
    assert frames[0].rgb == "iphone/rgb/frame_000000.jpg"
    assert frames[0].depth == "iphone/depth/frame_000000.png"
    uv, z = frames[0].project(PROBE[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-6) and z[0] == pytest.approx(5.0)


def test_iphone_timestamps_are_used_when_present(scene_dir):
    path = scene_dir / "iphone" / "pose_intrinsic_imu.json"
    entries = json.loads(path.read_text())
    entries["frame_000000"]["timestamp"] = 12.25
    entries["frame_000030"]["timestamp"] = 12.75
    path.write_text(json.dumps(entries))
    frames = load_scannetpp(scene_dir).trajectory("walkthrough").frames
    assert [f.t for f in frames] == [12.25, 12.75]


def test_dslr_opengl_poses_are_converted(scene_dir):
    scene = load_scannetpp(scene_dir, camera="dslr")
    frames = scene.trajectory("walkthrough").frames
    assert [f.id for f in frames] == ["DSC00002", "DSC00005"]
    assert [f.t for f in frames] == [0.0, 1.0]
    uv, z = frames[0].project(PROBE[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-6) and z[0] == pytest.approx(5.0)
    uv, _ = frames[1].project(np.array([[2.0, 0.0, 1.0]]))
    assert np.allclose(uv[0], [CX, CY], atol=1e-6)
    assert "DSC00009 (flagged is_bad)" in scene.source.detail


def test_bad_annotation_is_named(scene_dir):
    (scene_dir / "scans" / "segments_anno.json").write_text('{"segGroups": [{"label": "x"}]}')
    with pytest.raises(SceneError, match=r"segments_anno\.json: segGroups\[0\]: needs objectId"):
        load_scannetpp(scene_dir)
