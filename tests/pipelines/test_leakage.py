"""Benchmark leakage: ``exclude:`` drops exactly the listed scenes, ``split:`` keeps every scene
in one split, from the plan through the Parquet, the manifest, the card and the exports."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from build_kit import TINY, write_config

from spatialqa.errors import ConfigError
from spatialqa.pipelines.build import build
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import load_config, parse_config
from spatialqa.pipelines.leakage import benchmark_set
from spatialqa.pipelines.plan import fingerprint, plan, plan_build, scene_json_identity
from spatialqa.scenes import save_scene


def _dataset_kit():
    """tests/scenes/dataset_kit.py (ScanNet, ScanNet++, ARKitScenes layouts made by code)."""
    if "dataset_kit" not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "scenes" / "dataset_kit.py"
        spec = importlib.util.spec_from_file_location("dataset_kit", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["dataset_kit"] = module
        spec.loader.exec_module(module)
    return sys.modules["dataset_kit"]


kit = _dataset_kit()
DATA = Path(__file__).resolve().parents[2] / "pipelines" / "data"

# Looked up by hand in the two lists (and checked against their text below).
VSI_SCANNET = ["scene0025_01", "scene0030_02", "scene0046_01"]  # VSI-Bench, hence ScanNet val
VAL_ONLY = ["scene0568_00", "scene0568_01"]  # ScanNet val, not VSI-Bench
TRAIN_SCANS = ["scene0000_00", "scene0007_00"]  # in neither
VSI_SCANNETPP, VSI_ARKIT = "09c1414f1b", "41069025"
LOOKALIKE = "scene0025_01"  # a ScanNet++ scene whose id is a VSI-Bench ScanNet id
OTHER_ARKIT = "41254925"


def split_by_hand(shares: list[tuple[str, float]], dataset: str, scene_id: str) -> str:
    """The split rule computed a second way: blake2b of "split", dataset, id (joined by the
    unit separator), 64 bits little-endian, top 63 kept, on the cumulative shares."""
    digest = hashlib.blake2b(f"split\x1f{dataset}\x1f{scene_id}".encode(), digest_size=8)
    position = (int.from_bytes(digest.digest(), "little") >> 1) / 2**63
    bound = 0.0
    for name, share in shares:
        bound += share
        if position < bound:
            return name
    return shares[-1][0]


def lines(name: str) -> list[list[str]]:
    return [
        line.split()
        for line in (DATA / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_the_named_sets_ship_as_package_data_with_288_and_312_scenes():
    vsi = benchmark_set("vsibench")  # read through importlib.resources, as an install does
    val = benchmark_set("scannet_val")
    assert len(vsi) == 288 and len(val) == 312
    assert Counter(dataset for dataset, _ in vsi) == {
        "scannet": 88,
        "scannetpp": 50,
        "arkitscenes": 150,
    }
    assert {d for d, _ in val} == {"scannet"}
    assert vsi == {tuple(parts) for parts in lines("vsibench_scenes.txt")}
    assert val == {("scannet", parts[0]) for parts in lines("scannetv2_val.txt")}
    for scan in VSI_SCANNET:
        assert ("scannet", scan) in vsi and ("scannet", scan) in val
    for scan in VAL_ONLY:
        assert ("scannet", scan) not in vsi and ("scannet", scan) in val
    for scan in TRAIN_SCANS:
        assert ("scannet", scan) not in vsi | val
    assert ("scannetpp", VSI_SCANNETPP) in vsi and ("arkitscenes", VSI_ARKIT) in vsi
    assert ("scannetpp", LOOKALIKE) not in vsi and ("arkitscenes", OTHER_ARKIT) not in vsi
    # every ScanNet scene VSI-Bench evaluates on is a val scan
    assert {s for d, s in vsi if d == "scannet"} <= {s for _, s in val}


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A ScanNet root (scans/<id>/), a ScanNet++ root (data/<id>/), an ARKitScenes root."""
    root = tmp_path_factory.mktemp("leakage")
    for scan in VSI_SCANNET + VAL_ONLY + TRAIN_SCANS:
        kit.write_scannet(root / "scannet", scan)
    for scene in (LOOKALIKE, VSI_SCANNETPP):
        kit.write_scannetpp(root / "scannetpp", scene)
    for video in (VSI_ARKIT, OTHER_ARKIT):
        kit.write_arkitscenes(root / "arkitscenes", video)
    return {kind: root / kind for kind in ("scannet", "scannetpp", "arkitscenes")}


