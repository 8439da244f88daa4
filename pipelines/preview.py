"""A static HTML gallery of a built dataset: look at what you built before you train on it.

``preview(dataset, out)`` picks a seeded, task-stratified sample of rows and writes one card per
row: every view of the sample in a strip that scrolls sideways, each image with the boxes of
every instance the sample's rationale mentions, one ``index.html`` (no server, filters by task)
and a PNG of the answer distribution per task.

What a card draws, for any task, without per-task code:

- the row's 2D ``labels`` (JSON): ``boxes`` and ``points`` by instance id, in pixels of the
  first view (moved by the pipeline with the pixels a degradation moved), and per-view
  ``marks``: ``{"marks": {frame_id: [{"xy": [x, y], "label": "REF"}, ...]}}`` (a mark may
  give ``"box": [x1, y1, x2, y2]`` instead of ``xy``), and ``view_points`` (name ->
  ``{"view", "xy", "text"}``: a point a question quotes in words); other keys are named on the
  card. A view that is the row's own image (``export.own_images``) already shows its marks as
  the model sees them: they are not drawn again (the answer's letter is on the card);
- the oracle's box, in each view, of every instance the rationale mentions: the referents
  (``objects``), instances named by id (``object 4``, ``id 6``, ``ids [9, 10]``), wherever
  they show a pixel, and every instance of a category the rationale names (an appearance-order
  card names four categories and the frames they first appear in) where it is visible above
  tau. Oracle boxes come from the scene remade from the manifest's config; a scene that cannot
  be remade, or a degradation that moves pixels (the oracle's boxes would be off), gets the
  labels alone and says so;
- below the strip, top views of the room (``scenes.show.draw_plan``, the scene remade from the
  manifest by ``manifest.recorded_scene``): a row with ``labels["map"]`` (``cognitive_map``, a
  ``with_map`` scaffold) gets its true map drawn over the room, in the map's own convention
  (the square [r_min, r_min + side] x [f_max - side, f_max] along its right and up axes, so
  ``first_view`` has the first view's heading up): the N x N grid, each mapped instance's cell
  filled in its colour (a cell of k instances in k stripes) and tagged with its categories, a
  dot at its exact centre and the first camera; a row whose first and last views see the scene
  in two states (``Scene.at``) and that names an object that moved between them
  (``object_moved``, ``object_displacement``, ``object_move_direction``) gets the room at the
  last view's time with each moved object's footprint at the first view's time (dashed) and at
  the last's (filled), an arrow between their box centres (``oracle.movement.box_at``) and the
  two cameras, the first view's heading up.

Labels are drawn at a size relative to the image (``LABEL_SHARE`` of its height) on a filled
tag of the box's colour with black or white text, whichever contrasts. Image files are named by
``export.safe_name`` of the sample id and checked to lie inside ``out``.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.dataset as ds
from PIL import Image, ImageDraw, ImageFont

from spatialqa.errors import SpatialQAError
from spatialqa.pipelines.export import inside, own_images, safe_name
from spatialqa.pipelines.top_views import Plan, map_plan, moved_plan
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
PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (255, 225, 25),
    (0, 128, 128),
)
LABEL_SHARE = 0.05
"""Label text height as a share of the image height (at least ``MIN_LABEL_PX``)."""
MIN_LABEL_PX = 13
DRAWN_LABEL_KEYS = ("boxes", "points", "marks", "view_points", "map")
_IDS = re.compile(r"\b(?:object|id|instance)\s+(\d+)\b")
_ID_LISTS = re.compile(r"\bids?\s*\[([\d,\s]+)\]")


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


def mentions(rationale: str, categories: Iterable[str]) -> tuple[list[int], list[str]]:
    """The instance ids (``object 4``, ``id 6``, ``ids [9, 10]``) and the categories (of
    ``categories``, longest name first, whole words, plural ``s`` allowed) a rationale names,
    in order of first mention. ``o'clock`` names no clock."""
    ids: dict[int, None] = {}
    for match in sorted([*_IDS.finditer(rationale), *_ID_LISTS.finditer(rationale)], key=_start):
        for number in re.findall(r"\d+", match.group(1)):
            ids[int(number)] = None
    names = sorted(set(categories), key=lambda c: (-len(c), c))
    found: dict[str, None] = {}
    if names:
        pattern = "|".join(re.escape(name) for name in names)
        for match in re.finditer(rf"(?<![\w'-])({pattern})(?:e?s)?(?![\w-])", rationale):
            found[match.group(1)] = None
    return list(ids), list(found)


