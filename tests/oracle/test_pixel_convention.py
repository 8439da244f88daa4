"""The pixel convention, pinned: OpenCV, pixel (u, v) centred at the integer point (u, v) that K
projects to, covering [u - 0.5, u + 0.5] x [v - 0.5, v + 0.5]; the oracle, the pyrender
renderer and K agree on it.

Camera at the origin looking along +y (z up), f = 100 px, 20 x 16: principal point (9.5, 7.5),
so a point (x, 5, z) at depth 5 projects to u = 9.5 + 20 x, v = 7.5 - 20 z.
  plate 1: x [-0.25, 0.15], z [-0.1, 0.2] -> u [4.5, 12.5], v [3.5, 9.5]: every edge halfway
           between two pixel centres; pixels u 5..12, v 4..9 (8 x 6), box exactly its outline.
  plate 2: x [0.235, 0.415], z [0.095, 0.265] -> u [14.2, 17.8], v [2.2, 5.6]: pixels u 15..17,
           v 3..5 (3 x 3), box [14.5, 2.5, 17.5, 5.5], each edge within 0.5 px of the outline.
Under the old +0.5 rays plate 1's edges would fall on rays (knife edges) and plate 2 would show
u 14..17 (rays at 14.5..17.5), v 2..5.
"""

from __future__ import annotations

import numpy as np
import pytest

from spatialqa.oracle import frame_visibility, instance_mask
from spatialqa.oracle.boxes import box_of

DEPTH = 5.0
PLATES = {1: ((-0.25, 0.15), (-0.1, 0.2)), 2: ((0.235, 0.415), (0.095, 0.265))}


@pytest.fixture(scope="module")
def scene(scene_kit):
    frame = scene_kit.frame(
        "f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), focal=100.0, width=20, height=16
    )
    plates = [
        # 1 mm thick, front face at depth 5: its sides recede inside the front's outline.
        scene_kit.Box(
            i, "plate", (sum(x) / 2, DEPTH + 0.0005, sum(z) / 2), (x[1] - x[0], 0.001, z[1] - z[0])
        )
        for i, (x, z) in PLATES.items()
    ]
    return scene_kit.scene(plates, frames=[frame])


def expected_mask(columns: range, rows: range) -> np.ndarray:
    mask = np.zeros((16, 20), dtype=bool)
    mask[rows.start : rows.stop, columns.start : columns.stop] = True
    return mask


def test_the_oracle_marks_the_pixels_whose_centres_the_outline_encloses(scene):
    mask = instance_mask(scene, "f0")
    assert np.array_equal(mask == 1, expected_mask(range(5, 13), range(4, 10)))
    assert np.array_equal(mask == 2, expected_mask(range(15, 18), range(3, 6)))
    counts = frame_visibility(scene, "f0")
    assert counts.visible_pixels.tolist() == [48, 9]
    assert counts.boxes.tolist() == [[4.5, 3.5, 12.5, 9.5], [14.5, 2.5, 17.5, 5.5]]
    # Plate 1's centroid (8.5, 6.5) is a pixel corner: (8, 6) is the first of four in raster
    # order. Plate 2's is the centre of pixel (16, 4).
    assert counts.points.tolist() == [[8.0, 6.0], [16.0, 4.0]]


def test_k_projected_corners_lie_on_the_reported_box_edges(scene):
    frame = scene.frame("f0")
    counts = frame_visibility(scene, "f0")
    for k, instance_id in enumerate(counts.instance_ids):
        corners = box_of(scene, int(instance_id), "aabb").corners
        front = corners[np.isclose(corners[:, 1], DEPTH)]
        uv, _ = frame.project(front)
        outline = np.concatenate([uv.min(axis=0), uv.max(axis=0)])
        assert np.abs(counts.boxes[k] - outline).max() <= 0.5 + 1e-9
    # Plate 1's outline is exactly its box.
    assert np.allclose(counts.boxes[0], [4.5, 3.5, 12.5, 9.5], atol=0)


def test_the_rasteriser_draws_the_same_pixels(scene):
    from spatialqa.degradations import PyrenderRenderer

    ours = instance_mask(scene, "f0")
    with PyrenderRenderer(scene) as renderer:
        rendered = renderer.render(scene.frame("f0")).instance.astype(np.int64)
    for instance_id in PLATES:
        assert np.array_equal(rendered == instance_id, ours == instance_id), instance_id
