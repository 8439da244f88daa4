"""A hand-built scene seen by four cameras at the origin, its answers worked out on paper.

Camera f0 at the origin looks along +y (z up): camera x = world x, camera y = -world z, depth =
world y; f = 500 px, 640 x 480, principal point (319.5, 239.5) (OpenCV: pixel centres at
integers). Unit cubes unless a size is given (centre; x, depth ranges; projected u):
  table   (-1.5, 5.5, 0)   x [-2, -1]   depth [5, 6]    u [119.5, 236.2]
  sofa    (1.2, 3.5, 0)    x [0.7, 1.7] depth [3, 4]    u [407, 602.8]
  screen  (-0.5, 7.25, 0) 1 x 0.5 x 2, x [-1, 0]        u [248.1, 319.5]: its edge x = 0 is
          u = 319.5, between pixel centres 319 and 320
  target  (0, 10.5, 0)     x [-0.5, 0.5] depth [10, 11] u [294.5, 344.5]: the screen hides its
          left half, 1,250 of its 2,500 px
  painting (0, 5.0005, 1) 1 x 0.001 x 1 plate: u [269.5, 369.5], v [89.5, 189.5]
  chair   (-2.5, 9, 1.5)   front -y; seen 15.5 deg clockwise of the line to the camera
  lamp x2 (2.5, 9, 2.5), (3.5, 12, 2.5), 0.3 m cubes, both visible: two lamps, never named
  vase    inside the table: in the scene, never visible
f1 (t = 1.5 s) looks along +x at a bin, f2 (t = 3.0 s) along -y at a bed, f3 (t = 4.5 s) along -x
at a desk (field of view +-32.6 deg: each sees only its own cube).
"""

from __future__ import annotations

from spatialqa.generators import Context
from spatialqa.scenes import SceneObject

BOXES = [
    (1, "table", (-1.5, 5.5, 0.0), (1, 1, 1)),
    (2, "sofa", (1.2, 3.5, 0.0), (1, 1, 1)),
    (3, "screen", (-0.5, 7.25, 0.0), (1, 0.5, 2)),
    (4, "target", (0.0, 10.5, 0.0), (1, 1, 1)),
    (5, "painting", (0.0, 5.0005, 1.0), (1, 0.001, 1)),
    (7, "lamp", (2.5, 9.0, 2.5), (0.3, 0.3, 0.3)),
    (8, "lamp", (3.5, 12.0, 2.5), (0.3, 0.3, 0.3)),
    (9, "vase", (-1.5, 5.5, 0.0), (0.1, 0.1, 0.1)),
    (10, "bin", (5.0, 0.0, 0.0), (1, 1, 1)),
    (11, "bed", (0.0, -5.0, 0.0), (1, 1, 1)),
    (12, "desk", (-5.0, 0.0, 0.0), (1, 1, 1)),
]
CHAIR = (6, "chair", (-2.5, 9.0, 1.5), (1, 1, 1))
VIEWS = ("f0", "f1", "f2", "f3")


def context(scene_kit) -> Context:
    """The scene seen through ``VIEWS``, seed 3."""
    look = scene_kit.look_at
    frames = [
        scene_kit.frame("f0", look((0, 0, 0), (0, 1, 0)), t=0.0),
        scene_kit.frame("f1", look((0, 0, 0), (1, 0, 0)), t=1.5),
        scene_kit.frame("f2", look((0, 0, 0), (0, -1, 0)), t=3.0),
        scene_kit.frame("f3", look((0, 0, 0), (-1, 0, 0)), t=4.5),
    ]
    chair = SceneObject(
        6, "chair", mesh=scene_kit.box_mesh((-2.5, 9.0, 1.5), (1, 1, 1)), front=(0, -1, 0)
    )
    boxes = [scene_kit.Box(i, c, center, size) for i, c, center, size in BOXES]
    scene = scene_kit.scene(boxes, extra_objects=[chair], frames=frames)
    return Context(scene, VIEWS, seed=3)


def spans(instance_id: int, axis: str) -> tuple[float, float]:
    """The object's extent along camera ``axis``: x = world x, y = -world z, z = world y."""
    _, _, center, size = next(b for b in [*BOXES, CHAIR] if b[0] == instance_id)
    k = {"x": 0, "y": 2, "z": 1}[axis]
    low, high = center[k] - size[k] / 2, center[k] + size[k] / 2
    return (-high, -low) if axis == "y" else (low, high)
