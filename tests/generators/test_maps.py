"""The cognitive_map task and the with_map scaffold: the paper room's maps worked by hand (cells
as in tests/oracle/test_maps.py), the convention recorded in the row, abstention items, params;
with_map changes only the question, its VSI form, the labels and the scaffold tag."""

from __future__ import annotations

import dataclasses
import json

import pytest
import rooms_kit
from samples_kit import generate

from spatialqa.errors import ConfigError
from spatialqa.generators import Context, get_task
from spatialqa.generators.maps import compact, map_scaffold
from spatialqa.generators.metrics import map_locality, parse_map
from spatialqa.generators.registry import all_tasks
from spatialqa.oracle import cognitive_map, execute

BOXES = [
    (1, "table", (1.0, 1.0), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.5, 3.0), (2.0, 0.9, 0.8)),
    (3, "chair", (2.0, 3.5), (0.5, 0.5, 0.9)),
    (4, "chair", (5.5, 0.5), (0.5, 0.5, 0.9)),
]
FIRST_VIEW = '{"chair":[[2,6],[7,0]],"sofa":[[3,2]],"table":[[6,8]]}'
"""The map seen first from ``east`` (heading +x): r = -y, f = x, r_min = -5, f_max = 6,
side 6 (tests/oracle/test_maps.py works every cell)."""
WORLD = '{"chair":[[3,2],[9,7]],"sofa":[[7,3]],"table":[[1,6]]}'
"""The world-frame map: r = x, f = y, r_min = 0, f_max = 5, side 6."""


@pytest.fixture(scope="module")
def room(scene_kit) -> Context:
    """The 6 m x 4 m paper room of tests/oracle/test_maps.py, seen from ``east``, then from
    ``north``."""
    boxes = [
        scene_kit.Box(i, category, (x, y, size[2] / 2), size) for i, category, (x, y), size in BOXES
    ]
    frames = [
        scene_kit.frame("east", scene_kit.look_at((-3.0, 2.0, 5.0), (3.0, 2.0, 0.0)), focal=300),
        scene_kit.frame(
            "north", scene_kit.look_at((3.0, -4.0, 5.0), (3.0, 2.0, 0.0)), focal=300, t=1.0
        ),
    ]
    footprint = [[0.0, 0.0], [6.0, 0.0], [6.0, 4.0], [0.0, 4.0]]
    scene = scene_kit.scene(boxes, frames=frames, footprint=footprint)
    return Context(scene, ("east", "north"), seed=0)


def test_the_paper_room_map_in_both_frames(room):
    (first,) = generate("cognitive_map", room)  # three categories: one question
    assert first.answer == FIRST_VIEW and first.answer_type == "map"
    assert first.metric == "map_locality" and first.value is None
    assert all(name in first.question for name in ("table", "sofa", "chair", "10x10"))
    assert "first frame" in first.question
    assert first.answer in first.rationale
    assert "chair (id 4): centre [5.5, 0.5] -> (r, f) [-0.5, 5.5] m -> cell [7, 0]" in (
        first.rationale
    )
    assert sorted((r.instance_id, r.role) for r in first.objects) == [
        (1, "mapped"),
        (2, "mapped"),
        (3, "mapped"),
        (4, "mapped"),
    ]
    convention = json.loads(first.labels)["map"]
    assert (convention["frame"], convention["view"], convention["grid"]) == (
        "first_view",
        "east",
        10,
    )
    assert convention["origin"] == pytest.approx([6.0, 5.0])  # top-left corner in world XY
    assert convention["positions"]["1"] == pytest.approx([-1.0, 1.0])  # table's (r, f)
    assert compact(execute(json.loads(first.program), room.scene).value) == first.answer
    (world,) = generate("cognitive_map", room, frame="world")
    assert world.answer == WORLD and "+y axis" in world.question
    assert json.loads(world.labels)["map"]["rotation_deg"] == 0.0


