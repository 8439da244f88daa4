"""Build configs: the examples load; errors name the file and the field; configs that would take
a build down before it starts (alias bombs, huge values, bad bytes, unknown degradations,
repeated tasks, sizes no renderer can draw) are short ConfigErrors found in well under a second."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from spatialqa.degradations.registry import DEGRADATIONS
from spatialqa.errors import ConfigError
from spatialqa.pipelines.config import load_config, parse_config
from spatialqa.pipelines.plan import fingerprint, instantiate_tasks, plan

BASE = {"name": "t", "scenes": [{"procedural": {"count": 3}}], "tasks": ["object_counting"]}


BASE_YAML = "name: t\nscenes: [{procedural: {count: 3}}]\ntasks: [object_counting]\n"


# "billion laughs": 9 lists of 9 aliases each, 9**9 strings once expanded, in 400-odd bytes
LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + LAUGHS


def error_of(data: object) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, "c.yaml")
    return str(info.value)


def load_error(path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


@pytest.mark.parametrize("path", sorted(Path("examples").glob("*.yaml")), ids=str)
def test_every_example_config_is_valid(path):
    config = load_config(path)
    assert plan(config)
    instantiate_tasks(config)


def test_errors_name_the_file_and_the_field():
    assert (
        error_of({**BASE, "colour": 1}) == "c.yaml: colour: Extra inputs are not permitted (got 1)"
    )
    assert "c.yaml: scenes[0].procedural.count" in error_of(
        {**BASE, "scenes": [{"procedural": {"count": 0}}]}
    )
    message = error_of({**BASE, "degradations": [{"type": "jpeg", "severities": [7]}]})
    assert message == "c.yaml: degradations[0]: 'severity' must be int in 1..5 (got [7])"


def test_abstention_is_off_on_or_a_share():
    assert parse_config({**BASE, "abstention": False}).abstention_share == 0.0
    assert parse_config({**BASE, "abstention": True}).abstention_share == 0.1
    assert parse_config({**BASE, "abstention": {"share": 0.3}}).abstention_share == 0.3
    assert error_of({**BASE, "abstention": {"share": 1}}) == (
        "c.yaml: abstention: share: Input should be less than 1 (got 1)"
    )


def test_unknown_task_and_params_are_named_with_the_file(tmp_path):
    assert error_of({**BASE, "tasks": ["object_counting", "object_countin"]}) == (
        "c.yaml: tasks[1].name: unknown task 'object_countin'; did you mean "
        "'object_counting'? (spatialqa tasks lists them)"
    )
    bad_params = {**BASE, "tasks": [{"name": "object_counting", "params": {"tau": 1}}]}
    assert error_of(bad_params).startswith("c.yaml: tasks[0].params: unknown ['tau'] (expected")
    path = tmp_path / "config.yaml"
    path.write_text(BASE_YAML.replace("[object_counting]", "[object_counting, 3d_boxes, x]"))
    assert load_error(path) == (  # every unknown name, one a line; no suggestion for 'x'
        f"{path}: tasks[1].name: unknown task '3d_boxes' (spatialqa tasks lists them)\n"
        f"{path}: tasks[2].name: unknown task 'x' (spatialqa tasks lists them)"
    )


def task_error(name: str, **params: object) -> str:
    return error_of({**BASE, "tasks": ["object_counting", {"name": name, "params": params}]})


def test_task_params_errors_name_the_task_s_place_and_the_param():
    """Each way a task refuses its params (its own checks, the shared balance caps, a value of
    the wrong type) is named as tasks[i].params.FIELD, whatever the task's message said."""
    assert task_error("object_abs_distance", method="nearest") == (
        "c.yaml: tasks[1].params.method: must be one of ('closest', 'centroid', 'vsi_grid') "
        "(got 'nearest')"
    )
    assert task_error("object_size_estimation", category_share=2) == (
        "c.yaml: tasks[1].params.category_share: must be in (0, 1] (got 2)"
    )
    assert task_error("ego_relation", variant="4d") == (
        "c.yaml: tasks[1].params.variant: must be '3d' or '2d' (got '4d')"
    )
    # types: a shard would fail comparing 'a' with a margin, in every scene of the build
    assert task_error("obj_appearance_order", min_gap_s="a") == (
        "c.yaml: tasks[1].params.min_gap_s: must be a number, like the default 1.0 (got 'a')"
    )
    assert task_error("object_counting_mc", min_count=2.5, pair_share="x") == (
        "c.yaml: tasks[1].params.min_count: must be an integer, like the default 2 (got 2.5)\n"
        "c.yaml: tasks[1].params.pair_share: must be a number, like the default 0.25 (got 'x')"
    )
    assert task_error("occlusion", hard_negatives=1) == (
        "c.yaml: tasks[1].params.hard_negatives: must be true or false, like the default True "
        "(got 1)"
    )
    assert task_error("action_consequence", turns_deg=[30, "x"]) == (
        "c.yaml: tasks[1].params.turns_deg: must be a list, each a number, like the default "
        "[30.0, 45.0, 60.0, 90.0] (got [30, 'x'])"
    )
    # what the types allow is then the task's to check: an int for a float, a list for a tuple
    config = parse_config(
        {**BASE, "tasks": [{"name": "action_consequence", "params": {"turns_deg": [30, 45]}}]}
    )
    ((task, _),) = instantiate_tasks(config)
    assert list(task.params.turns_deg) == [30, 45]


