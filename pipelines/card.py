"""The dataset card: ``README.md`` with the hub's YAML front matter, so the output folder can be
pushed to a dataset hub as it is and loaded by name (``datasets.load_dataset(folder)``).
"""

from __future__ import annotations

import hashlib
import itertools

import pyarrow as pa
import yaml

from spatialqa.generators import get_task
from spatialqa.pipelines import parquet
from spatialqa.seeding import stable_id

MEANINGS = {
    "id": "stable hash of (config hash, scene, task, index, degradation)",
    "scene_id": "the scene",
    "source": "where the scene came from (procedural, dir, a loader)",
    "split": "the scene's split (train, val, test); null when the build has no split",
    "task": "registry name (VSI-Bench names kept)",
    "family": "counting, size, distance, direction, ...",
    "question": "the question as shown, options included for multiple choice",
    "question_vsi": "VSI-Bench's verbatim form, where one exists",
    "answer_type": "mc, number, integer, yes_no, box, point, map, abstain",
    "answer": "what a model should say (letter, number, yes/no, [x, y] for a point, a map's JSON)",
    "choices": '"A. ..." options, empty unless multiple choice',
    "value": "the unrounded numeric truth",
    "unit": "the unit of value",
    "metric": "accuracy, mra, ...",
    "objects": "the referents and their roles",
    "views": "frame ids the question is about (rows of the frames config)",
    "images": (
        "the views inline (Image feature), when the build inlines them; a question about "
        "marked points has its marks drawn on them (under paths of the row's own)"
    ),
    "degradation": "type, severity and drawn parameters; null when clean",
    "program": "JSON the oracle re-executes to the same value",
    "rationale": "step-by-step derivation from the program",
    "margin": "distance to the nearest decision boundary",
    "answerable": "false for abstention items",
    "abstain_reason": "why an abstention item cannot be answered",
    "answerable_views": "the views from which the question can be answered",
    "labels": (
        "JSON: boxes, points (instance id -> pixels of the first view's image); marks (frame "
        "id -> [{xy, label}]: the points drawn on that view's image, in its pixels); "
        "view_points (query, answer -> {view, xy, text}: a point the question quotes or the "
        "answer gives, in that view's pixels and as its 0-1000 text); map (a cognitive map's "
        "grid and convention); null if none"
    ),
    "seed": "the sample's own seed",
    "scaffold": "what precedes the question (map: the true map of its referents); null if none",
}


def size_category(n: int) -> str:
    """The hub's size bucket: 843 -> "n<1K", 12000 -> "10K<n<100K"."""
    if n < 1000:
        return "n<1K"
    names = ["1K", "10K", "100K", "1M", "10M", "100M", "1B"]
    for low, high in itertools.pairwise(names):
        if n < 10 * parse_size(low):
            return f"{low}<n<{high}"
    return "n>1B"


def parse_size(name: str) -> int:
    return int(name[:-1]) * {"K": 10**3, "M": 10**6, "B": 10**9}[name[-1]]


def data_files(manifest: dict, folder: str) -> list[dict]:
    """The hub's ``data_files`` of ``folder`` (data or frames): everything as ``train``, or
    with ``split:`` each split's parts (a part is one scene, so it is in one split)."""
    per_split: dict[str, list[str]] = {name: [] for name in manifest.get("splits") or {}}
    for record in manifest["shards"]:
        if record["status"] != "ok":
            continue
        for name in record["counts"].get("split", {}):
            per_split[name] += sorted(f for f in record["files"] if f.startswith(f"{folder}/"))
    listed = [{"split": name, "path": paths} for name, paths in per_split.items() if paths]
    return listed or [{"split": "train", "path": f"{folder}/*.parquet"}]


def files_digest(manifest: dict) -> str:
    """One sha256 over every built file's path and sha256 (sorted): equal exactly when the
    files the manifest records are."""
    lines = sorted(
        f"{path} {digest}\n"
        for record in manifest["shards"]
        if record["status"] == "ok"
        for path, digest in record["files"].items()
    )
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def build_identity(manifest: dict) -> dict:
    """What makes this build unique: its config hash (config and versions), the digest of
    its files (a ``--limit`` build of one config has other files), and the two joined as
    ``build_id``; counts beside them for people."""
    digest = files_digest(manifest)
    return {
        "build_id": stable_id(manifest["config_hash"], digest),
        "config_hash": manifest["config_hash"],
        "files_sha256": digest,
        "samples": manifest["samples"],
        "frames": manifest["frames"],
        "scenes": manifest["scenes"]["built"],
    }


