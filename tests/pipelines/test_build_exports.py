"""What users load, checked against each consumer's documented format on one small real build
(one procedural room, 64 x 48, a few VSI-Bench tasks and one view-grounded multiple-choice task,
clean and JPEG 3): the dataset card (hub layout), the conversation exports, the lmms-eval folder,
the VLMEvalKit TSVs, the plan. The harnesses themselves are not installed: each test reads what
their loaders read, as their code does (cited where it is checked)."""

from __future__ import annotations

import ast
import base64
import importlib.util
import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from build_kit import TINY, write_config
from PIL import Image

from spatialqa.pipelines.build import build
from spatialqa.pipelines.cli import main
from spatialqa.pipelines.config import parse_config

CONFIG = {
    **TINY,
    "name": "exports",
    "scenes": [{"procedural": {"count": 1, "seed": 2, "frames": 8}}],
    "tasks": [
        {"name": "object_counting", "per_scene": 1},
        {"name": "object_abs_distance", "per_scene": 2},
        {"name": "object_rel_direction_easy", "per_scene": 1},
        {"name": "object_rel_direction_medium", "per_scene": 1},
        {"name": "object_rel_direction_hard", "per_scene": 1},
        {"name": "depth_order", "per_scene": 2},  # multiple choice, one view, no VSI form
        {"name": "camera_object_distance", "per_scene": 1},  # a number, no VSI form
    ],
    "render": {"width": 64, "height": 48},
    "degradations": ["clean", {"type": "jpeg", "severities": [3]}],
}
WIDTH, HEIGHT = 64, 48
# nyu-visionx/VSI-Bench's columns and types, as its dataset card declares them, then the link
# back to the sample
VSI_COLUMNS = [
    ("id", pa.int64()),
    ("dataset", pa.string()),
    ("scene_name", pa.string()),
    ("question_type", pa.string()),
    ("question", pa.string()),
    ("ground_truth", pa.string()),
    ("options", pa.list_(pa.string())),
    ("spatialqa_id", pa.string()),
]


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "dataset"
    manifest = build(parse_config(CONFIG), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    tasks = {row["task"] for row in rows}
    assert tasks == {t["name"] for t in CONFIG["tasks"]}, "every task must yield on this room"
    return out, manifest, rows


def test_the_card_has_hub_front_matter_and_the_folder_loads_by_name(built):
    datasets = pytest.importorskip("datasets")
    out, manifest, rows = built
    text = (out / "README.md").read_text()
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert [c["config_name"] for c in meta["configs"]] == ["default", "frames"]
    assert meta["configs"][0]["data_files"] == [{"split": "train", "path": "data/*.parquet"}]
    for task, count in manifest["counts"]["task"].items():
        assert f"| `{task}` |" in body and f"| {count} |" in body
    assert "| `images` | `list<image>` |" in body and manifest["config_hash"] in body

    samples = datasets.load_dataset(str(out), "default", split="train")
    assert sorted(samples["id"]) == sorted(r["id"] for r in rows)
    frames = datasets.load_dataset(str(out), "frames", split="train")
    assert len(frames) == manifest["frames"] > 0
    assert frames[0]["image"].size == (WIDTH, HEIGHT)


def test_the_llava_export_parses_with_one_image_token_per_image(built, tmp_path, capsys):
    out, manifest, rows = built
    target = tmp_path / "llava" / "train.json"
    assert main(["export", "llava", str(out), "--out", str(target)]) == 0
    assert f"wrote {len(rows)} llava rows" in capsys.readouterr().out
    records = json.loads(target.read_text())
    by_id = {row["id"]: row for row in rows}
    assert [r["id"] for r in records] == [row["id"] for row in rows]
    files = set()
    for record in records:
        row = by_id[record["id"]]
        images = record["image"] if isinstance(record["image"], list) else [record["image"]]
        human, gpt = record["conversations"]
        assert human["from"] == "human" and gpt == {"from": "gpt", "value": row["answer"]}
        assert human["value"] == "<image>\n" * len(row["views"]) + row["question"]
        assert len(images) == len(row["views"])
        for image in images:
            assert Path(image).stem.split("__")[0] in row["views"]
            with Image.open(target.parent / image) as decoded:
                assert decoded.size == (WIDTH, HEIGHT)
        files.update(images)
    assert len(files) == manifest["frames"]  # each frame once, clean and jpeg apart


def frames_of(out: Path) -> list[dict]:
    return pq.read_table(out / "frames").to_pylist()


def picture(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_the_conversation_styles_keep_one_image_token_per_image(built, tmp_path):
    """LLaMA-Factory's sharegpt (``data/README.md``: ``conversations`` with from/value and
    human/gpt by default, ``images``, a ``dataset_info.json`` entry with ``formatting:
    sharegpt`` and ``columns``; as many ``<image>`` tokens as images), ms-swift's standard
    form (``docs/source_en/Customization/Custom-dataset.md``: ``messages`` with role/content,
    ``images``; one ``<image>`` per image), and the R1 layout of Video-R1's data card
    (``problem``, ``options``, ``solution`` = ``<answer>..</answer>``, ``problem_type``,
    ``data_type``, ``path``)."""
    out, _, rows = built
    by_id = {row["id"]: row for row in rows}
    records = {}
    for style, name in (("sharegpt", "s.json"), ("swift", "w.jsonl"), ("r1", "r.json")):
        target = tmp_path / name
        assert main(["export", style, str(out), "--out", str(target)]) == 0
        text = target.read_text()
        lines = text.splitlines()
        records[style] = [json.loads(x) for x in lines] if style == "swift" else json.loads(text)
        assert [r["id"] for r in records[style]] == [row["id"] for row in rows]
    info = json.loads((tmp_path / "dataset_info.json").read_text())
    assert info == {
        "s": {
            "file_name": "s.json",
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "images": "images"},
        }
    }
    for shared, swift, r1 in zip(*records.values(), strict=True):
        row = by_id[shared["id"]]
        images = shared["images"]
        assert len(images) == len(row["views"]) and swift["images"] == images == r1["images"]
        for image in images:
            assert (tmp_path / image).is_file()
        human, gpt = shared["conversations"]
        user, assistant = swift["messages"]
        assert (human["from"], gpt["from"], user["role"], assistant["role"]) == (
            "human", "gpt", "user", "assistant"
        )  # fmt: skip
        for prompt in (human["value"], user["content"]):
            assert prompt.count("<image>") == len(images)  # the count rule of both trainers
            assert prompt == "<image>\n" * len(images) + row["question"]
        assert gpt["value"] == assistant["content"] == row["answer"]
        assert r1["solution"] == f"<answer>{row['answer']}</answer>"
        assert r1["data_type"] == "image" and r1.get("path") == (
            images[0] if len(images) == 1 else None
        )
        if row["answer_type"] == "mc":
            assert r1["problem_type"] == "multiple choice" and r1["options"] == row["choices"]
            assert r1["problem"] + "\n" + "\n".join(row["choices"]) == row["question"]
        else:
            assert r1["problem_type"] == "numerical" and r1["options"] == []
            assert r1["problem"] == row["question"]


class TaskLoader(yaml.SafeLoader):
    """lmms-eval's YAML: ``!function module.name`` names a function of the folder's module."""


TaskLoader.add_constructor("!function", lambda loader, node: ("function", node.value))


def load_utils(folder: Path):
    spec = importlib.util.spec_from_file_location("spatialqa_export_utils", folder / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vsi_folder(built, tmp_path_factory):
    out, _, _ = built
    folder = tmp_path_factory.mktemp("lmms") / "vsi"
    assert main(["export", "vsibench", str(out), "--out", str(folder)]) == 0
    return folder


def test_the_vsibench_folder_has_vsi_benchs_columns_and_the_sample_ids(built, vsi_folder):
    _, _, rows = built
    table = pq.read_table(vsi_folder / "test.parquet")
    assert [(f.name, f.type) for f in table.schema] == VSI_COLUMNS
    exported = table.to_pylist()
    vsi_rows = [row for row in rows if row["question_vsi"] is not None]
    assert {row["task"] for row in vsi_rows} == {t["name"] for t in CONFIG["tasks"][:5]}
    assert [r["id"] for r in exported] == list(range(len(vsi_rows)))
    for record, row in zip(exported, vsi_rows, strict=True):
        assert record["spatialqa_id"] == row["id"]
        assert record["question"] == row["question_vsi"]
        assert record["question_type"] == row["task"] and record["dataset"] == "procedural"
        assert record["ground_truth"] == row["answer"]
        if row["answer_type"] == "mc":
            assert record["options"] == row["choices"] and record["ground_truth"] in "ABCD"
        else:
            assert record["options"] is None and float(record["ground_truth"]) > 0
        suffix = "" if row["degradation"] is None else "__jpeg3"
        assert record["scene_name"] == row["scene_id"] + suffix


def test_lmms_eval_loads_one_task_per_variant_from_the_folder(vsi_folder, tmp_path):
    """As lmms-eval does: ``--include_path`` reads every YAML of the folder; a task's
    ``dataset_path`` and ``dataset_kwargs`` go to ``datasets.load_dataset(path, name, **kwargs)``
    and its ``test_split`` is the docs (``lmms_eval/api/task.py``, ConfigurableTask.download);
    ``!function utils.x`` names ``x`` in the folder's utils.py. The fields follow lmms-eval's
    ``lmms_eval/tasks/vsibench/vsibench.yaml`` (EvolvingLMMs-Lab/lmms-eval)."""
    datasets = pytest.importorskip("datasets")
    configs = {p.name: yaml.load(p.read_text(), TaskLoader) for p in vsi_folder.glob("*.yaml")}
    group = configs.pop("spatialqa_vsibench.yaml")
    assert group == {
        "group": "spatialqa_vsibench",
        "task": ["spatialqa_vsibench_clean", "spatialqa_vsibench_jpeg3"],
    }
    assert sorted(configs) == ["spatialqa_vsibench_clean.yaml", "spatialqa_vsibench_jpeg3.yaml"]
    utils = load_utils(vsi_folder)
    everything = pq.read_table(vsi_folder / "test.parquet").to_pylist()
    seen = []
    for name, config in sorted(configs.items()):
        assert config["task"] == name.removesuffix(".yaml") and config["test_split"] == "test"
        assert config["dataset_path"] == "parquet" and config["output_type"] == "generate_until"
        assert config["doc_to_target"] == "ground_truth"
        assert config["generation_kwargs"]["max_new_tokens"] == 16
        data_file = Path(config["dataset_kwargs"]["data_files"]["test"])
        assert data_file.is_absolute() and data_file.parent == vsi_folder.resolve()
        for key in ("doc_to_visual", "doc_to_text", "process_results"):
            kind, function = config[key]
            assert kind == "function" and callable(getattr(utils, function.split(".")[1]))
        for metric in config["metric_list"]:
            assert callable(getattr(utils, metric["aggregation"][1].split(".")[1]))
        kwargs = config["dataset_kwargs"]
        docs = datasets.load_dataset(
            path=config["dataset_path"], name=config.get("dataset_name"), **kwargs,
            cache_dir=str(tmp_path / "hf"),
        )[config["test_split"]]  # fmt: skip
        tagged = name == "spatialqa_vsibench_jpeg3.yaml"
        assert len(docs) > 0
        assert all(d["scene_name"].endswith("__jpeg3") == tagged for d in docs)  # one variant
        seen += [dict(d) for d in docs]
    assert sorted(seen, key=lambda d: d["id"]) == everything  # every row in exactly one task


def test_each_row_finds_its_mp4_made_from_the_delivered_frames(built, vsi_folder):
    """lmms-eval's ``vsibench_doc_to_visual`` (``lmms_eval/tasks/vsibench/utils.py``) opens
    ``<cache>/<dataset>/<scene_name>.mp4``; the folder's utils.py resolves the same rule with
    ``videos/`` as the cache. Each mp4 decodes to the delivered frames of its scene and
    variant, in timestamp order, at their size and (lossless H.264, 4:4:4) their pixels."""
    av = pytest.importorskip("av")
    out, _, _ = built
    utils = load_utils(vsi_folder)
    frames = frames_of(out)
    docs = pq.read_table(vsi_folder / "test.parquet").to_pylist()
    videos = {tuple(utils.vsibench_doc_to_visual(doc)) for doc in docs}
    assert len(videos) == 2  # one room x (clean, jpeg 3)
    for doc in docs:
        (path,) = utils.vsibench_doc_to_visual(doc)
        assert Path(path) == vsi_folder.resolve() / "videos" / "procedural" / (
            doc["scene_name"] + ".mp4"
        )
    for (path,) in videos:
        kind = "jpeg" if path.endswith("__jpeg3.mp4") else "clean"
        source = sorted(
            (f for f in frames if (f["degradation"] or {"type": "clean"})["type"] == kind),
            key=lambda f: f["timestamp"],
        )
        with av.open(path) as container:
            decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert len(decoded) == len(source) == 4  # views.frames = 4
        for picture_out, frame in zip(decoded, source, strict=True):
            assert picture_out.shape == (HEIGHT, WIDTH, 3)
            difference = np.abs(picture_out.astype(np.int16) - picture(frame["image"]["bytes"]))
            assert difference.mean() < 1.0 and difference.max() <= 4  # RGB <-> YUV rounding


def test_the_folders_prompts_and_scores_are_vsi_benchs(vsi_folder):
    """The prompt as GROUND_TRUTH.md's "Prompts as VSI-Bench evaluates" and lmms-eval's
    ``vsibench_doc_to_text``; per item and per task the scores ``spatialqa eval --format
    vsibench`` gives for the same replies (first word, '.' stripped; exact letter; MRA)."""
    from spatialqa.pipelines.evaluate import evaluate, read_vsibench

    utils = load_utils(vsi_folder)
    config = yaml.load((vsi_folder / "spatialqa_vsibench_clean.yaml").read_text(), TaskLoader)
    kwargs = config["lmms_eval_specific_kwargs"]["default"]
    docs = pq.read_table(vsi_folder / "spatialqa_vsibench_clean.parquet").to_pylist()
    replies = {}
    for number, doc in enumerate(docs):
        text = utils.vsibench_doc_to_text(doc, kwargs)
        if doc["options"] is None:
            assert text == "These are frames of a video.\n" + doc["question"] + (
                "\nPlease answer the question using a single word or phrase."
            )
            # 1.27 x the truth: 0.27 <= 1 - theta for theta 0.50 ... 0.70 (not 0.75), MRA 5/10
            replies[doc["id"]] = f"{1.27 * float(doc['ground_truth'])}. it is"
        else:
            assert text == "\n".join([
                "These are frames of a video.", doc["question"],
                "Options:\n" + "\n".join(doc["options"]),
                "Answer with the option's letter from the given choices directly.",
            ])  # fmt: skip
            right = doc["ground_truth"]
            replies[doc["id"]] = f"{right.lower()}." if number % 2 else "E"
    results = []
    for doc in docs:
        metrics = utils.vsibench_process_results(dict(doc), [replies[doc["id"]]])
        assert set(metrics) == {"vsibench_overall", utils.metric_name(doc["question_type"])}
        results.append(metrics["vsibench_overall"])
    ours = utils.subscores(results)
    scores = evaluate(read_vsibench(vsi_folder / "spatialqa_vsibench_clean.parquet"),
                      {str(k): v for k, v in replies.items()})  # fmt: skip
    tasks = scores.tasks
    for kind in ("object_counting", "object_abs_distance"):
        assert ours[f"{kind}_mra"] == pytest.approx(tasks[kind]["score"]) == 0.5
    levels = [
        tasks[f"object_rel_direction_{level}"]["score"] for level in ("easy", "medium", "hard")
    ]
    assert ours["object_rel_direction_accuracy"] == pytest.approx(sum(levels) / 3)
    assert utils.vsibench_aggregate_overall(results) == pytest.approx(scores.vsibench_overall)
    perfect = [
        utils.vsibench_process_results(dict(d), [d["ground_truth"]])["vsibench_overall"]
        for d in docs
    ]
    assert utils.vsibench_aggregate_overall(perfect) == 1.0


def test_the_vlmevalkit_tsvs_read_back_as_vlmevalkit_reads_them(built, tmp_path):
    """VLMEvalKit (open-compass/VLMEvalKit) reads a TSV with ``pandas.read_csv(sep='\\t')``;
    ``vlmeval/dataset/__init__.py`` build_dataset takes an unknown name's
    ``$LMUData/<name>.tsv`` with ``A`` and ``B`` columns as a custom MCQ dataset;
    ``vlmeval/dataset/image_base.py`` reads ``image`` as base64, or, at most 64 characters,
    as the index of the row holding it; ``vlmeval/dataset/image_mcq.py`` builds the options
    from the letter columns that are not NaN and scores against ``answer``. The video layout is
    VLMEvalKit's VSI-Bench class (``vlmeval/dataset/vsibench.py``: the ten question types,
    ``candidates`` read with ``ast.literal_eval``), with ``video`` relative to the folder."""
    pandas = pytest.importorskip("pandas")
    av = pytest.importorskip("av")
    out, _, rows = built
    folder = tmp_path / "vlm"
    assert main(["export", "vlmevalkit", str(out), "--out", str(folder)]) == 0
    names = sorted(p.name for p in folder.glob("*.tsv"))
    assert names == [f"spatialqa_{layout}_{variant}.tsv" for layout in ("mcq", "vsi")
                     for variant in ("clean", "jpeg3")]  # fmt: skip
    index = {(f["frame_id"], f["degradation"] is None): f["image"]["bytes"] for f in frames_of(out)}
    for variant, clean in (("clean", True), ("jpeg3", False)):
        mcq = pandas.read_csv(folder / f"spatialqa_mcq_{variant}.tsv", sep="\t")
        assert list(mcq.columns) == [
            "index", "image", "image_path", "question", "A", "B", "answer", "category",
            "spatialqa_id",
        ]  # fmt: skip
        expected = [
            r for r in rows if r["task"] == "depth_order" and (r["degradation"] is None) == clean
        ]
        assert list(mcq["spatialqa_id"]) == [r["id"] for r in expected]
        images = {str(i): str(v) for i, v in zip(mcq["index"], mcq["image"], strict=True)}
        for line, row in zip(mcq.to_dict("records"), expected, strict=True):
            image = images[str(line["index"])]
            if len(image) <= 64:
                image = images[image]
            assert base64.b64decode(image) == index[(row["views"][0], clean)]
            assert [line["A"], line["B"]] == [c[3:] for c in row["choices"]]
            assert line["question"] + "\n" + "\n".join(row["choices"]) == row["question"]
            assert (line["answer"], line["category"]) == (row["answer"], "depth_order")
        vsi = pandas.read_csv(folder / f"spatialqa_vsi_{variant}.tsv", sep="\t")
        assert list(vsi.columns) == [
            "index", "video", "question", "question_type", "candidates", "answer", "spatialqa_id"
        ]  # fmt: skip
        expected = [r for r in rows if r["question_vsi"] and (r["degradation"] is None) == clean]
        assert list(vsi["spatialqa_id"]) == [r["id"] for r in expected]
        for line, row in zip(vsi.to_dict("records"), expected, strict=True):
            assert (line["question"], line["question_type"]) == (row["question_vsi"], row["task"])
            assert str(line["answer"]) == row["answer"]
            if row["answer_type"] == "mc":
                assert ast.literal_eval(line["candidates"]) == row["choices"]
            else:
                assert pandas.isna(line["candidates"])
            with av.open(str(folder / line["video"])) as container:
                assert container.streams.video[0].frames == 4


def test_plan_prints_bounds_and_exact_counts_and_writes_nothing(built, tmp_path, capsys):
    _, manifest, _ = built
    config = write_config(tmp_path / "c.yaml", CONFIG)
    assert main(["plan", str(config)]) == 0
    printed = capsys.readouterr().out
    # 1 scene x (1 + 2 + 1 + 1 + 1 + 2 + 1 = 9 per scene) x 2 variants; 4 views x 2 variants
    assert "total: <= 18 samples, <= 8 frames" in printed
    assert "part-00000.parquet proc_2_0000" in printed and "upper bounds" in printed
    assert main(["plan", str(config), "--exact"]) == 0
    printed = capsys.readouterr().out
    assert f"total: = {manifest['samples']} samples" in printed
    for task, count in manifest["counts"]["task"].items():
        assert re.search(rf"\n  {task} += {count}\n", printed)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