def _start(match: re.Match) -> int:
    return match.start()


class SceneBoxes:
    """2D boxes of instances in views, from the oracle, for the scenes of the build in
    ``root`` (``manifest.recorded_scene``: remade as the build made them; None: no scene)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.scenes: dict[str, Any] = {}

    def available(self, scene_id: str) -> bool:
        """Whether the scene could be remade (else only the labels' boxes can be drawn)."""
        return self._scene(scene_id) is not None

    def categories(self, scene_id: str) -> dict[str, tuple[int, ...]]:
        """Category -> instance ids of the remade scene (empty when it cannot be remade)."""
        scene = self._scene(scene_id)
        return {} if scene is None else {c: tuple(ids) for c, ids in scene.categories.items()}

    def category(self, scene_id: str, instance: int) -> str | None:
        scene = self._scene(scene_id)
        if scene is None:
            return None
        try:
            return scene.object(instance).category
        except SpatialQAError:  # SceneError: no such instance
            return None

    def boxes(
        self,
        scene_id: str,
        frame_id: str,
        ids: Iterable[int],
        size: tuple[int, int],
        above_tau: Iterable[int] = (),
    ) -> dict[int, list[float]]:
        """``instance id -> [x1, y1, x2, y2]`` in pixels of an image of ``size`` (w, h): the
        visible pixels' squares, as the oracle's boxes ([u_min - 0.5, .., v_max + 0.5], pixel
        centres at integers), scaled as ``Frame.resized`` scales the image. ``ids`` need one
        visible pixel; ``above_tau`` must be visible above tau (``FrameVisibility.is_visible``)
        in this frame, as a rationale's "visible" means."""
        scene = self._scene(scene_id)
        if scene is None:
            return {}
        from spatialqa.oracle import frame_visibility

        frame = scene.frame(frame_id)
        seen = frame_visibility(scene, frame_id)
        index = {int(i): n for n, i in enumerate(seen.instance_ids)}
        shown = seen.is_visible()
        sx, sy = size[0] / frame.width, size[1] / frame.height
        found = {}
        wanted = [(i, False) for i in ids] + [(i, True) for i in above_tau]
        for instance, strict in wanted:
            n = index.get(int(instance))
            if n is None or seen.visible_pixels[n] == 0 or (strict and not shown[n]):
                continue
            x1, y1, x2, y2 = seen.boxes[n]
            # x' = (x + 0.5) s - 0.5: the image's corner (-0.5, -0.5) stays put
            found[int(instance)] = [
                float((x1 + 0.5) * sx - 0.5),
                float((y1 + 0.5) * sy - 0.5),
                float((x2 + 0.5) * sx - 0.5),
                float((y2 + 0.5) * sy - 0.5),
            ]
        return found

    def scene(self, scene_id: str) -> Any:
        """The scene (moving, when its build asked for moved rooms), or None."""
        return self._scene(scene_id)

    def _scene(self, scene_id: str) -> Any:
        if scene_id not in self.scenes:
            from spatialqa.pipelines.manifest import recorded_scene

            try:
                found = None if self.root is None else recorded_scene(self.root, scene_id)
            except (SpatialQAError, OSError) as exc:
                log.warning(
                    "preview: scene %s cannot be remade (%s); no boxes drawn", scene_id, exc
                )
                found = None
            self.scenes[scene_id] = found
        return self.scenes[scene_id]


@dataclass(frozen=True)
class Shape:
    """One thing drawn on a view: a ``box`` ([x1, y1, x2, y2]) or a ``point`` ([x, y]) in
    pixels of the delivered image, its label text and its colour (a card's colour per key)."""

    kind: str
    xy: tuple[float, ...]
    text: str
    key: str


def label_shapes(labels: dict, views: list[str], name: Any) -> tuple[dict[str, list[Shape]], list]:
    """The shapes of a row's ``labels`` by frame id, and the keys not drawn.

    ``boxes`` and ``points`` (by instance id) lie on the first view; ``marks`` on the view that
    keys them; ``view_points`` on their ``view``. ``name(key)`` labels an instance id (its
    category and id). ``map`` is drawn on a top view, not here.
    """
    shapes: dict[str, list[Shape]] = defaultdict(list)
    first = views[0] if views else None
    for kind, key in (("box", "boxes"), ("point", "points")):
        for instance, xy in sorted(_mapping(labels.get(key)).items()):
            if first is not None and _coords(xy, 4 if kind == "box" else 2):
                shapes[first].append(Shape(kind, tuple(map(float, xy)), name(instance), instance))
    for frame_id, marks in sorted(_mapping(labels.get("marks")).items()):
        for mark in marks if isinstance(marks, list) else []:
            text = str(mark.get("label", "")) if isinstance(mark, dict) else ""
            for kind, key, count in (("point", "xy", 2), ("box", "box", 4)):
                xy = mark.get(key) if isinstance(mark, dict) else None
                if _coords(xy, count):
                    shapes[frame_id].append(
                        Shape(kind, tuple(map(float, xy)), text, f"mark:{text}")
                    )
    for point_name, point in sorted(_mapping(labels.get("view_points")).items()):
        point = _mapping(point)
        if isinstance(point.get("view"), str) and _coords(point.get("xy"), 2):
            text = f"{point_name} {point.get('text', '')}".strip()
            xy = tuple(map(float, point["xy"]))
            shapes[point["view"]].append(Shape("point", xy, text, f"point:{point_name}"))
    return shapes, sorted(k for k in labels if k not in DRAWN_LABEL_KEYS)


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _coords(value: Any, count: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == count
        and all(isinstance(v, (int, float)) and np.isfinite(v) for v in value)
    )


def label_px(height: int) -> int:
    """The label text size, in pixels, on an image ``height`` pixels high."""
    return max(MIN_LABEL_PX, round(LABEL_SHARE * height))


def draw(image: bytes, shapes: list[Shape], colours: dict[str, tuple[int, int, int]]) -> tuple:
    """The image with each shape outlined in its key's colour and labelled on a filled tag.

    Returns the picture and, per shape, what was drawn (``key``, ``kind``, ``xy``, ``tag``: the
    label's tag [x1, y1, x2, y2], ``colour``), which the page records beside the image.
    """
    picture = Image.open(io.BytesIO(image)).convert("RGB")
    width, height = picture.size
    size = label_px(height)
    font = ImageFont.load_default(size=size)
    line = max(2, round(height / 160))
    pen = ImageDraw.Draw(picture)
    drawn = []
    for shape in shapes:
        colour = colours[shape.key]
        if shape.kind == "box":
            x1, y1, x2, y2 = shape.xy
            pen.rectangle([x1, y1, x2, y2], outline=colour, width=line)
            anchor = (x1, y1)
        else:
            x, y = shape.xy
            radius = max(4, line * 3)
            pen.ellipse(
                [x - radius, y - radius, x + radius, y + radius], outline=colour, width=line
            )
            pen.ellipse([x - line, y - line, x + line, y + line], fill=colour)
            anchor = (x + radius, y - radius)
        tag = _tag(pen, font, shape.text, anchor, (width, height), size)
        if tag is not None:
            pen.rectangle(tag, fill=colour)
            ink = (0, 0, 0) if _luma(colour) > 140 else (255, 255, 255)
            pen.text((tag[0] + size * 0.25, tag[1] + size * 0.15), shape.text, font=font, fill=ink)
        drawn.append(
            {
                "key": shape.key,
                "kind": shape.kind,
                "xy": [round(v, 2) for v in shape.xy],
                "tag": None if tag is None else [round(v, 1) for v in tag],
                "colour": list(colour),
            }
        )
    return picture, drawn


def _luma(colour: tuple[int, int, int]) -> float:
    """Rec. 601 luma (0-255): black text above 140, white below, for contrast on the tag."""
    return (299 * colour[0] + 587 * colour[1] + 114 * colour[2]) / 1000


def _tag(pen, font, text: str, anchor, size: tuple[int, int], px: int) -> list[float] | None:
    """The label's filled box: above the anchor when it fits, else below it; kept inside the
    image."""
    if not text:
        return None
    width = pen.textlength(text, font=font) + px * 0.5
    high = px * 1.3
    x = min(max(anchor[0], 0.0), max(size[0] - width, 0.0))
    y = anchor[1] - high if anchor[1] - high >= 0 else max(anchor[1], 0.0)
    y = min(y, max(size[1] - high, 0.0))
    return [x, y, x + width, y + high]


def _labels(row: dict) -> dict:
    if not row.get("labels"):
        return {}
    try:
        labels = json.loads(row["labels"])
    except ValueError:
        raise SpatialQAError(f"row {row['id']}: labels: not JSON") from None
    if not isinstance(labels, dict):
        raise SpatialQAError(f"row {row['id']}: labels: not a JSON object")
    return labels


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


@dataclass
class View:
    """One image of a card's strip, as the page shows it."""

    frame_id: str
    file: str | None
    timestamp: float | None
    named: bool  # the rationale names this frame
    drawn: list[dict]
    label_px: int | None


def preview(dataset: str | Path, out: str | Path, *, count: int = 60, seed: int = 0) -> Path:
    """Write the gallery of ``dataset`` into ``out``; return the path of ``index.html``."""
    root, out = Path(dataset), Path(out)
    rows = _table(root, "data", SAMPLE_COLUMNS)
    columns = ("scene_id", "frame_id", "degradation", "image", "timestamp")
    frames = {
        (f["scene_id"], f["frame_id"], json.dumps(f["degradation"], sort_keys=True)): f
        for f in _table(root, "frames", columns)
    }
    scenes = SceneBoxes(root if (root / "manifest.json").exists() else None)
    (out / "images").mkdir(parents=True, exist_ok=True)
    cards = []
    saved: set[Path] = set()
    for row in choose(rows, count, seed):
        cards.append(_sample_card(root, out, row, frames, scenes, saved))
    plot_distributions(rows, inside(out, "distributions.png"))
    index = out / "index.html"
    tasks = sorted({row["task"] for row in rows})
    inside(out, "index.html").write_text(_page(root.name, cards, tasks, len(rows)))
    return index


def _sample_card(
    root: Path, out: Path, row: dict, frames: dict, scenes: SceneBoxes, saved: set[Path]
) -> str:
    """Draw every view of ``row`` into ``out/images`` and return its card's HTML."""
    scene_id = row["scene_id"]
    roles = {o["instance_id"]: o["role"] for o in row["objects"]}
    names = {o["instance_id"]: o["category"] for o in row["objects"]}
    by_category = scenes.categories(scene_id)
    ids, categories = mentions(row["rationale"], by_category)
    named_ids = [i for i in [*roles, *ids] if i in roles or scenes.category(scene_id, i)]
    named_ids = list(dict.fromkeys(named_ids))
    of_categories = sorted({i for c in categories for i in by_category.get(c, ())} - set(named_ids))

    def category(instance: int) -> str:
        return names.get(instance) or scenes.category(scene_id, instance) or "?"

    def name(instance: Any) -> str:
        number = int(instance) if str(instance).lstrip("-").isdigit() else None
        if number is None:
            return str(instance)
        role = roles.get(number)
        return f"{category(number)} {number}" + (f" ({role})" if role else "")

    labels = _labels(row)
    views = list(row["views"])
    shapes_of, undrawn = label_shapes(labels, views, name)
    notes = []
    if undrawn:
        notes.append(f"labels not drawn: {', '.join(undrawn)}")
    degradation = row["degradation"]
    oracle = scenes.available(scene_id)
    if oracle and degradation is not None and _moves_pixels(degradation["type"]):
        oracle = False
        notes.append(
            f"{degradation['type']} moves pixels: the oracle's boxes are not drawn (the "
            "labels, moved with the image, are)"
        )
    elif not oracle:
        notes.append("the scene cannot be remade from the manifest: only the labels are drawn")
    convention = labels.get("map")
    mapped = sorted(
        int(k) for k in _mapping(_mapping(convention).get("continuous")) if k.lstrip("-").isdigit()
    )
    keys = [str(i) for i in [*named_ids, *of_categories, *mapped]]
    keys += [s.key for v in views for s in shapes_of.get(v, []) if s.key not in keys]
    colours = {key: PALETTE[n % len(PALETTE)] for n, key in enumerate(dict.fromkeys(keys))}
    key_of = json.dumps(degradation, sort_keys=True)
    shown: list[View] = []
    own = own_images(row)  # a marked view: the row's own image, its marks drawn
    if any(own[n] is not None and shapes_of.get(v) for n, v in enumerate(views)):
        notes.append(
            "marks: as the row's own images show them to the model (the answer's letter is "
            "above), not drawn again"
        )
    texts: dict[str, str] = {}  # what was drawn, by key: the legend
    for number, view in enumerate(views):
        frame = frames.get((scene_id, view, key_of))
        image = own[number] or (frame["image"] if frame else None)
        if image is None and number < len(row["images"] or []):
            image = row["images"][number]
        named = re.search(rf"(?<![\w-]){re.escape(view)}(?![\w-])", row["rationale"]) is not None
        timestamp = frame["timestamp"] if frame else None
        if image is None:
            shown.append(View(view, None, timestamp, named, [], None))
            continue
        picture = Image.open(io.BytesIO(image["bytes"]))
        shapes = [
            shape
            for shape in shapes_of.get(view, [])
            if own[number] is None or not shape.key.startswith("mark:")
        ]
        if oracle:
            labelled = {s.key for s in shapes if s.kind == "box"}
            boxes = scenes.boxes(scene_id, view, named_ids, picture.size, of_categories)
            shapes += [
                Shape("box", tuple(box), name(i), str(i))
                for i, box in boxes.items()
                if str(i) not in labelled
            ]
        file = f"images/{safe_name(row['id'])}_{number}.jpg"
        target = inside(out, file)
        if target in saved:
            raise SpatialQAError(f"{root}: two samples map to {file!r} (ids repeated?)")
        saved.add(target)
        drawing, drawn = draw(image["bytes"], shapes, colours)
        drawing.save(target, quality=88, subsampling=0)  # 4:4:4: thin boxes keep colour
        shown.append(View(view, file, timestamp, named, drawn, label_px(picture.size[1])))
        texts.update((shape.key, shape.text) for shape in shapes if shape.key not in texts)
    scene = scenes.scene(scene_id)
    plans, why = _plans(out, row, scene, convention, named_ids, colours, name, category)
    notes += why
    for plan in plans:
        texts.update(
            (d["key"], d["text"]) for d in plan.drawn if "text" in d and d["key"] not in texts
        )
    legend = [(key, texts[key], colours[key]) for key in colours if key in texts]
    return _card(row, shown, legend, notes, plans)


def _plans(
    out: Path,
    row: dict,
    scene: Any,
    convention: Any,
    named: list[int],
    colours: dict[str, tuple[int, int, int]],
    name: Callable[[int], str],
    category: Callable[[int], str],
) -> tuple[list[Plan], list[str]]:
    """The card's top views, saved as PNG beside its views: the row's map over the room
    (``labels["map"]``, the room as at the first delivered view's time) and the moved objects;
    and notes saying why a map is not drawn."""
    views = list(row["views"])
    plans, notes = [], []
    stem = f"images/{safe_name(row['id'])}"
    if convention is not None and not isinstance(convention, dict):
        notes.append("labels.map: not a JSON object; the map is not drawn")
    elif convention is not None:
        state = scene
        if scene is not None and views:
            state = scene.at(min(scene.frame(view).t for view in views))
        view = convention.get("view") or (views[0] if views else None)
        order = [o["instance_id"] for o in row["objects"]]
        try:
            picture, drawn, window, grid = map_plan(
                state, convention, order, colours, name, category, view
            )
        except SpatialQAError as exc:
            notes.append(f"{exc}; the map is not drawn")
        else:
            axes = (
                f"up is {view}'s heading, right its right"
                if convention.get("frame") == "first_view"
                else "up is world +y, right world +x"
            )
            where = (
                "over the room's top view"
                if state is not None
                else "on a blank floor (the scene cannot be remade)"
            )
            moving = " as at the first view's time" if scene is not None and scene.moves else ""
            caption = (
                f"true map: {grid} x {grid} cells of {window.side / grid:.2f} m {where}{moving}; "
                f"{axes}; a dot at each centre"
            )
            file = f"{stem}_map.png"
            picture.save(inside(out, file), format="PNG")
            plans.append(Plan("map", file, caption, drawn, window, grid))
    moved = moved_plan(scene, views, named, colours, name)
    if moved is not None:
        picture, drawn, window, caption = moved
        file = f"{stem}_moved.png"
        picture.save(inside(out, file), format="PNG")
        plans.append(Plan("moved", file, caption, drawn, window))
    return plans, notes


def _moves_pixels(kind: str) -> bool:
    from spatialqa.degradations import get_degradation

    try:
        return get_degradation(kind).moves_pixels
    except SpatialQAError:
        return True  # an unknown degradation: do not trust the clean geometry on it


def _card(row: dict, views: list[View], legend: list, notes: list[str], plans: list[Plan]) -> str:
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
    figures = []
    for view in views:
        when = "" if view.timestamp is None else f" · {view.timestamp:.2f} s"
        caption = f"{e(view.frame_id)}{when}" + (" · in the rationale" if view.named else "")
        if view.file is None:
            figures.append(
                f"<figure class='view missing' data-view='{e(view.frame_id)}'>"
                f"<div class='blank'>no image</div><figcaption>{caption}</figcaption></figure>"
            )
            continue
        boxed = ",".join(d["key"] for d in view.drawn if d["kind"] == "box")
        figures.append(
            f"<figure class='view{' named' if view.named else ''}' data-view='{e(view.frame_id)}'>"
            f"<a href='{e(view.file)}'><img src='{e(view.file)}' alt='{e(view.frame_id)}' "
            f"data-view='{e(view.frame_id)}' data-boxes='{e(boxed)}' "
            f"data-label-px='{view.label_px}' data-drawn='{e(json.dumps(view.drawn))}'></a>"
            f"<figcaption>{caption}</figcaption></figure>"
        )
    tops = "".join(
        f"<figure class='plan' data-plan='{e(plan.kind)}'><a href='{e(plan.file)}'>"
        f"<img src='{e(plan.file)}' alt='{e(plan.kind)}' data-plan='{e(plan.kind)}' "
        f"data-margin='{plan.window.margin}' data-size='{plan.window.size}' "
        f"data-grid='{plan.grid or ''}' data-drawn='{e(json.dumps(plan.drawn))}'></a>"
        f"<figcaption>{e(plan.caption)}</figcaption></figure>"
        for plan in plans
    )
    chips = "".join(
        f"<li data-key='{e(key)}'><span class='chip' style='background: rgb{colour}'></span>"
        f"{e(text)}</li>"
        for key, text, colour in legend
    )
    return (
        f"<article class='card' data-task='{e(row['task'])}' data-id='{e(row['id'])}' "
        f"data-views='{len(views)}'>"
        f"<h3>{e(row['task'])} <small>{e(row['scene_id'])} · {e(row['id'][:12])}</small></h3>"
        f"<pre class='question'>{e(row['question'])}</pre>"
        f"<p><b>answer:</b> {answer}</p>{reason}"
        f"<div class='strip'>{''.join(figures)}</div>"
        + (f"<div class='plans'>{tops}</div>" if tops else "")
        + f"<p class='meta'>{len(views)} views · degradation: {e(shown)}</p>"
        + (f"<ul class='legend'>{chips}</ul>" if chips else "")
        + "".join(f"<p class='note'>{e(note)}</p>" for note in notes)
        + f"<details open><summary>rationale</summary><p>{e(row['rationale'])}</p></details>"
        "</article>"
    )


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>spatialqa preview: {name}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5em; background: #fafafa; }}
.card {{ background: white; border: 1px solid #ddd; border-radius: 6px; padding: .8em;
         margin: .8em 0; }}
.strip {{ display: flex; gap: 6px; overflow-x: auto; padding-bottom: 6px; }}
.view {{ flex: 0 0 auto; margin: 0; border: 2px solid transparent; }}
.view.named {{ border-color: #222; }}
.view img {{ display: block; max-height: 320px; }}
.plans {{ display: flex; gap: 10px; flex-wrap: wrap; margin-top: 4px; }}
.plan {{ margin: 0; max-width: 540px; }}
.plan img {{ display: block; max-width: 100%; }}
.view .blank {{ width: 160px; height: 120px; background: #eee; color: #666;
               display: flex; align-items: center; justify-content: center; }}
figcaption {{ font-size: .85em; color: #444; padding: 2px 4px; }}
.view.named figcaption {{ font-weight: bold; color: #000; }}
.legend {{ list-style: none; padding: 0; margin: .3em 0; display: flex; flex-wrap: wrap;
          gap: .3em 1em; }}
.chip {{ display: inline-block; width: .9em; height: .9em; margin-right: .3em;
        vertical-align: -0.1em; border: 1px solid #0003; }}
pre.question {{ white-space: pre-wrap; font-size: 1em; }}
.meta, small {{ color: #666; }}
.reason {{ color: #a00; }}
.note {{ color: #8a5a00; font-size: .9em; }}
</style></head>
<body data-samples="{shown}">
<h1>{name}</h1>
<p>{shown} of {total} samples, spread over tasks. Every view of a sample is in its strip
(scroll sideways); boxes mark every object its rationale mentions, in each view where it is
visible; a frame the rationale names has a dark border. Below a map's strip, the true map over
the room's top view; below a moved object's, its footprint before (dashed) and after (filled).
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