def test_a_config_remembers_its_file_for_later_errors(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BASE_YAML)
    assert load_config(path).source == str(path)
    assert parse_config(BASE).source == "config"
    assert parse_config(BASE, "c.yaml").model_copy().source == "c.yaml"


def test_an_alias_bomb_is_refused_at_once_with_a_short_message(tmp_path):
    for where in ("top", "scenes", "tasks"):
        if where == "top":
            text = BASE_YAML + BOMB
        else:  # the expanded value is the field's own: validation would walk all of it
            text = f"name: t\n{BOMB}scenes: *i\ntasks: *i\n"
        path = tmp_path / f"{where}.yaml"
        path.write_text(text)
        assert len(text.encode()) < 600
        start = time.perf_counter()
        message = load_error(path)
        assert time.perf_counter() - start < 1.0
        assert message.startswith(f"{path}: ") and "alias" in message
        assert len(message) < 200 + len(str(path))


def test_too_many_aliases_and_a_recursive_alias_are_refused(tmp_path):
    many = tmp_path / "many.yaml"
    many.write_text(BASE_YAML + "x: &x 1\nys: [" + ", ".join(["*x"] * 101) + "]\n")
    assert load_error(many) == (f"{many}: more than 100 YAML aliases (*name); write values out")
    looped = tmp_path / "looped.yaml"
    looped.write_text(BASE_YAML + "x: &x [1, *x]\n")
    assert load_error(looped) == (
        f"{looped}: a YAML alias refers to its own anchor (a recursive document)"
    )
    deep = tmp_path / "deep.yaml"
    deep.write_text(BASE_YAML + "x: " + "[" * 3000 + "]" * 3000 + "\n")
    assert load_error(deep) == f"{deep}: nested deeper than 64 levels"


def test_a_few_anchors_and_merge_keys_still_load(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "name: anchors\n"
        "scenes:\n"
        "  - procedural: &rooms {count: 2, seed: 1, frames: 12}\n"
        "  - procedural: {<<: *rooms, seed: 2}\n"
        "tasks: [object_counting]\n"
        "degradations:\n"
        "  - clean\n"
        "  - {type: jpeg, severities: &sev [1, 3]}\n"
        "  - {type: haze, severities: *sev}\n"
    )
    config = load_config(path)
    rooms = [source.procedural for source in config.scenes]
    assert [(r.count, r.seed, r.frames) for r in rooms] == [(2, 1, 12), (2, 2, 12)]
    variants = [v for spec in config.degradations for v in spec.variants]
    assert variants == [("clean", 0), ("jpeg", 1), ("jpeg", 3), ("haze", 1), ("haze", 3)]


