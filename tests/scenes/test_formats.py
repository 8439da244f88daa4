"""Detection, discovery, the `spatialqa scene` command and config sources for every loader."""

import numpy as np
import pytest
from dataset_kit import (
    write_arkitscenes,
    write_front3d,
    write_scannet,
    write_scannetpp,
)
from PIL import Image
from scene_compare_kit import assert_same_scene, files_of

from spatialqa.errors import ConfigError, SceneError
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.plan import scene_refs
from spatialqa.scenes.formats import detect_format, find_scenes, load_any
from spatialqa.scenes.io import load_scene, save_scene
from spatialqa.scenes.procedural import procedural_scene
from spatialqa.scenes.show import render_top_down


@pytest.fixture
def datasets(tmp_path):
    return {
        "scannet": write_scannet(tmp_path / "scannet"),
        "scannetpp": write_scannetpp(tmp_path / "scannetpp"),
        "arkitscenes": write_arkitscenes(tmp_path / "arkit"),
        "front3d": write_front3d(tmp_path / "front"),
    }


def test_formats_are_detected(datasets, tmp_path):
    for name, path in datasets.items():
        assert detect_format(path) == name
    save_scene(procedural_scene(0, 0, frames=2), tmp_path / "room")
    assert detect_format(tmp_path / "room") == "dir"
    with pytest.raises(SceneError, match="not a scene of any known format"):
        detect_format(tmp_path)


def test_scenes_are_found_below_a_root(datasets, tmp_path):
    refs = find_scenes(tmp_path / "scannet", "scannet")
    assert [(r.kind, r.name) for r in refs] == [("scannet", "scene0007_00")]
    refs = find_scenes(tmp_path / "arkit", "arkitscenes")
    assert [r.name for r in refs] == ["41254925"]
    refs = find_scenes(tmp_path / "front", "front3d")
    assert [(r.name, r.part) for r in refs] == [("house-1_LivingRoom-1", "LivingRoom-1")]
    assert refs[0].load().scene_id == "house-1_LivingRoom-1"


def test_config_sources_name_a_loader(datasets, tmp_path):
    config = parse_config(
        {
            "name": "scans",
            "scenes": [{"scannet": str(tmp_path / "scannet")}, {"front3d": str(tmp_path)}],
            "tasks": ["object_counting"],
        }
    )
    refs = scene_refs(config)
    assert [(r.kind, r.name) for r in refs] == [
        ("scannet", "scene0007_00"),
        ("front3d", "house-1_LivingRoom-1"),
    ]
    assert refs[0].load().scene_id == "scene0007_00"
    with pytest.raises(ConfigError, match=r"scenes\[0\]"):
        parse_config({"name": "x", "scenes": [{"scannet": "a", "dir": "b"}], "tasks": ["x"]})
    bad = parse_config(
        {"name": "x", "scenes": [{"arkitscenes": str(tmp_path)}], "tasks": ["object_counting"]}
    )
    with pytest.raises(ConfigError, match=r"scenes\[0\]\.arkitscenes: no arkitscenes scene"):
        scene_refs(bad)


def test_cli_validate_and_convert_round_trip(datasets, tmp_path, capsys):
    scan = datasets["scannet"]
    assert main(["scene", "validate", str(scan)]) == 0
    out = capsys.readouterr().out
    assert "scene scene0007_00: 2 objects" in out and "trajectory walkthrough: 2 frames" in out
    target = tmp_path / "converted"
    assert main(["scene", "convert", str(scan), "--to", str(target)]) == 0
    loaded = load_any(scan)
    assert_same_scene(loaded, load_scene(target))
    assert (target / "color" / "0.jpg").read_bytes() == (scan / "color" / "0.jpg").read_bytes()
    assert (target / "depth" / "15.png").is_file()
    # Converting again gives the same bytes.
    main(["scene", "convert", str(scan), "--to", str(tmp_path / "again")])
    assert files_of(target) == files_of(tmp_path / "again")


def test_annotated_boxes_survive_conversion(datasets, tmp_path):
    main(["scene", "convert", str(datasets["scannetpp"]), "--to", str(tmp_path / "pp")])
    original = load_any(datasets["scannetpp"])
    assert_same_scene(original, load_scene(tmp_path / "pp"))
    assert load_scene(tmp_path / "pp").object(3).annotated_box is not None


def test_cli_show_draws_a_procedural_room(tmp_path, capsys):
    save_scene(procedural_scene(0, 3, frames=8), tmp_path / "room")
    png = tmp_path / "map.png"
    assert main(["scene", "show", str(tmp_path / "room"), "--out", str(png)]) == 0
    assert f"map written to {png}" in capsys.readouterr().out
    image = np.asarray(Image.open(png).convert("RGB"))
    assert image.shape[1] == 1200 or image.shape[0] == 1200
    colors = {tuple(c) for c in image.reshape(-1, 3)[::7]}
    assert (238, 238, 232) in colors  # the footprint
    assert (220, 40, 40) in colors  # the walkthrough
    again = render_top_down(load_scene(tmp_path / "room"))
    assert np.array_equal(np.asarray(again), image)


def test_cli_reports_errors(tmp_path, capsys):
    assert main(["scene", "validate", str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["scene", "convert", str(tmp_path)]) == 2
    assert "--to DIR is required" in capsys.readouterr().err