def config_of(sources: dict[str, Path], **extra) -> dict:
    scenes = [{kind: str(path)} for kind, path in sources.items()]
    return {**TINY, "scenes": scenes, **extra}


def excluded_and_kept(config: dict) -> tuple[dict[tuple[str, str], list[str]], set]:
    layout = plan_build(parse_config(config))
    excluded = {(r["dataset"], r["scene_id"]): r["by"] for r in layout.excluded}
    kept = {(s.scene.dataset, s.scene.scene_id) for s in layout.shards}
    return excluded, kept


def test_exclude_vsibench_drops_exactly_the_listed_scenes(sources):
    everything = (
        {("scannet", s) for s in VSI_SCANNET + VAL_ONLY + TRAIN_SCANS}
        | {("scannetpp", LOOKALIKE), ("scannetpp", VSI_SCANNETPP)}
        | {("arkitscenes", VSI_ARKIT), ("arkitscenes", OTHER_ARKIT)}
    )
    _, kept = excluded_and_kept(config_of(sources))
    assert kept == everything

    excluded, kept = excluded_and_kept(config_of(sources, exclude=["vsibench"]))
    listed = {("scannet", s) for s in VSI_SCANNET}
    listed |= {("scannetpp", VSI_SCANNETPP), ("arkitscenes", VSI_ARKIT)}
    assert excluded == {scene: ["vsibench"] for scene in listed}
    assert kept == everything - listed
    assert ("scannetpp", LOOKALIKE) in kept  # its id looks like a ScanNet one: not the same scene

    excluded, kept = excluded_and_kept(config_of(sources, exclude=["scannet_val"]))
    assert set(excluded) == {("scannet", s) for s in VSI_SCANNET + VAL_ONLY}
    assert kept == everything - set(excluded)

    excluded, _ = excluded_and_kept(config_of(sources, exclude=["vsibench", "scannet_val"]))
    assert excluded[("scannet", VSI_SCANNET[0])] == ["vsibench", "scannet_val"]
    assert excluded[("scannet", VAL_ONLY[0])] == ["scannet_val"]
    assert excluded[("arkitscenes", VSI_ARKIT)] == ["vsibench"]


def test_a_plain_id_matches_every_dataset_and_a_qualified_one_its_own(sources):
    excluded, _ = excluded_and_kept(config_of(sources, exclude=[LOOKALIKE]))
    assert excluded == {("scannet", LOOKALIKE): [LOOKALIKE], ("scannetpp", LOOKALIKE): [LOOKALIKE]}
    entry = f"scannetpp:{LOOKALIKE}"
    excluded, _ = excluded_and_kept(config_of(sources, exclude=[entry, OTHER_ARKIT]))
    assert excluded == {
        ("scannetpp", LOOKALIKE): [entry],
        ("arkitscenes", OTHER_ARKIT): [OTHER_ARKIT],
    }


def test_shards_are_numbered_over_the_kept_scenes(sources):
    shards = plan(parse_config(config_of(sources, exclude=["vsibench"])))
    assert [s.index for s in shards] == list(range(len(shards)))
    assert [s.scene.name for s in shards[:4]] == sorted(
        VAL_ONLY + TRAIN_SCANS
    )  # directories sorted