def test_an_offending_value_is_echoed_as_a_short_excerpt(tmp_path):
    message = error_of({**BASE, "seed": "x" * 1_000_000})
    head = "c.yaml: seed: Input should be a valid integer, unable to parse string as an integer"
    assert message.startswith(head + " (got 'xxx") and message.endswith("xxx')")
    assert "..." in message
    assert len(message) <= len(head) + 90
    message = error_of({**BASE, "colour": list(range(1_000_000))})
    assert message == "c.yaml: colour: Extra inputs are not permitted (got [0, 1, 2, 3, 4, 5, ...])"
    # a shared nested list (what an alias makes), 9**7 values deep inside the echo
    lol: object = ["lol"] * 9
    for _ in range(7):
        lol = [lol] * 9
    start = time.perf_counter()
    message = error_of({**BASE, "abstention": lol})
    assert time.perf_counter() - start < 1.0
    assert message.startswith("c.yaml: abstention: must be true, false or {share: S}")
    assert len(message) < 200
    # the same from a file: a 2 MB string in one field
    path = tmp_path / "long.yaml"
    path.write_text(BASE_YAML + "views: {frames: " + "9" * 2_000_000 + "}\n")
    assert len(load_error(path)) < 300 + len(str(path))


def test_bytes_that_are_not_utf8_text_are_named_by_offset(tmp_path):
    data = b"name: caf\xe9\nscenes: [{procedural: {count: 3}}]\ntasks: [object_counting]\n"
    path = tmp_path / "latin1.yaml"
    path.write_bytes(data)
    offset = data.index(0xE9)
    assert load_error(path) == f"{path}: not UTF-8 text (byte 0xe9 at offset {offset})"
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbf" + BASE_YAML.encode())
    assert load_config(bom).name == "t"


def test_missing_empty_folder_unreadable_and_oversized_files_are_config_errors(tmp_path):
    assert load_error(tmp_path / "absent.yaml") == f"{tmp_path / 'absent.yaml'}: file not found"
    assert load_error(tmp_path) == f"{tmp_path}: is a directory, not a config file"
    for name, text in (("empty.yaml", ""), ("comments.yaml", "# nothing here\n\n")):
        path = tmp_path / name
        path.write_text(text)
        assert load_error(path) == (
            f"{path}: empty; a build config is a mapping with name, scenes and tasks"
        )
    big = tmp_path / "big.yaml"
    big.write_text(BASE_YAML + "#" * (5 * 1024 * 1024) + "\n")
    assert load_error(big) == f"{big}: larger than 4194304 bytes; not a build config"
    if os.geteuid() != 0:  # root reads everything
        locked = tmp_path / "locked.yaml"
        locked.write_text(BASE_YAML)
        locked.chmod(0)
        try:
            assert load_error(locked) == f"{locked}: cannot be read (permission denied)"
        finally:
            locked.chmod(0o600)


def test_scalars_yaml_cannot_build_are_config_errors(tmp_path):
    for number, value in enumerate(("2001-13-45", "9" * 5000)):
        path = tmp_path / f"scalar{number}.yaml"
        path.write_text(BASE_YAML + f"when: {value}\n")
        message = load_error(path)
        assert message.startswith(f"{path}: not valid YAML (") and len(message) < 500


def test_an_unknown_degradation_type_is_the_error_not_its_severities():
    known = ", ".join(["clean", *sorted(DEGRADATIONS)])
    assert error_of({**BASE, "degradations": ["clean", "hazee"]}) == (
        f"c.yaml: degradations[1].type: unknown degradation 'hazee' (known: {known}); "
        "did you mean 'haze'?"
    )
    message = error_of({**BASE, "degradations": [{"type": "sepia", "severities": [2]}]})
    assert message == f"c.yaml: degradations[0].type: unknown degradation 'sepia' (known: {known})"
    # a known type without severities still says what it needs
    assert error_of({**BASE, "degradations": ["haze"]}) == (
        "c.yaml: degradations[0]: 'haze' needs severities, e.g. [1, 3, 5]"
    )


def test_a_task_or_a_variant_given_twice_is_an_error_naming_both_places():
    tasks = ["object_counting", "object_abs_distance", {"name": "object_counting", "per_scene": 2}]
    assert error_of({**BASE, "tasks": tasks}) == (
        "c.yaml: tasks[2]: 'object_counting' is already tasks[0]; give each task once"
    )
    twice = [{"type": "jpeg", "severities": [1, 3]}, "clean", {"type": "jpeg", "severities": [3]}]
    assert error_of({**BASE, "degradations": twice}) == (
        "c.yaml: degradations[2]: jpeg severity 3 is already in degradations[0]; "
        "give each variant once"
    )
    assert error_of({**BASE, "degradations": ["clean", "clean"]}) == (
        "c.yaml: degradations[1]: clean is already in degradations[0]; give each variant once"
    )
    assert error_of({**BASE, "degradations": [{"type": "jpeg", "severities": [2, 2]}]}) == (
        "c.yaml: degradations[0]: severities given twice: [2]; give each once"
    )


