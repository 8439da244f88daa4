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


def with_options(stem: str, options: Sequence[str]) -> str:
    """The question as shown: the stem, then one option per line."""
    return "\n".join([stem, *options])
