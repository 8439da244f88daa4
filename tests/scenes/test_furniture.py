"""Furniture built from parts: every category in every shape is a closed solid, stands on the
floor inside the rectangle it declares, is drawn inside its cited size range, offers surfaces
that lie on its parts, and is the same for the same seed."""

import numpy as np
import pytest
import trimesh
from scipy.spatial import ConvexHull

from spatialqa.scenes import furniture as fm
from spatialqa.scenes.categories import CATEGORIES
from spatialqa.seeding import rng_for

LIMITS = {
    "wardrobe": {"max_height": 3.0},
    "bookshelf": {"max_height": 3.0},
    "tv": {"max_width": 2.0},
    "lamp": {"small": True},
    "plant": {"small": True},
}
"""What each maker needs beyond (rng, shape): room limits far above any drawn size."""
FLOOR_VARIANTS = {"lamp": {"small": False}, "plant": {"small": False}}
"""Makers drawn a second way: the floor lamp and the floor plant."""
NOT_WATERTIGHT: dict[str, str] = {}
"""Categories allowed meshes that are not closed, and why: none (every part is a closed solid:
boxes, prisms, rods, bevelled boxes and solids of revolution closed on their axis)."""
SEEDS = range(12)
MAX_TRIANGLES = 1500


def cases():
    for category, entry in sorted(CATEGORIES.items()):
        variants = [LIMITS.get(category, {})]
        if category in FLOOR_VARIANTS:
            variants.append(FLOOR_VARIANTS[category])
        for shape in entry.shapes:
            for limits in variants:
                yield category, shape, limits


CASES = list(cases())


def build(category, shape, limits, seed):
    rng = rng_for("test furniture", category, shape, seed)
    return CATEGORIES[category].make(rng, shape=shape, **limits)


def mesh_of(model):
    vertices, faces = fm.stacked(model.parts)
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)


def test_every_category_has_at_least_two_distinct_shapes():
    assert len(CATEGORIES) >= 40, sorted(CATEGORIES)
    for category, entry in CATEGORIES.items():
        assert len(entry.shapes) >= 2, category
        # Distinct: the shapes differ in their parts, their triangles or where their parts are
        # (part boxes in the model's unit box, to a quarter).
        signatures = set()
        for shape in entry.shapes:
            model = build(category, shape, LIMITS.get(category, {}), 0)
            scale = np.array([model.width, model.depth, model.height])
            boxes = sorted(
                tuple(
                    np.round(np.concatenate([v.min(axis=0), v.max(axis=0)]) / np.tile(scale, 2) * 4)
                )
                for v, _ in model.parts
            )
            signatures.add((len(model.parts), sum(len(f) for _, f in model.parts), tuple(boxes)))
        assert len(signatures) == len(entry.shapes), (category, signatures)


@pytest.mark.parametrize(("category", "shape", "limits"), CASES)
def test_models_are_closed_solids_inside_their_rectangle(category, shape, limits):
    for seed in SEEDS:
        model = build(category, shape, limits, seed)
        assert model.category == category and model.shape == shape
        mesh = mesh_of(model)
        if category not in NOT_WATERTIGHT:
            assert mesh.is_watertight, (category, shape, seed)
            assert mesh.is_winding_consistent, (category, shape, seed)
            for vertices, faces in model.parts:  # every part wound outwards: positive volume
                part = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
                assert part.volume > 0, (category, shape, seed)
        low, high = mesh.bounds
        assert low[2] == 0.0, (category, shape, seed, low)
        assert model.height - 0.01 <= high[2] <= model.height + 1e-9, (category, shape, seed)
        assert np.all(low[:2] >= -np.array([model.width, model.depth]) / 2 - 1e-9), (
            category,
            shape,
            seed,
        )
        assert np.all(high[:2] <= np.array([model.width, model.depth]) / 2 + 1e-9), (
            category,
            shape,
            seed,
        )
        assert len(mesh.faces) <= MAX_TRIANGLES, (category, shape, len(mesh.faces))


@pytest.mark.parametrize(("category", "shape", "limits"), CASES)
def test_sizes_stay_in_the_cited_range(category, shape, limits):
    sizes = CATEGORIES[category].sizes
    assert sizes.source and all(lo < hi for lo, hi in (sizes.width, sizes.depth, sizes.height))
    for seed in SEEDS:
        model = build(category, shape, limits, seed)
        for name, value in (
            ("width", model.width),
            ("depth", model.depth),
            ("height", model.height),
        ):
            lo, hi = getattr(sizes, name)
            assert lo - 1e-9 <= value <= hi + 1e-9, (category, shape, seed, name, value)


@pytest.mark.parametrize(("category", "shape", "limits"), CASES)
def test_surfaces_lie_on_a_part(category, shape, limits):
    for seed in SEEDS:
        model = build(category, shape, limits, seed)
        vertices = fm.stacked(model.parts)[0]
        for surface in model.surfaces:
            assert surface.x0 < surface.x1 and surface.y0 < surface.y1 and surface.clear > 0
            assert -model.width / 2 <= surface.x0 and surface.x1 <= model.width / 2
            assert -model.depth / 2 <= surface.y0 and surface.y1 <= model.depth / 2
            # Something put on it stands on a face of the model: the top of a part at exactly
            # its height, under the surface.
            covered = False
            for v, _ in model.parts:
                if v[:, 2].max() == surface.z:
                    lo, hi = v[:, :2].min(axis=0), v[:, :2].max(axis=0)
                    overlap = np.all(lo < [surface.x1, surface.y1]) and np.all(
                        hi > [surface.x0, surface.y0]
                    )
                    covered |= bool(overlap)
            assert covered, (category, shape, seed, surface)
            assert np.any(vertices[:, 2] == surface.z)


def test_same_seed_same_bytes_and_a_bad_shape_is_named():
    for category, shape, limits in CASES:
        a, b = build(category, shape, limits, 3), build(category, shape, limits, 3)
        assert fm.stacked(a.parts)[0].tobytes() == fm.stacked(b.parts)[0].tobytes()
        assert fm.stacked(a.parts)[1].tobytes() == fm.stacked(b.parts)[1].tobytes()
    with pytest.raises(ValueError, match="shape must be one of"):
        CATEGORIES["chair"].make(np.random.default_rng(0), shape="throne")


def test_toolkit_primitives_are_exact_closed_solids():
    # A bevelled box keeps its faces on the bounds; its volume is the box's less the bevels.
    vertices, faces = fm.rounded_box(0.0, 1.0, 0.0, 0.5, 0.0, 0.2, 0.05)
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    assert mesh.is_watertight and np.allclose(mesh.bounds, [[0, 0, 0], [1, 0.5, 0.2]])
    assert mesh.volume == pytest.approx(ConvexHull(vertices).volume, rel=1e-12)  # qhull's own
    # A lathe of a rectangle profile is a prism of that radius: its volume is the polygon's.
    n = 16
    vertices, faces = fm.lathe([(0, 0), (1.0, 0), (1.0, 2.0), (0, 2.0)], n)
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    assert mesh.is_watertight
    assert mesh.volume == pytest.approx(n / 2 * np.sin(2 * np.pi / n) * 2.0, rel=1e-12)
    # A rod joins its two ends.
    vertices, _ = fm.rod([0.0, 0.0, 0.0], [0.0, 0.3, 0.0], 0.01)
    assert vertices[:, 1].min() == pytest.approx(0.0) and vertices[:, 1].max() == pytest.approx(0.3)
    with pytest.raises(ValueError, match="profile"):
        fm.lathe([(0.1, 0), (0.2, 1)])
