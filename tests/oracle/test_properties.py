"""Properties of the whole oracle on random procedural rooms (hypothesis).

Every registered operation is called through ``symmetry_kit.OP_SPECS``: a rigid motion of the
scene and its cameras changes no answer, a mirror exchanges left and right, and every fact's
program re-executes to the same fact. Three fixed (derandomised) examples per property keep CI
fast and reproducible; ``SPATIALQA_PROOF_EXAMPLES=50`` searches further with random ones.
"""

import json
import os

import numpy as np
import old_rooms_kit
import pytest
import symmetry_kit as kit
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from spatialqa.oracle import (
    execute,
    frame_visibility,
    instance_count,
    minimal_obb,
    object_distance,
    visible_instances,
)
from spatialqa.oracle.boxes import box_of, obb_of_points
from spatialqa.oracle.distance import closest_points
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import OPERATIONS
from spatialqa.scenes import procedural_scene
from spatialqa.seeding import rng_for

EXAMPLES = int(os.environ.get("SPATIALQA_PROOF_EXAMPLES", "3"))
"""Examples per property; CI uses 3 fixed ones, a deeper search sets more (then random)."""
FAST = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 3,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example builds whole rooms
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
rooms = st.tuples(st.integers(0, 50), st.integers(0, 50))


def room(seed: int, index: int):
    """A procedural room, two 160 x 120 frames, every object annotated with a box of its own."""
    return kit.annotated(kit.downscaled(procedural_scene(seed, index, frames=2), 4))


def facts_of(scene, draw_seed: int) -> list[tuple[str, kit.Call, object]]:
    """(op, call, fact) for every registered operation that ``symmetry_kit`` knows how to call
    (the test below fails, listing them, for any it does not), arguments from ``draw_seed``."""
    out = []
    for op in sorted(set(OPERATIONS) & set(kit.OP_SPECS)):
        rng = rng_for("proof", draw_seed, op)
        for call in kit.OP_SPECS[op].calls(scene, rng):
            out.append((op, call, OPERATIONS[op](scene, **call.kwargs)))
    return out


def check_symmetry(
    scene, other, carry, symmetry: str, draw_seed: int, skip_pixels: bool = False
) -> None:
    """Every call that respects ``symmetry`` answers the same in ``other`` (``scene`` under the
    point map ``carry``), left and right exchanged for the mirror."""
    failures, compared, tied = [], 0, 0
    for op, call, fact in facts_of(scene, draw_seed):
        spec = kit.OP_SPECS[op]
        if symmetry not in call.symmetries or (skip_pixels and spec.pixels):
            continue
        again = OPERATIONS[op](other, **call.kwargs_for(symmetry))
        if not kit.boxes_correspond(scene, other, carry, call):
            kind, ids = call.boxes
            for i in ids:  # another box of the same size was chosen
                assert box_of(other, i, kind).volume == pytest.approx(box_of(scene, i, kind).volume)
            tied += 1
            continue
        compared += 1
        expected = spec.mirror(fact.value) if symmetry == kit.MIRROR_SWAP else None
        why = kit.same_answer(fact, again, spec, expected, call.detail)
        if why:
            failures.append(f"{op}({call.kwargs}): {why}")
    assert not failures, "\n".join(failures)
    assert compared >= max(10, tied), f"only {compared} answers compared, {tied} left to ties"


def test_every_registered_operation_has_an_argument_builder():
    unknown = kit.unknown_operations()
    assert not unknown, f"add argument builders to symmetry_kit.OP_SPECS for {unknown}"
    stale = sorted(set(kit.OP_SPECS) - set(OPERATIONS))
    assert not stale, f"symmetry_kit.OP_SPECS names operations that are not registered: {stale}"


