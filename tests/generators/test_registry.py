"""A third-party package adds a task through the ``spatialqa.tasks`` entry-point group.

The package is written here, installed with pip (no network: no build isolation, the venv's
setuptools) into a folder, found on the path, and built with like any other task.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pyarrow.parquet as pq
import pytest
import rooms_kit
import yaml

from spatialqa.generators import draw_samples, registry
from spatialqa.generators.task import fmt
from spatialqa.oracle import execute

PLUGIN = '''
"""A demo task from outside spatialqa: the longest side of an object, in metres."""

from spatialqa.generators import Draft, Task
from spatialqa.generators.task import derivation, fmt, refs
from spatialqa.oracle import object_size


class LongestSideMetres(Task):
    name = "demo_longest_side_m"
    family = "size"
    answer_type = "number"
    metric = "mra"
    unit = "m"

    def candidates(self, ctx):
        return [(category,) for category in ctx.unique]

    def make(self, ctx, candidate, rng, letters):
        (category,) = candidate
        fact = object_size(ctx.scene, ctx.unique[category], unit="m")
        answer = fmt(fact.value, 2)
        return Draft(
            fact=fact,
            question=f"How long is the longest side of the {category}, in meters?",
            answer=answer,
            value=float(fact.value),
            rationale=derivation(
                f"Found the {category}.",
                f"Its box's longest side measures {fact.value:.3f} m, which rounds to {answer} m.",
            ),
            objects=refs(ctx.scene, target=ctx.unique[category]),
        )
'''
PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "spatialqa-demo-plugin"
version = "0.1"

[project.entry-points."spatialqa.tasks"]
demo_longest_side_m = "sqa_demo_plugin:LongestSideMetres"

[tool.setuptools]
py-modules = ["sqa_demo_plugin"]
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The plugin installed into a folder of its own (what ``pip install`` does to a venv)."""
    root = tmp_path_factory.mktemp("plugin")
    source, site = root / "src", root / "site"
    source.mkdir()
    (source / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT))
    (source / "sqa_demo_plugin.py").write_text(textwrap.dedent(PLUGIN))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    pip += ["--no-build-isolation", "--target", str(site), str(source)]
    subprocess.run(pip, check=True, capture_output=True)
    return site


@pytest.fixture
def on_path(installed, monkeypatch):
    monkeypatch.syspath_prepend(str(installed))
    registry.load_built_in()  # registered on first use: restored below with the rest
    before = dict(registry.TASKS)
    registry.load_entry_points(again=True)
    yield installed
    registry.TASKS.clear()
    registry.TASKS.update(before)
    sys.modules.pop("sqa_demo_plugin", None)


def test_the_entry_point_registers_the_task_and_its_multiple_choice_variant(on_path):
    task = registry.get_task("demo_longest_side_m")
    assert task.__module__ == "sqa_demo_plugin"
    assert registry.get_task("demo_longest_side_m_mc").base is task
    assert "demo_longest_side_m" in [t.name for t in registry.all_tasks()]
    ctx = rooms_kit.context(0, 0, views=8)
    samples = draw_samples(task(), ctx, 3)
    assert len(samples) == 3
    for sample in samples:
        fact = execute(json.loads(sample.program), ctx.scene)
        assert sample.value == fact.value and sample.answer == fmt(fact.value, 2)
        assert max(fact.detail["extent_m"]) == pytest.approx(fact.value)


def test_a_build_includes_the_plugin_tasks(installed, tmp_path):
    """A fresh process with the plugin on its path, as after ``pip install`` (Ray's workers
    inherit the environment of the process that starts them)."""
    config = {
        "name": "plugin",
        "scenes": [{"procedural": {"count": 1, "seed": 0, "frames": 8}}],
        "tasks": [
            {"name": "demo_longest_side_m", "per_scene": 3},
            {"name": "demo_longest_side_m_mc", "per_scene": 2},
            {"name": "object_counting", "per_scene": 1},
        ],
        "views": {"frames": 2},
        "render": {"width": 64, "height": 48},
        "abstention": {"share": 0.5},
    }
    path = tmp_path / "plugin.yaml"
    path.write_text(yaml.safe_dump(config))
    paths = [str(installed), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    env.pop("RAY_ADDRESS", None)
    command = [sys.executable, "-m", "spatialqa.pipelines.cli", "build", str(path)]
    command += ["--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = pq.read_table(tmp_path / "out" / "data").to_pylist()
    by_task = {task: [r for r in rows if r["task"] == task] for task in {r["task"] for r in rows}}
    assert len(by_task["demo_longest_side_m"]) == 3
    assert len(by_task["demo_longest_side_m_mc"]) == 2
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["task"]["demo_longest_side_m"] == 3
    kinds = {r["answer_type"] for r in by_task["demo_longest_side_m"]}
    assert kinds <= {"number", "abstain"} and "number" in kinds
    hidden = [r for r in rows if r["answer_type"] == "abstain"]
    assert hidden, "two of eight frames leave some object of this room unseen"
    for row in hidden:
        assert not row["answerable"] and row["answerable_views"]
        assert not set(row["answerable_views"]) & set(row["views"])
