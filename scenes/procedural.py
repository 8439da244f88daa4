"""Procedural furnished rooms: scenes that exist without any download, for tests and data.

A room has a type (bedroom, living room, kitchen, office, bathroom, dining room) that sets
its size and what furnishes it. Its footprint is a rectangle or an L, with a floor, a ceiling,
walls outside the footprint, a door and windows cut into the walls (``footprints``).
Furniture (``furniture``) is placed against walls, around tables and facing what it serves
(chairs to tables and desks, sofas to the tv) by bounded rejection sampling (``layout``) as
each room type's recipe says (``rooms``); clutter stands on surfaces (books on shelves, cups
on tables). Cameras (``trajectories``), aimed at groups of furniture at a photographer's eye
height and pitch: a "walkthrough" loop, an "orbit" around the room's main piece, "lookat" views
of single pieces, a "low" loop at robot height and a "tour" of the loop looking ahead, each with
timestamps.

The room (footprint, openings, furniture) and then its walkthrough draw from
``rng_for("procedural", seed, index)`` (a room that cannot be furnished is redrawn from
``rng_for("procedural", seed, index, attempt)``); every other trajectory draws from a stream
of its own, ``rng_for("procedural <name>", seed, index, attempt)`` ("orbit", "lookat", "low",
"tour", "moved"), so that a build makes only the trajectory it delivers and gets the same
frames as the full room (``trajectories=``). Every vertex is rounded to a float32 value, so
the same input saves to the same bytes and the scene directory round-trips exactly.
"""

from __future__ import annotations

from dataclasses import replace

from shapely.geometry import Polygon

from spatialqa import moved
from spatialqa.errors import PlacementError
from spatialqa.scenes import trajectories as cameras  # so FRAME_SPACING_S here stays deprecated
from spatialqa.scenes.footprints import (
    draw_footprint,
    draw_height,
    draw_openings,
    room_structure,
    wall_edges,
)
from spatialqa.scenes.layout import Layout
from spatialqa.scenes.motion import MOVED_TRAJECTORY, moved_room
from spatialqa.scenes.rooms import ANCHORS, furnish
from spatialqa.scenes.scene import Room, Scene, SceneObject, Source
from spatialqa.scenes.trajectories import (
    Glance,
    camera_loop,
    free_space,
    lookat,
    low,
    orbit,
    tour,
    walkthrough,
)
from spatialqa.seeding import rng_for

__all__ = ["ROOM_TYPES", "TRAJECTORIES", "procedural_scene"]

ROOM_TYPES = ("bedroom", "living room", "kitchen", "office", "bathroom", "dining room")
ROOM_ATTEMPTS = 6  # rooms drawn before giving up
MIN_OBJECTS = 5
# Bump when procedural_scene's output for the same (seed, index) changes: builds fingerprint it.
PROCEDURAL_VERSION = 8  # 8: the tour at chest height, holding structure to less (trajectories)


TRAJECTORIES = ("walkthrough", "orbit", "lookat", "low", "tour", MOVED_TRAJECTORY)
"""Every trajectory a room can have, in the order a scene lists them."""
LOOKAT_VIEWS = 6  # lookat views at most


