"""lmms-eval task functions for a spatialqa VSI-Bench export: ``spatialqa export vsibench``
copies this file into its folder as ``utils.py``, beside the task YAMLs that name them.

Needs only what lmms-eval itself needs (numpy): it never imports spatialqa. Where lmms-eval is
installed, the prompt and the per-item scoring are lmms-eval's own vsibench functions
(``lmms_eval.tasks.vsibench.utils``); elsewhere the equivalents below, which follow them: the
pre-prompt "These are frames of a video.", the multiple-choice and numeric post-prompts, the
first word of the reply with a trailing '.' stripped, exact match for the letter, and mean
relative accuracy over the thresholds 0.50, 0.55, ..., 0.95 for numbers.

What differs from lmms-eval's own task: the video of a row is looked up inside this folder
(``videos/<dataset>/<scene_name>.mp4``, the same rule as lmms-eval's ``<cache>/<dataset>/...``
with ``videos/`` as the cache), and the scores are aggregated over the question types present:
a build need not ask all ten, while lmms-eval's aggregation expects all three
``object_rel_direction`` levels (one KeyError) or counts an absent one as 0. With every type
present the overall score is lmms-eval's: each type's mean, the three direction levels averaged
into one, then the mean over the categories.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VIDEOS = HERE / "videos"

MCA_QUESTION_TYPES = (
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
    "object_rel_distance",
    "route_planning",
    "obj_appearance_order",
)
NA_QUESTION_TYPES = (
    "object_abs_distance",
    "object_counting",
    "object_size_estimation",
    "room_size_estimation",
)
DIRECTIONS = MCA_QUESTION_TYPES[:3]
ACCURACY = "accuracy"
MRA = "MRA:.5:.95:.05"
THRESHOLDS = np.linspace(0.5, 0.95, 10)
"""lmms-eval's: ``int((0.95 - 0.5) / 0.05 + 2)`` is 10 points; its floats, so a reply on a
threshold's edge scores as lmms-eval scores it."""
PRE_PROMPT = "These are frames of a video."
MCA_POST_PROMPT = "Answer with the option's letter from the given choices directly."
NA_POST_PROMPT = "Please answer the question using a single word or phrase."

log = logging.getLogger(__name__)

try:
    from lmms_eval.tasks.vsibench.utils import vsibench_doc_to_text as lmms_doc_to_text
    from lmms_eval.tasks.vsibench.utils import vsibench_process_results as lmms_process_results
except ImportError:  # lmms-eval not installed: the equivalents below
    lmms_doc_to_text = None
    lmms_process_results = None

SCORING = "lmms_eval.tasks.vsibench.utils" if lmms_process_results else "equivalent"
"""Whose prompt and per-item scoring this folder uses."""


def category(question_type: str) -> str:
    """The reported category: the three direction levels are one."""
    return "object_rel_direction" if question_type in DIRECTIONS else question_type


def metric_name(question_type: str) -> str:
    """The lmms-eval metric a question type reports under (``object_counting_mra``, ...)."""
    kind = "accuracy" if question_type in MCA_QUESTION_TYPES else "mra"
    return f"{category(question_type)}_{kind}"


METRICS = tuple(dict.fromkeys(metric_name(t) for t in NA_QUESTION_TYPES + MCA_QUESTION_TYPES))
"""Every category's metric, as the task YAMLs list them."""


def vsibench_doc_to_visual(doc: dict) -> list[str]:
    """The row's video, inside this folder."""
    path = VIDEOS / doc["dataset"] / f"{doc['scene_name']}.mp4"
    if not path.is_file():
        raise FileNotFoundError(f"video path: {path} does not exist")
    return [str(path)]


