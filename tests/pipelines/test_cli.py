import json
import subprocess
import sys

import yaml

from spatialqa.generators import all_tasks
from spatialqa.pipelines.cli import main

HEAVY = ("open3d", "plotly", "dash", "ray", "pyarrow", "trimesh", "matplotlib", "moderngl")
LAYERS = ("spatialqa.scenes", "spatialqa.oracle", "spatialqa.generators", "spatialqa.degradations")


def test_help_imports_nothing_heavy():
    """--help in a fresh interpreter loads no heavy library and no layer below pipelines."""
    probe = (
        "import json, sys\n"
        "from spatialqa.pipelines.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "{build,plan,export," in done.stdout
    loaded = json.loads(done.stderr.splitlines()[-1])
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(LAYERS)] == []


def test_tasks_lists_the_registry_each_task_with_an_example_or_its_hint(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # the listing's cache, not ~/.cache
    assert main(["tasks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: i for i, line in enumerate(lines) if line and line[0] != " "}
    for task in all_tasks():
        row = rows[task.name]
        assert lines[row].split()[1:4] == [task.family, task.answer_type, task.metric]
        example = lines[row + 1]
        if example.startswith("    e.g. "):
            assert len(example) > len("    e.g. ? -> 1"), task.name
        else:  # a task the example room cannot show says what it needs
            assert example == "    (no example: procedural room 0:0 gives it no question)"
            assert task.hint, f"{task.name}: no example and no hint"
        if task.hint:
            assert lines[row + 2] == f"    note: {task.hint}"
    assert "note: needs four categories" in lines[rows["obj_appearance_order"] + 2]


def test_a_bad_config_exits_2_naming_the_field(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("name: x\nscenes: [{procedural: {count: 1}}]\ntasks: [nope]\n")
    assert main(["build", str(config), "--out", str(tmp_path / "o")]) == 2
    assert f"{config}: tasks[0].name: unknown task 'nope'" in capsys.readouterr().err


def test_build_prints_where_the_data_is_and_the_counts(ray_local, tmp_path, capsys):
    import pyarrow.parquet as pq

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
    # The counts printed are those of the rows written (view selection may deliver fewer
    # than the 4 frames asked for, never none: a scene without views is skipped).
    samples = pq.read_table(out / "data").num_rows
    frames = pq.read_table(out / "frames").num_rows
    assert 1 <= samples <= 4 and 1 <= frames <= 4
    assert f"wrote {samples} samples and {frames} frames to {out}" in printed
    assert f"{out}/data/*.parquet" in printed and f"{out}/frames/*.parquet" in printed
    assert f"  object_abs_distance  {samples:>6}" in printed.splitlines()
    assert "scenes built: 1, skipped: 0" in printed


def test_an_unknown_scene_format_exits_2_naming_the_registered_ones(tmp_path, capsys):
    """--format has no fixed choices: the loader registry answers, so a new loader needs no
    CLI edit."""
    from spatialqa.scenes.formats import FORMATS

    assert main(["scene", "validate", str(tmp_path), "--format", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert f"unknown scene format 'nosuch' (known: {', '.join(FORMATS)})" in err
    assert {"dir", "scannet", "scannetpp", "arkitscenes", "front3d", "generic"} <= set(FORMATS)


def tiny_config(path, tasks: list[str], frames: int) -> str:
    path.write_text(
        yaml.safe_dump(
            {
                "name": "cli",
                "scenes": [{"procedural": {"count": 1, "seed": 0, "frames": 8}}],
                "tasks": [{"name": task, "per_scene": 2} for task in tasks],
                "views": {"frames": frames},
                "render": {"width": 64, "height": 48},
            }
        )
    )
    return str(path)


def test_a_task_without_a_sample_warns_with_its_hint_and_an_empty_build_exits_4(
    ray_local, tmp_path, capsys
):
    """One view: the camera-motion tasks compare two, so they yield nothing."""
    from spatialqa.generators.camera_motion import CAMERA_HINT

    config = tiny_config(tmp_path / "c.yaml", ["object_abs_distance", "camera_rotation"], 1)
    out = tmp_path / "out"
    assert main(["build", config, "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    warning = f"task camera_rotation yielded no sample in the 1 scene built; it {CAMERA_HINT}"
    assert f"spatialqa: warning: {warning}" in err.splitlines()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["empty_tasks"] == [{"task": "camera_rotation", "hint": CAMERA_HINT}]
    assert manifest["samples"] > 0

    config = tiny_config(tmp_path / "d.yaml", ["camera_rotation", "camera_displacement"], 1)
    assert main(["build", config, "--out", str(tmp_path / "empty"), "--quiet"]) == 4
    printed = capsys.readouterr()
    assert "wrote 0 samples" in printed.out
    assert printed.err.count("spatialqa: warning: task camera_") == 2
    assert printed.err.splitlines()[-1] == (
        "spatialqa: error: nothing written: no task yielded a sample in the 1 scene built "
        "(warnings above)"
    )


def test_a_build_of_no_scene_exits_4_saying_why(ray_local, tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(
        "name: x\nscenes: [{procedural: {count: 1}}]\ntasks: [object_counting]\n"
        "exclude: ['proc_0_0000']\n"
    )
    assert main(["build", str(config), "--out", str(tmp_path / "o"), "--quiet"]) == 4
    assert capsys.readouterr().err.splitlines()[-1] == (
        "spatialqa: error: nothing written: the config names no scene to build "
        "(1 left out by exclude:)"
    )


def test_plan_exact_warns_of_a_task_without_a_sample(tmp_path, capsys):
    config = tiny_config(tmp_path / "c.yaml", ["object_abs_distance", "camera_displacement"], 1)
    assert main(["plan", config, "--exact"]) == 0
    printed = capsys.readouterr()
    assert "  camera_displacement  = 0" in printed.out.splitlines()
    assert printed.err.startswith(
        "spatialqa: warning: task camera_displacement yielded no sample in the 1 scene asked; "
        "it compares two delivered views"
    )


def map_bytes(scene, path) -> bytes:
    """The top-down map of ``scene`` drawn through the library, to compare with the CLI's."""
    from spatialqa.scenes.show import save_top_down

    return save_top_down(scene, path).read_bytes()


def test_scene_show_draws_a_procedural_room_by_seed_and_index(tmp_path, capsys):
    from spatialqa.scenes import procedural_scene

    out = tmp_path / "map.png"
    assert main(["scene", "show", "procedural:3:2", "--out", str(out)]) == 0
    assert "scene proc_3_0002: " in capsys.readouterr().out
    assert out.read_bytes() == map_bytes(procedural_scene(3, 2), tmp_path / "expected.png")
    assert main(["scene", "show", "procedural:3", "--out", str(out)]) == 2
    assert "a procedural room is procedural:SEED:INDEX" in capsys.readouterr().err
    # convert writes it as a scene directory, which loads as the same room
    assert main(["scene", "convert", "procedural:3:2", "--to", str(tmp_path / "room")]) == 0
    assert main(["scene", "show", str(tmp_path / "room"), "--out", str(out)]) == 0
    assert out.read_bytes() == map_bytes(procedural_scene(3, 2), tmp_path / "expected.png")


def test_scene_show_finds_a_scene_of_a_built_output_from_its_manifest(
    ray_local, tmp_path, monkeypatch, capsys
):
    """A procedural room is made again from the recorded config (its frames too), a scene
    directory read from the folder the build read, even from another working directory."""
    from spatialqa.scenes import procedural_scene
    from spatialqa.scenes.formats import load_any
    from spatialqa.scenes.io import save_scene

    save_scene(procedural_scene(2, 1, frames=8), tmp_path / "work" / "scenes" / "kitchen")
    config = tmp_path / "work" / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "shown",
                "scenes": [
                    {"procedural": {"count": 2, "seed": 5, "frames": 8}},
                    {"dir": "scenes"},  # relative to the build's working directory
                ],
                "tasks": [{"name": "object_size_estimation", "per_scene": 1}],
                "views": {"frames": 2},
                "render": {"width": 64, "height": 48},
            }
        )
    )
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path / "work")
    assert main(["build", "c.yaml", "--out", str(out), "--quiet"]) == 0
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()

    shown = tmp_path / "room.png"
    assert main(["scene", "show", str(out), "proc_5_0001", "--out", str(shown)]) == 0
    expected = map_bytes(procedural_scene(5, 1, frames=8), tmp_path / "expected.png")
    assert shown.read_bytes() == expected
    for name in ("proc_2_0001", "kitchen"):  # the scene's id, or its name in the plan
        assert main(["scene", "show", str(out), name, "--out", str(shown)]) == 0
        scene = load_any(tmp_path / "work" / "scenes" / "kitchen")
        assert shown.read_bytes() == map_bytes(scene, tmp_path / "expected.png")
    assert main(["scene", "validate", str(out), "proc_5_0000"]) == 0
    assert "scene proc_5_0000: " in capsys.readouterr().out

    assert main(["scene", "show", str(out), "proc_5_0002", "--out", str(shown)]) == 2
    err = capsys.readouterr().err
    assert f"{out}: no scene 'proc_5_0002' in this build; did you mean" in err
    assert "(its scenes: proc_2_0001, proc_5_0000, proc_5_0001)" in err
    assert main(["scene", "show", str(out), "--out", str(shown)]) == 2
    assert "a built dataset; name one of its scenes" in capsys.readouterr().err
    (tmp_path / "work" / "scenes" / "kitchen").rename(tmp_path / "work" / "moved")
    assert main(["scene", "show", str(out), "kitchen", "--out", str(shown)]) == 2
    assert "which is no longer there" in capsys.readouterr().err
