"""Diversity caps applied to every task's drafts in a scene, so no answer or referent dominates;
yes/no answers are kept half and half.

Caps are shares of the task's per-scene limit (at least 1): a category may appear in at most
``category_share`` of the samples, a pair of categories in ``pair_share``, a triple (or a
larger set of referents, as a whole) in ``triple_share``, and numeric answers in one bucket in
``bucket_share``. Buckets are logarithmic, a factor ``bucket_ratio`` wide, so small and large
quantities are spread alike (0.2-0.3 m is one bucket, 20-30 m another).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from itertools import combinations

import numpy as np

from spatialqa.errors import ConfigError


@dataclass(frozen=True)
class Balance:
    """Per-scene caps every task accepts as params (``{name: ..., params: {pair_share: 0.5}}``)."""

    category_share: float = 0.5
    pair_share: float = 0.25
    triple_share: float = 0.125
    bucket_share: float = 0.4
    bucket_ratio: float = 1.5

    def __post_init__(self) -> None:
        for field in fields(self):
            if field.name.endswith("_share") and not 0 < getattr(self, field.name) <= 1:
                raise ConfigError(
                    f"params.{field.name}: must be in (0, 1] (got {getattr(self, field.name)})"
                )
        if not self.bucket_ratio > 1:
            raise ConfigError(f"params.bucket_ratio: must be > 1 (got {self.bucket_ratio})")


BALANCE_PARAMS = frozenset(field.name for field in fields(Balance))


def bucket(value: float, ratio: float) -> tuple[int, int]:
    """(sign, log-bucket) of a numeric answer: buckets are a factor ``ratio`` wide."""
    if value == 0 or not math.isfinite(value):
        return 0, 0
    return int(math.copysign(1, value)), math.floor(math.log(abs(value)) / math.log(ratio))


class Quota:
    """Counts what a scene's kept drafts use and refuses a draft that would pass a cap."""

    def __init__(self, balance: Balance, limit: int) -> None:
        self.balance = balance
        self.caps = {
            "category": self._cap(balance.category_share, limit),
            "pair": self._cap(balance.pair_share, limit),
            "triple": self._cap(balance.triple_share, limit),
            "bucket": self._cap(balance.bucket_share, limit),
        }
        self.used: Counter[tuple] = Counter()

    @staticmethod
    def _cap(share: float, limit: int) -> int:
        return max(1, math.ceil(share * limit))

    def keys(self, categories: list[str], value: float | None) -> list[tuple]:
        """What a draft uses: its categories with their pairs and triples when it names at most
        three; a larger set (four options, a route) only as a whole, capped like a triple (its
        pairs and categories would run out after a few questions); its value's bucket."""
        distinct = sorted(set(categories))
        if len(distinct) <= 3:
            keys: list[tuple] = [("category", c) for c in distinct]
            keys += [("pair", *p) for p in combinations(distinct, 2)]
            keys += [("triple", *t) for t in combinations(distinct, 3)]
        else:
            keys = [("triple", *distinct)]
        if value is not None:
            keys.append(("bucket", *bucket(value, self.balance.bucket_ratio)))
        return keys

    def admit(self, categories: list[str], value: float | None) -> bool:
        """Count the draft and say True, or say False and count nothing."""
        keys = self.keys(categories, value)
        if any(self.used[key] >= self.caps[key[0]] for key in keys):
            return False
        self.used.update(keys)
        return True


class YesNoQuota:
    """Yes/no quotas: half each; an odd limit's extra answer goes to a seeded coin's side."""

    def __init__(self, limit: int, rng: np.random.Generator) -> None:
        self.extra = "yes" if rng.random() < 0.5 else "no"
        self.quota = {
            answer: limit // 2 + (limit % 2 if answer == self.extra else 0)
            for answer in ("yes", "no")
        }
        self.count = {"yes": 0, "no": 0}

    def room(self, answer: str) -> bool:
        return self.count.get(answer, 0) < self.quota.get(answer, 0)

    def add(self, answer: str) -> None:
        if answer in self.count:
            self.count[answer] += 1

    def even(self, answers: Sequence[str]) -> list[int]:
        """The positions of ``answers`` (in the order kept) to keep: the last-kept answers of
        the commoner side are dropped until the counts are equal (one more on the coin's side
        for an odd limit)."""
        fewest = min(self.count.values())
        allowed = {
            a: fewest + (1 if a == self.extra and self.quota[a] > self.quota[other] else 0)
            for a, other in (("yes", "no"), ("no", "yes"))
        }
        taken = {"yes": 0, "no": 0}
        result = []
        for position, answer in enumerate(answers):
            if answer in taken and taken[answer] >= allowed[answer]:
                continue
            taken[answer] = taken.get(answer, 0) + 1
            result.append(position)
        return result
