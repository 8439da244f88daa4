"""route_planning on a hand-built room: turns from atan2, blocked landmarks never asked.

Room [0, 8] x [0, 6]. Landmarks (0.4 m cubes): bed (1, 1), tv (1, 4), sofa (6, 1),
desk (6, 5), lamp (3, 5), and a safe at (7, 3) shut in a pen of four low partitions (the
pen is 1.6 m square inside, so the robot fits in it but cannot get out). A partition wall
x in [3.4, 3.6], y in [0, 3] splits the room below y = 3: routes from the left half to the
right half detour over it.
"""

import json
import math
from itertools import pairwise

import pytest
import rooms_kit

from spatialqa.generators import Context, draw_samples, get_task
from spatialqa.oracle import execute, minimal_obb, route
from spatialqa.seeding import rng_for

LANDMARKS = {
    "bed": (1.0, 1.0),
    "tv": (1.0, 4.0),
    "sofa": (6.0, 1.0),
    "desk": (6.0, 5.0),
    "lamp": (3.0, 5.0),
    "safe": (7.0, 3.0),
}
PARTITIONS = [
    ((3.5, 1.5, 0.5), (0.2, 3.0, 1.0)),  # the wall
    ((7.0, 2.1, 0.15), (2.0, 0.2, 0.3)),  # the pen around the safe
    ((7.0, 3.9, 0.15), (2.0, 0.2, 0.3)),
    ((6.1, 3.0, 0.15), (0.2, 1.6, 0.3)),
    ((7.9, 3.0, 0.15), (0.2, 1.6, 0.3)),
]


@pytest.fixture(scope="module")
def ctx(scene_kit):
    boxes = [
        scene_kit.Box(i, name, (x, y, 0.2), (0.4, 0.4, 0.4))
        for i, (name, (x, y)) in enumerate(LANDMARKS.items(), 1)
    ]
    boxes += [
        scene_kit.Box(20 + k, "partition", center, size)
        for k, (center, size) in enumerate(PARTITIONS)
    ]
    frame = scene_kit.frame(
        "top",
        scene_kit.look_at((4.0, -3.0, 10.0), (4.0, 3.0, 0.0)),
        focal=110,
        width=200,
        height=160,
    )
    scene = scene_kit.scene(boxes, frames=[frame], footprint=[[0, 0], [8, 0], [8, 6], [0, 6]])
    return Context(scene, ("top",), seed=0)


def expected_turns(scene, chain: list[int]) -> list[str]:
    """Independent: each heading change by atan2 of box centres, named by GROUND_TRUTH.md."""
    start, facing, *stops = chain
    c = {i: minimal_obb(scene, i).center[:2] for i in chain}
    points = [c[start], *(c[i] for i in stops)]
    heading = math.atan2(*(c[facing] - c[start])[::-1])
    turns = []
    for a, b in pairwise(points):
        leg = math.atan2(*(b - a)[::-1])
        delta = (math.degrees(leg - heading) + 180.0) % 360.0 - 180.0
        assert abs(delta) >= 20.0 and abs(abs(delta) - 135.0) >= 10.0
        turns.append(
            "Turn Back" if abs(delta) >= 135 else "Turn Left" if delta > 0 else "Turn Right"
        )
        heading = leg
    return turns


def chosen(sample) -> str:
    return next(c[3:] for c in sample.choices if c.startswith(sample.answer + "."))


def test_every_route_matches_atan2_and_avoids_the_pen(ctx):
    samples = draw_samples(get_task("route_planning")(), ctx, limit=400)
    assert len(samples) >= 20
    for sample in samples:
        chain = [ref.instance_id for ref in sample.objects]
        walked = {ref.category for ref in sample.objects if ref.role != "facing"}
        assert "safe" not in walked  # it may be faced, never walked from or to
        assert chosen(sample).split(", ") == expected_turns(ctx.scene, chain)
        fact = execute(json.loads(sample.program), ctx.scene)
        assert fact.answerable and fact.value == [t.lower() for t in chosen(sample).split(", ")]
        assert [ref.role for ref in sample.objects][:2] == ["start", "facing"]
        assert sample.objects[-1].role == "goal"
        assert 2 <= len(sample.choices) <= 4 and len(set(sample.choices)) == len(sample.choices)