@FAST
@given(rooms, st.floats(-180, 180), st.tuples(*[st.floats(-20, 20)] * 3), st.integers(0, 99))
def test_rigid_motion_about_z_changes_no_answer(room_id, yaw, shift, draw):
    scene, rotation = room(*room_id), kit.yaw_matrix(yaw)
    other = kit.moved(scene, rotation, shift)
    check_symmetry(scene, other, lambda p: p @ rotation.T + shift, kit.YAW, draw)


REPLAYED_ROTATIONS = [
    ("sink_and_washer", 56),
    ("sink_and_washer", 94),
    ("sink_and_washer", 129),
    ("sink_and_washer", 162),
    ("armchair_and_trash_can", 1),
    ("armchair_and_trash_can", 4),
]
"""(old_rooms_kit scene, random_rotation seed) pairs that once broke an exact answer, replayed
in CI on the very meshes (PROCEDURAL_VERSION 2 rooms, rebuilt): room (7, 6)'s sink and washing
machine touched after these rotations (a float32 ray in the plane of a face), room (12, 5)'s
objects 5 and 7 moved 1.3e-8 m (a float32 choice of triangle) or touched."""


# Two fixed examples besides the drawn ones (today's room (7, 6) no longer holds the sink and
# washer these rotations broke: REPLAYED_ROTATIONS replays those on their own meshes).
@FAST
@given(rooms, st.integers(0, 10_000), st.tuples(*[st.floats(-20, 20)] * 3), st.integers(0, 99))
@example((7, 6), 56, (0.0, 0.0, 0.0), 0)
@example((7, 6), 129, (1.5, -3.0, 0.25), 7)
def test_any_rigid_motion_keeps_gravity_free_answers(room_id, rotation_seed, shift, draw):
    scene, rotation = room(*room_id), kit.random_rotation(rotation_seed)
    other = kit.moved(scene, rotation, shift)
    check_symmetry(scene, other, lambda p: p @ rotation.T + shift, kit.ROTATION, draw)


@FAST
@given(rooms, st.integers(0, 99))
def test_mirror_swaps_left_and_right(room_id, draw):
    scene = room(*room_id)
    check_symmetry(scene, kit.mirrored(scene), lambda p: p @ kit.MIRROR, kit.MIRROR_SWAP, draw)


