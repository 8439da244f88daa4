"""ARKitScenes: objects cut from the mesh by their boxes, world-to-camera .traj inverted."""

import numpy as np
import pytest
from dataset_kit import ARKIT_TIMES, CX, CY, PROBE, PROBE_PIXEL, write_arkitscenes

from spatialqa.errors import SceneError
from spatialqa.scenes.arkitscenes import load_arkitscenes


@pytest.fixture
def video(tmp_path):
    return write_arkitscenes(tmp_path)


def test_objects_are_the_mesh_inside_each_box(video):
    scene = load_arkitscenes(video)
    assert scene.scene_id == "41254925"
    assert {o.id: o.category for o in scene.objects} == {1: "chair", 2: "table"}
    chair = scene.object(1)
    assert np.allclose(chair.vertices.mean(axis=0), [2.0, 0.0, 0.5])
    assert np.allclose(np.ptp(chair.vertices, axis=0), [0.5, 0.5, 1.0])
    assert np.allclose(chair.annotated_box.extent, [0.52, 0.52, 1.02])
    assert [s.category for s in scene.structure] == ["unlabelled"]
    detail = scene.source.detail
    assert "1 instances without points dropped: 3 (tv_monitor)" in detail
    assert "no pose within 5 ms" in detail


def test_trajectory_timestamps_and_projection(video):
    frames = load_arkitscenes(video).trajectory("walkthrough").frames
    assert [f.t for f in frames] == list(ARKIT_TIMES)
    assert [f.id for f in frames] == ["6845.706", "6846.206"]
    assert frames[0].rgb == "41254925_frames/lowres_wide/41254925_6845.706.png"
    uv, z = frames[0].project(PROBE[None])
    assert np.allclose(uv[0], PROBE_PIXEL, atol=1e-4) and z[0] == pytest.approx(5.0)
    uv, _ = frames[1].project(np.array([[2.0, 0.0, 1.0]]))
    assert np.allclose(uv[0], [CX, CY], atol=1e-4)


def test_malformed_traj_is_named(video):
    (video / "41254925_frames" / "lowres_wide.traj").write_text("1 2 3\n")
    with pytest.raises(SceneError, match=r"lowres_wide\.traj: line 1: expected 7 columns"):
        load_arkitscenes(video)