def test_the_plan_knows_each_scene_as_its_loader_will(sources, tmp_path):
    """Exclusion happens before loading: the planned (dataset, id) must be the loaded scene's
    (source.kind, scene_id), which the rows' split is computed from."""
    front = kit.write_front3d(tmp_path / "front")
    config = config_of(sources)
    config["scenes"] += [{"front3d": str(front.parent)}, {"procedural": {"count": 1, "seed": 3}}]
    refs = [shard.scene for shard in plan(parse_config(config))]
    assert {ref.kind for ref in refs} == {
        "scannet",
        "scannetpp",
        "arkitscenes",
        "front3d",
        "procedural",
    }
    for ref in refs:
        scene = ref.load()
        assert (ref.dataset, ref.scene_id) == (scene.source.kind, scene.scene_id)
    scan = next(ref for ref in refs if ref.scene_id == VSI_SCANNET[0]).load()
    save_scene(scan, tmp_path / "converted" / "any_name")  # a converted scan stays ScanNet's
    layout = plan_build(
        parse_config(
            {**TINY, "scenes": [{"dir": str(tmp_path / "converted")}], "exclude": ["vsibench"]}
        )
    )
    assert layout.shards == [] and layout.excluded[0]["dataset"] == "scannet"
    assert layout.excluded[0]["scene"] == "any_name"


def test_scene_json_identity_reads_the_keys_not_their_look_alikes(tmp_path):
    decoy = {"kind": "scannet", "detail": 'not "scene_id": "scene0025_01", {"kind": "x"}'}
    first = tmp_path / "first.json"
    first.write_text(
        json.dumps({"format": "spatialqa.scene/1", "source": decoy, "scene_id": "real"})
    )
    assert scene_json_identity(first) == ("scannet", "real")
    frames = [{"id": f"f{i:05d}", "t": i / 30, "pose": [[1.5] * 4] * 4} for i in range(2000)]
    late = tmp_path / "late.json"  # the keys after 64 KiB of frames: read whole
    late.write_text(
        json.dumps(
            {
                "trajectories": [{"name": "w", "frames": frames}],
                "source": {"kind": "arkitscenes"},
                "scene_id": "41069025",
            }
        )
    )
    assert late.stat().st_size > 64 * 1024
    assert scene_json_identity(late) == ("arkitscenes", "41069025")
    escaped = tmp_path / "escaped.json"
    escaped.write_text('{"scene_id": "a\\u00e9\\"b", "source": {"kind": "dir\\\\x"}}')
    assert scene_json_identity(escaped) == ("dir\\x", 'a\u00e9"b')
    (tmp_path / "broken.json").write_text('{"scene_id": ')
    assert scene_json_identity(tmp_path / "broken.json") == ("", "")
    assert scene_json_identity(tmp_path / "missing.json") == ("", "")


SHARES = {"train": 0.7, "val": 0.2, "test": 0.1}


def test_a_scenes_split_is_a_hash_of_its_dataset_and_id_alone():
    config = parse_config({**TINY, "split": SHARES})
    ordered = list(SHARES.items())
    ids = [f"scene{i:04d}_00" for i in range(20000)]
    splits = [config.split_of("scannet", scene) for scene in ids]
    assert splits[:200] == [split_by_hand(ordered, "scannet", s) for s in ids[:200]]
    shares = Counter(splits)
    for name, share in SHARES.items():  # binomial sd <= 0.0033 at n = 20000
        assert abs(shares[name] / len(ids) - share) < 0.015
    # the dataset is part of the key: ScanNet's and ScanNet++'s scene X are two scenes
    assert any(
        config.split_of("scannetpp", s) != split for s, split in zip(ids, splits, strict=True)
    )
    # neither the seed nor the other scenes enter
    other = parse_config({**TINY, "seed": 9, "split": SHARES})
    assert [other.split_of("scannet", s) for s in ids[:200]] == splits[:200]
    only_test = parse_config({**TINY, "split": {"test": 1}})
    assert {only_test.split_of("scannet", s) for s in ids[:500]} == {"test"}
    no_val = parse_config({**TINY, "split": {"train": 0.5, "test": 0.5}})
    assert {no_val.split_of("scannet", s) for s in ids[:500]} == {"train", "test"}
    assert parse_config(TINY).split_of("scannet", ids[0]) is None


