"""A Fact is one exact answer with everything needed to trust it and to re-derive it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ORACLE_VERSION = 1
"""Bumped when any oracle answer changes (a fixed definition, a corrected computation); it
enters the build fingerprint, so a resumed build never keeps shards of an older oracle."""


@dataclass(frozen=True)
class Fact:
    """The value, its unit and provenance.

    ``program`` is the JSON-able call ``{"op": name, "args": {...}}`` that
    ``spatialqa.oracle.execute`` runs to the same value; ``detail`` holds auxiliary
    quantities (the angle behind a sector, the centroid distance beside the closest one).
    """

    value: Any
    unit: str | None
    primitive: str
    frame: str
    program: dict[str, Any]
    margin: float | None = None
    answerable: bool = True
    why_not: str | None = None
    instance_ids: tuple[int, ...] = ()
    views: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
