"""RL rewards on rows written by hand."""

from __future__ import annotations

import pytest

from spatialqa.generators.rewards import reward, rewards


def row(**fields):
    base = {
        "task": "object_abs_distance",
        "family": "distance",
        "answer_type": "number",
        "answer": "2.0",
        "choices": [],
        "metric": "mra",
        "answerable": True,
    }
    return {**base, **fields}


def counting(answer="4"):
    return row(task="object_counting", family="counting", answer_type="integer", answer=answer)


def test_numeric_reward_is_mra_plus_format():
    parts = rewards(row(), "1.5 meters")  # error 0.25: thresholds 0.50..0.75 pass
    assert parts == {"format": 1.0, "task": pytest.approx(0.6)}
    assert reward(row(), "1.5 meters") == pytest.approx(0.1 * 1.0 + 0.9 * 0.6)
    assert rewards(row(), "far away") == {"format": 0.0, "task": 0.0}


@pytest.mark.parametrize(("reply", "task"), [("4", 1.0), ("5", 0.3), ("2", 0.1), ("7", 0.0)])
def test_counting_reward_by_offset(reply, task):
    assert rewards(counting(), reply)["task"] == task


def test_counting_reward_needs_a_whole_number():
    assert rewards(counting(), "4.5")["task"] == 0.0


def test_mc_reward_is_exact_letter():
    mc = row(
        task="object_rel_direction_hard",
        family="direction",
        answer_type="mc",
        answer="C",
        choices=["A. front-left", "B. front-right", "C. back-left", "D. back-right"],
        metric="accuracy",
    )
    assert rewards(mc, "C.") == {"format": 1.0, "task": 1.0}
    assert rewards(mc, "A") == {"format": 1.0, "task": 0.0}
    assert rewards(mc, "E") == {"format": 0.0, "task": 0.0}


def test_abstention_rewarded_only_where_unanswerable():
    unanswerable = row(answer_type="abstain", answerable=False)
    reply = "cannot be determined from the given views"
    assert rewards(unanswerable, reply)["task"] == 1.0
    assert rewards(unanswerable, "2.0")["task"] == 0.0
    assert rewards(row(), reply)["task"] == 0.0


def test_a_sample_object_is_accepted():
    from spatialqa.generators import Sample

    sample = Sample(
        scene_id="s",
        source="procedural",
        task="object_counting",
        family="counting",
        index=0,
        question="How many chairs?",
        question_vsi=None,
        answer_type="integer",
        answer="3",
        choices=(),
        value=3.0,
        unit=None,
        metric="mra",
        objects=(),
        views=(),
        program="{}",
        rationale="",
        margin=None,
        answerable=True,
        seed=0,
    )
    assert reward(sample, "3") == pytest.approx(1.0)
    with pytest.raises(TypeError, match="sample"):
        reward(42, "3")


def test_rewards_import_without_ray_or_rendering():
    import subprocess
    import sys

    code = (
        "import sys; import spatialqa.generators.rewards; "
        "print(sorted(m for m in ('ray', 'pyrender', 'OpenGL') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_map_reward_is_locality_plus_format():
    # The paper room's map (tests/generators/test_metrics.py): a reply with 2 of 3 pairs
    # within one cell scores 2/3; a reply that is not a map has no format either.
    truth = '{"chair":[[2,6],[7,0]],"sofa":[[3,2]],"table":[[6,8]]}'
    sample = row(task="cognitive_map", family="map", answer_type="map", answer=truth)
    sample["metric"] = "map_locality"
    reply = '{"chair": [(2, 6)], "sofa": [3, 2], "table": [(6, 6)]}'
    assert rewards(sample, reply) == {"format": 1.0, "task": pytest.approx(2 / 3)}
    assert reward(sample, truth) == pytest.approx(1.0)
    assert rewards(sample, "the chair is left of the sofa") == {"format": 0.0, "task": 0.0}
