"""Manifest buckets: where each kind of answer is counted."""

from spatialqa.pipelines.manifest import answer_bucket, row_counts


def row(**fields) -> dict:
    base = {"task": "t", "answer_type": "mc", "answer": "A", "value": None, "unit": None}
    return {**base, "answerable": True, "abstain_reason": None, "split": None, **fields}


def test_buckets_by_answer_kind():
    assert answer_bucket(row()) == "A"
    assert answer_bucket(row(answer_type="yes_no", answer="no")) == "no"
    assert answer_bucket(row(answer_type="integer", answer="3", value=3.0)) == "3"
    assert answer_bucket(row(answer_type="number", value=0.37, unit="m")) == "[0.2, 0.5) m"
    assert answer_bucket(row(answer_type="number", value=7.0, unit="m")) == "[5, 10) m"
    assert answer_bucket(row(answer_type="box", answer="[1, 2, 3, 4]")) == "box"


def test_abstention_items_are_counted_by_kind():
    hidden = "referent not visible in the given views: lamp (id 3)"
    close = "margin within the threshold in the given view: the depth difference is 0.03 m, ..."
    rows = [
        row(answerable=False, answer_type="abstain", abstain_reason=hidden),
        row(answerable=False, answer_type="abstain", abstain_reason=close),
        row(answerable=False, answer_type="abstain", abstain_reason=close),
        row(),
    ]
    assert row_counts(rows)["answer_bucket"] == {
        "t": {
            "A": 1,
            "abstain: margin within the threshold in the given view": 2,
            "abstain: referent not visible in the given views": 1,
        }
    }
