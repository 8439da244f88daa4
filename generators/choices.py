"""Multiple choice: letters balanced per task, options written the way VSI-Bench shows them."""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np

LETTERS = string.ascii_uppercase


class LetterBalancer:
    """Puts each correct option on the least-used letter so far; ties go to the seeded rng."""

    def __init__(self) -> None:
        self.used: dict[int, dict[str, int]] = {}

    def copy(self) -> LetterBalancer:
        """A twin to draft with: only the drafts a task keeps should count."""
        twin = LetterBalancer()
        twin.used = {n: dict(counts) for n, counts in self.used.items()}
        return twin

    def arrange(
        self, answer: str, distractors: Sequence[str], *, rng: np.random.Generator
    ) -> tuple[tuple[str, ...], str]:
        """Return (options as "A. text", the correct letter) with distractors in rng order."""
        n = len(distractors) + 1
        counts = self.used.setdefault(n, dict.fromkeys(LETTERS[:n], 0))
        fewest = min(counts.values())
        tied = [letter for letter in LETTERS[:n] if counts[letter] == fewest]
        letter = tied[int(rng.integers(len(tied)))]
        counts[letter] += 1
        others = [distractors[i] for i in rng.permutation(len(distractors))]
        slot = LETTERS.index(letter)
        texts = [*others[:slot], answer, *others[slot:]]
        return tuple(f"{LETTERS[i]}. {text}" for i, text in enumerate(texts)), letter


def either(
    letters: LetterBalancer, answer: str, first: str, second: str, *, rng: np.random.Generator
) -> tuple[tuple[str, ...], str]:
    """The options of a question whose answer is ``first`` or ``second``: the other one is the
    distractor (``letters.arrange``)."""
    return letters.arrange(answer, [second if answer == first else first], rng=rng)


def with_options(stem: str, options: Sequence[str]) -> str:
    """The question as shown: the stem, then one option per line."""
    return "\n".join([stem, *options])


def numeric_distractors(
    answer: str, truth: float, *, rng: np.random.Generator, count: int = 3, draws: int = 30
) -> list[str] | None:
    """``count`` wrong values for a numeric answer asked as multiple choice (GROUND_TRUTH.md).

    Each is drawn uniformly in [0.25, 1.75] x ``truth`` and rounded to the precision of
    ``answer`` (its digits after the point); any two options, the answer included, differ by
    at least 20% of ``truth``. None after ``draws`` draws without enough: the item is dropped.
    """
    digits = len(answer.partition(".")[2])
    scale = abs(truth)
    if scale == 0:
        return None
    chosen = [float(answer)]
    for _ in range(draws):
        value = round(float(rng.uniform(0.25, 1.75)) * truth, digits)
        if all(abs(value - other) >= 0.2 * scale for other in chosen):
            chosen.append(value)
            if len(chosen) == count + 1:
                return [f"{value:.{digits}f}" for value in chosen[1:]]
    return None


def count_distractors(count: int, *, rng: np.random.Generator, n: int = 3) -> list[str]:
    """``n`` wrong counts: ``count`` plus offsets from {-3..3} minus 0, floored at 1."""
    pool = sorted({max(1, count + offset) for offset in range(-3, 4)} - {count})
    return [str(pool[i]) for i in sorted(rng.choice(len(pool), size=n, replace=False))]
