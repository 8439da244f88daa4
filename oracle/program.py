"""Programs: JSON calls of registered oracle operations, re-executed without eval or pickle."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.scenes import Scene

OPERATIONS: dict[str, Callable[..., Fact]] = {}


def operation(name: str) -> Callable[[Callable[..., Fact]], Callable[..., Fact]]:
    """Register an oracle function as a program operation under ``name``."""

    def register(function: Callable[..., Fact]) -> Callable[..., Fact]:
        if name in OPERATIONS:
            raise SpatialQAError(f"oracle operation {name!r} registered twice")
        OPERATIONS[name] = function
        return function

    return register


def call(op: str, **args: Any) -> dict[str, Any]:
    """The program of a call: args normalised through JSON so a program equals its reload."""
    return {"op": op, "args": json.loads(json.dumps(args, sort_keys=True))}


def execute(program: dict[str, Any] | str, scene: Scene) -> Fact:
    """Run ``program`` (a dict or its JSON text) on ``scene`` through registered operations."""
    if isinstance(program, str):
        program = json.loads(program)
    if not isinstance(program, dict) or set(program) != {"op", "args"}:
        raise SpatialQAError(f"program: expected {{'op', 'args'}}, got {program!r}")
    op = program["op"]
    if op not in OPERATIONS:
        raise SpatialQAError(f"program.op: unknown operation {op!r} (known: {sorted(OPERATIONS)})")
    args = program["args"]
    if not isinstance(args, dict):
        raise SpatialQAError(f"program.args: expected an object, got {args!r}")
    return OPERATIONS[op](scene, **args)
