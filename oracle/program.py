"""Programs: JSON calls of registered oracle operations, re-executed without eval or pickle.

An operation is named once, by its function: ``@operation`` registers it under the function's
name and ``call(function, **args)`` writes its program, so the two cannot disagree. That name
is in every program a dataset holds: renaming an operation's function breaks them.

Programs are rewards on untrusted input, so ``execute`` raises only ``SpatialQAError`` and
bounds the cost of a call before making it. Each operation declares its parameters once: the
type hints of its signature (``int``, ``float``, ``str``, ``list[...]``, ``... | None``, and
:data:`ObjectId` / :data:`OccluderId` / :data:`FrameId` for ids that must name an object or
a frame of the scene) and, in ``@operation(**limits)``, a :class:`Range` for the numbers
that drive its cost or meaning (a grid's cell, a count, a fraction). Shared parameters
(``tau_instance``, ``tau_frame``) have shared limits. Every float must be finite, every list
and string is capped. Any other exception escaping an operation (IndexError, MemoryError,
RecursionError...) becomes a ``SpatialQAError`` naming the operation.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import reprlib
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, overload

from spatialqa import moved
from spatialqa.errors import SpatialQAError
from spatialqa.oracle.facts import Fact
from spatialqa.scenes import Scene
from spatialqa.scenes.scene import STRUCTURE_ID

MAX_ITEMS = 10_000
"""Most items in a list argument."""
MAX_TEXT = 1_000
"""Most characters in a string argument."""


@dataclass(frozen=True)
class _Names:
    """Marks an id parameter: what it must name in the scene, and ids allowed besides."""

    what: str  # "object" or "frame"
    also: tuple[Any, ...] = ()


ObjectId = Annotated[int, _Names("object")]
"""An instance id of the scene."""
OccluderId = Annotated[int, _Names("object", (STRUCTURE_ID,))]
"""An instance id of the scene, or -1 for the structure."""
FrameId = Annotated[str, _Names("frame")]
"""A frame id of the scene."""


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of a number, or of a list's length."""

    low: float | None = None
    high: float | None = None

    def check(self, value: Any, path: str) -> None:
        size = len(value) if isinstance(value, list | tuple) else value
        what = "have at least" if isinstance(value, list | tuple) else "be >="
        if self.low is not None and size < self.low:
            raise SpatialQAError(f"{path}: must {what} {self.low!r}{_items(value)} (got {size!r})")
        what = "have at most" if isinstance(value, list | tuple) else "be <="
        if self.high is not None and size > self.high:
            raise SpatialQAError(f"{path}: must {what} {self.high!r}{_items(value)} (got {size!r})")


def _items(value: Any) -> str:
    return " items" if isinstance(value, list | tuple) else ""


SHARED_LIMITS: dict[str, Range] = {
    "tau_instance": Range(0.0, 1.0),
    "tau_frame": Range(0.0, 1.0),
}
"""Limits of parameters that several operations share, by name."""


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of an operation."""

    name: str
    hint: Any
    required: bool
    limit: Range | None


Operation = Callable[..., Fact]
"""An oracle function: a Scene, then its declared parameters, to a Fact."""
OPERATIONS: dict[str, Operation] = {}
PARAMETERS: dict[str, dict[str, Parameter]] = {}
"""Operation -> its declared parameters (the scene excluded), in signature order."""

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlevel = 3


def short(value: Any) -> str:
    """A bounded repr for messages: long strings cut, nesting cut at three levels."""
    try:
        return _short.repr(value)
    except Exception:  # a repr that fails must not hide the error being reported
        return f"<{type(value).__name__}>"


def _declared(name: str, function: Callable[..., Fact], limits: dict[str, Range]) -> dict:
    """The parameters of ``function`` (after the scene) from its signature and type hints."""
    hints = typing.get_type_hints(function, include_extras=True)
    parameters = list(inspect.signature(function).parameters.values())[1:]
    out = {}
    for p in parameters:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.name not in hints:
            raise SpatialQAError(f"oracle operation {name!r}: parameter {p.name!r} needs a hint")
        _kinds(hints[p.name], f"oracle operation {name!r}: parameter {p.name!r}")
        limit = limits.get(p.name, SHARED_LIMITS.get(p.name))
        out[p.name] = Parameter(p.name, hints[p.name], p.default is p.empty, limit)
    unknown = sorted(set(limits) - set(out))
    if unknown:
        raise SpatialQAError(f"oracle operation {name!r}: limits for unknown parameters {unknown}")
    return out


def _kinds(hint: Any, where: str) -> None:
    """Refuse at registration a hint that :func:`_check` cannot check."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        _kinds(args[0], where)
    elif origin in (Union, types.UnionType):
        arms = [a for a in args if a is not type(None)]
        if len(arms) != 1:
            raise SpatialQAError(f"{where}: only 'X | None' unions are supported, not {hint}")
        _kinds(arms[0], where)
    elif origin in (list, Sequence):
        _kinds(args[0], where)
    elif hint not in (int, float, str, bool):
        raise SpatialQAError(f"{where}: unsupported type {hint}")


