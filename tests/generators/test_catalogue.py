"""The task listing: an example question per task, cached per version of the code that makes it,
read back without importing a task or open3d."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from spatialqa.generators import catalogue

HEAVY = ("open3d", "trimesh", "ray", "pyarrow", "scipy")


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    """The user's cache folder, in a temporary directory (tests never touch ~/.cache)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "spatialqa"


def test_the_task_listing_shows_an_example_question(cache_home, capsys):
    from spatialqa.pipelines.cli import main

    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in ("object_abs_distance", "object_abs_distance_mc", "object_rel_direction_hard"):
        assert re.search(rf"^{name}\s", out, re.MULTILINE)
    example = out.split("\nobject_counting ")[1].splitlines()[1]
    assert re.fullmatch(r"    e\.g\. .*\(s\).* -> \d+", example), example


def run_tasks(env: dict) -> subprocess.CompletedProcess:
    """``spatialqa tasks`` in a fresh interpreter; its loaded modules on the last stderr line."""
    probe = (
        "import json, sys\n"
        "from spatialqa.pipelines.cli import main\n"
        "main(['tasks'])\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )


def test_a_second_listing_comes_from_the_cache_without_open3d(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    first = run_tasks(env)
    assert "cached in" in first.stderr  # the first run asks the examples, says where it keeps them
    loaded = json.loads(first.stderr.splitlines()[-1])
    assert "open3d" in loaded and "spatialqa.generators.registry" in loaded
    second = run_tasks(env)
    assert second.stdout == first.stdout
    assert "cached in" not in second.stderr
    loaded = json.loads(second.stderr.splitlines()[-1])
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    layers = [m for m in loaded if m.startswith(("spatialqa.oracle", "spatialqa.scenes"))]
    assert heavy == [] and layers == []
    assert "spatialqa.generators.registry" not in loaded
    (cached,) = (tmp_path / "spatialqa").glob("tasks-*.json")
    assert cached.name == f"tasks-{catalogue.listing_key()}.json"


ROWS = [
    {
        "name": "t",
        "family": "f",
        "answer_type": "mc",
        "metric": "accuracy",
        "unit": None,
        "hint": None,
        "example": {"question": "Q?", "answer": "A"},
    }
]


@pytest.fixture
def counted(monkeypatch):
    """``compute_listing`` replaced by one that counts its calls (the cache logic alone)."""
    calls = []

    def compute() -> list[dict]:
        calls.append(1)
        return [dict(row) for row in ROWS]

    monkeypatch.setattr(catalogue, "compute_listing", compute)
    return calls


def test_the_cache_is_read_back_and_a_damaged_one_recomputed(cache_home, counted):
    rows, written = catalogue.listing()
    assert rows == ROWS and written == cache_home / f"tasks-{catalogue.listing_key()}.json"
    assert counted == [1]
    rows, written = catalogue.listing()
    assert rows == ROWS and written is None and counted == [1]  # from the file
    for damage in ("{not json", json.dumps({"key": "x", "rows": ROWS}), json.dumps({"rows": 1})):
        (cache_home / f"tasks-{catalogue.listing_key()}.json").write_text(damage)
        rows, written = catalogue.listing()
        assert rows == ROWS and written is not None
    assert len(counted) == 4  # 1 + one per damaged file
    assert [p.name for p in cache_home.iterdir()] == [written.name]  # no temporary left


def test_listings_of_other_code_are_removed_and_an_unwritable_cache_is_no_error(
    tmp_path, monkeypatch, cache_home, counted
):
    cache_home.mkdir(parents=True)
    (cache_home / "tasks-0123.json").write_text("{}")  # a listing of an older install
    (cache_home / "other.json").write_text("{}")  # not ours to remove
    _, written = catalogue.listing()
    assert sorted(p.name for p in cache_home.iterdir()) == sorted([written.name, "other.json"])
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # a cache folder that cannot be made
    assert catalogue.listing() == (ROWS, None)


def test_the_key_follows_the_source_of_the_packages_that_make_the_listing(tmp_path, monkeypatch):
    package = tmp_path / "sq_listing_probe"
    package.mkdir()
    module = package / "__init__.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        catalogue, "SOURCE_PACKAGES", (*catalogue.SOURCE_PACKAGES, "sq_listing_probe")
    )
    before = catalogue.listing_key()
    assert catalogue.listing_key() == before  # deterministic
    module.write_text("X = 2\n")
    assert catalogue.listing_key() != before
    module.write_text("X = 1\n")
    assert catalogue.listing_key() == before  # contents, not times
    assert "sq_listing_probe" not in sys.modules  # found, never run


def test_the_entry_point_group_is_the_registry_s():
    from spatialqa.generators.registry import ENTRY_POINT_GROUP

    assert catalogue.ENTRY_POINT_GROUP == ENTRY_POINT_GROUP


def test_the_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert catalogue.cache_dir() == tmp_path / "spatialqa"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert catalogue.cache_dir() == tmp_path / "home" / ".cache" / "spatialqa"


def test_every_task_has_an_example_or_a_hint_and_movement_asks_the_moved_walk():
    from spatialqa.generators.registry import get_task

    rows = catalogue.compute_listing()
    assert [row["name"] for row in rows if row["example"] is None and not row["hint"]] == []
    scene = catalogue.example_scene()
    assert scene.moves
    # The example room's keyframes all come after the walkthrough's and the tour's frames, so
    # every task those paths answer is asked about the room as it is built without motion.
    for name in ("walkthrough", "tour"):
        for frame in scene.trajectory(name).frames:
            assert set(scene.state_key(frame.t)) == {-1}
    for name in ("object_moved", "object_displacement", "object_move_direction"):
        row = next(row for row in rows if row["name"] == name)
        assert row["example"] is not None, name
        sample = catalogue.example(get_task(name))
        first, second = (scene.frame(view) for view in sample.views)
        assert first.id.startswith("m") and second.id.startswith("m")
        # a pair on either side of the move: the state (keyframe indices) differs
        assert scene.state_key(first.t) != scene.state_key(second.t)
