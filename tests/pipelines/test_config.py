import sys
from pathlib import Path

import pytest

from spatialqa.errors import ConfigError
from spatialqa.pipelines.config import load_config, parse_config
from spatialqa.pipelines.plan import fingerprint, instantiate_tasks, plan

BASE = {"name": "t", "scenes": [{"procedural": {"count": 3}}], "tasks": ["object_counting"]}


def error_of(data):
    with pytest.raises(ConfigError) as info:
        parse_config(data, "c.yaml")
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


def test_unknown_task_and_params_are_named():
    with pytest.raises(
        ConfigError,
        match=r"tasks\[0\]: unknown task 'object_countin'; did you mean 'object_counting'",
    ):
        instantiate_tasks(parse_config({**BASE, "tasks": ["object_countin"]}))
    bad_params = {**BASE, "tasks": [{"name": "object_counting", "params": {"tau": 1}}]}
    with pytest.raises(ConfigError, match=r"params: unknown \['tau'\]"):
        instantiate_tasks(parse_config(bad_params))


def test_the_plan_depends_on_the_config_only():
    config = parse_config(BASE)
    assert [s.scene.name for s in plan(config)] == ["proc_0_0000", "proc_0_0001", "proc_0_0002"]
    assert plan(config, limit=2) == plan(config)[:2]
    assert fingerprint(parse_config(BASE)) == fingerprint(config)
    assert fingerprint(parse_config({**BASE, "seed": 1})) != fingerprint(config)


def test_the_abstention_version_counts_only_when_abstention_is_on(monkeypatch):
    off, on = parse_config(BASE), parse_config({**BASE, "abstention": True})
    before = fingerprint(off), fingerprint(on)
    monkeypatch.setattr(sys.modules[fingerprint.__module__], "ABSTENTION_VERSION", 999)
    assert fingerprint(off) == before[0] and fingerprint(on) != before[1]


@pytest.mark.parametrize("egl", [True, False])
def test_auto_is_decided_once_by_the_driver_and_counts_as_what_it_resolves_to(monkeypatch, egl):
    from spatialqa.degradations import delivery
    from spatialqa.pipelines.plan import decided

    monkeypatch.setattr(delivery, "egl_available", lambda: egl)
    chosen = "raster" if egl else "raycast"
    auto, named = (parse_config({**BASE, "render": {"backend": b}}) for b in ("auto", chosen))
    assert decided(auto).render.backend == chosen  # what every worker is handed
    assert fingerprint(auto) == fingerprint(named)
    other = parse_config({**BASE, "render": {"backend": "raycast" if egl else "raster"}})
    assert fingerprint(auto) != fingerprint(other)  # resumed elsewhere: refused, not mixed
    old_name = parse_config({**BASE, "render": {"backend": "pyrender"}})
    assert fingerprint(old_name) == fingerprint(
        parse_config({**BASE, "render": {"backend": "raster"}})
    )
