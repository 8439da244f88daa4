"""Every subpackage imports from a regular install and from the editable one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUBPACKAGES = ["scenes", "oracle", "generators", "degradations", "pipelines"]
PROBE = (
    "import importlib, json; "
    f"mods = [importlib.import_module('spatialqa.' + n) for n in {SUBPACKAGES!r}]; "
    "print(json.dumps([m.__file__ for m in mods]))"
)


def imported_files(env: dict, cwd: Path) -> list[Path]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=cwd, capture_output=True, text=True, check=True
    )
    return [Path(p) for p in json.loads(result.stdout)]


def test_editable_install_maps_each_folder(tmp_path):
    files = imported_files(dict(os.environ), tmp_path)
    assert [f.parent for f in files] == [REPO / name for name in SUBPACKAGES]


def test_regular_install_imports_every_subpackage(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    files = imported_files(env, tmp_path)
    assert [f.parent for f in files] == [target / "spatialqa" / name for name in SUBPACKAGES]
    assert (target / "spatialqa" / "py.typed").exists()
    data = target / "spatialqa" / "pipelines" / "data"  # exclude: [vsibench] needs its list
    assert {p.name for p in data.glob("*.txt")} == {"vsibench_scenes.txt", "scannetv2_val.txt"}
