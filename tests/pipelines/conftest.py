"""A small scored build (two procedural rooms, four tasks), made once for the evaluate and preview
tests."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from spatialqa.pipelines.build import build
from spatialqa.pipelines.config import parse_config

SCORED = {
    "name": "scored",
    "seed": 11,
    "scenes": [{"procedural": {"count": 2, "seed": 2, "frames": 10}}],
    "tasks": [
        {"name": "object_counting", "per_scene": 2},
        {"name": "object_size_estimation", "per_scene": 3},
        {"name": "object_abs_distance", "per_scene": 3},
        {"name": "object_rel_direction_hard", "per_scene": 3},
    ],
    "views": {"trajectory": "walkthrough", "frames": 4},
    "render": {"width": 160, "height": 120},
    "degradations": ["clean"],
    "output": {"inline_images": "few"},
}


@pytest.fixture(scope="session")
def dataset(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("scored")
    build(parse_config(SCORED), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    assert {r["task"] for r in rows} == {t["name"] for t in SCORED["tasks"]}
    return out, rows
