"""When categories first appear in the delivered views, in what order, and whether they appear
at all: facts about a video's frames in time, with visibility above tau deciding what shows."""

from __future__ import annotations

from itertools import pairwise

from spatialqa.oracle.facts import Fact
from spatialqa.oracle.geometry import derived
from spatialqa.oracle.program import FrameId, call, operation
from spatialqa.oracle.visibility import frame_visibility, visible_instances
from spatialqa.scenes import Scene


@operation
def object_existence(
    scene: Scene,
    category: str,
    views: list[FrameId],
    tau_instance: float = 0.05,
    tau_frame: float = 0.001,
) -> Fact:
    """ "yes" when some instance of ``category`` is visible above tau in one of ``views``.

    A category of the scene that no view shows is "no": the question is about the views.
    """
    views = list(views)
    seen = visible_instances(scene, views, tau_instance, tau_frame)
    shown = tuple(i for i in scene.categories.get(category, ()) if seen[i])
    return Fact(
        value="yes" if shown else "no",
        unit=None,
        primitive="instances",
        frame="scene",
        program=call(
            object_existence,
            category=category,
            views=views,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        instance_ids=shown,
        views=tuple(views),
        detail={"in_scene": len(scene.categories.get(category, ()))},
    )


def _first_seen(
    scene: Scene, category: str, views: list[str], tau_instance: float, tau_frame: float
) -> tuple[float, str] | None:
    """(timestamp, frame id) of the earliest of ``views`` showing ``category`` above tau;
    ties in time go to the earlier view in ``views``. Cached per scene."""
    ids = scene.categories.get(category, ())

    def compute() -> tuple[float, str] | None:
        frames = sorted((scene.frame(view) for view in views), key=lambda frame: frame.t)
        for frame in frames:
            counts = frame_visibility(scene, frame.id)
            flags = counts.is_visible(tau_instance, tau_frame)
            if any(flags[counts.index(i)] for i in ids):
                return frame.t, frame.id
        return None

    key = (category, tuple(views), tau_instance, tau_frame)
    return derived(scene).memo("first_seen", key, compute)


@operation
def first_appearance(
    scene: Scene,
    category: str,
    views: list[FrameId],
    tau_instance: float = 0.05,
    tau_frame: float = 0.001,
) -> Fact:
    """Timestamp (s, the frames' own) of the first of ``views`` where any instance of
    ``category`` is visible above tau; None, and not answerable, when none shows it."""
    views = list(views)
    found = _first_seen(scene, category, views, tau_instance, tau_frame)
    return Fact(
        value=None if found is None else found[0],
        unit="s",
        primitive="instances",
        frame="video",
        program=call(
            first_appearance,
            category=category,
            views=views,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        answerable=found is not None,
        why_not=None if found is not None else f"{category}: not visible in the given views",
        instance_ids=scene.categories.get(category, ()),
        views=tuple(views),
        detail={"frame": None if found is None else found[1]},
    )


@operation
def appearance_order(
    scene: Scene,
    categories: list[str],
    views: list[FrameId],
    tau_instance: float = 0.05,
    tau_frame: float = 0.001,
) -> Fact:
    """``categories`` by first-appearance time, as the text "a, b, c, d".

    The margin is the smallest gap (s) between consecutive first appearances; a category that
    never shows makes the fact unanswerable.
    """
    categories, views = list(categories), list(views)
    found = {c: _first_seen(scene, c, views, tau_instance, tau_frame) for c in categories}
    missing = [c for c, seen in found.items() if seen is None]
    times = {c: seen[0] for c, seen in found.items() if seen is not None}
    order = sorted(times, key=lambda c: (times[c], categories.index(c)))
    gaps = [times[b] - times[a] for a, b in pairwise(order)]
    return Fact(
        value=", ".join(order) if not missing else None,
        unit=None,
        primitive="instances",
        frame="video",
        program=call(
            appearance_order,
            categories=categories,
            views=views,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        margin=min(gaps) if gaps and not missing else None,
        answerable=not missing,
        why_not=f"not visible in the given views: {missing}" if missing else None,
        instance_ids=tuple(i for c in categories for i in scene.categories.get(c, ())),
        views=tuple(views),
        detail={"first_seen_s": times, "frames": {c: s[1] for c, s in found.items() if s}},
    )
