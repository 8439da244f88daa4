"""Abstention: questions the whole trajectory answers but the delivered views do not.

A task's candidates are built over every frame of the trajectory. A draft becomes an abstention
item, with the frames that would make it answerable, when one of its referents is not visible
above tau in the delivered views (for each missing referent, the frame showing most of it), or
when the delivered views leave its margin within the task's threshold (``Undecided``: objects at
one depth from this camera, first appearances that fall in one delivered frame).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spatialqa.generators.sample import ObjectRef
from spatialqa.oracle import frame_visibility
from spatialqa.scenes import Scene

ABSTAIN_ANSWER = "cannot be determined from the given views"
ABSTENTION_VERSION = 2  # 2: margins the views leave within a task's threshold abstain too


@dataclass(frozen=True)
class Undecided:
    """What ``Task.make`` returns for a candidate too close to a decision boundary to ask: its
    margin (``what``, in ``unit``; "%" for fractions) is within the task's threshold ``least``.
    GROUND_TRUTH.md: such a question is rejected, or asked only as an abstention item."""

    what: str
    margin: float
    least: float
    unit: str

    def measured(self) -> str:
        return f"the {self.what} is {_amount(self.margin, self.unit)}"


@dataclass(frozen=True)
class Unanswerable:
    """Why a draft cannot be answered from the delivered views, and which frames would do."""

    missing: tuple[ObjectRef, ...]
    reason: str
    answerable_views: tuple[str, ...]
    rationale: str


def _best_frames(
    scene: Scene, views: Sequence[str], instance_id: int, tau_instance: float, tau_frame: float
) -> list[tuple[int, str]]:
    """(visible pixels, frame id) of the frames showing ``instance_id`` above tau, most first."""
    shown = []
    for view in views:
        counts = frame_visibility(scene, view)
        i = counts.index(instance_id)
        if counts.is_visible(tau_instance, tau_frame)[i]:
            shown.append((int(counts.visible_pixels[i]), view))
    return sorted(shown, key=lambda item: -item[0])


def unanswerable(
    scene: Scene,
    objects: Sequence[ObjectRef],
    visible: frozenset[int],
    delivered: Sequence[str],
    trajectory: Sequence[str],
    tau_instance: float,
    tau_frame: float,
) -> Unanswerable | None:
    """The abstention record of a question about ``objects``, or None when every referent is
    visible (``visible``: the instances visible above tau in the ``delivered`` views)."""
    missing = tuple(ref for ref in objects if ref.instance_id not in visible)
    if not missing:
        return None
    order = {view: i for i, view in enumerate(trajectory)}
    extra: set[str] = set()
    steps = []
    for ref in missing:
        best = _best_frames(scene, trajectory, ref.instance_id, tau_instance, tau_frame)
        if not best:
            return None  # visible nowhere: no frame would answer it
        extra.add(best[0][1])
        frames = ", ".join(view for _, view in sorted(best, key=lambda b: order[b[1]]))
        steps.append(
            f"The {ref.category} (id {ref.instance_id}, role: {ref.role}) is visible in none of "
            f"the {len(delivered)} given views (at least {tau_instance:.0%} of the object or "
            f"{tau_frame:.1%} of a frame); it is visible in frames {frames} of the trajectory."
        )
    names = ", ".join(f"{ref.category} (id {ref.instance_id})" for ref in missing)
    views = tuple(sorted(extra, key=order.__getitem__))
    steps.append(
        f"Frame(s) {', '.join(views)} would show it. So the answer {ABSTAIN_ANSWER}."
        if len(missing) == 1
        else f"Frames {', '.join(views)} would show them. So the answer {ABSTAIN_ANSWER}."
    )
    return Unanswerable(
        missing=missing,
        reason=f"referent not visible in the given views: {names}",
        answerable_views=views,
        rationale=" ".join(steps),
    )


def too_close(
    undecided: Undecided, asked: Sequence[str], answerable_views: Sequence[str], *, instead: bool
) -> Unanswerable:
    """The abstention record of a question whose margin the ``asked`` views leave within the
    threshold; ``answerable_views`` decide it, used ``instead`` of the asked ones or added."""
    where = "the given view" if len(asked) == 1 else "the given views"
    frames = ", ".join(answerable_views)
    would = "Asked of" if instead else "With"
    return Unanswerable(
        missing=(),
        reason=(
            f"margin within the threshold in {where}: {undecided.measured()}, "
            f"at most {_amount(undecided.least, undecided.unit)}"
        ),
        answerable_views=tuple(answerable_views),
        rationale=(
            f"In {where}, {undecided.measured()}: within the task's threshold of "
            f"{_amount(undecided.least, undecided.unit)}, too close to call. {would} frame(s) "
            f"{frames} it is decided. So the answer {ABSTAIN_ANSWER}."
        ),
    )


def _amount(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "%" else f"{value:.2f} {unit}"