def rooms(**fields: int) -> dict:
    return {"scenes": [{"procedural": {"count": 2, **fields}}]}


@pytest.mark.parametrize(
    ("change", "field", "bound"),
    [
        (rooms(count=10**9), "scenes[0].procedural.count", 1_000_000),
        (rooms(frames=10**6), "scenes[0].procedural.frames", 10_000),
        (rooms(seed=2**63), "scenes[0].procedural.seed", 2**63 - 1),
        ({"views": {"frames": 20_000}}, "views.frames", 10_000),
        ({"tasks": [{"name": "t", "per_scene": 10**7}]}, "tasks[0].per_scene", 10_000),
        ({"output": {"rows_per_shard": 10**8}}, "output.rows_per_shard", 100_000),
        ({"ray": {"num_cpus": 10**6}}, "ray.num_cpus", 1024),
        ({"seed": 2**63}, "seed", 2**63 - 1),
    ],
)
def test_numbers_that_would_exhaust_memory_are_bounded(change, field, bound):
    message = error_of({**BASE, **change})
    assert message.startswith(f"c.yaml: {field}: Input should be less than or equal to {bound}")


def test_seeds_fit_int64_and_rooms_are_bounded_over_all_sources():
    assert parse_config({**BASE, "seed": 2**63 - 1}).seed == 2**63 - 1
    assert error_of({**BASE, "seed": -1}) == (
        "c.yaml: seed: Input should be greater than or equal to 0 (got -1)"
    )
    assert parse_config({**BASE, "scenes": [{"procedural": {"count": 10**6}}]})
    two = [{"procedural": {"count": 600_000, "seed": s}} for s in (1, 2)]
    assert error_of({**BASE, "scenes": two}) == (
        "c.yaml: scenes: 1200000 procedural rooms in all; a build holds at most 1000000"
    )


def test_render_sizes_beyond_the_limits_are_refused():
    assert error_of({**BASE, "render": {"width": 100_000}}) == (
        "c.yaml: render.width: 100000 is above limits.max_image_side (8192)"
    )
    assert error_of({**BASE, "render": {"width": 640, "height": 9000}}) == (
        "c.yaml: render.height: 9000 is above limits.max_image_side (8192)"
    )
    assert error_of({**BASE, "render": {"width": 8000, "height": 6000}}) == (
        f"c.yaml: render.width: 8000 x 6000 = {8000 * 6000} pixels is above "
        "limits.max_image_pixels (40000000)"
    )
    roomy = {"max_image_side": 10_000, "max_image_pixels": 60_000_000}
    config = parse_config({**BASE, "render": {"width": 8000, "height": 6000}, "limits": roomy})
    assert (config.render.width, config.render.height) == (8000, 6000)
    small = {"max_image_side": 64}
    assert error_of({**BASE, "render": {"width": 64, "height": 80}, "limits": small}) == (
        "c.yaml: render.height: 80 is above limits.max_image_side (64)"
    )


def test_the_limits_section_is_parsed_and_bad_limits_are_refused(tmp_path):
    config = parse_config({**BASE, "limits": {"max_objects": 50, "shard_timeout_s": 60}})
    assert (config.limits.max_objects, config.limits.shard_timeout_s) == (50, 60.0)
    assert (config.limits.max_image_side, config.limits.max_image_pixels) == (8192, 40_000_000)
    assert (config.limits.max_vertices, config.limits.max_shard_memory_gib) == (20_000_000, 8.0)
    assert parse_config(BASE).limits == config.limits.model_copy(
        update={"max_objects": 2000, "shard_timeout_s": 1800.0}
    )
    assert error_of({**BASE, "limits": {"max_objects": 0}}) == (
        "c.yaml: limits.max_objects: Input should be greater than or equal to 1 (got 0)"
    )
    assert error_of({**BASE, "limits": {"max_shard_memory_gib": -1}}) == (
        "c.yaml: limits.max_shard_memory_gib: Input should be greater than 0 (got -1)"
    )
    assert error_of({**BASE, "limits": {"max_pixels": 5}}) == (
        "c.yaml: limits.max_pixels: Extra inputs are not permitted (got 5)"
    )
    assert error_of({**BASE, "limits": {"shard_timeout_s": 1e300}}) == (
        "c.yaml: limits.shard_timeout_s: must be at most 2592000 s, 30 days (got 1e+300)"
    )
    path = tmp_path / "inf.yaml"
    path.write_text(BASE_YAML + "limits: {shard_timeout_s: .inf, max_shard_memory_gib: .nan}\n")
    assert load_error(path) == (
        f"{path}: limits.max_shard_memory_gib: Input should be a finite number (got nan)\n"
        f"{path}: limits.shard_timeout_s: Input should be a finite number (got inf)"
    )