def vsibench_doc_to_text(doc: dict, lmms_eval_specific_kwargs: dict | None = None) -> str:
    kwargs = lmms_eval_specific_kwargs or {}
    if lmms_doc_to_text is not None:
        return lmms_doc_to_text(doc, kwargs)
    pre_prompt = kwargs.get("pre_prompt", "") or PRE_PROMPT
    if doc["question_type"] in NA_QUESTION_TYPES:
        post_prompt = kwargs.get("na_post_prompt", "") or NA_POST_PROMPT
        return f"{pre_prompt}\n{doc['question']}\n{post_prompt}"
    if doc["question_type"] in MCA_QUESTION_TYPES:
        options = "Options:\n" + "\n".join(doc["options"])
        post_prompt = kwargs.get("mca_post_prompt", "") or MCA_POST_PROMPT
        return "\n".join([pre_prompt, doc["question"], options, post_prompt])
    raise ValueError(f"Unknown question type: {doc['question_type']}")


def first_word(reply: str) -> str:
    return reply.split(" ")[0].rstrip(".").strip()


def to_float(text: object) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def mean_relative_accuracy(prediction: float | None, truth: float | None) -> float:
    if prediction is None or truth is None:
        return 0.0
    error = abs(prediction - truth) / truth
    return float((error <= 1 - THRESHOLDS).mean())


def score(doc: dict, reply: str) -> dict:
    """The doc with ``prediction`` and its score under ``accuracy`` or ``MRA:.5:.95:.05``."""
    scored = dict(doc, prediction=reply)
    if doc["question_type"] in MCA_QUESTION_TYPES:
        scored[ACCURACY] = float(first_word(reply).lower() == doc["ground_truth"].lower())
    elif doc["question_type"] in NA_QUESTION_TYPES:
        truth = to_float(doc["ground_truth"])
        scored[MRA] = mean_relative_accuracy(to_float(first_word(reply)), truth)
    else:
        raise ValueError(f"Unknown question type: {doc['question_type']}")
    return scored


def vsibench_process_results(doc: dict, results: list[str]) -> dict:
    """The scored doc under the overall metric and its own category's metric: lmms-eval
    aggregates each metric over the docs that report it."""
    if lmms_process_results is not None:
        scored = next(iter(lmms_process_results(dict(doc), results).values()))
    else:
        scored = score(doc, results[0])
    return {"vsibench_overall": scored, metric_name(doc["question_type"]): scored}


def subscores(results: list[dict]) -> dict[str, float]:
    """Each category's mean (directions: the mean of the levels present), and ``overall``."""
    by_type: dict[str, list[float]] = {}
    for doc in results:
        key = ACCURACY if doc["question_type"] in MCA_QUESTION_TYPES else MRA
        by_type.setdefault(doc["question_type"], []).append(float(doc[key]))
    means = {kind: sum(values) / len(values) for kind, values in by_type.items()}
    levels = [means.pop(kind) for kind in DIRECTIONS if kind in means]
    if levels:
        means[DIRECTIONS[0]] = sum(levels) / len(levels)  # reported as object_rel_direction
    output = {metric_name(kind): value for kind, value in means.items()}
    output["overall"] = sum(means.values()) / len(means) if means else 0.0
    return output


def vsibench_aggregate_overall(results: list[dict]) -> float:
    output = subscores(results)
    log.info("spatialqa VSI-Bench scores (%s scoring): %s", SCORING, output)
    return round(output["overall"], 6)


def aggregate_category(name: str):
    def aggregate(results: list[dict]) -> float:
        return round(subscores(results)[name], 6)

    aggregate.__name__ = f"vsibench_aggregate_{name}"
    return aggregate


vsibench_aggregate_object_counting_mra = aggregate_category("object_counting_mra")
vsibench_aggregate_object_abs_distance_mra = aggregate_category("object_abs_distance_mra")
vsibench_aggregate_object_size_estimation_mra = aggregate_category("object_size_estimation_mra")
vsibench_aggregate_room_size_estimation_mra = aggregate_category("room_size_estimation_mra")
vsibench_aggregate_object_rel_distance_accuracy = aggregate_category("object_rel_distance_accuracy")
vsibench_aggregate_object_rel_direction_accuracy = aggregate_category(
    "object_rel_direction_accuracy"
)
vsibench_aggregate_route_planning_accuracy = aggregate_category("route_planning_accuracy")
vsibench_aggregate_obj_appearance_order_accuracy = aggregate_category(
    "obj_appearance_order_accuracy"
)