@settings(FAST, max_examples=max(2, EXAMPLES // 2))
@given(rooms, st.floats(-180, 180), st.tuples(*[st.floats(-20, 20)] * 3), st.integers(0, 99))
def test_point_cloud_objects_keep_their_answers(room_id, yaw, shift, draw):
    # Scans give objects as points: boxes, distances and directions must hold for them too.
    # Answers counted on pixels are left out: a point's splat is an octahedron fixed to the
    # world axes, so its outline changes (by design, slightly) when the scene turns.
    scene, rotation = kit.with_point_clouds(room(*room_id)), kit.yaw_matrix(yaw)
    assert any(obj.mesh is None for obj in scene.objects)
    turned, mirror = kit.moved(scene, rotation, shift), kit.mirrored(scene)
    check_symmetry(scene, turned, lambda p: p @ rotation.T + shift, kit.YAW, draw, True)
    check_symmetry(scene, mirror, lambda p: p @ kit.MIRROR, kit.MIRROR_SWAP, draw, True)


@FAST
@given(rooms, st.integers(0, 99))
def test_minimal_box_ignores_point_order_and_repeated_points(room_id, draw):
    # Open3D's minimal box changed with point order and was empty with repeated vertices;
    # the oracle's must not: the same point set gives the same box.
    scene = room(*room_id)
    rng = rng_for("proof-obb", draw)
    for instance_id in kit.mesh_ids(scene):
        points = np.asarray(scene.object(instance_id).mesh.vertices)
        shuffled = np.concatenate([points, points[rng.integers(0, len(points), 10)]])
        shuffled = shuffled[rng.permutation(len(shuffled))]
        box, again = obb_of_points(points), obb_of_points(shuffled)
        assert box.volume > 0
        assert np.allclose(np.sort(again.extent), np.sort(box.extent), rtol=1e-9, atol=1e-12)


def test_mirror_really_exchanges_left_and_right(scene_kit):
    # Guards the test above against a mirror that leaves directions alone: standing at P
    # facing O, Q on the left (+90 deg) becomes Q on the right; the image flips too.
    from spatialqa.oracle import instance_mask, relative_direction

    Box = scene_kit.Box
    frame = scene_kit.frame(
        "f0", scene_kit.look_at((0, -4, 1), (0, 0, 0.5)), focal=40.0, width=64, height=48
    )
    scene = scene_kit.scene(
        [
            Box(1, "p", (0, 0, 0.5), (0.4,) * 3),
            Box(2, "o", (0, 2, 0.5), (0.4,) * 3),
            Box(3, "q", (-2, 0, 0.5), (0.4,) * 3),
        ],
        frames=[frame],
    )
    mirror = kit.mirrored(scene)
    assert relative_direction(scene, 1, 2, 3, "medium").value == "left"
    assert relative_direction(mirror, 1, 2, 3, "medium").value == "right"
    assert np.array_equal(instance_mask(mirror, "f0"), instance_mask(scene, "f0")[:, ::-1])
    columns = np.argwhere(instance_mask(scene, "f0") == 3)[:, 1]
    assert columns.size > 0 and columns.max() < 32  # q, at world -x, is in the left half


@FAST
@given(rooms, st.integers(0, 99))
def test_programs_re_execute_on_a_fresh_copy_of_the_scene(room_id, draw):
    scene, fresh = room(*room_id), room(*room_id)
    assert derived(scene) is not derived(fresh)
    for op, call, fact in facts_of(scene, draw):
        program = json.loads(json.dumps(fact.program))
        assert program == fact.program, op
        assert program["op"] == op
        again = execute(json.dumps(program), fresh)
        assert kit.close(again.value, fact.value, 0.0, 0.0), (op, call.kwargs)
        assert again == execute(program, scene) == fact, (op, call.kwargs)


@FAST
@given(rooms, st.integers(0, 99))
def test_distance_is_symmetric_and_its_closest_points_realise_it(room_id, draw):
    scene = room(*room_id)
    rng = rng_for("proof-symmetry", draw)
    ids = kit.mesh_ids(scene)
    for _ in range(4):
        a, b = (int(i) for i in rng.choice(ids, 2, replace=False))
        ab, ba = object_distance(scene, a, b), object_distance(scene, b, a)
        assert ab.value == ba.value
        assert ab.detail["centroid_distance"] == ba.detail["centroid_distance"]
        pa, pb = (np.array(p) for p in ab.detail["closest_points"])
        assert np.allclose(ba.detail["closest_points"], [pb.tolist(), pa.tolist()])
        assert np.linalg.norm(pa - pb) == pytest.approx(ab.value, abs=1e-12)
        for point, instance in ((pa, a), (pb, b)):  # each point lies on its own object
            mesh = scene.object(instance).mesh
            _, gap, _ = mesh.nearest.on_surface([point])
            # On the surface to 1e-9 m (1e-6: a crossing's point is a float32 ray hit), or, at
            # distance 0, inside the solid (one object inside the other).
            on_surface = gap[0] < (1e-6 if ab.value == 0.0 else 1e-9)
            assert on_surface or (
                ab.value == 0.0 and mesh.is_watertight and mesh.contains([point])[0]
            )


@FAST
@given(rooms, st.integers(0, 99))
def test_closest_distance_never_exceeds_any_pair_of_surface_points(room_id, draw):
    # What holds for every pair of objects: closest <= |p - q| for any p on A and q on B, so
    # closest <= the least distance between their dense surface samples. Closest <= centroid
    # distance holds only when each box centre lies inside its own (solid) object: then the
    # centres are such points. See test_centroid_can_be_closer_than_the_surfaces.
    scene = room(*room_id)
    rng = rng_for("proof-bound", draw)
    geometry = derived(scene)
    ids = kit.mesh_ids(scene)
    for _ in range(3):
        a, b = (int(i) for i in rng.choice(ids, 2, replace=False))
        closest = closest_points(scene, a, b).distance
        least = cKDTree(geometry.samples(b)).query(geometry.samples(a), k=1)[0].min()
        assert closest <= least + 1e-9
        centres = [minimal_obb(scene, i).center for i in (a, b)]
        solid = [scene.object(i).mesh for i in (a, b)]
        if all(m.is_watertight and m.contains([c])[0] for m, c in zip(solid, centres, strict=True)):
            assert closest <= np.linalg.norm(centres[0] - centres[1]) + 1e-9


def test_centroid_can_be_closer_than_the_surfaces():
    # A ring around a ball: both box centres are the origin (centroid distance 0), yet the
    # surfaces are 1 - 0.2 - 0.3 = 0.5 m apart. "closest <= centroid" is not a law.
    import trimesh

    from spatialqa.scenes import Scene, SceneObject, Source

    ring = trimesh.creation.torus(major_radius=1.0, minor_radius=0.2, major_sections=64)
    ball = trimesh.creation.icosphere(subdivisions=3, radius=0.3)
    scene = Scene(
        "ring", Source("test"), (SceneObject(1, "ring", ring), SceneObject(2, "ball", ball))
    )
    fact = object_distance(scene, 1, 2)
    assert fact.detail["centroid_distance"] < 1e-6
    # The icosphere's vertices are at radius 0.3, its flat faces a little inside it; the
    # torus's inner rim (a 64-gon of 0.2 m circles) is at radius 0.8 at the vertices.
    assert 0.5 - 1e-3 < fact.value <= 0.5 + 1e-9


@FAST
@given(rooms, st.integers(0, 99))
def test_counting_agrees_with_visibility(room_id, draw):
    scene = room(*room_id)
    views = kit.frame_ids(scene)
    seen = visible_instances(scene, views)
    by_frame = [frame_visibility(scene, view) for view in views]
    for category, ids in scene.categories.items():
        fact = instance_count(scene, category, views=views)
        assert fact.value == len(ids)
        visible = [
            i for i in ids if any(counts.is_visible()[counts.index(i)] for counts in by_frame)
        ]
        assert fact.detail["visible_count"] == len(visible) == sum(seen[i] for i in ids)
        assert fact.answerable == (len(visible) == len(ids))
        existence = OPERATIONS["object_existence"](scene, category, views=views)
        assert existence.value == ("yes" if visible else "no")
        for view, counts in zip(views, by_frame, strict=True):
            shown = sum(bool(counts.is_visible()[counts.index(i)]) for i in ids)
            assert OPERATIONS["visible_count"](scene, category, view).value == shown
        for counts in by_frame:  # a visible instance has pixels, and never more than its outline
            k = [counts.index(i) for i in ids]
            assert np.all(counts.visible_pixels[k] <= counts.silhouette_pixels[k])
            assert np.all(counts.visible_pixels[k][counts.is_visible()[k]] > 0)


@pytest.mark.parametrize(("old_scene", "rotation_seed"), REPLAYED_ROTATIONS)
def test_replayed_rotations_keep_every_distance(old_scene, rotation_seed):
    # Every pair's closest distance, not only the pairs a draw picks, to 1e-9.
    scene = getattr(old_rooms_kit, old_scene)()
    turned = kit.moved(scene, kit.random_rotation(rotation_seed), np.zeros(3))
    ids = kit.mesh_ids(scene)
    for k, a in enumerate(ids):
        for b in ids[k + 1 :]:
            expected = closest_points(scene, a, b).distance
            assert closest_points(turned, a, b).distance == pytest.approx(expected, abs=1e-9)
