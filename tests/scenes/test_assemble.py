"""The loaders' shared assembly: instances and frames the Scene would refuse are dropped and
reported, not a reason to lose the scan; the file helpers refuse FIFOs and measure bombs."""

import os

import numpy as np
import pytest
import trimesh
from scene_json_kit import HEIGHT, WIDTH, bomb_png, box_mesh

from spatialqa.errors import SceneError
from spatialqa.scenes.assemble import (
    LoadReport,
    RawFrame,
    assemble_scene,
    image_size,
    read_json,
    split_instances,
)
from spatialqa.scenes.camera import intrinsics, look_at
from spatialqa.scenes.scene import SceneObject


def test_loaders_drop_instances_the_scene_would_refuse():
    """A scan's degenerate fragment is dropped and reported, not a reason to lose the scan."""
    chair_v, chair_f = box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8])
    sliver_v = np.array([[1.0, 1.0, 0.0], [1.1, 1.2, 0.3], [1.2, 1.4, 0.6]])  # one line
    wall_v = np.array([[3.0, 0.0, 0.0], [3.0, 0.0, 1.0], [3.0, 0.0, 2.0]])  # zero extent on x, y
    vertices = np.concatenate([chair_v, sliver_v, wall_v])
    faces = np.concatenate([chair_f, [[8, 9, 10]], [[11, 12, 13]]])
    labels = np.array([1] * 8 + [2] * 3 + [3] * 3)
    report = LoadReport("test", "scan")
    objects, structure = split_instances(
        vertices, faces, labels, {1: "chair", 2: "sliver", 3: "wall"}, report
    )
    assert [obj.id for obj in objects] == [1]
    assert structure == []
    assert "1 instances without points dropped: 2 (sliver, no extent)" in report.warnings
    assert "structure 'wall' has no non-degenerate face; dropped" in report.warnings
    with pytest.raises(
        SceneError, match=r"^test scan: faces: vertex index out of range \(1\.\.14 for 14 "
    ):
        split_instances(vertices, faces + 1, labels, {1: "chair"}, LoadReport("test", "scan"))


def test_loaders_drop_skewed_frames_with_the_reason():
    chair_v, chair_f = box_mesh([0.0, 0.0, 0.4], [0.6, 0.6, 0.8])
    chair = SceneObject(1, "chair", mesh=trimesh.Trimesh(chair_v, chair_f, process=False))
    pose = look_at([0.0, -3.0, 1.5], [0.0, 0.0, 0.4])
    K = intrinsics(WIDTH, HEIGHT, 70.0)
    skewed = K.copy()
    skewed[0, 1] = 0.25
    raws = [
        RawFrame("good", 0.0, pose, K, WIDTH, HEIGHT),
        RawFrame("skewed", 1.0, pose, skewed, WIDTH, HEIGHT),
    ]
    report = LoadReport("test", "scan")
    scene = assemble_scene("scan", report, [chair], trajectories={"walk": raws})
    assert [frame.id for frame in scene.trajectory("walk").frames] == ["good"]
    (warning,) = report.warnings
    assert warning.startswith(
        "trajectory 'walk': 1 bad frames dropped: [\"skewed (frame 'skewed'.K:"
    )
    assert "skew must be 0 (got K[0][1] = 0.25)" in warning


def test_loader_helpers_refuse_fifos_and_measure_bombs(tmp_path):
    os.mkfifo(tmp_path / "segs.json")
    with pytest.raises(SceneError, match=r"segs\.json: cannot read JSON \(not a regular file\)$"):
        read_json(tmp_path / "segs.json")
    bomb_png(tmp_path / "color.png", 20_000, 10_000)  # 200 M: past PIL's error threshold
    assert image_size(tmp_path / "color.png") == (20_000, 10_000)
    assert image_size(tmp_path / "segs.json") is None
