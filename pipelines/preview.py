"""A static HTML gallery of a built dataset: look at what you built before you train on it.

``preview(dataset, out)`` picks a seeded, task-stratified sample of rows, writes their images
with the referenced objects' boxes drawn, one ``index.html`` (no server, filters by task) and a
PNG of the answer distribution per task. Boxes come from the row's 2D ``labels`` when it has
them, else from the oracle's instance masks of the scene, remade from the manifest's config;
a scene that cannot be remade is shown without boxes and says so. Image files are named by
``export.safe_name`` of the sample id and checked to lie inside ``out``.
"""

from __future__ import annotations

import html
import io
import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.dataset as ds
from PIL import Image, ImageDraw

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.export import inside, safe_name
from spatialqa.seeding import rng_for

log = logging.getLogger(__name__)
SAMPLE_COLUMNS = (
    "id",
    "scene_id",
    "task",
    "question",
    "answer_type",
    "answer",
    "value",
    "unit",
    "rationale",
    "degradation",
    "views",
    "objects",
    "images",
    "labels",
    "answerable",
    "abstain_reason",
)
MAX_IMAGES = 4
PALETTE = ((230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180))


def _table(root: Path, folder: str, columns: tuple[str, ...] | None = None) -> list[dict]:
    files = sorted((root / folder).glob("*.parquet"))
    if not files:
        raise SpatialQAError(f"{root}: no {folder}/*.parquet (is it a spatialqa build?)")
    dataset = ds.dataset([str(f) for f in files], format="parquet")
    names = [c for c in columns if c in dataset.schema.names] if columns else None
    return dataset.to_table(columns=names).to_pylist()


def choose(rows: list[dict], count: int, seed: int) -> list[dict]:
    """Up to ``count`` rows, spread evenly over tasks, in a seeded order (same seed, same pick)."""
    by_task: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["id"]):
        by_task[row["task"]].append(row)
    queues = {
        task: [items[i] for i in rng_for(seed, "preview", task).permutation(len(items))]
        for task, items in sorted(by_task.items())
    }
    picked: list[dict] = []
    while len(picked) < count and any(queues.values()):
        for queue in queues.values():
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


class SceneBoxes:
    """2D boxes of instances in views, from the oracle, for scenes remade from the manifest."""

    def __init__(self, manifest: dict | None) -> None:
        self.refs: dict[str, Any] = {}
        self.scenes: dict[str, Any] = {}
        if manifest is None:
            return
        from spatialqa.pipelines.config import parse_config
        from spatialqa.pipelines.plan import scene_refs

        try:
            refs = scene_refs(parse_config(manifest["config"], "manifest.json: config"))
        except (SpatialQAError, KeyError) as exc:
            log.warning("preview: scenes cannot be remade (%s); no boxes drawn", exc)
            return
        names = {s["scene"]: s.get("scene_id") for s in manifest.get("shards", [])}
        self.refs = {names.get(ref.name) or ref.name: ref for ref in refs}

    def boxes(self, scene_id: str, frame_id: str, ids: list[int], size: tuple[int, int]) -> dict:
        """``instance id -> [x1, y1, x2, y2]`` in pixels of an image of ``size`` (w, h): the
        visible pixels' squares, as the oracle's boxes ([u_min - 0.5, .., v_max + 0.5], pixel
        centres at integers), scaled as ``Frame.resized`` scales the image."""
        scene = self._scene(scene_id)
        if scene is None:
            return {}
        from spatialqa.oracle import instance_mask

        frame = scene.frame(frame_id)
        mask = np.asarray(instance_mask(scene, frame_id))
        sx, sy = size[0] / frame.width, size[1] / frame.height
        found = {}
        for instance in ids:
            ys, xs = np.nonzero(mask == instance)
            if len(xs):
                # x' = (x + 0.5) s - 0.5 of the edges x = u_min - 0.5 and u_max + 0.5
                found[instance] = [
                    xs.min() * sx - 0.5,
                    ys.min() * sy - 0.5,
                    (xs.max() + 1) * sx - 0.5,
                    (ys.max() + 1) * sy - 0.5,
                ]
        return found

    def _scene(self, scene_id: str) -> Any:
        if scene_id not in self.scenes:
            ref = self.refs.get(scene_id)
            try:
                self.scenes[scene_id] = ref.load() if ref is not None else None
            except (SpatialQAError, OSError) as exc:
                log.warning("preview: scene %s cannot be loaded (%s)", scene_id, exc)
                self.scenes[scene_id] = None
        return self.scenes[scene_id]