def test_bad_exclude_and_split_entries_name_the_file_and_field(tmp_path):
    cases = [
        (
            {"exclude": ["vsi_bench"]},
            "exclude[0]: 'vsi_bench' is not a set name; did you mean 'vsibench'?",
        ),
        (
            {"exclude": ["vsibench", "ScanNet_Val"]},
            "exclude[1]: 'ScanNet_Val' is not a set name; did you mean 'scannet_val'?",
        ),
        (
            {"exclude": ["scanet:scene0000_00"]},
            "exclude[0]: 'scanet:scene0000_00': unknown dataset 'scanet'",
        ),
        ({"exclude": ["scannet:"]}, "exclude[0]: 'scannet:': no scene id after the colon"),
        ({"exclude": [41069025]}, "exclude[0]: must be a string"),
        ({"exclude": ["a", "a"]}, "exclude[1]: 'a' is already exclude[0]"),
        ({"exclude": "vsibench"}, "exclude: must be a list"),
        (
            {"split": {"train": 0.8, "val": 0.1}},
            "split: the shares must sum to 1 (got train 0.8, val 0.1, test 0: 0.9)",
        ),
        ({"split": {"train": 1.2, "val": -0.2}}, "split.train:"),
        (
            {"split": {"train": 0.5, "validation": 0.5}},
            "split.validation: Extra inputs are not permitted",
        ),
    ]
    for extra, message in cases:
        path = write_config(tmp_path / "c.yaml", {**TINY, **extra})
        with pytest.raises(ConfigError) as error:
            load_config(path)
        assert f"{path}: {message}" in str(error.value), (extra, str(error.value))
    # 0.7 + 0.2 + 0.1 is 0.9999999999999999 in floats: a valid split
    assert load_config(write_config(tmp_path / "ok.yaml", {**TINY, "split": SHARES})).split


def test_exclusion_and_split_enter_the_fingerprint():
    prints = {
        fingerprint(parse_config({**TINY, **extra}))
        for extra in (
            {},
            {"exclude": ["vsibench"]},
            {"exclude": ["scannet_val"]},
            {"exclude": ["scene0000_00"]},
            {"split": SHARES},
            {"split": {"train": 0.8, "val": 0.1, "test": 0.1}},
        )
    }
    assert len(prints) == 6


def test_a_build_that_keeps_vsibench_scenes_warns_once_naming_how_many(sources, tmp_path, caplog):
    def warnings(config: dict, out: str) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            build(parse_config(config), tmp_path / out, limit=0, progress=False)  # no shard runs
        return [r.getMessage() for r in caplog.records if "VSI-Bench" in r.getMessage()]

    (message,) = warnings(config_of(sources), "none")
    assert message.startswith("5 scenes of this build (scannet 3, scannetpp 1, arkitscenes 1)")
    assert "exclude: [vsibench]" in message
    (message,) = warnings(config_of(sources, exclude=["scannet_val"]), "val")
    assert message.startswith("2 scenes of this build (scannetpp 1, arkitscenes 1)")
    assert warnings(config_of(sources, exclude=["vsibench"]), "vsi") == []
    manifest = json.loads((tmp_path / "vsi" / "manifest.json").read_text())
    assert manifest["scenes"]["excluded"] == 5 and len(manifest["excluded"]) == 5
    assert {(r["dataset"], r["scene_id"]) for r in manifest["excluded"]} >= {
        ("scannetpp", VSI_SCANNETPP),
        ("arkitscenes", VSI_ARKIT),
    }


BUILT_SCANS = [*VSI_SCANNET[:2], VAL_ONLY[0], TRAIN_SCANS[1]]


