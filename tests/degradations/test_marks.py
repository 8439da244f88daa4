"""Marks drawn on delivered images: discs centred on their pixel, labels beside them, and the
per-view labels (marks, points quoted in a question) moved with each view's pixels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from spatialqa.degradations.labels import rescale
from spatialqa.degradations.marks import (
    LABEL_BACK,
    MARK_FILL,
    draw_marks,
    mark_radius,
    move_marks,
    move_view_labels,
)
from spatialqa.errors import SpatialQAError


def discs(image: np.ndarray) -> np.ndarray:
    """Centroids (x, y) of the mark-coloured blobs, sorted by x."""
    mask = np.all(image == MARK_FILL, axis=-1)
    labelled, count = ndimage.label(mask)
    centres = ndimage.center_of_mass(mask, labelled, range(1, count + 1))
    return np.array(sorted((x, y) for y, x in centres))


def test_a_disc_is_centred_on_its_pixel_with_its_label_beside_it():
    grey = np.full((120, 160, 3), 128, dtype=np.uint8)
    drawn = draw_marks(grey, [{"xy": [40.0, 60.0], "label": "REF"}])
    assert np.array_equal(grey, np.full_like(grey, 128))  # drawn on a copy
    # Radius: 1/48 of the 120 px side is 2.5, rounded to 2, at least 3.
    assert mark_radius(160, 120) == 3
    assert np.allclose(discs(drawn), [[40.0, 60.0]], atol=0.01)
    # The label's black box sits to the upper right of the disc: right of x + 3, above y - 3.
    rows, cols = np.nonzero(np.all(drawn == LABEL_BACK, axis=-1))
    assert cols.min() >= 44 and rows.max() <= 57
    # White text inside it: readable.
    box = drawn[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    assert np.any(np.all(box > 200, axis=-1))


def test_a_label_that_would_leave_the_image_goes_inside():
    grey = np.full((120, 160, 3), 128, dtype=np.uint8)
    drawn = draw_marks(grey, [{"xy": [155.0, 2.0], "label": "D"}])
    rows, cols = np.nonzero(np.all(drawn == LABEL_BACK, axis=-1))
    # No room to the right (155 + 4 + box > 159) nor above (2 - 3 < 0): left of and below it.
    assert cols.max() <= 151 and rows.min() >= 5
    assert discs(drawn)[0] == pytest.approx([155.0, 2.0], abs=0.5)  # what is inside


def test_several_marks_each_at_their_place():
    grey = np.full((480, 640, 3), 90, dtype=np.uint8)
    marks = [
        {"xy": [x, y], "label": k}
        for k, (x, y) in zip(
            "ABCD", [(50, 60), (200, 400), (420.5, 100.0), (600, 300)], strict=True
        )
    ]
    drawn = draw_marks(grey, marks)
    assert mark_radius(640, 480) == 10
    assert np.allclose(discs(drawn), [[50, 60], [200, 400], [420.5, 100.0], [600, 300]], atol=0.6)


def test_bad_marks_are_named():
    grey = np.zeros((10, 10, 3), dtype=np.uint8)
    with pytest.raises(SpatialQAError, match=r"marks\[0\].xy"):
        draw_marks(grey, [{"xy": [1.0], "label": "A"}])
    with pytest.raises(SpatialQAError, match=r"marks\[0\].label"):
        draw_marks(grey, [{"xy": [1.0, 2.0]}])


def test_marks_and_quoted_points_move_with_their_own_view():
    # View a is delivered at half size: x' = (x + 0.5) / 2 - 0.5; view b as it is.
    half = rescale((200, 200), (100, 100))
    marks = [{"xy": [21.5, 59.5], "label": "REF"}]
    assert move_marks(marks, half) == [{"xy": [10.5, 29.5], "label": "REF"}]
    assert move_marks(marks, None) == marks
    labels = {
        "marks": {"a": marks, "b": [{"xy": [100.0, 100.0], "label": "A"}]},
        "view_points": {
            # (21.5, 59.5) of 200 px: floor(22 * 5 + 0.5) = 110, floor(60 * 5 + 0.5) = 300.
            "query": {"view": "a", "xy": [21.5, 59.5], "text": "[110, 300]"},
            "answer": {"view": "b", "xy": [150.0, 40.0], "text": "[753, 203]"},
        },
    }
    question = "Given the point [110, 300] in the first image, where is it? Answer [x, y]."
    moved, asked, answer = move_view_labels(labels, {"a": half}, question, "[753, 203]")
    assert moved["marks"]["a"] == [{"xy": [10.5, 29.5], "label": "REF"}]
    assert moved["marks"]["b"] == labels["marks"]["b"]
    # (10.5, 29.5) of 100 px: floor(11 * 10 + 0.5) = 110, floor(30 * 10 + 0.5) = 300: the same
    # thousandths (a resize keeps them), and b's answer untouched.
    assert asked == question and answer == "[753, 203]"
    # A shift of 20 px to the right in b: (170, 40) -> floor(170.5 * 5 + 0.5) = 853.
    shift = rescale((200, 200), (200, 200))
    step = np.array([20.0, 0.0])
    shifted = type(shift)(lambda xy: xy + step, lambda xy: xy - step, (200, 200))
    moved, asked, answer = move_view_labels(labels, {"b": shifted}, question, "[753, 203]")
    assert answer == "[853, 203]" and moved["view_points"]["answer"]["xy"] == [170.0, 40.0]
    assert moved["marks"]["b"] == [{"xy": [120.0, 100.0], "label": "A"}]
    # And the query moved in a: the question quotes its new place.
    moved, asked, _ = move_view_labels(labels, {"a": shifted}, question, "[753, 203]")
    assert asked == question.replace("[110, 300]", "[210, 300]")  # floor(42 * 5 + 0.5)
