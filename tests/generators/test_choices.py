import numpy as np

from spatialqa.generators.choices import LetterBalancer, with_options


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