def test_a_route_on_paper_and_its_verbatim_form(ctx):
    samples = draw_samples(get_task("route_planning")(), ctx, limit=400)
    by_chain = {tuple(ref.category for ref in s.objects): s for s in samples}
    # At the bed facing the tv (+y): to the sofa (+x) is -90, right; then to the desk (+y)
    # +90, left. The bed -> sofa leg crosses the partition wall, so its path detours.
    sample = by_chain[("bed", "tv", "sofa", "desk")]
    assert chosen(sample) == "Turn Right, Turn Left"
    assert sample.question_vsi == (
        "You are a robot beginning at the bed facing the tv. You want to navigate to the desk. "
        "You will perform the following actions (Note: for each [please fill in], choose either "
        "'turn back,' 'turn left,' or 'turn right.'): 1. [please fill in] 2. Go forward until "
        "the sofa 3. [please fill in] 4. Go forward until the desk. You have reached the final "
        "destination."
    )
    path = execute(json.loads(sample.program), ctx.scene).detail["path_m"]
    assert path[0] > 5.0 - 2 * 0.4  # more than the straight gap between the two cubes' cells
    pen = route(ctx.scene, ctx.unique["bed"], ctx.unique["tv"], [ctx.unique["safe"]])
    assert not pen.answerable and "no path" in pen.why_not  # why the safe is never walked to
    assert "robot of radius 0.2 m" in sample.rationale and "Turn Right, Turn Left" in (
        sample.rationale
    )


def test_a_wide_robot_walks_fewer_routes(ctx):
    wide = draw_samples(get_task("route_planning")(robot_radius=1.2), ctx, limit=400)
    narrow = draw_samples(get_task("route_planning")(), ctx, limit=400)
    assert len(wide) < len(narrow)  # a 2.4 m wide robot cannot pass most of the room


def test_procedural_routes_match_atan2():
    ctx = rooms_kit.context(seed=0, index=2, views=8)
    samples = draw_samples(get_task("route_planning")(), ctx, limit=6)
    assert samples
    for sample in samples:
        chain = [ref.instance_id for ref in sample.objects]
        assert chosen(sample).split(", ") == expected_turns(ctx.scene, chain)
    assert draw_samples(get_task("route_planning")(), ctx, limit=6) == samples


def test_many_categories_draw_a_seeded_sample_of_chains(ctx):
    task = get_task("route_planning")(max_candidates=50)
    chains = task.candidates(ctx)  # 6 categories: 360 + 720 chains, more than 50
    assert len(chains) == 50 == len(set(chains))
    assert all(len(c) in (4, 5) and len(set(c)) == len(c) for c in chains)
    assert task.candidates(Context(ctx.scene, ctx.views, seed=0)) == chains
    assert task.candidates(Context(ctx.scene, ctx.views, seed=1)) != chains
    assert len(get_task("route_planning")().candidates(ctx)) == 360 + 720


def test_drawn_chains_follow_the_seeded_recipe(ctx):
    """The draws stay those of the first recipe (so built datasets keep their questions): a
    leg count by ``rng.choice``, then the first landmarks of ``rng.permutation``, repeats
    skipped, until ``max_candidates`` chains."""
    task = get_task("route_planning")(max_candidates=300)
    names = list(ctx.unique)
    rng = rng_for(ctx.seed, ctx.scene.scene_id, "route_planning", "chains")
    expected: list[tuple[str, ...]] = []
    while len(expected) < 300:
        n = int(rng.choice([2, 3])) + 2
        chain = tuple(names[i] for i in rng.permutation(len(names))[:n])
        if chain not in expected:
            expected.append(chain)
    assert task.candidates(ctx) == expected


def test_a_scene_without_floor_asks_no_route(ctx):
    bare = type(ctx.scene)(
        ctx.scene.scene_id, ctx.scene.source, ctx.scene.objects, trajectories=ctx.scene.trajectories
    )
    assert draw_samples(get_task("route_planning")(), Context(bare, ctx.views, seed=0), 10) == []