def orbit_views(frames: int) -> int:
    """Frames of the orbit at most: half the walkthrough's, at least four."""
    return max(4, frames // 2)


def moved_start(frames: int) -> float:
    """When the ``moved`` walk starts: one frame spacing after the latest time any other
    trajectory can have (each has at most ``max(frames, orbit_views, LOOKAT_VIEWS)`` frames,
    ``FRAME_SPACING_S`` apart from 0), so it needs none of them to be made."""
    return max(frames, orbit_views(frames), LOOKAT_VIEWS) * cameras.FRAME_SPACING_S


def _room(seed, index, scene_id, room_type, frames, attempt, moved, wanted) -> Scene:
    rng = (
        rng_for("procedural", seed, index)
        if attempt == 0
        else rng_for("procedural", seed, index, attempt)
    )
    corners, main = draw_footprint(rng, room_type)
    height = draw_height(rng, room_type)
    edges = wall_edges(corners)
    openings = draw_openings(rng, edges, height, room_type)
    name = f"{scene_id} ({room_type})"
    loop = camera_loop(Polygon(corners), name)
    layout = Layout(rng, name, corners, main, height, edges, openings, loop)
    furnish(layout, room_type)
    if len(layout.placed) < MIN_OBJECTS:
        raise PlacementError(
            f"procedural scene {scene_id} ({room_type}): placed only {len(layout.placed)} "
            f"objects (need at least {MIN_OBJECTS})"
        )
    anchor = next(p for p in layout.placed if p.model.category == ANCHORS[room_type])
    structure = room_structure(corners, edges, openings, height)
    glance = Glance(layout, [part.mesh for part in structure])
    free = free_space(layout) if {"orbit", "lookat"} & wanted else None

    def stream(trajectory: str):
        return rng_for(f"procedural {trajectory}", seed, index, attempt)

    # The walkthrough goes on with the room's own generator (nothing else draws from it after
    # the layout); every other trajectory has a stream of its own, so each is made alone.
    makers = {
        "walkthrough": lambda: walkthrough(rng, layout, glance, loop, frames),
        "orbit": lambda: orbit(stream("orbit"), layout, glance, free, orbit_views(frames), anchor),
        "lookat": lambda: lookat(stream("lookat"), layout, glance, free, LOOKAT_VIEWS),
        "low": lambda: low(stream("low"), layout, glance, loop, frames),
        "tour": lambda: tour(stream("tour"), layout, glance, loop, frames),
    }
    needed = wanted | {"walkthrough"} if moved else wanted  # the moved walk is its cameras
    made = [makers[name]() for name in makers if name in needed]
    objects = tuple(
        SceneObject(p.id, p.model.category, mesh=p.mesh, front=p.front, color=p.color)
        for p in layout.placed
    )
    detail = f"seed {seed} index {index}: {room_type}, {len(corners)}-corner footprint"
    if attempt:
        detail += f", room drawn {attempt + 1} times"
    scene = Scene(
        scene_id=scene_id,
        source=Source("procedural", detail),
        objects=objects,
        structure=structure,
        room=Room(footprint=corners, height=height, kind=room_type),
        trajectories=tuple(trajectory for trajectory in made if trajectory is not None),
        floor_z=0.0,
    )
    if moved:
        scene = moved_room(scene, stream("moved"), start=moved_start(frames))
    kept = tuple(t for t in scene.trajectories if t.name in wanted)
    if len(kept) < len(scene.trajectories):  # the walkthrough or moved walk of a moving room
        scene = replace(scene, trajectories=kept)
    return scene


def procedural_scene(
    seed: int,
    index: int,
    *,
    scene_id: str | None = None,
    frames: int = 32,
    room_type: str | None = None,
    moved: bool = False,
    trajectories: tuple[str, ...] | None = None,
) -> Scene:
    """A furnished room with its cameras, the same for the same input.

    Parameters
    ----------
    seed, index : int
        Select the room; it is drawn from ``rng_for("procedural", seed, index)``.
    scene_id : str, optional
        Defaults to ``f"proc_{seed}_{index:04d}"``.
    frames : int
        Frames of the ``"walkthrough"`` and ``"tour"`` trajectories,
        ``trajectories.FRAME_SPACING_S`` seconds apart (the ``"orbit"`` has half as many, at
        least four; ``"lookat"`` up to six views).
    room_type : str, optional
        One of ``ROOM_TYPES``; drawn from ``(seed, index)`` when None.
    moved : bool
        Add the ``"moved"`` trajectory (``scenes.motion``): the walkthrough's cameras again
        (frame ids m0000...), timed after every other frame, with one to three pieces moved
        at its middle frame. The rest of the room is the same as without it.
    trajectories : tuple of str, optional
        Make only these (``TRAJECTORIES``; ``"moved"`` with ``moved``): each trajectory draws
        from a stream of its own, so what is made is exactly what the full room holds, and a
        build pays only for the trajectory it delivers. None: every trajectory.

    Returns
    -------
    Scene
        A counter-clockwise footprint (rectangle or L) with corners on a 1/32 m grid, floor at
        z = 0; objects with ids 1..n in placement order, a jittered per-category colour and a
        ``front`` for furniture that has one; structure "floor", "ceiling", "wall", "door"
        and (when there are windows) "window"; trajectories "walkthrough" first, then "orbit"
        and "lookat" when the room leaves them space, "low" when a robot finds room to drive,
        and "tour" last ("moved" after it when asked). Frame ids: f, o, v, l, t (and m) with
        four digits.

    Raises
    ------
    PlacementError
        Naming the scene, its room type and what could not be placed, when ``ROOM_ATTEMPTS``
        rooms in a row could not be furnished.
    """
    if frames < 1:
        raise ValueError(f"frames must be at least 1 (got {frames})")
    if room_type is None:
        room_type = ROOM_TYPES[int(rng_for("procedural room type", seed, index).integers(6))]
    elif room_type not in ROOM_TYPES:
        raise ValueError(f"room_type must be one of {ROOM_TYPES} (got {room_type!r})")
    scene_id = f"proc_{seed}_{index:04d}" if scene_id is None else scene_id
    available = TRAJECTORIES if moved else TRAJECTORIES[:-1]
    wanted = frozenset(available if trajectories is None else trajectories)
    if not wanted <= set(available):
        unknown = sorted(wanted - set(available))
        raise ValueError(
            f"trajectories: {unknown} not among {available}"
            + (" (the moved walk needs moved=True)" if MOVED_TRAJECTORY in unknown else "")
        )
    failures = []
    for attempt in range(ROOM_ATTEMPTS):
        try:
            return _room(seed, index, scene_id, room_type, frames, attempt, moved, wanted)
        except PlacementError as exc:
            failures.append(str(exc))
    raise PlacementError(
        f"procedural scene {scene_id} ({room_type}): gave up after {ROOM_ATTEMPTS} rooms; "
        f"last: {failures[-1]}"
    )


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
