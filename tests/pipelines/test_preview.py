"""The gallery: it opens in headless Chromium with every image loaded and every view of each
sample in its strip; an appearance-order card boxes, in each frame its rationale names, the
instances of the category first seen there (checked against the oracle and in the pixels);
labels are sized to the image; per-view ``marks`` are drawn on their view without task code;
its oracle boxes are the visible pixels' squares in OpenCV coordinates, resized as
``Frame.resized`` resizes the image. On a room with a moved walk: a cognitive map card draws the
true map over the room's top view (its cell and centre where the map's arithmetic puts them,
worked here from the camera and the footprint), a moved object's card boxes it in both images
and draws its footprint before and after with an arrow as long as its displacement, and a
marked card shows the row's own marks once."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image
from shapely.geometry import MultiPoint

from spatialqa.errors import SpatialQAError
from spatialqa.oracle import frame_visibility
from spatialqa.pipelines.build import build
from spatialqa.pipelines.config import parse_config
from spatialqa.pipelines.preview import SceneBoxes, draw, label_shapes, mentions, preview
from spatialqa.pipelines.top_views import map_plan
from spatialqa.scenes import procedural_scene

TOURED = {
    "name": "toured",
    "seed": 0,
    # procedural_scene(5, 0): its tour through 8 frames gives an appearance-order question
    # in which a listed referent is not the instance of its category first seen (the card
    # test counts them: ``unlisted``)
    "scenes": [{"procedural": {"count": 1, "seed": 5}}],
    "tasks": [
        {"name": "obj_appearance_order", "per_scene": 1},
        {"name": "object_counting", "per_scene": 1},
        {"name": "object_localization_2d", "per_scene": 1},
    ],
    "views": {"trajectory": "tour", "frames": 8},
    "render": {"width": 320, "height": 240},
    "degradations": ["clean"],
    "output": {"inline_images": "few"},
}
MOVED = {
    "name": "moved",
    "seed": 0,
    # procedural_scene(0, 0, moved=True): its moved walk through 8 frames gives one sample of
    # each task; the armchair (14) is slid 0.60 m between m0000 and m0018/m0027
    "scenes": [{"procedural": {"count": 1, "seed": 0}}],
    "tasks": [
        {"name": name, "per_scene": 1}
        for name in ("cognitive_map", "point_correspondence", "object_moved", "object_displacement")
    ],
    "views": {"trajectory": "moved", "frames": 8},
    "render": {"width": 160, "height": 120},
    "degradations": ["clean"],
    "output": {"inline_images": "few"},
}
MARGIN, MAP_SIDE = 28, 480  # a top view: 28 px around a 480 px square (48 px a cell at N = 10)
FIRST_SEEN = re.compile(r"([a-z][a-z ]*?) at [\d.]+ s \(frame ([\w-]+)\)")


def chromium_dom(index) -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is installed by scripts/setup.sh"
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
            "--dump-dom",
            index.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


class Cards(HTMLParser):
    """Each card's attributes and, in order, the attributes of the figures and images of its
    strip (attribute values unescaped)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.cards: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "article" and "card" in classes:
            self.cards.append({**found, "figures": [], "images": []})
        elif tag == "figure" and "view" in classes:
            self.cards[-1]["figures"].append(found)
        elif tag == "img" and "data-view" in found:
            self.cards[-1]["images"].append(found)
        elif tag == "img" and "data-plan" in found:
            self.cards[-1].setdefault("plans", {})[found["data-plan"]] = found


def loaded(dom: str) -> tuple[int, int]:
    done = re.search(r'data-images-loaded="(\d+)"', dom)
    total = re.search(r'data-images="(\d+)"', dom)
    assert done and total, dom[:500]
    return int(done.group(1)), int(total.group(1))


