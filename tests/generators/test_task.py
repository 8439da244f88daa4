"""The Task base: params checked by name (the balance caps included), the multiple-choice
variant of numeric tasks; the Context's visible and nameable objects."""

from __future__ import annotations

from itertools import combinations

import pytest
from samples_kit import generate

from spatialqa.errors import ConfigError
from spatialqa.generators import get_task


def test_balance_params_are_checked_by_name():
    get_task("object_abs_distance")(pair_share=0.5, min_distance=0.3)
    with pytest.raises(ConfigError, match="pair_share: must be in"):
        get_task("object_abs_distance")(pair_share=0)
    with pytest.raises(ConfigError, match="category_share"):
        get_task("object_abs_distance")(colour=1)


def test_numeric_tasks_are_also_asked_as_multiple_choice(room):
    sizes = {s.objects[0].category: s for s in generate("object_size_estimation", room)}
    mc = generate("object_size_estimation_mc", room)
    assert len(mc) == len(sizes) and get_task("object_size_estimation_mc").metric == "accuracy"
    for sample in mc:
        number = sizes[sample.objects[0].category]
        options = {c[0]: float(c[3:]) for c in sample.choices}
        assert sample.answer_type == "mc" and len(options) == 4
        assert options[sample.answer] == float(number.answer) and sample.value == number.value
        truth = number.value
        assert all(0.25 * truth - 0.5 <= v <= 1.75 * truth + 0.5 for v in options.values())
        assert all(abs(a - b) >= 0.2 * truth for a, b in combinations(options.values(), 2))
        assert sample.question_vsi == "\n".join([number.question_vsi, *sample.choices])
    (count,) = generate("object_counting_mc", room)
    options = {c[0]: int(c[3:]) for c in count.choices}
    assert options[count.answer] == 2 and set(options.values()) <= {1, 2, 3, 4, 5}


def test_only_visible_single_instance_categories_are_named(room):
    assert room.visible == {1, 2, 3, 4, 5, 6}
    assert room.unique == {"bed": 3, "lamp": 4, "sofa": 2, "table": 1}
