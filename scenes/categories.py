"""Every furniture category built from parts, its shapes, its size range
with the source of that range, and the function that draws a model of it.

Each maker takes ``(rng, shape=None, **limits)``: ``shape`` one of the category's ``shapes``
(drawn when None); the wardrobe and the bookshelf take ``max_height``, the tv ``max_width``,
the lamp and the plant ``small`` (on a surface, or on the floor).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spatialqa.scenes import clutter, fixtures, seating, storage, tables
from spatialqa.scenes.furniture import Model, Sizes

__all__ = ["CATEGORIES", "Category"]


@dataclass(frozen=True)
class Category:
    """A category's maker, its shapes and its size range (with where the range comes from)."""

    make: Callable[..., Model]
    shapes: tuple[str, ...]
    sizes: Sizes


def _entries() -> dict[str, Category]:
    out = {}
    for module in (seating, storage, tables, fixtures, clutter):
        for name, shapes in module.SHAPES.items():
            make = getattr(module, name.replace(" ", "_"))
            out[name] = Category(make, shapes, module.SIZES[name])
    return out


CATEGORIES: dict[str, Category] = _entries()
"""Every category built from parts, by name."""
