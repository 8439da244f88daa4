import yaml

from spatialqa.pipelines.cli import main


def test_tasks_lists_the_registry(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in (
        "object_counting",
        "object_size_estimation",
        "object_abs_distance",
        "object_rel_direction_hard",
    ):
        assert name in out
    assert "mra" in out and "accuracy" in out


def test_a_bad_config_exits_2_naming_the_field(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("name: x\nscenes: [{procedural: {count: 1}}]\ntasks: [nope]\n")
    assert main(["build", str(config), "--out", str(tmp_path / "o")]) == 2
    assert "tasks[0]: unknown task 'nope'" in capsys.readouterr().err


def test_build_prints_where_the_data_is_and_the_counts(ray_local, tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "cli",
                "scenes": [{"procedural": {"count": 1, "seed": 0, "frames": 8}}],
                "tasks": [{"name": "object_abs_distance", "per_scene": 4}],
                "views": {"frames": 4},
                "render": {"width": 64, "height": 48},
            }
        )
    )
    out = tmp_path / "out"
    assert main(["build", str(config), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote 4 samples and 4 frames to {out}" in printed
    assert f"{out}/data/*.parquet" in printed
    assert "object_abs_distance       4" in printed
    assert "scenes built: 1, skipped: 0" in printed
