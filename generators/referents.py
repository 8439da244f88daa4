"""Which objects a question may name, the referent tuples tasks build from them, and the
check that a draft's referents can be told apart.

View-grounded tasks ask about one frame of ``ctx.views`` and show only that frame; a category
names an object there when exactly one of its instances is visible above tau in that frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations, permutations
from types import MappingProxyType

import numpy as np

from spatialqa.errors import TaskError
from spatialqa.generators.task import Context, Draft, Task
from spatialqa.oracle import derived, frame_visibility


def view_referents(ctx: Context, view: str) -> Mapping[str, int]:
    """Category -> instance id for categories with exactly one instance visible above tau in
    ``view`` (GROUND_TRUTH.md's referent rule for view-grounded tasks), sorted by category.
    Cached per scene, view and taus (read-only: every task of the scene shares it)."""

    def compute() -> Mapping[str, int]:
        counts = frame_visibility(ctx.scene, view)
        flags = counts.is_visible(ctx.tau_instance, ctx.tau_frame)
        shown: dict[str, list[int]] = {}
        for instance_id, flag in zip(counts.instance_ids.tolist(), flags.tolist(), strict=True):
            if flag:
                shown.setdefault(ctx.scene.object(instance_id).category, []).append(instance_id)
        named = {category: ids[0] for category, ids in sorted(shown.items()) if len(ids) == 1}
        return MappingProxyType(named)

    key = (view, ctx.tau_instance, ctx.tau_frame)
    return derived(ctx.scene).memo("view_referents", key, compute)


def view_pairs(ctx: Context, ordered: bool = False) -> list[tuple[str, str, str]]:
    """(view, category, category) for every view and pair of its referents."""
    pairs = permutations if ordered else combinations
    return [(view, *pair) for view in ctx.views for pair in pairs(view_referents(ctx, view), 2)]


def view_pair_in_order(
    ctx: Context, candidate: tuple, rng: np.random.Generator
) -> tuple[str, str, str, int, int]:
    """A ``view_pairs`` candidate with its two categories in a seeded order, and the instances
    they name in that view: (view, first, second, first's id, second's id)."""
    view, *pair = candidate
    first, second = (pair[i] for i in rng.permutation(2))
    named = view_referents(ctx, view)
    return view, first, second, named[first], named[second]


def unique_pairs(ctx: Context) -> list[tuple[str, str]]:
    """Every pair of the scene's single-instance categories (``ctx.unique``)."""
    return list(combinations(ctx.unique, 2))


def pair_in_order(
    ctx: Context, candidate: tuple, rng: np.random.Generator
) -> tuple[str, str, int, int]:
    """A ``unique_pairs`` candidate in a seeded order, with the instances the two categories
    name: (first, second, first's id, second's id)."""
    first, second = (candidate[i] for i in rng.permutation(2))
    return first, second, ctx.unique[first], ctx.unique[second]


def tau_text(ctx: Context) -> str:
    return f"at least {ctx.tau_instance:.0%} of the object or {ctx.tau_frame:.1%} of a frame"


def check_roles(task: Task, draft: Draft) -> None:
    """Refuse a draft whose referents in different roles share a category: the question
    could not say which is which (a task bug, never silently dropped)."""
    if task.shared_categories:
        return
    roles: dict[str, set[str]] = {}
    for ref in draft.objects:
        roles.setdefault(ref.category, set()).add(ref.role)
    for category, named in sorted(roles.items()):
        if len(named) > 1:
            raise TaskError(
                f"task {task.name}: referents {sorted(named)} share the category "
                f"{category!r} in {draft.question!r}"
            )
