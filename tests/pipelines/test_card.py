"""The dataset card names its build, so datasets' cache of a folder never serves another one."""

from __future__ import annotations

import copy
import hashlib

import pyarrow.parquet as pq
import pytest
import yaml

import spatialqa
from spatialqa.generators import all_tasks
from spatialqa.pipelines import parquet
from spatialqa.pipelines.build import build
from spatialqa.pipelines.card import MEANINGS, front_matter
from spatialqa.pipelines.config import parse_config
from spatialqa.seeding import stable_id

datasets = pytest.importorskip("datasets")


def tiny(per_scene: int, count: int = 1) -> dict:
    return {
        "name": "card",
        "seed": 1,
        "scenes": [{"procedural": {"count": count, "seed": 2, "frames": 8}}],
        "tasks": [{"name": "object_abs_distance", "per_scene": per_scene}],
        "views": {"frames": 4},
        "render": {"width": 32, "height": 24},
    }


def card_yaml(out) -> dict:
    return yaml.safe_load((out / "README.md").read_text().split("---\n", 2)[1])


def ids(out) -> list[str]:
    return pq.read_table(out / "data").column("id").to_pylist()


def test_the_cache_serves_each_build_its_own_rows(ray_local, tmp_path):
    cache = str(tmp_path / "cache")
    out = tmp_path / "a" / "out"

    def loaded(folder, **kw) -> list[str]:
        return datasets.load_dataset(str(folder), cache_dir=cache, split="train", **kw)["id"]

    first = build(parse_config(tiny(2)), out, progress=False)
    assert sorted(loaded(out)) == sorted(ids(out)) and len(ids(out)) == first["samples"]
    second = build(parse_config(tiny(3)), out, overwrite=True, progress=False)
    assert second["samples"] != first["samples"]
    assert sorted(loaded(out)) == sorted(ids(out))  # B's rows, not A's cached ones
    forced = loaded(out, download_mode="force_redownload")
    assert sorted(forced) == sorted(ids(out))
    elsewhere = tmp_path / "b" / "out"  # a folder of the same name: the cache's dataset name
    third = build(parse_config(tiny(2, count=2)), elsewhere, progress=False)
    assert (
        sorted(loaded(elsewhere)) == sorted(ids(elsewhere))
        and len(ids(elsewhere)) == (third["samples"])
    )
    assert sorted(loaded(out)) == sorted(ids(out))  # and the first folder still loads as itself


def test_the_card_yaml_carries_the_builds_identity_and_counts(ray_local, tmp_path):
    out = tmp_path / "out"
    manifest = build(parse_config(tiny(2)), out, progress=False)
    meta = card_yaml(out)
    files = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.parquet"))
    assert files == ["data/part-00000.parquet", "frames/part-00000.parquet"]
    # the digest of the files as they lie on disk, hashed here: sha256 of "path sha256\n" lines
    lines = "".join(f"{f} {hashlib.sha256((out / f).read_bytes()).hexdigest()}\n" for f in files)
    digest = hashlib.sha256(lines.encode()).hexdigest()
    identity = meta["spatialqa"]
    assert identity == {
        "build_id": stable_id(manifest["config_hash"], digest),
        "config_hash": manifest["config_hash"],
        "files_sha256": digest,
        "samples": len(ids(out)),
        "frames": pq.read_table(out / "frames").num_rows,
        "scenes": 1,
    }
    for config in meta["configs"]:
        assert identity["build_id"] in config["description"]
    # no split: as on the card, train is every sample
    assert list(spatialqa.load(out, split="train", cache_dir=str(tmp_path / "c"))["id"]) == ids(out)


def test_builds_differing_in_one_file_get_different_keys():
    """A --limit build of one config, or a rebuilt part: same config hash, other files."""
    manifest = {
        "name": "x",
        "samples": 3,
        "frames": 4,
        "config_hash": "c0ffee",
        "scenes": {"built": 1, "skipped": 0},
        "shards": [
            {
                "shard": 0,
                "status": "ok",
                "counts": {},
                "files": {"data/part-00000.parquet": "aa", "frames/part-00000.parquet": "bb"},
            },
            {"shard": 1, "status": "skipped", "reason": "r"},
        ],
    }
    other = copy.deepcopy(manifest)
    other["shards"][0]["files"]["frames/part-00000.parquet"] = "bc"
    one, two = front_matter(manifest), front_matter(other)
    lines = "data/part-00000.parquet aa\nframes/part-00000.parquet bb\n"
    assert one["spatialqa"]["files_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert one["spatialqa"]["config_hash"] == two["spatialqa"]["config_hash"] == "c0ffee"
    descriptions = [[c["description"] for c in fm["configs"]] for fm in (one, two)]
    assert descriptions[0] != descriptions[1]
    assert [c["data_files"] for c in one["configs"]] == [c["data_files"] for c in two["configs"]]


def test_every_column_and_answer_type_has_its_meaning():
    # The card's column table reads MEANINGS: a column missing there shows an empty cell.
    assert set(MEANINGS) == {name for name, _ in parquet.SAMPLE_FIELDS}
    listed = set(MEANINGS["answer_type"].split(", "))
    assert {task.answer_type for task in all_tasks()} | {"abstain"} <= listed
