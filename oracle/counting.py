"""Counting instances of a category, and which instances the delivered views show."""

from __future__ import annotations

from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import call, operation
from spatialqa.oracle.visibility import frame_visibility
from spatialqa.scenes import Scene


def visible_instances(
    scene: Scene, views: list[str], tau_instance: float = 0.05, tau_frame: float = 0.001
) -> dict[int, bool]:
    """Instance id -> visible above tau in at least one of ``views`` (every object, scene order).

    Visible in a frame: visible fraction >= ``tau_instance`` or visible pixels / frame pixels
    >= ``tau_frame``, with at least one visible pixel (see ``FrameVisibility.is_visible``).
    """
    seen = {obj.id: False for obj in scene.objects}
    for view in views:
        counts = frame_visibility(scene, view)
        flags = counts.is_visible(tau_instance, tau_frame)
        for instance_id, flag in zip(counts.instance_ids.tolist(), flags.tolist(), strict=True):
            seen[instance_id] = seen[instance_id] or flag
    return seen


@operation("instance_count")
def instance_count(
    scene: Scene,
    category: str,
    views: list[str] | None = None,
    tau_instance: float = 0.05,
    tau_frame: float = 0.001,
) -> Fact:
    """Number of instances of ``category`` in the scene (0 when the category is absent).

    With ``views``, ``detail["visible_count"]`` counts the instances visible above tau in at
    least one of them, and the fact is answerable only when the two counts agree.
    """
    instance_ids = scene.categories.get(category, ())
    value = len(instance_ids)
    detail: dict[str, int] = {}
    answerable, why_not = True, None
    if views is not None:
        views = list(views)
        seen = visible_instances(scene, views, tau_instance, tau_frame)
        visible_count = sum(seen[i] for i in instance_ids)
        detail["visible_count"] = visible_count
        if visible_count != value:
            answerable = False
            why_not = (
                f"{category}: {value} instances in the scene but {visible_count} visible "
                f"above tau in the given views"
            )
    return Fact(
        value=value,
        unit=None,
        primitive="instances",
        frame="scene",
        program=call(
            "instance_count",
            category=category,
            views=views,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        answerable=answerable,
        why_not=why_not,
        instance_ids=tuple(instance_ids),
        views=tuple(views or ()),
        detail=detail,
    )