@pytest.fixture(scope="module")
def split_build(ray_local, tmp_path_factory):
    """ScanNet scans (two of them VSI-Bench's) and procedural rooms, built with
    ``exclude: [vsibench]`` and a train/val/test split."""
    root = tmp_path_factory.mktemp("split_build")
    for scan in BUILT_SCANS:
        kit.write_scannet(root / "scannet", scan)
    config = {
        **TINY,
        "name": "leakage",
        "scenes": [
            {"scannet": str(root / "scannet")},
            {"procedural": {"count": 4, "seed": 2, "frames": 8}},
        ],
        "exclude": ["vsibench"],
        "split": {"train": 0.5, "val": 0.25, "test": 0.25},
    }
    out = root / "out"
    manifest = build(parse_config(config), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    frames = pq.read_table(out / "frames").to_pylist()
    return out, manifest, rows, frames


def scenes_per_split(rows: list[dict]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["split"], set()).add(row["scene_id"])
    return found


def test_a_split_build_holds_no_excluded_scene_and_no_scene_in_two_splits(split_build):
    _, manifest, rows, frames = split_build
    ordered = [("train", 0.5), ("val", 0.25), ("test", 0.25)]
    assert manifest["scenes"] == {"built": 6, "skipped": 0, "excluded": 2}
    assert [(r["dataset"], r["scene_id"], r["by"]) for r in manifest["excluded"]] == [
        ("scannet", scan, ["vsibench"]) for scan in VSI_SCANNET[:2]
    ]
    built = {row["scene_id"] for row in rows}
    assert built == {VAL_ONLY[0], TRAIN_SCANS[1]} | {f"proc_2_{i:04d}" for i in range(4)}
    for row in rows + frames:
        dataset = "procedural" if row["scene_id"].startswith("proc_") else "scannet"
        assert row["split"] == split_by_hand(ordered, dataset, row["scene_id"])
    per_split = scenes_per_split(rows)
    assert sum(len(s) for s in per_split.values()) == len(built)  # no scene in two splits
    assert scenes_per_split(frames) == per_split
    samples = Counter(row["split"] for row in rows)
    assert manifest["splits"] == {
        name: {"scenes": len(per_split.get(name, ())), "samples": samples[name]}
        for name in ("train", "val", "test")
    }
    assert sum(size["samples"] for size in manifest["splits"].values()) == len(rows)


def test_the_card_declares_one_split_per_split_and_they_load_apart(split_build):
    datasets = pytest.importorskip("datasets")
    out, _, rows, _ = split_build
    _, front, body = (out / "README.md").read_text().split("---\n", 2)
    meta = yaml.safe_load(front)
    declared = {entry["split"] for entry in meta["configs"][0]["data_files"]}
    per_split = scenes_per_split(rows)
    assert declared == set(per_split)
    assert "2 scenes excluded (`exclude:`; per entry: `vsibench` 2)" in body
    loaded = datasets.load_dataset(str(out), "default")
    assert set(loaded) == declared
    for name, part in loaded.items():
        assert set(part["scene_id"]) == per_split[name] and set(part["split"]) == {name}
    frames = datasets.load_dataset(str(out), "frames")
    assert {name: set(part["scene_id"]) for name, part in frames.items()} == per_split


def test_exports_write_one_file_per_split(split_build, tmp_path, capsys):
    out, manifest, rows, _ = split_build
    ids = {row["id"]: row for row in rows}
    assert main(["export", "llava", str(out), "--out", str(tmp_path / "llava.json")]) == 0
    printed = capsys.readouterr().out
    seen: dict[str, set[str]] = {}
    for name in ("train", "val", "test"):  # every configured split gets its file
        path = tmp_path / f"llava_{name}.json"
        records = json.loads(path.read_text())
        assert f"wrote {len(records)} llava rows to {path}" in printed
        assert {ids[r["id"]]["split"] for r in records} <= {name}
        seen[name] = {ids[r["id"]]["scene_id"] for r in records}
        assert len(records) == manifest["splits"][name]["samples"]
    assert not (tmp_path / "llava.json").exists()
    assert sum(len(s) for s in seen.values()) == len({r["scene_id"] for r in rows})

    assert main(["export", "vsibench", str(out), "--out", str(tmp_path / "vsi")]) == 0
    vsi_rows = [row for row in rows if row["question_vsi"] is not None]
    exported = {
        name: pq.read_table(tmp_path / "vsi" / f"test_{name}.parquet").to_pylist()
        for name in ("train", "val", "test")
    }
    assert sum(len(records) for records in exported.values()) == len(vsi_rows)
    for name, records in exported.items():
        assert [r["id"] for r in records] == list(range(len(records)))
        expected = [row["question_vsi"] for row in vsi_rows if row["split"] == name]
        assert [r["question"] for r in records] == expected
