"""Which objects a view may name: the categories with exactly one visible instance in it (the
four-views scene: see four_views_kit)."""

from __future__ import annotations

import four_views_kit
import pytest

from spatialqa.generators.referents import view_referents


@pytest.fixture(scope="module")
def ctx(scene_kit):
    return four_views_kit.context(scene_kit)


def test_referents_are_unique_among_the_visible_instances(ctx):
    assert view_referents(ctx, "f0") == {
        "chair": 6,
        "painting": 5,
        "screen": 3,
        "sofa": 2,
        "table": 1,
        "target": 4,
    }
    assert view_referents(ctx, "f1") == {"bin": 10}
    with pytest.raises(TypeError):  # cached and shared by every task of the scene: read-only
        view_referents(ctx, "f1")["bin"] = 3  # type: ignore[index]
