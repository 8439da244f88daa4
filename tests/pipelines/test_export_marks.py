"""Marked samples (point correspondence) keep their marks through every export, on one small real
build (one procedural room, 96 x 72, point_correspondence, point_correspondence_coords,
depth_order and object_counting, clean and lens_distortion 3): the image a marked sample points
to is the row's own inline image (the marks drawn on it), never the frame's unmarked one; every
other sample still points to its frame's image. A marked sample that holds no marked image, or
that a video export would show through the frames, is left out with a warning naming its task."""

from __future__ import annotations

import ast
import base64
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from build_kit import TINY
from PIL import Image

from spatialqa.degradations.marks import MARK_FILL
from spatialqa.pipelines import preview as preview_module
from spatialqa.pipelines.build import build
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.export import STYLES, EmptyExport, export_conversations
from spatialqa.pipelines.lmms_eval import export_vsibench
from spatialqa.pipelines.vlmevalkit import export_vlmevalkit

MARKED = "point_correspondence"  # its labels.marks: REF on the first view, A-D on the second
CONFIG = {
    **TINY,
    "name": "marks",
    "scenes": [{"procedural": {"count": 1, "seed": 2, "frames": 8}}],
    "tasks": [
        {"name": MARKED, "per_scene": 1},
        {"name": "point_correspondence_coords", "per_scene": 1},  # no marks: quoted points
        {"name": "depth_order", "per_scene": 1},  # one view, multiple choice (VLMEvalKit MCQ)
        {"name": "object_counting", "per_scene": 1},  # VSI-Bench form: the video exports
    ],
    "render": {"width": 96, "height": 72},
    "degradations": ["clean", {"type": "lens_distortion", "severities": [3]}],
}


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("marks") / "dataset"
    build(parse_config(CONFIG), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    assert {row["task"] for row in rows} == {t["name"] for t in CONFIG["tasks"]}
    # one sample per task, shown clean and through the lens: 4 x 2 rows
    assert len(rows) == 8 and sum(row["task"] == MARKED for row in rows) == 2
    frames = {
        (f["scene_id"], f["frame_id"], variant(f["degradation"])): f["image"]["bytes"]
        for f in pq.read_table(out / "frames").to_pylist()
    }
    return out, rows, frames


def variant(degradation: dict | None) -> str:
    return "clean" if degradation is None else f"{degradation['type']}{degradation['severity']}"


def frame_bytes(frames: dict, row: dict, view: str) -> bytes:
    return frames[row["scene_id"], view, variant(row["degradation"])]


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def shows_mark(data: bytes, xy: list[float]) -> bool:
    """The pixel nearest ``xy`` (clipped into the image) is the marks' magenta, within JPEG's
    rounding: the disc is drawn there (radius 3 px at 96 x 72)."""
    picture = pixels(data)
    height, width = picture.shape[:2]
    x = min(max(int(np.floor(xy[0] + 0.5)), 0), width - 1)
    y = min(max(int(np.floor(xy[1] + 0.5)), 0), height - 1)
    return bool(np.all(np.abs(picture[y, x] - np.array(MARK_FILL)) <= 40))


def check_images(row: dict, images: list[bytes], frames: dict) -> None:
    """A marked row's images are its own (marked) inline images, every mark visible where its
    label says and absent from the frame's image; any other row's are its frames'."""
    assert len(images) == len(row["views"])
    marks = json.loads(row["labels"] or "{}").get("marks", {})
    for number, (view, data) in enumerate(zip(row["views"], images, strict=True)):
        plain = frame_bytes(frames, row, view)
        if row["task"] != MARKED:
            assert data == plain, (row["task"], view)
            continue
        assert data == row["images"][number]["bytes"] and data != plain, view
        assert marks[view], view  # both views carry marks (REF; A-D)
        for mark in marks[view]:
            assert shows_mark(data, mark["xy"]), (view, mark)
            assert not shows_mark(plain, mark["xy"]), (view, mark)


def record_images(record: dict, style: str) -> list[str]:
    if style == "llava":
        image = record.get("image", [])
        return image if isinstance(image, list) else [image]
    return record["images"]


@pytest.mark.parametrize("style", STYLES)
def test_conversation_styles_point_marked_samples_at_their_marked_images(built, tmp_path, style):
    out, rows, frames = built
    target = tmp_path / style / "train.json"
    summary = export_conversations(out, target, style)
    records = json.loads(target.read_text())
    by_id = {row["id"]: row for row in rows}
    assert sorted(r["id"] for r in records) == sorted(by_id) and summary["left_out"] == 0
    files, images = set(), target.parent / "images"
    for record in records:
        row = by_id[record["id"]]
        paths = record_images(record, style)
        check_images(row, [(target.parent / p).read_bytes() for p in paths], frames)
        for path in paths:
            assert (target.parent / path).resolve().is_relative_to(images.resolve())
            assert ("/marks/" in path) == (row["task"] == MARKED), path
        files.update(paths)
    # every view of every row once: frames shared between rows, a marked row's images its own
    used = {
        (r["scene_id"], v, variant(r["degradation"]))
        for r in rows
        if r["task"] != MARKED
        for v in r["views"]
    }
    marked = sum(len(r["views"]) for r in rows if r["task"] == MARKED)  # 2 rows x 2 views
    assert marked == 4 and len(files) == summary["images"] == len(used) + marked


def b64_images(cell: str, table: pd.DataFrame) -> list[bytes]:
    """The bytes an MCQ TSV's ``image`` cell holds: a list literal of base64 strings, one base64
    string, or (64 characters or fewer) the index of the row that holds it."""
    if cell.startswith("["):
        return [base64.b64decode(text) for text in ast.literal_eval(cell)]
    if len(cell) <= 64:
        cell = table.loc[table["index"] == int(cell), "image"].item()
    return [base64.b64decode(cell)]


def test_vlmevalkit_mcq_carries_the_marked_images_as_base64(built, tmp_path):
    out, rows, frames = built
    summary = export_vlmevalkit(out, tmp_path / "vlm")
    by_id = {row["id"]: row for row in rows}
    seen = set()
    for variant_name in ("clean", "lens_distortion3"):
        table = pd.read_csv(tmp_path / "vlm" / f"spatialqa_mcq_{variant_name}.tsv", sep="\t")
        assert sorted(table["category"]) == ["depth_order", MARKED]
        for record in table.to_dict("records"):
            row = by_id[record["spatialqa_id"]]
            assert variant(row["degradation"]) == variant_name
            check_images(row, b64_images(str(record["image"]), table), frames)
            seen.add(row["id"])
        vsi = pd.read_csv(tmp_path / "vlm" / f"spatialqa_vsi_{variant_name}.tsv", sep="\t")
        assert list(vsi["question_type"]) == ["object_counting"]
    assert seen == {r["id"] for r in rows if r["task"] in (MARKED, "depth_order")}
    # the coordinate answers are neither multiple choice nor VSI-Bench's: 2 rows left out
    assert summary["left_out"] == 2 and summary["videos"] == 2
    assert summary["left_out_marks"] == 0  # no marked sample lacks its marked images


def doctored(out: Path, folder: Path, change) -> Path:
    """A copy of the build whose sample rows ``change`` rewrote (frames untouched)."""
    copy = folder / "doctored"
    shutil.copytree(out, copy)
    for part in sorted((copy / "data").glob("*.parquet")):
        table = pq.read_table(part)
        rows = [change(row) for row in table.to_pylist()]
        pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), part)
    return copy


