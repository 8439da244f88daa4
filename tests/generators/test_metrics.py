"""Metrics against hand-worked values and lmms-eval's own formula."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spatialqa.generators.metrics import (
    MAP_BIN_EDGES,
    MRA_THRESHOLDS,
    abstention,
    aggregate,
    box_iou,
    exact_match,
    first_token,
    map_bin,
    map_bin_labels,
    map_grid,
    map_locality,
    map_locality_bins,
    map_match,
    map_report,
    mean_relative_accuracy,
    metric_score,
    mra,
    parse_map,
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


# ------------------------------------------------------------------ cognitive maps

# The paper room's first-view map (tests/oracle/test_maps.py). True least distances in cells:
#   chair-sofa:  min(|[2,6]-[3,2]| = sqrt(1 + 16) = 4.123, |[7,0]-[3,2]| = sqrt(16 + 4) = 4.472)
#                = 4.123, bin (3.3, 4.4] (index 2)
#   chair-table: min(|[2,6]-[6,8]| = sqrt(16 + 4) = 4.472, |[7,0]-[6,8]| = sqrt(1 + 64) = 8.062)
#                = 4.472, bin (4.4, 5.5] (index 3)
#   sofa-table:  |[3,2]-[6,8]| = sqrt(9 + 36) = 6.708, bin (6.6, 7.8] (index 5)
TRUTH = '{"chair":[[2,6],[7,0]],"sofa":[[3,2]],"table":[[6,8]]}'
# VSI's tuples, a lone [x, y] for the sofa, one chair only, the table two cells up:
#   chair-sofa 4.123 (right), chair-table |[2,6]-[6,6]| = 4 (|4 - 4.472| = 0.47: right),
#   sofa-table |[3,2]-[6,6]| = 5 (|5 - 6.708| = 1.71 > 1: wrong)  ->  2 / 3
REPLY = 'My map: {"chair": [(2, 6)], "sofa": [3, 2], "table": [(6, 6)]}'


def test_map_replies_parse_leniently():
    cells = {"chair": [(2.0, 6.0)], "sofa": [(3.0, 2.0)], "table": [(6.0, 6.0)]}
    assert parse_map(REPLY) == cells
    fenced = "```json\n{'Chair ': [[2, 6]], 'sofa': [[3, 2]], 'table': [6, 6]}\n```"
    assert parse_map(fenced) == cells  # Python quotes, keys trimmed and lower-cased
    assert parse_map('{"lamp (desk)": [(1, 2)]}') == {"lamp (desk)": [(1.0, 2.0)]}
    assert parse_map('{"chair": [[1, 2], [true, 3], ["a", 1], [1, 2, 3]]}') == {
        "chair": [(1.0, 2.0)]
    }
    for bad in ("no map", "[[1, 2]]", "{chair: [1, 2]}", "{" * 50_000 + "}" * 50_000):
        assert parse_map(bad) is None


def test_map_locality_worked_by_hand():
    assert [MAP_BIN_EDGES[k] for k in (0, 1, 2, -2, -1)] == [1.0, 2.1, 3.3, 8.9, 10.0]
    assert map_locality(TRUTH, TRUTH) == 1.0
    assert map_locality(TRUTH, REPLY) == pytest.approx(2 / 3)
    assert metric_score("map_locality", "map", TRUTH, REPLY) == pytest.approx(2 / 3)
    # Without the table only chair-sofa can be right: 1 / 3. An unreadable reply: 0.
    assert map_locality(TRUTH, '{"chair": [[2, 6], [7, 0]], "sofa": [[3, 2]]}') == pytest.approx(
        1 / 3
    )
    assert map_locality(TRUTH, "I cannot draw maps") == 0.0
    right = [(0, 0), (0, 0), (1, 1), (1, 1), (0, 0), (0, 1), (0, 0), (0, 0)]
    assert map_locality_bins(TRUTH, REPLY) == right
    # Bins: below 1.0 joins the first, above 10.0 the last (a 10 x 10 diagonal is 12.7).
    assert [map_bin(d) for d in (0.0, 1.0, 2.1, 2.2, 8.9, 9.0, 10.0, 12.73)] == [
        0,
        0,
        0,
        1,
        6,
        7,
        7,
        7,
    ]
    assert map_bin_labels()[:2] == ["[1.0, 2.1]", "(2.1, 3.3]"]
    assert map_bin_labels()[-1] == "(8.9, 10.0]"
    with pytest.raises(ValueError, match="not a map"):
        map_locality("3", REPLY)


def test_map_match_worked_by_hand():
    # N = 10: a match scores 1 - d / (10 sqrt 2) = 1 - d / 14.1421.
    #   chair: one of two predicted, exact: 1.0 / max(1, 2) = 0.5 (weight 2)
    #   sofa: exact, 1.0 (weight 1); table: d = 2, 1 - 2 / 14.1421 = 0.858579 (weight 1)
    #   (2 * 0.5 + 1.0 + 0.858579) / 4 = 0.714645
    assert map_match(TRUTH, REPLY) == pytest.approx(0.714645, abs=1e-6)
    assert metric_score("map_match", "map", TRUTH, REPLY) == pytest.approx(0.714645, abs=1e-6)
    assert map_match(TRUTH, TRUTH) == 1.0
    # Greedy, closest pair first: true A (0, 0), B (3, 0); predicted P (2, 0), Q (6, 0).
    # B-P (1) is taken first, leaving A-Q (6): (1 - 1/14.1421 + 1 - 6/14.1421) / 2 = 0.752513
    # (the best assignment, A-P 2 and B-Q 3, would give 0.823223).
    greedy = map_match('{"x": [[0, 0], [3, 0]]}', '{"x": [[2, 0], [6, 0]]}')
    assert greedy == pytest.approx(0.752513, abs=1e-6)
    # An extra prediction counts against: 1.0 / max(2, 1); a 5 x 5 grid's diagonal 7.0711.
    assert map_match('{"x": [[3, 2]]}', '{"x": [[3, 2], [9, 9]]}') == 0.5
    assert map_match('{"x": [[0, 0]]}', '{"x": [[1, 0]]}', grid=5) == pytest.approx(1 - 1 / 7.0711)
    assert map_match(TRUTH, "nothing") == 0.0


def test_map_report_pools_pairs_over_replies():
    # REPLY's pairs (above) and a missing reply's (all wrong), bin by bin.
    report = map_report([(TRUTH, REPLY, 10), (TRUTH, "", 10)])
    bins = {row["bin"]: (row["right"], row["pairs"]) for row in report["map_locality_bins"]}
    assert bins["(3.3, 4.4]"] == (1, 2) and bins["(4.4, 5.5]"] == (1, 2)
    assert bins["(6.6, 7.8]"] == (0, 2) and bins["[1.0, 2.1]"] == (0, 0)
    assert report["map_locality_bins"][0]["share"] is None
    assert report["map_match"] == pytest.approx(0.714645 / 2, abs=1e-6)
    assert map_grid('{"map": {"grid": 7}}') == 7
    assert map_grid(None) == map_grid('{"boxes": {}}') == map_grid("not json") == 10


cells = st.tuples(st.integers(0, 9), st.integers(0, 9))
maps = st.dictionaries(
    st.sampled_from(["bed", "chair", "lamp", "sofa", "table", "tv", "desk", "sink"]),
    st.lists(cells, min_size=1, max_size=3),
    min_size=3,
    max_size=8,
)


def written(cells_by_category: dict) -> str:
    return json.dumps({c: sorted(map(list, v)) for c, v in cells_by_category.items()})


@given(maps, st.sampled_from([(1, 0), (-1, 0), (0, 1), (0, -1)]))
def test_the_truth_and_the_truth_shifted_one_cell_score_one(truth, shift):
    # A common shift keeps every distance; shifting one category by one cell changes its
    # least distances by at most 1 (triangle inequality): every pair stays right.
    text = written(truth)
    assert map_locality(text, text) == 1.0
    moved = {c: [(x + shift[0], y + shift[1]) for x, y in v] for c, v in truth.items()}
    assert map_locality(text, written(moved)) == 1.0
    first = sorted(truth)[0]
    one = {**truth, first: moved[first]}
    assert map_locality(text, written(one)) == 1.0
    assert all(right == total for right, total in map_locality_bins(text, written(moved)))


def test_random_maps_score_well_below_the_truth():
    rng = np.random.default_rng(0)
    scores = []
    for _ in range(300):
        k = int(rng.integers(3, 9))
        names = [f"c{i}" for i in range(k)]
        truth = {n: rng.integers(0, 10, (int(rng.integers(1, 4)), 2)).tolist() for n in names}
        guess = {n: rng.integers(0, 10, (len(v), 2)).tolist() for n, v in truth.items()}
        scores.append(map_locality(written(truth), written(guess)))
    assert np.mean(scores) < 0.5
