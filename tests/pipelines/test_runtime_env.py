"""The config's ``ray.runtime_env`` reaches the workers: a task defined in a module that only
the driver can import (a folder on the driver's sys.path, not on the workers') builds on two
local Ray workers when ``py_modules`` names the folder, and cannot without it; its env_vars
are the shards' environment, merged with the build's thread budget (the config's value wins).

Ray's local workers get the driver's script folder and working directory on their path, not
its whole ``sys.path``: the module's folder is neither, so the case without runtime_env fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pyarrow.parquet as pq
import pytest
import yaml

from spatialqa.pipelines.build import missing_from_job, thread_budget

MODULE = '''
"""A task only this folder holds: its question shows two variables of the worker's
environment, so the test sees what the shard ran in."""
import os

from spatialqa import oracle
from spatialqa.generators import Draft, Task, register_task
from spatialqa.generators.task import derivation, fmt, refs


@register_task
class RuntimeEnvLongestSide(Task):
    name = "rt_env_longest_side_m"
    family = "size"
    answer_type = "number"
    metric = "mra"
    unit = "m"

    def candidates(self, ctx):
        return [(category,) for category in ctx.unique]

    def make(self, ctx, candidate, rng, letters):
        (category,) = candidate
        fact = oracle.object_size(ctx.scene, ctx.unique[category], unit="m")
        answer = fmt(fact.value, 2)
        seen = os.environ.get("SPATIALQA_RT_MARK"), os.environ.get("OMP_NUM_THREADS")
        return Draft(
            fact=fact,
            question=f"[{seen[0]} {seen[1]}] How long is the longest side of the {category}?",
            answer=answer,
            value=float(fact.value),
            rationale=derivation(f"Found the {category}.", f"Longest side {answer} m."),
            objects=refs(ctx.scene, target=ctx.unique[category]),
        )
'''

DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])  # the driver alone can import the module
import rt_env_tasks  # registers rt_env_longest_side_m here, in the driver
import spatialqa

config, out = sys.argv[2], sys.argv[3]
manifest = spatialqa.build(config, out, workers=2)  # starts a local Ray of 2 CPUs, then stops it
report = {"skipped": [r["reason"] for r in manifest["skipped"]], "counts": manifest["counts"]}
if sys.argv[4] == "read":  # a second job, started by ray_dataset with the same runtime_env
    report["read"] = sorted(row["id"] for row in spatialqa.ray_dataset(config).take_all())
print(json.dumps(report))
"""

CONFIG = {
    "name": "runtime_env",
    "scenes": [{"procedural": {"count": 2, "seed": 0, "frames": 8}}],
    "tasks": [{"name": "rt_env_longest_side_m", "per_scene": 2}],
    "views": {"frames": 4},
    "render": {"width": 32, "height": 24},
    "output": {"inline_images": "none"},  # nothing to render: the test is about the module
}


def run_driver(tmp_path, runtime_env: dict | None, read: bool) -> tuple[dict, object]:
    """The build of ``CONFIG`` (with ``runtime_env``) by a fresh driver process whose script
    folder and working directory are not the module's folder."""
    package = tmp_path / "mods" / "rt_env_tasks"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(MODULE))
    (tmp_path / "cfg").mkdir()
    config = {**CONFIG} if runtime_env is None else {**CONFIG, "ray": {"runtime_env": runtime_env}}
    config_path = tmp_path / "cfg" / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    (tmp_path / "driver").mkdir()
    script = tmp_path / "driver" / "driver.py"
    script.write_text(textwrap.dedent(DRIVER))
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "PYTHONPATH")}
    mode = "read" if read else "build"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "mods"), str(config_path), str(out), mode],
        capture_output=True,
        text=True,
        cwd=tmp_path / "driver",
        env={**env, "RAY_AUTH_MODE": "disabled"},
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1]), out


def test_py_modules_ships_a_module_only_the_driver_imports(tmp_path):
    runtime_env = {
        # relative to the config file's folder (cfg/), not the driver's working directory
        "py_modules": ["../mods/rt_env_tasks"],
        "env_vars": {"SPATIALQA_RT_MARK": "from-config", "OMP_NUM_THREADS": "3"},
    }
    report, out = run_driver(tmp_path, runtime_env, read=True)
    assert report["skipped"] == []
    assert report["counts"]["task"] == {"rt_env_longest_side_m": 4}  # per_scene 2, 2 rooms
    rows = pq.read_table(out / "data").to_pylist()
    assert len(rows) == 4
    # the job's variable reached the shard; OMP_NUM_THREADS is the config's 3, not the budget's
    # 1 (2 CPUs // 2 workers) that the shards' own runtime_env would otherwise set over it
    assert all(row["question"].startswith("[from-config 3] ") for row in rows)
    assert report["read"] == sorted(row["id"] for row in rows)


def test_without_runtime_env_the_workers_cannot_import_the_module(tmp_path):
    report, out = run_driver(tmp_path, None, read=False)
    # every scene skipped: its shard could not unpickle the task's class on the worker
    assert len(report["skipped"]) == 2
    assert all("No module named 'rt_env_tasks'" in reason for reason in report["skipped"])
    assert not list((out / "data").glob("*.parquet"))


def test_the_thread_budget_keeps_the_config_s_variables_then_the_exported_ones(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "5")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.delenv("LP_NUM_THREADS", raising=False)
    budget = thread_budget(2, {"OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "7"})
    assert budget == {
        "OMP_NUM_THREADS": "3",  # the config's
        "OPENBLAS_NUM_THREADS": "7",  # the config's over the exported 5
        "MKL_NUM_THREADS": "2",  # the budget
        "LP_NUM_THREADS": "2",
    }
    assert thread_budget(2)["OPENBLAS_NUM_THREADS"] == "5"  # exported, no config


@pytest.mark.parametrize(
    ("job", "lacking"),
    [
        # Ray turns a local module into a package URI: the key is what counts
        ({"py_modules": ["gcs://_ray_pkg_1.zip"], "env_vars": {"A": "1"}}, []),
        ({"env_vars": {"A": "1"}}, ["py_modules"]),
        ({"py_modules": ["gcs://_ray_pkg_1.zip"], "env_vars": {"A": "2"}}, ["env_vars.A"]),
        ({}, ["py_modules", "env_vars.A"]),
    ],
)
def test_a_ray_started_before_is_checked_for_the_config_s_runtime_env(job, lacking):
    wanted = {"py_modules": ["/abs/mods/pkg"], "excludes": ["*.pyc"], "env_vars": {"A": "1"}}
    assert missing_from_job(wanted, job) == lacking
