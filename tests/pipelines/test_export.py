"""Exports and previews of a dataset whose ids are hostile (``../../x``, absolute paths, NUL,
backslashes, drive letters, 300 characters) write every file inside ``--out`` and nowhere else,
under names that match what the exported JSON and Parquet say; ordinary ids keep today's paths.

The dataset is written by hand (real Parquet in the build's schema, real JPEG images): a build
cannot make such ids, a downloaded or edited dataset can."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.export import export_llava, safe_name
from spatialqa.pipelines.parquet import FRAMES, SAMPLES
from spatialqa.pipelines.preview import preview

SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def hostile_ids(root: Path) -> list[str]:
    return [
        "../../x",
        "..",
        ".",
        ".hidden",
        "a/b",
        "a\\b",
        "a_b",
        "nul\x00byte",
        "C:",
        "C:\\Windows\\x",
        str(root / "escaped"),  # absolute, and inside the snapshot so an escape shows
        "x" * 300,
        "",
        "caf\u00e9",
        "f1__jpeg3",
        "f1--0123456789ab",
    ]


def jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (shade, 40, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def write_dataset(root: Path, scenes: list[tuple[str, str, str, str, str | None]]) -> list[dict]:
    """One shard of samples and frames: (sample id, scene, frame, source, degradation type)."""
    samples, frames = [], []
    for number, (sample_id, scene, frame, source, kind) in enumerate(scenes):
        degradation = None if kind is None else {"type": kind, "severity": 3, "params": "{}"}
        tag = "" if kind is None else f"__{kind}3"
        image = {"bytes": jpeg(number % 250), "path": f"../../{scene}/{frame}{tag}.jpg"}
        frames.append(
            {
                "scene_id": scene,
                "frame_id": frame,
                "degradation": degradation,
                "timestamp": float(number),
                "width": 8,
                "height": 6,
                "image": image,
            }
        )
        samples.append(
            {
                "id": sample_id,
                "scene_id": scene,
                "source": source,
                "task": source,  # a hostile task name too
                "family": "measurement",
                "question": f"How far? ({number})",
                "question_vsi": f"How far is it? ({number})",
                "answer_type": "number",
                "answer": f"{number + 1}.5",
                "value": number + 1.5,
                "unit": "m",
                "objects": [],
                "views": [frame],
                "images": [],
                "degradation": degradation,
                "rationale": "by hand",
                "answerable": True,
                "seed": number,
            }
        )
    for folder, rows, schema in (("data", samples, SAMPLES), ("frames", frames, FRAMES)):
        (root / folder).mkdir(parents=True)
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, root / folder / "part-00000.parquet")
    return samples


def every_file(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


@pytest.fixture
def hostile(tmp_path):
    """A dataset with every hostile id as scene, frame, source/task, sample id and type."""
    work = tmp_path / "work"
    ids = hostile_ids(tmp_path)
    entries = [("0123456789abcdef", "proc_0_0003", "f0012", "procedural", "jpeg")]
    for number, bad in enumerate(ids):
        entries += [
            (f"s{number}", bad, "f0001", "procedural", None),  # hostile scene
            (f"t{number}", "scene0000_00", bad, "scannet", None),  # hostile frame
            (f"u{number}", f"src{number}", "f0002", bad, None),  # hostile source and task
            (f"v{number}", f"scene{number}", "f0003", "scannet", bad),  # hostile type
            (bad + f"#{number}", f"scene{number}", "f0004", "scannet", None),  # hostile sample id
        ]
    rows = write_dataset(work / "dataset", entries)
    return tmp_path, work, rows


def test_safe_names_keep_ordinary_ids_and_never_collide():
    for ordinary in ("proc_0_0003", "scene0000_00", "f0012", "41069021_3049.131", "a-b.c"):
        assert safe_name(ordinary) == ordinary
    ids = [*hostile_ids(Path("/tmp/t")), "a_b", "a-b", "x" * 301, "C_", "_.", "_", "__"]
    names = [safe_name(text) for text in ids]
    assert len(set(names)) == len(set(ids))
    for text, name in zip(ids, names, strict=True):
        assert SAFE.fullmatch(name) and len(name) <= 100, (text, name)
        assert safe_name(text) == name  # stable
        if name != text:
            assert re.fullmatch(r".*--[0-9a-f]{12}", name)
    assert safe_name("../../x").startswith("_._.._x--")


def test_exports_and_preview_write_only_inside_out(hostile):
    tmp_path, work, rows = hostile
    before = every_file(tmp_path)
    llava = work / "out" / "llava" / "train.json"
    vsi = work / "out" / "vsi" / "test.parquet"
    gallery = work / "out" / "gallery"
    assert main(["export", "llava", str(work / "dataset"), "--out", str(llava)]) == 0
    assert main(["export", "vsibench", str(work / "dataset"), "--out", str(vsi)]) == 0
    preview(work / "dataset", gallery, count=len(rows), seed=0)
    created = every_file(tmp_path) - before
    assert created and all(p.resolve().is_relative_to(work / "out") for p in created), sorted(
        str(p) for p in created if not p.resolve().is_relative_to(work / "out")
    )
    assert not any(p.is_symlink() for p in created)
    for path in created:  # every name written is a safe component
        for part in path.relative_to(work / "out").parts:
            assert SAFE.fullmatch(part) and len(part) < 255, path

    # LLaVA: one file per distinct frame, each named where the JSON says
    records = json.loads(llava.read_text())
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    named = {r["image"] for r in records}
    written = {str(p.relative_to(llava.parent)) for p in created if p.is_relative_to(llava.parent)}
    assert named | {"train.json"} == written
    assert len(named) == len(rows)  # every sample has its own frame here
    for record, row in zip(records, rows, strict=True):
        assert (llava.parent / record["image"]).read_bytes() == jpeg(rows.index(row) % 250)
    assert records[0]["image"] == "images/proc_0_0003/f0012__jpeg3.jpg"  # as before

    # VSI-Bench: each row's frames lie in <dataset>/<scene_name>/ as the columns say
    exported = pq.read_table(vsi).to_pylist()
    assert len(exported) == len(rows)
    for record, row in zip(exported, rows, strict=True):
        folder = vsi.parent / record["dataset"] / record["scene_name"]
        assert folder.is_dir() and folder.resolve().is_relative_to(vsi.parent)
        image = folder / f"{safe_name(row['views'][0])}.jpg"
        assert image.read_bytes() == jpeg(rows.index(row) % 250)
    first = exported[0]
    assert (first["dataset"], first["scene_name"]) == ("procedural", "proc_0_0003__jpeg3")
    vsi_files = [p for p in created if p.is_relative_to(vsi.parent) and p != vsi]
    assert len(vsi_files) == len(rows)

    # preview: the images its page shows, nothing else but the page and the plot
    page = (gallery / "index.html").read_text()
    shown = set(re.findall(r"<img src='(images/[^']+)'", page))
    in_gallery = {str(p.relative_to(gallery)) for p in created if p.is_relative_to(gallery)}
    assert in_gallery == shown | {"index.html", "distributions.png"}
    assert len(shown) == len(rows)


def test_a_link_inside_out_cannot_lead_outside(hostile, tmp_path_factory):
    _, work, _ = hostile
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    target = work / "out" / "train.json"
    (work / "out").mkdir()
    (work / "out" / "images").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(SpatialQAError, match="outside the output folder"):
        export_llava(work / "dataset", target)
    assert list(elsewhere.iterdir()) == []
    gallery = work / "gallery"
    gallery.mkdir()
    (gallery / "images").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(SpatialQAError, match="outside the output folder"):
        preview(work / "dataset", gallery, count=3)
    assert list(elsewhere.iterdir()) == []


def test_two_frames_at_one_path_are_an_error_not_a_silent_overwrite(tmp_path):
    # same scene, frame "f1" at jpeg severity 3 vs a frame named "f1__jpeg3": the build's own
    # naming would put both at f1__jpeg3.jpg; safe_name keeps them apart
    rows = write_dataset(
        tmp_path / "d",
        [("a", "s", "f1", "scannet", "jpeg"), ("b", "s", "f1__jpeg3", "scannet", None)],
    )
    out = tmp_path / "out" / "train.json"
    export_llava(tmp_path / "d", out)
    images = [r["image"] for r in json.loads(out.read_text())]
    assert images[0] == "images/s/f1__jpeg3.jpg" and images[1] != images[0]
    for number, image in enumerate(images):
        assert (out.parent / image).read_bytes() == jpeg(number) and rows[number]["id"]
