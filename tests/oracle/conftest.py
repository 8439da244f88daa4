"""Hand-built scenes whose answers are worked out on paper, shared by several oracle test
modules (module-scoped fixtures)."""

import pytest

PAPER_ROOM = [
    (1, "table", (1.0, 1.0, 0.375), (1.2, 0.8, 0.75)),
    (2, "sofa", (4.0, 1.0, 0.4), (2.0, 0.9, 0.8)),
    (3, "chair", (2.35, 1.0, 0.25), (0.5, 0.5, 0.5)),
    (4, "chair", (1.0, 3.0, 0.25), (0.5, 0.5, 0.5)),
    (5, "desk", (1.0, -0.9, 0.35), (1.0, 0.4, 0.7)),
    (6, "bed", (1.0, 5.0, 0.25), (2.0, 1.6, 0.5)),
    (7, "lamp", (1.0, 1.0, 1.0), (0.25, 0.25, 0.5)),
    (8, "shelf", (4.0, 1.0, 1.25), (0.5, 0.3, 0.5)),
]
"""(id, category, centre, full size) of the paper room's boxes, worked out on paper:

  table  (1, 1)        1.2 x 0.8 x 0.75  -> x [0.4, 1.6], y [0.6, 1.4], volume 0.72
  sofa   (4, 1)        2.0 x 0.9 x 0.8   -> x [3.0, 5.0], y [0.55, 1.45], volume 1.44
  chair  (2.35, 1.0)   0.5 cube          -> x [2.1, 2.6]: 0.5 m from the table
  chair  (1.0, 3.0)    0.5 cube          -> y [2.75, 3.25]: 1.35 m from the table
  desk   (1.0, -0.9)   1.0 x 0.4 x 0.7   -> y [-1.1, -0.7]: 1.3 m from the table
  bed    (1.0, 5.0)    2.0 x 1.6 x 0.5   -> y [4.2, 5.8]: 2.8 m from the table
  lamp   (1.0, 1.0)    0.25 x 0.25 x 0.5, z centre 1.0 -> z [0.75, 1.25]: on the table top
  shelf  (4.0, 1.0)    0.5 x 0.3 x 0.5,   z centre 1.25 -> z [1.0, 1.5]: 0.2 m above the sofa
"""


@pytest.fixture(scope="module")
def paper_room(scene_kit):
    """The hand-built room of ``PAPER_ROOM``: sizes, gaps and heights known on paper."""
    boxes = [scene_kit.Box(i, category, centre, size) for i, category, centre, size in PAPER_ROOM]
    frames = [
        scene_kit.frame("top", scene_kit.look_at((2.5, -6.0, 8.0), (2.5, 2.0, 0.0)), focal=250),
        scene_kit.frame("sofa", scene_kit.look_at((4.0, -0.2, 0.4), (4.0, 1.0, 0.4))),
    ]
    return scene_kit.scene(boxes, frames=frames)


@pytest.fixture(scope="module")
def chairs(scene_kit):
    # f0 at the origin looks along +y at chairs 1 and 2 (depth 4); a wall at y = 6 hides
    # chair 3 at y = 8. f1 at y = 12 looks back along -y and sees chair 3 (depth 4) in front
    # of the wall, which hides chairs 1 and 2 from it.
    Box = scene_kit.Box
    wall = scene_kit.box_mesh((0, 6, 0), (6, 0.1, 4))
    frames = [
        scene_kit.frame("f0", scene_kit.look_at((0, 0, 0), (0, 1, 0)), t=0.0),
        scene_kit.frame("f1", scene_kit.look_at((0, 12, 0), (0, 11, 0)), t=1.0),
    ]
    return scene_kit.scene(
        [
            Box(1, "chair", (-1, 4, 0), (0.5, 0.5, 0.5)),
            Box(2, "chair", (1, 4, 0), (0.5, 0.5, 0.5)),
            Box(3, "chair", (0, 8, 0), (0.5, 0.5, 0.5)),
            Box(4, "table", (0, 4, 0), (0.5, 0.5, 0.5)),
        ],
        structure=[wall],
        frames=frames,
    )
