"""Benchmark leakage controls: named sets of evaluation scenes, ``exclude:`` and ``split:``.

A scene is known by ``(dataset, scene id)``: the dataset is the loader that reads it
(``scannet``, ``scannetpp``, ``arkitscenes``, ``front3d``, ``generic``), ``procedural`` for
rooms made by ``spatialqa.scenes``, and for a scene directory its ``scene.json`` ``source.kind``
(a converted ScanNet scan stays ``scannet``). Matching on the pair keeps a ScanNet++ scene whose
id happens to look like a ScanNet one out of ScanNet's sets.

The named sets ship with the package (``data/``): ``vsibench`` is every scene VSI-Bench
evaluates on (its ScanNet, ScanNet++ and ARKitScenes val scenes), ``scannet_val`` the whole
ScanNet v2 val split.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from spatialqa.errors import ConfigError
from spatialqa.seeding import stable_id, stable_seed

SETS = {"vsibench": "vsibench_scenes.txt", "scannet_val": "scannetv2_val.txt"}
"""Named sets ``exclude:`` accepts, and their files in ``spatialqa/pipelines/data/``."""
ONE_DATASET = {"scannet_val": "scannet"}
"""Sets whose file holds bare scene ids, all of this dataset; the others hold
``<dataset> <scene id>`` lines."""
DATASETS = ("procedural", "scannet", "scannetpp", "arkitscenes", "front3d", "generic")
"""Datasets an ``exclude:`` entry may name before a colon (``scannet:scene0011_00``)."""
SPLITS = ("train", "val", "test")
"""Split names, in the order their shares are laid on [0, 1)."""
_HASH_SPAN = 2**63
"""``stable_seed`` returns 63 bits: divided by this it is uniform on [0, 1)."""

SceneKey = tuple[str, str]  # (dataset, scene id)


def set_text(name: str) -> str:
    """The shipped file of the named set ``name``."""
    return files("spatialqa.pipelines").joinpath("data", SETS[name]).read_text(encoding="utf-8")


@cache
def benchmark_set(name: str) -> frozenset[SceneKey]:
    """The (dataset, scene id) pairs of the named set ``name`` (a key of ``SETS``)."""
    scenes = set()
    for number, line in enumerate(set_text(name).splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if name in ONE_DATASET:
            parts = [ONE_DATASET[name], *parts]
        if len(parts) != 2:
            raise ConfigError(
                f"{SETS[name]}: line {number}: expected "
                f"{'a scene id' if name in ONE_DATASET else '<dataset> <scene id>'} "
                f"(got {line[:80]!r})"
            )
        scenes.add((parts[0], parts[1]))
    return frozenset(scenes)


def set_digest(name: str) -> str:
    """A hash of the named set's file: a new list changes which scenes a build keeps."""
    return stable_id(set_text(name))


@dataclass(frozen=True)
class Entry:
    """One ``exclude:`` entry: a named set, or a scene id (of one dataset when qualified)."""

    text: str
    set: str | None = None
    dataset: str | None = None
    scene_id: str = ""

    def matches(self, scene: SceneKey) -> bool:
        if self.set is not None:
            return scene in benchmark_set(self.set)
        return scene[1] == self.scene_id and self.dataset in (None, scene[0])


def parse_entry(text: object) -> Entry:
    """An ``exclude:`` entry; ValueError (the config names the field) when it is not one.

    ``vsibench`` and ``scannet_val`` are sets; ``dataset:id`` is the scene ``id`` of that
    dataset only (split at the first colon); anything else is a scene id of any dataset. A word
    close to a set's name (``VSIBench``, ``vsi_bench``) is refused as a likely typo: a plain
    id would silently match nothing and leak the set it meant."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"must be a set name or a scene id (got {text!r})")
    if text != text.strip():
        raise ValueError(f"{text!r}: leading or trailing blanks")
    if text in SETS:
        return Entry(text, set=text)
    if ":" in text:
        dataset, scene_id = text.split(":", 1)
        if dataset not in DATASETS:
            raise ValueError(
                f"{text!r}: unknown dataset {dataset!r} before the colon "
                f"(known: {', '.join(DATASETS)}; or give the bare scene id)"
            )
        if not scene_id:
            raise ValueError(f"{text!r}: no scene id after the colon")
        return Entry(text, dataset=dataset, scene_id=scene_id)
    squashed = text.lower().replace("-", "").replace("_", "").replace(" ", "")
    near = [n for n in SETS if n.replace("_", "") == squashed]
    near = near or difflib.get_close_matches(text.lower(), SETS, n=1, cutoff=0.75)
    if near:
        raise ValueError(
            f"{text!r} is not a set name; did you mean {near[0]!r}? (sets: {', '.join(SETS)}; "
            f"a scene that really has this id: write it as 'dataset:{text}')"
        )
    return Entry(text, scene_id=text)


class Exclusion:
    """The ``exclude:`` entries of a config, matched on (dataset, scene id)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries = [parse_entry(text) for text in entries]

    def reasons(self, scene: SceneKey) -> list[str]:
        """The entries that exclude ``scene`` (empty when it is kept)."""
        return [entry.text for entry in self.entries if entry.matches(scene)]


def assign_split(shares: Mapping[str, float], scene: SceneKey) -> str:
    """The split of ``scene``: a stable hash of (dataset, scene id) alone, uniform on [0, 1),
    falls in one of the consecutive intervals the shares lay out in ``SPLITS`` order.

    Neither the seed nor the other scenes of a build enter: a scene is in the same split in
    every build with these shares, so a model trained on one build's ``train`` never saw
    another build's ``test`` scenes."""
    position = stable_seed("split", *scene) / _HASH_SPAN
    named = [(name, shares[name]) for name in SPLITS if shares.get(name, 0) > 0]
    bound = 0.0
    for name, share in named:
        bound += share
        if position < bound:
            return name
    return named[-1][0]  # the shares' float sum fell short of 1 by a rounding error
