"""Metrics against hand-worked values and lmms-eval's own formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spatialqa.generators.metrics import (
    MRA_THRESHOLDS,
    abstention,
    aggregate,
    box_iou,
    exact_match,
    first_token,
    mean_relative_accuracy,
    metric_score,
    mra,
    vsibench_overall,
)


def lmms_eval_mra(pred: float, target: float) -> float:
    """lmms-eval's mean_relative_accuracy(start=.5, end=.95, interval=.05), written out."""
    start, end, interval = 0.5, 0.95, 0.05
    thresholds = np.linspace(start, end, int((end - start) / interval + 2))
    return float((abs(pred - target) / target <= 1 - thresholds).mean())


def test_thresholds_are_the_ten_lmms_eval_uses():
    assert len(MRA_THRESHOLDS) == 10
    assert np.allclose(MRA_THRESHOLDS, np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2)))


@pytest.mark.parametrize(
    ("pred", "truth", "expected"),
    [
        (10, 10, 1.0),  # exact
        (8, 10, 0.6),  # error 0.2; 1 - 0.80 is 0.1999... in floats, so 0.50..0.75 pass
        (7.9, 10, 0.6),  # error 0.21: 0.50..0.75
        (5, 10, 0.1),  # error 0.5: only 0.50 passes
        (4, 10, 0.0),  # error 0.6: none
        (11.5, 10, 0.8),  # error 0.15: 0.50..0.85
        (9.5, 10, 1.0),  # error 0.05 passes 0.95 (1 - 0.95 rounds up in floating point)
    ],
)
def test_mra_by_hand(pred, truth, expected):
    assert mean_relative_accuracy(pred, truth) == pytest.approx(expected)
    assert lmms_eval_mra(pred, truth) == pytest.approx(expected)


@given(
    st.floats(0.0, 100.0, allow_nan=False),
    st.floats(0.01, 100.0, allow_nan=False),
)
def test_mra_equals_lmms_eval_formula(pred, truth):
    assert mean_relative_accuracy(pred, truth) == pytest.approx(lmms_eval_mra(pred, truth))


@pytest.mark.parametrize(
    ("reply", "token"),
    [("3 meters", "3"), ("3m", "3m"), ("B.", "B"), ("B. The sofa", "B"), ("2.5.", "2.5")],
)
def test_first_token_as_lmms_eval_reads_it(reply, token):
    assert first_token(reply) == token


def test_parsing_cases_of_the_issue():
    assert mra("3 meters", "3") == 1.0
    assert mra("3m", "3") == 0.0
    assert mra("about 3", "3") == 0.0  # the first token is "about"
    assert exact_match("B.", "B") == 1.0
    assert exact_match("b", "B") == 1.0
    assert exact_match("Bb", "B") == 0.0
    assert exact_match("yes, it is", "yes") == 0.0  # "yes," keeps its comma, as in lmms-eval


def test_iou_by_hand():
    assert box_iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)
    assert box_iou([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert box_iou([0, 0, 1, 1], [2, 2, 3, 3]) == 0.0
    assert metric_score("iou", "box", "[0, 0, 2, 2]", "[1, 1, 3, 3]") == pytest.approx(1 / 7)
    assert metric_score("iou", "box", "[0, 0, 2, 2]", "no idea") == 0.0


def test_abstention_precision_recall_by_hand():
    answerable = [True, True, False, False, False]
    abstained = [True, False, True, True, False]
    result = abstention(answerable, abstained)
    assert result.precision == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(2 / 3)
    assert abstention([True], [False]).precision is None


def test_macro_and_micro_differ_as_computed_by_hand():
    result = aggregate({"a": [1.0, 1.0, 1.0], "b": [0.0]})
    assert result["macro"] == pytest.approx(0.5)
    assert result["micro"] == pytest.approx(0.75)


def test_vsibench_overall_averages_directions_first():
    means = {
        "object_counting": 0.6,
        "object_rel_direction_easy": 0.9,
        "object_rel_direction_medium": 0.6,
        "object_rel_direction_hard": 0.3,
    }
    # directions -> 0.6; overall = (0.6 + 0.6) / 2, not the mean of four (0.6 as well: change one)
    assert vsibench_overall(means) == pytest.approx(0.6)
    means["object_counting"] = 0.2
    assert vsibench_overall(means) == pytest.approx((0.2 + 0.6) / 2)
    assert not math.isclose(vsibench_overall(means), sum(means.values()) / 4)
    with pytest.raises(ValueError, match="direction"):
        vsibench_overall({"object_rel_direction_easy": 1.0, "object_counting": 1.0})
