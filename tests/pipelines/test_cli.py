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
