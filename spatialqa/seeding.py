"""Stable seeds: blake2b of the parts' text, never Python's ``hash()`` or the clock."""

from __future__ import annotations

import hashlib

import numpy as np


def stable_seed(*parts: object) -> int:
    """A 63-bit seed from ``parts`` (their ``repr``-free text joined by a separator)."""
    text = "\x1f".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


def rng_for(*parts: object) -> np.random.Generator:
    """A generator seeded by ``stable_seed(*parts)``: same parts, same stream, on any machine."""
    return np.random.default_rng(stable_seed(*parts))


def stable_id(*parts: object, length: int = 16) -> str:
    """A hex identifier of ``parts`` (sample ids, config hashes)."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=length // 2).hexdigest()
