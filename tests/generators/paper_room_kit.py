"""A hand-built room whose answers are worked out on paper, seen by two cameras.

Boxes (centre; full size x, y, z; all on the floor, so z spans [0, size_z]):
  table  (1.0, 1.0)   1.2 x 0.8 x 0.75  -> x [0.4, 1.6],   y [0.6, 1.4],   volume 0.72
  sofa   (4.0, 1.0)   2.0 x 0.9 x 0.8   -> x [3.0, 5.0],   y [0.55, 1.45], volume 1.44
  bed    (4.0, 4.05)  2.0 x 1.6 x 0.5   -> x [3.0, 5.0],   y [3.25, 4.85], volume 1.6
  lamp   (1.0, 4.1)   0.4 x 0.4 x 1.5   -> x [0.8, 1.2],   y [3.9, 4.3],   volume 0.24
  chair  (2.3, 2.5)   0.5 x 0.5 x 0.9   -> x [2.05, 2.55], y [2.25, 2.75]
  chair  (2.3, 3.3)   0.5 x 0.5 x 0.9   -> x [2.05, 2.55], y [3.05, 3.55]
          (two instances: countable, never named)
  vase   (4.0, 4.05)  0.1 x 0.1 x 0.1   -> inside the bed's box, hidden from every view
Two cameras above the room, in front and behind, see every box but the vase.
"""

from __future__ import annotations

from spatialqa.generators import Context

BOXES = [
    (1, "table", (1.0, 1.0), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.0, 1.0), (2.0, 0.9, 0.8)),
    (3, "bed", (4.0, 4.05), (2.0, 1.6, 0.5)),
    (4, "lamp", (1.0, 4.1), (0.4, 0.4, 1.5)),
    (5, "chair", (2.3, 2.5), (0.5, 0.5, 0.9)),
    (6, "chair", (2.3, 3.3), (0.5, 0.5, 0.9)),
    (7, "vase", (4.0, 4.05), (0.1, 0.1, 0.1)),
]
SMALL = [[-0.5, -0.5], [5.5, -0.5], [5.5, 4.5], [-0.5, 4.5]]  # 6 x 5 = 30 m^2
LARGE = [[-0.5, -0.5], [8.5, -0.5], [8.5, 4.5], [-0.5, 4.5]]  # 9 x 5 = 45 m^2


def room(scene_kit, footprint=None, boxes=BOXES) -> Context:
    """The room of ``boxes`` seen from ``f0`` (in front) and ``f1`` (behind)."""
    objects = [
        scene_kit.Box(i, category, (x, y, size[2] / 2), size) for i, category, (x, y), size in boxes
    ]
    frames = [
        scene_kit.frame("f0", scene_kit.look_at((2.6, -4.0, 5.0), (2.6, 2.6, 0.4)), focal=300),
        scene_kit.frame(
            "f1", scene_kit.look_at((2.6, 8.0, 5.0), (2.6, 2.6, 0.4)), focal=300, t=1.0
        ),
    ]
    scene = scene_kit.scene(objects, frames=frames, footprint=footprint)
    return Context(scene, ("f0", "f1"), seed=0)


def measured_room(scene_kit, footprint=SMALL) -> Context:
    """The room on a floor plan (30 m^2 by default) and without the hidden vase: the size,
    distance and count-comparison tests' room."""
    return room(scene_kit, footprint, BOXES[:-1])