def front_matter(manifest: dict) -> dict:
    """The hub YAML. ``datasets`` keys its cache of a local folder on the folder's name and a
    hash of this YAML's ``configs`` (file patterns, not the files): each config's
    ``description`` names the build (``build_id``), so another build, in this folder after
    ``--overwrite`` or in another folder of the same name, is never served from the cache."""
    identity = build_identity(manifest)
    key = f"spatialqa build {identity['build_id']} (config {identity['config_hash']})"
    return {
        "pretty_name": manifest["name"],
        "task_categories": ["visual-question-answering"],
        "language": ["en"],
        "tags": ["spatial-reasoning", "3d", "spatialqa"],
        "size_categories": [size_category(manifest["samples"])],
        "spatialqa": identity,
        "configs": [
            {
                "config_name": "default",
                "data_files": data_files(manifest, "data"),
                "default": True,
                "description": f"{key}: samples",
            },
            {
                "config_name": "frames",
                "data_files": data_files(manifest, "frames"),
                "description": f"{key}: frames",
            },
        ],
    }


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def type_name(arrow_type: pa.DataType) -> str:
    """An Arrow type as a short text, ``{bytes, path}`` structs named ``image``."""
    if arrow_type == parquet.IMAGE:
        return "image"
    if pa.types.is_list(arrow_type):
        return f"list<{type_name(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        return "struct<" + ", ".join(f"{f.name}: {type_name(f.type)}" for f in arrow_type) + ">"
    return str(arrow_type)


def leakage_text(manifest: dict) -> str:
    """The card's lines on excluded scenes and splits ("" when the build has neither)."""
    lines = []
    excluded = manifest.get("excluded", [])
    if excluded:
        by: dict[str, int] = {}
        for record in excluded:
            for entry in record["by"]:
                by[entry] = by.get(entry, 0) + 1
        named = ", ".join(f"`{entry}` {n}" for entry, n in by.items())
        lines.append(
            f"\n{len(excluded)} scenes excluded (`exclude:`; per entry: {named}); "
            "`manifest.json` lists them."
        )
    splits = manifest.get("splits")
    if splits:
        sizes = [[f"`{name}`", size["scenes"], size["samples"]] for name, size in splits.items()]
        lines.append(
            "\nSplits by scene (no scene is in two splits; each is its own split of both "
            "configs):\n\n" + table(["split", "scenes", "samples"], sizes)
        )
    return "".join(line + "\n" for line in lines)


def dataset_card(manifest: dict) -> str:
    """The card of a built dataset, from its manifest alone (no wall time: same build, same
    bytes)."""
    counts = manifest["counts"]
    tasks = []
    for name, n in counts["task"].items():
        task = get_task(name).describe()
        tasks.append([f"`{name}`", task["family"], task["answer_type"], task["metric"], n])
    scenes = manifest["scenes"]
    skipped = "".join(f"\n- `{s['scene']}`: {s['reason']}" for s in manifest["skipped"])
    leakage = leakage_text(manifest)
    config = yaml.safe_dump(manifest["config"], sort_keys=False).rstrip()
    features = [
        [f"`{f.name}`", f"`{type_name(f.type)}`", MEANINGS.get(f.name, "")] for f in parquet.SAMPLES
    ]
    frame_features = ", ".join(f"`{f.name}` (`{type_name(f.type)}`)" for f in parquet.FRAMES)
    return f"""---
{yaml.safe_dump(front_matter(manifest), sort_keys=False).rstrip()}
---

# {manifest["name"]}

Spatial question-answer pairs made by spatialqa from 3D scenes: every
answer is computed by a geometric oracle from meshes and camera poses, and every sample keeps
the program that recomputes it. Built by spatialqa {manifest["versions"].get("spatialqa", "?")}
from config `{manifest["config_hash"]}` (below); build `{build_identity(manifest)["build_id"]}`
(the config hash and the digest of every file's sha256, as the YAML above records them).

```python
import datasets

samples = datasets.load_dataset("path/to/this/folder", "default")["train"]
frames = datasets.load_dataset("path/to/this/folder", "frames")["train"]
```

## Counts

{manifest["samples"]} samples and {manifest["frames"]} frames from {scenes["built"]} scenes
({scenes["skipped"]} skipped).{skipped}
{leakage}
{table(["task", "family", "answer", "metric", "samples"], tasks)}

Answer types: {", ".join(f"{k} {v}" for k, v in counts["answer_type"].items())}.

## Features

Samples (`default`, `data/*.parquet`):

{table(["column", "type", "meaning"], features)}

Frames (`frames`, `frames/*.parquet`), each rendered (and degraded) view stored once:
{frame_features}.

## Build config

```yaml
{config}
```

`manifest.json` holds the package versions, counts per answer bucket and each file's sha256.
"""
