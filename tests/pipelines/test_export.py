"""Exports and previews of a dataset whose ids are hostile (``../../x``, absolute paths, NUL,
backslashes, drive letters, 300 characters) write every file inside ``--out`` and nowhere else,
under names that match what the exported JSON and Parquet say; ordinary ids keep today's paths.

The dataset is written by hand (real Parquet in the build's schema, real JPEG images): a build
cannot make such ids, a downloaded or edited dataset can. Also here: an export with nothing to
write warns with a hint and writes nothing; answers of type ``map`` pass through as JSON text."""

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


ORDINARY_SOURCES = ("procedural", "scannet")


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
                # a hostile task name with a hostile source; else a VSI-Bench question type
                "task": source if source not in ORDINARY_SOURCES else "object_abs_distance",
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
    vsi = work / "out" / "vsi"
    vlm = work / "out" / "vlmevalkit"
    gallery = work / "out" / "gallery"
    assert main(["export", "llava", str(work / "dataset"), "--out", str(llava)]) == 0
    assert main(["export", "vsibench", str(work / "dataset"), "--out", str(vsi)]) == 0
    assert main(["export", "vlmevalkit", str(work / "dataset"), "--out", str(vlm)]) == 0
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

    # VSI-Bench: each row's video lies at videos/<dataset>/<scene_name>.mp4, as the columns say
    # (lmms-eval's vsibench_doc_to_visual rule), one per (dataset, scene, variant)
    exported = pq.read_table(vsi / "test.parquet").to_pylist()
    vsi_rows = [row for row in rows if row["task"] == "object_abs_distance"]
    assert [r["spatialqa_id"] for r in exported] == [row["id"] for row in vsi_rows]
    videos = set()
    for record in exported:
        video = vsi / "videos" / record["dataset"] / f"{record['scene_name']}.mp4"
        assert video.is_file() and video.resolve().is_relative_to(vsi), record
        videos.add(video)
    first = exported[0]
    assert (first["dataset"], first["scene_name"]) == ("procedural", "proc_0_0003__jpeg3")
    made = {p for p in created if p.is_relative_to(vsi / "videos")}
    assert made == videos
    tsv = {p.name for p in created if p.is_relative_to(vlm) and p.suffix == ".tsv"}
    assert tsv == {"spatialqa_vsi_clean.tsv"} | {  # one file per variant, safe names
        f"spatialqa_vsi_{safe_name(kind)}3.tsv" for kind in ["jpeg", *hostile_ids(tmp_path)]
    }

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


def without_vsi_form(root: Path, answer_type: str = "number", answer: str | None = None) -> Path:
    """A hand-made build whose rows have no VSI-Bench form (and are not multiple choice)."""
    write_dataset(root, [("a", "s", "f1", "scannet", None), ("b", "s", "f2", "scannet", None)])
    path = root / "data" / "part-00000.parquet"
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        row.update(question_vsi=None, answer_type=answer_type)
        if answer is not None:
            row["answer"] = answer
    pq.write_table(pa.Table.from_pylist(rows, schema=SAMPLES), path)
    return root


@pytest.mark.parametrize("form", ["vsibench", "vlmevalkit"])
def test_an_export_with_nothing_to_write_warns_with_a_hint_and_writes_nothing(
    tmp_path, capsys, form
):
    dataset = without_vsi_form(tmp_path / "d")
    out = tmp_path / "out"
    assert main(["export", form, str(dataset), "--out", str(out)]) == 4
    printed = capsys.readouterr()
    assert printed.err.startswith("spatialqa: warning:") and "nothing written" in printed.err
    assert "object_counting" in printed.err and "object_rel_direction_hard" in printed.err
    assert "of its 2 samples" in printed.err and printed.out == ""
    assert not out.exists()


def test_a_conversation_export_of_an_empty_build_warns_and_writes_nothing(tmp_path, capsys):
    dataset = tmp_path / "d"
    write_dataset(dataset, [])
    out = tmp_path / "out" / "train.json"
    assert main(["export", "sharegpt", str(dataset), "--out", str(out)]) == 4
    assert "spatialqa tasks lists them" in capsys.readouterr().err
    assert not out.parent.exists()


def test_answers_of_type_map_pass_through_as_their_json_text(tmp_path):
    # the answer type of cognitive maps (issue 18): a JSON object, stored as its text
    text = '{"grid": [10, 10], "objects": {"sofa": [[2, 3]], "t\\u00e9l\\u00e9": [[7, 1]]}}'
    dataset = without_vsi_form(tmp_path / "d", answer_type="map", answer=text)
    for style, name in (("llava", "l.json"), ("sharegpt", "s.json"), ("swift", "w.jsonl"),
                        ("r1", "r.json")):  # fmt: skip
        out = tmp_path / "out" / name
        assert main(["export", style, str(dataset), "--out", str(out)]) == 0
        raw = out.read_text()
        records = (
            [json.loads(line) for line in raw.splitlines()]
            if style == "swift"
            else (json.loads(raw))
        )
        for record in records:
            if style in ("llava", "sharegpt"):
                answer = record["conversations"][1]["value"]
            elif style == "swift":
                answer = record["messages"][1]["content"]
            else:
                assert record["problem_type"] == "free-form" and record["options"] == []
                answer = record["solution"].removeprefix("<answer>").removesuffix("</answer>")
            assert answer == text  # the stored text, not re-serialised
            assert json.loads(answer)["objects"]["t\u00e9l\u00e9"] == [[7, 1]]
    assert main(["export", "vsibench", str(dataset), "--out", str(tmp_path / "v")]) == 4
