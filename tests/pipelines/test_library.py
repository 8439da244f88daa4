"""The library way in: spatialqa.build, generate, load and ray_dataset make the build's rows."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import spatialqa
from spatialqa.errors import ConfigError, OutputError

# Two rooms: a scene-level task (4 views: never inline with `few`) and a one-view task whose
# box labels move with the delivered image, each clean and through one degradation; the rooms
# are split between train and val.
CONFIG = {
    "name": "library",
    "seed": 3,
    "scenes": [{"procedural": {"count": 2, "seed": 2, "frames": 8}}],
    "tasks": [
        {"name": "object_abs_distance", "per_scene": 2},
        {"name": "object_localization_2d", "per_scene": 2},
    ],
    "views": {"frames": 4},
    "render": {"width": 48, "height": 32},
    "degradations": ["clean", {"type": "jpeg", "severities": [4]}],
    "split": {"train": 0.5, "val": 0.5},
}
HEAVY = ("open3d", "plotly", "dash", "ray", "pyarrow", "trimesh", "matplotlib", "datasets")


def parts(out) -> list[list[dict]]:
    """The rows of each data part, in shard order (a part is one scene)."""
    return [pq.read_table(p).to_pylist() for p in sorted((out / "data").glob("*.parquet"))]


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("library") / "out"
    manifest = spatialqa.build(CONFIG, out, workers=2)
    per_scene = parts(out)
    assert len(per_scene) == 2 and manifest["scenes"] == {"built": 2, "skipped": 0, "excluded": 0}
    return out, manifest, per_scene


def test_import_spatialqa_is_light_and_the_calls_load_on_first_use():
    probe = (
        "import json, sys, spatialqa\n"
        "light = sorted(sys.modules)\n"
        "calls = [spatialqa.build, spatialqa.generate, spatialqa.load, spatialqa.ray_dataset]\n"
        "print(json.dumps([light, [f.__module__ for f in calls]]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    light, homes = json.loads(done.stdout)
    assert [m for m in light if m.split(".")[0] in HEAVY] == []
    assert homes == ["spatialqa.pipelines.library"] * 3 + ["spatialqa.pipelines.datasource"]


def test_generate_yields_the_rows_the_build_wrote_in_its_order(built):
    _, manifest, per_scene = built
    rows = list(spatialqa.generate(CONFIG))
    assert rows == per_scene[0] + per_scene[1]
    # 2 rooms x (2 + 2 samples) x 2 variants (clean, jpeg 4) = 16 rows
    assert len(rows) == manifest["samples"] == 16
    assert list(spatialqa.generate(CONFIG, limit=1)) == per_scene[0]


def test_a_yaml_path_a_mapping_and_a_config_are_one_config(tmp_path):
    from spatialqa.pipelines.library import as_config

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(CONFIG))
    parsed = as_config(CONFIG)
    dumps = [as_config(c).model_dump() for c in (path, str(path), CONFIG)]
    assert dumps == [parsed.model_dump()] * 3 and as_config(parsed) is parsed
    assert as_config(path).source == str(path)  # errors found later name the file
    with pytest.raises(ConfigError, match="expected a YAML path, a mapping or a BuildConfig"):
        as_config(3)


def test_an_unknown_task_fails_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    bad = {**CONFIG, "tasks": ["object_abs_distance", "no_such_task"]}
    unknown = r"tasks\[1\]\.name: unknown task 'no_such_task'"
    with pytest.raises(ConfigError, match=unknown):
        spatialqa.build(bad, out)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: {unknown}"):
        spatialqa.build(path, out)
    assert not out.exists()
    with pytest.raises(ConfigError, match=unknown):
        next(spatialqa.generate(bad))
    with pytest.raises(ConfigError, match=unknown):
        spatialqa.ray_dataset(bad)


def test_load_gives_every_row_its_views_images(built, tmp_path):
    out, _, per_scene = built
    rows = per_scene[0] + per_scene[1]
    samples = spatialqa.load(out, cache_dir=str(tmp_path / "cache"))
    assert samples["id"] == [row["id"] for row in rows]
    frames = pq.read_table(out / "frames").to_pylist()
    by_key = {
        (f["scene_id"], f["frame_id"], (f["degradation"] or {}).get("type")): f["image"]
        for f in frames
    }
    raw = samples.cast_column("images", pa_images_undecoded())
    for row, joined in zip(rows, raw, strict=True):
        kind = (row["degradation"] or {}).get("type")
        expected = [by_key[row["scene_id"], view, kind] for view in row["views"]]
        assert len(joined["images"]) == len(row["views"]) > 0
        assert [i["bytes"] for i in joined["images"]] == [i["bytes"] for i in expected]
        suffix = "" if kind is None else "__jpeg4"
        assert [i["path"] for i in joined["images"]] == [
            f"{row['scene_id']}/{view}{suffix}.jpg" for view in row["views"]
        ]
        if row["images"]:  # inlined by the build (`few`: one or two views): the same images
            assert row["images"] == [dict(i) for i in joined["images"]]
    assert sum(1 for row in rows if row["images"]) == 8  # the one-view task's 2 x 2 x 2 rows
    assert samples[0]["images"][0].size == (48, 32)  # decoded by the Image feature


def test_load_draws_a_rows_marks_on_the_frames_it_joins(built, tmp_path):
    """A row not inlined whose labels mark points (a task marking more than two views) gets
    its marked views drawn, as the build draws inline ones, under the row's own path."""
    import io

    import numpy as np
    from PIL import Image

    from spatialqa.pipelines import parquet

    out, _, per_scene = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    rows = [dict(row) for row in per_scene[0]]
    marked = next(i for i, row in enumerate(rows) if len(row["views"]) > 2 and not row["images"])
    row = rows[marked]
    view = row["views"][1]
    row["labels"] = json.dumps({"marks": {view: [{"xy": [24, 16], "label": "A"}]}})
    part = copy / "data" / "part-00000.parquet"
    data = parquet.encode(rows, parquet.SAMPLES, 2000)
    part.write_bytes(data)
    manifest = json.loads((copy / "manifest.json").read_text())  # its checksum key the cache
    manifest["shards"][0]["files"]["data/part-00000.parquet"] = hashlib.sha256(data).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    loaded = spatialqa.load(copy, cache_dir=str(tmp_path / "cache"))
    images = loaded.cast_column("images", pa_images_undecoded())[marked]["images"]
    plain = spatialqa.load(out, cache_dir=str(tmp_path / "cache"))
    unmarked = plain.cast_column("images", pa_images_undecoded())[marked]["images"]
    assert [i["path"] for i in images] == [
        i["path"] if k != 1 else i["path"].replace(".jpg", f"__marks_{row['id']}.jpg")
        for k, i in enumerate(unmarked)
    ]
    assert [i["bytes"] for k, i in enumerate(images) if k != 1] == [
        i["bytes"] for k, i in enumerate(unmarked) if k != 1
    ]
    pixel = np.asarray(Image.open(io.BytesIO(images[1]["bytes"])).convert("RGB"))[16, 24]
    # the disc's magenta (255, 0, 255), within JPEG's rounding; no rendered room is magenta
    assert pixel[0] > 200 and pixel[1] < 60 and pixel[2] > 200