@overload
def operation(function: Operation, /) -> Operation: ...
@overload
def operation(**limits: Range) -> Callable[[Operation], Operation]: ...
def operation(
    function: Operation | None = None, /, **limits: Range
) -> Operation | Callable[[Operation], Operation]:
    """Register an oracle function as a program operation named after it: ``@operation``, or
    ``@operation(**limits)`` with the :class:`Range` of its numeric (or list) parameters beyond
    the shared ones."""

    def register(function: Operation) -> Operation:
        name = function.__name__
        if name in OPERATIONS:
            raise SpatialQAError(f"oracle operation {name!r} registered twice")
        PARAMETERS[name] = _declared(name, function, limits)
        function = _at_view_time(function, PARAMETERS[name])
        OPERATIONS[name] = function
        return function

    return register if function is None else register(function)


def _names_frame(hint: Any) -> bool:
    """Whether ``hint`` is a FrameId (or ``FrameId | None``): one frame, not a list of them."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return any(_names_frame(arm) for arm in args if arm is not type(None))
    return origin is Annotated and any(
        isinstance(a, _Names) and a.what == "frame" for a in args[1:]
    )


def _at_view_time(function: Operation, parameters: dict[str, Parameter]) -> Operation:
    """``function`` answering in the scene as it is at its frame's time (``Scene.at``), when it
    takes exactly one frame: GROUND_TRUTH's "everything the oracle answers about a frame uses
    the scene at that frame's time", held in one place. Operations of two frames (a move
    between them) or of a list of frames (visibility per frame already does) decide for
    themselves; a scene that does not move is passed as it is."""
    views = [name for name, p in parameters.items() if _names_frame(p.hint)]
    if len(views) != 1:
        return function
    view = views[0]
    position = list(parameters).index(view)

    @functools.wraps(function)
    def at_view_time(scene: Scene, *args: Any, **kwargs: Any) -> Fact:
        if scene.moves:
            frame_id = args[position] if len(args) > position else kwargs.get(view)
            if frame_id is not None:
                scene = scene.at_frame(frame_id)
        return function(scene, *args, **kwargs)

    return at_view_time


def call(op: Operation, **args: Any) -> dict[str, Any]:
    """The program of a call of the registered operation ``op``: its name and ``args``,
    normalised through JSON so a program equals its reload."""
    if op.__name__ not in OPERATIONS:
        raise SpatialQAError(f"{op.__name__!r} is not a registered oracle operation")
    return {"op": op.__name__, "args": json.loads(json.dumps(args, sort_keys=True))}


def _field(key: Any) -> str:
    return key if isinstance(key, str) and key.isidentifier() and len(key) <= 64 else short(key)


def _frame_ids(scene: Scene) -> frozenset[str]:
    from spatialqa.oracle.geometry import derived  # geometry imports nothing of programs

    return derived(scene).memo(
        "frame_ids", None, lambda: frozenset(f.id for t in scene.trajectories for f in t.frames)
    )


def _check(value: Any, hint: Any, path: str, scene: Scene) -> None:
    """Raise SpatialQAError naming ``path`` unless ``value`` fits ``hint`` in ``scene``."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        _check(value, args[0], path, scene)
        names = next(a for a in args[1:] if isinstance(a, _Names))
        if value in names.also:
            return
        if names.what == "object":
            try:
                scene.object(value)
            except SpatialQAError:
                raise SpatialQAError(
                    f"{path}: no object with id {value} in scene {scene.scene_id}"
                ) from None
        elif value not in _frame_ids(scene):
            raise SpatialQAError(f"{path}: no frame {short(value)} in scene {scene.scene_id}")
    elif origin in (Union, types.UnionType):
        if value is not None:
            _check(value, next(a for a in args if a is not type(None)), path, scene)
    elif origin in (list, Sequence):
        if not isinstance(value, list | tuple):
            raise SpatialQAError(f"{path}: expected a list, got {short(value)}")
        if len(value) > MAX_ITEMS:
            raise SpatialQAError(f"{path}: more than {MAX_ITEMS} items ({len(value)})")
        for k, item in enumerate(value):
            _check(item, args[0], f"{path}[{k}]", scene)
    elif hint is bool:
        if not isinstance(value, bool):
            raise SpatialQAError(f"{path}: expected true or false, got {short(value)}")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpatialQAError(f"{path}: expected an integer, got {short(value)}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpatialQAError(f"{path}: expected a number, got {short(value)}")
        if not math.isfinite(value):
            raise SpatialQAError(f"{path}: expected a finite number, got {value!r}")
    elif hint is str:
        if not isinstance(value, str):
            raise SpatialQAError(f"{path}: expected a string, got {short(value)}")
        if len(value) > MAX_TEXT:
            raise SpatialQAError(f"{path}: longer than {MAX_TEXT} characters ({len(value)})")


def check_program(program: Any, scene: Scene) -> tuple[str, dict[str, Any]]:
    """(op, args) of a program (a dict or its JSON text) whose every field is valid for
    ``scene``; SpatialQAError naming the first field that is not."""
    if isinstance(program, str | bytes | bytearray):
        try:
            program = json.loads(program)
        except (ValueError, RecursionError) as error:  # RecursionError: nesting too deep
            raise SpatialQAError(f"program: not valid JSON ({short(str(error))})") from None
    if not isinstance(program, dict):
        raise SpatialQAError(f"program: expected an object {{op, args}}, got {short(program)}")
    for key in program:
        if key not in ("op", "args"):
            raise SpatialQAError(f"program.{_field(key)}: unexpected key (expected op and args)")
    for key in ("op", "args"):
        if key not in program:
            raise SpatialQAError(f"program.{key}: missing")
    op, args = program["op"], program["args"]
    if not isinstance(op, str) or op not in OPERATIONS:
        raise SpatialQAError(
            f"program.op: unknown operation {short(op)} (known: {sorted(OPERATIONS)})"
        )
    if not isinstance(args, dict):
        raise SpatialQAError(f"program.args: expected an object, got {short(args)}")
    declared = PARAMETERS[op]
    for key in args:
        if key not in declared:
            raise SpatialQAError(
                f"program.args.{_field(key)}: not a parameter of {op} (parameters: "
                f"{', '.join(declared)})"
            )
    for parameter in declared.values():
        path = f"program.args.{parameter.name}"
        if parameter.name not in args:
            if parameter.required:
                raise SpatialQAError(f"{path}: missing (required by {op})")
            continue
        value = args[parameter.name]
        _check(value, parameter.hint, path, scene)
        if parameter.limit is not None and value is not None:
            parameter.limit.check(value, path)
    return op, args


def execute(program: dict[str, Any] | str, scene: Scene) -> Fact:
    """Run ``program`` (a dict or its JSON text) on ``scene`` through registered operations.

    Raises only SpatialQAError: the program is checked against the operation's declared
    parameters first, and any other exception of the operation is re-raised as one.
    """
    op, args = check_program(program, scene)
    try:
        return OPERATIONS[op](scene, **args)
    except SpatialQAError:
        raise
    except Exception as error:  # MemoryError and RecursionError included
        raise SpatialQAError(
            f"program.op {op}: failed with {type(error).__name__}: {short(str(error))}"
        ) from error


__getattr__ = moved.names(__name__)  # names that moved out, kept for one release