def test_any_convention_follows_from_the_row(room):
    # The world map from the first-view row alone: centres in labels, the world frame's
    # square (r_min 0, f_max 5, side 6): x = floor(10 x / 6), y = floor(10 (5 - y) / 6).
    (row,) = generate("cognitive_map", room)
    centres = json.loads(row.labels)["map"]["centers"]
    cells: dict[str, list[list[int]]] = {}
    for instance, (x, y) in centres.items():
        category = room.scene.object(int(instance)).category
        cells.setdefault(category, []).append([int(10 * x // 6), int(10 * (5 - y) // 6)])
    assert compact({c: sorted(v) for c, v in cells.items()}) == WORLD


def test_a_category_needs_all_its_instances_in_view(room):
    # Seen from ``east`` alone, both chairs are visible: the task asks; a 2-category room
    # (chairs dropped) gives nothing with the default of at least 3 categories.
    assert generate("cognitive_map", dataclasses.replace(room, views=("east",)))
    assert not generate("cognitive_map", room, min_categories=4)
    (two,) = generate("cognitive_map", room, min_categories=2, max_categories=2, limit=1)
    assert len(parse_map(two.answer)) == 2


def test_abstention_items_name_a_category_the_views_miss():
    # the first room whose two views miss a category some other frame shows (a small bathroom
    # can show every category in two views, and then no map is unanswerable)
    for index in range(4):
        ctx = rooms_kit.context(0, index, views=2, abstention=0.5)
        samples = generate("cognitive_map", ctx, limit=12)
        hidden = [s for s in samples if not s.answerable]
        if hidden:
            break
    assert hidden and len(hidden) < len(samples)
    visible = ctx.visible_in(ctx.views)
    for sample in hidden:
        missing = [r for r in sample.objects if r.instance_id not in visible]
        assert missing and all(r.category in sample.question for r in missing)
        assert sample.answer_type == "abstain" and sample.answerable_views


def test_bad_params_are_named():
    task = get_task("cognitive_map")
    with pytest.raises(ConfigError, match=r"params\.frame"):
        task(frame="north")
    with pytest.raises(ConfigError, match=r"params\.grid"):
        task(grid=1)
    with pytest.raises(ConfigError, match="min_categories"):
        task(min_categories=5, max_categories=4)
    with pytest.raises(ConfigError, match=r"params: unknown \['with_map'\]"):
        get_task("object_counting")(with_map=True)
    with pytest.raises(ConfigError, match=r"params\.with_map: must be true or false"):
        get_task("object_rel_distance")(with_map="yes")


def test_with_map_puts_the_true_map_of_the_referents_first(room):
    # object_abs_distance between the table and the sofa (the single-instance categories):
    # the map of those two, first view east: sofa [3, 2], table [6, 8].
    (plain,) = generate("object_abs_distance", room)
    (mapped,) = generate("object_abs_distance", room, with_map=True)
    intro, question = mapped.question.split("\n", 1)
    assert question == plain.question
    assert intro.endswith('{"sofa":[[3,2]],"table":[[6,8]]}')
    assert "top is the direction the camera faces in the first frame" in intro
    assert mapped.question_vsi == f"{intro}\n{plain.question_vsi}"
    assert (plain.scaffold, mapped.scaffold) == (None, "map")
    labels = json.loads(mapped.labels)["map"]
    assert execute(labels["program"], room.scene).value == {"sofa": [[3, 2]], "table": [[6, 8]]}
    same = {"question", "question_vsi", "labels", "scaffold"}
    for field in dataclasses.fields(plain):
        if field.name not in same:
            assert getattr(plain, field.name) == getattr(mapped, field.name), field.name


MAP_SCAFFOLD_TASKS = {
    "object_abs_distance",
    "object_abs_distance_mc",
    "object_rel_distance",
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
    "route_planning",
}
"""GROUND_TRUTH.md: the tasks ``with_map`` applies to (and the _mc form of the numeric one)."""


def test_exactly_the_relative_tasks_take_the_map():
    assert {task.name for task in all_tasks() if task.takes_map()} == MAP_SCAFFOLD_TASKS


@pytest.mark.parametrize("name", sorted(MAP_SCAFFOLD_TASKS))
def test_with_map_on_every_task_that_takes_it(name):
    checked = 0
    for spec in ({"views": 8, "index": 0}, {"views": 8, "index": 2}, {"views": 12, "index": 1}):
        ctx = rooms_kit.context(0, spec["index"], views=spec["views"])
        plain = generate(name, ctx, limit=4)
        mapped = generate(name, ctx, limit=4, with_map=True)
        assert len(plain) == len(mapped)
        for before, after in zip(plain, mapped, strict=True):
            intro, question = after.question.split("\n", 1)
            assert question == before.question and after.scaffold == "map"
            assert after.answer == before.answer and after.program == before.program
            categories = list(dict.fromkeys(r.category for r in before.objects))
            truth = cognitive_map(ctx.scene, categories, list(before.views)).value
            shown = {c: cells for c, cells in truth.items() if cells}
            assert intro.endswith(compact(shown))
            assert map_locality(compact(shown), intro) == 1.0  # the reply parser reads it too
            checked += 1
    assert checked, f"{name} asked nothing with a map"


def test_the_scaffold_keeps_a_draft_labels(room):
    sample = generate("object_abs_distance", room)[0]
    with_boxes = dataclasses.replace(sample, labels='{"boxes": {"1": [0, 0, 1, 1]}}')
    labels = json.loads(map_scaffold(with_boxes, room).labels)
    assert labels["boxes"] == {"1": [0, 0, 1, 1]} and labels["map"]["grid"] == 10
