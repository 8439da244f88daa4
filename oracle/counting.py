"""Counting: how many instances of a category the scene holds (or the views show), and which of
two categories is more numerous."""

from __future__ import annotations

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.oracle.program import FrameId, call, operation
from spatialqa.oracle.visibility import TAU_FRAME, TAU_INSTANCE, visible_instances
from spatialqa.scenes import Scene


@operation
def instance_count(
    scene: Scene,
    category: str,
    views: list[FrameId] | None = None,
    tau_instance: float = TAU_INSTANCE,
    tau_frame: float = TAU_FRAME,
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
            instance_count,
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


@operation
def visible_count(
    scene: Scene, category: str, view: FrameId, tau_instance: float = 0.05, tau_frame: float = 0.001
) -> Fact:
    """Instances of ``category`` visible above tau in the single frame ``view``."""
    seen = visible_instances(scene, [view], tau_instance, tau_frame)
    shown = tuple(i for i in scene.categories.get(category, ()) if seen[i])
    return Fact(
        value=len(shown),
        unit=None,
        primitive="instances",
        frame=f"camera {view}",
        program=call(
            visible_count,
            category=category,
            view=view,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        instance_ids=shown,
        views=(view,),
        detail={"in_scene": len(scene.categories.get(category, ()))},
    )


@operation
def count_comparison(
    scene: Scene,
    first: str,
    second: str,
    views: list[FrameId] | None = None,
    tau_instance: float = TAU_INSTANCE,
    tau_frame: float = TAU_FRAME,
) -> Fact:
    """Which of two categories has more instances. Value: that category; margin: the
    difference of the counts. Unanswerable on a tie, or (with ``views``) when a category's
    count disagrees with the instances visible above tau in those views."""
    if first == second:
        raise SpatialQAError(f"count_comparison: the two categories must differ (both {first!r})")
    counts = [instance_count(scene, c, views, tau_instance, tau_frame) for c in (first, second)]
    n1, n2 = (int(fact.value) for fact in counts)
    why_not = next((fact.why_not for fact in counts if not fact.answerable), None)
    if why_not is None and n1 == n2:
        why_not = f"{first} and {second} both have {n1} instances"
    return Fact(
        value=None if n1 == n2 else (first if n1 > n2 else second),
        unit=None,
        primitive="instances",
        frame="scene",
        program=call(
            count_comparison,
            first=first,
            second=second,
            views=views,
            tau_instance=tau_instance,
            tau_frame=tau_frame,
        ),
        margin=float(abs(n1 - n2)),
        answerable=why_not is None,
        why_not=why_not,
        instance_ids=counts[0].instance_ids + counts[1].instance_ids,
        views=tuple(views or ()),
        detail={"counts": [n1, n2]},
    )


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