def pa_images_undecoded():
    import datasets

    return datasets.List(datasets.Image(decode=False))


def test_load_takes_a_split_and_refuses_one_the_build_lacks(built, tmp_path):
    out, manifest, per_scene = built
    rows = per_scene[0] + per_scene[1]
    assert set(manifest["splits"]) == {"train", "val"}
    for name in manifest["splits"]:
        part = spatialqa.load(out, split=name, cache_dir=str(tmp_path / "cache"))
        assert list(part["id"]) == [row["id"] for row in rows if row["split"] == name]
    with pytest.raises(ConfigError, match="split 'test': the build's splits are train, val"):
        spatialqa.load(out, split="test")
    with pytest.raises(OutputError, match=r"manifest\.json: not found"):
        spatialqa.load(tmp_path)


def test_ray_dataset_reads_one_block_per_shard_with_the_build_rows(built, tmp_path):
    import ray
    from ray.data import DataContext

    per_scene = built[2]
    rows = per_scene[0] + per_scene[1]
    options = DataContext.get_current().execution_options
    keep, options.preserve_order = options.preserve_order, True
    try:
        dataset = spatialqa.ray_dataset(CONFIG)
        tables = [ray.get(ref) for ref in dataset.to_arrow_refs()]
        lengths = dataset.map_batches(
            lambda batch: {"n": pa.array([len(q) for q in batch["question"].to_pylist()])},
            batch_format="pyarrow",
        )
        assert lengths.sum("n") == sum(len(row["question"]) for row in rows)
        dataset.write_parquet(str(tmp_path / "written"))
    finally:
        options.preserve_order = keep
    assert [t.to_pylist() for t in tables] == per_scene  # one read task (block) per shard
    written = pq.read_table(tmp_path / "written").to_pylist()
    assert sorted(written, key=lambda r: r["id"]) == sorted(rows, key=lambda r: r["id"])


SCRIPT = """
import json, logging, sys
import ray
import spatialqa
from spatialqa import oracle
from spatialqa.generators import Draft, Task, register_task
from spatialqa.generators.task import derivation, fmt, refs


@register_task
class ScriptLongestSide(Task):
    name = "script_longest_side_m"
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
        return Draft(
            fact=fact,
            question=f"How long is the longest side of the {category}, in meters?",
            answer=answer,
            value=float(fact.value),
            rationale=derivation(f"Found the {category}.", f"Longest side {answer} m."),
            objects=refs(ctx.scene, target=ctx.unique[category]),
        )


config = json.loads(sys.argv[1])
out = sys.argv[2]
manifest = spatialqa.build(config, out, workers=2)  # starts a local Ray of 2 CPUs, then stops it
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
read = spatialqa.ray_dataset(config).take_all()
print(json.dumps({
    "counts": manifest["counts"]["task"],
    "skipped": manifest["skipped"],
    "generated": [[row["id"], row["task"]] for row in spatialqa.generate(config)],
    "read": sorted(row["id"] for row in read),
}))
"""


def test_a_task_defined_in_a_script_builds_on_two_workers(tmp_path):
    """The task lives only in the script's __main__: the workers get it from the driver."""
    config = {
        "name": "script",
        "scenes": [{"procedural": {"count": 2, "seed": 0, "frames": 8}}],
        "tasks": [{"name": "script_longest_side_m", "per_scene": 2}, "script_longest_side_m_mc"],
        "views": {"frames": 4},
        "render": {"width": 32, "height": 24},
        "output": {"inline_images": "none"},
    }
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, str(script), json.dumps(config), str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "RAY_AUTH_MODE": "disabled"},
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["skipped"] == []
    # the rows made in the script's own process, by its own registry: the same as the build's
    generated = report["generated"]
    counts = {name: sum(task == name for _, task in generated) for name in report["counts"]}
    assert report["counts"] == counts
    assert set(counts) == {"script_longest_side_m", "script_longest_side_m_mc"}
    assert counts["script_longest_side_m"] == 4  # per_scene 2 on each of 2 rooms
    built = [row["id"] for row in pq.read_table(out / "data").to_pylist()]
    assert [i for i, _ in generated] == built and report["read"] == sorted(built)