def test_max_keyframes_is_a_scene_limit_left_out_of_the_config_hash_at_its_default():
    config = parse_config(BASE)
    assert config.limits.max_keyframes == 1000 and config.limits.scene.max_keyframes == 1000
    # at its default the dump (and so the hash every row id holds) is the one it was before
    assert "max_keyframes" not in config.model_dump(mode="json")["limits"]
    few = parse_config({**BASE, "limits": {"max_keyframes": 5}})
    assert few.limits.scene.max_keyframes == 5
    assert few.model_dump(mode="json")["limits"]["max_keyframes"] == 5
    assert fingerprint(few) != fingerprint(config)
    assert parse_config({**BASE, "limits": {"max_keyframes": 0}}).limits.max_keyframes == 0
    assert error_of({**BASE, "limits": {"max_keyframes": -1}}) == (
        "c.yaml: limits.max_keyframes: Input should be greater than or equal to 0 (got -1)"
    )


def test_the_framing_rule_is_on_by_default_and_spelled_out_or_turned_off():
    from spatialqa.pipelines.config import FramingSpec

    rule = parse_config(BASE).views.framing
    assert rule == FramingSpec(max_structure_share=0.6, min_objects=2, scans=False)
    assert rule.applies_to("procedural") and not rule.applies_to("scannet")
    assert FramingSpec(scans=True).applies_to("scannet")
    assert parse_config({**BASE, "views": {"framing": True}}).views.framing == rule
    assert parse_config({**BASE, "views": {"framing": False}}).views.framing is None
    given = {"max_structure_share": 0.5, "min_objects": 3, "scans": True}
    assert parse_config({**BASE, "views": {"framing": given}}).views.framing == FramingSpec(**given)
    dumped = parse_config({**BASE, "views": {"framing": given}}).model_dump(mode="json")
    assert parse_config(dumped).views.framing == FramingSpec(**given)


@pytest.mark.parametrize(
    ("framing", "message"),
    [
        ({"max_structure": 0.5}, "views.framing.max_structure: Extra inputs are not permitted"),
        (
            {"max_structure_share": 1.5},
            "views.framing.max_structure_share: Input should be less than or equal to 1",
        ),
        ({"min_objects": -1}, "views.framing.min_objects: Input should be greater than or equal"),
        ("yes", "views.framing: must be true, false or {max_structure_share: S, min_objects: N"),
    ],
)
def test_framing_errors_name_the_field(framing, message):
    assert error_of({**BASE, "views": {"framing": framing}}).startswith(f"c.yaml: {message}")


def test_errors_found_when_the_build_is_planned_name_the_file_too(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BASE_YAML.replace("{procedural: {count: 3}}", f"{{dir: {tmp_path / 'no'}}}"))
    with pytest.raises(ConfigError) as info:
        plan(load_config(path))
    assert str(info.value) == f"{path}: scenes[0].dir: not a directory: {tmp_path / 'no'}"
    (tmp_path / "empty").mkdir()
    path.write_text(BASE_YAML.replace("{procedural: {count: 3}}", f"{{dir: {tmp_path / 'empty'}}}"))
    with pytest.raises(ConfigError, match=rf"^{path}: scenes\[0\]\.dir: no scene\.json below "):
        plan(load_config(path))


def runtime_env_yaml(tmp_path, runtime_env: str) -> Path:
    """``BASE_YAML`` with ``ray: {runtime_env: ...}``, in ``tmp_path/cfg/config.yaml``."""
    (tmp_path / "cfg").mkdir(exist_ok=True)
    path = tmp_path / "cfg" / "config.yaml"
    path.write_text(BASE_YAML + f"ray: {{runtime_env: {runtime_env}}}\n")
    return path


