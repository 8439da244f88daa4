"""Tasks: oracle facts phrased as questions, with answers, choices, programs and rationales."""

from spatialqa.generators import counting, direction, measurement  # noqa: F401  (registers)
from spatialqa.generators.choices import LetterBalancer
from spatialqa.generators.registry import all_tasks, get_task, register_task
from spatialqa.generators.sample import ANSWER_TYPES, ObjectRef, Sample
from spatialqa.generators.task import Context, Draft, Task

__all__ = [
    "ANSWER_TYPES",
    "Context",
    "Draft",
    "LetterBalancer",
    "ObjectRef",
    "Sample",
    "Task",
    "all_tasks",
    "get_task",
    "register_task",
]
