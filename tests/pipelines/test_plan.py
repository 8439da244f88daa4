"""Planning: the shards and the fingerprint depend on the config alone; render.backend auto is
decided once, on the driver."""

from __future__ import annotations

import sys

import pytest

from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.plan import fingerprint, plan

BASE = {"name": "t", "scenes": [{"procedural": {"count": 3}}], "tasks": ["object_counting"]}


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


def test_rooms_are_built_with_their_moved_walk_when_the_views_ask_for_it():
    still = plan(parse_config(BASE))
    moving = plan(parse_config({**BASE, "views": {"trajectory": "moved", "frames": 4}}))
    assert not any(s.scene.moved for s in still)
    assert all(s.scene.moved for s in moving)
    scene = moving[0].scene.load()
    assert "moved" in [t.name for t in scene.trajectories] and scene.moves
    assert "moved" not in [t.name for t in still[0].scene.load().trajectories]
