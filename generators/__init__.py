"""Tasks: oracle facts phrased as questions, with answers, choices, programs and rationales.

Names load on first use, so ``import spatialqa.generators.rewards`` (an RL reward loop) or
``.metrics`` imports no task, no oracle and no open3d; the built-in tasks register the first
time the registry is asked (``all_tasks``, ``get_task``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spatialqa import lazy

if TYPE_CHECKING:
    from spatialqa.generators.choices import LetterBalancer
    from spatialqa.generators.registry import all_tasks, get_task, register_task
    from spatialqa.generators.sample import ANSWER_TYPES, ObjectRef, Sample
    from spatialqa.generators.sampler import Drawn, draw, draw_samples
    from spatialqa.generators.task import Context, Draft, Made, Rng, Task, Undecided

HOMES = {
    "ANSWER_TYPES": "sample",
    "Context": "task",
    "Draft": "task",
    "Drawn": "sampler",
    "LetterBalancer": "choices",
    "Made": "task",
    "ObjectRef": "sample",
    "Rng": "task",
    "Sample": "sample",
    "Task": "task",
    "Undecided": "task",
    "all_tasks": "registry",
    "draw": "sampler",
    "draw_samples": "sampler",
    "get_task": "registry",
    "register_task": "registry",
}
"""Each exported name -> the module of this package that defines it."""

__getattr__ = lazy.exports(__name__, HOMES)


__all__ = [
    "ANSWER_TYPES",
    "Context",
    "Draft",
    "Drawn",
    "LetterBalancer",
    "Made",
    "ObjectRef",
    "Rng",
    "Sample",
    "Task",
    "Undecided",
    "all_tasks",
    "draw",
    "draw_samples",
    "get_task",
    "register_task",
]
