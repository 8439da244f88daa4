"""One build of a corpus of broken and odd scene directories: nothing takes the build down.

Each broken scene must be skipped with a reason that names the scene, the field at fault and
the exception type; each odd but valid scene must be built; ids stay unique, text stays free
of control and bidi characters, and the exports write nothing outside their ``--out``.
The corpus is written by ``bad_scenes_kit`` and built once for the module.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from bad_scenes_kit import CASES, Case, write_corpus
from build_kit import write_config

from spatialqa.pipelines import export_llava, export_vsibench
from spatialqa.pipelines.build import build
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import load_config

DEADLINE_S = 300  # a build still running then is hung on some scene: the test fails
TEXT_FIELDS = ("question", "question_vsi", "answer", "choices", "rationale")
# refused up front by a limit (named in the reason), before anything is allocated
LIMITED = {"frame_huge": "limits.max_image_side", "too_many_objects": "limits.max_objects"}
EXCEPTION_TYPE = re.compile(r"\b\w*(Error|Exception|Timeout|Exit)\b")

CONFIG = {
    "name": "bad-inputs",
    "seed": 3,
    "tasks": [
        {"name": "object_counting", "per_scene": 2},
        {"name": "object_abs_distance", "per_scene": 2},
        {"name": "object_rel_direction_easy", "per_scene": 2},
        {"name": "obj_appearance_order", "per_scene": 2},
        {"name": "object_size_estimation", "per_scene": 1},  # asks of a one-object scene too
    ],
    "views": {"frames": 4},
    "render": {"backend": "raycast", "width": 64, "height": 48},
}


class FifoGuard:
    """Watches FIFOs while a build runs: a reader blocked on one is released (it reads end of
    file) and recorded, so a build that opens a FIFO fails its case instead of hanging."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.opened: set[Path] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            for path in self.paths:
                try:  # succeeds only while some process has the FIFO open for reading
                    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue
                self.opened.add(path)
                os.close(fd)

    def __enter__(self) -> FifoGuard:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bounded(call: Callable[[], Any], seconds: float, what: str) -> Any:
    """``call()`` in a thread; fail the test if it has not returned after ``seconds``."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:  # re-raised below, in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{what} did not return within {seconds} s: some scene hangs it")
    if "error" in result:
        raise result["error"]
    return result["value"]


def entries(root: Path) -> set[Path]:
    """Every path below ``root`` (files, links, FIFOs, folders), links not followed."""
    found = set()
    for folder, dirs, files in os.walk(root):
        found.update(Path(folder) / name for name in (*dirs, *files))
    return found


def fifos(root: Path) -> list[Path]:
    return sorted(p for p in entries(root) if stat.S_ISFIFO(os.lstat(p).st_mode))


def inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or below it (by the names, links not followed)."""
    path, folder = os.path.normpath(path), os.path.normpath(folder)
    return path == folder or path.startswith(folder + os.sep)


@dataclass
class Built:
    base: Path
    corpus: Path
    config: Path
    out: Path
    cases: list[Case]
    manifest: dict
    rows: list[dict]
    seconds: float
    fifo_opened: set[Path]
    written_outside: set[Path]

    def record(self, name: str) -> dict:
        """The manifest's shard record of the scene ``name``."""
        found = [r for r in self.manifest["shards"] if r["scene"] == name]
        assert len(found) == 1, f"{name}: {len(found)} shard records in the manifest"
        return found[0]


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory) -> Iterator[Built]:
    base = tmp_path_factory.mktemp("bad_inputs")
    corpus = base / "corpus"
    cases = write_corpus(corpus)
    config = write_config(base / "config.yaml", {**CONFIG, "scenes": [{"dir": str(corpus)}]})
    out = base / "dataset"
    before = entries(base)
    started = time.perf_counter()
    with FifoGuard(fifos(corpus)) as guard:
        manifest = bounded(
            lambda: build(load_config(config), out, workers=2, progress=False),
            DEADLINE_S,
            "build()",
        )
    seconds = time.perf_counter() - started
    print(f"\nbuild of {len(cases)} scenes: {seconds:.1f} s")
    written_outside = {p for p in entries(base) - before if not inside(p, out)}
    rows = pq.read_table(out / "data").to_pylist() if any((out / "data").glob("*.parquet")) else []
    yield Built(
        base, corpus, config, out, cases, manifest, rows, seconds, guard.opened, written_outside
    )


def test_the_build_returns_with_a_record_of_every_scene(built):
    assert built.manifest["complete"]
    assert sorted(r["scene"] for r in built.manifest["shards"]) == sorted(
        c.name for c in built.cases
    )
    assert built.written_outside == set(), "the build wrote outside its --out"
    assert built.fifo_opened == set(), "the build opened a FIFO for reading (it would hang)"


