"""Tasks: oracle facts phrased as questions, with answers, choices, programs and rationales."""

from spatialqa.generators import (  # noqa: F401  (registers)
    appearance,
    camera_motion,
    counting,
    direction,
    distance,
    in_view,
    navigation,
    size,
    viewer,
    visibility,
)
from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.registry import all_tasks, get_task, register_task
from spatialqa.generators.sample import ANSWER_TYPES, ObjectRef, Sample
from spatialqa.generators.sampler import Drawn, draw, draw_samples
from spatialqa.generators.task import Context, Draft, Task, Undecided

__all__ = [
    "ANSWER_TYPES",
    "Context",
    "Draft",
    "Drawn",
    "LetterBalancer",
    "ObjectRef",
    "Sample",
    "Task",
    "Undecided",
    "all_tasks",
    "draw",
    "draw_samples",
    "get_task",
    "register_task",
]
