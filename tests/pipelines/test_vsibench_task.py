"""The lmms-eval task functions an export ships as utils.py: lmms-eval's own prompt and scoring
where lmms-eval is installed (``lmms_eval.tasks.vsibench.utils``, EvolvingLMMs-Lab/lmms-eval:
``vsibench_doc_to_text``, ``vsibench_process_results``), else equivalents checked here on
hand-worked values; the aggregation over the question types present."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest

from spatialqa.pipelines import vsibench_task

SOURCE = Path(vsibench_task.__file__)


def load(folder: Path):
    """utils.py as lmms-eval loads it: a file of the task folder, imported by path."""
    (folder / "utils.py").write_text(SOURCE.read_text())
    spec = importlib.util.spec_from_file_location("utils_under_test", folder / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lmms_evals_own_functions_are_used_where_it_is_installed(tmp_path, monkeypatch):
    upstream = types.ModuleType("lmms_eval.tasks.vsibench.utils")
    upstream.vsibench_doc_to_text = lambda doc, kwargs: f"lmms:{doc['question']}:{kwargs}"
    # lmms-eval's classic vsibench returns the scored doc under "vsibench_score"
    upstream.vsibench_process_results = lambda doc, results: {
        "vsibench_score": dict(doc, prediction=results[0], accuracy=0.25)
    }
    for name in ("lmms_eval", "lmms_eval.tasks", "lmms_eval.tasks.vsibench"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, upstream.__name__, upstream)
    utils = load(tmp_path)
    assert utils.SCORING == "lmms_eval.tasks.vsibench.utils"
    doc = {"question": "q?", "question_type": "route_planning", "ground_truth": "A"}
    assert utils.vsibench_doc_to_text(doc, {"pre_prompt": ""}) == "lmms:q?:{'pre_prompt': ''}"
    scored = utils.vsibench_process_results(doc, ["B"])
    assert set(scored) == {"vsibench_overall", "route_planning_accuracy"}
    assert scored["vsibench_overall"]["accuracy"] == 0.25  # lmms-eval's score, re-keyed


def test_the_equivalents_score_as_worked_by_hand(tmp_path):
    utils = load(tmp_path)
    assert utils.SCORING == "equivalent"  # lmms-eval is not installed in the test environment
    number = {"question_type": "object_counting", "ground_truth": "2", "question": "How many?"}
    # |2.2 - 2| / 2 = 0.1 <= 1 - theta for theta 0.50 ... 0.90 (9 of 10), not 0.95
    assert utils.score(number, "2.2. I think")["MRA:.5:.95:.05"] == pytest.approx(0.9)
    assert utils.score(number, "two")["MRA:.5:.95:.05"] == 0.0  # not a number: 0
    assert utils.score(number, "4")["MRA:.5:.95:.05"] == 0.0  # error 1.0: no threshold
    choice = {"question_type": "object_rel_direction_easy", "ground_truth": "B"}
    assert utils.score(choice, "b. the sofa")["accuracy"] == 1.0  # first word, '.' stripped
    assert utils.score(choice, "The answer is B")["accuracy"] == 0.0
    with pytest.raises(ValueError, match="Unknown question type"):
        utils.score({"question_type": "depth_order", "ground_truth": "A"}, "A")
    text = utils.vsibench_doc_to_text(number | {"options": None}, {"pre_prompt": ""})
    assert text == "These are frames of a video.\nHow many?\n" + utils.NA_POST_PROMPT
    results = [
        utils.score(number, "2.2"),  # counting 0.9
        utils.score(choice, "B"),  # easy 1.0
        utils.score(choice | {"question_type": "object_rel_direction_hard"}, "A"),  # hard 0.0
    ]
    # directions: the levels present averaged, (1.0 + 0.0) / 2 = 0.5; overall (0.9 + 0.5) / 2
    assert utils.subscores(results) == pytest.approx(
        {"object_counting_mra": 0.9, "object_rel_direction_accuracy": 0.5, "overall": 0.7}
    )
    assert utils.vsibench_aggregate_object_rel_direction_accuracy(results) == 0.5
    assert utils.vsibench_aggregate_overall(results) == 0.7


def test_a_missing_video_names_the_path_it_looked_for(tmp_path):
    utils = load(tmp_path)
    doc = {"dataset": "procedural", "scene_name": "proc_0_0001__jpeg3"}
    with pytest.raises(FileNotFoundError, match=r"videos/procedural/proc_0_0001__jpeg3\.mp4"):
        utils.vsibench_doc_to_visual(doc)