def draw(image: bytes, boxes: dict, points: dict, names: dict[int, str]) -> Image.Image:
    """The image with each box and point outlined and labelled by its object's category."""
    picture = Image.open(io.BytesIO(image)).convert("RGB")
    pen = ImageDraw.Draw(picture)
    for number, (instance, box) in enumerate(sorted(boxes.items())):
        colour = PALETTE[number % len(PALETTE)]
        pen.rectangle([float(v) for v in box], outline=colour, width=2)
        pen.text((float(box[0]) + 3, float(box[1]) + 2), names.get(instance, "?"), fill=colour)
    for instance, (x, y) in sorted(points.items()):
        pen.ellipse([x - 4, y - 4, x + 4, y + 4], outline=(255, 255, 0), width=2)
        pen.text((x + 6, y - 6), names.get(instance, "?"), fill=(255, 255, 0))
    return picture


def _labels(row: dict) -> tuple[dict, dict]:
    if not row.get("labels"):
        return {}, {}
    labels = json.loads(row["labels"])
    boxes = {int(k): v for k, v in labels.get("boxes", {}).items()}
    points = {int(k): v for k, v in labels.get("points", {}).items()}
    return boxes, points


def plot_distributions(rows: list[dict], path: Path) -> None:
    """One panel per task: numeric answers as a histogram, categorical ones as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_task: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_task[row["task"]].append(row)
    tasks = sorted(by_task)
    columns = 3
    lines = max(1, -(-len(tasks) // columns))
    figure, axes = plt.subplots(lines, columns, figsize=(4.2 * columns, 2.8 * lines), squeeze=False)
    for axis in axes.flat:
        axis.set_visible(False)
    for axis, task in zip(axes.flat, tasks, strict=False):
        axis.set_visible(True)
        values = [r["value"] for r in by_task[task] if r["value"] is not None]
        if values and len(values) == len(by_task[task]):
            axis.hist(values, bins=min(20, max(5, len(set(values)))), color="#3b75af")
            unit = by_task[task][0]["unit"] or ""
            axis.set_xlabel(f"value ({unit})" if unit else "value")
        else:
            counts: dict[str, int] = defaultdict(int)
            for r in by_task[task]:
                counts[r["answer"]] += 1
            keys = sorted(counts)[:20]
            axis.bar(range(len(keys)), [counts[k] for k in keys], color="#e0823d")
            axis.set_xticks(range(len(keys)), [k[:10] for k in keys], rotation=45, fontsize=7)
        axis.set_title(f"{task} (n={len(by_task[task])})", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def preview(dataset: str | Path, out: str | Path, *, count: int = 60, seed: int = 0) -> Path:
    """Write the gallery of ``dataset`` into ``out``; return the path of ``index.html``."""
    root, out = Path(dataset), Path(out)
    rows = _table(root, "data", SAMPLE_COLUMNS)
    frames = {
        (f["scene_id"], f["frame_id"], json.dumps(f["degradation"], sort_keys=True)): f["image"]
        for f in _table(root, "frames", ("scene_id", "frame_id", "degradation", "image"))
    }
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    boxes_of = SceneBoxes(manifest)
    (out / "images").mkdir(parents=True, exist_ok=True)
    cards = []
    saved: set[Path] = set()
    for row in choose(rows, count, seed):
        names = {o["instance_id"]: o["category"] for o in row["objects"]}
        label_boxes, label_points = _labels(row)
        degradation = json.dumps(row["degradation"], sort_keys=True)
        images = row["images"] or [
            frames[key]
            for view in row["views"]
            if (key := (row["scene_id"], view, degradation)) in frames
        ]
        files = []
        for number, (view, image) in enumerate(zip(row["views"], images, strict=False)):
            if number == MAX_IMAGES:
                break
            size = Image.open(io.BytesIO(image["bytes"])).size
            boxes = label_boxes or boxes_of.boxes(row["scene_id"], view, sorted(names), size)
            name = f"images/{safe_name(row['id'])}_{number}.jpg"
            target = inside(out, name)
            if target in saved:
                raise SpatialQAError(f"{root}: two samples map to {name!r} (ids repeated?)")
            saved.add(target)
            draw(image["bytes"], boxes, label_points, names).save(target, quality=85)
            files.append(name)
        cards.append(_card(row, files))
    plot_distributions(rows, inside(out, "distributions.png"))
    index = out / "index.html"
    tasks = sorted({row["task"] for row in rows})
    inside(out, "index.html").write_text(_page(root.name, cards, tasks, len(rows)))
    return index


def _card(row: dict, files: list[str]) -> str:
    e = html.escape
    degradation = row["degradation"]
    shown = (
        "clean"
        if degradation is None
        else f"{degradation['type']} (severity {degradation['severity']}) {degradation['params']}"
    )
    exact = row["value"] is not None and row["unit"]
    answer = e(row["answer"]) + (
        f" <small>({row['value']:.3f} {e(row['unit'])} unrounded)</small>" if exact else ""
    )
    reason = (
        f"<p class='reason'>unanswerable: {e(row['abstain_reason'] or '')}</p>"
        if not row["answerable"]
        else ""
    )
    images = "".join(f"<img src='{e(f)}' alt='{e(f)}'>" for f in files)
    return (
        f"<article class='card' data-task='{e(row['task'])}'>"
        f"<h3>{e(row['task'])} <small>{e(row['scene_id'])} · {e(row['id'][:12])}</small></h3>"
        f"<div class='images'>{images}</div>"
        f"<pre class='question'>{e(row['question'])}</pre>"
        f"<p><b>answer:</b> {answer}</p>{reason}"
        f"<details><summary>rationale</summary><p>{e(row['rationale'])}</p></details>"
        f"<p class='meta'>views: {e(', '.join(row['views'][:8]))}"
        f"{' …' if len(row['views']) > 8 else ''} · degradation: {e(shown)}</p>"
        "</article>"
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spatialqa preview: {name}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; background: #fafafa; }}
.card {{ background: white; border: 1px solid #ddd; border-radius: 6px; padding: .8em;
         margin: .8em 0; }}
.images img {{ max-height: 200px; margin: 2px; border: 1px solid #ccc; }}
pre.question {{ white-space: pre-wrap; font-size: 1em; }}
.meta, small {{ color: #666; }}
.reason {{ color: #a00; }}
</style></head>
<body data-samples="{shown}">
<h1>{name}</h1>
<p>{shown} of {total} samples, spread over tasks. Boxes mark the objects a question refers to.
<span id="status">loading images…</span></p>
<label>task: <select id="task"><option value="">all</option>{options}</select></label>
<p><img src="distributions.png" alt="answer distributions per task" style="max-width:100%"></p>
{cards}
<script>
const select = document.getElementById("task");
select.addEventListener("change", () => {{
  for (const card of document.querySelectorAll(".card")) {{
    card.hidden = select.value !== "" && card.dataset.task !== select.value;
  }}
}});
window.addEventListener("load", () => {{
  const images = [...document.images];
  const loaded = images.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.imagesLoaded = loaded;
  document.body.dataset.images = images.length;
  document.getElementById("status").textContent = `${{loaded}} of ${{images.length}} images loaded`;
}});
</script>
</body></html>
"""


def _page(name: str, cards: list[str], tasks: list[str], total: int) -> str:
    options = "".join(f"<option>{html.escape(t)}</option>" for t in tasks)
    return PAGE.format(
        name=html.escape(name),
        shown=len(cards),
        total=total,
        options=options,
        cards="\n".join(cards),
    )