def check_skip_reason(case: Case, reason: str) -> None:
    assert case.name in reason, f"the reason does not name the scene directory: {reason}"
    if case.reason_contains is not None:
        assert case.reason_contains in reason, (
            f"the reason does not name {case.reason_contains!r}: {reason}"
        )


@pytest.mark.parametrize("case", [c for c, _ in CASES], ids=lambda c: c.name)
def test_each_scene_is_skipped_or_built_as_expected(built, case):
    record = built.record(case.name)
    skipped = {s["scene"]: s["reason"] for s in built.manifest["skipped"]}
    if case.expect == "skipped":
        assert record["status"] == "skipped", f"{case.name} was built ({record.get('rows')} rows)"
        check_skip_reason(case, skipped[case.name])
        reason = skipped[case.name]
        assert EXCEPTION_TYPE.search(reason), f"the reason names no exception type: {reason}"
        assert "MemoryError" not in reason, f"refused only once memory ran out: {reason}"
        assert LIMITED.get(case.name, "") in reason, f"not refused by {LIMITED[case.name]}"
    elif case.expect == "built":
        assert record["status"] == "ok", f"{case.name} skipped: {skipped.get(case.name)}"
        assert record["rows"] > 0, f"{case.name} built, but holds no sample"
    elif record["status"] == "ok":
        assert record["rows"] > 0, f"{case.name} built, but holds no sample"
    else:  # a deliberate skip (a duplicate scene_id, say) need not come from an exception
        check_skip_reason(case, skipped[case.name])


def test_a_fifo_is_refused_without_being_opened(built):
    assert built.fifo_opened == set()
    assert built.record("rgb_fifo")["status"] == "skipped"


def test_sample_ids_are_unique_across_the_build(built):
    assert built.rows, "the valid scenes must give samples"
    repeated = {i: n for i, n in Counter(row["id"] for row in built.rows).items() if n > 1}
    assert repeated == {}
    # two scenes with one scene_id: the first is built; the second too (under other ids, as
    # checked above) or skipped (its case checks the reason)
    assert built.record("same_id/one")["status"] == "ok"


def odd_characters(field: str, text: str) -> list[str]:
    """Control (Cc) and format (Cf, the bidi overrides among them) characters of ``text``.

    The one exception is the library's own layout of a multiple-choice question: the question,
    then one line per choice ("A. left"); a newline anywhere else counts.
    """
    if field in ("question", "question_vsi"):
        first, *choices = text.split("\n")
        if all(re.match(r"[A-Z]\. ", line) for line in choices):
            text = " ".join([first, *choices])
    return sorted({hex(ord(c)) for c in text if unicodedata.category(c) in ("Cc", "Cf")})


def test_no_control_or_bidi_character_reaches_the_text(built):
    assert built.rows
    bad = []
    for row in built.rows:
        for field in TEXT_FIELDS:
            value = row.get(field)
            for text in value if isinstance(value, list) else [value]:
                odd = [] if text is None else odd_characters(field, text)
                if odd:
                    bad.append((row["scene_id"], field, odd, text))
    assert bad == [], bad[:5]
    # the scenes with odd names were built and asked about
    scenes = {row["scene_id"] for row in built.rows}
    assert {"control_category", "unicode_category"} <= scenes


def test_exports_write_only_inside_their_out_folders(built):
    exports = built.base / "exports"
    exports.mkdir(exist_ok=True)  # each export's --out folder is made below it
    neighbours = set(os.listdir(built.base.parent))
    for name, export, target in (
        ("llava", export_llava, exports / "llava" / "data.json"),
        ("vsibench", export_vsibench, exports / "vsibench" / "vsi.parquet"),
    ):
        before = entries(built.base)
        summary = export(built.out, target)
        created = entries(built.base) - before
        assert summary["rows"] > 0, name
        outside = sorted(str(p) for p in created if not inside(p, target.parent))
        assert outside == [], f"{name} wrote outside its --out folder"
        for path in created:  # no link that a later write could follow out of the folder
            assert not os.path.islink(path), path
    assert set(os.listdir(built.base.parent)) == neighbours


def test_the_cli_build_exits_3_when_a_scene_is_skipped(built, capsys):
    """The same config again in the same output: a resume that retries the skipped scenes."""
    argv = ["build", str(built.config), "--out", str(built.out), "--workers", "2", "--quiet"]
    with FifoGuard(fifos(built.corpus)) as guard:
        status = bounded(
            lambda: main(argv),
            DEADLINE_S,
            "spatialqa build",
        )
    assert status == 3, capsys.readouterr()
    assert guard.opened == set()
    first = {s["scene"] for s in built.manifest["skipped"]}
    again = json.loads((built.out / "manifest.json").read_text())
    assert {s["scene"] for s in again["skipped"]} == first