def test_a_marked_sample_without_its_marked_images_is_left_out_with_a_warning(
    built, tmp_path, capsys
):
    out, rows, frames = built

    def drop_marked_images(row: dict) -> dict:
        # as output.inline_images few writes a sample of more than two views: no images inline
        return {**row, "images": []} if row["task"] == MARKED else row

    copy = doctored(out, tmp_path, drop_marked_images)
    target = tmp_path / "llava" / "train.json"
    with pytest.warns(UserWarning, match=rf"left out 2 sample\(s\) of task '{MARKED}'"):
        summary = export_conversations(copy, target, "llava")
    records = json.loads(target.read_text())
    assert summary["left_out"] == 2 and len(records) == 6
    assert summary["left_out_marks"] == 2  # every row has a llava form: marks alone left out
    assert all(r["id"] not in {x["id"] for x in rows if x["task"] == MARKED} for r in records)
    assert not (target.parent / "images" / "proc_2_0000" / "marks").exists()
    by_id = {row["id"]: row for row in rows}
    for record in records:
        paths = record_images(record, "llava")
        check_images(by_id[record["id"]], [(target.parent / p).read_bytes() for p in paths], frames)

    with pytest.warns(UserWarning, match=rf"vlmevalkit: left out 2 sample\(s\) of task '{MARKED}'"):
        summary = export_vlmevalkit(copy, tmp_path / "vlm")
    table = pd.read_csv(tmp_path / "vlm" / "spatialqa_mcq_clean.tsv", sep="\t")
    assert list(table["category"]) == ["depth_order"]
    assert summary["left_out"] == 2 + 2  # the coordinate answers, the marked samples
    assert summary["left_out_marks"] == 2
    # the CLI says which rows have no form and which were left out for their marks
    with pytest.warns(UserWarning, match=r"vlmevalkit: left out 2 sample"):
        assert main(["export", "vlmevalkit", str(copy), "--out", str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out
    assert "  left out 2 rows with no vlmevalkit form\n" in printed
    assert "  left out 2 rows whose marks vlmevalkit cannot show (warned above)\n" in printed


def test_video_exports_leave_a_marked_sample_out(built, tmp_path):
    """A VSI-Bench question has no marks; one given marks (here by hand, on the clean
    object_counting row) must not reach the videos, made from the frames' unmarked images."""
    out, rows, _ = built
    counting = [r for r in rows if r["task"] == "object_counting"]
    clean, lens = sorted(counting, key=lambda r: r["degradation"] is not None)
    assert clean["degradation"] is None and lens["degradation"]["type"] == "lens_distortion"

    def mark(row: dict) -> dict:
        if row["id"] != clean["id"]:
            return row
        labels = {"marks": {row["views"][0]: [{"xy": [10.0, 10.0], "label": "REF"}]}}
        return {**row, "labels": json.dumps(labels)}

    copy = doctored(out, tmp_path, mark)
    with pytest.warns(UserWarning, match=r"vsibench: left out 1 sample\(s\) of task 'object_co"):
        summary = export_vsibench(copy, tmp_path / "lmms")
    assert summary["tasks"] == {"spatialqa_vsibench_lens_distortion3": 1}
    assert summary["videos"] == 1 and summary["left_out"] == 6 + 1
    assert summary["left_out_marks"] == 1  # the 6 others have no VSI-Bench form
    test = pq.read_table(tmp_path / "lmms" / "test.parquet").to_pylist()
    assert [r["spatialqa_id"] for r in test] == [lens["id"]]
    assert [p.name for p in (tmp_path / "lmms" / "videos").rglob("*.mp4")] == [
        "proc_2_0000__lens_distortion3.mp4"
    ]
    with pytest.warns(UserWarning, match=r"vlmevalkit: left out 1 sample\(s\) of task 'object_c"):
        summary = export_vlmevalkit(copy, tmp_path / "vlm")
    assert summary["videos"] == 1
    assert sorted(p.name for p in (tmp_path / "vlm").glob("spatialqa_vsi_*")) == [
        "spatialqa_vsi_lens_distortion3.tsv"
    ]
    # the unchanged build: both rows go to the videos
    summary = export_vsibench(out, tmp_path / "lmms_plain")
    assert summary["rows"] == 2 and summary["videos"] == 2


def test_a_build_without_images_refuses_its_marked_samples(ray_local, tmp_path, capsys):
    """output.inline_images none: the marks live in the labels only and no image carries them,
    so the export refuses the samples, naming the task, and writes nothing."""
    config = {**CONFIG, "tasks": [{"name": MARKED, "per_scene": 1}]}
    config["output"] = {"inline_images": "none"}
    build(parse_config(config), tmp_path / "dataset", progress=False)
    rows = pq.read_table(tmp_path / "dataset" / "data").to_pylist()
    assert [row["task"] for row in rows] == [MARKED, MARKED] and not any(r["images"] for r in rows)
    target = tmp_path / "llava" / "train.json"
    with pytest.raises(EmptyExport, match=rf"left out 2 sample\(s\) of task '{MARKED}'.*none"):
        export_conversations(tmp_path / "dataset", target, "llava")
    assert not target.parent.exists()
    code = main(["export", "sharegpt", str(tmp_path / "dataset"), "--out", str(target)])
    assert code == 4 and f"task '{MARKED}'" in capsys.readouterr().err
    with pytest.raises(EmptyExport, match=f"task '{MARKED}'"):
        export_vlmevalkit(tmp_path / "dataset", tmp_path / "vlm")


def test_preview_draws_a_marked_sample_on_its_own_images(built, tmp_path, monkeypatch):
    out, rows, frames = built
    drawn: dict[str, list[bytes]] = {}  # the image bytes each card draws on, by sample id
    current: list[str] = []
    card = preview_module._sample_card

    def sample_card(root, folder, row, *args):
        current[:] = [row["id"]]
        drawn[row["id"]] = []
        return card(root, folder, row, *args)

    def draw(data, shapes, colours):
        drawn[current[0]].append(data)
        return original(data, shapes, colours)

    original = preview_module.draw
    monkeypatch.setattr(preview_module, "_sample_card", sample_card)
    monkeypatch.setattr(preview_module, "draw", draw)
    preview_module.preview(out, tmp_path / "preview", count=len(rows))
    assert sorted(drawn) == sorted(row["id"] for row in rows)
    for row in rows:
        check_images(row, drawn[row["id"]], frames)
