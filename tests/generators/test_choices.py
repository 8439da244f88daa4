from itertools import combinations

import numpy as np
import pytest

from spatialqa.generators.choices import (
    LetterBalancer,
    count_distractors,
    numeric_distractors,
    with_options,
)


def test_letters_are_balanced_and_options_hold_the_answer():
    balancer = LetterBalancer()
    rng = np.random.default_rng(0)
    letters = []
    for i in range(12):
        options, letter = balancer.arrange(f"right{i}", ["w1", "w2", "w3"], rng=rng)
        assert len(options) == 4
        assert [o[:3] for o in options] == ["A. ", "B. ", "C. ", "D. "]
        assert options["ABCD".index(letter)] == f"{letter}. right{i}"
        letters.append(letter)
    # The least-used letter always takes the answer: 12 answers over 4 letters is 3 each.
    assert sorted(letters.count(x) for x in "ABCD") == [3, 3, 3, 3]


def test_arrangement_is_deterministic_for_a_seed():
    def run():
        balancer = LetterBalancer()
        rng = np.random.default_rng(7)
        return [balancer.arrange("yes", ["a", "b"], rng=rng) for _ in range(5)]

    assert run() == run()


def test_question_lists_options_one_per_line():
    assert with_options("Which?", ["A. x", "B. y"]) == "Which?\nA. x\nB. y"


@pytest.mark.parametrize("truth", [0.37, 1.234, 2.9, 57.5, 186.4, 4210.0])
@pytest.mark.parametrize("digits", [1, 2])
def test_numeric_distractors_follow_the_ground_truth_rules(truth, digits):
    answer = f"{truth:.{digits}f}"
    drawn = [numeric_distractors(answer, truth, rng=np.random.default_rng(s)) for s in range(20)]
    assert sum(wrong is not None for wrong in drawn) >= 15
    for wrong in filter(None, drawn):
        values = [float(answer), *map(float, wrong)]
        assert len(wrong) == 3 and all(len(w.partition(".")[2]) == digits for w in wrong)
        half_unit = 0.5 * 10**-digits
        assert all(0.25 * truth - half_unit <= v <= 1.75 * truth + half_unit for v in values)
        assert all(abs(a - b) >= 0.2 * truth for a, b in combinations(values, 2))


def test_numeric_distractors_give_up_when_the_precision_leaves_no_room():
    # Whole numbers around 1: only 0 and 2 are 20% away from 1 and from each other.
    assert numeric_distractors("1", 1.0, rng=np.random.default_rng(0)) is None


def test_count_distractors_are_offsets_floored_at_one():
    for count, pool in ((1, {2, 3, 4}), (2, {1, 3, 4, 5}), (7, {4, 5, 6, 8, 9, 10})):
        for seed in range(10):
            wrong = count_distractors(count, rng=np.random.default_rng(seed))
            assert len(set(wrong)) == 3 and {int(w) for w in wrong} <= pool


def test_a_copy_counts_apart_from_its_original():
    balancer = LetterBalancer()
    balancer.arrange("x", ["y"], rng=np.random.default_rng(0))
    twin = balancer.copy()
    twin.arrange("x", ["y"], rng=np.random.default_rng(0))
    assert sum(balancer.used[2].values()) == 1 and sum(twin.used[2].values()) == 2