def test_runtime_env_paths_are_made_absolute_from_the_config_s_folder(tmp_path, monkeypatch):
    (tmp_path / "mods" / "pkg").mkdir(parents=True)
    (tmp_path / "one.py").write_text("")
    (tmp_path / "cfg" / "reqs").mkdir(parents=True)
    (tmp_path / "cfg" / "reqs" / "requirements.txt").write_text("numpy\n")
    monkeypatch.chdir(tmp_path / "mods")  # the working directory is not where paths start
    path = runtime_env_yaml(
        tmp_path,
        "{py_modules: [../mods/pkg, ../one.py, 's3://bucket/m.zip'], working_dir: ../mods, "
        "pip: reqs/requirements.txt, excludes: ['*.pyc'], env_vars: {A: '1'}, "
        "config: {setup_timeout_seconds: 60}}",
    )
    assert load_config(path).ray.ray_runtime_env == {
        "py_modules": [
            str(tmp_path / "mods" / "pkg"),
            str(tmp_path / "one.py"),
            "s3://bucket/m.zip",
        ],
        "working_dir": str(tmp_path / "mods"),
        "pip": str(tmp_path / "cfg" / "reqs" / "requirements.txt"),
        "excludes": ["*.pyc"],
        "env_vars": {"A": "1"},
        "config": {"setup_timeout_seconds": 60},
    }
    # a mapping has no file: its paths start from the working directory
    config = parse_config({**BASE, "ray": {"runtime_env": {"py_modules": ["pkg"]}}})
    assert config.ray.ray_runtime_env == {"py_modules": [str(tmp_path / "mods" / "pkg")]}
    assert parse_config(BASE).ray.ray_runtime_env is None


@pytest.mark.parametrize(
    ("runtime_env", "message"),
    [
        (
            "{pyModules: [x]}",
            "ray.runtime_env.pyModules: unknown runtime_env key (known: working_dir, py_modules, "
            "excludes, pip, uv, conda, env_vars, config); did you mean 'py_modules'?",
        ),
        ("{image_uri: x}", "ray.runtime_env.image_uri: not taken by a build config (it takes"),
        ("[x]", "ray.runtime_env: must be a mapping of Ray's runtime_env keys"),
        ("{py_modules: x}", "ray.runtime_env.py_modules: must be a list of package folders"),
        ("{env_vars: {OMP_NUM_THREADS: 4}}", "ray.runtime_env.env_vars.OMP_NUM_THREADS: names"),
        ("{pip: [numpy, 3]}", "ray.runtime_env.pip[1]: must be a requirement as text (got 3)"),
        ("{pip: [numpy], conda: base}", "ray.runtime_env.conda: give one of pip, uv, conda"),
        ("{config: {eager: true}}", "ray.runtime_env.config.eager: Extra inputs are not permitted"),
    ],
)
def test_runtime_env_errors_name_the_file_and_the_key(tmp_path, runtime_env, message):
    path = runtime_env_yaml(tmp_path, runtime_env)
    assert load_error(path).startswith(f"{path}: {message}")


def test_a_runtime_env_path_that_is_not_there_is_named_where_it_was_looked_for(tmp_path):
    path = runtime_env_yaml(tmp_path, "{py_modules: [mods/pkg]}")
    missing = tmp_path / "cfg" / "mods" / "pkg"
    assert load_error(path) == (
        f"{path}: ray.runtime_env.py_modules[0]: {missing}: not found "
        f"('mods/pkg' from the folder {tmp_path / 'cfg'})"
    )
    (tmp_path / "cfg" / "notes.md").write_text("")
    path = runtime_env_yaml(tmp_path, "{working_dir: notes.md}")
    assert load_error(path) == (
        f"{path}: ray.runtime_env.working_dir: {tmp_path / 'cfg' / 'notes.md'}: must be a folder "
        "or a file ending .zip"
    )


def test_runtime_env_changes_neither_the_config_hash_nor_the_recorded_config(tmp_path):
    """It says where the code is on this machine, not what the build makes."""
    (tmp_path / "pkg").mkdir()
    plain = parse_config(BASE)
    given = parse_config({**BASE, "ray": {"runtime_env": {"py_modules": [str(tmp_path / "pkg")]}}})
    assert given.ray.runtime_env is not None
    assert fingerprint(given) == fingerprint(plain)
    assert given.model_dump(mode="json") == plain.model_dump(mode="json")
    assert plain.model_dump(mode="json")["ray"] == {"num_cpus": None}  # as before the key