@pytest.fixture(scope="module")
def toured(ray_local, tmp_path_factory):
    out = tmp_path_factory.mktemp("toured")
    build(parse_config(TOURED), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    assert "obj_appearance_order" in {r["task"] for r in rows}
    return out, rows


@pytest.fixture(scope="module")
def moved(ray_local, tmp_path_factory):
    """The moved room's build, its gallery and the gallery's DOM in headless Chromium."""
    out = tmp_path_factory.mktemp("moved")
    build(parse_config(MOVED), out, progress=False)
    rows = pq.read_table(out / "data").to_pylist()
    assert sorted(r["task"] for r in rows) == sorted(t["name"] for t in MOVED["tasks"])
    gallery = out.parent / f"{out.name}_gallery"
    index = preview(out, gallery, count=len(rows), seed=0)
    dom = chromium_dom(index)
    cards = {c["data-id"]: c for c in Cards(dom).cards}
    return {r["task"]: r for r in rows}, cards, gallery, dom


def first_view_square(scene, view: str) -> tuple:
    """The map's arithmetic, worked here: up = the camera's optical axis on the floor, right =
    up turned 90 degrees clockwise, (x, y) -> (y, -x); the square of side the footprint's
    longer extent in (r, f), centred on it: (right, up, r_min, f_max, side)."""
    pose = scene.frame(view).pose
    up = pose[:2, 2] / np.hypot(*pose[:2, 2])
    right = np.array([up[1], -up[0]])
    footprint = np.asarray(scene.room.footprint)
    r, f = footprint @ right, footprint @ up
    side = max(np.ptp(r), np.ptp(f))
    return right, up, (r.max() + r.min() - side) / 2, (f.max() + f.min() + side) / 2, side


def top_view_px(square: tuple, point) -> list[float]:
    """A world point on a top view of ``square``: 28 + 480 (r - r_min) / side across,
    28 + 480 (f_max - f) / side down."""
    right, up, r_min, f_max, side = square
    scale = MAP_SIDE / side
    return [MARGIN + (point @ right - r_min) * scale, MARGIN + (f_max - point @ up) * scale]


def floor_centre(scene, instance: int, t: float) -> np.ndarray:
    """The middle of the object's minimum-area rectangle on the floor at time ``t`` (a second
    method to the oracle's minimal box)."""
    shape = MultiPoint(scene.at(t).object(instance).vertices[:, :2])
    return np.asarray(shape.minimum_rotated_rectangle.centroid.coords)[0]


def pixels(gallery, source: str) -> np.ndarray:
    return np.asarray(Image.open(gallery / source).convert("RGB")).astype(int)


def test_gallery_opens_in_headless_chromium_with_every_view(dataset, tmp_path):
    out, rows = dataset
    index = preview(out, tmp_path / "gallery", count=10, seed=1)
    assert (tmp_path / "gallery" / "distributions.png").stat().st_size > 0
    assert index.read_text().count("class='card'") == 10
    dom = chromium_dom(index)
    cards = Cards(dom).cards
    assert len(cards) == 10
    views = {r["id"]: r["views"] for r in rows}
    for card in cards:
        expected = views[card["data-id"]]  # every view of the sample, in order: not 4 of 16
        assert [f["data-view"] for f in card["figures"]] == expected
        assert [i["data-view"] for i in card["images"]] == expected
    shown = sum(len(c["images"]) for c in cards)
    assert loaded(dom) == (shown + 1, shown + 1)  # the plot and every view's image


def test_appearance_order_card_boxes_each_category_where_it_first_appears(toured, tmp_path):
    out, rows = toured
    index = preview(out, tmp_path / "gallery", count=len(rows), seed=0)
    dom = chromium_dom(index)
    assert loaded(dom)[0] == loaded(dom)[1]
    cards = {c["data-id"]: c for c in Cards(dom).cards}
    (row,) = [r for r in rows if r["task"] == "obj_appearance_order"]
    card = cards[row["id"]]
    assert len(card["images"]) == len(row["views"]) == 8
    named = FIRST_SEEN.findall(row["rationale"])
    assert len(named) == 4
    scene = procedural_scene(5, 0)
    listed = {o["category"]: o["instance_id"] for o in row["objects"]}
    unlisted = 0  # first seen through an instance other than the listed referent
    for category, frame_id in named:
        # The oracle, asked here: the instances of the category visible above tau in the
        # frame of its first appearance (at least one, or it would not appear there).
        seen = frame_visibility(scene, frame_id)
        shown = seen.is_visible()
        expected = {
            int(i): seen.boxes[n]
            for n, i in enumerate(seen.instance_ids)
            if shown[n] and scene.object(int(i)).category == category
        }
        assert expected, (category, frame_id)
        unlisted += listed[category] not in expected
        image = next(i for i in card["images"] if i["data-view"] == frame_id)
        drawn = {int(d["key"]): d for d in json.loads(image["data-drawn"]) if d["kind"] == "box"}
        assert set(expected) <= set(drawn), (category, frame_id, image["data-boxes"])
        picture = np.asarray(Image.open(tmp_path / "gallery" / image["src"]).convert("RGB"))
        height, width = picture.shape[:2]
        frame = scene.frame(frame_id)
        assert (width, height) == (320, 240) and (frame.width, frame.height) == (640, 480)
        for instance, box in expected.items():
            # 640 x 480 -> 320 x 240: x' = (x + 0.5) / 2 - 0.5
            assert drawn[instance]["xy"] == pytest.approx((box + 0.5) / 2 - 0.5, abs=0.01)
            colour = np.array(drawn[instance]["colour"])
            x1, y1, _, y2 = np.round(drawn[instance]["xy"]).astype(int)
            # the box's left edge, below its label tag, is in the box colour: per row, the
            # nearest of the columns about x1 (JPEG: within 60 a channel)
            tag = drawn[instance]["tag"]
            lines = [y for y in range(max(y1, 0), min(y2, height)) if not tag[1] <= y <= tag[3]]
            around = picture[lines][:, max(x1 - 1, 0) : x1 + 3].astype(int)
            nearest = np.abs(around - colour).max(axis=2).min(axis=1)
            assert np.median(nearest) < 60, (category, instance)
            # the tag: at least 5% of the image high, filled with the box colour
            assert tag[3] - tag[1] >= 0.05 * height
            inner = picture[int(tag[1]) + 1 : int(tag[3]) - 1, int(tag[0]) + 1 : int(tag[2]) - 1]
            share = (np.abs(inner.astype(int) - colour).max(axis=2) < 60).mean()
            assert share > 0.5, share  # the rest is the text
    assert unlisted >= 1  # boxing the referents alone would leave that frame bare
    assert int(card["images"][0]["data-label-px"]) == 13  # max(13, 5% of 240 = 12)
    named_frames = {f["data-view"] for f in card["figures"] if "named" in f["class"].split()}
    assert named_frames == {frame_id for _, frame_id in named}


def test_labels_marks_are_drawn_on_their_view_without_task_code(toured, tmp_path):
    out, rows = toured
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (row,) = [r for r in rows if r["task"] == "object_counting"]
    second = row["views"][1]
    marks = {"marks": {second: [{"xy": [100.0, 80.0], "label": "REF"}]}, "depth_hint": 1}
    for path in sorted((copy / "data").glob("*.parquet")):
        table = pq.read_table(path)
        labels = [
            json.dumps(marks) if i == row["id"] else v
            for i, v in zip(table["id"].to_pylist(), table["labels"].to_pylist(), strict=True)
        ]
        column = table.schema.get_field_index("labels")
        table = table.set_column(column, table.schema.field(column), [labels])
        pq.write_table(table, path)
    index = preview(copy, tmp_path / "gallery", count=len(rows), seed=0)
    cards = {c["data-id"]: c for c in Cards(index.read_text()).cards}
    images = {i["data-view"]: i for i in cards[row["id"]]["images"]}
    (mark,) = [d for d in json.loads(images[second]["data-drawn"]) if d["key"] == "mark:REF"]
    assert mark["kind"] == "point" and mark["xy"] == [100.0, 80.0]
    picture = np.asarray(Image.open(tmp_path / "gallery" / images[second]["src"]).convert("RGB"))
    assert np.abs(picture[80, 100].astype(int) - mark["colour"]).max() < 60  # the filled dot
    others = [d for v, i in images.items() if v != second for d in json.loads(i["data-drawn"])]
    assert all(d["key"] != "mark:REF" for d in others)
    assert "labels not drawn: depth_hint" in index.read_text()
    assert "<li data-key='mark:REF'>" in index.read_text()  # in the card's legend


def test_label_shapes_and_draw_on_a_plain_image():
    labels = {
        "boxes": {"3": [10.0, 12.0, 50.0, 40.0]},
        "points": {"4": [70.0, 30.0]},
        "marks": {"f2": [{"xy": [20.0, 50.0], "label": "P1"}, {"box": [1, 2, 3], "label": "bad"}]},
        "view_points": {"query": {"view": "f1", "xy": [5.0, 6.0], "text": "[31, 75]"}},
        "map": {"grid": 10},
    }
    shapes, undrawn = label_shapes(labels, ["f1", "f2"], lambda key: f"thing {key}")
    assert undrawn == []  # the map is drawn on a top view
    assert [(s.kind, s.xy, s.text) for s in shapes["f1"]] == [
        ("box", (10.0, 12.0, 50.0, 40.0), "thing 3"),
        ("point", (70.0, 30.0), "thing 4"),
        ("point", (5.0, 6.0), "query [31, 75]"),
    ]
    assert [(s.kind, s.xy, s.text) for s in shapes["f2"]] == [("point", (20.0, 50.0), "P1")]
    grey = io.BytesIO()
    Image.new("RGB", (100, 80), (128, 128, 128)).save(grey, format="PNG")
    colours = {"3": (230, 25, 75), "4": (255, 225, 25)}
    picture, drawn = draw(grey.getvalue(), shapes["f1"][:2], colours)
    pixels = np.asarray(picture)
    assert pixels[30, 10].tolist() == [230, 25, 75]  # the box's left edge, x = 10
    assert pixels[30, 70].tolist() == [255, 225, 25]  # the point's dot
    # the first tag: 13 px text (80 * 5% = 4 < 13) on a 1.3 x 13 = 16.9 px tag, above the
    # box when it fits (12 - 16.9 < 0: it does not, so it starts at the box's top, y = 12)
    assert drawn[0]["tag"][1] == 12.0 and drawn[0]["tag"][3] == pytest.approx(12 + 16.9, abs=0.1)


def test_mentions_read_ids_and_whole_category_names():
    text = (
        "Instances of book visible: ids [9, 10, 11]. The tv stand (object 4) and id 6: 160 px. "
        "The coffee tables are left of the chair at 12 o'clock."
    )
    ids, names = mentions(
        text, ["book", "tv", "tv stand", "table", "coffee table", "chair", "clock"]
    )
    assert ids == [9, 10, 11, 4, 6]
    assert names == ["book", "tv stand", "coffee table", "chair"]  # no tv, table or clock


def test_boxes_are_the_oracles_and_scale_about_the_image_corner(scene_kit):
    # f = 100, 20 x 16, principal point (9.5, 7.5); a plate at depth 5 over x [-0.25, 0.15],
    # z [-0.1, 0.2] projects to u = 9.5 + 20 x in [4.5, 12.5], v = 7.5 - 20 z in [3.5, 9.5]:
    # pixel centres u 5..12, v 4..9, whose squares fill exactly that box.
    frame = scene_kit.frame(
        "f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), focal=100.0, width=20, height=16
    )
    plate = scene_kit.Box(1, "plate", (-0.05, 5.0005, 0.05), (0.4, 0.001, 0.3))
    scene = scene_kit.scene([plate], frames=[frame])
    boxes = SceneBoxes(None)
    boxes.scenes["s"] = scene
    assert boxes.boxes("s", "f0", [1], (20, 16)) == {1: [4.5, 3.5, 12.5, 9.5]}
    assert frame_visibility(scene, "f0").boxes[0].tolist() == [4.5, 3.5, 12.5, 9.5]
    # Doubled: x' = (x + 0.5) * 2 - 0.5, the image's corner (-0.5, -0.5) staying put.
    assert boxes.boxes("s", "f0", [1], (40, 32)) == {1: [9.5, 7.5, 25.5, 19.5]}
    assert boxes.boxes("s", "f0", [2], (20, 16)) == {}


def test_map_card_draws_the_true_map_over_the_rooms_top_view(moved):
    rows, cards, gallery, dom = moved
    assert loaded(dom)[0] == loaded(dom)[1]  # the top views load too
    row = rows["cognitive_map"]
    card = cards[row["id"]]
    assert list(card["plans"]) == ["map"]  # no move shown: the map's objects stay put
    plan = card["plans"]["map"]
    assert (plan["data-margin"], plan["data-size"], plan["data-grid"]) == ("28", "480", "10")
    answer = json.loads(row["answer"])
    # a category with one instance, alone in its cell
    cells = [tuple(c) for cs in answer.values() for c in cs]
    category = next(
        c for c, cs in sorted(answer.items()) if len(cs) == 1 and cells.count(tuple(cs[0])) == 1
    )
    (instance,) = [o["instance_id"] for o in row["objects"] if o["category"] == category]
    # cell = floor(10 (r - r_min) / side), floor(10 (f_max - f) / side) of the object's centre
    # at the first view's time, in the first view's square
    scene = procedural_scene(0, 0, moved=True)
    square = first_view_square(scene, row["views"][0])
    right, up, r_min, f_max, side = square
    centre = floor_centre(scene, instance, scene.frame(row["views"][0]).t)
    x, y = 10 * (centre @ right - r_min) / side, 10 * (f_max - centre @ up) / side
    assert [int(np.floor(x)), int(np.floor(y))] == answer[category][0]
    cx, cy = answer[category][0]
    drawn = {d["key"]: d for d in json.loads(plan["data-drawn"])}
    # cell (cx, cy): pixels 28 + 48 cx .. 28 + 48 cx + 47, the same in v
    u0, v0 = MARGIN + 48 * cx, MARGIN + 48 * cy
    assert drawn[str(instance)]["cell"] == [cx, cy]
    assert drawn[str(instance)]["xy"] == [u0, v0, u0 + 48, v0 + 48]
    colour = drawn[str(instance)]["colour"]
    picture = pixels(gallery, plan["src"])
    assert picture.shape == (MAP_SIDE + 2 * MARGIN, MAP_SIDE + 2 * MARGIN, 3)
    # the dot at the exact centre: 28 + 48 x, in that cell
    u, v = MARGIN + 48 * x, MARGIN + 48 * y
    # the cell's 2 px outline (PNG: exact), below its tag (17 px) and clear of the dot (4 px)
    edges = [(u0, b) for b in range(v0 + 20, v0 + 48)] + [
        (u0 + 47, b) for b in range(v0 + 20, v0 + 48)
    ]
    edges += [(a, v0 + 47) for a in range(u0, u0 + 48)]
    clear = [(a, b) for a, b in edges if np.hypot(a - u, b - v) > 6]
    assert len(clear) > 60
    assert all(picture[b, a].tolist() == colour for a, b in clear)
    assert drawn[str(instance)]["centre"] == pytest.approx([u, v], abs=0.01)
    assert u0 <= u < u0 + 48 and v0 <= v < v0 + 48
    assert picture[round(v), round(u)].tolist() == colour
    # every instance of the answer has its cell, in the legend too
    mapped = [d for d in drawn.values() if d["kind"] == "cell"]
    assert sorted(tuple(d["cell"]) for d in mapped) == sorted(cells)
    assert all(
        f"<li data-key='{d['key']}'>" in gallery.joinpath("index.html").read_text() for d in mapped
    )
    assert f"camera:{row['views'][0]}" in drawn  # the first camera, whose heading is up


def test_moved_object_cards_show_both_states(moved):
    rows, cards, gallery, _ = moved
    scene = procedural_scene(0, 0, moved=True)
    for task in ("object_displacement", "object_moved"):
        row = rows[task]
        card = cards[row["id"]]
        first, second = row["views"]
        # the moved object: the candidate (or target) whose keyframe lies between the views
        t1, t2 = scene.frame(first).t, scene.frame(second).t
        (instance,) = [
            o["instance_id"]
            for o in row["objects"]
            if any(t1 < k.t <= t2 for k in scene.object(o["instance_id"]).motion)
        ]
        # its box in both images, where the oracle sees it at each frame's time
        for image in card["images"]:
            boxes = {d["key"]: d["xy"] for d in json.loads(image["data-drawn"])}
            view = image["data-view"]
            seen = frame_visibility(scene.at(scene.frame(view).t), view)
            n = seen.instance_ids.tolist().index(instance)
            # 640 x 480 -> 160 x 120: x' = (x + 0.5) / 4 - 0.5
            assert boxes[str(instance)] == pytest.approx((seen.boxes[n] + 0.5) / 4 - 0.5, abs=0.01)
        # the top view: the first camera's heading up, the footprint's square (as for a map)
        plan = card["plans"]["moved"]
        square = first_view_square(scene, first)
        scale = MAP_SIDE / square[4]
        centres = [floor_centre(scene, instance, t) for t in (t1, t2)]
        drawn = {d["key"]: d for d in json.loads(plan["data-drawn"])}
        move = drawn[str(instance)]
        assert move["kind"] == "move"
        assert move["from"] == pytest.approx(top_view_px(square, centres[0]), abs=0.01)
        assert move["to"] == pytest.approx(top_view_px(square, centres[1]), abs=0.01)
        metres = np.hypot(*(np.subtract(move["to"], move["from"]))) / scale
        if task == "object_displacement":
            assert metres == pytest.approx(row["value"], abs=1e-3)
        assert metres > 0.25  # the moved walk slides a piece 0.25-1.0 m
        for key, when in (("before", 0), ("after", 1)):
            # the footprint drawn at each time: centred on that centre, the rectangle's area
            polygon = MultiPoint(move[key]).convex_hull
            assert np.asarray(polygon.centroid.coords)[0] == pytest.approx(
                top_view_px(square, centres[when]), abs=0.05
            )
            shape = MultiPoint(scene.at((t1, t2)[when]).object(instance).vertices[:, :2])
            area = shape.minimum_rotated_rectangle.area
            assert polygon.area / scale**2 == pytest.approx(area, rel=1e-3)
        picture = pixels(gallery, plan["src"])
        middle = np.round(np.add(move["from"], move["to"]) / 2).astype(int)
        assert picture[middle[1], middle[0]].tolist() == move["colour"]  # the arrow (PNG)
        # the other referents stayed: outlined where they are
        still = {str(o["instance_id"]) for o in row["objects"]} - {str(instance)}
        assert {k for k, d in drawn.items() if d["kind"] == "still"} == still
        assert {f"camera:{first}", f"camera:{second}"} <= set(drawn)


def test_marked_card_shows_the_rows_marks_once(moved):
    rows, cards, gallery, _ = moved
    row = rows["point_correspondence"]
    card = cards[row["id"]]
    marks = json.loads(row["labels"])["marks"]
    assert set(marks) == set(row["views"])
    for image in card["images"]:
        drawn = json.loads(image["data-drawn"])
        assert not [d for d in drawn if d["key"].startswith("mark:")]  # not drawn again
        picture = pixels(gallery, image["src"])
        for mark in marks[image["data-view"]]:
            # the row's own image: the disc's magenta (255, 0, 255) at the mark, within JPEG's
            x, y = np.clip(np.round(mark["xy"]).astype(int), 0, [159, 119])
            assert np.abs(picture[y, x] - [255, 0, 255]).max() < 80, mark
    assert "plans" not in card
    assert "not drawn again" in gallery.joinpath("index.html").read_text()


def test_map_plan_on_a_blank_floor_from_the_labels_alone():
    # grid 4 over the square [0, 4] x [0, 4] m, world axes: 480 // 4 = 120 px a cell. The
    # instance's continuous coordinates (2.5, 1.2) fall in cell (2, 1): pixels 28 + 240 = 268
    # .. 387 across, 28 + 120 = 148 .. 267 down; its dot at (28 + 2.5 * 120, 28 + 1.2 * 120)
    # = (328, 172).
    convention = {
        "grid": 4,
        "right": [1.0, 0.0],
        "up": [0.0, 1.0],
        "r_min": 0.0,
        "f_max": 4.0,
        "side": 4.0,
        "frame": "world",
        "continuous": {"7": [2.5, 1.2]},
    }
    colours = {"7": (0, 130, 200)}
    picture, drawn, window, grid = map_plan(
        None, convention, [7], colours, lambda i: f"sofa {i}", lambda i: "sofa", None
    )
    assert (grid, window.size, window.margin) == (4, 480, 28)
    (cell,) = drawn
    assert cell["cell"] == [2, 1] and cell["xy"] == [268, 148, 388, 268]
    assert cell["centre"] == [328.0, 172.0]
    pixels_ = np.asarray(picture)
    assert pixels_[208, 268].tolist() == [0, 130, 200]  # the outline, halfway down the cell
    assert pixels_[172, 328].tolist() == [0, 130, 200]  # the dot
    # the fill lets the floor show: 115 / 255 of the colour over the floor (238, 238, 232)
    blend = np.round((115 * np.array([0, 130, 200]) + 140 * np.array([238, 238, 232])) / 255)
    assert np.abs(pixels_[250, 370] - blend).max() <= 1
    with pytest.raises(SpatialQAError, match=r"labels\.map\.side"):
        map_plan(None, {**convention, "side": "wide"}, [7], colours, str, str, None)
